"""What the set tests (test_sets.py, test_sets_durability.py) share: the default
set-max-intset-entries and the error strings they expect, array() and parse_bulks() for RESP
aggregates of bulks, and SetTestCase, command_case.py's CommandTestCase with unordered replies
compared. It has no tests of its own.
"""

from command_case import CommandTestCase, bulk

DEFAULT_INTSET_ENTRIES = 512
WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"
NOT_INTEGER = "ERR value is not an integer or out of range"
NOT_POSITIVE = "ERR value is out of range, must be positive"


def array(items, kind=b"*"):
    return kind + b"%d\r\n" % len(items) + b"".join(bulk(i) for i in items)


def parse_bulks(reply):
    """The elements of a flat aggregate of bulks ('*' or '~') as (type byte, [bytes, ...])."""
    kind, rest = reply[:1], reply[1:]
    header, rest = rest.split(b"\r\n", 1)
    items = []
    for _ in range(int(header)):
        assert rest[:1] == b"$", rest[:20]
        size, rest = rest[1:].split(b"\r\n", 1)
        items.append(rest[:int(size)])
        rest = rest[int(size) + 2:]
    assert rest == b"", rest[:20]
    return kind, items


class SetTestCase(CommandTestCase):
    """A flushed server's clients (command_case.py), and unordered replies compared."""

    def assertUnordered(self, args, expected, kind=b"*"):
        """An aggregate reply of bulks, compared as a sorted list (hashtable order)."""
        got_kind, items = parse_bulks(self.cmd(*args))
        self.assertEqual((got_kind, sorted(items)), (kind, sorted(expected)), args)

    def encoding(self, key):
        return self.r.object("ENCODING", key)
