// An order-sensitive fold over a NoOrder stream must not compile.
#include "dataflow/eddy.h"
void misuse(eddy::Process p) {
  auto tick = p.tick();
  auto s = p.source_iter({1}).batch(tick);
  s.merge(s).fold(0, [](int& acc, int x) { acc = acc * 10 + x; });
}
