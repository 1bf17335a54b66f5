/* marker: PEP 508 environment markers (see marker.h). */
#include "pkg/marker.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pkg/name.h"
#include "pkg/version.h"
#include "util/buf.h"
#include "util/xalloc.h"

enum { MOP_EQ, MOP_NE, MOP_LE, MOP_GE, MOP_LT, MOP_GT, MOP_COMPAT, MOP_ARB, MOP_IN, MOP_NOTIN };
static const char *const MOP_TEXT[] = {"==", "!=", "<=", ">=", "<", ">", "~=", "===", "in",
                                       "not in"};

enum {
    V_OS_NAME, V_SYS_PLATFORM, V_PLATFORM_MACHINE, V_PLATFORM_PYTHON_IMPLEMENTATION,
    V_PLATFORM_RELEASE, V_PLATFORM_SYSTEM, V_PLATFORM_VERSION, V_PYTHON_VERSION,
    V_PYTHON_FULL_VERSION, V_IMPLEMENTATION_NAME, V_IMPLEMENTATION_VERSION, V_EXTRA, NVARS
};

static const struct {
    const char *name;
    size_t offset;
} VARS[NVARS] = {
    {"os_name", offsetof(marker_env_t, os_name)},
    {"sys_platform", offsetof(marker_env_t, sys_platform)},
    {"platform_machine", offsetof(marker_env_t, platform_machine)},
    {"platform_python_implementation", offsetof(marker_env_t, platform_python_implementation)},
    {"platform_release", offsetof(marker_env_t, platform_release)},
    {"platform_system", offsetof(marker_env_t, platform_system)},
    {"platform_version", offsetof(marker_env_t, platform_version)},
    {"python_version", offsetof(marker_env_t, python_version)},
    {"python_full_version", offsetof(marker_env_t, python_full_version)},
    {"implementation_name", offsetof(marker_env_t, implementation_name)},
    {"implementation_version", offsetof(marker_env_t, implementation_version)},
    {"extra", offsetof(marker_env_t, extra)},
};

static const struct {
    const char *alias;
    int var;
} ALIASES[] = {
    {"os.name", V_OS_NAME},
    {"sys.platform", V_SYS_PLATFORM},
    {"platform.machine", V_PLATFORM_MACHINE},
    {"platform.python_implementation", V_PLATFORM_PYTHON_IMPLEMENTATION},
    {"python_implementation", V_PLATFORM_PYTHON_IMPLEMENTATION},
    {"platform.version", V_PLATFORM_VERSION},
};

typedef enum { N_AND, N_OR, N_CMP } nkind_t;

struct marker {
    nkind_t kind;
    struct marker *l, *r;   /* N_AND, N_OR */
    int var, op;            /* N_CMP */
    bool var_left;          /* the variable is the left operand */
    char *lit;              /* the quoted string's content (normalized for `extra`) */
    specset_t *spec;        /* var_left: op+lit as a specifier, or NULL if not a valid one */
};

void marker_free(marker_t *m)
{
    if (!m)
        return;
    marker_free(m->l);
    marker_free(m->r);
    free(m->lit);
    specset_free(m->spec);
    free(m);
}

/* ------------------------------------------------------------------------------------------ */
/* Parsing                                                                                      */

typedef struct mparser {
    const char *s;
    size_t i, end;
    int depth;
    size_t errpos;
    char *errmsg;
} mparser_t;

