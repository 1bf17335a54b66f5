/* metadata: the METADATA of candidate wheels (see metadata.h): local wheels, the metadata
 * cache, the download cache, PEP 658 files, HTTP range requests over a wheel's central
 * directory, and whole downloads, driven in rounds of concurrent fetches. */
#include "index/metadata.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/name.h"
#include "pkg/version.h"
#include "pkg/wheelname.h"
#include "util/cachedir.h"
#include "util/fs.h"
#include "util/hash.h"
#include "util/path.h"
#include "util/strv.h"
#include "util/url.h"
#include "util/xalloc.h"
#include "wheel/zip.h"

/* Bytes asked for before the tail when end records start below it (comment, ZIP64 record). */
#define MAX_EXTRA_END ((uint64_t)128 << 10)
/* A METADATA member's range may hold its header, name, extra field and data descriptor too. */
#define MAX_MEMBER_RANGE ((uint64_t)METADATA_MAX + ((uint64_t)256 << 10))
/* No request takes more steps than this; a loop guard only. */
#define MAX_ROUNDS 12

struct metadata {
    http_t *h;
    metadata_opts_t o;
    char *dir;                    /* <cache>/metadata-v1 */
    char **no_ranges;             /* host keys; NULL-terminated, never NULL */
    size_t nno_ranges, no_ranges_cap;
    char **warnings;              /* NULL-terminated, never NULL */
    size_t nwarnings, warnings_cap;
    metadata_stats_t stats;
};

const char *metadata_source_name(metadata_source_t s)
{
    static const char *const names[METADATA_NSOURCES] = {
        "none", "local", "cache", "downloads", "pep658", "ranges", "download"};
    return (unsigned)s < METADATA_NSOURCES ? names[s] : "?";
}

void metadata_req_from_simple(metadata_req_t *r, const simple_file_t *f)
{
    r->path = NULL;
    r->url = f->url;
    r->filename = f->filename;
    r->sha256 = f->sha256;
    r->size = f->size;
    r->core_metadata = f->core_metadata;
    r->metadata_sha256 = f->metadata_sha256;
}

void metadata_req_clear(metadata_req_t *r)
{
    buf_free(&r->metadata);
    core_metadata_free(&r->parsed);
    free(r->download);
    free(r->note);
    err_free(r->err);
    r->download = r->note = NULL;
    r->err = NULL;
    r->source = METADATA_NONE;
    r->requests = 0;
    r->invalid = false;
}

metadata_t *metadata_new(http_t *h, const metadata_opts_t *o)
{
    metadata_t *m = xcalloc(1, sizeof *m);
    m->h = h;
    m->o = *o;
    m->dir = path_join(o->cache_dir, CACHE_METADATA);
    m->no_ranges = xcalloc(1, sizeof(char *));
    m->warnings = xcalloc(1, sizeof(char *));
    return m;
}

void metadata_free(metadata_t *m)
{
    if (!m)
        return;
    free(m->dir);
    strv_free(m->no_ranges);
    strv_free(m->warnings);
    free(m);
}

void metadata_get_stats(const metadata_t *m, metadata_stats_t *out)
{
    *out = m->stats;
}

char *const *metadata_warnings(const metadata_t *m)
{
    return m->warnings;
}

bool metadata_host_without_ranges(const metadata_t *m, const char *url)
{
    char *key = url_host_key(url);
    bool r = key && strv_has(m->no_ranges, key);
    free(key);
    return r;
}

/* ---- one request's state --------------------------------------------------------------------- */

typedef enum {
    STEP_DONE,
    STEP_PEP658,          /* GET <url>.metadata */
    STEP_TAIL,            /* the last METADATA_TAIL bytes */
    STEP_MORE,            /* [want_from, have_from): extends `have` downward */
    STEP_MEMBER,          /* [want_from, want_to]: METADATA's range, apart from `have` */
    STEP_FULL,            /* the whole wheel into the download cache */
} step_t;

