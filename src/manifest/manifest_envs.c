/*
 * manifest_envs: the checks across venv.yaml's environments, once each was walked (see the
 * decisions in manifest.c's top comment): copy-from must name another environment and make no
 * cycle; an environment without `python` takes its copy-from source's request (following the
 * chain), else the top-level one; no two environments share a path or lie one inside another,
 * and none contains the manifest's own directory or has ':' in its path.
 */
#include <stdlib.h>
#include <string.h>

#include "manifest/manifest_internal.h"
#include "util/buf.h"
#include "util/path.h"
#include "util/suggest.h"
#include "util/xalloc.h"

int mf_cmp_name(const void *a, const void *b)
{
    const ref_t *x = a, *y = b;
    int r = strcmp(x->s, y->s);
    return r ? r : (x->i < y->i ? -1 : x->i > y->i);
}

/* Byte order with '/' lowest, so that a path is directly followed by everything below it. */
static int cmp_path(const void *a, const void *b)
{
    const ref_t *x = a, *y = b;
    const unsigned char *p = (const unsigned char *)x->s, *q = (const unsigned char *)y->s;
    while (*p && *p == *q)
        p++, q++;
    if (*p != *q) {
        int cp = *p == '/' ? 1 : *p ? *p + 1 : 0;
        int cq = *q == '/' ? 1 : *q ? *q + 1 : 0;
        return cp - cq;
    }
    return x->i < y->i ? -1 : x->i > y->i;
}

static int find_env(const ref_t *sorted, size_t n, const char *name)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int r = strcmp(sorted[mid].s, name);
        if (r == 0)
            return (int)sorted[mid].i;
        if (r < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

static void check_copy_from(ctx_t *c, manifest_t *m, envx_t *xs, const ref_t *names)
{
    size_t n = m->nenvs;
    const char **plain = NULL;
    for (size_t i = 0; i < n; i++) {
        mf_env_t *e = &m->envs[i];
        xs[i].copy_target = -1;
        if (!e->copy_from || xs[i].bad_name)
            continue;
        int t = find_env(names, n, e->copy_from);
        if (t < 0) {
            if (!plain) {
                plain = xmalloc(n * sizeof *plain);
                for (size_t k = 0; k < n; k++)
                    plain[k] = m->envs[k].name;
            }
            const char *sug = suggest_closest(e->copy_from, plain, n);
            if (sug)
                mf_report(c, xs[i].copy_node, "'copy-from' in environment '%s' names '%s', which "
                          "is not an environment in this manifest (did you mean '%s'?)", e->name,
                          e->copy_from, sug);
            else
                mf_report(c, xs[i].copy_node, "'copy-from' in environment '%s' names '%s', which "
                          "is not an environment in this manifest", e->name, e->copy_from);
        } else if ((size_t)t == i) {
            mf_report(c, xs[i].copy_node, "environment '%s' cannot copy from itself", e->name);
        } else {
            xs[i].copy_target = t;
        }
    }
    free(plain);

    /* Each environment has at most one copy-from: follow the chains, colouring as we go. */
    unsigned char *color = xcalloc(n ? n : 1, 1);   /* 0 new, 1 on the current walk, 2 done */
    size_t *stack = xmalloc((n ? n : 1) * sizeof *stack);
    for (size_t i = 0; i < n; i++) {
        size_t depth = 0;
        int j = (int)i;
        while (j >= 0 && color[j] == 0) {
            color[j] = 1;
            stack[depth++] = (size_t)j;
            j = xs[j].copy_target;
        }
        if (j >= 0 && color[j] == 1) {
            /* A cycle: stack from j's position to the top. Report at its first member. */
            size_t from = 0;
            while (stack[from] != (size_t)j)
                from++;
            size_t first = stack[from];
            for (size_t k = from; k < depth; k++)
                if (stack[k] < first)
                    first = stack[k];
            buf_t b = BUF_INIT;
            size_t k = first;
            do {
                buf_printf(&b, "%s -> ", m->envs[k].name);
                k = (size_t)xs[k].copy_target;
            } while (k != first);
            buf_adds(&b, m->envs[first].name);
            mf_report(c, xs[first].copy_node, "'copy-from' makes a cycle: %s", buf_cstr(&b));
            buf_free(&b);
        }
        for (size_t k = 0; k < depth; k++)
            color[stack[k]] = 2;
    }
    free(color);
    free(stack);
}

static void check_paths(ctx_t *c, manifest_t *m, envx_t *xs)
{
    size_t n = m->nenvs;
    ref_t *refs = xmalloc((n ? n : 1) * sizeof *refs);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        mf_env_t *e = &m->envs[i];
        if (!e->path)
            continue;
        const yaml_node_t *at = xs[i].path_node ? xs[i].path_node : xs[i].key;
        if (strchr(e->path, ':')) {
            mf_report(c, at, "the path of environment '%s' (%s) contains ':', which a virtual "
                             "environment's path cannot (it separates entries in PATH)", e->name,
                      e->path);
            continue;
        }
        if (path_is_within(m->dir, e->path)) {
            mf_report(c, at, "the path of environment '%s' (%s) contains the manifest's own "
                             "directory; recreating it would delete the project", e->name, e->path);
            continue;
        }
        refs[k++] = (ref_t){e->path, i};
    }
    qsort(refs, k, sizeof *refs, cmp_path);
    /* Equal paths are adjacent; a path's descendants follow it directly. Keep a stack of the
     * paths that contain the current one. */
    size_t *open = xmalloc((k ? k : 1) * sizeof *open);
    size_t nopen = 0;
    for (size_t r = 0; r < k; r++) {
        const ref_t *cur = &refs[r];
        while (nopen && !path_is_within(cur->s, refs[open[nopen - 1]].s))
            nopen--;
        if (nopen) {
            const ref_t *outer = &refs[open[nopen - 1]];
            const mf_env_t *a = &m->envs[outer->i], *b = &m->envs[cur->i];
            const yaml_node_t *at = xs[cur->i].path_node ? xs[cur->i].path_node : xs[cur->i].key;
            if (strcmp(outer->s, cur->s) == 0)
                mf_report(c, at, "environment '%s' has the same path as environment '%s' (%s)",
                          b->name, a->name, b->path);
            else
                mf_report(c, at, "environment '%s' (%s) lies inside environment '%s' (%s)", b->name,
                          b->path, a->name, a->path);
            continue;     /* don't make it an outer path itself: report against the first */
        }
        open[nopen++] = r;
    }
    free(open);
    free(refs);
}

