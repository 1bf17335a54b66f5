/* solve: Python packaging rules over PubGrub, for one region (see solve.h). */
#include "resolve/solve.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/name.h"
#include "pkg/range.h"
#include "resolve/pubgrub.h"
#include "util/buf.h"
#include "util/strv.h"
#include "util/xalloc.h"

/* ---- packages ------------------------------------------------------------------------------ */

typedef struct pkg {
    char *key;                  /* the base project's key ("" for the root) */
    char *extra;                /* NULL for a base package */
    char *label;                /* "foo", "foo[x]": explanations and the table's key */
    int base;                   /* the base package's id (itself for a base) */
    const rs_project_t *project;
    bool loaded;
    bool pre_ok;                /* a root requirement names a pre-release of it */
    bool has_constraint;
    vrange_t constraint;
    int prio;
    const char *prefer;         /* preferred version text, or NULL */
    bool yanked_by_pin;         /* a yanked version was chosen for an exact pin */
    bool warned_extra;
} pkg_t;

/* The dependencies reported for one (package, version), kept to describe the picks. */
typedef struct edges {
    int pkg;
    const version_t *version;
    rs_edge_t *e;
    size_t n, cap;
} edges_t;

typedef struct solver {
    const rs_source_t *src;
    const rs_input_t *in;
    pkg_t *pkgs;
    size_t npkgs, cap;
    int *table;                 /* open addressing over labels: id + 1, 0 = empty */
    size_t tcap;
    edges_t *edges;
    size_t nedges, edges_cap;
    char **warnings;
    size_t nwarnings, warnings_cap;
    size_t metadata_reads;
    version_t root_version;
} solver_t;

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static int find_pkg(const solver_t *s, const char *label)
{
    if (!s->tcap)
        return -1;
    for (size_t i = hash_str(label) & (s->tcap - 1);; i = (i + 1) & (s->tcap - 1)) {
        int v = s->table[i];
        if (!v)
            return -1;
        if (strcmp(s->pkgs[v - 1].label, label) == 0)
            return v - 1;
    }
}

static void table_put(solver_t *s, const char *label, int id)
{
    for (size_t i = hash_str(label) & (s->tcap - 1);; i = (i + 1) & (s->tcap - 1))
        if (!s->table[i]) {
            s->table[i] = id + 1;
            return;
        }
}

static int add_pkg(solver_t *s, const char *key, const char *extra)
{
    char *label = extra ? xasprintf("%s[%s]", key, extra) : xstrdup(key);
    int id = find_pkg(s, label);
    if (id >= 0) {
        free(label);
        return id;
    }
    int base = extra ? add_pkg(s, key, NULL) : -1; /* the base first: it may grow the array */
    if ((s->npkgs + 1) * 2 > s->tcap) {
        size_t ncap = s->tcap ? s->tcap * 2 : 64;
        free(s->table);
        s->table = xcalloc(ncap, sizeof(int));
        s->tcap = ncap;
        for (size_t i = 0; i < s->npkgs; i++)
            table_put(s, s->pkgs[i].label, (int)i);
    }
    XGROW(s->pkgs, s->cap, s->npkgs + 1);
    id = (int)s->npkgs++;
    pkg_t *p = &s->pkgs[id];
    memset(p, 0, sizeof(*p));
    p->key = xstrdup(key);
    p->extra = xstrdup(extra);
    p->label = label;
    p->base = extra ? base : id;
    table_put(s, p->label, id);
    if (!extra) {
        for (size_t i = 0; i < s->in->nprefer; i++)
            if (strcmp(s->in->prefer_keys[i], key) == 0)
                p->prefer = s->in->prefer_versions[i];
        bool upgrade = s->in->upgrade_all;
        for (size_t i = 0; i < s->in->nupgrade && !upgrade; i++)
            upgrade = strcmp(s->in->upgrade[i], key) == 0;
        if (upgrade)
            p->prefer = NULL;
        for (size_t i = 0; i < s->in->nconstraints; i++) {
            const req_t *c = s->in->constraints[i].req;
            if (strcmp(c->key, key) != 0)
                continue;
            marker_tri_t t = MARKER_TRUE;
            if (c->marker) {
                err_t *e = marker_eval_region(c->marker, s->in->region, &t);
                err_free(e);
            }
            if (t == MARKER_FALSE)
                continue;
            vrange_t r = vrange_from_specset(c->specs);
            if (p->has_constraint) {
                vrange_t both = vrange_intersect(&p->constraint, &r);
                vrange_free(&p->constraint);
                vrange_free(&r);
                p->constraint = both;
            } else {
                p->constraint = r;
                p->has_constraint = true;
            }
        }
    }
    return id;
}

