/* coordination.k8s.io/v1 Lease: a named, renewable claim, used for leader
 * election and node heartbeats. Its times are MicroTime (6 fractional
 * digits in JSON). */
#include "types_coordination.h"
#include "types_common.h"

static const struct sch_field lease_spec_fields[] = {
    SF_STR("holderIdentity", 1, 0,
	   "Who holds the lease now; under coordinated leader election, the name of the "
	   "elected LeaseCandidate."),
    SF_I32("leaseDurationSeconds", 2, 0,
	   "How long, after the last renewTime, other candidates must wait before they may "
	   "take the lease."),
    SF_SCALAR("acquireTime", 3, SCH_MICROTIME, 0, "When the current holder acquired the lease."),
    SF_SCALAR("renewTime", 4, SCH_MICROTIME, 0, "When the current holder last renewed the lease."),
    SF_I32("leaseTransitions", 5, 0,
	   "How many times the lease has passed from one holder to another."),
    SF_STR("strategy", 6, 0,
	   "How coordinated leader election picks the holder (alpha, behind "
	   "CoordinatedLeaderElection)."),
    SF_STR("preferredHolder", 7, 0,
	   "A better holder the current one should hand the lease to (alpha, behind "
	   "CoordinatedLeaderElection)."),
};

const struct sch_type sch_coordination_v1_LeaseSpec = {
    .name = "io.k8s.api.coordination.v1.LeaseSpec",
    .desc = "Who holds a Lease, since when, and for how long after each renewal.",
    .fields = SCH_FIELDS(lease_spec_fields),
};

static const struct sch_field lease_fields[] = {
    SF_TYPEMETA,
    SF_OBJECTMETA,
    SF_OBJ("spec", 2, sch_coordination_v1_LeaseSpec, 0, "The holder and timing of the lease."),
};

const struct sch_type sch_coordination_v1_Lease = {
    .name = "io.k8s.api.coordination.v1.Lease",
    .desc = "A lease held by one identity at a time and renewed to keep it.",
    .fields = SCH_FIELDS(lease_fields),
    .group = "coordination.k8s.io",
    .version = "v1",
    .kind = "Lease",
};

SCH_DEFINE_LIST(sch_coordination_v1_LeaseList, sch_coordination_v1_Lease,
		"io.k8s.api.coordination.v1.LeaseList", "coordination.k8s.io", "v1", "Lease",
		"The Leases in this list.");
