/* Completion (cmd/complete.h), the options a command documents (cmd_options), the shell check,
 * and the shell integration scripts (shell/integ.h): every rule on fixed inputs. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/complete.h"
#include "shell/integ.h"
#include "util/buf.h"
#include "util/strv.h"
#include "util/xalloc.h"

/* A small command table of real entries, and a hidden one (cmd_complete itself needs main's
 * table). */
static const cmd_t hidden = {.name = "__hidden", .usage = "__hidden", .summary = "",
                             .hidden = true};
static const cmd_t *const table[] = {&cmd_sync, &cmd_plan, &cmd_list, &cmd_run, &cmd_shell,
                                     &cmd_shell_init, &cmd_completion, &cmd_activate, &cmd_rm,
                                     &cmd_new, &cmd_python, &cmd_copy, &hidden, NULL};

typedef struct calls {
    char last_file[64], last_env[64];
    bool last_global;
    int envs, packages, workon;
} calls_t;

static char **names(const char *a, const char *b)
{
    char **v = xcalloc(3, sizeof(char *));
    v[0] = xstrdup(a);
    v[1] = xstrdup(b);
    return v;
}

static char **envs(void *arg, const char *file, bool global, const char *dir)
{
    calls_t *c = arg;
    c->envs++;
    snprintf(c->last_file, sizeof c->last_file, "%s|%s", file ? file : "-", dir ? dir : "-");
    c->last_global = global;
    return names("dev", "docs");
}

static char **packages(void *arg, const char *file, bool global, const char *dir, const char *env)
{
    calls_t *c = arg;
    c->packages++;
    snprintf(c->last_env, sizeof c->last_env, "%s", env);
    return names("requests", "rich");
}

static char **workon_envs(void *arg)
{
    calls_t *c = arg;
    c->workon++;
    return names("dev", "tools");
}

static calls_t calls;
static complete_src_t src;

static void setup(void)
{
    memset(&calls, 0, sizeof calls);
    src = (complete_src_t){.table = table, .envs = envs, .packages = packages,
                           .workon_envs = workon_envs, .arg = &calls};
}

/* Completes the words given as one string, split at '|' ("sync|d"), and returns the lines. */
static char *complete(const char *line, bool workon, bool descriptions)
{
    char *copy = xstrdup(line);
    char *words[32];
    int n = 0;
    for (char *p = copy;; n++) {
        words[n] = p;
        char *bar = strchr(p, '|');
        if (!bar) {
            n++;
            break;
        }
        *bar = '\0';
        p = bar + 1;
    }
    buf_t out = BUF_INIT;
    complete_words(&src, words, n, workon, descriptions, &out);
    free(copy);
    return buf_detach(&out);
}

#define EXPECT(line, want)                                                                        \
    do {                                                                                          \
        char *got_ = complete(line, false, false);                                               \
        cr_assert_str_eq(got_, want, "for '%s'", line);                                           \
        free(got_);                                                                               \
    } while (0)

TestSuite(complete, .init = setup);

Test(complete, commands_first_without_hidden_ones)
{
    EXPECT("", "sync\nplan\nlist\nrun\nshell\nshell-init\ncompletion\nactivate\nrm\nnew\npython\n"
               "copy\nhelp\n");
    EXPECT("s", "sync\nshell\nshell-init\n");
    EXPECT("__", "");
    EXPECT("-g|sh", "shell\nshell-init\n");
    EXPECT("help|co", "completion\ncopy\n");
}

Test(complete, commands_with_descriptions)
{
    char *got = complete("pl", false, true);
    cr_assert_str_eq(got, "plan\tprint what sync would do; change nothing\n");
    free(got);
}

Test(complete, environment_names_from_the_selected_manifest)
{
    EXPECT("sync|d", "dev\ndocs\n");
    EXPECT("sync|dev|do", "docs\n");
    cr_assert_str_eq(calls.last_file, "-|-");
    cr_assert_not(calls.last_global);
    EXPECT("-g|activate|", "dev\ndocs\n");
    cr_assert(calls.last_global);
    EXPECT("-f|other.yaml|-C|/p|list|", "dev\ndocs\n");
    cr_assert_str_eq(calls.last_file, "other.yaml|/p");
    EXPECT("plan|--global|", "dev\ndocs\n");
    cr_assert(calls.last_global, "-g counts after the command too");
    EXPECT("activate|dev|", "");
    EXPECT("shell|", "dev\ndocs\n");
    EXPECT("copy|", "dev\ndocs\n");
    EXPECT("copy|dev|", "");
}

Test(complete, run_takes_an_environment_then_a_command)
{
    EXPECT("run|", "dev\ndocs\n");
    EXPECT("run|dev|", "@files\n");
    EXPECT("run|dev|--|py", "@files\n");
    EXPECT("run|--no-sync|d", "dev\ndocs\n");
}

