/*
 * main: global options, the command table, and the one place errors are printed and the exit
 * code is chosen.
 */
#include <errno.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "util/json.h"
#include "util/path.h"
#include "util/suggest.h"
#include "util/xalloc.h"

const cmd_t *const cmd_table[] = {
    &cmd_sync, &cmd_plan, &cmd_check, &cmd_lock, &cmd_list, &cmd_run, &cmd_shell, &cmd_activate,
    &cmd_new, &cmd_add, &cmd_rm, &cmd_copy, &cmd_remove, &cmd_adopt, &cmd_prune, &cmd_init,
    &cmd_hook, &cmd_ci_key, &cmd_cache, &cmd_python, &cmd_shell_init, &cmd_completion,
    &cmd_complete, &cmd_workon, NULL,
};

const cmd_t *cmd_find(const char *name)
{
    for (size_t i = 0; cmd_table[i]; i++)
        if (strcmp(cmd_table[i]->name, name) == 0)
            return cmd_table[i];
    return NULL;
}

static void print_usage(FILE *f)
{
    fprintf(f,
            "venvsync %s: make Python virtual environments match venv.yaml\n\n"
            "usage: venvsync [OPTIONS] [COMMAND] [ARGS...]   (no command = sync)\n\n"
            "commands:\n",
            VENVSYNC_VERSION);
    for (size_t i = 0; cmd_table[i]; i++) {
        if (cmd_table[i]->hidden)
            continue;
        if (strlen(cmd_table[i]->usage) <= 28)
            fprintf(f, "  %-28s %s\n", cmd_table[i]->usage, cmd_table[i]->summary);
        else
            fprintf(f, "  %s\n  %-28s %s\n", cmd_table[i]->usage, "", cmd_table[i]->summary);
    }
    fprintf(f,
            "\noptions (before or after the command):\n"
            "  -f, --file PATH     the manifest (default: nearest venv.yaml here or in a parent)\n"
            "  -g, --global        your own manifest, $XDG_CONFIG_HOME/venvsync/venv.yaml (made on\n"
            "                      first use; environments under $WORKON_HOME, ~/.virtualenvs)\n"
            "  -C DIR              run as if started in DIR\n"
            "      --json          machine-readable output on stdout\n"
            "  -q, --quiet         print only errors\n"
            "  -v, --verbose       say more (repeatable)\n"
            "      --offline       no network (also VENVSYNC_OFFLINE=1)\n"
            "      --no-progress   no progress display\n"
            "      --color=WHEN    auto, always or never (NO_COLOR is honoured)\n"
            "      --version       print the version\n"
            "  -h, --help          this help; `venvsync COMMAND --help` for a command\n"
            "\nexit codes: 0 success or in sync; 1 `check` found drift; 2 usage or manifest error,\n"
            "nothing changed; 3 failure while applying. `run` passes the command's status through.\n"
            "\nshell integration: eval \"$(venvsync shell-init bash)\" (zsh, fish, tcsh) gives\n"
            "`workon NAME` and completion; `man venvsync` for everything.\n");
}

