/*
 * range: sets of PEP 440 versions (see range.h for the contract).
 *
 * Representation: a sorted list of cuts c0 < c1 < ... < c(n-1), n even; the set is
 * [c0, c1) U [c2, c3) U ... A cut is a position between versions: -inf, +inf, "just below V",
 * "just above V", or "at sentinel S" (stored as BELOW with the sentinel version). Strictly
 * increasing cuts mean disjoint, non-adjacent intervals; the gap rule below makes the cut for a
 * position unique, so equal sets have equal lists.
 *
 * Gap rule: some sentinels have an immediate successor among normal versions with nothing in
 * between (X.MIN -> X.dev0; V.devN+localMAX -> V.dev(N+1); V+localMAX -> V.post0.dev0 or
 * V.post(N+1).dev0; Va(N).MAX -> Va(N+1).dev0). "Just below" such a successor is the same
 * position as the sentinel; mkcut() always stores it as the sentinel. Normal versions have no
 * immediate successor (a longer local label always fits in between), and no two sentinels are
 * neighbours, so no other positions coincide. 0.MIN (epoch 0, release 0) is below every version:
 * a cut there is -inf.
 *
 * Operations sweep the two cut lists once (O(n + m)), collecting cuts that point into the inputs,
 * then copy them into one allocation: a result owns [cuts][release numbers][local labels].
 */
#include "pkg/range.h"

#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/xalloc.h"

enum { CUT_NEG_INF = 0, CUT_BELOW = 1, CUT_ABOVE = 2, CUT_POS_INF = 3 };

struct vcut {
    int kind;
    version_t v;            /* zeroed for the infinities; a sentinel only with CUT_BELOW */
};
typedef struct vcut vcut_t;

/* ------------------------------------------------------------------------------------------ */
/* Cuts                                                                                         */

static int cut_cmp(const vcut_t *a, const vcut_t *b)
{
    if (a->kind == CUT_NEG_INF || b->kind == CUT_NEG_INF)
        return (a->kind != CUT_NEG_INF) - (b->kind != CUT_NEG_INF);
    if (a->kind == CUT_POS_INF || b->kind == CUT_POS_INF)
        return (a->kind == CUT_POS_INF) - (b->kind == CUT_POS_INF);
    int c = version_cmp(&a->v, &b->v);
    if (c)
        return c;
    return (a->kind > b->kind) - (a->kind < b->kind);
}

/* A version with only v's epoch and release (shares v's release array). */
static version_t base_of(const version_t *v)
{
    version_t b = {0};
    b.epoch = v->epoch;
    b.release = v->release;
    b.nrelease = v->nrelease;
    b.post = -1;
    b.dev = -1;
    return b;
}

/* The sentinel immediately below normal version v with nothing in between, if any (shares v's
 * release array). */
static bool gap_pred(const version_t *v, version_t *out)
{
    if (v->local || v->dev < 0)
        return false;
    version_t p = *v;
    p.local = NULL;
    if (v->dev >= 1) {                              /* V.devN -> V.dev(N-1)+localMAX */
        p.dev = v->dev - 1;
        p.sentinel = VERSION_LOCAL_MAX;
    } else if (v->post >= 0) {                      /* V.postN.dev0 -> V.post(N-1)+localMAX */
        p.dev = -1;
        p.post = v->post - 1;                       /* V.post0.dev0 -> V+localMAX (post -1) */
        p.sentinel = VERSION_LOCAL_MAX;
    } else if (v->pre_kind && v->pre >= 1) {        /* Va(N).dev0 -> Va(N-1).MAX */
        p.dev = -1;
        p.pre = v->pre - 1;
        p.sentinel = VERSION_MAX;
    } else if (!v->pre_kind) {                      /* X.dev0 -> X.MIN */
        p = base_of(v);
        p.sentinel = VERSION_MIN;
    } else {
        return false;
    }
    *out = p;
    return true;
}

/* The normal version immediately above sentinel s, if any (shares s's release array). */
static bool gap_succ(const version_t *s, version_t *out)
{
    version_t v = *s;
    v.local = NULL;
    v.sentinel = VERSION_NORMAL;
    switch (s->sentinel) {
    case VERSION_MIN:
        v = base_of(s);
        v.dev = 0;
        break;
    case VERSION_LOCAL_MAX:
        if (s->dev >= 0) {
            v.dev = s->dev + 1;
        } else {
            v.post = s->post + 1;                   /* -1 + 1: the first post-release */
            v.dev = 0;
        }
        break;
    case VERSION_MAX:
        if (!s->pre_kind)
            return false;
        v.pre = s->pre + 1;
        v.post = -1;
        v.dev = 0;
        break;
    default:
        return false;
    }
    *out = v;
    return true;
}

