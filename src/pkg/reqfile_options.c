/* reqfile_options: the options of a requirements-file line (reqfile.h, "Options"): the option
 * table, shell-like splitting of the option text, parsing (long options, their unambiguous
 * prefixes, short options, values), --hash values, and applying a global option to the
 * rf_options_t. Includes (-r, -c) are the driver's (reqfile.c). */
#include <stdlib.h>
#include <string.h>

#include "pkg/reqfile_internal.h"
#include "util/buf.h"
#include "util/hash.h"
#include "util/path.h"
#include "util/strv.h"
#include "util/xalloc.h"

static const opt_def_t OPTS[] = {
    {O_REQUIREMENT, 'r', "--requirement", true, false},
    {O_CONSTRAINT, 'c', "--constraint", true, false},
    {O_INDEX_URL, 'i', "--index-url", true, false},
    {O_EXTRA_INDEX_URL, 0, "--extra-index-url", true, false},
    {O_NO_INDEX, 0, "--no-index", false, false},
    {O_FIND_LINKS, 'f', "--find-links", true, false},
    {O_PRE, 0, "--pre", false, false},
    {O_ONLY_BINARY, 0, "--only-binary", true, false},
    {O_NO_BINARY, 0, "--no-binary", true, false},
    {O_PREFER_BINARY, 0, "--prefer-binary", false, false},
    {O_REQUIRE_HASHES, 0, "--require-hashes", false, false},
    {O_TRUSTED_HOST, 0, "--trusted-host", true, false},
    {O_USE_FEATURE, 0, "--use-feature", true, false},
    {O_EDITABLE, 'e', "--editable", true, false},
    {O_HASH, 0, "--hash", true, true},
    {O_GLOBAL_OPTION, 0, "--global-option", true, true},
    {O_CONFIG_SETTINGS, 'C', "--config-settings", true, true},
};
#define NOPTS (sizeof OPTS / sizeof *OPTS)

bool rf_shell_split(const char *s, char ***out, size_t *n, const char **why)
{
    char **v = NULL;
    size_t cnt = 0, cap = 0;
    const char *p = s;
    for (;;) {
        while (*p && rf_is_space((unsigned char)*p))
            p++;
        if (!*p)
            break;
        buf_t tok = BUF_INIT;
        buf_add(&tok, "", 0);   /* a token may be empty ("") */
        while (*p && !rf_is_space((unsigned char)*p)) {
            if (*p == '\'') {
                p++;
                while (*p && *p != '\'')
                    buf_addc(&tok, *p++);
                if (!*p) {
                    *why = "no closing quotation";
                    goto fail_tok;
                }
                p++;
            } else if (*p == '"') {
                p++;
                while (*p && *p != '"') {
                    if (*p == '\\' && (p[1] == '\\' || p[1] == '"' || p[1] == '$' || p[1] == '`'))
                        p++;
                    buf_addc(&tok, *p++);
                }
                if (!*p) {
                    *why = "no closing quotation";
                    goto fail_tok;
                }
                p++;
            } else if (*p == '\\') {
                p++;
                if (!*p) {
                    *why = "no escaped character";
                    goto fail_tok;
                }
                buf_addc(&tok, *p++);
            } else {
                buf_addc(&tok, *p++);
            }
        }
        XGROW(v, cap, cnt + 1);
        v[cnt++] = buf_detach(&tok);
        continue;
fail_tok:
        buf_free(&tok);
        for (size_t i = 0; i < cnt; i++)
            free(v[i]);
        free(v);
        return false;
    }
    *out = v;
    *n = cnt;
    return true;
}

/* The long option t[0..len) names: exactly, or as the one option it is a prefix of (optparse).
 * *nprefix: how many options it is a prefix of. */
static const opt_def_t *lookup_long(const char *t, size_t len, int *nprefix)
{
    const opt_def_t *prefix = NULL;
    *nprefix = 0;
    for (size_t k = 0; k < NOPTS; k++) {
        const char *ln = OPTS[k].long_name;
        if (strlen(ln) == len && strncmp(ln, t, len) == 0)
            return &OPTS[k];
        if (strlen(ln) > len && strncmp(ln, t, len) == 0) {
            prefix = &OPTS[k];
            (*nprefix)++;
        }
    }
    return *nprefix == 1 ? prefix : NULL;
}

const opt_def_t *rf_find_option(const char *tok, const char **value)
{
    *value = NULL;
    if (strncmp(tok, "--", 2) == 0 && tok[2]) {
        const char *eq = strchr(tok, '=');
        int nprefix;
        const opt_def_t *def = lookup_long(tok, eq ? (size_t)(eq - tok) : strlen(tok), &nprefix);
        if (def && eq)
            *value = eq + 1;
        return def;
    }
    if (tok[0] == '-' && tok[1] && tok[1] != '-') {
        for (size_t k = 0; k < NOPTS; k++) {
            if (OPTS[k].short_name == tok[1]) {
                if (tok[2])
                    *value = tok + 2;
                return &OPTS[k];
            }
        }
    }
    return NULL;
}

