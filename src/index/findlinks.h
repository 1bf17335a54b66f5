/*
 * findlinks: the wheels (and source distributions) available from local find-links sources
 * (the manifest's `index.find-links` and requirements files' -f/--find-links).
 *
 * A source is a local directory (its *.whl files, not recursive), a single wheel file, or a
 * file: URL naming either. The *.tar.gz and *.zip files of a directory (or named directly) are
 * listed apart, as `sdists`, by path only: which project and version one holds is the
 * caller's reading of its name. Relative paths are taken against the current directory (callers pass
 * absolute ones). http(s) sources are not scanned here: they are listed in `remote` for the
 * index client. Scanning is one readdir per directory plus one stat per wheel (for its size):
 * nothing is opened or hashed.
 *
 * A *.whl name that wheelname_parse() refuses is skipped with a note; a missing source is a
 * note too (as pip: "location is neither a file nor a directory"), and it is marked missing in
 * `sources`. Other failures (a directory that cannot be read) are errors (EXIT_USAGE). The same
 * file reached through two sources is listed once (the first source wins).
 *
 * An fl_set_t owns everything below it; findlinks_free() releases it. Candidates are sorted by
 * (normalized name, filename, source order), so all files of one project are adjacent.
 */
#ifndef VENVSYNC_INDEX_FINDLINKS_H
#define VENVSYNC_INDEX_FINDLINKS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pkg/wheelname.h"
#include "util/err.h"

typedef struct fl_cand {
    char *path;            /* absolute path of the wheel file */
    wheelname_t *wheel;    /* its parsed filename (wheel->key is the normalized name) */
    uint64_t size;         /* st_size */
    size_t source;         /* index into fl_set_t.sources */
} fl_cand_t;

typedef struct fl_source {
    char *given;           /* as passed in */
    char *path;            /* absolute local path (file: URLs decoded) */
    bool is_dir;
    bool missing;          /* neither a directory nor a file */
} fl_source_t;

typedef struct fl_set {
    fl_cand_t *cands;
    size_t n;
    fl_source_t *sources;  /* the local sources, in the order given */
    size_t nsources;
    char **sdists;         /* absolute paths of source archives, sorted; NULL-terminated, never
                            * NULL */
    size_t nsdists;
    char **remote;         /* http(s) sources, in order; NULL-terminated, never NULL */
    char **notes;          /* "wheels/foo.whl: skipped: ..." / "wheels: no such file or
                            * directory"; NULL-terminated, never NULL */
    size_t nnotes;
} fl_set_t;

/* Scans sources[0..n). On error *out is NULL. */
err_t *findlinks_scan(const char *const *sources, size_t n, fl_set_t **out);
/* findlinks_scan over a then b (NULL-terminated lists, either may be NULL): the manifest's
 * find-links, then the requirements files'. */
err_t *findlinks_scan_both(char *const *a, char *const *b, fl_set_t **out);
void findlinks_free(fl_set_t *s);

/* The candidates whose normalized name is key: *first points at the first of the returned
 * count (0 when there are none). O(log n). */
size_t findlinks_lookup(const fl_set_t *s, const char *key, const fl_cand_t **first);

/* "/abs/wheels, /abs/w2 (missing), /abs/x.whl, https://host/links" for messages; malloc'd. */
char *findlinks_describe(const fl_set_t *s);

#endif
