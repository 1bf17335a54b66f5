/*
 * edit_render: new YAML text for the manifest editor (see edit_internal.h): scalars written
 * plain or quoted (mfedit_quote), settings, lists and environments as block lines or flow
 * values, and a whole new manifest (mfedit_render).
 */
#include <string.h>

#include "manifest/edit_internal.h"
#include "util/buf.h"

/* ------------------------------------------------------------------------------------------ */
/* scalars */

static bool looks_like_other_type(const char *s)
{
    static const char *const words[] = {
        "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true", "True", "TRUE",
        "false", "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF", "null", "Null", "NULL",
        "~", ".inf", ".Inf", ".INF", ".nan", ".NaN", ".NAN", "<<", "=",
    };
    for (size_t i = 0; i < sizeof words / sizeof *words; i++)
        if (strcmp(s, words[i]) == 0)
            return true;
    const char *p = s;
    if (*p == '+' || *p == '-')
        p++;
    if (*p == '.')
        p++;
    if (*p >= '0' && *p <= '9')      /* numbers, dates, versions: 3.12, 1e3, 0x1F, 2024-01-01 */
        return true;
    if ((*p == '.') && (!strcmp(p, ".inf") || !strcmp(p, ".Inf") || !strcmp(p, ".INF")))
        return true;
    return false;
}

static bool plain_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || looks_like_other_type(s))
        return false;
    if (strchr("-?:,[]{}#&*!|>'\"%@` \t", s[0]) || s[n - 1] == ' ' || s[n - 1] == '\t')
        return false;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p < 0x20 || *p == 0x7f || strchr(":#;,[]{}\"'\\`", *p))
            return false;
        if (*p == 0xC2 && p[1] == 0x85)
            return false;
        if (*p == 0xE2 && p[1] == 0x80 && (p[2] == 0xA8 || p[2] == 0xA9))
            return false;
        if (*p == 0xEF && p[1] == 0xBB && p[2] == 0xBF)
            return false;
    }
    return true;
}

static void add_double(buf_t *b, const char *s)
{
    buf_addc(b, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': buf_adds(b, "\\\""); break;
        case '\\': buf_adds(b, "\\\\"); break;
        case '\n': buf_adds(b, "\\n"); break;
        case '\t': buf_adds(b, "\\t"); break;
        case '\r': buf_adds(b, "\\r"); break;
        default:
            if (*p < 0x20 || *p == 0x7f)
                buf_printf(b, "\\x%02X", *p);
            else if (*p == 0xC2 && p[1] == 0x85)
                buf_adds(b, "\\N"), p++;
            else if (*p == 0xE2 && p[1] == 0x80 && (p[2] == 0xA8 || p[2] == 0xA9))
                buf_adds(b, p[2] == 0xA8 ? "\\L" : "\\P"), p += 2;
            else if (*p == 0xEF && p[1] == 0xBB && p[2] == 0xBF)
                buf_adds(b, "\\uFEFF"), p += 2;
            else
                buf_addc(b, (char)*p);
        }
    }
    buf_addc(b, '"');
}

/* Appends s as a scalar: plain when safe (Q_MIN), else quoted, single quotes when asked for
 * and possible. */
void mfe_add_scalar(buf_t *b, const char *s, int style)
{
    if (style == Q_MIN && plain_ok(s)) {
        buf_adds(b, s);
        return;
    }
    if (style == Q_SINGLE) {
        bool ok = true;
        for (const unsigned char *p = (const unsigned char *)s; *p; p++)
            if (*p < 0x20 || *p == 0x7f || *p == 0xC2 || *p == 0xE2 || *p == 0xEF)
                ok = false;
        if (ok) {
            buf_addc(b, '\'');
            buf_add_replaced(b, s, "'", "''");
            buf_addc(b, '\'');
            return;
        }
    }
    add_double(b, s);
}

/* A setting's value: as is when literal, else a string. */
void mfe_add_value(buf_t *b, const mfedit_kv_t *kv, int style)
{
    if (kv->literal)
        buf_adds(b, kv->value);
    else
        mfe_add_scalar(b, kv->value, style);
}

char *mfedit_quote(const char *value)
{
    buf_t b = BUF_INIT;
    mfe_add_scalar(&b, value, Q_MIN);
    return buf_detach(&b);
}

void mfe_indent(buf_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        buf_addc(b, ' ');
}

/* ------------------------------------------------------------------------------------------ */
/* writing environments and lists */

