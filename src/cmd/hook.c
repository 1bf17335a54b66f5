/*
 * hook: git hooks that sync after checkout, merge and rebase. `hook install` writes
 * post-checkout, post-merge and post-rewrite into the repository's hooks directory (honouring
 * core.hooksPath); a hook that was already there is kept as <name>.venvsync-orig and run first.
 * It is idempotent; `hook uninstall` removes venvsync's hooks and restores what was there.
 *
 * The hook prints one line when the sync changed something, nothing when it did not, reports
 * errors, and never fails the git command.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/common.h"
#include "util/fs.h"
#include "util/path.h"
#include "util/proc.h"
#include "util/shquote.h"
#include "util/xalloc.h"

#define HOOK_MARK "# venvsync-hook v1"

static const char *const hook_names[] = {"post-checkout", "post-merge", "post-rewrite", NULL};

static const char HOOK_TEMPLATE[] =
    "#!/bin/sh\n" HOOK_MARK "\n"
    "# Installed by `venvsync hook install`; `venvsync hook uninstall` restores what was here.\n"
    "# Syncs the environments of venv.yaml after git changes the work tree. It prints one line\n"
    "# when something changed, reports errors, and never fails the git command.\n"
    "status=0\n"
    "if [ -x \"$0.venvsync-orig\" ]; then\n"
    "  \"$0.venvsync-orig\" \"$@\" || status=$?\n"
    "fi\n"
    "case \"$(basename \"$0\")\" in\n"
    "  post-checkout) [ \"$3\" = 0 ] && exit $status ;;  # a file checkout changes no branch\n"
    "esac\n"
    "vs=@VENVSYNC@\n"
    "[ -x \"$vs\" ] || vs=venvsync\n"
    "command -v \"$vs\" >/dev/null 2>&1 || exit $status\n"
    "\"$vs\" --no-progress --color=never sync --oneline </dev/null 2>&1 || true\n"
    "exit $status\n";

static err_t *hooks_dir(char **out)
{
    char *argv[] = {"git", "rev-parse", "--path-format=absolute", "--git-path", "hooks", NULL};
    buf_t o = BUF_INIT, eo = BUF_INIT;
    int st = 0;
    err_t *e = proc_capture(argv, NULL, &o, &eo, &st);
    if (!e && st != 0)
        e = err_hint(err_new(EXIT_USAGE, "not in a git repository: %s", buf_cstr(&eo)),
                     "run `venvsync hook install` inside the repository");
    if (!e) {
        while (o.len && (o.data[o.len - 1] == '\n' || o.data[o.len - 1] == '\r'))
            buf_setlen(&o, o.len - 1);
        *out = buf_detach(&o);
    }
    buf_free(&o);
    buf_free(&eo);
    return e;
}

static bool is_ours(const char *path)
{
    buf_t b = BUF_INIT;
    bool ours = fs_try_read(path, &b) && strstr(buf_cstr(&b), HOOK_MARK) != NULL;
    buf_free(&b);
    return ours;
}

static err_t *install(const char *dir, FILE *out, bool verbose)
{
    err_t *e = fs_mkdirs(dir, 0755);
    if (e)
        return e;
    char *self = path_real("/proc/self/exe");
    buf_t q = BUF_INIT, script = BUF_INIT;
    shquote_sh(&q, self ? self : "venvsync");
    buf_add_replaced(&script, HOOK_TEMPLATE, "@VENVSYNC@", buf_cstr(&q));
    for (size_t i = 0; hook_names[i] && !e; i++) {
        char *p = path_join(dir, hook_names[i]);
        char *orig = xasprintf("%s.venvsync-orig", p);
        if (fs_exists(p) && !is_ours(p)) {
            if (fs_exists(orig))
                e = err_new(EXIT_USAGE, "%s exists and so does %s: resolve by hand", p, orig);
            else if (rename(p, orig) != 0)
                e = err_sys(EXIT_APPLY, errno, "keeping %s as %s", p, orig);
            else if (verbose)
                fprintf(out, "kept the existing %s as %s (it runs first)\n", hook_names[i], orig);
        }
        if (!e)
            e = fs_write_atomic(p, script.data, script.len, 0755);
        free(orig);
        free(p);
    }
    if (!e && verbose)
        fprintf(out, "installed post-checkout, post-merge and post-rewrite hooks in %s\n", dir);
    buf_free(&q);
    buf_free(&script);
    free(self);
    return e;
}

static err_t *uninstall(const char *dir, FILE *out, bool verbose)
{
    err_t *e = NULL;
    for (size_t i = 0; hook_names[i] && !e; i++) {
        char *p = path_join(dir, hook_names[i]);
        char *orig = xasprintf("%s.venvsync-orig", p);
        if (is_ours(p)) {
            if (fs_exists(orig)) {
                if (rename(orig, p) != 0)
                    e = err_sys(EXIT_APPLY, errno, "restoring %s", p);
                else if (verbose)
                    fprintf(out, "restored the original %s\n", hook_names[i]);
            } else if (unlink(p) != 0) {
                e = err_sys(EXIT_APPLY, errno, "removing %s", p);
            } else if (verbose) {
                fprintf(out, "removed %s\n", p);
            }
        } else if (fs_exists(p) && verbose) {
            fprintf(out, "left %s alone: it is not venvsync's\n", p);
        }
        free(orig);
        free(p);
    }
    return e;
}

static err_t *run_hook(const cmd_ctx_t *ctx, int *status)
{
    char **ops;
    int n;
    err_t *e = cmd_args(ctx, NULL, false, &ops, &n);
    if (e)
        return e;
    const char *what = n == 1 ? ops[0] : "";
    bool inst = strcmp(what, "install") == 0, uninst = strcmp(what, "uninstall") == 0;
    free(ops);
    if (!inst && !uninst)
        return err_new(EXIT_USAGE, "hook: expected `install` or `uninstall`");
    char *dir;
    e = hooks_dir(&dir);
    if (e)
        return e;
    bool verbose = ctx->g->verbosity >= 0;
    e = inst ? install(dir, ctx->out, verbose) : uninstall(dir, ctx->out, verbose);
    free(dir);
    *status = 0;
    return e;
}

const cmd_t cmd_hook = {
    .name = "hook",
    .usage = "hook install|uninstall",
    .summary = "git hooks that sync after checkout, merge and rebase",
    .help = "install   write post-checkout, post-merge and post-rewrite hooks (existing ones are kept\n"
            "          and run first); running it again is harmless\n"
            "uninstall remove venvsync's hooks and restore the ones that were there\n",
    .run = run_hook,
};
