"""A flow over a Process and a Cluster gives the same results over TCP (eddy-deploy, one OS
process per instance) as in one process.

roundtrip_flow: the leader round-robins 1..100 over the workers, each worker broadcasts what it
got to every worker, every worker sends what it heard back, and the leader prints
"sum=S count=C" once all of it is back (S = 5050 * members, C = 100 * members).
"""

import re
import signal
import subprocess

import harness
from harness import EddyTestCase, Layout, PortCollision, binary

RESULT = re.compile(r"^sum=(\d+) count=(\d+)$", re.M)


class RoundtripOverTcpTest(EddyTestCase):

    def in_process_result(self, members):
        argv = [binary("roundtrip_flow")]
        if members is not None:
            argv.append(f"--cluster-size=workers={members}")
        proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              timeout=harness.HANG_GUARD_SECONDS)
        out = proc.stdout.decode()
        self.assertEqual(proc.returncode, 0, proc.stderr.decode())
        results = RESULT.findall(out)
        self.assertEqual(len(results), 1, f"expected one result line in-process, got:\n{out}")
        return tuple(map(int, results[0]))

    def deployed_result(self, members):
        """Runs roundtrip_flow under eddy-deploy; returns (result, eddy-deploy's output)."""
        def attempt():
            layout = Layout(members)
            topology = self.write_topology(layout)
            deploy = self.start("eddy-deploy", [binary("eddy-deploy"), topology, "--",
                                                binary("roundtrip_flow")])

            def result_or_failure():
                text = deploy.log()
                if RESULT.search(text.replace("[leader] ", "")):
                    return True
                if not deploy.alive():
                    if "cannot listen on" in text and "in use" in text:
                        raise PortCollision(text)
                    self.fail(f"eddy-deploy exited with {deploy.returncode()} before a result")
                return False
            self.wait_until(result_or_failure, "the leader's result line")
            return deploy
        deploy = self.with_fresh_ports(attempt)

        deploy.send(signal.SIGINT)
        status = deploy.popen.wait(harness.HANG_GUARD_SECONDS)
        text = deploy.log()
        self.assertEqual(status, 0, f"eddy-deploy did not stop cleanly on SIGINT:\n{text}")
        self.assertIn("[eddy-deploy] stopping every instance (Interrupt)", text)
        self.assertIn("[eddy-deploy] done\n", text)
        # Only the leader prints the result, exactly once, and every instance stopped on the signal.
        lines = re.findall(r"^\[([^\]]+)\] sum=(\d+) count=(\d+)$", text, re.M)
        self.assertEqual([name for name, _, _ in lines], ["leader"], text)
        names = ["leader"] + [f"workers/{m}" for m in range(members)]
        for name in names:
            self.assertIn(f"[{name}] info: stopping on signal 2", text)
        self.assertEqual(
            int(re.search(r"\[eddy-deploy\] started (\d+) instances", text).group(1)), members + 1)
        return tuple(map(int, lines[0][1:])), text

    def test_three_members_over_tcp_match_in_process(self):
        expected = self.in_process_result(None)  # the flow's default: 3 workers
        self.assertEqual(expected, (3 * 5050, 3 * 100))
        got, text = self.deployed_result(3)
        self.assertEqual(got, expected, text)

    def test_five_members_over_tcp_match_in_process(self):
        expected = self.in_process_result(5)
        self.assertEqual(expected, (5 * 5050, 5 * 100))
        got, text = self.deployed_result(5)
        self.assertEqual(got, expected, text)


if __name__ == "__main__":
    harness.main()
