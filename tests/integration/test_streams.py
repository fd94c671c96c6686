"""Streams (XADD XRANGE XREVRANGE XLEN XDEL XTRIM XSETID XREAD XREADGROUP XACK XPENDING XCLAIM
XAUTOCLAIM XGROUP XINFO) against redis-server 7.0.15 side by side.

StreamTest: each scenario sends the same commands to both servers on a fresh connection (after
FLUSHALL) and compares the raw reply bytes of every step: every error and the order checks run
in, ID parsing, exclusive ranges, trimming (exact, ~ by whole nodes, LIMIT, MINID), node
splitting (XINFO STREAM's radix-tree-keys/nodes), entries-read and lag, the RESP3 shapes, and
DUMP (with rdbcompression no, so the listpacks are compared to the byte). IDs are always
explicit, never `*` where the reply would tell the time; a step written M("...") has its time
fields masked (mask_times): idle times are compared in 100 s buckets, unix-ms times (delivery
and seen times of XINFO STREAM FULL) not at all. A scenario reports every step that differs.
test_dump_restore_across restores each server's DUMP (compressed and not) into the other.
StreamBlockingTest: XREAD / XREADGROUP BLOCK scripts (run_script) with a reader and a writer
connection, run against both servers and compared; the writer writes only once INFO clients
shows the reader blocked, and "still blocked" is blocked_clients read after the writer's reply.
StreamPersistsAndReplicates: a workload with groups, consumers, NOACK, XCLAIM, XAUTOCLAIM over
deleted entries, XDEL, XTRIM ~ and XSETID, after an AOF restart (and a rewrite), on replicas
both ways, and in RDB files moved between the servers, leaves what redis-server has after the
same path; an RDB restart of basalt changes nothing.
"""

import os
import re
import shutil
import tempfile
import unittest

import basalt_testlib as lib
import diff_shared

SCENARIOS = []
MAX = "18446744073709551615"


class Masked(tuple):
    """A step whose replies are compared through mask_times."""


def M(text):  # noqa: N802 (reads as a marker in the scenario lists)
    return Masked(text.split())


def step(s):
    return s if isinstance(s, tuple) else tuple(s.split())


def scenario(name, *steps, hello3=False):
    SCENARIOS.append((name, [step(s) for s in steps], hello3))


def fill(key, n, start=1, value="v"):
    return ["XADD %s %d-0 field %s%d" % (key, i, value, i) for i in range(start, start + n)]


def parse(data, pos=0):
    """One RESP2/RESP3 reply as [kind, payload] (payload a list for aggregates)."""
    end = data.index(b"\r\n", pos)
    kind, head, pos = data[pos:pos + 1], data[pos + 1:end], end + 2
    if kind in (b"$", b"*") and int(head) < 0:
        return [b"nil", kind], pos
    if kind in (b"$", b"=", b"!"):
        return [kind, data[pos:pos + int(head)]], pos + int(head) + 2
    if kind in (b"*", b"%", b"~", b">"):
        items = []
        for _ in range(int(head) * (2 if kind == b"%" else 1)):
            item, pos = parse(data, pos)
            items.append(item)
        return [kind, items], pos
    return [kind, head], pos


