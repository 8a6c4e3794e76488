"""Anti-entropy over real TCP: a member of a 3-member replicated store is killed with SIGKILL
and restarted with an empty table; the members' periodic table comparison gives it back
everything, and every member ends with the same table. A delete made before is collected
(its tombstone dropped) everywhere first, and the key stays deleted on the restarted member.

Writes happen only while every member is up: what a client sees while a member is down (ops
routed to it) is the fault-tolerance work of the acknowledgement policies, not of repair.
"""

import os
import signal

import harness
from harness import KvsTestCase

MEMBERS = 3
KEYS = 300


class RepairTest(KvsTestCase):

    def test_a_member_restarted_empty_gets_the_table_back_from_its_peers(self):
        args = ["--anti-entropy-ms=200"]
        instances, port = self.start_kvs_replicated(MEMBERS, extra=args)
        client = self.redis(port)
        for k in range(KEYS):
            self.assertIs(client.set(f"key:{k}", f"value:{k}"), True)
        self.assertEqual(client.delete("key:0"), 1)
        # Once every member has applied the delete, each drops its tombstone.
        self.wait_tombstones_collected(port, MEMBERS)
        before = self.wait_converged(port, MEMBERS)
        self.assertEqual(before[0][1], KEYS - 1, before)

        victim = instances["members/1"]
        victim.send(signal.SIGKILL)
        victim.popen.wait(harness.HANG_GUARD_SECONDS)
        topology = os.path.join(self.tmp, "kvs.yaml")
        restarted = self.start_instance("eddy-kvs", topology, "members", member=1,
                                        extra=["--mode=replicated"] + args)
        self.wait_running([restarted])

        after = self.wait_converged(port, MEMBERS)
        self.assertEqual(after, before, "the same keys and digests as before the crash")
        # Read on the restarted member itself: the value came back, and so did the delete.
        self.assertEqual(client.execute_command("EDDY.GETFROM", "1", "key:7"), b"value:7")
        self.assertIsNone(client.execute_command("EDDY.GETFROM", "1", "key:0"))


if __name__ == "__main__":
    harness.main()
