/* Unit tests for wheel/scripts: launcher choice by pip's rules and the one shebang writer. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/proc.h"
#include "util/xalloc.h"
#include "wheel/scripts.h"

static entry_points_t parse_eps(const char *text)
{
    entry_points_t eps = {0};
    err_t *e = meta_parse_entry_points(text, strlen(text), "entry_points.txt", &eps);
    cr_assert_null(e, "%s", e ? e->msg : "");
    return eps;
}

static char *names(const script_ep_t *g, size_t n)
{
    buf_t b = BUF_INIT;
    for (size_t i = 0; i < n; i++)
        buf_printf(&b, "%s%s=%s", i ? " " : "", g[i].name, g[i].ep->value);
    return buf_detach(&b);
}

Test(scripts, launchers_follow_pips_order_and_versioned_names)
{
    entry_points_t eps = parse_eps("[console_scripts]\n"
                                   "pip3.9 = old:main\n"
                                   "tool = t:main\n"
                                   "pip = pip._internal.cli.main:main\n"
                                   "pip3 = pip._internal.cli.main:main\n"
                                   "tool = t:main2\n"
                                   "[gui_scripts]\n"
                                   "tool = g:main\n"
                                   "win = w:main\n");
    script_set_t s;
    script_set_init(&s, &eps);
    size_t n = 0;
    script_ep_t *g = script_set_launchers(&s, "3.12", &n);
    char *got = names(g, n);
    /* pip's three names first; pip3.9/pip3 of the wheel are dropped; `tool` keeps its first
     * position and last value, then the gui `tool` replaces the console one. */
    cr_assert_str_eq(got, "pip=pip._internal.cli.main:main pip3=pip._internal.cli.main:main "
                          "pip3.12=pip._internal.cli.main:main tool=g:main win=w:main");
    free(got);
    script_eps_free(g, n);
    /* Without a Python version pip's special case does not apply. */
    g = script_set_launchers(&s, NULL, &n);
    got = names(g, n);
    cr_assert_str_eq(got, "pip3.9=old:main pip=pip._internal.cli.main:main "
                          "pip3=pip._internal.cli.main:main tool=g:main win=w:main");
    free(got);
    script_eps_free(g, n);
    cr_assert(script_set_is_wrapper(&s, "tool"));
    cr_assert(script_set_is_wrapper(&s, "tool.exe"));
    cr_assert(script_set_is_wrapper(&s, "win-script.py"));
    cr_assert(!script_set_is_wrapper(&s, "tools"));
    cr_assert(!script_set_is_wrapper(&s, "other"));
    script_set_free(&s);
    entry_points_free(&eps);
}

Test(scripts, easy_install_names)
{
    entry_points_t eps = parse_eps("[console_scripts]\neasy_install = s:main\n"
                                   "easy_install-3.6 = s:main\neasy_install-x = s:main\n");
    script_set_t s;
    script_set_init(&s, &eps);
    size_t n = 0;
    script_ep_t *g = script_set_launchers(&s, "3.11", &n);
    char *got = names(g, n);
    cr_assert_str_eq(got, "easy_install=s:main easy_install-3.11=s:main easy_install-x=s:main");
    free(got);
    script_eps_free(g, n);
    script_set_free(&s);
    entry_points_free(&eps);
}

/* sh reads the word back as exactly s, and the word never holds ''' (which would end the
 * trampoline's Python string early). */
Test(scripts, sh_word_round_trips_through_sh)
{
    const char *cases[] = {"/plain/bin/python", "/a b/py", "it's", "a''b", "end'", "'start",
                           "'''", "$HOME `x` \"q\" \\n !", "", NULL};
    for (size_t i = 0; cases[i]; i++) {
        buf_t w = BUF_INIT;
        script_sh_word(&w, cases[i]);
        cr_assert_null(strstr(buf_cstr(&w), "'''"), "%s -> %s", cases[i], buf_cstr(&w));
        char *cmd = xasprintf("printf %%s %s", buf_cstr(&w));
        char *argv[] = {"/bin/sh", "-c", cmd, NULL};
        buf_t out = BUF_INIT, errb = BUF_INIT;
        int st = -1;
        err_t *e = proc_capture(argv, NULL, &out, &errb, &st);
        cr_assert_null(e);
        cr_assert_eq(st, 0);
        cr_assert_str_eq(buf_cstr(&out), cases[i], "sh read %s back as %s", buf_cstr(&w),
                         buf_cstr(&out));
        buf_free(&out);
        buf_free(&errb);
        free(cmd);
        buf_free(&w);
    }
}

Test(scripts, shebang_plain_up_to_127_bytes_and_eol_kept)
{
    buf_t b = BUF_INIT;
    script_shebang(&b, "/e/bin/python", " -E", "\r\n");
    cr_assert_str_eq(buf_cstr(&b), "#!/e/bin/python -E\r\n");
    buf_reset(&b);
    char p[130];
    memset(p, 'a', sizeof p);
    p[0] = '/';
    p[121] = '\0'; /* "#!" + 121 + " -E" ... = 2 + 121 + 3 + 1 = 127 */
    script_shebang(&b, p, " -E", "\n");
    cr_assert_eq(b.len, 127);
    cr_assert_eq(strncmp(buf_cstr(&b), "#!/aaa", 6), 0);
    buf_reset(&b);
    p[121] = 'a';
    p[122] = '\0';
    script_shebang(&b, p, " -E", "\n");
    cr_assert_eq(strncmp(buf_cstr(&b), "#!/bin/sh\n'''exec' '/aaa", 24), 0, "%s", buf_cstr(&b));
    cr_assert(strstr(buf_cstr(&b), "' -E \"$0\" \"$@\"\n' '''\n"), "%s", buf_cstr(&b));
    buf_free(&b);
}
