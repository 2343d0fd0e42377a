/* res_node_alloc: a pod CIDR per Node (kube-controller-manager's node IPAM,
 * range allocator), as the Node's allocation hooks: a Node created without
 * spec.podCIDR gets the next free block of --cluster-cidr (a /24), in the
 * same commit as the Node; a block is never handed to another Node while
 * its Node exists; deleting the Node frees it. A podCIDR the client sets
 * must be a free block of the range. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "log.h"
#include "res_util.h"

/* The block index of "10.244.3.0/24" in ra's range, or -1. */
static long node_block(const struct res_alloc *ra, const char *cidr)
{
	char ip[32];
	const char *slash = cidr ? strchr(cidr, '/') : NULL;
	uint32_t a, span;

	if (!ra->pod_cidrs.bits || !slash || (size_t)(slash - cidr) >= sizeof(ip) ||
	    atoi(slash + 1) != ra->pod_block_bits)
		return -1;
	memcpy(ip, cidr, (size_t)(slash - cidr));
	ip[slash - cidr] = 0;
	if (alloc_parse_ip(ip, &a) || a < ra->pod_net)
		return -1;
	span = 1u << (32 - ra->pod_block_bits);
	if ((a - ra->pod_net) % span || (a - ra->pod_net) / span >= ra->pod_cidrs.size)
		return -1;
	return (long)((a - ra->pod_net) / span);
}

static void node_format_block(const struct res_alloc *ra, uint32_t i, char *buf, size_t len)
{
	char ip[32];

	alloc_format_ip(ra->pod_net + (i << (32 - ra->pod_block_bits)), ip, sizeof(ip));
	snprintf(buf, len, "%s/%d", ip, ra->pod_block_bits);
}

static void node_set_cidr(cJSON *node, const char *text)
{
	cJSON *spec = res_obj_child(node, "spec"), *list;
	char cidr[64];

	if (!spec)
		return;
	/* text may be the member res_set is about to free */
	snprintf(cidr, sizeof(cidr), "%s", text);
	res_set(spec, "podCIDR", cJSON_CreateString(cidr));
	list = cJSON_CreateArray();
	cJSON_AddItemToArray(list, cJSON_CreateString(cidr));
	res_set(spec, "podCIDRs", list);
}

int res_node_allocate(struct res_alloc *ra, cJSON *node, const cJSON *old, struct verrs *e)
{
	const char *cidr = json_str(node, "spec.podCIDR");
	const char *had = old ? json_str(old, "spec.podCIDR") : NULL;
	char q[RES_VAL], buf[128];
	uint32_t i;
	long b;
	int err;

	if (!ra->pod_cidrs.bits || (had && *had))
		return 0; /* no range, or it has its block (immutable: validated) */
	if (cidr && *cidr) {
		b = node_block(ra, cidr);
		res_goquote(cidr, q, sizeof(q));
		if (b < 0) {
			snprintf(buf, sizeof(buf), "must be a /%d of %s", ra->pod_block_bits,
				 ra->pod_cidrs.desc);
			verrs_invalid(e, "spec.podCIDR", q, buf);
			return -EINVAL;
		}
		if (alloc_reserve(&ra->pod_cidrs, (uint32_t)b)) {
			verrs_invalid(e, "spec.podCIDR", q, "is already allocated to another node");
			return -EEXIST;
		}
		node_set_cidr(node, cidr);
		return 0;
	}
	err = alloc_next(&ra->pod_cidrs, &i);
	if (err) {
		snprintf(buf, sizeof(buf), "no free /%d left in %s", ra->pod_block_bits,
			 ra->pod_cidrs.desc);
		verrs_add(e, "FieldValueInvalid", "spec.podCIDR", "Invalid value: \"\": %s", buf);
		return err;
	}
	node_format_block(ra, i, buf, sizeof(buf));
	node_set_cidr(node, buf);
	return 0;
}

void res_node_release(struct res_alloc *ra, const cJSON *node, const cJSON *keep)
{
	const char *cidr = json_str(node, "spec.podCIDR");
	long b = node_block(ra, cidr);

	if (b < 0 || (keep && json_str(keep, "spec.podCIDR") &&
		      !strcmp(json_str(keep, "spec.podCIDR"), cidr)))
		return;
	alloc_release(&ra->pod_cidrs, (uint32_t)b);
}

void res_node_reserve(struct res_alloc *ra, const cJSON *node, const char *key)
{
	const char *cidr = json_str(node, "spec.podCIDR");
	long b;

	if (!cidr || !*cidr)
		return;
	b = node_block(ra, cidr);
	if (b < 0 || alloc_reserve(&ra->pod_cidrs, (uint32_t)b))
		pr_warn("alloc: %s holds podCIDR %s, outside --cluster-cidr %s or taken twice", key,
			cidr, ra->pod_cidrs.desc);
}

/* An update that leaves spec.podCIDR(s) out keeps the allocated ones. */
void res_node_prepare_update(cJSON *node, const cJSON *old)
{
	cJSON *spec = res_obj_child(node, "spec");
	const cJSON *ospec = cJSON_GetObjectItemCaseSensitive(old, "spec");

	if (!spec || !json_str(old, "spec.podCIDR"))
		return;
	if (!json_str(node, "spec.podCIDR"))
		json_copy_member(spec, ospec, "podCIDR");
	if (!res_get(spec, "podCIDRs"))
		json_copy_member(spec, ospec, "podCIDRs");
}
