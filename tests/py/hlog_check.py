#!/usr/bin/env python3
"""Reads an HdrHistogram interval log with the independent Python implementation (PyPI
`hdrhistogram`, module `hdrh`), not roamsim's reader, and prints per-tag totals as JSON:
{"tags": {"attach": {"count": N, "intervals": K, "max": us, "p99": us}, ...}, "intervals": total}.

usage: hlog_check.py FILE.hlog
exit: 0 read, 2 usage or unreadable file
"""
import json
import sys

from hdrh.histogram import HdrHistogram
from hdrh.log import HistogramLogReader


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        reader = HistogramLogReader(sys.argv[1], HdrHistogram(1, 3_600_000_000, 3))
    except OSError as e:
        print(f"hlog_check: {e}", file=sys.stderr)
        return 2
    tags = {}
    intervals = 0
    while True:
        h = reader.get_next_interval_histogram()
        if h is None:
            break
        intervals += 1
        tag = h.get_tag() or ""
        t = tags.setdefault(tag, {"count": 0, "intervals": 0, "hist": HdrHistogram(1, 3_600_000_000, 3)})
        t["count"] += h.get_total_count()
        t["intervals"] += 1
        t["hist"].add(h)
    reader.close()
    out = {
        tag: {
            "count": t["count"],
            "intervals": t["intervals"],
            "max": t["hist"].get_max_value(),
            "p99": t["hist"].get_value_at_percentile(99.0),
        }
        for tag, t in tags.items()
    }
    print(json.dumps({"tags": out, "intervals": intervals}, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
