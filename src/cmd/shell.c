/*
 * shell: start the user's $SHELL with an environment activated (synced first). bash, zsh and
 * fish source the environment's own activator after their usual start-up files, so the prompt
 * and `deactivate` work as after `source activate`; other shells get the activated variables.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/common.h"
#include "util/cachedir.h"
#include "util/fs.h"
#include "util/path.h"
#include "util/proc.h"
#include "util/xalloc.h"
#include "venv/activators.h"

static const char BASH_RC[] =
    "# written by venvsync shell: the usual ~/.bashrc, then the environment's activator\n"
    "[ -f \"$HOME/.bashrc\" ] && . \"$HOME/.bashrc\"\n"
    ". \"$VENVSYNC_ACTIVATE\"\n"
    "unset VENVSYNC_ACTIVATE\n";

static const char ZSH_RC[] =
    "# written by venvsync shell: the usual .zshrc, then the environment's activator\n"
    "if [ -n \"$VENVSYNC_ZDOTDIR\" ]; then ZDOTDIR=\"$VENVSYNC_ZDOTDIR\"; else unset ZDOTDIR; fi\n"
    "unset VENVSYNC_ZDOTDIR\n"
    "[ -f \"${ZDOTDIR:-$HOME}/.zshrc\" ] && . \"${ZDOTDIR:-$HOME}/.zshrc\"\n"
    ". \"$VENVSYNC_ACTIVATE\"\n"
    "unset VENVSYNC_ACTIVATE\n";

/* Writes a start-up file into <cache>/shell/ when its content differs. */
static err_t *rcfile(const char *cache_dir, const char *rel, const char *content, char **out)
{
    *out = path_joinv(cache_dir, CACHE_SHELL, rel, NULL);
    char *dir = path_dirname(*out);
    err_t *e = fs_mkdirs(dir, 0755);
    free(dir);
    buf_t have = BUF_INIT;
    if (!e && !(fs_try_read(*out, &have) && strcmp(buf_cstr(&have), content) == 0))
        e = fs_write_atomic(*out, content, strlen(content), 0644);
    buf_free(&have);
    return e;
}

static err_t *run_shell(const cmd_ctx_t *ctx, int *status)
{
    bool no_sync = false;
    cmd_flag_t flags[] = {{"--no-sync", &no_sync, NULL}, {NULL, NULL, NULL}};
    char **ops;
    int n;
    err_t *e = cmd_args(ctx, flags, false, &ops, &n);
    if (e)
        return e;
    if (n != 1) {
        free(ops);
        return err_new(EXIT_USAGE, "shell: expected exactly one environment name");
    }
    manifest_t *m;
    engine_t en;
    e = cmd_open_engine(ctx, ops, 1, &m, &en);
    free(ops);
    if (e)
        return e;
    engine_plan(&en, !no_sync);
    if (!no_sync)
        e = engine_apply(&en);
    else if (en.envs[0].obs.kind != OBS_VENV)
        e = err_new(EXIT_USAGE, "environment '%s' does not exist; run `venvsync sync %s`",
                    en.envs[0].env->name, en.envs[0].env->name);
    if (e) {
        engine_free(&en);
        manifest_free(m);
        return e;
    }
    const mf_env_t *env = en.envs[0].env;
    const char *sh = ctx->g->cfg->shell;
    if (!sh || !*sh)
        sh = "/bin/sh";
    const char *base = path_basename(sh);
    const char *act = activator_for_shell(base);
    char *act_path = path_joinv(env->path, "bin", act, NULL);
    char *rc = NULL;
    char *argv[6] = {(char *)sh, NULL};
    char *fish_cmd = NULL;
    if (strcmp(base, "bash") == 0) {
        e = rcfile(ctx->g->cache_dir, "bashrc", BASH_RC, &rc);
        argv[1] = "--rcfile";
        argv[2] = rc;
        argv[3] = "-i";
        setenv("VENVSYNC_ACTIVATE", act_path, 1);
    } else if (strcmp(base, "zsh") == 0) {
        e = rcfile(ctx->g->cache_dir, "zsh/.zshrc", ZSH_RC, &rc);
        const char *zd = ctx->g->cfg->zdotdir;
        if (zd)
            setenv("VENVSYNC_ZDOTDIR", zd, 1);
        char *dir = path_dirname(rc);
        setenv("ZDOTDIR", dir, 1);
        free(dir);
        setenv("VENVSYNC_ACTIVATE", act_path, 1);
        argv[1] = "-i";
    } else if (strcmp(base, "fish") == 0) {
        setenv("VENVSYNC_ACTIVATE", act_path, 1);
        fish_cmd = xstrdup("source $VENVSYNC_ACTIVATE; set -e VENVSYNC_ACTIVATE");
        argv[1] = "-C";
        argv[2] = fish_cmd;
    } else {
        cmd_activate_environ(ctx, env->path, env->prompt);
    }
    if (!e) {
        if (ctx->g->verbosity >= 0)
            fprintf(ctx->log, "venvsync: starting %s with '%s' activated; `exit` to leave\n", sh,
                    env->name);
        fflush(NULL);
        e = err_code(proc_exec(argv), 127);
    }
    free(fish_cmd);
    free(rc);
    free(act_path);
    engine_free(&en);
    manifest_free(m);
    *status = 127;
    return e;
}

const cmd_t cmd_shell = {
    .name = "shell",
    .usage = "shell [--no-sync] ENV",
    .summary = "start $SHELL with ENV activated (synced first)",
    .help = "  --no-sync   do not sync ENV first (it must exist)\n"
            "bash, zsh and fish read their usual start-up files, then ENV's activator; `deactivate`\n"
            "works inside. Other shells start with VIRTUAL_ENV and PATH set.\n",
    .run = run_shell,
};
