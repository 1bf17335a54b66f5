/*
 * tar: a hardened reader for tar archives (plain or gzip-compressed), written for
 * python-build-standalone's install_only assets. Archives are untrusted input; they are
 * extracted into a fresh directory.
 *
 * Formats: v7, ustar (name + prefix), GNU long names ('L') and long link names ('K'), pax
 * extended headers ('x': path, linkpath, size, mtime are honoured; 'g' is read and ignored).
 * Numbers are octal, or GNU base-256 for sizes and times. A gzip stream (one member or several
 * concatenated) is inflated with zlib while reading; anything else is read as a plain tar.
 *
 * Member types: regular files ('0', NUL, '7'), directories ('5'), symbolic links ('2') and hard
 * links ('1'). Devices, FIFOs, sparse files, multi-volume parts and unknown types are refused.
 *
 * Safety. Any violation is an error and extraction stops there:
 *  - member paths are relative, have no ".." component and at most TAR_MAX_PATH bytes (each
 *    component at most 255); a leading "./", "." components and repeated slashes are tolerated;
 *  - with opts.strip, every member must lie below that one top-level directory (the directory
 *    itself is skipped) and the prefix is removed (hard-link targets too);
 *  - nothing is written through a symbolic link: a member below one of the archive's links is
 *    refused, and on disk every parent is opened with O_NOFOLLOW and every file created with
 *    O_EXCL | O_NOFOLLOW, so the kernel refuses what the bookkeeping might have missed;
 *  - symbolic-link targets must be relative and resolve inside the destination, following the
 *    archive's own links the way the kernel would; checked when a link is met and again for
 *    every link once the archive is complete (a later member can change how a target resolves);
 *  - a hard link must name a regular file extracted before it;
 *  - each path appears once, except a directory repeated as a directory: anything that would
 *    replace an earlier member (a file over a directory, a link over a file...) is refused;
 *  - header checksums are verified; the archive must end with its end-of-archive (zero) block;
 *    a truncated archive or a corrupt compressed stream is an error;
 *  - limits (tar_opts_t): the sum of file sizes and the member count.
 * Modes: a file gets 0755 when any execute bit is set in its header, else 0644; directories
 * 0755 (the umask applies). Ownership is ignored. A file's mtime is kept (CPython's
 * timestamp-checked .pyc files stay valid).
 *
 * On error the destination may hold a partial tree: extract into a staging directory and remove
 * it on failure (fs_rmtree). Errors are EXIT_APPLY, "<name>: member '<path>': <what>" or
 * "<name>: <what>" (name is the archive's name for messages). No global state: thread-safe.
 */
#ifndef VENVSYNC_UTIL_TAR_H
#define VENVSYNC_UTIL_TAR_H
#include <stddef.h>
#include <stdint.h>
#include "util/err.h"

#define TAR_MAX_PATH 4096
#define TAR_DEFAULT_MAX_TOTAL (16ull << 30)     /* 16 GiB of file data */
#define TAR_DEFAULT_MAX_MEMBERS 1000000u

typedef struct tar_opts {
    const char *strip;       /* the one top-level directory to require and remove ("python"),
                                or NULL to extract paths as they are */
    uint64_t max_total;      /* sum of regular-file sizes; 0 = TAR_DEFAULT_MAX_TOTAL */
    uint64_t max_members;    /* 0 = TAR_DEFAULT_MAX_MEMBERS */
} tar_opts_t;

typedef struct tar_stats {
    uint64_t files, dirs, symlinks, hardlinks;
    uint64_t bytes;          /* file data written */
} tar_stats_t;

/* Extracts the archive at path into dest (an existing directory, normally empty). o and st may
 * be NULL. */
err_t *tar_extract_file(const char *path, const char *dest, const tar_opts_t *o, tar_stats_t *st);
/* The same for an archive in memory; name is used in messages. */
err_t *tar_extract_mem(const void *data, size_t len, const char *name, const char *dest,
                       const tar_opts_t *o, tar_stats_t *st);

#endif
