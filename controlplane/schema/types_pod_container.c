/* Schema tables: Container and EphemeralContainer with what they hold —
 * ports, environment, resources, mounts, probes and lifecycle hooks. */
#include "types_pod_def.h"

/* Shared by Container and EphemeralContainerCommon: upstream keeps the two
 * field lists identical (same names and protobuf numbers) so one converts
 * into the other. */
static const struct sch_field container_fields[] = {
    SP_F("name", 1, SCH_STRING, SP_REQ,
	 "The container's name, a DNS label unique among the pod's "
	 "containers; cannot be updated."),
    SP_F("image", 2, SCH_STRING, SP_OE,
	 "The container image to run; workload controllers may default or "
	 "override it."),
    SP_FL("command", 3, SCH_STRING, SP_OE | SP_ATOM,
	  "The entrypoint, run without a shell; the image's ENTRYPOINT when "
	  "unset. $(VAR) references are expanded."),
    SP_FL("args", 4, SCH_STRING, SP_OE | SP_ATOM,
	  "Arguments to the entrypoint; the image's CMD when unset. $(VAR) "
	  "references are expanded."),
    SP_F("workingDir", 5, SCH_STRING, SP_OE,
	 "The working directory; the runtime's or image's default when "
	 "unset."),
    SP_OL("ports", 6, sch_core_v1_ContainerPort, SP_OE | SCH_F_LIST_MAP, "containerPort",
	  "Ports the container exposes, mostly informational; keyed by "
	  "containerPort and protocol."),
    SP_OL("envFrom", 19, sch_core_v1_EnvFromSource, SP_OE | SP_ATOM, NULL,
	  "ConfigMaps and Secrets whose keys all become environment "
	  "variables; env entries win on conflicts."),
    SP_OL("env", 7, sch_core_v1_EnvVar, SP_OE | SCH_F_LIST_MAP, "name",
	  "Environment variables set in the container."),
    SP_O("resources", 8, sch_core_v1_ResourceRequirements, 0,
	 "Compute resources the container requests and is limited to."),
    SP_OL("resizePolicy", 23, sch_core_v1_ContainerResizePolicy, SP_OE | SP_ATOM, NULL,
	  "Per resource, whether an in-place resize needs a restart."),
    SP_F("restartPolicy", 24, SCH_STRING, 0,
	 "Overrides the pod's restart policy for this container; Always on "
	 "an init container makes it a sidecar."),
    SP_OL("restartPolicyRules", 25, sch_core_v1_ContainerRestartRule, SP_OE | SP_ATOM, NULL,
	  "Rules, checked in order, deciding from the exit code whether the "
	  "container is restarted."),
    SP_OL("volumeMounts", 9, sch_core_v1_VolumeMount, SP_OE | SCH_F_LIST_MAP, "mountPath",
	  "Pod volumes mounted into the container's filesystem."),
    SP_OL("volumeDevices", 21, sch_core_v1_VolumeDevice, SP_OE | SCH_F_LIST_MAP, "devicePath",
	  "Raw block devices from persistent volume claims, mapped into the "
	  "container."),
    SP_O("livenessProbe", 10, sch_core_v1_Probe, 0,
	 "Periodic check; the container is restarted when it fails."),
    SP_O("readinessProbe", 11, sch_core_v1_Probe, 0,
	 "Periodic check; the pod leaves service endpoints while it fails."),
    SP_O("startupProbe", 22, sch_core_v1_Probe, 0,
	 "Check that must succeed once before the other probes run; failing "
	 "it restarts the container."),
    SP_O("lifecycle", 12, sch_core_v1_Lifecycle, 0,
	 "Actions run after the container starts and before it stops."),
    SP_F("terminationMessagePath", 13, SCH_STRING, SP_OE,
	 "File whose contents become the termination message; defaults to "
	 "/dev/termination-log."),
    SP_F("terminationMessagePolicy", 20, SCH_STRING, SP_OE,
	 "File (default) or FallbackToLogsOnError, which uses the log tail "
	 "when the file is empty after an error."),
    SP_F("imagePullPolicy", 14, SCH_STRING, SP_OE,
	 "Always, Never or IfNotPresent; Always for :latest images, "
	 "otherwise IfNotPresent, by default."),
    SP_O("securityContext", 15, sch_core_v1_SecurityContext, 0,
	 "Security settings of the container, overriding the pod's."),
    SP_F("stdin", 16, SCH_BOOL, SP_OE,
	 "Allocate a stdin buffer; without it reads from stdin see EOF."),
    SP_F("stdinOnce", 17, SCH_BOOL, SP_OE, "Close stdin after the first attach session ends."),
    SP_F("tty", 18, SCH_BOOL, SP_OE, "Allocate a TTY for the container; needs stdin."),
};
SP_TYPE(sch_core_v1_Container, "Container", 0, "One application container of a pod.",
	container_fields);
