"""The stream family of the differential test (test_differential.py): XADD, XRANGE, XREVRANGE,
XLEN, XDEL, XTRIM, XSETID, XREAD, XREADGROUP, XGROUP (CREATE, SETID, DESTROY, CREATECONSUMER,
DELCONSUMER, HELP), XACK, XPENDING, XCLAIM, XAUTOCLAIM and XINFO (STREAM, STREAM FULL, GROUPS,
CONSUMERS, HELP), on the shared key space (ctx.key()), so streams meet the other types
(WRONGTYPE) and the key commands (RENAME, COPY, MOVE, DEL, EXPIRE ...).

test_differential.py imports this module, calls bind(Cmd), adds GENERATORS as
FAMILIES["streams"] and ARITY to its ARITY (only when the family's weight is not 0, so a stream
without the family is the same as before it existed); its dump_dataset reads a stream with the
commands of dataset_reads() (XRANGE - +, XINFO STREAM, XINFO STREAM FULL COUNT 0, the last
one normalised) through dataset_value().

Keys and names. Most commands go to STREAM_KEYS (s:1 and s:2, keys of the family's own, and
k0 of the shared space), the rest anywhere in the shared space. Group and consumer names come
from small pools (so commands meet each other's groups), with rare ones holding a NUL byte (Redis
prints names in errors with %s) or CR LF. The group commands are hit by the other families'
FLUSHALLs, SELECTs and aborted transactions, so now and then (outside MULTI) a command runs
behind a guard XGROUP CREATE key group 0|$ MKSTREAM (with_group), or behind a XREADGROUP > of a
few entries that is itself behind one (with_pending): whatever the guards answer (compared
too), the command follows. IDs in a group's PEL cannot be known in advance; a script
(gen_pel_script) reads them with XPENDING and runs XACK, XCLAIM or XDEL on them.

IDs. A stream's IDs are time based only for XADD `*`; everything else here is explicit. The
generators keep a clock of their own in the Context (ctx.stream_clock: a millisecond part that
goes up by small steps, a sequence part) and draw XADD IDs from it: mostly the next one (so
XADDs succeed), sometimes one already used or an older one (the "equal or smaller" error, or
a success on another key whose top is lower), `<ms>-*` (deterministic: it depends only on the
stream's last ID), incomplete IDs (`5`), leading zeros and `+7` / ` 7` (accepted by Redis's
strtoull fallback), the edges (`0-0`, the last possible ID: "exhausted", `<max>-*`: "Elements
are too large") and invalid ones. Now and then the clock jumps for good to 2100-01-01
(4102444800000 ms): from then on a XADD `*` is deterministic on a stream whose last entry is
that far ahead (`*` then gives last.ms-(last.seq+1)), so `*` is sent only behind a guard
XREVRANGE key + - COUNT 1 that shows such a last entry (or an error: the wrong type), never in
MULTI. A bulk XADD (a script adding 10 to 250 entries with `<ms>-*`) makes streams of several
listpack nodes, for `~` trims (whole nodes only) and XINFO's radix-tree counts.

What legitimately differs, and how it is compared:
  - Idle times (XPENDING's extended form, XINFO CONSUMERS) and unix-ms times (XINFO STREAM
    FULL: a PEL entry's delivery time, a consumer's seen-time) depend on when a command ran.
    They are compared as buckets of the idle time: negative, recent (< 1e9 ms: everything
    delivered or seen during a run), around 1e10 (XCLAIM IDLE 10000000000), ancient (>= 1e11:
    XCLAIM TIME 0 or TIME 1000). Every threshold a command takes (XCLAIM / XAUTOCLAIM
    min-idle-time, XPENDING IDLE) is one of 0, 1e9, 1e11, 1e13 or invalid, so which entries
    pass never depends on the milliseconds between two commands.
  - XREAD / XREADGROUP BLOCK: only small timeouts (1 ms), rarely outside MULTI (no other client
    writes, so the reply is the data there is or the timeout's nil), or invalid ones.
Everything else is compared byte for byte.
"""

import time

import diff_shared

# test_differential.py calls every family's bind() with its Cmd class (see diff_shared.py).
bind, Cmd = diff_shared.bind, diff_shared.Cmd

# Redis 7.0 arities (COMMAND INFO), for the wrong-arity generator. XGROUP and XINFO are
# containers: their subcommands' arities are gen_stream_bad_args's.
ARITY = {
    "xadd": -5, "xrange": -4, "xrevrange": -4, "xlen": 2, "xdel": -3, "xtrim": -4,
    "xsetid": -3, "xread": -4, "xreadgroup": -7, "xack": -4, "xpending": -3, "xclaim": -6,
    "xautoclaim": -6, "xgroup": -2, "xinfo": -2,
}

# Where the family's commands go most of the time: two keys of its own (like the sort family's,
# outside the shared space: no other family makes them strings) and one of the shared space.
STREAM_KEYS = (b"s:1", b"s:1", b"s:2", b"k0")
GROUPS = (b"g1", b"g1", b"g1", b"g1", b"g1", b"g2", b"g2", b"grp", b"")
RARE_GROUPS = (b"G\x00x", b"nog")
CONSUMERS = (b"c1", b"c1", b"c1", b"c2", b"c2", b"alice", b"")
RARE_CONSUMERS = (b"C\x00\r\nx", b"IDLE")
FIELDS = (b"f", b"f", b"g", b"h", b"", b"field:1", b"\x00bin")

