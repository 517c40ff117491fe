#!/usr/bin/env bash
# Real Lighthouse scores for a review list page and a review detail page (issue 6).
#
# Goal: performance, accessibility and best practices >= 95, SEO = 100, on both pages.
# What it does:
#   1. installs the npm package `lighthouse` (pinned) into $LIGHTHOUSE_DIR if it is missing
#      (default ~/.cache/phasewise-lighthouse, outside the repo; needs the npm registry once);
#   2. migrates and seeds a throw-away SQLite database with the demo (600 responses), serves it
#      with gunicorn (2 workers) on a free loopback port;
#   3. takes one published review id from /feeds/<slug>/reviews.json;
#   4. runs Lighthouse with Debian's chromium on /reviews/<slug> and /reviews/<slug>/r/<id>,
#      mobile (Lighthouse's default: emulated Moto G Power, simulated slow 4G, 4x CPU slowdown)
#      and desktop (--preset=desktop);
#   5. prints the four scores per page and form factor, and the titles of the audits that fail
#      on any category below its goal; writes the summary to bench/out/lighthouse.json and each
#      full report to bench/out/lighthouse-<page>-<preset>.report.json;
#   6. stops the server and removes the database.
#
# Usage: bench/lighthouse.sh            (from anywhere; uses the repo's .venv)
# Env:   LIGHTHOUSE_DIR, CHROME_PATH (default /usr/bin/chromium), LH_PRESETS ("mobile desktop"),
#        LH_TIMEOUT (seconds per Lighthouse run, default 180), LH_RESPONSES (demo size, 600).
set -euo pipefail

LIGHTHOUSE_VERSION=12.8.2   # 13.x needs node >= 22.19; Debian bookworm's node is 20
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
LIGHTHOUSE_DIR="${LIGHTHOUSE_DIR:-$HOME/.cache/phasewise-lighthouse}"
LIGHTHOUSE="$LIGHTHOUSE_DIR/node_modules/.bin/lighthouse"
export CHROME_PATH="${CHROME_PATH:-/usr/bin/chromium}"
PRESETS="${LH_PRESETS:-mobile desktop}"
LH_TIMEOUT="${LH_TIMEOUT:-180}"
RESPONSES="${LH_RESPONSES:-600}"
SLUG=badkamerhuis-van-dijk
OUT="$ROOT/bench/out"
# The flags the browser tests use, from the one place that names them.
CHROME_FLAGS="$(cd "$ROOT" && "$VENV/bin/python" -c 'from bench.chromium import CHROMIUM_ARGS; print(" ".join(CHROMIUM_ARGS))')"

