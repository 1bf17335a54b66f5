/*
 * uninstall: removes an installed distribution the way its RECORD describes it.
 *
 * Only `*.dist-info` directories with a RECORD are uninstalled. No RECORD, or a legacy
 * `*.egg-info`, is refused (EXIT_USAGE, nothing changed): without RECORD nobody knows which
 * files are the distribution's (the recording-installed-packages spec forbids guessing).
 *
 * For every RECORD row (paths relative to the directory holding the .dist-info, or absolute):
 *  - the path is resolved and must lie inside env_root, lexically (record_resolve_path()) and
 *    physically (the real path of its directory, so a symbolic link cannot lead out); rows
 *    that do not, and rows naming the environment's own `pyvenv.cfg` or interpreter links
 *    (`bin/python*`), are skipped, never deleted, and reported in `skipped`;
 *  - the file (or symbolic link: never followed) is unlinked; a missing file is fine; a row
 *    naming a directory deletes nothing (the directory is only removed once empty);
 *  - for a `.py` file, `__pycache__/<stem>.*.pyc` beside it and a legacy `<stem>.pyc`/`.pyo`
 *    go too.
 * Then directories that this emptied are removed, walking up, but never env_root, the
 * directories every environment has (bin, include, lib, lib64, and Windows' Scripts, Include,
 * Lib) or site_packages and its parents. The .dist-info directory
 * itself goes last (so an interrupted uninstall can be run again), with anything left in it.
 *
 * Files listed by another distribution's RECORD are removed too (pip does the same).
 *
 * Ownership: the caller frees a wheel_uninstalled_t with wheel_uninstalled_free().
 */
#ifndef VENVSYNC_WHEEL_UNINSTALL_H
#define VENVSYNC_WHEEL_UNINSTALL_H
#include <stddef.h>
#include "util/err.h"

typedef struct wheel_uninstalled {
    char **removed;             /* files deleted (absolute), NULL-terminated */
    size_t n_removed;
    char **skipped;             /* "<row path>: <reason>" for rows refused, NULL-terminated */
    size_t n_skipped;
} wheel_uninstalled_t;

/* env_root and site_packages are absolute; dist_info_dir is a name inside site_packages
 * ("foo-1.0.dist-info") or an absolute path whose parent is site_packages. */
err_t *wheel_uninstall(const char *env_root, const char *site_packages,
                       const char *dist_info_dir);
/* The same, reporting what was removed and skipped in *res (may be NULL). */
err_t *wheel_uninstall_ex(const char *env_root, const char *site_packages,
                          const char *dist_info_dir, wheel_uninstalled_t *res);
void wheel_uninstalled_free(wheel_uninstalled_t *r);

#endif
