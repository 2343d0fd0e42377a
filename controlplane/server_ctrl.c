/* server_ctrl: which controllers run when (see server_ctrl.h). One table
 * row per controller: its --controllers name, the Lease it runs under
 * (NULL: always) and its start/stop. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "controllers/controllers.h"
#include "log.h"
#include "scheduler/sched.h"
#include "server.h"
#include "server_ctrl.h"

#define SC_CM	 "kube-controller-manager"
#define SC_SCHED "kube-scheduler"

struct server_ctrls {
	struct api *a;
	struct ev_loop *loop;
	const struct server_config *c;
	struct ctrl_leader *lead_cm, *lead_sched;
	struct ctrl_namespace *ns;
	struct ctrl_serviceaccount *sa;
	struct ctrl_rbac_aggregate *agg;
	struct ctrl_nodelifecycle *nlc;
	struct ctrl_endpointslice *eps;
	struct ctrl_endpoints *ep;
	struct ctrl_pv *pv;
	struct ctrl_statefulset *sts;
	struct ctrl_replicaset *rs;
	struct ctrl_deployment *deploy;
	struct ctrl_gc *gc;
	struct ctrl_job *job;
	struct ctrl_servicelb *slb;
	struct sched *sched;
};

static int sc_ns_start(struct server_ctrls *sc)
{
	return ctrl_namespace_start(sc->a, sc->loop, &sc->ns);
}
static void sc_ns_stop(struct server_ctrls *sc)
{
	ctrl_namespace_stop(sc->ns);
	sc->ns = NULL;
}
static int sc_sa_start(struct server_ctrls *sc)
{
	return ctrl_serviceaccount_start(sc->a, sc->loop, &sc->sa);
}
static void sc_sa_stop(struct server_ctrls *sc)
{
	ctrl_serviceaccount_stop(sc->sa);
	sc->sa = NULL;
}
static int sc_agg_start(struct server_ctrls *sc)
{
	return ctrl_rbac_aggregate_start(sc->a, sc->loop, &sc->agg);
}
static void sc_agg_stop(struct server_ctrls *sc)
{
	ctrl_rbac_aggregate_stop(sc->agg);
	sc->agg = NULL;
}
static int sc_nlc_start(struct server_ctrls *sc)
{
	struct ctrl_nodelifecycle_config nc = {.grace = sc->c->node_monitor_grace,
					       .eviction_rate = sc->c->node_eviction_rate};

	return ctrl_nodelifecycle_start(sc->a, sc->loop, &nc, &sc->nlc);
}
static void sc_nlc_stop(struct server_ctrls *sc)
{
	ctrl_nodelifecycle_stop(sc->nlc);
	sc->nlc = NULL;
}
static int sc_eps_start(struct server_ctrls *sc)
{
	return ctrl_endpointslice_start(sc->a, sc->loop, &sc->eps);
}
static void sc_eps_stop(struct server_ctrls *sc)
{
	ctrl_endpointslice_stop(sc->eps);
	sc->eps = NULL;
}
static int sc_ep_start(struct server_ctrls *sc)
{
	return ctrl_endpoints_start(sc->a, sc->loop, &sc->ep);
}
static void sc_ep_stop(struct server_ctrls *sc)
{
	ctrl_endpoints_stop(sc->ep);
	sc->ep = NULL;
}
static int sc_pv_start(struct server_ctrls *sc)
{
	return ctrl_pv_start(sc->a, sc->loop, &sc->pv);
}
static void sc_pv_stop(struct server_ctrls *sc)
{
	ctrl_pv_stop(sc->pv);
	sc->pv = NULL;
}
static int sc_sts_start(struct server_ctrls *sc)
{
	return ctrl_statefulset_start(sc->a, sc->loop, &sc->sts);
}
static void sc_sts_stop(struct server_ctrls *sc)
{
	ctrl_statefulset_stop(sc->sts);
	sc->sts = NULL;
}
static int sc_rs_start(struct server_ctrls *sc)
{
	return ctrl_replicaset_start(sc->a, sc->loop, &sc->rs);
}
static void sc_rs_stop(struct server_ctrls *sc)
{
	ctrl_replicaset_stop(sc->rs);
	sc->rs = NULL;
}
static int sc_deploy_start(struct server_ctrls *sc)
{
	return ctrl_deployment_start(sc->a, sc->loop, &sc->deploy);
}
static void sc_deploy_stop(struct server_ctrls *sc)
{
	ctrl_deployment_stop(sc->deploy);
	sc->deploy = NULL;
}
static int sc_gc_start(struct server_ctrls *sc)
{
	return ctrl_gc_start(sc->a, sc->loop, &sc->gc);
}
static void sc_gc_stop(struct server_ctrls *sc)
{
	ctrl_gc_stop(sc->gc);
	sc->gc = NULL;
}
static int sc_job_start(struct server_ctrls *sc)
{
	return ctrl_job_start(sc->a, sc->loop, &sc->job);
}
static void sc_job_stop(struct server_ctrls *sc)
{
	ctrl_job_stop(sc->job);
	sc->job = NULL;
}
/* Without --loadbalancer-ip-range there is nothing to hand out: LoadBalancers
 * stay <pending>, as upstream's without a cloud provider. */
