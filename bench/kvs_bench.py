#!/usr/bin/env python3
"""Side-by-side throughput: redis-server, eddy local and eddy replicated (3 members).

    bench/kvs_bench.py [--bin build/bin] [-n 200000] [--clients 50]

Starts each server on free loopback ports (redis-server with persistence off), runs
redis-benchmark -t set,get -n N -c CLIENTS with -P 1 and with -P 16 against each, in one run,
and prints requests per second and the ratio to redis-server. Stops everything afterwards.
"""
import argparse
import csv
import io
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, proc, what):
    deadline = time.time() + 30
    while time.time() < deadline:
        if proc.poll() is not None:
            sys.exit(f"{what} exited early with status {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                if s.recv(64).startswith(b"+PONG"):
                    return
        except OSError:
            pass
        time.sleep(0.05)
    sys.exit(f"{what} did not answer on port {port}")


def benchmark(port, n, clients, pipeline):
    out = subprocess.run(
        ["redis-benchmark", "-p", str(port), "-t", "set,get", "-n", str(n), "-c", str(clients),
         "-P", str(pipeline), "--csv"],
        capture_output=True, text=True, check=True, timeout=600).stdout
    rates = {}
    for row in csv.reader(io.StringIO(out)):
        if len(row) >= 2 and row[0] in ("SET", "GET"):
            rates[row[0]] = float(row[1])
    if set(rates) != {"SET", "GET"}:
        sys.exit(f"could not read redis-benchmark's output:\n{out}")
    return rates


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin", default=os.path.join(os.path.dirname(__file__), "..", "build", "bin"))
    parser.add_argument("-n", type=int, default=200000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--kvs-flag", action="append", default=[],
                        help="an extra eddy-kvs flag for both eddy servers, e.g. --kvs-flag=--resend-ms=0")
    args = parser.parse_args()
    kvs = os.path.join(args.bin, "eddy-kvs")
    deploy = os.path.join(args.bin, "eddy-deploy")
    work = tempfile.mkdtemp(prefix="eddy-kvs-bench-")
    procs = []

    def start(cmd, log):
        p = subprocess.Popen(cmd, stdout=open(os.path.join(work, log), "w"),
                             stderr=subprocess.STDOUT, start_new_session=True)
        procs.append(p)
        return p

    try:
        redis_port = free_port()
        p = start(["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1",
                   "--save", "", "--appendonly", "no"], "redis.log")
        wait_for_port(redis_port, p, "redis-server")

        local_port = free_port()
        p = start([kvs, "--mode=local", f"--resp-port={local_port}"] + args.kvs_flag, "local.log")
        wait_for_port(local_port, p, "eddy-kvs --mode=local")

        replicated_port = free_port()
        topology = os.path.join(work, "replicated.yaml")
        with open(topology, "w") as f:
            f.write(f"locations:\n  coordinator:\n    process: 127.0.0.1:{free_port()}\n"
                    f"  members:\n    members: [127.0.0.1:{free_port()}, 127.0.0.1:{free_port()},"
                    f" 127.0.0.1:{free_port()}]\n"
                    f"  clients:\n    ports:\n      resp: 127.0.0.1:{replicated_port}\n")
        p = start([deploy, topology, "--", kvs, "--mode=replicated"] + args.kvs_flag,
                  "replicated.log")
        wait_for_port(replicated_port, p, "eddy replicated")

        targets = [("redis-server", redis_port), ("eddy local", local_port),
                   ("eddy replicated (3 members)", replicated_port)]
        results = {}
        for pipeline in (1, 16):
            for name, port in targets:
                results[(name, pipeline)] = benchmark(port, args.n, args.clients, pipeline)

        print(f"redis-benchmark -t set,get -n {args.n} -c {args.clients}, requests per second "
              f"(ratio to redis-server)\n")
        print(f"| server | SET -P 1 | GET -P 1 | SET -P 16 | GET -P 16 |")
        print(f"|---|---|---|---|---|")
        for name, _ in targets:
            cells = []
            for pipeline in (1, 16):
                for op in ("SET", "GET"):
                    rate = results[(name, pipeline)][op]
                    base = results[("redis-server", pipeline)][op]
                    cells.append(f"{rate:,.0f} ({rate / base:.2f}x)")
            print(f"| {name} | " + " | ".join(cells) + " |")
    finally:
        for p in procs:
            try:
                os.killpg(p.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for p in procs:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)


if __name__ == "__main__":
    main()