MAX = "18446744073709551615"
FAR_MS = 4102444800000  # 2100-01-01: a clock this far ahead makes XADD * deterministic
EDGE_IDS = ("0-0", "0", "0-1", MAX + "-" + MAX, MAX + "-0", MAX, "18446744073709551614-" + MAX,
            "1-" + MAX)
BAD_IDS = ("-", "+", "abc", "1-2-3", "-1", "1--1", "(5", "$", ">", "*", "1e3", "0x10",
           "18446744073709551616", "1-18446744073709551616", "7 ", "", "1-", "-0", "((1", "(")
ODD_IDS = (" 7", "+7", "07-01", "0005", "+3-+1")  # accepted by Redis's strtoull fallback
BAD_COUNTS = ("abc", "1.5", "", "9223372036854775808")

# Idle thresholds (XCLAIM / XAUTOCLAIM min-idle-time, XPENDING IDLE): far from every idle time
# a run makes (recent: < 1e9; XCLAIM IDLE 1e10: ~1e10; XCLAIM TIME 0 / 1000: ~1.8e12).
MIN_IDLES = ("0", "0", "0", "-1", "1000000000", "100000000000", "10000000000000")
BAD_MIN_IDLES = ("abc", "1.5", "", "9223372036854775808")


# -- the ID clock ---------------------------------------------------------------------------------

class Clock:
    """The IDs this stream's XADDs draw from (kept in the Context, so a stream's IDs only
    depend on its rng)."""

    def __init__(self):
        self.ms, self.seq = 1, 0
        self.used = [(1, 0)]

    def advance(self, rng):
        step = rng.choice((0, 1, 1, 1, 2, 3, 10))
        if step:
            self.ms += step
            self.seq = rng.choice((0, 0, 0, 1, 5))
        else:
            self.seq += rng.choice((1, 1, 2))
        self.used.append((self.ms, self.seq))
        if len(self.used) > 60:
            del self.used[:20]
        return self.ms, self.seq

    def jump_far(self):
        if self.ms < FAR_MS:
            self.ms, self.seq = FAR_MS + self.ms, 0


def clock(ctx):
    if getattr(ctx, "stream_clock", None) is None:
        ctx.stream_clock = Clock()
    return ctx.stream_clock


def id_text(rng, ms, seq):
    r = rng.random()
    if seq == 0 and r < 0.3:
        return str(ms)
    if r < 0.03:
        return "0%d-0%d" % (ms, seq)
    return "%d-%d" % (ms, seq)


def known_id(rng, ctx):
    """An ID near the ones XADD used: one of them, or one beside it."""
    ms, seq = rng.choice(clock(ctx).used)
    r = rng.random()
    if r < 0.6:
        return id_text(rng, ms, seq)
    if r < 0.75:
        return id_text(rng, ms, seq + 1)
    if r < 0.85:
        return id_text(rng, max(ms - 1, 0), seq)
    return id_text(rng, ms + rng.choice((1, 2, 50)), 0)


def any_id(rng, ctx, good=0.9):
    """An ID argument: mostly a known one, sometimes 0, an edge, an odd or a bad one."""
    r = rng.random()
    if r < good * 0.85:
        return known_id(rng, ctx)
    if r < good:
        return rng.choice(("0", "0-0", "0-1") + EDGE_IDS[3:] + ODD_IDS)
    return rng.choice(BAD_IDS)


def range_bound(rng, ctx, start):
    """A XRANGE / XPENDING / XAUTOCLAIM bound: -, +, an ID (complete or not), an exclusive one,
    an edge that is an error when exclusive, or a bad one."""
    r = rng.random()
    if r < 0.35:
        usual, other = ("-", "+") if start else ("+", "-")
        return usual if rng.random() < 0.9 else other
    if r < 0.75:
        return known_id(rng, ctx)
    if r < 0.9:
        return "(" + known_id(rng, ctx)
    if r < 0.96:
        return rng.choice(("(0-0", "(0", "0", "(" + MAX + "-" + MAX, MAX + "-" + MAX, "(" + MAX,
                           "(1-" + MAX))
    return rng.choice(("((1", "(", "(-", "(+", "abc", "1-2-3", "-1", "*", "$", ">", "1-"))


# -- keys and names -------------------------------------------------------------------------------

def skey(rng, ctx):
    """A key of the shared space, mostly one of STREAM_KEYS."""
    return rng.choice(STREAM_KEYS) if rng.random() < 0.88 else ctx.key()


def group(rng):
    return rng.choice(GROUPS) if rng.random() < 0.95 else rng.choice(RARE_GROUPS)


