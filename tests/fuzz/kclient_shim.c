/* kclient_shim: the fuzz harness's stand-in for lib/kclient.c. A fuzzed
 * pods/log request would make skiff-server connect to whatever node
 * address the fuzzer stored: a fuzzer must send nothing anywhere, so here
 * no client can be made (the proxy then answers 500) and no stream starts.
 * Escaping is the real thing, as the request path depends on it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kclient.h"

struct kclient *kclient_new(const struct kconfig *kc)
{
	(void)kc;
	return NULL;
}

void kclient_free(struct kclient *c)
{
	(void)c;
}

struct kwatch *kstream_start(struct kclient *c, struct ev_loop *loop, const char *path,
			     kstream_data_cb on_data, kwatch_done_cb on_done, void *ud)
{
	(void)c, (void)loop, (void)path, (void)on_data, (void)on_done, (void)ud;
	return NULL;
}

void kwatch_stop(struct kwatch *w)
{
	(void)w;
}

char *kclient_escape(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	char *out = malloc(strlen(s) * 3 + 1), *o = out;

	if (!out)
		return NULL;
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.' || ch == '~') {
			*o++ = (char)ch;
		} else {
			*o++ = '%';
			*o++ = hex[ch >> 4];
			*o++ = hex[ch & 15];
		}
	}
	*o = 0;
	return out;
}