/* "unknown command", with the nearest command when there is one. */
static err_t *unknown_command(const char *name)
{
    const char **cands = xcalloc(sizeof cmd_table / sizeof cmd_table[0] + 1, sizeof(char *));
    size_t n = 0;
    for (size_t i = 0; cmd_table[i]; i++)
        if (!cmd_table[i]->hidden)
            cands[n++] = cmd_table[i]->name;
    cands[n++] = "help";
    /* The words of virtualenvwrapper, pyenv and pip. */
    static const char *const habits[][2] = {
        {"mkvirtualenv", "new"}, {"mkvenv", "new"}, {"venv", "new"}, {"create", "new"},
        {"rmvirtualenv", "remove"}, {"cpvirtualenv", "copy"}, {"lsvirtualenv", "list"},
        {"workon", "shell-init"}, {"install", "add"}, {"uninstall", "rm"},
        {"local", "python pin"}, {"pin", "python pin"}, {"versions", "python list"},
    };
    const char *best = NULL;
    for (size_t i = 0; i < sizeof habits / sizeof habits[0] && !best; i++)
        if (strcmp(name, habits[i][0]) == 0)
            best = habits[i][1];
    /* A unique prefix (`pru`) names its command; short words get more room than
     * suggest_closest gives (`sink` is two edits from `sync`). */
    size_t nprefix = 0;
    const char *prefixed = NULL;
    for (size_t i = 0; !best && i < n; i++)
        if (strlen(name) >= 2 && strncmp(cands[i], name, strlen(name)) == 0 && nprefix++ == 0)
            prefixed = cands[i];
    if (!best && nprefix == 1)
        best = prefixed;
    if (!best)
        best = suggest_closest(name, cands, n);
    size_t bestd = SIZE_MAX;
    for (size_t i = 0; !best && i < n; i++) {
        size_t d = suggest_distance(name, cands[i]);
        if (strlen(name) >= 3 && d <= 2 && d < bestd) {
            bestd = d;
            best = cands[i];
        }
    }
    err_t *e = err_new(EXIT_USAGE, "unknown command '%s'", name);
    if (best)
        err_hint(e, "did you mean `venvsync %s`? (`venvsync --help` lists the commands)", best);
    else
        err_hint(e, "run `venvsync --help` for the list of commands");
    free(cands);
    return e;
}

static void print_error(const err_t *e)
{
    for (const err_t *p = e; p; p = p->next) {
        fprintf(stderr, "venvsync: error: %s\n", p->msg);
        if (p->hint)
            fprintf(stderr, "  hint: %s\n", p->hint);
    }
}

/* With --json, the errors as a JSON document on stdout too, so a program that reads stdout
 * learns why there is no other answer: {"errors":[{"message","hint","exit_code"}]}. */
static void print_error_json(const err_t *e)
{
    buf_t b = BUF_INIT;
    json_t j;
    json_init(&j, &b);
    json_obj(&j);
    json_key(&j, "errors");
    json_arr(&j);
    for (const err_t *p = e; p; p = p->next) {
        json_obj(&j);
        json_kstr(&j, "message", p->msg);
        json_kstr(&j, "hint", p->hint);
        json_kint(&j, "exit_code", p->exit_code ? p->exit_code : EXIT_APPLY);
        json_end(&j);
    }
    json_end(&j);
    json_end(&j);
    buf_addc(&b, '\n');
    fwrite(b.data, 1, b.len, stdout);
    buf_free(&b);
}

static int fail_json(err_t *e, bool json)
{
    int code = e->exit_code ? e->exit_code : EXIT_APPLY;
    print_error(e);
    if (json)
        print_error_json(e);
    err_free(e);
    return code;
}

static int fail(err_t *e)
{
    return fail_json(e, false);
}

