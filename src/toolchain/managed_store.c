/* managed_store: venvsync's store of managed interpreters (see managed.h, "The store"): the
 * markers, listing and matching installs, selecting what to uninstall and removing it, the
 * minor-version links, the store's lock and the cleanup of staging leftovers. Installing is
 * managed.c's. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "toolchain/managed.h"
#include "toolchain/managed_internal.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/jsonread.h"
#include "util/lock.h"
#include "util/path.h"
#include "util/strv.h"
#include "util/xalloc.h"

/* ---- markers and the list ------------------------------------------------------------------ */

void managed_clear(managed_t *m)
{
    if (!m)
        return;
    free(m->name);
    free(m->path);
    free(m->python);
    free(m->version);
    free(m->arch);
    free(m->libc);
    free(m->asset);
    free(m->release);
    free(m->url);
    memset(m, 0, sizeof *m);
}

bool managed_list_has(const managed_list_t *l, const char *v)
{
    for (size_t i = 0; i < l->n; i++) {
        const char *have = l->items[i].version;
        size_t n = strlen(have);
        if (strcmp(have, v) == 0 ||
            (l->items[i].freethreaded && strncmp(v, have, n) == 0 && strcmp(v + n, "t") == 0))
            return true;
    }
    return false;
}

void managed_list_free(managed_list_t *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++)
        managed_clear(&l->items[i]);
    free(l->items);
    l->items = NULL;
    l->n = 0;
}

void managed_copy(managed_t *dst, const managed_t *src)
{
    *dst = *src;
    dst->name = xstrdup(src->name);
    dst->path = xstrdup(src->path);
    dst->python = xstrdup(src->python);
    dst->version = xstrdup(src->version);
    dst->arch = xstrdup(src->arch);
    dst->libc = xstrdup(src->libc);
    dst->asset = xstrdup(src->asset);
    dst->release = xstrdup(src->release);
    dst->url = xstrdup(src->url);
}

char *managed_marker_text(const pbs_asset_t *a, const pbs_host_t *h, const char *name,
                          const char *tag, const char *url)
{
    buf_t b = BUF_INIT;
    json_t j;
    json_init(&j, &b);
    json_obj(&j);
    json_kstr(&j, "installer", "venvsync");
    json_kstr(&j, "installer_version", VENVSYNC_VERSION);
    json_kstr(&j, "name", name);
    json_kstr(&j, "implementation", "cpython");
    json_kstr(&j, "version", a->version);
    json_kint(&j, "major", a->major);
    json_kint(&j, "minor", a->minor);
    json_kint(&j, "micro", a->micro);
    json_kbool(&j, "prerelease", a->pre != 0);
    json_kbool(&j, "freethreaded", a->freethreaded);
    json_kstr(&j, "arch", h->arch);
    json_kstr(&j, "libc", h->libc);
    json_kstr(&j, "source", "python-build-standalone");
    json_kstr(&j, "release", tag);
    json_kstr(&j, "asset", a->name);
    json_kstr(&j, "sha256", a->sha256);
    json_kstr(&j, "url", url);
    json_kint(&j, "installed_at", (long long)time(NULL));
    json_end(&j);
    buf_addc(&b, '\n');
    return buf_detach(&b);
}

static bool marker_int(const jr_value_t *root, const char *key, int *out)
{
    int64_t v;
    if (!jr_int64(jr_get(root, key), &v) || v < 0 || v > 1000000)
        return false;
    *out = (int)v;
    return true;
}

