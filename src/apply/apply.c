#include "apply/apply.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "apply/packages.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/path.h"
#include "util/strv.h"
#include "util/xalloc.h"
#include "venv/cfg.h"
#include "venv/relocate.h"
#include "venv/user.h"
#include "venv/venv.h"

/* The trees venvsync keeps beside an environment, by the word after the staging prefix
 * (venv_stage_prefix):
 *   "new-"  a tree being written (create, recreate, copy). Nothing in it is the user's: a killed
 *           run's is deleted whole.
 *   "gone-" an environment being removed (`remove` refuses one holding the user's files unless
 *           forced): deleted whole.
 *   "old-"  the previous tree of a recreation, or a finished new tree about to be swapped in.
 *           It may hold the user's files, which retire_old carries into the environment first.
 * Any other name (an earlier version's leftover) is treated as "old-", the careful kind. */
#define KIND_NEW "new-"
#define KIND_OLD "old-"
#define KIND_GONE "gone-"

/* Makes a new directory of the given kind beside env_path (mkdtemp); its path, malloc'd. */
static err_t *kind_dir(const char *env_path, const char *kind, char **out)
{
    char *parent = path_dirname(env_path);
    char *prefix = venv_stage_prefix(env_path);
    char *full = xasprintf("%s%s", prefix, kind);
    err_t *err = fs_mkdirs(parent, 0755);
    if (!err)
        err = fs_mkdtemp_in(parent, full, out);
    free(full);
    free(prefix);
    free(parent);
    return err;
}

/* Renames the tree at path to a new name of kind "gone-" beside env_path (an empty directory
 * made for it, which the rename replaces): its new path, malloc'd, or NULL with errno set (then
 * nothing changed). */
static char *to_gone(const char *path, const char *env_path)
{
    char *gone = NULL;
    err_t *err = kind_dir(env_path, KIND_GONE, &gone);
    if (err) {
        err_free(err);
        return NULL;
    }
    if (rename(path, gone) != 0) {
        int en = errno;
        rmdir(gone);
        free(gone);
        errno = en;
        return NULL;
    }
    return gone;
}

/* Deletes the tree at path, renaming it to the "gone-" kind first so that a killed deletion
 * (which takes pyvenv.cfg and RECORDs before the files they describe) is finished whole by the
 * next run instead of being mistaken for a tree holding the user's files. */
static err_t *discard_tree(const char *path, const char *env_path)
{
    char *gone = to_gone(path, env_path);
    err_t *err = fs_rmtree(gone ? gone : path);
    free(gone);
    return err;
}

/* Writes a complete environment for e into a new staging directory beside e->path, with the
 * plan's packages. */
static err_t *stage(const mf_env_t *e, const interp_t *py, const env_plan_t *p,
                    const pkg_step_t *pkgs, char **out)
{
    *out = NULL;
    err_t *err = kind_dir(e->path, KIND_NEW, out);
    if (err)
        return err;
    /* mkdtemp makes 0700; an environment gets the mode mkdir would give it. */
    chmod(*out, 0777 & ~fs_umask());
    venv_params_t vp = {.path = e->path, .py = py, .prompt = e->prompt,
                        .system_site_packages = e->system_site_packages};
    err = venv_write(&vp, *out);
    if (!err && pkgs)
        err = apply_packages(*out, e->path, py, p, pkgs->fetch, pkgs->cache_dir,
                             pkgs->compile, pkgs->link);
    if (err) {
        err_free(fs_rmtree(*out));
        free(*out);
        *out = NULL;
    }
    return err;
}

/* The old tree of a recreation (or a leftover of an interrupted one) at old: the user's own
 * files in it (venv/user.h) are moved into the environment at env_path, then the rest is
 * deleted. What cannot be moved (a name the new environment has too) is never deleted: the old
 * tree is kept beside the environment under a name no cleanup touches, and the error says
 * where. */
