/* report: the engine's plain answer (see report.h). */
#include "engine/report.h"

#include <stdlib.h>
#include <string.h>

#include "util/strv.h"

static void python_free(report_python_t *p)
{
    free(p->label);
    free(p->implementation);
    free(p->version);
    free(p->path);
}

void report_free(report_t *r)
{
    for (size_t i = 0; i < r->n; i++) {
        report_env_t *e = &r->envs[i];
        free(e->name);
        free(e->path);
        free(e->reason);
        python_free(&e->python);
        strv_free(e->errors);
        strv_free(e->hints);
        strv_free(e->dep_problems);
        free(e->lock_name);
        strv_free(e->lock_changes);
        strv_free(e->lock_warnings);
        for (size_t k = 0; k < e->nactions; k++) {
            free(e->actions[k].package);
            free(e->actions[k].from);
            free(e->actions[k].to);
            free(e->actions[k].reason);
        }
        free(e->actions);
    }
    free(r->envs);
    strv_free(r->notes);
    memset(r, 0, sizeof(*r));
}

const char *report_result_name(env_result_t r)
{
    switch (r) {
    case RESULT_CHANGED: return "changed";
    case RESULT_UNCHANGED: return "unchanged";
    case RESULT_FAILED: return "failed";
    default: return NULL;
    }
}
