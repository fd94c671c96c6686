"""What the sorted-set tests (test_sorted_sets.py, test_sorted_sets_keys.py,
test_sorted_sets_blocking.py, test_sorted_sets_durability.py) share: redis-server 7.0's
zset-max-listpack-entries and zset-max-listpack-value defaults, the error strings they expect,
double() for a RESP3 double, and ZsetTestCase, command_case.py's CommandTestCase with ZADD from
flat pairs and a skiplist maker. It has no tests of its own.
"""

from command_case import CommandTestCase

DEFAULT_ENTRIES = 128  # zset-max-listpack-entries, redis-server 7.0's default
DEFAULT_VALUE = 64     # zset-max-listpack-value
WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"
NOT_FLOAT = "ERR value is not a valid float"
NOT_INTEGER = "ERR value is not an integer or out of range"
SYNTAX = "ERR syntax error"
MINMAX_FLOAT = "ERR min or max is not a float"
MINMAX_LEX = "ERR min or max not valid string range item"
NAN_SCORE = "ERR resulting score is not a number (NaN)"


def double(text):
    return b"," + text.encode() + b"\r\n"


class ZsetTestCase(CommandTestCase):
    """A flushed server's clients (command_case.py), and ZADD from flat pairs."""

    def zadd(self, key, *pairs):
        """ZADD of (score, member) pairs given flat: zadd("z", 1, "a", 2, "b")."""
        return self.r.execute_command("ZADD", key, *pairs)

    def skiplist(self, key, *pairs):
        """A sorted set of the given pairs made a skiplist (by a long member it then loses)."""
        self.zadd(key, 0, "L" * 65, *pairs)
        self.r.zrem(key, "L" * 65)
        self.assertEqual(self.encoding(key), b"skiplist")