Test(complete, rm_completes_the_packages_of_its_environment)
{
    EXPECT("rm|", "dev\ndocs\n");
    EXPECT("rm|docs|r", "requests\nrich\n");
    cr_assert_str_eq(calls.last_env, "docs");
    EXPECT("rm|docs|requests|ri", "rich\n");
}

Test(complete, shells_and_subcommands)
{
    EXPECT("shell-init|", "bash\nzsh\nfish\ntcsh\n");
    EXPECT("completion|f", "fish\n");
    EXPECT("completion|fish|", "");
    EXPECT("activate|--shell|", "bash\nzsh\nsh\nfish\ncsh\ntcsh\npwsh\nnu\n");
    EXPECT("activate|--shell|t", "tcsh\n");
    EXPECT("activate|--shell|fish|", "dev\ndocs\n");
    EXPECT("python|", "list\nfind\ninstall\nuninstall\npin\n");
    EXPECT("python|pin|", "");
}

Test(complete, option_values)
{
    EXPECT("-f|", "@files\n");
    EXPECT("--file|", "@files\n");
    EXPECT("-C|", "@dirs\n");
    EXPECT("--color|a", "auto\nalways\n");
    EXPECT("sync|--link-mode|", "clone\nhardlink\ncopy\nsymlink\n");
    EXPECT("new|x|--copy-from|", "dev\ndocs\n");
    EXPECT("new|x|--path|", "@dirs\n");
    EXPECT("new|x|--python|", "");
    EXPECT("new|x|--python|3|", "");
}

Test(complete, options_global_and_the_commands_own)
{
    EXPECT("--c", "--color\n");
    EXPECT("sync|--", "--file\n--global\n--json\n--quiet\n--verbose\n--offline\n--no-progress\n"
                      "--color\n--version\n--help\n--oneline\n--compile\n--verify\n--locked\n--frozen\n"
                      "--link-mode\n--no-build\n--no-binary\n");
    EXPECT("new|x|--s", "--system-site-packages\n--seed\n");
    EXPECT("run|dev|--|-", "@files\n");
}

Test(complete, nothing_after_an_unknown_command)
{
    EXPECT("frob|", "");
    EXPECT("frob|--", "");
}

Test(complete, workon_names)
{
    char *got = complete("t", true, false);
    cr_assert_str_eq(got, "tools\n");
    free(got);
    got = complete("", true, true);
    cr_assert_str_eq(got, "dev\tenvironment\ntools\tenvironment\n");
    free(got);
    cr_assert_eq(calls.envs, 0);
}

/* ---- cmd_options ------------------------------------------------------------------------- */

static char *options_of(const cmd_t *c)
{
    char **opts;
    bool *tv;
    cmd_options(c, &opts, &tv);
    buf_t b = BUF_INIT;
    for (size_t i = 0; opts[i]; i++)
        buf_printf(&b, "%s%s%s", i ? " " : "", opts[i], tv[i] ? "=" : "");
    strv_free(opts);
    free(tv);
    return buf_detach(&b);
}

Test(complete, options_are_read_from_usage_and_help)
{
    cmd_t c = {.name = "x", .usage = "x [--yes] [--shell NAME] [-y] ENV|PATH (--a|--bb)",
               .help = "  -y, --yes   do not ask; pass --hidden-in-prose for nothing\n"
                       "  --python REQ   the request\n"
                       "Text that mentions --prose-option is not an option line.\n"
                       "  --link-mode MODE\n"
                       "              clone, hardlink (-x is prose here)\n"
                       "  -p, --path=P   a path\n"};
    char *s = options_of(&c);
    cr_assert_str_eq(s, "--yes --shell= -y --a --bb --python= --link-mode= -p --path=");
    free(s);
}

Test(complete, real_commands_document_their_flags)
{
    char *s = options_of(&cmd_new);
    cr_assert(strstr(s, "--python=") && strstr(s, "-p ") && strstr(s, "--copy-from=") &&
              strstr(s, "--no-sync") && strstr(s, "--seed") && strstr(s, "--no-seed") &&
              strstr(s, "--link-mode=") && strstr(s, "--force"), "%s", s);
    free(s);
    s = options_of(&cmd_activate);
    cr_assert_str_eq(s, "--shell=");
    free(s);
}

/* ---- cmd_check_shell ---------------------------------------------------------------------- */

