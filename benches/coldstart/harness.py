#!/usr/bin/env python3
"""Cold-start, warm-latency and memory harness for Lambda functions.

A minimal AWS Lambda Runtime API (the 2018-06-01 interface every runtime
polls) on loopback, written with the standard library only. For each function
it starts the real process with ``AWS_LAMBDA_RUNTIME_API=127.0.0.1:<port>``
and the environment Lambda gives a function, hands it events, and measures:

* **cold start**: process spawn -> first response received (Lambda's init plus
  the first invocation, the latency a caller sees on a cold start), and
  **init**: spawn -> the runtime's first ``GET .../invocation/next``;
* **warm latency**: event handed out (the ``next`` answer written to the
  socket) -> response body received, over many invocations of one process.
  This includes the Runtime API HTTP round trip and the runtime's own
  (de)serialisation, on both sides;
* **handler-only**: the handler call alone, where the function can time it
  (``benches/python/timed.py`` for Python, ``handler-time`` for Rust);
* **peak RSS**: ``VmHWM`` (the peak resident set of the process's own address
  space) from ``/proc/<pid>/status``, read just before the process is killed.
  ``ru_maxrss`` from ``os.wait4`` is recorded too but is *not* used: Linux
  carries the pre-``exec`` high-water mark over ``exec``, so a child forked
  from this (~25 MB) Python process reports at least the harness's own RSS.

Everything runs on 127.0.0.1; every process the harness starts is killed and
reaped by PID before the harness returns, also on error or Ctrl-C.

Usage: see ``benches/coldstart/run`` (which builds, starts DynamoDB Local,
creates the tables and then calls this with the paths it prepared).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import queue
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import floor

REGION = "us-east-1"
ACCOUNT = "123456789012"
ORIGIN_SECRET = "local-origin-secret-current"  # the value in examples/authorizer/events/allow.json
CURSOR_KEY = "bench-cursor-key-0123456789abcdef0123456789abcdef"  # >= 32 bytes, local only

# Tables (created by tables.py with the same names).
RUST_WRITES = "bench-rust-writes"
RUST_READS = "bench-rust-reads"
SEED_WRITES = "bench-seed-writes"
SEED_READS = "bench-seed-reads"

# ---------------------------------------------------------------------------
# The Runtime API
# ---------------------------------------------------------------------------

_STOP = object()


@dataclass
class Result:
    request_id: str
    kind: str  # "response" or "error"
    body: bytes
    t_sent: int  # perf_counter_ns when the event was written to the socket
    t_recv: int  # perf_counter_ns when the response body was fully read


class RuntimeApi:
    """One Runtime API endpoint, for one function process.

    Events put on ``events`` are handed out, in order, to ``GET next``; every
    ``POST .../response`` or ``.../error`` lands on ``results``. A connection
    is served by its own thread (the runtime may open more than one).
    """

    def __init__(self, function_name: str):
        self.function_name = function_name
        self.events: queue.Queue = queue.Queue()
        self.results: queue.Queue = queue.Queue()
        self.first_next_ns: int | None = None
        self.init_error: bytes | None = None
        self._sent: dict[str, int] = {}
        self._lock = threading.Lock()
        self._conns: list[socket.socket] = []
        self._closed = False
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(16)
        self.port = self._listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    # -- lifecycle --------------------------------------------------------
    def close(self) -> None:
        self._closed = True
        for _ in range(4):
            self.events.put(_STOP)
        try:
            self._listener.close()
        except OSError:
            pass
        with self._lock:
            for c in self._conns:
                try:
                    c.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                c.close()

    def _accept(self) -> None:
        while not self._closed:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._lock:
                self._conns.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    # -- HTTP/1.1, just what the Runtime API needs --------------------------
    @staticmethod
    def _read_body(rf, headers: dict[str, str]) -> bytes:
        if "chunked" in headers.get("transfer-encoding", "").lower():
            parts = []
            while True:
                size_line = rf.readline(1024)
                if not size_line:
                    raise ConnectionError("eof in chunked body")
                size = int(size_line.split(b";", 1)[0].strip(), 16)
                if size == 0:
                    while rf.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(parts)
                parts.append(rf.read(size))
                rf.readline(3)
        n = int(headers.get("content-length", "0") or 0)
        return rf.read(n) if n else b""

    @staticmethod
    def _answer(conn: socket.socket, status: str, body: bytes, extra: dict[str, str] | None = None) -> None:
        head = [f"HTTP/1.1 {status}", "Content-Type: application/json", f"Content-Length: {len(body)}"]
        for k, v in (extra or {}).items():
            head.append(f"{k}: {v}")
        conn.sendall(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)

    def _serve(self, conn: socket.socket) -> None:
        rf = conn.makefile("rb")
        try:
            while not self._closed:
                line = rf.readline(65537)
                if not line:
                    return
                method, target, _ = line.decode("latin-1").split(" ", 2)
                headers: dict[str, str] = {}
                while True:
                    h = rf.readline(65537)
                    if h in (b"\r\n", b"\n", b""):
                        break
                    k, _, v = h.decode("latin-1").partition(":")
                    headers[k.strip().lower()] = v.strip()
                if headers.get("expect", "").lower() == "100-continue":
                    conn.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
                body = self._read_body(rf, headers)
                t_recv = time.perf_counter_ns()
                path = target.split("?", 1)[0]
                if method == "GET" and path == "/2018-06-01/runtime/invocation/next":
                    if self.first_next_ns is None:
                        self.first_next_ns = t_recv
                    event = self.events.get()
                    if event is _STOP:
                        return
                    rid = str(uuid.uuid4())
                    deadline = int(time.time() * 1000) + 30_000
                    extra = {
                        "Lambda-Runtime-Aws-Request-Id": rid,
                        "Lambda-Runtime-Deadline-Ms": str(deadline),
                        "Lambda-Runtime-Invoked-Function-Arn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{self.function_name}",
                        "Lambda-Runtime-Trace-Id": f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]};Parent={uuid.uuid4().hex[:16]};Sampled=0",
                    }
                    with self._lock:
                        self._sent[rid] = time.perf_counter_ns()
                    self._answer(conn, "200 OK", event, extra)
                    continue
                parts = path.split("/")
                # /2018-06-01/runtime/invocation/{id}/response|error
                if method == "POST" and len(parts) == 6 and parts[3] == "invocation" and parts[5] in ("response", "error"):
                    rid = parts[4]
                    with self._lock:
                        t_sent = self._sent.pop(rid, None)
                    if t_sent is None:
                        self._answer(conn, "400 Bad Request", b'{"errorMessage":"unknown request id"}')
                        continue
                    self._answer(conn, "202 Accepted", b'{"status":"OK"}')
                    self.results.put(Result(rid, parts[5], body, t_sent, t_recv))
                    continue
                if method == "POST" and path == "/2018-06-01/runtime/init/error":
                    self.init_error = body or b"(empty init error)"
                    self._answer(conn, "202 Accepted", b'{"status":"OK"}')
                    continue
                self._answer(conn, "404 Not Found", b'{"errorMessage":"not a Runtime API path"}')
        except (OSError, ValueError, ConnectionError):
            return
        finally:
            try:
                rf.close()
                conn.close()
            except OSError:
                pass


# ---------------------------------------------------------------------------
# Functions
# ---------------------------------------------------------------------------


@dataclass
class Function:
    name: str  # "authorizer", "writer", "reader"
    runtime: str  # "rust" or "python"
    cmd: list[str]
    cwd: str
    env: dict[str, str]
    event: bytes
    check: callable
    handler: str = "bootstrap"
    timed: dict | None = None  # how to run a handler-only measurement
    size: dict = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"{self.name}/{self.runtime}"

    def lambda_env(self, port: int, home: str) -> dict[str, str]:
        fname = f"bench-{self.name}-{self.runtime}"
        env = {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "LANG": "C.UTF-8",
            "TZ": ":UTC",
            "HOME": home,
            "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{port}",
            "AWS_LAMBDA_FUNCTION_NAME": fname,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{fname}",
            "AWS_LAMBDA_LOG_STREAM_NAME": "2026/01/01/[$LATEST]0123456789abcdef",
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
            "LAMBDA_TASK_ROOT": self.cwd,
            "LAMBDA_RUNTIME_DIR": self.cwd,
            "_HANDLER": self.handler,
        }
        env.update(self.env)
        return env


def _json(body: bytes):
    return json.loads(body.decode("utf-8"))


def check_allow(res: Result) -> str | None:
    if res.kind != "response":
        return f"runtime error: {res.body[:300]!r}"
    doc = _json(res.body).get("policyDocument", {})
    effects = {s.get("Effect") for s in doc.get("Statement", [])}
    return None if "Allow" in effects else f"no Allow statement: {res.body[:300]!r}"


def check_status(status: int, items: int | None = None):
    def check(res: Result) -> str | None:
        if res.kind != "response":
            return f"runtime error: {res.body[:300]!r}"
        r = _json(res.body)
        if r.get("statusCode") != status:
            return f"status {r.get('statusCode')} != {status}: {res.body[:300]!r}"
        if items is not None:
            b = _json(r["body"].encode()) if isinstance(r.get("body"), str) else r.get("body")
            got = len(b["items"]) if isinstance(b, dict) else len(b)
            if got != items:
                return f"{got} items, expected {items}: {res.body[:200]!r}"
        return None

    return check


def functions(args) -> list[Function]:
    root = Path(args.root)
    py_dir = str(root / "benches" / "python")
    py = str(Path(args.venv) / "bin" / "python")
    ddb = {k: os.environ[k] for k in ("AWS_ENDPOINT_URL_DYNAMODB", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    rel = Path(args.target) / "release"
    ev = lambda pkg, name: (root / "examples" / pkg / "events" / name).read_bytes()  # noqa: E731
    pyenv = {"PYTHONPATH": py_dir, "AWS_EXECUTION_ENV": "AWS_Lambda_python3.11"}

    # BENCH_RUST_ENV="K=V K2=V2": extra variables for the Rust functions (an
    # A/B of one setting in the same binaries, e.g. DYNAMODB_TRUST_ROOTS=platform).
    extra = dict(kv.split("=", 1) for kv in os.environ.get("BENCH_RUST_ENV", "").split())

    def rust(name, env, event, check):
        env = {**env, **extra}
        timed = None
        if args.handler_time:
            timed = {"cmd": [args.handler_time, name], "env": env}
        return Function(name, "rust", [str(rel / name)], str(rel), env, event, check, timed=timed)

    def python(name, module, env, event, check):
        return Function(
            name,
            "python",
            [py, "-m", "awslambdaric", f"{module}.handler"],
            py_dir,
            {**pyenv, **env},
            event,
            check,
            handler=f"{module}.handler",
            timed={"cmd": [py, "-m", "awslambdaric", "timed.handler"], "env": {**pyenv, **env, "BENCH_HANDLER": f"{module}.handler"}},
        )

    n_reads = args.reader_records
    return [
        rust("authorizer", {"ORIGIN_SECRET": ORIGIN_SECRET, "AUTH_MODE": "origin-secret-only"}, ev("authorizer", "allow.json"), check_allow),
        python("authorizer", "seed_authorizer", {"JWT": ORIGIN_SECRET}, ev("authorizer", "allow.json"), check_allow),
        rust("writer", {**ddb, "TABLE_NAME": RUST_WRITES}, ev("writer", "post-log.json"), check_status(201)),
        python("writer", "seed_writer", {**ddb, "TABLE_NAME": SEED_WRITES}, ev("writer", "post-log.json"), check_status(200)),
        rust("reader", {**ddb, "TABLE_NAME": RUST_READS, "CURSOR_KEY": CURSOR_KEY}, ev("reader", "get-stats.json"), check_status(200, n_reads)),
        python("reader", "seed_reader", {**ddb, "TABLE_NAME": SEED_READS}, ev("reader", "get-stats.json"), check_status(200, n_reads)),
    ]


# ---------------------------------------------------------------------------
# Process control
# ---------------------------------------------------------------------------

_LIVE: dict[int, subprocess.Popen] = {}


def _vmhwm_kb(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _reap(p: subprocess.Popen, kill: bool = True) -> tuple[int, int]:
    """Kill (SIGKILL) and reap ``p`` by PID: (exit status, ru_maxrss in KiB)."""
    if kill:
        try:
            os.kill(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = status
    _LIVE.pop(p.pid, None)
    return status, ru.ru_maxrss


def kill_all() -> None:
    for pid, p in list(_LIVE.items()):
        try:
            _reap(p)
        except ChildProcessError:
            _LIVE.pop(pid, None)


class FunctionFailed(RuntimeError):
    pass


class Instance:
    """One running function process behind its own Runtime API."""

    def __init__(self, fn: Function, work: Path, cmd=None, extra_env=None, queued: bytes | None = None):
        self.fn = fn
        self.api = RuntimeApi(f"bench-{fn.name}-{fn.runtime}")
        env = fn.lambda_env(self.api.port, str(work / "home"))
        env.update(extra_env or {})
        self.log_path = work / f"{fn.name}-{fn.runtime}.log"
        self._log = open(self.log_path, "ab")
        if queued is not None:
            self.api.events.put(queued)  # answered as soon as the runtime asks
        self.t_spawn = time.perf_counter_ns()
        self.proc = subprocess.Popen(
            cmd or fn.cmd, cwd=fn.cwd, env=env, stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT
        )
        _LIVE[self.proc.pid] = self.proc
        self.ru_maxrss_kb: int | None = None
        self.vmhwm_kb: int | None = None

    def _fail(self, why: str) -> FunctionFailed:
        tail = ""
        try:
            tail = self.log_path.read_text(errors="replace")[-2000:]
        except OSError:
            pass
        init = f"\ninit error: {self.api.init_error!r}" if self.api.init_error else ""
        return FunctionFailed(f"{self.fn.label}: {why}{init}\n--- log tail ({self.log_path}) ---\n{tail}")

    def wait_result(self, timeout: float = 60.0) -> Result:
        deadline = time.monotonic() + timeout
        while True:
            try:
                return self.api.results.get(timeout=0.05)
            except queue.Empty:
                pass
            if self.proc.returncode is None:
                pid, status, ru = os.wait4(self.proc.pid, os.WNOHANG)
                if pid:
                    self.proc.returncode = status
                    _LIVE.pop(self.proc.pid, None)
                    self.ru_maxrss_kb = ru.ru_maxrss
                    raise self._fail(f"process exited (status {status}) before answering")
            if time.monotonic() > deadline:
                raise self._fail(f"no response in {timeout:.0f} s")

    def invoke(self, event: bytes | None = None) -> Result:
        self.api.events.put(event if event is not None else self.fn.event)
        res = self.wait_result()
        why = self.fn.check(res)
        if why:
            raise self._fail(why)
        return res

    def stop(self) -> None:
        if self.proc.returncode is None:
            self.vmhwm_kb = _vmhwm_kb(self.proc.pid)
            _, self.ru_maxrss_kb = _reap(self.proc)
        self.api.close()
        self._log.close()


# ---------------------------------------------------------------------------
# Measurements
# ---------------------------------------------------------------------------


def pct(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    s = sorted(values)
    k = max(0, min(len(s) - 1, int(round(p / 100.0 * len(s) + 0.5)) - 1))
    return s[k]


def cold_start(fn: Function, work: Path) -> dict:
    inst = Instance(fn, work, queued=fn.event)
    try:
        res = inst.wait_result()
        why = fn.check(res)
        if why:
            raise inst._fail(why)
        cold_ns = res.t_recv - inst.t_spawn
        init_ns = (inst.api.first_next_ns or res.t_sent) - inst.t_spawn
    finally:
        inst.stop()
    return {"cold_ms": cold_ns / 1e6, "init_ms": init_ns / 1e6, "rss_kb": inst.vmhwm_kb, "ru_maxrss_kb": inst.ru_maxrss_kb}


class RustTimer:
    """``handler-time``: the crate's ``handler`` called in-process, one call per
    line written to its stdin; ``T handler_ns full_ns`` comes back on stderr."""

    def __init__(self, fn: Function, work: Path):
        event = work / f"event-{fn.name}.json"
        event.write_bytes(fn.event)
        env = {**fn.lambda_env(0, str(work / "home")), **fn.timed["env"]}
        self.label = fn.label
        self._log = open(work / f"{fn.name}-{fn.runtime}-handler-time.log", "ab")
        self.proc = subprocess.Popen(
            fn.timed["cmd"] + [str(event)], env=env, stdin=subprocess.PIPE, stdout=self._log, stderr=subprocess.PIPE
        )
        _LIVE[self.proc.pid] = self.proc
        self.rows: list[tuple[int, int]] = []

    def once(self, keep: bool) -> None:
        self.proc.stdin.write(b"\n")
        self.proc.stdin.flush()
        while True:
            line = self.proc.stderr.readline()
            if not line:
                raise FunctionFailed(f"{self.label}: handler-time ended; see {self._log.name}")
            if line.startswith(b"T "):
                break
            self._log.write(line)  # anything else on stderr (a panic) goes to the log
        if keep:
            _, h, full = line.split()
            self.rows.append((int(h), int(full)))

    def stop(self) -> None:
        if self.proc.returncode is None:
            _reap(self.proc)
        self._log.close()


def _summary(us: list[float]) -> dict:
    return {
        "n": len(us),
        "p50_us": pct(us, 50),
        "p90_us": pct(us, 90),
        "p99_us": pct(us, 99),
        "mean_us": statistics.fmean(us),
        "max_us": max(us),
    }


def warm_phase(fns: list[Function], work: Path, n: int, warmup: int, block: int) -> dict[str, dict]:
    """Warm latency through the Runtime API and handler-only time, for every
    function at once: one process per function (plus one handler-only
    process each) stays up, and the functions take turns in blocks of
    ``block`` invocations (steady traffic within a block, caches warm), so
    over the run all of them see the same machine load and DynamoDB Local
    state. ``block=1`` is strict round-robin (every call cache-cold)."""
    out: dict[str, dict] = {}
    insts: dict[str, Instance] = {}
    timers: dict[str, object] = {}
    timing_files: dict[str, Path] = {}
    lat: dict[str, list[float]] = {f.label: [] for f in fns}
    try:
        for fn in fns:
            insts[fn.label] = Instance(fn, work, queued=fn.event)
            if fn.timed and fn.runtime == "python":
                tf = work / f"timings-{fn.name}-{fn.runtime}.txt"
                tf.unlink(missing_ok=True)
                timing_files[fn.label] = tf
                timers[fn.label] = Instance(fn, work, cmd=fn.timed["cmd"], extra_env={**fn.timed["env"], "BENCH_TIMINGS": str(tf)})
            elif fn.timed:
                timers[fn.label] = RustTimer(fn, work)
        for fn in fns:
            insts[fn.label].wait_result()  # the cold invocation, not counted
        for fn in fns:  # warm-up, not counted
            for _ in range(warmup):
                insts[fn.label].invoke()
                t = timers.get(fn.label)
                if isinstance(t, RustTimer):
                    t.once(False)
                elif t is not None:
                    t.invoke()
        done = 0
        while done < n:
            size = min(block, n - done)
            for fn in fns:
                for _ in range(size):
                    r = insts[fn.label].invoke()
                    lat[fn.label].append((r.t_recv - r.t_sent) / 1e3)
                t = timers.get(fn.label)
                for _ in range(size):
                    if isinstance(t, RustTimer):
                        t.once(True)
                    elif t is not None:
                        t.invoke()
            done += size
    finally:
        for x in list(insts.values()) + list(timers.values()):
            x.stop()
    for fn in fns:
        w = _summary(lat[fn.label])
        w["peak_rss_kb"] = insts[fn.label].vmhwm_kb
        w["ru_maxrss_kb"] = insts[fn.label].ru_maxrss_kb
        h = None
        t = timers.get(fn.label)
        if isinstance(t, RustTimer):
            h = _summary([row[0] / 1e3 for row in t.rows])
            full = [row[1] / 1e3 for row in t.rows]
            h["with_serde_p50_us"] = pct(full, 50)
            h["with_serde_p99_us"] = pct(full, 99)
        elif t is not None:
            ns = [int(x) for x in timing_files[fn.label].read_text().split()][warmup:]
            h = _summary([x / 1e3 for x in ns])
        out[fn.label] = {"warm": w, "handler_only": h}
    return out


def seed_readers(fns: list[Function], work: Path, records: int) -> None:
    """Fill each reader's table with ``records`` records, through that
    language's own writer, so both readers answer the same number of items."""
    by = {(f.name, f.runtime): f for f in fns}
    for rt, table in (("rust", RUST_READS), ("python", SEED_READS)):
        w = by[("writer", rt)]
        seeded = Function(w.name, w.runtime, w.cmd, w.cwd, {**w.env, "TABLE_NAME": table}, w.event, w.check, w.handler)
        inst = Instance(seeded, work, queued=w.event)
        try:
            inst.wait_result()
            for _ in range(records - 1):
                inst.invoke()
        finally:
            inst.stop()


