"""Differential test: basalt and redis-server 7.0.15 get the same random command streams and
must give the same replies, byte for byte.

Both servers run side by side on free loopback ports. For every seed (fixed, so a failure
reproduces) and for RESP2 and RESP3 (after `HELLO 3`), one connection to each server receives
the same stream: a FLUSHALL, then COMMANDS_PER_SEED commands drawn from FAMILIES with
random.Random(f"resp{protocol}-seed{seed}"), then a comparison of the whole dataset (keys,
values, TTL present or not, in all 16 databases). Every reply is parsed fully (a malformed
reply fails too); replies are compared as raw bytes, or, for commands whose replies legitimately
differ (TTLs, KEYS order), as parsed structures after the command's normalisation.

On a mismatch the failure names the seed, the protocol, the command's index, the command, both
replies and the ~10 commands before it. Environment knobs for a longer hunt or a replay:
BASALT_DIFF_SEEDS ("1-200" or "7,12"), BASALT_DIFF_COMMANDS (commands per seed and protocol),
BASALT_DIFF_KEEP_GOING=1 (list every mismatch at the end instead of stopping at the first;
later ones may follow from an earlier one) and BASALT_DIFF_WEIGHTS ("hashes=30,pubsub=0":
family weights replacing FAMILY_WEIGHTS's, for a hunt in one family; 0 leaves a family out;
a replay needs the same weights, since they change the streams).

The normalisations themselves are checked by running Redis against Redis: `--basalt
/usr/bin/redis-server` (redis-server takes basalt's command line) must pass any number of
seeds; a mismatch there is nondeterminism a normalisation misses.

Nondeterminism is kept out by construction: the key space is small (8 keys, databases 0-2
mostly) but every TTL is long; relative TTLs come from Context.relative_seconds(), which never
hands out two values closer than ~1000 s, and absolute ones are far future (or far past, only
where Redis deletes at once), so GT/LT comparisons never depend on the milliseconds between two
commands. RANDOMKEY runs only behind a DBSIZE <= 1 guard.

Transactions: MULTI, EXEC, DISCARD, WATCH and UNWATCH are drawn like any command; the stream
tracks, from Redis's replies, whether the connection is in MULTI and which commands were
QUEUED, so EXEC's array is compared element by element with each queued command's
normalisation, and a stream never ends inside MULTI. Commands of every family land in
transactions, queue-time errors (wrong arity, unknown commands) included.

Pub/sub: each stream also has a second pair of connections, the subscriber (after HELLO 3 too
in the RESP3 run). The pubsub family sends (P|S)SUBSCRIBE, (P|S)UNSUBSCRIBE, PING, ECHO and
GET to the subscriber pair (compared reply by reply; a subscriber in RESP2 refuses GET), and
PUBLISH, SPUBLISH and PUBSUB to the main pair, queued in MULTI or not. After every command of
the main pair that published (PUBLISH, SPUBLISH, or an EXEC running them), the messages the
subscriber received are read (as many as the PUBLISH replies count) and compared byte for
byte. Two orders are a hash table's in Redis and compared as sets: the confirmations of an
UNSUBSCRIBE / SUNSUBSCRIBE without arguments (names; the counts must still go down in order)
and the pmessages of one PUBLISH matching several patterns. PUNSUBSCRIBE without arguments is
compared as a set too, although Redis 7.0 answers in subscription order: basalt's hash order
there is a known difference (an expected failure in test_pubsub.py). The subscriber pair
RESETs before it closes, so no stream sees an earlier one's subscriptions.

How to add a command family (hashes, lists, ...):
  1. Write generator functions `gen_xxx(rng, ctx) -> Cmd`: rng is the stream's random.Random
     (use only it, so streams stay reproducible), ctx the Context with the key space, value
     pools and helpers (ctx.key(), ctx.value(), ctx.name("lpush") for random case, ...).
     Return Cmd(*args, normalize=...) where normalize maps a parsed reply (see parse_reply) to
     a comparable form when replies may legitimately differ (diff_core_family.py's
     sorted_elements, positive_ttl), and guard=(Cmd(...), predicate) to run the command only
     when the predicate holds for Redis's parsed reply to the guard command (also sent to both
     and compared); on="sub" sends it to the subscriber pair. ctx.queued (in MULTI or not) and
     ctx.subscriptions tell a generator the connections' state.
  2. Add `FAMILIES["name"] = [gen_xxx, (gen_yyy, 3), ...]` (a bare generator has weight 1)
     and the family's weight in FAMILY_WEIGHTS. A big family goes in a module of its own
     (diff_core_family.py: strings, keys, expiry and connection, diff_hash_family.py:
     hashes, diff_set_family.py: sets, diff_list_family.py: lists, diff_bit_family.py:
     bitmaps and LCS), whose generators get Cmd through a bind() call.
  3. Add the commands' arities to ARITY (the wrong-arity generator picks from it) and, for a
     new data type, teach dump_dataset to read its values.
  4. Run with a few hundred seeds (BASALT_DIFF_SEEDS=1-300). A mismatch that is basalt's bug
     gets an entry in KNOWN_DIFFERENCES (command predicate + why) until the C++ is fixed.
"""

