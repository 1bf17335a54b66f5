/* Unit tests for index/simple: PEP 503 HTML and PEP 691 JSON index pages. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "index/simple.h"

TestSuite(simple);

#define H64A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define H64B "0123456789abcdef0123456789ABCDEF0123456789abcdef0123456789ABCDEF"
#define H64B_LOW "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static simple_page_t *parse_ok(const char *ct, const char *body, const char *url)
{
    simple_page_t *p = NULL;
    err_t *e = simple_parse(ct, body, strlen(body), url, &p);
    cr_assert_null(e, "%s", e ? e->msg : "");
    cr_assert_not_null(p);
    return p;
}

static char *parse_err(const char *ct, const char *body)
{
    simple_page_t *p = (simple_page_t *)1;
    err_t *e = simple_parse(ct, body, strlen(body), "https://h/simple/foo/", &p);
    cr_assert_not_null(e, "accepted: %s", body);
    cr_assert_null(p);
    cr_assert_eq(e->exit_code, EXIT_APPLY);
    char *m = strdup(e->msg);
    err_free(e);
    return m;
}

Test(simple, content_types)
{
    cr_assert_eq(simple_format_of("application/vnd.pypi.simple.v1+json"), SIMPLE_FMT_JSON);
    cr_assert_eq(simple_format_of(" Application/VND.pypi.simple.latest+json ; q=1"),
                 SIMPLE_FMT_JSON);
    cr_assert_eq(simple_format_of("application/vnd.pypi.simple.v1+html"), SIMPLE_FMT_HTML);
    cr_assert_eq(simple_format_of("text/html; charset=utf-8"), SIMPLE_FMT_HTML);
    cr_assert_eq(simple_format_of("application/json"), SIMPLE_FMT_UNKNOWN);
    cr_assert_eq(simple_format_of("text/plain"), SIMPLE_FMT_UNKNOWN);
    cr_assert_eq(simple_format_of(NULL), SIMPLE_FMT_UNKNOWN);
    char *m = parse_err("application/json", "{}");
    cr_assert(strstr(m, "unexpected Content-Type 'application/json'"), "%s", m);
    free(m);
    cr_assert(strstr(SIMPLE_ACCEPT, "application/vnd.pypi.simple.v1+json, "));
    cr_assert(strstr(SIMPLE_ACCEPT, "text/html; q=0.01"));
}

Test(simple, html_unescape)
{
    struct { const char *in, *want; } t[] = {
        {"&gt;=3.8, &lt;4", ">=3.8, <4"},
        {"a&amp;b &quot;c&quot; &apos;d&#39; &#x27;e&#X27;", "a&b \"c\" 'd' 'e'"},
        {"&gt=3&amp", ">=3&"},                 /* legacy forms without ';' */
        {"&unknown; & &; &#; &#x;", "&unknown; & &; &#; &#x;"},
        {"&#233;&#x20AC;&#128512;", "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"},
        {"&#0;&#xD800;&#x110000;&#99999999999;", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},
        {"&nbsp;", "\xc2\xa0"},
        {"&aposx", "&aposx"},                 /* apos has no legacy form */
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        char *s = simple_html_unescape(t[i].in, strlen(t[i].in));
        cr_expect_str_eq(s, t[i].want, "%s -> %s", t[i].in, s);
        free(s);
    }
}

