/*
 * lock: resolve each selected environment that declares packages and write its PEP 751 lock,
 * pylock.<env>.toml beside venv.yaml (lock/lock.h): universal (Linux, macOS and Windows on x86-64
 * and arm64, every CPython minor the environment's request allows), keeping the versions the
 * old lock had unless told to upgrade. Changes nothing in the environments.
 */
#include <stdlib.h>
#include <string.h>

#include "cmd/common.h"
#include "pkg/name.h"
#include "util/strv.h"
#include "util/xalloc.h"

static err_t *run_lock(const cmd_ctx_t *ctx, int *status)
{
    bool upgrade = false;
    const char *packages = NULL;
    bool no_build = false, no_binary = false;
    cmd_flag_t flags[] = {{"--upgrade", &upgrade, NULL}, {"-U", &upgrade, NULL},
                          {"--upgrade-package", NULL, &packages}, {"-P", NULL, &packages},
                          {"--no-build", &no_build, NULL}, {"--no-binary", &no_binary, NULL},
                          {NULL, NULL, NULL}};
    manifest_t *m;
    engine_t en;
    err_t *e = cmd_engine_from_args(ctx, flags, &m, &en);
    if (e)
        return e;
    if ((e = cmd_build_policy(no_build, no_binary, &en))) {
        engine_free(&en);
        manifest_free(m);
        return e;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    for (const char *p = packages; p && *p;) {
        size_t len = strcspn(p, ", ");
        if (len) {
            char *raw = xstrndup(p, len);
            strv_push(&names, &n, &cap, pkg_name_normalize(raw));
            free(raw);
        }
        p += len + (p[len] ? 1 : 0);
    }
    en.lockc.upgrade_all = upgrade;
    en.lockc.upgrade = names;
    e = engine_lock(&en);
    cmd_render_engine(ctx, &en, RENDER_LOCK);
    engine_free(&en);
    manifest_free(m);
    strv_free(names);
    *status = 0;
    return e;
}

const cmd_t cmd_lock = {
    .name = "lock",
    .usage = "lock [--upgrade] [--upgrade-package N[,N...]] [--no-build|--no-binary] [ENV...]",
    .summary = "resolve and write pylock.<env>.toml (PEP 751, universal)",
    .help = "Resolves every selected environment that declares packages (all when none is named)\n"
            "for Linux, macOS and Windows on x86-64 and arm64 and every CPython minor its request\n"
            "allows, and writes pylock.<env>.toml beside venv.yaml. Versions already locked are\n"
            "kept when they still fit.\n"
            "  -U, --upgrade                 take the newest versions that fit\n"
            "  -P, --upgrade-package N[,N]   the newest versions of these packages only\n"
            "  --no-build                    wheels only: versions with only an sdist are left\n"
            "                                out (`build: never`)\n"
            "  --no-binary                   versions must have an sdist (`build: always`)\n"
            "No solution: exit 2 with the explanation, and the old lock is left as it was.\n",
    .run = run_lock,
};
