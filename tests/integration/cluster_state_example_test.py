"""examples/cluster_state end to end: the demo starts a gateway and four replicas (master, two
workers, leecher) as processes of its own, runs its scripted session -- placement, forwarding,
convergence, a replica killed and restarted from its data directory -- and exits 0 only when
every check it makes held. This test runs it as a user would and checks the exit status, the
transcript's key lines, and that it cleaned up after itself.
"""

import os
import re
import subprocess

import harness
from harness import EddyTestCase, binary

DEMO_TIMEOUT = 240  # seconds the whole demo may take (a hang guard)
PORT_ATTEMPTS = 3   # runs allowed when another program took a port the demo picked


class ClusterStateExampleTest(EddyTestCase):

    def run_demo(self):
        """Runs the demo; retries only a run that failed because an address was in use."""
        for _ in range(PORT_ATTEMPTS):
            done = subprocess.run([binary("cluster_state")], stdin=subprocess.DEVNULL,
                                  capture_output=True, text=True, timeout=DEMO_TIMEOUT)
            if done.returncode == 0 or "in use" not in done.stdout:
                return done
        return done

    def test_demo_runs_every_step_and_every_check_holds(self):
        done = self.run_demo()
        out = done.stdout
        self.assertEqual(done.returncode, 0, f"exit status {done.returncode}:\n{out}{done.stderr}")
        self.assertTrue(out.rstrip().endswith("Every check held."), out)
        self.assertNotIn("CHECK FAILED", out)

        # Who is where: five processes, the leecher said to keep nodes and metadata only.
        for replica in range(4):
            self.assertRegex(out, rf"\n  replica {replica}  127\.0\.0\.1:\d+ ")
        self.assertIn("leecher: keeps nodes and metadata only", out)

        # Placement: both GPU tasks on the GPU machine, the ETL task on the CPU machine, and
        # the task needing four GPUs nowhere (the master refuses to place it).
        self.assertEqual(out.count('{"node_id":"gpu-1"}'), 2, out)
        self.assertEqual(out.count('{"node_id":"cpu-1"}'), 1, out)
        self.assertIn('{"node_id":null}', out)
        self.assertIn('"code":"not_found"', out)
        # An assignment sent to a worker replica comes back decided (by the master).
        self.assertRegex(out, r"STATE\.CALL 1 assign_task task_id \S+ node_id gpu-1\n"
                              r"\s+\{\"code\":\"ok\",\"message\":\"\",\"node_id\":\"gpu-1\"\}")

        # Convergence, the leecher's refusal, and the restart from disk.
        self.assertIn("converged: replicas 0, 1 and 2 have digest ", out)
        self.assertIn("(error) ERR replica 3 is a leecher", out)
        self.assertRegex(out, r"driver> kill -KILL \d+   \(replica-2\)")
        self.assertIn("log records: digest ", out)
        self.assertIn("2 rows: train-1 completed, train-2 completed", out)
        self.assertIn("caught up: the restarted replica 2 has digest ", out)
        self.assertIn("Stopping the 5 processes... done.", out)

        # On success the demo removes its directory (topology, logs, data).
        where = re.search(r"\(topology and logs in (\S+)\)", out)
        self.assertIsNotNone(where, out)
        self.assertFalse(os.path.exists(where.group(1)), f"{where.group(1)} was left behind")


if __name__ == "__main__":
    harness.main()
