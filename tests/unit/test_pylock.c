/* Unit tests for resolve/pylock: PEP 751 lock files (model, writer, strict reader, selection). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/marker.h"
#include "pkg/tags.h"
#include "resolve/pylock.h"
#include "util/buf.h"
#include "util/strv.h"
#include "util/xalloc.h"

#define H1 "c75a69e28a550a7e93789579c22aa26b0f5b83b75dc4e08fe092980051e1090a"
#define H2 "3b787adbf04b0db1967798dba8da1af07e387908ed1553a0d6e74c084d1ceafe"
#define H3 "83807d445817326b4bcdaaaf8e8e9f1753da04341eceec705c001ff342002e5d"
#define H4 "67c7495b760168d931a10233f979b28dc04daf853b30752246f4f8471c6d68d0"

/* ---- helpers --------------------------------------------------------------------------------- */

static pylock_t *rd(const char *text)
{
    pylock_t *l = NULL;
    char **w = NULL;
    err_t *e = pylock_read(text, strlen(text), "pylock.dev.toml", &l, &w);
    cr_assert_null(e, "read failed: %s", e ? e->msg : "");
    cr_assert_null(w, "unexpected warning: %s", w ? w[0] : "");
    cr_assert_not_null(l);
    return l;
}

/* The message of the read's error (malloc'd); fails the test when the text reads. */
static char *rd_err(const char *text)
{
    pylock_t *l = (pylock_t *)1;
    err_t *e = pylock_read(text, strlen(text), "pylock.dev.toml", &l, NULL);
    cr_assert_not_null(e, "read succeeded:\n%s", text);
    cr_assert_null(l);
    cr_assert_eq(e->exit_code, EXIT_USAGE);
    char *m = xstrdup(e->msg);
    err_free(e);
    return m;
}

static char *wr(const pylock_t *l)
{
    buf_t b = BUF_INIT;
    err_t *e = pylock_write(l, &b);
    cr_assert_null(e, "write failed: %s", e ? e->msg : "");
    return buf_detach(&b);
}

/* read -> write, and the output is a fixed point. */
static char *rewrite(const char *text)
{
    pylock_t *l = rd(text);
    char *out = wr(l);
    pylock_free(l);
    pylock_t *l2 = rd(out);
    char *again = wr(l2);
    pylock_free(l2);
    cr_assert_str_eq(again, out, "not a fixed point");
    free(again);
    return out;
}

#define HEAD "lock-version = \"1.0\"\ncreated-by = \"venvsync\"\n"

/* ---- the specifications' examples --------------------------------------------------------- */

/* The example of the resolver digest (numpy data from PEP 751), verbatim. */
static const char DIGEST_EXAMPLE[] =
    "lock-version = \"1.0\"\n"
    "environments = [\"sys_platform == 'linux' and platform_machine == 'x86_64'\",\n"
    "                \"sys_platform == 'win32' and platform_machine == 'AMD64'\"]\n"
    "requires-python = \"==3.12.*\"\n"
    "extras = []\n"
    "dependency-groups = [\"test\"]\n"
    "created-by = \"venvsync\"\n"
    "\n"
    "[[packages]]\n"
    "name = \"myapp\"                            # source tree: no version\n"
    "directory = { path = \".\", editable = true }\n"
    "\n"
    "[[packages]]\n"
    "name = \"attrs\"\n"
    "version = \"25.1.0\"\n"
    "marker = \"'test' in dependency_groups\"\n"
    "wheels = [\n"
    "  { path = \"wheels/attrs-25.1.0-py3-none-any.whl\", size = 63152, hashes = { sha256 = "
    "\"" H1 "\" } },\n"
    "]\n"
    "\n"
    "[[packages]]\n"
    "name = \"numpy\"\n"
    "version = \"2.2.3\"\n"
    "requires-python = \">=3.10\"\n"
    "index = \"https://pypi.org/simple\"\n"
    "[[packages.wheels]]\n"
    "url = \"https://files.pythonhosted.org/packages/39/04/78d2e7402fb479d893953fb78fa7045f7deb635"
    "ec095b6b4f0260223091a/numpy-2.2.3-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64"
    ".whl\"\n"
    "size = 16116679\n"
    "hashes = { sha256 = \"" H2 "\" }\n"
    "[[packages.wheels]]\n"
    "url = \"https://files.pythonhosted.org/packages/42/6e/55580a538116d16ae7c9aa17d4edd56e83f421"
    "26cb1dfe7a684da7925d2c/numpy-2.2.3-cp312-cp312-win_amd64.whl\"\n"
    "size = 12626357\n"
    "hashes = { sha256 = \"" H3 "\" }\n";

static const char DIGEST_EXAMPLE_WRITTEN[] =
    "lock-version = \"1.0\"\n"
    "environments = [\n"
    "  \"sys_platform == 'linux' and platform_machine == 'x86_64'\",\n"
    "  \"sys_platform == 'win32' and platform_machine == 'AMD64'\",\n"
    "]\n"
    "requires-python = \"==3.12.*\"\n"
    "extras = []\n"
    "dependency-groups = [\"test\"]\n"
    "created-by = \"venvsync\"\n"
    "\n"
    "[[packages]]\n"
    "name = \"attrs\"\n"
    "version = \"25.1.0\"\n"
    "marker = \"'test' in dependency_groups\"\n"
    "wheels = [\n"
    "  { path = \"wheels/attrs-25.1.0-py3-none-any.whl\", size = 63152, hashes = { sha256 = "
    "\"" H1 "\" } },\n"
    "]\n"
    "\n"
    "[[packages]]\n"
    "name = \"myapp\"\n"
    "directory = { path = \".\", editable = true }\n"
    "\n"
    "[[packages]]\n"
    "name = \"numpy\"\n"
    "version = \"2.2.3\"\n"
    "requires-python = \">=3.10\"\n"
    "index = \"https://pypi.org/simple\"\n"
    "wheels = [\n"
    "  { url = \"https://files.pythonhosted.org/packages/39/04/78d2e7402fb479d893953fb78fa7045f7de"
    "b635ec095b6b4f0260223091a/numpy-2.2.3-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_"
    "64.whl\", size = 16116679, hashes = { sha256 = \"" H2 "\" } },\n"
    "  { url = \"https://files.pythonhosted.org/packages/42/6e/55580a538116d16ae7c9aa17d4edd56e83f"
    "42126cb1dfe7a684da7925d2c/numpy-2.2.3-cp312-cp312-win_amd64.whl\", size = 12626357, hashes ="
    " { sha256 = \"" H3 "\" } },\n"
    "]\n";

Test(pylock, digest_example_reads)
{
    pylock_t *l = rd(DIGEST_EXAMPLE);
    cr_assert_str_eq(l->lock_version, "1.0");
    cr_assert_eq(strv_len(l->environments), 2);
    cr_assert_str_eq(l->environments[1], "sys_platform == 'win32' and platform_machine == 'AMD64'");
    cr_assert_str_eq(l->requires_python, "==3.12.*");
    cr_assert_null(l->extras);
    cr_assert_str_eq(l->dependency_groups[0], "test");
    cr_assert_null(l->dependency_groups[1]);
    cr_assert_str_eq(l->created_by, "venvsync");
    cr_assert_eq(l->npackages, 3);
    const pylock_package_t *app = &l->packages[0], *attrs = &l->packages[1],
                           *np = &l->packages[2];
    cr_assert_str_eq(app->name, "myapp");
    cr_assert_null(app->version);
    cr_assert_eq(app->source, PYLOCK_DIRECTORY);
    cr_assert_str_eq(app->directory.path, ".");
    cr_assert(app->directory.editable);
    cr_assert_eq(app->line, 9);
    cr_assert_str_eq(attrs->marker, "'test' in dependency_groups");
    cr_assert_eq(attrs->nwheels, 1);
    cr_assert_str_eq(attrs->wheels[0].name, "attrs-25.1.0-py3-none-any.whl");
    cr_assert_str_eq(attrs->wheels[0].path, "wheels/attrs-25.1.0-py3-none-any.whl");
    cr_assert_null(attrs->wheels[0].url);
    cr_assert_eq(attrs->wheels[0].size, 63152);
    cr_assert_str_eq(pylock_file_hash(&attrs->wheels[0], "sha256"), H1);
    cr_assert_eq(np->source, PYLOCK_DIST);
    cr_assert_str_eq(np->requires_python, ">=3.10");
    cr_assert_str_eq(np->index, "https://pypi.org/simple");
    cr_assert_eq(np->nwheels, 2);
    cr_assert_str_eq(np->wheels[1].name, "numpy-2.2.3-cp312-cp312-win_amd64.whl");
    cr_assert_null(np->wheels[1].path);
    cr_assert_null(np->sdist);
    cr_assert_eq(np->line, 21);
    pylock_free(l);
}

Test(pylock, digest_example_written_byte_stable)
{
    char *out = rewrite(DIGEST_EXAMPLE);
    cr_assert_str_eq(out, DIGEST_EXAMPLE_WRITTEN);
    char *again = rewrite(DIGEST_EXAMPLE_WRITTEN);
    cr_assert_str_eq(again, DIGEST_EXAMPLE_WRITTEN);
    free(out);
    free(again);
}

/* The specification's example (mousebender's lock): names written out, upload times,
 * attestation identities, another tool's table. */
static const char SPEC_EXAMPLE[] =
    "lock-version = '1.0'\n"
    "environments = [\"sys_platform == 'win32'\", \"sys_platform == 'linux'\"]\n"
    "requires-python = '== 3.12.*'\n"
    "created-by = 'mousebender'\n"
    "\n"
    "[[packages]]\n"
    "name = 'attrs'\n"
    "version = '25.1.0'\n"
    "requires-python = '>= 3.8'\n"
    "\n"
    "    [[packages.wheels]]\n"
    "    name = 'attrs-25.1.0-py3-none-any.whl'\n"
    "    upload-time = 2025-01-25T11:30:10.164985+00:00\n"
    "    url = 'https://files.pythonhosted.org/packages/fc/30/d4986a882011f9df997a55e6becd864812"
    "ccfcd821d64aac8570ee39f719/attrs-25.1.0-py3-none-any.whl'\n"
    "    size = 63152\n"
    "    hashes = {sha256 = '" H1 "'}\n"
    "\n"
    "    [[packages.attestation-identities]]\n"
    "    environment = 'release-pypi'\n"
    "    kind = 'GitHub'\n"
    "    repository = 'python-attrs/attrs'\n"
    "    workflow = 'pypi-package.yml'\n"
    "\n"
    "[[packages]]\n"
    "name = 'cattrs'\n"
    "version = '24.1.2'\n"
    "requires-python = '>= 3.8'\n"
    "dependencies = [\n"
    "    {name = 'attrs'},\n"
    "]\n"
    "\n"
    "    [[packages.wheels]]\n"
    "    name = 'cattrs-24.1.2-py3-none-any.whl'\n"
    "    upload-time = 2024-09-22T14:58:34.812643+00:00\n"
    "    url = 'https://files.pythonhosted.org/packages/c8/d5/867e75361fc45f6de75fe277dd085627a9"
    "db5ebb511a87f27dc1396b5351/cattrs-24.1.2-py3-none-any.whl'\n"
    "    size = 66446\n"
    "    hashes = {sha256 = '" H4 "'}\n"
    "\n"
    "[[packages]]\n"
    "name = 'numpy'\n"
    "version = '2.2.3'\n"
    "requires-python = '>= 3.10'\n"
    "\n"
    "    [[packages.wheels]]\n"
    "    name = 'numpy-2.2.3-cp312-cp312-win_amd64.whl'\n"
    "    upload-time = 2025-02-13T16:51:21.821880+00:00\n"
    "    url = 'https://files.pythonhosted.org/packages/42/6e/55580a538116d16ae7c9aa17d4edd56e83"
    "f42126cb1dfe7a684da7925d2c/numpy-2.2.3-cp312-cp312-win_amd64.whl'\n"
    "    size = 12626357\n"
    "    hashes = {sha256 = '" H3 "'}\n"
    "\n"
    "[tool.mousebender]\n"
    "command = ['.', 'lock', '--platform', 'cpython3.12-windows-x64', 'cattrs', 'numpy']\n"
    "run-on = 2025-03-06T12:28:57.760769\n";