Test(simple, html_pypi_style_page)
{
    const char *body =
        "<!DOCTYPE html>\n<html>\n  <head>\n"
        "    <meta name=\"pypi:repository-version\" content=\"1.1\">\n"
        "    <title>Links for foo</title>\n  </head>\n  <body>\n"
        "    <h1>Links for foo</h1>\n"
        "    <a href=\"../../files/foo-1.0-py3-none-any.whl#sha256=" H64B "\" "
        "data-requires-python=\"&gt;=3.8\" data-dist-info-metadata=\"sha256=" H64A "\" "
        "data-core-metadata=\"sha256=" H64A "\">foo-1.0-py3-none-any.whl</a><br />\n"
        "    <a href=\"https://files.example/p/foo-0.9.tar.gz\" data-yanked=\"\">foo-0.9.tar.gz</a><br />\n"
        "    <a href=\"foo%2Blocal-0.8-py3-none-any.whl\" data-yanked=\"broken &amp; bad\">x</a>\n"
        "    <a data-yanked href='/abs/foo-0.7-py2.py3-none-any.whl#md5=00'>foo-0.7</a>\n"
        "    <A HREF=foo-0.6-py3-none-any.whl DATA-REQUIRES-PYTHON=&lt;4>foo-0.6</A>\n"
        "    <a>no href</a> <a href=\"\">empty href</a>\n"
        "  </body>\n</html>\n";
    simple_page_t *p = parse_ok("text/html", body, "https://idx.example/simple/foo/");
    cr_assert_eq(p->format, SIMPLE_FMT_HTML);
    cr_assert_eq(p->api_major, 1);
    cr_assert_eq(p->api_minor, 1);
    cr_assert_eq(p->nwarnings, 0);
    cr_assert_eq(p->n, 5);
    simple_file_t *f = &p->files[0];
    cr_assert_str_eq(f->filename, "foo-1.0-py3-none-any.whl");
    cr_assert_str_eq(f->url, "https://idx.example/files/foo-1.0-py3-none-any.whl");
    cr_assert_str_eq(f->sha256, H64B_LOW);
    cr_assert_str_eq(f->requires_python, ">=3.8");
    cr_assert_not(f->yanked);
    cr_assert(f->core_metadata);
    cr_assert_str_eq(f->metadata_sha256, H64A);
    cr_assert_eq(f->size, -1);
    f = &p->files[1];
    cr_assert_str_eq(f->filename, "foo-0.9.tar.gz");
    cr_assert_str_eq(f->url, "https://files.example/p/foo-0.9.tar.gz");
    cr_assert_str_eq(f->sha256, "");
    cr_assert(f->yanked, "data-yanked=\"\" means yanked");
    cr_assert_null(f->yanked_reason);
    cr_assert_null(f->requires_python);
    f = &p->files[2];
    cr_assert_str_eq(f->filename, "foo+local-0.8-py3-none-any.whl", "from the URL, decoded");
    cr_assert_str_eq(f->url, "https://idx.example/simple/foo/foo%2Blocal-0.8-py3-none-any.whl");
    cr_assert_str_eq(f->yanked_reason, "broken & bad");
    f = &p->files[3];
    cr_assert(f->yanked, "a valueless data-yanked means yanked (the spec, not pip)");
    cr_assert_str_eq(f->url, "https://idx.example/abs/foo-0.7-py2.py3-none-any.whl");
    cr_assert_str_eq(f->sha256, "", "md5 is ignored");
    f = &p->files[4];
    cr_assert_str_eq(f->filename, "foo-0.6-py3-none-any.whl");
    cr_assert_str_eq(f->requires_python, "<4");
    simple_page_free(p);
}

Test(simple, html_base_comments_scripts)
{
    const char *body =
        "<html><head><base href=\"/mirror/pkgs/\"><base href=\"/ignored/\"></head><body>\n"
        "<!-- <a href=\"commented-1.0-py3-none-any.whl\">c</a> -->\n"
        "<script>var s = '<a href=\"script-1.0-py3-none-any.whl\">s</a>';</script>\n"
        "<style>a { x: '<a href=\"style.whl\">' }</style>\n"
        "<p>text <b>bold</b> &lt;a href=\"escaped.whl\"&gt;</p>\n"
        "<a href=\"foo-1.0-py3-none-any.whl\" data-core-metadata=\"true\">foo</a>\n"
        "<a href=\"dir/\">  foo-2.0-py3-none-any.whl </a>\n"
        "<a href=\"q.whl?x=1\" data-dist-info-metadata=\"false\">q</a>\n"
        "</body></html>";
    simple_page_t *p = parse_ok("application/vnd.pypi.simple.v1+html; charset=utf-8", body,
                                "https://u:secret@h.example/simple/foo/");
    cr_assert_eq(p->n, 3);
    cr_assert_str_eq(p->files[0].url, "https://u:secret@h.example/mirror/pkgs/foo-1.0-py3-none-any.whl");
    cr_assert(p->files[0].core_metadata);
    cr_assert_str_eq(p->files[0].metadata_sha256, "");
    cr_assert_str_eq(p->files[1].filename, "foo-2.0-py3-none-any.whl", "URL ends in '/': the text");
    cr_assert_str_eq(p->files[2].filename, "q.whl");
    cr_assert_str_eq(p->files[2].url, "https://u:secret@h.example/mirror/pkgs/q.whl?x=1");
    cr_assert_not(p->files[2].core_metadata);
    cr_assert_eq(p->api_minor, 0, "no meta: version 1.0");
    simple_page_free(p);
}