static err_t *retire_old(const char *old, const char *env_path)
{
    /* Without RECORDs every unusual entry counts as the user's: a cheap first look, and the
     * RECORDs (site-packages, read from the old tree itself) only when it finds something. */
    char **mine = venv_user_entries(old, NULL);
    char **kept = NULL;
    err_t *err = NULL;
    if (mine) {
        strv_free(mine);
        observed_env_t o;
        err_t *oe = observe_env(old, &o);
        mine = venv_user_entries(old, oe ? NULL : o.site_packages);
        err_free(oe);
        observed_env_free(&o);
        struct stat st;
        if (mine && lstat(env_path, &st) == 0 && S_ISDIR(st.st_mode))
            err = venv_carry_user_entries(old, env_path, mine, &kept);
        else if (mine)
            kept = strv_dup(mine);
    }
    if (kept) {
        char *keep = xasprintf("%s.venvsync-kept-%ld", env_path, (long)time(NULL));
        char *shown = venv_user_entries_text(old, kept);
        if (rename(old, keep) == 0)
            err_chain(&err, err_hint(err_new(EXIT_APPLY, "%s: your %s could not be carried into "
                                             "the new environment (the names are taken there); "
                                             "the old environment was kept at %s",
                                             env_path, shown, keep),
                                     "move your files out of it, then delete it"));
        else
            err_chain(&err, err_sys(EXIT_APPLY, errno, "%s: keeping the old environment "
                                    "(it holds your %s)", env_path, shown));
        free(shown);
        free(keep);
    } else if (!err) {
        err = err_ctx(discard_tree(old, env_path), "recreated %s, but removing the old copy "
                      "failed", env_path);
    }
    strv_free(mine);
    strv_free(kept);
    return err;
}

static err_t *do_create(const mf_env_t *e, const interp_t *py, const env_plan_t *p,
                        const pkg_step_t *pkgs)
{
    char *st;
    err_t *err = stage(e, py, p, pkgs, &st);
    if (err)
        return err_ctx(err, "creating %s", e->path);
    if (rename(st, e->path) != 0) {
        int en = errno;
        err_free(fs_rmtree(st));
        free(st);
        if (en == ENOTEMPTY || en == EEXIST)
            return err_new(EXIT_APPLY, "creating %s: something appeared at that path meanwhile; "
                                       "nothing was changed", e->path);
        return err_sys(EXIT_APPLY, en, "creating %s: moving the new environment into place", e->path);
    }
    /* No fsync of the parent: the rename is atomic as it is (after a power loss the path holds
     * the new environment or nothing, never a mix), and making it durable cost 0.3-25 ms, the
     * commit of every other process's pending metadata (a directory fsync on ext4 commits the
     * journal). The next sync creates it again if it was lost. */
    free(st);
    return NULL;
}

/* The name of the same kind-suffix as path (a "new-" staging tree) but of kind "old-". */
static char *as_old(const char *path, const char *env_path)
{
    char *prefix = venv_stage_prefix(env_path);
    const char *base = path_basename(path);
    size_t skip = strlen(prefix) + strlen(KIND_NEW);
    char *parent = path_dirname(path);
    char *out = xasprintf("%s/%s%s%s", parent, prefix, KIND_OLD,
                          strlen(base) > skip ? base + skip : "");
    free(parent);
    free(prefix);
    return out;
}

/* The staged tree is renamed to the "old-" kind before the swap, so that whatever a kill leaves
 * under a staging name afterwards (the finished new tree, or the old one after the swap) is
 * handled as a tree that may hold the user's files. */
