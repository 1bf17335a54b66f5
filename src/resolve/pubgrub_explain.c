/*
 * pubgrub_explain: a failed solve's derivation graph as text (Dart pub's doc/solver.md, "Error
 * Reporting", and its SolveFailure writer).
 *
 * The failure incompatibility is explained depth first: external facts first, each derived
 * incompatibility on one line ("Because A and B, C." / "And because A, C." / "So, because ...,
 * version solving failed."). Lines are numbered only when referred to again: an incompatibility
 * used by two or more derivations, or the conclusion of a branch when both causes of a derived
 * incompatibility are themselves complex. Linear chains collapse (a derived cause with one
 * external cause is folded into the next line), and pairs of facts are phrased naturally:
 * "foo depends on both A and B", "foo depends on bar which depends on baz", "foo depends on bar
 * which doesn't match any versions".
 */
#include "resolve/pubgrub_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/xalloc.h"

typedef struct line {
    char *text;                 /* "" for a blank line */
    int number;                 /* 0: unnumbered */
} line_t;

typedef struct writer {
    const pubgrub_result_t *s;
    int *derivations;           /* per incompatibility: how many derived ones it causes */
    int *numbers;               /* per incompatibility: its line number, 0 when none */
    int next_number;
    line_t *lines;
    size_t nlines, cap;
} writer_t;

static const incompat_t *I(const writer_t *w, int id)
{
    return &w->s->inc[id];
}

static bool derived(const writer_t *w, int id)
{
    return I(w, id)->kind == INC_DERIVED;
}

static const char *name(const writer_t *w, int pkg)
{
    const char *n = w->s->prov.package_name(w->s->prov.ctx, pkg);
    return n ? n : "?";
}

/* ---- Terms and single incompatibilities -------------------------------------------------- */

/* "foo >=1.0", "foo 1.0", "foo" (any version, or the root at its version), "every version of
 * foo". */
static void terse(const writer_t *w, buf_t *b, int pkg, const vrange_t *r, bool allow_every)
{
    const version_t *one;
    if (pkg == w->s->root && vrange_contains(r, w->s->root_version)) {
        buf_adds(b, name(w, pkg));
    } else if (vrange_is_full(r)) {
        if (allow_every)
            buf_adds(b, "every version of ");
        buf_adds(b, name(w, pkg));
    } else if (vrange_is_empty(r)) {
        buf_adds(b, "no version of ");
        buf_adds(b, name(w, pkg));
    } else if ((one = vrange_singleton(r))) {
        char *v = version_str(one);
        buf_printf(b, "%s %s", name(w, pkg), v);
        free(v);
    } else {
        char *t = vrange_str(r);
        buf_printf(b, "%s %s", name(w, pkg), t);
        free(t);
    }
}

static void terse_term(const writer_t *w, buf_t *b, const iterm_t *t, bool allow_every)
{
    terse(w, b, t->pkg, &t->t.r, allow_every);
}

static void add_why(buf_t *b, const incompat_t *inc)
{
    if (inc->kind == INC_DEPENDENCY && inc->why && *inc->why)
        buf_printf(b, " (%s)", inc->why);
}

/* "<subject> depends on " or "<subject> requires ", with the provider's phrases for the root. */
static void subject_verb(const writer_t *w, buf_t *b, const iterm_t *subject, bool dependency)
{
    const pubgrub_provider_t *p = &w->s->prov;
    const char *phrase = dependency ? p->root_depends_on : p->root_requires;
    if (subject->pkg == w->s->root && phrase && *phrase) {
        buf_adds(b, phrase);
        buf_addc(b, ' ');
        return;
    }
    terse_term(w, b, subject, true);
    buf_adds(b, dependency ? " depends on " : " requires ");
}

/* The single term of the given polarity, or NULL when there are none or several. */
static const iterm_t *single(const incompat_t *inc, bool pos)
{
    const iterm_t *found = NULL;
    for (size_t k = 0; k < inc->n; k++) {
        if (inc->terms[k].t.pos != pos)
            continue;
        if (found)
            return NULL;
        found = &inc->terms[k];
    }
    return found;
}

static size_t count_pol(const incompat_t *inc, bool pos)
{
    size_t n = 0;
    for (size_t k = 0; k < inc->n; k++)
        n += inc->terms[k].t.pos == pos;
    return n;
}

/* The terms of one polarity joined by `sep`. */
static void join_terms(const writer_t *w, buf_t *b, const incompat_t *inc, bool pos,
                       const char *sep)
{
    bool first = true;
    for (size_t k = 0; k < inc->n; k++) {
        if (inc->terms[k].t.pos != pos)
            continue;
        if (!first)
            buf_adds(b, sep);
        first = false;
        terse_term(w, b, &inc->terms[k], false);
    }
}

