/*
 * pyproject: a project's pyproject.toml read into a plain value: [build-system] (PEP 517/518),
 * [project] (PEP 621, the "pyproject.toml specification") and [dependency-groups] (PEP 735), and
 * the backend choice pip makes for trees without them.
 *
 * [build-system]
 *  - no pyproject.toml, or no [build-system]: the legacy choice, backend
 *    "setuptools.build_meta:__legacy__" with requires ["setuptools>=40.8.0"] (legacy = true);
 *    without pyproject.toml a setup.py must exist (pyproject_load checks it);
 *  - [build-system] without `requires`, or `requires` not an array of PEP 508 strings: error;
 *  - `requires` without `build-backend`: the legacy backend with the given requires (legacy);
 *  - `build-backend` must be "mod(.mod)*" or "mod(.mod)*:obj(.attr)*" (Python identifiers);
 *  - `backend-path`: an array of strings, each relative to the project root; pyproject_load
 *    resolves them (symlinks too) and refuses one that leaves the root or does not exist
 *    (PEP 517 "In-tree build backends"). The resolved absolute paths are kept.
 *
 * [project] (everything below is checked only when the table is present)
 *  - `name`: required, a string and a valid PEP 508 name; never dynamic;
 *  - `version`: a PEP 440 string, required unless listed in `dynamic`;
 *  - `requires-python`: a specifier set string; `dependencies`: an array of PEP 508 strings;
 *    `optional-dependencies`: a table of such arrays, keyed by valid extra names, which are
 *    normalized (PEP 685); two that normalize alike are an error. A requirement on the project
 *    itself ("self[test]", used to combine extras) is allowed and kept as written;
 *  - `scripts` / `gui-scripts`: tables of strings (console_scripts / gui_scripts);
 *    `entry-points`: a table of tables of strings, where the groups console_scripts and
 *    gui_scripts are forbidden (they have their own keys);
 *  - `description` a string; `readme` and `license` a string or a table; `keywords`,
 *    `classifiers` arrays of strings; `urls` a table of strings; `authors`, `maintainers`
 *    arrays of tables (types only: the backend owns the rest);
 *  - `dynamic`: an array of [project] key names (any other string is an error; "name" is
 *    forbidden). A key that is neither given nor listed is empty. A key both given and listed
 *    is an error for the single-valued keys (version, description, readme, requires-python,
 *    license); for array- and table-valued keys (dependencies, optional-dependencies, scripts,
 *    ...) the given value is a lower bound the backend may add to (PEP 808): the key is then
 *    dynamic all the same.
 *  - other keys are not looked at (the backend validates its input).
 *
 * [dependency-groups] (PEP 735)
 *  - a table; each key a valid name, normalized; two keys that normalize alike are an error
 *    (checked at load);
 *  - each group's content is checked lazily, when it is expanded (pyproject_group_expand): an
 *    array whose items are PEP 508 strings or {include-group = "name"} tables (no other key);
 *    includes are expanded in place, depth first, without removing duplicates; an unknown
 *    group or an include cycle is an error.
 *
 * Errors are EXIT_USAGE err_t starting "NAME:LINE:COL: " (NAME the display name given: the
 * file's path for pyproject_load), pointing at the offending value; the first error stops the
 * load (TOML syntax errors come from util/toml with the same form).
 *
 * Ownership: a pyproject_t owns every string and array in it and the parsed document (kept for
 * error positions of lazily checked groups); pyproject_free() releases them and leaves the
 * struct zeroed. Pure except pyproject_load (reads the file, stats setup.py, resolves
 * backend-path). Thread-safe: no shared state.
 */
#ifndef VENVSYNC_BUILD_PYPROJECT_H
#define VENVSYNC_BUILD_PYPROJECT_H
#include <stdbool.h>
#include <stddef.h>
#include "util/buf.h"
#include "util/err.h"
#include "util/toml.h"

#define PYPROJECT_LEGACY_BACKEND "setuptools.build_meta:__legacy__"
#define PYPROJECT_LEGACY_REQUIRES "setuptools>=40.8.0"

/* Bits of pyproject_t.dynamic: the [project] keys listed in `dynamic`. */
enum {
    PYPROJECT_DYN_VERSION = 1u << 0,
    PYPROJECT_DYN_DESCRIPTION = 1u << 1,
    PYPROJECT_DYN_README = 1u << 2,
    PYPROJECT_DYN_REQUIRES_PYTHON = 1u << 3,
    PYPROJECT_DYN_LICENSE = 1u << 4,
    PYPROJECT_DYN_LICENSE_FILES = 1u << 5,
    PYPROJECT_DYN_AUTHORS = 1u << 6,
    PYPROJECT_DYN_MAINTAINERS = 1u << 7,
    PYPROJECT_DYN_KEYWORDS = 1u << 8,
    PYPROJECT_DYN_CLASSIFIERS = 1u << 9,
    PYPROJECT_DYN_URLS = 1u << 10,
    PYPROJECT_DYN_SCRIPTS = 1u << 11,
    PYPROJECT_DYN_GUI_SCRIPTS = 1u << 12,
    PYPROJECT_DYN_ENTRY_POINTS = 1u << 13,
    PYPROJECT_DYN_DEPENDENCIES = 1u << 14,
    PYPROJECT_DYN_OPTIONAL_DEPENDENCIES = 1u << 15,
    PYPROJECT_DYN_IMPORT_NAMES = 1u << 16,
    PYPROJECT_DYN_IMPORT_NAMESPACES = 1u << 17,
};