def with_group(rng, ctx, cmd, key, group_name):
    """cmd, now and then (outside MULTI) behind a guard XGROUP CREATE key group 0|$ MKSTREAM
    (compared too, and whatever it answers the command follows): the group commands find a
    group more often than the scattered key space and the other families' FLUSHALLs, SELECTs
    and aborted transactions would leave them."""
    if ctx.queued is None and rng.random() < 0.35:
        create = Cmd("XGROUP", "CREATE", key, group_name, rng.choice(("0", "0", "$")), "MKSTREAM")
        cmd.guard = (create, lambda reply: True)
    return cmd


def with_pending(rng, ctx, cmd, key, group_name):
    """cmd, now and then (outside MULTI) behind a XREADGROUP > of a few entries for the group
    (itself behind with_group): the PEL commands find pending entries more often."""
    if ctx.queued is None and rng.random() < 0.4:
        read = Cmd("XREADGROUP", "GROUP", group_name, consumer(rng), "COUNT",
                   rng.choice(("1", "2", "5")), "STREAMS", key, ">")
        cmd.guard = (with_group(rng, ctx, read, key, group_name), lambda reply: True)
        return cmd
    return with_group(rng, ctx, cmd, key, group_name)


def consumer(rng):
    return rng.choice(CONSUMERS) if rng.random() < 0.95 else rng.choice(RARE_CONSUMERS)


def field_values(rng, ctx):
    pairs = []
    for _ in range(rng.choice((1, 1, 1, 2, 2, 3))):
        field = rng.choice(FIELDS)
        value = ctx.value() if rng.random() < 0.5 else rng.choice((b"v", b"1", b"2", b""))
        pairs += [field, value]
    if rng.random() < 0.03:
        pairs.append(b"odd")
    return pairs


def count_value(rng, extra=()):
    r = rng.random()
    if r < 0.8:
        return rng.choice(("1", "2", "3", "5", "10", "100") + extra)
    if r < 0.93:
        return rng.choice(("0", "-1", "-5"))
    return rng.choice(BAD_COUNTS)


# -- normalisations -------------------------------------------------------------------------------

def idle_bucket(idle):
    """An idle time in milliseconds as the bucket it falls in (see the module's docstring)."""
    if idle < 0:
        return "negative"
    if idle < 10**9:
        return "recent"
    if idle < 10**11:
        return "about 1e10"
    return "ancient"


def since_bucket(unix_ms):
    return idle_bucket(int(time.time() * 1000) - unix_ms)


def _bucketed(item, bucket):
    kind, payload = item
    if kind == b":" and isinstance(payload, int):
        return (kind, bucket(payload))
    return item


def _fields(reply):
    """The (name, value) pairs of a reply that is a RESP3 map or a RESP2 flat name/value
    array, else None."""
    kind, payload = reply
    if kind in (b"%", b"|") and payload is not None:
        return payload
    if kind == b"*" and payload is not None and len(payload) % 2 == 0 and all(
            k[0] in (b"$", b"+") for k in payload[::2]):
        return list(zip(payload[::2], payload[1::2]))
    return None


def _rebuild(reply, pairs):
    kind = reply[0]
    if kind in (b"%", b"|"):
        return (kind, pairs)
    return (kind, [x for pair in pairs for x in pair])


def _map_fields(reply, change):
    """reply (a map or a flat name/value array) with change(name, value) applied to values."""
    pairs = _fields(reply)
    if pairs is None:
        return reply
    return _rebuild(reply, [(k, change(k[1], v)) for k, v in pairs])


def xpending_reply(reply):
    """The extended XPENDING: [id, consumer, idle, count] per entry, the idle bucketed."""
    kind, payload = reply
    if kind != b"*" or payload is None:
        return reply
    out = []
    for entry in payload:
        if entry[0] == b"*" and entry[1] is not None and len(entry[1]) == 4:
            items = list(entry[1])
            items[2] = _bucketed(items[2], idle_bucket)
            entry = (entry[0], items)
        out.append(entry)
    return (kind, out)


def xinfo_consumers_reply(reply):
    """XINFO CONSUMERS: every consumer's idle bucketed."""
    kind, payload = reply
    if kind != b"*" or payload is None:
        return reply
    return (kind, [_map_fields(c, lambda name, value: _bucketed(value, idle_bucket)
                               if name == b"idle" else value) for c in payload])


def _pending_times(value, time_index):
    kind, payload = value
    if kind != b"*" or payload is None:
        return value
    out = []
    for entry in payload:
        if entry[0] == b"*" and entry[1] is not None and len(entry[1]) > time_index:
            items = list(entry[1])
            items[time_index] = _bucketed(items[time_index], since_bucket)
            entry = (entry[0], items)
        out.append(entry)
    return (kind, out)


def _full_consumer(reply):
    def change(name, value):
        if name == b"seen-time":
            return _bucketed(value, since_bucket)
        if name == b"pending":
            return _pending_times(value, 1)  # [id, delivery time, count]
        return value
    return _map_fields(reply, change)


def _full_group(reply):
    def change(name, value):
        if name == b"pending":
            return _pending_times(value, 2)  # [id, consumer, delivery time, count]
        if name == b"consumers" and value[0] == b"*" and value[1] is not None:
            return (value[0], [_full_consumer(c) for c in value[1]])
        return value
    return _map_fields(reply, change)


