/* Schema tables: PodStatus and what it reports — conditions, addresses,
 * container states and the status of mounts, resources and claims. */
#include "types_pod_def.h"

static const struct sch_field pod_status_fields[] = {
    SP_F("observedGeneration", 17, SCH_INT64, SP_OE,
	 "The metadata.generation this status was computed from."),
    SP_F("phase", 1, SCH_STRING, SP_OE,
	 "A summary of the pod's lifecycle: Pending, Running, Succeeded, "
	 "Failed or Unknown."),
    SP_OL("conditions", 2, sch_core_v1_PodCondition, SP_OE | SCH_F_LIST_MAP, "type",
	  "The pod's current conditions, one per type."),
    SP_F("message", 3, SCH_STRING, SP_OE, "A human-readable explanation of the pod's state."),
    SP_F("reason", 4, SCH_STRING, SP_OE,
	 "A short CamelCase reason for the pod's state, such as Evicted."),
    SP_F("nominatedNodeName", 11, SCH_STRING, SP_OE,
	 "The node this pod preempted pods on and may be scheduled to; no "
	 "guarantee it lands there."),
    SP_F("hostIP", 5, SCH_STRING, SP_OE,
	 "The primary address of the node the pod runs on; empty until it "
	 "starts."),
    SP_OL("hostIPs", 16, sch_core_v1_HostIP, SP_OE | SP_ATOM, "ip",
	  "All addresses of the node; the first equals hostIP."),
    SP_F("podIP", 6, SCH_STRING, SP_OE,
	 "The primary address of the pod, routable in the cluster; empty "
	 "until allocated."),
    SP_OL("podIPs", 12, sch_core_v1_PodIP, SP_OE | SCH_F_LIST_MAP, "ip",
	  "All addresses of the pod, at most one per IP family; the first "
	  "equals podIP."),
    SP_F("startTime", 7, SCH_TIME, 0,
	 "When the kubelet acknowledged the pod, before pulling images."),
    SP_OL("initContainerStatuses", 10, sch_core_v1_ContainerStatus, SP_OE | SP_ATOM, NULL,
	  "The status of each init container."),
    SP_OL("containerStatuses", 8, sch_core_v1_ContainerStatus, SP_OE | SP_ATOM, NULL,
	  "The status of each regular container."),
    SP_F("qosClass", 9, SCH_STRING, SP_OE,
	 "The quality of service class from the resource requirements: "
	 "Guaranteed, Burstable or BestEffort."),
    SP_OL("ephemeralContainerStatuses", 13, sch_core_v1_ContainerStatus, SP_OE | SP_ATOM, NULL,
	  "The status of each ephemeral container that has run."),
    SP_F("resize", 14, SCH_STRING, SP_OE,
	 "Deprecated state of a pending resize; now the PodResizePending "
	 "and PodResizeInProgress conditions."),
    SP_OL("resourceClaimStatuses", 15, sch_core_v1_PodResourceClaimStatus, SP_OE | SCH_F_LIST_MAP,
	  "name", "The names of the claims generated from templates."),
    SP_O("extendedResourceClaimStatus", 18, sch_core_v1_PodExtendedResourceClaimStatus, 0,
	 "The claim generated for extended resources backed by dynamic "
	 "resource allocation."),
    SP_M("allocatedResources", 19, SCH_QUANTITY, SP_OE,
	 "The total requests the node allocated to the pod."),
    SP_O("resources", 20, sch_core_v1_ResourceRequirements, 0,
	 "The pod-level requests and limits in effect."),
};
SP_TYPE(sch_core_v1_PodStatus, "PodStatus", 0,
	"The observed state of a pod; it may lag when the node is out of "
	"touch.",
	pod_status_fields);

static const struct sch_field pod_condition_fields[] = {
    SP_F("type", 1, SCH_STRING, SP_REQ,
	 "The condition, such as PodScheduled, Initialized, "
	 "ContainersReady or Ready."),
    SP_F("observedGeneration", 7, SCH_INT64, SP_OE,
	 "The metadata.generation the condition was set from."),
    SP_F("status", 2, SCH_STRING, SP_REQ, "True, False or Unknown."),
    SP_F("lastProbeTime", 3, SCH_TIME, 0, "When the condition was last checked."),
    SP_F("lastTransitionTime", 4, SCH_TIME, 0, "When the status last changed."),
    SP_F("reason", 5, SCH_STRING, SP_OE, "A one-word CamelCase reason for the last change."),
    SP_F("message", 6, SCH_STRING, SP_OE, "A human-readable explanation of the last change."),
};
SP_TYPE(sch_core_v1_PodCondition, "PodCondition", 0, "One condition of a pod.",
	pod_condition_fields);

static const struct sch_field pod_ip_fields[] = {
    SP_F("ip", 1, SCH_STRING, SP_REQ, "An address of the pod."),
};
SP_TYPE(sch_core_v1_PodIP, "PodIP", 0, "One address of a pod.", pod_ip_fields);

