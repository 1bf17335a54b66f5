/*
 * libFuzzer target for PEP 751 lock files (src/resolve/pylock*.c): the strict reader, the
 * writer and the selection.
 *
 * Every input is read as "pylock.f.toml". A refusal must leave no model and be an EXIT_USAGE
 * error starting "pylock.f.toml:" (with LINE:COL: or without a position, ": "). An accepted lock
 * must write (pylock_write reads its own output back, so the writer and the reader agree), and
 * the written text must read again to a lock that writes the same bytes. Then the lock is
 * selected for three targets (Linux x86_64 CPython 3.11 with an extra and a group requested,
 * macOS arm64 3.12, Windows amd64 3.12 with the default groups): each either selects (every pick
 * has a kind, an entry of the lock and, for files, a location) or fails with an EXIT_USAGE
 * message naming the lock. A broken promise is an abort(), so the fuzzer keeps the input. Build
 * and run: see fuzz/README.md.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/marker.h"
#include "pkg/tags.h"
#include "resolve/pylock.h"
#include "util/buf.h"
#include "util/strv.h"

static void check(bool ok)
{
    if (!ok)
        abort();
}

static bool error_ok(const err_t *e, const char *prefix)
{
    size_t n = strlen(prefix);
    if (e->exit_code != EXIT_USAGE || strncmp(e->msg, prefix, n) != 0)
        return false;
    const char *m = e->msg + n;
    if (m[0] == ':' && m[1] == ' ')
        return m[2] != '\0';
    if (*m++ != ':' || *m < '1' || *m > '9')
        return false;
    while (*m >= '0' && *m <= '9')
        m++;
    if (*m == ':' && m[1] == ' ')          /* "NAME:LINE: " (selection errors) */
        return m[2] != '\0';
    if (*m++ != ':' || *m < '1' || *m > '9')
        return false;
    while (*m >= '0' && *m <= '9')
        m++;
    return m[0] == ':' && m[1] == ' ' && m[2] != '\0';
}

static const marker_env_t ENVS[3] = {
    {.os_name = "posix", .sys_platform = "linux", .platform_machine = "x86_64",
     .platform_python_implementation = "CPython", .platform_system = "Linux",
     .python_version = "3.11", .python_full_version = "3.11.7", .implementation_name = "cpython",
     .implementation_version = "3.11.7"},
    {.os_name = "posix", .sys_platform = "darwin", .platform_machine = "arm64",
     .platform_python_implementation = "CPython", .platform_system = "Darwin",
     .python_version = "3.12", .python_full_version = "3.12.1", .implementation_name = "cpython",
     .implementation_version = "3.12.1"},
    {.os_name = "nt", .sys_platform = "win32", .platform_machine = "AMD64",
     .platform_python_implementation = "CPython", .platform_system = "Windows",
     .python_version = "3.12", .python_full_version = "3.12.1", .implementation_name = "cpython",
     .implementation_version = "3.12.1"},
};
static const tag_facts_t FACTS[3] = {
    {.implementation = "cpython", .major = 3, .minor = 11, .system = "linux",
     .machine = "x86_64", .pointer_bits = 64, .libc = "glibc", .libc_version = "2.36"},
    {.implementation = "cpython", .major = 3, .minor = 12, .system = "darwin",
     .machine = "arm64", .pointer_bits = 64, .mac_version = "14.2"},
    {.implementation = "cpython", .major = 3, .minor = 12, .system = "win32",
     .machine = "AMD64", .pointer_bits = 64, .platform = "win-amd64"},
};
static tagset_t *tags[3];

static void select_all(const pylock_t *l)
{
    static char *extras[] = {"cli", NULL}, *groups[] = {"test", NULL};
    for (int i = 0; i < 3; i++) {
        if (!tags[i])
            tags[i] = tagset_new(&FACTS[i]);
        pylock_target_t t = {
            .env = &ENVS[i], .tags = tags[i], .lock_dir = "/proj", .lock_name = "pylock.f.toml",
            .extras = i == 0 ? extras : NULL, .groups = i == 0 ? groups : NULL,
            .groups_given = i == 0,
        };
        pylock_selection_t s;
        err_t *e = pylock_select(l, &t, &s);
        if (e) {
            check(s.n == 0 && s.picks == NULL);
            check(error_ok(e, "pylock.f.toml") || (e->exit_code == EXIT_USAGE &&
                                                   strstr(e->msg, "pylock.f.toml") != NULL));
            err_free(e);
            continue;
        }
        for (size_t k = 0; k < s.n; k++) {
            const pylock_pick_t *p = &s.picks[k];
            check(p->index < l->npackages && p->pkg == &l->packages[p->index]);
            for (size_t j = 0; j < k; j++)
                check(strcmp(s.picks[j].pkg->name, p->pkg->name) != 0);
            check(p->kind <= PYLOCK_PICK_VCS);
            if (p->kind == PYLOCK_PICK_WHEEL || p->kind == PYLOCK_PICK_SDIST ||
                p->kind == PYLOCK_PICK_ARCHIVE)
                check(p->file && p->location && p->file->name &&
                      pylock_file_hash(p->file, "sha256"));
            if (p->is_local)
                check(p->location && p->location[0] == '/');
        }
        pylock_selection_free(&s);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pylock_t *l = (pylock_t *)1;
    char **warnings = NULL;
    err_t *e = pylock_read((const char *)data, size, "pylock.f.toml", &l, &warnings);
    if (e) {
        check(l == NULL && warnings == NULL && error_ok(e, "pylock.f.toml"));
        err_free(e);
        return 0;
    }
    for (size_t i = 0; warnings && warnings[i]; i++)
        check(strncmp(warnings[i], "pylock.f.toml:", 14) == 0);
    strv_free(warnings);

    buf_t w1 = BUF_INIT, w2 = BUF_INIT;
    check(pylock_write(l, &w1) == NULL);
    pylock_t *l2 = NULL;
    check(pylock_read(buf_cstr(&w1), w1.len, "pylock.f.toml", &l2, NULL) == NULL);
    check(l2->npackages == l->npackages);
    check(pylock_write(l2, &w2) == NULL);
    check(w1.len == w2.len && memcmp(buf_cstr(&w1), buf_cstr(&w2), w1.len) == 0);
    buf_free(&w1);
    buf_free(&w2);
    pylock_free(l2);

    select_all(l);
    pylock_free(l);
    return 0;
}
