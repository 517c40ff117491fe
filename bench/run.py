"""`make bench`: run every module in BENCHES, print one table, write results.json and RESULTS.md.

    python -m bench.run                 # everything (a few minutes on 2 cores)
    python -m bench.run --quick         # smaller loads; writes to bench/out/ unless --output
    python -m bench.run --only intake --only stats
    python -m bench.run --list

Each module exposes run() -> {"name", "rows": [{"metric", "value", "baseline", "ratio",
"unit", "goal"}], "notes"?: [str]}; run(quick=True) is passed when the function accepts it
(and BENCH_QUICK=1 is set for those that don't). A module that raises is reported as an error
row and the others still run. Goals are read by bench/report.py. The exit status is 1 when a
bench errors, or when a goal is missed and --strict is given.
"""

import argparse
import importlib
import inspect
import json
import os
import platform
import subprocess
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path

from bench import report

ROOT = Path(__file__).resolve().parents[1]
HERE = ROOT / "bench"

# Plain module names under bench/, run in this order; other features add theirs here.
BENCHES = [
    "sentiment_accuracy",
    "intake",
    "pipeline",
    "stats",
    "dashboard",
    "widget_size",
    "review_pages",
    "loyalty",
    "loyalty_overview",
    "webhooks",
    "imports",
    "invitations",
]


def machine() -> dict:
    """What the numbers were measured on: they mean little without it."""
    info = {
        "cores": os.cpu_count(),
        "cpu": _cpu_model(),
        "memory": _memory(),
        "os": platform.platform(terse=True),
        "python": platform.python_version(),
        "load average (1/5/15 min)": _load(),  # at the end of the run
    }
    for name, command in (
        ("redis", ["redis-server", "--version"]),
        ("wrk", ["wrk", "--version"]),
    ):
        info[name] = _first_line(command)
    from bench import databases

    info["postgresql server"] = databases.server_version()
    return info


def _load() -> str:
    """Other work on the machine skews every figure; say how busy it was."""
    try:
        return " / ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "?"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return "?"


def _first_line(command: list[str]) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=5, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return "not installed"
    text = (done.stdout or done.stderr).strip().splitlines()
    # "Redis server v=7.0.15 sha=… malloc=…", "wrk 4.1.0 [epoll] Copyright …": keep the version
    words = text[0].split() if text else ["?"]
    return " ".join(w for w in words[:4] if not w.startswith(("sha=", "Copyright")))


def run_one(name: str, quick: bool) -> dict:
    """Import and run one bench; any failure becomes an error entry, never a crash."""
    started = time.perf_counter()
    entry: dict = {"name": name, "module": name, "rows": []}
    try:
        module = importlib.import_module(f"bench.{name}")
        func = module.run
        accepts_quick = "quick" in inspect.signature(func).parameters
        result = func(quick=quick) if accepts_quick else func()
        entry["rows"] = list(result.get("rows", []))
        if result.get("notes"):
            entry["notes"] = list(result["notes"])
        entry["name"] = result.get("name", name)
    except ModuleNotFoundError as error:
        if error.name != f"bench.{name}":
            raise
        entry["error"] = f"bench/{name}.py does not exist (yet)"
    except Exception as error:  # noqa: BLE001 — one broken bench must not hide the others
        entry["error"] = f"{type(error).__name__}: {error}".splitlines()[0][:300]
        entry["traceback"] = traceback.format_exc()
    entry["seconds"] = round(time.perf_counter() - started, 1)
    entry["quick"] = quick
    entry["measured_at"] = _now()
    return entry


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def _merge(previous: dict, fresh: list[dict], order: list[str]) -> list[dict]:
    """With --only, keep the other benches' last figures so the table stays whole."""
    by_module = {bench.get("module", bench["name"]): bench for bench in previous.get("benches", [])}
    by_module.update({bench["module"]: bench for bench in fresh})
    known = [by_module.pop(name) for name in order if name in by_module]
    return known + list(by_module.values())


