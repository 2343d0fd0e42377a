/* ctrl_statefulset_rev: a StatefulSet's ControllerRevisions (upstream's
 * history package as the StatefulSet controller uses it). A revision
 * stores the pod template as a strategic-merge patch that replaces the
 * template ({"spec":{"template":{...,"$patch":"replace"}}}), is named
 * <set>-<hash> (the FNV-32a of that data, spelled with
 * rand.SafeEncodeString's alphabet), labelled with the template's labels
 * and controller.kubernetes.io/hash, and owned by the set; its revision
 * number orders the history. Going back to an older template renumbers its
 * revision as the newest, as upstream does. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "apiserver/api.h"
#include "ctrl_statefulset.h"
#include "log.h"

#define CSS_HASH_LABEL "controller.kubernetes.io/hash"

/* rand.SafeEncodeString over the decimal FNV-32a of s. */
static void css_hash(const char *s, char *out, size_t len)
{
	static const char alphabet[] = "bcdfghjklmnpqrstvwxz2456789";
	uint32_t h = 2166136261u;
	char dec[16];
	size_t i;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 16777619u;
	}
	snprintf(dec, sizeof(dec), "%u", h);
	for (i = 0; dec[i] && i + 1 < len; i++)
		out[i] = alphabet[(unsigned char)dec[i] % (sizeof(alphabet) - 1)];
	out[i] = 0;
}

/* The revision data of the set's template. */
static cJSON *css_rev_data(const cJSON *set)
{
	cJSON *data = cJSON_CreateObject(), *tmpl;

	tmpl = cJSON_Duplicate(json_at(set, "spec.template"), true);
	if (!data || !tmpl) {
		cJSON_Delete(data);
		cJSON_Delete(tmpl);
		return NULL;
	}
	cJSON_AddStringToObject(tmpl, "$patch", "replace");
	cJSON_AddItemToObject(cJSON_AddObjectToObject(data, "spec"), "template", tmpl);
	return data;
}

cJSON *css_rev_template(const cJSON *rev)
{
	cJSON *t = cJSON_Duplicate(json_at(rev, "data.spec.template"), true);

	cJSON_DeleteItemFromObjectCaseSensitive(t, "$patch");
	return t;
}

bool css_owned_by(const cJSON *obj, const char *uid)
{
	const cJSON *r;

	cJSON_ArrayForEach(r, json_at(obj, "metadata.ownerReferences"))
	{
		const char *ruid = json_str(r, "uid");

		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "controller")) && ruid &&
		    !strcmp(ruid, uid))
			return true;
	}
	return false;
}

cJSON *css_owner_ref(const cJSON *set)
{
	cJSON *refs = cJSON_CreateArray(), *r = cJSON_CreateObject();

	cJSON_AddStringToObject(r, "apiVersion", "apps/v1");
	cJSON_AddStringToObject(r, "kind", "StatefulSet");
	cJSON_AddStringToObject(r, "name", json_str(set, "metadata.name") ?: "");
	cJSON_AddStringToObject(r, "uid", json_str(set, "metadata.uid") ?: "");
	cJSON_AddBoolToObject(r, "controller", true);
	cJSON_AddBoolToObject(r, "blockOwnerDeletion", true);
	cJSON_AddItemToArray(refs, r);
	return refs;
}

struct css_revs_scan {
	const char *ns, *uid;
	const cJSON **revs;
	int n, cap;
};

static void css_revs_cb(void *ud, const char *key, const cJSON *rev)
{
	struct css_revs_scan *s = ud;

	if (strcmp(json_str(rev, "metadata.namespace") ?: "", s->ns) || !css_owned_by(rev, s->uid))
		return;
	if (s->n == s->cap) {
		int cap = s->cap ? s->cap * 2 : 16;
		const cJSON **g = realloc(s->revs, (size_t)cap * sizeof(*g));

		if (!g)
			return;
		s->revs = g;
		s->cap = cap;
	}
	s->revs[s->n++] = rev;
}

static double css_revno(const cJSON *rev)
{
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(rev, "revision");

	return cJSON_IsNumber(n) ? n->valuedouble : 0;
}

static int css_rev_cmp(const void *a, const void *b)
{
	double x = css_revno(*(const cJSON *const *)a), y = css_revno(*(const cJSON *const *)b);

	return x < y ? -1 : x > y;
}

int css_revisions(struct ctrl_statefulset *c, const cJSON *set, const cJSON ***out)
{
	struct css_revs_scan s = {.ns = json_str(set, "metadata.namespace") ?: "",
				  .uid = json_str(set, "metadata.uid") ?: ""};

	ctrl_informer_foreach(c->revs, css_revs_cb, &s);
	if (s.n)
		qsort(s.revs, (size_t)s.n, sizeof(*s.revs), css_rev_cmp);
	*out = s.revs;
	return s.n;
}

