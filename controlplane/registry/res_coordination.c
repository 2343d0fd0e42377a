/* res_coordination: Lease (coordination.k8s.io/v1), the object leader
 * election and node heartbeats renew: decoding of its MicroTime fields,
 * validation after upstream's coordination validation.go (ValidateLease)
 * and the Table row of printers.go (printLease). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "res_util.h"

/* metav1.RFC3339Micro: what MicroTime is parsed with and printed as */
#define LEASE_MICRO_LAYOUT "2006-01-02T15:04:05.000000Z07:00"

/* The layout's chunks, each a literal prefix and the field after it, the
 * way Go's time.Parse walks a layout (its errors name the chunk). */
enum lease_tf { LT_YEAR, LT_MON, LT_DAY, LT_HOUR, LT_MIN, LT_SEC, LT_FRAC, LT_TZ };
static const struct {
	const char *prefix, *std;
	enum lease_tf f;
} lease_chunks[] = {
    {"", "2006", LT_YEAR}, {"-", "01", LT_MON}, {"-", "02", LT_DAY},	  {"T", "15", LT_HOUR},
    {":", "04", LT_MIN},   {":", "05", LT_SEC}, {"", ".000000", LT_FRAC}, {"", "Z07:00", LT_TZ},
};

static bool lease_digit(const char *s, size_t i)
{
	return strlen(s) > i && s[i] >= '0' && s[i] <= '9';
}

/* time.getnum: one or two digits (two when fixed); -1 when none. */
static int lease_getnum(const char **s, bool fixed)
{
	int v;

	if (!lease_digit(*s, 0))
		return -1;
	if (!lease_digit(*s, 1)) {
		if (fixed)
			return -1;
		return *(*s)++ - '0';
	}
	v = ((*s)[0] - '0') * 10 + (*s)[1] - '0';
	*s += 2;
	return v;
}

static int lease_days_in(int mon, int year)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	return mon == 2 && leap ? 29 : days[mon - 1];
}

/* One field at *s (advanced); 0, -EINVAL (malformed) or -ERANGE with *what
 * naming the field out of range. tz gets the zone offset in seconds. */
static int lease_field(enum lease_tf f, const char **s, int *v, int *tz, const char **what)
{
	switch (f) {
	case LT_YEAR:
		if (!lease_digit(*s, 0) || !lease_digit(*s, 1) || !lease_digit(*s, 2) ||
		    !lease_digit(*s, 3))
			return -EINVAL;
		*v = atoi((char[5]){(*s)[0], (*s)[1], (*s)[2], (*s)[3], 0});
		*s += 4;
		return 0;
	case LT_MON:
		*v = lease_getnum(s, true);
		*what = "month";
		return *v < 0 ? -EINVAL : *v < 1 || *v > 12 ? -ERANGE : 0;
	case LT_DAY: /* checked against the month once all is parsed */
		*v = lease_getnum(s, true);
		return *v < 0 ? -EINVAL : 0;
	case LT_HOUR:
		*v = lease_getnum(s, false);
		*what = "hour";
		return *v < 0 ? -EINVAL : *v >= 24 ? -ERANGE : 0;
	case LT_MIN:
		*v = lease_getnum(s, true);
		*what = "minute";
		return *v < 0 ? -EINVAL : *v >= 60 ? -ERANGE : 0;
	case LT_SEC:
		*v = lease_getnum(s, true);
		*what = "second";
		return *v < 0 ? -EINVAL : *v >= 60 ? -ERANGE : 0;
	case LT_FRAC: /* exactly six digits after the '.' or ',' */
		if (strlen(*s) < 7 || ((*s)[0] != '.' && (*s)[0] != ','))
			return -EINVAL;
		for (int i = 1; i < 7; i++)
			if (!lease_digit(*s, (size_t)i))
				return -EINVAL;
		*v = atoi((char[7]){(*s)[1], (*s)[2], (*s)[3], (*s)[4], (*s)[5], (*s)[6], 0});
		*s += 7;
		return 0;
	case LT_TZ: {
		const char *z = *s;
		int hh, mm;

		if (z[0] == 'Z') {
			*tz = 0;
			*s += 1;
			return 0;
		}
		if (strlen(z) < 6 || z[3] != ':' || (z[0] != '+' && z[0] != '-'))
			return -EINVAL;
		hh = lease_getnum(&(const char *){z + 1}, true);
		mm = lease_getnum(&(const char *){z + 4}, true);
		if (hh < 0 || mm < 0)
			return -EINVAL;
		*tz = (z[0] == '-' ? -1 : 1) * (hh * 3600 + mm * 60);
		*s += 6;
		return 0;
	}
	}
	return -EINVAL;
}

/* metav1.MicroTime's UnmarshalJSON: time.Parse(RFC3339Micro, s). On
 * success out holds the time in UTC, as the server prints it; else msg
 * holds Go's ParseError text. */
