/*
 * toml_read: the strict TOML 1.0 reader's grammar (see toml.h): key/value pairs, arrays, inline
 * tables, values, [headers] and [[headers]], and the document (toml_parse). The tokens are read
 * by toml_lex.c, the tree is built in toml_dom.c (toml_internal.h says what they share).
 */
#include "util/toml.h"

#include <stdlib.h>
#include <string.h>

#include "util/toml_internal.h"
#include "util/xalloc.h"

/* ---- keys, values, tables ------------------------------------------------------------------- */

static bool parse_value(parser_t *ps, const toml_value_t *parent, toml_value_t **out);

static bool check_depth(parser_t *ps, const unsigned char *at, unsigned depth)
{
    if (depth > ps->max_depth)
        return tml_fail_at(ps, at, "nesting too deep (more than %u levels)", ps->max_depth);
    return true;
}

/* key = value into table t (a section, or an inline table being read). */
static bool parse_keyval(parser_t *ps, toml_value_t *t)
{
    if (!tml_parse_key(ps))
        return false;
    if (ps->p >= ps->end || *ps->p != '=')
        return tml_fail_unexpected(ps, "'=' after the key");
    ps->p++;
    tml_skip_ws(ps);
    for (size_t i = 0; i + 1 < ps->np; i++) {
        keypart_t *k = &ps->parts[i];
        entry_t *en = tml_table_find(t, k->s, k->n, k->h);
        if (!en) {
            if (!check_depth(ps, k->at, t->depth + 1u))
                return false;
            toml_value_t *nt = tml_new_value(ps->doc, TOML_TABLE, K_DOTTED, t->depth + 1u);
            tml_set_pos(ps, nt, k->at);
            tml_table_insert(t, k->s, k->n, k->h, nt);
            t = nt;
            continue;
        }
        toml_value_t *x = en->val;
        if (x->type == TOML_ARRAY && x->kind == K_AOT)
            return tml_fail_key(ps, i + 1,
                                "'%s' is an array of tables: dotted keys cannot extend it");
        if (x->type != TOML_TABLE)
            return tml_fail_key(ps, i + 1, "'%s' is already a value, not a table");
        if (x->kind == K_INLINE)
            return tml_fail_key(ps, i + 1, "'%s' is an inline table: it cannot be extended");
        if (x->kind == K_HEADER)
            return tml_fail_key(ps, i + 1, "table '%s' is defined by a [header]: dotted keys "
                                           "cannot extend it");
        if (x->kind == K_IMPLICIT)
            x->kind = K_DOTTED;
        t = x;
    }
    keypart_t last = ps->parts[ps->np - 1];
    if (tml_table_find(t, last.s, last.n, last.h))
        return tml_fail_key(ps, ps->np, "duplicate key '%s'");
    toml_value_t *v;
    if (!parse_value(ps, t, &v))
        return false;
    tml_table_insert(t, last.s, last.n, last.h, v);
    return true;
}

static bool parse_array(parser_t *ps, toml_value_t *a)
{
    ps->p++;
    for (;;) {
        if (!tml_skip_ws_nl(ps))
            return false;
        if (ps->p < ps->end && *ps->p == ']') {
            ps->p++;
            return true;
        }
        toml_value_t *item;
        if (!parse_value(ps, a, &item))
            return false;
        tml_array_push(a, item);
        if (!tml_skip_ws_nl(ps))
            return false;
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            continue;
        }
        if (ps->p < ps->end && *ps->p == ']') {
            ps->p++;
            return true;
        }
        return tml_fail_unexpected(ps, "',' or ']'");
    }
}

static bool parse_inline_table(parser_t *ps, toml_value_t *t)
{
    ps->p++;
    tml_skip_ws(ps);
    if (ps->p < ps->end && *ps->p == '}') {
        ps->p++;
        return true;
    }
    for (;;) {
        if (!parse_keyval(ps, t))
            return false;
        tml_skip_ws(ps);
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            tml_skip_ws(ps);
            if (ps->p < ps->end && *ps->p == '}')
                return tml_fail_at(ps, ps->p, "trailing comma in an inline table");
            if (tml_newline_at(ps, ps->p))
                return tml_fail_at(ps, ps->p, "newline in an inline table");
            continue;
        }
        if (ps->p < ps->end && *ps->p == '}') {
            ps->p++;
            return true;
        }
        if (tml_newline_at(ps, ps->p))
            return tml_fail_at(ps, ps->p, "newline in an inline table");
        return tml_fail_unexpected(ps, "',' or '}'");
    }
}

