/* Unit tests for controlplane/auth/jwt.c: RS256 sign/verify against a
 * token made with openssl, every way a token can be malformed or forged,
 * the exp/nbf check, the base64url codec and the key file. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include <gnutls/gnutls.h>
#include <gnutls/abstract.h>
#include <gnutls/x509.h>
#include "auth/jwt.h"
#include "jcmp.h"
#include "tls.h"

/* Made with `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048`
 * (PKCS#8, where jwt.c writes PKCS#1). Its kid and a token signed with it
 * come from openssl too, not from jwt.c:
 *   openssl pkey -pubout -outform DER | openssl dgst -sha256 -binary | basenc --base64url
 *   printf '%s.%s' H P | openssl dgst -sha256 -sign k.pem -binary | basenc --base64url */
static const char fixture_pem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQCa4CnG/mJtutUd\n"
    "DPt5xaqX9Qvi/cFDyVW07BIyvv0YqPEmsX2lotk486bPm4F3DjZaszW5q6KXxJA/\n"
    "PS7W3A/NfoZYMIvHCS735BuM5NgLLb60XNiU8SLNUVVUvJHpsiE7yiBo+N1jTnaV\n"
    "8gyJ6O06iwtM40pn9v6xydPoruSktXvGudrRVPYVn7tnP7cYDsFUceAGELVEWZl4\n"
    "Mw/CjchfDuUe1j9gyVbKJGimZzE9Gaf5tkucQQfsG03R+agxaHPlvNcgK3xq+1Yz\n"
    "hYkArcgV+Pq9D8n/XszMJWyPghxQfg9WuOpGVd6n/wxX+GnzIcdHu15Wwww/LeI5\n"
    "fjctMv4vAgMBAAECggEADXjauXrPC2uD9p3L/EjpBi855E9y3IIq00JGck/xyo+G\n"
    "QU7m4Uh8ASZqCBzR/g4S8ACEd7e0kjjLhsIRjSghtHGWnxzt88Iv6elXn4HCl0pY\n"
    "kJjo+sp1CWDTUuZ/rNFNbxrYhzkVYk+PejX5cupQ7yrsMI6ESOyP4DLwcjOlzlFG\n"
    "XPV4LOQYbBxICPOGGZ9KBJU1ly6adZMjuqYmhFEoubyYy51+MFZlnExKiu9wDvsi\n"
    "GK96R6JVJCRxunal7flZYOS1Q4UqTRQkPHViBfj1oz9jS7CinY1cPinBIraDZE1t\n"
    "Tv93TpMbfOMk8dQY+XijmRvBd5BQyaHIYUhyIn6n6QKBgQDXyR7lZoG8UKvwO+k7\n"
    "bHP23LnKyLPFIDEvFg9zALwoQJVNn3CMSoyQYvaQu440Bb07Cll0BufbmkJWDKWU\n"
    "19gKdXRXuUSCXf9hQ9wsjdke9bKD+LTSteCGvfasQ6H3tuh/MYD3wLzrjPlTn7x2\n"
    "tQzBpqO5Nvyn1iEIugt+Da88yQKBgQC3vRko/22sGuKePuJW8iQ7xytmifS8SDhf\n"
    "leX6sZ9YGE7zzonCmhd5xSnmHMTIJhnk7HpW2UF1QVVXDMdpybI1xWuoxbdkaAxP\n"
    "jxQ4+sLV6u8AKPg98+laYbUWkbg/PL/y9rqSZjwTBrn89m08TQ+AwdH6V0Ayu2WJ\n"
    "sKCyAC/3NwKBgQCb91Fui7XP8Bsmi5cbjVsQHh/n80MEgy0plG9cNzbIfU2tCkXm\n"
    "EOgiYHVIzVeOQGuy5dscIvWo44l4+rEfsRcFEDokQdPDyr8QhWT5ixlY6Eu8WaIQ\n"
    "/sanfVxyzHugOUM41AYcjOG/+2gmyjkFL/1lZtXFxHm/seS0kwxFcwyrCQKBgDDD\n"
    "/ZOGB6OwFwmNAyG0bq129Svn3Y7DVEL6U+mvju0gtoO7A5EkuKpXDAHJDOlaQ3Eg\n"
    "2m+GhfsK9g1+lMadA7GFzkcjAsOhYfMTtHhTBbck/X37Ybd/ryWP3TI6Rr5x7zgb\n"
    "B/WnMLaUCHT9Kozgnwa7anGZCq7sUcyzllLn/dMNAoGAQkxJqOpFcO35xOgGpnSR\n"
    "QAHu3JPsXA/GPYcv1MhcGOZDnWPP8NCyk+4Fs7j10PJ2yYhDlrohZ3U2n2a/vfYi\n"
    "7cbpDhst8p06BWWCLLeRmsBQ5UrrrZKDOmoz6qWZGv9Aj+y7XVFoRZwD5xv+WuSP\n"
    "5Ox8JbO1/7vzjW9axL4g+DI=\n"
    "-----END PRIVATE KEY-----\n";
