"""Time the report importer on the seed and on synthetic long reports; print JSON.

    .venv/bin/python bench/importer.py [--repeat 20] [--sizes 10,30,99,150]
    .venv/bin/python bench/importer.py --scaling [--lines 1000,2000,4000,8000]

Each size is the number of measures (and achievement headings) in a generated report of the
seed's shape. Prints median and 95th-percentile milliseconds per parse.

``--scaling`` times hostile inputs of a growing number of lines instead (every line "（一）…",
short paragraphs in a .txt and a .docx, lines that all join into one paragraph, a "(" never
closed…) and prints, per input, milliseconds by line count and the growth from the smallest
count to the largest against the growth of the input: about equal when parsing is linear.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tracker.demo import seed_report_bytes  # noqa: E402
from tracker.importer import ReportImportError, parse_report  # noqa: E402
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


MEASURES_HEADING = (
    "某市某局2025年法治政府建设年度报告\n一、工作情况及成效\n（一）做了工作。\n"
    "二、存在不足\n一是不足。\n三、下一步工作计划\n"
)


def hostile_inputs(lines: int) -> dict[str, tuple[bytes, str]]:
    """Inputs of ``lines`` lines that were slow before the importer was bounded: name -> (data, filename)."""
    short = [f"第{n}段。" for n in range(lines)]
    # Lists of a hundred measures, "（一）" to "（一百）", one after another.
    numbered = "".join(f"（{int_to_cn(n % 100 + 1)}）推进第{n}项工作。\n" for n in range(lines))
    return {
        "paren_cn_lines": (("（一）推进工作。\n" * lines).encode(), "bench.txt"),
        "paren_cn_measures": ((MEASURES_HEADING + "（一）推进工作。\n" * lines).encode(), "bench.txt"),
        "numbered_measures": ((MEASURES_HEADING + numbered).encode(), "bench.txt"),
        "inline_measures": ((MEASURES_HEADING + "一是推进工作；二是加强监督。\n" * lines).encode(), "bench.txt"),
        "short_paragraphs_txt": ((MEASURES_HEADING + "\n".join(short)).encode(), "bench.txt"),
        "short_paragraphs_docx": (word_document([*MEASURES_HEADING.splitlines(), *short]), "bench.docx"),
        "joined_lines": ((MEASURES_HEADING + "推进依法行政工作，\n" * lines + "完成。").encode(), "bench.txt"),
        "unclosed_paren": ((MEASURES_HEADING + "（一）(" + "推进依法行政工作" * lines).encode(), "bench.txt"),
    }


def word_document(paragraphs: list[str]) -> bytes:
    import docx

    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def time_once(data: bytes, filename: str) -> tuple[float, str]:
    """Milliseconds for one parse, and what came of it (the measures found, or the refusal's code)."""
    start = time.perf_counter()
    try:
        outcome = f"{len(parse_report(data, filename).measures)} measures"
    except ReportImportError as error:
        outcome = error.code
    return (time.perf_counter() - start) * 1000, outcome


def scaling(counts: list[int], repeat: int) -> dict[str, dict[str, object]]:
    results: dict[str, dict[str, object]] = {}
    inputs = {count: hostile_inputs(count) for count in counts}
    for name in inputs[counts[0]]:
        timings: dict[str, float] = {}
        outcomes: dict[str, str] = {}
        for count in counts:
            data, filename = inputs[count][name]
            samples = []
            for _ in range(repeat):
                elapsed, outcomes[str(count)] = time_once(data, filename)
                samples.append(elapsed)
            timings[str(count)] = round(min(samples), 1)
        first, last = str(counts[0]), str(counts[-1])
        results[name] = {
            "ms": timings,
            "outcome": outcomes,
            "input_growth": round(counts[-1] / counts[0], 1),
            "time_growth": round(timings[last] / max(timings[first], 0.1), 1),
        }
    return results


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
    parser.add_argument("--repeat", type=int, default=None, help="parses per input (default 20; 3 with --scaling)")
    parser.add_argument("--sizes", default="10,30,99,150", help="comma-separated measure counts")
    parser.add_argument("--scaling", action="store_true", help="time hostile inputs of growing size instead")
    parser.add_argument("--lines", default="1000,2000,4000,8000", help="comma-separated line counts for --scaling")
    args = parser.parse_args()
    if args.scaling:
        counts = [int(n) for n in args.lines.split(",")]
        print(json.dumps(scaling(counts, args.repeat or 3), ensure_ascii=False, indent=1))
        return
    repeat = args.repeat or 20
    results = {"seed": time_parse(seed_report_bytes(), repeat)}
    for size in (int(s) for s in args.sizes.split(",")):
        results[f"synthetic_{size}"] = time_parse(synthetic_report(size), repeat)
    print(json.dumps(results, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
