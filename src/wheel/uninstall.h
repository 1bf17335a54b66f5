/*
 * uninstall: removes an installed distribution the way its RECORD describes it.
 *
 * Only `*.dist-info` directories with a RECORD are uninstalled. No RECORD, or a legacy
 * `*.egg-info`, is refused (EXIT_USAGE, nothing changed): without RECORD nobody knows which
 * files are the distribution's (the recording-installed-packages spec forbids guessing). The one
 * exception is wheel_uninstall_fallback(): the caller brings the rows that the wheel of the same
 * name and version installs (wheel_cached_rows(), from the unpacked-wheel cache), which is not a
 * guess but the same install computed again.
 *
 * Order of work, so that a kill at any point leaves something the next run can finish:
 *   1. RECORD is read (nothing changes when it cannot be);
 *   2. the .dist-info is renamed to a temporary dist-info `.<dist-info>.venvsync-tmp-XXXXXX`
 *      (pkg/installed.h) in one step: from here on the distribution is not installed, and the
 *      temporary dist-info, which holds its RECORD, is the note of what is left to remove;
 *   3. the files RECORD lists are removed (below);
 *   4. the temporary dist-info is deleted, then directories step 3 emptied.
 * A killed step 3 or 4 leaves a leftover, which wheel_remove_leftover() finishes.
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
 * Lib) or site_packages and its parents.
 *
 * Files listed by another distribution's RECORD are removed too (pip does the same), except by
 * wheel_remove_leftover(), which keeps them (see there).
 *
 * Ownership: the caller frees a wheel_uninstalled_t with wheel_uninstalled_free(), and a
 * record_t from wheel_cached_rows() with record_free().
 */
#ifndef VENVSYNC_WHEEL_UNINSTALL_H
#define VENVSYNC_WHEEL_UNINSTALL_H
#include <stdbool.h>
#include <stddef.h>
#include "pkg/record.h"
#include "util/err.h"
#include "wheel/install.h"

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
/* The same, but when the .dist-info has no readable RECORD, the rows of fallback (paths
 * relative to site_packages, as from wheel_cached_rows()) say which files are its. fallback
 * NULL: refused as above, with an error that names the folder and what to do. */
err_t *wheel_uninstall_fallback(const char *env_root, const char *site_packages,
                                const char *dist_info_dir, const record_t *fallback,
                                wheel_uninstalled_t *res);

/* Finishes what a killed install or uninstall left: `leftover` is a temporary dist-info in
 * site_packages (a name that pkg/installed.h's installed_tmp_parse() accepts; anything else is
 * refused). The files that its RECORD (when it has a readable one) and fallback (may be NULL;
 * wheel_cached_rows() for the dist-info it stands for) list are removed, as above, except
 * those that the RECORD of an installed *.dist-info lists and anything inside a *.dist-info
 * directory: they belong to an installed distribution. Then the leftover itself is deleted.
 * Without RECORD and fallback only the directory goes: files that nothing attributes to it stay
 * (never guessed). */
err_t *wheel_remove_leftover(const char *env_root, const char *site_packages,
                             const char *leftover, const record_t *fallback,
                             wheel_uninstalled_t *res);

/* The rows RECORD would hold for the distribution `dist_info` ("foo-1.0.dist-info") installed
 * into t, from a wheel of that name and version in the unpacked-wheel cache at cache_dir
 * (wheel_cache_find(), wheel_install_rows()): for a distribution whose RECORD is gone. When the
 * cache holds several such wheels (builds for other platforms), the one with the most of its
 * files in place wins. False (and *out empty) when there is none, or cache_dir is NULL. */
bool wheel_cached_rows(const char *cache_dir, const char *dist_info, const wheel_target_t *t,
                       record_t *out);

void wheel_uninstalled_free(wheel_uninstalled_t *r);

#endif
