/* Unit tests for index/http against a real index server on 127.0.0.1
 * (tests/fixtures/index_server.py, started per test). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>

#include "index/http.h"
#include "index/simple.h"
#include "util/url.h"
#include "index_server.h"
#include "util/hash.h"
#include "util/path.h"
#include "util/strv.h"
#include "util/fs.h"

static srv_t S;

static void stop(void)
{
    srv_stop(&S);
}

TestSuite(http, .fini = stop, .timeout = 60);

static const char *const WHEELS[] = {"a:foo:1.0", "a:bar:2.0", "b:foo:9.0", NULL};

static http_t *client(http_config_t *cfg)
{
    http_config_t c;
    if (!cfg) {
        http_config_defaults(&c);
        cfg = &c;
    }
    cfg->cache_dir = S.cache;
    if (!cfg->netrc_path)
        cfg->netrc_path = "";
    http_t *h = NULL;
    err_t *e = http_new(cfg, &h);
    cr_assert_null(e, "%s", e ? e->msg : "");
    return h;
}

static http_config_t fast_cfg(void)
{
    http_config_t c;
    http_config_defaults(&c);
    c.backoff_ms = 20;
    c.connect_timeout_ms = 2000;
    c.low_speed_time_s = 2;
    return c;
}

/* Starts the index with WHEELS; sha and size of index a's foo-1.0 wheel. */
static void start_with_foo(char sha[65], int64_t *size)
{
    srv_start(&S, WHEELS, NULL);
    srv_file(&S, "a", "foo-1.0-py3-none-any.whl", sha, size);
}

static char *url_of(const char *path)
{
    return xasprintf("%s%s", S.base, path);
}

/* What the download cache holds (files, including temporaries), one per line. */
static char *dl_listing(void)
{
    buf_t b = BUF_INIT;
    char *d = path_join(S.cache, HTTP_DOWNLOADS_SUBDIR);
    list_tree(d, "", &b);
    free(d);
    return buf_detach(&b);
}

static void assert_no_partial_files(void)
{
    char *l = dl_listing();
    cr_assert_null(strstr(l, ".tmp-"), "a temporary file was left: %s", l);
    /* every other file is named by its own sha256 (or is a url- record) */
    for (char *line = strtok(l, "\n"); line; line = strtok(NULL, "\n")) {
        if (strncmp(line, "url-", 4) == 0)
            continue;
        char *p = path_joinv(S.cache, HTTP_DOWNLOADS_SUBDIR, line, NULL);
        char hex[65];
        cr_assert_null(sha256_file_hex(p, hex));
        cr_assert_str_eq(hex, line, "a cached file does not match its name");
        free(p);
    }
    free(l);
}

static void get_page(http_t *h, const char *path, const char *accept, http_page_req_t *r)
{
    memset(r, 0, sizeof(*r));
    char *u = url_of(path);
    r->url = u;
    r->accept = accept;
    err_t *e = http_get_pages(h, r, 1);
    cr_assert_null(e, "%s", e ? e->msg : "");
    free(u);
    r->url = NULL;
}

Test(http, content_negotiation_json_and_html)
{
    srv_start(&S, WHEELS, NULL);
    http_t *h = client(NULL);
    http_page_req_t r;
    get_page(h, "/a/simple/foo/", SIMPLE_ACCEPT, &r);
    cr_assert_null(r.err, "%s", r.err ? r.err->msg : "");
    cr_assert_eq(r.status, 200);
    cr_assert_eq(r.source, HTTP_FROM_NETWORK);
    cr_assert_str_eq(r.content_type, "application/vnd.pypi.simple.v1+json");
    simple_page_t *p = NULL;
    cr_assert_null(simple_parse(r.content_type, r.body.data, r.body.len, r.final_url, &p));
    cr_assert_eq(p->n, 1);
    char sha[65];
    int64_t size;
    srv_file(&S, "a", "foo-1.0-py3-none-any.whl", sha, &size);
    cr_assert_str_eq(p->files[0].sha256, sha);
    cr_assert_eq(p->files[0].size, size);
    char *want = url_of("/a/files/foo-1.0-py3-none-any.whl");
    cr_assert_str_eq(p->files[0].url, want);
    free(want);
    simple_page_free(p);
    http_page_req_clear(&r);

    get_page(h, "/a/simple/foo/", "text/html", &r);
    cr_assert_eq(r.status, 200);
    cr_assert_str_eq(r.content_type, "text/html");
    cr_assert_null(simple_parse(r.content_type, r.body.data, r.body.len, r.final_url, &p));
    cr_assert_eq(p->format, SIMPLE_FMT_HTML);
    cr_assert_str_eq(p->files[0].sha256, sha);
    simple_page_free(p);
    http_page_req_clear(&r);
    /* the server saw pip's Accept header */
    char *log = srv_log(&S);
    cr_assert(strstr(log, "\"accept\": \"" SIMPLE_ACCEPT "\""), "%s", log);
    free(log);
    http_free(h);
}

Test(http, not_found_is_a_result)
{
    srv_start(&S, WHEELS, NULL);
    http_t *h = client(NULL);
    http_page_req_t r;
    get_page(h, "/a/simple/nope/", SIMPLE_ACCEPT, &r);
    cr_assert_null(r.err);
    cr_assert_eq(r.status, 404);
    http_page_req_clear(&r);
    http_free(h);
}

Test(http, redirect_gives_the_final_url)
{
    srv_start(&S, WHEELS, NULL);
    http_t *h = client(NULL);
    http_page_req_t r;
    get_page(h, "/a/simple/Foo/", SIMPLE_ACCEPT, &r);
    cr_assert_eq(r.status, 200);
    char *want = url_of("/a/simple/foo/");
    cr_assert_str_eq(r.final_url, want);
    free(want);
    http_page_req_clear(&r);
    http_free(h);
}