/* The canonical cut for (kind, v); shallow: may share v's arrays. */
static vcut_t mkcut(int kind, const version_t *v)
{
    vcut_t c = {kind, {0}};
    if (kind == CUT_NEG_INF || kind == CUT_POS_INF)
        return c;
    c.v = *v;
    if (v->sentinel)
        c.kind = CUT_BELOW;
    version_t p;
    if (kind == CUT_BELOW && !v->sentinel && gap_pred(v, &p))
        c.v = p;
    /* 0.MIN (epoch 0, release 0) is below every version: the same position as -inf. */
    if (c.v.sentinel == VERSION_MIN && c.v.epoch == 0) {
        size_t i = 0;
        while (i < c.v.nrelease && c.v.release[i] == 0)
            i++;
        if (i == c.v.nrelease) {
            vcut_t inf = {CUT_NEG_INF, {0}};
            return inf;
        }
    }
    return c;
}

/* ------------------------------------------------------------------------------------------ */
/* Building results                                                                             */

typedef struct cutlist {
    vcut_t *items;          /* shallow copies pointing into inputs or temporaries */
    size_t n, cap;
} cutlist_t;

static void cl_push(cutlist_t *l, vcut_t c)
{
    XGROW(l->items, l->cap, l->n + 1);
    l->items[l->n++] = c;
}

/* Deep-copies the collected cuts into one allocation and frees the list. */
static vrange_t cl_finish(cutlist_t *l)
{
    vrange_t r = {0, NULL};
    if (l->n == 0) {
        free(l->items);
        return r;
    }
    size_t nums = 0, chars = 0;
    for (size_t i = 0; i < l->n; i++) {
        nums += l->items[i].v.nrelease;
        if (l->items[i].v.local)
            chars += strlen(l->items[i].v.local) + 1;
    }
    char *mem = xmalloc(l->n * sizeof(vcut_t) + nums * sizeof(long) + chars);
    vcut_t *cuts = (vcut_t *)mem;
    long *np = (long *)(mem + l->n * sizeof(vcut_t));
    char *cp = (char *)(np + nums);
    for (size_t i = 0; i < l->n; i++) {
        cuts[i] = l->items[i];
        version_t *v = &cuts[i].v;
        if (v->nrelease) {
            memcpy(np, v->release, v->nrelease * sizeof(long));
            v->release = np;
            np += v->nrelease;
        } else {
            v->release = NULL;
        }
        if (v->local) {
            size_t len = strlen(v->local) + 1;
            memcpy(cp, v->local, len);
            v->local = cp;
            cp += len;
        }
    }
    r.n = l->n;
    r.cuts = cuts;
    free(l->items);
    l->items = NULL;
    l->n = l->cap = 0;
    return r;
}

static vrange_t from_cuts(const vcut_t *cuts, size_t n)
{
    cutlist_t l = {0};
    for (size_t i = 0; i < n; i++)
        cl_push(&l, cuts[i]);
    return cl_finish(&l);
}

/* ------------------------------------------------------------------------------------------ */
/* Construction                                                                                 */

vrange_t vrange_empty(void)
{
    vrange_t r = {0, NULL};
    return r;
}

vrange_t vrange_full(void)
{
    vcut_t c[2] = {{CUT_NEG_INF, {0}}, {CUT_POS_INF, {0}}};
    return from_cuts(c, 2);
}

/* [lo, hi) when lo < hi, else empty. */
static vrange_t interval(vcut_t lo, vcut_t hi)
{
    if (cut_cmp(&lo, &hi) >= 0)
        return vrange_empty();
    vcut_t c[2] = {lo, hi};
    return from_cuts(c, 2);
}

vrange_t vrange_exact(const version_t *v)
{
    if (v->sentinel)
        return vrange_empty();
    return interval(mkcut(CUT_BELOW, v), mkcut(CUT_ABOVE, v));
}

vrange_t vrange_between(const version_t *lo, bool lo_incl, const version_t *hi, bool hi_incl)
{
    vcut_t a = lo ? mkcut(lo_incl ? CUT_BELOW : CUT_ABOVE, lo) : mkcut(CUT_NEG_INF, NULL);
    vcut_t b = hi ? mkcut(hi_incl ? CUT_ABOVE : CUT_BELOW, hi) : mkcut(CUT_POS_INF, NULL);
    return interval(a, b);
}

