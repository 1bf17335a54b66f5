/*
 * backend: one build-backend hook in a fresh process (see backend.h).
 */
#include "build/backend.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/embed.h"
#include "util/fs.h"
#include "util/hash.h"
#include "util/json.h"
#include "util/jsonread.h"
#include "util/path.h"
#include "util/strv.h"
#include "util/utf8.h"
#include "util/xalloc.h"
#include "wheel/meta.h"

#define TAIL_KEEP (64 * 1024)      /* bytes of output kept for the error message */
#define KILL_GRACE_MS 2000         /* SIGTERM to SIGKILL */
#define LEFTOVER_MS 500            /* how long output of leftovers is read after the hook exits */

static const char *const hook_names[] = {
    [BACKEND_GET_REQUIRES_FOR_BUILD_WHEEL] = "get_requires_for_build_wheel",
    [BACKEND_GET_REQUIRES_FOR_BUILD_EDITABLE] = "get_requires_for_build_editable",
    [BACKEND_GET_REQUIRES_FOR_BUILD_SDIST] = "get_requires_for_build_sdist",
    [BACKEND_PREPARE_METADATA_FOR_BUILD_WHEEL] = "prepare_metadata_for_build_wheel",
    [BACKEND_PREPARE_METADATA_FOR_BUILD_EDITABLE] = "prepare_metadata_for_build_editable",
    [BACKEND_BUILD_WHEEL] = "build_wheel",
    [BACKEND_BUILD_EDITABLE] = "build_editable",
    [BACKEND_BUILD_SDIST] = "build_sdist",
};

const char *backend_hook_name(backend_hook_t h)
{
    return (unsigned)h < sizeof hook_names / sizeof hook_names[0] ? hook_names[h] : "?";
}

static bool is_get_requires(backend_hook_t h)
{
    return h == BACKEND_GET_REQUIRES_FOR_BUILD_WHEEL ||
           h == BACKEND_GET_REQUIRES_FOR_BUILD_EDITABLE ||
           h == BACKEND_GET_REQUIRES_FOR_BUILD_SDIST;
}

/* ---- the environment -------------------------------------------------------------------- */

static const char *const dropped[] = {
    "PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONIOENCODING", "PYTHONNOUSERSITE",
    "PYTHONUNBUFFERED", "PYTHONFAULTHANDLER", "VIRTUAL_ENV", "__PYVENV_LAUNCHER__", "VENVSYNC_INDEX_USERNAME",
    "VENVSYNC_INDEX_PASSWORD", "PATH", NULL,
};

static bool var_is(const char *entry, const char *name)
{
    size_t n = strlen(name);
    return strncmp(entry, name, n) == 0 && entry[n] == '=';
}

char **backend_environ(char *const *base, const char *env_dir)
{
    char **v = NULL;
    size_t n = 0, cap = 0;
    const char *path = NULL;
    for (size_t i = 0; base && base[i]; i++) {
        if (var_is(base[i], "PATH"))
            path = base[i] + 5;
        bool drop = !strchr(base[i], '=');
        for (size_t k = 0; dropped[k] && !drop; k++)
            drop = var_is(base[i], dropped[k]);
        if (!drop)
            strv_push(&v, &n, &cap, xstrdup(base[i]));
    }
    if (path && *path)
        strv_push(&v, &n, &cap, xasprintf("PATH=%s/bin:%s", env_dir, path));
    else
        strv_push(&v, &n, &cap, xasprintf("PATH=%s/bin", env_dir));
    strv_push(&v, &n, &cap, xasprintf("VIRTUAL_ENV=%s", env_dir));
    strv_push(&v, &n, &cap, xstrdup("PYTHONIOENCODING=utf-8:backslashreplace"));
    strv_push(&v, &n, &cap, xstrdup("PYTHONNOUSERSITE=1"));
    strv_push(&v, &n, &cap, xstrdup("PYTHONUNBUFFERED=1"));
    strv_push(&v, &n, &cap, xstrdup("PYTHONFAULTHANDLER=1"));
    return v;
}

/* ---- running the process ---------------------------------------------------------------- */

typedef struct run {
    int status;                 /* exit status, or 128 + signal */
    int signal;                 /* the signal that ended it, or 0 */
    bool timed_out;
    buf_t tail;                 /* the last TAIL_KEEP bytes (at least) of the output */
    double seconds;
} run_t;

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;           /* a full disk loses log lines, not the build */
        p += w;
        n -= (size_t)w;
    }
}