import collections
import os
import random
import time

import basalt_testlib as lib
import diff_bit_family
import diff_core_family
import diff_hash_family
import diff_list_family
import diff_set_family
import diff_shared
import diff_sort_family
import diff_zset_family

SEEDS = range(1, 21)
COMMANDS_PER_SEED = 250
HISTORY = 10

DBS = (0, 1, 2)  # the databases commands mostly use; the dataset check reads all 16
ALL_DBS = range(16)

KEYS = (b"k0", b"k1", b"k2", b"k3", b"key:a", b"key:b", b"bin\x00\r\nkey", b"")

VALUES = (
    b"", b"0", b"1", b"-1", b"42", b"007", b"-0", b"+5", b" 3", b"3 ", b"10.0", b"3.14",
    b"-2.5", b"1e3", b"1.5e-3", b".5", b"5.", b"inf", b"-inf", b"nan", b"0x1f", b"1e308",
    b"9223372036854775807", b"-9223372036854775808", b"9223372036854775808", b"abc",
    b"hello world", b"\r\n", b"a\x00b", b"\x00", b"\xff\xfe\r\n\x00end", b"x" * 40,
    bytes(range(256))[::3],
)

GOOD_INTS = ("0", "1", "-1", "2", "7", "-3", "100", "-100", "1000000", "9223372036854775807",
             "-9223372036854775808")
BAD_INTS = diff_core_family.BAD_INTS  # SETRANGE's bad offsets too

# Absolute deadlines: far future (2100-01-01 and later), or far past (Redis deletes at once for
# EXPIREAT/PEXPIREAT/GETEX; SET keeps an expired key until active expiry finds it, which makes
# DBSIZE timing-dependent, so SET gets only future ones).
ABS_FUTURE_S = (4102444800, 4102444800 + 10**7, 5 * 10**9, 253402300799)
ABS_PAST_S = (0, 1, 1000, 1500000000)

# Redis 7.0 arities (negative: at least that many), for the wrong-arity generator.
ARITY = {
    "get": 2, "set": -3, "getex": -2, "getdel": 2, "getset": 3, "mget": -2, "mset": -3,
    "msetnx": -3, "append": 3, "setrange": 4, "getrange": 4, "strlen": 2, "incr": 2,
    "decr": 2, "incrby": 3, "decrby": 3, "incrbyfloat": 3, "setnx": 3, "setex": 4,
    "psetex": 4, "substr": 4, "del": -2, "unlink": -2, "exists": -2, "type": 2, "rename": 3,
    "renamenx": 3, "copy": -3, "move": 3, "touch": -2, "dbsize": 1, "select": 2, "swapdb": 3,
    "keys": 2, "randomkey": 1, "expire": -3, "pexpire": -3, "expireat": -3, "pexpireat": -3,
    "ttl": 2, "pttl": 2, "persist": 2, "expiretime": 2, "pexpiretime": 2, "ping": -1,
    "echo": 2, "flushdb": -1, "flushall": -1, "hello": -1, "client": -2, "config": -2,
    "command": -1, "multi": 1, "exec": 1, "discard": 1, "watch": -2, "unwatch": 1,
    "publish": 3, "spublish": 3, "subscribe": -2, "psubscribe": -2, "ssubscribe": -2,
    "pubsub": -2,
}
CONTAINERS = ("client", "config", "command")  # commands with subcommands
# (SUBSCRIBE & co. are in ARITY for the wrong-arity generator only: it sends them bare, so the
# main pair never enters subscribed mode.)

# (predicate(args), why) for command streams where basalt knowingly differs; empty today.
KNOWN_DIFFERENCES = []


# -- RESP replies -----------------------------------------------------------------------------

def parse_reply(data, pos=0):
    """Parses one RESP2/RESP3 reply at data[pos:]; returns (value, end). Values are tuples:
    (type byte, payload) with payload bytes for simple strings/errors/bulk (None for a null),
    int for integers, a list for aggregates ((key, value) pairs for maps and attributes)."""
    end = data.index(b"\r\n", pos)
    kind, line = data[pos:pos + 1], data[pos + 1:end]
    pos = end + 2
    if kind in (b"+", b"-", b",", b"("):
        return (kind, line), pos
    if kind == b":":
        return (kind, int(line)), pos
    if kind == b"_":
        assert line == b"", line
        return (kind, None), pos
    if kind == b"#":
        assert line in (b"t", b"f"), line
        return (kind, line), pos
    if kind in (b"$", b"=", b"!"):
        n = int(line)
        if n < 0:
            return (kind, None), pos
        assert data[pos + n:pos + n + 2] == b"\r\n", "bulk not followed by CRLF"
        return (kind, data[pos:pos + n]), pos + n + 2
    if kind in (b"*", b"~", b">", b"%", b"|"):
        n = int(line)
        if n < 0:
            return (kind, None), pos
        items = []
        for _ in range(n * 2 if kind in (b"%", b"|") else n):
            item, pos = parse_reply(data, pos)
            items.append(item)
        if kind in (b"%", b"|"):
            items = list(zip(items[::2], items[1::2]))
        return (kind, items), pos
    raise AssertionError(f"unknown RESP type {kind!r}")


