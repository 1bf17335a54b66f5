/* Unit tests for index/remote and index/choose_remote: project lookup across indexes and remote
 * find-links against a real index server on 127.0.0.1, and the choice of a file. */
#include <criterion/criterion.h>

#include "support.h"
#include <stdlib.h>
#include <string.h>

#include "index/choose_remote.h"
#include "index/remote.h"
#include "python/target.h"
#include "index_server.h"

/* target_desc() of py311() */
#define DESC311 "cpython 3.11 on linux-x86_64"

static srv_t S;

static void stop(void)
{
    srv_stop(&S);
}

TestSuite(remote, .fini = stop, .timeout = 60);

/* The shared Debian-like 3.11 fixture, at the patch level these pages' requires-python tests use. */
static interp_t py311(void)
{
    interp_t py = support_debian311();
    py.version = "3.11.7";
    py.micro = 7;
    return py;
}

static char *NONE[] = {NULL};

static want_pkg_t pin(const char *key, const char *version)
{
    want_pkg_t w;
    memset(&w, 0, sizeof w);
    w.key = (char *)key;
    w.name = (char *)key;
    w.version = (char *)version;
    w.extras = NONE;
    w.hashes = NONE;
    w.origin = "requirements.txt:3";
    return w;
}

typedef struct ctx {
    http_t *h;
    remote_t *r;
    remote_sources_t src;
    interp_t py;
    tagset_t *tags;
} ctx_t;

/* A session on the server's indexes (names like "a", "b"), and find-links pages. */
static void open_ctx(ctx_t *c, const char *const *indexes, const char *const *links)
{
    memset(c, 0, sizeof(*c));
    http_config_t cfg;
    http_config_defaults(&cfg);
    cfg.cache_dir = S.cache;
    cfg.netrc_path = "";
    cfg.backoff_ms = 10;
    cfg.retries = 1;
    cr_assert_null(http_new(&cfg, &c->h));
    c->r = remote_new(c->h);
    char *idx[8] = {0}, *extra[8] = {0}, *fl[8] = {0};
    size_t ne = 0;
    for (size_t i = 0; indexes && indexes[i]; i++) {
        char *u = xasprintf("%s/%s/simple", S.base, indexes[i]);
        if (i == 0)
            idx[0] = u;
        else
            extra[ne++] = u;
    }
    for (size_t i = 0; links && links[i]; i++)
        fl[i] = xasprintf("%s/%s/links/", S.base, links[i]);
    rf_options_t o;
    memset(&o, 0, sizeof o);
    o.index_url = idx[0];
    o.extra_index_urls = extra;
    o.no_index = !indexes || !indexes[0];
    cr_assert_null(remote_sources_build(NULL, NULL, NULL, NULL, &o, fl, &c->src));
    for (size_t i = 0; i < 8; i++) {
        free(idx[i]);
        free(extra[i]);
        free(fl[i]);
    }
    c->py = py311();
    c->tags = target_tagset(&c->py);
}

static void close_ctx(ctx_t *c)
{
    tagset_free(c->tags);
    remote_sources_clear(&c->src);
    remote_free(c->r);
    http_free(c->h);
}

/* Chooses for one pin; returns the error message (malloc'd) or NULL with *out filled. */
static char *choose1(ctx_t *c, const want_pkg_t *w, remote_choice_t *out)
{
    const want_pkg_t *ws[1] = {w};
    err_t *e = remote_choose_all(c->r, &c->src, ws, 1, c->py.version, DESC311, c->tags, out);
    if (!e)
        return NULL;
    buf_t b = BUF_INIT;
    for (err_t *x = e; x; x = x->next)
        buf_printf(&b, "%s%s%s\n", x->msg, x->hint ? " | hint: " : "", x->hint ? x->hint : "");
    err_free(e);
    return buf_detach(&b);
}

static const char *const TWO[] = {"a:foo:1.0", "b:foo:9.0", "b:onlyb:2.0", "a:bar:1.0", NULL};

