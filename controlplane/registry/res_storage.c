/* res_storage: PersistentVolume and PersistentVolumeClaim (core v1) and
 * StorageClass (storage.k8s.io/v1): defaults (core v1 defaults.go,
 * storage v1 defaults.go), the validation of upstream's
 * ValidatePersistentVolume, ValidatePersistentVolumeClaim and
 * ValidateStorageClass (their everyday rules, upstream's messages), and the
 * Table rows of printers.go. Binding and provisioning are the
 * persistentvolume-binder controller's (controllers/ctrl_pv.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "jcmp.h"
#include "res_util.h"

static const char *const sto_access_modes[] = {"ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce",
					       "ReadWriteOncePod", NULL};
static const char *const sto_volume_modes[] = {"Block", "Filesystem", NULL};

static bool sto_in(const char *s, const char *const *set)
{
	for (; *set; set++)
		if (!strcmp(s, *set))
			return true;
	return false;
}

/* A string field with a closed set of values: NotSupported otherwise. */
static void sto_check_enum(const cJSON *o, const char *key, const char *path,
			   const char *const *set, struct verrs *e)
{
	const cJSON *v = res_typed(o, key, path, RES_STR, e);
	char q[RES_VAL];

	if (v && !sto_in(v->valuestring, set)) {
		res_goquote(v->valuestring, q, sizeof(q));
		verrs_not_supported(e, path, q, set);
	}
}

/* accessModes: at least one (detail differs: PV "", PVC a sentence), each
 * supported; ReadWriteOncePod alone. */
static void sto_check_access_modes(const cJSON *spec, const char *required_detail, struct verrs *e)
{
	const cJSON *am = res_typed(spec, "accessModes", "spec.accessModes", RES_ARR, e), *m;
	bool rwop = false;
	int n = 0;
	char q[RES_VAL];

	cJSON_ArrayForEach(m, RES_ARR(am))
	{
		n++;
		if (!cJSON_IsString(m))
			continue;
		if (!strcmp(m->valuestring, "ReadWriteOncePod"))
			rwop = true;
		if (!sto_in(m->valuestring, sto_access_modes)) {
			res_goquote(m->valuestring, q, sizeof(q));
			verrs_not_supported(e, "spec.accessModes", q, sto_access_modes);
		}
	}
	if (!n)
		verrs_required(e, "spec.accessModes", required_detail);
	if (rwop && n > 1)
		verrs_forbidden(e, "spec.accessModes",
				"may not use ReadWriteOncePod with other access modes");
}

/* ValidateStorageClassName (spec.storageClassName): a DNS subdomain. */
static void sto_check_class_name(const cJSON *spec, struct verrs *e)
{
	const cJSON *sc = res_typed(spec, "storageClassName", "spec.storageClassName", RES_STR, e);

	if (sc && sc->valuestring[0])
		res_check_name(e, "spec.storageClassName", sc->valuestring, RES_DNS1123_SUBDOMAIN);
}

/* A storage quantity under a ResourceList: valid and not negative. */
static void sto_check_storage(const cJSON *list, const char *path, struct verrs *e)
{
	const cJSON *st = res_get(list, "storage");
	char f[RES_PATH];
	double v = 0;

	res_pathf(f, "%s[storage]", path);
	if (!res_check_quantity(e, f, st))
		return;
	if (cJSON_IsString(st))
		res_quantity(st->valuestring, &v);
	else
		v = st->valuedouble;
	if (v < 0)
		verrs_add(e, "FieldValueInvalid", f,
			  "Invalid value: \"%s\": must be greater than or equal to 0",
			  cJSON_IsString(st) ? st->valuestring : "0");
}

/* ======================================================== PersistentVolume */

/* The sources of the PV schema (types_storage.c): exactly one. */
static const char *const pv_sources[] = {"gcePersistentDisk",
					 "awsElasticBlockStore",
					 "hostPath",
					 "nfs",
					 "fc",
					 "flocker",
					 "vsphereVolume",
					 "quobyte",
					 "azureDisk",
					 "photonPersistentDisk",
					 "portworxVolume",
					 "local",
					 NULL};