static bool is_word(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static void skip_ws(mparser_t *p)
{
    while (p->i < p->end && (p->s[p->i] == ' ' || p->s[p->i] == '\t'))
        p->i++;
}

static void *fail(mparser_t *p, size_t pos, char *msg)
{
    if (!p->errmsg) {
        p->errmsg = msg;
        p->errpos = pos;
    } else {
        free(msg);
    }
    return NULL;
}

/* Whether the keyword kw is at p->i followed by a word boundary. */
static bool at_keyword(const mparser_t *p, const char *kw)
{
    size_t n = strlen(kw);
    if (p->end - p->i < n || memcmp(p->s + p->i, kw, n) != 0)
        return false;
    return p->i + n == p->end || !is_word(p->s[p->i + n]);
}

/* A specifier "op + text" when it is one valid specifier, else NULL. */
static specset_t *make_spec(int op, const char *text)
{
    if (op == MOP_IN || op == MOP_NOTIN || strchr(text, ',') || strchr("=<>!~", text[0]) ||
        !text[0])
        return NULL;
    char *s = xasprintf("%s%s", MOP_TEXT[op], text);
    specset_t *set = NULL;
    char *why = NULL;
    if (!specset_parse(s, &set, &why) || specset_count(set) != 1) {
        specset_free(set);
        set = NULL;
    }
    free(why);
    free(s);
    return set;
}

/* One operand: a variable (returns its index, *lit NULL) or a quoted string (-1, *lit set).
 * Returns -2 on error. */
static int parse_operand(mparser_t *p, char **lit)
{
    *lit = NULL;
    if (p->i >= p->end) {
        fail(p, p->i, xstrdup("expected a marker variable or quoted string"));
        return -2;
    }
    char c = p->s[p->i];
    if (c == '\'' || c == '"') {
        size_t start = p->i;
        const char *close = memchr(p->s + start + 1, c, p->end - start - 1);
        if (!close) {
            fail(p, start, xasprintf("unterminated string (missing closing %c)", c));
            return -2;
        }
        *lit = xstrndup(p->s + start + 1, (size_t)(close - (p->s + start + 1)));
        p->i = (size_t)(close - p->s) + 1;
        return -1;
    }
    if (is_word(c) && !(c >= '0' && c <= '9')) {
        size_t start = p->i;
        while (p->i < p->end && (is_word(p->s[p->i]) || p->s[p->i] == '.'))
            p->i++;
        size_t n = p->i - start;
        for (int v = 0; v < NVARS; v++)
            if (strlen(VARS[v].name) == n && memcmp(VARS[v].name, p->s + start, n) == 0)
                return v;
        for (size_t a = 0; a < sizeof ALIASES / sizeof ALIASES[0]; a++)
            if (strlen(ALIASES[a].alias) == n && memcmp(ALIASES[a].alias, p->s + start, n) == 0)
                return ALIASES[a].var;
        fail(p, start, xasprintf("unknown marker variable '%.*s' (expected one of python_version, "
                                 "python_full_version, os_name, sys_platform, platform_release, "
                                 "platform_system, platform_version, platform_machine, "
                                 "platform_python_implementation, implementation_name, "
                                 "implementation_version, extra)",
                                 (int)n, p->s + start));
        return -2;
    }
    fail(p, p->i, xstrdup("expected a marker variable or quoted string"));
    return -2;
}

static int parse_op(mparser_t *p)
{
    static const int order[] = {MOP_ARB, MOP_EQ, MOP_COMPAT, MOP_NE, MOP_LE, MOP_GE, MOP_LT, MOP_GT};
    for (size_t k = 0; k < sizeof order / sizeof order[0]; k++) {
        size_t n = strlen(MOP_TEXT[order[k]]);
        if (p->end - p->i >= n && memcmp(p->s + p->i, MOP_TEXT[order[k]], n) == 0) {
            p->i += n;
            return order[k];
        }
    }
    if (at_keyword(p, "in")) {
        p->i += 2;
        return MOP_IN;
    }
    if (at_keyword(p, "not")) {
        p->i += 3;
        size_t ws = p->i;
        skip_ws(p);
        if (p->i == ws) {
            fail(p, p->i, xstrdup("expected whitespace after 'not'"));
            return -1;
        }
        if (!at_keyword(p, "in")) {
            fail(p, p->i, xstrdup("expected 'in' after 'not'"));
            return -1;
        }
        p->i += 2;
        return MOP_NOTIN;
    }
    fail(p, p->i, xstrdup("expected a marker operator (one of <=, <, !=, ==, >=, >, ~=, ===, in, "
                          "not in)"));
    return -1;
}

static marker_t *parse_or(mparser_t *p);

static marker_t *parse_item(mparser_t *p)
{
    size_t start = p->i;
    char *llit, *rlit;
    int lv = parse_operand(p, &llit);
    if (lv == -2)
        return NULL;
    skip_ws(p);
    int op = parse_op(p);
    if (op < 0) {
        free(llit);
        return NULL;
    }
    skip_ws(p);
    size_t rstart = p->i;
    int rv = parse_operand(p, &rlit);
    if (rv == -2) {
        free(llit);
        return NULL;
    }
    if ((lv < 0) == (rv < 0)) {
        free(llit);
        free(rlit);
        return fail(p, lv < 0 ? start : rstart,
                    xstrdup(lv < 0 ? "a marker compares a variable with a quoted string, not two "
                                     "strings"
                                   : "a marker compares a variable with a quoted string, not two "
                                     "variables"));
    }
    marker_t *m = xcalloc(1, sizeof *m);
    m->kind = N_CMP;
    m->op = op;
    m->var_left = lv >= 0;
    m->var = m->var_left ? lv : rv;
    m->lit = m->var_left ? rlit : llit;
    if (m->var == V_EXTRA) {
        char *norm = pkg_name_normalize(m->lit);
        free(m->lit);
        m->lit = norm;
    } else if (m->var_left) {
        m->spec = make_spec(op, m->lit);
    }
    skip_ws(p);
    return m;
}

static marker_t *parse_atom(mparser_t *p)
{
    skip_ws(p);
    if (p->i < p->end && p->s[p->i] == '(') {
        size_t open = p->i;
        if (++p->depth > MARKER_MAX_DEPTH)
            return fail(p, open, xasprintf("markers nest deeper than %d parentheses",
                                           MARKER_MAX_DEPTH));
        p->i++;
        marker_t *m = parse_or(p);
        if (!m)
            return NULL;
        skip_ws(p);
        if (p->i >= p->end || p->s[p->i] != ')') {
            marker_free(m);
            return fail(p, p->i, xasprintf("expected ')' (to match the '(' at column %zu)",
                                           open + 1));
        }
        p->i++;
        p->depth--;
        skip_ws(p);
        return m;
    }
    return parse_item(p);
}

static marker_t *join(nkind_t kind, marker_t *l, marker_t *r)
{
    marker_t *m = xcalloc(1, sizeof *m);
    m->kind = kind;
    m->l = l;
    m->r = r;
    return m;
}

static marker_t *parse_and(mparser_t *p)
{
    marker_t *l = parse_atom(p);
    while (l && at_keyword(p, "and")) {
        p->i += 3;
        marker_t *r = parse_atom(p);
        if (!r) {
            marker_free(l);
            return NULL;
        }
        l = join(N_AND, l, r);
    }
    return l;
}

static marker_t *parse_or(mparser_t *p)
{
    marker_t *l = parse_and(p);
    while (l && at_keyword(p, "or")) {
        p->i += 2;
        marker_t *r = parse_and(p);
        if (!r) {
            marker_free(l);
            return NULL;
        }
        l = join(N_OR, l, r);
    }
    return l;
}

bool marker_parse_span(const char *s, size_t start, size_t end, marker_t **out, size_t *errpos,
                       char **errmsg)
{
    mparser_t p = {.s = s, .i = start, .end = end};
    marker_t *m = parse_or(&p);
    if (m) {
        skip_ws(&p);
        if (p.i != p.end) {
            marker_free(m);
            m = fail(&p, p.i, xstrdup("expected 'and', 'or' or the end of the marker"));
        }
    }
    *out = m;
    if (!m) {
        if (errpos)
            *errpos = p.errpos;
        if (errmsg)
            *errmsg = p.errmsg;
        else
            free(p.errmsg);
        return false;
    }
    return true;
}

err_t *marker_parse(const char *text, marker_t **out, size_t *errpos)
{
    size_t pos = 0;
    char *msg = NULL;
    if (marker_parse_span(text, 0, strlen(text), out, &pos, &msg))
        return NULL;
    err_t *e = err_new(EXIT_USAGE, "invalid marker '%s': %s at column %zu", text, msg, pos + 1);
    free(msg);
    if (errpos)
        *errpos = pos;
    return e;
}

/* ------------------------------------------------------------------------------------------ */
/* Evaluation                                                                                   */

static const char *env_value(const marker_env_t *env, int var)
{
    const char *v = *(const char *const *)((const char *)env + VARS[var].offset);
    return v ? v : "";
}

static err_t *eval_cmp(const marker_t *m, const marker_env_t *env, bool *res)
{
    const char *val = env_value(env, m->var);
    char *norm = NULL;
    if (m->var == V_EXTRA)
        val = norm = pkg_name_normalize(val);
    const char *lhs = m->var_left ? val : m->lit;
    const char *rhs = m->var_left ? m->lit : val;
    err_t *e = NULL;

    if (m->op == MOP_IN || m->op == MOP_NOTIN) {
        *res = (strstr(rhs, lhs) != NULL) == (m->op == MOP_IN);
        goto out;
    }
    if (m->var != V_EXTRA) {
        specset_t *owned = NULL;
        const specset_t *spec = m->var_left ? m->spec : (owned = make_spec(m->op, rhs));
        version_t v;
        if (spec && version_parse(lhs, &v)) {
            *res = specset_contains(spec, &v, true);
            version_free(&v);
            specset_free(owned);
            goto out;
        }
        specset_free(owned);
    }
    int c = strcmp(lhs, rhs);
    switch (m->op) {
    case MOP_EQ: *res = c == 0; break;
    case MOP_NE: *res = c != 0; break;
    case MOP_LT: *res = c < 0; break;
    case MOP_LE: *res = c <= 0; break;
    case MOP_GT: *res = c > 0; break;
    case MOP_GE: *res = c >= 0; break;
    case MOP_ARB: *res = strcasecmp(lhs, rhs) == 0; break;
    default:
        *res = false;
        e = err_new(EXIT_USAGE, "marker comparison '%s' %s '%s' (%s) is undefined: '%s' needs "
                    "versions on both sides", lhs, MOP_TEXT[m->op], rhs, VARS[m->var].name,
                    MOP_TEXT[m->op]);
    }
out:
    free(norm);
    return e;
}

static err_t *eval_node(const marker_t *m, const marker_env_t *env, bool *res)
{
    if (m->kind == N_CMP)
        return eval_cmp(m, env, res);
    err_t *e = eval_node(m->l, env, res);
    if (e)
        return e;
    if (m->kind == N_AND ? !*res : *res)
        return NULL;
    return eval_node(m->r, env, res);
}

err_t *marker_eval(const marker_t *m, const marker_env_t *env, bool *result)
{
    *result = false;
    err_t *e = eval_node(m, env, result);
    if (e)
        *result = false;
    return e;
}

err_t *marker_eval_extras(const marker_t *m, const marker_env_t *env, char *const *extras,
                          size_t nextras, bool *result)
{
    marker_env_t copy = *env;
    *result = false;
    if (nextras == 0) {
        copy.extra = "";
        return marker_eval(m, &copy, result);
    }
    for (size_t i = 0; i < nextras; i++) {
        copy.extra = extras[i];
        err_t *e = marker_eval(m, &copy, result);
        if (e || *result)
            return e;
    }
    return NULL;
}

bool marker_uses_extra(const marker_t *m)
{
    if (m->kind == N_CMP)
        return m->var == V_EXTRA;
    return marker_uses_extra(m->l) || marker_uses_extra(m->r);
}

/* ------------------------------------------------------------------------------------------ */
/* Printing                                                                                     */

static void print_node(buf_t *b, const marker_t *m, nkind_t parent)
{
    if (m->kind == N_CMP) {
        char q = strchr(m->lit, '"') ? '\'' : '"';
        if (m->var_left)
            buf_printf(b, "%s %s %c%s%c", VARS[m->var].name, MOP_TEXT[m->op], q, m->lit, q);
        else
            buf_printf(b, "%c%s%c %s %s", q, m->lit, q, MOP_TEXT[m->op], VARS[m->var].name);
        return;
    }
    bool parens = m->kind == N_OR && parent == N_AND;
    if (parens)
        buf_addc(b, '(');
    print_node(b, m->l, m->kind);
    buf_adds(b, m->kind == N_AND ? " and " : " or ");
    /* The tree is left-leaning; a right child of the same kind came from parentheses. */
    if (m->r->kind == m->kind) {
        buf_addc(b, '(');
        print_node(b, m->r, m->kind);
        buf_addc(b, ')');
    } else {
        print_node(b, m->r, m->kind);
    }
    if (parens)
        buf_addc(b, ')');
}

char *marker_str(const marker_t *m)
{
    buf_t b = BUF_INIT;
    print_node(&b, m, N_CMP);
    return buf_detach(&b);
}
