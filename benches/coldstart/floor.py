"""What DynamoDB Local itself takes: raw round trips, no SDK.

The warm latencies of the writer and reader include their DynamoDB Local
calls. This times the same calls on their own, from Python's ``http.client``
over one kept-alive connection each (no SDK, no request signing: DynamoDB
Local does not check signatures), so the writer's and reader's warm targets
can be read against what the backend alone costs:

* one create-only ``PutItem`` of a 1 KiB record (the writer's one call);
* one ``Query`` for the 2 newest records of one shard (the reader's first
  round asks each of its 8 shards for that, for a 10-record page);
* those 8 queries one after another on one connection, and all at once on
  8 connections (what the reader does).

Medians of ``n`` calls after ``warmup`` untimed ones (DynamoDB Local is a
JVM). The Python client's own time is included, so these are upper bounds
on the server's share, close to it.
"""

from __future__ import annotations

import http.client
import json
import statistics
import threading
import time
import urllib.parse
import uuid

_HEADERS = {
    "Content-Type": "application/x-amz-json-1.0",
    "Authorization": "AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, "
    "SignedHeaders=host, Signature=0",
}


class _Conn:
    def __init__(self, endpoint: str):
        u = urllib.parse.urlparse(endpoint)
        self.c = http.client.HTTPConnection(u.hostname, u.port, timeout=10)

    def call(self, target: str, body: dict) -> dict:
        self.c.request("POST", "/", json.dumps(body), {**_HEADERS, "X-Amz-Target": f"DynamoDB_20120810.{target}"})
        r = self.c.getresponse()
        data = r.read()
        if r.status != 200:
            raise RuntimeError(f"{target}: HTTP {r.status}: {data[:200]!r}")
        return json.loads(data)

    def close(self) -> None:
        self.c.close()


def _p50_us(f, n: int, warmup: int) -> float:
    for i in range(warmup):
        f(i)
    times = []
    for i in range(n):
        t = time.perf_counter_ns()
        f(i)
        times.append(time.perf_counter_ns() - t)
    return statistics.median(times) / 1000


def measure(endpoint: str, write_table: str, read_table: str, shards: int = 8,
            n: int = 300, warmup: int = 300) -> dict:
    """Medians in microseconds of the calls above."""
    one = _Conn(endpoint)
    many = [_Conn(endpoint) for _ in range(shards)]
    payload = "x" * 1000

    def put(_i: int) -> None:
        one.call("PutItem", {
            "TableName": write_table,
            "Item": {"pk": {"S": "FLOOR#00"}, "sk": {"S": str(uuid.uuid4())}, "payload": {"S": payload}},
            "ConditionExpression": "attribute_not_exists(pk)",
        })

    def query(c: _Conn, shard: int) -> None:
        c.call("Query", {
            "TableName": read_table,
            "KeyConditionExpression": "pk = :p",
            "ExpressionAttributeValues": {":p": {"S": f"LOG#{shard:02}"}},
            "ScanIndexForward": False,
            "Limit": 2,
        })

    def serial(_i: int) -> None:
        for s in range(shards):
            query(one, s)

    def parallel(_i: int) -> None:
        threads = [threading.Thread(target=query, args=(many[s], s)) for s in range(shards)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    try:
        return {
            "put_p50_us": _p50_us(put, n, warmup),
            "query_p50_us": _p50_us(lambda i: query(one, i % shards), n, warmup),
            "queries_serial_p50_us": _p50_us(serial, n // 2, warmup // 4),
            "queries_parallel_p50_us": _p50_us(parallel, n // 2, warmup // 4),
            "shards": shards,
            "calls": n,
        }
    finally:
        for c in [one, *many]:
            c.close()
