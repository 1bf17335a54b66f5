#include "wheel/uninstall.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/fs.h"
#include "util/path.h"
#include "util/strv.h"
#include "util/xalloc.h"
#include "pkg/installed.h"
#include "pkg/record.h"
#include "wheel/cache.h"
#include "wheel/install.h"
#include "wheel/meta.h"

typedef struct ctx {
    char *root;             /* normalised */
    char *real_root;        /* realpath(root) */
    char *site;             /* normalised */
    wheel_uninstalled_t *res;
    size_t cap_removed, cap_skipped;
    char **dirs;            /* directories to try to prune */
    size_t n_dirs, cap_dirs;
} ctx_t;

static void push(char ***v, size_t *n, size_t *cap, char *s)
{
    XGROW(*v, *cap, *n + 2);
    (*v)[(*n)++] = s;
    (*v)[*n] = NULL;
}

static void skip(ctx_t *c, const char *row, const char *why)
{
    push(&c->res->skipped, &c->res->n_skipped, &c->cap_skipped, xasprintf("%s: %s", row, why));
}

/* The environment's own files, which no distribution may take with it. */
static bool protected_path(const ctx_t *c, const char *p)
{
    char *cfg = path_join(c->root, "pyvenv.cfg");
    bool bad = strcmp(p, cfg) == 0;
    free(cfg);
    if (!bad) {
        char *dir = path_dirname(p);
        char *parent = path_dirname(dir);
        const char *dn = path_basename(dir);
        if (strcmp(parent, c->root) == 0 && (strcmp(dn, "bin") == 0 || strcmp(dn, "Scripts") == 0)) {
            const char *why = meta_script_name_check(path_basename(p));
            bad = why && strstr(why, "interpreter");
        }
        free(parent);
        free(dir);
    }
    return bad;
}

/* Whether the directory holding p is physically inside the environment. False when it does not
 * exist (nothing to delete then). */
static bool parent_inside(const ctx_t *c, const char *p, bool *missing)
{
    *missing = false;
    char *dir = path_dirname(p);
    char *real = path_real(dir);
    free(dir);
    if (!real) {
        *missing = true;
        return false;
    }
    bool ok = path_is_within(real, c->real_root);
    free(real);
    return ok;
}

static void note_dir(ctx_t *c, const char *file)
{
    push(&c->dirs, &c->n_dirs, &c->cap_dirs, path_dirname(file));
}

static void remove_file(ctx_t *c, const char *p)
{
    struct stat st;
    if (lstat(p, &st) != 0)
        return;
    if (S_ISDIR(st.st_mode)) {
        push(&c->dirs, &c->n_dirs, &c->cap_dirs, xstrdup(p));
        return;
    }
    if (unlink(p) == 0) {
        push(&c->res->removed, &c->res->n_removed, &c->cap_removed, xstrdup(p));
        note_dir(c, p);
    }
}

/* __pycache__/<stem>.*.pyc and the legacy <stem>.pyc / <stem>.pyo beside a .py file. */
static void remove_pycs(ctx_t *c, const char *py)
{
    size_t n = strlen(py);
    char *stem_path = xstrndup(py, n - 3);
    char *legacy = xasprintf("%s.pyc", stem_path);
    remove_file(c, legacy);
    free(legacy);
    legacy = xasprintf("%s.pyo", stem_path);
    remove_file(c, legacy);
    free(legacy);
    free(stem_path);

    char *dir = path_dirname(py);
    const char *base = path_basename(py);
    size_t stem = strlen(base) - 3;
    char *cache = path_join(dir, "__pycache__");
    DIR *d = opendir(cache);
    if (d) {
        struct dirent *de;
        char **victims = NULL;
        size_t nv = 0, cap = 0;
        while ((de = readdir(d))) {
            const char *nm = de->d_name;
            size_t len = strlen(nm);
            if (len > stem + 5 && strncmp(nm, base, stem) == 0 && nm[stem] == '.' &&
                strcmp(nm + len - 4, ".pyc") == 0)
                push(&victims, &nv, &cap, path_join(cache, nm));
        }
        closedir(d);
        for (size_t i = 0; i < nv; i++)
            remove_file(c, victims[i]);
        strv_free(victims);
    }
    free(cache);
    free(dir);
}