typedef struct item {
    metadata_req_t *r;
    const char *filename;
    wheelname_t *wn;
    char *label;                  /* "<filename>" or the local path, for messages */
    char *url;                    /* without the fragment (credentials kept for the client) */
    char *shown;                  /* redacted */
    char *cache_path;             /* the metadata cache entry */
    step_t step;
    http_download_t dl;           /* the whole wheel (STEP_FULL, and ranged 200 answers) */
    buf_t have;                   /* the archive's bytes [have_from, total) */
    uint64_t have_from, total;
    zip_t *cd;                    /* the partial archive, once its central directory is read */
    const zip_entry_t *entry;     /* METADATA in cd */
    uint64_t want_from, want_to;  /* the range asked for (inclusive) */
} item_t;

static void item_free(item_t *it)
{
    wheelname_free(it->wn);
    free(it->label);
    free(it->url);
    free(it->shown);
    free(it->cache_path);
    http_download_clear(&it->dl);
    buf_free(&it->have);
    zip_close(it->cd);
}

static void fail(item_t *it, err_t *e)
{
    it->r->err = e;
    it->r->source = METADATA_NONE;
    it->step = STEP_DONE;
}

/* A failure of the file itself (no usable METADATA in it), not of getting it. */
static void fail_invalid(item_t *it, err_t *e)
{
    fail(it, e);
    it->r->invalid = true;
}

