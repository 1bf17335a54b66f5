/* req: PEP 508 requirement strings (see req.h). */
#include "pkg/req.h"

#include <stdlib.h>
#include <string.h>

#include "pkg/name.h"
#include "util/buf.h"
#include "util/xalloc.h"

typedef struct rparser {
    const char *s;
    size_t i, n;
    size_t errpos;
    char *errmsg;
} rparser_t;

static bool rfail(rparser_t *p, size_t pos, char *msg)
{
    if (!p->errmsg) {
        p->errmsg = msg;
        p->errpos = pos;
    } else {
        free(msg);
    }
    return false;
}

static bool is_ws(char c)
{
    return c == ' ' || c == '\t';
}

static void skip_ws(rparser_t *p)
{
    while (p->i < p->n && is_ws(p->s[p->i]))
        p->i++;
}

static bool is_ident_char(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           c == '.' || c == '_' || c == '-';
}

/* A name (project or extra) at p->i: returns its length, 0 if none starts here. */
static size_t ident_len(const rparser_t *p)
{
    size_t j = p->i;
    while (j < p->n && is_ident_char(p->s[j]))
        j++;
    return j - p->i;
}

static bool read_name(rparser_t *p, const char *what, char **out)
{
    size_t len = ident_len(p);
    if (len == 0)
        return rfail(p, p->i, xasprintf("expected %s", what));
    if (!pkg_name_valid_n(p->s + p->i, len))
        return rfail(p, p->i,
                     xasprintf("'%.*s' is not a valid name (letters, digits and . _ - inside, "
                               "starting and ending with a letter or digit)",
                               (int)len, p->s + p->i));
    *out = xstrndup(p->s + p->i, len);
    p->i += len;
    return true;
}

static bool parse_extras(rparser_t *p, req_t *r)
{
    size_t open = p->i, cap = 0;
    p->i++;
    skip_ws(p);
    bool first = true;
    while (p->i < p->n && p->s[p->i] != ']') {
        if (!first) {
            if (p->s[p->i] != ',')
                return rfail(p, p->i, xstrdup(ident_len(p) ? "expected ',' between extra names"
                                                           : "expected ',' or ']' after an extra"));
            p->i++;
            skip_ws(p);
        }
        char *extra;
        if (!read_name(p, first ? "an extra name or ']'" : "an extra name after ','", &extra))
            return false;
        char *norm = pkg_name_normalize(extra);
        free(extra);
        bool dup = false;
        for (size_t k = 0; k < r->nextras && !dup; k++)
            dup = strcmp(r->extras[k], norm) == 0;
        if (dup) {
            free(norm);
        } else {
            XGROW(r->extras, cap, r->nextras + 2);
            r->extras[r->nextras++] = norm;
            r->extras[r->nextras] = NULL;
        }
        first = false;
        skip_ws(p);
    }
    if (p->i >= p->n)
        return rfail(p, p->i, xasprintf("expected ']' to close the '[' at column %zu", open + 1));
    p->i++;
    return true;
}

/* Operator at p->i: its length, or 0. */
static size_t op_len(const rparser_t *p)
{
    static const char *const ops[] = {"===", "==", "~=", "!=", "<=", ">=", "<", ">"};
    for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++) {
        size_t l = strlen(ops[k]);
        if (p->n - p->i >= l && memcmp(p->s + p->i, ops[k], l) == 0)
            return l;
    }
    return 0;
}

static bool is_version_char(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           c == '.' || c == '_' || c == '-' || c == '!' || c == '+' || c == '*';
}

/* SPECS: one or more "op version" separated by commas. Appends the normalized text (no spaces)
 * to b, validating each specifier on its own for a precise error. *single is the parsed set when
 * there was exactly one specifier (the set b's text parses to), else NULL. */
static bool parse_specs(rparser_t *p, buf_t *b, specset_t **single)
{
    size_t count = 0;
    *single = NULL;
    for (;;) {
        size_t start = p->i, ol = op_len(p);
        if (!ol)
            return rfail(p, p->i, xstrdup(p->i < p->n && p->s[p->i] == '='
                                              ? "'=' is not an operator (did you mean '=='?)"
                                              : "expected a version specifier (like >=1.0)"));
        p->i += ol;
        skip_ws(p);
        size_t vstart = p->i;
        bool arbitrary = ol == 3;
        while (p->i < p->n && (arbitrary ? !is_ws(p->s[p->i]) && p->s[p->i] != ';' &&
                                               p->s[p->i] != ')' && p->s[p->i] != ','
                                         : is_version_char(p->s[p->i])))
            p->i++;
        if (p->i == vstart) {
            specset_free(*single);
            *single = NULL;
            return rfail(p, p->i, xasprintf("expected a version after '%.*s'", (int)ol,
                                            p->s + start));
        }
        char *one = xconcat(p->s + start, ol, p->s + vstart, p->i - vstart);
        specset_t *set = NULL;
        char *why = NULL;
        bool ok = specset_parse(one, &set, &why);
        specset_free(*single);
        *single = NULL;
        if (!ok) {
            specset_free(set);
            free(one);
            return rfail(p, start, why);
        }
        if (++count == 1)
            *single = set;
        else
            specset_free(set);
        if (b->len)
            buf_addc(b, ',');
        buf_adds(b, one);
        free(one);
        size_t after = p->i;
        skip_ws(p);
        if (p->i >= p->n || p->s[p->i] != ',') {
            p->i = after;
            return true;
        }
        p->i++;
        skip_ws(p);
        if (!op_len(p)) /* a trailing comma, accepted as packaging does */
            return true;
    }
}

