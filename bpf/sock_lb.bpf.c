// SPDX-License-Identifier: GPL-2.0
/* sock_lb: Skiff's socket-level service load balancer (DESIGN.md §2, §5).
 *
 * Translation happens once per socket at connect() (TCP, connected UDP) or
 * per datagram at sendmsg() (unconnected UDP): the service address the
 * application asked for is replaced by the least busy usable backend, so no
 * packet ever carries the service address and no per-packet NAT is needed.
 * getpeername()/recvmsg() map the backend back to the service address so
 * applications (and glibc's resolver) see what they asked for.
 *
 * Programs (one cgroup hook each): connect4, sendmsg4, recvmsg4,
 * getpeername4, sock_release. All maps are pinned by name under
 * --bpf-pin-dir so that restarting skiff-node keeps them and their data.
 */
#include "lb_maps.bpf.h"

/* Not in vmlinux.h (uapi macros). */
#define ECONNREFUSED 111
#define AF_INET	     2

/* Refuse the operation with ECONNREFUSED right away. Returning 0 alone
 * would give EPERM; bpf_set_retval (5.18+) sets the errno the caller sees,
 * and the socket never sends a packet. */
LB_INLINE int refuse(__u32 reason)
{
	stat_inc(reason);
	bpf_set_retval(-ECONNREFUSED);
	return 0;
}

SEC("cgroup/connect4")
int skiff_connect4(struct bpf_sock_addr *ctx)
{
	struct lb4_svc_key key = {};
	struct lb4_svc_val *svc;
	struct lb4_backend *be;
	struct lb4_sock *s;
	struct lb_pick pick = {};
	__u32 proto = ctx->protocol;
	__u32 reason = 0;

	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP)
		return 1;
	key.vip = ctx->user_ip4;
	key.port = (__be16)ctx->user_port;
	key.proto = (__u8)proto;
	svc = bpf_map_lookup_elem(&skiff_svc, &key);
	if (!svc) {
		/* A UDP socket re-connected elsewhere stops counting. */
		if (proto == IPPROTO_UDP) {
			s = bpf_sk_storage_get(&skiff_sock, ctx->sk, 0, 0);
			if (s) {
				sock_uncount(s);
				s->vip = 0;
			}
		}
		return 1;
	}
	be = lb4_pick(bpf_get_netns_cookie(ctx), &key, svc, &pick, &reason);
	if (!be)
		return refuse(reason);

	ctx->user_ip4 = be->addr;
	ctx->user_port = be->port;

	s = bpf_sk_storage_get(&skiff_sock, ctx->sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (!s) {
		/* Translated but not counted: the count must never be
		 * incremented without a record to decrement it from. */
		stat_inc(LB_STAT_FAIL_SOCK_STORE);
		stat_inc(LB_STAT_CONNECT);
		return 1;
	}
	sock_uncount(s);
	s->vip = key.vip;
	s->vport = key.port;
	s->addr = be->addr;
	s->port = be->port;
	s->backend_id = pick.backend_id;
	conn_add(pick.backend_id, 1);
	s->flags = LB_SOCK_F_COUNTED;
	stat_inc(LB_STAT_CONNECT);
	return 1;
}

SEC("cgroup/sendmsg4")
int skiff_sendmsg4(struct bpf_sock_addr *ctx)
{
	struct lb4_svc_key key = {};
	struct lb4_rnat_key rkey = {};
	struct lb4_rnat_val rval = {};
	struct lb4_svc_val *svc;
	struct lb4_backend *be;
	struct lb_pick pick = {};
	__u32 reason = 0;

	if (ctx->protocol != IPPROTO_UDP)
		return 1;
	key.vip = ctx->user_ip4;
	key.port = (__be16)ctx->user_port;
	key.proto = IPPROTO_UDP;
	svc = bpf_map_lookup_elem(&skiff_svc, &key);
	if (!svc)
		return 1;
	be = lb4_pick(bpf_get_netns_cookie(ctx), &key, svc, &pick, &reason);
	if (!be)
		return refuse(reason);

	rkey.cookie = bpf_get_socket_cookie(ctx);
	rkey.addr = be->addr;
	rkey.port = be->port;
	rval.vip = key.vip;
	rval.port = key.port;
	if (bpf_map_update_elem(&skiff_rnat, &rkey, &rval, BPF_ANY))
		stat_inc(LB_STAT_FAIL_RNAT_UPDATE);
	ctx->user_ip4 = be->addr;
	ctx->user_port = be->port;
	stat_inc(LB_STAT_SENDMSG);
	return 1;
}

SEC("cgroup/recvmsg4")
int skiff_recvmsg4(struct bpf_sock_addr *ctx)
{
	struct lb4_rnat_key rkey = {};
	struct lb4_rnat_val *rv;
	struct lb4_sock *s;
	__be32 addr = ctx->user_ip4;
	__be16 port = (__be16)ctx->user_port;

	/* Connected UDP: the socket remembers its translation. */
	s = bpf_sk_storage_get(&skiff_sock, ctx->sk, 0, 0);
	if (s && s->vip && s->addr == addr && s->port == port) {
		ctx->user_ip4 = s->vip;
		ctx->user_port = s->vport;
		stat_inc(LB_STAT_RECV_XLATE);
		return 1;
	}
	rkey.cookie = bpf_get_socket_cookie(ctx);
	rkey.addr = addr;
	rkey.port = port;
	rv = bpf_map_lookup_elem(&skiff_rnat, &rkey);
	if (rv) {
		ctx->user_ip4 = rv->vip;
		ctx->user_port = rv->port;
		stat_inc(LB_STAT_RECV_XLATE);
	}
	return 1;
}

SEC("cgroup/getpeername4")
int skiff_getpeername4(struct bpf_sock_addr *ctx)
{
	struct lb4_sock *s = bpf_sk_storage_get(&skiff_sock, ctx->sk, 0, 0);

	if (s && s->vip && s->addr == ctx->user_ip4 && s->port == (__be16)ctx->user_port) {
		ctx->user_ip4 = s->vip;
		ctx->user_port = s->vport;
		stat_inc(LB_STAT_PEER_XLATE);
	}
	return 1;
}

SEC("cgroup/sock_release")
int skiff_sock_release(struct bpf_sock *sk)
{
	struct lb4_sock *s;

	if (sk->family != AF_INET)
		return 1;
	s = bpf_sk_storage_get(&skiff_sock, sk, 0, 0);
	if (s)
		sock_uncount(s);
	return 1;
}

char LICENSE[] SEC("license") = "GPL";
