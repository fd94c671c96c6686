"""The string, key, expiry and connection families of the differential test
(test_differential.py): SET (NX, XX, GET, EX, PX, EXAT, PXAT, KEEPTTL), GET, GETEX, GETDEL,
GETSET, MGET, MSET, MSETNX, APPEND, SETRANGE, GETRANGE, SUBSTR, STRLEN, INCR, DECR, INCRBY,
DECRBY, INCRBYFLOAT, SETNX, SETEX, PSETEX; DEL, UNLINK, EXISTS, TOUCH, TYPE, RENAME, RENAMENX,
COPY, MOVE, DBSIZE, SELECT, SWAPDB, KEYS, RANDOMKEY, FLUSHDB, FLUSHALL; EXPIRE, PEXPIRE,
EXPIREAT, PEXPIREAT, TTL, PTTL, EXPIRETIME, PEXPIRETIME, PERSIST; PING, ECHO, WAIT, CLIENT
UNBLOCK, HELLO, CLIENT GETNAME / SETNAME.

test_differential.py imports this module, calls bind(Cmd) (the Cmd class lives there) and adds
STRING_GENERATORS, KEY_GENERATORS, EXPIRY_GENERATORS and CONNECTION_GENERATORS to
FAMILIES["strings"], ["keys"], ["expiry"] and ["connection"]; these commands' arities stay in
its ARITY, and its Context (ctx) and gen_bad_numbers use BAD_INTS from here. The normalisations
positive_ttl, sorted_elements and hello_reply live here too; test_differential.py uses the last
two for PUBSUB CHANNELS and its own HELLO 3.

What legitimately differs, and how it is compared: TTL, PTTL, EXPIRETIME and PEXPIRETIME (any
deadline is "positive"), KEYS (sorted) and HELLO (the connection id). RANDOMKEY runs only behind
a DBSIZE <= 1 guard.
"""

import diff_shared

# test_differential.py calls every family's bind() with its Cmd class (see diff_shared.py).
bind, Cmd = diff_shared.bind, diff_shared.Cmd


BAD_INTS = ("abc", "", "1.5", " 1", "1 ", "+1", "0x10", "007", "-0", "1e3",
            "9223372036854775808", "-9223372036854775809", "99999999999999999999", "--1", "1-")
FLOATS = ("0", "1", "-1", "0.1", "-0.1", "1.5", "3.0e3", "1e-5", "-2.5e-3", "1e308", "-1e308",
          "5.0000000000000001", "17", "-0", "+3", ".5", "5.", "0x10", "1e400", "-1e400")
BAD_FLOATS = ("inf", "-inf", "nan", "abc", "", " 1", "1 ", "1,5", "1e", "--1")


def positive_ttl(reply):
    """TTL, PTTL, EXPIRETIME, PEXPIRETIME: -2 and -1 are exact, any deadline is 'positive'."""
    if reply[0] == b":" and reply[1] > 0:
        return (b":", "positive")
    return reply


def sorted_elements(reply):
    """KEYS: the order of the elements is the hash table's."""
    if reply[0] in (b"*", b"~") and reply[1] is not None:
        return (reply[0], sorted(reply[1], key=repr))
    return reply


def hello_reply(reply):
    """HELLO: the connection id differs; server and version are Redis's in both."""
    if reply[0] == b"%":
        return (reply[0], [(k, (b":", 0) if k == (b"$", b"id") else v) for k, v in reply[1]])
    if reply[0] == b"*" and reply[1]:  # RESP2: the map as a flat array
        items = reply[1]
        return (reply[0], [(b":", 0) if i > 0 and items[i - 1] == (b"$", b"id") else item
                           for i, item in enumerate(items)])
    return reply


# strings ----------------------------------------------------------------------------------------

