/* Adapting a python-build-standalone build configuration: the _sysconfigdata dict literal and
 * pkg-config files (src/python/sysconfigdata.c). */
#include <criterion/criterion.h>
#include <string.h>

#include "toolchain/sysconfigdata.h"
#include "util/buf.h"

#define PREFIX "/home/u/.local/share/venvsync/python/cpython-3.12.7-linux-x86_64-gnu"

/* Shaped like a real PBS module: pprint's layout, concatenated literals, ints. */
static const char PBS[] =
    "# system configuration generated and used by the sysconfig module\n"
    "build_time_vars = {'ABIFLAGS': '',\n"
    " 'AC_APPLE_UNIVERSAL_BUILD': 0,\n"
    " 'AR': '/tools/llvm/bin/llvm-ar',\n"
    " 'BINDIR': '/install/bin',\n"
    " 'BLDSHARED': 'clang -shared -L/tools/deps/lib '\n"
    "              '-Wl,-rpath,/install/lib -L/install/lib',\n"
    " 'CC': 'clang -pthread',\n"
    " 'CFLAGS': '-fno-strict-overflow -Wsign-compare -DNDEBUG -g -O3 -Wall',\n"
    " 'CONFIG_ARGS': \"'--prefix=/install' '--with-lto' 'CC=clang' "
    "'CPPFLAGS=-I/install/include' 'X=a-I/install'\",\n"
    " 'CXX': 'clang++ -pthread',\n"
    " 'HAVE_FORK': 1,\n"
    " 'INCLUDEPY': '/install/include/python3.12',\n"
    " 'LDSHARED': '/usr/bin/aarch64-linux-gnu-gcc -shared',\n"
    " 'NOT_A_PATH': '/installer/x /opt/install /install2 x/install',\n"
    " 'SIZEOF_LONG': -8,\n"
    " 'prefix': '/install'}\n";

static char *patch(const char *text, size_t *changed)
{
    buf_t out = BUF_INIT;
    err_t *e = sysconfigdata_patch(text, strlen(text), PREFIX, &out, changed);
    cr_assert_null(e, "%s", e ? e->msg : "");
    return buf_detach(&out);
}

static void assert_has(const char *text, const char *needle)
{
    cr_assert(strstr(text, needle), "expected «%s» in:\n%s", needle, text);
}

static void assert_lacks(const char *text, const char *needle)
{
    cr_assert(!strstr(text, needle), "did not expect «%s» in:\n%s", needle, text);
}

Test(sysconfigdata, install_paths_name_the_real_prefix)
{
    size_t n;
    char *t = patch(PBS, &n);
    assert_has(t, " 'BINDIR': '" PREFIX "/bin',\n");
    assert_has(t, " 'INCLUDEPY': '" PREFIX "/include/python3.12',\n");
    assert_has(t, " 'prefix': '" PREFIX "',\n");
    /* after -L, after a comma, after = inside a quoted word */
    assert_has(t, "-Wl,-rpath," PREFIX "/lib -L" PREFIX "/lib");
    assert_has(t, "--prefix=" PREFIX "'");
    assert_has(t, "'CPPFLAGS=-I" PREFIX "/include'");
    assert_has(t, "'X=a-I/install'");
    /* words that only look alike stay */
    assert_has(t, " 'NOT_A_PATH': '/installer/x /opt/install /install2 x/install',\n");
    assert_has(t, "-L/tools/deps/lib");
    assert_lacks(t, "=/install/");
    assert_lacks(t, "'/install'");
    free(t);
}

Test(sysconfigdata, build_compilers_become_the_hosts)
{
    size_t n;
    char *t = patch(PBS, &n);
    assert_has(t, " 'CC': 'cc -pthread',\n");
    assert_has(t, " 'CXX': 'c++ -pthread',\n");
    assert_has(t, " 'AR': 'ar',\n");
    assert_has(t, " 'LDSHARED': 'cc -shared',\n");
    assert_has(t, "'BLDSHARED': 'cc -shared -L/tools/deps/lib -Wl,-rpath," PREFIX "/lib -L" PREFIX
                  "/lib',\n");
    /* only in compiler variables: CONFIG_ARGS keeps CC=clang */
    assert_has(t, "'CC=clang'");
    /* AR, BINDIR, BLDSHARED, CC, CONFIG_ARGS, CXX, INCLUDEPY, LDSHARED, prefix */
    cr_assert_eq(n, 9);
    free(t);
}

Test(sysconfigdata, everything_else_is_kept_byte_for_byte_and_the_marker_is_added)
{
    size_t n;
    char *t = patch(PBS, &n);
    cr_assert(strncmp(t, "# system configuration generated and used by the sysconfig module\n"
                         "build_time_vars = {'ABIFLAGS': '',\n 'AC_APPLE_UNIVERSAL_BUILD': 0,\n",
                      130) == 0);
    assert_has(t, " 'CFLAGS': '-fno-strict-overflow -Wsign-compare -DNDEBUG -g -O3 -Wall',\n");
    assert_has(t, " 'HAVE_FORK': 1,\n");
    assert_has(t, " 'SIZEOF_LONG': -8,\n");
    size_t len = strlen(t);
    const char *tail = "'" PREFIX "',\n 'PYTHON_BUILD_STANDALONE': 1}\n";
    cr_assert(len > strlen(tail) && strcmp(t + len - strlen(tail), tail) == 0, "%s", t);

    /* patching the result again changes nothing and adds no second marker */
    size_t n2;
    char *t2 = patch(t, &n2);
    cr_assert_eq(n2, 0);
    cr_assert_str_eq(t2, t);
    free(t2);
    free(t);
}

