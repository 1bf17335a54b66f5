/*
 * shell-init / completion: print the shell integration for bash, zsh, fish or tcsh
 * (shell/integ.h): shell-init defines `workon` and completion, completion prints the completion
 * alone. An unknown shell is refused (exit 2), naming the supported ones.
 */
#include <stdlib.h>
#include <string.h>

#include "cmd/common.h"
#include "shell/integ.h"
#include "util/path.h"
#include "util/xalloc.h"

static err_t *print_integration(const cmd_ctx_t *ctx, bool init)
{
    char **ops;
    int n;
    err_t *e = cmd_args(ctx, NULL, false, &ops, &n);
    if (e)
        return e;
    if (n != 1) {
        free(ops);
        return err_hint(err_new(EXIT_USAGE, "%s: expected a shell: bash, zsh, fish or tcsh",
                                ctx->argv[0]),
                        "eval \"$(venvsync %s bash)\"", ctx->argv[0]);
    }
    e = cmd_check_shell(ctx->argv[0], ops[0], true);
    if (!e) {
        char *self = path_real("/proc/self/exe");
        buf_t out = BUF_INIT;
        shell_integration_render(ops[0], init, self ? self : "venvsync", &out);
        cmd_emit(ctx, &out);
        buf_free(&out);
        free(self);
    }
    free(ops);
    return e;
}

static err_t *run_shell_init(const cmd_ctx_t *ctx, int *status)
{
    *status = 0;
    return print_integration(ctx, true);
}

static err_t *run_completion(const cmd_ctx_t *ctx, int *status)
{
    *status = 0;
    return print_integration(ctx, false);
}

const cmd_t cmd_shell_init = {
    .name = "shell-init",
    .usage = "shell-init bash|zsh|fish|tcsh",
    .summary = "print `workon` and completion for your shell's startup file",
    .help = "  bash   eval \"$(venvsync shell-init bash)\"      in ~/.bashrc\n"
            "  zsh    eval \"$(venvsync shell-init zsh)\"       in ~/.zshrc, after compinit\n"
            "  fish   venvsync shell-init fish | source       in ~/.config/fish/config.fish\n"
            "  tcsh   eval `venvsync shell-init tcsh`         in ~/.tcshrc\n"
            "Then `workon NAME` activates environment NAME in the current shell (synced first):\n"
            "the nearest venv.yaml names it, else your global manifest (`venvsync -g`);\n"
            "`deactivate` leaves it; `workon` alone lists the environments. Completion covers\n"
            "commands, options, environment names and shell names, and never starts Python.\n",
    .run = run_shell_init,
};

const cmd_t cmd_completion = {
    .name = "completion",
    .usage = "completion bash|zsh|fish|tcsh",
    .summary = "print the completion script alone",
    .help = "For a completions directory, e.g.\n"
            "  venvsync completion bash > ~/.local/share/bash-completion/completions/venvsync\n"
            "  venvsync completion fish > ~/.config/fish/completions/venvsync.fish\n"
            "shell-init includes it.\n",
    .run = run_completion,
};
