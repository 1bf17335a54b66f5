/*
 * discover_scan: the candidates of interpreter discovery (see discover_internal.h): the places
 * interpreters live (venvsync's and uv's managed installs, pyenv's versions but not its shims,
 * PATH, /usr/local/bin and /usr/bin, the bases of virtual environments met on the way), scanned
 * once each, with the identity of everything looked at recorded for the discovery cache.
 */
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "python/discover_internal.h"
#include "python/probe.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/path.h"
#include "util/strv.h"
#include "util/xalloc.h"

/* ---- candidates --------------------------------------------------------------------------- */

/* Records the identity of path (or its absence) before the scan looks at it: a change made
 * after this shows as a different identity on the next run, never as a stale answer. */
static void watch(scan_t *s, const char *path)
{
    if (strchr(path, '\n')) {
        s->unwatchable = true;
        return;
    }
    file_id_t id;
    if (file_id_of(path, &id)) {
        char *f = file_id_format(&id);
        buf_printf(&s->watch, "w %s %s\n", f, path);
        free(f);
        if (id.mtime_ns > s->newest_ns)
            s->newest_ns = id.mtime_ns;
        if (id.ctime_ns > s->newest_ns)
            s->newest_ns = id.ctime_ns;
    } else {
        buf_printf(&s->watch, "w - %s\n", path);
    }
}

/* Rank of an interpreter file name inside one directory (lower first), or -1 to ignore it:
 * python3.N (N = 0..20), python3.Nt, python3, python, pypy3.N, pypy3. */
static int name_rank(const char *n)
{
    int minor;
    char tail[3] = {0};
    if (n[0] != 'p')
        return -1;           /* the common case in /usr/bin */
    if (strncmp(n, "python3.", 8) == 0 || strncmp(n, "pypy3.", 6) == 0) {
        bool pypy = n[0] == 'p' && n[1] == 'y' && n[2] == 'p';
        const char *d = n + (pypy ? 6 : 8);
        if (!isdigit((unsigned char)d[0]))
            return -1;
        size_t k = 0;
        while (isdigit((unsigned char)d[k]))
            k++;
        if (k > 2)
            return -1;
        minor = atoi(d);
        if (minor > 20)
            return -1;
        snprintf(tail, sizeof tail, "%s", d + k);
        if (strlen(d + k) > 1)
            return -1;
        if (pypy)
            return tail[0] == '\0' ? 300 + minor : -1;
        if (tail[0] == '\0')
            return 100 + minor;
        if (tail[0] == 't')
            return 200 + minor;
        return -1;
    }
    if (strcmp(n, "python3") == 0)
        return 250;
    if (strcmp(n, "python") == 0)
        return 260;
    if (strcmp(n, "pypy3") == 0)
        return 350;
    return -1;
}

typedef struct ranked {
    int rank;
    char *name;
} ranked_t;

static int cmp_ranked(const void *a, const void *b)
{
    const ranked_t *x = a, *y = b;
    return x->rank != y->rank ? (x->rank < y->rank ? -1 : 1) : strcmp(x->name, y->name);
}

/* A script that hands over to a version manager (pyenv, asdf, mise): its target depends on
 * the cwd and the environment, so it is never an interpreter of its own. */
static bool is_shim(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    char head[1024];
    size_t n = fread(head, 1, sizeof head - 1, f);
    fclose(f);
    head[n] = '\0';
    if (n < 2 || head[0] != '#' || head[1] != '!')
        return false;
    return strstr(head, "pyenv") || strstr(head, "asdf") || strstr(head, "mise") ||
           strstr(head, "rtx");
}

static bool seen_realpath(const scan_t *s, const char *real)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->c[i].realpath, real) == 0)
            return true;
    return false;
}

