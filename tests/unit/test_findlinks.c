/* Unit tests for index/findlinks: scanning local find-links sources. */
#include <criterion/criterion.h>

#include "support.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "index/findlinks.h"
#include "pkg/reqfile.h"
#include "util/fs.h"
#include "util/path.h"
#include "util/url.h"
#include "util/xalloc.h"

static char *tmpdir;

static void setup(void)
{
    tmpdir = support_tmpdir("findlinks-test");
}

static void teardown(void)
{
    support_tmpdir_free(tmpdir);
}

TestSuite(findlinks, .init = setup, .fini = teardown);

/* Creates tmpdir/rel holding `size` bytes; returns the absolute path. */
static char *put(const char *rel, size_t size)
{
    char *p = path_join(tmpdir, rel);
    char *d = path_dirname(p);
    cr_assert_null(fs_mkdirs(d, 0755));
    free(d);
    FILE *f = fopen(p, "wb");
    cr_assert_not_null(f);
    for (size_t i = 0; i < size; i++)
        fputc('x', f);
    fclose(f);
    return p;
}

static fl_set_t *scan_ok(const char *const *sources, size_t n)
{
    fl_set_t *s = NULL;
    err_t *e = findlinks_scan(sources, n, &s);
    cr_assert_null(e, "%s", e ? e->msg : "");
    cr_assert_not_null(s);
    return s;
}

static bool has_note(const fl_set_t *s, const char *needle)
{
    for (size_t i = 0; i < s->nnotes; i++)
        if (strstr(s->notes[i], needle))
            return true;
    return false;
}

Test(findlinks, directory_scan)
{
    free(put("wheels/foo-1.0-py3-none-any.whl", 3));
    free(put("wheels/foo-1.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", 5));
    free(put("wheels/Bar_Baz-2.0-1-py3-none-any.whl", 0));
    free(put("wheels/zope.interface-6.0-cp311-cp311-linux_x86_64.whl", 7));
    free(put("wheels/not-a-valid-wheel.whl", 1));
    free(put("wheels/foo-1.0.tar.gz", 1));
    free(put("wheels/README.txt", 1));
    free(put("wheels/sub/inner-1.0-py3-none-any.whl", 1));
    char *d = path_join(tmpdir, "wheels/dir-1.0-py3-none-any.whl");
    cr_assert_eq(mkdir(d, 0755), 0);
    free(d);
    char *outside = put("elsewhere/linked-1.0-py3-none-any.whl", 11);
    char *link = path_join(tmpdir, "wheels/linked-1.0-py3-none-any.whl");
    cr_assert_eq(symlink(outside, link), 0);

    char *dir = path_join(tmpdir, "wheels");
    const char *src[] = {dir};
    fl_set_t *s = scan_ok(src, 1);
    cr_assert_eq(s->n, 5, "non-recursive, only parseable regular *.whl files");
    /* sorted by (key, filename) */
    cr_expect_str_eq(s->cands[0].wheel->key, "bar-baz");
    cr_expect_str_eq(s->cands[1].wheel->key, "foo");
    cr_expect_str_eq(s->cands[1].wheel->filename,
                     "foo-1.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl");
    cr_expect_eq(s->cands[1].size, 5);
    cr_expect_str_eq(s->cands[2].wheel->filename, "foo-1.0-py3-none-any.whl");
    cr_expect_eq(s->cands[2].size, 3);
    char *p2 = path_join(tmpdir, "wheels/foo-1.0-py3-none-any.whl");
    cr_expect_str_eq(s->cands[2].path, p2);
    free(p2);
    cr_expect_str_eq(s->cands[3].wheel->key, "linked");
    cr_expect_eq(s->cands[3].size, 11, "a symlinked wheel is followed");
    cr_expect_str_eq(s->cands[3].path, link);
    cr_expect_str_eq(s->cands[4].wheel->key, "zope-interface");
    cr_expect_eq(s->cands[0].source, 0);

    cr_assert_eq(s->nsources, 1);
    cr_expect(s->sources[0].is_dir);
    cr_expect_not(s->sources[0].missing);
    cr_expect_eq(s->nnotes, 2, "the bad name and the directory");
    cr_expect(has_note(s, "not-a-valid-wheel.whl: skipped: "));
    cr_expect(has_note(s, "dir-1.0-py3-none-any.whl: skipped: not a regular file"));
    cr_expect_null(s->remote[0]);

    const fl_cand_t *first = NULL;
    cr_expect_eq(findlinks_lookup(s, "foo", &first), 2);
    cr_expect_eq(first, &s->cands[1]);
    cr_expect_eq(findlinks_lookup(s, "bar-baz", &first), 1);
    cr_expect_eq(first, &s->cands[0]);
    cr_expect_eq(findlinks_lookup(s, "zope-interface", &first), 1);
    cr_expect_eq(findlinks_lookup(s, "nope", &first), 0);
    cr_expect_null(first);
    cr_expect_eq(findlinks_lookup(s, "a", &first), 0);
    cr_expect_eq(findlinks_lookup(s, "zzz", &first), 0);
    findlinks_free(s);
    free(dir);
    free(link);
    free(outside);
}

