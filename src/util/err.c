#include "util/err.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/xalloc.h"

static err_t *err_vnew(int code, const char *fmt, va_list ap)
{
    err_t *e = xcalloc(1, sizeof(*e));
    buf_t b = BUF_INIT;
    buf_vprintf(&b, fmt, ap);
    e->exit_code = code;
    e->msg = buf_detach(&b);
    return e;
}

err_t *err_new(int exit_code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    err_t *e = err_vnew(exit_code, fmt, ap);
    va_end(ap);
    return e;
}

err_t *err_sys(int exit_code, int errnum, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    err_t *e = err_vnew(exit_code, fmt, ap);
    va_end(ap);
    char *m = xasprintf("%s: %s", e->msg, strerror(errnum));
    free(e->msg);
    e->msg = m;
    return e;
}

err_t *err_ctx(err_t *e, const char *fmt, ...)
{
    if (!e)
        return NULL;
    buf_t ctx = BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&ctx, fmt, ap);
    va_end(ap);
    for (err_t *p = e; p; p = p->next) {
        char *m = xasprintf("%s: %s", buf_cstr(&ctx), p->msg);
        free(p->msg);
        p->msg = m;
    }
    buf_free(&ctx);
    return e;
}

err_t *err_hint(err_t *e, const char *fmt, ...)
{
    if (!e)
        return NULL;
    buf_t b = BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    free(e->hint);
    e->hint = buf_detach(&b);
    return e;
}

void err_chain(err_t **list, err_t *e)
{
    if (!e)
        return;
    while (*list)
        list = &(*list)->next;
    *list = e;
}

err_t *err_code(err_t *e, int exit_code)
{
    for (err_t *p = e; p; p = p->next)
        p->exit_code = exit_code;
    return e;
}

void err_free(err_t *e)
{
    while (e) {
        err_t *next = e->next;
        free(e->msg);
        free(e->hint);
        free(e);
        e = next;
    }
}