def parse_whole(data):
    value, end = parse_reply(data)
    assert end == len(data), f"{len(data) - end} trailing bytes after the reply"
    return value


# -- commands and their generators --------------------------------------------------------------

class Cmd:
    """One command of a stream: its arguments, how to normalise its reply for comparison (None:
    raw bytes must be equal), an optional guard (Cmd, predicate on Redis's parsed reply) and
    the pair of connections it goes to: "main", or "sub" (the subscriber pair)."""

    def __init__(self, *args, normalize=None, guard=None, on="main"):
        self.args = [a.encode() if isinstance(a, str) else
                     str(a).encode() if isinstance(a, int) else a for a in args]
        self.normalize = normalize
        self.guard = guard
        self.on = on

    def name(self):
        return self.args[0].lower()

    def __str__(self):
        text = " ".join(show(a) for a in self.args)
        return f"[subscriber] {text}" if self.on == "sub" else text


def show(data, limit=200):
    text = repr(bytes(data))[2:-1]
    return text if len(text) <= limit else text[:limit] + f"...({len(data)} bytes)"


class Context:
    """What generators draw from: the key space, value pools and option helpers."""

    def __init__(self, rng, protocol):
        self.rng = rng
        self.protocol = protocol
        self.used_relative = set()
        # Kept by the Stream from Redis's replies: the commands QUEUED since MULTI (None when
        # the main connection is not in MULTI), and what the subscriber connection listens to.
        self.queued = None
        self.subscriptions = {kind: set() for kind in SUBSCRIPTION_KINDS.values()}

    def key(self):
        return self.rng.choice(KEYS)

    def keys(self, low=1, high=4):
        return [self.key() for _ in range(self.rng.randint(low, high))]

    def value(self):
        r = self.rng.random()
        if r < 0.1:
            return bytes(self.rng.randrange(256) for _ in range(self.rng.randint(0, 20)))
        if r < 0.12:
            return bytes([self.rng.randrange(256)]) * self.rng.randint(100, 5000)
        return self.rng.choice(VALUES)

    def name(self, word):
        """A command or option name, in random case now and then (both servers ignore case)."""
        r = self.rng.random()
        if r < 0.1:
            return word.lower()
        if r < 0.2:
            return "".join(c.upper() if self.rng.random() < 0.5 else c.lower() for c in word)
        return word.upper()

    def int_arg(self, good=0.85):
        return self.rng.choice(GOOD_INTS if self.rng.random() < good else BAD_INTS)

    def small_int(self, low=-20, high=60, good=0.9):
        if self.rng.random() < good:
            return str(self.rng.randint(low, high))
        return self.int_arg(good=0.3)

    def db_arg(self):
        if self.rng.random() < 0.85:
            return str(self.rng.choice(DBS))
        return self.rng.choice(("15", "16", "-1", "abc", "", "2147483648", "9223372036854775807"))

    def relative_seconds(self):
        """A relative TTL at least ~1000 s away from every other one of this stream (and from
        every absolute deadline), so no comparison depends on when a command ran."""
        while True:
            j = self.rng.randrange(1, 100000)
            if j not in self.used_relative:
                self.used_relative.add(j)
                base = 10**12 if self.rng.random() < 0.1 else 0
                return base + 1000 * j + 500

    def relative(self, ms):
        s = self.relative_seconds()
        return s * 1000 + self.rng.randrange(1000) if ms else s

    def absolute(self, ms, past=False):
        s = self.rng.choice(ABS_PAST_S if past else ABS_FUTURE_S)
        return s * 1000 + self.rng.randrange(1000) if ms else s

    def bad_time(self, ms):
        """A TTL or deadline that is not a number, not positive or overflows. The near-overflow
        one overflows when now is added to it (relative) and is a fixed far deadline otherwise,
        never a relative TTL that could tie with another."""
        edge = "9223372036854775000" if ms else "9223372036854775"
        return self.rng.choice(("0", "-1", "-1000", edge, "9223372036854775807",
                                "-9223372036854775808") + BAD_INTS)


# errors -----------------------------------------------------------------------------------------

def gen_wrong_arity(rng, ctx):
    name = rng.choice(sorted(n for n, a in ARITY.items() if a != -1))
    arity = ARITY[name]
    if arity > 0:
        argc = rng.choice([n for n in (1, arity - 1, arity + 1, arity + 2) if 1 <= n != arity])
    else:
        argc = rng.randint(1, -arity - 1)
    return Cmd(ctx.name(name), *[ctx.key() if rng.random() < 0.5 else ctx.value()
                                 for _ in range(argc - 1)])


