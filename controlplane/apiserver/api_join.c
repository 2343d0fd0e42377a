/* api_join: how a new node joins (kubeadm's and k3s's conventions).
 *
 *  GET /cacerts (no credentials): the cluster CA, which the node pins by
 *      the hash given to it out of band (--discovery-token-ca-cert-hash),
 *      as k3s serves it;
 *  POST /skiff/v1/join with a bootstrap token, {"nodeName": "<name>"}:
 *      201 with a NodeCredential, a bearer token for system:node:<name> in
 *      system:nodes that the node uses from then on. It stands in for the
 *      kubelet's TLS bootstrap (a CSR signed for the same identity).
 * RBAC decides who may POST the path (system:node-bootstrapper, bound to
 * system:bootstrappers); only a bootstrap token's user gets a credential. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "api.h"
#include "log.h"
#include "registry/res_util.h"

void api_join(struct api *a, struct http_req *req, const struct auth_user *u)
{
	struct verrs e = {0};
	const char *node, *why;
	char when[32], q[300];
	long long expires;
	cJSON *body, *out;
	char *tok;
	time_t t;
	struct tm tm;

	if (strcmp(http_req_method(req), "POST")) {
		api_status(req, 405, "MethodNotAllowed",
			   "the server does not allow this method on the requested resource", NULL);
		return;
	}
	if (!u->bootstrap_id[0]) {
		api_status(req, 403, "Forbidden",
			   "forbidden: only a bootstrap (join) token may join a node", NULL);
		return;
	}
	body = api_body_json(req, "error decoding join request");
	if (!body)
		return;
	node = json_str(body, "nodeName");
	why = node ? res_dns1123_subdomain(node) : "Required value";
	if (why) {
		res_goquote(node ? node : "", q, sizeof(q));
		if (node)
			verrs_invalid(&e, "nodeName", q, why);
		else
			verrs_required(&e, "nodeName", "");
		api_status_invalid_kind(req, "NodeCredential", "skiff.io", "", &e);
		goto out;
	}
	tok = auth_node_credential(a->auth, node, (long long)time(NULL), &expires);
	if (!tok) {
		api_status(req, 500, "InternalError", "Internal error occurred: cannot sign token",
			   NULL);
		goto out;
	}
	t = (time_t)expires;
	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	out = cJSON_CreateObject();
	cJSON_AddStringToObject(out, "apiVersion", "skiff.io/v1");
	cJSON_AddStringToObject(out, "kind", "NodeCredential");
	cJSON_AddStringToObject(out, "nodeName", node);
	cJSON_AddStringToObject(out, "token", tok);
	cJSON_AddStringToObject(out, "expirationTimestamp", when);
	pr_info("auth: bootstrap token %s joined node %s", u->bootstrap_id, node);
	api_reply_json(req, 201, out);
	cJSON_Delete(out);
	free(tok);
out:
	cJSON_Delete(body);
}
