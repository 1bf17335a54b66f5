#include "plan/plan.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/version.h"
#include "util/buf.h"
#include "util/path.h"
#include "util/xalloc.h"
#include "venv/activators.h"

static const char *const state_names[] = {
    [ST_OK] = "ok", [ST_MISSING] = "missing", [ST_DRIFTED] = "drifted",
    [ST_WRONG_PYTHON] = "wrong-python", [ST_BROKEN] = "broken", [ST_MOVED] = "moved",
    [ST_FOREIGN] = "foreign",
};

static const char *const action_names[] = {
    [ACT_CREATE] = "create", [ACT_RECREATE] = "recreate", [ACT_RELINK] = "relink",
    [ACT_RELOCATE] = "relocate", [ACT_WRITE_CFG] = "write-cfg",
    [ACT_WRITE_ACTIVATOR] = "write-activator", [ACT_REFUSE] = "refuse",
    [ACT_CLEANUP] = "cleanup", [ACT_COPY] = "copy", [ACT_INSTALL] = "install",
    [ACT_UPGRADE] = "upgrade", [ACT_DOWNGRADE] = "downgrade", [ACT_REMOVE] = "remove",
    [ACT_REINSTALL] = "reinstall", [ACT_DOWNLOAD_PYTHON] = "download-python",
    [ACT_DELETE] = "delete", [ACT_SEED] = "seed",
};

const char *env_state_name(env_state_t s) { return state_names[s]; }
const char *action_kind_name(action_kind_t k) { return action_names[k]; }

char action_sigil(action_kind_t k)
{
    switch (k) {
    case ACT_CREATE:
    case ACT_COPY:
    case ACT_INSTALL:
    case ACT_SEED:
    case ACT_DOWNLOAD_PYTHON: return '+';
    case ACT_REMOVE:
    case ACT_DELETE: return '-';
    case ACT_REFUSE: return '!';
    case ACT_CLEANUP: return '-';
    default: return '~';
    }
}

bool env_plan_is_noop(const env_plan_t *p)
{
    return p->state == ST_OK && p->nactions == 0;
}

bool env_plan_downloads_python(const env_plan_t *p)
{
    for (size_t i = 0; i < p->nactions; i++)
        if (p->actions[i].kind == ACT_DOWNLOAD_PYTHON)
            return true;
    return false;
}

bool env_plan_is_drift(const env_plan_t *p)
{
    return p->state != ST_OK;
}

