/* shquote: one quoting function per shell (see shquote.h). */
#include "util/shquote.h"

/* POSIX sh: single quotes protect everything; a quote is closed, escaped and reopened. */
void shquote_sh(buf_t *out, const char *s)
{
    buf_addc(out, '\'');
    for (; *s; s++) {
        if (*s == '\'')
            buf_adds(out, "'\\''");
        else
            buf_addc(out, *s);
    }
    buf_addc(out, '\'');
}

/* fish: inside single quotes only \\ and \' are escapes. */
void shquote_fish(buf_t *out, const char *s)
{
    buf_addc(out, '\'');
    for (; *s; s++) {
        if (*s == '\'' || *s == '\\')
            buf_addc(out, '\\');
        buf_addc(out, *s);
    }
    buf_addc(out, '\'');
}

/*
 * csh/tcsh: single quotes stop '$' and backticks, but history substitution still sees '!'
 * inside them (tcsh applies it even to sourced files), so '!' is written "\!"; a newline needs
 * a backslash before it; a quote is closed, escaped and reopened. Every other byte, backslashes
 * included, is literal inside single quotes.
 */
void shquote_csh(buf_t *out, const char *s)
{
    buf_addc(out, '\'');
    for (; *s; s++) {
        if (*s == '\'')
            buf_adds(out, "'\\''");
        else if (*s == '!')
            buf_adds(out, "\\!");
        else if (*s == '\n')
            buf_adds(out, "\\\n");
        else
            buf_addc(out, *s);
    }
    buf_addc(out, '\'');
}

/*
 * PowerShell: single-quoted strings are verbatim; a quote is doubled. PowerShell also takes the
 * typographic single quotes U+2018..U+201B as quote characters, so those are doubled too.
 */
void shquote_pwsh(buf_t *out, const char *s)
{
    buf_addc(out, '\'');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '\'') {
            buf_adds(out, "''");
        } else if (p[0] == 0xe2 && p[1] == 0x80 && p[2] >= 0x98 && p[2] <= 0x9b) {
            buf_add(out, p, 3);
            buf_add(out, p, 3);
            p += 2;
        } else {
            buf_addc(out, (char)*p);
        }
    }
    buf_addc(out, '\'');
}

/* nushell: a double-quoted string with backslash escapes (it does no interpolation). */
void shquote_nu(buf_t *out, const char *s)
{
    buf_addc(out, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': buf_adds(out, "\\\""); break;
        case '\\': buf_adds(out, "\\\\"); break;
        case '\n': buf_adds(out, "\\n"); break;
        case '\r': buf_adds(out, "\\r"); break;
        case '\t': buf_adds(out, "\\t"); break;
        default:
            if (*p < 0x20 || *p == 0x7f)
                buf_printf(out, "\\u{%x}", *p);
            else
                buf_addc(out, (char)*p);
        }
    }
    buf_addc(out, '"');
}
