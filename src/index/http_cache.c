/* http_cache: the HTTP client's two caches on disk (see http.h, "Page cache" and "Download
 * cache"): page files (format, loading, storing, freshness from Cache-Control) and the download
 * cache's names (a file per sha256, URL records for downloads without a known hash, the cleanup
 * of partial downloads left by killed runs). The transfers that fill them are http_transfer.c's. */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "index/http_internal.h"
#include "util/fs.h"
#include "util/hash.h"
#include "util/path.h"
#include "util/xalloc.h"

#define STALE_TMP_SECONDS (24 * 3600)
#define TMP_GRACE_SECONDS 5

/* ---- the page cache ------------------------------------------------------------------------- */

void http_cpage_free(cpage_t *c)
{
    if (!c)
        return;
    free(c->final_url);
    free(c->content_type);
    free(c->etag);
    free(c->last_modified);
    buf_free(&c->raw);
    free(c);
}

char *http_page_cache_path(const http_t *h, const char *url, const char *accept)
{
    buf_t k = BUF_INIT;
    buf_printf(&k, "%s\n%s", url, accept ? accept : "");
    char hex[65];
    sha256_hex(k.data, k.len, hex);
    buf_free(&k);
    return path_join(h->pages_dir, hex);
}

#define PAGE_MAGIC "venvsync-page-v1\n"

cpage_t *http_cpage_load(const char *path, const char *url)
{
    cpage_t *c = xcalloc(1, sizeof(*c));
    if (!fs_try_read(path, &c->raw) || c->raw.len < strlen(PAGE_MAGIC) ||
        memcmp(c->raw.data, PAGE_MAGIC, strlen(PAGE_MAGIC)) != 0) {
        http_cpage_free(c);
        return NULL;
    }
    char *s = c->raw.data + strlen(PAGE_MAGIC);
    char *end = c->raw.data + c->raw.len;
    char *stored_url = NULL;
    long long body_size = -1;
    while (s < end && *s != '\n') {
        char *nl = memchr(s, '\n', (size_t)(end - s));
        if (!nl)
            break;
        char *sp = memchr(s, ' ', (size_t)(nl - s));
        if (sp) {
            size_t kl = (size_t)(sp - s);
            char *v = xstrndup(sp + 1, (size_t)(nl - sp - 1));
            char **slot = NULL;
            if (kl == 3 && memcmp(s, "url", 3) == 0)
                slot = &stored_url;
            else if (kl == 9 && memcmp(s, "final-url", 9) == 0)
                slot = &c->final_url;
            else if (kl == 12 && memcmp(s, "content-type", 12) == 0)
                slot = &c->content_type;
            else if (kl == 4 && memcmp(s, "etag", 4) == 0)
                slot = &c->etag;
            else if (kl == 13 && memcmp(s, "last-modified", 13) == 0)
                slot = &c->last_modified;
            else if (kl == 11 && memcmp(s, "fresh-until", 11) == 0)
                c->fresh_until = strtoll(v, NULL, 10);
            else if (kl == 9 && memcmp(s, "body-size", 9) == 0)
                body_size = strtoll(v, NULL, 10);
            if (slot) {
                free(*slot);
                *slot = v;
            } else {
                free(v);
            }
        }
        s = nl + 1;
    }
    bool ok = s < end && *s == '\n' && stored_url && strcmp(stored_url, url) == 0 && c->final_url;
    free(stored_url);
    if (ok) {
        c->body_off = (size_t)(s + 1 - c->raw.data);
        c->body_len = c->raw.len - c->body_off;
        ok = body_size >= 0 && (size_t)body_size == c->body_len;
    }
    if (!ok) {
        http_cpage_free(c);
        return NULL;
    }
    return c;
}

/* Header values never hold newlines (libcurl unfolds), but be sure. */
static void add_field(buf_t *b, const char *k, const char *v)
{
    if (!v)
        return;
    buf_printf(b, "%s ", k);
    for (const char *p = v; *p; p++)
        buf_addc(b, *p == '\n' || *p == '\r' ? ' ' : *p);
    buf_addc(b, '\n');
}

void http_cpage_store(http_t *h, const char *path, const char *url, const char *final_url,
                      const char *ct, const char *etag, const char *lm, int64_t fresh_until,
                      const char *body, size_t len)
{
    buf_t b = BUF_INIT;
    buf_adds(&b, PAGE_MAGIC);
    add_field(&b, "url", url);
    add_field(&b, "final-url", final_url);
    add_field(&b, "content-type", ct);
    add_field(&b, "etag", etag);
    add_field(&b, "last-modified", lm);
    buf_printf(&b, "fresh-until %lld\nbody-size %zu\n\n", (long long)fresh_until, len);
    buf_add(&b, body, len);
    err_t *e = fs_mkdirs(h->pages_dir, 0755);
    if (!e)
        e = fs_write_atomic(path, b.data, b.len, 0644);
    if (e) {
        /* the cache is an optimisation: note it, go on */
        char *m = http_scrub(h, e->msg);
        http_add_warning(h, xasprintf("cannot cache an index page: %s", m));
        free(m);
        err_free(e);
    }
    buf_free(&b);
}

