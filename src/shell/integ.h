/*
 * integ: the shell integration `venvsync shell-init SHELL` and `venvsync completion SHELL`
 * print, for bash, zsh, fish and tcsh, rendered from the templates in src/shell/templates/
 * (embedded at build time), and the code the `workon` function evaluates.
 *
 *  - shell-init: `workon NAME` (activate in the current shell), `workon` (list), and the
 *    completion script.
 *  - completion: the completion script alone. Candidates come from `venvsync __complete`
 *    (cmd/complete.c), so the scripts stay small and every shell completes the same words.
 *
 * The one placeholder, __VENVSYNC_EXE__, is the absolute path of the venvsync binary, written
 * as one quoted word of the shell's syntax (util/shquote.h), like every value here. tcsh reads
 * the output through eval of a backquote substitution, which joins the lines: its templates end
 * every command with ';', and their comment lines are left out.
 *
 * Pure: the same inputs give the same bytes.
 */
#ifndef VENVSYNC_SHELL_INTEG_H
#define VENVSYNC_SHELL_INTEG_H
#include <stdbool.h>
#include "util/buf.h"

/* The shells with an integration: bash, zsh, fish, tcsh (NULL-terminated). */
extern const char *const shell_integration_names[];

/* Appends shell's script to out: with init, shell-init's (workon and completion), else the
 * completion alone. exe: the absolute path of venvsync. False (out unchanged) for a shell that
 * has no integration. */
bool shell_integration_render(const char *shell, bool init, const char *exe, buf_t *out);

/* The code `workon NAME` evaluates in shell: sourcing the environment's activator for it
 * (bin/activate, bin/activate.fish, bin/activate.csh under env_dir). False for a shell that
 * has no integration. */
bool shell_workon_source(const char *shell, const char *env_dir, buf_t *out);

/* The code `workon` evaluates to list names (one per line); nothing for none. */
void shell_workon_list(const char *shell, char *const *names, buf_t *out);

#endif
