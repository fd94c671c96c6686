"""The SORT family of the differential test (test_differential.py): SORT and SORT_RO with random
options (BY string and hash-field weights, constant and odd patterns, LIMIT, GET, ASC/DESC,
ALPHA, STORE) over lists and sets of numbers and strings, with the RPUSH / LPUSH / SADD / MSET /
HSET / DEL commands that build the sources and the weight and object keys, and now and then a
source from the shared key space (ctx.key(): WRONGTYPE, missing keys, lists STORE made there).

test_differential.py imports this module, calls bind(Cmd) and adds GENERATORS to
FAMILIES["sort"] and ARITY to its ARITY; its dump_dataset reads lists and sets through
dataset_value(). Knobs (environment, read by test_differential.py): BASALT_DIFF_SEEDS,
BASALT_DIFF_COMMANDS, and BASALT_DIFF_WEIGHTS ("sort=40,hashes=0" for a hunt in this family).

Keys: sources sort:l1 (numbers), sort:l2 (strings and numbers), sort:s1 (integers: an intset),
sort:s2 (strings: a hashtable); weights w_<element> (strings) and objects o_<element> (hashes
with fields n, a number, and s, a string); destinations sort:d1, sort:d2, a source, or
ctx.key(). Elements never contain a NUL byte and never name a key of the shared key space.

What would make Redis's reply depend on more than the data, and how it is kept out:
  - A set's own order (BY <constant> without STORE): Redis 7.0 walks its hash table. Such a
    SORT on a set source gets no LIMIT and is compared as the sorted rows (an element with its
    GET values).
  - ALPHA with BY: equal weights compare equal (no tie-break). Redis sorts with glibc's qsort,
    a stable merge sort, so a list keeps its order for ties and basalt's stable sort agrees;
    but with LIMIT Redis uses its own unstable partial quicksort, and a set's input order is
    its hash table's. Those SORTs run behind a guard, SORT src ALPHA GET # GET <by>, whose
    reply shows every element's weight: they run only when no two distinct elements have
    weights that compare equal (as strcoll compares without STORE: up to a NUL byte; binary
    with STORE). Inside MULTI the guard would only be QUEUED, so there ALPHA is dropped
    instead (numeric order is total: equal scores fall back to the element bytes).
  - Redis 7.0 does not clear errno before strtod, so once any command left ERANGE in errno
    (INCRBYFLOAT 1e400 of the string family, an out-of-range weight), its numeric SORTs fail
    until some system call happens to fail. Numeric SORTs therefore run behind a guard,
    INCRBYFLOAT sort:errno 0, whose strtold starts by clearing errno; and no weight or element
    here is out of range. (basalt clears errno; see sort_command.cc.)
"""

import diff_shared

# test_differential.py calls every family's bind() with its Cmd class (see diff_shared.py).
bind, Cmd = diff_shared.bind, diff_shared.Cmd


# Redis 7.0 arities, for the wrong-arity generator.
ARITY = {"sort": -2, "sort_ro": -2, "rpush": -3, "lpush": -3, "sadd": -3, "lrange": 4,
         "smembers": 2}

LIST_KEYS = (b"sort:l1", b"sort:l2")
SET_KEYS = (b"sort:s1", b"sort:s2")
DESTS = (b"sort:d1", b"sort:d2")
ERRNO_KEY = b"sort:errno"

NUMBERS = (b"0", b"1", b"2", b"3", b"4", b"5", b"6", b"7", b"8", b"9", b"10", b"11", b"12",
           b"-1", b"-3", b"1.5", b"2.50", b"-0.5", b"1e2", b"007", b"+4", b" 5", b"0x1A",
           b"inf", b"-inf", b"3.0", b"-0", b"100")
INTEGERS = (b"0", b"1", b"2", b"3", b"5", b"8", b"13", b"-1", b"-7", b"42", b"100", b"1000",
            b"-100", b"9223372036854775807", b"-9223372036854775808")
STRINGS = (b"a", b"b", b"B", b"ab", b"abc", b"Z", b"hello", b"", b"\xc3\xa9", b"\xff", b"a b",
           b"-", b"x1", b"aa", b"A", b"zz", b"1a", b"\r\n")
