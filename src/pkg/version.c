/*
 * version: PEP 440 versions and specifiers (see version.h for the contract).
 *
 * The parser is a hand-written equivalent of pypa/packaging's VERSION_PATTERN (case-insensitive,
 * optional separators, implicit numbers). Numbers that do not fit a long are rejected rather
 * than wrapped. Specifier semantics follow packaging's Specifier/SpecifierSet (24.x).
 */
#include "pkg/version.h"

#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/buf.h"
#include "util/xalloc.h"

/* ------------------------------------------------------------------------------------------ */
/* Parsing                                                                                      */

static bool is_sep(char c)
{
    return c == '.' || c == '-' || c == '_';
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Reads decimal digits at s[*i..n). Returns 0 when there are none, 1 on success, -1 when the
 * number does not fit a long (the caller rejects the whole version). */
static int read_num(const char *s, size_t n, size_t *i, long *out)
{
    size_t j = *i;
    long v = 0;
    if (j >= n || !is_digit(s[j]))
        return 0;
    for (; j < n && is_digit(s[j]); j++) {
        int d = s[j] - '0';
        if (v > LONG_MAX / 10 || (v == LONG_MAX / 10 && d > LONG_MAX % 10))
            return -1; /* v * 10 + d would not fit (no division per digit) */
        v = v * 10 + d;
    }
    *i = j;
    *out = v;
    return 1;
}

/* Length of word w when s[i..n) starts with it case-insensitively, else 0. */
static size_t match_word(const char *s, size_t n, size_t i, const char *w)
{
    size_t len = strlen(w);
    if (n - i < len)
        return 0;
    for (size_t k = 0; k < len; k++)
        if (tolower((unsigned char)s[i + k]) != w[k])
            return 0;
    return len;
}

/* "[sep] label [sep] [digits]" with the first matching label of `labels` (longest spellings
 * listed first, as the regex alternation does). On a match advances *i, stores the label's
 * index and the number (0 when implicit). Returns -1 on numeric overflow. */
static int read_labelled(const char *s, size_t n, size_t *i, const char *const *labels,
                         int *which, long *num)
{
    size_t j = *i;
    if (j < n && is_sep(s[j]))
        j++;
    if (j >= n || !((s[j] >= 'a' && s[j] <= 'z') || (s[j] >= 'A' && s[j] <= 'Z')))
        return 0; /* every label starts with a letter */
    size_t len = 0;
    int k;
    for (k = 0; labels[k]; k++)
        if ((len = match_word(s, n, j, labels[k])) != 0)
            break;
    if (!labels[k])
        return 0;
    j += len;
    if (j < n && is_sep(s[j]))
        j++;
    *num = 0;
    int r = read_num(s, n, &j, num);
    if (r < 0)
        return -1;
    *which = k;
    *i = j;
    return 1;
}

static bool is_alnum_lower(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Local label after '+': [a-z0-9]+([-_.][a-z0-9]+)*, normalised to lowercase, '.'-separated,
 * numeric segments without leading zeros (packaging stores them as ints). */
static char *parse_local(const char *s, size_t n)
{
    buf_t b = BUF_INIT;
    size_t i = 0;
    if (n == 0)
        return NULL;
    for (;;) {
        size_t start = i;
        bool numeric = true;
        while (i < n && is_alnum_lower(s[i])) {
            if (!is_digit(s[i]))
                numeric = false;
            i++;
        }
        if (i == start) {
            buf_free(&b);
            return NULL;
        }
        if (b.len)
            buf_addc(&b, '.');
        if (numeric) {
            while (start + 1 < i && s[start] == '0')
                start++;
            buf_add(&b, s + start, i - start);
        } else {
            for (size_t k = start; k < i; k++)
                buf_addc(&b, (char)tolower((unsigned char)s[k]));
        }
        if (i == n)
            break;
        if (!is_sep(s[i])) {
            buf_free(&b);
            return NULL;
        }
        i++;
    }
    return buf_detach(&b);
}

static const char *const PRE_LABELS[] = {"alpha", "a", "beta", "b", "preview", "pre", "c", "rc",
                                         NULL};
static const char PRE_KINDS[] = {'a', 'a', 'b', 'b', 'r', 'r', 'r', 'r'};
static const char *const POST_LABELS[] = {"post", "rev", "r", NULL};
static const char *const DEV_LABELS[] = {"dev", NULL};

/* Parses exactly s[0..n) (no surrounding whitespace). */
static bool parse_exact(const char *s, size_t n, version_t *out)
{
    version_t v = {0};
    size_t cap = 0, i = 0;
    long num;
    int which;

    v.post = -1;
    v.dev = -1;
    if (i < n && (s[i] == 'v' || s[i] == 'V'))
        i++;
    if (read_num(s, n, &i, &num) != 1)
        goto fail;
    if (i < n && s[i] == '!') {
        v.epoch = num;
        i++;
        if (read_num(s, n, &i, &num) != 1)
            goto fail;
    }
    XGROW(v.release, cap, 1);
    v.release[v.nrelease++] = num;
    while (i + 1 < n && s[i] == '.' && is_digit(s[i + 1])) {
        i++;
        if (read_num(s, n, &i, &num) != 1)
            goto fail;
        XGROW(v.release, cap, v.nrelease + 1);
        v.release[v.nrelease++] = num;
    }

    int r = read_labelled(s, n, &i, PRE_LABELS, &which, &num);
    if (r < 0)
        goto fail;
    if (r > 0) {
        v.pre_kind = PRE_KINDS[which];
        v.pre = num;
    }

    if (i + 1 < n && s[i] == '-' && is_digit(s[i + 1])) {
        i++;
        if (read_num(s, n, &i, &num) != 1)
            goto fail;
        v.post = num;
    } else {
        r = read_labelled(s, n, &i, POST_LABELS, &which, &num);
        if (r < 0)
            goto fail;
        if (r > 0)
            v.post = num;
    }

    r = read_labelled(s, n, &i, DEV_LABELS, &which, &num);
    if (r < 0)
        goto fail;
    if (r > 0)
        v.dev = num;

    if (i < n && s[i] == '+') {
        v.local = parse_local(s + i + 1, n - i - 1);
        if (!v.local)
            goto fail;
        i = n;
    }
    if (i != n)
        goto fail;
    *out = v;
    return true;
fail:
    version_free(&v);
    memset(out, 0, sizeof *out);
    return false;
}

bool version_parse(const char *s, version_t *out)
{
    if (!s) {
        memset(out, 0, sizeof *out);
        return false;
    }
    size_t n = strlen(s);
    while (n && is_space(s[n - 1]))
        n--;
    while (n && is_space(*s)) {
        s++;
        n--;
    }
    return parse_exact(s, n, out);
}

void version_free(version_t *v)
{
    if (!v)
        return;
    free(v->release);
    free(v->local);
    memset(v, 0, sizeof *v);
}

/* ------------------------------------------------------------------------------------------ */
/* Ordering                                                                                     */

static int cmp_long(long a, long b)
{
    return (a > b) - (a < b);
}

static int cmp_release(const version_t *a, const version_t *b)
{
    size_t n = a->nrelease > b->nrelease ? a->nrelease : b->nrelease;
    for (size_t i = 0; i < n; i++) {
        long x = i < a->nrelease ? a->release[i] : 0;
        long y = i < b->nrelease ? b->release[i] : 0;
        if (x != y)
            return cmp_long(x, y);
    }
    return 0;
}

/* epoch and release only (packaging's base_version equality). */
static int cmp_base(const version_t *a, const version_t *b)
{
    int c = cmp_long(a->epoch, b->epoch);
    return c ? c : cmp_release(a, b);
}

static int pre_order(char kind)
{
    return kind == 'a' ? 0 : kind == 'b' ? 1 : 2;
}

/* Compares two local labels segment by segment: numbers beat words, numbers compare by value,
 * words by (already lowercased) bytes, a longer label with an equal prefix is greater. */
static int cmp_local(const char *a, const char *b)
{
    if (!a || !b)
        return (a != NULL) - (b != NULL);
    while (*a && *b) {
        size_t la = strcspn(a, "."), lb = strcspn(b, ".");
        bool na = strspn(a, "0123456789") == la, nb = strspn(b, "0123456789") == lb;
        int c;
        if (na && nb) {
            /* No leading zeros after normalisation: longer is bigger. */
            c = la != lb ? (la > lb ? 1 : -1) : memcmp(a, b, la);
        } else if (na != nb) {
            c = na ? 1 : -1;
        } else {
            size_t m = la < lb ? la : lb;
            c = memcmp(a, b, m);
            if (!c)
                c = la != lb ? (la > lb ? 1 : -1) : 0;
        }
        if (c)
            return c > 0 ? 1 : -1;
        a += la;
        b += lb;
        if (*a == '.')
            a++;
        if (*b == '.')
            b++;
    }
    return (*a != '\0') - (*b != '\0');
}

/* Everything but the local label. */
static int cmp_public(const version_t *a, const version_t *b)
{
    int c = cmp_base(a, b);
    if (c)
        return c;
    /* pre: -inf for dev-only versions, +inf when absent. */
    int ca = a->pre_kind ? 1 : (a->post < 0 && a->dev >= 0) ? 0 : 2;
    int cb = b->pre_kind ? 1 : (b->post < 0 && b->dev >= 0) ? 0 : 2;
    if (ca != cb)
        return cmp_long(ca, cb);
    if (ca == 1) {
        if ((c = cmp_long(pre_order(a->pre_kind), pre_order(b->pre_kind))))
            return c;
        if ((c = cmp_long(a->pre, b->pre)))
            return c;
    }
    /* post: -inf when absent (-1 sorts below every real number). */
    if ((c = cmp_long(a->post, b->post)))
        return c;
    /* dev: +inf when absent. */
    if ((a->dev < 0) != (b->dev < 0))
        return a->dev < 0 ? 1 : -1;
    return cmp_long(a->dev, b->dev);
}

/* The (pre-release class, kind, number) part of the sort key: dev-only releases (0) sort below
 * pre-releases (1), which sort below everything else (2). */
static int cmp_prekey(const version_t *a, const version_t *b)
{
    int ca = a->pre_kind ? 1 : (a->post < 0 && a->dev >= 0) ? 0 : 2;
    int cb = b->pre_kind ? 1 : (b->post < 0 && b->dev >= 0) ? 0 : 2;
    if (ca != cb)
        return cmp_long(ca, cb);
    if (ca != 1)
        return 0;
    int c = cmp_long(pre_order(a->pre_kind), pre_order(b->pre_kind));
    return c ? c : cmp_long(a->pre, b->pre);
}

/* Ordering when at least one side is a sentinel (see version.h). */
static int cmp_sentinel(const version_t *a, const version_t *b)
{
    int c = cmp_base(a, b);
    if (c)
        return c;
    bool amin = a->sentinel == VERSION_MIN, bmin = b->sentinel == VERSION_MIN;
    if (amin || bmin)
        return (int)bmin - (int)amin;
    bool amax = a->sentinel == VERSION_MAX, bmax = b->sentinel == VERSION_MAX;
    if (amax && bmax)
        return cmp_prekey(a, b);
    if (amax || bmax) {
        /* V.MAX is above every version whose pre-release key is V's or lower. */
        const version_t *m = amax ? a : b, *o = amax ? b : a;
        int r = cmp_prekey(m, o) >= 0 ? 1 : -1;
        return amax ? r : -r;
    }
    /* LOCAL_MAX: same public version as V, above all of V's local labels. */
    if ((c = cmp_public(a, b)))
        return c;
    return (int)(a->sentinel == VERSION_LOCAL_MAX) - (int)(b->sentinel == VERSION_LOCAL_MAX);
}

int version_cmp(const version_t *a, const version_t *b)
{
    if (a->sentinel || b->sentinel)
        return cmp_sentinel(a, b);
    int c = cmp_public(a, b);
    return c ? c : cmp_local(a->local, b->local);
}

char *version_str(const version_t *v)
{
    buf_t b = BUF_INIT;
    if (v->epoch)
        buf_printf(&b, "%ld!", v->epoch);
    for (size_t i = 0; i < v->nrelease; i++)
        buf_printf(&b, i ? ".%ld" : "%ld", v->release[i]);
    if (v->sentinel == VERSION_MIN) {
        buf_adds(&b, ".MIN");
        return buf_detach(&b);
    }
    if (v->pre_kind)
        buf_printf(&b, "%s%ld", v->pre_kind == 'a' ? "a" : v->pre_kind == 'b' ? "b" : "rc", v->pre);
    if (v->post >= 0)
        buf_printf(&b, ".post%ld", v->post);
    if (v->dev >= 0)
        buf_printf(&b, ".dev%ld", v->dev);
    if (v->sentinel == VERSION_MAX)
        buf_adds(&b, ".MAX");
    else if (v->sentinel == VERSION_LOCAL_MAX)
        buf_adds(&b, "+localMAX");
    else if (v->local)
        buf_printf(&b, "+%s", v->local);
    return buf_detach(&b);
}

bool version_is_prerelease(const version_t *v)
{
    return v->pre_kind != 0 || v->dev >= 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Specifiers                                                                                   */

typedef enum { OP_EQ, OP_NE, OP_LE, OP_GE, OP_LT, OP_GT, OP_COMPAT, OP_ARB } op_t;

static const char *const OP_TEXT[] = {"==", "!=", "<=", ">=", "<", ">", "~=", "==="};

typedef struct spec {
    op_t op;
    bool wildcard;      /* ==X.* / !=X.*: v holds the release prefix */
    bool names_pre;     /* the specifier names a pre-release (packaging's Specifier.prereleases) */
    char *text;         /* version text as written, trimmed */
    version_t v;        /* parsed version (zeroed for ===) */
} spec_t;

struct specset {
    size_t n;
    spec_t *items;
};

static void spec_clear(spec_t *sp)
{
    free(sp->text);
    version_free(&sp->v);
}

/* Parses one specifier s[0..n) (already trimmed, non-empty). On failure returns a malloc'd
 * reason. */
static char *spec_parse(const char *s, size_t n, spec_t *out)
{
    static const struct { const char *text; op_t op; } ops[] = {
        {"===", OP_ARB}, {"==", OP_EQ}, {"!=", OP_NE}, {"<=", OP_LE}, {">=", OP_GE},
        {"~=", OP_COMPAT}, {"<", OP_LT}, {">", OP_GT},
    };
    memset(out, 0, sizeof *out);
    out->v.post = out->v.dev = -1;
    size_t i = 0, k;
    for (k = 0; k < sizeof ops / sizeof ops[0]; k++) {
        size_t l = strlen(ops[k].text);
        if (n >= l && memcmp(s, ops[k].text, l) == 0) {
            i = l;
            break;
        }
    }
    if (k == sizeof ops / sizeof ops[0])
        return xstrdup("expected an operator (==, !=, <=, >=, <, >, ~=, ===) before the version");
    out->op = ops[k].op;
    while (i < n && is_space(s[i]))
        i++;
    const char *vt = s + i;
    size_t vn = n - i;
    if (vn == 0)
        return xasprintf("expected a version after '%s'", OP_TEXT[out->op]);
    out->text = xstrndup(vt, vn);

    if (out->op == OP_ARB) {
        for (size_t j = 0; j < vn; j++)
            if (is_space(vt[j]) || vt[j] == ';' || vt[j] == ')' || vt[j] == ',')
                return xstrdup("'===' takes a version without spaces");
        version_t pv;
        if (version_parse(out->text, &pv)) {
            out->names_pre = version_is_prerelease(&pv);
            version_free(&pv);
        }
        return NULL;
    }

    bool wild = (out->op == OP_EQ || out->op == OP_NE) && vn >= 2 && vt[vn - 2] == '.' &&
                vt[vn - 1] == '*';
    if (!wild && vn >= 2 && vt[vn - 2] == '.' && vt[vn - 1] == '*')
        return xasprintf("a '.*' suffix is only allowed with == and !=");
    if (!parse_exact(vt, wild ? vn - 2 : vn, &out->v))
        return xasprintf("'%s' is not a valid version", out->text);
    if (wild) {
        out->wildcard = true;
        if (out->v.pre_kind || out->v.post >= 0 || out->v.dev >= 0 || out->v.local)
            return xasprintf("'.*' may only follow a release number like 1.2, not '%s'",
                             out->text);
    }
    if (out->v.local && out->op != OP_EQ && out->op != OP_NE)
        return xasprintf("a local version label ('+%s') is only allowed with == and !=",
                         out->v.local);
    if (out->op == OP_COMPAT && out->v.nrelease < 2)
        return xasprintf("'~=' needs at least two release numbers (like ~=%s.0)", out->text);
    /* Only the inclusive operators name a pre-release (packaging: ==, >=, <=, ~=, ===). */
    out->names_pre = (out->op == OP_EQ || out->op == OP_LE || out->op == OP_GE ||
                      out->op == OP_COMPAT) &&
                     !out->wildcard && version_is_prerelease(&out->v);
    return NULL;
}

bool specset_parse(const char *s, specset_t **out, char **why)
{
    specset_t *set = xcalloc(1, sizeof *set);
    size_t cap = 0;
    const char *p = s ? s : "";
    *out = NULL;
    if (why)
        *why = NULL;
    for (;;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *a = p, *b = p + len;
        while (a < b && is_space(*a))
            a++;
        while (b > a && is_space(b[-1]))
            b--;
        if (b > a) {
            spec_t sp;
            char *reason = spec_parse(a, (size_t)(b - a), &sp);
            if (reason) {
                if (why)
                    *why = xasprintf("invalid specifier '%.*s': %s", (int)(b - a), a, reason);
                free(reason);
                spec_clear(&sp);
                specset_free(set);
                return false;
            }
            if (!set->items) {
                /* one item at most per ','-separated part: allocated once, to size */
                cap = 1;
                for (const char *q = a; *q; q++)
                    cap += *q == ',';
                set->items = xmalloc(cap * sizeof *set->items);
            }
            set->items[set->n++] = sp;
        }
        /* Empty items (">=1,,<2", a trailing comma) are skipped, as packaging does. */
        if (!end)
            break;
        p = end + 1;
    }
    *out = set;
    return true;
}

/* ==X.* : epoch equal and the (zero-padded) release starts with the prefix. */
static bool prefix_match(const version_t *cand, const version_t *prefix)
{
    if (cand->epoch != prefix->epoch)
        return false;
    for (size_t i = 0; i < prefix->nrelease; i++) {
        long x = i < cand->nrelease ? cand->release[i] : 0;
        if (x != prefix->release[i])
            return false;
    }
    return true;
}

static bool spec_eq(const spec_t *sp, const version_t *v)
{
    if (sp->wildcard)
        return prefix_match(v, &sp->v);
    if (!sp->v.local)
        return cmp_public(v, &sp->v) == 0;
    return version_cmp(v, &sp->v) == 0;
}

static bool spec_match(const spec_t *sp, const version_t *v)
{
    switch (sp->op) {
    case OP_EQ:
        return spec_eq(sp, v);
    case OP_NE:
        return !spec_eq(sp, v);
    case OP_LE:
        return cmp_public(v, &sp->v) <= 0;
    case OP_GE:
        return cmp_public(v, &sp->v) >= 0;
    case OP_LT:
        if (version_cmp(v, &sp->v) >= 0)
            return false;
        /* <V excludes pre-releases of V itself unless V is one. */
        if (!version_is_prerelease(&sp->v) && version_is_prerelease(v) && cmp_base(v, &sp->v) == 0)
            return false;
        return true;
    case OP_GT:
        if (version_cmp(v, &sp->v) <= 0)
            return false;
        /* >V excludes post-releases of V unless V is one, and local versions of V. */
        if (sp->v.post < 0 && v->post >= 0 && cmp_base(v, &sp->v) == 0)
            return false;
        if (v->local && cmp_base(v, &sp->v) == 0)
            return false;
        return true;
    case OP_COMPAT: {
        if (cmp_public(v, &sp->v) < 0)
            return false;
        version_t prefix = sp->v;
        prefix.nrelease = sp->v.nrelease - 1;
        return prefix_match(v, &prefix);
    }
    case OP_ARB: {
        char *t = version_str(v);
        bool eq = strcasecmp(t, sp->text) == 0;
        free(t);
        return eq;
    }
    }
    return false;
}

bool specset_contains(const specset_t *s, const version_t *v, bool allow_pre)
{
    if (version_is_prerelease(v) && !allow_pre) {
        bool named = false;
        for (size_t i = 0; i < s->n && !named; i++)
            named = s->items[i].names_pre;
        if (!named)
            return false;
    }
    for (size_t i = 0; i < s->n; i++)
        if (!spec_match(&s->items[i], v))
            return false;
    return true;
}

bool specset_contains_str(const specset_t *s, const char *version, bool allow_pre)
{
    version_t v;
    if (!version_parse(version, &v))
        return false;
    bool r = specset_contains(s, &v, allow_pre);
    version_free(&v);
    return r;
}

size_t specset_count(const specset_t *s)
{
    return s ? s->n : 0;
}

void specset_item(const specset_t *s, size_t i, const char **op, const char **ver)
{
    if (op)
        *op = OP_TEXT[s->items[i].op];
    if (ver)
        *ver = s->items[i].text;
}

void specset_free(specset_t *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++)
        spec_clear(&s->items[i]);
    free(s->items);
    free(s);
}
