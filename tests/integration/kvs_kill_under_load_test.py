"""A member of a 3-member replicated store is killed with SIGKILL in the middle of load and
restarted; once quiet, every member holds the same table and every write a client saw
acknowledged is there, on every member.

The load is two clients at once, both through the coordinator's RESP port: the real
redis-benchmark (SET and GET over many connections, pipelined), which must end without an
error, and a writer of keys of its own ("log:<n>" -> "v<n>", pipelined on one connection) that
keeps a log of the writes acknowledged with +OK. Both keep sending while the member is down and
while it restarts: the coordinator resends what the member did not answer, so every command
routed to it is answered once it is back. Once the coordinator counts the member as down, a new
client's commands go to the other members and are answered while it is still down.

Two settings, each of which docs/consistency.md promises this of, with anti-entropy on:
--ack=quorum without a log (the member comes back empty and its peers refill it), and
--ack=local with a write-ahead log synced always (the member comes back from its log).
"""

import os
import re
import shutil
import signal
import threading

import harness
from harness import KvsTestCase, RespConnection, encode_command

MEMBERS = 3
VICTIM = 1
# A short resend period keeps the test quick (ops routed to the killed member are resent soon
# after it is back, and the coordinator counts it as down a second after it died); the
# guarantees do not depend on it. Anti-entropy keeps its default period
# (on, every second): a round compares the whole table, which here grows past 100000 keys, so a
# much shorter period leaves the members little time for the load.
FAST = ["--resend-ms=200", "--down-after-ms=1000"]
# Enough requests that redis-benchmark still runs when the member is killed and restarted.
BENCHMARK = ["-t", "set,get", "-n", "200000", "-P", "16", "-c", "20", "-r", "100000"]
BATCH = 50  # SETs the writer pipelines at a time
ACKED_BEFORE_KILL = 2000
ACKED_AFTER_RESTART = 1000


class AckedWriter:
    """A client on a thread of its own that SETs keys nobody else writes ("log:<n>" -> "v<n>"),
    BATCH at a time pipelined on one connection, until stopped. `acked` is its log of the
    writes acknowledged with +OK; `problems` lists every other reply and what ended it early.
    """

    def __init__(self, port):
        self.port = port
        self.acked = {}
        self.problems = []
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="acked-writer")

    def start(self):
        self._thread.start()

    def count(self):
        """How many writes have been acknowledged so far (callable from any thread)."""
        return len(self.acked)

    def stop(self):
        """Stops after the batch in flight; returns whether the thread ended (hang guard)."""
        self._stopping.set()
        self._thread.join(harness.HANG_GUARD_SECONDS)
        return not self._thread.is_alive()

    def _run(self):
        n = 0
        try:
            with RespConnection(self.port) as conn:
                while not self._stopping.is_set():
                    batch = [(f"log:{k}", f"v{k}".encode()) for k in range(n, n + BATCH)]
                    n += BATCH
                    conn.send(b"".join(encode_command("SET", k, v) for k, v in batch))
                    for key, value in batch:
                        reply = conn.reply()
                        if reply == "OK":
                            self.acked[key] = value
                        else:
                            self.problems.append(f"SET {key}: {reply!r}")
        except Exception as e:  # reported by the test, which checks `problems`
            self.problems.append(f"writer stopped: {e!r}")


