/* cachedir: the cache's layout and removals (see cachedir.h). */
#include "util/cachedir.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/fs.h"
#include "util/path.h"
#include "util/strv.h"
#include "util/xalloc.h"

unsigned long long cachedir_usage(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return 0;
    unsigned long long n = (unsigned long long)st.st_blocks * 512;
    if (!S_ISDIR(st.st_mode))
        return n;
    char **names = NULL;
    err_free(fs_list_dir(path, &names));
    for (size_t i = 0; names && names[i]; i++) {
        char *p = path_join(path, names[i]);
        n += cachedir_usage(p);
        free(p);
    }
    strv_free(names);
    return n;
}

err_t *cachedir_remove(const char *dir, const char *name, unsigned long long *freed)
{
    char *p = path_join(dir, name);
    char *aside = xasprintf("%s/.trash-%s-%ld", dir, name, (long)getpid());
    *freed += cachedir_usage(p);
    err_t *e = NULL;
    if (rename(p, aside) != 0)
        e = errno == ENOENT ? NULL : err_sys(EXIT_APPLY, errno, "removing %s", p);
    else
        e = fs_rmtree(aside);
    free(aside);
    free(p);
    return e;
}

err_t *cachedir_clean(const char *cache_dir, unsigned long long *freed)
{
    char **names = NULL;
    err_t *e = fs_list_dir(cache_dir, &names);
    if (e) {
        err_free(e);
        return NULL; /* no cache: nothing to clean */
    }
    for (size_t i = 0; names[i] && !e; i++)
        if (strcmp(names[i], CACHE_LOCKS) != 0) /* held locks must stay valid */
            e = cachedir_remove(cache_dir, names[i], freed);
    strv_free(names);
    return e;
}