static void warn(solver_t *s, char *msg)
{
    for (size_t i = 0; i < s->nwarnings; i++)
        if (strcmp(s->warnings[i], msg) == 0) {
            free(msg);
            return;
        }
    strv_push(&s->warnings, &s->nwarnings, &s->warnings_cap, msg);
}

static err_t *load(solver_t *s, pkg_t *base)
{
    if (base->loaded)
        return NULL;
    base->loaded = true;
    return s->src->project(s->src->ctx, base->key, &base->project);
}

/* The candidate a version pointer handed to the solver belongs to. */
static const rs_version_t *cand_of(const version_t *v)
{
    return (const rs_version_t *)(const void *)((const char *)v - offsetof(rs_version_t, version));
}

static edges_t *edges_for(solver_t *s, int pkg, const version_t *v)
{
    XGROW(s->edges, s->edges_cap, s->nedges + 1);
    edges_t *e = &s->edges[s->nedges++];
    memset(e, 0, sizeof(*e));
    e->pkg = pkg;
    e->version = v;
    return e;
}

static void edge_add(edges_t *e, const char *key, const req_t *req, const char *extra)
{
    XGROW(e->e, e->cap, e->n + 1);
    e->e[e->n++] = (rs_edge_t){xstrdup(key), req, xstrdup(extra)};
}

/* ---- markers over the region ------------------------------------------------------------- */

/* Whether a requirement may apply in the region with `extra` ("" for none): FALSE drops it. An
 * undefined comparison (`os_name ~= "x"`) drops it with a warning. */
static bool applies(solver_t *s, const req_t *r, const char *extra)
{
    if (!r->marker)
        return true;
    marker_region_t reg = *s->in->region;
    reg.env.extra = extra;
    marker_tri_t t = MARKER_FALSE;
    err_t *e = marker_eval_region(r->marker, &reg, &t);
    if (e) {
        warn(s, xasprintf("ignoring the requirement '%s' of %s: %s", r->name,
                          s->in->region_label ? s->in->region_label : "the target", e->msg));
        err_free(e);
        return false;
    }
    return t != MARKER_FALSE;
}

/* ---- the provider callbacks -------------------------------------------------------------- */

static bool all_yanked(const rs_version_t *v)
{
    if (!v->nfiles)
        return false;
    for (size_t i = 0; i < v->nfiles; i++)
        if (!v->files[i].yanked)
            return false;
    return true;
}

/* Whether allowed holds nothing but v (and its local variants): an `==v` / `===v` pin. */
static bool exact_pin(const vrange_t *allowed, const rs_version_t *v)
{
    char *text = xasprintf("==%s", v->text);
    specset_t *spec = NULL;
    char *why = NULL;
    bool exact = false;
    if (specset_parse(text, &spec, &why)) {
        vrange_t pin = vrange_from_specset(spec);
        exact = vrange_subset(allowed, &pin);
        vrange_free(&pin);
    }
    specset_free(spec);
    free(why);
    free(text);
    return exact;
}

static bool usable_in(const solver_t *s, const pkg_t *p, const rs_version_t *v, bool pre_pass,
                      const vrange_t *allowed)
{
    if (!vrange_contains(allowed, &v->version))
        return false;
    if (p->has_constraint && !vrange_contains(&p->constraint, &v->version))
        return false;
    if (!pre_pass && version_is_prerelease(&v->version) && !p->pre_ok && !v->direct)
        return false;
    if (all_yanked(v) && !exact_pin(allowed, v) &&
        !(p->prefer && strcmp(p->prefer, v->text) == 0))
        return false;
    (void)s;
    return true;
}

/* The version to try for base within allowed: the preferred one, else the newest usable
 * (pre-releases only when nothing else is). */