def set_expiry_option(rng, ctx):
    """One of SET's expiry options with its argument (sometimes invalid)."""
    kind = rng.choice(("EX", "PX", "EXAT", "PXAT", "KEEPTTL"))
    if kind == "KEEPTTL":
        return [ctx.name(kind)]
    ms = kind.startswith("P")
    if rng.random() < 0.15:
        return [ctx.name(kind), ctx.bad_time(ms)]
    value = ctx.absolute(ms) if kind.endswith("AT") else ctx.relative(ms)
    return [ctx.name(kind), value]


def gen_set(rng, ctx):
    options = []
    r = rng.random()
    if r < 0.2:
        options.append([ctx.name("NX")])
    elif r < 0.4:
        options.append([ctx.name("XX")])
    elif r < 0.43:
        options += [[ctx.name("NX")], [ctx.name("XX")]]
    if rng.random() < 0.3:
        options.append([ctx.name("GET")])
    if rng.random() < 0.5:
        options.append(set_expiry_option(rng, ctx))
        if rng.random() < 0.08:
            options.append(set_expiry_option(rng, ctx))
    if rng.random() < 0.04:
        options.append([rng.choice(("EX", "PX", "NOPE", "GETT"))])  # missing value / unknown
    rng.shuffle(options)
    return Cmd(ctx.name("SET"), ctx.key(), ctx.value(), *[a for o in options for a in o])


def gen_get(rng, ctx):
    return Cmd(ctx.name("GET"), ctx.key())


def gen_getex(rng, ctx):
    args = [ctx.name("GETEX"), ctx.key()]
    r = rng.random()
    if r < 0.35:
        kind = rng.choice(("EX", "PX"))
        args += [ctx.name(kind), ctx.relative(kind == "PX") if rng.random() < 0.8
                 else ctx.bad_time(kind == "PX")]
    elif r < 0.6:
        kind = rng.choice(("EXAT", "PXAT"))
        args += [ctx.name(kind), ctx.absolute(kind == "PXAT", past=rng.random() < 0.3)
                 if rng.random() < 0.85 else ctx.bad_time(kind == "PXAT")]
    elif r < 0.75:
        args.append(ctx.name("PERSIST"))
    elif r < 0.85:
        args += rng.choice((["EX", "10", "PX", "10"], ["PERSIST", "EX", "10"], ["EX"],
                            ["KEEPTTL"], ["NX"], ["PERSIST", "PERSIST"]))
    return Cmd(*args)


def gen_getdel(rng, ctx):
    return Cmd(ctx.name("GETDEL"), ctx.key())


def gen_getset(rng, ctx):
    return Cmd(ctx.name("GETSET"), ctx.key(), ctx.value())


def gen_mget(rng, ctx):
    return Cmd(ctx.name("MGET"), *ctx.keys(1, 5))


def gen_mset(rng, ctx):
    args = []
    for k in ctx.keys(1, 4):
        args += [k, ctx.value()]
    if rng.random() < 0.05:
        args.pop()  # odd number of arguments: wrong arity
    return Cmd(ctx.name(rng.choice(("MSET", "MSETNX"))), *args)


def gen_append(rng, ctx):
    return Cmd(ctx.name("APPEND"), ctx.key(), ctx.value())


def gen_setrange(rng, ctx):
    r = rng.random()
    if r < 0.75:
        offset = str(rng.randint(0, 30))
    elif r < 0.8:
        offset = str(rng.randint(100, 10000))  # zero padding
    elif r < 0.9:
        # Over proto-max-bulk-len (512 MB): an error unless the value is empty. Never exactly
        # at the limit, which would allocate 512 MB.
        offset = rng.choice(("536870912", "1099511627776", "9223372036854775807"))
    else:
        offset = rng.choice(("-1", "-100") + BAD_INTS)
    value = b"" if rng.random() < 0.15 else ctx.value()
    return Cmd(ctx.name("SETRANGE"), ctx.key(), offset, value)


def gen_getrange(rng, ctx):
    return Cmd(ctx.name(rng.choice(("GETRANGE", "SUBSTR"))), ctx.key(), ctx.small_int(),
               ctx.small_int())