static const char SPEC_EXAMPLE_WRITTEN[] =
    "lock-version = \"1.0\"\n"
    "environments = [\"sys_platform == 'win32'\", \"sys_platform == 'linux'\"]\n"
    "requires-python = \"== 3.12.*\"\n"
    "extras = []\n"
    "dependency-groups = []\n"
    "created-by = \"mousebender\"\n"
    "\n"
    "[[packages]]\n"
    "name = \"attrs\"\n"
    "version = \"25.1.0\"\n"
    "requires-python = \">= 3.8\"\n"
    "wheels = [\n"
    "  { upload-time = 2025-01-25T11:30:10.164985+00:00, url = \"https://files.pythonhosted.org/p"
    "ackages/fc/30/d4986a882011f9df997a55e6becd864812ccfcd821d64aac8570ee39f719/attrs-25.1.0-py3"
    "-none-any.whl\", size = 63152, hashes = { sha256 = \"" H1 "\" } },\n"
    "]\n"
    "attestation-identities = [\n"
    "  { kind = \"GitHub\", environment = \"release-pypi\", repository = \"python-attrs/attrs\", "
    "workflow = \"pypi-package.yml\" },\n"
    "]\n"
    "\n"
    "[[packages]]\n"
    "name = \"cattrs\"\n"
    "version = \"24.1.2\"\n"
    "requires-python = \">= 3.8\"\n"
    "dependencies = [\n"
    "  { name = \"attrs\" },\n"
    "]\n"
    "wheels = [\n"
    "  { upload-time = 2024-09-22T14:58:34.812643+00:00, url = \"https://files.pythonhosted.org/p"
    "ackages/c8/d5/867e75361fc45f6de75fe277dd085627a9db5ebb511a87f27dc1396b5351/cattrs-24.1.2-py"
    "3-none-any.whl\", size = 66446, hashes = { sha256 = \"" H4 "\" } },\n"
    "]\n"
    "\n"
    "[[packages]]\n"
    "name = \"numpy\"\n"
    "version = \"2.2.3\"\n"
    "requires-python = \">= 3.10\"\n"
    "wheels = [\n"
    "  { upload-time = 2025-02-13T16:51:21.821880+00:00, url = \"https://files.pythonhosted.org/p"
    "ackages/42/6e/55580a538116d16ae7c9aa17d4edd56e83f42126cb1dfe7a684da7925d2c/numpy-2.2.3-cp31"
    "2-cp312-win_amd64.whl\", size = 12626357, hashes = { sha256 = \"" H3 "\" } },\n"
    "]\n";

Test(pylock, spec_example_reads_and_writes)
{
    pylock_t *l = rd(SPEC_EXAMPLE);
    cr_assert_eq(l->npackages, 3);
    const pylock_package_t *attrs = &l->packages[0];
    cr_assert_str_eq(attrs->wheels[0].upload_time, "2025-01-25T11:30:10.164985+00:00");
    cr_assert_eq(attrs->nattestations, 1);
    cr_assert_str_eq(attrs->attestations[0].kind, "GitHub");
    cr_assert_eq(attrs->attestations[0].nkeys, 3);
    cr_assert_str_eq(attrs->attestations[0].keys[1].key, "repository");
    cr_assert_str_eq(attrs->attestations[0].keys[1].value, "python-attrs/attrs");
    cr_assert_eq(l->packages[1].ndeps, 1);
    cr_assert_str_eq(l->packages[1].deps[0].name, "attrs");
    cr_assert_null(l->packages[1].deps[0].version);
    cr_assert_null(l->inputs);
    cr_assert_eq(l->ntool, 0, "[tool.mousebender] is not venvsync's");
    pylock_free(l);
    char *out = rewrite(SPEC_EXAMPLE);
    cr_assert_str_eq(out, SPEC_EXAMPLE_WRITTEN);
    free(out);
}

/* ---- writer --------------------------------------------------------------------------------- */

static void add_wheel(pylock_package_t *p, const char *url, const char *hex)
{
    pylock_file_t *f = pylock_add_wheel(p);
    f->url = xstrdup(url);
    pylock_add_hash(f, "sha256", hex);
}

/* The same lock filled in two orders. */
static pylock_t *small_model(bool reversed)
{
    pylock_t *l = pylock_new();
    strv_push(&l->extras, NULL, NULL, xstrdup(reversed ? "cli" : "bench"));
    strv_push(&l->extras, NULL, NULL, xstrdup(reversed ? "bench" : "cli"));
    strv_push(&l->environments, NULL, NULL, xstrdup("sys_platform == 'linux'"));
    strv_push(&l->environments, NULL, NULL, xstrdup("sys_platform == 'darwin'"));
    l->inputs = xstrdup("sha256:0123");
    strv_push(&l->fork_markers, NULL, NULL, xstrdup("python_full_version < '3.11'"));
    strv_push(&l->fork_markers, NULL, NULL, xstrdup("python_full_version >= '3.11'"));
    strv_push(&l->requested, NULL, NULL, xstrdup(reversed ? "tomli" : "attrs"));
    strv_push(&l->requested, NULL, NULL, xstrdup(reversed ? "attrs" : "tomli"));
    pylock_add_tool(l, reversed ? "zeta" : "alpha", reversed ? "2" : "1");
    pylock_add_tool(l, reversed ? "alpha" : "zeta", reversed ? "1" : "2");
    for (int k = 0; k < 3; k++) {
        int i = reversed ? 2 - k : k;
        if (i == 0) {
            pylock_package_t *p = pylock_add_package(l, "tomli", "2.0.1");
            p->marker = xstrdup("python_full_version < '3.11'");
            add_wheel(p, "https://h/tomli-2.0.1-py3-none-any.whl", H1);
        } else if (i == 1) {
            pylock_package_t *p = pylock_add_package(l, "attrs", "25.1.0");
            p->index = xstrdup("https://pypi.org/simple");
            pylock_add_dep(p, "tomli", NULL);
            if (reversed) {
                add_wheel(p, "https://h/attrs-25.1.0-py3-none-any.whl", H2);
                add_wheel(p, "https://h/attrs-25.1.0-cp312-abi3-win_amd64.whl", H3);
            } else {
                add_wheel(p, "https://h/attrs-25.1.0-cp312-abi3-win_amd64.whl", H3);
                add_wheel(p, "https://h/attrs-25.1.0-py3-none-any.whl", H2);
            }
            pylock_file_t *s = pylock_set_sdist(p);
            s->url = xstrdup("https://h/download?id=7");
            s->name = xstrdup("attrs-25.1.0.tar.gz");
            s->size = 1234;
            s->upload_time = xstrdup("2025-01-25T11:30:10Z");
            if (reversed) {
                pylock_add_hash(s, "sha512", H4 H4);
                pylock_add_hash(s, "sha256", H4);
            } else {
                pylock_add_hash(s, "sha256", H4);
                pylock_add_hash(s, "sha512", H4 H4);
            }
        } else {
            pylock_package_t *p = pylock_add_package(l, "tomli", "1.2.3");
            p->marker = xstrdup("python_full_version >= '3.11'");
            p->requires_python = xstrdup(">=3.7");
            add_wheel(p, "https://h/tomli-1.2.3-py3-none-any.whl", H1);
        }
    }
    return l;
}

static const char SMALL_WRITTEN[] =
    "lock-version = \"1.0\"\n"
    "environments = [\"sys_platform == 'linux'\", \"sys_platform == 'darwin'\"]\n"
    "extras = [\"bench\", \"cli\"]\n"
    "dependency-groups = []\n"
    "created-by = \"venvsync\"\n"
    "\n"
    "[[packages]]\n"
    "name = \"attrs\"\n"
    "version = \"25.1.0\"\n"
    "dependencies = [\n"
    "  { name = \"tomli\" },\n"
    "]\n"
    "index = \"https://pypi.org/simple\"\n"
    "sdist = { name = \"attrs-25.1.0.tar.gz\", upload-time = 2025-01-25T11:30:10Z, url = "
    "\"https://h/download?id=7\", size = 1234, hashes = { sha256 = \"" H4 "\", sha512 = \"" H4 H4
    "\" } }\n"
    "wheels = [\n"
    "  { url = \"https://h/attrs-25.1.0-cp312-abi3-win_amd64.whl\", hashes = { sha256 = \"" H3
    "\" } },\n"
    "  { url = \"https://h/attrs-25.1.0-py3-none-any.whl\", hashes = { sha256 = \"" H2 "\" } },\n"
    "]\n"
    "\n"
    "[[packages]]\n"
    "name = \"tomli\"\n"
    "version = \"1.2.3\"\n"
    "marker = \"python_full_version >= '3.11'\"\n"
    "requires-python = \">=3.7\"\n"
    "wheels = [\n"
    "  { url = \"https://h/tomli-1.2.3-py3-none-any.whl\", hashes = { sha256 = \"" H1 "\" } },\n"
    "]\n"
    "\n"
    "[[packages]]\n"
    "name = \"tomli\"\n"
    "version = \"2.0.1\"\n"
    "marker = \"python_full_version < '3.11'\"\n"
    "wheels = [\n"
    "  { url = \"https://h/tomli-2.0.1-py3-none-any.whl\", hashes = { sha256 = \"" H1 "\" } },\n"
    "]\n"
    "\n"
    "[tool.venvsync]\n"
    "inputs = \"sha256:0123\"\n"
    "fork-markers = [\n"
    "  \"python_full_version < '3.11'\",\n"
    "  \"python_full_version >= '3.11'\",\n"
    "]\n"
    "requested = [\n"
    "  \"attrs\",\n"
    "  \"tomli\",\n"
    "]\n"
    "alpha = \"1\"\n"
    "zeta = \"2\"\n";

Test(pylock, writer_layout_and_order)
{
    pylock_t *a = small_model(false), *b = small_model(true);
    char *ta = wr(a), *tb = wr(b);
    cr_assert_str_eq(ta, SMALL_WRITTEN);
    cr_assert_str_eq(tb, SMALL_WRITTEN, "the order the model was filled in shows");
    pylock_t *back = rd(ta);
    cr_assert_str_eq(back->inputs, "sha256:0123");
    cr_assert_str_eq(back->fork_markers[1], "python_full_version >= '3.11'");
    cr_assert(pylock_is_requested(back, "Tomli"));
    cr_assert_not(pylock_is_requested(back, "numpy"));
    cr_assert_eq(back->ntool, 2);
    cr_assert_str_eq(back->tool[1].key, "zeta");
    cr_assert_str_eq(back->tool[1].value, "2");
    cr_assert_str_eq(back->packages[0].sdist->name, "attrs-25.1.0.tar.gz");
    cr_assert_str_eq(back->packages[0].wheels[1].name, "attrs-25.1.0-py3-none-any.whl");
    cr_assert_eq(back->packages[0].wheels[1].size, -1);
    free(ta);
    free(tb);
    pylock_free(a);
    pylock_free(b);
    pylock_free(back);
}

Test(pylock, writer_empty_lock)
{
    pylock_t *l = pylock_new();
    char *t = wr(l);
    cr_assert_str_eq(t, "lock-version = \"1.0\"\nextras = []\ndependency-groups = []\n"
                        "created-by = \"venvsync\"\npackages = []\n");
    pylock_free(l);
    free(t);
}

Test(pylock, writer_sources_and_default_names)
{
    pylock_t *l = pylock_new();
    pylock_package_t *p = pylock_add_package(l, "app", NULL);
    p->source = PYLOCK_DIRECTORY;
    p->directory.path = xstrdup("src/app");
    p->directory.subdirectory = xstrdup("py");
    p = pylock_add_package(l, "ar", "1.0");
    p->source = PYLOCK_ARCHIVE;
    p->archive.file.path = xstrdup("dist/ar-1.0.tar.gz");
    p->archive.file.size = 10;
    pylock_add_hash(&p->archive.file, "sha256", H1);
    p->archive.subdirectory = xstrdup("sub");
    p = pylock_add_package(l, "lib", NULL);
    p->source = PYLOCK_VCS;
    p->vcs.type = xstrdup("git");
    p->vcs.url = xstrdup("https://github.com/o/lib.git");
    p->vcs.requested_revision = xstrdup("main");
    p->vcs.commit_id = xstrdup("0123456789abcdef0123456789abcdef01234567");
    p = pylock_add_package(l, "w", "1.0");
    pylock_file_t *f = pylock_add_wheel(p);
    f->name = xstrdup("w-1.0-py3-none-any.whl");        /* the default: not written */
    f->path = xstrdup("wheels\\w-1.0-py3-none-any.whl");
    pylock_add_hash(f, "sha256", H2);
    char *t = wr(l);
    cr_assert_str_eq(t,
        "lock-version = \"1.0\"\nextras = []\ndependency-groups = []\ncreated-by = \"venvsync\"\n"
        "\n[[packages]]\nname = \"app\"\ndirectory = { path = \"src/app\", subdirectory = "
        "\"py\" }\n"
        "\n[[packages]]\nname = \"ar\"\nversion = \"1.0\"\narchive = { path = "
        "\"dist/ar-1.0.tar.gz\""
        ", size = 10, hashes = { sha256 = \"" H1 "\" }, subdirectory = \"sub\" }\n"
        "\n[[packages]]\nname = \"lib\"\nvcs = { type = \"git\", url = \"https://github.com/o/lib"
        ".git\", requested-revision = \"main\", commit-id = \"0123456789abcdef0123456789abcdef0123"
        "4567\" }\n"
        "\n[[packages]]\nname = \"w\"\nversion = \"1.0\"\nwheels = [\n  { path = \"wheels\\\\w-1.0-"
        "py3-none-any.whl\", hashes = { sha256 = \"" H2 "\" } },\n]\n");
    pylock_t *back = rd(t);
    cr_assert_str_eq(back->packages[1].archive.file.name, "ar-1.0.tar.gz");
    cr_assert_str_eq(back->packages[3].wheels[0].name, "w-1.0-py3-none-any.whl");
    cr_assert_not(back->packages[0].directory.editable);
    pylock_free(back);
    pylock_free(l);
    free(t);
}

