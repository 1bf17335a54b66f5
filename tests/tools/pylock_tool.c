/*
 * pylock_tool: a test-only front end to resolve/pylock (built with VENVSYNC_TESTS, used by
 * tests/e2e/test_pylock_e2e.py to check the writer, the reader and the selection against
 * Python's tomllib and packaging.pylock).
 *
 *   pylock_tool write MODEL.json     the model (JSON shaped as the lock's TOML: PEP 751 key
 *                                    names, a file's "hashes" an object, [tool.venvsync] under
 *                                    "tool": {"venvsync": {...}}) written as TOML on stdout
 *   pylock_tool read FILE            the lock read, as JSON of that same shape plus each
 *                                    package's "line" and a top-level "warnings" list
 *   pylock_tool select FILE TARGET   PEP 751 selection for TARGET.json:
 *                                    {"env": {<marker variables>}, "facts": {<tag_facts_t
 *                                    fields>}, "extras": [...], "groups": [...] (absent: the
 *                                    lock's default-groups), "lock_dir": "/abs"}; prints
 *                                    {"picks": [{"name", "version", "kind", "file", "location",
 *                                    "is_local", "requested", "index"}]}
 *   pylock_tool tags TARGET          the target's supported tags, best first (a JSON array)
 * FILE or MODEL "-" is standard input. An error of the module: its message on stderr, exit 1.
 * Usage and I/O errors: exit 2.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/marker.h"
#include "pkg/tags.h"
#include "resolve/pylock.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/jsonread.h"
#include "util/strv.h"
#include "util/xalloc.h"

static void die(const char *fmt, const char *arg)
{
    fprintf(stderr, "pylock_tool: ");
    fprintf(stderr, fmt, arg);
    fputc('\n', stderr);
    exit(2);
}

static void read_input(const char *path, buf_t *out)
{
    if (strcmp(path, "-") != 0) {
        err_t *e = fs_read(path, out);
        if (e)
            die("%s", e->msg);
        return;
    }
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0)
        buf_add(out, chunk, n);
}

static jr_doc_t *read_json(const char *path)
{
    buf_t b = BUF_INIT;
    read_input(path, &b);
    jr_doc_t *d;
    err_t *e = jr_parse(buf_cstr(&b), b.len, NULL, &d);
    buf_free(&b);
    if (e)
        die("bad JSON: %s", e->msg);
    return d;
}

/* ---- JSON -> model --------------------------------------------------------------------------- */

static char *jstr(const jr_value_t *o, const char *key)
{
    return xstrdup(jr_str(jr_get(o, key)));
}

static char **jlist(const jr_value_t *o, const char *key)
{
    const jr_value_t *a = jr_get(o, key);
    char **v = NULL;
    size_t n = 0, cap = 0;
    for (size_t i = 0; a && jr_is(a, JR_ARRAY) && i < a->len; i++)
        strv_push(&v, &n, &cap, xstrdup(jr_str(jr_at(a, i))));
    return v;
}

static void jfile(const jr_value_t *o, pylock_file_t *f, bool archive)
{
    if (!archive)
        f->name = jstr(o, "name");
    f->url = jstr(o, "url");
    f->path = jstr(o, "path");
    f->upload_time = jstr(o, "upload-time");
    int64_t size;
    if (jr_int64(jr_get(o, "size"), &size))
        f->size = size;
    const jr_value_t *h = jr_get(o, "hashes");
    for (size_t i = 0; h && jr_is(h, JR_OBJECT) && i < h->len; i++)
        pylock_add_hash(f, h->u.members[i].key, jr_str(&h->u.members[i].value));
}

