/* coordination.k8s.io/v1 Lease: a named, renewable claim, used for leader
 * election and node heartbeats. Its times are MicroTime (6 fractional
 * digits in JSON). */
#include "types_coordination.h"
#include "types_common.h"

static const struct sch_field lease_spec_fields[] = {
    {
	.name = "holderIdentity",
	.pb = 1,
	.kind = SCH_STRING,
	.desc = "Who holds the lease now; under coordinated leader election, the name of the "
		"elected LeaseCandidate.",
    },
    {
	.name = "leaseDurationSeconds",
	.pb = 2,
	.kind = SCH_INT32,
	.desc = "How long, after the last renewTime, other candidates must wait before they may "
		"take the lease.",
    },
    {
	.name = "acquireTime",
	.pb = 3,
	.kind = SCH_MICROTIME,
	.desc = "When the current holder acquired the lease.",
    },
    {
	.name = "renewTime",
	.pb = 4,
	.kind = SCH_MICROTIME,
	.desc = "When the current holder last renewed the lease.",
    },
    {
	.name = "leaseTransitions",
	.pb = 5,
	.kind = SCH_INT32,
	.desc = "How many times the lease has passed from one holder to another.",
    },
    {
	.name = "strategy",
	.pb = 6,
	.kind = SCH_STRING,
	.desc = "How coordinated leader election picks the holder (alpha, behind "
		"CoordinatedLeaderElection).",
    },
    {
	.name = "preferredHolder",
	.pb = 7,
	.kind = SCH_STRING,
	.desc = "A better holder the current one should hand the lease to (alpha, behind "
		"CoordinatedLeaderElection).",
    },
};

const struct sch_type sch_coordination_v1_LeaseSpec = {
    .name = "io.k8s.api.coordination.v1.LeaseSpec",
    .desc = "Who holds a Lease, since when, and for how long after each renewal.",
    .fields = SCH_FIELDS(lease_spec_fields),
};

static const struct sch_field lease_fields[] = {
    SCH_OBJECT_META_FIELD,
    {
	.name = "spec",
	.pb = 2,
	.kind = SCH_OBJECT,
	.flags = SCH_F_OMITEMPTY,
	.type = &sch_coordination_v1_LeaseSpec,
	.desc = "The holder and timing of the lease.",
    },
};

const struct sch_type sch_coordination_v1_Lease = {
    .name = "io.k8s.api.coordination.v1.Lease",
    .desc = "A lease held by one identity at a time and renewed to keep it.",
    .fields = SCH_FIELDS(lease_fields),
    .group = "coordination.k8s.io",
    .version = "v1",
    .kind = "Lease",
};

SCH_LIST_TYPE(sch_coordination_v1_LeaseList, "io.k8s.api.coordination.v1.LeaseList",
	      sch_coordination_v1_Lease, "coordination.k8s.io", "v1", "LeaseList", "Leases");
