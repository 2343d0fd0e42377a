/* kl_node: this node in the API — the Node object (registered once, with
 * capacity, allocatable, addresses, nodeInfo; skiff-server fills in
 * spec.podCIDR), its status (conditions Ready, MemoryPressure,
 * DiskPressure, PIDPressure) written when it changes or every status_secs
 * (upstream's nodeStatusReportFrequency, 5 min), and the heartbeat: the
 * Lease kube-node-lease/<node> renewed every lease_secs (10 s), as the
 * kubelet's node lease controller does. All requests are asynchronous
 * (kreq) so a slow API server never holds the loop. */
#include <errno.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include "json_path.h"
#include "kclient.h"
#include "kl_int.h"
#include "nodeaddr.h"
#include "ktime.h"
#include "log.h"

#define KL_VERSION  "v1.20.2-skiff"
#define KL_RETRY    2.0 /* seconds before a failed registration is retried */
#define KL_LEASE_NS "kube-node-lease"

/* The first non-loopback IPv4 address of this network namespace. */
static void kl_pick_ip(struct kubelet *k)
{
	node_addr_pick(k->o.node_ip, k->node_ip, sizeof(k->node_ip));
}

static long long kl_mem_kib(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	long long kib = 0;
	char line[256];

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "MemTotal: %lld kB", &kib) == 1)
			break;
	if (f)
		fclose(f);
	return kib;
}

static void kl_read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");

	buf[0] = 0;
	if (f && fgets(buf, (int)len, f))
		buf[strcspn(buf, "\n")] = 0;
	if (f)
		fclose(f);
}

/* PRETTY_NAME of /etc/os-release. */
static void kl_os_image(char *buf, size_t len)
{
	FILE *f = fopen("/etc/os-release", "r");
	char line[256];

	snprintf(buf, len, "Linux");
	while (f && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "PRETTY_NAME=", 12))
			continue;
		line[strcspn(line, "\n")] = 0;
		snprintf(buf, len, "%s", line[12] == '"' ? line + 13 : line + 12);
		buf[strcspn(buf, "\"")] = 0;
	}
	if (f)
		fclose(f);
}

static cJSON *kl_resources(const struct kubelet *k)
{
	cJSON *r = cJSON_CreateObject();
	char v[32];

	snprintf(v, sizeof(v), "%ld", sysconf(_SC_NPROCESSORS_ONLN));
	cJSON_AddStringToObject(r, "cpu", v);
	snprintf(v, sizeof(v), "%lldKi", kl_mem_kib());
	cJSON_AddStringToObject(r, "memory", v);
	snprintf(v, sizeof(v), "%u", k->o.max_pods);
	cJSON_AddStringToObject(r, "pods", v);
	return r;
}

static void kl_condition(cJSON *arr, const char *type, bool status, const char *reason,
			 const char *message, const char *hb, const char *since)
{
	cJSON *c = cJSON_CreateObject();

	cJSON_AddStringToObject(c, "type", type);
	cJSON_AddStringToObject(c, "status", status ? "True" : "False");
	cJSON_AddStringToObject(c, "lastHeartbeatTime", hb);
	cJSON_AddStringToObject(c, "lastTransitionTime", since);
	cJSON_AddStringToObject(c, "reason", reason);
	cJSON_AddStringToObject(c, "message", message);
	cJSON_AddItemToArray(arr, c);
}

/* The status the kubelet reports; hb "" leaves the heartbeat times out
 * (to compare with what was written last). */
