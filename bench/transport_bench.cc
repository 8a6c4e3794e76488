// One-way throughput of a TCP channel over loopback: eddy's TcpTransport against a plain
// hand-written Asio sender/receiver with the same batching, in the same binary.
//
//   build/bin/transport_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only
//
// Each iteration sends a batch of kBatch messages of the given size (64 B, 4 KiB) from one
// endpoint to another, as one tick of a flow would. The sender may run up to kWindow batches
// ahead of the receiver (a full pipe, as a busy flow keeps it), and the run ends when the
// receiver has everything. Both sides frame each message with a length prefix and write a batch
// with one write.
#include <benchmark/benchmark.h>

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <cstring>
#include <thread>

#include "dataflow/net/io_loop.h"
#include "dataflow/net/tcp_transport.h"

namespace eddy {
namespace {

constexpr int kBatch = 1000;
constexpr int kWindow = 4;

// Yields while waiting: eddy's sender, writer and reader are three threads on this 2-core
// machine, and a spinning waiter would steal a core from them.
void wait_until(const std::atomic<int64_t>& counter, int64_t target) {
  while (counter.load(std::memory_order_acquire) < target) std::this_thread::yield();
}

// Counts what arrives, a whole read at a time as an instance's inbox takes it.
class CountingReceiver final : public Receiver {
 public:
  void deliver(Envelope envelope) override {
    bytes_ += static_cast<int64_t>(envelope.payload.size());
    messages_.fetch_add(1, std::memory_order_release);
  }
  void deliver_batch(std::vector<Envelope>& envelopes) override {
    int64_t bytes = 0;
    for (const Envelope& e : envelopes) bytes += static_cast<int64_t>(e.payload.size());
    bytes_ += bytes;
    messages_.fetch_add(static_cast<int64_t>(envelopes.size()), std::memory_order_release);
    envelopes.clear();
  }
  std::atomic<int64_t> messages_{0};
  std::atomic<int64_t> bytes_{0};
};

void BM_ChannelEddyTcp(benchmark::State& state) {
  const size_t size = static_cast<size_t>(state.range(0));
  const InstanceId a{0, MemberId{0}}, b{1, MemberId{0}};
  // One I/O loop serves both ends, so, as in the baseline, one thread sends (the caller, which
  // writes through to an idle connection) and one thread receives.
  IoLoop loop;
  CountingReceiver at_b;
  TcpTransportOptions ob;
  ob.self = b;
  ob.listen = Endpoint{"127.0.0.1", 0};
  ob.peers = {{a, Endpoint{"127.0.0.1", 1}}};
  auto tb = *TcpTransport::create(loop, ob);
  TcpTransportOptions oa;
  oa.self = a;
  oa.listen = Endpoint{"127.0.0.1", 0};
  oa.peers = {{b, tb->local_endpoint()}};
  auto ta = *TcpTransport::create(loop, oa);
  CountingReceiver at_a;
  tb->start(&at_b);
  ta->start(&at_a);
  loop.start();
  const Payload payload(std::string(size, 'x'));
  std::vector<Envelope> batch;
  int64_t sent = 0;
  for (auto _ : state) {
    batch.clear();
    for (int i = 0; i < kBatch; ++i) batch.emplace_back(a, b, ChannelId{1}, payload);
    ta->send(batch);
    sent += kBatch;
    wait_until(at_b.messages_, sent - kWindow * kBatch);
  }
  wait_until(at_b.messages_, sent);
  state.SetItemsProcessed(sent);
  state.SetBytesProcessed(sent * static_cast<int64_t>(size));
  ta->stop();
  tb->stop();
}
BENCHMARK(BM_ChannelEddyTcp)->Arg(64)->Arg(4096)->UseRealTime();

// The baseline: a blocking writer thread and an Asio reader that parses the same framing.
void BM_ChannelAsioBaseline(benchmark::State& state) {
  namespace asio = boost::asio;
  using tcp = asio::ip::tcp;
  const size_t size = static_cast<size_t>(state.range(0));
  asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  tcp::socket writer(io);
  writer.connect(acceptor.local_endpoint());
  writer.set_option(tcp::no_delay(true));
  tcp::socket reader_socket = acceptor.accept();
  std::atomic<int64_t> received{0};
  std::atomic<bool> done{false};
  std::thread reader([&] {
    std::string buffer(1 << 20, '\0');
    size_t have = 0;
    boost::system::error_code ec;
    while (!done) {
      const size_t n = reader_socket.read_some(asio::buffer(buffer.data() + have, buffer.size() - have), ec);
      if (ec) break;
      have += n;
      size_t at = 0;
      int64_t frames = 0;
      while (have - at >= 4) {
        uint32_t length;
        std::memcpy(&length, buffer.data() + at, 4);
        if (have - at < 4 + length) break;
        std::string message(buffer.data() + at + 4, length);  // like a delivered payload
        benchmark::DoNotOptimize(message);
        at += 4 + length;
        ++frames;
      }
      std::memmove(buffer.data(), buffer.data() + at, have - at);
      have -= at;
      received.fetch_add(frames, std::memory_order_release);
    }
  });
  const std::string payload(size, 'x');
  std::string frames;
  int64_t sent = 0;
  for (auto _ : state) {
    frames.clear();
    for (int i = 0; i < kBatch; ++i) {
      const uint32_t length = static_cast<uint32_t>(size);
      frames.append(reinterpret_cast<const char*>(&length), 4);
      frames += payload;
    }
    asio::write(writer, asio::buffer(frames));
    sent += kBatch;
    wait_until(received, sent - kWindow * kBatch);
  }
  wait_until(received, sent);
  state.SetItemsProcessed(sent);
  state.SetBytesProcessed(sent * static_cast<int64_t>(size));
  done = true;
  writer.close();
  reader.join();
}
BENCHMARK(BM_ChannelAsioBaseline)->Arg(64)->Arg(4096)->UseRealTime();

}  // namespace
}  // namespace eddy

BENCHMARK_MAIN();
