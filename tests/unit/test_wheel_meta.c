/* WHEEL, METADATA and entry_points.txt parsing (wheel/meta.h). */
#include <criterion/criterion.h>
#include <string.h>

#include "util/utf8.h"
#include "wheel/meta.h"

TestSuite(wheel_meta);

#define S(x) x, strlen(x)

Test(wheel_meta, wheel_file)
{
    wheel_info_t w;
    err_t *e = meta_parse_wheel(S("Wheel-Version: 1.0\r\nGenerator: bdist_wheel (0.40.0)\r\n"
                                  "Root-Is-Purelib: true\r\nTag: py2-none-any\r\n"
                                  "Tag: py3-none-any\r\nBuild: 1\r\n"), "WHEEL", &w);
    cr_assert_null(e, "%s", e ? e->msg : "");
    cr_assert_eq(w.version_major, 1);
    cr_assert_eq(w.version_minor, 0);
    cr_assert_not(w.newer_minor);
    cr_assert(w.root_is_purelib);
    cr_assert_str_eq(w.generator, "bdist_wheel (0.40.0)");
    cr_assert_str_eq(w.build, "1");
    cr_assert_eq(w.ntags, 2);
    cr_assert_str_eq(w.tags[1], "py3-none-any");
    cr_assert_null(w.tags[2]);
    wheel_info_free(&w);

    cr_assert_null(meta_parse_wheel(S("wheel-version:1.1\nroot-is-purelib: TRUE\n"), "W", &w));
    cr_assert(w.newer_minor);
    cr_assert(w.root_is_purelib, "keys and the value compare case-insensitively");
    wheel_info_free(&w);
    cr_assert_null(meta_parse_wheel(S("Wheel-Version: 1.0\nRoot-Is-Purelib: false\n"), "W", &w));
    cr_assert_not(w.root_is_purelib);
    wheel_info_free(&w);
    cr_assert_null(meta_parse_wheel(S("Wheel-Version: 1.0\n"), "W", &w));
    cr_assert_not(w.root_is_purelib, "absent means platlib");
    wheel_info_free(&w);
}

static void wheel_fails(const char *text, const char *part)
{
    wheel_info_t w;
    err_t *e = meta_parse_wheel(text, strlen(text), "x/WHEEL", &w);
    cr_assert_not_null(e, "accepted %s", text);
    cr_assert(strstr(e->msg, part), "%s", e->msg);
    cr_assert(strncmp(e->msg, "x/WHEEL: ", 9) == 0, "%s", e->msg);
    err_free(e);
}

Test(wheel_meta, wheel_file_errors)
{
    wheel_fails("Root-Is-Purelib: true\n", "no Wheel-Version");
    wheel_fails("Wheel-Version: 2.0\n", "not supported");
    wheel_fails("Wheel-Version: 0.9\n", "not supported");
    wheel_fails("Wheel-Version: 1.x\n", "invalid Wheel-Version");
    wheel_fails("Wheel-Version: \n", "invalid Wheel-Version");
    wheel_fails("Wheel-Version: 1.0\n\xff\n", "UTF-8");
    /* A header after the blank line is body, not a header. */
    wheel_fails("Generator: x\n\nWheel-Version: 1.0\n", "no Wheel-Version");
}

Test(wheel_meta, metadata)
{
    const char *text = "Metadata-Version: 2.1\n"
                       "Name:   Foo.Bar \n"
                       "Version: 1.0.post1\n"
                       "Summary: x\n"
                       "Requires-Python: >=3.8,\n"
                       "  <4\n"
                       "Requires-Dist: requests (>=2)\n"
                       "Requires-Dist: tomli; python_version < \"3.11\"\n"
                       "Provides-Extra: test\n"
                       "Description-Content-Type: text/markdown\n"
                       "\n"
                       "Requires-Dist: not-a-header-in-the-body\n";
    core_metadata_t m;
    err_t *e = meta_parse_metadata(text, strlen(text), "METADATA", &m);
    cr_assert_null(e, "%s", e ? e->msg : "");
    cr_assert_str_eq(m.metadata_version, "2.1");
    cr_assert_str_eq(m.name, "Foo.Bar");
    cr_assert_str_eq(m.version, "1.0.post1");
    cr_assert_str_eq(m.requires_python, ">=3.8,  <4");
    cr_assert_eq(m.n_requires_dist, 2);
    cr_assert_str_eq(m.requires_dist[0], "requests (>=2)");
    cr_assert_str_eq(m.requires_dist[1], "tomli; python_version < \"3.11\"");
    cr_assert_eq(m.n_provides_extra, 1);
    cr_assert_str_eq(m.provides_extra[0], "test");
    core_metadata_free(&m);
}

static void metadata_fails(const char *text, const char *part)
{
    core_metadata_t m;
    err_t *e = meta_parse_metadata(text, strlen(text), "METADATA", &m);
    cr_assert_not_null(e, "accepted %s", text);
    cr_assert(strstr(e->msg, part), "%s", e->msg);
    cr_assert_null(m.name);
    err_free(e);
}

Test(wheel_meta, metadata_errors)
{
    metadata_fails("Metadata-Version: 3.0\nName: a\nVersion: 1\n", "not supported");
    metadata_fails("Metadata-Version: two\nName: a\nVersion: 1\n", "invalid Metadata-Version");
    metadata_fails("Version: 1\n", "no Name");
    metadata_fails("Name: -bad-\nVersion: 1\n", "invalid Name");
    metadata_fails("Name: a\n", "no Version");
    metadata_fails("Name: a\nVersion: one\n", "invalid Version");
    metadata_fails("Name: a\nVersion: 1\nSummary: \xc3\x28\n", "UTF-8");
}

