/* markeralg: markers to values, values to text, evaluation, simplification (see markeralg.h). */
#include <stdlib.h>
#include <string.h>

#include "pkg/markeralg.h"
#include "pkg/markeralg_impl.h"
#include "pkg/name.h"
#include "util/buf.h"
#include "util/xalloc.h"

/* ------------------------------------------------------------------------------------------ */
/* From markers                                                                                 */

static bool is_version_var(marker_var_t v)
{
    return v == MARKER_VAR_PYTHON_VERSION || v == MARKER_VAR_PYTHON_FULL_VERSION ||
           v == MARKER_VAR_IMPLEMENTATION_VERSION;
}

static markeralg_t *from_lit(marker_var_t var, marker_op_t op, bool var_left, bool neg,
                             bool exact, const char *text)
{
    cube_t *c = cube_new();
    lit_t l = {.var = var, .op = op, .var_left = var_left, .neg = neg, .exact = exact,
               .lit = (char *)text};
    cube_add_lit(c, &l);
    return ma_from_cube(c);
}

static markeralg_t *from_set(int slot, int kind, const char *value)
{
    cube_t *c = cube_new();
    c->s[slot].kind = kind;
    c->s[slot].n = 1;
    c->s[slot].v = xmalloc(sizeof *c->s[slot].v);
    c->s[slot].v[0] = xstrdup(value);
    return ma_from_cube(c);
}

static markeralg_t *from_atom(const marker_atom_t *a);

/* `VAR ~= "L"` is `VAR >= "L" and VAR == "P.*"`, P being L's release without its last
 * component (PEP 440). NULL when op+L is no valid specifier. */
static markeralg_t *from_compatible(const marker_atom_t *a)
{
    specset_t *spec = marker_atom_spec(a);
    if (!spec)
        return NULL;
    specset_free(spec);
    version_t v;
    if (!version_parse(a->lit, &v) || v.nrelease < 2) {
        version_free(&v);
        return NULL;
    }
    buf_t p = BUF_INIT;
    if (v.epoch)
        buf_printf(&p, "%ld!", v.epoch);
    for (size_t i = 0; i + 1 < v.nrelease; i++)
        buf_printf(&p, "%s%ld", i ? "." : "", v.release[i]);
    buf_adds(&p, ".*");
    version_free(&v);
    marker_atom_t ge = *a, eq = *a;
    ge.op = MARKER_OP_GE;
    eq.op = MARKER_OP_EQ;
    eq.lit = buf_cstr(&p);
    markeralg_t *x = from_atom(&ge), *y = from_atom(&eq);
    markeralg_t *r = markeralg_and(x, y);
    markeralg_free(x);
    markeralg_free(y);
    buf_free(&p);
    return r;
}

/* Whether marker_eval always compares a as strings, whatever the variable's value. */
static bool string_only(const marker_atom_t *a)
{
    if (a->var == MARKER_VAR_EXTRA || a->op == MARKER_OP_IN || a->op == MARKER_OP_NOTIN)
        return true;
    if (a->var_left) {
        specset_t *spec = marker_atom_spec(a);
        specset_free(spec);
        return spec == NULL;
    }
    version_t v;
    bool isver = version_parse(a->lit, &v);
    version_free(&v);
    return !isver;
}

