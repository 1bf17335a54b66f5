/* universal: one resolution for many targets, with the markers that say where (universal.h). */
#include "resolve/universal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/strv.h"
#include "util/xalloc.h"

/* ---- targets --------------------------------------------------------------------------------- */

static tagset_t *target_tags(marker_os_t os, marker_arch_t arch, int minor)
{
    tag_facts_t f;
    memset(&f, 0, sizeof f);
    f.implementation = "cpython";
    f.major = 3;
    f.minor = minor;
    f.abiflags = "";
    f.pointer_bits = 64;
    switch (os) {
    case MARKER_OS_LINUX:
        f.system = "linux";
        f.machine = arch == MARKER_ARCH_X86_64 ? "x86_64" : "aarch64";
        f.libc = "glibc";
        f.libc_version = "2.40";
        break;
    case MARKER_OS_MACOS:
        f.system = "darwin";
        f.machine = arch == MARKER_ARCH_X86_64 ? "x86_64" : "arm64";
        f.mac_version = "15.0";
        break;
    case MARKER_OS_WINDOWS:
        f.system = "win32";
        f.machine = arch == MARKER_ARCH_X86_64 ? "AMD64" : "ARM64";
        f.platform = arch == MARKER_ARCH_X86_64 ? "win-amd64" : "win-arm64";
        break;
    }
    return tagset_new(&f);
}

err_t *ru_targets(const int *minors, size_t nminors, char *const *only, int required_os,
                  int required_arch, int required_minor, ru_target_t **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    markeralg_t **narrow = NULL;
    size_t nnarrow = 0;
    for (size_t i = 0; only && only[i]; i++) {
        markeralg_t *m = NULL;
        err_t *e = markeralg_parse(only[i], false, &m);
        if (e) {
            for (size_t k = 0; k < nnarrow; k++)
                markeralg_free(narrow[k]);
            free(narrow);
            return err_ctx(e, "environments");
        }
        narrow = xrealloc(narrow, (nnarrow + 1) * sizeof(*narrow));
        narrow[nnarrow++] = m;
    }
    ru_target_t *t = xcalloc(3 * 2 * (nminors ? nminors : 1), sizeof(ru_target_t));
    size_t k = 0;
    err_t *e = NULL;
    for (int os = 0; os < 3 && !e; os++)
        for (int arch = 0; arch < 2 && !e; arch++)
            for (size_t i = 0; i < nminors && !e; i++) {
                ru_target_t *x = &t[k];
                marker_region_target((marker_os_t)os, (marker_arch_t)arch, 3, minors[i],
                                     &x->region);
                e = markeralg_from_region(&x->region, &x->marker);
                if (e)
                    break;
                bool keep = nnarrow == 0;
                for (size_t q = 0; q < nnarrow && !keep; q++)
                    keep = !markeralg_disjoint(x->marker, narrow[q]);
                if (!keep) {
                    markeralg_free(x->marker);
                    memset(x, 0, sizeof(*x));
                    continue;
                }
                x->tags = target_tags((marker_os_t)os, (marker_arch_t)arch, minors[i]);
                snprintf(x->python, sizeof x->python, "3.%d.0", minors[i]);
                x->label = xasprintf("%s %s, Python 3.%d", marker_os_name((marker_os_t)os),
                                     marker_arch_name((marker_arch_t)arch), minors[i]);
                x->required = os == required_os && arch == required_arch &&
                              minors[i] == required_minor;
                k++;
            }
    for (size_t q = 0; q < nnarrow; q++)
        markeralg_free(narrow[q]);
    free(narrow);
    if (e) {
        ru_targets_free(t, k);
        return e;
    }
    *out = t;
    *n = k;
    return NULL;
}

void ru_targets_free(ru_target_t *t, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        tagset_free(t[i].tags);
        free(t[i].label);
        markeralg_free(t[i].marker);
    }
    free(t);
}

/* ---- merging ------------------------------------------------------------------------------- */

