/*
 * reqfile: pip requirements files (and the manifest's `packages:` strings) turned into a flat
 * list of entries plus the global options they set. Nearly lexical: it reads the files it is
 * asked to read (and the ones they include with -r / -c) and looks at (stats) the local paths
 * that must be project directories, nothing else; it evaluates no marker, checks no pin (want.h
 * does that) and builds nothing (a directory's name, when not written, comes from a hook).
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
 * Requirements are one of (pip's forms; see rf_source_t for what each becomes):
 *  - PEP 508 (`requests[socks]==2.32.3; python_version < "3.13"`), parsed by req.h: a name
 *    to look up (RF_SOURCE_INDEX);
 *  - a path: anything containing '/' or starting with '.', or ending in ".whl", ".tar.gz",
 *    ".zip" (or another archive extension, refused below), before its "[extras]"
 *    (`./dist/x-1.0-py3-none-any.whl`, `dist/x.whl[extra]; marker`, `.`, `./proj[dev]`,
 *    `foo-1.0.tar.gz`). Relative paths are relative to the directory of the file that names
 *    them (pip uses the current directory; venvsync has no meaningful one). Its marker follows
 *    the first ';';
 *  - a URL (`file:///abs/x-1.0-py3-none-any.whl`, `https://host/foo-1.0.tar.gz`,
 *    `file:///abs/proj`); a marker then needs "; " as in pip. "[extras]" may follow a path or a
 *    file: URL, not a remote URL;
 *  - `name @ URL` (PEP 508; the URL may also be a plain path, relative as above);
 *  - `-e PATH` / `--editable PATH` (also "-ePATH", "--editable=PATH", an unambiguous prefix
 *    "--edit"), first on its line: an editable local project directory. PATH is everything after
 *    the option up to the next whitespace-separated token starting with '-' (pip's rule for a
 *    requirement), written as a path (a bare `proj` too: any -e value is a path), a file: URL or
 *    `name @ PATH`, with "[extras]" and "; marker" as for a path (`-e .[dev] ; python_version >=
 *    "3.10"`). A value starting with a quote is unquoted like the options and must be one word
 *    (`-e "./my proj"`). pip takes no marker and no "name @" after -e; venvsync does.
 *
 * A direct reference (every form but PEP 508 without "@") is classified by its file name:
 *  - ".whl": a wheel (RF_SOURCE_WHEEL). Its file name must parse (wheelname.h); name and version
 *    come from it;
 *  - ".tar.gz" or ".zip" (case-insensitively): an sdist (RF_SOURCE_SDIST). Name and version
 *    come from the file name, split at its last '-' (packaging's parse_sdist_filename): the
 *    version must be PEP 440, the name a valid project name (`foo_bar-1.0.tar.gz` is foo_bar
 *    1.0, `foo-bar-1.0.zip` is foo-bar 1.0). Other archives (.tgz, .tar.bz2, .tar.xz, .tar ...)
 *    are errors;
 *  - anything else: a local project directory (RF_SOURCE_DIR). It must exist and hold
 *    pyproject.toml or setup.py (pip's is_installable_dir); a remote URL is never a directory.
 *    Its name is the one given with "name @" (trusted here; the build stage checks it against
 *    the project's metadata), else the project_name hook's (reqfile_env_t), called exactly once
 *    for each such requirement that passed every other check, after them. Without the hook a
 *    directory without "name @" is an error saying to write "NAME @ PATH".
 *  For a wheel or an sdist given as `name @ URL`, the two names must agree (PEP 503
 *  normalization); the written name is kept. A URL's "#sha256=HEX" fragment (sha384/sha512
 *  too) counts as a --hash, as pip trusts it for user-given direct URLs. --hash is allowed on
 *  wheels and sdists, and an error on a directory (it has no hash; pip refuses it too).
 *  Errors: VCS URLs (git+https://...: "clone the repository and name its directory"), other
 *  URL schemes, -e of anything but a local directory (a wheel, an sdist, a remote URL), a path
 *  that does not exist (unless it names a wheel or an sdist: those are read later, by the
 *  installer or the build stage), a path that exists but is neither a wheel, an sdist nor a
 *  directory, a directory that is not a Python project. A constraints file (-c) takes none of
 *  these forms (constraints only limit versions), not even -e.
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
 * a line without a requirement are errors, and so is -e anywhere but first on its line. An
 * unknown option is an error.
 *
 * Errors: every problem is reported as "FILE:LINE: message" (manifest items:
 * "FILE:LINE:COL: message"), FILE shown relative to the current directory when below it. A file
 * is parsed to its end and every problem in it is returned, chained (err.h), EXIT_USAGE; an
 * error from the project_name hook is returned with "FILE:LINE: " before each of its messages,
 * keeping its exit code and hint.
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

/* What a requirement names. */
typedef enum rf_source {
    RF_SOURCE_INDEX = 0,  /* a name to look up in the indexes (req->url NULL) */
    RF_SOURCE_WHEEL,      /* a wheel file, local or remote */
    RF_SOURCE_SDIST,      /* an sdist (.tar.gz, .zip), local or remote: needs a build */
    RF_SOURCE_DIR,        /* a local project directory: needs a build (editable or not) */
} rf_source_t;

