/*
 * build: the build operations the engine calls, on a local project directory or an sdist, behind
 * plain values (no knowledge of manifests, plans or the resolver).
 *
 * The sequence for one source:
 *
 *   build_source_dir() / build_source_sdist()      open the tree, read pyproject.toml
 *   build_metadata_is_static()                     true: build_metadata() needs no backend
 *   <caller resolves build_source_requires(), makes the environment: build/env.h>
 *   build_get_requires()                           more requirements? another environment
 *   build_metadata()                               METADATA for the resolver
 *   build_wheel()                                  a wheel file (or build_sdist_wheel(): cached)
 *   build_install_editable()                       an editable wheel into an environment
 *
 * Metadata (build_metadata): for a local project whose [project] table is static
 * (pyproject_metadata_static), the core metadata made from it; for an sdist whose PKG-INFO is
 * static (sdist.h), PKG-INFO itself; otherwise the backend's prepare_metadata_for_build_wheel
 * (or ..._editable; hooks.py falls back to building when the backend lacks it). The .dist-info a
 * hook made is kept in the source's work directory and passed to the later build hook as its
 * metadata_directory (so a fallback build is not repeated).
 *
 * Wheels (build_wheel): build_wheel or build_editable (PEP 660; a backend without it is an
 * error saying so). The result is checked: a valid wheel file name in the output directory,
 * for the project's name; and when build_metadata gave metadata for this source and kind, the
 * wheel's METADATA must agree with it on Name, Version, Requires-Python and the set of
 * Requires-Dist (compared canonically) — a build hook that changes dependencies after
 * resolution is an error, not a silently different environment.
 *
 * The built-wheel cache (sdists only; editable and local-project wheels are never cached):
 *
 *   <cache>/builds-v1/wheels/<sdist sha256>/<interpreter tag>/<wheel file>
 *   <cache>/builds-v1/wheels/.tmp-XXXXXX/                  a wheel being put in place
 *
 * An entry directory is renamed into place whole (two runs at once: the first wins). The
 * interpreter tag is build_interp_tag(): the interpreter's SOABI ("cpython-311-x86_64-linux-gnu"),
 * else implementation, version, abiflags and platform.
 *
 * Logs: each hook's output goes to a new file <log_dir>/<name>-<hook>-XXXXXX.log (log_dir
 * defaults to <cache>/builds-v1/logs), deleted when the hook succeeds and kept when it fails:
 * the error names it.
 *
 * The build fingerprint (build_fingerprint) of a local project covers exactly what decides what
 * a build produces besides the source files: pyproject.toml's content less the [tool.*] tables
 * of tools that never take part in a build (linters, formatters, type checkers, test runners:
 * see build.c), read as data (formatting and comments do not count, nor key order), and the
 * bytes of setup.cfg and setup.py. Editing a module changes nothing; editing dependencies,
 * entry points or build settings changes it.
 *
 * Errors are EXIT_APPLY unless noted ("a failed build exits 3"); invalid pyproject.toml is
 * EXIT_USAGE. Ownership: build_source_t owns everything in it and its work directory, which
 * build_source_free() deletes. Returned strings are malloc'd, the caller's. Thread-safe: no
 * shared state; one build_source_t is used by one thread at a time.
 */
#ifndef VENVSYNC_BUILD_BUILD_H
#define VENVSYNC_BUILD_BUILD_H
#include <stdbool.h>
#include <stdio.h>
#include "build/pyproject.h"
#include "build/sdist.h"
#include "python/interp.h"
#include "util/err.h"
#include "wheel/install.h"

#define BUILD_WHEELS_SUBDIR "wheels"
#define BUILD_LOGS_SUBDIR "logs"
#define BUILD_TMP_SUBDIR "tmp"
#define BUILD_REQUIRES_SUBDIR "requires"

typedef enum build_kind { BUILD_KIND_WHEEL = 0, BUILD_KIND_EDITABLE = 1 } build_kind_t;

typedef struct build_opts {
    const char *cache_dir;        /* builds-v1/ lives here (work directories too) */
    const char *env_dir;          /* the build environment (buildenv_t.dir), or NULL when none
                                   * is made yet (only static metadata is possible then) */
    char *const *environ;         /* the caller's environment ("NAME=value"), see
                                   * backend_environ() */
    char *const *config_settings; /* "key=value" for the backend, or NULL */
    FILE *stream;                 /* -v: the backend's output as it comes, or NULL */
    int timeout_ms;               /* per hook; <= 0: no limit */
    const char *log_dir;          /* NULL: <cache>/builds-v1/logs */
} build_opts_t;

