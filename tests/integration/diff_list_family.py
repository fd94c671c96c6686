"""The list family of the differential test (test_differential.py): LPUSH, RPUSH, LPUSHX,
RPUSHX, LPOP and RPOP (with and without COUNT), LLEN, LINDEX, LSET, LRANGE, LTRIM, LREM,
LINSERT, LPOS (RANK, COUNT, MAXLEN), LMOVE, RPOPLPUSH, LMPOP and OBJECT ENCODING, mixed with the
string, hash and key commands on the same key space (ctx.key()), so WRONGTYPE, TYPE, DEL,
RENAME, COPY, MOVE and EXPIRE meet list keys. The blocking commands (BLPOP & co.) are not here.

test_differential.py imports this module, calls bind(Cmd) (the Cmd class lives there) and adds
GENERATORS to FAMILIES["lists"] and ARITY to its ARITY; its dump_dataset reads list values with
LRANGE 0 -1 through dataset_value().

Lists are ordered and Redis's list replies are deterministic: every reply is compared byte for
byte, with no normalisation. OBJECT ENCODING is always "quicklist" for a list in redis-server
7.0 (the listpack encoding of small lists is 7.2's); it is sent only on list keys (guard TYPE),
so basalt need not mimic the string encodings.

Elements come from a small pool (so LREM, LPOS, LINSERT pivots hit): binary, empty and
integer-looking ones ("-0", "007", "9223372036854775808", and integers at the limits of each
width a listpack stores them in: stored as integers or not, they must come back as written), the
string pool, and now and then long ones (4 KB to 20 KB, over a quicklist node's 8 KB, so nodes
split and merge). Now and then one RPUSH / LPUSH writes hundreds to thousands of elements (many
quicklist nodes), and LINSERT, LSET, LREM, LTRIM and LINDEX then work in their middle. Indexes
and counts include negative, out-of-range, huge (+-LLONG_MAX, LLONG_MIN) and non-integer ones.
LPOS RANK -9223372036854775808 is sent too: redis-server 7.0.15 accepts it (and answers as for
the first match from the tail, every match whatever the COUNT: its arithmetic overflows); the
error for it is 7.2's.

OBJECT ENCODING and the wrong-argument-count errors are diff_shared.py's shapes (shared with
the hash, set and sorted-set families).
"""

import diff_shared

# test_differential.py calls every family's bind() with its Cmd class (see diff_shared.py).
bind, Cmd = diff_shared.bind, diff_shared.Cmd


# Redis 7.0 arities (negative: at least that many), for the wrong-arity generator.
ARITY = {
    "lpush": -3, "rpush": -3, "lpushx": -3, "rpushx": -3, "lpop": -2, "rpop": -2, "llen": 2,
    "lindex": 3, "lset": 4, "lrange": 4, "ltrim": 4, "lrem": 4, "linsert": 5, "lpos": -3,
    "lmove": 6, "rpoplpush": 3, "lmpop": -4,
}

ELEMENTS = (b"a", b"b", b"c", b"a", b"", b"0", b"1", b"-1", b"-0", b"007", b"+5", b"1.5",
            b"12", b"9223372036854775807", b"-9223372036854775808", b"9223372036854775808",
            b"-9223372036854775809", b"18446744073709551616", b"\x00", b"bin\x00\r\n\xff",
            b"e:7", b"e:100", b"e:1999", b" 1", b"x" * 40, b"63", b"64", b"-65", b"4095",
            b"4096", b"-4097", b"32768", b"-32769", b"8388608", b"2147483648", b"-2147483649")

INDEXES = ("0", "1", "-1", "2", "-2", "3", "-3", "5", "-5", "10", "-10", "100", "-100", "999",
           "1000", "-1000", "1999", "-2000", "4000", "9223372036854775807",
           "-9223372036854775808", "-9223372036854775807")
BAD_INTS = ("abc", "", "1.5", " 1", "1 ", "+1", "0x10", "-0", "007", "1e3",
            "9223372036854775808", "-9223372036854775809", "--1")
