/*
 * edit_splice: the changes the manifest editor's operations are made of (see edit_internal.h):
 * splices of the text, applied and parsed again; the file's style (indentation, dash column,
 * flow or block packages lists); which lines belong to an entry of a block mapping; items of
 * flow collections; and where a new entry goes.
 */
#include <stdlib.h>
#include <string.h>

#include "manifest/edit_internal.h"
#include "util/buf.h"
#include "util/xalloc.h"

/* ------------------------------------------------------------------------------------------ */
/* splices */

void mfe_splice(edits_t *es, size_t start, size_t end, const char *text)
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

void mfe_edits_free(edits_t *es)
{
    for (size_t i = 0; i < es->n; i++)
        free(es->v[i].text);
    free(es->v);
    es->v = NULL;
    es->n = es->cap = 0;
}

/* Applies es (freed) and parses the result; on failure the text is unchanged. */
err_t *mfe_apply(mfedit_t *ed, edits_t *es)
{
    qsort(es->v, es->n, sizeof *es->v, cmp_edit);
    buf_t b = BUF_INIT;
    size_t at = 0;
    for (size_t i = 0; i < es->n; i++) {
        if (es->v[i].start < at || es->v[i].end > ed->len) {
            mfe_edits_free(es);
            buf_free(&b);
            return mfe_err_at(ed, NONE, "internal error: overlapping edits; nothing changed");
        }
        buf_add(&b, ed->text + at, es->v[i].start - at);
        buf_adds(&b, es->v[i].text);
        at = es->v[i].end;
    }
    buf_add(&b, ed->text + at, ed->len - at);
    mfe_edits_free(es);

    char *old = ed->text;
    size_t oldlen = ed->len;
    ed->len = b.len;
    ed->text = buf_detach(&b);
    err_t *e = mfe_load(ed);
    if (e) {
        err_t *r = err_new(EXIT_USAGE, "%s: internal error: the edit would not be valid YAML "
                           "(%s); nothing changed", ed->name, e->msg);
        err_free(e);
        free(ed->text);
        ed->text = old;
        ed->len = oldlen;
        e = mfe_load(ed);
        err_free(e);
        return r;
    }
    free(old);
    ed->changed = true;
    return NULL;
}

/* Inserts text (whole lines, each ending with ed->eol) after line L. After a last line without
 * a line break, the break goes before the text and the text's last one is dropped. */
void mfe_insert_lines(const mfedit_t *ed, edits_t *es, size_t L, const char *text)
{
    if (L + 1 >= ed->nlines && !mfe_ends_with_newline(ed)) {
        buf_t b = BUF_INIT;
        buf_adds(&b, ed->eol);
        buf_adds(&b, text);
        size_t el = strlen(ed->eol);
        if (b.len >= el + el && strcmp(b.data + b.len - el, ed->eol) == 0)
            buf_setlen(&b, b.len - el);
        mfe_splice(es, ed->len, ed->len, buf_cstr(&b));
        buf_free(&b);
        return;
    }
    mfe_splice(es, mfe_line_next(ed, L), mfe_line_next(ed, L), text);
}

/* Deletes lines a..b (whole, with their breaks). */
void mfe_delete_lines(const mfedit_t *ed, edits_t *es, size_t a, size_t b)
{
    size_t s = ed->ls[a], e = mfe_line_next(ed, b);
    if (e == ed->len && !mfe_ends_with_newline(ed) && a > 0)
        s = mfe_line_cend(ed, a - 1);
    mfe_splice(es, s, e, "");
}

/* ------------------------------------------------------------------------------------------ */
/* the file's style */