def gen_strlen(rng, ctx):
    return Cmd(ctx.name("STRLEN"), ctx.key())


def gen_incr(rng, ctx):
    name = rng.choice(("INCR", "DECR", "INCRBY", "DECRBY"))
    if name.endswith("BY"):
        amount = ctx.small_int(-5, 5, good=0.6) if rng.random() < 0.6 else ctx.int_arg(0.7)
        return Cmd(ctx.name(name), ctx.key(), amount)
    return Cmd(ctx.name(name), ctx.key())


def gen_incrbyfloat(rng, ctx):
    amount = rng.choice(FLOATS if rng.random() < 0.85 else BAD_FLOATS)
    return Cmd(ctx.name("INCRBYFLOAT"), ctx.key(), amount)


def gen_setnx(rng, ctx):
    return Cmd(ctx.name("SETNX"), ctx.key(), ctx.value())


def gen_setex(rng, ctx):
    name = rng.choice(("SETEX", "PSETEX"))
    ttl = ctx.relative(name == "PSETEX") if rng.random() < 0.8 else ctx.bad_time(name == "PSETEX")
    return Cmd(ctx.name(name), ctx.key(), ttl, ctx.value())


# keys -------------------------------------------------------------------------------------------

def gen_del(rng, ctx):
    return Cmd(ctx.name(rng.choice(("DEL", "UNLINK", "EXISTS", "TOUCH"))), *ctx.keys(1, 4))


def gen_type(rng, ctx):
    return Cmd(ctx.name("TYPE"), ctx.key())


def gen_rename(rng, ctx):
    return Cmd(ctx.name(rng.choice(("RENAME", "RENAMENX"))), ctx.key(), ctx.key())


def gen_copy(rng, ctx):
    options = []
    if rng.random() < 0.5:
        options.append([ctx.name("DB"), ctx.db_arg()])
    if rng.random() < 0.4:
        options.append([ctx.name("REPLACE")])
    if rng.random() < 0.05:
        options.append(rng.choice((["DB"], ["NX"], ["REPLACE", "REPLACE"])))
    rng.shuffle(options)
    return Cmd(ctx.name("COPY"), ctx.key(), ctx.key(), *[a for o in options for a in o])


def gen_move(rng, ctx):
    return Cmd(ctx.name("MOVE"), ctx.key(), ctx.db_arg())


def gen_dbsize(rng, ctx):
    return Cmd(ctx.name("DBSIZE"))


def gen_select(rng, ctx):
    return Cmd(ctx.name("SELECT"), ctx.db_arg())


def gen_swapdb(rng, ctx):
    return Cmd(ctx.name("SWAPDB"), ctx.db_arg(), ctx.db_arg())


def gen_keys(rng, ctx):
    pattern = rng.choice(("*", "k*", "k?", "key:*", "k[0-2]", "k[^0]", "*a*", "?", "",
                          "bin*", "*\\*", "k\\1", "[", "*[a-", "\\", "*:*", "k[!1]*"))
    return Cmd(ctx.name("KEYS"), pattern, normalize=sorted_elements)


def gen_randomkey(rng, ctx):
    """RANDOMKEY only when its answer is determined: the db holds at most one key."""
    return Cmd(ctx.name("RANDOMKEY"),
               guard=(Cmd("DBSIZE"), lambda reply: reply == (b":", 0) or reply == (b":", 1)))


def gen_flush(rng, ctx):
    """Empties the db (or all of them): rare (see its weight), so streams also start over."""
    args = [ctx.name(rng.choice(("FLUSHDB", "FLUSHDB", "FLUSHALL")))]
    if rng.random() < 0.4:
        args.append(rng.choice(("ASYNC", "SYNC", "async", "NOW")))
    return Cmd(*args)


# expiry -----------------------------------------------------------------------------------------