COUNTS = ("0", "1", "2", "3", "5", "10", "100", "1000", "5000", "9223372036854775807")
DIRECTIONS = ("LEFT", "RIGHT")


def element(rng, ctx):
    r = rng.random()
    if r < 0.65:
        return rng.choice(ELEMENTS)
    if r < 0.9:
        return ctx.value()
    if r < 0.96:
        return bytes(rng.randrange(256) for _ in range(rng.randint(0, 5)))
    return bytes([rng.randrange(32, 127)]) * rng.choice((4000, 8000, 8200, 9000, 20000))


def elements(rng, ctx, low=1, high=5):
    return [element(rng, ctx) for _ in range(rng.randint(low, high))]


def index(rng, ctx):
    r = rng.random()
    if r < 0.5:
        return str(rng.randint(-8, 8))
    if r < 0.93:
        return rng.choice(INDEXES)
    return rng.choice(BAD_INTS)


def count_arg(rng, good=0.88):
    if rng.random() < good:
        return rng.choice(COUNTS) if rng.random() < 0.5 else str(rng.randint(0, 6))
    return rng.choice(BAD_INTS + ("-1", "-5", "-9223372036854775808"))


def dataset_value(reply):
    """A list's value in test_differential's dataset dump: its elements in order."""
    return ("list", [e[1] for e in reply[1]])


# -- generators -------------------------------------------------------------------------------

def gen_push(rng, ctx):
    name = rng.choice(("LPUSH", "RPUSH", "LPUSH", "RPUSH", "LPUSHX", "RPUSHX"))
    return Cmd(ctx.name(name), ctx.key(), *elements(rng, ctx))


def gen_push_big(rng, ctx):
    """One push of hundreds to thousands of elements: a list over many quicklist nodes."""
    n = rng.choice((100, 500, 1000, 2000, 3000))
    start = rng.randint(0, 50)
    args = []
    for i in range(start, start + n):
        r = rng.random()
        if r < 0.9:
            args.append(b"e:%d" % i)
        elif r < 0.97:
            args.append(element(rng, ctx))
        else:
            args.append(b"L" * rng.choice((3000, 9000)))
    return Cmd(ctx.name(rng.choice(("RPUSH", "LPUSH", "RPUSHX"))), ctx.key(), *args)


def gen_pop(rng, ctx):
    name = rng.choice(("LPOP", "RPOP"))
    r = rng.random()
    if r < 0.45:
        return Cmd(ctx.name(name), ctx.key())
    if r < 0.95:
        return Cmd(ctx.name(name), ctx.key(), count_arg(rng))
    return Cmd(ctx.name(name), ctx.key(), "1", *rng.choice((["1"], ["COUNT", "1"])))


def gen_llen(rng, ctx):
    return Cmd(ctx.name("LLEN"), ctx.key())


def gen_lindex(rng, ctx):
    return Cmd(ctx.name("LINDEX"), ctx.key(), index(rng, ctx))


def gen_lset(rng, ctx):
    return Cmd(ctx.name("LSET"), ctx.key(), index(rng, ctx), element(rng, ctx))


def gen_lrange(rng, ctx):
    if rng.random() < 0.3:
        return Cmd(ctx.name("LRANGE"), ctx.key(), "0", "-1")
    return Cmd(ctx.name("LRANGE"), ctx.key(), index(rng, ctx), index(rng, ctx))


def gen_ltrim(rng, ctx):
    r = rng.random()
    if r < 0.15:  # empties the list: the key goes
        start, stop = rng.choice((("1", "0"), ("5", "2"), ("-1", "-2"), ("100000", "-1"),
                                  ("0", "-100000")))
    elif r < 0.4:
        start, stop = str(rng.randint(0, 5)), str(rng.randint(-6, 30))
    else:
        start, stop = index(rng, ctx), index(rng, ctx)
    return Cmd(ctx.name("LTRIM"), ctx.key(), start, stop)


