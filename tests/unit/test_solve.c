/* Unit tests for resolve/solve and resolve/universal: the packaging rules over PubGrub, on
 * synthetic projects held in memory (no index, no files). */
#include <criterion/criterion.h>

#pragma GCC diagnostic ignored "-Wmissing-field-initializers" /* rows omit `yanked` */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/name.h"
#include "util/buf.h"
#include "resolve/solve.h"
#include "resolve/universal.h"
#include "util/strv.h"
#include "util/xalloc.h"

/* ---- a source over a table ---------------------------------------------------------------- */

/* One version: "name", "version", Requires-Dist separated by '|', Requires-Python (or NULL),
 * Provides-Extra separated by ',' (or NULL), wheel tags separated by ',' ("" = an sdist only),
 * yanked, and why its metadata cannot be used (NULL: it can). */
typedef struct row {
    const char *name, *version, *requires, *requires_python, *extras, *tags;
    bool yanked;
    const char *broken;
} row_t;

typedef struct fake_version {
    rs_version_t v;
    rs_file_t *files;
    rs_meta_t meta;
    req_t **reqs;
    char **extras;
    wheelname_t **wheels;
    size_t nwheels;
    const char *broken;
} fake_version_t;

typedef struct fake_project {
    rs_project_t p;
    char *key;
    rs_version_t *versions;   /* contiguous for rs_project_t */
    fake_version_t *fv;       /* parallel */
    size_t n;
} fake_project_t;

typedef struct fake {
    fake_project_t *projects;
    size_t n;
    size_t metadata_calls;
    buf_t read;               /* "name-version " for every metadata read */
    char *prefetched[16];     /* prefetch(key, allowed): the keys and their ranges */
    vrange_t allowed[16];
    bool has_allowed[16];
    size_t nprefetched;
} fake_t;

static int fv_cmp(const void *a, const void *b)
{
    return -version_cmp(&((const fake_version_t *)a)->v.version,
                        &((const fake_version_t *)b)->v.version);
}

static void split(const char *s, char sep, char ***out, size_t *n)
{
    *out = NULL;
    *n = 0;
    size_t cap = 0;
    while (s && *s) {
        const char *e = strchr(s, sep);
        size_t len = e ? (size_t)(e - s) : strlen(s);
        if (len)
            strv_push(out, n, &cap, xstrndup(s, len));
        s = e ? e + 1 : s + len;
    }
}

static fake_t *fake_new(const row_t *rows)
{
    fake_t *f = xcalloc(1, sizeof *f);
    for (const row_t *r = rows; r->name; r++) {
        char *key = pkg_name_normalize(r->name);
        fake_project_t *p = NULL;
        for (size_t i = 0; i < f->n; i++)
            if (strcmp(f->projects[i].key, key) == 0)
                p = &f->projects[i];
        if (!p) {
            f->projects = xrealloc(f->projects, (f->n + 1) * sizeof(*p));
            p = &f->projects[f->n++];
            memset(p, 0, sizeof(*p));
            p->key = xstrdup(key);
            p->p.key = p->key;
            p->p.name = r->name;
        }
        free(key);
        p->fv = xrealloc(p->fv, (p->n + 1) * sizeof(fake_version_t));
        fake_version_t *v = &p->fv[p->n++];
        memset(v, 0, sizeof(*v));
        cr_assert(version_parse(r->version, &v->v.version), "%s", r->version);
        v->v.text = r->version;
        v->broken = r->broken;
        char **reqs;
        size_t nreq;
        split(r->requires, '|', &reqs, &nreq);
        v->reqs = xcalloc(nreq + 1, sizeof(req_t *));
        for (size_t i = 0; i < nreq; i++) {
            err_t *e = req_parse(reqs[i], &v->reqs[i], NULL);
            cr_assert_null(e, "%s", e ? e->msg : "");
        }
        strv_free(reqs);
        size_t nx;
        split(r->extras, ',', &v->extras, &nx);
        v->meta = (rs_meta_t){v->reqs, nreq, r->requires_python, v->extras, nx};
        char **tags;
        size_t ntags;
        split(r->tags, ',', &tags, &ntags);
        v->files = xcalloc(ntags + 1, sizeof(rs_file_t));
        v->wheels = xcalloc(ntags + 1, sizeof(wheelname_t *));
        if (!ntags) {
            char *fn = xasprintf("%s-%s.tar.gz", r->name, r->version);
            v->files[0] = (rs_file_t){.filename = fn, .yanked = r->yanked,
                                      .requires_python = r->requires_python};
            v->v.nfiles = 1;
        }
        for (size_t i = 0; i < ntags; i++) {
            char *fn = xasprintf("%s-%s-%s.whl", r->name, r->version, tags[i]);
            err_t *e = wheelname_parse(fn, &v->wheels[i]);
            cr_assert_null(e, "%s: %s", fn, e ? e->msg : "");
            v->files[i] = (rs_file_t){.filename = fn, .wheel = v->wheels[i], .yanked = r->yanked,
                                      .requires_python = r->requires_python};
            v->nwheels++;
        }
        if (ntags)
            v->v.nfiles = ntags;
        strv_free(tags);
        v->v.files = v->files;
    }
    for (size_t i = 0; i < f->n; i++) {
        fake_project_t *p = &f->projects[i];
        qsort(p->fv, p->n, sizeof(fake_version_t), fv_cmp);
        p->versions = xcalloc(p->n, sizeof(rs_version_t));
        for (size_t k = 0; k < p->n; k++) {
            p->versions[k] = p->fv[k].v;
            p->versions[k].data = &p->fv[k];
        }
        p->p.versions = p->versions;
        p->p.n = p->n;
    }
    return f;
}

