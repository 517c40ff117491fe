"""bench/run.py and bench/report.py: goals are read one way for every bench, results land on disk.

The real benches need gunicorn, wrk, PostgreSQL and minutes; these tests run the runner on
tiny fake benches, plus one real smoke run of the fastest bench (sentiment_accuracy --quick).
"""

import json
import subprocess
import sys
import types
from pathlib import Path

import pytest

from bench import report
from bench import run as runner

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("goal", "values", "expected"),
    [
        ("≥ 50 %", {"value": 600, "baseline": 1000, "ratio": 0.6}, True),
        ("≥ 50 %", {"value": 400, "baseline": 1000, "ratio": 0.4}, False),
        (">= 70%", {"value": 7, "baseline": 10, "ratio": 0.7}, True),
        ("≤ 2×", {"value": 30, "baseline": 20, "ratio": 1.5}, True),
        ("≤ 2x", {"value": 50, "baseline": 20, "ratio": 2.5}, False),
        ("≤ 50 ms", {"value": 49.9, "baseline": 3, "ratio": 16.6}, True),
        ("≤ 50 ms", {"value": 50.1, "baseline": 3, "ratio": 16.7}, False),
        ("= 0", {"value": 0, "baseline": 0, "ratio": None}, True),
        ("= 0", {"value": 2, "baseline": 0, "ratio": None}, False),
        ("= 100 %", {"value": 10, "baseline": 10, "ratio": 1.0}, True),
        ("= 100 %", {"value": 9, "baseline": 10, "ratio": 0.9}, False),
        ("ratio ≥ 0.7", {"value": 1, "baseline": 2, "ratio": 0.5}, False),
        ("value < 3", {"value": 2, "baseline": 9, "ratio": 0.2}, True),
        ("≥ 1000 texts/s", {"value": 4107, "baseline": 6157, "ratio": 0.67}, True),
        ("≥ plain TextBlob", {"value": 0.91, "baseline": 0.70, "ratio": 1.3}, True),
        ("≥ plain TextBlob", {"value": 0.60, "baseline": 0.70, "ratio": 0.86}, False),
        ("≥ 50 %", {"value": None, "baseline": 10, "ratio": None}, False),
        (None, {"value": 1, "baseline": 2, "ratio": 0.5}, None),
        ("fast enough", {"value": 1, "baseline": 2, "ratio": 0.5}, None),
    ],
)
def test_goals_are_read_the_same_way_for_every_bench(goal, values, expected):
    assert report.check({"metric": "m", "unit": "", "goal": goal, **values}) is expected


def test_an_explicit_ok_wins_over_the_goal():
    assert report.check({"goal": "≥ 50 %", "ratio": 0.1, "ok": True}) is True


def test_row_computes_the_ratio():
    made = report.row("rps", 300.0, 1200.0, unit="req/s", goal="≥ 50 %")
    assert made == {
        "metric": "rps",
        "value": 300.0,
        "baseline": 1200.0,
        "ratio": 0.25,
        "unit": "req/s",
        "goal": "≥ 50 %",
    }
    assert report.row("errors", 0, 0)["ratio"] is None


def _fake(name: str, func) -> str:
    module = types.ModuleType(f"bench.{name}")
    module.run = func
    sys.modules[f"bench.{name}"] = module
    return name


@pytest.fixture
def fake_benches(monkeypatch):
    calls = []

    def good(quick=False):
        calls.append(("good", quick))
        return {
            "name": "good",
            "rows": [
                report.row("speed", 900.0, 1000.0, unit="req/s", goal="≥ 50 %"),
                report.row("latency | p99", 80.0, 5.0, unit="ms", goal="≤ 50 ms"),
            ],
            "notes": ["measured <quickly>"],
        }

    def broken():
        calls.append(("broken", None))
        raise RuntimeError("the server did not start")

    names = [_fake("fake_good", good), _fake("fake_broken", broken), "fake_missing"]
    monkeypatch.setattr(runner, "BENCHES", names)
    yield calls
    for name in names:
        sys.modules.pop(f"bench.{name}", None)


