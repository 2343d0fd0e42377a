/* exepath: $PATH lookup, once, so that a program run often (runc for every
 * container start) is exec'd by its full path rather than tried in every
 * PATH directory each time. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exepath.h"

int exe_in_path(const char *prog, char *buf, size_t len)
{
	const char *path = getenv("PATH");

	if (strchr(prog, '/')) {
		snprintf(buf, len, "%s", prog);
		return access(buf, X_OK) ? -ENOENT : 0;
	}
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin";
	while (*path) {
		size_t l = strcspn(path, ":");

		if (l && (size_t)snprintf(buf, len, "%.*s/%s", (int)l, path, prog) < len &&
		    !access(buf, X_OK))
			return 0;
		path += l + (path[l] == ':');
	}
	return -ENOENT;
}
