<#
.Synopsis
Activates a virtual environment written by venvsync, in the current PowerShell session.

.Description
Puts the environment's scripts directory first on PATH, sets VIRTUAL_ENV and VIRTUAL_ENV_PROMPT,
clears PYTHONHOME while the environment is active, prefixes the prompt with "(<prompt>) " unless
VIRTUAL_ENV_DISABLE_PROMPT is set, and defines the global function `deactivate`, which undoes all
of it (`deactivate -NonDestructive` undoes it but keeps the function).

Dot-source it or call it:   . bin/Activate.ps1      & bin/Activate.ps1

.Parameter VenvDir
The environment to activate. Default: the one this script was written for.

.Parameter Prompt
The prompt prefix to show (without parentheses). Default: the environment's prompt.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $false)]
    [String] $VenvDir,
    [Parameter(Mandatory = $false)]
    [String] $Prompt
)

function global:deactivate([switch] $NonDestructive) {
    if (Test-Path -Path Function:_OLD_VIRTUAL_PROMPT) {
        Copy-Item -Path Function:_OLD_VIRTUAL_PROMPT -Destination Function:prompt
        Remove-Item -Path Function:_OLD_VIRTUAL_PROMPT
    }
    if (Test-Path -Path Env:_OLD_VIRTUAL_PYTHONHOME) {
        Copy-Item -Path Env:_OLD_VIRTUAL_PYTHONHOME -Destination Env:PYTHONHOME
        Remove-Item -Path Env:_OLD_VIRTUAL_PYTHONHOME
    }
    if (Test-Path -Path Env:_OLD_VIRTUAL_PATH) {
        Copy-Item -Path Env:_OLD_VIRTUAL_PATH -Destination Env:PATH
        Remove-Item -Path Env:_OLD_VIRTUAL_PATH
    }
    foreach ($name in @('VIRTUAL_ENV', 'VIRTUAL_ENV_PROMPT')) {
        if (Test-Path -Path "Env:$name") {
            Remove-Item -Path "Env:$name"
        }
    }
    if (Get-Variable -Name '_PYTHON_VENV_PROMPT_PREFIX' -Scope Global -ErrorAction SilentlyContinue) {
        Remove-Variable -Name '_PYTHON_VENV_PROMPT_PREFIX' -Scope Global -Force
    }
    if (-not $NonDestructive) {
        Remove-Item -Path Function:deactivate
    }
}

# Leave whatever environment is active now, keeping the function defined above.
deactivate -NonDestructive

if (-not $VenvDir) {
    $VenvDir = __VENVSYNC_DIR__
}
if (-not $Prompt) {
    $Prompt = __VENVSYNC_PROMPT__
}
$BinName = __VENVSYNC_BIN__

$env:VIRTUAL_ENV = $VenvDir
$env:VIRTUAL_ENV_PROMPT = $Prompt

Copy-Item -Path Env:PATH -Destination Env:_OLD_VIRTUAL_PATH
$env:PATH = (Join-Path -Path $VenvDir -ChildPath $BinName) + [System.IO.Path]::PathSeparator + $env:PATH

# PYTHONHOME would point the environment's interpreter at another installation.
if (Test-Path -Path Env:PYTHONHOME) {
    Copy-Item -Path Env:PYTHONHOME -Destination Env:_OLD_VIRTUAL_PYTHONHOME
    Remove-Item -Path Env:PYTHONHOME
}

if (-not $env:VIRTUAL_ENV_DISABLE_PROMPT) {
    # Wrap the current prompt function: "(prompt) " followed by what it printed before.
    # Defined globally first, so that the copy below lands in the global scope even when this
    # script runs in a scope of its own (called with & rather than dot-sourced).
    function global:_OLD_VIRTUAL_PROMPT { "PS $($executionContext.SessionState.Path.CurrentLocation)> " }
    if (Test-Path -Path Function:prompt) {
        Copy-Item -Path Function:prompt -Destination Function:_OLD_VIRTUAL_PROMPT
    }
    New-Variable -Name '_PYTHON_VENV_PROMPT_PREFIX' -Scope Global -Value "($Prompt) " -Force
    function global:prompt {
        Write-Host -NoNewline -ForegroundColor Green $global:_PYTHON_VENV_PROMPT_PREFIX
        _OLD_VIRTUAL_PROMPT
    }
}
