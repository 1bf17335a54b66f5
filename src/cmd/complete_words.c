/*
 * complete_words: the candidates for the word under the cursor (see complete.h). Pure apart
 * from the name callbacks; the hidden command that runs it is complete.c.
 */
#include "cmd/complete.h"

#include <stdlib.h>
#include <string.h>

#include "cmd/common.h"
#include "shell/integ.h"
#include "util/strv.h"
#include "util/xalloc.h"

static void add(buf_t *out, const char *cur, const char *word, const char *desc, bool descriptions)
{
    if (!word || strncmp(word, cur, strlen(cur)) != 0)
        return;
    buf_adds(out, word);
    if (descriptions && desc && *desc)
        buf_printf(out, "\t%s", desc);
    buf_addc(out, '\n');
}

static void add_all(buf_t *out, const char *cur, const char *const *words, const char *desc,
                    bool descriptions)
{
    for (size_t i = 0; words && words[i]; i++)
        add(out, cur, words[i], desc, descriptions);
}

static void add_owned(buf_t *out, const char *cur, char **words, const char *desc,
                      bool descriptions)
{
    add_all(out, cur, (const char *const *)words, desc, descriptions);
    strv_free(words);
}

static const cmd_t *find_cmd(const complete_src_t *src, const char *name)
{
    for (size_t i = 0; src->table[i]; i++)
        if (!src->table[i]->hidden && strcmp(src->table[i]->name, name) == 0)
            return src->table[i];
    return NULL;
}

static bool is(const char *w, const char *a, const char *b)
{
    return strcmp(w, a) == 0 || (b && strcmp(w, b) == 0);
}

/* Whether option w of command c (NULL: none yet) is followed by a value. */
static bool takes_value(const cmd_t *c, const char *w)
{
    if (is(w, "-f", "--file") || is(w, "-C", "--color"))
        return true;
    if (!c || strchr(w, '='))
        return false;
    char **opts;
    bool *tv;
    cmd_options(c, &opts, &tv);
    bool r = false;
    for (size_t i = 0; opts[i]; i++)
        if (strcmp(opts[i], w) == 0)
            r = tv[i];
    strv_free(opts);
    free(tv);
    return r;
}

static const char *const colors[] = {"auto", "always", "never", NULL};
static const char *const link_modes[] = {"clone", "hardlink", "copy", "symlink", NULL};

void complete_words(const complete_src_t *src, char *const *words, int n, bool workon,
                    bool descriptions, buf_t *out)
{
    const char *cur = n > 0 ? words[n - 1] : "";
    const bool d = descriptions;
    if (workon) {
        add_owned(out, cur, src->workon_envs(src->arg), "environment", d);
        return;
    }
    const cmd_t *cmd = NULL;
    bool help = false, global = false, literal = false, unknown = false;
    const char *file = NULL, *dir = NULL, *value_of = NULL;
    const char **ops = xcalloc((size_t)n + 1, sizeof(char *));
    int nops = 0;
    for (int i = 0; i < n - 1; i++) {
        const char *w = words[i];
        if (literal || (cmd && strcmp(cmd->name, "run") == 0 && nops >= 1)) {
            literal = true; /* the words of the command run runs */
            ops[nops++] = w;
            continue;
        }
        if (strcmp(w, "--") == 0) {
            literal = true;
            continue;
        }
        if (w[0] == '-' && w[1]) {
            if (is(w, "-g", "--global"))
                global = true;
            if (strncmp(w, "--file=", 7) == 0)
                file = w + 7;
            if (!takes_value(cmd, w))
                continue;
            if (i + 1 == n - 1) {
                value_of = w;
                break;
            }
            const char *v = words[++i];
            if (is(w, "-f", "--file"))
                file = v;
            else if (is(w, "-C", NULL))
                dir = v;
            continue;
        }
        if (!cmd && !help) {
            cmd = find_cmd(src, w);
            help = !cmd && strcmp(w, "help") == 0;
            unknown = !cmd && !help;
            if (unknown)
                break; /* nothing to offer after a command venvsync does not have */
            continue;
        }
        ops[nops++] = w;
    }
    const char *name = cmd ? cmd->name : "";
#define ENVS() add_owned(out, cur, src->envs(src->arg, file, global, dir), "environment", d)
    if (unknown) {
        ;
    } else if (value_of) {
        if (is(value_of, "-f", "--file"))
            buf_adds(out, "@files\n");
        else if (is(value_of, "-C", "--path"))
            buf_adds(out, "@dirs\n");
        else if (is(value_of, "--color", NULL))
            add_all(out, cur, colors, NULL, d);
        else if (is(value_of, "--link-mode", NULL))
            add_all(out, cur, link_modes, NULL, d);
        else if (is(value_of, "--shell", NULL))
            add_all(out, cur, cmd_activate_shells, "shell", d);
        else if (is(value_of, "--copy-from", NULL))
            ENVS();
    } else if (cur[0] == '-' && !literal) {
        add_all(out, cur, cmd_global_options, NULL, d);
        if (cmd) {
            char **opts;
            bool *tv;
            cmd_options(cmd, &opts, &tv);
            for (size_t i = 0; opts[i]; i++)
                if (!strv_has((char *const *)cmd_global_options, opts[i]))
                    add(out, cur, opts[i], NULL, d);
            strv_free(opts);
            free(tv);
        }
    } else if ((!cmd && !help) || (help && nops == 0)) {
        for (size_t i = 0; src->table[i]; i++)
            if (!src->table[i]->hidden)
                add(out, cur, src->table[i]->name, src->table[i]->summary, d);
        add(out, cur, "help", "the help of a command", d);
    } else if (is(name, "sync", "plan") || is(name, "check", "list") || is(name, "ci-key", NULL)) {
        ENVS();
    } else if (is(name, "run", NULL)) {
        if (nops == 0)
            ENVS();
        else
            buf_adds(out, "@files\n");
    } else if (nops == 0 && (is(name, "shell", "activate") || is(name, "remove", "add") ||
                             is(name, "copy", "rm"))) {
        ENVS();
    } else if (is(name, "rm", NULL)) {
        add_owned(out, cur, src->packages(src->arg, file, global, dir, ops[0]), "package", d);
    } else if (nops == 0 && is(name, "shell-init", "completion")) {
        add_all(out, cur, shell_integration_names, "shell", d);
    } else if (nops == 0 && is(name, "python", NULL)) {
        static const char *const subs[] = {"list", "find", "install", "uninstall", "pin", NULL};
        add_all(out, cur, subs, NULL, d);
    } else if (nops == 0 && is(name, "cache", NULL)) {
        static const char *const subs[] = {"dir", "clean", "prune", NULL};
        add_all(out, cur, subs, NULL, d);
    } else if (nops == 0 && is(name, "hook", NULL)) {
        static const char *const subs[] = {"install", "uninstall", NULL};
        add_all(out, cur, subs, NULL, d);
    }
#undef ENVS
    free(ops);
}

