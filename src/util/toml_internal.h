/*
 * toml_internal: what the three files of the TOML reader share. Private: only src/util/toml_dom.c,
 * toml_lex.c and toml_read.c include it (toml_write.c uses toml.h only); everyone else uses
 * toml.h, whose contract (strict TOML 1.0, the DOM, the builder) this header does not restate.
 *
 *   toml_dom.c   the DOM: the document's arena, values, tables (with a hash index when large)
 *                and arrays; the accessors; the builder
 *   toml_lex.c   the tokens: UTF-8, positions and error messages, whitespace, newlines and
 *                comments, strings, numbers, dates and times, keys
 *   toml_read.c  the grammar: key/value pairs, arrays, inline tables, values, [headers] and
 *                [[headers]], the document (toml_parse)
 *
 * Ownership: a toml_doc_t owns every value, string and key of its document in its arena (freed
 * at once by toml_doc_free); a parser_t owns its key parts and string scratch, and its err until
 * the caller takes it.
 */
#ifndef VENVSYNC_UTIL_TOML_INTERNAL_H
#define VENVSYNC_UTIL_TOML_INTERNAL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/err.h"
#include "util/toml.h"

/* ---- the DOM (toml_dom.c) ------------------------------------------------------------------- */

/* Tables: how they came to be, which decides what may still be done to them. */
enum {
    K_IMPLICIT = 1,   /* named as the parent in a [header] only: may be defined by one later */
    K_HEADER,         /* defined by [header] or [[header]] (and the root): closed to dotted keys */
    K_DOTTED,         /* defined by dotted keys: closed to [headers] (sub-tables are fine) */
    K_INLINE,         /* { ... }, and tables built inline: closed for good */
    K_STATIC,         /* arrays: [ ... ], closed for good */
    K_AOT,            /* arrays: [[x]]; [[x]] appends, [x.y] extends the last element */
};

typedef struct entry {
    const char *key;          /* NUL-terminated copy in the arena */
    size_t klen;
    uint64_t hash;
    toml_value_t *val;
} entry_t;

struct toml_value {
    uint8_t type;             /* toml_type_t */
    uint8_t kind;             /* K_* for tables and arrays */
    uint8_t multiline;        /* arrays: writer hint */
    uint16_t depth;           /* root 0, its keys 1, ... */
    uint32_t line, col;       /* 0 for built values */
    size_t len;               /* STRING / date-times: bytes; ARRAY: items; TABLE: entries */
    size_t cap;               /* ARRAY / TABLE: slots allocated */
    toml_doc_t *doc;          /* ARRAY / TABLE: the owner (arena, hash seed) */
    union {
        bool b;
        int64_t i;
        double f;
        char *s;              /* STRING / date-times: NUL-terminated */
        toml_value_t **items; /* ARRAY */
        struct {
            entry_t *entries;
            uint32_t *index;  /* open addressing, entry number + 1, 0 = free; NULL when small */
            size_t icap;      /* a power of two */
        } t;
    } u;
};

typedef struct block {
    struct block *next;
    size_t used, cap;
    max_align_t data[];
} block_t;

struct toml_doc {
    block_t *blocks;
    toml_value_t *root;
    char *name;
    uint64_t seed;
    bool parsed;
};

char *tml_arena_strndup(toml_doc_t *d, const char *s, size_t n);
toml_doc_t *tml_doc_new(void);
toml_value_t *tml_new_value(toml_doc_t *d, toml_type_t type, uint8_t kind, unsigned depth);
uint64_t tml_key_hash(uint64_t seed, const char *k, size_t n);
entry_t *tml_table_find(const toml_value_t *t, const char *k, size_t n, uint64_t h);
/* Adds key -> v at the end of table t (the key is known to be absent). */
void tml_table_insert(toml_value_t *t, const char *k, size_t n, uint64_t h, toml_value_t *v);
void tml_array_push(toml_value_t *a, toml_value_t *v);

/* ---- the parser's state (toml_lex.c, toml_read.c) ------------------------------------------- */

typedef struct keypart {
    const char *s;            /* into the input (bare keys) or the arena (quoted ones) */
    size_t n;
    uint64_t h;
    const unsigned char *at;
} keypart_t;

typedef struct parser {
    const unsigned char *body, *p, *end;  /* body: after a BOM */
    const char *name;
    toml_doc_t *doc;
    unsigned max_depth;
    /* position cursor: line / column of cur (columns in code points) */
    const unsigned char *cur;
    size_t cur_line, cur_col;
    keypart_t *parts;         /* the key being parsed */
    size_t np, pcap;
    buf_t sbuf;               /* string scratch */
    err_t *err;
} parser_t;


/* ---- tokens (toml_lex.c) -------------------------------------------------------------------- */

/* Line and column of at. The cursor moves forward with the parse, so positions cost one pass
 * over the text in all; only an error before the cursor recounts from the start. */
void tml_locate(parser_t *ps, const unsigned char *at, size_t *line, size_t *col);
void tml_set_pos(parser_t *ps, toml_value_t *v, const unsigned char *at);
bool tml_fail_at(parser_t *ps, const unsigned char *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* "unexpected <what is at p> (expected <expected>)" */
bool tml_fail_unexpected(parser_t *ps, const char *expected);
bool tml_is_digit(unsigned char c);
bool tml_is_bare(unsigned char c);
void tml_skip_ws(parser_t *ps);
/* 1 for LF, 2 for CRLF at q, else 0. */
int tml_newline_at(const parser_t *ps, const unsigned char *q);
/* Whitespace, newlines and comments (between array items). */
bool tml_skip_ws_nl(parser_t *ps);
/* After an expression: whitespace, an optional comment, then a newline or the end. */
bool tml_end_of_line(parser_t *ps);
/* ps->p at the opening quote of a string; ml_ok: multi-line forms allowed (values, not keys).
 * Decodes into the arena. */
bool tml_parse_string(parser_t *ps, bool ml_ok, char **out, size_t *outlen);
/* After a number, date or boolean: what may not follow directly. */
bool tml_bad_follower(const parser_t *ps, const unsigned char *q);
bool tml_parse_number(parser_t *ps, toml_value_t *v);
/* True at "DDDD-" (a date) or "DD:" (a time). */
bool tml_looks_like_datetime(const parser_t *ps, const unsigned char *q);
bool tml_parse_datetime(parser_t *ps, toml_value_t *v);
/* Fails with fmt, whose %s is the dotted key parts[0..upto). */
bool tml_fail_key(parser_t *ps, size_t upto, const char *fmt);
/* A key (one or more dotted parts) at ps->p into ps->parts. */
bool tml_parse_key(parser_t *ps);

#endif
