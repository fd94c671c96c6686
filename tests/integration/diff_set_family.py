"""The set family of the differential test (test_differential.py): SADD, SREM, SCARD, SISMEMBER,
SMISMEMBER, SMEMBERS, SPOP, SRANDMEMBER, SMOVE, SINTER, SINTERCARD, SINTERSTORE, SUNION,
SUNIONSTORE, SDIFF, SDIFFSTORE, SSCAN and OBJECT ENCODING, mixed with the string, hash and key
commands on the same key space (ctx.key()), so WRONGTYPE, TYPE, DEL, RENAME, COPY, MOVE and
EXPIRE meet set keys, and the *STORE commands overwrite strings, hashes and keys with TTLs.

test_differential.py imports this module, calls bind(Cmd) and adds GENERATORS to
FAMILIES["sets"] and ARITY to its ARITY; its dump_dataset reads set values with SMEMBERS through
dataset_value() (compared sorted).

Members come from small pools (so commands hit each other's members): integers, among them the
int16 / int32 / int64 edges and LLONG_MIN / LLONG_MAX (a set of integers only is an intset in
Redis 7.0, 7.0 has no listpack sets), and strings, some of which look like integers but are not
canonical ("007", "-0", "+5", " 1", "9223372036854775808"): one of those in an intset turns it
into a hashtable, as does a 513th member (set-max-intset-entries is 512). Now and then one SADD
writes 510-600 integers at once, sometimes with a string among them.

What legitimately differs, and how it is compared:
  - SMEMBERS, SINTER, SUNION, SDIFF, SPOP with COUNT: a hashtable set's order is the dict's:
    compared sorted, the reply's type byte kept (RESP3 sends a set '~'). (An intset is sorted
    in both, but sorting cannot hide anything there.)
  - SRANDMEMBER: random. A guard SMEMBERS (compared too) captures the set first; the reply is
    then compared as: without COUNT, "a member of the set" (or nil / the error); a COUNT >= the
    set's size, the sorted members; otherwise the length, whether the members are distinct
    (positive COUNT: Redis returns distinct members) and whether each is a member. Inside MULTI
    the SMEMBERS is only QUEUED: then only the length and the distinctness are compared.
    Negative counts stay small: SRANDMEMBER key -9223372036854775807 makes redis-server build a
    reply of 2^63 elements (it is killed).
  - SPOP: it removes random members, so after it the two datasets could differ. Only forms
    whose effect is determined are sent alone: SPOP without COUNT on a set of one member, SPOP
    with a COUNT >= the set's size (the whole set, the key deleted: a guard SCARD decides),
    COUNT 0, missing keys, wrong types and bad counts. Any other SPOP runs in a chain
    SMEMBERS (captures the set) -> SPOP -> SADD of every member the set had -> OBJECT
    ENCODING of the key: the SADD puts back
    exactly what was popped, so both sets are whole again and equal, and its reply (how many
    were popped) is deterministic. The SPOP reply is compared as its length, distinctness and
    membership. Some chains pop all but 1, 2 or 4 members (the COUNT is set from the captured
    size): that is where Redis 7.0 changes strategy. When the members that stay are few
    (remaining * 5 <= COUNT) it builds a new set from them, and that new set is an intset when
    they are all integers: a hashtable of integers (one that grew past 512 members, or lost its
    strings) becomes an intset. The encoding after the chain is still deterministic: the SADD
    re-adds every member, so a set with a string ends up a hashtable again, one of more than
    512 integers too, and one of at most 512 integers stays the intset the rebuild made
    (whichever members stayed): an implementation must do the same rebuild. Inside MULTI the
    chain is impossible (nothing is known before EXEC): only the determined forms are queued, with a
    COUNT larger than any set (100000).
  - SSCAN: only forms whose reply Redis determines: cursor 0 on an intset (Redis returns it
    whole with cursor 0 whatever COUNT says; a guard TYPE + OBJECT ENCODING checks), or
    COUNT >= 1000 on any set (more than the largest set here), or an error. Compared: the
    cursor and the sorted members.
  - OBJECT ENCODING: exact ("intset" / "hashtable"), only on set keys (guard TYPE).

The SCAN, OBJECT ENCODING, random-pick COUNT and wrong-argument-count shapes are
diff_shared.py's (shared with the hash and sorted-set families); this module gives them the
set's pools.
"""

import diff_hash_family
import diff_shared

# test_differential.py calls every family's bind() with its Cmd class (see diff_shared.py).
bind, Cmd = diff_shared.bind, diff_shared.Cmd