vrange_t vrange_copy(const vrange_t *r)
{
    return from_cuts(r->cuts, r->n);
}

void vrange_free(vrange_t *r)
{
    if (!r)
        return;
    free(r->cuts);
    r->cuts = NULL;
    r->n = 0;
}

enum { OP_EQ, OP_NE, OP_LE, OP_GE, OP_LT, OP_GT, OP_COMPAT, OP_ARB, OP_BAD };

static int op_code(const char *op)
{
    static const char *const names[] = {"==", "!=", "<=", ">=", "<", ">", "~=", "==="};
    for (int i = 0; i < OP_BAD; i++)
        if (strcmp(op, names[i]) == 0)
            return i;
    return OP_BAD;
}

/* X.dev0 for the first n release numbers of v with the last one increased by one (release array
 * written to *rel, which the caller frees). */
static version_t bumped_dev0(const version_t *v, size_t n, long **rel)
{
    *rel = xmalloc(n * sizeof(long));
    for (size_t i = 0; i < n; i++)
        (*rel)[i] = i < v->nrelease ? v->release[i] : 0;
    (*rel)[n - 1]++;
    version_t b = {0};
    b.epoch = v->epoch;
    b.release = *rel;
    b.nrelease = n;
    b.post = -1;
    b.dev = 0;
    return b;
}

static vrange_t range_eq(const version_t *v, bool wildcard)
{
    if (wildcard) {
        version_t lo = base_of(v);
        lo.dev = 0;
        long *rel;
        version_t hi = bumped_dev0(v, v->nrelease, &rel);
        vrange_t r = interval(mkcut(CUT_BELOW, &lo), mkcut(CUT_BELOW, &hi));
        free(rel);
        return r;
    }
    if (v->local)
        return vrange_exact(v);
    version_t top = *v;
    top.sentinel = VERSION_LOCAL_MAX;
    return interval(mkcut(CUT_BELOW, v), mkcut(CUT_BELOW, &top));
}

static vrange_t range_of(int op, const version_t *v, bool wildcard)
{
    vcut_t neg = mkcut(CUT_NEG_INF, NULL), pos = mkcut(CUT_POS_INF, NULL);
    version_t s;
    switch (op) {
    case OP_EQ:
        return range_eq(v, wildcard);
    case OP_NE: {
        vrange_t eq = range_eq(v, wildcard);
        vrange_t r = vrange_complement(&eq);
        vrange_free(&eq);
        return r;
    }
    case OP_ARB:
        return vrange_exact(v);
    case OP_GE:
        return interval(mkcut(CUT_BELOW, v), pos);
    case OP_LE:
        s = *v;
        s.local = NULL;
        s.sentinel = VERSION_LOCAL_MAX;
        return interval(neg, mkcut(CUT_BELOW, &s));
    case OP_GT:
        s = *v;
        s.local = NULL;
        s.sentinel = (v->post < 0 && v->dev < 0) ? VERSION_MAX : VERSION_LOCAL_MAX;
        return interval(mkcut(CUT_BELOW, &s), pos);
    case OP_LT:
        if (version_is_prerelease(v))
            return interval(neg, mkcut(CUT_BELOW, v));
        s = base_of(v);
        s.sentinel = VERSION_MIN;
        if (v->post < 0)
            return interval(neg, mkcut(CUT_BELOW, &s));
        else {
            /* X.postN: below X's pre-releases, then X up to (not including) X.postN.dev0. */
            version_t x = base_of(v), top = *v;
            top.local = NULL;
            top.dev = 0;
            vrange_t below = interval(neg, mkcut(CUT_BELOW, &s));
            vrange_t posts = interval(mkcut(CUT_BELOW, &x), mkcut(CUT_BELOW, &top));
            vrange_t r = vrange_union(&below, &posts);
            vrange_free(&below);
            vrange_free(&posts);
            return r;
        }
    case OP_COMPAT: {
        long *rel;
        version_t hi = bumped_dev0(v, v->nrelease - 1, &rel);
        vrange_t r = interval(mkcut(CUT_BELOW, v), mkcut(CUT_BELOW, &hi));
        free(rel);
        return r;
    }
    }
    return vrange_empty();
}

