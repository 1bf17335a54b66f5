#include "pkg/installed.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "pkg/name.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/path.h"
#include "util/strv.h"
#include "util/xalloc.h"

char *metadata_header(const char *text, const char *key)
{
    size_t kl = strlen(key);
    const char *line = text;
    while (*line && *line != '\n' && !(line[0] == '\r' && line[1] == '\n')) {
        const char *eol = strchr(line, '\n');
        size_t len = eol ? (size_t)(eol - line) : strlen(line);
        if (len > kl && strncasecmp(line, key, kl) == 0 && line[kl] == ':') {
            const char *v = line + kl + 1;
            const char *end = line + len;
            while (v < end && isspace((unsigned char)*v))
                v++;
            while (end > v && isspace((unsigned char)end[-1]))
                end--;
            return xstrndup(v, (size_t)(end - v));
        }
        if (!eol)
            break;
        line = eol + 1;
    }
    return NULL;
}


#define TMP_MARK ".venvsync-tmp-"

char *installed_tmp_prefix(const char *dist_info)
{
    return xasprintf(".%s" TMP_MARK, dist_info);
}

bool installed_tmp_parse(const char *entry, char **dist_info)
{
    if (dist_info)
        *dist_info = NULL;
    if (entry[0] != '.')
        return false;
    const char *mark = strstr(entry, ".dist-info" TMP_MARK);
    if (!mark || mark == entry + 1 || !mark[strlen(".dist-info" TMP_MARK)])
        return false;
    if (dist_info)
        *dist_info = xstrndup(entry + 1, (size_t)(mark - entry - 1) + strlen(".dist-info"));
    return true;
}

bool installed_split(const char *dist_info, char **name, char **version)
{
    *name = *version = NULL;
    size_t n = strlen(dist_info);
    if (str_ends_with(dist_info, n, ".dist-info"))
        n -= strlen(".dist-info");
    const char *dash = memchr(dist_info, '-', n);
    if (!dash || dash == dist_info || dash + 1 >= dist_info + n)
        return false;
    *name = xstrndup(dist_info, (size_t)(dash - dist_info));
    *version = xstrndup(dash + 1, (size_t)(dist_info + n - dash - 1));
    return true;
}

const char *dist_missing_text(unsigned missing)
{
    switch (missing & (DIST_MISSING_METADATA | DIST_MISSING_RECORD)) {
    case DIST_MISSING_METADATA: return "no METADATA";
    case DIST_MISSING_RECORD: return "no RECORD";
    case DIST_MISSING_METADATA | DIST_MISSING_RECORD: return "no METADATA and no RECORD";
    default: return "";
    }
}

/* Which of METADATA and RECORD the .dist-info `name` in the directory dfd lacks (not a regular
 * file there). 0 for anything else. */
static unsigned info_missing(int dfd, const char *name)
{
    size_t n = strlen(name);
    if (dfd < 0 || !str_ends_with(name, n, ".dist-info"))
        return 0;
    unsigned m = 0;
    static const char *const files[] = {"METADATA", "RECORD"};
    static const unsigned bits[] = {DIST_MISSING_METADATA, DIST_MISSING_RECORD};
    char small[256];
    char *rel = n + sizeof "/METADATA" <= sizeof small ? small : xmalloc(n + sizeof "/METADATA");
    memcpy(rel, name, n);
    rel[n] = '/';
    for (int i = 0; i < 2; i++) {
        strcpy(rel + n + 1, files[i]);
        struct stat st;
        if (fstatat(dfd, rel, &st, 0) != 0 || !S_ISREG(st.st_mode))
            m |= bits[i];
    }
    if (rel != small)
        free(rel);
    return m;
}

static void add_leftover(dist_list_t *out, size_t *cap, const char *name)
{
    strv_push(&out->leftovers, &out->nleftovers, cap, xstrdup(name));
}

/* The length of the ".dist-info" or ".egg-info" suffix of a metadata directory name, else 0. */
static size_t info_suffix(const char *name)
{
    size_t n = strlen(name);
    return str_ends_with(name, n, ".dist-info") ? 10 : str_ends_with(name, n, ".egg-info") ? 9 : 0;
}

static int cmp_dist(const void *a, const void *b)
{
    return strcmp(((const dist_t *)a)->key, ((const dist_t *)b)->key);
}

static void add_dist(dist_list_t *out, size_t *cap, char *name, char *version, const char *dir,
                     unsigned missing)
{
    XGROW(out->items, *cap, out->n + 1);
    out->items[out->n++] = (dist_t){.name = name, .key = pkg_name_normalize(name),
                                    .version = version, .info_dir = xstrdup(dir),
                                    .missing = missing};
}

