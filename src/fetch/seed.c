/* seed: which environments get pip, and from which bundled wheel (see seed.h). */
#include "fetch/seed.h"

#include <stdlib.h>
#include <string.h>

#include "pkg/wheelname.h"
#include "util/fs.h"
#include "util/path.h"
#include "util/strv.h"
#include "util/xalloc.h"
#include "wheel/cache.h"

bool seed_wanted(const manifest_t *m, const mf_env_t *env)
{
    if (env->seed != SEED_UNSET)
        return env->seed == SEED_ON;
    size_t hops = 0;
    for (const mf_env_t *e = env; e && hops <= m->nenvs; hops++) {
        if (e->manages_packages)
            return false;
        e = e->copy_from ? manifest_env(m, e->copy_from) : NULL;
    }
    return true;
}

static void push_dir(char ***v, size_t *n, size_t *cap, char *dir)
{
    if (strv_has(*v, dir))
        free(dir);
    else
        strv_push(v, n, cap, dir);
}

char **seed_bundle_dirs(const interp_t *py, const char *system_wheels)
{
    char **v = NULL;
    size_t n = 0, cap = 0;
    char *base = py->base_prefix && *py->base_prefix ? xstrdup(py->base_prefix) : NULL;
    if (!base && py->realpath) { /* <prefix>/bin/python3 */
        char *bin = path_dirname(py->realpath);
        base = path_dirname(bin);
        free(bin);
    }
    if (base) {
        char *libver = interp_lib_version(py);
        bool pypy = py->implementation && strcmp(py->implementation, "pypy") == 0;
        if (pypy) {
            char *d = xasprintf("pypy%s", libver);
            push_dir(&v, &n, &cap, path_joinv(base, "lib", d, "ensurepip", "_bundled", NULL));
            free(d);
            push_dir(&v, &n, &cap, path_joinv(base, "lib-python", "3", "ensurepip", "_bundled",
                                              NULL));
        } else {
            char *d = xasprintf("python%s", libver);
            const char *pld = py->platlibdir && *py->platlibdir ? py->platlibdir : "lib";
            push_dir(&v, &n, &cap, path_joinv(base, pld, d, "ensurepip", "_bundled", NULL));
            push_dir(&v, &n, &cap, path_joinv(base, "lib", d, "ensurepip", "_bundled", NULL));
            free(d);
        }
        free(libver);
        if (system_wheels && strcmp(base, "/usr") == 0)
            push_dir(&v, &n, &cap, xstrdup(system_wheels));
        free(base);
    }
    if (!v)
        v = xcalloc(1, sizeof(char *));
    return v;
}

/* The newest pip wheel in dir (its file name and version), or false. */
static bool newest_pip(const char *dir, char **file, char **version)
{
    char **names = NULL;
    err_t *e = fs_list_dir(dir, &names);
    if (e) {
        err_free(e);
        return false;
    }
    wheelname_t *best = NULL;
    for (size_t i = 0; names[i]; i++) {
        if (strncmp(names[i], "pip-", 4) != 0 || !str_ends_with(names[i], strlen(names[i]), ".whl"))
            continue;
        wheelname_t *w = NULL;
        e = wheelname_parse(names[i], &w);
        if (e || strcmp(w->key, SEED_PACKAGE) != 0) {
            err_free(e);
            wheelname_free(w);
            continue;
        }
        if (!best || version_cmp(&w->version, &best->version) > 0) {
            wheelname_free(best);
            best = w;
        } else {
            wheelname_free(w);
        }
    }
    strv_free(names);
    if (!best)
        return false;
    *file = path_join(dir, best->filename);
    *version = xstrdup(best->version_text);
    wheelname_free(best);
    return true;
}

err_t *seed_find(const interp_t *py, const char *system_wheels, seed_t **out)
{
    *out = NULL;
    char **dirs = seed_bundle_dirs(py, system_wheels);
    char *file = NULL, *version = NULL;
    size_t i = 0;
    for (; dirs[i] && !newest_pip(dirs[i], &file, &version); i++)
        ;
    if (!file) {
        buf_t where = BUF_INIT;
        for (size_t k = 0; dirs[k]; k++)
            buf_printf(&where, "%s%s", k == 0 ? "" : dirs[k + 1] ? ", " : " and ", dirs[k]);
        char *label = interp_label(py);
        err_t *e = err_new(EXIT_USAGE, "seed: no pip wheel to seed the environment with: %s "
                           "bundles none for ensurepip (looked in %s)", label,
                           where.len ? buf_cstr(&where) : "no directory");
        bool debian = system_wheels && py->base_prefix && strcmp(py->base_prefix, "/usr") == 0;
        err_hint(e, "%sset `seed: false` for this environment (pip then comes from "
                 "`packages:` or not at all)",
                 debian ? "install Debian's python3-venv (it brings " SEED_SYSTEM_WHEELS
                          "/pip-*.whl), or " : "");
        free(label);
        buf_free(&where);
        strv_free(dirs);
        return e;
    }
    bool system = system_wheels && strcmp(dirs[i], system_wheels) == 0;
    strv_free(dirs);
    seed_t *s = xcalloc(1, sizeof(*s));
    s->wheel = file;
    s->interp = xstrdup(py->realpath ? py->realpath : py->path);
    s->want.key = xstrdup(SEED_PACKAGE);
    s->want.name = xstrdup(SEED_PACKAGE);
    s->want.version = version;
    s->want.extras = xcalloc(1, sizeof(char *));
    s->want.hashes = xcalloc(1, sizeof(char *));
    s->want.requested = true;
    s->want.origin = xasprintf("as python -m venv installs it, offline from %s (%s)",
                               system ? "Debian's python-wheels" : "the interpreter's ensurepip "
                               "bundle", file);
    *out = s;
    return NULL;
}

void seed_free(seed_t *s)
{
    if (!s)
        return;
    free(s->wheel);
    free(s->interp);
    free(s->want.key);
    free(s->want.name);
    free(s->want.version);
    strv_free(s->want.extras);
    strv_free(s->want.hashes);
    free(s->want.origin);
    free(s);
}

err_t *seed_fetch(const seed_t *s, const char *cache_dir, fetch_t *f)
{
    wheel_unpacked_t *w = NULL;
    err_t *e = wheel_cache_unpack(cache_dir, s->wheel, NULL, &w);
    if (!e && strcmp(w->name ? w->name : "", SEED_PACKAGE) != 0)
        e = err_new(EXIT_APPLY, "seed: %s holds '%s', not pip", s->wheel, w->name);
    if (e) {
        wheel_unpacked_free(w);
        return err_ctx(e, "seeding pip");
    }
    f->items = xrealloc(f->items, (f->n + 1) * sizeof(*f->items));
    fetched_pkg_t *fp = &f->items[f->n++];
    memset(fp, 0, sizeof(*fp));
    fp->want = &s->want;
    fp->wheel_path = xstrdup(s->wheel);
    memcpy(fp->sha256, w->sha256, sizeof fp->sha256);
    fp->wheel = w;
    return NULL;
}
