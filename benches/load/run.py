#!/usr/bin/env python3
"""Load through the whole local stack (issue #20), run by benches/load/run.

Starts the local stack (release build with symbols, `--profile profiling`)
on loopback ports of its own against the DynamoDB Local that
scripts/with-dynamodb-local started, then runs the load generator
(`local-stack`'s `load` binary) for writes and reads at each concurrency,
bounded by a request count and a time limit. For every phase it records
throughput, latency percentiles, answers by status, and the CPU seconds each
process used (the stack, DynamoDB Local, the generator) from /proc. With
`perf` on the machine, the stack and DynamoDB Local are sampled during the
highest-concurrency phases, and the top symbols (stack) and shared objects
(DynamoDB Local, a JVM) are kept. Every process started here is stopped by
its PID before the script returns, whatever happens.

Writes results to --out as JSON; prints a short report.
"""

import argparse
import json
import re
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

USER_HZ = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / USER_HZ


def stop(p: subprocess.Popen, sig=signal.SIGINT, grace: float = 10.0) -> None:
    if p.poll() is not None:
        return
    p.send_signal(sig)
    try:
        p.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()


def perf_top(data: Path, sort: str, limit: int, dso: str | None = None) -> list[dict]:
    only = ["--dsos", dso] if dso else []
    out = subprocess.run(
        ["perf", "report", "-i", str(data), "--stdio", "--no-children", "--sort", sort,
         "--percent-limit", "0.5", *only],
        capture_output=True, text=True, timeout=300,
    ).stdout
    rows = []
    for line in out.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "%" not in line.split()[0]:
            continue
        parts = line.split(None, 1)
        # perf pads the unused sort columns with "-".
        what = " ".join(w for w in parts[1].split() if w != "-")
        # The JVM's compiled code and its unpacked SQLite library carry run ids.
        what = re.sub(r"^\[JIT\] tid \d+", "[JIT] (compiled Java)", what)
        what = re.sub(r"^sqlite-[\w-]+-libsqlite4java\.so", "libsqlite4java.so", what)
        rows.append({"percent": float(parts[0].rstrip("%")), "what": what})
        if len(rows) >= limit:
            break
    return rows


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin-dir", required=True, help="directory holding local-stack and load")
    ap.add_argument("--out", required=True)
    ap.add_argument("--requests", type=int, default=int(os.environ.get("LOAD_REQUESTS", "4000")))
    ap.add_argument("--max-seconds", type=int, default=int(os.environ.get("LOAD_MAX_SECONDS", "60")))
    ap.add_argument("--warmup", type=int, default=int(os.environ.get("LOAD_WARMUP", "1000")))
    ap.add_argument("--concurrency", default=os.environ.get("LOAD_CONCURRENCY", "32,128"))
    ap.add_argument("--profile", default=os.environ.get("LOAD_PROFILE", "1") != "0", type=bool)
    args = ap.parse_args()

    bin_dir = Path(args.bin_dir)
    ddb_pid = int((Path(os.environ["DYNAMODB_LOCAL_STATE"]) / "pid").read_text())
    levels = [int(c) for c in args.concurrency.split(",")]
    perf = shutil.which("perf") if args.profile else None
    work = Path(tempfile.mkdtemp(prefix="load-bench-"))
    ready = work / "ready.json"
    env = {**os.environ, "RATE_LIMIT": "0", "RUST_LOG": "warn"}
    stack = subprocess.Popen(
        [str(bin_dir / "local-stack"), "--edge", "127.0.0.1:0", "--api", "127.0.0.1:0",
         "--table", f"load-bench-{os.getpid()}", "--ready-file", str(ready)],
        env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=open(work / "stack.log", "w"),
    )
    samplers: list[subprocess.Popen] = []
    try:
        for _ in range(600):
            if ready.exists() or stack.poll() is not None:
                break
            time.sleep(0.1)
        if not ready.exists():
            print("load: the stack did not start; its log:", file=sys.stderr)
            print((work / "stack.log").read_text()[-4000:], file=sys.stderr)
            return 1
        r = json.loads(ready.read_text())
        # Untimed warm-up: DynamoDB Local is a JVM, and its JIT would otherwise
        # be part of whichever phase comes first.
        for kind, token in (("write", r["write_token"]), ("read", r["read_token"])):
            subprocess.run(
                [str(bin_dir / "load"), "--target", r["edge"], "--kind", kind, "--concurrency", "16",
                 "--requests", str(args.warmup), "--max-seconds", str(args.max_seconds)],
                env={**os.environ, "LOAD_TOKEN": token}, capture_output=True, text=True,
                timeout=args.max_seconds + 120, check=True,
            )
        phases = []
        profiles = {}
        for kind in ("write", "read"):
            token = r["write_token"] if kind == "write" else r["read_token"]
            for c in levels:
                profile_this = perf and c == max(levels)
                if profile_this:
                    samplers = [
                        subprocess.Popen(
                            [perf, "record", "-q", "-F", "499", "-e", "cpu-clock", "-p", str(pid), "-o",
                             str(work / f"{kind}-{name}.data")],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                        )
                        for name, pid in (("stack", stack.pid), ("dynamodb", ddb_pid))
                    ]
                    time.sleep(0.5)
                before = {"stack": cpu_seconds(stack.pid), "dynamodb_local": cpu_seconds(ddb_pid)}
                gen = subprocess.run(
                    [str(bin_dir / "load"), "--target", r["edge"], "--kind", kind,
                     "--concurrency", str(c), "--requests", str(args.requests),
                     "--max-seconds", str(args.max_seconds)],
                    env={**os.environ, "LOAD_TOKEN": token}, capture_output=True, text=True,
                    timeout=args.max_seconds + 120,
                )
                after = {"stack": cpu_seconds(stack.pid), "dynamodb_local": cpu_seconds(ddb_pid)}
                for s in samplers:
                    stop(s)
                samplers = []
                if gen.returncode != 0:
                    print(f"load: generator failed: {gen.stderr[-2000:]}", file=sys.stderr)
                    return 1
                res = json.loads(gen.stdout)
                cpu = {k: (after[k] - before[k]) if after[k] is not None and before[k] is not None else None
                       for k in before}
                cpu["generator"] = res.pop("generator_cpu_seconds")
                res["cpu_seconds"] = cpu
                phases.append(res)
                if profile_this:
                    profiles[kind] = {
                        "concurrency": c,
                        "stack_objects": perf_top(work / f"{kind}-stack.data", "dso", 4),
                        "stack_symbols": perf_top(work / f"{kind}-stack.data", "dso,symbol", 12),
                        "stack_own_symbols": perf_top(work / f"{kind}-stack.data", "symbol", 12, "local-stack"),
                        "dynamodb_local_objects": perf_top(work / f"{kind}-dynamodb.data", "dso", 6),
                    }
        out = {
            "phases": phases,
            "profiles": profiles,
            "profiler": "perf record -F 499 -e cpu-clock" if perf else None,
            "machine": {"nproc": os.cpu_count(), "loadavg_at_end": list(os.getloadavg())},
            "settings": {"requests": args.requests, "max_seconds": args.max_seconds, "levels": levels,
                         "warmup": args.warmup,
                         "build": "cargo build --profile profiling (release + symbols)",
                         "rate_limit": "off (RATE_LIMIT=0)"},
        }
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(out, indent=2))
        print(report(out))
        return 0
    finally:
        for s in samplers:
            stop(s)
        stop(stack)
        shutil.rmtree(work, ignore_errors=True)