def gen_unknown(rng, ctx):
    name = rng.choice(("NOSUCH", "gett", "SETT", "foo", "", "\x00x", "ke ys", "get\r\n",
                       "EXPIREIN", "set|x"))
    args = [ctx.value() for _ in range(rng.randint(0, 3))]
    if rng.random() < 0.1:
        args.append(b"y" * 200)  # the error quotes at most ~128 bytes of arguments
    return Cmd(name, *args)


def gen_unknown_subcommand(rng, ctx):
    """Subcommands no server has, and wrong arities of real ones (no real subcommand that
    changes the connection or the server: CLIENT REPLY, CONFIG SET, ...)."""
    container = rng.choice(CONTAINERS)
    if rng.random() < 0.3:
        args = rng.choice({"client": (["GETNAME", "x"], ["SETNAME"], ["HELP", "x"], ["ID", "x"]),
                           "config": (["GET"], ["HELP", "x"], ["SET", "maxmemory"]),
                           "command": (["COUNT", "x"], ["HELP", "x"], ["GETKEYS"],
                                       ["GETKEYS", "get"])}[container])
    else:
        args = [rng.choice(("NOSUCH", "get name", "", "x\x00y", "y" * 200, "help\r\n"))]
        args += [ctx.value() for _ in range(rng.randint(0, 2))]
    return Cmd(ctx.name(container), *[ctx.name(a) if a.isalpha() else a for a in args[:1]],
               *args[1:])


def gen_bad_numbers(rng, ctx):
    """Integer and float arguments that are not numbers, overflow or are out of range."""
    name = rng.choice(("INCRBY", "DECRBY", "SETEX", "PSETEX", "EXPIRE", "PEXPIREAT",
                       "GETRANGE", "SETRANGE", "INCRBYFLOAT", "SELECT", "MOVE", "SWAPDB"))
    bad = rng.choice(BAD_INTS + ("9223372036854775807", "-9223372036854775808"))
    if name in ("INCRBY", "DECRBY", "EXPIRE", "PEXPIREAT", "INCRBYFLOAT", "MOVE"):
        return Cmd(ctx.name(name), ctx.key(), bad)
    if name in ("SETEX", "PSETEX"):
        return Cmd(ctx.name(name), ctx.key(), bad, ctx.value())
    if name in ("GETRANGE", "SETRANGE"):
        return Cmd(ctx.name(name), ctx.key(), bad, "1" if name == "GETRANGE" else ctx.value())
    if name == "SWAPDB":
        return Cmd(ctx.name(name), *rng.sample([bad, ctx.db_arg()], 2))
    return Cmd(ctx.name(name), bad)


# transactions -----------------------------------------------------------------------------------

def gen_transaction(rng, ctx):
    """MULTI, EXEC, DISCARD, WATCH or UNWATCH, drawn by whether the connection is in MULTI:
    mostly MULTI or WATCH outside, mostly EXEC or DISCARD inside, and now and then the ones
    that are errors there (EXEC or DISCARD without MULTI, nested MULTI, WATCH inside MULTI)."""
    if ctx.queued is None:
        choices = (("MULTI", 6), ("WATCH", 3), ("UNWATCH", 1), ("EXEC", 1), ("DISCARD", 1))
    else:
        choices = (("EXEC", 8), ("DISCARD", 2), ("MULTI", 1), ("WATCH", 1), ("UNWATCH", 1))
    name = rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]
    if name == "WATCH":
        return Cmd(ctx.name(name), *ctx.keys(1, 3))
    return Cmd(ctx.name(name))


def exec_normalizer(queued):
    """EXEC's reply compared element by element with each queued command's normalisation, or
    None (raw bytes) when no queued command needs one."""
    if not any(q.normalize for q in queued):
        return None

    def normalize(reply):
        if reply[0] != b"*" or reply[1] is None or len(reply[1]) != len(queued):
            return reply
        return (reply[0], [q.normalize(e) if q.normalize else e
                           for q, e in zip(queued, reply[1])])

    return normalize


# pub/sub ----------------------------------------------------------------------------------------

SUBSCRIPTION_KINDS = {  # command -> the kind of name it (un)subscribes
    b"subscribe": "channel", b"unsubscribe": "channel",
    b"psubscribe": "pattern", b"punsubscribe": "pattern",
    b"ssubscribe": "shard", b"sunsubscribe": "shard",
}
CHANNELS = (b"ch:a", b"ch:b", b"news.1", b"news.22", b"x", b"", b"bin\x00\r\n\xff")
OTHER_CHANNELS = (b"news.333", b"ch:c", b"nobody")
PATTERNS = (b"ch:*", b"news.*", b"*", b"?", b"n[e]ws.?", b"ch:[ab]", b"x", b"bin*", b"[",
            b"news.\\1")
PUBLISHERS = (b"publish", b"spublish")


