/* lock: the lock stage of an environment (see lock.h). */
#include "lock/lock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "build/build.h"
#include "build/pyproject.h"
#include "lock/source.h"
#include "pkg/name.h"
#include "python/target.h"
#include "resolve/universal.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/hash.h"
#include "util/path.h"
#include "util/strv.h"
#include "util/url.h"
#include "util/xalloc.h"

/* The CPython minors a lock covers when the request allows any of them. */
static const int KNOWN_MINORS[] = {8, 9, 10, 11, 12, 13, 14};
#define NKNOWN (sizeof KNOWN_MINORS / sizeof KNOWN_MINORS[0])

void lock_ctx_free(lock_ctx_t *c)
{
    metadata_free(c->meta);
    c->meta = NULL;
}

/* ---- inputs ------------------------------------------------------------------------------ */

/* p relative to dir when below it, else as it is: what the digest holds. */
static const char *rel_to(const char *p, const char *dir)
{
    size_t n = strlen(dir);
    if (p && strncmp(p, dir, n) == 0 && p[n] == '/')
        return p + n + 1;
    return p;
}

/* The environment's `project:`: the project itself (editable or not, with its extras) and the
 * requirements of its dependency groups (PEP 735), all as if written in the manifest. */
static err_t *add_project(const lock_ctx_t *c, const mf_env_t *env, const reqfile_env_t *renv,
                          reqfile_t *rf)
{
    const mf_project_t *pr = &env->project;
    const char *file = c->m->file;
    if (!fs_is_dir(pr->path))
        return err_new(EXIT_USAGE, "%s:%d:%d: project %s is not a directory", file, pr->pos.line,
                       pr->pos.col, pr->path);
    if (!c->builder || c->no_build)
        return err_hint(err_new(EXIT_USAGE, "%s:%d:%d: a project is built, and building is off "
                                "(build: never, or --no-build)", file, pr->pos.line, pr->pos.col),
                        "allow builds, or install the project's wheel instead");
    char *name = NULL;
    err_t *e = c->builder->project_name(c->builder->ctx, pr->path, &name);
    if (e)
        return err_ctx(e, "%s:%d:%d: project %s", file, pr->pos.line, pr->pos.col, pr->path);
    buf_t t = BUF_INIT;
    buf_adds(&t, name);
    for (size_t i = 0; pr->extras[i]; i++)
        buf_printf(&t, "%s%s", i ? "," : "[", pr->extras[i]);
    if (pr->extras[0])
        buf_addc(&t, ']');
    char *url = url_from_path(pr->path);
    buf_printf(&t, " @ %s", url);
    free(url);
    size_t before = rf->n;
    e = reqfile_add_item(rf, buf_cstr(&t), file, pr->pos.line, pr->pos.col, renv);
    buf_free(&t);
    if (!e && rf->n == before + 1)
        rf->entries[before].editable = pr->editable;
    if (!e && pr->groups[0]) {
        pyproject_t pp;
        e = pyproject_load(pr->path, &pp);
        char *toml = path_join(pr->path, "pyproject.toml");
        for (size_t g = 0; !e && pr->groups[g]; g++) {
            char **reqs = NULL;
            e = pyproject_group_expand(&pp, pr->groups[g], &reqs);
            const pyproject_group_t *grp = e ? NULL : pyproject_find_group(&pp, pr->groups[g]);
            int line = grp && grp->key_at ? toml_line(grp->key_at) : 0;
            for (size_t k = 0; !e && reqs && reqs[k]; k++)
                e = reqfile_add_item(rf, reqs[k], toml, line, 1, renv);
            strv_free(reqs);
            if (e)
                e = err_ctx(e, "%s:%d:%d: group '%s' of %s", file, pr->pos.line, pr->pos.col,
                            pr->groups[g], toml);
        }
        free(toml);
        pyproject_free(&pp);
    }
    free(name);
    return e;
}

