"""What the hash tests (test_hashes.py, test_hashes_durability.py) share: redis-server 7.0's
hash-max-listpack-entries default, the WRONGTYPE error, whether long double is x86-64's 80-bit
one, flat_pairs(), and HashTestCase, command_case.py's CommandTestCase. It has no tests of its
own.
"""

import platform

from command_case import CommandTestCase

# redis-server 7.0's built-in defaults (its redis.conf says the same): hash-max-listpack-entries
# 512 (not the 128 some documentation gives) and hash-max-listpack-value 64.
DEFAULT_ENTRIES = 512
WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"
X86_64_LONG_DOUBLE = platform.machine() in ("x86_64", "AMD64")


def flat_pairs(items):
    """[f1, v1, f2, v2, ...] as [(f1, v1), (f2, v2), ...]."""
    return list(zip(items[::2], items[1::2]))


class HashTestCase(CommandTestCase):
    """A flushed server's clients (command_case.py)."""
