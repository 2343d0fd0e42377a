/* res_core: Namespace, Pod, Node and Event (core v1): defaults, validation
 * and Table rows after upstream 1.20 defaults.go, validation.go and
 * printers.go (printNamespace, printPod, printNode, printEvent). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "res_util.h"

/* node.NodeUnreachablePodReason: a deleted pod on a lost node prints Unknown */
#define POD_REASON_NODE_LOST "NodeLost"
/* labelNodeRolePrefix and the legacy nodeLabelRole */
#define NODE_ROLE_PREFIX "node-role.kubernetes.io/"
#define NODE_ROLE_LABEL	 "kubernetes.io/role"

/* ============================================================ Namespace */

static void ns_defaults(cJSON *obj)
{
	cJSON *spec = res_obj_child(obj, "spec"), *status = res_obj_child(obj, "status");

	/* the "kubernetes" finalizer keeps a namespace until it is emptied */
	if (spec && !res_get(spec, "finalizers")) {
		cJSON *f = cJSON_CreateArray();

		cJSON_AddItemToArray(f, cJSON_CreateString("kubernetes"));
		res_set(spec, "finalizers", f);
	}
	res_default_str(status, "phase", "Active");
}

static void ns_validate(const cJSON *obj, const cJSON *old, struct verrs *e)
{
	const cJSON *spec, *c;
	char f[RES_PATH], q[RES_VAL];
	int i = 0;

	res_validate_meta(obj, old, RES_DNS1123_LABEL, e);
	spec = res_typed(obj, "spec", "spec", RES_OBJ, e);
	cJSON_ArrayForEach(c, res_typed(spec, "finalizers", "spec.finalizers", RES_ARR, e))
	{
		/* validateFinalizerName: qualified, or one of the standard names */
		if (!res_check_type(c, res_pathf(f, "spec.finalizers[%d]", i++), RES_STR, e))
			continue;
		res_check_qualified_name(e, "spec.finalizers", c->valuestring);
		if (!strchr(c->valuestring, '/') && strcmp(c->valuestring, "kubernetes") &&
		    strcmp(c->valuestring, "orphan") &&
		    strcmp(c->valuestring, "foregroundDeletion")) {
			res_goquote(c->valuestring, q, sizeof(q));
			verrs_invalid(e, "spec.finalizers", q,
				      "name is neither a standard finalizer name nor is it fully "
				      "qualified");
		}
	}
	res_typed(obj, "status", "status", RES_OBJ, e);
}

static const struct res_col ns_cols[] = {
    {"Name", "string", "name", 0, RES_DESC_NAME},
    {"Status", "string", "", 0, "The status of the namespace"},
    {"Age", "string", "", 0, RES_DESC_AGE},
};

static cJSON *ns_table_columns(void)
{
	return res_columns(ns_cols, (int)(sizeof(ns_cols) / sizeof(ns_cols[0])));
}

static cJSON *ns_table_cells(const cJSON *obj, time_t now)
{
	cJSON *cells = cJSON_CreateArray();

	res_cell_str(cells, json_str(obj, "metadata.name"));
	res_cell_str(cells, json_str(obj, "status.phase"));
	res_cell_age(cells, obj, now);
	return cells;
}

static const char *const ns_fields[] = {"status.phase", NULL};

/* The namespaces the cluster itself needs (upstream's immortal ones). */
static const char *ns_delete_forbidden(const cJSON *obj)
{
	const char *name = json_str(obj, "metadata.name");

	if (name && (!strcmp(name, "default") || !strcmp(name, "kube-system") ||
		     !strcmp(name, "kube-public")))
		return "this namespace may not be deleted";
	return NULL;
}

/* A namespace with finalizers is not removed at once: it becomes
 * Terminating, the namespace controller deletes what it holds and then
 * removes it (upstream's finalize flow). */
static bool ns_delete_mark(cJSON *obj, const char *now)
{
	const cJSON *fin = json_at(obj, "spec.finalizers");
	cJSON *md = res_obj_child(obj, "metadata"), *status = res_obj_child(obj, "status");

	if (!cJSON_GetArraySize(fin) || !md || !status)
		return false;
	if (!res_get(md, "deletionTimestamp"))
		res_set(md, "deletionTimestamp", cJSON_CreateString(now));
	res_set(status, "phase", cJSON_CreateString("Terminating"));
	return true;
}