def gen_subscribe(rng, ctx):
    name = rng.choice(("SUBSCRIBE", "SUBSCRIBE", "PSUBSCRIBE", "PSUBSCRIBE", "SSUBSCRIBE"))
    pool = PATTERNS if name == "PSUBSCRIBE" else CHANNELS
    return Cmd(ctx.name(name), *[rng.choice(pool) for _ in range(rng.randint(1, 3))], on="sub")


def gen_unsubscribe(rng, ctx):
    """With names (subscribed or not) or without (all of the kind, or one nil confirmation)."""
    name = rng.choice(("UNSUBSCRIBE", "UNSUBSCRIBE", "PUNSUBSCRIBE", "PUNSUBSCRIBE",
                       "SUNSUBSCRIBE"))
    pool = PATTERNS if name == "PUNSUBSCRIBE" else CHANNELS
    names = [] if rng.random() < 0.4 else [rng.choice(pool) for _ in range(rng.randint(1, 2))]
    return Cmd(ctx.name(name), *names, on="sub")


def gen_subscriber_other(rng, ctx):
    """What else a subscriber sends: PING (an array in RESP2 subscribed mode), and ECHO and GET,
    refused in RESP2 subscribed mode and answered otherwise."""
    r = rng.random()
    if r < 0.5:
        return Cmd(ctx.name("PING"), *([ctx.value()] if rng.random() < 0.5 else []), on="sub")
    if r < 0.7:
        return Cmd(ctx.name("ECHO"), ctx.value(), on="sub")
    return Cmd(ctx.name("GET"), ctx.key(), on="sub")


def gen_publish(rng, ctx):
    """PUBLISH or SPUBLISH on the main connection (queued when it is in MULTI), half of the
    time to a channel the subscriber listens to."""
    name = rng.choice(("PUBLISH", "PUBLISH", "PUBLISH", "SPUBLISH"))
    listened = sorted(ctx.subscriptions["shard" if name == "SPUBLISH" else "channel"])
    if listened and rng.random() < 0.5:
        channel = rng.choice(listened)
    else:
        channel = rng.choice(CHANNELS if rng.random() < 0.9 else OTHER_CHANNELS)
    return Cmd(ctx.name(name), channel, ctx.value())


def gen_pubsub_introspection(rng, ctx):
    sub = rng.choice(("NUMSUB", "NUMPAT", "CHANNELS", "SHARDCHANNELS", "SHARDNUMSUB"))
    if sub.endswith("NUMSUB"):
        args = [rng.choice(CHANNELS + OTHER_CHANNELS) for _ in range(rng.randint(0, 3))]
    elif sub == "NUMPAT":
        args = [] if rng.random() < 0.9 else ["extra"]
    else:
        args = [rng.choice(PATTERNS)] if rng.random() < 0.6 else []
    return Cmd(ctx.name("PUBSUB"), ctx.name(sub), *args,
               normalize=diff_core_family.sorted_elements if sub.endswith("CHANNELS") else None)


def unordered_confirmations(replies):
    """The confirmations of an UNSUBSCRIBE / PUNSUBSCRIBE / SUNSUBSCRIBE without arguments
    come in the order of a hash table (Redis 7.0: channels and shard channels; basalt: patterns
    too, where Redis keeps subscription order): the names as a set, the rest in order."""
    names = sorted(repr(r[1][1]) for r in replies if r[0] in (b"*", b">") and len(r[1]) == 3)
    rest = [(r[0], r[1][0], r[1][2]) if r[0] in (b"*", b">") and len(r[1]) == 3 else r
            for r in replies]
    return names, rest


def unordered_pmessages(messages):
    """The messages one PUBLISH delivered to the subscriber: a channel message first, then one
    pmessage per matching pattern in the order of Redis's pattern dict (a hash table)."""
    kind = lambda m: parse_whole(m)[1][0]
    return ([m for m in messages if kind(m) != (b"$", b"pmessage")],
            sorted(m for m in messages if kind(m) == (b"$", b"pmessage")))


FAMILIES = {
    "strings": diff_core_family.STRING_GENERATORS,  # diff_core_family.py
    "keys": diff_core_family.KEY_GENERATORS,  # diff_core_family.py
    "expiry": diff_core_family.EXPIRY_GENERATORS,  # diff_core_family.py
    "connection": diff_core_family.CONNECTION_GENERATORS,  # diff_core_family.py
    "errors": [gen_wrong_arity, gen_unknown, gen_unknown_subcommand, gen_bad_numbers],
    "transactions": [gen_transaction],
    "pubsub": [(gen_subscribe, 3), (gen_unsubscribe, 2), gen_subscriber_other, (gen_publish, 5),
               gen_pubsub_introspection],
    "hashes": diff_hash_family.GENERATORS,  # diff_hash_family.py
    "sets": diff_set_family.GENERATORS,  # diff_set_family.py
    "lists": diff_list_family.GENERATORS,  # diff_list_family.py
    "bits": diff_bit_family.GENERATORS,  # diff_bit_family.py
    "sort": diff_sort_family.GENERATORS,  # diff_sort_family.py
    "zsets": diff_zset_family.GENERATORS,  # diff_zset_family.py
}
diff_core_family.bind(Cmd)
diff_hash_family.bind(Cmd)
diff_set_family.bind(Cmd)
diff_list_family.bind(Cmd)
diff_bit_family.bind(Cmd)
diff_sort_family.bind(Cmd)
diff_zset_family.bind(Cmd)
FAMILY_WEIGHTS = {"strings": 10, "keys": 6, "expiry": 5, "connection": 1, "errors": 2,
                  "transactions": 3, "pubsub": 4, "hashes": 8, "sets": 8, "lists": 8, "bits": 8,
                  "sort": 6, "zsets": 8}