static pylock_t *from_json(const jr_value_t *r)
{
    pylock_t *l = pylock_new();
    free(l->lock_version);
    free(l->created_by);
    l->lock_version = jstr(r, "lock-version");
    l->created_by = jstr(r, "created-by");
    l->environments = jlist(r, "environments");
    l->requires_python = jstr(r, "requires-python");
    l->extras = jlist(r, "extras");
    l->dependency_groups = jlist(r, "dependency-groups");
    l->default_groups = jlist(r, "default-groups");
    const jr_value_t *pk = jr_get(r, "packages");
    for (size_t i = 0; pk && i < pk->len; i++) {
        const jr_value_t *o = jr_at(pk, i);
        pylock_package_t *p = pylock_add_package(l, jr_str(jr_get(o, "name")),
                                                 jr_str(jr_get(o, "version")));
        p->marker = jstr(o, "marker");
        p->requires_python = jstr(o, "requires-python");
        p->index = jstr(o, "index");
        const jr_value_t *deps = jr_get(o, "dependencies");
        for (size_t j = 0; deps && j < deps->len; j++)
            pylock_add_dep(p, jr_str(jr_get(jr_at(deps, j), "name")),
                           jr_str(jr_get(jr_at(deps, j), "version")));
        const jr_value_t *v;
        if ((v = jr_get(o, "vcs"))) {
            p->source = PYLOCK_VCS;
            p->vcs.type = jstr(v, "type");
            p->vcs.url = jstr(v, "url");
            p->vcs.path = jstr(v, "path");
            p->vcs.requested_revision = jstr(v, "requested-revision");
            p->vcs.commit_id = jstr(v, "commit-id");
            p->vcs.subdirectory = jstr(v, "subdirectory");
        } else if ((v = jr_get(o, "directory"))) {
            p->source = PYLOCK_DIRECTORY;
            p->directory.path = jstr(v, "path");
            const jr_value_t *ed = jr_get(v, "editable");
            p->directory.editable = ed && jr_is(ed, JR_BOOL) && ed->u.b;
            p->directory.subdirectory = jstr(v, "subdirectory");
        } else if ((v = jr_get(o, "archive"))) {
            p->source = PYLOCK_ARCHIVE;
            jfile(v, &p->archive.file, true);
            p->archive.subdirectory = jstr(v, "subdirectory");
        } else {
            p->source = PYLOCK_DIST;
            if ((v = jr_get(o, "sdist")))
                jfile(v, pylock_set_sdist(p), false);
            const jr_value_t *ws = jr_get(o, "wheels");
            for (size_t j = 0; ws && j < ws->len; j++)
                jfile(jr_at(ws, j), pylock_add_wheel(p), false);
        }
        const jr_value_t *at = jr_get(o, "attestation-identities");
        for (size_t j = 0; at && j < at->len; j++) {
            const jr_value_t *x = jr_at(at, j);
            XGROW(p->attestations, p->attestations_cap, p->nattestations + 1);
            pylock_attestation_t *a = &p->attestations[p->nattestations++];
            memset(a, 0, sizeof(*a));
            a->kind = jstr(x, "kind");
            for (size_t k = 0; k < x->len; k++) {
                if (!strcmp(x->u.members[k].key, "kind"))
                    continue;
                XGROW(a->keys, a->keys_cap, a->nkeys + 1);
                a->keys[a->nkeys].key = xstrdup(x->u.members[k].key);
                a->keys[a->nkeys].value = xstrdup(jr_str(&x->u.members[k].value));
                a->nkeys++;
            }
        }
    }
    const jr_value_t *vs = jr_get(jr_get(r, "tool"), "venvsync");
    if (vs) {
        l->inputs = jstr(vs, "inputs");
        l->fork_markers = jlist(vs, "fork-markers");
        l->requested = jlist(vs, "requested");
        for (size_t i = 0; i < vs->len; i++) {
            const char *k = vs->u.members[i].key;
            if (strcmp(k, "inputs") && strcmp(k, "fork-markers") && strcmp(k, "requested"))
                pylock_add_tool(l, k, jr_str(&vs->u.members[i].value));
        }
    }
    return l;
}

/* ---- model -> JSON --------------------------------------------------------------------------- */

static void kstr(json_t *j, const char *k, const char *s)
{
    if (s)
        json_kstr(j, k, s);
}

static void klist(json_t *j, const char *k, char *const *v, bool always)
{
    if (!v && !always)
        return;
    json_key(j, k);
    json_arr(j);
    for (size_t i = 0; v && v[i]; i++)
        json_str(j, v[i]);
    json_end(j);
}

static void jout_file(json_t *j, const pylock_file_t *f, const char *subdir)
{
    json_obj(j);
    kstr(j, "name", f->name);
    kstr(j, "upload-time", f->upload_time);
    kstr(j, "url", f->url);
    kstr(j, "path", f->path);
    if (f->size >= 0)
        json_kint(j, "size", f->size);
    json_key(j, "hashes");
    json_obj(j);
    for (size_t i = 0; i < f->nhashes; i++)
        json_kstr(j, f->hashes[i].algo, f->hashes[i].hex);
    json_end(j);
    kstr(j, "subdirectory", subdir);
    json_end(j);
}

