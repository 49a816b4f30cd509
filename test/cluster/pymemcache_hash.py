"""Reference placements from the real pymemcache, for test/cluster/rendezvous.test.ts.

stdin:  {"nodes": [name, ...], "keys": [str, ...], "seed": int}
stdout: {"placements": [RendezvousHash(nodes, seed).get_node(key) per key],
         "murmur": [murmur3_32(key, seed) per key]}

Run with the Debian interpreter (/usr/bin/python3 -I), the one python3-pymemcache is installed for.
"""
import json
import sys

from pymemcache.client.murmur3 import murmur3_32
from pymemcache.client.rendezvous import RendezvousHash


def main():
    # Read bytes and let json decode them: stdin's text encoding depends on the locale.
    request = json.loads(sys.stdin.buffer.read())
    seed = request.get("seed", 0)
    keys = request["keys"]
    ring = RendezvousHash(nodes=list(request["nodes"]), seed=seed)
    reply = {
        "placements": [ring.get_node(key) for key in keys],
        "murmur": [murmur3_32(key, seed) for key in keys],
    }
    # ensure_ascii keeps stdout 7-bit whatever the node names contain.
    sys.stdout.write(json.dumps(reply, ensure_ascii=True))


if __name__ == "__main__":
    main()