static const char fixture_kid[] = "-4TP3aXJTC9gCMN_AcbkC01sD32D9RfFTb8n3hftnhw";
static const char fixture_claims[] =
    "{\"iss\":\"skiff\",\"sub\":\"system:serviceaccount:default:x\",\"exp\":4102444800}";
static const char fixture_token[] =
    "eyJhbGciOiJSUzI1NiIsImtpZCI6Ii00VFAzYVhKVEM5Z0NNTl9BY2JrQzAxc0QzMkQ5UmZGVGI4bjNoZnRuaHcifQ."
    "eyJpc3MiOiJza2lmZiIsInN1YiI6InN5c3RlbTpzZXJ2aWNlYWNjb3VudDpkZWZhdWx0OngiLCJleHAiOjQxMDI0NDQ4MD"
    "B9.cerJ2nWNG52Ysbp6-tGj3H_"
    "J0I4xRYSdWl53mEj8rGs9pf1VFFyh0H6HBfvvAkYvRgmzv5Ung7ss9hoQlnx9RSqUl5qtT171_"
    "NijkuQVaubfHO3ag3jo6DTI3Y-kIdxAq1uHIN-MHZ0wNX9BPhsmAYmV3p0HRrD-"
    "ApjCmkddmCpcxP4fItjaFziZtfymJj3K12aen-YIPlUX5zuKLovnj08CpDeyBpMwyOeBWo-58XhKzRlfUSUz619LV_"
    "m28fpB8Z7O_NF4aQxV8Qohln_FdxzBNirV0TEkJumcU2S9I04LEXix2X0qPXUWdK2Gt_8wLjnc25jNHby8euKTthK99g";

struct fx {
	char dir[64];
	char path[2][128]; /* two generated keys */
	char fixture[128]; /* fixture_pem */
	struct jwt_key *key[2], *fix;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_jwt.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	for (int i = 0; i < 2; i++) {
		snprintf(f->path[i], sizeof(f->path[i]), "%s/key%d.pem", f->dir, i);
		if (jwt_key_load_or_create(f->path[i], &f->key[i]))
			return -1;
	}
	snprintf(f->fixture, sizeof(f->fixture), "%s/fixture.pem", f->dir);
	if (tls_write_file(f->fixture, fixture_pem, strlen(fixture_pem), 0600) ||
	    jwt_key_load_or_create(f->fixture, &f->fix))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];

	jwt_key_free(f->key[0]);
	jwt_key_free(f->key[1]);
	jwt_key_free(f->fix);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd))
		return -1;
	free(f);
	return 0;
}

static char *b64s(const char *s)
{
	char *r = jwt_b64url_encode(s, strlen(s));

	assert_non_null(r);
	return r;
}

/* A token with any header and payload text, signed RS256 with the PEM key
 * at path directly through GnuTLS (jwt_sign only makes well-formed ones). */
