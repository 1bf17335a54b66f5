/* Unit tests for util/toml: the strict TOML 1.0 reader, its DOM and accessors, the builder and
 * the writer. */
#include <criterion/criterion.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/buf.h"
#include "util/toml.h"
#include "util/utf8.h"
#include "util/xalloc.h"

static toml_doc_t *okn(const char *text, size_t len)
{
    toml_doc_t *d = NULL;
    err_t *e = toml_parse(text, len, "t.toml", NULL, &d);
    cr_assert_null(e, "%.*s: %s", (int)len, text, e ? e->msg : "");
    cr_assert_not_null(d);
    return d;
}

static toml_doc_t *ok(const char *text)
{
    return okn(text, strlen(text));
}

/* Parsing text must fail with exactly the message want ("t.toml:L:C: ..."). */
static void badn(const char *text, size_t len, const char *want)
{
    toml_doc_t *d = (toml_doc_t *)1;
    err_t *e = toml_parse(text, len, "t.toml", NULL, &d);
    cr_assert_not_null(e, "accepted: %.*s", (int)len, text);
    cr_assert_null(d);
    cr_assert_str_eq(e->msg, want, "%.*s\ngot:  %s\nwant: %s", (int)len, text, e->msg, want);
    cr_assert_eq(e->exit_code, EXIT_USAGE);
    err_free(e);
}

#define BAD(text, want) badn(text, sizeof(text) - 1, want)

/* The string at path in a one-document parse. */
static void str_is(const char *text, const char *path, const char *want, size_t wlen)
{
    toml_doc_t *d = ok(text);
    size_t n = 99;
    const char *s = toml_str(toml_get_path(toml_doc_root(d), path), &n);
    cr_assert_not_null(s, "%s: no string at %s", text, path);
    cr_assert_eq(n, wlen, "%s: length %zu, want %zu", text, n, wlen);
    cr_assert(memcmp(s, want, wlen) == 0 && s[n] == '\0', "%s: got '%s'", text, s);
    toml_doc_free(d);
}

#define STR_IS(text, path, want) str_is(text, path, want, sizeof(want) - 1)

static int64_t int_of(const char *text)
{
    toml_doc_t *d = ok(text);
    int64_t i = 12345;
    cr_assert(toml_int(toml_get(toml_doc_root(d), "a"), &i), "%s: not an integer", text);
    toml_doc_free(d);
    return i;
}

static double float_of(const char *text)
{
    toml_doc_t *d = ok(text);
    double f = 12345;
    cr_assert(toml_float(toml_get(toml_doc_root(d), "a"), &f), "%s: not a float", text);
    toml_doc_free(d);
    return f;
}

static void datetime_is(const char *text, toml_type_t type, const char *want)
{
    toml_doc_t *d = ok(text);
    const toml_value_t *v = toml_get(toml_doc_root(d), "a");
    cr_assert_eq(toml_type(v), type, "%s: %s", text, toml_type_name(v));
    cr_assert_str_eq(toml_datetime(v), want, "%s", text);
    cr_assert_null(toml_str(v, NULL));
    toml_doc_free(d);
}

static char *written(const toml_doc_t *d)
{
    buf_t b = BUF_INIT;
    err_t *e = toml_write(d, &b);
    cr_assert_null(e, "%s", e ? e->msg : "");
    return buf_detach(&b);
}

TestSuite(toml);

/* ---- strings -------------------------------------------------------------------------------- */

Test(toml, basic_string_escapes)
{
    STR_IS("a = \"x\\b\\t\\n\\f\\r\\\"\\\\y\"", "a", "x\b\t\n\f\r\"\\y");
    STR_IS("a = \"\\u00E9\\u4E2D\\U0001F600\\U0010FFFF\"", "a", "é中😀\xF4\x8F\xBF\xBF");
    STR_IS("a = \"\\u0041\\U00000042\"", "a", "AB");
    STR_IS("a = \"tab\there\"", "a", "tab\there");
    STR_IS("a = \"é中😀\"", "a", "é中😀");
    STR_IS("a = \"\"", "a", "");
    STR_IS("a = \"#not a comment\" # a comment", "a", "#not a comment");
}

Test(toml, nul_escape_keeps_length)
{
    STR_IS("a = \"x\\u0000y\"", "a", "x\0y");
    toml_doc_t *d = ok("\"k\\u0000z\" = 1\nk = 2");
    const toml_value_t *r = toml_doc_root(d);
    int64_t i;
    cr_assert(toml_int(toml_getn(r, "k\0z", 3), &i) && i == 1);
    cr_assert(toml_int(toml_get(r, "k"), &i) && i == 2, "the NUL key is not 'k'");
    const char *k;
    size_t kl;
    toml_entry(r, 0, &k, &kl);
    cr_assert_eq(kl, 3);
    cr_assert(memcmp(k, "k\0z", 4) == 0);
    toml_doc_free(d);
}

Test(toml, invalid_escapes)
{
    BAD("a = \"\\x41\"", "t.toml:1:6: invalid escape sequence '\\x'");
    BAD("a = \"\\e\"", "t.toml:1:6: invalid escape sequence '\\e'");
    BAD("a = \"ab\\ \"", "t.toml:1:8: invalid escape sequence");
    BAD("a = \"\\u00\"", "t.toml:1:10: \\u escape needs 4 hexadecimal digits");
    BAD("a = \"\\U0000123\"", "t.toml:1:15: \\U escape needs 8 hexadecimal digits");
    BAD("a = \"\\uD800\"", "t.toml:1:6: escape \\uD800 is not a Unicode scalar value");
    BAD("a = \"\\uDFFF\"", "t.toml:1:6: escape \\uDFFF is not a Unicode scalar value");
    BAD("a = \"\\U00110000\"", "t.toml:1:6: escape \\U00110000 is not a Unicode scalar value");
    BAD("a = \"\\UFFFFFFFF\"", "t.toml:1:6: escape \\UFFFFFFFF is not a Unicode scalar value");
    BAD("a = \"x\\", "t.toml:1:5: unterminated string");
}

Test(toml, control_characters_in_strings)
{
    BAD("a = \"a\x01" "b\"", "t.toml:1:7: control character U+0001 in a string (must be escaped)");
    BAD("a = \"a\x7f\"", "t.toml:1:7: control character U+007F in a string (must be escaped)");
    BAD("a = 'a\x1f'", "t.toml:1:7: control character U+001F in a string (must be escaped)");
    BAD("a = \"\"\"a\x0b\"\"\"", "t.toml:1:9: control character U+000B in a string (must be "
                                 "escaped)");
    BAD("a = '''\x7f'''", "t.toml:1:8: control character U+007F in a string (must be escaped)");
    badn("a = \"a\0\"", 8, "t.toml:1:7: control character U+0000 in a string (must be escaped)");
    BAD("a = \"a\rb\"", "t.toml:1:7: control character U+000D in a string (must be escaped)");
    BAD("a = \"\"\"a\rb\"\"\"", "t.toml:1:9: carriage return not followed by a line feed");
}

Test(toml, unterminated_strings)
{
    BAD("a = \"abc", "t.toml:1:5: unterminated string");
    BAD("a = \"abc\nb = 1", "t.toml:1:5: unterminated string (a newline before the closing "
                            "quote)");
    BAD("a = 'abc", "t.toml:1:5: unterminated string");
    BAD("a = 'a\r\n'", "t.toml:1:5: unterminated string (a newline before the closing quote)");
    BAD("x = 1\na = \"\"\"abc\n\n", "t.toml:2:5: unterminated string");
    BAD("a = '''abc''", "t.toml:1:5: unterminated string");
}

Test(toml, literal_strings)
{
    STR_IS("a = 'C:\\Users\\nodejs\\templates'", "a", "C:\\Users\\nodejs\\templates");
    STR_IS("a = 'Tom \"Dubs\" Preston-Werner'", "a", "Tom \"Dubs\" Preston-Werner");
    STR_IS("a = '<\\i\\c*\\s*>'", "a", "<\\i\\c*\\s*>");
    STR_IS("a = ''", "a", "");
    STR_IS("a = 'a\tb'", "a", "a\tb");
}

Test(toml, multiline_basic_strings)
{
    STR_IS("a = \"\"\"\nRoses are red\nViolets are blue\"\"\"", "a",
           "Roses are red\nViolets are blue");
    STR_IS("a = \"\"\"\r\nx\r\ny\"\"\"", "a", "x\ny");          /* CRLF read as LF */
    STR_IS("a = \"\"\"\n\nx\"\"\"", "a", "\nx");               /* only one newline trimmed */
    STR_IS("a = \"\"\"The quick brown \\\n\n\n  fox jumps over \\\n    the lazy dog.\"\"\"",
           "a", "The quick brown fox jumps over the lazy dog.");
    STR_IS("a = \"\"\"\\\n       The quick \\  \t\r\n   brown.\\\n       \"\"\"", "a",
           "The quick brown.");
    STR_IS("a = \"\"\"Here are two quotation marks: \"\". Simple.\"\"\"", "a",
           "Here are two quotation marks: \"\". Simple.");
    STR_IS("a = \"\"\"\"This,\" she said.\"\"\"\"", "a", "\"This,\" she said.\"");
    STR_IS("a = \"\"\"x\"\"\"\"\"", "a", "x\"\"");
    STR_IS("a = \"\"\"\"\"\"", "a", "");
    STR_IS("a = \"\"\"a\\tb\\u0041\"\"\"", "a", "a\tbA");
    BAD("a = \"\"\"x\"\"\"\"\"\"", "t.toml:1:14: unexpected '\"' (expected a new line)");
    BAD("a = \"\"\"\\ x\"\"\"", "t.toml:1:8: a backslash followed by whitespace must end the "
                                "line");
}

