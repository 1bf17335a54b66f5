#include "util/json.h"

#include <assert.h>
#include <stdio.h>

static void before_value(json_t *j)
{
    if (j->after_key) {
        j->after_key = false;
        return;
    }
    if (j->depth > 0) {
        if (!j->first[j->depth])
            buf_addc(j->out, ',');
        j->first[j->depth] = false;
    }
}

void json_init(json_t *j, buf_t *out)
{
    j->out = out;
    j->depth = 0;
    j->after_key = false;
    j->first[0] = true;
}

static void open_(json_t *j, char c)
{
    before_value(j);
    buf_addc(j->out, c);
    assert(j->depth + 1 < JSON_MAX_DEPTH);
    j->depth++;
    j->first[j->depth] = true;
    j->closer[j->depth] = c == '{' ? '}' : ']';
}

void json_obj(json_t *j) { open_(j, '{'); }
void json_arr(json_t *j) { open_(j, '['); }

void json_end(json_t *j)
{
    assert(j->depth > 0);
    buf_addc(j->out, j->closer[j->depth]);
    j->depth--;
}

void json_quote(buf_t *b, const char *s)
{
    buf_addc(b, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': buf_adds(b, "\\\""); break;
        case '\\': buf_adds(b, "\\\\"); break;
        case '\n': buf_adds(b, "\\n"); break;
        case '\r': buf_adds(b, "\\r"); break;
        case '\t': buf_adds(b, "\\t"); break;
        case '\b': buf_adds(b, "\\b"); break;
        case '\f': buf_adds(b, "\\f"); break;
        default:
            if (*p < 0x20)
                buf_printf(b, "\\u%04x", *p);
            else
                buf_addc(b, (char)*p);
        }
    }
    buf_addc(b, '"');
}

void json_key(json_t *j, const char *k)
{
    before_value(j);
    json_quote(j->out, k);
    buf_addc(j->out, ':');
    j->after_key = true;
}

void json_str(json_t *j, const char *s)
{
    before_value(j);
    if (s)
        json_quote(j->out, s);
    else
        buf_adds(j->out, "null");
}

void json_int(json_t *j, long long v)
{
    before_value(j);
    buf_printf(j->out, "%lld", v);
}

void json_bool(json_t *j, bool v)
{
    before_value(j);
    buf_adds(j->out, v ? "true" : "false");
}

void json_null(json_t *j)
{
    before_value(j);
    buf_adds(j->out, "null");
}

void json_kstr(json_t *j, const char *k, const char *s) { json_key(j, k); json_str(j, s); }
void json_kint(json_t *j, const char *k, long long v) { json_key(j, k); json_int(j, v); }
void json_kbool(json_t *j, const char *k, bool v) { json_key(j, k); json_bool(j, v); }
