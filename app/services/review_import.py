"""Reviews a brand brings with it: a file from Kiyoh, Trustpilot, Google or a spreadsheet,
imported with the day each review was written there.

Read as an invitation list is (services.invitation_lists: UTF-8 with or without a BOM, ";" or
"," as Excel saves it, columns found by their English or Dutch names). Each line is checked
on its own: the good ones are imported, the refused ones named with why, and nothing of a
refused line is stored. Every review names its source and the other site's reference
(or, without one, its own content), unique per brand: the same file twice adds nothing.

Imported reviews are honest about it: labelled "Imported from <source>" wherever shown,
never verified, never incentivized; no points, no email to the writer (no address is
imported), no webhook (no event happened here; the JSON feed carries them with their
source). They are listed on the public pages, but the average and the JSON-LD
AggregateRating count only the reviews collected here (Google's review snippet rules).
"""

import hashlib
import math
import re
from datetime import date, datetime, time

from sqlalchemy import select, tuple_

from app import locks, timestamps
from app.errors import AppError
from app.extensions import db
from app.models import Brand, Journey, Phase
from app.models.base import utcnow
from app.models.review import PENDING, Review
from app.services import invitation_lists, review_tally, review_text
from app.services import reviews as review_service

MAX_LINES = 5_000
# 5,000 reviews of a few hundred characters each; the routes' body limit (app.uploads) adds
# room for the form's other fields.
MAX_BYTES = 4_000_000
BODY_MAX = 5_000
SOURCE_MAX = 40
REF_MAX = 200
EARLIEST = date(1995, 1, 1)  # before review sites: a date read wrongly
# publish: "policy" (the brand's review policy per phase, as for its own reviews, with
# unverified reviews held when it holds those) or "immediate" (published at once).
PUBLISH_MODES = ("policy", "immediate")
ERRORS_SHOWN = 50

# The field a column fills, by its name lower-cased without spaces, dashes or underscores
# (invitation_lists.header).
# English and Dutch names, and the ones review sites' exports commonly use.
COLUMNS = {
    "date": "date",
    "datum": "date",
    "createdat": "date",
    "created": "date",
    "reviewdate": "date",
    "reviewdatum": "date",
    "publishedat": "date",
    "datepublished": "date",
    "rating": "rating",
    "stars": "rating",
    "sterren": "rating",
    "starrating": "rating",
    "reviewstars": "rating",
    "score": "score",
    "cijfer": "score",
    "waardering": "score",
    "rating10": "score",
    "title": "title",
    "titel": "title",
    "reviewtitle": "title",
    "text": "text",
    "tekst": "text",
    "review": "text",
    "body": "text",
    "content": "text",
    "reviewcontent": "text",
    "reviewtext": "text",
    "opmerking": "text",
    "toelichting": "text",
    "name": "name",
    "naam": "name",
    "author": "name",
    "auteur": "name",
    "reviewer": "name",
    "displayname": "name",
    "reviewername": "name",
    "phase": "phase",
    "fase": "phase",
    "source": "source",
    "bron": "source",
    "platform": "source",
    "reference": "ref",
    "referentie": "ref",
    "externalref": "ref",
    "externalreference": "ref",
    "externalid": "ref",
    "reviewid": "ref",
    "id": "ref",
    "language": "locale",
    "taal": "locale",
    "locale": "locale",
}
# Days as a Dutch (or any European) spreadsheet writes them: day first. "05/03/2024" is the 5th
# of March, never May 3rd.
_DAY_FIRST = re.compile(
    r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?"
)
_WHOLE = re.compile(r"(\d{1,2})(?:[.,]0+)?")


def stars_of(score: int) -> int:
    """A 1-10 score (Kiyoh's) as 1-5 stars: half, rounded up (1-2 → 1, 3-4 → 2, 5-6 → 3,
    7-8 → 4, 9-10 → 5), so a 6 is 3 stars and only a 9 or 10 is 5."""
    return math.ceil(score / 2)


# --- reading the file ------------------------------------------------------------------------


