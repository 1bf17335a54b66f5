/* want: the desired package set of one environment (see want.h). */
#include "resolve/want.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pkg/name.h"
#include "pkg/version.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/path.h"
#include "util/strv.h"
#include "util/xalloc.h"

/* ------------------------------------------------------------------------------------------ */

static void pkg_free(want_pkg_t *p)
{
    free(p->key);
    free(p->name);
    free(p->version);
    strv_free(p->extras);
    strv_free(p->hashes);
    free(p->path_or_url);
    free(p->url);
    free(p->origin);
    free(p->source);
}

void want_set_free(want_set_t *w)
{
    if (!w)
        return;
    for (size_t i = 0; i < w->n; i++)
        pkg_free(&w->pkgs[i]);
    free(w->pkgs);
    free(w->hash_mode_why);
    reqfile_free(w->rf);
    free(w);
}

const want_pkg_t *want_find(const want_set_t *w, const char *key)
{
    size_t lo = 0, hi = w->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(w->pkgs[mid].key, key);
        if (c == 0)
            return &w->pkgs[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

bool want_pkg_matches(const want_pkg_t *p, const char *v)
{
    if (p->arbitrary) {
        if (strcasecmp(p->version, v) == 0)
            return true;
        version_t pv;
        if (!version_parse(v, &pv))
            return false;
        char *canon = version_str(&pv);
        bool eq = strcasecmp(canon, p->version) == 0;
        free(canon);
        version_free(&pv);
        return eq;
    }
    char *spec = xasprintf("==%s", p->version);
    specset_t *s = NULL;
    char *why = NULL;
    bool ok = specset_parse(spec, &s, &why) && specset_contains_str(s, v, true);
    specset_free(s);
    free(why);
    free(spec);
    return ok;
}

char *want_pkg_label(const want_pkg_t *p)
{
    buf_t b = BUF_INIT;
    buf_adds(&b, p->name);
    if (p->nextras) {
        buf_addc(&b, '[');
        for (size_t i = 0; i < p->nextras; i++)
            buf_printf(&b, "%s%s", i ? "," : "", p->extras[i]);
        buf_addc(&b, ']');
    }
    if (p->path_or_url)
        buf_printf(&b, " @ %s", p->url ? p->url : p->path_or_url);
    else
        buf_printf(&b, "%s%s", p->arbitrary ? "===" : "==", p->version);
    return buf_detach(&b);
}

/* ------------------------------------------------------------------------------------------ */
/* Resolution                                                                                   */

typedef struct problem {
    size_t order;          /* entry index: problems come out in reading order */
    err_t *e;
} problem_t;

typedef struct rctx {
    reqfile_t *rf;
    problem_t *probs;
    size_t nprobs, cap;
} rctx_t;

static void problem(rctx_t *c, size_t order, const rf_entry_t *e, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void problem(rctx_t *c, size_t order, const rf_entry_t *e, const char *fmt, ...)
{
    buf_t b = BUF_INIT;
    char *o = reqfile_origin(e);
    buf_printf(&b, "%s: ", o);
    free(o);
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    XGROW(c->probs, c->cap, c->nprobs + 1);
    c->probs[c->nprobs].order = order;
    c->probs[c->nprobs].e = err_new(EXIT_USAGE, "%s", buf_cstr(&b));
    c->nprobs++;
    buf_free(&b);
}

static int cmp_problem(const void *a, const void *b)
{
    const problem_t *x = a, *y = b;
    if (x->order != y->order)
        return x->order < y->order ? -1 : 1;
    return 0;
}

/* Entries ordered by (key, reading order). */
static int cmp_index(size_t x, size_t y, const reqfile_t *rf)
{
    int c = strcmp(rf->entries[x].req->key, rf->entries[y].req->key);
    if (c)
        return c;
    return x < y ? -1 : x > y;
}

static void sort_indices(size_t *idx, size_t n, const reqfile_t *rf)
{
    /* qsort has no context argument and there is no global state: a bottom-up merge sort. */
    size_t *tmp = xmalloc((n ? n : 1) * sizeof *tmp);
    for (size_t width = 1; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width) {
            size_t mid = lo + width < n ? lo + width : n;
            size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi)
                tmp[k++] = cmp_index(idx[j], idx[i], rf) < 0 ? idx[j++] : idx[i++];
            while (i < mid)
                tmp[k++] = idx[i++];
            while (j < hi)
                tmp[k++] = idx[j++];
        }
        memcpy(idx, tmp, n * sizeof *idx);
    }
    free(tmp);
}

typedef enum { PIN_NONE, PIN_EQ, PIN_EQ_LOCAL, PIN_ARB, PIN_DIRECT } pin_kind_t;

/* The pin an entry carries, and its version text (borrowed). */
static pin_kind_t entry_pin(const rf_entry_t *e, const char **v)
{
    if (e->path_or_url) {
        *v = e->direct_version;
        return PIN_DIRECT;
    }
    const char *pv;
    if (!req_pinned(e->req, &pv))
        return PIN_NONE;
    const char *op;
    specset_item(e->req->specs, 0, &op, NULL);
    *v = pv;
    if (strcmp(op, "===") == 0)
        return PIN_ARB;
    version_t ver;
    pin_kind_t k = PIN_EQ;
    if (version_parse(pv, &ver)) {
        if (ver.local)
            k = PIN_EQ_LOCAL;
        version_free(&ver);
    }
    return k;
}

/* Whether entry e's specifiers admit version text v (pinned as `kind`). */
static bool entry_admits(const rf_entry_t *e, const char *v, pin_kind_t kind)
{
    const specset_t *s = e->req->specs;
    size_t n = specset_count(s);
    if (n == 0)
        return true;
    if (kind == PIN_ARB) {
        version_t pv;
        if (!version_parse(v, &pv)) {
            /* not a PEP 440 version: only "===" specifiers with the same text admit it */
            for (size_t i = 0; i < n; i++) {
                const char *op, *t;
                specset_item(s, i, &op, &t);
                if (strcmp(op, "===") != 0 || strcasecmp(t, v) != 0)
                    return false;
            }
            return true;
        }
        version_free(&pv);
    }
    return specset_contains_str(s, v, true);
}



/* One group of applicable entries with the same key: idx[0..n). */
static void resolve_group(rctx_t *c, const size_t *idx, size_t n, bool hash_mode,
                          const char *hash_why, want_pkg_t *out, bool *made)
{
    const reqfile_t *rf = c->rf;
    *made = false;
    size_t nreq = 0;
    for (size_t i = 0; i < n; i++)
        if (!rf->entries[idx[i]].is_constraint)
            nreq++;
    if (nreq == 0)
        return;   /* constraints for a package nobody wants */

    /* The pin: direct > === > == with local > first ==; from requirements, else constraints. */
    size_t chosen = (size_t)-1;
    pin_kind_t ckind = PIN_NONE;
    const char *cver = NULL;
    for (int pass = 0; pass < 2 && chosen == (size_t)-1; pass++) {
        bool want_constraint = pass == 1;
        for (size_t i = 0; i < n; i++) {
            const rf_entry_t *e = &rf->entries[idx[i]];
            if (e->is_constraint != want_constraint)
                continue;
            const char *v = NULL;
            pin_kind_t k = entry_pin(e, &v);
            if (k > ckind) {
                ckind = k;
                chosen = idx[i];
                cver = v;
            }
        }
    }
    if (chosen == (size_t)-1) {
        for (size_t i = 0; i < n; i++) {
            const rf_entry_t *e = &rf->entries[idx[i]];
            if (!e->is_constraint)
                problem(c, idx[i], e, "unpinned requirement '%s'; venvsync installs exact pins "
                                      "only (a resolver comes later)", e->text);
        }
        return;
    }
    const rf_entry_t *ch = &rf->entries[chosen];
    char *ch_origin = reqfile_origin(ch);
    bool bad = false;

    /* Every other requirement and constraint must admit the pin. */
    for (size_t i = 0; i < n; i++) {
        if (idx[i] == chosen)
            continue;
        const rf_entry_t *e = &rf->entries[idx[i]];
        if (e->path_or_url) {
            /* only a direct entry can be chosen over a direct entry */
            if (strcmp(e->path_or_url, ch->path_or_url) != 0) {
                problem(c, idx[i], e, "'%s' conflicts with '%s' (%s): two different wheels for "
                                      "%s", e->text, ch->text, ch_origin, ch->req->name);
                bad = true;
            }
            continue;
        }
        if (!entry_admits(e, cver, ckind)) {
            if (e->is_constraint)
                problem(c, idx[i], e, "constraint '%s' excludes %s %s, pinned by '%s' (%s)",
                        e->text, ch->req->name, cver, ch->text, ch_origin);
            else
                problem(c, idx[i], e, "'%s' conflicts with '%s' (%s)", e->text, ch->text,
                        ch_origin);
            bad = true;
        }
    }

    /* Hashes: pip's Hashes.__and__ over every entry that has some. */
    char **hashes = NULL;
    size_t nh = 0;
    bool any_hash = false;
    for (size_t i = 0; i < n; i++) {
        const rf_entry_t *e = &rf->entries[idx[i]];
        if (!e->nhashes)
            continue;
        if (!any_hash) {
            any_hash = true;
            hashes = xcalloc(1, sizeof *hashes);
            for (size_t k = 0; k < e->nhashes; k++)
                strv_push_unique(&hashes, &nh, NULL, e->hashes[k]);
            continue;
        }
        size_t keep = 0;
        for (size_t k = 0; k < nh; k++) {
            if (strv_has(e->hashes, hashes[k]))
                hashes[keep++] = hashes[k];
            else
                free(hashes[k]);
        }
        nh = keep;
        hashes[nh] = NULL;
    }
    if (any_hash && nh == 0) {
        buf_t b = BUF_INIT;
        for (size_t i = 0; i < n; i++) {
            const rf_entry_t *e = &rf->entries[idx[i]];
            if (e->nhashes) {
                char *o = reqfile_origin(e);
                buf_printf(&b, "%s%s", b.len ? ", " : "", o);
                free(o);
            }
        }
        problem(c, chosen, ch, "the hashes given for %s have none in common (%s); pip would "
                               "accept no file", ch->req->name, buf_cstr(&b));
        buf_free(&b);
        bad = true;
    }
    if (!hashes)
        hashes = xcalloc(1, sizeof *hashes);

    if (!bad && hash_mode && nh == 0) {
        /* report at the first requirement naming the package */
        size_t first = chosen;
        for (size_t i = 0; i < n; i++)
            if (!rf->entries[idx[i]].is_constraint) {
                first = idx[i];
                break;
            }
        const rf_entry_t *fe = &rf->entries[first];
        problem(c, first, fe, "'%s' has no --hash, but hash-checking mode is on (%s): every "
                              "requirement needs one", fe->text, hash_why);
        bad = true;
    }
    if (bad) {
        strv_free(hashes);
        free(ch_origin);
        return;
    }

    /* Extras from every requirement, display name from the first. */
    char **extras = xcalloc(1, sizeof *extras);
    size_t nx = 0;
    const rf_entry_t *first_req = NULL;
    for (size_t i = 0; i < n; i++) {
        const rf_entry_t *e = &rf->entries[idx[i]];
        if (e->is_constraint)
            continue;
        if (!first_req)
            first_req = e;
        for (size_t k = 0; k < e->req->nextras; k++)
            strv_push_unique(&extras, &nx, NULL, e->req->extras[k]);
    }
    strv_sort(extras);
    strv_sort(hashes);

    memset(out, 0, sizeof *out);
    out->key = xstrdup(ch->req->key);
    out->name = xstrdup(first_req->req->name);
    out->version = xstrdup(cver);
    out->arbitrary = ckind == PIN_ARB;
    out->extras = extras;
    out->nextras = nx;
    out->hashes = hashes;
    out->nhashes = nh;
    out->requested = true;
    if (ckind == PIN_DIRECT) {
        out->path_or_url = xstrdup(ch->path_or_url);
        out->is_local = ch->is_local;
        out->url = xstrdup(ch->req->url);
    }
    out->origin = ch_origin;
    *made = true;
}

err_t *want_resolve(reqfile_t *rf, const marker_env_t *env, want_set_t **out)
{
    *out = NULL;
    rctx_t c = {.rf = rf};
    marker_env_t menv = *env;
    menv.extra = NULL;

    bool hash_mode = rf->opts.require_hashes;
    char *hash_why = NULL;
    if (hash_mode)
        hash_why = xasprintf("--require-hashes at %s", rf->opts.require_hashes_at
                                                           ? rf->opts.require_hashes_at
                                                           : "?");
    for (size_t i = 0; i < rf->n && !hash_mode; i++) {
        if (rf->entries[i].nhashes) {
            hash_mode = true;
            char *o = reqfile_origin(&rf->entries[i]);
            hash_why = xasprintf("--hash at %s", o);
            free(o);
        }
    }

    size_t *idx = xmalloc((rf->n ? rf->n : 1) * sizeof *idx);
    size_t na = 0;
    for (size_t i = 0; i < rf->n; i++) {
        bool applies = false;
        err_t *e = req_applies(rf->entries[i].req, &menv, &applies);
        if (e) {
            problem(&c, i, &rf->entries[i], "%s", e->msg);
            err_free(e);
            continue;
        }
        if (applies && (rf->entries[i].source == RF_SOURCE_SDIST ||
                        rf->entries[i].source == RF_SOURCE_DIR)) {
            /* no pin semantics here yet (the resolver and build stage own them) */
            problem(&c, i, &rf->entries[i], "'%s' names %s, which needs a build; exact-pin "
                    "resolution takes wheels only", rf->entries[i].text,
                    rf->entries[i].source == RF_SOURCE_SDIST ? "an sdist" : "a project directory");
            continue;
        }
        if (applies)
            idx[na++] = i;
    }
    sort_indices(idx, na, rf);

    want_pkg_t *pkgs = NULL;
    size_t np = 0, cap = 0;
    for (size_t i = 0; i < na;) {
        size_t j = i + 1;
        while (j < na && strcmp(rf->entries[idx[j]].req->key, rf->entries[idx[i]].req->key) == 0)
            j++;
        want_pkg_t p;
        bool made = false;
        resolve_group(&c, idx + i, j - i, hash_mode, hash_why, &p, &made);
        if (made) {
            XGROW(pkgs, cap, np + 1);
            pkgs[np++] = p;
        }
        i = j;
    }
    free(idx);

    if (c.nprobs) {
        qsort(c.probs, c.nprobs, sizeof *c.probs, cmp_problem);
        err_t *list = NULL;
        for (size_t i = 0; i < c.nprobs; i++)
            err_chain(&list, c.probs[i].e);
        free(c.probs);
        for (size_t i = 0; i < np; i++)
            pkg_free(&pkgs[i]);
        free(pkgs);
        free(hash_why);
        reqfile_free(rf);
        return list;
    }
    free(c.probs);
    want_set_t *w = xcalloc(1, sizeof *w);
    w->pkgs = pkgs;
    w->n = np;
    w->hash_mode = hash_mode;
    w->hash_mode_why = hash_why;
    w->rf = rf;
    *out = w;
    return NULL;
}

static int pkg_cmp(const void *a, const void *b)
{
    return strcmp(((const want_pkg_t *)a)->key, ((const want_pkg_t *)b)->key);
}

err_t *want_from_lock(reqfile_t *rf, const marker_env_t *env, const want_locked_t *items,
                      size_t n, want_set_t **out)
{
    *out = NULL;
    marker_env_t menv = *env;
    menv.extra = NULL;
    bool hash_mode = rf->opts.require_hashes;
    char *hash_why = hash_mode ? xasprintf("--require-hashes at %s",
                                           rf->opts.require_hashes_at ? rf->opts.require_hashes_at
                                                                      : "?")
                               : NULL;
    for (size_t i = 0; i < rf->n && !hash_mode; i++)
        if (rf->entries[i].nhashes) {
            hash_mode = true;
            char *o = reqfile_origin(&rf->entries[i]);
            hash_why = xasprintf("--hash at %s", o);
            free(o);
        }
    err_t *errs = NULL;
    want_pkg_t *pkgs = xcalloc(n + 1, sizeof(want_pkg_t));
    for (size_t i = 0; i < n; i++) {
        const want_locked_t *it = &items[i];
        want_pkg_t *p = &pkgs[i];
        p->key = pkg_name_normalize(it->name);
        p->name = xstrdup(it->name);
        p->version = xstrdup(it->version);
        p->extras = xcalloc(1, sizeof(char *));
        p->requested = it->requested;
        p->path_or_url = xstrdup(it->location);
        p->is_local = it->is_local;
        p->url = xstrdup(it->direct_url);
        p->origin = xstrdup(it->origin);
        p->kind = it->kind;
        p->editable = it->editable;
        /* The hashes the requirements give for it (every applicable entry that gives any must
         * allow the locked file), else the lock's own. */
        char *lock_hash = it->sha256 ? xconcat("sha256:", 7, it->sha256, strlen(it->sha256))
                                     : NULL;
        size_t nh = 0, hcap = 0;
        for (size_t k = 0; k < rf->n; k++) {
            const rf_entry_t *e = &rf->entries[k];
            bool applies = false;
            if (!e->nhashes || strcmp(e->req->key, p->key) != 0)
                continue;
            err_t *me = req_applies(e->req, &menv, &applies);
            err_free(me);
            if (!applies)
                continue;
            /* any pin that matches allows the file (as pip): pins all in the lock's algorithm
             * are compared now, others when the file is read */
            bool comparable = true;
            for (size_t h = 0; h < e->nhashes; h++)
                comparable &= strncmp(e->hashes[h], "sha256:", 7) == 0;
            if (lock_hash && comparable && !strv_has(e->hashes, lock_hash)) {
                char *o = reqfile_origin(e);
                err_chain(&errs, err_new(EXIT_APPLY, "%s: hash mismatch: %s is pinned to %s, but "
                                         "the locked file %s has %s", o, p->name,
                                         e->hashes[0], it->location, lock_hash));
                free(o);
            }
            for (size_t h = 0; h < e->nhashes; h++)
                strv_push_unique(&p->hashes, &nh, &hcap, e->hashes[h]);
        }
        /* hash-checking mode wants the user's own hashes (pip's rule): the lock's do not count */
        if (!nh && lock_hash && !hash_mode)
            strv_push(&p->hashes, &nh, &hcap, xstrdup(lock_hash));
        if (!p->hashes)
            p->hashes = xcalloc(1, sizeof(char *));
        strv_sort(p->hashes);
        p->nhashes = nh;
        free(lock_hash);
    }
    qsort(pkgs, n, sizeof(want_pkg_t), pkg_cmp);
    for (size_t i = 1; i < n && !errs; i++)
        if (strcmp(pkgs[i].key, pkgs[i - 1].key) == 0)
            errs = err_new(EXIT_USAGE, "the lock selects %s twice", pkgs[i].name);
    want_set_t *w = xcalloc(1, sizeof *w);
    w->pkgs = pkgs;
    w->n = n;
    w->hash_mode = hash_mode;
    w->hash_mode_why = hash_why;
    w->rf = rf;
    if (errs) {
        want_set_free(w);
        return errs;
    }
    *out = w;
    return NULL;
}

/* Adds env's `packages:` and `requirements:` to rf; a missing requirements file is reported at
 * its manifest position, where the user can fix it. */
static err_t *add_env_entries(reqfile_t *rf, const manifest_t *m, const mf_env_t *env,
                              const reqfile_env_t *renv)
{
    err_t *errs = NULL;
    for (size_t i = 0; i < env->npackages; i++) {
        const mf_item_t *it = &env->packages[i];
        err_chain(&errs, reqfile_add_item(rf, it->value, m->file, it->pos.line, it->pos.col,
                                          renv));
    }
    for (size_t i = 0; i < env->nrequirements; i++) {
        const mf_item_t *it = &env->requirements[i];
        if (!fs_exists(it->value)) {
            char *shown = path_shown(m->file);
            if (it->pos.line > 0)
                err_chain(&errs, err_new(EXIT_USAGE, "%s:%d:%d: requirements file %s does not "
                                                     "exist", shown, it->pos.line, it->pos.col,
                                         it->value));
            else
                err_chain(&errs, err_new(EXIT_USAGE, "%s: requirements file %s does not exist",
                                         shown, it->value));
            free(shown);
            continue;
        }
        err_chain(&errs, reqfile_parse_file(rf, it->value, false, renv));
    }
    return errs;
}

err_t *want_read(const manifest_t *m, const mf_env_t *env, const reqfile_env_t *renv,
                 reqfile_t **out)
{
    *out = NULL;
    reqfile_t *rf = reqfile_new();
    err_t *errs = NULL;
    /* copy-from: the source's packages too (and its source's): a copy keeps what it was copied
     * from, also when the source changes later. The manifest has no copy-from cycles. */
    for (const mf_env_t *e = env; e; e = e->copy_from ? manifest_env(m, e->copy_from) : NULL)
        err_chain(&errs, add_env_entries(rf, m, e, renv));
    if (errs) {
        reqfile_free(rf);
        return errs;
    }
    *out = rf;
    return NULL;
}

err_t *want_for_env(const manifest_t *m, const mf_env_t *env, const marker_env_t *target,
                    const reqfile_env_t *renv, want_set_t **out)
{
    *out = NULL;
    reqfile_t *rf = NULL;
    err_t *e = want_read(m, env, renv, &rf);
    return e ? e : want_resolve(rf, target, out);
}
