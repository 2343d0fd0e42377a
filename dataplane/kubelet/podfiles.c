/* podfiles: a pod's resolv.conf, hosts and hostname files, bind-mounted into its containers, made
 * as upstream's kubelet makes them (pkg/kubelet/network/dns/dns.go, kubelet_pods.go
 * managedHostsFileContent) and written in containerd's resolv.conf layout. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "json_path.h"
#include "kubelet/sandbox.h"

/* Upstream's limits: validation allows 3 nameservers, the kubelet trims what the node adds;
 * 32 search domains (MaxDNSSearchPaths). */
#define SB_MAX_NS     3
#define SB_MAX_SEARCH 32
#define SB_STRV_CAP   64

/* A list of strings without duplicates, in first-seen order. */
struct strv {
	char *v[SB_STRV_CAP];
	int n;
};

static void strv_free(struct strv *s)
{
	for (int i = 0; i < s->n; i++)
		free(s->v[i]);
	s->n = 0;
}

static int strv_find(const struct strv *s, const char *x, size_t n)
{
	for (int i = 0; i < s->n; i++)
		if (strlen(s->v[i]) == n && strncmp(s->v[i], x, n) == 0)
			return i;
	return -1;
}

/* Add x (n bytes) unless present; a full list drops it, as the limits trim later ones anyway. */
static int strv_addn(struct strv *s, const char *x, size_t n)
{
	if (n == 0 || strv_find(s, x, n) >= 0 || s->n == SB_STRV_CAP)
		return 0;
	s->v[s->n] = strndup(x, n);
	if (!s->v[s->n])
		return -ENOMEM;
	s->n++;
	return 0;
}

static int strv_add(struct strv *s, const char *x)
{
	return x ? strv_addn(s, x, strlen(x)) : 0;
}

struct dns {
	struct strv ns, search, opt;
};

static void dns_free(struct dns *d)
{
	strv_free(&d->ns);
	strv_free(&d->search);
	strv_free(&d->opt);
}

/* Set option "name[:value]" (n bytes): a later one with the same name replaces the value in place
 * (upstream's mergeDNSOptions keeps one per name; we keep first-seen order). */
static int opt_set(struct strv *o, const char *x, size_t n)
{
	const char *colon = memchr(x, ':', n);
	size_t name = colon ? (size_t)(colon - x) : n;

	for (int i = 0; i < o->n; i++) {
		const char *c = strchr(o->v[i], ':');
		size_t l = c ? (size_t)(c - o->v[i]) : strlen(o->v[i]);

		if (l == name && strncmp(o->v[i], x, name) == 0) {
			char *v = strndup(x, n);

			if (!v)
				return -ENOMEM;
			free(o->v[i]);
			o->v[i] = v;
			return 0;
		}
	}
	return strv_addn(o, x, n);
}

/* The node's resolv.conf as upstream's parseResolvConf reads it: every nameserver, the last
 * search line (without "." and trailing dots), every option. A missing file is empty. */
static int parse_host_resolv(const char *path, struct dns *d)
{
	FILE *f = fopen(path, "re");
	char line[1024];
	int rc = 0;

	if (!f)
		return errno == ENOENT ? 0 : -errno;
	while (rc == 0 && fgets(line, sizeof(line), f)) {
		char *save, *kw, *w;

		line[strcspn(line, "#;")] = 0;
		kw = strtok_r(line, " \t\r\n", &save);
		if (!kw)
			continue;
		if (strcmp(kw, "search") == 0)
			strv_free(&d->search);
		while (rc == 0 && (w = strtok_r(NULL, " \t\r\n", &save))) {
			size_t n = strlen(w);

			if (strcmp(kw, "nameserver") == 0) {
				rc = strv_addn(&d->ns, w, n);
				break;
			} else if (strcmp(kw, "search") == 0) {
				while (n > 1 && w[n - 1] == '.')
					n--;
				if (strcmp(w, ".") != 0)
					rc = strv_addn(&d->search, w, n);
			} else if (strcmp(kw, "options") == 0) {
				rc = opt_set(&d->opt, w, n);
			}
		}
	}
	fclose(f);
	return rc;
}

/* Add each string of the JSON array at o[key]. */
static int add_strings(struct strv *s, const cJSON *o, const char *key)
{
	const cJSON *e;
	int rc = 0;

	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(o, key))
	{
		if (cJSON_IsString(e) && rc == 0)
			rc = strv_add(s, e->valuestring);
	}
	return rc;
}

