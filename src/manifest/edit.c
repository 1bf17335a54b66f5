/*
 * mfedit: venv.yaml edits as splices of the original text. See edit.h for the contract.
 *
 * The text is parsed with libyaml's event API into a flat array of nodes (scalars, sequences,
 * mappings, aliases) that keep byte offsets: libyaml marks give line and column in characters,
 * turned into bytes through our own line table (which is why only LF and CRLF line breaks are
 * accepted: the table and libyaml must count the same lines). A node's `end` is just past its
 * last non-blank byte; a block collection ends where its last child ends.
 *
 * An operation is a sequence of primitive steps; each step computes splices (edit_t) of the
 * current text, applies them, and parses the result again, failing (and restoring the text the
 * operation started from) if it does not parse. So the later steps of an operation see the
 * effect of the earlier ones, and no broken text is ever returned.
 */
#include "manifest/edit.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "pkg/name.h"
#include "util/buf.h"
#include "util/strv.h"
#include "util/xalloc.h"

#define NONE ((size_t)-1)

enum { N_SCALAR, N_SEQ, N_MAP, N_ALIAS };

typedef struct node {
    int type;
    bool flow;                   /* a flow collection */
    yaml_scalar_style_t sstyle;
    size_t start;                /* first byte, properties (anchor, tag) included */
    size_t vstart;               /* first byte after the properties */
    size_t pend;                 /* just past the last property (== start without any) */
    size_t end;                  /* just past the last non-blank byte */
    size_t close;                /* flow collections: the closing bracket */
    size_t prev_end;             /* end of the token before this node; NONE at the start */
    char *anchor;
    char *value;                 /* scalars: the value as YAML reads it */
    size_t vlen;
    size_t *kids;                /* mappings: key, value, key, value...; sequences: items */
    size_t nkids, capkids;
    size_t target;               /* aliases: the anchored node */
    size_t parent;               /* NONE for the root */
} node_t;

struct mfedit {
    char *name;                  /* display name for messages */
    char *text;                  /* NUL-terminated */
    size_t len;
    bool changed;
    size_t body;                 /* 3 after a UTF-8 BOM, else 0 */
    size_t *ls;                  /* start of each line */
    size_t nlines;
    const char *eol;             /* "\n" or "\r\n" */
    node_t *nodes;
    size_t nnodes, capnodes;
    size_t root;                 /* NONE for an empty document */
};

/* ------------------------------------------------------------------------------------------ */
/* lines and positions */

static size_t line_of(const mfedit_t *ed, size_t off)
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
static size_t line_next(const mfedit_t *ed, size_t L)
{
    return L + 1 < ed->nlines ? ed->ls[L + 1] : ed->len;
}

/* End of line L's content, before its line break. */
static size_t line_cend(const mfedit_t *ed, size_t L)
{
    size_t e = line_next(ed, L);
    if (e > ed->ls[L] && ed->text[e - 1] == '\n')
        e--;
    if (e > ed->ls[L] && ed->text[e - 1] == '\r')
        e--;
    return e;
}

static bool ends_with_newline(const mfedit_t *ed)
{
    return ed->len > 0 && ed->text[ed->len - 1] == '\n';
}

enum { L_BLANK, L_COMMENT, L_CONTENT };

/* What line L holds; *col is the column of its first non-blank character. */
static int line_kind(const mfedit_t *ed, size_t L, size_t *col)
{
    size_t p = ed->ls[L], e = line_cend(ed, L);
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
    size_t L = line_of(ed, off);
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
    size_t p = ed->ls[m.line], e = line_cend(ed, m.line);
    for (size_t c = 0; c < m.column && p < e; c++)
        p += utf8_len((unsigned char)ed->text[p]);
    return p < ed->len ? p : ed->len;
}

/* Line (0-based) of node n's last byte. */
static size_t last_line(const mfedit_t *ed, size_t n)
{
    const node_t *x = &ed->nodes[n];
    return line_of(ed, x->end > x->start ? x->end - 1 : x->start);
}

/* Column (0-based, characters) of offset off in its line. */
static size_t col_of(const mfedit_t *ed, size_t off)
{
    size_t line, col;
    pos_of(ed, off, &line, &col);
    return col - 1;
}

/* Whether only blanks precede offset off on its line. */
static bool starts_line(const mfedit_t *ed, size_t off)
{
    for (size_t p = ed->ls[line_of(ed, off)]; p < off; p++)
        if (ed->text[p] != ' ' && ed->text[p] != '\t')
            return false;
    return true;
}

/* ------------------------------------------------------------------------------------------ */
/* errors */

static err_t *err_at(const mfedit_t *ed, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static err_t *err_at(const mfedit_t *ed, size_t off, const char *fmt, ...)
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

#define BY_HAND "; edit it by hand"

/* ------------------------------------------------------------------------------------------ */
/* loading */

static void nodes_free(mfedit_t *ed)
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
            return err_at(ed, i, "%s: venvsync edits files with LF or CRLF line endings only"
                                 BY_HAND, what);
    }
    return NULL;
}

static void build_lines(mfedit_t *ed)
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
static err_t *load(mfedit_t *ed)
{
    nodes_free(ed);
    build_lines(ed);
    ed->root = NONE;
    err_t *e = check_breaks(ed);
    if (e)
        return e;

    yaml_parser_t p;
    if (!yaml_parser_initialize(&p))
        return err_at(ed, NONE, "cannot initialise the YAML parser");
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
                e = err_at(ed, p.problem_offset <= ed->len ? p.problem_offset : NONE,
                           "not valid text: %s (venv.yaml must be UTF-8)",
                           p.problem ? p.problem : "unreadable");
            else
                e = err_at(ed, mark_off(ed, p.problem_mark), "YAML syntax error: %s%s%s",
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
                e = err_at(ed, mark_off(ed, ev.start_mark),
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
                e = err_at(ed, ed->nodes[n].start, "YAML error: alias *%s has no anchor &%s "
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
        nodes_free(ed);
        ed->root = NONE;
    }
    return e;
}

/* ------------------------------------------------------------------------------------------ */
/* the tree */

static node_t *N(const mfedit_t *ed, size_t i)
{
    return &ed->nodes[i];
}

static size_t npairs(const mfedit_t *ed, size_t map)
{
    return N(ed, map)->nkids / 2;
}

static size_t pkey(const mfedit_t *ed, size_t map, size_t i)
{
    return N(ed, map)->kids[2 * i];
}

static size_t pval(const mfedit_t *ed, size_t map, size_t i)
{
    return N(ed, map)->kids[2 * i + 1];
}

static bool is_merge_key(const mfedit_t *ed, size_t k)
{
    const node_t *x = N(ed, k);
    return x->type == N_SCALAR && x->sstyle == YAML_PLAIN_SCALAR_STYLE &&
           strcmp(x->value, "<<") == 0;
}

static bool key_is(const mfedit_t *ed, size_t k, const char *s)
{
    const node_t *x = N(ed, k);
    return x->type == N_SCALAR && !is_merge_key(ed, k) && x->vlen == strlen(s) &&
           memcmp(x->value, s, x->vlen) == 0;
}

/* Index of map's own pair with key s, or NONE. */
static size_t own_pair(const mfedit_t *ed, size_t map, const char *s)
{
    for (size_t i = 0; i < npairs(ed, map); i++)
        if (key_is(ed, pkey(ed, map, i), s))
            return i;
    return NONE;
}

static size_t resolve(const mfedit_t *ed, size_t n)
{
    for (int i = 0; i < 16 && n != NONE && N(ed, n)->type == N_ALIAS; i++)
        n = N(ed, n)->target;
    return n;
}

/* The merge key ('<<') through which map gets key s, or NONE. */
static size_t merged_from(const mfedit_t *ed, size_t map, const char *s, int depth)
{
    if (depth > 8)
        return NONE;
    for (size_t i = 0; i < npairs(ed, map); i++) {
        size_t k = pkey(ed, map, i);
        if (!is_merge_key(ed, k))
            continue;
        size_t v = resolve(ed, pval(ed, map, i));
        size_t srcs[64], nsrc = 0;
        if (v != NONE && N(ed, v)->type == N_MAP) {
            srcs[nsrc++] = v;
        } else if (v != NONE && N(ed, v)->type == N_SEQ) {
            for (size_t j = 0; j < N(ed, v)->nkids && nsrc < 64; j++) {
                size_t m = resolve(ed, N(ed, v)->kids[j]);
                if (m != NONE && N(ed, m)->type == N_MAP)
                    srcs[nsrc++] = m;
            }
        }
        for (size_t j = 0; j < nsrc; j++)
            if (own_pair(ed, srcs[j], s) != NONE || merged_from(ed, srcs[j], s, depth + 1) != NONE)
                return k;
    }
    return NONE;
}

static bool is_null(const mfedit_t *ed, size_t n)
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
static err_t *check_shared(const mfedit_t *ed, size_t n, const char *key, const char *what)
{
    for (size_t x = n, child = NONE; x != NONE; child = x, x = N(ed, x)->parent) {
        const char *k = x == n ? key : key_toward(ed, x, child);
        if (!N(ed, x)->anchor)
            continue;
        for (size_t a = 0; a < ed->nnodes; a++) {
            if (N(ed, a)->type != N_ALIAS || N(ed, a)->target != x)
                continue;
            size_t host = merge_host(ed, a);
            if (host != NONE && k && own_pair(ed, host, k) != NONE)
                continue;
            size_t line, col;
            pos_of(ed, N(ed, a)->start, &line, &col);
            return err_at(ed, N(ed, x)->start,
                          "cannot %s: this node is anchored (&%s) and the alias at line %zu "
                          "would change too" BY_HAND, what, N(ed, x)->anchor, line);
        }
    }
    return NULL;
}

/* Refuses deleting [s, e) when it holds an anchor that an alias outside it uses. */
static err_t *check_anchors_in(const mfedit_t *ed, size_t s, size_t e, const char *what)
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
            return err_at(ed, N(ed, x)->start, "cannot %s: it holds the anchor &%s, which the "
                          "alias at line %zu uses" BY_HAND, what, N(ed, x)->anchor, line);
        }
    }
    return NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* scalars */

