/*
 * fs: file-system primitives with the safety rules of venvsync built in.
 *
 *  - Writes that replace a file are atomic: a temporary file in the same directory, fsync'd
 *    when asked, renamed over the target. Readers see the old or the new content, never a mix.
 *  - Recursive deletion never follows symbolic links and never leaves the tree it was given.
 *  - Errors come back as err_t with the path in the message.
 */
#ifndef VENVSYNC_UTIL_FS_H
#define VENVSYNC_UTIL_FS_H
#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>
#include "util/buf.h"
#include "util/err.h"
#include "util/strv.h"

/* Reads the whole file into out (appending). */
err_t *fs_read(const char *path, buf_t *out);
/* Like fs_read but returns false (errno set) instead of an error; for probing optional files. */
bool fs_try_read(const char *path, buf_t *out);
/* Atomically replaces path with data; mode applies to the new file (umask not applied). */
err_t *fs_write_atomic(const char *path, const void *data, size_t len, mode_t mode);
/* Creates a new file (it must not exist) holding data, with exactly `mode`. Not atomic: for
 * trees being built in a staging directory that is renamed into place as a whole. */
err_t *fs_write_new(const char *path, const void *data, size_t len, mode_t mode);
/* mkdir -p; existing directories are fine. */
err_t *fs_mkdirs(const char *path, mode_t mode);
/* Symlink target -> linkpath, replacing an existing link or file at linkpath atomically. */
err_t *fs_symlink_replace(const char *target, const char *linkpath);
/* Removes path and everything below it, without following links. A missing path is success. */
err_t *fs_rmtree(const char *path);
/* stat-based tests; false on any error. */
bool fs_exists(const char *path);               /* lstat succeeds */
bool fs_is_dir(const char *path);               /* follows links */
bool fs_is_dir_empty(const char *path);         /* a directory with no entries */
/* A new unique directory named "<dir>/<prefix>XXXXXX", returned in *out. */
err_t *fs_mkdtemp_in(const char *dir, const char *prefix, char **out);
/* Sorted names in a directory (no "." / ".."), NULL-terminated; *out NULL on error. */
err_t *fs_list_dir(const char *path, char ***out);
/* Copies every byte of in to out (both at their current offsets): copy_file_range, or read and
 * write where the kernel or file system cannot, after which *no_cfr is set so later calls skip
 * the attempt (no_cfr may be NULL). *bytes (may be NULL) grows by what was copied. Returns 0 or
 * the errno of the failure. */
int fs_copy_fd(int in, int out, bool *no_cfr, unsigned long long *bytes);

/* The process umask, read from /proc without changing it (umask(2) is process-wide, so setting
 * and restoring it races with other threads creating files); falls back to umask(2). */
mode_t fs_umask(void);
/* fsync a directory, so a rename in it is durable. Errors are ignored. */
void fs_sync_dir(const char *path);

#endif
