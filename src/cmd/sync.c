/*
 * sync: make every selected environment match the manifest: plan, then apply, and print what
 * changed. The default command.
 */
#include <stdlib.h>

#include "cmd/editing.h"

static err_t *run_sync(const cmd_ctx_t *ctx, int *status)
{
    bool oneline = false, compile = false, verify = false, locked = false, frozen = false;
    bool no_build = false, no_binary = false;
    const char *link = NULL;
    cmd_flag_t flags[] = {{"--oneline", &oneline, NULL}, {"--compile", &compile, NULL},
                          {"--verify", &verify, NULL}, {"--locked", &locked, NULL},
                          {"--frozen", &frozen, NULL}, {"--link-mode", NULL, &link},
                          {"--no-build", &no_build, NULL}, {"--no-binary", &no_binary, NULL},
                          {NULL, NULL, NULL}};
    manifest_t *m;
    engine_t en;
    err_t *e = cmd_engine_from_args(ctx, flags, &m, &en);
    if (e)
        return e;
    if ((e = cmd_link_mode(ctx, link, &en.link_mode)) ||
        (e = cmd_build_policy(no_build, no_binary, &en))) {
        engine_free(&en);
        manifest_free(m);
        return e;
    }
    en.compile = compile;
    en.verify = verify;
    en.locked = locked;
    en.frozen = frozen;
    engine_plan(&en, true);
    e = engine_apply(&en);
    cmd_render_engine(ctx, &en, oneline ? RENDER_ONELINE : RENDER_SYNC);
    engine_free(&en);
    manifest_free(m);
    *status = 0;
    return e;
}

const cmd_t cmd_sync = {
    .name = "sync",
    .usage = "sync [--oneline] [--compile] [--verify] [--locked|--frozen] [--link-mode MODE] "
             "[--no-build|--no-binary] [ENV...]",
    .summary = "make the environments match venv.yaml (the default command)",
    .help = "Observes each environment named (all when none is), plans the difference and applies it:\n"
            "creates missing environments, fixes drifted ones in place, recreates those with the wrong\n"
            "interpreter (staged beside and swapped in), repairs broken and moved ones. A path that is\n"
            "not a virtual environment is never touched (exit 2). With nothing to do, it starts no\n"
            "Python and makes no network request.\n"
            "  --oneline   print one line naming what changed, nothing when nothing did (git hooks)\n"
            "  --compile   byte-compile the packages it installs (as `compile: true` does)\n"
            "  --locked    fail (exit 2) when a lock is out of date instead of relocking (CI)\n"
            "  --frozen    install each lock as it is, even when out of date; never resolve\n"
            "  --verify    check installed files against their RECORD and reinstall what differs\n"
            "  --link-mode MODE\n"
            "              clone, hardlink, copy or symlink: how files come from the cache\n"
            "              (also VENVSYNC_LINK_MODE; overrides the manifest's `link-mode`)\n"
            "  --no-build  wheels only: never build an sdist or a project (`build: never`)\n"
            "  --no-binary build every package from its sdist (`build: always`)\n",
    .run = run_sync,
};