int css_update_revision(struct ctrl_statefulset *c, const cJSON *set, char *name, size_t len,
			const cJSON **found)
{
	const char *ns = json_str(set, "metadata.namespace") ?: "";
	const cJSON **revs = NULL, *same = NULL, *lbl, *l;
	cJSON *data = css_rev_data(set), *rev = NULL, *labels;
	char hash[16], *text, msg[512];
	double max = 0;
	int n, code = 0, err = 0;

	if (!data)
		return -ENOMEM;
	text = cJSON_PrintUnformatted(data);
	if (!text) {
		cJSON_Delete(data);
		return -ENOMEM;
	}
	css_hash(text, hash, sizeof(hash));
	free(text);
	snprintf(name, len, "%s-%s", json_str(set, "metadata.name") ?: "", hash);
	n = css_revisions(c, set, &revs);
	for (int i = 0; i < n; i++) {
		if (css_revno(revs[i]) > max)
			max = css_revno(revs[i]);
		if (!strcmp(json_str(revs[i], "metadata.name") ?: "", name))
			same = revs[i];
	}
	*found = same;
	if (same) {
		cJSON_Delete(data);
		free(revs);
		if (css_revno(same) >= max)
			return 0;
		/* back to an older template: it becomes the newest revision */
		rev = cJSON_Duplicate(same, true);
		if (!rev)
			return -ENOMEM;
		cJSON_ReplaceItemInObjectCaseSensitive(rev, "revision",
						       cJSON_CreateNumber(max + 1));
		if (api_store_update(c->a, c->rev_rt, ns, "", rev, 0, &code, msg, sizeof(msg)) < 0)
			pr_warn("statefulset %s/%s: revision %s: %s", ns,
				json_str(set, "metadata.name"), name, msg);
		cJSON_Delete(rev);
		return 0;
	}
	free(revs);
	rev = cJSON_CreateObject();
	if (!rev) {
		cJSON_Delete(data);
		return -ENOMEM;
	}
	cJSON_AddStringToObject(rev, "apiVersion", "apps/v1");
	cJSON_AddStringToObject(rev, "kind", "ControllerRevision");
	{
		cJSON *md = cJSON_AddObjectToObject(rev, "metadata");

		cJSON_AddStringToObject(md, "name", name);
		cJSON_AddStringToObject(md, "namespace", ns);
		labels = cJSON_AddObjectToObject(md, "labels");
		lbl = json_at(set, "spec.template.metadata.labels");
		cJSON_ArrayForEach(l, lbl)
		{
			if (cJSON_IsString(l))
				cJSON_AddStringToObject(labels, l->string, l->valuestring);
		}
		cJSON_AddStringToObject(labels, CSS_HASH_LABEL, hash);
		cJSON_AddItemToObject(md, "ownerReferences", css_owner_ref(set));
	}
	cJSON_AddItemToObject(rev, "data", data);
	cJSON_AddNumberToObject(rev, "revision", max + 1);
	err = api_store_create(c->a, c->rev_rt, ns, rev, &code, msg, sizeof(msg));
	cJSON_Delete(rev);
	if (err == -EEXIST)
		return 0; /* made by us before its event came back */
	if (err)
		pr_warn("statefulset %s/%s: cannot create revision %s: %s", ns,
			json_str(set, "metadata.name"), name, msg);
	return err;
}

void css_truncate_history(struct ctrl_statefulset *c, const cJSON *set, const char *current,
			  const char *update, bool (*in_use)(void *ud, const char *rev), void *ud)
{
	const char *ns = json_str(set, "metadata.namespace") ?: "";
	const cJSON **revs = NULL;
	long long limit = 10;
	int n = css_revisions(c, set, &revs), dead = 0;
	const cJSON *lim = json_at(set, "spec.revisionHistoryLimit");

	if (cJSON_IsNumber(lim))
		limit = (long long)lim->valuedouble;
	for (int i = 0; i < n; i++) {
		const char *rn = json_str(revs[i], "metadata.name") ?: "";

		if (strcmp(rn, current) && strcmp(rn, update) && !in_use(ud, rn))
			dead++;
	}
	/* the oldest of the revisions no pod uses go first */
	for (int i = 0; i < n && dead > limit; i++) {
		const char *rn = json_str(revs[i], "metadata.name") ?: "";

		if (!strcmp(rn, current) || !strcmp(rn, update) || in_use(ud, rn))
			continue;
		if (api_store_delete(c->a, c->rev_rt, ns, rn, false) >= 0)
			pr_debug("statefulset %s/%s: revision %s removed", ns,
				 json_str(set, "metadata.name"), rn);
		dead--;
	}
	free(revs);
}
