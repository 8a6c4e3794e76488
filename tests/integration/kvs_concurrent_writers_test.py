"""Two clients write the same keys at the same time through the replicated store (3 members,
LWW): once quiet, every member holds the same table, and every key holds one of the values
written last, the same one whoever reads it and whichever member serves the read.

The coordinator sends each op to the next member in turn, so the two clients' writes of a key
are applied first by different members and reach the others by gossip in either order; LWW
must pick the same winner everywhere.
"""

import threading

import harness
from harness import KvsTestCase, RespConnection

MEMBERS = 3
KEYS = 100
ROUNDS = 5
READERS = 6


class ConcurrentWritersTest(KvsTestCase):

    def test_two_writers_of_the_same_keys_leave_every_member_with_the_same_winner(self):
        _, port = self.start_kvs_replicated(MEMBERS)
        clients = {name: self.redis(port) for name in ("A", "B")}
        for client in clients.values():
            self.assertTrue(client.ping())  # both connected before either writes
        meet = threading.Barrier(len(clients), timeout=harness.HANG_GUARD_SECONDS)
        failures = []

        def write(name, client):
            try:
                # Several rounds of every key, one SET at a time; the clients meet before
                # each key, so their writes of it are in flight together. Only the last
                # round's values may win.
                for r in range(ROUNDS):
                    for k in range(KEYS):
                        meet.wait()
                        if client.set(f"key:{k}", f"{name}:{r}:{k}") is not True:
                            failures.append(f"{name}: SET key:{k} round {r} was not OK")
            except Exception as e:  # reported below, with the thread's name
                failures.append(f"{name}: {e!r}")
                meet.abort()  # the other writer stops waiting for this one

        threads = [threading.Thread(target=write, args=item) for item in clients.items()]
        for t in threads:
            t.start()
        for t in threads:
            t.join(harness.HANG_GUARD_SECONDS * 5)
            self.assertFalse(t.is_alive(), "hang guard: a writer did not finish")
        self.assertEqual(failures, [])

        rows = self.wait_converged(port, MEMBERS)
        for _, count, _ in rows:
            self.assertEqual(count, KEYS, rows)

        keys = [f"key:{k}" for k in range(KEYS)]
        last = {key: {f"A:{ROUNDS - 1}:{k}".encode(), f"B:{ROUNDS - 1}:{k}".encode()}
                for k, key in enumerate(keys)}
        # Reads over several fresh connections, each GET going to the next member in turn.
        reads = []
        for _ in range(READERS):
            with RespConnection(port) as conn:
                reads.append([conn.command("GET", key) for key in keys])
        for key, value in zip(keys, reads[0]):
            self.assertIn(value, last[key], key)
        for i, other in enumerate(reads[1:], 1):
            self.assertEqual(other, reads[0], f"reader {i} saw other winners than reader 0")
        # And each member, read directly, holds exactly those winners.
        with RespConnection(port) as conn:
            for m in range(MEMBERS):
                held = [conn.command("EDDY.GETFROM", m, key) for key in keys]
                self.assertEqual(held, reads[0], f"member {m} holds other winners")


if __name__ == "__main__":
    harness.main()