static bool is_failure(const writer_t *w, int id)
{
    const incompat_t *inc = I(w, id);
    return inc->n == 0 || (inc->n == 1 && inc->terms[0].pkg == w->s->root && inc->terms[0].t.pos);
}

static void inc_text(const writer_t *w, buf_t *b, int id)
{
    const incompat_t *inc = I(w, id);
    switch (inc->kind) {
    case INC_DEPENDENCY:
        subject_verb(w, b, &inc->terms[0], true);
        terse(w, b, inc->dep_pkg, &inc->dep_range, false);
        add_why(b, inc);
        return;
    case INC_NO_VERSIONS:
        if (vrange_is_full(&inc->terms[0].t.r)) {
            buf_printf(b, "no versions of %s are available", name(w, inc->terms[0].pkg));
        } else {
            char *r = vrange_str(&inc->terms[0].t.r);
            buf_printf(b, "no versions of %s match %s", name(w, inc->terms[0].pkg), r);
            free(r);
        }
        return;
    case INC_UNAVAILABLE:
        terse_term(w, b, &inc->terms[0], true);
        buf_adds(b, " is unavailable");
        if (inc->reason && *inc->reason)
            buf_printf(b, " (%s)", inc->reason);
        return;
    case INC_ROOT: {
        char *v = version_str(w->s->root_version);
        buf_printf(b, "%s is %s", name(w, w->s->root), v);
        free(v);
        return;
    }
    default:
        break;
    }
    if (is_failure(w, id)) {
        buf_adds(b, "version solving failed");
        return;
    }
    if (inc->n == 1) {
        const iterm_t *t = &inc->terms[0];
        if (vrange_is_full(&t->t.r))
            buf_adds(b, name(w, t->pkg));
        else
            terse_term(w, b, t, false);
        buf_adds(b, t->t.pos ? " is forbidden" : " is required");
        return;
    }
    if (inc->n == 2 && inc->terms[0].t.pos == inc->terms[1].t.pos) {
        if (inc->terms[0].t.pos) {
            terse_term(w, b, &inc->terms[0], false);
            buf_adds(b, " is incompatible with ");
            terse_term(w, b, &inc->terms[1], false);
        } else {
            buf_adds(b, "either ");
            terse_term(w, b, &inc->terms[0], false);
            buf_adds(b, " or ");
            terse_term(w, b, &inc->terms[1], false);
        }
        return;
    }
    size_t npos = count_pol(inc, true), nneg = inc->n - npos;
    if (npos && nneg) {
        if (npos == 1) {
            subject_verb(w, b, single(inc, true), false);
        } else {
            buf_adds(b, "if ");
            join_terms(w, b, inc, true, " and ");
            buf_adds(b, " then ");
        }
        join_terms(w, b, inc, false, " or ");
    } else if (npos) {
        buf_adds(b, "one of ");
        join_terms(w, b, inc, true, " or ");
        buf_adds(b, " must be false");
    } else {
        buf_adds(b, "one of ");
        join_terms(w, b, inc, false, " or ");
        buf_adds(b, " must be true");
    }
}

/* ---- Pairs of incompatibilities ---------------------------------------------------------- */

static void line_ref(buf_t *b, int line)
{
    if (line)
        buf_printf(b, " (%d)", line);
}

static bool same_term(const iterm_t *a, const iterm_t *b)
{
    return a->pkg == b->pkg && a->t.pos == b->t.pos && vrange_equal(&a->t.r, &b->t.r);
}

/* "X depends on both A and B". */
static bool requires_both(const writer_t *w, buf_t *b, int x, int y, int lx, int ly)
{
    const incompat_t *a = I(w, x), *c = I(w, y);
    if (a->n == 1 || c->n == 1)
        return false;
    const iterm_t *pa = single(a, true), *pc = single(c, true);
    if (!pa || !pc || !same_term(pa, pc))
        return false;
    bool dep = a->kind == INC_DEPENDENCY && c->kind == INC_DEPENDENCY;
    subject_verb(w, b, pa, dep);
    buf_adds(b, "both ");
    join_terms(w, b, a, false, " or ");
    add_why(b, a);
    line_ref(b, lx);
    buf_adds(b, " and ");
    join_terms(w, b, c, false, " or ");
    add_why(b, c);
    line_ref(b, ly);
    return true;
}