typedef struct node {
    const rs_pick_t *pick;      /* one of the picks it stands for (name, project, version) */
    markeralg_t *marker;        /* where it is installed */
    markeralg_t **why;          /* the markers of the requirements that bring it in: a simpler
                                   way to write `marker` when one of them says the same */
    size_t nwhy;
    char **deps;
    size_t ndeps, cap;
    bool yanked;
} node_t;

/* A requirement's marker as an algebra value, with the extra it is active under taken as
 * given (the lock is made for the extras asked for). */
static markeralg_t *edge_marker(const rs_edge_t *e)
{
    if (!e->req || !e->req->marker)
        return markeralg_true();
    markeralg_t *m = markeralg_from_marker(e->req->marker);
    if (!e->extra)
        return m;
    char *x = xasprintf("extra == \"%s\"", e->extra);
    markeralg_t *u = NULL;
    err_t *err = markeralg_parse(x, false, &u);
    free(x);
    if (err) {
        err_free(err);
        return m;
    }
    markeralg_t *w = markeralg_within(m, u);
    markeralg_free(m);
    markeralg_free(u);
    return w;
}

/* m[i] |= add; returns whether m[i] grew. Takes ownership of add. */
static bool grow(markeralg_t **m, markeralg_t *add)
{
    if (!*m) {
        *m = add;
        return !markeralg_is_false(add);
    }
    if (markeralg_implies(add, *m)) {
        markeralg_free(add);
        return false;
    }
    markeralg_t *u = markeralg_or(*m, add);
    markeralg_free(*m);
    markeralg_free(add);
    *m = u;
    return true;
}

/* Where each pick of r is reachable from the root (indexed like r->picks). */
static markeralg_t **reachability(const rs_result_t *r)
{
    markeralg_t **m = xcalloc(r->n + 1, sizeof(markeralg_t *));
    for (size_t i = 0; i < r->nroot_deps; i++) {
        const rs_pick_t *p = rs_result_find(r, r->root_deps[i].key);
        if (p)
            grow(&m[p - r->picks], edge_marker(&r->root_deps[i]));
    }
    for (bool changed = true; changed;) {
        changed = false;
        for (size_t i = 0; i < r->n; i++) {
            if (!m[i])
                continue;
            for (size_t k = 0; k < r->picks[i].ndeps; k++) {
                const rs_pick_t *q = rs_result_find(r, r->picks[i].deps[k].key);
                if (!q)
                    continue;
                markeralg_t *em = edge_marker(&r->picks[i].deps[k]);
                markeralg_t *both = markeralg_and(m[i], em);
                markeralg_free(em);
                changed = grow(&m[q - r->picks], both) || changed;
            }
        }
    }
    return m;
}

static node_t *node_for(node_t **nodes, size_t *n, size_t *cap, const rs_pick_t *p)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*nodes)[i].pick->key, p->key) == 0 &&
            version_cmp(&(*nodes)[i].pick->version->version, &p->version->version) == 0 &&
            strcmp((*nodes)[i].pick->version->text, p->version->text) == 0)
            return &(*nodes)[i];
    XGROW(*nodes, *cap, *n + 1);
    node_t *x = &(*nodes)[(*n)++];
    memset(x, 0, sizeof(*x));
    x->pick = p;
    return x;
}

static int pkg_cmp(const void *a, const void *b)
{
    const ru_package_t *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : -version_cmp(&x->version->version, &y->version->version);
}

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

