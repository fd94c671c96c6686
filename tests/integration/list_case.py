"""What the list tests (test_lists.py, test_lists_durability.py) share: the error strings and
limits they expect, array() for a RESP array, and ListTestCase, command_case.py's CommandTestCase
with a whole-list check. It has no tests of its own.
"""

from command_case import CommandTestCase, bulk

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"
NOT_INTEGER = "ERR value is not an integer or out of range"
MUST_BE_POSITIVE = "ERR value is out of range, must be positive"
RANK_ZERO = ("ERR RANK can't be zero: use 1 to start from the first match, 2 from the second "
             "... or use negative to start from the end of the list")
LLONG_MAX = "9223372036854775807"
LLONG_MIN = "-9223372036854775808"


def array(*items):
    """A RESP array of bulks (bytes) or of already encoded replies (given as a tuple ("raw",
    bytes))."""
    out = b"*%d\r\n" % len(items)
    for item in items:
        out += item[1] if isinstance(item, tuple) else bulk(item)
    return out


class ListTestCase(CommandTestCase):
    """A flushed server's clients (command_case.py), and a whole-list check."""

    def assertList(self, key, expected):
        self.assertEqual(self.r.lrange(key, 0, -1), expected, key)
