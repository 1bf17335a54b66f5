#include "wheel/uninstall.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/fs.h"
#include "util/path.h"
#include "util/strv.h"
#include "util/xalloc.h"
#include "wheel/meta.h"
#include "pkg/record.h"

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

err_t *wheel_uninstall_ex(const char *env_root, const char *site_packages,
                          const char *dist_info_dir, wheel_uninstalled_t *res)
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
    char *info_parent = path_dirname(info);
    struct stat st;

    c.real_root = path_real(c.root);
    if (!c.real_root)
        e = err_sys(EXIT_USAGE, errno, "uninstall: %s", c.root);
    else if (!path_is_within(c.site, c.root) || strcmp(info_parent, c.site) != 0)
        e = err_new(EXIT_USAGE, "uninstall: %s is not a distribution in %s", info, c.site);
    else if (strlen(name) > 9 && strcmp(name + strlen(name) - 9, ".egg-info") == 0)
        e = err_hint(err_new(EXIT_USAGE, "refusing to uninstall %s: a legacy .egg-info "
                             "distribution has no RECORD listing its files", info),
                     "remove the environment and create it again");
    else if (strlen(name) <= 10 || strcmp(name + strlen(name) - 10, ".dist-info") != 0)
        e = err_new(EXIT_USAGE, "uninstall: %s is not a .dist-info directory", info);
    else if (lstat(info, &st) != 0 || !S_ISDIR(st.st_mode))
        e = err_new(EXIT_USAGE, "uninstall: %s is not a directory", info);
    else if (!fs_try_read(record_path, &text))
        e = err_hint(err_sys(EXIT_USAGE, errno, "refusing to uninstall %s: cannot read its "
                             "RECORD, which lists the files to remove", info),
                     "remove the environment and create it again");
    if (!e)
        e = record_parse(text.data ? text.data : "", text.len, record_path, &rec);
    if (e)
        e = err_code(e, EXIT_USAGE);

    for (size_t i = 0; i < rec.n && !e; i++) {
        const char *row = rec.rows[i].path;
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
        } else if (path_is_within(p, info)) {
            /* removed with the directory, last */
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
        e = fs_rmtree(info);
        if (!e)
            prune_dirs(&c);
    }
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

err_t *wheel_uninstall(const char *env_root, const char *site_packages,
                       const char *dist_info_dir)
{
    return wheel_uninstall_ex(env_root, site_packages, dist_info_dir, NULL);
}
