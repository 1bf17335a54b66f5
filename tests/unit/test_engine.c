/* Unit tests for engine/: the stages run together on a scratch directory with Debian's python3
 * (the one interpreter every test machine has): plan, apply, report, and the operations outside
 * a sync (delete, copy, orphans). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/engine.h"
#include "support.h"
#include "util/fs.h"
#include "util/path.h"
#include "util/strv.h"
#include "util/xalloc.h"

#define PY "/usr/bin/python3"

static char *tmp;
static config_t cfg;

static void setup(void)
{
    tmp = support_tmpdir("venvsync-engine");
    memset(&cfg, 0, sizeof cfg);
    cfg.cache_dir = path_join(tmp, "cache");
}

static void teardown(void)
{
    free(cfg.cache_dir);
    support_tmpdir_free(tmp);
}

TestSuite(engine, .init = setup, .fini = teardown, .timeout = 120);

/* A manifest in tmp with the given environments block, parsed. */
static manifest_t *manifest(const char *envs)
{
    char *text = xasprintf("version: 1\npython: %s\nroot: envs\nenvironments:\n%s", PY, envs);
    char *p = support_write(tmp, "venv.yaml", text);
    manifest_t *m = NULL;
    err_t *e = manifest_load(p, support_env(), &m);
    cr_assert_null(e, "%s", e ? e->msg : "");
    free(text);
    free(p);
    return m;
}

static void need_python(void)
{
    if (access(PY, X_OK) != 0)
        cr_skip_test("no " PY);
}

static const report_env_t *env_named(const report_t *r, const char *name)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->envs[i].name, name) == 0)
            return &r->envs[i];
    cr_assert_fail("no environment %s in the report", name);
    return NULL;
}

Test(engine, plans_apply_and_report)
{
    need_python();
    manifest_t *m = manifest("  dev: {}\n  docs: {prompt: docs-env, seed: false}\n");
    engine_t en;
    cr_assert_null(engine_init(&en, m, NULL, 0, &cfg, NULL, 0));
    engine_plan(&en, true);
    report_t r;
    engine_report(&en, &r);
    cr_assert_eq(r.n, 2);
    const report_env_t *dev = env_named(&r, "dev");
    cr_assert_eq(dev->state, ST_MISSING);
    cr_assert(!dev->noop && dev->drift);
    cr_assert_eq(dev->nactions, 2, "declaring no packages, it is seeded with pip");
    cr_assert_eq(dev->actions[0].kind, ACT_CREATE);
    cr_assert_eq(dev->actions[1].kind, ACT_SEED);
    cr_assert_eq(env_named(&r, "docs")->nactions, 1);
    cr_assert_not_null(dev->python.version, "the interpreter the plan found is reported");
    cr_assert_eq(dev->packages, -1, "nothing on disk yet");
    report_free(&r);
    cr_assert_null(engine_apply(&en));
    engine_report(&en, &r);
    cr_assert_eq(env_named(&r, "dev")->result, RESULT_CHANGED);
    cr_assert_eq(env_named(&r, "docs")->result, RESULT_CHANGED);
    report_free(&r);
    engine_free(&en);
    char *cfgp = path_join(tmp, "envs/docs/pyvenv.cfg");
    cr_assert(fs_exists(cfgp));
    free(cfgp);

    /* Again: a no-op that starts no interpreter (nothing to resolve) and reports ok. */
    cr_assert_null(engine_init(&en, m, NULL, 0, &cfg, NULL, 0));
    engine_plan(&en, true);
    engine_report(&en, &r);
    for (size_t i = 0; i < r.n; i++) {
        cr_assert_eq(r.envs[i].state, ST_OK, "%s: %s", r.envs[i].name,
                     r.envs[i].reason ? r.envs[i].reason : "");
        cr_assert(r.envs[i].noop);
        cr_assert_eq(r.envs[i].packages, strcmp(r.envs[i].name, "dev") == 0 ? 1 : 0);
    }
    cr_assert(!en.discovered, "a no-op does not look for interpreters");
    report_free(&r);
    cr_assert_null(engine_apply(&en));
    engine_report(&en, &r);
    cr_assert_eq(r.envs[0].result, RESULT_UNCHANGED);
    report_free(&r);
    engine_free(&en);
    manifest_free(m);
}

