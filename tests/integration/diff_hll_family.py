"""The HyperLogLog family of the differential test (test_differential.py): PFADD, PFCOUNT and
PFMERGE on the shared key space (ctx.key()), with GET, GETRANGE and STRLEN of their values
(the bytes are Redis's format: sparse opcodes, dense registers, the cached cardinality),
SETRANGE that corrupts a HyperLogLog's header (WRONGTYPE, a stale or bogus cached
cardinality), and SET of HyperLogLog-looking strings, some with registers that do not add up
(INVALIDOBJ).

Elements come from a small pool or a counter-like range, in batches from one to a few thousand
(a batch that large turns a sparse value dense: past hll-sparse-max-bytes or a register above
32), so streams meet both encodings and their conversion. Every reply is deterministic (same
hash, same registers, same estimate), so all are compared as raw bytes.
"""

import diff_shared

bind, Cmd = diff_shared.bind, diff_shared.Cmd

ARITY = {"pfadd": -2, "pfcount": -2, "pfmerge": -2}

POOL = ("a", "b", "c", "foo", "bar", "1", "2", "", "x" * 100, "élément")


def elements(rng):
    r = rng.random()
    if r < 0.5:
        return [rng.choice(POOL) for _ in range(rng.randint(0, 6))]
    if r < 0.85:
        start = rng.randint(0, 5000)
        return [str(i) for i in range(start, start + rng.randint(1, 300))]
    start = rng.randint(0, 100000)
    return ["e%d" % i for i in range(start, start + rng.randint(500, 4000))]


def gen_pfadd(rng, ctx):
    return Cmd(ctx.name("PFADD"), ctx.key(), *elements(rng))


def gen_pfcount(rng, ctx):
    return Cmd(ctx.name("PFCOUNT"), *ctx.keys(1, 3))


def gen_pfmerge(rng, ctx):
    return Cmd(ctx.name("PFMERGE"), *ctx.keys(1, 4))


def gen_read_bytes(rng, ctx):
    r = rng.random()
    if r < 0.4:
        return Cmd(ctx.name("GET"), ctx.key())
    if r < 0.7:
        return Cmd(ctx.name("STRLEN"), ctx.key())
    return Cmd(ctx.name("GETRANGE"), ctx.key(), str(rng.randint(0, 20)), str(rng.randint(0, 40)))


def gen_corrupt(rng, ctx):
    """SETRANGE into the header (magic, encoding, cached cardinality). Not into the registers:
    a sparse value whose last opcode is an XZERO cut short makes redis-server read, and later
    write, past the end of the string (memory no reply shows), so what it does next depends on
    its heap; test_hyperloglog.py corrupts registers in ways both servers read alike."""
    offset = rng.choice((0, 3, 4, 5, 8, 11, 14, 15))
    byte = bytes([rng.choice((0, 1, 2, 0x40, 0x7f, 0x80, 0xff, rng.randrange(256)))])
    return Cmd(ctx.name("SETRANGE"), ctx.key(), str(offset), byte)


def gen_set_hll_like(rng, ctx):
    header = rng.choice((b"HYLL\x01\x00\x00\x00", b"HYLL\x00\x00\x00\x00", b"HYLL\x02\x00\x00\x00",
                         b"HYLX\x01\x00\x00\x00"))
    body = rng.choice((b"\x7f\xff", b"\x80\x7f\xfe", b"", b"\x00" * 3, b"\x84\x7f\xfe"))
    return Cmd(ctx.name("SET"), ctx.key(), header + b"\x00" * 8 + body)


GENERATORS = [
    (gen_pfadd, 8), (gen_pfcount, 5), (gen_pfmerge, 3), (gen_read_bytes, 3), (gen_corrupt, 1),
    (gen_set_hll_like, 1),
]