Test(remote, first_index_that_has_the_project_wins)
{
    srv_start(&S, TWO, NULL);
    ctx_t c;
    const char *const idx[] = {"a", "b", NULL};
    open_ctx(&c, idx, NULL);
    remote_choice_t ch;
    want_pkg_t w = pin("foo", "1.0");
    char *m = choose1(&c, &w, &ch);
    cr_assert_null(m, "%s", m);
    char *want = xasprintf("%s/a/files/foo-1.0-py3-none-any.whl", S.base);
    cr_assert_str_eq(ch.url, want);
    free(want);
    char sha[65];
    int64_t size;
    srv_file(&S, "a", "foo-1.0-py3-none-any.whl", sha, &size);
    cr_assert_str_eq(ch.sha256, sha);
    cr_assert_eq(ch.size, size);
    cr_assert_null(ch.note);
    remote_choice_clear(&ch);
    /* foo 9.0 exists only on the extra index: it cannot be taken (no hijacking) */
    w = pin("foo", "9.0");
    m = choose1(&c, &w, &ch);
    cr_assert_not_null(m);
    cr_assert(strstr(m, "no wheel for 'foo==9.0'"), "%s", m);
    cr_assert(strstr(m, "foo-1.0-py3-none-any.whl: version 1.0, want 9.0"), "%s", m);
    cr_assert_null(strstr(m, "foo-9.0"), "%s", m);
    free(m);
    cr_assert_eq(srv_count(&S, "/b/simple/foo/", -1), 0, "the extra index was asked");
    /* a project only the extra index has is found there */
    w = pin("onlyb", "2.0");
    m = choose1(&c, &w, &ch);
    cr_assert_null(m, "%s", m);
    cr_assert(strstr(ch.url, "/b/files/onlyb-2.0-py3-none-any.whl"), "%s", ch.url);
    remote_choice_clear(&ch);
    cr_assert_eq(srv_count(&S, "/a/simple/onlyb/", 404), 1);
    close_ctx(&c);
}

Test(remote, batch_lookup_and_unknown_project)
{
    srv_start(&S, TWO, NULL);
    ctx_t c;
    const char *const idx[] = {"a", "b", NULL};
    open_ctx(&c, idx, NULL);
    want_pkg_t w1 = pin("foo", "1.0"), w2 = pin("bar", "1.0"), w3 = pin("nosuch", "1.0"),
               w4 = pin("onlyb", "2.0");
    const want_pkg_t *ws[] = {&w1, &w2, &w3, &w4};
    remote_choice_t out[4];
    err_t *e = remote_choose_all(c.r, &c.src, ws, 4, c.py.version, DESC311, c.tags, out);
    cr_assert_not_null(e);
    cr_assert_null(e->next, "only one pin fails");
    cr_assert(strstr(e->msg, "no wheel for 'nosuch==1.0': no project named nosuch on: "), "%s",
              e->msg);
    cr_assert(strstr(e->msg, "/a/simple, ") && strstr(e->msg, "/b/simple (extra)"), "%s", e->msg);
    err_free(e);
    cr_assert(strstr(out[0].url, "/a/files/foo-1.0"));
    cr_assert(strstr(out[1].url, "/a/files/bar-1.0"));
    cr_assert_null(out[2].url);
    cr_assert(strstr(out[3].url, "/b/files/onlyb-2.0"));
    for (int i = 0; i < 4; i++)
        remote_choice_clear(&out[i]);
    close_ctx(&c);
}

Test(remote, failing_index_is_not_skipped)
{
    srv_start(&S, TWO, NULL);
    srv_write_config(&S, "{\"faults\": [{\"path\": \"/a/simple/foo/\", \"status\": 500}]}");
    ctx_t c;
    const char *const idx[] = {"a", "b", NULL};
    open_ctx(&c, idx, NULL);
    remote_choice_t ch;
    want_pkg_t w = pin("foo", "9.0");
    char *m = choose1(&c, &w, &ch);
    cr_assert_not_null(m);
    cr_assert(strstr(m, "looking up foo: ") && strstr(m, "HTTP 500"), "%s", m);
    free(m);
    cr_assert_eq(srv_count(&S, "/b/simple/foo/", -1), 0,
                 "a failing index must not let the extra index answer");
    close_ctx(&c);
}

