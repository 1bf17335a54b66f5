/* Activation scripts: names, shells, and values quoted for each shell's syntax. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/xalloc.h"
#include "venv/activators.h"

static size_t index_of(const char *name)
{
    for (size_t i = 0; i < activator_count(); i++)
        if (strcmp(activator_name(i), name) == 0)
            return i;
    cr_assert_fail("no activator named %s", name);
    return 0;
}

static char *render(const char *name, const char *dir, const char *prompt)
{
    activator_vars_t v = {.venv_dir = dir, .prompt = prompt, .bin_name = "bin"};
    buf_t b = BUF_INIT;
    activator_render(index_of(name), &v, &b);
    return buf_detach(&b);
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0, l = strlen(needle);
    for (const char *p = hay; (p = strstr(p, needle)); p += l)
        n++;
    return n;
}

/* Removes every occurrence of `quoted` from text; what is left must not contain `raw`. */
static void assert_only_quoted(const char *text, const char *quoted, const char *raw)
{
    buf_t b = BUF_INIT;
    buf_add_replaced(&b, text, quoted, "<Q>");
    cr_assert(strstr(buf_cstr(&b), raw) == NULL, "raw value %s appears unquoted in:\n%s", raw,
              buf_cstr(&b));
    buf_free(&b);
}

Test(activators, names_and_order)
{
    cr_assert_eq(activator_count(), 5);
    cr_assert_str_eq(activator_name(0), "activate");
    cr_assert_str_eq(activator_name(1), "activate.fish");
    cr_assert_str_eq(activator_name(2), "activate.csh");
    cr_assert_str_eq(activator_name(3), "Activate.ps1");
    cr_assert_str_eq(activator_name(4), "activate.nu");
    cr_assert_null(activator_name(5));
}

Test(activators, shell_to_script)
{
    cr_assert_str_eq(activator_for_shell("bash"), "activate");
    cr_assert_str_eq(activator_for_shell("/usr/bin/zsh"), "activate");
    cr_assert_str_eq(activator_for_shell("sh"), "activate");
    cr_assert_str_eq(activator_for_shell("/usr/bin/fish"), "activate.fish");
    cr_assert_str_eq(activator_for_shell("csh"), "activate.csh");
    cr_assert_str_eq(activator_for_shell("/bin/tcsh"), "activate.csh");
    cr_assert_str_eq(activator_for_shell("-tcsh"), "activate.csh");
    cr_assert_str_eq(activator_for_shell("pwsh"), "Activate.ps1");
    cr_assert_str_eq(activator_for_shell("/opt/microsoft/powershell/7/pwsh"), "Activate.ps1");
    cr_assert_str_eq(activator_for_shell("nu"), "activate.nu");
    cr_assert_str_eq(activator_for_shell("xonsh"), "activate");
    cr_assert_str_eq(activator_for_shell(""), "activate");
    cr_assert_str_eq(activator_for_shell(NULL), "activate");
}

Test(activators, every_script_is_complete_and_deterministic)
{
    for (size_t i = 0; i < activator_count(); i++) {
        activator_vars_t v = {.venv_dir = "/proj/.venv", .prompt = "proj", .bin_name = "bin"};
        buf_t a = BUF_INIT, b = BUF_INIT;
        activator_render(i, &v, &a);
        activator_render(i, &v, &b);
        cr_assert_gt(a.len, 200, "%s is rendered from its template", activator_name(i));
        cr_assert_eq(a.len, b.len);
        cr_assert(memcmp(a.data, b.data, a.len) == 0, "%s renders the same twice",
                  activator_name(i));
        cr_assert_null(strstr(a.data, "__VENVSYNC_"), "%s has no placeholder left",
                       activator_name(i));
        cr_assert_null(memchr(a.data, '\r', a.len));
        cr_assert(strstr(a.data, "VIRTUAL_ENV") != NULL);
        cr_assert(strstr(a.data, "deactivate") != NULL);
        cr_assert(strstr(a.data, "PYTHONHOME") != NULL);
        buf_free(&a);
        buf_free(&b);
    }
}

Test(activators, appends_to_existing_buffer)
{
    activator_vars_t v = {.venv_dir = "/e", .prompt = "p", .bin_name = "bin"};
    buf_t b = BUF_INIT;
    buf_adds(&b, "HEAD");
    activator_render(0, &v, &b);
    cr_assert(strncmp(b.data, "HEAD# ", 6) == 0);
    buf_free(&b);
}

Test(activators, posix_quoting)
{
    const char *dir = "/tmp/we ird'$x`b`!c\\d";
    char *s = render("activate", dir, "my 'p' $(x)");
    const char *qdir = "'/tmp/we ird'\\''$x`b`!c\\d'";
    cr_assert(strstr(s, "VIRTUAL_ENV=") != NULL);
    cr_assert_eq(count(s, qdir), 1, "dir quoted once:\n%s", s);
    char *want = xasprintf("\nVIRTUAL_ENV=%s\n", qdir);
    cr_assert(strstr(s, want) != NULL);
    free(want);
    cr_assert(strstr(s, "\nVIRTUAL_ENV_PROMPT='my '\\''p'\\'' $(x)'\n") != NULL, "%s", s);
    cr_assert(strstr(s, "PATH=\"$VIRTUAL_ENV/\"'bin'\":${PATH-}\"") != NULL);
    assert_only_quoted(s, qdir, "$x`b");
    assert_only_quoted(s, "'my '\\''p'\\'' $(x)'", "$(x)");
    free(s);
}

