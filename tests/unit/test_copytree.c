/* Copying an environment tree: links stay links, modes and times are kept, only files an installed
 * distribution owns (and relocation never rewrites) are hard-linked, and relocating the copy
 * leaves the source alone. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/fs.h"
#include "util/path.h"
#include "util/xalloc.h"
#include "venv/copytree.h"
#include "venv/relocate.h"

#define SITE "lib/python3.11/site-packages"

static char *tmp, *src, *dst;

static void setup(void)
{
    char *t = xstrdup("/tmp/venvsync-copy-XXXXXX");
    cr_assert_not_null(mkdtemp(t));
    tmp = t;
    src = path_join(tmp, "src env");
    dst = path_join(tmp, "out/dst env");
}

static void teardown(void)
{
    err_free(fs_rmtree(tmp));
    free(tmp);
    free(src);
    free(dst);
}

TestSuite(copytree, .init = setup, .fini = teardown);

static void put(const char *dir, const char *rel, const char *content, mode_t mode)
{
    char *p = path_join(dir, rel);
    char *d = path_dirname(p);
    cr_assert_null(fs_mkdirs(d, 0755));
    cr_assert_null(fs_write_atomic(p, content, strlen(content), mode), "writing %s", p);
    free(d);
    free(p);
}

static void ln_s(const char *target, const char *dir, const char *rel)
{
    char *p = path_join(dir, rel);
    char *d = path_dirname(p);
    cr_assert_null(fs_mkdirs(d, 0755));
    cr_assert_eq(symlink(target, p), 0, "symlink %s", p);
    free(d);
    free(p);
}

static struct stat st_of(const char *dir, const char *rel)
{
    char *p = path_join(dir, rel);
    struct stat st;
    cr_assert_eq(lstat(p, &st), 0, "lstat %s", p);
    free(p);
    return st;
}

static char *get(const char *dir, const char *rel)
{
    char *p = path_join(dir, rel);
    buf_t b = BUF_INIT;
    cr_assert_null(fs_read(p, &b), "reading %s", p);
    free(p);
    return buf_detach(&b);
}

static bool same_inode(const char *rel)
{
    struct stat a = st_of(src, rel), b = st_of(dst, rel);
    return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* A small environment written at src: one distribution "pkg" with a console script, a binary
 * in bin/, a .pth, plus files no distribution owns. */
