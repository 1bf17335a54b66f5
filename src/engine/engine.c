#include "engine/engine.h"

#include <stdlib.h>
#include <string.h>

#include "apply/apply.h"
#include "fetch/seed.h"
#include "python/target.h"
#include "util/fs.h"
#include "util/lock.h"
#include "apply/packages.h"
#include "util/strv.h"
#include "util/suggest.h"
#include "toolchain/managed.h"
#include "python/probe.h"
#include "util/path.h"
#include "wheel/meta.h"
#include "pkg/installed.h"
#include "pkg/depcheck.h"
#include "wheel/verify.h"
#include "util/xalloc.h"

/* Stable reorder so that an environment comes after the one it is copied from (the manifest
 * has no copy-from cycles), keeping manifest order otherwise. */
static void order_copy_sources_first(engine_t *en)
{
    for (size_t pass = 0; pass < en->n; pass++) {
        bool moved = false;
        for (size_t i = 0; i < en->n; i++) {
            const char *from = en->envs[i].env->copy_from;
            for (size_t k = i + 1; from && k < en->n; k++) {
                if (strcmp(en->envs[k].env->name, from) != 0)
                    continue;
                engine_env_t src = en->envs[k];
                memmove(&en->envs[i + 1], &en->envs[i], (k - i) * sizeof(engine_env_t));
                en->envs[i] = src;
                moved = true;
                break;
            }
        }
        if (!moved)
            break;
    }
}

err_t *engine_init(engine_t *en, const manifest_t *m, char *const *names, int n,
                   const config_t *cfg, FILE *log, int verbosity)
{
    memset(en, 0, sizeof(*en));
    en->m = m;
    en->cfg = cfg;
    en->cache_dir = cfg->cache_dir;
    en->lockc = (lock_ctx_t){.cfg = cfg, .m = m, .cache_dir = cfg->cache_dir,
                             .session = &en->dl, .fl = &en->fl, .builder = &en->builder.lock};
    en->log = log;
    en->verbosity = verbosity;
    err_t *errs = builder_init(&en->builder, en);
    for (int i = 0; i < n; i++) {
        if (manifest_env(m, names[i]))
            continue;
        err_t *e = err_new(EXIT_USAGE, "no environment named '%s' in %s", names[i], m->file);
        const char **cands = xcalloc(m->nenvs + 1, sizeof(char *));
        for (size_t k = 0; k < m->nenvs; k++)
            cands[k] = m->envs[k].name;
        const char *best = suggest_closest(names[i], cands, m->nenvs);
        free(cands);
        if (best)
            err_hint(e, "did you mean '%s'?", best);
        else if (m->nenvs) {
            buf_t all = BUF_INIT;
            for (size_t k = 0; k < m->nenvs; k++)
                buf_printf(&all, "%s%s", k ? ", " : "", m->envs[k].name);
            err_hint(e, "the manifest names: %s", buf_cstr(&all));
            buf_free(&all);
        }
        err_chain(&errs, e);
    }
    if (errs)
        return errs;
    en->envs = xcalloc(m->nenvs ? m->nenvs : 1, sizeof(engine_env_t));
    for (size_t k = 0; k < m->nenvs; k++) {
        bool want = n == 0;
        for (int i = 0; i < n && !want; i++)
            want = strcmp(names[i], m->envs[k].name) == 0;
        if (want)
            en->envs[en->n++].env = &m->envs[k];
    }
    order_copy_sources_first(en);
    /* The request in force for environments that name none: .python-version, else any. */
    bool any_unset = false;
    for (size_t i = 0; i < en->n; i++)
        any_unset = any_unset || !en->envs[i].env->python;
    if (any_unset) {
        char *v = python_version_file(m->dir);
        if (v && strcmp(v, "system") == 0) { /* pyenv's word for "not a pyenv version": any */
            free(v);
            v = NULL;
        }
        if (v) {
            char *why = NULL;
            if (!pyreq_parse(v, &en->version_file_req, &why)) {
                err_t *e = err_new(EXIT_USAGE, ".python-version: '%s': %s", v, why ? why : "invalid");
                free(why);
                free(v);
                return e;
            }
            free(v);
        }
    }
    for (size_t i = 0; i < en->n; i++) {
        engine_env_t *ee = &en->envs[i];
        ee->request = ee->env->python ? ee->env->python : en->version_file_req;
        if (ee->request && ee->request->kind == PYREQ_PATH) {
            char *abs = path_absolute(m->dir, ee->request->path);
            ee->request_real = path_real(abs);
            free(abs);
        }
    }
    return NULL;
}

static err_t *ensure_discovered(engine_t *en)
{
    if (en->discovered)
        return NULL;
    if (en->log && en->verbosity > 0)
        fprintf(en->log, "venvsync: looking for Python interpreters\n");
    discover_opts_t o = discover_opts(en->cfg);
    err_t *e = discover_all(&o, &en->interps);
    if (!e)
        en->discovered = true;
    return e;
}

