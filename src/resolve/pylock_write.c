/* pylock_write: the deterministic PEP 751 writer (see pylock.h, pylock_write()). */
#include <stdlib.h>
#include <string.h>

#include "pkg/version.h"
#include "resolve/pylock.h"
#include "resolve/pylock_internal.h"
#include "util/strv.h"
#include "util/toml.h"
#include "util/xalloc.h"

typedef struct wr {
    err_t *err;             /* the first problem the builder cannot express */
} wr_t;

static void add_str(toml_value_t *t, const char *key, const char *s)
{
    if (s)
        toml_add_str(t, key, s);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* key = [...] of the strings in v, sorted when asked; written even when empty if `always`. */
static void add_list(toml_value_t *t, const char *key, char *const *v, bool sort, bool always,
                     bool multiline)
{
    size_t n = strv_len(v);
    if (n == 0 && !always)
        return;
    const char **tmp = xmalloc((n + 1) * sizeof(*tmp));
    for (size_t i = 0; i < n; i++)
        tmp[i] = v[i];
    if (sort && n > 1)
        qsort(tmp, n, sizeof(*tmp), cmp_str);
    toml_value_t *a = toml_add_array(t, key);
    for (size_t i = 0; i < n; i++)
        toml_add_str(a, NULL, tmp[i]);
    if (multiline && n > 0)
        toml_set_multiline(a, true);
    free(tmp);
}

static int cmp_hash(const void *a, const void *b)
{
    const pylock_hash_t *x = *(const pylock_hash_t *const *)a;
    const pylock_hash_t *y = *(const pylock_hash_t *const *)b;
    return strcmp(x->algo ? x->algo : "", y->algo ? y->algo : "");
}

static void add_hashes(wr_t *w, toml_value_t *t, const pylock_file_t *f)
{
    if (f->nhashes == 0)
        return;     /* the read-back says what is missing */
    const pylock_hash_t **h = xmalloc(f->nhashes * sizeof(*h));
    for (size_t i = 0; i < f->nhashes; i++)
        h[i] = &f->hashes[i];
    qsort(h, f->nhashes, sizeof(*h), cmp_hash);
    toml_value_t *ht = toml_add_inline(t, "hashes");
    for (size_t i = 0; i < f->nhashes; i++) {
        if (!h[i]->algo || !h[i]->hex || toml_get(ht, h[i]->algo)) {
            if (!w->err)
                w->err = err_new(EXIT_USAGE, "a file's hashes hold %s",
                                 h[i]->algo && h[i]->hex ? "an algorithm twice" : "a NULL");
            continue;
        }
        toml_add_str(ht, h[i]->algo, h[i]->hex);
    }
    free(h);
}

static void add_datetime(wr_t *w, toml_value_t *t, const char *key, const char *text)
{
    if (!text)
        return;
    if (!toml_add_datetime(t, key, text) && !w->err)
        w->err = err_new(EXIT_USAGE, "'%s' is not a TOML date-time", text);
}

/* A file as an inline table in the specification's key order. */
static void add_file(wr_t *w, toml_value_t *t, const pylock_file_t *f, bool with_name,
                     const char *subdirectory)
{
    if (with_name && f->name) {
        pylock_file_t g = *f;
        g.name = NULL;
        char *dflt = pylock_file_name(&g);
        if (!dflt || strcmp(dflt, f->name) != 0)
            toml_add_str(t, "name", f->name);
        free(dflt);
    }
    add_datetime(w, t, "upload-time", f->upload_time);
    add_str(t, "url", f->url);
    add_str(t, "path", f->path);
    if (f->size >= 0)
        toml_add_int(t, "size", f->size);
    add_hashes(w, t, f);
    add_str(t, "subdirectory", subdirectory);
}

typedef struct wheel_ref {
    const pylock_file_t *f;
    char *name;
    size_t idx;
} wheel_ref_t;

static int cmp_wheel(const void *a, const void *b)
{
    const wheel_ref_t *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : (x->idx > y->idx) - (x->idx < y->idx);
}

static void add_package(wr_t *w, toml_value_t *arr, const pylock_package_t *p)
{
    toml_value_t *t = toml_add_table(arr, NULL);
    add_str(t, "name", p->name);
    add_str(t, "version", p->version);
    add_str(t, "marker", p->marker);
    add_str(t, "requires-python", p->requires_python);
    if (p->ndeps) {
        toml_value_t *a = toml_add_array(t, "dependencies");
        for (size_t i = 0; i < p->ndeps; i++) {
            toml_value_t *d = toml_add_inline(a, NULL);
            add_str(d, "name", p->deps[i].name);
            add_str(d, "version", p->deps[i].version);
        }
        toml_set_multiline(a, true);
    }
    switch (p->source) {
    case PYLOCK_VCS: {
        toml_value_t *v = toml_add_inline(t, "vcs");
        add_str(v, "type", p->vcs.type);
        add_str(v, "url", p->vcs.url);
        add_str(v, "path", p->vcs.path);
        add_str(v, "requested-revision", p->vcs.requested_revision);
        add_str(v, "commit-id", p->vcs.commit_id);
        add_str(v, "subdirectory", p->vcs.subdirectory);
        break;
    }
    case PYLOCK_DIRECTORY: {
        toml_value_t *v = toml_add_inline(t, "directory");
        add_str(v, "path", p->directory.path);
        if (p->directory.editable)
            toml_add_bool(v, "editable", true);
        add_str(v, "subdirectory", p->directory.subdirectory);
        break;
    }
    case PYLOCK_ARCHIVE:
        add_file(w, toml_add_inline(t, "archive"), &p->archive.file, false,
                 p->archive.subdirectory);
        break;
    case PYLOCK_DIST:
        break;
    }
    add_str(t, "index", p->index);
    if (p->source == PYLOCK_DIST) {
        if (p->sdist)
            add_file(w, toml_add_inline(t, "sdist"), p->sdist, true, NULL);
        if (p->nwheels) {
            wheel_ref_t *refs = xmalloc(p->nwheels * sizeof(*refs));
            for (size_t i = 0; i < p->nwheels; i++) {
                refs[i].f = &p->wheels[i];
                refs[i].name = pylock_file_name(&p->wheels[i]);
                if (!refs[i].name)
                    refs[i].name = xstrdup("");
                refs[i].idx = i;
            }
            qsort(refs, p->nwheels, sizeof(*refs), cmp_wheel);
            toml_value_t *a = toml_add_array(t, "wheels");
            for (size_t i = 0; i < p->nwheels; i++) {
                add_file(w, toml_add_inline(a, NULL), refs[i].f, true, NULL);
                free(refs[i].name);
            }
            toml_set_multiline(a, true);
            free(refs);
        }
    }
    if (p->nattestations) {
        toml_value_t *a = toml_add_array(t, "attestation-identities");
        for (size_t i = 0; i < p->nattestations; i++) {
            const pylock_attestation_t *at = &p->attestations[i];
            toml_value_t *x = toml_add_inline(a, NULL);
            add_str(x, "kind", at->kind);
            for (size_t j = 0; j < at->nkeys; j++) {
                if (!at->keys[j].key || !at->keys[j].value || toml_get(x, at->keys[j].key)) {
                    if (!w->err)
                        w->err = err_new(EXIT_USAGE, "attestation identity of %s: a key is "
                                                     "NULL or repeated", p->name);
                    continue;
                }
                toml_add_str(x, at->keys[j].key, at->keys[j].value);
            }
        }
        toml_set_multiline(a, true);
    }
}

/* Package order: name, version (PEP 440, absent first), marker (absent first), then the model's
 * order. */
typedef struct pkg_ref {
    const pylock_package_t *p;
    version_t v;
    bool has_v;
    size_t idx;
} pkg_ref_t;

static int cmp_opt(const char *a, const char *b)
{
    if (!a || !b)
        return (a != NULL) - (b != NULL);
    return strcmp(a, b);
}

static int cmp_pkg(const void *a, const void *b)
{
    const pkg_ref_t *x = a, *y = b;
    int c = cmp_opt(x->p->name, y->p->name);
    if (c)
        return c;
    if (x->has_v && y->has_v && (c = version_cmp(&x->v, &y->v)))
        return c;
    if ((c = cmp_opt(x->p->version, y->p->version)))
        return c;
    if ((c = cmp_opt(x->p->marker, y->p->marker)))
        return c;
    return (x->idx > y->idx) - (x->idx < y->idx);
}

static int cmp_kv(const void *a, const void *b)
{
    const pylock_kv_t *x = *(const pylock_kv_t *const *)a, *y = *(const pylock_kv_t *const *)b;
    return cmp_opt(x->key, y->key);
}

static void add_tool(wr_t *w, toml_value_t *root, const pylock_t *l)
{
    if (!l->inputs && !l->fork_markers && !l->requested && !l->ntool)
        return;
    toml_value_t *t = toml_add_table(toml_add_table(root, "tool"), "venvsync");
    add_str(t, "inputs", l->inputs);
    add_list(t, "fork-markers", l->fork_markers, false, false, true);
    add_list(t, "requested", l->requested, true, false, true);
    const pylock_kv_t **kv = xmalloc((l->ntool + 1) * sizeof(*kv));
    for (size_t i = 0; i < l->ntool; i++)
        kv[i] = &l->tool[i];
    qsort(kv, l->ntool, sizeof(*kv), cmp_kv);
    for (size_t i = 0; i < l->ntool; i++) {
        const char *k = kv[i]->key;
        if (!k || !kv[i]->value || !strcmp(k, "inputs") || !strcmp(k, "fork-markers") ||
            !strcmp(k, "requested") || toml_get(t, k)) {
            if (!w->err)
                w->err = err_new(EXIT_USAGE, "[tool.venvsync] key '%s' is NULL, repeated or "
                                             "reserved", kv[i]->key ? kv[i]->key : "(null)");
            continue;
        }
        toml_add_str(t, kv[i]->key, kv[i]->value);
    }
    free(kv);
}

err_t *pylock_write(const pylock_t *l, buf_t *out)
{
    wr_t w = {0};
    toml_doc_t *d = toml_doc_new();
    toml_value_t *root = toml_build_root(d);
    add_str(root, "lock-version", l->lock_version);
    add_list(root, "environments", l->environments, false, false, false);
    add_str(root, "requires-python", l->requires_python);
    add_list(root, "extras", l->extras, true, true, false);
    add_list(root, "dependency-groups", l->dependency_groups, true, true, false);
    add_list(root, "default-groups", l->default_groups, true, false, false);
    add_str(root, "created-by", l->created_by);

    pkg_ref_t *refs = xcalloc(l->npackages + 1, sizeof(*refs));
    for (size_t i = 0; i < l->npackages; i++) {
        refs[i].p = &l->packages[i];
        refs[i].idx = i;
        refs[i].has_v = l->packages[i].version && version_parse(l->packages[i].version,
                                                                &refs[i].v);
    }
    qsort(refs, l->npackages, sizeof(*refs), cmp_pkg);
    toml_value_t *pk = toml_add_table_array(root, "packages");
    for (size_t i = 0; i < l->npackages; i++) {
        add_package(&w, pk, refs[i].p);
        if (refs[i].has_v)
            version_free(&refs[i].v);
    }
    free(refs);
    add_tool(&w, root, l);

    buf_t text = BUF_INIT;
    err_t *e = w.err;
    if (!e)
        e = toml_write(d, &text);
    toml_doc_free(d);
    if (!e) {
        /* What is written must read: the reader is the one place the rules live. */
        pylock_t *back = NULL;
        e = pylock_read(buf_cstr(&text), text.len, "pylock.toml (as written)", &back, NULL);
        pylock_free(back);
    }
    if (e) {
        buf_free(&text);
        return err_ctx(e, "cannot write the lock");
    }
    buf_add(out, buf_cstr(&text), text.len);
    buf_free(&text);
    return NULL;
}
