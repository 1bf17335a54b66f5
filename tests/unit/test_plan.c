/* The planner is pure: every state and transition, without touching the disk. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers" /* rows omit `source` */
#include <criterion/criterion.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "plan/plan.h"
#include "python/request.h"
#include "util/buf.h"
#include "util/strv.h"
#include "util/xalloc.h"
#include "venv/activators.h"

#define ENV_PATH "/proj/.venv"
#define PY311 "/usr/bin/python3.11"

static mf_env_t env;
static interp_t py311, py311b, py312;

static void make_interp(interp_t *p, const char *path, int major, int minor, int micro)
{
    memset(p, 0, sizeof(*p));
    p->path = xstrdup(path);
    p->realpath = xstrdup(path);
    p->implementation = xstrdup("cpython");
    p->version = xasprintf("%d.%d.%d", major, minor, micro);
    p->major = major;
    p->minor = minor;
    p->micro = micro;
    p->exe_name = xstrdup(strrchr(path, '/') + 1);
    p->venv_capable = true;
}

static void setup(void)
{
    memset(&env, 0, sizeof(env));
    env.name = "dev";
    env.path = ENV_PATH;
    env.prompt = "dev";
    env.exact = true;
    env.upgrade = UPGRADE_MINOR;
    make_interp(&py311, PY311, 3, 11, 2);
    make_interp(&py311b, "/opt/py/bin/python3.11", 3, 11, 9);
    make_interp(&py312, "/usr/bin/python3.12", 3, 12, 1);
}

static void free_interp_fields(interp_t *p)
{
    free(p->path);
    free(p->realpath);
    free(p->implementation);
    free(p->version);
    free(p->exe_name);
}

static void teardown(void)
{
    free_interp_fields(&py311);
    free_interp_fields(&py311b);
    free_interp_fields(&py312);
}

/* An observation of a healthy environment venvsync wrote for env with python 3.11.2. */
static void healthy(observed_env_t *o)
{
    memset(o, 0, sizeof(*o));
    o->path = ENV_PATH;
    o->kind = OBS_VENV;
    o->by_venvsync = true;
    o->version = "3.11.2";
    o->implementation = "cpython";
    o->prompt = "dev";
    o->recorded_path = ENV_PATH;
    o->recorded_python = PY311;
    o->recorded_python_id = "1:2:3:4:5";
    o->link_target = PY311;
    o->python_real = PY311;
    o->recorded_python_present = true;
    o->recorded_python_same = true;
    o->site_packages_present = true;
    o->nactivators = activator_count();
    o->activators = xcalloc(o->nactivators, sizeof(char *));
    activator_vars_t v = {ENV_PATH, "dev", "bin"};
    for (size_t i = 0; i < o->nactivators; i++) {
        buf_t b = BUF_INIT;
        activator_render(i, &v, &b);
        o->activators[i] = buf_detach(&b);
    }
}

static void drop(observed_env_t *o)
{
    for (size_t i = 0; i < o->nactivators; i++)
        free(o->activators[i]);
    free(o->activators);
}

static pyreq_t *req(const char *text)
{
    pyreq_t *r = NULL;
    char *why = NULL;
    cr_assert(pyreq_parse(text, &r, &why), "request %s: %s", text, why ? why : "");
    return r;
}

static size_t count_kind(const env_plan_t *p, action_kind_t k)
{
    size_t n = 0;
    for (size_t i = 0; i < p->nactions; i++)
        n += p->actions[i].kind == k;
    return n;
}

TestSuite(plan, .init = setup, .fini = teardown);

Test(plan, absent_is_missing_and_needs_an_interpreter)
{
    observed_env_t o = {.path = ENV_PATH, .kind = OBS_ABSENT};
    desired_env_t d = {.env = &env};
    env_plan_t p;
    plan_env(&d, &o, NULL, &p);
    cr_assert_eq(p.state, ST_MISSING);
    cr_assert_eq(p.python_need, NEED_REQUEST);
    cr_assert_eq(p.nactions, 0, "no interpreter yet, so no create action");
    cr_assert(!env_plan_is_noop(&p));
    env_plan_free(&p);

    plan_env(&d, &o, &py311, &p);
    cr_assert_eq(p.state, ST_MISSING);
    cr_assert_eq(p.nactions, 1);
    cr_assert_eq(p.actions[0].kind, ACT_CREATE);
    cr_assert(strstr(p.actions[0].to, PY311), "create names the interpreter: %s", p.actions[0].to);
    cr_assert_eq(action_sigil(ACT_CREATE), '+');
    env_plan_free(&p);
}

Test(plan, empty_directory_is_missing)
{
    observed_env_t o = {.path = ENV_PATH, .kind = OBS_EMPTY_DIR};
    desired_env_t d = {.env = &env};
    env_plan_t p;
    plan_env(&d, &o, &py311, &p);
    cr_assert_eq(p.state, ST_MISSING);
    cr_assert_eq(p.actions[0].kind, ACT_CREATE);
    env_plan_free(&p);
}

Test(plan, foreign_is_refused_and_needs_nothing)
{
    observed_env_t o = {.path = ENV_PATH, .kind = OBS_FOREIGN, .foreign_why = "a regular file"};
    desired_env_t d = {.env = &env};
    env_plan_t p;
    plan_env(&d, &o, &py311, &p);
    cr_assert_eq(p.state, ST_FOREIGN);
    cr_assert_eq(p.python_need, NEED_NONE);
    cr_assert_eq(p.nactions, 1);
    cr_assert_eq(p.actions[0].kind, ACT_REFUSE);
    cr_assert(strstr(p.reason, "a regular file"));
    cr_assert_str_eq(env_state_name(p.state), "foreign");
    env_plan_free(&p);
}

