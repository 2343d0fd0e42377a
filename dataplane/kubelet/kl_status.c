/* kl_status: a pod's status as the kubelet reports it — phase, podIP(s),
 * hostIP, startTime, conditions (PodScheduled, Initialized,
 * ContainersReady, Ready) and containerStatuses (state, lastState, ready,
 * restartCount, started) — written through pods/<name>/status only when it
 * changed, one request at a time per pod (a change meanwhile is sent when
 * the request ends). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "json_path.h"
#include "kclient.h"
#include "kl_pod.h"
#include "log.h"
#include "quantity.h"

static void ks_time(double t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void ks_cond(cJSON *arr, const char *type, bool ok, const char *reason, double since)
{
	cJSON *c = cJSON_CreateObject();
	char t[32];

	ks_time(since, t, sizeof(t));
	cJSON_AddStringToObject(c, "type", type);
	cJSON_AddStringToObject(c, "status", ok ? "True" : "False");
	cJSON_AddNullToObject(c, "lastProbeTime");
	cJSON_AddStringToObject(c, "lastTransitionTime", t);
	if (reason)
		cJSON_AddStringToObject(c, "reason", reason);
	cJSON_AddItemToArray(arr, c);
}

static cJSON *ks_terminated(int code, int sig, const char *reason, double started, double finished,
			    const char *id)
{
	cJSON *t = cJSON_CreateObject();
	char ts[32];

	cJSON_AddNumberToObject(t, "exitCode", code ? code : sig ? 128 + sig : 0);
	if (sig)
		cJSON_AddNumberToObject(t, "signal", sig);
	cJSON_AddStringToObject(t, "reason", reason);
	ks_time(started, ts, sizeof(ts));
	cJSON_AddStringToObject(t, "startedAt", ts);
	ks_time(finished, ts, sizeof(ts));
	cJSON_AddStringToObject(t, "finishedAt", ts);
	cJSON_AddStringToObject(t, "containerID", id);
	return t;
}

static cJSON *ks_ctr_status(const struct kl_pod *p, const struct kl_ctr *c)
{
	cJSON *s = cJSON_CreateObject(), *state = cJSON_CreateObject(), *w;
	const cJSON *spec = NULL, *it;
	char id[200], ts[32];

	cJSON_ArrayForEach(it, json_at(p->obj, "spec.containers"))
	{
		if (json_str(it, "name") && !strcmp(json_str(it, "name"), c->name))
			spec = it;
	}
	snprintf(id, sizeof(id), "runc://%s", c->id);
	cJSON_AddStringToObject(s, "name", c->name);
	switch (c->st) {
	case KL_RUNNING:
		w = cJSON_AddObjectToObject(state, "running");
		ks_time(c->started_at, ts, sizeof(ts));
		cJSON_AddStringToObject(w, "startedAt", ts);
		break;
	case KL_TERMINATED:
		cJSON_AddItemToObject(state, "terminated",
				      ks_terminated(c->exit_code, c->signal, c->reason,
						    c->started_at, c->finished_at, id));
		break;
	default:
		w = cJSON_AddObjectToObject(state, "waiting");
		cJSON_AddStringToObject(w, "reason",
					c->reason[0] ? c->reason : "ContainerCreating");
		if (c->message[0])
			cJSON_AddStringToObject(w, "message", c->message);
	}
	cJSON_AddItemToObject(s, "state", state);
	w = cJSON_AddObjectToObject(s, "lastState");
	if (c->has_last)
		cJSON_AddItemToObject(w, "terminated",
				      ks_terminated(c->last_exit, c->last_signal, c->last_reason,
						    c->last_started, c->last_finished, id));
	cJSON_AddBoolToObject(s, "ready", c->ready && c->st == KL_RUNNING);
	cJSON_AddNumberToObject(s, "restartCount", c->restarts);
	cJSON_AddStringToObject(s, "image", json_str(spec, "image") ?: "");
	cJSON_AddStringToObject(s, "imageID", "");
	if (c->started_once)
		cJSON_AddStringToObject(s, "containerID", id);
	cJSON_AddBoolToObject(s, "started", c->st == KL_RUNNING);
	return s;
}

/* Upstream's GetPodQOS over cpu and memory: no request or limit in any
 * container is BestEffort; a limit on both in every container with the
 * requests (defaulting to the limits) equal to them is Guaranteed. */
static const char *ks_qos(const struct kl_pod *p)
{
	static const char *const kinds[] = {"spec.initContainers", "spec.containers"};
	static const char *const res[] = {"cpu", "memory"};
	bool any = false, guaranteed = true;
	const cJSON *c;

	for (int k = 0; k < 2; k++)
		cJSON_ArrayForEach(c, json_at(p->obj, kinds[k]))
		{
			for (int r = 0; r < 2; r++) {
				const cJSON *lim = json_at(c, "resources.limits");
				const cJSON *req = json_at(c, "resources.requests");
				const char *l = json_str(lim, res[r]), *q = json_str(req, res[r]);
				double lv, qv;

				any |= l || q;
				if (!l || quantity_parse(l, &lv) ||
				    (q && (quantity_parse(q, &qv) || qv != lv)))
					guaranteed = false;
			}
		}
	return !any ? "BestEffort" : guaranteed ? "Guaranteed" : "Burstable";
}

