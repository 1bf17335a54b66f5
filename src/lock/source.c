/* source: the package sources as the resolver sees them (see source.h). */
#include "lock/source.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "pkg/name.h"
#include "pkg/range.h"
#include "util/fs.h"
#include "util/hash.h"
#include "util/path.h"
#include "util/strv.h"
#include "util/url.h"
#include "util/xalloc.h"

typedef struct lversion {
    const char *key;            /* the project's (set by finish_project) */
    const char *text;           /* the version as its files spell it (same) */
    lock_file_t *files;
    size_t nfiles, cap;
    rs_file_t *rfiles;
    bool meta_loaded;
    bool meta_ok;
    char *meta_why;
    core_metadata_t cm;
    req_t **reqs;
    size_t nreqs;
    char **extras;
    size_t nextras;
    rs_meta_t meta;
} lversion_t;

typedef struct lproject {
    char *key, *name;
    rs_project_t p;
    rs_version_t *versions;
    lversion_t *lv;
    size_t n;
    bool loaded;
    bool found;
    bool has_allowed;           /* the solver said which versions it may take (prefetch) */
    vrange_t allowed;
} lproject_t;

struct lock_source {
    lock_source_opts_t o;
    lproject_t **projects;
    size_t n, cap;
    char **queue;
    size_t nqueue, qcap;
    size_t looked_up;
};

/* ---- files and versions -------------------------------------------------------------------- */

static void file_free(lock_file_t *f)
{
    free(f->filename);
    free(f->url);
    free(f->path);
    free(f->index);
    free(f->requires_python);
    free(f->yanked_reason);
    wheelname_free(f->wheel);
}

/* The version of a source distribution's file name, when its name part is key
 * ("python-dateutil-2.9.0.tar.gz"); NULL otherwise. */
static char *sdist_version(const char *filename, const char *key)
{
    size_t n = strlen(filename);
    size_t ext = str_ends_with_ci(filename, n, ".tar.gz") ? 7
                 : str_ends_with_ci(filename, n, ".zip")  ? 4
                                                          : 0;
    if (!ext)
        return NULL;
    for (size_t i = n - ext; i-- > 0;) {
        if (filename[i] != '-')
            continue;
        char *name = xstrndup(filename, i);
        char *k = pkg_name_normalize(name);
        bool ok = strcmp(k, key) == 0;
        free(k);
        free(name);
        if (ok)
            return xstrndup(filename + i + 1, n - ext - i - 1);
    }
    return NULL;
}

/* Adds a file to the project under its version (parsed from the file name). */
static void add_file(lproject_t *p, lock_file_t *f)
{
    char *vtext = f->wheel ? xstrdup(f->wheel->version_text) : sdist_version(f->filename, p->key);
    version_t v;
    if (!vtext || !version_parse(vtext, &v)) {
        free(vtext);
        file_free(f);
        return;
    }
    size_t at = p->n;
    for (size_t i = 0; i < p->n; i++)
        if (version_cmp(&p->versions[i].version, &v) == 0)
            at = i;
    if (at == p->n) {
        p->versions = xrealloc(p->versions, (p->n + 1) * sizeof(rs_version_t));
        p->lv = xrealloc(p->lv, (p->n + 1) * sizeof(lversion_t));
        memset(&p->versions[at], 0, sizeof(rs_version_t));
        memset(&p->lv[at], 0, sizeof(lversion_t));
        p->versions[at].version = v;
        p->versions[at].text = vtext;
        p->n++;
    } else {
        version_free(&v);
        free(vtext);
    }
    lversion_t *lv = &p->lv[at];
    XGROW(lv->files, lv->cap, lv->nfiles + 1);
    lv->files[lv->nfiles++] = *f;
    if (!p->name && f->wheel)
        p->name = xstrdup(f->wheel->name);
}

