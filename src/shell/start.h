/*
 * start: how to start the user's interactive shell with an environment activated
 * (`venvsync shell`). bash and zsh get a start-up file that sources their usual one and then the
 * environment's activator; fish gets the activator as an init command; other shells get the
 * activated variables only (the caller sets them: shell_start_t.activate_environ).
 *
 * shell_start_prepare() writes the start-up files under <cache>/shell/ (only when their content
 * differs) and fills a shell_start_t: what to exec and which variables to set first. It owns its
 * strings; shell_start_free() releases them.
 */
#ifndef VENVSYNC_SHELL_START_H
#define VENVSYNC_SHELL_START_H
#include <stdbool.h>
#include "util/err.h"

#define SHELL_START_MAXENV 4

typedef struct shell_start {
    char *argv[6];                 /* NULL-terminated: the shell and its arguments */
    char *set_name[SHELL_START_MAXENV];   /* variables to set before exec (NULL-terminated) */
    char *set_value[SHELL_START_MAXENV];
    bool activate_environ;         /* no activator can run: set VIRTUAL_ENV, PATH... instead */
} shell_start_t;

/* shell: $SHELL (NULL or "" means /bin/sh); activator: the absolute path of the environment's
 * activator for that shell (venv/activators.h); zdotdir: $ZDOTDIR or NULL. */
err_t *shell_start_prepare(const char *shell, const char *activator, const char *cache_dir,
                           const char *zdotdir, shell_start_t *out);
void shell_start_free(shell_start_t *s);

#endif
