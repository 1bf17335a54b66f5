/*
 * discover: where interpreters live, probing them in parallel, choosing one (discover.h). The
 * candidates are scanned by discover_scan.c (discover_internal.h).
 */
#include "python/discover.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "pkg/version.h"
#include "python/discover_internal.h"
#include "python/probe.h"
#include "util/buf.h"
#include "util/cachedir.h"
#include "util/hash.h"
#include "util/fs.h"
#include "util/path.h"
#include "util/strv.h"
#include "util/xalloc.h"

/* ---- the discovery cache ------------------------------------------------------------------ */

/*
 * <cache_dir>/discovery-v1.txt remembers what the last full scan found for the same places
 * (managed folders, pyenv root, PATH): the candidates in order, and the identity (file_id_t) or
 * absence of every directory, name and pyvenv.cfg the scan looked at. While every one of them
 * is unchanged, the scan would find the same candidates: they are taken from the file, and
 * only probed (from the probe cache, which checks each executable's identity itself). Any
 * change, or a different set of places, scans again and rewrites the file. A scan that looked
 * at something changed in the last 2 seconds is not remembered: a second change within the
 * file system's timestamp granularity would not show.
 */
#define DISCOVERY_MAGIC "venvsync-discovery 1\n"
#define DISCOVERY_RACY_NS 2000000000LL

static char *discovery_key(const discover_opts_t *o)
{
    char *pyenv = o->pyenv_root ? path_absolute(NULL, o->pyenv_root) : NULL;
    char *k = xasprintf("managed=%s\nuv=%s\npyenv=%s\npath=%s\n",
                        o->managed_dir ? o->managed_dir : "", o->uv_dir ? o->uv_dir : "",
                        pyenv ? pyenv : "", o->path ? o->path : "");
    free(pyenv);
    char hex[33];
    hash_name_hex(k, strlen(k), hex);
    free(k);
    return xstrdup(hex);
}

/* Fills s from the cache file when everything it watched is unchanged; false otherwise. */
static bool discovery_load(scan_t *s, const char *file, const char *key)
{
    buf_t b = BUF_INIT;
    if (!fs_try_read(file, &b)) {
        buf_free(&b);
        return false;
    }
    const char *p = buf_cstr(&b);
    bool ok = strncmp(p, DISCOVERY_MAGIC, strlen(DISCOVERY_MAGIC)) == 0;
    p += ok ? strlen(DISCOVERY_MAGIC) : 0;
    bool keyed = false, ended = false;
    char *cand = NULL;
    while (ok && *p && !ended) {
        const char *nl = strchr(p, '\n');
        if (!nl || nl - p < 2 || p[1] != ' ') {
            ok = false;
            break;
        }
        char *line = xstrndup(p + 2, (size_t)(nl - p - 2));
        switch (p[0]) {
        case 'k':
            keyed = strcmp(line, key) == 0;
            ok = keyed;
            break;
        case 'w': {
            char *sp = strchr(line, ' ');
            file_id_t want, now;
            if (!sp) {
                ok = false;
                break;
            }
            *sp = '\0';
            bool present = file_id_of(sp + 1, &now);
            if (strcmp(line, "-") == 0)
                ok = !present;
            else
                ok = present && file_id_parse(line, &want) && file_id_equal(&want, &now);
            break;
        }
        case 'c':
            free(cand);
            cand = line;
            line = NULL;
            break;
        case 'r':
            if (!cand) {
                ok = false;
                break;
            }
            XGROW(s->c, s->cap, s->n + 1);
            s->c[s->n++] = (cand_t){cand, line};
            cand = NULL;
            line = NULL;
            break;
        case 'e':
            ended = true;
            break;
        default:
            ok = false;
        }
        free(line);
        p = nl + 1;
    }
    free(cand);
    buf_free(&b);
    return ok && keyed && ended;
}

static void discovery_save(const scan_t *s, const char *file, const char *key)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    int64_t now_ns = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
    if (s->unwatchable || s->newest_ns > now_ns - DISCOVERY_RACY_NS)
        return;
    buf_t b = BUF_INIT;
    buf_printf(&b, DISCOVERY_MAGIC "k %s\n", key);
    buf_add(&b, s->watch.data, s->watch.len);
    for (size_t i = 0; i < s->n; i++) {
        if (strchr(s->c[i].path, '\n') || strchr(s->c[i].realpath, '\n')) {
            buf_free(&b);
            return;
        }
        buf_printf(&b, "c %s\nr %s\n", s->c[i].path, s->c[i].realpath);
    }
    buf_adds(&b, "e end\n");
    /* The cache only saves time: failing to write it is not an error. */
    err_free(fs_write_atomic(file, b.data, b.len, 0644));
    buf_free(&b);
}

