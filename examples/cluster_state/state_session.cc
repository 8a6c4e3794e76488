#include "examples/cluster_state/state_session.h"

#include <chrono>
#include <iostream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace eddy {
namespace {

constexpr int kPollAttempts = 1200;
constexpr std::chrono::milliseconds kPollInterval(25);
// wait_answering: connection attempts (refused at once while the gateway is not listening yet),
// and queries left unanswered (a replica that is not up yet answers once it is), each waited
// for this long.
constexpr int kConnectAttempts = 2400;
constexpr int kUnansweredQueries = 12;
constexpr std::chrono::seconds kQueryTimeout(5);
// Transcript lines are wrapped to stay under this many columns.
constexpr size_t kColumns = 98;

std::vector<std::string> command(const std::string& verb, const std::string& replica,
                                 const std::string& name, const StateFieldList& fields) {
  std::vector<std::string> args{verb, replica, name};
  for (const auto& [field, value] : fields) {
    args.push_back(field);
    args.push_back(value);
  }
  return args;
}

// Prints `words` after `prefix`, wrapped under kColumns, continuation lines indented.
void print_wrapped(const std::string& prefix, const std::vector<std::string>& words) {
  std::string line = prefix;
  const std::string indent(prefix.size(), ' ');
  for (size_t i = 0; i < words.size(); ++i) {
    if (i > 0 && line.size() + 1 + words[i].size() > kColumns) {
      std::cout << line << "\n";
      line = indent;
    } else if (i > 0) {
      line += ' ';
    }
    line += words[i];
  }
  std::cout << line << "\n";
}

}  // namespace

bool poll_until(const std::function<bool()>& condition) {
  for (int attempt = 0; attempt < kPollAttempts; ++attempt) {
    if (condition()) return true;
    std::this_thread::sleep_for(kPollInterval);
  }
  return false;
}

std::string StateAnswer::member(const char* name) const {
  if (!json.IsObject() || !json.HasMember(name) || !json[name].IsString()) return "";
  return json[name].GetString();
}

std::string show_as_is(const StateAnswer& answer) {
  return answer.error ? "(error) " + answer.text : answer.text;
}

std::string show_rows(const StateAnswer& answer) {
  if (answer.error || !answer.json.IsArray()) return show_as_is(answer);
  std::vector<std::string> shown;
  for (const rapidjson::Value& row : answer.json.GetArray()) {
    if (!row.IsObject() || row.MemberCount() == 0) continue;
    const rapidjson::Value& key = row.MemberBegin()->value;
    std::string text = key.IsString() ? key.GetString() : "?";
    if (row.HasMember("status") && row["status"].IsString()) {
      absl::StrAppend(&text, " ", row["status"].GetString());
    }
    shown.push_back(std::move(text));
  }
  if (shown.empty()) return "(no rows)";
  return absl::StrCat(shown.size(),
                      shown.size() == 1 ? " row: " : " rows: ", absl::StrJoin(shown, ", "));
}

std::string show_summary(const StateAnswer& answer) {
  const rapidjson::Value& j = answer.json;
  if (answer.error || !j.IsObject() || !j.HasMember("tasks_by_status")) {
    return show_as_is(answer);
  }
  std::vector<std::string> tasks;
  for (const auto& status : j["tasks_by_status"].GetObject()) {
    tasks.push_back(absl::StrCat(status.value.GetUint64(), " ", status.name.GetString()));
  }
  return absl::StrCat("nodes ", j["nodes_total"].GetUint64(), " (", j["nodes_online"].GetUint64(),
                      " online); tasks ", absl::StrJoin(tasks, ", "), "; content ",
                      j["content_count"].GetUint64());
}

StateAnswer StateSession::call(const std::string& replica, const std::string& operation,
                               const StateFieldList& fields) {
  return send(command("STATE.CALL", replica, operation, fields), show_as_is, true);
}

StateAnswer StateSession::query(const std::string& replica, const std::string& query,
                                const StateFieldList& fields, const ShowAnswer& show) {
  return send(command("STATE.QUERY", replica, query, fields), show, true);
}

StateAnswer StateSession::ask(const std::string& replica, const std::string& query,
                              const StateFieldList& fields) {
  return send(command("STATE.QUERY", replica, query, fields), show_as_is, false);
}

bool StateSession::wait_answering(uint32_t replica) {
  // A fresh connection each time: the gateway may not be listening yet. Until the gateway
  // hears from the replica, it answers for it with an error (the replica is down, or did not
  // answer in time), so an error means "ask again".
  int unanswered = 0;
  for (int attempt = 0; attempt < kConnectAttempts && unanswered < kUnansweredQueries; ++attempt) {
    auto client = kvs::RespClient::connect(gateway_, std::chrono::seconds(1));
    if (client.ok()) {
      auto reply =
          (*client)->call({"STATE.QUERY", std::to_string(replica), "digest"}, kQueryTimeout);
      if (reply.ok() && reply->kind == kvs::RespValue::Kind::kBulkString) return true;
      if (!reply.ok()) ++unanswered;
    }
    std::this_thread::sleep_for(kPollInterval);
  }
  return false;
}

StateAnswer StateSession::send(const std::vector<std::string>& args, const ShowAnswer& show,
                               bool print) {
  StateAnswer answer = exchange(args);
  if (print) {
    std::vector<std::string> words = args;
    for (std::string& word : words) {
      if (word.find(' ') != std::string::npos) word = absl::StrCat("\"", word, "\"");
    }
    print_wrapped("  client> ", words);
    std::cout << "    " << show(answer) << "\n";
  }
  return answer;
}

StateAnswer StateSession::exchange(const std::vector<std::string>& args) {
  StateAnswer answer;
  if (lost_reply_) {
    answer.error = true;
    answer.text = "not sent: an earlier command got no reply";
    return answer;
  }
  absl::StatusOr<kvs::RespValue> reply = absl::UnavailableError("not connected");
  if (client_ == nullptr) {
    auto client = kvs::RespClient::connect(gateway_);
    if (client.ok()) {
      client_ = *std::move(client);
    } else {
      reply = client.status();
    }
  }
  if (client_ != nullptr) reply = client_->call(args);
  if (!reply.ok()) {
    // Something broke (the replicas this session talks to are all up): the rest of the
    // session fails fast instead of waiting out a timeout per command.
    lost_reply_ = client_ != nullptr;
    answer.error = true;
    answer.text = absl::StrCat("no reply: ", reply.status().message());
    return answer;
  }
  using Kind = kvs::RespValue::Kind;
  answer.error = reply->kind != Kind::kBulkString;
  // An error's text as it came ("ERR ..."); any other unexpected reply as redis-cli shows it.
  answer.text =
      answer.error && reply->kind != Kind::kError ? kvs::to_cli_text(*reply) : reply->text;
  if (!answer.error) answer.json.Parse(answer.text.c_str());
  return answer;
}

}  // namespace eddy
