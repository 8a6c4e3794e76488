"""Shared helpers for eddy's integration tests: real processes, real sockets, on this host.

Each test file is a unittest module run as

    python3 tests/integration/FOO_test.py [BIN_DIR] [unittest options]

where BIN_DIR (or the EDDY_BIN environment variable) is the build's bin directory holding
eddy-deploy, roundtrip_flow, echo_flow and echo_client. ctest passes EDDY_BIN.

EddyTestCase gives each test a temporary directory, free ports, topology files, instances started
with subprocess (their stdout and stderr merged into one log file per instance), waits that poll a
condition under a generous hang guard, and a teardown that stops every process it started, even
when the test failed (and fails the test if one of them did not exit cleanly on SIGTERM). When a
test fails or errors, the logs of every process it started are printed, so a failure in CI
explains itself.

Ports: tests run in parallel (ctest -j), so no port is fixed. Ports are picked at random below
the kernel's ephemeral range (so an outgoing connection of some instance cannot take a port
before the instance meant to listen on it binds it), checked free by binding them, and never
handed out twice by one test process. Two test processes can still, rarely, pick the same port at
the same moment; with_fresh_ports() retries a start-up that failed because an address was
already in use.
"""

import ctypes
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

HANG_GUARD_SECONDS = 60  # how long a wait may take before it counts as a hang
# How long a process may take to stop after SIGTERM (a hang guard): a member still busy after
# the load of kvs_kill_under_load_test has taken over 10 s on this 2-core machine.
STOP_GRACE_SECONDS = 30

_bin_dir = None


def bin_dir():
    """The directory holding the eddy binaries (from argv[1] or EDDY_BIN)."""
    global _bin_dir
    if _bin_dir is None:
        _bin_dir = os.environ.get("EDDY_BIN", "")
        if not _bin_dir:
            sys.exit("set EDDY_BIN to the build's bin directory (or pass it as the first argument)")
    return _bin_dir


def binary(name):
    path = os.path.join(bin_dir(), name)
    if not os.access(path, os.X_OK):
        raise AssertionError(f"{path} is not built: ninja -C build {name}")
    return path


def main():
    """Runs the unittest module; a first argument that is a directory is the bin directory."""
    global _bin_dir
    if len(sys.argv) > 1 and os.path.isdir(sys.argv[1]):
        _bin_dir = sys.argv.pop(1)
    unittest.main(verbosity=2)


# ----------------------------------------------------------------------------------- ports

def _ephemeral_low():
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


_handed_out = set()
_rng = random.SystemRandom()


def free_port(host="127.0.0.1"):
    """A TCP port on `host` that nothing listens on now and this process never handed out."""
    high = _ephemeral_low()
    low = max(1024, high - 20000)
    for _ in range(1000):
        port = _rng.randrange(low, high)
        if port in _handed_out:
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            try:
                s.bind((host, port))  # no SO_REUSEADDR: a port in TIME_WAIT is skipped too
            except OSError:
                continue
        _handed_out.add(port)
        return port
    raise AssertionError("found no free port")


def free_ports(n, host="127.0.0.1"):
    return [free_port(host) for _ in range(n)]


class PortCollision(Exception):
    """An instance could not bind its address: someone else took the port meanwhile."""


# ----------------------------------------------------------------------------------- topology

class Layout:
    """Where a leader (Process), a workers Cluster and optionally a client port live."""

    def __init__(self, workers, *, client=False, admin=False, worker_admin=False,
                 leader_host="127.0.0.1", worker_host="127.0.0.1", fixed_ports=None):
        self.leader_host = leader_host
        self.worker_host = worker_host
        self.n = workers
        if fixed_ports is not None:  # e.g. inside a private network namespace
            ports = iter(fixed_ports)
            take = lambda host: next(ports)  # noqa: E731
        else:
            take = free_port
        self.leader = take(leader_host)
        self.workers = [take(worker_host) for _ in range(workers)]
        self.client = take(leader_host) if client else None
        self.leader_admin = take(leader_host) if admin else None
        self.worker_admin = [take(worker_host) for _ in range(workers)] if worker_admin else None

    def yaml(self, secret_file=None, max_frame_bytes=None):
        lines = []
        if secret_file is not None or max_frame_bytes is not None:
            lines.append("options:")
            if secret_file is not None:
                lines.append(f"  cluster_secret_file: {secret_file}")
            if max_frame_bytes is not None:
                lines.append(f"  max_frame_bytes: {max_frame_bytes}")
        lines.append("locations:")
        lines.append("  leader:")
        lines.append(f"    process: {self.leader_host}:{self.leader}")
        if self.leader_admin is not None:
            lines.append(f"    admin: {self.leader_host}:{self.leader_admin}")
        lines.append("  workers:")
        members = ", ".join(f"{self.worker_host}:{p}" for p in self.workers)
        lines.append(f"    members: [{members}]")
        if self.worker_admin is not None:
            admins = ", ".join(f"{self.worker_host}:{p}" for p in self.worker_admin)
            lines.append(f"    admin: [{admins}]")
        if self.client is not None:
            lines.append("  clients:")
            lines.append("    ports:")
            lines.append(f"      echo: {self.leader_host}:{self.client}")
        return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------------------- processes

