/* managed: installing venvsync's own interpreters (see managed.h, "Installing"): the host,
 * the release metadata, the asset's verified download, and, with the store locked, unpacking,
 * checking and completing the tree before it is renamed into the store. The store itself
 * (markers, listing, links, removal) is managed_store.c's. */
#include "toolchain/managed.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "python/probe.h"
#include "toolchain/managed_internal.h"
#include "toolchain/sysconfigdata.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/hash.h"
#include "util/lock.h"
#include "util/path.h"
#include "util/tar.h"
#include "util/url.h"
#include "util/xalloc.h"

#define EXTERNALLY_MANAGED \
    "[externally-managed]\n" \
    "Error=This Python installation is managed by venvsync and should not be modified.\n" \
    "  Create a virtual environment instead: list it in venv.yaml and run `venvsync`.\n"

/* ---- the host ------------------------------------------------------------------------------ */

static err_t *host_detect(pbs_host_t *h)
{
    struct utsname u;
    if (uname(&u) != 0)
        return err_sys(EXIT_APPLY, errno, "uname");
    if (strcmp(u.sysname, "Linux") != 0)
        return err_new(EXIT_USAGE, "managed Python downloads are only available on Linux, not "
                       "%s", u.sysname);
    const char *libc = NULL;
#ifdef _CS_GNU_LIBC_VERSION
    char ver[64] = "";
    if (confstr(_CS_GNU_LIBC_VERSION, ver, sizeof ver) > 0 && strncmp(ver, "glibc ", 6) == 0) {
        int maj = 0, min = 0;
        if (sscanf(ver + 6, "%d.%d", &maj, &min) == 2 && (maj < 2 || (maj == 2 && min < 17)))
            return err_new(EXIT_USAGE, "python-build-standalone needs glibc 2.17 or newer; this "
                           "system has %s", ver + 6);
        libc = "gnu";
    }
#endif
    if (!libc) {
        char *loader = xasprintf("/lib/ld-musl-%s.so.1", u.machine);
        if (access(loader, F_OK) == 0)
            libc = "musl";
        free(loader);
    }
    if (!libc)
        return err_new(EXIT_USAGE, "cannot tell this system's C library (neither glibc nor "
                       "musl was found)");
    if (!pbs_host_make(u.machine, libc, h))
        return err_new(EXIT_USAGE, "python-build-standalone has no builds venvsync can install "
                       "for %s (x86_64 and aarch64 Linux only)", u.machine);
    return NULL;
}

/* ---- the network --------------------------------------------------------------------------- */

typedef struct net {
    const managed_opts_t *o;
    http_t *h;
    bool offline;
} net_t;

static err_t *net_http(net_t *n, http_t **out)
{
    if (!n->h) {
        http_config_t cfg;
        http_config_defaults(&cfg);
        err_t *e = http_config_apply(&cfg, n->o->cfg);
        if (e)
            return e;
        cfg.cache_dir = n->o->cache_dir;
        cfg.offline = cfg.offline || n->o->offline;
        cfg.progress = n->o->progress;
        cfg.progress_ctx = n->o->progress_ctx;
        n->offline = cfg.offline;
        e = http_new(&cfg, &n->h);
        if (e)
            return e;
    }
    *out = n->h;
    return NULL;
}

static void net_close(net_t *n)
{
    http_free(n->h);
    n->h = NULL;
}

static err_t *bad_scheme(const char *url)
{
    char *shown = url_redact(url);
    err_t *e = err_new(EXIT_USAGE, "cannot download from '%s': only http://, https:// and "
                       "file:// URLs are supported", shown);
    free(shown);
    return err_hint(e, "check VENVSYNC_PYTHON_MIRROR");
}

/* The local path of a file: URL of the mirror, or the error saying why there is none. */
static err_t *file_url_path(const char *url, char **path)
{
    char *why = NULL;
    *path = url_to_path(url, NULL, &why);
    if (*path)
        return NULL;
    err_t *e = err_new(EXIT_USAGE, "cannot download from the mirror: %s", why);
    free(why);
    return err_hint(e, "check VENVSYNC_PYTHON_MIRROR");
}

/* Fetches a small text document (metadata, SHA256SUMS). *missing is set (and NULL returned)
 * for a 404/410 or a missing local file. */