static void pv_defaults(cJSON *obj)
{
	cJSON *spec = res_obj_child(obj, "spec"), *status = res_obj_child(obj, "status");

	if (spec) {
		res_default_str(spec, "persistentVolumeReclaimPolicy", "Retain");
		res_default_str(spec, "volumeMode", "Filesystem");
	}
	if (status)
		res_default_str(status, "phase", "Pending");
}

static void pv_validate_source(const cJSON *spec, struct verrs *e)
{
	const char *first = NULL;
	char f[RES_PATH];

	for (int i = 0; pv_sources[i]; i++) {
		const cJSON *src = res_get(spec, pv_sources[i]);

		if (!src)
			continue;
		if (first) {
			res_pathf(f, "spec.%s", pv_sources[i]);
			verrs_forbidden(e, f, "may not specify more than 1 volume type");
			continue;
		}
		first = pv_sources[i];
	}
	if (!first) {
		verrs_required(e, "spec", "must specify a volume type");
		return;
	}
	if (!strcmp(first, "hostPath") || !strcmp(first, "local")) {
		const cJSON *src = res_get(spec, first), *p;

		res_pathf(f, "spec.%s.path", first);
		p = res_typed(src, "path", f, RES_STR, e);
		if (!p || !p->valuestring[0])
			verrs_required(e, f, "");
		else if (strstr(p->valuestring, ".."))
			verrs_invalid(e, f, "\"..\"", "must not contain '..'");
	}
	if (!strcmp(first, "local") && !json_at(spec, "nodeAffinity"))
		verrs_required(e, "spec.nodeAffinity", "Local volume requires node affinity");
}

static void pv_validate(const cJSON *obj, const cJSON *old, struct verrs *e)
{
	const cJSON *spec, *cap;
	static const char *const policies[] = {"Delete", "Recycle", "Retain", NULL};

	res_validate_meta(obj, old, RES_DNS1123_SUBDOMAIN, e);
	spec = res_typed(obj, "spec", "spec", RES_OBJ, e);
	sto_check_access_modes(spec, "", e);
	cap = res_typed(spec, "capacity", "spec.capacity", RES_OBJ, e);
	if (!cJSON_GetArraySize(cap)) {
		verrs_required(e, "spec.capacity", "");
	} else if (!res_get(cap, "storage") || cJSON_GetArraySize(cap) > 1) {
		char m[RES_VAL];

		res_gomap(cap, m, sizeof(m));
		verrs_not_supported(e, "spec.capacity", m, (const char *const[]){"storage", NULL});
	} else {
		sto_check_storage(cap, "spec.capacity", e);
	}
	sto_check_enum(spec, "persistentVolumeReclaimPolicy", "spec.persistentVolumeReclaimPolicy",
		       policies, e);
	sto_check_enum(spec, "volumeMode", "spec.volumeMode", sto_volume_modes, e);
	sto_check_class_name(spec, e);
	pv_validate_source(spec, e);
	if (old) {
		/* ValidatePersistentVolumeUpdate: the source is fixed once made */
		const cJSON *ospec = res_get(old, "spec");

		for (int i = 0; pv_sources[i]; i++) {
			if (jcmp_equal(res_get(spec, pv_sources[i]),
				       res_get(ospec, pv_sources[i])) > 0)
				continue;
			verrs_forbidden(e, "spec.persistentvolumesource",
					"spec.persistentvolumesource is immutable after creation");
			break;
		}
	}
}

