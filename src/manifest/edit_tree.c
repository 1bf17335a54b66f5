/*
 * edit_tree: the manifest editor's view of the text (see edit_internal.h): the line table and
 * positions in it, error messages with a position, loading the text with libyaml into nodes
 * that keep their byte ranges, and lookups in that tree (pairs, merge keys, aliases and anchors
 * an edit must not break, the root mapping and the environments).
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "manifest/edit_internal.h"
#include "util/buf.h"
#include "util/xalloc.h"

/* ------------------------------------------------------------------------------------------ */
/* lines and positions */

size_t mfe_line_of(const mfedit_t *ed, size_t off)
{
    size_t lo = 0, hi = ed->nlines;      /* largest L with ls[L] <= off */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (ed->ls[mid] <= off)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* Start of the line after L (the text's length after the last line). */
size_t mfe_line_next(const mfedit_t *ed, size_t L)
{
    return L + 1 < ed->nlines ? ed->ls[L + 1] : ed->len;
}

/* End of line L's content, before its line break. */
size_t mfe_line_cend(const mfedit_t *ed, size_t L)
{
    size_t e = mfe_line_next(ed, L);
    if (e > ed->ls[L] && ed->text[e - 1] == '\n')
        e--;
    if (e > ed->ls[L] && ed->text[e - 1] == '\r')
        e--;
    return e;
}

bool mfe_ends_with_newline(const mfedit_t *ed)
{
    return ed->len > 0 && ed->text[ed->len - 1] == '\n';
}

/* What line L holds; *col is the column of its first non-blank character. */
int mfe_line_kind(const mfedit_t *ed, size_t L, size_t *col)
{
    size_t p = ed->ls[L], e = mfe_line_cend(ed, L);
    while (p < e && (ed->text[p] == ' ' || ed->text[p] == '\t'))
        p++;
    if (col)
        *col = p - ed->ls[L];
    if (p == e)
        return L_BLANK;
    return ed->text[p] == '#' ? L_COMMENT : L_CONTENT;
}

static size_t utf8_len(unsigned char c)
{
    return c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
}

/* 1-based line and column (in characters) of offset off. */
static void pos_of(const mfedit_t *ed, size_t off, size_t *line, size_t *col)
{
    size_t L = mfe_line_of(ed, off);
    size_t c = 1;
    for (size_t p = ed->ls[L]; p < off && p < ed->len; p += utf8_len((unsigned char)ed->text[p]))
        c++;
    *line = L + 1;
    *col = c;
}

static size_t mark_off(const mfedit_t *ed, yaml_mark_t m)
{
    if (m.line >= ed->nlines)
        return ed->len;
    size_t p = ed->ls[m.line], e = mfe_line_cend(ed, m.line);
    for (size_t c = 0; c < m.column && p < e; c++)
        p += utf8_len((unsigned char)ed->text[p]);
    return p < ed->len ? p : ed->len;
}

/* Line (0-based) of node n's last byte. */
size_t mfe_last_line(const mfedit_t *ed, size_t n)
{
    const node_t *x = &ed->nodes[n];
    return mfe_line_of(ed, x->end > x->start ? x->end - 1 : x->start);
}

/* Column (0-based, characters) of offset off in its line. */
size_t mfe_col_of(const mfedit_t *ed, size_t off)
{
    size_t line, col;
    pos_of(ed, off, &line, &col);
    return col - 1;
}

/* Whether only blanks precede offset off on its line. */
bool mfe_starts_line(const mfedit_t *ed, size_t off)
{
    for (size_t p = ed->ls[mfe_line_of(ed, off)]; p < off; p++)
        if (ed->text[p] != ' ' && ed->text[p] != '\t')
            return false;
    return true;
}

/* ------------------------------------------------------------------------------------------ */
/* errors */

err_t *mfe_err_at(const mfedit_t *ed, size_t off, const char *fmt, ...)
{
    buf_t b = BUF_INIT;
    if (off == NONE) {
        buf_printf(&b, "%s: ", ed->name);
    } else {
        size_t line, col;
        pos_of(ed, off, &line, &col);
        buf_printf(&b, "%s:%zu:%zu: ", ed->name, line, col);
    }
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    err_t *e = err_new(EXIT_USAGE, "%s", buf_cstr(&b));
    buf_free(&b);
    return e;
}


/* ------------------------------------------------------------------------------------------ */
/* loading */

void mfe_nodes_free(mfedit_t *ed)
{
    for (size_t i = 0; i < ed->nnodes; i++) {
        free(ed->nodes[i].anchor);
        free(ed->nodes[i].value);
        free(ed->nodes[i].kids);
    }
    free(ed->nodes);
    ed->nodes = NULL;
    ed->nnodes = ed->capnodes = 0;
}

/* Past the anchor/tag tokens at p (none: p itself). */
static size_t skip_props(const mfedit_t *ed, size_t p)
{
    const char *t = ed->text;
    while (p < ed->len && (t[p] == '&' || t[p] == '!')) {
        size_t q = p;
        while (q < ed->len && !strchr(" \t\r\n", t[q]))
            q++;
        size_t r = q;
        while (r < ed->len && (t[r] == ' ' || t[r] == '\t'))
            r++;
        if (r < ed->len && (t[r] == '&' || t[r] == '!'))
            p = r;
        else
            return q;
    }
    return p;
}

/* Past blanks, line breaks and comments from p. */
static size_t skip_space(const mfedit_t *ed, size_t p)
{
    const char *t = ed->text;
    while (p < ed->len) {
        if (strchr(" \t\r\n", t[p]))
            p++;
        else if (t[p] == '#')
            while (p < ed->len && t[p] != '\n')
                p++;
        else
            break;
    }
    return p;
}

/* Back from end over blanks, not below start. */
static size_t trim_back(const mfedit_t *ed, size_t start, size_t end)
{
    while (end > start && strchr(" \t\r\n", ed->text[end - 1]))
        end--;
    return end;
}

static size_t new_node(mfedit_t *ed, int type, const yaml_event_t *ev, const char *anchor,
                       size_t parent, size_t prev_end)
{
    XGROW(ed->nodes, ed->capnodes, ed->nnodes + 1);
    size_t i = ed->nnodes++;
    node_t *n = &ed->nodes[i];
    memset(n, 0, sizeof *n);
    n->type = type;
    n->start = mark_off(ed, ev->start_mark);
    n->pend = skip_props(ed, n->start);
    n->vstart = n->pend > n->start ? skip_space(ed, n->pend) : n->start;
    n->end = n->vstart;
    n->close = NONE;
    n->prev_end = prev_end;
    n->anchor = xstrdup(anchor);
    n->target = NONE;
    n->parent = parent;
    if (parent != NONE) {
        node_t *p = &ed->nodes[parent];
        XGROW(p->kids, p->capkids, p->nkids + 1);
        p->kids[p->nkids++] = i;
    }
    return i;
}

/* Refuses line breaks that libyaml counts but our line table does not. */
static err_t *check_breaks(const mfedit_t *ed)
{
    const unsigned char *t = (const unsigned char *)ed->text;
    for (size_t i = 0; i < ed->len; i++) {
        const char *what = NULL;
        if (t[i] == '\r' && (i + 1 >= ed->len || t[i + 1] != '\n'))
            what = "a carriage return without a line feed";
        else if (t[i] == 0xC2 && i + 1 < ed->len && t[i + 1] == 0x85)
            what = "a NEL (U+0085) line break";
        else if (t[i] == 0xE2 && i + 2 < ed->len && t[i + 1] == 0x80 &&
                 (t[i + 2] == 0xA8 || t[i + 2] == 0xA9))
            what = "a Unicode line or paragraph separator";
        if (what)
            return mfe_err_at(ed, i, "%s: venvsync edits files with LF or CRLF line endings only"
                                     BY_HAND, what);
    }
    return NULL;
}

void mfe_build_lines(mfedit_t *ed)
{
    free(ed->ls);
    size_t cap = 16;
    ed->ls = xmalloc(cap * sizeof *ed->ls);
    ed->body = ed->len >= 3 && memcmp(ed->text, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    ed->nlines = 0;
    ed->ls[ed->nlines++] = ed->body;
    for (size_t i = ed->body; i < ed->len; i++) {
        if (ed->text[i] == '\n' && i + 1 < ed->len) {
            XGROW(ed->ls, cap, ed->nlines + 1);
            ed->ls[ed->nlines++] = i + 1;
        }
    }
    const char *nl = memchr(ed->text, '\n', ed->len);
    ed->eol = nl && nl > ed->text && nl[-1] == '\r' ? "\r\n" : "\n";
}

typedef struct anchor_ref {
    const char *name;
    size_t node;
} anchor_ref_t;

/* Parses ed->text into ed->nodes. */
err_t *mfe_load(mfedit_t *ed)
{
    mfe_nodes_free(ed);
    mfe_build_lines(ed);
    ed->root = NONE;
    err_t *e = check_breaks(ed);
    if (e)
        return e;

    yaml_parser_t p;
    if (!yaml_parser_initialize(&p))
        return mfe_err_at(ed, NONE, "cannot initialise the YAML parser");
    yaml_parser_set_input_string(&p, (const unsigned char *)ed->text, ed->len);

    size_t *stack = NULL, depth = 0, capstack = 0;
    anchor_ref_t *anchors = NULL;
    size_t nanchors = 0, capanchors = 0;
    size_t last_end = NONE;
    int docs = 0;
    bool done = false;
    while (!done && !e) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&p, &ev)) {
            if (p.error == YAML_READER_ERROR)
                e = mfe_err_at(ed, p.problem_offset <= ed->len ? p.problem_offset : NONE,
                               "not valid text: %s (venv.yaml must be UTF-8)",
                               p.problem ? p.problem : "unreadable");
            else
                e = mfe_err_at(ed, mark_off(ed, p.problem_mark), "YAML syntax error: %s%s%s",
                               p.problem ? p.problem : "invalid YAML", p.context ? " " : "",
                               p.context ? p.context : "");
            break;
        }
        size_t parent = depth ? stack[depth - 1] : NONE;
        size_t n;
        switch (ev.type) {
        case YAML_STREAM_END_EVENT:
            done = true;
            break;
        case YAML_DOCUMENT_START_EVENT:
            if (++docs > 1) {
                e = mfe_err_at(ed, mark_off(ed, ev.start_mark),
                               "a manifest is a single YAML document, and this is a second one");
                break;
            }
            if (!ev.data.document_start.implicit)
                last_end = mark_off(ed, ev.end_mark);
            break;
        case YAML_SCALAR_EVENT:
            n = new_node(ed, N_SCALAR, &ev, (const char *)ev.data.scalar.anchor, parent,
                         last_end);
            ed->nodes[n].sstyle = ev.data.scalar.style;
            ed->nodes[n].value = xstrndup((const char *)ev.data.scalar.value,
                                          ev.data.scalar.length);
            ed->nodes[n].vlen = ev.data.scalar.length;
            ed->nodes[n].end = trim_back(ed, ed->nodes[n].start, mark_off(ed, ev.end_mark));
            if (ed->nodes[n].end < ed->nodes[n].vstart)
                ed->nodes[n].vstart = ed->nodes[n].end;
            last_end = ed->nodes[n].end;
            break;
        case YAML_ALIAS_EVENT:
            n = new_node(ed, N_ALIAS, &ev, NULL, parent, last_end);
            ed->nodes[n].end = mark_off(ed, ev.end_mark);
            last_end = ed->nodes[n].end;
            for (size_t i = nanchors; i-- > 0;)
                if (strcmp(anchors[i].name, (const char *)ev.data.alias.anchor) == 0) {
                    ed->nodes[n].target = anchors[i].node;
                    break;
                }
            if (ed->nodes[n].target == NONE)
                e = mfe_err_at(ed, ed->nodes[n].start, "YAML error: alias *%s has no anchor &%s "
                               "before it", ev.data.alias.anchor, ev.data.alias.anchor);
            break;
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT: {
            bool seq = ev.type == YAML_SEQUENCE_START_EVENT;
            const char *anchor = (const char *)(seq ? ev.data.sequence_start.anchor
                                                    : ev.data.mapping_start.anchor);
            n = new_node(ed, seq ? N_SEQ : N_MAP, &ev, anchor, parent, last_end);
            ed->nodes[n].flow = seq ? ev.data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE
                                    : ev.data.mapping_start.style == YAML_FLOW_MAPPING_STYLE;
            if (ed->nodes[n].flow)
                last_end = mark_off(ed, ev.end_mark);
            XGROW(stack, capstack, depth + 1);
            stack[depth++] = n;
            break;
        }
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT: {
            n = stack[--depth];
            node_t *x = &ed->nodes[n];
            if (x->flow) {
                x->close = mark_off(ed, ev.start_mark);
                x->end = mark_off(ed, ev.end_mark);
                last_end = x->end;
            } else if (x->nkids) {
                x->end = ed->nodes[x->kids[x->nkids - 1]].end;
            }
            break;
        }
        default:
            break;
        }
        if (!e && parent == NONE && ed->root == NONE &&
            (ev.type == YAML_SCALAR_EVENT || ev.type == YAML_ALIAS_EVENT ||
             ev.type == YAML_SEQUENCE_START_EVENT || ev.type == YAML_MAPPING_START_EVENT))
            ed->root = ed->nnodes - 1;
        if (!e && ed->nnodes && ed->nodes[ed->nnodes - 1].anchor &&
            (ev.type == YAML_SCALAR_EVENT || ev.type == YAML_SEQUENCE_START_EVENT ||
             ev.type == YAML_MAPPING_START_EVENT)) {
            XGROW(anchors, capanchors, nanchors + 1);
            anchors[nanchors++] = (anchor_ref_t){ed->nodes[ed->nnodes - 1].anchor,
                                                 ed->nnodes - 1};
        }
        yaml_event_delete(&ev);
    }
    free(stack);
    free(anchors);
    yaml_parser_delete(&p);
    if (e) {
        mfe_nodes_free(ed);
        ed->root = NONE;
    }
    return e;
}