bool managed_marker_read(const char *dir, managed_t *m)
{
    memset(m, 0, sizeof *m);
    char *p = path_join(dir, MANAGED_MARKER);
    buf_t b = BUF_INIT;
    struct stat st;
    bool ok = lstat(p, &st) == 0 && S_ISREG(st.st_mode) && st.st_size < 65536 &&
              fs_try_read(p, &b);
    free(p);
    jr_doc_t *d = NULL;
    if (ok) {
        err_t *e = jr_parse(b.data ? b.data : "", b.len, NULL, &d);
        ok = !e;
        err_free(e);
    }
    buf_free(&b);
    if (!ok)
        return false;
    const jr_value_t *r = jr_doc_root(d);
    const char *inst = jr_str(jr_get(r, "installer"));
    const char *ver = jr_str(jr_get(r, "version"));
    ok = inst && strcmp(inst, "venvsync") == 0 && ver && marker_int(r, "major", &m->major) &&
         marker_int(r, "minor", &m->minor) && marker_int(r, "micro", &m->micro);
    if (ok) {
        m->version = xstrdup(ver);
        m->prerelease = jr_is(jr_get(r, "prerelease"), JR_BOOL) && jr_get(r, "prerelease")->u.b;
        m->freethreaded = jr_is(jr_get(r, "freethreaded"), JR_BOOL) &&
                          jr_get(r, "freethreaded")->u.b;
        const char *s;
        m->arch = xstrdup((s = jr_str(jr_get(r, "arch"))) ? s : "");
        m->libc = xstrdup((s = jr_str(jr_get(r, "libc"))) ? s : "");
        m->asset = xstrdup((s = jr_str(jr_get(r, "asset"))) ? s : "");
        m->release = xstrdup((s = jr_str(jr_get(r, "release"))) ? s : "");
        m->url = xstrdup((s = jr_str(jr_get(r, "url"))) ? s : "");
        s = jr_str(jr_get(r, "sha256"));
        snprintf(m->sha256, sizeof m->sha256, "%s", s ? s : "");
        m->path = xstrdup(dir);
        m->name = xstrdup(path_basename(dir));
        m->python = path_joinv(dir, "bin", "python3", (char *)NULL);
    }
    jr_doc_free(d);
    return ok;
}

static int cmp_managed(const void *x, const void *y)
{
    const managed_t *a = x, *b = y;
    if (a->major != b->major)
        return a->major > b->major ? -1 : 1;
    if (a->minor != b->minor)
        return a->minor > b->minor ? -1 : 1;
    if (a->micro != b->micro)
        return a->micro > b->micro ? -1 : 1;
    if (a->prerelease != b->prerelease)
        return a->prerelease ? 1 : -1;
    if (a->freethreaded != b->freethreaded)
        return a->freethreaded ? 1 : -1;
    return strcmp(b->version, a->version);
}

err_t *managed_list(const char *python_dir, managed_list_t *out)
{
    memset(out, 0, sizeof *out);
    if (!fs_is_dir(python_dir))
        return NULL;
    char **names = NULL;
    err_t *e = fs_list_dir(python_dir, &names);
    if (e)
        return err_ctx(e, "listing managed Pythons");
    size_t cap = 0;
    for (size_t i = 0; names[i]; i++) {
        if (names[i][0] == '.')
            continue;
        char *dir = path_join(python_dir, names[i]);
        struct stat st;
        managed_t m;
        if (lstat(dir, &st) == 0 && S_ISDIR(st.st_mode) && managed_marker_read(dir, &m)) {
            XGROW(out->items, cap, out->n + 1);
            out->items[out->n++] = m;
        }
        free(dir);
    }
    strv_free(names);
    if (out->n)
        qsort(out->items, out->n, sizeof *out->items, cmp_managed);
    return NULL;
}

static bool managed_matches(const managed_t *m, const pyreq_t *r)
{
    if (!r || r->kind == PYREQ_ANY)
        return (!r || !r->impl || strcmp(r->impl, "cpython") == 0) &&
               m->freethreaded == (r && r->freethreaded);
    if (r->kind == PYREQ_PATH)
        return false;
    pyfacts_t f = {.implementation = "cpython", .version = m->version,
                   .freethreaded = m->freethreaded};
    return pyreq_matches(r, &f);
}

const managed_t *managed_find(const managed_list_t *l, const pyreq_t *r)
{
    for (int finals = 1; finals >= 0; finals--)
        for (size_t i = 0; i < l->n; i++)
            if ((!finals || !l->items[i].prerelease) && managed_matches(&l->items[i], r))
                return &l->items[i];
    return NULL;
}

/* ---- the store ----------------------------------------------------------------------------- */