# Redis 7.0 arities (negative: at least that many), for the wrong-arity generator.
ARITY = {
    "sadd": -3, "srem": -3, "scard": 2, "sismember": 3, "smismember": -3, "smembers": 2,
    "spop": -2, "srandmember": -2, "smove": 4, "sinter": -2, "sintercard": -3,
    "sinterstore": -3, "sunion": -2, "sunionstore": -3, "sdiff": -2, "sdiffstore": -3,
    "sscan": -3,
}

INT_MEMBERS = (b"0", b"1", b"-1", b"2", b"3", b"5", b"7", b"10", b"42", b"100", b"-100",
               b"32767", b"32768", b"-32769", b"2147483647", b"2147483648", b"-2147483649",
               b"9223372036854775807", b"-9223372036854775808")
STR_MEMBERS = (b"a", b"b", b"c", b"", b"007", b"-0", b"+5", b" 1", b"1 ", b"1.5", b"abc",
               b"9223372036854775808", b"-9223372036854775809", b"\x00", b"bin\x00\r\n\xff",
               b"1e3", b"0x10", b"x" * 70)

MATCH_PATTERNS = (b"*", b"1*", b"-*", b"?", b"[0-4]", b"*0*", b"", b"*7", b"\\*", b"[",
                  b"a*", b"[a-c]", b"*\x00*", b"big")
BAD_CURSORS = diff_shared.BAD_SCAN_CURSORS
POP_ALL = 100000  # a SPOP / SRANDMEMBER COUNT larger than any set of a stream
BAD_COUNTS = ("abc", "1.5", "", "-0", "+1", " 1", "9223372036854775808",
              "-9223372036854775808")


def member(rng):
    r = rng.random()
    if r < 0.6:
        return rng.choice(INT_MEMBERS)
    if r < 0.93:
        return rng.choice(STR_MEMBERS)
    if r < 0.97:
        return b"%d" % rng.randint(-600, 600)  # among the big SADDs' members
    return bytes(rng.randrange(256) for _ in range(rng.randint(0, 3)))


def int_member(rng):
    return rng.choice(INT_MEMBERS) if rng.random() < 0.9 else member(rng)


def members(rng, low=1, high=4):
    pick = int_member if rng.random() < 0.5 else member
    return [pick(rng) for _ in range(rng.randint(low, high))]


# -- normalisations -----------------------------------------------------------------------------

def sorted_reply(reply):
    """SMEMBERS, SINTER, SUNION, SDIFF, SPOP with COUNT: the elements sorted, the type byte
    ('*' or '~') kept."""
    kind, payload = reply
    if kind in (b"*", b"~") and payload is not None:
        return (kind, sorted(payload, key=repr))
    return reply


def set_content(reply):
    """The members (a Python set of bytes) of a parsed SMEMBERS reply, or None when it is not
    one (an error, or +QUEUED inside MULTI)."""
    kind, payload = reply
    if kind in (b"*", b"~") and payload is not None:
        return {e[1] for e in payload}
    return None


def dataset_value(reply):
    """A set's value in test_differential's dataset dump: its sorted members."""
    return ("set", sorted(set_content(reply)))


def random_normalizer(fixed_count, holder, name):
    """The comparable form of an SRANDMEMBER / SPOP reply (see the module docstring);
    holder["content"] is the set as the guard SMEMBERS read it, or None (unknown);
    holder["count"], when there, the COUNT the guard chose (replacing fixed_count)."""

    def normalize(reply):
        kind, payload = reply
        content = holder.get("content")
        count = holder.get("count", fixed_count)
        if kind in (b"-", b"_", b"+") or payload is None:
            return reply  # errors, nil, QUEUED
        if count is None:
            return (kind, "a member" if content is None or payload in content else payload)
        if kind not in (b"*", b"~"):
            return reply
        items = [e[1] for e in payload]
        if content is not None and count > 0 and count >= len(content):
            return (kind, sorted(items))
        members_ok = content is None or all(e in content for e in items)
        distinct = len(set(items)) == len(items) if count > 0 else None
        return (kind, len(items), distinct, members_ok, name)

    return normalize


# -- generators -------------------------------------------------------------------------------

def gen_sadd(rng, ctx):
    key = ctx.key()
    if rng.random() < 0.2:
        # SADD of integers and a string, then SREM of the string: a hashtable of integers
        # only (what SPOP's rebuild turns into an intset).
        string = rng.choice(STR_MEMBERS)
        added = [int_member(rng) for _ in range(rng.randint(1, 12))] + [string]
        return Cmd(ctx.name("SREM"), key, string,
                   guard=(Cmd(ctx.name("SADD"), key, *added), lambda reply: True))
    return Cmd(ctx.name("SADD"), key, *members(rng, 1, 5))