/* ------------------------------------------------------------------------------------------ */
/* the tree */

static bool is_merge_key(const mfedit_t *ed, size_t k)
{
    const node_t *x = N(ed, k);
    return x->type == N_SCALAR && x->sstyle == YAML_PLAIN_SCALAR_STYLE &&
           strcmp(x->value, "<<") == 0;
}

bool mfe_key_is(const mfedit_t *ed, size_t k, const char *s)
{
    const node_t *x = N(ed, k);
    return x->type == N_SCALAR && !is_merge_key(ed, k) && x->vlen == strlen(s) &&
           memcmp(x->value, s, x->vlen) == 0;
}

/* Index of map's own pair with key s, or NONE. */
size_t mfe_own_pair(const mfedit_t *ed, size_t map, const char *s)
{
    for (size_t i = 0; i < npairs(ed, map); i++)
        if (mfe_key_is(ed, pkey(ed, map, i), s))
            return i;
    return NONE;
}

size_t mfe_resolve(const mfedit_t *ed, size_t n)
{
    for (int i = 0; i < 16 && n != NONE && N(ed, n)->type == N_ALIAS; i++)
        n = N(ed, n)->target;
    return n;
}

/* The merge key ('<<') through which map gets key s, or NONE. */
size_t mfe_merged_from(const mfedit_t *ed, size_t map, const char *s, int depth)
{
    if (depth > 8)
        return NONE;
    for (size_t i = 0; i < npairs(ed, map); i++) {
        size_t k = pkey(ed, map, i);
        if (!is_merge_key(ed, k))
            continue;
        size_t v = mfe_resolve(ed, pval(ed, map, i));
        size_t srcs[64], nsrc = 0;
        if (v != NONE && N(ed, v)->type == N_MAP) {
            srcs[nsrc++] = v;
        } else if (v != NONE && N(ed, v)->type == N_SEQ) {
            for (size_t j = 0; j < N(ed, v)->nkids && nsrc < 64; j++) {
                size_t m = mfe_resolve(ed, N(ed, v)->kids[j]);
                if (m != NONE && N(ed, m)->type == N_MAP)
                    srcs[nsrc++] = m;
            }
        }
        for (size_t j = 0; j < nsrc; j++)
            if (mfe_own_pair(ed, srcs[j], s) != NONE ||
                mfe_merged_from(ed, srcs[j], s, depth + 1) != NONE)
                return k;
    }
    return NONE;
}

