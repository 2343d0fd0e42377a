/* cmd_lookup: `skiffctl lookup <name>` asks the cluster DNS the way a pod in
 * the namespace would: the kubelet's search path (<ns>.svc.<zone>
 * svc.<zone> <zone>) with ndots:5, in glibc's order, UDP with a TCP retry
 * on truncation. Prints every name tried with its rcode, the name that
 * matched and its answers (or all of it as JSON with -o json). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <resolv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "ctl.h"

#define LK_NDOTS      5	   /* kubelet's options ndots:5 */
#define LK_TIMEOUT_MS 2000 /* per attempt, like resolv.conf timeout:2 */
#define LK_ATTEMPTS   2
#define LK_UDP_SIZE   1232 /* EDNS payload we advertise */
#define LK_MAX_MSG    65535

static const struct {
	const char *name;
	uint16_t type;
} lk_types[] = {
    {"A", 1},	 {"NS", 2},    {"CNAME", 5}, {"SOA", 6},   {"PTR", 12},
    {"TXT", 16}, {"AAAA", 28}, {"SRV", 33},  {"ANY", 255},
};

static const char *const lk_rcodes[] = {"NOERROR",  "FORMERR", "SERVFAIL",
					"NXDOMAIN", "NOTIMP",  "REFUSED"};

static const char *type_name(uint16_t t, char *buf, size_t len)
{
	for (size_t i = 0; i < sizeof(lk_types) / sizeof(lk_types[0]); i++)
		if (lk_types[i].type == t)
			return lk_types[i].name;
	snprintf(buf, len, "TYPE%u", t);
	return buf;
}

