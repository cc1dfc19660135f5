#!/usr/bin/env python3
"""One summary table for `make bench`, in Markdown (the README carries it).

Reads what the steps of `make bench` wrote under the cargo target directory:
criterion's estimates (criterion/**/new/), the timing-leak result
(timing-leak.json), the cold-start harness (coldstart/results.json) and
bleach's throughput (bleach.json); prints every figure with the target it is
measured against (issues #3, #5, #9) and whether it is met. Missing inputs
are reported as missing, never guessed.

    python3 benches/summary.py TARGET_DIR
"""
import json
import os
import pathlib
import platform
import sys

target = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "target")
rows = []  # (section, what, measured, compared, target, verdict)
verdicts = []


def criterion():
    out = {}
    base = target / "criterion"
    for meta in base.glob("**/new/benchmark.json"):
        info = json.loads(meta.read_text())
        est = json.loads((meta.parent / "estimates.json").read_text())
        ns = est["median"]["point_estimate"]
        tp = (info.get("throughput") or {}).get("Bytes")
        key = info["full_id"]
        if info.get("value_str"):
            key = key[: -len(info["value_str"]) - 1]
        out[key] = (ns, tp)
    return out


def load(name):
    p = target / name
    return json.loads(p.read_text()) if p.exists() else None


def t(ns):
    if ns is None:
        return "missing"
    if ns >= 1e6:
        return f"{ns / 1e6:.2f} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.1f} µs"
    return f"{ns:.0f} ns"


def rate(ns, nbytes):
    if ns is None or not nbytes:
        return ""
    bps = nbytes / (ns / 1e9)
    return f" = {bps / 2**30:.1f} GiB/s" if bps >= 2**30 else f" = {bps / 2**20:.1f} MiB/s"


def judge(what, ok, measured):
    verdict = "missing" if ok is None else ("met" if ok else "**missed**")
    verdicts.append((what, verdict, measured))
    return verdict


c = criterion()
bleach = load("bleach.json") or {}
bl = bleach.get("median_us", {})
leak = load("timing-leak.json")
bomb_bare = (load("nesting-bomb.json") or {}).get("bare_ammonia_ms")
cold = load("coldstart/results.json")


def get(name):
    return c.get(name, (None, None))


# --- sanitiser -----------------------------------------------------------
san = [
    ("markup-free log text 64 KiB", "markup-free log text 64 KiB/ours (fast path)",
     "markup-free log text 64 KiB/bare ammonia", "markup-free log text 64 KiB"),
    ("64 KiB document, allowed markup", "64 KiB document, allowed markup/ours",
     "64 KiB document, allowed markup/bare ammonia", "64 KiB document, allowed markup"),
    ("64 KiB document, hostile markup", "64 KiB document, hostile markup/ours",
     "64 KiB document, hostile markup/bare ammonia", "64 KiB document, hostile markup"),
    ("12 short mixed fragments", "short mixed fragments/ours", "short mixed fragments/bare ammonia",
     "12 short mixed fragments"),
]
print("| bench | ours | bare ammonia, same allow-list | bleach 5.0.1 (the seed) | ours vs ammonia | bleach / ours |")
print("|---|---|---|---|---|---|")
for label, ours_id, bare_id, bleach_id in san:
    ours, nbytes = get(ours_id)
    bare, _ = get(bare_id)
    b_us = bl.get(bleach_id)
    vs = f"{(ours / bare - 1) * 100:+.0f}%" if ours and bare else "missing"
    x = f"{b_us * 1e3 / ours:,.0f}x" if ours and b_us else "missing"
    print(f"| {label} | {t(ours)}{rate(ours, nbytes)} | {t(bare)}{rate(bare, nbytes)} | "
          f"{t(b_us * 1e3 if b_us else None)}{rate(b_us * 1e3 if b_us else None, nbytes)} | {vs} | {x} |")
    if ours and bare and label != "markup-free log text 64 KiB":
        # #3 names fragments and rich documents; the hostile document is our
        # own worst case (all of ammonia's work plus both guards), judged too.
        extra = " (not one of #3's named benches)" if "hostile" in label else ""
        judge(f"#3 {label}{extra}: no slower than bare ammonia", ours <= bare, vs)
        if "hostile" in label:
            judge(f"#20 {label}: no slower than bare ammonia", ours <= bare, vs)
        judge(f"#9 {label}: within 10% of bare ammonia", ours <= bare * 1.10, vs)
    if ours and b_us:
        judge(f"#9 {label}: >= 20x bleach", b_us * 1e3 / ours >= 20, x)