/* The writer refuses what the reader would refuse, and says why. */
Test(pylock, writer_refuses_invalid_models)
{
    pylock_t *l = pylock_new();
    pylock_package_t *p = pylock_add_package(l, "w", "1.0");
    pylock_file_t *f = pylock_add_wheel(p);
    f->url = xstrdup("https://h/w-1.0-py3-none-any.whl");
    pylock_add_hash(f, "sha512", H4 H4);
    buf_t b = BUF_INIT;
    err_t *e = pylock_write(l, &b);
    cr_assert_not_null(e);
    cr_assert_str_eq(e->msg, "cannot write the lock: pylock.toml (as written):10:56: packages[0] "
                             "'w': wheels[0]: no sha256 in 'hashes' (venvsync checks every "
                             "file's sha256)");
    cr_assert_eq(b.len, 0, "nothing appended");
    err_free(e);
    pylock_add_hash(f, "sha256", H1);
    f->upload_time = xstrdup("yesterday");
    e = pylock_write(l, &b);
    cr_assert_not_null(e);
    cr_assert_str_eq(e->msg, "cannot write the lock: 'yesterday' is not a TOML date-time");
    err_free(e);
    free(f->upload_time);
    f->upload_time = NULL;
    pylock_add_tool(l, "inputs", "x");
    e = pylock_write(l, &b);
    cr_assert_not_null(e);
    cr_assert_str_eq(e->msg, "cannot write the lock: [tool.venvsync] key 'inputs' is NULL, "
                             "repeated or reserved");
    err_free(e);
    l->ntool = 0;   /* (freed with the lock: still owned through tool[]) */
    free(l->tool[0].key);
    free(l->tool[0].value);
    pylock_package_t *q = pylock_add_package(l, "Bad_Name", "1.0");
    q->source = PYLOCK_DIRECTORY;
    q->directory.path = xstrdup(".");
    e = pylock_write(l, &b);
    cr_assert_not_null(e);
    cr_assert_str_eq(e->msg, "cannot write the lock: pylock.toml (as written):7:8: packages[0]: "
                             "name 'Bad_Name' is not normalized (write 'bad-name')");
    err_free(e);
    buf_free(&b);
    pylock_free(l);
}

/* ---- random models: write, read, compare ---------------------------------------------------- */

static uint64_t rng;

static uint32_t rnd(uint32_t n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return n ? (uint32_t)(rng % n) : 0;
}

static char *rhex(size_t n)
{
    char *s = xmalloc(n + 1);
    for (size_t i = 0; i < n; i++)
        s[i] = "0123456789abcdef"[rnd(16)];
    s[n] = '\0';
    return s;
}

static const char *const R_NAMES[] = {"attrs", "numpy", "tomli", "my-app", "zope-interface",
                                      "a", "b2"};
static const char *const R_MARKERS[] = {
    "sys_platform == 'linux'",
    "python_full_version < '3.11'",
    "platform_machine == 'arm64' and sys_platform == 'darwin'",
    "os_name == \"nt\"",
    "implementation_name != 'pypy' or python_version >= '3.12'",
    "'cli' in extras",
    "'test' in dependency_groups and sys_platform != 'win32'",
};
static const char *const R_TAGS[] = {
    "py3-none-any", "cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64",
    "cp312-cp312-win_amd64", "cp312-abi3-macosx_11_0_arm64",
    "pp310-pypy310_pp73-manylinux_2_28_aarch64", "cp313-cp313t-musllinux_1_2_x86_64",
};
static const char *const R_SPECS[] = {">=3.8", "==3.12.*", ">=3.9,<4", "~=3.10", "!=3.11.0"};
static const char *const R_TEXT[] = {"plain", "quote \" and \\ backslash",
                                     "caf\xc3\xa9 \xe2\x9c\x93",
                                     "tab\there", "new\nline", "'single'"};

static void r_file(pylock_file_t *f, const char *fname, bool allow_name)
{
    int how = (int)rnd(4);
    if (how == 0 || how == 3)
        f->url = xasprintf("https://files.example/%s/%s", "x y", fname);
    if (how == 1 || how == 3)
        f->path = xasprintf(rnd(2) ? "wheels/%s" : "/abs/dir with space/%s", fname);
    if (how == 2) {
        f->url = xasprintf("https://dl.example/get?id=%u", rnd(1000));
        if (allow_name)
            f->name = xstrdup(fname);
        else
            f->url = (free(f->url), xasprintf("https://dl.example/%s", fname));
    } else if (allow_name && rnd(3) == 0) {
        f->name = xstrdup(fname);
    }
    f->size = rnd(3) ? (int64_t)rnd(100000000) : -1;
    if (rnd(2))
        f->upload_time = xasprintf(rnd(2) ? "2024-0%u-1%uT0%u:30:10Z"
                                          : "2024-0%u-1%uT0%u:30:10.5+00:00",
                                   1 + rnd(9), rnd(10), rnd(10));
    char *h = rhex(64);
    pylock_add_hash(f, "sha256", h);
    free(h);
    if (rnd(3) == 0) {
        h = rhex(128);
        pylock_add_hash(f, "sha512", h);
        free(h);
    }
    if (rnd(4) == 0)
        pylock_add_hash(f, "blake2b", "anything-goes");
}

static char **r_subset(const char *const *pool, size_t n)
{
    char **v = NULL;
    for (size_t i = 0; i < n; i++)
        if (rnd(2))
            strv_push(&v, NULL, NULL, xstrdup(pool[i]));
    return v;
}

static pylock_t *random_model(void)
{
    pylock_t *l = pylock_new();
    if (rnd(2))
        l->environments = r_subset(R_MARKERS, 5);
    if (rnd(2))
        l->requires_python = xstrdup(R_SPECS[rnd(5)]);
    static const char *const EXTRAS[] = {"cli", "bench", "docs-extra"};
    static const char *const GROUPS[] = {"test", "Lint_Tools", "docs"};
    l->extras = r_subset(EXTRAS, 3);
    l->dependency_groups = r_subset(GROUPS, 3);
    if (rnd(3) == 0)
        strv_push(&l->default_groups, NULL, NULL, xstrdup("default"));
    if (rnd(2)) {
        free(l->created_by);
        l->created_by = xstrdup(R_TEXT[rnd(6)]);
    }
    size_t npk = rnd(8);
    for (size_t i = 0; i < npk; i++) {
        const char *nm = R_NAMES[rnd(7)];
        int kind = (int)rnd(10);
        pylock_package_t *p;
        if (kind < 6 || kind == 6) {
            char *ver = xasprintf(rnd(4) ? "%zu.%u" : "%zu.%urc1", i, rnd(20));
            p = pylock_add_package(l, nm, ver);
            if (kind == 6) {
                p->source = PYLOCK_ARCHIVE;
                char *fn = xasprintf("%s-%s.tar.gz", nm, ver);
                r_file(&p->archive.file, fn, false);
                free(fn);
                if (rnd(2))
                    p->archive.subdirectory = xstrdup("sub/dir");
            } else {
                char *esc = xstrdup(nm);
                for (char *c = esc; *c; c++)
                    if (*c == '-')
                        *c = '_';
                size_t nw = rnd(4);
                bool used[6] = {0};
                for (size_t w = 0; w < nw; w++) {
                    size_t t = rnd(6);
                    if (used[t])
                        continue;
                    used[t] = true;
                    char *fn = xasprintf("%s-%s-%s.whl", esc, ver, R_TAGS[t]);
                    r_file(pylock_add_wheel(p), fn, true);
                    free(fn);
                }
                if (p->nwheels == 0 || rnd(2)) {
                    char *fn = xasprintf("%s-%s.%s", esc, ver, rnd(2) ? "tar.gz" : "zip");
                    r_file(pylock_set_sdist(p), fn, true);
                    free(fn);
                }
                free(esc);
            }
            free(ver);
        } else {
            char *n2 = xasprintf("%s-src%zu", nm, i);
            p = pylock_add_package(l, n2, NULL);
            free(n2);
            if (kind < 9) {
                p->source = PYLOCK_DIRECTORY;
                p->directory.path = xstrdup(rnd(2) ? "." : "../sibling project");
                p->directory.editable = rnd(2);
                if (rnd(2))
                    p->directory.subdirectory = xstrdup("python");
            } else {
                p->source = PYLOCK_VCS;
                p->vcs.type = xstrdup(rnd(2) ? "git" : "hg");
                if (rnd(2))
                    p->vcs.url = xstrdup("https://example.com/repo.git");
                else
                    p->vcs.path = xstrdup("../repo");
                if (rnd(2))
                    p->vcs.requested_revision = xstrdup(R_TEXT[rnd(6)]);
                char *c = rhex(40);
                p->vcs.commit_id = c;
            }
        }
        if (rnd(2))
            p->marker = xstrdup(R_MARKERS[rnd(7)]);
        if (rnd(3) == 0)
            p->requires_python = xstrdup(R_SPECS[rnd(5)]);
        if (rnd(3) == 0)
            p->index = xstrdup("https://pypi.org/simple");
        for (size_t d = rnd(3); d > 0; d--)
            pylock_add_dep(p, R_NAMES[rnd(7)], rnd(2) ? "1.0" : NULL);
        if (rnd(4) == 0) {
            XGROW(p->attestations, p->attestations_cap, p->nattestations + 1);
            pylock_attestation_t *a = &p->attestations[p->nattestations++];
            memset(a, 0, sizeof(*a));
            a->kind = xstrdup("GitHub");
            XGROW(a->keys, a->keys_cap, 1);
            a->keys[0].key = xstrdup("repository");
            a->keys[0].value = xstrdup(R_TEXT[rnd(6)]);
            a->nkeys = 1;
        }
    }
    if (rnd(2))
        l->inputs = rhex(64);
    if (rnd(2))
        l->fork_markers = r_subset(R_MARKERS, 7);
    if (rnd(2)) {
        for (size_t i = 0; i < l->npackages; i++)
            if (rnd(2) && !strv_has(l->requested, l->packages[i].name))
                strv_push(&l->requested, NULL, NULL, xstrdup(l->packages[i].name));
    }
    if (rnd(2))
        pylock_add_tool(l, "python-request", R_TEXT[rnd(6)]);
    if (rnd(2))
        pylock_add_tool(l, "weird key.with dots", "v");
    return l;
}

