/*
 * path: the one place paths are joined, normalised and expanded. All results are malloc'd
 * strings owned by the caller. Nothing here touches the disk except path_cwd() and path_real().
 */
#ifndef VENVSYNC_UTIL_PATH_H
#define VENVSYNC_UTIL_PATH_H
#include <stdbool.h>
#include "util/env.h"
#include "util/err.h"

/* a + "/" + b, without doubling slashes; an absolute b is returned as is. */
char *path_join(const char *a, const char *b);
/* Joins any number of parts; the list ends with NULL. */
char *path_joinv(const char *first, ...) __attribute__((sentinel));
/* Lexical normalisation: collapses "//", "." and "dir/.." (never above "/"); keeps a leading "..". */
char *path_normalize(const char *p);
/* Absolute and normalised: p relative to base (base absolute; NULL means the cwd). */
char *path_absolute(const char *base, const char *p);
char *path_dirname(const char *p);              /* "a/b" -> "a", "b" -> ".", "/a" -> "/" */
const char *path_basename(const char *p);       /* points into p */
char *path_cwd(void);
/* path as messages show it: relative to dir when strictly below it, else path itself. dir may
 * be NULL; "/" counts as no directory (absolute paths stay absolute there). malloc'd. */
char *path_shown_from(const char *path, const char *dir);
/* The same from the working directory (reads it). */
char *path_shown(const char *path);
/* realpath(3), or NULL with errno set. */
char *path_real(const char *p);
/* Expands a leading "~" or "~/" (HOME from env, else the password database) and every "${VAR}" /
 * "$VAR" from env (NULL: no variables). An unset variable is an error. */
err_t *path_expand(const char *p, const env_lookup_t *env, char **out);
/* True when `p` equals `dir` or lies below it (both normalised, absolute). */
bool path_is_within(const char *p, const char *dir);

#endif