typedef struct rf_entry {
    req_t *req;           /* PEP 508 form, never NULL. For a direct reference:
                           * "name[extras] @ URL ; marker" with URL file:///abs/path for a local
                           * one (wheel, sdist or directory) and the remote URL (without its
                           * fragment) otherwise; name as written after "name @", else from the
                           * wheel or sdist file name, else the project_name hook's */
    char *text;           /* the requirement as written (after ${VAR} expansion), for messages;
                           * "-e VALUE" for an editable one */
    char *file;           /* absolute path of the file it came from */
    char *shown;          /* FILE as shown in messages (relative to the cwd when below it) */
    int line, col;        /* 1-based; col is 0 for requirements files */
    char **hashes;        /* "sha256:<hex>" ..., lowercase, deduplicated, NULL-terminated; never
                           * NULL (empty when the line had no --hash; always empty for
                           * RF_SOURCE_DIR) */
    size_t nhashes;
    bool is_constraint;   /* read from a constraints file (-c). As in pip, a -r inside a
                           * constraints file reads requirements again. Always RF_SOURCE_INDEX */
    rf_source_t source;   /* INDEX: a name to look up (req->url NULL); the others: a direct
                           * reference */
    bool editable;        /* -e / --editable: RF_SOURCE_DIR only */
    char *path_or_url;    /* direct references: the absolute local path (wheel, sdist or
                           * directory; normalized, no trailing '/') or the remote URL (wheel,
                           * sdist; without its fragment); NULL for RF_SOURCE_INDEX */
    bool is_local;        /* path_or_url is a local path (always for RF_SOURCE_DIR) */
    char *direct_version; /* wheel and sdist: the version in the file name, as written;
                           * directory and INDEX: NULL */
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
    char *item_file, *item_shown; /* reqfile_add_item's last file and how it is shown (one
                                   * working-directory lookup for a manifest's many items) */
} reqfile_t;

/* The outside world. `vars` gives ${VAR} values (none when NULL: every ${VAR} stays as written,
 * as pip leaves unset variables). A NULL `read` means fs_read() for included files; with a
 * `read` hook (tests, fuzzing), include cycles are detected on normalized absolute paths
 * instead of real paths. A NULL env (to the functions below) means all of these NULL. */
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
 * Same requirement forms and ${VAR} expansion as a requirements-file line, -e included, and
 * per-requirement options (--hash) after it; global options are errors ("put them in a
 * requirements file"). Relative paths are relative to dirname(file).
 * `-e PATH` is accepted here too, as pip would: the manifest's `project:` key is for the
 * environment's own project (with its dependency groups), while an item `-e ../lib` installs
 * any other local project editable (a sibling in a monorepo), exactly as the same line in a
 * requirements file would; refusing it would only send users to a requirements file. */
err_t *reqfile_add_item(reqfile_t *rf, const char *text, const char *file, int line, int col,
                        const reqfile_env_t *env);

/* "FILE:LINE" (or "FILE:LINE:COL") of an entry, malloc'd. */
char *reqfile_origin(const rf_entry_t *e);

/* Whether s starts with a URL scheme venvsync knows ("http:", "https:", "file:", "ftp:", or a
 * VCS scheme such as "git+https:"), compared case-insensitively. */
bool reqfile_is_url(const char *s);

#endif
