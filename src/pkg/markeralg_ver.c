/* markeralg: Python version sets (see markeralg_impl.h). A vcon_t is a pkg/range set whose
 * bounds are three-component final releases (lower inclusive, upper exclusive, nothing below
 * 0.0.0), as marker_atom_versions and marker_region_python build them; union, intersection and
 * complement keep that form, so structural comparison is semantic on final releases. */
#include <stdlib.h>
#include <string.h>

#include "pkg/markeralg_impl.h"
#include "pkg/range.h"
#include "util/buf.h"
#include "util/xalloc.h"

struct vcon {
    vrange_t r;
};

static vcon_t *wrap(vrange_t r)
{
    vcon_t *v = xmalloc(sizeof *v);
    v->r = r;
    return v;
}

void vc_free(vcon_t *v)
{
    if (!v)
        return;
    vrange_free(&v->r);
    free(v);
}

vcon_t *vc_copy(const vcon_t *v)
{
    return wrap(vrange_copy(&v->r));
}

vcon_t *vc_and(const vcon_t *a, const vcon_t *b)
{
    return wrap(vrange_intersect(&a->r, &b->r));
}

vcon_t *vc_or(const vcon_t *a, const vcon_t *b)
{
    return wrap(vrange_union(&a->r, &b->r));
}

vcon_t *vc_not(const vcon_t *a)
{
    return wrap(vrange_complement(&a->r));
}

bool vc_is_empty(const vcon_t *v)
{
    return vrange_is_empty(&v->r);
}

bool vc_is_full(const vcon_t *v)
{
    return vrange_is_full(&v->r);
}

bool vc_subset(const vcon_t *a, const vcon_t *b)
{
    return vrange_subset(&a->r, &b->r);
}

/* Unbounded sorts below every version as a lower bound (lo) and above as an upper bound. */
static int bound_cmp(const vbound_t *a, const vbound_t *b, bool lo)
{
    if (!a->v || !b->v)
        return !a->v && !b->v ? 0 : (!a->v ? -1 : 1) * (lo ? 1 : -1);
    return version_cmp(a->v, b->v);
}

int vc_cmp(const vcon_t *a, const vcon_t *b)
{
    if (!a || !b)
        return !a && !b ? 0 : !a ? 1 : -1;  /* constrained first */
    size_t na = vrange_count(&a->r), nb = vrange_count(&b->r);
    for (size_t i = 0; i < na && i < nb; i++) {
        vbound_t alo, ahi, blo, bhi;
        vrange_interval(&a->r, i, &alo, &ahi);
        vrange_interval(&b->r, i, &blo, &bhi);
        int c = bound_cmp(&alo, &blo, true);
        if (!c)
            c = bound_cmp(&ahi, &bhi, false);
        if (c)
            return c;
    }
    return na < nb ? -1 : na > nb;
}

bool vc_contains(const vcon_t *v, const version_t *ver)
{
    version_t f = {.epoch = ver->epoch, .nrelease = 3, .post = -1, .dev = -1};
    long rel[3] = {0};
    for (size_t i = 0; i < 3 && i < ver->nrelease; i++)
        rel[i] = ver->release[i];
    f.release = rel;
    return vrange_contains(&v->r, &f);
}

vcon_t *vc_from_atom(const marker_atom_t *a)
{
    vrange_t r;
    if (!marker_atom_versions(a, &r))
        return NULL;
    return wrap(r);
}

vcon_t *vc_from_region(const marker_region_t *region, char **why)
{
    vrange_t r;
    if (!marker_region_python(region, &r, why))
        return NULL;
    return wrap(r);
}

vcon_t *vc_relax_lower(const vcon_t *v)
{
    if (vrange_count(&v->r) == 0)
        return NULL;
    vbound_t lo, hi;
    vrange_interval(&v->r, 0, &lo, &hi);
    if (!lo.v)
        return NULL;
    vrange_t below = vrange_between(NULL, false, lo.v, false);
    vcon_t *out = wrap(vrange_union(&v->r, &below));
    vrange_free(&below);
    return out;
}

