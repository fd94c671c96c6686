"""The geo family of the differential test (test_differential.py): GEOADD, GEOPOS, GEODIST,
GEOHASH, GEORADIUS[_RO], GEORADIUSBYMEMBER[_RO], GEOSEARCH and GEOSEARCHSTORE on the shared key
space (ctx.key()), so geo sets meet the zset family's ZADD scores (positions no GEOADD makes)
and other types (WRONGTYPE).

Coordinates come from a pool of edges (the antimeridian, the poles' limits, the equator, zero
and minus zero), from a few clusters (so searches find several members, some at the same place)
and from anywhere, with a few invalid ones. Searches take random radii and boxes from
centimeters to the whole Earth in every unit, and random options in random order, some that
do not go together. Every reply is deterministic (Redis's cell scan order, its sort), so all
are compared as raw bytes.
"""

import diff_shared

bind, Cmd = diff_shared.bind, diff_shared.Cmd

ARITY = {"geoadd": -5, "geopos": -2, "geohash": -2, "geodist": -4, "georadius": -6,
         "georadius_ro": -6, "georadiusbymember": -5, "georadiusbymember_ro": -5,
         "geosearch": -7, "geosearchstore": -8}

MEMBERS = ("a", "b", "c", "d", "e", "f", "Palermo", "Catania", "1", "-2", "", "x" * 70)
EDGE_LONS = ("-180", "180", "0", "-0", "179.99999999", "-179.99999999", "0.0000001", "90")
EDGE_LATS = ("85.05112878", "-85.05112878", "0", "-0", "85.05112877", "66.1", "-80.5", "45")
CLUSTERS = ((13.36, 38.11), (15.08, 37.5), (-73.98, 40.75), (179.9, -16.5), (0.0, 84.9))
UNITS = ("m", "km", "ft", "mi", "M", "Km", "FT", "mI")


def position(rng):
    r = rng.random()
    if r < 0.2:
        return rng.choice(EDGE_LONS), rng.choice(EDGE_LATS)
    if r < 0.65:
        lon, lat = rng.choice(CLUSTERS)
        spread = rng.choice((0, 0.0001, 0.01, 0.5))
        lon = max(-180.0, min(180.0, lon + rng.uniform(-spread, spread)))
        lat = max(-85.05, min(85.05, lat + rng.uniform(-spread, spread)))
        return "%.*f" % (rng.choice((1, 4, 6, 9)), lon), "%.*f" % (rng.choice((1, 4, 6)), lat)
    if r < 0.97:
        return "%.6f" % rng.uniform(-180, 180), "%.6f" % rng.uniform(-85.05, 85.05)
    return rng.choice((("181", "0"), ("0", "86"), ("x", "1"), ("1", ""), ("inf", "0"),
                       ("1e400", "1")))


def length(rng):
    r = rng.random()
    if r < 0.05:
        return rng.choice(("-1", "x", "nan", "inf", "0"))
    unit = rng.choice(UNITS)
    meters = 10 ** rng.uniform(-2, 7.5)
    per_unit = {"m": 1, "km": 1000, "ft": 0.3048, "mi": 1609.34}[unit.lower()]
    return "%.*f" % (rng.choice((0, 3)), meters / per_unit), unit


def radius_args(rng):
    got = length(rng)
    if isinstance(got, str):
        return [got, rng.choice(UNITS)]
    if rng.random() < 0.03:
        return [got[0], "parsec"]
    return list(got)


def box_args(rng):
    width, unit = radius_args(rng)
    height = length(rng)
    return [width, height if isinstance(height, str) else height[0], unit]


def gen_geoadd(rng, ctx):
    args = [ctx.key()]
    for option in ("NX", "XX", "CH"):
        if rng.random() < 0.12:
            args.append(rng.choice((option, option.lower())))
    for _ in range(rng.choice((1, 1, 2, 3, 6))):
        args += [*position(rng), rng.choice(MEMBERS)]
    if rng.random() < 0.03:
        args.pop()
    return Cmd(ctx.name("GEOADD"), *args)