/* Sorts versions newest first and sets the solver's views. */
static void finish_project(lproject_t *p)
{
    for (size_t i = 1; i < p->n; i++)
        for (size_t k = i; k > 0 && version_cmp(&p->versions[k].version,
                                                &p->versions[k - 1].version) > 0; k--) {
            rs_version_t tv = p->versions[k];
            p->versions[k] = p->versions[k - 1];
            p->versions[k - 1] = tv;
            lversion_t tl = p->lv[k];
            p->lv[k] = p->lv[k - 1];
            p->lv[k - 1] = tl;
        }
    for (size_t i = 0; i < p->n; i++) {
        lversion_t *lv = &p->lv[i];
        lv->rfiles = xcalloc(lv->nfiles + 1, sizeof(rs_file_t));
        for (size_t k = 0; k < lv->nfiles; k++)
            lv->rfiles[k] = (rs_file_t){lv->files[k].filename, lv->files[k].wheel,
                                        lv->files[k].yanked, lv->files[k].yanked_reason,
                                        lv->files[k].requires_python};
        lv->key = p->key;
        lv->text = p->versions[i].text;
        p->versions[i].files = lv->rfiles;
        p->versions[i].nfiles = lv->nfiles;
        p->versions[i].data = lv;
    }
    p->p = (rs_project_t){p->key, p->name ? p->name : p->key, p->versions, p->n};
    p->loaded = true;
}

static lproject_t *project_for(lock_source_t *s, const char *key)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->projects[i]->key, key) == 0)
            return s->projects[i];
    XGROW(s->projects, s->cap, s->n + 1);
    lproject_t *p = xcalloc(1, sizeof(*p));
    p->key = xstrdup(key);
    s->projects[s->n++] = p;
    return p;
}

static const rs_requirement_t *direct_for(const lock_source_t *s, const char *key)
{
    for (size_t i = 0; i < s->o.ndirect; i++)
        if (strcmp(s->o.direct[i].req->key, key) == 0)
            return &s->o.direct[i];
    return NULL;
}

/* Parses METADATA text a build gave into lv (as meta_take does for a wheel's), checking that it
 * names the project (and the version, when the candidate has one). */
static void meta_from_text(lversion_t *lv, const char *key, const char *version,
                           const char *text, const char *label);

/* A local project directory: its metadata (from the builder) gives the one version. */
static err_t *load_dir(lock_source_t *s, lproject_t *p, const rs_requirement_t *d,
                       const char *dir)
{
    if (!fs_is_dir(dir))
        return err_new(EXIT_USAGE, "%s: %s is not a directory", d->origin, dir);
    if (!s->o.builder)
        return err_new(EXIT_USAGE, "%s: %s is a project directory, and building is off",
                       d->origin, dir);
    char *text = NULL;
    err_t *e = s->o.builder->metadata(s->o.builder->ctx, d->editable ? LOCK_BUILD_EDITABLE
                                                                     : LOCK_BUILD_DIR,
                                      dir, NULL, NULL, &text);
    if (e)
        return err_ctx(e, "%s: reading the metadata of %s", d->origin, dir);
    core_metadata_t cm;
    e = meta_parse_metadata(text, strlen(text), dir, &cm);
    version_t v;
    if (!e && !pkg_name_eq(cm.name, d->req->name))
        e = err_new(EXIT_USAGE, "%s: the project in %s is %s, not %s", d->origin, dir, cm.name,
                    d->req->name);
    if (!e && !version_parse(cm.version, &v))
        e = err_new(EXIT_APPLY, "%s: the project in %s has an invalid version '%s'", d->origin,
                    dir, cm.version);
    if (e) {
        free(text);
        return e;
    }
    free(p->name);
    p->name = xstrdup(cm.name);
    p->versions = xcalloc(1, sizeof(rs_version_t));
    p->lv = xcalloc(1, sizeof(lversion_t));
    p->versions[0].version = v;
    p->versions[0].text = xstrdup(cm.version);
    p->versions[0].direct = true;
    p->n = 1;
    lversion_t *lv = &p->lv[0];
    lv->files = xcalloc(1, sizeof(lock_file_t));
    lv->files[0] = (lock_file_t){.path = xstrdup(dir), .filename = xstrdup(""), .size = -1,
                                 .is_dir = true, .editable = d->editable};
    lv->nfiles = lv->cap = 1;
    meta_from_text(lv, p->key, NULL, text, dir);
    core_metadata_free(&cm);
    free(text);
    return NULL;
}