Test(engine, unknown_environment_names_suggest)
{
    manifest_t *m = manifest("  dev: {}\n");
    engine_t en;
    char *names[] = {"dve"};
    err_t *e = engine_init(&en, m, names, 1, &cfg, NULL, 0);
    cr_assert_not_null(e);
    cr_assert_eq(e->exit_code, EXIT_USAGE);
    cr_assert(strstr(e->hint, "did you mean 'dev'?"), "%s", e->hint);
    err_free(e);
    manifest_free(m);
}

Test(engine, foreign_path_is_refused_and_kept)
{
    need_python();
    manifest_t *m = manifest("  dev: {path: notes.txt}\n");
    char *f = support_write(tmp, "notes.txt", "mine\n");
    engine_t en;
    cr_assert_null(engine_init(&en, m, NULL, 0, &cfg, NULL, 0));
    engine_plan(&en, true);
    err_t *e = engine_apply(&en);
    cr_assert_not_null(e);
    cr_assert_eq(e->exit_code, EXIT_USAGE);
    err_free(e);
    report_t r;
    engine_report(&en, &r);
    cr_assert_eq(r.envs[0].state, ST_FOREIGN);
    cr_assert_eq(r.envs[0].result, RESULT_FAILED);
    cr_assert_not_null(r.envs[0].errors);
    report_free(&r);
    engine_free(&en);
    buf_t b = BUF_INIT;
    cr_assert_null(fs_read(f, &b));
    cr_assert_str_eq(buf_cstr(&b), "mine\n");
    buf_free(&b);
    free(f);
    manifest_free(m);
}

Test(engine, delete_copy_and_orphans)
{
    need_python();
    manifest_t *m = manifest("  dev: {}\n  old: {}\n");
    engine_t en;
    cr_assert_null(engine_init(&en, m, NULL, 0, &cfg, NULL, 0));
    engine_plan(&en, true);
    cr_assert_null(engine_apply(&en));
    engine_free(&en);
    manifest_free(m);
    /* `old` leaves the manifest: it is an orphan; `dev` is not; a foreign dir is not. */
    m = manifest("  dev: {}\n");
    free(support_write(tmp, "envs/mine/file", "x"));
    char **orphans = NULL;
    cr_assert_null(engine_orphans(m, &orphans));
    cr_assert_eq(strv_len(orphans), 1);
    char *old = path_join(tmp, "envs/old");
    cr_assert_str_eq(orphans[0], old);
    strv_free(orphans);

    /* copy dev beside, then delete the copy; a file is refused. */
    char *dev = path_join(tmp, "envs/dev"), *cp = path_join(tmp, "copy");
    mf_env_t target = {.name = "copy", .path = cp, .prompt = "copy"};
    env_plan_t done;
    cr_assert_null(engine_copy(&cfg, NULL, dev, cp, &target, COPY_SHARE, &done));
    cr_assert_eq(done.actions[0].kind, ACT_COPY);
    env_plan_free(&done);
    err_t *e = engine_copy(&cfg, NULL, dev, cp, &target, COPY_SHARE, NULL);
    cr_assert_not_null(e, "copy writes only new paths");
    cr_assert(strstr(e->msg, "already exists"), "%s", e->msg);
    err_free(e);
    cr_assert_null(engine_plan_delete(cp, false));
    cr_assert_null(engine_delete(&cfg, NULL, cp, "test", false, &done));
    cr_assert_eq(done.actions[0].kind, ACT_DELETE);
    env_plan_free(&done);
    cr_assert(!fs_exists(cp));
    char *file = path_join(tmp, "envs/mine/file");
    e = engine_delete(&cfg, NULL, file, "test", false, NULL);
    cr_assert_not_null(e);
    cr_assert(strstr(e->msg, "not a virtual environment"), "%s", e->msg);
    err_free(e);
    cr_assert(fs_exists(file));
    free(file);
    free(old);
    free(dev);
    free(cp);
    manifest_free(m);
}
