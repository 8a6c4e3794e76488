// chain is defined within a tick only.
#include "dataflow/eddy.h"
void misuse(eddy::Process p) { p.source_iter({1}).chain(p.source_iter({2})); }
