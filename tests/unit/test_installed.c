/* pkg/installed: listing a site-packages directory, and what the listing alone sees as damage
 * (a .dist-info without METADATA or RECORD, a leftover temporary dist-info). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/installed.h"
#include "util/fs.h"
#include "util/path.h"
#include "util/xalloc.h"

static char *site;

static void setup(void)
{
    char *t = xstrdup("/tmp/venvsync-installed-XXXXXX");
    cr_assert_not_null(mkdtemp(t));
    site = t;
}

static void teardown(void)
{
    err_free(fs_rmtree(site));
    free(site);
}

TestSuite(installed, .init = setup, .fini = teardown);

/* site/<dir>/<file> holding text (the directory is created). */
static void put(const char *dir, const char *file, const char *text)
{
    char *d = path_join(site, dir);
    cr_assert_null(fs_mkdirs(d, 0755));
    if (file) {
        char *p = path_join(d, file);
        cr_assert_null(fs_write_new(p, text, strlen(text), 0644));
        free(p);
    }
    free(d);
}

/* A .dist-info with the given files (METADATA names name/version). */
static void dist(const char *name, const char *version, bool metadata, bool record)
{
    char *dir = xasprintf("%s-%s.dist-info", name, version);
    put(dir, NULL, NULL);
    if (metadata) {
        char *m = xasprintf("Metadata-Version: 2.1\nName: %s\nVersion: %s\n", name, version);
        put(dir, "METADATA", m);
        free(m);
    }
    if (record)
        put(dir, "RECORD", "x.py,,\n");
    put(dir, "INSTALLER", "venvsync\n");
    free(dir);
}

static const dist_t *find(const dist_list_t *l, const char *key)
{
    const dist_t *d = dist_list_find(l, key);
    cr_assert_not_null(d, "%s is listed", key);
    return d;
}

Test(installed, scan_sees_a_dist_info_without_metadata_or_record)
{
    dist("whole", "1.0", true, true);
    dist("norecord", "2.0", true, false);
    dist("nometa", "3.0", false, true);
    dist("empty", "4.0", false, false);
    put("legacy-1.0-py3.12.egg-info", "PKG-INFO", "Name: legacy\nVersion: 1.0\n");
    dist_list_t l;
    cr_assert_null(installed_scan(site, &l));
    cr_assert_eq(l.n, 5);
    cr_assert_eq(find(&l, "whole")->missing, 0);
    cr_assert_eq(find(&l, "norecord")->missing, DIST_MISSING_RECORD);
    cr_assert_eq(find(&l, "nometa")->missing, DIST_MISSING_METADATA);
    cr_assert_str_eq(find(&l, "nometa")->version, "3.0", "named from the directory");
    cr_assert_eq(find(&l, "empty")->missing, DIST_MISSING_METADATA | DIST_MISSING_RECORD);
    cr_assert_eq(find(&l, "legacy")->missing, 0, "an egg-info has no RECORD to miss");
    cr_assert_null(l.leftovers);
    dist_list_free(&l);
}

Test(installed, a_metadata_or_record_that_is_not_a_file_is_missing)
{
    dist("odd", "1.0", true, false);
    put("odd-1.0.dist-info/RECORD", NULL, NULL); /* a directory named RECORD */
    dist_list_t l;
    cr_assert_null(installed_scan(site, &l));
    cr_assert_eq(find(&l, "odd")->missing, DIST_MISSING_RECORD);
    dist_list_free(&l);
}

Test(installed, list_reads_metadata_and_sees_a_missing_record)
{
    dist("whole", "1.0", true, true);
    dist("norecord", "2.0", true, false);
    dist("nometa", "3.0", false, true);
    dist_list_t l;
    cr_assert_null(installed_list(site, &l));
    cr_assert_eq(l.n, 2, "without METADATA there is no Name to list");
    cr_assert_eq(find(&l, "whole")->missing, 0);
    cr_assert_eq(find(&l, "norecord")->missing, DIST_MISSING_RECORD);
    cr_assert_null(dist_list_find(&l, "nometa"));
    dist_list_free(&l);
}

