"""Review pages in Debian's chromium: a Lighthouse-style check that is NOT Lighthouse.

There is no Lighthouse package offline, so this measures what can be measured honestly with
Playwright and axe-core on the same machine, for a review list page and a review detail page of
a brand with 300 published reviews (SQLite, the app served by werkzeug in a thread):

- performance: TTFB, First Contentful Paint and load from the browser's Performance API,
  bytes transferred and the number of requests; the baseline is /robots.txt (the cheapest
  response of the same server) for TTFB and the page's own HTML for weight;
- accessibility: axe-core violations of impact serious or critical (goal: 0);
- best practices: console errors (CSP violations included) and third-party requests (goal: 0);
- SEO: title, meta description, canonical, hreflang with x-default, <html lang>, valid JSON-LD
  with the schema.org type, HTTP 200, indexable (no noindex) and allowed by /robots.txt; the
  row is the share of these checks passed (goal: 100 %).

At scale (PostgreSQL, no browser): the same pages, their 304 revalidation, a phase page, the
last ?page=N and the badge, of a brand with 100k published reviews against one with 1k in the
same database, served at once and asked in turns (median of N after a warm-up). The pages read
the review tally and an index, not a count of the reviews, so the goal is ≤ 2× (the last
page's OFFSET still walks the index: shown, no goal). The database is bench_review_pages on
BENCH_POSTGRES, or BENCH_REVIEW_PAGES_URL (its Phasewise tables are dropped and made again).

Run it alone with `python -m bench.review_pages` (`--scale`: only the part at scale).
"""

import http.client
import json
import logging
import math
import os
import socket
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

from bench.chromium import CHROMIUM, CHROMIUM_ARGS
from bench.report import row

REVIEWS = 300
RUNS = 5
# Published reviews of the small and the large brand, and requests per page and brand.
SCALE, QUICK_SCALE = (1_000, 100_000), (1_000, 20_000)
SCALE_REQUESTS, QUICK_SCALE_REQUESTS, SCALE_WARMUP = 40, 15, 5

TIMING = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const fcp = performance.getEntriesByName('first-contentful-paint')[0];
  const resources = performance.getEntriesByType('resource');
  return {
    ttfb: nav.responseStart - nav.requestStart,
    fcp: fcp ? fcp.startTime : null,
    load: nav.loadEventEnd,
    html: nav.transferSize,
    bytes: nav.transferSize + resources.reduce((sum, r) => sum + r.transferSize, 0),
    requests: 1 + resources.length,
    hosts: resources.map(r => new URL(r.name).host),
  };
}"""

SEO = """() => {
  const meta = n => document.querySelector(`meta[name="${n}"]`);
  const ld = [...document.querySelectorAll('script[type="application/ld+json"]')];
  return {
    title: document.title,
    description: meta('description') ? meta('description').content : '',
    robots: meta('robots') ? meta('robots').content : '',
    canonical: (document.querySelector('link[rel=canonical]') || {}).href || '',
    hreflang: [...document.querySelectorAll('link[rel=alternate][hreflang]')].map(l => l.hreflang),
    lang: document.documentElement.lang,
    jsonld: ld.map(s => s.textContent),
  };
}"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _journey_and_survey(brand):
    """The brand's journey (aankoop, levering) and its levering survey (NPS, then why)."""
    from app.services import journeys, surveys

    journey = journeys.create_journey(
        brand,
        {
            "name": "Reis",
            "phases": [
                {"key": "aankoop", "name": {"nl": "Aankoop", "en": "Purchase"}},
                {"key": "levering", "name": {"nl": "Levering", "en": "Delivery"}},
            ],
        },
    )
    survey = surveys.create_survey(
        brand,
        {
            "journey_id": journey.id,
            "phase": "levering",
            "locale": "nl",
            "questions": [
                {"key": "nps", "type": "nps", "text": "Aanbevelen?", "required": True},
                {"key": "why", "type": "text", "text": "Waarom?"},
            ],
        },
    )
    return journey, survey