def warm_up_backend(fns: list[Function], work: Path, n: int) -> None:
    """DynamoDB Local is a JVM: exercise its code paths before timing anything."""
    for fn in fns:
        if fn.name == "authorizer":
            continue
        inst = Instance(fn, work, queued=fn.event)
        try:
            inst.wait_result()
            for _ in range(n):
                inst.invoke()
        finally:
            inst.stop()


# ---------------------------------------------------------------------------
# Sizes
# ---------------------------------------------------------------------------


def _zip_size(files: list[tuple[Path, str]]) -> int:
    with tempfile.TemporaryDirectory() as d:
        z = Path(d) / "pkg.zip"
        with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
            for path, arc in files:
                zi = zipfile.ZipInfo.from_file(path, arc)
                zi.compress_type = zipfile.ZIP_DEFLATED
                if arc == "bootstrap":
                    zi.external_attr = 0o755 << 16
                with open(path, "rb") as f:
                    zf.writestr(zi, f.read())
        return z.stat().st_size


def _tree(d: Path) -> list[tuple[Path, str]]:
    return [(p, str(p.relative_to(d))) for p in sorted(d.rglob("*")) if p.is_file() and "__pycache__" not in p.parts]


def sizes(fns: list[Function], args) -> None:
    arm = Path(args.arm64_dir) if args.arm64_dir else None
    pkg = Path(args.python_package) if args.python_package else None
    py_dir = Path(args.root) / "benches" / "python"
    for fn in fns:
        if fn.runtime == "rust":
            b = Path(fn.cmd[0])
            fn.size = {"x86_64_bytes": b.stat().st_size, "x86_64_zip_bytes": _zip_size([(b, "bootstrap")])}
            if arm:
                ab = arm / fn.name / "bootstrap"
                az = arm / fn.name / "bootstrap.zip"
                if ab.exists():
                    fn.size["arm64_bytes"] = ab.stat().st_size
                if az.exists():
                    fn.size["arm64_zip_bytes"] = az.stat().st_size
        else:
            mod = py_dir / f"{fn.handler.split('.')[0]}.py"
            files = [(mod, mod.name)]
            if fn.name == "writer" and pkg:
                files += _tree(pkg)  # bleach and its dependencies; boto3 comes with the runtime
            fn.size = {"package_bytes": sum(p.stat().st_size for p, _ in files), "package_zip_bytes": _zip_size(files)}