err_t *lock_inputs_read(const lock_ctx_t *c, const mf_env_t *env, const pyreq_t *python,
                        lock_inputs_t *out)
{
    memset(out, 0, sizeof(*out));
    out->python = python;
    out->prefer_sdist = c->no_binary;
    if (env->pylock) { /* another tool's lock: nothing to read but the lock itself */
        out->given = true;
        out->path = xstrdup(env->pylock);
        out->name = xstrdup(path_basename(env->pylock));
        out->rf = reqfile_new();
        out->reqs = xcalloc(1, sizeof(rs_requirement_t));
        out->constraints = xcalloc(1, sizeof(rs_requirement_t));
        out->digest = xstrdup("given");
        return NULL;
    }
    out->environments = env->lock_environments;
    char *fname = NULL;
    err_t *e = pylock_filename(env->name, &fname);
    if (e)
        return err_hint(e, "an environment with a lock needs a name without '.'");
    out->name = fname;
    out->path = path_join(c->m->dir, fname);
    reqfile_env_t renv = {.vars = c->cfg->env};
    if (c->builder) {
        renv.project_name = c->builder->project_name;
        renv.project_ctx = c->builder->ctx;
    }
    e = want_read(c->m, env, &renv, &out->rf);
    if (!e && env->project.path)
        e = add_project(c, env, &renv, out->rf);
    if (e)
        return e;
    const reqfile_t *rf = out->rf;
    size_t no = 0, ocap = 0;
    out->reqs = xcalloc(rf->n + 1, sizeof(rs_requirement_t));
    out->constraints = xcalloc(rf->n + 1, sizeof(rs_requirement_t));
    buf_t d = BUF_INIT;
    buf_printf(&d, "venvsync lock inputs 1\npython: %s\n", python ? python->text : "*");
    buf_printf(&d, "index: %s\n", c->m->index_url ? c->m->index_url : "");
    if (c->no_build || c->no_binary)
        buf_printf(&d, "build: %s\n", c->no_build ? "never" : "always");
    for (char *const *p = out->environments; p && *p; p++)
        buf_printf(&d, "lock-environment: %s\n", *p);
    for (char *const *p = c->m->extra_urls; p && *p; p++)
        buf_printf(&d, "extra-url: %s\n", *p);
    for (char *const *p = c->m->find_links; p && *p; p++)
        buf_printf(&d, "find-links: %s\n", rel_to(*p, c->m->dir));
    const rf_options_t *o = &rf->opts;
    buf_printf(&d, "-i %s\n--no-index %d\n--pre %d\n", o->index_url ? o->index_url : "",
               o->no_index, o->pre);
    for (char *const *p = o->extra_index_urls; p && *p; p++)
        buf_printf(&d, "--extra-index-url %s\n", *p);
    for (char *const *p = o->find_links; p && *p; p++)
        buf_printf(&d, "-f %s\n", rel_to(*p, c->m->dir));
    for (size_t i = 0; i < rf->n; i++) {
        const rf_entry_t *en = &rf->entries[i];
        if (en->source == RF_SOURCE_DIR) {
            /* what decides its build (dependencies, entry points, backend settings) */
            char fp[65];
            e = build_fingerprint(en->path_or_url, fp);
            if (e) {
                buf_free(&d);
                return err_ctx(e, "%s", en->text);
            }
            buf_printf(&d, "project %s %s%s\n", rel_to(en->path_or_url, c->m->dir), fp,
                       en->editable ? " editable" : "");
        }
        char *origin = reqfile_origin(en);
        strv_push(&out->origins, &no, &ocap, origin);
        rs_requirement_t r = {en->req, origin, en->editable};
        if (en->is_constraint)
            out->constraints[out->nconstraints++] = r;
        else
            out->reqs[out->nreqs++] = r;
        /* as written (relative paths stay relative), where it came from, and its hashes */
        buf_printf(&d, "%s %s (%s)", en->is_constraint ? "constraint" : "requirement", en->text,
                   rel_to(en->file, c->m->dir));
        for (size_t h = 0; h < en->nhashes; h++)
            buf_printf(&d, " %s", en->hashes[h]);
        buf_addc(&d, '\n');
    }
    /* a no-op sync computes this: a fast hash that needs no libcrypto (util/hash.h) */
    char hex[33];
    hash_name_hex(d.data, d.len, hex);
    buf_free(&d);
    out->digest = xasprintf("fnv128:%s", hex);
    return NULL;
}

