#include "cmd/common.h"

#include <stdlib.h>
#include <unistd.h>
#include <string.h>

#include "index/download.h"
#include "util/path.h"
#include "util/xalloc.h"

bool cmd_wants_help(const cmd_ctx_t *ctx)
{
    for (int i = 1; i < ctx->argc; i++) {
        if (strcmp(ctx->argv[i], "--") == 0)
            return false;
        if (strcmp(ctx->argv[i], "-h") == 0 || strcmp(ctx->argv[i], "--help") == 0)
            return true;
    }
    return false;
}

void cmd_print_help(const cmd_t *c, FILE *f)
{
    fprintf(f, "usage: venvsync %s\n\n%s\n", c->usage, c->summary);
    if (c->help && *c->help)
        fprintf(f, "\n%s", c->help);
    fprintf(f, "\nGlobal options (-f, -C, --json, -q, -v, --offline, --no-progress, --color) "
               "work with every command; see `venvsync --help`.\n");
}

err_t *cmd_args(const cmd_ctx_t *ctx, const cmd_flag_t *flags, bool stop_at_operand,
                char ***operands, int *n)
{
    char **ops = xcalloc((size_t)ctx->argc + 1, sizeof(*ops));
    int k = 0;
    bool literal = false;
    for (int i = 1; i < ctx->argc; i++) {
        char *a = ctx->argv[i];
        if (literal || a[0] != '-' || a[1] == '\0') {
            ops[k++] = a;
            if (stop_at_operand)
                literal = true;
            continue;
        }
        if (strcmp(a, "--") == 0) {
            literal = true;
            continue;
        }
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)
            continue;
        const cmd_flag_t *f = NULL;
        const char *val = NULL;
        for (const cmd_flag_t *p = flags; p && p->name; p++) {
            size_t l = strlen(p->name);
            if (strncmp(a, p->name, l) == 0 && (a[l] == '\0' || (a[l] == '=' && p->value))) {
                f = p;
                if (a[l] == '=')
                    val = a + l + 1;
                break;
            }
        }
        if (!f) {
            free(ops);
            return err_hint(err_new(EXIT_USAGE, "%s: unknown option '%s'", ctx->argv[0], a),
                            "see `venvsync %s --help`", ctx->argv[0]);
        }
        if (f->value) {
            if (!val) {
                if (i + 1 >= ctx->argc) {
                    free(ops);
                    return err_new(EXIT_USAGE, "%s: option %s needs a value", ctx->argv[0], f->name);
                }
                val = ctx->argv[++i];
            }
            *f->value = val;
        }
        if (f->set)
            *f->set = true;
    }
    *operands = ops;
    *n = k;
    return NULL;
}

err_t *cmd_load_manifest(const cmd_ctx_t *ctx, manifest_t **out)
{
    *out = NULL;
    char *file = NULL;
    err_t *e = NULL;
    if (ctx->g->file) {
        file = path_absolute(NULL, ctx->g->file);
    } else {
        char *cwd = path_cwd();
        e = manifest_find(cwd, &file);
        free(cwd);
        if (e)
            return e;
    }
    e = manifest_load(file, &ctx->g->cfg->env, out);
    free(file);
    return e;
}

static void render_opts(const cmd_ctx_t *ctx, render_mode_t mode, render_opts_t *r)
{
    r->mode = mode;
    r->color = !ctx->g->json && term_use_color(ctx->g->color, ctx->g->cfg->no_color, ctx->out);
    r->verbosity = ctx->g->verbosity;
    r->cwd = path_cwd();
}

static void render_opts_free(render_opts_t *r)
{
    free((char *)r->cwd);
    r->cwd = NULL;
}

void cmd_emit(const cmd_ctx_t *ctx, const buf_t *b)
{
    if (!b->len)
        return;
    fwrite(b->data, 1, b->len, ctx->out);
    if (ctx->emitted)
        *ctx->emitted = true;
}

void cmd_activate_environ(const cmd_ctx_t *ctx, const char *venv_path, const char *prompt)
{
    const char *old = ctx->g->cfg->path;
    char *bin = path_join(venv_path, "bin");
    char *path = old && *old ? xasprintf("%s:%s", bin, old) : xstrdup(bin);
    setenv("PATH", path, 1);
    setenv("VIRTUAL_ENV", venv_path, 1);
    setenv("VIRTUAL_ENV_PROMPT", prompt, 1);
    unsetenv("PYTHONHOME");
    free(path);
    free(bin);
}

err_t *cmd_open_engine(const cmd_ctx_t *ctx, char *const *names, int n, manifest_t **m, engine_t *en)
{
    err_t *e = cmd_load_manifest(ctx, m);
    if (e)
        return e;
    e = engine_init(en, *m, names, n, ctx->g->cfg, ctx->log, ctx->g->verbosity);
    en->offline = ctx->g->offline;
    if (!ctx->g->no_progress && ctx->g->verbosity >= 0 && isatty(fileno(ctx->log))) {
        en->progress = render_download_progress;
        en->progress_ctx = ctx->log;
    }
    if (e) {
        manifest_free(*m);
        *m = NULL;
    }
    return e;
}

void cmd_render_engine(const cmd_ctx_t *ctx, const engine_t *en, render_mode_t mode)
{
    report_t rep;
    engine_report(en, &rep);
    render_opts_t ro;
    render_opts(ctx, mode, &ro);
    buf_t out = BUF_INIT;
    if (mode == RENDER_LIST)
        render_list(&rep, &ro, ctx->g->json, &out);
    else if (mode == RENDER_ONELINE)
        render_oneline(&rep, &out);
    else if (ctx->g->json)
        render_json(&rep, &ro, &out);
    else
        render_text(&rep, &ro, &out);
    cmd_emit(ctx, &out);
    buf_free(&out);
    render_opts_free(&ro);
    /* The index client's warnings (a yanked file installed, a newer API version), once. */
    for (size_t i = 0; rep.notes && rep.notes[i] && ctx->g->verbosity >= 0; i++)
        fprintf(ctx->log, "venvsync: warning: %s\n", rep.notes[i]);
    if (rep.network_used && ctx->g->verbosity > 0) {   /* -v: what went over the wire */
        buf_t net = BUF_INIT;
        render_network(&net, &rep.network);
        if (net.len)
            fprintf(ctx->log, "venvsync: %s", net.data);
        buf_free(&net);
    }
    report_free(&rep);
}

err_t *cmd_confirm(const cmd_ctx_t *ctx, const char *question, bool yes, bool *ok)
{
    *ok = yes;
    if (yes)
        return NULL;
    if (!isatty(STDIN_FILENO))
        return err_hint(err_new(EXIT_USAGE, "%s: not asking, stdin is not a terminal", ctx->argv[0]),
                        "pass --yes to confirm");
    fprintf(ctx->log, "%s [y/N] ", question);
    fflush(ctx->log);
    char line[64];
    if (fgets(line, sizeof line, stdin))
        *ok = line[0] == 'y' || line[0] == 'Y';
    if (!*ok)
        fprintf(ctx->log, "cancelled; nothing was changed\n");
    return NULL;
}

err_t *cmd_engine_from_args(const cmd_ctx_t *ctx, const cmd_flag_t *flags, manifest_t **m,
                            engine_t *en)
{
    char **ops;
    int n;
    err_t *e = cmd_args(ctx, flags, false, &ops, &n);
    if (e)
        return e;
    e = cmd_open_engine(ctx, ops, n, m, en);
    free(ops);
    return e;
}
