"""The sorted-set family of the differential test (test_differential.py): ZADD, ZINCRBY, ZREM,
ZCARD, ZSCORE, ZMSCORE, ZRANK, ZREVRANK, ZCOUNT, ZLEXCOUNT, ZRANGE (every form), ZRANGESTORE,
ZREVRANGE, ZRANGEBYSCORE, ZREVRANGEBYSCORE, ZRANGEBYLEX, ZREVRANGEBYLEX, ZREMRANGEBYRANK /
SCORE / LEX, ZPOPMIN, ZPOPMAX, ZMPOP, ZRANDMEMBER, ZUNION, ZUNIONSTORE, ZINTER, ZINTERSTORE,
ZINTERCARD, ZDIFF, ZDIFFSTORE, ZSCAN, OBJECT ENCODING, and BZPOPMIN / BZPOPMAX / BZMPOP where
they cannot block; SADD makes plain sets for the set operations to read (score 1). All on the
shared key space (ctx.key()), so the string, key and hash commands meet sorted-set keys.

test_differential.py imports this module, calls bind(Cmd), adds GENERATORS as
FAMILIES["zsets"] and ARITY to its ARITY (only when the family's weight is not 0, so a stream
without the family is the same as before it existed); its dump_dataset reads a sorted set with
ZRANGE 0 -1 WITHSCORES (dataset_value()), exact bytes of the scores included.

Members come from a small pool (so commands hit each other's members): one-letter ones, the
empty member, binary ones, numeric-looking ones, now and then a 65-byte one (over
zset-max-listpack-value: a skiplist) or one of exactly 64 bytes. Now and then one ZADD names
127 to 200 members at once (around zset-max-listpack-entries, 128), or starts with a long
member (Redis 7.0 makes a new key a skiplist at once only when the first member named is long:
with a -0 score in the same ZADD, the difference shows). Scores: integers, fractions whose
"%.17g" text is long (0.1), -0 (kept by a skiplist, 0 in a listpack), inf / -inf, 1e17 (ZSCAN
shows a listpack's integer text), denormals, and the ones ZADD refuses (nan, 1e400, " 1").

What legitimately differs, and how it is compared:
  - Lex ranges (ZRANGEBYLEX & co., ZRANGE BYLEX, ZLEXCOUNT, ZREMRANGEBYLEX, ZRANGESTORE BYLEX)
    are only defined when all members have one score. They run behind a guard
    ZRANGE key 0 -1 WITHSCORES (compared too) that lets them through only when the key is not
    a sorted set or all its scores are equal; the keys in LEX_KEYS get score-0 ZADDs most of
    the time so the guard often passes. Inside MULTI (the guard would only be QUEUED) only lex
    commands with an invalid range are sent (an error whatever the key holds).
  - ZRANDMEMBER: random. A guard ZRANGE WITHSCORES captures the set; compared: without a count
    "a member of the set"; a count >= the size: the sorted members (pairs); otherwise length,
    distinctness (positive count) and membership with the right score. In MULTI (no content
    known): length, distinctness and shape.
  - ZSCAN: only where Redis's reply is determined: cursor 0 on a listpack (guard TYPE + OBJECT
    ENCODING), or COUNT >= 1000 (more than any set here), or an error. Compared: the cursor and
    the sorted pairs (a skiplist scans in hash order).
  - BZPOPMIN / BZPOPMAX / BZMPOP: only where they answer at once: inside MULTI, with an invalid
    argument, or behind a guard ZCARD of the first key > 0.
Everything else is compared byte for byte: orders of equal scores are by member bytes, set
operations reply in score order.

The SCAN, OBJECT ENCODING, random-pick and wrong-argument-count shapes are diff_shared.py's
(shared with the hash and set families); this module gives them the sorted set's pools.
"""

import diff_shared

# test_differential.py calls every family's bind() with its Cmd class (see diff_shared.py).
bind, Cmd = diff_shared.bind, diff_shared.Cmd