/* A direct reference: the one file (or directory) it names. */
static err_t *load_direct(lock_source_t *s, lproject_t *p, const rs_requirement_t *d)
{
    const req_t *r = d->req;
    lock_file_t f;
    memset(&f, 0, sizeof f);
    f.size = -1;
    if (url_is_file(r->url) || r->url[0] == '/') {
        char *why = NULL;
        f.path = r->url[0] == '/' ? xstrdup(r->url) : url_to_path(r->url, s->o.base_dir, &why);
        if (!f.path) {
            err_t *e = err_new(EXIT_USAGE, "%s @ %s: %s", r->name, r->url, why);
            free(why);
            return e;
        }
        if (fs_is_dir(f.path)) {
            err_t *e = load_dir(s, p, d, f.path);
            file_free(&f);
            return e;
        }
        f.filename = xstrdup(path_basename(f.path));
    } else {
        f.url = url_without_fragment(r->url);
        f.filename = url_basename(r->url);
        char *frag = url_fragment_param(r->url, "sha256");
        if (frag && strlen(frag) == 64)
            memcpy(f.sha256, frag, 65);
        free(frag);
        if (!f.filename)
            f.filename = xstrdup("");
    }
    err_t *e = NULL;
    if (str_ends_with_ci(f.filename, strlen(f.filename), ".whl")) {
        e = wheelname_parse(f.filename, &f.wheel);
        if (!e && strcmp(f.wheel->key, p->key) != 0)
            e = err_new(EXIT_USAGE, "%s @ %s: the file is a wheel of %s", r->name, r->url,
                        f.wheel->name);
    } else {
        char *v = sdist_version(f.filename, p->key);
        if (!v)
            e = err_new(EXIT_USAGE, "%s @ %s: neither a wheel nor a source archive of %s",
                        r->name, r->url, r->name);
        free(v);
    }
    if (e) {
        file_free(&f);
        return err_code(e, EXIT_USAGE);
    }
    free(p->name);
    p->name = xstrdup(r->name);
    add_file(p, &f);
    if (p->n == 1)
        p->versions[0].direct = true;
    return NULL;
}

static void add_local(lock_source_t *s, lproject_t *p)
{
    const fl_cand_t *c = NULL;
    size_t n = s->o.fl ? findlinks_lookup(s->o.fl, p->key, &c) : 0;
    for (size_t i = 0; i < n; i++) {
        lock_file_t f;
        memset(&f, 0, sizeof f);
        f.filename = xstrdup(path_basename(c[i].path));
        f.path = xstrdup(c[i].path);
        f.size = (int64_t)c[i].size;
        err_t *e = c[i].wheel->filename ? wheelname_parse(f.filename, &f.wheel) : NULL;
        if (e) {
            err_free(e);
            file_free(&f);
            continue;
        }
        add_file(p, &f);
    }
    for (size_t i = 0; s->o.fl && i < s->o.fl->nsdists; i++) {
        const char *path = s->o.fl->sdists[i];
        char *v = sdist_version(path_basename(path), p->key);
        if (!v)
            continue;
        free(v);
        lock_file_t f;
        memset(&f, 0, sizeof f);
        f.filename = xstrdup(path_basename(path));
        f.path = xstrdup(path);
        f.size = -1;
        add_file(p, &f);
    }
}

