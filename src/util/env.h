/*
 * env: how a module is given environment variables without reading the process environment.
 *
 * Configuration is read once (config/config.h); modules that must expand "${VAR}" in user input
 * (manifest paths, requirements files) are handed an env_lookup_t by their caller. Tests pass a
 * lookup over a fixed table. Nothing below main calls getenv(3).
 */
#ifndef VENVSYNC_UTIL_ENV_H
#define VENVSYNC_UTIL_ENV_H

typedef struct env_lookup {
    /* The value of name, or NULL when unset. The string is borrowed. */
    const char *(*get)(void *ctx, const char *name);
    void *ctx;
} env_lookup_t;

/* e->get(e->ctx, name), or NULL when e or e->get is NULL (an empty environment). */
const char *env_get(const env_lookup_t *e, const char *name);

#endif