Test(http, server_error_then_success_is_retried)
{
    srv_start(&S, WHEELS, NULL);
    srv_write_config(&S, "{\"faults\": [{\"path\": \"/a/simple/foo/\", \"status\": 500, \"times\": 2}]}");
    http_config_t c = fast_cfg();
    http_t *h = client(&c);
    http_page_req_t r;
    get_page(h, "/a/simple/foo/", SIMPLE_ACCEPT, &r);
    cr_assert_null(r.err, "%s", r.err ? r.err->msg : "");
    cr_assert_eq(r.status, 200);
    cr_assert_eq(srv_count(&S, "/a/simple/foo/", 500), 2);
    cr_assert_eq(srv_count(&S, "/a/simple/foo/", 200), 1);
    http_page_req_clear(&r);
    http_free(h);
}

Test(http, persistent_server_error_fails_after_retries)
{
    srv_start(&S, WHEELS, NULL);
    srv_write_config(&S, "{\"faults\": [{\"path\": \"/a/simple/foo/\", \"status\": 503}]}");
    http_config_t c = fast_cfg();
    c.retries = 2;
    http_t *h = client(&c);
    http_page_req_t r;
    get_page(h, "/a/simple/foo/", SIMPLE_ACCEPT, &r);
    cr_assert_not_null(r.err);
    cr_assert_eq(r.status, 0);
    cr_assert(strstr(r.err->msg, "HTTP 503 Service Unavailable (after 3 attempts)"), "%s",
              r.err->msg);
    cr_assert_eq(srv_count(&S, "/a/simple/foo/", 503), 3);
    http_page_req_clear(&r);
    http_free(h);
}

Test(http, client_errors_are_not_retried)
{
    srv_start(&S, WHEELS, NULL);
    srv_write_config(&S, "{\"faults\": [{\"path\": \"/a/simple/foo/\", \"status\": 418}]}");
    http_config_t c = fast_cfg();
    http_t *h = client(&c);
    http_page_req_t r;
    get_page(h, "/a/simple/foo/", SIMPLE_ACCEPT, &r);
    cr_assert_not_null(r.err);
    cr_assert(strstr(r.err->msg, "HTTP 418"), "%s", r.err->msg);
    cr_assert_eq(srv_count(&S, "/a/simple/foo/", -1), 1);
    http_page_req_clear(&r);
    http_free(h);
}

static void download(http_t *h, const char *path, const char *fname, const char *sha,
                     int64_t size, http_download_t *d)
{
    memset(d, 0, sizeof(*d));
    char *u = url_of(path);
    d->url = u;
    d->filename = fname;
    d->sha256 = sha;
    d->size = size;
    err_t *e = http_download_all(h, d, 1);
    cr_assert_null(e, "%s", e ? e->msg : "");
    free(u);
    d->url = NULL;
}

Test(http, download_is_verified_and_cached_by_hash)
{
    char sha[65];
    int64_t size;
    start_with_foo(sha, &size);
    http_t *h = client(NULL);
    http_download_t d;
    download(h, "/a/files/foo-1.0-py3-none-any.whl", "foo-1.0-py3-none-any.whl", sha, size, &d);
    cr_assert_null(d.err, "%s", d.err ? d.err->msg : "");
    cr_assert_not(d.from_cache);
    cr_assert_str_eq(d.sha256_out, sha);
    cr_assert_eq((int64_t)d.size_out, size);
    char *want = http_download_path(S.cache, sha);
    cr_assert_str_eq(d.path, want);
    char hex[65];
    cr_assert_null(sha256_file_hex(d.path, hex));
    cr_assert_str_eq(hex, sha);
    http_download_clear(&d);
    /* again: from the cache, no request */
    download(h, "/a/files/foo-1.0-py3-none-any.whl", "foo-1.0-py3-none-any.whl", sha, size, &d);
    cr_assert_null(d.err);
    cr_assert(d.from_cache);
    cr_assert_str_eq(d.path, want);
    cr_assert_eq(srv_count(&S, "/a/files/foo-1.0-py3-none-any.whl", -1), 1);
    http_download_clear(&d);
    free(want);
    assert_no_partial_files();
    http_free(h);
}

Test(http, download_without_index_hash_is_recorded_by_url)
{
    srv_start(&S, WHEELS, NULL);
    char sha[65];
    srv_file(&S, "a", "bar-2.0-py3-none-any.whl", sha, NULL);
    http_t *h = client(NULL);
    http_download_t d;
    download(h, "/a/files/bar-2.0-py3-none-any.whl", "bar-2.0-py3-none-any.whl", NULL, -1, &d);
    cr_assert_null(d.err, "%s", d.err ? d.err->msg : "");
    cr_assert_str_eq(d.sha256_out, sha, "the computed hash is reported");
    http_download_clear(&d);
    download(h, "/a/files/bar-2.0-py3-none-any.whl", "bar-2.0-py3-none-any.whl", NULL, -1, &d);
    cr_assert(d.from_cache, "found again through the URL record");
    cr_assert_str_eq(d.sha256_out, sha);
    http_download_clear(&d);
    cr_assert_eq(srv_count(&S, "/a/files/bar-2.0-py3-none-any.whl", -1), 1);
    assert_no_partial_files();
    http_free(h);
}