def xinfo_full_reply(reply):
    """XINFO STREAM FULL: delivery times and seen-times (unix ms) as idle buckets."""
    def change(name, value):
        if name == b"groups" and value[0] == b"*" and value[1] is not None:
            return (value[0], [_full_group(g) for g in value[1]])
        return value
    return _map_fields(reply, change)


def dataset_reads(key):
    """The commands dump_dataset reads a stream with, and their normalisations."""
    return ((("XRANGE", key, "-", "+"), None), (("XINFO", "STREAM", key), None),
            (("XINFO", "STREAM", key, "FULL", "COUNT", "0"), xinfo_full_reply))


def dataset_value(replies):
    """A stream in the dataset dump: the parsed (normalised) replies of dataset_reads."""
    return ("stream", replies)


# -- generators -----------------------------------------------------------------------------------

def trim_args(rng, ctx, for_xadd):
    """MAXLEN / MINID [= | ~] threshold [LIMIT n], valid most of the time, as option groups."""
    r = rng.random()
    if r < 0.8:
        strategy = rng.choice(("MAXLEN", "MAXLEN", "MINID"))
        group_ = [ctx.name(strategy)]
        modifier = rng.choice((None, None, "=", "~", "~"))
        if modifier:
            group_.append(modifier)
        if strategy == "MAXLEN":
            group_.append(rng.choice(("0", "1", "2", "3", "5", "10", "50", "100", "150",
                                      "1000")))
        else:
            group_.append(known_id(rng, ctx))
        groups = [group_]
        if modifier == "~" and rng.random() < 0.4:
            groups.append([ctx.name("LIMIT"), rng.choice(("0", "1", "10", "99", "100", "150",
                                                          "1000"))])
        return groups
    # invalid combinations and values
    choices = (
        [["MAXLEN", "-1"]], [["MAXLEN", "~", "-1"]], [["MAXLEN", "abc"]],
        [["MAXLEN", "9223372036854775808"]], [["MAXLEN", "~", "x"]],
        [["MAXLEN", "1"], ["MINID", "1"]], [["MAXLEN", "~", "10"], ["MAXLEN", "5"]],
        [["MINID", "5"], ["MINID", "~", "6"]], [["MINID", "5"], ["MAXLEN", "abc"]],
        [["MINID", "abc"]], [["MINID", "-1"]], [["MINID", "(5"]], [["MINID", "-"]],
        [["MINID", "+"]], [["LIMIT", "10"]], [["MAXLEN", "10"], ["LIMIT", "10"]],
        [["MAXLEN", "=", "10"], ["LIMIT", "10"]], [["LIMIT", "-1"]],
        [["LIMIT", "-5"], ["MAXLEN", "5"]], [["LIMIT", "abc"], ["MAXLEN", "~", "5"]],
        [["LIMIT", "5"], ["MAXLEN", "~", "5"]], [["MAXLEN"]], [["MINID"]],
        [["LIMIT", "9223372036854775808"], ["MAXLEN", "~", "1"]],
    )
    if not for_xadd:
        choices += ([["FOO", "5"]], [["MAXLEN", "5"], ["LIMIT", "5"], ["LIMIT", "6"]])
    return rng.choice(choices)


def far_last_entry(reply):
    """The guard of XADD *: the last entry is far ahead of now (or the key has another type)."""
    if reply is None:
        return False
    kind, payload = reply
    if kind == b"-":
        return True
    if kind != b"*" or not payload or payload[0][0] != b"*":
        return False
    ms = int(payload[0][1][0][1].split(b"-")[0])
    return ms >= FAR_MS


def gen_xadd(rng, ctx):
    key = skey(rng, ctx)
    clk = clock(ctx)
    options = []
    if rng.random() < 0.12:
        options.append([ctx.name("NOMKSTREAM")])
    if rng.random() < 0.3:
        options += trim_args(rng, ctx, True)
    rng.shuffle(options)
    guard = None
    r = rng.random()
    if r < 0.01:
        clk.jump_far()
        id_ = id_text(rng, *clk.advance(rng))
    elif r < 0.6:
        id_ = id_text(rng, *clk.advance(rng))
    elif r < 0.72:
        ms = clk.advance(rng)[0] if rng.random() < 0.6 else rng.choice(clk.used)[0]
        id_ = "%d-*" % ms
    elif r < 0.84:
        id_ = known_id(rng, ctx)
    elif r < 0.88:
        id_ = rng.choice(EDGE_IDS + (MAX + "-*", "0-*"))
    elif r < 0.91:
        id_ = rng.choice(ODD_IDS)
    elif r < 0.95:
        id_ = rng.choice([i for i in BAD_IDS if i != "*"] + ["FOO"])  # (* is XADD's)
    elif ctx.queued is None:
        id_ = "*"
        guard = (Cmd("XREVRANGE", key, "+", "-", "COUNT", "1"), far_last_entry)
    else:
        id_ = id_text(rng, *clk.advance(rng))
    return Cmd(ctx.name("XADD"), key, *[w for o in options for w in o], id_,
               *field_values(rng, ctx), guard=guard)