bool mfe_is_null(const mfedit_t *ed, size_t n)
{
    const node_t *x = N(ed, n);
    if (x->type != N_SCALAR || x->sstyle != YAML_PLAIN_SCALAR_STYLE)
        return false;
    const char *s = x->value;
    return !*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") ||
           !strcmp(s, "NULL");
}

/* The mapping in which alias a is merged ('<<: *x' or '<<: [*x, ...]'), or NONE. */
static size_t merge_host(const mfedit_t *ed, size_t a)
{
    size_t p = N(ed, a)->parent;
    if (p == NONE)
        return NONE;
    if (N(ed, p)->type == N_SEQ) {
        size_t pp = N(ed, p)->parent;
        if (pp == NONE || N(ed, pp)->type != N_MAP)
            return NONE;
        a = p;
        p = pp;
    }
    if (N(ed, p)->type != N_MAP)
        return NONE;
    for (size_t i = 0; i < npairs(ed, p); i++)
        if (pval(ed, p, i) == a && is_merge_key(ed, pkey(ed, p, i)))
            return p;
    return NONE;
}

/* The key text under which map holds child as a value, or NULL. */
static const char *key_toward(const mfedit_t *ed, size_t map, size_t child)
{
    if (N(ed, map)->type != N_MAP)
        return NULL;
    for (size_t i = 0; i < npairs(ed, map); i++)
        if (pval(ed, map, i) == child && N(ed, pkey(ed, map, i))->type == N_SCALAR)
            return N(ed, pkey(ed, map, i))->value;
    return NULL;
}

