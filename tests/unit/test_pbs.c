/* python-build-standalone metadata (src/python/pbs.c): asset names, SHA256SUMS,
 * latest-release.json, the choice of an asset for a request and a host, URLs and install names. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "toolchain/pbs.h"
#include "python/request.h"
#include "util/buf.h"
#include "util/xalloc.h"

TestSuite(pbs);

#define H64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

Test(pbs, asset_names)
{
    pbs_asset_t a;
    cr_assert(pbs_parse_name("cpython-3.12.7+20241016-x86_64-unknown-linux-gnu-install_only.tar.gz",
                             &a));
    cr_assert_str_eq(a.version, "3.12.7");
    cr_assert_eq(a.major, 3);
    cr_assert_eq(a.minor, 12);
    cr_assert_eq(a.micro, 7);
    cr_assert_eq(a.pre, 0);
    cr_assert_str_eq(a.build, "20241016");
    cr_assert_str_eq(a.triple, "x86_64-unknown-linux-gnu");
    cr_assert_eq(a.flavor, PBS_INSTALL_ONLY);
    cr_assert(!a.freethreaded && !a.debug && !a.zst);
    pbs_asset_clear(&a);

    cr_assert(pbs_parse_name("cpython-3.13.1+20241205-aarch64-unknown-linux-musl-"
                             "freethreaded-install_only_stripped.tar.gz", &a));
    cr_assert_eq(a.flavor, PBS_INSTALL_ONLY_STRIPPED);
    cr_assert(a.freethreaded);
    cr_assert_str_eq(a.triple, "aarch64-unknown-linux-musl");
    pbs_asset_clear(&a);

    cr_assert(pbs_parse_name("cpython-3.13.1+20241205-x86_64_v3-unknown-linux-gnu-"
                             "freethreaded+pgo+lto-full.tar.zst", &a));
    cr_assert_eq(a.flavor, PBS_FULL);
    cr_assert(a.freethreaded && a.zst && !a.debug);
    cr_assert_str_eq(a.triple, "x86_64_v3-unknown-linux-gnu");
    pbs_asset_clear(&a);

    cr_assert(pbs_parse_name("cpython-3.12.7+20241016-x86_64-unknown-linux-gnu-debug-full.tar.zst",
                             &a));
    cr_assert(a.debug);
    pbs_asset_clear(&a);

    cr_assert(pbs_parse_name("cpython-3.14.0rc2+20250901-x86_64-unknown-linux-gnu-"
                             "install_only.tar.gz", &a));
    cr_assert_str_eq(a.version, "3.14.0rc2");
    cr_assert_eq(a.pre, 3);
    cr_assert_eq(a.pre_num, 2);
    pbs_asset_clear(&a);

    cr_assert(pbs_parse_name("cpython-3.14.0a1+20241016-x86_64-pc-windows-msvc-shared-"
                             "install_only.tar.gz", &a));
    cr_assert_eq(a.pre, 1);
    cr_assert_str_eq(a.triple, "x86_64-pc-windows-msvc-shared");
    pbs_asset_clear(&a);

    cr_assert(pbs_parse_name("cpython-3.12.7+20241016-x86_64-unknown-linux-gnu-debug-"
                             "install_only.tar.gz", &a));
    cr_assert(a.debug);
    pbs_asset_clear(&a);

    const char *bad[] = {
        "SHA256SUMS",
        "cpython-3.9.6-x86_64-unknown-linux-gnu-install_only-20210724T1424.tar.gz",
        "cpython-3.12.7+20241016-x86_64-unknown-linux-gnu-install_only.zip",
        "cpython-3.12+20241016-x86_64-unknown-linux-gnu-install_only.tar.gz",
        "cpython-3.12.7+-x86_64-unknown-linux-gnu-install_only.tar.gz",
        "cpython-3.12.7+20241016-linux-install_only.tar.gz",
        "cpython-3.12.7+20241016-x86_64-unknown-linux-gnu-install_only.tar.gz.sha256",
        "cpython-3.12.7+20241016-x86_64--linux-gnu-install_only.tar.gz",
        "cpython-3.12.7+20241016-../../etc-install_only.tar.gz",
        "cpython-3.12.7x+20241016-x86_64-unknown-linux-gnu-install_only.tar.gz",
        "pypy-3.10.14+20241016-x86_64-unknown-linux-gnu-install_only.tar.gz",
        "cpython-3.12.7+20241016-x86_64-unknown-linux-gnu-whatever.tar.gz",
        "cpython-3.1234567.7+20241016-x86_64-unknown-linux-gnu-install_only.tar.gz",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        cr_assert(!pbs_parse_name(bad[i], &a), "%s", bad[i]);
        cr_assert_null(a.name);
    }
}

Test(pbs, sha256sums)
{
    const char *text =
        H64 "  cpython-3.12.7+20241016-x86_64-unknown-linux-gnu-install_only.tar.gz\n"
        "\n"
        "ABCDEF6789abcdef0123456789abcdef0123456789abcdef0123456789abcdef *cpython-3.13.1+"
        "20241016-x86_64-unknown-linux-gnu-install_only_stripped.tar.gz\r\n"
        H64 "  something-else.txt\n"
        H64 "  cpython-3.12.7+20241016-x86_64-unknown-linux-gnu-install_only.tar.gz.sha256";
    pbs_assets_t as;
    err_t *e = pbs_parse_sha256sums(text, strlen(text), &as);
    cr_assert_null(e, "%s", e ? e->msg : "");
    cr_assert_eq(as.n, 2);
    cr_assert_str_eq(as.items[0].sha256, H64);
    cr_assert_str_eq(as.items[1].sha256,
                     "abcdef6789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
    cr_assert_str_eq(as.items[1].version, "3.13.1");
    pbs_assets_free(&as);

    const char *bad[] = {
        "0123  cpython-3.12.7+20241016-x86_64-unknown-linux-gnu-install_only.tar.gz\n",
        H64 "cpython-3.12.7+20241016-x86_64-unknown-linux-gnu-install_only.tar.gz\n",
        H64 "  \n",
        H64 "  ../cpython-3.12.7+20241016-x86_64-unknown-linux-gnu-install_only.tar.gz\n",
        "zz23456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef  x\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        e = pbs_parse_sha256sums(bad[i], strlen(bad[i]), &as);
        cr_assert_not_null(e, "%s", bad[i]);
        cr_assert(strstr(e->msg, "SHA256SUMS line 1"), "%s", e->msg);
        cr_assert_eq(as.n, 0);
        err_free(e);
    }
    e = pbs_parse_sha256sums("", 0, &as);
    cr_assert_null(e);
    cr_assert_eq(as.n, 0);
}

Test(pbs, latest_release_json)
{
    const char *ok = "{\"version\": 1, \"tag\": \"20241016\", \"release_url\": "
                     "\"https://github.com/astral-sh/python-build-standalone/releases/tag/"
                     "20241016\", \"asset_url_prefix\": \"https://github.com/astral-sh/"
                     "python-build-standalone/releases/download/20241016\"}";
    char *tag, *prefix;
    err_t *e = pbs_parse_latest(ok, strlen(ok), &tag, &prefix);
    cr_assert_null(e, "%s", e ? e->msg : "");
    cr_assert_str_eq(tag, "20241016");
    cr_assert_str_eq(prefix,
                     "https://github.com/astral-sh/python-build-standalone/releases/download/"
                     "20241016");
    free(tag);
    free(prefix);
    const char *min = "{\"tag\": \"20250101\"}";
    e = pbs_parse_latest(min, strlen(min), &tag, &prefix);
    cr_assert_null(e);
    cr_assert_str_eq(tag, "20250101");
    cr_assert_null(prefix);
    free(tag);

    const char *bad[][2] = {
        {"{\"version\": 2, \"tag\": \"1\"}", "unsupported format version (2)"},
        {"{\"version\": 1}", "no \"tag\""},
        {"{\"tag\": \"../../x\"}", "unusable tag"},
        {"{\"tag\": 20241016}", "no \"tag\""},
        {"[1]", "not a JSON object"},
        {"{\"tag\": ", "JSON"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        e = pbs_parse_latest(bad[i][0], strlen(bad[i][0]), &tag, &prefix);
        cr_assert_not_null(e, "%s", bad[i][0]);
        cr_assert(strstr(e->msg, bad[i][1]), "%s: %s", bad[i][0], e->msg);
        cr_assert_eq(e->exit_code, EXIT_APPLY);
        cr_assert_null(tag);
        err_free(e);
    }
    cr_assert(pbs_tag_valid("20241016"));
    cr_assert(pbs_tag_valid("v1.2_rc-3"));
    cr_assert(!pbs_tag_valid(""));
    cr_assert(!pbs_tag_valid(".hidden"));
    cr_assert(!pbs_tag_valid("a/b"));
    cr_assert(!pbs_tag_valid("a b"));
}

Test(pbs, host)
{
    pbs_host_t h;
    cr_assert(pbs_host_make("x86_64", "gnu", &h));
    cr_assert_str_eq(h.triple, "x86_64-unknown-linux-gnu");
    cr_assert(pbs_host_make("arm64", "musl", &h));
    cr_assert_str_eq(h.triple, "aarch64-unknown-linux-musl");
    cr_assert_str_eq(h.arch, "aarch64");
    cr_assert(!pbs_host_make("riscv64", "gnu", &h));
    cr_assert(!pbs_host_make("x86_64", "uclibc", &h));
}

/* A release with most of what PBS publishes, in no particular order. */
static void release(pbs_assets_t *as)
{
    static const char *names[] = {
        "cpython-3.12.7+20241016-x86_64-unknown-linux-gnu-install_only.tar.gz",
        "cpython-3.12.7+20241016-x86_64-unknown-linux-gnu-install_only_stripped.tar.gz",
        "cpython-3.12.8+20241016-x86_64-unknown-linux-gnu-install_only.tar.gz",
        "cpython-3.12.8+20241016-x86_64-unknown-linux-gnu-debug-full.tar.zst",
        "cpython-3.12.8+20241016-x86_64-unknown-linux-gnu-pgo+lto-full.tar.zst",
        "cpython-3.13.1+20241016-x86_64-unknown-linux-gnu-install_only.tar.gz",
        "cpython-3.13.1+20241016-x86_64-unknown-linux-gnu-install_only_stripped.tar.gz",
        "cpython-3.13.1+20241016-x86_64-unknown-linux-gnu-freethreaded-install_only.tar.gz",
        "cpython-3.13.2+20241016-x86_64_v3-unknown-linux-gnu-install_only.tar.gz",
        "cpython-3.13.2+20241016-x86_64-unknown-linux-gnu-debug-install_only.tar.gz",
        "cpython-3.13.2+20241016-x86_64-unknown-linux-musl-install_only.tar.gz",
        "cpython-3.14.0rc1+20241016-x86_64-unknown-linux-gnu-install_only.tar.gz",
        "cpython-3.14.0b4+20241016-x86_64-unknown-linux-gnu-install_only.tar.gz",
        "cpython-3.11.10+20241016-aarch64-unknown-linux-gnu-install_only.tar.gz",
        "cpython-3.11.10+20241016-aarch64-apple-darwin-install_only.tar.gz",
    };
    buf_t b = BUF_INIT;
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        buf_printf(&b, H64 "  %s\n", names[i]);
    err_t *e = pbs_parse_sha256sums(b.data, b.len, as);
    cr_assert_null(e);
    cr_assert_eq(as->n, sizeof names / sizeof *names);
    buf_free(&b);
}

