/*
 * pylock: PEP 751 lock files (the "pylock.toml Specification" on packaging.python.org): a plain
 * data model (pylock_t), a deterministic writer, a strict reader and PEP 751's installation-time
 * selection ("Installation", steps 1-5).
 *
 * venvsync writes one lock per environment, `pylock.<env>.toml` beside venv.yaml. A lock is
 * universal: each package entry carries a marker saying when to install it, and a name may have
 * several entries (one per resolver fork) whose markers never hold together. venvsync's own data
 * (the inputs digest that tells a stale lock, the resolver's fork markers, which names were
 * requested directly, and opaque key / value strings) lives in [tool.venvsync].
 *
 * Model (pylock_t). Every string is malloc'd and owned by the structure holding it; lists of
 * strings are strv (util/strv.h: NULL-terminated, NULL = empty); arrays of structures are
 * pointer + count (+ capacity, for the pylock_*_add helpers). pylock_free() releases everything.
 * Names are PEP 503-normalized; versions, markers and specifiers are kept as text (the reader has
 * checked that they parse). A model built in code (by the resolver) may be filled directly or
 * with the helpers below; a model read from a file also records where each package was
 * (pylock_package_t.line) and is in file order.
 *
 * Writing (pylock_write): the model as TOML through util/toml's builder and writer, in an order
 * that keeps diffs small and does not depend on the order the model was filled in:
 *  - top-level keys in the specification's order: lock-version, environments, requires-python,
 *    extras, dependency-groups, default-groups, created-by, [[packages]], [tool.venvsync];
 *    `extras` and `dependency-groups` are always written (`[]` when empty, as PEP 751 asks), the
 *    other optional keys only when set;
 *  - environments and fork markers in the model's order (the resolver's, meaningful); extras,
 *    groups, requested names and extra tool keys sorted bytewise;
 *  - packages sorted by (name, version in PEP 440 order, absent first; marker text, absent first);
 *    each is one [[packages]] section of `key = value` lines in the specification's key order
 *    (name, version, marker, requires-python, dependencies, vcs, directory, archive, index, sdist,
 *    wheels, attestation-identities); sources and files as inline tables, `dependencies` and
 *    `wheels` one inline table per line (the layout of the specification's example), wheels
 *    sorted by file name, hashes by algorithm; a file's `name` only when it differs from the last
 *    component of its path / URL (PEP 751's default).
 * The output reads back with pylock_read to an equal model (up to the order above) and writes
 * again to the same bytes; Python's tomllib and packaging.pylock read it too.
 *
 * Reading (pylock_read) is strict: every violation of PEP 751 (and of what venvsync needs to
 * install safely) is an EXIT_USAGE error "NAME:LINE:COL: what" pointing at the offending value
 * (or at the table that lacks a key). The first problem stops the read. See pylock_read().
 *
 * Thread-safety: no shared state. A pylock_t may be read (and selected from) by several threads.
 */
#ifndef VENVSYNC_RESOLVE_PYLOCK_H
#define VENVSYNC_RESOLVE_PYLOCK_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pkg/marker.h"
#include "pkg/tags.h"
#include "util/buf.h"
#include "util/err.h"

/* The lock-version venvsync writes, and the major version it reads. */
#define PYLOCK_VERSION "1.0"
#define PYLOCK_MAJOR 1

/* ---- model -------------------------------------------------------------------------------- */

typedef struct pylock_hash {
    char *algo;              /* lowercase: "sha256", "sha512", "blake2b" ... */
    char *hex;               /* the digest: lowercase hex for sha256 / sha384 / sha512 */
} pylock_hash_t;

/* A wheel, an sdist or an archive. At least one of url / path; hashes hold a sha256 entry. */
typedef struct pylock_file {
    char *name;              /* the file name; NULL = the last component of path, else of url
                              * (percent-decoded). pylock_read always sets it (from the key or
                              * that default); for an archive it is that default (PEP 751 gives
                              * archives no name key) and never written */
    char *url;               /* or NULL */
    char *path;              /* as written: relative to the lock's directory, or absolute; '/'
                              * or '\' separated; or NULL */
    int64_t size;            /* bytes; -1 = not recorded */
    char *upload_time;       /* TOML offset date-time text in UTC ("2025-01-25T11:30:10Z", as
                              * util/toml normalizes it), or NULL */
    pylock_hash_t *hashes;   /* sorted by algo on write; unique algos */
    size_t nhashes, hashes_cap;
} pylock_file_t;

