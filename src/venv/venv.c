/*
 * venv: writing a virtual environment the way `python -m venv --without-pip --prompt P DIR`
 * does for the same interpreter (see venv.h), with venvsync's own pyvenv.cfg keys added.
 *
 * Modes follow venv: directories and pyvenv.cfg / .gitignore get the process umask applied
 * (venv uses os.makedirs and open()), the activators are 0644 whatever the umask (venv copies
 * the mode of its templates, which are 0644).
 */
#include "venv/venv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "python/probe.h"
#include "util/fs.h"
#include "util/path.h"
#include "util/strv.h"
#include "util/xalloc.h"
#include "venv/activators.h"
#include "venv/cfg.h"

#ifndef VENVSYNC_VERSION
#define VENVSYNC_VERSION "0"
#endif

#define BIN "bin"
#define ACTIVATOR_MODE 0644


static bool at_least(const interp_t *py, int major, int minor)
{
    return py->major > major || (py->major == major && py->minor >= minor);
}

static const char *nonempty(const char *s)
{
    return s && *s ? s : NULL;
}

/* ---------------------------------------------------------------------------------------------
 * pyvenv.cfg
 */

void venv_render_cfg(const venv_params_t *p, buf_t *out)
{
    const interp_t *py = p->py;
    /* venv's keys, in venv's order (Lib/venv/__init__.py, create_configuration). */
    buf_printf(out, "%s = %s\n", CFG_HOME, py->home ? py->home : "");
    buf_printf(out, "%s = %s\n", CFG_SYSTEM_SITE, p->system_site_packages ? "true" : "false");
    buf_printf(out, "%s = %d.%d.%d\n", CFG_VERSION, py->major, py->minor, py->micro);
    char *repr = py_repr_str(p->prompt ? p->prompt : "");
    buf_printf(out, "%s = %s\n", CFG_PROMPT, repr);
    free(repr);
    if (at_least(py, 3, 11)) {
        const char *exe = py->realpath ? py->realpath : py->path;
        buf_printf(out, "%s = %s\n", CFG_EXECUTABLE, exe ? exe : "");
        /* What `<python> -m venv --without-pip [--system-site-packages] --prompt P DIR` writes:
         * the prompt goes in raw between double quotes, exactly as venv does it. */
        buf_printf(out, "%s = %s -m venv --without-pip%s --prompt=\"%s\" %s\n", CFG_COMMAND,
                   py->path ? py->path : "", p->system_site_packages ? " --system-site-packages" : "",
                   p->prompt ? p->prompt : "", p->path ? p->path : "");
    }
    /* venvsync's keys (cfg.h). */
    buf_printf(out, "%s = %s\n", CFG_VENVSYNC, VENVSYNC_VERSION);
    buf_printf(out, "%s = %s\n", CFG_VS_PATH, p->path ? p->path : "");
    buf_printf(out, "%s = %s\n", CFG_VS_PYTHON, py->realpath ? py->realpath : "");
    char *id = file_id_format(&py->id);
    buf_printf(out, "%s = %s\n", CFG_VS_PYTHON_ID, id);
    free(id);
    buf_printf(out, "%s = %s\n", CFG_VS_IMPL, py->implementation ? py->implementation : "cpython");
    buf_printf(out, "%s = %s\n", CFG_VS_FREETHREADED, py->freethreaded ? "true" : "false");
}

/* ---------------------------------------------------------------------------------------------
 * Interpreter links
 */

char **venv_python_links(const interp_t *py)
{
    char *names[4];
    size_t n = 0;
    names[n++] = xstrdup(nonempty(py->exe_name) ? py->exe_name : "python");
    char *minor = xasprintf("python3.%d", py->minor);
    /* venv adds python3.X from 3.9 on; 3.8 and older only python and python3. */
    const char *extra[] = {"python", "python3", at_least(py, 3, 9) ? minor : NULL};
    for (size_t i = 0; i < 3; i++) {
        if (!extra[i])
            continue;
        bool dup = false;
        for (size_t j = 0; j < n; j++)
            dup = dup || strcmp(names[j], extra[i]) == 0;
        if (!dup)
            names[n++] = xstrdup(extra[i]);
    }
    free(minor);
    char **v = xcalloc(n + 1, sizeof(char *));
    memcpy(v, names, n * sizeof(char *));
    return v;
}

/* ---------------------------------------------------------------------------------------------
 * Writing
 */

/* A relative path that stays inside the environment: no leading '/', no ".." component. */
static bool safe_relative(const char *rel)
{
    if (!rel || !*rel || rel[0] == '/')
        return false;
    for (const char *s = rel; *s;) {
        const char *e = strchr(s, '/');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        if (n == 2 && s[0] == '.' && s[1] == '.')
            return false;
        s += n;
        while (*s == '/')
            s++;
    }
    return true;
}

