#!/usr/bin/python3
"""Regenerates the RDB fixtures in this directory with a real redis-server 7.0.15.

Usage: /usr/bin/python3 tests/data/generate_fixtures.py [--port 7106]

Starts its own redis-server (no persistence of its own) in a temporary directory, fills it
with the datasets below, runs SAVE for each, and copies the dumps here together with a
`<name>.expected` listing (one key per line: db, hex key, hex value, expire ms or -1, sorted),
which the unit tests compare against what basalt loads. See README.md.
"""
import argparse
import os
import shutil
import subprocess
import tempfile
import time

import redis

FAR_FUTURE_MS = 4102444800000  # 2100-01-01T00:00:00Z


def lcg_bytes(seed, n):
    """Incompressible-looking bytes that the C++ tests can regenerate too."""
    out = bytearray()
    x = seed
    for _ in range(n):
        x = (x * 1103515245 + 12345) % (1 << 31)
        out.append((x >> 16) & 0xFF)
    return bytes(out)


INTEGER_TEXTS = [
    "0", "1", "-1", "12345", "127", "128", "-128", "-129", "255", "256", "32767", "32768",
    "-32768", "-32769", "65535", "65536", "2147483647", "2147483648", "-2147483648",
    "-2147483649", "4294967296", "9223372036854775807", "-9223372036854775808",
    # Not canonical integers: Redis must keep these as raw strings.
    "007", "-0", "+1", " 1", "1 ", "12345678901",
]


def strings_dataset():
    """{db: {key: (value, expire_ms or -1)}} covering every string encoding."""
    db0 = {}
    db0[b"short"] = (b"hello", -1)
    db0[b"empty"] = (b"", -1)
    db0[b""] = (b"value of the empty key", -1)
    db0[b"bin\x00key\xff"] = (b"\x00\x01\x02\xfe\xff", -1)
    for i, text in enumerate(INTEGER_TEXTS):
        db0[("int:%d" % i).encode()] = (text.encode(), -1)
    # Integer-looking keys are integer-encoded too.
    db0[b"12345"] = (b"integer key", -1)
    db0[b"-1"] = (b"negative integer key", -1)
    db0[b"lzf:a1000"] = (b"a" * 1000, -1)
    db0[b"lzf:pattern"] = (b"0123456789abcdef" * 300, -1)
    db0[b"lzf:21"] = (b"x" * 21, -1)       # just over the 20-byte threshold
    db0[b"lzf:20"] = (b"x" * 20, -1)       # at the threshold: raw
    db0[b"raw:random300"] = (lcg_bytes(1, 300), -1)
    db0[b"big:20k"] = (b"".join(b"line %06d\n" % i for i in range(2000)), -1)
    db0[b"k" * 200] = (b"a key longer than 64 bytes", -1)   # 14-bit length... LZF key
    db0[b"ttl:far"] = (b"expires in 2100", FAR_FUTURE_MS)
    db0[b"ttl:int"] = (b"42", FAR_FUTURE_MS + 1)
    db1 = {b"db1:key%d" % i: (b"v%d" % i, -1) for i in range(5)}
    db5 = {b"db5:ttl": (b"x", FAR_FUTURE_MS + 5000), b"db5:plain": (b"y", -1)}
    db15 = {b"last-db": (b"z" * 100, -1)}
    return {0: db0, 1: db1, 5: db5, 15: db15}


def many_keys_dataset():
    """1000 keys in db 0, a third with TTLs: exercises 14-bit RESIZEDB sizes and buffering."""
    db0 = {}
    for i in range(1000):
        ttl = FAR_FUTURE_MS + i if i % 3 == 0 else -1
        db0[b"key:%05d" % i] = (b"value-%d-" % i + b"p" * (i % 20), ttl)
    return {0: db0}


def load(r, dataset):
    r.flushall()
    for db, keys in dataset.items():
        r.execute_command("SELECT", db)
        for key, (value, expire) in keys.items():
            r.set(key, value)
            if expire >= 0:
                r.execute_command("PEXPIREAT", key, expire)
    r.execute_command("SELECT", 0)


def write_expected(path, dataset):
    lines = []
    for db, keys in dataset.items():
        for key, (value, expire) in keys.items():
            lines.append("%d %s %s %d" % (db, key.hex() or "-", value.hex() or "-", expire))
    lines.sort()
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def save(r, workdir, name, outdir):
    r.config_set("dbfilename", name)
    r.execute_command("SAVE")
    shutil.copy(os.path.join(workdir, name), os.path.join(outdir, name))


def start_server(port, workdir, extra_args=()):
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--save", "", "--appendonly", "no",
         "--dir", workdir, "--bind", "127.0.0.1",
         # dbfilename is a protected config in 7.0; the fixtures need a file per SAVE.
         "--enable-protected-configs", "yes", *extra_args],
        stdout=subprocess.DEVNULL)
    r = redis.Redis(port=port)
    for _ in range(100):
        try:
            r.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    assert r.info("server")["redis_version"] == "7.0.15"
    return server, r


def stop_server(server):
    server.terminate()
    server.wait()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=7106)
    args = parser.parse_args()
    outdir = os.path.dirname(os.path.abspath(__file__))
    workdir = tempfile.mkdtemp(prefix="basalt-rdb-fixtures-")
    try:
        # rdbchecksum cannot change at runtime: a server of its own for the unchecked file.
        server, r = start_server(args.port, workdir,
                                 ["--rdbchecksum", "no", "--rdbcompression", "no"])
        try:
            # 1. The strings dataset with compression and checksums off (8 zero bytes trailer).
            load(r, strings_dataset())
            save(r, workdir, "strings_nocompress_nochecksum.rdb", outdir)
        finally:
            stop_server(server)

        server, r = start_server(args.port, workdir)
        try:
            fill_default_server(r, workdir, outdir)
        finally:
            stop_server(server)
    finally:
        shutil.rmtree(workdir)


def fill_default_server(r, workdir, outdir):
    # 2. All string encodings, TTLs, several databases; compression and checksum on.
    data = strings_dataset()
    load(r, data)
    save(r, workdir, "strings.rdb", outdir)
    write_expected(os.path.join(outdir, "strings.expected"), data)

    # 3. Many keys.
    data = many_keys_dataset()
    load(r, data)
    save(r, workdir, "many_keys.rdb", outdir)
    write_expected(os.path.join(outdir, "many_keys.expected"), data)

    # 4. An empty server.
    r.flushall()
    save(r, workdir, "empty.rdb", outdir)

    # 5. One key of another type next to a string: basalt must refuse the file.
    r.flushall()
    r.set("str", "plain")
    r.rpush("mylist", "a", "b", "c")
    save(r, workdir, "list.rdb", outdir)
    r.delete("mylist")
    r.hset("myhash", mapping={"f1": "v1", "f2": "v2"})
    save(r, workdir, "hash.rdb", outdir)
    r.delete("myhash")
    r.sadd("myset", "m1", "m2")
    save(r, workdir, "set.rdb", outdir)
    r.delete("myset")
    r.zadd("myzset", {"m1": 1.5, "m2": 2})
    save(r, workdir, "zset.rdb", outdir)

    # 6. A function library: the FUNCTION2 opcode.
    r.flushall()
    r.execute_command(
        "FUNCTION", "LOAD",
        "#!lua name=mylib\nredis.register_function('f1', function() return 1 end)")
    r.set("str", "plain")
    save(r, workdir, "function.rdb", outdir)


if __name__ == "__main__":
    main()