static err_t *do_recreate(const mf_env_t *e, const interp_t *py, const env_plan_t *p,
                          const pkg_step_t *pkgs)
{
    char *st;
    err_t *err = stage(e, py, p, pkgs, &st);
    if (err)
        return err_ctx(err, "recreating %s (the old environment is untouched)", e->path);
    char *swap = as_old(st, e->path);
    if (rename(st, swap) != 0) {
        int en = errno;
        err_free(fs_rmtree(st));
        free(st);
        free(swap);
        return err_sys(EXIT_APPLY, en, "recreating %s: preparing the swap (the old environment "
                                       "is untouched)", e->path);
    }
    free(st);
    if (renameat2(AT_FDCWD, swap, AT_FDCWD, e->path, RENAME_EXCHANGE) != 0) {
        if (errno != EINVAL && errno != ENOSYS) {
            int en = errno;
            err_free(fs_rmtree(swap));
            free(swap);
            return err_sys(EXIT_APPLY, en, "recreating %s: swapping in the new environment "
                                           "(the old one is untouched)", e->path);
        }
        /* No atomic exchange on this file system: two renames, old one parked first. A kill
         * between them leaves no environment and two "old-" trees; the next run's cleanup puts
         * one back and retires the other into it. */
        char *parent = path_dirname(e->path);
        char *prefix = venv_stage_prefix(e->path);
        char *old = xasprintf("%s/%s%s%ld", parent, prefix, KIND_OLD, (long)getpid());
        free(prefix);
        free(parent);
        if (rename(e->path, old) != 0 || rename(swap, e->path) != 0) {
            int en = errno;
            if (!fs_exists(e->path))
                rename(old, e->path);
            err_free(fs_rmtree(swap));
            free(swap);
            free(old);
            return err_sys(EXIT_APPLY, en, "recreating %s: swapping in the new environment", e->path);
        }
        free(swap);
        swap = old;
    }
    /* swap now holds the old environment: the user's files in it go to the new one first. */
    err = retire_old(swap, e->path);
    free(swap);
    return err;
}

/* Rewrites pyvenv.cfg: venv's and venvsync's keys from a fresh rendering when py is known,
 * otherwise just the keys the manifest decides (prompt, system-site-packages) and the path. */
static err_t *write_cfg(const char *dir, const mf_env_t *e, const char *old_path,
                        const interp_t *py)
{
    char *cfgpath = path_join(dir, "pyvenv.cfg");
    venv_cfg_t *c = NULL;
    err_t *err = venv_cfg_read(cfgpath, &c);
    if (err) {
        free(cfgpath);
        return err;
    }
    if (py) {
        venv_params_t vp = {.path = e->path, .py = py, .prompt = e->prompt,
                            .system_site_packages = e->system_site_packages};
        buf_t fresh = BUF_INIT;
        venv_render_cfg(&vp, &fresh);
        venv_cfg_t *f = venv_cfg_parse(fresh.data, fresh.len);
        for (size_t i = 0; i < f->n; i++)
            if (f->lines[i].key)
                venv_cfg_set(c, f->lines[i].key, f->lines[i].value);
        venv_cfg_free(f);
        buf_free(&fresh);
    } else {
        char *pr = py_repr_str(e->prompt);
        venv_cfg_set(c, CFG_PROMPT, pr);
        free(pr);
        venv_cfg_set(c, CFG_SYSTEM_SITE, e->system_site_packages ? "true" : "false");
        const char *cmd = venv_cfg_get(c, CFG_COMMAND);
        if (old_path && cmd && strcmp(old_path, e->path) != 0) {
            buf_t nc = BUF_INIT;
            buf_add_replaced(&nc, cmd, old_path, e->path);
            venv_cfg_set(c, CFG_COMMAND, buf_cstr(&nc));
            buf_free(&nc);
        }
        if (venv_cfg_get(c, CFG_VENVSYNC))
            venv_cfg_set(c, CFG_VS_PATH, e->path);
    }
    buf_t out = BUF_INIT;
    venv_cfg_render(c, &out);
    err = fs_write_atomic(cfgpath, out.data, out.len, 0644);
    buf_free(&out);
    venv_cfg_free(c);
    free(cfgpath);
    return err;
}

