"""The real redis-cli drives every command eddy-kvs supports, against the local store and the
replicated one (3 members): replies as redis-cli shows them, Redis 7's error texts, the
connection staying usable after every error reply, redis-cli's pipe mode, and a RESP protocol
error closing only the connection that made it.

Every store here runs with --max-value-bytes=64, so the limit is easy to cross.
"""

import re

import harness
from harness import KvsTestCase, RespConnection, RespError, encode_command

MAX_VALUE = 64


class RedisCliCases:
    """The cases, run against each mode by the classes at the bottom. start_store() starts a
    fresh, empty store and returns its RESP port."""

    MODE = None
    MEMBERS = None

    def cli(self, *args, stdin=None):
        status, out = self.redis_cli(self.port, *args, stdin=stdin)
        self.assertEqual(status, 0, f"redis-cli {' '.join(map(str, args))} failed:\n{out}")
        return out

    def assert_cli(self, args, expected):
        """redis-cli ARGS prints exactly `expected` (one string per line)."""
        self.assertEqual(self.cli(*args).splitlines(), expected, f"redis-cli {' '.join(args)}")

    def assert_session(self, steps):
        """redis-cli, reading commands from stdin, sends them all on one connection (so, in
        the replicated store, each sees the writes before it); `steps` pairs each command line
        with the lines redis-cli prints for its reply."""
        out = self.cli(stdin="".join(command + "\n" for command, _ in steps))
        expected = [line for _, lines in steps for line in lines]
        self.assertEqual(out.splitlines(), expected,
                         "redis-cli session:\n" + "\n".join(c for c, _ in steps))

    def eventually_cli(self, args, expected):
        """redis-cli ARGS on a new connection prints `expected` once gossip has brought every
        member up to date (another connection's writes may take a moment to show)."""
        self.wait_until(lambda: self.cli(*args).splitlines() == expected,
                        f"redis-cli {' '.join(args)} to print {expected}")

    def setUp(self):
        super().setUp()
        self.port = self.start_store()

    # ---- every supported command

    def test_ping_and_echo(self):
        self.assert_cli(["PING"], ["PONG"])
        self.assert_cli(["PING", "hello there"], ['"hello there"'])
        self.assert_cli(["ECHO", "a\tb"], ['"a\\tb"'])

    def test_set_get_and_a_missing_key(self):
        self.assert_cli(["GET", "k"], ["(nil)"])
        self.assert_cli(["SET", "k", "v1"], ["OK"])
        self.eventually_cli(["GET", "k"], ['"v1"'])
        self.assert_session([
            ("GET k", ['"v1"']),
            ("SET k v2", ["OK"]),
            ("GET k", ['"v2"']),
            ('SET empty ""', ["OK"]),
            ("GET empty", ['""']),
            ('SET "with space" "a b"', ["OK"]),
            ('GET "with space"', ['"a b"']),
        ])

    def test_mset_mget_exists_del_dbsize(self):
        self.assert_session([
            ("DBSIZE", ["(integer) 0"]),
            ("MSET a 1 b 2 c 3", ["OK"]),
            ("MGET a missing c b", ['1) "1"', "2) (nil)", '3) "3"', '4) "2"']),
            # EXISTS counts a key once per time it is named, as Redis does.
            ("EXISTS a b missing a", ["(integer) 3"]),
            ("EXISTS missing", ["(integer) 0"]),
            ("DBSIZE", ["(integer) 3"]),
            ("DEL a missing c", ["(integer) 2"]),
            ("DEL a", ["(integer) 0"]),
            ("MGET a b c", ["1) (nil)", '2) "2"', "3) (nil)"]),
            ("DBSIZE", ["(integer) 1"]),
        ])
        self.eventually_cli(["MGET", "a", "b", "c"], ["1) (nil)", '2) "2"', "3) (nil)"])

    def test_info(self):
        out = self.cli("INFO")
        self.assertIn(f"eddy_mode:{self.MODE}", out)
        self.assertIn("eddy_lattice:lww", out)
        self.assertIn(f"eddy_members:{self.MEMBERS}", out)
        self.assertRegex(out, r"(?m)^connected_clients:1\r?$")
        self.assertRegex(out, r"(?m)^redis_version:\d+\.\d+\.\d+\r?$")

    def test_command_count_docs_and_list(self):
        self.assert_cli(["COMMAND", "DOCS"], ["(empty array)"])
        names = re.findall(r'^\s*\d+\) 1\) "([a-z.]+)"$', self.cli("COMMAND"), re.M)
        for name in ["get", "set", "del", "mget", "mset", "exists", "dbsize", "eddy.members",
                     "ping", "echo", "info", "command", "config", "client", "select", "quit"]:
            self.assertIn(name, names)
        self.assertEqual(len(names), len(set(names)), names)
        self.assert_cli(["COMMAND", "COUNT"], [f"(integer) {len(names)}"])
        out = self.cli("COMMAND", "NOPE")
        self.assertIn("ERR unknown subcommand 'NOPE'. Try COMMAND HELP.", out)

    def test_config_get(self):
        self.assert_cli(["CONFIG", "GET", "save"], ['1) "save"', '2) ""'])
        self.assert_cli(["CONFIG", "GET", "appendonly"], ['1) "appendonly"', '2) "no"'])
        self.assert_cli(["CONFIG", "GET", "maxmemory"], ["(empty array)"])
        self.assertIn("ERR unknown subcommand 'SET'. Try CONFIG HELP.",
                      self.cli("CONFIG", "SET", "save", ""))

    def test_client_setname_getname_select_on_one_connection(self):
        # redis-cli reading commands from stdin sends them all on one connection.
        out = self.cli(stdin="CLIENT GETNAME\nCLIENT SETNAME cli-test\nCLIENT GETNAME\n"
                             "SELECT 0\nCLIENT GETNAME\n")
        self.assertEqual(out.splitlines(), ["(nil)", "OK", '"cli-test"', "OK", '"cli-test"'])
        # A new connection has no name.
        self.assert_cli(["CLIENT", "GETNAME"], ["(nil)"])
        self.assertIn("ERR Client names cannot contain spaces, newlines or special characters.",
                      self.cli("CLIENT", "SETNAME", "a b"))

    def test_quit(self):
        # (redis-cli's own prompt handles a typed QUIT itself; as an argument it is sent.)
        self.assert_cli(["QUIT"], ["OK"])

    def test_eddy_members(self):
        self.assert_cli(["MSET", "x", "1", "y", "2"], ["OK"])
        rows = self.wait_converged(self.port, self.MEMBERS)
        self.assertEqual([m for m, _, _ in rows], list(range(self.MEMBERS)))
        for _, count, digest in rows:
            self.assertEqual(count, 2)
            self.assertRegex(digest, r"^[0-9a-f]{16}$")
        out = self.cli("EDDY.MEMBERS")
        self.assertEqual(len(re.findall(r'^\s*3\) "[0-9a-f]{16}"$', out, re.M)), self.MEMBERS, out)
        # The digest covers contents: a change makes it differ.
        digest = rows[0][2]
        self.assert_cli(["SET", "x", "changed"], ["OK"])
        changed = self.wait_converged(self.port, self.MEMBERS)
        self.assertNotEqual(changed[0][2], digest)

    def test_pipe_mode(self):
        n = 500
        payload = b"".join(encode_command("SET", f"pipe:{i}", f"value-{i}") for i in range(n))
        payload += b"".join(encode_command("GET", f"pipe:{i}") for i in range(n))
        status, out = self.redis_cli(self.port, "--pipe", stdin=payload, extra=())
        self.assertEqual(status, 0, out)
        self.assertIn(f"errors: 0, replies: {2 * n}", out)
        self.eventually_cli(["MGET", "pipe:0", "pipe:250", f"pipe:{n - 1}"],
                            ['1) "value-0"', '2) "value-250"', f'3) "value-{n - 1}"'])
        self.eventually_cli(["DBSIZE"], [f"(integer) {n}"])

    # ---- errors: redis-cli shows Redis's texts

    def test_error_replies_as_redis_cli_shows_them(self):
        self.assert_session([
            ("FOO bar baz",
             ["(error) ERR unknown command 'FOO', with args beginning with: 'bar' 'baz' "]),
            ("GET", ["(error) ERR wrong number of arguments for 'get' command"]),
            ("SELECT 1", ["(error) ERR DB index is out of range"]),
            ("SET k v EX 10", ["(error) ERR syntax error: eddy's SET takes a key and a value, "
                               "without options (EX, PX, NX, XX, KEEPTTL, GET)"]),
            (f"SET big {'x' * (MAX_VALUE + 1)}",
             [f"(error) ERR value of {MAX_VALUE + 1} bytes is over the limit of {MAX_VALUE} "
              "bytes"]),
            ("PING", ["PONG"]),
            # Nothing refused was written.
            ("EXISTS k big", ["(integer) 0"]),
        ])

    # ---- errors: exact bytes, and the same connection keeps working after each

    def test_each_error_keeps_the_connection_usable(self):
        cases = [
            (["NOSUCH"], "ERR unknown command 'NOSUCH', with args beginning with: "),
            (["nosuch", "a", "b"], "ERR unknown command 'nosuch', with args beginning with: "
                                   "'a' 'b' "),
            (["GET"], "ERR wrong number of arguments for 'get' command"),
            (["GET", "a", "b"], "ERR wrong number of arguments for 'get' command"),
            (["SET", "k"], "ERR wrong number of arguments for 'set' command"),
            (["MSET", "a", "1", "b"], "ERR wrong number of arguments for 'mset' command"),
            (["DBSIZE", "x"], "ERR wrong number of arguments for 'dbsize' command"),
            (["SELECT", "1"], "ERR DB index is out of range"),
            (["SELECT", "x"], "ERR value is not an integer or out of range"),
            (["SET", "k", "v", "NX"], "ERR syntax error: eddy's SET takes a key and a value, "
                                      "without options (EX, PX, NX, XX, KEEPTTL, GET)"),
            (["SET", "k", "v", "EX", "10"], "ERR syntax error: eddy's SET takes a key and a "
                                            "value, without options (EX, PX, NX, XX, KEEPTTL, "
                                            "GET)"),
            (["SET", "k", b"x" * (MAX_VALUE + 1)],
             f"ERR value of {MAX_VALUE + 1} bytes is over the limit of {MAX_VALUE} bytes"),
            (["MSET", "k", "small", "k2", b"y" * (MAX_VALUE + 100)],
             f"ERR value of {MAX_VALUE + 100} bytes is over the limit of {MAX_VALUE} bytes"),
        ]
        with RespConnection(self.port) as conn:
            self.assertEqual(conn.command("SET", "kept", "1"), "OK")
            for i, (args, text) in enumerate(cases):
                reply = conn.command(*args)
                self.assertIsInstance(reply, RespError, f"{args!r} got {reply!r}")
                self.assertEqual(str(reply), text, args)
                # Still usable, and still the same session: it sees its own writes.
                self.assertEqual(conn.command("PING"), "PONG", f"after {args!r}")
                self.assertEqual(conn.command("SET", "after", str(i)), "OK", f"after {args!r}")
                self.assertEqual(conn.command("GET", "after"), str(i).encode(), f"after {args!r}")
            # Refused writes wrote nothing; a value of exactly the limit is fine.
            self.assertEqual(conn.command("EXISTS", "k", "k2"), 0)
            self.assertEqual(conn.command("SET", "k", b"z" * MAX_VALUE), "OK")
            self.assertEqual(conn.command("GET", "k"), b"z" * MAX_VALUE)
            self.assertEqual(conn.command("GET", "kept"), b"1")

    def test_protocol_error_closes_only_that_connection(self):
        other = self.redis(self.port)
        self.assertTrue(other.set("before", "1"))
        with RespConnection(self.port) as bad:
            bad.send(b"*x\r\n")
            self.assertEqual(bad.read_all_until_closed(),
                             b"-ERR Protocol error: invalid multibulk length\r\n")
        with RespConnection(self.port) as bad:
            bad.send(b"*1\r\n$abc\r\n")
            self.assertEqual(bad.read_all_until_closed(),
                             b"-ERR Protocol error: invalid bulk length\r\n")
        # A client that was connected before, and a new one, are served as if nothing happened.
        self.assertEqual(other.get("before"), b"1")
        self.assertTrue(other.set("after", "2"))
        self.eventually_cli(["MGET", "before", "after"], ['1) "1"', '2) "2"'])

    def test_protocol_error_is_answered_after_the_commands_before_it(self):
        # Redis answers every command that came before the bad bytes, in order, then the
        # protocol error, then closes. Here all of it arrives in one read.
        with RespConnection(self.port) as conn:
            conn.send(encode_command("SET", "pe", "1") + encode_command("GET", "pe") +
                      encode_command("PING") + b"*x\r\n")
            self.assertEqual(conn.read_all_until_closed(),
                             b"+OK\r\n$1\r\n1\r\n+PONG\r\n"
                             b"-ERR Protocol error: invalid multibulk length\r\n")


class LocalRedisCliTest(RedisCliCases, KvsTestCase):
    MODE = "local"
    MEMBERS = 1

    def start_store(self):
        _, port = self.start_kvs_local(extra=[f"--max-value-bytes={MAX_VALUE}"])
        return port


class ReplicatedRedisCliTest(RedisCliCases, KvsTestCase):
    MODE = "replicated"
    MEMBERS = 3

    def start_store(self):
        _, port = self.start_kvs_replicated(3, extra=[f"--max-value-bytes={MAX_VALUE}"])
        return port


if __name__ == "__main__":
    harness.main()
