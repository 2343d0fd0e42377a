/* selector_valid: label key and label value validation with the exact
 * upstream wording (k8s.io/apimachinery v0.20 pkg/util/validation), shared by
 * the selector parser and by metadata.labels validation. */
#ifndef SKIFF_SELECTOR_VALID_H
#define SKIFF_SELECTOR_VALID_H

#include <stddef.h>

/* Qualified name: [prefix/]name, prefix a DNS-1123 subdomain (<= 253 chars),
 * name <= 63 chars of alnum and -_. that starts and ends alnum.
 * Returns 0, or -EINVAL with upstream's messages joined by "; " in msg. */
int sel_valid_label_key(const char *key, char *msg, size_t msglen);
/* Empty, or <= 63 chars of alnum and -_. that starts and ends alnum. */
int sel_valid_label_value(const char *val, char *msg, size_t msglen);
/* DNS-1123 subdomain: lowercase alnum and '-' labels joined by '.', <= 253. */
int sel_valid_dns_subdomain(const char *s, char *msg, size_t msglen);

/* The same checks, each violated rule reported on its own as fn(ud, a, b)
 * (the message is a followed by b): the registry turns each into a field
 * error, the selector parser joins them. 0 or -EINVAL. */
typedef void (*sel_msg_fn)(void *ud, const char *a, const char *b);
int sel_check_qualified_name(const char *key, sel_msg_fn fn, void *ud);
int sel_check_label_value(const char *val, sel_msg_fn fn, void *ud);
int sel_check_dns_subdomain(const char *s, sel_msg_fn fn, void *ud);

/* Append s to buf quoted the way Go's %q prints it ("a\"b"). */
void sel_quote(char *buf, size_t len, const char *s);

#endif
