/* markeralg: an algebra of environment markers (see markeralg.h).
 *
 * Representation: a markeralg_t is a sorted array of cubes; a cube holds, per version variable
 * (python, implementation_version), a version set or NULL (any); per string variable a value
 * constraint (any / allowed set / excluded set); and a sorted array of literals (opaque atoms
 * with a polarity). Every cube stored in a value is normalized (see cube_norm) and non-empty,
 * and the array is the Blake canonical form (all prime implicants), sorted by cube_cmp.
 */
#include "pkg/markeralg.h"

#include <stdlib.h>
#include <string.h>

#include "pkg/markeralg_impl.h"
#include "pkg/name.h"
#include "util/buf.h"
#include "util/xalloc.h"

/* ------------------------------------------------------------------------------------------ */
/* Variables                                                                                    */

/* String variables, in display order. */
const marker_var_t MA_SVARS[MA_NSV] = {
    MARKER_VAR_IMPLEMENTATION_NAME, MARKER_VAR_PLATFORM_PYTHON_IMPLEMENTATION,
    MARKER_VAR_OS_NAME,             MARKER_VAR_SYS_PLATFORM,
    MARKER_VAR_PLATFORM_SYSTEM,     MARKER_VAR_PLATFORM_MACHINE,
    MARKER_VAR_PLATFORM_RELEASE,    MARKER_VAR_PLATFORM_VERSION,
    MARKER_VAR_EXTRA,
};

int ma_slot(marker_var_t var)
{
    for (int i = 0; i < MA_NSV; i++)
        if (MA_SVARS[i] == var)
            return i;
    return -1;
}

/* Display rank of a variable: python first, then the string variables, then the sets. */
int ma_rank(marker_var_t var)
{
    switch (var) {
    case MARKER_VAR_PYTHON_VERSION:
    case MARKER_VAR_PYTHON_FULL_VERSION: return 0;
    case MARKER_VAR_IMPLEMENTATION_NAME: return 1;
    case MARKER_VAR_IMPLEMENTATION_VERSION: return 2;
    case MARKER_VAR_EXTRAS: return 3 + MA_NSV;
    case MARKER_VAR_DEPENDENCY_GROUPS: return 4 + MA_NSV;
    default: return 3 + ma_slot(var);
    }
}

/* ------------------------------------------------------------------------------------------ */
/* String value constraints                                                                     */

static int strp_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void sc_free(scon_t *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
    *s = (scon_t){0};
}

void sc_copy(scon_t *dst, const scon_t *src)
{
    dst->kind = src->kind;
    dst->n = src->n;
    dst->v = src->n ? xmalloc(src->n * sizeof *dst->v) : NULL;
    for (size_t i = 0; i < src->n; i++)
        dst->v[i] = xstrdup(src->v[i]);
}

bool sc_has(const scon_t *s, const char *v)
{
    return s->n && bsearch(&v, s->v, s->n, sizeof *s->v, strp_cmp) != NULL;
}

/* Sorts and removes duplicates (values owned). */
static void sc_sort(scon_t *s)
{
    if (s->n < 2)
        return;
    qsort(s->v, s->n, sizeof *s->v, strp_cmp);
    size_t k = 1;
    for (size_t i = 1; i < s->n; i++) {
        if (strcmp(s->v[i], s->v[k - 1]) == 0)
            free(s->v[i]);
        else
            s->v[k++] = s->v[i];
    }
    s->n = k;
}

static void sc_push(scon_t *s, const char *v, size_t *cap)
{
    XGROW(s->v, *cap, s->n + 1);
    s->v[s->n++] = xstrdup(v);
}

/* The values of a that are (keep_in_b) / are not in b. */
static void sc_filter(scon_t *out, int kind, const scon_t *a, const scon_t *b, bool keep_in_b)
{
    size_t cap = 0;
    *out = (scon_t){.kind = kind};
    for (size_t i = 0; i < a->n; i++)
        if (sc_has(b, a->v[i]) == keep_in_b)
            sc_push(out, a->v[i], &cap);
}

static void sc_union(scon_t *out, int kind, const scon_t *a, const scon_t *b)
{
    size_t cap = 0;
    *out = (scon_t){.kind = kind};
    for (size_t i = 0; i < a->n; i++)
        sc_push(out, a->v[i], &cap);
    for (size_t i = 0; i < b->n; i++)
        sc_push(out, b->v[i], &cap);
    sc_sort(out);
}