err_t *lock_inputs_build(const lock_ctx_t *c, const char *label, char *const *reqs,
                         const rf_options_t *opts, lock_inputs_t *out)
{
    memset(out, 0, sizeof(*out));
    out->here_only = true;
    out->name = xstrdup(label);
    out->path = path_join(c->m->dir, "pylock.build.toml"); /* anchors relative paths only */
    out->digest = xstrdup("");
    buf_t t = BUF_INIT;
    if (opts) {
        if (opts->no_index)
            buf_adds(&t, "--no-index\n");
        if (opts->index_url)
            buf_printf(&t, "-i %s\n", opts->index_url);
        for (char *const *p = opts->extra_index_urls; p && *p; p++)
            buf_printf(&t, "--extra-index-url %s\n", *p);
        for (char *const *p = opts->find_links; p && *p; p++)
            buf_printf(&t, "-f %s\n", *p);
    }
    for (char *const *r = reqs; r && *r; r++)
        buf_printf(&t, "%s\n", *r);
    reqfile_env_t renv = {.vars = c->cfg->env};
    out->rf = reqfile_new();
    err_t *e = reqfile_parse_text(out->rf, t.data ? t.data : "", t.len, out->path, false, &renv);
    buf_free(&t);
    if (e)
        return err_ctx(e, "%s", label);
    const reqfile_t *rf = out->rf;
    size_t no = 0, ocap = 0;
    out->reqs = xcalloc(rf->n + 1, sizeof(rs_requirement_t));
    out->constraints = xcalloc(1, sizeof(rs_requirement_t));
    for (size_t i = 0; i < rf->n; i++) {
        strv_push(&out->origins, &no, &ocap, xstrdup(label));
        out->reqs[out->nreqs++] = (rs_requirement_t){rf->entries[i].req, out->origins[no - 1],
                                                     false};
    }
    return NULL;
}

void lock_inputs_free(lock_inputs_t *in)
{
    reqfile_free(in->rf);
    free(in->reqs);
    free(in->constraints);
    strv_free(in->origins);
    free(in->digest);
    free(in->path);
    free(in->name);
    memset(in, 0, sizeof(*in));
}

/* ---- the file ------------------------------------------------------------------------------ */

err_t *lock_load(const lock_inputs_t *in, pylock_t **out)
{
    *out = NULL;
    buf_t b = BUF_INIT;
    if (!fs_try_read(in->path, &b)) {
        buf_free(&b);
        return NULL; /* no lock yet */
    }
    char **warnings = NULL;
    err_t *e = pylock_read(b.data ? b.data : "", b.len, in->name, out, &warnings);
    buf_free(&b);
    strv_free(warnings);
    if (e)
        return err_hint(err_code(e, EXIT_USAGE), "fix the file or delete it: `venvsync lock` "
                        "writes it anew");
    return NULL;
}

static int key_vs_pick(const void *key, const void *pick)
{
    return strcmp(key, ((const pylock_pick_t *)pick)->pkg->name);
}

/* The pick of sel named key (normalized), or NULL; by bisection when the picks come in strcmp
 * order of their names (`sorted`). Picks' names are unique. */
static const pylock_pick_t *find_pick(const pylock_selection_t *sel, bool sorted,
                                      const char *key)
{
    if (sorted)
        return sel->n ? bsearch(key, sel->picks, sel->n, sizeof *sel->picks, key_vs_pick) : NULL;
    for (size_t k = 0; k < sel->n; k++)
        if (strcmp(sel->picks[k].pkg->name, key) == 0)
            return &sel->picks[k];
    return NULL;
}

static bool picks_sorted(const pylock_selection_t *sel)
{
    for (size_t k = 0; k + 1 < sel->n; k++)
        if (strcmp(sel->picks[k].pkg->name, sel->picks[k + 1].pkg->name) > 0)
            return false;
    return true;
}

/* Whether the lock's selection for py meets every root requirement that applies to py: each
 * such package is selected, at a version its specifiers allow. A selection that fails is left
 * to lock_wants to report (true here). */
