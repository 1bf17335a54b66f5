/* config: the one reader of the environment (see config.h). */
#include "config/config.h"

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

void config_read(config_t *c, const env_lookup_t *env)
{
    memset(c, 0, sizeof(*c));
    c->env = *env;

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
    c->default_index_url = dup_var(c, "VENVSYNC_DEFAULT_INDEX_URL");
    c->build_timeout = dup_var(c, "VENVSYNC_BUILD_TIMEOUT");
    c->index_username = dup_var(c, "VENVSYNC_INDEX_USERNAME");
    c->index_password = dup_var(c, "VENVSYNC_INDEX_PASSWORD");
    c->ca_bundle = dup_var(c, "VENVSYNC_CA_BUNDLE");
    if (!c->ca_bundle)
        c->ca_bundle = dup_var(c, "SSL_CERT_FILE");
    c->netrc = dup_var(c, "NETRC");
    if (!c->netrc && c->home)
        c->netrc = path_join(c->home, ".netrc");
    c->concurrency = dup_var(c, "VENVSYNC_CONCURRENCY");
    c->http_timeout = dup_var(c, "VENVSYNC_HTTP_TIMEOUT");
    c->connect_timeout = dup_var(c, "VENVSYNC_CONNECT_TIMEOUT");
    c->http_retries = dup_var(c, "VENVSYNC_HTTP_RETRIES");
    c->link_mode = dup_var(c, "VENVSYNC_LINK_MODE");

    c->python_downloads = dup_var(c, "VENVSYNC_PYTHON_DOWNLOADS");
    c->python_mirror = dup_var(c, "VENVSYNC_PYTHON_MIRROR");
    c->python_release = dup_var(c, "VENVSYNC_PYTHON_RELEASE");

    const char *term = get(c, "TERM");
    c->no_color = get(c, "NO_COLOR") || (term && strcmp(term, "dumb") == 0);
    c->shell = dup_var(c, "SHELL");
    c->zdotdir = dup_var(c, "ZDOTDIR");
}

void config_free(config_t *c)
{
    char **strs[] = {&c->home, &c->cache_dir, &c->python_dir, &c->config_dir, &c->workon_home,
                     &c->uv_python_dir, &c->path, &c->pyenv_root, &c->pyenv_version, &c->index_url,
                     &c->default_index_url, &c->index_username, &c->index_password, &c->ca_bundle,
                     &c->netrc, &c->concurrency, &c->http_timeout, &c->connect_timeout,
                     &c->http_retries, &c->link_mode, &c->build_timeout,
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
