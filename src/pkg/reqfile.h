/*
 * reqfile: pip requirements files (and the manifest's `packages:` strings) turned into a flat
 * list of entries plus the global options they set. Lexical only: it reads the files it is asked
 * to read (and the ones they include with -r / -c), nothing else; it evaluates no marker and
 * checks no pin (want.h does that).
 *
 * Format (pip's req_file.py, https://pip.pypa.io/en/stable/reference/requirements-file-format/):
 *  1. Decode: UTF-8 (a UTF-8 BOM is skipped; UTF-16 with a BOM, as PowerShell writes it, is
 *     converted). Invalid UTF-8 is an error naming the line. Lines end at \n, \r\n or \r.
 *  2. Join continuations: a line ending in '\' absorbs the next one (all trailing and leading
 *     backslashes of the continued line are dropped, as pip's line.strip("\\")). A comment line
 *     ('#' first, or after leading whitespace) never continues and ends a join in progress. A
 *     joined line is reported at the number of its first physical line.
 *  3. Comments: '#' at the start of the line or after whitespace ends the line.
 *  4. Blank lines are dropped.
 *  5. ${NAME} with NAME of [A-Z0-9_] is replaced by the environment variable's value; an unset
 *     or empty variable leaves the text as written (pip's rule). Only this form is expanded.
 *  6. The tokens (split at single spaces) before the first token starting with '-' are the
 *     requirement; the rest are options, split like a POSIX shell (quotes, backslashes).
 *
 * Requirements are one of:
 *  - PEP 508 (`requests[socks]==2.32.3; python_version < "3.13"`), parsed by req.h;
 *  - a wheel path (`./dist/x-1.0-py3-none-any.whl`, `dist/x.whl[extra]; marker`): anything
 *    containing '/' or starting with '.' or ending in ".whl". Relative paths are relative to
 *    the directory of the file that names them (pip uses the current directory; venvsync has no
 *    meaningful one);
 *  - a URL (`file:///abs/x-1.0-py3-none-any.whl`, `https://host/x-1.0-py3-none-any.whl`,
 *    a marker then needs "; " as in pip);
 *  - `name @ URL` (PEP 508; the URL may also be a plain path, relative as above).
 *  A direct reference must name a wheel (its filename must parse, wheelname.h); the name comes
 *  from the filename, and for `name @ URL` the two must agree. A URL's "#sha256=HEX" fragment
 *  (sha384/sha512 too) counts as a --hash, as pip trusts it for user-given direct URLs. Directories, sdists (.tar.gz,
 *  .zip ...), VCS URLs (git+https://...) and -e/--editable are errors: they need a build.
 *
 * Options. Global (on a line of their own): -r/--requirement FILE, -c/--constraint FILE (both
 * relative to the including file; `file:` URLs accepted, http(s) refused; an include cycle is an
 * error, a file included twice without a cycle is read twice), -i/--index-url (the last one
 * wins), --extra-index-url, --no-index, -f/--find-links (local paths made absolute against the
 * including file's directory, URLs kept), --pre, --only-binary, --no-binary, --prefer-binary,
 * --require-hashes, --trusted-host, --use-feature (recorded). Per requirement (on the
 * requirement's line): --hash=ALGO:HEX, repeatable, OR-ed; ALGO is sha256, sha384 or sha512
 * (anything else is an error, as in pip) and HEX must have that digest's length; stored
 * lowercase as "sha256:<hex>", duplicates dropped. --global-option / --config-settings are
 * accepted and ignored (they only affect builds). Long options take "--opt=V" or "--opt V",
 * short ones "-rV" or "-r V"; an unambiguous prefix of a long option is accepted (optparse).
 * Unlike pip (which silently ignores them), a global option on a requirement line and --hash on
 * a line without a requirement are errors. An unknown option is an error.
 *
 * Errors: every problem is reported as "FILE:LINE: message" (manifest items:
 * "FILE:LINE:COL: message"), FILE shown relative to the current directory when below it. A file
 * is parsed to its end and every problem in it is returned, chained (err.h), EXIT_USAGE.
 *
 * Ownership: a reqfile_t owns every entry, string and array below it; reqfile_free() releases
 * it all. Entries appear in reading order (a nested file's entries where its -r/-c line was).
 * After an error the reqfile_t is still valid and holds what parsed cleanly.
 */
#ifndef VENVSYNC_PKG_REQFILE_H
#define VENVSYNC_PKG_REQFILE_H
#include <stdbool.h>
#include <stddef.h>

#include "pkg/req.h"
#include "util/buf.h"
#include "util/env.h"
#include "util/err.h"

