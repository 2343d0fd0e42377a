/* ipam: pod IPs from the node's podCIDR, one file per allocated IP (<root>/ipam/<a.b.c.d> holding
 * the pod UID). A file per IP makes an allocation one atomic link(2): two allocations can never
 * get the same address, and a crash leaves either a whole record or none. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kubelet/sandbox.h"

int sb_uid_valid(const char *uid)
{
	size_t n = uid ? strlen(uid) : 0;

	if (n == 0 || n > 63 || uid[0] == '.')
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = uid[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_' || c == '.'))
			return 0;
	}
	return 1;
}

int sb_parse_cidr(const char *s, uint32_t *net, int *prefix)
{
	char addr[16], *end;
	const char *slash = s ? strchr(s, '/') : NULL;
	struct in_addr a;
	long p;

	if (!slash || (size_t)(slash - s) >= sizeof(addr))
		return -EINVAL;
	memcpy(addr, s, slash - s);
	addr[slash - s] = 0;
	if (inet_pton(AF_INET, addr, &a) != 1)
		return -EINVAL;
	errno = 0;
	p = strtol(slash + 1, &end, 10);
	if (errno || end == slash + 1 || *end || p < 0 || p > 32)
		return -EINVAL;
	*net = ntohl(a.s_addr);
	*prefix = (int)p;
	return 0;
}

static void ip_str(uint32_t a, char out[16])
{
	struct in_addr in = {.s_addr = htonl(a)};

	inet_ntop(AF_INET, &in, out, 16);
}

int sb_ipam_init(struct sb_ipam *ip, const char *dir, const char *cidr, char *err, size_t len)
{
	uint32_t mask;

	memset(ip, 0, sizeof(*ip));
	if (sb_parse_cidr(cidr, &ip->net, &ip->prefix) < 0) {
		snprintf(err, len, "invalid podCIDR \"%s\": want a.b.c.d/prefix", cidr ? cidr : "");
		return -EINVAL;
	}
	/* /31 and /32 leave no address between the gateway and the broadcast. */
	if (ip->prefix < 8 || ip->prefix > 30) {
		snprintf(err, len, "podCIDR \"%s\": the prefix must be between 8 and 30", cidr);
		return -EINVAL;
	}
	mask = ~0u << (32 - ip->prefix);
	if (ip->net & ~mask) {
		snprintf(err, len, "podCIDR \"%s\" has host bits set", cidr);
		return -EINVAL;
	}
	ip->gw = ip->net + 1;
	ip->bcast = ip->net | ~mask;
	if (snprintf(ip->dir, sizeof(ip->dir), "%s", dir) >= (int)sizeof(ip->dir)) {
		snprintf(err, len, "IPAM directory path too long");
		return -ENAMETOOLONG;
	}
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		int e = errno;

		snprintf(err, len, "mkdir %s: %s", dir, strerror(e));
		return -e;
	}
	return 0;
}

/* Read one record: the UID in dir/name into uid (64 bytes). */
static int read_rec(const struct sb_ipam *ip, const char *name, char uid[64])
{
	char path[600];
	ssize_t n;
	int fd;

	if (snprintf(path, sizeof(path), "%s/%s", ip->dir, name) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, uid, 63);
	close(fd);
	if (n < 0)
		return -errno;
	uid[n] = 0;
	return 0;
}

/* Records are the files whose name is an address in the range (the temp files start with '.'). */
static int rec_name(const struct sb_ipam *ip, const char *name)
{
	struct in_addr a;
	uint32_t h;

	if (inet_pton(AF_INET, name, &a) != 1)
		return 0;
	h = ntohl(a.s_addr);
	return h > ip->gw && h < ip->bcast;
}

int sb_ipam_each(const struct sb_ipam *ip, void (*fn)(void *ud, const char *uid, const char *ipa),
		 void *ud)
{
	DIR *d = opendir(ip->dir);
	struct dirent *de;
	char uid[64];

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		if (!rec_name(ip, de->d_name) || read_rec(ip, de->d_name, uid) < 0)
			continue;
		fn(ud, uid, de->d_name);
	}
	closedir(d);
	return 0;
}

struct find {
	const char *uid;
	char *out;
	int found;
};

static void find_one(void *ud, const char *uid, const char *ipa)
{
	struct find *f = ud;

	/* Of several records (only if two allocations for one UID ever raced), the lowest
	 * address wins, so every caller sees the same one. */
	if (strcmp(uid, f->uid) == 0 &&
	    (!f->found || ntohl(inet_addr(ipa)) < ntohl(inet_addr(f->out)))) {
		snprintf(f->out, 16, "%s", ipa);
		f->found = 1;
	}
}

int sb_ipam_lookup(const struct sb_ipam *ip, const char *uid, char out[16])
{
	struct find f = {.uid = uid, .out = out};
	int rc = sb_ipam_each(ip, find_one, &f);

	if (rc < 0)
		return rc;
	return f.found ? 0 : -ENOENT;
}

int sb_ipam_alloc(const struct sb_ipam *ip, const char *uid, char out[16])
{
	char tmp[600], path[600], a[16];
	int fd, rc;
	size_t n;

	if (!sb_uid_valid(uid))
		return -EINVAL;
	rc = sb_ipam_lookup(ip, uid, out);
	if (rc != -ENOENT)
		return rc;
	/* The record is written whole to a temp file first, then linked under each candidate
	 * name until one is free: link(2) fails with EEXIST on a taken address, atomically. */
	snprintf(tmp, sizeof(tmp), "%s/.tmp-%s-%d", ip->dir, uid, (int)gettid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	n = strlen(uid);
	if (write(fd, uid, n) != (ssize_t)n || fsync(fd) < 0) {
		rc = errno ? -errno : -EIO;
		close(fd);
		goto out_unlink;
	}
	close(fd);
	rc = -ENOSPC;
	for (uint32_t h = ip->gw + 1; h < ip->bcast; h++) {
		ip_str(h, a);
		snprintf(path, sizeof(path), "%s/%s", ip->dir, a);
		if (link(tmp, path) == 0) {
			memcpy(out, a, 16);
			rc = 0;
			break;
		}
		if (errno != EEXIST) {
			rc = -errno;
			break;
		}
	}
out_unlink:
	unlink(tmp);
	return rc;
}

struct rel {
	const struct sb_ipam *ip;
	const char *uid;
	int rc;
};

static void release_one(void *ud, const char *uid, const char *ipa)
{
	struct rel *r = ud;
	char path[600];

	if (strcmp(uid, r->uid) != 0)
		return;
	snprintf(path, sizeof(path), "%s/%s", r->ip->dir, ipa);
	if (unlink(path) < 0 && errno != ENOENT)
		r->rc = -errno;
}

int sb_ipam_release(const struct sb_ipam *ip, const char *uid)
{
	struct rel r = {.ip = ip, .uid = uid};
	int rc = sb_ipam_each(ip, release_one, &r);

	return rc < 0 ? rc : r.rc;
}
