/*
 * python: the interpreters venvsync can build environments from.
 *
 *   venvsync python list [--available]   every interpreter found, best first (--json: an
 *                                         array); --available: what can be installed
 *   venvsync python find [REQ]            the one a request picks (default: .python-version)
 *   venvsync python install [VER...]      managed installs from python-build-standalone
 *   venvsync python uninstall VER...      removes managed installs (only venvsync's own)
 *   venvsync python pin [VER]             writes .python-version (pyenv local, uv python pin);
 *                                         without VER, prints the one in force
 *
 * Facts come from the interpreter cache, so a second `list` starts no Python (-v says how many
 * had to be probed). Installing and removing are python/managed.h's work.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/common.h"
#include "python/discover.h"
#include "toolchain/managed.h"
#include "python/probe.h"
#include "python/request.h"
#include "output/python.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/path.h"
#include "util/strv.h"
#include "util/suggest.h"
#include "util/xalloc.h"

/* Whether py lives in venvsync's managed folder (store_real: its realpath, may be NULL). */
static bool is_managed(const interp_t *py, const char *store_real)
{
    return store_real && py->realpath && path_is_within(py->realpath, store_real);
}

static void log_stats(const cmd_ctx_t *ctx, const interp_list_t *l, const discover_stats_t *st)
{
    if (ctx->g->verbosity >= 1) {
        fprintf(ctx->log, "venvsync: probed %zu of %zu interpreters (%zu from the cache in "
                "%s/interpreters)\n", st->probed, st->candidates, st->candidates - st->probed,
                ctx->g->cache_dir ? ctx->g->cache_dir : "(none)");
        for (size_t i = 0; l->skipped && l->skipped[i]; i++)
            fprintf(ctx->log, "venvsync: skipped %s\n", l->skipped[i]);
    } else if (ctx->g->verbosity >= 0 && l->skipped && l->skipped[0]) {
        size_t n = strv_len(l->skipped);
        fprintf(ctx->log, "venvsync: %zu candidate%s could not be probed (-v shows which)\n", n,
                n == 1 ? "" : "s");
    }
}

static managed_opts_t managed_opts(const cmd_ctx_t *ctx)
{
    managed_opts_t o = {.python_dir = ctx->g->python_dir, .cache_dir = ctx->g->cache_dir,
                        .cfg = ctx->g->cfg,
                        .offline = ctx->g->offline,
                        .log = ctx->g->verbosity >= 0 ? ctx->log : NULL};
    if (!ctx->g->no_progress && ctx->g->verbosity >= 0 && isatty(fileno(ctx->log))) {
        o.progress = render_download_progress;
        o.progress_ctx = ctx->log;
    }
    return o;
}

static err_t *need_store(const cmd_ctx_t *ctx)
{
    if (ctx->g->python_dir && ctx->g->cache_dir)
        return NULL;
    return err_hint(err_new(EXIT_USAGE, "no folder for managed Pythons (HOME is not set)"),
                    "set VENVSYNC_PYTHON_DIR and VENVSYNC_CACHE_DIR");
}

/* `python list --available`: the installable versions of the release in use. */
static err_t *python_available(const cmd_ctx_t *ctx)
{
    err_t *e = need_store(ctx);
    if (e)
        return e;
    managed_opts_t mo = managed_opts(ctx);
    char *tag = NULL, *versions = NULL;
    e = managed_available(&mo, &tag, &versions);
    if (e)
        return e;
    managed_list_t have;
    e = managed_list(ctx->g->python_dir, &have);
    buf_t b = BUF_INIT;
    if (ctx->g->json) {
        json_t j;
        json_init(&j, &b);
        json_obj(&j);
        json_kstr(&j, "release", tag);
        json_key(&j, "versions");
        json_arr(&j);
        for (char *p = versions, *save = NULL, *v = strtok_r(p, ", ", &save); v;
             v = strtok_r(NULL, ", ", &save))
            json_str(&j, v);
        json_end(&j);
        json_key(&j, "installed");
        json_arr(&j);
        for (size_t i = 0; !e && i < have.n; i++)
            json_str(&j, have.items[i].version);
        json_end(&j);
        json_end(&j);
        buf_addc(&b, '\n');
    } else {
        buf_printf(&b, "python-build-standalone %s:\n", tag);
        for (char *p = versions, *save = NULL, *v = strtok_r(p, ", ", &save); v;
             v = strtok_r(NULL, ", ", &save)) {
            bool inst = !e && managed_list_has(&have, v);
            buf_printf(&b, "  %s%s\n", v, inst ? "  (installed)" : "");
        }
    }
    err_free(e);
    managed_list_free(&have);
    cmd_emit(ctx, &b);
    buf_free(&b);
    free(tag);
    free(versions);
    return NULL;
}

