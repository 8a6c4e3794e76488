#include "dataflow/core/internal/render.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

namespace eddy::internal {
namespace {

// How one edge is drawn.
struct Edge {
  std::string from;
  std::string to;
  bool dashed = false;
  std::string label;
};

std::string node_label(const IrNode& node) {
  return node.detail().empty() ? node.op() : absl::StrCat(node.op(), " ", node.detail());
}

std::string location_title(const LocationInfo& location) {
  return absl::StrCat(to_string(location.kind), " ", location.name);
}

// Every edge of the graph: data edges between operators (dashed when they cross locations),
// and client edges between External locations and their ports.
std::vector<Edge> collect_edges(const FlowGraph& graph) {
  std::vector<Edge> edges;
  for (NodeId id = 0; id < graph.size(); ++id) {
    const IrNode& node = graph.node(id);
    for (NodeId input : node.inputs()) {
      const IrNode& from = graph.node(input);
      Edge edge{absl::StrCat("n", input), absl::StrCat("n", id), false, ""};
      if (node.receives_from_network()) {
        edge.dashed = true;
        edge.label = short_type_name(from.type_name());
      }
      edges.push_back(std::move(edge));
    }
    if (node.external()) {
      const std::string ext = absl::StrCat("ext", *node.external());
      if (node.inputs().empty()) {
        edges.push_back(Edge{ext, absl::StrCat("n", id), true, node.detail()});
      } else {
        edges.push_back(Edge{absl::StrCat("n", id), ext, true, node.detail()});
      }
    }
  }
  return edges;
}

std::string mermaid_escape(const std::string& text) {
  return absl::StrReplaceAll(text, {{"\"", "#quot;"}, {"<", "#lt;"}, {">", "#gt;"}});
}

std::string dot_escape(const std::string& text) {
  return absl::StrReplaceAll(text, {{"\\", "\\\\"}, {"\"", "\\\""}});
}

}  // namespace

std::string short_type_name(std::string name) {
  return absl::StrReplaceAll(name, {{"std::__cxx11::basic_string<char>", "std::string"},
                                    {"std::basic_string<char>", "std::string"},
                                    {"long unsigned int", "size_t"},
                                    {"std::__cxx11::", "std::"}});
}

std::string render_mermaid(const FlowGraph& graph) {
  std::string out = "flowchart TD\n";
  for (const LocationInfo& location : graph.locations()) {
    if (location.kind == LocationKind::kExternal) {
      absl::StrAppend(&out, "  ext", location.id, "([\"", mermaid_escape(location_title(location)),
                      "\"])\n");
      continue;
    }
    absl::StrAppend(&out, "  subgraph loc", location.id, " [\"",
                    mermaid_escape(location_title(location)), "\"]\n");
    for (bool in_tick : {false, true}) {
      std::string body;
      for (NodeId id = 0; id < graph.size(); ++id) {
        const IrNode& node = graph.node(id);
        if (node.location() != location.id || node.in_tick() != in_tick) continue;
        absl::StrAppend(&body, in_tick ? "      " : "    ", "n", id, "[\"",
                        mermaid_escape(node_label(node)), "\"]\n");
      }
      if (body.empty()) continue;
      if (in_tick) {
        absl::StrAppend(&out, "    subgraph loc", location.id, "_tick [\"tick\"]\n", body,
                        "    end\n");
      } else {
        out += body;
      }
    }
    out += "  end\n";
  }
  for (const Edge& edge : collect_edges(graph)) {
    if (!edge.dashed) {
      absl::StrAppend(&out, "  ", edge.from, " --> ", edge.to, "\n");
    } else if (edge.label.empty()) {
      absl::StrAppend(&out, "  ", edge.from, " -.-> ", edge.to, "\n");
    } else {
      absl::StrAppend(&out, "  ", edge.from, " -. \"", mermaid_escape(edge.label), "\" .-> ",
                      edge.to, "\n");
    }
  }
  return out;
}

std::string render_dot(const FlowGraph& graph) {
  std::string out = "digraph eddy {\n  node [shape=box, fontname=\"Helvetica\"];\n";
  for (const LocationInfo& location : graph.locations()) {
    if (location.kind == LocationKind::kExternal) {
      absl::StrAppend(&out, "  ext", location.id, " [shape=oval, label=\"",
                      dot_escape(location_title(location)), "\"];\n");
      continue;
    }
    absl::StrAppend(&out, "  subgraph cluster_", location.id, " {\n    label=\"",
                    dot_escape(location_title(location)), "\";\n");
    for (NodeId id = 0; id < graph.size(); ++id) {
      const IrNode& node = graph.node(id);
      if (node.location() != location.id) continue;
      absl::StrAppend(&out, "    n", id, " [label=\"", dot_escape(node_label(node)), "\"",
                      node.in_tick() ? ", style=rounded" : "", "];\n");
    }
    out += "  }\n";
  }
  for (const Edge& edge : collect_edges(graph)) {
    absl::StrAppend(&out, "  ", edge.from, " -> ", edge.to);
    if (edge.dashed) {
      absl::StrAppend(&out, " [style=dashed, label=\"", dot_escape(edge.label), "\"]");
    }
    out += ";\n";
  }
  out += "}\n";
  return out;
}

}  // namespace eddy::internal
