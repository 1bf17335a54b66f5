/*
 * manifest: venv.yaml version 1 -> manifest_t. See manifest.h for the contract.
 *
 * The file is loaded with libyaml's document API (one allocation per node; a manifest has a few
 * hundred at most), then walked once. Every problem is collected with its position, and at the
 * end the problems are sorted by position and returned as one err_t chain, so a user fixes the
 * whole file in one round.
 *
 * Decisions worth knowing:
 *  - Scalars keep their text as written: `python: 3.10` is "3.10", never 3.1.
 *  - Booleans are YAML 1.2's: true/false (also True/False/TRUE/FALSE), unquoted. YAML 1.1's
 *    yes/no/on/off are refused with a message saying what to write, because other tools (PyYAML)
 *    read them as booleans and the format must mean the same thing everywhere.
 *  - `version` is the unquoted integer 1.
 *  - A null value (`key:` with nothing after it, `~`, `null`) is an error for every key, except
 *    an environment itself (`tools:` alone is an environment with every default).
 *  - Anchors and aliases are accepted (`packages: *common`), and so are YAML merge keys
 *    (`<<: *base`) inside any mapping; keys written in a mapping win over merged ones. An error
 *    inside an aliased node is reported at the anchored node's position.
 *  - Environment names must be usable as directory names: not empty, no '/', not "." or "..",
 *    no control characters, and not starting with '-' (it would read as a command-line option).
 *  - An environment without `python` takes its copy-from source's request (following the chain),
 *    else the top-level one: a copy runs on the interpreter it was copied from.
 *  - Two environments may not share a path, nor may one lie inside another, nor may one contain
 *    the manifest's own directory (recreating it would delete the project).
 *  - Only one YAML document per file; a YAML syntax error stops parsing, so it is the only
 *    error reported.
 */
#include "manifest/manifest.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

#include "util/strv.h"
#include "util/suggest.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/path.h"
#include "util/xalloc.h"

/* ------------------------------------------------------------------------------------------ */
/* keys */

enum { T_VERSION, T_PYTHON, T_ROOT, T_DOWNLOADS, T_INDEX, T_ENVS, T_N };
static const char *const top_keys[T_N] = {
    "version", "python", "root", "python-downloads", "index", "environments",
};

enum { I_URL, I_EXTRA, I_FIND, I_N };
static const char *const index_keys[I_N] = {"url", "extra-urls", "find-links"};

enum { E_PATH, E_PYTHON, E_PROMPT, E_SSP, E_PACKAGES, E_REQS, E_EXACT, E_UPGRADE, E_COPY,
       E_COMPILE, E_N };
static const char *const env_keys[E_N] = {
    "path",  "python",  "prompt",    "system-site-packages", "packages",
    "requirements", "exact", "upgrade", "copy-from", "compile",
};

static int key_id(const char *k, const char *const *keys, int n)
{
    for (int i = 0; i < n; i++)
        if (strcmp(k, keys[i]) == 0)
            return i;
    return -1;
}

/* ------------------------------------------------------------------------------------------ */
/* problems */

typedef struct problem {
    mf_pos_t pos;
    size_t seq;
    char *msg;
} problem_t;

typedef struct pair {
    yaml_node_t *key, *val;
    const char *name;   /* the key's text */
    bool merged;        /* came in through a merge key (<<) */
} pair_t;

typedef struct pairs {
    pair_t *v;
    size_t n, cap;
} pairs_t;

typedef struct envx {            /* what the walk remembers about an environment */
    yaml_node_t *key;
    yaml_node_t *path_node;      /* the `path` value, or NULL */
    yaml_node_t *copy_node;      /* the `copy-from` value, or NULL */
    int copy_target;             /* index, or -1 */
    bool own_python;             /* `python` was given (even if it was bad) */
    bool bad_name;
} envx_t;

typedef struct ctx {
    const char *text;
    size_t len;
    const char *dir;             /* manifest's directory, absolute */
    const env_lookup_t *env;     /* for ~ and ${VAR} in paths */
    yaml_document_t *doc;
    problem_t *probs;
    size_t nprobs, capprobs;
} ctx_t;

static mf_pos_t npos(const yaml_node_t *n)
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