static void make_env(void)
{
    put(src, "pyvenv.cfg", "home = /usr/bin\ninclude-system-site-packages = false\n", 0644);
    ln_s("/usr/bin/python3", src, "bin/python3.11");
    ln_s("python3.11", src, "bin/python");
    ln_s("lib", src, "lib64");
    put(src, "bin/activate", "VIRTUAL_ENV='/old'\n", 0644);
    put(src, "bin/tool", "#!/old/bin/python\nimport pkg\n", 0755);
    put(src, "bin/native", "\x7f" "ELF binary", 0755);
    put(src, "bin/user-script", "#!/bin/sh\necho mine\n", 0755);
    put(src, SITE "/pkg/__init__.py", "VALUE = 1\n", 0644);
    put(src, SITE "/pkg/__pycache__/__init__.cpython-311.pyc", "PYC", 0644);
    put(src, SITE "/pkg/secret.dat", "s", 0600);
    put(src, SITE "/pkg/absolute.txt", "abs", 0644);
    put(src, SITE "/pkg.pth", "/old/extra\n", 0644);
    put(src, SITE "/user_notes.txt", "not owned", 0640);
    put(src, SITE "/pkg-1.0.dist-info/METADATA", "Name: pkg\nVersion: 1.0\n", 0644);
    put(src, SITE "/pkg-1.0.dist-info/INSTALLER", "pip\n", 0644);
    put(src, SITE "/pkg-1.0.dist-info/REQUESTED", "", 0644);
    put(src, SITE "/pkg-1.0.dist-info/direct_url.json", "{\"url\": \"file:///w/pkg.whl\"}", 0644);
    buf_t rec = BUF_INIT;
    buf_printf(&rec,
               "pkg/__init__.py,sha256=x,10\r\n"
               "pkg/__pycache__/__init__.cpython-311.pyc,,\r\n"
               "./pkg/secret.dat,sha256=x,1\r\n"
               "\"%s/" SITE "/pkg/absolute.txt\",sha256=x,3\r\n"
               "pkg.pth,sha256=x,11\r\n"
               "../../../bin/tool,sha256=x,1\r\n"
               "../../../bin/native,sha256=x,1\r\n"
               "../../../../outside-env,sha256=x,1\r\n"
               "/etc/hostname,sha256=x,1\r\n"
               "pkg-1.0.dist-info/METADATA,sha256=x,1\r\n"
               "pkg-1.0.dist-info/INSTALLER,sha256=x,1\r\n"
               "pkg-1.0.dist-info/REQUESTED,sha256=x,0\r\n"
               "pkg-1.0.dist-info/direct_url.json,sha256=x,1\r\n"
               "pkg-1.0.dist-info/RECORD,,\r\n",
               src);
    put(src, SITE "/pkg-1.0.dist-info/RECORD", rec.data, 0644);
    buf_free(&rec);
    /* A link to a directory outside: copied as a link, never entered. */
    put(tmp, "outside/big.bin", "outside data", 0644);
    char *outside = path_join(tmp, "outside");
    ln_s(outside, src, SITE "/outside_link");
    free(outside);
    /* A private directory. */
    put(src, "private/keep", "k", 0600);
    char *priv = path_join(src, "private");
    cr_assert_eq(chmod(priv, 0700), 0);
    free(priv);
}

static copy_stats_t copy_ok(copy_mode_t mode)
{
    copy_stats_t st;
    err_t *e = venv_copy_tree(src, dst, mode, &st);
    cr_assert_null(e, "copy failed: %s", e ? e->msg : "");
    return st;
}

static const char *const OWNED_SHARED[] = {
    SITE "/pkg/__init__.py", SITE "/pkg/__pycache__/__init__.cpython-311.pyc",
    SITE "/pkg/secret.dat", SITE "/pkg/absolute.txt", "bin/native",
    SITE "/pkg-1.0.dist-info/METADATA",
};
static const char *const COPIED[] = {
    "pyvenv.cfg", "bin/activate", "bin/tool", "bin/user-script", SITE "/pkg.pth",
    SITE "/user_notes.txt", SITE "/pkg-1.0.dist-info/INSTALLER", SITE "/pkg-1.0.dist-info/REQUESTED",
    SITE "/pkg-1.0.dist-info/direct_url.json", SITE "/pkg-1.0.dist-info/RECORD", "private/keep",
};
#define N(a) (sizeof(a) / sizeof(*(a)))

static void assert_same_content_and_mode(const char *rel)
{
    struct stat a = st_of(src, rel), b = st_of(dst, rel);
    cr_assert_eq(a.st_mode, b.st_mode, "mode of %s: %o vs %o", rel, a.st_mode, b.st_mode);
    cr_assert_eq(a.st_mtim.tv_sec, b.st_mtim.tv_sec, "mtime of %s", rel);
    cr_assert_eq(a.st_mtim.tv_nsec, b.st_mtim.tv_nsec, "mtime of %s", rel);
    char *x = get(src, rel), *y = get(dst, rel);
    cr_assert_str_eq(x, y, "content of %s", rel);
    free(x);
    free(y);
}