Test(installed, leftover_temporary_dist_infos_are_listed_apart)
{
    dist("whole", "1.0", true, true);
    put(".whole-2.0.dist-info.venvsync-tmp-Zz9aB1", "METADATA", "Name: whole\nVersion: 2.0\n");
    put(".gone-1.0.dist-info.venvsync-tmp-a1b2c3", "RECORD", "gone.py,,\n");
    put(".hidden", NULL, NULL);                             /* not ours */
    put(".x.dist-info.venvsync-tmp-", NULL, NULL);          /* no unique suffix: not ours */
    dist_list_t l;
    cr_assert_null(installed_scan(site, &l));
    cr_assert_eq(l.n, 1, "a leftover is not an installed distribution");
    cr_assert_eq(l.nleftovers, 2);
    cr_assert_str_eq(l.leftovers[0], ".gone-1.0.dist-info.venvsync-tmp-a1b2c3", "sorted");
    cr_assert_str_eq(l.leftovers[1], ".whole-2.0.dist-info.venvsync-tmp-Zz9aB1");
    cr_assert_null(l.leftovers[2]);
    dist_list_free(&l);
    cr_assert_null(installed_list(site, &l));
    cr_assert_eq(l.n, 1);
    cr_assert_eq(l.nleftovers, 2, "installed_list sees them too");
    dist_list_free(&l);
}

Test(installed, temporary_names)
{
    char *prefix = installed_tmp_prefix("foo_bar-1.0.dist-info");
    cr_assert_str_eq(prefix, ".foo_bar-1.0.dist-info.venvsync-tmp-");
    char *name = xasprintf("%sQ1w2E3", prefix);
    char *info = NULL;
    cr_assert(installed_tmp_parse(name, &info));
    cr_assert_str_eq(info, "foo_bar-1.0.dist-info");
    free(info);
    free(name);
    free(prefix);
    const char *no[] = {"foo_bar-1.0.dist-info", ".foo_bar-1.0.dist-info",
                        ".foo_bar-1.0.dist-info.venvsync-tmp-", "..dist-info.venvsync-tmp-abc",
                        "x.foo-1.0.dist-info.venvsync-tmp-abc", ".venvsync-stage-abc",
                        ".foo-1.0.egg-info.venvsync-tmp-abc"};
    for (size_t i = 0; i < sizeof no / sizeof *no; i++) {
        info = (char *)"untouched";
        cr_assert_not(installed_tmp_parse(no[i], &info), "%s", no[i]);
        cr_assert_null(info, "%s: *dist_info is NULL", no[i]);
    }
    cr_assert(installed_tmp_parse(".a-1.dist-info.venvsync-tmp-x", NULL));
}

Test(installed, split_and_missing_text)
{
    char *n, *v;
    cr_assert(installed_split("foo_bar-1.0.post1.dist-info", &n, &v));
    cr_assert_str_eq(n, "foo_bar");
    cr_assert_str_eq(v, "1.0.post1");
    free(n);
    free(v);
    cr_assert(installed_split("foo-2", &n, &v), "the suffix is optional");
    cr_assert_str_eq(n, "foo");
    cr_assert_str_eq(v, "2");
    free(n);
    free(v);
    const char *bad[] = {"foo.dist-info", "-1.0.dist-info", "foo-.dist-info", ""};
    for (size_t i = 0; i < 4; i++) {
        cr_assert_not(installed_split(bad[i], &n, &v), "%s", bad[i]);
        cr_assert_null(n);
        cr_assert_null(v);
    }
    cr_assert_str_eq(dist_missing_text(DIST_MISSING_RECORD), "no RECORD");
    cr_assert_str_eq(dist_missing_text(DIST_MISSING_METADATA), "no METADATA");
    cr_assert_str_eq(dist_missing_text(DIST_MISSING_METADATA | DIST_MISSING_RECORD),
                     "no METADATA and no RECORD");
    cr_assert_str_eq(dist_missing_text(0), "");
}