static void write_meta(const char *index, const char *file, const char *json)
{
    char *p = xasprintf("%s/%s/%s.meta.json", S.root, index, file);
    cr_assert_null(fs_write_atomic(p, json, strlen(json), 0644));
    free(p);
}

Test(remote, requires_python_is_checked_against_the_full_version)
{
    const char *const w[] = {"a:rp:1.0", "a:rp:2.0", "a:rp:3.0", NULL};
    srv_start(&S, w, NULL);
    write_meta("a", "rp-1.0-py3-none-any.whl", "{\"requires_python\": \">=3.11.8\"}");
    write_meta("a", "rp-2.0-py3-none-any.whl", "{\"requires_python\": \"not a specifier!\"}");
    write_meta("a", "rp-3.0-py3-none-any.whl", "{\"requires_python\": \">=3.11.7,<3.12\"}");
    const char *fmts[] = {"{\"format\": \"json\"}", "{\"format\": \"html\"}"};
    for (int f = 0; f < 2; f++) {
        srv_write_config(&S, fmts[f]);
        err_free(fs_rmtree(S.cache));
        ctx_t c;
        const char *const idx[] = {"a", NULL};
        open_ctx(&c, idx, NULL);
        remote_choice_t ch;
        want_pkg_t p1 = pin("rp", "1.0");
        char *m = choose1(&c, &p1, &ch);
        cr_assert_not_null(m, "%s", fmts[f]);
        cr_assert(strstr(m, "rp-1.0-py3-none-any.whl: requires Python >=3.11.8, this is 3.11.7"),
                  "%s", m);
        free(m);
        want_pkg_t p2 = pin("rp", "2.0");
        m = choose1(&c, &p2, &ch);
        cr_assert_null(m, "an unparsable Requires-Python is ignored: %s", m);
        remote_choice_clear(&ch);
        want_pkg_t p3 = pin("rp", "3.0");
        m = choose1(&c, &p3, &ch);
        cr_assert_null(m, "%s", m);
        remote_choice_clear(&ch);
        close_ctx(&c);
    }
}

Test(remote, yanked_files_only_when_nothing_else_fits)
{
    const char *const w[] = {"a:yk:1.0", "a:yk:1.0:py2.py3-none-any", "a:yo:1.0", NULL};
    srv_start(&S, w, NULL);
    write_meta("a", "yk-1.0-py3-none-any.whl", "{\"yanked\": \"broken build\"}");
    write_meta("a", "yo-1.0-py3-none-any.whl", "{\"yanked\": \"do not use\"}");
    ctx_t c;
    const char *const idx[] = {"a", NULL};
    open_ctx(&c, idx, NULL);
    remote_choice_t ch;
    /* py3-none-any ranks better than py2.py3-none-any... but it is yanked */
    want_pkg_t p = pin("yk", "1.0");
    char *m = choose1(&c, &p, &ch);
    cr_assert_null(m, "%s", m);
    cr_assert_str_eq(ch.filename, "yk-1.0-py2.py3-none-any.whl");
    cr_assert_null(ch.note);
    remote_choice_clear(&ch);
    /* the only file is yanked: an exact pin takes it, with a note */
    want_pkg_t q = pin("yo", "1.0");
    m = choose1(&c, &q, &ch);
    cr_assert_null(m, "%s", m);
    cr_assert_str_eq(ch.filename, "yo-1.0-py3-none-any.whl");
    cr_assert_not_null(ch.note);
    cr_assert(strstr(ch.note, "yanked: do not use"), "%s", ch.note);
    bool noted = false;
    for (char *const *n = remote_notes(c.r); *n; n++)
        noted = noted || strstr(*n, "yo-1.0-py3-none-any.whl, which is yanked");
    cr_assert(noted);
    remote_choice_clear(&ch);
    close_ctx(&c);
}