def gen_sadd_big(rng, ctx):
    """One SADD of about set-max-intset-entries (512) integers or more, now and then with a
    string or a pool member among them."""
    n = rng.choice((510, 511, 512, 513, 514, 600))
    start = rng.randint(-40, 40)
    args = [b"%d" % i for i in range(start, start + n)]
    if rng.random() < 0.3:
        args.insert(rng.randrange(len(args) + 1), member(rng))
    return Cmd(ctx.name("SADD"), ctx.key(), *args)


def gen_srem(rng, ctx):
    if rng.random() < 0.12:  # many of a big SADD's members at once
        start = rng.randint(-40, 600)
        names = [b"%d" % i for i in range(start, start + rng.randint(5, 600))]
    else:
        names = members(rng, 1, 4)
    return Cmd(ctx.name("SREM"), ctx.key(), *names)


def gen_scard(rng, ctx):
    return Cmd(ctx.name("SCARD"), ctx.key())


def gen_sismember(rng, ctx):
    if rng.random() < 0.5:
        return Cmd(ctx.name("SISMEMBER"), ctx.key(), member(rng))
    return Cmd(ctx.name("SMISMEMBER"), ctx.key(), *members(rng, 1, 5))


def gen_smembers(rng, ctx):
    return Cmd(ctx.name("SMEMBERS"), ctx.key(), normalize=sorted_reply)


def gen_srandmember(rng, ctx):
    key = ctx.key()
    count = diff_shared.random_pick_count(
        rng, (30, 600, POP_ALL, 9223372036854775807, -200, -600),
        cuts=(0.25, 0.5, 0.65, 0.7, 0.8))
    args = [ctx.name("SRANDMEMBER"), key]
    if count == "bad":
        args += [rng.choice(BAD_COUNTS)] if rng.random() < 0.7 else \
            rng.choice((["1", "x"], ["1", "2"], ["-1", "WITHVALUES"]))
        return Cmd(*args)
    if count is not None:
        args.append(str(count))
    holder = {}
    return Cmd(*args, normalize=random_normalizer(count, holder, "srandmember"),
               guard=(Cmd("SMEMBERS", key, normalize=sorted_reply),
                      diff_shared.capture_into(holder, set_content)))


def gen_spop(rng, ctx):
    key = ctx.key()
    name = ctx.name("SPOP")
    r = rng.random()
    if r < 0.08:  # argument errors: a count that is not a positive integer, extra arguments
        extra = rng.choice((["-1"], ["-9223372036854775808"], ["abc"], ["1.5"], [""], ["+1"],
                            ["9223372036854775808"], ["1", "2"], ["1", "COUNT"]))
        return Cmd(name, key, *extra)
    if ctx.queued is not None or r < 0.3:
        # Determined forms only: every member (a count larger than any set), or none.
        count = rng.choice((POP_ALL, POP_ALL, 9223372036854775807, 0))
        return Cmd(name, key, str(count), normalize=sorted_reply)
    if r < 0.45:
        # Without COUNT: alone only on a set of one member (or none, or not a set).
        return Cmd(name, key, guard=(Cmd("SCARD", key),
                                     lambda reply: reply[0] != b":" or reply[1] <= 1))
    if r < 0.6:
        # A COUNT >= the set's size: the whole set.
        count = rng.randint(1, 6)
        return Cmd(name, key, str(count), normalize=sorted_reply,
                   guard=(Cmd("SCARD", key), lambda reply: reply[0] != b":" or
                          reply[1] <= count))
    # The chain SMEMBERS -> SPOP -> SADD of every former member (see the module docstring).
    if r < 0.7:
        count = None
    elif r < 0.8:
        count = rng.choice((1, 2, 3, 5, 10, 100, 400, 511, 550))
    else:
        count = "most"  # all but a few members: Redis's rebuilding strategy (see above)
    keep = rng.choice((1, 1, 2, 4))
    holder = {}
    spop_args = [name, key] + ([] if count is None else [str(count)])
    restore = Cmd(ctx.name("SADD"), key, b"placeholder")

    def capture(reply):
        content = set_content(reply)
        holder["content"] = content
        if not content:
            return False  # a missing key or not a set: nothing to pop and put back
        restore.args = restore.args[:2] + sorted(content)
        if count == "most":
            holder["count"] = max(1, len(content) - keep)
            spop.args = spop.args[:2] + [b"%d" % holder["count"]]
        return True

    spop = Cmd(*spop_args, normalize=random_normalizer(count, holder, "spop"),
               guard=(Cmd("SMEMBERS", key, normalize=sorted_reply), capture))
    restore.guard = (spop, lambda reply: bool(holder.get("content")) and reply is not None
                     and reply[0] != b"-")
    # Last, the encoding the chain left (compared exactly).
    return Cmd("OBJECT", "ENCODING", key, guard=(restore, lambda reply: reply is not None))


