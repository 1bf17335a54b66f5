# venvsync completion for zsh (needs compinit):   eval "$(venvsync completion zsh)"
# Candidates come from `venvsync __complete`, which reads only the manifest (no Python starts).
__venvsync_exe=__VENVSYNC_EXE__
_venvsync_describe() {
    local -a cands
    local line
    for line in "$@"; do
        [[ -z $line ]] && continue
        if [[ $line == *$'\t'* ]]; then
            cands+=("${${line%%$'\t'*}//:/\\:}:${line#*$'\t'}")
        else
            cands+=("${line//:/\\:}")
        fi
    done
    _describe -t venvsync venvsync cands
}
_venvsync() {
    local -a out
    out=("${(@f)$(command "$__venvsync_exe" __complete --descriptions -- "${(@)words[2,CURRENT]}" 2>/dev/null)}")
    case "${out[1]}" in
        @files) _files ;;
        @dirs) _files -/ ;;
        *) _venvsync_describe "${out[@]}" ;;
    esac
}
_venvsync_workon() {
    local -a out
    out=("${(@f)$(command "$__venvsync_exe" __complete --workon --descriptions -- "${words[CURRENT]}" 2>/dev/null)}")
    _venvsync_describe "${out[@]}"
}
if (( $+functions[compdef] )); then
    compdef _venvsync venvsync
    compdef _venvsync_workon workon
fi