# Redis 7.0 arities (COMMAND INFO), for the wrong-arity generator.
ARITY = {
    "zadd": -4, "zincrby": 4, "zrem": -3, "zcard": 2, "zscore": 3, "zmscore": -3, "zrank": 3,
    "zrevrank": 3, "zcount": 4, "zlexcount": 4, "zrange": -4, "zrangestore": -5,
    "zrevrange": -4, "zrangebyscore": -4, "zrevrangebyscore": -4, "zrangebylex": -4,
    "zrevrangebylex": -4, "zremrangebyrank": 4, "zremrangebyscore": 4, "zremrangebylex": 4,
    "zpopmin": -2, "zpopmax": -2, "zmpop": -4, "bzpopmin": -3, "bzpopmax": -3, "bzmpop": -5,
    "zrandmember": -2, "zunion": -3, "zunionstore": -4, "zinter": -3, "zinterstore": -4,
    "zintercard": -3, "zdiff": -3, "zdiffstore": -4, "zscan": -3, "sadd": -3,
}

CORE_MEMBERS = (b"a", b"b", b"c", b"d", b"e")  # most members: commands meet each other's
MEMBERS = (b"f", b"A", b"", b"0", b"1", b"-1", b"10", b"1.5", b"\x00", b"\xff", b"bin\x00\r\n",
           b"m:1", b"m:2", b"big:3", b"big:128")
LONG_MEMBER = b"L" * 65   # one byte over zset-max-listpack-value
EDGE_MEMBER = b"E" * 64   # still fits a listpack
ZSET_KEYS = (b"k1", b"k2", b"k3", b"key:b")  # where the family's commands go most of the time
LEX_KEYS = (b"k2", b"key:b")  # ZADD and ZINCRBY keep these at score 0 most of the time

SCORES = ("0", "1", "-1", "2", "3", "5", "10", "-7", "0.1", "0.5", "1.5", "-2.5",
          "0.30000000000000004", "3.0e3", "1e17", "123456789012345678", "1e-300", "2e-320",
          "inf", "-inf", "+inf", "-0", "-0.0", "0x10", "1e308", "-1e308", ".5", "5.", "+3")
BAD_SCORES = ("nan", "abc", "", " 1", "1 ", "1e400", "-1e400", "1e-400", "1,5", "--1", "0x")
INCREMENTS = ("1", "-1", "0.1", "2.5", "-0", "0", "inf", "-inf", "1e308", "100", "-0.5")

# Range bounds: scores (with exclusive forms), and ones that are not floats. Range parsing is a
# bare strtod: "", "(" and " 1" are valid there, 1e400 is inf.
SCORE_BOUNDS = ("-inf", "+inf", "inf", "0", "1", "2", "(1", "(2", "(0", "-1", "(-1", "1.5",
                "(1.5", "10", "(10", "0.1", "(0.1", "-0", "(inf", "(-inf", "1e17", "", "(",
                " 1", "1e400")
BAD_SCORE_BOUNDS = ("x", "((1", "1(", "nan", "(nan", "[1", "1 ", "1x")
LEX_BOUNDS = ("-", "+", "[a", "(a", "[b", "(b", "[c", "(d", "[e", "[", "(", "[\x00", "(\xff",
              "[A", "(m:1", "[m:2", "[big:3")
BAD_LEX_BOUNDS = ("a", "b", "-x", "+x", "", "]a", "{a")
RANKS = ("0", "1", "2", "-1", "-2", "3", "5", "-5", "100", "-100", "10", "9223372036854775807",
         "-9223372036854775808")
BAD_INTS = ("abc", "1.5", "", " 1", "9223372036854775808", "0x1")
WEIGHTS = ("1", "2", "0", "-1", "0.5", "inf", "-inf", "1e308", "0.1", "3")
BAD_WEIGHTS = ("nan", "abc", "", "1e400", " 1")

MATCH_PATTERNS = (b"*", b"a*", b"?", b"m:*", b"[ab]", b"*1*", b"", b"big:*", b"\\*", b"[")
# Not diff_shared.BAD_SCAN_CURSORS (the hash and set families'): one would change the streams.
BAD_CURSORS = ("abc", " 0", "0 ", "1.5", "18446744073709551616", "-1x")


def zkey(rng, ctx):
    """A key of the shared space, mostly one of ZSET_KEYS (fewer WRONGTYPEs and empty keys)."""
    return rng.choice(ZSET_KEYS) if rng.random() < 0.65 else ctx.key()


def zkeys(rng, ctx, low=1, high=3):
    return [zkey(rng, ctx) for _ in range(rng.randint(low, high))]