typedef struct pylock_directory {
    char *path;              /* required */
    bool editable;
    char *subdirectory;      /* or NULL: relative, never leaves the tree */
} pylock_directory_t;

typedef struct pylock_archive {
    pylock_file_t file;      /* file.name: the default (see pylock_file_t) */
    char *subdirectory;
} pylock_archive_t;

typedef struct pylock_vcs {
    char *type;              /* "git", "hg", "bzr", "svn" (direct_url.json's registered VCS) */
    char *url;               /* url and / or path */
    char *path;
    char *requested_revision;/* informational, or NULL */
    char *commit_id;         /* required: what is checked out */
    char *subdirectory;
} pylock_vcs_t;

typedef enum pylock_source {
    PYLOCK_DIST,             /* wheels and / or an sdist (the index case) */
    PYLOCK_DIRECTORY,
    PYLOCK_ARCHIVE,
    PYLOCK_VCS,
} pylock_source_t;

/* One entry of `dependencies`: for audits only, never used to install. */
typedef struct pylock_dep {
    char *name;              /* normalized */
    char *version;           /* or NULL (needed only when the name has several entries) */
} pylock_dep_t;

/* One publisher identity of `attestation-identities`: kind plus the publisher's string keys
 * (values of other types are not kept). */
typedef struct pylock_kv {
    char *key;
    char *value;
} pylock_kv_t;

typedef struct pylock_attestation {
    char *kind;              /* required */
    pylock_kv_t *keys;       /* the other keys, in file order */
    size_t nkeys, keys_cap;
} pylock_attestation_t;

typedef struct pylock_package {
    char *name;              /* required, normalized */
    char *version;           /* as written; NULL for directory / vcs (must be), optional else */
    char *marker;            /* lock-file marker text, or NULL = always */
    char *requires_python;   /* specifier set text, or NULL */
    char *index;             /* simple API base URL, or NULL */
    pylock_dep_t *deps;
    size_t ndeps, deps_cap;

    pylock_source_t source;
    /* PYLOCK_DIST: wheels (any number) and / or an sdist; at least one file in all */
    pylock_file_t *wheels;
    size_t nwheels, wheels_cap;
    pylock_file_t *sdist;    /* or NULL */
    pylock_directory_t directory;   /* PYLOCK_DIRECTORY */
    pylock_archive_t archive;       /* PYLOCK_ARCHIVE */
    pylock_vcs_t vcs;               /* PYLOCK_VCS */

    pylock_attestation_t *attestations;
    size_t nattestations, attestations_cap;

    int line;                /* where its table starts in the file read; 0 when built */
} pylock_package_t;

typedef struct pylock {
    char *lock_version;      /* "1.0" */
    char **environments;     /* marker texts; NULL = every environment */
    char *requires_python;   /* or NULL */
    char **extras;           /* normalized names the lock offers */
    char **dependency_groups;/* group names the lock offers (as written) */
    char **default_groups;   /* synthetic groups installed by default */
    char *created_by;        /* required: "venvsync" */
    pylock_package_t *packages;
    size_t npackages, packages_cap;

    /* [tool.venvsync] (other [tool] tables are not kept) */
    char *inputs;            /* digest of the resolver's inputs (the caller's), or NULL */
    char **fork_markers;     /* the resolver's forks, in its order */
    char **requested;        /* normalized names requested directly (not only as dependencies) */
    pylock_kv_t *tool;       /* any other string keys, opaque */
    size_t ntool, tool_cap;
} pylock_t;

/* An empty lock: lock-version PYLOCK_VERSION, created-by "venvsync". */
pylock_t *pylock_new(void);
void pylock_free(pylock_t *l);                      /* NULL is fine */

