/*
 * meta: the small text files inside a wheel's .dist-info: WHEEL, METADATA (or PKG-INFO) and
 * entry_points.txt. Pure parsing: no I/O, no global state.
 *
 * Header files (WHEEL, METADATA) are read the way Python's email parser (compat32) reads them,
 * which is what pip and importlib.metadata use: `Key: value` lines, the key made of printable
 * ASCII other than ':' and compared case-insensitively, whitespace after the ':' dropped, lines
 * starting with a space or tab continuing the previous value (kept as "\n" + the line), and the
 * headers ending at the first blank line or the first line that is neither a header nor a
 * continuation (the body). The input must be UTF-8 and hold no NUL byte.
 *
 * entry_points.txt is read the way importlib.metadata reads it: each line stripped, blank lines
 * and lines starting with '#' or ';' skipped, `[group]` lines open a group, other lines are
 * `name = value` split at the first '='. Lines before the first group are ignored. In the
 * console_scripts and gui_scripts groups every entry must also be a launcher pip can make:
 * the value `module(.sub)*:attr(.sub)* [extras]` (a callable suffix is required) and a safe
 * script name (see meta_script_name_check()).
 *
 * Ownership: every struct owns its strings; the matching *_free() releases them and leaves the
 * struct zeroed.
 */
#ifndef VENVSYNC_WHEEL_META_H
#define VENVSYNC_WHEEL_META_H
#include <stdbool.h>
#include <stddef.h>
#include "util/err.h"

/* ---- RFC 822-style headers ---------------------------------------------------------------- */

typedef struct meta_header {
    char *key;          /* as written */
    char *value;        /* leading blanks dropped, line end removed, continuations joined with
                         * "\n" (each continuation keeps its leading whitespace) */
} meta_header_t;

typedef struct meta_headers {
    meta_header_t *items;   /* in file order; a key may repeat */
    size_t n, cap;
} meta_headers_t;

/* Parses the header block of text (len bytes). Fails only on invalid UTF-8 or a NUL byte
 * (EXIT_APPLY, naming `label`). */
err_t *meta_headers_parse(const char *text, size_t len, const char *label, meta_headers_t *out);
/* The first value of `key` (case-insensitive), or NULL. Borrowed. */
const char *meta_headers_get(const meta_headers_t *h, const char *key);
void meta_headers_free(meta_headers_t *h);

/* ---- WHEEL -------------------------------------------------------------------------------- */

typedef struct wheel_info {
    int version_major;      /* Wheel-Version: always 1 after a successful parse */
    int version_minor;
    bool newer_minor;       /* Wheel-Version is 1.x with x > 0: pip warns, installs anyway */
    bool root_is_purelib;   /* Root-Is-Purelib equals "true" case-insensitively (pip's rule) */
    char *generator;        /* or NULL */
    char *build;            /* Build, or NULL */
    char **tags;            /* Tag lines, NULL-terminated (informational: the filename rules) */
    size_t ntags;
} wheel_info_t;

/* Parses a WHEEL file. Errors (EXIT_APPLY, "<label>: ..."): no Wheel-Version, a Wheel-Version
 * that is not dot-separated integers, or a major version other than 1. */
err_t *meta_parse_wheel(const char *text, size_t len, const char *label, wheel_info_t *out);
void wheel_info_free(wheel_info_t *w);

/* ---- METADATA / PKG-INFO ------------------------------------------------------------------ */

typedef struct core_metadata {
    char *metadata_version; /* or NULL when absent */
    char *name;             /* trimmed, required, a valid PEP 508 name */
    char *version;          /* trimmed, required, valid PEP 440 */
    char *requires_python;  /* trimmed, or NULL */
    char **requires_dist;   /* NULL-terminated, continuation lines unfolded, trimmed */
    size_t n_requires_dist;
    char **provides_extra;  /* NULL-terminated, trimmed */
    size_t n_provides_extra;
} core_metadata_t;

/* Parses METADATA. Errors (EXIT_APPLY): Metadata-Version whose major is above 2 (or not a
 * number), Name missing or not a valid name, Version missing or not PEP 440. */
err_t *meta_parse_metadata(const char *text, size_t len, const char *label,
                           core_metadata_t *out);
void core_metadata_free(core_metadata_t *m);

/* ---- entry_points.txt --------------------------------------------------------------------- */

typedef struct entry_point {
    char *group;        /* "console_scripts", "gui_scripts", ... */
    char *name;         /* stripped */
    char *value;        /* stripped, as written */
    /* Filled for console_scripts and gui_scripts only (NULL otherwise): */
    char *module;       /* "pkg.cli" */
    char *attr;         /* "main" or "App.run" */
    char *extras;       /* the text inside [...], or NULL; ignored by installers */
} entry_point_t;

typedef struct entry_points {
    entry_point_t *items;   /* in file order */
    size_t n, cap;
} entry_points_t;

err_t *meta_parse_entry_points(const char *text, size_t len, const char *label,
                               entry_points_t *out);
void entry_points_free(entry_points_t *e);

/* Whether `name` may name a launcher in the scripts directory. NULL when it may, else a static
 * reason: empty, ".", "..", a '/' or '\\', a control character, characters distlib's entry
 * regex refuses (allowed: letters, digits, '_', '-', '.', '+' and any non-ASCII UTF-8), or one
 * of the interpreter's own names (python, pythonw, python3, python3.12, ...), which would
 * replace the environment's interpreter. */
const char *meta_script_name_check(const char *name);

#endif