Test(plan, healthy_environment_is_a_noop_without_python)
{
    observed_env_t o;
    healthy(&o);
    pyreq_t *r = req("3.11");
    desired_env_t d = {.env = &env, .request = r};
    env_plan_t p;
    plan_env(&d, &o, NULL, &p);
    cr_assert_eq(p.state, ST_OK, "state %s: %s", env_state_name(p.state), p.reason);
    cr_assert_eq(p.nactions, 0);
    cr_assert_eq(p.python_need, NEED_NONE);
    cr_assert(env_plan_is_noop(&p));
    cr_assert(strstr(p.python, "3.11.2"));
    env_plan_free(&p);
    pyreq_free(r);
    drop(&o);
}

Test(plan, request_not_satisfied_is_wrong_python_and_recreates)
{
    observed_env_t o;
    healthy(&o);
    pyreq_t *r = req(">=3.12");
    desired_env_t d = {.env = &env, .request = r};
    env_plan_t p;
    plan_env(&d, &o, NULL, &p);
    cr_assert_eq(p.state, ST_WRONG_PYTHON);
    cr_assert_eq(p.python_need, NEED_REQUEST);
    cr_assert(strstr(p.reason, ">=3.12"), "reason names the request: %s", p.reason);
    env_plan_free(&p);
    plan_env(&d, &o, &py312, &p);
    cr_assert_eq(p.nactions, 1);
    cr_assert_eq(p.actions[0].kind, ACT_RECREATE);
    cr_assert(strstr(p.actions[0].to, "3.12.1"));
    env_plan_free(&p);
    pyreq_free(r);
    drop(&o);
}

Test(plan, vanished_interpreter_relinks_to_the_same_minor)
{
    observed_env_t o;
    healthy(&o);
    o.recorded_python_present = false;
    o.recorded_python_same = false;
    o.python_real = NULL;
    desired_env_t d = {.env = &env};
    env_plan_t p;
    plan_env(&d, &o, NULL, &p);
    cr_assert_eq(p.state, ST_BROKEN);
    cr_assert_eq(p.python_need, NEED_SAME_MINOR);
    cr_assert_eq(p.need_major, 3);
    cr_assert_eq(p.need_minor, 11);
    cr_assert(strstr(p.reason, "gone"), "%s", p.reason);
    env_plan_free(&p);

    plan_env(&d, &o, &py311b, &p);
    cr_assert_eq(p.state, ST_BROKEN);
    cr_assert_eq(count_kind(&p, ACT_RELINK), 1);
    cr_assert_eq(count_kind(&p, ACT_RECREATE), 0);
    cr_assert_str_eq(p.actions[0].from, PY311);
    cr_assert(strstr(p.actions[0].to, "/opt/py/bin/python3.11"));
    env_plan_free(&p);
    drop(&o);
}

Test(plan, vanished_interpreter_without_same_minor_recreates)
{
    observed_env_t o;
    healthy(&o);
    o.recorded_python_present = false;
    o.recorded_python_same = false;
    desired_env_t d = {.env = &env};
    env_plan_t p;
    plan_env(&d, &o, &py312, &p);
    cr_assert_eq(p.state, ST_BROKEN);
    cr_assert_eq(count_kind(&p, ACT_RECREATE), 1);
    cr_assert(strstr(p.reason, "reinstalled"), "says packages are reinstalled: %s", p.reason);
    env_plan_free(&p);
    drop(&o);
}

Test(plan, changed_interpreter_with_upgrade_exact_recreates)
{
    observed_env_t o;
    healthy(&o);
    o.recorded_python_same = false; /* present, but another build */
    env.upgrade = UPGRADE_EXACT;
    desired_env_t d = {.env = &env};
    env_plan_t p;
    plan_env(&d, &o, NULL, &p);
    cr_assert_eq(p.state, ST_BROKEN);
    cr_assert_eq(p.python_need, NEED_REQUEST);
    env_plan_free(&p);
    plan_env(&d, &o, &py311b, &p);
    cr_assert_eq(count_kind(&p, ACT_RECREATE), 1);
    cr_assert_eq(count_kind(&p, ACT_RELINK), 0);
    env_plan_free(&p);
    drop(&o);
}

Test(plan, moved_environment_is_relocated)
{
    observed_env_t o;
    healthy(&o);
    o.recorded_path = "/old/place/.venv";
    desired_env_t d = {.env = &env};
    env_plan_t p;
    plan_env(&d, &o, NULL, &p);
    cr_assert_eq(p.state, ST_MOVED);
    cr_assert_eq(p.python_need, NEED_NONE);
    cr_assert_eq(count_kind(&p, ACT_RELOCATE), 1);
    cr_assert_str_eq(p.actions[0].from, "/old/place/.venv");
    cr_assert_str_eq(p.actions[0].to, ENV_PATH);
    cr_assert_eq(count_kind(&p, ACT_WRITE_ACTIVATOR), 0, "relocation rewrites activators itself");
    env_plan_free(&p);
    drop(&o);
}

Test(plan, changed_prompt_rewrites_cfg_and_activators)
{
    observed_env_t o;
    healthy(&o);
    env.prompt = "newprompt";
    desired_env_t d = {.env = &env};
    env_plan_t p;
    plan_env(&d, &o, NULL, &p);
    cr_assert_eq(p.state, ST_DRIFTED);
    cr_assert_eq(p.python_need, NEED_NONE);
    cr_assert_eq(count_kind(&p, ACT_WRITE_CFG), 1);
    cr_assert_str_eq(p.actions[0].from, "dev");
    cr_assert_str_eq(p.actions[0].to, "newprompt");
    cr_assert_eq(count_kind(&p, ACT_WRITE_ACTIVATOR), activator_count(),
                 "every activator embeds the prompt");
    env_plan_free(&p);
    drop(&o);
}

Test(plan, system_site_packages_flip_rewrites_cfg_only)
{
    observed_env_t o;
    healthy(&o);
    env.system_site_packages = true;
    desired_env_t d = {.env = &env};
    env_plan_t p;
    plan_env(&d, &o, NULL, &p);
    cr_assert_eq(p.state, ST_DRIFTED);
    cr_assert_eq(p.nactions, 1);
    cr_assert_eq(p.actions[0].kind, ACT_WRITE_CFG);
    cr_assert_str_eq(p.actions[0].to, "true");
    env_plan_free(&p);
    drop(&o);
}

