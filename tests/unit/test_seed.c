/* seed: which environments get pip (the manifest's `seed` and its default), where the bundled
 * pip wheel is looked for, and how the planner seeds (`+ seed pip X.Y`, never removed by exact).
 * Also the manifest's new keys `seed` and `link-mode`. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"
#include "fetch/seed.h"
#include "manifest/manifest.h"
#include "plan/plan.h"
#include "util/buf.h"
#include "util/path.h"
#include "util/strv.h"
#include "util/xalloc.h"
#include "venv/activators.h"

#define F "/proj/venv.yaml"

static manifest_t *parse(const char *text)
{
    manifest_t *m = NULL;
    err_t *e = manifest_parse(text, strlen(text), F, support_env(), &m);
    if (e)
        cr_assert_fail("manifest did not parse: %s", e->msg);
    return m;
}

static char *parse_error(const char *text)
{
    manifest_t *m = NULL;
    err_t *e = manifest_parse(text, strlen(text), F, support_env(), &m);
    cr_assert_not_null(e, "expected an error for:\n%s", text);
    cr_assert_null(m);
    cr_assert_eq(e->exit_code, EXIT_USAGE);
    cr_assert_null(e->next, "one error expected, also: %s", e->next ? e->next->msg : "");
    char *msg = xstrdup(e->msg);
    err_free(e);
    return msg;
}

/* ---- manifest keys ------------------------------------------------------------------------ */

Test(seed_manifest, seed_key_is_a_boolean_and_unset_by_default)
{
    manifest_t *m = parse("version: 1\nenvironments:\n  a:\n  b: {seed: true}\n"
                          "  c: {seed: false}\n");
    cr_assert_eq(manifest_env(m, "a")->seed, SEED_UNSET);
    cr_assert_eq(manifest_env(m, "b")->seed, SEED_ON);
    cr_assert_eq(manifest_env(m, "c")->seed, SEED_OFF);
    manifest_free(m);
}

Test(seed_manifest, seed_yes_is_refused)
{
    char *msg = parse_error("version: 1\nenvironments:\n  a: {seed: yes}\n");
    cr_assert(strstr(msg, "venv.yaml:3:13:") && strstr(msg, "'seed' in environment 'a'") &&
              strstr(msg, "must be true or false"), "%s", msg);
    free(msg);
}

Test(seed_manifest, link_mode_per_environment_and_inherited)
{
    manifest_t *m = parse("version: 1\nlink-mode: copy\nenvironments:\n  a:\n"
                          "  b: {link-mode: hardlink}\n  c: {link-mode: symlink}\n"
                          "  d: {link-mode: clone}\n");
    cr_assert_eq(m->link_mode, LINK_MODE_COPY);
    cr_assert_eq(manifest_env(m, "a")->link_mode, LINK_MODE_COPY);
    cr_assert_eq(manifest_env(m, "b")->link_mode, LINK_MODE_HARDLINK);
    cr_assert_eq(manifest_env(m, "c")->link_mode, LINK_MODE_SYMLINK);
    cr_assert_eq(manifest_env(m, "d")->link_mode, LINK_MODE_CLONE);
    manifest_free(m);
    m = parse("version: 1\nenvironments:\n  a:\n");
    cr_assert_eq(manifest_env(m, "a")->link_mode, LINK_MODE_DEFAULT);
    manifest_free(m);
}

Test(seed_manifest, link_mode_misspelt_gets_a_suggestion)
{
    char *msg = parse_error("version: 1\nenvironments:\n  a:\n    link-mode: hardlnk\n");
    cr_assert_str_eq(msg, "/proj/venv.yaml:4:16: 'link-mode' in environment 'a' must be clone, "
                          "hardlink, copy or symlink, not 'hardlnk' (did you mean 'hardlink'?)");
    free(msg);
    msg = parse_error("version: 1\nlink-mode: 3\nenvironments: {}\n");
    cr_assert(strstr(msg, "'link-mode' must be clone, hardlink, copy or symlink, not '3'"), "%s",
              msg);
    free(msg);
}