/* dnsPolicy → the base configuration, then spec.dnsConfig merged into it (upstream GetPodDNS). */
static int pod_dns(const cJSON *spec, const char *ns, const char *cluster_dns, const char *zone,
		   const char *host_resolv, struct dns *d, char *err, size_t len)
{
	const char *policy = json_str(spec, "dnsPolicy");
	const cJSON *cfg = json_at(spec, "dnsConfig"), *o;
	int host_net = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(spec, "hostNetwork"));
	int rc = 0;

	if (!policy || !*policy)
		policy = "ClusterFirst";
	if (strcmp(policy, "ClusterFirstWithHostNet") == 0) {
		policy = "ClusterFirst";
	} else if (strcmp(policy, "ClusterFirst") == 0 && host_net) {
		/* A host-network pod with ClusterFirst gets the node's resolver, as upstream. */
		policy = "Default";
	} else if (strcmp(policy, "None") != 0 && strcmp(policy, "Default") != 0 &&
		   strcmp(policy, "ClusterFirst") != 0) {
		snprintf(err, len, "spec.dnsPolicy: Unsupported value: \"%s\"", policy);
		return -EINVAL;
	}
	/* Without a cluster DNS address ClusterFirst falls back to Default (upstream logs
	 * "ClusterFirst policy specified but no cluster DNS IP configured"). */
	if (strcmp(policy, "ClusterFirst") == 0 && (!cluster_dns || !*cluster_dns))
		policy = "Default";
	if (strcmp(policy, "None") != 0) {
		rc = parse_host_resolv(host_resolv, d);
		if (rc < 0) {
			snprintf(err, len, "read %s: %s", host_resolv, strerror(-rc));
			return rc;
		}
	}
	if (strcmp(policy, "ClusterFirst") == 0) {
		struct dns c = {0};
		char s[600];

		/* nameserver and options are the cluster's; the node's searches follow the
		 * cluster's own. A comma-separated cluster_dns names several servers. */
		for (const char *p = cluster_dns; rc == 0 && *p;) {
			size_t n = strcspn(p, ",");

			rc = strv_addn(&c.ns, p, n);
			p += n + (p[n] == ',');
		}
		if (rc == 0 && zone && *zone) {
			snprintf(s, sizeof(s), "%s.svc.%s", ns, zone);
			rc = strv_add(&c.search, s);
			snprintf(s, sizeof(s), "svc.%s", zone);
			if (rc == 0)
				rc = strv_add(&c.search, s);
			if (rc == 0)
				rc = strv_add(&c.search, zone);
		}
		for (int i = 0; rc == 0 && i < d->search.n; i++)
			rc = strv_add(&c.search, d->search.v[i]);
		if (rc == 0)
			rc = strv_add(&c.opt, "ndots:5");
		dns_free(d);
		*d = c;
	}
	if (rc == 0 && cfg) {
		rc = add_strings(&d->ns, cfg, "nameservers");
		if (rc == 0)
			rc = add_strings(&d->search, cfg, "searches");
		cJSON_ArrayForEach(o, cJSON_GetObjectItemCaseSensitive(cfg, "options"))
		{
			const char *name = json_str(o, "name"), *val = json_str(o, "value");
			char s[512];
			int n;

			if (rc < 0 || !name || !*name)
				continue;
			if (val)
				n = snprintf(s, sizeof(s), "%s:%s", name, val);
			else
				n = snprintf(s, sizeof(s), "%s", name);
			if (n < (int)sizeof(s))
				rc = opt_set(&d->opt, s, n);
		}
	}
	if (rc < 0)
		snprintf(err, len, "out of memory");
	return rc;
}

static int resolv_text(const struct dns *d, struct buf *b)
{
	if (d->search.n) {
		buf_puts(b, "search");
		for (int i = 0; i < d->search.n && i < SB_MAX_SEARCH; i++)
			buf_printf(b, " %s", d->search.v[i]);
		buf_puts(b, "\n");
	}
	for (int i = 0; i < d->ns.n && i < SB_MAX_NS; i++)
		buf_printf(b, "nameserver %s\n", d->ns.v[i]);
	if (d->opt.n) {
		buf_puts(b, "options");
		for (int i = 0; i < d->opt.n; i++)
			buf_printf(b, " %s", d->opt.v[i]);
		buf_puts(b, "\n");
	}
	return b->oom ? -ENOMEM : 0;
}

/* upstream's managedHostsFileContent, byte for byte. */
static int hosts_text(const cJSON *spec, const char *ip, const char *host, const char *domain,
		      struct buf *b)
{
	const cJSON *aliases = cJSON_GetObjectItemCaseSensitive(spec, "hostAliases"), *a, *h;

	buf_puts(b, "# Kubernetes-managed hosts file.\n"
		    "127.0.0.1\tlocalhost\n"
		    "::1\tlocalhost ip6-localhost ip6-loopback\n"
		    "fe00::0\tip6-localnet\n"
		    "fe00::0\tip6-mcastprefix\n"
		    "fe00::1\tip6-allnodes\n"
		    "fe00::2\tip6-allrouters\n");
	if (ip && *ip && *domain)
		buf_printf(b, "%s\t%s.%s\t%s\n", ip, host, domain, host);
	else if (ip && *ip)
		buf_printf(b, "%s\t%s\n", ip, host);
	if (cJSON_GetArraySize(aliases) > 0) {
		buf_puts(b, "\n# Entries added by HostAliases.\n");
		cJSON_ArrayForEach(a, aliases)
		{
			const char *aip = json_str(a, "ip");
			const char *sep = "\t";

			buf_puts(b, aip ? aip : "");
			cJSON_ArrayForEach(h, cJSON_GetObjectItemCaseSensitive(a, "hostnames"))
			{
				if (cJSON_IsString(h))
					buf_printf(b, "%s%s", sep, h->valuestring);
			}
			buf_puts(b, "\n");
		}
	}
	return b->oom ? -ENOMEM : 0;
}