/* Points bin/'s interpreter links at py, replacing the old ones. */
static err_t *relink(const mf_env_t *e, const interp_t *py)
{
    char *bin = path_join(e->path, "bin");
    char **names = NULL;
    err_t *err = fs_list_dir(bin, &names);
    for (size_t i = 0; !err && names[i]; i++) {
        if (strncmp(names[i], "python", 6) != 0 && strncmp(names[i], "pypy", 4) != 0)
            continue;
        char *p = path_join(bin, names[i]);
        struct stat st;
        if (lstat(p, &st) == 0 && S_ISLNK(st.st_mode) && unlink(p) != 0)
            err = err_sys(EXIT_APPLY, errno, "removing %s", p);
        free(p);
    }
    strv_free(names);
    if (!err) {
        char *exe = path_join(bin, py->exe_name);
        err = fs_symlink_replace(py->path, exe);
        free(exe);
    }
    char **links = err ? NULL : venv_python_links(py);
    for (size_t i = 0; links && links[i] && !err; i++) {
        if (strcmp(links[i], py->exe_name) == 0)
            continue;
        char *p = path_join(bin, links[i]);
        err = fs_symlink_replace(py->exe_name, p);
        free(p);
    }
    strv_free(links);
    free(bin);
    return err;
}

err_t *apply_env(const mf_env_t *e, const observed_env_t *o, const env_plan_t *p,
                 const interp_t *py, const pkg_step_t *pkgs)
{
    bool cfg = false, activators = false, new_tree = false;
    const char *relocate_from = NULL;
    for (size_t i = 0; i < p->nactions; i++) {
        const action_t *a = &p->actions[i];
        err_t *err = NULL;
        switch (a->kind) {
        case ACT_REFUSE:
            return err_hint(err_new(EXIT_USAGE, "%s", p->reason), "%s", a->reason);
        case ACT_DELETE:
            return apply_remove_env(e->path);
        case ACT_CREATE:
            err = do_create(e, py, p, pkgs);
            new_tree = true;
            break;
        case ACT_RECREATE:
            if (o->kind != OBS_VENV)
                return err_new(EXIT_APPLY, "refusing to replace %s: it is not a virtual environment",
                               e->path);
            err = do_recreate(e, py, p, pkgs);
            new_tree = true;
            break;
        case ACT_RELINK:
            err = relink(e, py);
            cfg = true;
            break;
        case ACT_RELOCATE:
            relocate_from = a->from;
            cfg = activators = true;
            break;
        case ACT_COPY:
            err = apply_copy_env(a->from, e->path, e, COPY_SHARE, p, pkgs);
            new_tree = true;
            break;
        case ACT_INSTALL:
        case ACT_UPGRADE:
        case ACT_DOWNGRADE:
        case ACT_REMOVE:
        case ACT_REINSTALL:
        case ACT_SEED:
            break; /* all at once below, or in the staged tree */
        case ACT_WRITE_CFG:
            cfg = true;
            break;
        case ACT_WRITE_ACTIVATOR:
            activators = true;
            break;
        case ACT_CLEANUP:
            break; /* done under the lock before planning: see apply_cleanup_stale */
        case ACT_DOWNLOAD_PYTHON:
            /* the engine downloads and plans again before applying */
            return err_new(EXIT_APPLY, "%s: no interpreter to build it with (%s)", e->path,
                           a->reason);
        }
        if (err)
            return err;
    }
    err_t *err = NULL;
    if (relocate_from)
        err = err_ctx(venv_relocate(e->path, relocate_from, e->path, NULL), "relocating %s",
                      e->path);
    if (!err && cfg)
        err = write_cfg(e->path, e, o->recorded_path, (p->python_need != NEED_NONE) ? py : NULL);
    if (!err && activators)
        err = venv_write_activators(e->path, e->path, e->prompt);
    if (!err && !new_tree && pkgs)
        err = apply_packages(e->path, e->path, pkgs->py, p, pkgs->fetch, pkgs->cache_dir,
                             pkgs->compile, pkgs->link);
    return err;
}

