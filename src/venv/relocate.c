/* relocate: venv_relocate() (see relocate.h): the walk over bin/ and site-packages, the reads,
 * the list of touched files with their new hashes, and the queued writes done at the end on a
 * few threads. What each file becomes is decided by the pure rewriters of relocate_rewrite.c
 * (relocate_internal.h). */
#include "venv/relocate.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/fs.h"
#include "util/hash.h"
#include "util/path.h"
#include "util/strv.h"
#include "util/xalloc.h"
#include "venv/relocate_internal.h"

/* ---- relocation context ------------------------------------------------------------------ */

typedef struct site {
    char *rel;          /* "lib/python3.11/site-packages" */
    char *abs;
} site_t;

/* A rewritten file waiting to be written. The writes happen after everything was read and
 * computed, several at a time: on ext4 each rename over an existing file starts the new
 * file's writeback and waits for its blocks, so one at a time they dominate the run. */
typedef struct pending {
    char *path;
    buf_t data;
    mode_t mode;
    size_t *counter;    /* the stats field to bump once written */
    err_t *err;
} pending_t;

typedef struct reloc {
    const char *env_dir;
    pending_t *writes;
    size_t nwrites, cap_writes;
    char *old, *new_;             /* owned; paths points at them */
    reloc_paths_t paths;
    reloc_touched_t *touched;
    size_t ntouched, cap_touched;
    relocate_stats_t *st;
} reloc_t;

static void add_touched(reloc_t *rc, const char *key, const void *data, size_t len)
{
    XGROW(rc->touched, rc->cap_touched, rc->ntouched + 1);
    reloc_touched_t *t = &rc->touched[rc->ntouched++];
    t->key = xstrdup(key);
    unsigned char d[32];
    sha256_t h;
    sha256_init(&h);
    sha256_update(&h, data, len);
    sha256_final(&h, d);
    sha256_b64url(d, t->hash);
    t->size = len;
}

/* Queues path for writing with data's content (taking the buffer: *data is left empty). */
static void queue_write(reloc_t *rc, const char *path, buf_t *data, mode_t mode, size_t *counter)
{
    XGROW(rc->writes, rc->cap_writes, rc->nwrites + 1);
    pending_t *w = &rc->writes[rc->nwrites++];
    *w = (pending_t){.path = xstrdup(path), .data = *data, .mode = mode, .counter = counter};
    *data = (buf_t)BUF_INIT;
}

typedef struct writer {
    pending_t *w;
    size_t n;
    atomic_size_t next;
} writer_t;

static void *writer_run(void *arg)
{
    writer_t *wr = arg;
    for (;;) {
        size_t i = atomic_fetch_add(&wr->next, 1);
        if (i >= wr->n)
            return NULL;
        pending_t *w = &wr->w[i];
        w->err = fs_write_atomic(w->path, w->data.data ? w->data.data : "", w->data.len, w->mode);
    }
}

#define WRITER_THREADS 8

/* Writes every queued file (each atomically), several threads at once; returns the errors. */
static err_t *flush_writes(reloc_t *rc)
{
    writer_t wr = {.w = rc->writes, .n = rc->nwrites};
    atomic_init(&wr.next, 0);
    pthread_t th[WRITER_THREADS];
    size_t nth = rc->nwrites < 4 ? 0 : rc->nwrites / 2 < WRITER_THREADS ? rc->nwrites / 2 : WRITER_THREADS;
    size_t started = 0;
    for (; started < nth; started++)
        if (pthread_create(&th[started], NULL, writer_run, &wr) != 0)
            break;
    writer_run(&wr);
    for (size_t i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    err_t *errs = NULL;
    for (size_t i = 0; i < rc->nwrites; i++) {
        pending_t *w = &rc->writes[i];
        if (w->err)
            err_chain(&errs, w->err);
        else
            (*w->counter)++;
        w->err = NULL;
    }
    return errs;
}

static int touched_cmp(const void *a, const void *b)
{
    return strcmp(((const reloc_touched_t *)a)->key, ((const reloc_touched_t *)b)->key);
}

/* ---- bin/ -------------------------------------------------------------------------------- */

static err_t *read_fd(int fd, buf_t *out, const char *path)
{
    for (;;) {
        buf_grow(out, 16384);
        ssize_t r = read(fd, out->data + out->len, out->cap - out->len - 1);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return err_sys(EXIT_APPLY, errno, "reading %s", path);
        }
        if (r == 0)
            return NULL;
        out->len += (size_t)r;
        out->data[out->len] = '\0';
    }
}