static err_t *choose(solver_t *s, pkg_t *base, const vrange_t *allowed, const version_t **out)
{
    err_t *e = load(s, base);
    if (e || !base->project)
        return e;
    const rs_project_t *pr = base->project;
    if (base->prefer)
        for (size_t i = 0; i < pr->n; i++)
            if (strcmp(pr->versions[i].text, base->prefer) == 0 &&
                usable_in(s, base, &pr->versions[i], true, allowed)) {
                *out = &pr->versions[i].version;
                return NULL;
            }
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < pr->n; i++)
            if (usable_in(s, base, &pr->versions[i], pass == 1, allowed)) {
                *out = &pr->versions[i].version;
                return NULL;
            }
    return NULL;
}

static err_t *choose_version(void *ctx, int id, const vrange_t *allowed, const version_t **out)
{
    solver_t *s = ctx;
    *out = NULL;
    pkg_t *base = &s->pkgs[s->pkgs[id].base];
    err_t *e = choose(s, base, allowed, out);
    if (*out && all_yanked(cand_of(*out)))
        base->yanked_by_pin = exact_pin(allowed, cand_of(*out));
    return e;
}

/* What the sources have, for "no versions of foo match R (...)". */
static char *describe_none(void *ctx, int id, const vrange_t *allowed)
{
    solver_t *s = ctx;
    const pkg_t *base = &s->pkgs[s->pkgs[id].base];
    const rs_project_t *pr = base->project;
    if (!pr || !pr->n)
        return xstrdup("no package source has it");
    size_t in_range = 0, yanked = 0, constrained = 0;
    for (size_t i = 0; i < pr->n; i++) {
        const rs_version_t *v = &pr->versions[i];
        if (!vrange_contains(allowed, &v->version))
            continue;
        in_range++;
        if (base->has_constraint && !vrange_contains(&base->constraint, &v->version))
            constrained++;
        else if (all_yanked(v))
            yanked++;
    }
    if (in_range && constrained == in_range)
        return xstrdup("the constraints exclude every version there is");
    if (in_range && yanked)
        return xasprintf("%zu yanked version%s left out", yanked, yanked == 1 ? " is" : "s are");
    buf_t b = BUF_INIT;
    buf_adds(&b, "the sources have ");
    size_t shown = pr->n < 5 ? pr->n : 5;
    for (size_t i = 0; i < shown; i++)
        buf_printf(&b, "%s%s", i ? ", " : "", pr->versions[i].text);
    if (pr->n > shown)
        buf_printf(&b, " and %zu older", pr->n - shown);
    return buf_detach(&b);
}

/* Why v cannot be installed in the region, or NULL. */
static char *unusable(const solver_t *s, const rs_version_t *v)
{
    const char *rp = NULL;
    bool wheel_ok = false, sdist = false;
    for (size_t i = 0; i < v->nfiles; i++) {
        const rs_file_t *f = &v->files[i];
        if (f->requires_python && !rp)
            rp = f->requires_python;
        if (f->wheel)
            wheel_ok = wheel_ok ||
                       (!s->in->no_binary && wheelname_rank(f->wheel, s->in->tags) >= 0);
        else
            sdist = true;
    }
    if (rp && s->in->python) {
        specset_t *spec = NULL;
        char *why = NULL;
        if (specset_parse(rp, &spec, &why) && !specset_contains_str(spec, s->in->python, true)) {
            specset_free(spec);
            return xasprintf("it requires Python %s", rp);
        }
        specset_free(spec);
        free(why);
    }
    if (!v->nfiles || wheel_ok || (sdist && !s->in->no_build))
        return NULL;
    if (sdist)
        return xasprintf("no wheel fits %s and building is off",
                         s->in->region_label ? s->in->region_label : "the target");
    if (s->in->no_binary)
        return xstrdup("it has no source distribution, and wheels are not used (build: always)");
    return xasprintf("no wheel fits %s", s->in->region_label ? s->in->region_label : "the target");
}

