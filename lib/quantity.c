/* quantity: see quantity.h. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "quantity.h"

static const struct {
	const char *suffix;
	double mult;
} qty_suffixes[] = {
    {"", 1},	    {"n", 1e-9},    {"u", 1e-6},    {"m", 1e-3},    {"k", 1e3},	    {"M", 1e6},
    {"G", 1e9},	    {"T", 1e12},    {"P", 1e15},    {"E", 1e18},    {"Ki", 0x1p10}, {"Mi", 0x1p20},
    {"Gi", 0x1p30}, {"Ti", 0x1p40}, {"Pi", 0x1p50}, {"Ei", 0x1p60},
};

int quantity_parse(const char *s, double *out)
{
	const char *p = s, *num;
	size_t digits = 0, dots = 0;
	char *end;
	double v;

	if (*p == '+' || *p == '-')
		p++;
	num = p;
	for (; (*p >= '0' && *p <= '9') || *p == '.'; p++)
		*p == '.' ? dots++ : digits++;
	if (!digits || dots > 1 || strspn(p, "eEinumkKMGTP+-0123456789") != strlen(p))
		return -1;
	v = strtod(s, &end);
	if (end < num)
		return -1;
	for (size_t i = 0; i < sizeof(qty_suffixes) / sizeof(qty_suffixes[0]); i++) {
		if (!strcmp(p, qty_suffixes[i].suffix)) {
			*out = v * qty_suffixes[i].mult;
			return 0;
		}
	}
	/* a decimal exponent: e3, E-2 */
	if ((*p == 'e' || *p == 'E') && p[1]) {
		const char *x = p + 1 + (p[1] == '+' || p[1] == '-');

		if (*x && strspn(x, "0123456789") == strlen(x)) {
			*out = v * pow(10, strtod(p + 1, NULL));
			return 0;
		}
	}
	/* the regular expression allows only one sign, after the suffix letters */
	if (strchr(p, '+') != strrchr(p, '+') || strchr(p, '-') != strrchr(p, '-'))
		return -1;
	return -2;
}