_libc = ctypes.CDLL(None, use_errno=True)
_PR_SET_PDEATHSIG = 1


def _die_with_parent():
    # If the test process is killed (ctest's timeout), its instances must not linger holding ports.
    _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


class Instance:
    """One started process; its stdout and stderr go (merged) to one log file."""

    def __init__(self, name, argv, log_path, popen):
        self.name = name
        self.argv = argv
        self.log_path = log_path
        self.popen = popen

    @property
    def pid(self):
        return self.popen.pid

    def log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def count(self, pattern):
        return len(re.findall(pattern, self.log(), re.MULTILINE))

    def alive(self):
        return self.popen.poll() is None

    def returncode(self):
        return self.popen.poll()

    def send(self, sig):
        if self.alive():
            self.popen.send_signal(sig)

    def stop(self, sig=signal.SIGTERM, grace=STOP_GRACE_SECONDS):
        """Asks the process to stop, kills it after `grace` seconds; returns its exit status."""
        if self.alive():
            try:
                self.popen.send_signal(sig)
                self.popen.wait(grace)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()
            except ProcessLookupError:
                pass
        return self.popen.wait()


class EddyTestCase(unittest.TestCase):
    """A TestCase that owns a temp dir and every process it starts."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix=f"eddy-{type(self).__name__}-")
        self.instances = []
        self._log_seq = 0

    def run(self, result=None):
        result = result if result is not None else self.defaultTestResult()
        bad_before = len(result.failures) + len(result.errors)
        try:
            return super().run(result)
        finally:
            failed = len(result.failures) + len(result.errors) > bad_before
            if failed:
                self.dump_logs()
            tmp = getattr(self, "tmp", None)
            if tmp is not None:
                if failed and os.environ.get("EDDY_KEEP_LOGS"):
                    sys.stderr.write(f"logs kept in {tmp}\n")
                else:
                    shutil.rmtree(tmp, ignore_errors=True)

    def tearDown(self):
        unclean = self.stop_all()
        # Every instance still running at the end must stop cleanly when asked (exit status 0
        # on SIGTERM): a crash or hang on the way out is a bug too.
        if unclean:
            self.fail("did not stop cleanly on SIGTERM: " + "; ".join(unclean))

    def dump_logs(self):
        out = [f"\n======== logs of {self.id()} ========"]
        for inst in getattr(self, "instances", []):
            status = inst.returncode()
            out.append(f"---- {inst.name} (pid {inst.pid}, "
                       f"{'running' if status is None else f'exit status {status}'}): "
                       f"{' '.join(inst.argv)}")
            out.append(inst.log().rstrip("\n"))
        out.append("======== end of logs ========\n")
        sys.stderr.write("\n".join(out) + "\n")
        sys.stderr.flush()

    # ---- files

    def write(self, name, text, mode=0o644):
        path = os.path.join(self.tmp, name)
        with open(path, "w" if isinstance(text, str) else "wb") as f:
            f.write(text)
        os.chmod(path, mode)
        return path

    def write_topology(self, layout, name="topology.yaml", **options):
        return self.write(name, layout.yaml(**options))

    # ---- processes

    def start(self, name, argv, netns=None, env=None):
        """Starts `argv` (inside network namespace `netns`, if given) logging to a file."""
        if netns is not None:
            argv = ["ip", "netns", "exec", netns] + list(argv)
        self._log_seq += 1
        safe_name = re.sub(r"[^A-Za-z0-9_.-]", "_", name)
        log_path = os.path.join(self.tmp, f"{self._log_seq:02d}-{safe_name}.log")
        log = open(log_path, "wb")
        try:
            popen = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log,
                                     stderr=subprocess.STDOUT, preexec_fn=_die_with_parent,
                                     env=env)
        finally:
            log.close()
        inst = Instance(name, list(argv), log_path, popen)
        self.instances.append(inst)
        return inst

    def start_instance(self, program, topology, location, member=None, extra=(), netns=None,
                       name=None):
        """Starts one instance of a flow: PROGRAM --topology T --location L [--member M]."""
        argv = [binary(program), "--topology", topology, "--location", location]
        if member is not None:
            argv += ["--member", str(member)]
        argv += list(extra)
        if name is None:
            name = location if member is None else f"{location}/{member}"
        return self.start(name, argv, netns=netns)

    def start_flow(self, program, layout, topology, extra=None, netns=None, wait=True):
        """Starts the leader and every worker of `layout`; waits until each one runs.

        `extra` maps an instance name ("leader", "workers/2") to extra arguments;
        `netns` maps it to a network namespace. Returns {name: Instance}.
        """
        extra = extra or {}
        netns = netns or {}
        started = {}
        for name, location, member in [("leader", "leader", None)] + [
                (f"workers/{m}", "workers", m) for m in range(layout.n)]:
            topo = topology[name] if isinstance(topology, dict) else topology
            started[name] = self.start_instance(program, topo, location, member,
                                                extra=extra.get(name, ()),
                                                netns=netns.get(name))
        if wait:
            self.wait_running(list(started.values()))
        return started

    def wait_running(self, instances, timeout=HANG_GUARD_SECONDS):
        """Waits until every instance logged "running at"; raises PortCollision if one could
        not bind its address, fails if one exited otherwise."""
        deadline = time.monotonic() + timeout
        pending = list(instances)
        while pending:
            for inst in list(pending):
                text = inst.log()
                if re.search(r"\binfo: running at ", text):
                    pending.remove(inst)
                elif not inst.alive():
                    if "cannot listen on" in text and "in use" in text:
                        raise PortCollision(f"{inst.name}: {text.strip()}")
                    self.fail(f"{inst.name} exited with status {inst.returncode()} before it "
                              f"ran:\n{text}")
            if pending and time.monotonic() > deadline:
                self.fail("hang guard: not running after %ds: %s"
                          % (timeout, ", ".join(i.name for i in pending)))
            if pending:
                time.sleep(0.05)

    def with_fresh_ports(self, start, attempts=4):
        """Calls start() until it does not raise PortCollision, stopping what it started."""
        for attempt in range(attempts):
            mark = len(self.instances)
            try:
                return start()
            except PortCollision as e:
                sys.stderr.write(f"port collision (attempt {attempt + 1}), retrying: {e}\n")
                for inst in self.instances[mark:]:
                    inst.stop(signal.SIGKILL)
                del self.instances[mark:]
        self.fail(f"could not find free ports in {attempts} attempts")

    def stop_all(self):
        """Stops every running instance; returns what did not exit with status 0."""
        unclean = []
        for inst in reversed(self.instances):
            if inst.alive():
                status = inst.stop()
                if status != 0:
                    unclean.append(f"{inst.name} (exit status {status})")
        return unclean

    # ---- waiting

    def wait_until(self, condition, what, timeout=HANG_GUARD_SECONDS, interval=0.05):
        """Polls condition() until it returns something truthy, and returns that. Fails after
        `timeout` seconds (a hang guard, not a performance limit)."""
        deadline = time.monotonic() + timeout
        while True:
            value = condition()
            if value:
                return value
            if time.monotonic() > deadline:
                self.fail(f"hang guard: after {timeout}s still waiting for {what}")
            time.sleep(interval)

    def wait_for_log(self, inst, pattern, count=1, timeout=HANG_GUARD_SECONDS):
        """Waits until `inst`'s log has `count` lines matching the regex `pattern`; returns the
        last match. Fails early if the process exits first."""
        def seen():
            matches = list(re.finditer(pattern, inst.log(), re.MULTILINE))
            if len(matches) >= count:
                return matches[count - 1]
            if not inst.alive():
                # It may have written the line just before exiting.
                matches = list(re.finditer(pattern, inst.log(), re.MULTILINE))
                if len(matches) >= count:
                    return matches[count - 1]
                self.fail(f"{inst.name} exited with status {inst.returncode()} while waiting "
                          f"for /{pattern}/ x{count}")
            return None
        return self.wait_until(seen, f"/{pattern}/ x{count} in the log of {inst.name}", timeout)

    def assert_alive(self, *instances):
        for inst in instances:
            self.assertTrue(inst.alive(), f"{inst.name} died (status {inst.returncode()})")

    # ---- the echo client

    def echo(self, host, port, count, start=1, netns=None, timeout_ms=30000):
        """Runs echo_client; returns (exit status, [(x, member, y)], output)."""
        argv = [binary("echo_client"), f"--connect={host}:{port}", f"--count={count}",
                f"--start={start}", f"--timeout_ms={timeout_ms}"]
        if netns is not None:
            argv = ["ip", "netns", "exec", netns] + argv
        # Hang guard: every reply has its own timeout; give the whole run plenty more.
        guard = 60 + count * timeout_ms / 1000.0
        proc = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, timeout=guard, preexec_fn=_die_with_parent)
        out = proc.stdout.decode("utf-8", "replace")
        replies = [(int(a), int(m), int(b))
                   for a, m, b in re.findall(r"^(-?\d+) -> member (\d+): (-?\d+)$", out, re.M)]
        return proc.returncode, replies, out

    def assert_echo_ok(self, host, port, count, start=1, members=None, netns=None):
        """echo_client gets every reply right; with `members`, replies came from each of them."""
        status, replies, out = self.echo(host, port, count, start=start, netns=netns)
        self.assertEqual(status, 0, f"echo_client failed:\n{out}")
        self.assertEqual([x for x, _, _ in replies], list(range(start, start + count)), out)
        for x, _, y in replies:
            self.assertEqual(y, 2 * x, out)
        if members is not None:
            self.assertEqual({m for _, m, _ in replies}, set(members),
                             f"replies did not come from every member:\n{out}")
        return replies


def connected_re(peer):
    """A log line of a connection with `peer` (e.g. "workers/1") opening, on either side: the
    dialer logs "connected to P at HOST:PORT", the acceptor "connected to P (it dialed us)"."""
    return r"info: connected to " + re.escape(peer) + r" (?:at |\()"


def connection_re(host="127.0.0.1"):
    """How a log line names a peer connection: "connection with HOST:PORT" before the peer said
    who it is, "connection with NAME (HOST:PORT)" after."""
    return r"connection with (?:\S+ \()?" + re.escape(host) + r":\d+\)?"


def connected_count(inst, peer):
    """How often `inst` logged that a connection with `peer` (e.g. "workers/1") opened."""
    return inst.count(connected_re(peer))


# ----------------------------------------------------------------------------- key-value store
#
# eddy-kvs (tools/eddy-kvs) speaks the Redis protocol. KvsLayout places its replicated form
# (locations "coordinator", "members" and "clients" with port "resp"); KvsTestCase.start_kvs_*
# start it; RespConnection is a raw-socket client that reads replies exactly as sent, for the
# tests that check bytes on the wire. The Redis client library (redis-py) is imported only by
# the tests that use it, so the other tests keep needing nothing beyond the standard library.

class KvsLayout:
    """Where a replicated key-value store's coordinator, members and RESP port live."""

    def __init__(self, members, host="127.0.0.1"):
        self.host = host
        self.n = members
        self.coordinator = free_port(host)
        self.members = [free_port(host) for _ in range(members)]
        self.resp = free_port(host)

    def yaml(self):
        members = ", ".join(f"{self.host}:{p}" for p in self.members)
        return ("locations:\n"
                "  coordinator:\n"
                f"    process: {self.host}:{self.coordinator}\n"
                "  members:\n"
                f"    members: [{members}]\n"
                "  clients:\n"
                "    ports:\n"
                f"      resp: {self.host}:{self.resp}\n")


