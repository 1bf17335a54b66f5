/*
 * embed: files compiled into the binary (activator templates, the probe script).
 *
 * cmake/embed.cmake generates the table from the files under src/ listed in CMakeLists.txt.
 * Each entry's data is NUL-terminated (the NUL is not counted in size) and lives forever.
 */
#ifndef VENVSYNC_UTIL_EMBED_H
#define VENVSYNC_UTIL_EMBED_H
#include <stddef.h>

typedef struct embed_file {
    const char *name; /* path relative to src/, e.g. "venv/templates/activate"; NULL ends the table */
    const char *data;
    size_t size;
} embed_file_t;

extern const embed_file_t embed_files[];

/* The embedded file NAME, or NULL when there is none. */
const embed_file_t *embed_find(const char *name);

#endif
