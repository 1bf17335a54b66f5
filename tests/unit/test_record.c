/* RECORD: parsing as Python's csv module reads it, writing as pip writes it, and the path
 * checks the uninstaller relies on. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/xalloc.h"
#include "pkg/record.h"

TestSuite(record);

static record_t parse_ok(const char *text)
{
    record_t r = RECORD_INIT;
    err_t *e = record_parse(text, strlen(text), "RECORD", &r);
    cr_assert_null(e, "%s", e ? e->msg : "");
    return r;
}

static void parse_fails(const char *text, size_t len, const char *part)
{
    record_t r = RECORD_INIT;
    err_t *e = record_parse(text, len, "x/RECORD", &r);
    cr_assert_not_null(e, "accepted: %s", text);
    cr_assert(strstr(e->msg, part), "expected '%s' in: %s", part, e->msg);
    cr_assert(strncmp(e->msg, "x/RECORD: line ", 15) == 0, "%s", e->msg);
    cr_assert_eq(r.n, 0);
    err_free(e);
}

Test(record, parses_rows_hashes_and_sizes)
{
    record_t r = parse_ok("a/b.py,sha256=AAAA,12\r\n"
                          "c.dist-info/RECORD,,\r\n"
                          "\r\n"
                          "d.txt,sha512=x=y,0\n"
                          "only-path\n"
                          "two,sha256=Q\rlast,,7");
    cr_assert_eq(r.n, 6);
    cr_assert_str_eq(r.rows[0].path, "a/b.py");
    cr_assert_str_eq(r.rows[0].hash_algo, "sha256");
    cr_assert_str_eq(r.rows[0].hash, "AAAA");
    cr_assert_eq(r.rows[0].size, 12);
    cr_assert_null(r.rows[1].hash_algo);
    cr_assert_null(r.rows[1].hash);
    cr_assert_eq(r.rows[1].size, -1);
    cr_assert_str_eq(r.rows[2].hash_algo, "sha512");
    cr_assert_str_eq(r.rows[2].hash, "x=y", "split at the first '='");
    cr_assert_eq(r.rows[2].size, 0);
    cr_assert_str_eq(r.rows[3].path, "only-path");
    cr_assert_null(r.rows[3].hash);
    cr_assert_eq(r.rows[3].size, -1);
    cr_assert_str_eq(r.rows[4].hash, "Q");
    cr_assert_eq(r.rows[4].size, -1);
    cr_assert_str_eq(r.rows[5].path, "last");
    cr_assert_eq(r.rows[5].size, 7);
    cr_assert_not_null(record_find(&r, "d.txt"));
    cr_assert_null(record_find(&r, "nope"));
    record_free(&r);
    cr_assert_eq(r.n, 0);
}

Test(record, quoting_values)
{
    record_t r = parse_ok("\"a,b\",h=1,2\n\"q\"\"x\",,\n\"x\"y,,\n\"multi\r\nline\",,\n");
    cr_assert_eq(r.n, 4);
    cr_assert_str_eq(r.rows[0].path, "a,b");
    cr_assert_str_eq(r.rows[1].path, "q\"x");
    cr_assert_str_eq(r.rows[2].path, "xy", "text after a closing quote is kept (non-strict)");
    cr_assert_str_eq(r.rows[3].path, "multi\r\nline");
    record_free(&r);
}

Test(record, errors)
{
    parse_fails("a,b,c,d\n", 8, "more than three fields");
    parse_fails("ok,,\nx,sha256=a,12x\n", 20, "line 2: invalid size '12x'");
    parse_fails("x,sha256,1\n", 11, "invalid hash");
    parse_fails("x,=abc,1\n", 9, "invalid hash");
    parse_fails(",sha256=a,1\n", 12, "empty path");
    parse_fails("ok,,\n\"\",h=2,3", 13, "line 2: empty path");
    parse_fails("\"open,,\n", 8, "unterminated quoted field");
    parse_fails("a\0b,,\n", 6, "NUL");
    parse_fails("x,,99999999999999999999\n", 24, "invalid size");
}

Test(record, empty_input_is_an_empty_record)
{
    record_t r = parse_ok("");
    cr_assert_eq(r.n, 0);
    r = parse_ok("\n\r\n\n");
    cr_assert_eq(r.n, 0);
}

Test(record, writes_like_pip)
{
    record_t r = RECORD_INIT;
    record_add(&r, "pkg/mod.py", "qDELPlksFSwWLqsldfcO3h82HUM9qbRemTxcdjn1Jb8", 16);
    record_add(&r, "../../../bin/tool", "wDmXn_oVHZvH01Z7O2S58ePcTMJFP9zmkp6sy70srqg", 213);
    record_add(&r, "pkg-1.0.dist-info/RECORD", NULL, -1);
    record_add(&r, "pkg/a,b \"q\".txt", "x", 1);
    record_add(&r, "Pkg/Upper.py", "y", 0);
    record_sort(&r);
    buf_t b = BUF_INIT;
    record_write(&r, &b);
    /* Python: sorted() on str tuples: '.' < 'P' < 'p'; CRLF; QUOTE_MINIMAL */
    cr_assert_str_eq(buf_cstr(&b),
                     "../../../bin/tool,sha256=wDmXn_oVHZvH01Z7O2S58ePcTMJFP9zmkp6sy70srqg,213\r\n"
                     "Pkg/Upper.py,sha256=y,0\r\n"
                     "pkg-1.0.dist-info/RECORD,,\r\n"
                     "\"pkg/a,b \"\"q\"\".txt\",sha256=x,1\r\n"
                     "pkg/mod.py,sha256=qDELPlksFSwWLqsldfcO3h82HUM9qbRemTxcdjn1Jb8,16\r\n");
    /* And it reads back. */
    record_t back = RECORD_INIT;
    cr_assert_null(record_parse(b.data, b.len, "RECORD", &back));
    cr_assert_eq(back.n, r.n);
    for (size_t i = 0; i < r.n; i++)
        cr_assert_str_eq(back.rows[i].path, r.rows[i].path);
    record_free(&back);
    record_free(&r);
    buf_free(&b);
}

