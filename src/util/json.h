/*
 * json: the one JSON writer. Produces compact, valid JSON into a buf_t; commas and string
 * escaping are handled here so no caller ever formats JSON by hand.
 *
 * Usage: json_t j; json_init(&j, &buf); json_obj(&j); json_key(&j, "a"); json_str(&j, "x");
 * json_end(&j); ... Nesting depth is limited to JSON_MAX_DEPTH (asserted).
 */
#ifndef VENVSYNC_UTIL_JSON_H
#define VENVSYNC_UTIL_JSON_H
#include <stdbool.h>
#include "util/buf.h"

#define JSON_MAX_DEPTH 32

typedef struct json {
    buf_t *out;
    int depth;
    bool first[JSON_MAX_DEPTH];   /* no element written yet at this depth */
    char closer[JSON_MAX_DEPTH];  /* '}' or ']' for each open level */
    bool after_key;
} json_t;

void json_init(json_t *j, buf_t *out);
void json_obj(json_t *j);               /* { */
void json_arr(json_t *j);               /* [ */
void json_end(json_t *j);               /* } or ] */
void json_key(json_t *j, const char *k);
void json_str(json_t *j, const char *s);        /* NULL writes null */
void json_int(json_t *j, long long v);
void json_bool(json_t *j, bool v);
void json_null(json_t *j);
/* key + value shorthands */
void json_kstr(json_t *j, const char *k, const char *s);
void json_kint(json_t *j, const char *k, long long v);
void json_kbool(json_t *j, const char *k, bool v);
/* Appends s as a quoted JSON string to b. */
void json_quote(buf_t *b, const char *s);

#endif
