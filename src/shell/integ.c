/* integ: the shell integration scripts and workon's code (see integ.h). */
#include "shell/integ.h"

#include <stdlib.h>
#include <string.h>

#include "util/embed.h"
#include "util/path.h"
#include "util/shquote.h"
#include "util/xalloc.h"

const char *const shell_integration_names[] = {"bash", "zsh", "fish", "tcsh", NULL};

static shquote_fn quote_for(const char *shell)
{
    if (strcmp(shell, "bash") == 0 || strcmp(shell, "zsh") == 0)
        return shquote_sh;
    if (strcmp(shell, "fish") == 0)
        return shquote_fish;
    if (strcmp(shell, "tcsh") == 0)
        return shquote_csh;
    return NULL;
}

/* Appends template name (templates/<name>) with __VENVSYNC_EXE__ replaced by the quoted exe;
 * without_comments drops the lines that start with '#'. */
static void render(const char *name, const char *qexe, bool without_comments, buf_t *out)
{
    char *path = xasprintf("shell/templates/%s", name);
    const embed_file_t *f = embed_find(path);
    free(path);
    if (!f)
        return;
    static const char token[] = "__VENVSYNC_EXE__";
    const char *p = f->data, *end = f->data + f->size;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *eol = nl ? nl + 1 : end;
        if (!(without_comments && *p == '#')) {
            for (const char *q = p; q < eol;) {
                const char *t = memmem(q, (size_t)(eol - q), token, sizeof token - 1);
                if (!t) {
                    buf_add(out, q, (size_t)(eol - q));
                    break;
                }
                buf_add(out, q, (size_t)(t - q));
                buf_adds(out, qexe);
                q = t + sizeof token - 1;
            }
        }
        p = eol;
    }
}

bool shell_integration_render(const char *shell, bool init, const char *exe, buf_t *out)
{
    shquote_fn q = quote_for(shell);
    if (!q)
        return false;
    buf_t qexe = BUF_INIT;
    q(&qexe, exe);
    bool tcsh = strcmp(shell, "tcsh") == 0;
    char *name = xasprintf("init.%s", shell);
    if (init)
        render(name, buf_cstr(&qexe), tcsh, out);
    free(name);
    name = xasprintf("complete.%s", shell);
    render(name, buf_cstr(&qexe), tcsh || init, out);
    free(name);
    buf_free(&qexe);
    return true;
}

bool shell_workon_source(const char *shell, const char *env_dir, buf_t *out)
{
    shquote_fn q = quote_for(shell);
    if (!q)
        return false;
    const char *script = strcmp(shell, "fish") == 0   ? "activate.fish"
                         : strcmp(shell, "tcsh") == 0 ? "activate.csh"
                                                       : "activate";
    char *act = path_joinv(env_dir, "bin", script, NULL);
    buf_adds(out, strcmp(shell, "bash") == 0 || strcmp(shell, "zsh") == 0 ? ". " : "source ");
    q(out, act);
    buf_addc(out, '\n');
    free(act);
    return true;
}

void shell_workon_list(const char *shell, char *const *names, buf_t *out)
{
    shquote_fn q = quote_for(shell);
    if (!q || !names || !names[0])
        return;
    buf_adds(out, "printf ");
    q(out, "%s\\n");
    for (size_t i = 0; names[i]; i++) {
        buf_addc(out, ' ');
        q(out, names[i]);
    }
    buf_addc(out, '\n');
}