Test(seed_manifest, link_mode_words)
{
    mf_link_mode_t m = LINK_MODE_DEFAULT;
    cr_assert(manifest_link_mode_parse("symlink", &m));
    cr_assert_eq(m, LINK_MODE_SYMLINK);
    cr_assert_not(manifest_link_mode_parse("Symlink", &m));
    cr_assert_not(manifest_link_mode_parse("default", &m));
    cr_assert_not(manifest_link_mode_parse("", &m));
    cr_assert_not(manifest_link_mode_parse(NULL, &m));
    cr_assert_str_eq(manifest_link_mode_name(LINK_MODE_HARDLINK), "hardlink");
    cr_assert_str_eq(manifest_link_mode_name(LINK_MODE_DEFAULT), "default");
}

/* ---- seed_wanted -------------------------------------------------------------------------- */

Test(seed, wanted_only_when_nothing_is_declared_unless_said)
{
    manifest_t *m = parse("version: 1\nenvironments:\n"
                          "  bare:\n"
                          "  pkgs: {packages: [a==1]}\n"
                          "  empty: {packages: []}\n"
                          "  reqs: {requirements: []}\n"
                          "  on: {packages: [a==1], seed: true}\n"
                          "  off: {seed: false}\n"
                          "  copy-of-pkgs: {copy-from: pkgs}\n"
                          "  copy-of-bare: {copy-from: bare}\n");
    cr_assert(seed_wanted(m, manifest_env(m, "bare")));
    cr_assert_not(seed_wanted(m, manifest_env(m, "pkgs")));
    cr_assert_not(seed_wanted(m, manifest_env(m, "empty")), "packages: [] is exactly nothing");
    cr_assert_not(seed_wanted(m, manifest_env(m, "reqs")));
    cr_assert(seed_wanted(m, manifest_env(m, "on")));
    cr_assert_not(seed_wanted(m, manifest_env(m, "off")));
    cr_assert_not(seed_wanted(m, manifest_env(m, "copy-of-pkgs")),
                  "a copy keeps its source's packages");
    cr_assert(seed_wanted(m, manifest_env(m, "copy-of-bare")));
    manifest_free(m);
}

/* ---- where the wheel is looked for -------------------------------------------------------- */

static interp_t fake_py(const char *base, const char *impl, int major, int minor, bool ft,
                        const char *platlibdir)
{
    interp_t py = support_debian311();
    py.implementation = (char *)impl;
    py.major = major;
    py.minor = minor;
    py.freethreaded = ft;
    py.base_prefix = (char *)base;
    py.platlibdir = (char *)platlibdir;
    py.path = (char *)"/x/bin/python3";
    py.realpath = (char *)"/x/bin/python3";
    py.version = (char *)"3.11.2";
    return py;
}

static char *joined(char **v)
{
    buf_t b = BUF_INIT;
    for (size_t i = 0; v[i]; i++)
        buf_printf(&b, "%s%s", i ? "|" : "", v[i]);
    strv_free(v);
    return buf_detach(&b);
}

Test(seed, bundle_dirs_cpython_lib64_and_debian)
{
    interp_t py = fake_py("/usr", "cpython", 3, 11, false, "lib64");
    char *s = joined(seed_bundle_dirs(&py, "/usr/share/python-wheels"));
    cr_assert_str_eq(s, "/usr/lib64/python3.11/ensurepip/_bundled|"
                        "/usr/lib/python3.11/ensurepip/_bundled|/usr/share/python-wheels");
    free(s);
}

Test(seed, bundle_dirs_no_system_wheels_outside_usr)
{
    interp_t py = fake_py("/opt/py", "cpython", 3, 13, true, "lib");
    char *s = joined(seed_bundle_dirs(&py, "/usr/share/python-wheels"));
    cr_assert_str_eq(s, "/opt/py/lib/python3.13t/ensurepip/_bundled");
    free(s);
}

Test(seed, bundle_dirs_pypy)
{
    interp_t py = fake_py("/opt/pypy", "pypy", 3, 10, false, "lib");
    char *s = joined(seed_bundle_dirs(&py, NULL));
    cr_assert_str_eq(s, "/opt/pypy/lib/pypy3.10/ensurepip/_bundled|"
                        "/opt/pypy/lib-python/3/ensurepip/_bundled");
    free(s);
}

Test(seed, bundle_dirs_without_base_prefix_use_the_executable)
{
    interp_t py = fake_py(NULL, "cpython", 3, 12, false, NULL);
    py.realpath = (char *)"/opt/py312/bin/python3.12";
    char *s = joined(seed_bundle_dirs(&py, NULL));
    cr_assert_str_eq(s, "/opt/py312/lib/python3.12/ensurepip/_bundled");
    free(s);
}