static pyreq_t *request_dup(const pyreq_t *r)
{
    pyreq_t *d = NULL;
    char *why = NULL;
    if (!pyreq_parse(r->text, &d, &why)) {   /* cannot happen: r was parsed from this text */
        free(why);
        return NULL;
    }
    if (d->kind == PYREQ_PATH) {
        free(d->path);
        d->path = xstrdup(r->path);          /* already expanded and absolute */
    }
    return d;
}

/* An environment without its own `python` takes its copy-from source's request (following the
 * chain), else the top-level one: a copy runs on the interpreter it was copied from. */
static void inherit_python(manifest_t *m, envx_t *xs)
{
    size_t n = m->nenvs;
    /* src[i]: the environment whose own request i uses, -1 for the top level, -2 not known
     * yet, -3 on the current walk. Each chain is walked once; everything on it gets the
     * answer. */
    int *src = xmalloc((n ? n : 1) * sizeof *src);
    size_t *walk = xmalloc((n ? n : 1) * sizeof *walk);
    for (size_t i = 0; i < n; i++)
        src[i] = xs[i].own_python ? (int)i : -2;
    for (size_t i = 0; i < n; i++) {
        size_t depth = 0;
        int j = (int)i;
        while (j >= 0 && src[j] == -2) {
            src[j] = -3;                       /* on this walk: meeting it again is a cycle */
            walk[depth++] = (size_t)j;
            j = xs[j].copy_target;
        }
        int answer = j < 0 || src[j] == -3 ? -1 : src[j];
        for (size_t k = 0; k < depth; k++)
            src[walk[k]] = answer;
    }
    for (size_t i = 0; i < n; i++) {
        if (xs[i].own_python)
            continue;
        const pyreq_t *r = src[i] >= 0 ? m->envs[src[i]].python : m->python;
        const char *text = src[i] >= 0 ? m->envs[src[i]].python_text : m->python_text;
        if (r) {
            m->envs[i].python = request_dup(r);
            m->envs[i].python_text = xstrdup(text);
        }
    }
    free(walk);
    free(src);
}


void mf_check_envs(ctx_t *c, manifest_t *m, envx_t *xs)
{
    ref_t *sorted = xmalloc((m->nenvs ? m->nenvs : 1) * sizeof *sorted);
    for (size_t i = 0; i < m->nenvs; i++)
        sorted[i] = (ref_t){m->envs[i].name, i};
    qsort(sorted, m->nenvs, sizeof *sorted, mf_cmp_name);
    check_copy_from(c, m, xs, sorted);
    inherit_python(m, xs);
    check_paths(c, m, xs);
    free(sorted);
}