def gen_smove(rng, ctx):
    source, destination = ctx.key(), ctx.key()
    return Cmd(ctx.name("SMOVE"), source, destination, member(rng))


def gen_set_op(rng, ctx):
    name = rng.choice(("SINTER", "SUNION", "SDIFF"))
    return Cmd(ctx.name(name), *ctx.keys(1, 4), normalize=sorted_reply)


def gen_set_store(rng, ctx):
    """SINTERSTORE / SUNIONSTORE / SDIFFSTORE: the destination may be a source, a string, a
    hash, a key with a TTL; an empty result deletes it."""
    name = rng.choice(("SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"))
    return Cmd(ctx.name(name), ctx.key(), *ctx.keys(1, 3))


def gen_sintercard(rng, ctx):
    keys = ctx.keys(1, 4)
    numkeys = str(len(keys))
    args = []
    r = rng.random()
    if r < 0.4:
        args = [ctx.name("LIMIT"), str(rng.choice((0, 1, 2, 3, 5, 100)))]
    elif r < 0.5:
        args = rng.choice((["LIMIT", "-1"], ["LIMIT", "abc"], ["LIMIT"], ["FOO"],
                           ["LIMIT", "1", "LIMIT", "2"], ["LIMIT", "9223372036854775808"],
                           ["LIMIT", "1", "x"]))
    elif r < 0.6:
        numkeys = rng.choice(("0", "-1", "abc", str(len(keys) + 1), str(len(keys) + 5), "",
                              str(max(1, len(keys) - 1))))
    return Cmd(ctx.name("SINTERCARD"), numkeys, *keys, *args)


SSCAN = diff_shared.ScanSpec(
    command="SSCAN", type_name=b"set", whole_encoding=b"intset",
    normalize=diff_shared.scan_members_reply, match_patterns=MATCH_PATTERNS,
    bad_cursors=BAD_CURSORS, small_counts=(1, 2, 3, 10, 100), bad_option_below=0.16,
    extra_bad_options=(["NOVALUES"], ["TYPE", "set"], ["FOO", "bar"]))


def gen_sscan(rng, ctx):
    return diff_shared.gen_scan(rng, ctx, ctx.key(), SSCAN)


def gen_object_encoding(rng, ctx):
    return diff_shared.object_encoding(ctx, ctx.key(), b"set")


def gen_cross_type(rng, ctx):
    """String, hash and key commands on keys that may hold sets: WRONGTYPE both ways, and the
    set keys move (RENAME, COPY, MOVE), expire and get replaced."""
    r = rng.random()
    if r < 0.25:
        key = ctx.key()
        name = rng.choice(("HSET", "HGET", "HLEN", "HGETALL"))
        args = {"HSET": [diff_hash_family.field(rng), ctx.value()],
                "HGET": [diff_hash_family.field(rng)], "HLEN": [], "HGETALL": []}[name]
        return Cmd(ctx.name(name), key, *args,
                   normalize=diff_hash_family.sorted_pairs if name == "HGETALL" else None)
    return diff_hash_family.gen_cross_type(rng, ctx)


# (command, numbers of arguments after the key that are wrong for it)
WRONG_EXTRA_ARGS = (("SCARD", (1, 2)), ("SISMEMBER", (0, 2)), ("SMEMBERS", (1,)),
                    ("SMOVE", (0, 1, 3)), ("SPOP", (2, 3)), ("SRANDMEMBER", (2, 3)))


def gen_set_bad_args(rng, ctx):
    """Argument errors the other generators rarely send."""
    key = ctx.key()
    r = rng.random()
    if r < 0.3:
        return Cmd(ctx.name("SSCAN"), key, rng.choice(BAD_CURSORS))
    if r < 0.6:
        return diff_shared.wrong_extra_args(rng, ctx, key, WRONG_EXTRA_ARGS, member)
    if r < 0.8:
        return Cmd(ctx.name(rng.choice(("SADD", "SREM", "SMISMEMBER", "SINTERSTORE",
                                        "SUNIONSTORE", "SDIFFSTORE"))), key)
    return Cmd(ctx.name("SINTERCARD"), *rng.choice((["1"], ["x"], [], ["0", key], ["2", key])))


GENERATORS = [
    (gen_sadd, 6), (gen_sadd_big, 0.4), (gen_srem, 3), (gen_scard, 1.5), (gen_sismember, 3),
    (gen_smembers, 3), (gen_srandmember, 3), (gen_spop, 3), (gen_smove, 2), (gen_set_op, 3),
    (gen_set_store, 3), (gen_sintercard, 2), (gen_sscan, 2), (gen_object_encoding, 2),
    (gen_cross_type, 4), (gen_set_bad_args, 1),
]
