/*
 * activators: rendering the activation scripts from the embedded templates (see activators.h).
 *
 * A template names its values with three placeholders, each standing for one complete word of
 * the shell's syntax (quotes included), never for text inside a quoted string:
 *
 *   __VENVSYNC_DIR__     the environment's absolute path
 *   __VENVSYNC_PROMPT__  the bare prompt
 *   __VENVSYNC_BIN__     the scripts directory's name ("bin")
 *
 * Each shell has its own quoting function (util/shquote.h). Relocating an environment is just rendering its activators again for the new path.
 */
#include "venv/activators.h"

#include <string.h>

#include "util/embed.h"
#include "util/shquote.h"

static const struct activator {
    const char *name;       /* file name in bin/ */
    const char *tmpl;       /* embedded template */
    shquote_fn quote;
} activators[] = {
    {"activate", "venv/templates/activate", shquote_sh},
    {"activate.fish", "venv/templates/activate.fish", shquote_fish},
    {"activate.csh", "venv/templates/activate.csh", shquote_csh},
    {"Activate.ps1", "venv/templates/Activate.ps1", shquote_pwsh},
    {"activate.nu", "venv/templates/activate.nu", shquote_nu},
};

#define N_ACTIVATORS (sizeof activators / sizeof activators[0])

size_t activator_count(void)
{
    return N_ACTIVATORS;
}

const char *activator_name(size_t i)
{
    return i < N_ACTIVATORS ? activators[i].name : NULL;
}

void activator_render(size_t i, const activator_vars_t *vars, buf_t *out)
{
    if (i >= N_ACTIVATORS)
        return;
    const embed_file_t *f = embed_find(activators[i].tmpl);
    if (!f)
        return;
    const struct {
        const char *token;
        const char *value;
    } subst[] = {
        {"__VENVSYNC_DIR__", vars->venv_dir ? vars->venv_dir : ""},
        {"__VENVSYNC_PROMPT__", vars->prompt ? vars->prompt : ""},
        {"__VENVSYNC_BIN__", vars->bin_name ? vars->bin_name : "bin"},
    };
    const char *p = f->data, *end = f->data + f->size;
    while (p < end) {
        const char *u = memchr(p, '_', (size_t)(end - p));
        if (!u) {
            buf_add(out, p, (size_t)(end - p));
            break;
        }
        buf_add(out, p, (size_t)(u - p));
        p = u;
        size_t k = 0;
        for (; k < sizeof subst / sizeof subst[0]; k++) {
            size_t tl = strlen(subst[k].token);
            if ((size_t)(end - p) >= tl && memcmp(p, subst[k].token, tl) == 0) {
                activators[i].quote(out, subst[k].value);
                p += tl;
                break;
            }
        }
        if (k == sizeof subst / sizeof subst[0])
            buf_addc(out, *p++);
    }
}

const char *activator_for_shell(const char *shell)
{
    if (!shell)
        return "activate";
    const char *base = strrchr(shell, '/');
    base = base ? base + 1 : shell;
    /* A login shell's argv[0] may carry a leading '-'. */
    if (*base == '-')
        base++;
    if (strcmp(base, "fish") == 0)
        return "activate.fish";
    if (strcmp(base, "csh") == 0 || strcmp(base, "tcsh") == 0)
        return "activate.csh";
    if (strcmp(base, "pwsh") == 0 || strcmp(base, "powershell") == 0 ||
        strcmp(base, "pwsh-preview") == 0)
        return "Activate.ps1";
    if (strcmp(base, "nu") == 0 || strcmp(base, "nushell") == 0)
        return "activate.nu";
    return "activate";
}
