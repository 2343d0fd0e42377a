/* ctrl_serviceaccount: kube-controller-manager's serviceaccounts
 * controller. Every namespace that is not being deleted has a `default`
 * ServiceAccount: it is created when the namespace is (and, at start, in
 * every namespace that lacks one), and created again when it is deleted.
 * Pods name it when they name no other. Namespaces are queued by name;
 * the sync reads both caches and creates through the API pipeline. */
#include <errno.h>
#include <ev.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "apiserver/api.h"
#include "controllers.h"
#include "log.h"

#define CSA_NAME "default"
/* Every namespace is looked at again this often, so a `default` whose
 * creation was rolled back by a failed commit (no event follows) is made. */
#define CSA_RESYNC 30.0

struct ctrl_serviceaccount {
	struct api *a;
	struct ctrl_informer *ns_inf, *sa_inf;
	struct ctrl_queue *q;
};

static bool csa_wanted(const cJSON *ns)
{
	return ns && !json_at(ns, "metadata.deletionTimestamp");
}

static void csa_ns_upsert(void *ud, const char *key, const cJSON *obj, const cJSON *old)
{
	struct ctrl_serviceaccount *c = ud;

	if (csa_wanted(obj))
		ctrl_queue_add(c->q, key);
}

static const struct informer_ops csa_ns_ops = {.upsert = csa_ns_upsert};

/* A deleted `default` ("ns/default") queues its namespace. */
static void csa_sa_remove(void *ud, const char *key, const cJSON *old)
{
	struct ctrl_serviceaccount *c = ud;
	const char *slash = strchr(key, '/');
	char ns[254];

	if (!slash || strcmp(slash + 1, CSA_NAME) || (size_t)(slash - key) >= sizeof(ns))
		return;
	memcpy(ns, key, (size_t)(slash - key));
	ns[slash - key] = 0;
	ctrl_queue_add(c->q, ns);
}

static const struct informer_ops csa_sa_ops = {.remove = csa_sa_remove};

static int csa_sync(void *ud, const char *ns)
{
	struct ctrl_serviceaccount *c = ud;
	const struct res_type *rt = res_lookup("", "v1", "serviceaccounts");
	char key[300], msg[512];
	cJSON *sa;
	int code = 0, err;

	if (!csa_wanted(ctrl_informer_get(c->ns_inf, ns)))
		return 0;
	snprintf(key, sizeof(key), "%s/%s", ns, CSA_NAME);
	if (ctrl_informer_get(c->sa_inf, key))
		return 0;
	sa = cJSON_CreateObject();
	if (!sa)
		return -ENOMEM;
	cJSON_AddStringToObject(sa, "kind", rt->kind);
	cJSON_AddStringToObject(sa, "apiVersion", rt->api_version);
	cJSON_AddStringToObject(cJSON_AddObjectToObject(sa, "metadata"), "name", CSA_NAME);
	err = api_store_create(c->a, rt, ns, sa, &code, msg, sizeof(msg));
	cJSON_Delete(sa);
	/* -EEXIST: made by a client, or by us before its event came back */
	if (err == -EEXIST)
		return 0;
	if (err) {
		pr_err("serviceaccount %s/%s: cannot create: %s", ns, CSA_NAME, msg);
		return err;
	}
	pr_debug("serviceaccount %s/%s created", ns, CSA_NAME);
	return 0;
}

static void csa_after(void *ud)
{
	struct ctrl_serviceaccount *c = ud;

	api_commit(c->a);
}

int ctrl_serviceaccount_start(struct api *a, struct ev_loop *loop, struct ctrl_serviceaccount **out)
{
	struct ctrl_serviceaccount *c = calloc(1, sizeof(*c));
	int err = -ENOMEM;

	if (!c)
		return -ENOMEM;
	c->a = a;
	c->q = ctrl_queue_new(loop, csa_sync, csa_after, c);
	c->sa_inf = ctrl_informer_new(a->store, "/registry/serviceaccounts/", &csa_sa_ops, c);
	c->ns_inf = ctrl_informer_new(a->store, "/registry/namespaces/", &csa_ns_ops, c);
	if (!c->q || !c->sa_inf || !c->ns_inf)
		goto err;
	/* accounts first: the namespaces' initial list queues each one, and
	 * the sync must see which already have their `default` */
	err = ctrl_informer_start(c->sa_inf);
	if (!err)
		err = ctrl_informer_start(c->ns_inf);
	if (err)
		goto err;
	ctrl_queue_resync(c->q, c->ns_inf, CSA_RESYNC, csa_wanted);
	*out = c;
	return 0;
err:
	ctrl_informer_free(c->ns_inf);
	ctrl_informer_free(c->sa_inf);
	ctrl_queue_free(c->q);
	free(c);
	return err;
}

void ctrl_serviceaccount_stop(struct ctrl_serviceaccount *c)
{
	if (!c)
		return;
	ctrl_informer_free(c->ns_inf);
	ctrl_informer_free(c->sa_inf);
	ctrl_queue_free(c->q);
	free(c);
}