Test(toml, multiline_literal_strings)
{
    STR_IS("a = '''I [dw]on't need \\d{2} apples'''", "a", "I [dw]on't need \\d{2} apples");
    STR_IS("a = '''\nThe first newline is\ntrimmed.\n   Other whitespace stays.\n'''", "a",
           "The first newline is\ntrimmed.\n   Other whitespace stays.\n");
    STR_IS("a = ''''That,' she said.''''", "a", "'That,' she said.'");
    STR_IS("a = '''a\\\nb'''", "a", "a\\\nb");
    STR_IS("a = '''x\r\ny'''", "a", "x\ny");
    STR_IS("a = '''\"\"\"'''", "a", "\"\"\"");
    BAD("a = '''a'''''''", "t.toml:1:14: unexpected ''' (expected a new line)");
}

Test(toml, utf8_is_validated_everywhere)
{
    BAD("a = \"\x80\"", "t.toml:1:6: invalid UTF-8");
    BAD("a = \"\xC3\"", "t.toml:1:6: invalid UTF-8");
    BAD("a = \"\xC0\x80\"", "t.toml:1:6: invalid UTF-8");            /* overlong */
    BAD("a = \"\xE0\x80\xAF\"", "t.toml:1:6: invalid UTF-8");        /* overlong */
    BAD("a = \"\xED\xA0\x80\"", "t.toml:1:6: invalid UTF-8");        /* surrogate */
    BAD("a = \"\xF4\x90\x80\x80\"", "t.toml:1:6: invalid UTF-8");    /* > U+10FFFF */
    BAD("a = \"\xF5\x80\x80\x80\"", "t.toml:1:6: invalid UTF-8");
    BAD("a = 'é\xFF'", "t.toml:1:7: invalid UTF-8");
    BAD("a = '''\xE2\x82'''", "t.toml:1:8: invalid UTF-8");
    BAD("a = 1 # \xFE", "t.toml:1:9: invalid UTF-8");
    BAD("\xE2\x82\xAC = 1", "t.toml:1:1: unexpected non-ASCII character (expected a key)");
    BAD("\x80", "t.toml:1:1: invalid UTF-8");
    cr_assert(utf8_valid("é中😀", strlen("é中😀")));
    cr_assert_not(utf8_valid("\xED\xA0\x80", 3));
    cr_assert_not(utf8_valid("a\xC3", 2));
    cr_assert(utf8_valid("a\0b", 3));
}

/* ---- numbers -------------------------------------------------------------------------------- */

Test(toml, integers)
{
    cr_assert_eq(int_of("a = +99"), 99);
    cr_assert_eq(int_of("a = 42"), 42);
    cr_assert_eq(int_of("a = 0"), 0);
    cr_assert_eq(int_of("a = +0"), 0);
    cr_assert_eq(int_of("a = -0"), 0);
    cr_assert_eq(int_of("a = -17"), -17);
    cr_assert_eq(int_of("a = 5_349_221"), 5349221);
    cr_assert_eq(int_of("a = 1_2_3_4_5"), 12345);
    cr_assert_eq(int_of("a = 0xDEADBEEF"), 0xDEADBEEF);
    cr_assert_eq(int_of("a = 0xdead_beef"), 0xDEADBEEF);
    cr_assert_eq(int_of("a = 0x00ff"), 255);
    cr_assert_eq(int_of("a = 0o01234567"), 01234567);
    cr_assert_eq(int_of("a = 0o755"), 0755);
    cr_assert_eq(int_of("a = 0b11010110"), 0xD6);
    cr_assert_eq(int_of("a = 0b1_0"), 2);
    cr_assert_eq(int_of("a = 9223372036854775807"), INT64_MAX);
    cr_assert_eq(int_of("a = -9223372036854775808"), INT64_MIN);
    cr_assert_eq(int_of("a = 0x7FFFFFFFFFFFFFFF"), INT64_MAX);
    cr_assert_eq(int_of("a = 0o777777777777777777777"), INT64_MAX);
    cr_assert_eq(int_of("a = 0b" "1111111111111111111111111111111111111111111111111111111111111"
                        "11"), INT64_MAX);
}

Test(toml, integer_errors)
{
    BAD("a = 9223372036854775808", "t.toml:1:5: integer does not fit in 64 bits");
    BAD("a = -9223372036854775809", "t.toml:1:5: integer does not fit in 64 bits");
    BAD("a = 99999999999999999999999", "t.toml:1:5: integer does not fit in 64 bits");
    BAD("a = 0x8000000000000000", "t.toml:1:5: integer does not fit in 64 bits");
    BAD("a = 0b" "1111111111111111111111111111111111111111111111111111111111111111",
        "t.toml:1:5: integer does not fit in 64 bits");
    BAD("a = 01", "t.toml:1:5: leading zeros are not allowed");
    BAD("a = -01", "t.toml:1:6: leading zeros are not allowed");
    BAD("a = 0_1", "t.toml:1:5: leading zeros are not allowed");
    BAD("a = 1__2", "t.toml:1:6: invalid number: an underscore must be between two digits");
    BAD("a = 1_", "t.toml:1:6: invalid number: an underscore must be between two digits");
    BAD("a = _1", "t.toml:1:5: invalid value");
    BAD("a = 0x_1", "t.toml:1:7: invalid integer: a digit is expected here");
    BAD("a = 0x1_", "t.toml:1:8: invalid integer: an underscore must be between two digits");
    BAD("a = 0x", "t.toml:1:7: invalid integer: a digit is expected here");
    BAD("a = 0X1", "t.toml:1:6: invalid character in a number");
    BAD("a = +0x1", "t.toml:1:7: invalid character in a number");
    BAD("a = 0o8", "t.toml:1:7: invalid integer: a digit is expected here");
    BAD("a = 0b102", "t.toml:1:9: invalid character in a number");
    BAD("a = 0xG", "t.toml:1:7: invalid integer: a digit is expected here");
    BAD("a = 12a", "t.toml:1:7: invalid character in a number");
    BAD("a = +", "t.toml:1:6: invalid number");
    BAD("a = +x", "t.toml:1:6: invalid number");
    BAD("a = 1 2", "t.toml:1:7: unexpected '2' (expected a new line)");
}

Test(toml, floats)
{
    cr_assert_float_eq(float_of("a = +1.0"), 1.0, 0);
    cr_assert_float_eq(float_of("a = 3.1415"), 3.1415, 0);
    cr_assert_float_eq(float_of("a = -0.01"), -0.01, 0);
    cr_assert_float_eq(float_of("a = 5e+22"), 5e22, 0);
    cr_assert_float_eq(float_of("a = 1e06"), 1e6, 0);
    cr_assert_float_eq(float_of("a = -2E-2"), -2e-2, 0);
    cr_assert_float_eq(float_of("a = 6.626e-34"), 6.626e-34, 0);
    cr_assert_float_eq(float_of("a = 224_617.445_991_228"), 224617.445991228, 0);
    cr_assert_float_eq(float_of("a = 1e1_0"), 1e10, 0);
    cr_assert_float_eq(float_of("a = 0e0"), 0.0, 0);
    cr_assert_float_eq(float_of("a = 0.1"), 0.1, 0);
    double z = float_of("a = -0.0");
    cr_assert(z == 0.0 && signbit(z));
    z = float_of("a = +0.0");
    cr_assert(z == 0.0 && !signbit(z));
    cr_assert(isinf(float_of("a = inf")) && float_of("a = inf") > 0);
    cr_assert(isinf(float_of("a = +inf")) && float_of("a = +inf") > 0);
    cr_assert(isinf(float_of("a = -inf")) && float_of("a = -inf") < 0);
    cr_assert(isnan(float_of("a = nan")) && !signbit(float_of("a = nan")));
    cr_assert(isnan(float_of("a = +nan")));
    cr_assert(isnan(float_of("a = -nan")) && signbit(float_of("a = -nan")));
    cr_assert(isinf(float_of("a = 1e400")), "too large reads as inf, as strtod gives it");
    /* an integer is not a float and the reverse */
    toml_doc_t *d = ok("i = 1\nf = 1.0");
    double f;
    int64_t i;
    cr_assert_not(toml_float(toml_get(toml_doc_root(d), "i"), &f));
    cr_assert_not(toml_int(toml_get(toml_doc_root(d), "f"), &i));
    toml_doc_free(d);
}

Test(toml, float_errors)
{
    BAD("a = 1.", "t.toml:1:7: invalid float: a digit is expected here");
    BAD("a = .1", "t.toml:1:5: unexpected '.' (expected a value)");
    BAD("a = 1.e5", "t.toml:1:7: invalid float: a digit is expected here");
    BAD("a = 1e", "t.toml:1:7: invalid float: a digit is expected here");
    BAD("a = 1e+", "t.toml:1:8: invalid float: a digit is expected here");
    BAD("a = 1e_5", "t.toml:1:7: invalid float: a digit is expected here");
    BAD("a = 1_.5", "t.toml:1:6: invalid number: an underscore must be between two digits");
    BAD("a = 1._5", "t.toml:1:7: invalid float: a digit is expected here");
    BAD("a = 1.5.3", "t.toml:1:8: invalid character in a number");
    BAD("a = 00.1", "t.toml:1:5: leading zeros are not allowed");
    BAD("a = 01e1", "t.toml:1:5: leading zeros are not allowed");
    BAD("a = Inf", "t.toml:1:5: invalid value");
    BAD("a = NaN", "t.toml:1:5: invalid value");
    BAD("a = infinity", "t.toml:1:8: invalid character in a number");
    BAD("a = inf_", "t.toml:1:8: invalid character in a number");
    BAD("a = nan1", "t.toml:1:8: invalid character in a number");
    BAD("a = -in", "t.toml:1:6: invalid number");
}

