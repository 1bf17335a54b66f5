/* Unit tests for util/jsonread: the strict RFC 8259 reader. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/json.h"
#include "util/jsonread.h"
#include "util/xalloc.h"

static jr_doc_t *ok(const char *text)
{
    jr_doc_t *d = NULL;
    err_t *e = jr_parse(text, strlen(text), NULL, &d);
    cr_assert_null(e, "%s: %s", text, e ? e->msg : "");
    cr_assert_not_null(d);
    return d;
}

/* Parsing text must fail with a message containing want. */
static void bad(const char *text, size_t len, const char *want)
{
    jr_doc_t *d = (jr_doc_t *)1;
    err_t *e = jr_parse(text, len, NULL, &d);
    cr_assert_not_null(e, "accepted: %.*s", (int)len, text);
    cr_assert_null(d);
    cr_assert(strstr(e->msg, want), "%.*s: got '%s', want '%s'", (int)len, text, e->msg, want);
    cr_assert_eq(e->exit_code, EXIT_USAGE);
    err_free(e);
}

#define BAD(text, want) bad(text, sizeof(text) - 1, want)

TestSuite(jsonread);

Test(jsonread, scalars_at_top_level)
{
    jr_doc_t *d = ok(" true ");
    cr_assert(jr_is(jr_doc_root(d), JR_BOOL));
    cr_assert(jr_doc_root(d)->u.b);
    jr_doc_free(d);
    d = ok("null");
    cr_assert(jr_is(jr_doc_root(d), JR_NULL));
    jr_doc_free(d);
    d = ok("\"x\"");
    cr_assert_str_eq(jr_str(jr_doc_root(d)), "x");
    jr_doc_free(d);
    d = ok("\t\r\n-0.5e+3\n");
    double x;
    cr_assert(jr_double(jr_doc_root(d), &x));
    cr_assert_float_eq(x, -500.0, 1e-9);
    cr_assert_str_eq(jr_doc_root(d)->u.s, "-0.5e+3");
    int64_t i;
    cr_assert_not(jr_int64(jr_doc_root(d), &i), "a fraction is not an integer");
    jr_doc_free(d);
}

Test(jsonread, pep691_page_shape)
{
    const char *t =
        "{\"meta\": {\"api-version\": \"1.1\"}, \"name\": \"foo\",\n"
        " \"files\": [\n"
        "  {\"filename\": \"foo-1.0-py3-none-any.whl\", \"url\": \"../../files/foo-1.0-py3-none-any.whl\",\n"
        "   \"hashes\": {\"sha256\": \"ab\"}, \"requires-python\": \">=3.8\", \"yanked\": false,\n"
        "   \"size\": 12345, \"core-metadata\": {\"sha256\": \"cd\"}},\n"
        "  {\"filename\": \"foo-0.9.tar.gz\", \"url\": \"x\", \"hashes\": {}, \"yanked\": \"bad\"}\n"
        " ], \"versions\": [\"0.9\", \"1.0\"]}";
    jr_doc_t *d = ok(t);
    const jr_value_t *r = jr_doc_root(d);
    cr_assert_str_eq(jr_str(jr_get(jr_get(r, "meta"), "api-version")), "1.1");
    const jr_value_t *files = jr_get(r, "files");
    cr_assert(jr_is(files, JR_ARRAY));
    cr_assert_eq(files->len, 2);
    const jr_value_t *f0 = jr_at(files, 0);
    cr_assert_str_eq(jr_str(jr_get(f0, "filename")), "foo-1.0-py3-none-any.whl");
    cr_assert_str_eq(jr_str(jr_get(jr_get(f0, "hashes"), "sha256")), "ab");
    int64_t size = 0;
    cr_assert(jr_int64(jr_get(f0, "size"), &size));
    cr_assert_eq(size, 12345);
    cr_assert(jr_is(jr_get(f0, "yanked"), JR_BOOL));
    cr_assert_not(jr_get(f0, "yanked")->u.b);
    cr_assert_str_eq(jr_str(jr_get(jr_at(files, 1), "yanked")), "bad");
    cr_assert_eq(jr_get(jr_at(files, 1), "hashes")->len, 0);
    cr_assert_null(jr_at(files, 2));
    cr_assert_null(jr_get(f0, "nope"));
    cr_assert_null(jr_get(files, "filename"), "an array has no members");
    cr_assert_null(jr_str(jr_get(f0, "size")), "a number is not a string");
    cr_assert_str_eq(jr_type_name(jr_get(f0, "size")), "number");
    cr_assert_str_eq(jr_type_name(NULL), "missing");
    jr_doc_free(d);
}

