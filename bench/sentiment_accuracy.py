"""Sentiment: our Analyzer against plain textblob / textblob-nl on the labelled dev sets.

Accuracy and macro-F1 per language, where the baseline is plain pattern polarity put through
the same neutral band (label_for). The rules were tuned looking only at mistakes on four rows
in five; the "held-out fifth" rows (every fifth row of a file) are the honest estimate of how
they generalise. Speed is texts/s of Analyzer.score_many against a raw
TextBlob(text, analyzer=...).sentiment loop over the same texts (ratio = ours / raw).

    python bench/sentiment_accuracy.py
"""

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
LANGUAGES = ("nl", "en")


def load(language: str) -> list[tuple[str, str]]:
    lines = (DATA / f"sentiment_{language}.tsv").read_text(encoding="utf-8").splitlines()
    return [tuple(line.split("\t", 1)) for line in lines[1:]]


def accuracy(predicted: list[str], gold: list[str]) -> float:
    return sum(p == g for p, g in zip(predicted, gold, strict=True)) / len(gold)


def macro_f1(predicted: list[str], gold: list[str], labels: tuple[str, ...]) -> float:
    scores = []
    for label in labels:
        tp = sum(p == g == label for p, g in zip(predicted, gold, strict=True))
        fp = sum(p == label != g for p, g in zip(predicted, gold, strict=True))
        fn = sum(g == label != p for p, g in zip(predicted, gold, strict=True))
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return sum(scores) / len(scores)


def texts_per_second(work, count: int, repeats: int = 5) -> float:
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - started)
    return count / best


def row(metric: str, value: float, baseline: float, unit: str, goal: str) -> dict:
    ratio = value / baseline if baseline else float("inf")
    return {
        "metric": metric,
        "value": round(value, 3),
        "baseline": round(baseline, 3),
        "ratio": round(ratio, 2),
        "unit": unit,
        "goal": goal,
    }


def run() -> dict:
    from app.pipeline.sentiment import LABELS, Analyzer, label_for

    analyzer = Analyzer()  # first, so textblob-nl is imported the careful way
    from textblob import TextBlob
    from textblob.en.sentiments import PatternAnalyzer as EnglishAnalyzer
    from textblob_nl import PatternAnalyzer as DutchAnalyzer

    plain = {"en": EnglishAnalyzer(), "nl": DutchAnalyzer()}
    rows, items = [], []
    for language in LANGUAGES:
        data = load(language)
        items += [(text, language) for _label, text in data]
        gold = [label for label, _text in data]
        ours = [analyzer.score(text, language).label for _label, text in data]
        base = [label_for(plain[language].analyze(text)[0]) for _label, text in data]
        goal = "≥ plain TextBlob"
        rows += [
            row(
                f"accuracy {language}", accuracy(ours, gold), accuracy(base, gold), "fraction", goal
            ),
            row(
                f"macro-F1 {language}",
                macro_f1(ours, gold, LABELS),
                macro_f1(base, gold, LABELS),
                "fraction",
                goal,
            ),
            row(
                f"accuracy {language}, held-out fifth",
                accuracy(ours[::5], gold[::5]),
                accuracy(base[::5], gold[::5]),
                "fraction",
                goal,
            ),
        ]

    ours_rate = texts_per_second(lambda: analyzer.score_many(items), len(items))
    raw_rate = texts_per_second(
        lambda: [TextBlob(text, analyzer=plain[language]).sentiment for text, language in items],
        len(items),
    )
    rows.append(row("speed nl+en", ours_rate, raw_rate, "texts/s", "≥ 1000 texts/s"))
    return {"name": "sentiment_accuracy", "rows": rows}


def print_table(result: dict) -> None:
    header = ("metric", "value", "baseline", "ratio", "unit", "goal")
    lines = [header] + [tuple(str(r[key]) for key in header) for r in result["rows"]]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    print(result["name"])
    for n, line in enumerate(lines):
        print("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)))
        if n == 0:
            print("  ".join("-" * width for width in widths))


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))  # run as a script from anywhere
    print_table(run())
