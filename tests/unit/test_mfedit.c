/* mfedit: venv.yaml edited as text. Every operation is checked against the exact output and
 * against the line diff it makes (only the intended lines change); results that are manifests
 * are parsed with the real manifest parser. A randomized test applies sequences of edits to
 * seed documents and checks the YAML after every step. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "manifest/edit.h"
#include "support.h"
#include "manifest/manifest.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/xalloc.h"

/* ------------------------------------------------------------------------------------------ */
/* helpers */

static mfedit_t *open_ok(const char *text)
{
    mfedit_t *ed = NULL;
    err_t *e = mfedit_open(text, strlen(text), "venv.yaml", &ed);
    cr_assert_null(e, "open failed: %s", e ? e->msg : "");
    return ed;
}

static void ok(err_t *e)
{
    cr_assert_null(e, "unexpected error: %s", e ? e->msg : "");
}

/* e is an error whose message contains needle; frees it. */
static void fails_with(err_t *e, const char *needle)
{
    cr_assert_not_null(e, "expected an error containing '%s'", needle);
    cr_assert(strstr(e->msg, needle), "message '%s' lacks '%s'", e->msg, needle);
    cr_assert_eq(e->exit_code, EXIT_USAGE);
    err_free(e);
}

/* Lines of s (split at '\n', the final line break not making an extra line). */
static char **split_lines(const char *s, size_t *n)
{
    size_t cap = 8;
    char **v = xmalloc(cap * sizeof *v);
    *n = 0;
    const char *p = s;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        XGROW(v, cap, *n + 1);
        v[(*n)++] = xstrndup(p, len);
        p += len + (nl ? 1 : 0);
    }
    return v;
}

/* The line diff from a to b (longest common subsequence): "-3 -4 +5": the deleted lines'
 * numbers in a, then the added lines' numbers in b, 1-based. "" when equal. */
static char *line_diff(const char *a, const char *b)
{
    size_t na, nb;
    char **la = split_lines(a, &na), **lb = split_lines(b, &nb);
    size_t *dp = xcalloc((na + 1) * (nb + 1), sizeof *dp);
#define DP(i, j) dp[(i) * (nb + 1) + (j)]
    for (size_t i = na; i-- > 0;)
        for (size_t j = nb; j-- > 0;)
            DP(i, j) = strcmp(la[i], lb[j]) == 0 ? DP(i + 1, j + 1) + 1
                       : DP(i + 1, j) >= DP(i, j + 1) ? DP(i + 1, j) : DP(i, j + 1);
    buf_t del = BUF_INIT, add = BUF_INIT;
    size_t i = 0, j = 0;
    while (i < na || j < nb) {
        if (i < na && j < nb && strcmp(la[i], lb[j]) == 0) {
            i++, j++;
        } else if (i < na && (j >= nb || DP(i + 1, j) >= DP(i, j + 1))) {
            buf_printf(&del, "%s-%zu", del.len ? " " : "", ++i);
        } else {
            buf_printf(&add, "%s+%zu", add.len ? " " : "", ++j);
        }
    }
#undef DP
    buf_t r = BUF_INIT;
    buf_adds(&r, buf_cstr(&del));
    if (del.len && add.len)
        buf_addc(&r, ' ');
    buf_adds(&r, buf_cstr(&add));
    for (size_t k = 0; k < na; k++)
        free(la[k]);
    for (size_t k = 0; k < nb; k++)
        free(lb[k]);
    free(la);
    free(lb);
    free(dp);
    buf_free(&del);
    buf_free(&add);
    return buf_detach(&r);
}

/* The manifest parser accepts text. */
static void valid_manifest(const char *text)
{
    manifest_t *m = NULL;
    err_t *e = manifest_parse(text, strlen(text), "/proj/venv.yaml", support_env(), &m);
    if (e) {
        for (err_t *p = e; p; p = p->next)
            cr_log_error("manifest: %s", p->msg);
        cr_assert_fail("the result is not a valid manifest:\n%s", text);
    }
    manifest_free(m);
}

/* ed's text is `after`, the diff from `before` is `diff`, and (when it has `version: 1`) the
 * manifest parser accepts it. */
static void result(const mfedit_t *ed, const char *before, const char *after, const char *diff)
{
    const char *got = mfedit_text(ed, NULL);
    cr_assert_str_eq(got, after, "got:\n%s\nwanted:\n%s", got, after);
    char *d = line_diff(before, got);
    cr_assert_str_eq(d, diff, "diff '%s', wanted '%s'", d, diff);
    free(d);
    if (strstr(after, "version: 1"))
        valid_manifest(after);
}

/* ed still holds `before` after a refused operation. */
static void unchanged(const mfedit_t *ed, const char *before)
{
    cr_assert_str_eq(mfedit_text(ed, NULL), before);
}

#define KV(k, v) {.key = (k), .value = (v)}
#define LIT(k, v) {.key = (k), .value = (v), .literal = true}
#define ENV(name_, ...) ((mfedit_env_t){.name = (name_), __VA_ARGS__})
#define KEYS(...) .keys = (const mfedit_kv_t[]){__VA_ARGS__}, \
    .nkeys = sizeof((const mfedit_kv_t[]){__VA_ARGS__}) / sizeof(mfedit_kv_t)
#define PKGS(...) .packages = (const char *const[]){__VA_ARGS__}, \
    .npackages = sizeof((const char *const[]){__VA_ARGS__}) / sizeof(char *), .with_packages = true
#define LIST(...) (const char *const[]){__VA_ARGS__}, \
    sizeof((const char *const[]){__VA_ARGS__}) / sizeof(char *)

/* One operation on a fresh editor: the exact result and its diff. */
static void add_env_case(const char *before, mfedit_env_t env, const char *after, const char *diff)
{
    mfedit_t *ed = open_ok(before);
    ok(mfedit_add_env(ed, &env));
    result(ed, before, after, diff);
    cr_assert(mfedit_changed(ed));
    mfedit_free(ed);
}

static void remove_env_case(const char *before, const char *name, const char *after,
                            const char *diff)
{
    mfedit_t *ed = open_ok(before);
    ok(mfedit_remove_env(ed, name));
    result(ed, before, after, diff);
    mfedit_free(ed);
}

static void add_pkgs_case(const char *before, const char *env, const char *const *specs,
                          size_t n, const char *after, const char *diff)
{
    mfedit_t *ed = open_ok(before);
    ok(mfedit_add_packages(ed, env, specs, n, NULL));
    result(ed, before, after, diff);
    mfedit_free(ed);
}

static void rm_pkgs_case(const char *before, const char *env, const char *const *names,
                         size_t n, const char *after, const char *diff)
{
    mfedit_t *ed = open_ok(before);
    ok(mfedit_remove_packages(ed, env, names, n, NULL));
    result(ed, before, after, diff);
    mfedit_free(ed);
}

static void set_case(const char *before, const char *env, const char *key, const char *value,
                     const char *after, const char *diff)
{
    mfedit_t *ed = open_ok(before);
    ok(mfedit_set(ed, env, key, value));
    result(ed, before, after, diff);
    mfedit_free(ed);
}

/* The example's shape: comments everywhere, blank lines between environments. */
static const char *const EXAMPLE =
    "# venv.yaml: every Python environment this project needs.\n"   /* 1 */
    "\n"
    "# The manifest format version.\n"
    "version: 1\n"
    "\n"                                                              /* 5 */
    "python: \"3\"   # the default\n"
    "\n"
    "environments:\n"
    "  # The project's main environment.\n"
    "  dev:\n"                                                        /* 10 */
    "    path: .venv\n"
    "    # Shown in your prompt.\n"
    "    prompt: dev\n"
    "    packages:\n"
    "      - requests>=2.31   # http\n"                               /* 15 */
    "      - \"tomli; python_version < '3.11'\"\n"
    "    # exact (default true): remove what is not listed.\n"
    "\n"
    "  # Command-line tools.\n"
    "  # It has no path.\n"                                           /* 20 */
    "  tools:\n"
    "    prompt: project-tools\n"
    "    # copy-from: dev would start it as a copy.\n";

/* ------------------------------------------------------------------------------------------ */
/* the line diff helper itself */

Test(mfedit, line_diff_helper)
{
    char *d = line_diff("a\nb\nc\n", "a\nc\nd\n");
    cr_assert_str_eq(d, "-2 +3");
    free(d);
    d = line_diff("a\n", "a\n");
    cr_assert_str_eq(d, "");
    free(d);
    d = line_diff("a\nb", "x\nb\n");
    cr_assert_str_eq(d, "-1 +1");
    free(d);
}

/* ------------------------------------------------------------------------------------------ */
/* scalars */

Test(mfedit, quote_plain_when_safe)
{
    const char *plain[] = {"requests>=2.31", "requests", ".venv", "~/envs/x", "cpython@3.12",
                           "Django~=4.2", "foo!=1.0", "lint tools", "données", "a-b_c.d",
                           "project-tools", "/abs/path", "x=1"};
    for (size_t i = 0; i < sizeof plain / sizeof *plain; i++) {
        char *q = mfedit_quote(plain[i]);
        cr_assert_str_eq(q, plain[i]);
        free(q);
    }
}