Test(toml, booleans)
{
    toml_doc_t *d = ok("t = true\nf = false");
    bool b = false;
    cr_assert(toml_bool(toml_get(toml_doc_root(d), "t"), &b) && b);
    cr_assert(toml_bool(toml_get(toml_doc_root(d), "f"), &b) && !b);
    cr_assert_not(toml_bool(toml_get(toml_doc_root(d), "x"), &b));
    toml_doc_free(d);
    BAD("a = True", "t.toml:1:5: invalid value");
    BAD("a = tru", "t.toml:1:5: invalid value");
    BAD("a = truex", "t.toml:1:5: invalid value");
    BAD("a = false1", "t.toml:1:5: invalid value");
    BAD("a = yes", "t.toml:1:5: invalid value");
}

/* ---- dates and times ------------------------------------------------------------------------ */

Test(toml, datetimes)
{
    datetime_is("a = 1979-05-27T07:32:00Z", TOML_DATETIME, "1979-05-27T07:32:00Z");
    datetime_is("a = 1979-05-27T00:32:00-07:00", TOML_DATETIME, "1979-05-27T00:32:00-07:00");
    datetime_is("a = 1979-05-27T00:32:00.999999+23:59", TOML_DATETIME,
                "1979-05-27T00:32:00.999999+23:59");
    datetime_is("a = 1979-05-27 07:32:00z", TOML_DATETIME, "1979-05-27T07:32:00Z");
    datetime_is("a = 1979-05-27t07:32:00Z", TOML_DATETIME, "1979-05-27T07:32:00Z");
    datetime_is("a = 1979-05-27T07:32:00", TOML_LOCAL_DATETIME, "1979-05-27T07:32:00");
    datetime_is("a = 1979-05-27 00:32:00.123456789", TOML_LOCAL_DATETIME,
                "1979-05-27T00:32:00.123456789");
    datetime_is("a = 1979-05-27", TOML_LOCAL_DATE, "1979-05-27");
    datetime_is("a = 1979-05-27 # c", TOML_LOCAL_DATE, "1979-05-27");
    datetime_is("a = 07:32:00", TOML_LOCAL_TIME, "07:32:00");
    datetime_is("a = 00:32:00.999999", TOML_LOCAL_TIME, "00:32:00.999999");
    datetime_is("a = 2000-02-29", TOML_LOCAL_DATE, "2000-02-29");
    datetime_is("a = 2024-02-29", TOML_LOCAL_DATE, "2024-02-29");
    datetime_is("a = 0001-01-01T00:00:00", TOML_LOCAL_DATETIME, "0001-01-01T00:00:00");
    datetime_is("a = 1990-12-31T23:59:60Z", TOML_DATETIME, "1990-12-31T23:59:60Z");
    datetime_is("a = 23:59:60", TOML_LOCAL_TIME, "23:59:60");
}

Test(toml, datetime_errors)
{
    BAD("a = 1979-13-01", "t.toml:1:5: invalid date (month or day out of range)");
    BAD("a = 1979-00-01", "t.toml:1:5: invalid date (month or day out of range)");
    BAD("a = 1979-04-31", "t.toml:1:5: invalid date (month or day out of range)");
    BAD("a = 1900-02-29", "t.toml:1:5: invalid date (month or day out of range)");
    BAD("a = 2023-02-29", "t.toml:1:5: invalid date (month or day out of range)");
    BAD("a = 1979-01-00", "t.toml:1:5: invalid date (month or day out of range)");
    BAD("a = 1979-1-01", "t.toml:1:5: invalid date (expected YYYY-MM-DD)");
    BAD("a = 1979-01-1", "t.toml:1:5: invalid date (expected YYYY-MM-DD)");
    BAD("a = 1979-05-27T24:00:00", "t.toml:1:16: invalid time (hour, minute or second out of "
                                   "range)");
    BAD("a = 1979-05-27T23:60:00", "t.toml:1:16: invalid time (hour, minute or second out of "
                                   "range)");
    BAD("a = 23:59:61", "t.toml:1:5: invalid time (hour, minute or second out of range)");
    BAD("a = 1979-05-27T07:32", "t.toml:1:16: invalid time (expected HH:MM:SS)");
    BAD("a = 1979-05-27 07:32", "t.toml:1:16: invalid time (expected HH:MM:SS)");
    BAD("a = 1979-05-27T", "t.toml:1:16: invalid time (expected HH:MM:SS)");
    BAD("a = 07:32", "t.toml:1:5: invalid time (expected HH:MM:SS)");
    BAD("a = 7:32:00", "t.toml:1:6: invalid character in a number");
    BAD("a = 07:32:00.", "t.toml:1:14: invalid time (digits expected after '.')");
    BAD("a = 1979-05-27T07:32:00+1:00", "t.toml:1:24: invalid time offset (expected +HH:MM or "
                                        "-HH:MM)");
    BAD("a = 1979-05-27T07:32:00+0100", "t.toml:1:24: invalid time offset (expected +HH:MM or "
                                        "-HH:MM)");
    BAD("a = 1979-05-27T07:32:00+24:00", "t.toml:1:24: invalid time offset (out of range)");
    BAD("a = 1979-05-27T07:32:00-01:60", "t.toml:1:24: invalid time offset (out of range)");
    BAD("a = 07:32:00Z", "t.toml:1:13: invalid character in a date or time");
    BAD("a = 07:32:00+01:00", "t.toml:1:13: invalid character in a date or time");
    BAD("a = 1979-05-27Z", "t.toml:1:15: invalid character in a date or time");
    BAD("a = 1979-05-27T07:32:00Zx", "t.toml:1:25: invalid character in a date or time");
    BAD("a = 1979-05-27 x", "t.toml:1:16: unexpected 'x' (expected a new line)");
}

/* ---- arrays and inline tables --------------------------------------------------------------- */

Test(toml, arrays)
{
    toml_doc_t *d = ok("a = [ 1, 2, 3 ]\n"
                       "b = [ \"red\", 'yellow', \"\"\"green\"\"\", '''blue''' ]\n"
                       "c = [ [ 1, 2 ], [\"a\", \"b\", \"c\"] ]\n"
                       "d = [ 0.1, 1, \"x\", true, 1979-05-27, [], {} ]\n"
                       "e = [\n  1,\n  2, # ok\n\n  # comment\n]\n"
                       "f = [ ]\n"
                       "g = [1,]\n");
    const toml_value_t *r = toml_doc_root(d);
    const toml_value_t *a = toml_get(r, "a");
    cr_assert_eq(toml_len(a), 3);
    int64_t i;
    cr_assert(toml_int(toml_at(a, 2), &i) && i == 3);
    cr_assert_null(toml_at(a, 3));
    cr_assert_str_eq(toml_str(toml_at(toml_get(r, "b"), 3), NULL), "blue");
    cr_assert_str_eq(toml_str(toml_at(toml_at(toml_get(r, "c"), 1), 2), NULL), "c");
    const toml_value_t *m = toml_get(r, "d");
    toml_type_t want[] = {TOML_FLOAT, TOML_INTEGER, TOML_STRING, TOML_BOOLEAN, TOML_LOCAL_DATE,
                          TOML_ARRAY, TOML_TABLE};
    cr_assert_eq(toml_len(m), 7);
    for (size_t k = 0; k < 7; k++)
        cr_assert_eq(toml_type(toml_at(m, k)), want[k], "item %zu", k);
    cr_assert_eq(toml_len(toml_get(r, "e")), 2);
    cr_assert_eq(toml_len(toml_get(r, "f")), 0);
    cr_assert(toml_is(toml_get(r, "f"), TOML_ARRAY));
    cr_assert_eq(toml_len(toml_get(r, "g")), 1);
    cr_assert_not(toml_is_table_array(toml_get(r, "a")));
    cr_assert(toml_is_inline(toml_at(m, 6)));
    toml_doc_free(d);
}

Test(toml, array_errors)
{
    BAD("a = [1,,2]", "t.toml:1:8: unexpected ',' (expected a value)");
    BAD("a = [,]", "t.toml:1:6: unexpected ',' (expected a value)");
    BAD("a = [1 2]", "t.toml:1:8: unexpected '2' (expected ',' or ']')");
    BAD("a = [1", "t.toml:1:7: unexpected end of file (expected ',' or ']')");
    BAD("a = [1,\n", "t.toml:2:1: unexpected end of file (expected a value)");
    BAD("a = [1 # c \x01\n]", "t.toml:1:12: control character U+0001 in a comment");
    BAD("a = [1\r]", "t.toml:1:7: carriage return not followed by a line feed");
}

Test(toml, inline_tables)
{
    toml_doc_t *d = ok("name = { first = \"Tom\", last = \"Preston-Werner\" }\n"
                       "point = {x=1,y=2}\n"
                       "animal = { type.name = \"pug\", type.size = 2 }\n"
                       "empty = {}\n"
                       "nested = { a = { b = [1, { c = 2 }] } }\n");
    const toml_value_t *r = toml_doc_root(d);
    cr_assert_str_eq(toml_str(toml_get_path(r, "name.last"), NULL), "Preston-Werner");
    cr_assert_str_eq(toml_str(toml_get_path(r, "animal.type.name"), NULL), "pug");
    cr_assert(toml_is_inline(toml_get(r, "animal")));
    cr_assert_not(toml_is_inline(toml_get_path(r, "animal.type")), "made by dotted keys");
    cr_assert_eq(toml_len(toml_get(r, "empty")), 0);
    int64_t i;
    cr_assert(toml_int(toml_get(toml_at(toml_get_path(r, "nested.a.b"), 1), "c"), &i) && i == 2);
    toml_doc_free(d);
}

