/* reqfile: pip requirements files and manifest package strings (see reqfile.h). This file is
 * the driver: the reqfile_t, reading files and their -r/-c includes, and each logical line
 * split into its requirement and options, with every problem reported as "FILE:LINE:". Lines
 * come from reqfile_lines.c, options are parsed and applied by reqfile_options.c, requirements
 * by reqfile_req.c (reqfile_internal.h says what they share). */
#include "pkg/reqfile.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pkg/reqfile_internal.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/path.h"
#include "util/strv.h"
#include "util/url.h"
#include "util/xalloc.h"

/* ------------------------------------------------------------------------------------------ */
/* Small helpers                                                                                */

char **rf_strv_new(void)
{
    return xcalloc(1, sizeof(char *));
}

/* ------------------------------------------------------------------------------------------ */
/* The reqfile_t                                                                                */

reqfile_t *reqfile_new(void)
{
    reqfile_t *rf = xcalloc(1, sizeof *rf);
    rf->opts.extra_index_urls = rf_strv_new();
    rf->opts.find_links = rf_strv_new();
    rf->opts.only_binary = rf_strv_new();
    rf->opts.no_binary = rf_strv_new();
    rf->opts.trusted_hosts = rf_strv_new();
    rf->opts.use_features = rf_strv_new();
    return rf;
}

static void entry_free(rf_entry_t *e)
{
    req_free(e->req);
    free(e->text);
    free(e->file);
    free(e->shown);
    strv_free(e->hashes);
    free(e->path_or_url);
    free(e->direct_version);
}

void reqfile_free(reqfile_t *rf)
{
    if (!rf)
        return;
    for (size_t i = 0; i < rf->n; i++)
        entry_free(&rf->entries[i]);
    free(rf->entries);
    free(rf->item_file);
    free(rf->item_shown);
    free(rf->opts.index_url);
    strv_free(rf->opts.extra_index_urls);
    strv_free(rf->opts.find_links);
    strv_free(rf->opts.only_binary);
    strv_free(rf->opts.no_binary);
    free(rf->opts.require_hashes_at);
    strv_free(rf->opts.trusted_hosts);
    strv_free(rf->opts.use_features);
    for (size_t i = 0; i < rf->nfiles; i++)
        free(rf->files[i]);
    free(rf->files);
    free(rf);
}

char *reqfile_origin(const rf_entry_t *e)
{
    if (e->col > 0)
        return xasprintf("%s:%d:%d", e->shown, e->line, e->col);
    return xasprintf("%s:%d", e->shown, e->line);
}

static void add_file(reqfile_t *rf, const char *abs)
{
    for (size_t i = 0; i < rf->nfiles; i++)
        if (strcmp(rf->files[i], abs) == 0)
            return;
    XGROW(rf->files, rf->files_cap, rf->nfiles + 1);
    rf->files[rf->nfiles++] = xstrdup(abs);
}

/* ------------------------------------------------------------------------------------------ */
/* Parsing context                                                                              */

typedef struct ctx {
    reqfile_t *rf;
    const reqfile_env_t *env;
    err_t *errs;
    char **stack;          /* identities (real paths) of the files being read, outermost first */
    char **stack_shown;
    size_t depth;
} ctx_t;

/* Where a logical line came from. */
typedef struct where {
    const char *file;      /* absolute */
    const char *shown;
    const char *dir;       /* directory anchoring relative paths */
    int line, col;
    bool constraint;
    bool item;             /* a manifest item, not a requirements-file line */
} where_t;

