/* api_route: parse an /api or /apis request path into a target
 * (resource, namespace, name, subresource). Kept apart from api.c so the
 * fuzz harness can link it without the HTTP server and the store. */
#include <errno.h>
#include <string.h>
#include "api.h"

/* Split path into segments in place; returns the count. */
static int api_split(char *path, char **seg, int max)
{
	int n = 0;

	for (char *tok = strtok(path, "/"); tok; tok = strtok(NULL, "/")) {
		if (n == max)
			return -1;
		seg[n++] = tok;
	}
	return n;
}

static bool api_copy(char *dst, size_t len, const char *src)
{
	if (strlen(src) >= len)
		return false;
	strcpy(dst, src);
	return true;
}

/* Parse /api/v1/... and /apis/<g>/<v>/... into a target. Returns 0, or -ENOENT
 * for an unknown path. */
int api_route(const char *path, struct api_target *t)
{
	char buf[1024], *seg[12];
	const char *group, *version;
	int n, i;

	memset(t, 0, sizeof(*t));
	if (!api_copy(buf, sizeof(buf), path))
		return -ENOENT;
	n = api_split(buf, seg, 12);
	if (n < 3)
		return -ENOENT;
	if (!strcmp(seg[0], "api")) {
		group = "";
		version = seg[1];
		i = 2;
	} else if (!strcmp(seg[0], "apis") && n >= 4) {
		group = seg[1];
		version = seg[2];
		i = 3;
	} else {
		return -ENOENT;
	}
	/* /namespaces/{ns}/{resource}... */
	if (!strcmp(seg[i], "namespaces") && n - i >= 3 &&
	    (n - i > 3 || res_lookup(group, version, seg[i + 2]))) {
		t->has_ns = true;
		if (!api_copy(t->ns, sizeof(t->ns), seg[i + 1]))
			return -ENOENT;
		i += 2;
	}
	t->rt = res_lookup(group, version, seg[i]);
	if (!t->rt)
		return -ENOENT;
	if (t->has_ns && !t->rt->namespaced)
		return -ENOENT;
	i++;
	if (i < n) {
		t->has_name = true;
		if (!api_copy(t->name, sizeof(t->name), seg[i]))
			return -ENOENT;
		i++;
	}
	if (i < n) {
		if (!api_copy(t->sub, sizeof(t->sub), seg[i]))
			return -ENOENT;
		i++;
		if (!(!strcmp(t->sub, "status") && t->rt->has_status) &&
		    !(!strcmp(t->sub, "scale") && t->rt->has_scale) &&
		    !(!strcmp(t->sub, "binding") && !strcmp(t->rt->plural, "pods")))
			return -ENOENT;
	}
	if (i != n)
		return -ENOENT;
	/* A namespaced object needs its namespace in the path. */
	if (t->has_name && t->rt->namespaced && !t->has_ns)
		return -ENOENT;
	return 0;
}
