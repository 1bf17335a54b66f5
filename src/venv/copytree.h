/*
 * copytree: copy an environment's directory tree fast, sharing file data where it is safe.
 *
 * venv_copy_tree(src, dst) recreates the tree below src at dst (which must not exist; its
 * parents are created). It reads only src and writes only dst:
 *   - directories: created with src's permission bits and times;
 *   - symbolic links: recreated with the same target text, never followed (a link that points
 *     outside src stays a link; a directory reached through a link is not entered);
 *   - regular files, in order of preference:
 *       1. a reflink (ioctl FICLONE: a copy-on-write clone, independent of src). The first
 *          EOPNOTSUPP/ENOTTY/EXDEV/EINVAL/ENOSYS marks the run as "no reflinks" and no further
 *          file tries;
 *       2. a hard link, in COPY_SHARE mode only, and only for files an installed distribution
 *          owns (listed by some <site>/<dist>.dist-info/RECORD, paths resolved against site-packages
 *          and normalised; absolute rows inside src count too) that relocation never rewrites:
 *          not <dist-info>/RECORD, direct_url.json, INSTALLER or REQUESTED, not *.pth, not a
 *          file directly in bin/ that starts with "#!". EXDEV/EPERM mark the run as "no hard
 *          links"; EMLINK copies just that file;
 *       3. a copy of the bytes (copy_file_range, falling back to read/write), with src's
 *          permission bits and times.
 *   - anything else (fifos, sockets, devices) is skipped and counted.
 * File times are kept so that timestamp-checked .pyc files stay valid in the copy.
 *
 * A hard-linked file is shared with src: whoever changes the copy must replace such files
 * (fs_write_atomic, unlink + create), never write into them. venv_relocate() does.
 * On error the partly written dst is removed (it did not exist before) and src is untouched.
 * The caller relocates dst afterwards (venv_relocate(dst, <src's path>, <dst's final path>)) and
 * re-renders pyvenv.cfg and the activators.
 */
#ifndef VENVSYNC_VENV_COPYTREE_H
#define VENVSYNC_VENV_COPYTREE_H
#include <stddef.h>
#include "util/err.h"

typedef enum {
    COPY_SHARE,     /* reflink, else hard-link distribution-owned files, else copy */
    COPY_FULL,      /* reflink, else copy: nothing is shared with src (--copies) */
} copy_mode_t;

typedef struct copy_stats {
    size_t dirs, symlinks, skipped;
    size_t reflinked, hardlinked, copied;                     /* regular files by method */
    unsigned long long reflinked_bytes, hardlinked_bytes, copied_bytes;
    size_t owned;                                             /* distinct RECORD-owned paths */
} copy_stats_t;

/* Copies the tree at src to dst as described above. stats may be NULL; it is zeroed first.
 * Fails with EXIT_USAGE when dst exists or lies inside src, EXIT_APPLY on I/O errors. */
err_t *venv_copy_tree(const char *src, const char *dst, copy_mode_t mode, copy_stats_t *stats);

#endif
