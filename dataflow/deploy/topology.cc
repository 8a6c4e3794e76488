#include "dataflow/deploy/topology.h"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <set>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace eddy {
namespace {

using internal::LocationKind;

// Errors carry "label:line: what".
class Reader {
 public:
  explicit Reader(std::string label) : label_(std::move(label)) {}

  absl::Status error(const YAML::Node& at, const std::string& what) const {
    const YAML::Mark mark = at.Mark();
    if (mark.line < 0) return absl::InvalidArgumentError(absl::StrCat(label_, ": ", what));
    return absl::InvalidArgumentError(absl::StrCat(label_, ":", mark.line + 1, ": ", what));
  }

  absl::StatusOr<Endpoint> endpoint(const YAML::Node& node, const std::string& what) const {
    if (!node.IsScalar()) return error(node, absl::StrCat(what, " must be host:port"));
    absl::StatusOr<Endpoint> parsed = Endpoint::parse(node.Scalar());
    if (!parsed.ok()) return error(node, absl::StrCat(what, ": ", parsed.status().message()));
    return parsed;
  }

  absl::StatusOr<std::vector<Endpoint>> endpoints(const YAML::Node& node,
                                                  const std::string& what) const {
    std::vector<Endpoint> out;
    if (node.IsScalar()) {
      absl::StatusOr<Endpoint> one = endpoint(node, what);
      if (!one.ok()) return one.status();
      out.push_back(*one);
      return out;
    }
    if (!node.IsSequence() || node.size() == 0) {
      return error(node, absl::StrCat(what, " must be a list of host:port"));
    }
    for (const YAML::Node& item : node) {
      absl::StatusOr<Endpoint> one = endpoint(item, what);
      if (!one.ok()) return one.status();
      out.push_back(*one);
    }
    return out;
  }

