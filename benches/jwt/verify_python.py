"""PyJWT (pinned in requirements.txt) on the tokens benches/jwt_compare.rs
wrote: the same measurement as the Rust side (warm-up, then 15 rounds of
about 50 ms; median ns per verification), for "new" (the distinct tokens in
turn) and "repeat" (the first token again and again). Each key is parsed once from the
JWKS beforehand (PyJWK); each verification looks the key up by kid and calls
jwt.decode, which checks the signature, exp, iss and aud.

    python benches/jwt/verify_python.py DIR   (reads DIR/tokens.json, writes DIR/python.json)
"""
import itertools
import json
import sys
import time

import jwt
from jwt import PyJWK

directory = sys.argv[1]
with open(f"{directory}/tokens.json", encoding="utf-8") as f:
    doc = json.load(f)

keys = {k["kid"]: PyJWK(k) for k in doc["jwks"]["keys"]}


def verify(token):
    kid = jwt.get_unverified_header(token)["kid"]
    key = keys[kid]
    return jwt.decode(
        token,
        key.key,
        algorithms=[key.algorithm_name],
        audience=doc["audience"],
        issuer=doc["issuer"],
        options={"require": ["exp", "iss", "aud"]},
    )


def median_ns(f):
    start = time.perf_counter_ns()
    warm = 0
    while time.perf_counter_ns() - start < 200_000_000 or warm < 100:
        f()
        warm += 1
    per_op = (time.perf_counter_ns() - start) / warm
    n = max(100, int(50e6 / per_op))
    rounds = []
    for _ in range(15):
        t = time.perf_counter_ns()
        for _ in range(n):
            f()
        rounds.append((time.perf_counter_ns() - t) / n)
    rounds.sort()
    return rounds[7]


ns = {}
for alg, tokens in doc["tokens"].items():
    cycle = itertools.cycle(tokens)
    fresh = median_ns(lambda: verify(next(cycle)))
    repeat = median_ns(lambda: verify(tokens[0]))
    ns[alg] = {"new": fresh, "repeat": repeat}
    print(
        f"PyJWT {alg}: new token {fresh / 1e3:.1f} µs, "
        f"repeated token {repeat / 1e3:.1f} µs per verification"
    )
with open(f"{directory}/python.json", "w", encoding="utf-8") as f:
    json.dump(
        {
            "implementation": "PyJWT",
            "version": jwt.__version__,
            "python": sys.version.split()[0],
            "ns_per_verification": ns,
        },
        f,
    )