Test(seed, find_takes_the_newest_pip_of_the_bundle)
{
    char *dir = support_tmpdir("seed");
    const char *b = "lib/python3.12/ensurepip/_bundled/";
    char *names[] = {"pip-9.0.1-py2.py3-none-any.whl", "pip-24.2-py3-none-any.whl",
                     "pip-23.10-py3-none-any.whl", "setuptools-99.0-py3-none-any.whl",
                     "pip-junk.whl", "pipx-99.0-py3-none-any.whl", NULL};
    for (size_t i = 0; names[i]; i++) {
        char *rel = xasprintf("%s%s", b, names[i]);
        free(support_write(dir, rel, "x"));
        free(rel);
    }
    interp_t py = fake_py(dir, "cpython", 3, 12, false, "lib");
    seed_t *s = NULL;
    err_t *e = seed_find(&py, NULL, &s);
    cr_assert_null(e, "%s", e ? e->msg : "");
    char *want = xasprintf("%s/%spip-24.2-py3-none-any.whl", dir, b);
    cr_assert_str_eq(s->wheel, want);
    cr_assert_str_eq(s->want.key, "pip");
    cr_assert_str_eq(s->want.name, "pip");
    cr_assert_str_eq(s->want.version, "24.2");
    cr_assert(s->want.requested);
    cr_assert_null(s->want.extras[0]);
    cr_assert_null(s->want.hashes[0]);
    cr_assert_null(s->want.path_or_url);
    cr_assert(strstr(s->want.origin, "ensurepip bundle") && strstr(s->want.origin, want), "%s",
              s->want.origin);
    cr_assert_str_eq(s->interp, "/x/bin/python3");
    free(want);
    seed_free(s);
    support_tmpdir_free(dir);
}

Test(seed, find_uses_debian_python_wheels_for_the_system_python)
{
    char *dir = support_tmpdir("seedsys");
    free(support_write(dir, "pip-23.0.1-py3-none-any.whl", "x"));
    free(support_write(dir, "wheel-0.38.4-py3-none-any.whl", "x"));
    /* 3.99 so that no real /usr/lib/python3.99 bundle is found first */
    interp_t py = fake_py("/usr", "cpython", 3, 99, false, "lib");
    seed_t *s = NULL;
    err_t *e = seed_find(&py, dir, &s);
    cr_assert_null(e, "%s", e ? e->msg : "");
    cr_assert_str_eq(s->want.version, "23.0.1");
    cr_assert(strstr(s->want.origin, "Debian's python-wheels"), "%s", s->want.origin);
    seed_free(s);
    support_tmpdir_free(dir);
}

Test(seed, find_says_where_it_looked_and_what_to_do)
{
    char *dir = support_tmpdir("seednone");
    interp_t py = fake_py("/usr", "cpython", 3, 99, false, "lib");
    seed_t *s = (seed_t *)0x1;
    err_t *e = seed_find(&py, dir, &s);
    cr_assert_not_null(e);
    cr_assert_null(s);
    cr_assert_eq(e->exit_code, EXIT_USAGE);
    char *want = xasprintf("seed: no pip wheel to seed the environment with: cpython 3.11.2 "
                           "(/x/bin/python3) bundles none for ensurepip (looked in "
                           "/usr/lib/python3.99/ensurepip/_bundled and %s)", dir);
    cr_assert_str_eq(e->msg, want);
    cr_assert(strstr(e->hint, "python3-venv") && strstr(e->hint, "seed: false"), "%s", e->hint);
    free(want);
    err_free(e);
    /* not a system Python: no word about Debian */
    py.base_prefix = dir;
    e = seed_find(&py, dir, &s);
    cr_assert_not_null(e);
    cr_assert_null(strstr(e->hint, "python3-venv"), "%s", e->hint);
    cr_assert(strstr(e->hint, "seed: false"));
    err_free(e);
    support_tmpdir_free(dir);
}

/* ---- the planner -------------------------------------------------------------------------- */

#define ENV_PATH "/proj/.venv"
#define PY "/usr/bin/python3.11"

static mf_env_t env;
static interp_t py311;
static const pkg_want_t pip_seed = {.key = "pip", .name = "pip", .version = "24.2",
                                    .origin = "from the bundle"};
static const pkg_want_t pip_unknown = {.key = "pip", .name = "pip"};