BULK_BODY = (
    "local n = 0 for i = 1, tonumber(ARGV[2]) do "
    "local r = redis.pcall('xadd', KEYS[1], ARGV[1], ARGV[3], string.rep('v', tonumber(ARGV[4])) "
    ".. i) if type(r) == 'table' and r.err then return {n, r.err} end n = n + 1 end "
    "return {n, redis.call('xlen', KEYS[1])}")


def gen_xadd_bulk(rng, ctx):
    """A script adding 10 to 250 entries with <ms>-* (several nodes of 100 entries, or of 4096
    bytes with long values)."""
    key = rng.choice(STREAM_KEYS)
    ms = clock(ctx).advance(rng)[0]
    clock(ctx).used.append((ms, rng.randint(0, 40)))
    count = rng.choice((10, 40, 99, 100, 101, 150, 250))
    size = rng.choice(("1", "1", "10", "100", "500"))
    field = rng.choice(("f", "f", "g", "long-field-name"))
    return Cmd(ctx.name("EVAL"), BULK_BODY, "1", key, "%d-*" % ms, count, field, size)


def gen_xrange(rng, ctx):
    name = rng.choice(("XRANGE", "XRANGE", "XREVRANGE"))
    start, end = range_bound(rng, ctx, True), range_bound(rng, ctx, False)
    args = [ctx.name(name), skey(rng, ctx)] + ([end, start] if name == "XREVRANGE"
                                              else [start, end])
    if rng.random() < 0.45:
        args += [ctx.name("COUNT"), count_value(rng)]
    if rng.random() < 0.04:
        args += rng.choice((["COUNT"], ["COUNT", "1", "COUNT", "2"], ["FOO", "2"],
                            ["COUNT", "1", "x"], ["COUNT", "abc", "FOO"]))
    return Cmd(*args)


def gen_xread_all(rng, ctx):
    """The whole stream, XLEN or TYPE: where every earlier write shows."""
    key = skey(rng, ctx)
    r = rng.random()
    if r < 0.5:
        return Cmd(ctx.name("XRANGE"), key, "-", "+")
    if r < 0.85:
        return Cmd(ctx.name("XLEN"), key)
    return diff_shared.object_encoding(ctx, key, b"stream")


def gen_xdel(rng, ctx):
    ids = [any_id(rng, ctx, good=0.95) for _ in range(rng.choice((1, 1, 2, 3, 4)))]
    return Cmd(ctx.name("XDEL"), skey(rng, ctx), *ids)


def gen_xtrim(rng, ctx):
    args = [ctx.name("XTRIM"), skey(rng, ctx)]
    groups = trim_args(rng, ctx, False)
    if rng.random() < 0.05:
        groups = rng.choice(([["MAXLEN", "~"]], [["MAXLEN", "5", "FOO"]], [["MAXLEN", "5", "*"]],
                             [["FOO", "5"]], [["MAXLEN", "5"], ["LIMIT"]]))
    return Cmd(*args, *[w for g in groups for w in g])


def gen_xsetid(rng, ctx):
    clk = clock(ctx)
    r = rng.random()
    if r < 0.6:
        id_ = id_text(rng, clk.ms + rng.choice((0, 0, 1, 5)), rng.choice((0, clk.seq)))
    elif r < 0.85:
        id_ = known_id(rng, ctx)
    elif r < 0.92:
        id_ = rng.choice(EDGE_IDS)
    else:
        id_ = rng.choice(BAD_IDS + ("11-*",))
    args = [ctx.name("XSETID"), skey(rng, ctx), id_]
    if rng.random() < 0.35:
        args += [ctx.name("ENTRIESADDED"), rng.choice(("0", "1", "5", "10", "100", "1000", "-1",
                                                        "abc"))]
    if rng.random() < 0.3:
        args += [ctx.name("MAXDELETEDID"), any_id(rng, ctx)]
    if rng.random() < 0.04:
        args += rng.choice((["ENTRIESADDED"], ["FOO"], ["MAXDELETEDID"]))
    return Cmd(*args)


def read_ids(rng, ctx, keys, group_read):
    ids = []
    for _ in keys:
        r = rng.random()
        if group_read:
            if r < 0.65:
                ids.append(">")
            elif r < 0.9:
                ids.append(rng.choice(("0", "0-0")) if rng.random() < 0.6 else known_id(rng, ctx))
            else:
                ids.append(rng.choice(("$", "-", "+", "abc", "(1", "*")))
        else:
            if r < 0.4:
                ids.append(rng.choice(("0", "0-0")))
            elif r < 0.8:
                ids.append(known_id(rng, ctx))
            elif r < 0.9:
                ids.append("$")
            else:
                ids.append(rng.choice((">", "-", "+", "abc", "(1", "*", MAX + "-" + MAX)))
    return ids


