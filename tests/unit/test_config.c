/* Unit tests for config: the one reader of the environment. */
#include <criterion/criterion.h>
#include <string.h>

#include "config/config.h"

static const char *table(void *ctx, const char *name)
{
    const char **kv = ctx;
    for (; kv[0]; kv += 2)
        if (strcmp(kv[0], name) == 0)
            return kv[1];
    return NULL;
}

static void read_env(const char **kv, config_t *c)
{
    env_lookup_t env = {table, kv};
    config_read(c, &env);
}

Test(config, directories_follow_xdg_and_home)
{
    const char *kv[] = {"HOME", "/home/u", NULL};
    config_t c;
    read_env(kv, &c);
    cr_assert_str_eq(c.cache_dir, "/home/u/.cache/venvsync");
    cr_assert_str_eq(c.python_dir, "/home/u/.local/share/venvsync/python");
    cr_assert_str_eq(c.config_dir, "/home/u/.config/venvsync");
    cr_assert_str_eq(c.workon_home, "/home/u/.virtualenvs");
    cr_assert_str_eq(c.uv_python_dir, "/home/u/.local/share/uv/python");
    cr_assert_str_eq(c.pyenv_root, "/home/u/.pyenv");
    cr_assert_str_eq(c.netrc, "/home/u/.netrc");
    cr_assert_null(c.http_retries);
    cr_assert(!c.offline && !c.no_color);
    config_free(&c);

    const char *kv2[] = {"HOME", "/home/u", "XDG_CACHE_HOME", "/xc", "XDG_DATA_HOME", "/xd",
                         "XDG_CONFIG_HOME", "/xo", "VENVSYNC_PYTHON_DIR", "/p//q/", "WORKON_HOME",
                         "/w", "PYENV_ROOT", "/pr", "NETRC", "/n", NULL};
    read_env(kv2, &c);
    cr_assert_str_eq(c.cache_dir, "/xc/venvsync");
    cr_assert_str_eq(c.python_dir, "/p/q");
    cr_assert_str_eq(c.config_dir, "/xo/venvsync");
    cr_assert_str_eq(c.uv_python_dir, "/xd/uv/python");
    cr_assert_str_eq(c.workon_home, "/w");
    cr_assert_str_eq(c.pyenv_root, "/pr");
    cr_assert_str_eq(c.netrc, "/n");
    config_free(&c);
}

/* Without HOME nothing is derived from it: the managed-Python folder cannot be named (one rule,
 * where two places used to disagree), the cache falls back to /tmp. */
Test(config, no_home)
{
    const char *kv[] = {"HOME", "relative", NULL};
    config_t c;
    read_env(kv, &c);
    cr_assert_null(c.home);
    cr_assert_null(c.python_dir);
    cr_assert_null(c.config_dir);
    cr_assert_null(c.netrc);
    cr_assert_str_eq(c.cache_dir, "/tmp/.cache/venvsync");
    config_free(&c);
}

Test(config, network_settings_kept_as_written)
{
    const char *kv[] = {"VENVSYNC_CONCURRENCY", "lots", "VENVSYNC_HTTP_RETRIES", "0",
                        "VENVSYNC_CA_BUNDLE", "/a", "SSL_CERT_FILE", "/b", "VENVSYNC_OFFLINE", "yes",
                        "VENVSYNC_INDEX_URL", "http://i/simple", "TERM", "dumb",
                        "VENVSYNC_PYTHON_DOWNLOADS", "sometimes", NULL};
    config_t c;
    read_env(kv, &c);
    /* checked where they are used (index/http.h, the engine), not here */
    cr_assert_str_eq(c.concurrency, "lots");
    cr_assert_str_eq(c.http_retries, "0");
    cr_assert_str_eq(c.python_downloads, "sometimes");
    cr_assert_str_eq(c.ca_bundle, "/a", "VENVSYNC_CA_BUNDLE wins over SSL_CERT_FILE");
    cr_assert_str_eq(c.index_url, "http://i/simple");
    cr_assert(c.offline);
    cr_assert(c.no_color, "TERM=dumb means no colour");
    config_free(&c);
    const char *kv2[] = {"SSL_CERT_FILE", "/b", "NO_COLOR", "1", "VENVSYNC_OFFLINE", "0", NULL};
    read_env(kv2, &c);
    cr_assert_str_eq(c.ca_bundle, "/b");
    cr_assert(c.no_color && !c.offline);
    config_free(&c);
}
