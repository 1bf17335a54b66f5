/*
 * python: the interpreters venvsync can build environments from.
 *
 *   venvsync python list          every interpreter found, best first (--json: an array)
 *   venvsync python find [REQ]    the one a request picks (default: .python-version, else any)
 *   venvsync python install|uninstall VER   not available in this build: says how to get one
 *
 * Facts come from the interpreter cache, so a second `list` starts no Python (-v says how many
 * had to be probed).
 */
#include <stdlib.h>
#include <string.h>

#include "cmd/common.h"
#include "python/discover.h"
#include "python/probe.h"
#include "python/request.h"
#include "util/json.h"
#include "util/path.h"
#include "util/xalloc.h"

static void json_interp(json_t *j, const interp_t *py)
{
    char *lib = interp_lib_version(py);
    json_obj(j);
    json_kstr(j, "path", py->path);
    json_kstr(j, "realpath", py->realpath);
    json_kstr(j, "implementation", py->implementation);
    json_kstr(j, "version", py->version);
    json_kint(j, "major", py->major);
    json_kint(j, "minor", py->minor);
    json_kint(j, "micro", py->micro);
    json_kstr(j, "releaselevel", py->releaselevel);
    json_kstr(j, "lib_version", lib);
    json_kbool(j, "freethreaded", py->freethreaded);
    json_kbool(j, "debug", py->debug);
    json_kbool(j, "venv_capable", py->venv_capable);
    json_kstr(j, "home", py->home);
    json_kstr(j, "exe_name", py->exe_name);
    json_kstr(j, "base_executable", py->base_executable);
    json_kstr(j, "prefix", py->prefix);
    json_kstr(j, "base_prefix", py->base_prefix);
    json_kstr(j, "base_exec_prefix", py->base_exec_prefix);
    json_kstr(j, "abiflags", py->abiflags);
    json_kstr(j, "soabi", py->soabi);
    json_kstr(j, "ext_suffix", py->ext_suffix);
    json_kstr(j, "cache_tag", py->cache_tag);
    json_kstr(j, "platlibdir", py->platlibdir);
    json_kstr(j, "sys_platform", py->sys_platform);
    json_kstr(j, "platform_tag", py->platform_tag);
    json_kstr(j, "machine", py->machine);
    json_kint(j, "pointer_bits", py->pointer_bits);
    json_kstr(j, "libc", py->libc);
    json_kstr(j, "libc_version", py->libc_version);
    json_kstr(j, "multiarch", py->multiarch);
    json_key(j, "venv_paths");
    json_obj(j);
    json_kstr(j, "purelib", py->venv_purelib);
    json_kstr(j, "platlib", py->venv_platlib);
    json_kstr(j, "include", py->venv_include);
    json_kstr(j, "scripts", py->venv_scripts);
    json_end(j);
    json_key(j, "markers");
    json_obj(j);
    json_kstr(j, "os_name", py->m_os_name);
    json_kstr(j, "sys_platform", py->m_sys_platform);
    json_kstr(j, "platform_machine", py->m_platform_machine);
    json_kstr(j, "platform_python_implementation", py->m_platform_python_implementation);
    json_kstr(j, "platform_release", py->m_platform_release);
    json_kstr(j, "platform_system", py->m_platform_system);
    json_kstr(j, "platform_version", py->m_platform_version);
    json_kstr(j, "python_version", py->m_python_version);
    json_kstr(j, "python_full_version", py->m_python_full_version);
    json_kstr(j, "implementation_name", py->m_implementation_name);
    json_kstr(j, "implementation_version", py->m_implementation_version);
    json_end(j);
    json_end(j);
    free(lib);
}

