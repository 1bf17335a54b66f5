/*
 * wheelname: wheel filenames (PEP 427 / binary distribution format):
 * `{name}-{version}(-{build})?-{python}-{abi}-{platform}.whl`, where each of the last three
 * fields may be a '.'-separated compressed set ("cp311.cp312", "manylinux_2_17_x86_64.
 * manylinux2014_x86_64"), standing for their cartesian product.
 *
 * Parsing follows pypa/packaging's parse_wheel_filename(): after percent-decoding (names taken
 * from URLs carry "%2B" for '+'), the stem must have 4 or 5 dashes; the name may hold only
 * letters, digits, '_' and '.' (no "__"); the version must be valid PEP 440; a build tag must
 * start with a digit. Tag components are lowercased.
 *
 * A wheelname_t owns all its strings and arrays (one allocation); wheelname_free() releases it.
 */
#ifndef VENVSYNC_PKG_WHEELNAME_H
#define VENVSYNC_PKG_WHEELNAME_H
#include <stdbool.h>
#include <stddef.h>

#include "pkg/tags.h"
#include "pkg/version.h"
#include "util/err.h"

typedef struct wheelname {
    char *filename;      /* the decoded filename */
    char *name;          /* the name field as written ("Foo_Bar") */
    char *key;           /* PEP 503 normalized ("foo-bar") */
    char *version_text;  /* the version field as written */
    version_t version;   /* parsed */
    char *build;         /* build tag as written, or NULL */
    char *build_num;     /* its leading digits without leading zeros ("0" for "000"); NULL if
                          * no build tag */
    const char *build_rest; /* the rest of the build tag after the digits (points into build) */
    char **pythons, **abis, **platforms;   /* the expanded sets, lowercased */
    size_t npythons, nabis, nplatforms;
} wheelname_t;

/* Parses a filename (the last path component; percent-escapes are decoded). On failure returns
 * an EXIT_USAGE error naming the file and the reason; *out is NULL. */
err_t *wheelname_parse(const char *filename, wheelname_t **out);
void wheelname_free(wheelname_t *w);

/* Build tag order: no build tag < any build tag; then the number, then the rest (bytewise).
 * <0, 0, >0. */
int wheelname_build_cmp(const wheelname_t *a, const wheelname_t *b);

/* The wheel's rank for an interpreter: the best (smallest) priority among all its expanded
 * tags, or -1 when none is supported. */
long wheelname_rank(const wheelname_t *w, const tagset_t *tags);

/* Picks the best of n candidate wheels (already filtered by name and version): lowest rank,
 * ties to the higher build tag, then the earlier candidate. Returns its index or -1 when none
 * is compatible. */
long wheelname_best(wheelname_t *const *cands, size_t n, const tagset_t *tags);

#endif
