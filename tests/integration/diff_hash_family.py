"""The hash family of the differential test (test_differential.py): HSET, HSETNX, HGET, HMGET,
HMSET, HDEL, HLEN, HSTRLEN, HEXISTS, HKEYS, HVALS, HGETALL, HINCRBY, HINCRBYFLOAT, HRANDFIELD,
HSCAN and OBJECT ENCODING, mixed with the string and key commands on the same key space
(ctx.key()), so WRONGTYPE, TYPE, DEL, EXISTS, RENAME, COPY, MOVE and EXPIRE meet hash keys.

test_differential.py imports this module, calls bind(Cmd) (the Cmd class lives there) and adds
GENERATORS to FAMILIES["hashes"] and ARITY to its ARITY; its dump_dataset reads hash values with
HGETALL through dataset_value().

Fields come from a small pool (so commands hit each other's fields): binary, empty and
numeric-looking ones, now and then a 65-byte one (over hash-max-listpack-value, so the hash
turns into a hashtable). Values: the string pool, numbers for HINCRBY / HINCRBYFLOAT (and the
values that are not: " 1", "inf", "nan", "1e3", ...), and values of 64, 65 and more bytes. Now
and then one HSET writes 513+ fields at once (over hash-max-listpack-entries, whose default
in redis-server 7.0 is 512, not the 128 of some documentation).

What legitimately differs, and how it is compared:
  - HKEYS, HVALS, HGETALL: order is the hash table's (Redis: insertion order in a listpack,
    dict order in a hashtable): compared sorted (HGETALL as sorted pairs, map or array kept).
  - HRANDFIELD: random. A guard HGETALL (compared too) captures the hash first; the reply is
    then compared as: without COUNT, "a field of the hash" (or nil / the error); a COUNT >= the
    hash's size, the sorted fields (pairs); otherwise the length, whether the fields are distinct
    (positive COUNT: Redis returns distinct fields) and whether every element is a field of the
    hash with its value. Inside MULTI the HGETALL is only QUEUED: then only the length, the
    distinctness and the reply's shape are compared.
  - HSCAN: only forms whose reply Redis determines: cursor 0 (other valid cursors are not sent)
    on a listpack hash (Redis returns everything with cursor 0 whatever COUNT says; a guard
    TYPE + OBJECT ENCODING checks the encoding), or COUNT >= 1000 on any hash (more than the
    largest hash here), or an error (bad cursor, bad option). Compared: the cursor and the
    sorted pairs.
  - OBJECT ENCODING: exact ("listpack" / "hashtable"), only on hash keys (guard TYPE), so
    basalt need not mimic the string encodings.

The SCAN, OBJECT ENCODING, random-pick and wrong-argument-count shapes are diff_shared.py's
(shared with the set and sorted-set families); this module gives them the hash's pools.
"""

import diff_shared

# test_differential.py calls every family's bind() with its Cmd class (see diff_shared.py).
bind, Cmd = diff_shared.bind, diff_shared.Cmd


# Redis 7.0 arities (negative: at least that many), for the wrong-arity generator.
ARITY = {
    "hset": -4, "hsetnx": 4, "hget": 3, "hmget": -3, "hmset": -4, "hdel": -3, "hlen": 2,
    "hstrlen": 3, "hexists": 3, "hkeys": 2, "hvals": 2, "hgetall": 2, "hincrby": 4,
    "hincrbyfloat": 4, "hrandfield": -2, "hscan": -3, "object": -2,
}

FIELDS = (b"f1", b"f2", b"f3", b"a", b"b", b"A", b"", b"0", b"1", b"-1", b"10", b"1.5",
          b"\x00", b"bin\x00\r\n\xff", b"field:name", b"big:7")
NUMERIC_FIELDS = (b"n", b"f1", b"0", b"")  # where HINCRBY* and numeric HSETs meet
LONG_FIELD = b"L" * 65  # one byte over hash-max-listpack-value

NUMBERS = (b"0", b"1", b"-1", b"5", b"10.5", b"1.5", b"-2.5", b"1e3", b"3.0e3", b" 1", b"1 ",
           b"inf", b"-inf", b"nan", b"-0", b"007", b"+5", b"0x10", b"1e400",
           b"9223372036854775807", b"-9223372036854775808", b"9223372036854775806",
           b"-9223372036854775807", b"9223372036854775808", b"1e308", b"")

