/* authentication.k8s.io: ServiceAccount tokens (TokenRequest, the body of
 * serviceaccounts/token), token checks (TokenReview) and "who am I"
 * (SelfSubjectReview, in v1 and in v1beta1, whose status holds the same
 * v1 UserInfo). */
#include "types_authentication.h"
#include "types_common.h"

#define AUTHN_DEF(X)	  "io.k8s.api.authentication.v1." #X
#define AUTHN_BETA_DEF(X) "io.k8s.api.authentication.v1beta1." #X
#define AUTHN_GROUP	  "authentication.k8s.io"

static const struct sch_field sch_authentication_v1_BoundObjectReference_fields[] = {
    SF_STR("kind", 1, OM, "The kind of the object: Pod, Secret or Node."),
    SF_STR("apiVersion", 2, OM, "The API version of the object."),
    SF_STR("name", 3, OM, "The name of the object."),
    SF_STR("uid", 4, OM, "The UID of the object."),
};
SCH_DEFINE_TYPE(sch_authentication_v1_BoundObjectReference, AUTHN_DEF(BoundObjectReference), 0,
		"The object a token is bound to: the token stops working when it is deleted.");

static const struct sch_field sch_authentication_v1_TokenRequestSpec_fields[] = {
    SF_STRS("audiences", 1, ATOM,
	    "Who the token is meant for; a recipient must find itself in this list. Empty means "
	    "the API server's own audience."),
    SF_I64("expirationSeconds", 4, 0,
	   "The validity asked for; the issuer may choose another, so read "
	   "status.expirationTimestamp."),
    SF_OBJ("boundObjectRef", 3, sch_authentication_v1_BoundObjectReference, 0,
	   "An object whose lifetime bounds the token's."),
};
SCH_DEFINE_TYPE(sch_authentication_v1_TokenRequestSpec, AUTHN_DEF(TokenRequestSpec), 0,
		"What the client asks of a new ServiceAccount token.");

static const struct sch_field sch_authentication_v1_TokenRequestStatus_fields[] = {
    SF_STR("token", 1, 0, "The issued bearer token."),
    SF_TIME("expirationTimestamp", 2, 0, "When the issued token expires."),
};
SCH_DEFINE_TYPE(sch_authentication_v1_TokenRequestStatus, AUTHN_DEF(TokenRequestStatus), 0,
		"The token the server issued.");

SCH_AUTH_REVIEW(sch_authentication_v1_TokenRequest, AUTHN_DEF(TokenRequest), AUTHN_GROUP, "v1",
		"TokenRequest", "A request for a signed, expiring token of a ServiceAccount.",
		sch_authentication_v1_TokenRequestSpec, 0,
		"The audiences, lifetime and binding asked for.",
		sch_authentication_v1_TokenRequestStatus, "The issued token; set by the server.");

static const struct sch_field sch_authentication_v1_UserInfo_fields[] = {
    SF_STR("username", 1, OM, "The name that identifies the user among all current users."),
    SF_STR("uid", 2, OM,
	   "A value that identifies the user over time: a new user of a deleted user's name "
	   "gets another."),
    SF_STRS("groups", 3, ATOM | OM, "The groups the user belongs to."),
    SCH_AUTH_EXTRA_FIELD(4, "Further attributes the authenticator attached, each a list of "
			    "strings."),
};
SCH_DEFINE_TYPE(sch_authentication_v1_UserInfo, AUTHN_DEF(UserInfo), 0,
		"Who a request comes from: user name, uid, groups and extra attributes.");

static const struct sch_field sch_authentication_v1_TokenReviewSpec_fields[] = {
    SF_STR("token", 1, OM, "The bearer token to check."),
    SF_STRS("audiences", 2, ATOM | OM,
	    "The audiences the caller identifies as; the token must be meant for one of them. "
	    "Empty means the API server's own."),
};
SCH_DEFINE_TYPE(sch_authentication_v1_TokenReviewSpec, AUTHN_DEF(TokenReviewSpec), 0,
		"The token to authenticate.");

static const struct sch_field sch_authentication_v1_TokenReviewStatus_fields[] = {
    SF_BOOL("authenticated", 1, OM, "Whether the token belongs to a known user."),
    SF_OBJ("user", 2, sch_authentication_v1_UserInfo, 0, "The user the token belongs to."),
    SF_STRS("audiences", 4, ATOM | OM,
	    "The audiences of spec.audiences the token is valid for; empty for an authenticated "
	    "token means the API server's own."),
    SF_STR("error", 3, OM, "Why the token could not be checked."),
};
SCH_DEFINE_TYPE(sch_authentication_v1_TokenReviewStatus, AUTHN_DEF(TokenReviewStatus), 0,
		"The outcome of a token check.");

SCH_AUTH_REVIEW(sch_authentication_v1_TokenReview, AUTHN_DEF(TokenReview), AUTHN_GROUP, "v1",
		"TokenReview", "Asks the server which user, if any, a token authenticates.",
		sch_authentication_v1_TokenReviewSpec, REQ, "The token to check.",
		sch_authentication_v1_TokenReviewStatus,
		"Whether the token authenticates, and as whom; set by the server.");

/* SelfSubjectReview, identical in v1 and v1beta1 but for the names. */
#define AUTHN_SELF_REVIEW(ver, defname, status_defname)                                            \
	static const struct sch_field                                                              \
	    sch_authentication_##ver##_SelfSubjectReviewStatus_fields[] = {                        \
		SF_OBJ("userInfo", 1, sch_authentication_v1_UserInfo, 0,                           \
		       "The user making the request (the impersonated one under impersonation)."), \
	};                                                                                         \
	SCH_DEFINE_TYPE(sch_authentication_##ver##_SelfSubjectReviewStatus, status_defname, 0,     \
			"The server's view of the requesting user.");                              \
	static const struct sch_field sch_authentication_##ver##_SelfSubjectReview_fields[] = {    \
	    SF_TYPEMETA,                                                                           \
	    SF_OBJECTMETA,                                                                         \
	    SCH_AUTH_STATUS_FIELD(2, sch_authentication_##ver##_SelfSubjectReviewStatus,           \
				  "The requesting user's attributes; set by the server."),         \
	};                                                                                         \
	SCH_DEFINE_KIND(sch_authentication_##ver##_SelfSubjectReview, defname, AUTHN_GROUP, #ver,  \
			"SelfSubjectReview",                                                       \
			"Asks the server who it takes the requesting user to be (kubectl auth "    \
			"whoami).")

AUTHN_SELF_REVIEW(v1, AUTHN_DEF(SelfSubjectReview), AUTHN_DEF(SelfSubjectReviewStatus));
AUTHN_SELF_REVIEW(v1beta1, AUTHN_BETA_DEF(SelfSubjectReview),
		  AUTHN_BETA_DEF(SelfSubjectReviewStatus));
