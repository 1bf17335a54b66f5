#include "wheel/verify.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/fs.h"
#include "util/hash.h"
#include "util/path.h"
#include "util/xalloc.h"
#include "pkg/record.h"

static void note(wheel_damage_t *d, const char *path, const char *what)
{
    d->bad++;
    if (!d->first)
        d->first = xasprintf("%s: %s", path, what);
}

/* sha256 of the file at path in RECORD's form; false when it cannot be read. */
static bool hash_file(const char *path, char b64[44])
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    sha256_t h;
    sha256_init(&h);
    char chunk[1 << 16];
    ssize_t r;
    bool ok = true;
    while ((r = read(fd, chunk, sizeof chunk)) != 0) {
        if (r < 0) {
            if (errno == EINTR)
                continue;
            ok = false;
            break;
        }
        sha256_update(&h, chunk, (size_t)r);
    }
    close(fd);
    unsigned char digest[32];
    sha256_final(&h, digest);
    sha256_b64url(digest, b64);
    return ok;
}

err_t *wheel_verify_installed(const char *env_root, const char *dist_info, wheel_damage_t *out)
{
    memset(out, 0, sizeof(*out));
    char *recpath = path_join(dist_info, "RECORD");
    buf_t text = BUF_INIT;
    err_t *e = fs_read(recpath, &text);
    record_t rec = RECORD_INIT;
    if (!e)
        e = record_parse(buf_cstr(&text), text.len, recpath, &rec);
    buf_free(&text);
    free(recpath);
    if (e)
        return err_ctx(e, "verifying %s", path_basename(dist_info));
    char *base = path_dirname(dist_info);
    for (size_t i = 0; i < rec.n; i++) {
        const record_row_t *row = &rec.rows[i];
        char *abs = NULL;
        err_t *pe = record_resolve_path(base, env_root, row->path, &abs);
        if (pe) { /* a row pointing outside the environment is not ours to check */
            err_free(pe);
            continue;
        }
        struct stat st;
        if (lstat(abs, &st) != 0) {
            if (row->hash || row->size >= 0)
                note(out, row->path, "missing");
        } else if (row->size >= 0 && st.st_size != row->size) {
            note(out, row->path, "size changed");
        } else if (row->hash && row->hash_algo && strcmp(row->hash_algo, "sha256") == 0) {
            char b64[44];
            out->checked++;
            if (!hash_file(abs, b64))
                note(out, row->path, "unreadable");
            else if (strcmp(b64, row->hash) != 0)
                note(out, row->path, "modified");
        }
        free(abs);
    }
    free(base);
    record_free(&rec);
    return NULL;
}

void wheel_damage_free(wheel_damage_t *d)
{
    free(d->first);
    d->first = NULL;
}
