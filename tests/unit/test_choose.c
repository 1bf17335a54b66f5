/* Unit tests for index/choose: the interp_t -> tags adapter and picking a wheel for a pin. */
#include <criterion/criterion.h>

#include "python/target.h"
#include "support.h"
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "index/choose.h"
#include "python/probe.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/path.h"
#include "util/proc.h"
#include "util/xalloc.h"

static char *tmpdir;

static void setup(void)
{
    tmpdir = support_tmpdir("choose-test");
}

static void teardown(void)
{
    support_tmpdir_free(tmpdir);
}

TestSuite(choose, .init = setup, .fini = teardown);

static interp_t debian311(void)
{
    return support_debian311();
}

static void put(const char *rel)
{
    char *p = path_join(tmpdir, rel);
    char *d = path_dirname(p);
    cr_assert_null(fs_mkdirs(d, 0755));
    free(d);
    FILE *f = fopen(p, "wb");
    cr_assert_not_null(f);
    fclose(f);
    free(p);
}

static fl_set_t *scan_dir(const char *rel)
{
    char *dir = path_join(tmpdir, rel);
    const char *src[] = {dir};
    fl_set_t *s = NULL;
    err_t *e = findlinks_scan(src, 1, &s);
    cr_assert_null(e, "%s", e ? e->msg : "");
    free(dir);
    return s;
}

static want_pkg_t pin(const char *key, const char *version)
{
    want_pkg_t w;
    memset(&w, 0, sizeof w);
    w.key = (char *)key;
    w.name = (char *)key;
    w.version = (char *)version;
    w.origin = "requirements.txt:3";
    return w;
}

Test(choose, tagset_adapter_linux)
{
    interp_t py = debian311();
    tag_facts_t f;
    char buf[32];
    target_tag_facts(&py, &f, buf);
    cr_expect_str_eq(f.implementation, "cpython");
    cr_expect_eq(f.major, 3);
    cr_expect_eq(f.minor, 11);
    cr_expect_str_eq(f.abiflags, "");
    cr_expect_str_eq(f.system, "linux");
    cr_expect_str_eq(f.machine, "x86_64");
    cr_expect_eq(f.pointer_bits, 64);
    cr_expect_str_eq(f.libc, "glibc");
    cr_expect_str_eq(f.libc_version, "2.36");
    cr_expect_null(f.mac_version);
    tagset_t *t = target_tagset(&py);
    cr_expect_str_eq(tagset_get(t, 0), "cp311-cp311-manylinux_2_36_x86_64");
    cr_expect_geq(tagset_priority_str(t, "cp311-abi3-manylinux2014_x86_64"), 0);
    cr_expect_geq(tagset_priority_str(t, "py3-none-any"), 0);
    cr_expect_eq(tagset_priority_str(t, "cp312-cp312-manylinux_2_17_x86_64"), -1);
    cr_expect_str_eq(tagset_get(t, tagset_count(t) - 1), "py30-none-any");
    tagset_free(t);

    char *d = target_desc(&py);
    cr_expect_str_eq(d, "cpython 3.11 on linux-x86_64");
    free(d);
}

Test(choose, tagset_adapter_freethreaded_mac_windows)
{
    /* free-threaded 3.13 without 't' in abiflags (Windows has no sys.abiflags) */
    interp_t ft = debian311();
    ft.minor = 13;
    ft.freethreaded = true;
    ft.abiflags = "";
    ft.sys_platform = "win32";
    ft.platform_tag = "win-amd64";
    ft.machine = "AMD64";
    ft.libc = "";
    ft.libc_version = "";
    tag_facts_t f;
    char buf[32];
    target_tag_facts(&ft, &f, buf);
    cr_expect_str_eq(f.abiflags, "t");
    tagset_t *t = target_tagset(&ft);
    cr_expect_str_eq(tagset_get(t, 0), "cp313-cp313t-win_amd64");
    cr_expect_eq(tagset_priority_str(t, "cp313-abi3-win_amd64"), -1, "no abi3 when free-threaded");
    tagset_free(t);
    char *d = target_desc(&ft);
    cr_expect_str_eq(d, "cpython 3.13t on win-amd64");
    free(d);

    /* macOS 14 (Darwin 23) on Apple silicon */
    interp_t mac = debian311();
    mac.sys_platform = "darwin";
    mac.platform_tag = "macosx-11.0-arm64";
    mac.machine = "arm64";
    mac.libc = "";
    mac.libc_version = "";
    mac.m_platform_release = "23.2.0";
    target_tag_facts(&mac, &f, buf);
    cr_expect_str_eq(f.mac_version, "14.0");
    t = target_tagset(&mac);
    cr_expect_str_eq(tagset_get(t, 0), "cp311-cp311-macosx_14_0_arm64");
    cr_expect_geq(tagset_priority_str(t, "cp311-cp311-macosx_11_0_arm64"), 0);
    cr_expect_eq(tagset_priority_str(t, "cp311-cp311-macosx_15_0_arm64"), -1);
    tagset_free(t);

    /* macOS 10.15 (Darwin 19) */
    mac.machine = "x86_64";
    mac.m_platform_release = "19.6.0";
    target_tag_facts(&mac, &f, buf);
    cr_expect_str_eq(f.mac_version, "10.15");

    /* a debug build adds 'd' */
    interp_t dbg = debian311();
    dbg.debug = true;
    dbg.abiflags = "";
    target_tag_facts(&dbg, &f, buf);
    cr_expect_str_eq(f.abiflags, "d");
}