/* out = a and b (out is fresh). An SC_IN with no value is the empty set. */
void sc_and(scon_t *out, const scon_t *a, const scon_t *b)
{
    if (a->kind == SC_ANY)
        sc_copy(out, b);
    else if (b->kind == SC_ANY)
        sc_copy(out, a);
    else if (a->kind == SC_IN && b->kind == SC_IN)
        sc_filter(out, SC_IN, a, b, true);
    else if (a->kind == SC_IN)
        sc_filter(out, SC_IN, a, b, false);
    else if (b->kind == SC_IN)
        sc_filter(out, SC_IN, b, a, false);
    else
        sc_union(out, SC_NOTIN, a, b);
}

void sc_or(scon_t *out, const scon_t *a, const scon_t *b)
{
    if (a->kind == SC_ANY || b->kind == SC_ANY)
        *out = (scon_t){.kind = SC_ANY};
    else if (a->kind == SC_IN && b->kind == SC_IN)
        sc_union(out, SC_IN, a, b);
    else if (a->kind == SC_IN)
        sc_filter(out, SC_NOTIN, b, a, false);
    else if (b->kind == SC_IN)
        sc_filter(out, SC_NOTIN, a, b, false);
    else
        sc_filter(out, SC_NOTIN, a, b, true);
    if (out->kind == SC_NOTIN && out->n == 0)
        out->kind = SC_ANY;
}

void sc_not(scon_t *out, const scon_t *a)
{
    sc_copy(out, a);
    out->kind = a->kind == SC_ANY ? SC_IN : a->kind == SC_IN ? SC_NOTIN : SC_IN;
    if (out->kind == SC_NOTIN && out->n == 0)
        out->kind = SC_ANY;
}

bool sc_contains(const scon_t *s, const char *v)
{
    return s->kind == SC_ANY || sc_has(s, v) == (s->kind == SC_IN);
}

int sc_cmp(const scon_t *a, const scon_t *b)
{
    /* constrained first: allowed sets, excluded sets, then any */
    static const int order[] = {[SC_IN] = 0, [SC_NOTIN] = 1, [SC_ANY] = 2};
    if (a->kind != b->kind)
        return order[a->kind] < order[b->kind] ? -1 : 1;
    for (size_t i = 0; i < a->n && i < b->n; i++) {
        int c = strcmp(a->v[i], b->v[i]);
        if (c)
            return c;
    }
    return a->n < b->n ? -1 : a->n > b->n;
}

/* ------------------------------------------------------------------------------------------ */
/* Literals                                                                                     */

/* Order of the atoms themselves (polarity ignored). */
int lit_key_cmp(const lit_t *a, const lit_t *b)
{
    int ra = ma_rank(a->var), rb = ma_rank(b->var);
    if (ra != rb)
        return ra < rb ? -1 : 1;
    if (a->var != b->var)
        return a->var < b->var ? -1 : 1;
    int c = strcmp(a->lit, b->lit);
    if (c)
        return c;
    if (a->op != b->op)
        return a->op < b->op ? -1 : 1;
    return (int)b->var_left - (int)a->var_left;
}

int lit_cmp(const lit_t *a, const lit_t *b)
{
    int c = lit_key_cmp(a, b);
    return c ? c : (int)a->neg - (int)b->neg;
}

static int lit_qcmp(const void *a, const void *b)
{
    return lit_cmp(a, b);
}

static void lit_copy(lit_t *dst, const lit_t *src)
{
    *dst = *src;
    dst->lit = xstrdup(src->lit);
}

/* The truth of literal l when its variable has value v (other variables unset). */
bool lit_at(const lit_t *l, const char *v)
{
    marker_env_t env = {0};
    marker_env_set(&env, l->var, v);
    marker_atom_t a = {.var = l->var, .op = l->op, .var_left = l->var_left, .lit = l->lit};
    bool r = false;
    err_t *e = marker_atom_eval(&a, &env, &r);
    if (e) {
        err_free(e);
        r = false;      /* undefined comparisons count as false */
    }
    return r != l->neg;
}

/* ------------------------------------------------------------------------------------------ */
/* Cubes                                                                                        */

