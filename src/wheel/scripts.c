/* scripts: launchers and shebangs (see scripts.h). */
#include "wheel/scripts.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/strv.h"
#include "util/xalloc.h"

/* ---- headers ------------------------------------------------------------------------------ */

void script_sh_word(buf_t *out, const char *s)
{
    if (!*s) {
        buf_adds(out, "''");
        return;
    }
    while (*s) {
        size_t run = strcspn(s, "'");
        if (run) {
            buf_addc(out, '\'');
            buf_add(out, s, run);
            buf_addc(out, '\'');
            s += run;
        }
        for (; *s == '\''; s++)
            buf_adds(out, "\"'\"");
    }
}

void script_shebang(buf_t *out, const char *interp, const char *args, const char *eol)
{
    if (!args)
        args = "";
    if (!strpbrk(interp, " \t\r\n\v\f") &&
        2 + strlen(interp) + strlen(args) + 1 <= SCRIPT_SHEBANG_MAX) {
        buf_adds(out, "#!");
        buf_adds(out, interp);
        buf_adds(out, args);
        buf_adds(out, eol);
        return;
    }
    buf_adds(out, "#!/bin/sh\n'''exec' ");
    script_sh_word(out, interp);
    buf_adds(out, args);
    buf_adds(out, " \"$0\" \"$@\"\n' '''");
    buf_adds(out, eol);
}

void script_launcher(buf_t *out, const char *python, const char *module, const char *attr)
{
    script_shebang(out, python, NULL, "\n");
    const char *dot = strchr(attr, '.');
    size_t import_len = dot ? (size_t)(dot - attr) : strlen(attr);
    buf_printf(out,
               "# -*- coding: utf-8 -*-\n"
               "import re\n"
               "import sys\n"
               "from %s import %.*s\n"
               "if __name__ == '__main__':\n"
               "    sys.argv[0] = re.sub(r'(-script\\.pyw|\\.exe)?$', '', sys.argv[0])\n"
               "    sys.exit(%s())\n",
               module, (int)import_len, attr, attr);
}

/* ---- entry points ------------------------------------------------------------------------- */

/* pip's dict semantics: a repeated name keeps its first position and takes the last value. */
static void dict_set(script_ep_t **d, size_t *n, size_t *cap, const char *name,
                     const entry_point_t *ep)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*d)[i].name, name) == 0) {
            (*d)[i].ep = ep;
            return;
        }
    XGROW(*d, *cap, *n + 1);
    (*d)[*n].name = xstrdup(name);
    (*d)[*n].ep = ep;
    (*n)++;
}

static bool dict_has(const script_ep_t *d, size_t n, const char *name, size_t len)
{
    for (size_t i = 0; i < n; i++)
        if (strlen(d[i].name) == len && memcmp(d[i].name, name, len) == 0)
            return true;
    return false;
}

void script_set_init(script_set_t *s, const entry_points_t *eps)
{
    memset(s, 0, sizeof(*s));
    size_t cap_c = 0, cap_g = 0;
    for (size_t i = 0; i < eps->n; i++) {
        const entry_point_t *ep = &eps->items[i];
        if (strcmp(ep->group, "console_scripts") == 0)
            dict_set(&s->console, &s->n_console, &cap_c, ep->name, ep);
        else if (strcmp(ep->group, "gui_scripts") == 0)
            dict_set(&s->gui, &s->n_gui, &cap_g, ep->name, ep);
    }
}

void script_eps_free(script_ep_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i].name);
    free(v);
}

void script_set_free(script_set_t *s)
{
    script_eps_free(s->console, s->n_console);
    script_eps_free(s->gui, s->n_gui);
    memset(s, 0, sizeof(*s));
}

bool script_set_is_wrapper(const script_set_t *s, const char *filename)
{
    size_t n = strlen(filename), len = n;
    if (str_ends_with_ci(filename, n, ".exe"))
        len -= 4;
    else if (str_ends_with_ci(filename, n, "-script.py"))
        len -= 10;
    else if (str_ends_with_ci(filename, n, ".pya"))
        len -= 4;
    return dict_has(s->console, s->n_console, filename, len) ||
           dict_has(s->gui, s->n_gui, filename, len);
}

/* Digits, then optionally '.' and digits; advances *p past them. */
static bool digits(const char **p)
{
    if (!isdigit((unsigned char)**p))
        return false;
    while (isdigit((unsigned char)**p))
        (*p)++;
    return true;
}

/* pip(\d+(\.\d+)?)?$ (dash false) or easy_install(-\d+\.\d+)?$ (dash true). */
static bool match_versioned(const char *name, const char *prefix, bool dash)
{
    size_t n = strlen(prefix);
    if (strncmp(name, prefix, n) != 0)
        return false;
    const char *p = name + n;
    if (!*p)
        return true;
    if (dash) {
        if (*p++ != '-' || !digits(&p) || *p++ != '.' || !digits(&p))
            return false;
        return !*p;
    }
    if (!digits(&p))
        return false;
    if (*p == '.') {
        p++;
        if (!digits(&p))
            return false;
    }
    return !*p;
}

script_ep_t *script_set_launchers(const script_set_t *s, const char *ver, size_t *nout)
{
    script_ep_t *g = xcalloc(s->n_console + s->n_gui + 5, sizeof *g);
    size_t n = 0;
    char major[16] = "";
    if (ver) {
        size_t k = strcspn(ver, ".");
        snprintf(major, sizeof major, "%.*s", (int)(k < 15 ? k : 15), ver);
    }
    const entry_point_t *pip_ep = NULL, *ei_ep = NULL;
    for (size_t i = 0; ver && i < s->n_console; i++) {
        if (strcmp(s->console[i].name, "pip") == 0)
            pip_ep = s->console[i].ep;
        else if (strcmp(s->console[i].name, "easy_install") == 0)
            ei_ep = s->console[i].ep;
    }
    if (pip_ep) {
        g[n++] = (script_ep_t){xstrdup("pip"), pip_ep};
        g[n++] = (script_ep_t){xasprintf("pip%s", major), pip_ep};
        g[n++] = (script_ep_t){xasprintf("pip%s", ver), pip_ep};
    }
    if (ei_ep) {
        g[n++] = (script_ep_t){xstrdup("easy_install"), ei_ep};
        g[n++] = (script_ep_t){xasprintf("easy_install-%s", ver), ei_ep};
    }
    for (size_t i = 0; i < s->n_console; i++) {
        const char *name = s->console[i].name;
        if ((pip_ep && match_versioned(name, "pip", false)) ||
            (ei_ep && match_versioned(name, "easy_install", true)))
            continue;
        g[n++] = (script_ep_t){xstrdup(name), s->console[i].ep};
    }
    for (size_t i = 0; i < s->n_gui; i++)
        g[n++] = (script_ep_t){xstrdup(s->gui[i].name), s->gui[i].ep};
    /* A later script of the same name replaces an earlier one (a gui script named like a
     * console script): keep only the last. */
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        bool later = false;
        for (size_t j = i + 1; j < n && !later; j++)
            later = strcmp(g[j].name, g[i].name) == 0;
        if (later)
            free(g[i].name);
        else
            g[kept++] = g[i];
    }
    *nout = kept;
    return g;
}