text, tb = get("markup-free log text 64 KiB/ours (fast path)")
if text:
    judge("#3 markup-free text >= 1 GB/s (fast path)", tb / (text / 1e9) >= 1e9, rate(text, tb).lstrip(" ="))
bomb, _ = get("64 KiB nesting bomb, ours (refused by the depth guard)")
bare_txt = f"{bomb_bare:,.0f} ms (parsed, one run)" if bomb_bare else "missing"
print(f"| 64 KiB nesting bomb (`<div>` x 13,107) | {t(bomb)} (refused by the depth guard) | {bare_txt} | | | |")
judge("#3 64 KiB nesting bomb answered < 5 ms", None if bomb is None else bomb < 5e6, t(bomb))
print()

# --- authorizer, JWT, writer, policy --------------------------------------
print("| bench | median | target |")
print("|---|---|---|")
other = [
    ("secret check (current + previous, constant time)", "secret check (current + previous, constant time)", None),
    ("authorizer decision, origin secret only (parse event, check, build, serialise)",
     "authorizer decision, origin secret only (parse, check, build, serialise)", ("#5 authorizer decision < 10 µs", 10e3)),
    ("authorizer decision, origin secret + HS256 JWT", "authorizer decision, origin secret + HS256 JWT", None),
    ("JWT verify HS256", "JWT verify HS256", ("#5 JWT HS256 < 5 µs", 5e3)),
    ("JWT verify RS256", "JWT verify RS256", ("#5 JWT RS256 < 50 µs", 50e3)),
    ("JWT verify ES256", "JWT verify ES256", None),
    ("JWT verify EdDSA", "JWT verify EdDSA", None),
    ("JWT verify RS256, repeated token (remembered)", "JWT verify RS256, repeated token", None),
    ("log entry parse + validate + sanitise, 1 KiB text", "log entry parse + validate + sanitise/1 KiB text", None),
    ("log entry parse + validate + sanitise, 1 KiB markup", "log entry parse + validate + sanitise/1 KiB markup", None),
    ("writer handler without storage, 1 KiB text", "writer handler, 1 KiB payload, no storage/text", None),
    ("writer handler without storage, 1 KiB markup", "writer handler, 1 KiB payload, no storage/markup",
     ("#9 writer handler work < 100 µs (1 KiB)", 100e3)),
    ("writer handler without storage, 1 KiB markup + Idempotency-Key",
     "writer handler, 1 KiB payload, no storage/markup + Idempotency-Key", None),
    ("policy build + serialise (2 statements, context)", "policy build + serialise (2 statements, context)", None),
    ("policy evaluate (wildcards, explicit deny)", "policy evaluate (wildcards, explicit deny)", None),
    ("DynamoDB Local: validate + sanitise + create-only put (1 KiB)",
     "DynamoDB Local: validate + sanitise + create-only put (1 KiB)", None),
    ("DynamoDB Local: newest 25 records (8 shards, adaptive rounds + merge)",
     "DynamoDB Local: newest 25 records (8 shards, adaptive rounds + merge)", None),
    ("security metric: count one (hot path)", "metrics: count one metric",
     ("#21 cost per recorded metric < 1 µs", 1e3)),
    ("security metrics: flush one invocation (3 metrics, 3 EMF lines)",
     "metrics: flush one invocation (3 metrics, 3 EMF lines)", None),
]
for label, cid, tgt in other:
    ns, _ = get(cid)
    if ns is None:  # criterion writes ':' as '_' in directory names, not in full_id
        ns, _ = get(cid.replace(":", "_"))
    target_txt = ""
    if tgt:
        target_txt = f"{tgt[0][3:]}: {judge(tgt[0], None if ns is None else ns < tgt[1], t(ns))}"
    print(f"| {label} | {t(ns)} | {target_txt} |")