static void take_output(run_t *r, int log_fd, FILE *stream, const char *p, size_t n)
{
    if (log_fd >= 0)
        write_all(log_fd, p, n);
    if (stream) {
        fwrite(p, 1, n, stream);
        fflush(stream);
    }
    buf_add(&r->tail, p, n);
    if (r->tail.len > 2 * TAIL_KEEP) {
        memmove(r->tail.data, r->tail.data + r->tail.len - TAIL_KEEP, TAIL_KEEP);
        buf_setlen(&r->tail, TAIL_KEEP);
    }
}

/* Whether the child has exited, without reaping it (its pid, hence its process group id, stays
 * reserved until waitpid). */
static bool child_exited(pid_t pid)
{
    siginfo_t si;
    memset(&si, 0, sizeof si);
    if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) != 0)
        return errno != EINTR;
    return si.si_pid == pid;
}

static err_t *run_child(char *const argv[], char *const envp[], const char *cwd, int log_fd,
                        FILE *stream, int timeout_ms, run_t *r)
{
    int out[2], ep[2];
    if (pipe2(out, O_CLOEXEC) != 0)
        return err_sys(EXIT_APPLY, errno, "starting %s", argv[0]);
    if (pipe2(ep, O_CLOEXEC) != 0) {
        int en = errno;
        close(out[0]);
        close(out[1]);
        return err_sys(EXIT_APPLY, en, "starting %s", argv[0]);
    }
    int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
    pid_t parent = getpid();
    long long start = now_ms();
    pid_t pid = fork();
    if (pid == 0) {
        /* The child: only async-signal-safe calls until exec. */
        setpgid(0, 0);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(127);
        signal(SIGPIPE, SIG_DFL);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        int en = 0;
        if (chdir(cwd) != 0)
            en = errno;
        if (!en && (devnull < 0 || dup2(devnull, 0) < 0 || dup2(out[1], 1) < 0 ||
                    dup2(out[1], 2) < 0))
            en = errno ? errno : EBADF;
        if (!en) {
            execve(argv[0], argv, envp);
            en = errno;
        }
        ssize_t w = write(ep[1], &en, sizeof en);
        (void)w;
        _exit(127);
    }
    int fork_errno = errno;
    if (devnull >= 0)
        close(devnull);
    close(out[1]);
    close(ep[1]);
    if (pid < 0) {
        close(out[0]);
        close(ep[0]);
        return err_sys(EXIT_APPLY, fork_errno, "starting %s", argv[0]);
    }
    setpgid(pid, pid);      /* also in the parent: no window where a kill misses the group */

    int child_errno = 0;
    ssize_t got;
    do
        got = read(ep[0], &child_errno, sizeof child_errno);
    while (got < 0 && errno == EINTR);
    close(ep[0]);
    if (got == (ssize_t)sizeof child_errno) {
        close(out[0]);
        int ws;
        while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
            ;
        return err_sys(EXIT_APPLY, child_errno, "starting %s in %s", argv[0], cwd);
    }

    int fd = out[0];
    bool exited = false, killed = false;
    long long deadline = timeout_ms > 0 ? start + timeout_ms : 0, kill_at = 0, exit_at = 0;
    for (;;) {
        long long t = now_ms();
        if (!exited && deadline && !r->timed_out && t >= deadline) {
            r->timed_out = true;
            kill(-pid, SIGTERM);
            kill_at = t + KILL_GRACE_MS;
        }
        if (!exited && r->timed_out && !killed && t >= kill_at) {
            kill(-pid, SIGKILL);
            killed = true;
        }
        if (!exited && child_exited(pid)) {
            exited = true;
            exit_at = t;
            kill(-pid, SIGKILL);      /* whatever the hook left running in its group */
        }
        if (exited && (fd < 0 || t - exit_at > LEFTOVER_MS))
            break;
        int wait_ms = 50;
        if (fd >= 0) {
            struct pollfd pfd = {fd, POLLIN, 0};
            int pr = poll(&pfd, 1, wait_ms);
            if (pr > 0) {
                char chunk[16384];
                ssize_t n = read(fd, chunk, sizeof chunk);
                if (n > 0)
                    take_output(r, log_fd, stream, chunk, (size_t)n);
                else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
                    close(fd);
                    fd = -1;
                }
            }
        } else {
            struct timespec ts = {0, wait_ms * 1000000L};
            nanosleep(&ts, NULL);
        }
    }
    if (fd >= 0)
        close(fd);
    int ws = 0;
    while (waitpid(pid, &ws, 0) < 0) {
        if (errno != EINTR)
            return err_sys(EXIT_APPLY, errno, "waiting for %s", argv[0]);
    }
    r->seconds = (double)(now_ms() - start) / 1000.0;
    if (WIFEXITED(ws)) {
        r->status = WEXITSTATUS(ws);
    } else {
        r->signal = WTERMSIG(ws);
        r->status = 128 + r->signal;
    }
    return NULL;
}

