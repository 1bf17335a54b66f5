/* Writing an environment: the exact tree, links, modes and pyvenv.cfg for hand-built interpreters. */
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
#include "venv/activators.h"
#include "venv/cfg.h"
#include "venv/venv.h"

static char *tmp;

static void setup(void)
{
    char *t = xstrdup("/tmp/venvsync-venv-XXXXXX");
    cr_assert_not_null(mkdtemp(t));
    tmp = t;
}

static void teardown(void)
{
    err_free(fs_rmtree(tmp));
    free(tmp);
}

TestSuite(venv, .init = setup, .fini = teardown);

/* A CPython X.Y.Z at /opt/py/bin/<exe> with the probe's venv layout (or none: NULL fields). */
static interp_t *make_py(int major, int minor, int micro, const char *exe, bool layout)
{
    interp_t *py = xcalloc(1, sizeof(*py));
    py->path = xasprintf("/opt/py/bin/%s", exe);
    py->realpath = xasprintf("/opt/py/bin/python%d.%d", major, minor);
    py->id = (file_id_t){.dev = 2049, .ino = 77, .size = 1234, .mtime_ns = 5, .ctime_ns = 6};
    py->implementation = xstrdup("cpython");
    py->version = xasprintf("%d.%d.%d", major, minor, micro);
    py->major = major;
    py->minor = minor;
    py->micro = micro;
    py->home = xstrdup("/opt/py/bin");
    py->exe_name = xstrdup(exe);
    py->pointer_bits = 64;
    py->sys_platform = xstrdup("linux");
    if (layout) {
        py->venv_purelib = xasprintf("lib/python%d.%d/site-packages", major, minor);
        py->venv_include = (major == 3 && minor >= 11) ? xasprintf("include/python%d.%d", major, minor)
                                                       : xstrdup("include");
        py->venv_scripts = xstrdup("bin");
    }
    return py;
}

/* One line per entry below dir: "<octal mode> <rel>[ -> <target>]", sorted by path. */
static void walk(const char *root, const char *rel, buf_t *out)
{
    char *dir = rel[0] ? path_join(root, rel) : xstrdup(root);
    char **names = NULL;
    err_t *e = fs_list_dir(dir, &names);
    cr_assert_null(e, "listing %s", dir);
    for (size_t i = 0; names[i]; i++) {
        char *r = rel[0] ? path_join(rel, names[i]) : xstrdup(names[i]);
        char *p = path_join(root, r);
        struct stat st;
        cr_assert_eq(lstat(p, &st), 0);
        if (S_ISLNK(st.st_mode)) {
            char t[4096];
            ssize_t n = readlink(p, t, sizeof t - 1);
            cr_assert_gt(n, 0);
            t[n] = '\0';
            buf_printf(out, "l %s -> %s\n", r, t);
        } else if (S_ISDIR(st.st_mode)) {
            buf_printf(out, "d%03o %s/\n", (unsigned)(st.st_mode & 0777), r);
            walk(root, r, out);
        } else {
            buf_printf(out, "f%03o %s\n", (unsigned)(st.st_mode & 0777), r);
        }
        free(p);
        free(r);
    }
    strv_free(names);
    free(dir);
}

static char *tree(const char *root)
{
    buf_t b = BUF_INIT;
    walk(root, "", &b);
    return buf_detach(&b);
}

static char *slurp(const char *dir, const char *rel)
{
    char *p = path_join(dir, rel);
    buf_t b = BUF_INIT;
    err_t *e = fs_read(p, &b);
    cr_assert_null(e, "reading %s", p);
    free(p);
    return buf_detach(&b);
}

Test(venv, tree_of_a_312_environment)
{
    umask(027);
    interp_t *py = make_py(3, 12, 1, "python3.12", true);
    venv_params_t p = {.path = "/final/place/.venv", .py = py, .prompt = "dev"};
    err_t *e = venv_write(&p, tmp);
    cr_assert_null(e, "%s", e ? e->msg : "");
    char *t = tree(tmp);
    /* fs_list_dir sorts bytewise: upper case and '.' first. */
    cr_assert_str_eq(t, "f640 .gitignore\n"
                        "d750 bin/\n"
                        "f644 bin/Activate.ps1\n"
                        "f644 bin/activate\n"
                        "f644 bin/activate.csh\n"
                        "f644 bin/activate.fish\n"
                        "f644 bin/activate.nu\n"
                        "l bin/python -> python3.12\n"
                        "l bin/python3 -> python3.12\n"
                        "l bin/python3.12 -> /opt/py/bin/python3.12\n"
                        "d750 include/\n"
                        "d750 include/python3.12/\n"
                        "d750 lib/\n"
                        "d750 lib/python3.12/\n"
                        "d750 lib/python3.12/site-packages/\n"
                        "l lib64 -> lib\n"
                        "f640 pyvenv.cfg\n");
    free(t);
    char *gi = slurp(tmp, ".gitignore");
    cr_assert_str_eq(gi, "*\n");
    free(gi);
    char *cfg = slurp(tmp, "pyvenv.cfg");
    cr_assert_str_eq(cfg, "home = /opt/py/bin\n"
                          "include-system-site-packages = false\n"
                          "version = 3.12.1\n"
                          "prompt = 'dev'\n"
                          "executable = /opt/py/bin/python3.12\n"
                          "command = /opt/py/bin/python3.12 -m venv --without-pip --prompt=\"dev\" "
                          "/final/place/.venv\n"
                          "venvsync = " VENVSYNC_VERSION "\n"
                          "venvsync-path = /final/place/.venv\n"
                          "venvsync-python = /opt/py/bin/python3.12\n"
                          "venvsync-python-id = 2049:77:1234:5:6\n"
                          "venvsync-implementation = cpython\n"
                          "venvsync-freethreaded = false\n");
    free(cfg);
    /* The activators name the final path, not the staging directory they were written in. */
    char *act = slurp(tmp, "bin/activate");
    cr_assert(strstr(act, "VIRTUAL_ENV='/final/place/.venv'\n") != NULL);
    cr_assert(strstr(act, tmp) == NULL);
    free(act);
    interp_free(py);
}