static void add_remote(lock_source_t *s, lproject_t *p, const remote_project_t *rp)
{
    p->found = p->found || rp->found;
    for (size_t i = 0; i < rp->n; i++) {
        const remote_cand_t *c = &rp->cands[i];
        lock_file_t f;
        memset(&f, 0, sizeof f);
        f.filename = xstrdup(c->filename);
        f.url = xstrdup(c->url);
        if (!c->from_find_links && rp->found && rp->index < s->o.sources->nindexes)
            f.index = xstrdup(s->o.sources->indexes[rp->index]);
        if (!c->hash_malformed)
            memcpy(f.sha256, c->sha256, 65);
        f.size = c->size;
        f.core_metadata = c->core_metadata;
        memcpy(f.metadata_sha256, c->metadata_sha256, 65);
        f.yanked = c->yanked;
        f.yanked_reason = xstrdup(c->yanked_reason);
        f.requires_python = xstrdup(c->requires_python);
        if (c->wheel) {
            err_t *e = wheelname_parse(c->filename, &f.wheel);
            if (e) {
                err_free(e);
                file_free(&f);
                continue;
            }
        }
        add_file(p, &f); /* a file that is neither a wheel nor an sdist of p is dropped */
    }
}

/* ---- metadata ------------------------------------------------------------------------------- */

/* The file of lv to read METADATA from: a local wheel, else a remote one with a PEP 658 file,
 * else any remote wheel; -1 when there is no wheel. */
static long meta_file(const lversion_t *lv)
{
    long best = -1;
    int rank = 0;
    for (size_t i = 0; i < lv->nfiles; i++) {
        const lock_file_t *f = &lv->files[i];
        if (!f->wheel)
            continue;
        int r = f->path ? 3 : f->core_metadata ? 2 : 1;
        if (r > rank) {
            rank = r;
            best = (long)i;
        }
    }
    return best;
}

static void meta_req(const lock_file_t *f, metadata_req_t *r)
{
    memset(r, 0, sizeof(*r));
    r->path = f->path;
    r->url = f->path ? NULL : f->url;
    r->filename = f->filename;
    r->sha256 = f->sha256[0] ? f->sha256 : NULL;
    r->size = f->size;
    r->core_metadata = f->core_metadata;
    r->metadata_sha256 = f->metadata_sha256[0] ? f->metadata_sha256 : NULL;
}

/* Takes parsed core metadata into lv->meta (cm is lv's afterwards). */
static void meta_set(lversion_t *lv, core_metadata_t *cm)
{
    lv->meta_loaded = true;
    lv->cm = *cm;
    memset(cm, 0, sizeof *cm);
    lv->reqs = xcalloc(lv->cm.n_requires_dist + 1, sizeof(req_t *));
    for (size_t i = 0; i < lv->cm.n_requires_dist; i++) {
        req_t *q = NULL;
        err_t *e = req_parse(lv->cm.requires_dist[i], &q, NULL);
        if (e) {
            lv->meta_why = xasprintf("its metadata has an invalid requirement: %s", e->msg);
            err_free(e);
            return;
        }
        lv->reqs[lv->nreqs++] = q;
    }
    size_t cap = 0;
    for (size_t i = 0; i < lv->cm.n_provides_extra; i++)
        strv_push(&lv->extras, &lv->nextras, &cap, pkg_name_normalize(lv->cm.provides_extra[i]));
    lv->meta = (rs_meta_t){lv->reqs, lv->nreqs, lv->cm.requires_python, lv->extras, lv->nextras};
    lv->meta_ok = true;
}

/* Parses what metadata_fetch answered into lv->meta. */
static void meta_take(lversion_t *lv, metadata_req_t *r)
{
    lv->meta_loaded = true;
    if (r->err) {
        lv->meta_why = xasprintf("its metadata could not be read: %s", r->err->msg);
        return;
    }
    meta_set(lv, &r->parsed);
}