static char *raw_token(const char *path, const char *hdr, const char *pay, size_t paylen)
{
	gnutls_privkey_t pk;
	gnutls_datum_t pem, data, sig;
	size_t len = 0;
	char *keytext = tls_read_file(path, &len), *h = b64s(hdr), *p, *s, *tok;

	assert_non_null(keytext);
	p = jwt_b64url_encode(pay, paylen);
	assert_non_null(p);
	pem.data = (unsigned char *)keytext;
	pem.size = (unsigned)len;
	assert_int_equal(gnutls_privkey_init(&pk), 0);
	assert_int_equal(gnutls_privkey_import_x509_raw(pk, &pem, GNUTLS_X509_FMT_PEM, NULL, 0), 0);
	assert_int_not_equal(asprintf(&tok, "%s.%s", h, p), -1);
	data.data = (unsigned char *)tok;
	data.size = (unsigned)strlen(tok);
	assert_int_equal(gnutls_privkey_sign_data2(pk, GNUTLS_SIGN_RSA_SHA256, 0, &data, &sig), 0);
	s = jwt_b64url_encode(sig.data, sig.size);
	free(tok);
	assert_int_not_equal(asprintf(&tok, "%s.%s.%s", h, p, s), -1);
	gnutls_free(sig.data);
	gnutls_privkey_deinit(pk);
	free(s);
	free(p);
	free(h);
	free(keytext);
	return tok;
}

static int verify_str(const struct jwt_key *k, const char *tok)
{
	cJSON *c = (cJSON *)1;
	int r = jwt_verify(k, tok, strlen(tok), &c);

	if (r)
		assert_null(c);
	cJSON_Delete(c);
	return r;
}

/* jwt.c and openssl agree on the kid and, RSA PKCS#1 v1.5 being
 * deterministic, on every byte of the token. */
static void test_openssl_interop(void **state)
{
	struct fx *f = *state;
	cJSON *claims = cJSON_Parse(fixture_claims), *got = NULL;
	char *tok;

	assert_string_equal(jwt_key_id(f->fix), fixture_kid);
	tok = jwt_sign(f->fix, claims);
	assert_non_null(tok);
	assert_string_equal(tok, fixture_token);
	assert_int_equal(jwt_verify(f->fix, fixture_token, strlen(fixture_token), &got), 0);
	assert_int_equal(jcmp_equal(got, claims), 1);
	cJSON_Delete(got);
	cJSON_Delete(claims);
	free(tok);
}

static void test_round_trip(void **state)
{
	struct fx *f = *state;
	cJSON *claims =
	    cJSON_Parse("{\"sub\":\"system:serviceaccount:kube-system:dns\","
			"\"aud\":[\"https://kubernetes.default.svc\"],\"exp\":1e10,"
			"\"kubernetes.io\":{\"namespace\":\"kube-system\"},\"x\":\"\u00e9\n\"}");
	cJSON *got = NULL, *hdr;
	unsigned char *raw;
	size_t rawlen;
	char *tok, *buf;

	assert_non_null(claims);
	tok = jwt_sign(f->key[0], claims);
	assert_non_null(tok);
	assert_true(jwt_looks_like(tok, strlen(tok)));
	assert_int_equal(jwt_verify(f->key[0], tok, strlen(tok), &got), 0);
	assert_int_equal(jcmp_equal(got, claims), 1);
	cJSON_Delete(got);
	/* the header is exactly {"alg":"RS256","kid":<kid>} */
	assert_int_equal(jwt_b64url_decode(tok, (size_t)(strchr(tok, '.') - tok), &raw, &rawlen),
			 0);
	hdr = cJSON_Parse((char *)raw);
	assert_non_null(hdr);
	assert_int_equal(cJSON_GetArraySize(hdr), 2);
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(hdr, "alg")->valuestring, "RS256");
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(hdr, "kid")->valuestring,
			    jwt_key_id(f->key[0]));
	assert_int_equal(strlen(jwt_key_id(f->key[0])), 43);
	cJSON_Delete(hdr);
	free(raw);
	/* len bounds the token: an exact-size heap copy without a NUL (ASan
	 * catches a read past it), and a prefix one byte short (342 signature
	 * characters less one are no whole number of bytes) */
	buf = malloc(strlen(tok));
	memcpy(buf, tok, strlen(tok));
	assert_int_equal(jwt_verify(f->key[0], buf, strlen(tok), &got), 0);
	cJSON_Delete(got);
	assert_int_equal(jwt_verify(f->key[0], buf, strlen(tok) - 1, &got), -EINVAL);
	assert_null(got);
	free(buf);
	/* only objects are claims */
	cJSON_Delete(claims);
	claims = cJSON_CreateArray();
	assert_null(jwt_sign(f->key[0], claims));
	assert_null(jwt_sign(f->key[0], NULL));
	cJSON_Delete(claims);
	free(tok);
}

