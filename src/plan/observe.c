#include "plan/observe.h"

#include <ctype.h>
#include <stdio.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "python/probe.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/path.h"
#include "util/strv.h"
#include "util/xalloc.h"
#include "venv/activators.h"
#include "venv/user.h"
#include "venv/venv.h"

static void observe_foreign_origin(observed_env_t *o);

static bool cfg_true(const char *v)
{
    return v && strcasecmp(v, "true") == 0;
}

static char *lower(const char *s)
{
    char *r = xstrdup(s);
    for (char *p = r; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return r;
}

/* "3.12.1.final.0" (virtualenv's version_info) -> "3.12.1" */
static char *version_from_info(const char *vi)
{
    const char *p = vi;
    int dots = 0;
    while (*p && !(dots == 2 && !isdigit((unsigned char)*p))) {
        if (*p == '.')
            dots++;
        if (dots == 3)
            break;
        p++;
    }
    return xstrndup(vi, (size_t)(p - vi));
}

static size_t count_staging(const char *path)
{
    char *parent = path_dirname(path);
    char *prefix = venv_stage_prefix(path);
    size_t plen = strlen(prefix), n = 0;
    DIR *d = opendir(parent);
    if (d) {
        struct dirent *de;
        while ((de = readdir(d)))
            n += strncmp(de->d_name, prefix, plen) == 0;
        closedir(d);
    }
    free(prefix);
    free(parent);
    return n;
}

err_t *observe_env(const char *path, observed_env_t *o)
{
    memset(o, 0, sizeof(*o));
    o->path = xstrdup(path);
    o->stale_staging = count_staging(path);
    struct stat st;
    if (lstat(path, &st) != 0) {
        if (errno == ENOENT) {
            o->kind = OBS_ABSENT;
            return NULL;
        }
        return err_sys(EXIT_APPLY, errno, "examining %s", path);
    }
    if (S_ISLNK(st.st_mode)) {
        o->kind = OBS_FOREIGN;
        o->foreign_why = xstrdup("a symbolic link");
        return NULL;
    }
    if (!S_ISDIR(st.st_mode)) {
        o->kind = OBS_FOREIGN;
        o->foreign_why = xstrdup(S_ISREG(st.st_mode) ? "a regular file" : "a special file");
        return NULL;
    }
    char *cfgpath = path_join(path, "pyvenv.cfg");
    buf_t text = BUF_INIT;
    if (!fs_try_read(cfgpath, &text)) {
        int e = errno;
        free(cfgpath);
        buf_free(&text);
        if (e != ENOENT)
            return err_sys(EXIT_APPLY, e, "reading %s/pyvenv.cfg", path);
        if (fs_is_dir_empty(path)) {
            o->kind = OBS_EMPTY_DIR;
        } else {
            o->kind = OBS_FOREIGN;
            o->foreign_why = xstrdup("a directory without pyvenv.cfg");
        }
        return NULL;
    }
    free(cfgpath);
    o->kind = OBS_VENV;
    o->cfg = venv_cfg_parse(text.data ? text.data : "", text.len);
    buf_free(&text);

    const venv_cfg_t *c = o->cfg;
    o->by_venvsync = venv_cfg_get(c, CFG_VENVSYNC) != NULL;
    o->version = venv_cfg_get(c, CFG_VERSION);
    if (!o->version && venv_cfg_get(c, "version_info")) {
        /* virtualenv and uv: keep our own copy in the cfg so lifetimes stay simple */
        char *v = version_from_info(venv_cfg_get(c, "version_info"));
        venv_cfg_set(o->cfg, CFG_VERSION, v);
        free(v);
        o->version = venv_cfg_get(c, CFG_VERSION);
    }
    const char *impl = venv_cfg_get(c, CFG_VS_IMPL);
    if (!impl)
        impl = venv_cfg_get(c, "implementation");
    if (impl) {
        o->impl_lower = lower(impl);
        o->implementation = o->impl_lower;
    }
    o->freethreaded = cfg_true(venv_cfg_get(c, CFG_VS_FREETHREADED));
    o->system_site_packages = cfg_true(venv_cfg_get(c, CFG_SYSTEM_SITE));
    const char *pr = venv_cfg_get(c, CFG_PROMPT);
    o->prompt = pr ? py_unrepr_str(pr) : NULL;
    o->recorded_path = venv_cfg_get(c, CFG_VS_PATH);
    o->recorded_python = venv_cfg_get(c, CFG_VS_PYTHON);
    o->recorded_python_id = venv_cfg_get(c, CFG_VS_PYTHON_ID);
    o->home = venv_cfg_get(c, CFG_HOME);

    /* The interpreter link and the recorded interpreter. */
    char *pylink = path_join(path, "bin/python");
    char tgt[4096];
    ssize_t n = readlink(pylink, tgt, sizeof tgt - 1);
    if (n > 0) {
        tgt[n] = '\0';
        char *bindir = path_join(path, "bin");
        o->link_target = path_absolute(bindir, tgt);
        free(bindir);
    }
    o->python_real = path_real(pylink);
    free(pylink);
    if (o->recorded_python) {
        file_id_t now, then;
        o->recorded_python_present = file_id_of(o->recorded_python, &now);
        o->recorded_python_same = o->recorded_python_present && o->recorded_python_id &&
                                  file_id_parse(o->recorded_python_id, &then) &&
                                  file_id_equal(&now, &then) && o->python_real &&
                                  strcmp(o->python_real, o->recorded_python) == 0;
    }

    /* site-packages: lib/pythonX.Y[t]/site-packages */
    if (o->version) {
        int major = 0, minor = 0;
        if (sscanf(o->version, "%d.%d", &major, &minor) == 2) {
            o->site_packages = xasprintf("%s/lib/python%d.%d%s/site-packages", path, major, minor,
                                         o->freethreaded ? "t" : "");
            o->site_packages_present = fs_is_dir(o->site_packages);
            if (o->site_packages_present) {
                err_t *e = installed_scan(o->site_packages, &o->dists);
                if (e)
                    return e;
                o->ndists = o->dists.n;
            }
        }
    }

    /* Activators. */
    o->nactivators = activator_count();
    o->activators = xcalloc(o->nactivators ? o->nactivators : 1, sizeof(char *));
    buf_t a = BUF_INIT;
    for (size_t i = 0; i < o->nactivators; i++) {
        char *ap = xasprintf("%s/bin/%s", path, activator_name(i));
        buf_reset(&a);
        if (fs_try_read(ap, &a))
            o->activators[i] = xstrdup(buf_cstr(&a));
        free(ap);
    }
    buf_free(&a);
    if (!o->by_venvsync)
        observe_foreign_origin(o);
    return NULL;
}

/* The value of a shell word that is one quoted string: "..." (with bash's backslash escapes
 * for " \\ $ `) or '...' (with the '\'' idiom). Anything after it but blanks: NULL. */
static char *unquote_word(const char *s)
{
    buf_t b = BUF_INIT;
    char q = *s;
    if (q != '"' && q != '\'')
        return NULL;
    for (s++;;) {
        if (!*s || *s == '\n') {
            buf_free(&b);
            return NULL;
        }
        if (*s == q) {
            if (q == '\'' && strncmp(s, "'\\''", 4) == 0) {
                buf_addc(&b, '\'');
                s += 4;
                continue;
            }
            s++;
            break;
        }
        if (q == '"' && *s == '\\' && s[1] && strchr("\"\\$`", s[1]))
            s++;
        buf_addc(&b, *s++);
    }
    while (*s == ' ' || *s == '\t' || *s == '\r')
        s++;
    if ((*s && *s != '\n') || !b.len) {
        buf_free(&b);
        return NULL;
    }
    return buf_detach(&b);
}

char *observe_activate_path(const char *activate)
{
    for (const char *line = activate; line && *line;) {
        const char *s = line;
        while (*s == ' ' || *s == '\t')
            s++;
        if (strncmp(s, "export ", 7) == 0)
            s += 7;
        if (strncmp(s, "VIRTUAL_ENV=", 12) == 0) {
            char *v = unquote_word(s + 12);
            if (v && v[0] == '/')
                return v;
            free(v);
        }
        line = strchr(line, '\n');
        if (line)
            line++;
    }
    return NULL;
}

/* Sets o->activate_path when bin/activate names another place than o->path. */
static void observe_foreign_origin(observed_env_t *o)
{
    const char *activate = NULL;
    for (size_t i = 0; i < o->nactivators; i++)
        if (strcmp(activator_name(i), "activate") == 0)
            activate = o->activators[i];
    char *was = activate ? observe_activate_path(activate) : NULL;
    if (!was || strcmp(was, o->path) == 0) {
        free(was);
        return;
    }
    /* The same directory under another name (a symlinked parent) is not a move. */
    char *was_real = path_real(was), *now_real = path_real(o->path);
    bool same = was_real && now_real && strcmp(was_real, now_real) == 0;
    free(was_real);
    free(now_real);
    if (same)
        free(was);
    else
        o->activate_path = was;
}

void observed_env_free(observed_env_t *o)
{
    strv_free(o->user_files);
    free(o->user_files_text);
    if (!o)
        return;
    free(o->path);
    free(o->foreign_why);
    venv_cfg_free(o->cfg);
    free(o->impl_lower);
    free(o->prompt);
    free(o->link_target);
    free(o->activate_path);
    free(o->python_real);
    free(o->site_packages);
    dist_list_free(&o->dists);
    for (size_t i = 0; i < o->nactivators; i++)
        free(o->activators[i]);
    free(o->activators);
    memset(o, 0, sizeof(*o));
}

bool observe_user_files(observed_env_t *o)
{
    if (o->kind != OBS_VENV || o->user_files)
        return o->user_files != NULL;
    o->user_files = venv_user_entries(o->path, o->site_packages);
    if (o->user_files)
        o->user_files_text = venv_user_entries_text(o->path, o->user_files);
    return o->user_files != NULL;
}