/* ---- parallel probing --------------------------------------------------------------------- */

typedef struct pool {
    pthread_mutex_t lock;
    size_t next;
    const scan_t *s;
    const char *cache_dir;
    interp_t **res;
    err_t **errs;
    bool *ran;
} pool_t;

static void *worker(void *arg)
{
    pool_t *p = arg;
    for (;;) {
        pthread_mutex_lock(&p->lock);
        size_t i = p->next++;
        pthread_mutex_unlock(&p->lock);
        if (i >= p->s->n)
            return NULL;
        p->errs[i] = probe_interp_known(p->s->c[i].path, p->s->c[i].realpath, p->cache_dir,
                                        &p->res[i], &p->ran[i]);
    }
}

static void probe_all(pool_t *p)
{
    size_t n = p->s->n;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    size_t nthreads = ncpu < 2 ? 2 : ncpu > 8 ? 8 : (size_t)ncpu;
    if (nthreads > n)
        nthreads = n;
    pthread_t *t = xcalloc(nthreads + 1, sizeof *t);
    size_t started = 0;
    for (size_t i = 0; i < nthreads; i++)
        if (pthread_create(&t[started], NULL, worker, p) == 0)
            started++;
    if (started == 0)
        worker(p);     /* no threads to be had: probe here, one after the other */
    for (size_t i = 0; i < started; i++)
        pthread_join(t[i], NULL);
    free(t);
}

/* ---- ordering ----------------------------------------------------------------------------- */

static int level_rank(const char *l)
{
    if (!l || strcmp(l, "final") == 0)
        return 4;
    if (strcmp(l, "candidate") == 0)
        return 3;
    if (strcmp(l, "beta") == 0)
        return 2;
    if (strcmp(l, "alpha") == 0)
        return 1;
    return 0;
}

typedef struct sortable {
    interp_t *py;
    size_t order;
} sortable_t;

int interp_cmp_best(const interp_t *a, const interp_t *b)
{
    if (a->major != b->major)
        return a->major > b->major ? -1 : 1;
    if (a->minor != b->minor)
        return a->minor > b->minor ? -1 : 1;
    if (a->micro != b->micro)
        return a->micro > b->micro ? -1 : 1;
    int la = level_rank(a->releaselevel), lb = level_rank(b->releaselevel);
    if (la != lb)
        return la > lb ? -1 : 1;
    if (la != 4) {
        /* Same pre-release level: "3.14.0rc2" after "3.14.0rc10" would be wrong with strcmp. */
        size_t na = strlen(a->version ? a->version : ""), nb = strlen(b->version ? b->version : "");
        if (na != nb)
            return na > nb ? -1 : 1;
        int c = strcmp(a->version, b->version);
        if (c)
            return c > 0 ? -1 : 1;
    }
    if (a->freethreaded != b->freethreaded)
        return a->freethreaded ? 1 : -1;
    bool ca = a->implementation && strcmp(a->implementation, "cpython") == 0;
    bool cb = b->implementation && strcmp(b->implementation, "cpython") == 0;
    if (ca != cb)
        return ca ? -1 : 1;
    return 0;
}

static int cmp_sortable(const void *x, const void *y)
{
    const sortable_t *a = x, *b = y;
    int c = interp_cmp_best(a->py, b->py);
    if (c)
        return c;
    return a->order < b->order ? -1 : a->order > b->order ? 1 : 0;
}

void interp_list_sort(interp_list_t *l)
{
    sortable_t *v = xcalloc(l->n + 1, sizeof *v);
    for (size_t i = 0; i < l->n; i++)
        v[i] = (sortable_t){l->items[i], i};
    qsort(v, l->n, sizeof *v, cmp_sortable);
    for (size_t i = 0; i < l->n; i++)
        l->items[i] = v[i].py;
    free(v);
}

/* ---- the public entry points -------------------------------------------------------------- */