INCRBY_AMOUNTS = ("0", "1", "-1", "2", "-7", "100", "9223372036854775807",
                  "-9223372036854775808", "9223372036854775806", "-9223372036854775807")
BAD_INCRBY_AMOUNTS = ("abc", "", "1.5", " 1", "1 ", "+1", "0x10", "007", "-0", "1e3",
                      "9223372036854775808", "-9223372036854775809", "--1")
FLOAT_AMOUNTS = ("0", "1", "-1", "0.1", "-0.1", "1.5", "0.2", "10.5", "3.0e3", "5.0e3", "1e-5",
                 "-2.5e-3", "1e308", "-1e308", "5.0000000000000001", "17", "-0", "-0.0", "+3",
                 ".5", "5.", "0x10", "1e400", "-1e400", "1e-20", "1e-400")
BAD_FLOAT_AMOUNTS = ("inf", "-inf", "nan", "infinity", "abc", "", " 1", "1 ", "1,5", "1e", "--1",
                     "0x", "1e5000", "1e-5000")

MATCH_PATTERNS = (b"*", b"f*", b"f?", b"[ab]", b"[a-c]*", b"*1*", b"", b"big:1*", b"\\*",
                  b"[", b"*\x00*", b"?", b"F*", b"*a*")
BAD_CURSORS = diff_shared.BAD_SCAN_CURSORS


def field(rng):
    r = rng.random()
    if r < 0.88:
        return rng.choice(FIELDS)
    if r < 0.91:
        return LONG_FIELD
    return bytes(rng.randrange(256) for _ in range(rng.randint(0, 4)))


def numeric_field(rng):
    return rng.choice(NUMERIC_FIELDS) if rng.random() < 0.6 else field(rng)


def fields(rng, low=1, high=4):
    return [field(rng) for _ in range(rng.randint(low, high))]


def hvalue(rng, ctx):
    r = rng.random()
    if r < 0.5:
        return ctx.value()
    if r < 0.85:
        return rng.choice(NUMBERS)
    if r < 0.93:
        return b"v" * rng.choice((63, 64, 64))  # at the listpack limit, still a listpack
    return bytes([rng.randrange(32, 127)]) * rng.choice((65, 100, 1000))


# -- normalisations -----------------------------------------------------------------------------

def sorted_reply(reply):
    """HKEYS, HVALS: elements sorted; HGETALL: (field, value) pairs sorted, RESP2 array or RESP3
    map alike (the reply's type byte is kept, so a map where Redis sends a map is still
    required)."""
    kind, payload = reply
    if kind == b"%":
        return (kind, sorted(payload, key=repr))
    if kind == b"*" and payload is not None:
        return (kind, sorted(payload, key=repr))
    return reply


def sorted_pairs(reply):
    """HGETALL: sorted (field, value) pairs, whether a RESP3 map or a RESP2 flat array."""
    kind, payload = reply
    if kind == b"%":
        return (kind, sorted(payload, key=repr))
    if kind == b"*" and payload is not None:
        return (kind, sorted(diff_shared.pairs_of(payload), key=repr))
    return reply


def hash_content(reply):
    """{field: value} from a parsed HGETALL reply, or None when it is not one (an error, or
    +QUEUED inside MULTI)."""
    kind, payload = reply
    if kind == b"%":
        return {f[1]: v[1] for f, v in payload}
    if kind == b"*" and payload is not None:
        return {f[1]: v[1] for f, v in diff_shared.pairs_of(payload)}
    return None


def dataset_value(reply):
    """A hash's value in test_differential's dataset dump: its sorted (field, value) pairs."""
    return ("hash", sorted(hash_content(reply).items()))


# -- generators -------------------------------------------------------------------------------

def gen_hset(rng, ctx):
    name = rng.choice(("HSET", "HSET", "HSET", "HMSET"))
    args = []
    for f in fields(rng, 1, 4):
        args += [f, hvalue(rng, ctx)]
    if rng.random() < 0.3:
        args += [numeric_field(rng), rng.choice(NUMBERS)]
    if rng.random() < 0.06:
        args.pop()  # an odd number of field/value arguments: the wrong-arity error
    return Cmd(ctx.name(name), ctx.key(), *args)