static void add_note(item_t *it, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add_note(item_t *it, const char *fmt, ...)
{
    buf_t b = BUF_INIT;
    if (it->r->note)
        buf_printf(&b, "%s; ", it->r->note);
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    free(it->r->note);
    it->r->note = buf_detach(&b);
}

static void warn(metadata_t *m, char *msg)
{
    strv_push(&m->warnings, &m->nwarnings, &m->warnings_cap, msg);
}

static bool has(const char *s)
{
    return s && *s;
}

/* 64 lowercase hex digits. */
static bool sha256_ok(const char *s)
{
    if (!s || strlen(s) != 64)
        return false;
    for (int i = 0; i < 64; i++)
        if (hex_value(s[i]) < 0 || (s[i] >= 'A' && s[i] <= 'F'))
            return false;
    return true;
}

/* ---- METADATA: checks, cache ----------------------------------------------------------------- */

/* Parses text as it->filename's METADATA into *out: the size limit, meta_parse_metadata, and the
 * filename's name and version. */
static err_t *check_metadata(const item_t *it, const char *text, size_t len, core_metadata_t *out)
{
    memset(out, 0, sizeof *out);
    if (len > METADATA_MAX)
        return err_new(EXIT_APPLY, "%s: METADATA has %zu bytes, more than the %zu allowed",
                       it->label, len, METADATA_MAX);
    char *l = xasprintf("%s: METADATA", it->label);
    err_t *e = meta_parse_metadata(text, len, l, out);
    free(l);
    if (e)
        return e;
    if (!pkg_name_eq(out->name, it->wn->name))
        e = err_new(EXIT_APPLY, "%s: METADATA names %s, the file name %s", it->label, out->name,
                    it->wn->name);
    if (!e) {
        version_t v;
        bool ok = version_parse(out->version, &v);
        if (!ok || version_cmp(&v, &it->wn->version) != 0)
            e = err_new(EXIT_APPLY, "%s: METADATA has version %s, the file name %s", it->label,
                        out->version, it->wn->version_text);
        if (ok)
            version_free(&v);
    }
    if (e)
        core_metadata_free(out);
    return e;
}

/* The request's answer: METADATA text (copied) from `source` and its checked parse (taken);
 * stored in the cache when it came from the network. */
static void accept_checked(metadata_t *m, item_t *it, const char *text, size_t len,
                           metadata_source_t source, core_metadata_t *parsed)
{
    metadata_req_t *r = it->r;
    r->parsed = *parsed;
    memset(parsed, 0, sizeof *parsed);
    buf_reset(&r->metadata);
    buf_add(&r->metadata, text, len);
    r->source = source;
    it->step = STEP_DONE;
    m->stats.by_source[source]++;
    if (source == METADATA_LOCAL || source == METADATA_CACHE || !it->cache_path)
        return;
    err_t *e = fs_mkdirs(m->dir, 0755);
    if (!e)
        e = fs_write_atomic(it->cache_path, text, len, 0644);
    if (e) {
        warn(m, xasprintf("cannot cache the metadata of %s: %s", it->filename, e->msg));
        err_free(e);
    }
}

/* The same for text not checked yet: checked first, or the request fails as invalid. */
static void answer(metadata_t *m, item_t *it, const char *text, size_t len,
                   metadata_source_t source)
{
    core_metadata_t md;
    err_t *e = check_metadata(it, text, len, &md);
    if (e)
        fail_invalid(it, e);
    else
        accept_checked(m, it, text, len, source, &md);
}

/* The cache entry's path for a remote request. */
static char *cache_path(const metadata_t *m, const item_t *it)
{
    if (sha256_ok(it->r->sha256))
        return path_join(m->dir, it->r->sha256);
    char *bare = url_strip_credentials(it->url, NULL, NULL);
    char *key = xasprintf("%s\n%s", bare, it->filename);
    char hex[65];
    sha256_hex(key, strlen(key), hex);
    char *name = xasprintf("url-%s", hex);
    char *p = path_join(m->dir, name);
    free(name);
    free(key);
    free(bare);
    return p;
}

/* Answers from the metadata cache when it holds a valid entry. */
static bool from_cache(metadata_t *m, item_t *it)
{
    buf_t b = BUF_INIT;
    bool ok = fs_try_read(it->cache_path, &b) && b.len <= METADATA_MAX;
    if (ok && has(it->r->metadata_sha256)) {
        char hex[65];
        sha256_hex(b.data ? b.data : "", b.len, hex);
        ok = strcmp(hex, it->r->metadata_sha256) == 0;
    }
    core_metadata_t md;
    if (ok) {
        err_t *e = check_metadata(it, b.data ? b.data : "", b.len, &md);
        ok = !e;
        err_free(e);
    }
    if (ok)
        accept_checked(m, it, b.data ? b.data : "", b.len, METADATA_CACHE, &md);
    buf_free(&b);
    return ok;
}

/* ---- METADATA in an archive ------------------------------------------------------------------ */

/* The name part of a .dist-info directory matches the filename's name: the text before its
 * first '-', or before its last (unnormalised old directories), as wheel/cache.c accepts. */
static bool dist_info_matches(const char *di, size_t n, const char *name)
{
    n -= strlen(".dist-info");
    const char *first = memchr(di, '-', n);
    if (first && pkg_name_eq_n(di, (size_t)(first - di), name, strlen(name)))
        return true;
    const char *last = NULL;
    for (size_t i = 0; i < n; i++)
        if (di[i] == '-')
            last = di + i;
    return last && pkg_name_eq_n(di, (size_t)(last - di), name, strlen(name));
}

/* The METADATA member of z: <the single top-level *.dist-info>/METADATA. */
static err_t *find_metadata(const zip_t *z, const item_t *it, const zip_entry_t **out)
{
    *out = NULL;
    const char *di = NULL;
    size_t dlen = 0;
    for (size_t i = 0; i < zip_count(z); i++) {
        const zip_entry_t *e = zip_entry_at(z, i);
        const char *slash = strchr(e->name, '/');
        size_t len = slash ? (size_t)(slash - e->name) : e->name_len;
        if (!str_ends_with(e->name, len, ".dist-info"))
            continue;
        if (!di) {
            di = e->name;
            dlen = len;
        } else if (dlen != len || memcmp(di, e->name, len) != 0) {
            return err_new(EXIT_APPLY, "%s: more than one .dist-info directory (%.*s, %.*s)",
                           it->label, (int)dlen, di, (int)len, e->name);
        }
    }
    if (!di)
        return err_new(EXIT_APPLY, "%s: no .dist-info directory", it->label);
    if (!dist_info_matches(di, dlen, it->wn->name))
        return err_new(EXIT_APPLY, "%s: the .dist-info directory %.*s does not match the "
                       "wheel's name %s", it->label, (int)dlen, di, it->wn->name);
    char *name = xasprintf("%.*s/METADATA", (int)dlen, di);
    const zip_entry_t *e = zip_find(z, name);
    err_t *err = NULL;
    if (!e || e->is_dir)
        err = err_new(EXIT_APPLY, "%s: no %s", it->label, name);
    else if (e->usize > METADATA_MAX)
        err = err_new(EXIT_APPLY, "%s: %s has %llu bytes, more than the %zu allowed", it->label,
                      name, (unsigned long long)e->usize, METADATA_MAX);
    free(name);
    *out = e;
    return err;
}

/* METADATA of a whole archive (a local file, or bytes in memory when data is not NULL). */
static err_t *read_whole(const item_t *it, const char *path, const void *data, size_t len,
                         buf_t *out)
{
    zip_t *z = NULL;
    err_t *e = data ? zip_open_mem(data, len, it->label, NULL, &z)
                    : zip_open(path, NULL, &z);
    const zip_entry_t *en = NULL;
    if (!e)
        e = find_metadata(z, it, &en);
    if (!e)
        e = zip_extract_buf(z, en, METADATA_MAX, out, NULL);
    zip_close(z);
    return e;
}

static void answer_from_file(metadata_t *m, item_t *it, const char *path,
                             metadata_source_t source)
{
    buf_t b = BUF_INIT;
    err_t *e = read_whole(it, path, NULL, 0, &b);
    if (e)
        fail_invalid(it, e);
    else
        answer(m, it, b.data ? b.data : "", b.len, source);
    buf_free(&b);
}

/* ---- choosing the next step ------------------------------------------------------------------ */

static void no_ranges_for(metadata_t *m, const item_t *it)
{
    char *key = url_host_key(it->url);
    if (key)
        strv_push_unique(&m->no_ranges, &m->nno_ranges, &m->no_ranges_cap, key);
    free(key);
}

/* Ranges, or the download when the host is known not to do them. */
static void start_ranges(metadata_t *m, item_t *it)
{
    it->step = metadata_host_without_ranges(m, it->url) ? STEP_FULL : STEP_TAIL;
}

/* Gives up ranges for the download; `host` blames the server (later requests to it download at
 * once). */
static void give_up_ranges(metadata_t *m, item_t *it, bool host, err_t *why)
{
    add_note(it, "range requests failed (%s); downloaded the wheel instead", why->msg);
    err_free(why);
    if (host)
        no_ranges_for(m, it);
    m->stats.fallbacks++;
    buf_free(&it->have);
    zip_close(it->cd);
    it->cd = NULL;
    it->entry = NULL;
    it->step = STEP_FULL;
}

static void ask(item_t *it, step_t step, uint64_t from, uint64_t to)
{
    it->step = step;
    it->want_from = from;
    it->want_to = to;
}

/* Goes on with the archive's bytes held in it->have: the end records, the central directory,
 * METADATA; asks for what is missing, or answers. */
static void continue_ranges(metadata_t *m, item_t *it)
{
    const unsigned char *have = (const unsigned char *)it->have.data;
    if (!it->cd) {
        zip_tail_t t;
        err_t *e = zip_tail_parse(have, it->have.len, it->total, it->label, NULL, &t);
        if (e) {
            give_up_ranges(m, it, false, e);
            return;
        }
        if (t.need_more) {
            if (t.need_from >= it->have_from || it->have_from - t.need_from > MAX_EXTRA_END)
                give_up_ranges(m, it, false, err_new(EXIT_APPLY, "the end records need %llu "
                               "more bytes", (unsigned long long)(it->have_from - t.need_from)));
            else
                ask(it, STEP_MORE, t.need_from, it->have_from - 1);
            return;
        }
        if (t.cd_size > METADATA_MAX_CD) {
            give_up_ranges(m, it, false, err_new(EXIT_APPLY, "a central directory of %llu bytes",
                                                 (unsigned long long)t.cd_size));
            return;
        }
        if (t.cd_off < it->have_from) {
            ask(it, STEP_MORE, t.cd_off, it->have_from - 1);
            return;
        }
        e = zip_open_cdir(have + (t.cd_off - it->have_from), (size_t)t.cd_size, &t, it->label,
                          NULL, &it->cd);
        if (!e)
            e = find_metadata(it->cd, it, &it->entry);
        if (e) {
            give_up_ranges(m, it, false, e);
            return;
        }
    }
    uint64_t start, end;
    zip_member_range(it->cd, it->entry, &start, &end);
    if (end - start > MAX_MEMBER_RANGE) {
        give_up_ranges(m, it, false, err_new(EXIT_APPLY, "METADATA's range has %llu bytes",
                                             (unsigned long long)(end - start)));
        return;
    }
    if (start < it->have_from) {
        if (end > it->have_from)
            ask(it, STEP_MORE, start, it->have_from - 1);
        else
            ask(it, STEP_MEMBER, start, end - 1);
        return;
    }
    buf_t md = BUF_INIT;
    err_t *e = zip_extract_range_buf(it->cd, it->entry, have + (start - it->have_from),
                                     (size_t)(end - start), METADATA_MAX, &md, NULL);
    if (e)
        give_up_ranges(m, it, false, e);
    else
        answer(m, it, md.data ? md.data : "", md.len, METADATA_RANGES);
    buf_free(&md);
}

/* ---- the rounds ------------------------------------------------------------------------------ */

/* Sets up f for it's next step. */
static void make_fetch(item_t *it, http_fetch_t *f, buf_t *urlbuf)
{
    memset(f, 0, sizeof *f);
    f->filename = it->filename;
    f->url = it->url;
    switch (it->step) {
    case STEP_PEP658:
        buf_reset(urlbuf);
        buf_printf(urlbuf, "%s.metadata", it->url);
        f->url = urlbuf->data;
        f->max_bytes = METADATA_MAX;
        break;
    case STEP_TAIL:
        f->ranged = true;
        f->suffix = METADATA_TAIL;
        f->max_bytes = METADATA_TAIL;
        f->full = &it->dl;
        break;
    case STEP_MORE:
    case STEP_MEMBER:
        f->ranged = true;
        f->first = it->want_from;
        f->last = it->want_to;
        f->max_bytes = (size_t)(it->want_to - it->want_from + 1);
        f->full = &it->dl;
        break;
    case STEP_FULL:
        f->full = &it->dl;
        break;
    case STEP_DONE:
        break;
    }
}

/* A 200 answer stored as the whole wheel. */
static void answer_from_download(metadata_t *m, item_t *it, bool server_ignored_range)
{
    free(it->r->download);
    it->r->download = xstrdup(it->dl.path);
    if (server_ignored_range && !it->dl.from_cache) {
        add_note(it, "the server ignored the Range header; its answer was the whole wheel");
        no_ranges_for(m, it);
    }
    answer_from_file(m, it, it->dl.path,
                     it->dl.from_cache ? METADATA_DOWNLOADS : METADATA_DOWNLOAD);
}

/* Whether f is the 206 answer to exactly the range asked for. */
static err_t *check_range(const item_t *it, const http_fetch_t *f)
{
    if (f->range_first != it->want_from || f->range_last != it->want_to ||
        f->range_total != it->total)
        return err_new(EXIT_APPLY, "asked for bytes %llu-%llu/%llu, the server sent %llu-%llu/"
                       "%llu", (unsigned long long)it->want_from,
                       (unsigned long long)it->want_to, (unsigned long long)it->total,
                       (unsigned long long)f->range_first, (unsigned long long)f->range_last,
                       (unsigned long long)f->range_total);
    return NULL;
}

static void on_tail(metadata_t *m, item_t *it, http_fetch_t *f)
{
    uint64_t total = f->range_total, len = f->body.len;
    err_t *lie = NULL;
    if (total == 0)
        lie = err_new(EXIT_APPLY, "the server did not say the file's size (Content-Range "
                      "bytes %llu-%llu/*)", (unsigned long long)f->range_first,
                      (unsigned long long)f->range_last);
    else if (f->range_last != total - 1 || len != (total < METADATA_TAIL ? total : METADATA_TAIL))
        lie = err_new(EXIT_APPLY, "asked for the last %d bytes, the server sent %llu-%llu/%llu",
                      METADATA_TAIL, (unsigned long long)f->range_first,
                      (unsigned long long)f->range_last, (unsigned long long)total);
    else if (it->r->size >= 0 && total != (uint64_t)it->r->size)
        lie = err_new(EXIT_APPLY, "the server says the file has %llu bytes, the index %lld",
                      (unsigned long long)total, (long long)it->r->size);
    if (lie) {
        give_up_ranges(m, it, true, lie);
        return;
    }
    it->total = total;
    it->have_from = f->range_first;
    buf_free(&it->have);
    it->have = f->body;
    f->body = (buf_t)BUF_INIT;
    if (it->have_from > 0) {
        continue_ranges(m, it);
        return;
    }
    /* The whole wheel: check it as a download would be checked, and read it whole. */
    if (has(it->r->sha256)) {
        char hex[65];
        sha256_hex(it->have.data ? it->have.data : "", it->have.len, hex);
        if (strcmp(hex, it->r->sha256) != 0) {
            give_up_ranges(m, it, false, err_new(EXIT_APPLY, "the %zu bytes sent have sha256 %s, "
                                                 "not %s", it->have.len, hex, it->r->sha256));
            return;
        }
    }
    buf_t md = BUF_INIT;
    err_t *e = read_whole(it, NULL, it->have.data ? it->have.data : "", it->have.len, &md);
    if (e)
        give_up_ranges(m, it, false, e);
    else
        answer(m, it, md.data ? md.data : "", md.len, METADATA_RANGES);
    buf_free(&md);
}

/* Takes the answer to it's step. */
static void on_answer(metadata_t *m, item_t *it, http_fetch_t *f)
{
    metadata_req_t *r = it->r;
    step_t step = it->step;
    bool ranged = step == STEP_TAIL || step == STEP_MORE || step == STEP_MEMBER;
    if (!(f->full_stored && it->dl.from_cache)) {
        r->requests++;
        m->stats.requests++;
    }
    if (f->err) {
        err_t *e = f->err;
        f->err = NULL;
        if (ranged && f->bad_response) {
            give_up_ranges(m, it, true, e);
            return;
        }
        if (step == STEP_PEP658 && f->bad_response)
            e = err_ctx(e, "%s: the metadata file", it->label);
        fail(it, e);
        return;
    }
    if (f->full_stored) {
        answer_from_download(m, it, ranged);
        return;
    }
    switch (step) {
    case STEP_PEP658:
        if (f->status == 404 || f->status == 410) {
            add_note(it, "the index advertises %s.metadata, but it is missing (HTTP %d)",
                     it->filename, f->status);
            start_ranges(m, it);
            return;
        }
        if (f->status != 200)
            break;
        if (has(r->metadata_sha256)) {
            char hex[65];
            sha256_hex(f->body.data ? f->body.data : "", f->body.len, hex);
            if (strcmp(hex, r->metadata_sha256) != 0) {
                fail(it, err_hint(err_new(EXIT_APPLY, "%s: hash mismatch for %s.metadata\n"
                                          "    expected sha256:%s\n    got      sha256:%s",
                                          it->shown, it->filename, r->metadata_sha256, hex),
                                  "the metadata file differs from what the index promised"));
                return;
            }
        }
        answer(m, it, f->body.data ? f->body.data : "", f->body.len, METADATA_PEP658);
        return;
    case STEP_TAIL:
    case STEP_MORE:
    case STEP_MEMBER:
        if (f->status == 416 || f->status == 501) {
            give_up_ranges(m, it, true, err_new(EXIT_APPLY, "HTTP %d to a range request",
                                                f->status));
            return;
        }
        if (f->status != 206)
            break;
        if (step == STEP_TAIL) {
            on_tail(m, it, f);
            return;
        }
        err_t *lie = check_range(it, f);
        if (lie) {
            give_up_ranges(m, it, true, lie);
            return;
        }
        if (step == STEP_MORE) {
            /* prepend */
            buf_add(&f->body, it->have.data ? it->have.data : "", it->have.len);
            buf_free(&it->have);
            it->have = f->body;
            f->body = (buf_t)BUF_INIT;
            it->have_from = it->want_from;
            continue_ranges(m, it);
            return;
        } else {
            buf_t md = BUF_INIT;
            err_t *e = zip_extract_range_buf(it->cd, it->entry, f->body.data ? f->body.data : "",
                                             f->body.len, METADATA_MAX, &md, NULL);
            if (e)
                give_up_ranges(m, it, false, e);
            else
                answer(m, it, md.data ? md.data : "", md.len, METADATA_RANGES);
            buf_free(&md);
            return;
        }
    case STEP_FULL:
    case STEP_DONE:
        break;
    }
    /* 404 / 410 for the wheel itself, or an answer that fits no step. */
    fail(it, err_new(EXIT_APPLY, "%s: HTTP %d", it->shown, f->status));
}

/* ---- the batch ------------------------------------------------------------------------------- */

/* Prepares it for r: answers it when a local way works (or fails it when r is malformed), else
 * sets its first network step. */
static void begin(metadata_t *m, item_t *it, metadata_req_t *r)
{
    it->r = r;
    it->step = STEP_DONE;
    if (!!r->path == !!r->url) {
        fail(it, err_new(EXIT_USAGE, "metadata: a request needs exactly one of a path and a URL"));
        return;
    }
    char *derived = NULL;
    if (r->filename)
        it->filename = r->filename;
    else if (r->path)
        it->filename = path_basename(r->path);
    else
        it->filename = derived = url_basename(r->url);
    err_t *e = it->filename ? wheelname_parse(it->filename, &it->wn)
                            : err_new(EXIT_USAGE, "%s: no file name", r->url);
    if (e) {
        free(derived);
        fail_invalid(it, err_code(e, EXIT_APPLY));
        return;
    }
    /* it->filename must outlive the call: keep the derived copy in the parsed name */
    if (derived) {
        it->filename = it->wn->filename;
        free(derived);
    }
    if (r->path) {
        it->label = xstrdup(r->path);
        answer_from_file(m, it, r->path, METADATA_LOCAL);
        return;
    }
    it->url = url_without_fragment(r->url);
    it->shown = url_redact(it->url);
    it->label = xasprintf("%s (%s)", it->filename, it->shown);
    it->cache_path = cache_path(m, it);
    if (from_cache(m, it))
        return;
    it->dl.url = it->url;
    it->dl.filename = it->filename;
    it->dl.sha256 = r->sha256;
    it->dl.size = r->size;
    bool hit = false;
    if (m->h)
        hit = http_download_lookup(m->h, &it->dl);
    else if (sha256_ok(r->sha256)) {
        char *p = http_download_path(m->o.cache_dir, r->sha256);
        if (fs_exists(p)) {
            it->dl.path = p;
            it->dl.from_cache = true;
            hit = true;
        } else {
            free(p);
        }
    }
    if (hit) {
        it->r->download = xstrdup(it->dl.path);
        answer_from_file(m, it, it->dl.path, METADATA_DOWNLOADS);
        return;
    }
    if (r->core_metadata)
        it->step = STEP_PEP658;
    else
        start_ranges(m, it);
}

err_t *metadata_fetch(metadata_t *m, metadata_req_t *reqs, size_t n)
{
    item_t *items = xcalloc(n ? n : 1, sizeof *items);
    bool offline = m->o.offline || !m->h;
    buf_t missing = BUF_INIT;
    size_t nmissing = 0;
    for (size_t i = 0; i < n; i++) {
        metadata_req_clear(&reqs[i]);
        begin(m, &items[i], &reqs[i]);
        if (items[i].step != STEP_DONE && offline) {
            item_t *it = &items[i];
            fail(it, err_hint(err_new(EXIT_APPLY, "offline: the metadata of %s is not in the "
                                      "cache (%s)", it->filename, it->shown),
                              "run once without --offline (or VENVSYNC_OFFLINE) to fill the "
                              "cache"));
            buf_printf(&missing, "\n  %s (%s)", it->filename, it->shown);
            nmissing++;
        }
    }
    err_t *offline_err = NULL;
    http_fetch_t *fetches = xcalloc(n ? n : 1, sizeof *fetches);
    size_t *which = xcalloc(n ? n : 1, sizeof *which);
    buf_t *urls = xcalloc(n ? n : 1, sizeof *urls);
    for (int round = 0; round < MAX_ROUNDS; round++) {
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
            if (items[i].step == STEP_DONE)
                continue;
            make_fetch(&items[i], &fetches[k], &urls[k]);
            which[k++] = i;
        }
        if (!k)
            break;
        /* an offline client lists what it could not answer (each fetch has its error too) */
        err_chain(&offline_err, http_fetch_all(m->h, fetches, k));
        for (size_t j = 0; j < k; j++) {
            on_answer(m, &items[which[j]], &fetches[j]);
            http_fetch_clear(&fetches[j]);
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (items[i].step != STEP_DONE)
            fail(&items[i], err_new(EXIT_APPLY, "%s: too many steps for the metadata",
                                    items[i].label));
        item_free(&items[i]);
        buf_free(&urls[i]);
    }
    free(urls);
    free(which);
    free(fetches);
    free(items);
    err_t *e = NULL;
    if (nmissing)
        e = err_hint(err_new(EXIT_APPLY, "offline: the metadata of %zu file%s not in the cache:%s",
                             nmissing, nmissing == 1 ? " is" : "s are", buf_cstr(&missing)),
                     "run once without --offline (or VENVSYNC_OFFLINE) to fill the cache");
    buf_free(&missing);
    err_chain(&e, offline_err);
    return e;
}