/* The candidates next to v (in pr's order) for which unusable() says the same, as a range. */
static vrange_t widen(const solver_t *s, const rs_project_t *pr, const rs_version_t *v,
                      const char *why)
{
    size_t at = (size_t)(v - pr->versions), lo = at, hi = at;
    while (lo + 1 < pr->n) {
        char *w = unusable(s, &pr->versions[lo + 1]);
        bool same = w && strcmp(w, why) == 0;
        free(w);
        if (!same)
            break;
        lo++;
    }
    while (hi > 0) {
        char *w = unusable(s, &pr->versions[hi - 1]);
        bool same = w && strcmp(w, why) == 0;
        free(w);
        if (!same)
            break;
        hi--;
    }
    /* newest first: pr->versions[hi] is the newest of the run, [lo] the oldest */
    return vrange_between(&pr->versions[lo].version, true, &pr->versions[hi].version, true);
}

static vrange_t req_range(const req_t *r)
{
    return r->url ? vrange_full() : vrange_from_specset(r->specs);
}

static bool names_prerelease(const req_t *r)
{
    for (size_t i = 0; i < specset_count(r->specs); i++) {
        const char *op, *ver;
        specset_item(r->specs, i, &op, &ver);
        version_t v;
        if (version_parse(ver, &v)) {
            bool pre = version_is_prerelease(&v);
            version_free(&v);
            if (pre)
                return true;
        }
    }
    return false;
}

/* Adds the dependency on r (its base package and one proxy per extra). */
static void add_req(solver_t *s, pubgrub_deps_t *out, edges_t *ed, const req_t *r,
                    const char *why, const char *via_extra, bool from_root)
{
    int b = add_pkg(s, r->key, NULL);
    vrange_t range = req_range(r);
    if (from_root) {
        pkg_t *p = &s->pkgs[b];
        p->pre_ok = p->pre_ok || names_prerelease(r);
        int prio = r->url ? 3 : vrange_singleton(&range) ? 2 : 1;
        if (prio > p->prio)
            p->prio = prio;
    }
    pubgrub_deps_add(out, b, &range, why);
    edge_add(ed, r->key, r, via_extra);
    for (size_t i = 0; i < r->nextras; i++) {
        int x = add_pkg(s, r->key, r->extras[i]);
        if (from_root && s->pkgs[b].prio > s->pkgs[x].prio)
            s->pkgs[x].prio = s->pkgs[b].prio;
        pubgrub_deps_add(out, x, &range, why);
    }
    vrange_free(&range);
}

static bool has_extra(const rs_meta_t *m, const char *x)
{
    for (size_t i = 0; i < m->nextras; i++)
        if (strcmp(m->extras[i], x) == 0)
            return true;
    return false;
}

static err_t *get_dependencies(void *ctx, int id, const version_t *version, pubgrub_deps_t *out)
{
    solver_t *s = ctx;
    pkg_t *p = &s->pkgs[id];
    edges_t *ed = edges_for(s, id, version);
    if (id == 0) {
        for (size_t i = 0; i < s->in->nreqs; i++) {
            const rs_requirement_t *r = &s->in->reqs[i];
            if (applies(s, r->req, ""))
                add_req(s, out, ed, r->req, r->origin, NULL, true);
        }
        return NULL;
    }
    pkg_t *base = &s->pkgs[p->base];
    const rs_project_t *pr = base->project;
    const rs_version_t *v = cand_of(version);
    /* foo[x] == v is no more usable than foo == v: ruled out before its metadata is read */
    char *unfit = unusable(s, v);
    if (unfit) {
        vrange_t run = widen(s, pr, v, unfit);
        pubgrub_deps_unavailable(out, unfit, &run);
        vrange_free(&run);
        free(unfit);
        return NULL;
    }
    const rs_meta_t *m = NULL;
    char *why = NULL;
    err_t *e = s->src->metadata(s->src->ctx, pr, v, &m, &why);
    s->metadata_reads++;
    if (e)
        return err_ctx(e, "%s %s", pr->name, v->text);
    if (!m) {
        const char *because = why ? why : "its metadata could not be read";
        /* bad data on the index: said in the explanation when it matters, and always here,
         * since the solve may well succeed with an older version (pip's "Discarding ...") */
        warn(s, xasprintf("%s %s is left out: %s", pr->name, v->text, because));
        pubgrub_deps_unavailable(out, because, NULL);
        free(why);
        return NULL;
    }
    if (m->requires_python && s->in->python) {
        specset_t *spec = NULL;
        char *bad = NULL;
        if (specset_parse(m->requires_python, &spec, &bad) &&
            !specset_contains_str(spec, s->in->python, true)) {
            char *r = xasprintf("it requires Python %s", m->requires_python);
            pubgrub_deps_unavailable(out, r, NULL);
            free(r);
            specset_free(spec);
            return NULL;
        }
        specset_free(spec);
        free(bad);
    }
    if (p->extra) {
        /* foo[x] == v: foo == v, and what foo needs for x */
        vrange_t exact = vrange_exact(version);
        pubgrub_deps_add(out, p->base, &exact, NULL);
        vrange_free(&exact);
        edge_add(ed, base->key, NULL, p->extra);
        if (!has_extra(m, p->extra) && !p->warned_extra) {
            p->warned_extra = true;
            warn(s, xasprintf("%s %s does not provide the extra '%s'", pr->name, v->text,
                              p->extra));
        }
        for (size_t i = 0; i < m->nrequires; i++) {
            const req_t *r = m->requires[i];
            if (r->marker && marker_uses_extra(r->marker) && applies(s, r, p->extra))
                add_req(s, out, ed, r, NULL, p->extra, false);
        }
        return NULL;
    }
    for (size_t i = 0; i < m->nrequires; i++) {
        const req_t *r = m->requires[i];
        if (!(r->marker && marker_uses_extra(r->marker)) && applies(s, r, ""))
            add_req(s, out, ed, r, NULL, NULL, false);
    }
    return NULL;
}

