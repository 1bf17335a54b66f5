/*
 * pubgrub: the solver (see pubgrub.h for the contract, pubgrub_int.h for the state).
 *
 * Follows pubgrub-rs's structure: per-package assignment lists with the running intersection
 * stored at each step (so "earliest assignment that satisfies t" is a binary search), a global
 * trail for backtracking, a cache of incompatibilities already contradicted at some decision
 * level (dropped when backtracking below it), and a priority heap of undecided packages with
 * lazy invalidation. The previous satisfier follows Dart's definition (the satisfier's own
 * package counts only when the satisfier alone does not satisfy its term).
 */
#include "resolve/pubgrub_int.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "util/strv.h"
#include "util/xalloc.h"

/* uv: after a package has lost this many conflicts, decide it before its culprits. */
#define CONFLICT_THRESHOLD 5

enum { REL_SAT, REL_CONTRA, REL_INCONCL, REL_ALMOST };

static const term_t ANY = {false, {0, NULL}};

/* ------------------------------------------------------------------------------------------ */
/* Terms                                                                                        */

bool pg_term_is_any(const term_t *t)
{
    return !t->pos && vrange_is_empty(&t->r);
}

static term_t term_make(bool pos, vrange_t r)
{
    term_t t = {pos, r};
    return t;
}

static term_t term_copy(const term_t *t)
{
    return term_make(t->pos, vrange_copy(&t->r));
}

static term_t term_negate(const term_t *t)
{
    return term_make(!t->pos, vrange_copy(&t->r));
}

static void term_free(term_t *t)
{
    vrange_free(&t->r);
}

static term_t term_intersect(const term_t *a, const term_t *b)
{
    if (a->pos && b->pos)
        return term_make(true, vrange_intersect(&a->r, &b->r));
    if (a->pos)
        return term_make(true, vrange_difference(&a->r, &b->r));
    if (b->pos)
        return term_make(true, vrange_difference(&b->r, &a->r));
    return term_make(false, vrange_union(&a->r, &b->r));
}

static term_t term_union(const term_t *a, const term_t *b)
{
    if (a->pos && b->pos)
        return term_make(true, vrange_union(&a->r, &b->r));
    if (a->pos)
        return term_make(false, vrange_difference(&b->r, &a->r));
    if (b->pos)
        return term_make(false, vrange_difference(&a->r, &b->r));
    return term_make(false, vrange_intersect(&a->r, &b->r));
}

/* a ⊆ b: every selection a allows, b allows ("a satisfies b"). */
static bool term_subset(const term_t *a, const term_t *b)
{
    if (a->pos && b->pos)
        return vrange_subset(&a->r, &b->r);
    if (a->pos)
        return vrange_disjoint(&a->r, &b->r);
    if (b->pos)
        return false;   /* "not selected" is in a, not in b */
    return vrange_subset(&b->r, &a->r);
}

static bool term_disjoint(const term_t *a, const term_t *b)
{
    if (a->pos && b->pos)
        return vrange_disjoint(&a->r, &b->r);
    if (a->pos)
        return vrange_subset(&a->r, &b->r);
    if (b->pos)
        return vrange_subset(&b->r, &a->r);
    return false;
}

static bool term_contains(const term_t *t, const version_t *v)
{
    return vrange_contains(&t->r, v) == t->pos;
}

/* How the partial solution's term `accum` for a package relates to term t. */
static int term_relation(const term_t *t, const term_t *accum)
{
    if (term_subset(accum, t))
        return REL_SAT;
    if (term_disjoint(t, accum))
        return REL_CONTRA;
    return REL_INCONCL;
}

/* ------------------------------------------------------------------------------------------ */
/* Packages and incompatibilities                                                               */

static void ensure_pkg(pubgrub_result_t *s, int pkg)
{
    if ((size_t)pkg < s->npk)
        return;
    size_t cap = s->npk;
    XGROW(s->pk, cap, (size_t)pkg + 1);
    for (size_t i = s->npk; i < cap; i++) {
        memset(&s->pk[i], 0, sizeof s->pk[i]);
        s->pk[i].seen = -1;
    }
    s->npk = cap;
}

static const term_t *accum_of(const pubgrub_result_t *s, int pkg)
{
    const pkgstate_t *p = &s->pk[pkg];
    return p->nas ? &p->as[p->nas - 1].accum : &ANY;
}