def member(rng):
    r = rng.random()
    if r < 0.6:
        return rng.choice(CORE_MEMBERS)
    if r < 0.9:
        return rng.choice(MEMBERS)
    if r < 0.94:
        return LONG_MEMBER
    if r < 0.96:
        return EDGE_MEMBER
    return bytes(rng.randrange(256) for _ in range(rng.randint(0, 3)))


def members(rng, low=1, high=4):
    return [member(rng) for _ in range(rng.randint(low, high))]


def score(rng, good=0.93):
    if rng.random() < good:
        if rng.random() < 0.4:
            return str(rng.randint(-3, 10))
        return rng.choice(SCORES)
    return rng.choice(BAD_SCORES)


def score_bound(rng):
    return rng.choice(SCORE_BOUNDS) if rng.random() < 0.93 else rng.choice(BAD_SCORE_BOUNDS)


def score_value(bound):
    """A valid score bound's value, for ordering two of them."""
    text = bound[1:] if bound.startswith("(") else bound
    return float(text.strip() or "0")


def score_bounds(rng, reverse=False):
    """Two score bounds, most of the time in the order that selects something (max first for
    the reverse forms)."""
    lo, hi = score_bound(rng), score_bound(rng)
    if lo in SCORE_BOUNDS and hi in SCORE_BOUNDS and rng.random() < 0.75:
        lo, hi = sorted((lo, hi), key=score_value)
        if reverse:
            lo, hi = hi, lo
    return lo, hi


def lex_value(bound):
    return (0, b"") if bound == "-" else (2, b"") if bound == "+" else \
        (1, bound[1:].encode("latin-1"))


def lex_bound(rng, good=True):
    return rng.choice(LEX_BOUNDS) if good else rng.choice(BAD_LEX_BOUNDS)


def rank(rng):
    if rng.random() < 0.95:
        return str(rng.randint(-6, 6)) if rng.random() < 0.6 else rng.choice(RANKS)
    return rng.choice(BAD_INTS)


def limit(rng, ctx):
    """[LIMIT offset count], sometimes with bad numbers or a missing count."""
    r = rng.random()
    if r < 0.85:
        return [ctx.name("LIMIT"), str(rng.choice((0, 0, 1, 2, 5, -1))),
                str(rng.choice((-1, 0, 1, 2, 3, 10, -5)))]
    if r < 0.93:
        return [ctx.name("LIMIT"), rng.choice(BAD_INTS), "1"]
    return [ctx.name("LIMIT"), "0"]


# -- normalisations and guards --------------------------------------------------------------

def zset_content(reply):
    """{member: score} from a parsed ZRANGE ... WITHSCORES reply (RESP2 flat or RESP3 pairs);
    None when it is not one (an error, +QUEUED)."""
    kind, payload = reply
    if kind != b"*" or payload is None:
        return None
    if payload and payload[0][0] == b"*":
        return {e[1][0][1]: e[1][1][1] for e in payload}
    return {m[1]: s[1] for m, s in diff_shared.pairs_of(payload)}


def dataset_value(reply):
    """A sorted set in the dataset dump: its parsed ZRANGE 0 -1 WITHSCORES (order and score
    texts count)."""
    return ("zset", reply)


def lex_allowed(reply):
    """The guard of a lex command: not a sorted set (WRONGTYPE, missing) or one score only."""
    content = zset_content(reply)
    if content is None:
        return reply[0] == b"-"
    return len(set(content.values())) <= 1


def has_members(reply):
    return reply[0] == b":" and reply[1] > 0


def content_guard(key, holder):
    """A compared ZRANGE key 0 -1 WITHSCORES whose parsed content lands in holder."""
    return (Cmd("ZRANGE", key, "0", "-1", "WITHSCORES"),
            diff_shared.capture_into(holder, zset_content))


# -- generators -------------------------------------------------------------------------------

ZADD_OPTION_SETS = ([], [], [], ["NX"], ["XX"], ["GT"], ["LT"], ["CH"], ["XX", "CH"],
                    ["GT", "CH"], ["LT", "XX"], ["NX", "CH"], ["INCR"], ["NX", "INCR"],
                    ["XX", "INCR"], ["GT", "INCR"], ["LT", "INCR", "CH"],
                    # incompatible
                    ["NX", "XX"], ["GT", "LT"], ["NX", "GT"], ["LT", "NX"], ["NX", "XX", "GT"])