def read(raw: bytes) -> tuple[list[tuple[int, dict]], list[str]]:
    """[(line, {field: cell})] and the columns left out; a 4xx for a file that is no review
    file at all (too large, not text, empty, no header, a required column missing)."""
    text = invitation_lists.text_of(raw, field="file", max_bytes=MAX_BYTES)
    numbers, records = invitation_lists.read_records(text, field="file")
    if not records:
        raise AppError(422, "the file is empty", fields={"file": ["the file has no lines"]})
    columns, ignored = invitation_lists.header(records[0], COLUMNS)
    columns = columns or []  # no known name at all: every required column is missing
    if "date" not in columns:
        raise AppError(
            422,
            "the file has no date column",
            fields={"file": ["name a column date (or datum) on the first line"]},
        )
    if "rating" not in columns and "score" not in columns:
        raise AppError(
            422,
            "the file has no rating column",
            fields={"file": ["name a column rating (1-5 stars) or score (1-10, as Kiyoh's)"]},
        )
    if "text" not in columns:
        raise AppError(
            422,
            "the file has no text column",
            fields={"file": ["name a column text (or tekst, review) with the review's words"]},
        )
    lines = list(zip(numbers[1:], records[1:], strict=True))
    if not lines:
        raise AppError(
            422, "the file has no reviews", fields={"file": ["add reviews under the header"]}
        )
    if len(lines) > MAX_LINES:
        raise AppError(
            422,
            f"the file has more than {MAX_LINES:,} reviews",
            fields={"file": [f"at most {MAX_LINES:,} reviews per file; split it"]},
        )
    rows = [
        (
            number,
            {
                name: value.strip()
                for name, value in zip(columns, record, strict=False)
                if name and value.strip()
            },
        )
        for number, record in lines
    ]
    return rows, ignored


# --- checking a line -------------------------------------------------------------------------


def _moment(value: str, time_zone: str) -> datetime:
    """The stored moment (naive UTC) of a written date: ISO (2024-03-05, 2024-03-05T10:00:00Z)
    or day first (05-03-2024, 5/3/2024, 05.03.2024, with a time or not). A date without a time
    is noon in the brand's zone, so the pages show that very day."""
    found = _DAY_FIRST.fullmatch(value)
    try:
        if found:
            day, month, year, hour, minute, second = found.groups()
            written = datetime(
                int(year), int(month), int(day), int(hour or 12), int(minute or 0), int(second or 0)
            )
        else:
            written = datetime.fromisoformat(value.replace("Z", "+00:00"))
            if len(value) <= 10:  # a date alone
                written = datetime.combine(written.date(), time(12))
        if written.tzinfo is None:
            written = written.replace(tzinfo=timestamps.zone(time_zone))
        moment = timestamps.naive_utc(written)  # year 1 or 9999 past UTC: a ValueError too
    except ValueError as error:
        raise ValueError(
            "not a date: write 2024-03-05, 05-03-2024 (day first) or 2024-03-05T10:00:00Z"
        ) from error
    if moment.date() < EARLIEST:
        raise ValueError(f"{value} is before {EARLIEST.year}: is the date read right?")
    if moment > utcnow():
        raise ValueError(f"{value} is in the future")
    return moment


def _whole(value: str, low: int, high: int, what: str) -> int:
    found = _WHOLE.fullmatch(value)
    number = int(found.group(1)) if found else None
    if number is None or not low <= number <= high:
        raise ValueError(f"{what} must be a whole number from {low} to {high}, not {value!r}")
    return number