err_t *discover_all_stats(const discover_opts_t *o, interp_list_t *out, discover_stats_t *stats)
{
    memset(out, 0, sizeof *out);
    discover_opts_t none = {0};
    if (!o)
        o = &none;
    scan_t s = {.watch = BUF_INIT};
    char *file = o->cache_dir ? path_join(o->cache_dir, CACHE_DISCOVERY) : NULL;
    char *key = file ? discovery_key(o) : NULL;
    bool cached = file && discovery_load(&s, file, key);
    if (!cached) {
        discover_scan_free(&s);
        s = (scan_t){.watch = BUF_INIT};
        discover_collect(&s, o);
        if (file) {
            err_free(fs_mkdirs(o->cache_dir, 0755));
            discovery_save(&s, file, key);
        }
    }
    free(file);
    free(key);

    pool_t p = {.s = &s, .cache_dir = o ? o->cache_dir : NULL};
    pthread_mutex_init(&p.lock, NULL);
    p.res = xcalloc(s.n + 1, sizeof *p.res);
    p.errs = xcalloc(s.n + 1, sizeof *p.errs);
    p.ran = xcalloc(s.n + 1, sizeof *p.ran);
    if (s.n)
        probe_all(&p);
    pthread_mutex_destroy(&p.lock);

    discover_stats_t st = {.candidates = s.n, .from_cache = cached};
    out->items = xcalloc(s.n + 1, sizeof *out->items);
    size_t nskipped = 0;
    out->skipped = xcalloc(s.n + 1, sizeof *out->skipped);
    for (size_t i = 0; i < s.n; i++) {
        if (p.ran[i])
            st.probed++;
        if (p.res[i]) {
            out->items[out->n++] = p.res[i];
        } else {
            const char *msg = p.errs[i] ? p.errs[i]->msg : "unknown error";
            out->skipped[nskipped++] = xasprintf("%s: %s", s.c[i].path, msg);
        }
        err_free(p.errs[i]);
    }
    interp_list_sort(out);
    free(p.res);
    free(p.errs);
    free(p.ran);
    discover_scan_free(&s);
    if (stats)
        *stats = st;
    return NULL;
}

err_t *discover_all(const discover_opts_t *o, interp_list_t *out)
{
    return discover_all_stats(o, out, NULL);
}

void interp_list_free(interp_list_t *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++)
        interp_free(l->items[i]);
    free(l->items);
    strv_free(l->skipped);
    memset(l, 0, sizeof *l);
}

static bool fits_request(const interp_t *py, const pyreq_t *r, bool strict)
{
    if (!r || r->kind == PYREQ_ANY) {
        /* Any: a final, non-debug GIL build if there is one. */
        if (strict && (level_rank(py->releaselevel) != 4 || py->debug || py->freethreaded))
            return false;
        if (r && r->impl && strcmp(r->impl, py->implementation) != 0)
            return false;
        if (r && r->freethreaded && !py->freethreaded)
            return false;
        return true;
    }
    if (strict && (level_rank(py->releaselevel) != 4 || py->debug))
        return false;
    pyfacts_t f = {py->implementation, py->version, py->freethreaded, py->path, py->realpath};
    return pyreq_matches(r, &f);
}

static bool fits(const interp_t *py, const pyreq_t *r, bool strict)
{
    return py->venv_capable && fits_request(py, r, strict);
}

const interp_t *discover_best(const interp_list_t *l, const pyreq_t *r)
{
    /* First pass: final releases, no debug builds. Second: whatever matches. */
    for (int strict = 1; strict >= 0; strict--)
        for (size_t i = 0; i < l->n; i++)
            if (fits(l->items[i], r, strict))
                return l->items[i];
    return NULL;
}