/* ---- messages --------------------------------------------------------------------------- */

/* Appends the last n lines of out, indented, with control characters and invalid UTF-8 as '?'. */
static void add_tail(buf_t *msg, const buf_t *out, int n)
{
    const char *s = buf_cstr(out);
    size_t len = out->len;
    while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == '\r'))
        len--;
    size_t start = len;
    int lines = 0;
    while (start > 0) {
        if (s[start - 1] == '\n' && ++lines == n)
            break;
        start--;
    }
    if (len == 0) {
        buf_adds(msg, "\n    (the backend printed nothing)");
        return;
    }
    size_t i = start;
    while (i < len) {
        size_t e = i;
        while (e < len && s[e] != '\n')
            e++;
        size_t cut = e;
        if (cut > i && s[cut - 1] == '\r')
            cut--;
        buf_adds(msg, "\n    ");
        bool utf8 = utf8_valid(s + i, cut - i);
        for (size_t k = i; k < cut; k++) {
            unsigned char c = (unsigned char)s[k];
            bool bad = (c < 0x20 && c != '\t') || c == 0x7f || (c >= 0x80 && !utf8);
            buf_addc(msg, bad ? '?' : (char)c);
        }
        i = e + 1;
    }
}

static err_t *failure(const backend_opts_t *o, backend_hook_t hook, const run_t *r,
                      const char *what)
{
    buf_t m = BUF_INIT;
    buf_printf(&m, "%s: %s", o->label ? o->label : backend_hook_name(hook), what);
    buf_printf(&m, "\n  last lines of the output (%s, backend %s):", backend_hook_name(hook),
               o->backend);
    add_tail(&m, &r->tail, BACKEND_TAIL_LINES);
    buf_printf(&m, "\n  full log: %s", o->log_path);
    err_t *e = err_new(EXIT_APPLY, "%s", buf_cstr(&m));
    buf_free(&m);
    return e;
}

/* ---- input.json and output.json --------------------------------------------------------- */

static void write_config_settings(json_t *j, char *const *cs)
{
    json_key(j, "config_settings");
    json_obj(j);
    size_t n = strv_len(cs);
    for (size_t i = 0; i < n; i++) {
        const char *eq = strchr(cs[i], '=');
        size_t klen = eq ? (size_t)(eq - cs[i]) : strlen(cs[i]);
        bool seen = false;
        for (size_t k = 0; k < i && !seen; k++)
            seen = strncmp(cs[k], cs[i], klen) == 0 && (cs[k][klen] == '=' || !cs[k][klen]);
        if (seen)
            continue;
        size_t count = 0;
        for (size_t k = i; k < n; k++)
            if (strncmp(cs[k], cs[i], klen) == 0 && (cs[k][klen] == '=' || !cs[k][klen]))
                count++;
        char *key = xstrndup(cs[i], klen);
        json_key(j, key);
        free(key);
        if (count > 1)
            json_arr(j);
        for (size_t k = i; k < n; k++) {
            if (strncmp(cs[k], cs[i], klen) == 0 && (cs[k][klen] == '=' || !cs[k][klen]))
                json_str(j, cs[k][klen] == '=' ? cs[k] + klen + 1 : "");
        }
        if (count > 1)
            json_end(j);
    }
    json_end(j);
}