static err_t *do_script(reloc_t *rc, int dfd, const char *dir, const char *name)
{
    int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return (errno == ELOOP || errno == ENOENT) ? NULL
                                                   : err_sys(EXIT_APPLY, errno, "opening %s/%s", dir, name);
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return NULL;
    }
    rc->st->files_read++;
    char head[2];
    ssize_t r = read(fd, head, 2);
    if (r != 2 || head[0] != '#' || head[1] != '!') {
        close(fd);
        return NULL;
    }
    char *path = path_join(dir, name);
    buf_t data = BUF_INIT;
    buf_add(&data, head, 2);
    err_t *e = read_fd(fd, &data, path);
    close(fd);
    buf_t out = BUF_INIT;
    char *key = xasprintf("bin/%s", name);
    if (!e) {
        int cls = reloc_rewrite_script(&rc->paths, data.data, data.len, &out);
        if (cls == IN_OLD) {
            add_touched(rc, key, out.data, out.len);
            queue_write(rc, path, &out, st.st_mode & 07777, &rc->st->scripts);
        } else if (cls == IN_NEW) {
            add_touched(rc, key, data.data, data.len);
        }
    }
    free(key);
    buf_free(&out);
    buf_free(&data);
    free(path);
    return e;
}

static err_t *do_bin(reloc_t *rc)
{
    char *bin = path_join(rc->env_dir, "bin");
    char **names = NULL;
    err_t *e = NULL;
    int dfd = open(bin, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) {
        if (errno != ENOENT)
            e = err_sys(EXIT_APPLY, errno, "opening %s", bin);
        free(bin);
        return e;
    }
    /* List first: the atomic writes add and rename entries while we work. */
    e = fs_list_dir(bin, &names);
    for (size_t i = 0; !e && names[i]; i++)
        e = do_script(rc, dfd, bin, names[i]);
    strv_free(names);
    close(dfd);
    free(bin);
    return e;
}

/* ---- site-packages files ------------------------------------------------------------------ */

/* Reads a small regular file below the environment (not following a link). false: skip it. */
static err_t *read_small(reloc_t *rc, const char *path, buf_t *out, struct stat *st, bool *ok)
{
    *ok = false;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return (errno == ENOENT || errno == ELOOP) ? NULL : err_sys(EXIT_APPLY, errno, "opening %s", path);
    if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode)) {
        close(fd);
        return NULL;
    }
    rc->st->files_read++;
    buf_grow(out, (size_t)st->st_size);
    err_t *e = read_fd(fd, out, path);
    close(fd);
    *ok = !e;
    return e;
}

static err_t *do_pth(reloc_t *rc, const site_t *site, const char *name)
{
    char *path = path_join(site->abs, name);
    buf_t d = BUF_INIT, out = BUF_INIT;
    struct stat st;
    bool ok;
    err_t *e = read_small(rc, path, &d, &st, &ok);
    if (ok) {
        char *key = xasprintf("%s/%s", site->rel, name);
        if (reloc_rewrite_pth(&rc->paths, d.data ? d.data : "", d.len, &out)) {
            add_touched(rc, key, out.data, out.len);
            queue_write(rc, path, &out, st.st_mode & 07777, &rc->st->pth_files);
        } else if (d.len && memmem(d.data, d.len, rc->paths.new_, rc->paths.new_len)) {
            add_touched(rc, key, d.data, d.len);
        }
        free(key);
    }
    buf_free(&d);
    buf_free(&out);
    free(path);
    return e;
}

static err_t *do_direct_url(reloc_t *rc, const site_t *site, const char *info)
{
    char *path = path_joinv(site->abs, info, "direct_url.json", NULL);
    buf_t d = BUF_INIT, out = BUF_INIT;
    struct stat st;
    bool ok;
    err_t *e = read_small(rc, path, &d, &st, &ok);
    if (ok && d.len && reloc_direct_url_is_local(d.data, d.len)) {
        char *key = xasprintf("%s/%s/direct_url.json", site->rel, info);
        int cls;
        if (reloc_rewrite_direct_url(&rc->paths, d.data, d.len, &out, &cls)) {
            add_touched(rc, key, out.data, out.len);
            queue_write(rc, path, &out, st.st_mode & 07777, &rc->st->direct_urls);
        } else if (cls == IN_NEW) {
            add_touched(rc, key, d.data, d.len);
        }
        free(key);
    }
    buf_free(&d);
    buf_free(&out);
    free(path);
    return e;
}

static err_t *do_record(reloc_t *rc, const site_t *site, const char *info)
{
    char *path = path_joinv(site->abs, info, "RECORD", NULL);
    buf_t d = BUF_INIT, out = BUF_INIT;
    struct stat st;
    bool ok;
    err_t *e = read_small(rc, path, &d, &st, &ok);
    if (ok && d.len &&
        reloc_record_may_change(&rc->paths, rc->touched, rc->ntouched, d.data, d.len) &&
        reloc_rewrite_record(&rc->paths, site->rel, rc->touched, rc->ntouched, d.data, d.len,
                             &out))
        queue_write(rc, path, &out, st.st_mode & 07777, &rc->st->records);
    buf_free(&d);
    buf_free(&out);
    free(path);
    return e;
}

