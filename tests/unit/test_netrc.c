/* Unit tests for index/netrc: .netrc parsing and host lookup. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "index/netrc.h"

TestSuite(netrc);

static netrc_t *parse(const char *t)
{
    return netrc_parse(t, strlen(t), "/home/u/.netrc");
}

Test(netrc, machines_default_and_first_match)
{
    netrc_t *n = parse("# a comment line\n"
                       "machine idx.example login alice password s3cret\n"
                       "machine IDX.example login second password other\n"
                       "machine files.example\n  login bob\n  password \"with space \\\" q\"\n"
                       "  account acct\n"
                       "default login anon password anonpw\n");
    cr_assert_eq(n->nwarnings, 0, "%s", n->warnings[0]);
    const netrc_entry_t *e = netrc_lookup(n, "idx.example");
    cr_assert_not_null(e);
    cr_assert_str_eq(e->login, "alice");
    cr_assert_str_eq(e->password, "s3cret");
    e = netrc_lookup(n, "Idx.Example");
    cr_assert_str_eq(e->login, "alice", "host names compare case-insensitively; first wins");
    e = netrc_lookup(n, "files.example");
    cr_assert_str_eq(e->login, "bob");
    cr_assert_str_eq(e->password, "with space \" q");
    e = netrc_lookup(n, "elsewhere");
    cr_assert_null(e->machine);
    cr_assert_str_eq(e->login, "anon");
    netrc_free(n);
}

Test(netrc, no_default_no_match)
{
    netrc_t *n = parse("machine a login x password y");
    cr_assert_null(netrc_lookup(n, "b"));
    cr_assert_null(netrc_lookup(NULL, "a"));
    netrc_free(n);
}

Test(netrc, macdef_is_skipped)
{
    netrc_t *n = parse("macdef init\ncd /pub\nmachine evil login no password no\n\n"
                       "machine good login yes password pw\n");
    cr_assert_null(netrc_lookup(n, "evil"), "inside a macro body");
    cr_assert_str_eq(netrc_lookup(n, "good")->login, "yes");
    netrc_free(n);
}

Test(netrc, problems_are_warnings_without_secrets)
{
    netrc_t *n = parse("login early\nmachine h login u password verysecretpassword bogus "
                       "tokenthatislong\nmachine");
    cr_assert_geq(n->nwarnings, 3);
    cr_assert(strstr(n->warnings[0], "/home/u/.netrc:1: 'login' before any"), "%s", n->warnings[0]);
    cr_assert(strstr(n->warnings[1], "unknown token 'bogus'"), "%s", n->warnings[1]);
    cr_assert(strstr(n->warnings[2], "'tokentha...'"), "%s", n->warnings[2]);
    cr_assert(strstr(n->warnings[3], ":3: 'machine' without a host name"), "%s", n->warnings[3]);
    for (size_t i = 0; i < n->nwarnings; i++)
        cr_assert_null(strstr(n->warnings[i], "verysecret"));
    cr_assert_str_eq(netrc_lookup(n, "h")->password, "verysecretpassword");
    netrc_free(n);
}

Test(netrc, missing_file_is_empty)
{
    netrc_t *n = netrc_load("/nonexistent/dir/.netrc");
    cr_assert_eq(n->n, 0);
    cr_assert_eq(n->nwarnings, 0);
    netrc_free(n);
}


