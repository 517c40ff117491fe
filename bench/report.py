"""Rows, goals and the two renderings of a bench run: the terminal table and RESULTS.md.

A bench module returns {"name", "rows": [{"metric", "value", "baseline", "ratio", "unit",
"goal"}]}. A goal is a short string, checked here so every module reads the same way:

    "≥ 50 %"   "≤ 2×"      ratio against the baseline (percent or times)
    "≤ 50 ms"  "= 0"       the value itself (any unit word, or none)
    "ratio ≥ 0.7"          an explicit subject: ratio | value
    "≥ plain TextBlob"     no number: the value against the baseline
    None / ""              informational, never fails

A row may also carry "ok": true/false, which wins over the parsed goal.
"""

import math
import re
import sys
import time

PASS, FAIL, NONE = "✓", "✗", "·"

_OPERATORS = {
    ">=": lambda a, b: a >= b,
    "≥": lambda a, b: a >= b,
    "<=": lambda a, b: a <= b,
    "≤": lambda a, b: a <= b,
    "==": lambda a, b: math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12),
    "=": lambda a, b: math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12),
    ">": lambda a, b: a > b,
    "<": lambda a, b: a < b,
}
_GOAL = re.compile(
    r"^\s*(?P<subject>ratio|value)?\s*(?P<op>>=|<=|==|≥|≤|=|>|<)\s*"
    r"(?:(?P<number>[-+]?\d+(?:[.,]\d+)?)\s*(?P<suffix>.*?)|(?P<words>\D.*?))\s*$",
    re.IGNORECASE,
)


def row(
    metric: str,
    value: float | None,
    baseline: float | None = None,
    *,
    unit: str = "",
    goal: str | None = None,
    ratio: float | None = None,
    digits: int = 3,
) -> dict:
    """One table row; ratio defaults to value / baseline."""
    if ratio is None and value is not None and baseline:
        ratio = value / baseline
    return {
        "metric": metric,
        "value": _round(value, digits),
        "baseline": _round(baseline, digits),
        "ratio": _round(ratio, 3),
        "unit": unit,
        "goal": goal,
    }


def _round(number, digits):
    if number is None or isinstance(number, int) or not math.isfinite(number):
        return number
    return round(number, digits)


def check(result_row: dict) -> bool | None:
    """True/False when the row meets/misses its goal; None when it has none or it is unreadable."""
    if isinstance(result_row.get("ok"), bool):
        return result_row["ok"]
    goal = result_row.get("goal")
    if not goal:
        return None
    match = _GOAL.match(str(goal))
    if not match:
        return None
    compare = _OPERATORS[match["op"]]
    value, baseline, ratio = (result_row.get(k) for k in ("value", "baseline", "ratio"))
    if match["number"] is None:  # "≥ plain TextBlob": the value against the baseline
        return None if value is None or baseline is None else compare(value, baseline)
    number = float(match["number"].replace(",", "."))
    suffix = (match["suffix"] or "").strip().lower()
    subject = (match["subject"] or "").lower()
    if not subject:
        subject = "ratio" if suffix in ("%", "×", "x") else "value"
    if suffix == "%" and subject == "ratio":
        number /= 100
    actual = ratio if subject == "ratio" else value
    if actual is None:
        return False
    return compare(actual, number)


def mark(result_row: dict) -> str:
    return {True: PASS, False: FAIL, None: NONE}[check(result_row)]


def fmt(number, unit: str = "") -> str:
    """Numbers for humans: thousands separators, three significant decimals at most."""
    if number is None:
        return "—"
    if isinstance(number, bool):
        return str(number)
    if isinstance(number, float) and not math.isfinite(number):
        return str(number)
    magnitude = abs(number)
    if isinstance(number, int) or (magnitude >= 100 and float(number).is_integer()):
        text = f"{int(number):,}"
    elif magnitude >= 100:
        text = f"{number:,.0f}"
    elif magnitude >= 10:
        text = f"{number:.1f}"
    elif magnitude >= 1:
        text = f"{number:.2f}"
    else:
        text = f"{number:.3f}"
    return f"{text} {unit}".strip() if unit else text


def _ratio(number) -> str:
    if number is None or isinstance(number, bool):
        return "—"
    return f"{number:.2f}" if math.isfinite(number) else str(number)


def _cells(bench: dict, result_row: dict) -> list[str]:
    unit = result_row.get("unit", "")
    return [
        bench["name"],
        str(result_row.get("metric", "")),
        fmt(result_row.get("value"), unit),
        fmt(result_row.get("baseline"), unit),
        _ratio(result_row.get("ratio")),
        str(result_row.get("goal") or "—"),
        mark(result_row),
    ]


HEADER = ["bench", "metric", "value", "baseline", "ratio", "goal", "ok"]


