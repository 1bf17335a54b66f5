/* choose_remote: the remote file to install for a pin (see choose_remote.h). */
#include "index/choose_remote.h"

#include <stdlib.h>
#include <string.h>

#include "pkg/version.h"
#include "util/buf.h"
#include "util/xalloc.h"

cr_verdict_t choose_remote_judge(const want_pkg_t *w, const remote_cand_t *c,
                                 const tagset_t *tags, const char *python_version, long *rank)
{
    if (rank)
        *rank = -1;
    if (!c->wheel)
        return CR_NOT_A_WHEEL;
    switch (choose_judge(w, c->wheel, tags, rank)) {
    case CHOOSE_OTHER_NAME:
        return CR_OTHER_NAME;
    case CHOOSE_OTHER_VERSION:
        return CR_OTHER_VERSION;
    case CHOOSE_INCOMPATIBLE:
        return CR_INCOMPATIBLE;
    case CHOOSE_FITS:
        break;
    }
    if (c->requires_python && *c->requires_python && python_version) {
        specset_t *s = NULL;
        char *why = NULL;
        if (specset_parse(c->requires_python, &s, &why)) {
            bool ok = specset_contains_str(s, python_version, true);
            specset_free(s);
            if (!ok) {
                if (rank)
                    *rank = -1;
                return CR_REQUIRES_PYTHON;
            }
        }
        free(why); /* unparsable: ignored, as pip */
    }
    if (c->hash_malformed) {
        if (rank)
            *rank = -1;
        return CR_MALFORMED_HASH;
    }
    return CR_FITS;
}

static bool hash_allowed(const want_pkg_t *w, const remote_cand_t *c)
{
    if (!c->sha256[0])
        return false;
    for (size_t i = 0; i < w->nhashes; i++)
        if (strncmp(w->hashes[i], "sha256:", 7) == 0 && strcmp(w->hashes[i] + 7, c->sha256) == 0)
            return true;
    return false;
}

/* pip's order: higher version, better rank, higher build tag. >0: a is better. */
static int better(const remote_cand_t *a, long ra, const remote_cand_t *b, long rb)
{
    int c = version_cmp(&a->wheel->version, &b->wheel->version);
    if (c)
        return c;
    if (ra != rb)
        return ra < rb ? 1 : -1;
    return wheelname_build_cmp(a->wheel, b->wheel);
}

static void why(buf_t *b, const want_pkg_t *w, const remote_cand_t *c, cr_verdict_t v,
                const char *python_version, const char *desc)
{
    switch (v) {
    case CR_NOT_A_WHEEL:
        buf_printf(b, "%s: a source distribution or other non-wheel file (venvsync installs "
                      "wheels only)", c->filename);
        break;
    case CR_OTHER_NAME:
        buf_printf(b, "%s: another project", c->filename);
        break;
    case CR_OTHER_VERSION:
        buf_printf(b, "%s: version %s, want %s%s", c->filename, c->wheel->version_text,
                   w->arbitrary ? "===" : "", w->version);
        break;
    case CR_INCOMPATIBLE:
        buf_printf(b, "%s: not compatible with %s", c->filename, desc);
        break;
    case CR_REQUIRES_PYTHON:
        buf_printf(b, "%s: requires Python %s, this is %s", c->filename, c->requires_python,
                   python_version ? python_version : "?");
        break;
    case CR_MALFORMED_HASH:
        buf_printf(b, "%s: the index gives a malformed sha256", c->filename);
        break;
    case CR_FITS:
        buf_printf(b, "%s: fits", c->filename);
        break;
    }
    if (c->yanked && v != CR_FITS)
        buf_adds(b, " (yanked)");
}