static err_t *python_list(const cmd_ctx_t *ctx, char **ops, int n, bool available)
{
    if (n > 1)
        return err_hint(err_new(EXIT_USAGE, "python list takes no operands"),
                        "to pick one interpreter, use `venvsync python find REQ`");
    if (available)
        return python_available(ctx);
    char *store_real = ctx->g->python_dir ? path_real(ctx->g->python_dir) : NULL;
    discover_opts_t o = discover_opts(ctx->g->cfg);
    interp_list_t l;
    discover_stats_t st;
    err_t *e = discover_all_stats(&o, &l, &st);
    if (e) {
        free(store_real);
        return e;
    }
    log_stats(ctx, &l, &st);
    buf_t b = BUF_INIT;
    if (ctx->g->json) {
        json_t j;
        json_init(&j, &b);
        json_arr(&j);
        for (size_t i = 0; i < l.n; i++)
            render_interp_json(&j, l.items[i], is_managed(l.items[i], store_real));
        json_end(&j);
        buf_addc(&b, '\n');
    } else if (l.n == 0) {
        char *d = discover_describe(&l);
        buf_printf(&b, "%s\n", d);
        free(d);
    } else {
        term_style_t s = term_style(term_use_color(ctx->g->color, ctx->g->cfg->no_color, ctx->out));
        const interp_t *def = discover_best(&l, NULL);
        buf_printf(&b, "%s  %-10s %-8s %s%s\n", s.bold, "VERSION", "IMPL", "PATH", s.reset);
        for (size_t i = 0; i < l.n; i++) {
            const interp_t *py = l.items[i];
            char *v = xasprintf("%s%s", py->version, py->freethreaded ? "t" : "");
            char *m = render_interp_marks(py, is_managed(py, store_real));
            buf_printf(&b, "%s %s%-10s %-8s %s%s%s%s%s\n", py == def ? "*" : " ",
                       py->venv_capable ? "" : s.dim, v, py->implementation, py->path,
                       m[0] ? "  (" : "", m, m[0] ? ")" : "", py->venv_capable ? "" : s.reset);
            free(v);
            free(m);
        }
        if (def)
            buf_adds(&b, "\n* the default when no version is requested\n");
    }
    cmd_emit(ctx, &b);
    buf_free(&b);
    interp_list_free(&l);
    free(store_real);
    return NULL;
}

static err_t *python_find(const cmd_ctx_t *ctx, char **ops, int n)
{
    if (n > 2)
        return err_new(EXIT_USAGE, "python find takes one request, e.g. `venvsync python find "
                       "3.12`");
    char *text = NULL;
    const char *source = "the command line";
    if (n == 2) {
        text = xstrdup(ops[1]);
    } else {
        char *cwd = path_cwd();
        text = python_version_file(cwd);
        free(cwd);
        source = ".python-version";
        if (!text) {
            text = xstrdup("any");
            source = NULL;
        }
    }
    pyreq_t *r = NULL;
    char *why = NULL;
    if (!pyreq_parse(text, &r, &why)) {
        err_t *e = err_new(EXIT_USAGE, "python request '%s'%s%s: %s", text,
                           source ? " from " : "", source ? source : "", why ? why : "invalid");
        free(why);
        free(text);
        return e;
    }
    free(text);
    discover_opts_t o = discover_opts(ctx->g->cfg);
    interp_t *py = NULL;
    char *cwd = path_cwd();
    err_t *e = python_resolve(r, cwd, &o, &py);
    free(cwd);
    pyreq_free(r);
    if (e)
        return e;
    buf_t b = BUF_INIT;
    if (ctx->g->json) {
        json_t j;
        json_init(&j, &b);
        char *store_real = ctx->g->python_dir ? path_real(ctx->g->python_dir) : NULL;
        render_interp_json(&j, py, is_managed(py, store_real));
        free(store_real);
        buf_addc(&b, '\n');
    } else {
        buf_printf(&b, "%s\n", py->path);
        if (ctx->g->verbosity >= 1) {
            char *label = interp_label(py);
            fprintf(ctx->log, "venvsync: %s\n", label);
            free(label);
        }
    }
    cmd_emit(ctx, &b);
    buf_free(&b);
    interp_free(py);
    return NULL;
}

