/* types_core: the core/v1 schema tables other than the Pod tree (which
 * lives in the Pod tables), plus the small subresource bodies policy/v1
 * Eviction and autoscaling/v1 Scale. */
#ifndef SKIFF_SCHEMA_TYPES_CORE_H
#define SKIFF_SCHEMA_TYPES_CORE_H

#include "schema.h"

/* types_core_refs.c: references, namespaces, configuration objects, Binding */
extern const struct sch_type sch_core_v1_ObjectReference;
extern const struct sch_type sch_core_v1_LocalObjectReference;
extern const struct sch_type sch_core_v1_TypedLocalObjectReference;
extern const struct sch_type sch_core_v1_Namespace;
extern const struct sch_type sch_core_v1_NamespaceSpec;
extern const struct sch_type sch_core_v1_NamespaceStatus;
extern const struct sch_type sch_core_v1_NamespaceCondition;
extern const struct sch_type sch_core_v1_NamespaceList;
extern const struct sch_type sch_core_v1_ConfigMap;
extern const struct sch_type sch_core_v1_ConfigMapList;
extern const struct sch_type sch_core_v1_Secret;
extern const struct sch_type sch_core_v1_SecretList;
extern const struct sch_type sch_core_v1_ServiceAccount;
extern const struct sch_type sch_core_v1_ServiceAccountList;
extern const struct sch_type sch_core_v1_Binding;

/* types_core_service.c */
extern const struct sch_type sch_core_v1_Service;
extern const struct sch_type sch_core_v1_ServiceSpec;
extern const struct sch_type sch_core_v1_ServicePort;
extern const struct sch_type sch_core_v1_ServiceStatus;
extern const struct sch_type sch_core_v1_SessionAffinityConfig;
extern const struct sch_type sch_core_v1_ClientIPConfig;
extern const struct sch_type sch_core_v1_LoadBalancerStatus;
extern const struct sch_type sch_core_v1_LoadBalancerIngress;
extern const struct sch_type sch_core_v1_PortStatus;
extern const struct sch_type sch_core_v1_ServiceList;
extern const struct sch_type sch_core_v1_Endpoints;
extern const struct sch_type sch_core_v1_EndpointSubset;
extern const struct sch_type sch_core_v1_EndpointAddress;
extern const struct sch_type sch_core_v1_EndpointPort;
extern const struct sch_type sch_core_v1_EndpointsList;

/* types_core_node.c */
extern const struct sch_type sch_core_v1_Node;
extern const struct sch_type sch_core_v1_NodeSpec;
extern const struct sch_type sch_core_v1_Taint;
extern const struct sch_type sch_core_v1_NodeConfigSource;
extern const struct sch_type sch_core_v1_ConfigMapNodeConfigSource;
extern const struct sch_type sch_core_v1_NodeConfigStatus;
extern const struct sch_type sch_core_v1_NodeStatus;
extern const struct sch_type sch_core_v1_NodeAddress;
extern const struct sch_type sch_core_v1_NodeCondition;
extern const struct sch_type sch_core_v1_NodeDaemonEndpoints;
extern const struct sch_type sch_core_v1_DaemonEndpoint;
extern const struct sch_type sch_core_v1_NodeSystemInfo;
extern const struct sch_type sch_core_v1_ContainerImage;
extern const struct sch_type sch_core_v1_AttachedVolume;
extern const struct sch_type sch_core_v1_NodeRuntimeHandler;
extern const struct sch_type sch_core_v1_NodeRuntimeHandlerFeatures;
extern const struct sch_type sch_core_v1_NodeFeatures;
extern const struct sch_type sch_core_v1_NodeList;

/* types_core_event.c */
extern const struct sch_type sch_core_v1_Event;
extern const struct sch_type sch_core_v1_EventSource;
extern const struct sch_type sch_core_v1_EventSeries;
extern const struct sch_type sch_core_v1_EventList;

/* types_core_quota.c */
extern const struct sch_type sch_core_v1_ResourceQuota;
extern const struct sch_type sch_core_v1_ResourceQuotaSpec;
extern const struct sch_type sch_core_v1_ResourceQuotaStatus;
extern const struct sch_type sch_core_v1_ScopeSelector;
extern const struct sch_type sch_core_v1_ScopedResourceSelectorRequirement;
extern const struct sch_type sch_core_v1_ResourceQuotaList;
extern const struct sch_type sch_core_v1_LimitRange;
extern const struct sch_type sch_core_v1_LimitRangeSpec;
extern const struct sch_type sch_core_v1_LimitRangeItem;
extern const struct sch_type sch_core_v1_LimitRangeList;

/* types_core_rc.c */
extern const struct sch_type sch_core_v1_ReplicationController;
extern const struct sch_type sch_core_v1_ReplicationControllerSpec;
extern const struct sch_type sch_core_v1_ReplicationControllerStatus;
extern const struct sch_type sch_core_v1_ReplicationControllerCondition;
extern const struct sch_type sch_core_v1_ReplicationControllerList;

/* types_core_misc.c: subresource bodies */
extern const struct sch_type sch_policy_v1_Eviction;
extern const struct sch_type sch_autoscaling_v1_Scale;
extern const struct sch_type sch_autoscaling_v1_ScaleSpec;
extern const struct sch_type sch_autoscaling_v1_ScaleStatus;

#endif