/* The request as one shell word (quoted when it has characters a shell would interpret). */
static char *shell_word(const char *t)
{
    for (const char *p = t; *p; p++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.@_-+", *p))
            return xasprintf("'%s'", t);
    return xstrdup(t);
}

char *discover_install_hint_for(const pyreq_t *r, bool downloads)
{
    char ver[64] = "";
    if (r && r->kind == PYREQ_VERSION && r->nparts >= 2)
        snprintf(ver, sizeof ver, "%ld.%ld%s", r->parts[0], r->parts[1],
                 r->freethreaded ? "t" : "");
    else if (r && r->kind == PYREQ_VERSION)
        snprintf(ver, sizeof ver, "%ld", r->parts[0]);
    buf_t b = BUF_INIT;
    if (downloads && r && discover_downloadable(r)) {
        char *w = shell_word(r->text);
        buf_printf(&b, "download it with `venvsync python install %s` (or set "
                       "`python-downloads: automatic` in venv.yaml), or ", w);
        free(w);
    }
    if (ver[0]) {
        buf_printf(&b, "install it with `pyenv install %s`", ver);
        if (r->nparts >= 2 && r->parts[0] == 3 && !r->freethreaded)
            buf_printf(&b, " or from your system's packages where they carry it (Debian/Ubuntu: "
                       "`apt install python3.%ld-venv`)", r->parts[1]);
    } else {
        buf_adds(&b, "install a matching version with `pyenv install 3.X` or from your "
                     "system's packages (Debian/Ubuntu: `apt install python3.X-venv`)");
    }
    buf_adds(&b, ", then run again; or name an interpreter by its absolute path");
    return buf_detach(&b);
}

bool discover_downloadable(const pyreq_t *r)
{
    /* python-build-standalone has CPython 3 only. */
    return !r || (r->kind != PYREQ_PATH && (!r->impl || strcmp(r->impl, "cpython") == 0) &&
                  !(r->kind == PYREQ_VERSION && r->parts[0] != 3));
}

char *discover_install_hint(const pyreq_t *r)
{
    return discover_install_hint_for(r, true);
}

char *discover_describe(const interp_list_t *l)
{
    buf_t b = BUF_INIT;
    if (l->n == 0)
        buf_adds(&b, "no Python interpreters were found (searched venvsync's and uv's managed "
                     "folders, pyenv's versions, PATH, /usr/local/bin and /usr/bin)");
    else
        buf_printf(&b, "found %zu interpreter%s:", l->n, l->n == 1 ? "" : "s");
    for (size_t i = 0; i < l->n; i++) {
        const interp_t *py = l->items[i];
        char *v = xasprintf("%s%s", py->version, py->freethreaded ? "t" : "");
        buf_printf(&b, "\n    %-10s %-8s %s", v, py->implementation, py->path);
        if (!py->venv_capable)
            buf_adds(&b, "  (cannot host a virtual environment)");
        else if (py->debug)
            buf_adds(&b, "  (debug build)");
        free(v);
    }
    return buf_detach(&b);
}

static interp_t *take(interp_list_t *l, const interp_t *py)
{
    for (size_t i = 0; i < l->n; i++) {
        if (l->items[i] == py) {
            interp_t *r = l->items[i];
            memmove(&l->items[i], &l->items[i + 1], (l->n - i - 1) * sizeof *l->items);
            l->n--;
            return r;
        }
    }
    return NULL;
}

err_t *python_resolve(const pyreq_t *r, const char *base_dir, const discover_opts_t *o,
                      interp_t **out)
{
    *out = NULL;
    const char *cache_dir = o ? o->cache_dir : NULL;
    if (r && r->kind == PYREQ_PATH) {
        char *abs = path_absolute(base_dir, r->path);
        interp_t *py = NULL;
        err_t *e = probe_interp(abs, cache_dir, &py, NULL);
        free(abs);
        if (e)
            return err_hint(err_ctx(err_code(e, EXIT_USAGE), "python '%s'", r->text),
                            "name a Python 3 interpreter's executable, or a version such as "
                            "\"3.12\"");
        if (!py->venv_capable) {
            e = err_new(EXIT_USAGE, "python '%s' is %s %s, which cannot host a virtual "
                        "environment (Python 3.3 or newer is needed)", r->text,
                        py->implementation, py->version);
            interp_free(py);
            return err_hint(e, "name a Python 3 interpreter instead");
        }
        *out = py;
        return NULL;
    }

    interp_list_t l;
    err_t *e = discover_all(o, &l);
    if (e)
        return e;
    const interp_t *best = discover_best(&l, r);
    if (best) {
        *out = take(&l, best);
        interp_list_free(&l);
        return NULL;
    }
    char *found = discover_describe(&l);
    const char *what = r ? r->text : "any";
    const interp_t *old = NULL;
    for (size_t i = 0; i < l.n && !old; i++)
        if (fits_request(l.items[i], r, false))
            old = l.items[i];
    if (old) {
        e = err_new(EXIT_USAGE, "no Python interpreter that can host a virtual environment "
                    "matches '%s' (%s %s at %s is too old: venvs need Python 3.3 or newer); %s",
                    what, old->implementation, old->version, old->path, found);
        err_hint(e, "ask for a Python 3 version instead, e.g. \"3.12\"");
    } else {
        e = err_new(EXIT_USAGE, "no Python interpreter matches '%s'; %s", what, found);
        char *hint = discover_install_hint(r);
        err_hint(e, "%s", hint);
        free(hint);
    }
    free(found);
    interp_list_free(&l);
    return e;
}

/* ---- .python-version ---------------------------------------------------------------------- */

char *python_version_parse(const char *text)
{
    const char *p = text;
    while (*p) {
        const char *nl = strchr(p, '\n');
        const char *e = nl ? nl : p + strlen(p);
        const char *s = p;
        while (s < e && isspace((unsigned char)*s))
            s++;
        const char *t = e;
        while (t > s && isspace((unsigned char)t[-1]))
            t--;
        if (t > s && *s != '#')
            return xstrndup(s, (size_t)(t - s));
        p = nl ? nl + 1 : e;
    }
    return NULL;
}

char *python_version_file(const char *dir)
{
    char *d = path_absolute(NULL, dir);
    for (;;) {
        char *f = path_join(d, ".python-version");
        buf_t b = BUF_INIT;
        struct stat st;
        bool found = stat(f, &st) == 0 && S_ISREG(st.st_mode);
        /* The nearest file decides, as in pyenv, even when it has no usable line. */
        char *r = found && fs_try_read(f, &b) ? python_version_parse(buf_cstr(&b)) : NULL;
        buf_free(&b);
        free(f);
        if (found || strcmp(d, "/") == 0) {
            free(d);
            return r;
        }
        char *up = path_dirname(d);
        free(d);
        d = up;
    }
}

discover_opts_t discover_opts(const config_t *cfg)
{
    return (discover_opts_t){.cache_dir = cfg->cache_dir, .path = cfg->path,
                             .pyenv_root = cfg->pyenv_root, .pyenv_version = cfg->pyenv_version,
                             .managed_dir = cfg->python_dir, .uv_dir = cfg->uv_python_dir};
}

/* ---- the default: what `python3` runs ----------------------------------------------------- */

static bool is_exec_file(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode) && access(p, X_OK) == 0;
}