style_t mfe_detect_style(const mfedit_t *ed)
{
    style_t st = {2, 2, 1, false};
    bool have_step = false, have_seq = false, seq_is_pkgs = false;
    for (size_t m = 0; m < ed->nnodes; m++) {
        if (N(ed, m)->type != N_MAP || N(ed, m)->flow)
            continue;
        for (size_t i = 0; i < npairs(ed, m); i++) {
            size_t k = pkey(ed, m, i), v = pval(ed, m, i);
            size_t kc = mfe_col_of(ed, N(ed, k)->start);
            if (N(ed, v)->type == N_MAP && !N(ed, v)->flow && !have_step) {
                size_t vc = mfe_col_of(ed, N(ed, v)->vstart);
                if (vc > kc &&
                    mfe_line_of(ed, N(ed, v)->vstart) > mfe_line_of(ed, N(ed, k)->start)) {
                    st.step = vc - kc;
                    have_step = true;
                }
            }
            bool pk = mfe_key_is(ed, k, "packages");
            if (N(ed, v)->type == N_SEQ && !N(ed, v)->flow && N(ed, v)->nkids &&
                (!have_seq || (pk && !seq_is_pkgs))) {
                size_t item = N(ed, v)->kids[0];
                size_t dash = N(ed, item)->start;
                while (dash > 0 && strchr(" \t\r\n", ed->text[dash - 1]))
                    dash--;
                if (dash > 0 && ed->text[dash - 1] == '-') {
                    dash--;
                    size_t dc = mfe_col_of(ed, dash);
                    if (dc >= kc && mfe_line_of(ed, dash) > mfe_line_of(ed, N(ed, k)->start)) {
                        st.seq_off = dc - kc;
                        st.dash_gap = mfe_line_of(ed, dash) == mfe_line_of(ed, N(ed, item)->start)
                                          ? mfe_col_of(ed, N(ed, item)->start) - dc - 1
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
        size_t i = mfe_own_pair(ed, ed->root, "environments");
        if (i != NONE) {
            size_t k = pkey(ed, ed->root, i), v = pval(ed, ed->root, i);
            if (N(ed, v)->type == N_MAP && !N(ed, v)->flow &&
                mfe_col_of(ed, N(ed, v)->vstart) > mfe_col_of(ed, N(ed, k)->start))
                st.step = mfe_col_of(ed, N(ed, v)->vstart) - mfe_col_of(ed, N(ed, k)->start);
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
size_t mfe_entry_first(const mfedit_t *ed, size_t map, size_t i)
{
    size_t k = pkey(ed, map, i);
    size_t L = mfe_line_of(ed, N(ed, k)->start);
    size_t c = mfe_col_of(ed, N(ed, k)->start);
    size_t bound = N(ed, k)->prev_end == NONE ? 0 : mfe_line_of(ed, N(ed, k)->prev_end) + 1;
    while (L > bound) {
        size_t col;
        if (mfe_line_kind(ed, L - 1, &col) != L_COMMENT || col != c)
            break;
        L--;
    }
    return L;
}

/* The last line of entry i: its value's last line, or the last of the comment lines after it
 * (before the next content line) indented deeper than its key. */
size_t mfe_entry_last(const mfedit_t *ed, size_t map, size_t i)
{
    size_t k = pkey(ed, map, i), v = pval(ed, map, i);
    size_t c = mfe_col_of(ed, N(ed, k)->start);
    size_t last = mfe_last_line(ed, v);
    if (last < mfe_last_line(ed, k))
        last = mfe_last_line(ed, k);
    for (size_t L = last + 1; L < ed->nlines; L++) {
        size_t col;
        int kind = mfe_line_kind(ed, L, &col);
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
size_t mfe_empty_marker_at(const mfedit_t *ed, size_t k, size_t v)
{
    if (N(ed, v)->pend > N(ed, v)->start)
        return N(ed, v)->pend;
    size_t c = colon_after(ed, k);
    return c == NONE ? NONE : c + 1;
}

/* Splices that remove entry i of block mapping map (rules in edit.h). When it is the only
 * entry, `empty` (" {}") is written after the mapping's key parent_key. */
err_t *mfe_remove_block_entry(const mfedit_t *ed, edits_t *es, size_t map, size_t i,
                              size_t parent_key, const char *what)
{
    size_t k = pkey(ed, map, i);
    if (!mfe_starts_line(ed, N(ed, k)->start))
        return mfe_err_at(ed, N(ed, k)->start, "cannot %s: its key is not at the start of its "
                          "line" BY_HAND, what);
    size_t first = mfe_entry_first(ed, map, i), last = mfe_entry_last(ed, map, i);
    size_t blank_above = 0, blank_below = 0;
    while (first > blank_above && mfe_line_kind(ed, first - blank_above - 1, NULL) == L_BLANK)
        blank_above++;
    while (last + blank_below + 1 < ed->nlines &&
           mfe_line_kind(ed, last + blank_below + 1, NULL) == L_BLANK)
        blank_below++;
    if (blank_above)
        first -= blank_above;
    else if (blank_below && i + 1 < npairs(ed, map))
        last += blank_below;
    err_t *e = mfe_check_anchors_in(ed, ed->ls[first], mfe_line_next(ed, last), what);
    if (e)
        return e;
    if (npairs(ed, map) == 1) {
        size_t at = parent_key == NONE ? NONE : mfe_empty_marker_at(ed, parent_key, map);
        if (at == NONE)
            return mfe_err_at(ed, N(ed, k)->start, "cannot %s: it is the only entry and the "
                              "mapping has no key to write '{}' after" BY_HAND, what);
        mfe_splice(es, at, at, " {}");
    }
    mfe_delete_lines(ed, es, first, last);
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
void mfe_flow_append(const mfedit_t *ed, edits_t *es, size_t n, const char *item)
{
    const node_t *x = N(ed, n);
    size_t cnt = flow_count(ed, n);
    if (!cnt) {
        mfe_splice(es, x->vstart + 1, x->vstart + 1, item);
        return;
    }
    size_t s, e;
    flow_item(ed, n, cnt - 1, &s, &e);
    size_t comma = find_comma(ed, e, x->close);
    size_t L = mfe_line_of(ed, comma != NONE ? comma : e);
    bool own_lines = mfe_starts_line(ed, s) && mfe_line_of(ed, x->close) > L;
    buf_t b = BUF_INIT;
    if (own_lines) {
        buf_add(&b, ed->text + ed->ls[mfe_line_of(ed, s)], s - ed->ls[mfe_line_of(ed, s)]);
        buf_adds(&b, item);
        if (comma != NONE)
            buf_addc(&b, ',');
        else
            mfe_splice(es, e, e, ",");
        buf_adds(&b, ed->eol);
        mfe_splice(es, mfe_line_next(ed, L), mfe_line_next(ed, L), buf_cstr(&b));
    } else if (comma != NONE) {
        buf_printf(&b, " %s,", item);
        mfe_splice(es, comma + 1, comma + 1, buf_cstr(&b));
    } else {
        buf_printf(&b, ", %s", item);
        mfe_splice(es, e, e, buf_cstr(&b));
    }
    buf_free(&b);
}

/* Splices that remove item j of flow collection n (rules in edit.h). */
err_t *mfe_flow_remove(const mfedit_t *ed, edits_t *es, size_t n, size_t j, const char *what)
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
    bool own_lines = mfe_starts_line(ed, s) && clean_after && p < x->close;
    size_t ps = NONE, pe = NONE, ns = NONE, ne;
    if (j > 0)
        flow_item(ed, n, j - 1, &ps, &pe);
    if (j + 1 < cnt)
        flow_item(ed, n, j + 1, &ns, &ne);
    err_t *err = mfe_check_anchors_in(ed, s, e, what);
    if (err)
        return err;
    if (own_lines) {
        mfe_delete_lines(ed, es, mfe_line_of(ed, s), mfe_line_of(ed, e));
        if (comma == NONE && ps != NONE) {
            size_t pc = find_comma(ed, pe, s);
            if (pc != NONE)
                mfe_splice(es, pc, pc + 1, "");
        }
    } else if (ns != NONE) {
        mfe_splice(es, s, ns, "");
    } else if (ps != NONE) {
        mfe_splice(es, pe, e, "");
    } else {
        size_t to = comma != NONE ? comma + 1 : e;
        while (to < x->close && (ed->text[to] == ' ' || ed->text[to] == '\t'))
            to++;
        mfe_splice(es, s, to, "");
    }
    return NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* values that become blocks, and new entries */

/* Whether value v of key k can be turned into a block by deleting its text: a null or an empty
 * flow collection without properties on the key's line, in a block mapping. */
bool mfe_blockable(const mfedit_t *ed, size_t map, size_t k, size_t v)
{
    if (N(ed, map)->flow || N(ed, v)->pend > N(ed, v)->start || colon_after(ed, k) == NONE)
        return false;
    if (!mfe_starts_line(ed, N(ed, k)->start))
        return false;
    size_t kl = mfe_line_of(ed, N(ed, k)->start);
    if (mfe_is_null(ed, v))
        return mfe_line_of(ed, N(ed, v)->vstart) == kl;
    if ((N(ed, v)->type == N_MAP || N(ed, v)->type == N_SEQ) && N(ed, v)->flow &&
        !N(ed, v)->nkids)
        return mfe_line_of(ed, N(ed, v)->vstart) == kl && mfe_line_of(ed, N(ed, v)->end) == kl;
    return false;
}

/* Splices deleting a blockable value's text (" ~", " {}"). */
void mfe_unblock(const mfedit_t *ed, edits_t *es, size_t k, size_t v)
{
    size_t c = colon_after(ed, k);
    if (N(ed, v)->end > c + 1)
        mfe_splice(es, c + 1, N(ed, v)->end, "");
}

/* The text of value v of key k to replace: [*s, *e). An empty value (`key:` with nothing after
 * it) is the empty span right after the ':' (libyaml may place it further on, at a '}'). */
void mfe_value_span(const mfedit_t *ed, size_t k, size_t v, size_t *s, size_t *e)
{
    *s = N(ed, v)->vstart;
    *e = N(ed, v)->end;
    if (*s == *e && k != NONE && colon_after(ed, k) != NONE)
        *s = *e = colon_after(ed, k) + 1;
}

/* Whether entry i of block mapping map (i > 0) is separated from the one before by a blank
 * line (just above its comment lines). */
bool mfe_blank_before(const mfedit_t *ed, size_t map, size_t i)
{
    if (i == 0 || i >= npairs(ed, map))
        return false;
    size_t first = mfe_entry_first(ed, map, i);
    return first > 0 && mfe_line_kind(ed, first - 1, NULL) == L_BLANK;
}

/* Whether the entries of block mapping map are separated by blank lines (judged by the last
 * two). */
bool mfe_blank_separated(const mfedit_t *ed, size_t map)
{
    return mfe_blank_before(ed, map, npairs(ed, map) - 1);
}

/* Splices that add an entry (lines made by `lines` at the right column, or `flow_text` inside a
 * flow mapping) to mapping map, the value of key k in parent (k == NONE for the root). */
void mfe_append_entry(const mfedit_t *ed, edits_t *es, const style_t *st, size_t parent,
                      size_t k, size_t map, lines_fn lines, const void *arg,
                      const char *flow_text)
{
    buf_t b = BUF_INIT;
    bool block_here = k != NONE && mfe_blockable(ed, parent, k, map);
    if (N(ed, map)->type == N_MAP && N(ed, map)->flow && !block_here) {
        mfe_flow_append(ed, es, map, flow_text);
    } else if (N(ed, map)->type == N_MAP && npairs(ed, map)) {
        size_t n = npairs(ed, map);
        size_t last = mfe_entry_last(ed, map, n - 1);
        if (mfe_blank_separated(ed, map))
            buf_adds(&b, ed->eol);
        lines(&b, ed, st, mfe_col_of(ed, N(ed, pkey(ed, map, n - 1))->start), arg);
        mfe_insert_lines(ed, es, last, buf_cstr(&b));
    } else if (block_here) {
        /* null or {} under a block key: the key's line is followed by the block */
        mfe_unblock(ed, es, k, map);
        lines(&b, ed, st, mfe_col_of(ed, N(ed, k)->start) + st->step, arg);
        mfe_insert_lines(ed, es, mfe_last_line(ed, k), buf_cstr(&b));
    } else {
        /* a null where a block cannot go: a flow mapping in its place */
        size_t vs, ve;
        mfe_value_span(ed, k, map, &vs, &ve);
        buf_printf(&b, "%s{%s}", vs == ve ? " " : "", flow_text);
        mfe_splice(es, vs, ve, buf_cstr(&b));
    }
    buf_free(&b);
}

