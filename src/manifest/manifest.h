/*
 * manifest: venv.yaml, version 1, parsed with libyaml into plain structs.
 *
 * manifest_load() reads and validates the whole file and reports *every* problem in one chained
 * err_t (EXIT_USAGE), each "FILE:LINE:COL: message" naming the key, with a "did you mean" for a
 * misspelt key. It touches nothing on disk but the file it reads. On success every path in the
 * result is absolute (relative to the manifest's directory, with ~ and ${VAR} expanded), every
 * environment has its defaults applied (path = <root>/<name>, prompt = name, python inherited from
 * the top level), and copy-from names an existing environment with no cycle.
 *
 * The manifest_t owns everything below it; manifest_free() releases it all.
 */
#ifndef VENVSYNC_MANIFEST_MANIFEST_H
#define VENVSYNC_MANIFEST_MANIFEST_H
#include <stdbool.h>
#include <stddef.h>
#include "python/request.h"
#include "util/env.h"
#include "util/err.h"

typedef struct mf_pos { int line, col; } mf_pos_t;   /* 1-based; 0 when not from the file */

typedef enum { UPGRADE_MINOR, UPGRADE_EXACT } mf_upgrade_t;
typedef enum { DOWNLOADS_MANUAL, DOWNLOADS_AUTOMATIC, DOWNLOADS_NEVER } mf_downloads_t;
/* `link-mode`: how installed files come from the cache. DEFAULT: not given (the installer's own
 * choice: reflink, else hard link, else copy). Parsed and validated; the installer does not read
 * it yet. */
typedef enum { LINK_MODE_DEFAULT, LINK_MODE_CLONE, LINK_MODE_HARDLINK, LINK_MODE_COPY,
               LINK_MODE_SYMLINK } mf_link_mode_t;
/* `seed`: pip in the environment. UNSET: not given, so pip is seeded only when the environment
 * declares no packages (resolve/seed.h decides). */
typedef enum { SEED_UNSET = -1, SEED_OFF = 0, SEED_ON = 1 } mf_seed_t;

typedef struct mf_item {         /* a string with where it was written */
    char *value;
    mf_pos_t pos;
} mf_item_t;

/* `build`: may packages be built from source? AUTO: when no wheel fits; NEVER: wheels only
 * (`project:` and sdist-only versions are refused); ALWAYS: from source even when a wheel
 * fits (pip's --no-binary :all:). */
typedef enum { BUILD_AUTO = 0, BUILD_NEVER = 1, BUILD_ALWAYS = 2 } mf_build_t;

/* `project:`: the repository's own project (PEP 517/621) installed into the environment. */
typedef struct mf_project {
    char *path;                  /* absolute directory; NULL when the environment has none */
    bool editable;               /* default true */
    char **extras;               /* as written; NULL-terminated, never NULL when path is set */
    char **groups;               /* [dependency-groups] names (PEP 735), as written; same */
    mf_pos_t pos;                /* of the value */
} mf_project_t;

typedef struct mf_env {
    char *name;
    mf_pos_t pos;                /* of the environment's key */
    char *path;                  /* absolute */
    pyreq_t *python;             /* the request in force (own or inherited); NULL = none given */
    char *python_text;           /* as written, or NULL */
    char *prompt;                /* never NULL */
    bool system_site_packages;
    mf_item_t *packages;  size_t npackages;      /* PEP 508 requirement strings, as written */
    mf_item_t *requirements; size_t nrequirements; /* absolute paths of requirements files */
    bool manages_packages;       /* `packages:`, `requirements:` or `project:` is given (even
                                    empty): venvsync
                                    owns site-packages; otherwise it leaves packages alone */
    bool exact;                  /* default true */
    mf_upgrade_t upgrade;        /* default minor */
    char *copy_from;             /* name of another environment, or NULL */
    bool compile;                /* byte-compile after installing (default false) */
    mf_seed_t seed;              /* `seed: true|false`, or SEED_UNSET */
    mf_link_mode_t link_mode;    /* its own `link-mode`, else the top level's, else DEFAULT */
    mf_project_t project;        /* `project:`; path NULL when not given */
    mf_build_t build;            /* its own `build`, else the top level's, else AUTO */
    char **lock_environments;    /* `lock-environments`: PEP 508 markers the universal lock is
                                  * narrowed to (its own, else the top level's; checked);
                                  * NULL-terminated, NULL when none */
    char *pylock;                /* `pylock`: absolute path of a PEP 751 lock another tool wrote,
                                  * installed as it is (no resolution), or NULL; never given
                                  * together with packages, requirements or project */
} mf_env_t;

typedef struct manifest {
    char *file;                  /* absolute path of venv.yaml */
    char *dir;                   /* its directory */
    int version;                 /* 1 */
    pyreq_t *python;             /* top-level default request, or NULL */
    char *python_text;
    char *root;                  /* absolute; default <dir>/.venvs */
    mf_downloads_t python_downloads;
    char *index_url;             /* or NULL (then the default index) */
    char **extra_urls;           /* NULL-terminated, never NULL itself */
    char **find_links;           /* NULL-terminated; local entries made absolute, URLs kept */
    mf_link_mode_t link_mode;    /* top-level `link-mode`, or DEFAULT */
    mf_build_t build;            /* top-level `build`, or AUTO */
    char **lock_environments;    /* top-level `lock-environments`, or NULL */
    mf_env_t *envs;              /* in file order */
    size_t nenvs;
} manifest_t;

/* Parses the file at path. env gives the values of ~ (HOME) and ${VAR} in paths (NULL: none,
 * so they are errors). */
err_t *manifest_load(const char *path, const env_lookup_t *env, manifest_t **out);
/* Parses text as if it were the file `path` (for tests; path only names it in messages and
 * anchors relative paths). */
err_t *manifest_parse(const char *text, size_t len, const char *path, const env_lookup_t *env,
                      manifest_t **out);
void manifest_free(manifest_t *m);

/* The nearest venv.yaml in start_dir or a parent, as a malloc'd absolute path. EXIT_USAGE error
 * when there is none. */
err_t *manifest_find(const char *start_dir, char **out);

/* The environment named name, or NULL. */
const mf_env_t *manifest_env(const manifest_t *m, const char *name);

/* `link-mode` values: "clone", "hardlink", "copy", "symlink" (also for --link-mode and
 * VENVSYNC_LINK_MODE). parse: false for any other text (DEFAULT is never parsed). name: the
 * word, or "default". */
bool manifest_link_mode_parse(const char *s, mf_link_mode_t *out);
/* `build` values ("auto", "never", "always"), as for link modes. */
bool manifest_build_parse(const char *s, mf_build_t *out);
const char *manifest_build_name(mf_build_t b);
const char *manifest_link_mode_name(mf_link_mode_t m);

#endif
