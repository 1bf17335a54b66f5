/*
 * installed: the distributions installed in a site-packages directory, read from their
 * *.dist-info/METADATA (or legacy *.egg-info / PKG-INFO): name and version as the metadata says
 * them. Only reads; never starts Python.
 *
 * A dist_list_t owns its entries; dist_list_free() releases them.
 */
#ifndef VENVSYNC_PKG_INSTALLED_H
#define VENVSYNC_PKG_INSTALLED_H
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
} dist_t;

typedef struct dist_list {
    dist_t *items;     /* sorted by name, case-insensitively */
    size_t n;
} dist_list_t;

/* The file in a .dist-info directory where venvsync records what a local project's build was
 * made from (one line: the project's file: URL, "editable" or "wheel", its build fingerprint),
 * so that the next sync knows whether to build again. Listed in RECORD like any file. */
#define INSTALLED_SOURCE_FILE "VENVSYNC_SOURCE"

/* Reads d's INSTALLED_SOURCE_FILE (in site_packages) into d->source (the line without its
 * newline); d->source stays NULL when there is none. */
void installed_read_source(const char *site_packages, dist_t *d);

/* Lists site_packages. A missing directory is an empty list. Entries without a readable
 * Name/Version are skipped. */
err_t *installed_list(const char *site_packages, dist_list_t *out);
/* The same from the directory names alone ("name-version.dist-info", "name-version[-pyX.Y].egg-info"),
 * reading a METADATA/PKG-INFO only when a name cannot be split: one readdir for the no-op path. */
err_t *installed_scan(const char *site_packages, dist_list_t *out);
void dist_list_free(dist_list_t *l);
/* The entry with normalized name key, or NULL (l sorted by installed_list/installed_scan). */
const dist_t *dist_list_find(const dist_list_t *l, const char *key);

/* Value of header `key` (case-insensitive) in RFC 822-style metadata text, malloc'd, or NULL.
 * Stops at the first blank line (the body). */
char *metadata_header(const char *text, const char *key);

#endif