int64_t http_freshness(const char *cc, const char *age, bool *no_store)
{
    *no_store = false;
    if (!cc)
        return 0;
    long long max_age = -1;
    bool no_cache = false;
    const char *p = cc;
    while (*p) {
        while (*p == ' ' || *p == ',' || *p == '\t')
            p++;
        size_t n = strcspn(p, ",");
        if (n >= 8 && strncasecmp(p, "no-store", 8) == 0)
            *no_store = true;
        else if (n >= 8 && strncasecmp(p, "no-cache", 8) == 0)
            no_cache = true;
        else if (n > 8 && strncasecmp(p, "max-age=", 8) == 0)
            max_age = strtoll(p + 8 + (p[8] == '"'), NULL, 10);
        p += n;
    }
    if (no_cache || max_age <= 0)
        return 0;
    long long a = age ? strtoll(age, NULL, 10) : 0;
    if (a < 0)
        a = 0;
    if (a >= max_age)
        return 0;
    return (int64_t)time(NULL) + (max_age - a);
}

/* ---- download cache ------------------------------------------------------------------------- */

char *http_download_path(const char *cache_dir, const char *sha256_hex)
{
    return path_joinv(cache_dir, HTTP_DOWNLOADS_SUBDIR, sha256_hex, NULL);
}

static char *url_record_path(const http_t *h, const char *url)
{
    char hex[65];
    sha256_hex(url, strlen(url), hex);
    char *name = xasprintf("url-%s", hex);
    char *p = path_join(h->dl_dir, name);
    free(name);
    return p;
}

bool http_valid_hex64(const char *s)
{
    if (!s || strlen(s) != 64)
        return false;
    for (int i = 0; i < 64; i++)
        if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
            return false;
    return true;
}

/* A cached file for d (whose url is already stripped into `url`). */
bool http_download_cached(http_t *h, http_download_t *d, const char *url)
{
    char sha[65] = "";
    if (d->sha256 && *d->sha256) {
        if (!http_valid_hex64(d->sha256))
            return false;
        memcpy(sha, d->sha256, 65);
    } else {
        char *rp = url_record_path(h, url);
        buf_t b = BUF_INIT;
        bool ok = fs_try_read(rp, &b) && b.len >= 64;
        if (ok) {
            memcpy(sha, b.data, 64);
            sha[64] = '\0';
            ok = http_valid_hex64(sha);
        }
        buf_free(&b);
        free(rp);
        if (!ok)
            return false;
    }
    char *p = path_join(h->dl_dir, sha);
    struct stat st;
    if (stat(p, &st) != 0 || !S_ISREG(st.st_mode) ||
        (d->size >= 0 && (uint64_t)st.st_size != (uint64_t)d->size)) {
        free(p);
        return false;
    }
    /* Downloads are stored without a flush (finish_download): after a crash a file may be
     * there with its name but not all its bytes. Its name is its sha256, so it is checked
     * before it is trusted; one that does not match is removed and fetched again. */
    char got[65];
    err_t *he = sha256_file_hex(p, got);
    bool intact = !he && strcmp(got, sha) == 0;
    err_free(he);
    if (!intact) {
        unlink(p);
        free(p);
        return false;
    }
    d->path = p;
    memcpy(d->sha256_out, sha, 65);
    d->size_out = (uint64_t)st.st_size;
    d->from_cache = true;
    return true;
}

void http_record_url(const http_t *h, const char *url, const char *hex, uint64_t size)
{
    char *rp = url_record_path(h, url);
    char *rec = xasprintf("%s %llu\n", hex, (unsigned long long)size);
    err_free(fs_write_atomic(rp, rec, strlen(rec), 0644));
    free(rec);
    free(rp);
}

/* Removes the partial downloads of runs that are gone: a writer holds an flock on its .tmp-*
 * file until it is renamed, so a file whose lock can be taken is nobody's. Files younger than
 * TMP_GRACE_SECONDS are left alone (a writer takes its lock just after creating the file), and
 * any older than STALE_TMP_SECONDS goes whatever its lock says (a file system without flock). */
void http_clean_stale_tmp(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    time_t now = time(NULL);
    struct dirent *de;
    while ((de = readdir(d))) {
        if (strncmp(de->d_name, ".tmp-", 5) != 0)
            continue;
        struct stat st;
        if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode) ||
            now - st.st_mtime < TMP_GRACE_SECONDS)
            continue;
        if (now - st.st_mtime > STALE_TMP_SECONDS) {
            unlinkat(dirfd(d), de->d_name, 0);
            continue;
        }
        int fd = openat(dirfd(d), de->d_name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
            continue;
        if (flock(fd, LOCK_EX | LOCK_NB) == 0)
            unlinkat(dirfd(d), de->d_name, 0);
        close(fd);
    }
    closedir(d);
}
