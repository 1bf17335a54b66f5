/* name: project names (see name.h). */
#include "pkg/name.h"

#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/xalloc.h"

static bool is_alnum(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_namesep(char c)
{
    return c == '-' || c == '_' || c == '.';
}

static char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

bool pkg_name_valid_n(const char *s, size_t n)
{
    if (!s || n == 0 || !is_alnum(s[0]) || !is_alnum(s[n - 1]))
        return false;
    for (size_t i = 1; i + 1 < n; i++)
        if (!is_alnum(s[i]) && !is_namesep(s[i]))
            return false;
    return true;
}

bool pkg_name_valid(const char *s)
{
    return s && pkg_name_valid_n(s, strlen(s));
}

static size_t normalize_into(const char *s, size_t n, char sep, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (is_namesep(s[i])) {
            while (i + 1 < n && is_namesep(s[i + 1]))
                i++;
            out[o++] = sep;
        } else {
            out[o++] = lower(s[i]);
        }
    }
    out[o] = '\0';
    return o;
}

static char *normalize(const char *s, size_t n, char sep)
{
    char *out = xmalloc(n + 1);
    normalize_into(s, n, sep, out);
    return out;
}

size_t pkg_name_normalize_into(const char *s, size_t n, char *out)
{
    return normalize_into(s, n, '-', out);
}

char *pkg_name_normalize_n(const char *s, size_t n)
{
    return normalize(s, n, '-');
}

char *pkg_name_normalize(const char *s)
{
    return normalize(s, strlen(s), '-');
}

char *pkg_name_escape(const char *s)
{
    return normalize(s, strlen(s), '_');
}

/* Next normalized character of s[*i..n), or 0 at the end. */
static char next_norm(const char *s, size_t n, size_t *i)
{
    if (*i >= n)
        return 0;
    char c = s[(*i)++];
    if (!is_namesep(c))
        return lower(c);
    while (*i < n && is_namesep(s[*i]))
        (*i)++;
    return '-';
}

bool pkg_name_eq_n(const char *a, size_t na, const char *b, size_t nb)
{
    size_t i = 0, j = 0;
    for (;;) {
        char x = next_norm(a, na, &i), y = next_norm(b, nb, &j);
        if (x != y)
            return false;
        if (!x)
            return true;
    }
}

bool pkg_name_eq(const char *a, const char *b)
{
    return pkg_name_eq_n(a, strlen(a), b, strlen(b));
}

char *pkg_dist_info_dir(const char *name, const char *version)
{
    char *esc = pkg_name_escape(name);
    buf_t b = BUF_INIT;
    buf_adds(&b, esc);
    buf_addc(&b, '-');
    buf_add_replaced(&b, version, "-", "_");
    buf_adds(&b, ".dist-info");
    free(esc);
    return buf_detach(&b);
}

bool pkg_name_is_normalized(const char *s)
{
    if (!s || !*s)
        return false;
    char prev = '-';
    for (const char *p = s; *p; p++) {
        bool alnum = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9');
        if (!alnum && (*p != '-' || prev == '-'))
            return false;
        prev = *p;
    }
    return prev != '-';
}
