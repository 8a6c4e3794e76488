"""Instances in separate network namespaces, joined only by a veth pair: the leader and the client
in one namespace, the workers in the other, so every peer connection crosses a real (virtual)
link between two network stacks rather than loopback.

Needs root (CAP_NET_ADMIN) and iproute2; skips with the reason otherwise. The namespaces (and
with them the veth pair) are always deleted afterwards, even when the test fails.
"""

import os
import re
import shutil
import subprocess

import harness
import prometheus
from harness import EddyTestCase, Layout


def ip(*args, check=True):
    proc = subprocess.run(["ip", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=harness.HANG_GUARD_SECONDS)
    if check and proc.returncode != 0:
        raise AssertionError(f"ip {' '.join(args)}: {proc.stderr.decode().strip()}")
    return proc


class NetworkNamespaceTest(EddyTestCase):

    def setUp(self):
        super().setUp()
        if shutil.which("ip") is None:
            self.skipTest("needs iproute2's `ip` to create network namespaces (tools/setup "
                          "installs it)")
        if os.geteuid() != 0:
            self.skipTest(f"needs root (CAP_NET_ADMIN) to create network namespaces; running as "
                          f"uid {os.geteuid()}")
        pid = os.getpid()
        self.ns_a, self.ns_b = f"eddy-{pid}-a", f"eddy-{pid}-b"
        self.veth_a, self.veth_b = f"ev{pid}a"[-15:], f"ev{pid}b"[-15:]  # IFNAMSIZ - 1
        subnet = pid % 250 + 1
        self.addr_a, self.addr_b = f"10.123.{subnet}.1", f"10.123.{subnet}.2"

        probe = ip("netns", "add", self.ns_a, check=False)
        if probe.returncode != 0:
            self.skipTest(f"cannot create a network namespace: {probe.stderr.decode().strip()}")
        self.addCleanup(self.delete_namespace, self.ns_a)
        ip("netns", "add", self.ns_b)
        self.addCleanup(self.delete_namespace, self.ns_b)
        veth = ip("link", "add", self.veth_a, "type", "veth", "peer", "name", self.veth_b,
                  check=False)
        if veth.returncode != 0:
            self.skipTest(f"cannot create a veth pair: {veth.stderr.decode().strip()}")
        # Until it moves into a namespace the pair lives here: delete it if a step below fails
        # (deleting either end deletes both; a no-op once a namespace took it away).
        self.addCleanup(ip, "link", "del", self.veth_a, check=False)
        for ns, dev, addr in [(self.ns_a, self.veth_a, self.addr_a),
                              (self.ns_b, self.veth_b, self.addr_b)]:
            ip("link", "set", dev, "netns", ns)
            ip("-n", ns, "addr", "add", f"{addr}/24", "dev", dev)
            ip("-n", ns, "link", "set", dev, "up")
            ip("-n", ns, "link", "set", "lo", "up")

    def delete_namespace(self, ns):
        # Cleanups run last-in first-out: the instances (stopped in tearDown) are gone by now.
        ip("netns", "delete", ns, check=False)
        listed = ip("netns", "list", check=False).stdout.decode()
        self.assertNotRegex(listed, rf"(?m)^{re.escape(ns)}\b", f"namespace {ns} outlived the test")

    def rx_packets(self, ns, dev):
        out = ip("-n", ns, "-s", "link", "show", dev).stdout.decode()
        return int(re.search(r"RX:.*\n\s*(\d+)\s+(\d+)", out).group(2))

    def test_echo_across_namespaces(self):
        # Fresh namespaces have nothing listening: fixed ports cannot collide with anything.
        layout = Layout(3, client=True, admin=True, leader_host=self.addr_a,
                        worker_host=self.addr_b, fixed_ports=range(7400, 7420))
        topology = self.write_topology(layout)
        names = ["leader"] + [f"workers/{m}" for m in range(3)]
        inst = self.start_flow("echo_flow", layout, topology,
                               netns={n: self.ns_a if n == "leader" else self.ns_b for n in names})
        for m in range(3):
            self.wait_for_log(inst["leader"],
                              rf"info: connected to workers/{m} at {re.escape(self.addr_b)}:"
                              rf"{layout.workers[m]}$")
            self.wait_for_log(inst[f"workers/{m}"],
                              harness.connected_re("leader"))

        # The workers' addresses exist only in namespace b: not from here, only over the veth.
        probe = subprocess.run(["ip", "netns", "exec", self.ns_a, "ip", "route", "get",
                                self.addr_b], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.assertIn(f"dev {self.veth_a}", probe.stdout.decode())
        before = self.rx_packets(self.ns_b, self.veth_b)

        self.assert_echo_ok(self.addr_a, layout.client, 30, start=1, members={0, 1, 2},
                            netns=self.ns_a)
        self.assertGreater(self.rx_packets(self.ns_b, self.veth_b), before)
        # The leader's admin endpoint, scraped from inside namespace a, agrees.
        scraped = subprocess.run(
            ["ip", "netns", "exec", self.ns_a, "python3", "-c",
             "import sys, urllib.request; sys.stdout.write(urllib.request.urlopen("
             f"'http://{self.addr_a}:{layout.leader_admin}/metrics', timeout=60).read().decode())"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=harness.HANG_GUARD_SECONDS)
        self.assertEqual(scraped.returncode, 0, scraped.stderr.decode())
        families = prometheus.parse_prometheus(scraped.stdout.decode())
        for m in range(3):
            self.assertEqual(prometheus.sample_value(families, "eddy_peer_connected",
                                                  peer=f"workers/{m}"), 1)
        self.assert_alive(*inst.values())


if __name__ == "__main__":
    harness.main()