/* The adapter against pip's own list (get_supported(), what pip installs by) for the real
 * interpreters: Debian's, and pyenv's when present. */
static void compare_with_pip(const char *exe)
{
    interp_t *py = NULL;
    err_t *e = probe_interp(exe, NULL, &py, NULL);
    cr_assert_null(e, "%s", e ? e->msg : "");
    char *argv[] = {(char *)exe, "-c",
                    "from pip._internal.utils.compatibility_tags import get_supported\n"
                    "for t in get_supported(): print(t)\n",
                    NULL};
    buf_t out = BUF_INIT;
    int status = -1;
    e = proc_capture(argv, NULL, &out, NULL, &status);
    cr_assert_null(e);
    if (status != 0 || !out.len) {
        cr_log_info("%s: pip not importable, skipped", exe);
        buf_free(&out);
        interp_free(py);
        return;
    }
    tagset_t *t = target_tagset(py);
    size_t i = 0;
    char *save = NULL;
    for (char *line = strtok_r(out.data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        cr_assert_lt(i, tagset_count(t), "%s: pip lists more tags than venvsync", exe);
        cr_assert_str_eq(tagset_get(t, i), line, "%s: tag %zu", exe, i);
        i++;
    }
    cr_expect_eq(i, tagset_count(t), "%s: same number of tags", exe);
    tagset_free(t);
    buf_free(&out);
    interp_free(py);
}

Test(choose, tagset_adapter_matches_pip_for_real_python)
{
    signal(SIGPIPE, SIG_IGN);
    if (access("/usr/bin/python3", X_OK) != 0)
        cr_skip_test("no /usr/bin/python3");
    compare_with_pip("/usr/bin/python3");
    const char *pyenv[] = {"3.8", "3.12", "3.13"};
    for (size_t k = 0; k < sizeof pyenv / sizeof *pyenv; k++) {
        char *glob = xasprintf("/root/.pyenv/versions");
        char **names = NULL;
        err_t *e = fs_list_dir(glob, &names);
        err_free(e);
        for (size_t i = 0; names && names[i]; i++) {
            if (strncmp(names[i], pyenv[k], strlen(pyenv[k])) != 0 ||
                (names[i][strlen(pyenv[k])] != '.' && names[i][strlen(pyenv[k])] != '\0'))
                continue;
            char *exe = xasprintf("%s/%s/bin/python3", glob, names[i]);
            if (access(exe, X_OK) == 0)
                compare_with_pip(exe);
            free(exe);
            break;
        }
        strv_free(names);
        free(glob);
    }
}

Test(choose, picks_best_and_lists_rejections)
{
    put("w/foo-1.0-cp312-cp312-manylinux_2_17_x86_64.whl");
    put("w/foo-0.9-py3-none-any.whl");
    put("w/foo-1.0-cp311-cp311-musllinux_1_1_x86_64.whl");
    put("w/foo-1.0-cp311-cp311-win_amd64.whl");
    put("w/foo-1.0-py3-none-any.whl");
    put("w/foo-1.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl");
    put("w/foo-1.0-cp39-abi3-manylinux_2_28_x86_64.whl");
    put("w/foobar-1.0-py3-none-any.whl");
    fl_set_t *s = scan_dir("w");
    interp_t py = debian311();
    tagset_t *t = target_tagset(&py);
    char *desc = target_desc(&py);

    want_pkg_t w = pin("foo", "1.0");
    const fl_cand_t *c = NULL;
    err_t *e = choose_findlinks(&w, s, t, desc, &c);
    cr_assert_null(e, "%s", e ? e->msg : "");
    cr_assert_not_null(c);
    cr_expect_str_eq(c->wheel->filename,
                     "foo-1.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl");

    /* without the cp311 wheel, abi3 beats pure python */
    want_pkg_t w2 = pin("foo", "1.0.0");
    long ranks[3];
    wheelname_t *cands[3];
    cr_assert_null(wheelname_parse("foo-1.0-py3-none-any.whl", &cands[0]));
    cr_assert_null(wheelname_parse("foo-1.0-cp39-abi3-manylinux_2_28_x86_64.whl", &cands[1]));
    cr_assert_null(wheelname_parse("foo-1.0-cp312-cp312-manylinux_2_17_x86_64.whl", &cands[2]));
    cr_expect_eq(choose_judge(&w2, cands[0], t, &ranks[0]), CHOOSE_FITS, "1.0 == 1.0.0");
    cr_expect_eq(choose_judge(&w2, cands[1], t, &ranks[1]), CHOOSE_FITS);
    cr_expect_eq(choose_judge(&w2, cands[2], t, &ranks[2]), CHOOSE_INCOMPATIBLE);
    cr_expect_eq(ranks[2], -1);
    cr_expect_lt(ranks[1], ranks[0]);
    cr_expect_eq(choose_best(&w2, cands, 3, t), 1);
    cr_expect_eq(choose_best(&w2, cands + 2, 1, t), -1);
    want_pkg_t other = pin("bar", "1.0");
    cr_expect_eq(choose_judge(&other, cands[0], t, NULL), CHOOSE_OTHER_NAME);
    cr_expect_eq(choose_best(&other, cands, 3, t), -1);
    for (int i = 0; i < 3; i++)
        wheelname_free(cands[i]);

    /* nothing fits: every file named foo is listed with its reason */
    want_pkg_t w3 = pin("foo", "1.0");
    interp_t py310 = debian311();
    py310.minor = 10;
    py310.platform_tag = "linux-aarch64";
    py310.machine = "aarch64";
    tagset_t *t310 = target_tagset(&py310);
    char *desc310 = target_desc(&py310);
    /* on another platform only the pure wheel fits */
    e = choose_findlinks(&w3, s, t310, desc310, &c);
    cr_assert_null(e, "py3-none-any fits anything");
    cr_expect_str_eq(c->wheel->filename, "foo-1.0-py3-none-any.whl");
    findlinks_free(s);

    char *p = path_join(tmpdir, "w/foo-1.0-py3-none-any.whl");
    cr_assert_eq(unlink(p), 0);
    free(p);
    s = scan_dir("w");
    e = choose_findlinks(&w3, s, t310, desc310, &c);
    cr_assert_not_null(e);
    cr_expect_null(c);
    cr_expect_eq(e->exit_code, EXIT_USAGE);
    cr_expect_str_eq(e->msg,
        "requirements.txt:3: no wheel for 'foo==1.0' fits cpython 3.10 on linux-aarch64; the "
        "files named foo are:\n"
        "  foo-0.9-py3-none-any.whl: version 0.9, want 1.0\n"
        "  foo-1.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl: not compatible "
        "with cpython 3.10 on linux-aarch64\n"
        "  foo-1.0-cp311-cp311-musllinux_1_1_x86_64.whl: not compatible with cpython 3.10 on "
        "linux-aarch64\n"
        "  foo-1.0-cp311-cp311-win_amd64.whl: not compatible with cpython 3.10 on "
        "linux-aarch64\n"
        "  foo-1.0-cp312-cp312-manylinux_2_17_x86_64.whl: not compatible with cpython 3.10 on "
        "linux-aarch64\n"
        "  foo-1.0-cp39-abi3-manylinux_2_28_x86_64.whl: not compatible with cpython 3.10 on "
        "linux-aarch64");
    cr_assert_not_null(e->hint);
    char *hint = xasprintf("searched: %s/w", tmpdir);
    cr_expect_str_eq(e->hint, hint);
    free(hint);
    err_free(e);

    /* no file with the name at all */
    want_pkg_t w4 = pin("requests", "2.32.3");
    w4.name = "Requests";
    e = choose_findlinks(&w4, s, t, desc, &c);
    cr_assert_not_null(e);
    char *want = xasprintf("requirements.txt:3: no wheel for 'Requests==2.32.3': no file named "
                           "Requests in: %s/w", tmpdir);
    cr_expect_str_eq(e->msg, want);
    free(want);
    err_free(e);

    findlinks_free(s);
    tagset_free(t);
    tagset_free(t310);
    free(desc);
    free(desc310);
}

Test(choose, build_tags_and_versions)
{
    put("b/pkg-2.0-py3-none-any.whl");
    put("b/pkg-2.0-1-py3-none-any.whl");
    put("b/pkg-2.0-10-py3-none-any.whl");
    put("b/pkg-2.0-9a-py3-none-any.whl");
    put("b/pkg-2.0-2-cp311-cp311-manylinux_2_17_x86_64.whl");
    put("b/torch-2.4.0+cpu-cp311-cp311-linux_x86_64.whl");
    put("b/torch-2.4.0+cu121-cp311-cp311-linux_x86_64.whl");
    put("b/torch-2.4.0-cp311-cp311-manylinux_2_17_x86_64.whl");
    put("b/odd-1.0-py3-none-any.whl");
    fl_set_t *s = scan_dir("b");
    interp_t py = debian311();
    tagset_t *t = target_tagset(&py);
    const fl_cand_t *c = NULL;

    /* the platform wheel's rank beats any build tag of the pure ones */
    want_pkg_t w = pin("pkg", "2.0");
    cr_assert_null(choose_findlinks(&w, s, t, "x", &c));
    cr_expect_str_eq(c->wheel->filename, "pkg-2.0-2-cp311-cp311-manylinux_2_17_x86_64.whl");

    /* same rank: the highest build tag (numeric, not textual: 10 > 9a) */
    interp_t arm = debian311();
    arm.machine = "aarch64";
    tagset_t *tarm = target_tagset(&arm);
    cr_assert_null(choose_findlinks(&w, s, tarm, "x", &c));
    cr_expect_str_eq(c->wheel->filename, "pkg-2.0-10-py3-none-any.whl");

    /* "==" ignores the file's local label; pip then prefers the highest version */
    want_pkg_t tw = pin("torch", "2.4.0");
    cr_assert_null(choose_findlinks(&tw, s, t, "x", &c));
    cr_expect_str_eq(c->wheel->filename, "torch-2.4.0+cu121-cp311-cp311-linux_x86_64.whl");
    want_pkg_t tcpu = pin("torch", "2.4.0+cpu");
    cr_assert_null(choose_findlinks(&tcpu, s, t, "x", &c));
    cr_expect_str_eq(c->wheel->filename, "torch-2.4.0+cpu-cp311-cp311-linux_x86_64.whl");

    /* "===" is string equality */
    want_pkg_t arb = pin("odd", "1.0");
    arb.arbitrary = true;
    cr_assert_null(choose_findlinks(&arb, s, t, "x", &c));
    arb.version = "1.0.0";
    err_t *e = choose_findlinks(&arb, s, t, "x", &c);
    cr_assert_not_null(e);
    cr_expect(strstr(e->msg, "odd-1.0-py3-none-any.whl: version 1.0, want ===1.0.0") != NULL,
              "%s", e->msg);
    err_free(e);

    findlinks_free(s);
    tagset_free(t);
    tagset_free(tarm);
}

Test(choose, direct_wheels)
{
    put("d/direct-1.0-py3-none-any.whl");
    put("d/native-1.0-cp312-cp312-manylinux_2_17_x86_64.whl");
    interp_t py = debian311();
    tagset_t *t = target_tagset(&py);
    want_pkg_t w = pin("direct", "1.0");
    w.path_or_url = path_join(tmpdir, "d/direct-1.0-py3-none-any.whl");
    w.is_local = true;
    cr_expect_null(choose_check_direct(&w, t, "cpython 3.11 on linux-x86_64"));
    free(w.path_or_url);

    want_pkg_t n = pin("native", "1.0");
    n.path_or_url = path_join(tmpdir, "d/native-1.0-cp312-cp312-manylinux_2_17_x86_64.whl");
    n.is_local = true;
    err_t *e = choose_check_direct(&n, t, "cpython 3.11 on linux-x86_64");
    cr_assert_not_null(e);
    cr_expect_str_eq(e->msg, "requirements.txt:3: native-1.0-cp312-cp312-manylinux_2_17_x86_64."
                             "whl: not compatible with cpython 3.11 on linux-x86_64");
    err_free(e);
    free(n.path_or_url);

    want_pkg_t m = pin("direct", "1.0");
    m.path_or_url = path_join(tmpdir, "d/gone/direct-1.0-py3-none-any.whl");
    m.is_local = true;
    e = choose_check_direct(&m, t, "x");
    cr_assert_not_null(e);
    cr_expect(strstr(e->msg, "No such file or directory") != NULL, "%s", e->msg);
    err_free(e);
    free(m.path_or_url);

    want_pkg_t r = pin("remote", "6.0");
    r.path_or_url = "https://h.example/remote-6.0-cp311-cp311-win_amd64.whl?x=1";
    e = choose_check_direct(&r, t, "cpython 3.11 on linux-x86_64");
    cr_assert_not_null(e);
    cr_expect(strstr(e->msg, "remote-6.0-cp311-cp311-win_amd64.whl: not compatible") != NULL,
              "%s", e->msg);
    err_free(e);
    r.path_or_url = "https://h.example/remote-6.0-py3-none-any.whl";
    cr_expect_null(choose_check_direct(&r, t, "x"), "a remote file is not stat'ed");

    want_pkg_t none = pin("x", "1");
    e = choose_check_direct(&none, t, "x");
    cr_assert_not_null(e);
    err_free(e);
    tagset_free(t);
}
