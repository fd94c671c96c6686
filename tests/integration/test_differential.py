"""Differential test: basalt and redis-server 7.0.15 get the same random command streams and
must give the same replies, byte for byte.

Both servers run side by side on free loopback ports. For every seed (fixed, so a failure
reproduces) and for RESP2 and RESP3 (after `HELLO 3`), one connection to each server receives
the same stream: a FLUSHALL, then COMMANDS_PER_SEED commands drawn from FAMILIES with
random.Random(f"resp{protocol}-seed{seed}") (and scripts, see Scripting below), then a
comparison of the whole dataset (keys, values, TTL present or not, in all 16 databases). Every
reply is parsed fully (a malformed reply fails too); replies are compared as raw bytes, or, for
commands whose replies legitimately differ (TTLs, KEYS order), as parsed structures after the
command's normalisation.

On a mismatch the failure names the seed, the protocol, the command's index, the command, both
replies and the ~10 commands before it. Environment knobs for a longer hunt or a replay:
BASALT_DIFF_SEEDS ("1-200" or "7,12"), BASALT_DIFF_COMMANDS (generated commands sent as they
are, per seed and protocol; scripts come on top), BASALT_DIFF_KEEP_GOING=1 (list every mismatch
at the end instead of stopping at the first; later ones may follow from an earlier one),
BASALT_DIFF_WEIGHTS ("hashes=30,pubsub=0": family weights replacing FAMILY_WEIGHTS's, for a
hunt in one family; 0 leaves a family out; a replay needs the same weights, since they change
the streams) and BASALT_DIFF_SCRIPTS ("wrap=0.5,templates=0.3": SCRIPT_RATES for a scripting
hunt; "0": no scripts, the streams of before scripting; a replay needs the same rates).

Scripting: now and then (SCRIPT_RATES["wrap"], 10%) a generated command goes in a script
instead, `return redis.call(unpack(ARGV))` with the command as ARGV (or KEYS), by redis.call
or redis.pcall, by EVAL, EVAL_RO, EVALSHA or EVALSHA_RO (EVALSHA after a SCRIPT LOAD or EVAL
of the body in its guard) or as a function by FCALL or FCALL_RO (after a FUNCTION LOAD REPLACE
of a library holding it), sometimes after a shebang line, and in RESP3 streams sometimes
after redis.setresp(3); its reply is compared with the command's own normalisation (see
wrap_in_script). Commands Redis refuses in scripts get Redis's error. Between commands (4%)
comes one of SCRIPT_TEMPLATES: scripts that combine calls (GET then APPEND, INCRBY loops,
tables mixing every Lua type, setresp(3) with map / set / double replies, SELECT then a write,
pcall'd errors, a write then an error, numkeys edge cases, Lua numbers, SORT of a set in a
script, cjson, compile and runtime errors, SCRIPT subcommands). Scripts draw from a second
rng of their own, so the generated commands are the same with scripts or without.

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

Pub/sub: each stream also has a second pair of connections, the subscriber (after HELLO 3 too in
the RESP3 run). The pubsub family sends (P|S)SUBSCRIBE, (P|S)UNSUBSCRIBE, PING, ECHO and GET to
the subscriber pair (compared reply by reply; a subscriber in RESP2 refuses GET), and PUBLISH,
SPUBLISH and PUBSUB to the main pair, queued in MULTI or not. After every command of the main
pair that published (PUBLISH, SPUBLISH, a script running one, or an EXEC running them), the
messages the subscriber received are read (as many as the PUBLISH replies count) and compared
byte for byte. Two orders are a hash table's in Redis and compared as sets: the confirmations of
an UNSUBSCRIBE / SUNSUBSCRIBE without arguments (names; the counts must still go down in order)
and the pmessages of one PUBLISH matching several patterns. PUNSUBSCRIBE without arguments is
compared as a set too, although Redis 7.0 answers in subscription order: basalt's hash order
there is a known difference (an expected failure in test_pubsub.py). The subscriber pair RESETs
before it closes, so no stream sees an earlier one's subscriptions.

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
     Scripts run the family's commands too (wrap_in_script), so a normalisation must also
     take a script's reply (RESP2 shapes in a RESP3 stream; after setresp(3) maps and sets in
     Lua's order): check with Redis against Redis and BASALT_DIFF_SCRIPTS=wrap=0.7.
"""

import collections
import hashlib
import os
import random
import time

import basalt_testlib as lib
import diff_bit_family
import diff_core_family
import diff_hash_family
import diff_geo_family
import diff_hll_family
import diff_list_family
import diff_set_family
import diff_shared
import diff_sort_family
import diff_stream_family
import diff_zset_family