def report(out: dict) -> str:
    lines = ["kind   conc  answered  req/s    p50 ms  p99 ms  statuses            CPU s: stack / DynamoDB Local / generator"]
    for p in out["phases"]:
        c = p["cpu_seconds"]
        f = lambda v: "n/a" if v is None else f"{v:.1f}"  # noqa: E731
        lines.append(
            f"{p['kind']:<6} {p['concurrency']:>4}  {p['answered']:>8}  {p['per_second']:>7.0f}  "
            f"{p['p50_us'] / 1000:>6.1f}  {p['p99_us'] / 1000:>6.1f}  {json.dumps(p['statuses']):<18}  "
            f"{f(c['stack'])} / {f(c['dynamodb_local'])} / {f(c['generator'])}"
        )
    for kind, prof in out["profiles"].items():
        lines.append(f"\nprofile, {kind} at {prof['concurrency']}: the stack by shared object")
        lines += [f"  {r['percent']:5.1f}%  {r['what']}" for r in prof["stack_objects"]]
        lines.append("  the stack's top symbols")
        lines += [f"  {r['percent']:5.1f}%  {r['what']}" for r in prof["stack_symbols"]]
        lines.append("  in the stack's own code")
        lines += [f"  {r['percent']:5.1f}%  {r['what']}" for r in prof.get("stack_own_symbols", [])]
        lines.append("  DynamoDB Local by shared object:")
        lines += [f"  {r['percent']:5.1f}%  {r['what']}" for r in prof["dynamodb_local_objects"]]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