static bool meets_roots(const pylock_t *l, const lock_inputs_t *in, const interp_t *py)
{
    marker_env_t menv;
    target_marker_env(py, &menv);
    char *desc = target_desc(py);
    char *lock_dir = path_dirname(in->path);
    /* no tags: which versions apply matters here, not which files */
    pylock_target_t t = {.env = &menv, .lock_dir = lock_dir, .lock_name = in->name,
                         .describe = desc};
    pylock_selection_t sel;
    memset(&sel, 0, sizeof sel);
    bool ok = true;
    err_t *e = pylock_select(l, &t, &sel);
    bool sorted = !e && picks_sorted(&sel);
    for (size_t i = 0; !e && ok && i < in->nreqs; i++) {
        const req_t *r = in->reqs[i].req;
        bool applies = false;
        err_t *me = req_applies(r, &menv, &applies);
        if (me || !applies || r->url) {
            err_free(me);
            continue;
        }
        const pylock_pick_t *pick = find_pick(&sel, sorted, r->key);
        ok = pick && (!pick->pkg->version ||
                      specset_contains_str(r->specs, pick->pkg->version, true));
    }
    err_free(e);
    pylock_selection_free(&sel);
    free(lock_dir);
    free(desc);
    return ok;
}

bool lock_is_fresh(const pylock_t *l, const lock_inputs_t *in, const interp_t *py)
{
    if (!l || !l->inputs || strcmp(l->inputs, in->digest) != 0)
        return false;
    return !py || meets_roots(l, in, py);
}

bool lock_covers(const pylock_t *l, const interp_t *py)
{
    if (!l || !py)
        return true;
    marker_env_t menv;
    target_marker_env(py, &menv);
    pylock_target_t t = {.env = &menv};
    return pylock_covers(l, &t);
}

bool lock_covers_python(const pylock_t *l, const interp_t *py)
{
    if (!l)
        return true;
    pylock_t any_platform = *l; /* a shallow, read-only view without environments */
    any_platform.environments = NULL;
    return lock_covers(&any_platform, py);
}

bool lock_keep(const pylock_t *l, const lock_inputs_t *in, const interp_t *py)
{
    return lock_is_fresh(l, in, py) &&
           (lock_covers(l, py) || (in->environments && lock_covers_python(l, py)));
}

err_t *lock_save(const lock_inputs_t *in, const pylock_t *l)
{
    buf_t b = BUF_INIT, old = BUF_INIT;
    err_t *e = pylock_write(l, &b);
    /* the same bytes are left alone: an unchanged lock keeps its mtime (make, editors, git) */
    bool same = !e && fs_try_read(in->path, &old) && old.len == b.len &&
                (b.len == 0 || memcmp(old.data, b.data, b.len) == 0);
    if (!e && !same)
        e = fs_write_atomic(in->path, b.data, b.len, 0644);
    buf_free(&old);
    buf_free(&b);
    return e;
}

/* "1.2.0", or for a local project "(proj, editable)": how a lock entry is shown. */
static char *shown_version(const pylock_package_t *p)
{
    if (p->version)
        return xstrdup(p->version);
    if (p->source == PYLOCK_DIRECTORY)
        return xasprintf("(%s%s)", p->directory.path ? p->directory.path : "?",
                         p->directory.editable ? ", editable" : "");
    return xstrdup("?");
}

char **lock_diff(const pylock_t *old, const pylock_t *nl)
{
    char **out = NULL;
    size_t n = 0, cap = 0;
    for (size_t i = 0; i < nl->npackages; i++) {
        const pylock_package_t *p = &nl->packages[i];
        long at = old ? pylock_find(old, p->name, 0) : -1;
        bool same = false;
        for (long k = at; old && k >= 0 && !same; k = pylock_find(old, p->name, (size_t)k + 1))
            same = (!old->packages[k].version && !p->version) ||
                   (old->packages[k].version && p->version &&
                    strcmp(old->packages[k].version, p->version) == 0);
        if (same)
            continue;
        char *now = shown_version(p);
        if (at < 0) {
            strv_push(&out, &n, &cap, xasprintf("+ %s %s", p->name, now));
        } else {
            char *was = shown_version(&old->packages[at]);
            strv_push(&out, &n, &cap, xasprintf("~ %s %s -> %s", p->name, was, now));
            free(was);
        }
        free(now);
    }
    for (size_t i = 0; old && i < old->npackages; i++) {
        const pylock_package_t *p = &old->packages[i];
        if (pylock_find(nl, p->name, 0) < 0) {
            char *was = shown_version(p);
            strv_push(&out, &n, &cap, xasprintf("- %s %s", p->name, was));
            free(was);
        }
    }
    return out;
}