NUM_WEIGHTS = (b"1", b"2.5", b"-3", b" 4", b"0x10", b"inf", b"-inf", b"", b"1e3", b"7", b"0",
               b"-0", b"12", b"+1", b"1e-3", b"99", b"3.14159", b"1\x00trailing")
BAD_WEIGHTS = (b"abc", b"1x", b"nan", b" ", b"1 ", b"--1", b"0x")
GET_PATTERNS = (b"#", b"#", b"w_*", b"o_*->n", b"o_*->s", b"o_*->zz", b"constant", b"o_*",
                b"#\x00x", b"*", b"w_*->", b"w_*->n")
BY_SORTING = (b"w_*", b"w_*", b"o_*->n", b"o_*->s", b"*", b"o_*->zz", b"w_*->", b"o_*")
BY_CONSTANT = (b"nosort", b"nosort", b"w_", b"", b"x\x00*", b"constant->n")
LIMIT_OFFSETS = ("0", "0", "1", "2", "3", "5", "8", "-1", "-5", "100", "9223372036854775807",
                 "-9223372036854775808")
LIMIT_COUNTS = ("1", "2", "3", "4", "6", "0", "-1", "-2", "100", "9223372036854775807",
                "-9223372036854775808")
BAD_LIMITS = ("a", "1.5", "", " 1", "9223372036854775808", "0x1")


def element_pool(key):
    if key == b"sort:l1":
        return NUMBERS
    if key == b"sort:s1":
        return INTEGERS
    return STRINGS + NUMBERS[:8]


def all_elements():
    return sorted(set(NUMBERS + INTEGERS + STRINGS))


# -- dataset -------------------------------------------------------------------------------------

def dataset_value(kind, reply):
    """A list's or set's value in test_differential's dataset dump (LRANGE / SMEMBERS reply)."""
    items = [e[1] for e in reply[1]]
    return ("list", items) if kind == b"list" else ("set", sorted(items))


# -- normalisations and guards --------------------------------------------------------------------

def sorted_rows(width):
    """An unordered SORT reply (a set's own order): its rows of `width` items, sorted."""

    def normalize(reply):
        kind, payload = reply
        if kind not in (b"*", b"~") or payload is None:
            return reply
        rows = [tuple(payload[i:i + width]) for i in range(0, len(payload), width)]
        return (kind, sorted(rows, key=repr))

    return normalize


def collate_key(weight, store):
    """How Redis compares an ALPHA weight: binary with STORE, strcoll (C locale: bytes up to
    the first NUL) without."""
    if weight is None or store:
        return weight
    return weight.split(b"\x00", 1)[0]


def unique_weights(store):
    """Guard predicate on `SORT src ALPHA GET # GET <by>`: no two distinct elements weigh the
    same (a missing weight is a value too)."""

    def predicate(reply):
        kind, payload = reply
        if kind != b"*" or payload is None:
            return True  # an error or a missing key: the SORT gives the same error or nothing
        weights = {}
        for element, weight in zip(payload[::2], payload[1::2]):
            weights[element[1]] = collate_key(weight[1], store)
        values = list(weights.values())
        return len(set(values)) == len(values)

    return predicate


def unordered_source(key):
    """Whether a SORT source may be a set or a sorted set read in hash order: the family's own
    sets, or a key of the shared key space (another family's set or zset)."""
    return key not in LIST_KEYS + DESTS + (b"sort:none",)


def reads_in_set_order(args):
    """Whether a command is a SORT over a set source (test_keyspace_events.py: the keys its
    BY and GET patterns form are read in the set's order, so their keymiss events are too)."""
    return (len(args) > 1 and args[0].lower() in (b"sort", b"sort_ro") and
            unordered_source(args[1]))


# -- generators -----------------------------------------------------------------------------------

def gen_fill_list(rng, ctx):
    key = rng.choice(LIST_KEYS)
    pool = element_pool(key)
    values = [rng.choice(pool) for _ in range(rng.randint(1, 6))]
    return Cmd(ctx.name(rng.choice(("RPUSH", "RPUSH", "LPUSH"))), key, *values)


def gen_fill_set(rng, ctx):
    key = rng.choice(SET_KEYS)
    pool = element_pool(key)
    return Cmd(ctx.name("SADD"), key, *[rng.choice(pool) for _ in range(rng.randint(1, 6))])