SP_TYPE(sch_core_v1_EphemeralContainerCommon, "EphemeralContainerCommon", 0,
	"The Container fields of an ephemeral container, inlined into it; "
	"ports, probes, lifecycle and resources are not allowed there.",
	container_fields);

static const struct sch_field ephemeral_container_fields[] = {
    SP_O("ephemeralContainerCommon", 1, sch_core_v1_EphemeralContainerCommon, SCH_F_INLINE,
	 "The container fields, which appear directly in the object."),
    SP_F("targetContainerName", 2, SCH_STRING, SP_OE,
	 "A container of the pod whose namespaces (IPC, PID...) this one "
	 "joins."),
};
SP_TYPE(sch_core_v1_EphemeralContainer, "EphemeralContainer", 0,
	"A temporary container added to a running pod, for example to debug "
	"it; it is never restarted.",
	ephemeral_container_fields);

static const struct sch_field container_port_fields[] = {
    SP_F("name", 1, SCH_STRING, SP_OE,
	 "An IANA service name for the port, unique in the pod, that "
	 "services can refer to."),
    SP_F("hostPort", 2, SCH_INT32, SP_OE, "The port to expose on the node; rarely needed."),
    SP_F("containerPort", 3, SCH_INT32, SP_REQ,
	 "The port number on the pod's address, 1 to 65535."),
    SP_F("protocol", 4, SCH_STRING, SP_OE, "TCP (default), UDP or SCTP."),
    SP_F("hostIP", 5, SCH_STRING, SP_OE, "The node address the host port binds to."),
};
SP_TYPE(sch_core_v1_ContainerPort, "ContainerPort", 0, "A network port of a container.",
	container_port_fields);

static const struct sch_field env_var_fields[] = {
    SP_F("name", 1, SCH_STRING, SP_REQ, "The variable's name: printable ASCII without '='."),
    SP_F("value", 2, SCH_STRING, SP_OE,
	 "The value; $(VAR) references to earlier variables are expanded, "
	 "$$ escapes them."),
    SP_O("valueFrom", 3, sch_core_v1_EnvVarSource, 0,
	 "Where the value comes from instead; not with a non-empty value."),
};
SP_TYPE(sch_core_v1_EnvVar, "EnvVar", 0, "An environment variable of a container.", env_var_fields);

static const struct sch_field env_var_source_fields[] = {
    SP_O("fieldRef", 1, sch_core_v1_ObjectFieldSelector, 0,
	 "A field of the pod, such as metadata.name or status.podIP."),
    SP_O("resourceFieldRef", 2, sch_core_v1_ResourceFieldSelector, 0,
	 "A resource request or limit of the container."),
    SP_O("configMapKeyRef", 3, sch_core_v1_ConfigMapKeySelector, 0, "A key of a ConfigMap."),
    SP_O("secretKeyRef", 4, sch_core_v1_SecretKeySelector, 0,
	 "A key of a Secret in the pod's namespace."),
    SP_O("fileKeyRef", 5, sch_core_v1_FileKeySelector, 0,
	 "A key of an env file in one of the pod's volumes."),
};
SP_TYPE(sch_core_v1_EnvVarSource, "EnvVarSource", 0,
	"The source of an environment variable's value; set one member.", env_var_source_fields);

static const struct sch_field config_map_key_selector_fields[] = {
    SP_LOCAL_REF("ConfigMap"),
    SP_F("key", 2, SCH_STRING, SP_REQ, "The key to select."),
    SP_OPTIONAL(3, "ConfigMap or the key"),
};
SP_TYPE(sch_core_v1_ConfigMapKeySelector, "ConfigMapKeySelector", SP_ATOM,
	"Selects one key of a ConfigMap.", config_map_key_selector_fields);

static const struct sch_field secret_key_selector_fields[] = {
    SP_LOCAL_REF("Secret"),
    SP_F("key", 2, SCH_STRING, SP_REQ, "The key to select."),
    SP_OPTIONAL(3, "Secret or the key"),
};
SP_TYPE(sch_core_v1_SecretKeySelector, "SecretKeySelector", SP_ATOM, "Selects one key of a Secret.",
	secret_key_selector_fields);