static void fake_free(fake_t *f)
{
    for (size_t i = 0; i < f->n; i++) {
        fake_project_t *p = &f->projects[i];
        for (size_t k = 0; k < p->n; k++) {
            fake_version_t *v = &p->fv[k];
            version_free(&v->v.version);
            for (size_t q = 0; v->reqs[q]; q++)
                req_free(v->reqs[q]);
            free(v->reqs);
            strv_free(v->extras);
            for (size_t q = 0; q < v->v.nfiles; q++)
                free((char *)v->files[q].filename);
            for (size_t q = 0; q < v->nwheels; q++)
                wheelname_free(v->wheels[q]);
            free(v->wheels);
            free(v->files);
        }
        free(p->fv);
        free(p->versions);
        free(p->key);
    }
    free(f->projects);
    buf_free(&f->read);
    for (size_t i = 0; i < f->nprefetched; i++) {
        free(f->prefetched[i]);
        vrange_free(&f->allowed[i]);
    }
    free(f);
}

static err_t *fake_project(void *ctx, const char *key, const rs_project_t **out)
{
    fake_t *f = ctx;
    *out = NULL;
    for (size_t i = 0; i < f->n; i++)
        if (strcmp(f->projects[i].key, key) == 0)
            *out = &f->projects[i].p;
    return NULL;
}

static void fake_prefetch(void *ctx, const char *key, const vrange_t *allowed)
{
    fake_t *f = ctx;
    cr_assert_lt(f->nprefetched, 16);
    f->prefetched[f->nprefetched] = xstrdup(key);
    f->has_allowed[f->nprefetched] = allowed != NULL;
    if (allowed)
        f->allowed[f->nprefetched] = vrange_copy(allowed);
    f->nprefetched++;
}

static err_t *fake_metadata(void *ctx, const rs_project_t *p, const rs_version_t *v,
                            const rs_meta_t **out, char **why)
{
    fake_t *f = ctx;
    f->metadata_calls++;
    buf_printf(&f->read, "%s-%s ", p->key, v->text);
    const fake_version_t *fv = v->data;
    *why = fv->broken ? xstrdup(fv->broken) : NULL;
    *out = fv->broken ? NULL : &fv->meta;
    return NULL;
}

/* ---- running a solve ---------------------------------------------------------------------- */

typedef struct run {
    fake_t *f;
    req_t *reqs[16];
    rs_requirement_t rr[16];
    size_t n;
    req_t *cons[8];
    rs_requirement_t cr[8];
    size_t ncons;
    ru_target_t *targets;
    size_t ntargets;
    rs_result_t res;
} run_t;