alloc = load("metrics-alloc.json")
if alloc:
    v = judge("#21 no allocation when counting a metric", alloc["count_blocks"] == 0,
              f"{alloc['count_blocks']} blocks")
    print(f"| security metrics, heap blocks allocated (dhat): {alloc['counts']:,} counts / one flush | "
          f"{alloc['count_blocks']} / {alloc['flush_blocks']} | counting allocates nothing: {v} |")
else:
    judge("#21 no allocation when counting a metric", None, "missing")
if leak:
    ok = leak["ours"] < 5 and leak["naive"] >= 5
    v = judge("#5 timing leak: ours max \\|t\\| < 5, naive `==` max \\|t\\| >= 5",
              ok, f"{leak['ours']:.2f} / {leak['naive']:.0f}")
    print(f"| timing leak, max \\|t\\| ({leak['samples']:,} samples): ours / naive `==` | "
          f"{leak['ours']:.2f} / {leak['naive']:,.0f} | ours < 5, naive >= 5: {v} |")
else:
    judge("#5 timing leak", None, "missing")
print()

# --- cold start, warm, memory, size ---------------------------------------
if cold:
    f = cold["functions"]
    print("| function | cold start | warm p50 / p99 (Runtime API) | handler only, p50 | peak RSS | stripped binary x86_64 / arm64 |")
    print("|---|---|---|---|---|---|")
    for name in ["authorizer", "writer", "reader"]:
        for lang in ["rust", "python"]:
            r = f.get(f"{name}/{lang}")
            if not r:
                continue
            size = ""
            if lang == "rust":
                sz = r.get("size", {})
                x = sz.get("x86_64_bytes")
                a = sz.get("arm64_bytes")
                size = " / ".join(f"{v / 1e6:.2f} MB" if v else "n/a" for v in (x, a))
            w = r["warm"]
            h = r.get("handler_only") or {}
            rss = r.get("peak_rss_kb", 0) / 1024
            print(f"| {name}, {'Rust' if lang == 'rust' else 'Python'} | {r['cold']['median_ms']:.1f} ms | "
                  f"{w['p50_us']:,.0f} / {w['p99_us']:,.0f} µs | "
                  f"{h.get('p50_us', float('nan')):,.1f} µs | {rss:.1f} MiB | {size} |")
    for tg in cold.get("targets", []):
        judge("#9 " + tg["what"], tg["met"], tg["measured"])
    # What DynamoDB Local alone takes for the calls each function makes
    # (benches/coldstart/floor.py): the floor under its warm p50.
    fl = cold.get("dynamodb_local_floor")
    if fl:
        print()
        print(f"DynamoDB Local alone (raw HTTP from Python, no SDK, medians of {fl['calls']}): one create-only "
              f"PutItem {fl['put_p50_us']:,.0f} µs; one Query {fl['query_p50_us']:,.0f} µs; "
              f"{fl['shards']} Queries one after another {fl['queries_serial_p50_us']:,.0f} µs, "
              f"at once {fl['queries_parallel_p50_us']:,.0f} µs.")
    floors = {
        "writer": fl and ("one PutItem", fl["put_p50_us"]),
        "reader": fl and (f"{fl['shards']} Queries", min(fl["queries_serial_p50_us"], fl["queries_parallel_p50_us"])),
    }
    for name, share in [("reader", 2), ("writer", 3)]:
        r, p = f.get(f"{name}/rust"), f.get(f"{name}/python")
        if r and p:
            ratio = r["warm"]["p50_us"] / p["warm"]["p50_us"]
            detail = f"{r['warm']['p50_us']:,.0f} vs {p['warm']['p50_us']:,.0f} µs: {ratio:.2f}"
            if floors[name]:
                what, us = floors[name]
                detail += (f" (target {p['warm']['p50_us'] / share:,.0f} µs; DynamoDB Local alone, "
                           f"{what}: {us:,.0f} µs)")
            judge(f"#20 {name} warm p50 ≤ 1/{share} of the seed's", ratio <= 1 / share, detail)
    for name in ["writer", "reader"]:
        r = f.get(f"{name}/rust")
        ms = r["cold"]["median_ms"] if r else None
        judge(f"#20 {name} cold start < 8 ms", None if ms is None else ms < 8,
              f"{ms:.2f} ms" if ms is not None else "missing")
    ah = (f.get("authorizer/rust", {}).get("handler_only") or {}).get("p50_us")
    judge("#9 authorizer warm handler work < 20 µs", None if ah is None else ah < 20,
          f"{ah:.1f} µs" if ah is not None else "missing")
    m = cold.get("machine", {})
    print()
    print(f"Cold-start machine: {m.get('nproc')} CPUs, {m.get('cpu')}, load average at end "
          f"{', '.join(f'{x:.2f}' for x in m.get('loadavg_at_end', []))}.")