const struct res_type res_namespaces = {
    .plural = "namespaces",
    .singular = "namespace",
    .kind = "Namespace",
    .list_kind = "NamespaceList",
    .group = "",
    .version = "v1",
    .api_version = "v1",
    .namespaced = false,
    .short_names = {"ns", NULL},
    .has_status = true,
    .no_deletecollection = true,
    .unconditional_update = true,
    .delete_returns_object = true,
    .field_selectors = ns_fields,
    .defaults = ns_defaults,
    .validate = ns_validate,
    .table_columns = ns_table_columns,
    .table_cells = ns_table_cells,
    .delete_forbidden = ns_delete_forbidden,
    .delete_mark = ns_delete_mark,
};

/* ================================================================== Pod */

static void pod_defaults(cJSON *obj)
{
	res_podspec_defaults(res_obj_child(obj, "spec"));
	res_default_str(res_obj_child(obj, "status"), "phase", "Pending");
}

static void pod_admit_create(cJSON *obj)
{
	res_podspec_default_tolerations(res_obj_child(obj, "spec"));
}

static void pod_validate(const cJSON *obj, const cJSON *old, struct verrs *e)
{
	res_validate_meta(obj, old, RES_DNS1123_SUBDOMAIN, e);
	res_podspec_validate(res_get(obj, "spec"), "spec", e);
	res_typed(obj, "status", "status", RES_OBJ, e);
}

static const struct res_col pod_cols[] = {
    {"Name", "string", "name", 0, RES_DESC_NAME},
    {"Ready", "string", "", 0, "The aggregate readiness state of this pod for accepting traffic."},
    {"Status", "string", "", 0, "The aggregate status of the containers in this pod."},
    {"Restarts", "integer", "", 0,
     "The number of times the containers in this pod have been restarted."},
    {"Age", "string", "", 0, RES_DESC_AGE},
    {"IP", "string", "", 1,
     "IP address allocated to the pod. Routable at least within the cluster. Empty if not "
     "yet allocated."},
    {"Node", "string", "", 1, "NodeName is a request to schedule this pod onto a specific node."},
    {"Nominated Node", "string", "", 1,
     "nominatedNodeName is set only when this pod preempts other pods on the node."},
    {"Readiness Gates", "string", "", 1,
     "If specified, all readiness gates will be evaluated for pod readiness."},
};

static cJSON *pod_table_columns(void)
{
	return res_columns(pod_cols, (int)(sizeof(pod_cols) / sizeof(pod_cols[0])));
}

static bool pod_cond_true(const cJSON *status, const char *type)
{
	const cJSON *c;

	cJSON_ArrayForEach(c, RES_ARR(res_get(status, "conditions")))
	{
		const char *t = json_str(c, "type"), *s = json_str(c, "status");

		if (t && !strcmp(t, type))
			return s && !strcmp(s, "True");
	}
	return false;
}

/* Init container progress (printPod): sets reason, returns true while
 * initializing. */
static bool pod_init_reason(const cJSON *spec, const cJSON *status, char *reason, size_t len,
			    long long *restarts)
{
	const cJSON *c;
	int i = 0, ninit = cJSON_GetArraySize(RES_ARR(res_get(spec, "initContainers")));

	cJSON_ArrayForEach(c, RES_ARR(res_get(status, "initContainerStatuses")))
	{
		const cJSON *term = json_at(c, "state.terminated");
		const char *wr = json_str(c, "state.waiting.reason");
		long long rc = 0, code = 0, sig = 0;

		res_int(c, "restartCount", &rc);
		*restarts += rc;
		res_int(term, "exitCode", &code);
		res_int(term, "signal", &sig);
		if (term && code == 0) {
			i++;
			continue;
		}
		if (term) {
			const char *tr = json_str(term, "reason");

			if (tr && *tr)
				snprintf(reason, len, "Init:%s", tr);
			else if (sig)
				snprintf(reason, len, "Init:Signal:%lld", sig);
			else
				snprintf(reason, len, "Init:ExitCode:%lld", code);
		} else if (wr && *wr && strcmp(wr, "PodInitializing")) {
			snprintf(reason, len, "Init:%s", wr);
		} else {
			snprintf(reason, len, "Init:%d/%d", i, ninit);
		}
		return true;
	}
	return false;
}