Test(findlinks, source_archives_are_listed_apart)
{
    free(put("s/pkg-1.0.tar.gz", 1));
    free(put("s/pkg-1.1.zip", 1));
    free(put("s/pkg-1.1-py3-none-any.whl", 1));
    free(put("s/pkg-0.9.tar.bz2", 1));
    char *single = put("t/legacy-name-2.0.tar.gz", 1);
    char *dir = path_join(tmpdir, "s");
    const char *src[] = {dir, single, dir};
    fl_set_t *s = scan_ok(src, 3);
    cr_assert_eq(s->n, 1, "the wheel");
    cr_assert_eq(s->nsdists, 3, "each archive once; .tar.bz2 is not one pip builds");
    char *a = path_join(tmpdir, "s/pkg-1.0.tar.gz");
    char *b = path_join(tmpdir, "s/pkg-1.1.zip");
    cr_expect_str_eq(s->sdists[0], a);
    cr_expect_str_eq(s->sdists[1], b);
    cr_expect_str_eq(s->sdists[2], single);
    cr_expect_null(s->sdists[3]);
    findlinks_free(s);
    free(a);
    free(b);
    free(dir);
    free(single);
}

Test(findlinks, kinds_of_sources)
{
    free(put("a/pkg-1.0-py3-none-any.whl", 1));
    free(put("b b/pkg-2.0-py3-none-any.whl", 2));
    char *single = put("c/one-1.0-py3-none-any.whl", 4);
    char *a = path_join(tmpdir, "a");
    char *bdir = path_join(tmpdir, "b b");
    char *burl = url_from_path(bdir);
    char *missing = path_join(tmpdir, "nope");
    char *notwheel = put("c/notes.txt", 1);
    char *single_url = url_from_path(single);
    char *a_file = path_join(tmpdir, "a/pkg-1.0-py3-none-any.whl");
    const char *src[] = {a,        burl,     single,     "https://links.example/wheels/",
                         missing,  notwheel, a,          single_url,
                         "ftp://old.example/", a_file};
    fl_set_t *s = scan_ok(src, sizeof src / sizeof *src);
    cr_assert_eq(s->n, 3);
    cr_expect_str_eq(s->cands[0].wheel->filename, "one-1.0-py3-none-any.whl");
    cr_expect_eq(s->cands[0].source, 2, "first source that reached it");
    cr_expect_str_eq(s->cands[1].wheel->version_text, "1.0");
    cr_expect_eq(s->cands[1].source, 0, "listed once, through the first source");
    cr_expect_str_eq(s->cands[2].wheel->version_text, "2.0");
    cr_expect_eq(s->cands[2].source, 1);
    cr_expect_str_eq(s->sources[1].path, bdir, "file: URL decoded");
    cr_expect_str_eq(s->sources[1].given, burl);
    cr_expect_not(s->sources[2].is_dir);
    cr_expect_str_eq(s->remote[0], "https://links.example/wheels/");
    cr_expect_null(s->remote[1]);
    /* a, burl, single, missing, notwheel, a_file: repeated sources (a, single as a file: URL)
     * are scanned once */
    cr_assert_eq(s->nsources, 6);
    cr_expect_str_eq(s->sources[5].path, a_file);
    cr_expect(s->sources[3].missing);
    cr_expect(has_note(s, "no such file or directory"));
    cr_expect(has_note(s, "notes.txt: ignored: neither a directory, a .whl file nor a source "
                          "archive"));
    cr_expect(has_note(s, "ftp://old.example/: ignored"));

    char *desc = findlinks_describe(s);
    char *want = xasprintf("%s, %s, %s, %s (missing), %s, %s, https://links.example/wheels/ "
                           "(remote, not searched)", a, bdir, single, missing, notwheel, a_file);
    cr_expect_str_eq(desc, want);
    free(want);
    free(desc);
    findlinks_free(s);
    free(a);
    free(bdir);
    free(burl);
    free(missing);
    free(notwheel);
    free(single);
    free(single_url);
    free(a_file);
}

Test(findlinks, empty_and_unreadable)
{
    fl_set_t *s = scan_ok(NULL, 0);
    cr_expect_eq(s->n, 0);
    const fl_cand_t *first;
    cr_expect_eq(findlinks_lookup(s, "x", &first), 0);
    char *d = findlinks_describe(s);
    cr_expect_str_eq(d, "(no find-links sources)");
    free(d);
    findlinks_free(s);

    if (geteuid() == 0)
        return;   /* root reads anything */
    char *locked = path_join(tmpdir, "locked");
    cr_assert_eq(mkdir(locked, 0000), 0);
    const char *src[] = {locked};
    err_t *e = findlinks_scan(src, 1, &s);
    cr_assert_not_null(e);
    cr_expect_null(s);
    cr_expect(strstr(e->msg, "cannot read the directory") != NULL, "%s", e->msg);
    err_free(e);
    chmod(locked, 0755);
    free(locked);
}
