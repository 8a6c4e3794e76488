"""Many clients at once: frames from concurrent requests share each peer connection, and every
reply still comes back right, to the client that asked, with nothing dropped or logged as wrong.
"""

import subprocess

import harness
import prometheus
from harness import EddyTestCase, Layout, binary, connected_re

HOST = "127.0.0.1"
CLIENTS = 8
REQUESTS = 999


class ConcurrentClientsTest(EddyTestCase):

    def test_concurrent_clients_all_get_their_own_replies(self):
        def start():
            layout = Layout(3, client=True, admin=True)
            return layout, self.start_flow("echo_flow", layout, self.write_topology(layout))
        layout, inst = self.with_fresh_ports(start)
        for m in range(3):
            self.wait_for_log(inst["leader"], connected_re(f"workers/{m}"))

        # Disjoint number ranges, so a reply delivered to the wrong client would be noticed
        # (echo_client checks each reply is twice what it sent).
        clients = [subprocess.Popen(
            [binary("echo_client"), f"--connect={HOST}:{layout.client}", f"--count={REQUESTS}",
             f"--start={1 + c * 100000}", "--timeout_ms=30000"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT) for c in range(CLIENTS)]
        outputs = []
        for c, proc in enumerate(clients):
            out, _ = proc.communicate(timeout=harness.HANG_GUARD_SECONDS * 5)
            outputs.append(out.decode())
            self.assertEqual(proc.returncode, 0, f"client {c}:\n{outputs[-1]}")
        for c, out in enumerate(outputs):
            lines = out.splitlines()
            self.assertEqual(len(lines), REQUESTS, out)
            first = 1 + c * 100000
            for i, line in enumerate(lines):
                x, rest = line.split(" -> member ")
                member, y = rest.split(": ")
                self.assertEqual(int(x), first + i)
                self.assertEqual(int(y), 2 * (first + i))
                self.assertIn(int(member), (0, 1, 2))

        families = prometheus.scrape(HOST, layout.leader_admin)
        self.assertEqual(
            prometheus.sample_value(families, "eddy_operator_items_total", op="source_external"),
            CLIENTS * REQUESTS)
        for m in range(3):
            self.assertEqual(prometheus.sample_value(families, "eddy_peer_dropped_frames_total",
                                                  peer=f"workers/{m}"), 0)
            self.assertEqual(prometheus.sample_value(families, "eddy_peer_connects_total",
                                                  peer=f"workers/{m}"), 1)
        # Round robin over every request: each member got exactly a third.
        # (Counted at the leader: replies that came back from each member.)
        for m in range(3):
            self.assertEqual(sum(out.count(f" -> member {m}: ") for out in outputs),
                             CLIENTS * REQUESTS // 3)
        for name, i in inst.items():
            self.assertNotRegex(i.log(), r"\b(warning|error):", f"{name} complained")


if __name__ == "__main__":
    harness.main()
