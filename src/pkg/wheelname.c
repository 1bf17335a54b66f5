/* wheelname: wheel filenames (see wheelname.h). */
#include "pkg/wheelname.h"

#include <stdlib.h>
#include <string.h>

#include "pkg/name.h"
#include "util/hash.h"
#include "util/url.h"
#include "util/xalloc.h"

/* A wheelname_t is one allocation: the structure, then the tag arrays, then every string. */

void wheelname_free(wheelname_t *w)
{
    if (!w)
        return;
    version_free(&w->version);
    free(w);
}

/* Copies s[0..n) and a NUL at *cur, which moves past them. */
static char *put(char **cur, const char *s, size_t n)
{
    char *r = *cur;
    memcpy(r, s, n);
    r[n] = '\0';
    *cur += n + 1;
    return r;
}

/* Splits a '.'-separated tag set into lowercased components (the array at *ptrs, the strings
 * at *cur; both move on); false on an empty component. */
static bool split_set(const char *s, size_t n, char ***ptrs, char **cur, char ***out,
                      size_t *count)
{
    *out = *ptrs;
    *count = 0;
    size_t i = 0;
    for (;;) {
        size_t start = i;
        while (i < n && s[i] != '.')
            i++;
        if (i == start)
            return false;
        char *part = put(cur, s + start, i - start);
        for (char *p = part; *p; p++)
            if (*p >= 'A' && *p <= 'Z')
                *p = (char)(*p - 'A' + 'a');
        (*out)[(*count)++] = part;
        (*ptrs)++;
        if (i == n)
            return true;
        i++;
    }
}

static bool name_char_ok(unsigned char c)
{
    /* packaging: ^[\w\d._]*$ (Unicode \w): ASCII letters, digits, '_', '.', and non-ASCII. */
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           c == '_' || c == '.' || c >= 0x80;
}

err_t *wheelname_parse(const char *filename, wheelname_t **out)
{
    *out = NULL;
    size_t n = strlen(filename);
    char *decoded = NULL;
    const char *src = filename;
    if (memchr(filename, '%', n)) {
        decoded = url_decode(filename, n, true);
        if (!decoded)
            return err_new(EXIT_USAGE, "invalid wheel filename '%s': bad percent-escape",
                           filename);
        src = decoded;
        n = strlen(decoded);
    }
    /* room: a pointer per tag component (at most one per '.', plus one per field); the file
     * name, then name, key, version, build and its number, and the tags: each a part of the
     * file name, with its NUL, the name twice (as written and normalized) */
    size_t nptrs = 3;
    for (size_t i = 0; i < n; i++)
        nptrs += src[i] == '.';
    wheelname_t *w = xmalloc(sizeof *w + nptrs * sizeof(char *) + 4 * (n + 1));
    memset(w, 0, sizeof *w);
    char **ptrs = (char **)(w + 1);
    char *cur = (char *)(ptrs + nptrs);
    const char *fn = w->filename = put(&cur, src, n);
    free(decoded);
    const char *why = NULL;
    if (n < 4 || strcmp(fn + n - 4, ".whl") != 0) {
        why = "it does not end in .whl";
        goto fail;
    }
    n -= 4;
    const char *dash[6];
    size_t ndash = 0;
    for (size_t i = 0; i < n; i++)
        if (fn[i] == '-') {
            if (ndash == 5) {
                ndash++;
                break;
            }
            dash[ndash++] = fn + i;
        }
    if (ndash != 4 && ndash != 5) {
        why = "expected name-version[-build]-python-abi-platform.whl";
        goto fail;
    }
    const char *end = fn + n;
    /* name */
    size_t nlen = (size_t)(dash[0] - fn);
    if (nlen == 0) {
        why = "the name is empty";
        goto fail;
    }
    for (size_t i = 0; i < nlen; i++)
        if (!name_char_ok((unsigned char)fn[i])) {
            why = "the name may only hold letters, digits, '_' and '.'";
            goto fail;
        }
    if (memmem(fn, nlen, "__", 2)) {
        why = "the name holds '__'";
        goto fail;
    }
    w->name = put(&cur, fn, nlen);
    w->key = cur;
    cur += pkg_name_normalize_into(w->name, nlen, cur) + 1;
    /* version */
    w->version_text = put(&cur, dash[0] + 1, (size_t)(dash[1] - dash[0] - 1));
    if (!version_parse(w->version_text, &w->version) || !*w->version_text ||
        strpbrk(w->version_text, " \t\n\r\f\v")) {
        why = "the version is not a valid PEP 440 version";
        goto fail;
    }
    size_t t = 1;
    if (ndash == 5) {
        w->build = put(&cur, dash[1] + 1, (size_t)(dash[2] - dash[1] - 1));
        if (!(w->build[0] >= '0' && w->build[0] <= '9')) {
            why = "the build tag must start with a digit";
            goto fail;
        }
        size_t digits = strspn(w->build, "0123456789"), z = 0;
        while (z + 1 < digits && w->build[z] == '0')
            z++;
        w->build_num = put(&cur, w->build + z, digits - z);
        w->build_rest = w->build + digits;
        t = 2;
    }
    if (!split_set(dash[t] + 1, (size_t)(dash[t + 1] - dash[t] - 1), &ptrs, &cur, &w->pythons,
                   &w->npythons) ||
        !split_set(dash[t + 1] + 1, (size_t)(dash[t + 2] - dash[t + 1] - 1), &ptrs, &cur,
                   &w->abis, &w->nabis) ||
        !split_set(dash[t + 2] + 1, (size_t)(end - dash[t + 2] - 1), &ptrs, &cur,
                   &w->platforms, &w->nplatforms)) {
        why = "a compatibility tag is empty";
        goto fail;
    }
    *out = w;
    return NULL;
fail:;
    err_t *e = err_new(EXIT_USAGE, "invalid wheel filename '%s': %s", fn, why);
    wheelname_free(w);
    return e;
}

int wheelname_build_cmp(const wheelname_t *a, const wheelname_t *b)
{
    if (!a->build || !b->build)
        return (a->build != NULL) - (b->build != NULL);
    size_t la = strlen(a->build_num), lb = strlen(b->build_num);
    if (la != lb)
        return la < lb ? -1 : 1;
    int c = strcmp(a->build_num, b->build_num);
    if (!c)
        c = strcmp(a->build_rest, b->build_rest);
    return (c > 0) - (c < 0);
}

long wheelname_rank(const wheelname_t *w, const tagset_t *tags)
{
    long best = -1;
    for (size_t i = 0; i < w->npythons; i++)
        for (size_t j = 0; j < w->nabis; j++)
            for (size_t k = 0; k < w->nplatforms; k++) {
                long p = tagset_priority(tags, w->pythons[i], w->abis[j], w->platforms[k]);
                if (p >= 0 && (best < 0 || p < best))
                    best = p;
            }
    return best;
}

long wheelname_best(wheelname_t *const *cands, size_t n, const tagset_t *tags)
{
    long best = -1, best_rank = -1;
    for (size_t i = 0; i < n; i++) {
        long r = wheelname_rank(cands[i], tags);
        if (r < 0)
            continue;
        if (best < 0 || r < best_rank ||
            (r == best_rank && wheelname_build_cmp(cands[i], cands[best]) > 0)) {
            best = (long)i;
            best_rank = r;
        }
    }
    return best;
}
