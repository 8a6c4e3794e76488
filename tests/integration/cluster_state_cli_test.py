"""eddy-state, the cluster-state command line, end to end: against a 3-replica eddy-state-server
(master, worker, leecher) started under eddy-deploy on free loopback ports, and against a data
directory with no server (its state surviving from one invocation to the next), and `watch`
refreshing the cluster summary.
"""

import json
import os
import re
import subprocess
import threading

import harness
from harness import EddyTestCase, PortCollision, binary, free_port

CLI_TIMEOUT = 30  # seconds one eddy-state invocation may take (a hang guard)


def topology_yaml(gateway, replicas, resp, host="127.0.0.1"):
    members = ", ".join(f"{host}:{p}" for p in replicas)
    return ("locations:\n"
            "  gateway:\n"
            f"    process: {host}:{gateway}\n"
            "  replicas:\n"
            f"    members: [{members}]\n"
            "  clients:\n"
            "    ports:\n"
            f"      resp: {host}:{resp}\n")


class StateCli:
    """Runs eddy-state with fixed leading arguments; returns (status, stdout, stderr)."""

    def __init__(self, *leading):
        self.leading = list(leading)

    def run(self, *args):
        done = subprocess.run([binary("eddy-state")] + self.leading + list(args),
                              capture_output=True, text=True, timeout=CLI_TIMEOUT)
        return done.returncode, done.stdout, done.stderr