const term_t *pg_inc_term(const incompat_t *i, int pkg)
{
    for (size_t k = 0; k < i->n; k++)
        if (i->terms[k].pkg == pkg)
            return &i->terms[k].t;
    return NULL;
}

static int inc_new(pubgrub_result_t *s, int kind)
{
    XGROW(s->inc, s->capinc, s->ninc + 1);
    incompat_t *i = &s->inc[s->ninc];
    memset(i, 0, sizeof *i);
    i->kind = kind;
    i->cause1 = i->cause2 = -1;
    i->dep_pkg = -1;
    i->contradicted = -1;
    s->stats.incompatibilities++;
    return (int)s->ninc++;
}

/* Adds a term (taking ownership of t) to incompatibility id; t's package must be new to it. */
static void inc_add_term(pubgrub_result_t *s, int id, int pkg, term_t t)
{
    incompat_t *i = &s->inc[id];
    i->terms = xrealloc(i->terms, (i->n + 1) * sizeof *i->terms);
    i->terms[i->n].pkg = pkg;
    i->terms[i->n].t = t;
    i->n++;
}

/* Makes incompatibility id visible to propagation. */
static void inc_index(pubgrub_result_t *s, int id)
{
    const incompat_t *i = &s->inc[id];
    for (size_t k = 0; k < i->n; k++) {
        pkgstate_t *p = &s->pk[i->terms[k].pkg];
        XGROW(p->incs, p->capinc, p->ninc + 1);
        p->incs[p->ninc++] = id;
    }
}

static void inc_unindex(pubgrub_result_t *s, int id)
{
    const incompat_t *i = &s->inc[id];
    for (size_t k = 0; k < i->n; k++) {
        pkgstate_t *p = &s->pk[i->terms[k].pkg];
        for (size_t j = p->ninc; j-- > 0;)
            if (p->incs[j] == id) {
                memmove(&p->incs[j], &p->incs[j + 1], (p->ninc - j - 1) * sizeof *p->incs);
                p->ninc--;
                break;
            }
    }
}

static void inc_free(incompat_t *i)
{
    for (size_t k = 0; k < i->n; k++)
        term_free(&i->terms[k].t);
    free(i->terms);
    free(i->reason);
    vrange_free(&i->dep_range);
}

/* The relation of incompatibility id with the partial solution; for REL_ALMOST *almost is the
 * package of the one inconclusive term. */
static int inc_relation(const pubgrub_result_t *s, int id, int *almost)
{
    const incompat_t *i = &s->inc[id];
    int rel = REL_SAT;
    for (size_t k = 0; k < i->n; k++) {
        int r = term_relation(&i->terms[k].t, accum_of(s, i->terms[k].pkg));
        if (r == REL_SAT)
            continue;
        if (r == REL_CONTRA)
            return REL_CONTRA;
        if (rel != REL_SAT)
            return REL_INCONCL;
        rel = REL_ALMOST;
        *almost = i->terms[k].pkg;
    }
    return rel;
}

static bool is_terminal(const pubgrub_result_t *s, int id)
{
    const incompat_t *i = &s->inc[id];
    if (i->n == 0)
        return true;
    return i->n == 1 && i->terms[0].pkg == s->root &&
           term_contains(&i->terms[0].t, s->root_version);
}

static void mark_contradicted(pubgrub_result_t *s, int id)
{
    s->inc[id].contradicted = s->level;
    XGROW(s->contra, s->capcontra, s->ncontra + 1);
    s->contra[s->ncontra++] = id;
}

/* ------------------------------------------------------------------------------------------ */
/* Decision priority                                                                            */

static bool heap_before(const heapent_t *a, const heapent_t *b)
{
    if (a->hint != b->hint)
        return a->hint > b->hint;
    if (a->conflict_class != b->conflict_class)
        return a->conflict_class > b->conflict_class;
    if (a->seen != b->seen)
        return a->seen < b->seen;
    return a->pkg < b->pkg;
}

/* (Re)queues pkg, an undecided package with a positive term, with its current priority. */
static void heap_push(pubgrub_result_t *s, int pkg)
{
    pkgstate_t *p = &s->pk[pkg];
    int hint = 0;
    if (pkg == s->root)
        hint = INT_MAX;
    else if (s->prov.priority)
        hint = s->prov.priority(s->prov.ctx, pkg, &accum_of(s, pkg)->r);
    if (pkg != s->root && hint == INT_MAX)
        hint = INT_MAX - 1;
    p->hint = hint;
    p->gen++;
    heapent_t e = {pkg, p->gen, hint, p->conflict_class, p->seen};
    XGROW(s->heap, s->capheap, s->nheap + 1);
    size_t i = s->nheap++;
    while (i > 0) {
        size_t up = (i - 1) / 2;
        if (!heap_before(&e, &s->heap[up]))
            break;
        s->heap[i] = s->heap[up];
        i = up;
    }
    s->heap[i] = e;
}