static const struct sch_field host_ip_fields[] = {
    SP_F("ip", 1, SCH_STRING, SP_REQ, "An address of the node."),
};
SP_TYPE(sch_core_v1_HostIP, "HostIP", 0, "One address of the node a pod runs on.", host_ip_fields);

static const struct sch_field container_status_fields[] = {
    SP_F("name", 1, SCH_STRING, SP_REQ,
	 "The container's name, unique among all the pod's containers."),
    SP_O("state", 2, sch_core_v1_ContainerState, 0, "The container's current state."),
    SP_O("lastState", 3, sch_core_v1_ContainerState, 0,
	 "How the container last terminated, to debug restarts; empty "
	 "while running without restarts."),
    SP_F("ready", 4, SCH_BOOL, SP_REQ, "Whether the container passes its readiness check now."),
    SP_F("restartCount", 5, SCH_INT32, SP_REQ,
	 "How often the container has been restarted; may reset when node "
	 "state is lost."),
    SP_F("image", 6, SCH_STRING, SP_REQ, "The image running, as resolved by the runtime."),
    SP_F("imageID", 7, SCH_STRING, SP_REQ, "The ID of that image."),
    SP_F("containerID", 8, SCH_STRING, SP_OE, "The container's ID as <runtime>://<id>."),
    SP_F("started", 9, SCH_BOOL, 0,
	 "Whether the postStart hook has run and the startup probe "
	 "passed."),
    SP_M("allocatedResources", 10, SCH_QUANTITY, SP_OE,
	 "The requests the node allocated to the container."),
    SP_O("resources", 11, sch_core_v1_ResourceRequirements, 0,
	 "The requests and limits in effect on the running container."),
    SP_OL("volumeMounts", 12, sch_core_v1_VolumeMountStatus, SP_OE | SCH_F_LIST_MAP, "mountPath",
	  "The status of the container's volume mounts."),
    SP_O("user", 13, sch_core_v1_ContainerUser, 0,
	 "The identity the container's first process started with."),
    SP_OL("allocatedResourcesStatus", 14, sch_core_v1_ResourceStatus, SP_OE | SCH_F_LIST_MAP,
	  "name", "The health of the resources allocated to the container."),
    SP_F("stopSignal", 15, SCH_STRING, 0, "The signal that will stop the container."),
};
SP_TYPE(sch_core_v1_ContainerStatus, "ContainerStatus", 0, "The current status of one container.",
	container_status_fields);

static const struct sch_field container_state_fields[] = {
    SP_O("waiting", 1, sch_core_v1_ContainerStateWaiting, 0, "The container is not yet running."),
    SP_O("running", 2, sch_core_v1_ContainerStateRunning, 0, "The container is running."),
    SP_O("terminated", 3, sch_core_v1_ContainerStateTerminated, 0, "The container has terminated."),
};
SP_TYPE(sch_core_v1_ContainerState, "ContainerState", 0,
	"The state of a container: at most one member is set, waiting when "
	"none is.",
	container_state_fields);

static const struct sch_field container_state_waiting_fields[] = {
    SP_F("reason", 1, SCH_STRING, SP_OE, "Why the container is not running yet, in brief."),
    SP_F("message", 2, SCH_STRING, SP_OE, "Why the container is not running yet, in words."),
};
SP_TYPE(sch_core_v1_ContainerStateWaiting, "ContainerStateWaiting", 0,
	"A container waiting to run.", container_state_waiting_fields);

static const struct sch_field container_state_running_fields[] = {
    SP_F("startedAt", 1, SCH_TIME, 0, "When the container was last (re)started."),
};
SP_TYPE(sch_core_v1_ContainerStateRunning, "ContainerStateRunning", 0, "A running container.",
	container_state_running_fields);

static const struct sch_field container_state_terminated_fields[] = {
    SP_F("exitCode", 1, SCH_INT32, SP_REQ, "The exit status."),
    SP_F("signal", 2, SCH_INT32, SP_OE, "The signal that ended it, if any."),
    SP_F("reason", 3, SCH_STRING, SP_OE, "Why it terminated, in brief."),
    SP_F("message", 4, SCH_STRING, SP_OE, "Why it terminated, in words."),
    SP_F("startedAt", 5, SCH_TIME, 0, "When that execution started."),
    SP_F("finishedAt", 6, SCH_TIME, 0, "When it terminated."),
    SP_F("containerID", 7, SCH_STRING, SP_OE, "The container's ID as <runtime>://<id>."),
};
SP_TYPE(sch_core_v1_ContainerStateTerminated, "ContainerStateTerminated", 0,
	"A terminated container.", container_state_terminated_fields);