/* Builders: each appends a zeroed element (sizes -1) and returns it; strings are copied. */
pylock_package_t *pylock_add_package(pylock_t *l, const char *name, const char *version);
pylock_file_t *pylock_add_wheel(pylock_package_t *p);
/* The package's sdist, created (zeroed) when absent. */
pylock_file_t *pylock_set_sdist(pylock_package_t *p);
void pylock_add_hash(pylock_file_t *f, const char *algo, const char *hex);
void pylock_add_dep(pylock_package_t *p, const char *name, const char *version);
void pylock_add_tool(pylock_t *l, const char *key, const char *value);

/* The hash of algorithm algo in f (exact, lowercase), or NULL. */
const char *pylock_file_hash(const pylock_file_t *f, const char *algo);
/* The name f has: f->name, else the last component of its path, else of its URL
 * (percent-decoded); malloc'd, NULL when none can be found. */
char *pylock_file_name(const pylock_file_t *f);

/* The index of the first package at or after `start` whose name is `name` (any spelling), or -1.
 * Iterate a name's entries with pylock_find(l, n, i + 1). */
long pylock_find(const pylock_t *l, const char *name, size_t start);
/* Whether `name` (any spelling) is in l->requested. */
bool pylock_is_requested(const pylock_t *l, const char *name);

/* "pylock.<env>.toml" (malloc'd, in *out) for environment env; EXIT_USAGE error when env cannot
 * name a lock file: empty, or holding '.' (PEP 751: `pylock\.([^.]+)\.toml`), '/', '\' or a
 * control character. */
err_t *pylock_filename(const char *env, char **out);

/* ---- writing and reading ------------------------------------------------------------------ */

/* Appends the lock's TOML text to out (see the top of this file). Fails (EXIT_USAGE, out
 * unchanged) when the model is not a valid lock: the text it would write is read back with
 * pylock_read and that read's error is returned ("pylock.toml (as written):LINE:COL: ..."), so
 * what is written always reads. */
err_t *pylock_write(const pylock_t *l, buf_t *out);

/*
 * Parses text[0..len) (the whole file). name is how errors start ("pylock.dev.toml"; NULL =
 * "pylock.toml"). On success *out is the model and, when warnings is not NULL, *warnings a strv
 * of messages the caller should print (NULL when none); on failure *out is NULL.
 *
 * Rules (PEP 751 unless noted; each broken one is an error at the value concerned):
 *  - TOML 1.0 (util/toml, depth limited); `lock-version` a string "MAJOR.MINOR": major 1 only;
 *    a newer minor (1.1) reads with a warning, and then unknown keys are warnings too (with 1.0
 *    they are errors);
 *  - required: lock-version, created-by, packages, packages.name, vcs.type, vcs.commit-id,
 *    directory.path, hashes of every file, kind of every attestation identity;
 *  - types as the specification gives them (strings, arrays of strings, tables, arrays of
 *    tables, a boolean `editable`, an integer `size` >= 0, an offset date-time `upload-time` in
 *    UTC); `tool` tables may hold anything (only [tool.venvsync] is read: `inputs` a string,
 *    `fork-markers` an array of lock markers, `requested` an array of names, any other key a
 *    string);
 *  - names (packages, dependencies, requested, extras) valid and normalized; group names valid;
 *    no name twice in extras / dependency-groups / default-groups (normalized);
 *  - markers (environments, packages.marker, fork markers) parse as lock-file markers: the sets
 *    `extras` / `dependency_groups` are allowed in packages.marker and fork markers only, the
 *    legacy `extra` variable nowhere; requires-python (top level and per package) a valid
 *    specifier set; versions valid PEP 440; environments not empty when present;
 *  - sources: with `sdist` / `wheels`, none of `vcs` / `directory` / `archive`; without, exactly
 *    one of them; `version` absent for `directory` and `vcs`;
 *  - files: url and / or path (non-empty); a file name that parses (wheels: pkg/wheelname.h,
 *    sdists: `{name}-{version}.tar.gz|.zip`) and whose name and version match the entry's;
 *    hashes: at least one, lowercase algorithm names, a sha256 (venvsync verifies every file
 *    with it), sha256 / sha384 / sha512 values lowercase hex of the right length;
 *  - subdirectory relative and inside the tree (no leading '/', no '..' component);
 *  - vcs.type one of git, hg, bzr, svn.
 * Paths are kept as written (relative to the lock's directory); pylock_select resolves them.
 */
