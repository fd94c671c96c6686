"""The bitmap family of the differential test (test_differential.py): SETBIT, GETBIT, BITCOUNT,
BITPOS, BITOP, BITFIELD, BITFIELD_RO and LCS, mixed with GETRANGE, SETRANGE, APPEND and SET of
bit-pattern values on the shared key space (ctx.key()), so the bit commands meet every value the
other families leave (binary, numeric-looking, long, hashes for WRONGTYPE).

test_differential.py imports this module, calls bind(Cmd) and adds GENERATORS to
FAMILIES["bits"] and ARITY to its ARITY. Values stay small: bit offsets mostly under a few
thousand bits, so no string passes a few KB; offsets past proto-max-bulk-len are sent only where
Redis refuses them (an offset whose byte is exactly at 512 MB would allocate it).

Every reply is deterministic, so all are compared as raw bytes. LCS runs behind a guard MGET of
its two keys that lets it through only when both values are short (the table is quadratic);
inside MULTI the guard is only QUEUED and the LCS is skipped.
"""

import diff_shared

# test_differential.py calls every family's bind() with its Cmd class (see diff_shared.py).
bind, Cmd = diff_shared.bind, diff_shared.Cmd


# Redis 7.0 arities (negative: at least that many), for the wrong-arity generator.
ARITY = {
    "setbit": 4, "getbit": 3, "bitcount": -2, "bitpos": -3, "bitop": -4, "bitfield": -2,
    "bitfield_ro": -2, "lcs": -3,
}

BAD_INTS = ("abc", "", "1.5", " 1", "1 ", "+1", "0x10", "007", "-0", "1e3",
            "9223372036854775808", "-9223372036854775809", "--1")
# Bit offsets Redis refuses: negative, not numbers, or a byte at or past 512 MB.
BAD_OFFSETS = ("-1", "-8", "4294967296", "4294967304", "9223372036854775807",
               "-9223372036854775808", "#1") + BAD_INTS
BIT_VALUES = (b"\xff", b"\x00", b"\xff" * 3, b"\x00" * 5, b"\xff\xff\x00", b"\x00\xff",
              b"\x0f\xf0", b"\x80", b"\x01", b"\xff" * 9, b"\xff" * 17 + b"\xfe", b"\x7f" * 12,
              b"\x00" * 16 + b"\x01", b"`bc", b"foobar", b"1234")
TYPES = tuple(f"i{n}" for n in range(1, 65)) + tuple(f"u{n}" for n in range(1, 64))
COMMON_TYPES = ("i1", "u1", "i8", "u8", "i16", "u16", "i32", "u32", "i63", "u63", "i64", "u7",
                "i5", "u2", "i3")
BAD_TYPES = ("u64", "i65", "i0", "u0", "I8", "U8", "x8", "", "i", "u", "i-1", "u08", "i 8",
             "i8 ", "i+8")
FIELD_VALUES = ("0", "1", "-1", "2", "-2", "100", "-100", "127", "128", "-128", "255", "256",
                "65535", "-32768", "2147483647", "-2147483648", "4294967295",
                "9223372036854775807", "-9223372036854775808", "4611686018427387904",
                "-4611686018427387905", "9223372036854775806")


def offset(rng, high=200):
    r = rng.random()
    if r < 0.7:
        return str(rng.randint(0, high))
    if r < 0.85:
        return str(rng.randint(0, 8 * 600))
    return rng.choice(BAD_OFFSETS)


def bit_value(rng, ctx):
    r = rng.random()
    if r < 0.5:
        return rng.choice(BIT_VALUES)
    if r < 0.7:
        return bytes(rng.randrange(256) for _ in range(rng.randint(0, 24)))
    if r < 0.8:
        return rng.choice((b"\xff", b"\x00", b"\xaa")) * rng.randint(1, 300)
    return ctx.value()


def range_int(rng, ctx):
    r = rng.random()
    if r < 0.85:
        return str(rng.randint(-40, 40))
    if r < 0.93:
        return rng.choice(("9223372036854775807", "-9223372036854775808", "1000", "-1000"))
    return rng.choice(BAD_INTS)


def unit(rng, ctx):
    r = rng.random()
    if r < 0.9:
        return ctx.name(rng.choice(("BIT", "BYTE")))
    return rng.choice(("bits", "", "B", "BYTES"))


def gen_set_bits(rng, ctx):
    return Cmd(ctx.name("SET"), ctx.key(), bit_value(rng, ctx))


def gen_setbit(rng, ctx):
    r = rng.random()
    bit = rng.choice(("0", "1")) if r < 0.9 else rng.choice(("2", "-1", "10") + BAD_INTS)
    return Cmd(ctx.name("SETBIT"), ctx.key(), offset(rng), bit)


def gen_getbit(rng, ctx):
    return Cmd(ctx.name("GETBIT"), ctx.key(), offset(rng))


def gen_bitcount(rng, ctx):
    args = [ctx.name("BITCOUNT"), ctx.key()]
    r = rng.random()
    if r < 0.2:
        return Cmd(*args)
    if r < 0.5:
        return Cmd(*args, range_int(rng, ctx), range_int(rng, ctx))
    if r < 0.9:
        return Cmd(*args, range_int(rng, ctx), range_int(rng, ctx), unit(rng, ctx))
    extra = rng.choice(([range_int(rng, ctx)], ["0", "-1", "BIT", "x"], ["0", "-1", "BYTE", "1"]))
    return Cmd(*args, *extra)