def gen_hset_big(rng, ctx):
    """One HSET of more than 512 fields (a hashtable at once), or of about as many as the
    listpack holds, with some of the pool's fields among them."""
    n = rng.choice((511, 512, 513, 514, 600))
    start = rng.randint(0, 60)
    args = []
    for i in range(start, start + n):
        args += [b"big:%d" % i, hvalue(rng, ctx) if rng.random() < 0.1 else b"%d" % i]
    if rng.random() < 0.5:
        args += [rng.choice(FIELDS), hvalue(rng, ctx)]
    return Cmd(ctx.name(rng.choice(("HSET", "HMSET"))), ctx.key(), *args)


def gen_hsetnx(rng, ctx):
    return Cmd(ctx.name("HSETNX"), ctx.key(), field(rng), hvalue(rng, ctx))


def gen_hget(rng, ctx):
    name = rng.choice(("HGET", "HSTRLEN", "HEXISTS"))
    return Cmd(ctx.name(name), ctx.key(), field(rng))


def gen_hmget(rng, ctx):
    return Cmd(ctx.name("HMGET"), ctx.key(), *fields(rng, 1, 5))


def gen_hdel(rng, ctx):
    if rng.random() < 0.1:  # many of a big HSET's fields at once
        start = rng.randint(0, 600)
        names = [b"big:%d" % i for i in range(start, start + rng.randint(10, 600))]
    else:
        names = fields(rng, 1, 4)
    return Cmd(ctx.name("HDEL"), ctx.key(), *names)


def gen_hlen(rng, ctx):
    return Cmd(ctx.name("HLEN"), ctx.key())


def gen_hgetall(rng, ctx):
    name = rng.choice(("HGETALL", "HGETALL", "HKEYS", "HVALS"))
    return Cmd(ctx.name(name), ctx.key(),
               normalize=sorted_pairs if name == "HGETALL" else sorted_reply)


def gen_hincrby(rng, ctx):
    r = rng.random()
    if r < 0.55:
        amount = str(rng.randint(-5, 5))
    elif r < 0.85:
        amount = rng.choice(INCRBY_AMOUNTS)
    else:
        amount = rng.choice(BAD_INCRBY_AMOUNTS)
    return Cmd(ctx.name("HINCRBY"), ctx.key(), numeric_field(rng), amount)


def gen_hincrbyfloat(rng, ctx):
    amount = rng.choice(FLOAT_AMOUNTS if rng.random() < 0.85 else BAD_FLOAT_AMOUNTS)
    return Cmd(ctx.name("HINCRBYFLOAT"), ctx.key(), numeric_field(rng), amount)


def gen_hrandfield(rng, ctx):
    key = ctx.key()
    count = diff_shared.random_pick_count(rng, (30, 200, 9223372036854775807, -200))
    withvalues = count is not None and rng.random() < 0.45
    args = [ctx.name("HRANDFIELD"), key]
    if count == "bad":
        # not an integer; out of range (the limit is +-LONG_MAX without WITHVALUES, +-LONG_MAX/2
        # with it); junk after the count
        args += rng.choice((["abc"], ["1.5"], [""], ["-0"], ["+1"], [" 1"], ["WITHVALUES"],
                            ["-9223372036854775808"], ["9223372036854775808"],
                            ["4611686018427387904", "WITHVALUES"],
                            ["-4611686018427387904", "WITHVALUES"],
                            ["1", "WITHVALUE"], ["1", "WITHVALUES", "WITHVALUES"], ["2", "x"]))
        return Cmd(*args)
    if count is not None:
        args.append(str(count))
        if withvalues:
            args.append(ctx.name("WITHVALUES"))
    holder = {}
    return Cmd(*args, normalize=diff_shared.random_pairs_normalizer(count, withvalues, holder,
                                                                   "a field"),
               guard=(Cmd("HGETALL", key, normalize=sorted_pairs),
                      diff_shared.capture_into(holder, hash_content)))


HSCAN = diff_shared.ScanSpec(
    command="HSCAN", type_name=b"hash", whole_encoding=b"listpack",
    normalize=diff_shared.scan_pairs_reply, match_patterns=MATCH_PATTERNS,
    bad_cursors=BAD_CURSORS, small_counts=(1, 2, 3, 10, 100), bad_option_below=0.16,
    extra_bad_options=(["NOVALUES"], ["TYPE", "hash"], ["FOO", "bar"]))  # NOVALUES came in 7.4


