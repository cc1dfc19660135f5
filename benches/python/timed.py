"""Handler-only timing for the seed handlers (used by the cold-start bench).

awslambdaric is pointed at ``timed.handler``; this module imports the real
handler named by ``BENCH_HANDLER`` (``module.function``), times each call with
``perf_counter_ns`` and appends the nanoseconds to the file ``BENCH_TIMINGS``,
one per line. The write happens after the clock is read, so it is not in the
number; it is used only in the dedicated handler-only run, never in the
end-to-end (Runtime API) measurement.
"""

import importlib
import os
import time

_module, _function = os.environ["BENCH_HANDLER"].rsplit(".", 1)
_handler = getattr(importlib.import_module(_module), _function)
_out = open(os.environ["BENCH_TIMINGS"], "a", buffering=1)


def handler(event, context):
    t0 = time.perf_counter_ns()
    result = _handler(event, context)
    t1 = time.perf_counter_ns()
    _out.write(f"{t1 - t0}\n")
    return result