static bool is_candidate(const pubgrub_result_t *s, int pkg)
{
    const pkgstate_t *p = &s->pk[pkg];
    return !p->decided && p->nas && p->as[p->nas - 1].accum.pos;
}

/* The undecided package to decide next, or -1. */
static int heap_pop(pubgrub_result_t *s)
{
    while (s->nheap) {
        heapent_t top = s->heap[0], last = s->heap[--s->nheap];
        size_t i = 0;
        for (;;) {
            size_t c = 2 * i + 1;
            if (c >= s->nheap)
                break;
            if (c + 1 < s->nheap && heap_before(&s->heap[c + 1], &s->heap[c]))
                c++;
            if (!heap_before(&s->heap[c], &last))
                break;
            s->heap[i] = s->heap[c];
            i = c;
        }
        if (s->nheap)
            s->heap[i] = last;
        if (top.gen == s->pk[top.pkg].gen && is_candidate(s, top.pkg))
            return top.pkg;
    }
    return -1;
}

/* ------------------------------------------------------------------------------------------ */
/* Partial solution                                                                             */

/* Appends an assignment of pkg (taking ownership of term). */
static void push_assign(pubgrub_result_t *s, int pkg, int cause, term_t term,
                        const version_t *decided)
{
    pkgstate_t *p = &s->pk[pkg];
    term_t acc = term_intersect(accum_of(s, pkg), &term);
    XGROW(p->as, p->capas, p->nas + 1);
    passign_t *a = &p->as[p->nas++];
    a->gidx = s->ntrail;
    a->level = s->level;
    a->cause = cause;
    a->term = term;
    a->accum = acc;
    if (decided)
        p->decided = decided;
    XGROW(s->trail, s->captrail, s->ntrail + 1);
    s->trail[s->ntrail++] = pkg;
}

/* Derives "not t" for pkg's term t in incompatibility cause. */
static void add_derivation(pubgrub_result_t *s, int pkg, int cause)
{
    push_assign(s, pkg, cause, term_negate(pg_inc_term(&s->inc[cause], pkg)), NULL);
    pkgstate_t *p = &s->pk[pkg];
    const term_t *acc = accum_of(s, pkg);
    if (!acc->pos)
        return;
    if (p->seen < 0)
        p->seen = s->next_seen++;
    if (!p->pending_sent) {
        p->pending_sent = true;
        if (s->prov.pending && pkg != s->root)
            s->prov.pending(s->prov.ctx, pkg, &acc->r);
    }
    heap_push(s, pkg);
}

static void decide(pubgrub_result_t *s, int pkg, const version_t *v)
{
    s->level++;
    push_assign(s, pkg, -1, term_make(true, vrange_exact(v)), v);
    s->stats.decisions++;
}

/* Removes every assignment above decision level `level`. */
static void backtrack(pubgrub_result_t *s, int level)
{
    size_t first = s->nchanged;     /* the touched packages go on the work list's tail */
    while (s->ntrail) {
        int pkg = s->trail[s->ntrail - 1];
        pkgstate_t *p = &s->pk[pkg];
        passign_t *a = &p->as[p->nas - 1];
        if (a->level <= level)
            break;
        if (a->cause < 0)
            p->decided = NULL;
        term_free(&a->term);
        term_free(&a->accum);
        p->nas--;
        s->ntrail--;
        XGROW(s->changed, s->capchanged, s->nchanged + 1);
        s->changed[s->nchanged++] = pkg;
    }
    if ((size_t)(s->level - level) > s->stats.max_backjump)
        s->stats.max_backjump = (size_t)(s->level - level);
    s->level = level;
    while (s->ncontra && s->inc[s->contra[s->ncontra - 1]].contradicted > level) {
        s->inc[s->contra[s->ncontra - 1]].contradicted = -1;
        s->ncontra--;
    }
    for (size_t i = first; i < s->nchanged; i++) {
        int pkg = s->changed[i];
        if (is_candidate(s, pkg) && (i == first || s->changed[i - 1] != pkg))
            heap_push(s, pkg);
    }
    s->nchanged = first;
    s->stats.backjumps++;
}