static cJSON *pod_table_cells(const cJSON *obj, time_t now)
{
	const cJSON *spec = res_get(obj, "spec"), *status = res_get(obj, "status"), *cs, *c;
	cJSON *cells = cJSON_CreateArray();
	const char *s;
	char reason[160], buf[64];
	long long restarts = 0;
	int ready = 0, total = cJSON_GetArraySize(RES_ARR(res_get(spec, "containers")));

	snprintf(reason, sizeof(reason), "%s", json_str(status, "phase") ?: "");
	s = json_str(status, "reason");
	if (s && *s)
		snprintf(reason, sizeof(reason), "%s", s);
	if (!pod_init_reason(spec, status, reason, sizeof(reason), &restarts)) {
		bool running = false;
		int n;

		restarts = 0;
		cs = RES_ARR(res_get(status, "containerStatuses"));
		n = cJSON_GetArraySize(cs);
		/* last to first, as upstream, so the first container's state wins */
		for (int i = n - 1; i >= 0; i--) {
			const cJSON *term;
			const char *wr, *tr;
			long long rc = 0, code = 0, sig = 0;

			c = cJSON_GetArrayItem(cs, i);
			term = json_at(c, "state.terminated");
			wr = json_str(c, "state.waiting.reason");
			tr = json_str(term, "reason");
			res_int(c, "restartCount", &rc);
			restarts += rc;
			if (wr && *wr) {
				snprintf(reason, sizeof(reason), "%s", wr);
			} else if (tr && *tr) {
				snprintf(reason, sizeof(reason), "%s", tr);
			} else if (term) {
				res_int(term, "exitCode", &code);
				res_int(term, "signal", &sig);
				if (sig)
					snprintf(reason, sizeof(reason), "Signal:%lld", sig);
				else
					snprintf(reason, sizeof(reason), "ExitCode:%lld", code);
			} else if (cJSON_IsTrue(res_get(c, "ready")) &&
				   json_at(c, "state.running")) {
				running = true;
				ready++;
			}
		}
		if (!strcmp(reason, "Completed") && running)
			snprintf(reason, sizeof(reason), "%s",
				 pod_cond_true(status, "Ready") ? "Running" : "NotReady");
	}
	if (json_str(obj, "metadata.deletionTimestamp")) {
		s = json_str(status, "reason");
		snprintf(reason, sizeof(reason), "%s",
			 s && !strcmp(s, POD_REASON_NODE_LOST) ? "Unknown" : "Terminating");
	}

	res_cell_str(cells, json_str(obj, "metadata.name"));
	snprintf(buf, sizeof(buf), "%d/%d", ready, total);
	res_cell_str(cells, buf);
	res_cell_str(cells, reason);
	res_cell_int(cells, restarts);
	res_cell_age(cells, obj, now);

	s = json_str(cJSON_GetArrayItem(RES_ARR(res_get(status, "podIPs")), 0), "ip");
	if (!s || !*s)
		s = json_str(status, "podIP");
	res_cell_str(cells, s && *s ? s : "<none>");
	s = json_str(spec, "nodeName");
	res_cell_str(cells, s && *s ? s : "<none>");
	s = json_str(status, "nominatedNodeName");
	res_cell_str(cells, s && *s ? s : "<none>");
	cs = RES_ARR(res_get(spec, "readinessGates"));
	if (cJSON_GetArraySize(cs)) {
		int ok = 0;

		cJSON_ArrayForEach(c, cs)
		{
			const char *t = json_str(c, "conditionType");

			ok += t && pod_cond_true(status, t);
		}
		snprintf(buf, sizeof(buf), "%d/%d", ok, cJSON_GetArraySize(cs));
		res_cell_str(cells, buf);
	} else {
		res_cell_str(cells, "<none>");
	}
	return cells;
}

/* Graceful deletion (upstream's podStrategy.CheckGracefulDelete): the
 * requested period, else spec.terminationGracePeriodSeconds (30 s by
 * default); a pod on no node, or one that already ended, goes at once: no
 * kubelet has anything to stop. */
