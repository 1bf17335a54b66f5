/* findlinks: wheels in local find-links sources (see findlinks.h). */
#include "index/findlinks.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pkg/reqfile.h"
#include "util/buf.h"
#include "util/path.h"
#include "util/strv.h"
#include "util/url.h"
#include "util/xalloc.h"

typedef struct scan {
    fl_set_t *s;
    size_t cap, src_cap, sdist_cap;
    size_t nremote;
} scan_t;

static void note(scan_t *sc, char *msg)
{
    fl_set_t *s = sc->s;
    s->notes = xrealloc(s->notes, (s->nnotes + 2) * sizeof *s->notes);
    s->notes[s->nnotes++] = msg;
    s->notes[s->nnotes] = NULL;
}

static bool is_wheel_name(const char *name)
{
    size_t n = strlen(name);
    return n > 4 && strcmp(name + n - 4, ".whl") == 0;
}

static bool is_sdist_name(const char *name)
{
    size_t n = strlen(name);
    return (n > 7 && strcmp(name + n - 7, ".tar.gz") == 0) ||
           (n > 4 && strcmp(name + n - 4, ".zip") == 0);
}

static void add_sdist(scan_t *sc, const char *path)
{
    fl_set_t *s = sc->s;
    if (!strv_has(s->sdists, path))
        strv_push(&s->sdists, &s->nsdists, &sc->sdist_cap, xstrdup(path));
}

/* Adds the wheel at path (already known to be a regular file of size `size`). */
static void add_wheel(scan_t *sc, const char *path, const char *fname, uint64_t size,
                      size_t source)
{
    wheelname_t *w = NULL;
    err_t *e = wheelname_parse(fname, &w);
    if (e) {
        note(sc, xasprintf("%s: skipped: %s", path, e->msg));
        err_free(e);
        return;
    }
    fl_set_t *s = sc->s;
    XGROW(s->cands, sc->cap, s->n + 1);
    fl_cand_t *c = &s->cands[s->n++];
    c->path = xstrdup(path);
    c->wheel = w;
    c->size = size;
    c->source = source;
}

static err_t *scan_dir(scan_t *sc, const char *dir, size_t source)
{
    DIR *d = opendir(dir);
    if (!d)
        return err_sys(EXIT_USAGE, errno, "find-links %s: cannot read the directory", dir);
    int dfd = dirfd(d);
    struct dirent *de;
    errno = 0;
    while ((de = readdir(d)) != NULL) {
        const char *name = de->d_name;
        bool sdist = is_sdist_name(name);
        if (!sdist && !is_wheel_name(name))
            continue;
        struct stat st;
        char *path = path_join(dir, name);
        if (fstatat(dfd, name, &st, 0) != 0 || !S_ISREG(st.st_mode)) {
            note(sc, xasprintf("%s: skipped: not a regular file", path));
            free(path);
            errno = 0;
            continue;
        }
        if (sdist)
            add_sdist(sc, path);
        else
            add_wheel(sc, path, name, (uint64_t)st.st_size, source);
        free(path);
        errno = 0;
    }
    int saved = errno;
    closedir(d);
    if (saved)
        return err_sys(EXIT_USAGE, saved, "find-links %s: reading the directory", dir);
    return NULL;
}

static int cmp_by_path(const void *a, const void *b)
{
    const fl_cand_t *x = a, *y = b;
    int c = strcmp(x->path, y->path);
    if (c)
        return c;
    return x->source < y->source ? -1 : x->source > y->source;
}

static int cmp_by_key(const void *a, const void *b)
{
    const fl_cand_t *x = a, *y = b;
    int c = strcmp(x->wheel->key, y->wheel->key);
    if (c)
        return c;
    c = strcmp(x->wheel->filename, y->wheel->filename);
    if (c)
        return c;
    if (x->source != y->source)
        return x->source < y->source ? -1 : 1;
    return strcmp(x->path, y->path);
}

static void cand_free(fl_cand_t *c)
{
    free(c->path);
    wheelname_free(c->wheel);
}