Test(toml, inline_table_errors)
{
    BAD("a = {b = 1,}", "t.toml:1:12: trailing comma in an inline table");
    BAD("a = {b = 1, }", "t.toml:1:13: trailing comma in an inline table");
    BAD("a = {b = 1\n}", "t.toml:1:11: newline in an inline table");
    BAD("a = {b = 1,\nc = 2}", "t.toml:1:12: newline in an inline table");
    BAD("a = {\nb = 1}", "t.toml:1:6: unexpected end of line (expected a key)");
    BAD("a = {b = 1", "t.toml:1:11: unexpected end of file (expected ',' or '}')");
    BAD("a = {b = 1 c = 2}", "t.toml:1:12: unexpected 'c' (expected ',' or '}')");
    BAD("a = {,}", "t.toml:1:6: unexpected ',' (expected a key)");
    BAD("a = {b = 1, b = 2}", "t.toml:1:13: duplicate key 'b'");
    BAD("a = {b.c = 1, b = 2}", "t.toml:1:15: duplicate key 'b'");
    BAD("a = {b = {c = 1}, b.d = 2}", "t.toml:1:19: 'b' is an inline table: it cannot be "
                                      "extended");
    BAD("a = {b = 1, b.c = 2}", "t.toml:1:13: 'b' is already a value, not a table");
    BAD("a = {b = 1 # c\n}", "t.toml:1:12: unexpected '#' (expected ',' or '}')");
}

/* ---- keys and tables ------------------------------------------------------------------------ */

Test(toml, keys)
{
    toml_doc_t *d = ok("key = 1\nbare_key = 2\nbare-key = 3\n1234 = 4\n"
                       "\"127.0.0.1\" = 5\n\"character encoding\" = 6\n\"ʎǝʞ\" = 7\n"
                       "'key2' = 8\n'quoted \"value\"' = 9\n\"\" = 10\n"
                       "physical.color = 11\nsite.\"google.com\" = 12\n"
                       "fruit . flavor = 13\n3.14159 = 14\n\"\\u0041\" = 15\n");
    const toml_value_t *r = toml_doc_root(d);
    const char *keys[] = {"key", "bare_key", "bare-key", "1234", "127.0.0.1",
                          "character encoding", "ʎǝʞ", "key2", "quoted \"value\"", "", "physical",
                          "site", "fruit", "3", "A"};
    cr_assert_eq(toml_len(r), 15);
    for (size_t i = 0; i < 15; i++) {
        const char *k;
        toml_entry(r, i, &k, NULL);
        cr_assert_str_eq(k, keys[i], "entry %zu", i);
        cr_assert_not_null(toml_get(r, keys[i]));
    }
    int64_t i;
    cr_assert(toml_int(toml_getn(toml_get(r, "site"), "google.com", 10), &i) && i == 12);
    cr_assert(toml_int(toml_get_path(r, "3.14159"), &i) && i == 14);
    cr_assert(toml_int(toml_get_path(r, "fruit.flavor"), &i) && i == 13);
    cr_assert_null(toml_get_path(r, "site.google.com"), "paths split at every dot");
    toml_doc_free(d);
}

Test(toml, key_errors)
{
    BAD("a", "t.toml:1:2: unexpected end of file (expected '=' after the key)");
    BAD("a\n= 1", "t.toml:1:2: unexpected end of line (expected '=' after the key)");
    BAD("a =", "t.toml:1:4: unexpected end of file (expected a value)");
    BAD("a = \n1", "t.toml:1:5: unexpected end of line (expected a value)");
    BAD("= 1", "t.toml:1:1: unexpected '=' (expected a key)");
    BAD("a b = 1", "t.toml:1:3: unexpected 'b' (expected '=' after the key)");
    BAD("a. = 1", "t.toml:1:4: unexpected '=' (expected a key)");
    BAD(".a = 1", "t.toml:1:1: unexpected '.' (expected a key)");
    BAD("a..b = 1", "t.toml:1:3: unexpected '.' (expected a key)");
    BAD("\"\"\"a\"\"\" = 1", "t.toml:1:1: a multi-line string cannot be a key");
    BAD("'''a''' = 1", "t.toml:1:1: a multi-line string cannot be a key");
    BAD("\"a\nb\" = 1", "t.toml:1:1: unterminated string (a newline before the closing quote)");
    BAD("a = 1 b = 2", "t.toml:1:7: unexpected 'b' (expected a new line)");
    BAD("a = 1\na = 2", "t.toml:2:1: duplicate key 'a'");
    BAD("a = 1\n\"a\" = 2", "t.toml:2:1: duplicate key 'a'");
    BAD("a = 1\n'a' = 2", "t.toml:2:1: duplicate key 'a'");
    BAD("\"a b\" = 1\n'a b' = 2", "t.toml:2:1: duplicate key '\"a b\"'");
    BAD("a.b = 1\na . b = 2", "t.toml:2:5: duplicate key 'a.b'");
    BAD("x = 1\n\t\"\\t\" = 1\n\"\t\" = 2", "t.toml:3:1: duplicate key '\"\\t\"'");
}

Test(toml, tables)
{
    toml_doc_t *d = ok("[table-1]\nkey1 = \"some string\"\nkey2 = 123\n\n"
                       "[table-2]\nkey1 = \"another string\"\n"
                       "[dog.\"tater.man\"]\ntype.name = \"pug\"\n"
                       "[ j . \"ʞ\" . 'l' ]\n"
                       "[x.y.z.w]\n[x]\n"
                       "[fruit]\napple.color = \"red\"\napple.taste.sweet = true\n"
                       "[fruit.apple.texture]\nsmooth = true\n");
    const toml_value_t *r = toml_doc_root(d);
    int64_t i;
    cr_assert(toml_int(toml_get_path(r, "table-1.key2"), &i) && i == 123);
    const toml_value_t *tater = toml_get(toml_get(r, "dog"), "tater.man");
    cr_assert_str_eq(toml_str(toml_get_path(tater, "type.name"), NULL), "pug");
    cr_assert(toml_is(toml_get(toml_get(toml_get(r, "j"), "ʞ"), "l"), TOML_TABLE));
    cr_assert(toml_is(toml_get_path(r, "x.y.z.w"), TOML_TABLE));
    bool b;
    cr_assert(toml_bool(toml_get_path(r, "fruit.apple.texture.smooth"), &b) && b);
    cr_assert(toml_bool(toml_get_path(r, "fruit.apple.taste.sweet"), &b) && b);
    const char *k;
    toml_entry(r, 4, &k, NULL);
    cr_assert_str_eq(k, "x", "implicit tables keep their place");
    toml_doc_free(d);
}

Test(toml, arrays_of_tables)
{
    toml_doc_t *d = ok("[[products]]\nname = \"Hammer\"\nsku = 738594937\n\n"
                       "[[products]]  # empty table within the array\n\n"
                       "[[products]]\nname = \"Nail\"\n"
                       "[[fruits]]\nname = \"apple\"\n[fruits.physical]\ncolor = \"red\"\n"
                       "[[fruits.varieties]]\nname = \"red delicious\"\n"
                       "[[fruits.varieties]]\nname = \"granny smith\"\n"
                       "[[fruits]]\nname = \"banana\"\n[[fruits.varieties]]\nname = \"plantain\"\n");
    const toml_value_t *r = toml_doc_root(d);
    const toml_value_t *p = toml_get(r, "products");
    cr_assert(toml_is_table_array(p));
    cr_assert_eq(toml_len(p), 3);
    cr_assert_eq(toml_len(toml_at(p, 1)), 0);
    cr_assert_str_eq(toml_str(toml_get(toml_at(p, 2), "name"), NULL), "Nail");
    const toml_value_t *f = toml_get(r, "fruits");
    cr_assert_eq(toml_len(f), 2);
    cr_assert_str_eq(toml_str(toml_get_path(toml_at(f, 0), "physical.color"), NULL), "red");
    cr_assert_eq(toml_len(toml_get(toml_at(f, 0), "varieties")), 2);
    cr_assert_eq(toml_len(toml_get(toml_at(f, 1), "varieties")), 1);
    cr_assert_str_eq(toml_str(toml_get(toml_at(toml_get(toml_at(f, 1), "varieties"), 0), "name"),
                              NULL), "plantain");
    toml_doc_free(d);
}

Test(toml, header_errors)
{
    BAD("[a", "t.toml:1:3: unexpected end of file (expected ']')");
    BAD("[a]]", "t.toml:1:4: unexpected ']' (expected a new line)");
    BAD("[[a]", "t.toml:1:4: unexpected ']' (expected ']]')");
    BAD("[[a] ]", "t.toml:1:4: unexpected ']' (expected ']]')");
    BAD("[ [a]]", "t.toml:1:3: unexpected '[' (expected a key)");
    BAD("[]", "t.toml:1:2: unexpected ']' (expected a key)");
    BAD("[[]]", "t.toml:1:3: unexpected ']' (expected a key)");
    BAD("[a.]", "t.toml:1:4: unexpected ']' (expected a key)");
    BAD("[a] b = 1", "t.toml:1:5: unexpected 'b' (expected a new line)");
    BAD("[a]\n[\"\"\"b\"\"\"]", "t.toml:2:2: a multi-line string cannot be a key");
}