static const char *rcode_name(int rc)
{
	return rc >= 0 && rc < 6 ? lk_rcodes[rc] : "RCODE?";
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* "web.shop." -> wire; returns the length or -1. */
static int encode_name(const char *name, uint8_t *out)
{
	size_t o = 0;

	while (*name) {
		const char *dot = strchr(name, '.');
		size_t l = dot ? (size_t)(dot - name) : strlen(name);

		if (l == 0 || l > 63 || o + l + 2 > 255)
			return -1;
		out[o++] = (uint8_t)l;
		memcpy(out + o, name, l);
		o += l;
		name += l + (dot ? 1 : 0);
	}
	out[o++] = 0;
	return (int)o;
}

/* Query id + question + OPT; returns the length or -1. */
static int build_query(const char *name, uint16_t type, uint16_t id, uint8_t *q)
{
	int n;

	memset(q, 0, 12);
	q[0] = (uint8_t)(id >> 8);
	q[1] = (uint8_t)id;
	q[2] = 0x01; /* RD */
	q[5] = 1;    /* QDCOUNT */
	q[11] = 1;   /* ARCOUNT: OPT */
	n = encode_name(name, q + 12);
	if (n < 0)
		return -1;
	n += 12;
	q[n++] = (uint8_t)(type >> 8);
	q[n++] = (uint8_t)type;
	q[n++] = 0;
	q[n++] = 1; /* IN */
	memcpy(q + n, "\0\0\x29\x04\xd0\0\0\0\0\0\0", 11);
	return n + 11;
}

static int wait_fd(int fd, short ev, int ms)
{
	struct pollfd p = {.fd = fd, .events = ev};
	int r = poll(&p, 1, ms);

	return r > 0 ? 0 : r == 0 ? -ETIMEDOUT : -errno;
}

static ssize_t exchange_udp(const struct sockaddr *sa, socklen_t sl, const uint8_t *q, size_t ql,
			    uint8_t *r, size_t rcap)
{
	int fd = socket(sa->sa_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ssize_t n = -EIO;

	if (fd < 0)
		return -errno;
	if (connect(fd, sa, sl) < 0 || send(fd, q, ql, 0) < 0) {
		n = -errno;
		goto out;
	}
	for (;;) {
		int w = wait_fd(fd, POLLIN, LK_TIMEOUT_MS);

		if (w < 0) {
			n = w;
			break;
		}
		n = recv(fd, r, rcap, 0);
		if (n < 0) {
			n = -errno;
			break;
		}
		/* ignore anything that is not the answer to our ID */
		if (n >= 12 && r[0] == q[0] && r[1] == q[1] && (r[2] & 0x80))
			break;
	}
out:
	close(fd);
	return n;
}

static int io_all(int fd, uint8_t *buf, size_t len, bool wr)
{
	size_t off = 0;

	while (off < len) {
		ssize_t n;
		int w = wait_fd(fd, wr ? POLLOUT : POLLIN, LK_TIMEOUT_MS);

		if (w < 0)
			return w;
		n = wr ? send(fd, buf + off, len - off, MSG_NOSIGNAL)
		       : recv(fd, buf + off, len - off, 0);
		if (n <= 0)
			return n < 0 ? -errno : -ECONNRESET;
		off += (size_t)n;
	}
	return 0;
}

static ssize_t exchange_tcp(const struct sockaddr *sa, socklen_t sl, const uint8_t *q, size_t ql,
			    uint8_t *r, size_t rcap)
{
	int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0), err;
	uint8_t out[2 + 512], lenb[2];
	size_t rl;

	if (fd < 0)
		return -errno;
	if (connect(fd, sa, sl) < 0 || ql > 512) {
		err = -errno;
		close(fd);
		return err ? err : -EINVAL;
	}
	out[0] = (uint8_t)(ql >> 8);
	out[1] = (uint8_t)ql;
	memcpy(out + 2, q, ql);
	err = io_all(fd, out, ql + 2, true);
	if (!err)
		err = io_all(fd, lenb, 2, false);
	rl = get16(lenb);
	if (!err && rl > rcap)
		err = -EMSGSIZE;
	if (!err)
		err = io_all(fd, r, rl, false);
	close(fd);
	return err ? err : (ssize_t)rl;
}

/* One query: UDP (retried), then TCP if the answer was truncated. */
static ssize_t ask(const struct sockaddr *sa, socklen_t sl, const char *name, uint16_t type,
		   uint8_t *r, size_t rcap, bool *tcp)
{
	uint8_t q[512];
	uint16_t id;
	ssize_t n = -ETIMEDOUT;
	int ql;

	if (getrandom(&id, sizeof(id), 0) != sizeof(id))
		id = (uint16_t)time(NULL);
	ql = build_query(name, type, id, q);
	if (ql < 0)
		return -EINVAL;
	*tcp = false;
	for (int i = 0; i < LK_ATTEMPTS && n == -ETIMEDOUT; i++)
		n = exchange_udp(sa, sl, q, (size_t)ql, r, rcap);
	if (n >= 12 && (r[2] & 0x02)) {
		*tcp = true;
		n = exchange_tcp(sa, sl, q, (size_t)ql, r, rcap);
	}
	return n;
}

/* One answer record as text; returns the offset after it or -1. */
static long answer_text(const uint8_t *m, size_t len, size_t off, char *owner, uint16_t *type,
			uint32_t *ttl, char *data, size_t dlen)
{
	char tmp[NS_MAXDNAME];
	size_t rd;
	int n = dn_expand(m, m + len, m + off, owner, NS_MAXDNAME);
	uint16_t rdlen;

	if (n < 0 || off + (size_t)n + 10 > len)
		return -1;
	off += (size_t)n;
	*type = get16(m + off);
	*ttl = (uint32_t)get16(m + off + 4) << 16 | get16(m + off + 6);
	rdlen = get16(m + off + 8);
	off += 10;
	if (off + rdlen > len)
		return -1;
	rd = off;
	data[0] = '\0';
	switch (*type) {
	case 1:
	case 28:
		if (rdlen == (*type == 1 ? 4 : 16))
			inet_ntop(*type == 1 ? AF_INET : AF_INET6, m + rd, data, (socklen_t)dlen);
		break;
	case 2:
	case 5:
	case 12:
		if (dn_expand(m, m + len, m + rd, tmp, sizeof(tmp)) >= 0)
			snprintf(data, dlen, "%s.", tmp);
		break;
	case 33:
		if (rdlen > 6 && dn_expand(m, m + len, m + rd + 6, tmp, sizeof(tmp)) >= 0)
			snprintf(data, dlen, "%u %u %u %s.", get16(m + rd), get16(m + rd + 2),
				 get16(m + rd + 4), tmp);
		break;
	case 16:
		if (rdlen >= 1 && m[rd] < rdlen)
			snprintf(data, dlen, "\"%.*s\"", m[rd], m + rd + 1);
		break;
	case 6: {
		char rn[NS_MAXDNAME];
		int a = dn_expand(m, m + len, m + rd, tmp, sizeof(tmp)), b;

		if (a < 0)
			break;
		b = dn_expand(m, m + len, m + rd + (size_t)a, rn, sizeof(rn));
		if (b >= 0 && rd + (size_t)a + (size_t)b + 20 <= len)
			snprintf(data, dlen, "%s. %s. %u", tmp, rn,
				 (unsigned)get16(m + rd + (size_t)a + (size_t)b) << 16 |
				     get16(m + rd + (size_t)a + (size_t)b + 2));
		break;
	}
	default:
		snprintf(data, dlen, "(%u bytes)", rdlen);
	}
	if (owner[0] && strcmp(owner, ".")) /* dn_expand omits the final dot */
		strcat(owner, ".");
	return (long)(off + rdlen);
}

/* The names to try, in glibc res_search order for ndots:5. */
static int search_list(const char *name, const char *ns, const char *zone, char list[4][300])
{
	const char *suffixes[3];
	char s0[300], s1[300];
	int dots = 0, n = 0;
	size_t len = strlen(name);

	if (len && name[len - 1] == '.') {
		snprintf(list[n++], 300, "%s", name);
		return n;
	}
	for (const char *p = name; *p; p++)
		dots += *p == '.';
	snprintf(s0, sizeof(s0), "%s.svc.%s", ns, zone);
	snprintf(s1, sizeof(s1), "svc.%s", zone);
	suffixes[0] = s0;
	suffixes[1] = s1;
	suffixes[2] = zone;
	if (dots >= LK_NDOTS)
		snprintf(list[n++], 300, "%s.", name);
	for (int i = 0; i < 3; i++)
		snprintf(list[n++], 300, "%s.%s.", name, suffixes[i]);
	if (dots < LK_NDOTS)
		snprintf(list[n++], 300, "%s.", name);
	return n;
}

/* Default server: --server, else the API server's host on port 53 (where
 * skiff-server's DNS listens by default), else 127.0.0.1:53. */
static int pick_server(struct ctl_opts *o, const char *flag, struct sockaddr_storage *ss,
		       socklen_t *sl, char *text, size_t tlen)
{
	char host[256] = "127.0.0.1";
	long port = 53;

	if (flag) {
		const char *colon = strrchr(flag, ':');

		if (flag[0] == '[') {
			const char *end = strchr(flag, ']');

			if (!end || (size_t)(end - flag - 1) >= sizeof(host))
				return -EINVAL;
			snprintf(host, sizeof(host), "%.*s", (int)(end - flag - 1), flag + 1);
			colon = end[1] == ':' ? end + 1 : NULL;
		} else if (colon && strchr(flag, ':') == colon) {
			snprintf(host, sizeof(host), "%.*s", (int)(colon - flag), flag);
		} else {
			snprintf(host, sizeof(host), "%s", flag);
			colon = NULL;
		}
		if (colon) {
			char *end;

			port = strtol(colon + 1, &end, 10);
			if (*end || port <= 0 || port > 65535)
				return -EINVAL;
		}
	} else if (ctl_client(o) && o->kc.server) {
		const char *h = strstr(o->kc.server, "://");
		size_t l;

		h = h ? h + 3 : o->kc.server;
		if (*h == '[') {
			h++;
			l = strcspn(h, "]");
		} else {
			l = strcspn(h, ":/");
		}
		if (l && l < sizeof(host))
			snprintf(host, sizeof(host), "%.*s", (int)l, h);
	}
	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, host, &((struct sockaddr_in *)ss)->sin_addr) == 1) {
		((struct sockaddr_in *)ss)->sin_family = AF_INET;
		((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
		*sl = sizeof(struct sockaddr_in);
		snprintf(text, tlen, "%s:%ld", host, port);
	} else if (inet_pton(AF_INET6, host, &((struct sockaddr_in6 *)ss)->sin6_addr) == 1) {
		((struct sockaddr_in6 *)ss)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)port);
		*sl = sizeof(struct sockaddr_in6);
		snprintf(text, tlen, "[%s]:%ld", host, port);
	} else {
		return -EINVAL;
	}
	return 0;
}

