/* ktime: the API's timestamps of "now", as Kubernetes writes them:
 * metav1.Time ("2006-01-02T15:04:05Z") and metav1.MicroTime
 * ("2006-01-02T15:04:05.000000Z"), UTC. */
#ifndef SKIFF_KTIME_H
#define SKIFF_KTIME_H

#include <stddef.h>

#include <time.h>

void ktime_now(char *buf, size_t len);
/* t as metav1.Time */
void ktime_format(time_t t, char *buf, size_t len);
void ktime_micro_now(char *buf, size_t len);

#endif