Test(mfedit, quote_when_yaml_needs_it)
{
    static const struct { const char *in, *out; } cases[] = {
        {">=3.10,<3.13", "\">=3.10,<3.13\""},
        {"3.12", "\"3.12\""}, {"3", "\"3\""}, {"3.13t", "\"3.13t\""}, {".5", "\".5\""},
        {"-1", "\"-1\""}, {"+1", "\"+1\""}, {"2024-01-01", "\"2024-01-01\""},
        {"true", "\"true\""}, {"False", "\"False\""}, {"yes", "\"yes\""}, {"off", "\"off\""},
        {"y", "\"y\""}, {"null", "\"null\""}, {"~", "\"~\""}, {"", "\"\""}, {"<<", "\"<<\""},
        {".inf", "\".inf\""}, {".NaN", "\".NaN\""},
        {"tomli; python_version < '3.11'", "\"tomli; python_version < '3.11'\""},
        {"pkg @ https://h/p.whl", "\"pkg @ https://h/p.whl\""},
        {"a #b", "\"a #b\""}, {"#a", "\"#a\""}, {"a: b", "\"a: b\""}, {"a:", "\"a:\""},
        {"x[y]>=1", "\"x[y]>=1\""}, {"${HOME}/x", "\"${HOME}/x\""}, {"a,b", "\"a,b\""},
        {"*x", "\"*x\""}, {"&x", "\"&x\""}, {"!x", "\"!x\""}, {"@x", "\"@x\""},
        {"%x", "\"%x\""}, {"|x", "\"|x\""}, {">x", "\">x\""}, {"-x", "\"-x\""}, {"?x", "\"?x\""},
        {"`x", "\"`x\""}, {"'x", "\"'x\""}, {" x", "\" x\""}, {"x ", "\"x \""},
        {"a\"b\\c", "\"a\\\"b\\\\c\""}, {"a\tb", "\"a\\tb\""}, {"a\nb", "\"a\\nb\""},
        {"a\x01" "b", "\"a\\x01b\""}, {"a\x7f", "\"a\\x7F\""},
        {"a\xc2\x85" "b", "\"a\\Nb\""}, {"a\xe2\x80\xa8" "b", "\"a\\Lb\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *q = mfedit_quote(cases[i].in);
        cr_assert_str_eq(q, cases[i].out, "quote(%s)", cases[i].in);
        free(q);
    }
}

/* Whatever the quoting, libyaml reads back the same string, as a flow item and as a value. */
Test(mfedit, quote_round_trips)
{
    const char *vals[] = {">=3.10,<3.13", "3.12", "true", "", "~", "a: b", "#x", "x #y",
                          "a\"b\\c", "a\tb\nc", "\x01\x1f", "é ü", "*x", "[a]", "{a}", "a,b",
                          "'q'", "- x", "? x", ": x", "x:", "-", "a\xc2\x85" "b", "\xef\xbb\xbfx",
                          "requests>=2", "tomli; python_version < '3.11'"};
    for (size_t i = 0; i < sizeof vals / sizeof *vals; i++) {
        char *q = mfedit_quote(vals[i]);
        char *doc = xasprintf("k: %s\nl: [%s, z]\n", q, q);
        yaml_parser_t p;
        yaml_document_t d;
        yaml_parser_initialize(&p);
        yaml_parser_set_input_string(&p, (const unsigned char *)doc, strlen(doc));
        cr_assert(yaml_parser_load(&p, &d), "%s does not parse", doc);
        yaml_node_t *root = yaml_document_get_root_node(&d);
        yaml_node_pair_t *pr = root->data.mapping.pairs.start;
        yaml_node_t *v = yaml_document_get_node(&d, pr[0].value);
        cr_assert_str_eq((char *)v->data.scalar.value, vals[i], "value of %s", doc);
        yaml_node_t *l = yaml_document_get_node(&d, pr[1].value);
        cr_assert_eq(l->data.sequence.items.top - l->data.sequence.items.start, 2);
        yaml_node_t *it = yaml_document_get_node(&d, l->data.sequence.items.start[0]);
        cr_assert_str_eq((char *)it->data.scalar.value, vals[i], "item of %s", doc);
        yaml_document_delete(&d);
        yaml_parser_delete(&p);
        free(doc);
        free(q);
    }
}

/* ------------------------------------------------------------------------------------------ */
/* opening */

Test(mfedit, open_refuses_bad_text)
{
    static const struct { const char *text; const char *msg; } cases[] = {
        {"version: 1\nenvironments: [a\n", "venv.yaml:2:18: YAML syntax error: did not find "
                                           "expected ',' or ']'"},
        {"a: 1\n---\nb: 2\n", "venv.yaml:2:1: a manifest is a single YAML document"},
        {"a: 1\rb: 2\n", "venv.yaml:1:5: a carriage return without a line feed"},
        {"a: 1\n# x\xc2\x85y\n", "venv.yaml:2:4: a NEL (U+0085) line break"},
        {"a: 1\n# \xe2\x80\xa8\n", "venv.yaml:2:3: a Unicode line or paragraph separator"},
        {"a: *x\n", "venv.yaml:1:4: YAML error: alias *x has no anchor"},
        {"a: \xff\n", "not valid text"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        mfedit_t *ed = (mfedit_t *)0x1;
        err_t *e = mfedit_open(cases[i].text, strlen(cases[i].text), "venv.yaml", &ed);
        cr_assert_null(ed);
        fails_with(e, cases[i].msg);
    }
    mfedit_t *ed = (mfedit_t *)0x1;
    fails_with(mfedit_open("a: 1\0b", 6, "venv.yaml", &ed),
               "venv.yaml:1:5: not valid text: a NUL byte");
}

Test(mfedit, open_keeps_text_and_length)
{
    mfedit_t *ed = NULL;
    ok(mfedit_open("version: 1\nxx", 11, "f", &ed));
    size_t len;
    cr_assert_str_eq(mfedit_text(ed, &len), "version: 1\n");
    cr_assert_eq(len, 11);
    cr_assert_not(mfedit_changed(ed));
    mfedit_free(ed);
}

/* ------------------------------------------------------------------------------------------ */
/* add_env */

Test(mfedit, add_env_blank_separated_block)
{
    add_env_case(EXAMPLE,
                 ENV("docs", KEYS(KV("copy-from", "dev"), KV("python", ">=3.10,<3.13")),
                     PKGS("sphinx", "tomli; python_version < '3.11'")),
                 "# venv.yaml: every Python environment this project needs.\n"
                 "\n"
                 "# The manifest format version.\n"
                 "version: 1\n"
                 "\n"
                 "python: \"3\"   # the default\n"
                 "\n"
                 "environments:\n"
                 "  # The project's main environment.\n"
                 "  dev:\n"
                 "    path: .venv\n"
                 "    # Shown in your prompt.\n"
                 "    prompt: dev\n"
                 "    packages:\n"
                 "      - requests>=2.31   # http\n"
                 "      - \"tomli; python_version < '3.11'\"\n"
                 "    # exact (default true): remove what is not listed.\n"
                 "\n"
                 "  # Command-line tools.\n"
                 "  # It has no path.\n"
                 "  tools:\n"
                 "    prompt: project-tools\n"
                 "    # copy-from: dev would start it as a copy.\n"
                 "\n"
                 "  docs:\n"
                 "    copy-from: dev\n"
                 "    python: \">=3.10,<3.13\"\n"
                 "    packages:\n"
                 "      - sphinx\n"
                 "      - \"tomli; python_version < '3.11'\"\n",
                 "+24 +25 +26 +27 +28 +29 +30");
}

/* No blank lines between environments, dashes not indented, environments not last. */
Test(mfedit, add_env_compact_style_before_other_keys)
{
    const char *in =
        "version: 1\n"
        "environments:\n"
        "    app:\n"
        "        path: .venv\n"
        "        packages:\n"
        "        -   requests\n"
        "    lint:\n"
        "        system-site-packages: false\n"
        "index:\n"
        "    url: https://pypi.org/simple\n";
    add_env_case(in, ENV("test", KEYS(KV("prompt", "tests: all")), PKGS("pytest==8.3.2")),
                 "version: 1\n"
                 "environments:\n"
                 "    app:\n"
                 "        path: .venv\n"
                 "        packages:\n"
                 "        -   requests\n"
                 "    lint:\n"
                 "        system-site-packages: false\n"
                 "    test:\n"
                 "        prompt: \"tests: all\"\n"
                 "        packages:\n"
                 "        -   pytest==8.3.2\n"
                 "index:\n"
                 "    url: https://pypi.org/simple\n",
                 "+9 +10 +11 +12");
}

Test(mfedit, add_env_follows_flow_packages_and_flow_envs)
{
    /* the last packages list is flow: a new one is too */
    add_env_case("version: 1\n"
                 "environments:\n"
                 "  dev:\n"
                 "    packages: [attrs]\n",
                 ENV("docs", KEYS(KV("path", "d")), PKGS("sphinx", "furo")),
                 "version: 1\n"
                 "environments:\n"
                 "  dev:\n"
                 "    packages: [attrs]\n"
                 "  docs:\n"
                 "    path: d\n"
                 "    packages: [sphinx, furo]\n",
                 "+5 +6 +7");
    /* environments written `name: {...}`: the new one too */
    add_env_case("version: 1\n"
                 "environments:\n"
                 "  a: {path: x, packages: [attrs]}   # one-liner\n"
                 "  b: {path: y}\n",
                 ENV("c", KEYS(KV("python", "3.12")), PKGS("pytest")),
                 "version: 1\n"
                 "environments:\n"
                 "  a: {path: x, packages: [attrs]}   # one-liner\n"
                 "  b: {path: y}\n"
                 "  c: {python: \"3.12\", packages: [pytest]}\n",
                 "+5");
}

Test(mfedit, add_env_into_flow_environments)
{
    add_env_case("version: 1\nenvironments: {a: {path: x}, b: {}}   # flow\n",
                 ENV("c", KEYS(KV("python", "3.12")), PKGS("req>=1", "x; os_name == 'nt'")),
                 "version: 1\nenvironments: {a: {path: x}, b: {}, c: {python: \"3.12\", "
                 "packages: [req>=1, \"x; os_name == 'nt'\"]}}   # flow\n",
                 "-2 +2");
    /* one item per line, comments after items, a trailing comma */
    add_env_case("version: 1\n"
                 "environments: {\n"
                 "  a: {path: x},   # ca\n"
                 "  b: {path: y}  # cb\n"
                 "}\n",
                 ENV("c", KEYS(KV("path", "z"))),
                 "version: 1\n"
                 "environments: {\n"
                 "  a: {path: x},   # ca\n"
                 "  b: {path: y},  # cb\n"
                 "  c: {path: z}\n"
                 "}\n",
                 "-4 +4 +5");
    add_env_case("version: 1\n"
                 "environments: {\n"
                 "  a: {path: x},\n"
                 "}\n",
                 ENV("b"),
                 "version: 1\n"
                 "environments: {\n"
                 "  a: {path: x},\n"
                 "  b: {},\n"
                 "}\n",
                 "+4");
    add_env_case("version: 1\nenvironments: {a: {}, }\n", ENV("b"),
                 "version: 1\nenvironments: {a: {}, b: {}, }\n", "-2 +2");
    /* the root itself is flow */
    add_env_case("{version: 1}\n", ENV("a", KEYS(KV("path", "p"))),
                 "{version: 1, environments: {a: {path: p}}}\n", "-1 +1");
    add_env_case("{version: 1, environments: {}}\n", ENV("a"),
                 "{version: 1, environments: {a: {}}}\n", "-1 +1");
}

Test(mfedit, add_env_creates_a_block_from_nothing)
{
    add_env_case("version: 1\nenvironments: {}   # none yet\n",
                 ENV("dev", KEYS(KV("path", ".venv"))),
                 "version: 1\nenvironments:   # none yet\n  dev:\n    path: .venv\n",
                 "-2 +2 +3 +4");
    add_env_case("version: 1\nenvironments:\n", ENV("dev", PKGS("attrs")),
                 "version: 1\nenvironments:\n  dev:\n    packages:\n      - attrs\n",
                 "+3 +4 +5");
    add_env_case("version: 1\nenvironments: ~\n", ENV("dev"),
                 "version: 1\nenvironments:\n  dev: {}\n", "-2 +2 +3");
    /* no environments key: after the last top-level key, blank-separated like the others */
    add_env_case("# header\nversion: 1\n\nroot: .venvs   # here\n# trailing\n", ENV("dev"),
                 "# header\nversion: 1\n\nroot: .venvs   # here\n\nenvironments:\n  dev: {}\n"
                 "# trailing\n",
                 "+5 +6 +7");
    add_env_case("version: 1\nindex:\n  url: https://u\n", ENV("dev", PKGS()),
                 "version: 1\nindex:\n  url: https://u\nenvironments:\n  dev:\n    packages: []\n",
                 "+4 +5 +6");
    /* empty documents */
    add_env_case("", ENV("dev"), "environments:\n  dev: {}\n", "+1 +2");
    add_env_case("# just a comment", ENV("dev"),
                 "# just a comment\nenvironments:\n  dev: {}\n", "+2 +3");
    add_env_case("---\n", ENV("dev"), "---\nenvironments:\n  dev: {}\n", "+2 +3");
}

Test(mfedit, add_env_edge_text)
{
    /* no final newline: still none */
    add_env_case("version: 1\nenvironments:\n  a:\n    path: x", ENV("b", KEYS(KV("path", "w"))),
                 "version: 1\nenvironments:\n  a:\n    path: x\n  b:\n    path: w", "+5 +6");
    /* CRLF: new lines use it too */
    add_env_case("version: 1\r\nenvironments:\r\n  a: {}\r\n", ENV("b", PKGS("x")),
                 "version: 1\r\nenvironments:\r\n  a: {}\r\n  b:\r\n    packages:\r\n"
                 "      - x\r\n",
                 "+4 +5 +6");
    /* BOM, ---, tabs in comments, UTF-8 and quoted names */
    add_env_case("\xef\xbb\xbf--- # doc\nversion: 1\nenvironments:\n  \"données\":\t# tab\n"
                 "    prompt: é\n...\n",
                 ENV("ñandú", KEYS(KV("prompt", "3.11"))),
                 "\xef\xbb\xbf--- # doc\nversion: 1\nenvironments:\n  \"données\":\t# tab\n"
                 "    prompt: é\n  ñandú:\n    prompt: \"3.11\"\n...\n",
                 "+6 +7");
    /* names and keys that need quotes */
    add_env_case("version: 1\nenvironments:\n  a: {}\n", ENV("3.12", KEYS(KV("prompt", "a: b"))),
                 "version: 1\nenvironments:\n  a: {}\n  \"3.12\":\n    prompt: \"a: b\"\n",
                 "+4 +5");
}

Test(mfedit, add_env_refusals)
{
    const char *in = "version: 1\nenvironments:\n  base: &b {path: x}\n  dev:\n    <<: *b\n";
    mfedit_t *ed = open_ok(in);
    fails_with(mfedit_add_env(ed, &ENV("dev")), "venv.yaml:4:3: environment 'dev' already exists");
    fails_with(mfedit_add_env(ed, &ENV("")), "needs a name");
    fails_with(mfedit_add_env(ed, &ENV("x", .keys = (const mfedit_kv_t[]){KV("k", NULL)},
                                       .nkeys = 1)), "without a key or value");
    unchanged(ed, in);
    cr_assert_not(mfedit_changed(ed));
    mfedit_free(ed);

    ed = open_ok("version: 1\nenvironments:\n  <<: {dev: {}}\n");
    fails_with(mfedit_add_env(ed, &ENV("dev")), "3:3: environment 'dev' already exists (it "
                                                 "comes from a merge key)");
    mfedit_free(ed);
    ed = open_ok("version: 1\nenvironments: [a]\n");
    fails_with(mfedit_add_env(ed, &ENV("dev")), "2:15: 'environments' must be a mapping");
    mfedit_free(ed);
    ed = open_ok("- a\n");
    fails_with(mfedit_add_env(ed, &ENV("dev")), "1:1: the manifest must be a mapping");
    mfedit_free(ed);
    ed = open_ok("version: 1\nx: &e {}\nenvironments: *e\n");
    fails_with(mfedit_add_env(ed, &ENV("dev")), "3:15: 'environments' is an alias (*e)");
    mfedit_free(ed);
}

/* ------------------------------------------------------------------------------------------ */
/* remove_env */

/* The comment rule on EXAMPLE: dev takes its comment above (line 9), its deeper comments
 * inside and after it (12, 17) and the blank line below it (18, since none is above). */
Test(mfedit, remove_env_first_takes_its_comments)
{
    remove_env_case(EXAMPLE, "dev",
                    "# venv.yaml: every Python environment this project needs.\n"
                    "\n"
                    "# The manifest format version.\n"
                    "version: 1\n"
                    "\n"
                    "python: \"3\"   # the default\n"
                    "\n"
                    "environments:\n"
                    "  # Command-line tools.\n"
                    "  # It has no path.\n"
                    "  tools:\n"
                    "    prompt: project-tools\n"
                    "    # copy-from: dev would start it as a copy.\n",
                    "-9 -10 -11 -12 -13 -14 -15 -16 -17 -18");
}

/* tools takes its two comment lines, its deeper trailing comment and the blank line above. */
Test(mfedit, remove_env_last_takes_blank_above)
{
    remove_env_case(EXAMPLE, "tools",
                    "# venv.yaml: every Python environment this project needs.\n"
                    "\n"
                    "# The manifest format version.\n"
                    "version: 1\n"
                    "\n"
                    "python: \"3\"   # the default\n"
                    "\n"
                    "environments:\n"
                    "  # The project's main environment.\n"
                    "  dev:\n"
                    "    path: .venv\n"
                    "    # Shown in your prompt.\n"
                    "    prompt: dev\n"
                    "    packages:\n"
                    "      - requests>=2.31   # http\n"
                    "      - \"tomli; python_version < '3.11'\"\n"
                    "    # exact (default true): remove what is not listed.\n",
                    "-18 -19 -20 -21 -22 -23");
}

/* Comments that belong to nobody stay: one at the key's column separated by a blank line, one
 * at the key's column after an entry, one at a shallower column. */
Test(mfedit, remove_env_keeps_comments_of_nobody)
{
    const char *in =
        "version: 1\n"
        "environments:\n"
        "  a:\n"
        "    path: x\n"
        "    # a's own, deeper\n"        /* 5: a's */
        "  # after a, key column\n"       /* 6: nobody's (follows a, not directly above b) */
        "\n"
        "  # section comment\n"           /* 8: separated from b by a blank line */
        "\n"
        "  # about b\n"                   /* 10: b's */
        "  b:   # b inline\n"
        "    path: y\n"
        "# column 0, after b\n"           /* 13: nobody's */
        "    # deeper after that\n"       /* 14: nobody's (a shallower comment came first) */
        "  c:\n"
        "    path: z\n";
    remove_env_case(in, "a",
                    "version: 1\n"
                    "environments:\n"
                    "  # after a, key column\n"
                    "\n"
                    "  # section comment\n"
                    "\n"
                    "  # about b\n"
                    "  b:   # b inline\n"
                    "    path: y\n"
                    "# column 0, after b\n"
                    "    # deeper after that\n"
                    "  c:\n"
                    "    path: z\n",
                    "-3 -4 -5");
    remove_env_case(in, "b",
                    "version: 1\n"
                    "environments:\n"
                    "  a:\n"
                    "    path: x\n"
                    "    # a's own, deeper\n"
                    "  # after a, key column\n"
                    "\n"
                    "  # section comment\n"
                    "# column 0, after b\n"
                    "    # deeper after that\n"
                    "  c:\n"
                    "    path: z\n",
                    "-9 -10 -11 -12");
    remove_env_case(in, "c",
                    "version: 1\n"
                    "environments:\n"
                    "  a:\n"
                    "    path: x\n"
                    "    # a's own, deeper\n"
                    "  # after a, key column\n"
                    "\n"
                    "  # section comment\n"
                    "\n"
                    "  # about b\n"
                    "  b:   # b inline\n"
                    "    path: y\n"
                    "# column 0, after b\n"
                    "    # deeper after that\n",
                    "-15 -16");
}

Test(mfedit, remove_env_blank_lines)
{
    const char *in = "version: 1\nenvironments:\n  a: {}\n\n  b: {}\n\n  c: {}\n\nindex: {}\n";
    /* middle: the blank line above goes with it */
    remove_env_case(in, "b", "version: 1\nenvironments:\n  a: {}\n\n  c: {}\n\nindex: {}\n",
                    "-5 -6");   /* the same as -4 -5 to a line diff */
    /* first: none above, so the one below */
    remove_env_case(in, "a", "version: 1\nenvironments:\n  b: {}\n\n  c: {}\n\nindex: {}\n",
                    "-3 -4");
    /* last: the one above; the one before `index:` stays */
    remove_env_case(in, "c", "version: 1\nenvironments:\n  a: {}\n\n  b: {}\n\nindex: {}\n",
                    "-7 -8");   /* the same as -6 -7 */
}

Test(mfedit, remove_last_env_leaves_empty_mapping)
{
    remove_env_case("version: 1\nenvironments:   # all of them\n  # the one\n  dev:\n"
                    "    path: .venv\n    # deeper\n# kept\n",
                    "dev", "version: 1\nenvironments: {}   # all of them\n# kept\n",
                    "-2 -3 -4 -5 -6 +2");
    remove_env_case("version: 1\nenvironments:\n  dev:\n    path: .venv\nindex:\n"
        "  url: https://u\n",
                    "dev", "version: 1\nenvironments: {}\nindex:\n  url: https://u\n",
                    "-2 -3 -4 +2");
    /* no final newline, CRLF */
    remove_env_case("version: 1\r\nenvironments:\r\n  a: {}\r\n  b:\r\n    path: x", "b",
                    "version: 1\r\nenvironments:\r\n  a: {}", "-3 -4 -5 +3");
    remove_env_case("version: 1\nenvironments: &e\n  dev: {}\n", "dev",
                    "version: 1\nenvironments: &e {}\n", "-2 -3 +2");
}

Test(mfedit, remove_env_flow)
{
    const char *in = "version: 1\nenvironments: {a: {path: x}, b: {}, c: {path: z}}\n";
    remove_env_case(in, "a", "version: 1\nenvironments: {b: {}, c: {path: z}}\n", "-2 +2");
    remove_env_case(in, "b", "version: 1\nenvironments: {a: {path: x}, c: {path: z}}\n", "-2 +2");
    remove_env_case(in, "c", "version: 1\nenvironments: {a: {path: x}, b: {}}\n", "-2 +2");
    remove_env_case("version: 1\nenvironments: {a: {}}\n", "a", "version: 1\nenvironments: {}\n",
                    "-2 +2");
    remove_env_case("version: 1\nenvironments: {a: {}, }\n", "a",
                    "version: 1\nenvironments: {}\n", "-2 +2");
    /* items on lines of their own: whole lines go, with their comments */
    const char *ml = "version: 1\n"
                     "environments: {\n"
                     "  a: {path: x},   # ca\n"
                     "  b: {path: y},   # cb\n"
                     "  c: {path: z}    # cc\n"
                     "}\n";
    remove_env_case(ml, "b",
                    "version: 1\nenvironments: {\n  a: {path: x},   # ca\n  c: {path: z}    # cc\n"
                    "}\n",
                    "-4");
    remove_env_case(ml, "c",
                    "version: 1\nenvironments: {\n  a: {path: x},   # ca\n  b: {path: y}   # cb\n"
                    "}\n",
                    "-4 -5 +4");
}

/* Keys as YAML reads them: quoted keys match their value. */
Test(mfedit, quoted_keys)
{
    const char *in = "version: 1\n"
                     "\"environments\":\n"
                     "  'lint tools':\n"
                     "    \"packages\": [ruff]\n"
                     "  \"3.11\":   # quoted name\n"
                     "    'python': \"3.11\"\n";
    remove_env_case(in, "3.11",
                    "version: 1\n\"environments\":\n  'lint tools':\n    \"packages\": [ruff]\n",
                    "-5 -6");
    remove_env_case(in, "lint tools",
                    "version: 1\n\"environments\":\n  \"3.11\":   # quoted name\n"
                    "    'python': \"3.11\"\n",
                    "-3 -4");
    add_pkgs_case(in, "lint tools", LIST("black"),
                  "version: 1\n\"environments\":\n  'lint tools':\n"
                  "    \"packages\": [ruff, black]\n"
                  "  \"3.11\":   # quoted name\n    'python': \"3.11\"\n",
                  "-4 +4");
    set_case(in, "3.11", "python", "3.11.9",
             "version: 1\n\"environments\":\n  'lint tools':\n    \"packages\": [ruff]\n"
             "  \"3.11\":   # quoted name\n    'python': \"3.11.9\"\n",
             "-6 +6");
}

Test(mfedit, remove_env_refusals)
{
    const char *in = "version: 1\n"
                     "environments:\n"
                     "  <<: {m: {}}\n"
                     "  base: &b\n"
                     "    packages: &p [x]\n"
                     "  dev:\n"
                     "    <<: *b\n"
                     "  doc:\n"
                     "    packages: *p\n";
    mfedit_t *ed = open_ok(in);
    fails_with(mfedit_remove_env(ed, "nope"), "venv.yaml: no environment 'nope'");
    fails_with(mfedit_remove_env(ed, "m"), "3:3: environment 'm' comes from a merge key");
    fails_with(mfedit_remove_env(ed, "base"), "4:9: cannot remove environment 'base': it holds "
                                              "the anchor &b, which the alias at line 7 uses");
    unchanged(ed, in);
    /* aliases inside the removed text are fine */
    ok(mfedit_remove_env(ed, "doc"));
    ok(mfedit_remove_env(ed, "dev"));
    ok(mfedit_remove_env(ed, "base"));
    cr_assert_str_eq(mfedit_text(ed, NULL), "version: 1\nenvironments:\n  <<: {m: {}}\n");
    mfedit_free(ed);
    ed = open_ok("version: 1\nenvironments:\n  ? a\n  : {}\n");
    fails_with(mfedit_remove_env(ed, "a"), "its key is not at the start of its line");
    mfedit_free(ed);
}

/* ------------------------------------------------------------------------------------------ */
/* add_packages */

Test(mfedit, add_packages_block_list)
{
    add_pkgs_case(EXAMPLE, "dev", LIST("attrs==24.2.0", "pkg @ https://h/p.whl"),
                  "# venv.yaml: every Python environment this project needs.\n"
                  "\n"
                  "# The manifest format version.\n"
                  "version: 1\n"
                  "\n"
                  "python: \"3\"   # the default\n"
                  "\n"
                  "environments:\n"
                  "  # The project's main environment.\n"
                  "  dev:\n"
                  "    path: .venv\n"
                  "    # Shown in your prompt.\n"
                  "    prompt: dev\n"
                  "    packages:\n"
                  "      - requests>=2.31   # http\n"
                  "      - \"tomli; python_version < '3.11'\"\n"
                  "      - attrs==24.2.0\n"
                  "      - \"pkg @ https://h/p.whl\"\n"
                  "    # exact (default true): remove what is not listed.\n"
                  "\n"
                  "  # Command-line tools.\n"
                  "  # It has no path.\n"
                  "  tools:\n"
                  "    prompt: project-tools\n"
                  "    # copy-from: dev would start it as a copy.\n",
                  "+17 +18");
    /* the dash style of the list: not indented, three spaces after */
    add_pkgs_case("version: 1\nenvironments:\n  a:\n    packages:\n    -   x  # c\n"
        "    exact: true\n",
                  "a", LIST("w"),
                  "version: 1\nenvironments:\n  a:\n    packages:\n    -   x  # c\n    -   w\n"
                  "    exact: true\n",
                  "+6");
    /* no final newline */
    add_pkgs_case("version: 1\nenvironments:\n  a:\n    packages:\n      - x", "a", LIST("z"),
                  "version: 1\nenvironments:\n  a:\n    packages:\n      - x\n      - z", "+6");
}

Test(mfedit, add_packages_creates_the_key)
{
    /* after the last key, before the comments at the key's column that follow it */
    add_pkgs_case(EXAMPLE, "tools", LIST("ruff"),
                  "# venv.yaml: every Python environment this project needs.\n"
                  "\n"
                  "# The manifest format version.\n"
                  "version: 1\n"
                  "\n"
                  "python: \"3\"   # the default\n"
                  "\n"
                  "environments:\n"
                  "  # The project's main environment.\n"
                  "  dev:\n"
                  "    path: .venv\n"
                  "    # Shown in your prompt.\n"
                  "    prompt: dev\n"
                  "    packages:\n"
                  "      - requests>=2.31   # http\n"
                  "      - \"tomli; python_version < '3.11'\"\n"
                  "    # exact (default true): remove what is not listed.\n"
                  "\n"
                  "  # Command-line tools.\n"
                  "  # It has no path.\n"
                  "  tools:\n"
                  "    prompt: project-tools\n"
                  "    packages:\n"
                  "      - ruff\n"
                  "    # copy-from: dev would start it as a copy.\n",
                  "+23 +24");
    /* flow packages elsewhere: a flow list */
    add_pkgs_case("version: 1\nenvironments:\n  a:\n    packages: [x]\n  b:\n    path: y\n", "b",
                  LIST("z", "w"),
                  "version: 1\nenvironments:\n  a:\n    packages: [x]\n  b:\n    path: y\n"
                  "    packages: [z, w]\n",
                  "+7");
    /* a flow environment */
    add_pkgs_case("version: 1\nenvironments:\n  a: {path: x}   # c\n", "a", LIST("z"),
                  "version: 1\nenvironments:\n  a: {path: x, packages: [z]}   # c\n", "-3 +3");
    /* {} and null environments become blocks */
    add_pkgs_case("version: 1\nenvironments:\n  a: {}\n  b:\n", "a", LIST("z"),
                  "version: 1\nenvironments:\n  a:\n    packages:\n      - z\n  b:\n",
                  "-3 +3 +4 +5");
    add_pkgs_case("version: 1\nenvironments:\n  a: {}\n  b:   # bee\n", "b", LIST("z"),
                  "version: 1\nenvironments:\n  a: {}\n  b:   # bee\n    packages:\n      - z\n",
                  "+5 +6");
    /* a null environment inside a flow mapping gets a flow mapping */
    add_pkgs_case("version: 1\nenvironments: {a: }\n", "a", LIST("z"),
                  "version: 1\nenvironments: {a: {packages: [z]} }\n", "-2 +2");
}

Test(mfedit, add_packages_flow_and_empty_lists)
{
    add_pkgs_case("version: 1\nenvironments:\n  a: {packages: [x, \"y; os_name == 'nt'\"]}\n",
                  "a", LIST("Z>=1", "w[e]"),
                  "version: 1\nenvironments:\n  a: {packages: [x, \"y; os_name == 'nt'\", Z>=1, "
                  "\"w[e]\"]}\n",
                  "-3 +3");
    add_pkgs_case("version: 1\nenvironments:\n  a:\n    packages: [\n      x,\n      w,\n    ]\n",
                  "a", LIST("z"),
                  "version: 1\nenvironments:\n  a:\n    packages: [\n      x,\n      w,\n"
                  "      z,\n    ]\n",
                  "+7");
    /* [] with no other list to follow: the default block style */
    add_pkgs_case("version: 1\nenvironments:\n  a:\n    packages: []   # none\n", "a", LIST("z"),
                  "version: 1\nenvironments:\n  a:\n    packages:   # none\n      - z\n",
                  "-4 +4 +5");
    /* [] when the file's lists are flow: stays flow */
    add_pkgs_case("version: 1\nenvironments:\n  a:\n    packages: []\n  b:\n    packages: [q]\n",
                  "a", LIST("z"),
                  "version: 1\nenvironments:\n  a:\n    packages: [z]\n  b:\n    packages: [q]\n",
                  "-4 +4");
    /* packages: with nothing after it */
    add_pkgs_case("version: 1\nenvironments:\n  a:\n    packages:\n    path: p\n", "a", LIST("z"),
                  "version: 1\nenvironments:\n  a:\n    packages:\n      - z\n    path: p\n", "+5");
}

Test(mfedit, add_packages_replaces_same_project)
{
    const char *in = "version: 1\n"
                     "environments:\n"
                     "  a:\n"
                     "    packages:\n"
                     "      - Foo_Bar==0.9   # pinned\n"
                     "      - 'attrs'\n"
                     "      - requests\n";
    mfedit_t *ed = open_ok(in);
    char *old[3];
    ok(mfedit_add_packages(ed, "a", LIST("foo.bar>=1.0", "ATTRS>=24", "requests"), old));
    result(ed, in,
           "version: 1\n"
           "environments:\n"
           "  a:\n"
           "    packages:\n"
           "      - foo.bar>=1.0   # pinned\n"
           "      - 'ATTRS>=24'\n"
           "      - requests\n",
           "-5 -6 +5 +6");
    cr_assert_str_eq(old[0], "Foo_Bar==0.9");
    cr_assert_str_eq(old[1], "attrs");
    cr_assert_str_eq(old[2], "requests");
    for (int i = 0; i < 3; i++)
        free(old[i]);
    /* a new one reports NULL */
    ok(mfedit_add_packages(ed, "a", LIST("new"), old));
    cr_assert_null(old[0]);
    mfedit_free(ed);

    /* the same text again: nothing changes */
    ed = open_ok(in);
    ok(mfedit_add_packages(ed, "a", LIST("requests"), NULL));
    unchanged(ed, in);
    cr_assert_not(mfedit_changed(ed));
    mfedit_free(ed);

    /* in flow lists, with the quote style kept */
    add_pkgs_case("version: 1\nenvironments: {a: {packages: [\"x==1\", y]}}\n", "a", LIST("x==2"),
                  "version: 1\nenvironments: {a: {packages: [\"x==2\", y]}}\n", "-2 +2");
}

Test(mfedit, add_packages_refusals)
{
    const char *in = "version: 1\n"
                     "environments:\n"
                     "  base: &b\n"
                     "    packages: &p [x]\n"
                     "  m:\n"
                     "    <<: *b\n"
                     "  al:\n"
                     "    packages: *p\n"
                     "  whole: *b\n"
                     "  s: text\n"
                     "  l:\n"
                     "    packages: {a: b}\n";
    mfedit_t *ed = open_ok(in);
    fails_with(mfedit_add_packages(ed, "base", LIST("y"), NULL),
               "4:15: cannot add packages to environment 'base': this node is anchored (&p) "
               "and the alias at line 8 would change too");
    fails_with(mfedit_add_packages(ed, "m", LIST("y"), NULL),
               "6:5: cannot add packages of environment 'm': its 'packages' come from the "
               "merge key here (a list of its own would replace them)");
    fails_with(mfedit_add_packages(ed, "al", LIST("y"), NULL), "8:15: cannot add packages of "
               "environment 'al': its 'packages' is an alias (*p)");
    fails_with(mfedit_add_packages(ed, "whole", LIST("y"), NULL), "9:10: cannot add packages of "
               "environment 'whole': it is an alias (*b)");
    fails_with(mfedit_add_packages(ed, "s", LIST("y"), NULL), "10:6: environment 's' must be a "
               "mapping");
    fails_with(mfedit_add_packages(ed, "l", LIST("y"), NULL), "12:15: 'packages' in environment "
               "'l' must be a list");
    fails_with(mfedit_add_packages(ed, "nope", LIST("y"), NULL), "no environment 'nope'");
    char *rep[2] = {(char *)0x1, (char *)0x1};
    fails_with(mfedit_add_packages(ed, "m", LIST(">=1", "x"), rep), "'>=1' is not a requirement");
    cr_assert(!rep[0] && !rep[1]);
    fails_with(mfedit_add_packages(ed, "m", LIST("a-"), NULL), "'a-' is not a requirement");
    fails_with(mfedit_add_packages(ed, "m", LIST("a>=1", "A<2"), NULL),
               "'a>=1' and 'A<2' name the same project");
    unchanged(ed, in);
    mfedit_free(ed);

    /* an environment merged (without packages of its own) elsewhere */
    ed = open_ok("version: 1\nenvironments:\n  a: &a\n    path: x\n  b:\n    <<: *a\n"
                 "  c:\n    <<: *a\n    packages: [q]\n");
    fails_with(mfedit_add_packages(ed, "a", LIST("y"), NULL),
               "3:6: cannot add packages to environment 'a': this node is anchored (&a) and "
               "the alias at line 6 would change too");
    mfedit_free(ed);
    /* ...but not when every merge sets its own packages */
    add_pkgs_case("version: 1\nenvironments:\n  a: &a\n    path: x\n  c:\n    <<: *a\n"
                  "    path: y\n    packages: [q]\n",
                  "a", LIST("w"),
                  "version: 1\nenvironments:\n  a: &a\n    path: x\n    packages: [w]\n  c:\n"
                  "    <<: *a\n    path: y\n    packages: [q]\n",
                  "+5");
    /* a replaced item anchored and used elsewhere */
    ed = open_ok("version: 1\nenvironments:\n  a:\n    packages: [&r x==1]\n  b:\n"
                 "    packages: [*r]\n");
    char *old[1];
    fails_with(mfedit_add_packages(ed, "a", LIST("x==2"), old),
               "4:16: cannot replace 'x==1' in environment 'a'");
    cr_assert_null(old[0]);
    mfedit_free(ed);
}

/* An operation with several steps fails as a whole: the earlier steps are undone. */
Test(mfedit, add_packages_is_all_or_nothing)
{
    const char *in = "version: 1\nenvironments:\n  a:\n    packages: [&r x==1, y]\n  b:\n"
                     "    packages: [*r]\n";
    mfedit_t *ed = open_ok(in);
    char *old[2];
    fails_with(mfedit_add_packages(ed, "a", LIST("z", "x==2"), old), "cannot replace 'x==1'");
    unchanged(ed, in);
    cr_assert_null(old[0]);
    cr_assert_null(old[1]);
    cr_assert_not(mfedit_changed(ed));
    mfedit_free(ed);
}

/* ------------------------------------------------------------------------------------------ */
/* remove_packages */

Test(mfedit, remove_packages_block)
{
    const char *in = "version: 1\n"
                     "environments:\n"
                     "  a:\n"
                     "    packages:\n"
                     "      # web\n"
                     "      - requests>=2   # http\n"
                     "      - Foo.Bar\n"
                     "      - foo_bar[x]; os_name == 'nt'\n"
                     "      - attrs\n"
                     "    path: p\n";
    rm_pkgs_case(in, "a", LIST("Requests"),
                 "version: 1\nenvironments:\n  a:\n    packages:\n      # web\n      - Foo.Bar\n"
                 "      - foo_bar[x]; os_name == 'nt'\n      - attrs\n    path: p\n",
                 "-6");
    /* every item of the project goes */
    rm_pkgs_case(in, "a", LIST("foo-bar", "attrs"),
                 "version: 1\nenvironments:\n  a:\n    packages:\n      # web\n"
                 "      - requests>=2   # http\n    path: p\n",
                 "-7 -8 -9");
    /* all of them: [] (the comment between stays, indented inside) */
    rm_pkgs_case(in, "a", LIST("attrs", "foo-bar", "requests"),
                 "version: 1\nenvironments:\n  a:\n    packages: []\n      # web\n    path: p\n",
                 "-4 -6 -7 -8 -9 +4");
    /* no final newline */
    rm_pkgs_case("version: 1\nenvironments:\n  a:\n    packages:\n    - x\n    - y", "a", LIST("y"),
                 "version: 1\nenvironments:\n  a:\n    packages:\n    - x", "-6");
}

Test(mfedit, remove_packages_flow)
{
    const char *in = "version: 1\nenvironments:\n  a: {packages: [x, \"y; os_name == 'nt'\", z]}\n";
    rm_pkgs_case(in, "a", LIST("x"),
                 "version: 1\nenvironments:\n  a: {packages: [\"y; os_name == 'nt'\", z]}\n",
                 "-3 +3");
    rm_pkgs_case(in, "a", LIST("y"), "version: 1\nenvironments:\n  a: {packages: [x, z]}\n",
                 "-3 +3");
    rm_pkgs_case(in, "a", LIST("z"),
                 "version: 1\nenvironments:\n  a: {packages: [x, \"y; os_name == 'nt'\"]}\n",
                 "-3 +3");
    rm_pkgs_case(in, "a", LIST("x", "y", "z"), "version: 1\nenvironments:\n  a: {packages: []}\n",
                 "-3 +3");
    rm_pkgs_case("version: 1\nenvironments:\n  a:\n    packages: [\n      x,   # cx\n"
                 "      z    # cz\n    ]\n",
                 "a", LIST("z"),
                 "version: 1\nenvironments:\n  a:\n    packages: [\n      x   # cx\n    ]\n",
                 "-5 -6 +5");
}

Test(mfedit, remove_packages_missing)
{
    const char *in = "version: 1\nenvironments:\n  a:\n    packages: [x, y]\n  b: {}\n";
    mfedit_t *ed = open_ok(in);
    fails_with(mfedit_remove_packages(ed, "a", LIST("x", "nope", "Nope", "other"), NULL),
               "venv.yaml: environment 'a' has no package 'nope', 'other'");
    unchanged(ed, in);
    char **missing;
    ok(mfedit_remove_packages(ed, "a", LIST("x", "nope"), &missing));
    cr_assert_str_eq(missing[0], "nope");
    cr_assert_null(missing[1]);
    strv_free(missing);
    cr_assert_str_eq(mfedit_text(ed, NULL),
                     "version: 1\nenvironments:\n  a:\n    packages: [y]\n  b: {}\n");
    ok(mfedit_remove_packages(ed, "a", LIST("y"), &missing));
    cr_assert_null(missing[0]);
    strv_free(missing);
    ok(mfedit_remove_packages(ed, "b", LIST("y"), &missing));
    cr_assert_str_eq(missing[0], "y");
    strv_free(missing);
    fails_with(mfedit_remove_packages(ed, "a", LIST("x>=1"), &missing),
               "'x>=1' is not a project name");
    fails_with(mfedit_remove_packages(ed, "c", LIST("x"), &missing), "no environment 'c'");
    mfedit_free(ed);
}

Test(mfedit, remove_packages_refusals)
{
    const char *in = "version: 1\n"
                     "environments:\n"
                     "  a: &a\n"
                     "    packages:\n"
                     "      - &r x\n"
                     "      - y\n"
                     "  b:\n"
                     "    <<: *a\n"
                     "  c:\n"
                     "    packages: [*r]\n";
    mfedit_t *ed = open_ok(in);
    fails_with(mfedit_remove_packages(ed, "a", LIST("y"), NULL),
               "3:6: cannot remove 'y' from environment 'a': this node is anchored (&a) and "
               "the alias at line 8 would change too");
    fails_with(mfedit_remove_packages(ed, "b", LIST("y"), NULL),
               "8:5: cannot remove packages of environment 'b': its 'packages' come from the "
               "merge key here (they belong to the environment it merges)");
    unchanged(ed, in);
    mfedit_free(ed);
    ed = open_ok("version: 1\nenvironments:\n  a:\n    packages:\n      - &r x\n  c:\n"
                 "    packages: [*r]\n");
    fails_with(mfedit_remove_packages(ed, "a", LIST("x"), NULL),
               "5:9: cannot remove 'x' from environment 'a': this node is anchored (&r)");
    /* the alias itself can go */
    ok(mfedit_remove_packages(ed, "c", LIST("x"), NULL));
    cr_assert_str_eq(mfedit_text(ed, NULL), "version: 1\nenvironments:\n  a:\n    packages:\n"
                                            "      - &r x\n  c:\n    packages: []\n");
    mfedit_free(ed);
}

/* ------------------------------------------------------------------------------------------ */
/* set */

Test(mfedit, set_replaces_value_text_only)
{
    set_case(EXAMPLE, NULL, "python", ">=3.10,<3.13",
             "# venv.yaml: every Python environment this project needs.\n"
             "\n"
             "# The manifest format version.\n"
             "version: 1\n"
             "\n"
             "python: \">=3.10,<3.13\"   # the default\n"
             "\n"
             "environments:\n"
             "  # The project's main environment.\n"
             "  dev:\n"
             "    path: .venv\n"
             "    # Shown in your prompt.\n"
             "    prompt: dev\n"
             "    packages:\n"
             "      - requests>=2.31   # http\n"
             "      - \"tomli; python_version < '3.11'\"\n"
             "    # exact (default true): remove what is not listed.\n"
             "\n"
             "  # Command-line tools.\n"
             "  # It has no path.\n"
             "  tools:\n"
             "    prompt: project-tools\n"
             "    # copy-from: dev would start it as a copy.\n",
             "-6 +6");
    /* null values: YAML, not a valid manifest */
    const char *in = "environments:\n"
                     "  a:\n"
                     "    python: '3.11'   # single\n"
                     "    prompt: \"x\"\n"
                     "    path: !!str &p .venv  # tagged\n"
                     "    upgrade:\n"
                     "    exact: ~\n";
    set_case(in, "a", "python", "3.12", "environments:\n  a:\n"
             "    python: '3.12'   # single\n    prompt: \"x\"\n"
             "    path: !!str &p .venv  # tagged\n"
             "    upgrade:\n    exact: ~\n", "-3 +3");
    set_case(in, "a", "python", "it's", "environments:\n  a:\n"
             "    python: 'it''s'   # single\n    prompt: \"x\"\n"
             "    path: !!str &p .venv  # tagged\n"
             "    upgrade:\n    exact: ~\n", "-3 +3");
    set_case(in, "a", "prompt", "y", "environments:\n  a:\n"
             "    python: '3.11'   # single\n    prompt: \"y\"\n"
             "    path: !!str &p .venv  # tagged\n"
             "    upgrade:\n    exact: ~\n", "-4 +4");
    set_case(in, "a", "path", "v2", "environments:\n  a:\n"
             "    python: '3.11'   # single\n    prompt: \"x\"\n    path: !!str &p v2  # tagged\n"
             "    upgrade:\n    exact: ~\n", "-5 +5");
    set_case(in, "a", "upgrade", "exact", "environments:\n  a:\n"
             "    python: '3.11'   # single\n    prompt: \"x\"\n"
             "    path: !!str &p .venv  # tagged\n"
             "    upgrade: exact\n    exact: ~\n", "-6 +6");
    set_case(in, "a", "exact", "true", "environments:\n  a:\n"
             "    python: '3.11'   # single\n    prompt: \"x\"\n"
             "    path: !!str &p .venv  # tagged\n"
             "    upgrade:\n    exact: \"true\"\n", "-7 +7");
    /* a block scalar becomes a plain one on its key's line */
    set_case("version: 1\nenvironments:\n  a:\n    prompt: |\n      two\n      lines\n"
        "    path: x\n",
             "a", "prompt", "one", "version: 1\nenvironments:\n  a:\n    prompt: one\n"
             "    path: x\n",
             "-4 -5 -6 +4");
    /* the same value: nothing changes */
    mfedit_t *ed = open_ok(in);
    ok(mfedit_set(ed, "a", "python", "3.11"));
    unchanged(ed, in);
    cr_assert_not(mfedit_changed(ed));
    mfedit_free(ed);
}

/* Booleans and numbers are written as is. */
Test(mfedit, set_literal)
{
    const char *in = "version: 1\nenvironments:\n  a:\n    exact: \"false\"   # c\n"
                     "    compile: false\n";
    mfedit_t *ed = open_ok(in);
    ok(mfedit_set_literal(ed, "a", "exact", "true"));
    ok(mfedit_set_literal(ed, "a", "system-site-packages", "false"));
    ok(mfedit_set_literal(ed, "a", "compile", "false"));
    ok(mfedit_set_literal(ed, NULL, "version", "1"));
    result(ed, in,
           "version: 1\nenvironments:\n  a:\n    exact: true   # c\n    compile: false\n"
           "    system-site-packages: false\n",
           "-4 +4 +6");
    fails_with(mfedit_set_literal(ed, "a", "exact", "tr ue"), "'tr ue' is not a boolean or a "
                                                            "number");
    fails_with(mfedit_set_literal(ed, "a", "exact", ""), "is not a boolean or a number");
    mfedit_free(ed);
    add_env_case("version: 1\nenvironments: {}\n",
                 ENV("a", KEYS(LIT("exact", "false"), KV("prompt", "true"))),
                 "version: 1\nenvironments:\n  a:\n    exact: false\n    prompt: \"true\"\n",
                 "-2 +2 +3 +4 +5");
    ed = open_ok(in);
    fails_with(mfedit_add_env(ed, &ENV("b", KEYS(LIT("exact", "x: y")))),
               "environment 'b': 'x: y' is not a boolean or a number");
    mfedit_free(ed);
}

Test(mfedit, set_adds_missing_keys)
{
    /* environment: after its last key */
    set_case(EXAMPLE, "tools", "python", "3.12",
             "# venv.yaml: every Python environment this project needs.\n"
             "\n"
             "# The manifest format version.\n"
             "version: 1\n"
             "\n"
             "python: \"3\"   # the default\n"
             "\n"
             "environments:\n"
             "  # The project's main environment.\n"
             "  dev:\n"
             "    path: .venv\n"
             "    # Shown in your prompt.\n"
             "    prompt: dev\n"
             "    packages:\n"
             "      - requests>=2.31   # http\n"
             "      - \"tomli; python_version < '3.11'\"\n"
             "    # exact (default true): remove what is not listed.\n"
             "\n"
             "  # Command-line tools.\n"
             "  # It has no path.\n"
             "  tools:\n"
             "    prompt: project-tools\n"
             "    python: \"3.12\"\n"
             "    # copy-from: dev would start it as a copy.\n",
             "+23");
    set_case("version: 1\nenvironments: {a: {path: x}}\n", "a", "python", "3.12",
             "version: 1\nenvironments: {a: {path: x, python: \"3.12\"}}\n", "-2 +2");
    set_case("version: 1\nenvironments:\n  a: {}\n", "a", "prompt", "p",
             "version: 1\nenvironments:\n  a:\n    prompt: p\n", "-3 +3 +4");
    /* a key that comes from a merge key: the environment gets its own (it overrides) */
    set_case("version: 1\nenvironments:\n  a: &a\n    python: \"3.11\"\n  b:\n    <<: *a\n",
             "b", "python", "3.12",
             "version: 1\nenvironments:\n  a: &a\n    python: \"3.11\"\n  b:\n    <<: *a\n"
             "    python: \"3.12\"\n",
             "+7");
    /* top level: after the key before `environments:`, blank-separated like it */
    set_case("version: 1\n\n# comment\nroot: x\n\n# envs\nenvironments: {}\n", NULL, "python", "3",
             "version: 1\n\n# comment\nroot: x\n\npython: \"3\"\n\n# envs\nenvironments: {}\n",
             "+6 +7");
    set_case("version: 1\nroot: x\n\nenvironments: {}\n", NULL, "python", "3",
             "version: 1\nroot: x\npython: \"3\"\n\nenvironments: {}\n", "+3");
    /* `environments:` first: just above it and its comments */
    set_case("# envs\nenvironments: {}\n", NULL, "version", "1",
             "version: \"1\"\n# envs\nenvironments: {}\n", "+1");
    /* no environments: at the end; a flow root; an empty document */
    set_case("version: 1\n", NULL, "python", "3.12", "version: 1\npython: \"3.12\"\n", "+2");
    set_case("{version: 1}\n", NULL, "python", "3.12", "{version: 1, python: \"3.12\"}\n",
             "-1 +1");
    set_case("# nothing", NULL, "python", "3", "# nothing\npython: \"3\"\n", "+2");
}

Test(mfedit, set_refusals)
{
    const char *in = "version: 1\n"
                     "python: &py \"3.11\"\n"
                     "environments:\n"
                     "  a: &a\n"
                     "    python: *py\n"
                     "    packages: [x]\n"
                     "  b:\n"
                     "    <<: *a\n"
                     "  c: *a\n";
    mfedit_t *ed = open_ok(in);
    fails_with(mfedit_set(ed, NULL, "python", "3.12"), "2:9: cannot set 'python': this node is "
               "anchored (&py) and the alias at line 5 would change too");
    fails_with(mfedit_set(ed, "a", "python", "3.12"), "5:13: cannot set 'python' of environment "
               "'a': its value is an alias");
    fails_with(mfedit_set(ed, "a", "packages", "x"), "6:15: cannot set 'packages' of environment "
               "'a': its value is a list");
    fails_with(mfedit_set(ed, NULL, "environments", "x"), "4:3: cannot set 'environments': its "
               "value is a mapping");
    fails_with(mfedit_set(ed, "a", "prompt", "p"), "4:6: cannot set 'prompt' of environment 'a': "
               "this node is anchored (&a) and the alias at line 8 would change too");
    fails_with(mfedit_set(ed, "c", "prompt", "p"), "9:6: cannot set 'prompt' of environment 'c': "
               "the environment is an alias (*a)");
    fails_with(mfedit_set(ed, "nope", "prompt", "p"), "no environment 'nope'");
    fails_with(mfedit_set(ed, "a", "", "p"), "needs a key and a value");
    unchanged(ed, in);
    mfedit_free(ed);
}

/* ------------------------------------------------------------------------------------------ */
/* chained operations, CRLF throughout, and the repository's own examples */

Test(mfedit, chained_operations_crlf)
{
    const char *in = "# team\r\nversion: 1\r\nenvironments:\r\n  dev:\r\n    packages:\r\n"
                     "      - a\r\n";
    mfedit_t *ed = open_ok(in);
    ok(mfedit_add_env(ed, &ENV("test", KEYS(KV("copy-from", "dev")))));
    ok(mfedit_add_packages(ed, "test", LIST("pytest"), NULL));
    ok(mfedit_add_packages(ed, "dev", LIST("b"), NULL));
    ok(mfedit_remove_packages(ed, "dev", LIST("a"), NULL));
    ok(mfedit_set(ed, NULL, "python", "3.12"));
    result(ed, in,
           "# team\r\nversion: 1\r\npython: \"3.12\"\r\nenvironments:\r\n  dev:\r\n"
           "    packages:\r\n      - b\r\n  test:\r\n    copy-from: dev\r\n    packages:\r\n"
           "      - pytest\r\n",
           "-6 +3 +7 +8 +9 +10 +11");
    ok(mfedit_remove_env(ed, "dev"));
    ok(mfedit_remove_env(ed, "test"));
    cr_assert_str_eq(mfedit_text(ed, NULL),
                     "# team\r\nversion: 1\r\npython: \"3.12\"\r\nenvironments: {}\r\n");
    mfedit_free(ed);
}

/* Every example in the repository: each environment removed, one added, a package added to
 * and removed from each environment: a valid manifest with only the intended lines changed. */
Test(mfedit, repository_examples)
{
    const char *files[] = {"venv.yaml.example", "examples/ci-matrix/venv.yaml",
                           "examples/docs-copy/venv.yaml", "examples/offline/venv.yaml",
                           "examples/team/venv.yaml", "examples/project/venv.yaml"};
    for (size_t f = 0; f < sizeof files / sizeof *files; f++) {
        char *path = xasprintf("%s/%s", TEST_SRC_DIR, files[f]);
        buf_t b = BUF_INIT;
        ok(fs_read(path, &b));
        const char *in = buf_cstr(&b);
        manifest_t *m = NULL;
        ok(manifest_parse(in, b.len, "/proj/venv.yaml", support_env(), &m));
        size_t nlines = 0;
        for (const char *p = in; *p; p++)
            nlines += *p == '\n';

        mfedit_t *ed = open_ok(in);
        ok(mfedit_add_env(ed, &ENV("extra", KEYS(KV("python", "3.12")), PKGS("attrs"))));
        valid_manifest(mfedit_text(ed, NULL));
        char *d = line_diff(in, mfedit_text(ed, NULL));
        cr_assert(d[0] == '+' && !strchr(d, '-'), "%s: add_env diff %s", files[f], d);
        free(d);
        mfedit_free(ed);

        for (size_t i = 0; i < m->nenvs; i++) {
            const char *name = m->envs[i].name;
            ed = open_ok(in);
            err_t *e = mfedit_remove_env(ed, name);
            bool anchored = strstr(in, "&ci") && strcmp(name, "py310") == 0;
            if (anchored) {
                fails_with(e, "holds the anchor &ci");
            } else {
                ok(e);
                /* copy-from targets cannot go; the manifest parser says so */
                if (!strstr(in, "copy-from: dev") || strcmp(name, "dev") != 0)
                    valid_manifest(mfedit_text(ed, NULL));
                d = line_diff(in, mfedit_text(ed, NULL));
                cr_assert(d[0] == '-' && !strchr(d, '+'), "%s: remove %s: %s", files[f], name, d);
                free(d);
            }
            mfedit_free(ed);

            ed = open_ok(in);
            e = mfedit_add_packages(ed, name, LIST("zzz-extra==1"), NULL);
            if (e) {
                /* only merged packages or an anchored list may refuse */
                cr_assert(strstr(e->msg, "merge key") || strstr(e->msg, "anchored"), "%s", e->msg);
                err_free(e);
            } else {
                valid_manifest(mfedit_text(ed, NULL));
                ok(mfedit_remove_packages(ed, name, LIST("zzz-extra"), NULL));
                /* back to the original, except a created key that stays as `packages: []` */
                if (m->envs[i].npackages)
                    cr_assert_str_eq(mfedit_text(ed, NULL), in, "%s: %s", files[f], name);
                valid_manifest(mfedit_text(ed, NULL));
            }
            mfedit_free(ed);
        }
        (void)nlines;
        manifest_free(m);
        buf_free(&b);
        free(path);
    }
}

/* ------------------------------------------------------------------------------------------ */
/* render */

Test(mfedit, render_new_manifest)
{
    mfedit_env_t envs[] = {
        ENV("dev", KEYS(KV("path", ".venv"), KV("python", ">=3.11,<3.13")),
            PKGS("requests>=2.31", "tomli; python_version < '3.11'")),
        ENV("tools"),
        ENV("docs", KEYS(KV("copy-from", "dev"), LIT("system-site-packages", "true")), PKGS()),
    };
    mfedit_manifest_t m = {
        .header = "venv.yaml: the Python environments of this project.\n\nRun `venvsync`.",
        .python = "3.12", .root = "~/.virtualenvs", .envs = envs, .nenvs = 3,
    };
    char *text = mfedit_render(&m);
    cr_assert_str_eq(text,
                     "# venv.yaml: the Python environments of this project.\n"
                     "#\n"
                     "# Run `venvsync`.\n"
                     "\n"
                     "version: 1\n"
                     "python: \"3.12\"\n"
                     "root: ~/.virtualenvs\n"
                     "environments:\n"
                     "  dev:\n"
                     "    path: .venv\n"
                     "    python: \">=3.11,<3.13\"\n"
                     "    packages:\n"
                     "      - requests>=2.31\n"
                     "      - \"tomli; python_version < '3.11'\"\n"
                     "  tools: {}\n"
                     "  docs:\n"
                     "    copy-from: dev\n"
                     "    system-site-packages: true\n"
                     "    packages: []\n");
    valid_manifest(text);
    /* and it edits like any other file */
    mfedit_t *ed = open_ok(text);
    ok(mfedit_add_packages(ed, "tools", LIST("ruff"), NULL));
    char *d = line_diff(text, mfedit_text(ed, NULL));
    cr_assert_str_eq(d, "-15 +15 +16 +17");
    free(d);
    mfedit_free(ed);
    free(text);

    text = mfedit_render(&(mfedit_manifest_t){0});
    cr_assert_str_eq(text, "version: 1\nenvironments: {}\n");
    valid_manifest(text);
    free(text);
}

/* ------------------------------------------------------------------------------------------ */
/* randomized */

typedef struct menv {
    char *name;
    char *python;                /* NULL: not set */
    char *pk[64];
    size_t npk;
    bool has_pk;
} menv_t;

typedef struct model {
    menv_t env[64];
    size_t n;
} model_t;

static void model_free(model_t *m)
{
    for (size_t i = 0; i < m->n; i++) {
        free(m->env[i].name);
        free(m->env[i].python);
        for (size_t j = 0; j < m->env[i].npk; j++)
            free(m->env[i].pk[j]);
    }
    m->n = 0;
}

static yaml_node_t *map_get(yaml_document_t *d, yaml_node_t *map, const char *key, int depth)
{
    if (!map || map->type != YAML_MAPPING_NODE || depth > 4)
        return NULL;
    yaml_node_pair_t *pb = map->data.mapping.pairs.start, *pe = map->data.mapping.pairs.top;
    for (yaml_node_pair_t *p = pb; p < pe; p++) {
        yaml_node_t *k = yaml_document_get_node(d, p->key);
        if (k->type == YAML_SCALAR_NODE && strcmp((char *)k->data.scalar.value, key) == 0)
            return yaml_document_get_node(d, p->value);
    }
    for (yaml_node_pair_t *p = pb; p < pe; p++) {
        yaml_node_t *k = yaml_document_get_node(d, p->key);
        if (k->type == YAML_SCALAR_NODE && strcmp((char *)k->data.scalar.value, "<<") == 0) {
            yaml_node_t *r = map_get(d, yaml_document_get_node(d, p->value), key, depth + 1);
            if (r)
                return r;
        }
    }
    return NULL;
}

/* What libyaml reads from text: the environments (own keys, in order), their python and
 * packages (merges followed). */
static void read_model(const char *text, model_t *out)
{
    yaml_parser_t p;
    yaml_document_t d;
    yaml_parser_initialize(&p);
    yaml_parser_set_input_string(&p, (const unsigned char *)text, strlen(text));
    cr_assert(yaml_parser_load(&p, &d), "libyaml cannot read:\n%s", text);
    out->n = 0;
    yaml_node_t *envs = map_get(&d, yaml_document_get_root_node(&d), "environments", 0);
    if (envs && envs->type == YAML_MAPPING_NODE) {
        for (yaml_node_pair_t *pr = envs->data.mapping.pairs.start;
             pr < envs->data.mapping.pairs.top; pr++) {
            yaml_node_t *k = yaml_document_get_node(&d, pr->key);
            if (strcmp((char *)k->data.scalar.value, "<<") == 0)
                continue;
            menv_t *e = &out->env[out->n++];
            memset(e, 0, sizeof *e);
            e->name = xstrdup((char *)k->data.scalar.value);
            yaml_node_t *v = yaml_document_get_node(&d, pr->value);
            yaml_node_t *py = map_get(&d, v, "python", 0);
            if (py)
                e->python = xstrdup((char *)py->data.scalar.value);
            yaml_node_t *pk = map_get(&d, v, "packages", 0);
            if (pk && pk->type == YAML_SEQUENCE_NODE) {
                e->has_pk = true;
                for (yaml_node_item_t *it = pk->data.sequence.items.start;
                     it < pk->data.sequence.items.top; it++)
                    e->pk[e->npk++] =
                        xstrdup((char *)yaml_document_get_node(&d, *it)->data.scalar.value);
            }
        }
    }
    yaml_document_delete(&d);
    yaml_parser_delete(&p);
}

static void models_equal(const model_t *want, const model_t *got, const char *text)
{
    cr_assert_eq(got->n, want->n, "%zu environments, wanted %zu:\n%s", got->n, want->n, text);
    for (size_t i = 0; i < want->n; i++) {
        const menv_t *w = &want->env[i], *g = &got->env[i];
        cr_assert_str_eq(g->name, w->name, "environment %zu:\n%s", i, text);
        cr_assert_str_eq(g->python ? g->python : "-", w->python ? w->python : "-", "%s", text);
        cr_assert_eq(g->npk, w->npk, "%s: %zu packages, wanted %zu:\n%s", w->name, g->npk, w->npk,
                     text);
        for (size_t j = 0; j < w->npk; j++)
            cr_assert_str_eq(g->pk[j], w->pk[j], "%s:\n%s", w->name, text);
    }
}

static unsigned long rnd(unsigned long *s)
{
    *s = *s * 6364136223846793005UL + 1442695040888963407UL;
    return *s >> 33;
}

/* The project name of a spec in the pool (before any of "[<>=~!; @"). */
static char *proj(const char *spec)
{
    size_t n = strcspn(spec, "[<>=~!; @");
    char *s = xstrndup(spec, n);
    for (char *p = s; *p; p++)
        *p = *p == '_' || *p == '.' ? '-' : (char)(*p | 0x20);
    return s;
}

Test(mfedit, randomized_edits, .timeout = 60)
{
    static const char *const seeds[] = {
        /* blank-separated, comments everywhere */
        "# header\n\nversion: 1\n\npython: \"3\"\n\nenvironments:\n  # dev's\n  dev:\n"
        "    path: .venv   # here\n    packages:\n      - requests>=2.31   # http\n"
        "    # trailing\n\n  tools:\n    prompt: t\n\n# end\n",
        /* flow environments, one per line */
        "version: 1\nenvironments: {\n  dev: {packages: [attrs]},   # d\n  lint: {}\n}\n",
        /* inline flow */
        "version: 1\nenvironments: {dev: {packages: [x, y]}}\n",
        /* compact, indentless dashes, environments first, CRLF, no final newline */
        "environments:\r\n    app:\r\n        packages:\r\n        - numpy\r\n"
        "    web: {packages: [django]}\r\nversion: 1",
        /* merges and anchors: some edits are refused */
        "version: 1\nenvironments:\n  base: &b\n    packages: [attrs]\n  m1:\n    <<: *b\n"
        "    packages: [x]\n  m2:\n    <<: *b\n",
        /* nearly empty */
        "version: 1\n",
    };
    static const char *const names[] = {"dev", "test", "docs", "3.11", "données", "lint tools",
                                        "ci", "app"};
    static const char *const specs[] = {"requests>=2.31", "tomli; python_version < '3.11'",
                                        "Foo_Bar==1.0", "foo.bar>=2", "attrs", "x[y]>=1",
                                        "pkg @ https://h/p-1.0-py3-none-any.whl", "Django~=4.2",
                                        "numpy", "django>=5"};
    static const char *const pythons[] = {"3.12", ">=3.10,<3.13", "cpython@3.11", "3"};
    unsigned long s = 12345;
    size_t refused = 0, done = 0;
    for (size_t sd = 0; sd < sizeof seeds / sizeof *seeds; sd++) {
        const char *seed = seeds[sd];
        bool anchors = strchr(seed, '&') != NULL;
        mfedit_t *ed = open_ok(seed);
        model_t want, got;
        read_model(seed, &want);
        for (int step = 0; step < 150; step++) {
            char *before = xstrdup(mfedit_text(ed, NULL));
            unsigned long op = rnd(&s) % 100;
            err_t *e = NULL;
            menv_t *target = want.n ? &want.env[rnd(&s) % want.n] : NULL;
            if (op < 25 || !target) {
                const char *name = names[rnd(&s) % (sizeof names / sizeof *names)];
                bool exists = false;
                for (size_t i = 0; i < want.n; i++)
                    exists |= strcmp(want.env[i].name, name) == 0;
                mfedit_kv_t kv[1] = {KV("python", pythons[rnd(&s) % 4])};
                const char *pk[2] = {specs[rnd(&s) % 10], NULL};
                const char *pk2 = specs[rnd(&s) % 10];
                char *a = proj(pk[0]), *b = proj(pk2);
                size_t npk = rnd(&s) % 3;
                if (npk == 2 && strcmp(a, b) != 0)
                    pk[1] = pk2;
                else if (npk == 2)
                    npk = 1;
                free(a);
                free(b);
                size_t nkeys = rnd(&s) % 2;
                bool with = rnd(&s) % 2;
                mfedit_env_t env = {name, kv, nkeys, pk, npk, npk > 0 || with};
                e = mfedit_add_env(ed, &env);
                if (exists) {
                    fails_with(e, "already exists");
                    e = NULL;
                } else if (!e) {
                    menv_t *m = &want.env[want.n++];
                    memset(m, 0, sizeof *m);
                    m->name = xstrdup(name);
                    m->python = env.nkeys ? xstrdup(kv[0].value) : NULL;
                    m->has_pk = env.with_packages;
                    for (size_t i = 0; i < npk; i++)
                        m->pk[m->npk++] = xstrdup(pk[i]);
                }
            } else if (op < 55) {
                const char *sp[3];
                size_t n = 0;
                for (size_t k = 0, want_n = 1 + rnd(&s) % 3; k < want_n; k++) {
                    const char *c = specs[rnd(&s) % 10];
                    char *pc = proj(c);
                    bool dup = false;
                    for (size_t j = 0; j < n; j++) {
                        char *pj = proj(sp[j]);
                        dup |= strcmp(pc, pj) == 0;
                        free(pj);
                    }
                    free(pc);
                    if (!dup)
                        sp[n++] = c;
                }
                e = mfedit_add_packages(ed, target->name, sp, n, NULL);
                if (!e) {
                    for (size_t k = 0; k < n; k++) {
                        char *pc = proj(sp[k]);
                        size_t j;
                        for (j = 0; j < target->npk; j++) {
                            char *pj = proj(target->pk[j]);
                            bool same = strcmp(pc, pj) == 0;
                            free(pj);
                            if (same)
                                break;
                        }
                        if (j < target->npk) {
                            free(target->pk[j]);
                            target->pk[j] = xstrdup(sp[k]);
                        } else {
                            target->pk[target->npk++] = xstrdup(sp[k]);
                        }
                        free(pc);
                    }
                }
            } else if (op < 80) {
                char *nm[2] = {proj(specs[rnd(&s) % 10]), proj(specs[rnd(&s) % 10])};
                size_t n = 1 + rnd(&s) % 2;
                char **missing = NULL;
                e = mfedit_remove_packages(ed, target->name, (const char *const *)nm, n, &missing);
                if (!e) {
                    for (size_t k = 0; k < n; k++) {
                        bool found = false;
                        for (size_t j = 0; j < target->npk;) {
                            char *pj = proj(target->pk[j]);
                            bool same = strcmp(nm[k], pj) == 0;
                            free(pj);
                            if (same) {
                                free(target->pk[j]);
                                memmove(&target->pk[j], &target->pk[j + 1],
                                        (target->npk - j - 1) * sizeof(char *));
                                target->npk--;
                                found = true;
                            } else {
                                j++;
                            }
                        }
                        bool reported = false;
                        for (char **mm = missing; *mm; mm++)
                            reported |= strcmp(*mm, nm[k]) == 0;
                        cr_assert(found || reported, "%s neither removed nor reported", nm[k]);
                    }
                    strv_free(missing);
                }
                free(nm[0]);
                free(nm[1]);
            } else if (op < 92) {
                e = mfedit_remove_env(ed, target->name);
                if (!e) {
                    size_t i = (size_t)(target - want.env);
                    free(target->name);
                    free(target->python);
                    for (size_t j = 0; j < target->npk; j++)
                        free(target->pk[j]);
                    memmove(&want.env[i], &want.env[i + 1], (want.n - i - 1) * sizeof *target);
                    want.n--;
                }
            } else {
                const char *py = pythons[rnd(&s) % 4];
                e = mfedit_set(ed, target->name, "python", py);
                if (!e) {
                    free(target->python);
                    target->python = xstrdup(py);
                }
            }
            if (e) {
                /* only anchors and merges may refuse, and then nothing changed */
                cr_assert(anchors, "seed %zu step %d: %s\n%s", sd, step, e->msg, before);
                cr_assert_str_eq(mfedit_text(ed, NULL), before);
                err_free(e);
                refused++;
            } else {
                done++;
            }
            const char *text = mfedit_text(ed, NULL);
            read_model(text, &got);
            models_equal(&want, &got, text);
            model_free(&got);
            if (!anchors && strstr(text, "version: 1"))
                valid_manifest(text);
            /* nothing outside the environments' lines moved: the header and top keys stay */
            static const char head[] = "# header\n\nversion: 1\n\npython: \"3\"\n\nenvironments:";
            if (sd == 0)
                cr_assert(strncmp(text, head, strlen(head)) == 0, "%s", text);
            if (sd == 3)
                cr_assert(strstr(text, "\r\nversion: 1") && !strstr(text, "version: 1\r\n") &&
                          !strstr(text, "\n\n") && !strstr(text, "\r\r"), "%s", text);
            free(before);
        }
        model_free(&want);
        mfedit_free(ed);
    }
    cr_assert_gt(done, 700, "only %zu of %zu operations succeeded", done, done + refused);
    cr_assert_gt(refused, 0);
}