/* A caller-owned copy of interpreter l->items[i] is not needed: interp lists are kept for the
 * engine's lifetime, but engine_env owns its py. So we re-probe (cached: no Python started). */
static err_t *own_copy(engine_t *en, const interp_t *src, interp_t **out)
{
    return probe_interp(src->path, en->cache_dir, out, NULL);
}

static err_t *resolve_need(engine_t *en, engine_env_t *ee, const env_plan_t *p, interp_t **out);

/* ---- managed downloads (python-downloads) ---------------------------------------------------- */

/* The policy in force: VENVSYNC_PYTHON_DOWNLOADS, else the manifest's python-downloads. */
static err_t *downloads_policy(const engine_t *en, mf_downloads_t *out)
{
    *out = en->m->python_downloads;
    const char *v = en->cfg->python_downloads;
    if (!v || !*v)
        return NULL;
    if (strcmp(v, "automatic") == 0)
        *out = DOWNLOADS_AUTOMATIC;
    else if (strcmp(v, "manual") == 0)
        *out = DOWNLOADS_MANUAL;
    else if (strcmp(v, "never") == 0)
        *out = DOWNLOADS_NEVER;
    else
        return err_new(EXIT_USAGE, "VENVSYNC_PYTHON_DOWNLOADS='%s' must be automatic, manual or "
                       "never", v);
    return NULL;
}

/* The "no interpreter matches" error of python_resolve, with the hint the policy calls for. */
static err_t *no_match(engine_t *en, engine_env_t *ee, const discover_opts_t *o, interp_t **out)
{
    err_t *e = python_resolve(ee->request, en->m->dir, o, out);
    mf_downloads_t pol;
    err_t *pe = downloads_policy(en, &pol);
    if (pe) {
        err_free(e);
        return pe;
    }
    if (!e || !discover_downloadable(ee->request))
        return e;
    if (pol == DOWNLOADS_NEVER) {
        char *hint = discover_install_hint_for(ee->request, false);
        err_hint(e, "%s", hint);
        free(hint);
    } else if (pol == DOWNLOADS_AUTOMATIC) {
        err_hint(e, "`venvsync sync` downloads one (python-downloads: automatic)");
    }
    return e;
}

/* True when sync would download a Python for the environment: its request matches no
 * discovered interpreter, it can be downloaded, and the policy is automatic. */
static bool would_download(engine_t *en, const engine_env_t *ee)
{
    mf_downloads_t pol;
    err_t *pe = downloads_policy(en, &pol);
    if (pe) {
        err_free(pe);
        return false; /* resolve's no_match reports the bad policy */
    }
    if (pol != DOWNLOADS_AUTOMATIC || !discover_downloadable(ee->request) ||
        (ee->plan.python_need != NEED_REQUEST && ee->plan.python_need != NEED_SAME_MINOR))
        return false;
    err_t *de = ensure_discovered(en);
    if (de) {
        err_free(de);
        return false;
    }
    return discover_best(&en->interps, ee->request) == NULL;
}

/* Carries out the plan's download-python: installs a managed Python for the request (or finds
 * that an earlier environment's download answers it too), then forgets the discovered list so
 * that planning again sees it. */
static err_t *download_python(engine_t *en, engine_env_t *ee)
{
    err_t *de = ensure_discovered(en);
    if (de)
        return de;
    if (discover_best(&en->interps, ee->request))
        return NULL;
    const char *dir = en->cfg->python_dir;
    if (!dir)
        return err_new(EXIT_APPLY, "no folder for managed Pythons: set VENVSYNC_PYTHON_DIR");
    managed_opts_t mo = {.python_dir = dir, .cache_dir = en->cache_dir, .offline = en->offline,
                         .cfg = en->cfg,
                         .log = en->verbosity >= 0 ? en->log : NULL, .progress = en->progress,
                         .progress_ctx = en->progress_ctx};
    managed_result_t res;
    err_t *e = managed_install(&mo, ee->request, &res);
    if (e)
        return err_ctx(e, "downloading a Python for '%s' (python-downloads: automatic)",
                       ee->request ? ee->request->text : "any");
    if (en->log && en->verbosity >= 0)
        fprintf(en->log, "venvsync: %s Python %s (python-build-standalone %s) in %s\n",
                res.already ? "found" : "installed", res.inst.version, res.inst.release,
                res.inst.path);
    managed_result_free(&res);
    interp_list_free(&en->interps);
    en->discovered = false;
    return NULL;
}

/* Finds the interpreter the plan asks for. */
static err_t *resolve(engine_t *en, engine_env_t *ee, interp_t **out)
{
    return resolve_need(en, ee, &ee->plan, out);
}

err_t *engine_request_interp(engine_t *en, engine_env_t *ee, interp_t **out)
{
    env_plan_t want = {.python_need = NEED_REQUEST};
    return resolve_need(en, ee, &want, out);
}

