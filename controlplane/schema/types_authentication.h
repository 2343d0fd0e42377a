/* types_authentication: the authentication.k8s.io tables (TokenRequest,
 * TokenReview, SelfSubjectReview in v1; SelfSubjectReview in v1beta1,
 * which kubectl 1.32's `auth whoami` falls back to), and two table
 * shorthands the authorization.k8s.io tables share with them. */
#ifndef SKIFF_SCHEMA_TYPES_AUTHENTICATION_H
#define SKIFF_SCHEMA_TYPES_AUTHENTICATION_H

#include "schema.h"

extern const struct sch_type sch_authentication_v1_BoundObjectReference;
extern const struct sch_type sch_authentication_v1_TokenRequestSpec;
extern const struct sch_type sch_authentication_v1_TokenRequestStatus;
extern const struct sch_type sch_authentication_v1_TokenRequest;
extern const struct sch_type sch_authentication_v1_UserInfo;
extern const struct sch_type sch_authentication_v1_TokenReviewSpec;
extern const struct sch_type sch_authentication_v1_TokenReviewStatus;
extern const struct sch_type sch_authentication_v1_TokenReview;
extern const struct sch_type sch_authentication_v1_SelfSubjectReviewStatus;
extern const struct sch_type sch_authentication_v1_SelfSubjectReview;
extern const struct sch_type sch_authentication_v1beta1_SelfSubjectReviewStatus;
extern const struct sch_type sch_authentication_v1beta1_SelfSubjectReview;

/* For the types_*.c tables only (they include types_def.h first). */

/* A user's `extra`: Go map[string]ExtraValue, ExtraValue being []string.
 * JSON writes {"key": ["v1", "v2"]}; protobuf wraps each list in a
 * message {1: repeated string}, which the table format cannot state (a
 * map value is one scalar or one object). The values are SCH_ANY: JSON
 * bodies keep and check the map (its keys for duplicates), OpenAPI
 * leaves the values untyped, and a protobuf body that sets the field is
 * refused naming it instead of decoding to a wrong shape. */
#define SCH_AUTH_EXTRA_FIELD(num, d) SF_MAP("extra", num, SCH_ANY, OM, d)

/* A review kind: metadata, the request's spec at 2 and the server's
 * answer, status, at 3 (which the server fills in). */
#define SCH_AUTH_STATUS_FIELD(num, t, d) SF_OBJ("status", num, t, RO, d)
#define SCH_AUTH_REVIEW(sym, defname, grp, ver, kind_, d, spec_t, spec_fl, spec_d, status_t,       \
			status_d)                                                                  \
	static const struct sch_field sym##_fields[] = {                                           \
	    SF_TYPEMETA,                                                                           \
	    SF_OBJECTMETA,                                                                         \
	    SF_OBJ("spec", 2, spec_t, spec_fl, spec_d),                                            \
	    SCH_AUTH_STATUS_FIELD(3, status_t, status_d),                                          \
	};                                                                                         \
	SCH_DEFINE_KIND(sym, defname, grp, ver, kind_, d)

#endif
