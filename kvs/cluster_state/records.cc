#include "kvs/cluster_state/records.h"

namespace eddy::kvs {

bool NodeRecord::merge(const NodeRecord& other, const FieldResolvers& resolvers) {
  bool changed = present.merge(other.present);
  changed |= peer_id.merge(other.peer_id, resolvers.get<Field::kNodePeerId>());
  changed |= role.merge(other.role, resolvers.get<Field::kNodeRole>());
  changed |= address.merge(other.address, resolvers.get<Field::kNodeAddress>());
  changed |= status.merge(other.status, resolvers.get<Field::kNodeStatus>());
  changed |= last_heartbeat.merge(other.last_heartbeat, resolvers.get<Field::kNodeLastHeartbeat>());
  changed |= resources.merge(other.resources, resolvers.get<Field::kNodeResources>());
  changed |= capabilities.merge(other.capabilities);
  changed |= metadata.merge(other.metadata);
  return changed;
}

NodeInfo NodeRecord::to_info(const std::string& node_id) const {
  NodeInfo info;
  info.node_id = node_id;
  info.peer_id = peer_id.value();
  info.role = role.value();
  info.address = address.value();
  info.status = status.value();
  info.last_heartbeat = last_heartbeat.value();
  info.resources = resources.value();
  info.capabilities = capabilities.elements();
  info.metadata = metadata.values();
  return info;
}

bool TaskRecord::merge(const TaskRecord& other, const FieldResolvers& resolvers) {
  bool changed = present.merge(other.present);
  changed |= task_type.merge(other.task_type, resolvers.get<Field::kTaskType>());
  changed |= priority.merge(other.priority, resolvers.get<Field::kTaskPriority>());
  changed |= parameters.merge(other.parameters, resolvers.get<Field::kTaskParameters>());
  changed |= requirements.merge(other.requirements, resolvers.get<Field::kTaskRequirements>());
  changed |= submit_time.merge(other.submit_time, resolvers.get<Field::kTaskSubmitTime>());
  changed |= progress.merge(other.progress, resolvers.get<Field::kTaskProgress>());
  return changed;
}

TaskInfo TaskRecord::to_info(const std::string& task_id) const {
  TaskInfo info;
  info.task_id = task_id;
  info.task_type = task_type.value();
  info.priority = priority.value();
  info.parameters = parameters.value();
  info.requirements = requirements.value();
  info.submit_time = submit_time.value();
  const TaskProgress& p = progress.value();
  info.status = p.status;
  info.assigned_node_id = p.assigned_node_id;
  info.start_time = p.start_time;
  info.end_time = p.end_time;
  info.result_cid = p.result_cid;
  info.error_message = p.error_message;
  return info;
}

bool ContentRecord::merge(const ContentRecord& other, const FieldResolvers& resolvers) {
  bool changed = present.merge(other.present);
  changed |= size.merge(other.size, resolvers.get<Field::kContentSize>());
  changed |= providers.merge(other.providers);
  changed |= replication_factor.merge(other.replication_factor,
                                      resolvers.get<Field::kContentReplicationFactor>());
  changed |= pin_status.merge(other.pin_status, resolvers.get<Field::kContentPinStatus>());
  changed |= last_access_time.merge(other.last_access_time,
                                    resolvers.get<Field::kContentLastAccessTime>());
  return changed;
}

ContentInfo ContentRecord::to_info(const std::string& cid) const {
  ContentInfo info;
  info.cid = cid;
  info.size = size.value();
  info.providers = providers.elements();
  info.replication_factor = replication_factor.value();
  info.pin_status = pin_status.value();
  info.last_access_time = last_access_time.value();
  return info;
}

bool MetadataRecord::merge(const MetadataRecord& other, const FieldResolvers& resolvers) {
  bool changed = cluster_id.merge(other.cluster_id, resolvers.get<Field::kMetadataClusterId>());
  changed |= master_id.merge(other.master_id, resolvers.get<Field::kMetadataMasterId>());
  changed |=
      schema_version.merge(other.schema_version, resolvers.get<Field::kMetadataSchemaVersion>());
  changed |= last_updated.merge(other.last_updated);
  return changed;
}

ClusterMetadata MetadataRecord::to_info(uint64_t state_version) const {
  ClusterMetadata info;
  info.cluster_id = cluster_id.value();
  info.master_id = master_id.value();
  info.state_version = state_version;
  info.schema_version = schema_version.value();
  info.last_updated = last_updated.value().value_or(0);
  return info;
}

}  // namespace eddy::kvs