Test(http, wrong_hash_keeps_nothing)
{
    srv_start(&S, WHEELS, NULL);
    char sha[65], other[65];
    srv_file(&S, "a", "foo-1.0-py3-none-any.whl", sha, NULL);
    srv_file(&S, "a", "bar-2.0-py3-none-any.whl", other, NULL);
    http_t *h = client(NULL);
    http_download_t d;
    download(h, "/a/files/foo-1.0-py3-none-any.whl", "foo-1.0-py3-none-any.whl", other, -1, &d);
    cr_assert_not_null(d.err);
    cr_assert(strstr(d.err->msg, "hash mismatch for foo-1.0-py3-none-any.whl"), "%s", d.err->msg);
    cr_assert(strstr(d.err->msg, other) && strstr(d.err->msg, sha), "%s", d.err->msg);
    cr_assert_null(d.path);
    char *l = dl_listing();
    cr_assert_str_eq(l, "", "nothing stays in the cache: %s", l);
    free(l);
    http_download_clear(&d);
    http_free(h);
}

Test(http, corrupt_body_is_caught_by_the_hash)
{
    srv_start(&S, WHEELS, NULL);
    srv_write_config(&S, "{\"faults\": [{\"path\": \"/a/files/*\", \"corrupt\": true}]}");
    char sha[65];
    int64_t size;
    srv_file(&S, "a", "foo-1.0-py3-none-any.whl", sha, &size);
    http_t *h = client(NULL);
    http_download_t d;
    download(h, "/a/files/foo-1.0-py3-none-any.whl", "foo-1.0-py3-none-any.whl", sha, size, &d);
    cr_assert_not_null(d.err);
    cr_assert(strstr(d.err->msg, "hash mismatch"), "%s", d.err->msg);
    char *l = dl_listing();
    cr_assert_str_eq(l, "");
    free(l);
    http_download_clear(&d);
    http_free(h);
}

Test(http, connection_reset_mid_body_is_retried)
{
    srv_start(&S, WHEELS, NULL);
    srv_write_config(&S, "{\"faults\": [{\"path\": \"/a/files/foo-1.0-py3-none-any.whl\", "
                         "\"reset_after\": 100, \"times\": 2}]}");
    char sha[65];
    int64_t size;
    srv_file(&S, "a", "foo-1.0-py3-none-any.whl", sha, &size);
    http_config_t c = fast_cfg();
    http_t *h = client(&c);
    http_download_t d;
    download(h, "/a/files/foo-1.0-py3-none-any.whl", "foo-1.0-py3-none-any.whl", sha, size, &d);
    cr_assert_null(d.err, "%s", d.err ? d.err->msg : "");
    cr_assert_eq(srv_count(&S, "/a/files/foo-1.0-py3-none-any.whl", -1), 3);
    http_download_clear(&d);
    assert_no_partial_files();
    http_free(h);
}

Test(http, connection_reset_every_time_fails_clean)
{
    srv_start(&S, WHEELS, NULL);
    srv_write_config(&S, "{\"faults\": [{\"path\": \"/a/files/foo-1.0-py3-none-any.whl\", "
                         "\"reset_after\": 100}]}");
    char sha[65];
    srv_file(&S, "a", "foo-1.0-py3-none-any.whl", sha, NULL);
    http_config_t c = fast_cfg();
    c.retries = 1;
    http_t *h = client(&c);
    http_download_t d;
    download(h, "/a/files/foo-1.0-py3-none-any.whl", "foo-1.0-py3-none-any.whl", NULL, -1, &d);
    cr_assert_not_null(d.err);
    cr_assert(strstr(d.err->msg, "(after 2 attempts)"), "%s", d.err->msg);
    cr_assert_null(d.path);
    char *l = dl_listing();
    cr_assert_str_eq(l, "", "no partial file: %s", l);
    free(l);
    http_download_clear(&d);
    http_free(h);
}

Test(http, slow_server_times_out)
{
    srv_start(&S, WHEELS, NULL);
    srv_write_config(&S, "{\"faults\": [{\"path\": \"/a/files/foo-1.0-py3-none-any.whl\", "
                         "\"stall\": 20}]}");
    http_config_t c = fast_cfg();
    c.low_speed_time_s = 1;
    c.retries = 0;
    http_t *h = client(&c);
    http_download_t d;
    time_t t0 = time(NULL);
    download(h, "/a/files/foo-1.0-py3-none-any.whl", "foo-1.0-py3-none-any.whl", NULL, -1, &d);
    /* the server stalls 20 s: well before that, even on a loaded machine (an ASan build, the
     * suite's other workers), means the 1 s low-speed timeout fired */
    cr_assert_lt(time(NULL) - t0, 12, "the low-speed timeout did not fire");
    cr_assert_not_null(d.err);
    cr_assert(strstr(d.err->msg, "nothing received for 1 s (timed out)"), "%s", d.err->msg);
    cr_assert_not_null(d.err->hint);
    cr_assert(strstr(d.err->hint, "VENVSYNC_HTTP_TIMEOUT"));
    char *l = dl_listing();
    cr_assert_str_eq(l, "");
    free(l);
    http_download_clear(&d);
    http_free(h);
}

