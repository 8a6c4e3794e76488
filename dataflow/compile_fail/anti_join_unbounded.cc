// anti_join on unbounded streams must not compile.
#include "dataflow/eddy.h"
void misuse(eddy::Process p) {
  p.source_iter<std::pair<int, int>>({{1, 2}}).anti_join(p.source_iter({1}));
}