static const struct sch_field file_key_selector_fields[] = {
    SP_F("volumeName", 1, SCH_STRING, SP_REQ, "The volume mount holding the env file."),
    SP_F("path", 2, SCH_STRING, SP_REQ, "The relative path of the env file within the volume."),
    SP_F("key", 3, SCH_STRING, SP_REQ, "The key within the env file."),
    SP_F("optional", 4, SCH_BOOL, 0,
	 "Whether the file or key may be missing, leaving the variable "
	 "unset."),
};
SP_TYPE(sch_core_v1_FileKeySelector, "FileKeySelector", SP_ATOM,
	"Selects one key of an env file in a volume.", file_key_selector_fields);

static const struct sch_field object_field_selector_fields[] = {
    SP_F("apiVersion", 1, SCH_STRING, SP_OE,
	 "The API version fieldPath is written in; defaults to v1."),
    SP_F("fieldPath", 2, SCH_STRING, SP_REQ, "The path of the field to select."),
};
SP_TYPE(sch_core_v1_ObjectFieldSelector, "ObjectFieldSelector", SP_ATOM,
	"Selects a field of the pod by path.", object_field_selector_fields);

static const struct sch_field resource_field_selector_fields[] = {
    SP_F("containerName", 1, SCH_STRING, SP_OE,
	 "The container; required in volumes, optional for env vars."),
    SP_F("resource", 2, SCH_STRING, SP_REQ, "The resource to select, such as limits.cpu."),
    SP_F("divisor", 3, SCH_QUANTITY, 0, "The unit the value is expressed in; defaults to 1."),
};
SP_TYPE(sch_core_v1_ResourceFieldSelector, "ResourceFieldSelector", SP_ATOM,
	"Selects a container resource and the unit to show it in.", resource_field_selector_fields);

static const struct sch_field env_from_source_fields[] = {
    SP_F("prefix", 1, SCH_STRING, SP_OE, "Text prepended to every variable name from this source."),
    SP_O("configMapRef", 2, sch_core_v1_ConfigMapEnvSource, 0,
	 "The ConfigMap to take variables from."),
    SP_O("secretRef", 3, sch_core_v1_SecretEnvSource, 0, "The Secret to take variables from."),
};
SP_TYPE(sch_core_v1_EnvFromSource, "EnvFromSource", 0,
	"A ConfigMap or Secret whose keys become environment variables.", env_from_source_fields);

static const struct sch_field config_map_env_source_fields[] = {
    SP_LOCAL_REF("ConfigMap"),
    SP_OPTIONAL(2, "ConfigMap"),
};
SP_TYPE(sch_core_v1_ConfigMapEnvSource, "ConfigMapEnvSource", 0,
	"A ConfigMap whose data become environment variables.", config_map_env_source_fields);

static const struct sch_field secret_env_source_fields[] = {
    SP_LOCAL_REF("Secret"),
    SP_OPTIONAL(2, "Secret"),
};
SP_TYPE(sch_core_v1_SecretEnvSource, "SecretEnvSource", 0,
	"A Secret whose data become environment variables.", secret_env_source_fields);

static const struct sch_field resource_requirements_fields[] = {
    SP_M("limits", 1, SCH_QUANTITY, SP_OE, "The most of each resource the container may use."),
    SP_M("requests", 2, SCH_QUANTITY, SP_OE,
	 "The amount of each resource reserved for the container; defaults "
	 "to the limits and may not exceed them."),
    SP_OL("claims", 3, sch_core_v1_ResourceClaim, SP_OE | SCH_F_LIST_MAP, "name",
	  "Entries of the pod's resourceClaims this container uses."),
};
SP_TYPE(sch_core_v1_ResourceRequirements, "ResourceRequirements", 0,
	"Compute resource requests and limits.", resource_requirements_fields);

static const struct sch_field resource_claim_fields[] = {
    SP_F("name", 1, SCH_STRING, SP_REQ, "The name of an entry in the pod's resourceClaims."),
    SP_F("request", 2, SCH_STRING, SP_OE, "One request of that claim; the whole claim when empty."),
};
SP_TYPE(sch_core_v1_ResourceClaim, "ResourceClaim", 0,
	"A reference from a container to one of the pod's resource claims.", resource_claim_fields);

static const struct sch_field container_resize_policy_fields[] = {
    SP_F("resourceName", 1, SCH_STRING, SP_REQ,
	 "The resource the policy applies to: cpu or memory."),
    SP_F("restartPolicy", 2, SCH_STRING, SP_REQ,
	 "NotRequired (default) or RestartContainer when it is resized."),
};
SP_TYPE(sch_core_v1_ContainerResizePolicy, "ContainerResizePolicy", 0,
	"Whether resizing one resource restarts the container.", container_resize_policy_fields);