def _seed(app) -> tuple[str, int]:
    """A brand with REVIEWS published reviews, written directly (the pipeline is not measured)."""
    import random
    from datetime import timedelta

    from app.extensions import db
    from app.models import Response, Review
    from app.models.base import utcnow
    from app.services import brands

    rng = random.Random(6)
    with app.app_context():
        db.create_all()
        brand, _ = brands.create_brand("Bench Badkamers", "bench-badkamers", "nl")
        brand.review_policy = {
            "publish": "immediate",
            "phases": {},
            "item": {"type": "Service", "name": "Badkamerrenovatie"},
        }
        journey, survey = _journey_and_survey(brand)
        now = utcnow()
        for number in range(REVIEWS):
            score = rng.randint(0, 10)
            when = now - timedelta(hours=number)
            text = f"Review {number}: de montage ging {'goed' if score > 6 else 'matig'}."
            response = Response(
                brand_id=brand.id,
                journey_id=journey.id,
                phase_id=rng.choice(journey.phases).id,
                survey_id=survey.id,
                channel="widget",
                locale="nl",
                answers={"nps": score, "why": text},
                nps=score,
                comment=text,
                status="processed",
                created_at=when,
            )
            db.session.add(response)
            db.session.flush()
            db.session.add(
                Review(
                    brand_id=brand.id,
                    response_id=response.id,
                    journey_id=journey.id,
                    phase_id=response.phase_id,
                    rating=(4 * score + 5) // 10 + 1,
                    rating_source="nps",
                    source_score=score,
                    body=text,
                    body_hash=f"{number:064d}",
                    display_name=rng.choice(["Anna B.", "Kees J.", "Priya R."]),
                    locale="nl",
                    channel="widget",
                    verified=rng.random() < 0.6,
                    verified_by="journey_event",
                    incentivized=rng.random() < 0.5,
                    status="published",
                    fraud_signals=[],
                    flag_count=0,
                    answered_at=when,
                    published_at=when,
                    updated_at=when,
                )
            )
        db.session.commit()
        last = db.session.query(Review.id).order_by(Review.id.desc()).first()[0]
        return brand.slug, last


def _seo(facts: dict, status: int, path: str, robots: str) -> dict[str, bool]:
    jsonld_ok = False
    for block in facts["jsonld"]:
        try:
            data = json.loads(block)
        except ValueError:
            continue
        jsonld_ok = data.get("@context") == "https://schema.org" and bool(data.get("@type"))
    disallowed = [
        line.split(":", 1)[1].strip()
        for line in robots.splitlines()
        if line.lower().startswith("disallow:")
    ]
    return {
        "HTTP 200": status == 200,
        "title": 10 <= len(facts["title"]) <= 70,
        "meta description": 50 <= len(facts["description"]) <= 320,
        "canonical": facts["canonical"].startswith("http"),
        "hreflang + x-default": {"nl", "en", "x-default"} <= set(facts["hreflang"]),
        "html lang": facts["lang"] in ("nl", "en"),
        "JSON-LD valid": jsonld_ok,
        "indexable": "noindex" not in facts["robots"],
        "robots.txt allows": not any(path.startswith(rule.rstrip("*")) for rule in disallowed),
    }


def _timing_with_paint(page, seconds: float = 5.0) -> dict:
    """TIMING once the first paint is recorded: in headless chromium it can come after the
    load event (and the page's CSP rules out wait_for_function's string eval)."""
    deadline = time.monotonic() + seconds
    while True:
        timing = page.evaluate(TIMING)
        if timing["fcp"] is not None or time.monotonic() > deadline:
            return timing
        page.wait_for_timeout(50)


