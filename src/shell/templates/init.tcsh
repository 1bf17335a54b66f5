# venvsync's shell integration for tcsh. In ~/.tcshrc:   eval `venvsync shell-init tcsh`
#
#   workon NAME   activates environment NAME in this shell (synced first): the nearest
#                 venv.yaml names it, else your global manifest (venvsync -g); `deactivate`
#                 leaves it
#   workon        lists the environments
# and completion for venvsync and workon (commands, options, environment and shell names).
# eval joins the lines: every command ends with ';', and these comments are not printed.
# The arguments go through a variable: inside the backquotes they would be read again.
set __venvsync_exe = __VENVSYNC_EXE__ ;
alias workon 'set __venvsync_args = (\!*) ; eval `$__venvsync_exe:q __workon tcsh $__venvsync_args:q`' ;
