"""Time the report importer on the seed and on synthetic long reports; print JSON.

    .venv/bin/python bench/importer.py [--repeat 20] [--sizes 10,30,99]

Each size is the number of measures (and achievement headings) in a generated report of the
seed's shape. Prints median and 95th-percentile milliseconds per parse.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tracker.demo import seed_report_bytes  # noqa: E402
from tracker.importer import parse_report  # noqa: E402
from tracker.importer.labels import int_to_cn  # noqa: E402

PARAGRAPH = "围绕中心工作，持续推进执法规范化建设，强化执法监督，确保各项措施落实到位，" * 6


def synthetic_report(size: int) -> bytes:
    lines = ["某市某局2025年法治政府建设年度报告", "", "现将有关情况报告如下：", "", "一、工作情况及成效", ""]
    lines += [f"（{int_to_cn(n)}）第{n}项工作方面。{PARAGRAPH}" for n in range(1, size + 1)]
    lines += ["", "二、存在不足及下一步工作对策"]
    lines += ["主要表现在：一是基础薄弱；二是力量不足；三是培训不够。接下来，我局将："]
    lines += [f"（{int_to_cn(n)}）推进第{n}项措施，提升工作质量。{PARAGRAPH}" for n in range(1, size + 1)]
    lines += ["", "某市某局", "2025年12月31日"]
    return "\n".join(lines).encode()


def time_parse(data: bytes, repeat: int) -> dict[str, float | int]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        parsed = parse_report(data, "bench.txt")
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return {
        "bytes": len(data),
        "measures": len(parsed.measures),
        "median_ms": round(statistics.median(samples), 2),
        "p95_ms": round(samples[min(len(samples) - 1, int(len(samples) * 0.95))], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20, help="parses per input")
    parser.add_argument("--sizes", default="10,30,99", help="comma-separated measure counts (at most 99)")
    args = parser.parse_args()
    results = {"seed": time_parse(seed_report_bytes(), args.repeat)}
    for size in (int(s) for s in args.sizes.split(",")):
        results[f"synthetic_{size}"] = time_parse(synthetic_report(size), args.repeat)
    print(json.dumps(results, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
