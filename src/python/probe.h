/*
 * probe: learn an interpreter's facts by running it once with the embedded probe.py, and cache
 * the answer.
 *
 * The cache lives in <cache_dir>/interpreters/<hash_name_hex of realpath>.txt and holds the
 * probe's key=value output plus the executable's identity (file_id_t). An entry is valid while
 * the identity of the real executable is unchanged; a stale or unreadable entry is re-probed and
 * rewritten atomically. Two concurrent runs may both probe; the last rename wins, both are right.
 */
#ifndef VENVSYNC_PYTHON_PROBE_H
#define VENVSYNC_PYTHON_PROBE_H
#include <stdbool.h>
#include "python/interp.h"
#include "util/err.h"

/* Fills *id from stat(2) of path (following links). False when it cannot be stat'ed. */
bool file_id_of(const char *path, file_id_t *id);
bool file_id_equal(const file_id_t *a, const file_id_t *b);
/* "dev:ino:size:mtime_ns:ctime_ns" and back. */
char *file_id_format(const file_id_t *id);
bool file_id_parse(const char *s, file_id_t *id);

/*
 * The facts of the interpreter at `exe` (not resolved: `path` in the result is exe as given).
 * cache_dir may be NULL to disable caching. *ran_python tells whether Python was started (may be
 * NULL). Fails when exe does not exist, is not executable, or is not a Python the probe can read.
 */
err_t *probe_interp(const char *exe, const char *cache_dir, interp_t **out, bool *ran_python);
/* probe_interp for a caller that has just resolved exe to `realpath` (path_real) and found it
 * outside any virtual environment (probe_is_venv_interp false), as discovery does for each
 * candidate: neither is done again. */
err_t *probe_interp_known(const char *exe, const char *realpath, const char *cache_dir,
                          interp_t **out, bool *ran_python);

/*
 * The pieces of the above, for tests and for `venvsync cache`.
 *
 * The cache entry's first line is "venvsync-interpreter-cache <PROBE_CACHE_FORMAT>"; an entry
 * with any other first line (an older or newer venvsync) is ignored and rewritten. The entry
 * also records a hash of the embedded probe.py, so a changed probe re-probes everything.
 * Every string of an interp_t that probe_interp or probe_parse_output returns is non-NULL.
 *
 * An interpreter inside a virtual environment (a pyvenv.cfg beside it or one directory up, as
 * site.py looks) shares its realpath with its base but not its facts: probe_interp never reads
 * or writes the cache for it.
 */
#define PROBE_CACHE_FORMAT 1
#define PROBE_CACHE_FORMAT_STR "1"

/* <cache_dir>/interpreters/<hash_name_hex of realpath>.txt, malloc'd (never sha256: this is on
 * the path of creating an environment, which must not load libcrypto). */
char *probe_cache_path(const char *cache_dir, const char *realpath);
/* The text of a cache entry for the probe output `output` of `realpath` with identity *id. */
char *probe_cache_entry_format(const char *realpath, const file_id_t *id, const char *output);
/* The probe output stored in `entry` (a pointer into it), or NULL when the entry is of another
 * format or probe, or was written for another realpath or identity. */
const char *probe_cache_entry_parse(const char *entry, const char *realpath, const file_id_t *id);
/* True when the cache entry text still describes an existing executable with the same identity
 * and the current probe (`cache prune` removes the others). */
bool probe_cache_entry_current(const char *entry);
/* Removes the cached facts of interpreters that are gone or changed (`cache prune`): *removed
 * counts the entries, *freed the bytes. */
err_t *probe_cache_prune(const char *cache_dir, size_t *removed, unsigned long long *freed);
/*
 * Parses probe.py's key=value output into a new interp_t (path, realpath and id left empty).
 * *executable and *venv_dir (optional, malloc'd) receive the probe's sys.executable and the venv
 * it runs in ("" when none). Fails, naming the key, when a fact is missing or malformed.
 */
err_t *probe_parse_output(const char *text, size_t len, interp_t **out, char **executable,
                          char **venv_dir);
/* True when exe lies in a virtual environment (pyvenv.cfg beside it or one directory up). */
bool probe_is_venv_interp(const char *exe);

#endif
