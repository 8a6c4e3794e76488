"""The handshake refuses a peer that runs another flow or does not hold the cluster secret, both
sides log why, and the instances that do belong keep working.

Each test runs roundtrip_flow (leader + 3 workers, every worker talks to every other) with
workers/2 misconfigured, checks the refusal and that everyone else connected and no result was
printed, then restarts workers/2 correctly and checks the flow now completes (proving the
refusal was the only thing in the way, and that refused peers are re-dialled).
"""

import re
import signal

import harness
from harness import EddyTestCase, Layout, connected_count, connected_re

RESULT = r"^sum=15150 count=300$"
SECRET_A = "correct horse battery staple, cluster A\n"
SECRET_B = "a different secret of cluster B\n"


class HandshakeTest(EddyTestCase):

    def start_with_odd_member(self, topology_for, odd_extra=()):
        """Starts the flow; workers/2 gets topology_for["odd"] and `odd_extra`, everyone else
        topology_for["good"]. Both topologies share the layout (same addresses)."""
        def start():
            layout = Layout(3)
            topologies = {}
            for key, options in topology_for.items():
                topologies[key] = self.write_topology(layout, f"{key}.yaml", **options)
            per_instance = {name: topologies["good"] for name in
                            ["leader", "workers/0", "workers/1"]}
            per_instance["workers/2"] = topologies["odd"]
            inst = self.start_flow("roundtrip_flow", layout, per_instance,
                                   extra={"workers/2": list(odd_extra)})
            return topologies, inst
        return self.with_fresh_ports(start)

    def check_refused_then_fixed(self, inst, refuser, refused, reason, fixed_argv,
                                 also_refused=()):
        """`refuser` logs that it refused `refused` for `reason` (a regex), `refused` (and each
        of `also_refused`) logs that the peer refused it for the same reason; the good instances
        connect to each other; then workers/2 is restarted with `fixed_argv` and the flow
        completes."""
        good = ["leader", "workers/0", "workers/1"]
        m = self.wait_for_log(inst[refuser],
                              r"warning: connection with .*: refused: (" + reason + ")")
        said = m.group(1)
        for name in [refused, *also_refused]:
            self.wait_for_log(inst[name], r"warning: connection with .*: the peer refused us: "
                              + re.escape(said))
        # The members that belong are unaffected: all connected to each other.
        for a in good:
            for b in good:
                if a != b:
                    self.wait_for_log(inst[a], connected_re(b))
        # ... and none of them, nor the odd one, ever let the odd one in.
        for name in good:
            self.assertEqual(connected_count(inst[name], "workers/2"), 0, inst[name].log())
        for name in good:
            self.assertEqual(connected_count(inst["workers/2"], name), 0, inst["workers/2"].log())
        self.assertNotRegex(inst["leader"].log(), re.compile(r"^sum=", re.M))
        self.assert_alive(*inst.values())

        # The refused peer keeps being re-dialled: once workers/2 is right, the flow completes.
        inst["workers/2"].stop(signal.SIGKILL)
        fixed = self.start("workers/2 (fixed)", fixed_argv)
        self.wait_running([fixed])
        self.wait_for_log(inst["leader"], RESULT)
        for name in good:
            self.wait_for_log(fixed, connected_re(name))
        return said

    @staticmethod
    def with_good_topology(topologies, argv):
        return [topologies["good"] if x == topologies["odd"] else x for x in argv]

    def test_peer_built_from_a_different_flow_is_refused(self):
        topologies, inst = self.start_with_odd_member({"good": {}, "odd": {}},
                                                      odd_extra=["--variant"])
        fixed = [a for a in inst["workers/2"].argv if a != "--variant"]
        said = self.check_refused_then_fixed(
            inst, refuser="workers/2", refused="leader",
            reason=r"it runs a different flow \(fingerprint [0-9a-f]{16}, "
                   r"this instance runs [0-9a-f]{16}\): every instance must be built from the "
                   r"same program",
            fixed_argv=fixed,
            # workers/0 and workers/1 dial workers/2 as well, and are refused the same way.
            also_refused=["workers/0", "workers/1"])
        theirs, ours = re.search(r"fingerprint ([0-9a-f]{16}), this instance runs ([0-9a-f]{16})",
                                 said).groups()
        self.assertNotEqual(theirs, ours)

    def test_member_with_a_different_secret_is_refused(self):
        self.write("a.key", SECRET_A, 0o600)
        self.write("b.key", SECRET_B, 0o600)
        topologies, inst = self.start_with_odd_member(
            {"good": {"secret_file": "a.key"}, "odd": {"secret_file": "b.key"}})
        fixed = self.with_good_topology(topologies, inst["workers/2"].argv)
        # The leader dials workers/2; the challenge carries workers/2's proof, made with B.
        self.check_refused_then_fixed(
            inst, refuser="leader", refused="workers/2",
            reason=r"its cluster-secret proof does not verify: it has a different secret",
            fixed_argv=fixed)

    def test_member_without_a_secret_is_refused(self):
        self.write("a.key", SECRET_A, 0o600)
        topologies, inst = self.start_with_odd_member(
            {"good": {"secret_file": "a.key"}, "odd": {}})
        fixed = self.with_good_topology(topologies, inst["workers/2"].argv)
        self.check_refused_then_fixed(
            inst, refuser="leader", refused="workers/2",
            reason=r"this cluster requires a secret and it sent no proof of one",
            fixed_argv=fixed)

    def test_member_with_a_secret_is_refused_by_a_cluster_without_one(self):
        self.write("a.key", SECRET_A, 0o600)
        topologies, inst = self.start_with_odd_member(
            {"good": {}, "odd": {"secret_file": "a.key"}})
        fixed = self.with_good_topology(topologies, inst["workers/2"].argv)
        self.check_refused_then_fixed(
            inst, refuser="leader", refused="workers/2",
            reason=r"it proves a cluster secret, but this instance has none configured",
            fixed_argv=fixed)


if __name__ == "__main__":
    harness.main()
