/* jwt: RS256 JSON Web Tokens (RFC 7519/7515) signed with one RSA key kept
 * in the data dir; GnuTLS does the RSA (PKCS#1 v1.5 with SHA-256) and the
 * key id hash, this file the compact serialization around it. */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gnutls/gnutls.h>
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/x509.h>
#include "auth/jwt.h"
#include "tls.h"

/* RFC 7518 §3.3: RS256 keys MUST be at least 2048 bits. */
#define JWT_RSA_BITS 2048
/* Unpadded base64url of a SHA-256 digest is 43 characters. */
#define JWT_KID_LEN 43

struct jwt_key {
	gnutls_privkey_t priv;
	gnutls_pubkey_t pub; /* imported once: verification runs per request */
	size_t sig_b64_len;  /* encoded signature length (the modulus size) */
	char kid[JWT_KID_LEN + 1];
	/* The header never changes, so it is encoded once at load. */
	char hdr_b64[128];
};

static const char jwt_b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static int jwt_b64_val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

/* Characters the unpadded encoding of len bytes takes. */
static size_t jwt_b64_len(size_t len)
{
	return len / 3 * 4 + (len % 3 ? len % 3 + 1 : 0);
}

char *jwt_b64url_encode(const void *data, size_t len)
{
	const unsigned char *p = data;
	char *out, *o;
	size_t i;

	if (len > (SIZE_MAX - 8) / 4 * 3)
		return NULL;
	out = malloc(jwt_b64_len(len) + 1);
	if (!out)
		return NULL;
	o = out;
	for (i = 0; i + 3 <= len; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];

		*o++ = jwt_b64_alphabet[v >> 18];
		*o++ = jwt_b64_alphabet[(v >> 12) & 63];
		*o++ = jwt_b64_alphabet[(v >> 6) & 63];
		*o++ = jwt_b64_alphabet[v & 63];
	}
	if (len - i == 1) {
		*o++ = jwt_b64_alphabet[p[i] >> 2];
		*o++ = jwt_b64_alphabet[(p[i] & 3) << 4];
	} else if (len - i == 2) {
		uint32_t v = (uint32_t)p[i] << 8 | p[i + 1];

		*o++ = jwt_b64_alphabet[v >> 10];
		*o++ = jwt_b64_alphabet[(v >> 4) & 63];
		*o++ = jwt_b64_alphabet[(v & 15) << 2];
	}
	*o = 0;
	return out;
}

int jwt_b64url_decode(const char *s, size_t len, unsigned char **out, size_t *out_len)
{
	unsigned char *buf, *o;
	uint32_t acc = 0;
	size_t i;

	*out = NULL;
	*out_len = 0;
	/* one leftover character carries only 6 bits: never a whole byte */
	if (len % 4 == 1)
		return -EINVAL;
	buf = malloc(len / 4 * 3 + 3);
	if (!buf)
		return -ENOMEM;
	o = buf;
	for (i = 0; i < len; i++) {
		int v = jwt_b64_val((unsigned char)s[i]);

		if (v < 0)
			goto err_inval;
		acc = acc << 6 | (uint32_t)v;
		if (i % 4 == 3) {
			*o++ = (unsigned char)(acc >> 16);
			*o++ = (unsigned char)(acc >> 8);
			*o++ = (unsigned char)acc;
			acc = 0;
		}
	}
	/* The bits past the last whole byte must be zero, else two strings
	 * would decode to the same bytes (a token would have twins). */
	if (len % 4 == 2) {
		if (acc & 15)
			goto err_inval;
		*o++ = (unsigned char)(acc >> 4);
	} else if (len % 4 == 3) {
		if (acc & 3)
			goto err_inval;
		*o++ = (unsigned char)(acc >> 10);
		*o++ = (unsigned char)(acc >> 2);
	}
	*o = 0;
	*out = buf;
	*out_len = (size_t)(o - buf);
	return 0;
err_inval:
	free(buf);
	return -EINVAL;
}

static int jwt_key_generate(const char *path)
{
	gnutls_x509_privkey_t x;
	gnutls_datum_t pem = {NULL, 0};
	int err = -EIO;

	if (gnutls_x509_privkey_init(&x))
		return -ENOMEM;
	if (gnutls_x509_privkey_generate(x, GNUTLS_PK_RSA, JWT_RSA_BITS, 0) ||
	    gnutls_x509_privkey_export2(x, GNUTLS_X509_FMT_PEM, &pem))
		goto out_deinit;
	err = tls_write_file(path, (const char *)pem.data, pem.size, 0600);
	gnutls_memset(pem.data, 0, pem.size);
	gnutls_free(pem.data);
out_deinit:
	gnutls_x509_privkey_deinit(x);
	return err;
}

