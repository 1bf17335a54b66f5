/* url: splitting, resolving, redacting and keying URLs (see url.h). */
#include "util/url.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/buf.h"
#include "util/hash.h"
#include "util/path.h"
#include "util/xalloc.h"

static bool scheme_char(char c, bool first)
{
    if (isalpha((unsigned char)c))
        return true;
    return !first && (isdigit((unsigned char)c) || c == '+' || c == '-' || c == '.');
}

void url_split(const char *u, url_parts_t *p)
{
    memset(p, 0, sizeof(*p));
    size_t n = strlen(u), i = 0;
    /* scheme: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":" before any of / ? # */
    size_t j = 0;
    while (j < n && scheme_char(u[j], j == 0))
        j++;
    if (j > 0 && j < n && u[j] == ':') {
        p->has_scheme = true;
        p->scheme = (url_span_t){0, j};
        i = j + 1;
    }
    if (n - i >= 2 && u[i] == '/' && u[i + 1] == '/') {
        i += 2;
        size_t a = i;
        while (i < n && u[i] != '/' && u[i] != '?' && u[i] != '#')
            i++;
        p->has_authority = true;
        p->authority = (url_span_t){a, i - a};
        size_t h = a;
        const char *at = NULL;
        for (size_t k = a; k < i; k++)
            if (u[k] == '@')
                at = u + k;  /* the last '@' ends the userinfo */
        if (at) {
            p->has_userinfo = true;
            p->userinfo = (url_span_t){a, (size_t)(at - u) - a};
            h = (size_t)(at - u) + 1;
        }
        size_t he = i;
        if (h < i && u[h] == '[') {
            const char *rb = memchr(u + h, ']', i - h);
            size_t after = rb ? (size_t)(rb - u) + 1 : i;
            if (after < i && u[after] == ':') {
                p->has_port = true;
                p->port = (url_span_t){after + 1, i - after - 1};
                he = after;
            }
        } else {
            for (size_t k = i; k > h; k--) {
                if (u[k - 1] == ':') {
                    p->has_port = true;
                    p->port = (url_span_t){k, i - k};
                    he = k - 1;
                    break;
                }
            }
        }
        p->host = (url_span_t){h, he - h};
    }
    size_t ps = i;
    while (i < n && u[i] != '?' && u[i] != '#')
        i++;
    p->path = (url_span_t){ps, i - ps};
    if (i < n && u[i] == '?') {
        size_t q = ++i;
        while (i < n && u[i] != '#')
            i++;
        p->has_query = true;
        p->query = (url_span_t){q, i - q};
    }
    if (i < n && u[i] == '#') {
        p->has_fragment = true;
        p->fragment = (url_span_t){i + 1, n - i - 1};
    }
}

/* RFC 3986 §5.2.4 */
static void remove_dot_segments(buf_t *out, const char *in, size_t n)
{
    size_t base = out->len;
    size_t i = 0;
    while (i < n) {
        const char *s = in + i;
        size_t rest = n - i;
        if (rest >= 3 && memcmp(s, "../", 3) == 0) {
            i += 3;
        } else if (rest >= 2 && memcmp(s, "./", 2) == 0) {
            i += 2;
        } else if (rest >= 3 && memcmp(s, "/./", 3) == 0) {
            i += 2;
        } else if (rest == 2 && memcmp(s, "/.", 2) == 0) {
            /* "/." at the end -> "/" */
            buf_addc(out, '/');
            i += 2;
        } else if ((rest >= 4 && memcmp(s, "/../", 4) == 0) || (rest == 3 && memcmp(s, "/..", 3) == 0)) {
            /* drop the last output segment */
            size_t k = out->len;
            while (k > base && out->data[k - 1] != '/')
                k--;
            if (k > base)
                k--;
            buf_setlen(out, k);
            if (rest == 3) {
                buf_addc(out, '/');
                i += 3;
            } else {
                i += 3;  /* leaves "/" of "/../" as the next input's start */
            }
        } else if ((rest == 1 && s[0] == '.') || (rest == 2 && memcmp(s, "..", 2) == 0)) {
            i = n;
        } else {
            size_t k = s[0] == '/' ? 1 : 0;
            while (k < rest && s[k] != '/')
                k++;
            buf_add(out, s, k);
            i += k;
        }
    }
}

static void add_span(buf_t *b, const char *u, url_span_t s)
{
    buf_add(b, u + s.off, s.len);
}