/* accessModes as kubectl prints them: RWO,ROX,RWX,RWOP in that order. */
static void sto_cell_modes(cJSON *cells, const cJSON *modes)
{
	static const struct {
		const char *mode, *abbr;
	} order[] = {{"ReadWriteOnce", "RWO"},
		     {"ReadOnlyMany", "ROX"},
		     {"ReadWriteMany", "RWX"},
		     {"ReadWriteOncePod", "RWOP"}};
	char buf[32] = "";
	size_t off = 0;

	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		const cJSON *m;

		cJSON_ArrayForEach(m, RES_ARR(modes))
		{
			if (!cJSON_IsString(m) || strcmp(m->valuestring, order[i].mode))
				continue;
			off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s%s",
						off ? "," : "", order[i].abbr);
			break;
		}
	}
	res_cell_str(cells, buf);
}

static void sto_cell_storage(cJSON *cells, const cJSON *list)
{
	const cJSON *st = res_get(list, "storage");
	char buf[64];

	if (cJSON_IsNumber(st))
		snprintf(buf, sizeof(buf), "%g", st->valuedouble);
	else
		snprintf(buf, sizeof(buf), "%s", cJSON_IsString(st) ? st->valuestring : "");
	res_cell_str(cells, buf);
}

/* GetPersistentVolumeClass / GetPersistentVolumeClaimClass: the field, or
 * the beta annotation older objects carry. */
static const char *sto_class_of(const cJSON *obj)
{
	const char *sc = json_str(obj, "spec.storageClassName");
	const cJSON *ann = json_at(obj, "metadata.annotations");
	const cJSON *beta = res_get(ann, "volume.beta.kubernetes.io/storage-class");

	if (cJSON_IsString(beta))
		return beta->valuestring;
	return sc ? sc : "";
}

static const struct res_col pv_cols[] = {
    {"Name", "string", "name", 0, RES_DESC_NAME},
    {"Capacity", "string", "", 0,
     "capacity is the description of the persistent volume's "
     "resources and capacity."},
    {"Access Modes", "string", "", 0, "accessModes contains all ways the volume can be mounted."},
    {"Reclaim Policy", "string", "", 0,
     "persistentVolumeReclaimPolicy defines what happens to a persistent volume when released "
     "from its claim."},
    {"Status", "string", "", 0,
     "phase indicates if a volume is available, bound to a claim, "
     "or released by a claim."},
    {"Claim", "string", "", 0,
     "claimRef is part of a bi-directional binding between "
     "PersistentVolume and PersistentVolumeClaim."},
    {"StorageClass", "string", "", 0, "StorageClass of the pv"},
    {"VolumeAttributesClass", "string", "", 0, "VolumeAttributesClass of the pv"},
    {"Reason", "string", "", 0,
     "reason is a brief CamelCase string that describes any "
     "failure and is meant for machine parsing and tidy display in "
     "the CLI."},
    {"Age", "string", "", 0, RES_DESC_AGE},
    {"VolumeMode", "string", "", 1,
     "volumeMode defines if a volume is intended to be used "
     "with a formatted filesystem or to remain in raw block "
     "state."},
};

#define STO_NCOLS(c) ((int)(sizeof(c) / sizeof((c)[0])))

static cJSON *pv_table_columns(void)
{
	return res_columns(pv_cols, STO_NCOLS(pv_cols));
}

static void sto_cell_or(cJSON *cells, const char *s, const char *dflt)
{
	res_cell_str(cells, s && *s ? s : dflt);
}

static cJSON *pv_table_cells(const cJSON *obj, time_t now)
{
	cJSON *cells = cJSON_CreateArray();
	const cJSON *ref = json_at(obj, "spec.claimRef");
	char claim[600] = "";

	if (ref)
		snprintf(claim, sizeof(claim), "%s/%s", json_str(ref, "namespace") ?: "",
			 json_str(ref, "name") ?: "");
	res_cell_str(cells, json_str(obj, "metadata.name"));
	sto_cell_storage(cells, json_at(obj, "spec.capacity"));
	sto_cell_modes(cells, json_at(obj, "spec.accessModes"));
	res_cell_str(cells, json_str(obj, "spec.persistentVolumeReclaimPolicy") ?: "");
	res_cell_str(cells, json_str(obj, "status.phase") ?: "");
	res_cell_str(cells, claim);
	res_cell_str(cells, sto_class_of(obj));
	sto_cell_or(cells, json_str(obj, "spec.volumeAttributesClassName"), "<unset>");
	res_cell_str(cells, json_str(obj, "status.reason") ?: "");
	res_cell_age(cells, obj, now);
	sto_cell_or(cells, json_str(obj, "spec.volumeMode"), "<unset>");
	return cells;
}