static int lease_parse_micro(const char *in, char *out, size_t outlen, char *msg, size_t len)
{
	const char *s = in, *what = "";
	int v[LT_TZ] = {0}, tz = 0;
	char qv[RES_VAL], qe[RES_VAL];
	struct tm tm = {0};
	time_t t;

	res_goquote(in, qv, sizeof(qv));
	for (size_t i = 0; i < sizeof(lease_chunks) / sizeof(lease_chunks[0]); i++) {
		size_t pl = strlen(lease_chunks[i].prefix);
		const char *hold;
		int err;

		if (strncmp(s, lease_chunks[i].prefix, pl)) {
			res_goquote(s, qe, sizeof(qe));
			snprintf(msg, len, "parsing time %s as \"%s\": cannot parse %s as \"%s\"",
				 qv, LEASE_MICRO_LAYOUT, qe, lease_chunks[i].prefix);
			return -EINVAL;
		}
		s += pl;
		hold = s;
		err = lease_field(lease_chunks[i].f, &s, lease_chunks[i].f < LT_TZ ? &v[i] : &tz,
				  &tz, &what);
		if (err == -ERANGE) {
			snprintf(msg, len, "parsing time %s: %s out of range", qv, what);
			return err;
		}
		if (err) {
			res_goquote(hold, qe, sizeof(qe));
			snprintf(msg, len, "parsing time %s as \"%s\": cannot parse %s as \"%s\"",
				 qv, LEASE_MICRO_LAYOUT, qe, lease_chunks[i].std);
			return err;
		}
	}
	if (*s) {
		res_goquote(s, qe, sizeof(qe));
		snprintf(msg, len, "parsing time %s: extra text: %s", qv, qe);
		return -EINVAL;
	}
	if (v[LT_DAY] < 1 || v[LT_DAY] > lease_days_in(v[LT_MON], v[LT_YEAR])) {
		snprintf(msg, len, "parsing time %s: day out of range", qv);
		return -ERANGE;
	}
	tm.tm_year = v[LT_YEAR] - 1900;
	tm.tm_mon = v[LT_MON] - 1;
	tm.tm_mday = v[LT_DAY];
	tm.tm_hour = v[LT_HOUR];
	tm.tm_min = v[LT_MIN];
	tm.tm_sec = v[LT_SEC];
	t = timegm(&tm) - tz;
	gmtime_r(&t, &tm);
	snprintf(out, outlen, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, v[LT_FRAC]);
	return 0;
}

/* spec.acquireTime and spec.renewTime are MicroTimes: a malformed one
 * fails the decode (400), a good one is stored in UTC. */
static int lease_decode(cJSON *obj, char *msg, size_t len)
{
	static const char *const fields[] = {"acquireTime", "renewTime"};
	cJSON *spec = cJSON_GetObjectItemCaseSensitive(obj, "spec");

	if (!cJSON_IsObject(spec))
		return 0;
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		const cJSON *v = res_get(spec, fields[i]);
		char utc[96];
		int err;

		if (!v)
			continue;
		if (!cJSON_IsString(v)) {
			snprintf(msg, len, "json: cannot unmarshal %s into Go value of type string",
				 cJSON_IsNumber(v)  ? "number"
				 : cJSON_IsBool(v)  ? "bool"
				 : cJSON_IsArray(v) ? "array"
						    : "object");
			return -EINVAL;
		}
		err = lease_parse_micro(v->valuestring, utc, sizeof(utc), msg, len);
		if (err)
			return err;
		res_set(spec, fields[i], cJSON_CreateString(utc));
	}
	return 0;
}

/* An optional int32 that must be above (or at) min. */
static void lease_check_int(const cJSON *spec, const char *key, long long min, const char *detail,
			    struct verrs *e)
{
	char f[RES_PATH], v[32];
	const cJSON *n = res_typed(spec, key, res_pathf(f, "spec.%s", key), RES_INT, e);

	if (n && n->valuedouble < (double)min) {
		snprintf(v, sizeof(v), "%lld", (long long)n->valuedouble);
		verrs_invalid(e, f, v, detail);
	}
}

static void lease_validate(const cJSON *obj, const cJSON *old, struct verrs *e)
{
	const cJSON *spec;

	res_validate_meta(obj, old, RES_DNS1123_SUBDOMAIN, e);
	spec = res_typed(obj, "spec", "spec", RES_OBJ, e);
	res_typed(spec, "holderIdentity", "spec.holderIdentity", RES_STR, e);
	lease_check_int(spec, "leaseDurationSeconds", 1, "must be greater than 0", e);
	lease_check_int(spec, "leaseTransitions", 0, "must be greater than or equal to 0", e);
}

static const struct res_col lease_cols[] = {
    {"Name", "string", "name", 0, RES_DESC_NAME},
    {"Holder", "string", "", 0,
     "holderIdentity contains the identity of the holder of a current lease."},
    {"Age", "string", "", 0, RES_DESC_AGE},
};

static cJSON *lease_table_columns(void)
{
	return res_columns(lease_cols, (int)(sizeof(lease_cols) / sizeof(lease_cols[0])));
}

static cJSON *lease_table_cells(const cJSON *obj, time_t now)
{
	cJSON *cells = cJSON_CreateArray();

	res_cell_str(cells, json_str(obj, "metadata.name"));
	res_cell_str(cells, json_str(obj, "spec.holderIdentity"));
	res_cell_age(cells, obj, now);
	return cells;
}

const struct res_type res_leases = {
    .plural = "leases",
    .singular = "lease",
    .kind = "Lease",
    .list_kind = "LeaseList",
    .group = "coordination.k8s.io",
    .version = "v1",
    .api_version = "coordination.k8s.io/v1",
    .namespaced = true,
    .unconditional_update = true,
    .decode = lease_decode,
    .validate = lease_validate,
    .table_columns = lease_table_columns,
    .table_cells = lease_table_cells,
};