static void report_at(ctx_t *c, mf_pos_t pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void report_at(ctx_t *c, mf_pos_t pos, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(c, pos, fmt, ap);
    va_end(ap);
}

static void report(ctx_t *c, const yaml_node_t *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void report(ctx_t *c, const yaml_node_t *n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(c, npos(n), fmt, ap);
    va_end(ap);
}

static void drop_problems(ctx_t *c)
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

/* The file's name in messages: relative to the cwd when it lies below it, else as given. */
static char *display_name(const char *path)
{
    if (path[0] != '/')
        return xstrdup(path);
    char *cwd = path_cwd();
    char *r;
    if (strcmp(cwd, "/") != 0 && path_is_within(path, cwd) && strlen(path) > strlen(cwd))
        r = xstrdup(path + strlen(cwd) + 1);
    else
        r = xstrdup(path);
    free(cwd);
    return r;
}

/* Sorted, de-duplicated problems as one err_t chain; frees the problems. */
static err_t *problems_to_err(ctx_t *c, const char *path)
{
    if (!c->nprobs)
        return NULL;
    qsort(c->probs, c->nprobs, sizeof *c->probs, cmp_problem);
    char *name = display_name(path);
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

/* ------------------------------------------------------------------------------------------ */
/* nodes */

static yaml_node_t *node(ctx_t *c, int i)
{
    return yaml_document_get_node(c->doc, i);
}

static const char *sval(const yaml_node_t *n)
{
    return (const char *)n->data.scalar.value;
}

static bool is_plain(const yaml_node_t *n)
{
    return n->type == YAML_SCALAR_NODE && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

static bool is_null(const yaml_node_t *n)
{
    if (!is_plain(n))
        return false;
    const char *s = sval(n);
    return !*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") ||
           !strcmp(s, "NULL");
}

/* "a list", "a mapping", "empty (null)", "'text'" for messages. Returns static or b's text. */
static const char *describe(const yaml_node_t *n, buf_t *b)
{
    if (n->type == YAML_MAPPING_NODE)
        return "a mapping";
    if (n->type == YAML_SEQUENCE_NODE)
        return "a list";
    if (n->type != YAML_SCALAR_NODE)
        return "nothing";
    if (is_null(n))
        return "empty (null)";
    buf_reset(b);
    const char *s = sval(n);
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
static void collect(ctx_t *c, yaml_node_t *map, pairs_t *out, bool merged, int depth)
{
    if (depth > 8) {
        report(c, map, "merge keys ('<<') nest too deeply (or refer to themselves)");
        return;
    }
    yaml_node_pair_t *b = map->data.mapping.pairs.start, *e = map->data.mapping.pairs.top;
    for (yaml_node_pair_t *p = b; p < e; p++) {
        yaml_node_t *k = node(c, p->key), *v = node(c, p->value);
        if (!k || !v)
            continue;
        if (k->type != YAML_SCALAR_NODE) {
            report(c, k, "a key must be a plain string, not %s",
                   k->type == YAML_MAPPING_NODE ? "a mapping" : "a list");
            continue;
        }
        if (is_plain(k) && strcmp(sval(k), "<<") == 0)
            continue;
        if (strlen(sval(k)) != k->data.scalar.length) {
            report(c, k, "a key must not contain a NUL character");
            continue;
        }
        XGROW(out->v, out->cap, out->n + 1);
        out->v[out->n++] = (pair_t){k, v, sval(k), merged};
    }
    for (yaml_node_pair_t *p = b; p < e; p++) {
        yaml_node_t *k = node(c, p->key), *v = node(c, p->value);
        if (!k || !v || !is_plain(k) || strcmp(sval(k), "<<") != 0)
            continue;
        if (v->type == YAML_MAPPING_NODE) {
            collect(c, v, out, true, depth + 1);
        } else if (v->type == YAML_SEQUENCE_NODE) {
            for (yaml_node_item_t *it = v->data.sequence.items.start;
                 it < v->data.sequence.items.top; it++) {
                yaml_node_t *m = node(c, *it);
                if (m && m->type == YAML_MAPPING_NODE)
                    collect(c, m, out, true, depth + 1);
                else if (m)
                    report(c, m, "a merge key ('<<') takes mappings, not %s",
                           m->type == YAML_SEQUENCE_NODE ? "a list" : "a string");
            }
        } else {
            report(c, v, "a merge key ('<<') takes a mapping or a list of mappings, not a string");
        }
    }
}

/* ------------------------------------------------------------------------------------------ */
/* typed values. A what_t names the key in messages ("'exact' in environment 'dev'"); the text
 * is only built when there is something to report. */

typedef struct what {
    const char *key;
    const char *env;     /* in this environment, or NULL */
    bool index;          /* in 'index' */
} what_t;

static void reportw(ctx_t *c, const yaml_node_t *n, const what_t *w, size_t item,
                    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void reportw(ctx_t *c, const yaml_node_t *n, const what_t *w, size_t item,
                    const char *fmt, ...)
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
    report(c, n, "%s", buf_cstr(&b));
    buf_free(&b);
}

static const char *get_string(ctx_t *c, const yaml_node_t *v, const what_t *w)
{
    buf_t b = BUF_INIT;
    if (is_null(v)) {
        reportw(c, v, w, 0, " has no value");
        return NULL;
    }
    if (v->type != YAML_SCALAR_NODE) {
        reportw(c, v, w, 0, " must be a string, not %s", describe(v, &b));
        buf_free(&b);
        return NULL;
    }
    if (strlen(sval(v)) != v->data.scalar.length) {
        reportw(c, v, w, 0, " must not contain a NUL character");
        return NULL;
    }
    return sval(v);
}

static bool get_bool(ctx_t *c, const yaml_node_t *v, const what_t *w, bool *out)
{
    static const char *const yes[] = {"true", "True", "TRUE"};
    static const char *const no[] = {"false", "False", "FALSE"};
    if (is_plain(v)) {
        for (int i = 0; i < 3; i++) {
            if (strcmp(sval(v), yes[i]) == 0)
                return *out = true, true;
            if (strcmp(sval(v), no[i]) == 0)
                return *out = false, true;
        }
    }
    buf_t b = BUF_INIT;
    if (v->type == YAML_SCALAR_NODE && !is_plain(v))
        reportw(c, v, w, 0, " must be true or false (unquoted), not the string %s",
                describe(v, &b));
    else
        reportw(c, v, w, 0, " must be true or false, not %s", describe(v, &b));
    buf_free(&b);
    return false;
}

static int get_enum(ctx_t *c, const yaml_node_t *v, const what_t *w, const char *const *vals,
                    int n)
{
    const char *s = get_string(c, v, w);
    if (!s)
        return -1;
    int id = key_id(s, vals, n);
    if (id >= 0)
        return id;
    buf_t opts = BUF_INIT;
    for (int i = 0; i < n; i++)
        buf_printf(&opts, "%s%s", i == 0 ? "" : i == n - 1 ? " or " : ", ", vals[i]);
    const char *sug = suggest_closest(s, vals, (size_t)n);
    if (sug)
        reportw(c, v, w, 0, " must be %s, not '%s' (did you mean '%s'?)", buf_cstr(&opts), s, sug);
    else
        reportw(c, v, w, 0, " must be %s, not '%s'", buf_cstr(&opts), s);
    buf_free(&opts);
    return -1;
}

/* Expands ~ and ${VAR}, then makes the path absolute against the manifest's directory. */
static char *resolve_path(ctx_t *c, const yaml_node_t *n, const char *raw, const what_t *w)
{
    if (!*raw) {
        reportw(c, n, w, 0, " is empty");
        return NULL;
    }
    char *exp = NULL;
    err_t *e = path_expand(raw, c->env, &exp);
    if (e) {
        reportw(c, n, w, 0, ": %s", e->msg);
        err_free(e);
        return NULL;
    }
    char *abs = path_absolute(c->dir, exp);
    free(exp);
    return abs;
}

/* A list of non-empty strings; NULL (after reporting) when v is not one. *n gets the count;
 * the returned array holds the item nodes. */
static yaml_node_t **get_list(ctx_t *c, yaml_node_t *v, const what_t *w, size_t *n)
{
    *n = 0;
    buf_t b = BUF_INIT;
    if (v->type != YAML_SEQUENCE_NODE) {
        if (v->type == YAML_SCALAR_NODE && !is_null(v))
            reportw(c, v, w, 0, " must be a list of strings, not the string %s (write [%s], or "
                                "one '- item' per line)", describe(v, &b), sval(v));
        else
            reportw(c, v, w, 0, " must be a list of strings, not %s (write [] for none)",
                    describe(v, &b));
        buf_free(&b);
        return NULL;
    }
    size_t cnt = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
    yaml_node_t **items = xcalloc(cnt ? cnt : 1, sizeof *items);
    bool ok = true;
    size_t k = 0;
    for (size_t i = 0; i < cnt; i++) {
        yaml_node_t *it = node(c, v->data.sequence.items.start[i]);
        if (!it)
            continue;
        if (it->type != YAML_SCALAR_NODE || is_null(it)) {
            reportw(c, it, w, i + 1, " must be a string, not %s", describe(it, &b));
            ok = false;
        } else if (!*sval(it)) {
            reportw(c, it, w, i + 1, " is empty");
            ok = false;
        } else if (strlen(sval(it)) != it->data.scalar.length) {
            reportw(c, it, w, i + 1, " must not contain a NUL character");
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

static void pairs_free(pairs_t *p)
{
    free(p->v);
    p->v = NULL;
    p->n = p->cap = 0;
}

/* A Python request; a path request is expanded and made absolute. */
static pyreq_t *get_request(ctx_t *c, const yaml_node_t *v, const what_t *w, char **text)
{
    const char *s = get_string(c, v, w);
    if (!s)
        return NULL;
    pyreq_t *r = NULL;
    char *why = NULL;
    if (!pyreq_parse(s, &r, &why)) {
        reportw(c, v, w, 0, ": %s", why ? why : "not a Python request");
        free(why);
        return NULL;
    }
    if (r->kind == PYREQ_PATH) {
        char *abs = resolve_path(c, v, r->path, w);
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

/* Where a mapping is, for messages: level 0 the top, 1 'index', 2 environment env. */
static const char *scope_str(int level, const char *env, buf_t *b)
{
    if (level == 0)
        return "at the top level";
    if (level == 1)
        return "in 'index'";
    buf_reset(b);
    buf_printf(b, "in environment '%s'", env);
    return buf_cstr(b);
}

/* Reports a misplaced or misspelt key. */
static void unknown_key(ctx_t *c, const pair_t *p, int level, const char *env,
                        const char *const *keys, int n)
{
    buf_t sb = BUF_INIT;
    const char *scope = scope_str(level, env, &sb);
    const char *k = p->name;
    const char *sug = suggest_closest(k, keys, (size_t)n);
    if (level != 2 && key_id(k, env_keys, E_N) >= 0 && strcmp(k, "python") != 0) {
        report(c, p->key, "unknown key '%s' %s ('%s' belongs inside an environment, under "
                          "'environments: NAME:')", k, scope, k);
    } else if (level != 1 && key_id(k, index_keys, I_N) >= 0) {
        report(c, p->key, "unknown key '%s' %s ('%s' belongs under the top-level 'index:')",
               k, scope, k);
    } else if (level != 0 && key_id(k, top_keys, T_N) >= 0) {
        report(c, p->key, "unknown key '%s' %s ('%s' is a top-level key)", k, scope, k);
    } else if (sug) {
        report(c, p->key, "unknown key '%s' %s (did you mean '%s'?)", k, scope, sug);
    } else if (level == 0 && p->val->type == YAML_MAPPING_NODE) {
        report(c, p->key, "unknown key '%s' %s (environments are listed under 'environments:')",
               k, scope);
    } else {
        buf_t b = BUF_INIT;
        for (int i = 0; i < n; i++)
            buf_printf(&b, "%s%s", i ? ", " : "", keys[i]);
        report(c, p->key, "unknown key '%s' %s (valid keys: %s)", k, scope, buf_cstr(&b));
        buf_free(&b);
    }
    buf_free(&sb);
}

/* Walks a mapping of known keys: fills slot[id] with each key's pair, reporting unknown and
 * duplicate keys. */
static void known_pairs(ctx_t *c, const pairs_t *ps, int level, const char *env,
                        const char *const *keys, int n, const pair_t **slot)
{
    for (size_t i = 0; i < ps->n; i++) {
        const pair_t *p = &ps->v[i];
        int id = key_id(p->name, keys, n);
        if (id < 0) {
            unknown_key(c, p, level, env, keys, n);
            continue;
        }
        if (slot[id]) {
            if (!p->merged) {
                buf_t sb = BUF_INIT;
                report(c, p->key, "duplicate key '%s' %s (first at line %d)", p->name,
                       scope_str(level, env, &sb), npos(slot[id]->key).line);
                buf_free(&sb);
            }
            continue;
        }
        slot[id] = p;
    }
}

/* ------------------------------------------------------------------------------------------ */
/* sections */

static void walk_index(ctx_t *c, manifest_t *m, yaml_node_t *v)
{
    buf_t b = BUF_INIT;
    if (v->type != YAML_MAPPING_NODE) {
        report(c, v, "'index' must be a mapping (url, extra-urls, find-links), not %s",
               describe(v, &b));
        buf_free(&b);
        return;
    }
    pairs_t ps = {0};
    collect(c, v, &ps, false, 0);
    const pair_t *slot[I_N] = {0};
    known_pairs(c, &ps, 1, NULL, index_keys, I_N, slot);
    const what_t w_url = {.key = "url", .index = true};
    const what_t w_extra = {.key = "extra-urls", .index = true};
    const what_t w_find = {.key = "find-links", .index = true};

    if (slot[I_URL]) {
        const char *s = get_string(c, slot[I_URL]->val, &w_url);
        if (s && !strstr(s, "://"))
            reportw(c, slot[I_URL]->val, &w_url, 0, " must be a URL like "
                                                    "https://pypi.org/simple, not '%s'", s);
        else if (s)
            m->index_url = xstrdup(s);
    }
    if (slot[I_EXTRA]) {
        size_t n;
        yaml_node_t **it = get_list(c, slot[I_EXTRA]->val, &w_extra, &n);
        if (it) {
            free(m->extra_urls);
            m->extra_urls = xcalloc(n + 1, sizeof(char *));
            size_t k = 0;
            for (size_t i = 0; i < n; i++) {
                if (!strstr(sval(it[i]), "://"))
                    reportw(c, it[i], &w_extra, i + 1, " must be a URL like "
                            "https://example.org/simple, not '%s'", sval(it[i]));
                else
                    m->extra_urls[k++] = xstrdup(sval(it[i]));
            }
            free(it);
        }
    }
    if (slot[I_FIND]) {
        size_t n;
        yaml_node_t **it = get_list(c, slot[I_FIND]->val, &w_find, &n);
        if (it) {
            free(m->find_links);
            m->find_links = xcalloc(n + 1, sizeof(char *));
            size_t k = 0;
            for (size_t i = 0; i < n; i++) {
                const char *s = sval(it[i]);
                if (strstr(s, "://")) {
                    m->find_links[k++] = xstrdup(s);
                } else {
                    char *p = resolve_path(c, it[i], s, &w_find);
                    if (p)
                        m->find_links[k++] = p;
                }
            }
            free(it);
        }
    }
    pairs_free(&ps);
    buf_free(&b);
}

static bool check_env_name(ctx_t *c, const yaml_node_t *k, const char *name)
{
    const char *why = NULL;
    if (!*name)
        why = "an environment name cannot be empty";
    else if (strchr(name, '/'))
        why = "cannot contain '/' (the name is a directory name)";
    else if (!strcmp(name, ".") || !strcmp(name, ".."))
        why = "is not usable as a directory name";
    else if (name[0] == '-')
        why = "cannot start with '-' (it would read as a command-line option)";
    else
        for (const char *s = name; *s; s++)
            if ((unsigned char)*s < 0x20 || *s == 0x7f) {
                why = "cannot contain control characters";
                break;
            }
    if (!why)
        return true;
    if (!*name)
        report(c, k, "%s", why);
    else
        report(c, k, "environment name '%s' %s", name, why);
    return false;
}

static void walk_env(ctx_t *c, mf_env_t *env, envx_t *x, yaml_node_t *v)
{
#define WHAT(k) (&(what_t){.key = (k), .env = env->name})
    env->exact = true;
    env->upgrade = UPGRADE_MINOR;

    const pair_t *slot[E_N] = {0};
    pairs_t ps = {0};
    if (v->type == YAML_MAPPING_NODE) {
        collect(c, v, &ps, false, 0);
        known_pairs(c, &ps, 2, env->name, env_keys, E_N, slot);
    } else if (!is_null(v)) {
        buf_t b = BUF_INIT;
        report(c, v, "environment '%s' must be a mapping of settings (path, python, packages, "
                     "...), not %s", env->name, describe(v, &b));
        buf_free(&b);
    }

    if (slot[E_PATH] && get_string(c, slot[E_PATH]->val, WHAT("path")))
        x->path_node = slot[E_PATH]->val;
    if (slot[E_PYTHON]) {
        x->own_python = true;
        env->python = get_request(c, slot[E_PYTHON]->val, WHAT("python"), &env->python_text);
    }
    if (slot[E_PROMPT]) {
        const char *s = get_string(c, slot[E_PROMPT]->val, WHAT("prompt"));
        if (s && !*s)
            reportw(c, slot[E_PROMPT]->val, WHAT("prompt"), 0, " is empty (leave it out to use "
                                                             "the environment's name)");
        else if (s && strchr(s, '\n'))
            reportw(c, slot[E_PROMPT]->val, WHAT("prompt"), 0, " must be a single line");
        else if (s)
            env->prompt = xstrdup(s);
    }
    if (!env->prompt)
        env->prompt = xstrdup(env->name);
    if (slot[E_SSP])
        get_bool(c, slot[E_SSP]->val, WHAT("system-site-packages"), &env->system_site_packages);
    if (slot[E_EXACT])
        get_bool(c, slot[E_EXACT]->val, WHAT("exact"), &env->exact);
    if (slot[E_COMPILE])
        get_bool(c, slot[E_COMPILE]->val, WHAT("compile"), &env->compile);
    if (slot[E_UPGRADE]) {
        static const char *const ups[] = {"minor", "exact"};
        int id = get_enum(c, slot[E_UPGRADE]->val, WHAT("upgrade"), ups, 2);
        if (id >= 0)
            env->upgrade = id == 0 ? UPGRADE_MINOR : UPGRADE_EXACT;
    }
    env->manages_packages = slot[E_PACKAGES] || slot[E_REQS];
    if (slot[E_PACKAGES]) {
        size_t n;
        yaml_node_t **it = get_list(c, slot[E_PACKAGES]->val, WHAT("packages"), &n);
        if (it) {
            env->packages = xcalloc(n ? n : 1, sizeof *env->packages);
            for (size_t i = 0; i < n; i++)
                env->packages[i] = (mf_item_t){xstrdup(sval(it[i])), npos(it[i])};
            env->npackages = n;
            free(it);
        }
    }
    if (slot[E_REQS]) {
        size_t n;
        yaml_node_t **it = get_list(c, slot[E_REQS]->val, WHAT("requirements"), &n);
        if (it) {
            env->requirements = xcalloc(n ? n : 1, sizeof *env->requirements);
            for (size_t i = 0; i < n; i++) {
                char *p = resolve_path(c, it[i], sval(it[i]), WHAT("requirements"));
                if (p)
                    env->requirements[env->nrequirements++] = (mf_item_t){p, npos(it[i])};
            }
            free(it);
        }
    }
    if (slot[E_COPY]) {
        const char *s = get_string(c, slot[E_COPY]->val, WHAT("copy-from"));
        if (s) {
            env->copy_from = xstrdup(s);
            x->copy_node = slot[E_COPY]->val;
        }
    }
#undef WHAT
    pairs_free(&ps);
}

/* Sorting helpers for names and paths. */
typedef struct ref {
    const char *s;
    size_t i;
} ref_t;

static int cmp_name(const void *a, const void *b)
{
    const ref_t *x = a, *y = b;
    int r = strcmp(x->s, y->s);
    return r ? r : (x->i < y->i ? -1 : x->i > y->i);
}

/* Byte order with '/' lowest, so that a path is directly followed by everything below it. */
static int cmp_path(const void *a, const void *b)
{
    const ref_t *x = a, *y = b;
    const unsigned char *p = (const unsigned char *)x->s, *q = (const unsigned char *)y->s;
    while (*p && *p == *q)
        p++, q++;
    if (*p != *q) {
        int cp = *p == '/' ? 1 : *p ? *p + 1 : 0;
        int cq = *q == '/' ? 1 : *q ? *q + 1 : 0;
        return cp - cq;
    }
    return x->i < y->i ? -1 : x->i > y->i;
}

static int find_env(const ref_t *sorted, size_t n, const char *name)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int r = strcmp(sorted[mid].s, name);
        if (r == 0)
            return (int)sorted[mid].i;
        if (r < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

static void check_copy_from(ctx_t *c, manifest_t *m, envx_t *xs, const ref_t *names)
{
    size_t n = m->nenvs;
    const char **plain = NULL;
    for (size_t i = 0; i < n; i++) {
        mf_env_t *e = &m->envs[i];
        xs[i].copy_target = -1;
        if (!e->copy_from || xs[i].bad_name)
            continue;
        int t = find_env(names, n, e->copy_from);
        if (t < 0) {
            if (!plain) {
                plain = xmalloc(n * sizeof *plain);
                for (size_t k = 0; k < n; k++)
                    plain[k] = m->envs[k].name;
            }
            const char *sug = suggest_closest(e->copy_from, plain, n);
            if (sug)
                report(c, xs[i].copy_node, "'copy-from' in environment '%s' names '%s', which "
                       "is not an environment in this manifest (did you mean '%s'?)", e->name,
                       e->copy_from, sug);
            else
                report(c, xs[i].copy_node, "'copy-from' in environment '%s' names '%s', which "
                       "is not an environment in this manifest", e->name, e->copy_from);
        } else if ((size_t)t == i) {
            report(c, xs[i].copy_node, "environment '%s' cannot copy from itself", e->name);
        } else {
            xs[i].copy_target = t;
        }
    }
    free(plain);

    /* Each environment has at most one copy-from: follow the chains, colouring as we go. */
    unsigned char *color = xcalloc(n ? n : 1, 1);   /* 0 new, 1 on the current walk, 2 done */
    size_t *stack = xmalloc((n ? n : 1) * sizeof *stack);
    for (size_t i = 0; i < n; i++) {
        size_t depth = 0;
        int j = (int)i;
        while (j >= 0 && color[j] == 0) {
            color[j] = 1;
            stack[depth++] = (size_t)j;
            j = xs[j].copy_target;
        }
        if (j >= 0 && color[j] == 1) {
            /* A cycle: stack from j's position to the top. Report at its first member. */
            size_t from = 0;
            while (stack[from] != (size_t)j)
                from++;
            size_t first = stack[from];
            for (size_t k = from; k < depth; k++)
                if (stack[k] < first)
                    first = stack[k];
            buf_t b = BUF_INIT;
            size_t k = first;
            do {
                buf_printf(&b, "%s -> ", m->envs[k].name);
                k = (size_t)xs[k].copy_target;
            } while (k != first);
            buf_adds(&b, m->envs[first].name);
            report(c, xs[first].copy_node, "'copy-from' makes a cycle: %s", buf_cstr(&b));
            buf_free(&b);
        }
        for (size_t k = 0; k < depth; k++)
            color[stack[k]] = 2;
    }
    free(color);
    free(stack);
}

static void check_paths(ctx_t *c, manifest_t *m, envx_t *xs)
{
    size_t n = m->nenvs;
    ref_t *refs = xmalloc((n ? n : 1) * sizeof *refs);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        mf_env_t *e = &m->envs[i];
        if (!e->path)
            continue;
        const yaml_node_t *at = xs[i].path_node ? xs[i].path_node : xs[i].key;
        if (strchr(e->path, ':')) {
            report(c, at, "the path of environment '%s' (%s) contains ':', which a virtual "
                          "environment's path cannot (it separates entries in PATH)", e->name,
                   e->path);
            continue;
        }
        if (path_is_within(m->dir, e->path)) {
            report(c, at, "the path of environment '%s' (%s) contains the manifest's own "
                          "directory; recreating it would delete the project", e->name, e->path);
            continue;
        }
        refs[k++] = (ref_t){e->path, i};
    }
    qsort(refs, k, sizeof *refs, cmp_path);
    /* Equal paths are adjacent; a path's descendants follow it directly. Keep a stack of the
     * paths that contain the current one. */
    size_t *open = xmalloc((k ? k : 1) * sizeof *open);
    size_t nopen = 0;
    for (size_t r = 0; r < k; r++) {
        const ref_t *cur = &refs[r];
        while (nopen && !path_is_within(cur->s, refs[open[nopen - 1]].s))
            nopen--;
        if (nopen) {
            const ref_t *outer = &refs[open[nopen - 1]];
            const mf_env_t *a = &m->envs[outer->i], *b = &m->envs[cur->i];
            const yaml_node_t *at = xs[cur->i].path_node ? xs[cur->i].path_node : xs[cur->i].key;
            if (strcmp(outer->s, cur->s) == 0)
                report(c, at, "environment '%s' has the same path as environment '%s' (%s)",
                       b->name, a->name, b->path);
            else
                report(c, at, "environment '%s' (%s) lies inside environment '%s' (%s)", b->name,
                       b->path, a->name, a->path);
            continue;     /* don't make it an outer path itself: report against the first */
        }
        open[nopen++] = r;
    }
    free(open);
    free(refs);
}

static pyreq_t *request_dup(const pyreq_t *r)
{
    pyreq_t *d = NULL;
    char *why = NULL;
    if (!pyreq_parse(r->text, &d, &why)) {   /* cannot happen: r was parsed from this text */
        free(why);
        return NULL;
    }
    if (d->kind == PYREQ_PATH) {
        free(d->path);
        d->path = xstrdup(r->path);          /* already expanded and absolute */
    }
    return d;
}

/* An environment without its own `python` takes its copy-from source's request (following the
 * chain), else the top-level one: a copy runs on the interpreter it was copied from. */
static void inherit_python(manifest_t *m, envx_t *xs)
{
    size_t n = m->nenvs;
    /* src[i]: the environment whose own request i uses, -1 for the top level, -2 not known
     * yet, -3 on the current walk. Each chain is walked once; everything on it gets the
     * answer. */
    int *src = xmalloc((n ? n : 1) * sizeof *src);
    size_t *walk = xmalloc((n ? n : 1) * sizeof *walk);
    for (size_t i = 0; i < n; i++)
        src[i] = xs[i].own_python ? (int)i : -2;
    for (size_t i = 0; i < n; i++) {
        size_t depth = 0;
        int j = (int)i;
        while (j >= 0 && src[j] == -2) {
            src[j] = -3;                       /* on this walk: meeting it again is a cycle */
            walk[depth++] = (size_t)j;
            j = xs[j].copy_target;
        }
        int answer = j < 0 || src[j] == -3 ? -1 : src[j];
        for (size_t k = 0; k < depth; k++)
            src[walk[k]] = answer;
    }
    for (size_t i = 0; i < n; i++) {
        if (xs[i].own_python)
            continue;
        const pyreq_t *r = src[i] >= 0 ? m->envs[src[i]].python : m->python;
        const char *text = src[i] >= 0 ? m->envs[src[i]].python_text : m->python_text;
        if (r) {
            m->envs[i].python = request_dup(r);
            m->envs[i].python_text = xstrdup(text);
        }
    }
    free(walk);
    free(src);
}

static void walk_envs(ctx_t *c, manifest_t *m, yaml_node_t *v)
{
    buf_t b = BUF_INIT;
    if (v->type != YAML_MAPPING_NODE) {
        if (is_null(v))
            report(c, v, "'environments' is empty: list at least one environment under it, or "
                         "write 'environments: {}'");
        else
            report(c, v, "'environments' must be a mapping of environment names to settings, "
                         "not %s", describe(v, &b));
        buf_free(&b);
        return;
    }
    pairs_t ps = {0};
    collect(c, v, &ps, false, 0);

    /* Names: sort once to find duplicates (and, later, copy-from targets). */
    ref_t *names = xmalloc((ps.n ? ps.n : 1) * sizeof *names);
    for (size_t i = 0; i < ps.n; i++)
        names[i] = (ref_t){ps.v[i].name, i};
    qsort(names, ps.n, sizeof *names, cmp_name);
    bool *drop = xcalloc(ps.n ? ps.n : 1, sizeof *drop);
    size_t run = 0;   /* start of the current run of equal names: its first is kept */
    for (size_t i = 1; i < ps.n; i++) {
        if (strcmp(names[i].s, names[run].s) != 0) {
            run = i;
            continue;
        }
        const pair_t *p = &ps.v[names[i].i];
        drop[names[i].i] = true;
        if (!p->merged)
            report(c, p->key, "duplicate environment '%s' (first defined at line %d)", p->name,
                   npos(ps.v[names[run].i].key).line);
    }
    free(names);

    m->envs = xcalloc(ps.n ? ps.n : 1, sizeof *m->envs);
    envx_t *xs = xcalloc(ps.n ? ps.n : 1, sizeof *xs);
    for (size_t i = 0; i < ps.n; i++) {
        if (drop[i])
            continue;
        const pair_t *p = &ps.v[i];
        size_t k = m->nenvs++;
        mf_env_t *env = &m->envs[k];
        env->name = xstrdup(p->name);
        env->pos = npos(p->key);
        xs[k].key = p->key;
        xs[k].bad_name = !check_env_name(c, p->key, p->name);
        walk_env(c, env, &xs[k], p->val);
        /* The path: as written, else <root>/<name>. */
        if (xs[k].path_node) {
            env->path = resolve_path(c, xs[k].path_node, sval(xs[k].path_node),
                                     &(what_t){.key = "path", .env = env->name});
        } else if (!xs[k].bad_name && m->root) {
            env->path = path_join(m->root, env->name);
        }
    }
    free(drop);

    ref_t *sorted = xmalloc((m->nenvs ? m->nenvs : 1) * sizeof *sorted);
    for (size_t i = 0; i < m->nenvs; i++)
        sorted[i] = (ref_t){m->envs[i].name, i};
    qsort(sorted, m->nenvs, sizeof *sorted, cmp_name);
    check_copy_from(c, m, xs, sorted);
    inherit_python(m, xs);
    check_paths(c, m, xs);
    free(sorted);
    free(xs);
    pairs_free(&ps);
    buf_free(&b);
}

static void walk_top(ctx_t *c, manifest_t *m, yaml_node_t *root)
{
    pairs_t ps = {0};
    collect(c, root, &ps, false, 0);
    const pair_t *slot[T_N] = {0};
    /* The version first: a newer format's keys are not ours to judge. */
    for (size_t i = 0; i < ps.n; i++) {
        if (strcmp(ps.v[i].name, "version") != 0)
            continue;
        yaml_node_t *v = ps.v[i].val;
        const char *s = v->type == YAML_SCALAR_NODE ? sval(v) : "";
        bool digits = is_plain(v) && *s && strspn(s, "0123456789") == strlen(s);
        if (digits && strcmp(s, "1") != 0 && strlen(s) < 10) {
            drop_problems(c);       /* a newer format's keys are not ours to judge */
            report(c, v, "unsupported manifest version %s: this venvsync reads version 1 "
                         "(upgrade venvsync to read it)", s);
            pairs_free(&ps);
            return;
        }
        break;
    }
    known_pairs(c, &ps, 0, NULL, top_keys, T_N, slot);

    buf_t b = BUF_INIT;
    if (!slot[T_VERSION]) {
        report(c, root, "missing 'version: 1' (the manifest format version) at the top level");
    } else {
        yaml_node_t *v = slot[T_VERSION]->val;
        if (is_plain(v) && strcmp(sval(v), "1") == 0)
            m->version = 1;
        else if (v->type == YAML_SCALAR_NODE && !is_plain(v))
            report(c, v, "'version' must be the number 1 (unquoted), not the string %s",
                   describe(v, &b));
        else
            report(c, v, "'version' must be 1, not %s", describe(v, &b));
    }
    if (slot[T_PYTHON])
        m->python = get_request(c, slot[T_PYTHON]->val, &(what_t){.key = "python"},
                                &m->python_text);
    if (slot[T_ROOT]) {
        const char *s = get_string(c, slot[T_ROOT]->val, &(what_t){.key = "root"});
        if (s)
            m->root = resolve_path(c, slot[T_ROOT]->val, s, &(what_t){.key = "root"});
    } else {
        m->root = path_join(m->dir, ".venvs");
    }
    if (slot[T_DOWNLOADS]) {
        static const char *const vals[] = {"automatic", "manual", "never"};
        int id = get_enum(c, slot[T_DOWNLOADS]->val, &(what_t){.key = "python-downloads"}, vals, 3);
        m->python_downloads = id == 0 ? DOWNLOADS_AUTOMATIC : id == 2 ? DOWNLOADS_NEVER
                                                                      : DOWNLOADS_MANUAL;
    }
    if (slot[T_INDEX])
        walk_index(c, m, slot[T_INDEX]->val);
    if (slot[T_ENVS])
        walk_envs(c, m, slot[T_ENVS]->val);
    if (!m->envs)
        m->envs = xcalloc(1, sizeof *m->envs);
    buf_free(&b);
    pairs_free(&ps);
}

/* ------------------------------------------------------------------------------------------ */
/* entry points */

static void yaml_problem(ctx_t *c, const yaml_parser_t *p)
{
    if (p->error == YAML_MEMORY_ERROR) {
        report_at(c, (mf_pos_t){0, 0}, "out of memory while reading YAML");
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
        report_at(c, pos, "not valid text: %s (the manifest must be UTF-8)",
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
    report_at(c, pos, "%s", buf_cstr(&b));
    buf_free(&b);
}

err_t *manifest_parse(const char *text, size_t len, const char *path, const env_lookup_t *env,
                      manifest_t **out)
{
    *out = NULL;
    manifest_t *m = xcalloc(1, sizeof *m);
    m->file = path_absolute(NULL, path);
    m->dir = path_dirname(m->file);
    m->python_downloads = DOWNLOADS_MANUAL;
    m->extra_urls = xcalloc(1, sizeof(char *));
    m->find_links = xcalloc(1, sizeof(char *));

    ctx_t c = {.text = text, .len = len, .dir = m->dir, .env = env};
    yaml_parser_t parser;
    yaml_document_t doc;
    bool have_doc = false;
    if (!yaml_parser_initialize(&parser)) {
        manifest_free(m);
        return err_new(EXIT_USAGE, "%s: cannot initialise the YAML parser", path);
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (!yaml_parser_load(&parser, &doc)) {
        yaml_problem(&c, &parser);
    } else {
        have_doc = true;
        c.doc = &doc;
        yaml_node_t *root = yaml_document_get_root_node(&doc);
        if (!root) {
            report_at(&c, (mf_pos_t){1, 1}, "the manifest is empty; it needs at least "
                                            "'version: 1' and 'environments:'");
        } else {
            yaml_document_t more;
            if (!yaml_parser_load(&parser, &more)) {
                yaml_problem(&c, &parser);
            } else {
                yaml_node_t *r2 = yaml_document_get_root_node(&more);
                if (r2)
                    report_at(&c, (mf_pos_t){(int)more.start_mark.line + 1,
                                             (int)more.start_mark.column + 1},
                              "a manifest is a single YAML document; remove the second one");
                yaml_document_delete(&more);
            }
            if (root->type != YAML_MAPPING_NODE) {
                buf_t b = BUF_INIT;
                report(&c, root, "the manifest must be a mapping of keys (version, python, "
                                 "environments, ...), not %s", describe(root, &b));
                buf_free(&b);
            } else {
                walk_top(&c, m, root);
            }
        }
    }
    if (have_doc)
        yaml_document_delete(&doc);
    yaml_parser_delete(&parser);

    err_t *e = problems_to_err(&c, path);
    if (e) {
        manifest_free(m);
        return e;
    }
    *out = m;
    return NULL;
}

err_t *manifest_load(const char *path, const env_lookup_t *env, manifest_t **out)
{
    *out = NULL;
    buf_t b = BUF_INIT;
    err_t *e = fs_read(path, &b);
    if (e) {
        buf_free(&b);
        return err_code(e, EXIT_USAGE);
    }
    e = manifest_parse(buf_cstr(&b), b.len, path, env, out);
    buf_free(&b);
    return e;
}

void manifest_free(manifest_t *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->nenvs; i++) {
        mf_env_t *e = &m->envs[i];
        free(e->name);
        free(e->path);
        pyreq_free(e->python);
        free(e->python_text);
        free(e->prompt);
        for (size_t k = 0; k < e->npackages; k++)
            free(e->packages[k].value);
        free(e->packages);
        for (size_t k = 0; k < e->nrequirements; k++)
            free(e->requirements[k].value);
        free(e->requirements);
        free(e->copy_from);
    }
    free(m->envs);
    pyreq_free(m->python);
    free(m->python_text);
    free(m->root);
    free(m->index_url);
    strv_free(m->extra_urls);
    strv_free(m->find_links);
    free(m->file);
    free(m->dir);
    free(m);
}

err_t *manifest_find(const char *start_dir, char **out)
{
    *out = NULL;
    char *dir = path_absolute(NULL, start_dir);
    for (;;) {
        char *cand = path_join(dir, "venv.yaml");
        struct stat st;
        if (stat(cand, &st) == 0 && S_ISREG(st.st_mode)) {
            free(dir);
            *out = cand;
            return NULL;
        }
        free(cand);
        if (strcmp(dir, "/") == 0)
            break;
        char *up = path_dirname(dir);
        free(dir);
        dir = up;
    }
    free(dir);
    char *shown = path_absolute(NULL, start_dir);
    err_t *e = err_new(EXIT_USAGE, "no venv.yaml in %s or any directory above it", shown);
    free(shown);
    return err_hint(e, "run `venvsync init` to write one, or name it with -f FILE");
}

const mf_env_t *manifest_env(const manifest_t *m, const char *name)
{
    for (size_t i = 0; i < m->nenvs; i++)
        if (strcmp(m->envs[i].name, name) == 0)
            return &m->envs[i];
    return NULL;
}