void cube_free(cube_t *c)
{
    if (!c)
        return;
    for (int k = 0; k < MA_NVV; k++)
        vc_free(c->ver[k]);
    for (int k = 0; k < MA_NSV; k++)
        sc_free(&c->s[k]);
    for (size_t i = 0; i < c->nlits; i++)
        free(c->lits[i].lit);
    free(c->lits);
    free(c);
}

cube_t *cube_new(void)
{
    return xcalloc(1, sizeof(cube_t));
}

cube_t *cube_copy(const cube_t *c)
{
    cube_t *d = cube_new();
    for (int k = 0; k < MA_NVV; k++)
        d->ver[k] = c->ver[k] ? vc_copy(c->ver[k]) : NULL;
    for (int k = 0; k < MA_NSV; k++)
        sc_copy(&d->s[k], &c->s[k]);
    d->mask = c->mask;
    d->nlits = d->caplits = c->nlits;
    d->lits = c->nlits ? xmalloc(c->nlits * sizeof *d->lits) : NULL;
    for (size_t i = 0; i < c->nlits; i++)
        lit_copy(&d->lits[i], &c->lits[i]);
    return d;
}

void cube_add_lit(cube_t *c, const lit_t *l)
{
    XGROW(c->lits, c->caplits, c->nlits + 1);
    lit_copy(&c->lits[c->nlits++], l);
}

static void cube_del_lit(cube_t *c, size_t i)
{
    free(c->lits[i].lit);
    memmove(c->lits + i, c->lits + i + 1, (c->nlits - i - 1) * sizeof *c->lits);
    c->nlits--;
}

bool cube_is_top(const cube_t *c)
{
    for (int k = 0; k < MA_NVV; k++)
        if (c->ver[k])
            return false;
    for (int k = 0; k < MA_NSV; k++)
        if (c->s[k].kind != SC_ANY)
            return false;
    return c->nlits == 0;
}

/* Normalizes c in place; returns false (c then unusable except for cube_free) when c is
 * empty. Normal form: full version sets are NULL; no SC_IN without values, no SC_NOTIN without
 * values; literals sorted, unique, no atom with both polarities; no literal on a string
 * variable with an allowed set (decided on its values and dropped); no excluded value that a
 * literal on the same variable already excludes. */
bool cube_norm(cube_t *c)
{
    for (int k = 0; k < MA_NVV; k++) {
        if (!c->ver[k])
            continue;
        if (vc_is_empty(c->ver[k]))
            return false;
        if (vc_is_full(c->ver[k])) {
            vc_free(c->ver[k]);
            c->ver[k] = NULL;
        }
    }
    if (c->nlits > 1)
        qsort(c->lits, c->nlits, sizeof *c->lits, lit_qcmp);
    for (size_t i = 0; i + 1 < c->nlits;) {
        int key = lit_key_cmp(&c->lits[i], &c->lits[i + 1]);
        if (key == 0 && c->lits[i].neg != c->lits[i + 1].neg)
            return false;
        if (key == 0)
            cube_del_lit(c, i + 1);
        else
            i++;
    }
    for (size_t i = 0; i < c->nlits;) {
        int slot = ma_slot(c->lits[i].var);
        scon_t *s = slot >= 0 ? &c->s[slot] : NULL;
        if (s && s->kind == SC_IN) {
            size_t k = 0;
            for (size_t j = 0; j < s->n; j++) {
                if (lit_at(&c->lits[i], s->v[j]))
                    s->v[k++] = s->v[j];
                else
                    free(s->v[j]);
            }
            s->n = k;
            cube_del_lit(c, i);
            continue;
        }
        if (s && s->kind == SC_NOTIN) {
            size_t k = 0;
            for (size_t j = 0; j < s->n; j++) {
                if (lit_at(&c->lits[i], s->v[j]))
                    s->v[k++] = s->v[j];
                else
                    free(s->v[j]);
            }
            s->n = k;
        }
        i++;
    }
    c->mask = 0;
    for (int k = 0; k < MA_NSV; k++) {
        if (c->s[k].kind == SC_IN && c->s[k].n == 0)
            return false;
        if (c->s[k].kind == SC_NOTIN && c->s[k].n == 0) {
            sc_free(&c->s[k]);
            c->s[k].kind = SC_ANY;
        }
        if (c->s[k].kind != SC_ANY)
            c->mask |= 1u << MA_SVARS[k];
    }
    if (c->ver[MA_PY])
        c->mask |= 1u << MARKER_VAR_PYTHON_FULL_VERSION;
    if (c->ver[MA_IMPL])
        c->mask |= 1u << MARKER_VAR_IMPLEMENTATION_VERSION;
    for (size_t i = 0; i < c->nlits; i++)
        c->mask |= 1u << c->lits[i].var;
    return true;
}