Test(complete, unknown_shells_are_refused_naming_the_known)
{
    cr_assert_null(cmd_check_shell("activate", "fish", false));
    cr_assert_null(cmd_check_shell("activate", "dash", false));
    cr_assert_null(cmd_check_shell("activate", "nushell", false));
    cr_assert_null(cmd_check_shell("shell-init", "tcsh", true));
    err_t *e = cmd_check_shell("activate --shell", "elvish", false);
    cr_assert_not_null(e);
    cr_assert_eq(e->exit_code, EXIT_USAGE);
    cr_assert_str_eq(e->msg, "activate --shell: unknown shell 'elvish'; supported: bash, zsh, sh, "
                             "fish, csh, tcsh, pwsh, nu");
    err_free(e);
    e = cmd_check_shell("shell-init", "csh", true);
    cr_assert_str_eq(e->msg, "shell-init: unknown shell 'csh'; supported: bash, zsh, fish, tcsh");
    cr_assert_str_eq(e->hint, "did you mean 'tcsh'?");
    err_free(e);
}

/* ---- shell/integ ---------------------------------------------------------------------------- */

static char *render(const char *shell, bool init, const char *exe)
{
    buf_t b = BUF_INIT;
    cr_assert(shell_integration_render(shell, init, exe, &b));
    return buf_detach(&b);
}

Test(integ, every_shell_gets_workon_and_completion_with_the_exe_quoted)
{
    const char *exe = "/opt/it's $HOME/venvsync";
    struct {
        const char *shell, *quoted, *workon, *complete;
    } cases[] = {
        {"bash", "__venvsync_exe='/opt/it'\\''s $HOME/venvsync'", "\nworkon() {",
         "complete -F _venvsync_complete venvsync"},
        {"zsh", "__venvsync_exe='/opt/it'\\''s $HOME/venvsync'", "\nworkon() {",
         "compdef _venvsync venvsync"},
        {"fish", "set -g __venvsync_exe '/opt/it\\'s $HOME/venvsync'", "function workon",
         "complete -c venvsync"},
        {"tcsh", NULL, "alias workon", "complete venvsync"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *s = render(cases[i].shell, true, exe);
        if (cases[i].quoted)
            cr_assert(strstr(s, cases[i].quoted), "%s:\n%s", cases[i].shell, s);
        cr_assert(strstr(s, cases[i].workon), "%s", cases[i].shell);
        cr_assert(strstr(s, cases[i].complete), "%s", cases[i].shell);
        cr_assert_null(strstr(s, "__VENVSYNC_EXE__"));
        free(s);
        s = render(cases[i].shell, false, exe);
        cr_assert_null(strstr(s, cases[i].workon), "completion alone: %s", cases[i].shell);
        cr_assert(strstr(s, cases[i].complete));
        free(s);
    }
}

Test(integ, tcsh_output_is_one_eval_line_away)
{
    char *s = render("tcsh", true, "/usr/bin/venvsync");
    /* eval joins the lines: no comment may swallow the rest, every command ends with ';' */
    for (const char *line = s; *line;) {
        const char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        cr_assert_neq(line[0], '#', "a comment in:\n%s", s);
        cr_assert(len == 0 || line[len - 1] == ';', "no ';' at the end of: %.*s", (int)len, line);
        line = nl ? nl + 1 : line + len;
    }
    cr_assert(strstr(s, "set __venvsync_exe = '/usr/bin/venvsync' ;"), "%s", s);
    free(s);
}

Test(integ, unknown_shells_have_no_integration)
{
    buf_t b = BUF_INIT;
    cr_assert_not(shell_integration_render("csh", true, "/x", &b));
    cr_assert_not(shell_workon_source("elvish", "/e", &b));
    shell_workon_list("elvish", (char *[]){"a", NULL}, &b);
    cr_assert_eq(b.len, 0);
    buf_free(&b);
}

Test(integ, workon_code_sources_the_right_activator_quoted)
{
    buf_t b = BUF_INIT;
    cr_assert(shell_workon_source("bash", "/e/a b", &b));
    cr_assert_str_eq(buf_cstr(&b), ". '/e/a b/bin/activate'\n");
    buf_reset(&b);
    shell_workon_source("zsh", "/e/x", &b);
    cr_assert_str_eq(buf_cstr(&b), ". '/e/x/bin/activate'\n");
    buf_reset(&b);
    shell_workon_source("fish", "/e/it's", &b);
    cr_assert_str_eq(buf_cstr(&b), "source '/e/it\\'s/bin/activate.fish'\n");
    buf_reset(&b);
    shell_workon_source("tcsh", "/e/x", &b);
    cr_assert_str_eq(buf_cstr(&b), "source '/e/x/bin/activate.csh'\n");
    buf_free(&b);
}

Test(integ, workon_list_prints_each_name_on_its_line)
{
    buf_t b = BUF_INIT;
    shell_workon_list("bash", (char *[]){"dev", "a $b", NULL}, &b);
    cr_assert_str_eq(buf_cstr(&b), "printf '%s\\n' 'dev' 'a $b'\n");
    buf_reset(&b);
    shell_workon_list("bash", (char *[]){NULL}, &b);
    cr_assert_eq(b.len, 0, "no names: nothing to evaluate");
    buf_free(&b);
}
