#include "cmd/common.h"

#include <stdlib.h>
#include <unistd.h>
#include <string.h>

#include "index/download.h"
#include "manifest/edit.h"
#include "shell/integ.h"
#include "util/fs.h"
#include "util/path.h"
#include "util/strv.h"
#include "util/suggest.h"
#include "util/xalloc.h"

const char *const cmd_global_options[] = {
    "-f", "--file", "-C", "-g", "--global", "--json", "-q", "--quiet", "-v", "--verbose",
    "--offline", "--no-progress", "--color", "--version", "-h", "--help", NULL,
};

const char *const cmd_activate_shells[] = {"bash", "zsh", "sh", "fish", "csh", "tcsh", "pwsh",
                                           "nu", NULL};
/* Other names the activators answer to (venv/activators.h). */
static const char *const activate_aliases[] = {"dash", "ksh", "powershell", "nushell", NULL};

err_t *cmd_check_shell(const char *what, const char *shell, bool integration)
{
    const char *const *known = integration ? shell_integration_names : cmd_activate_shells;
    for (size_t i = 0; known[i]; i++)
        if (strcmp(shell, known[i]) == 0)
            return NULL;
    for (size_t i = 0; !integration && activate_aliases[i]; i++)
        if (strcmp(shell, activate_aliases[i]) == 0)
            return NULL;
    buf_t b = BUF_INIT;
    size_t n = 0;
    for (; known[n]; n++)
        buf_printf(&b, "%s%s", n ? ", " : "", known[n]);
    err_t *e = err_new(EXIT_USAGE, "%s: unknown shell '%s'; supported: %s", what, shell,
                       buf_cstr(&b));
    const char *best = NULL; /* csh -> tcsh, sh -> zsh... a name ending the same first */
    for (size_t i = 0; known[i] && !best && strlen(shell) >= 3; i++)
        if (str_ends_with(known[i], strlen(known[i]), shell))
            best = known[i];
    if (!best)
        best = suggest_closest(shell, known, n);
    if (best)
        err_hint(e, "did you mean '%s'?", best);
    buf_free(&b);
    return e;
}

/* An option word at s ("-x", "--word"): its length, or 0. */
static size_t option_word(const char *s)
{
    if (s[0] != '-' || s[1] == '\0' || s[1] == ' ')
        return 0;
    size_t i = s[1] == '-' ? 2 : 1;
    if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z')))
        return 0;
    while ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
           (s[i] >= '0' && s[i] <= '9') || s[i] == '-')
        i++;
    if (s[1] != '-' && i != 2)
        return 0; /* "-x" only: "-abc" is prose */
    return i;
}

/* Whether the option ending at s is written with a value: " NAME" (upper case) or "=". */
static bool has_value(const char *s)
{
    if (*s == '=')
        return true;
    return s[0] == ' ' && s[1] >= 'A' && s[1] <= 'Z';
}

static void scan_options(const char *text, bool help, char ***opts, size_t *n, size_t *cap,
                         bool **tv, size_t *tvcap)
{
    for (const char *line = text; line && *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        const char *p = line;
        while (*p == ' ')
            p++;
        /* help: only the option column of lines that start with an option, up to two spaces */
        const char *stop = line + len;
        if (help) {
            const char *two = p;
            while (two < stop && !(two[0] == ' ' && two[1] == ' '))
                two++;
            stop = *p == '-' ? two : p;
        }
        for (const char *q = p; q < stop; q++) {
            bool at_start = q == p || q[-1] == ' ' || q[-1] == '[' || q[-1] == '|' ||
                            q[-1] == '(' || q[-1] == ',';
            size_t w = at_start ? option_word(q) : 0;
            if (!w || (size_t)(stop - q) < w)
                continue;
            char *o = xstrndup(q, w);
            if (strv_has(*opts, o)) {
                free(o);
            } else {
                XGROW(*tv, *tvcap, *n + 2);
                (*tv)[*n] = has_value(q + w);
                strv_push(opts, n, cap, o);
            }
            q += w - 1;
        }
        line = end ? end + 1 : NULL;
    }
}

void cmd_options(const cmd_t *c, char ***opts, bool **takes_value)
{
    char **v = NULL;
    bool *tv = NULL;
    size_t n = 0, cap = 0, tvcap = 0;
    scan_options(c->usage, false, &v, &n, &cap, &tv, &tvcap);
    if (c->help)
        scan_options(c->help, true, &v, &n, &cap, &tv, &tvcap);
    if (!v)
        v = xcalloc(1, sizeof(char *));
    if (!tv)
        tv = xcalloc(1, sizeof(bool));
    *opts = v;
    *takes_value = tv;
}

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
    fprintf(f, "\nGlobal options (-f, -g, -C, --json, -q, -v, --offline, --no-progress, --color) "
               "work with every command; see `venvsync --help`.\n");
}

