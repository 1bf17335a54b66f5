#include "venv/copytree.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pkg/record.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/path.h"
#include "util/strv.h"
#include "util/xalloc.h"
#include "venv/relocate.h"

typedef struct copier {
    copy_mode_t mode;
    copy_stats_t *st;
    bool no_reflink, no_hardlink, no_cfr;   /* what this run found unsupported */
    char **owned;                           /* sorted, unique, environment-relative */
    size_t nowned;
    const char *src, *dst;
    buf_t rel;                              /* the entry being copied, relative to src */
} copier_t;

/* ---- which files distributions own --------------------------------------------------------- */

static bool has_suffix(const char *s, const char *suf)
{
    size_t n = strlen(s), m = strlen(suf);
    return n >= m && memcmp(s + n - m, suf, m) == 0;
}

/* Files relocation rewrites (or installers rewrite) in place of the original: never shared. */
static bool rewritten_by_relocation(const char *rel)
{
    if (has_suffix(rel, ".pth"))
        return true;
    const char *base = path_basename(rel);
    if (strcmp(base, "RECORD") && strcmp(base, "direct_url.json") && strcmp(base, "INSTALLER") &&
        strcmp(base, "REQUESTED"))
        return false;
    char *dir = path_dirname(rel);
    bool info = has_suffix(dir, ".dist-info");
    free(dir);
    return info;
}

static void add_owned(copier_t *c, size_t *cap, char *rel)
{
    if (!rel[0] || strcmp(rel, "..") == 0 || strncmp(rel, "../", 3) == 0 || rewritten_by_relocation(rel)) {
        free(rel);
        return;
    }
    XGROW(c->owned, *cap, c->nowned + 1);
    c->owned[c->nowned++] = rel;
}

