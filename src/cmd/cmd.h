/*
 * cmd: the command table and what every command receives.
 *
 * main parses the global options (anywhere before "--"), finds the command word and calls the
 * command's run() with the remaining words: argv[0] is the command name, then its own options and
 * operands. A command wires modules together and prints its results on stdout (text, or JSON
 * with --json); it never prints errors: it returns them, and main prints them and picks the exit
 * code. *status is the exit code on success (0, or 1 for drift from `check`, or a child's status
 * for `run`).
 */
#ifndef VENVSYNC_CMD_CMD_H
#define VENVSYNC_CMD_CMD_H
#include <stdbool.h>
#include <stdio.h>
#include "config/config.h"
#include "util/err.h"
#include "util/term.h"

typedef struct global_opts {
    const char *file;        /* -f/--file: the manifest, or NULL to search */
    bool global;             /* -g/--global: the user's manifest, <config_dir>/venv.yaml, created
                                on first use (cmd_manifest_file); never together with file */
    const char *chdir;       /* -C: already applied by main (cwd changed); kept for messages */
    bool json;               /* --json */
    int verbosity;           /* -1 with -q, 0 default, 1+ with -v */
    bool offline;            /* --offline or VENVSYNC_OFFLINE */
    const config_t *cfg;     /* the environment, read once by main (config/config.h) */
    bool no_progress;        /* --no-progress */
    color_mode_t color;      /* --color */
    const char *cache_dir;   /* cfg->cache_dir */
    const char *python_dir;  /* cfg->python_dir: NULL when it cannot be named (no HOME) */
} global_opts_t;

typedef struct cmd_ctx {
    const global_opts_t *g;
    int argc;
    char **argv;
    FILE *out;               /* stdout: write through cmd_emit() */
    bool *emitted;           /* set by cmd_emit(): main prints --json errors as JSON on stdout
                                only when the command printed nothing there */
    FILE *log;               /* stderr: progress and -v notes only, never errors */
} cmd_ctx_t;

typedef struct cmd {
    const char *name;
    const char *usage;       /* "plan [ENV...]" */
    const char *summary;     /* one line for `venvsync --help` */
    const char *help;        /* the command's --help body: options and what it does */
    err_t *(*run)(const cmd_ctx_t *ctx, int *status);
    bool hidden;             /* not listed by --help nor completed (helpers for the shell
                                integration: __complete, __workon) */
} cmd_t;

/* Every command's table entry, defined in its own file under src/cmd/. */
extern const cmd_t cmd_sync, cmd_plan, cmd_check, cmd_list, cmd_run, cmd_shell, cmd_activate,
    cmd_init, cmd_python, cmd_remove, cmd_prune, cmd_hook, cmd_ci_key, cmd_copy, cmd_cache,
    cmd_lock, cmd_new, cmd_adopt, cmd_add, cmd_rm, cmd_shell_init, cmd_completion, cmd_complete,
    cmd_workon;

/* The table, NULL-terminated, and lookup by name. */
extern const cmd_t *const cmd_table[];
const cmd_t *cmd_find(const char *name);

/*
 * Shared option scanning for commands: returns true if argv[i] is "--help"/"-h" anywhere before
 * "--". Commands call cmd_wants_help() first and print cmd_print_help().
 */
bool cmd_wants_help(const cmd_ctx_t *ctx);
void cmd_print_help(const cmd_t *c, FILE *f);

/* The global options main knows (for suggestions and completion), NULL-terminated. */
extern const char *const cmd_global_options[];

/* The options a command documents: every -x / --word in its usage line and in the option column
 * of its help lines (lines that start with '-'), in order, without duplicates; takes_value[i]
 * tells whether option i is written with a value ("--shell NAME"). *opts is NULL-terminated;
 * free both with free() (the strings with strv_free(*opts)). */
void cmd_options(const cmd_t *c, char ***opts, bool **takes_value);

/* The supported shells for activate --shell (bash, zsh, sh, fish, csh, tcsh, pwsh, nu; also
 * dash, ksh, powershell and nushell), NULL-terminated, and the check that refuses anything else
 * with EXIT_USAGE, naming the supported ones ("activate: unknown shell 'elvish'; supported:
 * ..."); with integration, the shells of shell-init and completion (shell/integ.h). */
extern const char *const cmd_activate_shells[];
err_t *cmd_check_shell(const char *what, const char *shell, bool integration);

#endif
