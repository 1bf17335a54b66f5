/* report: the engine's plain answer (see report.h), and engine_report(), which makes it from a
 * finished run. */
#include "engine/report.h"

#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "util/strv.h"
#include "util/xalloc.h"

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

static void report_python(const engine_env_t *ee, report_python_t *out)
{
    out->label = xstrdup(ee->plan.python);
    const interp_t *py = ee->plan.python_need != NEED_NONE && ee->py ? ee->py : ee->facts;
    if (py) {
        out->implementation = xstrdup(py->implementation);
        out->version = xstrdup(py->version);
        out->path = xstrdup(py->path);
    } else if (ee->obs.kind == OBS_VENV) {
        out->implementation = xstrdup(ee->obs.implementation);
        out->version = xstrdup(ee->obs.version);
        out->path = xstrdup(ee->obs.python_real ? ee->obs.python_real : ee->obs.link_target);
    }
}

void engine_report(const engine_t *en, report_t *out)
{
    memset(out, 0, sizeof(*out));
    out->envs = xcalloc(en->n + 1, sizeof(report_env_t));
    out->n = en->n;
    for (size_t i = 0; i < en->n; i++) {
        const engine_env_t *ee = &en->envs[i];
        const env_plan_t *p = &ee->plan;
        report_env_t *r = &out->envs[i];
        r->name = xstrdup(ee->env->name);
        r->path = xstrdup(ee->env->path);
        r->state = p->state;
        r->planned = p->name != NULL;
        r->reason = xstrdup(p->reason);
        report_python(ee, &r->python);
        r->noop = !ee->error && env_plan_is_noop(p);
        r->drift = env_plan_is_drift(p);
        r->result = ee->result;
        r->packages = ee->obs.kind == OBS_VENV ? (long)ee->obs.ndists : -1;
        r->dep_problems = strv_dup(ee->dep_problems);
        static const char *const lock_states[] = {
            [LOCK_NONE] = NULL, [LOCK_FRESH] = "fresh", [LOCK_RELOCKED] = "relocked",
            [LOCK_WOULD_RELOCK] = "would-relock", [LOCK_STALE] = "stale",
            [LOCK_MISSING] = "missing", [LOCK_FROZEN] = "frozen", [LOCK_GIVEN] = "given"};
        r->lock_state = lock_states[ee->lock_state];
        r->lock_name = r->lock_state ? xstrdup(ee->lock_name) : NULL;
        r->lock_changes = strv_dup(ee->lock_changes);
        r->lock_warnings = strv_dup(ee->lock_warnings);
        for (size_t k = 0; ee->lock_warnings && ee->lock_warnings[k]; k++)
            strv_push(&out->notes, NULL, NULL,
                      xasprintf("%s: %s", ee->env->name, ee->lock_warnings[k]));
        if (ee->lock_state == LOCK_STALE || ee->lock_state == LOCK_MISSING ||
            ee->lock_state == LOCK_WOULD_RELOCK) {
            r->drift = true; /* the lock file is part of what sync makes */
            r->noop = false;
        }
        for (const err_t *e = ee->error; e; e = e->next) {
            strv_push(&r->errors, NULL, NULL, xstrdup(e->msg));
            strv_push(&r->hints, NULL, NULL, xstrdup(e->hint ? e->hint : ""));
        }
        r->actions = xcalloc(p->nactions + 1, sizeof(report_action_t));
        r->nactions = p->nactions;
        for (size_t k = 0; k < p->nactions; k++) {
            const action_t *a = &p->actions[k];
            r->actions[k] = (report_action_t){a->kind, xstrdup(a->package), xstrdup(a->from),
                                              xstrdup(a->to), xstrdup(a->reason)};
        }
    }
    for (size_t i = 0; i < en->n; i++)
        if (en->envs[i].seed_note)
            strv_push(&out->notes, NULL, NULL, xstrdup(en->envs[i].seed_note));
    if (en->dl) {
        out->network_used = true;
        download_session_stats(en->dl, &out->network);
        for (char *const *note = download_session_notes(en->dl); *note; note++)
            strv_push(&out->notes, NULL, NULL, xstrdup(*note));
    }
}