def _median(values: list[float]) -> float:
    values = sorted(values)
    return values[len(values) // 2]


# --- at scale (PostgreSQL) -------------------------------------------------------------------


def _scale_database() -> str:
    from bench import databases

    return os.environ.get("BENCH_REVIEW_PAGES_URL") or databases.ensure("bench_review_pages")


def _seed_brand(app, slug: str, published: int) -> dict:
    """A brand with `published` published reviews (and a twenty-fifth as many pending and
    removed ones besides), over two phases, inserted by SQL: the pipeline is not measured.
    Its tally is then recounted, as `flask review recount` does."""
    from sqlalchemy import text

    from app.extensions import db
    from app.services import brands, review_tally

    with app.app_context():
        brand, _ = brands.create_brand(f"Bench {slug}", slug, "nl")
        brand.review_policy = {"publish": "immediate", "item": {"type": "Service", "name": slug}}
        journey, survey = _journey_and_survey(brand)
        ids = {
            "brand": brand.id,
            "journey": journey.id,
            "survey": survey.id,
            "a": journey.phases[0].id,
            "b": journey.phases[1].id,
        }
        db.session.commit()
        others = published // 25
        # One minute apart, newest first; every 25th of the others still pending, the rest
        # removed after they were public.
        db.session.execute(
            text(
                "INSERT INTO response (brand_id, journey_id, phase_id, survey_id, channel, "
                "locale, answers, nps, comment, status, incentivized, created_at) "
                "SELECT :brand, :journey, CASE WHEN g % 3 = 0 THEN :a ELSE :b END, :survey, "
                "'widget', 'nl', '{}', g % 11, 'Review ' || g || ': netjes gemonteerd.', "
                "'processed', g % 2 = 0, now() at time zone 'utc' - g * interval '1 minute' "
                "FROM generate_series(1, :n) AS g"
            ),
            {**ids, "n": published + others},
        )
        db.session.execute(
            text(
                "INSERT INTO review (brand_id, response_id, journey_id, phase_id, rating, "
                "rating_source, source_score, body, body_hash, display_name, locale, channel, "
                "verified, verified_by, incentivized, status, fraud_signals, flag_count, "
                "answered_at, created_at, published_at, updated_at, removed_at, removal_ground) "
                "SELECT brand_id, id, journey_id, phase_id, (4 * nps + 5) / 10 + 1, 'nps', nps, "
                "comment, md5(comment), 'Anna B.', 'nl', 'widget', id % 5 < 3, "
                "CASE WHEN id % 5 < 3 THEN 'journey_event' END, incentivized, "
                "CASE WHEN n <= :published THEN 'published' "
                "WHEN n % 25 = 0 THEN 'pending' ELSE 'removed' END, '[]', 0, created_at, "
                "created_at, CASE WHEN n <= :published OR n % 25 <> 0 THEN created_at END, "
                "created_at, CASE WHEN n > :published AND n % 25 <> 0 THEN created_at END, "
                "CASE WHEN n > :published AND n % 25 <> 0 THEN 'spam' END "
                "FROM (SELECT *, row_number() OVER (ORDER BY random()) AS n FROM response "
                "WHERE brand_id = :brand) AS answered"
            ),
            {**ids, "published": published},
        )
        db.session.commit()
        review_tally.recount(brand.id)
        newest = db.session.scalar(
            text("SELECT max(id) FROM review WHERE brand_id = :brand AND status = 'published'"),
            ids,
        )
        return {"slug": slug, "published": published, "review": newest}


def _scale_latencies(origin: str, targets: list[tuple[str, dict, int]], count: int) -> list:
    """Milliseconds of `count` GETs per (path, headers, expected status) after a warm-up, one
    keep-alive connection per target, the targets asked in turns: a burst of other work on a
    shared machine then slows each alike, not whichever happened to be measured during it."""
    host, port = origin.removeprefix("http://").split(":")
    connections = [http.client.HTTPConnection(host, int(port), timeout=60) for _ in targets]
    timings: list[list[float]] = [[] for _ in targets]
    try:
        for number in range(SCALE_WARMUP + count):
            for index, (path, headers, expected) in enumerate(targets):
                started = time.perf_counter()
                connections[index].request("GET", path, headers=headers)
                answer = connections[index].getresponse()
                answer.read()
                elapsed = (time.perf_counter() - started) * 1000
                if answer.status != expected:
                    raise RuntimeError(f"GET {path} answered {answer.status}, not {expected}")
                if number >= SCALE_WARMUP:
                    timings[index].append(elapsed)
    finally:
        for connection in connections:
            connection.close()
    return [_median(values) for values in timings]


def _etag(origin: str, path: str) -> str:
    host, port = origin.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=60)
    try:
        connection.request("GET", path)
        answer = connection.getresponse()
        answer.read()
        return answer.getheader("ETag")
    finally:
        connection.close()