class KillUnderLoadTest(KvsTestCase):

    def start_benchmark(self, port):
        """Starts redis-benchmark -q BENCHMARK against `port`, in the background."""
        path = shutil.which("redis-benchmark")
        self.assertIsNotNone(path, "redis-benchmark is not installed (tools/setup installs it)")
        return self.start("redis-benchmark",
                          [path, "-h", "127.0.0.1", "-p", str(port), "-q"] + BENCHMARK)

    def assert_benchmark_ends_without_errors(self, benchmark):
        try:
            self.wait_until(lambda: not benchmark.alive(), "redis-benchmark to end",
                            interval=0.2)
        except AssertionError as e:
            lines = [line.strip() for line in benchmark.log().replace("\r", "\n").split("\n")]
            last = [line for line in lines if line][-1:]
            raise AssertionError(f"{e}; its last progress line: {last}") from None
        finally:
            if benchmark.alive():  # the hang is the failure; its exit status on SIGTERM is not
                benchmark.stop(signal.SIGKILL)
        out = benchmark.log()
        self.assertEqual(benchmark.returncode(), 0, f"redis-benchmark failed:\n{out}")
        self.assertNotRegex(out, r"(?i)error", out)
        # -q ends each test with "NAME: N requests per second" (progress lines end in \r).
        final = [line.split("\r")[-1] for line in out.split("\n")]
        for name in ("SET", "GET"):
            self.assertTrue(any(re.match(rf"^{name}: [\d.]+ requests per second", line)
                                for line in final), f"no {name} result in:\n{out}")

    def kill_and_restart_victim(self, instances, port, args):
        """SIGKILLs members/VICTIM; once the coordinator saw its connection end and counts it
        as down, checks that new clients are served; restarts it and waits until the
        coordinator is connected to it again."""
        coordinator = instances["coordinator"]
        ended = (r"connection with " + re.escape(f"members/{VICTIM}") +
                 r" \(\S+\): (?:closed by the peer|read failed)")
        ended_before = coordinator.count(ended)
        reconnected = self.wait_member_connected(coordinator, VICTIM)
        self.kill(instances[f"members/{VICTIM}"])
        self.wait_for_log(coordinator, ended, count=ended_before + 1)
        self.assert_served_while_down(coordinator, port)
        self.restart_member(VICTIM, args)
        reconnected()

    def assert_served_while_down(self, coordinator, port):
        """Once the coordinator counts the killed member as down, a new client's SETs and GETs
        are answered by the members that are up, while that member is still down. (Commands
        sent to it before that wait for its return: the writer's and redis-benchmark's.)"""
        self.wait_for_log(coordinator, rf"member {VICTIM} counts as down")
        with RespConnection(port) as conn:
            for i in range(2 * MEMBERS):  # round robin would have sent some to the victim
                key = f"while-down:{i}"
                conn.send(encode_command("SET", key, b"x") + encode_command("GET", key))
                self.assertEqual(conn.reply(), "OK", f"SET {key} while member {VICTIM} is down")
                self.assertEqual(conn.reply(), b"x", f"GET {key} while member {VICTIM} is down")

    def assert_holds(self, got, acked, where):
        """`got` ({key: value read}) has every acknowledged write of `acked`."""
        wrong = {k: got[k] for k, v in acked.items() if got[k] != v}
        example = dict(list(wrong.items())[:10])
        self.assertEqual(len(wrong), 0, f"{where}: {len(wrong)} of {len(acked)} acknowledged "
                                        f"writes not read back, e.g. (key: value read) {example}")

    def assert_every_member_has(self, port, acked):
        """Every member holds every write of `acked` (EDDY.GETFROM), and GET returns each."""
        for m in range(MEMBERS):
            self.assert_holds(self.read_from(port, m, list(acked)), acked, f"member {m}")
        read = {}
        with RespConnection(port) as conn:
            conn.send(b"".join(encode_command("GET", k) for k in acked))
            try:
                for k in acked:
                    read[k] = conn.reply()
            except TimeoutError:
                self.fail(f"hang guard: GET through the coordinator answered {len(read)} of "
                          f"{len(acked)} keys, then nothing for {harness.HANG_GUARD_SECONDS}s")
        self.assert_holds(read, acked, "GET through the coordinator")

    def wait_acked(self, writer, count, what):
        """Waits until `writer` has `count` acknowledged writes; fails at once if it got any
        other reply or stopped."""
        def enough():
            self.assertEqual(writer.problems, [], "replies to the writer other than +OK")
            return writer.count() >= count
        self.wait_until(enough, f"{count} acknowledged writes {what}")

    def kill_a_member_under_load(self, args):
        args = list(args) + FAST
        instances, port = self.start_kvs_replicated(MEMBERS, extra=args)
        benchmark = self.start_benchmark(port)
        writer = AckedWriter(port)
        writer.start()
        self.addCleanup(writer.stop)

        self.wait_acked(writer, ACKED_BEFORE_KILL, "before the kill")
        self.assertTrue(benchmark.alive(),
                        "redis-benchmark ended before the kill: give it more requests (-n)")
        self.kill_and_restart_victim(instances, port, args)
        self.wait_acked(writer, writer.count() + ACKED_AFTER_RESTART, "after the restart")

        self.assert_benchmark_ends_without_errors(benchmark)
        self.assertTrue(writer.stop(), "hang guard: the writer did not stop")
        self.assertEqual(writer.problems, [], "replies to the writer other than +OK")

        rows = self.wait_converged(port, MEMBERS)
        self.assertEqual([m for m, _, _ in rows], list(range(MEMBERS)), rows)
        # Every key of the log, and at most 100000 key:NNNNNNNNNNNN of redis-benchmark (-r).
        self.assertGreaterEqual(rows[0][1], len(writer.acked), rows)
        self.assert_every_member_has(port, writer.acked)

    def test_with_ack_quorum_a_member_killed_under_load_is_refilled_and_no_ack_is_lost(self):
        self.kill_a_member_under_load(["--ack=quorum"])

    def test_with_ack_local_and_a_synced_log_a_member_killed_under_load_loses_no_ack(self):
        data = os.path.join(self.tmp, "data")
        self.kill_a_member_under_load(["--ack=local", f"--data-dir={data}",
                                       "--appendfsync=always"])


if __name__ == "__main__":
    harness.main()
