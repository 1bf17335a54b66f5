/*
 * activators: the activation scripts of an environment, rendered from the templates in
 * src/venv/templates/ (embedded at build time).
 *
 * Scripts: activate (bash/zsh/sh), activate.fish, activate.csh, Activate.ps1, activate.nu.
 * Each sets VIRTUAL_ENV and VIRTUAL_ENV_PROMPT, puts <env>/bin first on PATH, unsets PYTHONHOME
 * (restoring it on deactivate), prefixes the prompt with "(<prompt>) " unless
 * VIRTUAL_ENV_DISABLE_PROMPT is set, and defines `deactivate`, which restores PATH, PYTHONHOME and
 * the prompt. Values are substituted quoted for each shell's syntax, so paths and prompts with
 * spaces, quotes, '$' and backticks are safe.
 *
 * Rendering is pure: the same inputs give the same bytes, so an observer can compare a file on
 * disk with what it should be.
 */
#ifndef VENVSYNC_VENV_ACTIVATORS_H
#define VENVSYNC_VENV_ACTIVATORS_H
#include <stddef.h>
#include "util/buf.h"

typedef struct activator_vars {
    const char *venv_dir;   /* absolute path of the environment */
    const char *prompt;     /* bare prompt, without parentheses */
    const char *bin_name;   /* "bin" */
} activator_vars_t;

/* Number of activators, and the file name (in bin/) of activator i. */
size_t activator_count(void);
const char *activator_name(size_t i);
/* Appends activator i's content for vars to out. */
void activator_render(size_t i, const activator_vars_t *vars, buf_t *out);
/* The activator to source for a shell named by $SHELL's basename ("bash", "zsh", "fish", "csh",
 * "tcsh", "pwsh", "nu"); "activate" for unknown shells. */
const char *activator_for_shell(const char *shell);

#endif
