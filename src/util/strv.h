/*
 * strv: NULL-terminated arrays of malloc'd strings, the one form in which lists of strings are
 * built, passed and freed; and the small string predicates every module needs.
 *
 * Invariants: a strv is either NULL (the empty list) or an array whose element after the last
 * string is NULL. The array owns its strings; strv_free() releases both. Building keeps the
 * terminator at all times, so a strv under construction can be read (or freed) at any point.
 */
#ifndef VENVSYNC_UTIL_STRV_H
#define VENVSYNC_UTIL_STRV_H
#include <stdbool.h>
#include <stddef.h>

/* Appends `owned` (ownership passes to the array) to *v. n and cap, when given, hold the count
 * and the capacity the caller keeps alongside (start both at 0 with *v NULL); when n is NULL the
 * count is found by scanning and the array grows by one (for short lists). */
void strv_push(char ***v, size_t *n, size_t *cap, char *owned);
/* Appends a copy of s unless an equal string is there already. Returns whether it added. */
bool strv_push_unique(char ***v, size_t *n, size_t *cap, const char *s);
/* Whether v holds a string equal to s. */
bool strv_has(char *const *v, const char *s);
/* A deep copy (NULL for NULL). */
char **strv_dup(char *const *v);
size_t strv_len(char *const *v);
/* Sorts v in place (strcmp order); NULL is fine. */
void strv_sort(char **v);
void strv_free(char **v);

/* Whether s[0..len) ends with suffix (exactly, or ignoring ASCII case). */
bool str_ends_with(const char *s, size_t len, const char *suffix);
bool str_ends_with_ci(const char *s, size_t len, const char *suffix);
/* Whether s starts with prefix. */
bool str_starts_with(const char *s, const char *prefix);
/* Whether a and b are equal strings or both NULL. */
bool str_eq_null(const char *a, const char *b);

#endif
