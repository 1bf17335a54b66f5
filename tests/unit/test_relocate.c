/* Relocation: hand-built environments whose files name an old path are made to name a new one:
 * shebangs in every installer's form, .pth lines, direct_url.json and RECORD rows, exactly. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/fs.h"
#include "util/hash.h"
#include "util/path.h"
#include "util/xalloc.h"
#include "venv/relocate.h"
#include "venv/relocate_internal.h"
#include "wheel/scripts.h"

#define OLD "/opt/old/env"
#define SITE "lib/python3.11/site-packages"

static char *tmp;

static void setup(void)
{
    char *t = xstrdup("/tmp/venvsync-reloc-XXXXXX");
    cr_assert_not_null(mkdtemp(t));
    tmp = t;
}

static void teardown(void)
{
    err_free(fs_rmtree(tmp));
    free(tmp);
}

TestSuite(relocate, .init = setup, .fini = teardown);

/* ---- helpers ---- */

static void put(const char *dir, const char *rel, const char *content, size_t len, mode_t mode)
{
    char *p = path_join(dir, rel);
    char *d = path_dirname(p);
    cr_assert_null(fs_mkdirs(d, 0755));
    cr_assert_null(fs_write_atomic(p, content, len, mode), "writing %s", p);
    free(d);
    free(p);
}

static void puts_(const char *dir, const char *rel, const char *content, mode_t mode)
{
    put(dir, rel, content, strlen(content), mode);
}

static char *get(const char *dir, const char *rel)
{
    char *p = path_join(dir, rel);
    buf_t b = BUF_INIT;
    cr_assert_null(fs_read(p, &b), "reading %s", p);
    free(p);
    return buf_detach(&b);
}

static struct stat stat_of(const char *dir, const char *rel)
{
    char *p = path_join(dir, rel);
    struct stat st;
    cr_assert_eq(lstat(p, &st), 0, "lstat %s", p);
    free(p);
    return st;
}

static void expect(const char *dir, const char *rel, const char *want)
{
    char *got = get(dir, rel);
    cr_assert_str_eq(got, want, "content of %s", rel);
    free(got);
}

/* "sha256=<b64>,<size>" of content, as a RECORD row's tail. */
static char *rec_tail(const char *content)
{
    unsigned char d[32];
    sha256_t h;
    sha256_init(&h);
    sha256_update(&h, content, strlen(content));
    sha256_final(&h, d);
    char b64[44];
    sha256_b64url(d, b64);
    return xasprintf("sha256=%s,%zu", b64, strlen(content));
}

static char *env_at(const char *name)
{
    char *e = path_join(tmp, name);
    cr_assert_null(fs_mkdirs(e, 0755));
    return e;
}

static relocate_stats_t relocate_ok(const char *env, const char *old, const char *new_)
{
    relocate_stats_t st;
    err_t *e = venv_relocate(env, old, new_, &st);
    cr_assert_null(e, "relocate failed: %s", e ? e->msg : "");
    return st;
}

static const char BODY[] = "# -*- coding: utf-8 -*-\nimport re\nimport sys\nfrom pip._internal.cli.main import main\n"
                           "if __name__ == '__main__':\n    sys.exit(main())\n";

/* ---- shebang rendering ---- */

Test(relocate, shebang_is_plain_up_to_127_bytes_then_the_sh_trampoline)
{
    buf_t b = BUF_INIT;
    script_shebang(&b, "/e/bin/python", NULL, "\n");
    cr_assert_str_eq(b.data, "#!/e/bin/python\n");
    buf_reset(&b);
    script_shebang(&b, "/e/bin/python", " -E", "\n");
    cr_assert_str_eq(b.data, "#!/e/bin/python -E\n");

    /* "#!" + 124 + "\n" = 127 bytes: still plain; one more byte: the trampoline. */
    char p124[125], p125[126];
    memset(p124, 'a', 124);
    p124[0] = '/';
    p124[124] = '\0';
    memset(p125, 'a', 125);
    p125[0] = '/';
    p125[125] = '\0';
    buf_reset(&b);
    script_shebang(&b, p124, "", "\n");
    cr_assert_eq(b.len, 127);
    cr_assert_eq(strncmp(b.data, "#!/aaa", 6), 0);
    buf_reset(&b);
    script_shebang(&b, p125, "", "\n");
    char *want = xasprintf("#!/bin/sh\n'''exec' '%s' \"$0\" \"$@\"\n' '''\n", p125);
    cr_assert_str_eq(b.data, want);
    free(want);

    buf_reset(&b);
    script_shebang(&b, "/my env/it's/bin/python", " -s", "\n");
    cr_assert_str_eq(b.data, "#!/bin/sh\n'''exec' '/my env/it'\"'\"'s/bin/python' -s \"$0\" \"$@\"\n' '''\n");
    buf_free(&b);
}

/* The trampoline really runs: sh execs the interpreter, which skips the header as a string. */
Test(relocate, trampoline_runs_under_sh_and_python)
{
    if (access("/usr/bin/python3", X_OK) != 0)
        cr_skip_test("no /usr/bin/python3");
    char *dir = env_at("with space 'q'");
    char *link = path_join(dir, "python");
    cr_assert_eq(symlink("/usr/bin/python3", link), 0);
    buf_t b = BUF_INIT;
    script_shebang(&b, link, NULL, "\n");
    buf_adds(&b, "import sys\nprint('ran', sys.argv[1:])\n");
    put(dir, "script", b.data, b.len, 0755);
    char *script = path_join(dir, "script");
    char *out = path_join(tmp, "out");
    pid_t pid = fork();
    if (pid == 0) {
        FILE *f = freopen(out, "w", stdout);
        (void)f;
        execl(script, script, "a", "b c", (char *)NULL);
        _exit(127);
    }
    int status;
    waitpid(pid, &status, 0);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    char *got = get(tmp, "out");
    cr_assert_str_eq(got, "ran ['a', 'b c']\n");
    free(got);
    free(out);
    free(script);
    free(link);
    free(dir);
    buf_free(&b);
}