/* "X depends on Y which depends on Z". */
static bool requires_through(const writer_t *w, buf_t *b, int x, int y, int lx, int ly)
{
    const incompat_t *a = I(w, x), *c = I(w, y);
    if (a->n == 1 || c->n == 1)
        return false;
    const iterm_t *an = single(a, false), *cn = single(c, false);
    const iterm_t *ap = single(a, true), *cp = single(c, true);
    const incompat_t *prior, *latter;
    const iterm_t *prior_neg;
    int prior_line, latter_line;
    if (an && cp && an->pkg == cp->pkg && vrange_subset(&an->t.r, &cp->t.r)) {
        prior = a, prior_neg = an, prior_line = lx, latter = c, latter_line = ly;
    } else if (cn && ap && cn->pkg == ap->pkg && vrange_subset(&cn->t.r, &ap->t.r)) {
        prior = c, prior_neg = cn, prior_line = ly, latter = a, latter_line = lx;
    } else {
        return false;
    }
    if (count_pol(prior, true) > 1) {
        buf_adds(b, "if ");
        join_terms(w, b, prior, true, " and ");
        buf_adds(b, " then ");
    } else {
        subject_verb(w, b, single(prior, true), prior->kind == INC_DEPENDENCY);
    }
    terse_term(w, b, prior_neg, false);
    add_why(b, prior);
    line_ref(b, prior_line);
    buf_adds(b, latter->kind == INC_DEPENDENCY ? " which depends on " : " which requires ");
    join_terms(w, b, latter, false, " or ");
    add_why(b, latter);
    line_ref(b, latter_line);
    return true;
}

/* "X depends on Y which doesn't match any versions / is unavailable / is forbidden". */
static bool requires_forbidden(const writer_t *w, buf_t *b, int x, int y, int lx, int ly)
{
    const incompat_t *a = I(w, x), *c = I(w, y);
    if (a->n != 1 && c->n != 1)
        return false;
    const incompat_t *prior = a->n == 1 ? c : a, *latter = a->n == 1 ? a : c;
    int latter_line = a->n == 1 ? lx : ly;
    const iterm_t *neg = single(prior, false);
    if (!neg || latter->n != 1 || neg->pkg != latter->terms[0].pkg)
        return false;
    term_t inverse = {true, neg->t.r};
    const term_t *lt = &latter->terms[0].t;
    bool sat = lt->pos ? vrange_subset(&inverse.r, &lt->r) : vrange_disjoint(&inverse.r, &lt->r);
    if (!sat)
        return false;
    if (count_pol(prior, true) > 1) {
        buf_adds(b, "if ");
        join_terms(w, b, prior, true, " and ");
        buf_adds(b, " then ");
    } else if (count_pol(prior, true) == 1) {
        subject_verb(w, b, single(prior, true), prior->kind == INC_DEPENDENCY);
    } else {
        return false;
    }
    terse_term(w, b, &latter->terms[0], false);
    add_why(b, prior);
    if (latter->kind == INC_NO_VERSIONS) {
        buf_adds(b, " which doesn't match any versions");
    } else if (latter->kind == INC_UNAVAILABLE) {
        buf_adds(b, " which is unavailable");
        if (latter->reason && *latter->reason)
            buf_printf(b, " (%s)", latter->reason);
    } else {
        buf_adds(b, " which is forbidden");
    }
    line_ref(b, latter_line);
    return true;
}

static void and_text(const writer_t *w, buf_t *b, int x, int y, int lx, int ly)
{
    if (requires_both(w, b, x, y, lx, ly) || requires_through(w, b, x, y, lx, ly) ||
        requires_forbidden(w, b, x, y, lx, ly))
        return;
    inc_text(w, b, x);
    line_ref(b, lx);
    buf_adds(b, " and ");
    inc_text(w, b, y);
    line_ref(b, ly);
}

/* ---- The walk ---------------------------------------------------------------------------- */

static void count_derivations(writer_t *w, int id)
{
    /* Iterative to bear deep graphs: a stack of ids still to count. */
    int *stack = NULL;
    size_t n = 0, cap = 0;
    XGROW(stack, cap, n + 1);
    stack[n++] = id;
    while (n) {
        int x = stack[--n];
        if (w->derivations[x]++ > 0 || !derived(w, x))
            continue;
        XGROW(stack, cap, n + 2);
        stack[n++] = I(w, x)->cause2;
        stack[n++] = I(w, x)->cause1;
    }
    free(stack);
}

static void write_line(writer_t *w, int id, char *text, bool numbered)
{
    XGROW(w->lines, w->cap, w->nlines + 1);
    w->lines[w->nlines].text = text;
    w->lines[w->nlines].number = 0;
    if (numbered && id >= 0) {
        w->lines[w->nlines].number = ++w->next_number;
        w->numbers[id] = w->next_number;
    }
    w->nlines++;
}

static bool single_line(const writer_t *w, int id)
{
    return !derived(w, I(w, id)->cause1) && !derived(w, I(w, id)->cause2);
}

