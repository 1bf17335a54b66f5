/*
 * common: the small pieces every command repeats: argument scanning, finding and loading the
 * manifest, and writing a rendered buffer. Nothing here decides anything about environments.
 */
#ifndef VENVSYNC_CMD_COMMON_H
#define VENVSYNC_CMD_COMMON_H
#include <stdbool.h>
#include "cmd/cmd.h"
#include "manifest/manifest.h"
#include "output/render.h"
#include "util/buf.h"

typedef struct cmd_flag {
    const char *name;        /* "--no-sync" */
    bool *set;               /* set to true when present (may be NULL when value is used) */
    const char **value;      /* non-NULL: the flag takes a value ("--shell NAME" or "--shell=NAME") */
} cmd_flag_t;

/*
 * Scans ctx->argv[1..]: known flags are recorded, "-h/--help" is ignored (see cmd_wants_help),
 * other words are operands. Everything after "--" is an operand. With stop_at_operand, scanning
 * for flags ends at the first operand (for commands that run another program). An unknown flag is
 * an EXIT_USAGE error naming the command. *operands is malloc'd (pointing into argv).
 */
err_t *cmd_args(const cmd_ctx_t *ctx, const cmd_flag_t *flags, bool stop_at_operand,
                char ***operands, int *n);

/* The manifest's path (malloc'd): the global one with -g (created on first use), -f's, else the
 * nearest venv.yaml from the cwd up (an EXIT_USAGE error when there is none). */
err_t *cmd_manifest_file(const cmd_ctx_t *ctx, char **out);
/* <config_dir>/venv.yaml; with create, written (mfedit_render: root ${WORKON_HOME}, no
 * environments) when it does not exist. EXIT_USAGE when there is no config_dir (no HOME). */
err_t *cmd_global_manifest(const cmd_ctx_t *ctx, bool create, char **out);
/* The ${VAR} values manifests see: the process environment, with WORKON_HOME defaulting to
 * config_t.workon_home (virtualenvwrapper's default, ~/.virtualenvs). Borrows ctx's config. */
env_lookup_t cmd_manifest_vars(const cmd_ctx_t *ctx);
/* Finds (cmd_manifest_file) and loads the manifest. */
err_t *cmd_load_manifest(const cmd_ctx_t *ctx, manifest_t **out);

/* Writes b to ctx->out. */
void cmd_emit(const cmd_ctx_t *ctx, const buf_t *b);

/* Sets VIRTUAL_ENV, VIRTUAL_ENV_PROMPT and PATH for the environment at venv_path in this
 * process's environment and unsets PYTHONHOME, as activation would (for run and shell). */
void cmd_activate_environ(const cmd_ctx_t *ctx, const char *venv_path, const char *prompt);



#include "engine/engine.h"
/* Loads the manifest and selects the named environments (all when n == 0). On success the
 * caller frees both with engine_free() then manifest_free(). */
err_t *cmd_open_engine(const cmd_ctx_t *ctx, char *const *names, int n, manifest_t **m, engine_t *en);
/* cmd_args with `flags`, then cmd_open_engine on the operands (environment names). */
/* --no-build / --no-binary (both: an EXIT_USAGE error) as en's `build` for every environment. */
err_t *cmd_build_policy(bool no_build, bool no_binary, engine_t *en);
err_t *cmd_engine_from_args(const cmd_ctx_t *ctx, const cmd_flag_t *flags, manifest_t **m,
                            engine_t *en);
/* Prints the engine's plans or results in mode, as text or JSON per --json; with -v, also one
 * "network:" line on the log when the index client made requests. */
void cmd_render_engine(const cmd_ctx_t *ctx, const engine_t *en, render_mode_t mode);
/* Asks question (adding " [y/N] ") on the terminal and sets *ok. With yes, *ok is true without
 * asking. When stdin is not a terminal and yes is false, it is an EXIT_USAGE error telling the
 * user to pass --yes. */
err_t *cmd_confirm(const cmd_ctx_t *ctx, const char *question, bool yes, bool *ok);
#endif