static const char *choose(const pbs_assets_t *as, const char *req, const char *triple)
{
    pyreq_t *r = NULL;
    char *why = NULL;
    if (req)
        cr_assert(pyreq_parse(req, &r, &why), "%s: %s", req, why);
    const pbs_asset_t *a = pbs_choose(as, r, triple);
    pyreq_free(r);
    return a ? a->name : NULL;
}

#define GNU "x86_64-unknown-linux-gnu"
#define PFX "cpython-"

Test(pbs, choosing)
{
    pbs_assets_t as;
    release(&as);
    cr_assert_str_eq(choose(&as, "3.12", GNU), PFX "3.12.8+20241016-" GNU "-install_only.tar.gz");
    cr_assert_str_eq(choose(&as, "3.12.7", GNU),
                     PFX "3.12.7+20241016-" GNU "-install_only_stripped.tar.gz");
    cr_assert_str_eq(choose(&as, NULL, GNU),
                     PFX "3.13.1+20241016-" GNU "-install_only_stripped.tar.gz");
    cr_assert_str_eq(choose(&as, "3", GNU),
                     PFX "3.13.1+20241016-" GNU "-install_only_stripped.tar.gz");
    cr_assert_str_eq(choose(&as, "any", GNU),
                     PFX "3.13.1+20241016-" GNU "-install_only_stripped.tar.gz");
    cr_assert_str_eq(choose(&as, "cpython", GNU),
                     PFX "3.13.1+20241016-" GNU "-install_only_stripped.tar.gz");
    cr_assert_str_eq(choose(&as, ">=3.11,<3.13", GNU),
                     PFX "3.12.8+20241016-" GNU "-install_only.tar.gz");
    cr_assert_str_eq(choose(&as, "cpython@3.12", GNU),
                     PFX "3.12.8+20241016-" GNU "-install_only.tar.gz");
    cr_assert_str_eq(choose(&as, "3.13t", GNU),
                     PFX "3.13.1+20241016-" GNU "-freethreaded-install_only.tar.gz");
    /* pre-releases only when nothing final matches, the newest first */
    cr_assert_str_eq(choose(&as, "3.14", GNU), PFX "3.14.0rc1+20241016-" GNU "-install_only.tar.gz");
    cr_assert_str_eq(choose(&as, "==3.14.0b4", GNU),
                     PFX "3.14.0b4+20241016-" GNU "-install_only.tar.gz");
    /* nothing */
    cr_assert_null(choose(&as, "3.11", GNU));
    cr_assert_null(choose(&as, "3.13.2", GNU), "v3 and debug builds are never chosen");
    cr_assert_null(choose(&as, "pypy@3.10", GNU));
    cr_assert_null(choose(&as, "/usr/bin/python3", GNU));
    cr_assert_null(choose(&as, "3.12t", GNU));
    /* other hosts */
    cr_assert_str_eq(choose(&as, "3", "x86_64-unknown-linux-musl"),
                     PFX "3.13.2+20241016-x86_64-unknown-linux-musl-install_only.tar.gz");
    cr_assert_str_eq(choose(&as, "3", "aarch64-unknown-linux-gnu"),
                     PFX "3.11.10+20241016-aarch64-unknown-linux-gnu-install_only.tar.gz");

    char *avail = pbs_available(&as, GNU);
    cr_assert_str_eq(avail, "3.14.0rc1, 3.14.0b4, 3.13.1, 3.13.1t, 3.12.8, 3.12.7");
    free(avail);
    avail = pbs_available(&as, "riscv64-unknown-linux-gnu");
    cr_assert_str_eq(avail, "");
    free(avail);
    pbs_assets_free(&as);
}