/* a and b, not normalized. */
static cube_t *cube_and_raw(const cube_t *a, const cube_t *b)
{
    cube_t *c = cube_new();
    for (int k = 0; k < MA_NVV; k++) {
        if (a->ver[k] && b->ver[k])
            c->ver[k] = vc_and(a->ver[k], b->ver[k]);
        else if (a->ver[k] || b->ver[k])
            c->ver[k] = vc_copy(a->ver[k] ? a->ver[k] : b->ver[k]);
    }
    for (int k = 0; k < MA_NSV; k++)
        sc_and(&c->s[k], &a->s[k], &b->s[k]);
    for (size_t i = 0; i < a->nlits; i++)
        cube_add_lit(c, &a->lits[i]);
    for (size_t i = 0; i < b->nlits; i++)
        cube_add_lit(c, &b->lits[i]);
    return c;
}

/* a and b, normalized, or NULL when empty. */
cube_t *cube_and(const cube_t *a, const cube_t *b)
{
    cube_t *c = cube_and_raw(a, b);
    if (!cube_norm(c)) {
        cube_free(c);
        return NULL;
    }
    return c;
}

/* ---- A string variable's part of a cube: its value constraint and the literals on it ----
 *
 * The model: the literals on a string variable X are evaluated on the values named in value
 * sets, and are free on every other value. So X's part of a cube is a set of named values C
 * (those it accepts) plus, unless its constraint is an allowed set, the "other" values
 * satisfying its literals. */

/* The literals of c on variable var: c->lits[*lo .. *hi) (they are contiguous). */
static void lits_on(const cube_t *c, marker_var_t var, size_t *lo, size_t *hi)
{
    size_t i = 0;
    while (i < c->nlits && c->lits[i].var != var)
        i++;
    *lo = i;
    while (i < c->nlits && c->lits[i].var == var)
        i++;
    *hi = i;
}

/* Whether the part of c on slot k accepts the named value v. */
static bool part_has(const cube_t *c, int k, const char *v)
{
    if (!sc_contains(&c->s[k], v))
        return false;
    size_t lo, hi;
    lits_on(c, MA_SVARS[k], &lo, &hi);
    for (size_t i = lo; i < hi; i++)
        if (!lit_at(&c->lits[i], v))
            return false;
    return true;
}

/* Whether every literal of b[blo..bhi) is among a[alo..ahi). */
static bool lits_within(const cube_t *a, size_t alo, size_t ahi, const cube_t *b, size_t blo,
                        size_t bhi)
{
    for (size_t j = blo; j < bhi; j++) {
        bool found = false;
        for (size_t i = alo; i < ahi && !found; i++)
            found = lit_cmp(&a->lits[i], &b->lits[j]) == 0;
        if (!found)
            return false;
    }
    return true;
}

/* Whether the part of a on slot k is a subset of b's. */
static bool part_subset(const cube_t *a, const cube_t *b, int k)
{
    const scon_t *sets[2] = {&a->s[k], &b->s[k]};
    for (int w = 0; w < 2; w++)
        for (size_t i = 0; i < sets[w]->n; i++)
            if (part_has(a, k, sets[w]->v[i]) && !part_has(b, k, sets[w]->v[i]))
                return false;
    if (a->s[k].kind == SC_IN)
        return true;            /* no other value */
    if (b->s[k].kind == SC_IN)
        return false;
    size_t alo, ahi, blo, bhi;
    lits_on(a, MA_SVARS[k], &alo, &ahi);
    lits_on(b, MA_SVARS[k], &blo, &bhi);
    return lits_within(a, alo, ahi, b, blo, bhi);
}

static bool part_trivial(const cube_t *c, int k)
{
    size_t lo, hi;
    lits_on(c, MA_SVARS[k], &lo, &hi);
    return c->s[k].kind == SC_ANY && lo == hi;
}