def gen_expire(rng, ctx):
    name = rng.choice(("EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT"))
    ms, absolute = name.startswith("P"), name.endswith("AT")
    r = rng.random()
    if r < 0.75:
        value = ctx.absolute(ms) if absolute else ctx.relative(ms)
    elif r < 0.88:
        value = ctx.absolute(ms, past=True) if absolute else rng.choice(("0", "-1", "-1000"))
    else:
        value = ctx.bad_time(ms)
    args = [ctx.name(name), ctx.key(), value]
    r = rng.random()
    if r < 0.45:
        args.append(ctx.name(rng.choice(("NX", "XX", "GT", "LT"))))
    elif r < 0.55:
        args += rng.sample(("NX", "XX", "GT", "LT", "NX"), 2)
    elif r < 0.58:
        args.append(rng.choice(("FOO", "", "GTX")))
    return Cmd(*args)


def gen_ttl(rng, ctx):
    name = rng.choice(("TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME"))
    return Cmd(ctx.name(name), ctx.key(), normalize=positive_ttl)


def gen_persist(rng, ctx):
    return Cmd(ctx.name("PERSIST"), ctx.key())


# connection -------------------------------------------------------------------------------------

def gen_ping(rng, ctx):
    if rng.random() < 0.5:
        return Cmd(ctx.name("PING"), *([ctx.value()] if rng.random() < 0.6 else []))
    return Cmd(ctx.name("ECHO"), ctx.value())


def gen_wait(rng, ctx):
    """WAIT that does not block (no replica wanted, or bad arguments: numreplicas is checked
    before the timeout), and CLIENT UNBLOCK of ids no client has."""
    if rng.random() < 0.7:
        wanted = rng.choice(("0", "-1", "-100", "abc", "", "1.5"))
        timeout = rng.choice(("0", "10", "-1", "abc", "", "1.5", "9223372036854775808"))
        return Cmd(ctx.name("WAIT"), wanted, timeout)
    args = [rng.choice(("999999", "0", "-1", "abc", ""))]
    if rng.random() < 0.5:
        args.append(rng.choice(("TIMEOUT", "error", "later", "")))
    if rng.random() < 0.1:
        args.append("extra")
    return Cmd(ctx.name("CLIENT"), ctx.name("UNBLOCK"), *args)


def gen_hello(rng, ctx):
    """HELLO without switching protocols: the stream's own version, none, or an invalid one."""
    version = rng.choice((str(ctx.protocol), None, "4", "1", "0", "-1", "abc", ""))
    args = [] if version is None else [version]
    if version is not None and rng.random() < 0.2:
        args += rng.choice((["SETNAME", "diff-client"], ["SETNAME", "bad name"], ["SETNAME"],
                            ["NOPE"]))
    return Cmd(ctx.name("HELLO"), *args, normalize=hello_reply)


def gen_client_name(rng, ctx):
    if rng.random() < 0.5:
        return Cmd(ctx.name("CLIENT"), ctx.name("GETNAME"))
    name = rng.choice(("diff", "", "a b", "new\nline", "x" * 100, "\x7f", "ok-name_1"))
    return Cmd(ctx.name("CLIENT"), ctx.name("SETNAME"), name)


STRING_GENERATORS = [
    (gen_set, 4), (gen_get, 2), (gen_getex, 2), gen_getdel, gen_getset, gen_mget, gen_mset,
    (gen_append, 2), (gen_setrange, 2), (gen_getrange, 2), gen_strlen, (gen_incr, 2),
    (gen_incrbyfloat, 2), gen_setnx, gen_setex,
]
KEY_GENERATORS = [
    (gen_del, 2), gen_type, gen_rename, (gen_copy, 2), gen_move, gen_dbsize, gen_select,
    gen_swapdb, gen_keys, gen_randomkey, (gen_flush, 0.3),
]
EXPIRY_GENERATORS = [(gen_expire, 5), (gen_ttl, 3), gen_persist]
CONNECTION_GENERATORS = [gen_ping, gen_hello, gen_client_name, gen_wait]
