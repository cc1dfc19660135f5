"""Draws $BENCH_OUT/scaling.json (written by benches/benches/scaling.rs) as
a PNG: latency of the first page and read capacity per answer, against the
number of records, for this reader and for the seed's one-Scan reader.

    python benches/scaling/plot.py SCALING_JSON OUT_PNG
"""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

data = json.load(open(sys.argv[1], encoding="utf-8"))
rows = data["sizes"]
n = [r["records"] for r in rows]
fig, (lat, rcu) = plt.subplots(1, 2, figsize=(11, 4.2))
for ax in (lat, rcu):
    ax.set_xscale("log")
    ax.set_xlabel("records in the table")
    ax.grid(True, which="both", alpha=0.3)
lat.plot(n, [r["ours"]["latency_ms"] for r in rows], "o-", label="this reader: newest 25 (8 shards)")
lat.plot(n, [r["seed"]["latency_ms"] for r in rows], "s--", label="seed reader: one Scan")
lat.set_yscale("log")
lat.set_ylabel("latency of one answer, ms (median)")
lat.set_title("Latency")
rcu.plot(n, [r["ours"]["capacity_units"] for r in rows], "o-", label="this reader")
rcu.plot(n, [r["seed"]["capacity_units"] for r in rows], "s--", label="seed reader")
rcu.set_yscale("log")
rcu.set_ylabel("read capacity units per answer")
rcu.set_title("Read capacity")
incomplete = [r for r in rows if not r["seed"]["complete"]]
for i, r in enumerate(incomplete):
    s = r["seed"]
    rcu.annotate(f"seed: {s['log_records_returned']:,} of {r['records']:,} records, the rest dropped",
                 (r["records"], s["capacity_units"]), textcoords="offset points",
                 xytext=(-230, -22 - 16 * i), fontsize=8,
                 arrowprops={"arrowstyle": "-", "alpha": 0.4})
lat.legend(fontsize=8)
rcu.legend(fontsize=8)
fig.suptitle("How one answer's cost grows with the table (DynamoDB Local, make bench)")
fig.tight_layout()
fig.savefig(sys.argv[2], dpi=110)
print(f"wrote {sys.argv[2]}")