err_t *choose_remote(const want_pkg_t *w, const remote_project_t *p, const tagset_t *tags,
                     const char *python_version, const char *desc, const char *where,
                     const remote_cand_t **out, char **note)
{
    *out = NULL;
    if (note)
        *note = NULL;
    long *ranks = xcalloc(p->n ? p->n : 1, sizeof(long));
    bool any_hash = false;
    for (size_t i = 0; i < p->n; i++) {
        if (choose_remote_judge(w, &p->cands[i], tags, python_version, &ranks[i]) != CR_FITS)
            ranks[i] = -1;
        else if (w->nhashes && hash_allowed(w, &p->cands[i]))
            any_hash = true;
    }
    long best = -1, best_y = -1;
    for (size_t i = 0; i < p->n; i++) {
        const remote_cand_t *c = &p->cands[i];
        if (ranks[i] < 0 || (any_hash && !hash_allowed(w, c)))
            continue;
        long *slot = c->yanked ? &best_y : &best;
        if (*slot < 0 || better(c, ranks[i], &p->cands[*slot], ranks[*slot]) > 0)
            *slot = (long)i;
    }
    free(ranks);
    long pick = best >= 0 ? best : best_y;
    if (pick >= 0) {
        const remote_cand_t *c = &p->cands[pick];
        *out = c;
        if (c->yanked && note)
            *note = xasprintf("%s: installing %s, which is yanked%s%s", w->origin, c->filename,
                              c->yanked_reason ? ": " : "",
                              c->yanked_reason ? c->yanked_reason : "");
        return NULL;
    }
    char *label = want_pkg_label(w);
    err_t *e;
    if (!p->found && p->n == 0) {
        e = err_new(EXIT_USAGE, "%s: no wheel for '%s': no project named %s on: %s", w->origin,
                    label, w->name, where);
    } else {
        buf_t b = BUF_INIT;
        if (p->n == 0)
            buf_printf(&b, "%s: no wheel for '%s': %s lists no file for %s", w->origin, label,
                       p->page_url ? p->page_url : "the index", w->name);
        else
            buf_printf(&b, "%s: no wheel for '%s' fits %s; the files of %s are:", w->origin,
                       label, desc, w->name);
        for (size_t i = 0; i < p->n; i++) {
            buf_adds(&b, "\n  ");
            why(&b, w, &p->cands[i],
                choose_remote_judge(w, &p->cands[i], tags, python_version, NULL), python_version,
                desc);
        }
        e = err_new(EXIT_USAGE, "%s", buf_cstr(&b));
        buf_free(&b);
        err_hint(e, "searched: %s", p->page_url ? p->page_url : where);
    }
    free(label);
    return e;
}

void remote_choice_clear(remote_choice_t *c)
{
    free(c->url);
    free(c->filename);
    free(c->note);
    memset(c, 0, sizeof(*c));
    c->size = -1;
}

/* Chooses for wants[idx[k]] from ps[k]; failures for pins that may be outdated in the cache go
 * to *retry (when given), others to *errs. */
static void choose_batch(remote_t *r, const want_pkg_t *const *wants, const size_t *idx, size_t m,
                         const remote_project_t *ps, const tagset_t *tags,
                         const char *python_version, const char *desc, const char *where, remote_choice_t *out, err_t **errs,
                         size_t *retry, size_t *nretry)
{
    for (size_t k = 0; k < m; k++) {
        const want_pkg_t *w = wants[idx[k]];
        if (ps[k].failed)
            continue; /* its error came from remote_lookup */
        const remote_cand_t *c = NULL;
        char *note = NULL;
        err_t *e = choose_remote(w, &ps[k], tags, python_version, desc, where, &c, &note);
        if (e && retry && ps[k].cached_only) {
            err_free(e);
            retry[(*nretry)++] = idx[k];
            continue;
        }
        if (e) {
            err_chain(errs, e);
            continue;
        }
        remote_choice_t *o = &out[idx[k]];
        o->url = xstrdup(c->url);
        o->filename = xstrdup(c->filename);
        memcpy(o->sha256, c->sha256, 65);
        o->size = c->size;
        o->note = note;
        if (note)
            remote_note(r, xstrdup(note));
    }
}

err_t *remote_choose_all(remote_t *r, const remote_sources_t *src, const want_pkg_t *const *wants,
                         size_t n, const char *python_version, const char *desc,
                         const tagset_t *tags, remote_choice_t *out)
{
    for (size_t i = 0; i < n; i++) {
        memset(&out[i], 0, sizeof(out[i]));
        out[i].size = -1;
    }
    if (!n)
        return NULL;
    char *where = remote_sources_describe(src);
    const char **keys = xcalloc(n, sizeof(char *));
    size_t *idx = xcalloc(n, sizeof(size_t));
    for (size_t i = 0; i < n; i++) {
        keys[i] = wants[i]->key;
        idx[i] = i;
    }
    err_t *errs = NULL;
    remote_project_t *ps = NULL;
    err_chain(&errs, remote_lookup(r, src, keys, n, false, &ps));
    size_t *retry = xcalloc(n, sizeof(size_t));
    size_t nretry = 0;
    choose_batch(r, wants, idx, n, ps, tags, python_version, desc, where, out, &errs, retry, &nretry);
    remote_projects_free(ps, n);
    if (nretry) {
        for (size_t k = 0; k < nretry; k++)
            keys[k] = wants[retry[k]]->key;
        ps = NULL;
        err_chain(&errs, remote_lookup(r, src, keys, nretry, true, &ps));
        choose_batch(r, wants, retry, nretry, ps, tags, python_version, desc, where, out, &errs,
                     NULL, NULL);
        remote_projects_free(ps, nretry);
    }
    free(retry);
    free(keys);
    free(idx);
    free(where);
    return errs;
}
