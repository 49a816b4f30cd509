#!/usr/bin/python3
"""Interop peer for test/interop/pymemcache.test.ts: the Python side, using the real pymemcache.

Run with the Debian interpreter (/usr/bin/python3, package python3-pymemcache 3.5.2):

    /usr/bin/python3 test/interop/pymemcache_peer.py write <host> <port> <prefix>
    /usr/bin/python3 test/interop/pymemcache_peer.py read  <host> <port> <prefix>

`write` stores Python values under `<prefix>:<name>` and prints `ok`.
`read` reads the values the TypeScript side stored and prints one JSON object
`{ name: {"type": "bytes"|"str"|"int", "value": ..., "flags": int, "raw": hex} }`
(bytes as hex, str as-is, int as a decimal string; `raw` is the stored bytes as hex, and a
missing key maps to null). Only the standard library and pymemcache are used.
"""

import json
import sys
import zlib

import pymemcache
from pymemcache.client.base import Client
from pymemcache.serde import (
    FLAG_COMPRESSED,
    PickleSerde,
    pickle_serde,
    python_memcache_deserializer,
    python_memcache_serializer,
)


class CompressedSerde(object):
    """pymemcache 4.0's `pymemcache.serde.CompressedSerde`, line for line (3.5.2 has none).

    Serialize: the inner serde, then zlib when the value is longer than `min_compress_len`,
    flagging FLAG_COMPRESSED (8) only when compression did not make it longer.
    Deserialize: zlib-decompress when FLAG_COMPRESSED is set, then the inner serde with the
    flags unchanged (python_memcache_deserializer ignores bit 8: 24 reads as text, 8 as bytes).
    """

    def __init__(
        self,
        compress=zlib.compress,
        decompress=zlib.decompress,
        serde=pickle_serde,
        min_compress_len=400,
    ):
        self._serde = serde
        self._compress = compress
        self._decompress = decompress
        self._min_compress_len = min_compress_len

    def serialize(self, key, value):
        value, flags = self._serde.serialize(key, value)

        if len(value) > self._min_compress_len > 0:
            old_value = value
            value = self._compress(value)
            # Don't use the compressed value if our end result is actually
            # larger uncompressed.
            if len(old_value) < len(value):
                value = old_value
            else:
                flags |= FLAG_COMPRESSED

        return value, flags

    def deserialize(self, key, value, flags):
        if flags & FLAG_COMPRESSED:
            value = self._decompress(value)

        value = self._serde.deserialize(key, value, flags)
        return value


class FunctionSerde(object):
    """A serde object from the two legacy functions, as pymemcache's LegacyWrappingSerde does."""

    def __init__(self, serialize, deserialize):
        self.serialize = serialize
        self.deserialize = deserialize


class RawSerde(object):
    """Reads an item as it is stored: (bytes, flags)."""

    def serialize(self, key, value):
        raise TypeError("RawSerde is read-only")

    def deserialize(self, key, value, flags):
        return (value, flags)


# Python -> TypeScript: what `write` stores (name -> value).
PLAIN_VALUES = [
    ("bytes", b"\x00\r\n\xff binary"),
    ("ascii", "hello"),
    ("unicode", "h\u00e9llo w\u00f6rld \u2603 \u65e5\u672c\u8a9e"),  # 'héllo wörld ☃ 日本語'
    ("empty_text", ""),
    ("empty_bytes", b""),
    ("small", 42),
    ("negative", -7),
    ("above_2_53", 2 ** 53 + 1),
    ("u64_max", 2 ** 64 - 1),
    ("pickled", {"a": 1}),
]
COMPRESSED_VALUES = [
    ("compressed_text", "text " * 500),
    ("compressed_bytes", b"\x01\x02" * 1000),
    ("compressed_small", "tiny"),
]

# TypeScript -> Python: the names `read` looks up.
TS_NAMES = [
    "bytes",
    "ascii",
    "unicode",
    "small",
    "negative",
    "above_2_53",
    "u64_max",
    "compressed_text",
    "compressed_bytes",
    "compressed_small",
]


def connect(host, port, serde):
    return Client((host, int(port)), serde=serde, connect_timeout=5, timeout=5)


def store(client, key, value):
    if client.set(key, value, noreply=False) is not True:
        raise RuntimeError("set %s was not stored" % key)


def write(host, port, prefix):
    plain = connect(host, port, PickleSerde())
    # PickleSerde's serializer is python_memcache_serializer: check so a drift shows up here.
    if plain.serde.serialize("k", 42) != python_memcache_serializer("k", 42):
        raise RuntimeError("PickleSerde does not serialize like python_memcache_serializer")
    zipped = connect(host, port, CompressedSerde(serde=PickleSerde()))
    try:
        for name, value in PLAIN_VALUES:
            store(plain, "%s:%s" % (prefix, name), value)
        for name, value in COMPRESSED_VALUES:
            store(zipped, "%s:%s" % (prefix, name), value)
    finally:
        plain.close()
        zipped.close()
    print("ok")


def describe(value, flags, raw):
    if isinstance(value, bytes):
        kind, shown = "bytes", value.hex()
    elif isinstance(value, str):
        kind, shown = "str", value
    elif isinstance(value, int) and not isinstance(value, bool):
        kind, shown = "int", "%d" % value
    else:  # None (failed unpickle) or an unpickled object: report it, the test will flag it
        kind, shown = type(value).__name__, repr(value)
    return {"type": kind, "value": shown, "flags": flags, "raw": raw.hex()}


def read(host, port, prefix):
    serde = CompressedSerde(
        serde=FunctionSerde(python_memcache_serializer, python_memcache_deserializer)
    )
    reader = connect(host, port, serde)
    raw = connect(host, port, RawSerde())
    out = {}
    try:
        for name in TS_NAMES:
            key = "%s:%s" % (prefix, name)
            stored = raw.get(key)
            if stored is None:
                out[name] = None
                continue
            value = reader.get(key)
            out[name] = describe(value, stored[1], stored[0])
    finally:
        reader.close()
        raw.close()
    print(json.dumps(out, sort_keys=True))


def main(argv):
    if len(argv) == 2 and argv[1] == "version":
        print(pymemcache.__version__)
        return 0
    if len(argv) != 5 or argv[1] not in ("write", "read"):
        sys.stderr.write("usage: pymemcache_peer.py write|read <host> <port> <prefix>\n")
        return 2
    command, host, port, prefix = argv[1:]
    (write if command == "write" else read)(host, port, prefix)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