static const struct sch_field container_restart_rule_fields[] = {
    SP_F("action", 1, SCH_STRING, SP_REQ | SP_OE,
	 "What to do when the rule matches; only Restart."),
    SP_O("exitCodes", 2, sch_core_v1_ContainerRestartRuleOnExitCodes, 0,
	 "The exit codes the rule matches."),
};
SP_TYPE(sch_core_v1_ContainerRestartRule, "ContainerRestartRule", 0,
	"A rule deciding how a container exit is handled.", container_restart_rule_fields);

static const struct sch_field container_restart_rule_on_exit_codes_fields[] = {
    SP_F("operator", 1, SCH_STRING, SP_REQ | SP_OE,
	 "In or NotIn: whether the exit code must be among the values."),
    SP_FL("values", 2, SCH_INT32, SP_OE | SCH_F_LIST_SET | SCH_F_PB_PACKED,
	  "The exit codes, at most 255."),
};
SP_TYPE(sch_core_v1_ContainerRestartRuleOnExitCodes, "ContainerRestartRuleOnExitCodes", 0,
	"Matches a container exit by its exit code.", container_restart_rule_on_exit_codes_fields);

static const struct sch_field volume_mount_fields[] = {
    SP_F("name", 1, SCH_STRING, SP_REQ, "The name of a pod volume."),
    SP_F("readOnly", 2, SCH_BOOL, SP_OE, "Mount read-only; read-write by default."),
    SP_F("recursiveReadOnly", 7, SCH_STRING, 0,
	 "For read-only mounts: Disabled, IfPossible or Enabled recursive "
	 "read-only submounts."),
    SP_F("mountPath", 3, SCH_STRING, SP_REQ,
	 "Where in the container the volume is mounted; no ':'."),
    SP_F("subPath", 4, SCH_STRING, SP_OE,
	 "The path within the volume to mount; its root by default."),
    SP_F("mountPropagation", 5, SCH_STRING, 0,
	 "How mounts propagate between host and container: None (default), "
	 "HostToContainer or Bidirectional."),
    SP_F("subPathExpr", 6, SCH_STRING, SP_OE,
	 "Like subPath, with $(VAR) expanded from the container's "
	 "environment; exclusive with subPath."),
};
SP_TYPE(sch_core_v1_VolumeMount, "VolumeMount", 0, "A mount of a pod volume in a container.",
	volume_mount_fields);

static const struct sch_field volume_device_fields[] = {
    SP_F("name", 1, SCH_STRING, SP_REQ, "The name of a persistentVolumeClaim volume of the pod."),
    SP_F("devicePath", 2, SCH_STRING, SP_REQ, "The device's path inside the container."),
};
SP_TYPE(sch_core_v1_VolumeDevice, "VolumeDevice", 0, "A raw block device mapped into a container.",
	volume_device_fields);

static const struct sch_field probe_fields[] = {
    SP_O("handler", 1, sch_core_v1_ProbeHandler, SCH_F_INLINE,
	 "The check performed; its members appear directly in the probe."),
    SP_F("initialDelaySeconds", 2, SCH_INT32, SP_OE,
	 "Seconds after the container starts before the first check."),
    SP_F("timeoutSeconds", 3, SCH_INT32, SP_OE, "Seconds before a check times out; default 1."),
    SP_F("periodSeconds", 4, SCH_INT32, SP_OE, "Seconds between checks; default 10."),
    SP_F("successThreshold", 5, SCH_INT32, SP_OE,
	 "Consecutive successes after a failure to count as passing; "
	 "default 1, and 1 for liveness and startup."),
    SP_F("failureThreshold", 6, SCH_INT32, SP_OE,
	 "Consecutive failures to count as failing; default 3."),
    SP_F("terminationGracePeriodSeconds", 7, SCH_INT64, 0,
	 "Grace period used when this probe's failure kills the container, "
	 "instead of the pod's."),
};
SP_TYPE(sch_core_v1_Probe, "Probe", 0, "A health check run against a container.", probe_fields);

static const struct sch_field probe_handler_fields[] = {
    SP_O("exec", 1, sch_core_v1_ExecAction, 0,
	 "Run a command in the container; exit status 0 passes."),
    SP_O("httpGet", 2, sch_core_v1_HTTPGetAction, 0,
	 "Send an HTTP GET; a 2xx or 3xx status passes."),
    SP_O("tcpSocket", 3, sch_core_v1_TCPSocketAction, 0,
	 "Open a TCP connection; connecting passes."),
    SP_O("grpc", 4, sch_core_v1_GRPCAction, 0, "Call the gRPC health checking service."),
};
SP_TYPE(sch_core_v1_ProbeHandler, "ProbeHandler", 0,
	"The action of a probe; set exactly one member.", probe_handler_fields);