static int sc_slb_start(struct server_ctrls *sc)
{
	if (!sc->c->lb_ip_range)
		return 0;
	return ctrl_servicelb_start(sc->a, sc->loop, sc->c->lb_ip_range, &sc->slb);
}
static void sc_slb_stop(struct server_ctrls *sc)
{
	ctrl_servicelb_stop(sc->slb);
	sc->slb = NULL;
}
static int sc_sched_start(struct server_ctrls *sc)
{
	return sched_start(sc->a, sc->loop, &sc->sched);
}
static void sc_sched_stop(struct server_ctrls *sc)
{
	sched_stop(sc->sched);
	sc->sched = NULL;
}

static const struct sc_row {
	const char *name;  /* as --controllers spells it */
	const char *lease; /* run while leading it; NULL: on every server */
	int (*start)(struct server_ctrls *sc);
	void (*stop)(struct server_ctrls *sc);
} sc_rows[] = {
    {"namespace", NULL, sc_ns_start, sc_ns_stop},
    {"serviceaccount", NULL, sc_sa_start, sc_sa_stop},
    {"clusterrole-aggregation", NULL, sc_agg_start, sc_agg_stop},
    {"nodelifecycle", SC_CM, sc_nlc_start, sc_nlc_stop},
    {"endpointslice", SC_CM, sc_eps_start, sc_eps_stop},
    {"endpoints", SC_CM, sc_ep_start, sc_ep_stop},
    {"persistentvolume-binder", SC_CM, sc_pv_start, sc_pv_stop},
    {"statefulset", SC_CM, sc_sts_start, sc_sts_stop},
    {"replicaset", SC_CM, sc_rs_start, sc_rs_stop},
    {"deployment", SC_CM, sc_deploy_start, sc_deploy_stop},
    {"garbagecollector", SC_CM, sc_gc_start, sc_gc_stop},
    {"job", SC_CM, sc_job_start, sc_job_stop},
    {"service-lb-controller", SC_CM, sc_slb_start, sc_slb_stop},
    {"scheduler", SC_SCHED, sc_sched_start, sc_sched_stop},
};
#define SC_N (sizeof(sc_rows) / sizeof(sc_rows[0]))

static bool sc_same(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

/* Stop the rows of lease (NULL: the always-on ones), last first. */
static void sc_stop_rows(struct server_ctrls *sc, const char *lease)
{
	for (size_t i = SC_N; i-- > 0;) {
		const struct sc_row *r = &sc_rows[i];

		if (sc_same(r->lease, lease) && ctrl_enabled(r->name))
			r->stop(sc);
	}
}

static int sc_start_rows(struct server_ctrls *sc, const char *lease)
{
	for (size_t i = 0; i < SC_N; i++) {
		const struct sc_row *r = &sc_rows[i];
		int err;

		if (!sc_same(r->lease, lease) || !ctrl_enabled(r->name))
			continue;
		err = r->start(sc);
		if (err) {
			pr_err("controller %s: cannot start: %s", r->name, strerror(-err));
			sc_stop_rows(sc, lease);
			return err;
		}
	}
	return 0;
}

static void sc_cm_lead(void *ud)
{
	sc_start_rows(ud, SC_CM);
}
static void sc_cm_lost(void *ud)
{
	sc_stop_rows(ud, SC_CM);
}
static void sc_sched_lead(void *ud)
{
	sc_start_rows(ud, SC_SCHED);
}
static void sc_sched_lost(void *ud)
{
	sc_stop_rows(ud, SC_SCHED);
}

/* Does any enabled row run under lease? (No Lease is taken for none.) */
static bool sc_wanted(const char *lease)
{
	for (size_t i = 0; i < SC_N; i++)
		if (sc_same(sc_rows[i].lease, lease) && ctrl_enabled(sc_rows[i].name))
			return true;
	return false;
}

int server_ctrls_start(struct api *a, struct ev_loop *loop, const struct server_config *c,
		       struct server_ctrls **out)
{
	struct server_ctrls *sc = calloc(1, sizeof(*sc));
	int err;

	if (!sc)
		return -ENOMEM;
	sc->a = a;
	sc->loop = loop;
	sc->c = c;
	err = sc_start_rows(sc, NULL);
	if (err) {
		free(sc);
		return err;
	}
	if (sc_wanted(SC_CM))
		err = ctrl_leader_start(a, loop, SC_CM, sc_cm_lead, sc_cm_lost, sc, &sc->lead_cm);
	if (!err && sc_wanted(SC_SCHED))
		err = ctrl_leader_start(a, loop, SC_SCHED, sc_sched_lead, sc_sched_lost, sc,
					&sc->lead_sched);
	if (err) {
		server_ctrls_stop(sc);
		return err;
	}
	*out = sc;
	return 0;
}

void server_ctrls_stop(struct server_ctrls *sc)
{
	if (!sc)
		return;
	if (ctrl_leader_leading(sc->lead_sched))
		sc_stop_rows(sc, SC_SCHED);
	if (ctrl_leader_leading(sc->lead_cm))
		sc_stop_rows(sc, SC_CM);
	ctrl_leader_stop(sc->lead_sched);
	ctrl_leader_stop(sc->lead_cm);
	sc_stop_rows(sc, NULL);
	free(sc);
}

size_t server_ctrls_metrics(const struct server_ctrls *sc, char *buf, size_t len)
{
	return sc && sc->sched ? sched_metrics(sc->sched, buf, len) : 0;
}