static err_t *resolve_need(engine_t *en, engine_env_t *ee, const env_plan_t *p, interp_t **out)
{
    *out = NULL;
    discover_opts_t o = discover_opts(en->cfg);
    switch (p->python_need) {
    case NEED_NONE:
        return NULL;
    case NEED_OWN:
        if (!ee->obs.link_target)
            return err_new(EXIT_APPLY, "%s: bin/python is not a link", ee->env->path);
        return probe_interp(ee->obs.link_target, en->cache_dir, out, NULL);
    case NEED_SAME_MINOR: {
        err_t *e = ensure_discovered(en);
        if (e)
            return e;
        for (size_t i = 0; i < en->interps.n; i++) {
            const interp_t *c = en->interps.items[i];
            if (c->major != p->need_major || c->minor != p->need_minor ||
                c->freethreaded != p->need_freethreaded || !c->venv_capable)
                continue;
            pyfacts_t f = {c->implementation, c->version, c->freethreaded, c->path, c->realpath};
            if (ee->request && !pyreq_matches(ee->request, &f))
                continue;
            return own_copy(en, c, out);
        }
        /* none of the same minor: fall through to the request, and the plan recreates */
    }
    /* fallthrough */
    case NEED_REQUEST:
        if (ee->request && ee->request->kind == PYREQ_PATH)
            return python_resolve(ee->request, en->m->dir, &o, out);
        if (!ee->request) {
            /* Nothing asks for a version: the python3 the user's PATH (and pyenv) runs. */
            interp_t *def = NULL;
            char *path = discover_default(&o, en->m->dir);
            err_t *de = path ? probe_interp(path, en->cache_dir, &def, NULL) : NULL;
            free(path);
            err_free(de); /* not usable: the best one found, as below */
            if (def && def->venv_capable) {
                *out = def;
                return NULL;
            }
            interp_free(def);
        }
        {
            err_t *e = ensure_discovered(en);
            if (e)
                return e;
            const interp_t *best = discover_best(&en->interps, ee->request);
            if (best)
                return own_copy(en, best, out);
            /* Let python_resolve phrase the complete error. */
            return no_match(en, ee, &o, out);
        }
    }
    return NULL;
}

/* Whether env (or an environment it is copied from: a copy keeps its source's packages)
 * declares packages, and whether it manages them at all (`packages: []` manages nothing). */
static bool has_packages(const manifest_t *m, const mf_env_t *env)
{
    for (const mf_env_t *e = env; e; e = e->copy_from ? manifest_env(m, e->copy_from) : NULL)
        if (e->npackages || e->nrequirements || e->project.path || e->pylock)
            return true;
    return false;
}

static bool manages_packages(const manifest_t *m, const mf_env_t *env)
{
    for (const mf_env_t *e = env; e; e = e->copy_from ? manifest_env(m, e->copy_from) : NULL)
        if (e->manages_packages)
            return true;
    return false;
}

/* The interpreter an existing (or copied) environment has, from the probe cache: starts Python
 * only when the cache has no entry. NULL when it cannot be known (missing, broken). */
static err_t *own_facts(engine_t *en, const observed_env_t *o, interp_t **out)
{
    *out = NULL;
    if (!o || o->kind != OBS_VENV)
        return NULL;
    const char *exe = o->by_venvsync ? (o->recorded_python_same ? o->recorded_python : NULL)
                                     : o->link_target;
    if (!exe || (!o->by_venvsync && !o->python_real))
        return NULL;
    return probe_interp(exe, en->cache_dir, out, NULL);
}

/* The `build` policy of ee: --no-build / --no-binary, else its manifest's. */
static mf_build_t build_policy(const engine_t *en, const engine_env_t *ee)
{
    return en->build_given ? en->build : ee->env->build;
}

/* Sets the lock and build stages up for ee and interpreter py (before reading its inputs). */
static void builder_for(engine_t *en, const engine_env_t *ee, const interp_t *py)
{
    en->lockc.no_build = build_policy(en, ee) == BUILD_NEVER;
    en->lockc.no_binary = build_policy(en, ee) == BUILD_ALWAYS;
    en->builder.py = py;
    en->builder.opts = NULL;
}

/* The lock of ee for interpreter py: read, checked, resolved anew when stale (written by sync,
 * kept in memory by plan, an error with --locked, used as it is with --frozen; check never
 * resolves). in stays the caller's. */
