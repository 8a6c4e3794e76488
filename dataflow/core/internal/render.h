// Graph pictures: Mermaid and Graphviz renderings of a FlowGraph, grouped by location (and, in
// each, by tick), with network and client edges dashed.
#ifndef EDDY_DATAFLOW_CORE_INTERNAL_RENDER_H_
#define EDDY_DATAFLOW_CORE_INTERNAL_RENDER_H_

#include <string>

#include "dataflow/core/internal/graph.h"

namespace eddy::internal {

std::string render_mermaid(const FlowGraph& graph);
std::string render_dot(const FlowGraph& graph);

// A shorter spelling of a C++ type name for pictures ("std::string" for the
// basic_string<char> spelling, and so on).
std::string short_type_name(std::string name);

}  // namespace eddy::internal

#endif  // EDDY_DATAFLOW_CORE_INTERNAL_RENDER_H_
