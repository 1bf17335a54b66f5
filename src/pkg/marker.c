/* marker: PEP 508 environment markers (see marker.h). */
#include "pkg/marker.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pkg/name.h"
#include "pkg/version.h"
#include "util/buf.h"
#include "util/xalloc.h"

static const char *const MOP_TEXT[] = {"==", "!=", "<=", ">=", "<", ">", "~=", "===", "in",
                                       "not in"};

#define NVARS MARKER_NVARS

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
    {"extras", offsetof(marker_env_t, extras)},
    {"dependency_groups", offsetof(marker_env_t, dependency_groups)},
};

static bool is_set_var(int var)
{
    return var == MARKER_VAR_EXTRAS || var == MARKER_VAR_DEPENDENCY_GROUPS;
}

/* Variables whose literals are names, normalized on both sides. */
static bool is_name_var(int var)
{
    return var == MARKER_VAR_EXTRA || is_set_var(var);
}

const char *marker_var_name(marker_var_t var)
{
    return (unsigned)var < NVARS ? VARS[var].name : "?";
}

const char *marker_op_text(marker_op_t op)
{
    return (unsigned)op < sizeof MOP_TEXT / sizeof MOP_TEXT[0] ? MOP_TEXT[op] : "?";
}

static const struct {
    const char *alias;
    int var;
} ALIASES[] = {
    {"os.name", MARKER_VAR_OS_NAME},
    {"sys.platform", MARKER_VAR_SYS_PLATFORM},
    {"platform.machine", MARKER_VAR_PLATFORM_MACHINE},
    {"platform.python_implementation", MARKER_VAR_PLATFORM_PYTHON_IMPLEMENTATION},
    {"python_implementation", MARKER_VAR_PLATFORM_PYTHON_IMPLEMENTATION},
    {"platform.version", MARKER_VAR_PLATFORM_VERSION},
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
    bool lock;              /* lock-file marker: sets allowed, `extra` rejected */
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
    if (op == MARKER_OP_IN || op == MARKER_OP_NOTIN || strchr(text, ',') ||
        strchr("=<>!~", text[0]) || !text[0])
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
        for (int v = 0; v < NVARS; v++) {
            if (strlen(VARS[v].name) != n || memcmp(VARS[v].name, p->s + start, n) != 0)
                continue;
            if (is_set_var(v) && !p->lock)
                break;      /* unknown outside lock files */
            if (v == MARKER_VAR_EXTRA && p->lock) {
                fail(p, start, xstrdup("the legacy 'extra' variable is not allowed in lock-file "
                                       "markers (use '\"name\" in extras')"));
                return -2;
            }
            return v;
        }
        for (size_t a = 0; a < sizeof ALIASES / sizeof ALIASES[0]; a++)
            if (strlen(ALIASES[a].alias) == n && memcmp(ALIASES[a].alias, p->s + start, n) == 0)
                return ALIASES[a].var;
        fail(p, start, xasprintf("unknown marker variable '%.*s' (expected one of python_version, "
                                 "python_full_version, os_name, sys_platform, platform_release, "
                                 "platform_system, platform_version, platform_machine, "
                                 "platform_python_implementation, implementation_name, "
                                 "implementation_version, %s)",
                                 (int)n, p->s + start,
                                 p->lock ? "extras, dependency_groups" : "extra"));
        return -2;
    }
    fail(p, p->i, xstrdup("expected a marker variable or quoted string"));
    return -2;
}