Test(plan, missing_and_edited_activators_are_rewritten)
{
    observed_env_t o;
    healthy(&o);
    free(o.activators[0]);
    o.activators[0] = NULL;
    free(o.activators[1]);
    o.activators[1] = xstrdup("# edited by hand\n");
    desired_env_t d = {.env = &env};
    env_plan_t p;
    plan_env(&d, &o, NULL, &p);
    cr_assert_eq(p.state, ST_DRIFTED);
    cr_assert_eq(count_kind(&p, ACT_WRITE_ACTIVATOR), 2);
    cr_assert_str_eq(p.actions[0].reason, "missing");
    cr_assert(strstr(p.actions[0].to, activator_name(0)));
    cr_assert(strstr(p.actions[1].to, activator_name(1)));
    env_plan_free(&p);
    drop(&o);
}

Test(plan, environment_from_python_venv_is_adopted)
{
    observed_env_t o;
    healthy(&o);
    o.by_venvsync = false;
    o.recorded_path = NULL;
    o.recorded_python = NULL;
    o.recorded_python_id = NULL;
    desired_env_t d = {.env = &env};
    env_plan_t p;
    plan_env(&d, &o, NULL, &p);
    cr_assert_eq(p.state, ST_DRIFTED);
    cr_assert_eq(p.python_need, NEED_OWN);
    cr_assert_eq(count_kind(&p, ACT_WRITE_CFG), 1);
    env_plan_free(&p);
    drop(&o);
}

Test(plan, environment_from_python_venv_that_moved_is_relocated_and_adopted)
{
    observed_env_t o;
    healthy(&o);
    o.by_venvsync = false;
    o.recorded_path = NULL;
    o.recorded_python = NULL;
    o.recorded_python_id = NULL;
    o.activate_path = "/old/place/.venv";
    desired_env_t d = {.env = &env};
    env_plan_t p;
    plan_env(&d, &o, NULL, &p);
    cr_assert_eq(p.state, ST_MOVED, "moved outranks 'not written by venvsync'");
    cr_assert_eq(count_kind(&p, ACT_RELOCATE), 1);
    cr_assert_str_eq(p.actions[0].from, "/old/place/.venv");
    cr_assert_str_eq(p.actions[0].to, ENV_PATH);
    cr_assert_eq(count_kind(&p, ACT_WRITE_CFG), 1);
    cr_assert_eq(p.python_need, NEED_OWN);
    env_plan_free(&p);
    /* venvsync's own record wins over what an activator says */
    o.by_venvsync = true;
    o.recorded_path = ENV_PATH;
    o.recorded_python = PY311;
    o.recorded_python_id = "1:2:3:4:5";
    plan_env(&d, &o, NULL, &p);
    cr_assert_neq(p.state, ST_MOVED);
    env_plan_free(&p);
    o.activate_path = NULL;
    drop(&o);
}

Test(plan, half_written_environment_is_broken)
{
    observed_env_t o;
    healthy(&o);
    o.site_packages_present = false;
    desired_env_t d = {.env = &env};
    env_plan_t p;
    plan_env(&d, &o, &py311, &p);
    cr_assert_eq(p.state, ST_BROKEN);
    cr_assert(strstr(p.reason, "half-written"));
    cr_assert_eq(count_kind(&p, ACT_RECREATE), 1);
    env_plan_free(&p);

    o.site_packages_present = true;
    o.version = NULL;
    plan_env(&d, &o, &py311, &p);
    cr_assert_eq(p.state, ST_BROKEN);
    cr_assert_eq(count_kind(&p, ACT_RECREATE), 1);
    env_plan_free(&p);
    drop(&o);
}

Test(plan, wrong_python_outranks_drift)
{
    observed_env_t o;
    healthy(&o);
    env.prompt = "other";
    o.recorded_path = "/elsewhere";
    pyreq_t *r = req("3.12");
    desired_env_t d = {.env = &env, .request = r};
    env_plan_t p;
    plan_env(&d, &o, &py312, &p);
    cr_assert_eq(p.state, ST_WRONG_PYTHON);
    cr_assert_eq(p.nactions, 1, "recreation subsumes every in-place fix");
    env_plan_free(&p);
    pyreq_free(r);
    drop(&o);
}

Test(plan, names_are_stable)
{
    cr_assert_str_eq(env_state_name(ST_WRONG_PYTHON), "wrong-python");
    cr_assert_str_eq(env_state_name(ST_MOVED), "moved");
    cr_assert_str_eq(action_kind_name(ACT_WRITE_ACTIVATOR), "write-activator");
    cr_assert_str_eq(action_kind_name(ACT_RELINK), "relink");
}

Test(plan, path_request_compares_real_paths)
{
    observed_env_t o;
    healthy(&o);
    pyreq_t *r = req("/usr/bin/python3");
    desired_env_t d = {.env = &env, .request = r, .request_real = PY311};
    env_plan_t p;
    plan_env(&d, &o, NULL, &p);
    cr_assert_eq(p.state, ST_OK, "python3 -> python3.11 is the recorded interpreter: %s", p.reason);
    env_plan_free(&p);
    d.request_real = "/usr/bin/python3.12";
    plan_env(&d, &o, NULL, &p);
    cr_assert_eq(p.state, ST_WRONG_PYTHON);
    env_plan_free(&p);
    d.request_real = NULL; /* the requested executable does not exist: broken, not "wrong" */
    plan_env(&d, &o, NULL, &p);
    cr_assert_eq(p.state, ST_BROKEN);
    cr_assert_eq(p.python_need, NEED_REQUEST);
    env_plan_free(&p);
    pyreq_free(r);
    drop(&o);
}

