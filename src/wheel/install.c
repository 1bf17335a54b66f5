#include "wheel/install.h"

#include "pkg/installed.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/fs.h"
#include "util/hash.h"
#include "util/json.h"
#include "util/path.h"
#include "util/strv.h"
#include "util/xalloc.h"
#include "wheel/meta.h"
#include "wheel/scripts.h"
#include "pkg/installed.h"
#include "pkg/record.h"

/* ---- small helpers ------------------------------------------------------------------------ */


/* The relative path from directory base to target (both absolute and normalised). */
static char *relpath(const char *target, const char *base)
{
    size_t i = 0, last = 0;
    /* longest common prefix ending at a component boundary */
    while (target[i] && base[i] && target[i] == base[i]) {
        i++;
        if (target[i - 1] == '/')
            last = i;
    }
    if ((!target[i] || target[i] == '/') && !base[i])
        last = i;
    else if (!target[i] && base[i] == '/')
        last = i;
    const char *t = target + last, *b = base + last;
    while (*t == '/')
        t++;
    while (*b == '/')
        b++;
    buf_t out = BUF_INIT;
    if (*b) {
        buf_adds(&out, "..");
        for (const char *p = b; *p; p++)
            if (*p == '/' && p[1])
                buf_adds(&out, "/..");
    }
    if (*t) {
        if (out.len)
            buf_addc(&out, '/');
        buf_adds(&out, t);
    }
    if (!out.len)
        buf_addc(&out, '.');
    return buf_detach(&out);
}





/* ---- the install context ------------------------------------------------------------------ */

typedef enum { OP_MEMBER, OP_SCRIPT } op_kind_t;

typedef struct op {
    char *dest;                 /* absolute, normalised */
    const wheel_member_t *m;
    op_kind_t kind;
    size_t order;               /* position in pip's write order */
    bool superseded;            /* a later op writes the same destination */
} op_t;

typedef struct ctx {
    const wheel_unpacked_t *w;
    const wheel_target_t *t;
    wheel_installed_t *r;
    mode_t um;
    char *root;                 /* normalised */
    char *scheme[5];            /* purelib, platlib, headers, scripts, data: absolute */
    char *lib_dir;
    char *scripts_dir;
    char *final_info;           /* <lib_dir>/<dist-info>: where the .dist-info goes, last */
    char *tmp_info;             /* the temporary dist-info it is built in (pkg/installed.h) */
    char **created;             /* files that did not exist before (for rollback) */
    size_t n_created, cap_created;
    char **created_dirs;        /* directories made for them, parents first (for rollback) */
    size_t n_created_dirs, cap_created_dirs;
    char *known_dir;            /* the directory make_dirs last saw exist: files come in tree
                                 * order, so most share it (one stat less per file) */
    bool known_dir_fresh;       /* and this install made it: nothing was there before, so a
                                 * member file about to go there needs no look first */
    size_t cap_files, cap_replaced;
    bool reflink_ok, hardlink_ok;
    record_t rec;
    entry_points_t eps;
    script_set_t scripts;       /* eps' console and gui scripts */
} ctx_t;

static const char *const SCHEME_KEYS[5] = {"purelib", "platlib", "headers", "scripts", "data"};

static err_t *werr(const ctx_t *c, err_t *e)
{
    return err_ctx(e, "installing %s", c->w->filename);
}

/* Refuses destinations that would break the environment itself. */
static err_t *check_protected(const ctx_t *c, const char *dest)
{
    char *cfg = path_join(c->root, "pyvenv.cfg");
    bool bad = strcmp(dest, cfg) == 0;
    free(cfg);
    if (!bad) {
        char *dir = path_dirname(dest);
        if (strcmp(dir, c->scripts_dir) == 0) {
            const char *why = meta_script_name_check(path_basename(dest));
            bad = why && strstr(why, "interpreter");
        }
        free(dir);
    }
    if (bad)
        return err_new(EXIT_APPLY, "refusing to replace %s, which belongs to the environment",
                       dest);
    if (!path_is_within(dest, c->root) || strcmp(dest, c->root) == 0)
        return err_new(EXIT_APPLY, "%s is outside the environment %s", dest, c->root);
    return NULL;
}

/* Where a file for dest is written: files of the .dist-info go into the temporary dist-info,
 * which is renamed into place last (see install.h); everything else goes to dest. malloc'd. */
static char *write_path(const ctx_t *c, const char *dest)
{
    if (c->tmp_info && path_is_within(dest, c->final_info) && strcmp(dest, c->final_info) != 0)
        return xasprintf("%s%s", c->tmp_info, dest + strlen(c->final_info));
    return xstrdup(dest);
}

/* mkdir -p dir (0777 & ~umask), noting the directories it makes below the root for rollback
 * (parents first): one mkdir per directory. *made: whether dir itself was made here. */