/* a is a subset of b (both normalized). */
bool cube_subset(const cube_t *a, const cube_t *b)
{
    /* A constraint of b on a variable a leaves free is never the whole domain. */
    if (b->mask & ~a->mask)
        return false;
    for (int k = 0; k < MA_NVV; k++) {
        if (!b->ver[k])
            continue;
        if (!a->ver[k] || !vc_subset(a->ver[k], b->ver[k]))
            return false;
    }
    for (int k = 0; k < MA_NSV; k++)
        if (!part_trivial(b, k) && !part_subset(a, b, k))
            return false;
    /* literals on variables without a value set (python, extras, dependency_groups) */
    for (size_t i = 0; i < b->nlits; i++) {
        if (ma_slot(b->lits[i].var) >= 0)
            continue;
        bool found = false;
        for (size_t j = 0; j < a->nlits && !found; j++)
            found = lit_cmp(&a->lits[j], &b->lits[i]) == 0;
        if (!found)
            return false;
    }
    return true;
}

/* The union of the parts of a and b on slot k, when one part can express it: written to
 * out's slot k (value constraint and literals; out has neither on entry). */
static bool part_union(const cube_t *a, const cube_t *b, int k, cube_t *out)
{
    marker_var_t var = MA_SVARS[k];
    size_t alo, ahi, blo, bhi;
    lits_on(a, var, &alo, &ahi);
    lits_on(b, var, &blo, &bhi);
    /* the other values: none (an allowed set) or a conjunction of literals */
    bool anone = a->s[k].kind == SC_IN, bnone = b->s[k].kind == SC_IN;
    const cube_t *oc = NULL;        /* whose literals form the union's, if any */
    size_t olo = 0, ohi = 0, skip = (size_t)-1;
    if (!anone && !bnone) {
        if (lits_within(a, alo, ahi, b, blo, bhi)) {
            oc = b, olo = blo, ohi = bhi;           /* b's others contain a's */
        } else if (lits_within(b, blo, bhi, a, alo, ahi)) {
            oc = a, olo = alo, ohi = ahi;
        } else if (ahi - alo == bhi - blo) {
            /* the same literals but one, negated: its consensus */
            size_t diff = 0, at = 0;
            for (size_t i = alo; i < ahi; i++) {
                bool found = false;
                for (size_t j = blo; j < bhi && !found; j++)
                    found = lit_cmp(&a->lits[i], &b->lits[j]) == 0;
                if (!found)
                    diff++, at = i;
            }
            if (diff != 1)
                return false;
            bool negated = false;
            for (size_t j = blo; j < bhi && !negated; j++)
                negated = lit_key_cmp(&a->lits[at], &b->lits[j]) == 0;
            if (!negated)
                return false;
            oc = a, olo = alo, ohi = ahi, skip = at;
        } else {
            return false;
        }
    } else if (!anone) {
        oc = a, olo = alo, ohi = ahi;
    } else if (!bnone) {
        oc = b, olo = blo, ohi = bhi;
    }
    /* the named values accepted */
    scon_t named = {.kind = SC_IN}, rest = {.kind = SC_NOTIN};
    size_t ncap = 0, rcap = 0;
    const scon_t *sets[2] = {&a->s[k], &b->s[k]};
    for (int w = 0; w < 2; w++) {
        for (size_t i = 0; i < sets[w]->n; i++) {
            const char *v = sets[w]->v[i];
            bool in = part_has(a, k, v) || part_has(b, k, v);
            bool lits_hold = true;
            for (size_t j = olo; oc && j < ohi && lits_hold; j++)
                if (j != skip)
                    lits_hold = lit_at(&oc->lits[j], v);
            scon_t *dst = in ? &named : &rest;
            if (in && oc && !lits_hold) {
                sc_free(&named);
                sc_free(&rest);
                return false;   /* a named value the union's literals would reject */
            }
            if ((in || (oc && lits_hold)) && !sc_has(dst, v)) {
                XGROW(dst->v, *(in ? &ncap : &rcap), dst->n + 1);
                dst->v[dst->n++] = xstrdup(v);
                qsort(dst->v, dst->n, sizeof *dst->v, strp_cmp);
            }
        }
    }
    if (!oc) {
        out->s[k] = named;
        sc_free(&rest);
        return true;
    }
    sc_free(&named);
    out->s[k] = rest;
    if (rest.n == 0)
        out->s[k].kind = SC_ANY;
    for (size_t j = olo; j < ohi; j++)
        if (j != skip)
            cube_add_lit(out, &oc->lits[j]);
    return true;
}

