/* ctrl_enabled: which controllers run, as kube-controller-manager's
 * --controllers: a comma-separated list where "*" is every controller,
 * "foo" enables foo and "-foo" disables it (a disabling entry wins over
 * "*", whatever the order). The default is "*". Tests that write what a
 * controller would (hand-made EndpointSlices, unscheduled pods) turn that
 * controller off. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include "controllers.h"

static const char *const ce_known[] = {CTRL_NAMES, NULL};
static char ce_spec[1024] = "*";

static bool ce_known_name(const char *n, size_t len)
{
	for (const char *const *k = ce_known; *k; k++)
		if (strlen(*k) == len && !strncmp(*k, n, len))
			return true;
	return false;
}

int ctrl_set_enabled(const char *spec, char *err, size_t elen)
{
	const char *p = spec;

	if (strlen(spec) >= sizeof(ce_spec)) {
		snprintf(err, elen, "too long");
		return -EINVAL;
	}
	while (*p) {
		size_t len = strcspn(p, ",");
		const char *n = p;

		if (len == 1 && *n == '*')
			goto next;
		if (*n == '-') {
			n++;
			len--;
		}
		if (!ce_known_name(n, len)) {
			snprintf(err, elen, "\"%.*s\" is not a known controller", (int)len, n);
			return -EINVAL;
		}
	next:
		p += strcspn(p, ",");
		if (*p)
			p++;
	}
	snprintf(ce_spec, sizeof(ce_spec), "%s", spec);
	return 0;
}

bool ctrl_enabled(const char *name)
{
	bool on = false;
	size_t nl = strlen(name);

	for (const char *p = ce_spec; *p;) {
		size_t len = strcspn(p, ",");

		if (len == 1 && *p == '*')
			on = true;
		else if (*p == '-' && len - 1 == nl && !strncmp(p + 1, name, nl))
			return false;
		else if (len == nl && !strncmp(p, name, nl))
			on = true;
		p += len;
		if (*p)
			p++;
	}
	return on;
}