vrange_t vrange_from_specifier(const specset_t *set, size_t i)
{
    const char *op, *text;
    specset_item(set, i, &op, &text);
    int code = op_code(op);
    size_t len = strlen(text);
    bool wildcard = (code == OP_EQ || code == OP_NE) && len >= 2 && strcmp(text + len - 2, ".*") == 0;
    char *vt = xstrndup(text, wildcard ? len - 2 : len);
    version_t v;
    vrange_t r;
    if (code == OP_BAD || !version_parse(vt, &v))
        r = vrange_empty();     /* "===" of a non-version (a parsed specset has no other case) */
    else if (code == OP_COMPAT && v.nrelease < 2)
        r = vrange_empty();     /* rejected by specset_parse; defensive */
    else
        r = range_of(code, &v, wildcard);
    if (code != OP_BAD)
        version_free(&v);
    free(vt);
    return r;
}

vrange_t vrange_from_specset(const specset_t *s)
{
    vrange_t r = vrange_full();
    for (size_t i = 0; i < specset_count(s); i++) {
        vrange_t one = vrange_from_specifier(s, i);
        vrange_t next = vrange_intersect(&r, &one);
        vrange_free(&one);
        vrange_free(&r);
        r = next;
    }
    return r;
}

bool vrange_parse(const char *text, vrange_t *out, char **why)
{
    specset_t *s;
    *out = vrange_empty();
    if (!specset_parse(text, &s, why))
        return false;
    *out = vrange_from_specset(s);
    specset_free(s);
    return true;
}

/* ------------------------------------------------------------------------------------------ */
/* Set operations                                                                               */

/* Sweeps a and b, emitting the boundaries of the set where table[in_a * 2 + in_b] holds
 * (table[0] must be false: outside both inputs is outside the result, so the result's cuts are
 * a subset of the inputs' and come out sorted and canonical). With out == NULL stops at the
 * first boundary. Returns whether the result is non-empty. */
static bool sweep(const vrange_t *a, const vrange_t *b, const bool table[4], cutlist_t *out)
{
    size_t i = 0, j = 0;
    bool in_a = false, in_b = false, cur = false, any = false;
    while (i < a->n || j < b->n) {
        const vcut_t *c;
        int d = i == a->n ? 1 : j == b->n ? -1 : cut_cmp(&a->cuts[i], &b->cuts[j]);
        if (d <= 0) {
            c = &a->cuts[i++];
            in_a = !in_a;
        }
        if (d >= 0) {
            c = &b->cuts[j++];
            in_b = !in_b;
        }
        bool now = table[in_a * 2 + in_b];
        if (now == cur)
            continue;
        cur = now;
        any = true;
        if (!out)
            return true;
        cl_push(out, *c);
    }
    return any;
}

static const bool T_UNION[4] = {false, true, true, true};
static const bool T_INTER[4] = {false, false, false, true};
static const bool T_A_NOT_B[4] = {false, false, true, false};

static vrange_t combine(const vrange_t *a, const vrange_t *b, const bool table[4])
{
    cutlist_t l = {0};
    sweep(a, b, table, &l);
    return cl_finish(&l);
}

vrange_t vrange_union(const vrange_t *a, const vrange_t *b)
{
    return combine(a, b, T_UNION);
}

vrange_t vrange_intersect(const vrange_t *a, const vrange_t *b)
{
    return combine(a, b, T_INTER);
}

vrange_t vrange_difference(const vrange_t *a, const vrange_t *b)
{
    return combine(a, b, T_A_NOT_B);
}

vrange_t vrange_complement(const vrange_t *a)
{
    cutlist_t l = {0};
    size_t lo = 0, hi = a->n;
    if (a->n && a->cuts[0].kind == CUT_NEG_INF)
        lo = 1;
    else
        cl_push(&l, mkcut(CUT_NEG_INF, NULL));
    bool ends_inf = a->n && a->cuts[a->n - 1].kind == CUT_POS_INF;
    if (ends_inf)
        hi--;
    for (size_t i = lo; i < hi; i++)
        cl_push(&l, a->cuts[i]);
    if (!ends_inf)
        cl_push(&l, mkcut(CUT_POS_INF, NULL));
    return cl_finish(&l);
}

bool vrange_subset(const vrange_t *a, const vrange_t *b)
{
    return !sweep(a, b, T_A_NOT_B, NULL);
}

bool vrange_disjoint(const vrange_t *a, const vrange_t *b)
{
    return !sweep(a, b, T_INTER, NULL);
}

