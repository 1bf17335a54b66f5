/* pylock_read: the strict PEP 751 reader (see pylock.h, pylock_read()). */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/name.h"
#include "pkg/version.h"
#include "pkg/wheelname.h"
#include "resolve/pylock.h"
#include "resolve/pylock_internal.h"
#include "util/buf.h"
#include "util/strv.h"
#include "util/suggest.h"
#include "util/toml.h"
#include "util/xalloc.h"

#define LOCK_MAX_DEPTH 32   /* a lock nests 6 deep; tool tables may nest, not without end */

typedef struct rd {
    const toml_doc_t *d;
    const toml_value_t *root;
    bool newer;             /* lock-version is 1.x, x > 0: unknown keys warn */
    const char *version;    /* lock-version as written */
    char **warnings;
    size_t nwarnings, warnings_cap;
} rd_t;

/* Where a message is, built as the reader descends and rendered only when a message is made
 * (a lock that reads has none): "packages[3] 'numpy': wheels[0]: hashes.sha256". A level with
 * `up` renders as "UP: LEVEL"; max (when not 0) truncates the whole text to max - 1 bytes, as
 * the fixed buffers of earlier versions did. */
typedef enum { CX_TEXT, CX_INDEX, CX_PKG, CX_HASH } cx_kind_t;
typedef struct cx {
    const struct cx *up;
    cx_kind_t kind;
    const char *text;    /* CX_TEXT: the text; CX_INDEX: the label before "[i]"; CX_PKG: the
                          * package's name; CX_HASH: the algorithm */
    size_t idx;          /* CX_INDEX, CX_PKG */
    size_t max;
} cx_t;

static void cx_render(const cx_t *c, buf_t *b)
{
    size_t start = b->len;
    if (c->up) {
        cx_render(c->up, b);
        buf_adds(b, ": ");
    }
    switch (c->kind) {
    case CX_TEXT: buf_adds(b, c->text); break;
    case CX_INDEX: buf_printf(b, "%s[%zu]", c->text, c->idx); break;
    case CX_PKG: buf_printf(b, "packages[%zu] '%s'", c->idx, c->text); break;
    case CX_HASH: buf_printf(b, "hashes.%.40s", c->text); break;
    }
    if (c->max && b->len - start > c->max - 1)
        buf_setlen(b, start + c->max - 1);
}