static markeralg_t *from_atom(const marker_atom_t *a)
{
    marker_op_t op = a->op;
    if (a->var == MARKER_VAR_EXTRAS || a->var == MARKER_VAR_DEPENDENCY_GROUPS) {
        if (a->var_left || (op != MARKER_OP_IN && op != MARKER_OP_NOTIN))
            return markeralg_false();       /* PEP 751: every other operation is false */
        return from_lit(a->var, MARKER_OP_IN, false, op == MARKER_OP_NOTIN, true, a->lit);
    }
    if (op == MARKER_OP_COMPAT && a->var_left) {
        markeralg_t *r = from_compatible(a);
        return r ? r : markeralg_false();   /* string ~= is undefined in marker_eval */
    }
    if (is_version_var(a->var)) {
        vcon_t *v = vc_from_atom(a);
        if (v) {
            cube_t *c = cube_new();
            c->ver[a->var == MARKER_VAR_IMPLEMENTATION_VERSION ? MA_IMPL : MA_PY] = v;
            return ma_from_cube(c);
        }
    }
    int slot = ma_slot(a->var);
    if (!string_only(a)) {
        /* Compared as versions or strings depending on the value: opaque. == / != still
         * negate each other exactly. */
        if (op == MARKER_OP_EQ || op == MARKER_OP_NE)
            return from_lit(a->var, MARKER_OP_EQ, a->var_left, op == MARKER_OP_NE, true, a->lit);
        return from_lit(a->var, op, a->var_left, false, false, a->lit);
    }
    switch (op) {
    case MARKER_OP_EQ:
    case MARKER_OP_NE:
        if (slot >= 0)
            return from_set(slot, op == MARKER_OP_EQ ? SC_IN : SC_NOTIN, a->lit);
        return from_lit(a->var, MARKER_OP_EQ, true, op == MARKER_OP_NE, true, a->lit);
    case MARKER_OP_LT:
    case MARKER_OP_LE:
    case MARKER_OP_GT:
    case MARKER_OP_GE: {
        if (!a->var_left) {     /* "L" < VAR is VAR > "L" in string order */
            static const marker_op_t flip[] = {
                [MARKER_OP_LT] = MARKER_OP_GT, [MARKER_OP_LE] = MARKER_OP_GE,
                [MARKER_OP_GT] = MARKER_OP_LT, [MARKER_OP_GE] = MARKER_OP_LE};
            op = flip[op];
        }
        bool lt_family = op == MARKER_OP_LT || op == MARKER_OP_GE;
        return from_lit(a->var, lt_family ? MARKER_OP_LT : MARKER_OP_LE, true,
                        op == MARKER_OP_GE || op == MARKER_OP_GT, true, a->lit);
    }
    case MARKER_OP_IN:
    case MARKER_OP_NOTIN:
        return from_lit(a->var, MARKER_OP_IN, a->var_left, op == MARKER_OP_NOTIN, true, a->lit);
    case MARKER_OP_ARB:
        return from_lit(a->var, op, a->var_left, false, false, a->lit);
    default:
        return markeralg_false();           /* ~= on strings: undefined */
    }
}

markeralg_t *markeralg_from_marker(const marker_t *m)
{
    if (!m)
        return markeralg_true();
    const marker_t *l, *r;
    marker_atom_t atom;
    marker_node_t kind = marker_node(m, &l, &r, &atom);
    if (kind == MARKER_NODE_ATOM)
        return from_atom(&atom);
    markeralg_t *x = markeralg_from_marker(l), *y = markeralg_from_marker(r);
    markeralg_t *z = kind == MARKER_NODE_AND ? markeralg_and(x, y) : markeralg_or(x, y);
    markeralg_free(x);
    markeralg_free(y);
    return z;
}

err_t *markeralg_parse(const char *text, bool lock, markeralg_t **out)
{
    *out = NULL;
    if (!text[strspn(text, " \t")]) {
        *out = markeralg_true();
        return NULL;
    }
    marker_t *m;
    err_t *e = lock ? marker_parse_lock(text, &m, NULL) : marker_parse(text, &m, NULL);
    if (e)
        return e;
    *out = markeralg_from_marker(m);
    marker_free(m);
    return NULL;
}

static bool region_impl_known(const marker_region_t *r)
{
    return r->env.implementation_name && strcmp(r->env.implementation_name, "cpython") == 0;
}

