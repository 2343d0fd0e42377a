/* libFuzzer harness for the JWT module: jwt_verify and the base64url
 * codec on arbitrary bytes, and sign/verify round trips of any JSON object.
 * The key is generated once per run, so no input (seeds included, which
 * were signed with other keys) may ever verify. */
// clang-format off
/* FUZZ_SOURCES: controlplane/auth/jwt.c controlplane/tls.c lib/kubeconfig.c lib/yamljson.c lib/buf.c lib/log.c lib/jcmp.c */
/* FUZZ_PKGS: gnutls yaml-0.1 */
// clang-format on
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cjson/cJSON.h>
#include "auth/jwt.h"
#include "jcmp.h"

static struct jwt_key *fuzz_key;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char dir[] = "/tmp/fuzz_jwt.XXXXXX", path[64];

	(void)argc;
	(void)argv;
	if (!mkdtemp(dir))
		abort();
	snprintf(path, sizeof(path), "%s/key.pem", dir);
	if (jwt_key_load_or_create(path, &fuzz_key))
		abort();
	unlink(path);
	rmdir(dir);
	return 0;
}

/* Strict base64url: whatever decodes re-encodes to the same text. */
static void fuzz_b64(const uint8_t *data, size_t size)
{
	unsigned char *out;
	size_t n;
	char *back;

	if (jwt_b64url_decode((const char *)data, size, &out, &n))
		return;
	back = jwt_b64url_encode(out, n);
	if (!back || strlen(back) != size || memcmp(back, data, size) || out[n])
		abort();
	free(back);
	free(out);
}

/* Any JSON object signs, and verifies to what was signed: the parse of its
 * printed form (cJSON may print a double that reads back 1 ulp off). */
static void fuzz_round_trip(const uint8_t *data, size_t size)
{
	cJSON *in = cJSON_ParseWithLength((const char *)data, size), *signed_, *got = NULL;
	char *printed, *tok;
	size_t plen;

	if (!cJSON_IsObject(in)) {
		cJSON_Delete(in);
		return;
	}
	printed = cJSON_PrintUnformatted(in);
	if (!printed)
		abort();
	plen = strlen(printed);
	tok = jwt_sign(fuzz_key, in);
	/* only too long a token may fail: header ~90 + payload + 342 signature */
	if (!tok) {
		if (plen / 3 * 4 + 512 <= JWT_MAX_LEN)
			abort();
		goto out;
	}
	if (!jwt_looks_like(tok, strlen(tok)) || jwt_verify(fuzz_key, tok, strlen(tok), &got))
		abort();
	signed_ = cJSON_Parse(printed);
	if (jcmp_equal(got, signed_) != 1)
		abort();
	cJSON_Delete(signed_);
	cJSON_Delete(got);
	free(tok);
out:
	free(printed);
	cJSON_Delete(in);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cJSON *claims = (cJSON *)1;
	int r = jwt_verify(fuzz_key, (const char *)data, size, &claims);

	/* nothing verifies without our key; failures leave no claims */
	if (r != -EINVAL && r != -EKEYREJECTED)
		abort();
	if (claims)
		abort();
	fuzz_b64(data, size);
	fuzz_round_trip(data, size);
	return 0;
}