/* ---- bin/ scripts ---- */

Test(relocate, plain_shebang_stays_plain_when_the_new_path_fits)
{
    char *env = env_at("new");
    char *s = xasprintf("#!" OLD "/bin/python3.11\n%s", BODY);
    puts_(env, "bin/pip", s, 0755);
    relocate_stats_t st = relocate_ok(env, OLD, env);
    char *got = get(env, "bin/pip");
    char *want = xasprintf("#!%s/bin/python3.11\n%s", env, BODY);
    cr_assert_str_eq(got, want);
    cr_assert_eq(stat_of(env, "bin/pip").st_mode & 07777, 0755);
    cr_assert_eq(st.scripts, 1);
    free(got);
    free(want);
    free(s);
    free(env);
}

Test(relocate, plain_becomes_trampoline_when_the_new_path_has_a_space)
{
    char *env = env_at("new env");
    char *s = xasprintf("#!" OLD "/bin/python3.11\n%s", BODY);
    puts_(env, "bin/pip", s, 0755);
    relocate_ok(env, OLD, env);
    char *got = get(env, "bin/pip");
    char *want = xasprintf("#!/bin/sh\n'''exec' '%s/bin/python3.11' \"$0\" \"$@\"\n' '''\n%s", env, BODY);
    cr_assert_str_eq(got, want);
    free(got);
    free(want);
    free(s);
    free(env);
}

