// cross_product of unbounded streams must not compile.
#include "dataflow/eddy.h"
void misuse(eddy::Process p) { p.source_iter({1}).cross_product(p.source_iter({2})); }
