/*
 * managed_internal: what the two files of the managed-Python code share. Private: only
 * src/toolchain/managed.c and managed_store.c include it; everyone else uses managed.h, which
 * describes the store's layout and the install steps.
 *
 *   managed_store.c  the store: markers (written and read), listing, matching and selecting
 *                    installs, the minor-version links, the lock, staging leftovers, removal
 *   managed.c        installing: the host, release metadata, the asset's download, unpacking,
 *                    checking and completing the tree, then placing it in the store
 */
#ifndef VENVSYNC_TOOLCHAIN_MANAGED_INTERNAL_H
#define VENVSYNC_TOOLCHAIN_MANAGED_INTERNAL_H
#include <stdbool.h>
#include <stdio.h>

#include "toolchain/managed.h"
#include "toolchain/pbs.h"
#include "util/err.h"
#include "util/lock.h"

/* The MANAGED_MARKER text for an install of asset a on host h, named name, from release tag
 * and url; malloc'd. */
char *managed_marker_text(const pbs_asset_t *a, const pbs_host_t *h, const char *name,
                          const char *tag, const char *url);
/* Reads <dir>/MANAGED_MARKER into *m (cleared first; managed_clear() it); false when it is
 * missing or not venvsync's. */
bool managed_marker_read(const char *dir, managed_t *m);
/* A deep copy of src into dst. */
void managed_copy(managed_t *dst, const managed_t *src);

/* Creates the store when needed and takes its lock (released with env_lock_release). */
err_t *managed_store_lock(const char *python_dir, FILE *log, env_lock_t *lock);
/* Removes leftovers of killed runs (.tmp-*); only called with the store locked. */
void managed_store_clean(const char *python_dir);
/* Points the minor link for (major, minor, ft, arch, libc) at the newest final install of that
 * minor, or removes it when there is none. Never replaces a real directory. */
err_t *managed_update_minor_link(const char *python_dir, int major, int minor, bool ft,
                                 const char *arch, const char *libc);

#endif