Test(venv, tree_of_a_38_environment_on_32_bit)
{
    umask(022);
    interp_t *py = make_py(3, 8, 18, "python3", true);
    py->pointer_bits = 32;
    venv_params_t p = {.path = "/e", .py = py, .prompt = "p", .system_site_packages = true};
    err_t *e = venv_write(&p, tmp);
    cr_assert_null(e, "%s", e ? e->msg : "");
    char *t = tree(tmp);
    cr_assert_str_eq(t, "f644 .gitignore\n"
                        "d755 bin/\n"
                        "f644 bin/Activate.ps1\n"
                        "f644 bin/activate\n"
                        "f644 bin/activate.csh\n"
                        "f644 bin/activate.fish\n"
                        "f644 bin/activate.nu\n"
                        "l bin/python -> python3\n"
                        "l bin/python3 -> /opt/py/bin/python3\n"
                        "d755 include/\n"
                        "d755 lib/\n"
                        "d755 lib/python3.8/\n"
                        "d755 lib/python3.8/site-packages/\n"
                        "f644 pyvenv.cfg\n");
    free(t);
    char *cfg = slurp(tmp, "pyvenv.cfg");
    /* Before 3.11 venv writes neither executable nor command. */
    const char *head = "home = /opt/py/bin\n"
                       "include-system-site-packages = true\n"
                       "version = 3.8.18\n"
                       "prompt = 'p'\n"
                       "venvsync = ";
    cr_assert(strncmp(cfg, head, strlen(head)) == 0, "%s", cfg);
    cr_assert_null(strstr(cfg, "executable"));
    cr_assert_null(strstr(cfg, "command"));
    free(cfg);
    interp_free(py);
}

Test(venv, freethreaded_313_from_version_alone)
{
    umask(022);
    interp_t *py = make_py(3, 13, 0, "python3.13t", false);
    py->freethreaded = true;
    venv_params_t p = {.path = "/e", .py = py, .prompt = "ft"};
    err_t *e = venv_write(&p, tmp);
    cr_assert_null(e, "%s", e ? e->msg : "");
    char *t = tree(tmp);
    cr_assert(strstr(t, "l bin/python -> python3.13t\n"
                        "l bin/python3 -> python3.13t\n"
                        "l bin/python3.13 -> python3.13t\n"
                        "l bin/python3.13t -> /opt/py/bin/python3.13t\n"
                        "d755 include/\n"
                        "d755 include/python3.13t/\n"
                        "d755 lib/\n"
                        "d755 lib/python3.13t/\n"
                        "d755 lib/python3.13t/site-packages/\n"
                        "l lib64 -> lib\n") != NULL, "%s", t);
    free(t);
    char *cfg = slurp(tmp, "pyvenv.cfg");
    cr_assert(strstr(cfg, "\nvenvsync-freethreaded = true\n") != NULL);
    cr_assert(strstr(cfg, "\nversion = 3.13.0\n") != NULL);
    free(cfg);
    interp_free(py);
}