Test(remote, sdists_and_incompatible_wheels_are_explained)
{
    const char *const w[] = {"a:nat:1.0:cp312-cp312-manylinux_2_17_x86_64", NULL};
    srv_start(&S, w, NULL);
    char *sd = xasprintf("%s/a/nat-1.0.tar.gz", S.root);
    cr_assert_null(fs_write_atomic(sd, "x", 1, 0644));
    free(sd);
    ctx_t c;
    const char *const idx[] = {"a", NULL};
    open_ctx(&c, idx, NULL);
    remote_choice_t ch;
    want_pkg_t p = pin("nat", "1.0");
    char *m = choose1(&c, &p, &ch);
    cr_assert_not_null(m);
    cr_assert(strstr(m, "nat-1.0.tar.gz: a source distribution"), "%s", m);
    cr_assert(strstr(m, "nat-1.0-cp312-cp312-manylinux_2_17_x86_64.whl: not compatible with cpython 3.11"), "%s", m);
    cr_assert(strstr(m, "hint: searched: "), "%s", m);
    free(m);
    close_ctx(&c);
}

Test(remote, hash_pins_prefer_matching_index_hashes)
{
    const char *const w[] = {"a:hp:1.0", "a:hp:1.0:py2.py3-none-any", NULL};
    srv_start(&S, w, NULL);
    char sha2[65];
    srv_file(&S, "a", "hp-1.0-py2.py3-none-any.whl", sha2, NULL);
    ctx_t c;
    const char *const idx[] = {"a", NULL};
    open_ctx(&c, idx, NULL);
    want_pkg_t p = pin("hp", "1.0");
    char *h = xasprintf("sha256:%s", sha2);
    char *hashes[] = {h, NULL};
    p.hashes = hashes;
    p.nhashes = 1;
    remote_choice_t ch;
    char *m = choose1(&c, &p, &ch);
    cr_assert_null(m, "%s", m);
    cr_assert_str_eq(ch.filename, "hp-1.0-py2.py3-none-any.whl", "the file with the pinned hash");
    remote_choice_clear(&ch);
    free(h);
    close_ctx(&c);
}

Test(remote, remote_find_links_pages)
{
    srv_start(&S, TWO, NULL);
    ctx_t c;
    const char *const links[] = {"b", NULL};
    open_ctx(&c, NULL, links);
    cr_assert_eq(c.src.nindexes, 0);
    remote_choice_t ch;
    want_pkg_t p = pin("foo", "9.0");
    char *m = choose1(&c, &p, &ch);
    cr_assert_null(m, "%s", m);
    char *want = xasprintf("%s/b/files/foo-9.0-py3-none-any.whl", S.base);
    cr_assert_str_eq(ch.url, want);
    free(want);
    char sha[65];
    srv_file(&S, "b", "foo-9.0-py3-none-any.whl", sha, NULL);
    cr_assert_str_eq(ch.sha256, sha, "the #sha256 of the link");
    remote_choice_clear(&ch);
    close_ctx(&c);
    /* with an index too: find-links files are added to the index's */
    const char *const idx[] = {"a", NULL};
    open_ctx(&c, idx, links);
    m = choose1(&c, &p, &ch);
    cr_assert_null(m, "%s", m);
    cr_assert(strstr(ch.url, "/b/files/foo-9.0"));
    remote_choice_clear(&ch);
    close_ctx(&c);
}