def run_scale(quick: bool = False) -> tuple[list[dict], list[str]]:
    """The rows comparing page latency of a large brand with a small one (PostgreSQL)."""
    from werkzeug.serving import make_server

    from app import create_app
    from app.extensions import db
    from config import normalise_database_url

    small, large = QUICK_SCALE if quick else SCALE
    count = QUICK_SCALE_REQUESTS if quick else SCALE_REQUESTS
    database = normalise_database_url(_scale_database())
    if not database.startswith("postgresql"):
        raise RuntimeError("the review pages at scale are measured on PostgreSQL")
    port = _free_port()
    origin = f"http://127.0.0.1:{port}"
    app = create_app("test", {"SQLALCHEMY_DATABASE_URI": database, "PUBLIC_URL": origin})
    with app.app_context():
        db.drop_all()
        db.create_all()
    seeded = [_seed_brand(app, "bench-klein", small), _seed_brand(app, "bench-groot", large)]
    # VACUUM as autovacuum would have by now: a freshly loaded table has no visibility map,
    # and each index-only scan of the pages would then read the rows too.
    with (
        app.app_context(),
        db.engine.execution_options(isolation_level="AUTOCOMMIT").connect() as c,
    ):
        c.exec_driver_sql("VACUUM ANALYZE")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # a line per request otherwise
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    pages = [
        ("list page 1", lambda one: f"/reviews/{one['slug']}", None),
        ("list page 1, 304 revalidation", lambda one: f"/reviews/{one['slug']}", "etag"),
        ("phase page 1", lambda one: f"/reviews/{one['slug']}/levering", None),
        ("review page", lambda one: f"/reviews/{one['slug']}/r/{one['review']}", None),
        ("badge.json", lambda one: f"/feeds/{one['slug']}/badge.json", None),
        (
            "last list page (?page=N: its OFFSET)",
            lambda one: f"/reviews/{one['slug']}?page={math.ceil(one['published'] / 20)}",
            None,
        ),
    ]
    try:
        targets = []
        for _label, path_of, validator in pages:
            for one in seeded:
                path = path_of(one)
                if validator:
                    targets.append((path, {"If-None-Match": _etag(origin, path)}, 304))
                else:
                    targets.append((path, {}, 200))
        medians = _scale_latencies(origin, targets, count)
    finally:
        server.shutdown()
        server.server_close()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    rows = []
    for number, (label, _path, _validator) in enumerate(pages):
        small_ms, large_ms = medians[2 * number], medians[2 * number + 1]
        deep = label.startswith("last")
        rows.append(
            row(
                f"at scale: {label} median, {large // 1000}k vs {small // 1000}k reviews",
                large_ms,
                small_ms,
                unit="ms",
                goal=None if deep else "≤ 2×",
                digits=1,
            )
        )
    notes = [
        f"At scale: PostgreSQL, one brand with {large:,} published reviews (and {large // 25:,} "
        f"pending or removed) and one with {small:,} in the same database, werkzeug in a "
        f"thread, median of {count} requests per page after {SCALE_WARMUP} warm-up ones."
    ]
    return rows, notes