err_t *findlinks_scan(const char *const *sources, size_t n, fl_set_t **out)
{
    *out = NULL;
    fl_set_t *s = xcalloc(1, sizeof *s);
    s->remote = xcalloc(1, sizeof *s->remote);
    s->notes = xcalloc(1, sizeof *s->notes);
    s->sdists = xcalloc(1, sizeof *s->sdists);
    scan_t sc = {.s = s};
    err_t *errs = NULL;
    for (size_t i = 0; i < n; i++) {
        const char *given = sources[i];
        char *path = NULL;
        if (reqfile_is_url(given)) {
            if (strncasecmp(given, "http:", 5) == 0 || strncasecmp(given, "https:", 6) == 0) {
                s->remote = xrealloc(s->remote, (sc.nremote + 2) * sizeof *s->remote);
                s->remote[sc.nremote++] = xstrdup(given);
                s->remote[sc.nremote] = NULL;
                continue;
            }
            char *why = NULL;
            path = strncasecmp(given, "file:", 5) == 0
                       ? url_to_path(given, NULL, &why)
                       : NULL;
            if (!path) {
                note(&sc, why ? xasprintf("find-links %s: ignored: %s", given, why)
                              : xasprintf("find-links %s: ignored: not a local or http(s) "
                                          "location", given));
                free(why);
                continue;
            }
        } else {
            path = path_absolute(NULL, given);
        }
        /* the same source twice: scan once */
        bool dup = false;
        for (size_t k = 0; k < s->nsources && !dup; k++)
            dup = strcmp(s->sources[k].path, path) == 0;
        if (dup) {
            free(path);
            continue;
        }
        XGROW(s->sources, sc.src_cap, s->nsources + 1);
        size_t si = s->nsources++;
        fl_source_t *src = &s->sources[si];
        src->given = xstrdup(given);
        src->path = path;
        src->is_dir = false;
        src->missing = false;
        struct stat st;
        if (stat(path, &st) != 0) {
            if (errno == ENOENT || errno == ENOTDIR) {
                src->missing = true;
                note(&sc, xasprintf("find-links %s: no such file or directory", path));
            } else {
                err_chain(&errs, err_sys(EXIT_USAGE, errno, "find-links %s", path));
            }
            continue;
        }
        if (S_ISDIR(st.st_mode)) {
            src->is_dir = true;
            err_chain(&errs, scan_dir(&sc, path, si));
        } else if (S_ISREG(st.st_mode) && is_wheel_name(path_basename(path))) {
            add_wheel(&sc, path, path_basename(path), (uint64_t)st.st_size, si);
        } else if (S_ISREG(st.st_mode) && is_sdist_name(path_basename(path))) {
            add_sdist(&sc, path);
        } else {
            note(&sc, xasprintf("find-links %s: ignored: neither a directory, a .whl file nor a "
                                "source archive", path));
        }
    }
    if (errs) {
        findlinks_free(s);
        return errs;
    }
    /* one entry per file: the first source that reached it */
    if (s->n > 1) {
        qsort(s->cands, s->n, sizeof *s->cands, cmp_by_path);
        size_t keep = 0;
        for (size_t i = 0; i < s->n; i++) {
            if (keep > 0 && strcmp(s->cands[keep - 1].path, s->cands[i].path) == 0) {
                cand_free(&s->cands[i]);
                continue;
            }
            s->cands[keep++] = s->cands[i];
        }
        s->n = keep;
        qsort(s->cands, s->n, sizeof *s->cands, cmp_by_key);
    }
    strv_sort(s->sdists);
    *out = s;
    return NULL;
}

void findlinks_free(fl_set_t *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++)
        cand_free(&s->cands[i]);
    free(s->cands);
    for (size_t i = 0; i < s->nsources; i++) {
        free(s->sources[i].given);
        free(s->sources[i].path);
    }
    free(s->sources);
    strv_free(s->remote);
    strv_free(s->notes);
    strv_free(s->sdists);
    free(s);
}

size_t findlinks_lookup(const fl_set_t *s, const char *key, const fl_cand_t **first)
{
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(s->cands[mid].wheel->key, key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t end = lo;
    while (end < s->n && strcmp(s->cands[end].wheel->key, key) == 0)
        end++;
    *first = end > lo ? &s->cands[lo] : NULL;
    return end - lo;
}

char *findlinks_describe(const fl_set_t *s)
{
    buf_t b = BUF_INIT;
    for (size_t i = 0; i < s->nsources; i++)
        buf_printf(&b, "%s%s%s", b.len ? ", " : "", s->sources[i].path,
                   s->sources[i].missing ? " (missing)" : "");
    for (size_t i = 0; s->remote[i]; i++)
        buf_printf(&b, "%s%s (remote, not searched)", b.len ? ", " : "", s->remote[i]);
    if (!b.len)
        buf_adds(&b, "(no find-links sources)");
    return buf_detach(&b);
}

err_t *findlinks_scan_both(char *const *a, char *const *b, fl_set_t **out)
{
    size_t n = 0, cap = 0;
    const char **src = NULL;
    for (int pass = 0; pass < 2; pass++)
        for (char *const *p = pass ? b : a; p && *p; p++) {
            XGROW(src, cap, n + 1);
            src[n++] = *p;
        }
    err_t *e = findlinks_scan(src, n, out);
    free(src);
    return e;
}
