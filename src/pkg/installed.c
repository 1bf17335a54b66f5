#include "pkg/installed.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/buf.h"
#include "util/fs.h"
#include "util/path.h"
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

static bool ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

static int cmp_dist(const void *a, const void *b)
{
    return strcasecmp(((const dist_t *)a)->name, ((const dist_t *)b)->name);
}

err_t *installed_list(const char *sp, dist_list_t *out)
{
    memset(out, 0, sizeof(*out));
    DIR *d = opendir(sp);
    if (!d)
        return errno == ENOENT ? NULL : err_sys(EXIT_APPLY, errno, "reading %s", sp);
    size_t cap = 0;
    buf_t text = BUF_INIT;
    struct dirent *de;
    while ((de = readdir(d))) {
        const char *meta;
        if (ends_with(de->d_name, ".dist-info"))
            meta = "METADATA";
        else if (ends_with(de->d_name, ".egg-info"))
            meta = "PKG-INFO";
        else
            continue;
        char *p = path_join(sp, de->d_name);
        char *mp = fs_is_dir(p) ? path_join(p, meta) : xstrdup(p);
        buf_reset(&text);
        if (fs_try_read(mp, &text)) {
            char *name = metadata_header(buf_cstr(&text), "Name");
            char *ver = metadata_header(buf_cstr(&text), "Version");
            if (name && ver) {
                XGROW(out->items, cap, out->n + 1);
                out->items[out->n++] = (dist_t){name, ver, xstrdup(de->d_name)};
            } else {
                free(name);
                free(ver);
            }
        }
        free(mp);
        free(p);
    }
    closedir(d);
    buf_free(&text);
    if (out->n)
        qsort(out->items, out->n, sizeof(dist_t), cmp_dist);
    return NULL;
}

void dist_list_free(dist_list_t *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->items[i].name);
        free(l->items[i].version);
        free(l->items[i].info_dir);
    }
    free(l->items);
    memset(l, 0, sizeof(*l));
}