def test_runner_writes_json_and_markdown_and_reports_errors(fake_benches, tmp_path, capsys):
    status = runner.main(["--quick", "--output", str(tmp_path)])

    assert status == 1  # a bench errored
    assert fake_benches == [("good", True), ("broken", None)]
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["quick"] is True
    assert results["machine"]["cores"] >= 1
    by_name = {bench["name"]: bench for bench in results["benches"]}
    assert [r["metric"] for r in by_name["good"]["rows"]] == ["speed", "latency | p99"]
    assert "the server did not start" in by_name["fake_broken"]["error"]
    assert "does not exist" in by_name["fake_missing"]["error"]

    table = capsys.readouterr().out
    assert "good" in table and "✓" in table and "✗" in table
    assert "1 goals met, 3 missed" in table  # the missed p99 and two bench errors

    markdown = (tmp_path / "RESULTS.md").read_text()
    assert "| good | speed | 900 req/s | 1,000 req/s | 0.90 | ≥ 50 % | ✓ |" in markdown
    assert "latency \\| p99" in markdown  # a pipe in a metric cannot break the table
    assert "measured <quickly>" in markdown
    assert "quick run" in markdown


def test_only_runs_the_named_bench_and_keeps_the_others_figures(fake_benches, tmp_path):
    runner.main(["--output", str(tmp_path)])
    fake_benches.clear()

    status = runner.main(["--only", "fake_good", "--output", str(tmp_path)])

    assert status == 0
    assert fake_benches == [("good", False)]
    results = json.loads((tmp_path / "results.json").read_text())
    assert [bench["name"] for bench in results["benches"]] == [
        "good",
        "fake_broken",
        "fake_missing",
    ]


def test_only_on_a_fresh_clone_leaves_the_full_table_alone(fake_benches, tmp_path, capsys):
    """results.json is not committed: with no full run's figures to keep, a partial run would
    write a RESULTS.md of its own rows over the committed full table."""
    (tmp_path / "RESULTS.md").write_text("the full table\n")
    assert runner.main(["--only", "fake_good", "--output", str(tmp_path)]) == 0
    assert (tmp_path / "RESULTS.md").read_text() == "the full table\n"
    out = capsys.readouterr().out
    assert "good" in out  # the figures are printed all the same
    assert "RESULTS.md and README" in out and "were left as they are" in out


def test_strict_fails_on_a_missed_goal(fake_benches, tmp_path):
    assert runner.main(["--only", "fake_good", "--output", str(tmp_path)]) == 0
    assert runner.main(["--only", "fake_good", "--strict", "--output", str(tmp_path)]) == 1


def test_unknown_bench_is_refused(fake_benches, tmp_path, capsys):
    assert runner.main(["--only", "nope", "--output", str(tmp_path)]) == 2
    assert "unknown bench nope" in capsys.readouterr().err
    assert not (tmp_path / "results.json").exists()


def test_sentiment_accuracy_quick_smoke_run(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "bench.run", "--only", "sentiment_accuracy", "--quick"]
        + ["--output", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "sentiment_accuracy" in done.stdout
    results = json.loads((tmp_path / "results.json").read_text())
    (bench,) = results["benches"]
    assert bench["name"] == "sentiment_accuracy" and not bench.get("error")
    assert any(r["metric"].startswith("accuracy nl") for r in bench["rows"])
    assert (tmp_path / "RESULTS.md").read_text().startswith("# Benchmark results")


def test_update_readme_replaces_only_the_marked_block(fake_benches, tmp_path, monkeypatch):
    readme = tmp_path / "README.md"
    readme.write_text(
        "# Title\n\nbefore\n<!-- bench:start -->\nold table\n<!-- bench:end -->\nafter\n"
    )
    monkeypatch.setattr(runner, "ROOT", tmp_path)

    runner.main(["--only", "fake_good", "--output", str(tmp_path), "--update-readme"])

    text = readme.read_text()
    assert text.startswith("# Title\n\nbefore\n<!-- bench:start -->\nMeasured ")
    assert text.endswith("<!-- bench:end -->\nafter\n")
    assert "old table" not in text
    assert "| good | speed | 900 req/s | 1,000 req/s | 0.90 | ≥ 50 % | ✓ |" in text


def test_update_readme_refuses_a_readme_without_markers(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("# Title\n")
    with pytest.raises(SystemExit, match="bench:start"):
        runner.update_readme(readme, "table")
    assert readme.read_text() == "# Title\n"


def test_a_busy_machine_is_said_so():
    assert report.busy_warning({"cores": 2, "load average at start": "0.40 / 0.3 / 0.2"}) == ""
    warning = report.busy_warning({"cores": 2, "load average at start": "6.47 / 7.31 / 7.17"})
    assert "busy (load 6.5 on 2 cores" in warning
    assert report.busy_warning({"cores": 2}) == ""