SEEDS = range(1, 21)
COMMANDS_PER_SEED = 250
HISTORY = int(os.environ.get("BASALT_DIFF_HISTORY", "10"))

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
    the pair of connections it goes to: "main", or "sub" (the subscriber pair). wraps: the
    generated command a script runs, for an EVAL / EVALSHA made by wrap_in_script."""

    def __init__(self, *args, normalize=None, guard=None, on="main", wraps=None):
        self.args = [a.encode() if isinstance(a, str) else
                     str(a).encode() if isinstance(a, int) else a for a in args]
        self.normalize = normalize
        self.guard = guard
        self.on = on
        self.wraps = wraps

    def name(self):
        return self.args[0].lower()

    def runs(self):
        """The name of the command that runs: the wrapped command's for a wrapping script
        (PUBLISH run by a script delivers messages like PUBLISH)."""
        return (self.wraps or self).name()

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


# scripting --------------------------------------------------------------------------------------
#
# Not a family drawn by FAMILY_WEIGHTS: the stream's own commands are drawn as before, and a
# second random.Random per stream (SCRIPT_RATES, BASALT_DIFF_SCRIPTS) decides which of them a
# script runs instead (wrap_in_script) and where a script template (SCRIPT_TEMPLATES) comes in
# between. test_keyspace_events.py, which draws from FAMILIES itself, gets no scripts.

SCRIPT_RATES = {"wrap": 0.1, "templates": 0.04}  # per generated command


def script_rates():
    """SCRIPT_RATES, changed by BASALT_DIFF_SCRIPTS: "0" (no scripts: the streams of a basalt
    without scripting) or "wrap=0.3,templates=0.1"."""
    text = os.environ.get("BASALT_DIFF_SCRIPTS", "").strip()
    if text in ("0", "off"):
        return {name: 0.0 for name in SCRIPT_RATES}
    rates = dict(SCRIPT_RATES)
    for part in text.split(","):
        name, _, value = part.partition("=")
        if name.strip():
            assert name.strip() in rates, f"BASALT_DIFF_SCRIPTS: unknown rate {name!r}"
            rates[name.strip()] = float(value)
    return rates


SCRIPT_VERBS = (("EVAL", 10), ("EVAL_RO", 3), ("EVALSHA", 5), ("EVALSHA_RO", 2), ("FCALL", 4),
                ("FCALL_RO", 2))
SHEBANGS = (b"#!lua\n", b"#!lua flags=no-writes\n")


def function_command(ctx, verb, body, numkeys, keys, args, normalize):
    """body as a function (FCALL, FCALL_RO), its KEYS and ARGV the callback's parameters, in a
    library of its own named after it, loaded by the guard (FUNCTION LOAD REPLACE, every time:
    what earlier streams loaded never matters). A shebang's no-writes becomes the function's
    flag; without one the function has no flags (no compatibility mode for functions)."""
    flags = b""
    for shebang in SHEBANGS:
        if body.startswith(shebang):
            body = body[len(shebang):]
            flags = b"'no-writes'" if b"no-writes" in shebang else b""
    name = "f" + hashlib.sha1(flags + b"|" + body).hexdigest()[:16]
    code = (b"#!lua name=l%s\nredis.register_function{function_name='%s', flags={%s}, "
            b"callback=function(KEYS, ARGV)\n%s\nend}" % (name.encode(), name.encode(), flags, body))
    loader = Cmd(ctx.name("FUNCTION"), ctx.name("LOAD"), ctx.name("REPLACE"), code)
    return Cmd(ctx.name(verb), name, numkeys, *keys, *args, normalize=normalize,
               guard=(loader, lambda reply: reply is not None))


def script_command(rng, ctx, body, keys=(), args=(), normalize=None, probe=None, numkeys=None):
    """body run with keys and args by EVAL, EVAL_RO, EVALSHA or EVALSHA_RO (now and then after
    a shebang line). EVALSHA's body is loaded first by its guard: SCRIPT LOAD, or, when probe
    (numkeys and arguments the body runs harmlessly with) is given, an EVAL / EVAL_RO of the
    body, which caches it too. The guard is sent every time: what earlier streams loaded (or
    SCRIPT FLUSH removed) never matters, and a one-seed replay is the stream of a full run."""
    body = body.encode() if isinstance(body, str) else body
    if rng.random() < 0.06:
        body = rng.choice(SHEBANGS) + body
    verb = rng.choices([v for v, _ in SCRIPT_VERBS], weights=[w for _, w in SCRIPT_VERBS])[0]
    numkeys = str(len(keys)) if numkeys is None else numkeys
    if verb.startswith("FCALL"):
        return function_command(ctx, verb, body, numkeys, keys, args, normalize)
    if not verb.startswith("EVALSHA"):
        return Cmd(ctx.name(verb), body, numkeys, *keys, *args, normalize=normalize)
    sha = hashlib.sha1(body).hexdigest()
    if rng.random() < 0.15:
        sha = sha.upper()  # Redis looks scripts up by the lowercase sha
    if probe is not None and rng.random() < 0.3:
        loader = Cmd(ctx.name(rng.choice(("EVAL", "EVAL_RO"))), body, *probe)
    else:
        loader = Cmd(ctx.name("SCRIPT"), ctx.name("LOAD"), body)
    return Cmd(ctx.name(verb), sha, numkeys, *keys, *args, normalize=normalize,
               guard=(loader, lambda reply: reply is not None))


def unordered_aggregates(reply):
    """A reply from a script that called redis.setresp(3): Redis hands a RESP3 map or set to
    Lua as a table ({map = {...}}, {set = {...}}) and returns it in the order lua_next walks
    that table, a hash table's: maps and sets compared with their items sorted, at any depth
    (arrays keep their order)."""
    kind, payload = reply
    if payload is None or kind not in (b"*", b"~", b"%", b">", b"|"):
        return reply
    if kind in (b"%", b"|"):
        return (kind, sorted(((unordered_aggregates(k), unordered_aggregates(v))
                              for k, v in payload), key=repr))
    items = [unordered_aggregates(e) for e in payload]
    return (kind, sorted(items, key=repr) if kind == b"~" else items)


def then(first, second):
    """The normalisation first, then second (None: first only)."""
    if second is None:
        return first
    return lambda reply: second(first(reply))


def wrap_in_script(rng, ctx, cmd):
    """cmd (a generated command) run by a script, `return redis.call(unpack(ARGV))` with the
    command as ARGV (or as KEYS), by redis.call or redis.pcall, by EVAL, EVAL_RO, EVALSHA or
    EVALSHA_RO, and in RESP3 now and then after redis.setresp(3). The reply is compared with
    cmd's own normalisation (a script converts replies to Lua and back, but keeps their order
    and content; without setresp(3) a script sees RESP2 replies, which the normalisations of
    RESP2 streams already read), after unordered_aggregates when setresp(3) made maps and sets
    Lua tables. cmd's guard runs first; commands of the subscriber pair are not wrapped.
    Commands Redis refuses in scripts (MULTI, EXEC, WATCH, CLIENT, CONFIG, HELLO, WAIT,
    blocking pops, SUBSCRIBE, ...) get the same error from both; a refused MULTI or a SELECT
    run by a script leaves the connection as it was (the Stream tracks MULTI from replies)."""
    if cmd.on != "main":
        return cmd
    resp3 = ctx.protocol == 3 and rng.random() < 0.25
    call = "pcall" if rng.random() < 0.3 else "call"
    via_keys = rng.random() < 0.15
    body = (f"{'redis.setresp(3) ' if resp3 else ''}"
            f"return redis.{call}(unpack({'KEYS' if via_keys else 'ARGV'}))")
    normalize = then(unordered_aggregates, cmd.normalize) if resp3 else cmd.normalize
    keys, args = (cmd.args, ()) if via_keys else ((), cmd.args)
    wrapped = script_command(rng, ctx, body, keys, args, normalize,
                             probe=("1" if via_keys else "0", "PING"))
    wrapped.wraps = cmd
    if cmd.guard is not None:
        if wrapped.guard is None:
            wrapped.guard = cmd.guard
        else:  # cmd's guard, then the loader (held back with the command)
            wrapped.guard[0].guard = cmd.guard
    return wrapped


def tpl_get_append(rng, ctx):
    body = ("local v = redis.call('get', KEYS[1]) "
            "if v then return redis.call('append', KEYS[1], ARGV[1]) end return false")
    return script_command(rng, ctx, body, [ctx.key()], [ctx.value()])


INCR_LOOPS = (
    "local n for i = 1, tonumber(ARGV[2]) do n = redis.call('incrby', KEYS[1], ARGV[1]) end "
    "return n",
    "local t = {} for i = 1, tonumber(ARGV[2]) do t[i] = redis.pcall('incrby', KEYS[1], ARGV[1]) "
    "end return t",
    "local s = 0 for i = 1, tonumber(ARGV[2]) do "
    "s = s + redis.call('incrbyfloat', KEYS[1], ARGV[1]) end return tostring(s)",
)
LOOP_TIMES = ("0", "1", "2", "3", "5", "10", "-1", "2.5", "x")


def tpl_incr_loop(rng, ctx):
    """INCRBY (or INCRBYFLOAT) in a loop: the last result (a Lua number: Redis truncates it to
    a long long), every result (pcall: errors inside the array) or a Lua sum as a string."""
    body = rng.choice(INCR_LOOPS)
    if "incrbyfloat" in body:
        amount = rng.choice(diff_core_family.FLOATS if rng.random() < 0.85
                            else diff_core_family.BAD_FLOATS)
    elif rng.random() < 0.6:
        amount = ctx.small_int(-5, 5, good=0.6)
    else:
        amount = ctx.int_arg(0.7)
    return script_command(rng, ctx, body, [ctx.key()], [amount, rng.choice(LOOP_TIMES)])


# Table items for tpl_mixed_table: every Lua type a script can return, nested tables, status
# and error tables (CRLF in them: Redis makes it spaces), nil (Redis ends an array at the first
# nil), math.random (Redis reseeds it before every script), and calls whose replies keep their
# order (no hash or set read: its order would be the hash table's).
TABLE_ITEMS = (
    "1", "-7", "'two'", "''", "false", "true", "3.99", "-0.5", "nil", "{}", "{1, {2, {'three'}}}",
    "{ok='fine'}", "{err='ERR custom'}", "{err='plain'}", "{ok=5}", "{err=5}", "{1, 2, x='y'}",
    "{double=2.5}", "{double='x'}", "{map={a=1}}", "{set={x=true}}", "{big_number='123'}",
    "redis.status_reply('S')", "redis.error_reply('MY error')", "redis.error_reply('')",
    "redis.pcall('get', KEYS[1])", "redis.pcall('incr', KEYS[2])",
    "redis.call('exists', KEYS[1], KEYS[2])", "redis.call('type', KEYS[1])",
    "redis.pcall('lrange', KEYS[1], 0, -1)",
    "redis.call('mget', KEYS[1], KEYS[2])", "redis.pcall('zrange', KEYS[2], 0, -1, 'WITHSCORES')",
    "redis.pcall('strlen', KEYS[1])", "redis.pcall('getrange', KEYS[1], 0, 3)",
    "redis.pcall('append', KEYS[2], ARGV[2])", "redis.pcall('set', KEYS[1], ARGV[1])",
    "redis.pcall('rpush', KEYS[1], ARGV[1])", "redis.pcall('del', KEYS[2])",
    "redis.pcall('nosuchcommand')", "redis.pcall('set')", "redis.pcall('multi')",
    "redis.pcall('zscore', KEYS[2], ARGV[1])", "redis.pcall('hget', KEYS[1], ARGV[1])",
    "tonumber(ARGV[1])", "ARGV[1]", "#ARGV", "#KEYS", "KEYS[2]", "redis.sha1hex(ARGV[2])",
    "redis.replicate_commands()", "redis.REDIS_VERSION", "tostring(tonumber(ARGV[1]))",
    "type(redis.pcall('get', KEYS[1]))", "string.len(ARGV[2])",
    "math.random(1000)", "math.random()", "{ok='a\\r\\nb'}", "redis.status_reply('x\\ny')",
    "bit.band(tonumber(ARGV[1]) or 0, 255)", "string.format('%5.2f', tonumber(ARGV[1]) or 0)",
)


def tpl_mixed_table(rng, ctx):
    """A table mixing types (or one item alone), sometimes after redis.setresp(3) (RESP3
    replies in Lua; true and false answer #t / #f to a RESP3 client)."""
    items = [rng.choice(TABLE_ITEMS) for _ in range(rng.randint(1, 7))]
    resp3 = rng.random() < 0.25
    body = "return " + (items[0] if rng.random() < 0.15 else "{" + ", ".join(items) + "}")
    if resp3:
        body = "redis.setresp(3) " + body
    return script_command(rng, ctx, body, [ctx.key(), ctx.key()], [ctx.value(), ctx.value()],
                          normalize=unordered_aggregates if resp3 else None)


# (body, argument kinds, normalisation, RESP2 too): reads whose RESP3 replies are maps, sets,
# doubles or nulls, after redis.setresp(3). "key" arguments are KEYS, the others ARGV.
RESP3_READS = (
    ("return redis.pcall('hgetall', KEYS[1])", ("key",), diff_hash_family.sorted_pairs, True),
    ("return redis.pcall('smembers', KEYS[1])", ("key",), diff_set_family.sorted_reply,
     True),
    ("return redis.pcall('sinter', KEYS[1], KEYS[2])", ("key", "key"),
     diff_set_family.sorted_reply, True),
    ("return redis.pcall('zscore', KEYS[1], ARGV[1])", ("key", "member"), None, True),
    ("return redis.pcall('zmscore', KEYS[1], ARGV[1], ARGV[2])", ("key", "member", "member"),
     None, True),
    ("return redis.pcall('zrange', KEYS[1], 0, -1, 'WITHSCORES')", ("key",), None, True),
    ("return redis.pcall('mget', KEYS[1], KEYS[2], KEYS[3])", ("key", "key", "key"), None, True),
    ("return redis.pcall('hmget', KEYS[1], ARGV[1], ARGV[2])", ("key", "field", "field"), None,
     True),
    ("return redis.pcall('get', KEYS[1])", ("key",), None, True),
    ("return redis.pcall('type', KEYS[1])", ("key",), None, True),
    ("return {redis.pcall('hgetall', KEYS[1]), redis.pcall('smembers', KEYS[2]), "
     "redis.pcall('zrange', KEYS[2], 0, -1, 'WITHSCORES'), redis.pcall('zscore', KEYS[1], "
     "ARGV[1]), redis.pcall('get', KEYS[1])}", ("key", "key", "member"), None, False),
    ("local r = redis.pcall('hgetall', KEYS[1]) if r.map then local n = 0 "
     "for k, v in pairs(r.map) do n = n + 1 end return {'map', n} end return r", ("key",), None,
     True),
    ("local r = redis.pcall('smembers', KEYS[1]) if r.set then local n = 0 "
     "for k, v in pairs(r.set) do if v == true then n = n + 1 end end return {'set', n} end "
     "return r", ("key",), None, True),
    ("local r = redis.pcall('zscore', KEYS[1], ARGV[1]) if type(r) == 'table' and r.double "
     "then return {'double', tostring(r.double)} end return r", ("key", "member"), None, True),
    ("return {type(redis.pcall('get', KEYS[1])), type(redis.pcall('zscore', KEYS[1], "
     "ARGV[1]))}", ("key", "member"), None, True),
    ("return redis.setresp(4)", (), None, True),
    ("return redis.setresp()", (), None, True),
    ("redis.setresp(2) return redis.pcall('hmget', KEYS[1], ARGV[1])", ("key", "field"), None,
     True),
)


def tpl_resp3_read(rng, ctx):
    """redis.setresp(3) and a read whose RESP3 reply Lua sees as a table ({map=}, {set=},
    {double=}) or nil: in RESP3 streams the reply goes back as a map, set or double (compared
    with maps and sets unordered); a RESP2 stream gets them flattened (only reads with a known
    normalisation there)."""
    choices = [r for r in RESP3_READS if ctx.protocol == 3 or r[3]]
    body, kinds, normalize, _ = rng.choice(choices)
    keys, args = [], []
    for kind in kinds:
        if kind == "key":
            keys.append(diff_zset_family.zkey(rng, ctx))
        elif kind == "member":
            args.append(diff_zset_family.member(rng))
        else:
            args.append(diff_hash_family.field(rng))
    normalize = then(unordered_aggregates, normalize) if ctx.protocol == 3 else normalize
    return script_command(rng, ctx, "redis.setresp(3) " + body, keys, args, normalize)


SELECT_WRITES = (
    "redis.call('set', KEYS[1], ARGV[2])", "redis.pcall('append', KEYS[1], ARGV[2])",
    "redis.pcall('rpush', KEYS[1], ARGV[2])", "redis.pcall('sadd', KEYS[1], ARGV[2])",
    "redis.pcall('hset', KEYS[1], 'f1', ARGV[2])", "redis.pcall('zadd', KEYS[1], '1', ARGV[2])",
    "redis.pcall('del', KEYS[1])", "redis.pcall('move', KEYS[1], '0')",
    "redis.pcall('copy', KEYS[1], KEYS[2])", "redis.pcall('incr', KEYS[1])",
)


def tpl_select_write(rng, ctx):
    """SELECT inside a script, then a write: it lands in the selected db, and the caller's db
    stays what it was (Redis 2.8.12 and later); the stream's next commands and the dataset
    check see both."""
    select = rng.choice(("call", "call", "pcall"))
    body = (f"local before = redis.call('dbsize') redis.{select}('select', ARGV[1]) "
            f"local w = {rng.choice(SELECT_WRITES)} "
            "return {before, w, redis.call('dbsize'), redis.pcall('get', KEYS[1])}")
    return script_command(rng, ctx, body, [ctx.key(), ctx.key()], [ctx.db_arg(), ctx.value()])


PCALL_COMMANDS = ("incr", "lpush", "hget", "get", "sadd", "nosuch", "zadd", "multi", "set",
                  "getrange", "hello", "strlen", "select", "subscribe", "eval", "incrbyfloat",
                  "lrange", "ping", "", "GET", "Set", "hincrby", "bitcount", "sinter")


def tpl_pcall_error(rng, ctx):
    """An error caught by redis.pcall, its text returned as a string."""
    body = ("local r = redis.pcall(ARGV[1], KEYS[1], ARGV[2]) "
            "if type(r) == 'table' and r.err then return 'caught: ' .. r.err end return r")
    return script_command(rng, ctx, body, [ctx.key()], [rng.choice(PCALL_COMMANDS), ctx.value()])


FAILING_WRITES = (
    "redis.call('append', KEYS[1], ARGV[1]) return redis.call('lpush', KEYS[1], ARGV[1])",
    "redis.call('set', KEYS[1], ARGV[1]) error('boom')",
    "redis.call('set', KEYS[1], ARGV[1]) return redis.call('incr', KEYS[1])",
    "redis.call('del', KEYS[1]) return redis.call('nosuch')",
    "redis.call('rpush', KEYS[1], ARGV[1]) local x = nil return x.field",
    "redis.call('sadd', KEYS[1], ARGV[1]) error({err='MYERR from a table'})",
    "redis.call('hset', KEYS[1], 'f1', ARGV[1]) return redis.call('hget', KEYS[1])",
    "redis.call('zadd', KEYS[1], '1', ARGV[1]) return redis.error_reply('after a write')",
    "redis.call('incr', KEYS[1]) return redis.call('get', KEYS[1], ARGV[1])",
)


def tpl_write_then_fail(rng, ctx):
    """A write, then an error: the write stays (a script has no rollback)."""
    return script_command(rng, ctx, rng.choice(FAILING_WRITES), [ctx.key()], [ctx.value()])


NUMKEYS_BODIES = ("return {#KEYS, #ARGV, KEYS[1], ARGV[1], KEYS[2]}",
                  "return {KEYS[1], KEYS[2], ARGV[1], ARGV[2]}", "return #KEYS * 10 + #ARGV")
NUMKEYS = ("0", "1", "2", "3", "4", "-1", "abc", "1.5", "", " 1", "01", "+1",
           "9223372036854775808")


def tpl_numkeys(rng, ctx):
    """numkeys against the arguments there are (too many, negative, not a number)."""
    rest = [ctx.value() for _ in range(rng.randint(0, 3))]
    return script_command(rng, ctx, rng.choice(NUMKEYS_BODIES), (), rest,
                          numkeys=rng.choice(NUMKEYS))


NUMBER_BODIES = (
    "return tonumber(ARGV[1])", "return {tonumber(ARGV[1]), tostring(tonumber(ARGV[1]))}",
    "return ARGV[1] + 1", "return ARGV[1] * 1.5",
    "return redis.call('echo', tonumber(ARGV[1]) or 0)",
    "return redis.call('echo', ARGV[1] / 7)", "return math.huge", "return -math.huge",
    "return 0/0", "return {2^53, 2^53 + 1, -2^63, 2^63, 2^31, -2^31 - 0.5}",
    "return cjson.encode({tonumber(ARGV[1])})", "return redis.call('set', KEYS[1], ARGV[1] + 0)",
    "return redis.call('incrby', KEYS[1], tonumber(ARGV[1]) or 1)",
)
NUMBER_ARGS = ("1e20", "-1e20", "1e400", "4.5", "-4.5", "2.5", "0.1", "1e-320",
               "0x7fffffffffffffff", "9007199254740993", "123456789012345678")


def tpl_numbers(rng, ctx):
    """Lua numbers: coercion from strings, back to integer replies (truncated; NaN, infinities
    and out-of-range values give what Redis's cast to long long gives) and to command
    arguments (%.17g)."""
    r = rng.random()
    number = (rng.choice(NUMBER_ARGS) if r < 0.4 else rng.choice(GOOD_INTS) if r < 0.6
              else ctx.value())
    return script_command(rng, ctx, rng.choice(NUMBER_BODIES), [ctx.key()], [number])


def tpl_sort_in_script(rng, ctx):
    """SORT ... BY <no '*'> (no sorting) run by a script: Redis sorts a set source ALPHA all
    the same (deterministic output for scripts); a list keeps its order. Only the sort
    family's own sources, whose elements have no NUL byte (no two compare equal)."""
    key = rng.choice(diff_sort_family.SET_KEYS * 2 + diff_sort_family.LIST_KEYS)
    args = [rng.choice(("nosort", "nosort", "w_", "constant->n"))]
    options = []
    if rng.random() < 0.3:
        options.append(["LIMIT", rng.choice(("0", "1", "2")), rng.choice(("1", "3", "100"))])
    if rng.random() < 0.3:
        options.append(["DESC"])
    if rng.random() < 0.2:
        options.append(["ALPHA"])
    if rng.random() < 0.3:
        options.append(["GET", rng.choice(("#", "w_*", "o_*->n"))])
    rng.shuffle(options)
    args += [a for o in options for a in o]
    name = rng.choice(("sort", "sort", "sort_ro"))
    body = f"return redis.call('{name}', KEYS[1], 'BY', unpack(ARGV))"
    return script_command(rng, ctx, body, [key], args)


CJSON_BODIES = (
    "local r = redis.pcall('lrange', KEYS[1], 0, -1) if r.err then return r end "
    "return cjson.encode(r)",
    "return cjson.encode({ARGV[1], #ARGV})",
    "local ok, v = pcall(cjson.decode, ARGV[1]) if ok then return v end return 'bad json'",
)
JSON_VALUES = ("[1,2,3]", "{\"a\":1}", "\"str\"", "1.5", "abc", "null", "[1,null,3]", "[]",
               "{}", "[[1],[2,[3]]]", "true", "[true,false]", "1e400", "\"\\u00e9\"")


def tpl_cjson(rng, ctx):
    value = rng.choice(JSON_VALUES) if rng.random() < 0.7 else ctx.value()
    return script_command(rng, ctx, rng.choice(CJSON_BODIES), [ctx.key()], [value])


ERROR_BODIES = (
    "return +", "return redis.call()", "return redis.call('get', {})", "error('boom')",
    "return nosuch_global", "x = 5", "return redis.pcall('eval', 'return 1', '0')",
    "return 1 .. {}", "return redis.call('get', KEYS[1], {})", "return redis.status_reply('')",
    "return {err=''}", "return redis.error_reply('-ERR dashed')", "return {err='\\r\\nx'}",
    "return redis.call('nosuch', KEYS[1])", "return redis.pcall()", "return redis.sha1hex()",
    "return redis.call('set', KEYS[1])", "error()", "return {err='WRONGTYPE mine'}",
)


def tpl_error(rng, ctx):
    """Compile and runtime errors: the error text (with the script's sha) compared."""
    return script_command(rng, ctx, rng.choice(ERROR_BODIES), [ctx.key()], [ctx.value()])


NEVER_LOADED = "return 'never loaded by any stream'"


def tpl_script_admin(rng, ctx):
    """SCRIPT LOAD / EXISTS / FLUSH / KILL / HELP and their errors, EVALSHA of a script no
    stream loads, and wrong arities of EVAL & co. (SCRIPT EXISTS only of a sha loaded by its
    guard or never loaded.)"""
    never = hashlib.sha1(NEVER_LOADED.encode()).hexdigest()
    r = rng.random()
    if r < 0.2:
        body = rng.choice(INCR_LOOPS + NUMKEYS_BODIES)
        sha = hashlib.sha1(body.encode()).hexdigest()
        return Cmd(ctx.name("SCRIPT"), ctx.name("EXISTS"), *rng.sample([sha, never, "abc"], 3),
                   guard=(Cmd("SCRIPT", "LOAD", body), lambda reply: True))
    if r < 0.4:
        return Cmd(ctx.name("SCRIPT"), ctx.name("LOAD"),
                   rng.choice(ERROR_BODIES + ("return 1", "#!lua flags=bogus\nreturn 1")))
    if r < 0.5:
        return Cmd(ctx.name("SCRIPT"), ctx.name("FLUSH"),
                   *rng.choice(([], ["ASYNC"], ["SYNC"], ["bad"], ["ASYNC", "x"])))
    if r < 0.6:
        return Cmd(ctx.name(rng.choice(("EVALSHA", "EVALSHA_RO"))),
                   rng.choice((never, never.upper(), "abc", "", never + "0")), "0")
    args = rng.choice((["SCRIPT"], ["SCRIPT", "KILL"], ["SCRIPT", "HELP"], ["SCRIPT", "NOSUCH"],
                       ["SCRIPT", "EXISTS"], ["SCRIPT", "LOAD"], ["SCRIPT", "LOAD", "a", "b"],
                       ["SCRIPT", "KILL", "x"], ["EVAL"], ["EVAL", "return 1"], ["EVALSHA", never],
                       ["EVAL_RO"], ["EVALSHA_RO"], ["EVAL", "return 1", "0", "k"]))
    return Cmd(*[ctx.name(a) if a.isupper() else a for a in args])


SCRIPT_TEMPLATES = [
    (tpl_get_append, 2), (tpl_incr_loop, 2), (tpl_mixed_table, 4), (tpl_resp3_read, 3),
    (tpl_select_write, 2), (tpl_pcall_error, 1), (tpl_write_then_fail, 1), (tpl_numkeys, 1),
    (tpl_numbers, 2), (tpl_sort_in_script, 1), (tpl_cjson, 1), (tpl_error, 1),
    (tpl_script_admin, 1),
]


def next_template(rng, ctx):
    generator = rng.choices([g for g, _ in SCRIPT_TEMPLATES],
                            weights=[w for _, w in SCRIPT_TEMPLATES])[0]
    return generator(rng, ctx)


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
    "hyperloglog": diff_hll_family.GENERATORS,  # diff_hll_family.py
    "geo": diff_geo_family.GENERATORS,  # diff_geo_family.py
    "streams": diff_stream_family.GENERATORS,  # diff_stream_family.py
}
diff_core_family.bind(Cmd)
diff_hash_family.bind(Cmd)
diff_set_family.bind(Cmd)
diff_list_family.bind(Cmd)
diff_bit_family.bind(Cmd)
diff_sort_family.bind(Cmd)
diff_zset_family.bind(Cmd)
diff_hll_family.bind(Cmd)
diff_geo_family.bind(Cmd)
diff_stream_family.bind(Cmd)
FAMILY_WEIGHTS = {"strings": 10, "keys": 6, "expiry": 5, "connection": 1, "errors": 2,
                  "transactions": 3, "pubsub": 4, "hashes": 8, "sets": 8, "lists": 8, "bits": 8,
                  "sort": 6, "zsets": 8, "hyperloglog": 3, "geo": 4, "streams": 4}
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
if FAMILY_WEIGHTS["hyperloglog"] > 0:
    ARITY.update(diff_hll_family.ARITY)
