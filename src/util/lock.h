/*
 * lock: one lock per environment, so concurrent runs (a git hook and an editor, two terminals,
 * parallel CI steps) wait for each other instead of interleaving.
 *
 * The lock is an flock(2) on <cache_dir>/locks/<hash_name_hex of the environment's absolute
 * path>.lock (util/hash.h: a naming hash, so that locking never loads libcrypto).
 * The kernel releases it when the holder exits, however it exits, so a dead run's lock is taken
 * over at once; the file itself is left in place (deleting it would race) and stays empty.
 */
#ifndef VENVSYNC_UTIL_LOCK_H
#define VENVSYNC_UTIL_LOCK_H
#include <stdio.h>
#include "util/err.h"

typedef struct env_lock {
    int fd;
    char *path;
} env_lock_t;

/* Blocks until the lock for env_path is held. When it has to wait and `log` is not NULL, says
 * once which process it is waiting for. */
err_t *env_lock_acquire(const char *cache_dir, const char *env_path, FILE *log, env_lock_t *out);
void env_lock_release(env_lock_t *l);

#endif
