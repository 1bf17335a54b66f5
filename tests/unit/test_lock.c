/* Unit tests for lock/lock's pure parts: what a relock changed, when a lock is fresh (made
 * from these inputs, and still meeting them for the interpreter at hand), and whether a lock
 * admits an interpreter. */
#include <criterion/criterion.h>

#include "support.h"
#include <stdio.h>
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
    cr_assert_not(lock_is_fresh(l, &in, NULL), "a lock without inputs is never fresh");
    l->inputs = xstrdup(in.digest);
    cr_assert(lock_is_fresh(l, &in, NULL));
    in.digest = "fnv128:00112233445566778899aabbccddeef0";
    cr_assert_not(lock_is_fresh(l, &in, NULL));
    cr_assert_not(lock_is_fresh(NULL, &in, NULL));
    pylock_free(l);
}

Test(lock, covers_checks_requires_python_and_environments)
{
    interp_t py = support_debian311();
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

#define H64 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

/* A lock of app 1.0 and lib LIB_VERSION (none when NULL), made from inputs "fnv128:1". */
static pylock_t *lock_with(const char *lib_version)
{
    char *lib = lib_version
                    ? xasprintf("[[packages]]\nname = \"lib\"\nversion = \"%s\"\nwheels = [\n"
                                "  { url = \"https://x/lib-%s-py3-none-any.whl\", hashes = { "
                                "sha256 = \"" H64 "\" } },\n]\n\n",
                                lib_version, lib_version)
                    : xstrdup("");
    char *text = xasprintf("lock-version = \"1.0\"\ncreated-by = \"venvsync\"\n\n"
                           "[[packages]]\nname = \"app\"\nversion = \"1.0\"\nwheels = [\n"
                           "  { url = \"https://x/app-1.0-py3-none-any.whl\", hashes = { "
                           "sha256 = \"" H64 "\" } },\n]\n\n%s"
                           "[tool.venvsync]\ninputs = \"fnv128:1\"\n",
                           lib);
    pylock_t *l = NULL;
    char **warnings = NULL;
    err_t *e = pylock_read(text, strlen(text), "pylock.dev.toml", &l, &warnings);
    cr_assert_null(e, "%s\n%s", e ? e->msg : "", text);
    strv_free(warnings);
    free(text);
    free(lib);
    return l;
}

typedef struct inputs {
    lock_inputs_t in;
    req_t *reqs[4];
    rs_requirement_t rr[4];
} inputs_t;

static void inputs_init(inputs_t *t, const char *const *reqs)
{
    memset(t, 0, sizeof *t);
    for (size_t i = 0; reqs[i]; i++) {
        err_t *e = req_parse(reqs[i], &t->reqs[i], NULL);
        cr_assert_null(e, "%s", reqs[i]);
        t->rr[i] = (rs_requirement_t){.req = t->reqs[i], .origin = "venv.yaml:9:9"};
        t->in.nreqs++;
    }
    t->in.reqs = t->rr;
    t->in.digest = "fnv128:1";
    t->in.path = "/nonexistent/pylock.dev.toml";
    t->in.name = "pylock.dev.toml";
}

static void inputs_free(inputs_t *t)
{
    for (size_t i = 0; i < t->in.nreqs; i++)
        req_free(t->reqs[i]);
}

Test(lock, fresh_when_the_digest_matches_and_the_selection_meets_the_requirements)
{
    interp_t py = support_debian311();
    const char *reqs[] = {"app", "lib>=2", "tomli; python_version < '3.11'", NULL};
    inputs_t t;
    inputs_init(&t, reqs);
    pylock_t *good = lock_with("2.0"), *old = lock_with("1.0"), *none = lock_with(NULL);
    cr_assert(lock_is_fresh(good, &t.in, &py));
    cr_assert(lock_is_fresh(good, &t.in, NULL));
    /* edited by hand: lib 1.0 does not meet lib>=2, and a missing lib meets nothing */
    cr_assert_not(lock_is_fresh(old, &t.in, &py));
    cr_assert_not(lock_is_fresh(none, &t.in, &py));
    /* without an interpreter only the digest counts */
    cr_assert(lock_is_fresh(old, &t.in, NULL));
    /* another digest: stale whatever it holds */
    t.in.digest = "fnv128:2";
    cr_assert_not(lock_is_fresh(good, &t.in, &py));
    cr_assert_not(lock_is_fresh(NULL, &t.in, &py));
    pylock_free(good);
    pylock_free(old);
    pylock_free(none);
    inputs_free(&t);
}

Test(lock, requirements_that_do_not_apply_here_are_not_checked)
{
    interp_t py = support_debian311();
    /* tomli is for Python < 3.11 only and lib only on Windows: neither is locked for 3.11 */
    const char *reqs[] = {"app", "tomli; python_version < '3.11'", "lib; sys_platform == 'win32'",
                          NULL};
    inputs_t t;
    inputs_init(&t, reqs);
    pylock_t *l = lock_with(NULL);
    cr_assert(lock_is_fresh(l, &t.in, &py));
    pylock_free(l);
    inputs_free(&t);
}

/* Inputs as lock_inputs_read makes them (everything on the heap, for lock_inputs_free). */
static void heap_inputs(lock_inputs_t *in, const char *const *items)
{
    memset(in, 0, sizeof *in);
    in->rf = reqfile_new();
    for (size_t i = 0; items[i]; i++) {
        err_t *e = reqfile_add_item(in->rf, items[i], "/nonexistent/venv.yaml", 9 + (int)i, 9,
                                    NULL);
        cr_assert_null(e, "%s", e ? e->msg : "");
    }
    in->reqs = xcalloc(in->rf->n + 1, sizeof(rs_requirement_t));
    in->constraints = xcalloc(in->rf->n + 1, sizeof(rs_requirement_t));
    size_t no = 0, cap = 0;
    for (size_t i = 0; i < in->rf->n; i++) {
        strv_push(&in->origins, &no, &cap, reqfile_origin(&in->rf->entries[i]));
        in->reqs[in->nreqs++] = (rs_requirement_t){.req = in->rf->entries[i].req, .origin = in->origins[i]};
    }
    in->digest = xstrdup("fnv128:1");
    in->path = xstrdup("/nonexistent/pylock.dev.toml");
    in->name = xstrdup("pylock.dev.toml");
}

Test(lock, wants_pin_the_selection_and_take_the_requirements)
{
    interp_t py = support_debian311();
    const char *items[] = {"app", "lib>=2", NULL};
    lock_inputs_t in;
    heap_inputs(&in, items);
    pylock_t *l = lock_with("2.0");
    want_set_t *ws = NULL;
    err_t *e = lock_wants(l, &in, &py, &ws);
    cr_assert_null(e, "%s", e ? e->msg : "");
    cr_assert_eq(ws->n, 2);
    cr_assert_str_eq(ws->pkgs[0].key, "app");
    cr_assert_str_eq(ws->pkgs[0].version, "1.0");
    cr_assert_str_eq(ws->pkgs[1].key, "lib");
    cr_assert_str_eq(ws->pkgs[1].version, "2.0");
    cr_assert_str_eq(ws->pkgs[1].hashes[0], "sha256:" H64);
    /* the requirements went with the want set: nothing of them is left in the inputs (and
     * nothing leaks: the sanitizer build checks) */
    cr_assert_null(in.rf);
    cr_assert_null(in.reqs);
    cr_assert_eq(in.nreqs, 0);
    want_set_free(ws);
    pylock_free(l);
    lock_inputs_free(&in);
}

Test(lock, covers_python_ignores_the_platforms)
{
    interp_t py = support_debian311();
    pylock_t *l = pylock_new();
    strv_push(&l->environments, NULL, NULL, xstrdup("sys_platform == \"win32\""));
    cr_assert_not(lock_covers(l, &py), "narrowed to Windows");
    cr_assert(lock_covers_python(l, &py), "but Python 3.11 is admitted");
    l->requires_python = xstrdup(">=3.12");
    cr_assert_not(lock_covers_python(l, &py), "a lock for 3.12 does not admit 3.11");
    cr_assert_eq(strv_len(l->environments), 1, "the lock is left as it was");
    cr_assert(lock_covers_python(NULL, &py));
    pylock_free(l);
}

Test(lock, keep_a_fresh_lock_or_one_narrowed_away_from_this_platform)
{
    interp_t py = support_debian311();
    const char *reqs[] = {"app", "lib>=2", NULL};
    inputs_t t;
    inputs_init(&t, reqs);
    pylock_t *l = lock_with("2.0");
    cr_assert(lock_keep(l, &t.in, &py), "fresh and admitting this interpreter");
    strv_push(&l->environments, NULL, NULL, xstrdup("sys_platform == \"win32\""));
    cr_assert_not(lock_keep(l, &t.in, &py), "not ours to narrow: relocked");
    char *const narrowed[] = {"sys_platform == 'win32'", NULL};
    t.in.environments = narrowed;
    cr_assert(lock_keep(l, &t.in, &py), "lock-environments left this platform out: kept");
    l->requires_python = xstrdup(">=3.12");
    cr_assert_not(lock_keep(l, &t.in, &py), "another Python: relocked");
    t.in.environments = NULL;
    pylock_free(l);
    inputs_free(&t);
}