static cJSON *kl_status(struct kubelet *k, const char *hb)
{
	cJSON *st = cJSON_CreateObject(), *conds, *addrs, *a, *info, *ep;
	char since[32], os[256], buf[256];
	struct utsname u;
	time_t t = (time_t)k->ready_since;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(since, sizeof(since), "%Y-%m-%dT%H:%M:%SZ", &tm);
	cJSON_AddItemToObject(st, "capacity", kl_resources(k));
	cJSON_AddItemToObject(st, "allocatable", kl_resources(k));
	conds = cJSON_AddArrayToObject(st, "conditions");
	kl_condition(conds, "MemoryPressure", false, "KubeletHasSufficientMemory",
		     "kubelet has sufficient memory available", hb, since);
	kl_condition(conds, "DiskPressure", false, "KubeletHasNoDiskPressure",
		     "kubelet has no disk pressure", hb, since);
	kl_condition(conds, "PIDPressure", false, "KubeletHasSufficientPID",
		     "kubelet has sufficient PID available", hb, since);
	kl_condition(conds, "Ready", k->ready, k->ready_reason, k->ready_message, hb, since);
	addrs = cJSON_AddArrayToObject(st, "addresses");
	a = cJSON_CreateObject();
	cJSON_AddStringToObject(a, "type", "InternalIP");
	cJSON_AddStringToObject(a, "address", k->node_ip);
	cJSON_AddItemToArray(addrs, a);
	a = cJSON_CreateObject();
	cJSON_AddStringToObject(a, "type", "Hostname");
	cJSON_AddStringToObject(a, "address", k->o.node_name);
	cJSON_AddItemToArray(addrs, a);
	ep = cJSON_AddObjectToObject(cJSON_AddObjectToObject(st, "daemonEndpoints"),
				     "kubeletEndpoint");
	cJSON_AddNumberToObject(ep, "Port", k->o.kubelet_port > 0 ? k->o.kubelet_port : 0);
	info = cJSON_AddObjectToObject(st, "nodeInfo");
	kl_read_line("/etc/machine-id", buf, sizeof(buf));
	cJSON_AddStringToObject(info, "machineID", buf);
	kl_read_line("/sys/class/dmi/id/product_uuid", buf, sizeof(buf));
	cJSON_AddStringToObject(info, "systemUUID", buf);
	kl_read_line("/proc/sys/kernel/random/boot_id", buf, sizeof(buf));
	cJSON_AddStringToObject(info, "bootID", buf);
	uname(&u);
	cJSON_AddStringToObject(info, "kernelVersion", u.release);
	kl_os_image(os, sizeof(os));
	cJSON_AddStringToObject(info, "osImage", os);
	cJSON_AddStringToObject(info, "containerRuntimeVersion", "runc://1");
	cJSON_AddStringToObject(info, "kubeletVersion", KL_VERSION);
	cJSON_AddStringToObject(info, "kubeProxyVersion", KL_VERSION);
	cJSON_AddStringToObject(info, "operatingSystem", "linux");
	cJSON_AddStringToObject(info, "architecture", "amd64");
	return st;
}

static void kl_node_report(struct kubelet *k, bool force);

static void kl_status_done(void *ud, const struct kresp *r)
{
	struct kubelet *k = ud;

	k->node_req = NULL;
	if (r->status != 200) {
		pr_warn("kubelet: node status update failed (%ld): %.200s", r->status,
			r->status ? r->body : r->err);
		k->last_status[0] = 0; /* write it again at the next check */
		return;
	}
	k->last_report = ev_now(k->loop);
}

/* Write the status if it changed since the last write, or if force (the
 * report interval passed). */
static void kl_node_report(struct kubelet *k, bool force)
{
	cJSON *cmp, *patch;
	char hb[32], *text, *body;

	if (!k->registered || k->node_req)
		return;
	cmp = kl_status(k, "");
	text = cJSON_PrintUnformatted(cmp);
	cJSON_Delete(cmp);
	if (!text)
		return;
	if (!force && !strcmp(text, k->last_status)) {
		free(text);
		return;
	}
	snprintf(k->last_status, sizeof(k->last_status), "%s", text);
	free(text);
	ktime_now(hb, sizeof(hb));
	patch = cJSON_CreateObject();
	cJSON_AddItemToObject(patch, "status", kl_status(k, hb));
	body = cJSON_PrintUnformatted(patch);
	cJSON_Delete(patch);
	if (!body)
		return;
	{
		char path[512];

		snprintf(path, sizeof(path), "/api/v1/nodes/%s/status", k->o.node_name);
		k->node_req =
		    kreq_send(k->c, k->loop, "PATCH", path, "application/merge-patch+json", body,
			      strlen(body), kl_status_done, k);
	}
	free(body);
}

static void kl_status_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct kubelet *k = w->data;

	kl_node_report(k, ev_now(loop) - k->last_report >= k->o.status_secs);
}

void kl_node_seen(struct kubelet *k, const cJSON *node)
{
	const cJSON *c;

	/* The server's copy, not the last one sent, is the truth: the node
	 * controller marks a node it has not heard from Unknown, and a kubelet
	 * that was only slow must say Ready again at once, as upstream's
	 * does (it compares with the Node it fetches). */
	cJSON_ArrayForEach(c, json_at(node, "status.conditions"))
	{
		const char *type = json_str(c, "type"), *st = json_str(c, "status");

		if (type && !strcmp(type, "Ready") && st &&
		    strcmp(st, k->ready ? "True" : "False")) {
			k->last_status[0] = 0;
			kl_node_report(k, false);
			return;
		}
	}
}