static int parse_op(mparser_t *p)
{
    static const int order[] = {MARKER_OP_ARB, MARKER_OP_EQ, MARKER_OP_COMPAT, MARKER_OP_NE,
                                MARKER_OP_LE, MARKER_OP_GE, MARKER_OP_LT, MARKER_OP_GT};
    for (size_t k = 0; k < sizeof order / sizeof order[0]; k++) {
        size_t n = strlen(MOP_TEXT[order[k]]);
        if (p->end - p->i >= n && memcmp(p->s + p->i, MOP_TEXT[order[k]], n) == 0) {
            p->i += n;
            return order[k];
        }
    }
    if (at_keyword(p, "in")) {
        p->i += 2;
        return MARKER_OP_IN;
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
        return MARKER_OP_NOTIN;
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
    if (is_name_var(m->var)) {
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

static bool parse_span(const char *s, size_t start, size_t end, bool lock, marker_t **out,
                       size_t *errpos, char **errmsg)
{
    mparser_t p = {.s = s, .i = start, .end = end, .lock = lock};
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

bool marker_parse_span(const char *s, size_t start, size_t end, marker_t **out, size_t *errpos,
                       char **errmsg)
{
    return parse_span(s, start, end, false, out, errpos, errmsg);
}

static err_t *parse_text(const char *text, bool lock, marker_t **out, size_t *errpos)
{
    size_t pos = 0;
    char *msg = NULL;
    if (parse_span(text, 0, strlen(text), lock, out, &pos, &msg))
        return NULL;
    err_t *e = err_new(EXIT_USAGE, "invalid marker '%s': %s at column %zu", text, msg, pos + 1);
    free(msg);
    if (errpos)
        *errpos = pos;
    return e;
}

err_t *marker_parse(const char *text, marker_t **out, size_t *errpos)
{
    return parse_text(text, false, out, errpos);
}

err_t *marker_parse_lock(const char *text, marker_t **out, size_t *errpos)
{
    return parse_text(text, true, out, errpos);
}

/* ------------------------------------------------------------------------------------------ */
/* Evaluation                                                                                   */

const char *marker_env_get(const marker_env_t *env, marker_var_t var)
{
    return *(const char *const *)((const char *)env + VARS[var].offset);
}

void marker_env_set(marker_env_t *env, marker_var_t var, const char *value)
{
    *(const char **)((char *)env + VARS[var].offset) = value;
}

static const char *env_value(const marker_env_t *env, int var)
{
    const char *v = marker_env_get(env, var);
    return v ? v : "";
}

static const char *const *env_set(const marker_env_t *env, int var)
{
    return var == MARKER_VAR_EXTRAS ? env->extras : env->dependency_groups;
}

/* `"x" in SET` / `"x" not in SET`; every other comparison with a set is false. */
static bool set_cmp(int op, bool var_left, const char *lit, const char *const *set)
{
    if (var_left || (op != MARKER_OP_IN && op != MARKER_OP_NOTIN))
        return false;
    bool in = false;
    for (size_t i = 0; set && set[i] && !in; i++)
        in = pkg_name_eq(set[i], lit);
    return in == (op == MARKER_OP_IN);
}

static err_t *eval_cmp(const marker_t *m, const marker_env_t *env, bool *res)
{
    if (is_set_var(m->var)) {
        *res = set_cmp(m->op, m->var_left, m->lit, env_set(env, m->var));
        return NULL;
    }
    const char *val = env_value(env, m->var);
    char *norm = NULL;
    if (m->var == MARKER_VAR_EXTRA)
        val = norm = pkg_name_normalize(val);
    const char *lhs = m->var_left ? val : m->lit;
    const char *rhs = m->var_left ? m->lit : val;
    err_t *e = NULL;

    if (m->op == MARKER_OP_IN || m->op == MARKER_OP_NOTIN) {
        *res = (strstr(rhs, lhs) != NULL) == (m->op == MARKER_OP_IN);
        goto out;
    }
    if (m->var != MARKER_VAR_EXTRA) {
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
    case MARKER_OP_EQ: *res = c == 0; break;
    case MARKER_OP_NE: *res = c != 0; break;
    case MARKER_OP_LT: *res = c < 0; break;
    case MARKER_OP_LE: *res = c <= 0; break;
    case MARKER_OP_GT: *res = c > 0; break;
    case MARKER_OP_GE: *res = c >= 0; break;
    case MARKER_OP_ARB: *res = strcasecmp(lhs, rhs) == 0; break;
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
        return m->var == MARKER_VAR_EXTRA;
    return marker_uses_extra(m->l) || marker_uses_extra(m->r);
}

bool marker_uses_sets(const marker_t *m)
{
    if (m->kind == N_CMP)
        return is_set_var(m->var);
    return marker_uses_sets(m->l) || marker_uses_sets(m->r);
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

/* ------------------------------------------------------------------------------------------ */
/* Walking                                                                                      */

marker_node_t marker_node(const marker_t *m, const marker_t **l, const marker_t **r,
                          marker_atom_t *atom)
{
    if (l)
        *l = m->kind == N_CMP ? NULL : m->l;
    if (r)
        *r = m->kind == N_CMP ? NULL : m->r;
    if (m->kind != N_CMP)
        return m->kind == N_AND ? MARKER_NODE_AND : MARKER_NODE_OR;
    if (atom)
        *atom = (marker_atom_t){.var = (marker_var_t)m->var, .op = (marker_op_t)m->op,
                                .var_left = m->var_left, .lit = m->lit};
    return MARKER_NODE_ATOM;
}

specset_t *marker_atom_spec(const marker_atom_t *a)
{
    if (!a->var_left || is_name_var(a->var))
        return NULL;
    return make_spec(a->op, a->lit);
}

err_t *marker_atom_eval(const marker_atom_t *a, const marker_env_t *env, bool *result)
{
    marker_t node = {.kind = N_CMP, .var = a->var, .op = a->op, .var_left = a->var_left,
                     .lit = (char *)a->lit, .spec = marker_atom_spec(a)};
    *result = false;
    err_t *e = eval_cmp(&node, env, result);
    if (e)
        *result = false;
    specset_free(node.spec);
    return e;
}

/* ------------------------------------------------------------------------------------------ */
/* Version sets over final releases                                                             */

static bool is_version_var(int var)
{
    return var == MARKER_VAR_PYTHON_VERSION || var == MARKER_VAR_PYTHON_FULL_VERSION ||
           var == MARKER_VAR_IMPLEMENTATION_VERSION;
}

/* The final release made of the first k components of v (padded with zeros), epoch kept. */
static version_t final_prefix(const version_t *v, size_t k)
{
    version_t f = {.epoch = v->epoch, .nrelease = 3, .post = -1, .dev = -1};
    f.release = xcalloc(3, sizeof *f.release);
    for (size_t i = 0; i < k && i < v->nrelease; i++)
        f.release[i] = v->release[i];
    return f;
}

/* The smallest final release with k significant components (then padded to three) that is
 * above b, or equal to it when incl. b may be a sentinel (never equal to a version). */
static version_t final_ceil(const version_t *b, bool incl, size_t k)
{
    version_t t = final_prefix(b, k);
    int c = version_cmp(&t, b);
    if (c < 0 || (c == 0 && !incl))
        t.release[k - 1]++;
    return t;
}

static bool is_zero_final(const version_t *v)
{
    return v->epoch == 0 && v->release[0] == 0 && v->release[1] == 0 && v->release[2] == 0;
}

/* The final releases of r, each standing for the k-component prefix class it heads: k = 3 maps
 * a set of versions to the three-component finals in it; k = 2 maps a set of minors X.Y to
 * the full versions [X.Y.0, X.(Y+1).0) of the minors in it. */
static vrange_t to_finals(const vrange_t *r, size_t k)
{
    vrange_t out = vrange_empty();
    for (size_t i = 0; i < vrange_count(r); i++) {
        vbound_t lo, hi;
        vrange_interval(r, i, &lo, &hi);
        version_t l = {0}, u = {0};
        bool hasl = lo.v != NULL, hasu = hi.v != NULL;
        if (hasl) {
            l = final_ceil(lo.v, lo.inclusive, k);
            if (is_zero_final(&l)) {
                hasl = false;
                version_free(&l);
            }
        }
        if (hasu)
            u = final_ceil(hi.v, !hi.inclusive, k);
        bool empty = hasu && (is_zero_final(&u) || (hasl && version_cmp(&l, &u) >= 0));
        if (!empty) {
            vrange_t piece = vrange_between(hasl ? &l : NULL, true, hasu ? &u : NULL, false);
            vrange_t un = vrange_union(&out, &piece);
            vrange_free(&piece);
            vrange_free(&out);
            out = un;
        }
        version_free(&l);
        version_free(&u);
    }
    return out;
}

/* The k-component versions whose canonical text occurs in s (`VAR in "2.7 3.4"`), as finals. */
static vrange_t versions_in_text(const char *s, size_t k)
{
    vrange_t out = vrange_empty();
    size_t n = strlen(s);
    for (size_t i = 0; i < n; i++) {
        for (size_t j = i + 1; j <= n; j++) {
            /* s[i..j) must be k dot-separated numbers without leading zeros */
            long part[3] = {0};
            size_t np = 0, digits = 0;
            bool ok = true;
            for (size_t p = i; p < j && ok; p++) {
                char c = s[p];
                if (c == '.') {
                    ok = digits > 0 && ++np < k;
                    digits = 0;
                } else if (c >= '0' && c <= '9') {
                    ok = digits < 9 && !(digits == 1 && part[np] == 0);
                    part[np] = part[np] * 10 + (c - '0');
                    digits++;
                } else {
                    ok = false;
                }
            }
            if (!ok || digits == 0 || np + 1 != k)
                continue;
            version_t lo = {.nrelease = 3, .post = -1, .dev = -1};
            lo.release = xcalloc(3, sizeof *lo.release);
            memcpy(lo.release, part, sizeof part);
            version_t hi = final_prefix(&lo, 3);
            hi.release[k - 1]++;
            vrange_t piece = vrange_between(&lo, true, &hi, false);
            vrange_t un = vrange_union(&out, &piece);
            vrange_free(&piece);
            vrange_free(&out);
            out = un;
            version_free(&lo);
            version_free(&hi);
        }
    }
    return out;
}

bool marker_atom_versions(const marker_atom_t *a, vrange_t *out)
{
    *out = vrange_empty();
    if (!is_version_var(a->var))
        return false;
    size_t k = a->var == MARKER_VAR_PYTHON_VERSION ? 2 : 3;
    if (a->op == MARKER_OP_IN || a->op == MARKER_OP_NOTIN) {
        if (!a->var_left)
            return false;
        vrange_t in = versions_in_text(a->lit, k);
        if (a->op == MARKER_OP_IN) {
            *out = in;
        } else {
            *out = vrange_complement(&in);
            vrange_free(&in);
        }
        return true;
    }
    if (a->op == MARKER_OP_ARB)
        return false;
    specset_t *spec = NULL;
    if (a->var_left) {
        spec = marker_atom_spec(a);
    } else {
        /* "L" op VAR, L a final release: Spec(op VAR) contains L exactly when VAR is in
         * Spec(flipped op L), for every final VAR. */
        static const int flip[] = {[MARKER_OP_EQ] = MARKER_OP_EQ, [MARKER_OP_NE] = MARKER_OP_NE,
                                   [MARKER_OP_LE] = MARKER_OP_GE, [MARKER_OP_GE] = MARKER_OP_LE,
                                   [MARKER_OP_LT] = MARKER_OP_GT, [MARKER_OP_GT] = MARKER_OP_LT};
        version_t v;
        bool final = version_parse(a->lit, &v) && !v.pre_kind && v.post < 0 && v.dev < 0 &&
                     !v.local;
        version_free(&v);
        if (!final || a->op > MARKER_OP_GT)
            return false;
        spec = make_spec(flip[a->op], a->lit);
    }
    if (!spec)
        return false;
    vrange_t r = vrange_from_specifier(spec, 0);
    specset_free(spec);
    *out = to_finals(&r, k);
    vrange_free(&r);
    return true;
}

/* ------------------------------------------------------------------------------------------ */
/* Regions                                                                                      */

bool marker_region_python(const marker_region_t *region, vrange_t *out, char **why)
{
    *out = vrange_empty();
    version_t lo = {0}, hi = {0};
    const char *bad = NULL;
    if (region->python_lo[0] && !version_parse(region->python_lo, &lo))
        bad = region->python_lo;
    else if (region->python_hi[0] && !version_parse(region->python_hi, &hi))
        bad = region->python_hi;
    if (bad) {
        version_free(&lo);
        *why = xasprintf("'%s' is not a version", bad);
        return false;
    }
    vrange_t r = vrange_between(region->python_lo[0] ? &lo : NULL, true,
                                region->python_hi[0] ? &hi : NULL, false);
    *out = to_finals(&r, 3);
    vrange_free(&r);
    version_free(&lo);
    version_free(&hi);
    if (vrange_is_empty(out)) {
        *why = xasprintf("[%s, %s) holds no release", region->python_lo, region->python_hi);
        return false;
    }
    return true;
}

/* python_version's value ("3.11") when every version of the region has the same minor. */
static bool region_minor(const vrange_t *py, char *out, size_t n)
{
    if (vrange_count(py) != 1)
        return false;
    vbound_t lo, hi;
    vrange_interval(py, 0, &lo, &hi);
    if (!lo.v || !hi.v || lo.v->epoch != 0)
        return false;
    version_t next = final_prefix(lo.v, 2);
    next.release[1]++;
    bool one = version_cmp(hi.v, &next) <= 0;
    version_free(&next);
    if (one)
        snprintf(out, n, "%ld.%ld", lo.v->release[0], lo.v->release[1]);
    return one;
}

bool marker_region_python_version(const marker_region_t *region, char *out, size_t n)
{
    vrange_t py;
    char *why = NULL;
    if (!marker_region_python(region, &py, &why)) {
        free(why);
        return false;
    }
    bool r = region_minor(&py, out, n);
    vrange_free(&py);
    return r;
}

typedef struct rstate {
    const marker_region_t *region;
    vrange_t py;            /* the Python range */
    bool impl_known;        /* implementation_version follows it */
    bool minor_known;
    char minor[48];
} rstate_t;

static marker_tri_t tri_of_sets(const vrange_t *known, const vrange_t *atom)
{
    if (vrange_subset(known, atom))
        return MARKER_TRUE;
    return vrange_disjoint(known, atom) ? MARKER_FALSE : MARKER_MAYBE;
}

static err_t *eval_region_cmp(const marker_t *m, const rstate_t *st, marker_tri_t *res)
{
    const marker_env_t *env = &st->region->env;
    marker_atom_t a;
    marker_node(m, NULL, NULL, &a);
    *res = MARKER_MAYBE;
    if (is_set_var(m->var)) {
        const char *const *set = env_set(env, m->var);
        if (m->var_left || (m->op != MARKER_OP_IN && m->op != MARKER_OP_NOTIN))
            *res = MARKER_FALSE;        /* always false, whatever the set */
        else if (set)
            *res = set_cmp(m->op, m->var_left, m->lit, set) ? MARKER_TRUE : MARKER_FALSE;
        return NULL;
    }
    if (is_version_var(m->var)) {
        vrange_t set;
        if (marker_atom_versions(&a, &set)) {
            bool py = m->var != MARKER_VAR_IMPLEMENTATION_VERSION;
            if (py || st->impl_known)
                *res = tri_of_sets(&st->py, &set);
            else if (vrange_is_full(&set) || vrange_is_empty(&set))
                *res = vrange_is_full(&set) ? MARKER_TRUE : MARKER_FALSE;
            vrange_free(&set);
            return NULL;
        }
        if (m->var != MARKER_VAR_PYTHON_VERSION || !st->minor_known)
            return NULL;        /* compared as strings against an unknown value */
        marker_env_t one = {.python_version = st->minor};
        bool r;
        err_t *e = eval_cmp(m, &one, &r);
        *res = r ? MARKER_TRUE : MARKER_FALSE;
        return e;
    }
    if (!marker_env_get(env, m->var)) {
        if ((m->op == MARKER_OP_IN || m->op == MARKER_OP_NOTIN) && !m->var_left && !m->lit[0])
            *res = m->op == MARKER_OP_IN ? MARKER_TRUE : MARKER_FALSE;   /* "" in VAR */
        return NULL;
    }
    bool r;
    err_t *e = eval_cmp(m, env, &r);
    *res = r ? MARKER_TRUE : MARKER_FALSE;
    return e;
}

static err_t *eval_region_node(const marker_t *m, const rstate_t *st, marker_tri_t *res)
{
    if (m->kind == N_CMP)
        return eval_region_cmp(m, st, res);
    marker_tri_t l, r;
    err_t *e = eval_region_node(m->l, st, &l);
    if (e)
        return e;
    marker_tri_t stop = m->kind == N_AND ? MARKER_FALSE : MARKER_TRUE;
    if (l == stop) {
        *res = l;
        return NULL;
    }
    if ((e = eval_region_node(m->r, st, &r)))
        return e;
    if (r == stop)
        *res = r;
    else
        *res = l == MARKER_MAYBE || r == MARKER_MAYBE ? MARKER_MAYBE : l;
    return NULL;
}

err_t *marker_eval_region(const marker_t *m, const marker_region_t *region,
                          marker_tri_t *result)
{
    *result = MARKER_MAYBE;
    rstate_t st = {.region = region};
    char *why = NULL;
    if (!marker_region_python(region, &st.py, &why)) {
        err_t *e = err_new(EXIT_USAGE, "invalid Python range in a marker region: %s", why);
        free(why);
        return e;
    }
    st.impl_known = region->env.implementation_name &&
                    strcmp(region->env.implementation_name, "cpython") == 0;
    st.minor_known = region_minor(&st.py, st.minor, sizeof st.minor);
    err_t *e = eval_region_node(m, &st, result);
    if (e)
        *result = MARKER_MAYBE;
    vrange_free(&st.py);
    return e;
}

const char *marker_os_name(marker_os_t os)
{
    static const char *const names[] = {"linux", "macos", "windows"};
    return (unsigned)os < 3 ? names[os] : "?";
}

const char *marker_arch_name(marker_arch_t arch)
{
    static const char *const names[] = {"x86_64", "arm64"};
    return (unsigned)arch < 2 ? names[arch] : "?";
}

void marker_region_target(marker_os_t os, marker_arch_t arch, int major, int minor,
                          marker_region_t *out)
{
    static const struct {
        const char *os_name, *sys_platform, *system, *machine[2];
    } T[] = {
        [MARKER_OS_LINUX] = {"posix", "linux", "Linux", {"x86_64", "aarch64"}},
        [MARKER_OS_MACOS] = {"posix", "darwin", "Darwin", {"x86_64", "arm64"}},
        [MARKER_OS_WINDOWS] = {"nt", "win32", "Windows", {"AMD64", "ARM64"}},
    };
    *out = (marker_region_t){0};
    out->env.os_name = T[os].os_name;
    out->env.sys_platform = T[os].sys_platform;
    out->env.platform_system = T[os].system;
    out->env.platform_machine = T[os].machine[arch];
    out->env.platform_python_implementation = "CPython";
    out->env.implementation_name = "cpython";
    snprintf(out->python_lo, sizeof out->python_lo, "%d.%d", major, minor);
    snprintf(out->python_hi, sizeof out->python_hi, "%d.%d", major, minor + 1);
}
