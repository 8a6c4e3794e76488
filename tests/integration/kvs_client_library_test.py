"""A Redis client library nobody here wrote (redis-py, Debian's python3-redis) against the local
store and the replicated one (3 members): pipelining, binary-safe values, and the integer
replies of EXISTS, DEL and DBSIZE.

In the replicated store each op of a connection goes to the next member in turn, so a pipeline
whose GETs see the same connection's earlier SETs shows read-your-writes across members.
"""

import collections
import random

import harness
from harness import KvsTestCase

SEED = 20240611
PIPELINE_OPS = 1000
PIPELINE_KEYS = 20

BINARY_VALUES = {
    b"empty": b"",
    b"crlf": b"\r\n",
    b"nul": b"\x00",
    b"mixed": b"a\r\nb\x00c\r\n\r\n",
    b"all-bytes": bytes(range(256)),
    b"looks-like-resp": b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n",
    b"bulk-header": b"$-1\r\n",
    b"big": bytes(random.Random(SEED).getrandbits(8) for _ in range(100_000)),
    b"key\x00with nul": b"v1",
    b"key\r\nwith crlf": b"v2",
    "ключ-ü".encode(): "значение-ü".encode(),
}


def random_value(rng):
    """Bytes that a text protocol would trip over: CR, LF, NUL, high bytes, sometimes empty."""
    alphabet = [b"a", b"b", b"\r", b"\n", b"\r\n", b"\x00", b"\xff", b"$", b"*", b" "]
    return b"".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 12)))