static void add_action(env_plan_t *p, action_kind_t k, const char *from, const char *to,
                       const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void add_action(env_plan_t *p, action_kind_t k, const char *from, const char *to,
                       const char *fmt, ...)
{
    XGROW(p->actions, p->cap, p->nactions + 1);
    action_t *a = &p->actions[p->nactions++];
    memset(a, 0, sizeof(*a));
    a->kind = k;
    a->from = xstrdup(from);
    a->to = xstrdup(to);
    buf_t b = BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    a->reason = buf_detach(&b);
}

/* Raises the state to s when s is more severe; records the first reason at that severity. */
static int severity(env_state_t s)
{
    switch (s) {
    case ST_OK: return 0;
    case ST_DRIFTED: return 1;
    case ST_MOVED: return 2;
    case ST_BROKEN: return 3;
    case ST_WRONG_PYTHON: return 4;
    case ST_MISSING: return 5;
    case ST_FOREIGN: return 6;
    }
    return 0;
}

static void set_state(env_plan_t *p, env_state_t s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_state(env_plan_t *p, env_state_t s, const char *fmt, ...)
{
    if (severity(s) <= severity(p->state) && p->reason)
        return;
    if (severity(s) < severity(p->state))
        return;
    buf_t b = BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    free(p->reason);
    p->reason = buf_detach(&b);
    p->state = s;
}

static char *facts_label(const observed_env_t *o)
{
    const char *impl = o->implementation ? o->implementation : "cpython";
    const char *py = o->by_venvsync ? o->recorded_python : o->link_target;
    if (py)
        return xasprintf("%s %s%s (%s)", impl, o->version ? o->version : "?",
                         o->freethreaded ? "t" : "", py);
    return xasprintf("%s %s%s", impl, o->version ? o->version : "?", o->freethreaded ? "t" : "");
}

static bool parse_minor(const char *version, int *major, int *minor)
{
    char *end;
    long a = strtol(version, &end, 10);
    if (end == version || *end != '.')
        return false;
    const char *s = end + 1;
    long b = strtol(s, &end, 10);
    if (end == s)
        return false;
    *major = (int)a;
    *minor = (int)b;
    return true;
}

static size_t plan_packages(env_plan_t *p, const desired_env_t *d, const dist_list_t *installed);
static size_t plan_seeds(env_plan_t *p, const desired_env_t *d, const dist_list_t *installed);

/* No interpreter matches and sync downloads one: the plan says so, and what it builds with it.
 * The packages' markers need the interpreter's facts, so they are planned after the download. */
static void plan_create_downloaded(env_plan_t *p, const desired_env_t *d, bool recreate)
{
    const char *req = d->request ? d->request->text : "3";
    free(p->python);
    p->python = xasprintf("Python '%s', to be downloaded", req);
    add_action(p, ACT_DOWNLOAD_PYTHON, NULL, req,
               "no interpreter here matches '%s' (python-downloads: automatic)", req);
    const char *pk = d->env->npackages || d->env->nrequirements || d->env->project.path
                         ? "; its packages are planned once that Python is installed" : "";
    if (recreate)
        add_action(p, ACT_RECREATE, NULL, NULL,
                   "with the downloaded Python, built beside the old one and swapped in%s", pk);
    else
        add_action(p, ACT_CREATE, NULL, NULL,
                   "with the downloaded Python, built beside it and renamed into place%s", pk);
}

static void plan_create(env_plan_t *p, const desired_env_t *d, const interp_t *py, bool recreate)
{
    p->python_need = NEED_REQUEST;
    if (!py) {
        if (d->python_download)
            plan_create_downloaded(p, d, recreate);
        return;
    }
    free(p->python);
    p->python = interp_label(py);
    if (recreate) {
        add_action(p, ACT_RECREATE, NULL, p->python,
                   "built beside the old one and swapped in; the old one is removed after");
        if (d->packages_known)
            plan_packages(p, d, NULL);
        plan_seeds(p, d, NULL);
    } else {
        add_action(p, ACT_CREATE, NULL, p->python, "built beside it and renamed into place");
    }
}

static void add_pkg_action(env_plan_t *p, action_kind_t k, const char *pkg, const char *from,
                           const char *to, const char *reason)
{
    add_action(p, k, from, to, "%s", reason);
    p->actions[p->nactions - 1].package = xstrdup(pkg);
}

static bool is_seed(const desired_env_t *d, const char *key)
{
    for (size_t i = 0; i < d->nseeds; i++)
        if (strcmp(d->seeds[i].key, key) == 0)
            return true;
    return false;
}

/* ACT_SEED for each seed that installed (NULL: a new, empty environment) lacks and the wants do
 * not install. Returns how many actions were added. */
static size_t plan_seeds(env_plan_t *p, const desired_env_t *d, const dist_list_t *installed)
{
    size_t before = p->nactions;
    for (size_t i = 0; i < d->nseeds; i++) {
        const pkg_want_t *s = &d->seeds[i];
        bool wanted = false;
        for (size_t k = 0; d->packages_known && k < d->nwants && !wanted; k++)
            wanted = strcmp(d->wants[k].key, s->key) == 0;
        if (wanted || !s->version || (installed && dist_list_find(installed, s->key)))
            continue;
        add_pkg_action(p, ACT_SEED, s->name, NULL, s->version,
                       s->origin ? s->origin : "seed: as python -m venv installs it");
    }
    return p->nactions - before;
}

/* Why a distribution whose .dist-info lacks METADATA or RECORD is damaged, malloc'd. */
static char *missing_reason(const dist_t *h)
{
    return xasprintf("damaged: %s has %s, as an interrupted install leaves it (pip and "
                     "importlib.metadata cannot read it whole)", h->info_dir,
                     dist_missing_text(h->missing));
}

/* Two version texts compared as PEP 440 versions (as text when either does not parse). */
static int compare_versions(const char *x, const char *y)
{
    version_t a, b;
    bool pa = version_parse(x, &a), pb = version_parse(y, &b);
    int c = pa && pb ? version_cmp(&a, &b) : strcmp(x, y);
    version_free(&a);
    version_free(&b);
    return c;
}

/* Package actions that make installed (NULL: a new, empty environment) hold exactly the wants
 * (with exact; otherwise extra packages stay; seeds stay always), after removing what killed
 * runs left in it. Returns how many actions were added. */
static size_t plan_packages(env_plan_t *p, const desired_env_t *d, const dist_list_t *installed)
{
    size_t before = p->nactions;
    for (size_t i = 0; installed && i < installed->nleftovers; i++)
        add_pkg_action(p, ACT_CLEANUP, installed->leftovers[i], NULL, NULL,
                       "a temporary dist-info a killed install or removal left: it goes, with "
                       "the files it lists that no installed package claims");
    for (size_t i = 0; i < d->nwants; i++) {
        const pkg_want_t *w = &d->wants[i];
        const dist_t *have = installed ? dist_list_find(installed, w->key) : NULL;
        char *broken = have && have->missing ? missing_reason(have) : NULL;
        /* why it is installed, upgraded or downgraded (made only then) */
        int c = have && !w->source ? compare_versions(have->version, w->version) : 0;
        char *why = NULL;
        if (!have || c != 0)
            why = broken ? xasprintf("pinned at %s; %s", w->origin ? w->origin : "the manifest",
                                     broken)
                         : xasprintf("pinned at %s", w->origin ? w->origin : "the manifest");
        if (!have) {
            add_pkg_action(p, ACT_INSTALL, w->name, NULL, w->version, why);
        } else if (w->source) {
            /* a local project: its version is whatever its build gives; what matters is that
             * the installed build came from this very source and build inputs */
            if (!have->source || strcmp(have->source, w->source) != 0)
                add_pkg_action(p, ACT_REINSTALL, w->name, have->version, NULL,
                               have->source ? "its build inputs changed (pyproject.toml, "
                                              "setup.cfg or setup.py)"
                                            : "not built from this project by venvsync");
            else if (have->damage)
                add_pkg_action(p, ACT_REINSTALL, w->name, have->version, NULL, have->damage);
        } else {
            if (c < 0)
                add_pkg_action(p, ACT_UPGRADE, w->name, have->version, w->version, why);
            else if (c > 0)
                add_pkg_action(p, ACT_DOWNGRADE, w->name, have->version, w->version, why);
            else if (broken)
                add_pkg_action(p, ACT_REINSTALL, w->name, NULL, w->version, broken);
            else if (have->damage)
                add_pkg_action(p, ACT_REINSTALL, w->name, NULL, w->version, have->damage);
        }
        free(broken);
        free(why);
    }
    if (installed && d->env->exact) {
        bool sorted = true; /* wants in key order (a want set's): found by bisection */
        for (size_t k = 0; k + 1 < d->nwants && sorted; k++)
            sorted = strcmp(d->wants[k].key, d->wants[k + 1].key) <= 0;
        for (size_t i = 0; i < installed->n; i++) {
            const dist_t *h = &installed->items[i];
            bool wanted = false;
            if (sorted) {
                size_t lo = 0, hi = d->nwants;
                while (lo < hi && !wanted) {
                    size_t mid = lo + (hi - lo) / 2;
                    int c = strcmp(d->wants[mid].key, h->key);
                    wanted = c == 0;
                    if (c < 0)
                        lo = mid + 1;
                    else
                        hi = mid;
                }
            }
            for (size_t k = 0; !sorted && k < d->nwants && !wanted; k++)
                wanted = strcmp(d->wants[k].key, h->key) == 0;
            if (wanted || is_seed(d, h->key))
                continue;
            char *broken = h->missing ? missing_reason(h) : NULL;
            char *why = xasprintf("not in the manifest (exact: true%s)%s%s",
                                  strcmp(h->key, "pip") == 0 ? "; `seed: true` keeps pip" : "",
                                  broken ? "; " : "", broken ? broken : "");
            add_pkg_action(p, ACT_REMOVE, h->name, h->version, NULL, why);
            free(why);
            free(broken);
        }
    }
    return p->nactions - before;
}

/* Drift that can be fixed in place: pyvenv.cfg keys and activators. */
static void plan_drift(env_plan_t *p, const desired_env_t *d, const observed_env_t *o, bool moved)
{
    const mf_env_t *e = d->env;
    if (!o->prompt || strcmp(o->prompt, e->prompt) != 0) {
        set_state(p, ST_DRIFTED, "prompt is '%s', manifest says '%s'", o->prompt ? o->prompt : "",
                  e->prompt);
        add_action(p, ACT_WRITE_CFG, o->prompt, e->prompt, "prompt changed");
    }
    if (o->system_site_packages != e->system_site_packages) {
        set_state(p, ST_DRIFTED, "system-site-packages is %s, manifest says %s",
                  o->system_site_packages ? "true" : "false",
                  e->system_site_packages ? "true" : "false");
        add_action(p, ACT_WRITE_CFG, o->system_site_packages ? "true" : "false",
                   e->system_site_packages ? "true" : "false", "system-site-packages changed");
    }
    if (moved)
        return; /* relocation rewrites every activator */
    activator_vars_t vars = {.venv_dir = o->path, .prompt = e->prompt, .bin_name = "bin"};
    buf_t want = BUF_INIT;
    for (size_t i = 0; i < activator_count(); i++) {
        const char *have = i < o->nactivators ? o->activators[i] : NULL;
        buf_reset(&want);
        activator_render(i, &vars, &want);
        char *rel = xasprintf("bin/%s", activator_name(i));
        if (!have) {
            set_state(p, ST_DRIFTED, "%s is missing", rel);
            add_action(p, ACT_WRITE_ACTIVATOR, NULL, rel, "missing");
        } else if (strcmp(have, buf_cstr(&want)) != 0) {
            set_state(p, ST_DRIFTED, "%s differs from what venvsync writes", rel);
            add_action(p, ACT_WRITE_ACTIVATOR, rel, rel, "modified or out of date");
        }
        free(rel);
    }
    buf_free(&want);
}

/* The facts of the interpreter an observed environment records. */
static pyfacts_t observed_facts(const observed_env_t *o)
{
    return (pyfacts_t){
        .implementation = o->implementation ? o->implementation : "cpython",
        .version = o->version,
        .freethreaded = o->freethreaded,
        .path = o->by_venvsync ? o->recorded_python : o->link_target,
        .realpath = o->by_venvsync ? o->recorded_python : o->python_real,
    };
}

static bool request_matches(const desired_env_t *d, const pyfacts_t *f)
{
    if (!d->request)
        return true;
    if (d->request->kind == PYREQ_PATH)
        return d->request_real && f->realpath && strcmp(d->request_real, f->realpath) == 0;
    return f->version && pyreq_matches(d->request, f);
}

/* A copy-from source that can be copied: a whole environment venvsync wrote, whose interpreter
 * is there and unchanged, and that satisfies this environment's request. */
static bool copy_source_usable(const desired_env_t *d)
{
    const observed_env_t *s = d->copy_src;
    if (!s || s->kind != OBS_VENV || !s->by_venvsync || !s->version || !s->site_packages_present ||
        !s->recorded_python_present || !s->recorded_python_same)
        return false;
    pyfacts_t f = observed_facts(s);
    return request_matches(d, &f);
}

static void plan_missing(env_plan_t *p, const desired_env_t *d, const interp_t *py)
{
    if (copy_source_usable(d)) {
        free(p->python);
        p->python = facts_label(d->copy_src);
        add_action(p, ACT_COPY, d->copy_src->path, d->env->path,
                   "copy-from %s: a relocated copy, sharing unchanged package files", d->env->copy_from);
        if (d->packages_known)
            plan_packages(p, d, &d->copy_src->dists);
        plan_seeds(p, d, &d->copy_src->dists);
        return;
    }
    if (d->copy_pending) {
        free(p->python);
        p->python = xstrdup(d->copy_pending_python);
        add_action(p, ACT_COPY, d->copy_pending, d->env->path,
                   "copy-from %s: a relocated copy of it once this sync has brought it up to "
                   "date, then its own packages", d->env->copy_from);
        return;
    }
    size_t at = p->nactions;
    plan_create(p, d, py, false);
    if (d->env->copy_from && p->nactions > at) {
        action_t *a = &p->actions[p->nactions - 1]; /* the create */
        free(a->reason);
        a->reason = xasprintf("copy-from %s: no healthy environment with a matching interpreter "
                              "to copy, so built fresh%s", d->env->copy_from,
                              py ? "" : " with the downloaded Python");
    }
    if (py && d->packages_known)
        plan_packages(p, d, NULL);
    if (py)
        plan_seeds(p, d, NULL);
}

/* When the environment is recreated anyway, files that differ from their RECORD (found by
 * `check --deep` / `sync --verify`) get no reinstall action of their own: say so in the reason,
 * so that check still reports them. */
static void note_damage(env_plan_t *p, const observed_env_t *o)
{
    size_t n = 0;
    const dist_t *first = NULL;
    for (size_t i = 0; i < o->dists.n; i++)
        if ((o->dists.items[i].damage || o->dists.items[i].missing) && !n++)
            first = &o->dists.items[i];
    if (!n || !p->reason)
        return;
    char *broken = first->damage ? NULL : missing_reason(first);
    char *r = xasprintf("%s; and %s %s: %s%s", p->reason, first->name, first->version,
                        first->damage ? first->damage : broken,
                        n > 1 ? " (and other packages)" : "");
    free(broken);
    free(p->reason);
    p->reason = r;
}

static void plan_venv_inner(env_plan_t *p, const desired_env_t *d, const observed_env_t *o,
                            const interp_t *py);

static void plan_venv(env_plan_t *p, const desired_env_t *d, const observed_env_t *o,
                      const interp_t *py)
{
    plan_venv_inner(p, d, o, py);
    bool recreates = false;
    for (size_t i = 0; i < p->nactions; i++) {
        action_t *a = &p->actions[i];
        if (a->kind != ACT_RECREATE)
            continue;
        recreates = true;
        buf_t r = BUF_INIT;
        buf_adds(&r, a->reason);
        if (o->user_files)
            buf_printf(&r, "; your %s %s carried into the new one", o->user_files_text,
                       o->user_files[1] ? "are" : "is");
        size_t by_hand = 0;
        for (size_t k = 0; k < o->dists.n; k++)
            by_hand += !is_seed(d, o->dists.items[k].key);
        if (!d->manages_packages && by_hand) {
            buf_adds(&r, "; it will not have the packages installed by hand (");
            for (size_t k = 0, shown = 0; k < o->dists.n; k++)
                if (!is_seed(d, o->dists.items[k].key))
                    buf_printf(&r, "%s%s %s", shown++ ? ", " : "", o->dists.items[k].name,
                               o->dists.items[k].version);
            buf_adds(&r, "): list them under `packages:` to keep them");
        }
        free(a->reason);
        a->reason = buf_detach(&r);
    }
    if (recreates || (p->python_need != NEED_NONE && !p->nactions))
        note_damage(p, o);
}

static void plan_venv_inner(env_plan_t *p, const desired_env_t *d, const observed_env_t *o,
                            const interp_t *py)
{
    const mf_env_t *e = d->env;
    p->python = facts_label(o);

    if (!o->version) {
        set_state(p, ST_BROKEN, "pyvenv.cfg records no Python version");
        plan_create(p, d, py, true);
        return;
    }
    pyfacts_t facts = observed_facts(o);
    if (d->request && d->request->kind == PYREQ_PATH && !d->request_real) {
        set_state(p, ST_BROKEN, "the interpreter the manifest names, %s, does not exist",
                  d->request->path);
        plan_create(p, d, py, true);
        return;
    }
    if (!request_matches(d, &facts)) {
        set_state(p, ST_WRONG_PYTHON, "has %s, manifest asks for %s", p->python, d->request->text);
        plan_create(p, d, py, true);
        return;
    }
    if (!o->site_packages_present) {
        set_state(p, ST_BROKEN, "half-written: site-packages is missing");
        plan_create(p, d, py, true);
        return;
    }

    bool python_ok = o->by_venvsync ? (o->recorded_python_present && o->recorded_python_same)
                                    : o->python_real != NULL;
    if (!python_ok) {
        const char *was = facts.path ? facts.path : "bin/python";
        if (!o->link_target && o->by_venvsync && o->recorded_python_present)
            set_state(p, ST_BROKEN, "bin/python is missing (%s is still there)", was);
        else if (o->by_venvsync && o->recorded_python_present)
            set_state(p, ST_BROKEN, "interpreter %s changed since the environment was written", was);
        else
            set_state(p, ST_BROKEN, "interpreter %s is gone", was);
        int major, minor;
        if (e->upgrade == UPGRADE_MINOR && parse_minor(o->version, &major, &minor)) {
            p->python_need = NEED_SAME_MINOR;
            p->need_major = major;
            p->need_minor = minor;
            p->need_freethreaded = o->freethreaded;
            if (!py) {
                if (d->python_download) {
                    free(p->reason);
                    p->reason = xasprintf("interpreter %s is gone and no other %d.%d%s was found; "
                                          "packages will be reinstalled", was, major, minor,
                                          o->freethreaded ? "t" : "");
                    plan_create(p, d, NULL, true);
                }
                return;
            }
            if (py->major == major && py->minor == minor && py->freethreaded == o->freethreaded) {
                char *to = interp_label(py);
                add_action(p, ACT_RELINK, was, to, "same minor version: site-packages is kept");
                free(p->python);
                p->python = to;
            } else {
                char *lbl = interp_label(py);
                free(p->reason);
                p->reason = xasprintf("interpreter %s is gone and no other %d.%d%s was found; "
                                      "packages will be reinstalled", was, major, minor,
                                      o->freethreaded ? "t" : "");
                free(lbl);
                plan_create(p, d, py, true);
                return;
            }
        } else {
            if (e->upgrade == UPGRADE_EXACT)
                free(p->reason), p->reason = xasprintf(
                    "interpreter %s is gone or changed and upgrade is 'exact': packages will be "
                    "reinstalled", was);
            plan_create(p, d, py, true);
            return;
        }
    }

    /* Where it was written: venvsync records it; for venv, virtualenv and uv, observe read it
     * from bin/activate. */
    const char *written_at = o->by_venvsync ? o->recorded_path : o->activate_path;
    bool moved = written_at && strcmp(written_at, o->path) != 0;
    if (moved) {
        set_state(p, ST_MOVED, "written at %s, now at %s", written_at, o->path);
        add_action(p, ACT_RELOCATE, written_at, o->path,
                   "rewrite pyvenv.cfg and activators for the new location");
    }
    if (d->packages_known) {
        size_t n = plan_packages(p, d, &o->dists);
        if (n)
            set_state(p, ST_DRIFTED, "%zu package change%s", n, n == 1 ? "" : "s");
    }
    if (!o->by_venvsync) {
        set_state(p, ST_DRIFTED, "not written by venvsync: its interpreter is not recorded");
        p->python_need = p->python_need == NEED_NONE ? NEED_OWN : p->python_need;
        add_action(p, ACT_WRITE_CFG, NULL, NULL,
                   "record the interpreter's identity in pyvenv.cfg");
    }
    if (plan_seeds(p, d, &o->dists))
        set_state(p, ST_DRIFTED, "%s is not seeded", p->actions[p->nactions - 1].package);
    plan_drift(p, d, o, moved);
}

void plan_env(const desired_env_t *d, const observed_env_t *o, const interp_t *py, env_plan_t *out)
{
    memset(out, 0, sizeof(*out));
    out->name = xstrdup(d->env->name);
    out->path = xstrdup(d->env->path);
    out->state = ST_OK;
    switch (o->kind) {
    case OBS_ABSENT:
        set_state(out, ST_MISSING, "no environment at %s", d->env->path);
        plan_missing(out, d, py);
        break;
    case OBS_EMPTY_DIR:
        set_state(out, ST_MISSING, "%s is an empty directory", d->env->path);
        plan_missing(out, d, py);
        break;
    case OBS_FOREIGN:
        set_state(out, ST_FOREIGN, "%s is %s, not a virtual environment; venvsync will not touch it",
                  d->env->path, o->foreign_why ? o->foreign_why : "not a virtual environment");
        add_action(out, ACT_REFUSE, NULL, NULL, "move it away or set another `path:` in the manifest");
        break;
    case OBS_VENV:
        plan_venv(out, d, o, py);
        break;
    }
    if (o->stale_staging && o->kind != OBS_FOREIGN) {
        char n[32];
        snprintf(n, sizeof n, "%zu", o->stale_staging);
        add_action(out, ACT_CLEANUP, NULL, n, "leftovers of an interrupted run");
    }
}

void env_plan_free(env_plan_t *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->nactions; i++) {
        free(p->actions[i].package);
        free(p->actions[i].from);
        free(p->actions[i].to);
        free(p->actions[i].reason);
    }
    free(p->actions);
    free(p->name);
    free(p->path);
    free(p->reason);
    free(p->python);
    memset(p, 0, sizeof(*p));
}

/* ---- outside a sync: remove, copy, prune ------------------------------------------------ */

static void start(env_plan_t *out, const char *path)
{
    memset(out, 0, sizeof(*out));
    out->path = xstrdup(path);
    out->name = xstrdup(path);
}

void plan_delete(const observed_env_t *o, const char *why, bool force, env_plan_t *out)
{
    start(out, o->path);
    switch (o->kind) {
    case OBS_ABSENT:
        set_state(out, ST_MISSING, "%s does not exist", o->path);
        return;
    case OBS_VENV:
        if (o->user_files && !force) {
            set_state(out, ST_FOREIGN, "%s holds files that are not part of the environment: %s",
                      o->path, o->user_files_text);
            add_action(out, ACT_REFUSE, NULL, NULL, "move them away, or pass --force to delete "
                       "them with the environment");
            return;
        }
        add_action(out, ACT_DELETE, o->path, NULL, "%s%s%s", why,
                   o->user_files ? "; with your files " : "",
                   o->user_files ? o->user_files_text : "");
        return;
    case OBS_EMPTY_DIR:
    case OBS_FOREIGN:
        set_state(out, ST_FOREIGN, "refusing to remove %s: it is %s, not a virtual environment",
                  o->path, o->kind == OBS_EMPTY_DIR ? "an empty directory" : o->foreign_why);
        add_action(out, ACT_REFUSE, NULL, NULL, "only a directory holding pyvenv.cfg is removed");
        return;
    }
}

void plan_copy_to(const observed_env_t *src, const observed_env_t *dst, env_plan_t *out)
{
    start(out, dst->path);
    if (src->kind != OBS_VENV) {
        set_state(out, ST_FOREIGN, "%s is not a virtual environment (no pyvenv.cfg)", src->path);
        add_action(out, ACT_REFUSE, NULL, NULL, "only an environment can be copied");
    } else if (dst->kind != OBS_ABSENT && dst->kind != OBS_EMPTY_DIR) {
        set_state(out, ST_FOREIGN, "%s already exists", dst->path);
        add_action(out, ACT_REFUSE, NULL, NULL, "copy only writes a new path");
    } else if (path_is_within(dst->path, src->path) || path_is_within(src->path, dst->path)) {
        set_state(out, ST_FOREIGN, "%s and %s overlap", src->path, dst->path);
        add_action(out, ACT_REFUSE, NULL, NULL, "a copy cannot contain its source");
    } else {
        set_state(out, ST_MISSING, "a new copy of %s", src->path);
        add_action(out, ACT_COPY, src->path, dst->path, "relocated copy of %s", src->path);
    }
}

bool plan_is_orphan(const observed_env_t *o, bool named)
{
    return !named && o->kind == OBS_VENV && o->by_venvsync;
}