Test(record, sort_ties_use_hash_then_size_text)
{
    record_t r = RECORD_INIT;
    record_add(&r, "a", "b", 10);
    record_add(&r, "a", "b", 9);
    record_add(&r, "a", "a", 99);
    record_add(&r, "a", NULL, -1);
    record_sort(&r);
    buf_t b = BUF_INIT;
    record_write(&r, &b);
    /* ("a","",""), ("a","sha256=a","99"), ("a","sha256=b","10"), ("a","sha256=b","9") */
    cr_assert_str_eq(buf_cstr(&b), "a,,\r\na,sha256=a,99\r\na,sha256=b,10\r\na,sha256=b,9\r\n");
    buf_free(&b);
    record_free(&r);
}

Test(record, field_quoting)
{
    buf_t b = BUF_INIT;
    record_write_field(&b, "plain path");
    record_write_field(&b, "|");
    record_write_field(&b, "cr\rx");
    record_write_field(&b, "|");
    record_write_field(&b, "nl\nx");
    cr_assert_str_eq(buf_cstr(&b), "plain path|\"cr\rx\"|\"nl\nx\"");
    buf_free(&b);
}

static void resolves(const char *row, const char *want)
{
    char *out = NULL;
    err_t *e = record_resolve_path("/env/lib/python3.12/site-packages", "/env", row, &out);
    cr_assert_null(e, "%s: %s", row, e ? e->msg : "");
    cr_assert_str_eq(out, want);
    free(out);
}

static void refused(const char *row, const char *part)
{
    char *out = NULL;
    err_t *e = record_resolve_path("/env/lib/python3.12/site-packages", "/env", row, &out);
    cr_assert_not_null(e, "accepted %s", row);
    cr_assert_null(out);
    cr_assert(strstr(e->msg, part), "%s: %s", row, e->msg);
    cr_assert_eq(e->exit_code, EXIT_USAGE);
    err_free(e);
}

