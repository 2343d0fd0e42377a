/* cahash: kubeadm's CA public key pin, "sha256:<hex>" over the DER
 * SubjectPublicKeyInfo of the cluster CA certificate
 * (--discovery-token-ca-cert-hash). Hashing the key rather than the whole
 * certificate lets a CA be re-issued with the same key without new pins. */
#ifndef SKIFF_CAHASH_H
#define SKIFF_CAHASH_H

#include <stdbool.h>
#include <stddef.h>

/* "sha256:" + 64 hex digits + NUL */
#define CAHASH_LEN 72

/* Pin of the first certificate in ca_pem into buf (>= CAHASH_LEN bytes).
 * Returns 0, -EINVAL if ca_pem holds no parsable certificate, -ENOSPC if
 * buf is too small, -ENOMEM. */
int cahash_pem(const char *ca_pem, char *buf, size_t len);
/* s is "sha256:" followed by 64 hex digits (either case). */
bool cahash_valid(const char *s);
/* Two valid pins name the same key (hex compared without case). */
bool cahash_equal(const char *a, const char *b);

#endif
