/*
 * pylock_internal: what pylock.c, pylock_read.c, pylock_write.c and pylock_select.c share. Not
 * for other modules: use pylock.h.
 */
#ifndef VENVSYNC_RESOLVE_PYLOCK_INTERNAL_H
#define VENVSYNC_RESOLVE_PYLOCK_INTERNAL_H
#include <stdbool.h>

#include "pkg/marker.h"
#include "pkg/version.h"
#include "resolve/pylock.h"
#include "util/err.h"

/* Lock-file markers: the one place they are parsed and evaluated. Parses text as a PEP 751
 * lock-file marker (the legacy `extra` refused; the sets `extras` / `dependency_groups` allowed
 * only when allow_sets). On failure: an EXIT_USAGE error whose message says what is wrong
 * (without a position in the file), *out NULL. */
err_t *pylock_marker_parse(const char *text, bool allow_sets, marker_t **out);
/* Evaluates a lock-file marker for env with the given selected extras and groups (strv of
 * normalized names; NULL = empty sets). */
err_t *pylock_marker_eval(const marker_t *m, const marker_env_t *env, char *const *extras,
                          char *const *groups, bool *result);

/* An sdist file name `{name}-{version}.tar.gz` / `.zip` (packaging's parse_sdist_filename):
 * true with *key (malloc'd, normalized) and *v (parsed; version_free it), else false with *why
 * (malloc'd). */
bool pylock_sdist_parse(const char *filename, char **key, version_t *v, char **why);

/* The last component of a path ('/' or '\' separated), malloc'd; NULL when empty. */
char *pylock_path_last(const char *path);

#endif