def block_option(rng, ctx):
    """BLOCK only where it costs nothing or is an error: in MULTI (ignored there), a bad
    timeout, and now and then 1 ms outside MULTI (no client writes meanwhile)."""
    if ctx.queued is not None and rng.random() < 0.3:
        return [ctx.name("BLOCK"), rng.choice(("0", "1", "100"))]
    r = rng.random()
    if r < 0.03:
        return [ctx.name("BLOCK"), rng.choice(("-1", "abc", "1.5", ""))]
    if r < 0.05:
        return [ctx.name("BLOCK"), "1"]
    return []


def gen_xread(rng, ctx):
    keys = [skey(rng, ctx) for _ in range(rng.choice((1, 1, 1, 2, 3)))]
    options = []
    if rng.random() < 0.5:
        options.append([ctx.name("COUNT"), count_value(rng)])
    block = block_option(rng, ctx)
    if block:
        options.append(block)
    if rng.random() < 0.02:
        options.append(rng.choice((["NOACK"], ["GROUP", "g1", "c1"], ["FOO"])))
    rng.shuffle(options)
    ids = read_ids(rng, ctx, keys, False)
    tail = [ctx.name("STREAMS"), *keys, *ids]
    if rng.random() < 0.03:
        tail = rng.choice((tail[:-1], tail[1:], tail + tail, tail + ["0"]))
    return Cmd(ctx.name("XREAD"), *[w for o in options for w in o], *tail)


def gen_xreadgroup(rng, ctx):
    keys = [skey(rng, ctx) for _ in range(rng.choice((1, 1, 1, 1, 2)))]
    group_name = group(rng)
    options = [[ctx.name("GROUP"), group_name, consumer(rng)]]
    if rng.random() < 0.5:
        options.append([ctx.name("COUNT"), count_value(rng)])
    block = block_option(rng, ctx)
    if block:
        options.append(block)
    if rng.random() < 0.15:
        options.append([ctx.name("NOACK")])
    if rng.random() < 0.02:
        options.append(rng.choice((["FOO"], ["GROUP", "g2", "c2"], ["COUNT"])))
    first = options.pop(0)
    rng.shuffle(options)
    if rng.random() < 0.9:
        options.insert(0, first)
    else:
        options.insert(rng.randint(0, len(options)), first)
    ids = read_ids(rng, ctx, keys, True)
    tail = [ctx.name("STREAMS"), *keys, *ids]
    if rng.random() < 0.03:
        tail = rng.choice((tail[:-1], tail + ["0"]))
    args = [w for o in options for w in o] + tail
    if rng.random() < 0.02:
        args = tail  # no GROUP: the arity error (or a syntax error)
    return with_group(rng, ctx, Cmd(ctx.name("XREADGROUP"), *args), keys[0], group_name)


def group_id(rng, ctx):
    r = rng.random()
    if r < 0.45:
        return rng.choice(("0", "0", "0-0", "$"))
    if r < 0.85:
        return known_id(rng, ctx)
    if r < 0.92:
        return rng.choice(EDGE_IDS + ODD_IDS)
    return rng.choice(("-", "+", ">", "*", "(1", "abc", "1-2-3"))


def entries_read(rng):
    return rng.choice(("0", "1", "3", "5", "100", "-1", "-2", "abc"))


def gen_xgroup(rng, ctx):
    key = skey(rng, ctx)
    r = rng.random()
    if r >= 0.5:
        group_name = group(rng)
        return with_group(rng, ctx, gen_xgroup_other(rng, ctx, key, group_name, r), key,
                          group_name)
    args = [ctx.name("CREATE"), key, group(rng), group_id(rng, ctx)]
    options = []
    if rng.random() < 0.6:
        options.append([ctx.name("MKSTREAM")])
    if rng.random() < 0.25:
        options.append([ctx.name("ENTRIESREAD"), entries_read(rng)])
    if rng.random() < 0.04:
        options.append(rng.choice((["FOO"], ["ENTRIESREAD"], ["MKSTREAM", "MKSTREAM"],
                                   ["ENTRIESREAD", "3", "ENTRIESREAD", "4"])))
    rng.shuffle(options)
    return Cmd(ctx.name("XGROUP"), *args, *[w for o in options for w in o])


def gen_xgroup_other(rng, ctx, key, group_name, r):
    """XGROUP SETID, DESTROY, CREATECONSUMER or DELCONSUMER (r in [0.5, 1) picks which)."""
    if r < 0.6:
        args = [ctx.name("SETID"), key, group_name, group_id(rng, ctx)]
        if rng.random() < 0.3:
            args += [ctx.name("ENTRIESREAD"), entries_read(rng)]
        if rng.random() < 0.04:
            args += rng.choice((["MKSTREAM"], ["FOO", "1"], ["ENTRIESREAD"]))
    elif r < 0.7:
        args = [ctx.name("DESTROY"), key, group_name]
    elif r < 0.85:
        args = [ctx.name("CREATECONSUMER"), key, group_name, consumer(rng)]
    else:
        args = [ctx.name("DELCONSUMER"), key, group_name, consumer(rng)]
    return Cmd(ctx.name("XGROUP"), *args)


