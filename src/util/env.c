/* env: environment lookups handed down (see env.h). */
#include "util/env.h"

#include <stddef.h>

const char *env_get(const env_lookup_t *e, const char *name)
{
    return e && e->get ? e->get(e->ctx, name) : NULL;
}
