// Sorting an unbounded stream must not compile.
#include "dataflow/eddy.h"
void misuse(eddy::Process p) { p.source_iter({3, 1, 2}).sort(); }
