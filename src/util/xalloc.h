/*
 * xalloc: allocation that never returns NULL. Out of memory prints one line and aborts: there is
 * no sensible recovery for a command-line tool, and it keeps every caller free of NULL checks.
 */
#ifndef VENVSYNC_UTIL_XALLOC_H
#define VENVSYNC_UTIL_XALLOC_H
#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);                   /* xstrdup(NULL) == NULL */
char *xstrndup(const char *s, size_t n);
/* a[0..na) followed by b[0..nb), NUL-terminated (neither needs to be): a copy without printf. */
char *xconcat(const char *a, size_t na, const char *b, size_t nb);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Grows *arr (of element size `size`) so that index `need - 1` fits; *cap tracks capacity. */
void xgrow(void **arr, size_t *cap, size_t need, size_t size);
#define XGROW(arr, cap, need) xgrow((void **)&(arr), &(cap), (need), sizeof(*(arr)))

#endif
