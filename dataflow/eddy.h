// eddy: a tick-based, Hydro-style dataflow engine. Include this header to use it.
//
// A Flow describes a whole distributed system as one dataflow graph over locations (Process,
// Cluster, External clients) with live collections (Stream, KeyedStream, Singleton, Optional,
// KeyedSingleton) whose types carry where they live and what they guarantee. Runners execute
// each location's part as a loop of ticks: InProcessRunner in one OS process, run_main() as
// many processes over TCP.
#ifndef EDDY_DATAFLOW_EDDY_H_
#define EDDY_DATAFLOW_EDDY_H_

#include "dataflow/core/clock.h"
#include "dataflow/core/context.h"
#include "dataflow/core/guarantees.h"
#include "dataflow/core/ids.h"
#include "dataflow/core/in_process_runner.h"
#include "dataflow/core/location.h"
#include "dataflow/core/rng.h"
#include "dataflow/external_port.h"
#include "dataflow/flow.h"
#include "dataflow/forward_ref.h"
#include "dataflow/keyed_singleton.h"
#include "dataflow/keyed_stream.h"
#include "dataflow/location_ops.h"
#include "dataflow/singleton.h"
#include "dataflow/stream.h"

#endif  // EDDY_DATAFLOW_EDDY_H_
