"""A cluster member killed with SIGKILL and restarted: its peers reconnect and later messages
flow to it and back again.

echo_flow: the leader serves client port "echo", sends each request to a worker (round robin)
and replies (member, 2x). Instances are started directly, so the test holds their pids.
"""

import signal

import harness
import prometheus
from harness import EddyTestCase, Layout, connected_count, connected_re

HOST = "127.0.0.1"


class MemberRestartTest(EddyTestCase):

    def test_killed_member_restarts_and_traffic_reaches_it_again(self):
        def start():
            layout = Layout(3, client=True)
            topology = self.write_topology(layout)
            return layout, self.start_flow("echo_flow", layout, topology)
        layout, inst = self.with_fresh_ports(start)
        leader, victim = inst["leader"], inst["workers/1"]
        for m in range(3):
            self.wait_for_log(leader, connected_re(f"workers/{m}"))

        # Before the kill, every member answers.
        self.assert_echo_ok(HOST, layout.client, 6, start=1, members={0, 1, 2})
        self.assertEqual(connected_count(leader, "workers/1"), 1)

        victim.popen.send_signal(signal.SIGKILL)
        self.assertEqual(victim.popen.wait(harness.HANG_GUARD_SECONDS), -signal.SIGKILL)
        # The leader notices the connection is gone (the kernel closed the dead process's socket).
        self.wait_for_log(leader, r"info: connection with workers/1 \(.*\): closed by the peer")
        self.assert_alive(leader, inst["workers/0"], inst["workers/2"])

        # Same arguments, same address: the restarted member binds its port again.
        again = self.start(victim.name + " (restarted)", victim.argv)
        self.wait_running([again])
        self.wait_for_log(leader, connected_re("workers/1"), count=2)
        self.wait_for_log(again, connected_re("leader"))

        replies = self.assert_echo_ok(HOST, layout.client, 30, start=100, members={0, 1, 2})
        self.assertGreaterEqual(sum(1 for _, m, _ in replies if m == 1), 1)
        self.assert_alive(leader, again, inst["workers/0"], inst["workers/2"])
        # Exactly one reconnection: the old connection is not counted twice nor left half-open.
        self.assertEqual(connected_count(leader, "workers/1"), 2)
        self.assertEqual(connected_count(leader, "workers/0"), 1)
        self.assertEqual(connected_count(leader, "workers/2"), 1)

    def test_requests_queued_for_a_dead_member_are_answered_after_its_restart(self):
        """Requests that round robin assigns to a dead member wait in the leader's queue for it
        (nothing was written to a connection, so nothing is lost) and are answered once the
        member is back."""
        def start():
            layout = Layout(3, client=True, admin=True)
            topology = self.write_topology(layout)
            return layout, self.start_flow("echo_flow", layout, topology)
        layout, inst = self.with_fresh_ports(start)
        leader, victim = inst["leader"], inst["workers/2"]
        for m in range(3):
            self.wait_for_log(leader, connected_re(f"workers/{m}"))
        # Round robin takes members in turn from member 0: requests 1, 2, 3 go to 0, 1, 2.
        replies = self.assert_echo_ok(HOST, layout.client, 3, start=1)
        self.assertEqual([m for _, m, _ in replies], [0, 1, 2])

        victim.popen.send_signal(signal.SIGKILL)
        victim.popen.wait(harness.HANG_GUARD_SECONDS)
        self.wait_for_log(leader, r"info: connection with workers/2 \(.*\): closed by the peer")

        # Requests 10, 11, 12 go to members 0, 1, 2: the client blocks on 12 while member 2 is
        # down, and the leader holds 12 in its queue for workers/2.
        client = self.start("echo_client", [harness.binary("echo_client"),
                                            f"--connect={HOST}:{layout.client}", "--count=3",
                                            "--start=10", "--timeout_ms=120000"])

        def queued_for_victim():
            families = prometheus.scrape(HOST, layout.leader_admin)
            return prometheus.sample_value(families, "eddy_peer_queued_bytes", peer="workers/2") > 0
        self.wait_until(queued_for_victim, "a request queued for the dead workers/2")
        self.assertTrue(client.alive(), client.log())

        again = self.start(victim.name + " (restarted)", victim.argv)
        self.wait_running([again])
        self.wait_until(lambda: client.popen.poll() is not None, "echo_client to finish")
        self.assertEqual(client.returncode(), 0, client.log())
        self.assertEqual(client.log().splitlines(),
                         ["10 -> member 0: 20", "11 -> member 1: 22", "12 -> member 2: 24"])
        families = prometheus.scrape(HOST, layout.leader_admin)
        for family, expected in [("eddy_peer_queued_bytes", 0), ("eddy_peer_connects_total", 2)]:
            self.assertEqual(prometheus.sample_value(families, family, peer="workers/2"), expected)

if __name__ == "__main__":
    harness.main()