Test(http, wrong_content_length_fails_clean)
{
    char sha[65];
    int64_t size;
    start_with_foo(sha, &size);
    /* longer than the body: the connection closes early (truncated) */
    char *cfg = xasprintf("{\"faults\": [{\"path\": \"/a/files/foo-1.0-py3-none-any.whl\", "
                          "\"content_length\": %lld}]}", (long long)size + 50);
    srv_write_config(&S, cfg);
    free(cfg);
    http_config_t c = fast_cfg();
    c.retries = 1;
    http_t *h = client(&c);
    http_download_t d;
    download(h, "/a/files/foo-1.0-py3-none-any.whl", "foo-1.0-py3-none-any.whl", NULL, -1, &d);
    cr_assert_not_null(d.err);
    cr_assert_null(d.path);
    http_download_clear(&d);
    char *l = dl_listing();
    cr_assert_str_eq(l, "");
    free(l);
    /* shorter than the body: the index's size (or hash) catches it */
    cfg = xasprintf("{\"faults\": [{\"path\": \"/a/files/foo-1.0-py3-none-any.whl\", "
                    "\"content_length\": %lld}]}", (long long)size - 10);
    srv_write_config(&S, cfg);
    free(cfg);
    download(h, "/a/files/foo-1.0-py3-none-any.whl", "foo-1.0-py3-none-any.whl", NULL, size, &d);
    cr_assert_not_null(d.err);
    cr_assert(strstr(d.err->msg, "but the index says the file has"), "%s", d.err->msg);
    http_download_clear(&d);
    download(h, "/a/files/foo-1.0-py3-none-any.whl", "foo-1.0-py3-none-any.whl", sha, -1, &d);
    cr_assert_not_null(d.err);
    cr_assert(strstr(d.err->msg, "hash mismatch"), "%s", d.err->msg);
    http_download_clear(&d);
    l = dl_listing();
    cr_assert_str_eq(l, "");
    free(l);
    http_free(h);
}

Test(http, page_cache_revalidates_with_etag)
{
    srv_start(&S, WHEELS, NULL);
    http_t *h = client(NULL);
    http_page_req_t r;
    get_page(h, "/a/simple/foo/", SIMPLE_ACCEPT, &r);
    cr_assert_eq(r.source, HTTP_FROM_NETWORK);
    char *first = xstrdup(buf_cstr(&r.body));
    http_page_req_clear(&r);
    http_free(h);
    /* a new client (a new run) revalidates: 304, same body */
    h = client(NULL);
    get_page(h, "/a/simple/foo/", SIMPLE_ACCEPT, &r);
    cr_assert_null(r.err);
    cr_assert_eq(r.status, 200);
    cr_assert_eq(r.source, HTTP_FROM_REVALIDATED);
    cr_assert_str_eq(buf_cstr(&r.body), first);
    cr_assert_str_eq(r.content_type, "application/vnd.pypi.simple.v1+json");
    cr_assert_eq(srv_count(&S, "/a/simple/foo/", 304), 1);
    char *log = srv_log(&S);
    cr_assert(strstr(log, "\"if_none_match\": \"\\\""), "no If-None-Match sent: %s", log);
    free(log);
    http_page_req_clear(&r);
    /* the Accept header is part of the key: HTML is another entry */
    get_page(h, "/a/simple/foo/", "text/html", &r);
    cr_assert_eq(r.source, HTTP_FROM_NETWORK);
    http_page_req_clear(&r);
    free(first);
    http_free(h);
}

/* The inode of the one cached page, 0 when there is none or more than one. */
static ino_t cached_page_inode(void)
{
    char *d = path_join(S.cache, HTTP_PAGES_SUBDIR);
    char **names = NULL;
    err_free(fs_list_dir(d, &names));
    ino_t ino = 0;
    if (names && names[0] && !names[1]) {
        char *p = path_join(d, names[0]);
        struct stat st;
        if (stat(p, &st) == 0)
            ino = st.st_ino;
        free(p);
    }
    strv_free(names);
    free(d);
    return ino;
}

Test(http, a_304_rewrites_the_cached_page_only_when_it_learns_something)
{
    srv_start(&S, WHEELS, NULL);
    http_t *h = client(NULL);
    http_page_req_t r;
    get_page(h, "/a/simple/foo/", SIMPLE_ACCEPT, &r);
    http_page_req_clear(&r);
    http_free(h);
    ino_t first = cached_page_inode();
    cr_assert_neq(first, 0);
    /* no max-age, same validators: the 304 leaves the file as it is (no new file per run) */
    h = client(NULL);
    get_page(h, "/a/simple/foo/", SIMPLE_ACCEPT, &r);
    cr_assert_eq(r.source, HTTP_FROM_REVALIDATED);
    http_page_req_clear(&r);
    http_free(h);
    cr_assert_eq(cached_page_inode(), first, "rewritten although nothing changed");
    /* a 304 that brings a freshness lifetime is stored: the next look needs no request */
    srv_write_config(&S, "{\"cache_control\": \"max-age=600\"}");
    h = client(NULL);
    get_page(h, "/a/simple/foo/", SIMPLE_ACCEPT, &r);
    cr_assert_eq(r.source, HTTP_FROM_REVALIDATED);
    http_page_req_clear(&r);
    cr_assert_neq(cached_page_inode(), first, "the max-age was not stored");
    get_page(h, "/a/simple/foo/", SIMPLE_ACCEPT, &r);
    cr_assert_eq(r.source, HTTP_FROM_CACHE);
    cr_assert_eq(srv_count(&S, "/a/simple/foo/", 304), 2);
    http_page_req_clear(&r);
    http_free(h);
}

