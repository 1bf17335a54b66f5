/* pyvenv.cfg reading and writing, and Python's repr() of a str. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/err.h"
#include "util/xalloc.h"
#include "venv/cfg.h"

static char *render(const venv_cfg_t *c)
{
    buf_t b = BUF_INIT;
    venv_cfg_render(c, &b);
    return buf_detach(&b);
}

static venv_cfg_t *parse(const char *s)
{
    return venv_cfg_parse(s, strlen(s));
}

Test(venv_cfg, parses_cpython_cfg_and_renders_it_unchanged)
{
    const char *text = "home = /usr/bin\n"
                       "include-system-site-packages = false\n"
                       "version = 3.11.2\n"
                       "prompt = 'P x'\n"
                       "executable = /usr/bin/python3.11\n"
                       "command = /usr/bin/python3.11 -m venv --prompt=\"P x\" /tmp/e\n";
    venv_cfg_t *c = parse(text);
    cr_assert_eq(c->n, 6);
    cr_assert_str_eq(venv_cfg_get(c, CFG_HOME), "/usr/bin");
    cr_assert_str_eq(venv_cfg_get(c, CFG_SYSTEM_SITE), "false");
    cr_assert_str_eq(venv_cfg_get(c, CFG_VERSION), "3.11.2");
    cr_assert_str_eq(venv_cfg_get(c, CFG_PROMPT), "'P x'");
    cr_assert_str_eq(venv_cfg_get(c, CFG_COMMAND),
                     "/usr/bin/python3.11 -m venv --prompt=\"P x\" /tmp/e");
    cr_assert_null(venv_cfg_get(c, "venvsync"));
    char *out = render(c);
    cr_assert_str_eq(out, text);
    free(out);
    venv_cfg_free(c);
}

Test(venv_cfg, splits_on_first_equals_trims_and_lowercases_keys)
{
    venv_cfg_t *c = parse("  Home\t=  /opt/py/bin  \nKEY=a=b = c\nempty =\n");
    cr_assert_str_eq(venv_cfg_get(c, "home"), "/opt/py/bin");
    cr_assert_str_eq(venv_cfg_get(c, "HOME"), "/opt/py/bin", "lookups ignore case like the parser");
    cr_assert_str_eq(venv_cfg_get(c, "key"), "a=b = c");
    cr_assert_str_eq(venv_cfg_get(c, "empty"), "");
    cr_assert_str_eq(c->lines[0].key, "home");
    char *out = render(c);
    cr_assert_str_eq(out, "home = /opt/py/bin\nkey = a=b = c\nempty = \n");
    free(out);
    venv_cfg_free(c);
}

Test(venv_cfg, keeps_lines_without_equals_verbatim)
{
    const char *text = "# written by hand\nhome = /usr/bin\n\n[section]\n  indented note\n";
    venv_cfg_t *c = parse(text);
    cr_assert_eq(c->n, 5);
    cr_assert_null(c->lines[0].key);
    cr_assert_str_eq(c->lines[0].value, "# written by hand");
    cr_assert_null(c->lines[2].key);
    cr_assert_str_eq(c->lines[2].value, "");
    cr_assert_str_eq(c->lines[4].value, "  indented note");
    char *out = render(c);
    cr_assert_str_eq(out, text);
    free(out);
    venv_cfg_free(c);
}

Test(venv_cfg, crlf_and_cr_line_ends_and_missing_final_newline)
{
    venv_cfg_t *c = parse("home = C:\\py\r\nversion = 3.12.1\rprompt = x\r\nlast = y");
    cr_assert_eq(c->n, 4);
    cr_assert_str_eq(venv_cfg_get(c, "home"), "C:\\py");
    cr_assert_str_eq(venv_cfg_get(c, "version"), "3.12.1");
    cr_assert_str_eq(venv_cfg_get(c, "prompt"), "x");
    cr_assert_str_eq(venv_cfg_get(c, "last"), "y");
    char *out = render(c);
    cr_assert_str_eq(out, "home = C:\\py\nversion = 3.12.1\nprompt = x\nlast = y\n");
    free(out);
    venv_cfg_free(c);

    c = venv_cfg_parse("", 0);
    cr_assert_eq(c->n, 0);
    venv_cfg_free(c);
    c = venv_cfg_parse(NULL, 0);
    cr_assert_eq(c->n, 0);
    venv_cfg_free(c);
}

Test(venv_cfg, virtualenv_and_uv_files_with_unquoted_prompt)
{
    const char *virtualenv = "home = /usr/bin\n"
                             "implementation = CPython\n"
                             "version_info = 3.11.2.final.0\n"
                             "virtualenv = 20.17.1\n"
                             "include-system-site-packages = false\n"
                             "base-prefix = /usr\n"
                             "prompt = my proj\n";
    venv_cfg_t *c = parse(virtualenv);
    cr_assert_str_eq(venv_cfg_get(c, "version_info"), "3.11.2.final.0");
    char *p = py_unrepr_str(venv_cfg_get(c, CFG_PROMPT));
    cr_assert_str_eq(p, "my proj");
    free(p);
    char *out = render(c);
    cr_assert_str_eq(out, virtualenv);
    free(out);
    venv_cfg_free(c);

    c = parse("home = /x/bin\nuv = 0.4.0\nprompt = it's\n");
    p = py_unrepr_str(venv_cfg_get(c, CFG_PROMPT));
    cr_assert_str_eq(p, "it's", "an unquoted prompt with a quote inside is kept as is");
    free(p);
    venv_cfg_free(c);
}

Test(venv_cfg, set_replaces_first_drops_duplicates_appends_and_removes)
{
    venv_cfg_t *c = parse("home = /a\n# note\nprompt = 'x'\nhome = /b\nversion = 3.9.1\n");
    cr_assert_str_eq(venv_cfg_get(c, "home"), "/a", "the first of duplicate keys wins");
    venv_cfg_set(c, "HOME", "/c");
    char *out = render(c);
    cr_assert_str_eq(out, "home = /c\n# note\nprompt = 'x'\nversion = 3.9.1\n");
    free(out);
    venv_cfg_set(c, "venvsync", "0.1.0");
    venv_cfg_set(c, "prompt", NULL);
    venv_cfg_set(c, "absent", NULL);
    out = render(c);
    cr_assert_str_eq(out, "home = /c\n# note\nversion = 3.9.1\nvenvsync = 0.1.0\n");
    free(out);
    cr_assert_null(venv_cfg_get(c, "prompt"));
    venv_cfg_free(c);
}

Test(venv_cfg, read_from_disk_and_missing_file)
{
    char path[] = "/tmp/venvsync-cfg-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    const char *text = "home = /usr/bin\nversion = 3.11.2\n";
    cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    venv_cfg_t *c = NULL;
    err_t *e = venv_cfg_read(path, &c);
    cr_assert_null(e);
    cr_assert_str_eq(venv_cfg_get(c, "version"), "3.11.2");
    venv_cfg_free(c);
    unlink(path);

    c = (venv_cfg_t *)1;
    e = venv_cfg_read(path, &c);
    cr_assert_not_null(e);
    cr_assert_null(c);
    cr_assert(strstr(e->msg, path) != NULL, "the error names the file: %s", e->msg);
    err_free(e);
}

/* Expected values produced by CPython 3.13's repr() (hard-coded, verified with python3). */
static const struct {
    const char *in, *repr;
} repr_table[] = {
    {"", "''"},
    {"abc", "'abc'"},
    {"it's", "\"it's\""},
    {"say \"hi\"", "'say \"hi\"'"},
    {"it's \"x\"", "'it\\'s \"x\"'"},
    {"a\\b", "'a\\\\b'"},
    {"tab\x09" "here", "'tab\\there'"},
    {"nl\x0a" "x", "'nl\\nx'"},
    {"cr\x0d" "x", "'cr\\rx'"},
    {"\x01" "\x1f" "\x7f", "'\\x01\\x1f\\x7f'"},
    {"caf\xc3\xa9", "'caf\xc3\xa9'"},
    {"nb\xc2\xa0" "sp", "'nb\\xa0sp'"},
    {"zw\xe2\x80\x8b" "sp", "'zw\\u200bsp'"},
    {"\xf0\x9f\x98\x80", "'\xf0\x9f\x98\x80'"},
    {"tag\xf3\xa0\x80\x81", "'tag\\U000e0001'"},
    {"ls\xe2\x80\xa8", "'ls\\u2028'"},
    {"\xf4\x8f\xbf\xbf", "'\\U0010ffff'"},
    {"\xe6\x97\xa5\xe6\x9c\xac", "'\xe6\x97\xa5\xe6\x9c\xac'"},
    {"\\'", "\"\\\\'\""},
    {"\xc2\x80", "'\\x80'"},
    {"\xcd\xb8", "'\\u0378'"},
    {"$HOME `x` !y", "'$HOME `x` !y'"},
    /* Undecodable bytes, as Python shows them after surrogateescape decoding. */
    {"\xff", "'\\udcff'"},
    {"a\xc3(", "'a\\udcc3('"},
    {"\xed\xa0\x80", "'\\udced\\udca0\\udc80'"},
};

