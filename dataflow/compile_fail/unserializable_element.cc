// An element type that crosses the network must be serializable; the error names the type.
#include "dataflow/eddy.h"
struct NotSerializable {
  int x;
};
void misuse(eddy::Process p, eddy::Process q) {
  p.source_iter(std::vector<NotSerializable>{{1}}).send(q);
}
