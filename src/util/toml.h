/*
 * toml: the one TOML reader and writer. A strict TOML 1.0.0 parser (https://toml.io/en/v1.0.0)
 * that builds a read-only tree (DOM) for pyproject.toml and PEP 751 lock files, a builder for
 * trees made in code, and a deterministic writer (toml_write). The reader is in toml_read.c (the
 * grammar) and toml_lex.c (the tokens), the DOM and the builder in toml_dom.c, the writer in
 * toml_write.c.
 *
 * Strict means all of TOML 1.0.0 and nothing more; every violation is an error:
 *  - the document is UTF-8 (no overlong forms, no surrogates, nothing above U+10FFFF); a BOM at
 *    the very start is skipped; lines end with LF or CRLF (a lone CR is an error); control
 *    characters other than tab (U+0000-U+0008, U+000A-U+001F, U+007F) are refused in comments
 *    and strings;
 *  - keys: bare (A-Za-z0-9_-), basic or literal quoted (not multi-line), dotted with optional
 *    whitespace around the dots;
 *  - strings: basic, literal and their multi-line forms; escapes \b \t \n \f \r \" \\ \uXXXX
 *    \UXXXXXXXX (Unicode scalar values only) and, in multi-line basic strings, the line-ending
 *    backslash; any other escape is an error. In multi-line strings a CRLF is read as LF;
 *  - integers: decimal (no leading zeros), 0x / 0o / 0b (no sign), underscores only between
 *    digits; a value outside int64_t is an error;
 *  - floats: fraction and/or exponent, underscores between digits, inf / nan with optional sign;
 *    a finite literal too large for a double reads as +-inf (as strtod / Python give it);
 *  - offset date-time, local date-time, local date, local time (seconds required, 'T', 't' or a
 *    space between date and time, 'Z' / 'z' or +-HH:MM offset): checked (days of the month,
 *    leap years, hours 00-23, minutes 00-59, seconds 00-60 as RFC 3339 allows; Python's tomllib
 *    refuses 60) and kept as text, with the separator and the 'Z' upper-cased
 *    ("1979-05-27 07:32:00z" reads as "1979-05-27T07:32:00Z"); fractional seconds as written;
 *  - arrays (mixed types allowed, newlines, comments and a trailing comma inside), inline tables
 *    (one line, no trailing comma, closed for good once written);
 *  - every definition rule: a key defined twice, a [table] defined twice, a table defined by
 *    dotted keys then by a [header] or the reverse, an inline table or a static array extended
 *    (by keys, dotted keys or headers), [[x]] after x = [...], [x] after [[x]], a value used as
 *    a table. [x.y] after [[x]] extends the last element of x, as TOML says.
 *  - nesting: no value deeper than the limit (toml_limits_t.max_depth, default
 *    TOML_DEFAULT_MAX_DEPTH; every table, array and key part counts one level), so hostile input
 *    cannot exhaust the stack of recursive walkers (the writer, the free).
 *
 * Errors are EXIT_USAGE err_t "NAME:LINE:COL: <what>", NAME the caller's display name, LINE and
 * COL 1-based, COL counted in characters (code points) from the start of the line. The first
 * error stops the parse.
 *
 * Ownership: a toml_doc_t owns every value, key and string below it (one arena); toml_doc_free()
 * releases it all. Pointers returned by the accessors are valid until then. A parsed document is
 * immutable (only const pointers are handed out; the builder refuses it). The input text is not
 * referenced after toml_parse() returns. Thread-safe: no shared state; a document may be read
 * from several threads at once.
 *
 * Cost: one pass over the input; tables of more than a few keys get a hash index (seeded per
 * document), so lookups, [[x]] appends and header resolution are O(1) amortized whatever the
 * size of a table; positions are counted incrementally.
 */
#ifndef VENVSYNC_UTIL_TOML_H
#define VENVSYNC_UTIL_TOML_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/err.h"

#define TOML_DEFAULT_MAX_DEPTH 128

