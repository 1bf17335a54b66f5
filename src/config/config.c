/* config: the one reader of the environment (see config.h). */
#include "config/config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/path.h"
#include "util/xalloc.h"

static const char *get(const config_t *c, const char *name)
{
    const char *v = env_get(&c->env, name);
    return v && *v ? v : NULL;
}

static char *dup_var(const config_t *c, const char *name)
{
    return xstrdup(get(c, name));
}

static bool truthy(const char *v)
{
    return v && (strcmp(v, "1") == 0 || strcasecmp(v, "true") == 0 || strcasecmp(v, "yes") == 0 ||
                 strcasecmp(v, "on") == 0);
}

/* A number from lo to hi in variable name; *set tells whether it was given. */
static err_t *number(const config_t *c, const char *name, double lo, double hi, double *out,
                     bool *set)
{
    const char *v = get(c, name);
    *set = false;
    if (!v)
        return NULL;
    char *end;
    errno = 0;
    double d = strtod(v, &end);
    while (*end == ' ')
        end++;
    if (errno || *end || isnan(d) || d < lo || d > hi)
        return err_new(EXIT_USAGE, "%s=%s: expected a number from %g to %g", name, v, lo, hi);
    *out = d;
    *set = true;
    return NULL;
}

/* override, else $xdg/leaf, else ~/fallback/leaf (NULL without a home). */
static char *xdg_dir(const config_t *c, const char *override, const char *xdg,
                     const char *fallback, const char *leaf)
{
    const char *v = override ? get(c, override) : NULL;
    if (v)
        return path_absolute(NULL, v);
    const char *x = get(c, xdg);
    if (x && x[0] == '/')
        return path_join(x, leaf);
    if (!c->home)
        return NULL;
    return path_joinv(c->home, fallback, leaf, NULL);
}

err_t *config_read(config_t *c, const env_lookup_t *env)
{
    memset(c, 0, sizeof(*c));
    c->env = *env;
    c->http_retries = -1;
    err_t *errs = NULL;

    const char *home = get(c, "HOME");
    c->home = home && home[0] == '/' ? xstrdup(home) : NULL;
    c->cache_dir = xdg_dir(c, "VENVSYNC_CACHE_DIR", "XDG_CACHE_HOME", ".cache", "venvsync");
    if (!c->cache_dir)
        c->cache_dir = xstrdup("/tmp/.cache/venvsync");
    c->python_dir = xdg_dir(c, "VENVSYNC_PYTHON_DIR", "XDG_DATA_HOME", ".local/share",
                            "venvsync/python");
    c->config_dir = xdg_dir(c, NULL, "XDG_CONFIG_HOME", ".config", "venvsync");
    c->uv_python_dir = xdg_dir(c, "UV_PYTHON_INSTALL_DIR", "XDG_DATA_HOME", ".local/share",
                               "uv/python");
    const char *wh = get(c, "WORKON_HOME");
    c->workon_home = wh ? path_absolute(NULL, wh)
                        : c->home ? path_join(c->home, ".virtualenvs") : NULL;

    c->path = dup_var(c, "PATH");
    const char *pr = get(c, "PYENV_ROOT");
    c->pyenv_root = pr ? xstrdup(pr) : c->home ? path_join(c->home, ".pyenv") : NULL;
    c->pyenv_version = dup_var(c, "PYENV_VERSION");

    c->offline = truthy(get(c, "VENVSYNC_OFFLINE"));
    c->index_url = dup_var(c, "VENVSYNC_INDEX_URL");
    c->index_username = dup_var(c, "VENVSYNC_INDEX_USERNAME");
    c->index_password = dup_var(c, "VENVSYNC_INDEX_PASSWORD");
    c->ca_bundle = dup_var(c, "VENVSYNC_CA_BUNDLE");
    if (!c->ca_bundle)
        c->ca_bundle = dup_var(c, "SSL_CERT_FILE");
    c->netrc = dup_var(c, "NETRC");
    if (!c->netrc && c->home)
        c->netrc = path_join(c->home, ".netrc");
    double d;
    bool set;
    err_chain(&errs, number(c, "VENVSYNC_CONCURRENCY", 1, 64, &d, &set));
    if (set)
        c->concurrency = (int)d;
    err_chain(&errs, number(c, "VENVSYNC_HTTP_TIMEOUT", 1, 86400, &d, &set));
    if (set)
        c->http_timeout_s = (long)d;
    err_chain(&errs, number(c, "VENVSYNC_CONNECT_TIMEOUT", 0.001, 86400, &d, &set));
    if (set)
        c->connect_timeout_ms = (long)(d * 1000);
    err_chain(&errs, number(c, "VENVSYNC_HTTP_RETRIES", 0, 100, &d, &set));
    if (set)
        c->http_retries = (int)d;

    const char *dl = get(c, "VENVSYNC_PYTHON_DOWNLOADS");
    if (dl && strcmp(dl, "automatic") != 0 && strcmp(dl, "manual") != 0 &&
        strcmp(dl, "never") != 0)
        err_chain(&errs, err_new(EXIT_USAGE, "VENVSYNC_PYTHON_DOWNLOADS='%s' must be automatic, "
                                 "manual or never", dl));
    else
        c->python_downloads = xstrdup(dl);
    c->python_mirror = dup_var(c, "VENVSYNC_PYTHON_MIRROR");
    c->python_release = dup_var(c, "VENVSYNC_PYTHON_RELEASE");

    const char *term = get(c, "TERM");
    c->no_color = get(c, "NO_COLOR") || (term && strcmp(term, "dumb") == 0);
    c->shell = dup_var(c, "SHELL");
    c->zdotdir = dup_var(c, "ZDOTDIR");
    return errs;
}

void config_free(config_t *c)
{
    char **strs[] = {&c->home, &c->cache_dir, &c->python_dir, &c->config_dir, &c->workon_home,
                     &c->uv_python_dir, &c->path, &c->pyenv_root, &c->pyenv_version, &c->index_url,
                     &c->index_username, &c->index_password, &c->ca_bundle, &c->netrc,
                     &c->python_downloads, &c->python_mirror, &c->python_release, &c->shell,
                     &c->zdotdir};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        free(*strs[i]);
    memset(c, 0, sizeof(*c));
}

static const char *process_get(void *ctx, const char *name)
{
    (void)ctx;
    return getenv(name);
}

env_lookup_t config_process_env(void)
{
    return (env_lookup_t){process_get, NULL};
}
