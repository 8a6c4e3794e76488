// include_self is a cluster-only choice: a Process has no "self" among the members.
#include "dataflow/eddy.h"
void misuse(eddy::Process p, eddy::Cluster c) {
  p.source_iter({1}).broadcast(c, eddy::IncludeSelf::kYes);
}
