/* jwt: RS256 JSON Web Tokens (RFC 7519/7515) signed with one RSA key kept in the data dir. */
#ifndef SKIFF_JWT_H
#define SKIFF_JWT_H

#include <stdbool.h>
#include <stddef.h>
#include <cjson/cJSON.h>

/* Longest compact token accepted or produced, in bytes (kube-apiserver's
 * ServiceAccount tokens are ~1 KiB; this leaves room for bound claims). */
#define JWT_MAX_LEN 16384

struct jwt_key;

/* Load the PEM private key at path, or, when the file does not exist, generate an RSA 2048 key and
 * write it (0600, atomically: tmp + fsync + rename). 0 or -errno (-EINVAL: the file is not a key).
 */
int jwt_key_load_or_create(const char *path, struct jwt_key **out);
void jwt_key_free(struct jwt_key *k);
/* The key id: unpadded base64url of SHA-256 over the public key's DER SubjectPublicKeyInfo (as
 * kube-apiserver's kid). */
const char *jwt_key_id(const struct jwt_key *k);
/* Sign claims (a JSON object) as header {"alg":"RS256","kid":<kid>} . payload . signature.
 * malloc'd, NULL on error (also when the token would be longer than JWT_MAX_LEN, as jwt_verify
 * would refuse it). */
char *jwt_sign(const struct jwt_key *k, const cJSON *claims);
/* Verify a compact token (len bytes, not necessarily NUL-terminated): three base64url parts, header
 * alg must be RS256 (reject "none" and everything else), kid if present must equal ours, signature
 * valid. On success 0 and *claims is the parsed payload object (caller frees). -EINVAL: malformed
 * (not three parts, bad base64url, header or payload not a JSON object, wrong alg, a "crit" header,
 * over JWT_MAX_LEN); -EKEYREJECTED: the signature (or kid) does not match. Expiry and other claims
 * are the caller's job (jwt_check_time). */
int jwt_verify(const struct jwt_key *k, const char *token, size_t len, cJSON **claims);
/* exp/nbf check of verified claims at time now (seconds): 0, -EKEYEXPIRED (exp <= now, or nbf >
 * now), -EINVAL (exp missing or not a finite number, nbf present and not one). */
int jwt_check_time(const cJSON *claims, long long now);
/* Cheap test whether a bearer string looks like a JWT (three non-empty dot-separated base64url
 * parts, starts with "eyJ", the encoding of '{"'), no crypto. */
bool jwt_looks_like(const char *token, size_t len);

/* Unpadded base64url (RFC 4648 §5) of len bytes: a malloc'd NUL-terminated string, NULL when out of
 * memory. */
char *jwt_b64url_encode(const void *data, size_t len);
/* Decode len chars of unpadded base64url into a malloc'd buffer (*out, *out_len bytes, plus a NUL
 * after them so text can be parsed in place). Strict: '=' padding, characters outside the alphabet,
 * a length of 4n+1 and nonzero unused bits in the last character are -EINVAL, so every byte string
 * has exactly one encoding. 0, -EINVAL or -ENOMEM. */
int jwt_b64url_decode(const char *s, size_t len, unsigned char **out, size_t *out_len);

#endif
