"""The Dutch demo brand: a bathroom specialist whose journey map tells a story.

Delivery & installation ("levering") is the phase to fix first: many detractors, and the
customers it loses are worth a lot. Seniors suffer it most, young families least.
"""

import random
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import insert, select, update

from app.demo import corpus
from app.demo import reviews as demo_reviews
from app.extensions import db
from app.models import (
    ApiKey,
    Brand,
    Contact,
    Customer,
    FollowUpHandled,
    Invitation,
    Journey,
    Response,
    User,
)
from app.models.base import utcnow
from app.services import answers as answer_rules
from app.services import (
    brands,
    customers,
    follow_up,
    invitations,
    journeys,
    processing,
    surveys,
)
from loyalty import demo as loyalty_demo

SLUG = corpus.BRAND_SLUG
NAME = corpus.BRAND_NAME
LOGIN = "demo@phasewise.local"
ORIGINS = [
    "http://127.0.0.1:5000",
    "http://localhost:5000",
    "http://127.0.0.1:8000",
    "http://localhost:8000",
]

PERSONAS = [
    {
        "key": "jonge-gezinnen",
        "name": "Jonge gezinnen",
        "description": "Praktisch, budgetbewust, snel beslist.",
        "weight": 0.45,
        "mood": 0.6,
    },
    {
        "key": "senioren",
        "name": "Senioren: comfort en veiligheid",
        "description": "Inloopdouche, beugels, rust tijdens de montage.",
        "weight": 0.3,
        "mood": -1.2,
    },
    {
        "key": "verbouwers",
        "name": "Verbouwers",
        "description": "Kopen materiaal, doen een deel zelf.",
        "weight": 0.25,
        "mood": 0.0,
    },
]

TOUCHPOINTS = {
    "behoefte": [("Instagram", "web"), ("Website", "web")],
    "orientatie": [("Showroom Utrecht", "showroom"), ("Website", "web")],
    "offerte": [("Offertegesprek", "showroom"), ("Offerte per e-mail", "email")],
    "aankoop": [("Showroom Utrecht", "showroom"), ("Webshop", "web")],
    "levering": [("Bezorging", "onsite"), ("Montageploeg", "onsite")],
    "gebruik": [("Serviceteam", "phone")],
    "evaluatie": [("Evaluatie-e-mail", "email")],
}

# Chance to go on to the next phase, and the mean NPS answer in each phase.
CONTINUE = {
    "behoefte": 0.85,
    "orientatie": 0.75,
    "offerte": 0.6,
    "aankoop": 0.95,
    "levering": 0.7,
    "gebruik": 0.85,
    "evaluatie": 1.0,
}
MEAN_SCORE = {
    "behoefte": 8.2,
    "orientatie": 8.4,
    "offerte": 7.6,
    "aankoop": 8.3,
    "levering": 5.6,
    "gebruik": 8.0,
    "evaluatie": 7.6,
}

EXTRA_QUESTION = {
    "offerte": {
        "key": "moeite",
        "type": "ces",
        "text": {
            "nl": "Hoeveel moeite kostte het om een offerte te krijgen?",
            "en": "How much effort did it take to get a quote?",
        },
    },
    "aankoop": {"key": "tevreden", "type": "csat", "text": None},
    "levering": {"key": "tevreden", "type": "csat", "text": None},
    "gebruik": {
        "key": "gevoel",
        "type": "emotion",
        "text": {
            "nl": "Welk gevoel geeft uw nieuwe badkamer u?",
            "en": "How do you feel about your new bathroom?",
        },
    },
}


def add_touchpoints(brand: Brand, journey) -> None:
    """The bathroom specialist's touchpoints on each phase of the journey (demo and benches)."""
    for phase in journey.phases:
        for name, channel in TOUCHPOINTS.get(phase.key, []):
            journeys.add_touchpoint(
                brand, journey.id, phase.key, {"name": name, "channel": channel}
            )


def _question_text(phase_key: str, kind: str) -> dict:
    return {locale: corpus.QUESTIONS[phase_key][kind][locale] for locale in ("nl", "en")}