Test(http, fresh_pages_need_no_request)
{
    srv_start(&S, WHEELS, NULL);
    srv_write_config(&S, "{\"cache_control\": \"max-age=600, public\"}");
    http_t *h = client(NULL);
    http_page_req_t r;
    get_page(h, "/a/simple/foo/", SIMPLE_ACCEPT, &r);
    cr_assert_eq(r.source, HTTP_FROM_NETWORK);
    http_page_req_clear(&r);
    get_page(h, "/a/simple/foo/", SIMPLE_ACCEPT, &r);
    cr_assert_eq(r.source, HTTP_FROM_CACHE);
    cr_assert_eq(r.status, 200);
    cr_assert_eq(srv_count(&S, "/a/simple/foo/", -1), 1);
    http_page_req_clear(&r);
    /* unless revalidation is asked for */
    memset(&r, 0, sizeof r);
    char *u = url_of("/a/simple/foo/");
    r.url = u;
    r.accept = SIMPLE_ACCEPT;
    r.revalidate = true;
    cr_assert_null(http_get_pages(h, &r, 1));
    cr_assert_eq(r.source, HTTP_FROM_REVALIDATED);
    cr_assert_eq(srv_count(&S, "/a/simple/foo/", 304), 1);
    free(u);
    http_page_req_clear(&r);
    /* no-store: never kept */
    srv_write_config(&S, "{\"cache_control\": \"no-store\"}");
    get_page(h, "/a/simple/bar/", SIMPLE_ACCEPT, &r);
    http_page_req_clear(&r);
    get_page(h, "/a/simple/bar/", SIMPLE_ACCEPT, &r);
    cr_assert_eq(r.source, HTTP_FROM_NETWORK);
    cr_assert_eq(srv_count(&S, "/a/simple/bar/", 200), 2);
    http_page_req_clear(&r);
    http_free(h);
}

Test(http, offline_uses_only_the_cache_and_lists_what_is_missing)
{
    char sha[65];
    int64_t size;
    start_with_foo(sha, &size);
    http_t *h = client(NULL);
    http_page_req_t r;
    get_page(h, "/a/simple/foo/", SIMPLE_ACCEPT, &r);
    http_page_req_clear(&r);
    http_download_t d;
    download(h, "/a/files/foo-1.0-py3-none-any.whl", "foo-1.0-py3-none-any.whl", sha, size, &d);
    http_download_clear(&d);
    http_free(h);
    int before = srv_count(&S, "/a/simple/foo/", -1) + srv_count(&S, "/a/simple/bar/", -1);

    http_config_t c;
    http_config_defaults(&c);
    c.offline = true;
    h = client(&c);
    http_page_req_t rs[2];
    memset(rs, 0, sizeof rs);
    char *u1 = url_of("/a/simple/foo/"), *u2 = url_of("/a/simple/bar/");
    rs[0].url = u1;
    rs[1].url = u2;
    rs[0].accept = rs[1].accept = SIMPLE_ACCEPT;
    err_t *e = http_get_pages(h, rs, 2);
    cr_assert_not_null(e);
    cr_assert(strstr(e->msg, "offline: 1 index page is not in the cache:"), "%s", e->msg);
    cr_assert(strstr(e->msg, u2), "%s", e->msg);
    cr_assert_null(strstr(e->msg, u1));
    err_free(e);
    cr_assert_eq(rs[0].status, 200);
    cr_assert_eq(rs[0].source, HTTP_FROM_OFFLINE);
    cr_assert_not_null(rs[1].err);
    http_page_req_clear(&rs[0]);
    http_page_req_clear(&rs[1]);

    http_download_t ds[3];
    memset(ds, 0, sizeof ds);
    char *f1 = url_of("/a/files/foo-1.0-py3-none-any.whl");
    char *f2 = url_of("/a/files/bar-2.0-py3-none-any.whl");
    char *f3 = url_of("/b/files/foo-9.0-py3-none-any.whl");
    ds[0] = (http_download_t){.url = f1, .filename = "foo-1.0-py3-none-any.whl", .sha256 = sha, .size = size};
    ds[1] = (http_download_t){.url = f2, .filename = "bar-2.0-py3-none-any.whl", .size = -1};
    ds[2] = (http_download_t){.url = f3, .filename = "foo-9.0-py3-none-any.whl", .size = -1};
    e = http_download_all(h, ds, 3);
    cr_assert_not_null(e);
    cr_assert(strstr(e->msg, "offline: 2 files are not in the cache:"), "%s", e->msg);
    cr_assert(strstr(e->msg, "bar-2.0-py3-none-any.whl (") && strstr(e->msg, "foo-9.0-py3-none-any.whl ("),
              "%s", e->msg);
    err_free(e);
    cr_assert(ds[0].from_cache);
    cr_assert_null(ds[0].err);
    cr_assert_not_null(ds[1].err);
    for (int i = 0; i < 3; i++)
        http_download_clear(&ds[i]);
    cr_assert_eq(srv_count(&S, "/a/simple/foo/", -1) + srv_count(&S, "/a/simple/bar/", -1), before,
                 "offline made a request");
    free(u1);
    free(u2);
    free(f1);
    free(f2);
    free(f3);
    http_free(h);
}

/* Credentials: 401 without them; with URL credentials or a netrc the request passes; the
 * password never shows in any message. */
static const char *AUTH_CFG = "{\"auth\": {\"alice\": \"hunter2-secret\"}}";

Test(http, unauthorized_without_credentials)
{
    srv_start(&S, WHEELS, NULL);
    srv_write_config(&S, AUTH_CFG);
    http_t *h = client(NULL);
    http_page_req_t r;
    get_page(h, "/a/simple/foo/", SIMPLE_ACCEPT, &r);
    cr_assert_not_null(r.err);
    cr_assert(strstr(r.err->msg, "HTTP 401 Unauthorized"), "%s", r.err->msg);
    cr_assert(strstr(r.err->hint, "needs credentials"), "%s", r.err->hint);
    cr_assert(strstr(r.err->hint, "netrc"));
    cr_assert_eq(srv_count(&S, "/a/simple/foo/", 401), 1, "401 is not retried");
    http_page_req_clear(&r);
    http_free(h);
}

