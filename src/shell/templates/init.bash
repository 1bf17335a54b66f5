# venvsync's shell integration for bash. In ~/.bashrc:   eval "$(venvsync shell-init bash)"
#
#   workon NAME   activates environment NAME in this shell (synced first): the nearest
#                 venv.yaml names it, else your global manifest (venvsync -g); `deactivate`
#                 leaves it
#   workon        lists the environments
# and completion for venvsync and workon (commands, options, environment and shell names).
__venvsync_exe=__VENVSYNC_EXE__
workon() {
    local __venvsync_code
    __venvsync_code="$(command "$__venvsync_exe" __workon bash "$@")" || return $?
    eval "$__venvsync_code"
}
