/* start: an interactive shell with an environment activated (see start.h). */
#include "shell/start.h"

#include <stdlib.h>
#include <string.h>

#include "util/cachedir.h"
#include "util/fs.h"
#include "util/path.h"
#include "util/xalloc.h"

static const char BASH_RC[] =
    "# written by venvsync shell: the usual ~/.bashrc, then the environment's activator\n"
    "[ -f \"$HOME/.bashrc\" ] && . \"$HOME/.bashrc\"\n"
    ". \"$VENVSYNC_ACTIVATE\"\n"
    "unset VENVSYNC_ACTIVATE\n";

static const char ZSH_RC[] =
    "# written by venvsync shell: the usual .zshrc, then the environment's activator\n"
    "if [ -n \"$VENVSYNC_ZDOTDIR\" ]; then ZDOTDIR=\"$VENVSYNC_ZDOTDIR\"; else unset ZDOTDIR; fi\n"
    "unset VENVSYNC_ZDOTDIR\n"
    "[ -f \"${ZDOTDIR:-$HOME}/.zshrc\" ] && . \"${ZDOTDIR:-$HOME}/.zshrc\"\n"
    ". \"$VENVSYNC_ACTIVATE\"\n"
    "unset VENVSYNC_ACTIVATE\n";

/* Writes a start-up file into <cache>/shell/ when its content differs. */
static err_t *rcfile(const char *cache_dir, const char *rel, const char *content, char **out)
{
    *out = path_joinv(cache_dir, CACHE_SHELL, rel, NULL);
    char *dir = path_dirname(*out);
    err_t *e = fs_mkdirs(dir, 0755);
    free(dir);
    buf_t have = BUF_INIT;
    if (!e && !(fs_try_read(*out, &have) && strcmp(buf_cstr(&have), content) == 0))
        e = fs_write_atomic(*out, content, strlen(content), 0644);
    buf_free(&have);
    return e;
}

static void set(shell_start_t *s, const char *name, const char *value)
{
    size_t i = 0;
    while (s->set_name[i])
        i++;
    s->set_name[i] = xstrdup(name);
    s->set_value[i] = xstrdup(value);
}

err_t *shell_start_prepare(const char *shell, const char *activator, const char *cache_dir,
                           const char *zdotdir, shell_start_t *out)
{
    memset(out, 0, sizeof(*out));
    const char *sh = shell && *shell ? shell : "/bin/sh";
    const char *base = path_basename(sh);
    out->argv[0] = xstrdup(sh);
    err_t *e = NULL;
    char *rc = NULL;
    if (strcmp(base, "bash") == 0) {
        e = rcfile(cache_dir, "bashrc", BASH_RC, &rc);
        out->argv[1] = xstrdup("--rcfile");
        out->argv[2] = rc;
        out->argv[3] = xstrdup("-i");
        set(out, "VENVSYNC_ACTIVATE", activator);
    } else if (strcmp(base, "zsh") == 0) {
        e = rcfile(cache_dir, "zsh/.zshrc", ZSH_RC, &rc);
        if (zdotdir)
            set(out, "VENVSYNC_ZDOTDIR", zdotdir);
        char *dir = path_dirname(rc);
        set(out, "ZDOTDIR", dir);
        free(dir);
        free(rc);
        set(out, "VENVSYNC_ACTIVATE", activator);
        out->argv[1] = xstrdup("-i");
    } else if (strcmp(base, "fish") == 0) {
        set(out, "VENVSYNC_ACTIVATE", activator);
        out->argv[1] = xstrdup("-C");
        out->argv[2] = xstrdup("source $VENVSYNC_ACTIVATE; set -e VENVSYNC_ACTIVATE");
    } else {
        out->activate_environ = true;
    }
    if (e)
        shell_start_free(out);
    return e;
}

void shell_start_free(shell_start_t *s)
{
    for (size_t i = 0; i < 6; i++)
        free(s->argv[i]);
    for (size_t i = 0; i < SHELL_START_MAXENV; i++) {
        free(s->set_name[i]);
        free(s->set_value[i]);
    }
    memset(s, 0, sizeof(*s));
}