static void add_dist(observed_env_t *o, const char *name, const char *version)
{
    dist_list_t *l = &o->dists;
    l->items = xrealloc(l->items, (l->n + 1) * sizeof(dist_t));
    char *key = xstrdup(name);
    for (char *c = key; *c; c++)
        *c = (*c == '_' || *c == '.') ? '-' : (char)tolower((unsigned char)*c);
    size_t at = l->n; /* keep the list sorted by key, as installed_scan does */
    while (at > 0 && strcmp(l->items[at - 1].key, key) > 0)
        at--;
    memmove(&l->items[at + 1], &l->items[at], (l->n - at) * sizeof(dist_t));
    l->items[at] = (dist_t){xstrdup(name), key, xstrdup(version),
                            xasprintf("%s-%s.dist-info", name, version), NULL, 0};
    l->n++;
    o->ndists = l->n;
}

static const char *action_of(const env_plan_t *p, action_kind_t k, const char *pkg)
{
    for (size_t i = 0; i < p->nactions; i++)
        if (p->actions[i].kind == k && p->actions[i].package && strcmp(p->actions[i].package, pkg) == 0)
            return p->actions[i].reason;
    return NULL;
}

Test(plan, a_local_project_is_rebuilt_only_when_its_build_inputs_change)
{
    observed_env_t o;
    healthy(&o);
    add_dist(&o, "proj", "0.3.dev1");
    const char *src = "file:///work/proj editable 0123abcd";
    pkg_want_t wants[] = {{"proj", "proj", NULL, "venv.yaml:7:14", src}};
    desired_env_t d = {.env = &env, .wants = wants, .nwants = 1, .packages_known = true};
    env_plan_t p;
    /* installed by someone else (no source recorded): rebuilt */
    plan_env(&d, &o, NULL, &p);
    cr_assert_str_eq(action_of(&p, ACT_REINSTALL, "proj"), "not built from this project by venvsync");
    cr_assert_eq(p.nactions, 1);
    env_plan_free(&p);
    /* the same build: nothing to do, whatever its version */
    o.dists.items[0].source = xstrdup(src);
    plan_env(&d, &o, NULL, &p);
    cr_assert(env_plan_is_noop(&p), "state %s", env_state_name(p.state));
    env_plan_free(&p);
    /* build inputs changed (another fingerprint), or editable -> wheel: rebuilt */
    wants[0].source = "file:///work/proj editable 99999999";
    plan_env(&d, &o, NULL, &p);
    cr_assert(strstr(action_of(&p, ACT_REINSTALL, "proj"), "build inputs changed"));
    env_plan_free(&p);
    /* damaged files: reinstalled */
    wants[0].source = src;
    o.dists.items[0].damage = xstrdup("proj/__init__.py: modified");
    plan_env(&d, &o, NULL, &p);
    cr_assert_str_eq(action_of(&p, ACT_REINSTALL, "proj"), "proj/__init__.py: modified");
    env_plan_free(&p);
    /* not installed: installed, with no version to show */
    observed_env_t empty;
    healthy(&empty);
    plan_env(&d, &empty, NULL, &p);
    cr_assert_not_null(action_of(&p, ACT_INSTALL, "proj"));
    cr_assert_null(p.actions[0].to);
    env_plan_free(&p);
    drop(&empty);
    dist_list_free(&o.dists);
    drop(&o);
}

Test(plan, packages_are_installed_upgraded_downgraded_and_removed)
{
    observed_env_t o;
    healthy(&o);
    add_dist(&o, "attrs", "23.1.0");     /* wanted, same version (spelled differently) */
    add_dist(&o, "idna", "3.4");         /* wanted newer */
    add_dist(&o, "requests", "2.32.3");  /* wanted older */
    add_dist(&o, "six", "1.16.0");       /* not wanted */
    pkg_want_t wants[] = {
        {"attrs", "attrs", "23.1", "venv.yaml:5"},
        {"idna", "idna", "3.7", "venv.yaml:6"},
        {"requests", "Requests", "2.31.0", "req.txt:1"},
        {"urllib3", "urllib3", "2.2.1", "req.txt:2"},
    };
    desired_env_t d = {.env = &env, .wants = wants, .nwants = 4, .packages_known = true};
    env_plan_t p;
    plan_env(&d, &o, NULL, &p);
    cr_assert_eq(p.state, ST_DRIFTED);
    cr_assert_eq(p.python_need, NEED_NONE, "package changes need no interpreter discovery");
    cr_assert_null(action_of(&p, ACT_INSTALL, "attrs"), "23.1 == 23.1.0: nothing to do");
    cr_assert_not_null(action_of(&p, ACT_UPGRADE, "idna"));
    cr_assert_not_null(action_of(&p, ACT_DOWNGRADE, "Requests"));
    cr_assert(strstr(action_of(&p, ACT_INSTALL, "urllib3"), "req.txt:2"), "the reason names the pin's origin");
    cr_assert_not_null(action_of(&p, ACT_REMOVE, "six"));
    cr_assert_eq(p.nactions, 4);
    cr_assert_eq(action_sigil(ACT_REMOVE), '-');
    env_plan_free(&p);

    env.exact = false;
    plan_env(&d, &o, NULL, &p);
    cr_assert_null(action_of(&p, ACT_REMOVE, "six"), "exact: false keeps unlisted packages");
    cr_assert_eq(p.nactions, 3);
    env_plan_free(&p);

    /* everything in place: a no-op */
    pkg_want_t same[] = {{"attrs", "attrs", "23.1.0", NULL}, {"idna", "idna", "3.4", NULL},
                         {"requests", "requests", "2.32.3", NULL}, {"six", "six", "1.16.0", NULL}};
    desired_env_t d2 = {.env = &env, .wants = same, .nwants = 4, .packages_known = true};
    env.exact = true;
    plan_env(&d2, &o, NULL, &p);
    cr_assert(env_plan_is_noop(&p), "state %s", env_state_name(p.state));
    env_plan_free(&p);

    /* packages not known (not computed): never compared */
    desired_env_t d3 = {.env = &env};
    plan_env(&d3, &o, NULL, &p);
    cr_assert(env_plan_is_noop(&p));
    env_plan_free(&p);
    dist_list_free(&o.dists);
    drop(&o);
}

