#include "util/fs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/path.h"
#include "util/strv.h"
#include "util/xalloc.h"

err_t *fs_read(const char *path, buf_t *out)
{
    if (!fs_try_read(path, out))
        return err_sys(3, errno, "reading %s", path);
    return NULL;
}

bool fs_try_read(const char *path, buf_t *out)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
        buf_grow(out, (size_t)st.st_size);
    for (;;) {
        buf_grow(out, 8192);
        ssize_t r = read(fd, out->data + out->len, out->cap - out->len - 1);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            close(fd);
            errno = e;
            return false;
        }
        if (r == 0)
            break;
        out->len += (size_t)r;
        out->data[out->len] = '\0';
    }
    close(fd);
    return true;
}

static err_t *write_all(int fd, const void *data, size_t len, const char *path)
{
    const char *p = data;
    while (len) {
        ssize_t w = write(fd, p, len);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return err_sys(3, errno, "writing %s", path);
        }
        p += w;
        len -= (size_t)w;
    }
    return NULL;
}

err_t *fs_write_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
    char *dir = path_dirname(path);
    char *tmp = xasprintf("%s/.%s.tmpXXXXXX", dir, path_basename(path));
    free(dir);
    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0) {
        err_t *e = err_sys(3, errno, "creating a temporary file beside %s", path);
        free(tmp);
        return e;
    }
    err_t *e = write_all(fd, data, len, path);
    if (!e && fchmod(fd, mode) != 0)
        e = err_sys(3, errno, "setting the mode of %s", path);
    if (close(fd) != 0 && !e)
        e = err_sys(3, errno, "writing %s", path);
    if (!e && rename(tmp, path) != 0)
        e = err_sys(3, errno, "replacing %s", path);
    if (e)
        unlink(tmp);
    free(tmp);
    return e;
}

err_t *fs_write_new(const char *path, const void *data, size_t len, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0)
        return err_sys(3, errno, "creating %s", path);
    /* fchmod rather than reading the umask: umask(2) changes it for every thread at once */
    err_t *e = write_all(fd, data, len, path);
    if (!e && fchmod(fd, mode) != 0)
        e = err_sys(3, errno, "setting the mode of %s", path);
    if (close(fd) != 0 && !e)
        e = err_sys(3, errno, "writing %s", path);
    if (e)
        unlink(path);
    return e;
}

err_t *fs_mkdirs(const char *path, mode_t mode)
{
    if (mkdir(path, mode) == 0)
        return NULL;
    if (errno == EEXIST) {
        if (fs_is_dir(path))
            return NULL;
        return err_new(3, "cannot create directory %s: a file is in the way", path);
    }
    if (errno != ENOENT)
        return err_sys(3, errno, "creating directory %s", path);
    char *parent = path_dirname(path);
    err_t *e = NULL;
    if (strcmp(parent, path) != 0)
        e = fs_mkdirs(parent, mode);
    free(parent);
    if (e)
        return e;
    if (mkdir(path, mode) != 0 && errno != EEXIST)
        return err_sys(3, errno, "creating directory %s", path);
    return NULL;
}

err_t *fs_symlink_replace(const char *target, const char *linkpath)
{
    if (symlink(target, linkpath) == 0)
        return NULL;
    if (errno != EEXIST)
        return err_sys(3, errno, "linking %s -> %s", linkpath, target);
    char *dir = path_dirname(linkpath);
    char *tmp = xasprintf("%s/.%s.lnk%ld", dir, path_basename(linkpath), (long)getpid());
    free(dir);
    unlink(tmp);
    err_t *e = NULL;
    if (symlink(target, tmp) != 0)
        e = err_sys(3, errno, "linking %s -> %s", linkpath, target);
    else if (rename(tmp, linkpath) != 0) {
        e = err_sys(3, errno, "replacing %s", linkpath);
        unlink(tmp);
    }
    free(tmp);
    return e;
}