void mfe_add_flow_list(buf_t *b, const char *const *items, size_t n)
{
    buf_addc(b, '[');
    for (size_t i = 0; i < n; i++) {
        if (i)
            buf_adds(b, ", ");
        mfe_add_scalar(b, items[i], Q_MIN);
    }
    buf_addc(b, ']');
}

/* "key:" and a list, as lines at column ind (block unless flow). */
void mfe_add_list_lines(buf_t *b, const mfedit_t *ed, const style_t *st, size_t ind,
                        const char *key, const char *const *items, size_t n, bool flow)
{
    mfe_indent(b, ind);
    mfe_add_scalar(b, key, Q_MIN);
    if (flow || n == 0) {
        buf_adds(b, ": ");
        mfe_add_flow_list(b, items, n);
        buf_adds(b, ed->eol);
        return;
    }
    buf_printf(b, ":%s", ed->eol);
    for (size_t i = 0; i < n; i++) {
        mfe_indent(b, ind + st->seq_off);
        buf_addc(b, '-');
        mfe_indent(b, st->dash_gap);
        mfe_add_scalar(b, items[i], Q_MIN);
        buf_adds(b, ed->eol);
    }
}

static bool env_empty(const mfedit_env_t *env)
{
    return !env->nkeys && !env->with_packages;
}

/* `{k: v, packages: [a]}` */
void mfe_add_env_flow_value(buf_t *b, const mfedit_env_t *env)
{
    buf_addc(b, '{');
    for (size_t i = 0; i < env->nkeys; i++) {
        if (i)
            buf_adds(b, ", ");
        mfe_add_scalar(b, env->keys[i].key, Q_MIN);
        buf_adds(b, ": ");
        mfe_add_value(b, &env->keys[i], Q_MIN);
    }
    if (env->with_packages) {
        buf_adds(b, env->nkeys ? ", packages: " : "packages: ");
        mfe_add_flow_list(b, env->packages, env->npackages);
    }
    buf_addc(b, '}');
}

/* The environment as block lines at column ind. */
void mfe_add_env_lines(buf_t *b, const mfedit_t *ed, const style_t *st, size_t ind,
                       const mfedit_env_t *env, bool flow_value)
{
    mfe_indent(b, ind);
    mfe_add_scalar(b, env->name, Q_MIN);
    if (flow_value || env_empty(env)) {
        buf_adds(b, ": ");
        mfe_add_env_flow_value(b, env);
        buf_adds(b, ed->eol);
        return;
    }
    buf_printf(b, ":%s", ed->eol);
    for (size_t i = 0; i < env->nkeys; i++) {
        mfe_indent(b, ind + st->step);
        mfe_add_scalar(b, env->keys[i].key, Q_MIN);
        buf_adds(b, ": ");
        mfe_add_value(b, &env->keys[i], Q_MIN);
        buf_adds(b, ed->eol);
    }
    if (env->with_packages)
        mfe_add_list_lines(b, ed, st, ind + st->step, "packages", env->packages, env->npackages,
                           st->pkgs_flow);
}

/* ------------------------------------------------------------------------------------------ */
/* a new manifest */

char *mfedit_render(const mfedit_manifest_t *m)
{
    buf_t b = BUF_INIT;
    if (m->header) {
        const char *p = m->header;
        while (*p) {
            const char *nl = strchr(p, '\n');
            size_t n = nl ? (size_t)(nl - p) : strlen(p);
            if (n)
                buf_adds(&b, "# "), buf_add(&b, p, n);
            else
                buf_addc(&b, '#');
            buf_addc(&b, '\n');
            p += n + (nl ? 1 : 0);
        }
        buf_addc(&b, '\n');
    }
    buf_adds(&b, "version: 1\n");
    if (m->python) {
        buf_adds(&b, "python: ");
        mfe_add_scalar(&b, m->python, Q_MIN);
        buf_addc(&b, '\n');
    }
    if (m->root) {
        buf_adds(&b, "root: ");
        mfe_add_scalar(&b, m->root, Q_MIN);
        buf_addc(&b, '\n');
    }
    if (!m->nenvs) {
        buf_adds(&b, "environments: {}\n");
        return buf_detach(&b);
    }
    buf_adds(&b, "environments:\n");
    mfedit_t fake = {.eol = "\n"};
    style_t st = {2, 2, 1, false};
    for (size_t i = 0; i < m->nenvs; i++)
        mfe_add_env_lines(&b, &fake, &st, 2, &m->envs[i], false);
    return buf_detach(&b);
}
