# Activation module for nushell, written by venvsync.
#
# Activate it as an overlay:   overlay use bin/activate.nu
# Leave it with `deactivate`, which hides the overlay and so restores every variable it changed.
# (Under another overlay name, `overlay use bin/activate.nu as NAME`, leave with
# `overlay hide NAME` instead.)

export-env {
    let venv_dir = __VENVSYNC_DIR__
    let venv_prompt = __VENVSYNC_PROMPT__
    let bin_dir = ($venv_dir | path join __VENVSYNC_BIN__)

    let path_name = if ($nu.os-info.family == 'windows') and ('Path' in $env) { 'Path' } else { 'PATH' }
    let old_path = ($env | get $path_name)
    let old_path = if (($old_path | describe) == 'string') {
        $old_path | split row (char esep)
    } else {
        $old_path
    }
    load-env ({} | insert $path_name ($old_path | prepend $bin_dir))
    $env.VIRTUAL_ENV = $venv_dir
    $env.VIRTUAL_ENV_PROMPT = $venv_prompt

    # PYTHONHOME would point the environment's interpreter at another installation. It is
    # emptied rather than removed: hiding the overlay brings back what the overlay set, but not
    # what it removed. Python (3.7 and later) ignores an empty PYTHONHOME.
    if 'PYTHONHOME' in $env {
        $env.PYTHONHOME = ''
    }

    let disabled = ('VIRTUAL_ENV_DISABLE_PROMPT' in $env) and (($env.VIRTUAL_ENV_DISABLE_PROMPT | into string) != '')
    if not $disabled {
        # Wrap the prompt: "(prompt) " followed by what it showed before.
        let prefix = ('(' + $venv_prompt + ') ')
        let old_prompt = if 'PROMPT_COMMAND' in $env { $env.PROMPT_COMMAND } else { '' }
        $env.PROMPT_COMMAND = if ($old_prompt | describe | str starts-with 'closure') {
            {|| $prefix + (do $old_prompt) }
        } else {
            {|| $prefix + ($old_prompt | into string) }
        }
    }
}

export alias deactivate = overlay hide activate