static err_t *fetch_text(net_t *n, const char *url, buf_t *out, bool *missing)
{
    *missing = false;
    if (url_is_file(url)) {
        char *p;
        err_t *ue = file_url_path(url, &p);
        if (ue)
            return ue;
        err_t *e = NULL;
        if (!fs_try_read(p, out)) {
            if (errno == ENOENT || errno == ENOTDIR)
                *missing = true;
            else
                e = err_sys(EXIT_APPLY, errno, "reading %s", p);
        }
        free(p);
        return e;
    }
    if (!url_is_http(url))
        return bad_scheme(url);
    http_t *h;
    err_t *e = net_http(n, &h);
    if (e)
        return e;
    http_page_req_t r = {.url = url};
    err_t *off = http_get_pages(h, &r, 1);
    char *shown = url_redact(url);
    if (off) {
        err_free(off);
        e = err_hint(err_new(EXIT_APPLY, "offline: %s is not in the cache", shown),
                     "run once without --offline (or VENVSYNC_OFFLINE) to fill the cache");
    } else if (r.err) {
        e = r.err;
        r.err = NULL;
        err_hint(e, "check the network and proxy settings, or point VENVSYNC_PYTHON_MIRROR at "
                 "a reachable copy of the python-build-standalone releases");
    } else if (r.status == 404 || r.status == 410) {
        *missing = true;
    } else {
        buf_add(out, r.body.data ? r.body.data : "", r.body.len);
    }
    free(shown);
    http_page_req_clear(&r);
    return e;
}

/* The release to use and its assets. */
typedef struct release {
    char *tag;
    char *prefix;            /* asset URL prefix */
    pbs_assets_t assets;
} release_t;

static void release_free(release_t *r)
{
    free(r->tag);
    free(r->prefix);
    pbs_assets_free(&r->assets);
}

static err_t *release_load(net_t *n, release_t *out)
{
    memset(out, 0, sizeof *out);
    pbs_source_t src;
    pbs_source_init(&src, n->o->cfg->python_mirror);
    err_t *e = NULL;
    char *meta_prefix = NULL;
    const char *pinned = n->o->cfg->python_release;
    buf_t b = BUF_INIT;
    bool missing = false;
    if (pinned && *pinned) {
        if (!pbs_tag_valid(pinned))
            e = err_new(EXIT_USAGE, "VENVSYNC_PYTHON_RELEASE='%s' is not a release tag (e.g. "
                        "20241016)", pinned);
        else
            out->tag = xstrdup(pinned);
    } else {
        e = fetch_text(n, src.latest_url, &b, &missing);
        if (!e && missing) {
            char *shown = url_redact(src.latest_url);
            e = err_hint(err_new(EXIT_APPLY, "no release metadata at %s (not found)", shown),
                         "set VENVSYNC_PYTHON_RELEASE to a release tag, or check "
                         "VENVSYNC_PYTHON_MIRROR");
            free(shown);
        }
        if (!e)
            e = pbs_parse_latest(b.data ? b.data : "", b.len, &out->tag, &meta_prefix);
        if (e)
            e = err_ctx(e, "finding the latest python-build-standalone release");
    }
    if (!e) {
        out->prefix = pbs_release_prefix(&src, out->tag, meta_prefix);
        char *sums = xasprintf("%s/SHA256SUMS", out->prefix);
        buf_reset(&b);
        e = fetch_text(n, sums, &b, &missing);
        if (!e && missing) {
            char *shown = url_redact(sums);
            e = err_new(pinned && *pinned ? EXIT_USAGE : EXIT_APPLY,
                        "python-build-standalone release '%s' has no SHA256SUMS (%s: not found)",
                        out->tag, shown);
            free(shown);
            if (pinned && *pinned)
                err_hint(e, "check VENVSYNC_PYTHON_RELEASE");
        }
        if (!e)
            e = pbs_parse_sha256sums(b.data ? b.data : "", b.len, &out->assets);
        if (e)
            e = err_ctx(e, "reading release %s", out->tag);
        free(sums);
    }
    buf_free(&b);
    free(meta_prefix);
    pbs_source_free(&src);
    if (e)
        release_free(out);
    return e;
}

/* The verified archive for a; *path malloc'd. */
static err_t *fetch_asset(net_t *n, const char *url, const pbs_asset_t *a, char **path,
                          bool *downloaded)
{
    *path = NULL;
    *downloaded = false;
    err_t *he = hash_available();           /* libcrypto: fail before any transfer */
    if (he)
        return he;
    if (url_is_file(url)) {
        char *p;
        err_t *ue = file_url_path(url, &p);
        if (ue)
            return ue;
        char hex[65];
        err_t *e = sha256_file_hex(p, hex);
        if (!e && strcmp(hex, a->sha256) != 0)
            e = err_new(EXIT_APPLY, "%s: sha256 mismatch: SHA256SUMS says %s, the file has %s",
                        p, a->sha256, hex);
        if (e) {
            free(p);
            return e;
        }
        *path = p;
        return NULL;
    }
    if (!url_is_http(url))
        return bad_scheme(url);
    http_t *h;
    err_t *e = net_http(n, &h);
    if (e)
        return e;
    http_download_t d = {.url = url, .filename = a->name, .sha256 = a->sha256, .size = -1};
    err_t *off = http_download_all(h, &d, 1);
    if (off) {
        err_free(off);
        e = err_hint(err_new(EXIT_APPLY, "offline: %s is not in the download cache", a->name),
                     "run once without --offline (or VENVSYNC_OFFLINE) to fill the cache");
    } else if (d.err) {
        e = d.err;
        d.err = NULL;
    } else {
        *path = xstrdup(d.path);
        *downloaded = !d.from_cache;
    }
    http_download_clear(&d);
    return e;
}

