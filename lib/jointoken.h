/* jointoken: kubeadm's bootstrap (join) tokens, "<id>.<secret>" with a
 * public 6-character id and a 16-character secret of [a-z0-9], stored by
 * the server as Secret kube-system/bootstrap-token-<id>. Shared by
 * skiffctl (create, list, delete) and skiff-node (the local check before
 * a join). */
#ifndef SKIFF_JOINTOKEN_H
#define SKIFF_JOINTOKEN_H

#include <stdbool.h>

#define JOINTOKEN_ID_LEN	6
#define JOINTOKEN_SECRET_LEN	16
#define JOINTOKEN_LEN		(JOINTOKEN_ID_LEN + 1 + JOINTOKEN_SECRET_LEN)
#define JOINTOKEN_SECRET_PREFIX "bootstrap-token-"
#define JOINTOKEN_SECRET_TYPE	"bootstrap.kubernetes.io/token"

/* tok matches [a-z0-9]{6}\.[a-z0-9]{16}. */
bool jointoken_valid(const char *tok);
/* id matches [a-z0-9]{6}. */
bool jointoken_id_valid(const char *id);
/* A new random token into out (JOINTOKEN_LEN + 1 bytes). 0 or -errno. */
int jointoken_generate(char *out);
/* A --ttl in Go's duration syntax restricted to whole h/m/s units ("1h",
 * "30m", "1h30m", "90s"; "0" = never expires) into *secs. 0, or -EINVAL
 * (empty, unknown unit, negative, fractional) or -ERANGE (overflow). */
int jointoken_parse_ttl(const char *s, long long *secs);

#endif
