/* user: the user's own files in an environment's directory (see user.h). */
#include "venv/user.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pkg/record.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/path.h"
#include "util/strv.h"
#include "util/xalloc.h"
#include "venv/activators.h"

static bool venv_top_name(const char *n)
{
    static const char *const names[] = {"bin", "include", "lib", "lib64", "pyvenv.cfg",
                                        ".gitignore", NULL};
    for (size_t i = 0; names[i]; i++)
        if (strcmp(n, names[i]) == 0)
            return true;
    return false;
}

static bool venv_bin_name(const char *n)
{
    if (strncmp(n, "python", 6) == 0 || strncmp(n, "pypy", 4) == 0 ||
        strcmp(n, "__pycache__") == 0)
        return true;
    for (size_t i = 0; i < activator_count(); i++)
        if (strcmp(n, activator_name(i)) == 0)
            return true;
    return false;
}

/* Every path (relative to env_dir, normalized) that an installed distribution's RECORD lists. */
static char **owned_paths(const char *env_dir, const char *site_packages)
{
    char **out = NULL;
    size_t n = 0, cap = 0;
    DIR *d = site_packages ? opendir(site_packages) : NULL;
    if (!d)
        return NULL;
    size_t envlen = strlen(env_dir);
    struct dirent *de;
    buf_t text = BUF_INIT;
    while ((de = readdir(d))) {
        size_t len = strlen(de->d_name);
        if (!str_ends_with(de->d_name, len, ".dist-info"))
            continue;
        char *rec = path_joinv(site_packages, de->d_name, "RECORD", (char *)NULL);
        buf_reset(&text);
        record_t r = RECORD_INIT;
        if (fs_try_read(rec, &text) && !record_parse(text.data, text.len, rec, &r)) {
            for (size_t i = 0; i < r.n; i++) {
                char *abs = path_absolute(site_packages, r.rows[i].path);
                if (path_is_within(abs, env_dir) && strlen(abs) > envlen)
                    strv_push(&out, &n, &cap, xstrdup(abs + envlen + 1));
                free(abs);
            }
        }
        record_free(&r);
        free(rec);
    }
    buf_free(&text);
    closedir(d);
    return out;
}

/* Whether some owned path is rel or lies below it. */
static bool owned(char *const *paths, const char *rel)
{
    size_t n = strlen(rel);
    for (size_t i = 0; paths && paths[i]; i++)
        if (strncmp(paths[i], rel, n) == 0 && (paths[i][n] == '\0' || paths[i][n] == '/'))
            return true;
    return false;
}

char **venv_user_entries(const char *env_dir, const char *site_packages)
{
    char **top = NULL, **bin = NULL, **owners = NULL, **out = NULL;
    size_t n = 0, cap = 0;
    bool loaded = false;
    err_free(fs_list_dir(env_dir, &top));
    char *bindir = path_join(env_dir, "bin");
    err_free(fs_list_dir(bindir, &bin));
    free(bindir);
    for (int pass = 0; pass < 2; pass++) {
        char **names = pass ? bin : top;
        for (size_t i = 0; names && names[i]; i++) {
            if (pass == 0 ? venv_top_name(names[i]) : venv_bin_name(names[i]))
                continue;
            char *rel = pass ? path_join("bin", names[i]) : xstrdup(names[i]);
            if (!loaded) { /* RECORDs are read only when something might be the user's */
                owners = owned_paths(env_dir, site_packages);
                loaded = true;
            }
            if (owned(owners, rel))
                free(rel);
            else
                strv_push(&out, &n, &cap, rel);
        }
    }
    strv_free(top);
    strv_free(bin);
    strv_free(owners);
    return out;
}

err_t *venv_carry_user_entries(const char *from_env, const char *to_env, char *const *entries,
                               char ***kept)
{
    *kept = NULL;
    size_t n = 0, cap = 0;
    err_t *errs = NULL;
    for (size_t i = 0; entries && entries[i]; i++) {
        char *src = path_join(from_env, entries[i]), *dst = path_join(to_env, entries[i]);
        struct stat st;
        if (lstat(dst, &st) == 0) {
            strv_push(kept, &n, &cap, xstrdup(entries[i]));
        } else if (lstat(src, &st) == 0) {
            char *dir = path_dirname(dst);
            err_t *e = fs_mkdirs(dir, 0755);
            if (!e && rename(src, dst) != 0)
                e = err_sys(EXIT_APPLY, errno, "moving %s to %s", src, dst);
            if (e) {
                err_chain(&errs, e);
                strv_push(kept, &n, &cap, xstrdup(entries[i]));
            }
            free(dir);
        }
        free(src);
        free(dst);
    }
    return errs;
}

char *venv_user_entries_text(const char *env_dir, char *const *entries)
{
    buf_t b = BUF_INIT;
    size_t n = strv_len(entries);
    for (size_t i = 0; i < n; i++) {
        char *p = path_join(env_dir, entries[i]);
        bool dir = fs_is_dir(p);
        free(p);
        if (i)
            buf_adds(&b, i + 1 == n ? " and " : ", ");
        buf_printf(&b, "%s%s", entries[i], dir ? "/" : "");
    }
    return buf_detach(&b);
}
