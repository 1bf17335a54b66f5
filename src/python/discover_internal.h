/*
 * discover_internal: what discover.c and discover_scan.c share. Private: only those two include
 * it; everyone else uses discover.h.
 *
 *   discover.c       the discovery cache, probing in parallel, ordering, the public entry
 *                    points, .python-version and the default interpreter
 *   discover_scan.c  the candidates: where interpreters live (managed and uv installs, pyenv's
 *                    versions, PATH, the usual system places, the bases of virtual
 *                    environments met on the way), each recorded with what the scan looked at
 *
 * Ownership: a scan_t owns its candidates' strings, its directory lists and its watch buffer
 * until discover_scan_free().
 */
#ifndef VENVSYNC_PYTHON_DISCOVER_INTERNAL_H
#define VENVSYNC_PYTHON_DISCOVER_INTERNAL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "python/discover.h"
#include "util/buf.h"

typedef struct cand {
    char *path;      /* as found (unresolved) */
    char *realpath;
} cand_t;

typedef struct scan {
    cand_t *c;
    size_t n, cap;
    char **dirs;     /* directories already scanned (realpath), to scan each once */
    size_t ndirs, capdirs;
    char **later;    /* venv homes to scan after everything else */
    size_t nlater, caplater;
    const char *shims;   /* realpath of $PYENV_ROOT/shims, or NULL */
    buf_t watch;         /* "w <file_id or -> <path>\n" for everything the scan looked at */
    bool unwatchable;    /* a path the cache file cannot hold (a newline in it) */
    int64_t newest_ns;   /* the newest mtime/ctime among the watched */
} scan_t;

/* Scans every place o names, in order, into s (empty: {.watch = BUF_INIT}): the candidates,
 * the directories looked at and their identities in s->watch. */
void discover_collect(scan_t *s, const discover_opts_t *o);
/* Frees what s holds (not s itself). */
void discover_scan_free(scan_t *s);

#endif