char *url_resolve(const char *base, const char *ref_in)
{
    /* trim ASCII whitespace around ref */
    const char *rs = ref_in;
    while (*rs == ' ' || *rs == '\t' || *rs == '\n' || *rs == '\r' || *rs == '\f')
        rs++;
    size_t rl = strlen(rs);
    while (rl && (rs[rl - 1] == ' ' || rs[rl - 1] == '\t' || rs[rl - 1] == '\n' ||
                  rs[rl - 1] == '\r' || rs[rl - 1] == '\f'))
        rl--;
    char *ref = xstrndup(rs, rl);
    url_parts_t R, B;
    url_split(ref, &R);
    url_split(base, &B);
    buf_t t = BUF_INIT;
    if (R.has_scheme) {
        add_span(&t, ref, R.scheme);
        buf_addc(&t, ':');
        if (R.has_authority) {
            buf_adds(&t, "//");
            add_span(&t, ref, R.authority);
        }
        remove_dot_segments(&t, ref + R.path.off, R.path.len);
        if (R.has_query) {
            buf_addc(&t, '?');
            add_span(&t, ref, R.query);
        }
    } else {
        add_span(&t, base, B.scheme);
        buf_addc(&t, ':');
        if (R.has_authority) {
            buf_adds(&t, "//");
            add_span(&t, ref, R.authority);
            remove_dot_segments(&t, ref + R.path.off, R.path.len);
            if (R.has_query) {
                buf_addc(&t, '?');
                add_span(&t, ref, R.query);
            }
        } else {
            if (B.has_authority) {
                buf_adds(&t, "//");
                add_span(&t, base, B.authority);
            }
            if (R.path.len == 0) {
                add_span(&t, base, B.path);
                if (R.has_query) {
                    buf_addc(&t, '?');
                    add_span(&t, ref, R.query);
                } else if (B.has_query) {
                    buf_addc(&t, '?');
                    add_span(&t, base, B.query);
                }
            } else {
                if (ref[R.path.off] == '/') {
                    remove_dot_segments(&t, ref + R.path.off, R.path.len);
                } else {
                    buf_t merged = BUF_INIT;
                    if (B.has_authority && B.path.len == 0) {
                        buf_addc(&merged, '/');
                    } else {
                        const char *bp = base + B.path.off;
                        size_t k = B.path.len;
                        while (k > 0 && bp[k - 1] != '/')
                            k--;
                        buf_add(&merged, bp, k);
                    }
                    add_span(&merged, ref, R.path);
                    remove_dot_segments(&t, merged.data, merged.len);
                    buf_free(&merged);
                }
                if (R.has_query) {
                    buf_addc(&t, '?');
                    add_span(&t, ref, R.query);
                }
            }
        }
    }
    if (R.has_fragment) {
        buf_addc(&t, '#');
        add_span(&t, ref, R.fragment);
    }
    free(ref);
    return buf_detach(&t);
}

char *url_redact(const char *u)
{
    url_parts_t p;
    url_split(u, &p);
    if (!p.has_userinfo)
        return xstrdup(u);
    buf_t b = BUF_INIT;
    buf_add(&b, u, p.userinfo.off);
    const char *ui = u + p.userinfo.off;
    const char *colon = memchr(ui, ':', p.userinfo.len);
    if (colon) {
        buf_add(&b, ui, (size_t)(colon - ui));
        buf_adds(&b, ":****");
    } else {
        buf_adds(&b, "****");
    }
    buf_adds(&b, u + p.userinfo.off + p.userinfo.len);
    return buf_detach(&b);
}

char *url_strip_credentials(const char *u, char **user, char **password)
{
    url_parts_t p;
    url_split(u, &p);
    if (user)
        *user = NULL;
    if (password)
        *password = NULL;
    if (!p.has_userinfo)
        return xstrdup(u);
    const char *ui = u + p.userinfo.off;
    const char *colon = memchr(ui, ':', p.userinfo.len);
    if (user)
        *user = url_decode(ui, colon ? (size_t)(colon - ui) : p.userinfo.len, false);
    if (password && colon)
        *password = url_decode(colon + 1, p.userinfo.len - (size_t)(colon + 1 - ui), false);
    buf_t b = BUF_INIT;
    buf_add(&b, u, p.userinfo.off);
    buf_adds(&b, u + p.userinfo.off + p.userinfo.len + 1); /* skip '@' */
    return buf_detach(&b);
}