/* An address given with --type PTR becomes its reverse name. */
static bool reverse_name(const char *ip, char *out, size_t len)
{
	uint8_t a[16];
	size_t o = 0;

	if (inet_pton(AF_INET, ip, a) == 1) {
		snprintf(out, len, "%u.%u.%u.%u.in-addr.arpa.", a[3], a[2], a[1], a[0]);
		return true;
	}
	if (inet_pton(AF_INET6, ip, a) != 1 || len < 74)
		return false;
	for (int i = 15; i >= 0; i--)
		o += (size_t)snprintf(out + o, len - o, "%x.%x.", a[i] & 0xf, a[i] >> 4);
	snprintf(out + o, len - o, "ip6.arpa.");
	return true;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: skiffctl lookup <name> [-n NAMESPACE] [--type "
		"A|AAAA|SRV|PTR|TXT|CNAME|NS|SOA|ANY]\n"
		"                       [--server ADDR:PORT] [--cluster-domain DOMAIN] [-o json]\n"
		"Resolve a name like a pod in NAMESPACE: search path <ns>.svc.<zone> "
		"svc.<zone> <zone>, ndots:5.\n");
}

int cmd_lookup(int argc, char **argv, struct ctl_opts *o)
{
	const char *name = NULL, *server = NULL, *zone = "cluster.local", *tname = "A", *ns;
	char list[4][300], srvtext[300], rev[128];
	struct sockaddr_storage ss;
	socklen_t sl;
	uint16_t type = 0;
	uint8_t *resp;
	int ntry, matched = -1, rcodes[4] = {-1, -1, -1, -1}, rc = 1;
	size_t rlen = 0;
	bool via_tcp[4] = {false};
	cJSON *json = NULL, *tried = NULL, *answers = NULL;

	if (o->help) {
		usage(stdout);
		return 0;
	}
	for (int i = 1; i < argc; i++) {
		const char *v;

		if ((v = ctl_flag_value(argc, argv, &i, "--type")))
			tname = v;
		else if ((v = ctl_flag_value(argc, argv, &i, "--server")))
			server = v;
		else if ((v = ctl_flag_value(argc, argv, &i, "--cluster-domain")))
			zone = v;
		else if (argv[i][0] == '-' && argv[i][1])
			return ctl_err(o, "unknown flag: %s", argv[i]);
		else if (!name)
			name = argv[i];
		else
			return ctl_err(o, "lookup takes one name, got also \"%s\"", argv[i]);
	}
	if (!name || !*name) {
		usage(stderr);
		return ctl_err(o, "lookup needs a name");
	}
	for (size_t i = 0; i < sizeof(lk_types) / sizeof(lk_types[0]); i++)
		if (!strcasecmp(tname, lk_types[i].name)) {
			type = lk_types[i].type;
			tname = lk_types[i].name;
			break;
		}
	if (!type)
		return ctl_err(
		    o, "unknown --type \"%s\" (A, AAAA, SRV, PTR, TXT, CNAME, NS, SOA, ANY)",
		    tname);
	if (type == 12 && reverse_name(name, rev, sizeof(rev)))
		name = rev;
	if (pick_server(o, server, &ss, &sl, srvtext, sizeof(srvtext)) < 0)
		return ctl_err(o, "invalid --server \"%s\": want ADDR[:PORT]",
			       server ? server : "");
	ns = ctl_namespace(o);
	ntry = search_list(name, ns, zone, list);
	resp = malloc(LK_MAX_MSG);
	if (!resp)
		return ctl_err(o, "out of memory");

	for (int i = 0; i < ntry && matched < 0; i++) {
		ssize_t n =
		    ask((struct sockaddr *)&ss, sl, list[i], type, resp, LK_MAX_MSG, &via_tcp[i]);

		if (n < 0) {
			rc = ctl_err(o, "%s: no answer from %s: %s", list[i], srvtext,
				     strerror((int)-n));
			goto out;
		}
		rcodes[i] = resp[3] & 0xf;
		/* like glibc: keep walking on NXDOMAIN, NODATA and SERVFAIL */
		if (rcodes[i] == 0 && get16(resp + 6) > 0) {
			matched = i;
			rlen = (size_t)n;
		}
	}

	json = cJSON_CreateObject();
	cJSON_AddStringToObject(json, "server", srvtext);
	cJSON_AddStringToObject(json, "name", name);
	cJSON_AddStringToObject(json, "namespace", ns);
	cJSON_AddStringToObject(json, "type", tname);
	tried = cJSON_AddArrayToObject(json, "tried");
	for (int i = 0; i < ntry && rcodes[i] >= 0; i++) {
		cJSON *t = cJSON_CreateObject();

		cJSON_AddStringToObject(t, "name", list[i]);
		cJSON_AddStringToObject(t, "rcode", rcode_name(rcodes[i]));
		if (rcodes[i] == 0 && i != matched)
			cJSON_AddStringToObject(t, "result", "NODATA");
		cJSON_AddBoolToObject(t, "tcp", via_tcp[i]);
		cJSON_AddItemToArray(tried, t);
	}
	if (matched >= 0)
		cJSON_AddStringToObject(json, "matched", list[matched]);
	else
		cJSON_AddNullToObject(json, "matched");
	answers = cJSON_AddArrayToObject(json, "answers");
	if (matched >= 0) {
		size_t off = 12;
		char owner[NS_MAXDNAME + 2], data[NS_MAXDNAME * 2 + 64], tb[16];
		uint16_t t;
		uint32_t ttl;
		int qn = dn_expand(resp, resp + rlen, resp + off, owner, NS_MAXDNAME);

		off += (size_t)(qn < 0 ? 0 : qn) + 4;
		for (unsigned i = 0; qn >= 0 && i < get16(resp + 6); i++) {
			long next =
			    answer_text(resp, rlen, off, owner, &t, &ttl, data, sizeof(data));
			cJSON *a;

			if (next < 0)
				break;
			off = (size_t)next;
			a = cJSON_CreateObject();
			cJSON_AddStringToObject(a, "name", owner);
			cJSON_AddNumberToObject(a, "ttl", ttl);
			cJSON_AddStringToObject(a, "type", type_name(t, tb, sizeof(tb)));
			cJSON_AddStringToObject(a, "data", data);
			cJSON_AddItemToArray(answers, a);
		}
	}

	if (o->out == CTL_OUT_JSON) {
		char *s = ctl_json_pretty(json);

		if (s)
			printf("%s\n", s);
		free(s);
	} else {
		const cJSON *it;

		printf("Server:    %s\n", srvtext);
		cJSON_ArrayForEach(it, tried)
		{
			const char *res = cJSON_GetStringValue(cJSON_GetObjectItem(it, "result"));

			printf("Tried:     %s %s%s\n",
			       cJSON_GetStringValue(cJSON_GetObjectItem(it, "name")),
			       res ? res : cJSON_GetStringValue(cJSON_GetObjectItem(it, "rcode")),
			       cJSON_IsTrue(cJSON_GetObjectItem(it, "tcp")) ? " (TCP)" : "");
		}
		if (matched >= 0) {
			printf("Matched:   %s\n", list[matched]);
			cJSON_ArrayForEach(it, answers)
			{
				printf("%s\t%d\tIN\t%s\t%s\n",
				       cJSON_GetStringValue(cJSON_GetObjectItem(it, "name")),
				       cJSON_GetObjectItem(it, "ttl")->valueint,
				       cJSON_GetStringValue(cJSON_GetObjectItem(it, "type")),
				       cJSON_GetStringValue(cJSON_GetObjectItem(it, "data")));
			}
		}
	}
	if (matched >= 0)
		rc = 0;
	else if (o->out != CTL_OUT_JSON)
		fprintf(stderr, "error: %s: no %s record in the search path of namespace %s\n",
			name, tname, ns);
out:
	cJSON_Delete(json);
	free(resp);
	return rc;
}
