"""Durable acknowledgements over real TCP (docs/consistency.md): the coordinator's --ack policy
and the members' write-ahead logs (--data-dir, --appendfsync), with members killed by SIGKILL.

Anti-entropy is off in every test here (--anti-entropy-ms=0), so nothing but the feature under
test can bring a write back.
"""

import glob
import os

import harness
from harness import KvsTestCase, RespConnection, encode_command

MEMBERS = 3
KEYS = 600


class DurabilityTest(KvsTestCase):

    def write_keys(self, port, keys=KEYS, prefix="key"):
        """SETs `keys` keys in one pipeline on one connection; returns {key: value} of those
        acknowledged with +OK (all of them, or the test fails)."""
        acked = {}
        with RespConnection(port) as conn:
            conn.send(b"".join(encode_command("SET", f"{prefix}:{k}", f"value:{k}")
                               for k in range(keys)))
            for k in range(keys):
                reply = conn.reply()
                self.assertEqual(reply, "OK", f"SET {prefix}:{k}")
                acked[f"{prefix}:{k}"] = f"value:{k}".encode()
        return acked

    # ---- --ack

    def test_with_ack_quorum_every_acknowledged_write_outlives_a_member_killed_right_after(self):
        args = ["--ack=quorum", "--anti-entropy-ms=0"]
        instances, port = self.start_kvs_replicated(MEMBERS, extra=args)
        acked = self.write_keys(port)
        self.kill(instances["members/1"])  # at once: gossip it sent may still be on its way

        survivors = {m: self.read_from(port, m, list(acked)) for m in (0, 2)}
        lost = [k for k, v in acked.items() if all(survivors[m][k] != v for m in survivors)]
        self.assertEqual(lost, [], "acknowledged writes no surviving member has")

    def test_ack_policy_shows_in_info_and_bad_values_are_refused(self):
        instances, port = self.start_kvs_replicated(MEMBERS, extra=["--ack=all",
                                                                    "--anti-entropy-ms=0"])
        with RespConnection(port) as conn:
            self.assertIn(b"eddy_ack:all", conn.command("INFO"))
            self.assertEqual(conn.command("SET", "a", "1"), "OK")
        for bad, message in [(["--ack=most"], "--ack must be local, quorum or all"),
                             (["--appendfsync=sometimes"],
                              "--appendfsync must be always, everysec or no"),
                             (["--appendfsync-ms=0"], "--appendfsync-ms must be positive")]:
            inst = self.start("eddy-kvs-bad", [harness.binary("eddy-kvs"), "--mode=local",
                                               f"--resp-port={harness.free_port()}"] + bad)
            self.assertEqual(inst.popen.wait(harness.HANG_GUARD_SECONDS), 2, inst.log())
            self.assertIn(message, inst.log())

    # ---- --data-dir

    def test_with_a_log_synced_always_every_member_killed_gets_every_acknowledged_write_back(self):
        data = os.path.join(self.tmp, "data")
        args = ["--ack=all", "--anti-entropy-ms=0", f"--data-dir={data}",
                "--appendfsync=always"]
        instances, port = self.start_kvs_replicated(MEMBERS, extra=args)
        acked = self.write_keys(port)
        with RespConnection(port) as conn:
            self.assertEqual(conn.command("DEL", "key:0"), 1)
        acked["key:0"] = None
        for m in range(MEMBERS):
            self.kill(instances[f"members/{m}"])
        self.assertEqual(sorted(os.path.basename(p) for p in glob.glob(f"{data}/*")),
                         [f"member-{m}.wal" for m in range(MEMBERS)])
        # A crash in the middle of an append leaves a torn record at the end of a log.
        with open(os.path.join(data, "member-0.wal"), "ab") as f:
            f.write(b"\x40\x00\x00\x00\x12\x34\x56\x78torn")

        coordinator = instances["coordinator"]
        waits = [self.wait_member_connected(coordinator, m) for m in range(MEMBERS)]
        restarted = [self.restart_member(m, args) for m in range(MEMBERS)]
        for wait in waits:
            wait()
        self.assertRegex(restarted[0].log(), r"warning: write-ahead log .*member-0\.wal: torn "
                                             r"record at byte \d+")
        for m in range(MEMBERS):
            self.assertRegex(restarted[m].log(),
                             rf"info: recovered \d+ records \({KEYS} keys\) from "
                             rf".*member-{m}\.wal")
            got = self.read_from(port, m, list(acked))
            missing = [k for k, v in acked.items() if got[k] != v]
            self.assertEqual(missing, [], f"member {m} after restart")

        # The store goes on: new writes are acknowledged by every member again, and a read
        # through the coordinator sees them.
        more = self.write_keys(port, keys=10, prefix="after")
        with RespConnection(port) as conn:
            for k, v in more.items():
                self.assertEqual(conn.command("GET", k), v)

    def test_the_local_store_recovers_its_log_after_sigkill(self):
        data = os.path.join(self.tmp, "data")
        args = [f"--data-dir={data}", "--appendfsync=everysec", "--appendfsync-ms=50"]
        inst, port = self.start_kvs_local(extra=args)
        acked = self.write_keys(port, keys=100)
        self.kill(inst)
        restarted = self.start("eddy-kvs", [harness.binary("eddy-kvs"), "--mode=local",
                                            f"--resp-port={port}"] + args)
        self.wait_running([restarted])
        with RespConnection(port) as conn:
            for k, v in acked.items():
                self.assertEqual(conn.command("GET", k), v, k)


if __name__ == "__main__":
    harness.main()