static long long pod_delete_grace(const cJSON *pod, bool given, long long requested)
{
	const cJSON *t = json_at(pod, "spec.terminationGracePeriodSeconds");
	const char *node = json_str(pod, "spec.nodeName");
	const char *phase = json_str(pod, "status.phase");

	if (!node || !*node)
		return 0;
	if (phase && (!strcmp(phase, "Succeeded") || !strcmp(phase, "Failed")))
		return 0;
	if (given)
		return requested;
	return cJSON_IsNumber(t) && t->valuedouble >= 0 ? (long long)t->valuedouble : 30;
}

static const char *const pod_fields[] = {
    "spec.nodeName", "spec.restartPolicy", "spec.schedulerName",       "spec.serviceAccountName",
    "status.phase",  "status.podIP",	   "status.nominatedNodeName", NULL};

const struct res_type res_pods = {
    .plural = "pods",
    .singular = "pod",
    .kind = "Pod",
    .list_kind = "PodList",
    .group = "",
    .version = "v1",
    .api_version = "v1",
    .namespaced = true,
    .short_names = {"po", NULL},
    .all_category = true,
    .has_status = true,
    .has_binding = true,
    .has_eviction = true,
    .has_log = true,
    .unconditional_update = true,
    .delete_returns_object = true,
    .delete_grace = pod_delete_grace,
    .field_selectors = pod_fields,
    .defaults = pod_defaults,
    .admit_create = pod_admit_create,
    .validate = pod_validate,
    .table_columns = pod_table_columns,
    .table_cells = pod_table_cells,
};

/* ================================================================= Node */

static void node_validate(const cJSON *obj, const cJSON *old, struct verrs *e)
{
	const cJSON *spec;
	const char *was = old ? json_str(old, "spec.podCIDR") : NULL;
	const char *now;

	res_validate_meta(obj, old, RES_DNS1123_SUBDOMAIN, e);
	spec = res_typed(obj, "spec", "spec", RES_OBJ, e);
	res_typed(obj, "status", "status", RES_OBJ, e);
	res_typed(spec, "podCIDR", "spec.podCIDR", RES_STR, e);
	now = json_str(obj, "spec.podCIDR");
	/* ValidateNodeUpdate */
	if (was && *was && (!now || strcmp(now, was)))
		verrs_forbidden(e, "spec.podCIDRs",
				"node updates may not change podCIDR except from \"\" to valid");
}

static const struct res_col node_cols[] = {
    {"Name", "string", "name", 0, RES_DESC_NAME},
    {"Status", "string", "", 0, "The status of the node"},
    {"Roles", "string", "", 0, "The roles of the node"},
    {"Age", "string", "", 0, RES_DESC_AGE},
    {"Version", "string", "", 0, "Kubelet Version reported by the node."},
    {"Internal-IP", "string", "", 1, "List of addresses reachable to the node."},
    {"External-IP", "string", "", 1, "List of addresses reachable to the node."},
    {"OS-Image", "string", "", 1, "OS Image reported by the node from /etc/os-release."},
    {"Kernel-Version", "string", "", 1, "Kernel Version reported by the node."},
    {"Container-Runtime", "string", "", 1,
     "ContainerRuntime Version reported by the node through runtime remote API."},
};

static cJSON *node_table_columns(void)
{
	return res_columns(node_cols, (int)(sizeof(node_cols) / sizeof(node_cols[0])));
}

static int node_strcmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void node_cell_address(cJSON *cells, const cJSON *status, const char *type)
{
	const cJSON *c;

	cJSON_ArrayForEach(c, RES_ARR(res_get(status, "addresses")))
	{
		const char *t = json_str(c, "type"), *a = json_str(c, "address");

		if (t && a && !strcmp(t, type)) {
			res_cell_str(cells, a);
			return;
		}
	}
	res_cell_str(cells, "<none>");
}

static void node_cell_info(cJSON *cells, const cJSON *status, const char *key)
{
	char path[64];
	const char *s;

	snprintf(path, sizeof(path), "nodeInfo.%s", key);
	s = json_str(status, path);
	res_cell_str(cells, s && *s ? s : "<unknown>");
}