def gen_zadd(rng, ctx):
    key = zkey(rng, ctx)
    plain = rng.random() < 0.5
    options = [] if plain else [ctx.name(o) for o in rng.choice(ZADD_OPTION_SETS)]
    rng.shuffle(options)
    lex = key in LEX_KEYS and rng.random() < 0.85
    incr = any(o.upper() == "INCR" for o in options)
    n = 1 if incr and rng.random() < 0.85 else rng.randint(1, 5)
    args = []
    for _ in range(n):
        args += ["0" if lex else score(rng), member(rng)]
    r = rng.random()
    if r < 0.05:
        args.pop()  # odd: syntax error (or arity)
    elif r < 0.08:
        args = []   # options only
    return Cmd(ctx.name("ZADD"), key, *options, *args)


def gen_zadd_big(rng, ctx):
    """127-200 members in one ZADD (around zset-max-listpack-entries), sometimes starting with
    a long member (skiplist from the start) and sometimes carrying -0 scores."""
    key = zkey(rng, ctx)
    n = rng.choice((127, 128, 129, 130, 200))
    start = rng.randint(0, 40)
    lex = key in LEX_KEYS and rng.random() < 0.85
    args = []
    if rng.random() < 0.3:
        args += ["0" if lex else "1", LONG_MEMBER]
    for i in range(start, start + n):
        s = "0" if lex else rng.choice(("%d" % i, "-0", "0.1", "%d.5" % i)) \
            if rng.random() < 0.3 else "%d" % (i % 7)
        args += [s, b"big:%d" % i]
    if rng.random() < 0.5:
        args += ["0" if lex else score(rng), member(rng)]
    return Cmd(ctx.name("ZADD"), key, *args)


def gen_zincrby(rng, ctx):
    key = zkey(rng, ctx)
    amount = rng.choice(INCREMENTS) if rng.random() < 0.9 else rng.choice(BAD_SCORES)
    if key in LEX_KEYS and rng.random() < 0.85:
        amount = "0"
    return Cmd(ctx.name("ZINCRBY"), key, amount, member(rng))


def gen_zrem(rng, ctx):
    if rng.random() < 0.1:
        start = rng.randint(0, 200)
        names = [b"big:%d" % i for i in range(start, start + rng.randint(5, 150))]
    else:
        names = members(rng, 1, 4)
    return Cmd(ctx.name("ZREM"), zkey(rng, ctx), *names)


def gen_zread(rng, ctx):
    name = rng.choice(("ZCARD", "ZSCORE", "ZSCORE", "ZMSCORE", "ZRANK", "ZREVRANK"))
    if name == "ZCARD":
        return Cmd(ctx.name(name), zkey(rng, ctx))
    if name == "ZMSCORE":
        return Cmd(ctx.name(name), zkey(rng, ctx), *members(rng, 1, 4))
    return Cmd(ctx.name(name), zkey(rng, ctx), member(rng))


def gen_zcount(rng, ctx):
    return Cmd(ctx.name("ZCOUNT"), zkey(rng, ctx), *score_bounds(rng))


def gen_zrange_rank(rng, ctx):
    name = rng.choice(("ZRANGE", "ZRANGE", "ZREVRANGE"))
    args = [ctx.name(name), zkey(rng, ctx), rank(rng), rank(rng)]
    options = []
    if rng.random() < 0.5:
        options.append([ctx.name("WITHSCORES")])
    if name == "ZRANGE" and rng.random() < 0.3:
        options.append([ctx.name("REV")])
    if rng.random() < 0.06:
        options.append(rng.choice((["LIMIT", "0", "1"], ["FOO"], ["REV", "REV"], ["BYSCORE"],
                                   ["LIMIT", "0"])))
    rng.shuffle(options)
    return Cmd(*args, *[a for o in options for a in o])


def gen_zrange_score(rng, ctx):
    form = rng.choice(("ZRANGE", "ZRANGEBYSCORE", "ZREVRANGEBYSCORE"))
    reverse = form == "ZREVRANGEBYSCORE" or (form == "ZRANGE" and rng.random() < 0.4)
    lo, hi = score_bounds(rng, reverse)
    options = []
    if rng.random() < 0.5:
        options.append([ctx.name("WITHSCORES")])
    if rng.random() < 0.4:
        options.append(limit(rng, ctx))
    if form == "ZRANGE":
        options.append([ctx.name("BYSCORE")])
        if reverse:
            options.append([ctx.name("REV")])
    if rng.random() < 0.05:
        options.append(rng.choice((["BYLEX"], ["REV"], ["FOO"], ["BYSCORE"])))
    rng.shuffle(options)
    return Cmd(ctx.name(form), zkey(rng, ctx), lo, hi, *[a for o in options for a in o])


