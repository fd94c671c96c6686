"""Generator shapes the container families of the differential test (test_differential.py)
share: diff_hash_family.py, diff_set_family.py, diff_zset_family.py and diff_list_family.py
send the same kinds of commands (HSCAN / SSCAN / ZSCAN, OBJECT ENCODING behind a TYPE guard,
HRANDFIELD / SRANDMEMBER / ZRANDMEMBER, wrong argument counts) and compare them the same way;
the shape lives here once, with what differs per family as parameters.

Every function here draws from the stream's rng in exactly the order the families' own
generators did before they moved here, so the streams (and a replay of an old failure's seed)
stay the same. Every family's bind() and Cmd (all seven families, containers or not) are this
module's: test_differential.py's Cmd class is bound once for all of them. For every test that
compares basalt with redis-server: SideBySide starts the pair (ScenarioSideBySide compares
scenarios' replies; FreshPairTest starts a fresh pair per scenario), parse_seeds reads the seed
knobs.
"""

import collections
import shutil
import tempfile

import basalt_testlib as lib

_cmd_class = None  # the Cmd class of test_differential.py, set by bind()


class SideBySide:
    """A test class's redis-server 7.0.15 and basalt, started once for the class with the same
    server_args, for the tests that send both the same input and compare what comes back."""

    server_args = ()

    @classmethod
    def setUpClass(cls):
        cls.redis_dir = tempfile.mkdtemp(prefix="basalt-it-side-redis-")
        cls.redis = lib.RedisProcess(cls.redis_dir, args=cls.server_args).start()
        cls.basalt = lib.ServerProcess(args=cls.server_args).start()

    @classmethod
    def tearDownClass(cls):
        cls.redis.stop()
        shutil.rmtree(cls.redis_dir, ignore_errors=True)
        cls.basalt.stop_and_check()


class ScenarioSideBySide(SideBySide):
    """SideBySide for scenario tests: check(steps, hello3) sends each step to both servers on a
    fresh connection (after flush_commands, and HELLO 3 when hello3) and compares every raw
    reply."""

    flush_commands = (("FLUSHALL",),)

    def run_steps(self, port, steps, hello3):
        with lib.RawConnection(port) as conn:
            for args in self.flush_commands:
                self.assertEqual(conn.command(*args), b"+OK\r\n")
            if hello3:
                self.assertTrue(conn.command("HELLO", "3").startswith(b"%"))
            return [conn.command(*step) for step in steps]

    def check(self, steps, hello3):
        ours = self.run_steps(self.basalt.port, steps, hello3)
        theirs = self.run_steps(self.redis.port, steps, hello3)
        for step, mine, reference in zip(steps, ours, theirs):
            self.assertEqual(mine, reference, "step %r" % (step[:4],))


class FreshPairTest(lib.unittest.TestCase):
    """For scenarios that change a server for good (a busy script, a shutdown): both(scenario)
    runs scenario(port) on a fresh redis-server and a fresh basalt, compares what they return,
    and hands back the basalt process."""

    def both(self, scenario):
        redis_dir = tempfile.mkdtemp(prefix="basalt-it-pair-redis-")
        self.addCleanup(shutil.rmtree, redis_dir, True)
        redis = lib.RedisProcess(redis_dir).start()
        self.addCleanup(redis.stop)
        basalt = lib.ServerProcess().start()
        self.addCleanup(basalt.kill)
        expected = scenario(redis.port)
        self.assertEqual(scenario(basalt.port), expected)
        return basalt


def parse_seeds(text):
    """A seed list of the differential tests' environment knobs: "1-200", "7,12" or both."""
    seeds = []
    for part in text.split(","):
        low, _, high = part.strip().partition("-")
        seeds += range(int(low), int(high or low) + 1)
    return seeds


def bind(cmd_class):
    """test_differential.py calls this (as every family's bind()) with its Cmd class: a family
    cannot import it, since test_differential.py runs as __main__ (an import would make a
    second module, with a second Cmd class)."""
    global _cmd_class
    _cmd_class = cmd_class


