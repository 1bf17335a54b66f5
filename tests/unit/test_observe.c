/* observe_activate_path: where venv, virtualenv and uv said an environment lives. The texts are
 * the lines those tools write (copied from generated scripts: CPython 3.8/3.11/3.12/3.13's
 * venv, virtualenv 20, uv). */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "plan/observe.h"

static void check(const char *text, const char *want)
{
    char *got = observe_activate_path(text);
    if (!want)
        cr_assert_null(got, "got %s from %s", got, text);
    else {
        cr_assert_not_null(got, "nothing from %s", text);
        cr_assert_str_eq(got, want);
    }
    free(got);
}

Test(observe, activate_path_cpython_3_8_to_3_11)
{
    check("deactivate nondestructive\n\nVIRTUAL_ENV=\"/tmp/act/e 3.11.7\"\nexport VIRTUAL_ENV\n",
          "/tmp/act/e 3.11.7");
}

Test(observe, activate_path_cpython_3_12_and_3_13_skip_cygpath)
{
    check("if [ \"${OSTYPE:-}\" = \"cygwin\" ] || [ \"${OSTYPE:-}\" = \"msys\" ] ; then\n"
          "    # transform D:\\path\\to\\venv to /d/path/to/venv on MSYS\n"
          "    export VIRTUAL_ENV=$(cygpath \"/tmp/act/e 3.12.1\")\n"
          "else\n"
          "    # use the path as-is\n"
          "    export VIRTUAL_ENV=\"/tmp/act/e 3.12.1\"\n"
          "fi\n",
          "/tmp/act/e 3.12.1");
}

Test(observe, activate_path_virtualenv_and_uv_single_quotes)
{
    check("VIRTUAL_ENV='/tmp/act/venv-ve'\n"
          "if ([ \"$OSTYPE\" = \"cygwin\" ] || [ \"$OSTYPE\" = \"msys\" ]) && $(command -v cygpath &> /dev/null) ; then\n"
          "    VIRTUAL_ENV=$(cygpath -u \"$VIRTUAL_ENV\")\n"
          "fi\nexport VIRTUAL_ENV\n",
          "/tmp/act/venv-ve");
    check("VIRTUAL_ENV='/home/o'\\''brien/.venv'\n", "/home/o'brien/.venv");
}

Test(observe, activate_path_escapes_in_double_quotes)
{
    check("VIRTUAL_ENV=\"/a/\\$HOME/\\\"q\\\"/b\\\\c\"\n", "/a/$HOME/\"q\"/b\\c");
    check("VIRTUAL_ENV=\"/srv/env\"   \r\n", "/srv/env");
}

Test(observe, activate_path_rejects_what_is_not_one_absolute_path)
{
    check("", NULL);
    check("# VIRTUAL_ENV=\"/x\"\n", NULL);
    check("VIRTUAL_ENV=\"$HOME/.venv\"\n", NULL);         /* not absolute as written */
    check("VIRTUAL_ENV=relative\n", NULL);                 /* unquoted */
    check("VIRTUAL_ENV=\"/x\" ; rm -rf /\n", NULL);        /* more than one word */
    check("VIRTUAL_ENV=\"/unterminated\n\"\n", NULL);
    check("VIRTUAL_ENV=\"\"\n", NULL);
    check("_OLD_VIRTUAL_ENV=\"/x\"\n", NULL);
}

Test(observe, activate_path_takes_the_first_assignment)
{
    check("VIRTUAL_ENV=\"/first\"\nVIRTUAL_ENV=\"/second\"\n", "/first");
}