static bool looks_like_other_type(const char *s)
{
    static const char *const words[] = {
        "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true", "True", "TRUE",
        "false", "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF", "null", "Null", "NULL",
        "~", ".inf", ".Inf", ".INF", ".nan", ".NaN", ".NAN", "<<", "=",
    };
    for (size_t i = 0; i < sizeof words / sizeof *words; i++)
        if (strcmp(s, words[i]) == 0)
            return true;
    const char *p = s;
    if (*p == '+' || *p == '-')
        p++;
    if (*p == '.')
        p++;
    if (*p >= '0' && *p <= '9')      /* numbers, dates, versions: 3.12, 1e3, 0x1F, 2024-01-01 */
        return true;
    if ((*p == '.') && (!strcmp(p, ".inf") || !strcmp(p, ".Inf") || !strcmp(p, ".INF")))
        return true;
    return false;
}

static bool plain_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || looks_like_other_type(s))
        return false;
    if (strchr("-?:,[]{}#&*!|>'\"%@` \t", s[0]) || s[n - 1] == ' ' || s[n - 1] == '\t')
        return false;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p < 0x20 || *p == 0x7f || strchr(":#;,[]{}\"'\\`", *p))
            return false;
        if (*p == 0xC2 && p[1] == 0x85)
            return false;
        if (*p == 0xE2 && p[1] == 0x80 && (p[2] == 0xA8 || p[2] == 0xA9))
            return false;
        if (*p == 0xEF && p[1] == 0xBB && p[2] == 0xBF)
            return false;
    }
    return true;
}

static void add_double(buf_t *b, const char *s)
{
    buf_addc(b, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': buf_adds(b, "\\\""); break;
        case '\\': buf_adds(b, "\\\\"); break;
        case '\n': buf_adds(b, "\\n"); break;
        case '\t': buf_adds(b, "\\t"); break;
        case '\r': buf_adds(b, "\\r"); break;
        default:
            if (*p < 0x20 || *p == 0x7f)
                buf_printf(b, "\\x%02X", *p);
            else if (*p == 0xC2 && p[1] == 0x85)
                buf_adds(b, "\\N"), p++;
            else if (*p == 0xE2 && p[1] == 0x80 && (p[2] == 0xA8 || p[2] == 0xA9))
                buf_adds(b, p[2] == 0xA8 ? "\\L" : "\\P"), p += 2;
            else if (*p == 0xEF && p[1] == 0xBB && p[2] == 0xBF)
                buf_adds(b, "\\uFEFF"), p += 2;
            else
                buf_addc(b, (char)*p);
        }
    }
    buf_addc(b, '"');
}

enum { Q_MIN, Q_SINGLE, Q_DOUBLE };

/* Appends s as a scalar: plain when safe (Q_MIN), else quoted, single quotes when asked for
 * and possible. */
static void add_scalar(buf_t *b, const char *s, int style)
{
    if (style == Q_MIN && plain_ok(s)) {
        buf_adds(b, s);
        return;
    }
    if (style == Q_SINGLE) {
        bool ok = true;
        for (const unsigned char *p = (const unsigned char *)s; *p; p++)
            if (*p < 0x20 || *p == 0x7f || *p == 0xC2 || *p == 0xE2 || *p == 0xEF)
                ok = false;
        if (ok) {
            buf_addc(b, '\'');
            buf_add_replaced(b, s, "'", "''");
            buf_addc(b, '\'');
            return;
        }
    }
    add_double(b, s);
}

static bool literal_ok(const char *s)
{
    return *s && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._+-") ==
                     strlen(s);
}

/* A setting's value: as is when literal, else a string. */
static void add_value(buf_t *b, const mfedit_kv_t *kv, int style)
{
    if (kv->literal)
        buf_adds(b, kv->value);
    else
        add_scalar(b, kv->value, style);
}

char *mfedit_quote(const char *value)
{
    buf_t b = BUF_INIT;
    add_scalar(&b, value, Q_MIN);
    return buf_detach(&b);
}

static int style_of(const mfedit_t *ed, size_t n)
{
    switch (N(ed, n)->sstyle) {
    case YAML_SINGLE_QUOTED_SCALAR_STYLE: return Q_SINGLE;
    case YAML_DOUBLE_QUOTED_SCALAR_STYLE: return Q_DOUBLE;
    default: return Q_MIN;
    }
}

/* The project name a requirement starts with: [*at, *at + *n). False when there is none. */
static bool req_name(const char *s, size_t *at, size_t *n)
{
    size_t p = 0;
    while (s[p] == ' ' || s[p] == '\t')
        p++;
    size_t q = p;
    while (s[q] && (strchr("._-", s[q]) || (s[q] >= '0' && s[q] <= '9') ||
                    (s[q] >= 'a' && s[q] <= 'z') || (s[q] >= 'A' && s[q] <= 'Z')))
        q++;
    if (!pkg_name_valid_n(s + p, q - p))
        return false;
    if (s[q] && !strchr(" \t[(<>=!~;@", s[q]))
        return false;
    *at = p;
    *n = q - p;
    return true;
}

/* ------------------------------------------------------------------------------------------ */
/* splices */

typedef struct edit {
    size_t start, end;
    char *text;
    size_t seq;
} edit_t;

typedef struct edits {
    edit_t *v;
    size_t n, cap;
} edits_t;

static void splice(edits_t *es, size_t start, size_t end, const char *text)
{
    XGROW(es->v, es->cap, es->n + 1);
    es->v[es->n] = (edit_t){start, end, xstrdup(text ? text : ""), es->n};
    es->n++;
}