/* Commands whose words after the first operand belong to a child program. */
static bool passes_through(const char *cmd)
{
    return cmd && (strcmp(cmd, "run") == 0);
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN); /* a closed pipe is an error to report, not a reason to die */
    global_opts_t g = {0};
    g.color = COLOR_AUTO;
    bool want_help = false, want_version = false;
    const char *cmdname = NULL;
    char **rest = xcalloc((size_t)argc + 2, sizeof(*rest));
    int nrest = 0, operands = 0;
    bool literal = false;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (literal || (passes_through(cmdname) && operands >= 2)) {
            rest[nrest++] = argv[i];
            continue;
        }
        if (strcmp(a, "--") == 0) {
            literal = true;
            rest[nrest++] = argv[i];
            continue;
        }
        const char *val = NULL;
        if (strcmp(a, "-f") == 0 || strcmp(a, "--file") == 0 || strcmp(a, "-C") == 0) {
            if (i + 1 >= argc)
                return fail(err_new(EXIT_USAGE, "option %s needs a value", a));
            val = argv[++i];
            if (a[1] == 'C')
                g.chdir = val;
            else
                g.file = val;
        } else if (strncmp(a, "--file=", 7) == 0) {
            g.file = a + 7;
        } else if (strcmp(a, "-g") == 0 || strcmp(a, "--global") == 0) {
            g.global = true;
        } else if (strcmp(a, "--json") == 0) {
            g.json = true;
        } else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
            g.verbosity = -1;
        } else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
            g.verbosity = g.verbosity < 0 ? 1 : g.verbosity + 1;
        } else if (strcmp(a, "-vv") == 0) {
            g.verbosity = 2;
        } else if (strcmp(a, "--offline") == 0) {
            g.offline = true;
        } else if (strcmp(a, "--no-progress") == 0) {
            g.no_progress = true;
        } else if (strncmp(a, "--color", 7) == 0 && (a[7] == '=' || a[7] == '\0')) {
            const char *w = a[7] == '=' ? a + 8 : (i + 1 < argc ? argv[++i] : "");
            if (strcmp(w, "auto") == 0)
                g.color = COLOR_AUTO;
            else if (strcmp(w, "always") == 0)
                g.color = COLOR_ALWAYS;
            else if (strcmp(w, "never") == 0)
                g.color = COLOR_NEVER;
            else
                return fail(err_new(EXIT_USAGE, "--color takes auto, always or never, not '%s'", w));
        } else if (strcmp(a, "--version") == 0 || strcmp(a, "-V") == 0) {
            want_version = true;
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            want_help = true;
        } else if (!cmdname && a[0] != '-') {
            cmdname = a;
        } else {
            if (a[0] != '-')
                operands++;
            rest[nrest++] = argv[i];
        }
    }

    if (want_version) {
        printf("venvsync %s\n", VENVSYNC_VERSION);
        free(rest);
        return 0;
    }
    if (cmdname && strcmp(cmdname, "help") == 0) {
        const cmd_t *c = nrest > 0 ? cmd_find(rest[0]) : NULL;
        if (c)
            cmd_print_help(c, stdout);
        else
            print_usage(stdout);
        free(rest);
        return 0;
    }
    if (want_help) {
        const cmd_t *c = cmdname ? cmd_find(cmdname) : NULL;
        if (c)
            cmd_print_help(c, stdout);
        else
            print_usage(stdout);
        free(rest);
        return 0;
    }
    const cmd_t *cmd = cmd_find(cmdname ? cmdname : "sync");
    if (!cmd) {
        free(rest);
        return fail(unknown_command(cmdname));
    }
    if (g.global && g.file) {
        free(rest);
        return fail(err_new(EXIT_USAGE, "-g/--global and -f/--file name two manifests: give one"));
    }
    if (g.chdir && chdir(g.chdir) != 0) {
        free(rest);
        return fail(err_sys(EXIT_USAGE, errno, "-C %s", g.chdir));
    }
    env_lookup_t env = config_process_env();
    config_t cfg;
    config_read(&cfg, &env);
    cfg.environ = environ;
    g.cfg = &cfg;
    g.offline = g.offline || cfg.offline;
    g.cache_dir = cfg.cache_dir;
    g.python_dir = cfg.python_dir;

    char **cargv = xcalloc((size_t)nrest + 2, sizeof(*cargv));
    cargv[0] = (char *)cmd->name;
    for (int i = 0; i < nrest; i++)
        cargv[i + 1] = rest[i];
    bool emitted = false;
    cmd_ctx_t ctx = {.g = &g, .argc = nrest + 1, .argv = cargv, .out = stdout, .log = stderr,
                     .emitted = &emitted};
    int status = 0;
    err_t *e = cmd->run(&ctx, &status);
    fflush(stdout);
    free(cargv);
    free(rest);
    config_free(&cfg);
    if (e)
        return fail_json(e, g.json && !emitted);
    return status;
}