def Cmd(*args, **options):  # noqa: N802 (named as the class it stands for)
    """A test_differential.py Cmd (see bind): the families build every command through this."""
    return _cmd_class(*args, **options)


def pairs_of(items):
    """A flat [f1, v1, f2, v2, ...] list of parsed bulks as [(f1, v1), ...] (an HGETALL or a
    WITHSCORES reply in RESP2)."""
    return list(zip(items[::2], items[1::2]))


# -- type guards and OBJECT ENCODING ------------------------------------------------------------

def type_guard(key, type_name):
    """(TYPE key, predicate) letting a command through only when key holds type_name (b"hash",
    b"set", ...): OBJECT ENCODING is compared only where basalt must mimic Redis's encodings."""
    expected = (b"+", type_name)
    return (Cmd("TYPE", key), lambda reply: reply == expected)


def object_encoding(ctx, key, type_name):
    """OBJECT ENCODING key, behind type_guard (compared exactly)."""
    return Cmd(ctx.name("OBJECT"), ctx.name("ENCODING"), key, guard=type_guard(key, type_name))


# -- HSCAN, SSCAN, ZSCAN ------------------------------------------------------------------------

BIG_SCAN_COUNT = 1000  # > the largest hash, set or sorted set of a stream: a scan is complete
BAD_SCAN_CURSORS = ("abc", " 0", "0 ", "1.5", "18446744073709551616", "0x0", "--1")

ScanSpec = collections.namedtuple("ScanSpec", (
    "command",            # "HSCAN", "SSCAN", "ZSCAN"
    "type_name",          # TYPE's answer for the family's keys: b"hash", b"set", b"zset"
    "whole_encoding",     # the encoding Redis scans whole with cursor 0: b"listpack", b"intset"
    "normalize",          # the reply's comparable form: scan_pairs_reply or scan_members_reply
    "match_patterns",     # MATCH's patterns, from the family's own element pool
    "bad_cursors",        # cursors that are not unsigned 64-bit integers
    "small_counts",       # COUNTs of a scan Redis may answer in parts
    "bad_option_below",   # a draw in [0.08, this) adds an invalid option (an error reply)
    "extra_bad_options",  # the family's invalid options beyond COUNT's and MATCH's
))


def gen_scan(rng, ctx, key, spec):
    """A scan whose reply Redis determines: COUNT >= BIG_SCAN_COUNT on any key (always in
    MULTI, where no guard can look at the key first), an error (bad cursor, bad option), or
    cursor 0 with a small COUNT behind a guard TYPE + OBJECT ENCODING that lets it through
    only on spec.whole_encoding (Redis returns such a key whole whatever COUNT says) or a key
    of another type (WRONGTYPE, or the empty reply of a missing key)."""
    options = []
    big = rng.random() < 0.4 or ctx.queued is not None
    if big:
        options.append([ctx.name("COUNT"), str(rng.choice((BIG_SCAN_COUNT, 5000)))])
    elif rng.random() < 0.6:
        options.append([ctx.name("COUNT"), str(rng.choice(spec.small_counts))])
    if rng.random() < 0.5:
        options.append([ctx.name("MATCH"), rng.choice(spec.match_patterns)])
    rng.shuffle(options)
    cursor, error = "0", False
    r = rng.random()
    if r < 0.08:
        cursor, error = rng.choice(spec.bad_cursors), True
    elif r < spec.bad_option_below:
        # COUNT < 1, not a number, a missing argument, the family's unknown options
        options.append(rng.choice(([ctx.name("COUNT"), "0"], [ctx.name("COUNT"), "-1"],
                                   [ctx.name("COUNT"), "abc"], [ctx.name("COUNT")],
                                   [ctx.name("MATCH")]) + spec.extra_bad_options))
        error = True
    args = [ctx.name(spec.command), key, cursor] + [a for o in options for a in o]
    if big or error:
        return Cmd(*args, normalize=spec.normalize)
    encoding = Cmd("OBJECT", "ENCODING", key, guard=type_guard(key, spec.type_name))
    whole = (b"$", spec.whole_encoding)
    return Cmd(*args, normalize=spec.normalize,
               guard=(encoding, lambda reply: reply is None or reply == whole))


