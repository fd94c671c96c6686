"""COMMAND INFO and COMMAND GETKEYS against redis-server 7.0.15 side by side.

Clients read COMMAND for more than help: cluster clients and proxies take key positions from
first/last/step and call COMMAND GETKEYS for commands flagged movablekeys; ACL tooling reads the
categories. For every command basalt has, its name, arity, flags, first/last/step and
categories must be Redis's. (Key-spec flags, tips and subcommands are not compared: basalt
derives its key-spec flags, a known difference.)
"""

import basalt_testlib as lib
import diff_shared


def parse(data, i=0):
    """One RESP2 reply from `data` at `i`: (value, next index). Strings decode as text."""
    kind, end = data[i:i + 1], data.index(b"\r\n", i)
    if kind in (b"+", b"-", b":"):
        return data[i + 1:end].decode(), end + 2
    if kind == b"$":
        size = int(data[i + 1:end])
        if size < 0:
            return None, end + 2
        return data[end + 2:end + 2 + size].decode(), end + 4 + size
    assert kind == b"*", data[i:i + 20]
    items, pos = [], end + 2
    for _ in range(int(data[i + 1:end])):
        item, pos = parse(data, pos)
        items.append(item)
    return items, pos


def query(port, *args):
    with lib.RawConnection(port) as c:
        return parse(c.command(*args))[0]


# COMMAND GETKEYS calls whose keys a proxy must find, the numkeys ones most of all.
GETKEYS_CALLS = [
    ("get", "a"), ("mset", "a", "1", "b", "2"), ("zunion", "2", "a", "b", "WEIGHTS", "1", "2"),
    ("zinterstore", "d", "2", "a", "b"), ("zdiffstore", "d", "1", "a"), ("zintercard", "2", "a", "b"),
    ("sintercard", "2", "a", "b", "LIMIT", "1"), ("lmpop", "2", "a", "b", "LEFT"),
    ("blmpop", "0", "1", "a", "RIGHT", "COUNT", "2"), ("zmpop", "1", "z", "MIN"),
    ("bzmpop", "1.5", "2", "y", "z", "MAX"), ("blpop", "a", "b", "0"), ("lcs", "a", "b"),
    ("bitop", "AND", "d", "a", "b"), ("zunion", "3", "a", "b"), ("zunion", "0", "a"),
    ("sintercard", "x", "a"), ("ping",), ("echo", "a"),
    ("sort", "s", "BY", "w_*", "LIMIT", "0", "5", "GET", "#", "STORE", "d"),
    ("sort", "s", "STORE", "d1", "ALPHA", "STORE", "d2"), ("sort", "s", "GET", "store", "DESC"),
    ("sort", "s", "LIMIT", "store", "x", "STORE"), ("sort_ro", "s", "STORE", "d"),
    ("fcall", "f", "2", "a", "b", "c"), ("fcall", "f", "0"), ("fcall", "f", "3", "a"),
    ("fcall_ro", "f", "1", "a"), ("eval", "s", "0"), ("evalsha_ro", "s", "2", "a"),
]


class CommandInfoTest(diff_shared.SideBySide, lib.unittest.TestCase):
    def test_every_command_is_described_as_redis_describes_it(self):
        names = [n for n in query(self.basalt.port, "COMMAND", "LIST") if "|" not in n]
        ours = query(self.basalt.port, "COMMAND", "INFO", *names)
        theirs = query(self.redis.port, "COMMAND", "INFO", *names)
        differences = [f"{name}: basalt {mine[1:7]}, redis {reference[1:7]}"
                       for name, mine, reference in zip(names, ours, theirs)
                       if reference is not None and mine[1:7] != reference[1:7]]
        self.assertFalse(differences, "\n".join(differences))
        self.assertGreater(len(names), 150)

    def test_getkeys_finds_what_redis_finds(self):
        for call in GETKEYS_CALLS:
            with self.subTest(call=call):
                self.assertEqual(query(self.basalt.port, "COMMAND", "GETKEYS", *call),
                                 query(self.redis.port, "COMMAND", "GETKEYS", *call))


if __name__ == "__main__":
    lib.main()