/* "CTX: <message>" at v (or at the document when v is NULL). */
static err_t *bad(const rd_t *r, const toml_value_t *v, const cx_t *ctx, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static err_t *bad(const rd_t *r, const toml_value_t *v, const cx_t *ctx, const char *fmt, ...)
{
    buf_t b = BUF_INIT;
    if (ctx) {
        cx_render(ctx, &b);
        buf_adds(&b, ": ");
    }
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    err_t *e = toml_err(r->d, v, "%s", buf_cstr(&b));
    buf_free(&b);
    return e;
}

static void warn(rd_t *r, const toml_value_t *v, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void warn(rd_t *r, const toml_value_t *v, const char *fmt, ...)
{
    buf_t b = BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    err_t *e = toml_err(r->d, v, "%s", buf_cstr(&b));
    strv_push(&r->warnings, &r->nwarnings, &r->warnings_cap, xstrdup(e->msg));
    err_free(e);
    buf_free(&b);
}

/* Whether the key k[0..kl) (which may hold a NUL) is the string a. */
static bool key_is(const char *a, const char *k, size_t kl)
{
    size_t j = 0;
    while (j < kl && a[j] && a[j] == k[j])
        j++;
    return j == kl && !a[j];
}

/* Keys of table t must be in `allowed` (NULL-terminated): an error for lock-version 1.0, a
 * warning for a newer minor. */
static err_t *check_keys_found(rd_t *r, const toml_value_t *t, const char *const *allowed,
                               const cx_t *ctx, const toml_value_t **found);

static err_t *check_keys(rd_t *r, const toml_value_t *t, const char *const *allowed,
                         const cx_t *ctx)
{
    return check_keys_found(r, t, allowed, ctx, NULL);
}

/* The same; found (when not NULL, one slot per allowed key, NULL-initialized) gets the value of
 * each allowed key present, as toml_get would find it. */
static err_t *check_keys_found(rd_t *r, const toml_value_t *t, const char *const *allowed,
                               const cx_t *ctx, const toml_value_t **found)
{
    for (size_t i = 0; i < toml_len(t); i++) {
        const char *k;
        size_t kl;
        const toml_value_t *v = toml_entry(t, i, &k, &kl);
        size_t n = 0;
        bool known = false;
        for (; allowed[n] && !known; n++)
            known = key_is(allowed[n], k, kl);
        if (known) {
            if (found)
                found[n - 1] = v;
            continue;
        }
        buf_t m = BUF_INIT;
        if (strlen(k) == kl)
            buf_printf(&m, "unknown key '%s'", k);
        else {
            buf_adds(&m, "unknown key ");
            toml_write_key(&m, k, kl);
        }
        const char *near = strlen(k) == kl ? suggest_closest(k, allowed, n) : NULL;
        if (near)
            buf_printf(&m, " (did you mean '%s'?)", near);
        if (!r->newer) {
            err_t *e = bad(r, v, ctx, "%s", buf_cstr(&m));
            buf_free(&m);
            return e;
        }
        if (ctx) {
            buf_t c = BUF_INIT;
            cx_render(ctx, &c);
            warn(r, v, "%s: %s: ignored (lock-version %s is newer than venvsync knows)",
                 buf_cstr(&c), buf_cstr(&m), r->version);
            buf_free(&c);
        }
        else
            warn(r, v, "%s: ignored (lock-version %s is newer than venvsync knows)",
                 buf_cstr(&m), r->version);
        buf_free(&m);
    }
    return NULL;
}

static const char *a_or_an(const toml_value_t *v)
{
    return strchr("aeiou", toml_type_name(v)[0]) ? "an" : "a";
}

static err_t *type_err(const rd_t *r, const toml_value_t *v, const cx_t *ctx, const char *key,
                       const char *want)
{
    if (key)
        return bad(r, v, ctx, "'%s' must be %s, not %s %s", key, want, a_or_an(v),
                   toml_type_name(v));
    return bad(r, v, ctx, "expected %s, not %s %s", want, a_or_an(v), toml_type_name(v));
}

/* The string value v: a string, not empty, without a NUL inside. */
static err_t *str_val(const rd_t *r, const toml_value_t *v, const cx_t *ctx, const char *key,
                      const char **out)
{
    *out = NULL;
    if (!toml_is(v, TOML_STRING))
        return type_err(r, v, ctx, key, "a string");
    size_t n;
    const char *s = toml_str(v, &n);
    if (strlen(s) != n)
        return key ? bad(r, v, ctx, "'%s' holds a NUL character", key)
                   : bad(r, v, ctx, "a string holds a NUL character");
    if (n == 0)
        return key ? bad(r, v, ctx, "'%s' is empty", key) : bad(r, v, ctx, "empty string");
    *out = s;
    return NULL;
}

/* The string v, found under key in table t (NULL: absent): *out NULL when absent; an error when
 * required and absent. */
static err_t *get_str_at(const rd_t *r, const toml_value_t *t, const toml_value_t *v,
                         const char *key, const cx_t *ctx, bool required, const char **out)
{
    *out = NULL;
    if (!v)    /* (a missing top-level key has no position: the root's would be 1:1) */
        return required ? bad(r, t == r->root ? NULL : t, ctx, "missing required key '%s'", key)
                        : NULL;
    return str_val(r, v, ctx, key, out);
}

/* The string under key in table t (see get_str_at). */
static err_t *get_str(const rd_t *r, const toml_value_t *t, const char *key, const cx_t *ctx,
                      bool required, const char **out)
{
    return get_str_at(r, t, toml_get(t, key), key, ctx, required, out);
}

static err_t *get_dup_at(const rd_t *r, const toml_value_t *t, const toml_value_t *v,
                         const char *key, const cx_t *ctx, bool required, char **out)
{
    const char *s;
    err_t *e = get_str_at(r, t, v, key, ctx, required, &s);
    *out = xstrdup(s);
    return e;
}

static err_t *get_dup(const rd_t *r, const toml_value_t *t, const char *key, const cx_t *ctx,
                      bool required, char **out)
{
    const char *s;
    err_t *e = get_str(r, t, key, ctx, required, &s);
    *out = xstrdup(s);
    return e;
}

typedef enum { NAMES_NORMALIZED, NAMES_VALID, NAMES_MARKERS, NAMES_LOCK_MARKERS } strlist_t;

/* An array of strings under key (label: its name in messages): each checked as `kind` says;
 * names unique (normalized). */
static err_t *get_strlist(const rd_t *r, const toml_value_t *t, const char *key,
                          const char *label, strlist_t kind, char ***out)
{
    *out = NULL;
    const toml_value_t *a = toml_get(t, key);
    if (!a)
        return NULL;
    if (!toml_is(a, TOML_ARRAY))
        return type_err(r, a, NULL, label, "an array of strings");
    char **list = NULL, **owned = NULL; /* owned: the normalized keys made */
    const char **keys = NULL;           /* each name's normalized form (borrowed or owned) */
    uint32_t *khash = NULL;             /* of each key: strcmp only when they match */
    size_t n = 0, cap = 0, nk = 0, kcap = 0, hcap = 0, no = 0, ocap = 0;
    err_t *e = NULL;
    for (size_t i = 0; i < toml_len(a) && !e; i++) {
        const toml_value_t *v = toml_at(a, i);
        const cx_t item = {.kind = CX_INDEX, .text = label, .idx = i, .max = 96}, *ctx = &item;
        const char *s;
        if ((e = str_val(r, v, ctx, NULL, &s)))
            break;
        if (kind == NAMES_MARKERS || kind == NAMES_LOCK_MARKERS) {
            marker_t *m;
            if ((e = pylock_marker_parse(s, kind == NAMES_LOCK_MARKERS, &m))) {
                err_t *x = bad(r, v, ctx, "%s", e->msg);
                err_free(e);
                e = x;
                break;
            }
            marker_free(m);
        } else {
            if (!pkg_name_valid(s)) {
                e = bad(r, v, ctx, "'%s' is not a valid name", s);
                break;
            }
            /* a valid name is normalized exactly when it is its own normal form */
            char *norm = pkg_name_is_normalized(s) ? NULL : pkg_name_normalize(s);
            const char *k = norm ? norm : s;
            if (kind == NAMES_NORMALIZED && norm)
                e = bad(r, v, ctx, "'%s' is not normalized (write '%s')", s, norm);
            uint32_t h = 2166136261u;
            for (const char *q = k; *q; q++)
                h = (h ^ (unsigned char)*q) * 16777619u;
            for (size_t j = 0; j < nk && !e; j++)
                if (khash[j] == h && strcmp(keys[j], k) == 0)
                    e = bad(r, v, ctx, "'%s' is listed twice in '%s'", s, label);
            if (e) {
                free(norm);
                break;
            }
            if (norm)
                strv_push(&owned, &no, &ocap, norm);
            XGROW(khash, hcap, nk + 1);
            XGROW(keys, kcap, nk + 1);
            khash[nk] = h;
            keys[nk++] = k; /* s lives in the document, norm in owned */
        }
        strv_push(&list, &n, &cap, xstrdup(s));
    }
    free(keys);
    strv_free(owned);
    free(khash);
    if (e) {
        strv_free(list);
        return e;
    }
    *out = list;
    return NULL;
}

static bool is_lower_hex(const char *s, size_t n)
{
    if (strlen(s) != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

/* The file table t's hashes, h (NULL: absent). */
static err_t *read_hashes(const rd_t *r, const toml_value_t *t, const toml_value_t *h,
                          const cx_t *ctx, pylock_file_t *f)
{
    if (!h)
        return bad(r, t, ctx, "missing required key 'hashes'");
    if (!toml_is(h, TOML_TABLE))
        return type_err(r, h, ctx, "hashes", "a table of hash values");
    if (toml_len(h) == 0)
        return bad(r, h, ctx, "'hashes' is empty: give at least a sha256");
    for (size_t i = 0; i < toml_len(h); i++) {
        const char *k;
        size_t kl;
        const toml_value_t *v = toml_entry(h, i, &k, &kl);
        if (strlen(k) != kl || kl == 0)
            return bad(r, v, ctx, "a hash algorithm name is empty or holds a NUL character");
        for (size_t j = 0; j < kl; j++)
            if (k[j] >= 'A' && k[j] <= 'Z')
                return bad(r, v, ctx, "hash algorithm '%s' must be lowercase", k);
        const cx_t hitem = {.up = ctx, .kind = CX_HASH, .text = k, .max = 128}, *hctx = &hitem;
        const char *hex;
        err_t *e = str_val(r, v, hctx, NULL, &hex);
        if (e)
            return e;
        size_t want = !strcmp(k, "sha256") ? 64 : !strcmp(k, "sha384") ? 96
                    : !strcmp(k, "sha512") ? 128 : 0;
        if (want && !is_lower_hex(hex, want))
            return bad(r, v, hctx, "'%s' is not a %s digest (%zu lowercase hex digits)", hex, k,
                       want);
        pylock_add_hash(f, k, hex);
    }
    if (!pylock_file_hash(f, "sha256"))
        return bad(r, h, ctx, "no sha256 in 'hashes' (venvsync checks every file's sha256)");
    return NULL;
}

static const char *const WHEEL_KEYS[] = {"name", "upload-time", "url", "path", "size", "hashes",
                                         NULL};
static const char *const ARCHIVE_KEYS[] = {"url", "path", "size", "upload-time", "hashes",
                                           "subdirectory", NULL};

/* A file table (wheel, sdist, archive) into f. */
static err_t *read_file(rd_t *r, const toml_value_t *t, const cx_t *ctx, bool archive,
                        pylock_file_t *f)
{
    const toml_value_t *k[7] = {0}; /* the table's values, in the order of its key list */
    err_t *e = check_keys_found(r, t, archive ? ARCHIVE_KEYS : WHEEL_KEYS, ctx, k);
    if (e)
        return e;
    /* the two lists name the same keys (an archive has no name) in different orders */
    const toml_value_t *vname = archive ? NULL : k[0], *vupload = k[archive ? 3 : 1],
                       *vurl = k[archive ? 0 : 2], *vpath = k[archive ? 1 : 3],
                       *vsize = k[archive ? 2 : 4], *vhashes = k[archive ? 4 : 5];
    if (!archive && (e = get_dup_at(r, t, vname, "name", ctx, false, &f->name)))
        return e;
    if ((e = get_dup_at(r, t, vurl, "url", ctx, false, &f->url)) ||
        (e = get_dup_at(r, t, vpath, "path", ctx, false, &f->path)))
        return e;
    if (!f->url && !f->path)
        return bad(r, t, ctx, "give 'url' or 'path' (or both)");
    const toml_value_t *v = vsize;
    if (v) {
        if (!toml_is(v, TOML_INTEGER))
            return type_err(r, v, ctx, "size", "an integer");
        toml_int(v, &f->size);
        if (f->size < 0)
            return bad(r, v, ctx, "'size' is negative");
    }
    v = vupload;
    if (v) {
        if (!toml_is(v, TOML_DATETIME))
            return type_err(r, v, ctx, "upload-time",
                            "an offset date-time in UTC (2025-01-25T11:30:10Z)");
        const char *dt = toml_datetime(v);
        size_t n = strlen(dt);
        if (!(str_ends_with(dt, n, "Z") || str_ends_with(dt, n, "+00:00") ||
              str_ends_with(dt, n, "-00:00")))
            return bad(r, v, ctx, "'upload-time' %s is not in UTC", dt);
        f->upload_time = xstrdup(dt);
    }
    if ((e = read_hashes(r, t, vhashes, ctx, f)))
        return e;
    if (!f->name) {
        f->name = pylock_file_name(f);
        if (!f->name)
            return bad(r, t, ctx, "cannot tell the file's name from its %s: give 'name'",
                       f->path ? "path" : "URL");
    }
    return NULL;
}

/* subdirectory: relative, inside the tree. */
static err_t *get_subdir(const rd_t *r, const toml_value_t *t, const cx_t *ctx, char **out)
{
    err_t *e = get_dup(r, t, "subdirectory", ctx, false, out);
    if (e || !*out)
        return e;
    const char *s = *out;
    const toml_value_t *v = toml_get(t, "subdirectory");
    if (s[0] == '/' || s[0] == '\\' || (s[0] && s[1] == ':'))
        return bad(r, v, ctx, "'subdirectory' '%s' must be relative to the source tree", s);
    for (const char *p = s; *p;) {
        size_t n = strcspn(p, "/\\");
        if (n == 2 && p[0] == '.' && p[1] == '.')
            return bad(r, v, ctx, "'subdirectory' '%s' leaves the source tree", s);
        p += n;
        if (*p)
            p++;
    }
    return NULL;
}

static const char *const VCS_KEYS[] = {"type", "url", "path", "requested-revision", "commit-id",
                                       "subdirectory", NULL};
static const char *const DIR_KEYS[] = {"path", "editable", "subdirectory", NULL};

static err_t *read_vcs(rd_t *r, const toml_value_t *t, const cx_t *ctx, pylock_vcs_t *vc)
{
    err_t *e = check_keys(r, t, VCS_KEYS, ctx);
    if (e || (e = get_dup(r, t, "type", ctx, true, &vc->type)))
        return e;
    static const char *const TYPES[] = {"git", "hg", "bzr", "svn", NULL};
    bool ok = false;
    for (size_t i = 0; TYPES[i]; i++)
        ok |= strcmp(TYPES[i], vc->type) == 0;
    if (!ok)
        return bad(r, toml_get(t, "type"), ctx, "unknown VCS type '%s' (git, hg, bzr or svn)",
                   vc->type);
    if ((e = get_dup(r, t, "url", ctx, false, &vc->url)) ||
        (e = get_dup(r, t, "path", ctx, false, &vc->path)))
        return e;
    if (!vc->url && !vc->path)
        return bad(r, t, ctx, "give 'url' or 'path' (or both)");
    if ((e = get_dup(r, t, "requested-revision", ctx, false, &vc->requested_revision)) ||
        (e = get_dup(r, t, "commit-id", ctx, true, &vc->commit_id)))
        return e;
    return get_subdir(r, t, ctx, &vc->subdirectory);
}

static err_t *read_dir(rd_t *r, const toml_value_t *t, const cx_t *ctx, pylock_directory_t *dir)
{
    err_t *e = check_keys(r, t, DIR_KEYS, ctx);
    if (e || (e = get_dup(r, t, "path", ctx, true, &dir->path)))
        return e;
    const toml_value_t *v = toml_get(t, "editable");
    if (v && !toml_bool(v, &dir->editable))
        return type_err(r, v, ctx, "editable", "a boolean");
    return get_subdir(r, t, ctx, &dir->subdirectory);
}

/* Checks a wheel / sdist file name against the entry's name and version. */
static err_t *check_dist_name(const rd_t *r, const toml_value_t *t, const cx_t *ctx,
                              const pylock_package_t *p, const version_t *pv, bool wheel,
                              const char *fname)
{
    const toml_value_t *at = toml_get(t, "name");
    if (!at)
        at = t;
    char *key = NULL, *why = NULL; /* key: the sdist's (owned); a wheel's is w->key */
    version_t fv = {0};
    bool ok;
    wheelname_t *w = NULL;
    if (wheel) {
        err_t *e = wheelname_parse(fname, &w);
        ok = e == NULL;
        if (e) {
            why = xstrdup(e->msg);
            err_free(e);
        }
    } else {
        ok = pylock_sdist_parse(fname, &key, &fv, &why);
    }
    err_t *res = NULL;
    if (!ok) {
        res = bad(r, at, ctx, "'%s' is not a valid %s name: %s", fname,
                  wheel ? "wheel" : "sdist", why);
    } else if (strcmp(wheel ? w->key : key, p->name) != 0) {
        res = bad(r, at, ctx, "'%s' is a file of '%s', not of '%s'", fname,
                  wheel ? w->key : key, p->name);
    } else if (pv && version_cmp(wheel ? &w->version : &fv, pv) != 0) {
        char *fvs = version_str(wheel ? &w->version : &fv);
        res = bad(r, at, ctx, "'%s' is version %s, not the entry's %s", fname, fvs, p->version);
        free(fvs);
    }
    free(key);
    free(why);
    version_free(&fv);
    wheelname_free(w);
    return res;
}

static const char *const PKG_KEYS[] = {"name", "version", "marker", "requires-python",
                                       "dependencies", "vcs", "directory", "archive", "index",
                                       "sdist", "wheels", "attestation-identities", "tool",
                                       NULL};
enum { PK_NAME, PK_VERSION, PK_MARKER, PK_REQUIRES_PYTHON, PK_DEPENDENCIES, PK_VCS,
       PK_DIRECTORY, PK_ARCHIVE, PK_INDEX, PK_SDIST, PK_WHEELS, PK_ATTESTATIONS, PK_TOOL,
       PK_COUNT };

/* A table that must be an inline or a plain table. */
static err_t *want_table(const rd_t *r, const toml_value_t *v, const cx_t *ctx, const char *key)
{
    return toml_is(v, TOML_TABLE) ? NULL : type_err(r, v, ctx, key, "a table");
}

static err_t *read_deps(rd_t *r, const toml_value_t *a, const cx_t *ctx, pylock_package_t *p)
{
    if (!toml_is(a, TOML_ARRAY))
        return type_err(r, a, ctx, "dependencies", "an array of tables");
    for (size_t i = 0; i < toml_len(a); i++) {
        const toml_value_t *t = toml_at(a, i);
        const cx_t item = {.up = ctx, .kind = CX_INDEX, .text = "dependencies", .idx = i},
                   *c = &item;
        const char *name = NULL, *ver = NULL;
        err_t *e = want_table(r, t, c, NULL);
        if (!e)
            e = get_str(r, t, "name", c, true, &name);
        if (!e && !pkg_name_is_normalized(name))
            e = bad(r, toml_get(t, "name"), c, "'%s' is not a normalized name", name);
        if (!e)
            e = get_str(r, t, "version", c, false, &ver);
        version_t v;
        if (!e && ver) {
            if (!version_parse(ver, &v))
                e = bad(r, toml_get(t, "version"), c, "'%s' is not a valid version", ver);
            version_free(&v);
        }
        if (e)
            return e;
        /* other keys (a source, to tell entries apart) are allowed and not kept */
        pylock_add_dep(p, name, ver);
    }
    return NULL;
}

static err_t *read_attestations(rd_t *r, const toml_value_t *a, const cx_t *ctx,
                                pylock_package_t *p)
{
    if (!toml_is(a, TOML_ARRAY))
        return type_err(r, a, ctx, "attestation-identities", "an array of tables");
    for (size_t i = 0; i < toml_len(a); i++) {
        const toml_value_t *t = toml_at(a, i);
        const cx_t item = {.up = ctx, .kind = CX_INDEX, .text = "attestation-identities",
                           .idx = i}, *c = &item;
        const char *kind = NULL;
        err_t *e = want_table(r, t, c, NULL);
        if (!e)
            e = get_str(r, t, "kind", c, true, &kind);
        if (e)
            return e;
        XGROW(p->attestations, p->attestations_cap, p->nattestations + 1);
        pylock_attestation_t *at = &p->attestations[p->nattestations++];
        memset(at, 0, sizeof(*at));
        at->kind = xstrdup(kind);
        for (size_t j = 0; j < toml_len(t); j++) {
            const char *k;
            size_t kl, vl;
            const toml_value_t *v = toml_entry(t, j, &k, &kl);
            const char *s = toml_str(v, &vl);
            if (!s || strlen(k) != kl || strlen(s) != vl || !strcmp(k, "kind"))
                continue;      /* publisher data that is not a plain string: not kept */
            XGROW(at->keys, at->keys_cap, at->nkeys + 1);
            at->keys[at->nkeys].key = xstrdup(k);
            at->keys[at->nkeys].value = xstrdup(s);
            at->nkeys++;
        }
    }
    return NULL;
}

static err_t *read_package(rd_t *r, const toml_value_t *t, size_t idx, pylock_package_t *p)
{
    const cx_t unnamed = {.kind = CX_INDEX, .text = "packages", .idx = idx};
    cx_t named = {.kind = CX_PKG, .idx = idx};
    const cx_t *ctx = &unnamed;
    err_t *e = want_table(r, t, ctx, NULL);
    if (!e)
        e = get_dup(r, t, "name", ctx, true, &p->name);
    if (!e && !pkg_name_is_normalized(p->name)) {
        char *norm = pkg_name_normalize(p->name);
        e = pkg_name_valid(p->name)
                ? bad(r, toml_get(t, "name"), ctx, "name '%s' is not normalized (write '%s')",
                      p->name, norm)
                : bad(r, toml_get(t, "name"), ctx, "'%s' is not a valid package name",
                      p->name);
        free(norm);
    }
    p->line = toml_line(t);
    if (e)
        return e;
    named.text = p->name;
    ctx = &named;

    version_t pv = {0};
    bool have_pv = false;
    const char *s;
    const toml_value_t *k[PK_COUNT] = {0}; /* the entry's values, by key */
    if ((e = check_keys_found(r, t, PKG_KEYS, ctx, k)) ||
        (e = get_dup_at(r, t, k[PK_VERSION], "version", ctx, false, &p->version)))
        goto out;
    if (p->version) {
        if (!version_parse(p->version, &pv)) {
            e = bad(r, toml_get(t, "version"), ctx, "'%s' is not a valid version", p->version);
            goto out;
        }
        have_pv = true;
    }
    if ((e = get_str_at(r, t, k[PK_MARKER], "marker", ctx, false, &s)))
        goto out;
    if (s) {
        marker_t *m;
        if ((e = pylock_marker_parse(s, true, &m))) {
            err_t *x = bad(r, toml_get(t, "marker"), ctx, "marker: %s", e->msg);
            err_free(e);
            e = x;
            goto out;
        }
        marker_free(m);
        p->marker = xstrdup(s);
    }
    if ((e = get_str_at(r, t, k[PK_REQUIRES_PYTHON], "requires-python", ctx, false, &s)))
        goto out;
    if (s) {
        specset_t *ss;
        char *why = NULL;
        if (!specset_parse(s, &ss, &why)) {
            e = bad(r, toml_get(t, "requires-python"), ctx, "requires-python '%s': %s", s, why);
            free(why);
            goto out;
        }
        specset_free(ss);
        p->requires_python = xstrdup(s);
    }
    const toml_value_t *v;
    if ((v = k[PK_DEPENDENCIES]) && (e = read_deps(r, v, ctx, p)))
        goto out;
    if ((e = get_dup_at(r, t, k[PK_INDEX], "index", ctx, false, &p->index)))
        goto out;

    /* sources */
    const toml_value_t *vcs = k[PK_VCS], *dir = k[PK_DIRECTORY], *arch = k[PK_ARCHIVE],
                       *sdist = k[PK_SDIST], *wheels = k[PK_WHEELS];
    if ((vcs && (e = want_table(r, vcs, ctx, "vcs"))) ||
        (dir && (e = want_table(r, dir, ctx, "directory"))) ||
        (arch && (e = want_table(r, arch, ctx, "archive"))) ||
        (sdist && (e = want_table(r, sdist, ctx, "sdist"))))
        goto out;
    if (wheels && !toml_is(wheels, TOML_ARRAY)) {
        e = type_err(r, wheels, ctx, "wheels", "an array of tables");
        goto out;
    }
    size_t ndist = (sdist ? 1 : 0) + toml_len(wheels);
    int ndirect = (vcs != NULL) + (dir != NULL) + (arch != NULL);
    const toml_value_t *direct = vcs ? vcs : dir ? dir : arch;
    const char *direct_key = vcs ? "vcs" : dir ? "directory" : "archive";
    if (ndist > 0 && ndirect > 0) {
        e = bad(r, direct, ctx, "'%s' cannot be given with %s: one source per entry",
                direct_key, sdist ? "'sdist'" : "'wheels'");
        goto out;
    }
    if (ndist == 0 && ndirect == 0) {
        e = bad(r, t, ctx, "no source: give 'wheels' and / or 'sdist', or one of 'vcs', "
                           "'directory', 'archive'");
        goto out;
    }
    if (ndirect > 1) {
        const toml_value_t *second = vcs ? (dir ? dir : arch) : arch;
        e = bad(r, second, ctx, "'%s' and '%s' given: one source per entry", direct_key,
                second == dir ? "directory" : "archive");
        goto out;
    }
    if ((vcs || dir) && p->version) {
        e = bad(r, toml_get(t, "version"), ctx,
                "a %s entry must not have a version (the source tree may change)",
                vcs ? "vcs" : "directory");
        goto out;
    }
    cx_t sub = {.up = ctx, .kind = CX_TEXT}, *c = &sub;
    if (vcs) {
        p->source = PYLOCK_VCS;
        sub.text = "vcs";
        e = read_vcs(r, vcs, c, &p->vcs);
    } else if (dir) {
        p->source = PYLOCK_DIRECTORY;
        sub.text = "directory";
        e = read_dir(r, dir, c, &p->directory);
    } else if (arch) {
        p->source = PYLOCK_ARCHIVE;
        sub.text = "archive";
        e = read_file(r, arch, c, true, &p->archive.file);
        if (!e)
            e = get_subdir(r, arch, c, &p->archive.subdirectory);
    } else {
        p->source = PYLOCK_DIST;
        if (sdist) {
            sub.text = "sdist";
            e = read_file(r, sdist, c, false, pylock_set_sdist(p));
            if (!e)
                e = check_dist_name(r, sdist, c, p, have_pv ? &pv : NULL, false,
                                    p->sdist->name);
        }
        for (size_t i = 0; i < toml_len(wheels) && !e; i++) {
            sub = (cx_t){.up = ctx, .kind = CX_INDEX, .text = "wheels", .idx = i};
            const toml_value_t *w = toml_at(wheels, i);
            if ((e = want_table(r, w, c, NULL)))
                break;
            pylock_file_t *f = pylock_add_wheel(p);
            e = read_file(r, w, c, false, f);
            if (!e)
                e = check_dist_name(r, w, c, p, have_pv ? &pv : NULL, true, f->name);
        }
    }
    if (e)
        goto out;
    if ((v = k[PK_ATTESTATIONS]) && (e = read_attestations(r, v, ctx, p)))
        goto out;
    if ((v = k[PK_TOOL]) && (e = want_table(r, v, ctx, "tool")))
        goto out;
out:
    if (have_pv)
        version_free(&pv);
    return e;
}

static const char *const ROOT_KEYS[] = {"lock-version", "environments", "requires-python",
                                        "extras", "dependency-groups", "default-groups",
                                        "created-by", "packages", "tool", NULL};

static err_t *read_tool(rd_t *r, const toml_value_t *tool, pylock_t *l)
{
    if (!tool)
        return NULL;
    err_t *e = want_table(r, tool, NULL, "tool");
    const toml_value_t *vs = toml_get(tool, "venvsync");
    if (e || !vs)
        return e;
    if ((e = want_table(r, vs, NULL, "tool.venvsync")))
        return e;
    const cx_t tv = {.kind = CX_TEXT, .text = "tool.venvsync"}, *ctx = &tv;
    if ((e = get_dup(r, vs, "inputs", ctx, false, &l->inputs)))
        return e;
    char **list;
    if ((e = get_strlist(r, vs, "fork-markers", "tool.venvsync.fork-markers",
                         NAMES_LOCK_MARKERS, &list)))
        return e;
    l->fork_markers = list;
    if ((e = get_strlist(r, vs, "requested", "tool.venvsync.requested", NAMES_NORMALIZED,
                         &list)))
        return e;
    l->requested = list;
    for (size_t i = 0; i < toml_len(vs); i++) {
        const char *k;
        size_t kl;
        const toml_value_t *v = toml_entry(vs, i, &k, &kl);
        if (!strcmp(k, "inputs") || !strcmp(k, "fork-markers") || !strcmp(k, "requested"))
            continue;
        if (strlen(k) != kl)
            return bad(r, v, ctx, "a key holds a NUL character");
        const char *s;
        if ((e = str_val(r, v, ctx, k, &s)))
            return e;
        pylock_add_tool(l, k, s);
    }
    return NULL;
}

static err_t *read_lock(rd_t *r, const toml_value_t *root, pylock_t *l)
{
    const char *s;
    err_t *e = get_str(r, root, "lock-version", NULL, true, &s);
    if (e)
        return e;
    const toml_value_t *lv = toml_get(root, "lock-version");
    unsigned long major = 0, minor = 0;
    int used = 0;
    if (sscanf(s, "%lu.%lu%n", &major, &minor, &used) != 2 || (size_t)used != strlen(s) ||
        s[0] < '0' || s[0] > '9' || !strchr(s, '.') || strchr(s, '.')[1] < '0' ||
        strchr(s, '.')[1] > '9')
        return bad(r, lv, NULL, "lock-version '%s' is not MAJOR.MINOR (venvsync writes \"%s\")",
                   s, PYLOCK_VERSION);
    if (major != PYLOCK_MAJOR)
        return err_hint(bad(r, lv, NULL, "lock-version %s is not supported: venvsync reads "
                                         "lock-version %d.x", s, PYLOCK_MAJOR),
                        "re-create the lock with `venvsync lock`");
    r->version = s;
    if (minor > 0) {
        r->newer = true;
        warn(r, lv, "lock-version %s is newer than venvsync knows (%s): keys it does not know "
                    "are ignored", s, PYLOCK_VERSION);
    }
    l->lock_version = xstrdup(s);
    if ((e = check_keys(r, root, ROOT_KEYS, NULL)))
        return e;
    if ((e = get_strlist(r, root, "environments", "environments", NAMES_MARKERS,
                         &l->environments)))
        return e;
    const toml_value_t *envs = toml_get(root, "environments");
    if (envs && toml_len(envs) == 0)
        return bad(r, envs, NULL, "'environments' is empty: the lock would fit no environment "
                                  "(leave the key out to mean every one)");
    if ((e = get_dup(r, root, "requires-python", NULL, false, &l->requires_python)))
        return e;
    if (l->requires_python) {
        specset_t *ss;
        char *why = NULL;
        if (!specset_parse(l->requires_python, &ss, &why)) {
            e = bad(r, toml_get(root, "requires-python"), NULL, "requires-python '%s': %s",
                    l->requires_python, why);
            free(why);
            return e;
        }
        specset_free(ss);
    }
    if ((e = get_strlist(r, root, "extras", "extras", NAMES_NORMALIZED, &l->extras)) ||
        (e = get_strlist(r, root, "dependency-groups", "dependency-groups", NAMES_VALID,
                         &l->dependency_groups)) ||
        (e = get_strlist(r, root, "default-groups", "default-groups", NAMES_VALID,
                         &l->default_groups)))
        return e;
    if ((e = get_dup(r, root, "created-by", NULL, true, &l->created_by)))
        return e;
    const toml_value_t *pk = toml_get(root, "packages");
    if (!pk)
        return bad(r, NULL, NULL, "missing required key 'packages' (write `packages = []` for "
                                  "a lock of nothing)");
    if (!toml_is(pk, TOML_ARRAY))
        return type_err(r, pk, NULL, "packages", "an array of tables");
    for (size_t i = 0; i < toml_len(pk); i++) {
        pylock_package_t *p = pylock_add_package(l, NULL, NULL);
        if ((e = read_package(r, toml_at(pk, i), i, p)))
            return e;
    }
    return read_tool(r, toml_get(root, "tool"), l);
}

err_t *pylock_read(const char *text, size_t len, const char *name, pylock_t **out,
                   char ***warnings)
{
    *out = NULL;
    if (warnings)
        *warnings = NULL;
    toml_limits_t lim = {.max_depth = LOCK_MAX_DEPTH};
    toml_doc_t *d = NULL;
    err_t *e = toml_parse(text, len, name ? name : "pylock.toml", &lim, &d);
    if (e)
        return e;
    rd_t r = {.d = d, .root = toml_doc_root(d)};
    pylock_t *l = xcalloc(1, sizeof(*l));
    e = read_lock(&r, toml_doc_root(d), l);
    toml_doc_free(d);
    if (e) {
        pylock_free(l);
        strv_free(r.warnings);
        return e;
    }
    *out = l;
    if (warnings)
        *warnings = r.warnings;
    else
        strv_free(r.warnings);
    return NULL;
}