static err_t *check_params(const venv_params_t *p)
{
    const interp_t *py = p->py;
    if (!p->path || p->path[0] != '/')
        return err_new(EXIT_USAGE, "the environment's path must be absolute");
    if (strchr(p->path, ':'))
        return err_hint(err_new(EXIT_USAGE, "refusing to create an environment at %s: its path "
                                            "contains ':', the PATH separator", p->path),
                        "choose a path without ':' (PATH could not hold its bin directory)");
    if (strpbrk(p->path, "\n\r"))
        return err_new(EXIT_USAGE, "refusing to create an environment at a path with a line "
                                   "break in it (pyvenv.cfg cannot hold it)");
    if (p->prompt && strpbrk(p->prompt, "\n\r"))
        return err_new(EXIT_USAGE, "the prompt of %s has a line break in it", p->path);
    if (!py || !nonempty(py->path) || py->path[0] != '/')
        return err_new(EXIT_USAGE, "creating %s: the interpreter's path is not absolute",
                       p->path);
    if (nonempty(py->exe_name) && (strchr(py->exe_name, '/') || strcmp(py->exe_name, ".") == 0 ||
                                   strcmp(py->exe_name, "..") == 0))
        return err_new(EXIT_USAGE, "creating %s: bad interpreter name '%s'", p->path,
                       py->exe_name);
    return NULL;
}

/* Creates rel (and its missing parents) below the fresh tree dir, top-down, so no mkdir fails. */
static err_t *make_dir(const char *dir, const char *rel)
{
    char *d = path_join(dir, rel);
    size_t base = strlen(d) - strlen(rel);
    err_t *e = NULL;
    for (char *p = d + base;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char c = *p;
        *p = '\0';
        /* mkdir applies the umask, as os.makedirs does */
        if (mkdir(d, 0777) != 0 && errno != EEXIST)
            e = err_sys(EXIT_APPLY, errno, "creating directory %s", d);
        *p = c;
        if (e || c == '\0')
            break;
    }
    free(d);
    return e;
}

static err_t *make_link(const char *target, const char *dir, const char *rel)
{
    char *l = path_join(dir, rel);
    err_t *e = NULL;
    if (symlink(target, l) != 0)
        e = err_sys(EXIT_APPLY, errno, "linking %s to %s", l, target);
    free(l);
    return e;
}

/* Writes dir/rel: a new file when the tree is fresh (being staged), else an atomic replace. */
static err_t *write_file(const char *dir, const char *rel, const char *data, size_t len,
                         mode_t mode, bool fresh)
{
    char *f = path_join(dir, rel);
    err_t *e = fresh ? fs_write_new(f, data, len, mode) : fs_write_atomic(f, data, len, mode);
    free(f);
    return e;
}

static err_t *write_activators(const char *dir, const char *venv_dir, const char *prompt, bool fresh)
{
    activator_vars_t vars = {.venv_dir = venv_dir, .prompt = prompt ? prompt : "",
                             .bin_name = BIN};
    buf_t b = BUF_INIT;
    err_t *e = NULL;
    for (size_t i = 0; i < activator_count() && !e; i++) {
        buf_reset(&b);
        activator_render(i, &vars, &b);
        char *rel = path_join(BIN, activator_name(i));
        e = write_file(dir, rel, buf_cstr(&b), b.len, ACTIVATOR_MODE, fresh);
        free(rel);
    }
    buf_free(&b);
    return e;
}

err_t *venv_write(const venv_params_t *p, const char *dir)
{
    err_t *e = check_params(p);
    if (e)
        return e;
    const interp_t *py = p->py;
    mode_t um = fs_umask();
    char *libver = interp_lib_version(py);
    char *purelib = nonempty(py->venv_purelib) ? xstrdup(py->venv_purelib)
                                               : xasprintf("lib/python%s/site-packages", libver);
    char *include = nonempty(py->venv_include) ? xstrdup(py->venv_include)
                    : at_least(py, 3, 11)      ? xasprintf("include/python%s", libver)
                                               : xstrdup("include");
    free(libver);
    if (!safe_relative(purelib) || !safe_relative(include)) {
        e = err_new(EXIT_APPLY, "creating %s: the interpreter reports a layout outside the "
                                "environment (%s, %s)", p->path, purelib, include);
        goto out;
    }

    /* The directories, in venv's order: include, site-packages, lib64, bin. */
    if ((e = make_dir(dir, include)) || (e = make_dir(dir, purelib)))
        goto out;
    bool darwin = py->sys_platform && strcmp(py->sys_platform, "darwin") == 0;
    if (py->pointer_bits == 64 && !darwin && (e = make_link("lib", dir, "lib64")))
        goto out;
    if ((e = make_dir(dir, BIN)))
        goto out;

    buf_t b = BUF_INIT;
    venv_render_cfg(p, &b);
    e = write_file(dir, "pyvenv.cfg", b.data, b.len, 0666 & ~um, true);
    buf_free(&b);
    if (e)
        goto out;

    /* bin/<exe_name> -> the interpreter, then the other names -> <exe_name>, relative. */
    char **links = venv_python_links(py);
    char *exe = path_join(BIN, links[0]);
    e = make_link(py->path, dir, exe);
    free(exe);
    for (size_t i = 1; links[i] && !e; i++) {
        char *rel = path_join(BIN, links[i]);
        e = make_link(links[0], dir, rel);
        free(rel);
    }
    strv_free(links);
    if (e)
        goto out;

    e = write_activators(dir, p->path, p->prompt, true);
    if (e)
        goto out;

    e = write_file(dir, ".gitignore", "*\n", 2, 0666 & ~um, true);
out:
    free(purelib);
    free(include);
    return e;
}

err_t *venv_write_activators(const char *dir, const char *venv_dir, const char *prompt)
{
    return write_activators(dir, venv_dir, prompt, false);
}

char *venv_stage_prefix(const char *env_path)
{
    return xasprintf(".%s.venvsync-stage-", path_basename(env_path));
}
