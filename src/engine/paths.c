/*
 * paths: the engine's operations on one environment outside a manifest run (engine.h):
 * deleting, copying, and finding the orphans under a manifest's root. Each observes, asks the
 * pure planner (plan_delete, plan_copy_to, plan_is_orphan), and applies under the
 * environment's lock, as a sync does.
 */
#include "engine/engine.h"

#include <stdlib.h>
#include <string.h>

#include "apply/apply.h"
#include "util/fs.h"
#include "util/lock.h"
#include "util/path.h"
#include "util/strv.h"
#include "util/xalloc.h"

/* The refusal a plan_delete / plan_copy_to plan stands for, or NULL when it acts. */
static err_t *refusal(const env_plan_t *p)
{
    for (size_t i = 0; i < p->nactions; i++)
        if (p->actions[i].kind == ACT_REFUSE)
            return err_hint(err_new(EXIT_USAGE, "%s", p->reason), "%s", p->actions[i].reason);
    if (p->state == ST_MISSING && p->nactions == 0)
        return err_new(EXIT_USAGE, "%s", p->reason);
    return NULL;
}

static void hand_over(env_plan_t *p, env_plan_t *done)
{
    if (done)
        *done = *p;
    else
        env_plan_free(p);
}

err_t *engine_delete(const config_t *cfg, FILE *log, const char *path, const char *why,
                     bool force, env_plan_t *done)
{
    if (done)
        memset(done, 0, sizeof(*done));
    env_lock_t lock;
    err_t *e = env_lock_acquire(cfg->cache_dir, path, log, &lock);
    if (e)
        return e;
    observed_env_t o;
    env_plan_t p = {0};
    e = observe_env(path, &o);
    if (!e) {
        observe_user_files(&o);
        plan_delete(&o, why, force, &p);
        e = refusal(&p);
    }
    if (!e)
        e = apply_remove_env(path);
    env_lock_release(&lock);
    observed_env_free(&o);
    if (e) {
        env_plan_free(&p);
        return e;
    }
    hand_over(&p, done);
    return NULL;
}

err_t *engine_plan_delete(const char *path, bool force)
{
    observed_env_t o;
    err_t *e = observe_env(path, &o);
    if (e)
        return e;
    observe_user_files(&o);
    env_plan_t p;
    plan_delete(&o, "", force, &p);
    e = refusal(&p);
    env_plan_free(&p);
    observed_env_free(&o);
    return e;
}

err_t *engine_copy(const config_t *cfg, FILE *log, const char *src, const char *dst,
                   const mf_env_t *target, copy_mode_t mode, env_plan_t *done)
{
    if (done)
        memset(done, 0, sizeof(*done));
    env_lock_t lock;
    err_t *e = env_lock_acquire(cfg->cache_dir, dst, log, &lock);
    if (e)
        return e;
    observed_env_t so = {0}, dobs = {0};
    env_plan_t p = {0};
    e = observe_env(src, &so);
    if (!e)
        e = observe_env(dst, &dobs);
    if (!e) {
        plan_copy_to(&so, &dobs, &p);
        e = refusal(&p);
    }
    if (!e)
        e = apply_copy_env(src, dst, target, mode, NULL, NULL);
    env_lock_release(&lock);
    observed_env_free(&so);
    observed_env_free(&dobs);
    if (e) {
        env_plan_free(&p);
        return e;
    }
    hand_over(&p, done);
    return NULL;
}

err_t *engine_orphans(const manifest_t *m, char ***paths)
{
    *paths = NULL;
    size_t n = 0, cap = 0;
    char **names = NULL;
    err_t *e = fs_list_dir(m->root, &names);
    if (e) {
        err_free(e); /* no root directory: nothing to prune */
        *paths = xcalloc(1, sizeof(char *));
        return NULL;
    }
    for (size_t i = 0; names[i] && !e; i++) {
        if (names[i][0] == '.')
            continue;
        char *p = path_join(m->root, names[i]);
        bool named = false;
        for (size_t k = 0; k < m->nenvs && !named; k++)
            named = strcmp(m->envs[k].path, p) == 0;
        observed_env_t o;
        e = named ? NULL : observe_env(p, &o);
        if (!named && !e) {
            if (plan_is_orphan(&o, named))
                strv_push(paths, &n, &cap, xstrdup(p));
            observed_env_free(&o);
        }
        free(p);
    }
    strv_free(names);
    if (!*paths)
        *paths = xcalloc(1, sizeof(char *));
    return e;
}