const struct res_type res_persistentvolumes = {
    .plural = "persistentvolumes",
    .singular = "persistentvolume",
    .kind = "PersistentVolume",
    .list_kind = "PersistentVolumeList",
    .group = "",
    .version = "v1",
    .api_version = "v1",
    .short_names = {"pv", NULL},
    .has_status = true,
    .unconditional_update = true,
    .defaults = pv_defaults,
    .validate = pv_validate,
    .table_columns = pv_table_columns,
    .table_cells = pv_table_cells,
};

/* =================================================== PersistentVolumeClaim */

static void pvc_defaults(cJSON *obj)
{
	cJSON *spec = res_obj_child(obj, "spec"), *status = res_obj_child(obj, "status");

	if (spec)
		res_default_str(spec, "volumeMode", "Filesystem");
	if (status)
		res_default_str(status, "phase", "Pending");
}

/* ValidatePersistentVolumeClaimSpec's everyday rules (also used for a
 * StatefulSet's volumeClaimTemplates by the controller's created claims). */
static void pvc_validate_spec(const cJSON *spec, struct verrs *e)
{
	const cJSON *req;

	sto_check_access_modes(spec, "at least 1 access mode is required", e);
	req = json_at(spec, "resources.requests");
	if (!res_get(req, "storage"))
		verrs_required(e, "spec.resources[storage]", "");
	else
		sto_check_storage(req, "spec.resources.requests", e);
	sto_check_enum(spec, "volumeMode", "spec.volumeMode", sto_volume_modes, e);
	sto_check_class_name(spec, e);
}

/* ValidatePersistentVolumeClaimUpdate: the spec is fixed but for the
 * requests; volumeName may be set once (the binder binds through it) and
 * a missing storageClassName filled in (retroactive default class). */
static void pvc_validate_update(const cJSON *obj, const cJSON *old, struct verrs *e)
{
	cJSON *a = cJSON_Duplicate(res_get(obj, "spec"), true);
	cJSON *b = cJSON_Duplicate(res_get(old, "spec"), true);
	static const char *const free_once[] = {"volumeName", "storageClassName"};

	if (!a || !b)
		goto out;
	cJSON_DeleteItemFromObjectCaseSensitive(a, "resources");
	cJSON_DeleteItemFromObjectCaseSensitive(b, "resources");
	cJSON_DeleteItemFromObjectCaseSensitive(a, "volumeAttributesClassName");
	cJSON_DeleteItemFromObjectCaseSensitive(b, "volumeAttributesClassName");
	for (size_t i = 0; i < sizeof(free_once) / sizeof(free_once[0]); i++) {
		const cJSON *ov = res_get(b, free_once[i]);

		if (!ov || (cJSON_IsString(ov) && !ov->valuestring[0])) {
			cJSON_DeleteItemFromObjectCaseSensitive(a, free_once[i]);
			cJSON_DeleteItemFromObjectCaseSensitive(b, free_once[i]);
		}
	}
	if (jcmp_equal(a, b) <= 0)
		verrs_forbidden(e, "spec",
				"spec is immutable after creation except resources.requests and "
				"volumeAttributesClassName for bound claims");
out:
	cJSON_Delete(a);
	cJSON_Delete(b);
}