static cJSON *node_table_cells(const cJSON *obj, time_t now)
{
	const cJSON *status = res_get(obj, "status"), *c, *cond = NULL;
	const cJSON *labels = json_at(obj, "metadata.labels");
	const cJSON *lmap = cJSON_IsObject(labels) ? labels : NULL;
	/* one role per label at most */
	const char **roles = calloc((size_t)cJSON_GetArraySize(lmap) + 1, sizeof(*roles));
	cJSON *cells = cJSON_CreateArray();
	struct res_join j;
	int nroles = 0;
	char *s;

	res_cell_str(cells, json_str(obj, "metadata.name"));
	/* only the Ready condition counts (NodeAllConditions) */
	cJSON_ArrayForEach(c, RES_ARR(res_get(status, "conditions")))
	{
		const char *t = json_str(c, "type");

		if (t && !strcmp(t, "Ready"))
			cond = c;
	}
	res_join_init(&j);
	if (cond) {
		const char *st = json_str(cond, "status");

		res_join_add(&j, ",", "%s", st && !strcmp(st, "True") ? "Ready" : "NotReady");
	} else {
		res_join_add(&j, ",", "Unknown");
	}
	if (cJSON_IsTrue(json_at(obj, "spec.unschedulable")))
		res_join_add(&j, ",", "SchedulingDisabled");
	s = res_join_done(&j);
	res_cell_str(cells, s);
	free(s);

	/* findNodeRoles: a sorted set from node-role.kubernetes.io/<r> labels
	 * and kubernetes.io/role=<r> */
	cJSON_ArrayForEach(c, (roles ? lmap : NULL))
	{
		const char *r = NULL;

		if (!cJSON_IsString(c))
			continue;
		if (!strncmp(c->string, NODE_ROLE_PREFIX, strlen(NODE_ROLE_PREFIX)))
			r = c->string + strlen(NODE_ROLE_PREFIX);
		else if (!strcmp(c->string, NODE_ROLE_LABEL))
			r = c->valuestring;
		if (r && *r)
			roles[nroles++] = r;
	}
	/* a set: sorted, then each role once */
	if (nroles)
		qsort(roles, (size_t)nroles, sizeof(roles[0]), node_strcmp);
	res_join_init(&j);
	for (int k = 0; k < nroles; k++)
		if (!k || strcmp(roles[k], roles[k - 1]))
			res_join_add(&j, ",", "%s", roles[k]);
	free(roles);
	s = res_join_done(&j);
	res_cell_str(cells, *s ? s : "<none>");
	free(s);

	res_cell_age(cells, obj, now);
	res_cell_str(cells, json_str(status, "nodeInfo.kubeletVersion"));
	node_cell_address(cells, status, "InternalIP");
	node_cell_address(cells, status, "ExternalIP");
	node_cell_info(cells, status, "osImage");
	node_cell_info(cells, status, "kernelVersion");
	node_cell_info(cells, status, "containerRuntimeVersion");
	return cells;
}

static const char *const node_fields[] = {"spec.unschedulable", NULL};

const struct res_type res_nodes = {
    .plural = "nodes",
    .singular = "node",
    .kind = "Node",
    .list_kind = "NodeList",
    .group = "",
    .version = "v1",
    .api_version = "v1",
    .namespaced = false,
    .short_names = {"no", NULL},
    .has_status = true,
    .unconditional_update = true,
    .field_selectors = node_fields,
    .defaults = NULL,
    .validate = node_validate,
    .prepare_update = res_node_prepare_update,
    .allocate = res_node_allocate,
    .release = res_node_release,
    .reserve = res_node_reserve,
    .table_columns = node_table_columns,
    .table_cells = node_table_cells,
};

/* ================================================================ Event */

static void ev_validate(const cJSON *obj, const cJSON *old, struct verrs *e)
{
	res_validate_meta(obj, old, RES_DNS1123_SUBDOMAIN, e);
	res_typed(obj, "involvedObject", "involvedObject", RES_OBJ, e);
	res_typed(obj, "count", "count", RES_INT, e);
	res_typed(obj, "message", "message", RES_STR, e);
	res_typed(obj, "reason", "reason", RES_STR, e);
}