static const struct sch_field exec_action_fields[] = {
    SP_FL("command", 1, SCH_STRING, SP_OE | SP_ATOM,
	  "The command line, exec'd without a shell in the container's "
	  "root directory."),
};
SP_TYPE(sch_core_v1_ExecAction, "ExecAction", 0, "Runs a command inside the container.",
	exec_action_fields);

static const struct sch_field http_get_action_fields[] = {
    SP_F("path", 1, SCH_STRING, SP_OE, "The request path."),
    SP_F("port", 2, SCH_INT_OR_STRING, SP_REQ,
	 "The container port, by number (1-65535) or by name."),
    SP_F("host", 3, SCH_STRING, SP_OE, "The host to connect to; the pod's IP by default."),
    SP_F("scheme", 4, SCH_STRING, SP_OE, "HTTP (default) or HTTPS."),
    SP_OL("httpHeaders", 5, sch_core_v1_HTTPHeader, SP_OE | SP_ATOM, NULL,
	  "Extra request headers; repeats are allowed."),
};
SP_TYPE(sch_core_v1_HTTPGetAction, "HTTPGetAction", 0,
	"An HTTP GET request made against the container.", http_get_action_fields);

static const struct sch_field http_header_fields[] = {
    SP_F("name", 1, SCH_STRING, SP_REQ, "The header name; case variants are the same header."),
    SP_F("value", 2, SCH_STRING, SP_REQ, "The header value."),
};
SP_TYPE(sch_core_v1_HTTPHeader, "HTTPHeader", 0, "A header sent by an HTTP probe or hook.",
	http_header_fields);

static const struct sch_field tcp_socket_action_fields[] = {
    SP_F("port", 1, SCH_INT_OR_STRING, SP_REQ,
	 "The container port, by number (1-65535) or by name."),
    SP_F("host", 2, SCH_STRING, SP_OE, "The host to connect to; the pod's IP by default."),
};
SP_TYPE(sch_core_v1_TCPSocketAction, "TCPSocketAction", 0,
	"Opens a TCP connection to the container.", tcp_socket_action_fields);

static const struct sch_field grpc_action_fields[] = {
    SP_F("port", 1, SCH_INT32, SP_REQ, "The port of the gRPC service, 1 to 65535."),
    SP_F("service", 2, SCH_STRING, 0,
	 "The service name placed in the HealthCheckRequest; gRPC's default "
	 "behaviour when unset."),
};
SP_TYPE(sch_core_v1_GRPCAction, "GRPCAction", 0, "A gRPC health check against the container.",
	grpc_action_fields);

static const struct sch_field lifecycle_fields[] = {
    SP_O("postStart", 1, sch_core_v1_LifecycleHandler, 0,
	 "Run right after the container is created; on failure the "
	 "container is restarted per its policy."),
    SP_O("preStop", 2, sch_core_v1_LifecycleHandler, 0,
	 "Run before an API-requested or management stop, within the "
	 "termination grace period."),
    SP_F("stopSignal", 3, SCH_STRING, 0,
	 "The signal sent to stop the container; the runtime's default when "
	 "unset. Needs spec.os.name."),
};
SP_TYPE(sch_core_v1_Lifecycle, "Lifecycle", 0, "Hooks run around a container's start and stop.",
	lifecycle_fields);

static const struct sch_field lifecycle_handler_fields[] = {
    SP_O("exec", 1, sch_core_v1_ExecAction, 0, "Run a command in the container."),
    SP_O("httpGet", 2, sch_core_v1_HTTPGetAction, 0, "Send an HTTP GET request."),
    SP_O("tcpSocket", 3, sch_core_v1_TCPSocketAction, 0,
	 "Deprecated and not supported as a hook; kept for compatibility."),
    SP_O("sleep", 4, sch_core_v1_SleepAction, 0, "Wait for a number of seconds."),
};
SP_TYPE(sch_core_v1_LifecycleHandler, "LifecycleHandler", 0,
	"The action of a lifecycle hook; set exactly one member.", lifecycle_handler_fields);

static const struct sch_field sleep_action_fields[] = {
    SP_F("seconds", 1, SCH_INT64, SP_REQ, "How many seconds to sleep."),
};
SP_TYPE(sch_core_v1_SleepAction, "SleepAction", 0, "Sleeps for a while.", sleep_action_fields);