static void test_reload_same_kid(void **state)
{
	struct fx *f = *state;
	struct jwt_key *again;
	cJSON *claims = cJSON_Parse("{\"exp\":1}");
	char *tok = jwt_sign(f->key[0], claims);

	assert_int_equal(jwt_key_load_or_create(f->path[0], &again), 0);
	assert_string_equal(jwt_key_id(again), jwt_key_id(f->key[0]));
	assert_string_not_equal(jwt_key_id(f->key[1]), jwt_key_id(f->key[0]));
	assert_int_equal(verify_str(again, tok), 0);
	jwt_key_free(again);
	cJSON_Delete(claims);
	free(tok);
}

static void test_other_key_rejects(void **state)
{
	struct fx *f = *state;
	cJSON *claims = cJSON_Parse("{\"sub\":\"a\",\"exp\":1}");
	char *tok = jwt_sign(f->key[0], claims), *nokid, *forged_kid, hdr[128];

	assert_int_equal(verify_str(f->key[1], tok), -EKEYREJECTED);
	/* without a kid the signature alone decides: ours is fine, theirs not */
	nokid = raw_token(f->path[0], "{\"alg\":\"RS256\",\"typ\":\"JWT\"}", "{\"sub\":\"a\"}", 11);
	assert_int_equal(verify_str(f->key[0], nokid), 0);
	assert_int_equal(verify_str(f->key[1], nokid), -EKEYREJECTED);
	/* key 1's signature under key 0's kid: the kid matches, the signature not */
	snprintf(hdr, sizeof(hdr), "{\"alg\":\"RS256\",\"kid\":\"%s\"}", jwt_key_id(f->key[0]));
	forged_kid = raw_token(f->path[1], hdr, "{}", 2);
	assert_int_equal(verify_str(f->key[0], forged_kid), -EKEYREJECTED);
	/* a valid signature under a foreign kid */
	free(forged_kid);
	forged_kid = raw_token(f->path[0], "{\"alg\":\"RS256\",\"kid\":\"other\"}", "{}", 2);
	assert_int_equal(verify_str(f->key[0], forged_kid), -EKEYREJECTED);
	free(forged_kid);
	free(nokid);
	cJSON_Delete(claims);
	free(tok);
}

