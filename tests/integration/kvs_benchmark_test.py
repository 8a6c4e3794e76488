"""redis-benchmark, the real one, runs to the end against the replicated store (3 members
started by eddy-deploy) without an error, and afterwards every member holds the same table.

No throughput is checked: this is about correctness under load (50 connections, 16 commands
pipelined on each), not speed.
"""

import re
import shutil
import signal
import subprocess

import harness
from harness import KvsTestCase, RespConnection

MEMBERS = 3


class RedisBenchmarkTest(KvsTestCase):

    def benchmark(self, port, *args):
        """Runs redis-benchmark -q ARGS; returns its output (stdout and stderr)."""
        path = shutil.which("redis-benchmark")
        self.assertIsNotNone(path, "redis-benchmark is not installed (tools/setup installs it)")
        proc = subprocess.run([path, "-h", "127.0.0.1", "-p", str(port), "-q"] + list(args),
                              stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, timeout=harness.HANG_GUARD_SECONDS * 5)
        out = proc.stdout.decode("utf-8", "replace")
        self.assertEqual(proc.returncode, 0, f"redis-benchmark {' '.join(args)} failed:\n{out}")
        # -q ends each test with "NAME: N requests per second" (progress lines end in \r).
        final = [line.split("\r")[-1] for line in out.split("\n")]
        self.assertNotRegex(out, r"(?i)error", out)
        return final, out

    def assert_reports(self, final, out, tests):
        for name in tests:
            self.assertTrue(any(re.match(rf"^{name}: [\d.]+ requests per second", line)
                                for line in final), f"no {name} result in:\n{out}")

    def test_set_get_pipelined_over_50_connections_then_members_converge(self):
        instances, port = self.start_kvs_replicated(MEMBERS, deploy=True)
        deploy = instances["eddy-deploy"]

        final, out = self.benchmark(port, "-t", "set,get", "-n", "100000", "-P", "16",
                                    "-c", "50")
        self.assert_reports(final, out, ["SET", "GET"])

        # Many distinct keys too (-r), so that convergence is about more than one key.
        final, out = self.benchmark(port, "-t", "set", "-n", "20000", "-r", "5000", "-P", "16",
                                    "-c", "50")
        self.assert_reports(final, out, ["SET"])

        rows = self.wait_converged(port, MEMBERS)
        self.assertEqual([m for m, _, _ in rows], list(range(MEMBERS)))
        keys = rows[0][1]
        # key:__rand_int__ from the first run, and up to 5000 key:NNNNNNNNNNNN from the second.
        self.assertGreater(keys, 1000, rows)
        self.assertLessEqual(keys, 5001, rows)
        with RespConnection(port) as conn:
            self.assertEqual(conn.command("DBSIZE"), keys)
            # redis-benchmark's SET value: 3 bytes by default (-d).
            value = conn.command("GET", "key:__rand_int__")
            self.assertIsInstance(value, bytes)
            self.assertEqual(len(value), 3, value)
            self.assertEqual(conn.command("PING"), "PONG")
            # The coordinator spread the ops over every member (the 4th field, when given, is
            # how many client ops it routed to that member).
            routed = [row[3] for row in conn.command("EDDY.MEMBERS") if len(row) > 3]
        for count in routed:
            self.assertGreater(count, 0, routed)

        # eddy-deploy stops every instance on SIGINT and exits 0; nothing was logged as an error.
        deploy.send(signal.SIGINT)
        status = deploy.popen.wait(harness.HANG_GUARD_SECONDS)
        text = deploy.log()
        self.assertEqual(status, 0, text)
        self.assertIn("[eddy-deploy] done", text)
        self.assertEqual(harness.log_problems(text), [], text)


if __name__ == "__main__":
    harness.main()