bool vrange_equal(const vrange_t *a, const vrange_t *b)
{
    if (a->n != b->n)
        return false;
    for (size_t i = 0; i < a->n; i++)
        if (cut_cmp(&a->cuts[i], &b->cuts[i]) != 0)
            return false;
    return true;
}

bool vrange_is_empty(const vrange_t *r)
{
    return r->n == 0;
}

bool vrange_is_full(const vrange_t *r)
{
    return r->n == 2 && r->cuts[0].kind == CUT_NEG_INF && r->cuts[1].kind == CUT_POS_INF;
}

/* Whether normal version v lies above cut c. */
static bool above_cut(const vcut_t *c, const version_t *v)
{
    switch (c->kind) {
    case CUT_NEG_INF:
        return true;
    case CUT_POS_INF:
        return false;
    case CUT_BELOW:
        return version_cmp(&c->v, v) <= 0;
    default:
        return version_cmp(&c->v, v) < 0;
    }
}

bool vrange_contains(const vrange_t *r, const version_t *v)
{
    if (v->sentinel)
        return false;
    /* Number of cuts below v (they are sorted, so "below" is a prefix). */
    size_t lo = 0, hi = r->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (above_cut(&r->cuts[mid], v))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo % 2 == 1;
}

/* The normal version an interval's lower cut starts at inclusively, if it has one: V for
 * "just below V", the successor of a sentinel with one. */
static bool lower_start(const vcut_t *c, version_t *out)
{
    if (c->kind != CUT_BELOW)
        return false;
    if (!c->v.sentinel) {
        *out = c->v;
        return true;
    }
    return gap_succ(&c->v, out);
}

const version_t *vrange_singleton(const vrange_t *r)
{
    if (r->n != 2 || r->cuts[1].kind != CUT_ABOVE)
        return NULL;
    version_t start;
    if (!lower_start(&r->cuts[0], &start) || version_cmp(&start, &r->cuts[1].v) != 0)
        return NULL;
    return &r->cuts[1].v;
}

size_t vrange_count(const vrange_t *r)
{
    return r->n / 2;
}

static vbound_t bound_of(const vcut_t *c, bool lower)
{
    vbound_t b = {NULL, false};
    if (c->kind == CUT_NEG_INF || c->kind == CUT_POS_INF)
        return b;
    b.v = &c->v;
    if (!c->v.sentinel)
        b.inclusive = lower ? c->kind == CUT_BELOW : c->kind == CUT_ABOVE;
    return b;
}

void vrange_interval(const vrange_t *r, size_t i, vbound_t *lo, vbound_t *hi)
{
    *lo = bound_of(&r->cuts[2 * i], true);
    *hi = bound_of(&r->cuts[2 * i + 1], false);
}

/* ------------------------------------------------------------------------------------------ */
/* Rendering                                                                                    */

/* Appends v's text; a sentinel prints as the version it is built from (only the fields that
 * take part in its ordering). */
static void add_version(buf_t *b, const version_t *v)
{
    version_t n = *v;
    if (v->sentinel == VERSION_MIN) {
        n = base_of(v);
    } else if (v->sentinel == VERSION_MAX) {
        n.post = n.dev = -1;
        n.local = NULL;
    } else if (v->sentinel == VERSION_LOCAL_MAX) {
        n.local = NULL;
    }
    n.sentinel = VERSION_NORMAL;
    char *t = version_str(&n);
    buf_adds(b, t);
    free(t);
}

/* "==..." text for [lo, hi) when it is a single version, a ==V range or a ==X.* range. */
static bool render_eq(buf_t *b, const vcut_t *lo, const vcut_t *hi)
{
    version_t start;
    if (!lower_start(lo, &start))
        return false;
    if (hi->kind == CUT_ABOVE && version_cmp(&start, &hi->v) == 0) {
        buf_adds(b, "==");
        add_version(b, &hi->v);
        return true;
    }
    if (hi->kind != CUT_BELOW)
        return false;
    const version_t *top = &hi->v;
    if (top->sentinel == VERSION_LOCAL_MAX && !start.local) {
        version_t pub = *top;
        pub.sentinel = VERSION_NORMAL;
        pub.local = NULL;
        if (version_cmp(&start, &pub) == 0) {
            buf_adds(b, "==");
            add_version(b, &start);
            return true;
        }
        return false;
    }
    /* ==X.*: from X.MIN to Y.MIN with Y = X with its last significant number plus one. */
    if (top->sentinel != VERSION_MIN || lo->v.sentinel != VERSION_MIN)
        return false;
    const version_t *x = &lo->v;
    if (x->epoch != top->epoch)
        return false;
    size_t n = top->nrelease;
    while (n > 1 && top->release[n - 1] == 0)
        n--;
    for (size_t i = 0; i < x->nrelease || i < n; i++) {
        long xv = i < x->nrelease ? x->release[i] : 0;
        long yv = i < top->nrelease ? top->release[i] : 0;
        if (i + 1 < n ? xv != yv : i + 1 == n ? xv + 1 != yv : xv != 0)
            return false;
    }
    buf_adds(b, "==");
    version_t pre = *x;
    pre.nrelease = n > x->nrelease ? x->nrelease : n;
    if (n > x->nrelease) {
        /* x has fewer numbers than the pattern: print the missing zeros. */
        add_version(b, &pre);
        for (size_t i = x->nrelease; i < n; i++)
            buf_adds(b, ".0");
    } else {
        add_version(b, &pre);
    }
    buf_adds(b, ".*");
    return true;
}