#define REQFILE_MAX_DEPTH 32      /* nesting of -r / -c */

typedef enum rf_source { RF_SOURCE_INDEX = 0, RF_SOURCE_WHEEL, RF_SOURCE_SDIST, RF_SOURCE_DIR
} rf_source_t;

typedef struct rf_entry {
    req_t *req;           /* PEP 508 form. For a direct wheel: "name[extras] @ file:///abs/x.whl"
                           * (or the remote URL), marker kept, name from the wheel filename */
    char *text;           /* the requirement as written (after ${VAR} expansion), for messages */
    char *file;           /* absolute path of the file it came from */
    char *shown;          /* FILE as shown in messages (relative to the cwd when below it) */
    int line, col;        /* 1-based; col is 0 for requirements files */
    char **hashes;        /* "sha256:<hex>" ..., lowercase, deduplicated, NULL-terminated; never
                           * NULL (empty when the line had no --hash) */
    size_t nhashes;
    bool is_constraint;   /* read from a constraints file (-c). As in pip, a -r inside a
                           * constraints file reads requirements again */
    char *path_or_url;    /* direct wheel: absolute local path or the remote URL; else NULL */
    bool is_local;        /* path_or_url is a local path */
    char *direct_version; /* direct wheel: the version field of its filename; else NULL */
    rf_source_t source;   /* INDEX: a name to look up (req->url NULL); the others: a direct
                           * reference */
    bool editable;        /* -e / --editable: RF_SOURCE_DIR only */
} rf_entry_t;

typedef struct rf_options {
    char *index_url;          /* last -i / --index-url, or NULL */
    char **extra_index_urls;  /* in order; NULL-terminated, never NULL */
    bool no_index;
    char **find_links;        /* absolute local paths or URLs, in order, deduplicated */
    bool pre;
    bool prefer_binary;
    char **only_binary;       /* values as written (":all:", ":none:", "a,b") */
    char **no_binary;
    bool require_hashes;
    char *require_hashes_at;  /* "FILE:LINE" of the first --require-hashes, or NULL */
    char **trusted_hosts;
    char **use_features;
} rf_options_t;

typedef struct reqfile {
    rf_entry_t *entries;
    size_t n, cap;
    rf_options_t opts;
    char **files;             /* absolute path of every file read, in order, without repeats
                               * (stat these to notice edits) */
    size_t nfiles, files_cap;
} reqfile_t;

/* The outside world. `vars` gives ${VAR} values (none when NULL: every ${VAR} stays as written,
 * as pip leaves unset variables). A NULL `read` means fs_read() for included files; with a
 * `read` hook (tests, fuzzing), include cycles are detected on normalized absolute paths
 * instead of real paths. */
typedef struct reqfile_env {
    env_lookup_t vars;
    err_t *(*read)(void *ctx, const char *abs_path, buf_t *out);   /* appends the content */
    void *ctx;                                                     /* read's */
    /* The project name of a local directory (from its pyproject.toml, or its build backend):
     * *name malloc'd. NULL hook: a directory requirement without "name @" is an error saying
     * to write "name @ PATH". */
    err_t *(*project_name)(void *ctx, const char *abs_dir, char **name);
    void *project_ctx;
} reqfile_env_t;

reqfile_t *reqfile_new(void);
void reqfile_free(reqfile_t *rf);

/* Reads the requirements file at path (relative paths: against the cwd) and everything it
 * includes, appending to rf. constraint: read it as a constraints file (-c). */
err_t *reqfile_parse_file(reqfile_t *rf, const char *path, bool constraint,
                          const reqfile_env_t *env);

/* Same with the content given (for tests and fuzzing); path names it in messages and anchors
 * relative paths (nested -r/-c are read from disk). */
err_t *reqfile_parse_text(reqfile_t *rf, const char *text, size_t len, const char *path,
                          bool constraint, const reqfile_env_t *env);

/* One requirement string from the manifest (`packages:` item) written in `file` at line:col.
 * Same requirement forms and ${VAR} expansion as a requirements-file line, and per-requirement
 * options (--hash) after it; global options are errors ("put them in a requirements file").
 * Relative wheel paths are relative to dirname(file). */
err_t *reqfile_add_item(reqfile_t *rf, const char *text, const char *file, int line, int col,
                        const reqfile_env_t *env);

/* "FILE:LINE" (or "FILE:LINE:COL") of an entry, malloc'd. */
char *reqfile_origin(const rf_entry_t *e);

/* Whether s starts with a URL scheme venvsync knows ("http:", "https:", "file:", "ftp:", or a
 * VCS scheme such as "git+https:"), compared case-insensitively. */
bool reqfile_is_url(const char *s);

#endif
