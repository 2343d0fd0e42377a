/* jointoken: format, generation and TTL syntax of kubeadm's bootstrap
 * tokens. */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/random.h>

#include "jointoken.h"

static const char jt_alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";

static bool jt_chars(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!s[i] || !strchr(jt_alphabet, s[i]))
			return false;
	return true;
}

bool jointoken_id_valid(const char *id)
{
	return id && strlen(id) == JOINTOKEN_ID_LEN && jt_chars(id, JOINTOKEN_ID_LEN);
}

bool jointoken_valid(const char *tok)
{
	return tok && strlen(tok) == JOINTOKEN_LEN && jt_chars(tok, JOINTOKEN_ID_LEN) &&
	       tok[JOINTOKEN_ID_LEN] == '.' &&
	       jt_chars(tok + JOINTOKEN_ID_LEN + 1, JOINTOKEN_SECRET_LEN);
}

int jointoken_generate(char *out)
{
	/* 36 divides 252: bytes >= 252 are dropped so every character is
	 * equally likely (a plain % 36 favours the first 4 of 256 % 36). */
	const unsigned limit = 252, n = sizeof(jt_alphabet) - 1;
	unsigned char rnd[64];
	size_t got = 0;

	while (got < JOINTOKEN_LEN - 1) {
		ssize_t r = getrandom(rnd, sizeof(rnd), 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		for (ssize_t i = 0; i < r && got < JOINTOKEN_LEN - 1; i++) {
			if (rnd[i] >= limit)
				continue;
			/* position JOINTOKEN_ID_LEN is the '.' */
			out[got < JOINTOKEN_ID_LEN ? got : got + 1] = jt_alphabet[rnd[i] % n];
			got++;
		}
	}
	out[JOINTOKEN_ID_LEN] = '.';
	out[JOINTOKEN_LEN] = '\0';
	return 0;
}

int jointoken_parse_ttl(const char *s, long long *secs)
{
	long long total = 0;

	if (!s || !*s)
		return -EINVAL;
	/* Go's time.ParseDuration accepts a bare "0" and nothing else unitless. */
	if (!strcmp(s, "0")) {
		*secs = 0;
		return 0;
	}
	while (*s) {
		long long v = 0, mult;

		if (*s < '0' || *s > '9')
			return -EINVAL;
		for (; *s >= '0' && *s <= '9'; s++) {
			if (v > (LLONG_MAX - 9) / 10)
				return -ERANGE;
			v = v * 10 + (*s - '0');
		}
		switch (*s++) {
		case 'h':
			mult = 3600;
			break;
		case 'm':
			mult = 60;
			break;
		case 's':
			mult = 1;
			break;
		default:
			return -EINVAL;
		}
		if (v > (LLONG_MAX - total) / mult)
			return -ERANGE;
		total += v * mult;
	}
	*secs = total;
	return 0;
}