/* The kid and the encoded header, from the public key. */
static int jwt_key_derive_ids(struct jwt_key *k)
{
	unsigned char digest[32];
	gnutls_datum_t spki = {NULL, 0};
	char hdr[96], *s;

	if (gnutls_pubkey_export2(k->pub, GNUTLS_X509_FMT_DER, &spki))
		return -EIO;
	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, spki.data, spki.size, digest)) {
		gnutls_free(spki.data);
		return -EIO;
	}
	gnutls_free(spki.data);
	s = jwt_b64url_encode(digest, sizeof(digest));
	if (!s)
		return -ENOMEM;
	memcpy(k->kid, s, sizeof(k->kid));
	free(s);
	/* the kid is base64url: nothing in it needs JSON escaping */
	snprintf(hdr, sizeof(hdr), "{\"alg\":\"RS256\",\"kid\":\"%s\"}", k->kid);
	s = jwt_b64url_encode(hdr, strlen(hdr));
	if (!s)
		return -ENOMEM;
	snprintf(k->hdr_b64, sizeof(k->hdr_b64), "%s", s);
	free(s);
	return 0;
}

static int jwt_key_import(const char *pem, size_t len, struct jwt_key **out)
{
	gnutls_datum_t d = {(unsigned char *)pem, (unsigned)len};
	gnutls_x509_privkey_t x = NULL;
	struct jwt_key *k;
	unsigned bits = 0;
	int err = -ENOMEM;

	k = calloc(1, sizeof(*k));
	if (!k)
		return -ENOMEM;
	if (gnutls_x509_privkey_init(&x))
		goto err_free;
	err = -EINVAL;
	if (gnutls_x509_privkey_import2(x, &d, GNUTLS_X509_FMT_PEM, NULL, 0) < 0 ||
	    gnutls_x509_privkey_get_pk_algorithm2(x, &bits) != GNUTLS_PK_RSA || bits < JWT_RSA_BITS)
		goto err_x509;
	err = -EIO;
	if (gnutls_privkey_init(&k->priv) ||
	    gnutls_privkey_import_x509(k->priv, x, GNUTLS_PRIVKEY_IMPORT_AUTO_RELEASE))
		goto err_x509;
	x = NULL; /* owned by k->priv now */
	if (gnutls_pubkey_init(&k->pub) || gnutls_pubkey_import_privkey(k->pub, k->priv, 0, 0))
		goto err_free;
	k->sig_b64_len = jwt_b64_len((bits + 7) / 8);
	err = jwt_key_derive_ids(k);
	if (err)
		goto err_free;
	*out = k;
	return 0;
err_x509:
	if (x)
		gnutls_x509_privkey_deinit(x);
err_free:
	jwt_key_free(k);
	return err;
}

int jwt_key_load_or_create(const char *path, struct jwt_key **out)
{
	size_t len = 0;
	char *pem;
	int err;

	*out = NULL;
	errno = 0;
	pem = tls_read_file(path, &len);
	if (!pem && errno == ENOENT) {
		err = jwt_key_generate(path);
		if (err)
			return err;
		/* read back what is on disk, so a restart gets the same key */
		errno = 0;
		pem = tls_read_file(path, &len);
	}
	if (!pem)
		return errno ? -errno : -EIO;
	err = jwt_key_import(pem, len, out);
	gnutls_memset(pem, 0, len);
	free(pem);
	return err;
}

void jwt_key_free(struct jwt_key *k)
{
	if (!k)
		return;
	if (k->pub)
		gnutls_pubkey_deinit(k->pub);
	if (k->priv)
		gnutls_privkey_deinit(k->priv);
	free(k);
}

const char *jwt_key_id(const struct jwt_key *k)
{
	return k->kid;
}

char *jwt_sign(const struct jwt_key *k, const cJSON *claims)
{
	char *payload, *pay_b64 = NULL, *sig_b64 = NULL, *tok = NULL;
	gnutls_datum_t data, sig = {NULL, 0};
	size_t hlen, plen;

	if (!cJSON_IsObject(claims))
		return NULL;
	payload = cJSON_PrintUnformatted(claims);
	if (!payload)
		return NULL;
	pay_b64 = jwt_b64url_encode(payload, strlen(payload));
	if (!pay_b64)
		goto out;
	hlen = strlen(k->hdr_b64);
	plen = strlen(pay_b64);
	if (hlen + 1 + plen + 1 + k->sig_b64_len > JWT_MAX_LEN)
		goto out;
	tok = malloc(JWT_MAX_LEN + 1);
	if (!tok)
		goto out;
	memcpy(tok, k->hdr_b64, hlen);
	tok[hlen] = '.';
	memcpy(tok + hlen + 1, pay_b64, plen + 1);
	data.data = (unsigned char *)tok;
	data.size = (unsigned)(hlen + 1 + plen);
	if (gnutls_privkey_sign_data2(k->priv, GNUTLS_SIGN_RSA_SHA256, 0, &data, &sig) ||
	    !(sig_b64 = jwt_b64url_encode(sig.data, sig.size)) ||
	    strlen(sig_b64) != k->sig_b64_len) {
		free(tok);
		tok = NULL;
		goto out;
	}
	tok[data.size] = '.';
	memcpy(tok + data.size + 1, sig_b64, k->sig_b64_len + 1);
out:
	gnutls_free(sig.data);
	free(sig_b64);
	free(pay_b64);
	free(payload);
	return tok;
}

