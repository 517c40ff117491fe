"""Bulk seeding for benches: N processed responses AND the rollups the pipeline would have made.

Responses go in with COPY (psycopg 3) on PostgreSQL, or executemany on SQLite; their derived
fields (nps category, sentiment) and the rollup rows are computed here with the pipeline's own
functions (`sentiment.Analyzer.score`, `nps.category`, `rollups.answer_increments`), so the data
is what `flask worker` would have written — tests/unit/test_bench_seeding.py checks that
against the real pipeline on a sample. Texts come from the demo corpus (a few hundred distinct
answers), so each is scored once, which keeps 1,000,000 rows inside a minute or two.

    seed_responses("postgresql://postgres@127.0.0.1:5432/bench_1m", 1_000_000) -> Seeded

seed_responses() caches: a bench_* database that already holds the same seed (same n, seed,
version and schema) is reused as it is, with a fresh API key. Anything else is reset first.
Journey events (conversion) are not seeded: their cost grows with customers, not responses.
"""

import hashlib
import json
import random
import time
from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import JSON, text

from bench import databases
from bench.report import note

VERSION = 1  # bump when the generated data changes, so cached databases are rebuilt
MAX_AGE = timedelta(days=7)  # older caches are rebuilt, so "last 90 days" views stay full
CHANNELS, CHANNEL_WEIGHTS = ("widget", "email", "link", "api"), (45, 40, 10, 5)
# Later phases hear from fewer customers, as a real funnel does.
PHASE_WEIGHTS = (22, 20, 15, 13, 12, 10, 8)
EXTRA_QUESTION = {"offerte": "ces", "aankoop": "csat", "levering": "csat", "gebruik": "emotion"}
TEXT_SHARE = 0.65  # answers that come with a written comment
CUSTOMER_SHARE = 0.8  # the rest are anonymous (no persona)
BATCH = 5_000


@dataclass
class Seeded:
    database_url: str
    brand_id: int
    brand_slug: str
    journey_id: int
    api_key: str
    responses: int
    reused: bool = False
    seconds: float = 0.0

    def as_dict(self) -> dict:
        return {key: value for key, value in asdict(self).items() if key != "api_key"}


# --- the brand, journey, personas, touchpoints and surveys (through the app's services) ---------


def _question(key: str, kind: str, nl: str, en: str, **extra) -> dict:
    return {"key": key, "type": kind, "text": {"nl": nl, "en": en}, **extra}


def _survey_questions(phase_key: str) -> list[dict]:
    questions = [
        _question(
            "aanbeveling", "nps", "Zou u ons aanbevelen?", "Would you recommend us?", required=True
        )
    ]
    extra = EXTRA_QUESTION.get(phase_key)
    if extra:
        questions.append(_question("extra", extra, "En verder?", "And also?"))
    questions.append(_question("toelichting", "text", "Waarom?", "Why?", max_length=1000))
    return questions


def _setup(slug: str) -> dict:
    """Brand, journey (the demo's phases), personas, touchpoints and one survey per phase."""
    from app.demo import corpus
    from app.demo import seed as demo
    from app.services import brands, journeys, surveys

    brand, api_key = brands.create_brand(f"Bench {slug}", slug, "nl")
    phases = [
        {k: p[k] for k in ("key", "name", "position", "hypothesis") if k in p}
        for p in corpus.PHASES
    ]
    journey = journeys.create_journey(brand, {"name": "Bench journey", "phases": phases})
    personas = [
        journeys.create_persona(brand, {"key": p["key"], "name": p["name"]}) for p in demo.PERSONAS
    ]
    demo.add_touchpoints(brand, journey)
    survey_by_phase = {
        phase.key: surveys.create_survey(
            brand,
            {
                "journey_id": journey.id,
                "phase": phase.key,
                "locale": "nl",
                "questions": _survey_questions(phase.key),
            },
        )
        for phase in journey.phases
    }
    return {
        "brand": brand,
        "api_key": api_key,
        "journey": journey,
        "phases": list(journey.phases),
        "persona_ids": [p.id for p in personas],
        "persona_weights": [p["weight"] for p in demo.PERSONAS],
        "mean_score": dict(demo.MEAN_SCORE),
        "surveys": survey_by_phase,
        "touchpoints": {phase.id: [t.id for t in phase.touchpoints] for phase in journey.phases},
    }