Test(copytree, shares_only_owned_files_relocation_never_rewrites)
{
    make_env();
    copy_stats_t st = copy_ok(COPY_SHARE);
    for (size_t i = 0; i < N(COPIED); i++) {
        assert_same_content_and_mode(COPIED[i]);
        cr_assert_not(same_inode(COPIED[i]), "%s must be a copy", COPIED[i]);
        cr_assert_eq(st_of(dst, COPIED[i]).st_nlink, 1);
    }
    for (size_t i = 0; i < N(OWNED_SHARED); i++)
        assert_same_content_and_mode(OWNED_SHARED[i]);
    if (st.reflinked) {
        /* A reflink-capable file system: every file is an independent clone. */
        cr_assert_eq(st.hardlinked, 0);
        for (size_t i = 0; i < N(OWNED_SHARED); i++)
            cr_assert_not(same_inode(OWNED_SHARED[i]));
    } else {
        for (size_t i = 0; i < N(OWNED_SHARED); i++) {
            cr_assert(same_inode(OWNED_SHARED[i]), "%s must be hard-linked", OWNED_SHARED[i]);
            cr_assert_eq(st_of(src, OWNED_SHARED[i]).st_nlink, 2);
        }
        cr_assert_eq(st.hardlinked, N(OWNED_SHARED));
        cr_assert_eq(st.copied, N(COPIED));
        cr_assert_eq(st.hardlinked_bytes, strlen("VALUE = 1\n") + 3 + 1 + 3 + strlen("\x7f" "ELF binary") +
                                              strlen("Name: pkg\nVersion: 1.0\n"));
    }
    cr_assert_eq(st.symlinks, 4);
    cr_assert_eq(st.skipped, 0);
    /* Owned: the in-env rows minus what relocation rewrites (.pth, RECORD, INSTALLER, REQUESTED,
     * direct_url.json); the ../../../../ and /etc rows are outside. bin/tool is owned but, being
     * a "#!" script in bin/, copied. */
    cr_assert_eq(st.owned, 7);
}

Test(copytree, symlinks_are_copied_as_links_and_never_followed)
{
    make_env();
    copy_ok(COPY_SHARE);
    const char *links[] = {"bin/python3.11", "bin/python", "lib64", SITE "/outside_link"};
    for (size_t i = 0; i < N(links); i++) {
        char *a = path_join(src, links[i]), *b = path_join(dst, links[i]);
        char ta[4096], tb[4096];
        ssize_t na = readlink(a, ta, sizeof ta), nb = readlink(b, tb, sizeof tb);
        cr_assert_gt(nb, 0, "%s is a link in the copy", links[i]);
        cr_assert_eq(na, nb);
        cr_assert_eq(memcmp(ta, tb, (size_t)na), 0, "%s keeps its target text", links[i]);
        free(a);
        free(b);
    }
    /* The outside directory was not entered through the link, nor copied. */
    cr_assert(S_ISLNK(st_of(dst, SITE "/outside_link").st_mode));
    cr_assert_eq(st_of(tmp, "outside/big.bin").st_nlink, 1);
    char **names = NULL;
    char *out = path_join(tmp, "out");
    cr_assert_null(fs_list_dir(out, &names));
    cr_assert_eq(strv_len(names), 1);
    strv_free(names);
    free(out);
}

Test(copytree, directories_keep_their_modes)
{
    make_env();
    copy_ok(COPY_SHARE);
    cr_assert_eq(st_of(dst, "private").st_mode & 07777, 0700);
    cr_assert_eq(st_of(dst, "bin").st_mode & 07777, st_of(src, "bin").st_mode & 07777);
    cr_assert_eq(st_of(dst, "").st_mode & 07777, st_of(src, "").st_mode & 07777);
    cr_assert_eq(st_of(dst, SITE "/pkg/secret.dat").st_mode & 07777, 0600);
}

