/* pylock: the lock-file model, its helpers and the lock-file markers (see pylock.h). */
#include "resolve/pylock.h"

#include <stdlib.h>
#include <string.h>

#include "pkg/name.h"
#include "resolve/pylock_internal.h"
#include "util/strv.h"
#include "util/url.h"
#include "util/xalloc.h"

/* ---- lock-file markers ---------------------------------------------------------------------- */

err_t *pylock_marker_parse(const char *text, bool allow_sets, marker_t **out)
{
    *out = NULL;
    marker_t *m = NULL;
    err_t *e = marker_parse_lock(text, &m, NULL);
    if (e)
        return e;
    if (!allow_sets && marker_uses_sets(m)) {
        marker_free(m);
        return err_new(EXIT_USAGE, "'extras' and 'dependency_groups' may only be used in "
                                   "packages.marker");
    }
    *out = m;
    return NULL;
}

err_t *pylock_marker_eval(const marker_t *m, const marker_env_t *env, char *const *extras,
                          char *const *groups, bool *result)
{
    static const char *const none[] = {NULL};
    marker_env_t e = *env;
    e.extra = NULL;
    e.extras = extras ? (const char *const *)extras : none;
    e.dependency_groups = groups ? (const char *const *)groups : none;
    return marker_eval(m, &e, result);
}

/* ---- names ----------------------------------------------------------------------------------- */

char *pylock_path_last(const char *path)
{
    const char *s = path;
    for (const char *p = path; *p; p++)
        if (*p == '/' || *p == '\\')
            s = p + 1;
    return *s ? xstrdup(s) : NULL;
}

char *pylock_file_name(const pylock_file_t *f)
{
    if (f->name)
        return xstrdup(f->name);
    if (f->path)
        return pylock_path_last(f->path);
    if (f->url) {
        char *b = url_basename(f->url);
        if (b && !*b) {
            free(b);
            b = NULL;
        }
        return b;
    }
    return NULL;
}

bool pylock_sdist_parse(const char *filename, char **key, version_t *v, char **why)
{
    *key = NULL;
    memset(v, 0, sizeof(*v));
    size_t n = strlen(filename), stem;
    if (str_ends_with(filename, n, ".tar.gz"))
        stem = n - 7;
    else if (str_ends_with(filename, n, ".zip"))
        stem = n - 4;
    else {
        *why = xasprintf("an sdist's name ends with .tar.gz or .zip");
        return false;
    }
    size_t dash = stem;
    while (dash > 0 && filename[dash - 1] != '-')
        dash--;
    if (dash == 0) {
        *why = xasprintf("an sdist's name is NAME-VERSION.tar.gz");
        return false;
    }
    char *vtext = xstrndup(filename + dash, stem - dash);
    bool ok = version_parse(vtext, v);
    if (!ok)
        *why = xasprintf("'%s' is not a valid version", vtext);
    free(vtext);
    if (!ok)
        return false;
    if (!pkg_name_valid_n(filename, dash - 1)) {
        *why = xasprintf("'%.*s' is not a valid project name", (int)(dash - 1), filename);
        version_free(v);
        return false;
    }
    *key = pkg_name_normalize_n(filename, dash - 1);
    return true;
}

/* ---- model ----------------------------------------------------------------------------------- */

pylock_t *pylock_new(void)
{
    pylock_t *l = xcalloc(1, sizeof(*l));
    l->lock_version = xstrdup(PYLOCK_VERSION);
    l->created_by = xstrdup("venvsync");
    return l;
}

static void file_clear(pylock_file_t *f)
{
    free(f->name);
    free(f->url);
    free(f->path);
    free(f->upload_time);
    for (size_t i = 0; i < f->nhashes; i++) {
        free(f->hashes[i].algo);
        free(f->hashes[i].hex);
    }
    free(f->hashes);
}

static void kv_free(pylock_kv_t *kv, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(kv[i].key);
        free(kv[i].value);
    }
    free(kv);
}

static void package_clear(pylock_package_t *p)
{
    free(p->name);
    free(p->version);
    free(p->marker);
    free(p->requires_python);
    free(p->index);
    for (size_t i = 0; i < p->ndeps; i++) {
        free(p->deps[i].name);
        free(p->deps[i].version);
    }
    free(p->deps);
    for (size_t i = 0; i < p->nwheels; i++)
        file_clear(&p->wheels[i]);
    free(p->wheels);
    if (p->sdist) {
        file_clear(p->sdist);
        free(p->sdist);
    }
    free(p->directory.path);
    free(p->directory.subdirectory);
    file_clear(&p->archive.file);
    free(p->archive.subdirectory);
    free(p->vcs.type);
    free(p->vcs.url);
    free(p->vcs.path);
    free(p->vcs.requested_revision);
    free(p->vcs.commit_id);
    free(p->vcs.subdirectory);
    for (size_t i = 0; i < p->nattestations; i++) {
        free(p->attestations[i].kind);
        kv_free(p->attestations[i].keys, p->attestations[i].nkeys);
    }
    free(p->attestations);
}