int apply_cleanup_stale(const char *env_path)
{
    char *parent = path_dirname(env_path);
    char *prefix = venv_stage_prefix(env_path);
    size_t plen = strlen(prefix);
    int n = 0;
    DIR *d = opendir(parent);
    if (d) {
        struct dirent *de;
        while ((de = readdir(d))) {
            if (strncmp(de->d_name, prefix, plen) != 0)
                continue;
            const char *kind = de->d_name + plen;
            char *p = path_join(parent, de->d_name);
            struct stat st;
            err_t *err = NULL;
            if (lstat(p, &st) != 0 || !S_ISDIR(st.st_mode))
                err = err_new(EXIT_APPLY, "not a directory");
            else if (str_starts_with(kind, KIND_NEW) || str_starts_with(kind, KIND_GONE))
                err = fs_rmtree(p);
            else if (lstat(env_path, &st) != 0 && errno == ENOENT)
                /* a swap killed between its two renames: the tree goes back into place */
                err = rename(p, env_path) == 0 ? NULL : err_sys(EXIT_APPLY, errno, "%s", p);
            else
                /* an old tree a killed recreation left may still hold the user's files */
                err = retire_old(p, env_path);
            n += !err;
            err_free(err);
            free(p);
        }
        closedir(d);
    }
    free(prefix);
    free(parent);
    return n;
}

err_t *apply_copy_env(const char *src, const char *dst, const mf_env_t *e, copy_mode_t mode,
                      const env_plan_t *p, const pkg_step_t *pkgs)
{
    char *st = NULL;
    err_t *err = kind_dir(dst, KIND_NEW, &st);
    /* venv_copy_tree creates its destination: keep the unique name, drop the directory */
    if (!err && rmdir(st) != 0)
        err = err_sys(EXIT_APPLY, errno, "preparing %s", st);
    /* The source's files name where it was written: its recorded path, which differs from src
     * when the source itself was moved and not yet relocated. */
    char *written_at = NULL;
    if (!err) {
        char *cfgpath = path_join(src, "pyvenv.cfg");
        venv_cfg_t *c = NULL;
        err_t *ce = venv_cfg_read(cfgpath, &c);
        const char *rec = ce ? NULL : venv_cfg_get(c, CFG_VS_PATH);
        written_at = xstrdup(rec && *rec ? rec : src);
        err_free(ce);
        venv_cfg_free(c);
        free(cfgpath);
    }
    if (!err)
        err = venv_copy_tree(src, st, mode, NULL);
    if (!err && strcmp(written_at, src) != 0)
        err = err_ctx(venv_relocate(st, written_at, dst, NULL), "relocating the copy");
    if (!err)
        err = err_ctx(venv_relocate(st, src, dst, NULL), "relocating the copy");
    if (!err)
        err = write_cfg(st, e, written_at, NULL);
    free(written_at);
    if (!err)
        err = venv_write_activators(st, dst, e->prompt);
    if (!err && p && pkgs)
        err = apply_packages(st, dst, pkgs->py, p, pkgs->fetch, pkgs->cache_dir,
                             pkgs->compile, pkgs->link);
    if (!err && rename(st, dst) != 0) {
        int en = errno;
        err = (en == ENOTEMPTY || en == EEXIST)
                  ? err_new(EXIT_APPLY, "something appeared at %s meanwhile; nothing was changed", dst)
                  : err_sys(EXIT_APPLY, en, "moving the copy into place at %s", dst);
    }
    if (err && st)
        err_free(fs_rmtree(st));
    free(st);
    return err ? err_ctx(err, "copying %s to %s", src, dst) : NULL;
}

err_t *apply_remove_env(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return err_sys(EXIT_USAGE, errno, "removing %s", path);
    if (!S_ISDIR(st.st_mode))
        return err_new(EXIT_USAGE, "refusing to remove %s: it is %s, not a virtual environment",
                       path, S_ISLNK(st.st_mode) ? "a symbolic link" : "not a directory");
    char *cfg = path_join(path, "pyvenv.cfg");
    bool is_env = lstat(cfg, &st) == 0 && S_ISREG(st.st_mode);
    free(cfg);
    if (!is_env)
        return err_new(EXIT_USAGE, "refusing to remove %s: it has no pyvenv.cfg, so it is not a "
                                   "virtual environment", path);
    char *doomed = to_gone(path, path);
    err_t *e = NULL;
    if (!doomed)
        e = err_sys(EXIT_APPLY, errno, "removing %s", path);
    else
        e = err_ctx(fs_rmtree(doomed), "removing %s (moved aside; the next sync finishes it)", path);
    free(doomed);
    return e;
}