Test(record, path_safety)
{
    resolves("pkg/mod.py", "/env/lib/python3.12/site-packages/pkg/mod.py");
    resolves("../../../bin/tool", "/env/bin/tool");
    resolves("./pkg/../pkg/x", "/env/lib/python3.12/site-packages/pkg/x");
    resolves("/env/share/x", "/env/share/x");
    refused("../../../../etc/passwd", "outside the environment");
    refused("../../../../env2/x", "outside the environment");
    refused("../../..", "outside the environment");
    refused("/etc/passwd", "outside the environment");
    refused("/envx/y", "outside the environment");
    refused("", "empty");
    refused("a\nb", "control character");
    refused("a\\..\\..\\x", "backslash");
}

Test(record, sha256_b64_shape)
{
    cr_assert(record_hash_is_sha256_b64("qDELPlksFSwWLqsldfcO3h82HUM9qbRemTxcdjn1Jb8"));
    cr_assert_not(record_hash_is_sha256_b64("qDELPlksFSwWLqsldfcO3h82HUM9qbRemTxcdjn1Jb8="));
    cr_assert_not(record_hash_is_sha256_b64("qDELPlksFSwWLqsldfcO3h82HUM9qbRemTxcdjn1Jb"));
    cr_assert_not(record_hash_is_sha256_b64("qDELPlksFSwWLqsldfcO3h82HUM9qbRemTxcdjn1J+8"));
}

/* ---- the row tokenizer the rewriters share ---- */

Test(record, rows_read_like_pythons_csv_byte_for_byte)
{
    const char *t = "a,sha256=x,1\r\n\"b,c\",,\n\"d \"\"q\"\"\",h\n\nlast";
    size_t pos = 0, n = strlen(t);
    record_line_t r = {0};
    cr_assert(record_next_line(t, n, &pos, &r));
    cr_assert_eq(r.nfields, 3);
    cr_assert_str_eq(r.fields[0], "a");
    cr_assert_str_eq(r.fields[1], "sha256=x");
    cr_assert_str_eq(r.fields[2], "1");
    cr_assert_str_eq(r.eol, "\r\n");
    cr_assert_eq(r.raw_len, 12);
    cr_assert(record_next_line(t, n, &pos, &r));
    cr_assert_str_eq(r.fields[0], "b,c");
    cr_assert_str_eq(r.fields[1], "");
    cr_assert_str_eq(r.eol, "\n");
    cr_assert(record_next_line(t, n, &pos, &r));
    cr_assert_eq(r.nfields, 2);
    cr_assert_str_eq(r.fields[0], "d \"q\"");
    cr_assert_str_eq(r.fields[2], "", "a missing field is empty");
    cr_assert(record_next_line(t, n, &pos, &r));
    cr_assert_eq(r.nfields, 0, "an empty line");
    cr_assert(record_next_line(t, n, &pos, &r));
    cr_assert_str_eq(r.fields[0], "last");
    cr_assert_str_eq(r.eol, "");
    cr_assert_not(record_next_line(t, n, &pos, &r));
    const char *open = "x,\"never closed\n";
    pos = 0;
    cr_assert(record_next_line(open, strlen(open), &pos, &r));
    cr_assert(r.unterminated, "a quote that runs to the end is reported");
    cr_assert_str_eq(r.fields[1], "never closed\n");
    record_line_clear(&r);

    buf_t b = BUF_INIT;
    record_write_field(&b, "plain/path.py");
    buf_addc(&b, '|');
    record_write_field(&b, "a,b");
    buf_addc(&b, '|');
    record_write_field(&b, "say \"hi\"");
    cr_assert_str_eq(b.data, "plain/path.py|\"a,b\"|\"say \"\"hi\"\"\"");
    buf_free(&b);
}