static void render_lower(buf_t *b, const vcut_t *c)
{
    const version_t *v = &c->v;
    version_t s;
    if (!v->sentinel) {
        buf_adds(b, c->kind == CUT_BELOW ? ">=" : ">");
        add_version(b, v);
    } else if (v->sentinel == VERSION_MAX || v->sentinel == VERSION_LOCAL_MAX) {
        /* Exact for V.MAX and for V+localMAX when V is a post or dev release; otherwise the
         * plain-order reading (keeps V's post-releases), much easier to read than the exact
         * ">=V.post0.dev0". */
        buf_adds(b, ">");
        add_version(b, v);
    } else if (gap_succ(v, &s)) {
        buf_adds(b, ">=");
        add_version(b, &s);
    } else {
        buf_adds(b, ">");
        add_version(b, v);
    }
}

static void render_upper(buf_t *b, const vcut_t *c)
{
    const version_t *v = &c->v;
    version_t s;
    if (!v->sentinel) {
        buf_adds(b, c->kind == CUT_BELOW ? "<" : "<=");
        add_version(b, v);
    } else if (v->sentinel == VERSION_MIN) {
        buf_adds(b, "<");
        add_version(b, v);
    } else if (v->sentinel == VERSION_MAX && gap_succ(v, &s)) {
        buf_adds(b, "<");
        add_version(b, &s);
    } else {
        buf_adds(b, "<=");
        add_version(b, v);
    }
}

static void render_interval(buf_t *b, const vcut_t *lo, const vcut_t *hi)
{
    if (lo->kind == CUT_NEG_INF && hi->kind == CUT_POS_INF) {
        buf_adds(b, "*");
        return;
    }
    if (render_eq(b, lo, hi))
        return;
    if (lo->kind != CUT_NEG_INF)
        render_lower(b, lo);
    if (lo->kind != CUT_NEG_INF && hi->kind != CUT_POS_INF)
        buf_addc(b, ',');
    if (hi->kind != CUT_POS_INF)
        render_upper(b, hi);
}

char *vrange_str(const vrange_t *r)
{
    if (r->n == 0)
        return xstrdup("none");
    /* Intervals separated by "==" holes form one clause: ">=1.0,!=1.5,<2.0", "!=1.0". */
    buf_t b = BUF_INIT, hole = BUF_INIT, holes = BUF_INIT;
    size_t start = 0;
    for (size_t i = 0; i < r->n; i += 2) {
        if (i + 2 < r->n) {
            buf_reset(&hole);
            if (render_eq(&hole, &r->cuts[i + 1], &r->cuts[i + 2])) {
                buf_adds(&holes, holes.len ? ",!" : "!");
                buf_adds(&holes, hole.data + 1);
                continue;
            }
        }
        const vcut_t *lo = &r->cuts[start], *hi = &r->cuts[i + 1];
        if (b.len)
            buf_adds(&b, " || ");
        if (!holes.len) {
            render_interval(&b, lo, hi);
        } else {
            if (lo->kind != CUT_NEG_INF) {
                render_lower(&b, lo);
                buf_addc(&b, ',');
            }
            buf_adds(&b, holes.data);
            if (hi->kind != CUT_POS_INF) {
                buf_addc(&b, ',');
                render_upper(&b, hi);
            }
        }
        buf_reset(&holes);
        start = i + 2;
    }
    buf_free(&hole);
    buf_free(&holes);
    return buf_detach(&b);
}
