/* types_authorization: the authorization.k8s.io/v1 tables (the access and
 * rules reviews behind `kubectl auth can-i`). */
#ifndef SKIFF_SCHEMA_TYPES_AUTHORIZATION_H
#define SKIFF_SCHEMA_TYPES_AUTHORIZATION_H

#include "schema.h"

/* meta/v1 FieldSelectorRequirement: only these tables use it so far, so it
 * is defined here (under its meta/v1 names) until types_meta.c has it. */
extern const struct sch_type sch_meta_v1_FieldSelectorRequirement;

extern const struct sch_type sch_authorization_v1_FieldSelectorAttributes;
extern const struct sch_type sch_authorization_v1_LabelSelectorAttributes;
extern const struct sch_type sch_authorization_v1_ResourceAttributes;
extern const struct sch_type sch_authorization_v1_NonResourceAttributes;
extern const struct sch_type sch_authorization_v1_SubjectAccessReviewSpec;
extern const struct sch_type sch_authorization_v1_SelfSubjectAccessReviewSpec;
extern const struct sch_type sch_authorization_v1_SubjectAccessReviewStatus;
extern const struct sch_type sch_authorization_v1_SelfSubjectRulesReviewSpec;
extern const struct sch_type sch_authorization_v1_ResourceRule;
extern const struct sch_type sch_authorization_v1_NonResourceRule;
extern const struct sch_type sch_authorization_v1_SubjectRulesReviewStatus;
extern const struct sch_type sch_authorization_v1_SubjectAccessReview;
extern const struct sch_type sch_authorization_v1_SelfSubjectAccessReview;
extern const struct sch_type sch_authorization_v1_LocalSubjectAccessReview;
extern const struct sch_type sch_authorization_v1_SelfSubjectRulesReview;

#endif
