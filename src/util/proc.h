/*
 * proc: starting child processes. The only place that forks.
 */
#ifndef VENVSYNC_UTIL_PROC_H
#define VENVSYNC_UTIL_PROC_H
#include "util/buf.h"
#include "util/err.h"

/*
 * Runs argv[0] (searched in PATH when it has no slash) with argv, feeding `input` (may be NULL)
 * on stdin and collecting stdout into out. stderr is collected into err_out when given, else
 * discarded. *status receives the exit status (128+signal when killed). An error is returned
 * only when the program could not be started or waited for. Thread-safe. The process must
 * ignore SIGPIPE (main does), so a child that exits early cannot kill venvsync.
 */
err_t *proc_capture(char *const argv[], const char *input, buf_t *out, buf_t *err_out, int *status);

/* Replaces the current process with argv (PATH searched). Returns only on failure. */
err_t *proc_exec(char *const argv[]);

#endif
