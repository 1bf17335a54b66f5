#include "wheel/cache.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "pkg/name.h"
#include "pkg/version.h"
#include "pkg/wheelname.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/hash.h"
#include "util/path.h"
#include "util/strv.h"
#include "util/xalloc.h"
#include "wheel/meta.h"
#include "pkg/record.h"
#include "wheel/zip.h"

#define INDEX_MAGIC "venvsync-wheel-index 2"
#define COMPLETE_TEXT "venvsync-wheel-entry 1\n"
#define MAX_SMALL_FILE ((size_t)64 << 20)       /* METADATA, WHEEL, RECORD, entry points */

/* ---- small helpers ------------------------------------------------------------------------ */

static bool is_hex64(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++)
        if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f')))
            return false;
    return n == 64;
}

static bool in_pycache(const char *path)
{
    for (const char *p = path;;) {
        const char *slash = strchr(p, '/');
        size_t n = slash ? (size_t)(slash - p) : strlen(p);
        if (n == 11 && memcmp(p, "__pycache__", 11) == 0)
            return true;
        if (!slash)
            return false;
        p = slash + 1;
    }
}

/* A relative, '/'-separated path without empty, "." or ".." components or control chars. */
static bool safe_rel_path(const char *p)
{
    if (!*p || *p == '/')
        return false;
    for (const unsigned char *c = (const unsigned char *)p; *c; c++)
        if (*c < 0x20 || *c == 0x7f || *c == '\\')
            return false;
    for (const char *s = p;;) {
        const char *slash = strchr(s, '/');
        size_t n = slash ? (size_t)(slash - s) : strlen(s);
        if (n == 0 || (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
            return false;
        if (!slash)
            return true;
        s = slash + 1;
    }
}

int wheel_cache_threads(size_t n_members)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    if (cpus < 2)
        cpus = 2;
    if (cpus > 8)
        cpus = 8;
    /* A thread per ~16 members at least: tiny wheels are not worth the start-up. */
    size_t want = n_members / 16 + 1;
    if ((long)want < cpus)
        cpus = (long)want;
    return cpus < 1 ? 1 : (int)cpus;
}

void wheel_unpacked_free(wheel_unpacked_t *w)
{
    if (!w)
        return;
    free(w->dir);
    free(w->tree);
    free(w->filename);
    free(w->dist_info);
    free(w->name);
    free(w->version);
    for (size_t i = 0; i < w->n_members; i++)
        free(w->members[i].path);
    free(w->members);
    free(w);
}

const wheel_member_t *wheel_unpacked_find(const wheel_unpacked_t *w, const char *path)
{
    for (size_t i = 0; i < w->n_members; i++)
        if (strcmp(w->members[i].path, path) == 0)
            return &w->members[i];
    return NULL;
}

static char *entries_dir(const char *cache_dir)
{
    return path_join(cache_dir, WHEEL_CACHE_SUBDIR);
}

/* ---- INDEX -------------------------------------------------------------------------------- */

static char kind_char(wheel_member_kind_t k)
{
    return k == WHEEL_MEMBER_RECORD ? 'r' : k == WHEEL_MEMBER_SIGNATURE ? 's' : 'f';
}

static void index_write(const wheel_unpacked_t *w, buf_t *out)
{
    buf_printf(out, "%s\n", INDEX_MAGIC);
    buf_printf(out, "sha256\t%s\n", w->sha256);
    buf_printf(out, "filename\t%s\n", w->filename);
    buf_printf(out, "name\t%s\n", w->name);
    buf_printf(out, "version\t%s\n", w->version);
    buf_printf(out, "dist-info\t%s\n", w->dist_info);
    buf_printf(out, "root-is-purelib\t%d\n", w->root_is_purelib ? 1 : 0);
    buf_printf(out, "newer-wheel-minor\t%d\n", w->newer_wheel_minor ? 1 : 0);
    buf_printf(out, "members\t%zu\n", w->n_members);
    for (size_t i = 0; i < w->n_members; i++) {
        const wheel_member_t *m = &w->members[i];
        buf_printf(out, "%c%c %llu %s %llu %lld\t%s\n", kind_char(m->kind),
                   m->executable ? 'x' : '-', (unsigned long long)m->size, m->hash,
                   (unsigned long long)m->ino, (long long)m->mtime_ns, m->path);
    }
}

static bool header_value(char *line, const char *key, char **out)
{
    size_t n = strlen(key);
    if (strncmp(line, key, n) != 0 || line[n] != '\t')
        return false;
    free(*out);
    *out = xstrdup(line + n + 1);
    return true;
}

static err_t *index_parse(char *text, wheel_unpacked_t *w, const char *label)
{
    char *save = NULL;
    char *line = strtok_r(text, "\n", &save);
    if (!line || strcmp(line, INDEX_MAGIC) != 0)
        return err_new(EXIT_APPLY, "%s: not a wheel cache index", label);
    char *sha = NULL, *purelib = NULL, *newer = NULL, *count = NULL;
    size_t cap = 0;
    err_t *e = NULL;
    while (!e && (line = strtok_r(NULL, "\n", &save))) {
        if (header_value(line, "sha256", &sha) || header_value(line, "filename", &w->filename) ||
            header_value(line, "name", &w->name) || header_value(line, "version", &w->version) ||
            header_value(line, "dist-info", &w->dist_info) ||
            header_value(line, "root-is-purelib", &purelib) ||
            header_value(line, "newer-wheel-minor", &newer) ||
            header_value(line, "members", &count))
            continue;
        /* "<kind><x> <size> <hash> <inode> <mtime ns>\t<path>" */
        char *tab = strchr(line, '\t');
        if (strlen(line) < 4 || line[2] != ' ' || !tab) {
            e = err_new(EXIT_APPLY, "%s: malformed line '%s'", label, line);
            break;
        }
        *tab = '\0';
        wheel_member_t m = {0};
        m.kind = line[0] == 'r' ? WHEEL_MEMBER_RECORD
                 : line[0] == 's' ? WHEEL_MEMBER_SIGNATURE : WHEEL_MEMBER_FILE;
        m.executable = line[1] == 'x';
        char *end = NULL;
        errno = 0;
        unsigned long long sz = strtoull(line + 3, &end, 10), ino = 0;
        long long mt = 0;
        char *hash = end && *end == ' ' ? end + 1 : NULL;
        char *id = hash && strlen(hash) > 44 && hash[43] == ' ' ? hash + 44 : NULL;
        if (id) {
            hash[43] = '\0';
            ino = strtoull(id, &end, 10);
            mt = end && *end == ' ' ? strtoll(end + 1, &end, 10) : 0;
        }
        if (errno || !id || !end || *end || !record_hash_is_sha256_b64(hash) ||
            !strchr("frs", line[0]) || !strchr("x-", line[1]) || !safe_rel_path(tab + 1)) {
            e = err_new(EXIT_APPLY, "%s: malformed member line for '%s'", label, tab + 1);
            break;
        }
        m.size = sz;
        m.ino = ino;
        m.mtime_ns = mt;
        memcpy(m.hash, hash, 44);
        m.path = xstrdup(tab + 1);
        XGROW(w->members, cap, w->n_members + 1);
        w->members[w->n_members++] = m;
        w->total_size += sz;
    }
    if (!e && (!sha || strcmp(sha, w->sha256) != 0 || !w->filename || !w->name ||
               !w->version || !w->dist_info || !purelib || !count ||
               strtoull(count, NULL, 10) != w->n_members || !safe_rel_path(w->dist_info)))
        e = err_new(EXIT_APPLY, "%s: incomplete or inconsistent index", label);
    if (!e) {
        w->root_is_purelib = strcmp(purelib, "1") == 0;
        w->newer_wheel_minor = newer && strcmp(newer, "1") == 0;
    }
    free(sha);
    free(purelib);
    free(newer);
    free(count);
    return e;
}

/* Loads the entry at dir (known to hold COMPLETE). */
static err_t *entry_load(const char *dir, const char *sha256_hex, wheel_unpacked_t **out)
{
    *out = NULL;
    char *index = path_join(dir, "INDEX");
    buf_t b = BUF_INIT;
    err_t *e = fs_read(index, &b);
    if (e) {
        free(index);
        return err_ctx(e, "reading the wheel cache");
    }
    wheel_unpacked_t *w = xcalloc(1, sizeof *w);
    memcpy(w->sha256, sha256_hex, 65);
    w->dir = xstrdup(dir);
    w->tree = path_join(dir, "tree");
    w->reused = true;
    if (!b.data)
        buf_adds(&b, "");
    e = index_parse(b.data, w, index);
    buf_free(&b);
    free(index);
    if (e) {
        wheel_unpacked_free(w);
        return e;
    }
    *out = w;
    return NULL;
}

static bool entry_complete(const char *dir)
{
    char *c = path_join(dir, "COMPLETE");
    buf_t b = BUF_INIT;
    bool ok = fs_try_read(c, &b) && strcmp(buf_cstr(&b), COMPLETE_TEXT) == 0;
    buf_free(&b);
    free(c);
    return ok;
}

static err_t *trash_dir(const char *base, const char *dir);

bool wheel_cache_intact(const wheel_unpacked_t *w, const char **first_changed)
{
    int fd = open(w->tree, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    bool ok = fd >= 0;
    for (size_t i = 0; ok && i < w->n_members; i++) {
        const wheel_member_t *m = &w->members[i];
        struct stat st;
        ok = fstatat(fd, m->path, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
             (uint64_t)st.st_size == m->size && (uint64_t)st.st_ino == m->ino &&
             (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec == m->mtime_ns;
        if (!ok && first_changed)
            *first_changed = m->path;
    }
    if (fd >= 0)
        close(fd);
    return ok;
}

/* Loads the complete entry at dir for reuse. An entry whose files are not as they were unpacked
 * (an installed file hard-linked to it was edited in place, or a crash tore it) or whose INDEX
 * is unreadable is evicted: *out is NULL, and the caller builds it again from the archive. */
static err_t *entry_reuse(const char *base, const char *dir, const char *sha256_hex,
                          wheel_unpacked_t **out)
{
    err_t *e = entry_load(dir, sha256_hex, out);
    if (!e && wheel_cache_intact(*out, NULL))
        return NULL;
    wheel_unpacked_free(*out);
    *out = NULL;
    err_free(e);
    return trash_dir(base, dir);
}

err_t *wheel_cache_lookup(const char *cache_dir, const char *sha256_hex, wheel_unpacked_t **out)
{
    *out = NULL;
    if (!is_hex64(sha256_hex))
        return err_new(EXIT_APPLY, "invalid sha256 '%s'", sha256_hex);
    char *base = entries_dir(cache_dir);
    char *dir = path_join(base, sha256_hex);
    err_t *e = NULL;
    if (entry_complete(dir))
        e = entry_reuse(base, dir, sha256_hex, out);
    free(base);
    free(dir);
    return e;
}

/* Whether the INDEX of the entry at dir says name/version (normalised name, PEP 440 equality,
 * else the same text). Reads the header only. */
static bool entry_is(const char *dir, const char *key, const version_t *want, const char *version)
{
    char *index = path_join(dir, "INDEX");
    int fd = open(index, O_RDONLY | O_CLOEXEC);
    free(index);
    if (fd < 0)
        return false;
    char head[4096];
    ssize_t got = read(fd, head, sizeof head - 1);
    close(fd);
    if (got <= 0)
        return false;
    head[got] = '\0';
    char *n = NULL, *v = NULL, *save = NULL;
    for (char *line = strtok_r(head, "\n", &save); line && !(n && v);
         line = strtok_r(NULL, "\n", &save)) {
        header_value(line, "name", &n);
        header_value(line, "version", &v);
    }
    bool same = false;
    if (n && v) {
        char *k = pkg_name_normalize(n);
        version_t have;
        if (strcmp(k, key) == 0) {
            if (want && version_parse(v, &have)) {
                same = version_cmp(&have, want) == 0;
                version_free(&have);
            } else {
                same = strcmp(v, version) == 0;
            }
        }
        free(k);
    }
    free(n);
    free(v);
    return same;
}

wheel_unpacked_t **wheel_cache_find(const char *cache_dir, const char *name,
                                    const char *version, size_t *n)
{
    wheel_unpacked_t **out = NULL;
    *n = 0;
    char *base = entries_dir(cache_dir);
    char **names = NULL;
    err_free(fs_list_dir(base, &names)); /* no cache (or none readable): nothing found */
    char *key = pkg_name_normalize(name);
    version_t want;
    bool parsed = version_parse(version, &want);
    size_t cap = 0;
    for (size_t i = 0; names && names[i]; i++) {
        char *dir = path_join(base, names[i]);
        wheel_unpacked_t *w = NULL;
        if (is_hex64(names[i]) && entry_complete(dir) &&
            entry_is(dir, key, parsed ? &want : NULL, version)) {
            err_t *le = entry_load(dir, names[i], &w);
            if (le) {
                err_free(le); /* a damaged entry says nothing */
                w = NULL;
            }
        }
        if (w) {
            XGROW(out, cap, *n + 2);
            out[(*n)++] = w;
            out[*n] = NULL;
        }
        free(dir);
    }
    if (parsed)
        version_free(&want);
    free(key);
    strv_free(names);
    free(base);
    return out;
}

void wheel_unpacked_list_free(wheel_unpacked_t **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        wheel_unpacked_free(v[i]);
    free(v);
}

/* Renames dir aside into base/.trash-XXXXXX and deletes it. */
static err_t *trash_dir(const char *base, const char *dir)
{
    char *trash = NULL;
    err_t *e = fs_mkdtemp_in(base, ".trash-", &trash);
    if (e)
        return e;
    char *dest = path_join(trash, "entry");
    if (rename(dir, dest) != 0) {
        int en = errno;
        free(dest);
        err_free(fs_rmtree(trash));
        free(trash);
        if (en == ENOENT)
            return NULL;
        return err_sys(EXIT_APPLY, en, "moving %s aside", dir);
    }
    free(dest);
    e = fs_rmtree(trash);
    free(trash);
    return e;
}

err_t *wheel_cache_evict(const char *cache_dir, const char *sha256_hex)
{
    if (!is_hex64(sha256_hex))
        return err_new(EXIT_APPLY, "invalid sha256 '%s'", sha256_hex);
    char *base = entries_dir(cache_dir);
    char *dir = path_join(base, sha256_hex);
    err_t *e = trash_dir(base, dir);
    free(dir);
    free(base);
    return e;
}

void wheel_cache_clean_stale(const char *cache_dir, long max_age_seconds)
{
    char *base = entries_dir(cache_dir);
    char **names = NULL;
    err_t *e = fs_list_dir(base, &names);
    if (e) {
        err_free(e);
        free(base);
        return;
    }
    time_t now = time(NULL);
    for (char **n = names; n && *n; n++) {
        if (strncmp(*n, ".tmp-", 5) != 0 && strncmp(*n, ".trash-", 7) != 0)
            continue;
        char *p = path_join(base, *n);
        struct stat st;
        if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode) && now - st.st_mtime > max_age_seconds)
            err_free(fs_rmtree(p));
        free(p);
    }
    strv_free(names);
    free(base);
}

err_t *wheel_cache_verify(const wheel_unpacked_t *w)
{
    for (size_t i = 0; i < w->n_members; i++) {
        const wheel_member_t *m = &w->members[i];
        char *p = path_join(w->tree, m->path);
        struct stat st;
        err_t *e = NULL;
        if (lstat(p, &st) != 0)
            e = err_sys(EXIT_APPLY, errno, "wheel cache entry %s: %s", w->dir, m->path);
        else if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size != m->size)
            e = err_new(EXIT_APPLY, "wheel cache entry %s: %s: size differs from the index",
                        w->dir, m->path);
        else if (((st.st_mode & 0111) != 0) != m->executable)
            e = err_new(EXIT_APPLY, "wheel cache entry %s: %s: mode changed", w->dir, m->path);
        if (!e) {
            buf_t b = BUF_INIT;
            e = fs_read(p, &b);
            if (!e) {
                unsigned char d[32];
                char b64[44];
                sha256_t h;
                sha256_init(&h);
                sha256_update(&h, b.data ? b.data : "", b.len);
                sha256_final(&h, d);
                sha256_b64url(d, b64);
                if (strcmp(b64, m->hash) != 0)
                    e = err_new(EXIT_APPLY, "wheel cache entry %s: %s: content changed (was an "
                                "installed file edited in place?)", w->dir, m->path);
            }
            buf_free(&b);
        }
        free(p);
        if (e)
            return e;
    }
    return NULL;
}

/* ---- validation --------------------------------------------------------------------------- */

typedef struct row_ref {
    const char *path;
    const record_row_t *row;
} row_ref_t;

static int row_ref_cmp(const void *a, const void *b)
{
    return strcmp(((const row_ref_t *)a)->path, ((const row_ref_t *)b)->path);
}

/* The hash value without '=' padding, compared with a computed RECORD-form digest. */
static bool hash_matches(const char *expected, const char *actual)
{
    size_t n = strlen(expected);
    while (n && expected[n - 1] == '=')
        n--;
    return n == strlen(actual) && memcmp(expected, actual, n) == 0;
}

/* The name part of a dist-info directory name matches the filename's name. Tries the text
 * before the first '-' and before the last '-' (unnormalised old directories). */
static bool dist_info_name_matches(const char *dist_info, const char *wheel_name)
{
    size_t n = strlen(dist_info) - strlen(".dist-info");
    const char *first = memchr(dist_info, '-', n);
    if (first && pkg_name_eq_n(dist_info, (size_t)(first - dist_info), wheel_name,
                               strlen(wheel_name)))
        return true;
    const char *last = NULL;
    for (size_t i = 0; i < n; i++)
        if (dist_info[i] == '-')
            last = dist_info + i;
    return last && pkg_name_eq_n(dist_info, (size_t)(last - dist_info), wheel_name,
                                 strlen(wheel_name));
}


static err_t *read_member(const zip_t *z, const char *name, buf_t *out, bool required)
{
    const zip_entry_t *e = zip_find(z, name);
    if (!e || e->is_dir) {
        if (!required)
            return NULL;
        return err_new(EXIT_APPLY, "%s: no %s", zip_label(z), name);
    }
    return zip_extract_buf(z, e, MAX_SMALL_FILE, out, NULL);
}

/* What extraction needs per member. */
typedef struct plan_item {
    const zip_entry_t *entry;
    wheel_member_t *member;
    const char *expected;       /* RECORD's hash value, or NULL (RECORD, signatures) */
} plan_item_t;

typedef struct validated {
    wheel_unpacked_t *w;
    plan_item_t *items;
    size_t n;
    record_t record;
} validated_t;

static void validated_free(validated_t *v)
{
    free(v->items);
    record_free(&v->record);
    wheel_unpacked_free(v->w);
    memset(v, 0, sizeof *v);
}

static err_t *validate(const zip_t *z, const char *filename, validated_t *v)
{
    memset(v, 0, sizeof *v);
    const char *label = zip_label(z);
    wheelname_t *wn = NULL;
    err_t *e = wheelname_parse(filename, &wn);
    if (e)
        return err_code(e, EXIT_APPLY);

    /* Exactly one top-level *.dist-info. */
    char *dist_info = NULL;
    size_t n = zip_count(z);
    for (size_t i = 0; i < n && !e; i++) {
        const zip_entry_t *en = zip_entry_at(z, i);
        const char *slash = strchr(en->name, '/');
        size_t len = slash ? (size_t)(slash - en->name) : en->name_len;
        if (!str_ends_with(en->name, len, ".dist-info"))
            continue;
        if (!dist_info)
            dist_info = xstrndup(en->name, len);
        else if (strlen(dist_info) != len || memcmp(dist_info, en->name, len) != 0)
            e = err_new(EXIT_APPLY, "%s: more than one .dist-info directory (%s, %.*s)", label,
                        dist_info, (int)len, en->name);
    }
    if (!e && !dist_info)
        e = err_new(EXIT_APPLY, "%s: no .dist-info directory", label);
    if (!e && !dist_info_name_matches(dist_info, wn->name))
        e = err_new(EXIT_APPLY, "%s: the .dist-info directory %s does not match the wheel's "
                    "name %s", label, dist_info, wn->name);

    buf_t wheel_txt = BUF_INIT, meta_txt = BUF_INIT, rec_txt = BUF_INIT;
    wheel_info_t wi = {0};
    core_metadata_t md = {0};
    char *p_wheel = NULL, *p_meta = NULL, *p_rec = NULL;
    if (!e) {
        p_wheel = xasprintf("%s/WHEEL", dist_info);
        p_meta = xasprintf("%s/METADATA", dist_info);
        p_rec = xasprintf("%s/RECORD", dist_info);
        e = read_member(z, p_wheel, &wheel_txt, true);
        if (!e)
            e = read_member(z, p_meta, &meta_txt, true);
        if (!e)
            e = read_member(z, p_rec, &rec_txt, true);
    }
    if (!e) {
        char *l = xasprintf("%s: %s", label, p_wheel);
        e = meta_parse_wheel(wheel_txt.data ? wheel_txt.data : "", wheel_txt.len, l, &wi);
        free(l);
    }
    if (!e) {
        char *l = xasprintf("%s: %s", label, p_meta);
        e = meta_parse_metadata(meta_txt.data ? meta_txt.data : "", meta_txt.len, l, &md);
        free(l);
    }
    if (!e && !pkg_name_eq(md.name, wn->name))
        e = err_new(EXIT_APPLY, "%s: METADATA names %s, the file name %s", label, md.name,
                    wn->name);
    if (!e) {
        version_t mv;
        bool ok = version_parse(md.version, &mv);
        if (!ok || version_cmp(&mv, &wn->version) != 0)
            e = err_new(EXIT_APPLY, "%s: METADATA has version %s, the file name %s", label,
                        md.version, wn->version_text);
        version_free(&mv);
    }
    if (!e) {
        char *l = xasprintf("%s: %s", label, p_rec);
        e = record_parse(rec_txt.data ? rec_txt.data : "", rec_txt.len, l, &v->record);
        free(l);
    }

    /* Index RECORD by path. */
    row_ref_t *refs = NULL;
    size_t nrefs = 0;
    if (!e) {
        refs = xmalloc((v->record.n + 1) * sizeof *refs);
        for (size_t i = 0; i < v->record.n; i++)
            refs[nrefs++] = (row_ref_t){v->record.rows[i].path, &v->record.rows[i]};
        qsort(refs, nrefs, sizeof *refs, row_ref_cmp);
        for (size_t i = 1; i < nrefs && !e; i++) {
            const record_row_t *a = refs[i - 1].row, *b = refs[i].row;
            if (strcmp(a->path, b->path) != 0)
                continue;
            bool same = a->size == b->size &&
                        ((!a->hash && !b->hash) ||
                         (a->hash && b->hash && strcmp(a->hash_algo, b->hash_algo) == 0 &&
                          strcmp(a->hash, b->hash) == 0));
            if (!same)
                e = err_new(EXIT_APPLY, "%s: RECORD lists '%s' twice with different values",
                            label, a->path);
        }
    }

    if (!e) {
        wheel_unpacked_t *w = xcalloc(1, sizeof *w);
        v->w = w;
        w->filename = xstrdup(filename);
        w->dist_info = dist_info;
        dist_info = NULL;
        w->name = md.name;
        md.name = NULL;
        w->version = md.version;
        md.version = NULL;
        w->root_is_purelib = wi.root_is_purelib;
        w->newer_wheel_minor = wi.newer_minor;
        w->members = xcalloc(n ? n : 1, sizeof *w->members);
        v->items = xcalloc(n ? n : 1, sizeof *v->items);
        char *sig1 = xasprintf("%s/RECORD.jws", w->dist_info);
        char *sig2 = xasprintf("%s/RECORD.p7s", w->dist_info);
        for (size_t i = 0; i < n && !e; i++) {
            const zip_entry_t *en = zip_entry_at(z, i);
            if (en->is_dir || in_pycache(en->name))
                continue;
            wheel_member_t *m = &w->members[w->n_members];
            m->kind = strcmp(en->name, p_rec) == 0 ? WHEEL_MEMBER_RECORD
                      : (strcmp(en->name, sig1) == 0 || strcmp(en->name, sig2) == 0)
                          ? WHEEL_MEMBER_SIGNATURE
                          : WHEEL_MEMBER_FILE;
            const char *expected = NULL;
            if (m->kind == WHEEL_MEMBER_FILE) {
                row_ref_t key = {en->name, NULL};
                row_ref_t *hit = bsearch(&key, refs, nrefs, sizeof *refs, row_ref_cmp);
                if (!hit) {
                    e = err_new(EXIT_APPLY, "%s: member '%s' is not listed in RECORD", label,
                                en->name);
                    break;
                }
                const record_row_t *row = hit->row;
                if (!row->hash) {
                    e = err_new(EXIT_APPLY, "%s: RECORD has no hash for '%s'", label, en->name);
                    break;
                }
                if (strcmp(row->hash_algo, "sha256") != 0) {
                    e = err_new(EXIT_APPLY, "%s: RECORD uses the unsupported hash algorithm "
                                "'%s' for '%s' (only sha256 is supported)", label,
                                row->hash_algo, en->name);
                    break;
                }
                if (row->size >= 0 && (uint64_t)row->size != en->usize) {
                    e = err_new(EXIT_APPLY, "%s: member '%s' has %llu bytes, RECORD says %lld",
                                label, en->name, (unsigned long long)en->usize,
                                (long long)row->size);
                    break;
                }
                expected = row->hash;
            }
            m->path = xstrdup(en->name);
            m->size = en->usize;
            m->executable = zip_entry_is_executable(en);
            v->items[w->n_members] = (plan_item_t){en, m, expected};
            w->n_members++;
            w->total_size += en->usize;
        }
        free(sig1);
        free(sig2);
        v->n = w->n_members;
    }
    free(refs);
    free(p_wheel);
    free(p_meta);
    free(p_rec);
    buf_free(&wheel_txt);
    buf_free(&meta_txt);
    buf_free(&rec_txt);
    wheel_info_free(&wi);
    core_metadata_free(&md);
    free(dist_info);
    wheelname_free(wn);
    if (e)
        validated_free(v);
    return e;
}

/* ---- extraction --------------------------------------------------------------------------- */

typedef struct pool {
    const zip_t *z;
    plan_item_t *items;
    size_t n;
    int tree_fd;
    mode_t umask;               /* the process's: a file opened with a mode the umask leaves
                                 * whole needs no fchmod */
    atomic_size_t next;
    atomic_bool stop;
    pthread_mutex_t mu;
    err_t *err;
} pool_t;

static void pool_fail(pool_t *p, err_t *e)
{
    pthread_mutex_lock(&p->mu);
    if (!p->err)
        p->err = e;
    else
        err_free(e);
    pthread_mutex_unlock(&p->mu);
    atomic_store(&p->stop, true);
}

static err_t *extract_one(pool_t *p, plan_item_t *it)
{
    const char *label = zip_label(p->z);
    mode_t mode = it->member->executable ? 0755 : 0644;
    int fd = openat(p->tree_fd, it->member->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
                    O_NOFOLLOW, mode);
    if (fd < 0)
        return err_sys(EXIT_APPLY, errno, "%s: extracting '%s'", label, it->member->path);
    zip_result_t res;
    err_t *e = zip_extract_fd(p->z, it->entry, fd, &res);
    if (!e && (mode & p->umask) && fchmod(fd, mode) != 0)
        e = err_sys(EXIT_APPLY, errno, "%s: extracting '%s'", label, it->member->path);
    struct stat st;
    if (!e && fstat(fd, &st) != 0)
        e = err_sys(EXIT_APPLY, errno, "%s: extracting '%s'", label, it->member->path);
    if (!e) { /* its identity: linking checks it (wheel_cache_intact) */
        it->member->ino = (uint64_t)st.st_ino;
        it->member->mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
    }
    if (close(fd) != 0 && !e)
        e = err_sys(EXIT_APPLY, errno, "%s: extracting '%s'", label, it->member->path);
    if (e)
        return e;
    sha256_b64url(res.sha256, it->member->hash);
    if (it->expected && !hash_matches(it->expected, it->member->hash))
        return err_new(EXIT_APPLY, "%s: member '%s' does not match its RECORD hash (RECORD "
                       "sha256=%s, content sha256=%s)", label, it->member->path, it->expected,
                       it->member->hash);
    return NULL;
}

static void *pool_worker(void *arg)
{
    pool_t *p = arg;
    while (!atomic_load(&p->stop)) {
        size_t i = atomic_fetch_add(&p->next, 1);
        if (i >= p->n)
            break;
        err_t *e = extract_one(p, &p->items[i]);
        if (e)
            pool_fail(p, e);
    }
    return NULL;
}

static err_t *make_parents(const char *tree, const validated_t *v)
{
    char *prev = NULL;
    err_t *e = NULL;
    for (size_t i = 0; i < v->n && !e; i++) {
        const char *path = v->items[i].member->path;
        const char *slash = strrchr(path, '/');
        if (!slash)
            continue;
        size_t len = (size_t)(slash - path);
        if (prev && strlen(prev) == len && memcmp(prev, path, len) == 0)
            continue;
        free(prev);
        prev = xstrndup(path, len);
        char *d = path_join(tree, prev);
        e = fs_mkdirs(d, 0755);
        free(d);
    }
    free(prev);
    return e;
}

static err_t *extract_all(const zip_t *z, const char *tree, validated_t *v)
{
    err_t *e = make_parents(tree, v);
    if (e)
        return e;
    pool_t p;
    memset(&p, 0, sizeof p);
    p.z = z;
    p.items = v->items;
    p.n = v->n;
    p.umask = fs_umask();
    atomic_init(&p.next, 0);
    atomic_init(&p.stop, false);
    pthread_mutex_init(&p.mu, NULL);
    p.tree_fd = open(tree, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (p.tree_fd < 0) {
        pthread_mutex_destroy(&p.mu);
        return err_sys(EXIT_APPLY, errno, "opening %s", tree);
    }
    int nt = wheel_cache_threads(v->n);
    pthread_t th[8];
    int started = 0;
    for (int i = 1; i < nt; i++) {
        if (pthread_create(&th[started], NULL, pool_worker, &p) != 0)
            break;
        started++;
    }
    pool_worker(&p);
    for (int i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    close(p.tree_fd);
    pthread_mutex_destroy(&p.mu);
    return p.err;
}

/* ---- the entry point ---------------------------------------------------------------------- */

/* Checks that a reused entry belongs to a wheel of the same name. */
err_t *wheel_cache_check_name(const wheel_unpacked_t *w, const char *filename, const char *label)
{
    wheelname_t *wn = NULL;
    err_t *e = wheelname_parse(filename, &wn);
    if (e)
        return err_code(e, EXIT_APPLY);
    if (!pkg_name_eq(wn->name, w->name))
        e = err_new(EXIT_APPLY, "%s: its sha256 matches a cached wheel of %s, not %s", label,
                    w->name, wn->name);
    wheelname_free(wn);
    return e;
}

static err_t *build_entry(const char *base, const char *final, const char *wheel_path,
                          const char *filename, const char *sha, wheel_unpacked_t **out)
{
    zip_t *z = NULL;
    err_t *e = zip_open(wheel_path, NULL, &z);
    if (e)
        return e;
    validated_t v;
    e = validate(z, filename, &v);
    if (e) {
        zip_close(z);
        return e;
    }
    char *tmp = NULL;
    e = fs_mkdtemp_in(base, ".tmp-", &tmp);
    char *tree = tmp ? path_join(tmp, "tree") : NULL;
    if (!e && mkdir(tree, 0755) != 0)
        e = err_sys(EXIT_APPLY, errno, "creating %s", tree);
    if (!e)
        e = extract_all(z, tree, &v);
    zip_close(z);
    wheel_unpacked_t *w = v.w;
    if (!e) {
        memcpy(w->sha256, sha, 65);
        buf_t idx = BUF_INIT;
        index_write(w, &idx);
        char *ip = path_join(tmp, "INDEX");
        e = fs_write_new(ip, idx.data, idx.len, 0644);
        free(ip);
        buf_free(&idx);
    }
    if (!e) {
        char *cp = path_join(tmp, "COMPLETE");
        e = fs_write_new(cp, COMPLETE_TEXT, strlen(COMPLETE_TEXT), 0644);
        free(cp);
    }
    bool lost_race = false;
    /* The rename is not flushed either: an entry whose rename a crash lost is unpacked
     * again, and one whose files it tore fails wheel_cache_intact (see the header). */
    if (!e && rename(tmp, final) != 0) {
        if (errno == EEXIST || errno == ENOTEMPTY) {
            if (entry_complete(final)) {
                lost_race = true;
            } else {
                /* A damaged entry without COMPLETE: replace it. */
                e = trash_dir(base, final);
                if (!e && rename(tmp, final) != 0) {
                    if ((errno == EEXIST || errno == ENOTEMPTY) && entry_complete(final))
                        lost_race = true;
                    else
                        e = err_sys(EXIT_APPLY, errno, "moving %s into place", final);
                }
            }
        } else {
            e = err_sys(EXIT_APPLY, errno, "moving %s into place", final);
        }
    }
    if (tmp && (e || lost_race))
        err_free(fs_rmtree(tmp));
    free(tree);
    free(tmp);
    if (e) {
        validated_free(&v);
        return e;
    }
    if (lost_race) {
        validated_free(&v);
        e = entry_load(final, sha, out);
        return e;
    }
    w->dir = xstrdup(final);
    w->tree = path_join(final, "tree");
    v.w = NULL;
    validated_free(&v);
    *out = w;
    return NULL;
}

err_t *wheel_cache_unpack_named(const char *cache_dir, const char *wheel_path,
                                const char *filename, const char *sha256_hex,
                                wheel_unpacked_t **out)
{
    *out = NULL;
    char sha[65];
    err_t *e = NULL;
    if (sha256_hex) {
        if (!is_hex64(sha256_hex))
            return err_new(EXIT_APPLY, "%s: invalid sha256 '%s'", wheel_path, sha256_hex);
        memcpy(sha, sha256_hex, 65);
    } else {
        e = sha256_file_hex(wheel_path, sha);
        if (e)
            return e;
    }
    char *base = entries_dir(cache_dir);
    char *final = path_join(base, sha);
    if (entry_complete(final)) {
        e = entry_reuse(base, final, sha, out);
        if (!e && *out) {
            e = wheel_cache_check_name(*out, filename, wheel_path);
            if (e) {
                wheel_unpacked_free(*out);
                *out = NULL;
            }
        }
        if (e || *out) {
            free(final);
            free(base);
            return e;
        }
        /* evicted: built again below */
    }
    if (sha256_hex) {
        char actual[65];
        e = sha256_file_hex(wheel_path, actual);
        if (!e && strcmp(actual, sha) != 0)
            e = err_new(EXIT_APPLY, "%s: sha256 mismatch: expected %s, got %s", wheel_path,
                        sha, actual);
    }
    if (!e)
        e = fs_mkdirs(base, 0755);
    if (!e)
        e = build_entry(base, final, wheel_path, filename, sha, out);
    free(final);
    free(base);
    return e;
}

err_t *wheel_cache_unpack(const char *cache_dir, const char *wheel_path, const char *sha256_hex,
                          wheel_unpacked_t **out)
{
    return wheel_cache_unpack_named(cache_dir, wheel_path, path_basename(wheel_path),
                                    sha256_hex, out);
}

err_t *wheel_cache_prune(const char *cache_dir, long older_than_days, size_t *removed,
                         unsigned long long *freed)
{
    wheel_cache_clean_stale(cache_dir, 3600);
    if (older_than_days < 0)
        return NULL;
    err_t *e = NULL;
    char *wheels = path_join(cache_dir, WHEEL_CACHE_SUBDIR);
    char **names = NULL;
    err_free(fs_list_dir(wheels, &names));
    time_t cutoff = time(NULL) - (time_t)older_than_days * 86400;
    for (size_t i = 0; names && names[i] && !e; i++) {
        if (names[i][0] == '.')
            continue;
        char *p = path_join(wheels, names[i]);
        struct stat st;
        bool old = stat(p, &st) == 0 && st.st_mtime < cutoff && st.st_atime < cutoff;
        free(p);
        if (old) {
            e = cachedir_remove(wheels, names[i], freed);
            ++*removed;
        }
    }
    strv_free(names);
    free(wheels);
    return e;
}
