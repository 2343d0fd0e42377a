/* api_route: parse an /api or /apis request path into a target
 * (resource, namespace, name, subresource). Kept apart from api.c so the
 * fuzz harness can link it without the HTTP server and the store.
 *
 * The path arrives still percent-encoded (http.c keeps MHD from decoding
 * it): it is split at its real slashes first, then each segment is decoded
 * exactly once, so "a%2Fb" stays one segment and "a%00b" cannot turn into
 * the name "a" at the NUL. */
#include <errno.h>
#include <string.h>
#include "api.h"

static int api_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode one segment in place (it only shrinks). -EINVAL for a malformed
 * escape (Go's net/url refuses it: "invalid URL escape"), -ENOENT when it
 * decodes to a NUL or a '/': no object is named so (names are validated),
 * and upstream's router would see more segments and find nothing. */
static int api_unescape(char *seg)
{
	char *w = seg;

	for (const char *r = seg; *r; r++) {
		int hi, lo;

		if (*r != '%') {
			*w++ = *r;
			continue;
		}
		hi = api_hex(r[1]);
		lo = hi < 0 ? -1 : api_hex(r[2]);
		if (lo < 0)
			return -EINVAL;
		if (!(hi << 4 | lo) || (hi << 4 | lo) == '/')
			return -ENOENT;
		*w++ = (char)(hi << 4 | lo);
		r += 2;
	}
	*w = 0;
	return 0;
}

/* Split path into segments in place and decode each; returns the count,
 * -ENOENT (too many segments, or see api_unescape) or -EINVAL. */
static int api_split(char *path, char **seg, int max)
{
	char *save = NULL;
	int n = 0, err;

	for (char *tok = strtok_r(path, "/", &save); tok; tok = strtok_r(NULL, "/", &save)) {
		if (n == max)
			return -ENOENT;
		err = api_unescape(tok);
		if (err)
			return err;
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

/* Parse /api/v1/... and /apis/<g>/<v>/... into a target. Returns 0, -ENOENT
 * for an unknown path, or -EINVAL for a malformed percent-escape. */
int api_route(const char *path, struct api_target *t)
{
	char buf[1024], *seg[12];
	const char *group, *version;
	int n, i;

	memset(t, 0, sizeof(*t));
	if (!api_copy(buf, sizeof(buf), path))
		return -ENOENT;
	n = api_split(buf, seg, 12);
	if (n < 0)
		return n;
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
		    !(!strcmp(t->sub, "binding") && t->rt->has_binding) &&
		    !(!strcmp(t->sub, "eviction") && t->rt->has_eviction) &&
		    !(!strcmp(t->sub, "token") && t->rt->has_token) &&
		    !(!strcmp(t->sub, "log") && t->rt->has_log))
			return -ENOENT;
	}
	if (i != n)
		return -ENOENT;
	/* A namespaced object needs its namespace in the path. */
	if (t->has_name && t->rt->namespaced && !t->has_ns)
		return -ENOENT;
	return 0;
}

bool api_path_is(const char *path, const char *want)
{
	size_t n = strlen(want);

	/* "/api/" is "/api": upstream's mux serves both (the python client's
	 * discovery calls use the slash) */
	return !strncmp(path, want, n) && (!path[n] || (path[n] == '/' && !path[n + 1]));
}
