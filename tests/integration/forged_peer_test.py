"""A raw socket that speaks the peer handshake of dataflow/net/wire.h to a cluster member: what
the member answers (a refuse frame naming the fingerprints, a challenge), and what it drops after
a valid handshake (a payload that does not decode, a data frame claiming another sender, a hello
from an instance that never connects there). Each test ends by starting the real leader and
checking every member still answers.
"""

import re
import socket
import struct
import subprocess

import harness
from harness import EddyTestCase, Layout, connected_re, connection_re
from peer_wire import (KIND_ACCEPT, KIND_CHALLENGE, KIND_REFUSE, closed_by_peer, data, hello,
                       proof, recv_frame)

HOST = "127.0.0.1"
LEADER = (0, 0)  # (location, member): echo_flow declares leader, then workers
WORKERS = 1


class ForgedPeerTest(EddyTestCase):
    """A raw socket that speaks the handshake: what a member answers and what it drops."""

    def setUp(self):
        super().setUp()

        # Only the workers run: nobody else claims to be the leader while the test does.
        def start():
            layout = Layout(3, client=True)
            topology = self.write_topology(layout)
            workers = {}
            for m in range(3):
                workers[m] = self.start_instance("echo_flow", topology, "workers", m)
            self.wait_running(list(workers.values()))
            return layout, topology, workers
        self.layout, self.topology, self.workers = self.with_fresh_ports(start)
        self.target = self.workers[1]

    def connect(self):
        sock = socket.create_connection((HOST, self.layout.workers[1]),
                                        timeout=harness.HANG_GUARD_SECONDS)
        self.addCleanup(sock.close)
        return sock

    def fingerprint(self):
        """Learns the flow's fingerprint from the refusal of a hello with a wrong one."""
        sock = self.connect()
        sock.sendall(hello(0, LEADER, (WORKERS, 1)))
        answer = recv_frame(sock)
        self.assertIsNotNone(answer, "the member hung up without saying why")
        kind, reason = answer
        self.assertEqual(kind, KIND_REFUSE)
        m = re.fullmatch(rb"it runs a different flow \(fingerprint 0000000000000000, this instance "
                         rb"runs ([0-9a-f]{16})\): every instance must be built from the same "
                         rb"program", reason)
        self.assertIsNotNone(m, reason)
        return int(m.group(1), 16)

    def channel_to_workers(self):
        """The channel the leader sends requests on: the id of the node whose dashed edge ends
        at the workers' receive node, from the flow's own graph."""
        graph = subprocess.run([harness.binary("echo_flow"), "--print-graph"],
                               stdout=subprocess.PIPE, check=True).stdout.decode()
        workers = re.search(r'subgraph loc1 \["Cluster workers"\](.*?)\n  end', graph,
                            re.S).group(1)
        receivers = re.findall(r'(n\d+)\["receive"\]', workers)
        self.assertEqual(len(receivers), 1, graph)
        m = re.search(rf'n(\d+) -\. .* \.-> {receivers[0]}\n', graph)
        self.assertIsNotNone(m, graph)
        return int(m.group(1))

    def handshake_as_leader(self, fingerprint):
        """Completes the handshake claiming to be the leader; returns the open socket, and the
        proof frame not yet sent (so the caller can send it together with what follows)."""
        sock = self.connect()
        sock.sendall(hello(fingerprint, LEADER, (WORKERS, 1)))
        answer = recv_frame(sock)
        self.assertIsNotNone(answer)
        kind, fields = answer
        self.assertEqual(kind, KIND_CHALLENGE, fields)
        (echoed,) = struct.unpack("<Q", fields[:8])
        self.assertEqual(echoed, fingerprint)
        self.assertEqual(fields[8 + 16], 0, "no cluster secret, so the proof is empty")
        self.assertEqual(len(fields), 8 + 16 + 1)
        return sock

    def finish(self):
        """Starts the leader; every member must answer."""
        leader = self.start_instance("echo_flow", self.topology, "leader")
        self.wait_running([leader])
        for m in range(3):
            self.wait_for_log(leader, connected_re(f"workers/{m}"))
        self.assert_echo_ok(HOST, self.layout.client, 9, start=100, members={0, 1, 2})
        self.assert_alive(leader, *self.workers.values())

    def test_refusal_of_another_flow_is_sent_on_the_wire(self):
        self.fingerprint()
        self.wait_for_log(self.target, r"warning: " + connection_re() + r": refused: it runs "
                                       r"a different flow \(fingerprint 0000000000000000")
        self.finish()

    def test_payload_that_does_not_decode_closes_the_connection(self):
        fingerprint = self.fingerprint()
        channel = self.channel_to_workers()
        sock = self.handshake_as_leader(fingerprint)
        # A batch claiming 2^40 elements in 3 bytes.
        sock.sendall(proof() + data(channel, LEADER, struct.pack("<Q", 1 << 40) + b"abc"))
        answer = recv_frame(sock)
        self.assertEqual(answer, (KIND_ACCEPT, b""), "the member did not accept the handshake")
        self.assertTrue(closed_by_peer(sock), "the member kept a connection that sent garbage")
        self.wait_for_log(self.target, rf"warning: dropped a message on channel {channel} from "
                                       r"location 0 member 0: ")
        self.wait_for_log(self.target, r"warning: connection with leader \(127\.0\.0\.1:\d+\): "
                                       r"dropped: it sent a message that does not decode: ")
        self.finish()

    def test_data_frame_claiming_another_sender_closes_the_connection(self):
        sock = self.handshake_as_leader(self.fingerprint())
        sock.sendall(proof() + data(self.channel_to_workers(), (WORKERS, 0), struct.pack("<Q", 0)))
        self.assertEqual(recv_frame(sock), (KIND_ACCEPT, b""))
        self.assertTrue(closed_by_peer(sock))
        self.wait_for_log(self.target, r"warning: connection with leader \(127\.0\.0\.1:\d+\): "
                                       r"dropped: a data frame claims to come from workers/0")
        self.finish()

    def test_refused_connection_is_closed_because_of_the_refusal(self):
        """After writing a refuse frame the member hangs up (wire.h: refuse, then close). It must
        not keep the refused connection open until the handshake deadline and then blame the
        peer for a handshake that "did not finish in time"."""
        sock = self.connect()
        sock.sendall(hello(0, LEADER, (WORKERS, 1)))
        kind, _ = recv_frame(sock)
        self.assertEqual(kind, KIND_REFUSE)
        self.assertTrue(closed_by_peer(sock), "the member never closed the refused connection")
        # One I/O thread serves every connection of the member: once it answers a new one, it
        # has finished closing (and logging about) the old one.
        self.fingerprint()
        self.assertNotIn("handshake did not finish in time", self.target.log(),
                         "the member kept the refused connection open until the handshake "
                         "deadline instead of closing it after the refuse frame")

    def test_hello_claiming_an_instance_that_does_not_dial_here_is_refused(self):
        fingerprint = self.fingerprint()
        sock = self.connect()
        # workers/0 never talks to workers/1 in echo_flow.
        sock.sendall(hello(fingerprint, (WORKERS, 0), (WORKERS, 1)))
        kind, reason = recv_frame(sock)
        self.assertEqual(kind, KIND_REFUSE)
        self.assertEqual(reason, b"it claims to be workers/0, which is not an instance that "
                                 b"connects to this one")
        self.finish()

    def test_data_before_the_handshake_is_dropped(self):
        sock = self.connect()
        sock.sendall(data(0, LEADER, b"\0" * 8))
        self.assertTrue(closed_by_peer(sock))
        self.wait_for_log(self.target, r"dropped: expected a hello frame, got kind 6")
        self.finish()


if __name__ == "__main__":
    harness.main()