Test(copytree, full_mode_shares_nothing)
{
    make_env();
    copy_stats_t st = copy_ok(COPY_FULL);
    cr_assert_eq(st.hardlinked, 0);
    cr_assert_eq(st.owned, 0);
    for (size_t i = 0; i < N(OWNED_SHARED); i++) {
        assert_same_content_and_mode(OWNED_SHARED[i]);
        cr_assert_not(same_inode(OWNED_SHARED[i]));
        cr_assert_eq(st_of(src, OWNED_SHARED[i]).st_nlink, 1);
    }
    cr_assert_eq(st.copied + st.reflinked, N(OWNED_SHARED) + N(COPIED));
}

Test(copytree, relocating_the_copy_leaves_the_source_alone)
{
    make_env();
    char *src_tool = get(src, "bin/tool");
    char *src_rec = get(src, SITE "/pkg-1.0.dist-info/RECORD");
    char *src_pth = get(src, SITE "/pkg.pth");
    ino_t ino_tool = st_of(src, "bin/tool").st_ino;
    ino_t ino_rec = st_of(src, SITE "/pkg-1.0.dist-info/RECORD").st_ino;
    copy_ok(COPY_SHARE);
    relocate_stats_t rs;
    err_t *e = venv_relocate(dst, "/old", dst, &rs);
    cr_assert_null(e);
    cr_assert_eq(rs.scripts, 1);
    cr_assert_eq(rs.pth_files, 1);
    cr_assert_eq(rs.records, 1);

    char *s;
    cr_assert_str_eq((s = get(src, "bin/tool")), src_tool);
    free(s);
    cr_assert_str_eq((s = get(src, SITE "/pkg-1.0.dist-info/RECORD")), src_rec);
    free(s);
    cr_assert_str_eq((s = get(src, SITE "/pkg.pth")), src_pth);
    free(s);
    cr_assert_eq(st_of(src, "bin/tool").st_ino, ino_tool);
    cr_assert_eq(st_of(src, SITE "/pkg-1.0.dist-info/RECORD").st_ino, ino_rec);
    char *want = xasprintf("#!/bin/sh\n'''exec' '%s/bin/python' \"$0\" \"$@\"\n' '''\nimport pkg\n", dst);
    cr_assert_str_eq((s = get(dst, "bin/tool")), want);
    free(s);
    free(want);
    /* Still shared: the package files (same inode, same content). */
    char *v = get(dst, SITE "/pkg/__init__.py");
    cr_assert_str_eq(v, "VALUE = 1\n");
    free(v);
    free(src_tool);
    free(src_rec);
    free(src_pth);
}

Test(copytree, refuses_an_existing_destination_or_one_inside_the_source)
{
    make_env();
    cr_assert_null(fs_mkdirs(dst, 0755));
    copy_stats_t st;
    err_t *e = venv_copy_tree(src, dst, COPY_SHARE, &st);
    cr_assert_not_null(e);
    cr_assert_eq(e->exit_code, EXIT_USAGE);
    cr_assert(fs_is_dir_empty(dst), "the existing destination is untouched");
    err_free(e);

    char *inside = path_join(src, "sub/copy");
    e = venv_copy_tree(src, inside, COPY_SHARE, &st);
    cr_assert_not_null(e);
    cr_assert_eq(e->exit_code, EXIT_USAGE);
    cr_assert_not(fs_exists(inside));
    err_free(e);
    free(inside);

    e = venv_copy_tree("/nonexistent/venvsync-src", dst, COPY_SHARE, &st);
    cr_assert_not_null(e);
    err_free(e);
}

Test(copytree, skips_special_files_and_copies_empty_ones)
{
    make_env();
    char *fifo = path_join(src, "a-fifo");
    cr_assert_eq(mkfifo(fifo, 0644), 0);
    put(src, "empty", "", 0644);
    copy_stats_t st = copy_ok(COPY_SHARE);
    cr_assert_eq(st.skipped, 1);
    char *copied_fifo = path_join(dst, "a-fifo");
    cr_assert_not(fs_exists(copied_fifo));
    cr_assert_eq(st_of(dst, "empty").st_size, 0);
    free(copied_fifo);
    free(fifo);
}
