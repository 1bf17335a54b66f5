/* strv: string vectors and string predicates (see strv.h). */
#include "util/strv.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/xalloc.h"

void strv_push(char ***v, size_t *n, size_t *cap, char *owned)
{
    size_t count = n ? *n : strv_len(*v);
    if (cap) {
        XGROW(*v, *cap, count + 2);
    } else {
        *v = xrealloc(*v, (count + 2) * sizeof(**v));
    }
    (*v)[count] = owned;
    (*v)[count + 1] = NULL;
    if (n)
        *n = count + 1;
}

bool strv_push_unique(char ***v, size_t *n, size_t *cap, const char *s)
{
    if (strv_has(*v, s))
        return false;
    strv_push(v, n, cap, xstrdup(s));
    return true;
}

bool strv_has(char *const *v, const char *s)
{
    for (size_t i = 0; v && v[i]; i++)
        if (strcmp(v[i], s) == 0)
            return true;
    return false;
}

char **strv_dup(char *const *v)
{
    if (!v)
        return NULL;
    size_t n = strv_len(v);
    char **r = xcalloc(n + 1, sizeof(*r));
    for (size_t i = 0; i < n; i++)
        r[i] = xstrdup(v[i]);
    return r;
}

size_t strv_len(char *const *v)
{
    size_t n = 0;
    while (v && v[n])
        n++;
    return n;
}

void strv_free(char **v)
{
    if (!v)
        return;
    for (char **p = v; *p; p++)
        free(*p);
    free(v);
}

bool str_ends_with(const char *s, size_t len, const char *suffix)
{
    size_t k = strlen(suffix);
    return len >= k && memcmp(s + len - k, suffix, k) == 0;
}

bool str_ends_with_ci(const char *s, size_t len, const char *suffix)
{
    size_t k = strlen(suffix);
    return len >= k && strncasecmp(s + len - k, suffix, k) == 0;
}

bool str_starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool str_eq_null(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void strv_sort(char **v)
{
    if (v)
        qsort(v, strv_len(v), sizeof *v, cmp_str);
}