err_t *ru_resolve(const rs_source_t *src, const rs_input_t *base, const ru_target_t *targets,
                  size_t ntargets, ru_result_t *out)
{
    memset(out, 0, sizeof(*out));
    rs_result_t *res = xcalloc(ntargets + 1, sizeof(rs_result_t));
    char **pkeys = NULL;
    const char **pvers = NULL;
    size_t npref = 0, pcap = 0, nunc = 0, ncap = 0, nw = 0, wcap = 0;
    for (size_t i = 0; i < base->nprefer; i++) {
        XGROW(pvers, pcap, npref + 1);
        pvers[npref] = base->prefer_versions[i];
        strv_push(&pkeys, &npref, NULL, xstrdup(base->prefer_keys[i]));
    }
    err_t *e = NULL;
    markeralg_t *universe = markeralg_false();
    int minor_lo = -1;
    /* Newest Python first: each target prefers what the ones before it picked, so the newest
     * versions go to the newest Pythons and older Pythons fall back only where they must
     * (numpy 2.3 from 3.11, 2.0 below). */
    size_t *order = xcalloc(ntargets + 1, sizeof(size_t));
    for (size_t i = 0; i < ntargets; i++)
        order[i] = i;
    for (size_t i = 1; i < ntargets; i++)
        for (size_t k = i; k > 0 && strverscmp(targets[order[k]].python,
                                               targets[order[k - 1]].python) > 0; k--) {
            size_t tmp = order[k];
            order[k] = order[k - 1];
            order[k - 1] = tmp;
        }
    for (size_t oi = 0; oi < ntargets && !e; oi++) {
        size_t t = order[oi];
        rs_input_t in = *base;
        in.region = &targets[t].region;
        in.tags = targets[t].tags;
        in.python = targets[t].python;
        in.region_label = targets[t].label;
        in.prefer_keys = pkeys;
        in.prefer_versions = pvers;
        in.nprefer = npref;
        e = rs_solve(src, &in, &res[t]);
        if (e)
            break;
        out->solves++;
        out->metadata_reads += res[t].metadata_reads;
        for (size_t w = 0; res[t].warnings && res[t].warnings[w]; w++)
            if (!strv_has(out->warnings, res[t].warnings[w]))
                strv_push(&out->warnings, &nw, &wcap, xstrdup(res[t].warnings[w]));
        if (!res[t].solved) {
            if (targets[t].required) {
                out->explanation = xasprintf("on %s:\n%s", targets[t].label,
                                             res[t].explanation);
                break;
            }
            strv_push(&out->uncovered, &nunc, &ncap, xstrdup(targets[t].label));
            continue;
        }
        markeralg_t *u = markeralg_or(universe, targets[t].marker);
        markeralg_free(universe);
        universe = u;
        int minor = 0;
        sscanf(targets[t].python, "3.%d", &minor);
        if (minor_lo < 0 || minor < minor_lo)
            minor_lo = minor;
        /* what this target picked is preferred by the next ones */
        for (size_t i = 0; i < res[t].n; i++) {
            bool have = false;
            for (size_t k = 0; k < npref && !have; k++)
                have = strcmp(pkeys[k], res[t].picks[i].key) == 0;
            if (have)
                continue;
            XGROW(pvers, pcap, npref + 1);
            pvers[npref] = res[t].picks[i].version->text;
            strv_push(&pkeys, &npref, NULL, xstrdup(res[t].picks[i].key));
        }
    }
    if (!e && !out->explanation && markeralg_is_false(universe)) {
        /* no target has a solution: explain the first */
        for (size_t t = 0; t < ntargets && !out->explanation; t++)
            if (res[t].explanation)
                out->explanation = xasprintf("on %s:\n%s", targets[t].label, res[t].explanation);
        if (!out->explanation)
            out->explanation = xstrdup("no target to resolve for");
    }
    if (!e && !out->explanation) {
        node_t *nodes = NULL;
        size_t nn = 0, ncap2 = 0;
        for (size_t t = 0; t < ntargets; t++) {
            if (!res[t].solved)
                continue;
            markeralg_t **reach = reachability(&res[t]);
            for (size_t i = 0; i < res[t].n; i++) {
                const rs_pick_t *p = &res[t].picks[i];
                node_t *x = node_for(&nodes, &nn, &ncap2, p);
                markeralg_t *where = reach[i] ? markeralg_and(targets[t].marker, reach[i])
                                              : markeralg_false();
                grow(&x->marker, where);
                x->yanked = x->yanked || p->yanked;
                for (size_t k = 0; k < p->ndeps; k++)
                    if (!strv_has(x->deps, p->deps[k].key))
                        strv_push(&x->deps, &x->ndeps, &x->cap, xstrdup(p->deps[k].key));
                markeralg_free(reach[i]);
            }
            free(reach);
        }
        /* the requirement markers that bring each node in, to write its marker as people do */
        for (size_t t = 0; t < ntargets; t++) {
            if (!res[t].solved)
                continue;
            for (size_t i = 0; i <= res[t].n; i++) {
                const rs_edge_t *ed = i < res[t].n ? res[t].picks[i].deps : res[t].root_deps;
                size_t ne = i < res[t].n ? res[t].picks[i].ndeps : res[t].nroot_deps;
                for (size_t k = 0; k < ne; k++) {
                    const rs_pick_t *q = rs_result_find(&res[t], ed[k].key);
                    if (!q)
                        continue;
                    node_t *x = node_for(&nodes, &nn, &ncap2, q);
                    markeralg_t *m = edge_marker(&ed[k]);
                    bool dup = false;
                    for (size_t w = 0; w < x->nwhy && !dup; w++)
                        dup = markeralg_equal(x->why[w], m);
                    if (dup) {
                        markeralg_free(m);
                        continue;
                    }
                    x->why = xrealloc(x->why, (x->nwhy + 1) * sizeof(markeralg_t *));
                    x->why[x->nwhy++] = m;
                }
            }
        }
        out->pkgs = xcalloc(nn + 1, sizeof(ru_package_t));
        for (size_t i = 0; i < nn; i++) {
            node_t *x = &nodes[i];
            ru_package_t *p = &out->pkgs[out->n++];
            p->key = xstrdup(x->pick->key);
            p->name = xstrdup(x->pick->name);
            p->project = x->pick->project;
            p->version = x->pick->version;
            p->yanked = x->yanked;
            markeralg_t *m = markeralg_within(x->marker, universe);
            /* a requirement's own marker, when it says the same within the covered targets */
            markeralg_t *mu = markeralg_and(m, universe);
            for (size_t w = 0; w < x->nwhy; w++) {
                markeralg_t *cu = markeralg_and(x->why[w], universe);
                bool same = markeralg_equal(cu, mu);
                markeralg_free(cu);
                if (same && !markeralg_is_true(m)) {
                    markeralg_free(m);
                    m = markeralg_copy(x->why[w]);
                    break;
                }
            }
            markeralg_free(mu);
            p->marker = markeralg_is_true(m) ? NULL : markeralg_str(m, NULL);
            markeralg_free(m);
            markeralg_free(x->marker);
            for (size_t w = 0; w < x->nwhy; w++)
                markeralg_free(x->why[w]);
            free(x->why);
            if (x->ndeps)
                qsort(x->deps, x->ndeps, sizeof(char *), str_cmp);
            p->deps = x->deps;
        }
        free(nodes);
        qsort(out->pkgs, out->n, sizeof(ru_package_t), pkg_cmp);
        out->environments = markeralg_str(universe, NULL);
        out->requires_python = minor_lo >= 0 ? xasprintf(">=3.%d", minor_lo) : NULL;
        out->solved = true;
    }
    markeralg_free(universe);
    for (size_t t = 0; t < ntargets; t++)
        rs_result_free(&res[t]);
    free(res);
    free(order);
    strv_free(pkeys);
    free(pvers);
    if (e)
        ru_result_free(out);
    return e;
}

void ru_result_free(ru_result_t *r)
{
    for (size_t i = 0; i < r->n; i++) {
        free(r->pkgs[i].key);
        free(r->pkgs[i].name);
        free(r->pkgs[i].marker);
        strv_free(r->pkgs[i].deps);
    }
    free(r->pkgs);
    free(r->explanation);
    free(r->environments);
    free(r->requires_python);
    strv_free(r->uncovered);
    strv_free(r->warnings);
    memset(r, 0, sizeof(*r));
}