/* Never prune env_root, the directories every environment has (bin, Scripts, include, lib,
 * lib64, Lib), or site_packages and its ancestors. */
static bool may_prune(const ctx_t *c, const char *d)
{
    if (!path_is_within(d, c->root) || strcmp(d, c->root) == 0)
        return false;
    char *parent = path_dirname(d);
    bool top = strcmp(parent, c->root) == 0;
    free(parent);
    static const char *const skeleton[] = {"bin", "Scripts", "include", "Include", "lib",
                                           "lib64", "Lib", NULL};
    if (top)
        for (const char *const *s = skeleton; *s; s++)
            if (strcmp(path_basename(d), *s) == 0)
                return false;
    if (path_is_within(c->site, d))
        return false;
    return true;
}

static int depth_cmp(const void *a, const void *b)
{
    size_t la = strlen(*(char *const *)a), lb = strlen(*(char *const *)b);
    return la < lb ? 1 : la > lb ? -1 : 0;      /* deepest (longest) first */
}

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void prune_dirs(ctx_t *c)
{
    if (c->n_dirs > 1) {
        qsort(c->dirs, c->n_dirs, sizeof(char *), str_cmp);
        size_t k = 1;
        for (size_t i = 1; i < c->n_dirs; i++) {
            if (strcmp(c->dirs[i], c->dirs[k - 1]) == 0)
                free(c->dirs[i]);
            else
                c->dirs[k++] = c->dirs[i];
        }
        c->n_dirs = k;
        c->dirs[k] = NULL;
        qsort(c->dirs, c->n_dirs, sizeof(char *), depth_cmp);
    }
    for (size_t i = 0; i < c->n_dirs; i++) {
        char *d = xstrdup(c->dirs[i]);
        while (may_prune(c, d)) {
            bool dummy;
            if (!parent_inside(c, d, &dummy))
                break;
            if (rmdir(d) != 0)
                break;
            char *up = path_dirname(d);
            free(d);
            d = up;
        }
        free(d);
    }
}

void wheel_uninstalled_free(wheel_uninstalled_t *r)
{
    strv_free(r->removed);
    strv_free(r->skipped);
    r->removed = r->skipped = NULL;
    r->n_removed = r->n_skipped = 0;
}

static int str_ptr_cmp(const void *key, const void *elem)
{
    return strcmp((const char *)key, *(char *const *)elem);
}

/* Every path (absolute, normalised) that the RECORD of an installed *.dist-info in c->site lists,
 * sorted. Unreadable RECORDs claim nothing. */
static char **claimed_paths(const ctx_t *c, size_t *n)
{
    char **v = NULL;
    size_t cap = 0;
    *n = 0;
    char **names = NULL;
    err_free(fs_list_dir(c->site, &names));
    buf_t text = BUF_INIT;
    for (size_t i = 0; names && names[i]; i++) {
        if (!str_ends_with(names[i], strlen(names[i]), ".dist-info"))
            continue;
        char *rp = path_joinv(c->site, names[i], "RECORD", (char *)NULL);
        record_t rec = RECORD_INIT;
        buf_reset(&text);
        if (fs_try_read(rp, &text)) {
            err_t *e = record_parse(text.data ? text.data : "", text.len, rp, &rec);
            err_free(e);
        }
        for (size_t k = 0; k < rec.n; k++) {
            char *p = NULL;
            err_t *bad = record_resolve_path(c->site, c->root, rec.rows[k].path, &p);
            if (bad)
                err_free(bad);
            else
                strv_push(&v, n, &cap, p);
        }
        record_free(&rec);
        free(rp);
    }
    buf_free(&text);
    strv_free(names);
    if (*n > 1)
        qsort(v, *n, sizeof(char *), str_cmp);
    return v;
}

/* Whether p lies inside a *.dist-info directory of site-packages (another distribution's
 * metadata: a leftover never takes anything from there). */
static bool in_dist_info(const ctx_t *c, const char *p)
{
    if (!path_is_within(p, c->site) || strcmp(p, c->site) == 0)
        return false;
    const char *rel = p + strlen(c->site);
    while (*rel == '/')
        rel++;
    size_t first = strcspn(rel, "/");
    return rel[first] == '/' && first > 10 && memcmp(rel + first - 10, ".dist-info", 10) == 0;
}

