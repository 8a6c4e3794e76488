"""eddy-deploy as a supervisor: it reports an instance that dies (which one, and how), stops the
others and exits 1; Ctrl-C or SIGTERM stops every instance with exit 0; an instance that will
not stop is killed; bad usage and bad topologies exit 2 with a reason.
"""

import os
import re
import signal
import socket
import subprocess

import harness
from harness import EddyTestCase, Layout, PortCollision, binary

RESULT = re.compile(r"^\[leader\] sum=15150 count=300$", re.M)


def children(pid):
    """The pids of `pid`'s child processes."""
    out = subprocess.run(["pgrep", "-P", str(pid)], stdout=subprocess.PIPE).stdout.decode()
    return sorted(int(p) for p in out.split())


def gone(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


class DeployControlTest(EddyTestCase):

    def deploy(self, program_argv, layout=None, wait_for=RESULT, args=()):
        """Starts eddy-deploy over a fresh 3-worker topology; waits until its output matches
        `wait_for`. Returns (eddy-deploy instance, topology path, layout)."""
        def attempt():
            lay = layout or Layout(3)
            topology = self.write_topology(lay)
            deploy = self.start("eddy-deploy", [binary("eddy-deploy"), topology, *args, "--",
                                                *program_argv])

            def ready():
                text = deploy.log()
                if wait_for.search(text):
                    return True
                if not deploy.alive():
                    if "cannot listen on" in text and "in use" in text:
                        raise PortCollision(text)
                    self.fail(f"eddy-deploy exited with {deploy.returncode()} too early")
                return False
            self.wait_until(ready, f"/{wait_for.pattern}/ in eddy-deploy's output")
            return deploy, topology, lay
        return self.with_fresh_ports(attempt)

    def wait_exit(self, deploy):
        return deploy.popen.wait(harness.HANG_GUARD_SECONDS)

    def test_member_killed_with_sigkill_is_reported_and_everything_stops(self):
        deploy, topology, _ = self.deploy([binary("roundtrip_flow")])
        kids = children(deploy.pid)
        self.assertEqual(len(kids), 4)
        found = subprocess.run(
            ["pgrep", "-P", str(deploy.pid), "-f", "--", "--location workers --member 1$"],
            stdout=subprocess.PIPE).stdout.split()
        self.assertEqual(len(found), 1, f"pgrep found {found}")
        victim = int(found[0])
        with open(f"/proc/{victim}/cmdline", "rb") as f:
            self.assertEqual(f.read().split(b"\0")[-5:-1],
                             [b"--location", b"workers", b"--member", b"1"])
        os.kill(victim, signal.SIGKILL)

        self.assertEqual(self.wait_exit(deploy), 1, deploy.log())
        text = deploy.log()
        self.assertIn("[eddy-deploy] workers/1 was killed by signal 9 (Killed) while the others "
                      "ran; stopping everything\n", text)
        self.assertIn("[eddy-deploy] done, with failures\n", text)
        # The others were asked to stop (SIGTERM) and did.
        for name in ["leader", "workers/0", "workers/2"]:
            self.assertIn(f"[{name}] info: stopping on signal 15\n", text)
        self.assertNotIn("[workers/1] info: stopping on signal", text)
        # Only the dead one is reported: the others stopped cleanly when asked.
        self.assertEqual(len(re.findall(r"^\[eddy-deploy\] .*(killed|exited)", text, re.M)), 1,
                         text)
        for pid in kids:
            self.assertTrue(gone(pid), f"instance {pid} outlived eddy-deploy")

    def test_instance_that_cannot_start_is_reported(self):
        def attempt():
            # Someone else listens on workers/2's address.
            layout = Layout(3)
            blocker = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self.addCleanup(blocker.close)
            blocker.bind(("127.0.0.1", layout.workers[2]))
            blocker.listen(1)
            topology = self.write_topology(layout)
            deploy = self.start("eddy-deploy", [binary("eddy-deploy"), topology, "--",
                                                binary("roundtrip_flow")])
            self.assertEqual(self.wait_exit(deploy), 1, deploy.log())
            text = deploy.log()
            others = re.findall(r"^\[(leader|workers/[01])\] error: cannot listen on", text, re.M)
            if others:  # another test took one of the other ports meanwhile
                raise PortCollision(text)
            return layout, text
        layout, text = self.with_fresh_ports(attempt)
        self.assertRegex(text, rf"\[workers/2\] error: cannot listen on 127\.0\.0\.1:"
                               rf"{layout.workers[2]}: Address already in use\n")
        self.assertIn("[eddy-deploy] workers/2 exited with status 2 while the others ran; "
                      "stopping everything\n", text)
        self.assertIn("[eddy-deploy] done, with failures\n", text)
        self.assertNotRegex(text, RESULT)

    def test_sigint_stops_every_instance_with_exit_0(self):
        deploy, _, _ = self.deploy([binary("roundtrip_flow")])
        kids = children(deploy.pid)
        self.assertEqual(len(kids), 4)
        deploy.send(signal.SIGINT)
        self.assertEqual(self.wait_exit(deploy), 0, deploy.log())
        text = deploy.log()
        self.assertIn("[eddy-deploy] stopping every instance (Interrupt)\n", text)
        for name in ["leader", "workers/0", "workers/1", "workers/2"]:
            self.assertIn(f"[{name}] info: stopping on signal 2\n", text)
        self.assertTrue(text.endswith("[eddy-deploy] done\n"), text)
        for pid in kids:
            self.assertTrue(gone(pid), f"instance {pid} outlived eddy-deploy")

    def test_sigterm_stops_every_instance_with_exit_0(self):
        deploy, _, _ = self.deploy([binary("roundtrip_flow")])
        deploy.send(signal.SIGTERM)
        self.assertEqual(self.wait_exit(deploy), 0, deploy.log())
        self.assertIn("[eddy-deploy] stopping every instance (Terminated)\n", deploy.log())

    def test_duration_stops_everything_with_exit_0(self):
        deploy, _, _ = self.deploy([binary("roundtrip_flow")], args=["--duration=1"])
        self.assertEqual(self.wait_exit(deploy), 0, deploy.log())
        text = deploy.log()
        self.assertIn("[eddy-deploy] stopping every instance after 1s\n", text)
        self.assertTrue(text.endswith("[eddy-deploy] done\n"), text)

    def test_instance_exiting_by_itself_counts_as_a_failure(self):
        # An instance is meant to run until stopped; one that returns, even with status 0, is
        # reported.
        deploy, _, _ = self.deploy(
            ["/bin/sh", "-c", 'case "$*" in *"--member 1"*) exit 0;; esac; exec sleep 600'],
            wait_for=re.compile(r"\[eddy-deploy\] done"))
        self.assertEqual(self.wait_exit(deploy), 1, deploy.log())
        self.assertIn("[eddy-deploy] workers/1 exited with status 0 while the others ran; "
                      "stopping everything\n", deploy.log())

    def test_instance_that_ignores_the_stop_signal_is_killed(self):
        script = ('trap "" INT TERM; echo ready; '
                  'while :; do sleep 0.2; done')
        deploy, _, _ = self.deploy(["/bin/sh", "-c", script],
                                   wait_for=re.compile(r"(\[[^\]]+\] ready\n.*){4}", re.S))
        deploy.send(signal.SIGINT)
        self.assertEqual(self.wait_exit(deploy), 1, deploy.log())
        text = deploy.log()
        self.assertIn("[eddy-deploy] instances still running 10s after being asked to stop: "
                      "killing them\n", text)
        self.assertIn("[eddy-deploy] leader was killed by signal 9 (Killed)\n", text)
        self.assertIn("[eddy-deploy] done, with failures\n", text)

    def test_usage_and_topology_errors_exit_2(self):
        good = self.write_topology(Layout(3))
        cases = {
            "no arguments": ([], r"usage: eddy-deploy TOPOLOGY"),
            "no program": ([good], r"usage: eddy-deploy TOPOLOGY"),
            "bad duration": ([good, "--duration=-1", "--", "true"], r"usage: eddy-deploy"),
            "missing file": ([os.path.join(self.tmp, "nope.yaml"), "--", "true"],
                             r"eddy-deploy: cannot read topology file .*nope\.yaml"),
            "unknown key": ([self.write("bad1.yaml", "locations:\n  leader:\n    process: "
                                        "127.0.0.1:1\n    colour: red\n"), "--", "true"],
                            r"bad1\.yaml:4: unknown key 'colour' in location 'leader'"),
            "not yaml": ([self.write("bad2.yaml", "locations: [\n"), "--", "true"],
                         r"bad2\.yaml:\d+: not valid YAML"),
            "short secret": ([self.write("bad3.yaml", "options:\n  cluster_secret_file: s.key\n"
                                         "locations:\n  leader:\n    process: 127.0.0.1:1\n"),
                              "--", "true"],
                             r"bad3\.yaml:2: .*s\.key"),
        }
        self.write("s.key", "short\n")
        for what, (args, message) in cases.items():
            with self.subTest(what):
                proc = subprocess.run([binary("eddy-deploy"), *args], stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, timeout=harness.HANG_GUARD_SECONDS)
                self.assertEqual(proc.returncode, 2, proc.stderr.decode())
                self.assertRegex(proc.stderr.decode(), message)


if __name__ == "__main__":
    harness.main()