/* The report of install and uninstall: {"<key>": [...]} with --json, else text lines; b
 * collects it, report_close() prints it and frees b. */
static void report_open(const cmd_ctx_t *ctx, json_t *j, buf_t *b, const char *key)
{
    if (!ctx->g->json)
        return;
    json_init(j, b);
    json_obj(j);
    json_key(j, key);
    json_arr(j);
}

static void report_close(const cmd_ctx_t *ctx, json_t *j, buf_t *b)
{
    if (ctx->g->json) {
        json_end(j);
        json_end(j);
        buf_addc(b, '\n');
    }
    cmd_emit(ctx, b);
    buf_free(b);
}

/* `python install VER...`: each request in turn; later ones are tried when one fails. */
static err_t *python_install(const cmd_ctx_t *ctx, char **ops, int n)
{
    err_t *e = need_store(ctx);
    if (e)
        return e;
    char *from_file = NULL;
    if (n < 2) {
        char *cwd = path_cwd();
        from_file = python_version_file(cwd);
        free(cwd);
        if (!from_file)
            return err_hint(err_new(EXIT_USAGE, "python install needs a version"),
                            "e.g. `venvsync python install 3.12` (without one, the nearest "
                            ".python-version names it)");
    }
    managed_opts_t mo = managed_opts(ctx);
    err_t *all = NULL;
    buf_t b = BUF_INIT;
    json_t j;
    report_open(ctx, &j, &b, "installed");
    int count = from_file ? 1 : n - 1;
    for (int i = 0; i < count; i++) {
        const char *text = from_file ? from_file : ops[i + 1];
        pyreq_t *r = NULL;
        char *why = NULL;
        if (!pyreq_parse(text, &r, &why)) {
            err_chain(&all, err_new(EXIT_USAGE, "python install '%s': %s", text,
                                    why ? why : "invalid"));
            free(why);
            continue;
        }
        managed_result_t res;
        e = managed_install(&mo, r, &res);
        pyreq_free(r);
        if (e) {
            err_chain(&all, err_ctx(e, "python install %s", text));
            continue;
        }
        if (ctx->g->json)
            render_managed_json(&j, &res.inst, text, res.already);
        else if (res.already)
            buf_printf(&b, "Python %s is already installed: %s\n", res.inst.version,
                       res.inst.python);
        else
            buf_printf(&b, "installed Python %s (python-build-standalone %s): %s\n",
                       res.inst.version, res.inst.release, res.inst.python);
        managed_result_free(&res);
    }
    report_close(ctx, &j, &b);
    free(from_file);
    return all;
}

/* Environments of the manifest (when there is one) whose interpreter lies in dir. */
static void warn_users(const cmd_ctx_t *ctx, const managed_t *m)
{
    if (ctx->g->verbosity < 0)
        return;
    manifest_t *mf = NULL;
    err_t *e = cmd_load_manifest(ctx, &mf);
    if (e) {
        err_free(e);
        return;
    }
    for (size_t i = 0; i < mf->nenvs; i++)
        if (venv_uses_interpreter_in(mf->envs[i].path, m->path))
            fprintf(ctx->log, "venvsync: warning: environment '%s' (%s) uses %s; the next "
                    "`venvsync sync` gives it another interpreter\n", mf->envs[i].name,
                    mf->envs[i].path, m->name);
    manifest_free(mf);
}

/* `python uninstall VER...`: only what venvsync installed. */
static err_t *python_uninstall(const cmd_ctx_t *ctx, char **ops, int n)
{
    err_t *e = need_store(ctx);
    if (e)
        return e;
    if (n < 2)
        return err_hint(err_new(EXIT_USAGE, "python uninstall needs a version or a name"),
                        "e.g. `venvsync python uninstall 3.12` (`venvsync python list` marks "
                        "the managed ones)");
    managed_opts_t mo = managed_opts(ctx);
    err_t *all = NULL;
    buf_t b = BUF_INIT;
    json_t j;
    report_open(ctx, &j, &b, "uninstalled");
    for (int i = 1; i < n; i++) {
        managed_list_t sel;
        e = managed_select(ctx->g->python_dir, ops[i], &sel);
        if (e) {
            err_chain(&all, e);
            continue;
        }
        for (size_t k = 0; k < sel.n; k++)
            warn_users(ctx, &sel.items[k]);
        e = managed_remove(&mo, &sel);
        if (e) {
            err_chain(&all, e);
        } else {
            for (size_t k = 0; k < sel.n; k++) {
                if (ctx->g->json)
                    render_managed_json(&j, &sel.items[k], NULL, false);
                else
                    buf_printf(&b, "uninstalled Python %s: %s\n", sel.items[k].version,
                               sel.items[k].path);
            }
        }
        managed_list_free(&sel);
    }
    report_close(ctx, &j, &b);
    return all;
}

