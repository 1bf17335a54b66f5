/*
 * Test helper (header-only, static): starts tests/fixtures/index_server.py on 127.0.0.1 in a
 * temporary directory, reads back what it serves, switches its faults and reads its request
 * log. Used by test_http.c and test_remote.c. The server is a child process killed (by its pid)
 * in srv_stop().
 */
#ifndef VENVSYNC_TESTS_INDEX_SERVER_H
#define VENVSYNC_TESTS_INDEX_SERVER_H
#include <criterion/criterion.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/fs.h"
#include "util/jsonread.h"
#include "util/path.h"
#include "util/xalloc.h"

typedef struct srv {
    pid_t pid;
    char *dir;        /* temporary directory holding everything below */
    char *root;       /* <dir>/root: one sub-directory per index */
    char *config;     /* <dir>/config.json */
    char *log;        /* <dir>/requests.log */
    char *cache;      /* <dir>/cache: a venvsync cache directory for the test */
    int port;
    char base[64];    /* "http://127.0.0.1:PORT" (or https) */
} srv_t;

static inline void srv_write_config(srv_t *s, const char *json)
{
    /* a new mtime/size pair every time: sleep past the timestamp granularity is not needed
     * because the server keys on (mtime_ns, size), and we also rewrite via rename */
    char *tmp = xasprintf("%s.tmp", s->config);
    FILE *f = fopen(tmp, "w");
    cr_assert_not_null(f);
    fputs(json, f);
    fclose(f);
    cr_assert_eq(rename(tmp, s->config), 0);
    free(tmp);
    struct timespec ts = {0, 20 * 1000 * 1000};
    nanosleep(&ts, NULL);
}

/* Starts the server. wheels: "INDEX:NAME:VERSION[:TAG]" specs, NULL-terminated. extra: more
 * arguments (NULL-terminated, may be NULL). */
static inline void srv_start(srv_t *s, const char *const *wheels, const char *const *extra)
{
    memset(s, 0, sizeof(*s));
    char t[] = "/tmp/venvsync-idx-XXXXXX";
    cr_assert_not_null(mkdtemp(t));
    s->dir = xstrdup(t);
    s->root = path_join(s->dir, "root");
    s->config = path_join(s->dir, "config.json");
    s->log = path_join(s->dir, "requests.log");
    s->cache = path_join(s->dir, "cache");
    cr_assert_null(fs_mkdirs(s->cache, 0755));
    srv_write_config(s, "{}");
    char *portfile = path_join(s->dir, "port");
    char *script = path_join(TEST_SRC_DIR, "tests/fixtures/index_server.py");
    char *errlog = path_join(s->dir, "server.err");
    const char *argv[64];
    int n = 0;
    argv[n++] = "python3";
    argv[n++] = script;
    argv[n++] = "--root";
    argv[n++] = s->root;
    argv[n++] = "--port-file";
    argv[n++] = portfile;
    argv[n++] = "--log";
    argv[n++] = s->log;
    argv[n++] = "--config";
    argv[n++] = s->config;
    for (size_t i = 0; wheels && wheels[i] && n < 56; i++) {
        argv[n++] = "--wheel";
        argv[n++] = wheels[i];
    }
    bool tls = false;
    for (size_t i = 0; extra && extra[i] && n < 62; i++) {
        tls = tls || strcmp(extra[i], "--tls-cert") == 0;
        argv[n++] = extra[i];
    }
    argv[n] = NULL;
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        int fd = open(errlog, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
            dup2(fd, 2);
            dup2(fd, 1);
        }
        execvp("python3", (char *const *)argv);
        _exit(127);
    }
    s->pid = pid;
    for (int i = 0; i < 300; i++) {
        buf_t b = BUF_INIT;
        if (fs_try_read(portfile, &b) && b.len) {
            s->port = atoi(b.data);
            buf_free(&b);
            break;
        }
        buf_free(&b);
        int st;
        if (waitpid(pid, &st, WNOHANG) == pid) {
            buf_t e = BUF_INIT;
            fs_try_read(errlog, &e);
            cr_assert_fail("index server died: %s", buf_cstr(&e));
        }
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    cr_assert_gt(s->port, 0, "the index server did not start");
    snprintf(s->base, sizeof s->base, "%s://127.0.0.1:%d", tls ? "https" : "http", s->port);
    free(portfile);
    free(script);
    free(errlog);
}

static inline void srv_stop(srv_t *s)
{
    if (s->pid > 0) {
        kill(s->pid, SIGTERM);
        int st;
        waitpid(s->pid, &st, 0);
        s->pid = 0;
    }
    if (s->dir)
        err_free(fs_rmtree(s->dir));
    free(s->dir);
    free(s->root);
    free(s->config);
    free(s->log);
    free(s->cache);
    memset(s, 0, sizeof(*s));
}

/* The sha256 and size of a served file (from root/wheels.json). */
static inline void srv_file(const srv_t *s, const char *index, const char *filename,
                            char sha[65], int64_t *size)
{
    char *p = path_join(s->root, "wheels.json");
    buf_t b = BUF_INIT;
    cr_assert(fs_try_read(p, &b));
    jr_doc_t *d = NULL;
    cr_assert_null(jr_parse(b.data, b.len, NULL, &d));
    const jr_value_t *r = jr_doc_root(d);
    bool found = false;
    for (size_t i = 0; i < r->len; i++) {
        const jr_value_t *f = jr_at(r, i);
        if (strcmp(jr_str(jr_get(f, "index")), index) == 0 &&
            strcmp(jr_str(jr_get(f, "filename")), filename) == 0) {
            snprintf(sha, 65, "%s", jr_str(jr_get(f, "sha256")));
            if (size)
                jr_int64(jr_get(f, "size"), size);
            found = true;
        }
    }
    cr_assert(found, "%s/%s is not served", index, filename);
    jr_doc_free(d);
    buf_free(&b);
    free(p);
}

/* The request log as one string (JSON lines). */
static inline char *srv_log(const srv_t *s)
{
    buf_t b = BUF_INIT;
    fs_try_read(s->log, &b);
    return buf_detach(&b);
}

/* How many logged requests have path p (exact) and, when status >= 0, that status. */
static inline int srv_count(const srv_t *s, const char *p, int status)
{
    char *log = srv_log(s);
    int n = 0;
    char *needle = xasprintf("\"path\": \"%s\"", p);
    char *st = xasprintf("\"status\": %d}", status);
    for (char *line = strtok(log, "\n"); line; line = strtok(NULL, "\n"))
        if (strstr(line, needle) && (status < 0 || strstr(line, st)))
            n++;
    free(needle);
    free(st);
    free(log);
    return n;
}

/* Every regular file below dir (recursive), as "rel/path" lines. */
static inline void list_tree(const char *dir, const char *rel, buf_t *out)
{
    char **names = NULL;
    err_t *e = fs_list_dir(dir, &names);
    if (e) {
        err_free(e);
        return;
    }
    for (size_t i = 0; names[i]; i++) {
        char *p = path_join(dir, names[i]);
        char *r = *rel ? path_join(rel, names[i]) : xstrdup(names[i]);
        struct stat st;
        if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
            list_tree(p, r, out);
        else
            buf_printf(out, "%s\n", r);
        free(p);
        free(r);
    }
    strv_free(names);
}

#endif
