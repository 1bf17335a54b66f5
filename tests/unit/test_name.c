/* Unit tests for pkg/name: project name validation and normalisation. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/name.h"

Test(name, normalize_and_escape)
{
    static const char *const cases[][3] = {
        {"requests", "requests", "requests"},
        {"Foo.Bar", "foo-bar", "foo_bar"},
        {"foo__bar", "foo-bar", "foo_bar"},
        {"FOO-_.-bar", "foo-bar", "foo_bar"},
        {"zope.interface", "zope-interface", "zope_interface"},
        {"typing_extensions", "typing-extensions", "typing_extensions"},
        {"A", "a", "a"},
        {"a-", "a-", "a_"},
        {"", "", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *n = pkg_name_normalize(cases[i][0]);
        char *e = pkg_name_escape(cases[i][0]);
        cr_expect_str_eq(n, cases[i][1], "normalize(%s)", cases[i][0]);
        cr_expect_str_eq(e, cases[i][2], "escape(%s)", cases[i][0]);
        char *twice = pkg_name_normalize(n);
        cr_expect_str_eq(twice, n, "idempotent");
        free(twice);
        free(n);
        free(e);
    }
    char *n = pkg_name_normalize_n("Foo.Bar-1.0", 7);
    cr_expect_str_eq(n, "foo-bar");
    free(n);
}

Test(name, normalize_into_a_buffer)
{
    /* the same text as pkg_name_normalize, in the caller's n + 1 bytes, its length returned */
    static const char *const names[] = {"Foo.Bar", "FOO-_.-bar", "requests", "a-", "A", ""};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        size_t n = strlen(names[i]);
        char out[32];
        memset(out, 'x', sizeof out);
        size_t len = pkg_name_normalize_into(names[i], n, out);
        char *want = pkg_name_normalize(names[i]);
        cr_expect_str_eq(out, want, "normalize_into(%s)", names[i]);
        cr_expect_eq(len, strlen(want), "length of %s", names[i]);
        cr_expect_eq(out[n + 1], 'x', "%s: nothing written past n + 1 bytes", names[i]);
        free(want);
    }
    char out[8];
    cr_expect_eq(pkg_name_normalize_into("Foo.Bar-1.0", 7, out), 7u);
    cr_expect_str_eq(out, "foo-bar", "only the first n bytes");
}

Test(name, equality)
{
    cr_expect(pkg_name_eq("Foo.Bar", "foo-bar"));
    cr_expect(pkg_name_eq("foo___bar", "FOO.bar"));
    cr_expect(pkg_name_eq("", ""));
    cr_expect(!pkg_name_eq("foobar", "foo-bar"));
    cr_expect(!pkg_name_eq("foo", "foo-"));
    cr_expect(!pkg_name_eq("foo-bar", "foo-ba"));
    cr_expect(pkg_name_eq_n("foo_bar-1.0.dist-info", 7, "Foo.Bar", 7));
    cr_expect(!pkg_name_eq_n("foo_bar-1.0.dist-info", 9, "Foo.Bar", 7));
}

Test(name, validity)
{
    static const char *const good[] = {"a", "A1", "foo-bar", "foo.bar_baz", "1a", "x.y.z", "a--b"};
    static const char *const bad[] = {"", "-a", "a-", "_a", "a_", ".a", "a.", "a b", "a+b", "é",
                                      "a/b"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        cr_expect(pkg_name_valid(good[i]), "%s", good[i]);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_expect(!pkg_name_valid(bad[i]), "%s", bad[i]);
    cr_expect(!pkg_name_valid(NULL));
    cr_expect(pkg_name_valid_n("foo-", 3));
}

Test(name, dist_info_dir)
{
    char *d = pkg_dist_info_dir("Foo.Bar", "1.0.post1");
    cr_expect_str_eq(d, "foo_bar-1.0.post1.dist-info");
    free(d);
    d = pkg_dist_info_dir("x", "1.0+ubuntu-1");
    cr_expect_str_eq(d, "x-1.0+ubuntu_1.dist-info");
    free(d);
}

Test(name, is_normalized_without_allocating)
{
    const char *yes[] = {"a", "requests", "zope-interface", "a1-b2-c3", "0", NULL};
    const char *no[] = {"", "A", "zope_interface", "zope.interface", "a--b", "-a", "a-",
                        "Requests", "a b", "é", NULL};
    for (size_t i = 0; yes[i]; i++) {
        cr_assert(pkg_name_is_normalized(yes[i]), "%s", yes[i]);
        char *n = pkg_name_normalize(yes[i]);
        cr_assert_str_eq(n, yes[i]);
        free(n);
    }
    for (size_t i = 0; no[i]; i++)
        cr_assert_not(pkg_name_is_normalized(no[i]), "'%s'", no[i]);
    cr_assert_not(pkg_name_is_normalized(NULL));
}
