/* zip: the zip_t (see zip.h): opening an archive (a mapped file or the caller's bytes) and
 * validating it through zip_cdir.c, closing it, its entries and lookup by name, and the error
 * messages that name the archive and a member. Extraction is zip_extract.c's. */
#include "wheel/zip.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/xalloc.h"
#include "wheel/zip_internal.h"

/* ---- error messages ---------------------------------------------------------------------- */

void zip_add_escaped(buf_t *b, const char *s, size_t n, bool raw)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f || (raw && c >= 0x80) || c == '\\')
            buf_printf(b, "\\x%02x", c);
        else
            buf_addc(b, (char)c);
    }
}

err_t *zip_verr(buf_t *b, const char *fmt, va_list ap)
{
    buf_vprintf(b, fmt, ap);
    err_t *e = err_new(EXIT_APPLY, "%s", buf_cstr(b));
    buf_free(b);
    return e;
}

err_t *zip_member_err(const char *label, const char *name, size_t len, bool raw,
                      const char *fmt, ...)
{
    buf_t b = BUF_INIT;
    buf_printf(&b, "%s: member '", label);
    zip_add_escaped(&b, name, len, raw);
    buf_adds(&b, "': ");
    va_list ap;
    va_start(ap, fmt);
    err_t *e = zip_verr(&b, fmt, ap);
    va_end(ap);
    return e;
}

/* ---- names as keys ----------------------------------------------------------------------- */

size_t zip_key_len(const zip_entry_t *e) { return e->name_len - (e->is_dir ? 1 : 0); }

int zip_key_cmp(const char *a, size_t al, const char *b, size_t bl)
{
    int c = memcmp(a, b, al < bl ? al : bl);
    if (c)
        return c;
    return (al > bl) - (al < bl);
}

size_t zip_lower_bound(const zip_t *z, const char *s, size_t n)
{
    size_t lo = 0, hi = z->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const zip_entry_t *e = z->by_name[mid];
        if (zip_key_cmp(e->name, zip_key_len(e), s, n) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* ---- the zip_t ----------------------------------------------------------------------------- */

static err_t *open_common(zip_t *z, const zip_options_t *opts, zip_t **out)
{
    err_t *err = zip_parse(z, opts);
    if (err) {
        zip_close(z);
        *out = NULL;
        return err;
    }
    *out = z;
    return NULL;
}

err_t *zip_open_mem(const void *data, size_t len, const char *label, const zip_options_t *opts,
                    zip_t **out)
{
    zip_t *z = xcalloc(1, sizeof *z);
    z->label = xstrdup(label ? label : "(memory)");
    z->data = data;
    z->size = len;
    return open_common(z, opts, out);
}

err_t *zip_open(const char *path, const zip_options_t *opts, zip_t **out)
{
    *out = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return err_sys(EXIT_APPLY, errno, "opening %s", path);
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return err_sys(EXIT_APPLY, e, "opening %s", path);
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return err_new(EXIT_APPLY, "%s: not a regular file", path);
    }
    zip_t *z = xcalloc(1, sizeof *z);
    z->label = xstrdup(path);
    if (st.st_size > 0) {
        void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (m == MAP_FAILED) {
            int e = errno;
            close(fd);
            zip_close(z);
            return err_sys(EXIT_APPLY, e, "mapping %s", path);
        }
        z->data = m;
        z->size = (size_t)st.st_size;
        z->mapped = true;
    } else {
        z->data = (const unsigned char *)"";
    }
    close(fd);
    return open_common(z, opts, out);
}

err_t *zip_tail_parse(const void *tail, size_t len, uint64_t file_size, const char *label,
                      const zip_options_t *opts, zip_tail_t *out)
{
    return zip_parse_tail(label ? label : "(memory)", tail, len, file_size, opts, out);
}

err_t *zip_open_cdir(const void *cd, size_t len, const zip_tail_t *t, const char *label,
                     const zip_options_t *opts, zip_t **out)
{
    zip_t *z = xcalloc(1, sizeof *z);
    z->label = xstrdup(label ? label : "(memory)");
    z->size = (size_t)t->file_size;
    err_t *err = zip_parse_cdir(z, cd, len, t, opts);
    if (err) {
        zip_close(z);
        *out = NULL;
        return err;
    }
    *out = z;
    return NULL;
}

bool zip_is_partial(const zip_t *z) { return z->partial; }

void zip_member_range(const zip_t *z, const zip_entry_t *e, uint64_t *start, uint64_t *end)
{
    *start = e->header_offset;
    *end = z->partial ? z->limits[e->index] : e->data_offset + e->csize;
}

void zip_close(zip_t *z)
{
    if (!z)
        return;
    if (z->mapped)
        munmap((void *)z->data, z->size);
    free(z->cd);
    free(z->cen);
    free(z->limits);
    free(z->entries);
    free(z->by_name);
    free(z->names);
    free(z->label);
    free(z);
}

const char *zip_label(const zip_t *z) { return z->label; }
size_t zip_count(const zip_t *z) { return z->n; }
const zip_entry_t *zip_entry_at(const zip_t *z, size_t i)
{
    return i < z->n ? &z->entries[i] : NULL;
}
uint64_t zip_total_size(const zip_t *z) { return z->total; }

const zip_entry_t *zip_find(const zip_t *z, const char *name)
{
    size_t n = strlen(name);
    if (n && name[n - 1] == '/')
        n--;
    size_t i = zip_lower_bound(z, name, n);
    if (i < z->n && zip_key_cmp(z->by_name[i]->name, zip_key_len(z->by_name[i]), name, n) == 0)
        return z->by_name[i];
    return NULL;
}

bool zip_entry_is_executable(const zip_entry_t *e)
{
    return (e->mode & S_IFMT) == S_IFREG && (e->mode & 0111) != 0;
}