static err_t *env_lock(engine_t *en, engine_env_t *ee, const interp_t *py, lock_inputs_t *in)
{
    en->lockc.offline = en->offline;
    en->lockc.progress = en->progress;
    en->lockc.progress_ctx = en->progress_ctx;
    builder_for(en, ee, py);
    err_t *e = lock_inputs_read(&en->lockc, ee->env, ee->request, in);
    if (e)
        return e;
    en->builder.opts = &in->rf->opts;
    if (!ee->lock_name)
        ee->lock_name = xstrdup(in->name);
    const char *here = py ? (py->realpath ? py->realpath : py->path) : "";
    if (ee->lock && (ee->lock_state == LOCK_RELOCKED || ee->lock_state == LOCK_WOULD_RELOCK) &&
        ee->lock_here && strcmp(ee->lock_here, here) == 0)
        return NULL; /* resolved earlier in this run (plan, then apply under the lock) */
    pylock_free(ee->lock);
    ee->lock = NULL;
    e = lock_load(in, &ee->lock);
    if (e)
        return e;
    if (in->given) { /* `pylock:` another tool wrote: installed as it is, never made here */
        if (!ee->lock)
            return err_hint(err_new(EXIT_USAGE, "%s does not exist (the 'pylock' of "
                                    "environment '%s')", in->path, ee->env->name),
                            "write it with the tool that makes it (`pip lock`, `uv export "
                            "--format pylock.toml`, `pdm export`), or fix the path");
        ee->lock_state = LOCK_GIVEN;
        return NULL;
    }
    if (lock_keep(ee->lock, in, py)) {
        ee->lock_state = LOCK_FRESH;
        return NULL;
    }
    bool covers = lock_covers(ee->lock, py);
    if (en->frozen) {
        if (!ee->lock)
            return err_hint(err_new(EXIT_USAGE, "%s does not exist (sync --frozen installs a "
                                    "lock as it is)", in->name), "run `venvsync lock`");
        ee->lock_state = LOCK_FROZEN;
        return NULL;
    }
    if (en->no_resolve) {
        ee->lock_state = ee->lock ? LOCK_STALE : LOCK_MISSING;
        return NULL;
    }
    if (en->locked)
        return err_hint(err_new(EXIT_USAGE, !ee->lock ? "%s does not exist (sync --locked)"
                                : !covers ? "%s does not cover this interpreter (sync --locked)"
                                          : "%s is out of date: the requirements changed since "
                                            "it was made (sync --locked)", in->name),
                        "run `venvsync lock` and commit the lock file");
    pylock_t *nl = NULL;
    strv_free(ee->lock_warnings);
    ee->lock_warnings = NULL;
    e = lock_resolve(&en->lockc, ee->env->name, in, ee->lock, py, &nl, &ee->lock_warnings);
    if (e)
        return e;
    /* for this interpreter: a plan that changes it (recreate) resolves again for the new one */
    free(ee->lock_here);
    ee->lock_here = xstrdup(here);
    strv_free(ee->lock_changes);
    ee->lock_changes = lock_diff(ee->lock, nl);
    pylock_free(ee->lock);
    ee->lock = nl;
    if (en->dry) {
        ee->lock_state = LOCK_WOULD_RELOCK;
        return NULL;
    }
    ee->lock_state = LOCK_RELOCKED;
    return lock_save(in, nl);
}

/* (Re)computes the wanted packages for interpreter py (NULL: leave them unknown): what the
 * environment's lock selects for it. */
static err_t *compute_wants(engine_t *en, engine_env_t *ee, const interp_t *py)
{
    free(ee->wview);
    want_set_free(ee->wants);
    ee->wview = NULL;
    ee->wants = NULL;
    if (!py)
        return NULL;
    lock_inputs_t in;
    err_t *e = env_lock(en, ee, py, &in);
    if (!e && ee->lock)
        e = lock_wants(ee->lock, &in, py, &ee->wants);
    lock_inputs_free(&in);
    if (e || !ee->wants)
        return e;
    /* local projects: what their build is made from now, and what the installed one was */
    for (size_t i = 0; i < ee->wants->n && !e; i++) {
        want_pkg_t *w = &ee->wants->pkgs[i];
        if (w->kind != WANT_DIR)
            continue;
        e = builder_source_id(w->path_or_url, w->editable, &w->source);
        dist_t *d = ee->obs.site_packages ? (dist_t *)dist_list_find(&ee->obs.dists, w->key)
                                          : NULL;
        if (!e && d)
            installed_read_source(ee->obs.site_packages, d);
    }
    if (e)
        return e;
    /* the planner's view, borrowing from the want set */
    pkg_want_t *v = xcalloc(ee->wants->n + 1, sizeof(*v));
    for (size_t i = 0; i < ee->wants->n; i++) {
        const want_pkg_t *w = &ee->wants->pkgs[i];
        v[i] = (pkg_want_t){.key = w->key, .name = w->name, .version = w->version,
                            .origin = w->origin, .source = w->source};
    }
    ee->wview = v;
    return NULL;
}

static void fill_desired(const engine_t *en, const engine_env_t *ee, desired_env_t *d)
{
    bool known = manages_packages(en->m, ee->env) && (!has_packages(en->m, ee->env) || ee->wants);
    d->wants = ee->wview;
    d->nwants = ee->wants ? ee->wants->n : 0;
    d->packages_known = known;
}

