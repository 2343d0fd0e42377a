/* schema_pb_text: the JSON text forms protobuf values decode to, as Go's
 * encoding/json writes them: strings (invalid UTF-8 replaced), base64
 * bytes, RFC 3339 times, Go durations. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "schema_pb_int.h"

/* A JSON string from protobuf bytes. Invalid UTF-8 becomes U+FFFD, as Go's
 * encoding/json writes it; a NUL cannot live in a cJSON string. */
int sch_pb_string(struct pb_dec *d, const uint8_t *s, size_t n, cJSON **out)
{
	char *t, *w;
	size_t i = 0;
	int rc;

	size_t esc = 0;

	if (memchr(s, 0, n))
		return sch_pb_err(d, "string contains a NUL byte");
	/* control bytes print as \u00XX, quote and backslash as \" and \\ */
	for (size_t k = 0; k < n; k++)
		if (s[k] < 0x20 || s[k] == '"' || s[k] == '\\')
			esc += s[k] < 0x20 ? 5 : 1;
	if ((rc = sch_pb_charge(d, n + esc + 2)))
		return rc;
	t = malloc(3 * n + 1); /* each bad byte may become 3 */
	if (!t)
		return -ENOMEM;
	w = t;
	while (i < n) {
		uint8_t c = s[i];
		size_t len = c < 0x80		  ? 1
			     : (c & 0xe0) == 0xc0 ? 2
			     : (c & 0xf0) == 0xe0 ? 3
			     : (c & 0xf8) == 0xf0 ? 4
						  : 0;
		uint32_t cp = len == 2 ? c & 0x1f : len == 3 ? c & 0x0f : c & 0x07;
		bool ok = len && i + len <= n;

		for (size_t k = 1; ok && k < len; k++) {
			ok = (s[i + k] & 0xc0) == 0x80;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		/* overlong forms, surrogates and beyond U+10FFFF are invalid */
		if (ok && len > 1)
			ok = !(len == 2 && cp < 0x80) && !(len == 3 && cp < 0x800) &&
			     !(len == 4 && (cp < 0x10000 || cp > 0x10ffff)) &&
			     !(cp >= 0xd800 && cp <= 0xdfff);
		if (!ok) {
			memcpy(w, "\xef\xbf\xbd", 3);
			w += 3;
			i++;
			continue;
		}
		memcpy(w, s + i, len);
		w += len;
		i += len;
	}
	*w = 0;
	*out = cJSON_CreateString(t);
	free(t);
	return *out ? 0 : -ENOMEM;
}

static const char b64_chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* []byte is base64 (standard alphabet, padded) in Go's JSON. */
int sch_pb_base64(struct pb_dec *d, const uint8_t *s, size_t n, cJSON **out)
{
	size_t olen = (n + 2) / 3 * 4;
	char *t, *w;
	int rc;

	if ((rc = sch_pb_charge(d, olen + 2)))
		return rc;
	t = malloc(olen + 1);
	if (!t)
		return -ENOMEM;
	w = t;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)s[i] << 16;

		if (i + 1 < n)
			v |= (uint32_t)s[i + 1] << 8;
		if (i + 2 < n)
			v |= s[i + 2];
		*w++ = b64_chars[(v >> 18) & 63];
		*w++ = b64_chars[(v >> 12) & 63];
		*w++ = i + 1 < n ? b64_chars[(v >> 6) & 63] : '=';
		*w++ = i + 2 < n ? b64_chars[v & 63] : '=';
	}
	*w = 0;
	*out = cJSON_CreateString(t);
	free(t);
	return *out ? 0 : -ENOMEM;
}

/* Seconds (and microseconds) since the epoch as RFC 3339 in UTC; Go refuses
 * to write years outside 0..9999. */
int sch_pb_rfc3339(struct pb_dec *d, int64_t sec, int64_t nanos, bool micro, cJSON **out)
{
	char s[96]; /* what the format can print for any int fields */
	struct tm tm;
	time_t t;

	sec += nanos / 1000000000;
	nanos %= 1000000000;
	if (nanos < 0) {
		nanos += 1000000000;
		sec--;
	}
	if (sec < -62167219200LL || sec > 253402300799LL)
		return sch_pb_err(d, "time out of range (year outside 0..9999)");
	t = (time_t)sec;
	if (!gmtime_r(&t, &tm))
		return sch_pb_err(d, "time out of range");
	if (micro)
		snprintf(s, sizeof(s), "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year + 1900,
			 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
			 (int)(nanos / 1000));
	else
		snprintf(s, sizeof(s), "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
			 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	*out = cJSON_CreateString(s);
	return *out ? sch_pb_charge(d, strlen(s) + 2) : -ENOMEM;
}

/* Write the digits of v (at least one) right to left ending at *w. */
static char *dur_int(char *w, uint64_t v)
{
	do {
		*--w = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return w;
}

/* Write prec fraction digits of v ending at *w, without trailing zeros
 * (and without the point if all are zero); v becomes the integer part. */
static char *dur_frac(char *w, uint64_t *v, int prec)
{
	bool print = false;

	for (int i = 0; i < prec; i++) {
		unsigned digit = (unsigned)(*v % 10);

		print = print || digit;
		if (print)
			*--w = (char)('0' + digit);
		*v /= 10;
	}
	if (print)
		*--w = '.';
	return w;
}

/* A Go time.Duration as Duration.String() prints it: "1h2m3.5s", "1.5ms",
 * "0s". buf holds at least 32 bytes; returns the start of the text. */
const char *sch_pb_duration(int64_t ns, char *buf)
{
	char *w = buf + 31;
	uint64_t u = ns < 0 ? -(uint64_t)ns : (uint64_t)ns;

	*w = 0;
	*--w = 's';
	if (u < 1000000000ull) {
		int prec = 0;

		if (!u) {
			*--w = '0';
			return w;
		}
		if (u < 1000ull) {
			*--w = 'n';
		} else if (u < 1000000ull) {
			prec = 3;
			w -= 2;
			memcpy(w, "\xc2\xb5", 2); /* µ */
		} else {
			prec = 6;
			*--w = 'm';
		}
		w = dur_frac(w, &u, prec);
		w = dur_int(w, u);
	} else {
		w = dur_frac(w, &u, 9);
		w = dur_int(w, u % 60);
		u /= 60;
		if (u) {
			*--w = 'm';
			w = dur_int(w, u % 60);
			u /= 60;
			if (u) {
				*--w = 'h';
				w = dur_int(w, u);
			}
		}
	}
	if (ns < 0)
		*--w = '-';
	return w;
}
