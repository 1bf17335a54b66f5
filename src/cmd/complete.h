/*
 * complete: the words a shell may complete at the end of a venvsync command line, for the
 * completion scripts (shell/integ.h) through the hidden `venvsync __complete`.
 *
 * complete_words() is pure apart from the callbacks that read names from a manifest: given the
 * words after `venvsync` (the last one being the word under the cursor, maybe empty) it appends
 * the candidates that start with that word, one per line ("word" or, with descriptions,
 * "word<TAB>description"), or one line "@files" / "@dirs" when the shell should complete paths
 * itself. Rules:
 *  - after -f/--file: @files; after -C: @dirs; after --color, --link-mode, --shell: their
 *    values; after another option that takes a value (--python REQ): nothing;
 *  - a word starting with '-': the global options and the command's (cmd_options());
 *  - no command yet: the commands (hidden ones left out) and `help`;
 *  - then per command: environment names (sync, plan, check, list, ci-key: any number; run,
 *    shell, activate, remove, add, copy: the first operand), the packages an environment lists
 *    (rm ENV NAME...), shells (shell-init, completion), subcommands (python, cache, hook), the
 *    commands (help), files after `run ENV`;
 *  - --workon: environment names for `workon` (the manifest found from the directory, and the
 *    global one).
 * Environment names come from the manifest the words select (-f, -g, -C, else the nearest one),
 * read only: completion never starts Python.
 */
#ifndef VENVSYNC_CMD_COMPLETE_H
#define VENVSYNC_CMD_COMPLETE_H
#include <stdbool.h>
#include "cmd/cmd.h"
#include "util/buf.h"

/* Where names come from: the manifest named by file (-f), global (-g), dir (-C), else the one
 * found from the current directory. Each returns a NULL-terminated malloc'd list (strv_free), or
 * NULL when there is no such manifest. */
typedef struct complete_src {
    const cmd_t *const *table;   /* the commands, NULL-terminated */
    char **(*envs)(void *arg, const char *file, bool global, const char *dir);
    char **(*packages)(void *arg, const char *file, bool global, const char *dir,
                       const char *env);    /* project names env's `packages:` lists */
    char **(*workon_envs)(void *arg);        /* names for workon: local, then global */
    void *arg;
} complete_src_t;

void complete_words(const complete_src_t *src, char *const *words, int n, bool workon,
                    bool descriptions, buf_t *out);

#endif
