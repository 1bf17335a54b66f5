#include "util/proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

err_t *proc_capture(char *const argv[], const char *input, buf_t *out, buf_t *err_out, int *status)
{
    int pin[2] = {-1, -1}, pout[2] = {-1, -1}, perr[2] = {-1, -1};
    err_t *e = NULL;
    if (pipe2(pin, O_CLOEXEC) || pipe2(pout, O_CLOEXEC) || pipe2(perr, O_CLOEXEC)) {
        e = err_sys(3, errno, "starting %s", argv[0]);
        goto done;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, pin[0], 0);
    posix_spawn_file_actions_adddup2(&fa, pout[1], 1);
    posix_spawn_file_actions_adddup2(&fa, perr[1], 2);
    /* venvsync ignores SIGPIPE; the child gets the default back. */
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t def;
    sigemptyset(&def);
    sigaddset(&def, SIGPIPE);
    posix_spawnattr_setsigdefault(&attr, &def);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF);
    pid_t pid;
    int rc = posix_spawnp(&pid, argv[0], &fa, &attr, argv, environ);
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
        e = err_sys(3, rc, "starting %s", argv[0]);
        goto done;
    }
    close(pin[0]); pin[0] = -1;
    close(pout[1]); pout[1] = -1;
    close(perr[1]); perr[1] = -1;

    /* Feed stdin and drain both outputs without deadlocking on full pipes. */
    const char *in = input ? input : "";
    size_t inlen = strlen(in), inoff = 0;
    if (inlen == 0) {
        close(pin[1]);
        pin[1] = -1;
    } else {
        fcntl(pin[1], F_SETFL, O_NONBLOCK);
    }
    buf_t discard = BUF_INIT;
    while (pout[0] >= 0 || perr[0] >= 0) {
        struct pollfd fds[3];
        int nf = 0, iout = -1, ierr = -1, iin = -1;
        if (pout[0] >= 0) { fds[nf] = (struct pollfd){pout[0], POLLIN, 0}; iout = nf++; }
        if (perr[0] >= 0) { fds[nf] = (struct pollfd){perr[0], POLLIN, 0}; ierr = nf++; }
        if (pin[1] >= 0) { fds[nf] = (struct pollfd){pin[1], POLLOUT, 0}; iin = nf++; }
        if (poll(fds, (nfds_t)nf, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (iin >= 0 && fds[iin].revents) {
            ssize_t w = write(pin[1], in + inoff, inlen - inoff);
            if (w > 0)
                inoff += (size_t)w;
            if (w < 0 && errno != EAGAIN && errno != EINTR)
                inoff = inlen;
            if (inoff >= inlen) {
                close(pin[1]);
                pin[1] = -1;
            }
        }
        int *fdp[2] = {&pout[0], &perr[0]};
        int idx[2] = {iout, ierr};
        buf_t *dst[2] = {out, err_out ? err_out : &discard};
        for (int k = 0; k < 2; k++) {
            if (idx[k] < 0 || !fds[idx[k]].revents)
                continue;
            char chunk[16384];
            ssize_t r = read(*fdp[k], chunk, sizeof chunk);
            if (r > 0) {
                if (dst[k])
                    buf_add(dst[k], chunk, (size_t)r);
            } else if (r == 0 || (errno != EINTR && errno != EAGAIN)) {
                close(*fdp[k]);
                *fdp[k] = -1;
            }
        }
        if (!err_out)
            buf_reset(&discard);
    }
    buf_free(&discard);
    int ws;
    while (waitpid(pid, &ws, 0) < 0) {
        if (errno != EINTR) {
            e = err_sys(3, errno, "waiting for %s", argv[0]);
            goto done;
        }
    }
    *status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
done:
    for (int i = 0; i < 2; i++) {
        if (pin[i] >= 0) close(pin[i]);
        if (pout[i] >= 0) close(pout[i]);
        if (perr[i] >= 0) close(perr[i]);
    }
    return e;
}

err_t *proc_exec(char *const argv[])
{
    signal(SIGPIPE, SIG_DFL);
    execvp(argv[0], argv);
    signal(SIGPIPE, SIG_IGN);
    return err_sys(2, errno, "cannot run %s", argv[0]);
}