static const char *package_name(void *ctx, int id)
{
    solver_t *s = ctx;
    return s->pkgs[id].label;
}

static int priority(void *ctx, int id, const vrange_t *allowed)
{
    solver_t *s = ctx;
    (void)allowed;
    return s->pkgs[id].prio;
}

static void pending(void *ctx, int id, const vrange_t *allowed)
{
    solver_t *s = ctx;
    const pkg_t *p = &s->pkgs[id];
    if (id != 0 && !p->extra && s->src->prefetch)
        s->src->prefetch(s->src->ctx, p->key, allowed);
}

/* ---- the result ---------------------------------------------------------------------------- */

static int pick_cmp(const void *a, const void *b)
{
    return strcmp(((const rs_pick_t *)a)->key, ((const rs_pick_t *)b)->key);
}

static const edges_t *edges_of(const solver_t *s, int pkg, const version_t *v)
{
    for (size_t i = s->nedges; i-- > 0;)
        if (s->edges[i].pkg == pkg && s->edges[i].version == v)
            return &s->edges[i];
    return NULL;
}

static void copy_edges(rs_edge_t **dst, size_t *n, size_t *cap, const edges_t *ed)
{
    for (size_t i = 0; ed && i < ed->n; i++) {
        XGROW(*dst, *cap, *n + 1);
        (*dst)[(*n)++] = (rs_edge_t){xstrdup(ed->e[i].key), ed->e[i].req,
                                     xstrdup(ed->e[i].extra)};
    }
}

