/*
 * discover: find the interpreters on this machine and pick the one a request wants.
 *
 * Places searched, in order (the first occurrence of a real executable wins, later duplicates
 * are dropped): venvsync's managed folder (VENVSYNC_PYTHON_DIR, default
 * $XDG_DATA_HOME/venvsync/python, each <dir>/bin/python3), uv's managed folder
 * ($UV_PYTHON_INSTALL_DIR or ~/.local/share/uv/python), pyenv's versions ($PYENV_ROOT or
 * ~/.pyenv, versions/<v>/bin), every PATH entry, /usr/local/bin and /usr/bin; in each directory
 * the names python3.N (N = 0..20), python3.Nt, python3, python, pypy3.N, pypy3. pyenv shims are
 * skipped (they are scripts whose target depends on the cwd). Candidates are probed (cached) in
 * parallel.
 */
#ifndef VENVSYNC_PYTHON_DISCOVER_H
#define VENVSYNC_PYTHON_DISCOVER_H
#include <stdbool.h>
#include <stddef.h>
#include "config/config.h"
#include "python/interp.h"
#include "python/request.h"
#include "util/err.h"
#include "util/strv.h"

typedef struct interp_list {
    interp_t **items;        /* sorted best first: higher version first, then GIL before
                                free-threaded, then cpython before others, then discovery order */
    size_t n;
    char **skipped;          /* NULL-terminated "path: reason" lines for candidates that failed */
} interp_list_t;

/* Where to look and what to remember; every field may be NULL (that place is not searched). */
typedef struct discover_opts {
    const char *cache_dir;   /* probe cache; NULL disables */
    const char *path;        /* PATH, searched in order */
    const char *pyenv_root;  /* its versions/ (never its shims) */
    const char *pyenv_version; /* PYENV_VERSION, for discover_default() */
    const char *managed_dir; /* venvsync's managed Pythons (toolchain/managed.h) */
    const char *uv_dir;      /* uv's managed Pythons */
} discover_opts_t;

/* The options config_t gives (config/config.h), with the probe cache. */
discover_opts_t discover_opts(const config_t *cfg);

err_t *discover_all(const discover_opts_t *o, interp_list_t *out);
void interp_list_free(interp_list_t *l);

/*
 * The best interpreter for request r (NULL = any) among l; NULL when none fits. The result is
 * borrowed from l. For PYREQ_PATH the caller probes the path directly (see python_resolve).
 */
const interp_t *discover_best(const interp_list_t *l, const pyreq_t *r);

/*
 * Resolves a request to an interpreter the caller owns: probes a PYREQ_PATH directly, otherwise
 * discovers all and picks the best. `base_dir` resolves relative paths. No match: an EXIT_USAGE
 * error listing every interpreter found and a hint on how to get the missing version.
 */
err_t *python_resolve(const pyreq_t *r, const char *base_dir, const discover_opts_t *o,
                      interp_t **out);

/* Reads a `.python-version` file in dir or its parents: the first usable line, malloc'd, or
 * NULL when there is none. */
char *python_version_file(const char *dir);

/*
 * The interpreter `python3` on PATH runs, as the user would get it by typing `python3` in dir:
 * the first executable python3 along o->path; when that is pyenv's shim, the version pyenv
 * would pick — PYENV_VERSION (the first of a ':'-list that is installed), else the nearest
 * .python-version from dir up, else $PYENV_ROOT/version — as
 * $PYENV_ROOT/versions/<name>/bin/python3 (a name pyenv does not have exactly is matched as a
 * prefix, "3.11" -> the newest installed 3.11.x); "system" (or nothing set) means the next
 * python3 on PATH after the shims. *out is the path as found (not resolved), malloc'd, or NULL
 * when there is none (then the caller picks the best discovered one).
 */
char *discover_default(const discover_opts_t *o, const char *dir);

/* ---- additions beyond the original contract ---- */

typedef struct discover_stats {
    size_t candidates;       /* distinct executables found (after dedupe) */
    size_t probed;           /* of those, how many had to start Python (cache misses) */
    bool from_cache;         /* the candidates came from the discovery cache: nothing that the
                                last scan looked at had changed (no directory was read) */
} discover_stats_t;

/* With a cache_dir, discovery remembers what it found in <cache_dir>/discovery-v1.txt with the
 * identity (device, inode, size, mtime, ctime) or absence of every directory, name and
 * pyvenv.cfg it looked at; while all of them are unchanged and the places searched are the
 * same, the candidates come from there and only their facts are read (probe cache): no
 * directory is listed. A scan that met something changed in the last 2 seconds is not
 * remembered (a second change within the timestamps' granularity would not show). */
/* discover_all, also reporting how much work it did (stats may be NULL). Interpreters inside a
 * virtual environment (pyvenv.cfg beside or above them) are not listed: the directory named by
 * their pyvenv.cfg `home` is searched instead. Version-manager shims (scripts mentioning pyenv,
 * asdf or mise, and $PYENV_ROOT/shims) are skipped silently. */
err_t *discover_all_stats(const discover_opts_t *o, interp_list_t *out, discover_stats_t *stats);
/* The ordering of interp_list_t.items (<0: a is better), without the discovery-order tiebreak. */
int interp_cmp_best(const interp_t *a, const interp_t *b);
/* Sorts l->items best first; stable (ties keep their current order). */
void interp_list_sort(interp_list_t *l);
/* discover_best() never picks an interpreter that cannot host a venv; it prefers final,
 * non-debug builds (and, for "any", GIL builds) and falls back to the rest when nothing else fits. */
/* "found N interpreters:\n    3.12.1  cpython  /path ..." for messages, malloc'd. */
char *discover_describe(const interp_list_t *l);
/* How to get an interpreter for r, one sentence, malloc'd: `venvsync python install REQ`
 * (when r can be downloaded), pyenv, apt. discover_install_hint_for() leaves the download out
 * when `downloads` is false (the manifest says `python-downloads: never`). */
char *discover_install_hint(const pyreq_t *r);
char *discover_install_hint_for(const pyreq_t *r, bool downloads);
/* Whether python-build-standalone can answer r (NULL = any): CPython 3, not a path. */
bool discover_downloadable(const pyreq_t *r);
/* The first line of a .python-version text that is neither blank nor a '#' comment, trimmed,
 * malloc'd; NULL when there is none. python_version_file() stops at the nearest file found,
 * even when it has no usable line (as pyenv does). */
char *python_version_parse(const char *text);

#endif