static void test_tampered(void **state)
{
	struct fx *f = *state;
	cJSON *claims = cJSON_Parse("{\"sub\":\"bob\",\"exp\":1}");
	char *tok = jwt_sign(f->key[0], claims), *pay = b64s("{\"sub\":\"admin\",\"exp\":1}");
	char *dot1 = strchr(tok, '.'), *dot2 = strrchr(tok, '.'), *t;

	/* another payload between the original header and signature */
	assert_int_not_equal(asprintf(&t, "%.*s.%s%s", (int)(dot1 - tok), tok, pay, dot2), -1);
	assert_int_equal(verify_str(f->key[0], t), -EKEYREJECTED);
	free(t);
	/* one signature character changed in the middle (the last one
	 * carries unused bits, see test_malformed) */
	t = strdup(tok);
	t[dot2 - tok + 100] = t[dot2 - tok + 100] == 'A' ? 'B' : 'A';
	assert_int_equal(verify_str(f->key[0], t), -EKEYREJECTED);
	free(t);
	/* a signature one byte short, and an empty one */
	unsigned char *sig;
	size_t siglen;
	char *short_sig;
	assert_int_equal(jwt_b64url_decode(dot2 + 1, strlen(dot2 + 1), &sig, &siglen), 0);
	assert_int_equal(siglen, 256);
	short_sig = jwt_b64url_encode(sig, siglen - 1);
	assert_int_not_equal(asprintf(&t, "%.*s.%s", (int)(dot2 - tok), tok, short_sig), -1);
	assert_int_equal(verify_str(f->key[0], t), -EKEYREJECTED);
	t[dot2 - tok + 1] = 0;
	assert_int_equal(verify_str(f->key[0], t), -EKEYREJECTED);
	free(t);
	free(short_sig);
	free(sig);
	free(pay);
	cJSON_Delete(claims);
	free(tok);
}

/* Each header is signed with the right key: it is refused for what it says. */
static void test_bad_headers(void **state)
{
	static const char *const headers[] = {
	    "{\"alg\":\"none\"}",
	    "{\"alg\":\"HS256\"}",
	    "{\"alg\":\"rs256\"}",
	    "{\"alg\":\"RS512\"}",
	    "{\"alg\":\"PS256\"}",
	    "{\"alg\":\"RS256 \"}",
	    "{\"ALG\":\"RS256\"}",
	    "{\"alg\":[\"RS256\"]}",
	    "{\"alg\":null}",
	    "{\"typ\":\"JWT\"}",
	    "{\"alg\":\"RS256\",\"kid\":7}",
	    "{\"alg\":\"RS256\",\"crit\":[\"exp\"],\"exp\":1}",
	    "[\"RS256\"]",
	    "\"RS256\"",
	    "{\"alg\":\"RS256\"} x",
	    "",
	};
	struct fx *f = *state;
	cJSON *claims = cJSON_Parse("{\"exp\":1}");
	char *ok = jwt_sign(f->key[0], claims), *t, *h, *p = b64s("{\"exp\":1}");

	for (size_t i = 0; i < sizeof(headers) / sizeof(headers[0]); i++) {
		t = raw_token(f->path[0], headers[i], "{}", 2);
		if (verify_str(f->key[0], t) != -EINVAL)
			fail_msg("header %s: not -EINVAL", headers[i]);
		free(t);
	}
	/* the classic alg=none forgery: no signature at all */
	h = b64s("{\"alg\":\"none\",\"typ\":\"JWT\"}");
	assert_int_not_equal(asprintf(&t, "%s.%s.", h, p), -1);
	assert_int_equal(verify_str(f->key[0], t), -EINVAL);
	free(t);
	/* alg=HS256 over our header's kid, with an arbitrary MAC */
	free(h);
	h = b64s("{\"alg\":\"HS256\"}");
	assert_int_not_equal(asprintf(&t, "%s.%s%s", h, p, strrchr(ok, '.')), -1);
	assert_int_equal(verify_str(f->key[0], t), -EINVAL);
	free(t);
	free(h);
	free(p);
	free(ok);
	cJSON_Delete(claims);
}

/* Validly signed payloads that are not one JSON object. */
static void test_bad_payloads(void **state)
{
	static const struct {
		const char *s;
		size_t len;
	} pays[] = {
	    {"[1]", 3},	  {"\"x\"", 3}, {"1", 1},     {"null", 4}, {"{", 1},
	    {"{} {}", 5}, {"{}x", 3},	{"{}\0x", 4}, {"", 0},
	};
	struct fx *f = *state;
	char *t;

	for (size_t i = 0; i < sizeof(pays) / sizeof(pays[0]); i++) {
		t = raw_token(f->path[0], "{\"alg\":\"RS256\"}", pays[i].s, pays[i].len);
		if (verify_str(f->key[0], t) != -EINVAL)
			fail_msg("payload %zu (%s): not -EINVAL", i, pays[i].s);
		free(t);
	}
	t = raw_token(f->path[0], "{\"alg\":\"RS256\"}", " {} ", 4);
	assert_int_equal(verify_str(f->key[0], t), 0);
	free(t);
}

