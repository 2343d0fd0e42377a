/* quantity: Kubernetes resource.Quantity strings ("100m", "64Mi", "1e3"),
 * for the API server's validation and the kubelet's limits. */
#ifndef SKIFF_QUANTITY_H
#define SKIFF_QUANTITY_H

/* resource.ParseQuantity's grammar: 0 and the value, -1 when the number or
 * the characters are wrong (ErrFormatWrong), -2 for an unknown suffix. */
int quantity_parse(const char *s, double *out);

#endif
