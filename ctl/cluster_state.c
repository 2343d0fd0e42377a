/* cluster_state: the names, paths and manifest of a local cluster, and the
 * choice of its subnet. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cluster.h"

/* Clusters use 172.30.X.0/24: a private range rarely routed on laptops
 * (Docker takes 172.17-172.2x), one /24 per cluster. */
#define CL_SUBNET_BASE ((172u << 24) | (30u << 16))

bool cl_name_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > CL_NAME_MAX || name[0] == '-' || name[n - 1] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9') ||
		      name[i] == '-'))
			return false;
	return true;
}

const char *cl_state_root(const char *flag)
{
	const char *env = getenv("SKIFF_CLUSTER_DIR");

	if (flag && *flag)
		return flag;
	return env && *env ? env : CL_DEFAULT_ROOT;
}

int cl_init(struct cl_cluster *c, const char *root, const char *name)
{
	char cgroot[4000], cwd[2048] = "", real[4096];
	int r;

	memset(c, 0, sizeof(*c));
	if (!cl_name_valid(name))
		return -EINVAL;
	snprintf(c->name, sizeof(c->name), "%s", name);
	/* Absolute and without symlinks: the paths go to the daemons' flags
	 * and are matched against /proc/self/mountinfo by delete. */
	if (realpath(root, real))
		root = real;
	else if (root[0] != '/' && !getcwd(cwd, sizeof(cwd)))
		return -errno;
	if (snprintf(c->dir, sizeof(c->dir), "%s%s%s/%s", cwd, cwd[0] ? "/" : "", root, name) >=
	    (int)sizeof(c->dir))
		return -ENAMETOOLONG;
	r = cl_cgroup_root(cgroot, sizeof(cgroot));
	if (r)
		return r;
	snprintf(c->cgroup, sizeof(c->cgroup), "%s/sk-%s", cgroot, name);
	return 0;
}

void cl_netns_name(const struct cl_cluster *c, int node, bool cp, char *buf, size_t len)
{
	if (node > 0)
		snprintf(buf, len, "sk-%s-node-%d", c->name, node);
	else
		snprintf(buf, len, "sk-%s-%s", c->name, cp ? "cp" : "net");
}

void cl_ext_netns_name(const struct cl_cluster *c, int n, char *buf, size_t len)
{
	snprintf(buf, len, "sk-%s-ext-%d", c->name, n);
}

void cl_node_name(const struct cl_cluster *c, int i, char *buf, size_t len)
{
	snprintf(buf, len, "%s-node-%d", c->name, i);
}

static int cl_parse_index(const char *s)
{
	char *end;
	long v;

	if (!*s)
		return 0;
	v = strtol(s, &end, 10);
	return *end || v < 1 || v > CL_MAX_NODES ? 0 : (int)v;
}

int cl_node_index(const struct cl_cluster *c, const char *arg)
{
	size_t n = strlen(c->name);

	if (!strncmp(arg, c->name, n) && !strncmp(arg + n, "-node-", 6))
		return cl_parse_index(arg + n + 6);
	if (!strncmp(arg, "node-", 5))
		return cl_parse_index(arg + 5);
	return cl_parse_index(arg);
}

void cl_node_dir(const struct cl_cluster *c, int i, const char *what, char *buf, size_t len)
{
	snprintf(buf, len, "%s/nodes/%s-node-%d%s%s", c->dir, c->name, i, what ? "/" : "",
		 what ? what : "");
}

void cl_addr(const struct cl_cluster *c, unsigned h, char *buf, size_t len)
{
	struct in_addr a = {.s_addr = htonl(c->subnet | h)};

	inet_ntop(AF_INET, &a, buf, len);
}

