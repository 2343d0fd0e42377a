/* sandbox_driver: drives dataplane/kubelet/sandbox.c for tests/integration/test_sandbox.sh,
 * which compiles it and runs it inside a network namespace of its own (never the root one).
 *   sandbox_driver ROOT CIDR up UID...        print "UID IP VETH NETNS" per pod
 *   sandbox_driver ROOT CIDR down UID...
 *   sandbox_driver ROOT CIDR list             the UIDs with state, one a line
 *   sandbox_driver ROOT CIDR connect UIDA UIDB  TCP from pod A to pod B's IP (listener made in
 *                                             B's namespace, connect from A's, via sb_in_netns)
 *   sandbox_driver ROOT CIDR routes [CIDR GW]...  set the peer routes
 * Exit status 0 on success; errors on stderr. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kubelet/sandbox.h"

static int new_tcp(void *ud)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	*(int *)ud = fd;
	return fd < 0 ? -errno : 0;
}

static void print_uid(void *ud, const char *uid)
{
	printf("%s\n", uid);
}

static int cmd_connect(struct sb *sb, const char *a, const char *b)
{
	struct sb_pod pa, pb;
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(18080)};
	char err[256], c = 0;
	int lfd = -1, cfd = -1, afd = -1, rc = 1;

	if (sb_pod_up(sb, a, &pa, err, sizeof(err)) < 0 ||
	    sb_pod_up(sb, b, &pb, err, sizeof(err)) < 0) {
		fprintf(stderr, "up: %s\n", err);
		return 1;
	}
	inet_pton(AF_INET, pb.ip, &sa.sin_addr);
	/* The listener lives in B's namespace, the client in A's: each socket keeps the
	 * namespace it was made in. */
	if (sb_in_netns(&pb, new_tcp, &lfd) < 0 || sb_in_netns(&pa, new_tcp, &cfd) < 0) {
		perror("socket in pod");
		goto out;
	}
	if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lfd, 1) < 0) {
		perror("listen in pod B");
		goto out;
	}
	if (connect(cfd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "connect %s:18080 from %s: %s\n", pb.ip, pa.ip, strerror(errno));
		goto out;
	}
	afd = accept(lfd, NULL, NULL);
	if (afd < 0 || write(cfd, "x", 1) != 1 || read(afd, &c, 1) != 1 || c != 'x') {
		perror("exchange");
		goto out;
	}
	printf("connected %s -> %s\n", pa.ip, pb.ip);
	rc = 0;
out:
	if (afd >= 0)
		close(afd);
	if (cfd >= 0)
		close(cfd);
	if (lfd >= 0)
		close(lfd);
	return rc;
}

int main(int argc, char **argv)
{
	struct sb_opts o = {0};
	struct sb *sb;
	char err[256];
	int rc = 0;

	if (argc < 4) {
		fprintf(stderr, "usage: %s ROOT CIDR up|down|list|connect|routes ...\n", argv[0]);
		return 2;
	}
	o.root_dir = argv[1];
	o.pod_cidr = argv[2];
	o.bridge = getenv("SB_BRIDGE");
	if (sb_new(&o, &sb, err, sizeof(err)) < 0) {
		fprintf(stderr, "sb_new: %s\n", err);
		return 1;
	}
	if (strcmp(argv[3], "up") == 0) {
		for (int i = 4; i < argc && !rc; i++) {
			struct sb_pod p;

			rc = sb_pod_up(sb, argv[i], &p, err, sizeof(err));
			if (rc < 0)
				fprintf(stderr, "up %s: %s\n", argv[i], err);
			else
				printf("%s %s %s %s\n", p.uid, p.ip, p.veth_host, p.netns_path);
		}
	} else if (strcmp(argv[3], "down") == 0) {
		for (int i = 4; i < argc && !rc; i++) {
			rc = sb_pod_down(sb, argv[i]);
			if (rc < 0)
				fprintf(stderr, "down %s: %s\n", argv[i], strerror(-rc));
		}
	} else if (strcmp(argv[3], "list") == 0) {
		rc = sb_list(sb, print_uid, NULL);
	} else if (strcmp(argv[3], "connect") == 0 && argc == 6) {
		rc = cmd_connect(sb, argv[4], argv[5]) ? -1 : 0;
	} else if (strcmp(argv[3], "routes") == 0 && argc % 2 == 0) {
		int n = (argc - 4) / 2;
		const char *cidrs[16], *gws[16];

		for (int i = 0; i < n && i < 16; i++) {
			cidrs[i] = argv[4 + 2 * i];
			gws[i] = argv[5 + 2 * i];
		}
		rc = sb_set_peer_routes(sb, cidrs, gws, n < 16 ? n : 16);
		if (rc < 0)
			fprintf(stderr, "routes: %s\n", strerror(-rc));
	} else {
		fprintf(stderr, "bad command\n");
		rc = -EINVAL;
	}
	sb_free(sb);
	return rc < 0 ? 1 : 0;
}