class RespError(Exception):
    """An error reply ("-ERR ...") read by RespConnection; str() is its text."""


class RespConnection:
    """A raw RESP2 client on one TCP connection: sends bytes as given, parses replies.

    Every read has the hang guard as its timeout."""

    def __init__(self, port, host="127.0.0.1", timeout=HANG_GUARD_SECONDS):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.buf = b""

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def send(self, data):
        self.sock.sendall(data)

    def command(self, *args):
        """Sends one command as a multibulk array and returns its reply (RespError for an
        error reply, returned, not raised)."""
        self.send(encode_command(*args))
        return self.reply()

    def _fill(self):
        data = self.sock.recv(65536)
        if not data:
            raise EOFError(f"connection closed by the server; unparsed bytes: {self.buf!r}")
        self.buf += data

    def _line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def reply(self):
        """The next reply: str (+simple), RespError (-error), int (:integer), bytes or None
        ($bulk), list or None (*array)."""
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            return RespError(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            if n < 0:
                return None
            while len(self.buf) < n + 2:
                self._fill()
            data, self.buf = self.buf[:n], self.buf[n + 2:]
            return data
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self.reply() for _ in range(n)]
        raise AssertionError(f"not a RESP reply: {line!r}")

    def read_all_until_closed(self):
        """Everything the server sends until it closes the connection (hang guard: the socket
        timeout raises if it never does)."""
        data, self.buf = self.buf, b""
        while True:
            chunk = self.sock.recv(65536)
            if not chunk:
                return data
            data += chunk