static const struct res_col ev_cols[] = {
    {"Last Seen", "string", "", 0,
     "The time at which the most recent occurrence of this event was recorded."},
    {"Type", "string", "", 0,
     "Type of this event (Normal, Warning), new types could be added "
     "in the future"},
    {"Reason", "string", "", 0,
     "This should be a short, machine understandable string that gives the reason for the "
     "transition into the object's current status."},
    {"Object", "string", "", 0, "The object that this event is about."},
    {"Subobject", "string", "", 1,
     "If referring to a piece of an object instead of an entire object, this string should "
     "contain a valid JSON/Go field access statement, such as "
     "desiredState.manifest.containers[2]."},
    {"Source", "string", "", 1, "The component reporting this event."},
    {"Message", "string", "", 0, "A human-readable description of the status of this operation."},
    {"First Seen", "string", "", 1,
     "The time at which the event was first recorded. (Time of server receipt is in "
     "TypeMeta.)"},
    {"Count", "string", "", 1, "The number of times this event has occurred."},
    {"Name", "string", "name", 1, RES_DESC_NAME},
};

static cJSON *ev_table_columns(void)
{
	return res_columns(ev_cols, (int)(sizeof(ev_cols) / sizeof(ev_cols[0])));
}

static char *ev_trim(const char *s)
{
	const char *end;

	s = s ? s : "";
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n' || end[-1] == '\r'))
		end--;
	return strndup(s, (size_t)(end - s));
}

static cJSON *ev_table_cells(const cJSON *obj, time_t now)
{
	cJSON *cells = cJSON_CreateArray();
	char first[32], last[32], *s;
	const char *kind = json_str(obj, "involvedObject.kind") ?: "";
	const char *name = json_str(obj, "involvedObject.name");
	const char *comp, *host;
	long long count = 0;
	struct res_join j;

	res_age(res_parse_time(json_str(obj, "firstTimestamp")), now, first, sizeof(first));
	if (!json_str(obj, "firstTimestamp"))
		res_age(res_parse_time(json_str(obj, "eventTime")), now, first, sizeof(first));
	res_age(res_parse_time(json_str(obj, "lastTimestamp")), now, last, sizeof(last));
	if (!json_str(obj, "lastTimestamp"))
		snprintf(last, sizeof(last), "%s", first);
	res_int(obj, "count", &count);
	if (res_get(obj, "series")) {
		res_age(res_parse_time(json_str(obj, "series.lastObservedTime")), now, last,
			sizeof(last));
		count = 0;
		res_int(obj, "series.count", &count);
	} else if (!count) {
		/* singleton events of the new API carry no count */
		count = 1;
	}
	res_cell_str(cells, last);
	res_cell_str(cells, json_str(obj, "type"));
	res_cell_str(cells, json_str(obj, "reason"));
	res_join_init(&j);
	for (const char *p = kind; *p; p++)
		res_join_add(&j, "", "%c", (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p));
	if (name && *name)
		res_join_add(&j, "", "/%s", name);
	s = res_join_done(&j);
	res_cell_str(cells, s);
	free(s);
	res_cell_str(cells, json_str(obj, "involvedObject.fieldPath"));
	comp = json_str(obj, "source.component");
	if (!comp || !*comp)
		comp = json_str(obj, "reportingComponent");
	host = json_str(obj, "source.host");
	if (!host || !*host)
		host = json_str(obj, "reportingInstance");
	res_join_init(&j);
	res_join_add(&j, "", "%s", comp ? comp : "");
	if (host && *host)
		res_join_add(&j, "", ", %s", host);
	s = res_join_done(&j);
	res_cell_str(cells, s);
	free(s);
	s = ev_trim(json_str(obj, "message"));
	res_cell_str(cells, s);
	free(s);
	res_cell_str(cells, first);
	res_cell_int(cells, count);
	res_cell_str(cells, json_str(obj, "metadata.name"));
	return cells;
}

static const char *const ev_fields[] = {"involvedObject.kind",
					"involvedObject.namespace",
					"involvedObject.name",
					"involvedObject.uid",
					"involvedObject.apiVersion",
					"involvedObject.resourceVersion",
					"involvedObject.fieldPath",
					"reason",
					"reportingComponent",
					"source",
					"type",
					NULL};

const struct res_type res_events = {
    .plural = "events",
    .singular = "event",
    .kind = "Event",
    .list_kind = "EventList",
    .group = "",
    .version = "v1",
    .api_version = "v1",
    .namespaced = true,
    .short_names = {"ev", NULL},
    .unconditional_update = true,
    .field_selectors = ev_fields,
    .defaults = NULL,
    .validate = ev_validate,
    .table_columns = ev_table_columns,
    .table_cells = ev_table_cells,
};
