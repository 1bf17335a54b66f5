/*
 * jsonread: the one JSON *reader* (util/json.h is the writer). A strict RFC 8259 parser that
 * builds a read-only tree (DOM) in one arena, for index pages (PEP 691) and other untrusted
 * input.
 *
 * Strict means exactly RFC 8259 and nothing more:
 *  - one value of any type, surrounded only by JSON whitespace (space, \t, \n, \r); a UTF-8 BOM
 *    is refused (RFC 8259 §8.1: MUST NOT add one; parsers MAY ignore it: we refuse, like
 *    Python's json.loads on bytes);
 *  - no comments, no trailing commas, no single quotes, no NaN / Infinity, no leading '+' or
 *    zeros, no hex numbers;
 *  - strings: every byte >= 0x80 must form valid UTF-8 (no overlong forms, no encoded
 *    surrogates, nothing above U+10FFFF); control characters (< 0x20) must be escaped; the
 *    escapes are \" \\ \/ \b \f \n \r \t \uXXXX, and a \u surrogate must be a high one followed
 *    by a low one (a lone surrogate is an error);
 *  - nesting deeper than the limit (jr_limits_t.max_depth, default JR_DEFAULT_MAX_DEPTH) is an
 *    error, so hostile input cannot exhaust the stack.
 * Duplicate object keys are kept (RFC 8259 leaves them undefined); jr_get() returns the LAST one,
 * as Python's json module does (pip reads PEP 691 pages with it).
 *
 * Errors are EXIT_USAGE err_t with "JSON: line L, column C: <what>" (1-based, columns in bytes).
 *
 * Ownership: a jr_doc_t owns every node and string below it (one arena); jr_doc_free() releases
 * it all. Pointers returned by the accessors are valid until then. Nodes are immutable. The
 * input text is not referenced after jr_parse() returns. Thread-safe: no shared state.
 *
 * Cost: one pass over the input; strings without escapes are copied with memcpy; containers are
 * collected on a scratch stack and copied once into the arena, so each node is written twice at
 * most. Object lookup is linear (index pages have small objects).
 */
#ifndef VENVSYNC_UTIL_JSONREAD_H
#define VENVSYNC_UTIL_JSONREAD_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

#define JR_DEFAULT_MAX_DEPTH 256

typedef enum jr_type {
    JR_NULL,
    JR_BOOL,
    JR_NUMBER,
    JR_STRING,
    JR_ARRAY,
    JR_OBJECT,
} jr_type_t;

typedef struct jr_member jr_member_t;

typedef struct jr_value {
    jr_type_t type;
    size_t len;                /* STRING: decoded bytes (a \u0000 makes an embedded NUL);
                                * NUMBER: length of its text; ARRAY / OBJECT: element count;
                                * 0 otherwise */
    union {
        bool b;                /* BOOL */
        const char *s;         /* STRING: decoded UTF-8, NUL-terminated; NUMBER: the literal
                                * as written ("-1.5e3"), NUL-terminated */
        struct jr_value *items;/* ARRAY: len values */
        jr_member_t *members;  /* OBJECT: len members, in document order */
    } u;
} jr_value_t;

struct jr_member {
    const char *key;           /* decoded, NUL-terminated */
    size_t klen;
    jr_value_t value;
};

typedef struct jr_doc jr_doc_t;

typedef struct jr_limits {
    int max_depth;             /* arrays + objects open at once; <= 0 means the default */
} jr_limits_t;

/* Parses text[0..len). On success *out is the document; on failure *out is NULL and the error
 * names the position. lim may be NULL. */
err_t *jr_parse(const char *text, size_t len, const jr_limits_t *lim, jr_doc_t **out);
void jr_doc_free(jr_doc_t *d);            /* NULL is fine */
const jr_value_t *jr_doc_root(const jr_doc_t *d);

/* Accessors. All accept NULL and answer "absent" for it, so lookups chain:
 * jr_str(jr_get(jr_get(root, "meta"), "api-version")). */
/* The value of the last member named key (exact bytes; a key with an embedded NUL never matches)
 * of an object, or NULL when v is not an object or has no such member. */
const jr_value_t *jr_get(const jr_value_t *v, const char *key);
/* Element i of an array, or NULL. */
const jr_value_t *jr_at(const jr_value_t *v, size_t i);
/* The string of a STRING value, else NULL. */
const char *jr_str(const jr_value_t *v);
bool jr_is(const jr_value_t *v, jr_type_t t);
/* A NUMBER written as an integer (no fraction, no exponent) that fits in int64_t. */
bool jr_int64(const jr_value_t *v, int64_t *out);
/* Any NUMBER as a double (strtod in the C locale's number format: venvsync never calls
 * setlocale). Out-of-range values become +-HUGE_VAL / 0 as strtod gives them. */
bool jr_double(const jr_value_t *v, double *out);
/* "null", "boolean", "number", "string", "array", "object" ("missing" for NULL): messages. */
const char *jr_type_name(const jr_value_t *v);

#endif