err_t *managed_store_lock(const char *python_dir, FILE *log, env_lock_t *lock)
{
    err_t *e = fs_mkdirs(python_dir, 0755);
    if (e)
        return err_ctx(e, "creating the managed Python folder");
    char *meta = path_join(python_dir, ".venvsync");
    e = env_lock_acquire(meta, python_dir, log, lock);
    free(meta);
    return e;
}

void managed_store_clean(const char *python_dir)
{
    char **names = NULL;
    err_t *e = fs_list_dir(python_dir, &names);
    if (e) {
        err_free(e);
        return;
    }
    for (size_t i = 0; names[i]; i++) {
        if (strncmp(names[i], ".tmp-", 5) != 0)
            continue;
        char *p = path_join(python_dir, names[i]);
        err_free(fs_rmtree(p));
        free(p);
    }
    strv_free(names);
}

err_t *managed_update_minor_link(const char *python_dir, int major, int minor, bool ft,
                                 const char *arch, const char *libc)
{
    pbs_host_t h;
    memset(&h, 0, sizeof h);
    snprintf(h.arch, sizeof h.arch, "%s", arch);
    snprintf(h.libc, sizeof h.libc, "%s", libc);
    char *name = pbs_minor_name(major, minor, ft, &h);
    char *link = path_join(python_dir, name);
    managed_list_t l;
    err_t *e = managed_list(python_dir, &l);
    const managed_t *best = NULL;
    for (size_t i = 0; !e && i < l.n && !best; i++) {
        const managed_t *m = &l.items[i];
        if (m->major == major && m->minor == minor && m->freethreaded == ft && !m->prerelease &&
            strcmp(m->arch, arch) == 0 && strcmp(m->libc, libc) == 0)
            best = m;
    }
    struct stat st;
    bool exists = lstat(link, &st) == 0;
    if (e) {
        /* keep the error */
    } else if (exists && !S_ISLNK(st.st_mode)) {
        /* not ours to replace */
    } else if (best) {
        e = fs_symlink_replace(best->name, link);
    } else if (exists && unlink(link) != 0 && errno != ENOENT) {
        e = err_sys(EXIT_APPLY, errno, "removing %s", link);
    }
    if (e)
        e = err_ctx(e, "updating the minor-version link %s", name);
    managed_list_free(&l);
    free(link);
    free(name);
    return e;
}

/* ---- uninstalling -------------------------------------------------------------------------- */

static char *installed_list(const managed_list_t *l)
{
    buf_t b = BUF_INIT;
    for (size_t i = 0; i < l->n; i++)
        buf_printf(&b, "%s%s", i ? ", " : "", l->items[i].name);
    if (!l->n)
        buf_adds(&b, "none");
    return buf_detach(&b);
}

/* The install holding path (a directory name or path in the store); EXIT_USAGE refusals. */
static err_t *select_dir(const char *python_dir, const char *what, managed_list_t *out)
{
    char *abs = strchr(what, '/') ? path_absolute(NULL, what) : path_join(python_dir, what);
    char *store = path_real(python_dir);
    err_t *e = NULL;
    if (!store) {
        e = err_new(EXIT_USAGE, "cannot uninstall '%s': venvsync has installed no Python (%s "
                    "does not exist)", what, python_dir);
        free(abs);
        return e;
    }
    /* The top directory inside the store that abs names (a minor link resolves to its
     * target). */
    char *top = NULL;
    if (path_is_within(abs, python_dir) && strcmp(abs, python_dir) != 0) {
        const char *rest = abs + strlen(python_dir);
        while (*rest == '/')
            rest++;
        const char *slash = strchr(rest, '/');
        char *first = slash ? xstrndup(rest, (size_t)(slash - rest)) : xstrdup(rest);
        char *cand = path_join(python_dir, first);
        char *real = path_real(cand);
        if (real && path_is_within(real, store) && strcmp(real, store) != 0) {
            const char *r2 = real + strlen(store);
            while (*r2 == '/')
                r2++;
            const char *s2 = strchr(r2, '/');
            char *n2 = s2 ? xstrndup(r2, (size_t)(s2 - r2)) : xstrdup(r2);
            top = path_join(python_dir, n2);
            free(n2);
        } else if (!real) {
            e = err_new(EXIT_USAGE, "cannot uninstall '%s': no such managed Python in %s", what,
                        python_dir);
        }
        free(real);
        free(cand);
        free(first);
    } else {
        e = err_hint(err_new(EXIT_USAGE, "refusing to uninstall '%s': it is not in venvsync's "
                             "managed Python folder (%s)", what, python_dir),
                     "venvsync removes only the interpreters it installed; use the tool that "
                     "installed this one");
    }
    if (!e && !top)
        e = err_new(EXIT_USAGE, "refusing to uninstall '%s': it is not an installed Python",
                    what);
    managed_t m;
    if (!e && !managed_marker_read(top, &m))
        e = err_hint(err_new(EXIT_USAGE, "refusing to uninstall %s: it was not installed by "
                             "venvsync (no %s marker)", top, MANAGED_MARKER),
                     "venvsync removes only the interpreters it installed");
    if (!e) {
        out->items = xcalloc(1, sizeof *out->items);
        out->items[0] = m;
        out->n = 1;
    }
    free(top);
    free(store);
    free(abs);
    return e;
}