def time_mark(node):
    value = int(node[1])
    return [b"time", "unix-ms" if value > 10 ** 12 else value // 100000]


def mask_times(node):
    """The time fields of XPENDING's entries ([id, consumer, idle, count]), XINFO STREAM FULL's
    pending entries ([id, consumer, delivery time, count], [id, delivery time, count]) and the
    values of "idle" and "seen-time" keys, masked by time_mark."""
    kind, payload = node
    if not isinstance(payload, list):
        return node
    items = [mask_times(item) for item in payload]
    kinds = [item[0] for item in items]
    if kinds == [b"$", b"$", b":", b":"]:
        items[2] = time_mark(items[2])
    elif kinds == [b"$", b":", b":"]:
        items[1] = time_mark(items[1])
    for i in range(0, len(items) - 1, 2):
        if items[i][0] == b"$" and items[i][1] in (b"idle", b"seen-time"):
            items[i + 1] = time_mark(items[i + 1])
    return [kind, items]


def masked(reply):
    return mask_times(parse(reply)[0])


def show(node):
    """A parsed (and masked) reply as short text: bulks as themselves, :n, nil, [..], T (a
    masked unix-ms time), ~n (an idle time in 100 s)."""
    kind, payload = node
    if isinstance(payload, list):
        return "[" + " ".join(show(item) for item in payload) + "]"
    if kind == b"time":
        return "T" if payload == "unix-ms" else "~%d" % payload
    if kind in (b"nil", b"_"):
        return "nil"
    text = payload.decode(errors="replace")
    return text or '""' if kind == b"$" else kind.decode() + text


# ---- XADD ----
scenario("xadd_errors", "XADD s * f", "XADD s * f v g", "XADD s 1-1", "XADD s abc f v g",
         "XADD s", "XADD s MAXLEN -1 1-1 f v", "XADD s MAXLEN ~ -1 1-1 f v",
         "XADD s MAXLEN = -1 1-1 f v", "XADD s MAXLEN abc 1-1 f v",
         "XADD s MAXLEN 9223372036854775808 1-1 f v", "XADD s MAXLEN ~ x 1-1 f v",
         "XADD s MAXLEN 1 MINID 1 1-1 f v", "XADD s MAXLEN ~ 10 MAXLEN 5 1-1 f v",
         "XADD s MINID 5 MINID ~ 6 1-1 f v", "XADD s MINID 5 MAXLEN abc 1-1 f v",
         "XADD s MINID abc 1-1 f v", "XADD s MINID -1 1-1 f v", "XADD s MINID (5 1-1 f v",
         "XADD s MINID - 1-1 f v", "XADD s MINID + 1-1 f v", "XADD s LIMIT 10 1-1 f v",
         "XADD s MAXLEN 10 LIMIT 10 1-1 f v", "XADD s MAXLEN = 10 LIMIT 10 1-1 f v",
         "XADD s MAXLEN ~ 5 LIMIT -1 1-1 f v", "XADD s LIMIT -5 MAXLEN 5 1-1 f v",
         "XADD s MAXLEN ~ 5 LIMIT abc 1-1 f v", "XADD s MAXLEN ~ 5 LIMIT 9223372036854775808 1 f v",
         "XADD s FOO f v", "XADD s 0-0 f v", "SET str x", "XADD str bad f v",
         "XADD str 0-0 f v", "XADD str * f v g", "XADD str 1-1 f v", "XADD str NOMKSTREAM 1 f v",
         "XADD nokey NOMKSTREAM 1-1 f v", "EXISTS nokey", "XADD s 5-5 f v", "XADD s 5-5 f v",
         "XADD s 4-* f v", "XADD s 5-* f v", "XADD s 6-* f v",
         ("XADD", "s", " 7", "f", "v"), "XADD s +8 f v", "XADD s 09-01 f v", "XADD s 1e3 f v",
         "XADD s 0x10 f v", "XADD s 18446744073709551616 f v", "XADD s -1 f v", "XADD s -0 f v",
         "XADD s 10-2-3 f v", "XADD s 10--1 f v", ("XADD", "s", "10-1 ", "f", "v"), "XADD s - f v",
         "XADD s + f v", "XADD s (11 f v", "XADD s $ f v", "XADD s > f v", "XADD s 11-x f v",
         "xadd s nomkstream maxlen 10 NOMKSTREAM 20-0 f v", "XADD s LIMIT 5 MAXLEN ~ 5 21-0 f v",
         ("XADD", "s", "30-0", "", "", "1", "-7", "007", "9223372036854775808"),
         "XRANGE s - +", "XLEN s", "XINFO STREAM s", "XADD b 0 f v", "XADD b 5-5 f v",
         "XADD b 5 f v", "XADD b 6 f v", "XRANGE b - +", "XADD b 6-* f v")
scenario("xadd_ids_at_the_edges", "XADD e %s-%s f v" % (MAX, MAX), "XADD e 1-1 f v",
         "XADD e * f v", "XADD e %s-* f v" % MAX, "XADD e2 5-%s f v" % MAX, "XADD e2 5-* f v",
         "XADD e3 %s-5 f v" % MAX, "XADD e3 * f v", "XADD e4 99999999999999-%s f v" % MAX,
         "XADD e4 * f v", "XADD n 0-* f v", "XADD n 0-* f v", "XADD n 3-* f v",
         "XRANGE e3 - +", "XRANGE e4 - +", "XINFO STREAM e", "XDEL e %s-%s" % (MAX, MAX),
         "XADD e 1-1 f v", "XLEN e")
scenario("xadd_maxlen_minid", *fill("s", 10),
         "XADD s MAXLEN 5 11-0 f v", "XRANGE s - + COUNT 1", "XADD s MAXLEN = 3 12-0 f v",
         "XADD s MINID 11 13-0 f v", "XRANGE s - +", "XADD s MINID = 12-0 14-0 f v",
         "XADD s MAXLEN ~ 1 15-0 f v", "XLEN s", "XADD z MAXLEN 0 1-1 a b", "EXISTS z", "XLEN z",
         "XINFO STREAM z", "XADD z MAXLEN 0 1-1 a b", "XADD z NOMKSTREAM 2-0 a b", "XLEN z",
         "XADD s MINID 100 100-0 f v", "XRANGE s - +", "XINFO STREAM s")

# ---- XRANGE / XREVRANGE ----
XR = ("XADD s 1-1 a 1", "XADD s 2-1 f v21", "XADD s 2-2 f v22 g w", "XADD s 3-0 f v3",
      "XADD s 5-5 x y")
scenario("xrange", *XR, "XRANGE s - +", "XRANGE s - + COUNT 2", "XRANGE s 2 2",
         "XRANGE s (2 (3", "XRANGE s (2-1 +", "XRANGE s - (3-0", "XRANGE s (1-1 (5-5",
         "XRANGE s 3 2", "XRANGE s (5 +", "XRANGE s 5 5-5", "XRANGE s - + COUNT 1 COUNT 3",
         "XRANGE s %s +" % MAX, "XRANGE s - %s" % MAX, "XRANGE s 0 0", "XRANGE s (2-1 (2-2",
         "XREVRANGE s + -", "XREVRANGE s + - COUNT 1", "XREVRANGE s (5-5 (1-1", "XREVRANGE s 2 -",
         "XREVRANGE s - +", "XREVRANGE s (3 (2", "XRANGE s - + COUNT 0", "XRANGE s - + COUNT -1",
         "XREVRANGE s + - COUNT 0", "XRANGE nokey - + COUNT 0", "XRANGE nokey - +",
         "XRANGE s - + COUNT", "XRANGE s - + COUNT 1 x", "XRANGE s - + FOO 2",
         "XRANGE s - + COUNT abc", "XRANGE s - + COUNT abc FOO",
         "XRANGE s (%s-%s +" % (MAX, MAX), "XRANGE s - (0-0", "XREVRANGE s (0-0 -",
         "XREVRANGE s + (%s-%s" % (MAX, MAX), "XRANGE s (- +", "XRANGE s ( +", "XRANGE s ((1 +",
         "XRANGE s - (+", "XRANGE s abc +", "XRANGE s - abc", "XRANGE s 1-2-3 +", "XRANGE s * +",
         "XRANGE s $ +", "XRANGE s > +", "XRANGE s 1-* +", "XRANGE s", "SET str x",
         "XRANGE str - +", "XRANGE str - + COUNT 0", "XRANGE str abc +", "XRANGE str (0 (0-0",
         "XREVRANGE str + -", "XRANGE str - + FOO")
scenario("xrange_resp3", *XR, "XRANGE s - + COUNT 0", "XRANGE nokey - + COUNT 0",
         "XREVRANGE s + - COUNT 2", "XRANGE s (5-5 +", hello3=True)

# ---- XLEN / XDEL / XTRIM / XSETID ----
scenario("xlen_xdel", *fill("s", 5), "XLEN s", "XLEN nokey", "SET str x", "XLEN str",
         "XLEN s x", "XDEL nokey abc", "XDEL str 1-0", "XDEL str abc", "XDEL s 1-0 abc", "XLEN s",
         "XDEL s -", "XDEL s +", "XDEL s (5", "XDEL s *", "XDEL s", "XDEL s 2-0 2-0 9-0",
         "XDEL s 1", "XINFO STREAM s", "XDEL s 3-0 4-0 5-0", "XLEN s", "EXISTS s",
         "XINFO STREAM s", "XRANGE s - +", "XADD s 5-0 f v", "XADD s 6-0 f v", "XINFO STREAM s")
scenario("xtrim", *fill("s", 10), "XTRIM s MAXLEN ~", "XTRIM s FOO 5", "XTRIM s MAXLEN 5 FOO",
         "XTRIM s MAXLEN 5 *", "XTRIM nokey MAXLEN -1", "SET str x", "XTRIM str MAXLEN -1",
         "XTRIM str MAXLEN 1", "XTRIM nokey MAXLEN 1", "XTRIM s MAXLEN 1 LIMIT 1",
         "XTRIM s MAXLEN = 1 LIMIT 1", "XTRIM s MINID -1", "XTRIM s MINID +", "XTRIM s MINID (3",
         "XTRIM s MAXLEN 1 MINID 1", "XTRIM s MAXLEN ~ 1 LIMIT -1", "XTRIM s MAXLEN ~ 1 LIMIT abc",
         "XTRIM s MAXLEN abc", "XTRIM s LIMIT 5", "XTRIM s MAXLEN", "XTRIM s",
         "XTRIM s MAXLEN 8", "XTRIM s maxlen = 7", "XTRIM s MAXLEN ~ 2", "XTRIM s MINID 5",
         "XTRIM s MINID = 5-0", "XTRIM s LIMIT 5 MAXLEN ~ 1", "XINFO STREAM s", "XDEL s 7-0",
         "XTRIM s MAXLEN 4", "XINFO STREAM s", "XTRIM s MINID ~ 100", "XLEN s",
         "XTRIM s MAXLEN 0", "XLEN s", "EXISTS s", "XINFO STREAM s", "XTRIM s MAXLEN 0")
scenario("xsetid", "XSETID s", "XSETID nokey abc", "SET str x", "XSETID str +", "XSETID str -",
         "XSETID str *", "XSETID str 11-*", "XSETID str (11", "XSETID s 5 ENTRIESADDED",
         "XSETID s 5 FOO 1", "XSETID s 5 ENTRIESADDED abc", "XSETID s 5 ENTRIESADDED -1",
         "XSETID s 5 MAXDELETEDID 6", "XSETID nokey 5 MAXDELETEDID 6", "XSETID s 5 MAXDELETEDID",
         "XSETID s 5 MAXDELETEDID abc", "XSETID nokey 5", "XSETID str 5", "XADD s 10-0 f v",
         "XADD s 11-0 f v", "XSETID s 10-5", "XSETID s 11-0 ENTRIESADDED 1", "XSETID s 20",
         "XINFO STREAM s", "XSETID s 12-0", "XSETID s 11-0 ENTRIESADDED 5 MAXDELETEDID 3-0",
         "XINFO STREAM s", "XSETID s 11-0 ENTRIESADDED 5 ENTRIESADDED 6", "XADD s 11-* f v",
         "XADD e MAXLEN 0 1-0 a b", "XSETID e 0-0", "XINFO STREAM e",
         "XSETID e 0 ENTRIESADDED 0 MAXDELETEDID 0", "XINFO STREAM e", "XADD e 0-* a b",
         "XSETID s 10-9 ENTRIESADDED 3", "xsetid s 99 entriesadded 9 maxdeletedid 98-7",
         "XINFO STREAM s")

# ---- XREAD / XREADGROUP (not blocking) ----
RD = ("XADD s 1-0 a 1", "XADD s 2-0 b 2", "XADD s2 1-0 x y", "SET str x")
scenario("xread", *RD, "XREAD STREAMS s 0", "XREAD COUNT 1 STREAMS s 0",
         "XREAD STREAMS s s2 0 0", "XREAD STREAMS s s2 1-0 0", "XREAD STREAMS s $",
         "XREAD STREAMS nokey $", "XREAD STREAMS nokey 0", "XREAD STREAMS s s 0 1-0",
         "XREAD COUNT 1 s", "XREAD FOO STREAMS s 0", "XREAD STREAMS s", "XREAD STREAMS s s2 0",
         "XREAD STREAMS s 0 STREAMS s 0", "XREAD COUNT abc STREAMS s 0",
         "XREAD COUNT STREAMS s 0", "XREAD COUNT 0 STREAMS s 0", "XREAD COUNT -1 STREAMS s 0",
         "XREAD BLOCK abc STREAMS s 0", "XREAD BLOCK 1.5 STREAMS s 0",
         "XREAD BLOCK -1 STREAMS s 0", "XREAD COUNT -1 BLOCK -1 STREAMS s 0",
         "XREAD NOACK STREAMS s 0", "XREAD GROUP g c STREAMS s 0", "XREAD STREAMS s str 0 abc",
         "XREAD STREAMS s str abc 0", "XREAD STREAMS s >", "XREAD STREAMS s +",
         "XREAD STREAMS s -", "XREAD STREAMS s (1", "XREAD STREAMS s 1-*",
         "XREAD BLOCK 0 STREAMS s 0", "XREAD count 1 block 0 streams s s2 1 0",
         "XREAD STREAMS s 2-0", "XREAD STREAMS s %s-%s" % (MAX, MAX))
scenario("xread_resp3", *RD, "XREAD STREAMS s s2 0 0", "XREAD STREAMS s $",
         "XREAD STREAMS s s 0 1-0", "XREAD COUNT 1 STREAMS s2 s 0 0", hello3=True)
XRG = fill("s", 5) + ["SET str x"]
scenario("xreadgroup", *XRG, "XREADGROUP STREAMS s >", "XREADGROUP GROUP g c STREAMS s",
         "XREADGROUP GROUP nog c STREAMS s >", "XREADGROUP GROUP nog c STREAMS nokey >",
         "XREADGROUP GROUP nog c STREAMS s abc", "XREADGROUP GROUP g c STREAMS str >",
         "XGROUP CREATE s g 0", "XREADGROUP GROUP g c STREAMS s $",
         "XREADGROUP GROUP g c STREAMS s +", "XREADGROUP GROUP g c STREAMS s -",
         "XREADGROUP GROUP g c STREAMS s abc", "XREADGROUP GROUP g c STREAMS s t >",
         "XREADGROUP GROUP g c COUNT abc STREAMS s >", "XREADGROUP GROUP g c BLOCK -1 STREAMS s >",
         "XREADGROUP GROUP g c FOO STREAMS s >", "XREADGROUP GROUP g c STREAMS s nokey > >",
         "XREADGROUP GROUP g alice COUNT 2 STREAMS s >", "XREADGROUP GROUP g alice STREAMS s 0",
         M("XPENDING s g - + 10"), "XREADGROUP GROUP g alice COUNT 1 STREAMS s 0",
         M("XPENDING s g - + 10"),
         "XREADGROUP GROUP g bob STREAMS s 0", "XREADGROUP GROUP g bob COUNT 1 STREAMS s >",
         "XDEL s 2-0", "XREADGROUP GROUP g alice STREAMS s 0",
         "XREADGROUP GROUP g alice COUNT 1 STREAMS s 1-0",
         "XREADGROUP GROUP g alice COUNT 0 STREAMS s 0-0",
         "XREADGROUP GROUP g carol NOACK STREAMS s >", "XREADGROUP GROUP g carol STREAMS s >",
         "XREADGROUP GROUP g carol STREAMS s 0", "XREADGROUP GROUP g dave STREAMS s >",
         "XREADGROUP GROUP g dave BLOCK 100 NOACK STREAMS s >",
         "XREADGROUP GROUP g alice BLOCK 100 STREAMS s 0", "XINFO GROUPS s", "XPENDING s g",
         M("XINFO CONSUMERS s g"), "XGROUP CREATE s2 g $ MKSTREAM",
         "XREADGROUP GROUP g erin STREAMS s s2 0 0", "XREADGROUP GROUP g erin STREAMS s s2 > >",
         "XREADGROUP GROUP x y GROUP g alice STREAMS s 0",
         "XREADGROUP GROUP g alice STREAMS s s2 0 >", "XADD s 6-0 f v",
         "xreadgroup group g bob count 5 noack streams s >", "XINFO GROUPS s",
         M("XINFO STREAM s FULL"))
scenario("xreadgroup_resp3", *XRG, "XGROUP CREATE s g 0",
         "XREADGROUP GROUP g alice COUNT 3 STREAMS s >", "XDEL s 2-0",
         "XREADGROUP GROUP g alice STREAMS s 0", "XREADGROUP GROUP g bob STREAMS s 0",
         "XREADGROUP GROUP g bob STREAMS s >", "XREADGROUP GROUP g bob STREAMS s >",
         "XPENDING s g", "XGROUP CREATE e g $ MKSTREAM", "XPENDING e g", hello3=True)
scenario("block_in_multi", "XADD s 1-0 a b", "XGROUP CREATE s g $", "MULTI",
         "XREAD BLOCK 0 STREAMS s $", "XREAD BLOCK 0 STREAMS s 0",
         "XREADGROUP GROUP g c BLOCK 0 STREAMS s >", "XREADGROUP GROUP g c BLOCK 0 STREAMS s 0",
         "EXEC", "MULTI", "XADD s 2-0 c d", "XREADGROUP GROUP g c BLOCK 0 STREAMS s >", "EXEC",
         "XPENDING s g")
scenario("block_in_multi_resp3", "XADD s 1-0 a b", "XGROUP CREATE s g $", "MULTI",
         "XREAD BLOCK 0 STREAMS s $", "XREADGROUP GROUP g c BLOCK 0 STREAMS s >", "EXEC",
         hello3=True)

# ---- XACK / XPENDING / XCLAIM / XAUTOCLAIM ----
PEL = fill("s", 6) + ["SET str x", "XGROUP CREATE s g 0",
                      "XREADGROUP GROUP g alice COUNT 1 STREAMS s >",
                      "XREADGROUP GROUP g bob COUNT 3 STREAMS s >",
                      "XREADGROUP GROUP g alice COUNT 1 STREAMS s >"]
scenario("xack", *PEL, "XACK nokey g abc", "XACK s nog abc", "XACK str g 1", "XACK s g abc",
         "XACK s g -", "XACK s g", "XACK s g 1-0 1-0 99-0", "XACK s g 1", "XACK s g 2 3-0 (4",
         "XACK s g 2 3-0", "XPENDING s g", "XINFO GROUPS s")
scenario("xpending", *PEL, "XPENDING s g", "XPENDING s g x", "XPENDING s g - +",
         "XPENDING nokey g x", M("XPENDING s g - + 10 bob x y"), "XPENDING s g - + 10 bob x y z",
         "XPENDING s g - + 1 IDLE 0", "XPENDING s g IDLE abc x + 1", "XPENDING s g abc + abc",
         "XPENDING s g - + abc", "XPENDING s g abc + 1", "XPENDING s g - abc 1",
         "XPENDING s g (%s-%s + 1" % (MAX, MAX), "XPENDING s g - (0-0 1",
         "XPENDING str g - + 1", "XPENDING str g", "XPENDING s nog - + 1",
         "XPENDING nokey g - + 1", "XPENDING s nog", "XPENDING nokey g", "XPENDING s g - + 0",
         "XPENDING s g - + -1", "XPENDING s g 5 3 10", "XPENDING s g - + 10 nobody",
         M("XPENDING s g - + 10"), M("XPENDING s g - + 2"), M("XPENDING s g (2 (5 10"),
         M("XPENDING s g 3 3 10"), M("XPENDING s g - + 10 alice"),
         M("XPENDING s g IDLE 0 - + 10"), "XPENDING s g IDLE 100000000 - + 10",
         M("XPENDING s g IDLE -5 - + 10 bob"), "XPENDING s g IDLE", "XPENDING s g IDLE 5 - +",
         "XPENDING s g IDLE 5 - + 10 bob extra", "XPENDING s g - + 9223372036854775808",
         "XGROUP CREATE s g2 $", "XPENDING s g2", "XPENDING s g2 - + 10")
scenario("xclaim", *PEL, "XCLAIM nokey g c 0 1-0", "XCLAIM str g c 0 1", "XCLAIM s nog c abc 1",
         "XCLAIM s g c abc 1-0", "XCLAIM s g c 0", "XCLAIM s g bob 0 1-0 abc",
         "XCLAIM s g bob 0 1-0 -", "XCLAIM s g bob 0 1-0 (2", "XCLAIM s g bob 0 1-0 IDLE",
         "XCLAIM s g bob 0 1-0 JUSTID 2-0", "XCLAIM s g bob 0 1-0 IDLE abc",
         "XCLAIM s g bob 0 1-0 TIME abc", "XCLAIM s g bob 0 1-0 RETRYCOUNT abc",
         "XCLAIM s g bob 0 1-0 LASTID abc", "XCLAIM s g bob 0 abc", "XPENDING s g",
         "XCLAIM s g bob -5 1-0", "XCLAIM s g bob 100000000 2-0", "XCLAIM s g bob 0 2-0 JUSTID",
         M("XPENDING s g - + 10"), "XCLAIM s g bob 0 3-0 RETRYCOUNT 7",
         "XCLAIM s g bob 0 3-0 RETRYCOUNT -1 JUSTID", "XCLAIM s g alice 0 4-0 IDLE 1050000",
         M("XPENDING s g - + 10"), "XCLAIM s g bob 0 4-0 TIME 99999999999999 JUSTID",
         "XCLAIM s g carol 0 99-0", "XCLAIM s g carol 0 99-0 FORCE", M("XINFO CONSUMERS s g"),
         "XCLAIM s g carol 0 6-0 FORCE", "XADD s 7-0 f v", "XCLAIM s g carol 0 7-0 FORCE JUSTID",
         M("XPENDING s g - + 10"), "XCLAIM s g bob 0 4-0 4-0", "XDEL s 5-0",
         "XCLAIM s g bob 0 5-0 1-0", "XPENDING s g", "XCLAIM s g bob 0 1-0 LASTID 50-0 JUSTID",
         "XINFO GROUPS s", "XCLAIM s g bob 0 1-0 LASTID 2-0", "XINFO GROUPS s",
         "XCLAIM s g bob 0 1-0 JUSTID JUSTID FORCE FORCE IDLE 5 IDLE 1150000",
         M("XPENDING s g - + 10"), "xclaim s g dave 0 2-0 3-0 justid retrycount 3",
         M("XINFO STREAM s FULL"))
scenario("xautoclaim", *fill("s", 10), "SET str x", "XGROUP CREATE s g 0",
         "XREADGROUP GROUP g alice STREAMS s >", "XAUTOCLAIM s g c abc 0",
         "XAUTOCLAIM s g c -1 0", "XAUTOCLAIM s g c 0 abc",
         "XAUTOCLAIM s g c 0 (%s-%s" % (MAX, MAX), "XAUTOCLAIM s g c 0 0 COUNT 0",
         "XAUTOCLAIM s g c 0 0 COUNT -1", "XAUTOCLAIM s g c 0 0 COUNT abc",
         "XAUTOCLAIM s g c 0 0 COUNT 576460752303423488", "XAUTOCLAIM s g c 0 0 COUNT",
         "XAUTOCLAIM s g c 0 0 FOO", "XAUTOCLAIM s g c 0 0 JUSTID FOO", "XAUTOCLAIM s g c 0",
         "XAUTOCLAIM nokey g c abc 0", "XAUTOCLAIM str g c 0 0", "XAUTOCLAIM nokey g c 0 0",
         "XAUTOCLAIM s nog c 0 0", "XAUTOCLAIM s g c 0 $", "XDEL s 2-0 3-0",
         "XAUTOCLAIM s g bob 0 0 COUNT 3", "XAUTOCLAIM s g bob 0 4-0 COUNT 2 JUSTID",
         "XAUTOCLAIM s g bob 100000000 0", "XAUTOCLAIM s g bob 0 +",
         "XAUTOCLAIM s g bob 0 (5-0 COUNT 1",
         "XAUTOCLAIM s g bob 0 0 COUNT 1 COUNT 2", "XPENDING s g", M("XPENDING s g - + 20"),
         "XDEL s 8-0 9-0 10-0", "XAUTOCLAIM s g carol 0 - COUNT 100", "XPENDING s g",
         "XAUTOCLAIM s g carol 0 - JUSTID", M("XINFO CONSUMERS s g"))
scenario("xautoclaim_count_deleted", *fill("s", 30), "XGROUP CREATE s g 0",
         "XREADGROUP GROUP g a STREAMS s >", *["XDEL s %d-0" % i for i in range(1, 26)],
         "XAUTOCLAIM s g b 0 0 COUNT 10", "XAUTOCLAIM s g b 0 0 COUNT 10",
         "XAUTOCLAIM s g b 0 0 COUNT 10 JUSTID", "XAUTOCLAIM s g b 0 0", "XPENDING s g")
scenario("claims_resp3", *PEL, "XCLAIM s g bob 0 1-0", "XCLAIM s g bob 0 2-0 JUSTID",
         "XAUTOCLAIM s g bob 0 0 COUNT 2", "XDEL s 3-0", "XAUTOCLAIM s g bob 0 0",
         "XPENDING s g", M("XPENDING s g - + 10"), hello3=True)

# ---- XGROUP ----
scenario("xgroup", *fill("s", 3), "SET str x", "XGROUP", "XGROUP CREATE s g",
         "XGROUP SETID s g", "XGROUP DESTROY s", "XGROUP DESTROY s g x",
         "XGROUP CREATECONSUMER s g",
         "XGROUP DELCONSUMER s g", "XGROUP HELP x", "XGROUP FOO", "XGROUP foo a b", "XGROUP help",
         "XGROUP CREATE nokey g 0", "XGROUP CREATE nokey g abc", "XGROUP CREATE str g 0",
         "XGROUP CREATE str g 0 MKSTREAM", "XGROUP CREATE nokey g abc MKSTREAM", "EXISTS nokey",
         "XGROUP CREATE s g $ FOO", "XGROUP CREATE s g $ ENTRIESREAD",
         "XGROUP CREATE s g $ ENTRIESREAD 3 FOO", "XGROUP CREATE s g $ ENTRIESREAD abc",
         "XGROUP CREATE s g $ ENTRIESREAD -2", "XGROUP CREATE s g $ ENTRIESREAD 3 ENTRIESREAD 4",
         "XGROUP CREATE s g $ MKSTREAM ENTRIESREAD 3 MKSTREAM",
         "XGROUP CREATE s g $ MKSTREAM MKSTREAM MKSTREAM MKSTREAM", "XGROUP CREATE s g -",
         "XGROUP CREATE s g +", "XGROUP CREATE s g >", "XGROUP CREATE s g *",
         "XGROUP CREATE s g (1",
         "XGROUP CREATE s g abc", "XGROUP CREATE s g1 0", "XGROUP CREATE s g1 0",
         "XGROUP CREATE s g2 $ ENTRIESREAD -1", "XGROUP CREATE s g3 $ MKSTREAM ENTRIESREAD 3",
         "XGROUP CREATE s g4 1 ENTRIESREAD 3 MKSTREAM",
         "XGROUP CREATE s g5 0 MKSTREAM MKSTREAM MKSTREAM",
         ("XGROUP", "CREATE", "s", "", "0"), "XGROUP CREATE s g6 100-0", "xgroup create s g7 2",
         "XINFO GROUPS s", "XGROUP CREATE m g $ MKSTREAM", "XINFO STREAM m", "XINFO GROUPS m",
         "XGROUP SETID s g1 0 MKSTREAM", "XGROUP SETID s g1 0 ENTRIESREAD",
         "XGROUP SETID s g1 0 ENTRIESREAD 1 ENTRIESREAD 2", "XGROUP SETID s g1 0 FOO 1",
         "XGROUP SETID s nog 0 ENTRIESREAD -5", "XGROUP SETID nokey g 0", "XGROUP SETID str g 0",
         "XGROUP SETID s nog abc", "XGROUP SETID s g1 abc", "XGROUP SETID s g1 $",
         "XGROUP SETID s g2 100-0 ENTRIESREAD 2", "XGROUP SETID s g3 2 ENTRIESREAD abc",
         "XGROUP SETID s g4 0", "XINFO GROUPS s", "XGROUP DESTROY nokey g", "XGROUP DESTROY str g",
         "XGROUP DESTROY s nog", "XGROUP DESTROY s g7", "XGROUP DESTROY s g7",
         "XGROUP CREATECONSUMER nokey g c", "XGROUP CREATECONSUMER str g c",
         "XGROUP CREATECONSUMER s nog c", "XGROUP CREATECONSUMER s g1 c",
         "XGROUP CREATECONSUMER s g1 c", "XREADGROUP GROUP g1 alice COUNT 2 STREAMS s >",
         "XGROUP DELCONSUMER nokey g c", "XGROUP DELCONSUMER str g c",
         "XGROUP DELCONSUMER s nog c", "XGROUP DELCONSUMER s g1 alice",
         "XGROUP DELCONSUMER s g1 alice", "XGROUP DELCONSUMER s g1 c", "XPENDING s g1",
         "XINFO GROUPS s", "XINFO CONSUMERS s g1")

# ---- XINFO ----
INFO = fill("s", 12) + ["SET str x", "XGROUP CREATE s g 0", "XGROUP CREATE s a $",
                        "XREADGROUP GROUP g bob COUNT 3 STREAMS s >",
                        "XREADGROUP GROUP g alice COUNT 9 STREAMS s >", "XDEL s 5-0",
                        "XGROUP CREATECONSUMER s g zed"]
scenario("xinfo", *INFO, "XINFO", "XINFO FOO", "XINFO HELP", "xinfo help", "XINFO HELP x",
         "XINFO STREAM", "XINFO GROUPS", "XINFO GROUPS s x", "XINFO CONSUMERS s",
         "XINFO CONSUMERS s g x", "XINFO STREAM nokey", "XINFO GROUPS nokey",
         "XINFO CONSUMERS nokey g", "XINFO CONSUMERS s nog", "XINFO STREAM str",
         "XINFO GROUPS str", "XINFO CONSUMERS str g", "XINFO STREAM s FOO",
         "XINFO STREAM s FULL FOO", "XINFO STREAM s FULL COUNT", "XINFO STREAM s COUNT 1",
         "XINFO STREAM s FULL COUNT 1 COUNT 2", "XINFO STREAM s FULL COUNT abc",
         "XINFO STREAM nokey FULL", "XINFO STREAM s", M("XINFO STREAM s FULL"),
         M("XINFO STREAM s full count 1"), M("XINFO STREAM s FULL COUNT 0"),
         M("XINFO STREAM s FULL COUNT -1"), "XINFO GROUPS s", M("XINFO CONSUMERS s g"),
         "XINFO CONSUMERS s a", "XGROUP CREATE e g $ MKSTREAM", "XINFO STREAM e",
         M("XINFO STREAM e FULL"), "XINFO GROUPS e")
scenario("xinfo_resp3", *INFO, "XINFO HELP", "XINFO STREAM s", M("XINFO STREAM s FULL"),
         "XINFO GROUPS s", M("XINFO CONSUMERS s g"), "XGROUP CREATE e g $ MKSTREAM",
         "XINFO STREAM e", M("XINFO STREAM e FULL COUNT 1"), "XINFO GROUPS e", hello3=True)

# ---- entries-read and lag (the cases of the facts' table) ----
scenario("lag", *fill("s", 10), "XGROUP CREATE s g0 0", "XGROUP CREATE s gd $",
         "XGROUP CREATE s gm 5-0", "XGROUP CREATE s gh 20-0", "XGROUP CREATE s gr 0",
         "XREADGROUP GROUP gr c COUNT 3 STREAMS s >", "XINFO GROUPS s", "XDEL s 1-0",
         "XINFO GROUPS s", "XDEL s 5-0", "XINFO GROUPS s",
         "XREADGROUP GROUP gr c COUNT 1 STREAMS s >", "XINFO GROUPS s",
         "XREADGROUP GROUP gr c COUNT 1 STREAMS s >", "XINFO GROUPS s",
         "XREADGROUP GROUP gr c STREAMS s >", "XINFO GROUPS s",
         "XREADGROUP GROUP gm c COUNT 2 STREAMS s >", "XINFO GROUPS s", "XTRIM s MAXLEN 0",
         "XINFO GROUPS s", "XADD s 30-0 f v", "XINFO GROUPS s", "XGROUP SETID s g0 $",
         "XINFO GROUPS s", "XGROUP SETID s gr 0 ENTRIESREAD 0", "XINFO GROUPS s",
         "XCLAIM s gr c 0 1-0 LASTID 40-0", "XINFO GROUPS s", *fill("t", 10),
         "XTRIM t MAXLEN 8", "XGROUP CREATE t g 0", "XINFO GROUPS t", *fill("u", 10),
         "XDEL u 9-0", "XGROUP CREATE u g 0", "XINFO GROUPS u", *fill("v", 5),
         "XGROUP CREATE v g 0 ENTRIESREAD 100", "XINFO GROUPS v", "XDEL v 4-0",
         "XGROUP CREATE v h 0 ENTRIESREAD 0", "XGROUP SETID v g 0 ENTRIESREAD 0", "XINFO GROUPS v",
         "XREADGROUP GROUP h c STREAMS v >", "XINFO GROUPS v", "XADD v 6-0 f v",
         "XREADGROUP GROUP h c STREAMS v >", "XINFO GROUPS v", M("XINFO STREAM v FULL"),
         "XGROUP CREATE w g $ MKSTREAM", "XINFO GROUPS w", "XADD w 1-0 f v", "XINFO GROUPS w")
scenario("lag_resp3", *fill("s", 4), "XGROUP CREATE s g 2-0", "XGROUP CREATE s h 0",
         "XINFO GROUPS s", "XREADGROUP GROUP h c COUNT 1 STREAMS s >", "XINFO GROUPS s",
         hello3=True)

# ---- nodes: splitting, ~ trimming by whole nodes, the default LIMIT ----
BIG = tuple(fill("big", 1000))
TRIMS = (("XADD", "MAXLEN ~ 10"), ("XTRIM", "MAXLEN ~ 10"), ("XTRIM", "MAXLEN ~ 150"),
         ("XTRIM", "MAXLEN ~ 900"), ("XTRIM", "MAXLEN ~ 899"), ("XTRIM", "MAXLEN ~ 901"),
         ("XTRIM", "MAXLEN ~ 0"), ("XTRIM", "MINID ~ 150"), ("XTRIM", "MINID ~ 201"),
         ("XTRIM", "MAXLEN ~ 10 LIMIT 150"), ("XTRIM", "MAXLEN ~ 10 LIMIT 99"),
         ("XTRIM", "MAXLEN ~ 10 LIMIT 0"), ("XADD", "MAXLEN ~ 150 LIMIT 300"))


def trim_case(i, command, options):
    key = "t%d" % i
    act = ("XADD %s %s 2000-0 f v" if command == "XADD" else "XTRIM %s %s") % (key, options)
    return fill(key, 1000) + [act, "XLEN " + key, "XRANGE %s - + COUNT 1" % key,
                              "XINFO STREAM " + key]


scenario("nodes", *BIG, "XINFO STREAM big", "XDEL big 500-0", "XINFO STREAM big",
         *["XDEL big %d-0" % i for i in range(101, 201)], "XINFO STREAM big", "XLEN big",
         "XRANGE big 95 205", "XREVRANGE big 302 298", "XADD big 1001-0 field value",
         "XINFO STREAM big", *fill("n", 101), "XINFO STREAM n", "XDEL n 50-0", "XADD n 102-0 a b",
         "XINFO STREAM n", "CONFIG GET stream-node-max-bytes", "CONFIG GET stream-node-max-entries",
         *["XADD w %d-0 f %s" % (i, "x" * 1000) for i in range(1, 101)], "XINFO STREAM w",
         ("XADD", "w", "101-0", "f", "y" * 5000), "XADD w 102-0 a b", "XINFO STREAM w",
         "XTRIM w MAXLEN ~ 50", "XINFO STREAM w")
scenario("trim_by_nodes", *[s for i, c in enumerate(TRIMS) for s in trim_case(i, *c)])
scenario("node_config", "CONFIG SET stream-node-max-entries 10", *fill("c", 5000),
         "XINFO STREAM c", "XTRIM c MAXLEN ~ 10", "XADD c MAXLEN ~ 10 5001-0 f v", "XLEN c",
         "XTRIM c MAXLEN ~ 10 LIMIT 0", "XINFO STREAM c", "CONFIG SET stream-node-max-entries 0",
         *fill("d", 250), "XINFO STREAM d", "CONFIG SET stream-node-max-bytes 200",
         *fill("e", 30), "XINFO STREAM e", "CONFIG SET stream-node-max-bytes 0", *fill("f", 30),
         "XINFO STREAM f", "CONFIG SET stream-node-max-entries 100",
         "CONFIG SET stream-node-max-bytes 4096")
scenario("default_trim_limit",
         ("EVAL", "for i = 1, 100000 do redis.call('XADD', KEYS[1], i .. '-0', 'f', 'v') end "
          "return redis.call('XLEN', KEYS[1])", "1", "h"),
         "XTRIM h MAXLEN ~ 10", "XADD h MAXLEN ~ 10 100001-0 f v", "XLEN h", "XINFO STREAM h",
         "XTRIM h MAXLEN 10", "XINFO STREAM h")

# ---- types, encodings, DUMP / RESTORE ----
scenario("types", "XADD s 1-0 a b", "SET str x", "LPUSH l x", "TYPE s", "OBJECT ENCODING s",
         "GET s", "LPUSH s x", "HSET s a b", "XLEN l", "XRANGE l - +", "XREAD STREAMS l 0",
         "XGROUP CREATE l g 0", "XINFO STREAM l", "XSETID l 1", "XTRIM l MAXLEN 1",
         "XADD l 1-0 a b", "XACK l g 1", "XPENDING l g", "XCLAIM l g c 0 1",
         "XAUTOCLAIM l g c 0 0", "XREADGROUP GROUP g c STREAMS l >", "XDEL l 1",
         "COPY s s2", "XRANGE s2 - +", "RENAME s s3", "XRANGE s3 - +", "EXISTS s",
         "COMMAND GETKEYS XREAD STREAMS a b 0",
         "COMMAND GETKEYS XREADGROUP GROUP g c STREAMS a b 0 0",
         "COMMAND INFO xadd xrange xrevrange xlen xdel xtrim xsetid xread xreadgroup xack "
         "xpending xclaim xautoclaim", "COMMAND INFO xgroup|create xgroup|setid xgroup|destroy "
         "xgroup|createconsumer xgroup|delconsumer xgroup|help xinfo|stream xinfo|groups "
         "xinfo|consumers xinfo|help")
DUMPS = ["XADD sa 1700000000000-1 temp 21 name sensor-alpha",
         "XADD sa 1700000000000-2 temp 22 name sensor-alpha",
         "XADD sa 1700000000000-3 temp 23 name sensor-alpha", "XADD sb 5-1 a 1",
         "XADD sb 5-2 b hello c -7", "XADD sb 1000-0 a x", "XADD sc 10-1 f v1", "XADD sc 10-2 f v2",
         "XADD sc 10-3 f v3", "XDEL sc 10-2", "XADD sd 7-1 f v", "XADD sd 7-2 f w",
         "XDEL sd 7-1 7-2", "XGROUP CREATE m g $ MKSTREAM", "XGROUP CREATE sb g 5-2 ENTRIESREAD 2",
         "XGROUP CREATE sb 123 0", ("XADD", "sx", "1-1", "127", "128", "-1", "4095", "-4096",
                                    "4096", "32768", "8388608", "2147483648",
                                    "-9223372036854775808", "9223372036854775808", "007", "-0",
                                    "+5", " 5", "", "0", "x" * 70, "y" * 5000, "end"),
         "XADD sh 18446744073709551614-5 a 1", "XADD sh 18446744073709551615-0 a 123456789012",
         "XTRIM sh MAXLEN 1", "XADD sm MAXLEN 0 5-0 a b"] + fill("big", 1000)
DUMP_KEYS = ("sa", "sb", "sc", "sd", "m", "sx", "sh", "sm", "big")
TYPE15 = bytes.fromhex(
    "0f0110000000000000006400000000000000014042420000001900040100010101816b0200010201000100018276"
    "31030401020100010101827632030401020100010201827633030401020100010301827634030401ff0440640402"
    "0267314064030300000000000000640000000000000001626eda52a2010000010000000000000064000000000000"
    "0002626eda52a20100000100000000000000640000000000000003626eda52a2010000010205616c696365626eda"
    "52a201000002000000000000006400000000000000010000000000000064000000000000000203626f62626eda52"
    "a2010000010000000000000064000000000000000302673240640200000a001f65d534fc20b3ba")
GROUP123 = bytes.fromhex(
    "130110000000000000000500000000000000011d1d0000000a0001010001010181660200010201000100018176"
    "020401ff010501050100000101c07b0501010001c0070100000000000000000a001c477121c7525888")
scenario("dump_bytes", "CONFIG SET rdbcompression no", *DUMPS,
         *["DUMP " + k for k in DUMP_KEYS], "XINFO STREAM sx", "XRANGE sx - +",
         ("RESTORE", "t15", "0", TYPE15), "XINFO STREAM t15", "XINFO GROUPS t15",
         M("XINFO STREAM t15 FULL"), "DUMP t15", ("RESTORE", "g123", "0", GROUP123),
         M("XINFO STREAM g123 FULL"), "DUMP g123", ("RESTORE", "g123", "0", GROUP123),
         ("RESTORE", "g123", "0", GROUP123, "REPLACE"), ("RESTORE", "bad", "0", TYPE15[:-1]),
         ("RESTORE", "bad", "0", b"\x14" + TYPE15[1:]), "CONFIG SET rdbcompression yes")


class StreamTest(diff_shared.ScenarioSideBySide, unittest.TestCase):

    def check(self, steps, hello3):
        ours = self.run_steps(self.basalt.port, steps, hello3)
        theirs = self.run_steps(self.redis.port, steps, hello3)
        bad = []
        for s, mine, reference in zip(steps, ours, theirs):
            if isinstance(s, Masked) and masked(mine) != masked(reference):
                mine, reference = show(masked(mine)), show(masked(reference))
            elif isinstance(s, Masked) or mine == reference:
                continue
            text = " ".join(a if isinstance(a, str) else repr(a[:20]) for a in s)
            bad.append("%s\n  basalt: %r\n  redis:  %r" % (text[:150], mine, reference))
        if bad:
            self.fail("%d steps differ:\n" % len(bad) + "\n".join(bad))

    def test_dump_restore_across(self):
        """Each server's DUMP (compressed or not) restores in the other (and in itself) to the
        same stream, groups, consumers and pending entries."""
        servers, keys = {"basalt": self.basalt.port, "redis": self.redis.port}, DUMP_KEYS + ("s",)
        for compression in ("yes", "no"):
            payloads = {}
            for name, port in servers.items():
                with lib.RawConnection(port) as c:
                    c.command("FLUSHALL")
                    c.command("CONFIG", "SET", "rdbcompression", compression)
                    run_all(c, [step(s) for s in DUMPS + INFO])
                    payloads[name] = {k: parse(c.command("DUMP", k))[0][1] for k in keys}
                    c.command("CONFIG", "SET", "rdbcompression", "yes")
            for name, port in servers.items():
                with lib.RawConnection(port) as c:
                    for source, k in ((source, k) for source in payloads for k in keys):
                        what = "%s restored %s's %s (rdbcompression %s)" % (name, source, k,
                                                                            compression)
                        self.assertEqual(c.command("RESTORE", source + ":" + k, "0",
                                                   payloads[source][k]), b"+OK\r\n", what)
                        for q, copy in zip(state_queries(k), state_queries(source + ":" + k)):
                            self.assertEqual(show(masked(c.command(*copy))),
                                             show(masked(c.command(*q))), what)


def state_queries(key):
    return [("XRANGE", key, "-", "+"), ("XINFO", "STREAM", key), ("XINFO", "GROUPS", key),
            ("XINFO", "STREAM", key, "FULL", "COUNT", "0")]


for _name, _steps, _hello3 in SCENARIOS:
    setattr(StreamTest, "test_" + _name, lambda self, s=_steps, h=_hello3: self.check(s, h))


# ---- blocking ----
def blocked_clients(conn):
    return int(re.search(rb"blocked_clients:(\d+)", conn.command("INFO", "clients")).group(1))


def run_script(port, script, hello3):
    """Runs a blocking case on one server: "block C" sends C on the reader and waits until it
    is blocked, "reply" reads the reader's reply, "reader C" runs C on the reader, "masked C"
    runs C on the writer (times masked), any other line runs on the writer (its reply is kept
    with the number of blocked clients after it). READER in a line is the reader's client ID.
    Returns [(line, what came back), ...]."""
    reader, writer, admin = (lib.RawConnection(port) for _ in range(3))
    try:
        admin.command("FLUSHALL")
        lib.wait_until(lambda: blocked_clients(admin) == 0, what="no client blocked")
        cid = reader.command("CLIENT", "ID")[1:-2].decode()
        if hello3:
            reader.command("HELLO", "3")
        log, blocked_on = [], None
        for line in script:
            verb, _, rest = line.partition(" ")
            command = step(rest.replace("READER", cid))
            if verb == "block":
                reader.send(lib.encode_command(*command))
                lib.wait_until(lambda: blocked_clients(admin) == 1, what="the reader to block")
                blocked_on = "reply to %s after %s" % (rest, "%s")
            elif verb == "reply":
                log.append((blocked_on % log[-1][0], reader.read_reply()))
            elif verb == "reader":
                log.append((line, reader.command(*command)))
            elif verb == "masked":
                log.append((line, show(masked(writer.command(*command)))))
            else:
                reply = writer.command(*step(line.replace("READER", cid)))
                log.append((line, reply, blocked_clients(admin)))
        return log
    finally:
        for conn in (reader, writer, admin):
            conn.close()


SERVE = ("XADD s 1-0 a 1", "block XREAD BLOCK 0 STREAMS s $", "XADD s 2-0 b 2", "reply",
         "block XREAD BLOCK 0 STREAMS s t $ $", "XADD t 5-0 c 3", "reply",
         "block XREAD BLOCK 0 STREAMS s 5", "XADD s 4-0 d 4", "XADD s 5-5 e 5", "reply",
         "block XREAD BLOCK 0 STREAMS nokey $", "XADD nokey 1-0 f 6", "reply",
         "block XREAD COUNT 1 BLOCK 0 STREAMS s $", "MULTI", "XADD s 6-0 g 7", "XADD s 7-0 h 8",
         "EXEC", "reply", "block XREAD BLOCK 0 STREAMS s $", "XADD u 100-0 i 9", "RENAME u s",
         "reply", "block XREAD BLOCK 0 STREAMS s $", "XADD s MAXLEN 0 200-0 a b", "reply")
# DEL, SET, an older ID, XTRIM, XDEL, XGROUP CREATE, RENAME away, FLUSHALL and XSETID leave
# XREAD blocked: only a newer entry serves it.
STAY = ("XADD s 5-0 a 1", "block XREAD BLOCK 0 STREAMS s $", "DEL s", "SET s x", "DEL s",
        "XADD s 3-0 a b", "XADD s 4-0 a b", "XTRIM s MAXLEN 1", "XDEL s 4-0",
        "XGROUP CREATE s g $", "RENAME s z", "XADD s 5-0 a b", "FLUSHALL", "XADD s 6-0 c d",
        "reply")
STAY_XSETID = ("XADD s 5-0 a 1", "block XREAD BLOCK 0 STREAMS s $", "XSETID s 10-0",
               "XDEL s 5-0", "XSETID s 11-0", "XADD s 12-0 c d", "reply")
GROUP_SERVE = (
    "XGROUP CREATE s g $ MKSTREAM", "block XREADGROUP GROUP g c BLOCK 0 STREAMS s >",
    "XADD s 10-0 a b", "reply", "XPENDING s g", "masked XPENDING s g - + 10", "XINFO GROUPS s",
    "block XREADGROUP GROUP g d BLOCK 0 NOACK STREAMS s >", "XADD s 11-0 c d", "reply",
    "XPENDING s g", "XINFO GROUPS s", "masked XINFO CONSUMERS s g",
    "block XREADGROUP GROUP g c COUNT 1 BLOCK 0 STREAMS s >", "MULTI", "XADD s 12-0 e f",
    "XADD s 13-0 g h", "EXEC", "reply", "XPENDING s g", "XREADGROUP GROUP g c STREAMS s >",
    "XGROUP CREATE t g $ MKSTREAM", "block XREADGROUP GROUP g c BLOCK 0 STREAMS s t > >",
    "XADD t 1-0 i j", "reply", "block XREADGROUP GROUP g c BLOCK 0 STREAMS s >", "MULTI",
    "XADD s 20-0 k l", "XDEL s 20-0", "EXEC", "reply", "XPENDING s g", "XINFO GROUPS s",
    # SETID, CREATECONSUMER, DELCONSUMER and XTRIM leave it blocked; the next XADD serves it
    # from the group's new last ID.
    "block XREADGROUP GROUP g c BLOCK 0 STREAMS s >", "XGROUP SETID s g 0",
    "XGROUP CREATECONSUMER s g x", "XGROUP DELCONSUMER s g x", "XTRIM s MAXLEN 0",
    "XADD s 30-0 m n", "reply", "XPENDING s g", "XINFO GROUPS s")
GONE = [line for end in ("DEL s", "FLUSHALL", "SET s x", "XGROUP DESTROY s g", "RENAME s z",
                         "MULTI|DEL s|XADD s 1-0 a b|EXEC",
                         "MULTI|XGROUP DESTROY s g|XGROUP CREATE s g 0|XADD s 2-0 a b|EXEC")
        for line in ["DEL s z", "XGROUP CREATE s g $ MKSTREAM",
                     "block XREADGROUP GROUP g c BLOCK 0 STREAMS s >"] + end.split("|") +
        ["reply", "TYPE s"]]
# A timeout answers a null (*-1, RESP3 _) and creates no consumer; CLIENT UNBLOCK.
TIMEOUTS = ("XADD s 1-0 a b", "XGROUP CREATE s g $", "reader XREAD BLOCK 100 STREAMS s $",
            "reader XREAD BLOCK 100 STREAMS nokey 0",
            "reader XREADGROUP GROUP g c BLOCK 100 STREAMS s >",
            "reader XREADGROUP GROUP g c BLOCK 100 NOACK STREAMS s >",
            "reader XREAD BLOCK 100 STREAMS s 0",
            "reader XREADGROUP GROUP g d BLOCK 100 STREAMS s 0",
            "masked XINFO CONSUMERS s g", *[line for c in ("XREAD BLOCK 0 STREAMS s $",
                                                    "XREADGROUP GROUP g c BLOCK 0 STREAMS s >")
                                     for how in ("", " TIMEOUT", " ERROR")
                                     for line in ("block " + c, "CLIENT UNBLOCK READER" + how,
                                                  "reply")],
            "CLIENT UNBLOCK READER", "masked XINFO CONSUMERS s g")


class StreamBlockingTest(diff_shared.SideBySide, unittest.TestCase):
    """Each script runs on redis-server and on basalt (run_script); what came back must be
    the same."""

    def both(self, script, hello3=False):
        theirs = run_script(self.redis.port, script, hello3)
        ours = run_script(self.basalt.port, script, hello3)
        bad = ["%s\n  basalt: %r\n  redis:  %r" % (o[0], o[1:], t[1:])
               for o, t in zip(ours, theirs) if o != t]
        if bad:
            self.fail("%d differ (RESP%d):\n" % (len(bad), 3 if hello3 else 2) + "\n".join(bad))

    def test_xread_served(self):
        self.both(SERVE)
        self.both(SERVE, hello3=True)

    def test_xread_stays_blocked(self):
        self.both(STAY)

    def test_xread_stays_blocked_on_xsetid(self):
        self.both(STAY_XSETID)

    def test_xreadgroup_served(self):
        self.both(GROUP_SERVE)
        self.both(GROUP_SERVE, hello3=True)

    def test_xreadgroup_unblocked_when_key_or_group_goes(self):
        self.both(GONE)
        self.both(GONE, hello3=True)

    def test_timeouts_and_client_unblock(self):
        self.both(TIMEOUTS)
        self.both(TIMEOUTS, hello3=True)


# ---- persistence and replication ----
WORKLOAD = [step(s) for s in fill("s", 20) + fill("big", 350) + [
    "XADD s 21-0 x 1 y 2", "XGROUP CREATE s g1 0", "XGROUP CREATE s g2 $",
    "XGROUP CREATE s g3 5-0 ENTRIESREAD 3", "XGROUP CREATE e g $ MKSTREAM",
    "XGROUP CREATE big g 0", "XGROUP CREATE s 42 0",
    "XREADGROUP GROUP g1 alice COUNT 5 STREAMS s >", "XREADGROUP GROUP g1 bob COUNT 3 STREAMS s >",
    "XREADGROUP GROUP g1 carol NOACK COUNT 2 STREAMS s >",
    "XREADGROUP GROUP g3 alice NOACK COUNT 2 STREAMS s >",
    "XREADGROUP GROUP g alice COUNT 150 STREAMS big >", "XREADGROUP GROUP 42 7 STREAMS s >",
    "XGROUP CREATECONSUMER s g2 dave", "XACK s g1 2-0", "XCLAIM s g1 bob 0 3-0 4-0",
    "XCLAIM s g1 erin 0 5-0 RETRYCOUNT 5", "XCLAIM s g1 erin 0 7-0 IDLE 1050000 JUSTID",
    "XDEL s 1-0 6-0", "XAUTOCLAIM s g1 frank 0 0 COUNT 3", "XTRIM big MAXLEN ~ 200",
    "XADD big MAXLEN ~ 100 400-0 f v", "XTRIM big MINID ~ 260", "XDEL big 300-0 310-0",
    "XSETID s 100-0 ENTRIESADDED 50 MAXDELETEDID 10-0", "XADD s 100-* f v",
    "XGROUP SETID s g2 7-0 ENTRIESREAD 4", "XADD m MAXLEN 0 1-0 a b",
    "XGROUP CREATE x g 0 MKSTREAM", "XGROUP DESTROY x g", "XGROUP CREATECONSUMER s g1 gone",
    "XGROUP DELCONSUMER s g1 gone", "XCLAIM s g1 bob 0 99-0 LASTID 60-0",
    "XREADGROUP GROUP g1 bob COUNT 2 STREAMS s >", "XCLAIM s g1 zoe 0 11-0 FORCE"]]
STATE = [q for k in ("s", "big", "e", "m", "x") for q in state_queries(k)] + [
    step(s) for s in ("XPENDING s g1", "XPENDING s g1 - + 100", "XPENDING s g3 - + 100",
                      "XPENDING big g - + 200", "XPENDING s 42 - + 10", "XINFO CONSUMERS s g1",
                      "XINFO CONSUMERS s g2", "XINFO CONSUMERS s 42", "XINFO STREAM s FULL",
                      "XINFO STREAM big FULL COUNT 0")]


def run_all(conn, commands):
    replies = [conn.command(*c) for c in commands]
    for command, reply in zip(commands, replies):
        assert not reply.startswith(b"-"), (command, reply)
    return replies


def state(port):
    with lib.RawConnection(port) as c:
        return [masked(c.command(*q)) for q in STATE]


class StreamPersistsAndReplicates(unittest.TestCase):
    """The workload's streams, groups, consumers and pending entries after an AOF restart (and
    one after a rewrite), on a replica and after loading the other server's RDB file are what
    redis-server has after the same path (Redis itself loses entries-read on some: the AOF and
    the replication stream carry XREADGROUP as XCLAIM); an RDB restart changes nothing."""

    def same(self, ours, reference):
        """ours (basalt's state, or what basalt wrote) is reference (Redis's)."""
        bad = ["%s\n  basalt: %s\n  redis:  %s" % (" ".join(q), show(o), show(r))
               for q, o, r in zip(STATE, ours, reference) if o != r]
        if bad:
            self.fail("%d differ:\n" % len(bad) + "\n".join(bad))

    def workdir(self):
        path = tempfile.mkdtemp(prefix="basalt-it-streams-")
        self.addCleanup(shutil.rmtree, path, True)
        return path

    def start(self, kind, workdir=None, args=(), name="server"):
        if kind == "redis":
            server = lib.RedisProcess(workdir or self.workdir(), args=args).start()
        else:
            server = lib.ServerProcess(args, workdir=workdir, log_name=name + ".log").start()
        self.addCleanup(server.kill)
        return server

    @staticmethod
    def stop(server):
        server.stop() if isinstance(server, lib.RedisProcess) else server.stop_and_check()

    def aof_states(self, kind):
        workdir, args = self.workdir(), ["--appendonly", "yes"]
        server = self.start(kind, workdir, args)
        with lib.RawConnection(server.port) as c:
            run_all(c, WORKLOAD)
        self.stop(server)
        server = self.start(kind, workdir, args, "restart")
        states = [state(server.port)]
        with lib.RawConnection(server.port) as c:
            self.assertTrue(c.command("BGREWRITEAOF").startswith(b"+"))
            lib.wait_until(lambda: all(f in c.command("INFO", "persistence") for f in (
                b"aof_rewrite_in_progress:0", b"aof_rewrite_scheduled:0")), what="the rewrite")
        self.stop(server)
        server = self.start(kind, workdir, args, "rewritten")
        states.append(state(server.port))
        self.stop(server)
        return states

    def test_aof_restart_and_rewrite(self):
        for ours, reference in zip(self.aof_states("basalt"), self.aof_states("redis")):
            self.same(ours, reference)

    def test_rdb_restart(self):
        workdir = self.workdir()
        server = self.start("basalt", workdir)
        with server.raw() as c:
            run_all(c, WORKLOAD)
            self.assertTrue(c.command("BGSAVE").startswith(b"+"))
            lib.wait_until(lambda: b"rdb_bgsave_in_progress:0" in c.command("INFO", "persistence"),
                           what="the BGSAVE")
            self.assertIn(b"rdb_last_bgsave_status:ok", c.command("INFO", "persistence"))
        before = state(server.port)
        server.stop_and_check()
        server = self.start("basalt", workdir, name="restart")
        self.same(state(server.port), before)
        server.stop_and_check()

    def replicate(self, primary, replicas):
        """The replicas' states once they applied the workload written to the primary."""
        with lib.RawConnection(primary.port) as p:
            p.command("SET", "sync", "0")
            for replica in replicas:
                with lib.RawConnection(replica.port) as r:
                    r.command("REPLICAOF", "127.0.0.1", str(primary.port))
                    lib.wait_until(lambda: r.command("GET", "sync") == b"$1\r\n0\r\n",
                                   timeout=30, what="the replica to sync")
            run_all(p, WORKLOAD)
            p.command("SET", "sync", "1")
        for replica in replicas:
            with lib.RawConnection(replica.port) as r:
                lib.wait_until(lambda: r.command("GET", "sync") == b"$1\r\n1\r\n", timeout=30,
                               what="the replica to apply the stream")
        return [state(replica.port) for replica in replicas]

    def test_basalt_replica_of_redis(self):
        primary = self.start("redis")
        reference, ours = self.replicate(primary, [self.start("redis"), self.start("basalt")])
        self.same(ours, reference)

    def test_redis_replica_of_basalt(self):
        primary = self.start("basalt", args=["--repl-diskless-sync-delay", "0"])
        [ours] = self.replicate(primary, [self.start("redis")])
        [reference] = self.replicate(self.start("redis"), [self.start("redis")])
        self.same(ours, reference)
        primary.stop_and_check()

    def rdb_states(self, writer, reader):
        """The writer's state after the workload and a SAVE, and the reader's after it loaded
        that dump.rdb."""
        writer_dir, reader_dir = self.workdir(), self.workdir()
        server = self.start(writer, writer_dir)
        with lib.RawConnection(server.port) as c:
            run_all(c, WORKLOAD)
            self.assertEqual(c.command("SAVE"), b"+OK\r\n")
        written = state(server.port)
        self.stop(server)
        shutil.copy(os.path.join(writer_dir, "dump.rdb"), os.path.join(reader_dir, "moved.rdb"))
        server = self.start(reader, reader_dir, ["--dbfilename", "moved.rdb"], "loaded")
        loaded = state(server.port)
        self.stop(server)
        return written, loaded

    def test_redis_rdb_loads_in_basalt(self):
        self.same(*reversed(self.rdb_states("redis", "basalt")))

    def test_basalt_rdb_loads_in_redis(self):
        self.same(*self.rdb_states("basalt", "redis"))


if __name__ == "__main__":
    lib.main()