err_t *pylock_read(const char *text, size_t len, const char *name, pylock_t **out,
                   char ***warnings);

/* ---- selection (PEP 751 "Installation") ---------------------------------------------------- */

/* The interpreter a lock is installed for. Everything is borrowed. */
typedef struct pylock_target {
    const marker_env_t *env;     /* its marker values (python_full_version is what
                                  * requires-python is checked against); env->extra is ignored */
    const tagset_t *tags;        /* its supported tags, best first; NULL: no file is chosen
                                  * (step 4 below) */
    char *const *extras;         /* extras requested (any spelling); NULL = none */
    char *const *groups;         /* dependency groups requested (any spelling) ... */
    bool groups_given;           /* ... when true; when false the lock's default-groups */
    const char *lock_dir;        /* absolute directory of the lock: relative paths resolve here
                                  * (NULL: the working directory) */
    const char *lock_name;       /* for messages ("pylock.dev.toml"); NULL = "pylock.toml" */
    const char *describe;        /* the target in messages ("cpython 3.11 on linux-x86_64");
                                  * NULL = made from env */
    bool prefer_sdist;           /* an entry's sdist, when it has one, over its wheels (pip's
                                  * --no-binary): the installer builds it */
} pylock_target_t;

typedef enum pylock_pick_kind {
    PYLOCK_PICK_WHEEL,
    PYLOCK_PICK_SDIST,
    PYLOCK_PICK_DIRECTORY,
    PYLOCK_PICK_ARCHIVE,
    PYLOCK_PICK_VCS,
} pylock_pick_kind_t;

/* One package to install. Borrows from the lock (which must outlive the selection) except
 * `location`. */
typedef struct pylock_pick {
    const pylock_package_t *pkg;   /* its entry: name, version (NULL for directory / vcs), index */
    size_t index;                  /* the entry's index in l->packages */
    pylock_pick_kind_t kind;
    const pylock_file_t *file;     /* WHEEL / SDIST / ARCHIVE: the chosen file (size, hashes) */
    char *location;                /* what to fetch or build, owned: for a file its absolute,
                                    * normalized path when it has a path, else its URL; for a
                                    * directory its absolute path; for vcs its url, else its
                                    * absolute path */
    bool is_local;                 /* location is a local path */
    bool requested;                /* the lock lists the name in [tool.venvsync] requested */
} pylock_pick_t;

typedef struct pylock_selection {
    pylock_pick_t *picks;          /* in the lock's package order; names unique */
    size_t n;
} pylock_selection_t;

/*
 * PEP 751's selection, offline:
 *  1. extras := t->extras, dependency_groups := t->groups (or default-groups); each requested
 *     extra must be in the lock's `extras` and each group in `dependency-groups` or
 *     `default-groups`, else an error naming what the lock offers;
 *  2. lock-version's major must be PYLOCK_MAJOR; requires-python must hold for
 *     env->python_full_version; when environments are given one must hold: else errors naming
 *     the lock and the target;
 *  3. for each entry in order: marker false -> skipped; requires-python false -> error; a name
 *     already selected -> ambiguity error naming both entries;
 *  4. (skipped when t->tags is NULL: the picks then have kind and file unset and no location,
 *     for checks that need only which versions apply) for each selected entry: directory /
 *     archive / vcs as they are; with t->prefer_sdist its
 *     sdist when it has one; wheels: the one whose best
 *     tag ranks highest in t->tags (earlier in the file on ties), else the sdist, else an error
 *     listing the files ("no wheel of numpy 2.2.3 in pylock.dev.toml fits cpython 3.11 on
 *     linux-x86_64: its files are ...").
 * Errors are EXIT_USAGE and name the lock (with the entry's line when it was read from a file).
 * On success *out is filled (free with pylock_selection_free); on failure it is left empty.
 */
/* Whether the lock as a whole admits t (step 2 below: its lock-version, requires-python and
 * environments), so that selecting for t can work. */
bool pylock_covers(const pylock_t *l, const pylock_target_t *t);
err_t *pylock_select(const pylock_t *l, const pylock_target_t *t, pylock_selection_t *out);
void pylock_selection_free(pylock_selection_t *s);

#endif
