/*
 * request: what a manifest asks for when it says `python: ...`.
 *
 * Forms: "3", "3.12", "3.12.1" (version prefixes), "3.13t" (free-threaded), a PEP 440 specifier
 * set ">=3.10,<3.13", an implementation prefix "cpython@3.12" / "pypy@3.10" (also "cpython3.12",
 * "pypy3.10", "cp312"), and an absolute path to an executable. The parsed pyreq_t is immutable and
 * owns its strings; pyreq_free() releases it.
 *
 * Matching is pure: it takes the facts of a candidate (implementation, version text,
 * free-threaded, path), which the no-op path can read from pyvenv.cfg without starting Python.
 */
#ifndef VENVSYNC_PYTHON_REQUEST_H
#define VENVSYNC_PYTHON_REQUEST_H
#include <stdbool.h>
#include "pkg/version.h"

typedef enum {
    PYREQ_ANY,       /* no constraint ("" or "any"): newest found */
    PYREQ_VERSION,   /* a version prefix: parts[0..nparts) */
    PYREQ_SPECS,     /* a specifier set */
    PYREQ_PATH,      /* an explicit executable */
} pyreq_kind_t;

typedef struct pyreq {
    pyreq_kind_t kind;
    char *text;          /* as written, for messages */
    char *impl;          /* normalised "cpython" / "pypy" / ..., or NULL for any implementation */
    long parts[3];
    int nparts;          /* 1..3 for PYREQ_VERSION */
    bool freethreaded;   /* "t" suffix: only free-threaded builds match; otherwise only GIL builds */
    specset_t *specs;    /* PYREQ_SPECS */
    char *path;          /* PYREQ_PATH: as written (relative paths are resolved by the caller) */
} pyreq_t;

/* On failure returns false and sets *why (malloc'd) to a message saying what forms are valid. */
bool pyreq_parse(const char *text, pyreq_t **out, char **why);
void pyreq_free(pyreq_t *r);

/* Facts of a candidate interpreter, as recorded in pyvenv.cfg or probed. */
typedef struct pyfacts {
    const char *implementation;   /* "cpython" */
    const char *version;          /* "3.12.1" */
    bool freethreaded;
    const char *path;             /* executable path, for PYREQ_PATH (compared after realpath by caller) */
    const char *realpath;         /* may be NULL */
} pyfacts_t;

bool pyreq_matches(const pyreq_t *r, const pyfacts_t *f);

#endif
