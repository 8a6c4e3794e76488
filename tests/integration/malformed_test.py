"""Bytes from the network are never trusted: garbage, a truncated frame, a frame claiming 4 GiB,
an empty frame, a hello that is not an eddy peer's, each sent to a member's peer listener by a
raw socket (forged_peer_test.py goes further, through a valid handshake). The member logs why,
drops that one connection, stays up, and keeps serving the others — checked by echo traffic
afterwards, answered by every member.

The wire format (dataflow/net/wire.h): frame := length:u32le body, body := kind:u8 fields.
"""

import random
import socket
import struct

import harness
from harness import EddyTestCase, Layout, connected_count, connected_re, connection_re
from peer_wire import KIND_HELLO, closed_by_peer, frame, hello

HOST = "127.0.0.1"
MAX_FRAME = 65536  # set in the topology, so the limit in the logs proves the option is applied
LEADER = (0, 0)  # (location, member): echo_flow declares leader, then workers
WORKERS = 1


class MalformedInputTest(EddyTestCase):

    def setUp(self):
        super().setUp()

        def start():
            layout = Layout(3, client=True)
            topology = self.write_topology(layout, max_frame_bytes=MAX_FRAME)
            return layout, topology, self.start_flow("echo_flow", layout, topology)
        self.layout, self.topology, self.inst = self.with_fresh_ports(start)
        for m in range(3):
            self.wait_for_log(self.inst["leader"], connected_re(f"workers/{m}"))
        self.target = self.inst["workers/1"]
        self.assert_echo_ok(HOST, self.layout.client, 6, start=1, members={0, 1, 2})

    def connect(self, port=None):
        sock = socket.create_connection((HOST, port or self.layout.workers[1]),
                                        timeout=harness.HANG_GUARD_SECONDS)
        self.addCleanup(sock.close)
        return sock

    def send_quietly(self, sock, payload):
        # The member may hang up while we still write (that is the point): not an error here.
        try:
            sock.sendall(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def assert_still_serving(self, start):
        """Every instance is up, and every member still answers requests."""
        self.assert_alive(*self.inst.values())
        self.assert_echo_ok(HOST, self.layout.client, 9, start=start, members={0, 1, 2})
        self.assert_alive(*self.inst.values())
        # The leader's own connection to the member was never disturbed.
        self.assertEqual(connected_count(self.inst["leader"], "workers/1"), 1)

    def expect_dropped(self, payload, reason, start):
        """Sends `payload`; the member must close the connection, log `reason`, keep serving."""
        sock = self.connect()
        self.send_quietly(sock, payload)
        self.assertTrue(closed_by_peer(sock), "the member did not close the connection")
        self.wait_for_log(self.target, r"warning: " + connection_re() + r": dropped: "
                          + reason)
        self.assert_still_serving(start)

    def test_http_request_is_dropped(self):
        request = b"GET / HTTP/1.1\r\nHost: eddy\r\n\r\n"
        (claimed,) = struct.unpack("<I", request[:4])  # "GET " read as a length: ~517 MiB
        self.expect_dropped(request, rf"frame of {claimed} bytes exceeds the limit of "
                                     rf"{MAX_FRAME} bytes", start=100)

    def test_frame_claiming_4_gib_is_dropped(self):
        self.expect_dropped(struct.pack("<I", 0xFFFFFFFF) + b"\x01EDDYPEER" + b"\0" * 32,
                            rf"frame of 4294967295 bytes exceeds the limit of {MAX_FRAME} bytes",
                            start=100)

    def test_frame_one_byte_over_the_limit_is_dropped(self):
        self.expect_dropped(struct.pack("<I", MAX_FRAME + 1) + b"\x01" * 64,
                            rf"frame of {MAX_FRAME + 1} bytes exceeds the limit of "
                            rf"{MAX_FRAME} bytes",
                            start=100)

    def test_empty_frame_is_dropped(self):
        self.expect_dropped(struct.pack("<I", 0) + b"more", r"empty frame \(length 0\)", start=100)

    def test_unknown_frame_kind_is_dropped(self):
        self.expect_dropped(frame(0x7F, b"hello?"), r"unknown frame kind 127", start=100)

    def test_hello_from_something_not_an_eddy_peer_is_dropped(self):
        self.expect_dropped(hello(0, LEADER, (WORKERS, 1), magic=b"NOTEDDY!"),
                            r"hello does not start with EDDYPEER: not an eddy peer", start=100)

    def test_hello_of_another_protocol_version_is_dropped(self):
        self.expect_dropped(hello(0, LEADER, (WORKERS, 1), version=99),
                            r"peer speaks protocol version 99, this build speaks 1", start=100)

    def test_truncated_hello_is_dropped(self):
        whole = hello(0, LEADER, (WORKERS, 1))
        body = whole[4:-6]  # the length field agrees with what is sent: the hello itself is short
        self.expect_dropped(struct.pack("<I", len(body)) + body, r"hello is truncated", start=100)

    def test_random_bytes_do_not_hurt(self):
        rng = random.Random(20240607)  # fixed seed: the same bytes every run
        for i in range(20):
            sock = self.connect()
            self.send_quietly(sock, bytes(rng.randrange(256) for _ in range(rng.randrange(1, 300))))
            sock.close()
        # Whatever each blob looked like, the member either dropped it or saw it close.
        self.assert_still_serving(start=100)
        self.assertNotIn(" error:", self.target.log())

    def test_truncated_frame_then_close(self):
        """A valid length header, fewer bytes than it promises, then close: the member waits
        for the rest, sees the connection close, and carries on."""
        for i in range(5):
            sock = self.connect()
            self.send_quietly(sock, struct.pack("<I", 1000) + b"\x01EDDYPEER" + bytes(i))
            sock.close()
        sock = self.connect()
        self.send_quietly(sock, struct.pack("<I", 1000)[:3])  # not even a whole length field
        sock.close()
        self.assert_still_serving(start=100)

    def test_truncated_frame_left_open_times_out_without_blocking_others(self):
        """A connection that stalls mid-frame is not served at the expense of the others: traffic
        flows meanwhile, and the member closes the stalled connection at the handshake timeout."""
        sock = self.connect()
        self.send_quietly(sock, struct.pack("<I", 1000) + b"\x01EDDYPEER")
        self.assert_still_serving(start=100)
        sock.settimeout(harness.HANG_GUARD_SECONDS)
        self.assertTrue(closed_by_peer(sock), "the member never closed the stalled connection")
        self.wait_for_log(self.target, r"warning: " + connection_re() + r": "
                                       r"handshake did not finish in time")
        self.assert_still_serving(start=200)

    def test_many_bad_connections_at_once(self):
        socks = [self.connect() for _ in range(50)]
        for i, sock in enumerate(socks):
            self.send_quietly(sock, [b"GET / HTTP/1.0\r\n\r\n", struct.pack("<I", 0xFFFFFFFF),
                                     struct.pack("<I", 10) + b"\x01"][i % 3])
        self.assert_still_serving(start=100)
        for sock in socks:
            sock.close()
        self.assert_still_serving(start=200)

    def test_garbage_to_the_client_port_does_not_hurt_the_leader(self):
        for payload in [b"GET / HTTP/1.1\r\n\r\n", struct.pack("<I", 0xFFFFFFFF) + b"x" * 16,
                        struct.pack("<I", 0), frame(KIND_HELLO, b"EDDYPEER\x01\x00")]:
            sock = self.connect(self.layout.client)
            self.send_quietly(sock, payload)
            self.assertTrue(closed_by_peer(sock), f"the client port kept a connection that sent "
                                                  f"{payload!r}")
        self.assert_still_serving(start=100)


if __name__ == "__main__":
    harness.main()