/* ---- resolving ---------------------------------------------------------------------------- */

/* The minors the request allows (among the known ones), or just here's when it names an
 * executable or an implementation venvsync cannot lock for. */
static size_t minors_for(const pyreq_t *r, const interp_t *here, int *out)
{
    size_t n = 0;
    if (r && (r->kind == PYREQ_PATH || (r->impl && strcmp(r->impl, "cpython") != 0))) {
        if (here)
            out[n++] = here->minor;
        return n;
    }
    for (size_t i = 0; i < NKNOWN; i++) {
        int m = KNOWN_MINORS[i];
        bool ok = true;
        if (r && r->kind == PYREQ_VERSION)
            ok = r->parts[0] == 3 && (r->nparts < 2 || r->parts[1] == m);
        else if (r && r->kind == PYREQ_SPECS) {
            char lo[16], hi[16];
            snprintf(lo, sizeof lo, "3.%d.0", m);
            snprintf(hi, sizeof hi, "3.%d.999", m);
            ok = specset_contains_str(r->specs, lo, true) || specset_contains_str(r->specs, hi, true);
        }
        if (ok)
            out[n++] = m;
    }
    if (!n && here)
        out[n++] = here->minor;
    return n;
}

static int here_os(const interp_t *py)
{
    const char *p = py ? py->sys_platform : NULL;
    return !p ? -1 : strcmp(p, "linux") == 0 ? MARKER_OS_LINUX
                   : strcmp(p, "darwin") == 0 ? MARKER_OS_MACOS
                   : strcmp(p, "win32") == 0  ? MARKER_OS_WINDOWS
                                              : -1;
}

static int here_arch(const interp_t *py)
{
    const char *m = py ? py->machine : NULL;
    if (!m)
        return -1;
    if (strcasecmp(m, "x86_64") == 0 || strcasecmp(m, "amd64") == 0)
        return MARKER_ARCH_X86_64;
    if (strcasecmp(m, "aarch64") == 0 || strcasecmp(m, "arm64") == 0)
        return MARKER_ARCH_ARM64;
    return -1;
}

/* The index session, the local folders and the metadata reader, made on first need. */
static err_t *open_sources(lock_ctx_t *c, const lock_inputs_t *in, remote_sources_t *src,
                           bool *remote_ok)
{
    const rf_options_t *o = &in->rf->opts;
    err_t *e = *c->fl ? NULL : findlinks_scan_both(c->m->find_links, o->find_links, c->fl);
    if (e)
        return e;
    *remote_ok = download_index_allowed(c->m->index_url, c->m->extra_urls, c->m->find_links, o,
                                        *c->fl, c->cfg->index_url);
    if (*remote_ok && !*c->session) {
        download_opts_t d = {.cfg = c->cfg, .cache_dir = c->cache_dir, .offline = c->offline,
                             .progress = c->progress, .progress_ctx = c->progress_ctx};
        e = download_session_new(&d, c->session);
        if (e)
            return e;
    }
    memset(src, 0, sizeof(*src));
    if (*remote_ok)
        e = download_sources(*c->session, c->m->index_url, c->m->extra_urls, o, *c->fl, src);
    if (!e && !c->meta) {
        metadata_opts_t mo = {.cache_dir = c->cache_dir, .offline = c->offline};
        c->meta = metadata_new(*c->session ? download_session_http(*c->session) : NULL, &mo);
    }
    return e;
}

/* f's path as the lock writes it: relative to the lock's folder when below it. */
static char *lock_path(const char *path, const char *lock_dir)
{
    const char *r = rel_to(path, lock_dir);
    return xstrdup(r);
}

static void add_file(pylock_file_t *pf, const lock_file_t *f, const char *lock_dir)
{
    if (f->path)
        pf->path = lock_path(f->path, lock_dir);
    else
        pf->url = xstrdup(f->url);
    pf->size = f->size;
    if (f->sha256[0])
        pylock_add_hash(pf, "sha256", f->sha256);
}

/* PEP 751 wants a hash for every file: the remote files no index or URL fragment gave one for
 * (direct `name @ https://...` references, indexes that publish no hashes) are downloaded into
 * the download cache, all at once, and hashed; the install then finds them there. */