else:
    judge("#9 cold-start harness", None, "missing (benches/coldstart/run)")
print()

# --- what a page costs to read (issue #20) ---------------------------------
rc = load("read-cost.json")
if rc:
    print("| 25-record pages, 400 records of 1 KiB over 8 shards | items read per page (max) | rounds per page | read capacity per page | previous design, newest page | target |")
    print("|---|---|---|---|---|---|")
    for key, label, limit in [("even", "spread evenly", 1.5 * 25), ("skewed_90", "90% in one shard", 2 * 25)]:
        r = rc[key]
        prev = r.get("previous_design_first_page", {})
        print(f"| {label} | {r['items_read_per_page']:.1f} ({r['max_items_read']}) | {r['rounds_per_page']:.2f} | "
              f"{r['capacity_units_per_page']:.1f} RCU | {prev.get('items_read', '?')} items, {prev.get('capacity_units', 0):.1f} RCU | ≤ {limit:g} items |")
        judge(f"#20 items read per 25-record page, {label}: ≤ {limit:g}",
              r["items_read_per_page"] <= limit, f"{r['items_read_per_page']:.1f}")
else:
    judge("#20 read cost", None, "missing (bench repository)")
print()

# --- how one answer's cost grows with the table (issue #20) ----------------
sc = load("scaling.json")
if sc:
    print("| records | this reader: newest 25 | read capacity | exact | seed reader: one Scan | read capacity | records returned |")
    print("|---|---|---|---|---|---|---|")
    for r in sc["sizes"]:
        o, s_ = r["ours"], r["seed"]
        print(f"| {r['records']:,} | {o['latency_ms']:.1f} ms | {o['capacity_units']:.1f} RCU | {'yes' if o['complete'] else '**no**'} | "
              f"{s_['latency_ms']:.1f} ms | {s_['capacity_units']:.1f} RCU | {s_['log_records_returned']:,}{'' if s_['complete'] else ' (**incomplete**)'} |")
    print()
    print(f"Plot: {target / 'scaling.png'} (benches/scaling/run).")
else:
    judge("#20 scaling bench", None, "missing (benches/scaling/run)")
print()

# --- load through the whole local stack (issue #20) -------------------------
ld = load("load/results.json")
if ld:
    st = ld["settings"]
    print(f"Load through the whole stack (benches/load/run: {st['build']}; edge + API Gateway emulation + "
          f"authorizer + writer/reader + DynamoDB Local on loopback; {st['requests']:,} requests per phase, "
          f"at most {st['max_seconds']} s, after {st.get('warmup', 0):,} untimed writes and reads; "
          f"WAF rate rule {st['rate_limit']}):")
    print()
    print("| phase | concurrency | requests/s | p50 | p99 | answers | CPU seconds: stack / DynamoDB Local / generator |")
    print("|---|---|---|---|---|---|---|")
    for ph in ld["phases"]:
        c = ph["cpu_seconds"]
        cpu = " / ".join("n/a" if c.get(k) is None else f"{c[k]:.1f}" for k in ("stack", "dynamodb_local", "generator"))
        answers = ", ".join(f"{n:,} × {code}" for code, n in ph["statuses"].items())
        if ph["transport_errors"]:
            answers += f", {ph['transport_errors']} transport errors"
        print(f"| {ph['kind']}s | {ph['concurrency']} | {ph['per_second']:,.0f} | {ph['p50_us'] / 1000:.1f} ms | "
              f"{ph['p99_us'] / 1000:.1f} ms | {answers} | {cpu} |")
        ok_codes = {"200", "201"} if ph["kind"] == "read" else {"201"}
        bad = sum(n for code, n in ph["statuses"].items() if code not in ok_codes | {"429", "503"})
        bad += ph["transport_errors"] + ph["refused_without_retry_after"]
        judge(f"#20 load, {ph['kind']}s at {ph['concurrency']}: no errors (429/503 only with Retry-After)",
              bad == 0, f"{bad} errors of {ph['requests']:,}")
    for kind, prof in ld.get("profiles", {}).items():
        print()
        print(f"Where the time goes, {kind}s at {prof['concurrency']} ({ld['profiler']}): the stack by object "
              + "; ".join(f"{r['what']} {r['percent']:.1f}%" for r in prof.get("stack_objects", []))
              + "; its top symbols "
              + "; ".join(f"{r['what']} {r['percent']:.1f}%" for r in prof["stack_symbols"][:6])
              + "; in its own code "
              + "; ".join(f"{r['what']} {r['percent']:.1f}%" for r in prof.get("stack_own_symbols", [])[:6])
              + ". DynamoDB Local by object: "
              + "; ".join(f"{r['what']} {r['percent']:.1f}%" for r in prof["dynamodb_local_objects"][:4]) + ".")
