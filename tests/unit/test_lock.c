/* Unit tests for lock/lock's pure parts: what a relock changed, freshness, and whether a lock
 * admits an interpreter. */
#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>

#include "lock/lock.h"
#include "util/strv.h"
#include "util/xalloc.h"

static pylock_t *lock_of(const char *const *pairs)
{
    pylock_t *l = pylock_new();
    for (size_t i = 0; pairs[i]; i += 2) {
        pylock_package_t *p = pylock_add_package(l, pairs[i], pairs[i + 1]);
        if (!pairs[i + 1]) {
            p->source = PYLOCK_DIRECTORY;
            p->directory.path = xstrdup(".");
            p->directory.editable = true;
        }
    }
    return l;
}

static char *joined(char **v)
{
    size_t n = 1;
    for (size_t i = 0; v && v[i]; i++)
        n += strlen(v[i]) + 1;
    char *s = xcalloc(n, 1);
    for (size_t i = 0; v && v[i]; i++) {
        strcat(s, v[i]);
        strcat(s, "\n");
    }
    return s;
}

Test(lock, diff_says_what_was_added_changed_and_removed)
{
    const char *a[] = {"idna", "3.7", "requests", "2.31.0", "chardet", "5.2.0", NULL};
    const char *b[] = {"idna", "3.7", "requests", "2.32.3", "urllib3", "2.2.1", "proj", NULL,
                       NULL};
    pylock_t *old = lock_of(a), *nl = lock_of(b);
    char **d = lock_diff(old, nl);
    char *s = joined(d);
    cr_assert_str_eq(s, "~ requests 2.31.0 -> 2.32.3\n+ urllib3 2.2.1\n+ proj (., editable)\n"
                        "- chardet 5.2.0\n");
    free(s);
    strv_free(d);
    /* nothing changed: NULL; no old lock: everything is new */
    cr_assert_null(lock_diff(nl, nl));
    d = lock_diff(NULL, old);
    cr_assert_eq(strv_len(d), 3);
    cr_assert_str_eq(d[0], "+ idna 3.7");
    strv_free(d);
    pylock_free(old);
    pylock_free(nl);
}

Test(lock, fresh_only_with_the_same_inputs_digest)
{
    pylock_t *l = pylock_new();
    lock_inputs_t in = {.digest = "fnv128:00112233445566778899aabbccddeeff"};
    cr_assert_not(lock_is_fresh(l, &in), "a lock without inputs is never fresh");
    l->inputs = xstrdup(in.digest);
    cr_assert(lock_is_fresh(l, &in));
    in.digest = "fnv128:00112233445566778899aabbccddeef0";
    cr_assert_not(lock_is_fresh(l, &in));
    cr_assert_not(lock_is_fresh(NULL, &in));
    pylock_free(l);
}

static interp_t py311(void)
{
    interp_t p;
    memset(&p, 0, sizeof p);
    p.implementation = "cpython";
    p.version = "3.11.2";
    p.major = 3;
    p.minor = 11;
    p.m_os_name = "posix";
    p.m_sys_platform = "linux";
    p.m_platform_machine = "x86_64";
    p.m_platform_python_implementation = "CPython";
    p.m_platform_system = "Linux";
    p.m_python_version = "3.11";
    p.m_python_full_version = "3.11.2";
    p.m_implementation_name = "cpython";
    return p;
}

Test(lock, covers_checks_requires_python_and_environments)
{
    interp_t py = py311();
    pylock_t *l = pylock_new();
    cr_assert(lock_covers(l, &py), "no restriction");
    l->requires_python = xstrdup(">=3.12");
    cr_assert_not(lock_covers(l, &py), "a lock made for 3.12 does not admit 3.11");
    free(l->requires_python);
    l->requires_python = xstrdup(">=3.10");
    cr_assert(lock_covers(l, &py));
    strv_push(&l->environments, NULL, NULL, xstrdup("sys_platform == \"darwin\""));
    cr_assert_not(lock_covers(l, &py), "environments exclude linux");
    strv_push(&l->environments, NULL, NULL, xstrdup("sys_platform == \"linux\""));
    cr_assert(lock_covers(l, &py), "one environment that holds is enough");
    cr_assert(lock_covers(NULL, &py), "no lock: nothing to refuse");
    pylock_free(l);
}