static char *venv_home(scan_t *s, const char *exe)
{
    char *d1 = path_dirname(exe);
    char *d2 = path_dirname(d1);
    char *home = NULL;
    for (int k = 0; k < 2 && !home; k++) {
        char *cfg = path_join(k == 0 ? d1 : d2, "pyvenv.cfg");
        watch(s, cfg);
        buf_t b = BUF_INIT;
        if (fs_try_read(cfg, &b)) {
            /* CPython's reading: split on the first '=', keys lower-cased and trimmed. */
            const char *p = buf_cstr(&b);
            while (*p && !home) {
                const char *nl = strchr(p, '\n');
                size_t len = nl ? (size_t)(nl - p) : strlen(p);
                const char *eq = memchr(p, '=', len);
                if (eq) {
                    const char *ks = p, *ke = eq;
                    while (ks < ke && isspace((unsigned char)*ks))
                        ks++;
                    while (ke > ks && isspace((unsigned char)ke[-1]))
                        ke--;
                    if (ke - ks == 4 && strncasecmp(ks, "home", 4) == 0) {
                        const char *vs = eq + 1, *ve = p + len;
                        while (vs < ve && isspace((unsigned char)*vs))
                            vs++;
                        while (ve > vs && isspace((unsigned char)ve[-1]))
                            ve--;
                        if (ve > vs)
                            home = xstrndup(vs, (size_t)(ve - vs));
                    }
                }
                p = nl ? nl + 1 : p + len;
            }
        }
        buf_free(&b);
        free(cfg);
    }
    free(d1);
    free(d2);
    return home;
}

/* The real path of parent/name, knowing parent's (real_parent): only a link is resolved
 * again. NULL when it does not exist. */
static char *real_child(const char *parent, const char *real_parent, const char *name)
{
    char *p = path_join(parent, name);
    struct stat st;
    char *r = NULL;
    if (lstat(p, &st) == 0)
        r = S_ISLNK(st.st_mode) ? path_real(p) : path_join(real_parent, name);
    free(p);
    return r;
}

/* The real path of the link p in dir (real path rdir): links to a plain name in the same
 * directory (python3 -> python3.12) are followed there, one readlink each; anything else is
 * resolved by path_real. */
static char *link_in_dir(const char *dir, const char *rdir, const char *p)
{
    char *cur = xstrdup(p);
    for (int hops = 0; hops < 8; hops++) {
        char target[256];
        ssize_t n = readlink(cur, target, sizeof target - 1);
        if (n <= 0 || (size_t)n >= sizeof target - 1)
            break;
        target[n] = '\0';
        if (strchr(target, '/') || strcmp(target, ".") == 0 || strcmp(target, "..") == 0)
            break;
        char *next = path_join(dir, target);
        struct stat st;
        if (lstat(next, &st) != 0) {
            free(next);
            break;
        }
        free(cur);
        cur = next;
        if (!S_ISLNK(st.st_mode)) {
            char *r = path_join(rdir, target);
            free(cur);
            return r;
        }
    }
    free(cur);
    return path_real(p);
}

/* Scans dir; rdir_known is its real path when the caller has it (else it is resolved). */
static void scan_dir_real(scan_t *s, const char *dir, const char *rdir_known)
{
    if (!dir || dir[0] != '/')
        return;              /* relative PATH entries depend on the cwd: never trusted */
    watch(s, dir);
    char *rdir = rdir_known ? xstrdup(rdir_known) : path_real(dir);
    if (!rdir)
        return;
    if (s->shims && strcmp(rdir, s->shims) == 0) {
        free(rdir);
        return;
    }
    for (size_t i = 0; i < s->ndirs; i++) {
        if (strcmp(s->dirs[i], rdir) == 0) {
            free(rdir);
            return;
        }
    }
    XGROW(s->dirs, s->capdirs, s->ndirs + 1);
    s->dirs[s->ndirs++] = rdir;

    /* Only the names that can be interpreters are kept and sorted: /usr/bin has a thousand
     * others. */
    char *parent = path_dirname(dir);
    watch(s, parent);
    free(parent);
    DIR *d = opendir(dir);
    if (!d)
        return;
    ranked_t *r = NULL;
    size_t nr = 0, cap = 0;
    for (struct dirent *de; (de = readdir(d));) {
        int rank = name_rank(de->d_name);
        if (rank < 0)
            continue;
        XGROW(r, cap, nr + 1);
        r[nr++] = (ranked_t){rank, xstrdup(de->d_name)};
    }
    closedir(d);
    if (nr > 1)
        qsort(r, nr, sizeof *r, cmp_ranked);
    for (size_t i = 0; i < nr; i++) {
        char *p = path_join(dir, r[i].name);
        watch(s, p);
        struct stat st;
        char *real = NULL;
        /* A file that is not a link resolves to the directory's real path and its name: no
         * readlink of every component again. */
        bool ok = lstat(p, &st) == 0;
        if (ok && S_ISLNK(st.st_mode)) {
            ok = stat(p, &st) == 0 && S_ISREG(st.st_mode) && (real = link_in_dir(dir, rdir, p));
        } else if (ok && S_ISREG(st.st_mode)) {
            real = path_join(rdir, r[i].name);
        } else {
            ok = false;
        }
        if (!ok || access(p, X_OK) != 0 || seen_realpath(s, real) || is_shim(p)) {
            free(p);
            free(real);
            continue;
        }
        if (probe_is_venv_interp(p)) {
            /* A virtual environment's interpreter: look at its base instead. */
            char *home = venv_home(s, p);
            if (home) {
                XGROW(s->later, s->caplater, s->nlater + 1);
                s->later[s->nlater++] = home;
            }
            free(p);
            free(real);
            continue;
        }
        XGROW(s->c, s->cap, s->n + 1);
        s->c[s->n++] = (cand_t){p, real};
    }
    for (size_t i = 0; i < nr; i++)
        free(r[i].name);
    free(r);
}