static void collect_record(copier_t *c, size_t *cap, const char *site_rel, const char *record,
                           const char *src_abs, const char *src_real)
{
    buf_t d = BUF_INIT;
    if (!fs_try_read(record, &d))
        return;
    size_t pos = 0;
    record_line_t row = {0};
    while (record_next_line(d.data, d.len, &pos, &row)) {
        const char *p = row.fields[0];
        if (!row.nfields || !p[0])
            continue;
        if (p[0] == '/') {
            char *norm = path_normalize(p);
            const char *root = path_is_within(norm, src_abs) ? src_abs
                               : path_is_within(norm, src_real) ? src_real : NULL;
            if (root) {
                const char *rest = norm + strlen(root);
                while (*rest == '/')
                    rest++;
                add_owned(c, cap, xstrdup(rest));
            }
            free(norm);
        } else {
            char *j = path_join(site_rel, p);
            add_owned(c, cap, path_normalize(j));
            free(j);
        }
    }
    record_line_clear(&row);
    buf_free(&d);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void collect_owned(copier_t *c, const char *src_abs, const char *src_real)
{
    size_t cap = 0;
    char **sites = venv_site_dirs(c->src);
    for (size_t s = 0; sites[s]; s++) {
        char *site = path_join(c->src, sites[s]);
        char **names = NULL;
        err_free(fs_list_dir(site, &names));
        for (size_t i = 0; names && names[i]; i++) {
            if (!has_suffix(names[i], ".dist-info"))
                continue;
            char *record = path_joinv(site, names[i], "RECORD", NULL);
            collect_record(c, &cap, sites[s], record, src_abs, src_real);
            free(record);
        }
        strv_free(names);
        free(site);
    }
    strv_free(sites);
    if (c->nowned > 1)
        qsort(c->owned, c->nowned, sizeof(char *), cmp_str);
    size_t k = 0;
    for (size_t i = 0; i < c->nowned; i++) {
        if (k && strcmp(c->owned[k - 1], c->owned[i]) == 0)
            free(c->owned[i]);
        else
            c->owned[k++] = c->owned[i];
    }
    c->nowned = k;
    c->st->owned = k;
}

static bool is_owned(const copier_t *c, const char *rel)
{
    return c->nowned && bsearch(&rel, c->owned, c->nowned, sizeof(char *), cmp_str) != NULL;
}

/* ---- copying ------------------------------------------------------------------------------- */

static err_t *io_err(const copier_t *c, int errnum, const char *what)
{
    return err_sys(EXIT_APPLY, errnum, "%s %s/%s", what, c->src, buf_cstr(&c->rel));
}

static bool unsupported(int e)
{
    return e == EOPNOTSUPP || e == ENOTTY || e == EXDEV || e == EINVAL || e == ENOSYS ||
           e == ENOTSUP || e == EPERM || e == EBADF;
}

/* Copies the bytes of sfd into dfd (both at offset 0). */
static err_t *copy_bytes(copier_t *c, int sfd, int dfd, unsigned long long *bytes)
{
    int rc = fs_copy_fd(sfd, dfd, &c->no_cfr, bytes);
    return rc ? io_err(c, rc, "copying") : NULL;
}

/* Permission bits and times of st onto the open file. */
static err_t *finish_file(const copier_t *c, int dfd, const struct stat *st)
{
    struct timespec ts[2] = {st->st_atim, st->st_mtim};
    if (fchmod(dfd, st->st_mode & 07777) != 0 || futimens(dfd, ts) != 0)
        return io_err(c, errno, "setting the mode and times of the copy of");
    return NULL;
}

/* A file directly in bin/ that starts with "#!": relocation rewrites it. */
static bool is_bin_script(int sfd)
{
    char head[2];
    return pread(sfd, head, 2, 0) == 2 && head[0] == '#' && head[1] == '!';
}

static bool in_bin(const char *rel)
{
    return strncmp(rel, "bin/", 4) == 0 && !strchr(rel + 4, '/');
}

static err_t *copy_file(copier_t *c, int sdir, int ddir, const char *name, const struct stat *st)
{
    err_t *e = NULL;
    int sfd = -1, dfd = -1;
    const char *rel = buf_cstr(&c->rel);
    bool share = c->mode == COPY_SHARE && !c->no_hardlink && is_owned(c, rel);
    /* The source is opened only when its bytes matter: a hard link needs no descriptor. */
    if (share && in_bin(rel)) {
        sfd = openat(sdir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
        if (sfd < 0)
            return io_err(c, errno, "opening");
        share = !is_bin_script(sfd);
    }
    if (!c->no_reflink || !share) {
        if (sfd < 0 && (sfd = openat(sdir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)) < 0)
            return io_err(c, errno, "opening");
    }

    if (!c->no_reflink) {
        dfd = openat(ddir, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (dfd < 0) {
            e = io_err(c, errno, "creating the copy of");
            goto out;
        }
        if (ioctl(dfd, FICLONE, sfd) == 0) {
            e = finish_file(c, dfd, st);
            c->st->reflinked++;
            c->st->reflinked_bytes += (unsigned long long)st->st_size;
            goto out;
        }
        if (!unsupported(errno)) {
            e = io_err(c, errno, "cloning");
            goto out;
        }
        c->no_reflink = true;
        if (share) {
            close(dfd);
            dfd = -1;
            unlinkat(ddir, name, 0);
        }
    }
    if (share) {
        if (linkat(sdir, name, ddir, name, 0) == 0) {
            c->st->hardlinked++;
            c->st->hardlinked_bytes += (unsigned long long)st->st_size;
            goto out;
        }
        if (errno == EXDEV || errno == EPERM || errno == EACCES || errno == ENOTSUP)
            c->no_hardlink = true;
        else if (errno != EMLINK) {
            e = io_err(c, errno, "linking");
            goto out;
        }
    }
    if (sfd < 0 && (sfd = openat(sdir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)) < 0) {
        e = io_err(c, errno, "opening");
        goto out;
    }
    if (dfd < 0) {
        dfd = openat(ddir, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (dfd < 0) {
            e = io_err(c, errno, "creating the copy of");
            goto out;
        }
    }
    e = copy_bytes(c, sfd, dfd, &c->st->copied_bytes);
    if (!e)
        e = finish_file(c, dfd, st);
    if (!e)
        c->st->copied++;
out:
    if (dfd >= 0 && close(dfd) != 0 && !e)
        e = io_err(c, errno, "writing the copy of");
    if (sfd >= 0)
        close(sfd);
    return e;
}

static err_t *copy_link(copier_t *c, int sdir, int ddir, const char *name, const struct stat *st)
{
    size_t cap = (size_t)st->st_size + 2;
    char *target = xmalloc(cap);
    ssize_t n = readlinkat(sdir, name, target, cap);
    err_t *e = NULL;
    if (n < 0 || (size_t)n >= cap)
        e = io_err(c, n < 0 ? errno : ENAMETOOLONG, "reading the link");
    else {
        target[n] = '\0';
        struct timespec ts[2] = {st->st_atim, st->st_mtim};
        if (symlinkat(target, ddir, name) != 0)
            e = io_err(c, errno, "copying the link");
        else {
            utimensat(ddir, name, ts, AT_SYMLINK_NOFOLLOW);   /* cosmetic: ignore failures */
            c->st->symlinks++;
        }
    }
    free(target);
    return e;
}

/* Copies the directory open at sdir into the one open at ddir (both closed here), then gives
 * ddir st's permission bits and times. */
static err_t *copy_dir(copier_t *c, int sdir, int ddir, const struct stat *dst_st)
{
    err_t *e = NULL;
    DIR *d = fdopendir(sdir);
    if (!d) {
        e = io_err(c, errno, "reading directory");
        close(sdir);
        close(ddir);
        return e;
    }
    struct dirent *de;
    while (!e) {
        errno = 0;
        if (!(de = readdir(d))) {
            if (errno)
                e = io_err(c, errno, "reading directory");
            break;
        }
        const char *name = de->d_name;
        if (name[0] == '.' && (name[1] == '\0' || (name[1] == '.' && name[2] == '\0')))
            continue;
        size_t mark = c->rel.len;
        if (mark)
            buf_addc(&c->rel, '/');
        buf_adds(&c->rel, name);
        struct stat st;
        if (fstatat(dirfd(d), name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
            e = io_err(c, errno, "examining");
        } else if (S_ISDIR(st.st_mode)) {
            if (mkdirat(ddir, name, 0700) != 0) {
                e = io_err(c, errno, "creating the copy of");
            } else {
                int s2 = openat(dirfd(d), name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                int d2 = s2 < 0 ? -1 : openat(ddir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (s2 < 0 || d2 < 0) {
                    e = io_err(c, errno, "opening directory");
                    if (s2 >= 0)
                        close(s2);
                } else {
                    c->st->dirs++;
                    e = copy_dir(c, s2, d2, &st);
                }
            }
        } else if (S_ISLNK(st.st_mode)) {
            e = copy_link(c, dirfd(d), ddir, name, &st);
        } else if (S_ISREG(st.st_mode)) {
            e = copy_file(c, dirfd(d), ddir, name, &st);
        } else {
            c->st->skipped++;
        }
        buf_setlen(&c->rel, mark);
    }
    closedir(d);
    if (!e) {
        struct timespec ts[2] = {dst_st->st_atim, dst_st->st_mtim};
        if (fchmod(ddir, dst_st->st_mode & 07777) != 0 || futimens(ddir, ts) != 0)
            e = io_err(c, errno, "setting the mode and times of the copy of");
    }
    close(ddir);
    return e;
}

err_t *venv_copy_tree(const char *src, const char *dst, copy_mode_t mode, copy_stats_t *stats)
{
    copy_stats_t local;
    if (!stats)
        stats = &local;
    memset(stats, 0, sizeof(*stats));
    struct stat st;
    if (lstat(dst, &st) == 0)
        return err_hint(err_new(EXIT_USAGE, "copying %s to %s: the destination already exists", src, dst),
                        "choose a new path, or remove %s first", dst);
    int sfd = open(src, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (sfd < 0)
        return err_sys(EXIT_USAGE, errno, "copying %s", src);
    if (fstat(sfd, &st) != 0) {
        int en = errno;
        close(sfd);
        return err_sys(EXIT_APPLY, en, "copying %s", src);
    }

    char *src_abs = path_absolute(NULL, src);
    char *src_real = path_real(src);
    char *dst_abs = path_absolute(NULL, dst);
    char *parent = path_dirname(dst_abs);
    err_t *e = fs_mkdirs(parent, 0777);
    char *parent_real = e ? NULL : path_real(parent);
    char *dst_real = parent_real ? path_join(parent_real, path_basename(dst_abs)) : NULL;
    if (!e && !dst_real)
        e = err_sys(EXIT_APPLY, errno, "copying %s to %s", src, dst);
    if (!e && src_real && path_is_within(dst_real, src_real))
        e = err_new(EXIT_USAGE, "copying %s to %s: the destination is inside the source", src, dst);
    if (e) {
        close(sfd);
        goto done;
    }

    copier_t c = {.mode = mode, .st = stats, .src = src, .dst = dst};
    if (mode == COPY_SHARE)
        collect_owned(&c, src_abs, src_real ? src_real : src_abs);
    if (mkdir(dst, 0700) != 0) {
        e = errno == EEXIST
                ? err_new(EXIT_USAGE, "copying %s to %s: the destination already exists", src, dst)
                : err_sys(EXIT_APPLY, errno, "creating %s", dst);
        close(sfd);
    } else {
        int dfd = open(dst, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dfd < 0) {
            e = err_sys(EXIT_APPLY, errno, "opening %s", dst);
            close(sfd);
        } else {
            e = copy_dir(&c, sfd, dfd, &st);
        }
        if (e) {
            err_free(fs_rmtree(dst));
            e = err_ctx(e, "copying %s to %s", src, dst);
        }
    }
    for (size_t i = 0; i < c.nowned; i++)
        free(c.owned[i]);
    free(c.owned);
    buf_free(&c.rel);
done:
    free(src_abs);
    free(src_real);
    free(dst_abs);
    free(parent);
    free(parent_real);
    free(dst_real);
    return e;
}