/* Marks the installed distributions whose files no longer match their RECORD. */
static void verify_dists(observed_env_t *o)
{
    for (size_t i = 0; i < o->dists.n; i++) {
        dist_t *d = &o->dists.items[i];
        char *info = path_join(o->site_packages, d->info_dir);
        wheel_damage_t dmg;
        err_t *e = wheel_verify_installed(o->path, info, &dmg);
        if (!e && dmg.bad)
            d->damage = dmg.bad == 1 ? xstrdup(dmg.first)
                                     : xasprintf("%s, and %zu more files differ from RECORD",
                                                 dmg.first, dmg.bad - 1);
        err_free(e); /* no RECORD: nothing to compare with */
        wheel_damage_free(&dmg);
        free(info);
    }
}

static bool plan_recreates(const env_plan_t *p)
{
    for (size_t i = 0; i < p->nactions; i++)
        if (p->actions[i].kind == ACT_RECREATE)
            return true;
    return false;
}

/* The installer's link mode for a manifest `link-mode` (or --link-mode). */
static wheel_link_mode_t wheel_link_mode(mf_link_mode_t m)
{
    switch (m) {
    case LINK_MODE_CLONE: return WHEEL_LINK_REFLINK;
    case LINK_MODE_HARDLINK: return WHEEL_LINK_HARDLINK;
    case LINK_MODE_COPY: return WHEEL_LINK_COPY;
    case LINK_MODE_SYMLINK: return WHEEL_LINK_SYMLINK;
    case LINK_MODE_DEFAULT: break;
    }
    return WHEEL_LINK_AUTO;
}

/* What `pip check` would say about the environment's installed distributions, for its own
 * interpreter's markers. Starts no Python (facts come from the probe cache). */
static void check_dependencies(engine_t *en, engine_env_t *ee)
{
    strv_free(ee->dep_problems);
    ee->dep_problems = NULL;
    if (ee->obs.kind != OBS_VENV || !ee->obs.site_packages)
        return;
    interp_t *py = NULL;
    err_t *e = own_facts(en, &ee->obs, &py);
    err_free(e);
    if (!py)
        return; /* broken: its state says so already */
    dist_list_t dl = {0};
    err_free(installed_list(ee->obs.site_packages, &dl));
    depcheck_dist_t *d = xcalloc(dl.n + 1, sizeof(*d));
    core_metadata_t *meta = xcalloc(dl.n + 1, sizeof(*meta));
    buf_t text = BUF_INIT;
    for (size_t i = 0; i < dl.n; i++) {
        d[i] = (depcheck_dist_t){dl.items[i].name, dl.items[i].version, NULL};
        char *mp = path_joinv(ee->obs.site_packages, dl.items[i].info_dir,
                              str_ends_with(dl.items[i].info_dir, strlen(dl.items[i].info_dir),
                                            ".dist-info") ? "METADATA" : "PKG-INFO",
                              (char *)NULL);
        buf_reset(&text);
        if (fs_try_read(mp, &text)) {
            err_t *pe = meta_parse_metadata(buf_cstr(&text), text.len, mp, &meta[i]);
            if (!pe)
                d[i].requires = meta[i].requires_dist;
            err_free(pe);
        }
        free(mp);
    }
    buf_free(&text);
    marker_env_t menv;
    target_marker_env(py, &menv);
    ee->dep_problems = depcheck(d, dl.n, &menv);
    for (size_t i = 0; i < dl.n; i++)
        core_metadata_free(&meta[i]);
    free(meta);
    free(d);
    dist_list_free(&dl);
    interp_free(py);
}

/* Seeding (fetch/seed.h): the planner's view of pip for a seeded environment. Its wheel is
 * looked up only when a plan could need it: with the interpreter the environment gets (py, when
 * the plan needs one), or when the environment (or the copy it starts as) lacks pip; a no-op
 * starts no Python and reads no bundle. Finding no wheel is an error when `seed: true` asks for
 * pip and the tree the plan keeps lacks it; seeded by default, the environment goes without and
 * the report warns (seed_note). */
static err_t *prepare_seeds(engine_t *en, engine_env_t *ee, desired_env_t *d, const interp_t *py)
{
    d->seeds = NULL;
    d->nseeds = 0;
    free(ee->seed_note);
    ee->seed_note = NULL;
    if (!seed_wanted(en->m, ee->env))
        return NULL;
    const observed_env_t *have = ee->obs.kind == OBS_VENV ? &ee->obs : d->copy_src;
    bool present = have && have->kind == OBS_VENV && dist_list_find(&have->dists, SEED_PACKAGE);
    ee->seed_view = (pkg_want_t){.key = SEED_PACKAGE, .name = SEED_PACKAGE};
    d->seeds = &ee->seed_view;
    d->nseeds = 1;
    if (!py && present)
        return NULL;
    if (!py) {
        if (!ee->facts)
            err_free(own_facts(en, have, &ee->facts)); /* unknown: the plan needs a Python */
        py = ee->facts;
    }
    if (!py)
        return NULL;
    const char *real = py->realpath ? py->realpath : py->path;
    if (!ee->seed || strcmp(ee->seed->interp, real) != 0) {
        seed_free(ee->seed);
        ee->seed = NULL;
        err_t *e = seed_find(py, SEED_SYSTEM_WHEELS, &ee->seed);
        if (e && !present && ee->env->seed == SEED_UNSET)
            ee->seed_note = xasprintf("environment '%s' gets no pip: %s (%s)", ee->env->name,
                                      e->msg, e->hint ? e->hint : "");
        if (e && (present || ee->env->seed == SEED_UNSET)) {
            err_free(e);
            return NULL;
        }
        if (e)
            return e;
    }
    ee->seed_view.version = ee->seed->want.version;
    ee->seed_view.origin = ee->seed->want.origin;
    return NULL;
}

