/*
 * packages: a plan's package actions carried out in one environment tree.
 *
 * Leftover temporary dist-infos of killed runs are finished first (wheel_remove_leftover), then
 * removals and the old versions of upgrades, downgrades and reinstalls go (RECORD-driven
 * uninstall: only files the distribution's RECORD lists, never anything outside the
 * environment), then the new versions are installed from the verified, unpacked wheels
 * (fetch.h). A distribution whose .dist-info has no RECORD is removed by the rows of the wheel of
 * the same name and version in the unpacked-wheel cache (wheel_cached_rows); when the cache has
 * none, the whole call is refused (EXIT_USAGE) before anything changes. dir is where the tree
 * is (the environment itself, or a staging copy that is renamed into place afterwards);
 * final_path is where it lives, which launchers and shebangs name.
 */
#ifndef VENVSYNC_APPLY_PACKAGES_H
#define VENVSYNC_APPLY_PACKAGES_H
#include "fetch/fetch.h"
#include "pkg/installed.h"
#include "plan/plan.h"
#include "python/interp.h"
#include "util/err.h"
#include "wheel/install.h"

/* py: the environment's interpreter (its scheme paths and version). What is installed in the
 * tree now is read from its site-packages. cache_dir: venvsync's cache (may be NULL: no
 * stand-in RECORDs). With compile, the installed .py files are
 * byte-compiled by one run of py (as pip does: failures are not errors, some wheels ship
 * files for other versions) and the .pyc files are added to each RECORD. link: how installed
 * files come from the wheel cache (wheel/install.h). */
err_t *apply_packages(const char *dir, const char *final_path, const interp_t *py,
                      const env_plan_t *p, const fetch_t *f, const char *cache_dir,
                      bool compile, wheel_link_mode_t link);

/* True when p has package actions. */
bool plan_has_packages(const env_plan_t *p);

#endif