Test(sysconfigdata, escapes_are_decoded_and_written_back)
{
    const char *in = "build_time_vars = {"
                     "'CC': 'clang -DQ=\\'x\\' -DB=\\\\ -DU=\\u00e9\\x41\\101',\n"
                     " 'E': \"it's\", 'prefix': '/install'}";
    size_t n;
    char *t = patch(in, &n);
    cr_assert_eq(n, 2);
    /* quoted as repr() would: the value holds ' and no " */
    assert_has(t, "'CC': \"cc -DQ='x' -DB=\\\\ -DU=\xc3\xa9" "AA\"");
    assert_has(t, "'E': \"it's\"");
    assert_has(t, "'prefix': '" PREFIX "',\n 'PYTHON_BUILD_STANDALONE': 1}");
    free(t);
}

Test(sysconfigdata, an_existing_marker_and_trailing_comma_are_respected)
{
    size_t n;
    char *t = patch("build_time_vars = {\n    'PYTHON_BUILD_STANDALONE': 1,\n}\n", &n);
    cr_assert_str_eq(t, "build_time_vars = {\n    'PYTHON_BUILD_STANDALONE': 1,\n}\n");
    free(t);
    t = patch("build_time_vars = {'A': 1,\n}", &n);
    cr_assert_str_eq(t, "build_time_vars = {'A': 1,\n 'PYTHON_BUILD_STANDALONE': 1\n}");
    free(t);
    /* a comment after the last value keeps the marker out of it */
    t = patch("build_time_vars = {'A': 1 # one\n}", &n);
    cr_assert_str_eq(t, "build_time_vars = {'A': 1,\n 'PYTHON_BUILD_STANDALONE': 1 # one\n}");
    free(t);
    t = patch("build_time_vars = {}", &n);
    cr_assert_str_eq(t, "build_time_vars = {\n 'PYTHON_BUILD_STANDALONE': 1}");
    free(t);
}

static void assert_rejected(const char *text, const char *why, const char *line)
{
    buf_t out = BUF_INIT;
    size_t n = 99;
    err_t *e = sysconfigdata_patch(text, strlen(text), PREFIX, &out, &n);
    cr_assert_not_null(e, "accepted: %s", text);
    cr_assert(strstr(e->msg, why), "%s: %s", text, e->msg);
    cr_assert(strstr(e->msg, line), "%s: %s", text, e->msg);
    cr_assert_eq(out.len, 0, "nothing is produced on error");
    cr_assert_eq(n, 0);
    err_free(e);
    buf_free(&out);
}

Test(sysconfigdata, what_cpython_does_not_write_is_an_error_with_its_line)
{
    assert_rejected("x = 1\n", "build_time_vars", "line 1");
    assert_rejected("build_time_vars = {'A': 'b\n'}", "unterminated", "line 1");
    assert_rejected("build_time_vars = {\n'A': '''b'''}", "triple-quoted", "line 2");
    assert_rejected("build_time_vars = {'A': [1, 2]}", "neither a string nor a number", "line 1");
    assert_rejected("build_time_vars = {'A': 1}\nimport os\n", "after the dictionary", "line 2");
    assert_rejected("build_time_vars = {'A' 1}", "`:`", "line 1");
    assert_rejected("build_time_vars = {'A': 1 'B': 2}", "`,` or `}`", "line 1");
    assert_rejected("build_time_vars = {'A': '\\ud800'}", "Unicode scalar", "line 1");
    assert_rejected("build_time_vars = {'A': '\\x4'}", "truncated", "line 1");
    assert_rejected("build_time_vars = {'A': '\\N{DASH}'}", "\\N", "line 1");
    assert_rejected("build_time_vars = {'A': 1,", "quoted key", "line 1");
    assert_rejected("", "build_time_vars", "line 1");
}

Test(sysconfigdata, pkgconfig_install_prefixes_become_relative)
{
    const char *pc = "# See: man pkg-config\n"
                     "prefix=/install\n"
                     "exec_prefix=${prefix}\n"
                     "libdir=/install/lib\n"
                     "other=/installer\n"
                     "Cflags: -I/install/include/python3.12\n";
    buf_t out = BUF_INIT;
    cr_assert(sysconfigdata_patch_pc(pc, strlen(pc), &out));
    cr_assert_str_eq(buf_cstr(&out), "# See: man pkg-config\n"
                                     "prefix=${pcfiledir}/../..\n"
                                     "exec_prefix=${prefix}\n"
                                     "libdir=${pcfiledir}/../../lib\n"
                                     "other=/installer\n"
                                     "Cflags: -I/install/include/python3.12\n");
    const char *fine = "prefix=${pcfiledir}/../..\nName: Python";
    cr_assert(!sysconfigdata_patch_pc(fine, strlen(fine), &out));
    cr_assert_str_eq(buf_cstr(&out), fine);
    buf_free(&out);
}