/* Refuses changing node n (or, when key is not NULL, n's entry `key`) when an alias would see
 * the change: n or a node around it is anchored and aliased, except through a merge into a
 * mapping that sets the affected key itself. what names the change in the message. */
err_t *mfe_check_shared(const mfedit_t *ed, size_t n, const char *key, const char *what)
{
    for (size_t x = n, child = NONE; x != NONE; child = x, x = N(ed, x)->parent) {
        const char *k = x == n ? key : key_toward(ed, x, child);
        if (!N(ed, x)->anchor)
            continue;
        for (size_t a = 0; a < ed->nnodes; a++) {
            if (N(ed, a)->type != N_ALIAS || N(ed, a)->target != x)
                continue;
            size_t host = merge_host(ed, a);
            if (host != NONE && k && mfe_own_pair(ed, host, k) != NONE)
                continue;
            size_t line, col;
            pos_of(ed, N(ed, a)->start, &line, &col);
            return mfe_err_at(ed, N(ed, x)->start,
                              "cannot %s: this node is anchored (&%s) and the alias at line %zu "
                              "would change too" BY_HAND, what, N(ed, x)->anchor, line);
        }
    }
    return NULL;
}

/* Refuses deleting [s, e) when it holds an anchor that an alias outside it uses. */
err_t *mfe_check_anchors_in(const mfedit_t *ed, size_t s, size_t e, const char *what)
{
    for (size_t x = 0; x < ed->nnodes; x++) {
        if (!N(ed, x)->anchor || N(ed, x)->start < s || N(ed, x)->start >= e)
            continue;
        for (size_t a = 0; a < ed->nnodes; a++) {
            if (N(ed, a)->type != N_ALIAS || N(ed, a)->target != x)
                continue;
            if (N(ed, a)->start >= s && N(ed, a)->start < e)
                continue;
            size_t line, col;
            pos_of(ed, N(ed, a)->start, &line, &col);
            return mfe_err_at(ed, N(ed, x)->start, "cannot %s: it holds the anchor &%s, which the "
                              "alias at line %zu uses" BY_HAND, what, N(ed, x)->anchor, line);
        }
    }
    return NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* finding things */

/* The root mapping, or an error. NONE (no error) for an empty document when allow_empty. */
err_t *mfe_root_map(const mfedit_t *ed, size_t *out, bool allow_empty)
{
    *out = ed->root;
    if (ed->root == NONE) {
        if (allow_empty)
            return NULL;
        return mfe_err_at(ed, NONE, "the file is empty");
    }
    size_t r = ed->root;
    if (N(ed, r)->type == N_MAP)
        return NULL;
    if (N(ed, r)->type == N_SCALAR && mfe_is_null(ed, r) && allow_empty && N(ed, r)->vlen == 0) {
        *out = NONE;
        return NULL;
    }
    return mfe_err_at(ed, N(ed, r)->start, "the manifest must be a mapping of keys (version, "
                      "environments, ...)");
}

/* The environments mapping: *envs_pair in the root (NONE when missing) and *envs its value. */
err_t *mfe_find_envs(const mfedit_t *ed, size_t root, size_t *envs_pair, size_t *envs)
{
    *envs_pair = *envs = NONE;
    if (root == NONE)
        return NULL;
    size_t i = mfe_own_pair(ed, root, "environments");
    if (i == NONE) {
        size_t mk = mfe_merged_from(ed, root, "environments", 0);
        if (mk != NONE)
            return mfe_err_at(ed, N(ed, mk)->start, "'environments' comes from a merge key ('<<')"
                              BY_HAND);
        return NULL;
    }
    *envs_pair = i;
    size_t v = pval(ed, root, i);
    if (N(ed, v)->type == N_ALIAS)
        return mfe_err_at(ed, N(ed, v)->start, "'environments' is an alias (*%s)" BY_HAND,
                          N(ed, N(ed, v)->target)->anchor);
    if (N(ed, v)->type == N_MAP || mfe_is_null(ed, v)) {
        *envs = v;
        return NULL;
    }
    return mfe_err_at(ed, N(ed, v)->start, "'environments' must be a mapping of environment names "
                      "to settings");
}

/* Environment name: its pair index in the environments mapping and its value. */
err_t *mfe_find_env(const mfedit_t *ed, const char *name, size_t *envs, size_t *pair,
                    size_t *val)
{
    size_t root, ep;
    err_t *e = mfe_root_map(ed, &root, false);
    if (!e)
        e = mfe_find_envs(ed, root, &ep, envs);
    if (e)
        return e;
    *pair = *envs == NONE || N(ed, *envs)->type != N_MAP ? NONE : mfe_own_pair(ed, *envs, name);
    if (*pair == NONE) {
        size_t mk = *envs == NONE || N(ed, *envs)->type != N_MAP
                        ? NONE : mfe_merged_from(ed, *envs, name, 0);
        if (mk != NONE)
            return mfe_err_at(ed, N(ed, mk)->start, "environment '%s' comes from a merge key ('<<')"
                              BY_HAND, name);
        return mfe_err_at(ed, NONE, "no environment '%s'", name);
    }
    *val = pval(ed, *envs, *pair);
    return NULL;
}
