// The cluster-state demo's client (examples/cluster_state): STATE.CALL and STATE.QUERY sent to
// the service's gateway over the Redis protocol, each command and its reply printed as the
// session's transcript, and each reply's JSON parsed (RapidJSON) so that the demo can check it.
// The commands and the replies' shapes are kvs/servers/cluster_state_server_commands.h's.
//
// Not thread safe: one thread owns a StateSession.
#ifndef EDDY_EXAMPLES_CLUSTER_STATE_STATE_SESSION_H_
#define EDDY_EXAMPLES_CLUSTER_STATE_STATE_SESSION_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "dataflow/net/endpoint.h"
#include "kvs/protocol/resp_client.h"
#include "rapidjson/document.h"

namespace eddy {

// Polls `condition` until it holds, at most 1200 times 25 ms apart; whether it held. For what
// sync makes true sooner or later: a hang guard, not a performance limit.
bool poll_until(const std::function<bool()>& condition);

// A command's fields, as (name, value) pairs in order.
using StateFieldList = std::vector<std::pair<std::string, std::string>>;

// One reply of the service: its JSON, or the error it answered with.
struct StateAnswer {
  bool error = false;        // A RESP error, or no reply at all: `text` says which.
  std::string text;          // The JSON as it came, or the error's text ("ERR ...").
  rapidjson::Document json;  // `text` parsed; null for an error.

  // The string member `name` of an object reply; empty when absent, null or not a string.
  std::string member(const char* name) const;
  // An operation's reply with code "ok".
  bool ok() const { return member("code") == "ok"; }
};

// How an answer is shown in the transcript.
using ShowAnswer = std::function<std::string(const StateAnswer&)>;
// The JSON as it came; an error as "(error) ERR ...".
std::string show_as_is(const StateAnswer& answer);
// A list of rows as "N rows: <id> <status>, ...": each row's first member (its id), and its
// status when it has one.
std::string show_rows(const StateAnswer& answer);
// get_cluster_status_summary in one line: "nodes 3 (3 online); tasks 1 pending, ...; content 1".
std::string show_summary(const StateAnswer& answer);

// The driver's connection to the gateway. Every command gets an answer: when a reply does not
// come (within RespClient's timeout), that command and every later one get an error answer,
// at once -- the gateway answers every command, for a replica that is down too, so a lost reply
// means the gateway broke, and the demo should end rather than wait out a timeout per command.
class StateSession {
 public:
  explicit StateSession(Endpoint gateway) : gateway_(std::move(gateway)) {}

  // STATE.CALL at `replica` (an id, or "any"), printed.
  StateAnswer call(const std::string& replica, const std::string& operation,
                   const StateFieldList& fields);
  // STATE.QUERY at `replica`, printed with `show`.
  StateAnswer query(const std::string& replica, const std::string& query,
                    const StateFieldList& fields = {}, const ShowAnswer& show = show_as_is);
  // The same, not printed.
  StateAnswer ask(const std::string& replica, const std::string& query,
                  const StateFieldList& fields = {});

  // Waits (bounded) until replica `replica` answers a query, asking on a fresh connection each
  // time: for the replicas to start, or one to restart. Whether it answered.
  bool wait_answering(uint32_t replica);

 private:
  StateAnswer send(const std::vector<std::string>& args, const ShowAnswer& show, bool print);
  StateAnswer exchange(const std::vector<std::string>& args);

  Endpoint gateway_;
  std::unique_ptr<kvs::RespClient> client_;  // Opened on first use.
  bool lost_reply_ = false;
};

}  // namespace eddy

#endif  // EDDY_EXAMPLES_CLUSTER_STATE_STATE_SESSION_H_