def encode_command(*args):
    """One command as a RESP multibulk array; arguments may be str, bytes or int."""
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if isinstance(a, int):
            a = str(a)
        if isinstance(a, str):
            a = a.encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def _kvs_ready_lines(members):
    """What a replicated store logs, per instance, once every connection it needs is open."""
    needs = {"coordinator": [f"members/{m}" for m in range(members)]}
    for m in range(members):
        needs[f"members/{m}"] = ["coordinator"] + [f"members/{o}" for o in range(members)
                                                   if o != m]
    return needs


def close_redis(client):
    """Closes a redis-py client's connections (its close() only returns them to its pool)."""
    client.close()
    client.connection_pool.disconnect()


class KvsTestCase(EddyTestCase):
    """An EddyTestCase that starts eddy-kvs, local or replicated, on free ports."""

    def start_kvs_local(self, extra=()):
        """Starts `eddy-kvs --mode=local` on a free port; returns (instance, RESP port)."""
        def start():
            port = free_port()
            inst = self.start("eddy-kvs", [binary("eddy-kvs"), "--mode=local",
                                           f"--resp-port={port}"] + list(extra))
            self.wait_running([inst])
            return inst, port
        return self.with_fresh_ports(start)

    def start_kvs_replicated(self, members=3, extra=(), deploy=False):
        """Starts a replicated store: each instance directly, or all under eddy-deploy. Waits
        until the coordinator and every member are connected to all they talk to. Returns
        ({name: instance} (or {"eddy-deploy": instance}), RESP port)."""
        def start():
            layout = KvsLayout(members)
            topology = self.write("kvs.yaml", layout.yaml())
            args = ["--mode=replicated"] + list(extra)
            if deploy:
                inst = self.start("eddy-deploy", [binary("eddy-deploy"), topology, "--",
                                                  binary("eddy-kvs")] + args)
                self._wait_deploy_ready(inst, members)
                return {"eddy-deploy": inst}, layout.resp
            started = {"coordinator": self.start_instance("eddy-kvs", topology, "coordinator",
                                                          extra=args)}
            for m in range(members):
                started[f"members/{m}"] = self.start_instance("eddy-kvs", topology, "members",
                                                              member=m, extra=args)
            self.wait_running(list(started.values()))
            for name, peers in _kvs_ready_lines(members).items():
                for peer in peers:
                    self.wait_for_log(started[name], connected_re(peer))
            return started, layout.resp
        return self.with_fresh_ports(start)

    def _wait_deploy_ready(self, deploy, members):
        def ready():
            text = deploy.log()
            if not deploy.alive():
                if "cannot listen on" in text and "in use" in text:
                    raise PortCollision(text)
                self.fail(f"eddy-deploy exited with status {deploy.returncode()}:\n{text}")
            for name, peers in _kvs_ready_lines(members).items():
                for peer in peers:
                    if not re.search(r"^\[" + re.escape(name) + r"\] " + connected_re(peer),
                                     text, re.M):
                        return False
            return True
        self.wait_until(ready, "every instance of the store connected to its peers")

    # ---- faults

    def kill(self, inst):
        """Kills `inst` with SIGKILL (a crash: nothing of it runs on the way out) and reaps it."""
        inst.send(signal.SIGKILL)
        inst.popen.wait(HANG_GUARD_SECONDS)

    def restart_member(self, member, args):
        """Starts members/<member> of the replicated store started by start_kvs_replicated
        again, with --mode=replicated and `args`; waits until it runs (not until it is
        connected: see wait_member_connected)."""
        topology = os.path.join(self.tmp, "kvs.yaml")
        inst = self.start_instance("eddy-kvs", topology, "members", member=member,
                                   extra=["--mode=replicated"] + list(args))
        self.wait_running([inst])
        return inst

    def wait_member_connected(self, coordinator, member):
        """Returns a function that waits until the coordinator has (re)connected to
        members/<member> once more than now; call this before the member restarts."""
        before = connected_count(coordinator, f"members/{member}")
        return lambda: self.wait_for_log(coordinator, connected_re(f"members/{member}"),
                                         count=before + 1)

    # ---- clients

    def redis_cli(self, port, *args, stdin=None, extra=("--no-raw",)):
        """Runs the real redis-cli; returns (exit status, stdout + stderr as text)."""
        path = shutil.which("redis-cli")
        if path is None:
            raise AssertionError("redis-cli is not installed (tools/setup installs it)")
        proc = subprocess.run([path, "-h", "127.0.0.1", "-p", str(port)] + list(extra) +
                              [str(a) for a in args],
                              input=stdin.encode() if isinstance(stdin, str) else stdin,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              timeout=HANG_GUARD_SECONDS, preexec_fn=_die_with_parent)
        return proc.returncode, proc.stdout.decode("utf-8", "replace")

    def redis(self, port, **kwargs):
        """A redis-py client on one connection of its own (closed at the end of the test)."""
        import redis  # python3-redis, installed by tools/setup
        client = redis.Redis(host="127.0.0.1", port=port, socket_timeout=HANG_GUARD_SECONDS,
                             socket_connect_timeout=HANG_GUARD_SECONDS,
                             single_connection_client=True, **kwargs)
        self.addCleanup(close_redis, client)
        return client

    def eddy_members(self, port):
        """EDDY.MEMBERS on a fresh connection: [(member id, live keys, digest)] (fields after
        the digest, such as the count of ops routed to the member, are left out). A member the
        coordinator counts as down has None for its keys and digest."""
        with RespConnection(port) as conn:
            rows = conn.command("EDDY.MEMBERS")
        if isinstance(rows, RespError):
            self.fail(f"EDDY.MEMBERS failed: {rows}")
        for row in rows:
            self.assertGreaterEqual(len(row), 3, f"EDDY.MEMBERS row {row!r}")
        return [(row[0], row[1], None if row[2] is None else row[2].decode()) for row in rows]

    def wait_tombstones_collected(self, port, members):
        """Polls EDDY.MEMBERS until `members` members each hold no tombstone (its fifth
        field): the stable stamp passed every delete (docs/consistency.md)."""
        last = []

        def collected():
            with RespConnection(port) as conn:
                rows = conn.command("EDDY.MEMBERS")
            if isinstance(rows, RespError):
                self.fail(f"EDDY.MEMBERS failed: {rows}")
            last[:] = rows
            return len(rows) == members and all(len(r) >= 5 and r[4] == 0 for r in rows)
        try:
            self.wait_until(collected, f"{members} members holding no tombstone", interval=0.1)
        except AssertionError as e:
            raise AssertionError(f"{e}; last EDDY.MEMBERS: {last}") from None

    def read_from(self, port, member, keys):
        """{key: value or None} as member `member` has them (EDDY.GETFROM, pipelined on one
        fresh connection)."""
        with RespConnection(port) as conn:
            conn.send(b"".join(encode_command("EDDY.GETFROM", member, k) for k in keys))
            out = {}
            for k in keys:
                reply = conn.reply()
                if isinstance(reply, RespError):
                    self.fail(f"EDDY.GETFROM {member} {k}: {reply}")
                out[k] = reply
            return out

    def wait_converged(self, port, members):
        """Polls EDDY.MEMBERS until `members` members report the same digest and key count
        (gossip may lag a moment); returns the rows."""
        last = []

        def converged():
            rows = self.eddy_members(port)
            last[:] = rows
            if len(rows) != members:
                return None
            if len({(count, digest) for _, count, digest in rows}) != 1 or rows[0][2] is None:
                return None
            return rows
        try:
            return self.wait_until(converged, f"{members} members with equal digests",
                                   interval=0.1)
        except AssertionError as e:
            raise AssertionError(f"{e}; last EDDY.MEMBERS: {last}") from None


# A log line at level warning or error, with or without an instance prefix ("[members/0] ",
# "coordinator ").
LOG_PROBLEM_RE = re.compile(r"^(?:\[[^\]]+\] )?(?:\S+ )?(?:warning|error): .*$", re.M)


def log_problems(text):
    """The warning and error lines of a log."""
    return LOG_PROBLEM_RE.findall(text)
