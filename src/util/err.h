/*
 * err: errors that carry their context up to main, the only place that prints them.
 *
 * A function that can fail returns `err_t *`: NULL on success, else a new error the caller owns.
 * Callers add context on the way up with err_ctx() ("creating .venv: writing pyvenv.cfg: No space
 * left on device") and may attach a hint saying what to do next. Several independent errors (every
 * problem in a manifest) are chained through `next`; main prints them all in order.
 *
 * The exit code travels with the error: EXIT_USAGE for bad input that changed nothing, EXIT_APPLY
 * for failures while changing the disk. main exits with the first error's code.
 */
#ifndef VENVSYNC_UTIL_ERR_H
#define VENVSYNC_UTIL_ERR_H

enum {
    EXIT_OK = 0,     /* success, or everything in sync */
    EXIT_DRIFT = 1,  /* `check` found differences */
    EXIT_USAGE = 2,  /* usage or manifest error, or a refusal: nothing was changed */
    EXIT_APPLY = 3,  /* failure while applying: the message says what was done and what was not */
};

typedef struct err {
    int exit_code;
    char *msg;          /* complete message, context first; never NULL */
    char *hint;         /* optional: what the user can do next */
    struct err *next;   /* further independent errors, or NULL */
} err_t;

err_t *err_new(int exit_code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Like err_new, with ": <strerror(errnum)>" appended. */
err_t *err_sys(int exit_code, int errnum, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Prefixes "<context>: " to e's message (and to every chained error's). Returns e; NULL stays NULL. */
err_t *err_ctx(err_t *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Sets or replaces e's hint. Returns e. */
err_t *err_hint(err_t *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends e (and its chain) to the end of *list. */
void err_chain(err_t **list, err_t *e);
/* Overrides the exit code of e and its chain. Returns e. */
err_t *err_code(err_t *e, int exit_code);
void err_free(err_t *e);

#endif