static void pvc_validate(const cJSON *obj, const cJSON *old, struct verrs *e)
{
	const cJSON *spec;

	res_validate_meta(obj, old, RES_DNS1123_SUBDOMAIN, e);
	spec = res_typed(obj, "spec", "spec", RES_OBJ, e);
	pvc_validate_spec(spec, e);
	if (old)
		pvc_validate_update(obj, old, e);
}

static const struct res_col pvc_cols[] = {
    {"Name", "string", "name", 0, RES_DESC_NAME},
    {"Status", "string", "", 0, "phase represents the current phase of PersistentVolumeClaim."},
    {"Volume", "string", "", 0,
     "volumeName is the binding reference to the PersistentVolume "
     "backing this claim."},
    {"Capacity", "string", "", 0,
     "capacity represents the actual resources of the underlying "
     "volume."},
    {"Access Modes", "string", "", 0,
     "accessModes contains the desired access modes the "
     "volume should have."},
    {"StorageClass", "string", "", 0, "StorageClass of the pvc"},
    {"VolumeAttributesClass", "string", "", 0, "VolumeAttributesClass of the pvc"},
    {"Age", "string", "", 0, RES_DESC_AGE},
    {"VolumeMode", "string", "", 1,
     "volumeMode defines what type of volume is required by "
     "the claim."},
};

static cJSON *pvc_table_columns(void)
{
	return res_columns(pvc_cols, STO_NCOLS(pvc_cols));
}

static cJSON *pvc_table_cells(const cJSON *obj, time_t now)
{
	cJSON *cells = cJSON_CreateArray();
	const char *phase = json_str(obj, "status.phase") ?: "";
	bool bound = !strcmp(phase, "Bound");

	res_cell_str(cells, json_str(obj, "metadata.name"));
	/* printPersistentVolumeClaim: a claim being deleted is Terminating */
	res_cell_str(cells, json_at(obj, "metadata.deletionTimestamp") ? "Terminating" : phase);
	res_cell_str(cells, json_str(obj, "spec.volumeName") ?: "");
	/* capacity and access modes only once bound (the volume's) */
	if (bound) {
		sto_cell_storage(cells, json_at(obj, "status.capacity"));
		sto_cell_modes(cells, json_at(obj, "status.accessModes"));
	} else {
		res_cell_str(cells, "");
		res_cell_str(cells, "");
	}
	res_cell_str(cells, sto_class_of(obj));
	sto_cell_or(cells, json_str(obj, "spec.volumeAttributesClassName"), "<unset>");
	res_cell_age(cells, obj, now);
	sto_cell_or(cells, json_str(obj, "spec.volumeMode"), "<unset>");
	return cells;
}

const struct res_type res_persistentvolumeclaims = {
    .plural = "persistentvolumeclaims",
    .singular = "persistentvolumeclaim",
    .kind = "PersistentVolumeClaim",
    .list_kind = "PersistentVolumeClaimList",
    .group = "",
    .version = "v1",
    .api_version = "v1",
    .namespaced = true,
    .short_names = {"pvc", NULL},
    .has_status = true,
    .unconditional_update = true,
    .defaults = pvc_defaults,
    .validate = pvc_validate,
    .table_columns = pvc_table_columns,
    .table_cells = pvc_table_cells,
};

/* ============================================================ StorageClass */

static void sc_defaults(cJSON *obj)
{
	/* storage v1 SetDefaults_StorageClass */
	res_default_str(obj, "reclaimPolicy", "Delete");
	res_default_str(obj, "volumeBindingMode", "Immediate");
}