FAMILY_WEIGHTS.update({name.strip(): float(weight) for name, _, weight in
                       (part.partition("=") for part in
                        os.environ.get("BASALT_DIFF_WEIGHTS", "").split(",") if part.strip())})
# With BASALT_DIFF_WEIGHTS=hashes=0 no hash command is sent at all (not even a wrong-arity one),
# and the streams are the same as without the family: the run for a basalt without hashes (the
# same for sets=0).
if FAMILY_WEIGHTS["hashes"] > 0:
    ARITY.update(diff_hash_family.ARITY)
if FAMILY_WEIGHTS["sets"] > 0:
    ARITY.update(diff_set_family.ARITY)
# Likewise BASALT_DIFF_WEIGHTS=lists=0 gives the streams of a basalt without lists.
if FAMILY_WEIGHTS["lists"] > 0:
    ARITY.update(diff_list_family.ARITY)
if FAMILY_WEIGHTS["bits"] > 0:
    ARITY.update(diff_bit_family.ARITY)
if FAMILY_WEIGHTS["sort"] > 0:
    ARITY.update(diff_sort_family.ARITY)
if FAMILY_WEIGHTS["zsets"] > 0:
    ARITY.update(diff_zset_family.ARITY)


def next_command(rng, ctx, families=None):
    """A family by FAMILY_WEIGHTS (among `families`, default all), then one of its generators
    (an entry is a generator or a (generator, weight) pair, weight 1 by default)."""
    names = list(families or FAMILIES)
    family = rng.choices(names, weights=[FAMILY_WEIGHTS.get(n, 1) for n in names])[0]
    entries = [e if isinstance(e, tuple) else (e, 1) for e in FAMILIES[family]]
    generator = rng.choices([g for g, _ in entries], weights=[w for _, w in entries])[0]
    return generator(rng, ctx)


def known_difference(cmd):
    return next((why for matches, why in KNOWN_DIFFERENCES if matches(cmd.args)), None)


# -- the two servers, one stream --------------------------------------------------------------

class Connection(lib.RawConnection):
    """RawConnection reading into one reused buffer: a fresh 1 MB recv buffer per reply costs
    more system time than the servers take to answer these small replies."""

    def __init__(self, port):
        super().__init__(port)
        self.chunk = bytearray(1 << 16)

    def _fill(self):
        n = self.sock.recv_into(self.chunk)
        if not n:
            raise ConnectionError("connection closed by the server")
        self.buf += memoryview(self.chunk)[:n]