Test(http, url_credentials_work_and_stay_secret)
{
    srv_start(&S, WHEELS, NULL);
    srv_write_config(&S, AUTH_CFG);
    http_t *h = client(NULL);
    http_page_req_t r;
    memset(&r, 0, sizeof r);
    char *u = xasprintf("http://alice:hunter2-secret@127.0.0.1:%d/a/simple/foo/", S.port);
    r.url = u;
    r.accept = SIMPLE_ACCEPT;
    cr_assert_null(http_get_pages(h, &r, 1));
    cr_assert_null(r.err, "%s", r.err ? r.err->msg : "");
    cr_assert_eq(r.status, 200);
    cr_assert_null(strstr(r.final_url, "hunter2"), "final_url keeps no credentials");
    /* the file URL on the page has none either; the host's credentials are reused for it */
    simple_page_t *p = NULL;
    cr_assert_null(simple_parse(r.content_type, r.body.data, r.body.len, r.final_url, &p));
    http_download_t d = {.url = p->files[0].url, .filename = p->files[0].filename,
                         .sha256 = p->files[0].sha256, .size = p->files[0].size};
    cr_assert_null(http_download_all(h, &d, 1));
    cr_assert_null(d.err, "%s", d.err ? d.err->msg : "");
    http_download_clear(&d);
    simple_page_free(p);
    http_page_req_clear(&r);
    free(u);
    /* a wrong password: refused, and neither password appears in the message */
    u = xasprintf("http://alice:wrong-pass-xyz@127.0.0.1:%d/a/simple/bar/", S.port);
    memset(&r, 0, sizeof r);
    r.url = u;
    cr_assert_null(http_get_pages(h, &r, 1));
    cr_assert_not_null(r.err);
    cr_assert(strstr(r.err->msg, "HTTP 401"), "%s", r.err->msg);
    cr_assert(strstr(r.err->hint, "(user 'alice') were refused"), "%s", r.err->hint);
    cr_assert_null(strstr(r.err->msg, "wrong-pass-xyz"));
    cr_assert_null(strstr(r.err->hint, "wrong-pass-xyz"));
    cr_assert_null(strstr(r.err->msg, "hunter2"));
    char *scrubbed = http_scrub(h, "x wrong-pass-xyz y");
    cr_assert_str_eq(scrubbed, "x **** y");
    free(scrubbed);
    http_page_req_clear(&r);
    free(u);
    http_free(h);
}

Test(http, netrc_credentials)
{
    srv_start(&S, WHEELS, NULL);
    srv_write_config(&S, AUTH_CFG);
    char *netrc = path_join(S.dir, "netrc");
    cr_assert_null(fs_write_atomic(netrc, "machine other login x password y\n"
                                          "machine 127.0.0.1 login alice password hunter2-secret\n",
                                   strlen("machine other login x password y\n"
                                          "machine 127.0.0.1 login alice password hunter2-secret\n"),
                                   0600));
    http_config_t c;
    http_config_defaults(&c);
    c.netrc_path = netrc;
    http_t *h = client(&c);
    char *u = url_of("/a/simple/foo/");
    cr_assert(http_has_credentials(h, u));
    http_page_req_t r;
    get_page(h, "/a/simple/foo/", SIMPLE_ACCEPT, &r);
    cr_assert_null(r.err, "%s", r.err ? r.err->msg : "");
    cr_assert_eq(r.status, 200);
    char *log = srv_log(&S);
    /* Basic YWxpY2U6aHVudGVyMi1zZWNyZXQ= is alice:hunter2-secret */
    cr_assert(strstr(log, "Basic YWxpY2U6aHVudGVyMi1zZWNyZXQ="), "%s", log);
    free(log);
    http_page_req_clear(&r);
    free(u);
    free(netrc);
    http_free(h);
}

static int progress_calls, progress_final;
static http_progress_t last_progress;

static void on_progress(void *ctx, const http_progress_t *p)
{
    (void)ctx;
    progress_calls++;
    progress_final += p->finished;
    last_progress = *p;
}