Test(plan, new_and_recreated_environments_get_every_package)
{
    pkg_want_t wants[] = {{"idna", "idna", "3.7", NULL}, {"six", "six", "1.16.0", NULL}};
    desired_env_t d = {.env = &env, .wants = wants, .nwants = 2, .packages_known = true};
    observed_env_t absent = {.path = ENV_PATH, .kind = OBS_ABSENT};
    env_plan_t p;
    plan_env(&d, &absent, &py311, &p);
    cr_assert_eq(p.nactions, 3);
    cr_assert_eq(p.actions[0].kind, ACT_CREATE);
    cr_assert_eq(p.actions[1].kind, ACT_INSTALL);
    cr_assert_eq(p.actions[2].kind, ACT_INSTALL);
    env_plan_free(&p);

    observed_env_t o;
    healthy(&o);
    add_dist(&o, "six", "1.16.0");
    pyreq_t *r = req("3.12");
    d.request = r;
    plan_env(&d, &o, &py312, &p);
    cr_assert_eq(p.state, ST_WRONG_PYTHON);
    cr_assert_eq(p.actions[0].kind, ACT_RECREATE);
    cr_assert_eq(count_kind(&p, ACT_INSTALL), 2, "a recreated environment starts empty");
    cr_assert_eq(count_kind(&p, ACT_REMOVE), 0);
    env_plan_free(&p);
    pyreq_free(r);
    dist_list_free(&o.dists);
    drop(&o);
}

Test(plan, copy_from_copies_then_syncs_packages_on_top)
{
    observed_env_t src;
    healthy(&src);
    src.path = "/proj/.venvs/dev";
    add_dist(&src, "six", "1.16.0");
    add_dist(&src, "pytest", "8.0.0");
    env.copy_from = "dev";
    pkg_want_t wants[] = {{"six", "six", "1.16.0", NULL}, {"sphinx", "sphinx", "7.4.7", NULL}};
    desired_env_t d = {.env = &env, .copy_src = &src, .wants = wants, .nwants = 2, .packages_known = true};
    observed_env_t absent = {.path = ENV_PATH, .kind = OBS_ABSENT};
    env_plan_t p;
    plan_env(&d, &absent, NULL, &p);
    cr_assert_eq(p.state, ST_MISSING);
    cr_assert_eq(p.python_need, NEED_NONE, "a copy needs no interpreter discovery");
    cr_assert_eq(p.actions[0].kind, ACT_COPY);
    cr_assert_str_eq(p.actions[0].from, "/proj/.venvs/dev");
    cr_assert_not_null(action_of(&p, ACT_INSTALL, "sphinx"));
    cr_assert_not_null(action_of(&p, ACT_REMOVE, "pytest"), "exact: what dev has beyond docs' list goes");
    cr_assert_null(action_of(&p, ACT_INSTALL, "six"));
    env_plan_free(&p);

    /* a broken source is not copied */
    src.recorded_python_present = false;
    plan_env(&d, &absent, &py311, &p);
    cr_assert_eq(p.actions[0].kind, ACT_CREATE);
    cr_assert(strstr(p.actions[0].reason, "copy-from dev"), "%s", p.actions[0].reason);
    env_plan_free(&p);
    env.copy_from = NULL;
    dist_list_free(&src.dists);
    drop(&src);
}

Test(plan, damaged_packages_are_reinstalled)
{
    observed_env_t o;
    healthy(&o);
    add_dist(&o, "six", "1.16.0");
    o.dists.items[0].damage = xstrdup("six.py: modified");
    pkg_want_t wants[] = {{"six", "six", "1.16.0", NULL}};
    desired_env_t d = {.env = &env, .wants = wants, .nwants = 1, .packages_known = true};
    env_plan_t p;
    plan_env(&d, &o, NULL, &p);
    cr_assert_eq(p.state, ST_DRIFTED);
    cr_assert_str_eq(action_of(&p, ACT_REINSTALL, "six"), "six.py: modified");
    env_plan_free(&p);
    dist_list_free(&o.dists);
    drop(&o);
}

/* A .dist-info without RECORD or METADATA (an interrupted install) is damaged: reinstalled when
 * wanted at that version, its reason naming the folder and what it lacks. */
Test(plan, a_dist_info_missing_record_or_metadata_is_reinstalled)
{
    observed_env_t o;
    healthy(&o);
    add_dist(&o, "six", "1.16.0");
    add_dist(&o, "idna", "3.7");
    o.dists.items[1].missing = DIST_MISSING_RECORD;           /* six */
    o.dists.items[0].missing = DIST_MISSING_METADATA;         /* idna */
    pkg_want_t wants[] = {{"idna", "idna", "3.7", NULL}, {"six", "six", "1.16.0", NULL}};
    desired_env_t d = {.env = &env, .wants = wants, .nwants = 2, .packages_known = true};
    env_plan_t p;
    plan_env(&d, &o, NULL, &p);
    cr_assert_eq(p.state, ST_DRIFTED);
    cr_assert(env_plan_is_drift(&p), "check reports it");
    cr_assert_eq(p.python_need, NEED_NONE);
    cr_assert_eq(p.nactions, 2);
    const char *r = action_of(&p, ACT_REINSTALL, "six");
    cr_assert_not_null(r);
    cr_assert(strstr(r, "six-1.16.0.dist-info has no RECORD"), "%s", r);
    r = action_of(&p, ACT_REINSTALL, "idna");
    cr_assert_not_null(r);
    cr_assert(strstr(r, "idna-3.7.dist-info has no METADATA"), "%s", r);
    env_plan_free(&p);

    /* both missing, and damage found by a verification too: one reinstall */
    o.dists.items[1].missing = DIST_MISSING_METADATA | DIST_MISSING_RECORD;
    o.dists.items[1].damage = xstrdup("six.py: modified");
    plan_env(&d, &o, NULL, &p);
    cr_assert_eq(count_kind(&p, ACT_REINSTALL), 2);
    r = action_of(&p, ACT_REINSTALL, "six");
    cr_assert(strstr(r, "no METADATA and no RECORD"), "%s", r);
    env_plan_free(&p);
    dist_list_free(&o.dists);
    drop(&o);
}