/* ------------------------------------------------------------------------------------------ */
/* Conflict resolution                                                                          */

/* The earliest of pkg's first `hi` assignments whose running intersection (intersected with
 * `with`, when given) satisfies t; hi when none does. */
static size_t first_satisfying(const pkgstate_t *p, const term_t *t, const term_t *with, size_t hi)
{
    size_t lo = 0, end = hi;
    while (lo < end) {
        size_t mid = lo + (end - lo) / 2;
        bool sat;
        if (with) {
            term_t x = term_intersect(&p->as[mid].accum, with);
            sat = term_subset(&x, t);
            term_free(&x);
        } else {
            sat = term_subset(&p->as[mid].accum, t);
        }
        if (sat)
            end = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

typedef struct satisfier {
    int pkg;
    size_t k;                   /* index in the package's assignments */
    int prev_level;             /* decision level to backjump to */
} satisfier_t;

static satisfier_t find_satisfier(const pubgrub_result_t *s, int id)
{
    const incompat_t *inc = &s->inc[id];
    satisfier_t sat = {-1, 0, 1};
    size_t best = 0, *ks = xmalloc((inc->n ? inc->n : 1) * sizeof *ks);
    for (size_t j = 0; j < inc->n; j++) {
        const pkgstate_t *p = &s->pk[inc->terms[j].pkg];
        ks[j] = first_satisfying(p, &inc->terms[j].t, NULL, p->nas);
        size_t g = p->as[ks[j]].gidx;
        if (sat.pkg < 0 || g > best) {
            best = g;
            sat.pkg = inc->terms[j].pkg;
            sat.k = ks[j];
        }
    }
    /* The previous satisfier: the latest of the other terms' satisfiers and, when the
     * satisfier alone does not satisfy its own term, the earliest earlier assignment of the
     * same package that does so together with it. */
    bool have = false;
    size_t prev = 0;
    int prev_level = 0;
    for (size_t j = 0; j < inc->n; j++) {
        const pkgstate_t *p = &s->pk[inc->terms[j].pkg];
        size_t k = ks[j];
        if (inc->terms[j].pkg == sat.pkg) {
            const term_t *own = &p->as[sat.k].term;
            if (term_subset(own, &inc->terms[j].t))
                continue;
            k = first_satisfying(p, &inc->terms[j].t, own, sat.k);
            if (k >= sat.k)
                continue;   /* cannot happen: accum[sat.k] = accum[sat.k - 1] ∩ own */
        }
        if (!have || p->as[k].gidx > prev) {
            have = true;
            prev = p->as[k].gidx;
            prev_level = p->as[k].level;
        }
    }
    free(ks);
    sat.prev_level = prev_level < 1 ? 1 : prev_level;
    return sat;
}

/* The incompatibility derived from id and its satisfier's cause by resolution on pkg. */
static int prior_cause(pubgrub_result_t *s, int id, int cause, int pkg)
{
    int nid = inc_new(s, INC_DERIVED);
    s->inc[nid].cause1 = id;
    s->inc[nid].cause2 = cause;
    size_t ni = s->inc[id].n, nc = s->inc[cause].n;
    for (size_t k = 0; k < ni; k++) {
        const iterm_t *it = &s->inc[id].terms[k];
        const term_t *ct = pg_inc_term(&s->inc[cause], it->pkg);
        term_t t;
        if (it->pkg == pkg) {
            t = term_union(&it->t, ct);
            if (pg_term_is_any(&t)) {
                term_free(&t);
                continue;
            }
        } else {
            t = ct ? term_intersect(&it->t, ct) : term_copy(&it->t);
        }
        inc_add_term(s, nid, it->pkg, t);
    }
    for (size_t k = 0; k < nc; k++) {
        const iterm_t *ct = &s->inc[cause].terms[k];
        if (ct->pkg != pkg && !pg_inc_term(&s->inc[id], ct->pkg))
            inc_add_term(s, nid, ct->pkg, term_copy(&ct->t));
    }
    return nid;
}

/* uv's conflict tracking: `affected` lost a conflict to the other packages of `id`. */
static void record_conflict(pubgrub_result_t *s, int id, int affected)
{
    if (affected == s->root)
        return;
    const incompat_t *inc = &s->inc[id];
    for (size_t k = 0; k < inc->n; k++) {
        int c = inc->terms[k].pkg;
        if (c == affected || c == s->root)
            continue;
        if (++s->pk[c].culprit == CONFLICT_THRESHOLD && s->pk[c].conflict_class == 0)
            s->pk[c].conflict_class = -1;
    }
    pkgstate_t *a = &s->pk[affected];
    if (++a->affected != CONFLICT_THRESHOLD)
        return;
    a->conflict_class = 1;
    s->stats.conflict_boosts++;
    for (size_t k = 0; k < inc->n; k++) {
        int c = inc->terms[k].pkg;
        if (c == affected || c == s->root)
            continue;
        a->culprits = xrealloc(a->culprits, (a->nculprits + 1) * sizeof *a->culprits);
        a->culprits[a->nculprits++] = c;
    }
    s->backtrack_to = affected;
}

/* Resolves the conflict on satisfied incompatibility id: backjumps and returns the root cause
 * (with *pkg the package to derive on), or returns -1 with s->failure set. */
static int resolve_conflict(pubgrub_result_t *s, int id, int *pkg)
{
    bool learned = false;
    s->stats.conflicts++;
    for (;;) {
        if (is_terminal(s, id)) {
            s->failure = id;
            return -1;
        }
        satisfier_t sat = find_satisfier(s, id);
        const passign_t *a = &s->pk[sat.pkg].as[sat.k];
        if (a->cause < 0 || sat.prev_level != a->level) {
            if (learned)
                inc_index(s, id);
            backtrack(s, sat.prev_level);
            *pkg = sat.pkg;
            record_conflict(s, id, sat.pkg);
            return id;
        }
        id = prior_cause(s, id, a->cause, sat.pkg);
        learned = true;
    }
}

static void changed_push(pubgrub_result_t *s, int pkg)
{
    if (s->pk[pkg].in_changed)
        return;
    s->pk[pkg].in_changed = true;
    XGROW(s->changed, s->capchanged, s->nchanged + 1);
    s->changed[s->nchanged++] = pkg;
}

static void changed_clear(pubgrub_result_t *s)
{
    while (s->nchanged)
        s->pk[s->changed[--s->nchanged]].in_changed = false;
}

/* Unit propagation from pkg. False when the solve has failed (s->failure set). */
static bool propagate(pubgrub_result_t *s, int pkg)
{
    changed_clear(s);
    changed_push(s, pkg);
    while (s->nchanged) {
        int p = s->changed[--s->nchanged];
        s->pk[p].in_changed = false;
        int conflict = -1;
        /* Newest first. The list is not modified while we walk it: derivations add no
         * incompatibilities, and we stop before conflict resolution (which does). */
        for (size_t k = s->pk[p].ninc; k-- > 0;) {
            int id = s->pk[p].incs[k], almost = -1;
            if (s->inc[id].contradicted >= 0)
                continue;
            int rel = inc_relation(s, id, &almost);
            if (rel == REL_SAT) {
                conflict = id;
                break;
            }
            if (rel == REL_ALMOST) {
                changed_push(s, almost);
                add_derivation(s, almost, id);
                mark_contradicted(s, id);
            } else if (rel == REL_CONTRA) {
                mark_contradicted(s, id);
            }
        }
        if (conflict < 0)
            continue;
        int q;
        changed_clear(s);
        int cause = resolve_conflict(s, conflict, &q);
        if (cause < 0)
            return false;
        changed_push(s, q);
        add_derivation(s, q, cause);
        mark_contradicted(s, cause);
    }
    return true;
}

/* The conflict-priority heuristic: once a package has lost enough conflicts, go back to before
 * its culprits' decisions so that it is decided first. */
static void conflict_backtrack(pubgrub_result_t *s)
{
    int pkg = s->backtrack_to;
    s->backtrack_to = -1;
    if (pkg < 0 || s->pk[pkg].decided)
        return;
    int target = INT_MAX;
    const pkgstate_t *a = &s->pk[pkg];
    for (size_t k = 0; k < a->nculprits; k++) {
        const pkgstate_t *c = &s->pk[a->culprits[k]];
        if (c->decided && c->as[c->nas - 1].level - 1 < target)
            target = c->as[c->nas - 1].level - 1;
    }
    if (target >= 1 && target < s->level) {
        backtrack(s, target);
        if (is_candidate(s, pkg))
            heap_push(s, pkg);
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Dependencies                                                                                 */

typedef struct dep {
    int pkg;
    vrange_t range;
    const char *why;
    vrange_t holds;
    bool has_holds;
} dep_t;

struct pubgrub_deps {
    dep_t *items;
    size_t n, cap;
    bool unavailable;
    char *reason;
    vrange_t holds;
    bool has_holds;
};

static void deps_clear(pubgrub_deps_t *d)
{
    for (size_t i = 0; i < d->n; i++) {
        vrange_free(&d->items[i].range);
        vrange_free(&d->items[i].holds);
    }
    d->n = 0;
    d->unavailable = false;
    free(d->reason);
    d->reason = NULL;
    vrange_free(&d->holds);
    d->has_holds = false;
}

void pubgrub_deps_add_for(pubgrub_deps_t *d, int pkg, const vrange_t *range, const char *why,
                          const vrange_t *holds_for)
{
    if (d->unavailable)
        return;
    XGROW(d->items, d->cap, d->n + 1);
    dep_t *e = &d->items[d->n++];
    e->pkg = pkg;
    e->range = vrange_copy(range);
    e->why = why;
    e->has_holds = holds_for != NULL;
    e->holds = holds_for ? vrange_copy(holds_for) : vrange_empty();
}

void pubgrub_deps_add(pubgrub_deps_t *d, int pkg, const vrange_t *range, const char *why)
{
    pubgrub_deps_add_for(d, pkg, range, why, NULL);
}

void pubgrub_deps_unavailable(pubgrub_deps_t *d, const char *reason, const vrange_t *holds_for)
{
    deps_clear(d);
    d->unavailable = true;
    d->reason = xstrdup(reason ? reason : "");
    d->has_holds = holds_for != NULL;
    d->holds = holds_for ? vrange_copy(holds_for) : vrange_empty();
}

/* The versions of the depending package a fact holds for: `holds` (if given) plus v. */
static vrange_t holds_range(const version_t *v, const vrange_t *holds, bool has_holds)
{
    vrange_t one = vrange_exact(v);
    if (!has_holds)
        return one;
    vrange_t r = vrange_union(holds, &one);
    vrange_free(&one);
    return r;
}

static depkey_t *dep_slot(pubgrub_result_t *s, int p, int q)
{
    long long key = ((long long)p << 32) | (unsigned)q;
    if (2 * (s->ndeps + 1) > s->capdeps) {
        size_t cap = s->capdeps ? 2 * s->capdeps : 64;
        depkey_t *t = xmalloc(cap * sizeof *t);
        for (size_t i = 0; i < cap; i++)
            t[i].key = -1;
        for (size_t i = 0; i < s->capdeps; i++) {
            if (s->deps[i].key < 0)
                continue;
            size_t h = (size_t)(s->deps[i].key * 0x9E3779B97F4A7C15ULL) & (cap - 1);
            while (t[h].key >= 0)
                h = (h + 1) & (cap - 1);
            t[h] = s->deps[i];
        }
        free(s->deps);
        s->deps = t;
        s->capdeps = cap;
    }
    size_t h = (size_t)(key * 0x9E3779B97F4A7C15ULL) & (s->capdeps - 1);
    while (s->deps[h].key >= 0 && s->deps[h].key != key)
        h = (h + 1) & (s->capdeps - 1);
    if (s->deps[h].key < 0) {
        s->deps[h].key = key;
        s->deps[h].ids = NULL;
        s->deps[h].n = s->deps[h].cap = 0;
        s->ndeps++;
    }
    return &s->deps[h];
}

/* Adds "p in w depends on q in range" (taking ownership of w), merged with an identical
 * dependency of other versions of p when there is one. Returns the incompatibility's id, or -1
 * when there is nothing to add (p depends on itself and the versions satisfy it). */
static int add_dependency(pubgrub_result_t *s, int p, vrange_t w, int q, const vrange_t *range,
                          const char *why)
{
    if (q == p) {
        vrange_t rest = vrange_difference(&w, range);
        vrange_free(&w);
        if (vrange_is_empty(&rest))
            return -1;
        w = rest;
    } else {
        depkey_t *slot = dep_slot(s, p, q);
        for (size_t k = slot->n; k-- > 0;) {
            incompat_t *old = &s->inc[slot->ids[k]];
            if (!str_eq_null(old->why, why) || !vrange_equal(&old->dep_range, range))
                continue;
            vrange_t merged = vrange_union(&old->terms[0].t.r, &w);
            vrange_free(&w);
            w = merged;
            int old_id = slot->ids[k];
            inc_unindex(s, old_id);
            s->inc[old_id].dead = true;
            memmove(&slot->ids[k], &slot->ids[k + 1], (slot->n - k - 1) * sizeof *slot->ids);
            slot->n--;
            s->stats.merged++;
            break;
        }
    }
    int id = inc_new(s, INC_DEPENDENCY);
    incompat_t *inc = &s->inc[id];
    inc->why = why;
    inc->dep_pkg = q;
    inc->dep_range = vrange_copy(range);
    inc_add_term(s, id, p, term_make(true, w));
    if (q != p && !vrange_is_empty(range))
        inc_add_term(s, id, q, term_make(false, vrange_copy(range)));
    inc_index(s, id);
    if (q != p) {
        depkey_t *slot = dep_slot(s, p, q);
        XGROW(slot->ids, slot->cap, slot->n + 1);
        slot->ids[slot->n++] = id;
    }
    return id;
}

/* Whether incompatibility id is satisfied once p is decided at v. */
static bool satisfied_with(const pubgrub_result_t *s, int id, int p, const version_t *v)
{
    const incompat_t *inc = &s->inc[id];
    for (size_t k = 0; k < inc->n; k++) {
        const iterm_t *it = &inc->terms[k];
        if (it->pkg == p ? !term_contains(&it->t, v)
                         : term_relation(&it->t, accum_of(s, it->pkg)) != REL_SAT)
            return false;
    }
    return true;
}

/* ------------------------------------------------------------------------------------------ */
/* Solving                                                                                      */

static const char *name_of(const pubgrub_result_t *s, int pkg)
{
    const char *n = s->prov.package_name(s->prov.ctx, pkg);
    return n ? n : "?";
}

/* One decision step for package p: returns an error from the provider or NULL. */
static err_t *step(pubgrub_result_t *s, int p, pubgrub_deps_t *deps)
{
    const vrange_t *allowed = &accum_of(s, p)->r;
    const version_t *v = NULL;
    err_t *e;
    if (p == s->root) {
        v = s->root_version;
    } else {
        if ((e = s->prov.choose_version(s->prov.ctx, p, allowed, &v)))
            return e;
        if (!v) {
            int id = inc_new(s, INC_NO_VERSIONS);
            inc_add_term(s, id, p, term_make(true, vrange_copy(allowed)));
            if (s->prov.describe_none)
                s->inc[id].reason = s->prov.describe_none(s->prov.ctx, p, allowed);
            inc_index(s, id);
            heap_push(s, p);
            return NULL;
        }
        if (!vrange_contains(allowed, v)) {
            char *vs = version_str(v), *rs = vrange_str(allowed);
            e = err_new(EXIT_APPLY, "internal error: version %s chosen for %s is outside %s", vs,
                        name_of(s, p), rs);
            free(vs);
            free(rs);
            return e;
        }
    }
    /* Dependencies already added stay known (they are facts): since propagation let v through,
     * none of them conflicts with it (pubgrub-rs does the same). */
    if (vrange_contains(&s->pk[p].queried, v)) {
        decide(s, p, v);
        return NULL;
    }
    deps_clear(deps);
    s->stats.dependency_queries++;
    if ((e = s->prov.get_dependencies(s->prov.ctx, p, v, deps)))
        return e;
    vrange_t one = vrange_exact(v), q = vrange_union(&s->pk[p].queried, &one);
    vrange_free(&one);
    vrange_free(&s->pk[p].queried);
    s->pk[p].queried = q;
    if (deps->unavailable) {
        int id = inc_new(s, INC_UNAVAILABLE);
        inc_add_term(s, id, p, term_make(true, holds_range(v, &deps->holds, deps->has_holds)));
        s->inc[id].reason = deps->reason;
        deps->reason = NULL;
        inc_index(s, id);
        heap_push(s, p);
        return NULL;
    }
    int *ids = xmalloc((deps->n ? deps->n : 1) * sizeof *ids);
    size_t nids = 0;
    for (size_t i = 0; i < deps->n; i++) {
        const dep_t *d = &deps->items[i];
        if (d->pkg < 0) {
            free(ids);
            return err_new(EXIT_APPLY, "internal error: negative package id %d", d->pkg);
        }
        ensure_pkg(s, d->pkg);
        if (s->pk[d->pkg].seen < 0)     /* first seen: in the order dependencies are listed */
            s->pk[d->pkg].seen = s->next_seen++;
        int id = add_dependency(s, p, holds_range(v, &d->holds, d->has_holds), d->pkg, &d->range,
                                d->why);
        if (id >= 0)
            ids[nids++] = id;
    }
    bool conflict = false;
    for (size_t i = 0; i < nids && !conflict; i++)
        conflict = satisfied_with(s, ids[i], p, v);
    free(ids);
    if (conflict)
        heap_push(s, p);    /* propagation rules v out; p stays to be decided */
    else
        decide(s, p, v);
    return NULL;
}

/* A package still to decide that the heap lost track of (should not happen), or -1. */
static int scan_candidate(const pubgrub_result_t *s)
{
    for (size_t i = 0; i < s->npk; i++)
        if (is_candidate(s, (int)i))
            return (int)i;
    return -1;
}

static void build_solution(pubgrub_result_t *s)
{
    s->sol_pkg = xmalloc((s->ntrail ? s->ntrail : 1) * sizeof *s->sol_pkg);
    s->sol_ver = xmalloc((s->ntrail ? s->ntrail : 1) * sizeof *s->sol_ver);
    for (size_t g = 0; g < s->ntrail; g++) {
        int pkg = s->trail[g];
        const pkgstate_t *p = &s->pk[pkg];
        if (pkg == s->root || !p->decided)
            continue;
        size_t k = p->nas;
        while (k > 0 && p->as[k - 1].cause >= 0)
            k--;
        if (k == 0 || p->as[k - 1].gidx != g)
            continue;   /* not the decision's own position in the trail */
        s->sol_pkg[s->nsol] = pkg;
        s->sol_ver[s->nsol] = p->decided;
        s->nsol++;
    }
}

err_t *pubgrub_solve(const pubgrub_provider_t *provider, int root, const version_t *root_version,
                     pubgrub_result_t **out)
{
    *out = NULL;
    if (root < 0)
        return err_new(EXIT_APPLY, "internal error: negative root package id %d", root);
    pubgrub_result_t *s = xcalloc(1, sizeof *s);
    s->prov = *provider;
    s->root = root;
    s->root_version = root_version;
    s->failure = -1;
    s->backtrack_to = -1;
    ensure_pkg(s, root);

    int id = inc_new(s, INC_ROOT);
    inc_add_term(s, id, root, term_make(false, vrange_exact(root_version)));
    inc_index(s, id);

    pubgrub_deps_t deps = {0};
    err_t *e = NULL;
    int next = root;
    for (;;) {
        if (!propagate(s, next))
            break;
        conflict_backtrack(s);
        int p = heap_pop(s);
        if (p < 0)
            p = scan_candidate(s);
        if (p < 0) {
            s->solved = true;
            break;
        }
        if ((e = step(s, p, &deps)))
            break;
        next = p;
    }
    deps_clear(&deps);
    free(deps.items);
    if (e) {
        pubgrub_result_free(s);
        return e;
    }
    if (s->solved)
        build_solution(s);
    *out = s;
    return NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* Results                                                                                      */

bool pubgrub_solved(const pubgrub_result_t *r)
{
    return r->solved;
}

size_t pubgrub_solution_count(const pubgrub_result_t *r)
{
    return r->nsol;
}

void pubgrub_solution_item(const pubgrub_result_t *r, size_t i, int *pkg, const version_t **version)
{
    if (pkg)
        *pkg = r->sol_pkg[i];
    if (version)
        *version = r->sol_ver[i];
}

const version_t *pubgrub_solution_version(const pubgrub_result_t *r, int pkg)
{
    if (!r->solved || pkg < 0 || (size_t)pkg >= r->npk || pkg == r->root)
        return NULL;
    return r->pk[pkg].decided;
}

void pubgrub_stats(const pubgrub_result_t *r, pubgrub_stats_t *out)
{
    *out = r->stats;
}

void pubgrub_result_free(pubgrub_result_t *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->npk; i++) {
        pkgstate_t *p = &r->pk[i];
        for (size_t k = 0; k < p->nas; k++) {
            term_free(&p->as[k].term);
            term_free(&p->as[k].accum);
        }
        free(p->as);
        free(p->incs);
        vrange_free(&p->queried);
        free(p->culprits);
    }
    free(r->pk);
    for (size_t i = 0; i < r->ninc; i++)
        inc_free(&r->inc[i]);
    free(r->inc);
    for (size_t i = 0; i < r->capdeps; i++)
        if (r->deps[i].key >= 0)
            free(r->deps[i].ids);
    free(r->deps);
    free(r->trail);
    free(r->heap);
    free(r->changed);
    free(r->contra);
    free(r->sol_pkg);
    free(r->sol_ver);
    free(r);
}