static err_t *hash_remote_files(lock_ctx_t *c, lock_file_t **files, size_t n)
{
    if (!n)
        return NULL;
    if (!*c->session)
        return err_new(EXIT_USAGE, "%s has no hash and there is no network to fetch it from",
                       files[0]->url);
    http_download_t *d = xcalloc(n, sizeof *d);
    for (size_t i = 0; i < n; i++)
        d[i] = (http_download_t){.url = files[i]->url, .filename = files[i]->filename,
                                 .size = files[i]->size};
    err_t *errs = http_download_all(download_session_http(*c->session), d, n);
    for (size_t i = 0; i < n; i++) {
        if (d[i].err) {
            err_chain(&errs, err_ctx(d[i].err, "hashing %s for the lock", files[i]->filename));
            d[i].err = NULL;
        } else {
            memcpy(files[i]->sha256, d[i].sha256_out, 65);
            files[i]->size = (int64_t)d[i].size_out;
        }
        http_download_clear(&d[i]);
    }
    free(d);
    return errs;
}

err_t *lock_resolve(lock_ctx_t *c, const char *env_name, const lock_inputs_t *in,
                    const pylock_t *old, const interp_t *here, pylock_t **out, char ***warnings)
{
    *out = NULL;
    if (warnings)
        *warnings = NULL;
    remote_sources_t src;
    bool remote_ok = false;
    err_t *e = open_sources(c, in, &src, &remote_ok);
    if (e)
        return e;
    /* requirements with a URL are their project's only candidate */
    rs_requirement_t *direct = xcalloc(in->nreqs + 1, sizeof(rs_requirement_t));
    size_t ndirect = 0;
    for (size_t i = 0; i < in->nreqs; i++)
        if (in->reqs[i].req->url)
            direct[ndirect++] = in->reqs[i];
    int minors[NKNOWN + 1];
    size_t nminors = minors_for(in->python, here, minors);
    ru_target_t *targets = NULL;
    size_t nt = 0;
    e = ru_targets(minors, nminors, in->environments, here_os(here), here_arch(here),
                   here ? here->minor : -1,
                   &targets, &nt);
    size_t nsolve = nt;
    if (!e && in->here_only) { /* this machine's target alone, first */
        nsolve = 0;
        for (size_t i = 0; i < nt; i++)
            if (targets[i].required) {
                ru_target_t t = targets[0];
                targets[0] = targets[i];
                targets[i] = t;
                nsolve = 1;
                break;
            }
    }
    char **pythons = NULL;
    size_t npy = 0;
    for (size_t i = 0; !e && i < nsolve; i++)
        if (!strv_has(pythons, targets[i].python))
            strv_push(&pythons, &npy, NULL, xstrdup(targets[i].python));
    /* the old lock's versions are preferred: a relock changes as little as possible */
    char **pk = NULL;
    const char **pv = xcalloc((old ? old->npackages : 0) + 1, sizeof(char *));
    size_t np = 0;
    for (size_t i = 0; old && i < old->npackages; i++)
        if (old->packages[i].version && !strv_has(pk, old->packages[i].name)) {
            pv[np] = old->packages[i].version;
            strv_push(&pk, &np, NULL, xstrdup(old->packages[i].name));
        }
    /* and so the source fetches their metadata ahead, not the newest's (unless upgraded) */
    char **spk = NULL;
    const char **spv = xcalloc(np + 1, sizeof(char *));
    size_t nsp = 0;
    for (size_t i = 0; i < np && !c->upgrade_all; i++)
        if (!strv_has(c->upgrade, pk[i])) {
            spv[nsp] = pv[i];
            strv_push(&spk, &nsp, NULL, xstrdup(pk[i]));
        }
    lock_source_opts_t so = {.fl = *c->fl,
                             .remote = remote_ok ? download_session_remote(*c->session) : NULL,
                             .sources = remote_ok ? &src : NULL, .meta = c->meta,
                             .direct = direct, .ndirect = ndirect, .base_dir = c->m->dir,
                             .builder = c->no_build ? NULL : c->builder, .pythons = pythons,
                             .prefer_keys = spk, .prefer_versions = spv, .nprefer = nsp};
    lock_source_t *ls = lock_source_new(&so);
    ru_result_t res;
    memset(&res, 0, sizeof res);
    if (!e) {
        rs_input_t rin = {.root_name = env_name, .reqs = in->reqs, .nreqs = in->nreqs,
                          .constraints = in->constraints, .nconstraints = in->nconstraints,
                          .prefer_keys = pk, .prefer_versions = pv, .nprefer = np,
                          .upgrade = c->upgrade, .nupgrade = strv_len(c->upgrade),
                          .upgrade_all = c->upgrade_all, .no_build = c->no_build || !c->builder,
                          .no_binary = c->no_binary};
        rs_source_t rs = lock_source_solver(ls);
        e = ru_resolve(&rs, &rin, targets, nsolve, &res);
    }
    if (!e && !res.solved)
        e = err_hint(err_new(EXIT_USAGE, "no set of versions satisfies the requirements of '%s' "
                             "%s", env_name, res.explanation),
                     "relax a requirement, or check the package sources");
    pylock_t *l = NULL;
    if (!e) {
        l = pylock_new();
        if (res.environments && res.uncovered) /* where it has a solution */
            strv_push(&l->environments, NULL, NULL, xstrdup(res.environments));
        else if (in->environments) /* where the manifest narrowed it to */
            l->environments = strv_dup(in->environments);
        l->requires_python = xstrdup(res.requires_python);
        l->inputs = xstrdup(in->digest);
        for (size_t i = 0; i < in->nreqs; i++)
            if (!strv_has(l->requested, in->reqs[i].req->key))
                strv_push(&l->requested, NULL, NULL, xstrdup(in->reqs[i].req->key));
        char *lock_dir = path_dirname(in->path);
        lock_file_t **unhashed = xcalloc(1, sizeof(lock_file_t *));
        size_t nu = 0, ucap = 1;
        for (size_t i = 0; i < res.n && !e; i++) {
            lock_file_t *files = NULL;
            size_t nf = 0;
            e = lock_source_files(ls, res.pkgs[i].version, &files, &nf);
            for (size_t k = 0; k < nf && !e; k++)
                if (files[k].url && !files[k].sha256[0]) {
                    if (nu == ucap)
                        unhashed = xrealloc(unhashed, (ucap *= 2) * sizeof(lock_file_t *));
                    unhashed[nu++] = &files[k];
                }
        }
        if (!e)
            e = hash_remote_files(c, unhashed, nu);
        free(unhashed);
        for (size_t i = 0; i < res.n && !e; i++) {
            const ru_package_t *p = &res.pkgs[i];
            lock_file_t *files = NULL;
            size_t nf = 0;
            e = lock_source_files(ls, p->version, &files, &nf);
            bool dir = !e && nf == 1 && files[0].is_dir;
            /* PEP 751: a directory entry has no version (its build decides it) */
            pylock_package_t *pp = pylock_add_package(l, p->key, dir ? NULL : p->version->text);
            pp->marker = xstrdup(p->marker);
            for (size_t k = 0; p->deps && p->deps[k]; k++)
                pylock_add_dep(pp, p->deps[k], NULL);
            if (dir) {
                pp->source = PYLOCK_DIRECTORY;
                char *rel = lock_path(files[0].path, lock_dir);
                pp->directory.path = xstrdup(strcmp(rel, lock_dir) == 0 ? "." : rel);
                free(rel);
                pp->directory.editable = files[0].editable;
                continue;
            }
            for (size_t k = 0; k < nf && !e; k++) {
                if (!pp->index && files[k].index)
                    pp->index = xstrdup(files[k].index);
                pylock_file_t *pf = files[k].wheel ? pylock_add_wheel(pp) : pylock_set_sdist(pp);
                add_file(pf, &files[k], lock_dir);
            }
        }
        free(lock_dir);
        if (warnings) {
            size_t nw = 0, wcap = 0;
            for (size_t i = 0; res.warnings && res.warnings[i]; i++)
                strv_push(warnings, &nw, &wcap, xstrdup(res.warnings[i]));
            for (size_t i = 0; res.uncovered && res.uncovered[i]; i++)
                strv_push(warnings, &nw, &wcap,
                          xasprintf("the lock does not cover %s: no set of versions works there",
                                    res.uncovered[i]));
        }
    }
    ru_result_free(&res);
    ru_targets_free(targets, nt);
    lock_source_free(ls);
    strv_free(pk);
    free(pv);
    strv_free(spk);
    free(spv);
    strv_free(pythons);
    free(direct);
    remote_sources_clear(&src);
    if (e) {
        pylock_free(l);
        return e;
    }
    *out = l;
    return NULL;
}