/* Wanted at another version: the upgrade or downgrade says it is damaged; unwanted with exact:
 * removed; unwanted without exact: not the manifest's, left alone. */
Test(plan, a_damaged_dist_info_at_another_version_or_unwanted)
{
    observed_env_t o;
    healthy(&o);
    add_dist(&o, "attrs", "23.1.0");
    add_dist(&o, "idna", "3.4");
    add_dist(&o, "zope", "1.0");
    for (size_t i = 0; i < 3; i++)
        o.dists.items[i].missing = DIST_MISSING_RECORD;
    pkg_want_t wants[] = {{"attrs", "attrs", "22.0", "venv.yaml:3"},
                          {"idna", "idna", "3.7", "venv.yaml:4"}};
    desired_env_t d = {.env = &env, .wants = wants, .nwants = 2, .packages_known = true};
    env_plan_t p;
    plan_env(&d, &o, NULL, &p);
    const char *r = action_of(&p, ACT_UPGRADE, "idna");
    cr_assert_not_null(r);
    cr_assert(strstr(r, "venv.yaml:4") && strstr(r, "idna-3.4.dist-info has no RECORD"), "%s", r);
    r = action_of(&p, ACT_DOWNGRADE, "attrs");
    cr_assert(r && strstr(r, "attrs-23.1.0.dist-info has no RECORD"), "%s", r);
    r = action_of(&p, ACT_REMOVE, "zope");
    cr_assert(r && strstr(r, "exact") && strstr(r, "zope-1.0.dist-info has no RECORD"), "%s", r);
    cr_assert_eq(count_kind(&p, ACT_REINSTALL), 0);
    env_plan_free(&p);

    env.exact = false;
    plan_env(&d, &o, NULL, &p);
    cr_assert_null(action_of(&p, ACT_REMOVE, "zope"));
    cr_assert_null(action_of(&p, ACT_REINSTALL, "zope"), "not the manifest's package");
    cr_assert_eq(p.nactions, 2);
    env_plan_free(&p);

    /* packages not managed: never looked at */
    desired_env_t d2 = {.env = &env};
    plan_env(&d2, &o, NULL, &p);
    cr_assert(env_plan_is_noop(&p));
    env_plan_free(&p);
    dist_list_free(&o.dists);
    drop(&o);
}

static void add_leftover(observed_env_t *o, const char *name)
{
    strv_push(&o->dists.leftovers, &o->dists.nleftovers, NULL, xstrdup(name));
}

/* A temporary dist-info a killed run left: a cleanup before any other package action, and drift
 * (check reports it), even when every wanted package is there. */
Test(plan, leftover_temporary_dist_infos_are_cleaned_up_first)
{
    observed_env_t o;
    healthy(&o);
    add_dist(&o, "six", "1.16.0");
    add_leftover(&o, ".idna-3.7.dist-info.venvsync-tmp-AbC123");
    add_leftover(&o, ".six-1.15.0.dist-info.venvsync-tmp-x1y2z3");
    pkg_want_t wants[] = {{"six", "six", "1.16.0", NULL}};
    desired_env_t d = {.env = &env, .wants = wants, .nwants = 1, .packages_known = true};
    env_plan_t p;
    plan_env(&d, &o, NULL, &p);
    cr_assert_eq(p.state, ST_DRIFTED);
    cr_assert(env_plan_is_drift(&p));
    cr_assert_not(env_plan_is_noop(&p));
    cr_assert_eq(p.nactions, 2);
    cr_assert_eq(p.actions[0].kind, ACT_CLEANUP);
    cr_assert_str_eq(p.actions[0].package, ".idna-3.7.dist-info.venvsync-tmp-AbC123");
    cr_assert_str_eq(p.actions[1].package, ".six-1.15.0.dist-info.venvsync-tmp-x1y2z3");
    cr_assert(strstr(p.actions[0].reason, "killed"), "%s", p.actions[0].reason);
    cr_assert_eq(action_sigil(p.actions[0].kind), '-');
    env_plan_free(&p);

    /* with other package work: the cleanups come first */
    pkg_want_t more[] = {{"idna", "idna", "3.7", NULL}, {"six", "six", "1.16.0", NULL}};
    desired_env_t d2 = {.env = &env, .wants = more, .nwants = 2, .packages_known = true};
    plan_env(&d2, &o, NULL, &p);
    cr_assert_eq(p.nactions, 3);
    cr_assert_eq(p.actions[0].kind, ACT_CLEANUP);
    cr_assert_eq(p.actions[1].kind, ACT_CLEANUP);
    cr_assert_eq(p.actions[2].kind, ACT_INSTALL);
    env_plan_free(&p);

    /* packages not managed: left alone */
    desired_env_t d3 = {.env = &env};
    plan_env(&d3, &o, NULL, &p);
    cr_assert(env_plan_is_noop(&p));
    env_plan_free(&p);

    /* recreated: the new tree has none, so no cleanup of them */
    pyreq_t *r = req("3.12");
    desired_env_t d4 = {.env = &env, .request = r, .wants = wants, .nwants = 1,
                        .packages_known = true};
    plan_env(&d4, &o, &py312, &p);
    cr_assert_eq(p.actions[0].kind, ACT_RECREATE);
    cr_assert_eq(count_kind(&p, ACT_CLEANUP), 0);
    env_plan_free(&p);
    pyreq_free(r);
    dist_list_free(&o.dists);
    drop(&o);
}

/* copy-from copies the source's tree, leftovers and all: the copy cleans them up. */
Test(plan, a_copy_cleans_up_the_leftovers_it_copies)
{
    observed_env_t src;
    healthy(&src);
    src.path = "/proj/.venvs/dev";
    add_dist(&src, "six", "1.16.0");
    src.dists.items[0].missing = DIST_MISSING_RECORD;
    add_leftover(&src, ".idna-3.7.dist-info.venvsync-tmp-AbC123");
    env.copy_from = "dev";
    pkg_want_t wants[] = {{"six", "six", "1.16.0", NULL}};
    desired_env_t d = {.env = &env, .copy_src = &src, .wants = wants, .nwants = 1,
                       .packages_known = true};
    observed_env_t absent = {.path = ENV_PATH, .kind = OBS_ABSENT};
    env_plan_t p;
    plan_env(&d, &absent, NULL, &p);
    cr_assert_eq(p.actions[0].kind, ACT_COPY);
    cr_assert_eq(p.actions[1].kind, ACT_CLEANUP);
    cr_assert_not_null(action_of(&p, ACT_REINSTALL, "six"));
    env_plan_free(&p);
    env.copy_from = NULL;
    dist_list_free(&src.dists);
    drop(&src);
}