static bool parse_marker_part(rparser_t *p, req_t *r, const char *after)
{
    if (p->i >= p->n)
        return true;
    if (p->s[p->i] != ';')
        return rfail(p, p->i, xasprintf("expected the end or ';' (after %s)", after));
    size_t pos = 0;
    char *msg = NULL;
    if (!marker_parse_span(p->s, p->i + 1, p->n, &r->marker, &pos, &msg))
        return rfail(p, pos, msg);
    p->i = p->n;
    return true;
}

static bool parse_req(rparser_t *p, req_t *r)
{
    skip_ws(p);
    if (!read_name(p, "a package name at the start of the requirement", &r->name))
        return false;
    r->key = pkg_name_normalize(r->name);
    skip_ws(p);
    if (p->i < p->n && p->s[p->i] == '[' && !parse_extras(p, r))
        return false;
    skip_ws(p);

    if (p->i < p->n && p->s[p->i] == '@') {
        p->i++;
        skip_ws(p);
        size_t start = p->i;
        while (p->i < p->n && !is_ws(p->s[p->i]))
            p->i++;
        if (p->i == start)
            return rfail(p, p->i, xstrdup("expected a URL after '@'"));
        r->url = xstrndup(p->s + start, p->i - start);
        skip_ws(p);
        return parse_marker_part(p, r, "the URL and whitespace");
    }

    buf_t specs = BUF_INIT;
    specset_t *single = NULL;
    if (p->i < p->n && p->s[p->i] == '(') {
        size_t open = p->i++;
        skip_ws(p);
        if (p->i < p->n && p->s[p->i] != ')' && !parse_specs(p, &specs, &single)) {
            buf_free(&specs);
            return false;
        }
        skip_ws(p);
        if (p->i >= p->n || p->s[p->i] != ')') {
            specset_free(single);
            buf_free(&specs);
            return rfail(p, p->i, xasprintf("expected ')' to close the '(' at column %zu",
                                            open + 1));
        }
        p->i++;
    } else if (op_len(p) && !parse_specs(p, &specs, &single)) {
        buf_free(&specs);
        return false;
    }
    char *why = NULL;
    bool ok = true;
    if (single) /* the text of one specifier, parsed already */
        r->specs = single;
    else
        ok = specset_parse(buf_cstr(&specs), &r->specs, &why);
    bool had_specs = specs.len > 0;
    buf_free(&specs);
    if (!ok) /* cannot happen: each item was validated */
        return rfail(p, 0, why);
    skip_ws(p);
    if (p->i < p->n && p->s[p->i] == '=' && !had_specs)
        return rfail(p, p->i, xstrdup("'=' is not an operator (did you mean '=='?)"));
    return parse_marker_part(p, r,
                             had_specs ? "the version specifier" : "the name and no valid version "
                                                                   "specifier");
}

err_t *req_parse(const char *text, req_t **out, size_t *errpos)
{
    rparser_t p = {.s = text, .n = strlen(text)};
    req_t *r = xcalloc(1, sizeof *r);
    *out = NULL;
    if (!parse_req(&p, r)) {
        req_free(r);
        err_t *e = err_new(EXIT_USAGE, "invalid requirement '%s': %s at column %zu", text,
                           p.errmsg, p.errpos + 1);
        free(p.errmsg);
        if (errpos)
            *errpos = p.errpos;
        return e;
    }
    if (!r->specs) {
        char *why = NULL;
        specset_parse("", &r->specs, &why);
    }
    *out = r;
    return NULL;
}

void req_free(req_t *r)
{
    if (!r)
        return;
    free(r->name);
    free(r->key);
    for (size_t i = 0; i < r->nextras; i++)
        free(r->extras[i]);
    free(r->extras);
    specset_free(r->specs);
    free(r->url);
    marker_free(r->marker);
    free(r);
}

char *req_str(const req_t *r)
{
    buf_t b = BUF_INIT;
    buf_adds(&b, r->name);
    if (r->nextras) {
        buf_addc(&b, '[');
        for (size_t i = 0; i < r->nextras; i++) {
            if (i)
                buf_addc(&b, ',');
            buf_adds(&b, r->extras[i]);
        }
        buf_addc(&b, ']');
    }
    for (size_t i = 0; i < specset_count(r->specs); i++) {
        const char *op, *ver;
        specset_item(r->specs, i, &op, &ver);
        if (i)
            buf_addc(&b, ',');
        buf_adds(&b, op);
        buf_adds(&b, ver);
    }
    if (r->url)
        buf_printf(&b, " @ %s", r->url);
    if (r->marker) {
        char *m = marker_str(r->marker);
        buf_printf(&b, "%s; %s", r->url ? " " : "", m);
        free(m);
    }
    return buf_detach(&b);
}

bool req_pinned(const req_t *r, const char **version)
{
    if (r->url || specset_count(r->specs) != 1)
        return false;
    const char *op, *ver;
    specset_item(r->specs, 0, &op, &ver);
    size_t n = strlen(ver);
    bool ok = strcmp(op, "===") == 0 ||
              (strcmp(op, "==") == 0 && !(n >= 2 && ver[n - 2] == '.' && ver[n - 1] == '*'));
    if (ok && version)
        *version = ver;
    return ok;
}

err_t *req_applies(const req_t *r, const marker_env_t *env, bool *result)
{
    if (!r->marker) {
        *result = true;
        return NULL;
    }
    return marker_eval(r->marker, env, result);
}
