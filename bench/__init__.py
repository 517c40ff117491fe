"""`make bench`: side-by-side benchmarks. Run them with `python -m bench.run` (see bench/run.py)."""
