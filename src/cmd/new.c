/*
 * new: add an environment to the manifest (its comments, key order and layout kept; only the
 * new lines are written) and sync it: mkvirtualenv / `python -m venv` / `uv venv` for venv.yaml.
 * adopt: add environments that already exist under root (virtualenvwrapper's $WORKON_HOME)
 * described as they are, so that nothing about them changes.
 *
 * An environment already at the new one's path is adopted the same way: the entry says its
 * Python, prompt and system-site-packages, `seed: false` when it has no pip, and no packages
 * (what was installed by hand stays); venvsync then records its interpreter and writes its own
 * activators, and nothing else changes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/editing.h"
#include "fetch/seed.h"
#include "python/request.h"
#include "util/fs.h"
#include "util/path.h"
#include "util/strv.h"
#include "util/xalloc.h"

/* Where environment name lives: path (as the manifest would read it) or <root>/<name>. */
static err_t *target_path(const cmd_ctx_t *ctx, const manifest_t *m, const char *name,
                          const char *path, char **out)
{
    if (!path) {
        *out = path_join(m->root, name);
        return NULL;
    }
    env_lookup_t vars = cmd_manifest_vars(ctx);
    char *exp = NULL;
    err_t *e = path_expand(path, &vars, &exp);
    if (e)
        return err_ctx(e, "--path");
    *out = path_absolute(m->dir, exp);
    free(exp);
    return NULL;
}

typedef struct new_opts {
    const char *python, *path, *prompt, *copy_from;
    bool seed, no_seed, ssp;
    bool force;
} new_opts_t;

/* The keys of a new entry: the options given, and for an existing environment what it is. The
 * strings the keys point to live in d and o. */
static size_t entry_keys(const new_opts_t *o, const env_desc_t *d, mfedit_kv_t *keys)
{
    size_t n = 0;
    if (o->path)
        keys[n++] = (mfedit_kv_t){.key = "path", .value = o->path};
    const char *py = o->python ? o->python : d->exists ? d->python : NULL;
    if (py)
        keys[n++] = (mfedit_kv_t){.key = "python", .value = py};
    const char *prompt = o->prompt ? o->prompt : d->exists ? d->prompt : NULL;
    if (prompt)
        keys[n++] = (mfedit_kv_t){.key = "prompt", .value = prompt};
    if (o->ssp || (d->exists && d->system_site_packages))
        keys[n++] = (mfedit_kv_t){.key = "system-site-packages", .value = "true", .literal = true};
    if (o->copy_from)
        keys[n++] = (mfedit_kv_t){.key = "copy-from", .value = o->copy_from};
    if (o->seed)
        keys[n++] = (mfedit_kv_t){.key = "seed", .value = "true", .literal = true};
    else if (o->no_seed || (d->exists && !d->has_pip))
        keys[n++] = (mfedit_kv_t){.key = "seed", .value = "false", .literal = true};
    return n;
}

/* Refuses to declare packages for an existing environment that holds packages installed by
 * hand: exact sync would remove them. */
static err_t *refuse_by_hand(const char *name, const env_desc_t *d, const char *path)
{
    buf_t b = BUF_INIT;
    for (size_t i = 0; d->by_hand[i]; i++)
        buf_printf(&b, "%s%s", i ? ", " : "", d->by_hand[i]);
    err_t *e = err_new(EXIT_USAGE, "%s: the environment at %s holds packages installed by hand "
                       "(%s); declaring packages would have sync remove them", name, path,
                       buf_cstr(&b));
    buf_free(&b);
    return err_hint(e, "add them too (pinned), or pass --force to let them go");
}

