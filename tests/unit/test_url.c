/* Unit tests for index/url: RFC 3986 resolution, redaction, credentials, keys. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "util/url.h"

TestSuite(url);

static void check_resolve(const char *base, const char *ref, const char *want)
{
    char *got = url_resolve(base, ref);
    cr_expect_str_eq(got, want, "resolve(%s, %s) = %s, want %s", base, ref, got, want);
    free(got);
}

/* RFC 3986 §5.4.1 and §5.4.2, verbatim. */
Test(url, rfc3986_examples)
{
    const char *b = "http://a/b/c/d;p?q";
    const char *t[][2] = {
        {"g:h", "g:h"}, {"g", "http://a/b/c/g"}, {"./g", "http://a/b/c/g"},
        {"g/", "http://a/b/c/g/"}, {"/g", "http://a/g"}, {"//g", "http://g"},
        {"?y", "http://a/b/c/d;p?y"}, {"g?y", "http://a/b/c/g?y"}, {"#s", "http://a/b/c/d;p?q#s"},
        {"g#s", "http://a/b/c/g#s"}, {"g?y#s", "http://a/b/c/g?y#s"}, {";x", "http://a/b/c/;x"},
        {"g;x", "http://a/b/c/g;x"}, {"g;x?y#s", "http://a/b/c/g;x?y#s"}, {"", "http://a/b/c/d;p?q"},
        {".", "http://a/b/c/"}, {"./", "http://a/b/c/"}, {"..", "http://a/b/"},
        {"../", "http://a/b/"}, {"../g", "http://a/b/g"}, {"../..", "http://a/"},
        {"../../", "http://a/"}, {"../../g", "http://a/g"},
        /* abnormal */
        {"../../../g", "http://a/g"}, {"../../../../g", "http://a/g"}, {"/./g", "http://a/g"},
        {"/../g", "http://a/g"}, {"g.", "http://a/b/c/g."}, {".g", "http://a/b/c/.g"},
        {"g..", "http://a/b/c/g.."}, {"..g", "http://a/b/c/..g"}, {"./../g", "http://a/b/g"},
        {"./g/.", "http://a/b/c/g/"}, {"g/./h", "http://a/b/c/g/h"}, {"g/../h", "http://a/b/c/h"},
        {"g;x=1/./y", "http://a/b/c/g;x=1/y"}, {"g;x=1/../y", "http://a/b/c/y"},
        {"g?y/./x", "http://a/b/c/g?y/./x"}, {"g?y/../x", "http://a/b/c/g?y/../x"},
        {"g#s/./x", "http://a/b/c/g#s/./x"}, {"g#s/../x", "http://a/b/c/g#s/../x"},
        {"http:g", "http:g"},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        check_resolve(b, t[i][0], t[i][1]);
}

Test(url, index_page_links)
{
    check_resolve("https://pypi.org/simple/foo/", "../../packages/ab/foo-1.0.whl#sha256=00",
                  "https://pypi.org/packages/ab/foo-1.0.whl#sha256=00");
    check_resolve("https://h:8080/simple/foo/", "foo-1.0-py3-none-any.whl",
                  "https://h:8080/simple/foo/foo-1.0-py3-none-any.whl");
    check_resolve("https://h/simple/foo/", "  /files/x.whl \n", "https://h/files/x.whl");
    check_resolve("https://u:p@h/simple/foo/", "x.whl", "https://u:p@h/simple/foo/x.whl");
    check_resolve("https://h", "x.whl", "https://h/x.whl");
    check_resolve("file:///srv/idx/foo/", "../f/x.whl", "file:///srv/idx/f/x.whl");
    check_resolve("https://h/simple/foo/", "https://files.example/x.whl",
                  "https://files.example/x.whl");
}

Test(url, split_parts)
{
    url_parts_t p;
    const char *u = "https://us%40er:p%3Ass@Host.Example:8443/a/b?x=1#sha256=ff";
    url_split(u, &p);
    cr_assert(p.has_scheme && p.has_authority && p.has_userinfo && p.has_port);
    cr_assert_eq(strncmp(u + p.host.off, "Host.Example", p.host.len), 0);
    cr_assert_eq(p.host.len, strlen("Host.Example"));
    cr_assert_eq(strncmp(u + p.port.off, "8443", p.port.len), 0);
    cr_assert_eq(strncmp(u + p.path.off, "/a/b", p.path.len), 0);
    cr_assert_eq(strncmp(u + p.query.off, "x=1", p.query.len), 0);
    cr_assert_eq(strncmp(u + p.fragment.off, "sha256=ff", p.fragment.len), 0);
    url_split("https://[::1]:99/x", &p);
    cr_assert(p.has_port);
    cr_assert_eq(p.host.len, 5);
    url_split("https://[::1]/x", &p);
    cr_assert_not(p.has_port);
    cr_assert_eq(p.host.len, 5);
}

Test(url, redaction_hides_secrets)
{
    struct { const char *in, *want; } t[] = {
        {"https://user:s3cret@h/simple", "https://user:****@h/simple"},
        {"https://tok3n@h/simple", "https://****@h/simple"},
        {"https://h/simple", "https://h/simple"},
        {"https://a:b@c@h/x", "https://a:****@h/x"},
        {"https://h/x?u=a:b@c", "https://h/x?u=a:b@c"},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        char *r = url_redact(t[i].in);
        cr_expect_str_eq(r, t[i].want);
        cr_expect_null(strstr(r, "s3cret"));
        cr_expect_null(strstr(r, "tok3n"));
        free(r);
    }
}

Test(url, credentials_are_stripped_and_decoded)
{
    char *user, *pass;
    char *u = url_strip_credentials("https://us%40er:p%3Ass@h:1/x", &user, &pass);
    cr_assert_str_eq(u, "https://h:1/x");
    cr_assert_str_eq(user, "us@er");
    cr_assert_str_eq(pass, "p:ss");
    free(u);
    free(user);
    free(pass);
    u = url_strip_credentials("https://token@h/x", &user, &pass);
    cr_assert_str_eq(u, "https://h/x");
    cr_assert_str_eq(user, "token");
    cr_assert_null(pass);
    free(u);
    free(user);
    u = url_strip_credentials("https://h/x", &user, &pass);
    cr_assert_str_eq(u, "https://h/x");
    cr_assert_null(user);
    free(u);
}

Test(url, host_keys)
{
    char *a = url_host_key("https://H.example/x"), *b = url_host_key("https://u:p@h.EXAMPLE:443/");
    cr_assert_str_eq(a, "h.example:443");
    cr_assert_str_eq(b, "h.example:443");
    free(a);
    free(b);
    a = url_host_key("http://h/");
    cr_assert_str_eq(a, "h:80");
    free(a);
    a = url_host_key("http://127.0.0.1:8080/simple");
    cr_assert_str_eq(a, "127.0.0.1:8080");
    free(a);
    cr_assert_null(url_host_key("file:/x"));
}

Test(url, small_helpers)
{
    char *s = url_basename("https://h/a/foo%2Bbar-1.0-py3-none-any.whl?x=1#sha256=00");
    cr_assert_str_eq(s, "foo+bar-1.0-py3-none-any.whl");
    free(s);
    s = url_basename("https://h/a/");
    cr_assert_str_eq(s, "");
    free(s);
    s = url_fragment_param("https://h/x.whl#md5=1&sha256=AbC", "sha256");
    cr_assert_str_eq(s, "AbC");
    free(s);
    cr_assert_null(url_fragment_param("https://h/x.whl#sha2567=1", "sha256"));
    cr_assert_null(url_fragment_param("https://h/x.whl", "sha256"));
    s = url_without_fragment("https://h/x.whl#sha256=1");
    cr_assert_str_eq(s, "https://h/x.whl");
    free(s);
    s = url_decode("a%2x%41%", 8, false);
    cr_assert_str_eq(s, "a%2xA%");
    free(s);
    s = url_project("https://h/simple///", "foo-bar");
    cr_assert_str_eq(s, "https://h/simple/foo-bar/");
    free(s);
    cr_assert(url_is_http("HTTPS://x") && url_is_http("http://x") && !url_is_http("file:///x"));
    cr_assert(url_is_file("FILE:///x"));
}

Test(url, decode_strict_and_nul)
{
    char *s = url_decode("a%2Fb", 5, false);
    cr_assert_str_eq(s, "a/b");
    free(s);
    cr_assert_null(url_decode("a%2Fb", 5, true), "an encoded '/' is not part of a file name");
    cr_assert_null(url_decode("a%2x", 4, true), "strict refuses a malformed escape");
    cr_assert_null(url_decode("a%00b", 5, false), "an encoded NUL is always refused");
    cr_assert_null(url_basename("https://h/a/x%00.whl"));
    s = url_basename("https://h/a/foo%2Bbar-1.0.whl?x#y");
    cr_assert_str_eq(s, "foo+bar-1.0.whl");
    free(s);
}

Test(url, file_urls_round_trip)
{
    const char *paths[] = {"/a b/c+d~e_f-1.0.whl", "/x/%41/\xc3\xa9", "/q'\"$`", NULL};
    for (size_t i = 0; paths[i]; i++) {
        char *u = url_from_path(paths[i]), *why = NULL;
        cr_assert(strncmp(u, "file:///", 8) == 0, "%s", u);
        cr_assert_null(strpbrk(u + 7, " '\"$`+"), "unsafe byte left unescaped in %s", u);
        char *p = url_to_path(u, NULL, &why);
        cr_assert_not_null(p, "%s: %s", u, why);
        cr_assert_str_eq(p, paths[i]);
        free(p);
        free(u);
    }
    char *why = NULL;
    char *p = url_to_path("file://localhost/x/../y", NULL, &why);
    cr_assert_str_eq(p, "/y");
    free(p);
    p = url_to_path("file:rel/w.whl?q#f", "/base", &why);
    cr_assert_str_eq(p, "/base/rel/w.whl");
    free(p);
    cr_assert_null(url_to_path("file://server/share", NULL, &why));
    cr_assert(strstr(why, "server"), "%s", why);
    free(why);
    cr_assert_null(url_to_path("file:///a%00b", NULL, &why));
    free(why);
    cr_assert_null(url_to_path("https://h/x", NULL, &why));
    free(why);
}