def _survey_questions(phase_key: str) -> list[dict]:
    questions = [
        {
            "key": "aanbeveling",
            "type": "nps",
            "required": True,
            "text": _question_text(phase_key, "nps"),
        }
    ]
    extra = EXTRA_QUESTION.get(phase_key)
    if extra:
        text = extra["text"] or _question_text(phase_key, extra["type"])
        questions.append({"key": extra["key"], "type": extra["type"], "text": text})
    questions.append(
        {
            "key": "toelichting",
            "type": "text",
            "text": _question_text(phase_key, "text"),
            "max_length": 1000,
        }
    )
    return questions


def _score(rng: random.Random, phase_key: str, mood: float) -> int:
    return max(
        0,
        min(
            10,
            round(
                rng.gauss(
                    MEAN_SCORE[phase_key] + mood * (phase_key == "levering") + mood * 0.2, 1.9
                )
            ),
        ),
    )


def _tone(score: int) -> str:
    return "positive" if score >= 9 else "neutral" if score >= 7 else "negative"


def _answers(rng, phase_key, score, survey, locale) -> dict:
    answers = {"aanbeveling": score}
    for question in survey.questions:
        if question.type == "csat":
            answers[question.key] = max(1, min(5, round(score / 2 + rng.uniform(-0.6, 0.6))))
        elif question.type == "ces":
            answers[question.key] = max(1, min(7, round(8 - score * 0.6 + rng.uniform(-1, 1))))
        elif question.type == "emotion":
            answers[question.key] = (
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
    if rng.random() < 0.65:
        tone = (
            _tone(score) if rng.random() < 0.9 else rng.choice(["positive", "neutral", "negative"])
        )
        answers["toelichting"] = corpus.pick_text(rng, phase_key, tone, locale)
    return answers


def _add_invitations(brand: Brand, recent: list, survey_by_phase: dict, rng, now) -> int:
    """The emails behind the email answers, plus the ones nobody answered (about a third are
    answered, as invitations by email usually are), a few the contact budget held back and
    two to addresses that do not exist: the Invitations page and each phase's response rate
    show what a shop sees after some months."""
    rows = []

    def invitation(customer_id, survey, when, locale, **fields):
        return {
            "brand_id": brand.id,
            "customer_id": customer_id,
            "survey_id": survey.id,
            "phase_id": survey.phase_id,
            "channel": "email",
            "locale": locale,
            "status": "sent",
            "attempts": 1,
            "created_at": when,
            "sent_at": when + timedelta(seconds=rng.uniform(2, 40)),
            # as a sent one's: the end of the brand's day its link's last day is
            "expires_at": invitations.link_expiry(brand, when),
            **fields,
        }

    answered = db.session.execute(
        select(
            Response.id,
            Response.customer_id,
            Response.survey_id,
            Response.locale,
            Response.created_at,
            Response.touchpoint_id,
        )
        .where(Response.brand_id == brand.id, Response.channel == "email")
        .order_by(Response.id)  # the same draws below on every database
    ).all()
    surveys_by_id = {survey.id: survey for survey in survey_by_phase.values()}
    reminding = survey_by_phase["levering"]
    remind_after = timedelta(days=reminding.remind_after_days or 0)
    for row in answered:
        sent = row.created_at - timedelta(hours=rng.uniform(0.2, 60))
        if row.survey_id == reminding.id and remind_after and rng.random() < 0.3:
            # answered after the reminder (below), as some are
            sent = row.created_at - remind_after - timedelta(hours=rng.uniform(0.5, 72))
        rows.append(
            invitation(
                row.customer_id,
                surveys_by_id[row.survey_id],
                sent,
                row.locale,
                touchpoint_id=row.touchpoint_id,
                used_at=row.created_at,
                response_id=row.id,
            )
        )
    # One invitation per customer and phase, as the contact budget's same_phase_days allows.
    asked = {(row.customer_id, surveys_by_id[row.survey_id].phase_id) for row in answered}
    fresh = []
    for item in recent:
        if (item[0].id, item[2].id) not in asked:
            asked.add((item[0].id, item[2].id))
            fresh.append(item)
    for customer, _, phase, when in rng.sample(fresh, min(len(fresh), len(answered) * 2)):
        sent = min(when + timedelta(hours=rng.uniform(4, 48)), now - timedelta(hours=1))
        survey = survey_by_phase[phase.key]
        locale = customer.locale or "nl"
        roll = rng.random()
        if roll < 0.06:
            rule = rng.choice(["same_phase_days", "min_days_between"])
            rows.append(
                invitation(
                    customer.id,
                    survey,
                    sent,
                    locale,
                    status="skipped",
                    skip_reason=rule,
                    attempts=0,
                    sent_at=None,
                )
            )
        else:
            rows.append(invitation(customer.id, survey, sent, locale))
    for row in rows[-2:]:
        row.update(
            status="failed",
            failure="refused",
            sent_at=None,
            attempts=1,
            skip_reason=None,
            last_error="550 5.1.1 <recipient>: Recipient address rejected: User unknown",
        )
    # The delivery survey's reminders that went out to those who had not answered by then.
    # None is left to come: the demo's addresses are made up, and its history is not mailed.
    for row in rows:
        if row["survey_id"] == reminding.id and row["status"] == "sent" and remind_after:
            due = row["sent_at"] + remind_after
            if due < now and row.get("used_at", now) > due:
                row["reminded_at"] = due
    # Stored in the order they were made, as a shop's are: the Invitations page lists the
    # newest first by id, and drawn in the order above its dates ran back and forth.
    rows.sort(key=lambda row: row["created_at"])
    if rows:  # none with --responses 0; an empty insert() is one row of defaults, refused
        db.session.execute(insert(Invitation), rows)
        db.session.execute(insert(Contact), _contacts(brand, rows, surveys_by_id))
    db.session.commit()
    return len(rows)


def _contacts(brand: Brand, invitations: list[dict], surveys_by_id: dict) -> list[dict]:
    """What the contact budget counts (services.contact_budget): every invitation queued (not
    the ones it held back, nor the failed, which gave their ask back) and every time the
    widget was shown to a known customer who then answered. Without them the demo's customers
    could be invited again at once, and the phase page's "asked" stood at nearly nothing
    beside hundreds of emails sent."""
    journeys = {survey.id: survey.journey_id for survey in surveys_by_id.values()}
    rows = [
        {
            "brand_id": brand.id,
            "customer_id": row["customer_id"],
            "journey_id": journeys[row["survey_id"]],
            "phase_id": row["phase_id"],
            "channel": "email",
            "created_at": row["created_at"],
        }
        for row in invitations
        if row["status"] not in ("skipped", "failed")
    ]
    shown = db.session.execute(
        select(
            Response.customer_id, Response.journey_id, Response.phase_id, Response.created_at
        ).where(
            Response.brand_id == brand.id,
            Response.channel == "widget",
            Response.customer_id.is_not(None),
        )
    )
    rows += [
        {
            "brand_id": brand.id,
            "customer_id": customer_id,
            "journey_id": journey_id,
            "phase_id": phase_id,
            "channel": "widget",
            "created_at": created_at - timedelta(minutes=2),  # shown, then answered
        }
        for customer_id, journey_id, phase_id, created_at in shown
    ]
    return rows


def _handle_follow_ups(brand: Brand, rng: random.Random, now) -> int:
    """Most answers that needed a follow-up more than a week ago were handled by the team
    (a day or two after they came in); the recent ones are the open list."""
    flagged = db.session.execute(
        select(Response.id, Response.created_at).where(
            Response.brand_id == brand.id,
            follow_up.condition(),
            Response.created_at < now - timedelta(days=7),
        )
    ).all()
    rows = [
        FollowUpHandled(
            response_id=response_id,
            brand_id=brand.id,
            handled_at=created + timedelta(hours=rng.uniform(2, 48)),
            handled_by=LOGIN,
        )
        for response_id, created in flagged
        if rng.random() < 0.85
    ]
    db.session.add_all(rows)
    db.session.commit()
    return len(rows)


def _existing(echo) -> Brand | None:
    brand = db.session.scalar(select(Brand).where(Brand.slug == SLUG))
    if brand is not None:
        echo(f"The demo brand {NAME!r} exists; issuing a fresh demo API key and password.")
    return brand


def _fresh_credentials(brand: Brand) -> tuple[str, str]:
    """Revoke old demo keys and issue new ones, so no secret has to be kept on disk."""
    db.session.execute(
        update(ApiKey)
        .where(ApiKey.brand_id == brand.id, ApiKey.name == "demo", ApiKey.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    key, secret = brands.create_api_key(brand, "demo")
    password = secrets.token_urlsafe(9)
    user = db.session.scalar(select(User).where(User.brand_id == brand.id, User.email == LOGIN))
    if user is None:
        user = User(brand=brand, email=LOGIN, role="owner")
        db.session.add(user)
    user.set_password(password)
    db.session.commit()
    return secret, password


def run(responses: int = 3000, seed: int = 7, echo=print) -> dict:
    brand = _existing(echo)
    if brand is None:
        brand = _seed(responses, seed, echo)
    secret, password = _fresh_credentials(brand)
    journey = db.session.scalar(select(Journey).where(Journey.brand_id == brand.id))
    base = current_app.config["PUBLIC_URL"]
    lines = [
        "",
        f"Demo brand   {brand.name} ({brand.slug})",
        f"Dashboard    {base}/dashboard   login {LOGIN} / {password}",
        f"API key      {secret}",
        f"Site key     {brand.site_key}",
        f"Try          curl -H 'Authorization: Bearer {secret}' "
        f"{base}/api/v1/journeys/{journey.id}/stats",
        f"API docs     {base}/api/v1/docs",
        f"Reviews      {base}/reviews/{brand.slug}",
        f"Widget demo  {base}/demo/widget",
        "",
    ]
    for line in lines:
        echo(line)
    return {"brand": brand, "api_key": secret, "password": password, "journey_id": journey.id}


def _seed(responses: int, seed: int, echo) -> Brand:
    import click

    rng = random.Random(seed)
    brand, _ = brands.create_brand(NAME, SLUG, "nl", ORIGINS)
    brand.review_policy = {"publish": "immediate", "phases": {}}
    # A bathroom specialist says "u" to its customers; its questions and replies do too.
    brand.formal_address = True
    # Its scheduled invitations and reminders go out in the day, 8 to 21 o'clock.
    brand.send_from_hour, brand.send_until_hour = 8, 21
    loyalty_demo.configure(brand.id, rng)  # rewards a few can already afford, two with codes
    journey = journeys.create_journey(
        brand,
        {
            "name": "Van droom tot badkamer",
            "phases": [
                {
                    "key": p["key"],
                    "name": p["name"],
                    "position": p["position"],
                    "hypothesis": p.get("hypothesis", {}),
                }
                for p in corpus.PHASES
            ],
        },
    )
    personas = [
        journeys.create_persona(brand, {k: p[k] for k in ("key", "name", "description")})
        for p in PERSONAS
    ]
    add_touchpoints(brand, journey)
    survey_by_phase = {
        phase.key: surveys.create_survey(
            brand,
            {
                "journey_id": journey.id,
                "phase": phase.key,
                "locale": "nl",
                "name": f"{phase.display_name('nl')} in één klik",
                "questions": _survey_questions(phase.key),
            },
        )
        for phase in journey.phases
    }

    now = utcnow().replace(microsecond=0)
    n_customers = max(200, responses // 2)
    reached: list[tuple] = []  # (customer, persona, phase, when)
    events = []
    drawn = []
    for number in range(1, n_customers + 1):
        persona_index = rng.choices(range(len(PERSONAS)), [p["weight"] for p in PERSONAS])[0]
        locale = "nl" if rng.random() < 0.85 else "en"
        drawn.append(
            (
                persona_index,
                {
                    "external_id": f"klant-{number:05d}",
                    "email": f"klant{number}@example.nl",
                    "persona": personas[persona_index].key,
                    "locale": locale,
                    "value": round(rng.lognormvariate(9.2, 0.45), 2),
                },
            )
        )
    customers.upsert_many(brand, [data for _, data in drawn])
    # Plain rows, not ORM objects: each commit below would expire those, and reloading them
    # one at a time cost more than all the rest of the seed.
    rows_by_id = {
        row.external_id: row
        for row in db.session.execute(
            select(Customer.id, Customer.external_id, Customer.locale, Customer.persona_id).where(
                Customer.brand_id == brand.id
            )
        )
    }
    people = [(rows_by_id[data["external_id"]], persona_index) for persona_index, data in drawn]
    with click.progressbar(people, label="customers and journeys") as bar:
        for customer, persona_index in bar:
            when = now - timedelta(days=rng.uniform(15, 130))
            for phase in journey.phases:
                if when > now:
                    break
                events.append(
                    {
                        "customer": customer.external_id,
                        "journey_id": journey.id,
                        "phase": phase.key,
                        "occurred_at": when,
                    }
                )
                reached.append((customer, persona_index, phase, when))
                going_on = CONTINUE[phase.key]
                if phase.key == "levering" and PERSONAS[persona_index]["key"] == "senioren":
                    going_on -= 0.15
                if rng.random() > going_on:
                    break
                when += timedelta(days=rng.uniform(2, 18))
    customers.record_events(brand, events)
    # Set after the history above, which is not to be mailed: an event posted to the demo now
    # schedules the delivery survey's invitation, due two days later (docs/channels.md).
    survey_by_phase["levering"].invite_after_hours = 48
    # and one reminder, three days after it was sent, to those who have not answered it
    survey_by_phase["levering"].remind_after_days = 3

    recent = [item for item in reached if item[3] >= now - timedelta(days=92)]
    picks = rng.sample(recent, min(responses, len(recent))) if recent else []
    rows = []
    channels = ["widget", "email", "link", "api"]
    consented: set[str] = set()
    for customer, persona_index, phase, when in picks:
        survey = survey_by_phase[phase.key]
        locale = customer.locale or "nl"
        score = _score(rng, phase.key, PERSONAS[persona_index]["mood"])
        answers = answer_rules.validate(survey, _answers(rng, phase.key, score, survey, locale))
        touchpoints = phase.touchpoints
        created = min(when + timedelta(hours=rng.uniform(1, 72)), now - timedelta(minutes=5))
        consent = "toelichting" in answers and rng.random() < 0.4
        # the corpus repeats texts; a repeat would (rightly) be held as duplicate text
        consent = consent and answers["toelichting"] not in consented
        if consent:
            consented.add(answers["toelichting"])
        rows.append(
            Response(
                brand_id=brand.id,
                journey_id=journey.id,
                phase_id=phase.id,
                survey_id=survey.id,
                customer_id=customer.id,
                persona_id=customer.persona_id,
                touchpoint_id=rng.choice(touchpoints).id if touchpoints else None,
                channel=rng.choices(channels, [45, 40, 10, 5])[0],
                locale=locale,
                answers=answers,
                created_at=created,
                incentivized=True,
                review_request={"consent": True, "display_name": rng.choice(corpus.NAMES[locale])}
                if consent
                else None,
                **answer_rules.typed_values(survey, answers),
            )
        )
    # Stored, and so scored and made into reviews, in the order they were given, as a shop's
    # are: the pages that list answers and reviews newest first (by id) read as dates.
    rows.sort(key=lambda row: row.created_at)
    db.session.add_all(rows)
    db.session.commit()
    ids = list(
        db.session.scalars(
            select(Response.id).where(Response.brand_id == brand.id).order_by(Response.id)
        )
    )
    with click.progressbar(length=len(ids), label="scoring answers") as bar:
        for start in range(0, len(ids), 200):
            chunk = ids[start : start + 200]
            processing.process_batch(chunk, batch_size=len(chunk))
            bar.update(len(chunk))
    redeemed = loyalty_demo.add_redemptions(brand.id, rng)
    db.session.commit()
    invited = _add_invitations(brand, recent, survey_by_phase, rng, now)
    handled = _handle_follow_ups(brand, rng, now)
    echo(f"Seeded {len(people)} customers, {len(events)} journey events, {len(ids)} responses.")
    echo(f"Invitations: {invited} emails, as the dashboard's Invitations page lists them.")
    echo(f"Follow-ups: {handled} answers marked handled; the newer ones are open.")
    demo_reviews.run(brand, echo)
    echo(f"Loyalty: {redeemed} customers redeemed a reward.")
    return brand