static void add_root(run_t *r, const char *text, const char *origin)
{
    err_t *e = req_parse(text, &r->reqs[r->n], NULL);
    cr_assert_null(e, "%s", e ? e->msg : "");
    r->rr[r->n] = (rs_requirement_t){r->reqs[r->n], origin};
    r->n++;
}

static void add_constraint(run_t *r, const char *text)
{
    err_t *e = req_parse(text, &r->cons[r->ncons], NULL);
    cr_assert_null(e);
    r->cr[r->ncons] = (rs_requirement_t){r->cons[r->ncons], "c.txt:1"};
    r->ncons++;
}

/* The target of os/arch/3.minor. */
static const ru_target_t *target(run_t *r, int os, int arch, int minor)
{
    int minors[] = {minor};
    if (r->targets)
        ru_targets_free(r->targets, r->ntargets);
    cr_assert_null(ru_targets(minors, 1, NULL, -1, -1, -1, &r->targets, &r->ntargets));
    for (size_t i = 0; i < r->ntargets; i++)
        if (strncmp(r->targets[i].label, os == 0 ? "linux" : os == 1 ? "macos" : "windows", 3) ==
                0 &&
            strstr(r->targets[i].label, arch == 0 ? "x86_64" : "arm64"))
            return &r->targets[i];
    cr_assert_fail("no target");
    return NULL;
}

static rs_input_t input(run_t *r, const ru_target_t *t)
{
    return (rs_input_t){.root_name = "dev", .reqs = r->rr, .nreqs = r->n,
                        .constraints = r->cr, .nconstraints = r->ncons,
                        .region = &t->region, .tags = t->tags, .python = t->python,
                        .region_label = t->label};
}

static bool solve_in(run_t *r, const ru_target_t *t, rs_input_t *in_opt)
{
    rs_source_t src = {r->f, fake_project, fake_metadata, fake_prefetch};
    rs_input_t in = in_opt ? *in_opt : input(r, t);
    rs_result_free(&r->res);
    err_t *e = rs_solve(&src, &in, &r->res);
    cr_assert_null(e, "%s", e ? e->msg : "");
    return r->res.solved;
}

static bool solve_linux311(run_t *r)
{
    return solve_in(r, target(r, 0, 0, 11), NULL);
}

/* "a==1.0 b==2.0" of the picks. */
static char *picks(const rs_result_t *res)
{
    buf_t b = BUF_INIT;
    for (size_t i = 0; i < res->n; i++)
        buf_printf(&b, "%s%s==%s", i ? " " : "", res->picks[i].key, res->picks[i].version->text);
    return buf_detach(&b);
}

static void check_picks(run_t *r, const char *want)
{
    cr_assert(r->res.solved, "no solution:\n%s", r->res.explanation);
    char *got = picks(&r->res);
    cr_assert_str_eq(got, want);
    free(got);
}

static void run_free(run_t *r)
{
    rs_result_free(&r->res);
    for (size_t i = 0; i < r->n; i++)
        req_free(r->reqs[i]);
    for (size_t i = 0; i < r->ncons; i++)
        req_free(r->cons[i]);
    if (r->targets)
        ru_targets_free(r->targets, r->ntargets);
    fake_free(r->f);
}

#define ANY "py3-none-any"

/* ---- the rules ---------------------------------------------------------------------------- */

Test(solve, newest_versions_that_fit)
{
    row_t rows[] = {{"flask", "3.1.3", "werkzeug>=3.1|itsdangerous>=2.2", NULL, NULL, ANY},
                    {"flask", "2.0.0", "werkzeug>=2", NULL, NULL, ANY},
                    {"werkzeug", "3.1.3", "markupsafe>=2.1.1", NULL, NULL, ANY},
                    {"werkzeug", "2.3.8", "markupsafe>=2.1.1", NULL, NULL, ANY},
                    {"markupsafe", "3.0.2", "", NULL, NULL, ANY},
                    {"itsdangerous", "2.2.0", "", NULL, NULL, ANY},
                    {NULL}};
    run_t r = {.f = fake_new(rows)};
    add_root(&r, "flask", "venv.yaml:6:9");
    solve_linux311(&r);
    check_picks(&r, "flask==3.1.3 itsdangerous==2.2.0 markupsafe==3.0.2 werkzeug==3.1.3");
    const rs_pick_t *fl = rs_result_find(&r.res, "flask");
    cr_assert_eq(fl->ndeps, 2);
    cr_assert_eq(r.res.nroot_deps, 1);
    run_free(&r);
}