def gen_xack(rng, ctx):
    ids = [any_id(rng, ctx, good=0.96) for _ in range(rng.choice((1, 1, 2, 3, 5)))]
    key, group_name = skey(rng, ctx), group(rng)
    return with_group(rng, ctx, Cmd(ctx.name("XACK"), key, group_name, *ids), key, group_name)


def gen_xpending(rng, ctx):
    key, group_name = skey(rng, ctx), group(rng)
    args = [ctx.name("XPENDING"), key, group_name]
    r = rng.random()
    if r < 0.35:
        return with_group(rng, ctx, Cmd(*args), key, group_name)
    if r < 0.4:
        args += rng.choice((["x"], ["-", "+"], ["IDLE", "0", "-", "+"], ["IDLE"],
                            ["-", "+", "10", "c1", "x", "y", "z"]))
        return Cmd(*args, normalize=xpending_reply)
    if rng.random() < 0.3:
        args += [ctx.name("IDLE"), rng.choice(MIN_IDLES + ("-5",)) if rng.random() < 0.9
                 else rng.choice(BAD_MIN_IDLES)]
    args += [range_bound(rng, ctx, True), range_bound(rng, ctx, False),
             count_value(rng, ("1000",))]
    if rng.random() < 0.4:
        args.append(consumer(rng))
        if rng.random() < 0.05:
            args += ["extra", "ignored"][:rng.randint(1, 2)]
    return with_pending(rng, ctx, Cmd(*args, normalize=xpending_reply), key, group_name)


def claim_options(rng, ctx):
    options = []
    if rng.random() < 0.15:
        options.append([ctx.name("IDLE"), rng.choice(("0", "10000000000", "-1", "abc"))])
    if rng.random() < 0.1:
        options.append([ctx.name("TIME"), rng.choice(("0", "1000", "-1", "4102444800000",
                                                      "abc"))])
    if rng.random() < 0.2:
        options.append([ctx.name("RETRYCOUNT"), rng.choice(("0", "1", "5", "-1", "abc"))])
    for flag in ("FORCE", "JUSTID"):
        if rng.random() < 0.25:
            options.append([ctx.name(flag)])
    if rng.random() < 0.15:
        options.append([ctx.name("LASTID"), any_id(rng, ctx)])
    if rng.random() < 0.03:
        options.append(rng.choice((["FOO"], ["IDLE"], ["-"], ["(2"], ["JUSTID", "1-0"])))
    rng.shuffle(options)
    return [w for o in options for w in o]


def min_idle(rng):
    return rng.choice(MIN_IDLES) if rng.random() < 0.95 else rng.choice(BAD_MIN_IDLES)


def gen_xclaim(rng, ctx):
    ids = [any_id(rng, ctx, good=0.97) for _ in range(rng.choice((1, 1, 2, 3)))]
    key, group_name = skey(rng, ctx), group(rng)
    return with_pending(rng, ctx, Cmd(ctx.name("XCLAIM"), key, group_name, consumer(rng),
                                    min_idle(rng), *ids, *claim_options(rng, ctx)),
                      key, group_name)


def gen_xautoclaim(rng, ctx):
    key, group_name = skey(rng, ctx), group(rng)
    args = [ctx.name("XAUTOCLAIM"), key, group_name, consumer(rng), min_idle(rng),
            range_bound(rng, ctx, True)]
    options = []
    if rng.random() < 0.5:
        options.append([ctx.name("COUNT"), rng.choice(("1", "2", "3", "10", "100")) if
                        rng.random() < 0.85 else rng.choice(("0", "-1", "abc",
                                                             "576460752303423488"))])
    if rng.random() < 0.3:
        options.append([ctx.name("JUSTID")])
    if rng.random() < 0.03:
        options.append(rng.choice((["COUNT"], ["FOO"])))
    rng.shuffle(options)
    return with_pending(rng, ctx, Cmd(*args, *[w for o in options for w in o]), key,
                        group_name)


PEL_BODY = (
    "local p = redis.pcall('xpending', KEYS[1], ARGV[1], '-', '+', ARGV[2]) "
    "if p.err then return p end "
    "local ids = {} for i, e in ipairs(p) do ids[#ids + 1] = e[1] end "
    "local cmd = {ARGV[3], KEYS[1]} if ARGV[3] ~= 'xdel' then cmd[#cmd + 1] = ARGV[1] end "
    "local n = tonumber(ARGV[4]) for i = 5, 4 + n do cmd[#cmd + 1] = ARGV[i] end "
    "for i, id in ipairs(ids) do cmd[#cmd + 1] = id end "
    "for i = 5 + n, #ARGV do cmd[#cmd + 1] = ARGV[i] end "
    "return {ids, redis.pcall(unpack(cmd))}")


def gen_pel_script(rng, ctx):
    """A script that reads IDs of a group's PEL (XPENDING) and runs XACK, XCLAIM or XDEL on
    them: IDs a generator cannot know in advance (those XREADGROUP delivered). Returns the IDs
    and the command's reply."""
    key, group_name = skey(rng, ctx), group(rng)
    verb = rng.choice(("xack", "xclaim", "xclaim", "xdel"))
    prefix, suffix = [], []
    if verb == "xclaim":
        prefix = [consumer(rng), min_idle(rng)]
        suffix = claim_options(rng, ctx)
    elif verb == "xack" and rng.random() < 0.2:
        suffix = [known_id(rng, ctx)]
    cmd = Cmd(ctx.name("EVAL"), PEL_BODY, "1", key, group_name,
              rng.choice(("1", "2", "3", "100")), verb, str(len(prefix)), *prefix, *suffix)
    return with_pending(rng, ctx, cmd, key, group_name)


