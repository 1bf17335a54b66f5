/* Unit tests for pkg/wheelname: wheel filename parsing, build tags and ranking. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/wheelname.h"

static const tag_facts_t DEBIAN311 = {
    .implementation = "cpython", .major = 3, .minor = 11, .abiflags = "",
    .soabi = "cpython-311-x86_64-linux-gnu", .system = "linux", .machine = "x86_64",
    .pointer_bits = 64, .libc = "glibc", .libc_version = "2.36",
};

static wheelname_t *parse_ok(const char *fn)
{
    wheelname_t *w = NULL;
    err_t *e = wheelname_parse(fn, &w);
    cr_assert_null(e, "%s: %s", fn, e ? e->msg : "");
    return w;
}

Test(wheelname, parse_fields)
{
    wheelname_t *w = parse_ok("Foo_Bar-1.0.post1-py3-none-any.whl");
    cr_expect_str_eq(w->name, "Foo_Bar");
    cr_expect_str_eq(w->key, "foo-bar");
    cr_expect_str_eq(w->version_text, "1.0.post1");
    cr_expect_eq(w->version.post, 1);
    cr_expect_null(w->build);
    cr_assert_eq(w->npythons, 1);
    cr_expect_str_eq(w->pythons[0], "py3");
    cr_expect_str_eq(w->abis[0], "none");
    cr_expect_str_eq(w->platforms[0], "any");
    wheelname_free(w);

    w = parse_ok("numpy-2.1.0-1a-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl");
    cr_expect_str_eq(w->build, "1a");
    cr_expect_str_eq(w->build_num, "1");
    cr_expect_str_eq(w->build_rest, "a");
    cr_assert_eq(w->nplatforms, 2);
    cr_expect_str_eq(w->platforms[0], "manylinux_2_17_x86_64");
    cr_expect_str_eq(w->platforms[1], "manylinux2014_x86_64");
    wheelname_free(w);

    w = parse_ok("six-1.16.0-py2.PY3-none-any.whl");
    cr_assert_eq(w->npythons, 2);
    cr_expect_str_eq(w->pythons[1], "py3", "tags are lowercased");
    wheelname_free(w);

    /* percent-decoding of names taken from URLs */
    w = parse_ok("torch-2.4.0%2Bcpu-cp311-cp311-linux_x86_64.whl");
    cr_expect_str_eq(w->version_text, "2.4.0+cpu");
    cr_expect_str_eq(w->version.local, "cpu");
    cr_expect_str_eq(w->filename, "torch-2.4.0+cpu-cp311-cp311-linux_x86_64.whl");
    wheelname_free(w);

    w = parse_ok("zope.interface-6.0-cp311-cp311-linux_x86_64.whl");
    cr_expect_str_eq(w->key, "zope-interface");
    wheelname_free(w);
}

Test(wheelname, rejects)
{
    static const char *const bad[] = {
        "foo-1.0-py3-none-any.zip", "foo-1.0-py3-none.whl", "foo-1.0-1-2-py3-none-any.whl",
        "foo-bar-1.0-1-py3-none-any.whl", "foo-1.0-x1-py3-none-any.whl",
        "foo-1.0a-b-py3-none-any.whl", "foo-notaversion-py3-none-any.whl",
        "foo__bar-1.0-py3-none-any.whl", "-1.0-py3-none-any.whl", "foo+x-1.0-py3-none-any.whl",
        "foo-1.0-py3..py2-none-any.whl", "foo-1.0-py3-none-.whl", "foo-1.0-py3-none-any.whl%",
        "foo-1.0%zz-py3-none-any.whl", "foo-1.0-py3-none-%2Fany.whl", ".whl", "",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        wheelname_t *w = (wheelname_t *)1;
        err_t *e = wheelname_parse(bad[i], &w);
        cr_expect_not_null(e, "'%s' should be rejected", bad[i]);
        cr_expect_null(w);
        if (e) {
            cr_expect(strstr(e->msg, "invalid wheel filename"), "%s", e->msg);
            cr_expect_eq(e->exit_code, EXIT_USAGE);
        }
        err_free(e);
    }
}

Test(wheelname, build_order)
{
    const char *names[] = {
        "a-1.0-py3-none-any.whl", "a-1.0-1-py3-none-any.whl", "a-1.0-1a-py3-none-any.whl",
        "a-1.0-1b-py3-none-any.whl", "a-1.0-2-py3-none-any.whl", "a-1.0-10-py3-none-any.whl",
        "a-1.0-99999999999999999999999-py3-none-any.whl",
    };
    size_t n = sizeof names / sizeof names[0];
    wheelname_t *w[16];
    for (size_t i = 0; i < n; i++)
        w[i] = parse_ok(names[i]);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            int want = i < j ? -1 : i > j ? 1 : 0;
            cr_expect_eq(wheelname_build_cmp(w[i], w[j]), want, "%s vs %s", names[i], names[j]);
        }
    wheelname_t *z = parse_ok("a-1.0-010-py3-none-any.whl");
    cr_expect_eq(wheelname_build_cmp(z, w[5]), 0, "leading zeros do not count");
    wheelname_free(z);
    for (size_t i = 0; i < n; i++)
        wheelname_free(w[i]);
}

Test(wheelname, rank_and_best)
{
    tagset_t *t = tagset_new(&DEBIAN311);
    wheelname_t *pure = parse_ok("a-1.0-py3-none-any.whl");
    wheelname_t *many = parse_ok("a-1.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl");
    wheelname_t *abi3 = parse_ok("a-1.0-cp38-abi3-manylinux_2_28_x86_64.whl");
    wheelname_t *win = parse_ok("a-1.0-cp311-cp311-win_amd64.whl");
    wheelname_t *cp312 = parse_ok("a-1.0-cp312-cp312-manylinux_2_17_x86_64.whl");
    wheelname_t *pure2 = parse_ok("a-1.0-2-py3-none-any.whl");
    wheelname_t *multi = parse_ok("a-1.0-cp310.cp311-cp310.cp311-linux_x86_64.whl");

    long r_pure = wheelname_rank(pure, t), r_many = wheelname_rank(many, t);
    long r_abi3 = wheelname_rank(abi3, t);
    cr_expect_eq(r_pure, tagset_priority_str(t, "py3-none-any"));
    cr_expect_eq(r_many, tagset_priority_str(t, "cp311-cp311-manylinux_2_17_x86_64"),
                 "best of the compressed set");
    cr_expect_eq(r_abi3, tagset_priority_str(t, "cp38-abi3-manylinux_2_28_x86_64"));
    cr_expect_eq(wheelname_rank(win, t), -1);
    cr_expect_eq(wheelname_rank(cp312, t), -1);
    cr_expect_eq(wheelname_rank(multi, t), tagset_priority_str(t, "cp311-cp311-linux_x86_64"));
    cr_expect(r_many < r_abi3 && r_abi3 < r_pure);

    wheelname_t *c1[] = {pure, win, abi3, many, cp312};
    cr_expect_eq(wheelname_best(c1, 5, t), 3);
    wheelname_t *c2[] = {pure, pure2, win};
    cr_expect_eq(wheelname_best(c2, 3, t), 1, "ties go to the higher build tag");
    wheelname_t *c3[] = {win, cp312};
    cr_expect_eq(wheelname_best(c3, 2, t), -1);
    cr_expect_eq(wheelname_best(NULL, 0, t), -1);

    wheelname_free(pure);
    wheelname_free(many);
    wheelname_free(abi3);
    wheelname_free(win);
    wheelname_free(cp312);
    wheelname_free(pure2);
    wheelname_free(multi);
    tagset_free(t);
}