static void test_malformed(void **state)
{
	struct fx *f = *state;
	cJSON *claims = cJSON_Parse("{\"exp\":1}"), *c;
	char *tok = jwt_sign(f->key[0], claims), *t, *big;
	size_t n = strlen(tok), dot2 = (size_t)(strrchr(tok, '.') - tok);
	const char *bad[] = {"", ".", "..", "...", "a", "eyJ", "a.b", "a.b.c.d"};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (verify_str(f->key[0], bad[i]) != -EINVAL)
			fail_msg("\"%s\": not -EINVAL", bad[i]);
	c = (cJSON *)1;
	assert_int_equal(jwt_verify(f->key[0], NULL, 0, &c), -EINVAL);
	assert_null(c);
	/* two parts, four parts, a trailing dot */
	t = strndup(tok, dot2);
	assert_int_equal(verify_str(f->key[0], t), -EINVAL);
	free(t);
	assert_int_not_equal(asprintf(&t, "%s.AAAA", tok), -1);
	assert_int_equal(verify_str(f->key[0], t), -EINVAL);
	free(t);
	assert_int_not_equal(asprintf(&t, "%s.", tok), -1);
	assert_int_equal(verify_str(f->key[0], t), -EINVAL);
	free(t);
	/* characters outside base64url, padding, a NUL, in each part */
	const char subst[] = {'+', '/', '=', ' ', '\0', '\n', '\xc3'};
	size_t where[] = {5, strchr(tok, '.') - tok + 5, dot2 + 5};
	for (size_t i = 0; i < sizeof(subst); i++)
		for (size_t j = 0; j < 3; j++) {
			t = strdup(tok);
			t[where[j]] = subst[i];
			c = NULL;
			if (jwt_verify(f->key[0], t, n, &c) != -EINVAL)
				fail_msg("0x%02x at %zu: not -EINVAL", (unsigned char)subst[i],
					 where[j]);
			assert_null(c);
			free(t);
		}
	/* 256 signature bytes end in a 2-character group whose second character
	 * holds 4 unused bits: setting one makes a twin token, refused */
	t = strdup(tok);
	assert_true(strchr("AQgw", t[n - 1]) != NULL);
	t[n - 1] = t[n - 1] + 1;
	assert_int_equal(verify_str(f->key[0], t), -EINVAL);
	free(t);
	/* over JWT_MAX_LEN: refused even when validly signed, and never made */
	big = malloc(JWT_MAX_LEN + 1);
	memset(big, 'a', JWT_MAX_LEN);
	big[JWT_MAX_LEN] = 0;
	cJSON_AddStringToObject(claims, "pad", big + JWT_MAX_LEN / 4); /* 3/4 of the limit */
	assert_null(jwt_sign(f->key[0], claims));
	t = cJSON_PrintUnformatted(claims);
	free(big);
	big = raw_token(f->path[0], "{\"alg\":\"RS256\"}", t, strlen(t));
	assert_true(strlen(big) > JWT_MAX_LEN);
	assert_int_equal(verify_str(f->key[0], big), -EINVAL);
	free(big);
	free(t);
	/* just under the limit is fine */
	cJSON_DeleteItemFromObjectCaseSensitive(claims, "pad");
	big = calloc(1, JWT_MAX_LEN);
	memset(big, 'a', JWT_MAX_LEN * 3 / 4 - 400);
	cJSON_AddStringToObject(claims, "pad", big);
	free(big);
	big = jwt_sign(f->key[0], claims);
	assert_non_null(big);
	assert_true(strlen(big) > JWT_MAX_LEN - 100 && strlen(big) <= JWT_MAX_LEN);
	assert_int_equal(verify_str(f->key[0], big), 0);
	free(big);
	cJSON_Delete(claims);
	free(tok);
}