vcon_t *vc_relax_upper(const vcon_t *v)
{
    size_t n = vrange_count(&v->r);
    if (n == 0)
        return NULL;
    vbound_t lo, hi;
    vrange_interval(&v->r, n - 1, &lo, &hi);
    if (!hi.v)
        return NULL;
    vrange_t above = vrange_between(hi.v, true, NULL, false);
    vcon_t *out = wrap(vrange_union(&v->r, &above));
    vrange_free(&above);
    return out;
}

/* ------------------------------------------------------------------------------------------ */
/* Text                                                                                         */

static long comp(const version_t *v, size_t i)
{
    return i < v->nrelease ? v->release[i] : 0;
}

/* Whether a version is a whole minor X.Y.0 (epoch 0), printable as python_version. */
static bool whole_minor(const version_t *v)
{
    return v->epoch == 0 && comp(v, 2) == 0;
}

static void put_version(buf_t *b, const version_t *v, bool minor_only)
{
    if (v->epoch)
        buf_printf(b, "%ld!", v->epoch);
    buf_printf(b, "%ld.%ld", comp(v, 0), comp(v, 1));
    if (!minor_only)
        buf_printf(b, ".%ld", comp(v, 2));
}

/* How put_cmp prints a version: a bound (>=, <), one whole minor or one patch (==, !=). */
enum { AS_BOUND, AS_MINOR, AS_PATCH };

/* One comparison on python (python_version for whole minors, else python_full_version) or
 * implementation_version (whose == "X.Y" would be X.Y.0 only: a minor is "X.Y.*"). */
static void put_cmp(buf_t *b, bool python, const char *op, const version_t *v, int as)
{
    bool minor = as == AS_MINOR || (as == AS_BOUND && whole_minor(v));
    const char *var = !python ? "implementation_version"
                    : minor   ? "python_version"
                              : "python_full_version";
    buf_printf(b, "%s %s \"", var, op);
    put_version(b, v, minor);
    if (!python && as == AS_MINOR)
        buf_adds(b, ".*");
    buf_addc(b, '"');
}

/* Whether [lo, hi) is exactly one minor (X.Y.0, X.(Y+1).0) or one patch (X.Y.Z, X.Y.(Z+1)).
 * Returns 2 (minor), 3 (patch) or 0. */
static int one_step(const version_t *lo, const version_t *hi)
{
    if (lo->epoch != hi->epoch || comp(lo, 0) != comp(hi, 0))
        return 0;
    if (comp(lo, 2) == 0 && comp(hi, 2) == 0 && comp(hi, 1) == comp(lo, 1) + 1)
        return 2;
    if (comp(lo, 1) == comp(hi, 1) && comp(hi, 2) == comp(lo, 2) + 1)
        return 3;
    return 0;
}

void vc_render(buf_t *b, const vcon_t *v, bool python, bool paren)
{
    size_t n = vrange_count(&v->r);
    vbound_t lo0, hi0, lo1, hi1;
    if (n == 2) {
        /* the complement of one minor or patch: != */
        vrange_interval(&v->r, 0, &lo0, &hi0);
        vrange_interval(&v->r, 1, &lo1, &hi1);
        int step = !lo0.v && !hi1.v ? one_step(hi0.v, lo1.v) : 0;
        if (step) {
            put_cmp(b, python, "!=", hi0.v, step == 2 ? AS_MINOR : AS_PATCH);
            return;
        }
    }
    bool par = paren && n > 1;
    if (par)
        buf_addc(b, '(');
    for (size_t i = 0; i < n; i++) {
        vbound_t lo, hi;
        vrange_interval(&v->r, i, &lo, &hi);
        if (i)
            buf_adds(b, " or ");
        int step = lo.v && hi.v ? one_step(lo.v, hi.v) : 0;
        if (step) {
            put_cmp(b, python, "==", lo.v, step == 2 ? AS_MINOR : AS_PATCH);
            continue;
        }
        if (lo.v)
            put_cmp(b, python, ">=", lo.v, AS_BOUND);
        if (lo.v && hi.v)
            buf_adds(b, " and ");
        if (hi.v)
            put_cmp(b, python, "<", hi.v, AS_BOUND);
    }
    if (par)
        buf_addc(b, ')');
}
