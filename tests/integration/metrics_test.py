"""The admin endpoint: /metrics is valid Prometheus text and its counters move with traffic;
/healthz and /graph answer; unknown pages are 404.

echo_flow runs with an admin endpoint on the leader (from the topology) and on every worker
(--admin-port=0, the address read from the "admin at" log line). The exposition is parsed
strictly (prometheus.parse_prometheus), before and after echo_client sends requests.
"""

import socket
import subprocess
import unittest

import harness
from harness import EddyTestCase, Layout
from prometheus import (PrometheusFormatError, http_get, parse_prometheus, sample_sum,
                        sample_value, scrape)

HOST = "127.0.0.1"
REQUESTS = 30


def series(families):
    """{(family, sample name, labels): value} over every sample."""
    out = {}
    for family, f in families.items():
        for name, labels, value in f["samples"]:
            out[(family, name, tuple(sorted(labels.items())))] = value
    return out


class AdminEndpointTest(EddyTestCase):

    def setUp(self):
        super().setUp()

        def start():
            layout = Layout(3, client=True, admin=True)
            topology = self.write_topology(layout)
            extra = {f"workers/{m}": ["--admin-port=0"] for m in range(3)}
            return layout, self.start_flow("echo_flow", layout, topology, extra=extra)
        self.layout, self.inst = self.with_fresh_ports(start)
        for m in range(3):
            self.wait_for_log(self.inst["leader"], harness.connected_re(f"workers/{m}"))
        self.worker_admin = []
        for m in range(3):
            match = self.wait_for_log(self.inst[f"workers/{m}"],
                                      r"info: running at .*, admin at http://([\d.]+):(\d+)$")
            self.worker_admin.append((match.group(1), int(match.group(2))))

    def leader_metrics(self):
        return scrape(HOST, self.layout.leader_admin)

    def test_metrics_parse_and_counters_move_with_traffic(self):
        status, content_type, body = http_get(HOST, self.layout.leader_admin, "/metrics")
        self.assertEqual(status, 200)
        self.assertEqual(content_type, "text/plain; version=0.0.4")
        before = parse_prometheus(body)
        for family in ["eddy_ticks_total", "eddy_operator_items_total",
                       "eddy_channel_messages_total", "eddy_channel_bytes_total",
                       "eddy_peer_connected", "eddy_peer_frames_sent_total",
                       "eddy_peer_bytes_sent_total", "eddy_client_connections"]:
            self.assertIn(family, before, f"/metrics has no {family}:\n{body}")
        # Every sample says whose it is.
        for family, f in before.items():
            for _, labels, _ in f["samples"]:
                self.assertEqual((labels.get("location"), labels.get("member")), ("leader", "0"),
                                 f"{family} {labels}")
        self.assertEqual(before["eddy_ticks_total"]["type"], "counter")
        self.assertEqual(before["eddy_peer_connected"]["type"], "gauge")
        # One series per worker, each connected.
        peers = sorted(l["peer"] for _, l, _ in before["eddy_peer_connected"]["samples"])
        self.assertEqual(peers, ["workers/0", "workers/1", "workers/2"])
        for m in range(3):
            self.assertEqual(sample_value(before, "eddy_peer_connected", peer=f"workers/{m}"), 1)

        self.assert_echo_ok(HOST, self.layout.client, REQUESTS, start=1, members={0, 1, 2})
        after = self.leader_metrics()

        # Counters never go back, and the ones traffic drives went up.
        old, new = series(before), series(after)
        for key, value in old.items():
            if before[key[0]]["type"] == "counter":
                self.assertIn(key, new)
                self.assertGreaterEqual(new[key], value, key)
        self.assertGreater(sample_value(after, "eddy_ticks_total"),
                           sample_value(before, "eddy_ticks_total"))
        for m in range(3):
            peer = f"workers/{m}"
            # Requests are sequential, so each is its own frame; round robin gives each worker
            # REQUESTS / 3 of them, and each answers every one.
            for family in ["eddy_peer_frames_sent_total", "eddy_peer_frames_received_total"]:
                grew = (sample_value(after, family, peer=peer)
                        - sample_value(before, family, peer=peer))
                self.assertGreaterEqual(grew, REQUESTS // 3, f"{family} {peer}")
            for family in ["eddy_peer_bytes_sent_total", "eddy_peer_bytes_received_total"]:
                self.assertGreater(sample_value(after, family, peer=peer),
                                   sample_value(before, family, peer=peer), f"{family} {peer}")
            self.assertEqual(sample_value(after, "eddy_peer_connected", peer=peer), 1)
            self.assertEqual(sample_value(after, "eddy_peer_dropped_frames_total", peer=peer), 0)
        for direction in ["out", "in"]:
            grew = (sample_sum(after, "eddy_channel_messages_total", direction=direction)
                    - sample_sum(before, "eddy_channel_messages_total", direction=direction))
            self.assertGreaterEqual(grew, REQUESTS, direction)
            self.assertGreater(sample_sum(after, "eddy_channel_bytes_total", direction=direction),
                               sample_sum(before, "eddy_channel_bytes_total", direction=direction))
        # The client port's source produced exactly one element per request.
        self.assertEqual(
            sample_value(after, "eddy_operator_items_total", op="source_external")
            - sample_value(before, "eddy_operator_items_total", op="source_external"), REQUESTS)

    def test_both_ends_of_each_connection_count_the_same_frames(self):
        self.assert_echo_ok(HOST, self.layout.client, REQUESTS, start=1, members={0, 1, 2})
        # Every reply is back, so every frame either way has been read by the other end.
        leader = self.leader_metrics()
        for m, (host, port) in enumerate(self.worker_admin):
            worker = scrape(host, port)
            for _, labels, _ in worker["eddy_ticks_total"]["samples"]:
                self.assertEqual((labels["location"], labels["member"]), ("workers", str(m)))
            self.assertEqual(sample_value(worker, "eddy_peer_connected", peer="leader"), 1)
            self.assertEqual(
                sample_value(leader, "eddy_peer_frames_sent_total", peer=f"workers/{m}"),
                sample_value(worker, "eddy_peer_frames_received_total", peer="leader"))
            self.assertEqual(
                sample_value(worker, "eddy_peer_frames_sent_total", peer="leader"),
                sample_value(leader, "eddy_peer_frames_received_total", peer=f"workers/{m}"))
            self.assertGreaterEqual(
                sample_value(worker, "eddy_peer_frames_received_total", peer="leader"),
                REQUESTS // 3)
            # The worker's receive operator got exactly its share of the requests.
            self.assertEqual(sample_value(worker, "eddy_operator_items_total", op="receive"),
                             REQUESTS // 3)

    def test_client_connections_gauge_follows_open_connections(self):
        def gauge():
            return sample_value(self.leader_metrics(), "eddy_client_connections", port="echo")
        self.assertEqual(gauge(), 0)
        socks = [socket.create_connection((HOST, self.layout.client), timeout=60) for _ in range(2)]
        try:
            self.wait_until(lambda: gauge() == 2, "eddy_client_connections == 2")
        finally:
            for s in socks:
                s.close()
        self.wait_until(lambda: gauge() == 0, "eddy_client_connections back to 0")

    def test_healthz_graph_and_unknown_pages(self):
        status, _, body = http_get(HOST, self.layout.leader_admin, "/healthz")
        self.assertEqual((status, body.strip()), (200, "ok"))
        status, _, graph = http_get(HOST, self.layout.leader_admin, "/graph")
        self.assertEqual(status, 200)
        self.assertTrue(graph.startswith("flowchart"), graph)
        self.assertIn('subgraph loc1 ["Cluster workers"]', graph)
        # The same graph the binary prints.
        printed = subprocess.run([harness.binary("echo_flow"), "--print-graph"],
                                 stdout=subprocess.PIPE, check=True).stdout.decode()
        self.assertEqual(graph, printed)
        status, _, body = http_get(HOST, self.layout.leader_admin, "/no-such-page")
        self.assertEqual(status, 404)
        self.assertIn("/metrics", body)
        # A worker's endpoint (from --admin-port=0) serves too.
        host, port = self.worker_admin[0]
        status, _, body = http_get(host, port, "/healthz")
        self.assertEqual((status, body.strip()), (200, "ok"))


class PrometheusParserTest(unittest.TestCase):
    """The parser the tests above rely on rejects what it should (so its passing means
    something)."""

    GOOD = ('# HELP a_total Help text.\n# TYPE a_total counter\n'
            'a_total{x="1",y="q\\"uote\\\\ and \\n"} 3\na_total{x="2"} 4.5e3\n'
            '# TYPE g gauge\ng -1\n')

    def test_accepts_valid_text(self):
        families = parse_prometheus(self.GOOD)
        self.assertEqual(families["a_total"]["samples"][0][1], {"x": "1", "y": 'q"uote\\ and \n'})
        self.assertEqual(families["g"]["samples"], [("g", {}, -1.0)])

    def test_rejects_malformed_text(self):
        bad = {
            "no TYPE": "a_total 1\n",
            "unquoted label": '# TYPE a counter\na{x=1} 1\n',
            "bad escape": '# TYPE a counter\na{x="\\q"} 1\n',
            "unterminated label": '# TYPE a counter\na{x="1} 1\n',
            "no value": '# TYPE a counter\na{x="1"}\n',
            "bad value": '# TYPE a counter\na 1x\n',
            "negative counter": '# TYPE a counter\na -1\n',
            "duplicate series": '# TYPE a counter\na{x="1"} 1\na{x="1"} 2\n',
            "split family": '# TYPE a counter\na 1\n# TYPE b gauge\nb 1\na{x="2"} 1\n',
            "second TYPE": '# TYPE a counter\n# TYPE a gauge\na 1\n',
            "unknown type": '# TYPE a thing\na 1\n',
            "no final newline": '# TYPE a counter\na 1',
            "duplicate label": '# TYPE a counter\na{x="1",x="2"} 1\n',
        }
        for what, text in bad.items():
            with self.subTest(what):
                with self.assertRaises(PrometheusFormatError):
                    parse_prometheus(text)


if __name__ == "__main__":
    harness.main()
