/*
 * manifest_yaml: reading venv.yaml's libyaml document for manifest.c: problems collected with
 * their positions (sorted and returned as one err_t chain at the end, so a user fixes the whole
 * file in one round), libyaml's own errors, node helpers, mappings with merge keys ('<<'), and
 * typed values that report what is wrong with them. The YAML rules of manifest.c's top comment
 * (scalars kept as written, YAML 1.2 booleans, null, merge keys) are implemented here.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "manifest/manifest_internal.h"
#include "util/buf.h"
#include "util/path.h"
#include "util/suggest.h"
#include "util/xalloc.h"

/* ------------------------------------------------------------------------------------------ */
/* problems */

mf_pos_t mf_npos(const yaml_node_t *n)
{
    if (!n)
        return (mf_pos_t){0, 0};
    return (mf_pos_t){(int)n->start_mark.line + 1, (int)n->start_mark.column + 1};
}

static void vreport(ctx_t *c, mf_pos_t pos, const char *fmt, va_list ap)
{
    XGROW(c->probs, c->capprobs, c->nprobs + 1);
    problem_t *p = &c->probs[c->nprobs];
    p->pos = pos;
    p->seq = c->nprobs++;
    buf_t b = BUF_INIT;
    buf_vprintf(&b, fmt, ap);
    p->msg = buf_detach(&b);
}

void mf_report_at(ctx_t *c, mf_pos_t pos, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(c, pos, fmt, ap);
    va_end(ap);
}

void mf_report(ctx_t *c, const yaml_node_t *n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(c, mf_npos(n), fmt, ap);
    va_end(ap);
}

void mf_drop_problems(ctx_t *c)
{
    for (size_t i = 0; i < c->nprobs; i++)
        free(c->probs[i].msg);
    c->nprobs = 0;
}

