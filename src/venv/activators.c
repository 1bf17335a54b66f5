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
 * Each shell has its own quoting function below; every one of them turns any byte string into
 * a literal that the shell reads back unchanged, with no expansion of '$', backticks, '!' or
 * globs. Relocating an environment is just rendering its activators again for the new path.
 */
#include "venv/activators.h"

#include <string.h>

#include "util/embed.h"

typedef void (*quote_fn)(buf_t *out, const char *s);

/* POSIX sh: single quotes protect everything; a quote is closed, escaped and reopened. */
static void quote_sh(buf_t *out, const char *s)
{
    buf_addc(out, '\'');
    for (; *s; s++) {
        if (*s == '\'')
            buf_adds(out, "'\\''");
        else
            buf_addc(out, *s);
    }
    buf_addc(out, '\'');
}

/* fish: inside single quotes only \\ and \' are escapes. */
static void quote_fish(buf_t *out, const char *s)
{
    buf_addc(out, '\'');
    for (; *s; s++) {
        if (*s == '\'' || *s == '\\')
            buf_addc(out, '\\');
        buf_addc(out, *s);
    }
    buf_addc(out, '\'');
}

/*
 * csh/tcsh: single quotes stop '$' and backticks, but history substitution still sees '!'
 * inside them (tcsh applies it even to sourced files), so '!' is written "\!"; a newline needs
 * a backslash before it; a quote is closed, escaped and reopened. Every other byte, backslashes
 * included, is literal inside single quotes.
 */
static void quote_csh(buf_t *out, const char *s)
{
    buf_addc(out, '\'');
    for (; *s; s++) {
        if (*s == '\'')
            buf_adds(out, "'\\''");
        else if (*s == '!')
            buf_adds(out, "\\!");
        else if (*s == '\n')
            buf_adds(out, "\\\n");
        else
            buf_addc(out, *s);
    }
    buf_addc(out, '\'');
}

/*
 * PowerShell: single-quoted strings are verbatim; a quote is doubled. PowerShell also takes the
 * typographic single quotes U+2018..U+201B as quote characters, so those are doubled too.
 */
static void quote_ps(buf_t *out, const char *s)
{
    buf_addc(out, '\'');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '\'') {
            buf_adds(out, "''");
        } else if (p[0] == 0xe2 && p[1] == 0x80 && p[2] >= 0x98 && p[2] <= 0x9b) {
            buf_add(out, p, 3);
            buf_add(out, p, 3);
            p += 2;
        } else {
            buf_addc(out, (char)*p);
        }
    }
    buf_addc(out, '\'');
}

/* nushell: a double-quoted string with backslash escapes (it does no interpolation). */
static void quote_nu(buf_t *out, const char *s)
{
    buf_addc(out, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': buf_adds(out, "\\\""); break;
        case '\\': buf_adds(out, "\\\\"); break;
        case '\n': buf_adds(out, "\\n"); break;
        case '\r': buf_adds(out, "\\r"); break;
        case '\t': buf_adds(out, "\\t"); break;
        default:
            if (*p < 0x20 || *p == 0x7f)
                buf_printf(out, "\\u{%x}", *p);
            else
                buf_addc(out, (char)*p);
        }
    }
    buf_addc(out, '"');
}

static const struct activator {
    const char *name;       /* file name in bin/ */
    const char *tmpl;       /* embedded template */
    quote_fn quote;
} activators[] = {
    {"activate", "venv/templates/activate", quote_sh},
    {"activate.fish", "venv/templates/activate.fish", quote_fish},
    {"activate.csh", "venv/templates/activate.csh", quote_csh},
    {"Activate.ps1", "venv/templates/Activate.ps1", quote_ps},
    {"activate.nu", "venv/templates/activate.nu", quote_nu},
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
