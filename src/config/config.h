/*
 * config: everything venvsync takes from its environment, read once by main and passed down.
 *
 * config_read() is the only reader of environment variables (besides main's command line): it
 * reads every variable below and derives the default directories. Values are checked where they
 * are used (a malformed VENVSYNC_CONCURRENCY fails a run that downloads, not `venvsync list`):
 * the settings whose values can be wrong are kept as written.
 * Modules never call getenv(3); they receive the values they need in their own option structs,
 * filled from a config_t by the command or the engine. `env` is kept for "${VAR}" in manifests
 * and requirements files, which name variables of the user's choosing.
 *
 * A config_t owns its strings; config_free() releases them. Unset variables leave NULL (or the
 * documented default).
 */
#ifndef VENVSYNC_CONFIG_CONFIG_H
#define VENVSYNC_CONFIG_CONFIG_H
#include <stdbool.h>
#include "util/env.h"

typedef struct config {
    env_lookup_t env;          /* the process environment, for ${VAR} in user input */

    /* Directories. */
    char *home;                /* HOME, NULL when unset or not absolute */
    char *cache_dir;           /* VENVSYNC_CACHE_DIR, else $XDG_CACHE_HOME/venvsync, else
                                  ~/.cache/venvsync (else /tmp/.cache/venvsync without HOME) */
    char *python_dir;          /* VENVSYNC_PYTHON_DIR, else $XDG_DATA_HOME/venvsync/python, else
                                  ~/.local/share/venvsync/python; NULL without HOME */
    char *config_dir;          /* $XDG_CONFIG_HOME/venvsync, else ~/.config/venvsync; NULL
                                  without HOME */
    char *workon_home;         /* WORKON_HOME (virtualenvwrapper), else ~/.virtualenvs */
    char *uv_python_dir;       /* UV_PYTHON_INSTALL_DIR, else $XDG_DATA_HOME/uv/python, else
                                  ~/.local/share/uv/python: uv's managed Pythons */

    /* Finding interpreters. */
    char *path;                /* PATH */
    char *pyenv_root;          /* PYENV_ROOT, else ~/.pyenv */
    char *pyenv_version;       /* PYENV_VERSION */

    /* Indexes and downloads. */
    bool offline;              /* VENVSYNC_OFFLINE (1/true/yes/on) */
    char *index_url;           /* VENVSYNC_INDEX_URL */
    char *default_index_url;   /* VENVSYNC_DEFAULT_INDEX_URL: the index used when nothing names
                                  one (instead of PyPI) */
    char *index_username;      /* VENVSYNC_INDEX_USERNAME */
    char *index_password;      /* VENVSYNC_INDEX_PASSWORD */
    char *ca_bundle;           /* VENVSYNC_CA_BUNDLE, else SSL_CERT_FILE */
    char *netrc;               /* NETRC, else ~/.netrc */
    char *concurrency;         /* VENVSYNC_CONCURRENCY, as written (index/http.h checks them) */
    char *http_timeout;        /* VENVSYNC_HTTP_TIMEOUT */
    char *connect_timeout;     /* VENVSYNC_CONNECT_TIMEOUT */
    char *http_retries;        /* VENVSYNC_HTTP_RETRIES */
    char *build_timeout;       /* VENVSYNC_BUILD_TIMEOUT: seconds per build hook, as written */

    /* Installing. */
    char *link_mode;           /* VENVSYNC_LINK_MODE as written (clone, hardlink, copy or
                                  symlink: checked by the commands that install), or NULL */

    /* Managed Pythons. */
    char *python_downloads;    /* VENVSYNC_PYTHON_DOWNLOADS as written (automatic, manual or
                                  never: the engine checks it when it needs it), or NULL */
    char *python_mirror;       /* VENVSYNC_PYTHON_MIRROR */
    char *python_release;      /* VENVSYNC_PYTHON_RELEASE */

    /* The whole environment as "NAME=value" strings, for the processes venvsync starts with
     * the user's environment (build backends): main sets it (environ(7)); NULL: empty. */
    char *const *environ;

    /* The terminal and the user's shell. */
    bool no_color;             /* NO_COLOR set and not empty, or TERM=dumb */
    char *shell;               /* SHELL */
    char *zdotdir;             /* ZDOTDIR */
} config_t;

/* Reads every variable through env (which must outlive c). */
void config_read(config_t *c, const env_lookup_t *env);
void config_free(config_t *c);

/* The lookup over the process environment (getenv(3)): for main only. */
env_lookup_t config_process_env(void);

#endif
