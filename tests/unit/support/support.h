/*
 * support: fixtures shared by the unit tests (a scratch directory, a hand-built interpreter).
 * Failures abort the calling test through Criterion's assertions.
 */
#ifndef VENVSYNC_TESTS_SUPPORT_H
#define VENVSYNC_TESTS_SUPPORT_H
#include "python/interp.h"
#include "util/env.h"

/* A new directory /tmp/<prefix>-XXXXXX (malloc'd). The cwd becomes "/" so that messages show
 * absolute paths. */
char *support_tmpdir(const char *prefix);
/* Removes the directory and frees the string. */
void support_tmpdir_free(char *dir);
/* Writes content to dir/rel (creating parents); returns the absolute path (malloc'd). */
char *support_write(const char *dir, const char *rel, const char *content);
/* Debian 12's CPython 3.11.2 on x86_64 Linux, glibc 2.36: every field the tag and marker
 * adapters read. The strings are literals: never interp_free() the result. */
interp_t support_debian311(void);

/* The process environment as an env_lookup_t (tests set variables with setenv). */
const env_lookup_t *support_env(void);

#endif