typedef enum toml_type {
    TOML_NONE,               /* what toml_type(NULL) answers: an absent value */
    TOML_STRING,
    TOML_INTEGER,
    TOML_FLOAT,
    TOML_BOOLEAN,
    TOML_DATETIME,           /* offset date-time: 1979-05-27T07:32:00Z */
    TOML_LOCAL_DATETIME,     /* 1979-05-27T07:32:00 */
    TOML_LOCAL_DATE,         /* 1979-05-27 */
    TOML_LOCAL_TIME,         /* 07:32:00 */
    TOML_ARRAY,
    TOML_TABLE,
} toml_type_t;

typedef struct toml_value toml_value_t;
typedef struct toml_doc toml_doc_t;

typedef struct toml_limits {
    int max_depth;           /* deepest value allowed (root's keys are at depth 1); <= 0 means
                              * TOML_DEFAULT_MAX_DEPTH; at most 65533 */
} toml_limits_t;

/* ---- reading ------------------------------------------------------------------------------ */

/* Parses text[0..len). name is what errors start with ("pyproject.toml"); NULL means "TOML".
 * On success *out is the document; on failure *out is NULL. lim may be NULL. */
err_t *toml_parse(const char *text, size_t len, const char *name, const toml_limits_t *lim,
                  toml_doc_t **out);
void toml_doc_free(toml_doc_t *d);                 /* NULL is fine */
/* The root table (never NULL for a document). */
const toml_value_t *toml_doc_root(const toml_doc_t *d);
/* The display name given to toml_parse (NULL for a built document). */
const char *toml_doc_name(const toml_doc_t *d);

/* A new EXIT_USAGE error "NAME:LINE:COL: <message>" at v's position; "NAME: <message>" when v is
 * NULL or has no position (built values); "<message>" alone without a name. */