static void meta_from_text(lversion_t *lv, const char *key, const char *version,
                           const char *text, const char *label)
{
    lv->meta_loaded = true;
    core_metadata_t cm;
    err_t *e = meta_parse_metadata(text, strlen(text), label, &cm);
    if (!e) {
        char *k = pkg_name_normalize(cm.name);
        if (strcmp(k, key) != 0)
            e = err_new(EXIT_APPLY, "%s: its metadata names %s", label, cm.name);
        free(k);
    }
    if (!e && version) {
        version_t a, b;
        memset(&a, 0, sizeof a);
        memset(&b, 0, sizeof b);
        bool ok = version_parse(cm.version, &a) && version_parse(version, &b) &&
                  version_cmp(&a, &b) == 0;
        if (!ok)
            e = err_new(EXIT_APPLY, "%s: its metadata has version %s", label, cm.version);
        version_free(&a);
        version_free(&b);
    }
    if (e) {
        lv->meta_why = xasprintf("its metadata could not be read: %s", e->msg);
        err_free(e);
        core_metadata_free(&cm);
        return;
    }
    meta_set(lv, &cm);
}

/* A local file's sha256 and size, once. */
static err_t *hash_local(lock_file_t *f)
{
    if (f->sha256[0])
        return NULL;
    err_t *e = sha256_file_hex(f->path, f->sha256);
    if (e)
        return e;
    struct stat st;
    if (stat(f->path, &st) == 0)
        f->size = (int64_t)st.st_size;
    return NULL;
}

/* The metadata of a version that has no wheel, from a build of its sdist (a local file first).
 * Without a builder the version is unavailable. A local sdist is hashed first (the lock needs
 * its sha256 anyway): the builder finds the wheel it built from it before by that hash, instead
 * of preparing the metadata again in a build environment. */
static err_t *sdist_meta(lock_source_t *s, lversion_t *lv)
{
    lock_file_t *sd = NULL;
    for (size_t i = 0; i < lv->nfiles; i++)
        if (!lv->files[i].wheel && !lv->files[i].is_dir && (!sd || (!sd->path && lv->files[i].path)))
            sd = &lv->files[i];
    if (!sd || !s->o.builder) {
        lv->meta_loaded = true;
        lv->meta_why = xstrdup(sd ? "it has only a source distribution, and building is off"
                                  : "it has no file venvsync can install");
        return NULL;
    }
    if (sd->path) {
        err_t *e = hash_local(sd);
        if (e)
            return err_ctx(e, "%s %s", lv->key, lv->text);
    }
    char *text = NULL;
    const char *where = sd->path ? sd->path : sd->url;
    err_t *e = s->o.builder->metadata(s->o.builder->ctx, LOCK_BUILD_SDIST, where, sd->filename,
                                      sd->sha256[0] ? sd->sha256 : NULL, &text);
    if (e)
        return err_ctx(e, "%s %s: reading the metadata of %s", lv->key, lv->text, sd->filename);
    meta_from_text(lv, lv->key, lv->text, text, sd->filename);
    free(text);
    return NULL;
}

/* Fetches the metadata of the given versions in one batch (those not loaded yet). */
static err_t *fetch_meta(lock_source_t *s, lproject_t **ps, const rs_version_t **vs, size_t n)
{
    metadata_req_t *reqs = xcalloc(n + 1, sizeof(metadata_req_t));
    lversion_t **lvs = xcalloc(n + 1, sizeof(lversion_t *));
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        lversion_t *lv = vs[i]->data;
        if (lv->meta_loaded)
            continue;
        long f = meta_file(lv);
        if (f < 0) {
            err_t *be = sdist_meta(s, lv);
            if (be) {
                free(reqs);
                free(lvs);
                return be;
            }
            continue;
        }
        meta_req(&lv->files[f], &reqs[k]);
        lvs[k++] = lv;
    }
    err_t *e = k ? metadata_fetch(s->o.meta, reqs, k) : NULL;
    for (size_t i = 0; i < k; i++) {
        /* a file without usable METADATA makes its version unavailable; failing to get it
         * (network, hash mismatch) stops the resolution: skipping to another version then
         * would let a broken or hostile server choose what gets installed */
        if (!e && reqs[i].err && !reqs[i].invalid) {
            e = reqs[i].err;
            reqs[i].err = NULL;
        }
    }
    for (size_t i = 0; i < k; i++) {
        if (!e)
            meta_take(lvs[i], &reqs[i]);
        metadata_req_clear(&reqs[i]);
    }
    free(reqs);
    free(lvs);
    (void)ps;
    return e;
}

