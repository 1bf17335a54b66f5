/* render_network: the -v line that says what went over the wire. */
#include <criterion/criterion.h>

#include "output/render.h"

static void check(const http_stats_t *st, const char *want)
{
    buf_t b = BUF_INIT;
    render_network(&b, st);
    cr_assert_str_eq(buf_cstr(&b), want);
    buf_free(&b);
}

Test(render, network_nothing_when_no_request)
{
    http_stats_t st = {0};
    check(&st, "");
}

Test(render, network_one_protocol)
{
    http_stats_t st = {.requests = 24, .http2 = 24, .connections = 1, .bytes = 3 * 1048576 / 2};
    check(&st, "network: 24 requests (HTTP/2) over 1 new connection, 1.5 MiB received\n");
}

Test(render, network_mixed_protocols_and_revalidations)
{
    http_stats_t st = {.requests = 5, .http1 = 2, .http2 = 3, .not_modified = 4, .connections = 2};
    check(&st, "network: 5 requests (2 HTTP/1.1, 3 HTTP/2) over 2 new connections, 4 answered "
               "304, 0.0 MiB received\n");
    http_stats_t one = {.requests = 1, .http1 = 1, .connections = 0, .bytes = 10};
    check(&one, "network: 1 request (HTTP/1.1) over 0 new connections, 0.0 MiB received\n");
}

/* ---- reports: the text and JSON people and programs see ---------------------------------- */

#include <string.h>

#include "util/jsonread.h"
#include "util/strv.h"
#include "util/xalloc.h"

static report_action_t act(action_kind_t k, const char *pkg, const char *from, const char *to,
                           const char *why)
{
    return (report_action_t){k, xstrdup(pkg), xstrdup(from), xstrdup(to), xstrdup(why)};
}

/* dev: drifted, two package actions; docs: ok; bad: failed with an error. */
static report_t sample(env_result_t dev_result)
{
    report_t r = {0};
    r.n = 3;
    r.envs = xcalloc(3, sizeof(report_env_t));
    report_env_t *dev = &r.envs[0];
    dev->name = xstrdup("dev");
    dev->path = xstrdup("/repo/.venv");
    dev->state = ST_DRIFTED;
    dev->planned = true;
    dev->reason = xstrdup("packages differ");
    dev->python = (report_python_t){xstrdup("CPython 3.11.2"), xstrdup("cpython"),
                                    xstrdup("3.11.2"), xstrdup("/usr/bin/python3.11")};
    dev->actions = xcalloc(2, sizeof(report_action_t));
    dev->nactions = 2;
    dev->actions[0] = act(ACT_INSTALL, "six", NULL, "1.17.0", "venv.yaml:7:9");
    dev->actions[1] = act(ACT_UPGRADE, "idna", "3.6", "3.10", "requirements.txt:2");
    dev->result = dev_result;
    dev->packages = 4;
    report_env_t *docs = &r.envs[1];
    docs->name = xstrdup("docs");
    docs->path = xstrdup("/elsewhere/docs");
    docs->state = ST_OK;
    docs->planned = true;
    docs->noop = true;
    docs->result = dev_result == RESULT_NONE ? RESULT_NONE : RESULT_UNCHANGED;
    docs->packages = -1;
    report_env_t *bad = &r.envs[2];
    bad->name = xstrdup("bad");
    bad->path = xstrdup("/repo/bad");
    bad->state = ST_FOREIGN;
    bad->planned = true;
    bad->reason = xstrdup("a regular file");
    strv_push(&bad->errors, NULL, NULL, xstrdup("environment 'bad': a regular file"));
    strv_push(&bad->hints, NULL, NULL, xstrdup(""));
    bad->result = dev_result == RESULT_NONE ? RESULT_NONE : RESULT_FAILED;
    bad->packages = -1;
    return r;
}

static char *text(const report_t *r, render_mode_t mode, int verbosity)
{
    render_opts_t o = {.mode = mode, .color = false, .verbosity = verbosity, .cwd = "/repo"};
    buf_t b = BUF_INIT;
    render_text(r, &o, &b);
    return buf_detach(&b);
}

