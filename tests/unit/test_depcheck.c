/* Unit tests for pkg/depcheck: pip check's rules. */
#include <criterion/criterion.h>
#include <string.h>

#include "pkg/depcheck.h"
#include "support.h"
#include "python/target.h"
#include "util/strv.h"

static marker_env_t env311(void)
{
    static interp_t py;
    py = support_debian311();
    marker_env_t e;
    target_marker_env(&py, &e);
    return e;
}

Test(depcheck, missing_conflicting_and_markers)
{
    char *flask[] = {"Werkzeug>=3.1", "itsdangerous>=2.2", "blinker>=1.9",
                     "asgiref>=3.2; extra == 'async'", "importlib-metadata; python_version < '3.10'",
                     NULL};
    char *werkzeug[] = {"MarkupSafe>=2.1.1", NULL};
    depcheck_dist_t d[] = {{"Flask", "3.1.3", flask},
                           {"Werkzeug", "2.0.0", werkzeug},
                           {"itsdangerous", "2.3.0b1", NULL}, /* a pre-release satisfies >=2.2 */
                           {"markupsafe", "3.0.2", NULL}};
    marker_env_t e = env311();
    char **p = depcheck(d, 4, &e);
    cr_assert_eq(strv_len(p), 2, "%zu problems", strv_len(p));
    cr_assert_str_eq(p[0], "Flask 3.1.3 has requirement Werkzeug>=3.1, but you have Werkzeug 2.0.0.");
    cr_assert_str_eq(p[1], "Flask 3.1.3 requires blinker, which is not installed.");
    strv_free(p);
}

Test(depcheck, everything_met_is_nothing)
{
    char *a[] = {"b[x]>=1; sys_platform == 'linux'", "c; sys_platform == 'win32'", NULL};
    depcheck_dist_t d[] = {{"a", "1.0", a}, {"b", "1.0", NULL}};
    marker_env_t e = env311();
    cr_assert_null(depcheck(d, 2, &e));
}

Test(depcheck, invalid_requirements_are_problems)
{
    char *a[] = {"b!!", NULL};
    depcheck_dist_t d[] = {{"a", "1.0", a}};
    marker_env_t e = env311();
    char **p = depcheck(d, 1, &e);
    cr_assert_eq(strv_len(p), 1);
    cr_assert(strstr(p[0], "invalid requirement 'b!!'"), "%s", p[0]);
    strv_free(p);
}