/* ---- the solver's callbacks --------------------------------------------------------------- */

/* Whether the solver could take v at all, as far as the source can tell: not every file yanked
 * (unless the allowed range is that version alone: an exact pin), and a Requires-Python on the
 * index (the first file's, as the solver reads it) that one of the targets' Pythons meets. */
static bool may_take(const lock_source_t *s, const lproject_t *p, const rs_version_t *v)
{
    const lversion_t *lv = v->data;
    bool all_yanked = lv->nfiles > 0;
    const char *rp = NULL;
    for (size_t i = 0; i < lv->nfiles; i++) {
        all_yanked = all_yanked && lv->files[i].yanked;
        if (!rp && lv->files[i].requires_python)
            rp = lv->files[i].requires_python;
    }
    if (all_yanked) {
        const version_t *one = p->has_allowed ? vrange_singleton(&p->allowed) : NULL;
        if (!one || version_cmp(one, &v->version) != 0)
            return false;
    }
    if (!rp || !s->o.pythons || !s->o.pythons[0])
        return true;
    specset_t *spec = NULL;
    char *why = NULL;
    bool ok = !specset_parse(rp, &spec, &why); /* unparsable: the solver decides */
    for (char *const *py = s->o.pythons; !ok && *py; py++)
        ok = specset_contains_str(spec, *py, true);
    specset_free(spec);
    free(why);
    return ok;
}

/* The version the solver will most likely take first: the preferred one when it may take it,
 * else the newest final release within what it said it may take, or NULL. Its metadata is
 * fetched with the batch. */
static const rs_version_t *likely_version(const lock_source_t *s, const lproject_t *p)
{
    for (size_t i = 0; i < s->o.nprefer; i++) {
        if (strcmp(s->o.prefer_keys[i], p->key) != 0)
            continue;
        for (size_t v = 0; v < p->n; v++) {
            const rs_version_t *cand = &p->versions[v];
            if (strcmp(cand->text, s->o.prefer_versions[i]) == 0 &&
                (!p->has_allowed || vrange_contains(&p->allowed, &cand->version)))
                return cand; /* preferred: taken even when yanked (solve.h) */
        }
    }
    for (size_t v = 0; v < p->n; v++) {
        const rs_version_t *cand = &p->versions[v];
        if (version_is_prerelease(&cand->version))
            continue;
        if (p->has_allowed && !vrange_contains(&p->allowed, &cand->version))
            continue;
        if (may_take(s, p, cand))
            return cand;
    }
    return NULL;
}

static err_t *load_batch(lock_source_t *s, const char *key)
{
    char **keys = NULL;
    size_t nk = 0, cap = 0;
    strv_push(&keys, &nk, &cap, xstrdup(key));
    for (size_t i = 0; i < s->nqueue; i++) {
        lproject_t *q = project_for(s, s->queue[i]);
        if (!q->loaded && !direct_for(s, q->key) && !strv_has(keys, q->key))
            strv_push(&keys, &nk, &cap, xstrdup(q->key));
    }
    strv_free(s->queue);
    s->queue = NULL;
    s->nqueue = s->qcap = 0;
    remote_project_t *rps = NULL;
    err_t *e = NULL;
    if (s->o.remote && s->o.sources && remote_sources_any(s->o.sources)) {
        e = remote_lookup(s->o.remote, s->o.sources, (const char *const *)keys, nk, false, &rps);
        s->looked_up += nk;
    }
    lproject_t **loaded = xcalloc(nk + 1, sizeof(lproject_t *));
    const rs_version_t **newest = xcalloc(nk + 1, sizeof(rs_version_t *));
    size_t nn = 0;
    for (size_t i = 0; i < nk; i++) {
        lproject_t *p = project_for(s, keys[i]);
        add_local(s, p);
        if (rps)
            add_remote(s, p, &rps[i]);
        finish_project(p);
        loaded[i] = p;
        /* the likely pick: its metadata now, with the rest */
        const rs_version_t *likely = likely_version(s, p);
        if (likely)
            newest[nn++] = likely;
    }
    if (rps)
        remote_projects_free(rps, nk);
    if (!e)
        e = fetch_meta(s, loaded, newest, nn);
    free(loaded);
    free(newest);
    strv_free(keys);
    return e;
}

