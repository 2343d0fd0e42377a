/* sched_filter: the default profile's filter plugins, in upstream's order
 * (NodeUnschedulable, TaintToleration, NodeAffinity, NodePorts,
 * NodeResourcesFit, PodTopologySpread, InterPodAffinity: the pod's own
 * anti-affinity, then that of the pods on the node); a node fails at
 * the first that rejects it, and the reason is upstream's text, so the
 * failure message aggregates exactly as kube-scheduler's does. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "json_path.h"
#include "controllers/controllers.h"
#include "sched_int.h"

#define HOSTNAME_KEY "kubernetes.io/hostname"

static bool sf_str_in(const cJSON *values, const char *v)
{
	const cJSON *x;

	cJSON_ArrayForEach(x, values)
	{
		if (cJSON_IsString(x) && v && !strcmp(x->valuestring, v))
			return true;
	}
	return false;
}

/* One LabelSelectorRequirement (In, NotIn, Exists, DoesNotExist). */
static bool sf_label_req(const cJSON *r, const cJSON *labels)
{
	const char *key = json_str(r, "key"), *op = json_str(r, "operator");
	const cJSON *lv = key ? cJSON_GetObjectItemCaseSensitive(labels, key) : NULL;
	const char *v = cJSON_IsString(lv) ? lv->valuestring : NULL;
	const cJSON *vals = cJSON_GetObjectItemCaseSensitive(r, "values");

	if (!key || !op)
		return false;
	if (!strcmp(op, "In"))
		return v && sf_str_in(vals, v);
	if (!strcmp(op, "NotIn"))
		return !v || !sf_str_in(vals, v);
	if (!strcmp(op, "Exists"))
		return v != NULL;
	if (!strcmp(op, "DoesNotExist"))
		return v == NULL;
	return false;
}

bool sched_selector_match(const cJSON *sel, const cJSON *labels)
{
	const cJSON *kv, *r;

	if (!cJSON_IsObject(sel))
		return false;
	cJSON_ArrayForEach(kv, cJSON_GetObjectItemCaseSensitive(sel, "matchLabels"))
	{
		const cJSON *lv = cJSON_GetObjectItemCaseSensitive(labels, kv->string);

		if (!cJSON_IsString(kv) || !cJSON_IsString(lv) ||
		    strcmp(kv->valuestring, lv->valuestring))
			return false;
	}
	cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(sel, "matchExpressions"))
	{
		if (!sf_label_req(r, labels))
			return false;
	}
	return true;
}

bool sched_term_selects(const cJSON *term, const char *ns, const cJSON *p)
{
	const cJSON *nss = cJSON_GetObjectItemCaseSensitive(term, "namespaces");
	const cJSON *nsel = json_at(term, "namespaceSelector");
	const char *pns = json_str(p, "metadata.namespace");

	/* no namespaces and no namespaceSelector: the term's own pod's
	 * namespace; an empty namespaceSelector: every namespace */
	if (cJSON_GetArraySize(nss) || nsel) {
		bool all = cJSON_IsObject(nsel) && !json_at(nsel, "matchLabels") &&
			   !json_at(nsel, "matchExpressions");

		if (!all && !sf_str_in(nss, pns))
			return false;
	} else if (!pns || !ns || strcmp(pns, ns)) {
		return false;
	}
	return sched_selector_match(json_at(term, "labelSelector"), json_at(p, "metadata.labels"));
}