static const struct sch_field volume_mount_status_fields[] = {
    SP_F("name", 1, SCH_STRING, SP_REQ, "The name of the VolumeMount."),
    SP_F("mountPath", 2, SCH_STRING, SP_REQ, "The mountPath of the VolumeMount."),
    SP_F("readOnly", 3, SCH_BOOL, SP_OE, "The readOnly of the VolumeMount."),
    SP_F("recursiveReadOnly", 4, SCH_STRING, 0,
	 "Disabled or Enabled: what IfPossible resolved to, or the value "
	 "asked for."),
    SP_O("volumeStatus", 5, sch_core_v1_VolumeStatus, SCH_F_INLINE,
	 "Status specific to the volume type; its members appear directly "
	 "in the object."),
};
SP_TYPE(sch_core_v1_VolumeMountStatus, "VolumeMountStatus", 0,
	"The status of one volume mount of a container.", volume_mount_status_fields);

static const struct sch_field volume_status_fields[] = {
    SP_O("image", 1, sch_core_v1_ImageVolumeStatus, 0, "Status of an image volume."),
};
SP_TYPE(sch_core_v1_VolumeStatus, "VolumeStatus", 0,
	"The status of a mounted volume, by volume type; at most one member.",
	volume_status_fields);

static const struct sch_field image_volume_status_fields[] = {
    SP_F("imageRef", 1, SCH_STRING, SP_REQ, "The digest of the image the volume was made from."),
};
SP_TYPE(sch_core_v1_ImageVolumeStatus, "ImageVolumeStatus", 0, "The status of an image volume.",
	image_volume_status_fields);

static const struct sch_field container_user_fields[] = {
    SP_O("linux", 1, sch_core_v1_LinuxContainerUser, 0, "The Linux identity of the first process."),
};
SP_TYPE(sch_core_v1_ContainerUser, "ContainerUser", 0,
	"The identity a container's first process started with.", container_user_fields);

static const struct sch_field linux_container_user_fields[] = {
    SP_F("uid", 1, SCH_INT64, SP_REQ, "The primary UID."),
    SP_F("gid", 2, SCH_INT64, SP_REQ, "The primary GID."),
    SP_FL("supplementalGroups", 3, SCH_INT64, SP_OE | SP_ATOM | SCH_F_PB_PACKED,
	  "The supplemental groups."),
};
SP_TYPE(sch_core_v1_LinuxContainerUser, "LinuxContainerUser", 0,
	"The Linux user and groups of a container's first process; the "
	"process may change them later.",
	linux_container_user_fields);

static const struct sch_field resource_status_fields[] = {
    SP_F("name", 1, SCH_STRING, SP_REQ,
	 "The resource, as in the pod spec, or claim:<claim>/<request> for "
	 "dynamic resources."),
    SP_OL("resources", 2, sch_core_v1_ResourceHealth, SP_OE | SCH_F_LIST_MAP, "resourceID",
	  "The health of each allocated device."),
};
SP_TYPE(sch_core_v1_ResourceStatus, "ResourceStatus", 0,
	"The status of one resource allocated to a pod.", resource_status_fields);

static const struct sch_field resource_health_fields[] = {
    SP_F("resourceID", 1, SCH_STRING, SP_REQ, "Identifies the device on its node."),
    SP_F("health", 2, SCH_STRING, SP_OE, "Healthy, Unhealthy or Unknown."),
    SP_F("message", 6, SCH_STRING, 0, "Human-readable context for the health, from the driver."),
};
SP_TYPE(sch_core_v1_ResourceHealth, "ResourceHealth", 0,
	"The latest health of one allocated device.", resource_health_fields);

static const struct sch_field pod_resource_claim_status_fields[] = {
    SP_F("name", 1, SCH_STRING, SP_REQ, "The name of the entry in spec.resourceClaims."),
    SP_F("resourceClaimName", 2, SCH_STRING, 0,
	 "The ResourceClaim generated for it; unset when none was "
	 "needed."),
};
SP_TYPE(sch_core_v1_PodResourceClaimStatus, "PodResourceClaimStatus", 0,
	"The claim generated for a template-based resource claim of a pod.",
	pod_resource_claim_status_fields);

static const struct sch_field pod_extended_resource_claim_status_fields[] = {
    SP_OL("requestMappings", 1, sch_core_v1_ContainerExtendedResourceRequest, SP_REQ | SP_ATOM,
	  NULL, "Which device request serves each container's extended resource."),
    SP_F("resourceClaimName", 2, SCH_STRING, SP_REQ, "The ResourceClaim generated for the pod."),
};
SP_TYPE(sch_core_v1_PodExtendedResourceClaimStatus, "PodExtendedResourceClaimStatus", 0,
	"The claim the scheduler generated for extended resources backed by "
	"dynamic resource allocation.",
	pod_extended_resource_claim_status_fields);

static const struct sch_field container_extended_resource_request_fields[] = {
    SP_F("containerName", 1, SCH_STRING, SP_REQ, "The container asking for the resource."),
    SP_F("resourceName", 2, SCH_STRING, SP_REQ, "The extended resource name in that container."),
    SP_F("requestName", 3, SCH_STRING, SP_REQ, "The request in the generated claim that backs it."),
};
SP_TYPE(sch_core_v1_ContainerExtendedResourceRequest, "ContainerExtendedResourceRequest", 0,
	"Maps a container's extended resource to a device request.",
	container_extended_resource_request_fields);
