#include "util/lock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/cachedir.h"
#include "util/fs.h"
#include "util/hash.h"
#include "util/path.h"
#include "util/xalloc.h"

err_t *env_lock_acquire(const char *cache_dir, const char *env_path, FILE *log, env_lock_t *out)
{
    out->fd = -1;
    out->path = NULL;
    char *dir = path_join(cache_dir, CACHE_LOCKS);
    err_t *e = fs_mkdirs(dir, 0755);
    if (e) {
        free(dir);
        return err_ctx(e, "locking %s", env_path);
    }
    /* A naming hash, not sha256: locking runs on every sync, the no-op included, and must not
     * load libcrypto (util/hash.h). */
    char hex[33];
    hash_name_hex(env_path, strlen(env_path), hex);
    char *name = xasprintf("%s.lock", hex);
    out->path = path_join(dir, name);
    free(name);
    free(dir);
    int fd = open(out->path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        e = err_sys(EXIT_APPLY, errno, "locking %s: opening %s", env_path, out->path);
        free(out->path);
        out->path = NULL;
        return e;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno != EWOULDBLOCK) {
            e = err_sys(EXIT_APPLY, errno, "locking %s", env_path);
            close(fd);
            return e;
        }
        if (log)
            fprintf(log, "venvsync: waiting for another venvsync run working on %s\n", env_path);
        while (flock(fd, LOCK_EX) != 0) {
            if (errno != EINTR) {
                e = err_sys(EXIT_APPLY, errno, "locking %s", env_path);
                close(fd);
                return e;
            }
        }
    }
    out->fd = fd;
    return NULL;
}

void env_lock_release(env_lock_t *l)
{
    if (l->fd >= 0) {
        flock(l->fd, LOCK_UN);
        close(l->fd);
    }
    l->fd = -1;
    free(l->path);
    l->path = NULL;
}