/* A label's value (keys have dots: no json_str path lookup), or NULL. */
static const char *sf_label(const cJSON *labels, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(labels, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Gt/Lt compare the label's value as an integer, as upstream. */
static bool sf_int(const char *s, long long *out)
{
	char *end;

	if (!s || !*s)
		return false;
	*out = strtoll(s, &end, 10);
	return !*end;
}

static bool sf_node_req(const cJSON *r, const cJSON *labels)
{
	const char *op = json_str(r, "operator");
	long long have, want;

	if (op && (!strcmp(op, "Gt") || !strcmp(op, "Lt"))) {
		const char *key = json_str(r, "key");
		const cJSON *vals = cJSON_GetObjectItemCaseSensitive(r, "values");

		if (!key || cJSON_GetArraySize(vals) != 1 ||
		    !sf_int(sf_label(labels, key), &have) ||
		    !cJSON_IsString(cJSON_GetArrayItem(vals, 0)) ||
		    !sf_int(cJSON_GetArrayItem(vals, 0)->valuestring, &want))
			return false;
		return !strcmp(op, "Gt") ? have > want : have < want;
	}
	return sf_label_req(r, labels);
}

bool sched_node_term_match(const cJSON *term, const struct sched_node *n)
{
	const cJSON *exprs = cJSON_GetObjectItemCaseSensitive(term, "matchExpressions");
	const cJSON *fields = cJSON_GetObjectItemCaseSensitive(term, "matchFields");
	const cJSON *labels = json_at(n->obj, "metadata.labels"), *r;

	/* a term that requires nothing selects nothing (upstream) */
	if (!cJSON_GetArraySize(exprs) && !cJSON_GetArraySize(fields))
		return false;
	cJSON_ArrayForEach(r, exprs)
	{
		if (!sf_node_req(r, labels))
			return false;
	}
	cJSON_ArrayForEach(r, fields)
	{
		const char *key = json_str(r, "key"), *op = json_str(r, "operator");
		const cJSON *vals = cJSON_GetObjectItemCaseSensitive(r, "values");

		/* metadata.name is the one field selector upstream allows */
		if (!key || !op || strcmp(key, "metadata.name"))
			return false;
		if (!strcmp(op, "In")	   ? !sf_str_in(vals, n->name)
		    : !strcmp(op, "NotIn") ? sf_str_in(vals, n->name)
					   : true)
			return false;
	}
	return true;
}

bool sched_tolerates(const cJSON *tolerations, const char *key, const char *value,
		     const char *effect)
{
	const cJSON *t;

	cJSON_ArrayForEach(t, tolerations)
	{
		const char *tk = json_str(t, "key"), *op = json_str(t, "operator");
		const char *tv = json_str(t, "value"), *te = json_str(t, "effect");

		if (te && *te && strcmp(te, effect))
			continue;
		if (tk && *tk && strcmp(tk, key))
			continue;
		if (op && !strcmp(op, "Exists"))
			return true;
		/* Equal (the default) needs the key (an empty key with Equal
		 * is invalid) and the same value */
		if (tk && *tk && !strcmp(tv ? tv : "", value ? value : ""))
			return true;
	}
	return false;
}

/* The node's Ready condition: 1 True, 0 False (or none), -1 Unknown. */
static int sf_ready(const cJSON *node)
{
	const cJSON *c;

	cJSON_ArrayForEach(c, json_at(node, "status.conditions"))
	{
		const char *t = json_str(c, "type"), *st = json_str(c, "status");

		if (t && !strcmp(t, "Ready"))
			return !st ? 0 : !strcmp(st, "True") ? 1 : !strcmp(st, "Unknown") ? -1 : 0;
	}
	return 0;
}

static bool sf_has_taint(const cJSON *taints, const char *key, const char *effect)
{
	const cJSON *t;

	cJSON_ArrayForEach(t, taints)
	{
		const char *k = json_str(t, "key"), *e = json_str(t, "effect");

		if (k && !strcmp(k, key) && e && !strcmp(e, effect))
			return true;
	}
	return false;
}

static bool sf_taints(const struct sched_want *w, const struct sched_node *n,
		      struct sched_verdict *v)
{
	const cJSON *taints = json_at(n->obj, "spec.taints"), *t;
	int ready = sf_ready(n->obj);

	cJSON_ArrayForEach(t, taints)
	{
		const char *k = json_str(t, "key"), *val = json_str(t, "value");
		const char *e = json_str(t, "effect");

		if (!k || !e || (strcmp(e, "NoSchedule") && strcmp(e, "NoExecute")))
			continue;
		if (sched_tolerates(w->tolerations, k, val, e))
			continue;
		snprintf(v->taint, sizeof(v->taint), "node(s) had untolerated taint {%s: %s}", k,
			 val ? val : "");
		return false;
	}
	/* A node that is not Ready carries, upstream, the node lifecycle
	 * controller's NoSchedule taint (TaintNodesByCondition): not-ready
	 * when Ready is False, unreachable when Unknown. Treated as present
	 * when the node does not carry it yet. It is the NoSchedule one that
	 * counts: every pod tolerates the NoExecute taint of the same key for
	 * a while (DefaultTolerationSeconds), and must not be placed on a
	 * node that is gone because of that. */
	if (ready != 1) {
		const char *k =
		    ready ? "node.kubernetes.io/unreachable" : "node.kubernetes.io/not-ready";

		if (!sf_has_taint(taints, k, "NoSchedule") &&
		    !sched_tolerates(w->tolerations, k, "", "NoSchedule")) {
			snprintf(v->taint, sizeof(v->taint), "node(s) had untolerated taint {%s: }",
				 k);
			return false;
		}
	}
	return true;
}

static bool sf_node_affinity(const struct sched_want *w, const struct sched_node *n)
{
	const cJSON *labels = json_at(n->obj, "metadata.labels"), *kv, *term;

	cJSON_ArrayForEach(kv, w->node_selector)
	{
		const char *lv = sf_label(labels, kv->string);

		if (!cJSON_IsString(kv) || !lv || strcmp(lv, kv->valuestring))
			return false;
	}
	if (!w->node_req)
		return true;
	cJSON_ArrayForEach(term, w->node_terms)
	{
		if (sched_node_term_match(term, n))
			return true;
	}
	return false;
}

/* HostPortInfo.CheckConflict: 0.0.0.0 conflicts with every address. */
static bool sf_port_conflict(const struct sched_port *a, const struct sched_port *b)
{
	if (a->port != b->port || strcmp(a->proto, b->proto))
		return false;
	return !strcmp(a->ip, "0.0.0.0") || !strcmp(b->ip, "0.0.0.0") || !strcmp(a->ip, b->ip);
}

static bool sf_ports(const struct sched_want *w, const struct sched_node *n)
{
	if (!w->nports || !n->nports)
		return true;
	for (const struct sched_pod *p = n->pods; p; p = p->next)
		for (int i = 0; i < p->nports; i++)
			for (int j = 0; j < w->nports; j++)
				if (sf_port_conflict(&p->ports[i], &w->ports[j]))
					return false;
	return true;
}

static void sf_why(struct sched_verdict *v, const char *why)
{
	if (v->n < 3)
		v->why[v->n++] = why;
}

/* NodeResourcesFit: every shortfall is a reason of its own. */
static bool sf_fit(const struct sched_want *w, const struct sched_node *n, struct sched_verdict *v)
{
	if (n->npods + 1 > n->alloc_pods)
		sf_why(v, "Too many pods");
	if (w->req.cpu > 0 && w->req.cpu > n->alloc.cpu - n->req.cpu)
		sf_why(v, "Insufficient cpu");
	if (w->req.mem > 0 && w->req.mem > n->alloc.mem - n->req.mem)
		sf_why(v, "Insufficient memory");
	v->resolvable = true;
	return v->n == 0;
}

int sched_spread_count(const struct sched_want *w, const struct sched_spread *c,
		       const struct sched_node *n)
{
	int cnt = 0;

	if (c->none)
		return 0;
	if (!c->selector)
		return w->owner && n->idx < w->owner->cap ? w->owner->count[n->idx] : 0;
	for (const struct sched_pod *p = n->pods; p; p = p->next) {
		const char *pns = json_str(p->obj, "metadata.namespace");

		if (pns && w->ns && !strcmp(pns, w->ns) &&
		    !json_at(p->obj, "metadata.deletionTimestamp") &&
		    sched_selector_match(c->selector, json_at(p->obj, "metadata.labels")))
			cnt++;
	}
	return cnt;
}

/* The hard constraints' global minimum is over the nodes the pod could
 * go to by its node selector and affinity (nodeAffinityPolicy Honor, the
 * default), as upstream's PreFilter computes it. */
void sched_spread_prepare(struct sched *s, struct sched_want *w)
{
	for (int i = 0; i < w->nspread; i++) {
		struct sched_spread *c = &w->spread[i];

		c->min = -1;
		if (!c->hard)
			continue;
		for (int k = 0; k < s->nslot; k++) {
			const struct sched_node *n = s->slot[k];
			int cnt;

			if (!n || !n->obj || !sf_node_affinity(w, n))
				continue;
			cnt = sched_spread_count(w, c, n);
			if (c->min < 0 || cnt < c->min)
				c->min = cnt;
		}
		if (c->min < 0)
			c->min = 0;
	}
}

static bool sf_spread(const struct sched_want *w, const struct sched_node *n)
{
	for (int i = 0; i < w->nspread; i++) {
		const struct sched_spread *c = &w->spread[i];

		if (c->hard &&
		    sched_spread_count(w, c, n) + (c->self ? 1 : 0) - c->min > c->max_skew)
			return false;
	}
	return true;
}

/* Required anti-affinity of pods on the node against the incoming pod. */
static bool sf_existing_anti(const struct sched_want *w, const struct sched_node *n)
{
	if (!n->nanti)
		return true;
	for (const struct sched_pod *p = n->pods; p; p = p->next) {
		const cJSON *t;

		if (!p->anti)
			continue;
		cJSON_ArrayForEach(t, json_at(p->obj,
					      "spec.affinity.podAntiAffinity."
					      "requiredDuringSchedulingIgnoredDuringExecution"))
		{
			const char *tk = json_str(t, "topologyKey");

			if (tk && !strcmp(tk, HOSTNAME_KEY) &&
			    sched_term_selects(t, json_str(p->obj, "metadata.namespace"), w->pod))
				return false;
		}
	}
	return true;
}

static bool sf_anti(const struct sched_want *w, const struct sched_node *n)
{
	const cJSON *t;

	if (!w->anti)
		return true;
	cJSON_ArrayForEach(t, w->anti)
	{
		const char *tk = json_str(t, "topologyKey");

		if (!tk || strcmp(tk, HOSTNAME_KEY))
			continue;
		for (const struct sched_pod *p = n->pods; p; p = p->next)
			if (sched_term_selects(t, w->ns, p->obj))
				return false;
	}
	return true;
}

/* VolumeBinding for bound claims: the node is in each volume's required
 * node affinity (a local-path volume lives on one node). */
static bool sf_volumes(const struct sched_want *w, const struct sched_node *n)
{
	for (int i = 0; i < w->nvol; i++) {
		const cJSON *t;
		bool any = false;

		cJSON_ArrayForEach(t, w->vol_terms[i]) any = any || sched_node_term_match(t, n);
		if (!any)
			return false;
	}
	return true;
}

bool sched_filter(struct sched *s, const struct sched_want *w, const struct sched_node *n,
		  struct sched_verdict *v)
{
	v->n = 0;
	v->resolvable = false;
	if (cJSON_IsTrue(json_at(n->obj, "spec.unschedulable")) &&
	    !sched_tolerates(w->tolerations, "node.kubernetes.io/unschedulable", "",
			     "NoSchedule")) {
		sf_why(v, "node(s) were unschedulable");
		return false;
	}
	if (!sf_taints(w, n, v)) {
		sf_why(v, v->taint);
		return false;
	}
	if (!sf_node_affinity(w, n)) {
		sf_why(v, "node(s) didn't match Pod's node affinity/selector");
		return false;
	}
	v->resolvable = true;
	if (!sf_ports(w, n)) {
		sf_why(v, "node(s) didn't have free ports for the requested pod ports");
		return false;
	}
	if (!sf_fit(w, n, v))
		return false;
	if (w->missing_claim[0]) {
		v->resolvable = false;
		sf_why(v, w->missing_claim);
		return false;
	}
	if (!sf_volumes(w, n)) {
		v->resolvable = false;
		sf_why(v, "node(s) had volume node affinity conflict");
		return false;
	}
	if (!sf_spread(w, n)) {
		sf_why(v, "node(s) didn't match pod topology spread constraints");
		return false;
	}
	if (!sf_anti(w, n)) {
		sf_why(v, "node(s) didn't match pod anti-affinity rules");
		return false;
	}
	if (!sf_existing_anti(w, n)) {
		sf_why(v, "node(s) didn't satisfy existing pods anti-affinity rules");
		return false;
	}
	return true;
}

int sched_want_parse(struct sched *s, const cJSON *pod, struct sched_want *w)
{
	const cJSON *spec = json_at(pod, "spec"), *c;

	memset(w, 0, sizeof(*w));
	w->pod = pod;
	w->ns = json_str(pod, "metadata.namespace");
	w->uid = json_str(pod, "metadata.uid");
	w->labels = json_at(pod, "metadata.labels");
	sched_pod_requests(spec, &w->req, &w->nonzero);
	w->node_selector = json_at(spec, "nodeSelector");
	/* a required node affinity without terms matches no node, as
	 * upstream's empty NodeSelector */
	w->node_req = json_at(spec, "affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuring"
				    "Execution");
	w->node_terms = cJSON_GetObjectItemCaseSensitive(w->node_req, "nodeSelectorTerms");
	w->node_pref = json_at(spec, "affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuring"
				     "Execution");
	w->tolerations = json_at(spec, "tolerations");
	w->anti = json_at(spec, "affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuring"
				"Execution");
	w->anti_pref =
	    json_at(spec, "affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuring"
			  "Execution");
	w->nports = sched_pod_ports(spec, w->ports, SCHED_MAX_PORTS);
	w->owner = sched_owner_of(s, pod, false);
	w->never_preempts = json_str(spec, "preemptionPolicy") &&
			    !strcmp(json_str(spec, "preemptionPolicy"), "Never");
	cJSON_ArrayForEach(c, json_at(spec, "topologySpreadConstraints"))
	{
		const char *tk = json_str(c, "topologyKey"), *wu = json_str(c, "whenUnsatisfiable");
		const cJSON *ms = cJSON_GetObjectItemCaseSensitive(c, "maxSkew");
		struct sched_spread *sp;

		/* only the hostname key: every node is its own domain */
		if (!tk || strcmp(tk, HOSTNAME_KEY) || w->nspread >= SCHED_MAX_SPREAD)
			continue;
		sp = &w->spread[w->nspread++];
		sp->max_skew = cJSON_IsNumber(ms) && ms->valueint > 0 ? ms->valueint : 1;
		sp->hard = !wu || strcmp(wu, "ScheduleAnyway");
		sp->selector = json_at(c, "labelSelector");
		/* no labelSelector selects nothing: the constraint counts zero */
		sp->none = !sp->selector;
		sp->self = !sp->none && sched_selector_match(sp->selector, w->labels);
	}
	/* upstream's system default constraints (hostname, maxSkew 3,
	 * ScheduleAnyway) over the pods of the same controller, when the
	 * pod names none of its own */
	if (!json_at(spec, "topologySpreadConstraints") && w->owner) {
		w->spread[0] = (struct sched_spread){.max_skew = 3, .self = true};
		w->nspread = 1;
	}
	/* the volumes of bound claims pin the pod to their nodes; a claim not
	 * bound yet (WaitForFirstConsumer) goes where the pod goes */
	cJSON_ArrayForEach(c, json_at(spec, "volumes"))
	{
		const char *claim = json_str(c, "persistentVolumeClaim.claimName"), *vn;
		const cJSON *pvc, *pv, *terms;
		char key[600];

		if (!claim || !s->pvc_inf)
			continue;
		snprintf(key, sizeof(key), "%s/%s", w->ns ? w->ns : "", claim);
		pvc = ctrl_informer_get(s->pvc_inf, key);
		if (!pvc) {
			snprintf(w->missing_claim, sizeof(w->missing_claim),
				 "persistentvolumeclaim \"%.250s\" not found", claim);
			continue;
		}
		vn = json_str(pvc, "spec.volumeName");
		pv = vn && *vn ? ctrl_informer_get(s->pv_inf, vn) : NULL;
		terms = json_at(pv, "spec.nodeAffinity.required.nodeSelectorTerms");
		if (!cJSON_IsArray(terms))
			continue;
		/* past the limit the rest would go unchecked: refuse, loudly */
		if (w->nvol == SCHED_MAX_VOLS) {
			snprintf(w->missing_claim, sizeof(w->missing_claim),
				 "pod has more than %d bound persistentvolumeclaims with node "
				 "affinity (this scheduler's limit)",
				 SCHED_MAX_VOLS);
			break;
		}
		w->vol_terms[w->nvol++] = terms;
	}
	sched_spread_prepare(s, w);
	return 0;
}