/* The region's Python range, or NULL when unknown. */
static err_t *region_python(const marker_region_t *r, vcon_t **out)
{
    *out = NULL;
    if (!r->python_lo[0] && !r->python_hi[0])
        return NULL;
    char *why = NULL;
    *out = vc_from_region(r, &why);
    if (*out)
        return NULL;
    err_t *e = err_new(EXIT_USAGE, "invalid Python range [%s, %s) in a marker region: %s",
                       r->python_lo, r->python_hi, why);
    free(why);
    return e;
}

err_t *markeralg_from_region(const marker_region_t *region, markeralg_t **out)
{
    *out = NULL;
    cube_t *c = cube_new();
    err_t *e = region_python(region, &c->ver[MA_PY]);
    if (e) {
        cube_free(c);
        return e;
    }
    for (int k = 0; k < MA_NSV; k++) {
        const char *v = marker_env_get(&region->env, MA_SVARS[k]);
        if (!v)
            continue;
        c->s[k].kind = SC_IN;
        c->s[k].n = 1;
        c->s[k].v = xmalloc(sizeof *c->s[k].v);
        c->s[k].v[0] = MA_SVARS[k] == MARKER_VAR_EXTRA ? pkg_name_normalize(v) : xstrdup(v);
    }
    *out = ma_from_cube(c);
    return NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* Text                                                                                         */

/* PEP 508 strings have no escapes: a value holding both quote characters cannot be written
 * (only a region can supply one); *exact then becomes false. */
static void add_quoted(buf_t *b, const char *s, bool *exact)
{
    char q = strchr(s, '"') ? '\'' : '"';
    if (q == '\'' && strchr(s, '\''))
        *exact = false;
    buf_printf(b, "%c%s%c", q, s, q);
}

static marker_op_t complement_op(marker_op_t op)
{
    switch (op) {
    case MARKER_OP_EQ: return MARKER_OP_NE;
    case MARKER_OP_NE: return MARKER_OP_EQ;
    case MARKER_OP_LT: return MARKER_OP_GE;
    case MARKER_OP_GE: return MARKER_OP_LT;
    case MARKER_OP_LE: return MARKER_OP_GT;
    case MARKER_OP_GT: return MARKER_OP_LE;
    case MARKER_OP_IN: return MARKER_OP_NOTIN;
    case MARKER_OP_NOTIN: return MARKER_OP_IN;
    default: return MARKER_OP_NE;       /* ===, ~=: no PEP 508 complement */
    }
}

static void render_lit(buf_t *b, const lit_t *l, bool *exact)
{
    marker_op_t op = l->neg ? complement_op(l->op) : l->op;
    if (l->neg && !l->exact)
        *exact = false;
    if (l->var_left) {
        buf_printf(b, "%s %s ", marker_var_name(l->var), marker_op_text(op));
        add_quoted(b, l->lit, exact);
    } else {
        add_quoted(b, l->lit, exact);
        buf_printf(b, " %s %s", marker_op_text(op), marker_var_name(l->var));
    }
}

static void render_scon(buf_t *b, marker_var_t var, const scon_t *s, bool paren, bool *exact)
{
    bool par = paren && s->kind == SC_IN && s->n > 1;
    if (par)
        buf_addc(b, '(');
    for (size_t i = 0; i < s->n; i++) {
        if (i)
            buf_adds(b, s->kind == SC_IN ? " or " : " and ");
        buf_printf(b, "%s %s ", marker_var_name(var), s->kind == SC_IN ? "==" : "!=");
        add_quoted(b, s->v[i], exact);
    }
    if (par)
        buf_addc(b, ')');
}

static size_t cube_parts(const cube_t *c)
{
    size_t n = c->nlits;
    for (int k = 0; k < MA_NVV; k++)
        n += c->ver[k] != NULL;
    for (int k = 0; k < MA_NSV; k++)
        n += c->s[k].kind != SC_ANY;
    return n;
}

static void render_cube(buf_t *b, const cube_t *c, bool *exact)
{
    bool paren = cube_parts(c) > 1;
    bool first = true;
    size_t li = 0;
    /* ranks: python 0, implementation_name 1, implementation_version 2, slots 3.., sets */
    for (int rank = 0; rank <= 4 + MA_NSV; rank++) {
        if (rank == 0 && c->ver[MA_PY]) {
            vc_render(b, c->ver[MA_PY], true, paren);
            first = false;
        }
        if (rank == 2 && c->ver[MA_IMPL]) {
            buf_adds(b, first ? "" : " and ");
            vc_render(b, c->ver[MA_IMPL], false, paren);
            first = false;
        }
        /* implementation_name (slot 0) has rank 1; slot k > 0 has rank 3 + k */
        int slot = rank == 1 ? 0 : rank > 3 && rank < 3 + MA_NSV ? rank - 3 : -1;
        if (slot >= 0 && c->s[slot].kind != SC_ANY) {
            buf_adds(b, first ? "" : " and ");
            render_scon(b, MA_SVARS[slot], &c->s[slot], paren, exact);
            first = false;
        }
        while (li < c->nlits && ma_rank(c->lits[li].var) == rank) {
            buf_adds(b, first ? "" : " and ");
            render_lit(b, &c->lits[li++], exact);
            first = false;
        }
    }
}

char *markeralg_str(const markeralg_t *a, bool *exact)
{
    bool ex = true;
    size_t n = ma_count(a);
    if (exact)
        *exact = true;
    if (n == 0)
        return xstrdup(MARKERALG_FALSE_TEXT);
    if (n == 1 && cube_is_top(ma_cube(a, 0)))
        return xstrdup("");
    /* An irredundant subset of the prime implicants: drop, from the last, every cube that the
     * others cover. */
    bool *keep = xmalloc(n * sizeof *keep);
    for (size_t i = 0; i < n; i++)
        keep[i] = true;
    for (size_t i = n; i-- > 0;) {
        cube_t **others = xmalloc(n * sizeof *others);
        size_t m = 0;
        for (size_t j = 0; j < n; j++)
            if (j != i && keep[j])
                others[m++] = cube_copy(ma_cube(a, j));
        markeralg_t *rest = ma_from_cubes(others, m);
        free(others);
        markeralg_t *one = ma_from_cube(cube_copy(ma_cube(a, i)));
        if (markeralg_implies(one, rest))
            keep[i] = false;
        markeralg_free(one);
        markeralg_free(rest);
    }
    buf_t b = BUF_INIT;
    bool first = true;
    for (size_t i = 0; i < n; i++) {
        if (!keep[i])
            continue;
        if (!first)
            buf_adds(&b, " or ");
        render_cube(&b, ma_cube(a, i), &ex);
        first = false;
    }
    free(keep);
    if (exact)
        *exact = ex;
    return buf_detach(&b);
}

/* ------------------------------------------------------------------------------------------ */
/* Evaluation                                                                                   */

static bool lit_in_env(const lit_t *l, const marker_env_t *env)
{
    marker_atom_t a = {.var = l->var, .op = l->op, .var_left = l->var_left, .lit = l->lit};
    bool r = false;
    err_t *e = marker_atom_eval(&a, env, &r);
    if (e) {
        err_free(e);
        r = false;
    }
    return r != l->neg;
}

/* Parses env's value of var as a version once (*state: 0 not yet, 1 ok, -1 bad). */
static err_t *env_version(const marker_env_t *env, marker_var_t var, version_t *v, int *state)
{
    if (*state == 0) {
        const char *s = marker_env_get(env, var);
        *state = s && version_parse(s, v) ? 1 : -1;
    }
    if (*state > 0)
        return NULL;
    const char *s = marker_env_get(env, var);
    return err_new(EXIT_USAGE, "cannot evaluate a marker: %s '%s' is not a version",
                   marker_var_name(var), s ? s : "");
}

err_t *markeralg_eval(const markeralg_t *a, const marker_env_t *env, bool *result)
{
    version_t pyv = {0}, implv = {0};
    int pys = 0, impls = 0;
    err_t *e = NULL;
    *result = false;
    for (size_t i = 0; i < ma_count(a) && !*result && !e; i++) {
        const cube_t *c = ma_cube(a, i);
        bool ok = true;
        if (ok && c->ver[MA_PY]) {
            e = env_version(env, MARKER_VAR_PYTHON_FULL_VERSION, &pyv, &pys);
            ok = !e && vc_contains(c->ver[MA_PY], &pyv);
        }
        if (ok && c->ver[MA_IMPL]) {
            e = env_version(env, MARKER_VAR_IMPLEMENTATION_VERSION, &implv, &impls);
            ok = !e && vc_contains(c->ver[MA_IMPL], &implv);
        }
        for (int k = 0; k < MA_NSV && ok; k++) {
            if (c->s[k].kind == SC_ANY)
                continue;
            const char *v = marker_env_get(env, MA_SVARS[k]);
            v = v ? v : "";
            if (MA_SVARS[k] == MARKER_VAR_EXTRA) {
                char *norm = pkg_name_normalize(v);
                ok = sc_contains(&c->s[k], norm);
                free(norm);
            } else {
                ok = sc_contains(&c->s[k], v);
            }
        }
        for (size_t j = 0; j < c->nlits && ok; j++)
            ok = lit_in_env(&c->lits[j], env);
        *result = ok && !e;
    }
    version_free(&pyv);
    version_free(&implv);
    if (e)
        *result = false;
    return e;
}

err_t *markeralg_eval_region(const markeralg_t *a, const marker_region_t *region,
                             marker_tri_t *result)
{
    *result = MARKER_MAYBE;
    vcon_t *pyr;
    err_t *e = region_python(region, &pyr);
    if (e)
        return e;
    bool impl_known = pyr && region_impl_known(region);
    char minor[32];
    bool minor_known = marker_region_python_version(region, minor, sizeof minor);
    size_t n = ma_count(a);
    cube_t **rest = xcalloc(n ? n : 1, sizeof *rest);
    bool top = false;
    for (size_t i = 0; i < n && !top; i++) {
        const cube_t *c = ma_cube(a, i);
        cube_t *d = cube_new();
        bool dead = false;
        for (int k = 0; k < MA_NVV && !dead; k++) {
            if (!c->ver[k])
                continue;
            const vcon_t *known = k == MA_PY || impl_known ? pyr : NULL;
            if (known && vc_subset(known, c->ver[k]))
                continue;
            vcon_t *x = known ? vc_and(known, c->ver[k]) : NULL;
            dead = x && vc_is_empty(x);
            vc_free(x);
            if (!dead)
                d->ver[k] = vc_copy(c->ver[k]);
        }
        for (int k = 0; k < MA_NSV && !dead; k++) {
            if (c->s[k].kind == SC_ANY)
                continue;
            const char *v = marker_env_get(&region->env, MA_SVARS[k]);
            if (!v) {
                sc_free(&d->s[k]);
                sc_copy(&d->s[k], &c->s[k]);
                continue;
            }
            char *norm = MA_SVARS[k] == MARKER_VAR_EXTRA ? pkg_name_normalize(v) : xstrdup(v);
            dead = !sc_contains(&c->s[k], norm);
            free(norm);
        }
        for (size_t j = 0; j < c->nlits && !dead; j++) {
            const lit_t *l = &c->lits[j];
            int known = -1;
            if (l->var == MARKER_VAR_EXTRAS || l->var == MARKER_VAR_DEPENDENCY_GROUPS) {
                if ((l->var == MARKER_VAR_EXTRAS ? region->env.extras
                                                 : region->env.dependency_groups))
                    known = lit_in_env(l, &region->env);
            } else if (l->var == MARKER_VAR_PYTHON_VERSION) {
                if (minor_known)
                    known = lit_at(l, minor);
            } else if (ma_slot(l->var) >= 0 && marker_env_get(&region->env, l->var)) {
                known = lit_in_env(l, &region->env);
            }
            if (known < 0)
                cube_add_lit(d, l);
            else
                dead = !known;
        }
        if (dead) {
            cube_free(d);
            continue;
        }
        top = cube_is_top(d);
        rest[i] = d;
    }
    if (top) {
        for (size_t i = 0; i < n; i++)
            cube_free(rest[i]);
        *result = MARKER_TRUE;
    } else {
        markeralg_t *g = ma_from_cubes(rest, n);
        cube_t *rc = cube_new();
        rc->ver[MA_PY] = pyr ? vc_copy(pyr) : NULL;
        rc->ver[MA_IMPL] = impl_known ? vc_copy(pyr) : NULL;
        markeralg_t *r = ma_from_cube(rc);
        if (markeralg_disjoint(r, g))
            *result = MARKER_FALSE;
        else if (markeralg_implies(r, g))
            *result = MARKER_TRUE;
        markeralg_free(r);
        markeralg_free(g);
    }
    free(rest);
    vc_free(pyr);
    return NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* Simplification within a universe                                                            */

/* The order in which within() tries to drop constraints: the ones a reader needs least
 * first. Entries: a string variable, or -1 (python), -2 (implementation_version), -3 (the
 * literals). */
static const int DROP_ORDER[] = {
    MARKER_VAR_IMPLEMENTATION_NAME, MARKER_VAR_PLATFORM_PYTHON_IMPLEMENTATION, -2,
    MARKER_VAR_PLATFORM_SYSTEM, MARKER_VAR_OS_NAME, MARKER_VAR_PLATFORM_RELEASE,
    MARKER_VAR_PLATFORM_VERSION, -3, MARKER_VAR_EXTRA, MARKER_VAR_SYS_PLATFORM,
    MARKER_VAR_PLATFORM_MACHINE, -1,
};

/* Whether candidate cube c (owned; normalized or not) stays inside a within the universe:
 * c and u lies inside a for every cube u of the universe. Returns c normalized, or NULL (c
 * freed). */
static cube_t *try_cube(cube_t *c, const markeralg_t *a, const markeralg_t *universe)
{
    if (!cube_norm(c)) {
        cube_free(c);
        return NULL;
    }
    for (size_t i = 0; i < ma_count(universe); i++) {
        cube_t *x = cube_and(c, ma_cube(universe, i));
        bool ok = !x || ma_covers(a, x);
        cube_free(x);
        if (!ok) {
            cube_free(c);
            return NULL;
        }
    }
    return c;
}

/* Relaxes version constraint k of *c if allowed. */
static void relax_version(cube_t **c, int k, const markeralg_t *a, const markeralg_t *u)
{
    if (!(*c)->ver[k])
        return;
    for (int step = 0; step < 3; step++) {
        vcon_t *v = step == 0 ? NULL
                  : step == 1 ? vc_relax_lower((*c)->ver[k])
                              : vc_relax_upper((*c)->ver[k]);
        if (step > 0 && !v)
            continue;
        cube_t *d = cube_copy(*c);
        vc_free(d->ver[k]);
        d->ver[k] = v;
        d = try_cube(d, a, u);
        if (d) {
            cube_free(*c);
            *c = d;
            if (!(*c)->ver[k])
                return;
        }
    }
}

static void relax_string(cube_t **c, int slot, const markeralg_t *a, const markeralg_t *u)
{
    scon_t *s = &(*c)->s[slot];
    if (s->kind == SC_ANY)
        return;
    cube_t *d = cube_copy(*c);
    sc_free(&d->s[slot]);
    if ((d = try_cube(d, a, u))) {
        cube_free(*c);
        *c = d;
        return;
    }
    if (s->kind == SC_IN) {
        /* When the universe allows finitely many values, "none of the others" may be
         * shorter. */
        scon_t all = {.kind = SC_IN};
        bool finite = ma_count(u) > 0;
        for (size_t i = 0; i < ma_count(u) && finite; i++) {
            const scon_t *us = &ma_cube(u, i)->s[slot];
            finite = us->kind == SC_IN;
            if (finite) {
                scon_t t;
                sc_or(&t, &all, us);
                sc_free(&all);
                all = t;
            }
        }
        if (finite) {
            scon_t others = {.kind = SC_NOTIN};
            sc_and(&others, &all, &(scon_t){.kind = SC_NOTIN, .v = s->v, .n = s->n});
            others.kind = SC_NOTIN;
            if (others.n > 0 && others.n < s->n) {
                d = cube_copy(*c);
                sc_free(&d->s[slot]);
                d->s[slot] = others;
                if ((d = try_cube(d, a, u))) {
                    cube_free(*c);
                    *c = d;
                }
            } else {
                sc_free(&others);
            }
        }
        sc_free(&all);
        return;
    }
    for (size_t i = (*c)->s[slot].n; i-- > 0;) {
        d = cube_copy(*c);
        free(d->s[slot].v[i]);
        memmove(d->s[slot].v + i, d->s[slot].v + i + 1, (d->s[slot].n - i - 1) * sizeof(char *));
        d->s[slot].n--;
        if ((d = try_cube(d, a, u))) {
            cube_free(*c);
            *c = d;
        }
        if ((*c)->s[slot].kind == SC_ANY)
            return;
    }
}

static void relax_lits(cube_t **c, const markeralg_t *a, const markeralg_t *u)
{
    for (size_t i = (*c)->nlits; i-- > 0;) {
        if (i >= (*c)->nlits)
            continue;
        cube_t *d = cube_copy(*c);
        free(d->lits[i].lit);
        memmove(d->lits + i, d->lits + i + 1, (d->nlits - i - 1) * sizeof *d->lits);
        d->nlits--;
        if ((d = try_cube(d, a, u))) {
            cube_free(*c);
            *c = d;
        }
    }
}

/* One pass of within: relaxes each cube of cur, keeping it inside a within universe. */
static markeralg_t *within_pass(const markeralg_t *cur, const markeralg_t *a,
                                const markeralg_t *universe)
{
    size_t n = ma_count(cur);
    cube_t **out = xcalloc(n ? n : 1, sizeof *out);
    for (size_t i = 0; i < n; i++) {
        cube_t *c = cube_copy(ma_cube(cur, i));
        bool inside = false;
        for (size_t j = 0; j < ma_count(universe) && !inside; j++) {
            cube_t *x = cube_and(c, ma_cube(universe, j));
            inside = x != NULL;
            cube_free(x);
        }
        if (!inside) {
            cube_free(c);
            continue;
        }
        for (size_t k = 0; k < sizeof DROP_ORDER / sizeof DROP_ORDER[0]; k++) {
            int what = DROP_ORDER[k];
            if (what == -1)
                relax_version(&c, MA_PY, a, universe);
            else if (what == -2)
                relax_version(&c, MA_IMPL, a, universe);
            else if (what == -3)
                relax_lits(&c, a, universe);
            else
                relax_string(&c, ma_slot((marker_var_t)what), a, universe);
        }
        out[i] = c;
    }
    markeralg_t *r = ma_from_cubes(out, n);
    free(out);
    return r;
}

markeralg_t *markeralg_within(const markeralg_t *a, const markeralg_t *universe)
{
    /* Merging relaxed cubes can open new relaxations (a merged value set whose complement in
     * the universe is shorter): repeat while that changes something. */
    markeralg_t *cur = within_pass(a, a, universe);
    for (int pass = 0; pass < 4; pass++) {
        markeralg_t *next = within_pass(cur, a, universe);
        bool same = markeralg_equal(next, cur);
        markeralg_free(cur);
        cur = next;
        if (same)
            break;
    }
    return cur;
}
