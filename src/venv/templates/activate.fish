# Activation script for fish, written by venvsync.
#
# Source it, do not run it:   source bin/activate.fish
# Undo it with `deactivate`.  `deactivate nondestructive` undoes it too but keeps the function
# (this script uses that to leave any environment that is active before entering this one).

function deactivate --description 'Leave the virtual environment'
    if set -q _OLD_VIRTUAL_PATH
        set -gx PATH $_OLD_VIRTUAL_PATH
        set -e _OLD_VIRTUAL_PATH
    end
    if set -q _OLD_VIRTUAL_PYTHONHOME
        set -gx PYTHONHOME $_OLD_VIRTUAL_PYTHONHOME
        set -e _OLD_VIRTUAL_PYTHONHOME
    end
    if set -q _OLD_FISH_PROMPT_OVERRIDE
        set -e _OLD_FISH_PROMPT_OVERRIDE
        # Put back the prompt function that was wrapped at activation.
        if functions -q _old_fish_prompt
            functions -e fish_prompt
            functions -c _old_fish_prompt fish_prompt
            functions -e _old_fish_prompt
        end
    end
    set -e VIRTUAL_ENV
    set -e VIRTUAL_ENV_PROMPT
    if test "$argv[1]" != nondestructive
        functions -e deactivate
    end
end

# Leave whatever environment is active now, keeping the function defined above.
deactivate nondestructive

set -gx VIRTUAL_ENV __VENVSYNC_DIR__
set -gx VIRTUAL_ENV_PROMPT __VENVSYNC_PROMPT__

set -g _OLD_VIRTUAL_PATH $PATH
set -gx PATH "$VIRTUAL_ENV/"__VENVSYNC_BIN__ $PATH

# PYTHONHOME would point the environment's interpreter at another installation.
if set -q PYTHONHOME
    set -g _OLD_VIRTUAL_PYTHONHOME $PYTHONHOME
    set -e PYTHONHOME
end

if test -z "$VIRTUAL_ENV_DISABLE_PROMPT"
    # Wrap the current prompt: print "(prompt) ", then whatever it printed before.
    if functions -q fish_prompt
        functions -c fish_prompt _old_fish_prompt
    else
        function _old_fish_prompt
        end
    end
    function fish_prompt
        # Keep $status intact for the wrapped prompt, which may show the last command's result.
        set -l last_status $status
        printf '(%s) ' __VENVSYNC_PROMPT__
        echo "exit $last_status" | source
        _old_fish_prompt
    end
    set -g _OLD_FISH_PROMPT_OVERRIDE "$VIRTUAL_ENV"
end
