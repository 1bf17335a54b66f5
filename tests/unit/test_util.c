/* The shared primitives: buffers, paths, JSON, errors, hashes, atomic files. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/hash.h"
#include "util/json.h"
#include "util/path.h"
#include "util/xalloc.h"

Test(util, buf_grows_and_stays_terminated)
{
    buf_t b = BUF_INIT;
    cr_assert_str_eq(buf_cstr(&b), "");
    for (int i = 0; i < 1000; i++)
        buf_printf(&b, "%d,", i);
    cr_assert_eq(b.data[b.len], '\0');
    cr_assert(strncmp(b.data, "0,1,2,", 6) == 0);
    cr_assert(strstr(b.data, ",999,"));
    buf_setlen(&b, 2);
    cr_assert_str_eq(b.data, "0,");
    buf_reset(&b);
    buf_add_replaced(&b, "a/OLD/b/OLD", "OLD", "new-path");
    cr_assert_str_eq(b.data, "a/new-path/b/new-path");
    char *s = buf_detach(&b);
    cr_assert_eq(b.data, NULL);
    cr_assert_str_eq(s, "a/new-path/b/new-path");
    free(s);
}

Test(util, xconcat_joins_two_slices_and_terminates)
{
    char *s = xconcat("sha256:xx", 7, "abc", 3);
    cr_assert_str_eq(s, "sha256:abc");
    free(s);
    s = xconcat("", 0, "def", 2);
    cr_assert_str_eq(s, "de", "only nb bytes of b");
    free(s);
    s = xconcat("x", 0, "", 0);
    cr_assert_str_eq(s, "");
    free(s);
}

Test(util, path_shown_is_relative_only_strictly_below_the_directory)
{
    const char *cases[][3] = {
        {"/w/p/venv.yaml", "/w/p", "venv.yaml"},
        {"/w/p/a/b", "/w/p", "a/b"},
        {"/w/p", "/w/p", "/w/p"},          /* the directory itself */
        {"/w/pq/x", "/w/p", "/w/pq/x"},    /* a name that only starts the same */
        {"/w/x", "/w/p", "/w/x"},
        {"/etc/x", "/", "/etc/x"},         /* "/" counts as no directory */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *r = path_shown_from(cases[i][0], cases[i][1]);
        cr_assert_str_eq(r, cases[i][2], "%s from %s", cases[i][0], cases[i][1]);
        free(r);
    }
    char *r = path_shown_from("/a/b", NULL);
    cr_assert_str_eq(r, "/a/b");
    free(r);
    r = path_shown("rel/x");
    cr_assert_str_eq(r, "rel/x", "a relative path is shown as given");
    free(r);
}

Test(util, path_join_and_normalize)
{
    struct { const char *a, *b, *want; } j[] = {
        {"/a", "b", "/a/b"}, {"/a/", "b", "/a/b"}, {"/", "b", "/b"}, {"a", "/abs", "/abs"},
        {"", "b", "b"}, {"a", "", "a"}, {"a//", "b", "a/b"},
    };
    for (size_t i = 0; i < sizeof j / sizeof *j; i++) {
        char *r = path_join(j[i].a, j[i].b);
        cr_assert_str_eq(r, j[i].want, "join(%s, %s) = %s", j[i].a, j[i].b, r);
        free(r);
    }
    struct { const char *in, *want; } n[] = {
        {"/a/./b/../c", "/a/c"}, {"/../x", "/x"}, {"a/../../b", "../b"}, {"//a//b/", "/a/b"},
        {".", "."}, {"a/..", "."}, {"/", "/"},
    };
    for (size_t i = 0; i < sizeof n / sizeof *n; i++) {
        char *r = path_normalize(n[i].in);
        cr_assert_str_eq(r, n[i].want, "normalize(%s) = %s", n[i].in, r);
        free(r);
    }
    char *abs = path_absolute("/base/dir", "../x/./y");
    cr_assert_str_eq(abs, "/base/x/y");
    free(abs);
    char *d = path_dirname("/a/b/c/");
    cr_assert_str_eq(d, "/a/b");
    free(d);
    d = path_dirname("file");
    cr_assert_str_eq(d, ".");
    free(d);
    cr_assert_str_eq(path_basename("/a/b/c"), "c");
    cr_assert(path_is_within("/a/b/c", "/a/b"));
    cr_assert(path_is_within("/a/b", "/a/b/"));
    cr_assert(!path_is_within("/a/bc", "/a/b"));
    cr_assert(path_is_within("/x", "/"));
}

static const char *table_get(void *ctx, const char *name)
{
    const char **kv = ctx;
    for (; kv[0]; kv += 2)
        if (strcmp(kv[0], name) == 0)
            return kv[1];
    return NULL;
}