/* ---- installing ---------------------------------------------------------------------------- */

/* Checks and completes an extracted tree in stage: the interpreter, bin/python3 and bin/python,
 * EXTERNALLY-MANAGED; then starts it once. */
static err_t *finish_tree(const char *stage, const pbs_asset_t *a)
{
    char *lib = xasprintf("%d.%d%s", a->major, a->minor, a->freethreaded ? "t" : "");
    char *exe_name = xasprintf("python%s", lib);
    char *bin = path_join(stage, "bin");
    char *exe = path_join(bin, exe_name);
    err_t *e = NULL;
    struct stat st;
    if (stat(exe, &st) != 0 || !S_ISREG(st.st_mode) || !(st.st_mode & 0111))
        e = err_new(EXIT_APPLY, "the archive has no python/bin/%s", exe_name);
    const char *links[] = {"python3", "python"};
    for (size_t i = 0; !e && i < 2; i++) {
        char *p = path_join(bin, links[i]);
        if (lstat(p, &st) != 0 && symlink(exe_name, p) != 0)
            e = err_sys(EXIT_APPLY, errno, "creating %s", p);
        free(p);
    }
    if (!e) {
        char *stdlib = xasprintf("%s/lib/python%s", stage, lib);
        if (!fs_is_dir(stdlib)) {
            e = err_new(EXIT_APPLY, "the archive has no python/lib/python%s", lib);
        } else {
            char *em = path_join(stdlib, "EXTERNALLY-MANAGED");
            e = fs_write_atomic(em, EXTERNALLY_MANAGED, strlen(EXTERNALLY_MANAGED),
                                0644 & ~fs_umask());
            free(em);
        }
        free(stdlib);
    }
    if (!e) {
        /* Start it once (no cache: the path is temporary): it must run here and be what the
         * asset's name says. */
        char *py3 = path_join(bin, "python3");
        interp_t *py = NULL;
        e = probe_interp(py3, NULL, &py, NULL);
        if (e)
            e = err_hint(err_ctx(e, "the downloaded Python does not run on this machine"),
                         "nothing was installed");
        else if (py->major != a->major || py->minor != a->minor || py->micro != a->micro ||
                 py->freethreaded != a->freethreaded)
            e = err_new(EXIT_APPLY, "the archive %s holds Python %s%s, not %s", a->name,
                        py->version, py->freethreaded ? " (free-threaded)" : "", a->version);
        interp_free(py);
        free(py3);
    }
    free(exe);
    free(bin);
    free(exe_name);
    free(lib);
    return e;
}

/* With the store locked: extracts, completes, marks and renames into place. */
static err_t *install_locked(const managed_opts_t *o, const pbs_asset_t *a, const pbs_host_t *h,
                             const char *archive, const char *tag, const char *url,
                             managed_result_t *out)
{
    char *name = pbs_install_name(a, h);
    char *final = path_join(o->python_dir, name);
    err_t *e = NULL;
    struct stat st;
    if (lstat(final, &st) == 0) {
        if (S_ISDIR(st.st_mode) && managed_marker_read(final, &out->inst))
            out->already = true;        /* another run installed it meanwhile */
        else
            e = err_hint(err_new(EXIT_APPLY, "%s exists and was not installed by venvsync",
                                 final), "move it out of VENVSYNC_PYTHON_DIR, then run again");
        free(final);
        free(name);
        return e;
    }
    managed_store_clean(o->python_dir);
    char *stage = NULL;
    e = fs_mkdtemp_in(o->python_dir, ".tmp-", &stage);
    if (!e && chmod(stage, 0755 & ~fs_umask()) != 0)
        e = err_sys(EXIT_APPLY, errno, "chmod %s", stage);
    if (!e) {
        tar_opts_t to = {.strip = "python"};
        e = tar_extract_file(archive, stage, &to, NULL);
        if (e)
            e = err_ctx(e, "extracting %s", a->name);
    }
    if (!e)
        e = finish_tree(stage, a);
    if (!e) {
        /* Build configuration that names /install would break compiling extensions; an
         * unexpected format leaves it as built, with a warning, rather than refusing a
         * Python that runs. */
        char *libver = xasprintf("%d.%d%s", a->major, a->minor, a->freethreaded ? "t" : "");
        err_t *pe = sysconfigdata_patch_tree(stage, libver, final, NULL);
        if (pe && o->log)
            fprintf(o->log, "venvsync: warning: %s: not adapted to this machine: %s\n", a->name,
                    pe->msg);
        err_free(pe);
        free(libver);
    }
    if (!e) {
        char *text = managed_marker_text(a, h, name, tag, url);
        char *mp = path_join(stage, MANAGED_MARKER);
        e = fs_write_new(mp, text, strlen(text), 0644 & ~fs_umask());
        free(mp);
        free(text);
    }
    if (!e && rename(stage, final) != 0)
        e = err_sys(EXIT_APPLY, errno, "renaming %s to %s", stage, final);
    if (e) {
        if (stage)
            err_free(fs_rmtree(stage));
    } else {
        fs_sync_dir(o->python_dir);
        if (!managed_marker_read(final, &out->inst))
            e = err_new(EXIT_APPLY, "%s: cannot read the marker just written", final);
    }
    if (!e)
        e = managed_update_minor_link(o->python_dir, a->major, a->minor, a->freethreaded,
                                      h->arch, h->libc);
    free(stage);
    free(final);
    free(name);
    return e;
}

