# venvsync's shell integration for fish. In ~/.config/fish/config.fish:
#     venvsync shell-init fish | source
#
#   workon NAME   activates environment NAME in this shell (synced first): the nearest
#                 venv.yaml names it, else your global manifest (venvsync -g); `deactivate`
#                 leaves it
#   workon        lists the environments
# and completion for venvsync and workon (commands, options, environment and shell names).
set -g __venvsync_exe __VENVSYNC_EXE__
function workon --description 'activate a venvsync environment in this shell'
    set -l code (command $__venvsync_exe __workon fish $argv)
    or return $status
    string join \n -- $code | source
end