static void scan_dir(scan_t *s, const char *dir)
{
    scan_dir_real(s, dir, NULL);
}

/* Scans <root>/<each subdir>/bin, subdirectories in name order, skipping hidden ones. */
static void scan_installs(scan_t *s, const char *root, bool only_python3)
{
    watch(s, root);
    char **names = NULL;
    err_t *e = fs_list_dir(root, &names);
    if (e) {
        err_free(e);
        return;
    }
    char *rroot = path_real(root);
    for (size_t i = 0; rroot && names[i]; i++) {
        if (names[i][0] == '.')
            continue;
        char *sub = path_join(root, names[i]);
        watch(s, sub);
        char *rsub = real_child(root, rroot, names[i]);
        char *rbin = rsub ? real_child(sub, rsub, "bin") : NULL;
        free(sub);
        free(rsub);
        if (!rbin)
            continue;        /* no bin/: nothing to find there */
        char *bin = path_joinv(root, names[i], "bin", (char *)NULL);
        if (only_python3) {
            char *p = path_join(bin, "python3");
            watch(s, bin);
            watch(s, p);
            struct stat st;
            char *real = NULL;
            if (stat(p, &st) == 0 && S_ISREG(st.st_mode) && access(p, X_OK) == 0 &&
                (real = path_real(p)) && !seen_realpath(s, real)) {
                XGROW(s->c, s->cap, s->n + 1);
                s->c[s->n++] = (cand_t){p, real};
            } else {
                free(p);
                free(real);
            }
        } else {
            scan_dir_real(s, bin, rbin);
        }
        free(bin);
        free(rbin);
    }
    free(rroot);
    strv_free(names);
}

void discover_collect(scan_t *s, const discover_opts_t *o)
{
    /* venvsync's and uv's managed interpreters. */
    if (o->managed_dir)
        scan_installs(s, o->managed_dir, true);
    if (o->uv_dir)
        scan_installs(s, o->uv_dir, false);

    /* pyenv's versions (never its shims). */
    char *shims = NULL;
    if (o->pyenv_root) {
        char *pyenv = path_absolute(NULL, o->pyenv_root);
        char *sd = path_join(pyenv, "shims");
        watch(s, sd);
        shims = path_real(sd);
        free(sd);
        s->shims = shims;
        char *versions = path_join(pyenv, "versions");
        scan_installs(s, versions, false);
        free(versions);
        free(pyenv);
    }

    /* PATH, then the usual system places. */
    if (o->path) {
        char *copy = xstrdup(o->path);
        char *save = NULL;
        for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save))
            scan_dir(s, d);
        free(copy);
    }
    scan_dir(s, "/usr/local/bin");
    scan_dir(s, "/usr/bin");

    /* The bases of virtual environments met on the way (each may add more homes). */
    for (size_t i = 0; i < s->nlater; i++)
        scan_dir(s, s->later[i]);

    s->shims = NULL;
    free(shims);
}

void discover_scan_free(scan_t *s)
{
    for (size_t i = 0; i < s->n; i++) {
        free(s->c[i].path);
        free(s->c[i].realpath);
    }
    free(s->c);
    for (size_t i = 0; i < s->ndirs; i++)
        free(s->dirs[i]);
    free(s->dirs);
    for (size_t i = 0; i < s->nlater; i++)
        free(s->later[i]);
    free(s->later);
    buf_free(&s->watch);
}