Test(remote, outdated_fresh_page_is_revalidated)
{
    const char *const w[] = {"a:grow:1.0", NULL};
    srv_start(&S, w, NULL);
    srv_write_config(&S, "{\"cache_control\": \"max-age=600\"}");
    ctx_t c;
    const char *const idx[] = {"a", NULL};
    open_ctx(&c, idx, NULL);
    remote_choice_t ch;
    want_pkg_t p1 = pin("grow", "1.0");
    cr_assert_null(choose1(&c, &p1, &ch));
    remote_choice_clear(&ch);
    close_ctx(&c);
    /* a new release appears; the cached page is fresh for 10 minutes but lacks it */
    char *cmd = xasprintf("cd '%s/tests/fixtures' && python3 -c \"from wheels import make_wheel; "
                          "make_wheel('%s/a', 'grow', '2.0')\"", TEST_SRC_DIR, S.root);
    cr_assert_eq(system(cmd), 0);
    free(cmd);
    open_ctx(&c, idx, NULL);
    want_pkg_t p2 = pin("grow", "2.0");
    char *m = choose1(&c, &p2, &ch);
    cr_assert_null(m, "%s", m);
    cr_assert_str_eq(ch.filename, "grow-2.0-py3-none-any.whl");
    remote_choice_clear(&ch);
    /* the 1.0 pin alone made no request at all (fresh page) */
    cr_assert_eq(srv_count(&S, "/a/simple/grow/", -1), 2);
    close_ctx(&c);
}

Test(remote, offline_takes_the_first_cached_index)
{
    srv_start(&S, TWO, NULL);
    ctx_t c;
    const char *const idx[] = {"a", "b", NULL};
    open_ctx(&c, idx, NULL);
    want_pkg_t w1 = pin("foo", "1.0"), w2 = pin("onlyb", "2.0");
    const want_pkg_t *ws[] = {&w1, &w2};
    remote_choice_t out[2];
    cr_assert_null(remote_choose_all(c.r, &c.src, ws, 2, c.py.version, DESC311, c.tags, out));
    for (int i = 0; i < 2; i++)
        remote_choice_clear(&out[i]);
    close_ctx(&c);
    int before = srv_count(&S, "/a/simple/foo/", -1) + srv_count(&S, "/b/simple/onlyb/", -1);
    /* offline: the same answers from the cache, and a clear error for what is not cached */
    memset(&c, 0, sizeof c);
    http_config_t cfg;
    http_config_defaults(&cfg);
    config_t env_cfg = {.offline = true};
    cr_assert_null(http_config_apply(&cfg, &env_cfg));
    cr_assert(cfg.offline);
    cfg.cache_dir = S.cache;
    cfg.netrc_path = "";
    cr_assert_null(http_new(&cfg, &c.h));
    c.r = remote_new(c.h);
    char *ia = xasprintf("%s/a/simple", S.base), *ib = xasprintf("%s/b/simple", S.base);
    char *extra[] = {ib, NULL};
    cr_assert_null(remote_sources_build(NULL, NULL, ia, extra, NULL, NULL, &c.src));
    c.py = py311();
    c.tags = target_tagset(&c.py);
    want_pkg_t w3 = pin("bar", "1.0");
    const want_pkg_t *ws2[] = {&w1, &w2, &w3};
    remote_choice_t out2[3];
    err_t *e = remote_choose_all(c.r, &c.src, ws2, 3, c.py.version, DESC311, c.tags, out2);
    cr_assert_not_null(e);
    cr_assert(strstr(e->msg, "offline: no cached index page for bar"), "%s", e->msg);
    cr_assert_null(e->next, "%s", e->next ? e->next->msg : "");
    err_free(e);
    cr_assert(strstr(out2[0].url, "/a/files/foo-1.0"));
    cr_assert(strstr(out2[1].url, "/b/files/onlyb-2.0"));
    cr_assert_null(out2[2].url);
    for (int i = 0; i < 3; i++)
        remote_choice_clear(&out2[i]);
    cr_assert_eq(srv_count(&S, "/a/simple/foo/", -1) + srv_count(&S, "/b/simple/onlyb/", -1), before);
    cr_assert_eq(srv_count(&S, "/a/simple/bar/", -1), 0);
    free(ia);
    free(ib);
    close_ctx(&c);
}

