/*
 * activate: print the path of an environment's activation script for the caller's shell, for
 * `source "$(venvsync activate dev)"`.
 */
#include <stdlib.h>
#include <string.h>

#include "cmd/common.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/path.h"
#include "venv/activators.h"

static err_t *run_activate(const cmd_ctx_t *ctx, int *status)
{
    const char *shell = NULL;
    cmd_flag_t flags[] = {{"--shell", NULL, &shell}, {NULL, NULL, NULL}};
    char **ops;
    int n;
    err_t *e = cmd_args(ctx, flags, false, &ops, &n);
    if (e)
        return e;
    if (n != 1) {
        free(ops);
        return err_new(EXIT_USAGE, "activate: expected exactly one environment name");
    }
    if (shell && (e = cmd_check_shell("activate --shell", shell, false))) {
        free(ops);
        return e;
    }
    manifest_t *m;
    e = cmd_load_manifest(ctx, &m);
    if (e) {
        free(ops);
        return e;
    }
    const mf_env_t *env = manifest_env(m, ops[0]);
    if (!env) {
        e = err_new(EXIT_USAGE, "no environment named '%s' in %s", ops[0], m->file);
    } else {
        if (!shell) {
            const char *sh = ctx->g->cfg->shell;
            shell = sh && *sh ? path_basename(sh) : "bash";
        }
        char *p = path_joinv(env->path, "bin", activator_for_shell(shell), NULL);
        if (!fs_exists(p)) {
            e = err_hint(err_new(EXIT_USAGE, "environment '%s' has no %s yet", env->name, p),
                         "run `venvsync sync %s` first", env->name);
        } else {
            buf_t out = BUF_INIT;
            if (ctx->g->json) {
                buf_adds(&out, "{\"path\":");
                json_quote(&out, p);
                buf_adds(&out, "}\n");
            } else {
                buf_printf(&out, "%s\n", p);
            }
            cmd_emit(ctx, &out);
            buf_free(&out);
        }
        free(p);
    }
    free(ops);
    manifest_free(m);
    *status = 0;
    return e;
}

const cmd_t cmd_activate = {
    .name = "activate",
    .usage = "activate [--shell NAME] ENV",
    .summary = "print the path of ENV's activation script for your shell",
    .help = "  --shell NAME   bash, zsh, sh, fish, csh, tcsh, pwsh or nu (default: from $SHELL;\n"
            "                 any other name is refused)\n"
            "Use it as:  source \"$(venvsync activate dev)\"   (fish: source (venvsync activate dev))\n"
            "or, with `venvsync shell-init`, just `workon dev`.\n",
    .run = run_activate,
};