/* A recreation reinstalls everything anyway; its reason still names the damaged package. */
Test(plan, a_missing_record_is_reported_when_the_environment_is_recreated_anyway)
{
    observed_env_t o;
    healthy(&o);
    o.recorded_python_present = false;
    o.recorded_python_same = false;
    o.python_real = NULL;
    add_dist(&o, "werkzeug", "3.1.3");
    o.dists.items[0].missing = DIST_MISSING_RECORD;
    desired_env_t d = {.env = &env};
    env_plan_t p;
    plan_env(&d, &o, NULL, &p);
    cr_assert_eq(p.state, ST_BROKEN);
    cr_assert(strstr(p.reason, "werkzeug 3.1.3: damaged: werkzeug-3.1.3.dist-info has no RECORD"),
              "%s", p.reason);
    env_plan_free(&p);
    dist_list_free(&o.dists);
    drop(&o);
}

/* python-downloads: automatic, nothing matches: the plan downloads, then builds with it. */
Test(plan, missing_environment_downloads_a_python_then_creates)
{
    observed_env_t o = {.path = ENV_PATH, .kind = OBS_ABSENT};
    pyreq_t *r = req("3.14");
    mf_item_t pin = {.value = "six==1.16.0"};
    env.packages = &pin;
    env.npackages = 1;
    desired_env_t d = {.env = &env, .request = r, .python_download = true};
    env_plan_t p;
    plan_env(&d, &o, NULL, &p);
    cr_assert_eq(p.state, ST_MISSING);
    cr_assert_eq(p.python_need, NEED_REQUEST);
    cr_assert_eq(p.nactions, 2);
    cr_assert_eq(p.actions[0].kind, ACT_DOWNLOAD_PYTHON);
    cr_assert_str_eq(p.actions[0].to, "3.14");
    cr_assert(strstr(p.actions[0].reason, "python-downloads: automatic"), "%s",
              p.actions[0].reason);
    cr_assert_eq(p.actions[1].kind, ACT_CREATE);
    cr_assert(strstr(p.actions[1].reason, "packages are planned once"), "%s", p.actions[1].reason);
    cr_assert(strstr(p.python, "to be downloaded"), "%s", p.python);
    cr_assert(env_plan_downloads_python(&p));
    cr_assert_str_eq(action_kind_name(ACT_DOWNLOAD_PYTHON), "download-python");
    cr_assert_eq(action_sigil(ACT_DOWNLOAD_PYTHON), '+');
    env_plan_free(&p);

    /* copy-from with nothing to copy: built fresh, with the download */
    env.copy_from = "base";
    plan_env(&d, &o, NULL, &p);
    cr_assert_eq(p.actions[1].kind, ACT_CREATE);
    cr_assert(strstr(p.actions[1].reason, "copy-from base") &&
              strstr(p.actions[1].reason, "downloaded Python"), "%s", p.actions[1].reason);
    env_plan_free(&p);
    env.copy_from = NULL;

    /* once the download is there, the same desire plans as usual */
    plan_env(&d, &o, &py312, &p);
    cr_assert(!env_plan_downloads_python(&p));
    cr_assert_eq(p.actions[0].kind, ACT_CREATE);
    env_plan_free(&p);
    env.packages = NULL;
    env.npackages = 0;
    pyreq_free(r);
}

Test(plan, wrong_python_and_vanished_interpreter_download_then_recreate)
{
    observed_env_t o;
    healthy(&o);
    pyreq_t *r = req("3.14");
    desired_env_t d = {.env = &env, .request = r, .python_download = true};
    env_plan_t p;
    plan_env(&d, &o, NULL, &p);
    cr_assert_eq(p.state, ST_WRONG_PYTHON);
    cr_assert_eq(p.nactions, 2);
    cr_assert_eq(p.actions[0].kind, ACT_DOWNLOAD_PYTHON);
    cr_assert_eq(p.actions[1].kind, ACT_RECREATE);
    cr_assert(!strstr(p.actions[1].reason, "packages are planned"), "no packages: %s",
              p.actions[1].reason);
    env_plan_free(&p);
    pyreq_free(r);

    /* the interpreter is gone and no other 3.11 is here: download one for the request */
    o.recorded_python_present = false;
    o.recorded_python_same = false;
    o.python_real = NULL;
    r = req("3.11");
    d.request = r;
    plan_env(&d, &o, NULL, &p);
    cr_assert_eq(p.state, ST_BROKEN);
    cr_assert_eq(count_kind(&p, ACT_DOWNLOAD_PYTHON), 1);
    cr_assert_eq(count_kind(&p, ACT_RECREATE), 1);
    cr_assert(strstr(p.reason, "no other 3.11"), "%s", p.reason);
    env_plan_free(&p);

    /* without the policy, the plan waits for an interpreter as before */
    d.python_download = false;
    plan_env(&d, &o, NULL, &p);
    cr_assert_eq(p.nactions, 0);
    cr_assert(!env_plan_downloads_python(&p));
    env_plan_free(&p);
    pyreq_free(r);
    drop(&o);
}

/* ---- outside a sync: remove, copy, prune ---- */

