"""bleach 5.0.1 (the seed's sanitiser) on the inputs of benches/benches/sanitize.rs.

The inputs are built exactly as benches/src/lib.rs builds them, and bleach
runs with the seed's allow-list (its defaults: the tags, attributes and
protocols the Rust `Sanitizer::default()` mirrors, `strip=False`). Prints the
median time and MB/s per input, for the README's side-by-side table.

    .venv/bench/bin/python benches/python/bleach_throughput.py [--json OUT]

With --json, also writes {name: median microseconds} to OUT (read by
benches/summary.py).
"""
import json
import statistics
import sys
import time

import bleach

LINE = ("2026-11-24T10:15:02Z level=info user=alice action=deploy service=api "
        "status=ok latency_ms=42 region=eu-west-1 msg=\"rollout finished\"\n")
FRAGMENTS = [
    "<b>deploy</b> finished in <i>42 s</i>",
    "user <a href=\"https://example.com/u/alice\" title=\"profile\">alice</a> logged in",
    "<ul><li>step one</li><li>step <code>two</code></li></ul>",
    "quota at <strong>91%</strong> &mdash; <em>consider</em> raising it",
    "<blockquote>build #812 <abbr title=\"failed\">KO</abbr></blockquote>",
    "<script>alert(document.cookie)</script>login ok",
    "<img src=x onerror=alert(1)>avatar updated",
    "<a href=\"javascript:alert(1)\">click</a> for details",
    "<div onclick=\"steal()\">panel <span>opened</span></div>",
    "<svg><script>alert(1)</script></svg>retry 3/5",
    "<p style=\"background:url(evil)\">note</p> saved",
    "plain text with an ampersand & a less-than < sign",
]
RICH = ("<blockquote><b>Release 4.2</b> shipped to <a href=\"https://example.com/r/4.2\">"
        "production</a>.<ul><li>fixed <code>cursor</code> paging</li><li><em>faster</em> "
        "writes</li><li>see <abbr title=\"changelog\">CL</abbr></li></ul></blockquote>\n")
HOSTILE = ("<div class=\"x\"><b>Release 4.2</b> <img src=x onerror=alert(1)> shipped to "
           "<a href=\"javascript:alert(1)\">production</a>.<table><tr><td><ul><li>fixed "
           "</li></ul></td></tr></table><script>steal()</script></div>\n")


def repeat_to(block, size, exact=False):
    s = block * (size // len(block) + 1)
    return s[:size] if exact else s


RESULTS = {}


def bench(name, fn, nbytes, min_seconds=3.0):
    times = []
    start = time.perf_counter()
    while time.perf_counter() - start < min_seconds or len(times) < 5:
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    med = statistics.median(times)
    RESULTS[name] = med * 1e6
    print(f"{name:45s} {med * 1e6:12.1f} us  {nbytes / med / 2**20:8.2f} MiB/s  ({len(times)} runs)")


cleaner = bleach.sanitizer.Cleaner()  # bleach 5 defaults = the seed's allow-list
text = repeat_to(LINE, 64 * 1024, exact=True)
rich = repeat_to(RICH, 64 * 1024)
hostile = repeat_to(HOSTILE, 64 * 1024)
print(f"bleach {bleach.__version__}, seed allow-list")
bench("markup-free log text 64 KiB", lambda: cleaner.clean(text), len(text))
bench("12 short mixed fragments", lambda: [cleaner.clean(f) for f in FRAGMENTS],
      sum(len(f) for f in FRAGMENTS))
bench("64 KiB document, allowed markup", lambda: cleaner.clean(rich), len(rich))
bench("64 KiB document, hostile markup", lambda: cleaner.clean(hostile), len(hostile))

if len(sys.argv) == 3 and sys.argv[1] == "--json":
    with open(sys.argv[2], "w") as f:
        json.dump({"bleach": bleach.__version__, "median_us": RESULTS}, f, indent=1)