int cube_cmp(const cube_t *a, const cube_t *b)
{
    /* In display order: python, implementation_version after implementation_name. */
    int c;
    if ((c = vc_cmp(a->ver[MA_PY], b->ver[MA_PY])))
        return c;
    if ((c = sc_cmp(&a->s[0], &b->s[0])))
        return c;
    if ((c = vc_cmp(a->ver[MA_IMPL], b->ver[MA_IMPL])))
        return c;
    for (int k = 1; k < MA_NSV; k++)
        if ((c = sc_cmp(&a->s[k], &b->s[k])))
            return c;
    for (size_t i = 0; i < a->nlits && i < b->nlits; i++)
        if ((c = lit_cmp(&a->lits[i], &b->lits[i])))
            return c;
    return a->nlits < b->nlits ? -1 : a->nlits > b->nlits;
}

static int cube_qcmp(const void *a, const void *b)
{
    return cube_cmp(*(cube_t *const *)a, *(cube_t *const *)b);
}

/* A copy of c without its constraint on key (a version variable, or a string slot with the
 * literals on it), and without literal `drop` (NULL: none). */
static cube_t *cube_without(const cube_t *c, int key, const lit_t *drop)
{
    cube_t *d = cube_copy(c);
    if (key >= 0 && key < MA_NVV) {
        vc_free(d->ver[key]);
        d->ver[key] = NULL;
    } else if (key >= MA_NVV) {
        int k = key - MA_NVV;
        sc_free(&d->s[k]);
        for (size_t i = d->nlits; i-- > 0;)
            if (d->lits[i].var == MA_SVARS[k])
                cube_del_lit(d, i);
    }
    for (size_t i = d->nlits; drop && i-- > 0;)
        if (lit_key_cmp(&d->lits[i], drop) == 0)
            cube_del_lit(d, i);
    return d;
}

/* The consensus of a and b on key: a version variable 0..MA_NVV-1, a string slot
 * MA_NVV..MA_NVV+MA_NSV-1 (its value constraint and literals together), or -1-i for literal i
 * of a, whose negation b holds. It is the cube (a's key part
 * or b's) and (a and b elsewhere); NULL when empty or when the union of the key parts is not
 * one part. */
static cube_t *consensus(const cube_t *a, const cube_t *b, int key, const scon_t *named)
{
    const lit_t *drop = key < 0 ? &a->lits[-1 - key] : NULL;
    cube_t *a2 = cube_without(a, key, drop), *b2 = cube_without(b, key, drop);
    cube_t *c = cube_and_raw(a2, b2);
    cube_free(a2);
    cube_free(b2);
    if (key >= 0 && key < MA_NVV) {
        c->ver[key] = vc_or(a->ver[key], b->ver[key]);
    } else if (key >= MA_NVV) {
        int k = key - MA_NVV;
        scon_t keep = c->s[k];      /* SC_ANY: both parts were removed */
        c->s[k] = (scon_t){0};
        sc_free(&keep);
        if (!part_union(a, b, k, c)) {
            /* Not one part: the union restricted to the values named on X anywhere in the
             * value is (e.g. sys_platform == "linux" with "win" in sys_platform, when
             * "darwin" is named elsewhere). */
            scon_t *in = &c->s[k];
            size_t cap = 0;
            sc_free(in);
            in->kind = SC_IN;
            for (size_t i = 0; i < named[k].n; i++)
                if (part_has(a, k, named[k].v[i]) || part_has(b, k, named[k].v[i]))
                    sc_push(in, named[k].v[i], &cap);
            for (size_t i = c->nlits; i-- > 0;)
                if (c->lits[i].var == MA_SVARS[k])
                    cube_del_lit(c, i);
        }
    }
    if (!cube_norm(c)) {
        cube_free(c);
        return NULL;
    }
    return c;
}

/* ------------------------------------------------------------------------------------------ */
/* Values: sets of cubes in Blake canonical form                                                */

struct markeralg {
    cube_t **c;
    size_t n, cap;
};

static markeralg_t *ma_new(void)
{
    return xcalloc(1, sizeof(markeralg_t));
}

static void ma_push(markeralg_t *a, cube_t *c)
{
    XGROW(a->c, a->cap, a->n + 1);
    a->c[a->n++] = c;
}

size_t ma_count(const markeralg_t *a)
{
    return a->n;
}