else:
    judge("#20 load through the whole stack", None, "missing (benches/load/run)")
print()

# --- JWT verification beside aws-jwt-verify and PyJWT (issue #19) ---------
jwt_dir = target / "jwt-compare"
jwt = {name: load(f"jwt-compare/{name}.json") for name in ["rust", "node", "python"]}
if all(jwt.values()):
    r, n, p = (jwt[k]["ns_per_verification"] for k in ["rust", "node", "python"])
    print(f"JWT verification, same tokens, one run (benches/jwt/run): secure-serverless "
          f"{jwt['rust']['version']}, aws-jwt-verify {jwt['node']['version']} on Node "
          f"{jwt['node']['node']}, PyJWT {jwt['python']['version']} on Python {jwt['python']['python']}.")
    print()
    print("| algorithm | token | secure-serverless | aws-jwt-verify | PyJWT | vs aws-jwt-verify | vs PyJWT |")
    print("|---|---|---|---|---|---|---|")
    for alg in ["RS256", "ES256", "EdDSA"]:
        for kind, label in [("new", "new each time"), ("repeat", "repeated")]:
            mine, node, py = r[alg][kind], n[alg][kind], p[alg][kind]
            print(f"| {alg} | {label} | {t(mine)} | {t(node)} | {t(py)} | "
                  f"{node / mine:.1f}× | {py / mine:.1f}× |")
            judge(f"#19 JWT {alg}, {label}: ≥ 2× faster than aws-jwt-verify",
                  node / mine >= 2, f"{node / mine:.1f}× ({t(mine)} vs {t(node)})")
    floor = {alg: n[alg].get("signature_only") for alg in ["RS256", "ES256", "EdDSA"]}
    if all(floor.values()):
        print()
        print("The signature alone, node:crypto (OpenSSL) with keys parsed beforehand: "
              + ", ".join(f"{alg} {t(ns)} (half of aws-jwt-verify: {t(n[alg]['new'] / 2)})"
                          for alg, ns in floor.items())
              + ". Where the signature alone takes longer than half of aws-jwt-verify's whole "
                "verification, no verifier on that primitive can be 2× faster.")
    h = jwt["rust"].get("hydration_ns")
    if h:
        print()
        print(f"Keys by OpenID discovery from an HTTPS issuer on loopback (two TLS requests): "
              f"loaded at cold start {t(h['init_load'])}, then the first request {t(h['first_request_after_load'])}; "
              f"lazily: {t(h['init_lazy'])} at cold start, the first request {t(h['first_request_lazy'])}. "
              f"On Lambda the round trips to the issuer come on top.")
else:
    judge("#19 JWT comparison", None, "missing (benches/jwt/run)")
print()

print("| target | measured | verdict |")
print("|---|---|---|")
for what, verdict, measured in verdicts:
    print(f"| {what} | {measured} | {verdict} |")
print()
print(f"Criterion: `bench` profile (opt-level 3); Lambda binaries: `release` profile "
      f"(opt-level \"s\"). Host: {os.cpu_count()} CPUs, {platform.machine()}.")