char *rf_parse_options(char **tok, size_t ntok, opt_val_t **out, size_t *nout)
{
    opt_val_t *vals = NULL;
    size_t n = 0, cap = 0;
    char *msg = NULL;
    for (size_t i = 0; i < ntok && !msg; i++) {
        const char *t = tok[i];
        const opt_def_t *def = NULL;
        const char *value = NULL;
        bool has_inline = false;
        if (strncmp(t, "--", 2) == 0 && t[2]) {
            const char *eq = strchr(t, '=');
            size_t len = eq ? (size_t)(eq - t) : strlen(t);
            int nprefix = 0;
            def = lookup_long(t, len, &nprefix);
            if (!def) {
                if (nprefix > 1) {
                    buf_t b = BUF_INIT;
                    for (size_t k = 0; k < NOPTS; k++)
                        if (strncmp(OPTS[k].long_name, t, len) == 0)
                            buf_printf(&b, "%s%s", b.len ? ", " : "", OPTS[k].long_name);
                    msg = xasprintf("ambiguous option '%.*s' (could be %s)", (int)len, t,
                                    buf_cstr(&b));
                    buf_free(&b);
                } else {
                    msg = xasprintf("unknown option '%.*s'", (int)len, t);
                }
                break;
            }
            if (eq) {
                value = eq + 1;
                has_inline = true;
            }
        } else if (t[0] == '-' && t[1] && t[1] != '-') {
            for (size_t k = 0; k < NOPTS; k++)
                if (OPTS[k].short_name == t[1])
                    def = &OPTS[k];
            if (!def) {
                msg = xasprintf("unknown option '-%c'", t[1]);
                break;
            }
            if (t[2]) {
                if (!def->takes_arg) {
                    msg = xasprintf("unknown option '%s'", t);
                    break;
                }
                value = t + 2;
                has_inline = true;
            }
        } else {
            msg = xasprintf("unexpected '%s' among the options (a requirement goes first on "
                            "its line, each -r/-c/-f takes one value)", t);
            break;
        }
        if (!def->takes_arg && has_inline) {
            msg = xasprintf("option %s takes no value", def->long_name);
            break;
        }
        if (def->takes_arg && !has_inline) {
            if (i + 1 >= ntok) {
                msg = xasprintf("option %s needs a value", def->long_name);
                break;
            }
            value = tok[++i];
        }
        XGROW(vals, cap, n + 1);
        vals[n].def = def;
        vals[n].value = value ? xstrdup(value) : NULL;
        n++;
    }
    if (msg) {
        rf_free_opt_vals(vals, n);
        return msg;
    }
    *out = vals;
    *nout = n;
    return NULL;
}

void rf_free_opt_vals(opt_val_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i].value);
    free(v);
}

size_t rf_hash_hex_len(const char *algo, size_t n)
{
    if (n == 6 && strncmp(algo, "sha256", 6) == 0)
        return 64;
    if (n == 6 && strncmp(algo, "sha384", 6) == 0)
        return 96;
    if (n == 6 && strncmp(algo, "sha512", 6) == 0)
        return 128;
    return 0;
}

char *rf_parse_hash(const char *v, char **why)
{
    const char *colon = strchr(v, ':');
    if (!colon) {
        *why = xasprintf("--hash=%s: expected a hash name and value, like "
                         "--hash=sha256:<64 hex digits>", v);
        return NULL;
    }
    size_t alen = (size_t)(colon - v);
    size_t want = rf_hash_hex_len(v, alen);
    if (!want) {
        *why = xasprintf("--hash=%s: '%.*s' is not allowed; use sha256, sha384 or sha512", v,
                         (int)alen, v);
        return NULL;
    }
    const char *hex = colon + 1;
    size_t hl = strlen(hex);
    bool allhex = true;
    for (size_t i = 0; i < hl; i++)
        if (hex_value(hex[i]) < 0)
            allhex = false;
    if (hl != want || !allhex) {
        *why = xasprintf("--hash=%s: a %.*s digest is %zu hex digits", v, (int)alen, v, want);
        return NULL;
    }
    char *r = xasprintf("%.*s:%s", (int)alen, v, hex);
    for (char *p = r + alen + 1; *p; p++)
        if (*p >= 'A' && *p <= 'F')
            *p = (char)(*p - 'A' + 'a');
    return r;
}

bool rf_is_include(enum opt_id id)
{
    return id == O_REQUIREMENT || id == O_CONSTRAINT;
}

void rf_apply_option(rf_options_t *opts, const char *dir, const char *shown, int line,
                     const opt_val_t *o)
{
    switch (o->def->id) {
    case O_INDEX_URL:
        free(opts->index_url);
        opts->index_url = xstrdup(o->value);
        break;
    case O_EXTRA_INDEX_URL:
        strv_push_unique(&opts->extra_index_urls, NULL, NULL, o->value);
        break;
    case O_NO_INDEX:
        opts->no_index = true;
        break;
    case O_FIND_LINKS: {
        char *v;
        if (reqfile_is_url(o->value))
            v = xstrdup(o->value);
        else
            v = path_absolute(dir, o->value);
        strv_push_unique(&opts->find_links, NULL, NULL, v);
        free(v);
        break;
    }
    case O_PRE:
        opts->pre = true;
        break;
    case O_ONLY_BINARY:
        strv_push(&opts->only_binary, NULL, NULL, xstrdup(o->value));
        break;
    case O_NO_BINARY:
        strv_push(&opts->no_binary, NULL, NULL, xstrdup(o->value));
        break;
    case O_PREFER_BINARY:
        opts->prefer_binary = true;
        break;
    case O_REQUIRE_HASHES:
        opts->require_hashes = true;
        if (!opts->require_hashes_at)
            opts->require_hashes_at = xasprintf("%s:%d", shown, line);
        break;
    case O_TRUSTED_HOST:
        strv_push_unique(&opts->trusted_hosts, NULL, NULL, o->value);
        break;
    case O_USE_FEATURE:
        strv_push(&opts->use_features, NULL, NULL, xstrdup(o->value));
        break;
    case O_REQUIREMENT:          /* includes: the driver reads them */
    case O_CONSTRAINT:
    case O_EDITABLE:             /* the driver's: -e starts its line (reqfile.c) */
    case O_HASH:                 /* per requirement */
    case O_GLOBAL_OPTION:
    case O_CONFIG_SETTINGS:
        break;
    }
}