static void write_input(const backend_opts_t *o, backend_hook_t hook, const backend_args_t *a,
                        buf_t *out)
{
    json_t j;
    json_init(&j, out);
    json_obj(&j);
    json_kstr(&j, "backend", o->backend);
    json_key(&j, "backend_path");
    json_arr(&j);
    for (size_t i = 0; o->backend_path && o->backend_path[i]; i++)
        json_str(&j, o->backend_path[i]);
    json_end(&j);
    json_key(&j, "kwargs");
    json_obj(&j);
    const char *dir = a ? a->directory : NULL;
    switch (hook) {
    case BACKEND_PREPARE_METADATA_FOR_BUILD_WHEEL:
    case BACKEND_PREPARE_METADATA_FOR_BUILD_EDITABLE:
        json_kstr(&j, "metadata_directory", dir);
        break;
    case BACKEND_BUILD_WHEEL:
    case BACKEND_BUILD_EDITABLE:
        json_kstr(&j, "wheel_directory", dir);
        if (a && a->metadata_directory)
            json_kstr(&j, "metadata_directory", a->metadata_directory);
        break;
    case BACKEND_BUILD_SDIST:
        json_kstr(&j, "sdist_directory", dir);
        break;
    default:
        break;
    }
    if (o->config_settings && o->config_settings[0])
        write_config_settings(&j, o->config_settings);
    json_end(&j);
    json_end(&j);
}

static bool basename_ok(const char *s)
{
    return s && *s && !strchr(s, '/') && strcmp(s, ".") != 0 && strcmp(s, "..") != 0;
}

static err_t *read_output(const backend_opts_t *o, backend_hook_t hook, const char *ctrl,
                          const run_t *r, backend_result_t *out)
{
    char *p = path_join(ctrl, "output.json");
    buf_t b = BUF_INIT;
    bool have = fs_try_read(p, &b);
    free(p);
    if (!have) {
        buf_free(&b);
        return failure(o, hook, r, "the build front end wrote no result");
    }
    jr_doc_t *doc = NULL;
    err_t *e = jr_parse(buf_cstr(&b), b.len, NULL, &doc);
    buf_free(&b);
    if (e) {
        err_t *f = failure(o, hook, r, "the build front end wrote a malformed result");
        err_free(e);
        return f;
    }
    const jr_value_t *root = jr_doc_root(doc);
    const jr_value_t *rv = jr_get(root, "return_val");
    const char *berr = jr_str(jr_get(root, "backend_error"));
    const char *missing = jr_str(jr_get(root, "missing_hook_name"));
    bool bad = false;
    if (jr_is(jr_get(root, "no_backend"), JR_BOOL)) {
        char *what = xasprintf("cannot import the build backend '%s' (%s): is its package in "
                               "build-system.requires?", o->backend,
                               berr ? berr : "the import failed");
        e = failure(o, hook, r, what);
        free(what);
    } else if (jr_is(jr_get(root, "backend_invalid"), JR_BOOL)) {
        char *what = xasprintf("invalid build backend: %s",
                               berr ? berr : o->backend);
        e = failure(o, hook, r, what);
        free(what);
    } else if (jr_is(jr_get(root, "hook_missing"), JR_BOOL)) {
        out->outcome = BACKEND_HOOK_MISSING;
        out->missing_hook = xstrdup(missing ? missing : backend_hook_name(hook));
    } else if (jr_is(jr_get(root, "unsupported"), JR_BOOL)) {
        if (hook == BACKEND_BUILD_SDIST)
            out->outcome = BACKEND_UNSUPPORTED;
        else
            e = failure(o, hook, r, "the backend raised UnsupportedOperation");
    } else if (!rv) {
        bad = true;
    } else if (is_get_requires(hook)) {
        if (!jr_is(rv, JR_ARRAY))
            bad = true;
        for (size_t i = 0; !bad && i < rv->len; i++) {
            const char *s = jr_str(jr_at(rv, i));
            if (!s)
                bad = true;
            else
                strv_push(&out->list, NULL, NULL, xstrdup(s));
        }
    } else {
        const char *s = jr_str(rv);
        if (!basename_ok(s))
            bad = true;
        else
            out->str = xstrdup(s);
    }
    if (bad && !e) {
        char *what = xasprintf("%s returned %s, not %s", backend_hook_name(hook),
                               rv ? jr_type_name(rv) : "nothing",
                               is_get_requires(hook) ? "a list of requirement strings"
                                                     : "a file name");
        e = failure(o, hook, r, what);
        free(what);
    }
    jr_doc_free(doc);
    return e;
}

/* ---- the runner ------------------------------------------------------------------------- */

static const embed_file_t *runner_source(void)
{
    return embed_find("build/hooks.py");
}