static bool collapsible(const writer_t *w, int id)
{
    if (w->derivations[id] > 1)
        return false;
    int c1 = I(w, id)->cause1, c2 = I(w, id)->cause2;
    if (derived(w, c1) == derived(w, c2))
        return false;
    return !w->numbers[derived(w, c1) ? c1 : c2];
}

static void visit(writer_t *w, int id, bool conclusion, int failure)
{
    bool numbered = conclusion || w->derivations[id] > 1;
    const char *conj = conclusion || id == failure ? "So," : "And";
    buf_t inc = BUF_INIT, b = BUF_INIT;
    inc_text(w, &inc, id);
    int c1 = I(w, id)->cause1, c2 = I(w, id)->cause2;

    if (derived(w, c1) && derived(w, c2)) {
        int l1 = w->numbers[c1], l2 = w->numbers[c2];
        if (l1 && l2) {
            buf_adds(&b, "Because ");
            and_text(w, &b, c1, c2, l1, l2);
        } else if (l1 || l2) {
            int with = l1 ? c1 : c2, without = l1 ? c2 : c1;
            visit(w, without, false, failure);
            buf_printf(&b, "%s because ", conj);
            inc_text(w, &b, with);
            line_ref(&b, l1 ? l1 : l2);
        } else if (single_line(w, c1) || single_line(w, c2)) {
            int first = single_line(w, c2) ? c1 : c2, second = single_line(w, c2) ? c2 : c1;
            visit(w, first, false, failure);
            visit(w, second, false, failure);
            buf_adds(&b, "Thus");
        } else {
            visit(w, c1, true, failure);
            write_line(w, -1, xstrdup(""), false);
            visit(w, c2, false, failure);
            buf_printf(&b, "%s because ", conj);
            inc_text(w, &b, c1);
            line_ref(&b, w->numbers[c1]);
        }
    } else if (derived(w, c1) || derived(w, c2)) {
        int der = derived(w, c1) ? c1 : c2, ext = derived(w, c1) ? c2 : c1;
        int dl = w->numbers[der];
        if (dl) {
            buf_adds(&b, "Because ");
            and_text(w, &b, ext, der, 0, dl);
        } else if (collapsible(w, der)) {
            int d1 = I(w, der)->cause1, d2 = I(w, der)->cause2;
            int cder = derived(w, d1) ? d1 : d2, cext = derived(w, d1) ? d2 : d1;
            visit(w, cder, false, failure);
            buf_printf(&b, "%s because ", conj);
            and_text(w, &b, cext, ext, 0, 0);
        } else {
            visit(w, der, false, failure);
            buf_printf(&b, "%s because ", conj);
            inc_text(w, &b, ext);
        }
    } else {
        buf_adds(&b, "Because ");
        and_text(w, &b, c1, c2, 0, 0);
    }
    buf_printf(&b, ", %s.", buf_cstr(&inc));
    buf_free(&inc);
    write_line(w, id, buf_detach(&b), numbered);
}

char *pubgrub_explain(const pubgrub_result_t *r)
{
    if (r->solved || r->failure < 0)
        return NULL;
    writer_t w = {0};
    w.s = r;
    w.derivations = xcalloc(r->ninc, sizeof *w.derivations);
    w.numbers = xcalloc(r->ninc, sizeof *w.numbers);
    buf_t out = BUF_INIT;
    if (!derived(&w, r->failure)) {
        buf_adds(&out, "Because ");
        inc_text(&w, &out, r->failure);
        buf_adds(&out, ", version solving failed.");
    } else {
        count_derivations(&w, r->failure);
        visit(&w, r->failure, false, r->failure);
        /* Numbered lines start with "(n) "; the others are indented to match. */
        char num[32];
        snprintf(num, sizeof num, "(%d) ", w.next_number);
        int width = w.next_number ? (int)strlen(num) : 0;
        bool last_empty = false;
        for (size_t i = 0; i < w.nlines; i++) {
            const line_t *l = &w.lines[i];
            if (!*l->text) {
                if (!last_empty)
                    buf_addc(&out, '\n');
                last_empty = true;
                continue;
            }
            last_empty = false;
            if (out.len)
                buf_addc(&out, '\n');
            if (l->number) {
                snprintf(num, sizeof num, "(%d)", l->number);
                buf_printf(&out, "%-*s", width, num);
            } else {
                buf_printf(&out, "%*s", width, "");
            }
            buf_adds(&out, l->text);
        }
    }
    for (size_t i = 0; i < w.nlines; i++)
        free(w.lines[i].text);
    free(w.lines);
    free(w.derivations);
    free(w.numbers);
    return buf_detach(&out);
}