Test(render, plan_text)
{
    report_t r = sample(RESULT_NONE);
    char *t = text(&r, RENDER_PLAN, 0);
    cr_assert_str_eq(t, "dev (.venv): drifted, CPython 3.11.2\n"
                        "  packages differ\n"
                        "  + install six 1.17.0: venv.yaml:7:9\n"
                        "  ~ upgrade idna 3.6 -> 3.10: requirements.txt:2\n"
                        "docs (/elsewhere/docs): ok\n"
                        "bad (bad): foreign\n"
                        "  a regular file\n"
                        "  ! error: environment 'bad': a regular file\n"
                        "3 environments: 1 to change, 1 in sync, 1 with errors\n");
    free(t);
    t = text(&r, RENDER_PLAN, -1);
    cr_assert_str_eq(t, "", "quiet prints nothing for a plan");
    free(t);
    report_free(&r);
}

Test(render, sync_and_check_summaries)
{
    report_t r = sample(RESULT_CHANGED);
    char *t = text(&r, RENDER_SYNC, 0);
    cr_assert(strstr(t, "3 environments: 1 changed, 1 already in sync, 1 failed\n"), "%s", t);
    free(t);
    report_free(&r);
    r = sample(RESULT_NONE);
    t = text(&r, RENDER_CHECK, 0);
    cr_assert(strstr(t, "2 of 3 environments out of sync\n"), "%s", t);
    free(t);
    buf_t b = BUF_INIT;
    render_oneline(&r, &b);
    cr_assert_str_eq(buf_cstr(&b), "", "nothing changed: no line");
    report_free(&r);
    r = sample(RESULT_CHANGED);
    render_oneline(&r, &b);
    cr_assert_str_eq(buf_cstr(&b), "venvsync: synced dev\n");
    buf_free(&b);
    report_free(&r);
}

Test(render, colour_only_when_asked)
{
    report_t r = sample(RESULT_NONE);
    render_opts_t o = {.mode = RENDER_PLAN, .color = true, .cwd = "/repo"};
    buf_t b = BUF_INIT;
    render_text(&r, &o, &b);
    cr_assert(strstr(buf_cstr(&b), "\033[1mdev\033[0m"), "%s", buf_cstr(&b));
    buf_free(&b);
    report_free(&r);
}

Test(render, json_is_valid_and_complete)
{
    report_t r = sample(RESULT_CHANGED);
    render_opts_t o = {.mode = RENDER_SYNC, .cwd = "/repo"};
    buf_t b = BUF_INIT;
    render_json(&r, &o, &b);
    jr_doc_t *doc = NULL;
    err_t *e = jr_parse(b.data, b.len, NULL, &doc);
    cr_assert_null(e, "%s", e ? e->msg : "");
    const jr_value_t *envs = jr_get(jr_doc_root(doc), "environments");
    const jr_value_t *dev = jr_at(envs, 0), *docs = jr_at(envs, 1), *bad = jr_at(envs, 2);
    cr_assert_str_eq(jr_str(jr_get(dev, "state")), "drifted");
    cr_assert_str_eq(jr_str(jr_get(dev, "path")), "/repo/.venv", "JSON paths stay absolute");
    cr_assert_str_eq(jr_str(jr_get(dev, "result")), "changed");
    const jr_value_t *py = jr_get(dev, "python");
    cr_assert_str_eq(jr_str(jr_get(py, "implementation")), "cpython");
    cr_assert_str_eq(jr_str(jr_get(py, "version")), "3.11.2");
    cr_assert_str_eq(jr_str(jr_get(py, "path")), "/usr/bin/python3.11");
    const jr_value_t *a1 = jr_at(jr_get(dev, "actions"), 1);
    cr_assert_str_eq(jr_str(jr_get(a1, "kind")), "upgrade");
    cr_assert_str_eq(jr_str(jr_get(a1, "from")), "3.6");
    cr_assert_str_eq(jr_str(jr_get(a1, "to")), "3.10");
    cr_assert(jr_is(jr_get(docs, "python"), JR_NULL), "unknown interpreter is null");
    cr_assert(jr_is(jr_get(docs, "reason"), JR_NULL));
    cr_assert_str_eq(jr_str(jr_get(bad, "error")), "environment 'bad': a regular file");
    cr_assert_str_eq(jr_str(jr_get(bad, "result")), "failed");
    jr_doc_free(doc);
    /* plan mode has no "result" */
    buf_reset(&b);
    o.mode = RENDER_PLAN;
    render_json(&r, &o, &b);
    cr_assert_null(strstr(buf_cstr(&b), "\"result\""), "%s", buf_cstr(&b));
    buf_free(&b);
    report_free(&r);
}

