/*
 * managed: the interpreters venvsync installs itself, from python-build-standalone (pbs.h),
 * into its store VENVSYNC_PYTHON_DIR (default $XDG_DATA_HOME/venvsync/python, see
 * discover_managed_dir()). discover.c finds them there like any other interpreter.
 *
 * The store:
 *   cpython-3.12.7-linux-x86_64-gnu/        one install: the archive's python/ tree, stripped of
 *       bin/python3.12, bin/python3, bin/python    that top directory; python3 and python links
 *                                                  are added when the archive lacks them
 *       lib/python3.12/EXTERNALLY-MANAGED          PEP 668 marker: pip refuses to modify it
 *       .venvsync-python.json                      venvsync's marker (what was installed, from
 *                                                  where): only directories holding it are ever
 *                                                  listed as managed, replaced or removed
 *   cpython-3.12-linux-x86_64-gnu -> cpython-3.12.7-linux-x86_64-gnu
 *                                            the minor-version link (uv's scheme): the newest
 *                                            final patch of that minor; environments created
 *                                            through it follow patch upgrades
 *   .tmp-XXXXXX                              an install being staged (or a removal in progress);
 *                                            leftovers of a killed run are removed by the next
 *                                            install or uninstall
 *   .venvsync/locks/                         the store's lock (apply/lock.h, keyed on the store)
 *
 * Installing: the request (pyreq_t) is answered from what is installed first (an installed
 * match makes it a no-op, without network); else the release is VENVSYNC_PYTHON_RELEASE or
 * the tag of latest-release.json, its SHA256SUMS lists the assets, pbs_choose() picks one for
 * this host (x86_64 / aarch64, glibc or musl), the HTTP client (index/http.h) downloads it into
 * its verified download cache (sha256 checked while streaming; --offline uses only the cache),
 * and then, holding the store's lock: stale staging is removed, the archive is extracted into
 * .tmp-XXXXXX (util/tar.h), the result is started once to check it runs and is the version the
 * asset claims, its build configuration is adapted to its final path and this machine's
 * compiler (sysconfigdata.h; an unexpected format is a warning on the log, not a failure),
 * the marker is written, and the directory is renamed into place; the minor link
 * is updated. A second install of the same version (also one that ran concurrently and won the
 * lock) finds the marker and does nothing. VENVSYNC_PYTHON_MIRROR replaces the download base
 * (http(s):// or file://).
 *
 * Errors: a bad request, an unsupported host or no matching asset are EXIT_USAGE (nothing
 * changed); network, verification, extraction and disk failures are EXIT_APPLY. A failed
 * install leaves nothing in the store but the (hidden) lock directory.
 */
#ifndef VENVSYNC_TOOLCHAIN_MANAGED_H
#define VENVSYNC_TOOLCHAIN_MANAGED_H
#include <stdbool.h>
#include <stdio.h>
#include "index/http.h"
#include "toolchain/pbs.h"
#include "python/request.h"
#include "util/err.h"

#define MANAGED_MARKER ".venvsync-python.json"

typedef struct managed_opts {
    const char *python_dir;        /* the store, absolute; required */
    const char *cache_dir;         /* download and page cache; required */
    bool offline;                  /* --offline (VENVSYNC_OFFLINE is honoured as well) */
    const config_t *cfg;           /* required: the mirror, a pinned release, HTTP settings */
    FILE *log;                     /* "downloading ..." notes, or NULL */
    http_progress_fn progress;     /* live download progress, may be NULL */
    void *progress_ctx;
} managed_opts_t;

/* One installed interpreter, as its marker describes it. Strings owned. */
typedef struct managed {
    char *name;                    /* directory name: "cpython-3.12.7-linux-x86_64-gnu" */
    char *path;                    /* absolute directory */
    char *python;                  /* <path>/bin/python3 */
    char *version;                 /* "3.12.7" */
    int major, minor, micro;
    bool prerelease, freethreaded;
    char *arch, *libc;             /* "x86_64", "gnu" */
    char *asset, *release, *url;   /* where it came from */
    char sha256[65];
} managed_t;

typedef struct managed_list {
    managed_t *items;              /* newest version first */
    size_t n;
} managed_list_t;

/* The installs in python_dir (directories with a readable marker); a missing store is an
 * empty list. */
err_t *managed_list(const char *python_dir, managed_list_t *out);
void managed_list_free(managed_list_t *l);
/* Whether l holds the version a release lists as v ("3.12.7", or "3.13.0t" for a free-threaded
 * build). */
bool managed_list_has(const managed_list_t *l, const char *v);
void managed_clear(managed_t *m);
/* The newest install matching r (NULL = any), borrowed from l; NULL when none. */
const managed_t *managed_find(const managed_list_t *l, const pyreq_t *r);

typedef struct managed_result {
    managed_t inst;                /* what is installed now */
    bool already;                  /* it was installed before: nothing was done */
    bool downloaded;               /* the archive came over the network (not from the cache) */
} managed_result_t;

/* Installs the best python-build-standalone build for r (see above). */
err_t *managed_install(const managed_opts_t *o, const pyreq_t *r, managed_result_t *out);
void managed_result_free(managed_result_t *r);

/* What `python list --available` shows: the release's tag and the versions installable on this
 * host ("3.13.1, 3.12.8, ..."), both malloc'd. */
err_t *managed_available(const managed_opts_t *o, char **tag, char **versions);

/*
 * The installs `what` names, for uninstalling: a directory name in the store
 * ("cpython-3.12.7-linux-x86_64-gnu", also a minor link's name), a path inside the store, or a
 * version request ("3.12", "3.12.7", "3.13t"), which selects every install it matches. A named
 * directory without venvsync's marker, or a path outside the store, is refused (EXIT_USAGE);
 * so is a request nothing installed matches (the message lists what is installed).
 */
err_t *managed_select(const char *python_dir, const char *what, managed_list_t *out);
/* Removes the selected installs (under the store's lock: renamed aside, then deleted) and
 * updates the minor-version links. */
err_t *managed_remove(const managed_opts_t *o, const managed_list_t *sel);

#endif