Test(solve, conflicts_are_explained_with_their_origin)
{
    row_t rows[] = {{"flask", "3.1.3", "werkzeug>=3.1", NULL, NULL, ANY},
                    {"werkzeug", "3.1.3", "", NULL, NULL, ANY},
                    {"werkzeug", "2.3.8", "", NULL, NULL, ANY},
                    {NULL}};
    run_t r = {.f = fake_new(rows)};
    add_root(&r, "flask==3.1.3", "venv.yaml:5:9");
    add_root(&r, "werkzeug<3", "venv.yaml:6:20");
    cr_assert_not(solve_linux311(&r));
    const char *x = r.res.explanation;
    cr_assert(strstr(x, "flask ==3.1.3 depends on werkzeug >=3.1") ||
                  strstr(x, "flask 3.1.3 depends on werkzeug >=3.1"), "%s", x);
    cr_assert(strstr(x, "venv.yaml:6:20"), "%s", x);
    cr_assert(strstr(x, "venv.yaml:5:9"), "%s", x);
    cr_assert(strstr(x, "version solving failed"), "%s", x);
    run_free(&r);
}

Test(solve, extras_are_proxies)
{
    row_t rows[] = {{"requests", "2.32.3", "idna|pysocks>=1.5.6; extra == 'socks'|"
                                           "chardet; extra == 'use-chardet'", NULL,
                     "socks,use-chardet", ANY},
                    {"idna", "3.10", "", NULL, NULL, ANY},
                    {"pysocks", "1.7.1", "", NULL, NULL, ANY},
                    {"chardet", "5.2.0", "", NULL, NULL, ANY},
                    {NULL}};
    run_t r = {.f = fake_new(rows)};
    add_root(&r, "requests", "venv.yaml:5:9");
    solve_linux311(&r);
    check_picks(&r, "idna==3.10 requests==2.32.3");
    rs_result_free(&r.res);
    req_free(r.reqs[0]);
    r.n = 0;
    add_root(&r, "requests[socks]", "venv.yaml:5:9");
    solve_linux311(&r);
    check_picks(&r, "idna==3.10 pysocks==1.7.1 requests==2.32.3");
    const rs_pick_t *rq = rs_result_find(&r.res, "requests");
    cr_assert_str_eq(rq->extras[0], "socks");
    bool via = false;
    for (size_t i = 0; i < rq->ndeps; i++)
        via = via || (strcmp(rq->deps[i].key, "pysocks") == 0 && rq->deps[i].extra &&
                      strcmp(rq->deps[i].extra, "socks") == 0);
    cr_assert(via, "pysocks comes through the extra");
    run_free(&r);
}

Test(solve, unknown_extra_warns)
{
    row_t rows[] = {{"a", "1.0", "", NULL, NULL, ANY}, {NULL}};
    run_t r = {.f = fake_new(rows)};
    add_root(&r, "a[nope]", "x:1");
    solve_linux311(&r);
    check_picks(&r, "a==1.0");
    cr_assert_not_null(r.res.warnings);
    cr_assert(strstr(r.res.warnings[0], "does not provide the extra 'nope'"), "%s",
              r.res.warnings[0]);
    run_free(&r);
}

Test(solve, markers_are_evaluated_in_the_region)
{
    row_t rows[] = {{"a", "1.0", "winonly; sys_platform == 'win32'|"
                                 "old; python_version < '3.11'|"
                                 "patch; python_full_version >= '3.11.2'", NULL, NULL, ANY},
                    {"winonly", "1.0", "", NULL, NULL, ANY},
                    {"old", "1.0", "", NULL, NULL, ANY},
                    {"patch", "1.0", "", NULL, NULL, ANY},
                    {NULL}};
    run_t r = {.f = fake_new(rows)};
    add_root(&r, "a", "x:1");
    solve_linux311(&r);
    check_picks(&r, "a==1.0 patch==1.0"); /* MAYBE in 3.11.*: kept */
    solve_in(&r, target(&r, 2, 0, 10), NULL);
    check_picks(&r, "a==1.0 old==1.0 winonly==1.0");
    run_free(&r);
}