static const char *const NO_RECORD_HINT =
    "recreate the environment (`venvsync remove` it, then `venvsync sync`), or delete that "
    "folder yourself (the distribution's files then stay behind)";

/* The uninstall (or, with leftover, the removal of a leftover temporary dist-info) of the
 * directory dist_info_dir in site_packages. See uninstall.h. */
static err_t *uninstall(const char *env_root, const char *site_packages, const char *dist_info_dir,
                        bool leftover, const record_t *fallback, wheel_uninstalled_t *res)
{
    wheel_uninstalled_t local = {0};
    if (!res)
        res = &local;
    memset(res, 0, sizeof *res);
    if (env_root[0] != '/' || site_packages[0] != '/')
        return err_new(EXIT_USAGE, "uninstall: the environment and site-packages paths must be "
                       "absolute");
    ctx_t c;
    memset(&c, 0, sizeof c);
    c.res = res;
    c.root = path_normalize(env_root);
    c.site = path_normalize(site_packages);
    char *joined = path_join(c.site, dist_info_dir);
    char *info = path_normalize(joined);
    free(joined);
    char *record_path = path_join(info, "RECORD");
    const char *name = path_basename(info);
    err_t *e = NULL;
    buf_t text = BUF_INIT;
    record_t rec = RECORD_INIT;
    const record_t *rows = &rec;
    char *info_parent = path_dirname(info);
    char *aside = NULL;
    char **spare = NULL;
    size_t nspare = 0;
    struct stat st;

    c.real_root = path_real(c.root);
    if (!c.real_root)
        e = err_sys(EXIT_USAGE, errno, "uninstall: %s", c.root);
    else if (!path_is_within(c.site, c.root) || strcmp(info_parent, c.site) != 0)
        e = err_new(EXIT_USAGE, "uninstall: %s is not a distribution in %s", info, c.site);
    else if (leftover && !installed_tmp_parse(name, NULL))
        e = err_new(EXIT_USAGE, "uninstall: %s is not a temporary dist-info", info);
    else if (!leftover && strlen(name) > 9 && strcmp(name + strlen(name) - 9, ".egg-info") == 0)
        e = err_hint(err_new(EXIT_USAGE, "refusing to uninstall %s: a legacy .egg-info "
                             "distribution has no RECORD listing its files", info),
                     "remove the environment and create it again");
    else if (!leftover && !str_ends_with(name, strlen(name), ".dist-info"))
        e = err_new(EXIT_USAGE, "uninstall: %s is not a .dist-info directory", info);
    else if (lstat(info, &st) != 0 || !S_ISDIR(st.st_mode))
        e = err_new(EXIT_USAGE, "uninstall: %s is not a directory", info);
    else if (leftover) {
        /* its RECORD may be torn or not written yet: what it lists and what fallback lists */
        if (fs_try_read(record_path, &text))
            err_free(record_parse(text.data ? text.data : "", text.len, record_path, &rec));
        for (size_t i = 0; fallback && i < fallback->n; i++)
            record_add_algo(&rec, fallback->rows[i].path, fallback->rows[i].hash_algo,
                            fallback->rows[i].hash, fallback->rows[i].size);
    } else if (fs_try_read(record_path, &text)) {
        e = record_parse(text.data ? text.data : "", text.len, record_path, &rec);
        if (e && fallback) { /* torn */
            err_free(e);
            e = NULL;
            rows = fallback;
        }
    } else if (fallback)
        rows = fallback;
    else
        e = err_hint(err_new(EXIT_USAGE, "refusing to uninstall %s: it has no readable "
                             "RECORD listing its files (an interrupted install?), and no wheel "
                             "of that name and version in the cache says which they are", info),
                     "%s", NO_RECORD_HINT);
    if (e)
        e = err_code(e, EXIT_USAGE);

    /* The distribution disappears first, in one rename; its RECORD goes along, so that a killed
     * removal is a leftover the next run finishes. */
    if (!e && !leftover) {
        char *prefix = installed_tmp_prefix(name);
        e = fs_mkdtemp_in(c.site, prefix, &aside);
        free(prefix);
        if (!e && rename(info, aside) != 0) {
            e = err_sys(EXIT_APPLY, errno, "uninstall: moving %s aside", info);
            rmdir(aside);
        }
    }
    if (!e && leftover)
        spare = claimed_paths(&c, &nspare);

    for (size_t i = 0; i < rows->n && !e; i++) {
        const char *row = rows->rows[i].path;
        char *p = NULL;
        err_t *bad = record_resolve_path(c.site, c.root, row, &p);
        if (bad) {
            skip(&c, row, bad->msg);
            err_free(bad);
            continue;
        }
        bool missing = false;
        if (protected_path(&c, p)) {
            skip(&c, row, "belongs to the environment itself, not to the distribution");
        } else if (path_is_within(p, info) || (aside && path_is_within(p, aside))) {
            /* removed with the directory, last */
        } else if (leftover &&
                   (in_dist_info(&c, p) ||
                    (nspare && bsearch(p, spare, nspare, sizeof(char *), str_ptr_cmp)))) {
            /* an installed distribution's: kept */
        } else if (!parent_inside(&c, p, &missing)) {
            if (!missing)
                skip(&c, row, "leads outside the environment through a symbolic link");
        } else {
            remove_file(&c, p);
            size_t n = strlen(p);
            if (n > 3 && strcmp(p + n - 3, ".py") == 0)
                remove_pycs(&c, p);
        }
        free(p);
    }
    if (!e) {
        e = fs_rmtree(aside ? aside : info);
        if (!e)
            prune_dirs(&c);
    }
    strv_free(spare);
    free(aside);
    record_free(&rec);
    buf_free(&text);
    free(info_parent);
    free(record_path);
    free(info);
    free(c.root);
    free(c.real_root);
    free(c.site);
    strv_free(c.dirs);
    if (res == &local)
        wheel_uninstalled_free(&local);
    return e;
}