static bool parse_value(parser_t *ps, const toml_value_t *parent, toml_value_t **out)
{
    const unsigned char *at = ps->p, *e = ps->end;
    unsigned depth = parent->depth + 1u;
    if (at >= e)
        return tml_fail_unexpected(ps, "a value");
    if (!check_depth(ps, at, depth))
        return false;
    toml_value_t *v = tml_new_value(ps->doc, TOML_NONE, 0, depth);
    tml_set_pos(ps, v, at);
    *out = v;
    switch (*at) {
    case '"':
    case '\'':
        v->type = TOML_STRING;
        return tml_parse_string(ps, true, &v->u.s, &v->len);
    case '[':
        v->type = TOML_ARRAY;
        v->kind = K_STATIC;
        v->doc = ps->doc;
        return parse_array(ps, v);
    case '{':
        v->type = TOML_TABLE;
        v->kind = K_INLINE;
        v->doc = ps->doc;
        return parse_inline_table(ps, v);
    case 't':
    case 'f': {
        size_t n = *at == 't' ? 4 : 5;
        if ((size_t)(e - at) >= n && memcmp(at, *at == 't' ? "true" : "false", n) == 0 &&
            !tml_bad_follower(ps, at + n)) {
            v->type = TOML_BOOLEAN;
            v->u.b = *at == 't';
            ps->p = at + n;
            return true;
        }
        break;
    }
    default:
        if (tml_is_digit(*at) && tml_looks_like_datetime(ps, at))
            return tml_parse_datetime(ps, v);
        if (tml_is_digit(*at) || *at == '+' || *at == '-' || *at == 'i' || *at == 'n')
            return tml_parse_number(ps, v);
        break;
    }
    if (tml_is_bare(*at) || *at == '+')
        return tml_fail_at(ps, at, "invalid value");
    return tml_fail_unexpected(ps, "a value");
}