static err_t *make_dirs_now(ctx_t *c, const char *dir, bool *made)
{
    *made = false;
    if (mkdir(dir, 0777) != 0) {
        if (errno == EEXIST)
            return fs_is_dir(dir) ? NULL
                                  : err_new(EXIT_APPLY, "cannot create directory %s: a file is "
                                                        "in the way", dir);
        if (errno != ENOENT)
            return err_sys(EXIT_APPLY, errno, "creating directory %s", dir);
        if (!path_is_within(dir, c->root) || strcmp(dir, c->root) == 0)
            return fs_mkdirs(dir, 0777); /* not this install's to roll back */
        char *up = path_dirname(dir);
        bool up_made;
        err_t *e = make_dirs_now(c, up, &up_made);
        free(up);
        if (e)
            return e;
        if (mkdir(dir, 0777) != 0) {
            if (errno == EEXIST && fs_is_dir(dir))
                return NULL;
            return err_sys(EXIT_APPLY, errno, "creating directory %s", dir);
        }
    }
    if (path_is_within(dir, c->root) && strcmp(dir, c->root) != 0) {
        strv_push(&c->created_dirs, &c->n_created_dirs, &c->cap_created_dirs, xstrdup(dir));
        *made = true;
    }
    return NULL;
}

static err_t *make_dirs(ctx_t *c, const char *dir)
{
    if (c->known_dir && strcmp(c->known_dir, dir) == 0)
        return NULL;
    bool made;
    err_t *e = make_dirs_now(c, dir, &made);
    if (!e) {
        free(c->known_dir);
        c->known_dir = xstrdup(dir);
        c->known_dir_fresh = made;
    }
    return e;
}

/* Prepares dest (the path written, see write_path) for a new file: creates its directory,
 * removes an existing file (recording it as replaced, unless it is in the temporary dist-info,
 * which holds only this install's files) and refuses a directory in the way. For a member of
 * the wheel (member: each is written once) in a directory this install made, there is nothing
 * to look at. */
static err_t *prepare_dest(ctx_t *c, const char *dest, bool member)
{
    char *dir = path_dirname(dest);
    err_t *e = make_dirs(c, dir);
    free(dir);
    if (e)
        return e;
    if (member && c->known_dir_fresh) {
        strv_push(&c->created, &c->n_created, &c->cap_created, xstrdup(dest));
        return NULL;
    }
    struct stat st;
    if (lstat(dest, &st) == 0) {
        if (S_ISDIR(st.st_mode))
            return err_new(EXIT_APPLY, "cannot install %s: a directory is in the way", dest);
        if (unlink(dest) != 0)
            return err_sys(EXIT_APPLY, errno, "replacing %s", dest);
        if (!c->tmp_info || !path_is_within(dest, c->tmp_info))
            strv_push(&c->r->replaced, &c->r->n_replaced, &c->cap_replaced, xstrdup(dest));
        return NULL;
    }
    if (errno != ENOENT)
        return err_sys(EXIT_APPLY, errno, "checking %s", dest);
    strv_push(&c->created, &c->n_created, &c->cap_created, xstrdup(dest));
    return NULL;
}

static void note_file(ctx_t *c, const char *dest, uint64_t size)
{
    strv_push(&c->r->files, &c->r->n_files, &c->cap_files, xstrdup(dest));
    c->r->bytes += size;
}

static void add_row(ctx_t *c, const char *dest, const char *hash, int64_t size)
{
    char *rp = relpath(dest, c->lib_dir);
    record_add(&c->rec, rp, hash, size);
    free(rp);
}