Test(relocate, plain_becomes_trampoline_when_the_new_shebang_exceeds_127_bytes)
{
    char long_name[120];
    memset(long_name, 'd', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';
    char *env = env_at(long_name);
    cr_assert_gt(strlen(env) + strlen("#!/bin/python3.11\n"), 127);
    char *s = xasprintf("#!" OLD "/bin/python3.11\n%s", BODY);
    puts_(env, "bin/tool", s, 0700);
    relocate_ok(env, OLD, env);
    char *got = get(env, "bin/tool");
    char *want = xasprintf("#!/bin/sh\n'''exec' '%s/bin/python3.11' \"$0\" \"$@\"\n' '''\n%s", env, BODY);
    cr_assert_str_eq(got, want);
    cr_assert_eq(stat_of(env, "bin/tool").st_mode & 07777, 0700);
    free(got);
    free(want);
    free(s);
    free(env);
}

Test(relocate, distlib_and_installer_trampolines_become_plain_when_the_new_path_fits)
{
    char *env = env_at("new");
    /* distlib (pip's console scripts): double quotes when the path has a space. */
    puts_(env, "bin/a", "#!/bin/sh\n'''exec' \"/opt/old env/bin/python\" \"$0\" \"$@\"\n' '''\nA\n", 0755);
    /* distlib with a long path without spaces: the bare word. */
    puts_(env, "bin/b", "#!/bin/sh\n'''exec' /opt/old\\ env/bin/python -E \"$0\" \"$@\"\n' '''\nB\n", 0755);
    /* installer / uv: single quotes. */
    puts_(env, "bin/c", "#!/bin/sh\n'''exec' '/opt/old env/bin/python3' \"$0\" \"$@\"\n' '''\r\nC\n", 0755);
    relocate_stats_t st = relocate_ok(env, "/opt/old env", env);
    cr_assert_eq(st.scripts, 3);
    char *want_a = xasprintf("#!%s/bin/python\nA\n", env);
    char *want_b = xasprintf("#!%s/bin/python -E\nB\n", env);
    char *want_c = xasprintf("#!%s/bin/python3\r\nC\n", env);
    char *a = get(env, "bin/a"), *b = get(env, "bin/b"), *c = get(env, "bin/c");
    cr_assert_str_eq(a, want_a);
    cr_assert_str_eq(b, want_b);
    cr_assert_str_eq(c, want_c);
    free(a), free(b), free(c), free(want_a), free(want_b), free(want_c), free(env);
}

Test(relocate, trampoline_to_trampoline_keeps_arguments_and_unknown_tails)
{
    char *env = env_at("new env");
    puts_(env, "bin/a", "#!/bin/sh\n'''exec' '" OLD "/bin/python' -s \"$0\" \"$@\"\n' '''\nA\n", 0755);
    /* A tail we do not recognise is kept verbatim after the new word. */
    puts_(env, "bin/b", "#!/bin/sh\n'''exec' '" OLD "/bin/python' \"$@\"\n' '''\nB\n", 0755);
    relocate_ok(env, OLD, env);
    char *a = get(env, "bin/a"), *b = get(env, "bin/b");
    char *want_a = xasprintf("#!/bin/sh\n'''exec' '%s/bin/python' -s \"$0\" \"$@\"\n' '''\nA\n", env);
    char *want_b = xasprintf("#!/bin/sh\n'''exec' '%s/bin/python' \"$@\"\n' '''\nB\n", env);
    cr_assert_str_eq(a, want_a);
    cr_assert_str_eq(b, want_b);
    free(a), free(b), free(want_a), free(want_b), free(env);
}

Test(relocate, plain_shebang_forms_pip_and_old_virtualenv_wrote_with_spaces)
{
    char *env = env_at("new");
    /* pip's #!python rewrite writes sys.executable unquoted, spaces and all. */
    puts_(env, "bin/a", "#!/opt/old env/bin/python3.11 -u\r\nA\n", 0755);
    /* old virtualenv quoted it. */
    puts_(env, "bin/b", "#!\"/opt/old env/bin/python\"\nB", 0755);
    relocate_ok(env, "/opt/old env", env);
    char *a = get(env, "bin/a"), *b = get(env, "bin/b");
    char *want_a = xasprintf("#!%s/bin/python3.11 -u\r\nA\n", env);
    char *want_b = xasprintf("#!%s/bin/python\nB", env);
    cr_assert_str_eq(a, want_a);
    cr_assert_str_eq(b, want_b);
    free(a), free(b), free(want_a), free(want_b), free(env);
}

Test(relocate, leaves_binaries_links_activators_and_foreign_shebangs_alone)
{
    char *env = env_at("new");
    static const char elf[] = "\x7f" "ELF\x02\x01\x01\0#!" OLD "/bin/python\0\0";
    put(env, "bin/native", elf, sizeof elf, 0755);
    puts_(env, "bin/envpy", "#!/usr/bin/env python3\nprint(1)\n", 0755);
    puts_(env, "bin/near", "#!" OLD "y/bin/python\n", 0755);   /* a sibling, not inside */
    puts_(env, "bin/dyn", "#!/bin/sh\n'''exec' \"$(dirname -- \"$0\")\"/python \"$0\" \"$@\"\n' '''\n", 0755);
    puts_(env, "bin/activate", "VIRTUAL_ENV='" OLD "'\nexport VIRTUAL_ENV\n", 0644);
    puts_(env, "pyvenv.cfg", "home = /usr/bin\ncommand = /usr/bin/python3 -m venv " OLD "\n", 0644);
    puts_(env, "bin/sub/inner", "#!" OLD "/bin/python\n", 0755);
    /* A link in bin/ to a script outside: neither the link nor its target changes. */
    char *outside = path_join(tmp, "outside-script");
    cr_assert_null(fs_write_atomic(outside, "#!" OLD "/bin/python\n", strlen("#!" OLD "/bin/python\n"), 0755));
    char *lnk = path_join(env, "bin/linked");
    cr_assert_eq(symlink(outside, lnk), 0);
    struct stat before = stat_of(tmp, "outside-script");

    relocate_stats_t st = relocate_ok(env, OLD, env);
    cr_assert_eq(st.scripts, 0);
    char *n = xmalloc(sizeof elf);
    char *native = path_join(env, "bin/native");
    FILE *f = fopen(native, "rb");
    free(native);
    cr_assert_eq(fread(n, 1, sizeof elf, f), sizeof elf);
    fclose(f);
    cr_assert_eq(memcmp(n, elf, sizeof elf), 0);
    expect(env, "bin/envpy", "#!/usr/bin/env python3\nprint(1)\n");
    expect(env, "bin/near", "#!" OLD "y/bin/python\n");
    expect(env, "bin/activate", "VIRTUAL_ENV='" OLD "'\nexport VIRTUAL_ENV\n");
    expect(env, "pyvenv.cfg", "home = /usr/bin\ncommand = /usr/bin/python3 -m venv " OLD "\n");
    expect(env, "bin/sub/inner", "#!" OLD "/bin/python\n");
    expect(tmp, "outside-script", "#!" OLD "/bin/python\n");
    struct stat after = stat_of(tmp, "outside-script");
    cr_assert_eq(before.st_ino, after.st_ino);
    cr_assert(S_ISLNK(stat_of(env, "bin/linked").st_mode));
    free(n), free(outside), free(lnk), free(env);
}

Test(relocate, a_hard_linked_script_is_replaced_not_edited)
{
    char *env = env_at("new");
    char *s = xasprintf("#!" OLD "/bin/python\n%s", BODY);
    puts_(tmp, "shared", s, 0755);
    char *shared = path_join(tmp, "shared");
    char *bin = path_join(env, "bin");
    cr_assert_null(fs_mkdirs(bin, 0755));
    char *pip = path_join(bin, "pip");
    cr_assert_eq(link(shared, pip), 0);
    ino_t ino = stat_of(tmp, "shared").st_ino;

    relocate_ok(env, OLD, env);
    char *orig = get(tmp, "shared");
    cr_assert_str_eq(orig, s, "the other link's content is unchanged");
    cr_assert_eq(stat_of(tmp, "shared").st_ino, ino);
    cr_assert_eq(stat_of(tmp, "shared").st_nlink, 1);
    cr_assert_neq(stat_of(env, "bin/pip").st_ino, ino);
    char *got = get(env, "bin/pip");
    char *want = xasprintf("#!%s/bin/python\n%s", env, BODY);
    cr_assert_str_eq(got, want);
    free(s), free(shared), free(bin), free(pip), free(orig), free(got), free(want), free(env);
}

/* ---- .pth ---- */

Test(relocate, pth_lines_inside_the_old_path_move_and_editable_paths_stay)
{
    char *env = env_at("new env");
    const char *pth = "/opt/old/env/lib/extra\n"
                      "/home/user/project/src\n"
                      "# a comment naming /opt/old/env\n"
                      "import sys; sys.path.insert(0, '/opt/old/env/src'); x = '/opt/old/envy'; y = '/x/opt/old/env'\n"
                      "relative/dir\n"
                      "/opt/old/envy/x\n"
                      "\n"
                      "/opt/old/env\r\n"
                      "/opt/old/env/last";
    char *pth_all = xasprintf("%s\n%s/already/there\n", pth, env);
    puts_(env, SITE "/extra.pth", pth_all, 0644);
    free(pth_all);
    puts_(env, SITE "/editable.pth", "/home/user/project/src\n", 0644);
    struct stat ed = stat_of(env, SITE "/editable.pth");
    relocate_stats_t st = relocate_ok(env, OLD, env);
    cr_assert_eq(st.pth_files, 1);
    char *want = xasprintf("%s/lib/extra\n"
                           "/home/user/project/src\n"
                           "# a comment naming /opt/old/env\n"
                           "import sys; sys.path.insert(0, '%s/src'); x = '/opt/old/envy'; y = '/x/opt/old/env'\n"
                           "relative/dir\n"
                           "/opt/old/envy/x\n"
                           "\n"
                           "%s\r\n"
                           "%s/last\n"
                           "%s/already/there\n",
                           env, env, env, env, env);
    char *got = get(env, SITE "/extra.pth");
    cr_assert_str_eq(got, want);
    cr_assert_eq(stat_of(env, SITE "/editable.pth").st_ino, ed.st_ino, "unchanged files are not rewritten");
    free(got), free(want), free(env);
}

/* ---- direct_url.json ---- */

Test(relocate, direct_url_file_urls_inside_the_old_path_only)
{
    char *env = env_at("new env");
    puts_(env, SITE "/a-1.0.dist-info/direct_url.json",
          "{\"dir_info\": {\"editable\": false}, \"url\": \"file:///opt/old/env/src/my%20pkg\"}", 0644);
    puts_(env, SITE "/b-1.0.dist-info/direct_url.json",
          "{\"archive_info\": {}, \"url\": \"file:///home/u/wheels/b-1.0-py3-none-any.whl\"}", 0644);
    puts_(env, SITE "/c-1.0.dist-info/direct_url.json",
          "{\"url\": \"https://example.org/opt/old/env/c.whl\", \"archive_info\": {}}", 0644);
    puts_(env, SITE "/d-1.0.dist-info/direct_url.json",
          "{\"url\":\"file://localhost/opt/old/env/w/d.whl#sha256=ab\",\"note\":\"file:///opt/old/env\"}", 0644);
    /* Not valid JSON (a trailing comma): not ours to edit. */
    puts_(env, SITE "/e-1.0.dist-info/direct_url.json", "{\"url\": \"file:///opt/old/env/e.whl\",}", 0644);
    relocate_stats_t st = relocate_ok(env, OLD, env);
    cr_assert_eq(st.direct_urls, 2);
    expect(env, SITE "/e-1.0.dist-info/direct_url.json", "{\"url\": \"file:///opt/old/env/e.whl\",}");
    /* The new path has a space: percent-encoded as pip's path_to_url does. */
    buf_t enc = BUF_INIT;
    buf_add_replaced(&enc, env, " ", "%20");
    char *want_a = xasprintf("{\"dir_info\": {\"editable\": false}, \"url\": \"file://%s/src/my%%20pkg\"}", enc.data);
    char *want_d = xasprintf("{\"url\":\"file://%s/w/d.whl#sha256=ab\",\"note\":\"file:///opt/old/env\"}", enc.data);
    expect(env, SITE "/a-1.0.dist-info/direct_url.json", want_a);
    expect(env, SITE "/b-1.0.dist-info/direct_url.json", "{\"archive_info\": {}, \"url\": \"file:///home/u/wheels/b-1.0-py3-none-any.whl\"}");
    expect(env, SITE "/c-1.0.dist-info/direct_url.json", "{\"url\": \"https://example.org/opt/old/env/c.whl\", \"archive_info\": {}}");
    expect(env, SITE "/d-1.0.dist-info/direct_url.json", want_d);
    buf_free(&enc), free(want_a), free(want_d), free(env);
}

/* ---- RECORD ---- */

Test(relocate, record_rows_get_new_paths_hashes_and_sizes_with_order_quoting_and_crlf_kept)
{
    char *env = env_at("new env");
    char *script = xasprintf("#!" OLD "/bin/python\n%s", BODY);
    puts_(env, "bin/tool", script, 0755);
    puts_(env, SITE "/pkg.pth", OLD "/lib/extra\n", 0644);
    puts_(env, SITE "/pkg-1.0.dist-info/direct_url.json", "{\"url\": \"file:///opt/old/env/x.whl\"}", 0644);
    const char *record =
        "pkg/__init__.py,sha256=AAAA,10\r\n"
        "\"pkg/a,b.py\",sha256=BBBB,4\r\n"
        "\"pkg/say \"\"hi\"\".py\",sha256=CCCC,5\r\n"
        "../../../bin/tool,sha256=OLDHASH,99\r\n"
        "/opt/old/env/share/doc/x.txt,sha256=DDDD,3\r\n"
        "\"/opt/old/env/share/a,b.txt\",sha256=EEEE,3\r\n"
        "/opt/old/env/bad,row,sha256=EEEE,3\r\n"
        "/usr/share/outside.txt,sha256=FFFF,3\r\n"
        "pkg.pth,sha256=GGGG,1\r\n"
        "pkg-1.0.dist-info/direct_url.json,,\r\n"
        "pkg/__pycache__/__init__.cpython-311.pyc,,\r\n"
        "pkg-1.0.dist-info/RECORD,,\r\n";
    puts_(env, SITE "/pkg-1.0.dist-info/RECORD", record, 0640);
    /* A second distribution whose RECORD needs nothing: left as it is (same inode). */
    puts_(env, SITE "/other-2.0.dist-info/RECORD", "other/__init__.py,sha256=ZZZZ,0\nother-2.0.dist-info/RECORD,,\n", 0644);
    ino_t other = stat_of(env, SITE "/other-2.0.dist-info/RECORD").st_ino;

    relocate_stats_t st = relocate_ok(env, OLD, env);
    cr_assert_eq(st.scripts, 1);
    cr_assert_eq(st.pth_files, 1);
    cr_assert_eq(st.direct_urls, 1);
    cr_assert_eq(st.records, 1);

    char *tool = get(env, "bin/tool");
    char *pth = get(env, SITE "/pkg.pth");
    char *du = get(env, SITE "/pkg-1.0.dist-info/direct_url.json");
    char *t_tool = rec_tail(tool), *t_pth = rec_tail(pth), *t_du = rec_tail(du);
    char *want = xasprintf(
        "pkg/__init__.py,sha256=AAAA,10\r\n"
        "\"pkg/a,b.py\",sha256=BBBB,4\r\n"
        "\"pkg/say \"\"hi\"\".py\",sha256=CCCC,5\r\n"
        "../../../bin/tool,%s\r\n"
        "%s/share/doc/x.txt,sha256=DDDD,3\r\n"
        "\"%s/share/a,b.txt\",sha256=EEEE,3\r\n"
        "/opt/old/env/bad,row,sha256=EEEE,3\r\n"
        "/usr/share/outside.txt,sha256=FFFF,3\r\n"
        "pkg.pth,%s\r\n"
        "pkg-1.0.dist-info/direct_url.json,%s\r\n"
        "pkg/__pycache__/__init__.cpython-311.pyc,,\r\n"
        "pkg-1.0.dist-info/RECORD,,\r\n",
        t_tool, env, env, t_pth, t_du);
    char *got = get(env, SITE "/pkg-1.0.dist-info/RECORD");
    cr_assert_str_eq(got, want);
    cr_assert_eq(stat_of(env, SITE "/pkg-1.0.dist-info/RECORD").st_mode & 07777, 0640);
    cr_assert_eq(stat_of(env, SITE "/other-2.0.dist-info/RECORD").st_ino, other);
    free(got), free(want), free(tool), free(pth), free(du), free(t_tool), free(t_pth), free(t_du);
    free(script), free(env);
}

Test(relocate, quotes_new_record_paths_that_need_it_and_keeps_lf)
{
    char *env = env_at("new,env");
    puts_(env, SITE "/p-1.dist-info/RECORD", OLD "/share/x,sha256=DDDD,3\nrel,,\n", 0644);
    relocate_ok(env, OLD, env);
    char *got = get(env, SITE "/p-1.dist-info/RECORD");
    char *want = xasprintf("\"%s/share/x\",sha256=DDDD,3\nrel,,\n", env);
    cr_assert_str_eq(got, want);
    free(got), free(want), free(env);
}

Test(relocate, is_idempotent_and_a_rerun_repairs_records_an_interrupted_run_left_stale)
{
    char *env = env_at("new");
    char *script = xasprintf("#!" OLD "/bin/python\n%s", BODY);
    puts_(env, "bin/tool", script, 0755);
    puts_(env, SITE "/pkg-1.0.dist-info/RECORD", "../../../bin/tool,sha256=OLD,1\n", 0644);
    relocate_ok(env, OLD, env);
    char *rec1 = get(env, SITE "/pkg-1.0.dist-info/RECORD");
    ino_t ino_rec = stat_of(env, SITE "/pkg-1.0.dist-info/RECORD").st_ino;
    ino_t ino_tool = stat_of(env, "bin/tool").st_ino;

    relocate_stats_t st = relocate_ok(env, OLD, env);
    cr_assert_eq(st.scripts + st.records + st.pth_files + st.direct_urls, 0, "a second run writes nothing");
    cr_assert_eq(stat_of(env, SITE "/pkg-1.0.dist-info/RECORD").st_ino, ino_rec);
    cr_assert_eq(stat_of(env, "bin/tool").st_ino, ino_tool);

    /* Simulate an interruption between the script and its RECORD: the stale row is repaired. */
    puts_(env, SITE "/pkg-1.0.dist-info/RECORD", "../../../bin/tool,sha256=OLD,1\n", 0644);
    st = relocate_ok(env, OLD, env);
    cr_assert_eq(st.scripts, 0);
    cr_assert_eq(st.records, 1);
    char *rec2 = get(env, SITE "/pkg-1.0.dist-info/RECORD");
    cr_assert_str_eq(rec2, rec1);
    free(rec1), free(rec2), free(script), free(env);
}

Test(relocate, staging_dir_content_names_the_final_path)
{
    char *stage = env_at(".stage-1");
    puts_(stage, "bin/tool", "#!" OLD "/bin/python\nX\n", 0755);
    relocate_ok(stage, OLD, "/srv/final/env/");
    char *got = get(stage, "bin/tool");
    cr_assert_str_eq(got, "#!/srv/final/env/bin/python\nX\n");
    free(got), free(stage);
}

Test(relocate, nested_old_and_new_paths_are_not_rewritten_twice)
{
    char *env = env_at("new");
    /* The environment moved up one level: /p/envs/dev -> /p/envs. */
    puts_(env, "bin/a", "#!/p/envs/dev/bin/python\n", 0755);
    puts_(env, "bin/b", "#!/p/envs/bin/python\n", 0755);
    relocate_ok(env, "/p/envs/dev", "/p/envs");
    char *a = get(env, "bin/a"), *b = get(env, "bin/b");
    cr_assert_str_eq(a, "#!/p/envs/bin/python\n");
    cr_assert_str_eq(b, "#!/p/envs/bin/python\n");
    free(a), free(b);
    /* And down one level: /p/envs -> /p/envs/dev; a path already under the new one stays. */
    puts_(env, "bin/c", "#!/p/envs/bin/python\n", 0755);
    puts_(env, "bin/d", "#!/p/envs/dev/bin/python\n", 0755);
    relocate_ok(env, "/p/envs", "/p/envs/dev");
    char *c = get(env, "bin/c"), *d = get(env, "bin/d");
    cr_assert_str_eq(c, "#!/p/envs/dev/bin/python\n");
    cr_assert_str_eq(d, "#!/p/envs/dev/bin/python\n");
    free(c), free(d), free(env);
}

Test(relocate, rejects_relative_and_root_paths_and_ignores_equal_ones)
{
    char *env = env_at("new");
    puts_(env, "bin/tool", "#!" OLD "/bin/python\n", 0755);
    err_t *e = venv_relocate(env, "rel/path", env, NULL);
    cr_assert_not_null(e);
    cr_assert_eq(e->exit_code, EXIT_APPLY);
    err_free(e);
    e = venv_relocate(env, "/", env, NULL);
    cr_assert_not_null(e);
    err_free(e);
    relocate_stats_t st = relocate_ok(env, OLD, OLD "/");
    cr_assert_eq(st.files_read, 0);
    char *s = get(env, "bin/tool");
    cr_assert_str_eq(s, "#!" OLD "/bin/python\n");
    free(s), free(env);
}

Test(relocate, a_missing_bin_or_site_packages_is_fine)
{
    char *env = env_at("bare");
    relocate_stats_t st = relocate_ok(env, OLD, env);
    cr_assert_eq(st.files_read, 0);
    free(env);
}


Test(relocate, site_dirs_lists_lib_and_a_real_lib64_but_not_the_link)
{
    char *env = env_at("e");
    puts_(env, "lib/python3.11/site-packages/x", "", 0644);
    puts_(env, "lib/python3.11/not-site/x", "", 0644);
    char *l64 = path_join(env, "lib64");
    cr_assert_eq(symlink("lib", l64), 0);
    char **v = venv_site_dirs(env);
    cr_assert_eq(strv_len(v), 1);
    cr_assert_str_eq(v[0], "lib/python3.11/site-packages");
    strv_free(v);
    unlink(l64);
    puts_(env, "lib64/python3.11/site-packages/y", "", 0644);
    v = venv_site_dirs(env);
    cr_assert_eq(strv_len(v), 2);
    cr_assert_str_eq(v[1], "lib64/python3.11/site-packages");
    strv_free(v);
    free(l64), free(env);
}

/* Enough files that the writes go out on several threads: every one lands, every row follows. */
Test(relocate, many_rewrites_all_land_with_their_record_rows)
{
    char *env = env_at("new env");
    buf_t rec = BUF_INIT;
    for (int i = 0; i < 40; i++) {
        char name[32];
        snprintf(name, sizeof name, "bin/tool%02d", i);
        char *s = xasprintf("#!" OLD "/bin/python\nprint(%d)\n", i);
        puts_(env, name, s, 0755);
        buf_printf(&rec, "../../../%s,sha256=OLD,1\n", name);
        free(s);
    }
    buf_adds(&rec, "pkg-1.dist-info/RECORD,,\n");
    puts_(env, SITE "/pkg-1.dist-info/RECORD", rec.data, 0644);
    relocate_stats_t st = relocate_ok(env, OLD, env);
    cr_assert_eq(st.scripts, 40);
    cr_assert_eq(st.records, 1);
    buf_t want = BUF_INIT;
    for (int i = 0; i < 40; i++) {
        char name[32];
        snprintf(name, sizeof name, "bin/tool%02d", i);
        char *content = xasprintf("#!/bin/sh\n'''exec' '%s/bin/python' \"$0\" \"$@\"\n' '''\nprint(%d)\n", env, i);
        expect(env, name, content);
        char *tail = rec_tail(content);
        buf_printf(&want, "../../../%s,%s\n", name, tail);
        free(tail);
        free(content);
    }
    buf_adds(&want, "pkg-1.dist-info/RECORD,,\n");
    expect(env, SITE "/pkg-1.dist-info/RECORD", want.data);
    /* No temporary files are left behind. */
    char **names = NULL;
    char *bin = path_join(env, "bin");
    cr_assert_null(fs_list_dir(bin, &names));
    cr_assert_eq(strv_len(names), 40);
    strv_free(names);
    free(bin);
    buf_free(&want);
    buf_free(&rec);
    free(env);
}

/* ---- the pure rewriters (relocate_internal.h), without a disk ---- */

TestSuite(relocate_rewrite);

static const reloc_paths_t PATHS = {"/opt/old/env", 12, "/srv/new", 8};

/* The rewritten script, or NULL when reloc_rewrite_script() returns want_cls without a change. */
static char *script(const reloc_paths_t *rp, const char *in, int want_cls)
{
    buf_t out = BUF_INIT;
    int cls = reloc_rewrite_script(rp, in, strlen(in), &out);
    cr_assert_eq(cls, want_cls, "class of %s", in);
    if (cls != IN_OLD) {
        cr_assert_eq(out.len, 0, "nothing appended for %s", in);
        return NULL;
    }
    return buf_detach(&out);
}

static void script_is(const char *in, const char *want)
{
    char *got = script(&PATHS, in, IN_OLD);
    cr_assert_str_eq(got, want);
    free(got);
}

Test(relocate_rewrite, classify_is_by_whole_path_prefix_and_the_longer_prefix_wins)
{
    cr_assert_eq(reloc_classify(&PATHS, "/opt/old/env", 12), IN_OLD);
    cr_assert_eq(reloc_classify(&PATHS, "/opt/old/env/bin/python", 23), IN_OLD);
    cr_assert_eq(reloc_classify(&PATHS, "/opt/old/envy/bin", 17), IN_NONE);
    cr_assert_eq(reloc_classify(&PATHS, "/opt/old", 8), IN_NONE);
    cr_assert_eq(reloc_classify(&PATHS, "/srv/new/lib", 12), IN_NEW);
    cr_assert_eq(reloc_classify(&PATHS, "/opt/old/env/bin", 12), IN_OLD, "only n bytes count");
    const reloc_paths_t inner = {"/a", 2, "/a/b", 4};
    cr_assert_eq(reloc_classify(&inner, "/a/b/c", 6), IN_NEW);
    cr_assert_eq(reloc_classify(&inner, "/a/c", 4), IN_OLD);
    const reloc_paths_t outer = {"/a/b", 4, "/a", 2};
    cr_assert_eq(reloc_classify(&outer, "/a/b/c", 6), IN_OLD);
    cr_assert_eq(reloc_classify(&outer, "/a/c", 4), IN_NEW);
}

Test(relocate_rewrite, plain_shebangs_keep_their_arguments_terminator_and_body)
{
    script_is("#!/opt/old/env/bin/python3\nbody\n", "#!/srv/new/bin/python3\nbody\n");
    /* Arguments are kept as written, trailing blanks too. */
    script_is("#! \t/opt/old/env/bin/python -E -s \t\r\nbody", "#!/srv/new/bin/python -E -s \t\r\nbody");
    script_is("#!/opt/old/env/bin/python", "#!/srv/new/bin/python");
    script_is("#!\"/opt/old/env/bin/py thon\" -u\nx",
              "#!/bin/sh\n'''exec' '/srv/new/bin/py thon' -u \"$0\" \"$@\"\n' '''\nx");
    /* The old prefix may hold spaces: it is taken whole, unquoted. */
    const reloc_paths_t sp = {"/opt/a b", 8, "/n", 2};
    char *got = script(&sp, "#!/opt/a b/bin/python -I\nx\n", IN_OLD);
    cr_assert_str_eq(got, "#!/n/bin/python -I\nx\n");
    free(got);
}

Test(relocate_rewrite, trampolines_are_read_in_every_quoting)
{
    script_is("#!/bin/sh\n'''exec' '/opt/old/env/bin/python' \"$0\" \"$@\"\n' '''\nbody\n",
              "#!/srv/new/bin/python\nbody\n");
    script_is("#!/bin/sh\n'''exec' \"/opt/old/env/bin/py\\\"th\\$on\" -E \"$0\" \"$@\"\n' '''\r\nbody",
              "#!/srv/new/bin/py\"th$on -E\r\nbody");
    script_is("#!/bin/sh\n'''exec' /opt/old/env/bin/py\\ thon \"$0\" \"$@\"\n' '''\n",
              "#!/bin/sh\n'''exec' '/srv/new/bin/py thon' \"$0\" \"$@\"\n' '''\n");
    /* A tail other than `args "$0" "$@"` is kept verbatim behind a trampoline. */
    script_is("#!/bin/sh\n'''exec' /opt/old/env/bin/python \"$@\" # x\n' '''\n",
              "#!/bin/sh\n'''exec' '/srv/new/bin/python' \"$@\" # x\n' '''\n");
}

Test(relocate_rewrite, scripts_that_name_no_fixed_old_interpreter_are_left_alone)
{
    script(&PATHS, "#!/srv/new/bin/python\n", IN_NEW);
    script(&PATHS, "#!/bin/sh\n'''exec' '/srv/new/bin/python' \"$0\" \"$@\"\n' '''\n", IN_NEW);
    script(&PATHS, "#!/usr/bin/env python3\n", IN_NONE);
    script(&PATHS, "#!/opt/old/envy/bin/python\n", IN_NONE);
    script(&PATHS, "#!\n", IN_NONE);
    script(&PATHS, "#!\"/opt/old/env/bin/python\n", IN_NONE);   /* unterminated quote */
    /* Words sh would expand, or cannot read, name no fixed path. */
    script(&PATHS, "#!/bin/sh\n'''exec' \"$HOME/opt/old/env/bin/python\" \"$0\" \"$@\"\n' '''\n", IN_NONE);
    script(&PATHS, "#!/bin/sh\n'''exec' /opt/old/env/`x` \"$0\" \"$@\"\n' '''\n", IN_NONE);
    script(&PATHS, "#!/bin/sh\n'''exec' '/opt/old/env/bin/python \"$0\" \"$@\"\n' '''\n", IN_NONE);
    script(&PATHS, "#!/bin/sh\n'''exec' \"/opt/old/env/bin/python\n\" \"$0\"\n' '''\n", IN_NONE);
    /* A /bin/sh script that is not the trampoline. */
    script(&PATHS, "#!/bin/sh\nexec /opt/old/env/bin/python \"$@\"\n", IN_NONE);
    script(&PATHS, "#!/bin/sh\n'''exec' /opt/old/env/bin/python \"$0\" \"$@\"\n", IN_NONE);
    script(&PATHS, "#!/bin/sh\n'''exec' /opt/old/env/bin/python \"$0\" \"$@\"\n''' '\n", IN_NONE);
}

static bool pth(const reloc_paths_t *rp, const char *in, const char *want)
{
    buf_t out = BUF_INIT;
    bool changed = reloc_rewrite_pth(rp, in, strlen(in), &out);
    cr_assert_str_eq(buf_cstr(&out), want);
    buf_free(&out);
    return changed;
}

Test(relocate_rewrite, pth_path_lines_move_and_others_are_kept)
{
    cr_assert(pth(&PATHS, "/opt/old/env/lib/x \t\r\nrel/dir\n#/opt/old/env\n/opt/old/env",
                  "/srv/new/lib/x \t\r\nrel/dir\n#/opt/old/env\n/srv/new"));
    cr_assert_not(pth(&PATHS, "/opt/old/envy\n/srv/new/x\n /opt/old/env\n\n",
                      "/opt/old/envy\n/srv/new/x\n /opt/old/env\n\n"));
    cr_assert_not(pth(&PATHS, "", ""));
}

Test(relocate_rewrite, pth_import_lines_replace_whole_path_occurrences_only)
{
    cr_assert(pth(&PATHS,
                  "import a; f('/opt/old/env', \"/opt/old/env/x\", '/opt/old/envy', "
                  "'a/opt/old/env', '/p/opt/old/env', 'x/opt/old/env.y')\n",
                  "import a; f('/srv/new', \"/srv/new/x\", '/opt/old/envy', "
                  "'a/opt/old/env', '/p/opt/old/env', 'x/opt/old/env.y')\n"));
    cr_assert(pth(&PATHS, "import\ta;'/opt/old/env'", "import\ta;'/srv/new'"));
    cr_assert_not(pth(&PATHS, "imports '/opt/old/env'\n", "imports '/opt/old/env'\n"));
    /* When the new path extends the old one, an occurrence already naming it stays. */
    const reloc_paths_t ext = {"/e", 2, "/e/sub", 6};
    cr_assert(pth(&ext, "import x; p('/e/sub/a', '/e/a', '/e/subway')\n",
                  "import x; p('/e/sub/a', '/e/sub/a', '/e/sub/subway')\n"));
    cr_assert_not(pth(&ext, "import x; p('/e/sub')\n", "import x; p('/e/sub')\n"));
}

static bool direct_url(const char *in, const char *want, int want_cls)
{
    buf_t out = BUF_INIT;
    int cls = -1;
    bool changed = reloc_rewrite_direct_url(&PATHS, in, strlen(in), &out, &cls);
    cr_assert_str_eq(buf_cstr(&out), want);
    cr_assert_eq(cls, want_cls, "class for %s", in);
    buf_free(&out);
    return changed;
}

Test(relocate_rewrite, direct_url_only_local_json_is_edited)
{
    const char *yes = "{\"url\": \"FILE:///x\"}";
    cr_assert(reloc_direct_url_is_local(yes, strlen(yes)));
    const char *no[] = {"{\"url\": \"https://h/x.whl\"}", "{\"url\": 1}", "{\"dir_info\": {}}",
                        "[\"url\"]", "{\"url\": \"file:///x\",}", ""};
    for (size_t i = 0; i < sizeof no / sizeof *no; i++)
        cr_assert_not(reloc_direct_url_is_local(no[i], strlen(no[i])), "%s", no[i]);
}

Test(relocate_rewrite, direct_url_rewrites_url_values_and_keeps_every_other_byte)
{
    cr_assert(direct_url("{ \"url\" :\n \"file:///opt/old/env/a%20b.whl?x=1#sha256=ab\" , \"k\": \"url\"}",
                         "{ \"url\" :\n \"file:///srv/new/a%20b.whl?x=1#sha256=ab\" , \"k\": \"url\"}",
                         IN_OLD));
    /* JSON escapes are decoded before comparing; the new value is written plainly. */
    cr_assert(direct_url("{\"url\":\"file:\\/\\/\\/opt\\/old\\/env\\/\\u00e9.whl\"}",
                         "{\"url\":\"file:///srv/new/%C3%A9.whl\"}", IN_OLD));
    cr_assert_not(direct_url("{\"url\": \"file:///srv/new/x.whl\"}",
                             "{\"url\": \"file:///srv/new/x.whl\"}", IN_NEW));
    cr_assert_not(direct_url("{\"url\": \"file:///home/x.whl\", \"u\": \"file:///opt/old/env\"}",
                             "{\"url\": \"file:///home/x.whl\", \"u\": \"file:///opt/old/env\"}",
                             IN_NONE));
    cr_assert_not(direct_url("{\"url\": \"https://h/opt/old/env/x.whl\"}",
                             "{\"url\": \"https://h/opt/old/env/x.whl\"}", IN_NONE));
}

static const reloc_touched_t TOUCHED[] = {
    {"bin/tool", "TOOLHASH", 7},
    {"lib/python3.12/site-packages/pkg.pth", "PTHHASH", 3},
};

static bool record(const char *in, const char *want, size_t ntouched)
{
    buf_t out = BUF_INIT;
    bool changed = reloc_rewrite_record(&PATHS, "lib/python3.12/site-packages", TOUCHED, ntouched,
                                        in, strlen(in), &out);
    cr_assert_str_eq(buf_cstr(&out), want);
    buf_free(&out);
    return changed;
}

Test(relocate_rewrite, record_may_change_filters_on_the_paths_and_touched_names)
{
    const char *r = "pkg/__init__.py,,\n";
    cr_assert_not(reloc_record_may_change(&PATHS, TOUCHED, 2, r, strlen(r)));
    cr_assert_not(reloc_record_may_change(&PATHS, NULL, 0, "/srv/new/x,,", 12));
    cr_assert(reloc_record_may_change(&PATHS, NULL, 0, "/opt/old/env/x,,", 16));
    cr_assert(reloc_record_may_change(&PATHS, TOUCHED, 2, "/srv/new/x,,", 12));
    cr_assert(reloc_record_may_change(&PATHS, TOUCHED, 2, "../../../bin/x,,", 16));
    cr_assert(reloc_record_may_change(&PATHS, TOUCHED + 1, 1, "pkg.pth,,", 9));
    cr_assert_not(reloc_record_may_change(&PATHS, TOUCHED + 1, 1, "../../../bin/x,,", 16));
}

Test(relocate_rewrite, record_rows_move_and_touched_files_get_their_hash_and_size)
{
    cr_assert(record("/opt/old/env/share/x,sha256=A,1\r\n"
                     "\"/opt/old/env/a,b\",,\n"
                     "../../../bin/tool,sha256=OLD,9\n"
                     "/srv/new/bin/tool,,\n"
                     "./pkg.pth,sha256=B,3\n"
                     "../../../../escape/bin/tool,,\n"
                     "/opt/old/env/bad,row,x,1\n"
                     "\n"
                     "pkg/x.py,sha256=C,2",
                     "/srv/new/share/x,sha256=A,1\r\n"
                     "\"/srv/new/a,b\",,\n"
                     "../../../bin/tool,sha256=TOOLHASH,7\n"
                     "/srv/new/bin/tool,sha256=TOOLHASH,7\n"
                     "./pkg.pth,sha256=PTHHASH,3\n"
                     "../../../../escape/bin/tool,,\n"
                     "/opt/old/env/bad,row,x,1\n"
                     "\n"
                     "pkg/x.py,sha256=C,2", 2));
    /* Without touched files only the paths move. */
    cr_assert(record("/opt/old/env/bin/tool,sha256=OLD,9\n", "/srv/new/bin/tool,sha256=OLD,9\n", 0));
}

Test(relocate_rewrite, record_rows_already_up_to_date_are_no_change)
{
    const char *r = "../../../bin/tool,sha256=TOOLHASH,7\npkg.pth,sha256=PTHHASH,3\n/usr/x,,\n";
    cr_assert_not(record(r, r, 2));
}