Test(util, path_expand_home_and_variables)
{
    const char *kv[] = {"HOME", "/home/tester", "VS_TEST_DIR", "envs", NULL};
    env_lookup_t env_ = {table_get, kv}, *env = &env_;
    char *out;
    cr_assert_null(path_expand("~/x/${VS_TEST_DIR}/$VS_TEST_DIR", env, &out));
    cr_assert_str_eq(out, "/home/tester/x/envs/envs");
    free(out);
    cr_assert_null(path_expand("a~b$", env, &out));
    cr_assert_str_eq(out, "a~b$");
    free(out);
    err_t *e = path_expand("${VS_UNSET}/x", env, &out);
    cr_assert_not_null(e);
    cr_assert(strstr(e->msg, "VS_UNSET"));
    cr_assert_null(out);
    err_free(e);
    e = path_expand("${VS_TEST_DIR", env, &out);
    cr_assert_not_null(e);
    err_free(e);
}

Test(util, json_writer_escapes_and_nests)
{
    buf_t b = BUF_INIT;
    json_t j;
    json_init(&j, &b);
    json_obj(&j);
    json_kstr(&j, "s", "q\"b\\n\nt\t\x01");
    json_key(&j, "a");
    json_arr(&j);
    json_int(&j, -3);
    json_bool(&j, true);
    json_null(&j);
    json_obj(&j);
    json_end(&j);
    json_str(&j, NULL);
    json_end(&j);
    json_kint(&j, "n", 42);
    json_end(&j);
    cr_assert_str_eq(b.data, "{\"s\":\"q\\\"b\\\\n\\nt\\t\\u0001\",\"a\":[-3,true,null,{},null],\"n\":42}");
    buf_free(&b);
}

Test(util, errors_chain_with_context_and_codes)
{
    err_t *list = NULL;
    err_chain(&list, err_new(EXIT_USAGE, "first %d", 1));
    err_chain(&list, err_new(EXIT_APPLY, "second"));
    err_ctx(list, "ctx");
    cr_assert_str_eq(list->msg, "ctx: first 1");
    cr_assert_str_eq(list->next->msg, "ctx: second");
    err_hint(list, "do %s", "this");
    cr_assert_str_eq(list->hint, "do this");
    err_code(list, EXIT_APPLY);
    cr_assert_eq(list->exit_code, EXIT_APPLY);
    cr_assert_null(err_ctx(NULL, "nothing"));
    err_t *s = err_sys(EXIT_APPLY, ENOENT, "opening %s", "x");
    cr_assert(strstr(s->msg, "opening x: No such file"));
    err_free(s);
    err_free(list);
}

Test(util, sha256_forms)
{
    char hex[65];
    sha256_hex("abc", 3, hex);
    cr_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    unsigned char d[32];
    sha256_t h;
    sha256_init(&h);
    sha256_update(&h, "a", 1);
    sha256_update(&h, "bc", 2);
    sha256_final(&h, d);
    char b64[44];
    sha256_b64url(d, b64);
    cr_assert_str_eq(b64, "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0");
}

Test(util, atomic_write_rmtree_and_listing)
{
    char tmpl[] = "/tmp/vs-util-XXXXXX";
    cr_assert_not_null(mkdtemp(tmpl));
    char *f = path_join(tmpl, "a/b/file.txt");
    char *dir = path_dirname(f);
    cr_assert_null(fs_mkdirs(dir, 0755));
    cr_assert_null(fs_write_atomic(f, "one", 3, 0640));
    cr_assert_null(fs_write_atomic(f, "two!", 4, 0644));
    buf_t b = BUF_INIT;
    cr_assert_null(fs_read(f, &b));
    cr_assert_str_eq(b.data, "two!");
    struct stat st;
    cr_assert_eq(stat(f, &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0644);
    char **names;
    cr_assert_null(fs_list_dir(dir, &names));
    cr_assert_str_eq(names[0], "file.txt");
    cr_assert_null(names[1], "no temporary file is left behind");
    strv_free(names);

    /* rmtree does not follow links out of the tree */
    char outside[] = "/tmp/vs-util-out-XXXXXX";
    cr_assert_not_null(mkdtemp(outside));
    char *keep = path_join(outside, "keep.txt");
    cr_assert_null(fs_write_atomic(keep, "x", 1, 0644));
    char *lnk = path_join(tmpl, "a/link");
    cr_assert_eq(symlink(outside, lnk), 0);
    cr_assert_null(fs_symlink_replace("elsewhere", lnk));
    char target[64] = {0};
    cr_assert_eq(readlink(lnk, target, sizeof target - 1), 9);
    cr_assert_str_eq(target, "elsewhere");
    cr_assert_eq(unlink(lnk), 0);
    cr_assert_eq(symlink(outside, lnk), 0);
    cr_assert_null(fs_rmtree(tmpl));
    cr_assert(!fs_exists(tmpl));
    cr_assert(fs_exists(keep), "a linked directory's contents survive");
    cr_assert_null(fs_rmtree(tmpl), "removing a missing tree is success");
    cr_assert_null(fs_rmtree(outside));
    free(keep);
    free(lnk);
    free(f);
    free(dir);
    buf_free(&b);
}