def table_lines(benches: list[dict]) -> list[str]:
    """The terminal table: one line per row, aligned; errors as their own line."""
    lines = [HEADER]
    for bench in benches:
        if bench.get("error"):
            lines.append([bench["name"], "ERROR: " + bench["error"], "", "", "", "", FAIL])
        for result_row in bench.get("rows", []):
            lines.append(_cells(bench, result_row))
    widths = [max(len(line[i]) for line in lines) for i in range(len(HEADER))]
    right = {2, 3, 4}  # numbers line up on the right
    out = []
    for n, line in enumerate(lines):
        out.append(
            "  ".join(
                cell.rjust(width) if i in right and n else cell.ljust(width)
                for i, (cell, width) in enumerate(zip(line, widths, strict=True))
            ).rstrip()
        )
        if n == 0:
            out.append("  ".join("-" * width for width in widths))
    return out


def summary(benches: list[dict]) -> tuple[int, int, int]:
    """(passed, failed, without goal) over all rows; a bench error counts as failed."""
    marks = [check(r) for bench in benches for r in bench.get("rows", [])]
    errors = sum(1 for bench in benches if bench.get("error"))
    return marks.count(True), marks.count(False) + errors, marks.count(None)


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def results_table(results: dict) -> list[str]:
    """The Markdown table of every row, and the count of goals met."""
    lines = [
        "| bench | metric | value | baseline | ratio | goal | ok |",
        "|---|---|--:|--:|--:|---|:-:|",
    ]
    for bench in results.get("benches", []):
        if bench.get("error"):
            lines.append(f"| {bench['name']} | error: {_md(bench['error'])} | | | | | {FAIL} |")
        for result_row in bench.get("rows", []):
            lines.append("| " + " | ".join(_md(cell) for cell in _cells(bench, result_row)) + " |")
    passed, failed, neutral = summary(results.get("benches", []))
    return lines + ["", f"{passed} goals met, {failed} missed, {neutral} rows without a goal."]


def busy_warning(machine: dict) -> str:
    """A sentence when the machine was busy at the start (1-min load above half the cores)."""
    try:
        load = float(str(machine.get("load average at start", "")).split("/")[0])
        cores = int(machine.get("cores") or 1)
    except ValueError:
        return ""
    if load <= cores / 2:
        return ""
    return (
        f" The machine was busy (load {load:.1f} on {cores} cores, other work running): "
        "latencies are inflated and ratios less steady than on an idle machine."
    )


def readme_block(results: dict) -> str:
    """What goes between the README's bench markers: one line on the machine, the table."""
    machine = results.get("machine", {})
    where = (
        f"{machine.get('cores', '?')} cores ({machine.get('cpu', '?')}), "
        f"PostgreSQL {machine.get('postgresql server', machine.get('postgresql', '?'))}, "
        f"load average {machine.get('load average at start', '?')} at the start"
    )
    return "\n".join(
        [
            f"Measured {results.get('finished_at', '?')[:10]} on {where}; details and the "
            "methodology in [bench/RESULTS.md](bench/RESULTS.md) and "
            "[docs/benchmarks.md](docs/benchmarks.md)." + busy_warning(machine),
            "",
            *results_table(results),
        ]
    )


def _kind(results: dict) -> str:
    kind = "quick run" if results.get("quick") else "full run"
    return f"{kind} of {', '.join(results['only'])}" if results.get("only") else kind


def _merged_note(results: dict) -> list[str]:
    """With --only, the other rows come from earlier runs: say when each bench was measured."""
    if not results.get("only"):
        return []
    when = ", ".join(
        f"{bench['name']} {bench.get('measured_at', '?')}" for bench in results.get("benches", [])
    )
    return [
        "",
        f"This run re-measured only {', '.join(results['only'])}; the other rows are kept from "
        f"earlier runs (the machine table describes this run). Measured: {when}.",
    ]


def markdown(results: dict) -> str:
    """RESULTS.md: the machine, the table, and how the numbers were made."""
    machine = results.get("machine", {})
    lines = [
        "# Benchmark results",
        "",
        f"Measured by `make bench` on {results.get('finished_at', '?')} "
        f"({_kind(results)}, "
        f"{fmt(results.get('seconds'))} s). Every baseline was measured in the same run on the "
        "same machine; see [docs/benchmarks.md](../docs/benchmarks.md) for the methodology."
        + busy_warning(machine),
        *_merged_note(results),
        "",
        "| machine | |",
        "|---|---|",
    ]
    for key, value in machine.items():
        lines.append(f"| {_md(key)} | {_md(str(value))} |")
    lines += ["", *results_table(results), ""]
    notes = [
        (bench["name"], note)
        for bench in results.get("benches", [])
        for note in bench.get("notes", [])
    ]
    if notes:
        lines += ["Notes:", ""] + [f"- **{name}**: {_md(note)}" for name, note in notes] + [""]
    return "\n".join(lines)


class Progress:
    """Progress lines on stderr, so the table on stdout stays clean to pipe or paste."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        self.started = time.perf_counter()

    def line(self, text: str) -> None:
        elapsed = time.perf_counter() - self.started
        print(f"[{elapsed:6.1f}s] {text}", file=self.stream, flush=True)


_progress = Progress()


def note(text: str) -> None:
    """A bench module's progress line ("seeding 1,000,000 responses…")."""
    _progress.line("    " + text)