/* ---- site-packages ------------------------------------------------------------------------ */

static bool has_suffix(const char *s, const char *suf)
{
    size_t n = strlen(s), m = strlen(suf);
    return n > m && memcmp(s + n - m, suf, m) == 0;
}

static void add_sites_in(const char *env_dir, const char *libname, char ***v, size_t *n, size_t *cap)
{
    char *lib = path_join(env_dir, libname);
    struct stat st;
    char **names = NULL;
    if (lstat(lib, &st) == 0 && S_ISDIR(st.st_mode))
        err_free(fs_list_dir(lib, &names));
    for (size_t i = 0; names && names[i]; i++) {
        if (strncmp(names[i], "python", 6) != 0)
            continue;
        char *rel = path_joinv(libname, names[i], "site-packages", NULL);
        char *abs = path_join(env_dir, rel);
        if (lstat(abs, &st) == 0 && S_ISDIR(st.st_mode)) {
            XGROW(*v, *cap, *n + 2);
            (*v)[(*n)++] = rel;
            (*v)[*n] = NULL;
        } else {
            free(rel);
        }
        free(abs);
    }
    strv_free(names);
    free(lib);
}

char **venv_site_dirs(const char *env_dir)
{
    char **v = NULL;
    size_t n = 0, cap = 0;
    XGROW(v, cap, 1);
    v[0] = NULL;
    add_sites_in(env_dir, "lib", &v, &n, &cap);
    add_sites_in(env_dir, "lib64", &v, &n, &cap);
    return v;
}

static err_t *do_sites(reloc_t *rc)
{
    char **rels = venv_site_dirs(rc->env_dir);
    size_t nsites = strv_len(rels);
    site_t *sites = xcalloc(nsites + 1, sizeof(*sites));
    for (size_t s = 0; s < nsites; s++)
        sites[s] = (site_t){rels[s], path_join(rc->env_dir, rels[s])};
    free(rels);   /* the strings now belong to sites */

    char ***lists = xcalloc(nsites + 1, sizeof(*lists));
    err_t *e = NULL;
    for (size_t s = 0; !e && s < nsites; s++) {
        e = fs_list_dir(sites[s].abs, &lists[s]);
        for (size_t i = 0; !e && lists[s][i]; i++) {
            const char *name = lists[s][i];
            if (has_suffix(name, ".pth"))
                e = do_pth(rc, &sites[s], name);
            else if (has_suffix(name, ".dist-info"))
                e = do_direct_url(rc, &sites[s], name);
        }
    }
    if (!e && rc->ntouched > 1)
        qsort(rc->touched, rc->ntouched, sizeof(reloc_touched_t), touched_cmp);
    for (size_t s = 0; !e && s < nsites; s++)
        for (size_t i = 0; !e && lists[s][i]; i++)
            if (has_suffix(lists[s][i], ".dist-info"))
                e = do_record(rc, &sites[s], lists[s][i]);

    for (size_t s = 0; s < nsites; s++) {
        strv_free(lists[s]);
        free(sites[s].rel);
        free(sites[s].abs);
    }
    free(lists);
    free(sites);
    return e;
}

/* ---- entry point --------------------------------------------------------------------------- */

err_t *venv_relocate(const char *env_dir, const char *old_path, const char *new_path,
                     relocate_stats_t *stats)
{
    relocate_stats_t local;
    if (!stats)
        stats = &local;
    memset(stats, 0, sizeof(*stats));
    if (old_path[0] != '/' || new_path[0] != '/')
        return err_new(EXIT_APPLY, "relocating %s: the paths must be absolute (from %s to %s)",
                       env_dir, old_path, new_path);
    reloc_t rc = {.env_dir = env_dir, .st = stats};
    rc.old = path_normalize(old_path);
    rc.new_ = path_normalize(new_path);
    rc.paths = (reloc_paths_t){rc.old, strlen(rc.old), rc.new_, strlen(rc.new_)};
    err_t *e = NULL;
    if (rc.paths.old_len <= 1 || rc.paths.new_len <= 1)
        e = err_new(EXIT_APPLY, "relocating %s: refusing to relocate from or to /", env_dir);
    else if (strcmp(rc.old, rc.new_) != 0) {
        e = do_bin(&rc);
        if (!e)
            e = do_sites(&rc);
        if (!e)
            e = flush_writes(&rc);
        if (e)
            e = err_ctx(e, "relocating %s from %s to %s", env_dir, rc.old, rc.new_);
    }
    for (size_t i = 0; i < rc.nwrites; i++) {
        free(rc.writes[i].path);
        buf_free(&rc.writes[i].data);
    }
    free(rc.writes);
    for (size_t i = 0; i < rc.ntouched; i++)
        free(rc.touched[i].key);
    free(rc.touched);
    free(rc.old);
    free(rc.new_);
    return e;
}