static void test_check_time(void **state)
{
	static const struct {
		const char *claims;
		int want;
	} cases[] = {
	    {"{\"exp\":1001}", 0},
	    {"{\"exp\":1000.5}", 0},
	    {"{\"exp\":1000}", -EKEYEXPIRED},
	    {"{\"exp\":999}", -EKEYEXPIRED},
	    {"{\"exp\":-1}", -EKEYEXPIRED},
	    {"{\"exp\":2000,\"nbf\":1000}", 0},
	    {"{\"exp\":2000,\"nbf\":1001}", -EKEYEXPIRED},
	    {"{\"exp\":2000,\"nbf\":\"0\"}", -EINVAL},
	    {"{\"exp\":2000,\"nbf\":null}", -EINVAL},
	    {"{}", -EINVAL},
	    {"{\"EXP\":2000}", -EINVAL},
	    {"{\"exp\":\"2000\"}", -EINVAL},
	    {"{\"exp\":true}", -EINVAL},
	    {"{\"exp\":1e999}", -EINVAL},
	};
	cJSON *c;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		c = cJSON_Parse(cases[i].claims);
		assert_non_null(c);
		if (jwt_check_time(c, 1000) != cases[i].want)
			fail_msg("%s at 1000: want %d", cases[i].claims, cases[i].want);
		cJSON_Delete(c);
	}
	assert_int_equal(jwt_check_time(NULL, 0), -EINVAL);
	c = cJSON_CreateObject();
	cJSON_AddNumberToObject(c, "exp", NAN);
	assert_int_equal(jwt_check_time(c, 0), -EINVAL);
	cJSON_Delete(c);
}

static void test_b64url(void **state)
{
	/* RFC 4648 §10, and bytes that use the two URL-safe characters */
	static const struct {
		const char *raw, *enc;
	} vec[] = {
	    {"", ""},
	    {"f", "Zg"},
	    {"fo", "Zm8"},
	    {"foo", "Zm9v"},
	    {"foob", "Zm9vYg"},
	    {"fooba", "Zm9vYmE"},
	    {"foobar", "Zm9vYmFy"},
	    {"\xfb\xff", "-_8"},
	    {"\xff\xff\xfe", "___-"},
	};
	static const char *const bad[] = {"Z",	 "Zg=",	 "Zg==",  "Zh",	  "Zm9",   "Zm9v\n",
					  "+/8", "Zm 9", "Zm9vY", "%%%%", "Zm9v=", "A"};
	unsigned char *out;
	size_t n;
	char *e;

	(void)state;
	for (size_t i = 0; i < sizeof(vec) / sizeof(vec[0]); i++) {
		e = jwt_b64url_encode(vec[i].raw, strlen(vec[i].raw));
		assert_string_equal(e, vec[i].enc);
		free(e);
		assert_int_equal(jwt_b64url_decode(vec[i].enc, strlen(vec[i].enc), &out, &n), 0);
		assert_int_equal(n, strlen(vec[i].raw));
		assert_memory_equal(out, vec[i].raw, n);
		assert_int_equal(out[n], 0);
		free(out);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		out = (unsigned char *)1;
		if (jwt_b64url_decode(bad[i], strlen(bad[i]), &out, &n) != -EINVAL)
			fail_msg("\"%s\" decoded", bad[i]);
		assert_null(out);
	}
	/* every byte value, every length mod 3 */
	unsigned char all[256];
	for (int i = 0; i < 256; i++)
		all[i] = (unsigned char)i;
	for (size_t len = 250; len <= 256; len++) {
		e = jwt_b64url_encode(all, len);
		assert_int_equal(jwt_b64url_decode(e, strlen(e), &out, &n), 0);
		assert_int_equal(n, len);
		assert_memory_equal(out, all, len);
		free(out);
		free(e);
	}
}