static void to_json(json_t *j, const pylock_t *l, char *const *warnings)
{
    json_obj(j);
    kstr(j, "lock-version", l->lock_version);
    klist(j, "environments", l->environments, false);
    kstr(j, "requires-python", l->requires_python);
    klist(j, "extras", l->extras, true);
    klist(j, "dependency-groups", l->dependency_groups, true);
    klist(j, "default-groups", l->default_groups, false);
    kstr(j, "created-by", l->created_by);
    json_key(j, "packages");
    json_arr(j);
    for (size_t i = 0; i < l->npackages; i++) {
        const pylock_package_t *p = &l->packages[i];
        json_obj(j);
        kstr(j, "name", p->name);
        kstr(j, "version", p->version);
        kstr(j, "marker", p->marker);
        kstr(j, "requires-python", p->requires_python);
        if (p->ndeps) {
            json_key(j, "dependencies");
            json_arr(j);
            for (size_t k = 0; k < p->ndeps; k++) {
                json_obj(j);
                kstr(j, "name", p->deps[k].name);
                kstr(j, "version", p->deps[k].version);
                json_end(j);
            }
            json_end(j);
        }
        switch (p->source) {
        case PYLOCK_VCS:
            json_key(j, "vcs");
            json_obj(j);
            kstr(j, "type", p->vcs.type);
            kstr(j, "url", p->vcs.url);
            kstr(j, "path", p->vcs.path);
            kstr(j, "requested-revision", p->vcs.requested_revision);
            kstr(j, "commit-id", p->vcs.commit_id);
            kstr(j, "subdirectory", p->vcs.subdirectory);
            json_end(j);
            break;
        case PYLOCK_DIRECTORY:
            json_key(j, "directory");
            json_obj(j);
            kstr(j, "path", p->directory.path);
            json_kbool(j, "editable", p->directory.editable);
            kstr(j, "subdirectory", p->directory.subdirectory);
            json_end(j);
            break;
        case PYLOCK_ARCHIVE:
            json_key(j, "archive");
            jout_file(j, &p->archive.file, p->archive.subdirectory);
            break;
        case PYLOCK_DIST:
            if (p->sdist) {
                json_key(j, "sdist");
                jout_file(j, p->sdist, NULL);
            }
            if (p->nwheels) {
                json_key(j, "wheels");
                json_arr(j);
                for (size_t k = 0; k < p->nwheels; k++)
                    jout_file(j, &p->wheels[k], NULL);
                json_end(j);
            }
            break;
        }
        kstr(j, "index", p->index);
        if (p->nattestations) {
            json_key(j, "attestation-identities");
            json_arr(j);
            for (size_t k = 0; k < p->nattestations; k++) {
                json_obj(j);
                kstr(j, "kind", p->attestations[k].kind);
                for (size_t m = 0; m < p->attestations[k].nkeys; m++)
                    kstr(j, p->attestations[k].keys[m].key, p->attestations[k].keys[m].value);
                json_end(j);
            }
            json_end(j);
        }
        json_kint(j, "line", p->line);
        json_end(j);
    }
    json_end(j);
    if (l->inputs || l->fork_markers || l->requested || l->ntool) {
        json_key(j, "tool");
        json_obj(j);
        json_key(j, "venvsync");
        json_obj(j);
        kstr(j, "inputs", l->inputs);
        klist(j, "fork-markers", l->fork_markers, false);
        klist(j, "requested", l->requested, false);
        for (size_t i = 0; i < l->ntool; i++)
            kstr(j, l->tool[i].key, l->tool[i].value);
        json_end(j);
        json_end(j);
    }
    klist(j, "warnings", warnings, true);
    json_end(j);
}

/* ---- targets --------------------------------------------------------------------------------- */

static tagset_t *target_tags(const jr_value_t *t)
{
    const jr_value_t *f = jr_get(t, "facts");
    int64_t major = 3, minor = 12, bits = 64;
    jr_int64(jr_get(f, "major"), &major);
    jr_int64(jr_get(f, "minor"), &minor);
    jr_int64(jr_get(f, "pointer_bits"), &bits);
    tag_facts_t facts = {
        .implementation = jr_str(jr_get(f, "implementation")),
        .major = (int)major,
        .minor = (int)minor,
        .abiflags = jr_str(jr_get(f, "abiflags")),
        .soabi = jr_str(jr_get(f, "soabi")),
        .system = jr_str(jr_get(f, "system")),
        .machine = jr_str(jr_get(f, "machine")),
        .pointer_bits = (int)bits,
        .libc = jr_str(jr_get(f, "libc")),
        .libc_version = jr_str(jr_get(f, "libc_version")),
        .mac_version = jr_str(jr_get(f, "mac_version")),
        .platform = jr_str(jr_get(f, "platform")),
    };
    return tagset_new(&facts);
}

static const char *const PICK_KINDS[] = {"wheel", "sdist", "directory", "archive", "vcs"};

