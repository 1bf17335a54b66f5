/* depcheck: pip check's rules (see depcheck.h). */
#include "pkg/depcheck.h"

#include <stdlib.h>
#include <string.h>

#include "pkg/name.h"
#include "pkg/req.h"
#include "util/strv.h"
#include "util/xalloc.h"

static const depcheck_dist_t *find(const depcheck_dist_t *d, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++) {
        char *k = pkg_name_normalize(d[i].name);
        bool eq = strcmp(k, key) == 0;
        free(k);
        if (eq)
            return &d[i];
    }
    return NULL;
}

char **depcheck(const depcheck_dist_t *dists, size_t n, const marker_env_t *env)
{
    char **out = NULL;
    size_t nout = 0, cap = 0;
    marker_env_t e = *env;
    e.extra = "";
    for (size_t i = 0; i < n; i++) {
        const depcheck_dist_t *d = &dists[i];
        for (size_t k = 0; d->requires && d->requires[k]; k++) {
            req_t *r = NULL;
            err_t *pe = req_parse(d->requires[k], &r, NULL);
            if (pe) {
                strv_push(&out, &nout, &cap, xasprintf("%s %s has an invalid requirement "
                                                       "'%s': %s", d->name, d->version,
                                                       d->requires[k], pe->msg));
                err_free(pe);
                continue;
            }
            bool applies = true;
            err_t *me = req_applies(r, &e, &applies);
            if (me) {
                strv_push(&out, &nout, &cap, xasprintf("%s %s has a requirement '%s' whose "
                                                       "marker cannot be evaluated: %s",
                                                       d->name, d->version, d->requires[k],
                                                       me->msg));
                err_free(me);
                applies = false;
            }
            const depcheck_dist_t *have = applies ? find(dists, n, r->key) : NULL;
            if (applies && !have) {
                strv_push(&out, &nout, &cap, xasprintf("%s %s requires %s, which is not "
                                                       "installed.", d->name, d->version,
                                                       r->name));
            } else if (applies && !r->url && !specset_contains_str(r->specs, have->version,
                                                                     true)) {
                char *spec = req_str(r);
                char *semi = strchr(spec, ';');
                if (semi) /* pip shows the requirement without its marker */
                    *semi = '\0';
                size_t len = strlen(spec);
                while (len && spec[len - 1] == ' ')
                    spec[--len] = '\0';
                strv_push(&out, &nout, &cap, xasprintf("%s %s has requirement %s, but you have "
                                                       "%s %s.", d->name, d->version, spec,
                                                       have->name, have->version));
                free(spec);
            }
            req_free(r);
        }
    }
    return out;
}