Test(render, list_table_and_json)
{
    report_t r = sample(RESULT_NONE);
    render_opts_t o = {.mode = RENDER_LIST, .cwd = "/repo"};
    buf_t b = BUF_INIT;
    render_list(&r, &o, false, &b);
    cr_assert_str_eq(buf_cstr(&b),
                     "NAME  PATH             STATE         PACKAGES  PYTHON\n"
                     "dev   .venv            drifted              4  CPython 3.11.2\n"
                     "docs  /elsewhere/docs  ok                   0  -\n"
                     "bad   bad              foreign              0  -\n");
    buf_reset(&b);
    render_list(&r, &o, true, &b);
    cr_assert(strstr(buf_cstr(&b), "\"name\":\"dev\""), "%s", buf_cstr(&b));
    cr_assert(strstr(buf_cstr(&b), "\"packages\":4"), "%s", buf_cstr(&b));
    buf_free(&b);
    report_free(&r);
}

Test(render, an_error_before_planning_is_not_shown_as_ok)
{
    report_t r = sample(RESULT_NONE);
    report_env_t *dev = &r.envs[0];
    dev->planned = false;
    dev->state = ST_OK; /* what a zeroed plan says */
    for (size_t k = 0; k < dev->nactions; k++) {
        free(dev->actions[k].package);
        free(dev->actions[k].from);
        free(dev->actions[k].to);
        free(dev->actions[k].reason);
    }
    dev->nactions = 0;
    strv_push(&dev->errors, NULL, NULL, xstrdup("requirements.txt:3: invalid requirement"));
    strv_push(&dev->hints, NULL, NULL, xstrdup(""));
    char *t = text(&r, RENDER_PLAN, 0);
    cr_assert(strstr(t, "dev (.venv): error, CPython 3.11.2\n"), "%s", t);
    cr_assert_null(strstr(t, "dev (.venv): ok"), "%s", t);
    free(t);
    render_opts_t o = {.mode = RENDER_PLAN, .cwd = "/repo"};
    buf_t b = BUF_INIT;
    render_json(&r, &o, &b);
    cr_assert(strstr(buf_cstr(&b), "\"state\":\"error\""), "%s", buf_cstr(&b));
    buf_free(&b);
    report_free(&r);
}

Test(render, lock_says_what_it_wrote_and_what_was_up_to_date)
{
    report_t r = sample(RESULT_CHANGED);
    report_env_t *dev = &r.envs[0], *docs = &r.envs[1], *bad = &r.envs[2];
    dev->lock_state = "relocked";
    dev->noop = true; /* nothing planned in a lock run */
    dev->lock_name = xstrdup("pylock.dev.toml");
    strv_push(&dev->lock_changes, NULL, NULL, xstrdup("+ idna 3.10"));
    docs->lock_state = "fresh";
    docs->lock_name = xstrdup("pylock.docs.toml");
    docs->result = RESULT_UNCHANGED;
    char *t = text(&r, RENDER_LOCK, 0);
    cr_assert(strstr(t, "dev: wrote pylock.dev.toml\n  + idna 3.10\n"), "%s", t);
    cr_assert(strstr(t, "docs: pylock.docs.toml is up to date\n"), "%s", t);
    cr_assert(strstr(t, "bad: declares no packages") == NULL, "an error is not 'no packages':\n%s", t);
    cr_assert(strstr(t, "! error: environment 'bad': a regular file"), "%s", t);
    cr_assert(strstr(t, "1 environment locked, 1 up to date, 1 failed\n"), "%s", t);
    free(t);
    /* an environment without packages is not counted as up to date */
    docs->lock_state = NULL;
    bad->errors = (strv_free(bad->errors), NULL);
    bad->result = RESULT_UNCHANGED;
    t = text(&r, RENDER_LOCK, 0);
    cr_assert(strstr(t, "docs: declares no packages, so it has no lock\n"), "%s", t);
    cr_assert(strstr(t, "1 environment locked\n"), "%s", t);
    free(t);
    report_free(&r);
}