Test(simple, html_versions)
{
    simple_page_t *p = parse_ok("text/html",
                                "<meta name=\"pypi:repository-version\" content=\"1.9\">"
                                "<a href=\"a-1.0-py3-none-any.whl\">a</a>",
                                "https://h/simple/a/");
    cr_assert_eq(p->nwarnings, 1);
    cr_assert(strstr(p->warnings[0], "repository version 1.9 is newer"), "%s", p->warnings[0]);
    cr_assert_eq(p->n, 1);
    simple_page_free(p);
    char *m = parse_err("text/html", "<meta name=\"pypi:repository-version\" content=\"2.0\">");
    cr_assert(strstr(m, "repository version 2.0 is not supported"), "%s", m);
    free(m);
    m = parse_err("text/html", "<meta name=\"pypi:repository-version\" content=\"one\">");
    cr_assert(strstr(m, "malformed repository version 'one'"), "%s", m);
    free(m);
}

Test(simple, html_malformed_hash_is_flagged)
{
    simple_page_t *p = parse_ok("text/html", "<a href=\"a-1.0-py3-none-any.whl#sha256=abc\">a</a>",
                                "https://h/simple/a/");
    cr_assert(p->files[0].hash_malformed);
    cr_assert_str_eq(p->files[0].sha256, "");
    cr_assert_eq(p->nwarnings, 1);
    cr_assert(strstr(p->warnings[0], "malformed sha256 'abc'"));
    simple_page_free(p);
}

Test(simple, html_garbage_does_not_crash)
{
    const char *inputs[] = {"", "<", "<a", "<a href", "<a href=", "<a href=\"x", "<!--", "<a href=x>",
                            "<<<>>>", "<a href='y'><a href='z'>", "<script>", "&#", "<meta"};
    for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
        simple_page_t *p = NULL;
        err_t *e = simple_parse_html(inputs[i], strlen(inputs[i]), "https://h/s/", &p);
        cr_assert_null(e);
        simple_page_free(p);
    }
    simple_page_t *p = parse_ok("text/html", "<a href='y'><a href='z'>", "https://h/s/");
    cr_assert_eq(p->n, 2);
    simple_page_free(p);
}

Test(simple, json_page)
{
    const char *body =
        "{\"meta\": {\"api-version\": \"1.1\", \"_last-serial\": 5}, \"name\": \"foo\",\n"
        " \"versions\": [\"0.9\", \"1.0\"], \"files\": [\n"
        "  {\"filename\": \"foo-1.0-py3-none-any.whl\", \"url\": \"../../files/foo-1.0-py3-none-any.whl\",\n"
        "   \"hashes\": {\"sha256\": \"" H64B "\", \"md5\": \"00\"}, \"requires-python\": \">=3.8\",\n"
        "   \"core-metadata\": {\"sha256\": \"" H64A "\"}, \"yanked\": false, \"size\": 1234,\n"
        "   \"upload-time\": \"2024-01-01T00:00:00Z\", \"future-key\": [1, {}]},\n"
        "  {\"filename\": \"foo-0.9-py3-none-any.whl\", \"url\": \"https://f.example/foo-0.9-py3-none-any.whl#sha256=" H64A "\",\n"
        "   \"hashes\": {}, \"requires-python\": null, \"yanked\": \"security\", \"dist-info-metadata\": true},\n"
        "  {\"filename\": \"foo-0.8-py3-none-any.whl\", \"url\": \"foo-0.8-py3-none-any.whl\", \"hashes\": {},\n"
        "   \"yanked\": true, \"core-metadata\": false, \"dist-info-metadata\": true}\n"
        " ]}";
    simple_page_t *p = parse_ok("application/vnd.pypi.simple.v1+json", body,
                                "https://idx.example/simple/foo/");
    cr_assert_eq(p->format, SIMPLE_FMT_JSON);
    cr_assert_str_eq(p->name, "foo");
    cr_assert_eq(p->api_minor, 1);
    cr_assert_eq(p->n, 3);
    simple_file_t *f = &p->files[0];
    cr_assert_str_eq(f->url, "https://idx.example/files/foo-1.0-py3-none-any.whl");
    cr_assert_str_eq(f->sha256, H64B_LOW);
    cr_assert_str_eq(f->requires_python, ">=3.8");
    cr_assert(f->core_metadata);
    cr_assert_str_eq(f->metadata_sha256, H64A);
    cr_assert_not(f->yanked);
    cr_assert_eq(f->size, 1234);
    f = &p->files[1];
    cr_assert_str_eq(f->url, "https://f.example/foo-0.9-py3-none-any.whl", "fragment dropped");
    cr_assert_str_eq(f->sha256, "", "JSON hashes come from 'hashes' only");
    cr_assert_null(f->requires_python);
    cr_assert(f->yanked);
    cr_assert_str_eq(f->yanked_reason, "security");
    cr_assert(f->core_metadata, "legacy dist-info-metadata");
    f = &p->files[2];
    cr_assert_str_eq(f->url, "https://idx.example/simple/foo/foo-0.8-py3-none-any.whl");
    cr_assert(f->yanked);
    cr_assert_null(f->yanked_reason);
    cr_assert_not(f->core_metadata, "core-metadata wins over the legacy key");
    cr_assert_eq(f->size, -1);
    simple_page_free(p);
}