def run(quick: bool = False) -> dict:
    from pathlib import Path as _Path

    import axe_playwright_python
    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    from app import create_app

    if not _Path(CHROMIUM).exists():
        raise RuntimeError(f"{CHROMIUM} is not installed (apt-get install chromium)")
    axe = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()
    folder = tempfile.mkdtemp(prefix="bench-reviews-")
    port = _free_port()
    origin = f"http://127.0.0.1:{port}"
    app = create_app(
        "test",
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.db", "PUBLIC_URL": origin},
    )
    slug, review_id = _seed(app)
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    runs = 2 if quick else RUNS
    rows, notes = [], []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            context = browser.new_context(viewport={"width": 412, "height": 823})
            page = context.new_page()
            errors: list[str] = []
            page.on("console", lambda m: m.type == "error" and errors.append(m.text))
            robots = page.goto(origin + "/robots.txt").text()
            baseline = []
            for _ in range(runs):
                cold = browser.new_context()
                cold_page = cold.new_page()
                cold_page.goto(origin + "/robots.txt")
                baseline.append(cold_page.evaluate(TIMING)["ttfb"])
                cold.close()
            for label, path in (
                ("list", f"/reviews/{slug}"),
                ("detail", f"/reviews/{slug}/r/{review_id}"),
            ):
                timings, status = [], 0
                for _ in range(runs):
                    # a fresh context per run: a cold cache, as a first visit
                    cold = browser.new_context(viewport={"width": 412, "height": 823})
                    cold_page = cold.new_page()
                    cold_page.on("console", lambda m: m.type == "error" and errors.append(m.text))
                    status = cold_page.goto(origin + path, wait_until="load").status
                    timings.append(_timing_with_paint(cold_page))
                    cold.close()
                page.goto(origin + path)
                page.evaluate(axe)
                result = page.evaluate("async () => await axe.run(document)")
                serious = [
                    v["id"] for v in result["violations"] if v["impact"] in ("serious", "critical")
                ]
                seo = _seo(page.evaluate(SEO), status, path, robots)
                third_party = {
                    host for t in timings for host in t["hosts"] if host != urlparse(origin).netloc
                }
                last = timings[-1]
                rows += [
                    row(
                        f"{label}: TTFB (median of {runs}; baseline /robots.txt)",
                        _median([t["ttfb"] for t in timings]),
                        _median(baseline),
                        unit="ms",
                        goal="≤ 200 ms",
                        digits=1,
                    ),
                    row(
                        f"{label}: First Contentful Paint (median)",
                        _median([t["fcp"] for t in timings if t["fcp"] is not None]),
                        unit="ms",
                        goal="≤ 1800 ms",
                        digits=1,
                    ),
                    row(
                        f"{label}: load event (median)",
                        _median([t["load"] for t in timings]),
                        unit="ms",
                        goal="≤ 2500 ms",
                        digits=1,
                    ),
                    row(
                        f"{label}: bytes transferred (baseline: its HTML alone)",
                        last["bytes"] / 1024,
                        last["html"] / 1024,
                        unit="KB",
                        goal="≤ 100 KB",
                        digits=1,
                    ),
                    row(f"{label}: requests", last["requests"], unit="", goal="≤ 3"),
                    row(f"{label}: axe serious/critical violations", len(serious), goal="= 0"),
                    row(f"{label}: third-party hosts", len(third_party), goal="= 0"),
                    row(
                        f"{label}: SEO checks passed ({sum(seo.values())}/{len(seo)})",
                        100 * sum(seo.values()) / len(seo),
                        unit="%",
                        goal="= 100",
                        digits=1,
                    ),
                ]
                failed = [name for name, ok in seo.items() if not ok]
                if failed or serious:
                    notes.append(f"{label}: SEO failed {failed}; axe {serious}")
            rows.append(row("console errors (CSP included), all pages", len(errors), goal="= 0"))
            notes += [f"console error: {text}" for text in sorted(set(errors))]
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    notes.append(
        "Not Lighthouse: Lighthouse is not available offline. These are the measurable parts "
        "of its categories, taken with Debian's chromium via Playwright and axe-core, on a "
        f"brand with {REVIEWS} published reviews, viewport 412×823, no throttling."
    )
    scale_rows, scale_notes = run_scale(quick)
    return {"name": "review_pages", "rows": rows + scale_rows, "notes": notes + scale_notes}


if __name__ == "__main__":  # pragma: no cover
    import sys

    from bench.report import table_lines

    if "--scale" in sys.argv:  # only the PostgreSQL part, no browser
        scale_rows, scale_notes = run_scale("--quick" in sys.argv)
        outcome = {"name": "review_pages", "rows": scale_rows, "notes": scale_notes}
    else:
        outcome = run("--quick" in sys.argv)
    print("\n".join(table_lines([outcome])))
    for note in outcome["notes"]:
        print("note:", note)
