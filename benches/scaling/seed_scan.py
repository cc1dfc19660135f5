"""The seed's reader on a table the scaling bench filled: its handler's
latency (median of 5 after one warm-up), and what its one Scan reads.

    python benches/scaling/seed_scan.py TABLE EXPECTED_RECORDS

Prints one JSON object: latency_ms, capacity_units (the same Scan asked with
ReturnConsumedCapacity=TOTAL), items_returned, log_records_returned,
complete (every record of the table returned).
"""
import json
import os
import statistics
import sys
import time

table, expected = sys.argv[1], int(sys.argv[2])
os.environ["TABLE_NAME"] = table
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "python"))
import seed_reader  # noqa: E402  (reads TABLE_NAME at import, as deployed)

seed_reader.handler(None, None)
times = []
for _ in range(5):
    t = time.perf_counter()
    seed_reader.handler(None, None)
    times.append((time.perf_counter() - t) * 1e3)
scan = seed_reader.DDB.scan(TableName=table, ReturnConsumedCapacity="TOTAL")
items = scan["Items"]
records = sum(1 for i in items if i.get("pk", {}).get("S", "").startswith("LOG#"))
print(json.dumps({
    "latency_ms": statistics.median(times),
    "capacity_units": scan.get("ConsumedCapacity", {}).get("CapacityUnits", 0.0),
    "items_returned": len(items),
    "log_records_returned": records,
    "complete": records == expected,
}))