Test(plan, delete_an_environment_refuses_anything_else)
{
    observed_env_t o;
    healthy(&o);
    env_plan_t p;
    plan_delete(&o, "asked for", false, &p);
    cr_assert_eq(p.nactions, 1);
    cr_assert_eq(p.actions[0].kind, ACT_DELETE);
    cr_assert_str_eq(p.actions[0].reason, "asked for");
    cr_assert_eq(action_sigil(ACT_DELETE), '-');
    env_plan_free(&p);
    drop(&o);
    observed_env_t f = {.path = ENV_PATH, .kind = OBS_FOREIGN, .foreign_why = "a symbolic link"};
    plan_delete(&f, "asked for", false, &p);
    cr_assert_eq(p.state, ST_FOREIGN);
    cr_assert_eq(count_kind(&p, ACT_REFUSE), 1);
    cr_assert_eq(count_kind(&p, ACT_DELETE), 0);
    cr_assert(strstr(p.reason, "a symbolic link, not a virtual environment"), "%s", p.reason);
    env_plan_free(&p);
    observed_env_t e = {.path = ENV_PATH, .kind = OBS_EMPTY_DIR};
    plan_delete(&e, "x", false, &p);
    cr_assert_eq(count_kind(&p, ACT_REFUSE), 1, "an empty directory is not an environment");
    env_plan_free(&p);
    observed_env_t a = {.path = ENV_PATH, .kind = OBS_ABSENT};
    plan_delete(&a, "x", false, &p);
    cr_assert_eq(p.state, ST_MISSING);
    cr_assert_eq(p.nactions, 0);
    env_plan_free(&p);
}

Test(plan, copy_needs_an_environment_a_new_path_and_no_overlap)
{
    observed_env_t src;
    healthy(&src);
    observed_env_t dst = {.path = "/elsewhere/copy", .kind = OBS_ABSENT};
    env_plan_t p;
    plan_copy_to(&src, &dst, &p);
    cr_assert_eq(p.nactions, 1);
    cr_assert_eq(p.actions[0].kind, ACT_COPY);
    cr_assert_str_eq(p.actions[0].to, "/elsewhere/copy");
    env_plan_free(&p);
    dst.kind = OBS_EMPTY_DIR;
    plan_copy_to(&src, &dst, &p);
    cr_assert_eq(p.actions[0].kind, ACT_COPY, "an empty directory is fine");
    env_plan_free(&p);
    dst.kind = OBS_FOREIGN;
    plan_copy_to(&src, &dst, &p);
    cr_assert_eq(p.actions[0].kind, ACT_REFUSE);
    cr_assert(strstr(p.reason, "already exists"), "%s", p.reason);
    env_plan_free(&p);
    observed_env_t inside = {.path = ENV_PATH "/sub", .kind = OBS_ABSENT};
    plan_copy_to(&src, &inside, &p);
    cr_assert_eq(p.actions[0].kind, ACT_REFUSE);
    cr_assert(strstr(p.reason, "overlap"), "%s", p.reason);
    env_plan_free(&p);
    drop(&src);
    observed_env_t notenv = {.path = "/x", .kind = OBS_FOREIGN, .foreign_why = "a regular file"};
    plan_copy_to(&notenv, &dst, &p);
    cr_assert_eq(p.actions[0].kind, ACT_REFUSE);
    env_plan_free(&p);
}

Test(plan, orphans_are_venvsyncs_own_unnamed_environments)
{
    observed_env_t o;
    healthy(&o);
    o.by_venvsync = true;
    cr_assert(plan_is_orphan(&o, false));
    cr_assert(!plan_is_orphan(&o, true), "the manifest names it");
    o.by_venvsync = false;
    cr_assert(!plan_is_orphan(&o, false), "another tool wrote it");
    drop(&o);
    observed_env_t f = {.path = ENV_PATH, .kind = OBS_FOREIGN};
    cr_assert(!plan_is_orphan(&f, false));
}

/* Messages say what is wrong (issue: a deleted bin/python was "interpreter changed", a deleted
 * interpreter named by path was "wrong-python: has X, asks for X"). */
Test(plan, deleted_bin_python_says_so_and_relinks)
{
    observed_env_t o;
    healthy(&o);
    o.link_target = NULL;
    o.python_real = NULL;
    o.recorded_python_same = false; /* observe cannot confirm the link */
    desired_env_t d = {.env = &env};
    env_plan_t p;
    plan_env(&d, &o, &py311, &p);
    cr_assert_eq(p.state, ST_BROKEN);
    cr_assert(strstr(p.reason, "bin/python is missing"), "%s", p.reason);
    cr_assert_null(strstr(p.reason, "changed"), "%s", p.reason);
    cr_assert_eq(count_kind(&p, ACT_RELINK), 1);
    env_plan_free(&p);
    drop(&o);
}

Test(plan, deleted_interpreter_named_by_path_is_not_wrong_python)
{
    observed_env_t o;
    healthy(&o);
    pyreq_t *r = req(PY311);
    desired_env_t d = {.env = &env, .request = r, .request_real = NULL};
    env_plan_t p;
    plan_env(&d, &o, NULL, &p);
    cr_assert_eq(p.state, ST_BROKEN);
    cr_assert(strstr(p.reason, "does not exist"), "%s", p.reason);
    cr_assert(strstr(p.reason, PY311), "%s", p.reason);
    env_plan_free(&p);
    pyreq_free(r);
    drop(&o);
}

/* check --deep on a broken environment still names the files that differ from their RECORD. */
Test(plan, damage_is_reported_when_the_environment_is_recreated_anyway)
{
    observed_env_t o;
    healthy(&o);
    o.recorded_python_present = false;
    o.recorded_python_same = false;
    o.python_real = NULL;
    add_dist(&o, "werkzeug", "3.1.3");
    o.dists.items[0].damage = xstrdup("werkzeug/__init__.py is missing");
    desired_env_t d = {.env = &env};
    env_plan_t p;
    plan_env(&d, &o, NULL, &p);
    cr_assert_eq(p.state, ST_BROKEN);
    cr_assert(strstr(p.reason, "werkzeug 3.1.3: werkzeug/__init__.py is missing"), "%s", p.reason);
    env_plan_free(&p);
    free(o.dists.items[0].damage);
    o.dists.items[0].damage = NULL;
    dist_list_free(&o.dists);
    drop(&o);
}