char *backend_runner_dir(const char *env_dir)
{
    const embed_file_t *script = runner_source();
    char hex[33];
    hash_name_hex(script ? script->data : "", script ? script->size : 0, hex);
    char *base = xasprintf("%s-%s", BACKEND_RUNNER_PREFIX, hex);
    char *dir = path_join(env_dir, base);
    free(base);
    return dir;
}

err_t *backend_runner_write(const char *dir)
{
    const embed_file_t *script = runner_source();
    if (!script)
        return err_new(EXIT_APPLY, "internal error: build/hooks.py is not embedded in this build");
    err_t *e = fs_mkdirs(dir, 0755);
    char *py = path_join(dir, "hooks.py");
    if (!e)
        e = fs_write_atomic(py, script->data, script->size, 0644);
    free(py);
    return e;
}

/* ---- the call --------------------------------------------------------------------------- */

err_t *backend_call(const backend_opts_t *o, backend_hook_t hook, const backend_args_t *args,
                    backend_result_t *out)
{
    memset(out, 0, sizeof *out);
    const embed_file_t *script = runner_source();
    if (!script)
        return err_new(EXIT_APPLY, "internal error: build/hooks.py is not embedded in this build");
    char *ctrl = NULL;
    err_t *e = fs_mkdtemp_in(o->work_dir, "hook-", &ctrl);
    if (e)
        return e;
    /* The runner compiled when the environment was made (no source compiled in the hook's
     * process), else its source in the control directory. */
    char *runner_dir = backend_runner_dir(o->env_dir);
    char *runner = path_join(runner_dir, "hooks.pyc");
    free(runner_dir);
    struct stat st;
    bool compiled = stat(runner, &st) == 0 && S_ISREG(st.st_mode);
    if (!compiled) {
        free(runner);
        runner = path_join(ctrl, "hooks.py");
        e = fs_write_new(runner, script->data, script->size, 0644);
    }
    char *input = path_join(ctrl, "input.json");
    buf_t in = BUF_INIT;
    write_input(o, hook, args, &in);
    if (!e)
        e = fs_write_new(input, in.data, in.len, 0644);
    buf_free(&in);
    int log_fd = -1;
    if (!e) {
        log_fd = open(o->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (log_fd < 0)
            e = err_sys(EXIT_APPLY, errno, "opening the build log %s", o->log_path);
    }
    run_t r = {0};
    if (!e) {
        buf_t head = BUF_INIT;
        buf_printf(&head, "venvsync: %s of %s in %s\n", backend_hook_name(hook), o->backend,
                   o->source_dir);
        write_all(log_fd, head.data, head.len);
        buf_free(&head);
        char *python = path_join(o->env_dir, "bin/python");
        char *argv[] = {python, "-s", runner, (char *)backend_hook_name(hook), ctrl, NULL};
        char **envp = backend_environ(o->environ, o->env_dir);
        e = run_child(argv, envp, o->source_dir, log_fd, o->stream, o->timeout_ms, &r);
        if (e)
            e = err_ctx(e, "%s", o->label ? o->label : backend_hook_name(hook));
        strv_free(envp);
        free(python);
    }
    if (log_fd >= 0)
        close(log_fd);
    if (!e) {
        out->seconds = r.seconds;
        if (r.timed_out) {
            char *what = o->timeout_ms % 1000
                             ? xasprintf("%s did not finish within %.1f s and was killed",
                                         backend_hook_name(hook), o->timeout_ms / 1000.0)
                             : xasprintf("%s did not finish within %d s and was killed",
                                         backend_hook_name(hook), o->timeout_ms / 1000);
            e = failure(o, hook, &r, what);
            free(what);
        } else if (r.signal) {
            char *what = xasprintf("%s crashed: killed by signal %d (%s)",
                                   backend_hook_name(hook), r.signal, strsignal(r.signal));
            e = failure(o, hook, &r, what);
            free(what);
        } else if (r.status != 0) {
            char *what = xasprintf("%s failed (exit status %d)", backend_hook_name(hook),
                                   r.status);
            e = failure(o, hook, &r, what);
            free(what);
        } else {
            e = read_output(o, hook, ctrl, &r, out);
        }
    }
    buf_free(&r.tail);
    err_free(fs_rmtree(ctrl));
    free(runner);
    free(input);
    free(ctrl);
    if (e) {
        backend_result_free(out);
        return e;
    }
    return NULL;
}

void backend_result_free(backend_result_t *r)
{
    free(r->str);
    strv_free(r->list);
    free(r->missing_hook);
    memset(r, 0, sizeof *r);
}