/* "unknown option", with the nearest of the command's flags and the global options. */
static err_t *unknown_option(const cmd_ctx_t *ctx, const cmd_flag_t *flags, const char *a)
{
    char *word = xstrdup(a);
    char *eq = strchr(word, '=');
    if (eq)
        *eq = '\0';
    const char **cands = NULL;
    size_t n = 0, cap = 0;
    for (const cmd_flag_t *p = flags; p && p->name; p++) {
        XGROW(cands, cap, n + 1);
        cands[n++] = p->name;
    }
    for (size_t i = 0; cmd_global_options[i]; i++) {
        XGROW(cands, cap, n + 1);
        cands[n++] = cmd_global_options[i];
    }
    const char *best = suggest_closest(word, cands, n);
    err_t *e = err_new(EXIT_USAGE, "%s: unknown option '%s'", ctx->argv[0], a);
    if (best)
        err_hint(e, "did you mean '%s'? (see `venvsync %s --help`)", best, ctx->argv[0]);
    else
        err_hint(e, "see `venvsync %s --help`", ctx->argv[0]);
    free(cands);
    free(word);
    return e;
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
            return unknown_option(ctx, flags, a);
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

/* ${WORKON_HOME} defaults to ~/.virtualenvs, as in virtualenvwrapper (config.h's workon_home):
 * the global manifest's root is written so. */
static const char *manifest_var(void *c, const char *name)
{
    const config_t *cfg = c;
    const char *v = env_get(&cfg->env, name);
    if ((!v || !*v) && strcmp(name, "WORKON_HOME") == 0)
        return cfg->workon_home;
    return v;
}

env_lookup_t cmd_manifest_vars(const cmd_ctx_t *ctx)
{
    return (env_lookup_t){manifest_var, (void *)ctx->g->cfg};
}

err_t *cmd_global_manifest(const cmd_ctx_t *ctx, bool create, char **out)
{
    *out = NULL;
    const config_t *cfg = ctx->g->cfg;
    if (!cfg->config_dir)
        return err_hint(err_new(EXIT_USAGE, "--global: no place for the global manifest: HOME "
                                "is not set"), "set HOME or XDG_CONFIG_HOME");
    char *file = path_join(cfg->config_dir, "venv.yaml");
    if (create && !fs_exists(file)) {
        mfedit_manifest_t mf = {
            .header = "venvsync's global manifest: your own environments, usable from any\n"
                      "directory with `venvsync -g COMMAND` (and `workon NAME`, see `venvsync "
                      "shell-init`).\n"
                      "Edit it by hand or with `venvsync -g new|add|rm|remove|copy`.\n"
                      "root: where environments without a `path` live: $WORKON_HOME, else "
                      "~/.virtualenvs.",
            .root = "${WORKON_HOME}",
        };
        char *text = mfedit_render(&mf);
        err_t *e = fs_mkdirs(cfg->config_dir, 0755);
        if (!e)
            e = fs_write_atomic(file, text, strlen(text), 0644);
        free(text);
        if (e) {
            free(file);
            return err_ctx(e, "creating the global manifest");
        }
        if (ctx->g->verbosity >= 0)
            fprintf(ctx->log, "venvsync: created the global manifest %s\n", file);
    }
    *out = file;
    return NULL;
}

err_t *cmd_manifest_file(const cmd_ctx_t *ctx, char **out)
{
    *out = NULL;
    if (ctx->g->global)
        return cmd_global_manifest(ctx, true, out);
    if (ctx->g->file) {
        *out = path_absolute(NULL, ctx->g->file);
        return NULL;
    }
    char *cwd = path_cwd();
    err_t *e = manifest_find(cwd, out);
    free(cwd);
    if (e && ctx->g->cfg->config_dir) {
        char *h = xstrdup(e->hint ? e->hint : "");
        err_hint(e, "%s%suse your global manifest with -g (environments under $WORKON_HOME)",
                 h, *h ? "; or " : "");
        free(h);
    }
    return e;
}

err_t *cmd_load_manifest(const cmd_ctx_t *ctx, manifest_t **out)
{
    *out = NULL;
    char *file = NULL;
    err_t *e = cmd_manifest_file(ctx, &file);
    if (e)
        return e;
    env_lookup_t vars = cmd_manifest_vars(ctx);
    e = manifest_load(file, &vars, out);
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

err_t *cmd_build_policy(bool no_build, bool no_binary, engine_t *en)
{
    if (no_build && no_binary)
        return err_new(EXIT_USAGE, "--no-build and --no-binary contradict each other: give one");
    if (no_build || no_binary) {
        en->build_given = true;
        en->build = no_build ? BUILD_NEVER : BUILD_ALWAYS;
    }
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