def gen_xinfo(rng, ctx):
    key = skey(rng, ctx)
    r = rng.random()
    if r < 0.35:
        return Cmd(ctx.name("XINFO"), ctx.name("STREAM"), key)
    if r < 0.5:
        args = [ctx.name("XINFO"), ctx.name("STREAM"), key, ctx.name("FULL")]
        if rng.random() < 0.5:
            args += [ctx.name("COUNT"), rng.choice(("0", "1", "2", "5", "-1", "abc"))]
        return Cmd(*args, normalize=xinfo_full_reply)
    if r < 0.75:
        return Cmd(ctx.name("XINFO"), ctx.name("GROUPS"), key)
    if r < 0.95:
        group_name = group(rng)
        return with_pending(rng, ctx, Cmd(ctx.name("XINFO"), ctx.name("CONSUMERS"), key,
                                        group_name, normalize=xinfo_consumers_reply),
                          key, group_name)
    return Cmd(ctx.name("XINFO"), ctx.name("STREAM"), key,
               *rng.choice((["FOO"], ["FULL", "FOO"], ["FULL", "COUNT"], ["COUNT", "1"],
                            ["FULL", "COUNT", "1", "COUNT", "2"])),
               normalize=xinfo_full_reply)


def not_stream(reply):
    return reply is not None and reply[0] == b"+" and reply[1] not in (b"stream", b"none")


def gen_reclaim_key(rng, ctx):
    """DEL of one of STREAM_KEYS when it holds another type, so the family finds streams; now
    and then also of a stream (a fresh one starts from 0-0 again)."""
    key = rng.choice(STREAM_KEYS)
    if rng.random() < 0.05:
        return Cmd(ctx.name("DEL"), key)
    return Cmd(ctx.name("DEL"), key, guard=(Cmd("TYPE", key), not_stream))


SUBCOMMAND_ARITIES = (
    ("XGROUP", "CREATE", (0, 1, 2)), ("XGROUP", "SETID", (0, 1, 2)),
    ("XGROUP", "DESTROY", (0, 1, 3)), ("XGROUP", "CREATECONSUMER", (0, 1, 2, 4)),
    ("XGROUP", "DELCONSUMER", (0, 2, 4)), ("XGROUP", "HELP", (1,)),
    ("XINFO", "STREAM", (0,)), ("XINFO", "GROUPS", (0, 2)), ("XINFO", "CONSUMERS", (0, 1, 3)),
    ("XINFO", "HELP", (1, 2)),
)


def gen_stream_bad_args(rng, ctx):
    """Subcommands with a wrong number of arguments, unknown subcommands, HELP, and the
    argument errors other generators make rarely."""
    r = rng.random()
    if r < 0.45:
        container, sub, counts = rng.choice(SUBCOMMAND_ARITIES)
        words = [skey(rng, ctx), "g1", "c1", "0", "x"]
        return Cmd(ctx.name(container), ctx.name(sub), *words[:rng.choice(counts)])
    if r < 0.6:
        return Cmd(ctx.name(rng.choice(("XGROUP", "XINFO"))), ctx.name("HELP"))
    if r < 0.7:
        return Cmd(ctx.name(rng.choice(("XGROUP", "XINFO"))),
                   rng.choice(("FOO", "", "create x", "STREAMS")), skey(rng, ctx))
    if r < 0.85:
        return Cmd(ctx.name("XADD"), skey(rng, ctx), *rng.choice((
            ["*", "f"], ["*", "f", "v", "g"], ["1-1"], ["abc", "f", "v", "g"],
            ["0-0", "f", "v"], ["NOMKSTREAM", "MAXLEN", "10", "NOMKSTREAM", "5-0", "f", "v"],
            ["FOO", "f", "v"], ["MAXLEN", "1", "MINID", "1", "1-1", "f", "v"])))
    return Cmd(ctx.name(rng.choice(("XLEN", "XDEL", "XACK", "XTRIM"))), skey(rng, ctx),
               *rng.choice(([], ["x"], ["g1"], ["MAXLEN"])))


GENERATORS = [
    (gen_xadd, 12), (gen_xadd_bulk, 1.5), (gen_xrange, 4), (gen_xread_all, 2), (gen_xdel, 2),
    (gen_xtrim, 2), (gen_xsetid, 1), (gen_xread, 3), (gen_xreadgroup, 5), (gen_xgroup, 6),
    (gen_xack, 2), (gen_xpending, 3), (gen_xclaim, 2.5), (gen_xautoclaim, 2), (gen_xinfo, 3),
    (gen_pel_script, 2.5),
    (gen_stream_bad_args, 1), (gen_reclaim_key, 1.5),
]