int cl_mkdir_p(const char *path)
{
	char tmp[4096];

	if (snprintf(tmp, sizeof(tmp), "%s", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(tmp, 0755) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(tmp, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

char *cl_read_file(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (!f)
		return NULL;
	do {
		if (len + 4096 + 1 > cap) {
			char *nb = realloc(buf, cap = len + 8192);

			if (!nb) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, 4096, f);
		len += n;
	} while (n > 0);
	fclose(f);
	buf[len] = '\0';
	return buf;
}

int cl_manifest_write(const struct cl_cluster *c)
{
	char path[4200], tmp[4300], addr[INET_ADDRSTRLEN], ns[96];
	cJSON *m = cJSON_CreateObject(), *list;
	char *text;
	FILE *f;
	int r = 0;

	if (!m)
		return -ENOMEM;
	cJSON_AddStringToObject(m, "name", c->name);
	cJSON_AddNumberToObject(m, "nodes", c->nodes);
	cl_addr(c, 0, addr, sizeof(addr));
	cJSON_AddStringToObject(m, "subnet", addr);
	cJSON_AddNumberToObject(m, "apiPort", c->api_port);
	cJSON_AddStringToObject(m, "cgroup", c->cgroup);
	/* a restarted skiff-node renews its lease to fit the grace period */
	cJSON_AddNumberToObject(m, "nodeMonitorGracePeriodSeconds", c->grace_secs);
	/* and keeps the load-balancing algorithm the cluster was made with */
	cJSON_AddStringToObject(m, "lbAlgorithm", c->random_lb ? "random" : "least-connections");
	cJSON_AddStringToObject(m, "proxyMode", c->ipt_mode ? "iptables" : "bpf");
	/* Everything create will make, recorded before it is made, so that
	 * delete after a crash knows what to look for. */
	list = cJSON_AddArrayToObject(m, "netns");
	cl_netns_name(c, 0, false, ns, sizeof(ns));
	cJSON_AddItemToArray(list, cJSON_CreateString(ns));
	cl_netns_name(c, 0, true, ns, sizeof(ns));
	cJSON_AddItemToArray(list, cJSON_CreateString(ns));
	for (int i = 1; i <= c->nodes; i++) {
		cl_netns_name(c, i, false, ns, sizeof(ns));
		cJSON_AddItemToArray(list, cJSON_CreateString(ns));
	}
	list = cJSON_AddArrayToObject(m, "bpfPinDirs");
	for (int i = 1; i <= c->nodes; i++) {
		cl_node_dir(c, i, "bpf", path, sizeof(path));
		cJSON_AddItemToArray(list, cJSON_CreateString(path));
	}
	text = cJSON_Print(m);
	cJSON_Delete(m);
	if (!text)
		return -ENOMEM;
	snprintf(path, sizeof(path), "%s/manifest.json", c->dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "we");
	if (!f) {
		free(text);
		return -errno;
	}
	if (fprintf(f, "%s\n", text) < 0 || fflush(f) || fsync(fileno(f)))
		r = -errno;
	if (fclose(f) && !r)
		r = -errno;
	free(text);
	if (!r && rename(tmp, path))
		r = -errno;
	return r;
}

int cl_manifest_read(struct cl_cluster *c)
{
	char path[4200];
	const cJSON *v;
	struct in_addr a;
	char *text;
	cJSON *m;

	snprintf(path, sizeof(path), "%s/manifest.json", c->dir);
	text = cl_read_file(path);
	if (!text)
		return -errno ? -errno : -ENOENT;
	m = cJSON_Parse(text);
	free(text);
	if (!m)
		return -EINVAL;
	v = cJSON_GetObjectItemCaseSensitive(m, "nodes");
	if (cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble <= CL_MAX_NODES)
		c->nodes = v->valueint;
	v = cJSON_GetObjectItemCaseSensitive(m, "apiPort");
	if (cJSON_IsNumber(v))
		c->api_port = v->valueint;
	v = cJSON_GetObjectItemCaseSensitive(m, "lbAlgorithm");
	c->random_lb = cJSON_IsString(v) && !strcmp(v->valuestring, "random");
	v = cJSON_GetObjectItemCaseSensitive(m, "proxyMode");
	c->ipt_mode = cJSON_IsString(v) && !strcmp(v->valuestring, "iptables");
	v = cJSON_GetObjectItemCaseSensitive(m, "nodeMonitorGracePeriodSeconds");
	c->grace_secs = cJSON_IsNumber(v) && v->valuedouble >= 1 && v->valuedouble <= 86400
			    ? v->valueint
			    : CL_UPSTREAM_GRACE;
	/* The recorded cgroup wins over today's detection (a host switched
	 * from hybrid to pure v2 since), if it names this cluster's. */
	v = cJSON_GetObjectItemCaseSensitive(m, "cgroup");
	if (cJSON_IsString(v) && strlen(v->valuestring) < sizeof(c->cgroup)) {
		const char *base = strrchr(v->valuestring, '/');

		if (base && !strncmp(base, "/sk-", 4) && !strcmp(base + 4, c->name) &&
		    !strstr(v->valuestring, "/.."))
			snprintf(c->cgroup, sizeof(c->cgroup), "%s", v->valuestring);
	}
	v = cJSON_GetObjectItemCaseSensitive(m, "subnet");
	if (cJSON_IsString(v) && inet_pton(AF_INET, v->valuestring, &a) == 1)
		c->subnet = ntohl(a.s_addr);
	cJSON_Delete(m);
	return 0;
}

/* The /24 s overlaps a route of the root namespace (default routes
 * aside: they do not make an address range used). */
static bool cl_subnet_routed(unsigned s)
{
	FILE *f = fopen("/proc/net/route", "re");
	char line[512];
	bool hit = false;

	if (!f)
		return false;
	while (!hit && fgets(line, sizeof(line), f)) {
		char ifn[64];
		unsigned dst, gw, flags, refcnt, use, metric, mask;

		if (sscanf(line, "%63s %x %x %x %u %u %u %x", ifn, &dst, &gw, &flags, &refcnt, &use,
			   &metric, &mask) != 8 ||
		    !mask)
			continue;
		/* /proc/net/route prints addresses in network byte order. */
		dst = ntohl(dst);
		mask = ntohl(mask);
		hit = (s & mask) == (dst & mask) || (dst & 0xffffff00u) == s;
	}
	fclose(f);
	return hit;
}

int cl_pick_subnet(const char *root, unsigned *subnet)
{
	bool used[256] = {false};
	DIR *d = opendir(root);
	struct dirent *e;

	while (d && (e = readdir(d))) {
		struct cl_cluster o;

		if (e->d_name[0] == '.' || cl_init(&o, root, e->d_name) || cl_manifest_read(&o))
			continue;
		if ((o.subnet & 0xffff0000u) == CL_SUBNET_BASE)
			used[(o.subnet >> 8) & 0xff] = true;
	}
	if (d)
		closedir(d);
	/* Start at 1: 172.30.0.0/24 is the likeliest to be taken by hand. */
	for (unsigned x = 1; x < 256; x++) {
		unsigned s = CL_SUBNET_BASE | (x << 8);

		if (!used[x] && !cl_subnet_routed(s)) {
			*subnet = s;
			return 0;
		}
	}
	return -ENOSPC;
}