/* Deletes the contents of the directory open at dfd (which this function closes). */
static err_t *rmtree_fd(int dfd, const char *path)
{
    DIR *d = fdopendir(dfd);
    if (!d) {
        int e = errno;
        close(dfd);
        return err_sys(3, e, "reading directory %s", path);
    }
    err_t *err = NULL;
    struct dirent *de;
    while (!err && (de = readdir(d))) {
        const char *n = de->d_name;
        if (n[0] == '.' && (n[1] == '\0' || (n[1] == '.' && n[2] == '\0')))
            continue;
        struct stat st;
        if (fstatat(dirfd(d), n, &st, AT_SYMLINK_NOFOLLOW) != 0) {
            if (errno == ENOENT)
                continue;
            err = err_sys(3, errno, "examining %s/%s", path, n);
            break;
        }
        if (S_ISDIR(st.st_mode)) {
            int sub = openat(dirfd(d), n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (sub < 0) {
                err = err_sys(3, errno, "opening %s/%s", path, n);
                break;
            }
            char *subpath = path_join(path, n);
            err = rmtree_fd(sub, subpath);
            free(subpath);
            if (!err && unlinkat(dirfd(d), n, AT_REMOVEDIR) != 0 && errno != ENOENT)
                err = err_sys(3, errno, "removing %s/%s", path, n);
        } else if (unlinkat(dirfd(d), n, 0) != 0 && errno != ENOENT) {
            err = err_sys(3, errno, "removing %s/%s", path, n);
        }
    }
    closedir(d);
    return err;
}

err_t *fs_rmtree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return errno == ENOENT ? NULL : err_sys(3, errno, "examining %s", path);
    if (!S_ISDIR(st.st_mode)) {
        if (unlink(path) != 0 && errno != ENOENT)
            return err_sys(3, errno, "removing %s", path);
        return NULL;
    }
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return err_sys(3, errno, "opening %s", path);
    err_t *e = rmtree_fd(fd, path);
    if (e)
        return e;
    if (rmdir(path) != 0 && errno != ENOENT)
        return err_sys(3, errno, "removing %s", path);
    return NULL;
}

bool fs_exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

bool fs_is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

bool fs_is_dir_empty(const char *path)
{
    DIR *d = opendir(path);
    if (!d)
        return false;
    struct dirent *de;
    bool empty = true;
    while ((de = readdir(d))) {
        const char *n = de->d_name;
        if (n[0] == '.' && (n[1] == '\0' || (n[1] == '.' && n[2] == '\0')))
            continue;
        empty = false;
        break;
    }
    closedir(d);
    return empty;
}

err_t *fs_mkdtemp_in(const char *dir, const char *prefix, char **out)
{
    char *tmpl = xasprintf("%s/%sXXXXXX", dir, prefix);
    if (!mkdtemp(tmpl)) {
        err_t *e = err_sys(3, errno, "creating a temporary directory in %s", dir);
        free(tmpl);
        *out = NULL;
        return e;
    }
    *out = tmpl;
    return NULL;
}

err_t *fs_list_dir(const char *path, char ***out)
{
    *out = NULL;
    DIR *d = opendir(path);
    if (!d)
        return err_sys(3, errno, "reading directory %s", path);
    char **v = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        const char *nm = de->d_name;
        if (nm[0] == '.' && (nm[1] == '\0' || (nm[1] == '.' && nm[2] == '\0')))
            continue;
        XGROW(v, cap, n + 2);
        v[n++] = xstrdup(nm);
    }
    closedir(d);
    XGROW(v, cap, n + 1);
    v[n] = NULL;
    strv_sort(v);
    *out = v;
    return NULL;
}

void fs_sync_dir(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

mode_t fs_umask(void)
{
    buf_t b = BUF_INIT;
    mode_t um = 022;
    bool found = false;
    if (fs_try_read("/proc/self/status", &b)) {
        const char *p = strstr(buf_cstr(&b), "\nUmask:");
        if (p) {
            um = (mode_t)strtoul(p + 7, NULL, 8) & 0777;
            found = true;
        }
    }
    buf_free(&b);
    if (!found) {
        um = umask(022);
        umask(um);
    }
    return um;
}

int fs_copy_fd(int in, int out, bool *no_cfr, unsigned long long *bytes)
{
    unsigned long long total = 0;
    bool skip = no_cfr && *no_cfr;
    while (!skip) {
        ssize_t n = copy_file_range(in, NULL, out, NULL, (size_t)1 << 30, 0);
        if (n > 0) {
            total += (unsigned long long)n;
            continue;
        }
        if (n == 0)
            goto done;
        if (errno == EINTR)
            continue;
        if (total == 0 && (errno == ENOSYS || errno == EXDEV || errno == EINVAL ||
                           errno == EOPNOTSUPP || errno == EBADF || errno == EIO)) {
            if (no_cfr)
                *no_cfr = true;
            break;
        }
        return errno;
    }
    char chunk[1 << 16];
    for (;;) {
        ssize_t r = read(in, chunk, sizeof chunk);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return errno;
        }
        if (r == 0)
            break;
        for (ssize_t off = 0; off < r;) {
            ssize_t w = write(out, chunk + off, (size_t)(r - off));
            if (w < 0) {
                if (errno == EINTR)
                    continue;
                return errno;
            }
            off += w;
        }
        total += (unsigned long long)r;
    }
done:
    if (bytes)
        *bytes += total;
    return 0;
}