class Stream:
    """One connection to each server (the main pair) and a second one (the subscriber pair);
    sends each command to both servers and compares the replies."""

    def __init__(self, test, seed, protocol, redis_port, basalt_port, ctx):
        self.test = test
        self.seed = seed
        self.protocol = protocol
        self.ctx = ctx
        self.redis = Connection(redis_port)
        self.basalt = Connection(basalt_port)
        self.sub_redis = Connection(redis_port)
        self.sub_basalt = Connection(basalt_port)
        self.history = collections.deque(maxlen=HISTORY)
        self.index = 0
        self.skipped = 0
        self.messages = 0
        self.keep_going = bool(os.environ.get("BASALT_DIFF_KEEP_GOING"))
        self.mismatches = []

    def close(self):
        for conn in (self.redis, self.basalt, self.sub_redis, self.sub_basalt):
            conn.close()

    def where(self):
        return f"seed {self.seed}, RESP{self.protocol}"

    def execute(self, cmd):
        """Runs cmd (after its guard) on both servers; returns Redis's parsed reply (the last
        one for a command answered several times), or None when the guard or
        KNOWN_DIFFERENCES held it back."""
        if cmd.guard is not None:
            guard_cmd, predicate = cmd.guard
            if not predicate(self.execute(guard_cmd)):
                return None
        if known_difference(cmd):
            self.skipped += 1
            return None
        self.index += 1
        on_sub = cmd.on == "sub"
        redis_conn, basalt_conn = ((self.sub_redis, self.sub_basalt) if on_sub
                                   else (self.redis, self.basalt))
        queued = None if on_sub else self.ctx.queued
        normalize = cmd.normalize
        if queued is not None and cmd.name() == b"exec" and len(cmd.args) == 1:
            normalize = exec_normalizer(queued)
        count = self.reply_count(cmd)
        request = lib.encode_command(*cmd.args)
        redis_conn.send(request)
        basalt_conn.send(request)
        expected = [redis_conn.read_reply() for _ in range(count)]
        actual = [basalt_conn.read_reply() for _ in range(count)]
        expected_bytes, actual_bytes = b"".join(expected), b"".join(actual)
        try:
            expected_values = [parse_whole(r) for r in expected]
        except (AssertionError, ValueError) as e:
            self.test.fail(f"{self.where()}, #{self.index} {cmd}: Redis's reply "
                           f"{show(expected_bytes)} does not parse ({e})")
        try:
            actual_values = [parse_whole(r) for r in actual]
        except (AssertionError, ValueError) as e:
            self.keep_going = False  # the connection may be out of step: stop here
            self.fail(cmd, expected_bytes, actual_bytes, f"basalt's reply does not parse ({e})")
        if count > 1 and cmd.name() in SUBSCRIPTION_KINDS and len(cmd.args) == 1:
            same = unordered_confirmations(expected_values) == \
                unordered_confirmations(actual_values)
        elif normalize is None:
            same = expected_bytes == actual_bytes
        else:
            same = [normalize(v) for v in expected_values] == \
                [normalize(v) for v in actual_values]
        if not same:
            self.fail(cmd, expected_bytes, actual_bytes, "replies differ")
        self.history.append((self.index, cmd, expected_bytes))
        self.track(cmd, expected_values)
        if not on_sub:
            self.compare_messages(cmd, queued, expected_values[-1], actual_values[-1])
        return expected_values[-1]

    def reply_count(self, cmd):
        """How many replies the command gets: one, but one per name for (P|S)(UN)SUBSCRIBE,
        and for an unsubscribe without names one per name of the kind (or one if none)."""
        kind = SUBSCRIPTION_KINDS.get(cmd.name())
        if cmd.on != "sub" or kind is None:
            return 1
        if len(cmd.args) > 1:
            return len(cmd.args) - 1
        if cmd.name().endswith(b"unsubscribe"):
            return max(1, len(self.ctx.subscriptions[kind]))
        return 1  # SUBSCRIBE without names: the arity error

    def track(self, cmd, replies):
        """Keeps the context's view of the connections' state, from Redis's replies."""
        ctx, name, reply = self.ctx, cmd.name(), replies[-1]
        if cmd.on == "sub":
            kind = SUBSCRIPTION_KINDS.get(name)
            if name == b"reset":
                for names in ctx.subscriptions.values():
                    names.clear()
            elif kind is not None and reply[0] != b"-":
                names = ctx.subscriptions[kind]
                if name.endswith(b"unsubscribe"):
                    if len(cmd.args) == 1:
                        names.clear()
                    names.difference_update(cmd.args[1:])
                else:
                    names.update(cmd.args[1:])
            return
        if ctx.queued is None:
            if name == b"multi" and reply == (b"+", b"OK"):
                ctx.queued = []
        elif reply == (b"+", b"QUEUED"):
            ctx.queued.append(cmd)
        elif name in (b"exec", b"discard") and len(cmd.args) == 1:
            ctx.queued = None  # EXEC ends MULTI whatever it answers (array, nil, EXECABORT)
        elif name == b"exec" and reply[0] == b"-" and reply[1].startswith(b"EXECABORT"):
            ctx.queued = None  # an EXEC refused for its arity aborts the transaction too

    def compare_messages(self, cmd, queued, expected_reply, actual_reply):
        """After a PUBLISH / SPUBLISH, or an EXEC that ran some, reads what the subscriber
        connections received (as many messages as the replies count) and compares them."""
        for expected_count, actual_count in zip(deliveries(cmd, queued, expected_reply),
                                                deliveries(cmd, queued, actual_reply)):
            if expected_count != actual_count:
                return  # the replies differed (reported): reading would block
            expected = [self.sub_redis.read_reply() for _ in range(expected_count)]
            actual = [self.sub_basalt.read_reply() for _ in range(actual_count)]
            self.messages += expected_count
            if unordered_pmessages(expected) != unordered_pmessages(actual):
                self.fail(cmd, b"".join(expected), b"".join(actual),
                          "the subscriber received different messages")

    def finish_subscriber(self):
        """RESET on the subscriber pair (compared), so the next stream starts with no
        subscriptions: its reply comes after every subscription is gone."""
        self.execute(Cmd("RESET", on="sub"))

    def fail(self, cmd, expected, actual, what):
        lines = [f"{what}: {self.where()}, command #{self.index}: {cmd}",
                 f"  redis:  {show(expected, 600)}",
                 f"  basalt: {show(actual, 600)}",
                 "preceding commands (reply as both gave it, or normalised alike):"]
        lines += [f"  #{i} {c} -> {show(reply)}" for i, c, reply in self.history]
        weights = os.environ.get("BASALT_DIFF_WEIGHTS")
        lines.append(f"replay: {f'BASALT_DIFF_WEIGHTS={weights} ' if weights else ''}"
                     f"BASALT_DIFF_SEEDS={self.seed} python3 {__file__} --basalt PATH "
                     f"DifferentialTest.test_resp{self.protocol}")
        if self.keep_going:
            self.mismatches.append("\n".join(lines[:3]))
            return
        self.test.fail("\n".join(lines))

    def dump_dataset(self, conn):
        """{(db, key): (value, has_ttl)} of every database, read over conn (RESP2 or 3)."""
        out = {}
        for db in ALL_DBS:
            self.request(conn, "SELECT", db)
            keys = parse_whole(self.request(conn, "KEYS", "*"))[1]
            for _, key in keys:
                kind = parse_whole(self.request(conn, "TYPE", key))[1]
                if kind == b"hash":
                    value = diff_hash_family.dataset_value(
                        parse_whole(self.request(conn, "HGETALL", key)))
                elif kind == b"set":
                    value = diff_set_family.dataset_value(
                        parse_whole(self.request(conn, "SMEMBERS", key)))
                elif kind == b"list":
                    value = diff_list_family.dataset_value(
                        parse_whole(self.request(conn, "LRANGE", key, 0, -1)))
                elif kind == b"zset":
                    value = diff_zset_family.dataset_value(parse_whole(
                        self.request(conn, "ZRANGE", key, "0", "-1", "WITHSCORES")))
                else:
                    value = parse_whole(self.request(conn, "GET", key))[1]
                ttl = parse_whole(self.request(conn, "PTTL", key))[1]
                out[(db, key)] = (value, ttl > 0 if ttl != -2 else "gone")
        return out

    @staticmethod
    def request(conn, *args):
        conn.send(lib.encode_command(*args))
        return conn.read_reply()

    def check_dataset(self):
        expected, actual = self.dump_dataset(self.redis), self.dump_dataset(self.basalt)
        if expected == actual:
            return
        diffs = [f"  db {k[0]} key {show(k[1])}: redis {expected.get(k)!r}, "
                 f"basalt {actual.get(k)!r}"
                 for k in sorted(set(expected) | set(actual))
                 if expected.get(k) != actual.get(k)]
        message = (f"datasets differ after {self.where()} ({len(diffs)} keys; value, "
                   "TTL present):\n" + "\n".join(diffs[:30]))
        if self.keep_going:
            self.mismatches.append(message)
        else:
            self.test.fail(message)


