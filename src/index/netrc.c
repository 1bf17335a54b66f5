/* netrc: credentials from .netrc (see netrc.h). */
#include "index/netrc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/buf.h"
#include "util/fs.h"
#include "util/path.h"
#include "util/strv.h"
#include "util/xalloc.h"

typedef struct lexer {
    const char *s, *end;
    int line;
    bool line_start;      /* only whitespace seen since the last newline */
} lexer_t;

static bool is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Next token into *tok (malloc'd), or false at the end. *tok_line gets its line. */
static bool next_token(lexer_t *lx, char **tok, int *tok_line)
{
    for (;;) {
        while (lx->s < lx->end && is_ws(*lx->s)) {
            if (*lx->s == '\n') {
                lx->line++;
                lx->line_start = true;
            }
            lx->s++;
        }
        if (lx->s >= lx->end)
            return false;
        if (*lx->s == '#' && lx->line_start) {
            while (lx->s < lx->end && *lx->s != '\n')
                lx->s++;
            continue;
        }
        break;
    }
    lx->line_start = false;
    *tok_line = lx->line;
    buf_t b = BUF_INIT;
    buf_add(&b, "", 0);
    if (*lx->s == '"') {
        lx->s++;
        while (lx->s < lx->end && *lx->s != '"') {
            if (*lx->s == '\\' && lx->s + 1 < lx->end)
                lx->s++;
            if (*lx->s == '\n')
                lx->line++;
            buf_addc(&b, *lx->s++);
        }
        if (lx->s < lx->end)
            lx->s++;
    } else {
        while (lx->s < lx->end && !is_ws(*lx->s)) {
            if (*lx->s == '\\' && lx->s + 1 < lx->end)
                lx->s++;
            buf_addc(&b, *lx->s++);
        }
    }
    *tok = buf_detach(&b);
    return true;
}

static void warn(netrc_t *n, int line, const char *fmt, const char *arg)
{
    n->warnings = xrealloc(n->warnings, (n->nwarnings + 2) * sizeof(char *));
    char *m = xasprintf(fmt, arg);
    n->warnings[n->nwarnings++] = xasprintf("%s:%d: %s", n->path, line, m);
    n->warnings[n->nwarnings] = NULL;
    free(m);
}

static void wipe_free(char *s)
{
    if (s) {
        volatile char *p = s;
        while (*p)
            *p++ = 0;
        free(s);
    }
}

netrc_t *netrc_parse(const char *text, size_t len, const char *path)
{
    netrc_t *n = xcalloc(1, sizeof(*n));
    n->path = xstrdup(path ? path : ".netrc");
    n->warnings = xcalloc(1, sizeof(char *));
    lexer_t lx = {text, text + len, 1, true};
    netrc_entry_t *cur = NULL;
    size_t cap = 0;
    char *tok;
    int line;
    while (next_token(&lx, &tok, &line)) {
        if (strcmp(tok, "machine") == 0 || strcmp(tok, "default") == 0) {
            bool is_default = tok[0] == 'd';
            free(tok);
            char *name = NULL;
            if (!is_default && !next_token(&lx, &name, &line)) {
                warn(n, line, "'%s' without a host name", "machine");
                break;
            }
            XGROW(n->entries, cap, n->n + 1);
            cur = &n->entries[n->n++];
            memset(cur, 0, sizeof(*cur));
            cur->machine = name;
        } else if (strcmp(tok, "login") == 0 || strcmp(tok, "password") == 0 ||
                   strcmp(tok, "account") == 0) {
            char *val = NULL;
            char kw = tok[0];
            if (!next_token(&lx, &val, &line)) {
                warn(n, line, "'%s' without a value", tok);
                free(tok);
                break;
            }
            if (!cur) {
                warn(n, line, "'%s' before any 'machine' or 'default'", tok);
                free(tok);
                wipe_free(val);
                continue;
            }
            free(tok);
            if (kw == 'l') {
                free(cur->login);
                cur->login = val;
            } else if (kw == 'p') {
                wipe_free(cur->password);
                cur->password = val;
            } else {
                wipe_free(val);
            }
        } else if (strcmp(tok, "macdef") == 0) {
            free(tok);
            /* skip the name line, then everything up to an empty line */
            while (lx.s < lx.end && *lx.s != '\n')
                lx.s++;
            while (lx.s < lx.end) {
                lx.s++; /* the '\n' */
                lx.line++;
                const char *e = memchr(lx.s, '\n', (size_t)(lx.end - lx.s));
                const char *le = e ? e : lx.end;
                bool blank = true;
                for (const char *q = lx.s; q < le; q++)
                    blank = blank && (*q == ' ' || *q == '\t' || *q == '\r');
                lx.s = le;
                if (blank)
                    break;
            }
            lx.line_start = true;
        } else {
            /* never echo a token that may be a secret beyond its first characters */
            char shown[16];
            snprintf(shown, sizeof shown, "%.8s%s", tok, strlen(tok) > 8 ? "..." : "");
            warn(n, line, "unknown token '%s' ignored", shown);
            free(tok);
        }
    }
    return n;
}

netrc_t *netrc_load(const char *path)
{
    buf_t b = BUF_INIT;
    netrc_t *n;
    if (path && fs_try_read(path, &b)) {
        n = netrc_parse(b.data ? b.data : "", b.len, path);
    } else {
        int err = errno;
        n = netrc_parse("", 0, path);
        if (path && err != ENOENT && err != ENOTDIR)
            warn(n, 0, "cannot read: %s", strerror(err));
    }
    if (b.data)
        memset(b.data, 0, b.len);
    buf_free(&b);
    return n;
}

const netrc_entry_t *netrc_lookup(const netrc_t *n, const char *host)
{
    if (!n || !host)
        return NULL;
    const netrc_entry_t *def = NULL;
    for (size_t i = 0; i < n->n; i++) {
        const netrc_entry_t *e = &n->entries[i];
        if (!e->machine) {
            if (!def)
                def = e;
        } else if (strcasecmp(e->machine, host) == 0) {
            return e;
        }
    }
    return def;
}

void netrc_free(netrc_t *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->n; i++) {
        free(n->entries[i].machine);
        free(n->entries[i].login);
        wipe_free(n->entries[i].password);
    }
    free(n->entries);
    strv_free(n->warnings);
    free(n->path);
    free(n);
}
