/*
 * want: the desired package set of one environment for one interpreter, from the manifest's
 * `packages:` and `requirements:` (and the constraints files they name).
 *
 * Rules (venvsync installs exact pins only; there is no resolver yet):
 *  - Markers are evaluated against the target interpreter (want_marker_env()); entries whose
 *    marker is false are dropped before anything else is checked.
 *  - Every applicable requirement must be pinned: "==V" (no ".*"), "===V", or a direct wheel
 *    path/URL; or be pinned by an applicable constraint ("requests" + "-c c.txt" holding
 *    "requests==2.32.3", pip's usual pattern). Otherwise: "FILE:LINE: unpinned requirement
 *    'requests>=2'; venvsync installs exact pins only (a resolver comes later)".
 *  - Requirements with the same normalized name merge: the pin is taken from a direct wheel if
 *    there is one, else a "===" pin, else an "==" pin with a local label, else the first "=="
 *    pin, and every other requirement's specifiers must contain it ("foo==1.0" and "foo>=0.9"
 *    agree, "foo==1.0" and "foo==1.0.0" agree, "foo==1.0" and "foo==2.0" conflict, two
 *    different direct wheels conflict); extras are unioned; hashes are intersected as pip's
 *    Hashes.__and__ (an entry without hashes does not restrict; an empty intersection of
 *    non-empty sets is an error).
 *  - Constraints (applicable ones, for names that are wanted) must contain the pin; their hashes
 *    intersect too. Constraints for names nobody wants are ignored.
 *  - Hash-checking mode is on when any --require-hashes was read or any entry (requirement or
 *    constraint, applicable or not, as pip) carries a hash; then every wanted package needs at
 *    least one hash left after merging.
 * Every problem is reported (chained err_t, EXIT_USAGE), each "FILE:LINE: message".
 *
 * A want_set_t owns everything below it; want_set_free() releases it. Its packages are sorted by
 * normalized name and unique by it.
 */
#ifndef VENVSYNC_RESOLVE_WANT_H
#define VENVSYNC_RESOLVE_WANT_H
#include <stdbool.h>
#include <stddef.h>

#include "manifest/manifest.h"
#include "pkg/marker.h"
#include "pkg/reqfile.h"
#include "util/err.h"

/* What a package is installed from. */
typedef enum want_kind {
    WANT_WHEEL = 0,       /* a wheel file (path_or_url) */
    WANT_SDIST,           /* a source distribution (path_or_url), built for the interpreter */
    WANT_DIR,             /* a local project directory (path_or_url), built; version NULL */
} want_kind_t;

typedef struct want_pkg {
    char *key;            /* PEP 503 normalized name */
    char *name;           /* display name, as first written */
    char *version;        /* the pinned version as written ("2.32.3", "1.0" for "==1.0"); for a
                           * direct wheel, its filename's version field */
    bool arbitrary;       /* the pin is "===" (string equality, want_pkg_matches) */
    char **extras;        /* normalized, sorted, unique; NULL-terminated, never NULL */
    size_t nextras;
    char **hashes;        /* "sha256:<hex>" ..., sorted; NULL-terminated, never NULL; empty
                           * means no hash was given */
    size_t nhashes;
    bool requested;       /* named by the user (always true: there are no dependencies yet);
                           * the installer writes REQUESTED */
    char *path_or_url;    /* direct wheel: absolute local path or remote URL; else NULL */
    bool is_local;        /* path_or_url is a local path */
    char *url;            /* direct wheel: the URL for direct_url.json (file:///... for a local
                           * one, credentials not stripped); else NULL */
    char *origin;         /* "FILE:LINE" of the entry the pin came from */
    want_kind_t kind;
    bool editable;        /* WANT_DIR: installed editable (PEP 660) */
    char *source;         /* WANT_DIR: the identity of its build (pkg/installed.h's
                           * INSTALLED_SOURCE_FILE line), set by the caller; else NULL */
} want_pkg_t;

typedef struct want_set {
    want_pkg_t *pkgs;     /* sorted by key */
    size_t n;
    bool hash_mode;
    char *hash_mode_why;  /* what turned hash checking on ("--hash at req.txt:3",
                           * "--require-hashes at req.txt:1"), NULL when off */
    reqfile_t *rf;        /* everything that was read: global options (rf->opts: index URLs,
                           * find-links, ...) and the files to stat for changes (rf->files) */
} want_set_t;

/* The pure core: the desired set from already-parsed entries. Takes ownership of rf (also on
 * failure, when it is freed). */
err_t *want_resolve(reqfile_t *rf, const marker_env_t *env, want_set_t **out);

/* Parses env's `packages:` (positions from the manifest) and `requirements:` files (and those of
 * the environments it is copied from, `copy-from`: a copy keeps its source's packages, also
 * after the source changes), then want_resolve() for the target's marker environment (python/target.h). `m` names the manifest
 * file in messages (a missing requirements file is reported at its manifest position). renv:
 * where ${VAR} values come from. Parse errors are returned without resolving. */
err_t *want_for_env(const manifest_t *m, const mf_env_t *env, const marker_env_t *target,
                    const reqfile_env_t *renv, want_set_t **out);
/* The parsing half of want_for_env: every entry of env (and its copy-from sources), unresolved,
 * for the resolver. The caller owns *out (reqfile_free). */
err_t *want_read(const manifest_t *m, const mf_env_t *env, const reqfile_env_t *renv,
                 reqfile_t **out);

/* One package a lock selects (lock/lock.h), pinned to one file. Strings are borrowed. */
typedef struct want_locked {
    const char *name;
    const char *version;
    const char *location;   /* the file: an absolute path, or a URL */
    bool is_local;
    const char *sha256;     /* the lock's sha256 of it */
    bool requested;         /* named by the environment's own requirements */
    const char *origin;     /* "pylock.dev.toml:12", or where it was asked for */
    const char *direct_url; /* for a direct reference: direct_url.json's URL; else NULL */
    want_kind_t kind;
    bool editable;
} want_locked_t;

/* The desired set of a lock's selection: each item pinned to its version and file. Hashes: the
 * requirements' --hash values for that package when they give any (each entry whose pins are
 * all sha256 must allow the locked file's sha256: else an EXIT_APPLY "hash mismatch" naming the
 * entry; pins in other algorithms are checked against the file when it is read), else the
 * lock's sha256, so every file is verified. Takes ownership of rf (also on failure). */
err_t *want_from_lock(reqfile_t *rf, const marker_env_t *env, const want_locked_t *items,
                      size_t n, want_set_t **out);

/* The package with normalized name key, or NULL (binary search). */
const want_pkg_t *want_find(const want_set_t *w, const char *key);

/* Whether the version text v satisfies p's pin: "==" semantics of PEP 440 (1.0 == 1.0.0, a local
 * label on v is ignored unless the pin has one) or, for "===", case-insensitive string equality.
 * For a direct wheel, equality with its version. */
bool want_pkg_matches(const want_pkg_t *p, const char *v);

/* "name==version" / "name===version" / "name @ url" with extras, for messages; malloc'd. */
char *want_pkg_label(const want_pkg_t *p);

void want_set_free(want_set_t *w);

#endif