def gen_point_reads(rng, ctx):
    r = rng.random()
    members = [rng.choice(MEMBERS) for _ in range(rng.randint(0, 4))]
    if r < 0.35:
        return Cmd(ctx.name("GEOPOS"), ctx.key(), *members)
    if r < 0.6:
        return Cmd(ctx.name("GEOHASH"), ctx.key(), *members)
    args = [ctx.key(), rng.choice(MEMBERS), rng.choice(MEMBERS)]
    if rng.random() < 0.6:
        args.append(rng.choice(UNITS + ("yd",)))
    if rng.random() < 0.03:
        args.append("extra")
    return Cmd(ctx.name("GEODIST"), *args)


def search_options(rng, ctx, store_forms):
    """Option groups in random order: WITH*, ASC/DESC, COUNT [ANY], and the STORE forms
    given."""
    options = []
    for word in ("WITHDIST", "WITHCOORD", "WITHHASH"):
        if rng.random() < 0.3:
            options.append([word])
    if rng.random() < 0.4:
        options.append([rng.choice(("ASC", "DESC", "asc", "desc"))])
    if rng.random() < 0.4:
        count = ["COUNT", str(rng.choice((1, 2, 3, 5, 10, 0, -1)))]
        options.append(count + (["ANY"] if rng.random() < 0.4 else []))
    elif rng.random() < 0.03:
        options.append(["ANY"])
    for form in store_forms:
        if rng.random() < 0.15:
            options.append([form] if form == "STOREDIST" and store_forms == ("STOREDIST",)
                           else [form, ctx.key()])
    if rng.random() < 0.02:
        options.append([rng.choice(("BOGUS", "COUNT", "STORE"))])
    rng.shuffle(options)
    return options


def flat(groups):
    return [word for group in groups for word in group]


def gen_georadius(rng, ctx):
    name = rng.choice(("GEORADIUS", "GEORADIUS_RO"))
    stores = ("STORE", "STOREDIST") if name == "GEORADIUS" else ()
    return Cmd(ctx.name(name), ctx.key(), *position(rng), *radius_args(rng),
               *flat(search_options(rng, ctx, stores)))


def gen_georadiusbymember(rng, ctx):
    name = rng.choice(("GEORADIUSBYMEMBER", "GEORADIUSBYMEMBER_RO"))
    stores = ("STORE", "STOREDIST") if name == "GEORADIUSBYMEMBER" else ()
    return Cmd(ctx.name(name), ctx.key(), rng.choice(MEMBERS), *radius_args(rng),
               *flat(search_options(rng, ctx, stores)))


def search_shape(rng):
    parts = []
    if rng.random() < 0.5:
        parts.append(["FROMMEMBER", rng.choice(MEMBERS)])
    else:
        parts.append(["FROMLONLAT", *position(rng)])
    if rng.random() < 0.5:
        parts.append(["BYRADIUS", *radius_args(rng)])
    else:
        parts.append(["BYBOX", *box_args(rng)])
    if rng.random() < 0.04:
        parts.pop(rng.randrange(2))
    return parts


def gen_geosearch(rng, ctx):
    store = rng.random() < 0.3
    parts = search_shape(rng)
    parts += search_options(rng, ctx, ("STOREDIST",) if store else ())
    rng.shuffle(parts)
    words = flat(parts)
    if store:
        return Cmd(ctx.name("GEOSEARCHSTORE"), ctx.key(), ctx.key(), *words)
    return Cmd(ctx.name("GEOSEARCH"), ctx.key(), *words)


GENERATORS = [
    (gen_geoadd, 8), (gen_point_reads, 5), (gen_georadius, 4), (gen_georadiusbymember, 3),
    (gen_geosearch, 5),
]