/* Every way of defining something twice, with the position of the offending key. */
Test(toml, redefinitions)
{
    BAD("a.b = 1\na.b = 2", "t.toml:2:3: duplicate key 'a.b'");
    BAD("a = 1\na.b = 2", "t.toml:2:1: 'a' is already a value, not a table");
    BAD("a.b = 1\na = 2", "t.toml:2:1: duplicate key 'a'");
    BAD("a = {}\na.b = 1", "t.toml:2:1: 'a' is an inline table: it cannot be extended");
    BAD("a = {b = 1}\n[a]", "t.toml:2:2: 'a' is an inline table: it cannot be extended");
    BAD("a = {b = 1}\n[a.c]", "t.toml:2:2: 'a' is an inline table: it cannot be extended");
    BAD("a = {b = {}}\n[a.b]", "t.toml:2:2: 'a' is an inline table: it cannot be extended");
    BAD("a = {}\n[[a]]", "t.toml:2:3: 'a' is a table, not an array of tables");
    BAD("a = [{}]\n[[a]]", "t.toml:2:3: 'a' is a static array: [[...]] cannot extend it");
    BAD("a = []\n[[a]]", "t.toml:2:3: 'a' is a static array: [[...]] cannot extend it");
    BAD("a = [1]\n[a.b]", "t.toml:2:2: 'a' is a static array: it cannot be extended");
    BAD("a = [1]\n[a]", "t.toml:2:2: 'a' is already a value, not a table");
    BAD("[a]\n[a]", "t.toml:2:2: table 'a' is defined twice");
    BAD("[a]\nb = 1\n\n[a]\nc = 2", "t.toml:4:2: table 'a' is defined twice");
    BAD("[a.b]\n[a . b]", "t.toml:2:6: table 'a.b' is defined twice");
    BAD("[a]\nb.c = 1\n[a.b]", "t.toml:3:4: table 'a.b' is already defined by dotted keys");
    BAD("a.b = 1\n[a]", "t.toml:2:2: table 'a' is already defined by dotted keys");
    BAD("[a.b]\nc = 1\n[a]\nb.d = 2", "t.toml:4:1: table 'b' is defined by a [header]: "
                                      "dotted keys cannot extend it");
    BAD("[[a]]\n[a]", "t.toml:2:2: 'a' is an array of tables, not a table");
    BAD("[a]\n[[a]]", "t.toml:2:3: 'a' is a table, not an array of tables");
    BAD("[a]\nb = 1\n[a.b]", "t.toml:3:4: 'a.b' is already a value, not a table");
    BAD("[a]\nb = 1\n[[a.b]]", "t.toml:3:5: 'a.b' is already a value, not an array of tables");
    BAD("[[a]]\nb = 1\n[a.b]", "t.toml:3:4: 'a.b' is already a value, not a table");
    BAD("a = 1\n[a.b]", "t.toml:2:2: 'a' is already a value, not a table");
    BAD("[a]\nx.y = 1\n[[a.x]]", "t.toml:3:5: 'a.x' is a table, not an array of tables");
    BAD("[[a.b]]\n[a]\nb.c = 1", "t.toml:3:1: 'b' is an array of tables: dotted keys cannot "
                                  "extend it");
    BAD("[[a]]\n[a.b]\n[a.b]", "t.toml:3:4: table 'a.b' is defined twice");
    /* and what is allowed */
    toml_doc_free(ok("[a.b.c]\nx = 1\n[a]\nb.d = 2\n"));      /* implicit a.b, dotted keys */
    toml_doc_free(ok("[a.b.c]\n[a.b]\n[a]\n"));                 /* super-tables afterwards */
    toml_doc_free(ok("[[a.b]]\n[a]\nc = 1\n"));
    toml_doc_free(ok("[[a]]\n[a.b]\nx = 1\n[[a]]\n[a.b]\nx = 2\n"));
    toml_doc_free(ok("[a]\nb.c = 1\n[a.b.d]\n"));               /* sub-table of a dotted one */
    toml_doc_free(ok("a.b.c = 1\na.b.d = 2\na.e = 3\n"));
    BAD("[a.b.c]\n[a]\nb.d = 2\n[a.b]", "t.toml:4:4: table 'a.b' is already defined by "
                                        "dotted keys");
}

Test(toml, comments_and_whitespace)
{
    toml_doc_t *d = ok("# full line\n  \t# indented\na = 1 # after\n\t b\t=\t2\t\n\n\n"
                       "[t] # after a header\n# é 中 😀 \t tab\n");
    cr_assert_eq(toml_len(toml_doc_root(d)), 3);
    toml_doc_free(d);
    toml_doc_free(ok(""));
    toml_doc_free(ok("#"));
    toml_doc_free(ok("\n\n"));
    BAD("# \x01", "t.toml:1:3: control character U+0001 in a comment");
    BAD("# \x7f", "t.toml:1:3: control character U+007F in a comment");
    badn("# a\0", 4, "t.toml:1:4: control character U+0000 in a comment");
    BAD("# a\rb", "t.toml:1:4: control character U+000D in a comment");
    BAD("a = 1 # \x0c", "t.toml:1:9: control character U+000C in a comment");
}

Test(toml, line_endings_and_bom)
{
    toml_doc_t *d = ok("a = 1\r\nb = \"x\"\r\n[t]\r\nc = [\r\n1,\r\n]\r\n# c\r\n");
    cr_assert_eq(toml_line(toml_get_path(toml_doc_root(d), "t.c")), 4);
    toml_doc_free(d);
    BAD("a = 1\rb = 2", "t.toml:1:6: carriage return not followed by a line feed");
    BAD("a = 1\r", "t.toml:1:6: carriage return not followed by a line feed");
    BAD("\r", "t.toml:1:1: carriage return not followed by a line feed");
    d = ok("\xEF\xBB\xBF" "a = 1");
    cr_assert_eq(toml_col(toml_get(toml_doc_root(d), "a")), 5, "columns start after the BOM");
    toml_doc_free(d);
    BAD("\xEF\xBB\xBF" "a = ", "t.toml:1:5: unexpected end of file (expected a value)");
    BAD("a = 1\n\xEF\xBB\xBF", "t.toml:2:1: unexpected non-ASCII character (expected a key)");
    BAD("\xEF\xBB\xBF\xEF\xBB\xBF", "t.toml:1:1: unexpected non-ASCII character (expected a "
                                    "key)");
}

/* ---- positions, errors, accessors ----------------------------------------------------------- */

Test(toml, value_positions)
{
    toml_doc_t *d = ok("x = 1\n"                                  /* line 1 */
                       "[project]\n"                              /* 2 */
                       "  name = \"é\"\n"                         /* 3 */
                       "\"é中\" = [1,\n"                          /* 4 */
                       "   {a = 2}]\n"                            /* 5 */
                       "t.u.v = 'x' # é\n"                        /* 6 */
                       "[[aot]]\n"                                /* 7 */
                       "[[aot]]\n"                                /* 8 */
                       "[imp.sub]\n"                              /* 9 */
                       "\ts = \"\"\"\n\"\"\"\n"                   /* 10-11 */
                       "z = 2\n");                                /* 12 */
    const toml_value_t *r = toml_doc_root(d);
    struct { const toml_value_t *v; int line, col; } want[] = {
        {r, 1, 1},
        {toml_get(r, "x"), 1, 5},
        {toml_get(r, "project"), 2, 1},
        {toml_get_path(r, "project.name"), 3, 10},
        {toml_get(toml_get(r, "project"), "é中"), 4, 8},
        {toml_at(toml_get(toml_get(r, "project"), "é中"), 0), 4, 9},
        {toml_at(toml_get(toml_get(r, "project"), "é中"), 1), 5, 4},
        {toml_get_path(toml_at(toml_get(toml_get(r, "project"), "é中"), 1), "a"), 5, 9},
        {toml_get_path(r, "project.t"), 6, 1},
        {toml_get_path(r, "project.t.u"), 6, 3},
        {toml_get_path(r, "project.t.u.v"), 6, 9},
        {toml_get(r, "aot"), 7, 1},
        {toml_at(toml_get(r, "aot"), 0), 7, 1},
        {toml_at(toml_get(r, "aot"), 1), 8, 1},
        {toml_get(r, "imp"), 9, 2},
        {toml_get_path(r, "imp.sub"), 9, 1},
        {toml_get_path(r, "imp.sub.s"), 10, 6},
        {toml_get_path(r, "imp.sub.z"), 12, 5},
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        cr_assert_not_null(want[i].v, "value %zu", i);
        cr_assert_eq(toml_line(want[i].v), want[i].line, "value %zu: line %d", i,
                     toml_line(want[i].v));
        cr_assert_eq(toml_col(want[i].v), want[i].col, "value %zu: col %d", i,
                     toml_col(want[i].v));
    }
    /* an implicit table defined later takes its header's position */
    toml_doc_free(d);
    d = ok("[a.b]\n[a]\n");
    cr_assert_eq(toml_line(toml_get(toml_doc_root(d), "a")), 2);
    toml_doc_free(d);
    /* errors after multi-byte characters and multi-line strings count characters */
    BAD("a = \"é中😀\" x", "t.toml:1:11: unexpected 'x' (expected a new line)");
    BAD("a = \"\"\"\né\n\"\"\" x", "t.toml:3:5: unexpected 'x' (expected a new line)");
    BAD("a = [\n1,\n# c\n2 3]", "t.toml:4:3: unexpected '3' (expected ',' or ']')");
}

