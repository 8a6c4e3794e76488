"""The replicated store with causal values (--lattice=causal, 3 members): GET answers an array
of every sibling value; a key written once has one sibling; a write that has seen the key's
earlier writes replaces them, so after writes that saw each other there is one sibling, the
latest; writes that did not see each other may both stay, the same on every member.
"""

import threading

import harness
from harness import KvsTestCase, RespConnection

MEMBERS = 3
READERS = 4
KEYS = 20


class CausalReplicatedTest(KvsTestCase):

    def setUp(self):
        super().setUp()
        _, self.port = self.start_kvs_replicated(MEMBERS, extra=["--lattice=causal"])
        self.r = self.redis(self.port)

    def everywhere(self, key):
        """`key` as GET shows it to READERS fresh connections (served by different members in
        turn), and as every member holds it (EDDY.GETFROM): a list of sibling lists."""
        seen = []
        for _ in range(READERS):
            with RespConnection(self.port) as conn:
                seen.append(conn.command("GET", key))
        with RespConnection(self.port) as conn:
            seen += [conn.command("EDDY.GETFROM", m, key) for m in range(MEMBERS)]
        return seen

    def test_info_says_causal(self):
        info = self.r.info()
        self.assertEqual(info["eddy_lattice"], "causal")
        self.assertEqual(info["eddy_mode"], "replicated")

    def test_get_answers_an_array_of_siblings(self):
        self.assertEqual(self.r.get("missing"), [])
        self.assertTrue(self.r.set("once", "v"))
        self.assertEqual(self.r.get("once"), [b"v"])
        self.assertEqual(self.r.mget(["once", "missing"]), [[b"v"], []])
        self.wait_converged(self.port, MEMBERS)
        status, out = self.redis_cli(self.port, "GET", "once")
        self.assertEqual((status, out.splitlines()), (0, ['1) "v"']))
        self.assertEqual(self.everywhere("once"), [[b"v"]] * (READERS + MEMBERS),
                         "a key written once has one sibling, on every member")

    def test_writes_that_saw_each_other_leave_one_sibling_the_latest(self):
        # Each write starts only when the one before is on every member, so each has seen it.
        for value in ("v1", "v2", "v3"):
            self.assertTrue(self.r.set("k", value))
            self.wait_converged(self.port, MEMBERS)
            self.assertEqual(self.everywhere("k"), [[value.encode()]] * (READERS + MEMBERS),
                             f"after SET k {value}")
        self.assertEqual(self.r.get("k"), [b"v3"])

    def test_sequential_sets_on_one_connection_leave_one_sibling_the_latest(self):
        # One connection's SETs of a key, pipelined: each is later in the session than the one
        # before, so it must replace it (and the session must read its own latest write),
        # whichever members apply them and in whatever order gossip brings them.
        pipe = self.r.pipeline(transaction=False)
        for k in range(KEYS):
            for v in range(5):
                pipe.set(f"seq:{k}", f"v{v}")
            pipe.get(f"seq:{k}")
        got = pipe.execute()
        reads = {f"seq:{k}": got[k * 6 + 5] for k in range(KEYS)}
        wrong = {k: v for k, v in reads.items() if v != [b"v4"]}
        self.assertEqual(wrong, {}, "GET right after the connection's own SETs (expected "
                                    "[b'v4'] for each)")
        self.wait_converged(self.port, MEMBERS)
        for k in range(KEYS):
            self.assertEqual(self.everywhere(f"seq:{k}"), [[b"v4"]] * (READERS + MEMBERS),
                             f"seq:{k} once quiet")

    def test_concurrent_writes_converge_and_a_later_write_collapses_them(self):
        clients = [self.redis(self.port) for _ in range(2)]
        for c in clients:
            self.assertTrue(c.ping())
        meet = threading.Barrier(2, timeout=harness.HANG_GUARD_SECONDS)
        failures = []

        def write(i):
            try:
                for k in range(KEYS):
                    meet.wait()
                    clients[i].set(f"conc:{k}", f"from-{i}")
            except Exception as e:
                failures.append(repr(e))
                meet.abort()
        threads = [threading.Thread(target=write, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(harness.HANG_GUARD_SECONDS * 2)
            self.assertFalse(t.is_alive(), "hang guard: a writer did not finish")
        self.assertEqual(failures, [])

        self.wait_converged(self.port, MEMBERS)
        for k in range(KEYS):
            seen = self.everywhere(f"conc:{k}")
            self.assertEqual(len({tuple(sorted(s)) for s in seen}), 1,
                             f"conc:{k}: readers and members disagree: {seen}")
            self.assertTrue(seen[0], f"conc:{k} lost every write")
            self.assertLessEqual(set(seen[0]), {b"from-0", b"from-1"}, f"conc:{k}")
            self.assertEqual(len(seen[0]), len(set(seen[0])), f"conc:{k}: a sibling twice")

        # A write that has seen the siblings replaces them all.
        for k in range(KEYS):
            self.assertTrue(self.r.set(f"conc:{k}", "resolved"))
        self.wait_converged(self.port, MEMBERS)
        for k in range(KEYS):
            self.assertEqual(self.everywhere(f"conc:{k}"), [[b"resolved"]] * (READERS + MEMBERS))


if __name__ == "__main__":
    harness.main()