/* [header] or [[header]] at ps->p; *section becomes the table that receives the key/values. */
static bool parse_header(parser_t *ps, toml_value_t **section)
{
    const unsigned char *open = ps->p;
    size_t hline, hcol;       /* located first: the cursor only moves forward */
    tml_locate(ps, open, &hline, &hcol);
    toml_value_t hpos = {.line = (uint32_t)(hline > UINT32_MAX ? UINT32_MAX : hline),
                         .col = (uint32_t)(hcol > UINT32_MAX ? UINT32_MAX : hcol)};
    bool aot = ps->end - open >= 2 && open[1] == '[';
    ps->p += aot ? 2 : 1;
    if (!tml_parse_key(ps))
        return false;
    if (ps->p >= ps->end || *ps->p != ']' || (aot && (ps->end - ps->p < 2 || ps->p[1] != ']')))
        return tml_fail_unexpected(ps, aot ? "']]'" : "']'");
    ps->p += aot ? 2 : 1;
    toml_value_t *t = ps->doc->root;
    for (size_t i = 0; i + 1 < ps->np; i++) {
        keypart_t *k = &ps->parts[i];
        entry_t *en = tml_table_find(t, k->s, k->n, k->h);
        if (!en) {
            if (!check_depth(ps, k->at, t->depth + 1u))
                return false;
            toml_value_t *nt = tml_new_value(ps->doc, TOML_TABLE, K_IMPLICIT, t->depth + 1u);
            tml_set_pos(ps, nt, k->at);
            tml_table_insert(t, k->s, k->n, k->h, nt);
            t = nt;
            continue;
        }
        toml_value_t *x = en->val;
        if (x->type == TOML_ARRAY && x->kind == K_AOT) {
            t = x->u.items[x->len - 1];
        } else if (x->type == TOML_TABLE) {
            if (x->kind == K_INLINE)
                return tml_fail_key(ps, i + 1, "'%s' is an inline table: it cannot be extended");
            t = x;
        } else if (x->type == TOML_ARRAY) {
            return tml_fail_key(ps, i + 1, "'%s' is a static array: it cannot be extended");
        } else {
            return tml_fail_key(ps, i + 1, "'%s' is already a value, not a table");
        }
    }
    keypart_t *k = &ps->parts[ps->np - 1];
    entry_t *en = tml_table_find(t, k->s, k->n, k->h);
    toml_value_t *x = en ? en->val : NULL;
    if (!aot) {
        if (!x) {
            if (!check_depth(ps, k->at, t->depth + 1u))
                return false;
            x = tml_new_value(ps->doc, TOML_TABLE, K_HEADER, t->depth + 1u);
            x->line = hpos.line;
            x->col = hpos.col;
            tml_table_insert(t, k->s, k->n, k->h, x);
        } else if (x->type == TOML_TABLE && x->kind == K_IMPLICIT) {
            x->kind = K_HEADER;
            x->line = hpos.line;
            x->col = hpos.col;
        } else if (x->type == TOML_TABLE && x->kind == K_DOTTED) {
            return tml_fail_key(ps, ps->np, "table '%s' is already defined by dotted keys");
        } else if (x->type == TOML_TABLE && x->kind == K_INLINE) {
            return tml_fail_key(ps, ps->np, "'%s' is an inline table: it cannot be extended");
        } else if (x->type == TOML_TABLE) {
            return tml_fail_key(ps, ps->np, "table '%s' is defined twice");
        } else if (x->type == TOML_ARRAY && x->kind == K_AOT) {
            return tml_fail_key(ps, ps->np, "'%s' is an array of tables, not a table");
        } else {
            return tml_fail_key(ps, ps->np, "'%s' is already a value, not a table");
        }
        *section = x;
        return true;
    }
    if (!x) {
        if (!check_depth(ps, k->at, t->depth + 2u))
            return false;
        x = tml_new_value(ps->doc, TOML_ARRAY, K_AOT, t->depth + 1u);
        x->line = hpos.line;
        x->col = hpos.col;
        tml_table_insert(t, k->s, k->n, k->h, x);
    } else if (x->type == TOML_ARRAY && x->kind == K_STATIC) {
        return tml_fail_key(ps, ps->np, "'%s' is a static array: [[...]] cannot extend it");
    } else if (x->type != TOML_ARRAY) {
        return tml_fail_key(ps, ps->np, x->type == TOML_TABLE ? "'%s' is a table, not an array of "
                                                                "tables"
                                                              : "'%s' is already a value, not an "
                                                                "array of tables");
    }
    toml_value_t *el = tml_new_value(ps->doc, TOML_TABLE, K_HEADER, x->depth + 1u);
    el->line = hpos.line;
    el->col = hpos.col;
    tml_array_push(x, el);
    *section = el;
    return true;
}

static void parse_document(parser_t *ps)
{
    toml_value_t *section = ps->doc->root;
    while (ps->p < ps->end) {
        tml_skip_ws(ps);
        if (ps->p >= ps->end)
            break;
        int n = tml_newline_at(ps, ps->p);
        if (n) {
            ps->p += n;
            continue;
        }
        bool ok = true;
        if (*ps->p == '[')
            ok = parse_header(ps, &section);
        else if (*ps->p != '#')
            ok = parse_keyval(ps, section);
        if (!ok || !tml_end_of_line(ps))
            return;
    }
}

err_t *toml_parse(const char *text, size_t len, const char *name, const toml_limits_t *lim,
                  toml_doc_t **out)
{
    *out = NULL;
    parser_t ps = {0};
    ps.body = ps.p = (const unsigned char *)(text ? text : "");
    ps.end = ps.p + (text ? len : 0);
    if (ps.end - ps.p >= 3 && memcmp(ps.p, "\xEF\xBB\xBF", 3) == 0)
        ps.body = ps.p = ps.p + 3;
    ps.cur = ps.body;
    ps.cur_line = ps.cur_col = 1;
    ps.name = name ? name : "TOML";
    int md = lim && lim->max_depth > 0 ? lim->max_depth : TOML_DEFAULT_MAX_DEPTH;
    ps.max_depth = md > UINT16_MAX - 2 ? UINT16_MAX - 2 : (unsigned)md;
    ps.doc = tml_doc_new();
    ps.doc->parsed = true;
    ps.doc->name = xstrdup(ps.name);
    ps.doc->root = tml_new_value(ps.doc, TOML_TABLE, K_HEADER, 0);
    ps.doc->root->line = ps.doc->root->col = 1;
    parse_document(&ps);
    free(ps.parts);
    buf_free(&ps.sbuf);
    if (ps.err) {
        toml_doc_free(ps.doc);
        return ps.err;
    }
    *out = ps.doc;
    return NULL;
}