# --- rows ---------------------------------------------------------------------------------------


def _fill_defaults(table, supplied: set[str]) -> dict:
    """Columns other features add later get their model default, as an ORM insert would."""
    extra = {}
    for column in table.columns:
        if column.name in supplied or column.primary_key or column.server_default is not None:
            continue
        default = column.default
        if default is None:
            continue
        extra[column.name] = default.arg(None) if default.is_callable else default.arg
    return extra


def _customers(setup: dict, n: int, rng: random.Random) -> list[dict]:
    brand_id = setup["brand"].id
    count = min(50_000, max(50, n // 20))
    rows = []
    for number in range(1, count + 1):
        persona = rng.choices(setup["persona_ids"], setup["persona_weights"])[0]
        rows.append(
            {
                "brand_id": brand_id,
                "external_id": f"bench-{number:06d}",
                "persona_id": persona,
                "locale": "nl" if rng.random() < 0.85 else "en",
                "value": round(rng.lognormvariate(9.2, 0.45), 2),
                "consent": {},
            }
        )
    return rows


def _answer(rng: random.Random, kind: str, score: int):
    if kind == "csat":
        return max(1, min(5, round(score / 2 + rng.uniform(-0.6, 0.6))))
    if kind == "ces":
        return max(1, min(7, round(8 - score * 0.6 + rng.uniform(-1, 1))))
    return (
        "delighted"
        if score >= 9
        else "satisfied"
        if score >= 7
        else "neutral"
        if score >= 5
        else "disappointed"
        if score >= 3
        else "frustrated"
    )


def generate(
    setup: dict,
    customers: list[tuple[int, int, str]],
    n: int,
    seed: int,
    days: int,
    text_share: float = TEXT_SHARE,
    anchor: datetime | None = None,
):
    """Yield n response dicts (the columns intake writes), deterministic for a seed and anchor:
    created_at falls in the `days` before the anchor (default: now, UTC)."""
    from itertools import accumulate
    from types import SimpleNamespace

    from app.demo import corpus
    from app.services import answers as answer_rules

    rng = random.Random(seed)
    brand_id, journey_id = setup["brand"].id, setup["journey"].id
    # Plain copies of what each row needs: ORM attribute access would dominate 1M rows.
    phases = []
    for phase in setup["phases"]:
        survey = setup["surveys"][phase.key]
        questions = [SimpleNamespace(key=q.key, type=q.type) for q in survey.questions]
        phases.append(
            SimpleNamespace(
                id=phase.id,
                key=phase.key,
                mean=setup["mean_score"].get(phase.key, 7.5),
                survey_id=survey.id,
                survey=SimpleNamespace(questions=questions),
                extra=next((q.type for q in questions if q.key == "extra"), None),
                touchpoints=setup["touchpoints"][phase.id],
            )
        )
    weights = PHASE_WEIGHTS[: len(phases)] + (8,) * max(0, len(phases) - len(PHASE_WEIGHTS))
    phase_cum, channel_cum = list(accumulate(weights)), list(accumulate(CHANNEL_WEIGHTS))
    from app.models.base import utcnow

    anchor = (anchor or utcnow()).replace(microsecond=0)  # naive UTC, as the app stores
    span = days * 86_400
    for _ in range(n):
        phase = rng.choices(phases, cum_weights=phase_cum)[0]
        customer = rng.choice(customers) if rng.random() < CUSTOMER_SHARE else None
        locale = customer[2] if customer else ("nl" if rng.random() < 0.85 else "en")
        score = max(0, min(10, round(rng.gauss(phase.mean, 1.9))))
        answers = {"aanbeveling": score}
        if phase.extra:
            answers["extra"] = _answer(rng, phase.extra, score)
        if rng.random() < text_share:
            tone = "positive" if score >= 9 else "neutral" if score >= 7 else "negative"
            answers["toelichting"] = corpus.pick_text(rng, phase.key, tone, locale).strip()
        touchpoints = phase.touchpoints
        yield {
            "brand_id": brand_id,
            "journey_id": journey_id,
            "phase_id": phase.id,
            "survey_id": phase.survey_id,
            "customer_id": customer[0] if customer else None,
            "persona_id": customer[1] if customer else None,
            "touchpoint_id": rng.choice(touchpoints)
            if touchpoints and rng.random() < 0.9
            else None,
            "channel": rng.choices(CHANNELS, cum_weights=channel_cum)[0],
            "locale": locale,
            "answers": answers,
            # As intake stores it: identified answers are offered points (the default policy).
            "incentivized": customer is not None,
            "created_at": anchor - timedelta(seconds=rng.randrange(span)),
            **answer_rules.typed_values(phase.survey, answers),
        }


class _Processed:
    """What the pipeline reads of a response to compute its rollup increments."""

    __slots__ = ("nps_category", "csat", "ces", "emotion")

    def __init__(self, row: dict):
        for name in self.__slots__:
            setattr(self, name, row[name])


def process(rows, rollup_rows: dict):
    """Add the pipeline's derived fields to each row and its increments to rollup_rows."""
    from app import timestamps
    from app.pipeline import nps, sentiment
    from app.services import rollups

    analyzer = sentiment.get_analyzer()
    scores: dict = {}
    increments: dict = {}
    for row in rows:
        row["nps_category"] = nps.category(row["nps"])
        key_text = (row["comment"], row["locale"])
        if key_text not in scores:
            scores[key_text] = analyzer.score(*key_text)
        result = scores[key_text]
        row["sentiment_polarity"] = result.polarity if result else None
        row["sentiment_label"] = result.label if result else None
        row["language"] = result.language if result else None
        row["status"] = "processed"
        row["processed_at"] = row["created_at"] + timedelta(seconds=2)
        signature = (row["nps_category"], row["csat"], row["ces"], row["emotion"], key_text)
        if signature not in increments:
            increments[signature] = tuple(
                rollups.answer_increments(_Processed(row), result).items()
            )
        key = (
            row["brand_id"],
            row["phase_id"],
            # the brand's day, as the pipeline keys it (bench brands keep the default zone)
            timestamps.local_day(row["created_at"], timestamps.DEFAULT_ZONE),
            row["channel"],
            row["persona_id"] or 0,
            row["touchpoint_id"] or 0,
            row["locale"],
        )
        counters = rollup_rows[key]
        for name, value in increments[signature]:
            counters[name] += value
        yield row


# --- writing: COPY on PostgreSQL, executemany elsewhere ------------------------------------------


class _Writer:
    def __init__(self, session, trusted: bool = False):
        self.session = session
        self.postgres = session.get_bind().dialect.name == "postgresql"
        self.trusted = trusted
        if self.postgres and trusted:
            # A bench database only: the rows are consistent by construction, so skip the six
            # per-row foreign-key checks of COPY (the constraints stay; needs a superuser).
            session.execute(text("SET LOCAL session_replication_role = replica"))

    @staticmethod
    def _drop_indexes(raw, table_name: str) -> list[str]:
        """Drop the plain (non-constraint) indexes of a table; returns how to build them again."""
        definitions = raw.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i "
            "WHERE i.schemaname = 'public' AND i.tablename = %s AND NOT EXISTS ("
            "  SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
            (table_name,),
        ).fetchall()
        for name, _definition in definitions:
            raw.execute(f'DROP INDEX "{name}"')
        return [definition for _name, definition in definitions]

    def write(self, table, rows, columns: list[str] | None = None) -> int:
        """Insert an iterable of dicts into a table; returns the row count."""
        iterator = iter(rows)
        first = next(iterator, None)
        if first is None:
            return 0
        columns = columns or list(first)
        defaults = _fill_defaults(table, set(columns))
        columns = columns + list(defaults)
        json_columns = {c.name for c in table.columns if isinstance(c.type, JSON)}
        count = 0
        if self.postgres:
            raw = self.session.connection().connection.driver_connection
            names = ", ".join(f'"{c}"' for c in columns)
            rebuild = self._drop_indexes(raw, table.name) if self.trusted else []
            with (
                raw.cursor() as cursor,
                cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy,
            ):
                for row in _chain(first, iterator):
                    values = {**defaults, **row}
                    copy.write_row(
                        [
                            json.dumps(values[c])
                            if c in json_columns and values[c] is not None
                            else values[c]
                            for c in columns
                        ]
                    )
                    count += 1
            for statement in rebuild:  # one sort per index beats a million index inserts
                raw.execute(statement)
            return count
        chunk = []
        for row in _chain(first, iterator):
            chunk.append({**defaults, **{c: row.get(c) for c in columns if c not in defaults}})
            if len(chunk) >= BATCH:
                self.session.execute(table.insert(), chunk)
                count, chunk = count + len(chunk), []
        if chunk:
            self.session.execute(table.insert(), chunk)
            count += len(chunk)
        return count


def _chain(first, rest):
    yield first
    yield from rest


# What intake writes, then what the pipeline adds.
RECEIVED_COLUMNS = [
    "brand_id",
    "journey_id",
    "phase_id",
    "survey_id",
    "customer_id",
    "persona_id",
    "touchpoint_id",
    "channel",
    "locale",
    "answers",
    "incentivized",
    "created_at",
    "nps",
    "csat",
    "ces",
    "emotion",
    "comment",
    "status",
]
PROCESSED_COLUMNS = RECEIVED_COLUMNS + [
    "processed_at",
    "nps_category",
    "sentiment_polarity",
    "sentiment_label",
    "language",
]


def _progress(rows, total: int, label: str):
    if total < 100_000:
        yield from rows
        return
    from tqdm import tqdm

    yield from tqdm(rows, total=total, desc=label, unit=" rows", mininterval=1, leave=False)


def seed_brand(
    n: int,
    *,
    seed: int = 7,
    slug: str = "bench",
    processed: bool = True,
    days: int = 90,
    text_share: float = TEXT_SHARE,
    anchor: datetime | None = None,
    trusted: bool = False,
) -> dict:
    """Seed one brand with n responses into the current app's database (inside an app context).

    processed=True writes processed rows and their rollups (the bulk path); processed=False
    writes the same rows as `received`, for the real pipeline to process (the tests compare).
    trusted=True skips foreign-key checks while copying (bench databases only).
    Returns a dict with the brand, journey, api_key and n.
    """
    from app.extensions import db
    from app.models import Customer, Response, Rollup

    setup = _setup(slug)
    rng = random.Random(seed)
    writer = _Writer(db.session, trusted)
    brand_id = setup["brand"].id
    writer.write(Customer.__table__, _customers(setup, n, rng))
    customers = [
        (row.id, row.persona_id, row.locale)
        for row in db.session.execute(
            text("SELECT id, persona_id, locale FROM customer WHERE brand_id = :b ORDER BY id"),
            {"b": brand_id},
        )
    ]
    rows = generate(setup, customers, n, seed, days, text_share, anchor)
    rollup_rows: dict = defaultdict(lambda: defaultdict(float))
    if processed:
        rows, columns = process(rows, rollup_rows), PROCESSED_COLUMNS
    else:
        rows, columns = ({**row, "status": "received"} for row in rows), RECEIVED_COLUMNS
    writer.write(Response.__table__, _progress(rows, n, "responses"), columns)
    writer.write(Rollup.__table__, _counters(Rollup, rollup_rows))
    db.session.commit()
    return {
        "brand": setup["brand"],
        "brand_id": brand_id,
        "brand_slug": slug,
        "journey_id": setup["journey"].id,
        "api_key": setup["api_key"],
        "responses": n,
    }


def _counters(model, rows: dict):
    """Each rollup row with every counter, ints where the column is an integer."""
    from app.models.rollup import ANSWER_KEY

    integer = {name: model.__table__.c[name].type.python_type is int for name in model.COUNTERS}
    for key, counters in rows.items():
        values = dict(zip(ANSWER_KEY, key, strict=True))
        for name, is_int in integer.items():
            value = counters.get(name, 0)
            values[name] = int(round(value)) if is_int else float(value)
        yield values


# --- cached bench databases ---------------------------------------------------------------------


def schema_fingerprint(metadata) -> str:
    """Changes whenever a model's table changes, so a cached database never serves old columns."""
    from sqlalchemy.dialects import postgresql
    from sqlalchemy.schema import CreateTable

    dialect = postgresql.dialect()
    ddl = "\n".join(
        str(CreateTable(table).compile(dialect=dialect)) for table in metadata.sorted_tables
    )
    return hashlib.sha256(f"{VERSION}\n{ddl}".encode()).hexdigest()[:16]


_MARKER = "bench_seed"  # not a model: it only exists in bench databases


def _cached(database_url: str, n: int, seed: int, days: int, fingerprint: str) -> dict | None:
    import psycopg

    with psycopg.connect(database_url) as connection:
        found = connection.execute(
            "SELECT to_regclass(%s) IS NOT NULL", (f"public.{_MARKER}",)
        ).fetchone()[0]
        if not found:
            return None
        row = connection.execute(
            f"SELECT info, seeded_at FROM {_MARKER} "  # noqa: S608 — a constant table name
            "WHERE n = %s AND seed = %s AND days = %s AND fingerprint = %s",
            (n, seed, days, fingerprint),
        ).fetchone()
    if row is None or datetime.now(UTC).replace(tzinfo=None) - row[1] > MAX_AGE:
        return None
    return row[0]


def seed_responses(
    database_url: str, n: int, *, seed: int = 7, days: int = 90, fresh: bool = False
) -> Seeded:
    """Make the bench_* database at database_url hold one brand with n processed responses.

    Reuses the database when it already holds exactly this seed (and the current schema);
    otherwise resets it (only bench_* databases) and seeds it again. For dashboard/stats benches.
    Concurrent calls for one database take turns (an advisory lock), so the second one reuses.
    """
    started = time.perf_counter()
    name = databases.name_of(database_url)
    with databases.exclusive(name, on_wait=lambda: note(f"{name}: waiting for another seeder…")):
        databases.ensure(name)
        info, api_key, reused = _seed_or_reuse(database_url, n, seed, days, fresh)
        if not reused:
            _analyze(database_url)
    seconds = round(time.perf_counter() - started, 1)
    if not reused:
        note(f"{name}: seeded {n:,} responses in {seconds} s")
    return Seeded(
        database_url,
        info["brand_id"],
        info["brand_slug"],
        info["journey_id"],
        api_key,
        n,
        reused=reused,
        seconds=seconds,
    )


def _seed_or_reuse(database_url: str, n: int, seed: int, days: int, fresh: bool):
    """(info, api_key, reused): the cached seed when it matches, else a fresh one."""
    from app.extensions import db

    name = databases.name_of(database_url)
    app = databases.app_for(database_url)
    with app.app_context():
        try:
            fingerprint = schema_fingerprint(db.metadata)
            info = None if fresh else _cached(database_url, n, seed, days, fingerprint)
            if info is not None:
                note(f"{name}: reusing the cached seed of {n:,} responses")
                return info, _fresh_key(info["brand_slug"]), True
            db.engine.dispose()
            databases.reset_schema(database_url)
            db.create_all()
            note(f"{name}: seeding {n:,} responses and their rollups (COPY)…")
            seeded = seed_brand(n, seed=seed, days=days, trusted=True)
            info = {k: seeded[k] for k in ("brand_id", "brand_slug", "journey_id")}
            _mark(n, seed, days, fingerprint, info)
            return info, seeded["api_key"], False
        finally:
            db.session.remove()
            db.engine.dispose()  # no pooled connection may outlive this call


def _fresh_key(slug: str) -> str:
    """A new API key for the cached brand: no secret is kept in the database in the clear."""
    from app.services import brands

    _key, api_key = brands.create_api_key(brands.by_slug(slug), "bench")
    return api_key


def _mark(n: int, seed: int, days: int, fingerprint: str, info: dict) -> None:
    from app.extensions import db

    db.session.execute(
        text(
            f"CREATE TABLE {_MARKER} (n integer, seed integer, days integer, "
            "fingerprint text, seeded_at timestamp, info jsonb)"
        )
    )
    db.session.execute(
        text(
            f"INSERT INTO {_MARKER} "  # noqa: S608 — a constant table name
            "VALUES (:n, :seed, :days, :fp, now() AT TIME ZONE 'UTC', :info)"
        ),
        {"n": n, "seed": seed, "days": days, "fp": fingerprint, "info": json.dumps(info)},
    )
    db.session.commit()


def _analyze(database_url: str) -> None:
    """Fresh planner statistics and visibility map, as a production database would have."""
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as connection:
        connection.execute("VACUUM (ANALYZE) response, rollup, customer")