/* $PYENV_ROOT/versions/<name>/bin/python3, exactly or as the newest version with that prefix
 * ("3.11" -> "3.11.9"); NULL when pyenv has no such version. */
static char *pyenv_python(const char *root, const char *name)
{
    if (!*name || strchr(name, '/') || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return NULL;
    char *exact = path_joinv(root, "versions", name, "bin", "python3", (char *)NULL);
    if (is_exec_file(exact))
        return exact;
    free(exact);
    char *versions = path_join(root, "versions");
    char **names = NULL;
    err_free(fs_list_dir(versions, &names));
    char *best = NULL;
    version_t bv = {0};
    size_t n = strlen(name);
    for (size_t i = 0; names && names[i]; i++) {
        if (strncmp(names[i], name, n) != 0 || names[i][n] != '.')
            continue;
        version_t v;
        if (!version_parse(names[i], &v))
            continue;
        char *p = path_joinv(versions, names[i], "bin", "python3", (char *)NULL);
        if (is_exec_file(p) && (!best || version_cmp(&v, &bv) > 0)) {
            free(best);
            version_free(&bv);
            best = p;
            bv = v;
        } else {
            free(p);
            version_free(&v);
        }
    }
    version_free(&bv);
    strv_free(names);
    free(versions);
    return best;
}

/* The pyenv version names in force for dir, in order ("system" included), or NULL. */
static char *pyenv_selection(const discover_opts_t *o, const char *dir)
{
    if (o->pyenv_version && *o->pyenv_version)
        return xstrdup(o->pyenv_version);
    char *v = python_version_file(dir);
    if (v)
        return v;
    char *global = path_join(o->pyenv_root, "version");
    buf_t b = BUF_INIT;
    char *r = fs_try_read(global, &b) ? python_version_parse(buf_cstr(&b)) : NULL;
    buf_free(&b);
    free(global);
    return r;
}

char *discover_default(const discover_opts_t *o, const char *dir)
{
    if (!o || !o->path)
        return NULL;
    char *shims = NULL;
    if (o->pyenv_root) {
        char *sd = path_join(o->pyenv_root, "shims");
        shims = path_real(sd);
        free(sd);
    }
    char *copy = xstrdup(o->path), *save = NULL, *found = NULL;
    bool past_shims = false;
    for (char *d = strtok_r(copy, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
        if (!*d || d[0] != '/')
            continue;
        char *real = path_real(d);
        bool is_shims = shims && real && strcmp(real, shims) == 0;
        free(real);
        char *p = path_join(d, "python3");
        if (!is_exec_file(p)) {
            free(p);
            continue;
        }
        if (!is_shims || past_shims) {
            if (!is_shims)
                found = p;
            else
                free(p);
            continue;
        }
        free(p);
        /* pyenv's shim: the version pyenv would run here */
        char *sel = pyenv_selection(o, dir);
        bool system = !sel;
        for (char *s2 = NULL, *v = sel ? strtok_r(sel, ": \t\n", &s2) : NULL; v && !found;
             v = strtok_r(NULL, ": \t\n", &s2)) {
            if (strcmp(v, "system") == 0)
                system = true;
            else if (!system)
                found = pyenv_python(o->pyenv_root, v);
        }
        free(sel);
        past_shims = true; /* "system": the python3 that PATH has after the shims */
        if (!found && !system)
            break;         /* pyenv would fail ("version not installed"): no default */
    }
    free(copy);
    free(shims);
    return found;
}

