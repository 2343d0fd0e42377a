/* Schema tables: scheduling affinity — node affinity with node selector
 * terms, and inter-pod affinity and anti-affinity. */
#include "types_pod_def.h"

static const struct sch_field affinity_fields[] = {
    SP_O("nodeAffinity", 1, sch_core_v1_NodeAffinity, 0,
	 "Rules on the labels of the node the pod runs on."),
    SP_O("podAffinity", 2, sch_core_v1_PodAffinity, 0,
	 "Rules for placing the pod in the same topology domain as other "
	 "pods."),
    SP_O("podAntiAffinity", 3, sch_core_v1_PodAntiAffinity, 0,
	 "Rules for keeping the pod out of the topology domains of other "
	 "pods."),
};
SP_TYPE(sch_core_v1_Affinity, "Affinity", 0, "The affinity scheduling rules of a pod.",
	affinity_fields);

static const struct sch_field node_affinity_fields[] = {
    SP_O("requiredDuringSchedulingIgnoredDuringExecution", 1, sch_core_v1_NodeSelector, 0,
	 "Nodes the pod can only be scheduled onto; not re-checked once it "
	 "runs."),
    SP_OL("preferredDuringSchedulingIgnoredDuringExecution", 2, sch_core_v1_PreferredSchedulingTerm,
	  SP_OE | SP_ATOM, NULL,
	  "Weighted preferences; the node with the greatest sum of matching "
	  "weights wins."),
};
SP_TYPE(sch_core_v1_NodeAffinity, "NodeAffinity", 0, "Node affinity scheduling rules.",
	node_affinity_fields);

static const struct sch_field node_selector_fields[] = {
    SP_OL("nodeSelectorTerms", 1, sch_core_v1_NodeSelectorTerm, SP_REQ | SP_ATOM, NULL,
	  "The terms, ORed: a node matching any term is selected."),
};
SP_TYPE(sch_core_v1_NodeSelector, "NodeSelector", SP_ATOM, "A union of label queries over nodes.",
	node_selector_fields);

static const struct sch_field node_selector_term_fields[] = {
    SP_OL("matchExpressions", 1, sch_core_v1_NodeSelectorRequirement, SP_OE | SP_ATOM, NULL,
	  "Requirements on the node's labels."),
    SP_OL("matchFields", 2, sch_core_v1_NodeSelectorRequirement, SP_OE | SP_ATOM, NULL,
	  "Requirements on the node's fields."),
};
SP_TYPE(sch_core_v1_NodeSelectorTerm, "NodeSelectorTerm", SP_ATOM,
	"Requirements that are ANDed; a null or empty term matches nothing.",
	node_selector_term_fields);

static const struct sch_field node_selector_requirement_fields[] = {
    SP_F("key", 1, SCH_STRING, SP_REQ, "The label key the requirement is on."),
    SP_F("operator", 2, SCH_STRING, SP_REQ, "In, NotIn, Exists, DoesNotExist, Gt or Lt."),
    SP_FL("values", 3, SCH_STRING, SP_OE | SP_ATOM,
	  "Values for In and NotIn (non-empty), none for Exists and "
	  "DoesNotExist, one integer for Gt and Lt."),
};
SP_TYPE(sch_core_v1_NodeSelectorRequirement, "NodeSelectorRequirement", 0,
	"A key, an operator and values over a node's labels or fields.",
	node_selector_requirement_fields);

static const struct sch_field preferred_scheduling_term_fields[] = {
    SP_F("weight", 1, SCH_INT32, SP_REQ, "The term's weight, 1 to 100."),
    SP_O("preference", 2, sch_core_v1_NodeSelectorTerm, SP_REQ,
	 "The node selector term the weight applies to."),
};
SP_TYPE(sch_core_v1_PreferredSchedulingTerm, "PreferredSchedulingTerm", 0,
	"A weighted node selector term; an empty one matches every node with "
	"weight 0.",
	preferred_scheduling_term_fields);

/* PodAffinity and PodAntiAffinity have the same members; only what a
 * matching preferred term does to a node's score differs. */
#define POD_AFFINITY_FIELDS(effect)                                                                \
	SP_OL("requiredDuringSchedulingIgnoredDuringExecution", 1, sch_core_v1_PodAffinityTerm,    \
	      SP_OE | SP_ATOM, NULL,                                                               \
	      "Terms that must all hold at scheduling; not re-checked once "                       \
	      "the pod runs."),                                                                    \
	    SP_OL("preferredDuringSchedulingIgnoredDuringExecution", 2,                            \
		  sch_core_v1_WeightedPodAffinityTerm, SP_OE | SP_ATOM, NULL,                      \
		  "Weighted preferences; nodes " effect " the weight of each matching term.")

static const struct sch_field pod_affinity_fields[] = {
    POD_AFFINITY_FIELDS("gain"),
};
SP_TYPE(sch_core_v1_PodAffinity, "PodAffinity", 0, "Rules for co-locating a pod with other pods.",
	pod_affinity_fields);

static const struct sch_field pod_anti_affinity_fields[] = {
    POD_AFFINITY_FIELDS("lose"),
};
SP_TYPE(sch_core_v1_PodAntiAffinity, "PodAntiAffinity", 0,
	"Rules for keeping a pod apart from other pods.", pod_anti_affinity_fields);

static const struct sch_field pod_affinity_term_fields[] = {
    SP_O("labelSelector", 1, sch_meta_v1_LabelSelector, 0,
	 "The pods the term is about; null matches none."),
    SP_FL("namespaces", 2, SCH_STRING, SP_OE | SP_ATOM,
	  "Namespaces searched, added to those of namespaceSelector; the "
	  "pod's own when both are empty."),
    SP_F("topologyKey", 3, SCH_STRING, SP_REQ,
	 "The node label whose equal values make nodes one domain; may not "
	 "be empty."),
    SP_O("namespaceSelector", 4, sch_meta_v1_LabelSelector, 0,
	 "Selects namespaces searched; {} selects all of them."),
    SP_FL("matchLabelKeys", 5, SCH_STRING, SP_OE | SP_ATOM,
	  "Label keys of the incoming pod whose values are added to "
	  "labelSelector as key in (value)."),
    SP_FL("mismatchLabelKeys", 6, SCH_STRING, SP_OE | SP_ATOM,
	  "Label keys of the incoming pod whose values are added to "
	  "labelSelector as key notin (value)."),
};
SP_TYPE(sch_core_v1_PodAffinityTerm, "PodAffinityTerm", 0,
	"A set of pods, and the topology in which to be near or away from "
	"them.",
	pod_affinity_term_fields);

static const struct sch_field weighted_pod_affinity_term_fields[] = {
    SP_F("weight", 1, SCH_INT32, SP_REQ, "The term's weight, 1 to 100."),
    SP_O("podAffinityTerm", 2, sch_core_v1_PodAffinityTerm, SP_REQ,
	 "The pod affinity term the weight applies to."),
};
SP_TYPE(sch_core_v1_WeightedPodAffinityTerm, "WeightedPodAffinityTerm", 0,
	"A pod affinity term with a weight, summed per node.", weighted_pod_affinity_term_fields);