static int cmd_select(const char *lockpath, const char *targetpath)
{
    buf_t text = BUF_INIT;
    read_input(lockpath, &text);
    pylock_t *l;
    const char *slash = strrchr(lockpath, '/');
    err_t *e = pylock_read(buf_cstr(&text), text.len, slash ? slash + 1 : lockpath, &l, NULL);
    buf_free(&text);
    if (e) {
        fprintf(stderr, "%s\n", e->msg);
        err_free(e);
        return 1;
    }
    jr_doc_t *td = read_json(targetpath);
    const jr_value_t *t = jr_doc_root(td), *ev = jr_get(t, "env");
    marker_env_t env = {
        .os_name = jr_str(jr_get(ev, "os_name")),
        .sys_platform = jr_str(jr_get(ev, "sys_platform")),
        .platform_machine = jr_str(jr_get(ev, "platform_machine")),
        .platform_python_implementation = jr_str(jr_get(ev, "platform_python_implementation")),
        .platform_release = jr_str(jr_get(ev, "platform_release")),
        .platform_system = jr_str(jr_get(ev, "platform_system")),
        .platform_version = jr_str(jr_get(ev, "platform_version")),
        .python_version = jr_str(jr_get(ev, "python_version")),
        .python_full_version = jr_str(jr_get(ev, "python_full_version")),
        .implementation_name = jr_str(jr_get(ev, "implementation_name")),
        .implementation_version = jr_str(jr_get(ev, "implementation_version")),
    };
    tagset_t *tags = target_tags(t);
    char **extras = jlist(t, "extras"), **groups = jlist(t, "groups");
    pylock_target_t tg = {
        .env = &env,
        .tags = tags,
        .extras = extras,
        .groups = groups,
        .groups_given = jr_get(t, "groups") != NULL,
        .lock_dir = jr_str(jr_get(t, "lock_dir")),
        .lock_name = slash ? slash + 1 : lockpath,
    };
    pylock_selection_t sel;
    e = pylock_select(l, &tg, &sel);
    int rc = 0;
    if (e) {
        fprintf(stderr, "%s\n", e->msg);
        err_free(e);
        rc = 1;
    } else {
        buf_t out = BUF_INIT;
        json_t j;
        json_init(&j, &out);
        json_obj(&j);
        json_key(&j, "picks");
        json_arr(&j);
        for (size_t i = 0; i < sel.n; i++) {
            const pylock_pick_t *pk = &sel.picks[i];
            json_obj(&j);
            json_kstr(&j, "name", pk->pkg->name);
            kstr(&j, "version", pk->pkg->version);
            json_kstr(&j, "kind", PICK_KINDS[pk->kind]);
            json_key(&j, "file");
            json_str(&j, pk->file ? pk->file->name : NULL);
            kstr(&j, "location", pk->location);
            json_kbool(&j, "is_local", pk->is_local);
            json_kbool(&j, "requested", pk->requested);
            json_kint(&j, "index", (long long)pk->index);
            json_end(&j);
        }
        json_end(&j);
        json_end(&j);
        printf("%s\n", buf_cstr(&out));
        buf_free(&out);
        pylock_selection_free(&sel);
    }
    strv_free(extras);
    strv_free(groups);
    tagset_free(tags);
    jr_doc_free(td);
    pylock_free(l);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "write")) {
        jr_doc_t *d = read_json(argv[2]);
        pylock_t *l = from_json(jr_doc_root(d));
        jr_doc_free(d);
        buf_t out = BUF_INIT;
        err_t *e = pylock_write(l, &out);
        pylock_free(l);
        if (e) {
            fprintf(stderr, "%s\n", e->msg);
            err_free(e);
            return 1;
        }
        fwrite(buf_cstr(&out), 1, out.len, stdout);
        buf_free(&out);
        return 0;
    }
    if (argc == 3 && !strcmp(argv[1], "read")) {
        buf_t text = BUF_INIT;
        read_input(argv[2], &text);
        const char *slash = strrchr(argv[2], '/');
        pylock_t *l;
        char **warnings;
        err_t *e = pylock_read(buf_cstr(&text), text.len, slash ? slash + 1 : argv[2], &l,
                               &warnings);
        buf_free(&text);
        if (e) {
            fprintf(stderr, "%s\n", e->msg);
            err_free(e);
            return 1;
        }
        buf_t out = BUF_INIT;
        json_t j;
        json_init(&j, &out);
        to_json(&j, l, warnings);
        printf("%s\n", buf_cstr(&out));
        buf_free(&out);
        strv_free(warnings);
        pylock_free(l);
        return 0;
    }
    if (argc == 4 && !strcmp(argv[1], "select"))
        return cmd_select(argv[2], argv[3]);
    if (argc == 3 && !strcmp(argv[1], "tags")) {
        jr_doc_t *d = read_json(argv[2]);
        tagset_t *t = target_tags(jr_doc_root(d));
        buf_t out = BUF_INIT;
        json_t j;
        json_init(&j, &out);
        json_arr(&j);
        for (size_t i = 0; i < tagset_count(t); i++)
            json_str(&j, tagset_get(t, i));
        json_end(&j);
        printf("%s\n", buf_cstr(&out));
        buf_free(&out);
        tagset_free(t);
        jr_doc_free(d);
        return 0;
    }
    fprintf(stderr, "usage: pylock_tool write MODEL.json | read FILE | select FILE TARGET.json | "
                    "tags TARGET.json\n");
    return 2;
}
