/* api_logs: GET /api/v1/namespaces/<ns>/pods/<name>/log, proxied to the
 * kubelet of the pod's node as kube-apiserver does.
 *
 * The pod names its node; the Node its InternalIP and
 * daemonEndpoints.kubeletEndpoint.Port (10250 when unset). The request goes
 * to https://<ip>:<port>/containerLogs/<ns>/<pod>/<container> with the
 * options, authenticated by skiff-server's kubelet-client token
 * (<data-dir>/kubelet-client.token, user kube-apiserver-kubelet-client);
 * the kubelet's self-signed serving certificate is not verified, as
 * kube-apiserver does without --kubelet-certificate-authority. The answer
 * streams back as it comes (curl multi on the loop, kstream), so a
 * `logs -f` never stalls the server; a kubelet's error becomes a Status
 * with its code and words.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "api.h"
#include "kclient.h"
#include "log.h"

struct api_logs {
	struct http_req *req;
	struct kwatch *kw;
	struct http_stream *st;
};

static const char *api_logs_reason(long code)
{
	switch (code) {
	case 400:
		return "BadRequest";
	case 401:
		return "Unauthorized";
	case 403:
		return "Forbidden";
	case 404:
		return "NotFound";
	default:
		return "InternalError";
	}
}

static void api_logs_closed(void *ud)
{
	struct api_logs *lg = ud;

	/* the client went away (or the stream ended): stop reading */
	kwatch_stop(lg->kw);
	free(lg);
}

static void api_logs_data(void *ud, const char *data, size_t len)
{
	struct api_logs *lg = ud;

	if (!lg->st) {
		/* the kubelet said 200: so does the client's answer */
		lg->st = http_reply_stream(lg->req, "text/plain", api_logs_closed, lg);
		if (!lg->st) {
			/* stopped: no callback of the stream comes any more */
			kwatch_stop(lg->kw);
			api_status(lg->req, 500, "InternalError", "out of memory", NULL);
			http_req_resume(lg->req);
			free(lg);
			return;
		}
		http_req_resume(lg->req);
	}
	if (len && http_stream_write(lg->st, data, len))
		http_stream_abort(lg->st);
}

static void api_logs_done(void *ud, long status, const char *body, const char *err)
{
	struct api_logs *lg = ud;
	char msg[1024];
	size_t n;

	lg->kw = NULL; /* freed after this returns */
	if (lg->st) {
		http_stream_end(lg->st); /* api_logs_closed frees lg */
		return;
	}
	if (status == 200) {
		http_reply(lg->req, 200, "text/plain", "", 0);
	} else {
		snprintf(msg, sizeof(msg), "%s", status ? body : err ? err : "no answer");
		n = strlen(msg);
		while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
			msg[--n] = 0;
		api_status(lg->req, status ? (int)status : 500, api_logs_reason(status), msg, NULL);
	}
	http_req_resume(lg->req);
	free(lg);
}

static bool api_logs_has(const cJSON *ctrs, const char *name)
{
	const cJSON *c;

	cJSON_ArrayForEach(c, ctrs)
	{
		if (json_str(c, "name") && !strcmp(json_str(c, "name"), name))
			return true;
	}
	return false;
}

/* "[a b]": Go's %v of a []string, as upstream's messages print it */
static void api_logs_names(const cJSON *ctrs, char *buf, size_t len)
{
	const cJSON *c;
	size_t n = 0;

	n += (size_t)snprintf(buf, len, "[");
	cJSON_ArrayForEach(c, ctrs)
	{
		if (n < len)
			n += (size_t)snprintf(buf + n, len - n, "%s%s", n > 1 ? " " : "",
					      json_str(c, "name") ?: "");
	}
	if (n < len)
		snprintf(buf + n, len - n, "]");
}

/* The container the request means, or NULL after answering 400. */
static const char *api_logs_container(struct http_req *req, const cJSON *pod, const char *name)
{
	const cJSON *ctrs = json_at(pod, "spec.containers");
	const cJSON *init = json_at(pod, "spec.initContainers");
	const char *c = http_req_query(req, "container");
	char msg[2400], names[900], inames[900];

	if (c && *c) {
		if (api_logs_has(ctrs, c) || api_logs_has(init, c))
			return c;
		snprintf(msg, sizeof(msg), "container %s is not valid for pod %s", c, name);
		api_status(req, 400, "BadRequest", msg, NULL);
		return NULL;
	}
	if (cJSON_GetArraySize(ctrs) == 1)
		return json_str(cJSON_GetArrayItem(ctrs, 0), "name");
	api_logs_names(ctrs, names, sizeof(names));
	if (cJSON_GetArraySize(init) > 0) {
		api_logs_names(init, inames, sizeof(inames));
		snprintf(msg, sizeof(msg),
			 "a container name must be specified for pod %s, choose one of: %s or one "
			 "of the init containers: %s",
			 name, names, inames);
	} else {
		snprintf(msg, sizeof(msg),
			 "a container name must be specified for pod %s, choose one of: %s", name,
			 names);
	}
	api_status(req, 400, "BadRequest", msg, NULL);
	return NULL;
}