void pylock_free(pylock_t *l)
{
    if (!l)
        return;
    free(l->lock_version);
    strv_free(l->environments);
    free(l->requires_python);
    strv_free(l->extras);
    strv_free(l->dependency_groups);
    strv_free(l->default_groups);
    free(l->created_by);
    for (size_t i = 0; i < l->npackages; i++)
        package_clear(&l->packages[i]);
    free(l->packages);
    free(l->inputs);
    strv_free(l->fork_markers);
    strv_free(l->requested);
    kv_free(l->tool, l->ntool);
    free(l);
}

/* XGROW from one element up: most packages have one wheel and a file one hash, and a lock of
 * a hundred packages should not take eight of each (memory a no-op sync touches). */
static void grow_from_one(void **arr, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return;
    size_t c = *cap ? *cap : 1;
    while (c < need)
        c *= 2;
    *arr = xrealloc(*arr, c * size);
    *cap = c;
}
#define GROW1(arr, cap, need) grow_from_one((void **)&(arr), &(cap), (need), sizeof(*(arr)))

static void file_init(pylock_file_t *f)
{
    memset(f, 0, sizeof(*f));
    f->size = -1;
}

pylock_package_t *pylock_add_package(pylock_t *l, const char *name, const char *version)
{
    XGROW(l->packages, l->packages_cap, l->npackages + 1);
    pylock_package_t *p = &l->packages[l->npackages++];
    memset(p, 0, sizeof(*p));
    file_init(&p->archive.file);
    p->name = xstrdup(name);
    p->version = xstrdup(version);
    return p;
}

pylock_file_t *pylock_add_wheel(pylock_package_t *p)
{
    GROW1(p->wheels, p->wheels_cap, p->nwheels + 1);
    pylock_file_t *f = &p->wheels[p->nwheels++];
    file_init(f);
    return f;
}

pylock_file_t *pylock_set_sdist(pylock_package_t *p)
{
    if (!p->sdist) {
        p->sdist = xmalloc(sizeof(*p->sdist));
        file_init(p->sdist);
    }
    return p->sdist;
}

void pylock_add_hash(pylock_file_t *f, const char *algo, const char *hex)
{
    GROW1(f->hashes, f->hashes_cap, f->nhashes + 1);
    f->hashes[f->nhashes].algo = xstrdup(algo);
    f->hashes[f->nhashes].hex = xstrdup(hex);
    f->nhashes++;
}

void pylock_add_dep(pylock_package_t *p, const char *name, const char *version)
{
    XGROW(p->deps, p->deps_cap, p->ndeps + 1);
    p->deps[p->ndeps].name = xstrdup(name);
    p->deps[p->ndeps].version = xstrdup(version);
    p->ndeps++;
}

void pylock_add_tool(pylock_t *l, const char *key, const char *value)
{
    XGROW(l->tool, l->tool_cap, l->ntool + 1);
    l->tool[l->ntool].key = xstrdup(key);
    l->tool[l->ntool].value = xstrdup(value);
    l->ntool++;
}

const char *pylock_file_hash(const pylock_file_t *f, const char *algo)
{
    for (size_t i = 0; i < f->nhashes; i++)
        if (strcmp(f->hashes[i].algo, algo) == 0)
            return f->hashes[i].hex;
    return NULL;
}

long pylock_find(const pylock_t *l, const char *name, size_t start)
{
    char *key = pkg_name_is_normalized(name) ? NULL : pkg_name_normalize(name);
    long at = -1;
    for (size_t i = start; i < l->npackages && at < 0; i++)
        if (strcmp(l->packages[i].name, key ? key : name) == 0) /* both normalized */
            at = (long)i;
    free(key);
    return at;
}

bool pylock_is_requested(const pylock_t *l, const char *name)
{
    char *key = pkg_name_is_normalized(name) ? NULL : pkg_name_normalize(name);
    bool found = false;
    for (size_t i = 0; l->requested && l->requested[i] && !found; i++)
        found = strcmp(l->requested[i], key ? key : name) == 0; /* both normalized */
    free(key);
    return found;
}

err_t *pylock_filename(const char *env, char **out)
{
    *out = NULL;
    if (!env || !*env)
        return err_new(EXIT_USAGE, "an empty environment name cannot name a lock file");
    for (const unsigned char *p = (const unsigned char *)env; *p; p++) {
        if (*p == '.')
            return err_hint(err_new(EXIT_USAGE, "environment '%s' cannot have a lock file: "
                                                "PEP 751 lock files are named pylock.<name>.toml "
                                                "with no '.' in <name>", env),
                            "rename the environment without '.'");
        if (*p == '/' || *p == '\\' || *p < 0x20 || *p == 0x7F)
            return err_new(EXIT_USAGE, "environment '%s' cannot name a lock file: it holds a "
                                       "'%s'", env, *p == '/' ? "/" : *p == '\\' ? "\\" :
                                                    "control character");
    }
    *out = xasprintf("pylock.%s.toml", env);
    return NULL;
}

void pylock_selection_free(pylock_selection_t *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++)
        free(s->picks[i].location);
    free(s->picks);
    s->picks = NULL;
    s->n = 0;
}
