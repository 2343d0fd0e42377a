/* rbac_match: does one RBAC PolicyRule (as JSON) allow a request, and does
 * a set of rules cover another rule (the escalation check). Pure functions
 * over cJSON, shared by the RBAC index, the review APIs and the fuzz
 * harness. Upstream's semantics (plugin/pkg/auth/authorizer/rbac):
 *  - verbs and apiGroups: "*" or equal;
 *  - resources: "*", equal to "resource" or "resource/subresource", or
 *    "*\/sub" for that subresource of every resource;
 *  - resourceNames: empty means all names, else the name must be listed
 *    (a list or a create names nothing, so such a rule never allows it);
 *  - nonResourceURLs: "*", equal, or a prefix ending in "*".
 * Malformed rules (not objects, non-string members) allow nothing. */
#ifndef SKIFF_RBAC_MATCH_H
#define SKIFF_RBAC_MATCH_H

#include <stdbool.h>
#include <cjson/cJSON.h>
#include "auth.h"

bool rbac_rule_allows(const cJSON *rule, const struct auth_attrs *at);
/* Every permission rule grants is granted by one of held's rules (an array
 * of PolicyRules); the held rules' "*" covers anything, the new rule's "*"
 * only a held "*". */
bool rbac_rules_cover(const cJSON *held, const cJSON *rule);
#endif