static err_t *src_project(void *ctx, const char *key, const rs_project_t **out)
{
    lock_source_t *s = ctx;
    *out = NULL;
    lproject_t *p = project_for(s, key);
    if (!p->loaded) {
        const rs_requirement_t *d = direct_for(s, key);
        err_t *e = NULL;
        if (d) {
            e = load_direct(s, p, d);
            finish_project(p);
        } else {
            e = load_batch(s, key);
        }
        if (e)
            return e;
    }
    *out = p->n ? &p->p : NULL;
    return NULL;
}

static err_t *src_metadata(void *ctx, const rs_project_t *p, const rs_version_t *v,
                           const rs_meta_t **out, char **why)
{
    lock_source_t *s = ctx;
    *out = NULL;
    *why = NULL;
    lversion_t *lv = v->data;
    if (!lv->meta_loaded) {
        err_t *e = fetch_meta(s, NULL, &v, 1);
        if (e)
            return e;
    }
    if (lv->meta_ok)
        *out = &lv->meta;
    else
        *why = xstrdup(lv->meta_why ? lv->meta_why : "its metadata could not be read");
    (void)p;
    return NULL;
}

static void src_prefetch(void *ctx, const char *key, const vrange_t *allowed)
{
    lock_source_t *s = ctx;
    lproject_t *p = project_for(s, key);
    if (!p->loaded) {
        vrange_free(&p->allowed);
        p->has_allowed = allowed != NULL;
        if (allowed)
            p->allowed = vrange_copy(allowed);
    }
    if (!strv_has(s->queue, key))
        strv_push(&s->queue, &s->nqueue, &s->qcap, xstrdup(key));
}

/* ---- the module -------------------------------------------------------------------------- */

lock_source_t *lock_source_new(const lock_source_opts_t *o)
{
    lock_source_t *s = xcalloc(1, sizeof(*s));
    s->o = *o;
    return s;
}

rs_source_t lock_source_solver(lock_source_t *s)
{
    return (rs_source_t){s, src_project, src_metadata, src_prefetch};
}

err_t *lock_source_files(lock_source_t *s, const rs_version_t *v, lock_file_t **files, size_t *n)
{
    (void)s;
    lversion_t *lv = v->data;
    for (size_t i = 0; i < lv->nfiles; i++) {
        lock_file_t *f = &lv->files[i];
        if (f->path && !f->is_dir) {
            err_t *e = hash_local(f);
            if (e)
                return e;
        }
    }
    *files = lv->files;
    *n = lv->nfiles;
    return NULL;
}

void lock_source_stats(const lock_source_t *s, size_t *projects, metadata_stats_t *meta)
{
    *projects = s->looked_up;
    metadata_get_stats(s->o.meta, meta);
}

void lock_source_free(lock_source_t *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++) {
        lproject_t *p = s->projects[i];
        for (size_t k = 0; k < p->n; k++) {
            lversion_t *lv = &p->lv[k];
            for (size_t f = 0; f < lv->nfiles; f++)
                file_free(&lv->files[f]);
            free(lv->files);
            free(lv->rfiles);
            free(lv->meta_why);
            core_metadata_free(&lv->cm);
            for (size_t q = 0; q < lv->nreqs; q++)
                req_free(lv->reqs[q]);
            free(lv->reqs);
            strv_free(lv->extras);
            version_free(&p->versions[k].version);
            free((char *)p->versions[k].text);
        }
        free(p->versions);
        free(p->lv);
        vrange_free(&p->allowed);
        free(p->key);
        free(p->name);
        free(p);
    }
    free(s->projects);
    strv_free(s->queue);
    free(s);
}
