// send reaches a Process; a Cluster needs broadcast, round_robin or demux.
#include "dataflow/eddy.h"
void misuse(eddy::Process p, eddy::Cluster c) { p.source_iter({1}).send(c); }
