/* Schema tables: container and pod security contexts and their parts. */
#include "types_pod_def.h"

static const struct sch_field security_context_fields[] = {
    SP_O("capabilities", 1, sch_core_v1_Capabilities, 0,
	 "POSIX capabilities added to or dropped from the runtime's "
	 "default set. Not on Windows."),
    SP_F("privileged", 2, SCH_BOOL, 0,
	 "Run privileged, roughly as root on the host; default false. Not "
	 "on Windows."),
    SP_O("seLinuxOptions", 3, sch_core_v1_SELinuxOptions, 0,
	 "The SELinux context of the container; a random one when unset. "
	 "Not on Windows."),
    SP_O("windowsOptions", 10, sch_core_v1_WindowsSecurityContextOptions, 0,
	 "Windows-specific settings. Not on Linux."),
    SP_F("runAsUser", 4, SCH_INT64, 0,
	 "The UID the entrypoint runs as; the image's user when unset. Not "
	 "on Windows."),
    SP_F("runAsGroup", 8, SCH_INT64, 0,
	 "The primary GID of the entrypoint; the runtime's default when "
	 "unset. Not on Windows."),
    SP_F("runAsNonRoot", 5, SCH_BOOL, 0,
	 "Refuse to start the container if its image would run as UID 0."),
    SP_F("readOnlyRootFilesystem", 6, SCH_BOOL, 0,
	 "Mount the container's root filesystem read-only. Not on Windows."),
    SP_F("allowPrivilegeEscalation", 7, SCH_BOOL, 0,
	 "Whether a process may gain more privileges than its parent (the "
	 "no_new_privs flag). Not on Windows."),
    SP_F("procMount", 9, SCH_STRING, 0,
	 "Default (masked, read-only paths) or Unmasked /proc. Not on "
	 "Windows."),
    SP_O("seccompProfile", 11, sch_core_v1_SeccompProfile, 0,
	 "The seccomp profile, overriding the pod's. Not on Windows."),
    SP_O("appArmorProfile", 12, sch_core_v1_AppArmorProfile, 0,
	 "The AppArmor profile, overriding the pod's. Not on Windows."),
    SP_OL("ulimits", 13, sch_core_v1_Ulimit, SP_OE | SCH_F_LIST_MAP, "name",
	  "Resource limits set on the container's processes; the runtime's "
	  "defaults when unset. Not on Windows."),
};
SP_TYPE(sch_core_v1_SecurityContext, "SecurityContext", 0,
	"Security settings of one container; they take precedence over the "
	"pod's.",
	security_context_fields);

static const struct sch_field pod_security_context_fields[] = {
    SP_O("seLinuxOptions", 1, sch_core_v1_SELinuxOptions, 0,
	 "The SELinux context of all containers, unless a container sets "
	 "its own. Not on Windows."),
    SP_O("windowsOptions", 8, sch_core_v1_WindowsSecurityContextOptions, 0,
	 "Windows settings of all containers. Not on Linux."),
    SP_F("runAsUser", 2, SCH_INT64, 0, "The UID container entrypoints run as. Not on Windows."),
    SP_F("runAsGroup", 6, SCH_INT64, 0,
	 "The primary GID of container entrypoints. Not on Windows."),
    SP_F("runAsNonRoot", 3, SCH_BOOL, 0,
	 "Refuse to start containers whose image would run as UID 0."),
    SP_FL("supplementalGroups", 4, SCH_INT64, SP_OE | SP_ATOM | SCH_F_PB_PACKED,
	  "Extra groups of the first process of every container. Not on "
	  "Windows."),
    SP_F("supplementalGroupsPolicy", 12, SCH_STRING, 0,
	 "Merge (default) adds the image's groups to supplementalGroups, "
	 "Strict does not. Not on Windows."),
    SP_F("fsGroup", 5, SCH_INT64, 0,
	 "A group that owns supporting volumes, with setgid and group "
	 "rw permissions. Not on Windows."),
    SP_OL("sysctls", 7, sch_core_v1_Sysctl, SP_OE | SP_ATOM, NULL,
	  "Namespaced kernel parameters set for the pod. Not on Windows."),
    SP_F("fsGroupChangePolicy", 9, SCH_STRING, 0,
	 "When volume ownership is changed to fsGroup: Always (default) or "
	 "OnRootMismatch. Not on Windows."),
    SP_O("seccompProfile", 10, sch_core_v1_SeccompProfile, 0,
	 "The seccomp profile of all containers. Not on Windows."),
    SP_O("appArmorProfile", 11, sch_core_v1_AppArmorProfile, 0,
	 "The AppArmor profile of all containers. Not on Windows."),
    SP_F("seLinuxChangePolicy", 13, SCH_STRING, 0,
	 "How the SELinux label reaches volumes: MountOption (mount "
	 "context) or Recursive (relabel files). Not on Windows."),
};
SP_TYPE(sch_core_v1_PodSecurityContext, "PodSecurityContext", 0,
	"Pod-wide security settings and defaults for its containers.", pod_security_context_fields);

