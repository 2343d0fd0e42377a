/* Fixtures for the dataplane/ipt tests: service ports built in a line
 * each, rendered text searched by line, and stand-in iptables binaries
 * (shell scripts that record what they are given and never touch
 * netfilter). */
#ifndef SKIFF_TEST_IPT_FIXTURE_H
#define SKIFF_TEST_IPT_FIXTURE_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ipt/ipt.h"

#define FX_MAX_EPS 64

struct fx {
	struct ipt_svc_port sp;
	struct ipt_ep eps[FX_MAX_EPS];
	uint32_t ext[8];
	struct ipt_cidr ranges[8];
	char ns[64], name[64], port_name[64], key[200];
};

static inline uint32_t fx_ip(const char *s)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		abort();
	return a.s_addr;
}

/* A service port ns/name:port_name ("" for none) at vip:port. */
static inline void fx_init(struct fx *f, const char *ns, const char *name, const char *port_name,
			   uint8_t proto, const char *vip, uint16_t port)
{
	memset(f, 0, sizeof(*f));
	snprintf(f->ns, sizeof(f->ns), "%s", ns);
	snprintf(f->name, sizeof(f->name), "%s", name);
	snprintf(f->port_name, sizeof(f->port_name), "%s", port_name);
	f->sp.ns = f->ns;
	f->sp.name = f->name;
	f->sp.port_name = f->port_name;
	f->sp.proto = proto;
	f->sp.cluster_ip = fx_ip(vip);
	f->sp.port = port;
	f->sp.eps = f->eps;
	f->sp.ext = f->ext;
	f->sp.ranges = f->ranges;
	f->sp.affinity_timeout = 10800;
	snprintf(f->key, sizeof(f->key), "%s/%s:%s/%s", ns, name, port_name,
		 proto == IPPROTO_UDP ? "UDP" : "TCP");
}

/* An endpoint; flags: R(eady) S(erving) T(erminating) L(ocal). */
static inline void fx_ep(struct fx *f, const char *ip, uint16_t port, const char *flags)
{
	struct ipt_ep *e = &f->eps[f->sp.neps++];

	e->addr = fx_ip(ip);
	e->port = htons(port);
	e->ready = strchr(flags, 'R') != NULL;
	e->serving = e->ready || strchr(flags, 'S') != NULL;
	e->terminating = strchr(flags, 'T') != NULL;
	e->local = strchr(flags, 'L') != NULL;
}

/* An external address: an externalIP, or a LoadBalancer one (after all
 * externalIPs, as ipt.h wants them). */
static inline void fx_ext(struct fx *f, const char *ip, bool lb)
{
	f->ext[f->sp.next++] = fx_ip(ip);
	f->sp.nlb += lb;
}

/* A loadBalancerSourceRanges entry. */
static inline void fx_range(struct fx *f, const char *ip, uint8_t len)
{
	f->ranges[f->sp.nranges++] = (struct ipt_cidr){.addr = fx_ip(ip), .len = len};
}

/* A proxy that never runs a command nor touches conntrack: its binaries
 * do not exist, so a sync fails (-ENOENT) rather than reach the host's
 * iptables. Tests that sync use fx_bins. */
static inline struct ipt *fx_ipt(const char *cidr, double weight_threshold)
{
	struct ipt_opts o;

	ipt_opts_default(&o);
	o.restore_bin = "/nonexistent/iptables-restore";
	o.save_bin = "/nonexistent/iptables-save";
	o.cluster_cidr = cidr;
	o.weight_threshold = weight_threshold;
	o.no_conntrack = true;
	return ipt_new(&o);
}

/* --- rendered text --- */

static inline size_t fx_lines(const char *t)
{
	size_t n = 0;

	for (; *t; t++)
		n += *t == '\n';
	return n;
}

/* Whether text has exactly this line. */
static inline bool fx_has_line(const char *t, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = t; (p = strstr(p, line)); p++)
		if ((p == t || p[-1] == '\n') && p[n] == '\n')
			return true;
	return false;
}

/* Lines starting with prefix. */
static inline size_t fx_count_prefix(const char *t, const char *prefix)
{
	size_t n = 0, k = strlen(prefix);

	for (const char *l = t; *l;) {
		const char *e = strchr(l, '\n');

		n += !strncmp(l, prefix, k);
		if (!e)
			break;
		l = e + 1;
	}
	return n;
}

/* The "-A name " lines of a chain, in order, joined with '\n' (static). */
static inline const char *fx_chain(const char *t, const char *name)
{
	static char out[1 << 16];
	char head[64];
	size_t o = 0, k = (size_t)snprintf(head, sizeof(head), "-A %s ", name);

	out[0] = 0;
	for (const char *l = t; *l;) {
		const char *e = strchr(l, '\n');
		size_t n = e ? (size_t)(e - l) : strlen(l);

		if (n > k && !strncmp(l, head, k) && o + n + 2 < sizeof(out)) {
			memcpy(out + o, l, n);
			o += n;
			out[o++] = '\n';
			out[o] = 0;
		}
		if (!e)
			break;
		l = e + 1;
	}
	return out;
}

/* --- stand-in binaries --- */

/* A temp dir with restore.sh (stdin -> DIR/in, arguments -> DIR/args,
 * exit status from DIR/rc if present) and save.sh (prints DIR/save.<table>
 * for "-t <table>", counts its runs in DIR/saves). */
struct fx_bins {
	char dir[64], restore[96], save[96];
};

static inline void fx_write(const char *dir, const char *name, const char *text)
{
	char p[160];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "w");
	if (!f)
		abort();
	fputs(text, f);
	fclose(f);
}

/* DIR/name's text (static). */
static inline const char *fx_read(const char *dir, const char *name)
{
	static char out[1 << 22];
	char p[160];
	FILE *f;
	size_t n;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	out[0] = 0;
	f = fopen(p, "r");
	if (!f)
		return out;
	n = fread(out, 1, sizeof(out) - 1, f);
	out[n] = 0;
	fclose(f);
	return out;
}

static inline void fx_bins_make(struct fx_bins *b)
{
	char s[512];

	snprintf(b->dir, sizeof(b->dir), "/tmp/ipt-test-XXXXXX");
	if (!mkdtemp(b->dir))
		abort();
	snprintf(b->restore, sizeof(b->restore), "%s/restore.sh", b->dir);
	snprintf(b->save, sizeof(b->save), "%s/save.sh", b->dir);
	snprintf(s, sizeof(s),
		 "#!/bin/sh\necho \"$@\" > %s/args\ncat > %s/in\n"
		 "[ -f %s/rc ] && { cat %s/rc >&2; exit $(cat %s/rc); }\nexit 0\n",
		 b->dir, b->dir, b->dir, b->dir, b->dir);
	fx_write(b->dir, "restore.sh", s);
	snprintf(s, sizeof(s),
		 "#!/bin/sh\necho x >> %s/saves\n[ \"$1\" = -t ] || exit 2\n"
		 "cat %s/save.$2 2>/dev/null\nexit 0\n",
		 b->dir, b->dir);
	fx_write(b->dir, "save.sh", s);
	chmod(b->restore, 0700);
	chmod(b->save, 0700);
}

static inline void fx_bins_remove(struct fx_bins *b)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", b->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", b->dir);
}

#endif