def gen_hscan(rng, ctx):
    return diff_shared.gen_scan(rng, ctx, ctx.key(), HSCAN)


def gen_object_encoding(rng, ctx):
    return diff_shared.object_encoding(ctx, ctx.key(), b"hash")


def gen_cross_type(rng, ctx):
    """String and key commands on keys that may hold hashes (WRONGTYPE, or the key moves)."""
    key = ctx.key()
    r = rng.random()
    if r < 0.3:
        name = rng.choice(("GET", "STRLEN", "INCR", "GETDEL", "TYPE", "EXISTS", "PERSIST"))
        return Cmd(ctx.name(name), key)
    if r < 0.45:
        name = rng.choice(("APPEND", "GETSET", "SETNX", "INCRBY", "INCRBYFLOAT"))
        arg = b"1" if name.startswith("INCR") else ctx.value()
        return Cmd(ctx.name(name), key, arg)
    if r < 0.55:
        return Cmd(ctx.name("SET"), key, ctx.value(),
                   *rng.choice(([], ["GET"], ["NX"], ["XX", "GET"], ["KEEPTTL"])))
    if r < 0.65:
        return Cmd(ctx.name(rng.choice(("RENAME", "RENAMENX"))), key, ctx.key())
    if r < 0.75:
        args = [ctx.name("COPY"), key, ctx.key()]
        if rng.random() < 0.4:
            args += ["DB", str(rng.choice((0, 1, 2)))]
        if rng.random() < 0.5:
            args.append("REPLACE")
        return Cmd(*args)
    if r < 0.82:
        return Cmd(ctx.name("MOVE"), key, str(rng.choice((0, 1, 2))))
    if r < 0.92:
        name = rng.choice(("EXPIRE", "PEXPIRE"))
        return Cmd(ctx.name(name), key, ctx.relative(name == "PEXPIRE"),
                   *rng.choice(([], [], ["NX"], ["XX"], ["GT"], ["LT"])))
    return Cmd(ctx.name(rng.choice(("DEL", "UNLINK"))), key, *([ctx.key()] if rng.random() < 0.3
                                                               else []))


# (command, numbers of arguments after the key that are wrong for it)
WRONG_EXTRA_ARGS = (("HSETNX", (0, 1, 3)), ("HGET", (0, 2)), ("HSTRLEN", (0, 2)),
                    ("HEXISTS", (0, 3)), ("HINCRBY", (0, 1, 3)), ("HINCRBYFLOAT", (0, 1, 3)),
                    ("HLEN", (1, 2)), ("HKEYS", (1,)), ("HVALS", (2,)), ("HGETALL", (1,)))


def gen_hash_bad_args(rng, ctx):
    """Argument errors of the hash commands that the others rarely send: a missing field
    value, bad numbers, wrong arities the arity check lets through."""
    key = ctx.key()
    r = rng.random()
    if r < 0.25:
        return Cmd(ctx.name(rng.choice(("HSET", "HMSET"))), key, *rng.choice(
            (["f", "v", "g"], ["f", "v", "g", "w", "h"], ["f"], [])))
    if r < 0.45:
        return Cmd(ctx.name("HINCRBY"), key, field(rng), rng.choice(BAD_INCRBY_AMOUNTS))
    if r < 0.6:
        return Cmd(ctx.name("HINCRBYFLOAT"), key, field(rng), rng.choice(BAD_FLOAT_AMOUNTS))
    if r < 0.75:
        return Cmd(ctx.name("HSCAN"), key, rng.choice(BAD_CURSORS))
    if r < 0.85:
        return diff_shared.wrong_extra_args(rng, ctx, key, WRONG_EXTRA_ARGS, field)
    return Cmd(ctx.name("OBJECT"), rng.choice(("ENCODING", "encoding")),
               *[key for _ in range(rng.choice((0, 2)))])


GENERATORS = [
    (gen_hset, 6), (gen_hset_big, 0.4), (gen_hsetnx, 1.5), (gen_hget, 4), (gen_hmget, 1.5),
    (gen_hdel, 3), (gen_hlen, 1), (gen_hgetall, 3), (gen_hincrby, 3), (gen_hincrbyfloat, 3),
    (gen_hrandfield, 3), (gen_hscan, 2), (gen_object_encoding, 1.5), (gen_cross_type, 4),
    (gen_hash_bad_args, 1),
]