static int cmp_edit(const void *a, const void *b)
{
    const edit_t *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    if (x->end != y->end)
        return x->end < y->end ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void edits_free(edits_t *es)
{
    for (size_t i = 0; i < es->n; i++)
        free(es->v[i].text);
    free(es->v);
    es->v = NULL;
    es->n = es->cap = 0;
}

/* Applies es (freed) and parses the result; on failure the text is unchanged. */
static err_t *apply(mfedit_t *ed, edits_t *es)
{
    qsort(es->v, es->n, sizeof *es->v, cmp_edit);
    buf_t b = BUF_INIT;
    size_t at = 0;
    for (size_t i = 0; i < es->n; i++) {
        if (es->v[i].start < at || es->v[i].end > ed->len) {
            edits_free(es);
            buf_free(&b);
            return err_at(ed, NONE, "internal error: overlapping edits; nothing changed");
        }
        buf_add(&b, ed->text + at, es->v[i].start - at);
        buf_adds(&b, es->v[i].text);
        at = es->v[i].end;
    }
    buf_add(&b, ed->text + at, ed->len - at);
    edits_free(es);

    char *old = ed->text;
    size_t oldlen = ed->len;
    ed->len = b.len;
    ed->text = buf_detach(&b);
    err_t *e = load(ed);
    if (e) {
        err_t *r = err_new(EXIT_USAGE, "%s: internal error: the edit would not be valid YAML "
                           "(%s); nothing changed", ed->name, e->msg);
        err_free(e);
        free(ed->text);
        ed->text = old;
        ed->len = oldlen;
        e = load(ed);
        err_free(e);
        return r;
    }
    free(old);
    ed->changed = true;
    return NULL;
}

/* Inserts text (whole lines, each ending with ed->eol) after line L. After a last line without
 * a line break, the break goes before the text and the text's last one is dropped. */
static void insert_lines(const mfedit_t *ed, edits_t *es, size_t L, const char *text)
{
    if (L + 1 >= ed->nlines && !ends_with_newline(ed)) {
        buf_t b = BUF_INIT;
        buf_adds(&b, ed->eol);
        buf_adds(&b, text);
        size_t el = strlen(ed->eol);
        if (b.len >= el + el && strcmp(b.data + b.len - el, ed->eol) == 0)
            buf_setlen(&b, b.len - el);
        splice(es, ed->len, ed->len, buf_cstr(&b));
        buf_free(&b);
        return;
    }
    splice(es, line_next(ed, L), line_next(ed, L), text);
}

/* Deletes lines a..b (whole, with their breaks). */
static void delete_lines(const mfedit_t *ed, edits_t *es, size_t a, size_t b)
{
    size_t s = ed->ls[a], e = line_next(ed, b);
    if (e == ed->len && !ends_with_newline(ed) && a > 0)
        s = line_cend(ed, a - 1);
    splice(es, s, e, "");
}

static void indent(buf_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        buf_addc(b, ' ');
}

/* ------------------------------------------------------------------------------------------ */
/* the file's style */

typedef struct style {
    size_t step;                 /* indentation of a block mapping below its key */
    size_t seq_off;              /* a block list's dash column, relative to its key */
    size_t dash_gap;             /* spaces after the dash */
    bool pkgs_flow;              /* new packages lists are written [a, b] */
} style_t;

static style_t detect_style(const mfedit_t *ed)
{
    style_t st = {2, 2, 1, false};
    bool have_step = false, have_seq = false, seq_is_pkgs = false;
    for (size_t m = 0; m < ed->nnodes; m++) {
        if (N(ed, m)->type != N_MAP || N(ed, m)->flow)
            continue;
        for (size_t i = 0; i < npairs(ed, m); i++) {
            size_t k = pkey(ed, m, i), v = pval(ed, m, i);
            size_t kc = col_of(ed, N(ed, k)->start);
            if (N(ed, v)->type == N_MAP && !N(ed, v)->flow && !have_step) {
                size_t vc = col_of(ed, N(ed, v)->vstart);
                if (vc > kc && line_of(ed, N(ed, v)->vstart) > line_of(ed, N(ed, k)->start)) {
                    st.step = vc - kc;
                    have_step = true;
                }
            }
            bool pk = key_is(ed, k, "packages");
            if (N(ed, v)->type == N_SEQ && !N(ed, v)->flow && N(ed, v)->nkids &&
                (!have_seq || (pk && !seq_is_pkgs))) {
                size_t item = N(ed, v)->kids[0];
                size_t dash = N(ed, item)->start;
                while (dash > 0 && strchr(" \t\r\n", ed->text[dash - 1]))
                    dash--;
                if (dash > 0 && ed->text[dash - 1] == '-') {
                    dash--;
                    size_t dc = col_of(ed, dash);
                    if (dc >= kc && line_of(ed, dash) > line_of(ed, N(ed, k)->start)) {
                        st.seq_off = dc - kc;
                        st.dash_gap = line_of(ed, dash) == line_of(ed, N(ed, item)->start)
                                          ? col_of(ed, N(ed, item)->start) - dc - 1
                                          : 1;
                        if (st.dash_gap < 1)
                            st.dash_gap = 1;
                        have_seq = true;
                        seq_is_pkgs = pk;
                    }
                }
            }
            if (pk && N(ed, v)->type == N_SEQ && N(ed, v)->nkids)
                st.pkgs_flow = N(ed, v)->flow;   /* the last one wins */
        }
    }
    /* The environments mapping's own step, when there is one. */
    if (ed->root != NONE && N(ed, ed->root)->type == N_MAP && !N(ed, ed->root)->flow) {
        size_t i = own_pair(ed, ed->root, "environments");
        if (i != NONE) {
            size_t k = pkey(ed, ed->root, i), v = pval(ed, ed->root, i);
            if (N(ed, v)->type == N_MAP && !N(ed, v)->flow &&
                col_of(ed, N(ed, v)->vstart) > col_of(ed, N(ed, k)->start))
                st.step = col_of(ed, N(ed, v)->vstart) - col_of(ed, N(ed, k)->start);
        }
    }
    if (!have_seq)
        st.seq_off = st.step;
    return st;
}

/* ------------------------------------------------------------------------------------------ */
/* block mapping entries: which lines belong to one */

/* The first line of entry i of block mapping map: its key's line, or the first of the comment
 * lines directly above it in the key's column. */
static size_t entry_first(const mfedit_t *ed, size_t map, size_t i)
{
    size_t k = pkey(ed, map, i);
    size_t L = line_of(ed, N(ed, k)->start);
    size_t c = col_of(ed, N(ed, k)->start);
    size_t bound = N(ed, k)->prev_end == NONE ? 0 : line_of(ed, N(ed, k)->prev_end) + 1;
    while (L > bound) {
        size_t col;
        if (line_kind(ed, L - 1, &col) != L_COMMENT || col != c)
            break;
        L--;
    }
    return L;
}

/* The last line of entry i: its value's last line, or the last of the comment lines after it
 * (before the next content line) indented deeper than its key. */
static size_t entry_last(const mfedit_t *ed, size_t map, size_t i)
{
    size_t k = pkey(ed, map, i), v = pval(ed, map, i);
    size_t c = col_of(ed, N(ed, k)->start);
    size_t last = last_line(ed, v);
    if (last < last_line(ed, k))
        last = last_line(ed, k);
    for (size_t L = last + 1; L < ed->nlines; L++) {
        size_t col;
        int kind = line_kind(ed, L, &col);
        if (kind == L_BLANK)
            continue;
        if (kind != L_COMMENT || col <= c)
            break;
        last = L;
    }
    return last;
}

/* The ':' after key k, or NONE. */
static size_t colon_after(const mfedit_t *ed, size_t k)
{
    size_t p = N(ed, k)->end;
    while (p < ed->len && (ed->text[p] == ' ' || ed->text[p] == '\t'))
        p++;
    return p < ed->len && ed->text[p] == ':' ? p : NONE;
}

/* Where to write " {}" / " []" for an emptied block collection v under key k. */
static size_t empty_marker_at(const mfedit_t *ed, size_t k, size_t v)
{
    if (N(ed, v)->pend > N(ed, v)->start)
        return N(ed, v)->pend;
    size_t c = colon_after(ed, k);
    return c == NONE ? NONE : c + 1;
}

/* Splices that remove entry i of block mapping map (rules in edit.h). When it is the only
 * entry, `empty` (" {}") is written after the mapping's key parent_key. */
static err_t *remove_block_entry(const mfedit_t *ed, edits_t *es, size_t map, size_t i,
                                 size_t parent_key, const char *what)
{
    size_t k = pkey(ed, map, i);
    if (!starts_line(ed, N(ed, k)->start))
        return err_at(ed, N(ed, k)->start, "cannot %s: its key is not at the start of its "
                      "line" BY_HAND, what);
    size_t first = entry_first(ed, map, i), last = entry_last(ed, map, i);
    size_t blank_above = 0, blank_below = 0;
    while (first > blank_above && line_kind(ed, first - blank_above - 1, NULL) == L_BLANK)
        blank_above++;
    while (last + blank_below + 1 < ed->nlines &&
           line_kind(ed, last + blank_below + 1, NULL) == L_BLANK)
        blank_below++;
    if (blank_above)
        first -= blank_above;
    else if (blank_below && i + 1 < npairs(ed, map))
        last += blank_below;
    err_t *e = check_anchors_in(ed, ed->ls[first], line_next(ed, last), what);
    if (e)
        return e;
    if (npairs(ed, map) == 1) {
        size_t at = parent_key == NONE ? NONE : empty_marker_at(ed, parent_key, map);
        if (at == NONE)
            return err_at(ed, N(ed, k)->start, "cannot %s: it is the only entry and the "
                          "mapping has no key to write '{}' after" BY_HAND, what);
        splice(es, at, at, " {}");
    }
    delete_lines(ed, es, first, last);
    return NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* flow collections */

/* The first ',' in [from, to) outside comments, or NONE. */
static size_t find_comma(const mfedit_t *ed, size_t from, size_t to)
{
    for (size_t p = from; p < to; p++) {
        char c = ed->text[p];
        if (c == ',')
            return p;
        if (c == '#' && (p == 0 || strchr(" \t\r\n", ed->text[p - 1])))
            while (p < to && ed->text[p] != '\n')
                p++;
    }
    return NONE;
}

/* Item j of flow collection n: [*s, *e). */
static void flow_item(const mfedit_t *ed, size_t n, size_t j, size_t *s, size_t *e)
{
    const node_t *x = N(ed, n);
    if (x->type == N_MAP) {
        size_t k = x->kids[2 * j], v = x->kids[2 * j + 1];
        *s = N(ed, k)->start;
        *e = N(ed, v)->end > N(ed, k)->end ? N(ed, v)->end : N(ed, k)->end;
    } else {
        *s = N(ed, x->kids[j])->start;
        *e = N(ed, x->kids[j])->end;
    }
}

static size_t flow_count(const mfedit_t *ed, size_t n)
{
    return N(ed, n)->type == N_MAP ? npairs(ed, n) : N(ed, n)->nkids;
}

/* Splices that append item (its text) to flow collection n. */
static void flow_append(const mfedit_t *ed, edits_t *es, size_t n, const char *item)
{
    const node_t *x = N(ed, n);
    size_t cnt = flow_count(ed, n);
    if (!cnt) {
        splice(es, x->vstart + 1, x->vstart + 1, item);
        return;
    }
    size_t s, e;
    flow_item(ed, n, cnt - 1, &s, &e);
    size_t comma = find_comma(ed, e, x->close);
    size_t L = line_of(ed, comma != NONE ? comma : e);
    bool own_lines = starts_line(ed, s) && line_of(ed, x->close) > L;
    buf_t b = BUF_INIT;
    if (own_lines) {
        buf_add(&b, ed->text + ed->ls[line_of(ed, s)], s - ed->ls[line_of(ed, s)]);
        buf_adds(&b, item);
        if (comma != NONE)
            buf_addc(&b, ',');
        else
            splice(es, e, e, ",");
        buf_adds(&b, ed->eol);
        splice(es, line_next(ed, L), line_next(ed, L), buf_cstr(&b));
    } else if (comma != NONE) {
        buf_printf(&b, " %s,", item);
        splice(es, comma + 1, comma + 1, buf_cstr(&b));
    } else {
        buf_printf(&b, ", %s", item);
        splice(es, e, e, buf_cstr(&b));
    }
    buf_free(&b);
}

/* Splices that remove item j of flow collection n (rules in edit.h). */
static err_t *flow_remove(const mfedit_t *ed, edits_t *es, size_t n, size_t j, const char *what)
{
    const node_t *x = N(ed, n);
    size_t cnt = flow_count(ed, n);
    size_t s, e;
    flow_item(ed, n, j, &s, &e);
    /* After the item: an optional comma, then blanks and a comment to the end of the line? */
    size_t p = e, comma = NONE;
    while (p < x->close && (ed->text[p] == ' ' || ed->text[p] == '\t'))
        p++;
    if (p < x->close && ed->text[p] == ',') {
        comma = p++;
        while (p < x->close && (ed->text[p] == ' ' || ed->text[p] == '\t'))
            p++;
    }
    bool clean_after = p >= ed->len || ed->text[p] == '\n' || ed->text[p] == '\r' ||
                       (ed->text[p] == '#' && p > e);
    bool own_lines = starts_line(ed, s) && clean_after && p < x->close;
    size_t ps = NONE, pe = NONE, ns = NONE, ne;
    if (j > 0)
        flow_item(ed, n, j - 1, &ps, &pe);
    if (j + 1 < cnt)
        flow_item(ed, n, j + 1, &ns, &ne);
    err_t *err = check_anchors_in(ed, s, e, what);
    if (err)
        return err;
    if (own_lines) {
        delete_lines(ed, es, line_of(ed, s), line_of(ed, e));
        if (comma == NONE && ps != NONE) {
            size_t pc = find_comma(ed, pe, s);
            if (pc != NONE)
                splice(es, pc, pc + 1, "");
        }
    } else if (ns != NONE) {
        splice(es, s, ns, "");
    } else if (ps != NONE) {
        splice(es, pe, e, "");
    } else {
        size_t to = comma != NONE ? comma + 1 : e;
        while (to < x->close && (ed->text[to] == ' ' || ed->text[to] == '\t'))
            to++;
        splice(es, s, to, "");
    }
    return NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* finding things */

/* The root mapping, or an error. NONE (no error) for an empty document when allow_empty. */
static err_t *root_map(const mfedit_t *ed, size_t *out, bool allow_empty)
{
    *out = ed->root;
    if (ed->root == NONE) {
        if (allow_empty)
            return NULL;
        return err_at(ed, NONE, "the file is empty");
    }
    size_t r = ed->root;
    if (N(ed, r)->type == N_MAP)
        return NULL;
    if (N(ed, r)->type == N_SCALAR && is_null(ed, r) && allow_empty && N(ed, r)->vlen == 0) {
        *out = NONE;
        return NULL;
    }
    return err_at(ed, N(ed, r)->start, "the manifest must be a mapping of keys (version, "
                  "environments, ...)");
}

/* The environments mapping: *envs_pair in the root (NONE when missing) and *envs its value. */
static err_t *find_envs(const mfedit_t *ed, size_t root, size_t *envs_pair, size_t *envs)
{
    *envs_pair = *envs = NONE;
    if (root == NONE)
        return NULL;
    size_t i = own_pair(ed, root, "environments");
    if (i == NONE) {
        size_t mk = merged_from(ed, root, "environments", 0);
        if (mk != NONE)
            return err_at(ed, N(ed, mk)->start, "'environments' comes from a merge key ('<<')"
                          BY_HAND);
        return NULL;
    }
    *envs_pair = i;
    size_t v = pval(ed, root, i);
    if (N(ed, v)->type == N_ALIAS)
        return err_at(ed, N(ed, v)->start, "'environments' is an alias (*%s)" BY_HAND,
                      N(ed, N(ed, v)->target)->anchor);
    if (N(ed, v)->type == N_MAP || is_null(ed, v)) {
        *envs = v;
        return NULL;
    }
    return err_at(ed, N(ed, v)->start, "'environments' must be a mapping of environment names "
                  "to settings");
}

/* Environment name: its pair index in the environments mapping and its value. */
static err_t *find_env(const mfedit_t *ed, const char *name, size_t *envs, size_t *pair,
                       size_t *val)
{
    size_t root, ep;
    err_t *e = root_map(ed, &root, false);
    if (!e)
        e = find_envs(ed, root, &ep, envs);
    if (e)
        return e;
    *pair = *envs == NONE || N(ed, *envs)->type != N_MAP ? NONE : own_pair(ed, *envs, name);
    if (*pair == NONE) {
        size_t mk = *envs == NONE || N(ed, *envs)->type != N_MAP
                        ? NONE : merged_from(ed, *envs, name, 0);
        if (mk != NONE)
            return err_at(ed, N(ed, mk)->start, "environment '%s' comes from a merge key ('<<')"
                          BY_HAND, name);
        return err_at(ed, NONE, "no environment '%s'", name);
    }
    *val = pval(ed, *envs, *pair);
    return NULL;
}

/* Whether value v of key k can be turned into a block by deleting its text: a null or an empty
 * flow collection without properties on the key's line, in a block mapping. */
static bool blockable(const mfedit_t *ed, size_t map, size_t k, size_t v)
{
    if (N(ed, map)->flow || N(ed, v)->pend > N(ed, v)->start || colon_after(ed, k) == NONE)
        return false;
    if (!starts_line(ed, N(ed, k)->start))
        return false;
    size_t kl = line_of(ed, N(ed, k)->start);
    if (is_null(ed, v))
        return line_of(ed, N(ed, v)->vstart) == kl;
    if ((N(ed, v)->type == N_MAP || N(ed, v)->type == N_SEQ) && N(ed, v)->flow &&
        !N(ed, v)->nkids)
        return line_of(ed, N(ed, v)->vstart) == kl && line_of(ed, N(ed, v)->end) == kl;
    return false;
}

/* Splices deleting a blockable value's text (" ~", " {}"). */
static void unblock(const mfedit_t *ed, edits_t *es, size_t k, size_t v)
{
    size_t c = colon_after(ed, k);
    if (N(ed, v)->end > c + 1)
        splice(es, c + 1, N(ed, v)->end, "");
}

/* The text of value v of key k to replace: [*s, *e). An empty value (`key:` with nothing after
 * it) is the empty span right after the ':' (libyaml may place it further on, at a '}'). */
static void value_span(const mfedit_t *ed, size_t k, size_t v, size_t *s, size_t *e)
{
    *s = N(ed, v)->vstart;
    *e = N(ed, v)->end;
    if (*s == *e && k != NONE && colon_after(ed, k) != NONE)
        *s = *e = colon_after(ed, k) + 1;
}

/* ------------------------------------------------------------------------------------------ */
/* writing environments and lists */

static void add_flow_list(buf_t *b, const char *const *items, size_t n)
{
    buf_addc(b, '[');
    for (size_t i = 0; i < n; i++) {
        if (i)
            buf_adds(b, ", ");
        add_scalar(b, items[i], Q_MIN);
    }
    buf_addc(b, ']');
}

/* "key:" and a list, as lines at column ind (block unless flow). */
static void add_list_lines(buf_t *b, const mfedit_t *ed, const style_t *st, size_t ind,
                           const char *key, const char *const *items, size_t n, bool flow)
{
    indent(b, ind);
    add_scalar(b, key, Q_MIN);
    if (flow || n == 0) {
        buf_adds(b, ": ");
        add_flow_list(b, items, n);
        buf_adds(b, ed->eol);
        return;
    }
    buf_printf(b, ":%s", ed->eol);
    for (size_t i = 0; i < n; i++) {
        indent(b, ind + st->seq_off);
        buf_addc(b, '-');
        indent(b, st->dash_gap);
        add_scalar(b, items[i], Q_MIN);
        buf_adds(b, ed->eol);
    }
}

static bool env_empty(const mfedit_env_t *env)
{
    return !env->nkeys && !env->with_packages;
}

/* `{k: v, packages: [a]}` */
static void add_env_flow_value(buf_t *b, const mfedit_env_t *env)
{
    buf_addc(b, '{');
    for (size_t i = 0; i < env->nkeys; i++) {
        if (i)
            buf_adds(b, ", ");
        add_scalar(b, env->keys[i].key, Q_MIN);
        buf_adds(b, ": ");
        add_value(b, &env->keys[i], Q_MIN);
    }
    if (env->with_packages) {
        buf_adds(b, env->nkeys ? ", packages: " : "packages: ");
        add_flow_list(b, env->packages, env->npackages);
    }
    buf_addc(b, '}');
}

/* The environment as block lines at column ind. */
static void add_env_lines(buf_t *b, const mfedit_t *ed, const style_t *st, size_t ind,
                          const mfedit_env_t *env, bool flow_value)
{
    indent(b, ind);
    add_scalar(b, env->name, Q_MIN);
    if (flow_value || env_empty(env)) {
        buf_adds(b, ": ");
        add_env_flow_value(b, env);
        buf_adds(b, ed->eol);
        return;
    }
    buf_printf(b, ":%s", ed->eol);
    for (size_t i = 0; i < env->nkeys; i++) {
        indent(b, ind + st->step);
        add_scalar(b, env->keys[i].key, Q_MIN);
        buf_adds(b, ": ");
        add_value(b, &env->keys[i], Q_MIN);
        buf_adds(b, ed->eol);
    }
    if (env->with_packages)
        add_list_lines(b, ed, st, ind + st->step, "packages", env->packages, env->npackages,
                       st->pkgs_flow);
}

/* Whether entry i of block mapping map (i > 0) is separated from the one before by a blank
 * line (just above its comment lines). */
static bool blank_before(const mfedit_t *ed, size_t map, size_t i)
{
    if (i == 0 || i >= npairs(ed, map))
        return false;
    size_t first = entry_first(ed, map, i);
    return first > 0 && line_kind(ed, first - 1, NULL) == L_BLANK;
}

/* Whether the entries of block mapping map are separated by blank lines (judged by the last
 * two). */
static bool blank_separated(const mfedit_t *ed, size_t map)
{
    return blank_before(ed, map, npairs(ed, map) - 1);
}

/* Splices that add an entry (lines made by `lines` at the right column, or `flow_text` inside a
 * flow mapping) to mapping map, the value of key k in parent (k == NONE for the root). */
typedef void (*lines_fn)(buf_t *b, const mfedit_t *ed, const style_t *st, size_t ind,
                         const void *arg);

static void append_entry(const mfedit_t *ed, edits_t *es, const style_t *st, size_t parent,
                         size_t k, size_t map, lines_fn lines, const void *arg,
                         const char *flow_text)
{
    buf_t b = BUF_INIT;
    bool block_here = k != NONE && blockable(ed, parent, k, map);
    if (N(ed, map)->type == N_MAP && N(ed, map)->flow && !block_here) {
        flow_append(ed, es, map, flow_text);
    } else if (N(ed, map)->type == N_MAP && npairs(ed, map)) {
        size_t n = npairs(ed, map);
        size_t last = entry_last(ed, map, n - 1);
        if (blank_separated(ed, map))
            buf_adds(&b, ed->eol);
        lines(&b, ed, st, col_of(ed, N(ed, pkey(ed, map, n - 1))->start), arg);
        insert_lines(ed, es, last, buf_cstr(&b));
    } else if (block_here) {
        /* null or {} under a block key: the key's line is followed by the block */
        unblock(ed, es, k, map);
        lines(&b, ed, st, col_of(ed, N(ed, k)->start) + st->step, arg);
        insert_lines(ed, es, last_line(ed, k), buf_cstr(&b));
    } else {
        /* a null where a block cannot go: a flow mapping in its place */
        size_t vs, ve;
        value_span(ed, k, map, &vs, &ve);
        buf_printf(&b, "%s{%s}", vs == ve ? " " : "", flow_text);
        splice(es, vs, ve, buf_cstr(&b));
    }
    buf_free(&b);
}

/* ------------------------------------------------------------------------------------------ */
/* operations */

err_t *mfedit_open(const char *text, size_t len, const char *name, mfedit_t **out)
{
    *out = NULL;
    mfedit_t *ed = xcalloc(1, sizeof *ed);
    ed->name = xstrdup(name ? name : "venv.yaml");
    ed->text = xstrndup(text, len);
    ed->len = strlen(ed->text);
    if (ed->len != len) {
        build_lines(ed);
        err_t *e = err_at(ed, ed->len, "not valid text: a NUL byte");
        mfedit_free(ed);
        return e;
    }
    err_t *e = load(ed);
    if (e) {
        mfedit_free(ed);
        return e;
    }
    *out = ed;
    return NULL;
}

void mfedit_free(mfedit_t *ed)
{
    if (!ed)
        return;
    nodes_free(ed);
    free(ed->ls);
    free(ed->text);
    free(ed->name);
    free(ed);
}

const char *mfedit_text(const mfedit_t *ed, size_t *len)
{
    if (len)
        *len = ed->len;
    return ed->text;
}

bool mfedit_changed(const mfedit_t *ed)
{
    return ed->changed;
}

/* Restores the text saved at the start of an operation (it parsed then, so it parses now). */
static err_t *restore(mfedit_t *ed, char *saved, bool changed, err_t *e)
{
    if (!e) {
        free(saved);
        return NULL;
    }
    free(ed->text);
    ed->text = saved;
    ed->len = strlen(saved);
    ed->changed = changed;
    err_free(load(ed));
    return e;
}

static void env_lines(buf_t *b, const mfedit_t *ed, const style_t *st, size_t ind,
                      const void *arg)
{
    const struct { const mfedit_env_t *env; bool flow; } *a = arg;
    add_env_lines(b, ed, st, ind, a->env, a->flow);
}

static void envs_key_lines(buf_t *b, const mfedit_t *ed, const style_t *st, size_t ind,
                           const void *arg)
{
    indent(b, ind);
    buf_printf(b, "environments:%s", ed->eol);
    add_env_lines(b, ed, st, ind + st->step, arg, false);
}

static err_t *add_env_step(mfedit_t *ed, const mfedit_env_t *env)
{
    if (!env->name || !*env->name)
        return err_at(ed, NONE, "an environment needs a name");
    for (size_t i = 0; i < env->nkeys; i++) {
        if (!env->keys[i].key || !*env->keys[i].key || !env->keys[i].value)
            return err_at(ed, NONE, "environment '%s': a setting without a key or value",
                          env->name);
        if (env->keys[i].literal && !literal_ok(env->keys[i].value))
            return err_at(ed, NONE, "environment '%s': '%s' is not a boolean or a number",
                          env->name, env->keys[i].value);
    }
    size_t root, ep, envs;
    err_t *e = root_map(ed, &root, true);
    if (!e)
        e = find_envs(ed, root, &ep, &envs);
    if (e)
        return e;
    style_t st = detect_style(ed);
    edits_t es = {0};
    buf_t b = BUF_INIT;
    if (root == NONE) {
        /* An empty document (comments at most): append at the end. */
        if (ed->len > ed->body && !ends_with_newline(ed))
            buf_adds(&b, ed->eol);
        envs_key_lines(&b, ed, &st, 0, env);
        splice(&es, ed->len, ed->len, buf_cstr(&b));
    } else if (envs == NONE) {
        buf_t flow = BUF_INIT;
        buf_adds(&flow, "environments: {");
        add_scalar(&flow, env->name, Q_MIN);
        buf_adds(&flow, ": ");
        add_env_flow_value(&flow, env);
        buf_addc(&flow, '}');
        if (N(ed, root)->flow) {
            flow_append(ed, &es, root, buf_cstr(&flow));
        } else {
            size_t n = npairs(ed, root);
            if (blank_separated(ed, root))
                buf_adds(&b, ed->eol);
            envs_key_lines(&b, ed, &st, col_of(ed, N(ed, pkey(ed, root, n - 1))->start), env);
            insert_lines(ed, &es, entry_last(ed, root, n - 1), buf_cstr(&b));
        }
        buf_free(&flow);
    } else {
        if (N(ed, envs)->type == N_MAP) {
            size_t i = own_pair(ed, envs, env->name);
            if (i != NONE) {
                e = err_at(ed, N(ed, pkey(ed, envs, i))->start, "environment '%s' already "
                           "exists", env->name);
                goto out;
            }
            size_t mk = merged_from(ed, envs, env->name, 0);
            if (mk != NONE) {
                e = err_at(ed, N(ed, mk)->start, "environment '%s' already exists (it comes "
                           "from a merge key)", env->name);
                goto out;
            }
            if ((e = check_shared(ed, envs, env->name, "add an environment")))
                goto out;
        }
        size_t k = pkey(ed, root, ep);
        /* Written `name: {...}` when the last environment is a one-line flow mapping. */
        bool flow_value = false;
        if (N(ed, envs)->type == N_MAP && npairs(ed, envs) && !N(ed, envs)->flow) {
            size_t lv = pval(ed, envs, npairs(ed, envs) - 1);
            flow_value = N(ed, lv)->type == N_MAP && N(ed, lv)->flow && N(ed, lv)->nkids &&
                         line_of(ed, N(ed, lv)->start) == line_of(ed, N(ed, lv)->end);
        }
        buf_t flow = BUF_INIT;
        add_scalar(&flow, env->name, Q_MIN);
        buf_adds(&flow, ": ");
        add_env_flow_value(&flow, env);
        struct { const mfedit_env_t *env; bool flow; } arg = {env, flow_value};
        append_entry(ed, &es, &st, root, k, envs, env_lines, &arg, buf_cstr(&flow));
        buf_free(&flow);
    }
    buf_free(&b);
    return apply(ed, &es);
out:
    buf_free(&b);
    edits_free(&es);
    return e;
}

err_t *mfedit_add_env(mfedit_t *ed, const mfedit_env_t *env)
{
    char *saved = xstrdup(ed->text);
    bool changed = ed->changed;
    err_t *e = add_env_step(ed, env);
    if (!e) {
        size_t envs, pair, val;
        err_t *chk = find_env(ed, env->name, &envs, &pair, &val);
        if (chk)
            e = err_ctx(chk, "internal error: the environment was not added");
    }
    return restore(ed, saved, changed, e);
}

err_t *mfedit_remove_env(mfedit_t *ed, const char *name)
{
    char *saved = xstrdup(ed->text);
    bool changed = ed->changed;
    size_t envs, pair, val;
    err_t *e = find_env(ed, name, &envs, &pair, &val);
    char *what = xasprintf("remove environment '%s'", name);
    if (!e)
        e = check_shared(ed, envs, name, what);
    if (!e) {
        edits_t es = {0};
        if (N(ed, envs)->flow) {
            e = flow_remove(ed, &es, envs, pair, what);
        } else {
            size_t root = ed->root;
            size_t ek = pkey(ed, root, own_pair(ed, root, "environments"));
            e = remove_block_entry(ed, &es, envs, pair, ek, what);
        }
        if (e)
            edits_free(&es);
        else
            e = apply(ed, &es);
    }
    if (!e) {
        size_t v2;
        err_t *chk = find_env(ed, name, &envs, &pair, &v2);
        if (!chk)
            e = err_at(ed, NONE, "internal error: environment '%s' is still there", name);
        err_free(chk);
    }
    free(what);
    return restore(ed, saved, changed, e);
}

/* The packages list of environment env: *list (NONE when there is no `packages` key), the
 * environment's value *ev (a mapping or a null) and its key *ek. */
static err_t *find_packages(const mfedit_t *ed, const char *env, const char *verb, size_t *ek,
                            size_t *ev, size_t *list)
{
    size_t envs, pair;
    err_t *e = find_env(ed, env, &envs, &pair, ev);
    if (e)
        return e;
    *ek = pkey(ed, envs, pair);
    *list = NONE;
    size_t v = *ev;
    if (N(ed, v)->type == N_ALIAS)
        return err_at(ed, N(ed, v)->start, "cannot %s packages of environment '%s': it is an "
                      "alias (*%s)" BY_HAND, verb, env, N(ed, N(ed, v)->target)->anchor);
    if (is_null(ed, v))
        return NULL;
    if (N(ed, v)->type != N_MAP)
        return err_at(ed, N(ed, v)->start, "environment '%s' must be a mapping", env);
    size_t i = own_pair(ed, v, "packages");
    if (i == NONE) {
        size_t mk = merged_from(ed, v, "packages", 0);
        if (mk != NONE)
            return err_at(ed, N(ed, mk)->start, "cannot %s packages of environment '%s': its "
                          "'packages' come from the merge key here (%s)" BY_HAND, verb, env,
                          strcmp(verb, "add") == 0
                              ? "a list of its own would replace them"
                              : "they belong to the environment it merges");
        return NULL;
    }
    size_t l = pval(ed, v, i);
    if (N(ed, l)->type == N_ALIAS)
        return err_at(ed, N(ed, l)->start, "cannot %s packages of environment '%s': its "
                      "'packages' is an alias (*%s)" BY_HAND, verb, env,
                      N(ed, N(ed, l)->target)->anchor);
    if (N(ed, l)->type != N_SEQ && !is_null(ed, l))
        return err_at(ed, N(ed, l)->start, "'packages' in environment '%s' must be a list", env);
    *list = l;
    return NULL;
}

/* Index of the first item of seq naming project key (normalized), from index from; NONE. */
static size_t find_item(const mfedit_t *ed, size_t seq, const char *name, size_t nlen,
                        size_t from)
{
    for (size_t j = from; j < N(ed, seq)->nkids; j++) {
        size_t it = resolve(ed, N(ed, seq)->kids[j]);
        size_t at, n;
        if (N(ed, it)->type == N_SCALAR && req_name(N(ed, it)->value, &at, &n) &&
            pkg_name_eq_n(N(ed, it)->value + at, n, name, nlen))
            return j;
    }
    return NONE;
}

static void pkg_lines(buf_t *b, const mfedit_t *ed, const style_t *st, size_t ind,
                      const void *arg)
{
    const char *spec = arg;
    add_list_lines(b, ed, st, ind, "packages", &spec, 1, st->pkgs_flow);
}

static err_t *add_package_step(mfedit_t *ed, const char *env, const char *spec, char **replaced)
{
    size_t at, nlen;
    req_name(spec, &at, &nlen);
    size_t ek, ev, list;
    err_t *e = find_packages(ed, env, "add", &ek, &ev, &list);
    if (e)
        return e;
    style_t st = detect_style(ed);
    edits_t es = {0};
    buf_t b = BUF_INIT;
    if (list == NONE) {
        char *what = xasprintf("add packages to environment '%s'", env);
        e = check_shared(ed, ev, "packages", what);
        free(what);
        if (e)
            return e;
        buf_adds(&b, "packages: ");
        add_flow_list(&b, &spec, 1);
        size_t envs = N(ed, ek)->parent;
        append_entry(ed, &es, &st, envs, ek, ev, pkg_lines, spec, buf_cstr(&b));
    } else {
        char *what = xasprintf("add packages to environment '%s'", env);
        e = check_shared(ed, list, NULL, what);
        free(what);
        if (e)
            return e;
        size_t v = N(ed, list)->parent;
        size_t lk = pkey(ed, v, own_pair(ed, v, "packages"));
        size_t j = N(ed, list)->type == N_SEQ ? find_item(ed, list, spec + at, nlen, 0) : NONE;
        if (j != NONE) {
            size_t it = N(ed, list)->kids[j];
            const char *was = N(ed, resolve(ed, it))->value;
            if (replaced)
                *replaced = xstrdup(was);
            if (strcmp(was, spec) == 0)
                return NULL;
            char *rwhat = xasprintf("replace '%s' in environment '%s'", was, env);
            e = check_shared(ed, it, NULL, rwhat);
            free(rwhat);
            if (e) {
                if (replaced)
                    free(*replaced), *replaced = NULL;
                return e;
            }
            add_scalar(&b, spec, style_of(ed, it));
            splice(&es, N(ed, it)->vstart, N(ed, it)->end, buf_cstr(&b));
        } else if (blockable(ed, v, lk, list) && !st.pkgs_flow) {
            unblock(ed, &es, lk, list);
            size_t ind = col_of(ed, N(ed, lk)->start) + st.seq_off;
            indent(&b, ind);
            buf_addc(&b, '-');
            indent(&b, st.dash_gap);
            add_scalar(&b, spec, Q_MIN);
            buf_adds(&b, ed->eol);
            insert_lines(ed, &es, last_line(ed, lk), buf_cstr(&b));
        } else if (is_null(ed, list)) {
            /* `packages: ~` somewhere a block cannot go: write a flow list in its place */
            size_t vs, ve;
            value_span(ed, lk, list, &vs, &ve);
            if (vs == ve)
                buf_addc(&b, ' ');
            add_flow_list(&b, &spec, 1);
            splice(&es, vs, ve, buf_cstr(&b));
        } else if (N(ed, list)->flow) {
            add_scalar(&b, spec, Q_MIN);
            flow_append(ed, &es, list, buf_cstr(&b));
        } else {
            /* a block list: a line like the last item's */
            size_t it = N(ed, list)->kids[N(ed, list)->nkids - 1];
            size_t dash = N(ed, it)->start;
            while (dash > 0 && strchr(" \t\r\n", ed->text[dash - 1]))
                dash--;
            if (!dash || ed->text[dash - 1] != '-' || !starts_line(ed, dash - 1)) {
                buf_free(&b);
                return err_at(ed, N(ed, it)->start, "cannot add packages: the last item of "
                              "'packages' is not on a line of its own" BY_HAND);
            }
            dash--;
            size_t ls = ed->ls[line_of(ed, dash)];
            buf_add(&b, ed->text + ls, dash - ls);
            buf_addc(&b, '-');
            if (line_of(ed, dash) == line_of(ed, N(ed, it)->start))
                buf_add(&b, ed->text + dash + 1, N(ed, it)->start - dash - 1);
            else
                buf_addc(&b, ' ');
            add_scalar(&b, spec, Q_MIN);
            buf_adds(&b, ed->eol);
            insert_lines(ed, &es, last_line(ed, it), buf_cstr(&b));
        }
    }
    buf_free(&b);
    return apply(ed, &es);
}

err_t *mfedit_add_packages(mfedit_t *ed, const char *env, const char *const *specs, size_t n,
                           char **replaced)
{
    for (size_t i = 0; replaced && i < n; i++)
        replaced[i] = NULL;
    for (size_t i = 0; i < n; i++) {
        size_t at, len;
        if (!specs[i] || !req_name(specs[i], &at, &len))
            return err_at(ed, NONE, "'%s' is not a requirement (it must start with a project "
                          "name)", specs[i] ? specs[i] : "");
        for (size_t j = 0; j < i; j++) {
            size_t at2, len2;
            req_name(specs[j], &at2, &len2);
            if (pkg_name_eq_n(specs[i] + at, len, specs[j] + at2, len2))
                return err_at(ed, NONE, "'%s' and '%s' name the same project", specs[j],
                              specs[i]);
        }
    }
    char *saved = xstrdup(ed->text);
    bool changed = ed->changed;
    err_t *e = NULL;
    for (size_t i = 0; i < n && !e; i++) {
        e = add_package_step(ed, env, specs[i], replaced ? &replaced[i] : NULL);
        if (!e) {
            size_t ek, ev, list, at, len;
            req_name(specs[i], &at, &len);
            e = find_packages(ed, env, "add", &ek, &ev, &list);
            if (!e && (list == NONE || N(ed, list)->type != N_SEQ ||
                       find_item(ed, list, specs[i] + at, len, 0) == NONE))
                e = err_at(ed, NONE, "internal error: '%s' was not added", specs[i]);
        }
    }
    if (e && replaced)
        for (size_t i = 0; i < n; i++)
            free(replaced[i]), replaced[i] = NULL;
    return restore(ed, saved, changed, e);
}

static err_t *remove_item_step(mfedit_t *ed, size_t list, size_t j, const char *what)
{
    edits_t es = {0};
    err_t *e = check_shared(ed, N(ed, list)->kids[j], NULL, what);
    if (e)
        return e;
    if (N(ed, list)->flow) {
        e = flow_remove(ed, &es, list, j, what);
    } else {
        size_t it = N(ed, list)->kids[j];
        size_t dash = N(ed, it)->start;
        while (dash > 0 && strchr(" \t\r\n", ed->text[dash - 1]))
            dash--;
        if (!dash || ed->text[dash - 1] != '-' || !starts_line(ed, dash - 1))
            return err_at(ed, N(ed, it)->start, "cannot %s: the item is not on a line of its "
                          "own" BY_HAND, what);
        dash--;
        size_t first = line_of(ed, dash), last = last_line(ed, it);
        e = check_anchors_in(ed, ed->ls[first], line_next(ed, last), what);
        if (!e && N(ed, list)->nkids == 1) {
            size_t v = N(ed, list)->parent;
            size_t lk = pkey(ed, v, own_pair(ed, v, "packages"));
            size_t at = empty_marker_at(ed, lk, list);
            if (at == NONE)
                e = err_at(ed, N(ed, lk)->start, "cannot %s: no place to write '[]'" BY_HAND,
                           what);
            else
                splice(&es, at, at, " []");
        }
        if (!e)
            delete_lines(ed, &es, first, last);
    }
    if (e) {
        edits_free(&es);
        return e;
    }
    return apply(ed, &es);
}

err_t *mfedit_remove_packages(mfedit_t *ed, const char *env, const char *const *names, size_t n,
                              char ***missing)
{
    if (missing)
        *missing = NULL;
    for (size_t i = 0; i < n; i++)
        if (!names[i] || !pkg_name_valid(names[i]))
            return err_at(ed, NONE, "'%s' is not a project name", names[i] ? names[i] : "");
    char *saved = xstrdup(ed->text);
    bool changed = ed->changed;
    char **miss = xcalloc(n + 1, sizeof *miss);
    size_t nmiss = 0;
    err_t *e = NULL;
    for (size_t i = 0; i < n && !e; i++) {
        bool found = false;
        for (;;) {
            size_t ek, ev, list;
            if ((e = find_packages(ed, env, "remove", &ek, &ev, &list)))
                break;
            size_t j = list == NONE || N(ed, list)->type != N_SEQ
                           ? NONE : find_item(ed, list, names[i], strlen(names[i]), 0);
            if (j == NONE)
                break;
            char *what = xasprintf("remove '%s' from environment '%s'",
                                   N(ed, resolve(ed, N(ed, list)->kids[j]))->value, env);
            e = remove_item_step(ed, list, j, what);
            free(what);
            found = true;
            if (e)
                break;
        }
        if (!e && !found) {
            bool dup = false;
            for (size_t j = 0; j < nmiss; j++)
                dup |= pkg_name_eq(miss[j], names[i]);
            if (!dup)
                miss[nmiss++] = xstrdup(names[i]);
        }
    }
    if (!e && nmiss && !missing) {
        buf_t b = BUF_INIT;
        for (size_t i = 0; i < nmiss; i++)
            buf_printf(&b, "%s'%s'", i ? ", " : "", miss[i]);
        e = err_at(ed, NONE, "environment '%s' has no package %s", env, buf_cstr(&b));
        buf_free(&b);
    }
    if (e || !missing)
        strv_free(miss);
    else
        *missing = miss;
    return restore(ed, saved, changed, e);
}

static void kv_lines(buf_t *b, const mfedit_t *ed, const style_t *st, size_t ind,
                     const void *arg)
{
    const mfedit_kv_t *kv = arg;
    indent(b, ind);
    add_scalar(b, kv->key, Q_MIN);
    buf_adds(b, ": ");
    add_value(b, kv, Q_MIN);
    buf_adds(b, ed->eol);
}

static err_t *set_step(mfedit_t *ed, const char *env, const mfedit_kv_t *kv)
{
    const char *key = kv->key, *value = kv->value;
    size_t map, mk = NONE, parent = NONE, root;
    err_t *e;
    char *what = env ? xasprintf("set '%s' of environment '%s'", key, env)
                     : xasprintf("set '%s'", key);
    edits_t es = {0};
    buf_t b = BUF_INIT;
    if (env) {
        size_t envs, pair;
        if ((e = find_env(ed, env, &envs, &pair, &map)))
            goto out;
        mk = pkey(ed, envs, pair);
        parent = envs;
        if (N(ed, map)->type == N_ALIAS) {
            e = err_at(ed, N(ed, map)->start, "cannot %s: the environment is an alias (*%s)"
                       BY_HAND, what, N(ed, N(ed, map)->target)->anchor);
            goto out;
        }
        if (N(ed, map)->type != N_MAP && !is_null(ed, map)) {
            e = err_at(ed, N(ed, map)->start, "environment '%s' must be a mapping", env);
            goto out;
        }
    } else {
        if ((e = root_map(ed, &root, true)))
            goto out;
        map = root;
    }
    size_t i = map == NONE || N(ed, map)->type != N_MAP ? NONE : own_pair(ed, map, key);
    if (i != NONE) {
        size_t v = pval(ed, map, i);
        if (N(ed, v)->type != N_SCALAR) {
            e = err_at(ed, N(ed, v)->start, "cannot %s: its value is %s" BY_HAND, what,
                       N(ed, v)->type == N_ALIAS ? "an alias" :
                       N(ed, v)->type == N_SEQ ? "a list" : "a mapping");
            goto out;
        }
        if ((e = check_shared(ed, v, NULL, what)))
            goto out;
        if (N(ed, v)->vlen == strlen(value) && strcmp(N(ed, v)->value, value) == 0 &&
            !is_null(ed, v) && kv->literal == (N(ed, v)->sstyle == YAML_PLAIN_SCALAR_STYLE))
            goto out;
        size_t vs, ve;
        value_span(ed, pkey(ed, map, i), v, &vs, &ve);
        if (vs == ve)
            buf_addc(&b, ' ');           /* `key:` with nothing after it */
        add_value(&b, kv, is_null(ed, v) ? Q_MIN : style_of(ed, v));
        splice(&es, vs, ve, buf_cstr(&b));
    } else if (map == NONE) {
        /* empty document */
        if (ed->len > ed->body && !ends_with_newline(ed))
            buf_adds(&b, ed->eol);
        kv_lines(&b, ed, NULL, 0, kv);
        splice(&es, ed->len, ed->len, buf_cstr(&b));
    } else {
        if ((e = check_shared(ed, map, key, what)))
            goto out;
        style_t st = detect_style(ed);
        buf_t flow = BUF_INIT;
        add_scalar(&flow, key, Q_MIN);
        buf_adds(&flow, ": ");
        add_value(&flow, kv, Q_MIN);
        size_t ep = env ? NONE : own_pair(ed, map, "environments");
        if (!env && ep != NONE && !N(ed, map)->flow && ep > 0) {
            /* top level: after the key before `environments:` */
            if (blank_before(ed, map, ep - 1))
                buf_adds(&b, ed->eol);
            kv_lines(&b, ed, &st, col_of(ed, N(ed, pkey(ed, map, ep))->start), kv);
            insert_lines(ed, &es, entry_last(ed, map, ep - 1), buf_cstr(&b));
        } else if (!env && ep != NONE && !N(ed, map)->flow) {
            /* `environments:` comes first: just above it and its comments */
            size_t first = entry_first(ed, map, ep);
            kv_lines(&b, ed, &st, col_of(ed, N(ed, pkey(ed, map, ep))->start), kv);
            splice(&es, ed->ls[first], ed->ls[first], buf_cstr(&b));
        } else {
            append_entry(ed, &es, &st, parent, mk, map, kv_lines, kv, buf_cstr(&flow));
        }
        buf_free(&flow);
    }
out:
    free(what);
    buf_free(&b);
    if (e) {
        edits_free(&es);
        return e;
    }
    if (!es.n)
        return NULL;
    return apply(ed, &es);
}

static err_t *set(mfedit_t *ed, const char *env, const mfedit_kv_t *kv)
{
    if (!kv->key || !*kv->key || !kv->value)
        return err_at(ed, NONE, "a setting needs a key and a value");
    if (kv->literal && !literal_ok(kv->value))
        return err_at(ed, NONE, "'%s' is not a boolean or a number", kv->value);
    char *saved = xstrdup(ed->text);
    bool changed = ed->changed;
    return restore(ed, saved, changed, set_step(ed, env, kv));
}

err_t *mfedit_set(mfedit_t *ed, const char *env, const char *key, const char *value)
{
    return set(ed, env, &(mfedit_kv_t){key, value, false});
}

err_t *mfedit_set_literal(mfedit_t *ed, const char *env, const char *key, const char *value)
{
    return set(ed, env, &(mfedit_kv_t){key, value, true});
}

/* ------------------------------------------------------------------------------------------ */
/* a new manifest */

char *mfedit_render(const mfedit_manifest_t *m)
{
    buf_t b = BUF_INIT;
    if (m->header) {
        const char *p = m->header;
        while (*p) {
            const char *nl = strchr(p, '\n');
            size_t n = nl ? (size_t)(nl - p) : strlen(p);
            if (n)
                buf_adds(&b, "# "), buf_add(&b, p, n);
            else
                buf_addc(&b, '#');
            buf_addc(&b, '\n');
            p += n + (nl ? 1 : 0);
        }
        buf_addc(&b, '\n');
    }
    buf_adds(&b, "version: 1\n");
    if (m->python) {
        buf_adds(&b, "python: ");
        add_scalar(&b, m->python, Q_MIN);
        buf_addc(&b, '\n');
    }
    if (m->root) {
        buf_adds(&b, "root: ");
        add_scalar(&b, m->root, Q_MIN);
        buf_addc(&b, '\n');
    }
    if (!m->nenvs) {
        buf_adds(&b, "environments: {}\n");
        return buf_detach(&b);
    }
    buf_adds(&b, "environments:\n");
    mfedit_t fake = {.eol = "\n"};
    style_t st = {2, 2, 1, false};
    for (size_t i = 0; i < m->nenvs; i++)
        add_env_lines(&b, &fake, &st, 2, &m->envs[i], false);
    return buf_detach(&b);
}