static void plan_setup(void)
{
    memset(&env, 0, sizeof(env));
    env.name = "dev";
    env.path = ENV_PATH;
    env.prompt = "dev";
    env.exact = true;
    env.upgrade = UPGRADE_MINOR;
    memset(&py311, 0, sizeof(py311));
    py311.path = py311.realpath = (char *)PY;
    py311.implementation = (char *)"cpython";
    py311.version = (char *)"3.11.2";
    py311.major = 3;
    py311.minor = 11;
    py311.micro = 2;
    py311.exe_name = (char *)"python3.11";
    py311.venv_capable = true;
}

static void healthy(observed_env_t *o, const char *const *dists)
{
    memset(o, 0, sizeof(*o));
    o->path = ENV_PATH;
    o->kind = OBS_VENV;
    o->by_venvsync = true;
    o->version = "3.11.2";
    o->implementation = "cpython";
    o->prompt = "dev";
    o->recorded_path = ENV_PATH;
    o->recorded_python = PY;
    o->link_target = PY;
    o->python_real = PY;
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
    size_t n = 0;
    while (dists && dists[n])
        n += 2;
    o->dists.items = xcalloc(n / 2 + 1, sizeof(dist_t));
    for (size_t i = 0; i < n; i += 2)
        o->dists.items[o->dists.n++] = (dist_t){.name = (char *)dists[i], .key = (char *)dists[i],
                                                .version = (char *)dists[i + 1]};
    o->ndists = o->dists.n;
}

static void drop(observed_env_t *o)
{
    for (size_t i = 0; i < o->nactivators; i++)
        free(o->activators[i]);
    free(o->activators);
    free(o->dists.items);
}

/* The plan's actions as "kind package to" lines. */
static char *actions(const env_plan_t *p)
{
    buf_t b = BUF_INIT;
    for (size_t i = 0; i < p->nactions; i++)
        buf_printf(&b, "%s%s%s%s%s%s", i ? "\n" : "", action_kind_name(p->actions[i].kind),
                   p->actions[i].package ? " " : "",
                   p->actions[i].package ? p->actions[i].package : "",
                   p->actions[i].package && p->actions[i].to ? " " : "",
                   p->actions[i].package && p->actions[i].to ? p->actions[i].to : "");
    return buf_detach(&b);
}

TestSuite(seed_plan, .init = plan_setup);

Test(seed_plan, a_new_environment_is_created_then_seeded)
{
    observed_env_t o = {.path = ENV_PATH, .kind = OBS_ABSENT};
    desired_env_t d = {.env = &env, .seeds = &pip_seed, .nseeds = 1};
    env_plan_t p;
    plan_env(&d, &o, &py311, &p);
    char *a = actions(&p);
    cr_assert_str_eq(a, "create\nseed pip 24.2");
    cr_assert_str_eq(p.actions[1].reason, "from the bundle");
    cr_assert_eq(action_sigil(ACT_SEED), '+');
    cr_assert_str_eq(action_kind_name(ACT_SEED), "seed");
    free(a);
    env_plan_free(&p);
}

Test(seed_plan, before_an_interpreter_is_known_nothing_is_seeded)
{
    observed_env_t o = {.path = ENV_PATH, .kind = OBS_ABSENT};
    desired_env_t d = {.env = &env, .seeds = &pip_seed, .nseeds = 1};
    env_plan_t p;
    plan_env(&d, &o, NULL, &p);
    cr_assert_eq(p.nactions, 0);
    cr_assert_eq(p.python_need, NEED_REQUEST);
    env_plan_free(&p);
}

Test(seed_plan, an_environment_with_pip_is_ok)
{
    const char *have[] = {"pip", "23.0.1", NULL};
    observed_env_t o;
    healthy(&o, have);
    desired_env_t d = {.env = &env, .seeds = &pip_unknown, .nseeds = 1};
    env_plan_t p;
    plan_env(&d, &o, NULL, &p);
    cr_assert(env_plan_is_noop(&p), "%s", p.reason ? p.reason : "");
    cr_assert_eq(p.python_need, NEED_NONE);
    env_plan_free(&p);
    drop(&o);
}

Test(seed_plan, an_environment_without_pip_drifts_and_is_seeded_in_place)
{
    observed_env_t o;
    healthy(&o, NULL);
    desired_env_t d = {.env = &env, .seeds = &pip_seed, .nseeds = 1};
    env_plan_t p;
    plan_env(&d, &o, NULL, &p);
    cr_assert_eq(p.state, ST_DRIFTED);
    cr_assert_str_eq(p.reason, "pip is not seeded");
    char *a = actions(&p);
    cr_assert_str_eq(a, "seed pip 24.2");
    cr_assert_eq(p.python_need, NEED_NONE, "seeding an existing environment starts no Python");
    free(a);
    env_plan_free(&p);
    drop(&o);
}

