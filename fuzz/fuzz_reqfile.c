/*
 * libFuzzer target for the requirements-file parser (src/pkg/reqfile.c).
 *
 * The input is split at "\n%%\n" into up to three files: /fuzz/r.txt (parsed first) and
 * /fuzz/a.txt, /fuzz/b.txt, which -r / -c lines can include (served from memory by the read
 * hook: the target never reads a file; it only stats the paths that must be project
 * directories, and names them with a fake project_name hook). ${A} expands to "x", ${B} to
 * "${A}". The first
 * input byte chooses whether r.txt is read as a constraints file. Every entry is checked against
 * reqfile.h's promises with abort(), so a broken invariant is a crash the fuzzer keeps.
 * Build and run: see fuzz/README.md.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/name.h"
#include "pkg/reqfile.h"
#include "util/strv.h"
#include "util/xalloc.h"

typedef struct files {
    const char *data[3];
    size_t len[3];
} files_t;

static const char *const NAMES[3] = {"/fuzz/r.txt", "/fuzz/a.txt", "/fuzz/b.txt"};

static err_t *mem_read(void *ctx, const char *path, buf_t *out)
{
    files_t *f = ctx;
    for (int i = 0; i < 3; i++) {
        if (strcmp(path, NAMES[i]) == 0) {
            buf_add(out, f->data[i], f->len[i]);
            return NULL;
        }
    }
    return err_new(EXIT_USAGE, "%s: No such file or directory", path);
}

static const char *fake_getenv(void *ctx, const char *name)
{
    (void)ctx;
    if (strcmp(name, "A") == 0)
        return "x";
    if (strcmp(name, "B") == 0)
        return "${A}";
    return NULL;
}

/* A directory's name: its last component when that is a valid name ("" otherwise, which the
 * parser must refuse), or an error for one starting with 'x'. */
static err_t *fake_project_name(void *ctx, const char *abs_dir, char **name)
{
    (void)ctx;
    const char *b = strrchr(abs_dir, '/');
    b = b ? b + 1 : abs_dir;
    if (*b == 'x')
        return err_new(EXIT_USAGE, "cannot read the name of %s", abs_dir);
    *name = xstrdup(pkg_name_valid(b) ? b : "");
    return NULL;
}

static bool is_lower_hex(const char *s)
{
    for (; *s; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
            return false;
    return true;
}

static void check_entry(const rf_entry_t *e)
{
    if (!e->req || !e->req->key || !e->text || !e->file || !e->shown || e->line < 1 ||
        !e->hashes)
        abort();
    if (strncmp(e->file, "/fuzz/", 6) != 0)
        abort();
    if (strv_len(e->hashes) != e->nhashes)
        abort();
    for (size_t i = 0; i < e->nhashes; i++) {
        const char *h = e->hashes[i];
        size_t want = strncmp(h, "sha256:", 7) == 0 ? 64
                      : strncmp(h, "sha384:", 7) == 0 ? 96
                      : strncmp(h, "sha512:", 7) == 0 ? 128
                                                       : 0;
        if (!want || strlen(h + 7) != want || !is_lower_hex(h + 7))
            abort();
        for (size_t k = 0; k < i; k++)
            if (strcmp(e->hashes[k], h) == 0)
                abort();
    }
    if (e->source != RF_SOURCE_INDEX) {
        if (!e->path_or_url || !e->req->url || e->is_constraint)
            abort();
        if ((e->source == RF_SOURCE_DIR) != !e->direct_version)
            abort();
        if (e->is_local && e->path_or_url[0] != '/')
            abort();
        if (e->source == RF_SOURCE_DIR && (!e->is_local || e->nhashes))
            abort();
    } else if (e->path_or_url || e->direct_version || e->req->url) {
        abort();
    }
    if (e->editable && e->source != RF_SOURCE_DIR)
        abort();
    if (e->is_constraint && e->req->nextras)
        abort();
    /* the key is the normalized name */
    char *k = pkg_name_normalize(e->req->name);
    if (strcmp(k, e->req->key) != 0)
        abort();
    free(k);
    /* req_str round-trips */
    char *s = req_str(e->req);
    req_t *back = NULL;
    err_t *err = req_parse(s, &back, NULL);
    if (err || strcmp(back->key, e->req->key) != 0)
        abort();
    req_free(back);
    free(s);
    char *o = reqfile_origin(e);
    free(o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    bool constraint = data[0] & 1;
    const char *p = (const char *)data + 1;
    size_t n = size - 1;
    files_t f = {{0}, {0}};
    int nf = 0;
    f.data[0] = p;
    f.len[0] = n;
    while (nf < 2) {
        const char *sep = NULL;
        for (size_t i = 0; i + 4 <= f.len[nf]; i++) {
            if (memcmp(f.data[nf] + i, "\n%%\n", 4) == 0) {
                sep = f.data[nf] + i;
                break;
            }
        }
        if (!sep)
            break;
        size_t head = (size_t)(sep - f.data[nf]);
        f.data[nf + 1] = sep + 4;
        f.len[nf + 1] = f.len[nf] - head - 4;
        f.len[nf] = head;
        nf++;
    }
    for (int i = nf + 1; i < 3; i++) {
        f.data[i] = "";
        f.len[i] = 0;
    }

    reqfile_env_t env = {.vars = {fake_getenv, &f}, .read = mem_read, .ctx = &f,
                         .project_name = fake_project_name};
    reqfile_t *rf = reqfile_new();
    err_t *e = reqfile_parse_text(rf, f.data[0], f.len[0], NAMES[0], constraint, &env);
    for (err_t *x = e; x; x = x->next) {
        if (x->exit_code != EXIT_USAGE || strncmp(x->msg, "/fuzz/", 6) != 0)
            abort();
    }
    err_free(e);
    for (size_t i = 0; i < rf->n; i++)
        check_entry(&rf->entries[i]);
    if (rf->nfiles < 1 || strcmp(rf->files[0], NAMES[0]) != 0)
        abort();
    reqfile_free(rf);

    /* the same text as one manifest item */
    if (f.len[0] < 4096 && !memchr(f.data[0], '\0', f.len[0])) {
        char *item = xstrndup(f.data[0], f.len[0]);
        rf = reqfile_new();
        e = reqfile_add_item(rf, item, "/fuzz/venv.yaml", 3, 7, &env);
        if (e && strncmp(e->msg, "/fuzz/venv.yaml:3:7: ", 21) != 0)
            abort();
        if (!e && rf->n != 1)
            abort();
        err_free(e);
        for (size_t i = 0; i < rf->n; i++)
            check_entry(&rf->entries[i]);
        reqfile_free(rf);
        free(item);
    }
    return 0;
}