/* "free-threaded, debug" style notes for the table, malloc'd ("" when none). */
static char *marks(const interp_t *py)
{
    buf_t b = BUF_INIT;
    const char *sep = "";
    if (!py->venv_capable) {
        buf_printf(&b, "%scannot host a venv", sep);
        sep = ", ";
    }
    if (py->freethreaded) {
        buf_printf(&b, "%sfree-threaded", sep);
        sep = ", ";
    }
    if (py->debug) {
        buf_printf(&b, "%sdebug", sep);
        sep = ", ";
    }
    if (py->releaselevel && strcmp(py->releaselevel, "final") != 0)
        buf_printf(&b, "%spre-release", sep);
    return buf_detach(&b);
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

static err_t *python_list(const cmd_ctx_t *ctx, char **ops, int n)
{
    if (n > 1)
        return err_hint(err_new(EXIT_USAGE, "python list takes no operands"),
                        "to pick one interpreter, use `venvsync python find REQ`");
    discover_opts_t o = {.cache_dir = ctx->g->cache_dir};
    interp_list_t l;
    discover_stats_t st;
    err_t *e = discover_all_stats(&o, &l, &st);
    if (e)
        return e;
    log_stats(ctx, &l, &st);
    buf_t b = BUF_INIT;
    if (ctx->g->json) {
        json_t j;
        json_init(&j, &b);
        json_arr(&j);
        for (size_t i = 0; i < l.n; i++)
            json_interp(&j, l.items[i]);
        json_end(&j);
        buf_addc(&b, '\n');
    } else if (l.n == 0) {
        char *d = discover_describe(&l);
        buf_printf(&b, "%s\n", d);
        free(d);
    } else {
        term_style_t s = term_style(term_use_color(ctx->g->color, ctx->out));
        const interp_t *def = discover_best(&l, NULL);
        buf_printf(&b, "%s  %-10s %-8s %s%s\n", s.bold, "VERSION", "IMPL", "PATH", s.reset);
        for (size_t i = 0; i < l.n; i++) {
            const interp_t *py = l.items[i];
            char *v = xasprintf("%s%s", py->version, py->freethreaded ? "t" : "");
            char *m = marks(py);
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
    discover_opts_t o = {.cache_dir = ctx->g->cache_dir};
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
        json_interp(&j, py);
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

static err_t *python_install(const cmd_ctx_t *ctx, char **ops, int n, bool install)
{
    const char *ver = n >= 2 ? ops[1] : "3.X";
    err_t *e = err_new(EXIT_USAGE, "python %s: managed Python downloads are not available in "
                       "this build of venvsync", install ? "install" : "uninstall");
    if (install)
        return err_hint(e, "install Python %s with pyenv (`pyenv install %s`) or your system's "
                        "packages (Debian/Ubuntu: `apt install python%s python%s-venv`); venvsync "
                        "finds interpreters from pyenv, uv, PATH, /usr/local/bin and /usr/bin "
                        "(see `venvsync python list`)", ver, ver, ver, ver);
    return err_hint(e, "venvsync installs no interpreters yet, so there is nothing of its own to "
                    "remove; uninstall Python %s with the tool that installed it (`pyenv "
                    "uninstall %s`, or your system's package manager)", ver, ver);
}

static err_t *run_python(const cmd_ctx_t *ctx, int *status)
{
    if (cmd_wants_help(ctx)) {
        cmd_print_help(&cmd_python, ctx->out);
        return NULL;
    }
    char **ops = NULL;
    int n = 0;
    err_t *e = cmd_args(ctx, NULL, false, &ops, &n);
    if (e)
        return e;
    if (n == 0) {
        free(ops);
        return err_hint(err_new(EXIT_USAGE, "python needs a subcommand: list, find, install or "
                                "uninstall"), "see `venvsync python --help`");
    }
    const char *sub = ops[0];
    if (strcmp(sub, "list") == 0 || strcmp(sub, "ls") == 0)
        e = python_list(ctx, ops, n);
    else if (strcmp(sub, "find") == 0)
        e = python_find(ctx, ops, n);
    else if (strcmp(sub, "install") == 0)
        e = python_install(ctx, ops, n, true);
    else if (strcmp(sub, "uninstall") == 0)
        e = python_install(ctx, ops, n, false);
    else
        e = err_hint(err_new(EXIT_USAGE, "python: unknown subcommand '%s'", sub),
                     "the subcommands are list, find, install and uninstall");
    free(ops);
    *status = EXIT_OK;
    return e;
}

const cmd_t cmd_python = {
    .name = "python",
    .usage = "python list|find REQ|install VER|uninstall VER",
    .summary = "interpreters: discovered and managed",
    .help =
        "Subcommands:\n"
        "  list         every interpreter found, best first: version, implementation, path, and\n"
        "               marks for free-threaded, debug, pre-release and no-venv builds; `*` is\n"
        "               the one chosen when no version is requested. --json prints an array.\n"
        "  find [REQ]   prints the path of the interpreter REQ picks (3, 3.12, 3.12.1, 3.13t,\n"
        "               \">=3.10,<3.13\", cpython@3.12, pypy@3.10, or a path). Without REQ the\n"
        "               nearest .python-version decides, else the newest. --json prints the\n"
        "               facts. Exit 2, listing what was found, when nothing matches.\n"
        "  install VER, uninstall VER\n"
        "               managed downloads are not available in this build; the error says how\n"
        "               to install a Python instead.\n"
        "\n"
        "Searched: VENVSYNC_PYTHON_DIR, uv's managed Pythons, pyenv's versions (never its shims),\n"
        "PATH, /usr/local/bin and /usr/bin. Each interpreter is asked for its facts once; the\n"
        "answer is cached (VENVSYNC_CACHE_DIR/interpreters) until its executable changes, so\n"
        "later runs start no Python (-v says how many had to be probed).\n",
    .run = run_python,
};