const cube_t *ma_cube(const markeralg_t *a, size_t i)
{
    return a->c[i];
}

void markeralg_free(markeralg_t *a)
{
    if (!a)
        return;
    for (size_t i = 0; i < a->n; i++)
        cube_free(a->c[i]);
    free(a->c);
    free(a);
}

markeralg_t *markeralg_false(void)
{
    return ma_new();
}

markeralg_t *markeralg_true(void)
{
    markeralg_t *a = ma_new();
    ma_push(a, cube_new());
    return a;
}

markeralg_t *markeralg_copy(const markeralg_t *a)
{
    markeralg_t *b = ma_new();
    for (size_t i = 0; i < a->n; i++)
        ma_push(b, cube_copy(a->c[i]));
    return b;
}

/* Adds c (normalized, owned) unless a cube of a contains it; the cubes it contains become
 * NULL holes (ma_close compacts them). Returns whether c was added. */
static bool ma_absorb(markeralg_t *a, cube_t *c)
{
    for (size_t i = 0; i < a->n; i++) {
        if (a->c[i] && cube_subset(c, a->c[i])) {
            cube_free(c);
            return false;
        }
    }
    for (size_t i = 0; i < a->n; i++) {
        if (a->c[i] && cube_subset(a->c[i], c)) {
            cube_free(a->c[i]);
            a->c[i] = NULL;
        }
    }
    ma_push(a, c);
    return true;
}

/* The keys on which a consensus of a and b can give a new cube: variables both constrain
 * with neither part containing the other, and literals of opposite polarity. */
static size_t consensus_keys(const cube_t *a, const cube_t *b, int *keys)
{
    size_t n = 0;
    for (int k = 0; k < MA_NVV; k++)
        if (a->ver[k] && b->ver[k] && !vc_subset(a->ver[k], b->ver[k]) &&
            !vc_subset(b->ver[k], a->ver[k]))
            keys[n++] = k;
    for (int k = 0; k < MA_NSV; k++)
        if (!part_trivial(a, k) && !part_trivial(b, k) && !part_subset(a, b, k) &&
            !part_subset(b, a, k))
            keys[n++] = MA_NVV + k;
    for (size_t i = 0; i < a->nlits; i++) {
        for (size_t j = 0; j < b->nlits; j++)
            if (lit_key_cmp(&a->lits[i], &b->lits[j]) == 0 && a->lits[i].neg != b->lits[j].neg)
                keys[n++] = -1 - (int)i;
    }
    return n;
}

/* Completes a (whose cubes are normalized and non-empty, with NULL holes allowed) to its
 * Blake canonical form by iterated consensus, then compacts and sorts it. Worklist order:
 * cube i is paired with every live cube before it; consensus results are appended and paired
 * in turn. A cube absorbed by a later one dies; its pairs no longer matter, since the cube
 * that absorbed it covers their consensus too. */
static void ma_close(markeralg_t *a)
{
    /* the values named on each string variable (consensus never names new ones) */
    scon_t named[MA_NSV];
    for (int k = 0; k < MA_NSV; k++) {
        named[k] = (scon_t){.kind = SC_IN};
        for (size_t i = 0; i < a->n; i++) {
            if (!a->c[i] || !a->c[i]->s[k].n)
                continue;
            scon_t t;
            sc_union(&t, SC_IN, &named[k], &a->c[i]->s[k]);
            sc_free(&named[k]);
            named[k] = t;
        }
    }
    for (size_t i = 0; i < a->n; i++) {
        for (size_t j = 0; j < i && a->c[i]; j++) {
            if (!a->c[j])
                continue;
            int *keys = xmalloc((MA_NVV + MA_NSV + a->c[i]->nlits + 1) * sizeof *keys);
            size_t nk = consensus_keys(a->c[i], a->c[j], keys);
            for (size_t k = 0; k < nk && a->c[i] && a->c[j]; k++) {
                cube_t *c = consensus(a->c[i], a->c[j], keys[k], named);
                if (c)
                    ma_absorb(a, c);
            }
            free(keys);
        }
    }
    for (int k = 0; k < MA_NSV; k++)
        sc_free(&named[k]);
    size_t k = 0;
    for (size_t i = 0; i < a->n; i++)
        if (a->c[i])
            a->c[k++] = a->c[i];
    a->n = k;
    if (a->n > 1)
        qsort(a->c, a->n, sizeof *a->c, cube_qcmp);
}