/* Write path in place, only if its content differs: the file may be bind-mounted into running
 * containers, which keep seeing the same inode (a rename would leave them the old one). */
static int write_file(const char *path, const char *s, size_t n)
{
	char old[16384];
	ssize_t got;
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644), rc = 0;

	if (fd < 0)
		return -errno;
	got = read(fd, old, sizeof(old));
	if (got == (ssize_t)n && memcmp(old, s, n) == 0)
		goto out;
	if (ftruncate(fd, 0) < 0 || pwrite(fd, s, n, 0) != (ssize_t)n)
		rc = errno ? -errno : -EIO;
out:
	close(fd);
	return rc;
}

/* upstream's truncatePodHostnameIfNeeded: 63 bytes, then no trailing '-' or '.'. */
static void pod_hostname(const cJSON *pod, const cJSON *spec, char out[64])
{
	const char *h = json_str(spec, "hostname");
	size_t n;

	if (!h || !*h)
		h = json_str(pod, "metadata.name");
	if (!h)
		h = "";
	snprintf(out, 64, "%s", h);
	n = strlen(out);
	if (strlen(h) > n)
		while (n > 0 && (out[n - 1] == '-' || out[n - 1] == '.'))
			out[--n] = 0;
}

int sb_pod_files_host(const char *root_dir, const char *uid, const cJSON *pod, const char *pod_ip,
		      const char *cluster_dns, const char *zone, const char *host_resolv,
		      struct sb_files *out, char *err, size_t len)
{
	const cJSON *spec = json_at(pod, "spec");
	const char *ns = json_str(pod, "metadata.namespace"), *sub = json_str(spec, "subdomain");
	struct buf b = {0};
	struct dns d = {0};
	char dir[496], domain[320] = "";
	int rc;

	memset(out, 0, sizeof(*out));
	if (!sb_uid_valid(uid)) {
		snprintf(err, len, "invalid pod UID \"%s\"", uid ? uid : "");
		return -EINVAL;
	}
	if (!ns || !*ns)
		ns = "default";
	/* dir is 16 bytes shorter than the paths in struct sb_files, room for the file names. */
	if (snprintf(dir, sizeof(dir), "%s/pods/%s", root_dir, uid) >= (int)sizeof(dir)) {
		snprintf(err, len, "pod directory path too long");
		return -ENAMETOOLONG;
	}
	snprintf(out->resolv, sizeof(out->resolv), "%s/resolv.conf", dir);
	snprintf(out->hosts, sizeof(out->hosts), "%s/etc-hosts", dir);
	snprintf(out->hostname_file, sizeof(out->hostname_file), "%s/hostname", dir);
	pod_hostname(pod, spec, out->hostname);
	if (sub && *sub && zone && *zone)
		snprintf(domain, sizeof(domain), "%s.%s.svc.%s", sub, ns, zone);
	rc = sb_mkdir_p(dir);
	if (rc < 0) {
		snprintf(err, len, "mkdir %s: %s", dir, strerror(-rc));
		return rc;
	}
	rc = pod_dns(spec, ns, cluster_dns, zone, host_resolv, &d, err, len);
	if (rc < 0)
		goto out;
	rc = resolv_text(&d, &b);
	if (rc == 0)
		rc = write_file(out->resolv, b.p ? b.p : "", b.len);
	if (rc < 0) {
		snprintf(err, len, "write %s: %s", out->resolv, strerror(-rc));
		goto out;
	}
	b.len = 0;
	rc = hosts_text(spec, pod_ip, out->hostname, domain, &b);
	if (rc == 0)
		rc = write_file(out->hosts, b.p, b.len);
	if (rc < 0) {
		snprintf(err, len, "write %s: %s", out->hosts, strerror(-rc));
		goto out;
	}
	b.len = 0;
	rc = buf_printf(&b, "%s\n", out->hostname);
	if (rc == 0)
		rc = write_file(out->hostname_file, b.p, b.len);
	if (rc < 0)
		snprintf(err, len, "write %s: %s", out->hostname_file, strerror(-rc));
out:
	buf_free(&b);
	dns_free(&d);
	return rc;
}

int sb_pod_files(const char *root_dir, const char *uid, const cJSON *pod, const char *pod_ip,
		 const char *cluster_dns, const char *zone, struct sb_files *out, char *err,
		 size_t len)
{
	return sb_pod_files_host(root_dir, uid, pod, pod_ip, cluster_dns, zone, "/etc/resolv.conf",
				 out, err, len);
}