def _sorted_scan(reply, group):
    kind, payload = reply
    if kind != b"*" or payload is None or len(payload) != 2 or payload[1][0] != b"*":
        return reply
    cursor, elements = payload
    return (kind, cursor, sorted(group(elements[1]), key=repr))


def scan_pairs_reply(reply):
    """HSCAN, ZSCAN: the cursor and the sorted (field, value) / (member, score) pairs (a
    hashtable or skiplist scans in hash order)."""
    return _sorted_scan(reply, pairs_of)


def scan_members_reply(reply):
    """SSCAN: the cursor and the sorted members."""
    return _sorted_scan(reply, list)


# -- HRANDFIELD, SRANDMEMBER, ZRANDMEMBER -------------------------------------------------------

RANDOM_PICK_CUTS = (0.25, 0.45, 0.6, 0.65, 0.75)


def random_pick_count(rng, big_counts, cuts=RANDOM_PICK_CUTS):
    """The COUNT of a random pick: None (no COUNT), a small positive or negative one, 0, one of
    big_counts (beyond any key, or huge), or "bad" (the caller sends an invalid one). cuts are
    the cumulative chances of the first five."""
    none_below, positive_below, negative_below, zero_below, big_below = cuts
    r = rng.random()
    if r < none_below:
        return None
    if r < positive_below:
        return rng.randint(1, 5)
    if r < negative_below:
        return -rng.randint(1, 8)
    if r < zero_below:
        return 0
    if r < big_below:
        return rng.choice(big_counts)
    return "bad"


def capture_into(holder, content_of):
    """A guard predicate that keeps content_of(the guard's reply) in holder["content"] (None
    when the reply is not the key's content: an error, +QUEUED) and always lets the command
    through: a random pick's reply is then compared against what the key held."""

    def capture(reply):
        holder["content"] = content_of(reply)
        return True

    return capture


def random_pairs_normalizer(count, paired, holder, one_label):
    """The comparable form of an HRANDFIELD / ZRANDMEMBER reply: without COUNT, one_label ("a
    field") when the reply is one of the key's names; a COUNT >= the key's size, the reply's
    shape and sorted items; otherwise the shape, the length, whether the names are distinct
    (positive COUNT) and whether every item is the key's (with its value or score when paired:
    WITHVALUES / WITHSCORES). holder["content"] is {name: value} as the guard read it, or None
    (unknown: in MULTI, or not the family's type), where only shape, length and distinctness
    count."""

    def normalize(reply):
        kind, payload = reply
        content = holder.get("content")
        if kind in (b"-", b"_") or payload is None:
            return reply  # errors, nil (missing key, no COUNT)
        if count is None:
            known = content is None or payload in content
            return (kind, one_label if known else payload)
        if kind != b"*":
            return reply
        shape = sorted({repr(e[0]) if e[0] != b"*" else repr(e[0]) + str(len(e[1] or ()))
                        for e in payload})
        if paired and payload and payload[0][0] == b"*":  # RESP3: [[name, value], ...]
            if any(e[0] != b"*" or len(e[1] or ()) != 2 for e in payload):
                return reply
            items = [(e[1][0][1], e[1][1][1]) for e in payload]
        elif paired:
            items = [(n[1], v[1]) for n, v in pairs_of(payload)]
        else:
            items = [(e[1], None) for e in payload]
        names = [n for n, _ in items]
        if content is not None and count > 0 and count >= len(content):
            return (kind, shape, sorted(items, key=repr))
        belong = content is None or all(
            n in content and (not paired or content[n] == v) for n, v in items)
        distinct = len(set(names)) == len(names) if count > 0 else None
        return (kind, shape, len(items), distinct, belong)

    return normalize


# -- argument errors ----------------------------------------------------------------------------

def wrong_extra_args(rng, ctx, key, table, draw_argument):
    """A command of table ((name, wrong numbers of arguments after the key), ...) with one of
    its wrong numbers of arguments, each drawn by draw_argument(rng): the arity errors the
    arity check lets through."""
    name, extra = rng.choice(table)
    return Cmd(ctx.name(name), key, *[draw_argument(rng) for _ in range(rng.choice(extra))])