class ClusterStateCliTest(EddyTestCase):

    def ok(self, cli, *args):
        status, out, err = cli.run(*args)
        self.assertEqual(status, 0, f"eddy-state {' '.join(args)}: status {status}\n{out}{err}")
        return out

    def start_cluster(self):
        """Starts gateway + 3 replicas (master, worker, leecher); returns the RESP port once
        every replica answers a query."""
        def start():
            resp = free_port()
            topology = self.write("state.yaml", topology_yaml(free_port(), [free_port()
                                                                           for _ in range(3)],
                                                              resp))
            deploy = self.start("eddy-deploy", [binary("eddy-deploy"), topology, "--",
                                                binary("eddy-state-server"),
                                                "--roles=master,worker,leecher", "--sync-ms=100"])
            cli = StateCli("--connect", f"127.0.0.1:{resp}")

            def ready():
                if not deploy.alive():
                    text = deploy.log()
                    if "cannot listen on" in text and "in use" in text:
                        raise PortCollision(text)
                    self.fail(f"eddy-deploy exited with status {deploy.returncode()}:\n{text}")
                try:
                    return all(cli.run("--replica", str(r), "get_all_nodes")[0] == 0
                               for r in range(3))
                except subprocess.TimeoutExpired:
                    return False
            self.wait_until(ready, "every replica answering queries")
            return resp
        return self.with_fresh_ports(start)

    def test_commands_against_a_three_replica_cluster(self):
        cli = StateCli("--connect", f"127.0.0.1:{self.start_cluster()}")
        master = StateCli(*cli.leading, "--replica", "0")
        worker = StateCli(*cli.leading, "--replica", "1")
        self.ok(master, "register_node", "node_id=n1", "role=worker", "cpu_count=8",
                "memory_total=1024", "memory_available=1024")
        self.ok(master, "register_node", "node_id=n2", "role=worker", "cpu_count=4",
                "memory_total=1024", "memory_available=1024")
        self.ok(master, "add_task", "task_id=t1", "required_cpu=2")

        found = json.loads(self.ok(master, "--json", "find_available_node_for_task",
                                   "task_id=t1"))
        self.assertIn(found["node_id"], ("n1", "n2"))

        # The worker has seen the task once sync brought it over; it forwards to the master.
        def assigned():
            status, out, _ = worker.run("--json", "assign_task", "task_id=t1")
            return status == 0 and json.loads(out)["code"] == "ok" and out
        self.wait_until(assigned, "assign_task through the worker replica to succeed")

        summary = json.loads(self.ok(master, "--json", "get_cluster_status_summary"))
        self.assertEqual(summary["nodes_total"], 2)
        self.assertEqual(summary["tasks_total"], 1)
        self.assertEqual(summary["tasks_by_status"]["assigned"], 1)
        self.assertEqual(summary["tasks_by_status"]["pending"], 0)

        # Readable output: a table with a header row and one line per node.
        table = self.ok(master, "get_all_nodes").splitlines()
        self.assertEqual(len(table), 3, table)
        self.assertIn("node_id", table[0])
        self.assertTrue(table[1].startswith("n1 "), table)

        # A bad field: a non-zero exit and a message naming it.
        status, out, err = master.run("register_node", "node_id=n3", "colour=blue")
        self.assertNotEqual(status, 0)
        self.assertIn("colour", err)
        status, _, err = master.run("register_node", "node_id")
        self.assertEqual(status, 1)
        self.assertIn("malformed field 'node_id': expected field=value", err)
        status, _, err = master.run("fly_away")
        self.assertEqual(status, 1)
        self.assertIn("unknown command 'fly_away'", err)
        # An operation that runs but fails: its code, exit status 2.
        status, _, err = master.run("remove_node", "node_id=nope")
        self.assertEqual(status, 2)
        self.assertIn("not_found", err)

    def test_watch_refreshes_and_shows_a_change_made_between_refreshes(self):
        cli = StateCli("--connect", f"127.0.0.1:{self.start_cluster()}", "--replica", "0")
        self.ok(cli, "register_node", "node_id=n1", "role=worker", "cpu_count=8")

        # --json: one summary per line, a refresh a second, ending by itself after --count.
        refreshes = 5
        watch = subprocess.Popen([binary("eddy-state")] + cli.leading +
                                 ["--json", f"--count={refreshes}", "watch"],
                                 stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
        guard = threading.Timer(CLI_TIMEOUT * refreshes, watch.kill)  # a hang guard
        guard.start()
        try:
            first = json.loads(watch.stdout.readline())
            self.assertEqual(first["nodes_total"], 1, first)
            # A change between refreshes: a later refresh shows it.
            self.ok(cli, "register_node", "node_id=n2", "role=worker", "cpu_count=4")
            rest, err = watch.communicate()
        finally:
            guard.cancel()
        self.assertEqual(watch.returncode, 0, err)
        lines = [first] + [json.loads(line) for line in rest.splitlines()]
        self.assertEqual(len(lines), refreshes, rest)
        self.assertEqual(lines[-1]["nodes_total"], 2, lines)
        self.assertEqual([n["nodes_total"] for n in lines],
                         sorted(n["nodes_total"] for n in lines), "a refresh went back in time")

        # For people: a header per refresh, `key: value` lines, and no screen clearing when
        # the output is not a terminal.
        out = self.ok(cli, "--count=2", "watch")
        self.assertIn("cluster status (1 of 2, every 1s)", out)
        self.assertIn("cluster status (2 of 2, every 1s)", out)
        self.assertEqual(len(re.findall(r"^nodes_total: +2$", out, re.MULTILINE)), 2, out)
        self.assertNotIn("\033[", out)

    def test_data_dir_keeps_state_across_runs(self):
        cli = StateCli("--data-dir", os.path.join(self.tmp, "data"))
        self.assertIn("code:", self.ok(cli, "register_node", "node_id=n1", "role=worker",
                                       "cpu_count=8"))
        node = json.loads(self.ok(cli, "--json", "get_node_by_id", "node_id=n1"))
        self.assertEqual(node["node_id"], "n1")
        summary = json.loads(self.ok(cli, "--json", "get_cluster_status_summary"))
        self.assertEqual(summary["nodes_total"], 1)
        self.ok(cli, "register_node", "node_id=n2", "role=leecher")
        nodes = json.loads(self.ok(cli, "--json", "get_all_nodes"))
        self.assertEqual([n["node_id"] for n in nodes], ["n1", "n2"])
        status, _, err = cli.run("remove_node", "node_id=nope")
        self.assertEqual(status, 2, err)
        self.assertIn("not_found", err)


if __name__ == "__main__":
    harness.main()