static err_t *plan_one(engine_t *en, engine_env_t *ee, bool do_resolve)
{
    observed_env_free(&ee->obs);
    env_plan_free(&ee->plan);
    err_t *e = observe_env(ee->env->path, &ee->obs);
    if (e)
        return e;
    if (en->verify && manages_packages(en->m, ee->env))
        verify_dists(&ee->obs);
    if (en->check_deps)
        check_dependencies(en, ee);
    desired_env_t d = {.env = ee->env, .request = ee->request, .request_real = ee->request_real};
    /* copy-from matters only while the environment does not exist: then look at the source
     * as it is now (it was synced first, see engine_init's ordering) */
    observed_env_t src = {0};
    const mf_env_t *from = ee->env->copy_from ? manifest_env(en->m, ee->env->copy_from) : NULL;
    bool absent = ee->obs.kind == OBS_ABSENT || ee->obs.kind == OBS_EMPTY_DIR;
    if (from && absent) {
        err_t *se = observe_env(from->path, &src);
        if (se)
            err_free(se);
        else
            d.copy_src = &src;
        /* the source is synced first in this run (engine_init's order): when it needs work,
         * the copy is made from it afterwards, and the plan says so */
        for (const engine_env_t *s = en->envs; s < ee; s++)
            if (s->env == from && !s->error && !env_plan_is_noop(&s->plan) &&
                s->plan.state != ST_FOREIGN) {
                d.copy_pending = from->path;
                d.copy_pending_python = s->plan.python;
            }
    }
    d.manages_packages = manages_packages(en->m, ee->env);
    /* Packages are compared only when the environment's interpreter is known without
     * discovery: its own, or the copy source's. */
    interp_free(ee->facts);
    ee->facts = NULL;
    if (has_packages(en->m, ee->env)) {
        e = own_facts(en, absent ? d.copy_src : &ee->obs, &ee->facts);
        if (!e)
            e = compute_wants(en, ee, ee->facts);
    } else if (manages_packages(en->m, ee->env) && ee->obs.dists.n) {
        /* `packages: []`: exactly nothing; removing needs the interpreter's scheme */
        e = own_facts(en, &ee->obs, &ee->facts);
    }
    if (!e)
        e = err_ctx(prepare_seeds(en, ee, &d, NULL), "environment '%s'", ee->env->name);
    if (!e) {
        fill_desired(en, ee, &d);
        plan_env(&d, &ee->obs, NULL, &ee->plan);
    }
    if (e || !do_resolve || ee->plan.python_need == NEED_NONE) {
        observed_env_free(&src);
        return e;
    }
    if (ee->py && ee->py_need != ee->plan.python_need) {
        interp_free(ee->py);
        ee->py = NULL;
    }
    ee->python_download = false;
    if (!ee->py) {
        ee->py_need = ee->plan.python_need;
        e = resolve(en, ee, &ee->py);
        if (e && would_download(en, ee)) {
            /* not an error: the plan downloads one first */
            err_free(e);
            ee->python_download = d.python_download = true;
            env_plan_free(&ee->plan);
            plan_env(&d, &ee->obs, NULL, &ee->plan);
            observed_env_free(&src);
            return NULL;
        }
    }
    /* The environment will have py: its markers decide the packages. */
    if (!e && has_packages(en->m, ee->env))
        e = compute_wants(en, ee, ee->py);
    if (!e)
        e = prepare_seeds(en, ee, &d, ee->py);
    if (e) {
        observed_env_free(&src);
        return err_ctx(e, "environment '%s'", ee->env->name);
    }
    fill_desired(en, ee, &d);
    env_plan_free(&ee->plan);
    plan_env(&d, &ee->obs, ee->py, &ee->plan);
    if (plan_recreates(&ee->plan) && observe_user_files(&ee->obs)) {
        env_plan_free(&ee->plan); /* again, to say that the user's files are carried over */
        plan_env(&d, &ee->obs, ee->py, &ee->plan);
    }
    observed_env_free(&src);
    return NULL;
}

err_t *engine_plan(engine_t *en, bool do_resolve)
{
    for (size_t i = 0; i < en->n; i++) {
        engine_env_t *ee = &en->envs[i];
        err_t *e = plan_one(en, ee, do_resolve);
        if (e)
            ee->error = e;
    }
    return NULL;
}