Test(pbs, newer_build_of_the_same_version_wins)
{
    const char *text =
        H64 "  cpython-3.12.8+20241016-x86_64-unknown-linux-gnu-install_only.tar.gz\n"
        H64 "  cpython-3.12.8+20241206-x86_64-unknown-linux-gnu-install_only.tar.gz\n"
        H64 "  cpython-3.12.8+20241101-x86_64-unknown-linux-gnu-install_only.tar.gz\n";
    pbs_assets_t as;
    cr_assert_null(pbs_parse_sha256sums(text, strlen(text), &as));
    cr_assert_str_eq(choose(&as, "3.12", GNU), PFX "3.12.8+20241206-" GNU "-install_only.tar.gz");
    pbs_assets_free(&as);
}

Test(pbs, urls_and_names)
{
    pbs_source_t s;
    pbs_source_init(&s, NULL);
    cr_assert(!s.mirror);
    cr_assert_str_eq(s.latest_url, PBS_DEFAULT_LATEST);
    char *p = pbs_release_prefix(&s, "20241016", NULL);
    cr_assert_str_eq(p, PBS_DEFAULT_BASE "/20241016");
    free(p);
    p = pbs_release_prefix(&s, "20241016", "https://mirror.example/dl/20241016/");
    cr_assert_str_eq(p, "https://mirror.example/dl/20241016");
    free(p);
    p = pbs_release_prefix(&s, "20241016", "http://insecure.example/20241016");
    cr_assert_str_eq(p, PBS_DEFAULT_BASE "/20241016", "only https prefixes are taken");
    free(p);
    pbs_source_free(&s);

    pbs_source_init(&s, "http://127.0.0.1:8000/pbs//");
    cr_assert(s.mirror);
    cr_assert_str_eq(s.latest_url, "http://127.0.0.1:8000/pbs/latest-release.json");
    p = pbs_release_prefix(&s, "20260101", "https://github.com/elsewhere/20260101");
    cr_assert_str_eq(p, "http://127.0.0.1:8000/pbs/20260101", "a mirror is used exclusively");
    char *u = pbs_asset_url(p, "cpython-3.12.1+20260101-x86_64-unknown-linux-gnu-"
                               "install_only.tar.gz");
    cr_assert_str_eq(u, "http://127.0.0.1:8000/pbs/20260101/cpython-3.12.1%2B20260101-x86_64-"
                        "unknown-linux-gnu-install_only.tar.gz");
    free(u);
    free(p);
    pbs_source_free(&s);
    pbs_source_init(&s, "");
    cr_assert(!s.mirror);
    pbs_source_free(&s);

    pbs_host_t h;
    cr_assert(pbs_host_make("x86_64", "gnu", &h));
    pbs_asset_t a;
    cr_assert(pbs_parse_name("cpython-3.13.1+20241205-x86_64-unknown-linux-gnu-freethreaded-"
                             "install_only.tar.gz", &a));
    char *n = pbs_install_name(&a, &h);
    cr_assert_str_eq(n, "cpython-3.13.1+freethreaded-linux-x86_64-gnu");
    free(n);
    pbs_asset_clear(&a);
    cr_assert(pbs_parse_name("cpython-3.12.7+20241016-x86_64-unknown-linux-gnu-install_only.tar.gz",
                             &a));
    n = pbs_install_name(&a, &h);
    cr_assert_str_eq(n, "cpython-3.12.7-linux-x86_64-gnu");
    free(n);
    pbs_asset_clear(&a);
    n = pbs_minor_name(3, 12, false, &h);
    cr_assert_str_eq(n, "cpython-3.12-linux-x86_64-gnu");
    free(n);
}
