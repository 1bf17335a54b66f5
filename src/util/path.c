#include "util/path.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/xalloc.h"

char *path_join(const char *a, const char *b)
{
    if (!a || !*a || (b && b[0] == '/'))
        return xstrdup(b ? b : "");
    if (!b || !*b)
        return xstrdup(a);
    size_t la = strlen(a);
    while (la > 1 && a[la - 1] == '/')
        la--;
    while (*b == '/')
        b++;
    buf_t out = BUF_INIT;
    buf_add(&out, a, la);
    if (!(la == 1 && a[0] == '/'))
        buf_addc(&out, '/');
    buf_adds(&out, b);
    return buf_detach(&out);
}

char *path_joinv(const char *first, ...)
{
    char *acc = xstrdup(first);
    va_list ap;
    va_start(ap, first);
    const char *p;
    while ((p = va_arg(ap, const char *))) {
        char *n = path_join(acc, p);
        free(acc);
        acc = n;
    }
    va_end(ap);
    return acc;
}

/* Whether p is absolute and path_normalize would return it as it is: no empty, "." or ".."
 * component and no trailing '/' (except "/" itself). */
static bool normal_absolute(const char *p)
{
    if (p[0] != '/')
        return false;
    if (!p[1])
        return true;
    for (const char *s = p; *s;) {
        const char *c = s + 1; /* a component starts after each '/' */
        const char *e = c;
        while (*e && *e != '/')
            e++;
        size_t len = (size_t)(e - c);
        if (len == 0 || (len == 1 && c[0] == '.') || (len == 2 && c[0] == '.' && c[1] == '.'))
            return false;
        s = e;
    }
    return true;
}

char *path_normalize(const char *p)
{
    if (normal_absolute(p))
        return xstrdup(p);
    bool abs = p[0] == '/';
    /* Split into components; keep a stack of kept components. */
    size_t n = strlen(p);
    const char **comp = xmalloc((n / 2 + 2) * sizeof(*comp));
    size_t *clen = xmalloc((n / 2 + 2) * sizeof(*clen));
    size_t k = 0;
    const char *s = p;
    while (*s) {
        while (*s == '/')
            s++;
        if (!*s)
            break;
        const char *e = s;
        while (*e && *e != '/')
            e++;
        size_t len = (size_t)(e - s);
        if (len == 1 && s[0] == '.') {
            /* skip */
        } else if (len == 2 && s[0] == '.' && s[1] == '.') {
            if (k > 0 && !(clen[k - 1] == 2 && comp[k - 1][0] == '.' && comp[k - 1][1] == '.'))
                k--;
            else if (!abs) {
                comp[k] = s;
                clen[k++] = len;
            }
        } else {
            comp[k] = s;
            clen[k++] = len;
        }
        s = e;
    }
    buf_t out = BUF_INIT;
    if (abs)
        buf_addc(&out, '/');
    for (size_t i = 0; i < k; i++) {
        if (i)
            buf_addc(&out, '/');
        buf_add(&out, comp[i], clen[i]);
    }
    if (!out.len)
        buf_addc(&out, '.');
    free(comp);
    free(clen);
    return buf_detach(&out);
}

char *path_cwd(void)
{
    char *p = getcwd(NULL, 0);
    if (!p)
        return xstrdup("/"); /* the working directory was removed */
    char *r = xstrdup(p);
    free(p);
    return r;
}

char *path_shown_from(const char *path, const char *dir)
{
    if (dir && strcmp(dir, "/") != 0 && path_is_within(path, dir) && strlen(path) > strlen(dir))
        return xstrdup(path + strlen(dir) + 1);
    return xstrdup(path);
}

char *path_shown(const char *path)
{
    if (path[0] != '/')
        return xstrdup(path);
    char *cwd = path_cwd();
    char *r = path_shown_from(path, cwd);
    free(cwd);
    return r;
}

char *path_absolute(const char *base, const char *p)
{
    if (p[0] == '/')
        return path_normalize(p);
    char *cwd = base ? xstrdup(base) : path_cwd();
    char *j = path_join(cwd, p);
    char *r = path_normalize(j);
    free(cwd);
    free(j);
    return r;
}

char *path_dirname(const char *p)
{
    size_t n = strlen(p);
    while (n > 1 && p[n - 1] == '/')
        n--;
    while (n > 0 && p[n - 1] != '/')
        n--;
    if (n == 0)
        return xstrdup(".");
    while (n > 1 && p[n - 1] == '/')
        n--;
    return xstrndup(p, n);
}

const char *path_basename(const char *p)
{
    const char *s = strrchr(p, '/');
    if (!s)
        return p;
    if (s[1] == '\0') {
        /* trailing slash: find the component before it */
        const char *e = s;
        while (e > p && *e == '/')
            e--;
        const char *b = e;
        while (b > p && b[-1] != '/')
            b--;
        return b;
    }
    return s + 1;
}

char *path_real(const char *p)
{
    char *r = realpath(p, NULL);
    if (!r)
        return NULL;
    char *x = xstrdup(r);
    free(r);
    return x;
}

static const char *home_dir(const env_lookup_t *env)
{
    const char *h = env_get(env, "HOME");
    if (h && *h)
        return h;
    struct passwd *pw = getpwuid(getuid());
    return pw ? pw->pw_dir : NULL;
}

err_t *path_expand(const char *p, const env_lookup_t *env, char **out)
{
    buf_t b = BUF_INIT;
    const char *s = p;
    *out = NULL;
    if (s[0] == '~' && (s[1] == '/' || s[1] == '\0')) {
        const char *h = home_dir(env);
        if (!h) {
            buf_free(&b);
            return err_new(2, "cannot expand '~' in '%s': HOME is not set", p);
        }
        buf_adds(&b, h);
        s++;
    }
    while (*s) {
        if (*s != '$') {
            buf_addc(&b, *s++);
            continue;
        }
        const char *name, *end;
        size_t len;
        if (s[1] == '{') {
            name = s + 2;
            end = strchr(name, '}');
            if (!end) {
                buf_free(&b);
                return err_new(2, "unterminated '${' in '%s'", p);
            }
            len = (size_t)(end - name);
            end++;
        } else {
            name = s + 1;
            end = name;
            while (*end == '_' || isalnum((unsigned char)*end))
                end++;
            len = (size_t)(end - name);
            if (!len) { /* a lone '$' stays */
                buf_addc(&b, *s++);
                continue;
            }
        }
        char *var = xstrndup(name, len);
        const char *val = env_get(env, var);
        if (!val) {
            err_t *e = err_new(2, "environment variable '%s' used in '%s' is not set", var, p);
            free(var);
            buf_free(&b);
            return e;
        }
        free(var);
        buf_adds(&b, val);
        s = end;
    }
    *out = buf_detach(&b);
    return NULL;
}

bool path_is_within(const char *p, const char *dir)
{
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/')
        n--;
    if (strncmp(p, dir, n) != 0)
        return false;
    return p[n] == '\0' || p[n] == '/' || (n == 1 && dir[0] == '/');
}