static const struct sch_field capabilities_fields[] = {
    SP_FL("add", 1, SCH_STRING, SP_OE | SP_ATOM, "Capabilities to add."),
    SP_FL("drop", 2, SCH_STRING, SP_OE | SP_ATOM, "Capabilities to drop."),
};
SP_TYPE(sch_core_v1_Capabilities, "Capabilities", 0,
	"POSIX capabilities added to and removed from a container.", capabilities_fields);

static const struct sch_field se_linux_options_fields[] = {
    SP_F("user", 1, SCH_STRING, SP_OE, "The SELinux user label."),
    SP_F("role", 2, SCH_STRING, SP_OE, "The SELinux role label."),
    SP_F("type", 3, SCH_STRING, SP_OE, "The SELinux type label."),
    SP_F("level", 4, SCH_STRING, SP_OE, "The SELinux level label."),
};
SP_TYPE(sch_core_v1_SELinuxOptions, "SELinuxOptions", 0, "SELinux labels applied to a container.",
	se_linux_options_fields);

static const struct sch_field seccomp_profile_fields[] = {
    SP_F("type", 1, SCH_STRING, SP_REQ,
	 "Localhost (a profile file on the node), RuntimeDefault or "
	 "Unconfined."),
    SP_F("localhostProfile", 2, SCH_STRING, 0,
	 "For Localhost only: the profile's path, relative to the kubelet's "
	 "seccomp directory."),
};
SP_TYPE(sch_core_v1_SeccompProfile, "SeccompProfile", 0,
	"The seccomp profile of a pod or container.", seccomp_profile_fields);

static const struct sch_field app_armor_profile_fields[] = {
    SP_F("type", 1, SCH_STRING, SP_REQ,
	 "Localhost (a profile loaded on the node), RuntimeDefault or "
	 "Unconfined."),
    SP_F("localhostProfile", 2, SCH_STRING, 0, "For Localhost only: the loaded profile's name."),
};
SP_TYPE(sch_core_v1_AppArmorProfile, "AppArmorProfile", 0,
	"The AppArmor profile of a pod or container.", app_armor_profile_fields);

static const struct sch_field windows_security_context_options_fields[] = {
    SP_F("gmsaCredentialSpecName", 1, SCH_STRING, 0,
	 "The name of the GMSA credential spec to use."),
    SP_F("gmsaCredentialSpec", 2, SCH_STRING, 0,
	 "The GMSA credential spec itself, inlined by the GMSA admission "
	 "webhook."),
    SP_F("runAsUserName", 3, SCH_STRING, 0,
	 "The Windows user the entrypoint runs as; the image's user when "
	 "unset."),
    SP_F("hostProcess", 4, SCH_BOOL, 0,
	 "Run as a host process container; all containers of the pod must "
	 "agree, and hostNetwork must be true."),
};
SP_TYPE(sch_core_v1_WindowsSecurityContextOptions, "WindowsSecurityContextOptions", 0,
	"Windows-specific security options and credentials.",
	windows_security_context_options_fields);

static const struct sch_field sysctl_fields[] = {
    SP_F("name", 1, SCH_STRING, SP_REQ, "The kernel parameter to set."),
    SP_F("value", 2, SCH_STRING, SP_REQ, "The value to set it to."),
};
SP_TYPE(sch_core_v1_Sysctl, "Sysctl", 0, "A kernel parameter to set.", sysctl_fields);

static const struct sch_field ulimit_fields[] = {
    SP_F("name", 1, SCH_STRING, SP_REQ, "The limit to set, such as nofile, memlock or core."),
    SP_F("hard", 2, SCH_INT64, SP_REQ, "The hard limit, the ceiling of the soft limit."),
    SP_F("soft", 3, SCH_INT64, SP_REQ, "The soft limit, the one the kernel enforces."),
};
SP_TYPE(sch_core_v1_Ulimit, "Ulimit", 0, "A resource limit (ulimit) of a Linux container.",
	ulimit_fields);
