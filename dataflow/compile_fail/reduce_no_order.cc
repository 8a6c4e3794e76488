// reduce over a NoOrder stream without a commutative combiner must not compile.
#include "dataflow/eddy.h"
void misuse(eddy::Process p) {
  auto s = p.source_iter({1});
  s.merge(s).reduce([](int& acc, int x) { acc -= x; });
}