static err_t *run_new(const cmd_ctx_t *ctx, int *status)
{
    new_opts_t o = {0};
    bool no_sync = false;
    const char *link = NULL;
    cmd_flag_t flags[] = {{"--python", NULL, &o.python}, {"-p", NULL, &o.python},
                          {"--path", NULL, &o.path}, {"--prompt", NULL, &o.prompt},
                          {"--copy-from", NULL, &o.copy_from}, {"--seed", &o.seed, NULL},
                          {"--no-seed", &o.no_seed, NULL},
                          {"--system-site-packages", &o.ssp, NULL}, {"--force", &o.force, NULL},
                          {"--no-sync", &no_sync, NULL}, {"--link-mode", NULL, &link},
                          {NULL, NULL, NULL}};
    char **ops;
    int n;
    *status = 0;
    err_t *e = cmd_args(ctx, flags, false, &ops, &n);
    if (e)
        return e;
    mf_link_mode_t lm;
    if (n < 1)
        e = err_hint(err_new(EXIT_USAGE, "new: expected the new environment's name"),
                     "venvsync new NAME [--python REQ] [SPEC...]");
    else if (o.seed && o.no_seed)
        e = err_new(EXIT_USAGE, "new: --seed and --no-seed contradict each other");
    if (!e && o.python) {
        pyreq_t *r = NULL;
        char *why = NULL;
        if (!pyreq_parse(o.python, &r, &why))
            e = err_new(EXIT_USAGE, "new: --python '%s': %s", o.python, why ? why : "invalid");
        free(why);
        pyreq_free(r);
    }
    if (!e)
        e = cmd_check_specs("new", ops + 1, n - 1);
    if (!e)
        e = cmd_link_mode(ctx, link, &lm);
    if (e) {
        free(ops);
        return e;
    }
    const char *name = ops[0];
    cmd_edit_t ed;
    e = cmd_edit_open(ctx, &ed);
    if (e) {
        free(ops);
        return e;
    }
    char *path = NULL;
    env_desc_t d = {0};
    if (manifest_env(ed.m, name))
        e = err_hint(err_new(EXIT_USAGE, "environment '%s' already exists in %s", name, ed.shown),
                     "`venvsync sync %s` brings it up to date; `venvsync remove %s` deletes it",
                     name, name);
    if (!e)
        e = target_path(ctx, ed.m, name, o.path, &path);
    if (!e)
        e = cmd_describe_env(path, &d);
    if (!e && d.exists && n > 1 && d.by_hand[0] && !o.force)
        e = refuse_by_hand(name, &d, path);
    if (!e && d.exists && o.copy_from)
        e = err_new(EXIT_USAGE, "new: --copy-from makes a new environment, but %s exists", path);
    if (!e) {
        mfedit_kv_t keys[8];
        mfedit_env_t env = {.name = name, .keys = keys, .nkeys = entry_keys(&o, &d, keys),
                            .packages = (const char *const *)ops + 1, .npackages = (size_t)n - 1,
                            .with_packages = n > 1};
        e = mfedit_add_env(ed.ed, &env);
    }
    if (!e)
        e = cmd_edit_commit(ctx, &ed);
    if (!e) {
        if (d.exists)
            cmd_say(ctx, "added environment '%s' to %s, describing the one at %s as it is "
                       "(Python %s%s)\n", name, ed.shown, path, d.version,
                       d.has_pip ? "" : ", no pip: seed: false");
        else
            cmd_say(ctx, "added environment '%s' to %s\n", name, ed.shown);
    }
    if (!e && !no_sync) {
        global_opts_t g = *ctx->g;
        g.file = ed.file;
        g.global = false;
        cmd_ctx_t c = *ctx;
        c.g = &g;
        if (d.exists && n == 1 && !o.python) {
            bool adopted = false;
            e = cmd_adopt_env(&c, ed.file, name, &adopted);
            if (!e && adopted)
                cmd_say(ctx, "adopted %s: its interpreter is recorded; nothing else changed\n",
                           path);
            else if (!e)
                cmd_say(ctx, "run `venvsync sync %s` (or `plan`) for the rest\n", name);
        } else {
            char *names[] = {(char *)name};
            e = cmd_sync_names(&c, names, 1, lm);
        }
    }
    env_desc_free(&d);
    free(path);
    cmd_edit_free(&ed);
    free(ops);
    return e;
}

const cmd_t cmd_new = {
    .name = "new",
    .usage = "new NAME [--python REQ] [--path P] [--copy-from SRC] [SPEC...]",
    .summary = "add an environment to the manifest (comments kept) and sync it",
    .help =
        "  -p, --python REQ    its interpreter request (3.12, >=3.11, pypy@3.10, a path...)\n"
        "  --path P            where it lives (default <root>/NAME)\n"
        "  --prompt TEXT       what the activators show (default NAME)\n"
        "  --copy-from SRC     start as a relocated copy of environment SRC\n"
        "  --system-site-packages\n"
        "                      see the interpreter's own packages too\n"
        "  --seed, --no-seed   pip in it or not (default: pip only when no SPEC is given)\n"
        "  --no-sync           only edit the manifest\n"
        "  --link-mode MODE    clone, hardlink, copy or symlink (also VENVSYNC_LINK_MODE)\n"
        "  --force             declare SPECs for an existing environment even though sync\n"
        "                      would remove what was installed there by hand\n"
        "SPEC... are its packages (PEP 508: requests==2.32.3). The entry is appended after the\n"
        "last environment in the file's own style; the edited file is checked before it is\n"
        "written. With -g it goes to your global manifest (root $WORKON_HOME, ~/.virtualenvs):\n"
        "`venvsync -g new NAME` is mkvirtualenv. An environment already at the path is adopted:\n"
        "described as it is (its Python, prompt, pip or not), and nothing in it changes.\n",
    .run = run_new,
};

