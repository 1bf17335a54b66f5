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

static err_t *read_env(const char **kv, config_t *c)
{
    env_lookup_t env = {table, kv};
    return config_read(c, &env);
}

Test(config, directories_follow_xdg_and_home)
{
    const char *kv[] = {"HOME", "/home/u", NULL};
    config_t c;
    cr_assert_null(read_env(kv, &c));
    cr_assert_str_eq(c.cache_dir, "/home/u/.cache/venvsync");
    cr_assert_str_eq(c.python_dir, "/home/u/.local/share/venvsync/python");
    cr_assert_str_eq(c.config_dir, "/home/u/.config/venvsync");
    cr_assert_str_eq(c.workon_home, "/home/u/.virtualenvs");
    cr_assert_str_eq(c.uv_python_dir, "/home/u/.local/share/uv/python");
    cr_assert_str_eq(c.pyenv_root, "/home/u/.pyenv");
    cr_assert_str_eq(c.netrc, "/home/u/.netrc");
    cr_assert_eq(c.http_retries, -1);
    cr_assert(!c.offline && !c.no_color);
    config_free(&c);

    const char *kv2[] = {"HOME", "/home/u", "XDG_CACHE_HOME", "/xc", "XDG_DATA_HOME", "/xd",
                         "XDG_CONFIG_HOME", "/xo", "VENVSYNC_PYTHON_DIR", "/p//q/", "WORKON_HOME",
                         "/w", "PYENV_ROOT", "/pr", "NETRC", "/n", NULL};
    cr_assert_null(read_env(kv2, &c));
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
    cr_assert_null(read_env(kv, &c));
    cr_assert_null(c.home);
    cr_assert_null(c.python_dir);
    cr_assert_null(c.config_dir);
    cr_assert_null(c.netrc);
    cr_assert_str_eq(c.cache_dir, "/tmp/.cache/venvsync");
    config_free(&c);
}

Test(config, network_settings_and_their_errors)
{
    const char *kv[] = {"VENVSYNC_CONCURRENCY", "3", "VENVSYNC_HTTP_TIMEOUT", "5",
                        "VENVSYNC_CONNECT_TIMEOUT", "1.5", "VENVSYNC_HTTP_RETRIES", "0",
                        "SSL_CERT_FILE", "/etc/x.pem", "VENVSYNC_OFFLINE", "yes",
                        "VENVSYNC_INDEX_URL", "http://i/simple", "NO_COLOR", "1", NULL};
    config_t c;
    cr_assert_null(read_env(kv, &c));
    cr_assert_eq(c.concurrency, 3);
    cr_assert_eq(c.http_timeout_s, 5);
    cr_assert_eq(c.connect_timeout_ms, 1500);
    cr_assert_eq(c.http_retries, 0);
    cr_assert_str_eq(c.ca_bundle, "/etc/x.pem");
    cr_assert_str_eq(c.index_url, "http://i/simple");
    cr_assert(c.offline && c.no_color);
    config_free(&c);

    const char *bad[] = {"VENVSYNC_CONCURRENCY", "lots", "VENVSYNC_HTTP_RETRIES", "-1",
                         "VENVSYNC_PYTHON_DOWNLOADS", "sometimes", "VENVSYNC_CA_BUNDLE", "/a",
                         "SSL_CERT_FILE", "/b", "TERM", "dumb", NULL};
    err_t *e = read_env(bad, &c);
    cr_assert_not_null(e);
    cr_assert(strstr(e->msg, "VENVSYNC_CONCURRENCY=lots"), "%s", e->msg);
    cr_assert(e->next && strstr(e->next->msg, "VENVSYNC_HTTP_RETRIES=-1"));
    cr_assert(e->next->next && strstr(e->next->next->msg, "VENVSYNC_PYTHON_DOWNLOADS"));
    cr_assert_eq(e->exit_code, EXIT_USAGE);
    cr_assert_str_eq(c.ca_bundle, "/a", "VENVSYNC_CA_BUNDLE wins over SSL_CERT_FILE");
    cr_assert(c.no_color, "TERM=dumb means no colour");
    err_free(e);
    config_free(&c);
}
