/* libFuzzer target: the .dist-info text parsers (src/wheel/meta.c).
 *
 * The first byte picks the parser: WHEEL, METADATA, entry_points.txt, generic headers or a
 * script name; the rest is its input. Checks: failures leave the output struct empty; WHEEL
 * results have version 1.x; METADATA results have a name and version; script entry points
 * carry a module and attribute and a name meta_script_name_check() accepts; headers are
 * printable keys without ':'. Any broken promise abort()s. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wheel/meta.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    err_t *e = NULL;
    switch (data[0] % 5) {
    case 0: {
        wheel_info_t w;
        e = meta_parse_wheel(text, len, "WHEEL", &w);
        if (e) {
            if (w.generator || w.tags || w.version_major)
                abort();
        } else {
            if (w.version_major != 1 || w.version_minor < 0 ||
                (w.ntags && w.tags[w.ntags] != NULL))
                abort();
        }
        wheel_info_free(&w);
        break;
    }
    case 1: {
        core_metadata_t m;
        e = meta_parse_metadata(text, len, "METADATA", &m);
        if (e) {
            if (m.name || m.version || m.requires_dist)
                abort();
        } else {
            if (!m.name || !*m.name || !m.version || !*m.version)
                abort();
            for (size_t i = 0; i < m.n_requires_dist; i++)
                if (!m.requires_dist[i] || strchr(m.requires_dist[i], '\n'))
                    abort();
        }
        core_metadata_free(&m);
        break;
    }
    case 2: {
        entry_points_t eps;
        e = meta_parse_entry_points(text, len, "entry_points.txt", &eps);
        if (e) {
            if (eps.n || eps.items)
                abort();
        }
        for (size_t i = 0; !e && i < eps.n; i++) {
            const entry_point_t *ep = &eps.items[i];
            if (!ep->group || !ep->name || !ep->value)
                abort();
            int script = strcmp(ep->group, "console_scripts") == 0 ||
                         strcmp(ep->group, "gui_scripts") == 0;
            if (script && (!ep->module || !*ep->module || !ep->attr || !*ep->attr ||
                           meta_script_name_check(ep->name) != NULL))
                abort();
            if (!script && (ep->module || ep->attr))
                abort();
        }
        entry_points_free(&eps);
        break;
    }
    case 3: {
        meta_headers_t h;
        e = meta_headers_parse(text, len, "h", &h);
        for (size_t i = 0; !e && i < h.n; i++) {
            const char *k = h.items[i].key;
            if (!*k)
                abort();
            for (const unsigned char *p = (const unsigned char *)k; *p; p++)
                if (*p < 0x21 || *p > 0x7e || *p == ':')
                    abort();
            if (meta_headers_get(&h, k) == NULL)
                abort();
        }
        meta_headers_free(&h);
        break;
    }
    default: {
        if (memchr(text, '\0', len))
            return 0;
        char *name = malloc(len + 1);
        memcpy(name, text, len);
        name[len] = '\0';
        if (meta_script_name_check(name) == NULL &&
            (!*name || strchr(name, '/') || strchr(name, '\\') || strcmp(name, "..") == 0 ||
             strcmp(name, ".") == 0 || strcmp(name, "python") == 0 ||
             strcmp(name, "python3") == 0))
            abort();
        free(name);
        break;
    }
    }
    err_free(e);
    return 0;
}