static void collect(solver_t *s, const pubgrub_result_t *res, rs_result_t *out)
{
    size_t n = pubgrub_solution_count(res);
    out->picks = xcalloc(n + 1, sizeof(rs_pick_t));
    for (size_t i = 0; i < n; i++) {
        int id;
        const version_t *v;
        pubgrub_solution_item(res, i, &id, &v);
        const pkg_t *p = &s->pkgs[id];
        if (p->extra)
            continue;
        rs_pick_t *k = &out->picks[out->n++];
        const rs_version_t *cv = cand_of(v);
        k->key = xstrdup(p->key);
        k->name = xstrdup(p->project && p->project->name ? p->project->name : p->key);
        k->project = p->project;
        k->version = cv;
        k->yanked = all_yanked(cv);
        size_t cap = 0, nx = 0, xcap = 0;
        copy_edges(&k->deps, &k->ndeps, &cap, edges_of(s, id, v));
        /* the extras of this package that were picked, and what they brought */
        for (size_t j = 0; j < n; j++) {
            int xid;
            const version_t *xv;
            pubgrub_solution_item(res, j, &xid, &xv);
            const pkg_t *x = &s->pkgs[xid];
            if (!x->extra || x->base != id)
                continue;
            strv_push(&k->extras, &nx, &xcap, xstrdup(x->extra));
            const edges_t *xe = edges_of(s, xid, xv);
            for (size_t q = 0; xe && q < xe->n; q++)
                if (xe->e[q].req) { /* not the extra's own foo == v */
                    XGROW(k->deps, cap, k->ndeps + 1);
                    k->deps[k->ndeps++] = (rs_edge_t){xstrdup(xe->e[q].key), xe->e[q].req,
                                                      xstrdup(xe->e[q].extra)};
                }
        }
        if (k->yanked) {
            const char *reason = NULL;
            for (size_t f = 0; f < cv->nfiles && !reason; f++)
                reason = cv->files[f].yanked_reason;
            warn(s, xasprintf("%s %s is yanked%s%s%s; it is used because %s", k->name, cv->text,
                              reason ? " (" : "", reason ? reason : "", reason ? ")" : "",
                              p->yanked_by_pin ? "it is pinned exactly" : "the lock has it"));
        }
    }
    qsort(out->picks, out->n, sizeof(rs_pick_t), pick_cmp);
    size_t cap = 0;
    copy_edges(&out->root_deps, &out->nroot_deps, &cap, edges_of(s, 0, &s->root_version));
}

err_t *rs_solve(const rs_source_t *src, const rs_input_t *in, rs_result_t *out)
{
    memset(out, 0, sizeof(*out));
    solver_t s;
    memset(&s, 0, sizeof s);
    s.src = src;
    s.in = in;
    version_parse("0", &s.root_version);
    int root = add_pkg(&s, "", NULL);
    free(s.pkgs[root].label);
    s.pkgs[root].label = xstrdup(in->root_name ? in->root_name : "the requirements");
    pubgrub_provider_t pv = {
        .ctx = &s, .choose_version = choose_version, .get_dependencies = get_dependencies,
        .package_name = package_name, .priority = priority, .pending = pending,
        .describe_none = describe_none, .root_depends_on = "you asked for", .root_requires = "you need"};
    pubgrub_result_t *res = NULL;
    err_t *e = pubgrub_solve(&pv, root, &s.root_version, &res);
    if (!e) {
        out->solved = pubgrub_solved(res);
        if (out->solved)
            collect(&s, res, out);
        else
            out->explanation = pubgrub_explain(res);
        pubgrub_stats_t st;
        pubgrub_stats(res, &st);
        out->decisions = st.decisions;
        out->conflicts = st.conflicts;
    }
    out->metadata_reads = s.metadata_reads;
    out->warnings = s.warnings;
    pubgrub_result_free(res);
    for (size_t i = 0; i < s.npkgs; i++) {
        free(s.pkgs[i].key);
        free(s.pkgs[i].extra);
        free(s.pkgs[i].label);
        if (s.pkgs[i].has_constraint)
            vrange_free(&s.pkgs[i].constraint);
    }
    free(s.pkgs);
    free(s.table);
    for (size_t i = 0; i < s.nedges; i++) {
        for (size_t k = 0; k < s.edges[i].n; k++) {
            free(s.edges[i].e[k].key);
            free(s.edges[i].e[k].extra);
        }
        free(s.edges[i].e);
    }
    free(s.edges);
    version_free(&s.root_version);
    if (e)
        rs_result_free(out);
    return e;
}

static void edges_free(rs_edge_t *e, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(e[i].key);
        free(e[i].extra);
    }
    free(e);
}

void rs_result_free(rs_result_t *r)
{
    for (size_t i = 0; i < r->n; i++) {
        free(r->picks[i].key);
        free(r->picks[i].name);
        strv_free(r->picks[i].extras);
        edges_free(r->picks[i].deps, r->picks[i].ndeps);
    }
    free(r->picks);
    edges_free(r->root_deps, r->nroot_deps);
    free(r->explanation);
    strv_free(r->warnings);
    memset(r, 0, sizeof(*r));
}

const rs_pick_t *rs_result_find(const rs_result_t *r, const char *key)
{
    rs_pick_t probe = {.key = (char *)key};
    return bsearch(&probe, r->picks, r->n, sizeof(rs_pick_t), pick_cmp);
}