err_t *managed_select(const char *python_dir, const char *what, managed_list_t *out)
{
    memset(out, 0, sizeof *out);
    if (!what || !*what)
        return err_new(EXIT_USAGE, "uninstall needs a version or an installed directory's name");
    if (strchr(what, '/') || strncmp(what, "cpython-", 8) == 0 || strncmp(what, "pypy-", 5) == 0)
        return select_dir(python_dir, what, out);
    pyreq_t *r = NULL;
    char *why = NULL;
    if (!pyreq_parse(what, &r, &why)) {
        err_t *e = err_new(EXIT_USAGE, "python uninstall '%s': %s", what, why ? why : "invalid");
        free(why);
        return e;
    }
    managed_list_t all;
    err_t *e = managed_list(python_dir, &all);
    if (e) {
        pyreq_free(r);
        return e;
    }
    size_t cap = 0;
    for (size_t i = 0; i < all.n; i++) {
        if (!managed_matches(&all.items[i], r))
            continue;
        XGROW(out->items, cap, out->n + 1);
        managed_copy(&out->items[out->n++], &all.items[i]);
    }
    if (!out->n) {
        char *have = installed_list(&all);
        e = err_new(EXIT_USAGE, "no Python installed by venvsync matches '%s' (installed: %s)",
                    what, have);
        free(have);
        err_hint(e, "venvsync removes only the interpreters it installed (`venvsync python "
                 "list` marks them)");
    }
    managed_list_free(&all);
    pyreq_free(r);
    return e;
}

err_t *managed_remove(const managed_opts_t *o, const managed_list_t *sel)
{
    env_lock_t lock;
    err_t *e = managed_store_lock(o->python_dir, o->log, &lock);
    if (e)
        return e;
    managed_store_clean(o->python_dir);
    err_t *all = NULL;
    for (size_t i = 0; i < sel->n; i++) {
        const managed_t *m = &sel->items[i];
        managed_t again;
        if (!managed_marker_read(m->path, &again))
            continue;                       /* removed meanwhile */
        managed_clear(&again);
        /* Renamed aside first, so that no half-deleted interpreter is ever visible. */
        char *aside = NULL;
        e = fs_mkdtemp_in(o->python_dir, ".tmp-rm-", &aside);
        char *target = aside ? path_join(aside, m->name) : NULL;
        if (!e && rename(m->path, target) != 0)
            e = err_sys(EXIT_APPLY, errno, "moving %s aside", m->path);
        if (!e)
            fs_sync_dir(o->python_dir);
        if (aside)
            err_free(fs_rmtree(aside));
        free(target);
        free(aside);
        if (!e)
            e = managed_update_minor_link(o->python_dir, m->major, m->minor, m->freethreaded,
                                          m->arch, m->libc);
        if (e)
            err_chain(&all, err_ctx(e, "uninstalling %s", m->name));
        e = NULL;
    }
    env_lock_release(&lock);
    return all;
}