def gen_bitpos(rng, ctx):
    bit = rng.choice(("0", "1")) if rng.random() < 0.92 else rng.choice(("2", "-1") + BAD_INTS)
    args = [ctx.name("BITPOS"), ctx.key(), bit]
    n = rng.choice((0, 0, 1, 2, 3, 3, 3, 4))
    if n >= 1:
        args.append(range_int(rng, ctx))
    if n >= 2:
        args.append(range_int(rng, ctx))
    if n >= 3:
        args.append(unit(rng, ctx))
    if n >= 4:
        args.append(rng.choice(("x", "BIT", "0")))
    return Cmd(*args)


def gen_bitop(rng, ctx):
    r = rng.random()
    if r < 0.9:
        op = ctx.name(rng.choice(("AND", "OR", "XOR", "NOT")))
    else:
        op = rng.choice(("NAND", "", "ANDOR", "DIFF"))
    count = 1 if op.upper() == "NOT" and rng.random() < 0.8 else rng.randint(1, 4)
    return Cmd(ctx.name("BITOP"), op, ctx.key(), *[ctx.key() for _ in range(count)])


def field_type(rng):
    r = rng.random()
    if r < 0.6:
        return rng.choice(COMMON_TYPES)
    if r < 0.98:
        return rng.choice(TYPES)
    return rng.choice(BAD_TYPES)


def field_offset(rng):
    r = rng.random()
    if r < 0.55:
        return str(rng.randint(0, 100))
    if r < 0.85:
        return f"#{rng.randint(0, 12)}"
    if r < 0.96:
        return str(rng.randint(0, 3000))
    return rng.choice(("#-1", "#", "##1", "#9223372036854775807", "#288230376151711744",
                       "#4611686018427387904") + BAD_OFFSETS)


def field_number(rng):
    r = rng.random()
    if r < 0.6:
        return str(rng.randint(-300, 300))
    if r < 0.95:
        return rng.choice(FIELD_VALUES)
    return rng.choice(BAD_INTS)


def field_ops(rng, ctx, writes=True):
    ops = []
    for _ in range(rng.randint(0, 5)):
        r = rng.random()
        if r < 0.35 or not writes and r < 0.9:
            ops += [ctx.name("GET"), field_type(rng), field_offset(rng)]
        elif r < 0.55:
            ops += [ctx.name("SET"), field_type(rng), field_offset(rng), field_number(rng)]
        elif r < 0.8:
            ops += [ctx.name("INCRBY"), field_type(rng), field_offset(rng), field_number(rng)]
        elif r < 0.97:
            mode = rng.choice(("WRAP", "SAT", "FAIL")) if rng.random() < 0.95 else "SATURATE"
            ops += [ctx.name("OVERFLOW"), ctx.name(mode)]
        else:  # a subcommand cut short, or not one
            ops += rng.choice(([ctx.name("GET"), "u8"], [ctx.name("SET"), "u8", "0"],
                               ["OVERFLOW"], ["FOO", "u8", "0"]))
    return ops


def gen_bitfield(rng, ctx):
    return Cmd(ctx.name("BITFIELD"), ctx.key(), *field_ops(rng, ctx))


def gen_bitfield_ro(rng, ctx):
    return Cmd(ctx.name("BITFIELD_RO"), ctx.key(),
               *field_ops(rng, ctx, writes=rng.random() < 0.2))


def short_values(reply):
    """The guard of LCS: MGET's values are all short (or missing / not strings)."""
    return reply[0] == b"*" and all(item[1] is None or len(item[1]) <= 400 for item in reply[1])


def gen_lcs(rng, ctx):
    a, b = ctx.key(), ctx.key()
    args = [ctx.name("LCS"), a, b]
    for _ in range(rng.choice((0, 0, 1, 1, 2, 3))):
        r = rng.random()
        if r < 0.3:
            args.append(ctx.name("IDX"))
        elif r < 0.45:
            args.append(ctx.name("LEN"))
        elif r < 0.7:
            args.append(ctx.name("WITHMATCHLEN"))
        elif r < 0.95:
            args += [ctx.name("MINMATCHLEN"), rng.choice(("0", "1", "2", "3", "5", "-1"))
                     if rng.random() < 0.9 else rng.choice(BAD_INTS)]
        else:
            args.append(rng.choice(("MINMATCHLEN", "FOO", "")))
    return Cmd(*args, guard=(Cmd("MGET", a, b), short_values))


def gen_bit_strings(rng, ctx):
    """The string commands whose bytes the bit commands read and write."""
    key = ctx.key()
    r = rng.random()
    if r < 0.4:
        return Cmd(ctx.name("GETRANGE"), key, range_int(rng, ctx), range_int(rng, ctx))
    if r < 0.7:
        return Cmd(ctx.name("SETRANGE"), key, str(rng.randint(0, 60)), bit_value(rng, ctx))
    if r < 0.9:
        return Cmd(ctx.name("APPEND"), key, bit_value(rng, ctx))
    return Cmd(ctx.name("STRLEN"), key)


def gen_other_type(rng, ctx):
    """A key of another type, for WRONGTYPE (the bit commands refuse it, BITOP overwrites it as
    a destination, LCS has its own error)."""
    return Cmd(ctx.name("HSET"), ctx.key(), "f", ctx.value())


GENERATORS = [
    (gen_set_bits, 3), (gen_setbit, 5), (gen_getbit, 3), (gen_bitcount, 4), (gen_bitpos, 5),
    (gen_bitop, 3), (gen_bitfield, 6), (gen_bitfield_ro, 2), (gen_lcs, 3), (gen_bit_strings, 3),
    (gen_other_type, 0.5),
]