def _check(cells: dict, brand: Brand, options: dict, phases: dict, default_phase) -> dict:
    """The review a line asks for, or ValueErrors per field: {field: [message]}."""
    errors: dict[str, list[str]] = {}
    found: dict = {}

    def attempt(field: str, work):
        try:
            return work()
        except ValueError as error:
            errors[field] = [str(error)]
            return None

    if "date" in cells:
        found["answered_at"] = attempt("date", lambda: _moment(cells["date"], brand.time_zone))
    else:
        errors["date"] = ["no date: every review keeps the day it was written"]
    if "rating" in cells:
        stars = attempt("rating", lambda: _whole(cells["rating"], 1, 5, "rating (stars)"))
        found["rated"] = (stars, "stars", stars) if stars else None
    elif "score" in cells:
        score = attempt("score", lambda: _whole(cells["score"], 1, 10, "score"))
        found["rated"] = (stars_of(score), "score10", score) if score else None
    else:
        errors["rating"] = ["no rating: give 1-5 stars (rating) or a 1-10 score (score)"]
    body = review_text.clean(cells.get("text"))
    if not body:
        # Google's review snippets ask for a review's words and author; a bare score says
        # nothing a reader can weigh.
        errors["text"] = ["no text: only reviews with words are imported"]
    elif len(body) > BODY_MAX:
        errors["text"] = [f"the text has {len(body):,} characters; at most {BODY_MAX:,}"]
    title = review_text.clean(cells.get("title"))
    if len(title) > review_text.TITLE_MAX:
        errors["title"] = [f"the title has more than {review_text.TITLE_MAX} characters"]
    source = review_text.clean(cells.get("source") or options.get("source"))
    if not source:
        errors["source"] = [
            "name the source (Kiyoh, Trustpilot, Google …) on the form or in a column source"
        ]
    elif len(source) > SOURCE_MAX or "\n" in source:
        errors["source"] = [f"a source is one line of at most {SOURCE_MAX} characters"]
    ref = review_text.clean(cells.get("ref"))
    if len(ref) > REF_MAX:
        errors["ref"] = [f"the reference has more than {REF_MAX} characters"]
    key = cells.get("phase")
    phase = phases.get(key) if key else default_phase
    if key and phase is None:
        errors["phase"] = [f"no phase {key!r} in your journeys"]
    elif phase is None:
        errors["phase"] = ["no phase: choose one for lines without a phase key"]
    locale = (cells.get("locale") or brand.default_locale or "nl").lower()[:2]
    if locale not in ("nl", "en"):
        errors["locale"] = [f"language must be nl or en, not {cells['locale']!r}"]
    if errors:
        raise _LineRefused(errors)
    name = review_text.display_name(cells.get("name"), locale)
    rating, scale, given = found["rated"]
    if not ref:
        # No id from the other site: the review's own content names it, so a file without
        # ids imported twice still adds nothing.
        content = "\x1f".join(
            (found["answered_at"].date().isoformat(), str(given), name, title, body)
        )
        ref = "content:" + hashlib.sha256(content.encode()).hexdigest()[:40]
    return {
        "answered_at": found["answered_at"],
        "rating": rating,
        "rating_source": scale,
        "source_score": given,
        "title": title or None,
        "body": body,
        "display_name": name,
        "source": source,
        "external_ref": ref,
        "phase": phase,
        "locale": locale,
    }


class _LineRefused(Exception):
    def __init__(self, errors: dict):
        super().__init__("line refused")
        self.errors = errors


# --- the import ------------------------------------------------------------------------------


def _phases(brand: Brand) -> tuple[dict[str, Phase], Phase | None]:
    """The brand's phases by key (the first journey's, active journeys before archived ones)
    and the default: the last phase of its first active journey, where a shop's reviews of
    the whole purchase belong (Kiyoh and Trustpilot reviews are of the shop, not a phase)."""
    rows = db.session.execute(
        select(Phase, Journey.archived_at)
        .join(Journey, Journey.id == Phase.journey_id)
        .where(Phase.brand_id == brand.id)
        .order_by(Journey.archived_at.is_not(None), Journey.id, Phase.position)
    ).all()
    by_key: dict[str, Phase] = {}
    for phase, _ in rows:
        by_key.setdefault(phase.key, phase)
    active = [phase for phase, archived in rows if archived is None]
    default = None
    if active:
        first_journey = active[0].journey_id
        default = [phase for phase in active if phase.journey_id == first_journey][-1]
    return by_key, default


def options_checked(options: dict) -> dict:
    """The import's own settings, a 422 each when wrong: source, phase, publish, dry_run."""
    errors = {}
    source = review_text.clean(options.get("source"))
    if len(source) > SOURCE_MAX or "\n" in source:
        errors["source"] = [f"one line of at most {SOURCE_MAX} characters"]
    publish = options.get("publish") or "policy"
    if publish not in PUBLISH_MODES:
        errors["publish"] = [f"one of {', '.join(PUBLISH_MODES)}"]
    if errors:
        raise AppError(422, "the import's settings are not valid", fields=errors)
    return {
        "source": source or None,
        "phase": options.get("phase") or None,
        "publish": publish,
        "dry_run": bool(options.get("dry_run")),
    }