Test(http, parallel_downloads_with_progress)
{
    const char *const many[] = {"a:p0:1.0", "a:p1:1.0", "a:p2:1.0", "a:p3:1.0", "a:p4:1.0",
                                "a:p5:1.0", "a:p6:1.0", "a:p7:1.0", NULL};
    srv_start(&S, many, NULL);
    srv_write_config(&S, "{\"faults\": [{\"path\": \"/a/files/*\", \"delay\": 0.6}]}");
    http_config_t c = fast_cfg();
    c.progress = on_progress;
    http_t *h = client(&c);
    http_download_t d[8];
    char *urls[8], *names[8], shas[8][65];
    int64_t sizes[8], total = 0;
    for (int i = 0; i < 8; i++) {
        names[i] = xasprintf("p%d-1.0-py3-none-any.whl", i);
        urls[i] = xasprintf("%s/a/files/%s", S.base, names[i]);
        srv_file(&S, "a", names[i], shas[i], &sizes[i]);
        total += sizes[i];
        d[i] = (http_download_t){.url = urls[i], .filename = names[i], .sha256 = shas[i],
                                 .size = sizes[i]};
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    cr_assert_null(http_download_all(h, d, 8));
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    for (int i = 0; i < 8; i++) {
        cr_assert_null(d[i].err, "%s", d[i].err ? d[i].err->msg : "");
        http_download_clear(&d[i]);
        free(urls[i]);
        free(names[i]);
    }
    cr_assert_lt(secs, 2.5, "8 downloads of 0.6 s each took %.2f s: not parallel", secs);
    cr_assert_eq(progress_final, 1);
    cr_assert(last_progress.finished);
    cr_assert_eq(last_progress.files_done, 8);
    cr_assert_eq(last_progress.files_total, 8);
    cr_assert_eq((int64_t)last_progress.bytes_done, total);
    cr_assert_eq((int64_t)last_progress.bytes_total, total);
    assert_no_partial_files();
    http_free(h);
}

Test(http, connections_are_reused)
{
    srv_start(&S, WHEELS, NULL);
    http_t *h = client(NULL);
    http_page_req_t r;
    get_page(h, "/a/simple/foo/", SIMPLE_ACCEPT, &r);
    http_page_req_clear(&r);
    get_page(h, "/a/simple/bar/", SIMPLE_ACCEPT, &r);
    http_page_req_clear(&r);
    get_page(h, "/b/simple/foo/", SIMPLE_ACCEPT, &r);
    http_page_req_clear(&r);
    char *log = srv_log(&S);
    char *ports[3] = {0};
    int n = 0;
    for (char *p = strstr(log, "\"client_port\": "); p && n < 3; p = strstr(p + 1, "\"client_port\": "))
        ports[n++] = xstrndup(p + 15, strcspn(p + 15, ","));
    cr_assert_eq(n, 3);
    cr_assert_str_eq(ports[0], ports[1], "a second connection was opened: %s", log);
    cr_assert_str_eq(ports[1], ports[2]);
    for (int i = 0; i < n; i++)
        free(ports[i]);
    free(log);
    http_free(h);
}

Test(http, connection_refused_fails_with_hint)
{
    srv_start(&S, WHEELS, NULL);
    int port = S.port;
    kill(S.pid, SIGTERM);
    waitpid(S.pid, NULL, 0);
    S.pid = 0;
    http_config_t c = fast_cfg();
    c.retries = 1;
    http_t *h = client(&c);
    http_page_req_t r = {0};
    char *u = xasprintf("http://127.0.0.1:%d/a/simple/foo/", port);
    r.url = u;
    cr_assert_null(http_get_pages(h, &r, 1));
    cr_assert_not_null(r.err);
    cr_assert(strstr(r.err->msg, "(after 2 attempts)"), "%s", r.err->msg);
    cr_assert_not_null(r.err->hint);
    http_page_req_clear(&r);
    free(u);
    http_free(h);
}

static void make_tls(const char *dir)
{
    char *cmd = xasprintf(
        "cd '%s' && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
        "-keyout ca.key -out ca.pem -days 2 -subj /CN=venvsync-test-ca >/dev/null 2>&1 && "
        "openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout srv.key "
        "-out srv.csr -subj /CN=127.0.0.1 >/dev/null 2>&1 && "
        "printf 'subjectAltName=IP:127.0.0.1\\n' > ext.cnf && "
        "openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out srv.pem "
        "-days 2 -extfile ext.cnf >/dev/null 2>&1", dir);
    cr_assert_eq(system(cmd), 0, "openssl failed");
    free(cmd);
}

Test(http, tls_verifies_against_the_given_ca)
{
    char t[] = "/tmp/venvsync-tls-XXXXXX";
    cr_assert_not_null(mkdtemp(t));
    make_tls(t);
    char *cert = path_join(t, "srv.pem"), *key = path_join(t, "srv.key"), *ca = path_join(t, "ca.pem");
    const char *extra[] = {"--tls-cert", cert, "--tls-key", key, NULL};
    srv_start(&S, WHEELS, extra);
    cr_assert(strncmp(S.base, "https://", 8) == 0);
    /* untrusted without the CA */
    http_config_t c = fast_cfg();
    c.retries = 0;
    http_t *h = client(&c);
    http_page_req_t r;
    get_page(h, "/a/simple/foo/", SIMPLE_ACCEPT, &r);
    cr_assert_not_null(r.err);
    cr_assert(strstr(r.err->hint, "VENVSYNC_CA_BUNDLE"), "%s / %s", r.err->msg,
              r.err->hint ? r.err->hint : "");
    http_page_req_clear(&r);
    http_free(h);
    /* trusted with it, through the environment variable (this test runs in its own process) */
    c = fast_cfg();
    config_t env_cfg = {.ca_bundle = ca};
    cr_assert_null(http_config_apply(&c, &env_cfg));
    cr_assert_str_eq(c.ca_bundle, ca);
    h = client(&c);
    get_page(h, "/a/simple/foo/", SIMPLE_ACCEPT, &r);
    cr_assert_null(r.err, "%s", r.err ? r.err->msg : "");
    cr_assert_eq(r.status, 200);
    http_page_req_clear(&r);
    char sha[65];
    int64_t size;
    srv_file(&S, "a", "foo-1.0-py3-none-any.whl", sha, &size);
    http_download_t d;
    download(h, "/a/files/foo-1.0-py3-none-any.whl", "foo-1.0-py3-none-any.whl", sha, size, &d);
    cr_assert_null(d.err, "%s", d.err ? d.err->msg : "");
    http_download_clear(&d);
    http_free(h);
    err_free(fs_rmtree(t));
    free(cert);
    free(key);
    free(ca);
}

Test(http, config_applied_from_config_t)
{
    http_config_t c;
    http_config_defaults(&c);
    cr_assert_eq(c.concurrency, 8);
    config_t none = {0};
    cr_assert_null(http_config_apply(&c, &none));
    cr_assert_eq(c.concurrency, 8, "unset settings keep their defaults");
    cr_assert_eq(c.retries, 3);
    cr_assert_null(c.netrc_path);
    config_t cfg = {.concurrency = "3", .http_timeout = "5", .connect_timeout = "1.5",
                    .http_retries = "0", .ca_bundle = "/etc/x.pem", .netrc = "/n", .offline = true};
    cr_assert_null(http_config_apply(&c, &cfg));
    cr_assert_eq(c.concurrency, 3);
    cr_assert_eq(c.low_speed_time_s, 5);
    cr_assert_eq(c.connect_timeout_ms, 1500);
    cr_assert_eq(c.retries, 0);
    cr_assert_str_eq(c.ca_bundle, "/etc/x.pem");
    cr_assert_str_eq(c.netrc_path, "/n");
    cr_assert(c.offline);
    config_t bad = {.concurrency = "lots", .http_retries = "-1"};
    http_config_defaults(&c);
    err_t *e = http_config_apply(&c, &bad);
    cr_assert_not_null(e);
    cr_assert(strstr(e->msg, "VENVSYNC_CONCURRENCY=lots"), "%s", e->msg);
    cr_assert_not_null(e->next);
    cr_assert(strstr(e->next->msg, "VENVSYNC_HTTP_RETRIES=-1"));
    cr_assert_eq(e->exit_code, EXIT_USAGE);
    err_free(e);
}

/* ---- on_done: each file is handed over as soon as it is stored ------------------------- */

typedef struct done_log {
    http_download_t *all;          /* the batch */
    int calls[3];                  /* per file */
    bool slow_pending_at_fast;     /* the slow file was not done when the fast one was */
    char *taken;                   /* the fast file's path, taken over by the callback */
} done_log_t;

static void on_done(void *ctx, http_download_t *d)
{
    done_log_t *log = ctx;
    int i = (int)(d - log->all);
    log->calls[i]++;
    cr_assert_not_null(d->path, "the outputs are filled when on_done runs");
    cr_assert_eq(strlen(d->sha256_out), 64);
    if (i == 0) {
        log->slow_pending_at_fast = log->all[1].path == NULL;
        if (!d->from_cache) {
            log->taken = d->path; /* the callback may take the path */
            d->path = NULL;
        }
    }
}

Test(http, on_done_hands_each_file_over_as_it_is_stored)
{
    srv_start(&S, WHEELS, NULL);
    srv_write_config(&S, "{\"faults\": [{\"path\": \"/a/files/bar-2.0-py3-none-any.whl\", "
                         "\"delay\": 1.0}]}");
    http_config_t c = fast_cfg();
    c.retries = 0;
    http_t *h = client(&c);
    const char *names[3] = {"foo-1.0-py3-none-any.whl", "bar-2.0-py3-none-any.whl",
                            "gone-1.0-py3-none-any.whl"};
    char *urls[3];
    http_download_t d[3];
    done_log_t log = {.all = d};
    for (int i = 0; i < 3; i++) {
        urls[i] = xasprintf("%s/a/files/%s", S.base, names[i]);
        d[i] = (http_download_t){.url = urls[i], .filename = names[i], .size = -1,
                                 .on_done = on_done, .on_done_ctx = &log};
    }
    cr_assert_null(http_download_all(h, d, 3));
    cr_assert_eq(log.calls[0], 1);
    cr_assert_eq(log.calls[1], 1);
    cr_assert_eq(log.calls[2], 0, "a failed download is not handed over");
    cr_assert_not_null(d[2].err);
    cr_assert(log.slow_pending_at_fast, "the fast file came while the slow one transferred");
    cr_assert_null(d[0].path, "taken by the callback");
    cr_assert_not_null(log.taken);
    cr_assert(fs_exists(log.taken));
    free(log.taken);
    for (int i = 0; i < 3; i++)
        http_download_clear(&d[i]);
    /* again: both come from the cache, and are handed over too */
    memset(&log, 0, sizeof log);
    log.all = d;
    srv_write_config(&S, "{}");
    for (int i = 0; i < 2; i++)
        d[i] = (http_download_t){.url = urls[i], .filename = names[i], .size = -1,
                                 .on_done = on_done, .on_done_ctx = &log};
    cr_assert_null(http_download_all(h, d, 2));
    cr_assert_eq(log.calls[0], 1);
    cr_assert_eq(log.calls[1], 1);
    cr_assert(d[0].from_cache && d[1].from_cache);
    for (int i = 0; i < 2; i++)
        http_download_clear(&d[i]);
    for (int i = 0; i < 3; i++)
        free(urls[i]);
    http_free(h);
}

Test(http, a_torn_cached_download_is_fetched_again)
{
    /* Downloads are not flushed: a crash can leave a file with its final name but other bytes.
     * Its name is its sha256, so the next run notices, removes it and downloads it again. */
    char sha[65];
    int64_t size;
    start_with_foo(sha, &size);
    http_t *h = client(NULL);
    http_download_t d;
    download(h, "/a/files/foo-1.0-py3-none-any.whl", "foo-1.0-py3-none-any.whl", sha, size, &d);
    cr_assert_null(d.err);
    char *path = xstrdup(d.path);
    http_download_clear(&d);
    /* torn: same size, zeroes where the data was */
    FILE *f = fopen(path, "r+b");
    cr_assert_not_null(f);
    for (int64_t i = 0; i < size / 2; i++)
        fputc(0, f);
    fclose(f);
    download(h, "/a/files/foo-1.0-py3-none-any.whl", "foo-1.0-py3-none-any.whl", sha, size, &d);
    cr_assert_null(d.err, "%s", d.err ? d.err->msg : "");
    cr_assert_not(d.from_cache, "a torn file is not a cache hit");
    cr_assert_eq(srv_count(&S, "/a/files/foo-1.0-py3-none-any.whl", -1), 2);
    char hex[65];
    cr_assert_null(sha256_file_hex(d.path, hex));
    cr_assert_str_eq(hex, sha, "the file is whole again");
    http_download_clear(&d);
    free(path);
    assert_no_partial_files();
    http_free(h);
}
