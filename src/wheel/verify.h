/*
 * verify: does an installed distribution still match its RECORD? Every row with a hash must
 * name an existing file of that size and sha256; rows without a hash (RECORD itself, .pyc files)
 * must exist only when they have a size. Reads files; writes nothing. For `check --deep` and
 * `sync --verify`, which reinstall what was modified or deleted.
 */
#ifndef VENVSYNC_WHEEL_VERIFY_H
#define VENVSYNC_WHEEL_VERIFY_H
#include <stddef.h>
#include "util/err.h"

typedef struct wheel_damage {
    size_t checked;         /* files hashed */
    size_t bad;             /* missing, resized or changed */
    char *first;            /* "<path>: modified" for the first bad file, malloc'd, or NULL */
} wheel_damage_t;

/* Checks the distribution whose .dist-info is dist_info (absolute) inside the environment at
 * env_root. A missing or unreadable RECORD is an error (nothing can be verified). */
err_t *wheel_verify_installed(const char *env_root, const char *dist_info, wheel_damage_t *out);
void wheel_damage_free(wheel_damage_t *d);

#endif