static bool same_str(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* The same strings as sets (order aside). */
static void same_set(char *const *a, char *const *b, const char *what)
{
    cr_assert_eq(strv_len(a), strv_len(b), "%s: %zu vs %zu", what, strv_len(a), strv_len(b));
    for (size_t i = 0; a && a[i]; i++)
        cr_assert(strv_has(b, a[i]), "%s: %s missing", what, a[i]);
}

static void same_list(char *const *a, char *const *b, const char *what)
{
    cr_assert_eq(strv_len(a), strv_len(b), "%s", what);
    for (size_t i = 0; a && a[i]; i++)
        cr_assert_str_eq(a[i], b[i], "%s[%zu]", what, i);
}

static void same_file(const pylock_file_t *a, const pylock_file_t *b)
{
    char *na = pylock_file_name(a);
    cr_assert_str_eq(na, b->name);
    free(na);
    cr_assert(same_str(a->url, b->url));
    cr_assert(same_str(a->path, b->path));
    cr_assert_eq(a->size, b->size);
    cr_assert(same_str(a->upload_time, b->upload_time), "%s vs %s", a->upload_time,
              b->upload_time);
    cr_assert_eq(a->nhashes, b->nhashes);
    for (size_t i = 0; i < a->nhashes; i++)
        cr_assert(same_str(a->hashes[i].hex, pylock_file_hash(b, a->hashes[i].algo)));
}

static void same_model(const pylock_t *a, const pylock_t *b)
{
    cr_assert_str_eq(a->lock_version, b->lock_version);
    same_list(a->environments, b->environments, "environments");
    cr_assert(same_str(a->requires_python, b->requires_python));
    same_set(a->extras, b->extras, "extras");
    same_set(a->dependency_groups, b->dependency_groups, "groups");
    same_set(a->default_groups, b->default_groups, "default groups");
    cr_assert_str_eq(a->created_by, b->created_by);
    cr_assert(same_str(a->inputs, b->inputs));
    same_list(a->fork_markers, b->fork_markers, "fork markers");
    same_set(a->requested, b->requested, "requested");
    cr_assert_eq(a->ntool, b->ntool);
    for (size_t i = 0; i < a->ntool; i++) {
        bool found = false;
        for (size_t j = 0; j < b->ntool; j++)
            found |= !strcmp(a->tool[i].key, b->tool[j].key) &&
                     !strcmp(a->tool[i].value, b->tool[j].value);
        cr_assert(found, "tool key %s", a->tool[i].key);
    }
    cr_assert_eq(a->npackages, b->npackages);
    for (size_t i = 0; i < a->npackages; i++) {
        const pylock_package_t *p = &a->packages[i], *q = NULL;
        for (size_t j = 0; j < b->npackages && !q; j++)
            if (!strcmp(p->name, b->packages[j].name) &&
                same_str(p->version, b->packages[j].version) &&
                same_str(p->marker, b->packages[j].marker))
                q = &b->packages[j];
        cr_assert_not_null(q, "package %s %s lost", p->name, p->version);
        cr_assert(q->line > 0);
        cr_assert(same_str(p->requires_python, q->requires_python));
        cr_assert(same_str(p->index, q->index));
        cr_assert_eq(p->ndeps, q->ndeps);
        for (size_t k = 0; k < p->ndeps; k++) {
            cr_assert_str_eq(p->deps[k].name, q->deps[k].name);
            cr_assert(same_str(p->deps[k].version, q->deps[k].version));
        }
        cr_assert_eq(p->source, q->source);
        switch (p->source) {
        case PYLOCK_DIST:
            cr_assert_eq(p->nwheels, q->nwheels);
            for (size_t k = 0; k < p->nwheels; k++) {
                char *n = pylock_file_name(&p->wheels[k]);
                const pylock_file_t *g = NULL;
                for (size_t m = 0; m < q->nwheels && !g; m++)
                    if (!strcmp(q->wheels[m].name, n))
                        g = &q->wheels[m];
                cr_assert_not_null(g, "wheel %s lost", n);
                free(n);
                same_file(&p->wheels[k], g);
            }
            cr_assert_eq(!p->sdist, !q->sdist);
            if (p->sdist)
                same_file(p->sdist, q->sdist);
            break;
        case PYLOCK_DIRECTORY:
            cr_assert_str_eq(p->directory.path, q->directory.path);
            cr_assert_eq(p->directory.editable, q->directory.editable);
            cr_assert(same_str(p->directory.subdirectory, q->directory.subdirectory));
            break;
        case PYLOCK_ARCHIVE:
            same_file(&p->archive.file, &q->archive.file);
            cr_assert(same_str(p->archive.subdirectory, q->archive.subdirectory));
            break;
        case PYLOCK_VCS:
            cr_assert_str_eq(p->vcs.type, q->vcs.type);
            cr_assert(same_str(p->vcs.url, q->vcs.url));
            cr_assert(same_str(p->vcs.path, q->vcs.path));
            cr_assert(same_str(p->vcs.requested_revision, q->vcs.requested_revision));
            cr_assert_str_eq(p->vcs.commit_id, q->vcs.commit_id);
            break;
        }
        cr_assert_eq(p->nattestations, q->nattestations);
        for (size_t k = 0; k < p->nattestations; k++) {
            cr_assert_str_eq(p->attestations[k].kind, q->attestations[k].kind);
            cr_assert_eq(p->attestations[k].nkeys, q->attestations[k].nkeys);
            cr_assert_str_eq(p->attestations[k].keys[0].value, q->attestations[k].keys[0].value);
        }
    }
}

Test(pylock, random_models_round_trip)
{
    rng = 0x9E3779B97F4A7C15ull;
    for (int round = 0; round < 400; round++) {
        pylock_t *l = random_model();
        char *t = wr(l);
        pylock_t *back = rd(t);
        same_model(l, back);
        char *t2 = wr(back);
        cr_assert_str_eq(t2, t, "round %d: rewriting changed the text", round);
        pylock_free(back);
        pylock_free(l);
        free(t);
        free(t2);
    }
}

/* ---- strict reading: every rule, its message and its position ------------------------------ */

static const struct { const char *text, *msg; } BAD[] = {
    {"created-by = \"x\"\n"
     "packages = []\n",
     "pylock.dev.toml: missing required key 'lock-version'"},
    {"lock-version = \"2.0\"\n"
     "created-by = \"x\"\n"
     "packages = []\n",
     "pylock.dev.toml:1:16: lock-version 2.0 is not supported: venvsync reads lock-version 1.x"},
    {"lock-version = 1.0\n"
     "created-by = \"x\"\n"
     "packages = []\n",
     "pylock.dev.toml:1:16: 'lock-version' must be a string, not a float"},
    {"lock-version = \"1\"\n"
     "created-by = \"x\"\n"
     "packages = []\n",
     "pylock.dev.toml:1:16: lock-version '1' is not MAJOR.MINOR (venvsync writes \"1.0\")"},
    {"lock-version = \"1.0\"\n"
     "created-by = \"venvsync\"\n"
     "packages = []\n"
     "colour = 'blue'\n",
     "pylock.dev.toml:4:10: unknown key 'colour'"},
    {"lock-version = \"1.0\"\n"
     "packages = []\n",
     "pylock.dev.toml: missing required key 'created-by'"},
    {"lock-version = \"1.0\"\n"
     "created-by = \"venvsync\"\n",
     "pylock.dev.toml: missing required key 'packages' (write `packages = []` for a lock of no"
     "thing)"},
    {"lock-version = \"1.0\"\n"
     "created-by = \"venvsync\"\n"
     "packages = 'x'\n",
     "pylock.dev.toml:3:12: 'packages' must be an array of tables, not a string"},
    {"lock-version = \"1.0\"\n"
     "created-by = \"venvsync\"\n"
     "environments = []\n"
     "packages = []\n",
     "pylock.dev.toml:3:16: 'environments' is empty: the lock would fit no environment (leave "
     "the key out to mean every one)"},
    {"lock-version = \"1.0\"\n"
     "created-by = \"venvsync\"\n"
     "environments = ['sys_platform = \"linux\"']\n"
     "packages = []\n",
     "pylock.dev.toml:3:17: environments[0]: invalid marker 'sys_platform = \"linux\"': expect"
     "ed a marker operator (one of <=, <, !=, ==, >=, >, ~=, ===, in, not in) at column 14"},
    {"lock-version = \"1.0\"\n"
     "created-by = \"venvsync\"\n"
     "environments = ['extra == \"x\"']\n"
     "packages = []\n",
     "pylock.dev.toml:3:17: environments[0]: invalid marker 'extra == \"x\"': the legacy 'extr"
     "a' variable is not allowed in lock-file markers (use '\"name\" in extras') at column 1"},
    {"lock-version = \"1.0\"\n"
     "created-by = \"venvsync\"\n"
     "requires-python = '>=3.x'\n"
     "packages = []\n",
     "pylock.dev.toml:3:19: requires-python '>=3.x': invalid specifier '>=3.x': '3.x' is not a"
     " valid version"},
    {"lock-version = \"1.0\"\n"
     "created-by = \"venvsync\"\n"
     "extras = ['Foo']\n"
     "packages = []\n",
     "pylock.dev.toml:3:11: extras[0]: 'Foo' is not normalized (write 'foo')"},
    {"lock-version = \"1.0\"\n"
     "created-by = \"venvsync\"\n"
     "dependency-groups = ['test', 'Test']\n"
     "packages = []\n",
     "pylock.dev.toml:3:30: dependency-groups[1]: 'Test' is listed twice in 'dependency-groups"
     "'"},
    {"lock-version = \"1.0\"\n"
     "created-by = \"venvsync\"\n"
     "[[packages]]\n"
     "version = '1.0'\n",
     "pylock.dev.toml:3:1: packages[0]: missing required key 'name'"},
    {"lock-version = \"1.0\"\n"
     "created-by = \"venvsync\"\n"
     "[[packages]]\n"
     "name = 'Foo_Bar'\n",
     "pylock.dev.toml:4:8: packages[0]: name 'Foo_Bar' is not normalized (write 'foo-bar')"},
    {"lock-version = \"1.0\"\n"
     "created-by = \"venvsync\"\n"
     "[[packages]]\n"
     "name = 'foo bar'\n",
     "pylock.dev.toml:4:8: packages[0]: 'foo bar' is not a valid package name"},
    {"lock-version = \"1.0\"\n"
     "created-by = \"venvsync\"\n"
     "[[packages]]\n"
     "name = 'a'\n"
     "version = 'one'\n",
     "pylock.dev.toml:5:11: packages[0] 'a': 'one' is not a valid version"},
    {"lock-version = \"1.0\"\n"
     "created-by = \"venvsync\"\n"
     "[[packages]]\n"
     "name = 'a'\n"
     "version = '1.0'\n"
     "directory = { path = '.' }\n",
     "pylock.dev.toml:5:11: packages[0] 'a': a directory entry must not have a version (the so"
     "urce tree may change)"},
    {"lock-version = \"1.0\"\n"
     "created-by = \"venvsync\"\n"
     "[[packages]]\n"
     "name = 'a'\n"
     "version = '1.0'\n"
     "vcs = { type = 'git', url = 'https://x', commit-id = 'abc' }\n",
     "pylock.dev.toml:5:11: packages[0] 'a': a vcs entry must not have a version (the source t"
     "ree may change)"},
    {"lock-version = \"1.0\"\n"
     "created-by = \"venvsync\"\n"
     "[[packages]]\n"
     "name = 'a'\n"
     "marker = 'os_name === '\n"
     "directory = { path = '.' }\n",
     "pylock.dev.toml:5:10: packages[0] 'a': marker: invalid marker 'os_name === ': expected a"
     " marker variable or quoted string at column 13"},
    {"lock-version = \"1.0\"\n"
     "created-by = \"venvsync\"\n"
     "[[packages]]\n"
     "name = 'a'\n"
     "marker = 'extra == \"cli\"'\n"
     "directory = { path = '.' }\n",
     "pylock.dev.toml:5:10: packages[0] 'a': marker: invalid marker 'extra == \"cli\"': the le"
     "gacy 'extra' variable is not allowed in lock-file markers (use '\"name\" in extras') at "
     "column 1"},
    {"lock-version = \"1.0\"\n"
     "created-by = \"venvsync\"\n"
     "[[packages]]\n"
     "name = 'a'\n"
     "requires-python = 'three'\n"
     "directory = { path = '.' }\n",
     "pylock.dev.toml:5:19: packages[0] 'a': requires-python 'three': invalid specifier 'three"
     "': expected an operator (==, !=, <=, >=, <, >, ~=, ===) before the version"},
    {"lock-version = \"1.0\"\n"
     "created-by = \"venvsync\"\n"
     "[[packages]]\n"
     "name = 'a'\n",
     "pylock.dev.toml:3:1: packages[0] 'a': no source: give 'wheels' and / or 'sdist', or one "
     "of 'vcs', 'directory', 'archive'"},
    {"lock-version = \"1.0\"\n"
     "created-by = \"venvsync\"\n"
     "[[packages]]\n"
     "name = 'a'\n"
     "vcs = { type = 'git', url = 'https://x', commit-id = 'abc' }\n"
     "directory = { path = '.' }\n",
     "pylock.dev.toml:6:13: packages[0] 'a': 'vcs' and 'directory' given: one source per entry"},
    {"lock-version = \"1.0\"\n"
     "created-by = \"venvsync\"\n"
     "[[packages]]\n"
     "name = 'a'\n"
     "version = '1.0'\n"
     "archive = { url = 'https://h/a-1.0.tar.gz', hashes = { sha256 = 'aaaaaaaaaaaaaaaaaaaaaaa"
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' } }\n"
     "wheels = [{ url = \"https://h/a-1.0-py3-none-any.whl\", hashes = { sha256 = \"aaaaaaaaaa"
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\" } }]\n",
     "pylock.dev.toml:6:11: packages[0] 'a': 'archive' cannot be given with 'wheels': one sour"
     "ce per entry"},
    {"lock-version = \"1.0\"\n"
     "created-by = \"venvsync\"\n"
     "[[packages]]\n"
     "name = 'a'\n"
     "version = '1.0'\n"
     "directory = { path = '.' }\n"
     "sdist = { url = 'https://h/a-1.0.tar.gz', hashes = { sha256 = 'aaaaaaaaaaaaaaaaaaaaaaaaa"
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' } }\n",
     "pylock.dev.toml:6:13: packages[0] 'a': 'directory' cannot be given with 'sdist': one sou"
     "rce per entry"},
    {"lock-version = \"1.0\"\n"
     "created-by = \"venvsync\"\n"
     "[[packages]]\n"
     "name = 'a'\n"
     "version = '1.0'\n"
     "wheels = { url = 'x' }\n",
     "pylock.dev.toml:6:10: packages[0] 'a': 'wheels' must be an array of tables, not a table"},
    {"lock-version = \"1.0\"\n"
     "created-by = \"venvsync\"\n"
     "[[packages]]\n"
     "name = 'a'\n"
     "version = '1.0'\n"
     "wheels = ['a-1.0-py3-none-any.whl']\n",
     "pylock.dev.toml:6:11: packages[0] 'a': wheels[0]: expected a table, not a string"},
    {"lock-version = \"1.0\"\n"
     "created-by = \"venvsync\"\n"
     "[[packages]]\n"
     "name = 'a'\n"
     "version = '1.0'\n"
     "wheels = [{ name = 'a-1.0-py3-none-any.whl', hashes = { sha256 = 'aaaaaaaaaaaaaaaaaaaaaa"
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' } }]\n",
     "pylock.dev.toml:6:11: packages[0] 'a': wheels[0]: give 'url' or 'path' (or both)"},
    {"lock-version = \"1.0\"\n"
     "created-by = \"venvsync\"\n"
     "[[packages]]\n"
     "name = 'a'\n"
     "version = '1.0'\n"
     "wheels = [{ url = 'https://h/a-1.0-py3-none-any.whl', size = -1, hashes = { sha256 = 'aa"
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' } }]\n",
     "pylock.dev.toml:6:62: packages[0] 'a': wheels[0]: 'size' is negative"},
    {"lock-version = \"1.0\"\n"
     "created-by = \"venvsync\"\n"
     "[[packages]]\n"
     "name = 'a'\n"
     "version = '1.0'\n"
     "wheels = [{ url = 'https://h/a-1.0-py3-none-any.whl', size = '12', hashes = { sha256 = '"
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' } }]\n",
     "pylock.dev.toml:6:62: packages[0] 'a': wheels[0]: 'size' must be an integer, not a strin"
     "g"},
    {"lock-version = \"1.0\"\n"
     "created-by = \"venvsync\"\n"
     "[[packages]]\n"
     "name = 'a'\n"
     "version = '1.0'\n"
     "wheels = [{ url = 'https://h/a-1.0-py3-none-any.whl', upload-time = '2025-01-01T00:00:00"
     "Z', hashes = { sha256 = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
     "a' } }]\n",
     "pylock.dev.toml:6:69: packages[0] 'a': wheels[0]: 'upload-time' must be an offset date-t"
     "ime in UTC (2025-01-25T11:30:10Z), not a string"},
    {"lock-version = \"1.0\"\n"
     "created-by = \"venvsync\"\n"
     "[[packages]]\n"
     "name = 'a'\n"
     "version = '1.0'\n"
     "wheels = [{ url = 'https://h/a-1.0-py3-none-any.whl', upload-time = 2025-01-01T01:00:00+"
     "01:00, hashes = { sha256 = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
     "aaaa' } }]\n",
     "pylock.dev.toml:6:69: packages[0] 'a': wheels[0]: 'upload-time' 2025-01-01T01:00:00+01:0"
     "0 is not in UTC"},
    {"lock-version = \"1.0\"\n"
     "created-by = \"venvsync\"\n"
     "[[packages]]\n"
     "name = 'a'\n"
     "version = '1.0'\n"
     "wheels = [{ url = 'https://h/a-1.0-py3-none-any.whl', upload-time = 2025-01-01T01:00:00,"
     " hashes = { sha256 = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' "
     "} }]\n",
     "pylock.dev.toml:6:69: packages[0] 'a': wheels[0]: 'upload-time' must be an offset date-t"
     "ime in UTC (2025-01-25T11:30:10Z), not a local date-time"},
    {"lock-version = \"1.0\"\n"
     "created-by = \"venvsync\"\n"
     "[[packages]]\n"
     "name = 'a'\n"
     "version = '1.0'\n"
     "wheels = [{ url = 'https://h/a-1.0-py3-none-any.whl' }]\n",
     "pylock.dev.toml:6:11: packages[0] 'a': wheels[0]: missing required key 'hashes'"},
    {"lock-version = \"1.0\"\n"
     "created-by = \"venvsync\"\n"
     "[[packages]]\n"
     "name = 'a'\n"
     "version = '1.0'\n"
     "wheels = [{ url = 'https://h/a-1.0-py3-none-any.whl', hashes = {} }]\n",
     "pylock.dev.toml:6:64: packages[0] 'a': wheels[0]: 'hashes' is empty: give at least a sha"
     "256"},
    {"lock-version = \"1.0\"\n"
     "created-by = \"venvsync\"\n"
     "[[packages]]\n"
     "name = 'a'\n"
     "version = '1.0'\n"
     "wheels = [{ url = 'https://h/a-1.0-py3-none-any.whl', hashes = { SHA256 = 'aaaaaaaaaaaaa"
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' } }]\n",
     "pylock.dev.toml:6:75: packages[0] 'a': wheels[0]: hash algorithm 'SHA256' must be lowerc"
     "ase"},
    {"lock-version = \"1.0\"\n"
     "created-by = \"venvsync\"\n"
     "[[packages]]\n"
     "name = 'a'\n"
     "version = '1.0'\n"
     "wheels = [{ url = 'https://h/a-1.0-py3-none-any.whl', hashes = { md5 = 'abc' } }]\n",
     "pylock.dev.toml:6:64: packages[0] 'a': wheels[0]: no sha256 in 'hashes' (venvsync checks"
     " every file's sha256)"},
    {"lock-version = \"1.0\"\n"
     "created-by = \"venvsync\"\n"
     "[[packages]]\n"
     "name = 'a'\n"
     "version = '1.0'\n"
     "wheels = [{ url = 'https://h/a-1.0-py3-none-any.whl', hashes = { sha256 = 'abc' } }]\n",
     "pylock.dev.toml:6:75: packages[0] 'a': wheels[0]: hashes.sha256: 'abc' is not a sha256 d"
     "igest (64 lowercase hex digits)"},
    {"lock-version = \"1.0\"\n"
     "created-by = \"venvsync\"\n"
     "[[packages]]\n"
     "name = 'a'\n"
     "version = '1.0'\n"
     "wheels = [{ url = 'https://h/a-1.0-py3-none-any.whl', hashes = { sha256 = 'AAAAAAAAAAAAA"
     "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' } }]\n",
     "pylock.dev.toml:6:75: packages[0] 'a': wheels[0]: hashes.sha256: 'AAAAAAAAAAAAAAAAAAAAAA"
     "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' is not a sha256 digest (64 lowercase hex dig"
     "its)"},
    {"lock-version = \"1.0\"\n"
     "created-by = \"venvsync\"\n"
     "[[packages]]\n"
     "name = 'a'\n"
     "version = '1.0'\n"
     "wheels = [{ url = 'https://h/a-1.0.whl', hashes = { sha256 = 'aaaaaaaaaaaaaaaaaaaaaaaaaa"
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' } }]\n",
     "pylock.dev.toml:6:11: packages[0] 'a': wheels[0]: 'a-1.0.whl' is not a valid wheel name:"
     " invalid wheel filename 'a-1.0.whl': expected name-version[-build]-python-abi-platform.w"
     "hl"},
    {"lock-version = \"1.0\"\n"
     "created-by = \"venvsync\"\n"
     "[[packages]]\n"
     "name = 'a'\n"
     "version = '1.0'\n"
     "wheels = [{ url = 'https://h/b-1.0-py3-none-any.whl', hashes = { sha256 = 'aaaaaaaaaaaaa"
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' } }]\n",
     "pylock.dev.toml:6:11: packages[0] 'a': wheels[0]: 'b-1.0-py3-none-any.whl' is a file of "
     "'b', not of 'a'"},
    {"lock-version = \"1.0\"\n"
     "created-by = \"venvsync\"\n"
     "[[packages]]\n"
     "name = 'a'\n"
     "version = '1.0'\n"
     "wheels = [{ url = 'https://h/a-1.1-py3-none-any.whl', hashes = { sha256 = 'aaaaaaaaaaaaa"
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' } }]\n",
     "pylock.dev.toml:6:11: packages[0] 'a': wheels[0]: 'a-1.1-py3-none-any.whl' is version 1."
     "1, not the entry's 1.0"},
    {"lock-version = \"1.0\"\n"
     "created-by = \"venvsync\"\n"
     "[[packages]]\n"
     "name = 'a'\n"
     "version = '1.0'\n"
     "sdist = { url = 'https://h/a-1.0.tar.bz2', hashes = { sha256 = 'aaaaaaaaaaaaaaaaaaaaaaaa"
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' } }\n",
     "pylock.dev.toml:6:9: packages[0] 'a': sdist: 'a-1.0.tar.bz2' is not a valid sdist name: "
     "an sdist's name ends with .tar.gz or .zip"},
    {"lock-version = \"1.0\"\n"
     "created-by = \"venvsync\"\n"
     "[[packages]]\n"
     "name = 'a'\n"
     "version = '1.0'\n"
     "sdist = { name = 'b-1.0.tar.gz', url = 'https://h/x', hashes = { sha256 = 'aaaaaaaaaaaaa"
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' } }\n",
     "pylock.dev.toml:6:18: packages[0] 'a': sdist: 'b-1.0.tar.gz' is a file of 'b', not of 'a"
     "'"},
    {"lock-version = \"1.0\"\n"
     "created-by = \"venvsync\"\n"
     "[[packages]]\n"
     "name = 'a'\n"
     "version = '1.0'\n"
     "sdist = { url = 'https://h/dir/', hashes = { sha256 = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' } }\n",
     "pylock.dev.toml:6:9: packages[0] 'a': sdist: cannot tell the file's name from its URL: g"
     "ive 'name'"},
    {"lock-version = \"1.0\"\n"
     "created-by = \"venvsync\"\n"
     "[[packages]]\n"
     "name = 'a'\n"
     "vcs = { type = 'cvs', url = 'https://x', commit-id = 'abc' }\n",
     "pylock.dev.toml:5:16: packages[0] 'a': vcs: unknown VCS type 'cvs' (git, hg, bzr or svn)"},
    {"lock-version = \"1.0\"\n"
     "created-by = \"venvsync\"\n"
     "[[packages]]\n"
     "name = 'a'\n"
     "vcs = { type = 'git', url = 'https://x' }\n",
     "pylock.dev.toml:5:7: packages[0] 'a': vcs: missing required key 'commit-id'"},
    {"lock-version = \"1.0\"\n"
     "created-by = \"venvsync\"\n"
     "[[packages]]\n"
     "name = 'a'\n"
     "vcs = { url = 'https://x', commit-id = 'abc' }\n",
     "pylock.dev.toml:5:7: packages[0] 'a': vcs: missing required key 'type'"},
    {"lock-version = \"1.0\"\n"
     "created-by = \"venvsync\"\n"
     "[[packages]]\n"
     "name = 'a'\n"
     "directory = { editable = true }\n",
     "pylock.dev.toml:5:13: packages[0] 'a': directory: missing required key 'path'"},
    {"lock-version = \"1.0\"\n"
     "created-by = \"venvsync\"\n"
     "[[packages]]\n"
     "name = 'a'\n"
     "directory = { path = '.', editable = 'yes' }\n",
     "pylock.dev.toml:5:38: packages[0] 'a': directory: 'editable' must be a boolean, not a st"
     "ring"},
    {"lock-version = \"1.0\"\n"
     "created-by = \"venvsync\"\n"
     "[[packages]]\n"
     "name = 'a'\n"
     "directory = { path = '.', subdirectory = '/abs' }\n",
     "pylock.dev.toml:5:42: packages[0] 'a': directory: 'subdirectory' '/abs' must be relative"
     " to the source tree"},
    {"lock-version = \"1.0\"\n"
     "created-by = \"venvsync\"\n"
     "[[packages]]\n"
     "name = 'a'\n"
     "directory = { path = '.', subdirectory = 'a/../../x' }\n",
     "pylock.dev.toml:5:42: packages[0] 'a': directory: 'subdirectory' 'a/../../x' leaves the "
     "source tree"},
    {"lock-version = \"1.0\"\n"
     "created-by = \"venvsync\"\n"
     "[[packages]]\n"
     "name = 'a'\n"
     "directory = { path = '.' }\n"
     "dependencies = [{ version = '1.0' }]\n",
     "pylock.dev.toml:6:17: packages[0] 'a': dependencies[0]: missing required key 'name'"},
    {"lock-version = \"1.0\"\n"
     "created-by = \"venvsync\"\n"
     "[[packages]]\n"
     "name = 'a'\n"
     "directory = { path = '.' }\n"
     "dependencies = [{ name = 'B' }]\n",
     "pylock.dev.toml:6:26: packages[0] 'a': dependencies[0]: 'B' is not a normalized name"},
    {"lock-version = \"1.0\"\n"
     "created-by = \"venvsync\"\n"
     "[[packages]]\n"
     "name = 'a'\n"
     "directory = { path = '.' }\n"
     "attestation-identities = [{ repository = 'x' }]\n",
     "pylock.dev.toml:6:27: packages[0] 'a': attestation-identities[0]: missing required key '"
     "kind'"},
    {"lock-version = \"1.0\"\n"
     "created-by = \"venvsync\"\n"
     "packages = []\n"
     "[tool.venvsync]\n"
     "inputs = 12\n",
     "pylock.dev.toml:5:10: tool.venvsync: 'inputs' must be a string, not an integer"},
    {"lock-version = \"1.0\"\n"
     "created-by = \"venvsync\"\n"
     "packages = []\n"
     "[tool.venvsync]\n"
     "fork-markers = ['python_version <']\n",
     "pylock.dev.toml:5:17: tool.venvsync.fork-markers[0]: invalid marker 'python_version <': "
     "expected a marker variable or quoted string at column 17"},
    {"lock-version = \"1.0\"\n"
     "created-by = \"venvsync\"\n"
     "packages = []\n"
     "[tool.venvsync]\n"
     "requested = ['Attrs']\n",
     "pylock.dev.toml:5:14: tool.venvsync.requested[0]: 'Attrs' is not normalized (write 'attr"
     "s')"},
    {"lock-version = \"1.0\"\n"
     "created-by = \"venvsync\"\n"
     "packages = []\n"
     "[tool.venvsync]\n"
     "colour = ['blue']\n",
     "pylock.dev.toml:5:10: tool.venvsync: 'colour' must be a string, not an array"},
    {"lock-version = \"1.0\"\n"
     "created-by = \"venvsync\"\n"
     "packages = [\n"
     "\n",
     "pylock.dev.toml:5:1: unexpected end of file (expected a value)"},
    {"lock-version = \"1.0\"\n"
     "created-by = \"venvsync\"\n"
     "[[packages]]\n"
     "name = 'a'\n"
     "directory = { path = '.' }\n"
     "colour = 'blue'\n",
     "pylock.dev.toml:6:10: packages[0] 'a': unknown key 'colour'"},
    {"lock-version = \"1.0\"\n"
     "created-by = \"venvsync\"\n"
     "[[packages]]\n"
     "name = 'a'\n"
     "version = '1.0'\n"
     "wheels = [{ url = 'https://h/a-1.0-py3-none-any.whl', hashes = { sha256 = 'aaaaaaaaaaaaa"
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' }, colour = 'x' }]\n",
     "pylock.dev.toml:6:154: packages[0] 'a': wheels[0]: unknown key 'colour'"},
    {"lock-version = \"1.0\"\n"
     "created-by = \"venvsync\"\n"
     "[[packages]]\n"
     "name = 'a'\n"
     "directory = { path = '' }\n",
     "pylock.dev.toml:5:22: packages[0] 'a': directory: 'path' is empty"},
    {"lock-version = \"1.0\"\n"
     "created-by = \"venvsync\"\n"
     "[[packages]]\n"
     "name = 'a'\n"
     "directory = { path = \"a\\u0000b\" }\n",
     "pylock.dev.toml:5:22: packages[0] 'a': directory: 'path' holds a NUL character"},
    {"lock-version = \"1.0\"\n"
     "created-by = \"venvsync\"\n"
     "packages = ['a']\n",
     "pylock.dev.toml:3:13: packages[0]: expected a table, not a string"},
    {"lock-version = \"1.0\"\n"
     "created-by = \"venvsync\"\n"
     "[[packages]]\n"
     "name = 'a'\n"
     "version = '1.0'\n"
     "vcs = 'git'\n",
     "pylock.dev.toml:6:7: packages[0] 'a': 'vcs' must be a table, not a string"},
    {"lock-version = \"1.0\"\n"
     "created-by = \"venvsync\"\n"
     "tool = 3\n"
     "packages = []\n",
     "pylock.dev.toml:3:8: 'tool' must be a table, not an integer"},
    {"lock-version = \"1.0\"\n"
     "created-by = \"venvsync\"\n"
     "packages = []\n"
     "[[packages.x]]\n",
     "pylock.dev.toml:4:3: 'packages' is a static array: it cannot be extended"},
    {"lock-version = \"1.0\"\n"
     "created-by = \"venvsync\"\n"
     "environments = [\"'cli' in extras\"]\n"
     "packages = []\n",
     "pylock.dev.toml:3:17: environments[0]: 'extras' and 'dependency_groups' may only be used"
     " in packages.marker"},
    {"lock-version = \"1.0\"\n"
     "created-by = \"venvsync\"\n"
     "[[packages]]\n"
     "name = 'a'\n"
     "directory = { path = \".\" }\n"
     "requires_python = \">=3\"\n",
     "pylock.dev.toml:6:19: packages[0] 'a': unknown key 'requires_python' (did you mean 'requ"
     "ires-python'?)"},
};

Test(pylock, every_violation_has_its_message_and_position)
{
    for (size_t i = 0; i < sizeof(BAD) / sizeof(BAD[0]); i++) {
        char *m = rd_err(BAD[i].text);
        cr_expect_str_eq(m, BAD[i].msg, "case %zu:\n%s", i, BAD[i].text);
        free(m);
    }
}

Test(pylock, newer_minor_version_warns)
{
    static const char text[] =
        "lock-version = \"1.3\"\ncreated-by = \"x\"\nrequires_python = \">=3\"\n"
        "[[packages]]\nname = \"a\"\ndirectory = { path = \".\", colour = 1 }\n";
    pylock_t *l = NULL;
    char **w = NULL;
    err_t *e = pylock_read(text, strlen(text), "pylock.dev.toml", &l, &w);
    cr_assert_null(e, "%s", e ? e->msg : "");
    cr_assert_eq(strv_len(w), 3);
    cr_assert_str_eq(w[0], "pylock.dev.toml:1:16: lock-version 1.3 is newer than venvsync knows "
                           "(1.0): keys it does not know are ignored");
    cr_assert_str_eq(w[1], "pylock.dev.toml:3:19: unknown key 'requires_python' (did you mean "
                           "'requires-python'?): ignored (lock-version 1.3 is newer than venvsync "
                           "knows)");
    cr_assert_str_eq(w[2], "pylock.dev.toml:6:36: packages[0] 'a': directory: unknown key "
                           "'colour': ignored (lock-version 1.3 is newer than venvsync knows)");
    cr_assert_str_eq(l->packages[0].directory.path, ".");
    strv_free(w);
    pylock_free(l);
    /* known keys keep their rules under a newer minor */
    char *m = rd_err("lock-version = \"1.3\"\ncreated-by = 1\npackages = []\n");
    cr_assert_str_eq(m, "pylock.dev.toml:2:14: 'created-by' must be a string, not an integer");
    free(m);
    /* and a newer major is refused, with a hint */
    static const char v2[] = "lock-version = \"2.1\"\ncreated-by = \"x\"\npackages = []\n";
    e = pylock_read(v2, strlen(v2), "pylock.dev.toml", &l, &w);
    cr_assert_not_null(e);
    cr_assert_str_eq(e->hint, "re-create the lock with `venvsync lock`");
    err_free(e);
}

Test(pylock, warnings_may_be_ignored)
{
    static const char text[] = "lock-version = \"1.1\"\ncreated-by = \"x\"\npackages = []\nz = 1\n";
    pylock_t *l = NULL;
    err_t *e = pylock_read(text, strlen(text), NULL, &l, NULL);
    cr_assert_null(e);
    cr_assert_str_eq(l->lock_version, "1.1");
    pylock_free(l);
}

Test(pylock, default_display_name)
{
    pylock_t *l = (pylock_t *)1;
    err_t *e = pylock_read("x", 1, NULL, &l, NULL);
    cr_assert_not_null(e);
    cr_assert_null(l);
    cr_assert(strncmp(e->msg, "pylock.toml:1:2: ", 17) == 0, "%s", e->msg);
    err_free(e);
}

/* Hostile input: deep nesting inside [tool] stops at the depth limit, not the stack. */
Test(pylock, deep_nesting_is_refused)
{
    buf_t b = BUF_INIT;
    buf_adds(&b, HEAD "packages = []\n[tool]\nx = ");
    for (int i = 0; i < 100000; i++)
        buf_addc(&b, '[');
    char *m = rd_err(buf_cstr(&b));
    cr_assert_str_eq(m, "pylock.dev.toml:5:36: nesting too deep (more than 32 levels)");
    free(m);
    buf_free(&b);
}

/* Hand edits into nonsense: seeded mutations of a valid lock either read or fail with a
 * positioned message; nothing crashes (ASan / UBSan builds check the rest). */
Test(pylock, mutations_never_crash)
{
    rng = 42;
    size_t n = sizeof(SMALL_WRITTEN) - 1, ok = 0;
    char *buf = xmalloc(n + 64);
    static const char *const SNIPPETS[] = {"[[packages]]\n", "\"", "'", "{", "}", "=", "\n",
                                           "version = \"1\"\n", "name = \"x\"\n", "[tool]\n",
                                           "#", "\\u0000", "extra == 'x'", ".."};
    for (int round = 0; round < 3000; round++) {
        memcpy(buf, SMALL_WRITTEN, n + 1);
        size_t len = n;
        for (int k = 1 + (int)rnd(3); k > 0; k--) {
            size_t at = rnd((uint32_t)len);
            switch (rnd(3)) {
            case 0:
                buf[at] = (char)rnd(256);
                break;
            case 1:
                memmove(buf + at, buf + at + 1, len - at);
                len--;
                break;
            default: {
                const char *sn = SNIPPETS[rnd(14)];
                size_t sl = strlen(sn);
                if (len + sl >= n + 63)
                    break;
                memmove(buf + at + sl, buf + at, len - at + 1);
                memcpy(buf + at, sn, sl);
                len += sl;
            }
            }
        }
        pylock_t *l = NULL;
        err_t *e = pylock_read(buf, len, "pylock.dev.toml", &l, NULL);
        if (e) {
            cr_assert_null(l);
            cr_assert(strncmp(e->msg, "pylock.dev.toml", 15) == 0, "%s", e->msg);
            err_free(e);
            continue;
        }
        ok++;
        buf_t out = BUF_INIT;
        e = pylock_write(l, &out);
        cr_assert_null(e, "what reads must write: %s", e ? e->msg : "");
        buf_free(&out);
        pylock_free(l);
    }
    cr_assert(ok > 100, "only %zu mutations read", ok);
    free(buf);
}

/* ---- selection ------------------------------------------------------------------------------ */

static const marker_env_t LINUX311 = {
    .os_name = "posix", .sys_platform = "linux", .platform_machine = "x86_64",
    .platform_python_implementation = "CPython", .platform_release = "6.1.0",
    .platform_system = "Linux", .platform_version = "#1 SMP", .python_version = "3.11",
    .python_full_version = "3.11.7", .implementation_name = "cpython",
    .implementation_version = "3.11.7",
};
static const tag_facts_t LINUX311_TAGS = {
    .implementation = "cpython", .major = 3, .minor = 11, .abiflags = "", .system = "linux",
    .machine = "x86_64", .pointer_bits = 64, .libc = "glibc", .libc_version = "2.36",
};
static const marker_env_t LINUX312 = {
    .os_name = "posix", .sys_platform = "linux", .platform_machine = "x86_64",
    .platform_python_implementation = "CPython", .platform_system = "Linux",
    .python_version = "3.12", .python_full_version = "3.12.1", .implementation_name = "cpython",
    .implementation_version = "3.12.1",
};
static const tag_facts_t LINUX312_TAGS = {
    .implementation = "cpython", .major = 3, .minor = 12, .abiflags = "", .system = "linux",
    .machine = "x86_64", .pointer_bits = 64, .libc = "glibc", .libc_version = "2.36",
};
/* an old distribution: glibc 2.17 (no manylinux_2_28) */
static const tag_facts_t OLDLINUX312_TAGS = {
    .implementation = "cpython", .major = 3, .minor = 12, .abiflags = "", .system = "linux",
    .machine = "x86_64", .pointer_bits = 64, .libc = "glibc", .libc_version = "2.17",
};
static const marker_env_t MAC312 = {
    .os_name = "posix", .sys_platform = "darwin", .platform_machine = "arm64",
    .platform_python_implementation = "CPython", .platform_system = "Darwin",
    .python_version = "3.12", .python_full_version = "3.12.1", .implementation_name = "cpython",
    .implementation_version = "3.12.1",
};
static const tag_facts_t MAC312_TAGS = {
    .implementation = "cpython", .major = 3, .minor = 12, .abiflags = "", .system = "darwin",
    .machine = "arm64", .pointer_bits = 64, .mac_version = "14.2",
};
static const marker_env_t WIN312 = {
    .os_name = "nt", .sys_platform = "win32", .platform_machine = "AMD64",
    .platform_python_implementation = "CPython", .platform_system = "Windows",
    .python_version = "3.12", .python_full_version = "3.12.1", .implementation_name = "cpython",
    .implementation_version = "3.12.1",
};
static const tag_facts_t WIN312_TAGS = {
    .implementation = "cpython", .major = 3, .minor = 12, .abiflags = "", .system = "win32",
    .machine = "AMD64", .pointer_bits = 64, .platform = "win-amd64",
};

typedef struct sel_case {
    const marker_env_t *env;
    const tag_facts_t *facts;
    char **extras, **groups;
    bool groups_given;
} sel_case_t;

#define TARGET(e, f) {.env = &(e), .facts = &(f)}

/* Selects from text for the target; on success a strv "name=kind:file-or-location" per pick
 * (NULL on failure, with *msg the error's message, malloc'd). */
static char **sel(const char *text, const sel_case_t *c, char **msg)
{
    pylock_t *l = rd(text);
    tagset_t *tags = tagset_new(c->facts);
    pylock_target_t t = {
        .env = c->env, .tags = tags, .extras = c->extras, .groups = c->groups,
        .groups_given = c->groups_given, .lock_dir = "/proj", .lock_name = "pylock.dev.toml",
    };
    pylock_selection_t s;
    err_t *e = pylock_select(l, &t, &s);
    char **out = NULL;
    if (msg)
        *msg = NULL;
    if (e) {
        cr_assert_not_null(msg, "select failed: %s", e->msg);
        cr_assert_eq(e->exit_code, EXIT_USAGE);
        cr_assert_null(s.picks);
        *msg = xstrdup(e->msg);
        err_free(e);
    } else {
        cr_assert_null(msg ? *msg : NULL);
        static const char *const KINDS[] = {"wheel", "sdist", "directory", "archive", "vcs"};
        for (size_t i = 0; i < s.n; i++) {
            const pylock_pick_t *p = &s.picks[i];
            strv_push(&out, NULL, NULL,
                      xasprintf("%s=%s:%s%s", p->pkg->name, KINDS[p->kind],
                                p->file ? p->file->name : p->location,
                                p->requested ? " (requested)" : ""));
            if (p->file)
                cr_assert_not_null(p->location);
        }
        if (!out)
            out = xcalloc(1, sizeof(*out));
        pylock_selection_free(&s);
    }
    tagset_free(tags);
    pylock_free(l);
    return out;
}

static void expect_picks(char **got, const char *const *want)
{
    cr_assert_not_null(got);
    size_t n = 0;
    while (want[n])
        n++;
    cr_assert_eq(strv_len(got), n, "%zu picks, want %zu (first: %s)", strv_len(got), n,
                 got[0] ? got[0] : "-");
    for (size_t i = 0; i < n; i++)
        cr_assert_str_eq(got[i], want[i]);
    strv_free(got);
}

static char *sel_err(const char *text, const sel_case_t *c)
{
    char *msg = NULL;
    char **got = sel(text, c, &msg);
    cr_assert_null(got, "selection succeeded: %s", got && got[0] ? got[0] : "(nothing)");
    return msg;
}

#define WHEEL(f) "{ url = \"https://h/" f "\", hashes = { sha256 = \"" H1 "\" } }"

/* One package, wheels for several platforms. */
static const char PLATFORMS[] =
    HEAD
    "[[packages]]\nname = \"pkg\"\nversion = \"1.0\"\nwheels = [\n"
    "  " WHEEL("pkg-1.0-py3-none-any.whl") ",\n"
    "  " WHEEL("pkg-1.0-cp39-abi3-manylinux_2_28_x86_64.whl") ",\n"
    "  " WHEEL("pkg-1.0-cp311-cp311-musllinux_1_1_x86_64.whl") ",\n"
    "  " WHEEL("pkg-1.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl") ",\n"
    "  " WHEEL("pkg-1.0-cp312-cp312-macosx_11_0_arm64.whl") ",\n"
    "  " WHEEL("pkg-1.0-cp312-cp312-win_amd64.whl") ",\n"
    "]\n";

Test(pylock, best_tag_per_platform)
{
    sel_case_t lin311 = TARGET(LINUX311, LINUX311_TAGS), lin312 = TARGET(LINUX312, LINUX312_TAGS),
               old312 = TARGET(LINUX312, OLDLINUX312_TAGS), mac = TARGET(MAC312, MAC312_TAGS),
               win = TARGET(WIN312, WIN312_TAGS);
    expect_picks(sel(PLATFORMS, &lin311, NULL), (const char *const[]){
        "pkg=wheel:pkg-1.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", NULL});
    expect_picks(sel(PLATFORMS, &lin312, NULL), (const char *const[]){
        "pkg=wheel:pkg-1.0-cp39-abi3-manylinux_2_28_x86_64.whl", NULL});
    expect_picks(sel(PLATFORMS, &old312, NULL), (const char *const[]){
        "pkg=wheel:pkg-1.0-py3-none-any.whl", NULL});
    expect_picks(sel(PLATFORMS, &mac, NULL), (const char *const[]){
        "pkg=wheel:pkg-1.0-cp312-cp312-macosx_11_0_arm64.whl", NULL});
    expect_picks(sel(PLATFORMS, &win, NULL), (const char *const[]){
        "pkg=wheel:pkg-1.0-cp312-cp312-win_amd64.whl", NULL});
}

/* Equal ranks: the earlier wheel in the file wins (not the higher build tag). */
Test(pylock, tie_goes_to_file_order)
{
    sel_case_t lin = TARGET(LINUX311, LINUX311_TAGS);
    static const char a[] = HEAD "[[packages]]\nname = \"pkg\"\nversion = \"1.0\"\nwheels = [\n"
                            "  " WHEEL("pkg-1.0-py3-none-any.whl") ",\n"
                            "  " WHEEL("pkg-1.0-1-py3-none-any.whl") ",\n]\n";
    static const char b[] = HEAD "[[packages]]\nname = \"pkg\"\nversion = \"1.0\"\nwheels = [\n"
                            "  " WHEEL("pkg-1.0-1-py3-none-any.whl") ",\n"
                            "  " WHEEL("pkg-1.0-py3-none-any.whl") ",\n]\n";
    expect_picks(sel(a, &lin, NULL),
                 (const char *const[]){"pkg=wheel:pkg-1.0-py3-none-any.whl", NULL});
    expect_picks(sel(b, &lin, NULL),
                 (const char *const[]){"pkg=wheel:pkg-1.0-1-py3-none-any.whl", NULL});
}

static const char SDIST_FALLBACK[] =
    HEAD
    "[[packages]]\nname = \"pkg\"\nversion = \"1.0\"\n"
    "sdist = { path = \"dist/pkg-1.0.tar.gz\", size = 9, hashes = { sha256 = \"" H2 "\" } }\n"
    "wheels = [\n  " WHEEL("pkg-1.0-cp312-cp312-win_amd64.whl") ",\n]\n"
    "\n[[packages]]\nname = \"only\"\nversion = \"2.0\"\n"
    "sdist = { url = \"https://h/only-2.0.zip\", hashes = { sha256 = \"" H2 "\" } }\n";

Test(pylock, sdist_when_no_wheel_fits)
{
    sel_case_t lin = TARGET(LINUX311, LINUX311_TAGS), win = TARGET(WIN312, WIN312_TAGS);
    expect_picks(sel(SDIST_FALLBACK, &lin, NULL), (const char *const[]){
        "pkg=sdist:pkg-1.0.tar.gz", "only=sdist:only-2.0.zip", NULL});
    expect_picks(sel(SDIST_FALLBACK, &win, NULL), (const char *const[]){
        "pkg=wheel:pkg-1.0-cp312-cp312-win_amd64.whl", "only=sdist:only-2.0.zip", NULL});
}

Test(pylock, pick_locations)
{
    static const char text[] =
        HEAD
        "[[packages]]\nname = \"pkg\"\nversion = \"1.0\"\n"
        "sdist = { path = \"dist/../dist/pkg-1.0.tar.gz\", url = \"https://h/pkg-1.0.tar.gz\", "
        "size = 9, hashes = { sha256 = \"" H2 "\" } }\n"
        "[[packages]]\nname = \"app\"\ndirectory = { path = \"src/app\", editable = true }\n"
        "[[packages]]\nname = \"abs\"\ndirectory = { path = \"/elsewhere/abs\" }\n"
        "[[packages]]\nname = \"ar\"\narchive = { url = \"https://h/ar-1.0.tar.gz\", "
        "hashes = { sha256 = \"" H2 "\" }, subdirectory = \"py\" }\n"
        "[[packages]]\nname = \"lib\"\nvcs = { type = \"git\", path = \"../lib\", commit-id = "
        "\"abc\" }\n"
        "[tool.venvsync]\nrequested = [\"app\", \"pkg\"]\n";
    pylock_t *l = rd(text);
    tagset_t *tags = tagset_new(&LINUX311_TAGS);
    pylock_target_t t = {.env = &LINUX311, .tags = tags, .lock_dir = "/proj"};
    pylock_selection_t s;
    err_t *e = pylock_select(l, &t, &s);
    cr_assert_null(e, "%s", e ? e->msg : "");
    cr_assert_eq(s.n, 5);
    cr_assert_eq(s.picks[0].kind, PYLOCK_PICK_SDIST);
    cr_assert_str_eq(s.picks[0].location, "/proj/dist/pkg-1.0.tar.gz", "a path wins over a URL");
    cr_assert(s.picks[0].is_local);
    cr_assert(s.picks[0].requested);
    cr_assert_eq(s.picks[0].file->size, 9);
    cr_assert_str_eq(pylock_file_hash(s.picks[0].file, "sha256"), H2);
    cr_assert_eq(s.picks[1].kind, PYLOCK_PICK_DIRECTORY);
    cr_assert_str_eq(s.picks[1].location, "/proj/src/app");
    cr_assert(s.picks[1].pkg->directory.editable);
    cr_assert(s.picks[1].requested);
    cr_assert_null(s.picks[1].file);
    cr_assert_str_eq(s.picks[2].location, "/elsewhere/abs");
    cr_assert_not(s.picks[2].requested);
    cr_assert_eq(s.picks[3].kind, PYLOCK_PICK_ARCHIVE);
    cr_assert_str_eq(s.picks[3].location, "https://h/ar-1.0.tar.gz");
    cr_assert_not(s.picks[3].is_local);
    cr_assert_str_eq(s.picks[3].file->name, "ar-1.0.tar.gz");
    cr_assert_str_eq(s.picks[3].pkg->archive.subdirectory, "py");
    cr_assert_eq(s.picks[4].kind, PYLOCK_PICK_VCS);
    cr_assert_str_eq(s.picks[4].location, "/lib");
    cr_assert(s.picks[4].is_local);
    cr_assert_eq(s.picks[4].index, 4);
    pylock_selection_free(&s);
    pylock_selection_free(&s);     /* twice is fine */
    tagset_free(tags);
    pylock_free(l);
}

Test(pylock, no_wheel_no_sdist_is_an_error)
{
    sel_case_t lin = TARGET(LINUX311, LINUX311_TAGS);
    static const char text[] =
        HEAD "[[packages]]\nname = \"pkg\"\nversion = \"1.0\"\nwheels = [\n"
        "  " WHEEL("pkg-1.0-cp312-cp312-win_amd64.whl") ",\n"
        "  " WHEEL("pkg-1.0-cp312-cp312-macosx_11_0_arm64.whl") ",\n]\n";
    char *m = sel_err(text, &lin);
    cr_assert_str_eq(m, "pylock.dev.toml:3: no wheel of pkg 1.0 in pylock.dev.toml fits cpython "
                        "3.11 on linux-x86_64: its files are pkg-1.0-cp312-cp312-win_amd64.whl, "
                        "pkg-1.0-cp312-cp312-macosx_11_0_arm64.whl, and it has no sdist");
    free(m);
}

static const char MARKERS[] =
    HEAD
    "[[packages]]\nname = \"pywin32\"\nversion = \"306\"\nmarker = \"sys_platform == 'win32'\"\n"
    "wheels = [\n  " WHEEL("pywin32-306-cp312-cp312-win_amd64.whl") ",\n]\n"
    "[[packages]]\nname = \"tomli\"\nversion = \"2.0.1\"\n"
    "marker = \"python_full_version < '3.11'\"\n"
    "wheels = [\n  " WHEEL("tomli-2.0.1-py3-none-any.whl") ",\n]\n"
    "[[packages]]\nname = \"numpy\"\nversion = \"1.26.4\"\nmarker = \"python_version < '3.12'\"\n"
    "wheels = [\n  " WHEEL("numpy-1.26.4-py3-none-any.whl") ",\n]\n"
    "[[packages]]\nname = \"numpy\"\nversion = \"2.2.3\"\nmarker = \"python_version >= '3.12'\"\n"
    "wheels = [\n  " WHEEL("numpy-2.2.3-py3-none-any.whl") ",\n]\n";

Test(pylock, markers_choose_entries)
{
    sel_case_t lin = TARGET(LINUX311, LINUX311_TAGS), win = TARGET(WIN312, WIN312_TAGS);
    expect_picks(sel(MARKERS, &lin, NULL), (const char *const[]){
        "numpy=wheel:numpy-1.26.4-py3-none-any.whl", NULL});
    expect_picks(sel(MARKERS, &win, NULL), (const char *const[]){
        "pywin32=wheel:pywin32-306-cp312-cp312-win_amd64.whl",
        "numpy=wheel:numpy-2.2.3-py3-none-any.whl", NULL});
}

Test(pylock, ambiguity_is_an_error)
{
    sel_case_t lin = TARGET(LINUX311, LINUX311_TAGS);
    static const char text[] =
        HEAD
        "[[packages]]\nname = \"numpy\"\nversion = \"1.26.4\"\nmarker = \"os_name == 'posix'\"\n"
        "wheels = [\n  " WHEEL("numpy-1.26.4-py3-none-any.whl") ",\n]\n"
        "[[packages]]\nname = \"numpy\"\nversion = \"2.2.3\"\n"
        "wheels = [\n  " WHEEL("numpy-2.2.3-py3-none-any.whl") ",\n]\n";
    char *m = sel_err(text, &lin);
    cr_assert_str_eq(m, "pylock.dev.toml:10: two entries for numpy apply to cpython 3.11 on "
                        "linux-x86_64: packages[0] (line 3, version 1.26.4, marker os_name == "
                        "'posix') and packages[1] (line 10, version 2.2.3)");
    free(m);
}

Test(pylock, requires_python_mismatch_is_an_error)
{
    sel_case_t lin = TARGET(LINUX311, LINUX311_TAGS);
    char *m = sel_err(HEAD "requires-python = \">=3.12\"\npackages = []\n", &lin);
    cr_assert_str_eq(m, "pylock.dev.toml is for Python >=3.12: cpython 3.11 on linux-x86_64 is "
                        "Python 3.11.7");
    free(m);
    static const char text[] =
        HEAD
        "[[packages]]\nname = \"skip\"\nversion = \"1\"\nrequires-python = \">=3.12\"\n"
        "marker = \"sys_platform == 'win32'\"\n"
        "wheels = [\n  " WHEEL("skip-1-py3-none-any.whl") ",\n]\n"
        "[[packages]]\nname = \"numpy\"\nversion = \"2.2.3\"\nrequires-python = \">=3.12\"\n"
        "wheels = [\n  " WHEEL("numpy-2.2.3-py3-none-any.whl") ",\n]\n";
    m = sel_err(text, &lin);
    cr_assert_str_eq(m, "pylock.dev.toml:11: numpy 2.2.3 requires Python >=3.12, but cpython 3.11 "
                        "on linux-x86_64 is Python 3.11.7", "a false marker skips before the "
                        "requires-python check");
    free(m);
    /* a pre-release interpreter counts */
    marker_env_t rc = LINUX312;
    rc.python_full_version = "3.13.0rc1";
    sel_case_t c = TARGET(rc, LINUX312_TAGS);
    expect_picks(sel(text, &c, NULL), (const char *const[]){
        "numpy=wheel:numpy-2.2.3-py3-none-any.whl", NULL});
}

Test(pylock, environments_must_cover_the_target)
{
    sel_case_t mac = TARGET(MAC312, MAC312_TAGS), lin = TARGET(LINUX311, LINUX311_TAGS);
    static const char text[] =
        HEAD "environments = [\"sys_platform == 'linux'\", \"sys_platform == 'win32'\"]\n"
        "packages = []\n";
    char *m = sel_err(text, &mac);
    cr_assert_str_eq(m, "pylock.dev.toml does not cover cpython 3.12 on darwin-arm64: it was "
                        "locked for sys_platform == 'linux'; sys_platform == 'win32'");
    free(m);
    expect_picks(sel(text, &lin, NULL), (const char *const[]){NULL});
}

Test(pylock, describe_and_hint)
{
    pylock_t *l = rd(HEAD "environments = [\"os_name == 'nt'\"]\npackages = []\n");
    tagset_t *tags = tagset_new(&LINUX311_TAGS);
    pylock_target_t t = {.env = &LINUX311, .tags = tags, .describe = "the dev environment"};
    pylock_selection_t s;
    err_t *e = pylock_select(l, &t, &s);
    cr_assert_not_null(e);
    cr_assert_str_eq(e->msg, "pylock.toml does not cover the dev environment: it was locked for "
                             "os_name == 'nt'");
    cr_assert_str_eq(e->hint, "widen the environment's `lock-environments` in venv.yaml to this "
                      "platform and run `venvsync lock` (for a lock another tool wrote: lock "
                      "it for this platform there)");
    err_free(e);
    tagset_free(tags);
    pylock_free(l);
}

Test(pylock, lock_version_checked_at_selection)
{
    pylock_t *l = pylock_new();
    free(l->lock_version);
    l->lock_version = xstrdup("2.0");
    tagset_t *tags = tagset_new(&LINUX311_TAGS);
    pylock_target_t t = {.env = &LINUX311, .tags = tags};
    pylock_selection_t s;
    err_t *e = pylock_select(l, &t, &s);
    cr_assert_not_null(e);
    cr_assert_str_eq(e->msg, "pylock.toml: lock-version '2.0' is not supported: venvsync reads "
                             "lock-version 1.x");
    err_free(e);
    tagset_free(tags);
    pylock_free(l);
}

static const char EXTRAS[] =
    HEAD
    "extras = [\"cli\", \"docs\"]\n"
    "dependency-groups = [\"test\"]\n"
    "default-groups = [\"default\"]\n"
    "[[packages]]\nname = \"click\"\nversion = \"8.1\"\nmarker = \"'cli' in extras\"\n"
    "wheels = [\n  " WHEEL("click-8.1-py3-none-any.whl") ",\n]\n"
    "[[packages]]\nname = \"pytest\"\nversion = \"8.0\"\n"
    "marker = \"'test' in dependency_groups\"\n"
    "wheels = [\n  " WHEEL("pytest-8.0-py3-none-any.whl") ",\n]\n"
    "[[packages]]\nname = \"base\"\nversion = \"1.0\"\n"
    "marker = \"'default' in dependency_groups\"\n"
    "wheels = [\n  " WHEEL("base-1.0-py3-none-any.whl") ",\n]\n"
    "[[packages]]\nname = \"noclick\"\nversion = \"1.0\"\n"
    "marker = \"'cli' not in extras\"\n"
    "wheels = [\n  " WHEEL("noclick-1.0-py3-none-any.whl") ",\n]\n";

Test(pylock, extras_and_groups)
{
    sel_case_t c = TARGET(LINUX311, LINUX311_TAGS);
    expect_picks(sel(EXTRAS, &c, NULL), (const char *const[]){
        "base=wheel:base-1.0-py3-none-any.whl", "noclick=wheel:noclick-1.0-py3-none-any.whl",
        NULL});
    char *cli[] = {"CLI", NULL}, *test[] = {"Test", NULL};
    c.extras = cli;
    c.groups = test;
    c.groups_given = true;
    expect_picks(sel(EXTRAS, &c, NULL), (const char *const[]){
        "click=wheel:click-8.1-py3-none-any.whl", "pytest=wheel:pytest-8.0-py3-none-any.whl",
        NULL});
    c.groups = NULL;     /* groups given, none: not even the defaults */
    expect_picks(sel(EXTRAS, &c, NULL), (const char *const[]){
        "click=wheel:click-8.1-py3-none-any.whl", NULL});
    char *nope[] = {"gui", NULL};
    c.extras = nope;
    char *m = sel_err(EXTRAS, &c);
    cr_assert_str_eq(m, "pylock.dev.toml has no extra 'gui' (it has: cli, docs)");
    free(m);
    c.extras = NULL;
    c.groups = nope;
    m = sel_err(EXTRAS, &c);
    cr_assert_str_eq(m, "pylock.dev.toml has no dependency group 'gui' (it has: test)");
    free(m);
    char *dflt[] = {"default", NULL};
    c.groups = dflt;
    expect_picks(sel(EXTRAS, &c, NULL), (const char *const[]){
        "base=wheel:base-1.0-py3-none-any.whl", "noclick=wheel:noclick-1.0-py3-none-any.whl",
        NULL});
}

Test(pylock, digest_example_selects)
{
    marker_env_t py312 = LINUX312;
    sel_case_t lin = TARGET(py312, LINUX312_TAGS), win = TARGET(WIN312, WIN312_TAGS),
               mac = TARGET(MAC312, MAC312_TAGS);
    expect_picks(sel(DIGEST_EXAMPLE, &lin, NULL), (const char *const[]){
        "myapp=directory:/proj", "numpy=wheel:numpy-2.2.3-cp312-cp312-manylinux_2_17_x86_64."
        "manylinux2014_x86_64.whl", NULL});
    char *test[] = {"test", NULL};
    win.groups = test;
    win.groups_given = true;
    expect_picks(sel(DIGEST_EXAMPLE, &win, NULL), (const char *const[]){
        "myapp=directory:/proj", "attrs=wheel:attrs-25.1.0-py3-none-any.whl",
        "numpy=wheel:numpy-2.2.3-cp312-cp312-win_amd64.whl", NULL});
    char *m = sel_err(DIGEST_EXAMPLE, &mac);
    cr_assert(strstr(m, "pylock.dev.toml does not cover cpython 3.12 on darwin-arm64") == m, "%s",
              m);
    free(m);
    sel_case_t old = TARGET(LINUX311, LINUX311_TAGS);
    m = sel_err(DIGEST_EXAMPLE, &old);
    cr_assert_str_eq(m, "pylock.dev.toml is for Python ==3.12.*: cpython 3.11 on linux-x86_64 is "
                        "Python 3.11.7");
    free(m);
}

/* ---- file names and lookups ------------------------------------------------------------------ */

Test(pylock, filename)
{
    char *f;
    cr_assert_null(pylock_filename("dev", &f));
    cr_assert_str_eq(f, "pylock.dev.toml");
    free(f);
    cr_assert_null(pylock_filename("Docs-2", &f));
    cr_assert_str_eq(f, "pylock.Docs-2.toml");
    free(f);
    const char *bad[] = {"", "py3.12", "a/b", "a\\b", "tab\t"};
    const char *msg[] = {
        "an empty environment name cannot name a lock file",
        "environment 'py3.12' cannot have a lock file: PEP 751 lock files are named "
        "pylock.<name>.toml with no '.' in <name>",
        "environment 'a/b' cannot name a lock file: it holds a '/'",
        "environment 'a\\b' cannot name a lock file: it holds a '\\'",
        "environment 'tab\t' cannot name a lock file: it holds a 'control character'",
    };
    for (size_t i = 0; i < 5; i++) {
        f = (char *)1;
        err_t *e = pylock_filename(bad[i], &f);
        cr_assert_not_null(e, "%s", bad[i]);
        cr_assert_null(f);
        cr_assert_eq(e->exit_code, EXIT_USAGE);
        cr_assert_str_eq(e->msg, msg[i]);
        err_free(e);
    }
}

Test(pylock, find_and_file_names)
{
    pylock_t *l = rd(MARKERS);
    cr_assert_eq(pylock_find(l, "NumPy", 0), 2);
    cr_assert_eq(pylock_find(l, "numpy", 3), 3);
    cr_assert_eq(pylock_find(l, "numpy", 4), -1);
    cr_assert_eq(pylock_find(l, "pandas", 0), -1);
    cr_assert_eq(pylock_find(l, "py-win32", 0), -1);
    cr_assert_eq(pylock_find(l, "PyWin32", 0), 0);
    pylock_free(l);
    pylock_file_t f = {.size = -1};
    cr_assert_null(pylock_file_name(&f));
    f.url = "https://h/a/foo%2Bbar-1.0.whl?x=1#sha256=00";
    char *n = pylock_file_name(&f);
    cr_assert_str_eq(n, "foo+bar-1.0.whl");
    free(n);
    f.path = "C:\\wheels\\x-1.whl";
    n = pylock_file_name(&f);
    cr_assert_str_eq(n, "x-1.whl", "the path before the URL, '\\' separated too");
    free(n);
    f.name = "given.whl";
    n = pylock_file_name(&f);
    cr_assert_str_eq(n, "given.whl");
    free(n);
    cr_assert_null(pylock_file_hash(&f, "sha256"));
}