Test(jsonread, duplicate_keys_last_wins)
{
    jr_doc_t *d = ok("{\"a\": 1, \"b\": 2, \"a\": 3}");
    int64_t v;
    cr_assert(jr_int64(jr_get(jr_doc_root(d), "a"), &v));
    cr_assert_eq(v, 3);
    cr_assert_eq(jr_doc_root(d)->len, 3);
    jr_doc_free(d);
}

Test(jsonread, string_escapes_and_unicode)
{
    jr_doc_t *d = ok("[\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\", \"\\u00e9\\u20AC\\ud83d\\ude00\", "
                     "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\", \"nul\\u0000in\"]");
    const jr_value_t *r = jr_doc_root(d);
    cr_assert_str_eq(jr_str(jr_at(r, 0)), "a\"b\\c/d\b\f\n\r\t");
    cr_assert_str_eq(jr_str(jr_at(r, 1)), "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
    cr_assert_eq(jr_at(r, 1)->len, 9);
    cr_assert_str_eq(jr_str(jr_at(r, 2)), "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
    cr_assert_eq(jr_at(r, 3)->len, 6);
    cr_assert_eq(memcmp(jr_str(jr_at(r, 3)), "nul\0in", 7), 0);
    jr_doc_free(d);
    /* a key with escapes is found by its decoded form */
    d = ok("{\"re\\u0071uires-python\": \">=3\"}");
    cr_assert_str_eq(jr_str(jr_get(jr_doc_root(d), "requires-python")), ">=3");
    jr_doc_free(d);
}

Test(jsonread, numbers)
{
    jr_doc_t *d = ok("[0, -0, 9223372036854775807, -9223372036854775808, 9223372036854775808, "
                     "1E2, 1e-2, 12.50]");
    const jr_value_t *r = jr_doc_root(d);
    int64_t v;
    cr_assert(jr_int64(jr_at(r, 0), &v) && v == 0);
    cr_assert(jr_int64(jr_at(r, 1), &v) && v == 0);
    cr_assert(jr_int64(jr_at(r, 2), &v) && v == INT64_MAX);
    cr_assert(jr_int64(jr_at(r, 3), &v) && v == INT64_MIN);
    cr_assert_not(jr_int64(jr_at(r, 4), &v), "overflow is not an int64");
    cr_assert_not(jr_int64(jr_at(r, 5), &v), "exponent form is not an integer literal");
    double x;
    cr_assert(jr_double(jr_at(r, 5), &x) && x == 100.0);
    cr_assert(jr_double(jr_at(r, 6), &x) && fabs(x - 0.01) < 1e-12);
    cr_assert(jr_double(jr_at(r, 7), &x) && x == 12.5);
    cr_assert_str_eq(jr_at(r, 7)->u.s, "12.50");
    cr_assert_not(jr_double(jr_at(r, 8), &x));
    jr_doc_free(d);
}

Test(jsonread, rejects_what_rfc8259_rejects)
{
    BAD("", "expected a value");
    BAD("   ", "expected a value");
    BAD("[1,]", "trailing comma in array");
    BAD("{\"a\":1,}", "trailing comma in object");
    BAD("{'a':1}", "expected a string key");
    BAD("{a:1}", "expected a string key");
    BAD("[1 2]", "expected ',' or ']'");
    BAD("{\"a\" 1}", "expected ':'");
    BAD("{\"a\":1 \"b\":2}", "expected ',' or '}'");
    BAD("[1", "unterminated array");
    BAD("{\"a\":1", "unterminated object");
    BAD("\"abc", "unterminated string");
    BAD("\"a\\\"", "unterminated string");
    BAD("01", "leading zero");
    BAD("-", "invalid number");
    BAD("+1", "expected a value");
    BAD("1.", "digit expected after '.'");
    BAD(".5", "expected a value");
    BAD("1e", "digit expected in exponent");
    BAD("0x10", "unexpected data after the value");
    BAD("NaN", "expected a value");
    BAD("Infinity", "expected a value");
    BAD("nul", "invalid literal");
    BAD("tru", "invalid literal");
    BAD("True", "expected a value");
    BAD("[] []", "unexpected data after the value");
    BAD("/* c */ 1", "expected a value");
    BAD("[1] // c", "unexpected data after the value");
    BAD("\"tab\there\"", "control character");
    BAD("\"nl\nhere\"", "control character");
    BAD("\"\\x41\"", "invalid escape");
    BAD("\"\\u12G4\"", "bad hex digit");
    BAD("\"\\u12\"", "\\u escape");
    BAD("\"\\ud800\"", "high surrogate not followed by a low one");
    BAD("\"\\ud800\\u0041\"", "high surrogate not followed by a low one");
    BAD("\"\\udc00\"", "lone low surrogate");
    BAD("\"\xc3\"", "invalid UTF-8");                 /* truncated sequence */
    BAD("\"\xc0\xaf\"", "invalid UTF-8");             /* overlong '/' */
    BAD("\"\xe0\x80\xaf\"", "invalid UTF-8");         /* overlong 3-byte */
    BAD("\"\xed\xa0\x80\"", "invalid UTF-8");         /* encoded surrogate */
    BAD("\"\xf4\x90\x80\x80\"", "invalid UTF-8");     /* above U+10FFFF */
    BAD("\"\xff\"", "invalid UTF-8");
    BAD("\"\x80\"", "invalid UTF-8");
    BAD("\xef\xbb\xbf{}", "byte order mark");
    bad("[1,\0 2]", 7, "expected a value");
    bad("\"a\0b\"", 5, "control character");
}

Test(jsonread, error_positions_are_line_and_column)
{
    jr_doc_t *d = NULL;
    const char *t = "{\n  \"a\": [1,\n        2,]\n}";
    err_t *e = jr_parse(t, strlen(t), NULL, &d);
    cr_assert_not_null(e);
    cr_assert_str_eq(e->msg, "JSON: line 3, column 11: trailing comma in array");
    err_free(e);
}

Test(jsonread, depth_limit)
{
    buf_t b = BUF_INIT;
    for (int i = 0; i < 100; i++)
        buf_addc(&b, '[');
    for (int i = 0; i < 100; i++)
        buf_addc(&b, ']');
    jr_doc_t *d = NULL;
    jr_limits_t lim = {.max_depth = 100};
    cr_assert_null(jr_parse(b.data, b.len, &lim, &d));
    jr_doc_free(d);
    lim.max_depth = 99;
    err_t *e = jr_parse(b.data, b.len, &lim, &d);
    cr_assert_not_null(e);
    cr_assert(strstr(e->msg, "nesting too deep"), "%s", e->msg);
    err_free(e);
    buf_reset(&b);
    /* the default keeps a hostile document from exhausting the stack */
    for (int i = 0; i < 1000000; i++)
        buf_addc(&b, '[');
    e = jr_parse(b.data, b.len, NULL, &d);
    cr_assert_not_null(e);
    cr_assert(strstr(e->msg, "nesting too deep"), "%s", e->msg);
    err_free(e);
    buf_free(&b);
}

/* Round trip through the project's writer: what json.h writes, jsonread reads back. */
Test(jsonread, reads_what_the_writer_writes)
{
    buf_t b = BUF_INIT;
    json_t j;
    json_init(&j, &b);
    json_obj(&j);
    json_kstr(&j, "s", "quote\" back\\ nl\n ctl\x01 utf8 \xc3\xa9");
    json_kint(&j, "n", -42);
    json_kbool(&j, "t", true);
    json_key(&j, "arr");
    json_arr(&j);
    for (int i = 0; i < 1000; i++)
        json_int(&j, i);
    json_end(&j);
    json_key(&j, "z");
    json_null(&j);
    json_end(&j);
    jr_doc_t *d = ok(buf_cstr(&b));
    const jr_value_t *r = jr_doc_root(d);
    cr_assert_str_eq(jr_str(jr_get(r, "s")), "quote\" back\\ nl\n ctl\x01 utf8 \xc3\xa9");
    int64_t v;
    cr_assert(jr_int64(jr_get(r, "n"), &v) && v == -42);
    cr_assert(jr_get(r, "t")->u.b);
    cr_assert_eq(jr_get(r, "arr")->len, 1000);
    cr_assert(jr_int64(jr_at(jr_get(r, "arr"), 999), &v) && v == 999);
    cr_assert(jr_is(jr_get(r, "z"), JR_NULL));
    jr_doc_free(d);
    buf_free(&b);
}

/* A large document (strings bigger than an arena block, many members) parses intact. */
Test(jsonread, large_documents)
{
    buf_t b = BUF_INIT;
    buf_adds(&b, "{\"big\": \"");
    for (int i = 0; i < 200000; i++)
        buf_addc(&b, (char)('a' + i % 26));
    buf_adds(&b, "\\n\", \"files\": [");
    for (int i = 0; i < 20000; i++)
        buf_printf(&b, "%s{\"filename\": \"f-%d.whl\", \"size\": %d}", i ? "," : "", i, i);
    buf_adds(&b, "]}");
    jr_doc_t *d = ok(b.data);
    const jr_value_t *r = jr_doc_root(d);
    cr_assert_eq(jr_get(r, "big")->len, 200001);
    cr_assert_eq(jr_str(jr_get(r, "big"))[200000], '\n');
    cr_assert_eq(jr_get(r, "files")->len, 20000);
    cr_assert_str_eq(jr_str(jr_get(jr_at(jr_get(r, "files"), 12345), "filename")), "f-12345.whl");
    jr_doc_free(d);
    buf_free(&b);
}