Test(toml, error_names_and_toml_err)
{
    toml_doc_t *d = NULL;
    err_t *e = toml_parse("a = ", 4, NULL, NULL, &d);
    cr_assert_str_eq(e->msg, "TOML:1:5: unexpected end of file (expected a value)");
    err_free(e);
    e = toml_parse("a = ", 4, "pyproject.toml", NULL, &d);
    cr_assert_str_eq(e->msg, "pyproject.toml:1:5: unexpected end of file (expected a value)");
    err_free(e);
    cr_assert_null(toml_parse(NULL, 0, "empty.toml", NULL, &d));
    cr_assert_eq(toml_len(toml_doc_root(d)), 0);
    toml_doc_free(d);
    d = ok("[project]\nname = \"x\"\ndependencies = \"requests\"\n");
    cr_assert_str_eq(toml_doc_name(d), "t.toml");
    const toml_value_t *deps = toml_get_path(toml_doc_root(d), "project.dependencies");
    e = toml_err(d, deps, "%s must be a list of strings", "dependencies");
    cr_assert_str_eq(e->msg, "t.toml:3:16: dependencies must be a list of strings");
    cr_assert_eq(e->exit_code, EXIT_USAGE);
    err_free(e);
    e = toml_err(d, NULL, "no [project] table");
    cr_assert_str_eq(e->msg, "t.toml: no [project] table");
    err_free(e);
    toml_doc_free(d);
    d = toml_doc_new();
    cr_assert_null(toml_doc_name(d));
    e = toml_err(d, toml_add_int(toml_build_root(d), "a", 1), "plain");
    cr_assert_str_eq(e->msg, "plain");
    err_free(e);
    toml_doc_free(d);
    toml_doc_free(NULL);
}

Test(toml, accessors_and_type_mismatches)
{
    toml_doc_t *d = ok("s = \"x\"\ni = 1\nf = 1.5\nb = true\nd = 1979-05-27\n"
                       "a = [1]\nt = {k = 1}\n[[aot]]\n");
    const toml_value_t *r = toml_doc_root(d);
    const char *names[] = {"s", "i", "f", "b", "d", "a", "t", "aot"};
    const char *tn[] = {"string", "integer", "float", "boolean", "local date", "array", "table",
                        "array"};
    for (size_t k = 0; k < 8; k++) {
        const toml_value_t *v = toml_get(r, names[k]);
        cr_assert_str_eq(toml_type_name(v), tn[k]);
        int64_t i;
        double f;
        bool b;
        cr_assert_eq(toml_str(v, NULL) != NULL, k == 0);
        cr_assert_eq(toml_int(v, &i), k == 1);
        cr_assert_eq(toml_float(v, &f), k == 2);
        cr_assert_eq(toml_bool(v, &b), k == 3);
        cr_assert_eq(toml_datetime(v) != NULL, k == 4);
        cr_assert_eq(toml_at(v, 0) != NULL, k == 5 || k == 7);
        cr_assert_eq(toml_get(v, "k") != NULL, k == 6);
        cr_assert_eq(toml_entry(v, 0, NULL, NULL) != NULL, k == 6);
        cr_assert_eq(toml_len(v), k >= 5 ? 1u : 0u);
        cr_assert_eq(toml_is_table_array(v), k == 7);
        cr_assert_eq(toml_is_inline(v), k == 6);
    }
    /* NULL everywhere answers "absent" */
    int64_t i;
    double f;
    bool b;
    size_t n;
    cr_assert_eq(toml_type(NULL), TOML_NONE);
    cr_assert_str_eq(toml_type_name(NULL), "missing");
    cr_assert_not(toml_is(NULL, TOML_STRING));
    cr_assert_null(toml_get(NULL, "a"));
    cr_assert_null(toml_get(r, NULL));
    cr_assert_null(toml_get_path(NULL, "a.b"));
    cr_assert_null(toml_get_path(r, NULL));
    cr_assert_null(toml_get_path(r, "s.x"));
    cr_assert_null(toml_get_path(r, "nope.x"));
    cr_assert_null(toml_get_path(r, ""));
    cr_assert_null(toml_at(NULL, 0));
    cr_assert_null(toml_entry(NULL, 0, NULL, NULL));
    cr_assert_null(toml_entry(r, 99, NULL, NULL));
    cr_assert_null(toml_str(NULL, &n));
    cr_assert_not(toml_int(NULL, &i) || toml_float(NULL, &f) || toml_bool(NULL, &b));
    cr_assert_null(toml_datetime(NULL));
    cr_assert_eq(toml_len(NULL), 0);
    cr_assert_eq(toml_line(NULL), 0);
    cr_assert_eq(toml_col(NULL), 0);
    cr_assert_not(toml_is_inline(NULL) || toml_is_table_array(NULL) || toml_is_multiline(NULL));
    cr_assert_null(toml_doc_root(NULL));
    toml_doc_free(d);
}

/* ---- limits and scale ----------------------------------------------------------------------- */

static char *repeat(const char *a, int n, const char *mid, const char *b)
{
    buf_t s = BUF_INIT;
    for (int i = 0; i < n; i++)
        buf_adds(&s, a);
    buf_adds(&s, mid);
    for (int i = 0; i < n; i++)
        buf_adds(&s, b);
    return buf_detach(&s);
}

static err_t *parse_depth(const char *text, int max_depth)
{
    toml_limits_t lim = {.max_depth = max_depth};
    toml_doc_t *d = NULL;
    err_t *e = toml_parse(text, strlen(text), "t.toml", &lim, &d);
    toml_doc_free(d);
    return e;
}