def weight_value(rng):
    r = rng.random()
    if r < 0.45:
        return str(rng.randint(-60, 60)).encode()
    if r < 0.6:
        return b"%.3f" % rng.uniform(-100, 100)
    if r < 0.85:
        return rng.choice(NUM_WEIGHTS)
    if r < 0.95:
        return bytes(rng.choice(b"abcdefgXYZ") for _ in range(rng.randint(1, 5)))
    return rng.choice(BAD_WEIGHTS)


def string_weight(rng):
    """Mostly distinct strings, so ALPHA's guard often lets the SORT through."""
    r = rng.random()
    if r < 0.85:
        return bytes(rng.choice(b"abcdefghijklmnopqrstuvwxyzABC019") for _ in range(4))
    if r < 0.95:
        return rng.choice(STRINGS)
    return b"q\x00" + bytes([rng.randrange(97, 123)])


def gen_weights(rng, ctx):
    """MSET of w_<element> for many elements, or HSET of one or a few objects."""
    elements = all_elements()
    r = rng.random()
    if r < 0.5:
        chosen = rng.sample(elements, rng.randint(len(elements) // 2, len(elements)))
        args = []
        for e in chosen:
            args += [b"w_" + e, weight_value(rng) if rng.random() < 0.5 else string_weight(rng)]
        return Cmd(ctx.name("MSET"), *args)
    if r < 0.9:
        e = rng.choice(elements)
        args = [b"o_" + e]
        if rng.random() < 0.8:
            args += [b"n", weight_value(rng)]
        if rng.random() < 0.8 or len(args) == 1:
            args += [b"s", string_weight(rng)]
        return Cmd(ctx.name("HSET"), *args)
    return Cmd(ctx.name("SET"), b"w_" + rng.choice(elements), weight_value(rng))


def gen_objects(rng, ctx):
    """An object o_<element> with both fields (gen_weights mostly writes the string weights)."""
    e = rng.choice(all_elements())
    return Cmd(ctx.name("HSET"), b"o_" + e, b"n", weight_value(rng), b"s", string_weight(rng))


def gen_delete(rng, ctx):
    r = rng.random()
    if r < 0.5:
        return Cmd(ctx.name("DEL"), rng.choice(LIST_KEYS + SET_KEYS + DESTS))
    prefix = rng.choice((b"w_", b"o_"))
    return Cmd(ctx.name("DEL"), *[prefix + rng.choice(all_elements()) for _ in range(3)])


def gen_read(rng, ctx):
    key = rng.choice(LIST_KEYS + DESTS)
    if rng.random() < 0.7:
        return Cmd(ctx.name("LRANGE"), key, "0", "-1")
    key = rng.choice(SET_KEYS)
    return Cmd(ctx.name("SMEMBERS"), key, normalize=sorted_rows(1))


def sort_source(rng, ctx):
    r = rng.random()
    if r < 0.4:
        return LIST_KEYS[0]
    if r < 0.55:
        return LIST_KEYS[1]
    if r < 0.7:
        return SET_KEYS[0]
    if r < 0.85:
        return SET_KEYS[1]
    if r < 0.93:
        return ctx.key()
    return rng.choice(DESTS + (b"sort:none",))


class SortDraw:
    """The options of one SORT as drawn, before they are made deterministic."""

    def __init__(self, rng, ctx):
        self.readonly = rng.random() < 0.3
        self.src = sort_source(rng, ctx)
        self.by = []
        r = rng.random()
        if r < 0.45:
            self.by.append(rng.choice(BY_SORTING))
        elif r < 0.6:
            self.by.append(rng.choice(BY_CONSTANT))
        if rng.random() < 0.04:
            self.by.append(rng.choice(BY_SORTING + BY_CONSTANT))
        self.alpha = rng.random() < 0.35
        self.order = [rng.choice(("ASC", "DESC")) for _ in range(rng.choice((0, 1, 1, 1, 2)))]
        self.limit = None
        if rng.random() < 0.4:
            self.limit = [rng.choice(LIMIT_OFFSETS), rng.choice(LIMIT_COUNTS)]
        self.gets = [rng.choice(GET_PATTERNS) for _ in range(rng.choice((0, 0, 1, 1, 2, 3)))]
        self.store = None
        if rng.random() < (0.04 if self.readonly else 0.2):
            self.store = rng.choice(DESTS + DESTS + (self.src, ctx.key()))
        self.junk = None
        r = rng.random()
        if r < 0.015:
            self.junk = [rng.choice(("FOO", "LIMITS", "BYE"))]
        elif r < 0.03:
            self.junk = [rng.choice(("LIMIT", "BY", "GET", "STORE"))]  # missing arguments
        elif r < 0.04:
            self.limit = [rng.choice(BAD_LIMITS + LIMIT_OFFSETS), rng.choice(BAD_LIMITS)]

    def dontsort(self):
        return any(b"*" not in p.split(b"\x00", 1)[0] for p in self.by)

    def sorting_by(self):
        """Whether the SORT sorts by a weight pattern (the last BY, when nothing disables it)."""
        return bool(self.by) and not self.dontsort()

    def will_run(self):
        """False when Redis refuses the options (the reply is an error whatever the data)."""
        if self.junk is not None or (self.store is not None and self.readonly):
            return False
        if self.limit is not None and not all(_is_long(x) for x in self.limit):
            return False
        return True

    def args(self, rng, ctx):
        groups = [[ctx.name("BY"), p] for p in self.by]
        groups += [[ctx.name(o)] for o in self.order]
        if self.alpha:
            groups.append([ctx.name("ALPHA")])
        if self.limit is not None:
            groups.append([ctx.name("LIMIT")] + self.limit)
        groups += [[ctx.name("GET"), p] for p in self.gets]
        if self.store is not None:
            groups.append([ctx.name("STORE"), self.store])
        rng.shuffle(groups)
        # BY order matters (the last one sorts); keep them in drawing order.
        by_slots = [i for i, g in enumerate(groups) if len(g) == 2 and g[0].upper() == "BY"]
        for slot, pattern in zip(by_slots, self.by):
            groups[slot] = [groups[slot][0], pattern]
        if self.junk is not None:
            groups.append(self.junk)
        name = "SORT_RO" if self.readonly else "SORT"
        return [ctx.name(name), self.src] + [a for g in groups for a in g]


def _is_long(text):
    try:
        value = int(text)
    except ValueError:
        return False
    return (str(value) == text and -2**63 <= value < 2**63)


def gen_sort(rng, ctx):
    d = SortDraw(rng, ctx)
    # A key of the shared key space may hold a set or a sorted set of another family, whose
    # order for equal weights is Redis's hash table's: handled as a set source.
    set_source = unordered_source(d.src)
    if set_source and d.src not in SET_KEYS and not d.dontsort():
        # Another family's sorted set may hold a subnormal score: Redis's SORT re-reads the
        # scores of a listpack with strtod while converting it, leaves ERANGE in errno, and
        # then fails a numeric sort (the errno bug above). Such sources sort ALPHA.
        d.alpha = True
    width = max(1, len(d.gets))
    normalize = None
    guard = None
    if d.will_run():
        if d.dontsort() and set_source and d.store is None:
            d.limit = None  # the set's own order: compared as sorted rows
            normalize = sorted_rows(width)
        elif d.alpha and d.sorting_by() and (d.limit is not None or set_source):
            if ctx.queued is not None:
                d.alpha = False
            else:
                guard = (Cmd("SORT", d.src, "ALPHA", "GET", "#", "GET", d.by[-1],
                             normalize=sorted_rows(2)),
                         unique_weights(d.store is not None))
        elif d.alpha and not d.by and set_source and d.src not in SET_KEYS:
            # Another family's elements may compare equal as C strings ("" and "\0"): their
            # own order then decides, Redis's hash order for a set. The element is its weight.
            if ctx.queued is not None:
                d.alpha = False
            else:
                # (The guard's own reply may hold such ties: compared as sorted rows.)
                guard = (Cmd("SORT", d.src, "ALPHA", "GET", "#", "GET", "#",
                             normalize=sorted_rows(2)),
                         unique_weights(d.store is not None))
        if not d.alpha and not d.dontsort() and guard is None:
            guard = (Cmd("INCRBYFLOAT", ERRNO_KEY, "0"), lambda reply: True)
    return Cmd(*d.args(rng, ctx), normalize=normalize, guard=guard)


GENERATORS = [(gen_sort, 12), (gen_fill_list, 3), (gen_fill_set, 2), (gen_weights, 2),
              (gen_objects, 2), (gen_delete, 0.5), (gen_read, 1)]