Test(venv, cfg_with_system_site_packages_and_quoted_prompt)
{
    interp_t *py = make_py(3, 11, 7, "python3", true);
    free(py->realpath);
    py->realpath = xstrdup("/opt/py/bin/python3.11");
    venv_params_t p = {.path = "/w/e", .py = py, .prompt = "it's", .system_site_packages = true};
    buf_t b = BUF_INIT;
    venv_render_cfg(&p, &b);
    venv_cfg_t *c = venv_cfg_parse(b.data, b.len);
    cr_assert_str_eq(venv_cfg_get(c, CFG_PROMPT), "\"it's\"");
    cr_assert_str_eq(venv_cfg_get(c, CFG_EXECUTABLE), "/opt/py/bin/python3.11");
    cr_assert_str_eq(venv_cfg_get(c, CFG_COMMAND), "/opt/py/bin/python3 -m venv --without-pip "
                                                   "--system-site-packages --prompt=\"it's\" /w/e");
    cr_assert_str_eq(venv_cfg_get(c, CFG_SYSTEM_SITE), "true");
    cr_assert_str_eq(venv_cfg_get(c, CFG_VS_PYTHON), "/opt/py/bin/python3.11");
    cr_assert_str_eq(venv_cfg_get(c, CFG_VS_PATH), "/w/e");
    /* The keys come in venv's order, venvsync's after. */
    const char *order[] = {"home", "include-system-site-packages", "version", "prompt", "executable",
                           "command", "venvsync", "venvsync-path", "venvsync-python",
                           "venvsync-python-id", "venvsync-implementation",
                           "venvsync-freethreaded"};
    cr_assert_eq(c->n, sizeof order / sizeof order[0]);
    for (size_t i = 0; i < c->n; i++)
        cr_assert_str_eq(c->lines[i].key, order[i]);
    /* Rendering is deterministic. */
    buf_t b2 = BUF_INIT;
    venv_render_cfg(&p, &b2);
    cr_assert_str_eq(b.data, b2.data);
    venv_cfg_free(c);
    buf_free(&b);
    buf_free(&b2);
    interp_free(py);
}

Test(venv, python_links_per_version)
{
    interp_t *py = make_py(3, 11, 2, "python3.11", true);
    char **l = venv_python_links(py);
    cr_assert_eq(strv_len(l), 3);
    cr_assert_str_eq(l[0], "python3.11");
    cr_assert_str_eq(l[1], "python");
    cr_assert_str_eq(l[2], "python3");
    strv_free(l);
    interp_free(py);

    py = make_py(3, 10, 1, "python3", true);
    l = venv_python_links(py);
    cr_assert_eq(strv_len(l), 3);
    cr_assert_str_eq(l[0], "python3");
    cr_assert_str_eq(l[1], "python");
    cr_assert_str_eq(l[2], "python3.10");
    strv_free(l);
    interp_free(py);

    py = make_py(3, 8, 1, "python", true);
    l = venv_python_links(py);
    cr_assert_eq(strv_len(l), 2);
    cr_assert_str_eq(l[0], "python");
    cr_assert_str_eq(l[1], "python3");
    strv_free(l);
    interp_free(py);
}

Test(venv, refuses_bad_paths_and_layouts)
{
    interp_t *py = make_py(3, 12, 1, "python3.12", true);
    venv_params_t p = {.path = "/a:b/.venv", .py = py, .prompt = "x"};
    err_t *e = venv_write(&p, tmp);
    cr_assert_not_null(e);
    cr_assert(strstr(e->msg, "':'") != NULL, "%s", e->msg);
    err_free(e);
    p.path = "relative/.venv";
    e = venv_write(&p, tmp);
    cr_assert_not_null(e);
    err_free(e);
    p.path = "/e";
    p.prompt = "two\nlines";
    e = venv_write(&p, tmp);
    cr_assert_not_null(e);
    err_free(e);
    p.prompt = "x";
    free(py->venv_purelib);
    py->venv_purelib = xstrdup("../escape/site-packages");
    e = venv_write(&p, tmp);
    cr_assert_not_null(e);
    err_free(e);
    cr_assert(fs_is_dir_empty(tmp), "nothing was written");
    interp_free(py);
}

Test(venv, rewriting_activators_replaces_each_file)
{
    umask(077);
    char *bin = path_join(tmp, "bin");
    cr_assert_null(fs_mkdirs(bin, 0755));
    char *act = path_join(bin, "activate");
    cr_assert_null(fs_write_atomic(act, "edited by hand\n", 15, 0600));
    err_t *e = venv_write_activators(tmp, "/moved/to/here", "newp");
    cr_assert_null(e, "%s", e ? e->msg : "");
    for (size_t i = 0; i < activator_count(); i++) {
        char *rel = path_join("bin", activator_name(i));
        char *got = slurp(tmp, rel);
        activator_vars_t v = {.venv_dir = "/moved/to/here", .prompt = "newp", .bin_name = "bin"};
        buf_t want = BUF_INIT;
        activator_render(i, &v, &want);
        cr_assert_str_eq(got, want.data, "%s", rel);
        char *full = path_join(tmp, rel);
        struct stat st;
        cr_assert_eq(stat(full, &st), 0);
        cr_assert_eq(st.st_mode & 0777, 0644, "%s is 0644 whatever the umask", rel);
        free(full);
        buf_free(&want);
        free(got);
        free(rel);
    }
    char **names = NULL;
    cr_assert_null(fs_list_dir(bin, &names));
    cr_assert_eq(strv_len(names), activator_count(), "no temporary file is left behind");
    strv_free(names);
    free(act);
    free(bin);
}