def deliveries(cmd, queued, reply):
    """Messages a main-pair command had delivered, per PUBLISH / SPUBLISH it ran: [n] for a
    PUBLISH answered n, the counts of the PUBLISHes an EXEC ran, [] otherwise."""
    name = cmd.name()
    if name in PUBLISHERS and reply[0] == b":":
        return [reply[1]]
    if name == b"exec" and queued is not None and reply[0] == b"*" and reply[1] is not None:
        return [element[1] for q, element in zip(queued, reply[1])
                if q.name() in PUBLISHERS and element[0] == b":"]
    return []


class DifferentialTest(diff_shared.SideBySide, lib.unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env_seeds = os.environ.get("BASALT_DIFF_SEEDS")
        cls.seeds = diff_shared.parse_seeds(env_seeds) if env_seeds else list(SEEDS)
        cls.count = int(os.environ.get("BASALT_DIFF_COMMANDS", COMMANDS_PER_SEED))

    def run_protocol(self, protocol):
        started, sent, skipped, messages, mismatches = time.monotonic(), 0, 0, 0, []
        for seed in self.seeds:
            rng = random.Random(f"resp{protocol}-seed{seed}")
            ctx = Context(rng, protocol)
            stream = Stream(self, seed, protocol, self.redis.port, self.basalt.port, ctx)
            try:
                if protocol == 3:
                    hello = diff_core_family.hello_reply
                    stream.execute(Cmd("HELLO", "3", normalize=hello))
                    stream.execute(Cmd("HELLO", "3", normalize=hello, on="sub"))
                stream.execute(Cmd("FLUSHALL"))
                for _ in range(self.count):
                    stream.execute(next_command(rng, ctx))
                if ctx.queued is not None:
                    stream.execute(Cmd("DISCARD"))
                stream.finish_subscriber()
                stream.check_dataset()
                sent, skipped = sent + stream.index, skipped + stream.skipped
                messages += stream.messages
                mismatches += stream.mismatches
            finally:
                stream.close()
        self.assertTrue(self.basalt.running(), "basalt died; log:\n" + self.basalt.log_tail())
        if mismatches:
            self.fail(f"{len(mismatches)} mismatches:\n" + "\n".join(mismatches))
        print(f"\n  RESP{protocol}: {len(self.seeds)} seeds, {sent} commands and {messages} "
              f"pub/sub messages compared, {skipped} known differences skipped, "
              f"{time.monotonic() - started:.1f}s", end=" ", flush=True)

    def test_resp2(self):
        self.run_protocol(2)

    def test_resp3(self):
        self.run_protocol(3)


if __name__ == "__main__":
    lib.main()