Test(wheel_meta, headers_generic)
{
    meta_headers_t h;
    const char *t = "\xef\xbb\xbfKey: a\nKey: b\nCont: x\n\ty\nbroken line\nAfter: no\n";
    cr_assert_null(meta_headers_parse(t, strlen(t), "h", &h));
    cr_assert_eq(h.n, 3);
    cr_assert_str_eq(meta_headers_get(&h, "key"), "a", "first wins, case-insensitive");
    cr_assert_str_eq(h.items[1].value, "b");
    cr_assert_str_eq(meta_headers_get(&h, "cont"), "x\n\ty");
    cr_assert_null(meta_headers_get(&h, "After"), "a non-header line starts the body");
    meta_headers_free(&h);
}

Test(wheel_meta, entry_points)
{
    const char *t = "# leading comment\n"
                    "ignored = before:any_group\n"
                    "[console_scripts]\n"
                    "  tool = pkg.cli:main  \n"
                    "; semicolon comment\n"
                    "tool-2 = pkg.cli:App.run [extra1, extra2]\n"
                    "\n"
                    "[gui_scripts]\n"
                    "gtool=pkg.gui:run\n"
                    "[pytest11]\n"
                    "plugin = pkg.plugin\n"
                    "odd value = not checked here\n";
    entry_points_t e;
    err_t *err = meta_parse_entry_points(t, strlen(t), "entry_points.txt", &e);
    cr_assert_null(err, "%s", err ? err->msg : "");
    cr_assert_eq(e.n, 5);
    cr_assert_str_eq(e.items[0].group, "console_scripts");
    cr_assert_str_eq(e.items[0].name, "tool");
    cr_assert_str_eq(e.items[0].value, "pkg.cli:main");
    cr_assert_str_eq(e.items[0].module, "pkg.cli");
    cr_assert_str_eq(e.items[0].attr, "main");
    cr_assert_null(e.items[0].extras);
    cr_assert_str_eq(e.items[1].name, "tool-2");
    cr_assert_str_eq(e.items[1].attr, "App.run");
    cr_assert_str_eq(e.items[1].extras, "extra1, extra2");
    cr_assert_str_eq(e.items[2].group, "gui_scripts");
    cr_assert_str_eq(e.items[2].name, "gtool");
    cr_assert_str_eq(e.items[2].module, "pkg.gui");
    cr_assert_str_eq(e.items[3].group, "pytest11");
    cr_assert_null(e.items[3].module, "other groups are not parsed as scripts");
    cr_assert_str_eq(e.items[4].name, "odd value");
    entry_points_free(&e);
}

static void ep_fails(const char *t, const char *part)
{
    entry_points_t e;
    err_t *err = meta_parse_entry_points(t, strlen(t), "entry_points.txt", &e);
    cr_assert_not_null(err, "accepted %s", t);
    cr_assert(strstr(err->msg, part), "%s", err->msg);
    cr_assert_eq(e.n, 0);
    err_free(err);
}

Test(wheel_meta, entry_point_errors)
{
    ep_fails("[console_scripts]\ntool = pkg.cli\n", "a callable suffix is required");
    ep_fails("[console_scripts]\ntool = pkg.cli : main\n", "a callable suffix is required");
    ep_fails("[console_scripts]\ntool = pkg.cli:\n", "attribute");
    ep_fails("[console_scripts]\ntool = pkg..cli:main\n", "callable suffix");
    ep_fails("[console_scripts]\ntool = pkg:main [x\n", "unbalanced");
    ep_fails("[console_scripts]\ntool = pkg:main junk\n", "unexpected text");
    ep_fails("[gui_scripts]\n../evil = pkg:main\n", "path separator");
    ep_fails("[console_scripts]\n.. = pkg:main\n", "'.' or '..'");
    ep_fails("[console_scripts]\npython3.12 = pkg:main\n", "interpreter");
    ep_fails("[console_scripts]\npython = pkg:main\n", "interpreter");
    ep_fails("[console_scripts]\nwith space = pkg:main\n", "a character other than");
    ep_fails("[console_scripts]\nno equals sign\n", "expected 'name = value'");
}

Test(wheel_meta, script_names)
{
    cr_assert_null(meta_script_name_check("black"));
    cr_assert_null(meta_script_name_check("pip3.12"));
    cr_assert_null(meta_script_name_check("python-lsp"));
    cr_assert_null(meta_script_name_check("pythonista"));
    cr_assert_null(meta_script_name_check("python3-config-tool"));
    cr_assert_null(meta_script_name_check("caf\xc3\xa9"));
    cr_assert_null(meta_script_name_check("g++-wrap"));
    cr_assert_not_null(meta_script_name_check("python"));
    cr_assert_not_null(meta_script_name_check("pythonw"));
    cr_assert_not_null(meta_script_name_check("python3"));
    cr_assert_not_null(meta_script_name_check("python3.13t"));
    cr_assert_not_null(meta_script_name_check(""));
    cr_assert_not_null(meta_script_name_check("."));
    cr_assert_not_null(meta_script_name_check("a/b"));
    cr_assert_not_null(meta_script_name_check("a\\b"));
    cr_assert_not_null(meta_script_name_check("a\tb"));
}

Test(wheel_meta, utf8)
{
    cr_assert(utf8_valid(S("plain \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80")));
    cr_assert_not(utf8_valid(S("\xc0\xaf")), "overlong");
    cr_assert_not(utf8_valid(S("\xed\xa0\x80")), "surrogate");
    cr_assert_not(utf8_valid(S("\xf4\x90\x80\x80")), "above U+10FFFF");
    cr_assert_not(utf8_valid(S("\xe2\x82")), "truncated");
    cr_assert_not(utf8_valid(S("\x80")), "lone continuation");
}
