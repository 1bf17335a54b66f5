# venvsync completion for fish:   venvsync completion fish | source
# Candidates come from `venvsync __complete`, which reads only the manifest (no Python starts).
set -g __venvsync_exe __VENVSYNC_EXE__
function __venvsync_complete
    set -l out (command $__venvsync_exe __complete --descriptions -- (commandline -opc)[2..-1] (commandline -ct) 2>/dev/null)
    switch "$out[1]"
        case @files
            __fish_complete_path (commandline -ct)
        case @dirs
            __fish_complete_directories (commandline -ct)
        case '*'
            printf '%s\n' $out
    end
end
complete -c venvsync -f -a '(__venvsync_complete)'
complete -c workon -f -a '(command $__venvsync_exe __complete --workon --descriptions -- (commandline -ct) 2>/dev/null)'
