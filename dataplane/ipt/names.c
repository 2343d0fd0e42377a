/* names: kube-proxy's chain names (upstream portProtoHash and
 * servicePortEndpointChainName). */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include <gnutls/crypto.h>

#include "ipt_int.h"

/* 16 base32 characters hold 80 bits: the digest's first 10 bytes. */
#define HASH_CHARS 16

/* RFC 4648 base32 (Go's base32.StdEncoding) of the first 10 bytes of d. */
static void base32_16(const unsigned char *d, char *out)
{
	static const char alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
	uint32_t acc = 0;
	int bits = 0, o = 0;

	for (int i = 0; i < 10; i++) {
		acc = (acc << 8) | d[i];
		bits += 8;
		while (bits >= 5) {
			out[o++] = alpha[(acc >> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	out[o] = 0;
}

void ipt_chain_name(char out[IPT_CHAIN_MAX], const char *prefix, const char *spn, const char *proto,
		    const char *ep)
{
	unsigned char digest[32];
	char input[IPT_SPN_MAX + 32], enc[HASH_CHARS + 1];
	int n = snprintf(input, sizeof(input), "%s%s%s", spn, proto, ep);

	if (n < 0 || (size_t)n >= sizeof(input) ||
	    gnutls_hash_fast(GNUTLS_DIG_SHA256, input, (size_t)n, digest) < 0)
		memset(digest, 0, sizeof(digest)); /* cannot happen with valid names */
	base32_16(digest, enc);
	snprintf(out, IPT_CHAIN_MAX, "%s%s", prefix, enc);
}

const char *ipt_proto_name(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_SCTP:
		return "sctp";
	}
	return NULL;
}
