/* choose: the wheel to install for one pin on one interpreter (see choose.h). */
#include "index/choose.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "pkg/name.h"
#include "util/buf.h"
#include "util/path.h"
#include "util/xalloc.h"

static bool version_fits(const want_pkg_t *w, const wheelname_t *wn)
{
    if (w->arbitrary && strcasecmp(w->version, wn->version_text) == 0)
        return true;
    return want_pkg_matches(w, wn->version_text);
}

choose_verdict_t choose_judge(const want_pkg_t *w, const wheelname_t *wn, const tagset_t *tags,
                              long *rank)
{
    if (rank)
        *rank = -1;
    if (strcmp(wn->key, w->key) != 0)
        return CHOOSE_OTHER_NAME;
    if (!version_fits(w, wn))
        return CHOOSE_OTHER_VERSION;
    long r = wheelname_rank(wn, tags);
    if (r < 0)
        return CHOOSE_INCOMPATIBLE;
    if (rank)
        *rank = r;
    return CHOOSE_FITS;
}

/* pip's order among fitting files: higher version, better rank, higher build. >0: a better. */
static int better(const wheelname_t *a, long ra, const wheelname_t *b, long rb)
{
    int c = version_cmp(&a->version, &b->version);
    if (c)
        return c;
    if (ra != rb)
        return ra < rb ? 1 : -1;
    return wheelname_build_cmp(a, b);
}

long choose_best(const want_pkg_t *w, wheelname_t *const *cands, size_t n,
                 const tagset_t *tags)
{
    long best = -1, best_rank = -1;
    for (size_t i = 0; i < n; i++) {
        long r;
        if (choose_judge(w, cands[i], tags, &r) != CHOOSE_FITS)
            continue;
        if (best < 0 || better(cands[i], r, cands[best], best_rank) > 0) {
            best = (long)i;
            best_rank = r;
        }
    }
    return best;
}

static void why_rejected(buf_t *b, const want_pkg_t *w, const wheelname_t *wn,
                         choose_verdict_t v, const char *desc)
{
    switch (v) {
    case CHOOSE_OTHER_VERSION:
        buf_printf(b, "%s: version %s, want %s%s", wn->filename, wn->version_text,
                   w->arbitrary ? "===" : "", w->version);
        break;
    case CHOOSE_INCOMPATIBLE:
        buf_printf(b, "%s: not compatible with %s", wn->filename, desc);
        break;
    case CHOOSE_OTHER_NAME:
        buf_printf(b, "%s: another project", wn->filename);
        break;
    case CHOOSE_FITS:
        buf_printf(b, "%s: fits", wn->filename);
        break;
    }
}

err_t *choose_findlinks(const want_pkg_t *w, const fl_set_t *fl, const tagset_t *tags,
                        const char *desc, const fl_cand_t **out)
{
    *out = NULL;
    const fl_cand_t *first = NULL;
    size_t n = findlinks_lookup(fl, w->key, &first);
    long best = -1, best_rank = -1;
    for (size_t i = 0; i < n; i++) {
        long r;
        if (choose_judge(w, first[i].wheel, tags, &r) != CHOOSE_FITS)
            continue;
        if (best < 0 || better(first[i].wheel, r, first[best].wheel, best_rank) > 0) {
            best = (long)i;
            best_rank = r;
        }
    }
    if (best >= 0) {
        *out = &first[best];
        return NULL;
    }
    char *label = want_pkg_label(w);
    char *where = findlinks_describe(fl);
    err_t *e;
    if (n == 0) {
        e = err_new(EXIT_USAGE, "%s: no wheel for '%s': no file named %s in: %s", w->origin,
                    label, w->name, where);
    } else {
        buf_t b = BUF_INIT;
        buf_printf(&b, "%s: no wheel for '%s' fits %s; the files named %s are:", w->origin,
                   label, desc, w->name);
        for (size_t i = 0; i < n; i++) {
            buf_adds(&b, "\n  ");
            why_rejected(&b, w, first[i].wheel, choose_judge(w, first[i].wheel, tags, NULL),
                         desc);
        }
        e = err_new(EXIT_USAGE, "%s", buf_cstr(&b));
        buf_free(&b);
        err_hint(e, "searched: %s", where);
    }
    free(where);
    free(label);
    return e;
}

err_t *choose_check_direct(const want_pkg_t *w, const tagset_t *tags, const char *desc)
{
    if (!w->path_or_url)
        return err_new(EXIT_USAGE, "%s: '%s' is not a direct wheel reference", w->origin,
                       w->name);
    const char *fname;
    char *owned = NULL;
    if (w->is_local) {
        fname = path_basename(w->path_or_url);
    } else {
        const char *u = w->path_or_url;
        size_t end = strcspn(u, "?#");
        size_t start = end;
        while (start > 0 && u[start - 1] != '/')
            start--;
        owned = xstrndup(u + start, end - start);
        fname = owned;
    }
    wheelname_t *wn = NULL;
    err_t *e = wheelname_parse(fname, &wn);
    free(owned);
    if (e)
        return err_ctx(e, "%s", w->origin);
    choose_verdict_t v = choose_judge(w, wn, tags, NULL);
    if (v != CHOOSE_FITS) {
        buf_t b = BUF_INIT;
        why_rejected(&b, w, wn, v, desc);
        e = err_new(EXIT_USAGE, "%s: %s", w->origin, buf_cstr(&b));
        buf_free(&b);
        wheelname_free(wn);
        return e;
    }
    wheelname_free(wn);
    if (w->is_local) {
        struct stat st;
        if (stat(w->path_or_url, &st) != 0)
            return err_sys(EXIT_USAGE, errno, "%s: wheel %s", w->origin, w->path_or_url);
        if (!S_ISREG(st.st_mode))
            return err_new(EXIT_USAGE, "%s: wheel %s is not a regular file", w->origin,
                           w->path_or_url);
    }
    return NULL;
}
