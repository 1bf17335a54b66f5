/*
 * reqfile_internal: what the four files of the requirements-file parser share. Private: only
 * src/pkg/reqfile*.c include it; everyone else uses reqfile.h, whose format rules this header
 * does not restate.
 *
 *   reqfile.c          the driver: the reqfile_t, -r/-c includes (cycles, depth), one logical
 *                      line split into its requirement and options, errors as "FILE:LINE:"
 *   reqfile_lines.c    text to logical lines: decoding (BOMs, UTF-16/32), UTF-8 validation,
 *                      line continuations, comments, ${VAR} expansion (steps 1 to 5)
 *   reqfile_options.c  the options: their table, shell-like splitting, parsing, --hash values,
 *                      and applying global options to rf_options_t
 *   reqfile_req.c      one requirement: PEP 508 or a direct reference (path, URL,
 *                      "name @ URL") to a wheel, an sdist or a project directory
 *
 * Every function here is pure but for rf_parse_requirement (which looks at a local path that is
 * not a wheel or an sdist: whether it is a directory holding pyproject.toml or setup.py) and
 * reports problems as a malloc'd message or a `why` string, never through the driver's error
 * list. The project_name hook (reqfile_env_t) is called by the driver only.
 */
#ifndef VENVSYNC_PKG_REQFILE_INTERNAL_H
#define VENVSYNC_PKG_REQFILE_INTERNAL_H
#include <stdbool.h>
#include <stddef.h>

#include "pkg/req.h"
#include "pkg/reqfile.h"
#include "util/buf.h"
#include "util/env.h"

/* Python's str.isspace() for ASCII. */
static inline bool rf_is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* An empty list that is not NULL (NULL-terminated, for strv_push): options are iterated
 * without a NULL check. (reqfile.c) */
char **rf_strv_new(void);

/* ---- lines (reqfile_lines.c) ----------------------------------------------------------------- */

/* Appends text to out as UTF-8: a UTF-8 BOM is dropped, UTF-16/32 with a BOM converted, anything
 * else copied as it is (validated line by line later). False with *why (static) when text has a
 * UTF-16/32 BOM but cannot be decoded. */
bool rf_decode(const char *text, size_t len, buf_t *out, const char **why);
/* Whether s[0..n) is valid UTF-8 without NUL. */
bool rf_utf8_valid(const char *s, size_t n);

/* Called for each logical line: joined, its comment cut, trimmed and not empty, `line` the
 * number of its first physical line. text is the callee's to modify (it is freed after the
 * call). text is NULL for a physical line that is not valid UTF-8: `line` names it, and a join
 * in progress is dropped. */
typedef void (*rf_line_fn)(void *ud, int line, char *text);
/* Splits decoded text (s[0..n)) into logical lines, in order. */
void rf_each_line(const char *s, size_t n, rf_line_fn fn, void *ud);

/* s with each ${NAME} (NAME of [A-Z0-9_]) replaced by its value in vars (may be NULL); an unset
 * or empty variable stays as written. malloc'd. */
char *rf_expand_vars(const env_lookup_t *vars, const char *s);

/* ---- options (reqfile_options.c) ----------------------------------------------------------- */

enum opt_id {
    O_REQUIREMENT, O_CONSTRAINT, O_INDEX_URL, O_EXTRA_INDEX_URL, O_NO_INDEX, O_FIND_LINKS,
    O_PRE, O_ONLY_BINARY, O_NO_BINARY, O_PREFER_BINARY, O_REQUIRE_HASHES, O_TRUSTED_HOST,
    O_USE_FEATURE, O_EDITABLE, O_HASH, O_GLOBAL_OPTION, O_CONFIG_SETTINGS,
};

typedef struct opt_def {
    enum opt_id id;
    char short_name;       /* 0 = none */
    const char *long_name;
    bool takes_arg;
    bool per_req;          /* allowed (only) on a requirement line */
} opt_def_t;

typedef struct opt_val {
    const opt_def_t *def;  /* an entry of the option table (static) */
    char *value;           /* NULL for flags; owned */
} opt_val_t;

/* shlex.split(s) in POSIX mode into *out (*n malloc'd strings in a malloc'd array; NULL when
 * none). Returns false with *why (static) on an unterminated quote or a trailing backslash. */
bool rf_shell_split(const char *s, char ***out, size_t *n, const char **why);
/* The option a token names: a long option ("--opt", "--opt=V"), the one long option it is an
 * unambiguous prefix of, or a short one ("-o", "-oV"); *value points into tok at an inline
 * value, else NULL. NULL when tok names no option (or an ambiguous prefix). */
const opt_def_t *rf_find_option(const char *tok, const char **value);
/* Parses option tokens into *out (*nout values, free with rf_free_opt_vals). Returns NULL, or
 * the message (malloc'd) for the first bad token, with nothing in *out. */
char *rf_parse_options(char **tok, size_t ntok, opt_val_t **out, size_t *nout);
void rf_free_opt_vals(opt_val_t *v, size_t n);
/* Whether id reads another file (-r, -c). */
bool rf_is_include(enum opt_id id);
/* Applies a global option that is not an include to opts; dir anchors relative -f paths, and
 * "shown:line" records where --require-hashes was first given. */
void rf_apply_option(rf_options_t *opts, const char *dir, const char *shown, int line,
                     const opt_val_t *o);

/* Hex digits of the digest algo[0..n) names (sha256, sha384, sha512), 0 for any other. */
size_t rf_hash_hex_len(const char *algo, size_t n);
/* Validates a --hash value "algo:hex"; returns it normalized (lowercase hex, malloc'd), or NULL
 * with *why (malloc'd). */
char *rf_parse_hash(const char *v, char **why);

/* ---- requirements (reqfile_req.c) ---------------------------------------------------------- */

typedef struct parsed_req {
    req_t *req;            /* NULL only for a directory whose name is not known yet
                            * (rf_name_directory) */
    rf_source_t source;
    bool editable;
    char *location;        /* the path or URL as written (after "name @"), for messages; NULL
                            * for RF_SOURCE_INDEX */
    char *path_or_url;     /* as rf_entry_t's */
    bool is_local;
    char *direct_version;
    char **frag_hashes;    /* hashes from a URL fragment (#sha256=...), NULL-terminated, or NULL */
    char *extras;          /* pending until rf_name_directory: "[a,b]" as written, or NULL */
    char *marker;          /* pending until rf_name_directory: the marker's text, or NULL */
} parsed_req_t;

void rf_parsed_req_clear(parsed_req_t *p);
/* Parses one requirement (trimmed, non-empty) into *out; relative paths are relative to
 * base_dir. editable: the value of -e (a local project directory, written as a path, a file:
 * URL or "name @ PATH"). Returns NULL, or the message (malloc'd). A directory written without
 * "name @" comes back with out->req NULL. */
char *rf_parse_requirement(const char *s, const char *base_dir, bool editable, parsed_req_t *out);
/* Names the directory p (out->req NULL): builds p->req with name, the pending extras and
 * marker. Returns NULL, or the message (malloc'd): name is not a valid project name. */
char *rf_name_directory(parsed_req_t *p, const char *name);

#endif
