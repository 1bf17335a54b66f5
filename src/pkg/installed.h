/*
 * installed: the distributions installed in a site-packages directory, read from their
 * *.dist-info/METADATA (or legacy *.egg-info / PKG-INFO): name and version as the metadata says
 * them. Only reads; never starts Python.
 *
 * Damage the listing itself sees (no file is hashed, see wheel/verify.h for that):
 *  - a *.dist-info directory without METADATA or without RECORD (dist_t.missing): pip and
 *    importlib.metadata cannot read it, and nobody can tell which files are its. An install
 *    killed half-way by an older venvsync (or another installer) leaves one;
 *  - a temporary dist-info (dist_list_t.leftovers), named
 *        .<name>-<version>.dist-info.venvsync-tmp-XXXXXX
 *    which wheel/install.h and wheel/uninstall.h use so that a .dist-info appears and disappears
 *    in one rename: one left behind is the mark of a killed install or uninstall of that
 *    distribution. The leading '.' and the suffix keep every tool from taking it for a
 *    distribution (importlib.metadata and pip only look at names ending in .dist-info).
 *
 * A dist_list_t owns its entries and leftovers; dist_list_free() releases them.
 */
#ifndef VENVSYNC_PKG_INSTALLED_H
#define VENVSYNC_PKG_INSTALLED_H
#include <stdbool.h>
#include <stddef.h>
#include "util/err.h"

typedef struct dist {
    char *name;        /* as in METADATA's Name (installed_list) or the directory (installed_scan) */
    char *key;         /* normalized name (PEP 503) */
    char *version;     /* as in METADATA's Version, or the directory's */
    char *info_dir;    /* the *.dist-info or *.egg-info entry's name */
    char *damage;      /* set by a verification (sync --verify, check --deep): what differs from
                          its RECORD ("pkg/mod.py: modified, 3 files"); NULL when not checked or
                          intact */
    char *source;      /* what a local project's build was made from (its INSTALLED_SOURCE_FILE,
                          read by installed_read_source); NULL when not read or none */
    unsigned missing;  /* DIST_MISSING_* bits: files its *.dist-info lacks; 0 when it has both
                          (always 0 for *.egg-info) */
} dist_t;

#define DIST_MISSING_METADATA 1u
#define DIST_MISSING_RECORD 2u

/* "no RECORD", "no METADATA", "no METADATA and no RECORD" for dist_t.missing (static). */
const char *dist_missing_text(unsigned missing);

typedef struct dist_list {
    dist_t *items;     /* sorted by name, case-insensitively */
    size_t n;
    char **leftovers;  /* temporary dist-info names (see above), sorted, NULL-terminated; NULL
                          when there are none */
    size_t nleftovers;
} dist_list_t;

/* The file in a .dist-info directory where venvsync records what a local project's build was
 * made from (one line: the project's file: URL, "editable" or "wheel", its build fingerprint),
 * so that the next sync knows whether to build again. Listed in RECORD like any file. */
#define INSTALLED_SOURCE_FILE "VENVSYNC_SOURCE"

/* Reads d's INSTALLED_SOURCE_FILE (in site_packages) into d->source (the line without its
 * newline); d->source stays NULL when there is none. */
void installed_read_source(const char *site_packages, dist_t *d);

/* Lists site_packages. A missing directory is an empty list. Entries without a readable
 * Name/Version are skipped (so `missing` can only hold DIST_MISSING_RECORD here). */
err_t *installed_list(const char *site_packages, dist_list_t *out);
/* The same from the directory names alone ("name-version.dist-info", "name-version[-pyX.Y].egg-info"),
 * reading a METADATA/PKG-INFO only when a name cannot be split: one readdir for the no-op path,
 * plus a stat of METADATA and RECORD per .dist-info (to fill in `missing`). */
err_t *installed_scan(const char *site_packages, dist_list_t *out);
void dist_list_free(dist_list_t *l);
/* The entry with normalized name key, or NULL (l sorted by installed_list/installed_scan). */
const dist_t *dist_list_find(const dist_list_t *l, const char *key);

/* Temporary dist-info names (see above). The mkdtemp prefix for a temporary copy of dist_info
 * ("foo-1.0.dist-info" -> ".foo-1.0.dist-info.venvsync-tmp-"), malloc'd. */
char *installed_tmp_prefix(const char *dist_info);
/* Whether entry (a name in site-packages) is a temporary dist-info; *dist_info (may be NULL)
 * gets the name of the .dist-info it is a copy of, malloc'd. */
bool installed_tmp_parse(const char *entry, char **dist_info);
/* Splits a dist-info name "foo_bar-1.0.dist-info" into name and version (malloc'd); false when
 * it has no '-' between two non-empty parts. */
bool installed_split(const char *dist_info, char **name, char **version);

/* Value of header `key` (case-insensitive) in RFC 822-style metadata text, malloc'd, or NULL.
 * Stops at the first blank line (the body). */
char *metadata_header(const char *text, const char *key);

#endif