README_START, README_END = "<!-- bench:start -->", "<!-- bench:end -->"


def update_readme(path: Path, block: str) -> None:
    """Replace only what lies between the two markers; refuse when they are missing."""
    text = path.read_text()
    start, end = text.find(README_START), text.find(README_END)
    if start < 0 or end < start:
        raise SystemExit(f"{path} has no {README_START} … {README_END} block to fill")
    path.write_text(text[: start + len(README_START)] + "\n" + block + "\n" + text[end:])


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller loads, for a smoke run")
    parser.add_argument(
        "--only", action="append", metavar="NAME", help="run only this bench (repeatable)"
    )
    parser.add_argument("--list", action="store_true", help="list the benches and exit")
    parser.add_argument(
        "--output", type=Path, help="where results.json and RESULTS.md go (default: bench/)"
    )
    parser.add_argument("--strict", action="store_true", help="exit 1 when a goal is missed")
    parser.add_argument(
        "--update-readme",
        action="store_true",
        help="copy the table between the README's <!-- bench:start/end --> markers",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.list:
        print("\n".join(BENCHES))
        return 0
    names = args.only or BENCHES
    unknown = [name for name in names if name not in BENCHES]
    if unknown:
        print(f"unknown bench {', '.join(unknown)}; known: {', '.join(BENCHES)}", file=sys.stderr)
        return 2
    # A quick run must not overwrite the published figures.
    output = args.output or (HERE / "out" if args.quick else HERE)
    output.mkdir(parents=True, exist_ok=True)
    if args.quick:
        os.environ["BENCH_QUICK"] = "1"

    progress = report.Progress()
    started = time.perf_counter()
    load_at_start = _load()
    fresh = []
    for number, name in enumerate(names, start=1):
        progress.line(f"[{number}/{len(names)}] {name}{' (quick)' if args.quick else ''} …")
        entry = run_one(name, args.quick)
        fresh.append(entry)
        passed, failed, _ = report.summary([entry])
        status = f"error: {entry['error']}" if entry.get("error") else f"{passed} ✓ {failed} ✗"
        progress.line(f"[{number}/{len(names)}] {name} done in {entry['seconds']} s — {status}")
        if entry.get("traceback"):
            print(entry["traceback"], file=sys.stderr)

    json_path = output / "results.json"
    previous = {}
    if args.only and json_path.exists():
        try:
            previous = json.loads(json_path.read_text())
        except ValueError:
            previous = {}
    results = {
        "finished_at": _now(),
        "seconds": round(time.perf_counter() - started, 1),
        "quick": args.quick,
        "only": args.only or None,
        "machine": {**machine(), "load average at start": load_at_start},
        "benches": _merge(previous, fresh, BENCHES) if args.only else fresh,
    }
    # results.json is not committed: on a fresh clone a partial run has no other rows to keep,
    # and would write a RESULTS.md (and README block) of its rows alone over the full table.
    partial = bool(args.only) and not previous and (output / "RESULTS.md").exists()
    json_path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    if not partial:
        (output / "RESULTS.md").write_text(report.markdown(results))
        if args.update_readme:
            update_readme(ROOT / "README.md", report.readme_block(results))

    print()
    print("\n".join(report.table_lines(fresh)))
    passed, failed, neutral = report.summary(fresh)
    print(
        f"\n{passed} goals met, {failed} missed, {neutral} without a goal — {results['seconds']} s"
    )
    if partial:
        print(f"wrote {json_path}; no full run's figures to merge with, so RESULTS.md and README")
        print("were left as they are: copy the rows above into them by hand")
    else:
        print(f"wrote {json_path} and {output / 'RESULTS.md'}")
    if any(entry.get("error") for entry in fresh):
        return 1
    return 1 if args.strict and failed else 0


if __name__ == "__main__":
    sys.exit(main())