Test(toml, nesting_limits)
{
    /* a = [[[...]]]: the array at depth 1 holds TOML_DEFAULT_MAX_DEPTH - 1 more levels */
    char *s = repeat("[", TOML_DEFAULT_MAX_DEPTH, "", "]");
    char *text = xasprintf("a = %s", s);
    cr_assert_null(parse_depth(text, 0));
    free(text);
    free(s);
    s = repeat("[", TOML_DEFAULT_MAX_DEPTH + 1, "", "]");
    text = xasprintf("a = %s", s);
    err_t *e = parse_depth(text, 0);
    cr_assert_not_null(e);
    cr_assert_str_eq(e->msg, "t.toml:1:133: nesting too deep (more than 128 levels)");
    err_free(e);
    free(text);
    free(s);
    /* inline tables, dotted keys, headers and arrays of tables count alike */
    e = parse_depth("a = {b = {c = 1}}", 2);
    cr_assert_str_eq(e->msg, "t.toml:1:15: nesting too deep (more than 2 levels)");
    err_free(e);
    cr_assert_null(parse_depth("a = {b = 1}", 2));
    e = parse_depth("a.b.c = 1", 2);
    cr_assert_str_eq(e->msg, "t.toml:1:5: nesting too deep (a key of more than 2 parts)");
    err_free(e);
    e = parse_depth("a.b = [1]", 2);
    cr_assert_str_eq(e->msg, "t.toml:1:8: nesting too deep (more than 2 levels)");
    err_free(e);
    e = parse_depth("[a.b]\nc = 1", 2);
    cr_assert_str_eq(e->msg, "t.toml:2:5: nesting too deep (more than 2 levels)");
    err_free(e);
    e = parse_depth("[a]\nb.c = 1", 2);
    cr_assert_str_eq(e->msg, "t.toml:2:7: nesting too deep (more than 2 levels)");
    err_free(e);
    e = parse_depth("[[a]]\nb = 1", 2);
    cr_assert_str_eq(e->msg, "t.toml:2:5: nesting too deep (more than 2 levels)");
    err_free(e);
    e = parse_depth("[a]\n[[a.b]]", 2);
    cr_assert_str_eq(e->msg, "t.toml:2:5: nesting too deep (more than 2 levels)");
    err_free(e);
    cr_assert_null(parse_depth("[[a]]\n[[a]]", 2));
    /* a deep document is refused, not a crash */
    s = repeat("{a=", 100000, "1", "}");
    text = xasprintf("a = %s", s);
    e = parse_depth(text, 0);
    cr_assert_not_null(e);
    err_free(e);
    free(text);
    free(s);
    s = repeat("a.", 100000, "a", "");
    text = xasprintf("[%s]", s);
    e = parse_depth(text, 0);
    cr_assert_not_null(e);
    err_free(e);
    free(text);
    free(s);
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* 100,000 keys in one table and 100,000 [[x]] elements: linear, not quadratic (a quadratic
 * reader would take minutes here). */
Test(toml, large_tables_are_fast)
{
    enum { N = 100000 };
    buf_t b = BUF_INIT;
    for (int i = 0; i < N; i++)
        buf_printf(&b, "key%d = %d\n", i, i);
    for (int i = 0; i < N; i++)
        buf_printf(&b, "[[packages]]\nname = \"p%d\"\n[packages.sdist]\nsize = %d\n", i, i);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    toml_doc_t *d = okn(b.data, b.len);
    double took = seconds_since(&t0);
    const toml_value_t *r = toml_doc_root(d);
    cr_assert_eq(toml_len(r), N + 1);
    for (int i = 0; i < N; i += 997) {
        char k[32];
        snprintf(k, sizeof(k), "key%d", i);
        int64_t v;
        cr_assert(toml_int(toml_get(r, k), &v) && v == i, "%s", k);
        const char *kk;
        toml_entry(r, (size_t)i, &kk, NULL);
        cr_assert_str_eq(kk, k, "insertion order");
    }
    cr_assert_null(toml_get(r, "key100000"));
    const toml_value_t *p = toml_get(r, "packages");
    cr_assert_eq(toml_len(p), N);
    int64_t v;
    cr_assert(toml_int(toml_get_path(toml_at(p, N - 1), "sdist.size"), &v) && v == N - 1);
    /* writing it is linear too, and reads back the same */
    clock_gettime(CLOCK_MONOTONIC, &t0);
    char *w = written(d);
    took += seconds_since(&t0);
    cr_assert(took < 5.0, "parse + write took %.2f s", took);
    toml_doc_t *d2 = ok(w);
    cr_assert_eq(toml_len(toml_get(toml_doc_root(d2), "packages")), N);
    free(w);
    toml_doc_free(d2);
    toml_doc_free(d);
    buf_free(&b);
    /* a duplicate among many keys is still found */
    buf_t c = BUF_INIT;
    for (int i = 0; i < 1000; i++)
        buf_printf(&c, "\"k%d\" = 1\n", i);
    buf_adds(&c, "k500 = 2\n");
    badn(c.data, c.len, "t.toml:1001:1: duplicate key 'k500'");
    buf_free(&c);
}

/* ---- builder and writer --------------------------------------------------------------------- */

Test(toml, writer_lock_file)
{
    toml_doc_t *d = toml_doc_new();
    toml_value_t *r = toml_build_root(d);
    toml_add_str(r, "lock-version", "1.0");
    toml_add_str(r, "requires-python", ">=3.11");
    toml_add_str(r, "created-by", "venvsync");
    toml_value_t *pkgs = toml_add_table_array(r, "packages");
    toml_value_t *p = toml_add_table(pkgs, NULL);
    toml_add_str(p, "name", "attrs");
    toml_add_str(p, "version", "25.1.0");
    toml_add_str(p, "index", "https://pypi.org/simple");
    toml_value_t *sd = toml_add_inline(p, "sdist");
    toml_add_str(sd, "url", "https://files.example/attrs-25.1.0.tar.gz");
    cr_assert_not_null(toml_add_datetime(sd, "upload-time", "2025-01-25T11:30:12.279622+00:00"));
    toml_add_int(sd, "size", 810562);
    toml_add_str(toml_add_inline(sd, "hashes"), "sha256", "1c97");
    toml_value_t *wh = toml_add_array(p, "wheels");
    toml_value_t *w1 = toml_add_table(wh, NULL);
    toml_add_str(w1, "url", "https://files.example/attrs-25.1.0-py3-none-any.whl");
    toml_add_int(w1, "size", 63152);
    toml_add_str(toml_add_table(w1, "hashes"), "sha256", "c75a");
    toml_set_multiline(wh, true);
    toml_value_t *p2 = toml_add_table(pkgs, NULL);
    toml_add_str(p2, "name", "local-pkg");
    toml_add_str(toml_add_table(p2, "directory"), "path", ".");
    toml_value_t *deps = toml_add_array(p2, "dependencies");
    toml_add_str(toml_add_inline(deps, NULL), "name", "attrs");
    toml_value_t *tool = toml_add_table(r, "tool");
    toml_add_bool(toml_add_table(tool, "venvsync"), "frozen", true);
    char *out = written(d);
    cr_assert_str_eq(out,
        "lock-version = \"1.0\"\n"
        "requires-python = \">=3.11\"\n"
        "created-by = \"venvsync\"\n"
        "\n"
        "[[packages]]\n"
        "name = \"attrs\"\n"
        "version = \"25.1.0\"\n"
        "index = \"https://pypi.org/simple\"\n"
        "sdist = { url = \"https://files.example/attrs-25.1.0.tar.gz\", "
        "upload-time = 2025-01-25T11:30:12.279622+00:00, size = 810562, "
        "hashes = { sha256 = \"1c97\" } }\n"
        "wheels = [\n"
        "  { url = \"https://files.example/attrs-25.1.0-py3-none-any.whl\", size = 63152, "
        "hashes = { sha256 = \"c75a\" } },\n"
        "]\n"
        "\n"
        "[[packages]]\n"
        "name = \"local-pkg\"\n"
        "dependencies = [{ name = \"attrs\" }]\n"
        "\n"
        "[packages.directory]\n"
        "path = \".\"\n"
        "\n"
        "[tool.venvsync]\n"
        "frozen = true\n");
    /* and it reads back */
    toml_doc_t *back = ok(out);
    const toml_value_t *br = toml_doc_root(back);
    cr_assert_str_eq(toml_datetime(toml_get_path(toml_at(toml_get(br, "packages"), 0),
                                                 "sdist.upload-time")),
                     "2025-01-25T11:30:12.279622+00:00");
    cr_assert_str_eq(toml_str(toml_get_path(toml_at(toml_get(br, "packages"), 1),
                                            "directory.path"), NULL), ".");
    toml_doc_free(back);
    free(out);
    toml_doc_free(d);
}

Test(toml, writer_scalars_keys_and_escapes)
{
    toml_doc_t *d = toml_doc_new();
    toml_value_t *r = toml_build_root(d);
    toml_add_str(r, "bare_Key-09", "plain");
    toml_add_str(r, "needs quote", "a\"b\\c\b\t\n\f\r\x01\x1f\x7f é中😀");
    toml_add_strn(r, "", "nul\0!", 5);
    toml_add_str(r, "a.b", "dotted key text");
    toml_add_str(r, "ключ", "");
    toml_add_int(r, "min", INT64_MIN);
    toml_add_int(r, "max", INT64_MAX);
    toml_add_float(r, "f1", 1.0);
    toml_add_float(r, "f2", 0.1);
    toml_add_float(r, "f3", -0.0);
    toml_add_float(r, "f4", 1e300);
    toml_add_float(r, "f5", 1.5e-7);
    toml_add_float(r, "f6", 123456789012345680.0);
    toml_add_float(r, "f7", INFINITY);
    toml_add_float(r, "f8", -INFINITY);
    toml_add_float(r, "f9", NAN);
    toml_add_float(r, "f10", 1.0 / 3.0);
    toml_add_bool(r, "t", true);
    toml_add_bool(r, "f", false);
    cr_assert_not_null(toml_add_datetime(r, "d1", "1979-05-27"));
    cr_assert_not_null(toml_add_datetime(r, "d2", "07:32:00.5"));
    cr_assert_not_null(toml_add_datetime(r, "d3", "1979-05-27 07:32:00"));
    cr_assert_not_null(toml_add_datetime(r, "d4", "1979-05-27T07:32:00z"));
    cr_assert_null(toml_add_datetime(r, "x", "1979-02-30"));
    cr_assert_null(toml_add_datetime(r, "x", "1979-05-27T07:32:00Z junk"));
    cr_assert_null(toml_add_datetime(r, "x", "yesterday"));
    cr_assert_null(toml_add_datetime(r, "x", ""));
    cr_assert_null(toml_add_datetime(r, "x", "42"));
    cr_assert_null(toml_get(toml_build_root(d), "x"), "nothing added");
    char *out = written(d);
    cr_assert_str_eq(out,
        "bare_Key-09 = \"plain\"\n"
        "\"needs quote\" = \"a\\\"b\\\\c\\b\\t\\n\\f\\r\\u0001\\u001F\\u007F é中😀\"\n"
        "\"\" = \"nul\\u0000!\"\n"
        "\"a.b\" = \"dotted key text\"\n"
        "\"ключ\" = \"\"\n"
        "min = -9223372036854775808\n"
        "max = 9223372036854775807\n"
        "f1 = 1.0\n"
        "f2 = 0.1\n"
        "f3 = -0.0\n"
        "f4 = 1e+300\n"
        "f5 = 1.5e-07\n"
        "f6 = 1.2345678901234568e+17\n"
        "f7 = inf\n"
        "f8 = -inf\n"
        "f9 = nan\n"
        "f10 = 0.3333333333333333\n"
        "t = true\n"
        "f = false\n"
        "d1 = 1979-05-27\n"
        "d2 = 07:32:00.5\n"
        "d3 = 1979-05-27T07:32:00\n"
        "d4 = 1979-05-27T07:32:00Z\n");
    toml_doc_t *back = ok(out);
    size_t n;
    const char *s = toml_str(toml_get(toml_doc_root(back), ""), &n);
    cr_assert(n == 5 && memcmp(s, "nul\0!", 5) == 0);
    cr_assert_str_eq(toml_str(toml_get(toml_doc_root(back), "needs quote"), NULL),
                     "a\"b\\c\b\t\n\f\r\x01\x1f\x7f é中😀");
    double f;
    cr_assert(toml_float(toml_get(toml_doc_root(back), "f10"), &f) && f == 1.0 / 3.0);
    cr_assert(toml_float(toml_get(toml_doc_root(back), "f3"), &f) && signbit(f));
    toml_doc_free(back);
    free(out);
    toml_doc_free(d);
    buf_t b = BUF_INIT;
    toml_write_key(&b, "ok-1_", 5);
    buf_addc(&b, ' ');
    toml_write_key(&b, "", 0);
    buf_addc(&b, ' ');
    toml_write_key(&b, "a b", 3);
    buf_addc(&b, ' ');
    toml_write_string(&b, "q\"", 2);
    cr_assert_str_eq(b.data, "ok-1_ \"\" \"a b\" \"q\\\"\"");
    buf_free(&b);
}

Test(toml, writer_tables_arrays_and_layout)
{
    toml_doc_t *d = toml_doc_new();
    toml_value_t *r = toml_build_root(d);
    toml_add_table(r, "empty");                               /* [empty] */
    toml_value_t *a = toml_add_table(r, "a");                 /* only sub-tables: no [a] */
    toml_add_int(toml_add_table(a, "b"), "x", 1);
    toml_add_table_array(r, "none");                          /* empty: none = [] */
    toml_value_t *arr = toml_add_array(r, "short");
    toml_add_int(arr, NULL, 1);
    toml_add_str(arr, NULL, "two");
    toml_value_t *inner = toml_add_array(arr, NULL);
    toml_add_bool(inner, NULL, false);
    toml_set_multiline(inner, true);                          /* nested: ignored */
    toml_add_inline(arr, NULL);
    toml_value_t *lng = toml_add_array(r, "long");
    for (int i = 0; i < 12; i++)
        toml_add_str(lng, NULL, "abcdefgh");
    toml_value_t *it = toml_add_inline(r, "it");
    toml_value_t *aot = toml_add_table_array(it, "rows");    /* inline context: all inline */
    toml_add_int(toml_add_table(aot, NULL), "n", 1);
    toml_add_table(toml_add_table(it, "sub"), "deeper");
    toml_value_t *t = toml_add_table(r, "t");
    toml_add_str(t, "k", "v");
    toml_value_t *rows = toml_add_table_array(t, "rows");
    toml_add_table(rows, NULL);
    toml_value_t *row = toml_add_table(rows, NULL);
    toml_add_int(row, "n", 2);
    toml_add_str(toml_add_table(row, "meta"), "m", "x");
    toml_value_t *nested = toml_add_table_array(row, "nested");
    toml_add_int(toml_add_table(nested, NULL), "deep", 3);
    char *out = written(d);
    cr_assert_str_eq(out,
        "none = []\n"
        "short = [1, \"two\", [false], {}]\n"
        "long = [\n"
        "  \"abcdefgh\",\n  \"abcdefgh\",\n  \"abcdefgh\",\n  \"abcdefgh\",\n"
        "  \"abcdefgh\",\n  \"abcdefgh\",\n  \"abcdefgh\",\n  \"abcdefgh\",\n"
        "  \"abcdefgh\",\n  \"abcdefgh\",\n  \"abcdefgh\",\n  \"abcdefgh\",\n"
        "]\n"
        "it = { rows = [{ n = 1 }], sub = { deeper = {} } }\n"
        "\n"
        "[empty]\n"
        "\n"
        "[a.b]\n"
        "x = 1\n"
        "\n"
        "[t]\n"
        "k = \"v\"\n"
        "\n"
        "[[t.rows]]\n"
        "\n"
        "[[t.rows]]\n"
        "n = 2\n"
        "\n"
        "[t.rows.meta]\n"
        "m = \"x\"\n"
        "\n"
        "[[t.rows.nested]]\n"
        "deep = 3\n");
    free(out);
    /* a line of exactly TOML_WRITE_WIDTH characters stays on one line, one more does not */
    for (int extra = 0; extra < 2; extra++) {
        toml_doc_t *d2 = toml_doc_new();
        toml_value_t *l2 = toml_add_array(toml_build_root(d2), "long");
        for (int i = 0; i < 7; i++)
            toml_add_str(l2, NULL, "abcdefgh");
        toml_add_str(l2, NULL, extra ? "abcdef" : "abcde");
        out = written(d2);
        if (!extra)
            cr_assert(strlen(out) == TOML_WRITE_WIDTH + 1 && strchr(out, '\n') == out + 100,
                      "one line: %s", out);
        else
            cr_assert(strncmp(out, "long = [\n  \"abcdefgh\",\n", 23) == 0, "%s", out);
        free(out);
        toml_doc_free(d2);
    }
    toml_doc_free(d);
}

Test(toml, writer_refuses_invalid_utf8)
{
    toml_doc_t *d = toml_doc_new();
    toml_value_t *r = toml_build_root(d);
    toml_add_str(r, "ok", "x");
    toml_add_str(r, "bad", "\xC3(");
    buf_t b = BUF_INIT;
    buf_adds(&b, "keep");
    err_t *e = toml_write(d, &b);
    cr_assert_not_null(e);
    cr_assert_str_eq(e->msg, "cannot write TOML: a key or string is not valid UTF-8");
    cr_assert_str_eq(b.data, "keep", "out unchanged");
    err_free(e);
    toml_doc_free(d);
    d = toml_doc_new();
    toml_add_int(toml_add_table(toml_build_root(d), "\xFF"), "a", 1);
    e = toml_write(d, &b);
    cr_assert_not_null(e);
    err_free(e);
    toml_doc_free(d);
    buf_free(&b);
}

Test(toml, builder_refuses_parsed_documents, .signal = SIGABRT)
{
    toml_doc_t *d = ok("a = 1");
    toml_build_root(d);
}

Test(toml, builder_refuses_duplicate_keys, .signal = SIGABRT)
{
    toml_doc_t *d = toml_doc_new();
    toml_add_int(toml_build_root(d), "a", 1);
    toml_add_int(toml_build_root(d), "a", 2);
}

Test(toml, builder_refuses_keys_in_arrays, .signal = SIGABRT)
{
    toml_doc_t *d = toml_doc_new();
    toml_add_int(toml_add_array(toml_build_root(d), "a"), "k", 1);
}

Test(toml, builder_refuses_scalars_in_table_arrays, .signal = SIGABRT)
{
    toml_doc_t *d = toml_doc_new();
    toml_add_int(toml_add_table_array(toml_build_root(d), "a"), NULL, 1);
}

/* ---- round trips ---------------------------------------------------------------------------- */

/* Same data: types, values, and for tables the same keys (in any order: the writer puts plain
 * keys before sub-tables). */
static void same(const toml_value_t *a, const toml_value_t *b, const char *path)
{
    cr_assert_eq(toml_type(a), toml_type(b), "%s: %s vs %s", path, toml_type_name(a),
                 toml_type_name(b));
    size_t n1, n2;
    int64_t i1, i2;
    double f1, f2;
    bool b1, b2;
    switch (toml_type(a)) {
    case TOML_STRING: {
        const char *s1 = toml_str(a, &n1), *s2 = toml_str(b, &n2);
        cr_assert(n1 == n2 && memcmp(s1, s2, n1) == 0, "%s: '%s' vs '%s'", path, s1, s2);
        break;
    }
    case TOML_INTEGER:
        toml_int(a, &i1);
        toml_int(b, &i2);
        cr_assert_eq(i1, i2, "%s", path);
        break;
    case TOML_FLOAT:
        toml_float(a, &f1);
        toml_float(b, &f2);
        cr_assert((isnan(f1) && isnan(f2)) || (f1 == f2 && signbit(f1) == signbit(f2)),
                  "%s: %g vs %g", path, f1, f2);
        break;
    case TOML_BOOLEAN:
        toml_bool(a, &b1);
        toml_bool(b, &b2);
        cr_assert_eq(b1, b2, "%s", path);
        break;
    case TOML_DATETIME:
    case TOML_LOCAL_DATETIME:
    case TOML_LOCAL_DATE:
    case TOML_LOCAL_TIME:
        cr_assert_str_eq(toml_datetime(a), toml_datetime(b), "%s", path);
        break;
    case TOML_ARRAY:
        cr_assert_eq(toml_len(a), toml_len(b), "%s", path);
        for (size_t i = 0; i < toml_len(a); i++)
            same(toml_at(a, i), toml_at(b, i), path);
        break;
    case TOML_TABLE:
        cr_assert_eq(toml_len(a), toml_len(b), "%s", path);
        for (size_t i = 0; i < toml_len(a); i++) {
            const char *k;
            size_t kl;
            const toml_value_t *x = toml_entry(a, i, &k, &kl);
            const toml_value_t *y = toml_getn(b, k, kl);
            cr_assert_not_null(y, "%s: no key '%s'", path, k);
            same(x, y, k);
        }
        break;
    case TOML_NONE:
        break;
    }
}

static const char *round_trip_docs[] = {
    "title = \"TOML Example\"\n[owner]\nname = \"Tom\"\ndob = 1979-05-27T07:32:00-08:00\n"
    "[database]\nenabled = true\nports = [ 8000, 8001, 8002 ]\n"
    "data = [ [\"delta\", \"phi\"], [3.14] ]\ntemp_targets = { cpu = 79.5, case = 72.0 }\n"
    "[servers]\n[servers.alpha]\nip = \"10.0.0.1\"\n[servers.beta]\nip = \"10.0.0.2\"\n",
    "[a.b.c]\nx = 1\n[a]\nb.d = 2\ny = [{z = 1}, [{}]]\n",
    "[[fruits]]\nname = \"apple\"\n[fruits.physical]\ncolor = \"red\"\n"
    "[[fruits.varieties]]\nname = \"red delicious\"\n[[fruits]]\nname = \"banana\"\n",
    "s = \"\"\"\nmulti\\tline\r\n\"\"\"\n'lit key' = '''\\raw'''\n\"\\u0000\" = \"\\u0000\"\n"
    "f = [inf, -inf, nan, -0.0, 1e-300, 5e-324, 1.7976931348623157e308]\n"
    "i = [0x7FFFFFFFFFFFFFFF, -9223372036854775808, 0b0, 0o17]\n"
    "d = [1979-05-27, 07:32:00.999999999, 1979-05-27 07:32:00, 1979-05-27t07:32:00.1+01:30]\n",
    "a = {}\nb = []\n[c]\n[d.e]\n[[f]]\n[[f]]\ng = { h.i = 1, j = { k = [] } }\n",
    "\"é\" = { \"a b\" = 1, \"\" = 2 }\n[\"x.y\".z]\n\"\\\\\" = 3\n",
};

Test(toml, round_trips)
{
    for (size_t i = 0; i < sizeof(round_trip_docs) / sizeof(round_trip_docs[0]); i++) {
        toml_doc_t *d1 = ok(round_trip_docs[i]);
        char *w1 = written(d1);
        toml_doc_t *d2 = ok(w1);
        same(toml_doc_root(d1), toml_doc_root(d2), "$");
        char *w2 = written(d2);
        cr_assert_str_eq(w1, w2, "rewriting is a fixed point");
        /* the parsed structure survives: inline stays inline, [[x]] stays [[x]] */
        for (size_t k = 0; k < toml_len(toml_doc_root(d1)); k++) {
            const char *key;
            size_t kl;
            const toml_value_t *v = toml_entry(toml_doc_root(d1), k, &key, &kl);
            const toml_value_t *v2 = toml_getn(toml_doc_root(d2), key, kl);
            cr_assert_eq(toml_is_inline(v), toml_is_inline(v2), "%s", key);
            cr_assert_eq(toml_is_table_array(v), toml_is_table_array(v2), "%s", key);
        }
        free(w1);
        free(w2);
        toml_doc_free(d1);
        toml_doc_free(d2);
    }
}