def gen_lrem(rng, ctx):
    r = rng.random()
    if r < 0.8:
        count = str(rng.randint(-4, 4))
    elif r < 0.95:
        count = rng.choice(("100", "-100", "9223372036854775807", "-9223372036854775808"))
    else:
        count = rng.choice(BAD_INTS)
    target = element(rng, ctx) if rng.random() < 0.8 else b"e:%d" % rng.randint(0, 3000)
    return Cmd(ctx.name("LREM"), ctx.key(), count, target)


def gen_linsert(rng, ctx):
    where = rng.choice(("BEFORE", "AFTER", "BEFORE", "AFTER", "before", "Middle", ""))
    pivot = element(rng, ctx) if rng.random() < 0.7 else b"e:%d" % rng.randint(0, 3000)
    return Cmd(ctx.name("LINSERT"), ctx.key(), where, pivot, element(rng, ctx))


def gen_lpos(rng, ctx):
    target = element(rng, ctx) if rng.random() < 0.8 else b"e:%d" % rng.randint(0, 3000)
    args = [ctx.name("LPOS"), ctx.key(), target]
    options = []
    if rng.random() < 0.4:
        options.append([ctx.name("RANK"), rng.choice(
            ("1", "2", "-1", "-2", "3", "-3", "100", "-100", "9223372036854775807",
             "-9223372036854775807", "0", "-9223372036854775808", "abc", "1.5"))])
    if rng.random() < 0.4:
        options.append([ctx.name("COUNT"), rng.choice(
            ("0", "1", "2", "3", "10", "1000", "9223372036854775807", "-1", "abc"))])
    if rng.random() < 0.3:
        options.append([ctx.name("MAXLEN"), rng.choice(
            ("0", "1", "2", "5", "100", "1000", "9223372036854775807", "-1", "x"))])
    if rng.random() < 0.05:
        options.append(rng.choice((["RANK"], ["COUNT"], ["MAXLEN"], ["FOO", "1"], ["RANK", "1",
                                                                                    "RANK", "2"])))
    rng.shuffle(options)
    return Cmd(*args, *[a for o in options for a in o])


def gen_lmove(rng, ctx):
    src = ctx.key()
    dst = src if rng.random() < 0.25 else ctx.key()  # src == dst: a rotation
    if rng.random() < 0.25:
        return Cmd(ctx.name("RPOPLPUSH"), src, dst)
    if rng.random() < 0.05:
        return Cmd(ctx.name("LMOVE"), src, dst, rng.choice(("UP", "", "LEFTX")),
                   rng.choice(DIRECTIONS))
    return Cmd(ctx.name("LMOVE"), src, dst, ctx.name(rng.choice(DIRECTIONS)),
               ctx.name(rng.choice(DIRECTIONS)))


def gen_lmpop(rng, ctx):
    r = rng.random()
    keys = ctx.keys(1, 4)
    if r < 0.85:
        args = [ctx.name("LMPOP"), str(len(keys)), *keys, ctx.name(rng.choice(DIRECTIONS))]
        if rng.random() < 0.5:
            args += [ctx.name("COUNT"), count_arg(rng, good=0.9)]
        return Cmd(*args)
    # numkeys 0, negative, not a number, more than the arguments; no direction; a bad one;
    # COUNT twice or without a value; junk after the direction
    bad = rng.choice((
        ["0", "k0", "LEFT"], ["-1", "k0", "LEFT"], ["abc", "k0", "LEFT"], ["3", "k0", "LEFT"],
        ["2", "k0", "k1"], ["1", "k0"], ["1", "k0", "UP"], ["1", "k0", "LEFT", "COUNT"],
        ["1", "k0", "LEFT", "COUNT", "0"], ["1", "k0", "LEFT", "COUNT", "-1"],
        ["1", "k0", "LEFT", "COUNT", "1", "COUNT", "2"], ["1", "k0", "LEFT", "foo"],
        ["2", "k0", "k1", "RIGHT", "COUNT", "abc"], ["1", "k0", "RIGHT", "1"],
        ["9223372036854775807", "k0", "LEFT"], ["1", "k0", "LEFT", "COUNT", "1", "x"]))
    return Cmd(ctx.name("LMPOP"), *bad)