/* Where `python pin` writes: beside the global manifest with -g (its environments follow it),
 * beside -f's manifest, else in the current directory (as `pyenv local` does). */
static err_t *pin_dir(const cmd_ctx_t *ctx, char **out)
{
    *out = NULL;
    if (ctx->g->global) {
        char *file = NULL;
        err_t *e = cmd_global_manifest(ctx, true, &file);
        if (!e)
            *out = path_dirname(file);
        free(file);
        return e;
    }
    if (ctx->g->file) {
        char *abs = path_absolute(NULL, ctx->g->file);
        *out = path_dirname(abs);
        free(abs);
        return NULL;
    }
    *out = path_cwd();
    return NULL;
}

/* `python pin [VER]`: VER must be a request venvsync reads (or pyenv's `system`). */
static err_t *python_pin(const cmd_ctx_t *ctx, char **ops, int n)
{
    if (n > 2)
        return err_new(EXIT_USAGE, "python pin: expected one version (3.12, 3.12.1, pypy@3.10, "
                       "3.13t, ...)");
    char *dir = NULL;
    err_t *e = pin_dir(ctx, &dir);
    if (e)
        return e;
    buf_t b = BUF_INIT;
    if (n == 1) {
        /* the pin in force: the nearest .python-version from dir up */
        char *found = NULL, *d = xstrdup(dir);
        for (;;) {
            char *cand = path_join(d, ".python-version");
            if (fs_exists(cand)) {
                found = cand;
                break;
            }
            free(cand);
            if (strcmp(d, "/") == 0)
                break;
            char *up = path_dirname(d);
            free(d);
            d = up;
        }
        free(d);
        char *v = python_version_file(dir);
        if (!v)
            e = err_hint(err_new(EXIT_USAGE, "no .python-version in %s or above", dir),
                         "`venvsync python pin VER` writes one");
        else if (ctx->g->json) {
            json_t j;
            json_init(&j, &b);
            json_obj(&j);
            json_kstr(&j, "version", v);
            json_kstr(&j, "file", found);
            json_end(&j);
            buf_addc(&b, '\n');
        } else {
            buf_printf(&b, "%s\n", v);
        }
        free(v);
        free(found);
    } else {
        const char *ver = ops[1];
        pyreq_t *r = NULL;
        char *why = NULL;
        if (strcmp(ver, "system") != 0 && (strchr(ver, '\n') || !pyreq_parse(ver, &r, &why)))
            e = err_hint(err_new(EXIT_USAGE, "python pin: '%s' is not a Python request: %s", ver,
                                 why ? why : "one line expected"),
                         "write a version (3.12, 3.12.1), a range (\">=3.11,<3.13\"), "
                         "cpython@3.12, pypy@3.10, 3.13t or a path");
        free(why);
        pyreq_free(r);
        char *file = path_join(dir, ".python-version");
        if (!e) {
            char *text = xasprintf("%s\n", ver);
            e = fs_write_atomic(file, text, strlen(text), 0644);
            free(text);
        }
        if (!e && ctx->g->json) {
            json_t j;
            json_init(&j, &b);
            json_obj(&j);
            json_kstr(&j, "version", ver);
            json_kstr(&j, "file", file);
            json_end(&j);
            buf_addc(&b, '\n');
        } else if (!e && ctx->g->verbosity >= 0) {
            buf_printf(&b, "pinned %s in %s\n", ver, file);
        }
        free(file);
    }
    cmd_emit(ctx, &b);
    buf_free(&b);
    free(dir);
    return e;
}