/* The kubelet's path with the options passed on. */
static int api_logs_path(struct http_req *req, const char *ns, const char *pod, const char *ctr,
			 char *buf, size_t len)
{
	static const char *const opts[] = {"follow",	   "previous",	"timestamps", "tailLines",
					   "sinceSeconds", "sinceTime", "limitBytes", NULL};
	size_t n = (size_t)snprintf(buf, len, "/containerLogs/%s/%s/%s", ns, pod, ctr);
	char sep = '?';

	for (int i = 0; opts[i] && n < len; i++) {
		const char *v = http_req_query(req, opts[i]);
		char *e;

		if (!v)
			continue;
		e = kclient_escape(v);
		if (!e)
			return -ENOMEM;
		n += (size_t)snprintf(buf + n, len - n, "%c%s=%s", sep, opts[i], e);
		free(e);
		sep = '&';
	}
	return n < len ? 0 : -ENAMETOOLONG;
}

/* The node's InternalIP and kubelet port; false after answering. */
static bool api_logs_node(struct api *a, struct http_req *req, const char *node, char *url,
			  size_t len)
{
	struct api_target nt = {.rt = res_lookup("", "v1", "nodes"), .has_name = true};
	const struct store_kv *kv;
	const char *ip = NULL;
	const cJSON *ad;
	cJSON *n;
	int port;

	snprintf(nt.name, sizeof(nt.name), "%s", node);
	n = api_load_or_reply(a, req, &nt, &kv);
	if (!n)
		return false;
	cJSON_ArrayForEach(ad, json_at(n, "status.addresses"))
	{
		if (!ip && json_str(ad, "type") && !strcmp(json_str(ad, "type"), "InternalIP"))
			ip = json_str(ad, "address");
	}
	ad = json_at(n, "status.daemonEndpoints.kubeletEndpoint.Port");
	port = cJSON_IsNumber(ad) ? ad->valueint : 0;
	if (ip)
		snprintf(url, len, strchr(ip, ':') ? "https://[%s]:%d" : "https://%s:%d", ip,
			 port > 0 ? port : 10250);
	else
		api_status(req, 500, "InternalError", "no preferred addresses found", NULL);
	cJSON_Delete(n);
	return ip != NULL;
}

void api_pod_log(struct api *a, struct http_req *req, const struct api_target *t)
{
	const struct store_kv *kv;
	cJSON *pod = api_load_or_reply(a, req, t, &kv);
	const char *ctr, *node;
	char url[300], path[2048], msg[600];
	struct kconfig kc = {.token = (char *)a->kubelet_token, .insecure = true};
	struct kclient *c = NULL;
	struct api_logs *lg = NULL;

	if (!pod)
		return;
	ctr = api_logs_container(req, pod, t->name);
	if (!ctr)
		goto out;
	node = json_str(pod, "spec.nodeName");
	if (!node || !*node) {
		snprintf(msg, sizeof(msg), "pod %s does not have a host assigned", t->name);
		api_status(req, 400, "BadRequest", msg, NULL);
		goto out;
	}
	if (!api_logs_node(a, req, node, url, sizeof(url)))
		goto out;
	if (api_logs_path(req, t->ns, t->name, ctr, path, sizeof(path))) {
		api_status(req, 400, "BadRequest", "the log options are too long", NULL);
		goto out;
	}
	kc.server = url;
	c = kclient_new(&kc);
	lg = calloc(1, sizeof(*lg));
	if (!c || !lg)
		goto nomem;
	lg->req = req;
	lg->kw = kstream_start(c, a->loop, path, api_logs_data, api_logs_done, lg);
	if (!lg->kw)
		goto nomem;
	http_req_hold(req);
	kclient_free(c); /* the stream holds its own reference */
	cJSON_Delete(pod);
	return;
nomem:
	free(lg);
	kclient_free(c);
	api_status(req, 500, "InternalError", "out of memory", NULL);
out:
	cJSON_Delete(pod);
}