static void test_looks_like(void **state)
{
	static const struct {
		const char *s;
		bool want;
	} cases[] = {
	    {"eyJa.b.c", true},
	    {"eyJhbGciOiJSUzI1NiJ9.e30.c2ln", true},
	    {"eyJa.b.", false},
	    {"eyJa..c", false},
	    {"eyJ.b.c.d", false},
	    {"eyJa.b", false},
	    {"eyJa.b.c=", false},
	    {"eyJa.b+.c", false},
	    {"abcdef.0123456789abcdef", false}, /* a bootstrap token */
	    {"eyj.b.c", false},
	    {"", false},
	    {"eyJ", false},
	};
	struct fx *f = *state;
	cJSON *claims = cJSON_Parse("{}");
	char *tok = jwt_sign(f->key[0], claims);

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (jwt_looks_like(cases[i].s, strlen(cases[i].s)) != cases[i].want)
			fail_msg("%s: want %d", cases[i].s, cases[i].want);
	assert_true(jwt_looks_like(tok, strlen(tok)));
	assert_false(jwt_looks_like(tok, strlen(tok) - strlen(strrchr(tok, '.'))));
	assert_false(jwt_looks_like(NULL, 0));
	cJSON_Delete(claims);
	free(tok);
}

static void test_key_file(void **state)
{
	struct fx *f = *state;
	struct jwt_key *k = (struct jwt_key *)1;
	gnutls_x509_privkey_t x;
	gnutls_datum_t pem;
	char path[160], tmp[200];
	struct stat st;
	mode_t old = umask(0);

	/* 0600 even with an empty umask, and no temporary file left behind */
	snprintf(path, sizeof(path), "%s/new.pem", f->dir);
	assert_int_equal(jwt_key_load_or_create(path, &k), 0);
	umask(old);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	assert_int_equal(access(tmp, F_OK), -1);
	assert_int_equal(stat(f->path[0], &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	jwt_key_free(k);
	jwt_key_free(NULL);

	/* files that are not an RSA key of at least 2048 bits are -EINVAL,
	 * and stay as they were */
	static const char *const junk[] = {
	    "", "hello\n", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"};
	snprintf(path, sizeof(path), "%s/junk.pem", f->dir);
	for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
		size_t len = 0;
		char *back;

		assert_int_equal(tls_write_file(path, junk[i], strlen(junk[i]), 0600), 0);
		k = (struct jwt_key *)1;
		assert_int_equal(jwt_key_load_or_create(path, &k), -EINVAL);
		assert_null(k);
		back = tls_read_file(path, &len);
		assert_int_equal(len, strlen(junk[i]));
		free(back);
	}
	const struct {
		gnutls_pk_algorithm_t alg;
		unsigned bits;
	} weak[] = {{GNUTLS_PK_RSA, 1024},
		    {GNUTLS_PK_ECDSA, GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1)}};
	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(gnutls_x509_privkey_init(&x), 0);
		assert_int_equal(gnutls_x509_privkey_generate(x, weak[i].alg, weak[i].bits, 0), 0);
		assert_int_equal(gnutls_x509_privkey_export2(x, GNUTLS_X509_FMT_PEM, &pem), 0);
		assert_int_equal(tls_write_file(path, (char *)pem.data, pem.size, 0600), 0);
		assert_int_equal(jwt_key_load_or_create(path, &k), -EINVAL);
		gnutls_free(pem.data);
		gnutls_x509_privkey_deinit(x);
	}
	/* a directory that does not exist */
	snprintf(path, sizeof(path), "%s/missing/key.pem", f->dir);
	assert_int_equal(jwt_key_load_or_create(path, &k), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_openssl_interop), cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_reload_same_kid), cmocka_unit_test(test_other_key_rejects),
	    cmocka_unit_test(test_tampered),	    cmocka_unit_test(test_bad_headers),
	    cmocka_unit_test(test_bad_payloads),    cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_check_time),	    cmocka_unit_test(test_b64url),
	    cmocka_unit_test(test_looks_like),	    cmocka_unit_test(test_key_file),
	};

	return cmocka_run_group_tests_name("jwt", tests, setup, teardown);
}