Test(simple, json_errors)
{
    struct { const char *body, *want; } t[] = {
        {"[]", "JSON array, not an object"},
        {"{\"files\": []}", "meta.api-version is missing"},
        {"{\"meta\": {\"api-version\": \"2.0\"}, \"files\": []}", "repository version 2.0 is not supported"},
        {"{\"meta\": {\"api-version\": \"1.0\"}}", "'files' must be an array"},
        {"{\"meta\": {\"api-version\": \"1.0\"}, \"files\": [1]}", "files[0] is a number"},
        {"{\"meta\": {\"api-version\": \"1.0\"}, \"files\": [{\"url\": \"x\"}]}", "files[0]: 'filename'"},
        {"{\"meta\": {\"api-version\": \"1.0\"}, \"files\": [{\"filename\": \"a.whl\"}]}", "files[0] (a.whl): 'url'"},
        {"{\"meta\": {\"api-version\": \"1.0\"}, \"files\": [{\"filename\": \"a.whl\", \"url\": \"a.whl\", \"hashes\": []}]}", "'hashes' must be an object"},
        {"{\"meta\": {\"api-version\": \"1.0\"}, \"files\": [{\"filename\": \"a.whl\", \"url\": \"a.whl\", \"hashes\": {\"sha256\": 1}}]}", "hashes.sha256 must be a string"},
        {"{\"meta\": {\"api-version\": \"1.0\"}, \"files\": [{\"filename\": \"a.whl\", \"url\": \"a.whl\", \"yanked\": 1}]}", "'yanked' must be"},
        {"{\"meta\": {\"api-version\": \"1.0\"}, \"files\": [{\"filename\": \"a.whl\", \"url\": \"a.whl\", \"size\": -1}]}", "'size' must be a non-negative integer"},
        {"{\"meta\": {\"api-version\": \"1.0\"}, \"files\": [{\"filename\": \"a.whl\", \"url\": \"a.whl\", \"size\": 1.5}]}", "'size' must be"},
        {"{\"meta\": {\"api-version\": \"1.0\"}, \"files\": [{\"filename\": \"a.whl\", \"url\": \"a.whl\", \"requires-python\": 3}]}", "'requires-python' must be"},
        {"{\"meta\": {\"api-version\": \"1.0\"}, \"files\": [{\"filename\": \"a.whl\", \"url\": \"a.whl\", \"core-metadata\": \"yes\"}]}", "'core-metadata' must be"},
        {"{\"meta\": {\"api-version\": \"1.0\"}, \"files\": [],}", "JSON: line 1, column"},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        char *m = parse_err("application/vnd.pypi.simple.v1+json", t[i].body);
        cr_expect(strstr(m, t[i].want), "%s: got '%s', want '%s'", t[i].body, m, t[i].want);
        free(m);
    }
}

Test(simple, json_newer_minor_warns)
{
    simple_page_t *p = parse_ok("application/vnd.pypi.simple.v1+json",
                                "{\"meta\": {\"api-version\": \"1.99\"}, \"name\": \"a\", \"files\": []}",
                                "https://h/simple/a/");
    cr_assert_eq(p->nwarnings, 1);
    cr_assert(strstr(p->warnings[0], "1.99"));
    cr_assert_eq(p->n, 0);
    simple_page_free(p);
}