/* A copy of e and its whole chain. */
static err_t *err_copy(const err_t *e)
{
    err_t *all = NULL;
    for (; e; e = e->next) {
        err_t *c = err_new(e->exit_code, "%s", e->msg);
        if (e->hint)
            err_hint(c, "%s", e->hint);
        err_chain(&all, c);
    }
    return all;
}

err_t *engine_plan_errors(const engine_t *en, bool refusals)
{
    err_t *all = NULL;
    for (size_t i = 0; i < en->n; i++) {
        const engine_env_t *ee = &en->envs[i];
        err_chain(&all, err_copy(ee->error));
        for (size_t k = 0; refusals && !ee->error && k < ee->plan.nactions; k++)
            if (ee->plan.actions[k].kind == ACT_REFUSE)
                err_chain(&all, err_hint(err_new(EXIT_USAGE, "environment '%s': %s",
                                                 ee->env->name, ee->plan.reason),
                                         "%s", ee->plan.actions[k].reason));
    }
    return all;
}

/* The interpreter whose scheme the environment has after its plan. */
static const interp_t *scheme_interp(const engine_env_t *ee)
{
    return ee->plan.python_need != NEED_NONE && ee->py ? ee->py : ee->facts;
}

/* Fetches and verifies every wheel the plan installs, then applies: nothing changes unless the
 * whole set is there and sound. */
static err_t *apply_with_packages(engine_t *en, engine_env_t *ee)
{
    if (!plan_has_packages(&ee->plan))
        return apply_env(ee->env, &ee->obs, &ee->plan, ee->py, NULL);
    const interp_t *spy = scheme_interp(ee);
    if (!spy || (!ee->wants && has_packages(en->m, ee->env)))
        return err_new(EXIT_APPLY, "cannot change packages: the environment's interpreter is not known");
    fetch_free(&ee->fetch);
    fetch_opts_t fo = {.cfg = en->cfg, .cache_dir = en->cache_dir, .offline = en->offline,
                       .progress = en->progress, .progress_ctx = en->progress_ctx,
                       .session = &en->dl,
                       .builder = build_policy(en, ee) == BUILD_NEVER ? NULL : &en->builder.fetch};
    en->builder.opts = ee->wants ? &ee->wants->rf->opts : NULL;
    err_t *e = fetch_wheels(en->m, ee->wants, &ee->plan, spy, &fo, &en->fl, &ee->fetch);
    for (size_t i = 0; !e && i < ee->plan.nactions; i++)
        if (ee->plan.actions[i].kind == ACT_SEED)
            e = ee->seed ? seed_fetch(ee->seed, en->cache_dir, &ee->fetch)
                         : err_new(EXIT_APPLY, "internal: no seed wheel for %s",
                                   ee->plan.actions[i].package);
    if (e) {
        for (err_t *x = e; x; x = x->next)
            if (!x->hint)
                err_hint(x, "the environment was left as it was");
        return e;
    }
    pkg_step_t step = {.py = spy, .fetch = &ee->fetch, .compile = en->compile || ee->env->compile,
                       .link = wheel_link_mode(en->link_mode != LINK_MODE_DEFAULT
                                                   ? en->link_mode : ee->env->link_mode),
                       .cache_dir = en->cache_dir};
    return apply_env(ee->env, &ee->obs, &ee->plan, ee->py, &step);
}

err_t *engine_apply(engine_t *en)
{
    err_t *all = NULL;
    for (size_t i = 0; i < en->n; i++) {
        engine_env_t *ee = &en->envs[i];
        if (!ee->error && ee->python_download) {
            err_t *e = download_python(en, ee);
            if (!e)
                e = plan_one(en, ee, true);
            if (!e && ee->python_download)
                e = err_new(EXIT_APPLY, "a Python for '%s' was installed but does not match it",
                            ee->request ? ee->request->text : "any");
            if (e)
                ee->error = err_ctx(e, "environment '%s'", ee->env->name);
        }
        if (ee->error) {
            ee->result = RESULT_FAILED;
            err_chain(&all, err_copy(ee->error));
            continue;
        }
        if (env_plan_is_noop(&ee->plan)) {
            ee->result = RESULT_UNCHANGED;
            continue;
        }
        if (ee->plan.state == ST_FOREIGN) {
            ee->result = RESULT_FAILED;
            ee->error = err_hint(err_new(EXIT_USAGE, "environment '%s': %s", ee->env->name,
                                         ee->plan.reason),
                                 "%s", ee->plan.actions[0].reason);
            err_chain(&all, err_copy(ee->error));
            continue;
        }
        env_lock_t lock;
        err_t *e = env_lock_acquire(en->cache_dir, ee->env->path, en->log, &lock);
        if (!e) {
            int stale = apply_cleanup_stale(ee->env->path);
            if (stale && en->log && en->verbosity > 0)
                fprintf(en->log, "venvsync: removed %d leftover staging folder(s) beside %s\n",
                        stale, ee->env->path);
            /* Another run may have done (some of) the work while we waited. */
            e = plan_one(en, ee, true);
            if (!e && env_plan_is_noop(&ee->plan))
                ee->result = RESULT_UNCHANGED;
            else if (!e && ee->plan.state == ST_FOREIGN)
                e = err_new(EXIT_USAGE, "%s", ee->plan.reason);
            else if (!e)
                e = apply_with_packages(en, ee);
            env_lock_release(&lock);
        }
        if (e) {
            ee->result = RESULT_FAILED;
            e = err_ctx(e, "environment '%s'", ee->env->name);
            ee->error = e;
            err_chain(&all, err_copy(e));
        } else if (ee->result != RESULT_UNCHANGED) {
            ee->result = RESULT_CHANGED;
        }
    }
    return all;
}