/* Canonical value from a list of cubes (owned, normalized or not; NULLs ignored). */
markeralg_t *ma_from_cubes(cube_t **cubes, size_t n)
{
    markeralg_t *a = ma_new();
    for (size_t i = 0; i < n; i++) {
        if (!cubes[i])
            continue;
        if (!cube_norm(cubes[i]))
            cube_free(cubes[i]);
        else
            ma_absorb(a, cubes[i]);
    }
    ma_close(a);
    return a;
}

markeralg_t *ma_from_cube(cube_t *c)
{
    return ma_from_cubes(&c, 1);
}

markeralg_t *markeralg_or(const markeralg_t *a, const markeralg_t *b)
{
    markeralg_t *r = markeralg_copy(a);
    for (size_t i = 0; i < b->n; i++)
        ma_absorb(r, cube_copy(b->c[i]));
    ma_close(r);
    return r;
}

markeralg_t *markeralg_and(const markeralg_t *a, const markeralg_t *b)
{
    markeralg_t *r = ma_new();
    for (size_t i = 0; i < a->n; i++)
        for (size_t j = 0; j < b->n; j++) {
            cube_t *c = cube_and(a->c[i], b->c[j]);
            if (c)
                ma_absorb(r, c);
        }
    ma_close(r);
    return r;
}

/* not c: one cube per constraint of c, holding its complement. */
static markeralg_t *cube_not(const cube_t *c)
{
    markeralg_t *r = ma_new();
    for (int k = 0; k < MA_NVV; k++) {
        if (!c->ver[k])
            continue;
        cube_t *d = cube_new();
        d->ver[k] = vc_not(c->ver[k]);
        if (cube_norm(d))
            ma_absorb(r, d);
        else
            cube_free(d);
    }
    for (int k = 0; k < MA_NSV; k++) {
        if (c->s[k].kind == SC_ANY)
            continue;
        cube_t *d = cube_new();
        sc_not(&d->s[k], &c->s[k]);
        if (cube_norm(d))
            ma_absorb(r, d);
        else
            cube_free(d);
    }
    for (size_t i = 0; i < c->nlits; i++) {
        cube_t *d = cube_new();
        lit_t l = c->lits[i];
        l.neg = !l.neg;
        cube_add_lit(d, &l);
        ma_absorb(r, d);
    }
    ma_close(r);
    return r;
}

markeralg_t *markeralg_not(const markeralg_t *a)
{
    markeralg_t *r = markeralg_true();
    for (size_t i = 0; i < a->n && r->n; i++) {
        markeralg_t *n = cube_not(a->c[i]);
        markeralg_t *t = markeralg_and(r, n);
        markeralg_free(r);
        markeralg_free(n);
        r = t;
    }
    return r;
}

bool markeralg_is_false(const markeralg_t *a)
{
    return a->n == 0;
}

bool markeralg_is_true(const markeralg_t *a)
{
    /* TRUE's only prime implicant is the empty cube. */
    return a->n == 1 && cube_is_top(a->c[0]);
}

bool ma_covers(const markeralg_t *a, const cube_t *c)
{
    /* Every implicant lies inside some prime implicant, and a holds them all. */
    for (size_t i = 0; i < a->n; i++)
        if (cube_subset(c, a->c[i]))
            return true;
    return false;
}

int markeralg_cmp(const markeralg_t *a, const markeralg_t *b)
{
    for (size_t i = 0; i < a->n && i < b->n; i++) {
        int c = cube_cmp(a->c[i], b->c[i]);
        if (c)
            return c;
    }
    return a->n < b->n ? -1 : a->n > b->n;
}

bool markeralg_equal(const markeralg_t *a, const markeralg_t *b)
{
    return markeralg_cmp(a, b) == 0;
}

bool markeralg_disjoint(const markeralg_t *a, const markeralg_t *b)
{
    for (size_t i = 0; i < a->n; i++)
        for (size_t j = 0; j < b->n; j++) {
            cube_t *c = cube_and(a->c[i], b->c[j]);
            cube_free(c);
            if (c)
                return false;
        }
    return true;
}

bool markeralg_implies(const markeralg_t *a, const markeralg_t *b)
{
    for (size_t i = 0; i < a->n; i++)
        if (!ma_covers(b, a->c[i]))
            return false;
    return true;
}