class ClientLibraryCases:
    """The cases, run against each mode by the classes at the bottom."""

    def setUp(self):
        super().setUp()
        self.port = self.start_store()
        self.r = self.redis(self.port)

    def test_pipeline_of_1000_mixed_commands_answers_in_order_and_reads_its_own_writes(self):
        rng = random.Random(SEED)
        keys = [f"p:{i}".encode() for i in range(PIPELINE_KEYS)]
        model = {}
        expected = []
        described = []
        pipe = self.r.pipeline(transaction=False)
        for _ in range(PIPELINE_OPS):
            roll = rng.random()
            if roll < 0.4:
                key, value = rng.choice(keys), random_value(rng)
                pipe.set(key, value)
                model[key] = value
                expected.append(True)
                described.append(f"SET {key!r} {value!r}")
            elif roll < 0.7:
                key = rng.choice(keys)
                pipe.get(key)
                expected.append(model.get(key))
                described.append(f"GET {key!r}")
            elif roll < 0.85:
                dels = rng.sample(keys, rng.randrange(1, 3))
                pipe.delete(*dels)
                expected.append(sum(1 for k in dels if k in model))
                for k in dels:
                    model.pop(k, None)
                described.append(f"DEL {dels!r}")
            else:
                some = rng.sample(keys, rng.randrange(2, 5))
                pipe.mget(some)
                expected.append([model.get(k) for k in some])
                described.append(f"MGET {some!r}")
        got = pipe.execute()
        self.assertEqual(len(got), PIPELINE_OPS)
        # DEL's count is checked only for its range here: whether it agrees with the
        # connection's own earlier writes is test_del_counts_what_this_connections_writes_left.
        wrong = [f"#{i} {what}: got {g!r}, expected {e!r}"
                 for i, (what, g, e) in enumerate(zip(described, got, expected))
                 if (g not in range(0, 3) if what.startswith("DEL") else g != e)]
        self.assertEqual(wrong, [], f"{len(wrong)} of {PIPELINE_OPS} replies differ from "
                                    "what this connection's own earlier commands imply")
        # The connection is still in step afterwards.
        self.assertTrue(self.r.ping())
        self.assertEqual(self.r.dbsize(), len(model))

    def test_mset_mget_round_trip_binary_values(self):
        self.assertTrue(self.r.mset(BINARY_VALUES))
        keys = list(BINARY_VALUES)
        self.assertEqual(self.r.mget(keys), list(BINARY_VALUES.values()))
        for key, value in BINARY_VALUES.items():
            self.assertEqual(self.r.get(key), value, key)
        self.assertEqual(self.r.mget([b"missing", keys[1], b"also\x00missing"]),
                         [None, BINARY_VALUES[keys[1]], None])
        # A fresh connection reads the same bytes (in the replicated store, possibly from
        # another member, once gossip has brought them there).
        fresh = self.redis(self.port)
        self.wait_until(lambda: fresh.mget(keys) == list(BINARY_VALUES.values()),
                        "a fresh connection to read every binary value back")

    def test_exists_counts_every_key_named(self):
        self.assertEqual(self.r.exists("a"), 0)
        self.assertTrue(self.r.mset({"a": "1", "b": ""}))
        self.assertEqual(self.r.exists("a"), 1)
        self.assertEqual(self.r.exists("b"), 1, "an empty value is still a key")
        self.assertEqual(self.r.exists("a", "b", "missing"), 2)
        self.assertEqual(self.r.exists("a", "a", "b", "a"), 4)  # counted each time, as Redis does
        self.assertEqual(self.r.delete("a"), 1)
        self.assertEqual(self.r.exists("a", "b"), 1)

    def test_del_returns_the_number_of_keys_removed(self):
        self.assertTrue(self.r.mset({"x": "1", "y": "2", "z": "3"}))
        self.assertEqual(self.r.delete("x", "missing", "y"), 2)
        self.assertEqual(self.r.delete("x"), 0)
        self.assertEqual(self.r.delete("missing1", "missing2"), 0)
        self.assertEqual(self.r.mget(["x", "y", "z"]), [None, None, b"3"])
        self.assertTrue(self.r.set("x", "again"))
        self.assertEqual(self.r.get("x"), b"again")
        self.assertEqual(self.r.delete("x", "z"), 2)

    def test_del_counts_what_this_connections_writes_left(self):
        # Pipelined, no reply waited for in between: SET k, DEL k (removes the key that SET
        # made: 1), DEL k (nothing left to remove: 0), whichever members apply them. Redis
        # answers 1 then 0; a DEL's count is a read of the key, so read-your-writes applies.
        # Several pipelines, each shifted by a GET or two, so that over them the three ops of
        # a key land on members in every arrangement.
        outcomes = []
        for shift in range(6):
            pipe = self.r.pipeline(transaction=False)
            for _ in range(shift % 3):
                pipe.get("unrelated")
            for i in range(50):
                key = f"d:{shift}:{i}"
                pipe.set(key, "v")
                pipe.delete(key)
                pipe.delete(key)
            got = pipe.execute()[shift % 3:]
            outcomes += list(zip(got[1::3], got[2::3]))
        wrong = collections.Counter(o for o in outcomes if o != (1, 0))
        self.assertEqual(wrong, collections.Counter(),
                         f"(first DEL, second DEL) after a SET of the same key, of "
                         f"{len(outcomes)}: expected (1, 0) for each")

    def test_del_of_a_key_named_twice_removes_one_key(self):
        keys = [f"twice:{i}" for i in range(30)]
        self.assertTrue(self.r.mset({k: "1" for k in keys}))
        self.wait_converged(self.port, self.MEMBERS)  # every member holds them all
        # Redis answers 1 for each: one key was removed.
        self.assertEqual([self.r.delete(k, k) for k in keys], [1] * len(keys))
        self.assertEqual(self.r.exists(*keys), 0)

    def test_dbsize_counts_live_keys(self):
        self.assertEqual(self.r.dbsize(), 0)
        self.assertTrue(self.r.mset({f"s:{i}": str(i) for i in range(50)}))
        self.assertEqual(self.r.dbsize(), 50)
        self.assertTrue(self.r.set("s:0", "overwritten"))
        self.assertEqual(self.r.dbsize(), 50, "overwriting a key adds none")
        self.assertEqual(self.r.delete(*[f"s:{i}" for i in range(10)]), 10)
        self.assertEqual(self.r.dbsize(), 40, "deleted keys are not counted")
        self.assertTrue(self.r.set("s:0", "back"))
        self.assertEqual(self.r.dbsize(), 41)


class LocalClientLibraryTest(ClientLibraryCases, KvsTestCase):
    MEMBERS = 1

    def start_store(self):
        _, port = self.start_kvs_local()
        return port


class ReplicatedClientLibraryTest(ClientLibraryCases, KvsTestCase):
    MEMBERS = 3

    def start_store(self):
        _, port = self.start_kvs_replicated(3)
        return port


if __name__ == "__main__":
    harness.main()