Test(solve, pre_releases_only_when_asked_or_the_only_way)
{
    row_t rows[] = {{"a", "2.0b1", "", NULL, NULL, ANY}, {"a", "1.0", "", NULL, NULL, ANY},
                    {"b", "1.0rc1", "", NULL, NULL, ANY}, {NULL}};
    run_t r = {.f = fake_new(rows)};
    add_root(&r, "a", "x:1");
    add_root(&r, "b", "x:2");
    solve_linux311(&r);
    check_picks(&r, "a==1.0 b==1.0rc1");
    req_free(r.reqs[0]);
    cr_assert_null(req_parse("a>=2.0b1", &r.reqs[0], NULL));
    r.rr[0].req = r.reqs[0];
    solve_linux311(&r);
    check_picks(&r, "a==2.0b1 b==1.0rc1");
    run_free(&r);
}

Test(solve, yanked_only_for_an_exact_pin)
{
    row_t rows[] = {{"a", "2.0", "", NULL, NULL, ANY, true}, {"a", "1.0", "", NULL, NULL, ANY},
                    {NULL}};
    run_t r = {.f = fake_new(rows)};
    add_root(&r, "a", "x:1");
    solve_linux311(&r);
    check_picks(&r, "a==1.0");
    req_free(r.reqs[0]);
    cr_assert_null(req_parse("a==2.0", &r.reqs[0], NULL));
    r.rr[0].req = r.reqs[0];
    solve_linux311(&r);
    check_picks(&r, "a==2.0");
    cr_assert(r.res.picks[0].yanked);
    cr_assert(strstr(r.res.warnings[0], "a 2.0 is yanked; it is used because it is pinned exactly"),
              "%s", r.res.warnings[0]);
    run_free(&r);
}