char *url_host_key(const char *u)
{
    url_parts_t p;
    url_split(u, &p);
    if (!p.has_authority)
        return NULL;
    buf_t b = BUF_INIT;
    for (size_t i = 0; i < p.host.len; i++)
        buf_addc(&b, (char)tolower((unsigned char)u[p.host.off + i]));
    buf_addc(&b, ':');
    if (p.has_port && p.port.len) {
        add_span(&b, u, p.port);
    } else if (p.scheme.len == 5 && strncasecmp(u + p.scheme.off, "https", 5) == 0) {
        buf_adds(&b, "443");
    } else if (p.scheme.len == 4 && strncasecmp(u + p.scheme.off, "http", 4) == 0) {
        buf_adds(&b, "80");
    }
    return buf_detach(&b);
}

bool url_is_http(const char *u)
{
    return strncasecmp(u, "http://", 7) == 0 || strncasecmp(u, "https://", 8) == 0;
}

bool url_is_file(const char *u)
{
    return strncasecmp(u, "file:", 5) == 0;
}

char *url_without_fragment(const char *u)
{
    return xstrndup(u, strcspn(u, "#"));
}

char *url_fragment_param(const char *u, const char *key)
{
    const char *f = strchr(u, '#');
    if (!f)
        return NULL;
    f++;
    size_t kl = strlen(key);
    while (*f) {
        size_t n = strcspn(f, "&");
        if (n > kl && strncmp(f, key, kl) == 0 && f[kl] == '=')
            return xstrndup(f + kl + 1, n - kl - 1);
        f += n;
        if (*f == '&')
            f++;
    }
    return NULL;
}

char *url_basename(const char *u)
{
    url_parts_t p;
    url_split(u, &p);
    const char *s = u + p.path.off;
    size_t k = p.path.len;
    size_t st = k;
    while (st > 0 && s[st - 1] != '/')
        st--;
    return url_decode(s + st, k - st, true);
}

char *url_decode(const char *s, size_t n, bool strict)
{
    char *o = xmalloc(n + 1);
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        int hi = s[i] == '%' && i + 2 < n ? hex_value(s[i + 1]) : -1;
        int lo = hi >= 0 ? hex_value(s[i + 2]) : -1;
        if (s[i] != '%' || hi < 0 || lo < 0) {
            if (strict && s[i] == '%')
                goto refuse; /* a malformed escape */
            o[j++] = s[i];
            continue;
        }
        char c = (char)(hi << 4 | lo);
        if (c == '\0' || (strict && c == '/'))
            goto refuse;
        o[j++] = c;
        i += 2;
    }
    o[j] = '\0';
    return o;
refuse:
    free(o);
    return NULL;
}

char *url_from_path(const char *abs_path)
{
    static const char hex[] = "0123456789ABCDEF";
    buf_t b = BUF_INIT;
    buf_adds(&b, "file://");
    for (const unsigned char *p = (const unsigned char *)abs_path; *p; p++) {
        unsigned char c = *p;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            strchr("_.-~/", c)) {
            buf_addc(&b, (char)c);
        } else {
            buf_addc(&b, '%');
            buf_addc(&b, hex[c >> 4]);
            buf_addc(&b, hex[c & 15]);
        }
    }
    return buf_detach(&b);
}

char *url_to_path(const char *url, const char *base_dir, char **why)
{
    *why = NULL;
    if (!url_is_file(url)) {
        *why = xasprintf("'%s' is not a file: URL", url);
        return NULL;
    }
    const char *p = url + 5;
    size_t n = strcspn(p, "?#");
    if (n >= 2 && p[0] == '/' && p[1] == '/') {
        const char *host = p + 2;
        size_t hl = strcspn(host, "/?#");
        if (hl != 0 && !(hl == 9 && strncasecmp(host, "localhost", 9) == 0)) {
            char *shown = url_redact(url);
            *why = xasprintf("'%s' names the host '%.*s'; only local file: URLs are supported",
                             shown, (int)hl, host);
            free(shown);
            return NULL;
        }
        n -= (size_t)(host + hl - p);
        p = host + hl;
    }
    char *decoded = url_decode(p, n, false);
    if (!decoded || !*decoded) {
        *why = xasprintf("'%s' is not a usable file: URL%s", url,
                         decoded ? "" : " (it encodes a NUL byte)");
        free(decoded);
        return NULL;
    }
    char *abs = path_absolute(base_dir, decoded);
    free(decoded);
    return abs;
}

char *url_project(const char *base, const char *key)
{
    size_t n = strlen(base);
    while (n > 0 && base[n - 1] == '/')
        n--;
    return xasprintf("%.*s/%s/", (int)n, base, key);
}