def gen_lex(rng, ctx):
    """The lex commands, behind the one-score guard (module docstring)."""
    key = rng.choice(LEX_KEYS) if rng.random() < 0.6 else zkey(rng, ctx)
    form = rng.choice(("ZRANGEBYLEX", "ZREVRANGEBYLEX", "ZRANGE", "ZLEXCOUNT",
                       "ZREMRANGEBYLEX", "ZRANGESTORE"))
    good = ctx.queued is None and rng.random() < 0.92
    lo, hi = lex_bound(rng, good or rng.random() < 0.5), lex_bound(rng, good)
    if not good and lo in LEX_BOUNDS and hi in LEX_BOUNDS:
        hi = rng.choice(BAD_LEX_BOUNDS)
    reverse = form == "ZREVRANGEBYLEX" or (form in ("ZRANGE", "ZRANGESTORE") and
                                           rng.random() < 0.4)
    if good and rng.random() < 0.75:
        lo, hi = sorted((lo, hi), key=lex_value)
        if reverse:
            lo, hi = hi, lo
    options = []
    if form in ("ZRANGEBYLEX", "ZREVRANGEBYLEX", "ZRANGE", "ZRANGESTORE"):
        if rng.random() < 0.4:
            options.append(limit(rng, ctx))
        if rng.random() < 0.05:
            options.append([ctx.name("WITHSCORES")])
    if form in ("ZRANGE", "ZRANGESTORE"):
        options.append([ctx.name("BYLEX")])
        if reverse:
            options.append([ctx.name("REV")])
    rng.shuffle(options)
    flat = [a for o in options for a in o]
    if form == "ZRANGESTORE":
        args = [ctx.name(form), store_key(rng, ctx), key, lo, hi, *flat]
    else:
        args = [ctx.name(form), key, lo, hi, *flat]
    if not good:
        return Cmd(*args)
    return Cmd(*args, guard=(Cmd("ZRANGE", key, "0", "-1", "WITHSCORES"), lex_allowed))


def store_key(rng, ctx):
    """The destination of a *STORE: an empty result deletes it, so mostly not one of the
    family's own keys."""
    return ctx.key() if rng.random() < 0.6 else zkey(rng, ctx)


def gen_zrangestore(rng, ctx):
    args = [ctx.name("ZRANGESTORE"), store_key(rng, ctx), zkey(rng, ctx)]
    r = rng.random()
    if r < 0.5:
        args += [rank(rng), rank(rng)]
    else:
        args += [score_bound(rng), score_bound(rng), ctx.name("BYSCORE")]
        if rng.random() < 0.4:
            args += limit(rng, ctx)
    if rng.random() < 0.3:
        args.append(ctx.name("REV"))
    if rng.random() < 0.05:
        args.append(rng.choice(("WITHSCORES", "FOO")))
    return Cmd(*args)


def gen_zremrange(rng, ctx):
    if rng.random() < 0.5:
        return Cmd(ctx.name("ZREMRANGEBYRANK"), zkey(rng, ctx), rank(rng), rank(rng))
    return Cmd(ctx.name("ZREMRANGEBYSCORE"), zkey(rng, ctx), score_bound(rng), score_bound(rng))


def gen_zpop(rng, ctx):
    r = rng.random()
    if r < 0.45:
        args = [ctx.name(rng.choice(("ZPOPMIN", "ZPOPMAX"))), zkey(rng, ctx)]
        if rng.random() < 0.4:
            args.append(rng.choice(("0", "1", "2", "3", "10", "200", "-1", "abc")))
        if rng.random() < 0.03:
            args.append("1")
        return Cmd(*args)
    if r < 0.8:
        keys = zkeys(rng, ctx)
        numkeys = str(len(keys)) if rng.random() < 0.9 else rng.choice(("0", "-1", "abc", "5"))
        args = [ctx.name("ZMPOP"), numkeys, *keys,
                ctx.name(rng.choice(("MIN", "MAX"))) if rng.random() < 0.95 else "MID"]
        if rng.random() < 0.5:
            args += [ctx.name("COUNT"), rng.choice(("1", "2", "5", "300", "0", "-1", "abc"))]
        if rng.random() < 0.03:
            args += rng.choice((["COUNT"], ["COUNT", "1", "COUNT", "1"], ["FOO"]))
        return Cmd(*args)
    return gen_blocking_pop(rng, ctx)