def import_file(brand: Brand, raw: bytes, options: dict, actor: str, progress=None) -> dict:
    """Import the file's good lines; name the refused ones. All refused: a 422 naming them.
    `progress(done, total)` is told of each line checked (the CLI's bar).

    {"imported", "published", "pending", "already", "refused": [{"line", "errors"}],
     "ignored_columns", "dry_run", "review_ids"}."""
    options = options_checked(options)
    rows, ignored = read(raw)
    phases, default_phase = _phases(brand)
    if options["phase"] is not None:
        default_phase = phases.get(options["phase"])
        if default_phase is None:
            raise AppError(
                422,
                f"no phase {options['phase']!r} in your journeys",
                fields={"phase": ["one of your phases' keys"]},
            )
    # One import of a brand at a time: the same file sent twice at once is read by the second
    # after the first committed, and adds nothing (not a unique constraint's 500).
    if not options["dry_run"]:
        locks.lock_brand(brand.id)
    checked, refused, seen = [], [], {}
    for done, (number, cells) in enumerate(rows, 1):
        if progress is not None:
            progress(done, len(rows))
        try:
            line = _check(cells, brand, options, phases, default_phase)
        except _LineRefused as refusal:
            refused.append({"line": number, "errors": refusal.errors})
            continue
        key = (line["source"], line["external_ref"])
        if key in seen:
            message = f"the same review as line {seen[key]} (its reference or its content)"
            refused.append({"line": number, "errors": {"ref": [message]}})
            continue
        seen[key] = number
        checked.append((number, line))
    if not checked and refused:
        raise AppError(
            422,
            "no line of the file can be imported",
            fields=_named(refused),
        )
    already = _already(brand, [line for _, line in checked])
    fresh = [
        (n, line) for n, line in checked if (line["source"], line["external_ref"]) not in already
    ]
    result = {
        "dry_run": options["dry_run"],
        "lines": len(rows),
        "imported": len(fresh),
        "published": 0,
        "pending": 0,
        "already": len(checked) - len(fresh),
        "refused": refused,
        "ignored_columns": ignored,
        "review_ids": [],
        "sources": sorted({line["source"] for _, line in fresh}),
    }
    made = []
    now = utcnow()
    for _, line in fresh:
        review = _review(brand, line, now)
        # The rule the pipeline's reviews follow (never a fraud signal: nothing was answered)
        reasons = []
        if options["publish"] == "policy":
            reasons = review_service.hold_reasons(brand, review, line["phase"].key)
        result["pending" if reasons else "published"] += 1
        if options["dry_run"]:
            continue
        review.hold_reasons = reasons
        db.session.add(review)
        db.session.flush()  # its id for the log
        note = f"imported from {line['source']}"
        if reasons:
            review_service._log(review, "hold", actor, None, PENDING, note=note)
        else:
            review_service._publish(brand, review, actor, note=note)
        made.append(review)
    if options["dry_run"]:
        db.session.rollback()
        return result
    review_tally.added(made)
    db.session.commit()
    result["review_ids"] = [review.id for review in made]
    return result


def _review(brand: Brand, line: dict, now: datetime) -> Review:
    phase = line["phase"]
    return Review(
        brand_id=brand.id,
        response_id=None,
        journey_id=phase.journey_id,
        phase_id=phase.id,
        customer_id=None,
        rating=line["rating"],
        rating_source=line["rating_source"],
        source_score=line["source_score"],
        title=line["title"],
        body=line["body"],
        body_hash=review_text.body_key(line["body"]),
        display_name=line["display_name"],
        locale=line["locale"],
        channel="import",
        verified=False,
        verified_by=None,
        incentivized=False,
        status=PENDING,
        fraud_signals=[],
        flag_count=0,
        answered_at=line["answered_at"],
        created_at=now,
        updated_at=now,
        source=line["source"],
        external_ref=line["external_ref"],
        imported_at=now,
    )


def _already(brand: Brand, lines: list[dict]) -> set[tuple[str, str]]:
    keys = [(line["source"], line["external_ref"]) for line in lines]
    found: set[tuple[str, str]] = set()
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        found |= {
            tuple(row)
            for row in db.session.execute(
                select(Review.source, Review.external_ref).where(
                    Review.brand_id == brand.id,
                    tuple_(Review.source, Review.external_ref).in_(chunk),
                )
            )
        }
    return found


def _named(refused: list[dict]) -> dict[str, list[str]]:
    """The refused lines as the API's error fields ("lines.<n>.<field>"), the first
    ERRORS_SHOWN of them, and how many more."""
    fields = {
        f"lines.{item['line']}.{field}": messages
        for item in refused[:ERRORS_SHOWN]
        for field, messages in item["errors"].items()
    }
    if len(refused) > ERRORS_SHOWN:
        more = len(refused) - ERRORS_SHOWN
        fields["file"] = [f"{more} more lines are refused too; the first are shown"]
    return fields