static void sc_validate(const cJSON *obj, const cJSON *old, struct verrs *e)
{
	static const char *const policies[] = {"Delete", "Retain", NULL};
	static const char *const modes[] = {"Immediate", "WaitForFirstConsumer", NULL};
	const cJSON *prov;

	res_validate_meta(obj, old, RES_DNS1123_SUBDOMAIN, e);
	prov = res_typed(obj, "provisioner", "provisioner", RES_STR, e);
	if (!prov || !prov->valuestring[0])
		verrs_required(e, "provisioner", "");
	else
		res_check_qualified_name(e, "provisioner", prov->valuestring);
	sto_check_enum(obj, "reclaimPolicy", "reclaimPolicy", policies, e);
	sto_check_enum(obj, "volumeBindingMode", "volumeBindingMode", modes, e);
	res_typed(obj, "parameters", "parameters", RES_STRMAP, e);
	if (!old)
		return;
	/* ValidateStorageClassUpdate */
	if (jcmp_equal(res_get(obj, "parameters"), res_get(old, "parameters")) <= 0)
		verrs_forbidden(e, "parameters", "updates to parameters are forbidden.");
	if (jcmp_equal(prov, res_get(old, "provisioner")) <= 0)
		verrs_forbidden(e, "provisioner", "updates to provisioner are forbidden.");
	if (jcmp_equal(res_get(obj, "reclaimPolicy"), res_get(old, "reclaimPolicy")) <= 0)
		verrs_forbidden(e, "reclaimPolicy", "updates to reclaimPolicy are forbidden.");
	if (jcmp_equal(res_get(obj, "volumeBindingMode"), res_get(old, "volumeBindingMode")) <= 0)
		verrs_invalid(e, "volumeBindingMode", "", "field is immutable");
}

static const struct res_col sc_cols[] = {
    {"Name", "string", "name", 0, RES_DESC_NAME},
    {"Provisioner", "string", "", 0, "provisioner indicates the type of the provisioner."},
    {"ReclaimPolicy", "string", "", 0,
     "reclaimPolicy controls the reclaimPolicy for "
     "dynamically provisioned PersistentVolumes of this "
     "storage class."},
    {"VolumeBindingMode", "string", "", 0,
     "volumeBindingMode indicates how "
     "PersistentVolumeClaims should be provisioned and "
     "bound."},
    {"AllowVolumeExpansion", "string", "", 0,
     "allowVolumeExpansion shows whether the storage "
     "class allow volume expand."},
    {"Age", "string", "", 0, RES_DESC_AGE},
};

static cJSON *sc_table_columns(void)
{
	return res_columns(sc_cols, STO_NCOLS(sc_cols));
}

static cJSON *sc_table_cells(const cJSON *obj, time_t now)
{
	cJSON *cells = cJSON_CreateArray();
	const cJSON *ann = json_at(obj, "metadata.annotations");
	const cJSON *d = res_get(ann, "storageclass.kubernetes.io/is-default-class");
	const cJSON *bd = res_get(ann, "storageclass.beta.kubernetes.io/is-default-class");
	char name[300];

	/* printStorageClass: "<name> (default)" for the default class */
	snprintf(name, sizeof(name), "%s%s", json_str(obj, "metadata.name") ?: "",
		 (cJSON_IsString(d) && !strcmp(d->valuestring, "true")) ||
			 (cJSON_IsString(bd) && !strcmp(bd->valuestring, "true"))
		     ? " (default)"
		     : "");
	res_cell_str(cells, name);
	res_cell_str(cells, json_str(obj, "provisioner") ?: "");
	res_cell_str(cells, json_str(obj, "reclaimPolicy") ?: "Delete");
	res_cell_str(cells, json_str(obj, "volumeBindingMode") ?: "Immediate");
	res_cell_str(cells, cJSON_IsTrue(res_get(obj, "allowVolumeExpansion")) ? "true" : "false");
	res_cell_age(cells, obj, now);
	return cells;
}

const struct res_type res_storageclasses = {
    .plural = "storageclasses",
    .singular = "storageclass",
    .kind = "StorageClass",
    .list_kind = "StorageClassList",
    .group = "storage.k8s.io",
    .version = "v1",
    .api_version = "storage.k8s.io/v1",
    .short_names = {"sc", NULL},
    .unconditional_update = true,
    .defaults = sc_defaults,
    .validate = sc_validate,
    .table_columns = sc_table_columns,
    .table_cells = sc_table_cells,
};