err_t *managed_install(const managed_opts_t *o, const pyreq_t *r, managed_result_t *out)
{
    memset(out, 0, sizeof *out);
    const char *what = r ? r->text : "any";
    if (r && r->kind == PYREQ_PATH)
        return err_hint(err_new(EXIT_USAGE, "cannot install '%s': it is a path, not a version",
                                what), "ask for a version, e.g. `venvsync python install 3.12`");
    if (r && r->impl && strcmp(r->impl, "cpython") != 0)
        return err_hint(err_new(EXIT_USAGE, "cannot install '%s': only CPython builds can be "
                                "installed", what),
                        "install %s with pyenv or your system's packages", r->impl);
    pbs_host_t host;
    err_t *e = host_detect(&host);
    if (e)
        return e;

    /* Installed already? No network needed. */
    managed_list_t have;
    e = managed_list(o->python_dir, &have);
    if (e)
        return e;
    const managed_t *m = managed_find(&have, r);
    if (m) {
        managed_copy(&out->inst, m);
        out->already = true;
        managed_list_free(&have);
        return NULL;
    }
    managed_list_free(&have);

    net_t n = {.o = o};
    release_t rel;
    e = release_load(&n, &rel);
    if (e) {
        net_close(&n);
        return e;
    }
    const pbs_asset_t *a = pbs_choose(&rel.assets, r, host.triple);
    if (!a) {
        char *avail = pbs_available(&rel.assets, host.triple);
        e = err_new(EXIT_USAGE, "no python-build-standalone build matches '%s' for %s in "
                    "release %s; available: %s", what, host.triple, rel.tag,
                    avail[0] ? avail : "none");
        if (avail[0])
            err_hint(e, "ask for one of the available versions, or pin another release with "
                     "VENVSYNC_PYTHON_RELEASE");
        free(avail);
        release_free(&rel);
        net_close(&n);
        return e;
    }
    char *url = pbs_asset_url(rel.prefix, a->name);
    if (o->log)
        fprintf(o->log, "venvsync: downloading %s (release %s)\n", a->name, rel.tag);
    char *archive = NULL;
    e = fetch_asset(&n, url, a, &archive, &out->downloaded);
    if (e)
        e = err_ctx(e, "downloading Python %s", a->version);
    if (!e) {
        env_lock_t lock;
        e = managed_store_lock(o->python_dir, o->log, &lock);
        if (!e) {
            e = install_locked(o, a, &host, archive, rel.tag, url, out);
            env_lock_release(&lock);
        }
        if (e)
            e = err_ctx(e, "installing Python %s", a->version);
    }
    if (e)
        managed_clear(&out->inst);
    free(archive);
    free(url);
    release_free(&rel);
    net_close(&n);
    return e;
}

void managed_result_free(managed_result_t *r)
{
    if (r)
        managed_clear(&r->inst);
}

err_t *managed_available(const managed_opts_t *o, char **tag, char **versions)
{
    *tag = NULL;
    *versions = NULL;
    pbs_host_t host;
    err_t *e = host_detect(&host);
    if (e)
        return e;
    net_t n = {.o = o};
    release_t rel;
    e = release_load(&n, &rel);
    net_close(&n);
    if (e)
        return e;
    *tag = xstrdup(rel.tag);
    *versions = pbs_available(&rel.assets, host.triple);
    release_free(&rel);
    return NULL;
}