err_t *toml_err(const toml_doc_t *d, const toml_value_t *v, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Accessors. All accept NULL and answer "absent" / false for it, so lookups chain:
 * toml_str(toml_get(toml_get(root, "project"), "name"), NULL). */
toml_type_t toml_type(const toml_value_t *v);
bool toml_is(const toml_value_t *v, toml_type_t t);
/* "string", "integer", "float", "boolean", "offset date-time", "local date-time", "local date",
 * "local time", "array", "table" ("missing" for NULL): for messages. */
const char *toml_type_name(const toml_value_t *v);
/* Where v starts in the text, 1-based (a table: its [header], its '{', or the key that first
 * made it; an array of tables: its first [[header]]); 0 for NULL and built values. */
int toml_line(const toml_value_t *v);
int toml_col(const toml_value_t *v);

/* The value of key (exact bytes) in a table, else NULL (v not a table, or no such key). */
const toml_value_t *toml_get(const toml_value_t *v, const char *key);
const toml_value_t *toml_getn(const toml_value_t *v, const char *key, size_t klen);
/* Follows a dotted path of keys through tables: toml_get_path(root, "tool.venvsync.envs").
 * Parts are split at every '.', so a key containing '.' is reached with toml_get only. */
const toml_value_t *toml_get_path(const toml_value_t *v, const char *path);

/* Entries of a table, items of an array, else 0. */
size_t toml_len(const toml_value_t *v);
/* Item i of an array, else NULL. */
const toml_value_t *toml_at(const toml_value_t *v, size_t i);
/* Entry i of a table, in insertion order (document order; for [[x]] and implicitly created
 * tables: when first named): its value, and its key (NUL-terminated, may hold NULs: *klen) in
 * *key / *klen (either may be NULL). NULL when v is not a table or i is out of range. */
const toml_value_t *toml_entry(const toml_value_t *v, size_t i, const char **key, size_t *klen);

/* Typed getters: NULL / false on a type mismatch (no conversions: an integer is not a float). */
/* A string's UTF-8 bytes, NUL-terminated; *len (may be NULL) counts them (a "\u0000" escape
 * makes an embedded NUL: use len when that matters). */
const char *toml_str(const toml_value_t *v, size_t *len);
bool toml_int(const toml_value_t *v, int64_t *out);
bool toml_float(const toml_value_t *v, double *out);
bool toml_bool(const toml_value_t *v, bool *out);
/* The text of any of the four date / time kinds (normalised as described above). */
const char *toml_datetime(const toml_value_t *v);

/* How the value is (or will be) written: a table in { } (for a parsed one: it was written so;
 * tables made by dotted keys inside it answer false); an array of tables ([[x]]); an array the
 * writer puts one item per line. */
bool toml_is_inline(const toml_value_t *v);
bool toml_is_table_array(const toml_value_t *v);
bool toml_is_multiline(const toml_value_t *v);


/* ---- building ----------------------------------------------------------------------------- */
/*
 * A built document: toml_doc_new(), then values added below toml_build_root(). Each toml_add_*
 * adds to container c: to a table under key (NUL-terminated, must not be there yet), or at the
 * end of an array (key must be NULL). Breaking these rules (a duplicate key, a key for an array,
 * no key for a table, a container that is not one, a parsed document, a non-table in an array of
 * tables) is a programming error: the process aborts with a message. Strings are copied.
 */
toml_doc_t *toml_doc_new(void);
toml_value_t *toml_build_root(toml_doc_t *d);
/* A table: written as a [section] in a table, as an element of an array of tables, and as an
 * inline table anywhere else (inside an inline table or a plain array). */
toml_value_t *toml_add_table(toml_value_t *c, const char *key);
/* A table always written inline: { a = 1, b = "x" }. */
toml_value_t *toml_add_inline(toml_value_t *c, const char *key);
toml_value_t *toml_add_array(toml_value_t *c, const char *key);
/* An array of tables, [[key]]; add its elements with toml_add_table(array, NULL). Written as an
 * array of inline tables inside an inline table, and as "key = []" while empty. */
toml_value_t *toml_add_table_array(toml_value_t *c, const char *key);
/* s must be valid UTF-8 for toml_write to succeed; strn may hold NULs. */
toml_value_t *toml_add_str(toml_value_t *c, const char *key, const char *s);
toml_value_t *toml_add_strn(toml_value_t *c, const char *key, const char *s, size_t n);
toml_value_t *toml_add_int(toml_value_t *c, const char *key, int64_t i);
toml_value_t *toml_add_float(toml_value_t *c, const char *key, double f);
toml_value_t *toml_add_bool(toml_value_t *c, const char *key, bool b);
/* Any TOML date / time text ("2025-01-25T11:30:10.164985+00:00", "1979-05-27", "07:32:00"...);
 * its kind is what the text is. NULL (nothing added) when text is not one. */
toml_value_t *toml_add_datetime(toml_value_t *c, const char *key, const char *text);
/* Asks the writer to put the array's items one per line (it does so anyway for a key = [...]
 * line longer than TOML_WRITE_WIDTH). */
void toml_set_multiline(toml_value_t *array, bool on);

/* ---- writing ------------------------------------------------------------------------------ */

#define TOML_WRITE_WIDTH 100

/*
 * Appends the document as TOML to out, deterministically:
 *  - in each table, first its plain key = value lines, then its sub-tables and arrays of tables,
 *    each group in insertion order; "[a.b]" headers carry the full path; a table whose entries
 *    are all sub-tables gets no header of its own; one blank line before every header;
 *  - keys bare when they can be (A-Za-z0-9_-), else quoted basic strings; strings are basic
 *    strings with \" \\ \b \t \n \f \r and \u00XX for the other control characters, anything
 *    else (UTF-8) as is; floats in the shortest form that reads back to the same double (always
 *    with '.' or an exponent), inf / -inf / nan; date / times as their text;
 *  - inline tables as { a = 1, b = "x" } ({} when empty), arrays as [1, 2] on one line, or, for a
 *    multi-line array (toml_set_multiline, or a key = [...] line longer than TOML_WRITE_WIDTH),
 *    "[\n", each item indented by two spaces and followed by ",\n", then "]". Items nested in
 *    an item are always written on one line.
 * The output parses back (here and with Python's tomllib) to the same data. Fails (EXIT_USAGE,
 * out unchanged) when a key or string is not valid UTF-8. The recursion is as deep as the tree.
 */
err_t *toml_write(const toml_doc_t *d, buf_t *out);
/* Appends a key as the writer writes it: bare when possible, else a quoted basic string. */
void toml_write_key(buf_t *out, const char *key, size_t klen);
/* Appends s[0..n) as a TOML basic string (quotes included), escaped as toml_write does. */
void toml_write_string(buf_t *out, const char *s, size_t n);

#endif
