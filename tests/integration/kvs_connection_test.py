"""Connection-level behaviour of eddy-kvs, local and replicated (3 members): QUIT, CLIENT
SETNAME/GETNAME, INFO, and clients that go away in the middle of a pipeline.
"""

import re
import socket
import struct
import threading

import harness
from harness import KvsTestCase, RespConnection, encode_command

# Clients that disconnect mid-pipeline: for each of two pipeline lengths, ABANDONED one after
# another, then THREADS at once, each ABANDONED // 4 times.
ABANDONED = 12
THREADS = 8
ABANDONED_TOTAL = 2 * (ABANDONED + THREADS * (ABANDONED // 4))
ABANDONED_PAIRS = 20000  # SET+GET pairs in the longer pipeline


class ConnectionCases:
    """The cases, run against each mode by the classes at the bottom."""

    MODE = None

    def setUp(self):
        super().setUp()
        self.instances_by_name, self.port = self.start_store()

    def connected_clients(self, client):
        return client.info()["connected_clients"]

    # ---- QUIT

    def test_quit_replies_ok_and_closes_the_connection(self):
        with RespConnection(self.port) as conn:
            self.assertEqual(conn.command("SET", "q", "1"), "OK")
            conn.send(encode_command("QUIT"))
            self.assertEqual(conn.read_all_until_closed(), b"+OK\r\n")
        # Nothing else was disturbed.
        r = self.redis(self.port)
        self.assertTrue(r.ping())
        self.wait_until(lambda: r.get("q") == b"1", "the value SET before QUIT")

    def test_quit_with_redis_py(self):
        import redis
        r = self.redis(self.port)
        self.assertTrue(r.set("k", "v"))
        self.assertTrue(r.quit())
        # The server closed the connection: the next command on it finds it closed.
        with self.assertRaises(redis.ConnectionError):
            r.get("k")
        # (redis-py then connects anew: a new session.)
        self.assertIsNone(r.client_getname())
        self.wait_until(lambda: r.get("k") == b"v", "the value SET before QUIT")

    def test_commands_pipelined_after_quit_are_not_executed(self):
        # Redis stops reading a connection at QUIT: what follows in the same packet is neither
        # answered nor executed.
        with RespConnection(self.port) as conn:
            conn.send(encode_command("SET", "before", "1") + encode_command("QUIT") +
                      encode_command("SET", "after", "1") + encode_command("PING"))
            self.assertEqual(conn.read_all_until_closed(), b"+OK\r\n+OK\r\n")
        # Every member has applied whatever the coordinator sent before we ask (per-channel
        # FIFO), so once they agree, a write after QUIT would show.
        self.wait_converged(self.port, self.MEMBERS)
        r = self.redis(self.port)
        self.assertEqual(r.exists("before"), 1)
        self.assertEqual(r.exists("after"), 0, "the SET after QUIT was executed")

    # ---- CLIENT SETNAME / GETNAME

    def test_client_setname_getname_on_one_connection(self):
        r = self.redis(self.port)
        other = self.redis(self.port)
        self.assertIsNone(r.client_getname())
        self.assertTrue(r.client_setname("alpha"))
        self.assertEqual(r.client_getname(), "alpha")
        self.assertIsNone(other.client_getname(), "a name belongs to its connection")
        self.assertTrue(other.client_setname("beta"))
        self.assertTrue(r.client_setname("alpha-2"))
        self.assertEqual(r.client_getname(), "alpha-2")
        self.assertEqual(other.client_getname(), "beta")
        import redis
        with self.assertRaisesRegex(redis.ResponseError, "Client names cannot contain spaces"):
            r.client_setname("has space")
        self.assertEqual(r.client_getname(), "alpha-2", "a refused name changes nothing")

    # ---- INFO

    def test_info_reports_mode_and_connected_clients(self):
        r = self.redis(self.port)
        info = r.info()
        self.assertEqual(info["eddy_mode"], self.MODE)
        self.assertEqual(info["eddy_lattice"], "lww")
        self.assertEqual(info["eddy_members"], self.MEMBERS)
        self.assertEqual(info["connected_clients"], 1)
        others = [self.redis(self.port) for _ in range(3)]
        for o in others:
            self.assertTrue(o.ping())
        self.assertEqual(self.connected_clients(r), 4)
        for o in others[:2]:
            harness.close_redis(o)
        self.wait_until(lambda: self.connected_clients(r) == 2,
                        "connected_clients to drop to 2 after two clients closed")

    # ---- clients that leave mid-pipeline

    def abandon_pipelines(self, checker):
        """Clients send long pipelines and close without reading a reply: one after another
        (every other one closing with a reset), then several at once from threads, in
        pipelines of two sizes. Meanwhile `checker` keeps writing and reading its own keys on
        its own connection. Returns how many keys the checker wrote."""
        pipelines = {pairs: b"".join(encode_command("SET", f"ab:{i % 500}", f"value-{i}") +
                                     encode_command("GET", f"ab:{i % 500}")
                                     for i in range(pairs))
                     for pairs in (ABANDONED_PAIRS // 4, ABANDONED_PAIRS)}
        done = threading.Event()
        problems = []
        written = []

        def check():
            try:
                n = 0
                while not done.is_set() or n < 10:
                    if checker.set(f"checker:{n}", str(n)) is not True:
                        problems.append(f"SET checker:{n} was not OK")
                    got = checker.get(f"checker:{n}")
                    if got != str(n).encode():
                        problems.append(f"GET checker:{n} gave {got!r}")
                    n += 1
                written.append(n)
            except Exception as e:
                problems.append(f"checker: {e!r}")

        def abandon(pipeline, count, reset_every_other):
            try:
                for n in range(count):
                    s = socket.create_connection(("127.0.0.1", self.port),
                                                 timeout=harness.HANG_GUARD_SECONDS)
                    s.sendall(pipeline)
                    if reset_every_other and n % 2:
                        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                     struct.pack("ii", 1, 0))
                    s.close()
            except Exception as e:
                problems.append(f"abandoning client: {e!r}")

        checker_thread = threading.Thread(target=check)
        checker_thread.start()
        try:
            for pairs, pipeline in pipelines.items():
                abandon(pipeline, ABANDONED, True)
                threads = [threading.Thread(target=abandon, args=(pipeline, ABANDONED // 4,
                                                                  False))
                           for _ in range(THREADS)]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join(harness.HANG_GUARD_SECONDS * 2)
                    self.assertFalse(t.is_alive(), "hang guard: an abandoning client is stuck")
        finally:
            done.set()
            checker_thread.join(harness.HANG_GUARD_SECONDS * 2)
        self.assertFalse(checker_thread.is_alive(), "hang guard: the checker is stuck")
        self.assertEqual(problems, [])
        return written[0]

    def test_client_that_disconnects_mid_pipeline_does_not_hurt_others(self):
        checker = self.redis(self.port)
        self.assertTrue(checker.ping())
        written = self.abandon_pipelines(checker)

        self.assertTrue(checker.ping())
        self.assertEqual(checker.mget([f"checker:{n}" for n in range(written)]),
                         [str(n).encode() for n in range(written)])
        fresh = self.redis(self.port)
        self.assertTrue(fresh.set("fresh", "ok"))
        self.assertEqual(fresh.get("fresh"), b"ok")
        for inst in self.instances:
            self.assert_alive(inst)
            text = inst.log()
            self.assertEqual(harness.log_problems(text), [], f"{inst.name} logged problems")
            # At most an info line per client that left.
            closes = re.findall(r"info: port 'resp' client .*$", text, re.M)
            self.assertLessEqual(len(closes), ABANDONED_TOTAL, "\n".join(closes))

    def test_sessions_of_clients_that_left_mid_pipeline_are_released(self):
        checker = self.redis(self.port)
        self.assertTrue(checker.ping())
        self.abandon_pipelines(checker)
        # Only the checker is still connected.
        last = []

        def only_checker():
            last[:] = [self.connected_clients(checker)]
            return last[0] == 1
        try:
            # A hang guard, shorter than the default only because a closed connection is
            # normally forgotten within milliseconds.
            self.wait_until(only_checker, "connected_clients to be 1 again", timeout=20)
        except AssertionError as e:
            raise AssertionError(f"{e}; INFO connected_clients is {last[0]}") from None


class LocalConnectionTest(ConnectionCases, KvsTestCase):
    MODE = "local"
    MEMBERS = 1

    def start_store(self):
        inst, port = self.start_kvs_local()
        return {"coordinator": inst}, port


class ReplicatedConnectionTest(ConnectionCases, KvsTestCase):
    MODE = "replicated"
    MEMBERS = 3

    def start_store(self):
        return self.start_kvs_replicated(self.MEMBERS)


if __name__ == "__main__":
    harness.main()