/* ---- adopt ------------------------------------------------------------------------------- */

/* The virtual environments under root that the manifest does not name (sorted). */
static err_t *unnamed_under_root(const manifest_t *m, char ***out)
{
    *out = NULL;
    size_t n = 0, cap = 0;
    char **names = NULL;
    err_t *e = fs_list_dir(m->root, &names);
    if (e) {
        err_free(e);
        *out = xcalloc(1, sizeof(char *));
        return NULL;
    }
    for (size_t i = 0; names[i]; i++) {
        if (names[i][0] == '.' || manifest_env(m, names[i]))
            continue;
        char *p = path_join(m->root, names[i]);
        char *cfg = path_join(p, "pyvenv.cfg");
        bool named = false;
        for (size_t k = 0; k < m->nenvs && !named; k++)
            named = strcmp(m->envs[k].path, p) == 0;
        if (!named && fs_is_dir(p) && fs_exists(cfg))
            strv_push(out, &n, &cap, xstrdup(names[i]));
        free(cfg);
        free(p);
    }
    strv_free(names);
    if (!*out)
        *out = xcalloc(1, sizeof(char *));
    return NULL;
}

static err_t *run_adopt(const cmd_ctx_t *ctx, int *status)
{
    char **ops;
    int n;
    *status = 0;
    err_t *e = cmd_args(ctx, NULL, false, &ops, &n);
    if (e)
        return e;
    cmd_edit_t ed;
    e = cmd_edit_open(ctx, &ed);
    if (e) {
        free(ops);
        return e;
    }
    char **names = NULL;
    if (n == 0) {
        e = unnamed_under_root(ed.m, &names);
        if (!e && !names[0])
            cmd_say(ctx, "no environment under %s to adopt\n", ed.m->root);
    } else {
        names = xcalloc((size_t)n + 1, sizeof(char *));
        for (int i = 0; i < n; i++)
            names[i] = xstrdup(ops[i]);
    }
    free(ops);
    size_t count = e ? 0 : strv_len(names);
    env_desc_t *ds = xcalloc(count + 1, sizeof(*ds));
    for (size_t i = 0; i < count && !e; i++) {
        char *path = path_join(ed.m->root, names[i]);
        if (manifest_env(ed.m, names[i]))
            e = err_new(EXIT_USAGE, "adopt: '%s' is in %s already", names[i], ed.shown);
        if (!e)
            e = cmd_describe_env(path, &ds[i]);
        if (!e && !ds[i].exists)
            e = err_hint(err_new(EXIT_USAGE, "adopt: no environment at %s", path),
                         "`venvsync new %s` makes one", names[i]);
        if (!e) {
            new_opts_t o = {0};
            mfedit_kv_t keys[8];
            mfedit_env_t env = {.name = names[i], .keys = keys,
                                .nkeys = entry_keys(&o, &ds[i], keys)};
            e = mfedit_add_env(ed.ed, &env);
        }
        free(path);
    }
    if (!e)
        e = cmd_edit_commit(ctx, &ed);
    for (size_t i = 0; i < count && !e; i++) {
        bool adopted = false;
        e = cmd_adopt_env(ctx, ed.file, names[i], &adopted);
        if (!e)
            cmd_say(ctx, "adopted '%s' (Python %s%s)%s\n", names[i], ds[i].version,
                       ds[i].has_pip ? "" : ", no pip",
                       adopted ? "" : "; `venvsync plan` shows what sync would change");
    }
    for (size_t i = 0; i < count; i++)
        env_desc_free(&ds[i]);
    free(ds);
    strv_free(names);
    cmd_edit_free(&ed);
    return e;
}

const cmd_t cmd_adopt = {
    .name = "adopt",
    .usage = "adopt [NAME...]",
    .summary = "add environments that exist under root to the manifest, as they are",
    .help = "Each NAME is an environment under root (the global manifest's is $WORKON_HOME, so\n"
            "`venvsync -g adopt` takes in what virtualenvwrapper made); without NAME, every\n"
            "environment there that the manifest does not name. The entry describes it as it is\n"
            "(Python, prompt, system-site-packages, `seed: false` without pip) and declares no\n"
            "packages; venvsync records its interpreter and writes its activators, nothing else.\n",
    .run = run_adopt,
};