def gen_blocking_pop(rng, ctx):
    """BZPOPMIN / BZPOPMAX / BZMPOP only where they answer at once."""
    keys = zkeys(rng, ctx)
    name = rng.choice(("BZPOPMIN", "BZPOPMAX", "BZMPOP"))
    bad = rng.random() < 0.3
    timeout = rng.choice(("-1", "abc", "nan", "inf", "", "1e400")) if bad else \
        rng.choice(("0", "0.5", "1", "10"))
    if name == "BZMPOP":
        args = [ctx.name(name), timeout, str(len(keys)), *keys,
                ctx.name(rng.choice(("MIN", "MAX")))]
        if rng.random() < 0.4:
            args += [ctx.name("COUNT"), rng.choice(("1", "2", "10", "0" if bad else "3"))]
    else:
        args = [ctx.name(name), *keys, timeout]
    if bad or ctx.queued is not None:
        return Cmd(*args)
    # Answers at once when the first key holds members (or is of the wrong type: WRONGTYPE).
    return Cmd(*args, guard=(Cmd("ZCARD", keys[0]), has_members))


def gen_zrandmember(rng, ctx):
    key = zkey(rng, ctx)
    count = diff_shared.random_pick_count(rng, (30, 300, 9223372036854775807, -200))
    args = [ctx.name("ZRANDMEMBER"), key]
    if count == "bad":
        args += rng.choice((["abc"], ["1.5"], [""], ["-9223372036854775808"],
                            ["4611686018427387904", "WITHSCORES"], ["1", "WITHSCORE"],
                            ["1", "WITHSCORES", "x"]))
        return Cmd(*args)
    withscores = count is not None and rng.random() < 0.45
    if count is not None:
        args.append(str(count))
        if withscores:
            if count > 4611686018427387903:
                withscores = False
            else:
                args.append(ctx.name("WITHSCORES"))
    holder = {}
    return Cmd(*args, normalize=diff_shared.random_pairs_normalizer(count, withscores, holder,
                                                                   "a member"),
               guard=content_guard(key, holder))


def gen_setop(rng, ctx):
    name = rng.choice(("ZUNION", "ZINTER", "ZDIFF", "ZUNIONSTORE", "ZINTERSTORE", "ZDIFFSTORE",
                       "ZINTERCARD"))
    keys = zkeys(rng, ctx)
    r = rng.random()
    numkeys = str(len(keys)) if r < 0.92 else rng.choice(("0", "-1", "abc", str(len(keys) + 1)))
    args = [ctx.name(name)]
    if name.endswith("STORE"):
        args.append(store_key(rng, ctx))
    args += [numkeys, *keys]
    if name != "ZINTERCARD" and not name.startswith("ZDIFF"):
        if rng.random() < 0.4:
            n = len(keys) if rng.random() < 0.9 else len(keys) - 1
            args.append(ctx.name("WEIGHTS"))
            for _ in range(max(n, 0)):
                args.append(rng.choice(WEIGHTS) if rng.random() < 0.95 else
                            rng.choice(BAD_WEIGHTS))
        if rng.random() < 0.35:
            args += [ctx.name("AGGREGATE"),
                     ctx.name(rng.choice(("SUM", "MIN", "MAX"))) if rng.random() < 0.95
                     else "AVG"]
    if name == "ZINTERCARD" and rng.random() < 0.5:
        args += [ctx.name("LIMIT"), rng.choice(("0", "1", "2", "100", "-1", "abc"))]
    if not name.endswith("STORE") and name != "ZINTERCARD" and rng.random() < 0.5:
        args.append(ctx.name("WITHSCORES"))
    if rng.random() < 0.04:
        args.append(rng.choice(("FOO", "WITHSCORES", "WEIGHTS", "LIMIT")))
    return Cmd(*args)