/* Upstream's getPhase: a container waiting to be restarted (it ran before)
 * counts as stopped, not as waiting, so a crash-looping pod stays Running. */
static const char *ks_phase(const struct kl_pod *p)
{
	int running = 0, stopped = 0, succeeded = 0, waiting = 0;
	const char *rp = json_str(p->obj, "spec.restartPolicy") ?: "Always";

	for (int i = 0; i < p->nctrs; i++) {
		const struct kl_ctr *c = &p->ctrs[i];

		if (c->st == KL_RUNNING) {
			running++;
		} else if (c->st == KL_TERMINATED) {
			stopped++;
			succeeded += !c->exit_code && !c->signal;
		} else if (c->has_last) {
			stopped++;
		} else {
			waiting++;
		}
	}
	if (!p->nctrs || !p->sb_up || waiting)
		return "Pending";
	if (running)
		return "Running";
	if (!strcmp(rp, "Always") || (!strcmp(rp, "OnFailure") && stopped != succeeded))
		return "Running"; /* it restarts */
	return stopped == succeeded ? "Succeeded" : "Failed";
}

static cJSON *ks_status(const struct kl_pod *p)
{
	cJSON *st = cJSON_CreateObject(), *conds, *cs, *ips, *ip;
	bool all_ready = p->nctrs > 0, any_running = false;
	char ts[32];

	for (int i = 0; i < p->nctrs; i++) {
		all_ready &= p->ctrs[i].ready && p->ctrs[i].st == KL_RUNNING;
		any_running |= p->ctrs[i].st == KL_RUNNING;
	}
	cJSON_AddStringToObject(st, "phase", ks_phase(p));
	conds = cJSON_AddArrayToObject(st, "conditions");
	ks_cond(conds, "Initialized", true, NULL, p->start_time);
	ks_cond(conds, "Ready", all_ready, all_ready ? NULL : "ContainersNotReady", p->start_time);
	ks_cond(conds, "ContainersReady", all_ready, all_ready ? NULL : "ContainersNotReady",
		p->start_time);
	ks_cond(conds, "PodScheduled", true, NULL, p->start_time);
	if (p->error[0]) {
		cJSON_AddStringToObject(st, "reason", "ContainerCreating");
		cJSON_AddStringToObject(st, "message", p->error);
	}
	cJSON_AddStringToObject(st, "hostIP", p->pp->k->node_ip);
	if (p->sb_up && p->sb.ip[0]) {
		cJSON_AddStringToObject(st, "podIP", p->sb.ip);
		ips = cJSON_AddArrayToObject(st, "podIPs");
		ip = cJSON_CreateObject();
		cJSON_AddStringToObject(ip, "ip", p->sb.ip);
		cJSON_AddItemToArray(ips, ip);
	}
	ks_time(p->start_time, ts, sizeof(ts));
	cJSON_AddStringToObject(st, "startTime", ts);
	cs = cJSON_AddArrayToObject(st, "containerStatuses");
	for (int i = 0; i < p->nctrs; i++)
		cJSON_AddItemToArray(cs, ks_ctr_status(p, &p->ctrs[i]));
	cJSON_AddStringToObject(st, "qosClass", ks_qos(p));
	(void)any_running;
	return st;
}

static void ks_send(struct kl_pod *p);

static void ks_done(void *ud, const struct kresp *r)
{
	struct kl_pod *p = ud;

	p->status_req = NULL;
	if (r->status == 404)
		return; /* the pod is gone: its DELETED event follows */
	if (r->status != 200) {
		pr_warn("kubelet: pod %s: status update failed (%ld): %.200s", p->key, r->status,
			r->status ? r->body : r->err);
		free(p->last_status);
		p->last_status = NULL; /* write it again at the next change */
	}
	if (p->status_dirty)
		ks_send(p);
}

static void ks_send(struct kl_pod *p)
{
	cJSON *patch, *st = ks_status(p);
	char *text = cJSON_PrintUnformatted(st), *body, path[800];

	p->status_dirty = false;
	if (!text) {
		cJSON_Delete(st);
		return;
	}
	if (p->last_status && !strcmp(p->last_status, text)) {
		free(text);
		cJSON_Delete(st);
		return;
	}
	free(p->last_status);
	p->last_status = text;
	patch = cJSON_CreateObject();
	cJSON_AddItemToObject(patch, "status", st);
	body = cJSON_PrintUnformatted(patch);
	cJSON_Delete(patch);
	if (!body)
		return;
	snprintf(path, sizeof(path), "/api/v1/namespaces/%s/pods/%s/status", p->ns, p->name);
	p->status_req = kreq_send(p->pp->k->c, p->pp->k->loop, "PATCH", path,
				  "application/merge-patch+json", body, strlen(body), ks_done, p);
	free(body);
}

void kl_status_update(struct kl_pod *p)
{
	if (p->terminating || p->gone)
		return;
	if (p->status_req) {
		p->status_dirty = true;
		return;
	}
	ks_send(p);
}
