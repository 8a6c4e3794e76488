// make_wire_seeds: writes wire_fuzz's seed corpus with the project's own encoders, so the seeds
// are exactly what instances and clients send. Deterministic: fixed nonces, proofs and values.
//
//   build-fuzz/bin/make_wire_seeds fuzz/corpus/wire_fuzz
#include <cstdio>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "dataflow/net/native_codec.h"
#include "dataflow/net/wire.h"
#include "dataflow/serde/codec.h"
#include "kvs/core/types.h"

namespace eddy::fuzz {
namespace {

wire::Nonce nonce(uint8_t first) {
  wire::Nonce n{};
  for (size_t i = 0; i < n.size(); ++i) n[i] = static_cast<uint8_t>(first + i);
  return n;
}

kvs::MemberOp put_op() {
  kvs::MemberOp op;
  op.kind = kvs::OpKind::kPut;
  op.ref = kvs::RequestRef{ConnectionId{7}, 3, 0};
  op.key = "user:1";
  op.value = "name-1";
  op.version = kvs::Version{1, 1000};
  return op;
}

kvs::MemberReply get_reply() {
  kvs::MemberReply reply;
  reply.kind = kvs::OpKind::kGet;
  reply.ref = kvs::RequestRef{ConnectionId{7}, 4, 1};
  reply.member = 2;
  reply.values = {"blue"};
  reply.seen = {kvs::Version{0, 999}};
  return reply;
}

// Every seed, by file name.
std::vector<std::pair<std::string, std::string>> seeds() {
  const InstanceId leader{0, MemberId{0}};
  const InstanceId worker{1, MemberId{2}};
  std::vector<std::pair<std::string, std::string>> out;
  auto add = [&out](std::string name) -> std::string& {
    return out.emplace_back(std::move(name), std::string()).second;
  };

  wire::append_hello(wire::Hello{0x1234567890abcdefULL, leader, worker, nonce(1)}, &add("hello"));
  const std::string proof(32, '\x5a');  // the size of an HMAC-SHA256
  wire::append_challenge(wire::Challenge{0x1234567890abcdefULL, nonce(17), proof},
                         &add("challenge"));
  wire::append_proof(proof, &add("proof"));
  wire::append_accept(&add("accept"));
  wire::append_refuse("refused: it runs a different flow", &add("refuse"));

  // A peer connection as the dialer sends it: hello, proof, then data frames.
  std::string& peer = add("peer_session");
  wire::append_hello(wire::Hello{42, leader, worker, nonce(1)}, &peer);
  wire::append_proof("", &peer);
  wire::append_data(wire::DataHeader{3, leader}, encode_batch<int>({1, 4, 9, 16}), &peer);
  wire::append_data(wire::DataHeader{5, leader}, encode_batch<kvs::MemberOp>({put_op()}), &peer);

  // A native client connection to port "port" of (std::string, std::string), as wire_fuzz's
  // NativeCodec expects it: client_hello, then one request per data frame.
  std::string& client = add("client_session");
  wire::append_client_hello(wire::ClientHello{port_fingerprint<std::string, std::string>(), "port"},
                            &client);
  for (const char* request : {"GET a", "SET a 1"}) {
    std::string payload;
    encode_value(std::string(request), &payload);
    wire::append_data(wire::DataHeader{}, payload, &client);
  }
  wire::append_client_hello(wire::ClientHello{1, "other"}, &add("client_hello_wrong_port"));

  // Bare batches and values, for the serde decoders.
  add("batch_strings") = encode_batch<std::string>({"a", "", "hello world"});
  add("batch_pairs") = encode_batch<std::pair<int, std::string>>({{1, "one"}, {-2, "two"}});
  add("batch_int64s") = encode_batch<std::vector<int64_t>>({{1, -1, 1LL << 40}, {}});
  add("batch_optionals") = encode_batch<std::optional<std::string>>({"x", std::nullopt});
  add("batch_member_ops") = encode_batch<kvs::MemberOp>({put_op(), kvs::MemberOp{}});
  add("batch_member_replies") = encode_batch<kvs::MemberReply>({get_reply()});
  encode_value(put_op(), &add("value_member_op"));
  return out;
}

}  // namespace
}  // namespace eddy::fuzz

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_wire_seeds DIR\n");
    return 2;
  }
  for (const auto& [name, bytes] : eddy::fuzz::seeds()) {
    const std::string path = std::string(argv[1]) + "/" + name;
    std::ofstream file(path, std::ios::binary);
    file.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!file) {
      std::fprintf(stderr, "make_wire_seeds: cannot write %s\n", path.c_str());
      return 1;
    }
  }
  return 0;
}