Test(remote, sources_precedence)
{
    remote_sources_t s;
    char *mx[] = {"https://extra.example/simple/", "https://mf.example/simple", NULL};
    char *rx[] = {"https://extra.example/simple", "https://rx.example/simple", NULL};
    char *fl[] = {"https://links.example/", "/local/dir", "https://links.example/", NULL};
    rf_options_t o;
    memset(&o, 0, sizeof o);
    o.extra_index_urls = rx;
    /* nothing configured: PyPI */
    cr_assert_null(remote_sources_build(NULL, NULL, NULL, NULL, NULL, NULL, &s));
    cr_assert_eq(s.nindexes, 1);
    cr_assert_str_eq(s.indexes[0], REMOTE_DEFAULT_INDEX);
    remote_sources_clear(&s);
    /* VENVSYNC_DEFAULT_INDEX_URL replaces PyPI, and only PyPI */
    cr_assert_null(remote_sources_build(NULL, "http://127.0.0.1:9/simple", NULL, NULL, NULL, NULL,
                                        &s));
    cr_assert_str_eq(s.indexes[0], "http://127.0.0.1:9/simple");
    remote_sources_clear(&s);
    cr_assert_null(remote_sources_build(NULL, "http://127.0.0.1:9/simple",
                                        "https://mf.example/simple", NULL, NULL, NULL, &s));
    cr_assert_str_eq(s.indexes[0], "https://mf.example/simple");
    remote_sources_clear(&s);
    /* manifest index, extras from both, de-duplicated; find-links http only, once */
    cr_assert_null(remote_sources_build(NULL, NULL, "https://mf.example/simple/", mx, &o, fl, &s));
    cr_assert_eq(s.nindexes, 3);
    cr_assert_str_eq(s.indexes[0], "https://mf.example/simple");
    cr_assert_str_eq(s.indexes[1], "https://extra.example/simple");
    cr_assert_str_eq(s.indexes[2], "https://rx.example/simple");
    cr_assert_eq(s.nfind_links, 1);
    char *d = remote_sources_describe(&s);
    cr_assert_str_eq(d, "https://mf.example/simple, https://extra.example/simple (extra), "
                        "https://rx.example/simple (extra), https://links.example/ (find-links)");
    free(d);
    remote_sources_clear(&s);
    /* requirements -i beats the manifest; the environment beats both */
    o.index_url = "https://u:pw@req.example/simple";
    cr_assert_null(remote_sources_build(NULL, NULL, "https://mf.example/simple", NULL, &o, NULL, &s));
    cr_assert_str_eq(s.indexes[0], "https://u:pw@req.example/simple");
    d = remote_sources_describe(&s);
    cr_assert_null(strstr(d, "pw@"), "%s", d);
    free(d);
    remote_sources_clear(&s);
    cr_assert_null(remote_sources_build("https://env.example/simple", NULL, "https://mf.example/simple",
                                        NULL, &o, NULL, &s));
    cr_assert_str_eq(s.indexes[0], "https://env.example/simple");
    remote_sources_clear(&s);
    /* --no-index: find-links only */
    o.no_index = true;
    cr_assert_null(remote_sources_build(NULL, NULL, NULL, mx, &o, fl, &s));
    cr_assert_eq(s.nindexes, 0);
    cr_assert(remote_sources_any(&s));
    remote_sources_clear(&s);
    /* file: indexes are refused */
    o.no_index = false;
    o.index_url = "file:///srv/simple";
    err_t *e = remote_sources_build(NULL, NULL, NULL, NULL, &o, NULL, &s);
    cr_assert_not_null(e);
    cr_assert(strstr(e->msg, "--index-url file:///srv/simple: only http(s) index URLs"), "%s", e->msg);
    cr_assert_eq(e->exit_code, EXIT_USAGE);
    err_free(e);
    remote_sources_clear(&s);
}