static void report(ctx_t *c, const where_t *w, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void report(ctx_t *c, const where_t *w, const char *fmt, ...)
{
    buf_t b = BUF_INIT;
    if (w->col > 0)
        buf_printf(&b, "%s:%d:%d: ", w->shown, w->line, w->col);
    else
        buf_printf(&b, "%s:%d: ", w->shown, w->line);
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    err_chain(&c->errs, err_new(EXIT_USAGE, "%s", buf_cstr(&b)));
    buf_free(&b);
}

static err_t *read_file(const ctx_t *c, const char *abs, buf_t *out)
{
    if (c->env && c->env->read)
        return c->env->read(c->env->ctx, abs, out);
    return fs_read(abs, out);
}

/* The identity of a file for cycle detection: its real path (the normalized path with a read
 * hook, or when it cannot be resolved). */
static char *file_identity(const ctx_t *c, const char *abs)
{
    char *real = c->env && c->env->read ? NULL : path_real(abs);
    return real ? real : path_normalize(abs);
}

/* ------------------------------------------------------------------------------------------ */
/* Lines                                                                                        */

static err_t *parse_content(ctx_t *c, const char *text, size_t len, const char *abs,
                            const char *shown, bool constraint);

static void include_file(ctx_t *c, const where_t *w, const char *value, bool constraint)
{
    const char *opt = constraint ? "-c" : "-r";
    char *abs;
    if (reqfile_is_url(value)) {
        if (strncasecmp(value, "file:", 5) != 0) {
            report(c, w, "%s %s: requirements files are read from disk only; download it and "
                         "name the local copy", opt, value);
            return;
        }
        char *why = NULL;
        abs = url_to_path(value, w->dir, &why);
        if (!abs) {
            report(c, w, "%s %s: %s", opt, value, why);
            free(why);
            return;
        }
    } else {
        abs = path_absolute(w->dir, value);
    }
    char *id = file_identity(c, abs);
    for (size_t i = 0; i < c->depth; i++) {
        if (strcmp(c->stack[i], id) == 0) {
            buf_t b = BUF_INIT;
            for (size_t k = i; k < c->depth; k++)
                buf_printf(&b, "%s -> ", c->stack_shown[k]);
            char *sh = path_shown(abs);
            buf_adds(&b, sh);
            free(sh);
            report(c, w, "%s %s: include cycle: %s", opt, value, buf_cstr(&b));
            buf_free(&b);
            free(id);
            free(abs);
            return;
        }
    }
    if (c->depth >= REQFILE_MAX_DEPTH) {
        report(c, w, "%s %s: requirements files nested more than %d deep", opt, value,
               REQFILE_MAX_DEPTH);
        free(id);
        free(abs);
        return;
    }
    free(id);
    buf_t content = BUF_INIT;
    err_t *e = read_file(c, abs, &content);
    if (e) {
        report(c, w, "%s %s: cannot read it: %s", opt, value, e->msg);
        err_free(e);
    } else {
        char *shown = path_shown(abs);
        err_chain(&c->errs, parse_content(c, content.data ? content.data : "", content.len, abs,
                                          shown, constraint));
        free(shown);
    }
    buf_free(&content);
    free(abs);
}

static void add_entry(ctx_t *c, const where_t *w, const char *text, parsed_req_t *p,
                      char **hashes)
{
    reqfile_t *rf = c->rf;
    XGROW(rf->entries, rf->cap, rf->n + 1);
    rf_entry_t *e = &rf->entries[rf->n++];
    memset(e, 0, sizeof *e);
    e->req = p->req;
    e->text = xstrdup(text);
    e->file = xstrdup(w->file);
    e->shown = xstrdup(w->shown);
    e->line = w->line;
    e->col = w->col;
    e->hashes = hashes;
    e->nhashes = strv_len(hashes);
    e->is_constraint = w->constraint;
    e->source = p->source;
    e->editable = p->editable;
    e->path_or_url = p->path_or_url;
    e->is_local = p->is_local;
    e->direct_version = p->direct_version;
    p->req = NULL;
    p->path_or_url = p->direct_version = NULL;
    rf_parsed_req_clear(p);
}

/* "-e VALUE" at the start of s (s[0] is '-'): whether the first token is -e / --editable (or
 * "-eV", "--editable=V", an unambiguous prefix); then *value is VALUE (malloc'd: the text up to
 * the next whitespace-separated token starting with '-', unquoted when it starts with a quote)
 * and *rest the options after it, or NULL. *msg (malloc'd) when the value is missing or its
 * quoting is wrong. */
static bool split_editable(const char *s, char **value, const char **rest, char **msg)
{
    *value = NULL;
    *rest = NULL;
    *msg = NULL;
    size_t tl = 0;
    while (s[tl] && !rf_is_space((unsigned char)s[tl]))
        tl++;
    char *tok = xstrndup(s, tl);
    const char *iv = NULL;
    const opt_def_t *d = rf_find_option(tok, &iv);
    bool ed = d && d->id == O_EDITABLE;
    const char *p = iv ? s + (iv - tok) : s + tl;
    bool empty_inline = iv && !*iv;
    free(tok);
    if (!ed)
        return false;
    if (empty_inline) {
        *msg = xstrdup("option --editable needs a value (-e PATH)");
        return true;
    }
    const char *start = p, *end = p;
    for (bool first = true;; first = false) {
        while (*p && rf_is_space((unsigned char)*p))
            p++;
        if (!*p || (*p == '-' && !(first && iv)))
            break;
        if (first)
            start = p;
        while (*p && !rf_is_space((unsigned char)*p))
            p++;
        end = p;
    }
    *rest = *p ? p : NULL;
    if (end <= start) {
        *msg = xstrdup("option --editable needs a value (-e PATH)");
        return true;
    }
    char *v = xstrndup(start, (size_t)(end - start));
    if (*v == '\'' || *v == '"') {
        char **t = NULL;
        size_t nt = 0;
        const char *why = NULL;
        if (!rf_shell_split(v, &t, &nt, &why))
            *msg = xasprintf("cannot split '-e %s': %s", v, why);
        else if (nt != 1)
            *msg = xasprintf("-e %s: the quoted value must be one word (put a marker inside the "
                             "quotes)", v);
        else
            *value = xstrdup(t[0]);
        for (size_t i = 0; i < nt; i++)
            free(t[i]);
        free(t);
        free(v);
    } else {
        *value = v;
    }
    return true;
}

/* The checks that need the parsed requirement p (a requirement or an -e value; text is what
 * messages show), then the project_name hook for an unnamed directory, then the entry. Takes p
 * and hashes (its --hash values) over; a problem is reported and adds nothing. */
static void finish_entry(ctx_t *c, const where_t *w, const char *text, parsed_req_t *p,
                         char **hashes)
{
    for (size_t i = 0; p->frag_hashes && p->frag_hashes[i]; i++)
        strv_push_unique(&hashes, NULL, NULL, p->frag_hashes[i]);
    if (w->constraint) {
        const char *what = NULL;
        if (p->source != RF_SOURCE_INDEX)
            what = "a path or URL";
        else if (p->req->nextras)
            what = "extras";
        if (what) {
            report(c, w, "constraint '%s' has %s; constraints may only limit versions "
                         "(name, specifiers, marker)", text, what);
            goto fail;
        }
    }
    if (p->source == RF_SOURCE_DIR && hashes[0]) {
        report(c, w, "'%s' is a directory, which has no hash: it cannot have a --hash",
               p->location);
        goto fail;
    }
    if (!p->req) {
        const reqfile_env_t *env = c->env;
        if (!env || !env->project_name) {
            report(c, w, "'%s' is a project directory without a name: write it as '%sNAME%s @ "
                         "%s'", p->location, p->editable ? "-e " : "",
                   p->extras ? p->extras : "", p->location);
            goto fail;
        }
        char *name = NULL;
        err_t *e = env->project_name(env->project_ctx, p->path_or_url, &name);
        if (e) {
            free(name);
            if (w->col > 0)
                err_ctx(e, "%s:%d:%d", w->shown, w->line, w->col);
            else
                err_ctx(e, "%s:%d", w->shown, w->line);
            err_chain(&c->errs, e);
            goto fail;
        }
        char *msg = rf_name_directory(p, name ? name : "");
        free(name);
        if (msg) {
            report(c, w, "%s", msg);
            free(msg);
            goto fail;
        }
    }
    add_entry(c, w, text, p, hashes);
    return;
fail:
    rf_parsed_req_clear(p);
    strv_free(hashes);
}

/* One logical line (comments stripped, trimmed, variables expanded, non-empty). */
static void handle_line(ctx_t *c, const where_t *w, const char *line)
{
    /* The requirement is everything before the first whitespace-separated token that starts
     * with '-' (pip's break_args_options); or the value of a leading -e. */
    size_t req_end = 0;
    const char *opts_start = NULL;
    for (size_t i = 0;;) {
        while (line[i] && rf_is_space((unsigned char)line[i]))
            i++;
        if (!line[i])
            break;
        if (line[i] == '-') {
            opts_start = line + i;
            break;
        }
        while (line[i] && !rf_is_space((unsigned char)line[i]))
            i++;
        req_end = i;
    }
    char *reqtext = xstrndup(line, req_end);
    char *text = NULL;          /* as shown in messages */
    bool editable = false;
    char **tok = NULL;
    size_t ntok = 0;
    opt_val_t *vals = NULL;
    size_t nvals = 0;
    if (!*reqtext && opts_start) {
        char *value = NULL, *msg = NULL;
        const char *rest = NULL;
        if (split_editable(opts_start, &value, &rest, &msg)) {
            if (msg) {
                report(c, w, "%s", msg);
                free(msg);
                goto out;
            }
            editable = true;
            free(reqtext);
            reqtext = value;
            opts_start = rest;
        }
    }
    text = editable ? xasprintf("-e %s", reqtext) : xstrdup(reqtext);
    if (opts_start) {
        const char *why = NULL;
        if (!rf_shell_split(opts_start, &tok, &ntok, &why)) {
            report(c, w, "cannot split the options '%s': %s", opts_start, why);
            goto out;
        }
        char *msg = rf_parse_options(tok, ntok, &vals, &nvals);
        if (msg) {
            report(c, w, "%s", msg);
            free(msg);
            goto out;
        }
    }
    for (size_t i = 0; i < nvals; i++) {
        if (vals[i].def->id == O_EDITABLE) {
            report(c, w, "option --editable must come first, followed by its path (-e PATH "
                         "[options]), and only once");
            goto out;
        }
    }
    if (*reqtext) {
        bool bad = false;
        for (size_t i = 0; i < nvals; i++) {
            if (!vals[i].def->per_req) {
                if (w->item)
                    report(c, w, "option %s cannot be used in a package entry; put it in a "
                                 "requirements file", vals[i].def->long_name);
                else
                    report(c, w, "option %s is a global option: put it on a line of its own, "
                                 "not after the requirement '%s'", vals[i].def->long_name,
                           text);
                bad = true;
            }
        }
        char **hashes = rf_strv_new();
        for (size_t i = 0; i < nvals; i++) {
            if (vals[i].def->id != O_HASH)
                continue;
            char *why = NULL;
            char *h = rf_parse_hash(vals[i].value, &why);
            if (!h) {
                report(c, w, "%s", why);
                free(why);
                bad = true;
                continue;
            }
            strv_push_unique(&hashes, NULL, NULL, h);
            free(h);
        }
        if (bad) {
            strv_free(hashes);
            goto out;
        }
        parsed_req_t p;
        char *msg = rf_parse_requirement(reqtext, w->dir, editable, &p);
        if (msg) {
            report(c, w, "%s", msg);
            free(msg);
            strv_free(hashes);
            goto out;
        }
        finish_entry(c, w, text, &p, hashes);
    } else {
        bool bad = false;
        for (size_t i = 0; i < nvals; i++) {
            if (vals[i].def->per_req) {
                report(c, w, "option %s needs a requirement before it on the same line",
                       vals[i].def->long_name);
                bad = true;
            } else if (w->item) {
                report(c, w, "option %s cannot be used in a package entry; put it in a "
                             "requirements file", vals[i].def->long_name);
                bad = true;
            }
        }
        if (!bad) {
            for (size_t i = 0; i < nvals; i++)
                if (!rf_is_include(vals[i].def->id))
                    rf_apply_option(&c->rf->opts, w->dir, w->shown, w->line, &vals[i]);
            /* includes last, so that an included file's -i overrides this line's */
            for (size_t i = 0; i < nvals; i++)
                if (rf_is_include(vals[i].def->id))
                    include_file(c, w, vals[i].value, vals[i].def->id == O_CONSTRAINT);
        }
    }
out:
    rf_free_opt_vals(vals, nvals);
    for (size_t i = 0; i < ntok; i++)
        free(tok[i]);
    free(tok);
    free(reqtext);
    free(text);
}

static char *expand_vars(const ctx_t *c, const char *s)
{
    return rf_expand_vars(c->env ? &c->env->vars : NULL, s);
}

typedef struct line_ctx {
    ctx_t *c;
    where_t *w;
} line_ctx_t;

static void on_line(void *ud, int line, char *text)
{
    line_ctx_t *lc = ud;
    lc->w->line = line;
    if (!text) {
        report(lc->c, lc->w, "not valid UTF-8 text (requirements files are read as UTF-8)");
        return;
    }
    char *x = expand_vars(lc->c, text);
    handle_line(lc->c, lc->w, x);
    free(x);
}

static err_t *parse_content(ctx_t *c, const char *text, size_t len, const char *abs,
                            const char *shown, bool constraint)
{
    err_t *saved = c->errs;
    c->errs = NULL;
    add_file(c->rf, abs);
    c->stack = xrealloc(c->stack, (c->depth + 1) * sizeof *c->stack);
    c->stack_shown = xrealloc(c->stack_shown, (c->depth + 1) * sizeof *c->stack_shown);
    c->stack[c->depth] = file_identity(c, abs);
    c->stack_shown[c->depth] = xstrdup(shown);
    c->depth++;

    char *dir = path_dirname(abs);
    where_t w = {.file = abs, .shown = shown, .dir = dir, .constraint = constraint};
    buf_t dec = BUF_INIT;
    const char *why = NULL;
    if (rf_decode(text, len, &dec, &why)) {
        line_ctx_t lc = {c, &w};
        rf_each_line(buf_cstr(&dec), dec.len, on_line, &lc);
    } else {
        err_chain(&c->errs, err_new(EXIT_USAGE, "%s:1: cannot decode the file (it starts with a "
                                                "UTF-16/32 byte-order mark): %s", shown, why));
    }
    buf_free(&dec);
    free(dir);
    c->depth--;
    free(c->stack[c->depth]);
    free(c->stack_shown[c->depth]);
    err_t *mine = c->errs;
    c->errs = saved;
    return mine;
}

static err_t *parse_file_at(ctx_t *c, const char *abs, const char *shown, bool constraint)
{
    buf_t content = BUF_INIT;
    err_t *e = read_file(c, abs, &content);
    if (e) {
        buf_free(&content);
        return err_ctx(e, "cannot read requirements file %s", shown);
    }
    e = parse_content(c, content.data ? content.data : "", content.len, abs, shown, constraint);
    buf_free(&content);
    return e;
}

static void ctx_done(ctx_t *c)
{
    free(c->stack);
    free(c->stack_shown);
}

err_t *reqfile_parse_file(reqfile_t *rf, const char *path, bool constraint,
                          const reqfile_env_t *env)
{
    ctx_t c = {.rf = rf, .env = env};
    char *abs = path_absolute(NULL, path);
    char *shown = path_shown(abs);
    err_t *e = parse_file_at(&c, abs, shown, constraint);
    free(shown);
    free(abs);
    ctx_done(&c);
    return e;
}

err_t *reqfile_parse_text(reqfile_t *rf, const char *text, size_t len, const char *path,
                          bool constraint, const reqfile_env_t *env)
{
    ctx_t c = {.rf = rf, .env = env};
    char *abs = path_absolute(NULL, path);
    char *shown = path_shown(abs);
    err_t *e = parse_content(&c, text, len, abs, shown, constraint);
    free(shown);
    free(abs);
    ctx_done(&c);
    return e;
}

err_t *reqfile_add_item(reqfile_t *rf, const char *text, const char *file, int line, int col,
                        const reqfile_env_t *env)
{
    ctx_t c = {.rf = rf, .env = env};
    if (!rf->item_file || strcmp(rf->item_file, file) != 0) {
        free(rf->item_file);
        free(rf->item_shown);
        rf->item_file = xstrdup(file);
        char *a = path_absolute(NULL, file);
        rf->item_shown = path_shown(a);
        free(a);
    }
    char *abs = path_absolute(NULL, file);
    const char *shown = rf->item_shown;
    char *dir = path_dirname(abs);
    where_t w = {.file = abs, .shown = shown, .dir = dir, .line = line, .col = col,
                 .item = true};
    if (!rf_utf8_valid(text, strlen(text))) {
        report(&c, &w, "not valid UTF-8 text");
    } else {
        char *x = expand_vars(&c, text);
        char *t = x;
        size_t n = strlen(t);
        while (n > 0 && rf_is_space((unsigned char)t[n - 1]))
            t[--n] = '\0';
        while (*t && rf_is_space((unsigned char)*t))
            t++;
        if (!*t)
            report(&c, &w, "empty package entry");
        else
            handle_line(&c, &w, t);
        free(x);
    }
    free(dir);
    free(abs);
    ctx_done(&c);
    return c.errs;
}