void engine_free(engine_t *en)
{
    for (size_t i = 0; i < en->n; i++) {
        observed_env_free(&en->envs[i].obs);
        env_plan_free(&en->envs[i].plan);
        interp_free(en->envs[i].py);
        err_free(en->envs[i].error);
        free(en->envs[i].request_real);
        interp_free(en->envs[i].facts);
        strv_free(en->envs[i].dep_problems);
        pylock_free(en->envs[i].lock);
        free(en->envs[i].lock_name);
        free(en->envs[i].lock_here);
        strv_free(en->envs[i].lock_changes);
        strv_free(en->envs[i].lock_warnings);
        free(en->envs[i].wview);
        want_set_free(en->envs[i].wants);
        fetch_free(&en->envs[i].fetch);
        seed_free(en->envs[i].seed);
        free(en->envs[i].seed_note);
    }
    free(en->envs);
    builder_free(&en->builder);
    lock_ctx_free(&en->lockc);
    pyreq_free(en->version_file_req);
    if (en->discovered)
        interp_list_free(&en->interps);
    findlinks_free(en->fl);
    download_session_free(en->dl);
    memset(en, 0, sizeof(*en));
}

err_t *engine_lock(engine_t *en)
{
    en->lockc.offline = en->offline;
    en->lockc.progress = en->progress;
    en->lockc.progress_ctx = en->progress_ctx;
    err_t *all = NULL;
    for (size_t i = 0; i < en->n; i++) {
        engine_env_t *ee = &en->envs[i];
        if (!has_packages(en->m, ee->env))
            continue;
        /* this machine's target must be solvable: the environment's interpreter if it has one,
         * else the one its request picks */
        interp_t *here = NULL;
        observed_env_t o;
        err_t *e = observe_env(ee->env->path, &o);
        if (!e)
            e = own_facts(en, &o, &here);
        observed_env_free(&o);
        if (!e && !here)
            e = engine_request_interp(en, ee, &here);
        lock_inputs_t in;
        memset(&in, 0, sizeof in);
        builder_for(en, ee, here);
        if (!e)
            e = lock_inputs_read(&en->lockc, ee->env, ee->request, &in);
        if (!e)
            en->builder.opts = &in.rf->opts;
        if (!e && in.given) { /* not ours to make: installed as it is */
            ee->lock_name = xstrdup(in.path);
            ee->lock_state = LOCK_GIVEN;
            ee->result = RESULT_UNCHANGED;
            lock_inputs_free(&in);
            interp_free(here);
            continue;
        }
        pylock_t *old = NULL, *nl = NULL;
        if (!e)
            err_free(lock_load(&in, &old)); /* a lock that does not read is made anew */
        /* a lock made from these inputs that meets them here is kept as it is: no resolution,
         * no network (--upgrade resolves anyway) */
        bool fresh = !e && !en->lockc.upgrade_all && !en->lockc.upgrade &&
                     lock_keep(old, &in, here);
        if (!e && !fresh)
            e = lock_resolve(&en->lockc, ee->env->name, &in, old, here, &nl,
                             &ee->lock_warnings);
        if (!e && !fresh)
            e = lock_save(&in, nl);
        if (!e && fresh) {
            ee->lock_name = xstrdup(in.name);
            ee->lock_state = LOCK_FRESH;
            ee->lock = old;
            old = NULL;
            ee->result = RESULT_UNCHANGED;
        } else if (!e) {
            ee->lock_name = xstrdup(in.name);
            ee->lock_changes = lock_diff(old, nl);
            ee->lock_state = LOCK_RELOCKED;
            ee->lock = nl;
            nl = NULL;
            ee->result = RESULT_CHANGED;
        } else {
            ee->result = RESULT_FAILED;
            ee->error = err_ctx(e, "environment '%s'", ee->env->name);
            err_chain(&all, err_copy(ee->error));
        }
        pylock_free(old);
        pylock_free(nl);
        lock_inputs_free(&in);
        interp_free(here);
    }
    return all;
}