typedef struct build_source {
    char *root;                   /* the tree the hooks run in (absolute) */
    char *label;                  /* "foo (/abs/dir)" or the sdist's file name: for messages */
    pyproject_t pyproject;
    bool from_sdist;
    char sdist_sha256[65];        /* from_sdist: the archive's sha256 (checked) */
    sdist_t sdist;                /* from_sdist: the unpacked archive */
    char *work_dir;               /* private scratch below <cache>/builds-v1/tmp */
    char *metadata[2];            /* METADATA build_metadata gave, per build_kind_t, or NULL */
    char *metadata_dir[2];        /* the .dist-info a prepare hook made, per kind, or NULL */
} build_source_t;

/* Opens the local project at dir (made absolute). Reads pyproject.toml (pyproject_load). */
err_t *build_source_dir(const char *dir, const build_opts_t *o, build_source_t **out);
/* Opens the sdist at path: checks its sha256 against sha256_hex (NULL: computed, not checked),
 * unpacks it (sdist.h) and reads its pyproject.toml. filename is its real file name when path
 * does not end with it (a download cache), else NULL. */
err_t *build_source_sdist(const char *path, const char *filename, const char *sha256_hex,
                          const build_opts_t *o, build_source_t **out);
void build_source_free(build_source_t *s);      /* deletes the work directory; NULL is fine */

/* build-system.requires (the legacy default included): what the first environment holds. */
char *const *build_source_requires(const build_source_t *s);

/* get_requires_for_build_{wheel,editable}: further requirements (*out NULL when none). Needs
 * o->env_dir. The answer is kept in <cache>/builds-v1/requires/, keyed by the hook, the build
 * environment, the source (an sdist's sha256; a project's path and build fingerprint) and the
 * config settings, and reused: setuptools' answer costs a Python start and an egg_info run. */
err_t *build_get_requires(build_source_t *s, const build_opts_t *o, build_kind_t kind,
                          char ***out);

/* Whether build_metadata() can answer without a backend (see above). */
bool build_metadata_is_static(const build_source_t *s);
/* The METADATA text for kind (*out malloc'd; also kept in s->metadata[kind]). Needs o->env_dir
 * unless static. */
err_t *build_metadata(build_source_t *s, const build_opts_t *o, build_kind_t kind, char **out);

/* Builds a wheel (kind) into out_dir (an existing directory); *wheel_path is its path. Needs
 * o->env_dir. */
err_t *build_wheel(build_source_t *s, const build_opts_t *o, build_kind_t kind,
                   const char *out_dir, char **wheel_path);

/* The interpreter tag of the built-wheel cache (malloc'd). */
char *build_interp_tag(const interp_t *py);
/* The cached wheel built from the sdist with this sha256 for py: *wheel_path, or NULL when there
 * is none (not an error). */
err_t *build_cache_lookup(const char *cache_dir, const char *sdist_sha256, const interp_t *py,
                          char **wheel_path);
/* For an sdist source: the cached wheel when there is one, else build_wheel() and put the result
 * in the cache. *wheel_path is the cache's file (immutable: unpack it, never edit it); *built
 * (may be NULL) says whether a build ran. */
err_t *build_sdist_wheel(build_source_t *s, const build_opts_t *o, const interp_t *py,
                         char **wheel_path, bool *built);

/* A wheel's METADATA text (the one <name>-<version>.dist-info/METADATA member). */
err_t *build_wheel_metadata(const char *wheel_path, char **out);

/* The build fingerprint of the local project at dir: 32 hex digits in out (util/hash.h's fast
 * name hash: it detects edits and guards nothing, and a no-op sync needs no libcrypto; see
 * above). Errors:
 * an unreadable file, a pyproject.toml that is not TOML (EXIT_USAGE). */
err_t *build_fingerprint(const char *dir, char out[65]);

/*
 * Installs the editable wheel at wheel_path (from build_wheel(.., BUILD_KIND_EDITABLE, ..)) for
 * the project at project_dir into t, as pip installs `-e`: the wheel is unpacked into a private
 * scratch cache below scratch_dir (never the shared wheel cache) and its files copied, so nothing
 * of it outlives the call besides the installed files; t->direct_url and t->link are ignored;
 * direct_url.json is {"dir_info": {"editable": true}, "url": "file:///<project_dir>"} (pip's
 * bytes) and listed in RECORD, so `pip list --editable` shows the project and its location.
 * The backend's .pth file or import hook and the console scripts are installed like any wheel's.
 * *out as wheel_install() fills it (direct_url.json included in files).
 */
err_t *build_install_editable(const char *wheel_path, const char *project_dir,
                              const char *scratch_dir, const wheel_target_t *t,
                              wheel_installed_t *out);

#endif
