// broadcast reaches the members of a Cluster, not a Process.
#include "dataflow/eddy.h"
void misuse(eddy::Process p, eddy::Process q) { p.source_iter({1}).broadcast(q); }