Test(activators, fish_quoting)
{
    const char *dir = "/tmp/a\\b'c $d";
    char *s = render("activate.fish", dir, "p'q");
    const char *qdir = "'/tmp/a\\\\b\\'c $d'";
    cr_assert(strstr(s, "set -gx VIRTUAL_ENV '/tmp/a\\\\b\\'c $d'\n") != NULL, "%s", s);
    cr_assert(strstr(s, "set -gx VIRTUAL_ENV_PROMPT 'p\\'q'\n") != NULL);
    cr_assert(strstr(s, "printf '(%s) ' 'p\\'q'\n") != NULL, "the prompt prefix is the literal");
    assert_only_quoted(s, qdir, "c $d");
    free(s);
}

Test(activators, csh_quoting_handles_history_quotes_and_newlines)
{
    const char *dir = "/tmp/we ird'$x`b`!c";
    char *s = render("activate.csh", dir, "a!b\nc");
    const char *qdir = "'/tmp/we ird'\\''$x`b`\\!c'";
    cr_assert(strstr(s, "setenv VIRTUAL_ENV '/tmp/we ird'\\''$x`b`\\!c'\n") != NULL, "%s", s);
    cr_assert(strstr(s, "setenv VIRTUAL_ENV_PROMPT 'a\\!b\\\nc'\n") != NULL, "%s", s);
    assert_only_quoted(s, qdir, "$x`b");
    /* No '!' of the value may reach csh unescaped (history substitution). */
    assert_only_quoted(s, qdir, "`!c");
    free(s);
}

Test(activators, powershell_quoting_doubles_every_single_quote)
{
    /* U+2019 RIGHT SINGLE QUOTATION MARK is a quote character to PowerShell too. */
    const char *dir = "/tmp/it's \xe2\x80\x99q $env:X";
    char *s = render("Activate.ps1", dir, "p'");
    cr_assert(strstr(s, "'/tmp/it''s \xe2\x80\x99\xe2\x80\x99q $env:X'") != NULL, "%s", s);
    cr_assert(strstr(s, "$Prompt = 'p'''\n") != NULL);
    cr_assert(strstr(s, "$BinName = 'bin'\n") != NULL);
    free(s);
}

Test(activators, nushell_quoting_escapes_double_quotes_and_backslashes)
{
    const char *dir = "/tmp/a\"b\\c $d (e)";
    char *s = render("activate.nu", dir, "p\tq\x01");
    cr_assert(strstr(s, "let venv_dir = \"/tmp/a\\\"b\\\\c $d (e)\"\n") != NULL, "%s", s);
    cr_assert(strstr(s, "let venv_prompt = \"p\\tq\\u{1}\"\n") != NULL, "%s", s);
    cr_assert(strstr(s, "path join \"bin\"") != NULL);
    free(s);
}

Test(activators, bare_prompt_is_exported_and_prefix_is_parenthesised)
{
    char *s = render("activate", "/e", "dev");
    cr_assert(strstr(s, "VIRTUAL_ENV_PROMPT='dev'\n") != NULL);
    cr_assert(strstr(s, "PS1=\"($VIRTUAL_ENV_PROMPT) ${PS1-}\"") != NULL);
    cr_assert(strstr(s, "deactivate nondestructive") != NULL);
    cr_assert(strstr(s, "hash -r") != NULL);
    free(s);
    s = render("activate.csh", "/e", "dev");
    cr_assert(strstr(s, "set prompt=\"(\"'dev'\") $prompt:q\"") != NULL, "%s", s);
    cr_assert(strstr(s, "rehash") != NULL);
    free(s);
}

Test(activators, relocation_is_rerendering)
{
    /* Rendering for a new path changes exactly the quoted path. */
    for (size_t i = 0; i < activator_count(); i++) {
        activator_vars_t a = {.venv_dir = "/old/place", .prompt = "p", .bin_name = "bin"};
        activator_vars_t b = {.venv_dir = "/new/place", .prompt = "p", .bin_name = "bin"};
        buf_t ra = BUF_INIT, rb = BUF_INIT, fixed = BUF_INIT;
        activator_render(i, &a, &ra);
        activator_render(i, &b, &rb);
        cr_assert(strstr(rb.data, "/old/place") == NULL);
        buf_add_replaced(&fixed, ra.data, "/old/place", "/new/place");
        cr_assert_str_eq(fixed.data, rb.data, "%s", activator_name(i));
        buf_free(&ra);
        buf_free(&rb);
        buf_free(&fixed);
    }
}