Test(seed_plan, unknown_version_plans_nothing)
{
    observed_env_t o;
    healthy(&o, NULL);
    desired_env_t d = {.env = &env, .seeds = &pip_unknown, .nseeds = 1};
    env_plan_t p;
    plan_env(&d, &o, NULL, &p);
    cr_assert(env_plan_is_noop(&p));
    env_plan_free(&p);
    drop(&o);
}

Test(seed_plan, exact_keeps_what_was_seeded)
{
    const char *have[] = {"pip", "23.0.1", "requests", "2.0", NULL};
    observed_env_t o;
    healthy(&o, have);
    desired_env_t d = {.env = &env, .manages_packages = true, .packages_known = true,
                       .seeds = &pip_unknown, .nseeds = 1};
    env_plan_t p;
    plan_env(&d, &o, NULL, &p);
    char *a = actions(&p);
    cr_assert_str_eq(a, "remove requests", "pip stays: %s", a);
    free(a);
    env_plan_free(&p);
    /* not seeded: exact removes pip like anything else */
    d.seeds = NULL;
    d.nseeds = 0;
    plan_env(&d, &o, NULL, &p);
    a = actions(&p);
    cr_assert_str_eq(a, "remove pip\nremove requests");
    cr_assert_str_eq(p.actions[0].reason, "not in the manifest (exact: true; `seed: true` keeps "
                                          "pip)");
    free(a);
    env_plan_free(&p);
    drop(&o);
}

Test(seed_plan, a_listed_pip_is_installed_not_seeded)
{
    observed_env_t o = {.path = ENV_PATH, .kind = OBS_ABSENT};
    pkg_want_t w = {.key = "pip", .name = "pip", .version = "25.0", .origin = "venv.yaml:5:9"};
    desired_env_t d = {.env = &env, .manages_packages = true, .packages_known = true,
                       .wants = &w, .nwants = 1, .seeds = &pip_seed, .nseeds = 1};
    env_plan_t p;
    plan_env(&d, &o, &py311, &p);
    char *a = actions(&p);
    cr_assert_str_eq(a, "create\ninstall pip 25.0");
    free(a);
    env_plan_free(&p);
}

Test(seed_plan, a_recreated_environment_is_seeded_again)
{
    const char *have[] = {"pip", "23.0.1", "six", "1.0", NULL};
    observed_env_t o;
    healthy(&o, have);
    o.version = "3.10.1";
    char *why = NULL;
    pyreq_t *r = NULL;
    cr_assert(pyreq_parse("3.11", &r, &why));
    desired_env_t d = {.env = &env, .request = r, .seeds = &pip_seed, .nseeds = 1};
    env_plan_t p;
    plan_env(&d, &o, &py311, &p);
    char *a = actions(&p);
    cr_assert_str_eq(a, "recreate\nseed pip 24.2");
    cr_assert(strstr(p.actions[0].reason, "(six 1.0)"), "pip is not lost, six is: %s",
              p.actions[0].reason);
    free(a);
    env_plan_free(&p);
    pyreq_free(r);
    drop(&o);
}

Test(seed_plan, a_copy_is_seeded_only_when_its_source_lacks_pip)
{
    observed_env_t src;
    healthy(&src, NULL);
    src.path = "/proj/.src";
    env.copy_from = "src";
    observed_env_t o = {.path = ENV_PATH, .kind = OBS_ABSENT};
    desired_env_t d = {.env = &env, .copy_src = &src, .seeds = &pip_seed, .nseeds = 1};
    env_plan_t p;
    plan_env(&d, &o, NULL, &p);
    char *a = actions(&p);
    cr_assert_str_eq(a, "copy\nseed pip 24.2");
    free(a);
    env_plan_free(&p);
    drop(&src);
    const char *have[] = {"pip", "23.0.1", NULL};
    healthy(&src, have);
    src.path = "/proj/.src";
    plan_env(&d, &o, NULL, &p);
    a = actions(&p);
    cr_assert_str_eq(a, "copy");
    free(a);
    env_plan_free(&p);
    drop(&src);
}