void kl_node_set_ready(struct kubelet *k, bool ready, const char *reason, const char *message)
{
	if (k->ready != ready)
		k->ready_since = ev_now(k->loop);
	k->ready = ready;
	snprintf(k->ready_reason, sizeof(k->ready_reason), "%s", reason);
	snprintf(k->ready_message, sizeof(k->ready_message), "%s", message);
	kl_node_report(k, false);
}

/* ---- the Lease ---- */

static void kl_lease_renew(struct kubelet *k);
static void kl_lease_create(struct kubelet *k);

static void kl_lease_done(void *ud, const struct kresp *r)
{
	struct kubelet *k = ud;
	cJSON *l;

	k->lease_req = NULL;
	if (r->status == 404) {
		/* the first renewal creates it */
		k->lease_rv[0] = 0;
		kl_lease_create(k);
		return;
	}
	if (r->status == 409) {
		/* someone else wrote it: read it again at the next renewal */
		k->lease_rv[0] = 0;
		return;
	}
	if (r->status != 200 && r->status != 201) {
		pr_warn("kubelet: lease renewal failed (%ld): %.200s", r->status,
			r->status ? r->body : r->err);
		k->lease_rv[0] = 0;
		return;
	}
	l = cJSON_Parse(r->body);
	snprintf(k->lease_rv, sizeof(k->lease_rv), "%s",
		 json_str(l, "metadata.resourceVersion") ?: "");
	cJSON_Delete(l);
}

static void kl_lease_send(struct kubelet *k, bool create);

static void kl_lease_renew(struct kubelet *k)
{
	kl_lease_send(k, false);
}

static void kl_lease_create(struct kubelet *k)
{
	kl_lease_send(k, true);
}

static void kl_lease_send(struct kubelet *k, bool create)
{
	char path[512], now[40], *body;
	cJSON *l, *md, *spec;

	if (k->lease_req)
		return;
	ktime_micro_now(now, sizeof(now));
	l = cJSON_CreateObject();
	cJSON_AddStringToObject(l, "apiVersion", "coordination.k8s.io/v1");
	cJSON_AddStringToObject(l, "kind", "Lease");
	md = cJSON_AddObjectToObject(l, "metadata");
	cJSON_AddStringToObject(md, "name", k->o.node_name);
	cJSON_AddStringToObject(md, "namespace", KL_LEASE_NS);
	if (k->lease_rv[0])
		cJSON_AddStringToObject(md, "resourceVersion", k->lease_rv);
	spec = cJSON_AddObjectToObject(l, "spec");
	cJSON_AddStringToObject(spec, "holderIdentity", k->o.node_name);
	cJSON_AddNumberToObject(spec, "leaseDurationSeconds", (int)(k->o.lease_secs * 4));
	cJSON_AddStringToObject(spec, "renewTime", now);
	body = cJSON_PrintUnformatted(l);
	cJSON_Delete(l);
	if (!body)
		return;
	/* a renewal is a PUT with the last resourceVersion (a compare-and-swap;
	 * none after a conflict: unconditional), the first one a POST */
	if (create)
		snprintf(path, sizeof(path), "/apis/coordination.k8s.io/v1/namespaces/%s/leases",
			 KL_LEASE_NS);
	else
		snprintf(path, sizeof(path), "/apis/coordination.k8s.io/v1/namespaces/%s/leases/%s",
			 KL_LEASE_NS, k->o.node_name);
	k->lease_req = kreq_send(k->c, k->loop, create ? "POST" : "PUT", path, "application/json",
				 body, strlen(body), kl_lease_done, k);
	free(body);
}

static void kl_lease_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	kl_lease_renew(w->data);
}

/* ---- registration ---- */

static void kl_register(struct kubelet *k);

static void kl_retry_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	kl_register(w->data);
}

static void kl_registered(struct kubelet *k, const cJSON *node)
{
	const char *cidr = json_str(node, "spec.podCIDR");

	if (!cidr || !*cidr) {
		pr_warn("kubelet: node %s has no spec.podCIDR yet (is skiff-server's "
			"--cluster-cidr set?); retrying",
			k->o.node_name);
		ev_timer_set(&k->retry_timer, KL_RETRY, 0);
		ev_timer_start(k->loop, &k->retry_timer);
		return;
	}
	snprintf(k->pod_cidr, sizeof(k->pod_cidr), "%s", cidr);
	k->registered = true;
	pr_info("kubelet: node %s registered (%s, podCIDR %s)", k->o.node_name, k->node_ip,
		k->pod_cidr);
	kl_lease_renew(k);
	ev_timer_start(k->loop, &k->lease_timer);
	ev_timer_start(k->loop, &k->status_timer);
	if (kl_pods_start(k))
		kl_node_set_ready(k, false, "KubeletNotReady", "the pod runtime failed to start");
	kl_node_report(k, true);
}

