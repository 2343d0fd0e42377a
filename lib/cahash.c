/* cahash: the CA pin of kubeadm's token discovery, on GnuTLS. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/x509.h>

#include "cahash.h"

#define CAHASH_PREFIX "sha256:"
#define CAHASH_HEX    64 /* SHA-256 is 32 bytes */

int cahash_pem(const char *ca_pem, char *buf, size_t len)
{
	gnutls_datum_t in = {(unsigned char *)ca_pem, ca_pem ? (unsigned)strlen(ca_pem) : 0};
	gnutls_datum_t der = {NULL, 0};
	gnutls_x509_crt_t crt;
	gnutls_pubkey_t pk;
	unsigned char digest[32];
	int rc = -EINVAL;

	if (len < CAHASH_LEN)
		return -ENOSPC;
	if (!ca_pem)
		return -EINVAL;
	if (gnutls_x509_crt_init(&crt) < 0)
		return -ENOMEM;
	/* Takes the first CERTIFICATE block of the PEM; a bundle's others are
	 * ignored, as kubeadm pins the first certificate of the CA file. */
	if (gnutls_x509_crt_import(crt, &in, GNUTLS_X509_FMT_PEM) < 0)
		goto free_crt;
	if (gnutls_pubkey_init(&pk) < 0) {
		rc = -ENOMEM;
		goto free_crt;
	}
	/* DER of a pubkey is its SubjectPublicKeyInfo, what kubeadm hashes. */
	if (gnutls_pubkey_import_x509(pk, crt, 0) < 0 ||
	    gnutls_pubkey_export2(pk, GNUTLS_X509_FMT_DER, &der) < 0)
		goto free_pk;
	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, der.data, der.size, digest) < 0)
		goto free_der;
	memcpy(buf, CAHASH_PREFIX, sizeof(CAHASH_PREFIX) - 1);
	for (size_t i = 0; i < sizeof(digest); i++)
		snprintf(buf + sizeof(CAHASH_PREFIX) - 1 + 2 * i, 3, "%02x", digest[i]);
	rc = 0;
free_der:
	gnutls_free(der.data);
free_pk:
	gnutls_pubkey_deinit(pk);
free_crt:
	gnutls_x509_crt_deinit(crt);
	return rc;
}

bool cahash_valid(const char *s)
{
	size_t n = sizeof(CAHASH_PREFIX) - 1;

	if (!s || strncmp(s, CAHASH_PREFIX, n) || strlen(s + n) != CAHASH_HEX)
		return false;
	return strspn(s + n, "0123456789abcdefABCDEF") == CAHASH_HEX;
}

bool cahash_equal(const char *a, const char *b)
{
	return cahash_valid(a) && cahash_valid(b) && !strcasecmp(a, b);
}