/* ---- installing ---------------------------------------------------------------------------- */

/* A root requirement's name and position: sorted by both, a name's requirements are found by
 * bisection, in the order they were written. */
typedef struct keyed {
    const char *key;
    size_t i;
} keyed_t;

static int keyed_cmp(const void *a, const void *b)
{
    const keyed_t *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : (x->i > y->i) - (x->i < y->i);
}

err_t *lock_wants(const pylock_t *l, lock_inputs_t *in, const interp_t *py, want_set_t **out)
{
    *out = NULL;
    marker_env_t menv;
    target_marker_env(py, &menv);
    tagset_t *tags = target_tagset(py);
    char *desc = target_desc(py);
    char *lock_dir = path_dirname(in->path);
    pylock_target_t t = {.env = &menv, .tags = tags, .lock_dir = lock_dir,
                         .prefer_sdist = in->prefer_sdist,
                         .lock_name = in->name, .describe = desc};
    pylock_selection_t sel;
    memset(&sel, 0, sizeof sel);
    err_t *e = pylock_select(l, &t, &sel);
    want_locked_t *items = xcalloc(sel.n + 1, sizeof(want_locked_t));
    keyed_t *byname = xmalloc((in->nreqs + 1) * sizeof *byname);
    for (size_t k = 0; k < in->nreqs; k++)
        byname[k] = (keyed_t){in->reqs[k].req->key, k};
    qsort(byname, in->nreqs, sizeof *byname, keyed_cmp);
    char **origins = NULL;
    size_t no = 0, ocap = 0;
    for (size_t i = 0; i < sel.n && !e; i++) {
        const pylock_pick_t *p = &sel.picks[i];
        want_kind_t kind = p->kind == PYLOCK_PICK_WHEEL       ? WANT_WHEEL
                           : p->kind == PYLOCK_PICK_SDIST     ? WANT_SDIST
                           : p->kind == PYLOCK_PICK_DIRECTORY ? WANT_DIR
                                                              : (want_kind_t)-1;
        if ((int)kind < 0) {
            e = err_hint(err_new(EXIT_USAGE, "%s: %s is an archive or version-control "
                                 "reference, which venvsync does not install", in->name,
                                 p->pkg->name), "install it from an index, a file or a folder");
            break;
        }
        const char *direct = NULL;
        const char *origin = NULL;
        size_t lo = 0, hi = in->nreqs; /* the first of the name's, if any */
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (strcmp(byname[mid].key, p->pkg->name) < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        for (size_t k = lo; k < in->nreqs && strcmp(byname[k].key, p->pkg->name) == 0; k++) {
            const rs_requirement_t *rq = &in->reqs[byname[k].i]; /* the last one written wins */
            origin = rq->origin;
            if (rq->req->url)
                direct = rq->req->url;
        }
        if (!origin) {
            strv_push(&origins, &no, &ocap,
                      p->pkg->line > 0 ? xasprintf("%s:%d", in->name, p->pkg->line)
                                       : xasprintf("a dependency in %s", in->name));
            origin = origins[no - 1];
        }
        items[i] = (want_locked_t){p->pkg->name, p->pkg->version, p->location, p->is_local,
                                   kind == WANT_DIR ? NULL : pylock_file_hash(p->file, "sha256"),
                                   p->requested, origin,
                                   direct, kind,
                                   kind == WANT_DIR && p->pkg->directory.editable};
    }
    if (!e) {
        /* the requirements go with the want set, for their hashes and options */
        reqfile_t *rf = in->rf;
        in->rf = NULL;
        free(in->reqs);
        free(in->constraints);
        in->reqs = in->constraints = NULL;
        in->nreqs = in->nconstraints = 0;
        e = want_from_lock(rf, &menv, items, sel.n, out);
    }
    free(items);
    free(byname);
    strv_free(origins);
    pylock_selection_free(&sel);
    free(lock_dir);
    free(desc);
    tagset_free(tags);
    return e;
}