mkdir -p "$OUT"
WORK="$(mktemp -d /tmp/phasewise-lh.XXXXXX)"
SERVER_PID=""
cleanup() {
    if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

# 1. Lighthouse, pinned, outside the repo.
installed="$(node -p "require('$LIGHTHOUSE_DIR/node_modules/lighthouse/package.json').version" 2>/dev/null || true)"
if [[ "$installed" != "$LIGHTHOUSE_VERSION" ]]; then
    echo "installing lighthouse@$LIGHTHOUSE_VERSION into $LIGHTHOUSE_DIR"
    npm install --no-audit --no-fund --loglevel=error --prefix "$LIGHTHOUSE_DIR" "lighthouse@$LIGHTHOUSE_VERSION"
fi
[[ -x "$CHROME_PATH" ]] || { echo "no chromium at $CHROME_PATH" >&2; exit 1; }

# 2. The app on a free loopback port with a seeded demo database.
PORT="$("$VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
BASE="http://127.0.0.1:$PORT"
export APP_ENV=development
export DATABASE_URL="sqlite:///$WORK/lh.db"
export PUBLIC_URL="$BASE"
export SECRET_KEY="lighthouse-bench-only-$(date +%s)-not-a-real-secret"
unset REDIS_URL || true
cd "$ROOT"
echo "seeding the demo ($RESPONSES responses) into $DATABASE_URL"
"$VENV/bin/flask" --app wsgi db upgrade >"$WORK/seed.log" 2>&1
"$VENV/bin/flask" --app wsgi demo --responses "$RESPONSES" >>"$WORK/seed.log" 2>&1 \
    || { cat "$WORK/seed.log" >&2; exit 1; }
"$VENV/bin/gunicorn" -w 2 -b "127.0.0.1:$PORT" --log-level warning wsgi:app >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do
    curl -fsS -o /dev/null "$BASE/robots.txt" 2>/dev/null && break
    sleep 0.2
done
curl -fsS -o /dev/null "$BASE/robots.txt" || { cat "$WORK/server.log" >&2; exit 1; }

# 3. One published review.
REVIEW_ID="$(curl -fsS "$BASE/feeds/$SLUG/reviews.json" \
    | "$VENV/bin/python" -c 'import json, sys; print(json.load(sys.stdin)["items"][0]["id"])')"
LIST_URL="$BASE/reviews/$SLUG"
DETAIL_URL="$BASE/reviews/$SLUG/r/$REVIEW_ID"
for url in "$LIST_URL" "$DETAIL_URL"; do curl -fsS -o /dev/null "$url"; done  # warm both workers' caches
echo "server $BASE (gunicorn, 2 workers), review $REVIEW_ID"

# 4. Lighthouse, one run per page and form factor.
LH_VERSION_SEEN="$("$LIGHTHOUSE" --version)"
runs=()
for preset in $PRESETS; do
    for page in list detail; do
        url="$LIST_URL"; [[ "$page" == detail ]] && url="$DETAIL_URL"
        report="$WORK/$page-$preset.json"
        args=(--only-categories=performance,accessibility,best-practices,seo --output=json --quiet
              --output-path="$report" --chrome-flags="$CHROME_FLAGS")
        [[ "$preset" == desktop ]] && args+=(--preset=desktop)
        echo "lighthouse $preset $url"
        status=ok
        if ! timeout "$LH_TIMEOUT" "$LIGHTHOUSE" "$url" "${args[@]}" 2>"$WORK/$page-$preset.err"; then
            status="failed (exit $?; a hang or failure is often Lighthouse reaching the network: see $OUT/lighthouse-$page-$preset.err)"
            cp "$WORK/$page-$preset.err" "$OUT/lighthouse-$page-$preset.err"
            echo "  $status" >&2
        fi
        [[ -f "$report" ]] && cp "$report" "$OUT/lighthouse-$page-$preset.report.json"
        runs+=("$page|$preset|$url|$report|$status")
    done
done

# 5. The table and bench/out/lighthouse.json.
printf '%s\n' "${runs[@]}" >"$WORK/runs.txt"
"$VENV/bin/python" - "$OUT/lighthouse.json" "$WORK/runs.txt" "$LH_VERSION_SEEN" \
    "$("$CHROME_PATH" --version 2>/dev/null | head -1)" "$(nproc)" <<'PY'
import json, sys, datetime
from pathlib import Path

out, runs, lh_version, chrome_version, cores = sys.argv[1:6]
GOALS = {"performance": 95, "accessibility": 95, "best-practices": 95, "seo": 100}
results = []
for line in Path(runs).read_text().splitlines():
    page, preset, url, report, status = line.split("|", 4)
    entry = {"page": page, "preset": preset, "url": url, "status": status, "scores": {}, "failing": {}}
    path = Path(report)
    if status == "ok" and path.exists():
        lhr = json.loads(path.read_text())
        if lhr.get("runtimeError"):
            entry["status"] = f"runtime error: {lhr['runtimeError'].get('code')}"
        entry["warnings"] = lhr.get("runWarnings", [])
        for cat, goal in GOALS.items():
            c = lhr["categories"].get(cat)
            score = None if c is None or c["score"] is None else round(c["score"] * 100)
            entry["scores"][cat] = score
            if score is not None and score < goal:
                fails = []
                for ref in c["auditRefs"]:
                    a = lhr["audits"][ref["id"]]
                    if a["score"] is not None and a["score"] < 0.9 and a["scoreDisplayMode"] in ("binary", "numeric", "metricSavings"):
                        fails.append({"id": a["id"], "title": a["title"], "score": a["score"],
                                      "weight": ref.get("weight", 0), "display": a.get("displayValue")})
                entry["failing"][cat] = sorted(fails, key=lambda f: -f["weight"])
        entry["metrics"] = {k: lhr["audits"][k].get("displayValue") for k in
                            ("first-contentful-paint", "largest-contentful-paint", "total-blocking-time",
                             "cumulative-layout-shift", "speed-index") if k in lhr["audits"]}
    results.append(entry)

doc = {"generated_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
       "lighthouse": lh_version, "chrome": chrome_version, "cores": int(cores), "goals": GOALS,
       "runs": results}
Path(out).write_text(json.dumps(doc, indent=2))

cats = list(GOALS)
print(f"\nLighthouse {lh_version}, {chrome_version}, {cores} cores  (goal: >= 95, SEO 100)")
print(f"{'page':<8}{'preset':<9}" + "".join(f"{c:>16}" for c in cats))
ok_all = bool(results)
for r in results:
    cells = []
    for c in cats:
        s = r["scores"].get(c)
        miss = s is None or s < GOALS[c]
        ok_all &= not miss
        cells.append(f"{'-' if s is None else s}{' !' if miss else '  '}")
    print(f"{r['page']:<8}{r['preset']:<9}" + "".join(f"{x:>16}" for x in cells)
          + ("" if r["status"] == "ok" else f"   {r['status']}"))
for r in results:
    for cat, fails in r["failing"].items():
        print(f"\n{r['page']} {r['preset']} {cat} {r['scores'][cat]} < {GOALS[cat]}:")
        for f in fails:
            print(f"  - {f['title']}" + (f" ({f['display']})" if f["display"] else ""))
    for w in r.get("warnings", []):
        print(f"\n{r['page']} {r['preset']} warning: {w}")
print(f"\nall goals met: {'yes' if ok_all else 'no'}; details in {out}")
PY