def gen_sadd(rng, ctx):
    """Plain sets (score 1 in the set operations), some of them intsets."""
    if rng.random() < 0.3:
        names = [str(rng.randint(-2, 12)) for _ in range(rng.randint(1, 4))]
    else:
        names = members(rng, 1, 4)
    return Cmd(ctx.name("SADD"), ctx.key(), *names)


ZSCAN = diff_shared.ScanSpec(
    command="ZSCAN", type_name=b"zset", whole_encoding=b"listpack",
    normalize=diff_shared.scan_pairs_reply, match_patterns=MATCH_PATTERNS,
    bad_cursors=BAD_CURSORS, small_counts=(1, 2, 10, 100), bad_option_below=0.15,
    extra_bad_options=(["NOSCORES"], ["FOO", "bar"]))


def gen_zscan(rng, ctx):
    return diff_shared.gen_scan(rng, ctx, zkey(rng, ctx), ZSCAN)


def gen_object_encoding(rng, ctx):
    return diff_shared.object_encoding(ctx, zkey(rng, ctx), b"zset")


def gen_zread_all(rng, ctx):
    """The whole set, exactly (order, score texts): where encodings and -0 show."""
    args = [ctx.name("ZRANGE"), zkey(rng, ctx), "0", "-1"]
    if rng.random() < 0.8:
        args.append(ctx.name("WITHSCORES"))
    return Cmd(*args)


def not_zset(reply):
    return reply[0] == b"+" and reply[1] not in (b"zset", b"none")


def gen_reclaim_key(rng, ctx):
    """DEL of one of ZSET_KEYS when it holds another type (the other families' SETs are
    sticky: no Z* command replaces them), so the family's commands find sorted sets."""
    key = rng.choice(ZSET_KEYS)
    return Cmd(ctx.name("DEL"), key, guard=(Cmd("TYPE", key), not_zset))


WRONG_EXTRA_ARGS = (("ZCARD", (1, 2)), ("ZSCORE", (0, 2)), ("ZRANK", (0, 2)),
                    ("ZREVRANK", (2,)), ("ZINCRBY", (1, 3)), ("ZCOUNT", (1, 3)),
                    ("ZLEXCOUNT", (1,)), ("ZREMRANGEBYRANK", (1, 3)),
                    ("ZREMRANGEBYSCORE", (3,)))


def gen_zset_bad_args(rng, ctx):
    key = ctx.key()
    r = rng.random()
    if r < 0.25:
        return Cmd(ctx.name("ZADD"), key, *rng.choice(
            (["1", "a", "2"], ["INCR", "1", "a", "2", "b"], ["NX", "XX", "1", "a"],
             ["GT", "LT", "1", "a"], ["nan", "a"], ["1e400", "a"], ["FOO", "1", "a"],
             ["FOO", "1"], ["NX"], ["1"])))
    if r < 0.4:
        return Cmd(ctx.name("ZINCRBY"), key, rng.choice(BAD_SCORES), member(rng))
    if r < 0.55:
        return Cmd(ctx.name("ZSCAN"), key, rng.choice(BAD_CURSORS))
    if r < 0.75:
        return diff_shared.wrong_extra_args(rng, ctx, key, WRONG_EXTRA_ARGS, member)
    if r < 0.9:
        return Cmd(ctx.name(rng.choice(("ZRANGE", "ZREVRANGE"))), key, "0", "-1",
                   *rng.choice((["LIMIT", "0", "1"], ["BYLEX", "WITHSCORES"],
                                ["BYSCORE", "BYLEX"], ["WITHSCORES", "WITHSCORES"])))
    return Cmd(ctx.name(rng.choice(("ZUNION", "ZINTER", "ZDIFF", "ZINTERCARD"))),
               rng.choice(("0", "-1", "abc")), key)


GENERATORS = [
    (gen_zadd, 9), (gen_zadd_big, 0.4), (gen_zincrby, 2), (gen_zrem, 1.5), (gen_zread, 4),
    (gen_zcount, 1.5), (gen_zrange_rank, 3), (gen_zrange_score, 3), (gen_lex, 3),
    (gen_zrangestore, 1), (gen_zremrange, 1), (gen_zpop, 2), (gen_zrandmember, 2),
    (gen_setop, 3), (gen_sadd, 1), (gen_zscan, 1.5), (gen_object_encoding, 1.5),
    (gen_zread_all, 2), (gen_zset_bad_args, 1), (gen_reclaim_key, 2),
]