if FAMILY_WEIGHTS["geo"] > 0:
    ARITY.update(diff_geo_family.ARITY)
if FAMILY_WEIGHTS["streams"] > 0:
    ARITY.update(diff_stream_family.ARITY)


def next_command(rng, ctx, families=None):
    """A family by FAMILY_WEIGHTS (among `families`, default all), then one of its generators
    (an entry is a generator or a (generator, weight) pair, weight 1 by default)."""
    names = list(families or FAMILIES)
    family = rng.choices(names, weights=[FAMILY_WEIGHTS.get(n, 1) for n in names])[0]
    entries = [e if isinstance(e, tuple) else (e, 1) for e in FAMILIES[family]]
    generator = rng.choices([g for g, _ in entries], weights=[w for _, w in entries])[0]
    return generator(rng, ctx)


def known_difference(cmd):
    """Why cmd (or the command a wrapping script runs) is a known difference, or None."""
    return next((why for matches, why in KNOWN_DIFFERENCES
                 for c in (cmd, cmd.wraps) if c is not None and matches(c.args)), None)


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
        knobs = "".join(f"{name}={os.environ[name]} " for name in
                        ("BASALT_DIFF_WEIGHTS", "BASALT_DIFF_SCRIPTS") if os.environ.get(name))
        lines.append(f"replay: {knobs}"
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
                elif kind == b"stream":
                    value = diff_stream_family.dataset_value([
                        (normalize or (lambda reply: reply))(
                            parse_whole(self.request(conn, *args)))
                        for args, normalize in diff_stream_family.dataset_reads(key)])
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
    PUBLISH (or a script running one, see wrap_in_script) answered n, the counts of the
    PUBLISHes an EXEC ran, [] otherwise."""
    if cmd.runs() in PUBLISHERS and reply[0] == b":":
        return [reply[1]]
    if cmd.name() == b"exec" and queued is not None and reply[0] == b"*" and \
            reply[1] is not None:
        return [element[1] for q, element in zip(queued, reply[1])
                if q.runs() in PUBLISHERS and element[0] == b":"]
    return []


class DifferentialTest(diff_shared.SideBySide, lib.unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env_seeds = os.environ.get("BASALT_DIFF_SEEDS")
        cls.seeds = diff_shared.parse_seeds(env_seeds) if env_seeds else list(SEEDS)
        cls.count = int(os.environ.get("BASALT_DIFF_COMMANDS", COMMANDS_PER_SEED))
        cls.script_rates = script_rates()

    def run_protocol(self, protocol):
        started, sent, skipped, messages, mismatches = time.monotonic(), 0, 0, 0, []
        scripts = 0
        for seed in self.seeds:
            rng = random.Random(f"resp{protocol}-seed{seed}")
            ctx = Context(rng, protocol)
            # Scripts draw from an rng (and a Context) of their own: the generated commands
            # are the same with scripts or without (BASALT_DIFF_SCRIPTS=0).
            script_rng = random.Random(f"resp{protocol}-seed{seed}-scripts")
            script_ctx = Context(script_rng, protocol)
            stream = Stream(self, seed, protocol, self.redis.port, self.basalt.port, ctx)
            try:
                if protocol == 3:
                    hello = diff_core_family.hello_reply
                    stream.execute(Cmd("HELLO", "3", normalize=hello))
                    stream.execute(Cmd("HELLO", "3", normalize=hello, on="sub"))
                stream.execute(Cmd("FLUSHALL"))
                # self.count generated commands go as they are; the ones a script runs come
                # on top (only with wrap=1, every one of self.count commands in a script).
                generated = direct = 0
                while direct < self.count and (generated < self.count or
                                               self.script_rates["wrap"] < 1):
                    cmd = next_command(rng, ctx)
                    generated += 1
                    if script_rng.random() < self.script_rates["wrap"]:
                        cmd = wrap_in_script(script_rng, script_ctx, cmd)
                    direct += cmd.wraps is None
                    scripts += cmd.wraps is not None
                    stream.execute(cmd)
                    if script_rng.random() < self.script_rates["templates"]:
                        stream.execute(next_template(script_rng, script_ctx))
                        scripts += 1
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
        print(f"\n  RESP{protocol}: {len(self.seeds)} seeds, {sent} commands ({scripts} of them "
              f"scripts) and {messages} pub/sub messages compared, {skipped} known differences "
              "skipped, "
              f"{time.monotonic() - started:.1f}s", end=" ", flush=True)

    def test_resp2(self):
        self.run_protocol(2)

    def test_resp3(self):
        self.run_protocol(3)


if __name__ == "__main__":
    lib.main()
