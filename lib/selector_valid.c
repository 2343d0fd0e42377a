/* selector_valid: label key/value checks worded like upstream validation.go. */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include "selector_valid.h"

/* Upstream limits: qualifiedNameMaxLength, LabelValueMaxLength and
 * DNS1123SubdomainMaxLength (bytes). */
#define SELV_NAME_MAX	   63
#define SELV_VALUE_MAX	   63
#define SELV_SUBDOMAIN_MAX 253

/* Upstream RegexError() output for the three patterns we check, including
 * its double space before each " or ". */
#define SELV_QNAME_MSG                                                                             \
	"must consist of alphanumeric characters, '-', '_' or '.', and must start and end with "   \
	"an "                                                                                      \
	"alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "     \
	"validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
#define SELV_VALUE_MSG                                                                             \
	"a valid label must be an empty string or consist of alphanumeric characters, '-', '_' "   \
	"or "                                                                                      \
	"'.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "         \
	"'my_value',  or '12345', regex used for validation is "                                   \
	"'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
#define SELV_SUBDOMAIN_MSG                                                                         \
	"a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "      \
	"'-' or '.', "                                                                             \
	"and "                                                                                     \
	"must start and end with an alphanumeric character (e.g. 'example.com', regex used for "   \
	"validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"

/* Append one message to msg, separated by "; " like strings.Join(errs, "; "). */
static void selv_add(char *msg, size_t len, const char *a, const char *b)
{
	size_t used;

	if (!msg || !len)
		return;
	used = strnlen(msg, len);
	if (used >= len - 1)
		return;
	snprintf(msg + used, len - used, "%s%s%s", used ? "; " : "", a, b);
}

static bool selv_alnum(char c)
{
	return isascii((unsigned char)c) && isalnum((unsigned char)c);
}

/* ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9] over s[0..n) */
static bool selv_qname_ok(const char *s, size_t n)
{
	if (n == 0 || !selv_alnum(s[0]) || !selv_alnum(s[n - 1]))
		return false;
	for (size_t i = 1; i + 1 < n; i++)
		if (!selv_alnum(s[i]) && s[i] != '-' && s[i] != '_' && s[i] != '.')
			return false;
	return true;
}

/* [a-z0-9]([-a-z0-9]*[a-z0-9])? for each '.'-separated label of s[0..n) */
static bool selv_subdomain_ok(const char *s, size_t n)
{
	size_t start = 0;

	for (size_t i = 0; i <= n; i++) {
		if (i < n && s[i] != '.') {
			char c = s[i];

			if (!(c >= 'a' && c <= 'z') && !(c >= '0' && c <= '9') && c != '-')
				return false;
			continue;
		}
		/* end of a label: non-empty, no '-' at either end */
		if (i == start || s[start] == '-' || s[i - 1] == '-')
			return false;
		start = i + 1;
	}
	return true;
}

int sel_check_dns_subdomain(const char *s, sel_msg_fn fn, void *ud)
{
	size_t n = strlen(s);
	int bad = 0;

	if (n > SELV_SUBDOMAIN_MAX) {
		fn(ud, "must be no more than 253 characters", "");
		bad = 1;
	}
	if (!selv_subdomain_ok(s, n)) {
		fn(ud, SELV_SUBDOMAIN_MSG, "");
		bad = 1;
	}
	return bad ? -EINVAL : 0;
}

int sel_check_qualified_name(const char *key, sel_msg_fn fn, void *ud)
{
	const char *slash = strchr(key, '/');
	const char *name = key;
	int bad = 0;

	if (slash && strchr(slash + 1, '/')) {
		/* more than one '/' */
		fn(ud, "a qualified name " SELV_QNAME_MSG,
		   " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')");
		return -EINVAL;
	}
	if (slash) {
		size_t plen = (size_t)(slash - key);

		name = slash + 1;
		if (plen == 0) {
			fn(ud, "prefix part must be non-empty", "");
			bad = 1;
		} else {
			if (plen > SELV_SUBDOMAIN_MAX) {
				fn(ud, "prefix part ", "must be no more than 253 characters");
				bad = 1;
			}
			if (!selv_subdomain_ok(key, plen)) {
				fn(ud, "prefix part ", SELV_SUBDOMAIN_MSG);
				bad = 1;
			}
		}
	}
	if (*name == '\0') {
		fn(ud, "name part must be non-empty", "");
		bad = 1;
	} else if (strlen(name) > SELV_NAME_MAX) {
		fn(ud, "name part must be no more than 63 characters", "");
		bad = 1;
	}
	if (!selv_qname_ok(name, strlen(name))) {
		fn(ud, "name part ", SELV_QNAME_MSG);
		bad = 1;
	}
	return bad ? -EINVAL : 0;
}

int sel_check_label_value(const char *val, sel_msg_fn fn, void *ud)
{
	size_t n = strlen(val);
	int bad = 0;

	if (n > SELV_VALUE_MAX) {
		fn(ud, "must be no more than 63 characters", "");
		bad = 1;
	}
	if (n && !selv_qname_ok(val, n)) {
		fn(ud, SELV_VALUE_MSG, "");
		bad = 1;
	}
	return bad ? -EINVAL : 0;
}

/* The messages joined by "; " like strings.Join(errs, "; "). */
struct selv_join {
	char *msg;
	size_t len;
};

static void selv_join_fn(void *ud, const char *a, const char *b)
{
	struct selv_join *j = ud;

	selv_add(j->msg, j->len, a, b);
}

#define SELV_JOINED(check, arg, msg, msglen)                                                       \
	do {                                                                                       \
		struct selv_join j = {msg, msglen};                                                \
		if (msg && msglen)                                                                 \
			msg[0] = '\0';                                                             \
		return check(arg, selv_join_fn, &j);                                               \
	} while (0)

int sel_valid_dns_subdomain(const char *s, char *msg, size_t msglen)
{
	SELV_JOINED(sel_check_dns_subdomain, s, msg, msglen);
}

int sel_valid_label_key(const char *key, char *msg, size_t msglen)
{
	SELV_JOINED(sel_check_qualified_name, key, msg, msglen);
}

int sel_valid_label_value(const char *val, char *msg, size_t msglen)
{
	SELV_JOINED(sel_check_label_value, val, msg, msglen);
}

void sel_quote(char *buf, size_t len, const char *s)
{
	size_t o = strnlen(buf, len);

	/* Reserve room for the closing quote and the NUL. */
	if (o + 3 > len)
		return;
	buf[o++] = '"';
	for (; *s && o + 6 < len; s++) {
		unsigned char c = (unsigned char)*s;

		switch (c) {
		case '"':
		case '\\':
			buf[o++] = '\\';
			buf[o++] = (char)c;
			break;
		case '\n':
			buf[o++] = '\\';
			buf[o++] = 'n';
			break;
		case '\t':
			buf[o++] = '\\';
			buf[o++] = 't';
			break;
		case '\r':
			buf[o++] = '\\';
			buf[o++] = 'r';
			break;
		default:
			if (c < 0x20 || c == 0x7f)
				o += (size_t)snprintf(buf + o, len - o, "\\x%02x", c);
			else
				buf[o++] = (char)c;
		}
	}
	buf[o++] = '"';
	buf[o] = '\0';
}