def gen_object_encoding(rng, ctx):
    return diff_shared.object_encoding(ctx, ctx.key(), b"list")


def gen_list_cross_type(rng, ctx):
    """Other types on keys that may hold lists, and lists on keys that may hold others: the
    WRONGTYPE errors on either side of LMOVE, or a list moving with RENAME / COPY / MOVE."""
    key = ctx.key()
    r = rng.random()
    if r < 0.2:
        return Cmd(ctx.name("SET"), key, ctx.value())
    if r < 0.35:
        return Cmd(ctx.name("HSET"), key, "f", ctx.value())
    if r < 0.5:
        return Cmd(ctx.name(rng.choice(("GET", "TYPE", "HLEN", "APPEND"))), key,
                   *([ctx.value()] if rng.random() < 0.2 else []))
    if r < 0.6:
        return Cmd(ctx.name(rng.choice(("RENAME", "RENAMENX"))), key, ctx.key())
    if r < 0.7:
        return Cmd(ctx.name("COPY"), key, ctx.key(), *rng.choice(([], ["REPLACE"],
                                                                   ["DB", "1"])))
    if r < 0.78:
        return Cmd(ctx.name("MOVE"), key, str(rng.choice((0, 1, 2))))
    if r < 0.86:
        return Cmd(ctx.name("EXPIRE"), key, ctx.relative(False))
    return Cmd(ctx.name(rng.choice(("DEL", "PERSIST", "EXISTS"))), key)


# (command, numbers of arguments after the key that are wrong for it)
WRONG_EXTRA_ARGS = (("LLEN", (1, 2)), ("LINDEX", (0, 2)), ("LSET", (0, 1, 3)),
                    ("LRANGE", (0, 1, 3)), ("LTRIM", (1, 3)), ("LREM", (0, 1, 3)),
                    ("LINSERT", (0, 2, 4)), ("LMOVE", (0, 2, 4)), ("RPOPLPUSH", (0, 2)),
                    ("LPOP", (2, 3)), ("RPOP", (2,)), ("LPUSH", (0,)), ("RPUSHX", (0,)))


def gen_list_bad_args(rng, ctx):
    key = ctx.key()
    r = rng.random()
    if r < 0.3:
        name = rng.choice(("LINDEX", "LSET", "LRANGE", "LTRIM", "LREM"))
        n = {"LINDEX": 1, "LSET": 2, "LRANGE": 2, "LTRIM": 2, "LREM": 2}[name]
        args = [index(rng, ctx) for _ in range(n)]
        args[rng.randrange(n if name != "LSET" else 1)] = rng.choice(BAD_INTS)
        if name == "LSET":
            args[1] = element(rng, ctx)
        return Cmd(ctx.name(name), key, *args)
    if r < 0.5:
        return Cmd(ctx.name(rng.choice(("LPOP", "RPOP"))), key,
                   rng.choice(BAD_INTS + ("-1", "-9223372036854775808")))
    return diff_shared.wrong_extra_args(rng, ctx, key, WRONG_EXTRA_ARGS,
                                        lambda rng: element(rng, ctx))


GENERATORS = [
    (gen_push, 7), (gen_push_big, 0.5), (gen_pop, 4), (gen_llen, 1), (gen_lindex, 2.5),
    (gen_lset, 2), (gen_lrange, 3), (gen_ltrim, 1.5), (gen_lrem, 2.5), (gen_linsert, 2.5),
    (gen_lpos, 3), (gen_lmove, 3), (gen_lmpop, 2.5), (gen_object_encoding, 1),
    (gen_list_cross_type, 2), (gen_list_bad_args, 1),
]