# ---------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------


def _size(b) -> str:
    if b is None:
        return "-"
    return f"{b / 1e6:.3f} MB" if b >= 100_000 else f"{b / 1e3:.1f} kB"


def _kb_mb(kb) -> str:
    return "-" if kb is None else f"{kb / 1024:.1f}"


def machine() -> dict:
    model = ""
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "loadavg_at_end": os.getloadavg(),
    }


def report(fns: list[Function], res: dict, args) -> str:
    out = []
    m = res["machine"]
    out.append(
        f"machine: {m['nproc']} CPUs, {m['cpu']}, Linux {m['kernel']}; load average at end "
        f"{m['loadavg_at_end'][0]:.2f} (other work on the machine adds noise)"
    )
    out.append(
        f"cold: median of {args.cold} spawns per function (interleaved); warm: {args.warm} invocations after "
        f"{args.warmup} warm-up, one process, functions taking turns of {args.block}; backend: DynamoDB Local on loopback"
    )
    out.append("")
    hdr = (
        f"{'function':<18}{'cold ms':>9}{'init ms':>9}{'warm p50 us':>13}{'warm p99 us':>13}"
        f"{'handler p50 us':>16}{'peak RSS MiB':>14}  size (x86_64 | arm64)"
    )
    out.append(hdr)
    out.append("-" * (len(hdr) + 22))
    for fn in fns:
        r = res["functions"][fn.label]
        c, w, h = r.get("cold"), r.get("warm"), r.get("handler_only")
        if fn.runtime == "rust":
            s = fn.size
            size = f"bin {_size(s.get('x86_64_bytes'))}, zip {_size(s.get('x86_64_zip_bytes'))}"
            if "arm64_zip_bytes" in s or "arm64_bytes" in s:
                size += f" | bin {_size(s.get('arm64_bytes'))}, zip {_size(s.get('arm64_zip_bytes'))}"
            else:
                size += " | (no arm64 build)"
        else:
            s = fn.size
            size = f"pkg {_size(s.get('package_bytes'))}, zip {_size(s.get('package_zip_bytes'))}"
            if fn.name != "authorizer":
                size += " + runtime's boto3"
        peak = r.get("peak_rss_kb")
        hp50 = f"{h['p50_us']:.1f}" if h else "n/a"
        out.append(
            f"{fn.label:<18}"
            f"{(c['median_ms'] if c else float('nan')):>9.2f}"
            f"{(c['init_median_ms'] if c else float('nan')):>9.2f}"
            f"{(w['p50_us'] if w else float('nan')):>13.0f}"
            f"{(w['p99_us'] if w else float('nan')):>13.0f}"
            f"{hp50:>16}"
            f"{_kb_mb(peak):>14}  {size}"
        )
    out.append("")
    out.append(
        "warm p50/p99: event handed out -> response received through the Runtime API (HTTP round trip, runtime\n"
        "  (de)serialisation and the handler, incl. its DynamoDB Local call); handler p50: the handler call alone\n"
        "  (Rust: handler-time, in-process; Python: timed.py wrapper under awslambdaric)."
    )
    out.append("cold: spawn -> first response (init + first invocation); init: spawn -> first GET /next.")
    out.append("peak RSS: VmHWM of the process (/proc/<pid>/status, just before the kill), max over cold and warm runs.")
    out.append("")
    # Ratios and targets.
    labels = res["functions"]
    out.append("python / rust:")
    for name in ("authorizer", "writer", "reader"):
        r, p = labels.get(f"{name}/rust", {}), labels.get(f"{name}/python", {})
        if r.get("cold") and p.get("cold") and r.get("warm") and p.get("warm"):
            out.append(
                f"  {name:<11} cold start {p['cold']['median_ms'] / r['cold']['median_ms']:6.1f}x   "
                f"warm p50 {p['warm']['p50_us'] / r['warm']['p50_us']:5.1f}x   "
                f"peak RSS {p['warm']['peak_rss_kb'] / r['warm']['peak_rss_kb']:5.1f}x"
            )
    out.append("")
    out.append("outside the handler (warm p50 - handler p50: Runtime API round trip, runtime loop, event/answer JSON):")
    for fn in fns:
        r = labels[fn.label]
        w, h = r.get("warm"), r.get("handler_only")
        if w and h:
            extra = ""
            if "with_serde_p50_us" in h:
                extra = f"  (of which event/answer JSON in-process: {h['with_serde_p50_us'] - h['p50_us']:.1f} us)"
            out.append(f"  {fn.label:<18} {w['p50_us'] - h['p50_us']:8.1f} us{extra}")
    out.append("")
    out.append("targets (issue #9; measured, not asserted):")
    for t in res["targets"]:
        out.append(f"  [{'met' if t['met'] else 'MISSED'}] {t['what']}: {t['measured']}")
    return "\n".join(out)