/* Sorts what a listing found. */
static void finish_list(dist_list_t *out)
{
    if (out->n)
        qsort(out->items, out->n, sizeof(dist_t), cmp_dist);
    strv_sort(out->leftovers);
}

/* Reads Name and Version from the metadata file of entry `dir` in sp. */
static bool read_meta(const char *sp, const char *dir, buf_t *text, char **name, char **ver)
{
    const char *meta = str_ends_with(dir, strlen(dir), ".dist-info") ? "METADATA" : "PKG-INFO";
    char *p = path_join(sp, dir);
    char *mp = fs_is_dir(p) ? path_join(p, meta) : xstrdup(p);
    buf_reset(text);
    *name = *ver = NULL;
    if (fs_try_read(mp, text)) {
        *name = metadata_header(buf_cstr(text), "Name");
        *ver = metadata_header(buf_cstr(text), "Version");
    }
    free(mp);
    free(p);
    if (*name && *ver)
        return true;
    free(*name);
    free(*ver);
    *name = *ver = NULL;
    return false;
}

err_t *installed_scan(const char *sp, dist_list_t *out)
{
    memset(out, 0, sizeof(*out));
    DIR *d = opendir(sp);
    if (!d)
        return errno == ENOENT ? NULL : err_sys(EXIT_APPLY, errno, "reading %s", sp);
    size_t cap = 0, lcap = 0;
    int dfd = dirfd(d);
    buf_t text = BUF_INIT;
    struct dirent *de;
    while ((de = readdir(d))) {
        const char *n = de->d_name;
        if (installed_tmp_parse(n, NULL)) {
            add_leftover(out, &lcap, n);
            continue;
        }
        size_t suffix = info_suffix(n);
        if (!suffix)
            continue;
        size_t stem = strlen(n) - suffix;
        const char *dash = memchr(n, '-', stem);
        if (dash && dash > n && dash + 1 < n + stem) {
            /* egg-info stems may end in "-pyX.Y": the version stops at the next '-' */
            const char *vend = memchr(dash + 1, '-', (size_t)(n + stem - dash - 1));
            char *name = xstrndup(n, (size_t)(dash - n));
            char *ver = xstrndup(dash + 1, (size_t)((vend ? vend : n + stem) - dash - 1));
            add_dist(out, &cap, name, ver, n, info_missing(dfd, n));
            continue;
        }
        char *name, *ver;
        if (read_meta(sp, n, &text, &name, &ver))
            add_dist(out, &cap, name, ver, n, info_missing(dfd, n));
    }
    closedir(d);
    buf_free(&text);
    finish_list(out);
    return NULL;
}

const dist_t *dist_list_find(const dist_list_t *l, const char *key)
{
    size_t lo = 0, hi = l->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(l->items[mid].key, key);
        if (c == 0)
            return &l->items[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

err_t *installed_list(const char *sp, dist_list_t *out)
{
    memset(out, 0, sizeof(*out));
    DIR *d = opendir(sp);
    if (!d)
        return errno == ENOENT ? NULL : err_sys(EXIT_APPLY, errno, "reading %s", sp);
    size_t cap = 0, lcap = 0;
    int dfd = dirfd(d);
    buf_t text = BUF_INIT;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (installed_tmp_parse(de->d_name, NULL)) {
            add_leftover(out, &lcap, de->d_name);
            continue;
        }
        if (!info_suffix(de->d_name))
            continue;
        char *name, *ver;
        if (read_meta(sp, de->d_name, &text, &name, &ver))
            add_dist(out, &cap, name, ver, de->d_name, info_missing(dfd, de->d_name));
    }
    closedir(d);
    buf_free(&text);
    finish_list(out);
    return NULL;
}

void dist_list_free(dist_list_t *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->items[i].name);
        free(l->items[i].key);
        free(l->items[i].version);
        free(l->items[i].info_dir);
        free(l->items[i].damage);
        free(l->items[i].source);
    }
    free(l->items);
    strv_free(l->leftovers);
    memset(l, 0, sizeof(*l));
}

void installed_read_source(const char *site_packages, dist_t *d)
{
    free(d->source);
    d->source = NULL;
    char *p = path_joinv(site_packages, d->info_dir, INSTALLED_SOURCE_FILE, (char *)NULL);
    buf_t b = BUF_INIT;
    if (fs_try_read(p, &b) && b.len) {
        size_t n = strcspn(b.data, "\n");
        d->source = xstrndup(b.data, n);
    }
    buf_free(&b);
    free(p);
}