Test(solve, no_versions_say_what_the_sources_have)
{
    row_t rows[] = {{"a", "3.0", "", NULL, NULL, ANY}, {"a", "2.0", "", NULL, NULL, ANY},
                    {"b", "1.0", "", NULL, NULL, ANY, true}, {NULL}};
    const char *cases[][2] = {
        {"a>=9", "a >=9 (x:1) which doesn't match any versions (the sources have 3.0, 2.0)"},
        {"nothere", "nothere (x:1) which doesn't match any versions (no package source has it)"},
        {"b>=1", "(1 yanked version is left out)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        run_t r = {.f = fake_new(rows)};
        add_root(&r, cases[i][0], "x:1");
        cr_assert_not(solve_linux311(&r));
        cr_assert(strstr(r.res.explanation, cases[i][1]), "%s", r.res.explanation);
        run_free(&r);
    }
    run_t r = {.f = fake_new(rows)};
    add_root(&r, "a", "x:1");
    add_constraint(&r, "a<2");
    cr_assert_not(solve_linux311(&r));
    cr_assert(strstr(r.res.explanation, "the constraints exclude every version there is"), "%s",
              r.res.explanation);
    run_free(&r);
}

Test(solve, requires_python_is_honoured_and_explained)
{
    row_t rows[] = {{"numpy", "2.3.0", "", ">=3.11", NULL, ANY},
                    {"numpy", "2.2.6", "", ">=3.10", NULL, ANY},
                    {"numpy", "2.0.2", "", ">=3.9", NULL, ANY},
                    {NULL}};
    run_t r = {.f = fake_new(rows)};
    add_root(&r, "numpy", "x:1");
    solve_in(&r, target(&r, 0, 0, 9), NULL);
    check_picks(&r, "numpy==2.0.2");
    solve_in(&r, target(&r, 0, 0, 12), NULL);
    check_picks(&r, "numpy==2.3.0");
    req_free(r.reqs[0]);
    cr_assert_null(req_parse("numpy>=2.2", &r.reqs[0], NULL));
    r.rr[0].req = r.reqs[0];
    cr_assert_not(solve_in(&r, target(&r, 0, 0, 9), NULL));
    cr_assert(strstr(r.res.explanation, "requires Python >=3.1"), "%s", r.res.explanation);
    run_free(&r);
}

Test(solve, wheels_must_fit_the_region_unless_an_sdist_can_be_built)
{
    row_t rows[] = {{"fast", "2.0", "", NULL, NULL, "cp311-cp311-manylinux_2_17_x86_64"},
                    {"fast", "1.0", "", NULL, NULL, ANY},
                    {"src", "1.0", "", NULL, NULL, ""},
                    {NULL}};
    run_t r = {.f = fake_new(rows)};
    add_root(&r, "fast", "x:1");
    add_root(&r, "src", "x:2");
    solve_linux311(&r);
    check_picks(&r, "fast==2.0 src==1.0");
    solve_in(&r, target(&r, 2, 0, 11), NULL);
    check_picks(&r, "fast==1.0 src==1.0");
    rs_input_t in = input(&r, target(&r, 0, 0, 11));
    in.no_build = true;
    cr_assert_not(solve_in(&r, NULL, &in));
    cr_assert(strstr(r.res.explanation, "building is off"), "%s", r.res.explanation);
    run_free(&r);
}

Test(solve, constraints_narrow_and_never_add)
{
    row_t rows[] = {{"a", "1.0", "b", NULL, NULL, ANY}, {"b", "2.0", "", NULL, NULL, ANY},
                    {"b", "1.0", "", NULL, NULL, ANY}, {"c", "1.0", "", NULL, NULL, ANY},
                    {NULL}};
    run_t r = {.f = fake_new(rows)};
    add_root(&r, "a", "x:1");
    add_constraint(&r, "b<2");
    add_constraint(&r, "c==1.0");
    solve_linux311(&r);
    check_picks(&r, "a==1.0 b==1.0");
    run_free(&r);
}

Test(solve, preferences_win_unless_upgraded)
{
    row_t rows[] = {{"a", "2.0", "", NULL, NULL, ANY}, {"a", "1.0", "", NULL, NULL, ANY},
                    {NULL}};
    run_t r = {.f = fake_new(rows)};
    add_root(&r, "a", "x:1");
    rs_input_t in = input(&r, target(&r, 0, 0, 11));
    char *keys[] = {"a", NULL};
    const char *vers[] = {"1.0"};
    in.prefer_keys = keys;
    in.prefer_versions = vers;
    in.nprefer = 1;
    solve_in(&r, NULL, &in);
    check_picks(&r, "a==1.0");
    in.upgrade = keys;
    in.nupgrade = 1;
    solve_in(&r, NULL, &in);
    check_picks(&r, "a==2.0");
    run_free(&r);
}

Test(solve, backtracking_across_versions)
{
    /* a 2.0 needs c<2 but b (any) needs c>=2: a 1.0 it is */
    row_t rows[] = {{"a", "2.0", "c<2", NULL, NULL, ANY}, {"a", "1.0", "c", NULL, NULL, ANY},
                    {"b", "1.0", "c>=2", NULL, NULL, ANY}, {"c", "2.0", "", NULL, NULL, ANY},
                    {"c", "1.0", "", NULL, NULL, ANY}, {NULL}};
    run_t r = {.f = fake_new(rows)};
    add_root(&r, "a", "x:1");
    add_root(&r, "b", "x:2");
    solve_linux311(&r);
    check_picks(&r, "a==1.0 b==1.0 c==2.0");
    run_free(&r);
}

Test(solve, an_unusable_version_is_ruled_out_before_its_metadata_even_with_extras)
{
    /* util 3.0 needs a newer Python (the index says so): neither util nor util[fast] 3.0 has
     * its metadata read */
    row_t rows[] = {{"util", "3.0", "speedy; extra == 'fast'", ">=3.99", "fast", ANY},
                    {"util", "2.0", "speedy; extra == 'fast'", ">=3.8", "fast", ANY},
                    {"speedy", "1.0", "", NULL, NULL, ANY},
                    {NULL}};
    run_t r = {.f = fake_new(rows)};
    add_root(&r, "util[fast]", "x:1");
    solve_linux311(&r);
    check_picks(&r, "speedy==1.0 util==2.0");
    cr_assert_null(strstr(buf_cstr(&r.f->read), "util-3.0"), "%s", buf_cstr(&r.f->read));
    run_free(&r);
}

Test(solve, unusable_metadata_skips_the_version_with_a_warning)
{
    row_t rows[] = {{"pkg", "2.0", "", NULL, NULL, ANY, false, "its metadata is garbage"},
                    {"pkg", "1.0", "", NULL, NULL, ANY}, {NULL}};
    run_t r = {.f = fake_new(rows)};
    add_root(&r, "pkg", "x:1");
    solve_linux311(&r);
    check_picks(&r, "pkg==1.0");
    cr_assert(r.res.warnings && r.res.warnings[0]);
    cr_assert_str_eq(r.res.warnings[0], "pkg 2.0 is left out: its metadata is garbage");
    cr_assert_null(r.res.warnings[1]);
    /* pinned: the explanation says why */
    req_free(r.reqs[0]);
    cr_assert_null(req_parse("pkg==2.0", &r.reqs[0], NULL));
    r.rr[0].req = r.reqs[0];
    cr_assert_not(solve_linux311(&r));
    cr_assert(strstr(r.res.explanation, "pkg 2.0 is unavailable (its metadata is garbage)"), "%s",
              r.res.explanation);
    run_free(&r);
}

static const vrange_t *prefetched(const fake_t *f, const char *key, bool *found)
{
    *found = false;
    for (size_t i = 0; i < f->nprefetched; i++)
        if (strcmp(f->prefetched[i], key) == 0) {
            *found = true;
            return f->has_allowed[i] ? &f->allowed[i] : NULL;
        }
    return NULL;
}

Test(solve, prefetch_tells_the_range_first_asked)
{
    row_t rows[] = {{"a", "2.0", "", NULL, NULL, ANY}, {"a", "1.0", "", NULL, NULL, ANY},
                    {"b", "1.0", "c>=1.5", NULL, NULL, ANY}, {"c", "2.0", "", NULL, NULL, ANY},
                    {"c", "1.0", "", NULL, NULL, ANY}, {NULL}};
    run_t r = {.f = fake_new(rows)};
    add_root(&r, "a<2", "x:1");
    add_root(&r, "b", "x:2");
    solve_linux311(&r);
    check_picks(&r, "a==1.0 b==1.0 c==2.0");
    version_t v1, v2, v15;
    cr_assert(version_parse("1.0", &v1) && version_parse("2.0", &v2) &&
              version_parse("1.5", &v15));
    bool found;
    const vrange_t *ra = prefetched(r.f, "a", &found);
    cr_assert(found && ra);
    cr_assert(vrange_contains(ra, &v1) && !vrange_contains(ra, &v2));
    const vrange_t *rb = prefetched(r.f, "b", &found);
    cr_assert(found && (!rb || vrange_is_full(rb)));
    const vrange_t *rc = prefetched(r.f, "c", &found);
    cr_assert(found && rc);
    cr_assert(vrange_contains(rc, &v15) && vrange_contains(rc, &v2) && !vrange_contains(rc, &v1));
    version_free(&v1);
    version_free(&v2);
    version_free(&v15);
    run_free(&r);
}

/* ---- universal locks ---------------------------------------------------------------------- */

static const ru_package_t *lock_find(const ru_result_t *u, const char *key, const char *version)
{
    for (size_t i = 0; i < u->n; i++)
        if (strcmp(u->pkgs[i].key, key) == 0 &&
            (!version || strcmp(u->pkgs[i].version->text, version) == 0))
            return &u->pkgs[i];
    return NULL;
}

Test(universal, platform_dependencies_keep_their_markers_and_forks_split_by_python)
{
    row_t rows[] = {{"app", "1.0", "colorama; sys_platform == 'win32'|numpy|attrs", NULL, NULL,
                     ANY},
                    {"colorama", "0.4.6", "", NULL, NULL, ANY},
                    {"attrs", "25.1.0", "", NULL, NULL, ANY},
                    {"numpy", "2.3.0", "", ">=3.11", NULL, ANY},
                    {"numpy", "2.0.2", "", ">=3.9", NULL, ANY},
                    {NULL}};
    run_t r = {.f = fake_new(rows)};
    add_root(&r, "app", "venv.yaml:5:9");
    int minors[] = {10, 11};
    ru_target_t *t = NULL;
    size_t nt = 0;
    cr_assert_null(ru_targets(minors, 2, NULL, -1, -1, -1, &t, &nt));
    cr_assert_eq(nt, 12);
    rs_input_t in = {.root_name = "dev", .reqs = r.rr, .nreqs = r.n};
    rs_source_t src = {r.f, fake_project, fake_metadata, NULL};
    ru_result_t u;
    cr_assert_null(ru_resolve(&src, &in, t, nt, &u));
    cr_assert(u.solved, "%s", u.explanation);
    cr_assert_eq(u.solves, 12);
    const ru_package_t *app = lock_find(&u, "app", NULL), *attrs = lock_find(&u, "attrs", NULL);
    cr_assert_null(app->marker, "needed everywhere: %s", app->marker);
    cr_assert_null(attrs->marker);
    const ru_package_t *col = lock_find(&u, "colorama", NULL);
    cr_assert_str_eq(col->marker, "sys_platform == \"win32\"");
    const ru_package_t *n23 = lock_find(&u, "numpy", "2.3.0"), *n20 = lock_find(&u, "numpy", "2.0.2");
    cr_assert_not_null(n23);
    cr_assert_not_null(n20);
    cr_assert_str_eq(n23->marker, "python_version >= \"3.11\"");
    cr_assert_str_eq(n20->marker, "python_version < \"3.11\"");
    cr_assert_str_eq(u.requires_python, ">=3.10");
    cr_assert_null(u.uncovered);
    ru_result_free(&u);
    ru_targets_free(t, nt);
    run_free(&r);
}

Test(universal, a_target_without_a_solution_is_left_out_unless_required)
{
    row_t rows[] = {{"linuxonly", "1.0", "", NULL, NULL, "py3-none-manylinux_2_17_x86_64"},
                    {NULL}};
    run_t r = {.f = fake_new(rows)};
    add_root(&r, "linuxonly", "venv.yaml:5:9");
    int minors[] = {11};
    ru_target_t *t = NULL;
    size_t nt = 0;
    cr_assert_null(ru_targets(minors, 1, NULL, 0, 0, 11, &t, &nt));
    rs_input_t in = {.root_name = "dev", .reqs = r.rr, .nreqs = r.n};
    rs_source_t src = {r.f, fake_project, fake_metadata, NULL};
    ru_result_t u;
    cr_assert_null(ru_resolve(&src, &in, t, nt, &u));
    cr_assert(u.solved, "%s", u.explanation);
    cr_assert_eq(strv_len(u.uncovered), 5, "only linux x86_64 has a wheel");
    cr_assert(strstr(u.environments, "x86_64") && strstr(u.environments, "linux"), "%s",
              u.environments);
    cr_assert_null(lock_find(&u, "linuxonly", NULL)->marker);
    ru_result_free(&u);
    ru_targets_free(t, nt);
    /* required on this machine's target (windows x86_64): the whole lock fails */
    cr_assert_null(ru_targets(minors, 1, NULL, 2, 0, 11, &t, &nt));
    cr_assert_null(ru_resolve(&src, &in, t, nt, &u));
    cr_assert_not(u.solved);
    cr_assert(strstr(u.explanation, "windows x86_64, Python 3.11"), "%s", u.explanation);
    ru_result_free(&u);
    ru_targets_free(t, nt);
    run_free(&r);
}

Test(universal, narrowing_markers_leave_targets_out)
{
    int minors[] = {11, 12};
    char *only[] = {"sys_platform == 'linux'", NULL};
    ru_target_t *t = NULL;
    size_t nt = 0;
    cr_assert_null(ru_targets(minors, 2, only, -1, -1, -1, &t, &nt));
    cr_assert_eq(nt, 4);
    for (size_t i = 0; i < nt; i++)
        cr_assert(strncmp(t[i].label, "linux", 5) == 0, "%s", t[i].label);
    ru_targets_free(t, nt);
    char *bad[] = {"sys_platform ==", NULL};
    err_t *e = ru_targets(minors, 2, bad, -1, -1, -1, &t, &nt);
    cr_assert_not_null(e);
    err_free(e);
}
