# venvsync completion for bash:   eval "$(venvsync completion bash)"
# Candidates come from `venvsync __complete`, which reads only the manifest (no Python starts).
__venvsync_exe=__VENVSYNC_EXE__
_venvsync_complete() {
    local cur="${COMP_WORDS[COMP_CWORD]}" IFS=$'\n'
    local -a out
    out=($(command "$__venvsync_exe" __complete -- "${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null))
    case "${out[0]-}" in
        @files) COMPREPLY=($(compgen -f -- "$cur")); compopt -o filenames 2>/dev/null ;;
        @dirs) COMPREPLY=($(compgen -d -- "$cur")); compopt -o filenames 2>/dev/null ;;
        *) COMPREPLY=("${out[@]}") ;;
    esac
}
_venvsync_complete_workon() {
    local IFS=$'\n'
    COMPREPLY=($(command "$__venvsync_exe" __complete --workon -- "${COMP_WORDS[COMP_CWORD]}" 2>/dev/null))
}
complete -F _venvsync_complete venvsync
complete -F _venvsync_complete_workon workon