/* Copies src to a new file dest with mode. */
static err_t *copy_file(const char *src, const char *dest, mode_t mode)
{
    int in = open(src, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return err_sys(EXIT_APPLY, errno, "reading %s", src);
    int out = open(dest, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (out < 0) {
        int en = errno;
        close(in);
        return err_sys(EXIT_APPLY, en, "creating %s", dest);
    }
    err_t *e = NULL;
    int rc = fs_copy_fd(in, out, NULL, NULL);
    if (rc)
        e = err_sys(EXIT_APPLY, rc, "copying %s to %s", src, dest);
    if (!e && fchmod(out, mode) != 0)
        e = err_sys(EXIT_APPLY, errno, "setting the mode of %s", dest);
    if (close(out) != 0 && !e)
        e = err_sys(EXIT_APPLY, errno, "writing %s", dest);
    close(in);
    if (e)
        unlink(dest);
    return e;
}

static int try_reflink(const char *src, const char *dest, mode_t mode)
{
    int in = open(src, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return errno;
    int out = open(dest, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (out < 0) {
        int en = errno;
        close(in);
        return en;
    }
    int rc = 0;
    if (ioctl(out, FICLONE, in) != 0 || fchmod(out, mode) != 0)
        rc = errno ? errno : EIO;
    close(in);
    if (close(out) != 0 && !rc)
        rc = errno;
    if (rc)
        unlink(dest);
    return rc;
}

/* Puts the cache file src at dest (which does not exist) with mode. */
static err_t *place_file(ctx_t *c, const char *src, const char *dest, mode_t mode,
                         mode_t cache_mode)
{
    wheel_link_mode_t lm = c->t->link;
    if (lm == WHEEL_LINK_SYMLINK && mode == cache_mode) {
        if (symlink(src, dest) == 0) {
            c->r->n_symlinked++;
            return NULL;
        }
        if (errno == ENOENT)
            return err_sys(EXIT_APPLY, errno, "linking %s to %s", dest, src);
    }
    if ((lm == WHEEL_LINK_AUTO || lm == WHEEL_LINK_REFLINK) && c->reflink_ok) {
        int rc = try_reflink(src, dest, mode);
        if (rc == 0) {
            c->r->n_reflinked++;
            return NULL;
        }
        if (rc == ENOENT)
            return err_sys(EXIT_APPLY, rc, "reading %s (damaged wheel cache entry?)", src);
        c->reflink_ok = false;      /* the file system cannot: do not ask again */
    }
    if ((lm == WHEEL_LINK_AUTO || lm == WHEEL_LINK_HARDLINK) && c->hardlink_ok &&
        mode == cache_mode) {
        if (link(src, dest) == 0) {
            c->r->n_hardlinked++;
            return NULL;
        }
        int en = errno;
        if (en == ENOENT)
            return err_sys(EXIT_APPLY, en, "reading %s (damaged wheel cache entry?)", src);
        if (en != EMLINK)
            c->hardlink_ok = false;
    }
    err_t *e = copy_file(src, dest, mode);
    if (!e)
        c->r->n_copied++;
    return e;
}

/* Creates dest (which must not exist) holding data, with exactly mode. Not fs_write_new():
 * that one toggles the process umask, which races with other threads creating files. */
static err_t *create_file(const char *dest, const void *data, size_t len, mode_t mode)
{
    int fd = open(dest, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return err_sys(EXIT_APPLY, errno, "creating %s", dest);
    err_t *e = NULL;
    for (size_t off = 0; off < len && !e;) {
        ssize_t k = write(fd, (const char *)data + off, len - off);
        if (k < 0 && errno != EINTR)
            e = err_sys(EXIT_APPLY, errno, "writing %s", dest);
        else if (k > 0)
            off += (size_t)k;
    }
    if (!e && fchmod(fd, mode) != 0)
        e = err_sys(EXIT_APPLY, errno, "setting the mode of %s", dest);
    if (close(fd) != 0 && !e)
        e = err_sys(EXIT_APPLY, errno, "writing %s", dest);
    if (e)
        unlink(dest);
    return e;
}

/* Writes generated content (not linked) at dest with mode. */
static err_t *write_generated(ctx_t *c, const char *dest, const void *data, size_t len,
                              mode_t mode)
{
    char *at = write_path(c, dest);
    err_t *e = prepare_dest(c, at, false);
    if (!e)
        e = create_file(at, data, len, mode);
    free(at);
    if (e)
        return e;
    c->r->n_written++;
    note_file(c, dest, len);
    return NULL;
}

static void hash_b64(const void *data, size_t len, char out[44])
{
    unsigned char d[32];
    sha256_t h;
    sha256_init(&h);
    sha256_update(&h, data, len);
    sha256_final(&h, d);
    sha256_b64url(d, out);
}

static err_t *write_generated_recorded(ctx_t *c, const char *dest, const void *data, size_t len,
                                       mode_t mode)
{
    err_t *e = write_generated(c, dest, data, len, mode);
    if (e)
        return e;
    char b64[44];
    hash_b64(data, len, b64);
    add_row(c, dest, b64, (int64_t)len);
    return NULL;
}

/* ---- planning ----------------------------------------------------------------------------- */

static err_t *load_entry_points(ctx_t *c)
{
    char *rel = xasprintf("%s/entry_points.txt", c->w->dist_info);
    const wheel_member_t *m = wheel_unpacked_find(c->w, rel);
    err_t *e = NULL;
    if (m) {
        char *p = path_join(c->w->tree, rel);
        buf_t b = BUF_INIT;
        e = fs_read(p, &b);
        if (!e)
            e = meta_parse_entry_points(b.data ? b.data : "", b.len, rel, &c->eps);
        buf_free(&b);
        free(p);
    }
    free(rel);
    if (e)
        return e;
    script_set_init(&c->scripts, &c->eps);
    return NULL;
}

static int scheme_index(const char *key, size_t len)
{
    for (int i = 0; i < 5; i++)
        if (strlen(SCHEME_KEYS[i]) == len && memcmp(SCHEME_KEYS[i], key, len) == 0)
            return i;
    return -1;
}

static bool is_data_path(const char *path)
{
    const char *slash = strchr(path, '/');
    if (!slash)
        return false;
    return (size_t)(slash - path) >= 5 && memcmp(slash - 5, ".data", 5) == 0;
}

static bool is_script_path(const char *path)
{
    if (!is_data_path(path))
        return false;
    const char *rest = strchr(path, '/') + 1;
    return strncmp(rest, "scripts/", 8) == 0 && rest[8];
}

/* The destination of a member, or an error for a malformed .data path. */
static err_t *member_dest(const ctx_t *c, const char *path, char **out)
{
    *out = NULL;
    char *joined;
    if (!is_data_path(path)) {
        joined = path_join(c->lib_dir, path);
    } else {
        const char *rest = strchr(path, '/') + 1;
        const char *slash = strchr(rest, '/');
        if (!slash || !slash[1])
            return err_new(EXIT_APPLY, "unexpected file '%s': .data directory contents should "
                           "be named like '<scheme key>/<path>'", path);
        int k = scheme_index(rest, (size_t)(slash - rest));
        if (k < 0)
            return err_new(EXIT_APPLY, "unknown scheme key '%.*s' (for file '%s'): .data "
                           "directory contents should be in subdirectories named with a valid "
                           "scheme key (data, headers, platlib, purelib, scripts)",
                           (int)(slash - rest), rest, path);
        joined = path_join(c->scheme[k], slash + 1);
    }
    *out = path_normalize(joined);
    free(joined);
    return check_protected(c, *out);
}

static int op_dest_cmp(const void *a, const void *b)
{
    const op_t *x = *(op_t *const *)a, *y = *(op_t *const *)b;
    int r = strcmp(x->dest, y->dest);
    if (r)
        return r;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* pip's order: root-scheme files, other .data files, then .data/scripts (less wrappers). */
static err_t *plan_ops(ctx_t *c, op_t **out, size_t *nout)
{
    const wheel_unpacked_t *w = c->w;
    op_t *ops = xcalloc(w->n_members + 1, sizeof *ops);
    size_t n = 0;
    err_t *e = NULL;
    for (int pass = 0; pass < 3 && !e; pass++) {
        for (size_t i = 0; i < w->n_members && !e; i++) {
            const wheel_member_t *m = &w->members[i];
            if (m->kind == WHEEL_MEMBER_RECORD)
                continue;
            int want = !is_data_path(m->path) ? 0 : is_script_path(m->path) ? 2 : 1;
            if (want != pass)
                continue;
            char *dest = NULL;
            e = member_dest(c, m->path, &dest);
            if (e) {
                free(dest);
                break;
            }
            if (pass == 2 && script_set_is_wrapper(&c->scripts, path_basename(dest))) {
                free(dest);
                continue;
            }
            ops[n] = (op_t){dest, m, pass == 2 ? OP_SCRIPT : OP_MEMBER, n, false};
            n++;
        }
    }
    if (e) {
        for (size_t i = 0; i < n; i++)
            free(ops[i].dest);
        free(ops);
        return e;
    }
    /* Same destination twice: the later write wins, as in pip. */
    op_t **byname = xmalloc((n + 1) * sizeof *byname);
    for (size_t i = 0; i < n; i++)
        byname[i] = &ops[i];
    qsort(byname, n, sizeof *byname, op_dest_cmp);
    for (size_t i = 1; i < n; i++)
        if (strcmp(byname[i - 1]->dest, byname[i]->dest) == 0)
            byname[i - 1]->superseded = true;
    free(byname);
    *out = ops;
    *nout = n;
    return NULL;
}

/* ---- doing -------------------------------------------------------------------------------- */

static mode_t member_mode(const ctx_t *c, bool executable)
{
    return executable ? ((0777 & ~c->um) | 0111) : (0666 & ~c->um);
}

/* A .data/scripts file: rewrites a "#!python" first line, else places it unchanged. */
static err_t *do_script(ctx_t *c, const op_t *op, const char *src)
{
    mode_t mode = member_mode(c, op->m->executable);
    char head[8];
    ssize_t got = 0;
    int fd = open(src, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return err_sys(EXIT_APPLY, errno, "reading %s", src);
    got = read(fd, head, sizeof head);
    close(fd);
    if (got != 8 || memcmp(head, "#!python", 8) != 0) {
        err_t *e = prepare_dest(c, op->dest, true);
        if (!e)
            e = place_file(c, src, op->dest, mode, op->m->executable ? 0755 : 0644);
        if (e)
            return e;
        note_file(c, op->dest, op->m->size);
        add_row(c, op->dest, op->m->hash, (int64_t)op->m->size);
        return NULL;
    }
    buf_t in = BUF_INIT, out = BUF_INIT;
    err_t *e = fs_read(src, &in);
    if (!e) {
        const char *nl = memchr(in.data, '\n', in.len);
        size_t rest = nl ? (size_t)(nl + 1 - in.data) : in.len;
        script_shebang(&out, c->t->python, NULL, "\n");
        buf_add(&out, in.data + rest, in.len - rest);
        e = write_generated_recorded(c, op->dest, out.data, out.len, mode);
    }
    buf_free(&in);
    buf_free(&out);
    return e;
}

static err_t *do_member(ctx_t *c, const op_t *op)
{
    char *src = path_join(c->w->tree, op->m->path);
    err_t *e;
    if (op->kind == OP_SCRIPT) {
        e = do_script(c, op, src);
    } else {
        char *at = write_path(c, op->dest);
        e = prepare_dest(c, at, true);
        if (!e)
            e = place_file(c, src, at, member_mode(c, op->m->executable),
                           op->m->executable ? 0755 : 0644);
        free(at);
        if (!e) {
            note_file(c, op->dest, op->m->size);
            if (op->m->kind == WHEEL_MEMBER_SIGNATURE)
                add_row(c, op->dest, NULL, -1);
            else
                add_row(c, op->dest, op->m->hash, (int64_t)op->m->size);
        }
    }
    free(src);
    return e;
}

static err_t *do_launchers(ctx_t *c)
{
    size_t n = 0;
    script_ep_t *g = script_set_launchers(&c->scripts, c->t->python_version, &n);
    err_t *e = NULL;
    mode_t mode = (0666 & ~c->um) | 0555;
    for (size_t i = 0; i < n && !e; i++) {
        const char *why = meta_script_name_check(g[i].name);
        if (why) {
            e = err_new(EXIT_APPLY, "invalid script name '%s': %s", g[i].name, why);
            break;
        }
        char *dest = path_join(c->scripts_dir, g[i].name);
        buf_t text = BUF_INIT;
        script_launcher(&text, c->t->python, g[i].ep->module, g[i].ep->attr);
        e = check_protected(c, dest);
        if (!e)
            e = write_generated_recorded(c, dest, text.data, text.len, mode);
        buf_free(&text);
        free(dest);
    }
    script_eps_free(g, n);
    return e;
}

static void direct_url_json(const wheel_target_t *t, buf_t *out)
{
    /* json.dumps(..., sort_keys=True) with its default ", " and ": " separators. */
    if (t->direct_url_dir) {
        buf_adds(out, t->direct_url_editable ? "{\"dir_info\": {\"editable\": true}, \"url\": "
                                             : "{\"dir_info\": {}, \"url\": ");
        json_quote(out, t->direct_url);
        buf_addc(out, '}');
        return;
    }
    buf_adds(out, "{\"archive_info\": {");
    if (t->direct_url_sha256) {
        buf_adds(out, "\"hash\": ");
        char *h = xasprintf("sha256=%s", t->direct_url_sha256);
        json_quote(out, h);
        free(h);
        buf_adds(out, ", \"hashes\": {\"sha256\": ");
        json_quote(out, t->direct_url_sha256);
        buf_addc(out, '}');
    }
    buf_adds(out, "}, \"url\": ");
    json_quote(out, t->direct_url);
    buf_addc(out, '}');
}

static err_t *do_dist_info_files(ctx_t *c)
{
    mode_t mode = 0666 & ~c->um;
    char *dir = c->r->dist_info;
    char *p = path_join(dir, "INSTALLER");
    buf_t b = BUF_INIT;
    buf_adds(&b, c->t->installer ? c->t->installer : "venvsync");
    buf_addc(&b, '\n');
    err_t *e = write_generated_recorded(c, p, b.data, b.len, mode);
    free(p);
    buf_reset(&b);
    if (!e && c->t->direct_url) {
        direct_url_json(c->t, &b);
        p = path_join(dir, "direct_url.json");
        e = write_generated_recorded(c, p, b.data, b.len, mode);
        free(p);
    }
    if (!e && c->t->requested) {
        p = path_join(dir, "REQUESTED");
        e = write_generated_recorded(c, p, "", 0, mode);
        free(p);
    }
    if (!e && c->t->source_marker) {
        buf_reset(&b);
        buf_printf(&b, "%s\n", c->t->source_marker);
        p = path_join(dir, INSTALLED_SOURCE_FILE);
        e = write_generated_recorded(c, p, b.data, b.len, mode);
        free(p);
    }
    buf_free(&b);
    return e;
}

static int row_ptr_cmp(const void *a, const void *b)
{
    const record_row_t *x = *(const record_row_t *const *)a, *y = *(const record_row_t *const *)b;
    int r = strcmp(x->path, y->path);
    if (r)
        return r;
    return x < y ? -1 : x > y;      /* rows live in one array: address order is add order */
}

static err_t *write_record(ctx_t *c)
{
    char *p = path_join(c->r->dist_info, "RECORD");
    char *rp = relpath(p, c->lib_dir);
    /* Drop rows for a path written twice (launcher over a member, generated INSTALLER over a
     * shipped one): the last row wins. */
    record_t final = RECORD_INIT;
    const record_row_t **byname = xmalloc((c->rec.n + 1) * sizeof *byname);
    for (size_t i = 0; i < c->rec.n; i++)
        byname[i] = &c->rec.rows[i];
    qsort(byname, c->rec.n, sizeof *byname, row_ptr_cmp);     /* by path, then position */
    for (size_t i = 0; i < c->rec.n; i++) {
        const record_row_t *row = byname[i];
        if (strcmp(row->path, rp) == 0)
            continue;
        if (i + 1 < c->rec.n && strcmp(byname[i + 1]->path, row->path) == 0)
            continue;                                           /* a later row wins */
        record_add_algo(&final, row->path, row->hash_algo, row->hash, row->size);
    }
    free(byname);
    record_add(&final, rp, NULL, -1);
    record_sort(&final);
    buf_t b = BUF_INIT;
    record_write(&final, &b);
    err_t *e = write_generated(c, p, b.data ? b.data : "", b.len, 0666 & ~c->um);
    buf_free(&b);
    record_free(&final);
    free(rp);
    free(p);
    return e;
}

/* Creates the temporary dist-info, first of all: while it exists, the install is under way
 * (and when a kill leaves it, it names what was being installed). */
static err_t *make_tmp_info(ctx_t *c)
{
    err_t *e = make_dirs(c, c->lib_dir);
    char *prefix = installed_tmp_prefix(c->w->dist_info);
    if (!e)
        e = fs_mkdtemp_in(c->lib_dir, prefix, &c->tmp_info);
    free(prefix);
    /* mkdtemp makes 0700; the .dist-info gets the mode mkdir would give it */
    if (!e && chmod(c->tmp_info, 0777 & ~c->um) != 0)
        e = err_sys(EXIT_APPLY, errno, "setting the mode of %s", c->tmp_info);
    return e;
}

/* The last step: the temporary dist-info becomes <lib_dir>/<dist-info> in one rename. An
 * installed copy of the same .dist-info is swapped out in the same step (RENAME_EXCHANGE, or
 * two renames where the file system cannot), then deleted: its files that this install wrote
 * again are reported as replaced. */
static err_t *publish_info(ctx_t *c)
{
    free(c->known_dir); /* directories move below: nothing is known any more */
    c->known_dir = NULL;
    const char *final = c->final_info;
    struct stat st;
    if (lstat(final, &st) != 0) {
        if (errno != ENOENT)
            return err_sys(EXIT_APPLY, errno, "checking %s", final);
        if (rename(c->tmp_info, final) != 0)
            return err_sys(EXIT_APPLY, errno, "moving %s into place", final);
        free(c->tmp_info);
        c->tmp_info = NULL;
        return NULL;
    }
    if (!S_ISDIR(st.st_mode))
        return err_new(EXIT_APPLY, "cannot install %s: a file is in the way", final);
    for (size_t i = 0; i < c->r->n_files; i++)
        if (path_is_within(c->r->files[i], final) && lstat(c->r->files[i], &st) == 0)
            strv_push(&c->r->replaced, &c->r->n_replaced, &c->cap_replaced,
                      xstrdup(c->r->files[i]));
    if (renameat2(AT_FDCWD, c->tmp_info, AT_FDCWD, final, RENAME_EXCHANGE) != 0) {
        if (errno != EINVAL && errno != ENOSYS)
            return err_sys(EXIT_APPLY, errno, "swapping %s into place", final);
        char *prefix = installed_tmp_prefix(c->w->dist_info);
        char *aside = NULL;
        err_t *e = fs_mkdtemp_in(c->lib_dir, prefix, &aside);
        free(prefix);
        if (e)
            return e;
        if (rename(final, aside) != 0) {
            e = err_sys(EXIT_APPLY, errno, "moving the old %s aside", final);
            rmdir(aside);
            free(aside);
            return e;
        }
        if (rename(c->tmp_info, final) != 0) {
            e = err_sys(EXIT_APPLY, errno, "moving %s into place", final);
            rename(aside, final);
            free(aside);
            return e;
        }
        free(c->tmp_info);
        c->tmp_info = aside;
    }
    /* tmp_info now holds the old .dist-info; if this fails it is a leftover the next sync
     * removes (its files are claimed by the new RECORD) */
    err_free(fs_rmtree(c->tmp_info));
    free(c->tmp_info);
    c->tmp_info = NULL;
    return NULL;
}

/* Removes the files this install created, the directories it made for them (when empty: a
 * directory that was there before is never removed) and the temporary dist-info. */
static void rollback(ctx_t *c)
{
    for (size_t i = c->n_created; i-- > 0;)
        unlink(c->created[i]);
    for (size_t i = c->n_created_dirs; i-- > 0;)
        rmdir(c->created_dirs[i]);
    if (c->tmp_info)
        err_free(fs_rmtree(c->tmp_info));
}

static void ctx_free(ctx_t *c)
{
    free(c->root);
    for (int i = 0; i < 5; i++)
        free(c->scheme[i]);
    free(c->lib_dir);
    free(c->scripts_dir);
    free(c->final_info);
    free(c->tmp_info);
    strv_free(c->created);
    strv_free(c->created_dirs);
    free(c->known_dir);
    record_free(&c->rec);
    script_set_free(&c->scripts);
    entry_points_free(&c->eps);
}

static int strp_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sets up c for installing w into t (result is filled in as the install goes). */
static err_t *ctx_init(ctx_t *c, const wheel_unpacked_t *w, const wheel_target_t *t,
                       wheel_installed_t *result)
{
    memset(result, 0, sizeof *result);
    memset(c, 0, sizeof *c);
    c->w = w;
    if (!t->root || t->root[0] != '/' || !t->purelib || !t->platlib || !t->scripts ||
        !t->data || !t->python || (!t->headers && !t->python_version))
        return err_new(EXIT_APPLY, "incomplete install target");
    c->t = t;
    c->r = result;
    c->um = fs_umask();
    c->reflink_ok = true;
    c->hardlink_ok = true;
    c->root = path_normalize(t->root);
    char *headers;
    if (t->headers) {
        headers = xstrdup(t->headers);
    } else {
        /* pip: the requirement's name; for a wheel file, its name field with '_' -> '-'. */
        size_t k = strcspn(w->filename, "-");
        char *pname = xstrndup(w->filename, k);
        for (char *q = pname; *q; q++)
            if (*q == '_')
                *q = '-';
        headers = xasprintf("include/site/python%s/%s", t->python_version, pname);
        free(pname);
    }
    const char *rel[5] = {t->purelib, t->platlib, headers, t->scripts, t->data};
    for (int i = 0; i < 5; i++) {
        char *j = path_join(c->root, rel[i]);
        c->scheme[i] = path_normalize(j);
        free(j);
    }
    free(headers);
    c->lib_dir = xstrdup(c->scheme[w->root_is_purelib ? 0 : 1]);
    c->scripts_dir = xstrdup(c->scheme[3]);
    c->final_info = path_join(c->lib_dir, w->dist_info);
    result->lib_dir = xstrdup(c->lib_dir);
    result->dist_info = xstrdup(c->final_info);
    for (int i = 0; i < 5; i++)
        if (!path_is_within(c->scheme[i], c->root))
            return err_new(EXIT_APPLY, "the %s path %s is outside the environment %s",
                           SCHEME_KEYS[i], c->scheme[i], c->root);
    return load_entry_points(c);
}

static void free_ops(op_t *ops, size_t nops)
{
    for (size_t i = 0; i < nops; i++)
        free(ops[i].dest);
    free(ops);
}

err_t *wheel_install(const wheel_unpacked_t *w, const wheel_target_t *t,
                     wheel_installed_t *result)
{
    ctx_t c;
    err_t *e = ctx_init(&c, w, t, result);
    op_t *ops = NULL;
    size_t nops = 0;
    if (!e)
        e = plan_ops(&c, &ops, &nops);
    /* 1: the temporary dist-info */
    if (!e)
        e = make_tmp_info(&c);
    /* 2: every file outside the .dist-info (and 3: its files, into the temporary one) */
    for (size_t i = 0; i < nops && !e; i++)
        if (!ops[i].superseded)
            e = do_member(&c, &ops[i]);
    if (!e)
        e = do_launchers(&c);
    /* 3: INSTALLER, direct_url.json, REQUESTED, then RECORD */
    if (!e)
        e = do_dist_info_files(&c);
    if (!e)
        e = write_record(&c);
    /* 4: the .dist-info appears */
    if (!e)
        e = publish_info(&c);
    if (!e) {
        size_t cap = 0;
        for (size_t i = 0; i < nops; i++)
            if (!ops[i].superseded && str_ends_with(ops[i].dest, strlen(ops[i].dest), ".py"))
                strv_push(&result->py_files, &result->n_py_files, &cap, xstrdup(ops[i].dest));
        if (result->n_py_files > 1)
            qsort(result->py_files, result->n_py_files, sizeof(char *), strp_cmp);
    } else {
        rollback(&c);
    }
    free_ops(ops, nops);
    ctx_free(&c);
    if (e) {
        wheel_installed_free(result);
        return werr(&c, e);
    }
    return NULL;
}

err_t *wheel_install_rows(const wheel_unpacked_t *w, const wheel_target_t *t, record_t *out)
{
    *out = (record_t)RECORD_INIT;
    wheel_installed_t result;
    ctx_t c;
    err_t *e = ctx_init(&c, w, t, &result);
    op_t *ops = NULL;
    size_t nops = 0;
    if (!e)
        e = plan_ops(&c, &ops, &nops);
    for (size_t i = 0; i < nops && !e; i++) {
        const op_t *op = &ops[i];
        if (op->superseded)
            continue;
        /* a script whose shebang is rewritten has other bytes than the member */
        bool verbatim = op->kind == OP_MEMBER && op->m->kind == WHEEL_MEMBER_FILE;
        add_row(&c, op->dest, verbatim ? op->m->hash : NULL,
                verbatim ? (int64_t)op->m->size : -1);
    }
    size_t n = 0;
    script_ep_t *g = e ? NULL : script_set_launchers(&c.scripts, t->python_version, &n);
    for (size_t i = 0; i < n; i++) {
        char *dest = path_join(c.scripts_dir, g[i].name);
        add_row(&c, dest, NULL, -1);
        free(dest);
    }
    script_eps_free(g, n);
    static const char *const generated[] = {"INSTALLER", "direct_url.json", "REQUESTED",
                                            "RECORD"};
    for (size_t i = 0; i < 4 && !e; i++) {
        char *dest = path_join(c.final_info, generated[i]);
        add_row(&c, dest, NULL, -1);
        free(dest);
    }
    if (!e) {
        /* one row per path (a launcher or generated file over a member: without the hash, as
         * the install writes it last) */
        record_sort(&c.rec);
        for (size_t i = 0; i < c.rec.n; i++) {
            const record_row_t *row = &c.rec.rows[i];
            const record_row_t *last = out->n ? &out->rows[out->n - 1] : NULL;
            if (last && strcmp(last->path, row->path) == 0) {
                if (row->hash)
                    continue;
                free(last->hash_algo);
                free(last->hash);
                out->rows[out->n - 1].hash_algo = out->rows[out->n - 1].hash = NULL;
                out->rows[out->n - 1].size = -1;
                continue;
            }
            record_add_algo(out, row->path, row->hash_algo, row->hash, row->size);
        }
    }
    free_ops(ops, nops);
    ctx_free(&c);
    wheel_installed_free(&result);
    return e ? werr(&c, e) : NULL;
}

err_t *wheel_install_record_pycs(const wheel_installed_t *r, const char *cache_tag)
{
    char *p = path_join(r->dist_info, "RECORD");
    buf_t b = BUF_INIT;
    err_t *e = fs_read(p, &b);
    record_t rec = RECORD_INIT;
    if (!e)
        e = record_parse(b.data ? b.data : "", b.len, p, &rec);
    size_t added = 0;
    for (size_t i = 0; i < r->n_py_files && !e; i++) {
        const char *py = r->py_files[i];
        char *dir = path_dirname(py);
        const char *base = path_basename(py);
        size_t stem = strlen(base) - 3;
        static const char *const opts[] = {"", ".opt-1", ".opt-2"};
        for (int k = 0; k < 3; k++) {
            char *pyc = xasprintf("%s/__pycache__/%.*s.%s%s.pyc", dir, (int)stem, base,
                                  cache_tag, opts[k]);
            struct stat st;
            if (stat(pyc, &st) == 0 && S_ISREG(st.st_mode)) {
                char *rp = relpath(pyc, r->lib_dir);
                if (!record_find(&rec, rp)) {
                    record_add(&rec, rp, NULL, -1);
                    added++;
                }
                free(rp);
            }
            free(pyc);
        }
        free(dir);
    }
    if (!e && added) {
        record_sort(&rec);
        buf_reset(&b);
        record_write(&rec, &b);
        struct stat st;
        mode_t mode = stat(p, &st) == 0 ? (st.st_mode & 07777) : 0644;
        e = fs_write_atomic(p, b.data, b.len, mode);
    }
    record_free(&rec);
    buf_free(&b);
    free(p);
    return e;
}

void wheel_installed_free(wheel_installed_t *r)
{
    free(r->lib_dir);
    free(r->dist_info);
    strv_free(r->files);
    strv_free(r->py_files);
    strv_free(r->replaced);
    memset(r, 0, sizeof *r);
}
