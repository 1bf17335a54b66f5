/*
 * name: distribution (project) names: validation, PEP 503 normalisation and the escaped form
 * used in wheel filenames and *.dist-info / *.data directory names.
 *
 * Pure functions, no state. Strings returned by the *_new-style functions below are malloc'd
 * and owned by the caller (free()). Nothing here allocates except where documented.
 *
 * Invariants: pkg_name_normalize(x) is idempotent, lowercase ASCII, and contains no '_' or '.'
 * and no two consecutive '-'. Two names denote the same project iff their normalized forms are
 * equal (pkg_name_eq). pkg_name_escape(x) == normalize(x) with '-' replaced by '_'.
 */
#ifndef VENVSYNC_PKG_NAME_H
#define VENVSYNC_PKG_NAME_H
#include <stdbool.h>
#include <stddef.h>

/* Whether s is a valid PEP 508 name: ASCII letters/digits, with '.', '_', '-' allowed only
 * between them (^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$). */
bool pkg_name_valid(const char *s);
/* Same for the first n bytes of s. */
bool pkg_name_valid_n(const char *s, size_t n);

/* PEP 503: lowercase, every run of '-', '_', '.' becomes one '-'. malloc'd. Works on any input
 * (invalid names are normalized the same way; validate separately). */
char *pkg_name_normalize(const char *s);
char *pkg_name_normalize_n(const char *s, size_t n);
/* The same into out (room for n + 1 bytes: normalizing never lengthens), NUL-terminated; returns
 * its length. Allocates nothing. */
size_t pkg_name_normalize_into(const char *s, size_t n, char *out);

/* Whether s is a valid name already in normalized form (pkg_name_normalize(s) == s), without
 * allocating: lowercase letters and digits, single '-' between them. */
bool pkg_name_is_normalized(const char *s);

/* The escaped form for wheel filenames and dist-info directories: normalize, then '-' -> '_'
 * ("Foo.Bar-baz" -> "foo_bar_baz"). malloc'd. */
char *pkg_name_escape(const char *s);

/* Whether a and b normalize to the same name, without allocating. */
bool pkg_name_eq(const char *a, const char *b);
/* Same, with explicit lengths (for names inside a larger string such as a filename). */
bool pkg_name_eq_n(const char *a, size_t na, const char *b, size_t nb);

/* "<escaped name>-<version>.dist-info": the directory a wheel of name/version installs.
 * `version` should already be canonical (version_str); it is used verbatim except that '-'
 * becomes '_' as the wheel spec requires. malloc'd. */
char *pkg_dist_info_dir(const char *name, const char *version);

#endif