Test(venv_cfg, repr_matches_python)
{
    for (size_t i = 0; i < sizeof repr_table / sizeof repr_table[0]; i++) {
        char *r = py_repr_str(repr_table[i].in);
        cr_expect_str_eq(r, repr_table[i].repr, "case %zu: got %s", i, r);
        free(r);
    }
}

Test(venv_cfg, unrepr_inverts_repr)
{
    for (size_t i = 0; i < sizeof repr_table / sizeof repr_table[0]; i++) {
        char *u = py_unrepr_str(repr_table[i].repr);
        cr_expect_str_eq(u, repr_table[i].in, "case %zu", i);
        free(u);
    }
}

Test(venv_cfg, unrepr_is_tolerant)
{
    static const struct {
        const char *in, *out;
    } t[] = {
        {"plain", "plain"},             /* virtualenv / uv: unquoted */
        {"my proj", "my proj"},
        {"'", "'"},                     /* a lone quote is not a quoted string */
        {"'abc\"", "'abc\""},           /* mismatched quotes */
        {"\"dq\"", "dq"},
        {"'\\x41\\u00e9\\U0001f600'", "A\xc3\xa9\xf0\x9f\x98\x80"},
        {"'\\101\\0'", "A"},            /* octal; \0 ends the C string */
        {"'\\q\\''", "\\q'"},            /* unknown escape keeps its backslash */
        {"'\\xZZ'", "\\xZZ"},           /* malformed escape kept as written */
        {"", ""},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        char *u = py_unrepr_str(t[i].in);
        cr_expect_str_eq(u, t[i].out, "case %zu (%s): got %s", i, t[i].in, u);
        free(u);
    }
    char *u = py_unrepr_str(NULL);
    cr_assert_str_eq(u, "");
    free(u);
}
