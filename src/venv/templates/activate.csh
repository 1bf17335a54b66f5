# Activation script for csh and tcsh, written by venvsync.
#
# Source it, do not run it:   source bin/activate.csh
# Undo it with `deactivate`.  `deactivate nondestructive` undoes it too but keeps the alias
# (this script uses that to leave any environment that is active before entering this one).
#
# csh substitutes every variable of a line before running any of it, so `deactivate` tests
# each saved value with `test` and only then reads it, one && chain per value.

alias deactivate 'test $?_OLD_VIRTUAL_PATH != 0 && setenv PATH "$_OLD_VIRTUAL_PATH:q" && unset _OLD_VIRTUAL_PATH; test $?_OLD_VIRTUAL_PYTHONHOME != 0 && setenv PYTHONHOME "$_OLD_VIRTUAL_PYTHONHOME:q" && unset _OLD_VIRTUAL_PYTHONHOME; test $?_OLD_VIRTUAL_PROMPT != 0 && set prompt="$_OLD_VIRTUAL_PROMPT:q" && unset _OLD_VIRTUAL_PROMPT; rehash; unsetenv VIRTUAL_ENV; unsetenv VIRTUAL_ENV_PROMPT; test "\!:*" != "nondestructive" && unalias deactivate'

# Leave whatever environment is active now, keeping the alias defined above.
deactivate nondestructive

setenv VIRTUAL_ENV __VENVSYNC_DIR__
setenv VIRTUAL_ENV_PROMPT __VENVSYNC_PROMPT__

set _OLD_VIRTUAL_PATH="$PATH:q"
setenv PATH "$VIRTUAL_ENV:q/"__VENVSYNC_BIN__":$PATH:q"

# PYTHONHOME would point the environment's interpreter at another installation.
if ( $?PYTHONHOME ) then
    set _OLD_VIRTUAL_PYTHONHOME="$PYTHONHOME:q"
    unsetenv PYTHONHOME
endif

set _venvsync_prompt=1
if ( $?VIRTUAL_ENV_DISABLE_PROMPT ) then
    if ( "$VIRTUAL_ENV_DISABLE_PROMPT:q" != "" ) set _venvsync_prompt=0
endif
# Only an interactive shell has a prompt to decorate.
if ( $_venvsync_prompt && $?prompt ) then
    set _OLD_VIRTUAL_PROMPT="$prompt:q"
    set prompt="("__VENVSYNC_PROMPT__") $prompt:q"
endif
unset _venvsync_prompt

rehash