 private:
  std::string label_;
};

absl::Status only_keys(const Reader& r, const YAML::Node& map, std::set<std::string> allowed,
                       const std::string& where) {
  for (const auto& item : map) {
    const std::string key = item.first.as<std::string>();
    if (!allowed.contains(key)) {
      std::string list;
      for (const std::string& a : allowed) absl::StrAppend(&list, list.empty() ? "" : ", ", a);
      return r.error(item.first, absl::StrCat("unknown key '", key, "' in ", where,
                                              " (expected one of: ", list, ")"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<LocationTopology> parse_location(const Reader& r, const std::string& name,
                                                const YAML::Node& node) {
  LocationTopology location;
  location.name = name;
  if (!node.IsMap()) return r.error(node, absl::StrCat("location '", name, "' must be a map"));
  if (absl::Status s = only_keys(r, node, {"process", "members", "ports", "admin"},
                                 absl::StrCat("location '", name, "'"));
      !s.ok()) {
    return s;
  }
  const int kinds = node["process"].IsDefined() + node["members"].IsDefined() +
                    node["ports"].IsDefined();
  if (kinds != 1) {
    return r.error(node, absl::StrCat("location '", name,
                                      "' needs exactly one of 'process', 'members' or 'ports'"));
  }
  if (node["process"]) {
    location.kind = LocationKind::kProcess;
    absl::StatusOr<Endpoint> at = r.endpoint(node["process"], absl::StrCat(name, ".process"));
    if (!at.ok()) return at.status();
    location.instances.push_back(*at);
  } else if (node["members"]) {
    location.kind = LocationKind::kCluster;
    absl::StatusOr<std::vector<Endpoint>> at =
        r.endpoints(node["members"], absl::StrCat(name, ".members"));
    if (!at.ok()) return at.status();
    location.instances = *at;
  } else {
    location.kind = LocationKind::kExternal;
    const YAML::Node ports = node["ports"];
    if (!ports.IsMap() || ports.size() == 0) {
      return r.error(ports, absl::StrCat(name, ".ports must map port names to host:port"));
    }
    for (const auto& port : ports) {
      const std::string port_name = port.first.as<std::string>();
      absl::StatusOr<Endpoint> at = r.endpoint(port.second, absl::StrCat(name, ".ports.", port_name));
      if (!at.ok()) return at.status();
      location.ports.emplace(port_name, *at);
    }
  }
  location.admin.resize(location.instances.size());
  if (node["admin"]) {
    if (location.kind == LocationKind::kExternal) {
      return r.error(node["admin"], "an External location has no admin endpoint");
    }
    absl::StatusOr<std::vector<Endpoint>> admin =
        r.endpoints(node["admin"], absl::StrCat(name, ".admin"));
    if (!admin.ok()) return admin.status();
    if (admin->size() != location.instances.size()) {
      return r.error(node["admin"], absl::StrCat(name, ".admin lists ", admin->size(),
                                                 " addresses for ", location.instances.size(),
                                                 " instances"));
    }
    for (size_t i = 0; i < admin->size(); ++i) location.admin[i] = (*admin)[i];
  }
  return location;
}

absl::StatusOr<std::string> read_file(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", what, " ", path));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string directory_of(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

}  // namespace

absl::StatusOr<Topology> Topology::load(const std::string& path) {
  absl::StatusOr<std::string> text = read_file(path, "topology file");
  if (!text.ok()) return text.status();
  absl::StatusOr<Topology> topology = parse(*text, directory_of(path), path);
  if (topology.ok()) topology->path = path;
  return topology;
}

absl::StatusOr<Topology> Topology::parse(const std::string& text, const std::string& base_dir,
                                         const std::string& label) {
  Reader r(label);
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat(label, ":", e.mark.line + 1, ": not valid YAML: ", e.msg));
  }
  Topology topology;
  try {
    if (!root.IsMap()) return r.error(root, "a topology is a map with 'locations' (and 'options')");
    if (absl::Status s = only_keys(r, root, {"locations", "options"}, "the topology"); !s.ok()) {
      return s;
    }
    const YAML::Node options = root["options"];
    if (options) {
      if (!options.IsMap()) return r.error(options, "'options' must be a map");
      if (absl::Status s = only_keys(r, options, {"cluster_secret_file", "max_frame_bytes"},
                                     "'options'");
          !s.ok()) {
        return s;
      }
      if (const YAML::Node file = options["cluster_secret_file"]) {
        std::string path = file.as<std::string>();
        if (!path.empty() && path[0] != '/') path = absl::StrCat(base_dir, "/", path);
        absl::StatusOr<std::string> secret = read_file(path, "cluster secret file");
        if (!secret.ok()) return r.error(file, std::string(secret.status().message()));
        topology.secret = std::string(absl::StripTrailingAsciiWhitespace(*secret));
        if (topology.secret.size() < 16) {
          return r.error(file, absl::StrCat("the cluster secret in ", path,
                                            " is shorter than 16 bytes"));
        }
      }
      if (const YAML::Node limit = options["max_frame_bytes"]) {
        const int64_t bytes = limit.as<int64_t>();
        if (bytes < 1024 || bytes > (int64_t{1} << 31)) {
          return r.error(limit, "max_frame_bytes must be between 1024 and 2147483648");
        }
        topology.max_frame_bytes = static_cast<size_t>(bytes);
      }
    }
    const YAML::Node locations = root["locations"];
    if (!locations || !locations.IsMap() || locations.size() == 0) {
      return r.error(root, "'locations' must map each location's name to where it runs");
    }
    for (const auto& item : locations) {
      absl::StatusOr<LocationTopology> location =
          parse_location(r, item.first.as<std::string>(), item.second);
      if (!location.ok()) return location.status();
      topology.locations.push_back(*std::move(location));
    }
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(label, ":", e.mark.line + 1, ": ", e.msg));
  }
  return topology;
}

const LocationTopology* Topology::find(const std::string& name) const {
  for (const LocationTopology& location : locations) {
    if (location.name == name) return &location;
  }
  return nullptr;
}

absl::Status Topology::check(const Flow& flow) const {
  const std::string where = path.empty() ? "the topology" : path;
  for (const auto& location : flow.graph().locations()) {
    const LocationTopology* found = find(location.name);
    if (found == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(where, " does not place ",
                                                     internal::to_string(location.kind), " '",
                                                     location.name, "' of the flow"));
    }
    if (found->kind != location.kind) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, " gives '", location.name, "' as a ", internal::to_string(found->kind),
          ", but the flow has a ", internal::to_string(location.kind)));
    }
  }
  for (const LocationTopology& location : locations) {
    bool known = false;
    for (const auto& l : flow.graph().locations()) known |= l.name == location.name;
    if (!known) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, " names '", location.name, "', which the flow does not have"));
    }
  }
  for (internal::NodeId id = 0; id < flow.graph().size(); ++id) {
    const internal::IrNode& node = flow.graph().node(id);
    if (node.op() != "source_external") continue;
    const std::string& external = flow.graph().location(*node.external()).name;
    if (!find(external)->ports.contains(node.detail())) {
      return absl::InvalidArgumentError(absl::StrCat(where, " gives no address for client port '",
                                                     node.detail(), "' of '", external, "'"));
    }
  }
  return absl::OkStatus();
}

std::vector<uint32_t> Topology::sizes(const Flow& flow) const {
  std::vector<uint32_t> out;
  for (const auto& location : flow.graph().locations()) {
    const LocationTopology* found = find(location.name);
    out.push_back(location.kind == LocationKind::kExternal
                      ? 1
                      : static_cast<uint32_t>(found->instances.size()));
  }
  return out;
}

}  // namespace eddy
