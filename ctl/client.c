/* client: the kubeconfig and API client for one skiffctl run. */
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

struct kclient *ctl_client(struct ctl_opts *o)
{
	char err[512];

	if (o->client)
		return o->client;
	if (!o->kc_loaded) {
		if (kconfig_load(o->kubeconfig, &o->kc, err, sizeof(err))) {
			ctl_err(o, "%s", err);
			return NULL;
		}
		o->kc_loaded = true;
	}
	o->client = kclient_new(&o->kc);
	if (!o->client)
		ctl_err(o, "cannot create an API client for %s", o->kc.server);
	return o->client;
}

const char *ctl_namespace(struct ctl_opts *o)
{
	if (o->ns)
		return o->ns;
	if (!o->kc_loaded && !ctl_client(o))
		return "default";
	return o->kc.namespace ? o->kc.namespace : "default";
}

int ctl_call(struct ctl_opts *o, const char *method, const char *path, const char *ctype,
	     const cJSON *body, const char *accept, struct kresp *resp)
{
	struct kclient *c = ctl_client(o);
	char *text = NULL;
	int rc;

	memset(resp, 0, sizeof(*resp));
	if (!c)
		return 1;
	if (body) {
		text = cJSON_PrintUnformatted(body);
		if (!text)
			return ctl_err(o, "out of memory");
	}
	rc = kclient_request(c, method, path, body ? (ctype ? ctype : "application/json") : NULL,
			     text, text ? strlen(text) : 0, accept, resp);
	free(text);
	if (rc) {
		/* kubectl: "Unable to connect to the server: <why>" */
		ctl_err(o, "unable to connect to the server %s: %s", o->kc.server, resp->err);
		return 1;
	}
	return 0;
}