typedef struct pyproject_extra {
    char *name;                 /* normalized ("Dev_Tools" -> "dev-tools") */
    char **requires;            /* as written, NULL-terminated (NULL when empty) */
} pyproject_extra_t;

typedef struct pyproject_entry_point {
    char *group;                /* "console_scripts" (scripts), "gui_scripts" (gui-scripts), or
                                 * an [project.entry-points] group as written */
    char *name;
    char *value;                /* "pkg.mod:func" as written */
} pyproject_entry_point_t;

typedef struct pyproject_group {
    char *name;                 /* normalized */
    const toml_value_t *value;  /* its value in the document (checked lazily) */
    const toml_value_t *key_at; /* where the key is (the value's position, for messages) */
} pyproject_group_t;

typedef struct pyproject {
    char *display;              /* the name messages start with */
    toml_doc_t *doc;            /* the parsed file, or NULL when there is none */
    bool has_file;              /* pyproject.toml exists (or text was given) */

    /* [build-system] */
    bool has_build_system;
    bool legacy;                /* backend defaulted to setuptools' __legacy__ */
    char **build_requires;      /* never NULL after a successful load; as written */
    char *build_backend;        /* never NULL after a successful load */
    char **backend_path;        /* absolute, symlinks resolved; NULL when none (or when parsed
                                 * without a root: then the entries as written) */

    /* [project] */
    bool has_project;
    char *name;                 /* as written */
    char *version;              /* as written, NULL when dynamic */
    char *requires_python;      /* NULL when absent or dynamic */
    char **dependencies;        /* as written, NULL-terminated (NULL when none) */
    pyproject_extra_t *extras;  /* in file order */
    size_t n_extras;
    pyproject_entry_point_t *entry_points;   /* scripts, gui-scripts, then entry-points */
    size_t n_entry_points;
    unsigned dynamic;           /* PYPROJECT_DYN_* */

    /* [dependency-groups] */
    pyproject_group_t *groups;  /* in file order */
    size_t n_groups;
} pyproject_t;

/* Parses text[0..len) (a pyproject.toml) into *out. display starts messages ("pyproject.toml"
 * when NULL). root, when not NULL, is the project directory: backend-path entries are resolved
 * against it and must stay inside it. text NULL means "there is no pyproject.toml" (legacy).
 * On error *out is left zeroed. */
err_t *pyproject_parse(const char *text, size_t len, const char *display, const char *root,
                       pyproject_t *out);
/* Reads <root>/pyproject.toml (display name: that path) and parses it with root. Without the
 * file, <root>/setup.py must exist (else an EXIT_USAGE error: "neither pyproject.toml nor
 * setup.py"), and the legacy backend is chosen. */
err_t *pyproject_load(const char *root, pyproject_t *out);
void pyproject_free(pyproject_t *p);

/* Whether [project] fixes everything a resolver needs: the table is there and none of
 * version, requires-python, dependencies, optional-dependencies is dynamic. Then
 * pyproject_core_metadata() replaces the prepare_metadata hook. */
bool pyproject_metadata_static(const pyproject_t *p);
/* Appends core metadata (the METADATA fields a resolver reads) for a static [project]:
 * Metadata-Version 2.2, Name, Version, Requires-Python, Requires-Dist for each dependency, then
 * for each extra Provides-Extra and its requirements with `extra == "<name>"` added to their
 * marker ("(<marker>) and extra == ..."). Fails (EXIT_USAGE) when the metadata is not static. */
err_t *pyproject_core_metadata(const pyproject_t *p, buf_t *out);

/* The extra named `name` (any spelling), or NULL. */
const pyproject_extra_t *pyproject_find_extra(const pyproject_t *p, const char *name);
/* The group named `name` (any spelling), or NULL. */
const pyproject_group_t *pyproject_find_group(const pyproject_t *p, const char *name);
/* The requirements of dependency group `name` with its includes expanded in place, in order,
 * duplicates kept, as a NULL-terminated strv (NULL when empty) in *out. Errors (EXIT_USAGE, with
 * the position of the offending value): no such group, a group that is not an array, an item
 * that is neither a string nor an {include-group} table, an invalid requirement, an include of
 * an unknown group, an include cycle ("a -> b -> a"). */
err_t *pyproject_group_expand(const pyproject_t *p, const char *name, char ***out);

#endif
