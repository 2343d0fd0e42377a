/* exepath: where an executable named without a slash is, as execvp(3)
 * would find it through $PATH. */
#ifndef SKIFF_EXEPATH_H
#define SKIFF_EXEPATH_H

#include <stddef.h>

/* The first executable PATH-dir/prog into buf; a prog with a '/' is
 * itself. 0, or -ENOENT when none is found (buf then undefined). */
int exe_in_path(const char *prog, char *buf, size_t len);

#endif