err_t *wheel_uninstall_ex(const char *env_root, const char *site_packages,
                          const char *dist_info_dir, wheel_uninstalled_t *res)
{
    return uninstall(env_root, site_packages, dist_info_dir, false, NULL, res);
}

err_t *wheel_uninstall(const char *env_root, const char *site_packages,
                       const char *dist_info_dir)
{
    return uninstall(env_root, site_packages, dist_info_dir, false, NULL, NULL);
}

err_t *wheel_uninstall_fallback(const char *env_root, const char *site_packages,
                                const char *dist_info_dir, const record_t *fallback,
                                wheel_uninstalled_t *res)
{
    return uninstall(env_root, site_packages, dist_info_dir, false, fallback, res);
}

err_t *wheel_remove_leftover(const char *env_root, const char *site_packages,
                             const char *leftover, const record_t *fallback,
                             wheel_uninstalled_t *res)
{
    return uninstall(env_root, site_packages, leftover, true, fallback, res);
}

/* How many of the files rows name are in place under lib_dir (with the row's size, when it
 * has one). */
static size_t files_present(const record_t *rows, const char *lib_dir)
{
    size_t n = 0;
    for (size_t i = 0; i < rows->n; i++) {
        char *j = path_join(lib_dir, rows->rows[i].path);
        struct stat st;
        n += lstat(j, &st) == 0 && S_ISREG(st.st_mode) &&
             (rows->rows[i].size < 0 || (int64_t)st.st_size == rows->rows[i].size);
        free(j);
    }
    return n;
}

bool wheel_cached_rows(const char *cache_dir, const char *dist_info, const wheel_target_t *t,
                       record_t *out)
{
    *out = (record_t)RECORD_INIT;
    char *name = NULL, *version = NULL;
    if (!cache_dir || !installed_split(dist_info, &name, &version))
        return false;
    size_t n = 0;
    wheel_unpacked_t **cands = wheel_cache_find(cache_dir, name, version, &n);
    size_t best_score = 0;
    bool found = false;
    for (size_t i = 0; i < n; i++) {
        record_t rows = RECORD_INIT;
        err_t *e = wheel_install_rows(cands[i], t, &rows);
        if (e) {
            err_free(e);
            continue;
        }
        char *joined = path_join(t->root, cands[i]->root_is_purelib ? t->purelib : t->platlib);
        char *lib = path_normalize(joined);
        free(joined);
        size_t score = files_present(&rows, lib);
        free(lib);
        if (!found || score > best_score) {
            record_free(out);
            *out = rows;
            best_score = score;
            found = true;
        } else {
            record_free(&rows);
        }
    }
    wheel_unpacked_list_free(cands, n);
    free(name);
    free(version);
    return found;
}