static err_t *run_python(const cmd_ctx_t *ctx, int *status)
{
    if (cmd_wants_help(ctx)) {
        cmd_print_help(&cmd_python, ctx->out);
        return NULL;
    }
    char **ops = NULL;
    int n = 0;
    bool available = false;
    cmd_flag_t flags[] = {{"--available", &available, NULL}, {NULL, NULL, NULL}};
    err_t *e = cmd_args(ctx, flags, false, &ops, &n);
    if (e)
        return e;
    if (n == 0) {
        free(ops);
        return err_hint(err_new(EXIT_USAGE, "python needs a subcommand: list, find, install, "
                                "uninstall or pin"), "see `venvsync python --help`");
    }
    const char *sub = ops[0];
    bool is_list = strcmp(sub, "list") == 0 || strcmp(sub, "ls") == 0;
    if (available && !is_list)
        e = err_new(EXIT_USAGE, "--available goes with `python list`");
    else if (is_list)
        e = python_list(ctx, ops, n, available);
    else if (strcmp(sub, "find") == 0)
        e = python_find(ctx, ops, n);
    else if (strcmp(sub, "install") == 0)
        e = python_install(ctx, ops, n);
    else if (strcmp(sub, "uninstall") == 0 || strcmp(sub, "remove") == 0)
        e = python_uninstall(ctx, ops, n);
    else if (strcmp(sub, "pin") == 0)
        e = python_pin(ctx, ops, n);
    else {
        static const char *const subs[] = {"list", "find", "install", "uninstall", "pin"};
        const char *best = suggest_closest(sub, subs, 5);
        e = err_new(EXIT_USAGE, "python: unknown subcommand '%s'", sub);
        if (best)
            err_hint(e, "did you mean `venvsync python %s`?", best);
        else
            err_hint(e, "the subcommands are list, find, install, uninstall and pin");
    }
    free(ops);
    *status = EXIT_OK;
    return e;
}

const cmd_t cmd_python = {
    .name = "python",
    .usage = "python list|find REQ|install VER|uninstall VER|pin VER",
    .summary = "interpreters: discovered and managed",
    .help =
        "Subcommands:\n"
        "  list         every interpreter found, best first: version, implementation, path, and\n"
        "               marks for managed (installed by venvsync), free-threaded, debug,\n"
        "               pre-release and no-venv builds; `*` is the one chosen when no version\n"
        "               is requested. --json prints an array (with \"managed\": true|false).\n"
        "  find [REQ]   prints the path of the interpreter REQ picks (3, 3.12, 3.12.1, 3.13t,\n"
        "               \">=3.10,<3.13\", cpython@3.12, pypy@3.10, or a path). Without REQ the\n"
        "               nearest .python-version decides, else the newest. --json prints the\n"
        "               facts. Exit 2, listing what was found, when nothing matches.\n"
        "  list --available\n"
        "               the versions python-build-standalone's release offers for this machine.\n"
        "  install [VER...]\n"
        "               downloads a CPython build from python-build-standalone (the newest that\n"
        "               matches VER: 3.12, 3.12.7, \">=3.11,<3.13\", 3.13t; without VER the\n"
        "               nearest .python-version) into VENVSYNC_PYTHON_DIR, verified by sha256,\n"
        "               as cpython-X.Y.Z-linux-ARCH-LIBC, with a cpython-X.Y-... link to the\n"
        "               newest patch. A version already installed is left alone. Exit 2 when\n"
        "               no build matches (the message lists the available versions), 3 when\n"
        "               downloading or installing fails (nothing is left behind).\n"
        "               VENVSYNC_PYTHON_MIRROR replaces the download location (http(s):// or\n"
        "               file://: <mirror>/latest-release.json, <mirror>/<tag>/<asset>);\n"
        "               VENVSYNC_PYTHON_RELEASE=<tag> pins a release.\n"
        "  uninstall VER|NAME...\n"
        "               removes the managed installs VER matches (or the one named); refuses\n"
        "               anything venvsync did not install, and warns about environments of\n"
        "               the manifest that use it.\n"
        "  pin [VER]    writes VER to .python-version in the current directory (beside the\n"
        "               manifest with -f or -g), as `pyenv local` and `uv python pin` do; VER\n"
        "               is checked as a request. Environments that name no Python follow it.\n"
        "               Without VER: the version in force here.\n"
        "\n"
        "venv.yaml's `python-downloads: automatic` (or VENVSYNC_PYTHON_DOWNLOADS=automatic) lets\n"
        "sync install a missing Python itself; `manual` (the default) and `never` do not.\n"
        "\n"
        "Searched: VENVSYNC_PYTHON_DIR, uv's managed Pythons, pyenv's versions (never its shims),\n"
        "PATH, /usr/local/bin and /usr/bin. Each interpreter is asked for its facts once; the\n"
        "answer is cached (VENVSYNC_CACHE_DIR/interpreters) until its executable changes, so\n"
        "later runs start no Python (-v says how many had to be probed).\n",
    .run = run_python,
};