def targets(fns: list[Function], res: dict) -> list[dict]:
    f = res["functions"]
    t = []

    def add(what, measured, met):
        t.append({"what": what, "measured": measured, "met": bool(met)})

    for name, limit in (("authorizer", 15.0), ("writer", 40.0), ("reader", 40.0)):
        c = f[f"{name}/rust"]["cold"]["median_ms"]
        add(f"{name} cold start < {limit:.0f} ms", f"{c:.2f} ms", c < limit)
        pc = f[f"{name}/python"]["cold"]["median_ms"]
        add(f"{name} cold start >= 10x faster than Python", f"{pc / c:.1f}x", pc / c >= 10)
    for name in ("authorizer", "writer", "reader"):
        rss = f[f"{name}/rust"]["peak_rss_kb"] / 1024
        add(f"{name} peak RSS < 20 MB", f"{rss:.1f} MiB", rss < 20)
    for fn in fns:
        if fn.runtime != "rust":
            continue
        limit = 3e6 if fn.name == "authorizer" else 10e6
        for arch in ("x86_64", "arm64"):
            b = fn.size.get(f"{arch}_bytes")
            if b is not None:
                add(f"{fn.name} binary ({arch}) < {limit / 1e6:.0f} MB", f"{b:,} bytes", b < limit)
    return t


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--root", required=True, help="the repository")
    ap.add_argument("--target", required=True, help="CARGO_TARGET_DIR holding release/{authorizer,writer,reader}")
    ap.add_argument("--venv", required=True, help="the bench venv (awslambdaric, boto3, bleach)")
    ap.add_argument("--work", required=True, help="scratch directory (function logs, timings)")
    ap.add_argument("--out", required=True, help="results JSON")
    ap.add_argument("--cold", type=int, default=20, help="cold starts per function")
    ap.add_argument("--warm", type=int, default=1000, help="timed warm invocations per function")
    ap.add_argument("--warmup", type=int, default=50, help="untimed warm invocations before those")
    ap.add_argument("--block", type=int, default=50, help="warm invocations per function before the next takes its turn")
    ap.add_argument("--backend-warmup", type=int, default=200, help="invocations per DynamoDB function to warm DynamoDB Local")
    ap.add_argument("--reader-records", type=int, default=10, help="records in each reader table (the fixture asks limit=10)")
    ap.add_argument("--handler-time", help="the handler-time binary (Rust handler-only timing); omit to skip")
    ap.add_argument("--arm64-dir", help="cargo-lambda output dir (target/lambda) of an --arm64 build")
    ap.add_argument("--python-package", help="pip install -t dir of the seed writer's dependencies (bleach 5.0.1)")
    ap.add_argument("--only", help="comma-separated labels, e.g. authorizer/rust (debugging)")
    args = ap.parse_args()
    for name in ("root", "target", "venv", "work", "out", "handler_time", "arm64_dir", "python_package"):
        if getattr(args, name):
            setattr(args, name, os.path.abspath(getattr(args, name)))

    work = Path(args.work)
    (work / "home").mkdir(parents=True, exist_ok=True)
    fns = functions(args)
    if args.only:
        keep = set(args.only.split(","))
        fns = [f for f in fns if f.label in keep]
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    res: dict = {"functions": {f.label: {} for f in fns}}
    try:
        sizes(fns, args)
        full = {(f.name, f.runtime) for f in fns} >= {("writer", "rust"), ("writer", "python")}
        if full:
            print(f"harness: seeding reader tables with {args.reader_records} records each", file=sys.stderr)
            seed_readers(fns, work, args.reader_records)
        print(f"harness: warming DynamoDB Local ({args.backend_warmup} calls per function)", file=sys.stderr)
        warm_up_backend(fns, work, args.backend_warmup)

        print(f"harness: {args.cold} cold starts x {len(fns)} functions, interleaved", file=sys.stderr)
        colds: dict[str, list[dict]] = {f.label: [] for f in fns}
        for i in range(args.cold):
            for fn in fns:
                colds[fn.label].append(cold_start(fn, work))
        for fn in fns:
            c = colds[fn.label]
            ms = [x["cold_ms"] for x in c]
            init = [x["init_ms"] for x in c]
            rss = [x["rss_kb"] for x in c if x["rss_kb"]]
            res["functions"][fn.label]["cold"] = {
                "median_ms": statistics.median(ms),
                "min_ms": min(ms),
                "max_ms": max(ms),
                "init_median_ms": statistics.median(init),
                "rss_max_kb": max(rss) if rss else None,
                "runs_ms": ms,
            }
            print(f"  {fn.label:<18} cold median {statistics.median(ms):8.2f} ms  (min {min(ms):.2f}, max {max(ms):.2f})", file=sys.stderr)

        print(f"harness: warm, {args.warm} invocations each after {args.warmup}, in turns of {args.block}", file=sys.stderr)
        for label, r in warm_phase(fns, work, args.warm, args.warmup, args.block).items():
            res["functions"][label].update(r)
            w, h = r["warm"], r["handler_only"]
            hs = f"  handler p50 {h['p50_us']:8.1f} us" if h else ""
            print(f"  {label:<18} warm p50 {w['p50_us']:8.0f} us  p99 {w['p99_us']:8.0f} us{hs}", file=sys.stderr)

        if full:
            print("harness: DynamoDB Local's own round trips (no SDK)", file=sys.stderr)
            res["dynamodb_local_floor"] = floor.measure(os.environ["AWS_ENDPOINT_URL_DYNAMODB"], RUST_WRITES, RUST_READS)
            print(f"  {res['dynamodb_local_floor']}", file=sys.stderr)

        for fn in fns:
            r = res["functions"][fn.label]
            r["peak_rss_kb"] = max(v for v in (r["warm"]["peak_rss_kb"], r["cold"]["rss_max_kb"]) if v is not None)
            r["size"] = fn.size
            r["cmd"] = fn.cmd
        res["machine"] = machine()
        res["targets"] = targets(fns, res) if len(fns) == 6 else []
        res["settings"] = {k: v for k, v in vars(args).items()}
        Path(args.out).write_text(json.dumps(res, indent=2))
        print(report(fns, res, args))
        return 0
    finally:
        kill_all()


if __name__ == "__main__":
    sys.exit(main())
