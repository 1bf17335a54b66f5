/*
 * sdist: unpacking source distributions (see sdist.h).
 */
#include "build/sdist.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "util/buf.h"
#include "util/fs.h"
#include "util/path.h"
#include "util/strv.h"
#include "util/tar.h"
#include "util/xalloc.h"
#include "wheel/zip.h"

bool sdist_pkg_info_static(const char *text, size_t len)
{
    meta_headers_t h = {0};
    err_t *e = meta_headers_parse(text, len, "PKG-INFO", &h);
    if (e) {
        err_free(e);
        return false;
    }
    bool ok = false;
    const char *mv = meta_headers_get(&h, "Metadata-Version");
    if (mv) {
        char *end;
        long major = strtol(mv, &end, 10), minor = 0;
        if (end != mv && *end == '.')
            minor = strtol(end + 1, &end, 10);
        ok = end != mv && (major > 2 || (major == 2 && minor >= 2));
    }
    for (size_t i = 0; ok && i < h.n; i++) {
        if (strcasecmp(h.items[i].key, "Dynamic") != 0)
            continue;
        const char *v = h.items[i].value;
        size_t n = strlen(v);
        while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
            n--;
        if ((n == 13 && strncasecmp(v, "Requires-Dist", n) == 0) ||
            (n == 15 && strncasecmp(v, "Requires-Python", n) == 0) ||
            (n == 14 && strncasecmp(v, "Provides-Extra", n) == 0))
            ok = false;
    }
    meta_headers_free(&h);
    return ok;
}

/* A .zip sdist (legacy, still on indexes): wheel/zip.h's checks (safe relative names, no links
 * or special files, zip-bomb limits), files 0644 or 0755. */
static err_t *zip_extract_tree(const char *archive, const char *dest)
{
    zip_t *z = NULL;
    err_t *e = zip_open(archive, NULL, &z);
    for (size_t i = 0; !e && i < zip_count(z); i++) {
        const zip_entry_t *en = zip_entry_at(z, i);
        char *p = path_join(dest, en->name);
        if (en->name[en->name_len - 1] == '/') {
            e = fs_mkdirs(p, 0755);
            free(p);
            continue;
        }
        char *parent = path_dirname(p);
        e = fs_mkdirs(parent, 0755);
        free(parent);
        int fd = e ? -1 : open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
                               zip_entry_is_executable(en) ? 0755 : 0644);
        if (!e && fd < 0)
            e = err_sys(EXIT_APPLY, errno, "creating %s", p);
        if (!e) {
            e = zip_extract_fd(z, en, fd, NULL);
            if (close(fd) != 0 && !e)
                e = err_sys(EXIT_APPLY, errno, "writing %s", p);
        }
        free(p);
    }
    zip_close(z);
    return e;
}

err_t *sdist_unpack(const char *archive, const char *display, const char *dest, sdist_t *out)
{
    memset(out, 0, sizeof *out);
    const char *name = display ? display : archive;
    const char *fname = path_basename(name);
    size_t flen = strlen(fname);
    bool zip = str_ends_with_ci(fname, flen, ".zip");
    if (!zip && !str_ends_with_ci(fname, flen, ".tar.gz") && !str_ends_with_ci(fname, flen, ".tgz"))
        return err_new(EXIT_APPLY, "%s: not a source distribution venvsync reads (.tar.gz, "
                       ".tgz or .zip)", name);
    err_t *e = zip ? zip_extract_tree(archive, dest) : tar_extract_file(archive, dest, NULL, NULL);
    if (e)
        return err_ctx(e, "unpacking the source distribution %s", name);
    char **entries = NULL;
    e = fs_list_dir(dest, &entries);
    if (e)
        return e;
    size_t n = strv_len(entries);
    char *top = n == 1 ? path_join(dest, entries[0]) : NULL;
    struct stat st;
    if (!top || lstat(top, &st) != 0 || !S_ISDIR(st.st_mode)) {
        e = err_new(EXIT_APPLY, "%s: a source distribution holds exactly one top-level "
                    "directory; this one holds %zu entr%s at the top", name, n,
                    n == 1 ? "y that is not a directory" : "ies");
        free(top);
        strv_free(entries);
        return e;
    }
    out->root = top;
    out->top = xstrdup(entries[0]);
    strv_free(entries);

    char *pi = path_join(top, "PKG-INFO");
    buf_t b = BUF_INIT;
    if (fs_try_read(pi, &b)) {
        e = meta_parse_metadata(buf_cstr(&b), b.len, pi, &out->meta);
        if (!e) {
            out->has_meta = true;
            out->static_metadata = sdist_pkg_info_static(buf_cstr(&b), b.len);
            out->pkg_info = buf_detach(&b);
        }
    } else if (errno != ENOENT) {
        e = err_sys(EXIT_APPLY, errno, "reading %s", pi);
    }
    buf_free(&b);
    free(pi);
    if (e) {
        e = err_ctx(e, "%s", name);
        sdist_free(out);
    }
    return e;
}

void sdist_free(sdist_t *s)
{
    free(s->root);
    free(s->top);
    free(s->pkg_info);
    if (s->has_meta)
        core_metadata_free(&s->meta);
    memset(s, 0, sizeof *s);
}