/* A JSON object filling exactly n bytes: JSON has no raw NUL, and cJSON
 * would stop at one and ignore what follows. */
static cJSON *jwt_parse_object(const unsigned char *buf, size_t n)
{
	cJSON *v;

	if (memchr(buf, 0, n))
		return NULL;
	v = cJSON_ParseWithOpts((const char *)buf, NULL, 1);
	if (v && !cJSON_IsObject(v)) {
		cJSON_Delete(v);
		v = NULL;
	}
	return v;
}

int jwt_verify(const struct jwt_key *k, const char *token, size_t len, cJSON **claims)
{
	unsigned char *hdr = NULL, *pay = NULL, *sig = NULL;
	size_t hlen, plen, slen, signed_len;
	const char *dot1, *dot2, *end;
	const cJSON *alg, *kid;
	gnutls_datum_t data, sigd;
	cJSON *h = NULL, *p = NULL;
	int err;

	*claims = NULL;
	if (!token || !len || len > JWT_MAX_LEN)
		return -EINVAL;
	end = token + len;
	dot1 = memchr(token, '.', len);
	dot2 = dot1 ? memchr(dot1 + 1, '.', (size_t)(end - dot1 - 1)) : NULL;
	if (!dot2 || memchr(dot2 + 1, '.', (size_t)(end - dot2 - 1)))
		return -EINVAL;
	signed_len = (size_t)(dot2 - token);
	if ((err = jwt_b64url_decode(token, (size_t)(dot1 - token), &hdr, &hlen)) ||
	    (err = jwt_b64url_decode(dot1 + 1, (size_t)(dot2 - dot1 - 1), &pay, &plen)) ||
	    (err = jwt_b64url_decode(dot2 + 1, (size_t)(end - dot2 - 1), &sig, &slen)))
		goto out;
	/* Everything malformed is -EINVAL before any key is involved, so the
	 * payload is parsed before the signature is checked. */
	err = -EINVAL;
	h = jwt_parse_object(hdr, hlen);
	p = h ? jwt_parse_object(pay, plen) : NULL;
	if (!p)
		goto out;
	/* Case-sensitive lookups: "ALG" is not "alg" (cJSON_GetObjectItem
	 * ignores case). Only RS256: never "none", never an HMAC keyed with
	 * our public key. "crit" names extensions we do not implement, which
	 * RFC 7515 §4.1.11 says must then be rejected. */
	alg = cJSON_GetObjectItemCaseSensitive(h, "alg");
	kid = cJSON_GetObjectItemCaseSensitive(h, "kid");
	if (!cJSON_IsString(alg) || strcmp(alg->valuestring, "RS256") ||
	    cJSON_GetObjectItemCaseSensitive(h, "crit") || (kid && !cJSON_IsString(kid)))
		goto out;
	err = -EKEYREJECTED;
	if (kid && strcmp(kid->valuestring, k->kid))
		goto out;
	data.data = (unsigned char *)token;
	data.size = (unsigned)signed_len;
	sigd.data = sig;
	sigd.size = (unsigned)slen;
	if (gnutls_pubkey_verify_data2(k->pub, GNUTLS_SIGN_RSA_SHA256, 0, &data, &sigd) < 0)
		goto out;
	*claims = p;
	p = NULL;
	err = 0;
out:
	cJSON_Delete(p);
	cJSON_Delete(h);
	free(sig);
	free(pay);
	free(hdr);
	return err;
}

/* RFC 7519 NumericDate: seconds since the epoch, possibly fractional. */
static bool jwt_is_time(const cJSON *v)
{
	return cJSON_IsNumber(v) && isfinite(v->valuedouble);
}

int jwt_check_time(const cJSON *claims, long long now)
{
	const cJSON *exp = cJSON_GetObjectItemCaseSensitive(claims, "exp");
	const cJSON *nbf = cJSON_GetObjectItemCaseSensitive(claims, "nbf");

	if (!jwt_is_time(exp) || (nbf && !jwt_is_time(nbf)))
		return -EINVAL;
	if (exp->valuedouble <= (double)now || (nbf && nbf->valuedouble > (double)now))
		return -EKEYEXPIRED;
	return 0;
}

bool jwt_looks_like(const char *token, size_t len)
{
	size_t dots = 0, part = 0, i;

	if (!token || len < 3 || memcmp(token, "eyJ", 3))
		return false;
	for (i = 0; i < len; i++) {
		if (token[i] == '.') {
			if (!part || ++dots > 2)
				return false;
			part = 0;
		} else if (jwt_b64_val((unsigned char)token[i]) < 0) {
			return false;
		} else {
			part++;
		}
	}
	return dots == 2 && part;
}