static int cmp_problem(const void *a, const void *b)
{
    const problem_t *x = a, *y = b;
    if (x->pos.line != y->pos.line)
        return x->pos.line < y->pos.line ? -1 : 1;
    if (x->pos.col != y->pos.col)
        return x->pos.col < y->pos.col ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Sorted, de-duplicated problems as one err_t chain; frees the problems. */
err_t *mf_problems_to_err(ctx_t *c, const char *path)
{
    if (!c->nprobs)
        return NULL;
    qsort(c->probs, c->nprobs, sizeof *c->probs, cmp_problem);
    char *name = path_shown(path);
    err_t *list = NULL;
    for (size_t i = 0; i < c->nprobs; i++) {
        problem_t *p = &c->probs[i];
        bool dup = i > 0 && p->pos.line == p[-1].pos.line && p->pos.col == p[-1].pos.col &&
                   strcmp(p->msg, p[-1].msg) == 0;
        if (!dup) {
            if (p->pos.line > 0)
                err_chain(&list, err_new(EXIT_USAGE, "%s:%d:%d: %s", name, p->pos.line,
                                         p->pos.col, p->msg));
            else
                err_chain(&list, err_new(EXIT_USAGE, "%s: %s", name, p->msg));
        }
    }
    for (size_t i = 0; i < c->nprobs; i++)
        free(c->probs[i].msg);
    free(c->probs);
    c->probs = NULL;
    c->nprobs = c->capprobs = 0;
    free(name);
    return list;
}

void mf_yaml_problem(ctx_t *c, const yaml_parser_t *p)
{
    if (p->error == YAML_MEMORY_ERROR) {
        mf_report_at(c, (mf_pos_t){0, 0}, "out of memory while reading YAML");
        return;
    }
    if (p->error == YAML_READER_ERROR) {
        /* Only a byte offset: turn it into line:col. */
        mf_pos_t pos = {1, 1};
        for (size_t i = 0; i < p->problem_offset && i < c->len; i++) {
            if (c->text[i] == '\n')
                pos.line++, pos.col = 1;
            else
                pos.col++;
        }
        mf_report_at(c, pos, "not valid text: %s (the manifest must be UTF-8)",
                     p->problem ? p->problem : "unreadable");
        return;
    }
    mf_pos_t pos = {(int)p->problem_mark.line + 1, (int)p->problem_mark.column + 1};
    buf_t b = BUF_INIT;
    buf_printf(&b, "YAML syntax error: %s", p->problem ? p->problem : "invalid YAML");
    if (p->problem_mark.index < c->len && c->text[p->problem_mark.index] == '\t')
        buf_adds(&b, " (a tab: YAML indents with spaces only)");
    if (p->context)
        buf_printf(&b, " (%s at line %d, column %d)", p->context,
                   (int)p->context_mark.line + 1, (int)p->context_mark.column + 1);
    mf_report_at(c, pos, "%s", buf_cstr(&b));
    buf_free(&b);
}

/* ------------------------------------------------------------------------------------------ */
/* nodes */

int mf_key_id(const char *k, const char *const *keys, int n)
{
    for (int i = 0; i < n; i++)
        if (strcmp(k, keys[i]) == 0)
            return i;
    return -1;
}

yaml_node_t *mf_node(ctx_t *c, int i)
{
    return yaml_document_get_node(c->doc, i);
}

const char *mf_sval(const yaml_node_t *n)
{
    return (const char *)n->data.scalar.value;
}

bool mf_is_plain(const yaml_node_t *n)
{
    return n->type == YAML_SCALAR_NODE && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

bool mf_is_null(const yaml_node_t *n)
{
    if (!mf_is_plain(n))
        return false;
    const char *s = mf_sval(n);
    return !*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") ||
           !strcmp(s, "NULL");
}

/* "a list", "a mapping", "empty (null)", "'text'" for messages. Returns static or b's text. */
const char *mf_describe(const yaml_node_t *n, buf_t *b)
{
    if (n->type == YAML_MAPPING_NODE)
        return "a mapping";
    if (n->type == YAML_SEQUENCE_NODE)
        return "a list";
    if (n->type != YAML_SCALAR_NODE)
        return "nothing";
    if (mf_is_null(n))
        return "empty (null)";
    buf_reset(b);
    const char *s = mf_sval(n);
    size_t len = strlen(s);
    buf_addc(b, '\'');
    if (len > 60) {
        buf_add(b, s, 57);
        buf_adds(b, "...");
    } else {
        buf_adds(b, s);
    }
    buf_addc(b, '\'');
    return buf_cstr(b);
}

/* Collects a mapping's pairs: its own first, then those merged in with "<<", in order. */
void mf_collect(ctx_t *c, yaml_node_t *map, pairs_t *out, bool merged, int depth)
{
    if (depth > 8) {
        mf_report(c, map, "merge keys ('<<') nest too deeply (or refer to themselves)");
        return;
    }
    yaml_node_pair_t *b = map->data.mapping.pairs.start, *e = map->data.mapping.pairs.top;
    for (yaml_node_pair_t *p = b; p < e; p++) {
        yaml_node_t *k = mf_node(c, p->key), *v = mf_node(c, p->value);
        if (!k || !v)
            continue;
        if (k->type != YAML_SCALAR_NODE) {
            mf_report(c, k, "a key must be a plain string, not %s",
                      k->type == YAML_MAPPING_NODE ? "a mapping" : "a list");
            continue;
        }
        if (mf_is_plain(k) && strcmp(mf_sval(k), "<<") == 0)
            continue;
        if (strlen(mf_sval(k)) != k->data.scalar.length) {
            mf_report(c, k, "a key must not contain a NUL character");
            continue;
        }
        XGROW(out->v, out->cap, out->n + 1);
        out->v[out->n++] = (pair_t){k, v, mf_sval(k), merged};
    }
    for (yaml_node_pair_t *p = b; p < e; p++) {
        yaml_node_t *k = mf_node(c, p->key), *v = mf_node(c, p->value);
        if (!k || !v || !mf_is_plain(k) || strcmp(mf_sval(k), "<<") != 0)
            continue;
        if (v->type == YAML_MAPPING_NODE) {
            mf_collect(c, v, out, true, depth + 1);
        } else if (v->type == YAML_SEQUENCE_NODE) {
            for (yaml_node_item_t *it = v->data.sequence.items.start;
                 it < v->data.sequence.items.top; it++) {
                yaml_node_t *m = mf_node(c, *it);
                if (m && m->type == YAML_MAPPING_NODE)
                    mf_collect(c, m, out, true, depth + 1);
                else if (m)
                    mf_report(c, m, "a merge key ('<<') takes mappings, not %s",
                              m->type == YAML_SEQUENCE_NODE ? "a list" : "a string");
            }
        } else {
            mf_report(c, v,
                      "a merge key ('<<') takes a mapping or a list of mappings, not a string");
        }
    }
}

void mf_pairs_free(pairs_t *p)
{
    free(p->v);
    p->v = NULL;
    p->n = p->cap = 0;
}

/* ------------------------------------------------------------------------------------------ */
/* typed values */

void mf_reportw(ctx_t *c, const yaml_node_t *n, const what_t *w, size_t item, const char *fmt,
                ...)
{
    buf_t b = BUF_INIT;
    if (item)
        buf_printf(&b, "item %zu of ", item);
    buf_printf(&b, "'%s'", w->key);
    if (w->env)
        buf_printf(&b, " in environment '%s'", w->env);
    else if (w->index)
        buf_adds(&b, " in 'index'");
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    mf_report(c, n, "%s", buf_cstr(&b));
    buf_free(&b);
}

const char *mf_get_string(ctx_t *c, const yaml_node_t *v, const what_t *w)
{
    buf_t b = BUF_INIT;
    if (mf_is_null(v)) {
        mf_reportw(c, v, w, 0, " has no value");
        return NULL;
    }
    if (v->type != YAML_SCALAR_NODE) {
        mf_reportw(c, v, w, 0, " must be a string, not %s", mf_describe(v, &b));
        buf_free(&b);
        return NULL;
    }
    if (strlen(mf_sval(v)) != v->data.scalar.length) {
        mf_reportw(c, v, w, 0, " must not contain a NUL character");
        return NULL;
    }
    return mf_sval(v);
}

bool mf_get_bool(ctx_t *c, const yaml_node_t *v, const what_t *w, bool *out)
{
    static const char *const yes[] = {"true", "True", "TRUE"};
    static const char *const no[] = {"false", "False", "FALSE"};
    if (mf_is_plain(v)) {
        for (int i = 0; i < 3; i++) {
            if (strcmp(mf_sval(v), yes[i]) == 0)
                return *out = true, true;
            if (strcmp(mf_sval(v), no[i]) == 0)
                return *out = false, true;
        }
    }
    buf_t b = BUF_INIT;
    if (v->type == YAML_SCALAR_NODE && !mf_is_plain(v))
        mf_reportw(c, v, w, 0, " must be true or false (unquoted), not the string %s",
                   mf_describe(v, &b));
    else
        mf_reportw(c, v, w, 0, " must be true or false, not %s", mf_describe(v, &b));
    buf_free(&b);
    return false;
}

int mf_get_enum(ctx_t *c, const yaml_node_t *v, const what_t *w, const char *const *vals, int n)
{
    const char *s = mf_get_string(c, v, w);
    if (!s)
        return -1;
    int id = mf_key_id(s, vals, n);
    if (id >= 0)
        return id;
    buf_t opts = BUF_INIT;
    for (int i = 0; i < n; i++)
        buf_printf(&opts, "%s%s", i == 0 ? "" : i == n - 1 ? " or " : ", ", vals[i]);
    const char *sug = suggest_closest(s, vals, (size_t)n);
    if (sug)
        mf_reportw(c, v, w, 0, " must be %s, not '%s' (did you mean '%s'?)", buf_cstr(&opts), s,
                   sug);
    else
        mf_reportw(c, v, w, 0, " must be %s, not '%s'", buf_cstr(&opts), s);
    buf_free(&opts);
    return -1;
}

/* Expands ~ and ${VAR}, then makes the path absolute against the manifest's directory. */
char *mf_resolve_path(ctx_t *c, const yaml_node_t *n, const char *raw, const what_t *w)
{
    if (!*raw) {
        mf_reportw(c, n, w, 0, " is empty");
        return NULL;
    }
    char *exp = NULL;
    err_t *e = path_expand(raw, c->env, &exp);
    if (e) {
        mf_reportw(c, n, w, 0, ": %s", e->msg);
        err_free(e);
        return NULL;
    }
    char *abs = path_absolute(c->dir, exp);
    free(exp);
    return abs;
}

/* A list of non-empty strings; NULL (after reporting) when v is not one. *n gets the count;
 * the returned array holds the item nodes. */
yaml_node_t **mf_get_list(ctx_t *c, yaml_node_t *v, const what_t *w, size_t *n)
{
    *n = 0;
    buf_t b = BUF_INIT;
    if (v->type != YAML_SEQUENCE_NODE) {
        if (v->type == YAML_SCALAR_NODE && !mf_is_null(v))
            mf_reportw(c, v, w, 0, " must be a list of strings, not the string %s (write [%s], or "
                                   "one '- item' per line)", mf_describe(v, &b), mf_sval(v));
        else
            mf_reportw(c, v, w, 0, " must be a list of strings, not %s (write [] for none)",
                       mf_describe(v, &b));
        buf_free(&b);
        return NULL;
    }
    size_t cnt = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
    yaml_node_t **items = xcalloc(cnt ? cnt : 1, sizeof *items);
    bool ok = true;
    size_t k = 0;
    for (size_t i = 0; i < cnt; i++) {
        yaml_node_t *it = mf_node(c, v->data.sequence.items.start[i]);
        if (!it)
            continue;
        if (it->type != YAML_SCALAR_NODE || mf_is_null(it)) {
            mf_reportw(c, it, w, i + 1, " must be a string, not %s", mf_describe(it, &b));
            ok = false;
        } else if (!*mf_sval(it)) {
            mf_reportw(c, it, w, i + 1, " is empty");
            ok = false;
        } else if (strlen(mf_sval(it)) != it->data.scalar.length) {
            mf_reportw(c, it, w, i + 1, " must not contain a NUL character");
            ok = false;
        } else {
            items[k++] = it;
        }
    }
    buf_free(&b);
    if (!ok) {
        free(items);
        return NULL;
    }
    *n = k;
    return items;
}

/* A Python request; a path request is expanded and made absolute. */
pyreq_t *mf_get_request(ctx_t *c, const yaml_node_t *v, const what_t *w, char **text)
{
    const char *s = mf_get_string(c, v, w);
    if (!s)
        return NULL;
    pyreq_t *r = NULL;
    char *why = NULL;
    if (!pyreq_parse(s, &r, &why)) {
        mf_reportw(c, v, w, 0, ": %s", why ? why : "not a Python request");
        free(why);
        return NULL;
    }
    if (r->kind == PYREQ_PATH) {
        char *abs = mf_resolve_path(c, v, r->path, w);
        if (!abs) {
            pyreq_free(r);
            return NULL;
        }
        free(r->path);
        r->path = abs;
    }
    *text = xstrdup(s);
    return r;
}

