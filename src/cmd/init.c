/*
 * init: write a starter venv.yaml in the current directory.
 *
 * Beside an existing environment (at --path, default .venv) the manifest describes it as it is
 * (its Python, prompt and system-site-packages) so that nothing about it changes: without
 * --adopt it declares no packages (whatever is installed stays the user's; `seed: false` when
 * it has no pip, which declaring nothing would otherwise seed), with --adopt it pins
 * exactly what is installed, pip included. The environment is then adopted: venvsync records its
 * interpreter in pyvenv.cfg and writes its own activators (same prompt), so `check` is clean at
 * once and the first sync has nothing to do. Without an environment the manifest names no
 * Python unless --python is given: sync then follows .python-version, else the python3 on PATH.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/editing.h"
#include "pkg/installed.h"
#include "plan/observe.h"
#include "util/fs.h"
#include "util/path.h"
#include "util/strv.h"
#include "util/xalloc.h"

static err_t *run_init(const cmd_ctx_t *ctx, int *status)
{
    bool adopt_pkgs = false;
    const char *python = NULL, *envpath = ".venv";
    cmd_flag_t flags[] = {{"--adopt", &adopt_pkgs, NULL}, {"--python", NULL, &python},
                          {"--path", NULL, &envpath}, {NULL, NULL, NULL}};
    char **ops;
    int n;
    err_t *e = cmd_args(ctx, flags, false, &ops, &n);
    free(ops);
    if (e)
        return e;
    *status = 0;
    if (n)
        return err_new(EXIT_USAGE, "init takes no operands");
    if (ctx->g->global)
        return err_hint(err_new(EXIT_USAGE, "init writes a project's venv.yaml; the global "
                                "manifest is made on the first use of -g"),
                        "`venvsync -g new NAME` adds an environment to it");
    char *file = path_absolute(NULL, ctx->g->file ? ctx->g->file : "venv.yaml");
    if (fs_exists(file)) {
        e = err_hint(err_new(EXIT_USAGE, "%s already exists; nothing was written", file),
                     "edit it, or remove it and run `venvsync init` again");
        free(file);
        return e;
    }
    char *dir = path_dirname(file);
    char *abs_env = path_absolute(dir, envpath);
    observed_env_t o;
    e = observe_env(abs_env, &o);
    bool existing = !e && o.kind == OBS_VENV && o.version;
    if (!e && adopt_pkgs && !existing)
        e = err_new(EXIT_USAGE, "--adopt: %s is not a virtual environment", abs_env);
    dist_list_t dists = {0};
    if (!e && adopt_pkgs && o.site_packages)
        e = installed_list(o.site_packages, &dists);
    env_desc_t desc = {0};
    if (!e && existing)
        e = cmd_describe_env(abs_env, &desc);
    char *py = python ? xstrdup(python) : existing ? xstrdup(desc.python) : NULL;
    char **pins = NULL;
    size_t npins = 0, cap = 0;
    for (size_t i = 0; i < dists.n; i++)
        strv_push(&pins, &npins, &cap,
                  xasprintf("%s==%s", dists.items[i].name, dists.items[i].version));
    mfedit_kv_t keys[4];
    size_t nkeys = 0;
    keys[nkeys++] = (mfedit_kv_t){"path", envpath, false};
    char *prompt = NULL;
    if (existing) {
        /* the prompt its activators show now: pyvenv.cfg's, else venv's default (the folder) */
        prompt = xstrdup(o.prompt ? o.prompt : path_basename(abs_env));
        keys[nkeys++] = (mfedit_kv_t){"prompt", prompt, false};
        if (o.system_site_packages)
            keys[nkeys++] = (mfedit_kv_t){"system-site-packages", "true", true};
        /* without pip it stays without: declaring nothing would seed it (fetch/seed.h) */
        if (!adopt_pkgs && !desc.has_pip)
            keys[nkeys++] = (mfedit_kv_t){"seed", "false", true};
    }
    mfedit_env_t env = {.name = "dev", .keys = keys, .nkeys = nkeys,
                        .packages = (const char *const *)pins, .npackages = npins,
                        .with_packages = adopt_pkgs};
    mfedit_manifest_t mf = {
        .header = adopt_pkgs ? "venv.yaml: the Python environments this project needs.\n"
                               "Run `venvsync` to make the disk match; see `venvsync --help`.\n"
                               "`packages` pins what was installed: venvsync installs exactly "
                               "these."
                             : "venv.yaml: the Python environments this project needs.\n"
                               "Run `venvsync` to make the disk match; see `venvsync --help`.\n"
                               "Add `packages:` (PEP 508 requirements) to an environment to "
                               "have venvsync manage them;\nwithout it, what you install "
                               "yourself stays.",
        .python = py, .envs = &env, .nenvs = 1};
    bool adopted = false;
    if (!e) {
        char *text = mfedit_render(&mf);
        e = fs_write_atomic(file, text, strlen(text), 0644);
        free(text);
        if (!e && existing)
            e = err_ctx(cmd_adopt_env(ctx, file, "dev", &adopted), "adopting %s", abs_env);
        if (!e && ctx->g->verbosity >= 0) {
            fprintf(ctx->out, "wrote %s", file);
            if (existing)
                fprintf(ctx->out, " for the environment at %s (Python %s%s)", envpath, o.version,
                        adopt_pkgs ? ", its packages pinned" : "");
            fprintf(ctx->out, "\n");
            if (adopted)
                fprintf(ctx->out, "adopted %s: its interpreter is recorded; nothing else "
                        "changed\n", envpath);
        }
    }
    strv_free(pins);
    free(prompt);
    dist_list_free(&dists);
    env_desc_free(&desc);
    observed_env_free(&o);
    free(py);
    free(abs_env);
    free(dir);
    free(file);
    return e;
}

const cmd_t cmd_init = {
    .name = "init",
    .usage = "init [--python REQ] [--adopt] [--path P]",
    .summary = "write a starter venv.yaml here",
    .help = "  --python REQ   the interpreter request (default: none, so .python-version or the\n"
            "                 python3 on PATH decides; beside an environment, its own Python)\n"
            "  --adopt        also pin the packages installed in the environment at --path\n"
            "  --path P       the dev environment's path (default .venv)\n"
            "Beside an existing environment the manifest describes it as it is and adopts it, so\n"
            "the first sync changes nothing. Refuses to overwrite an existing venv.yaml.\n",
    .run = run_init,
};