static void kl_create_done(void *ud, const struct kresp *r)
{
	struct kubelet *k = ud;
	cJSON *node;

	k->node_req = NULL;
	if (r->status != 201 && r->status != 409) {
		pr_warn("kubelet: registering node %s failed (%ld): %.300s", k->o.node_name,
			r->status, r->status ? r->body : r->err);
		ev_timer_set(&k->retry_timer, KL_RETRY, 0);
		ev_timer_start(k->loop, &k->retry_timer);
		return;
	}
	if (r->status == 409) { /* made meanwhile: read it */
		kl_register(k);
		return;
	}
	node = cJSON_Parse(r->body);
	kl_registered(k, node);
	cJSON_Delete(node);
}

static void kl_get_done(void *ud, const struct kresp *r)
{
	struct kubelet *k = ud;
	cJSON *node, *md, *labels;
	char *body;

	k->node_req = NULL;
	if (r->status == 200) {
		node = cJSON_Parse(r->body);
		kl_registered(k, node);
		cJSON_Delete(node);
		return;
	}
	if (r->status != 404) {
		pr_warn("kubelet: reading node %s failed (%ld): %.300s", k->o.node_name, r->status,
			r->status ? r->body : r->err);
		ev_timer_set(&k->retry_timer, KL_RETRY, 0);
		ev_timer_start(k->loop, &k->retry_timer);
		return;
	}
	node = cJSON_CreateObject();
	cJSON_AddStringToObject(node, "apiVersion", "v1");
	cJSON_AddStringToObject(node, "kind", "Node");
	md = cJSON_AddObjectToObject(node, "metadata");
	cJSON_AddStringToObject(md, "name", k->o.node_name);
	labels = cJSON_AddObjectToObject(md, "labels");
	cJSON_AddStringToObject(labels, "kubernetes.io/hostname", k->o.node_name);
	cJSON_AddStringToObject(labels, "kubernetes.io/os", "linux");
	cJSON_AddStringToObject(labels, "kubernetes.io/arch", "amd64");
	cJSON_AddStringToObject(labels, "beta.kubernetes.io/os", "linux");
	cJSON_AddStringToObject(labels, "beta.kubernetes.io/arch", "amd64");
	cJSON_AddObjectToObject(node, "spec");
	body = cJSON_PrintUnformatted(node);
	cJSON_Delete(node);
	if (!body)
		return;
	k->node_req = kreq_send(k->c, k->loop, "POST", "/api/v1/nodes", "application/json", body,
				strlen(body), kl_create_done, k);
	free(body);
}

static void kl_register(struct kubelet *k)
{
	char path[512];

	snprintf(path, sizeof(path), "/api/v1/nodes/%s", k->o.node_name);
	k->node_req = kreq_get(k->c, k->loop, path, kl_get_done, k);
	if (!k->node_req) {
		ev_timer_set(&k->retry_timer, KL_RETRY, 0);
		ev_timer_start(k->loop, &k->retry_timer);
	}
}

int kl_node_start(struct kubelet *k)
{
	kl_pick_ip(k);
	k->ready_since = ev_now(k->loop);
	snprintf(k->ready_reason, sizeof(k->ready_reason), "KubeletNotReady");
	snprintf(k->ready_message, sizeof(k->ready_message), "the pod runtime is starting");
	ev_timer_init(&k->retry_timer, kl_retry_cb, KL_RETRY, 0);
	k->retry_timer.data = k;
	ev_timer_init(&k->lease_timer, kl_lease_cb, k->o.lease_secs, k->o.lease_secs);
	k->lease_timer.data = k;
	/* conditions are looked at as often as the lease is renewed, written
	 * only when they change or the report interval passed */
	ev_timer_init(&k->status_timer, kl_status_cb, k->o.lease_secs, k->o.lease_secs);
	k->status_timer.data = k;
	kl_register(k);
	return 0;
}

void kl_node_stop(struct kubelet *k)
{
	ev_timer_stop(k->loop, &k->retry_timer);
	ev_timer_stop(k->loop, &k->lease_timer);
	ev_timer_stop(k->loop, &k->status_timer);
	kreq_cancel(k->node_req);
	kreq_cancel(k->lease_req);
	k->node_req = k->lease_req = NULL;
}
