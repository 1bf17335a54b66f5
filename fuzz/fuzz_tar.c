/*
 * libFuzzer target for the tar reader (src/util/tar.c): extracts the input (gzip or plain tar)
 * into a scratch directory twice, with strip "python" and without, and checks the reader's promises with abort(): errors carry the archive's name, nothing is
 * ever created beside the destination, and every symbolic link the kernel can resolve stays
 * inside it. The scratch tree is emptied after each input. Build and run: see fuzz/README.md.
 */
#include <dirent.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/fs.h"
#include "util/path.h"
#include "util/tar.h"
#include "util/xalloc.h"

static char *scratch, *dest, *dest_real;

static void cleanup(void)
{
    if (scratch)
        err_free(fs_rmtree(scratch));
}

static void init(void)
{
    if (scratch)
        return;
    atexit(cleanup);
    char tmpl[] = "/tmp/fuzz-tar-XXXXXX";
    if (!mkdtemp(tmpl))
        abort();
    scratch = xstrdup(tmpl);
    dest = path_join(scratch, "dest");
}

/* Every symlink below d that resolves must resolve inside dest. */
static void check_tree(const char *d, int depth)
{
    if (depth > 64)
        return;
    DIR *dir = opendir(d);
    if (!dir)
        return;
    struct dirent *de;
    while ((de = readdir(dir))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        char *p = path_join(d, de->d_name);
        struct stat st;
        if (lstat(p, &st) == 0) {
            if (S_ISLNK(st.st_mode)) {
                char *real = path_real(p);
                if (real && !path_is_within(real, dest_real))
                    abort();
                free(real);
            } else if (S_ISDIR(st.st_mode)) {
                check_tree(p, depth + 1);
            } else if (!S_ISREG(st.st_mode)) {
                abort();                  /* devices, FIFOs, sockets are never created */
            }
        }
        free(p);
    }
    closedir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void one(const uint8_t *data, size_t size, const char *strip)
{
    if (mkdir(dest, 0755) != 0)
        abort();
    free(dest_real);
    dest_real = path_real(dest);
    tar_opts_t o = {.strip = strip, .max_total = 8u << 20, .max_members = 4096};
    err_t *e = tar_extract_mem(data, size, "fuzz.tar", dest, &o, NULL);
    if (e && (!e->msg || strncmp(e->msg, "fuzz.tar: ", 10) != 0))
        abort();
    err_free(e);
    check_tree(dest, 0);
    char **names = NULL;
    err_free(fs_list_dir(scratch, &names));
    if (!names || strv_len(names) != 1 || strcmp(names[0], "dest") != 0)
        abort();                          /* something was written beside the destination */
    strv_free(names);
    err_t *re = fs_rmtree(dest);
    if (re)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    init();
    one(data, size, "python");
    one(data, size, NULL);
    return 0;
}
