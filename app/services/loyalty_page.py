"""What a customer's loyalty page shows (/loyalty/<token>): balance, rewards, the ledger and
how points are earned, in Dutch or English."""

from sqlalchemy import func, select

import loyalty
from app.errors import AppError
from app.extensions import db
from app.form_of_address import voice, with_formal
from app.models import Brand, Customer, Phase
from app.timestamps import local_day

LOCALES = ("nl", "en")
LEDGER_LIMIT = 100

MONTHS = {
    # Dutch abbreviations take a full stop ("7 dec. 2026"); "mei" is whole already
    "nl": (
        "jan.",
        "feb.",
        "mrt.",
        "apr.",
        "mei",
        "jun.",
        "jul.",
        "aug.",
        "sep.",
        "okt.",
        "nov.",
        "dec.",
    ),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}

_TEXTS = {
    "nl": {
        "title": "Je spaarpunten bij {brand}",
        "balance": "Je saldo",
        "points": "punten",
        "points_one": "punt",
        "rewards": "Beloningen",
        "available": "Nu beschikbaar",
        "missing": "Nog {n} punten nodig",
        "missing_one": "Nog 1 punt nodig",
        "progress": "{have} van {need} punten",
        "how_to_redeem": "Wil je een beloning? Noem de beloning bij je volgende bestelling of "
        "vraag ernaar bij de klantenservice van {brand}.",
        "ledger": "Overzicht",
        "ledger_table": "Tabel: overzicht van je punten",
        "date": "Datum",
        # A soft hyphen (\u00ad): the longest header word may break on a 320 px phone, where
        # it alone pushed the balance column out of sight; screen readers ignore it.
        "what": "Omschrij\u00adving",
        "change": "Punten",
        "after": "Saldo",
        "empty": "Nog geen punten. Beantwoord de korte vragen van {brand} om punten te sparen.",
        "older": "Alleen de laatste {n} regels worden getoond.",
        "earn_title": "Zo spaar je",
        "earn_answer": "{n} punten als je de vragen over een fase van je aankoop beantwoordt "
        "(één keer per vragenlijst).",
        "earn_answer_one": "1 punt als je de vragen over een fase van je aankoop beantwoordt "
        "(één keer per vragenlijst).",
        "earn_text": "{n} punten extra voor een geschreven antwoord van minstens {chars} tekens.",
        "earn_text_one": "1 punt extra voor een geschreven antwoord van minstens {chars} tekens.",
        "earn_review": "{n} punten als je review wordt gepubliceerd.",
        "earn_review_one": "1 punt als je review wordt gepubliceerd.",
        "earn_cap": "Je kunt met antwoorden hoogstens {n} punten per dag sparen.",
        "earn_cap_one": "Je kunt met antwoorden hoogstens 1 punt per dag sparen.",
        "expiry": "Punten vervallen {n} maanden nadat je ze hebt gekregen.",
        "expiry_one": "Punten vervallen 1 maand nadat je ze hebt gekregen.",
        "honest": "Het aantal punten hangt nooit af van je score of van wat je schrijft: een "
        "kritisch antwoord levert precies evenveel op als een positief.",
        "off": "{brand} geeft op dit moment geen punten voor nieuwe antwoorden.",
        "language": "Taal",
        "reasons": {
            "answered": "Vragen beantwoord",
            "text_bonus": "Bonus voor een geschreven antwoord",
            "review_published": "Review gepubliceerd",
            "review_removed": "Review verwijderd, punten teruggeboekt",
            "redeemed": "Ingewisseld",
            "expired": "Punten vervallen",
            "adjust": "Correctie",
        },
        "daily_cap": "daglimiet bereikt",
    },
    "en": {
        "title": "Your points with {brand}",
        "balance": "Your balance",
        "points": "points",
        "points_one": "point",
        "rewards": "Rewards",
        "available": "Available now",
        "missing": "{n} more points needed",
        "missing_one": "1 more point needed",
        "progress": "{have} of {need} points",
        "how_to_redeem": "Would you like a reward? Mention it when you place your next order "
        "or ask {brand}'s customer service.",
        "ledger": "History",
        "ledger_table": "Table: your points history",
        "date": "Date",
        "what": "Descrip\u00adtion",
        "change": "Points",
        "after": "Balance",
        "empty": "No points yet. Answer {brand}'s short questions to start earning points.",
        "older": "Only the latest {n} entries are shown.",
        "earn_title": "How you earn points",
        "earn_answer": "{n} points for answering the questions about a phase of your purchase "
        "(once per survey).",
        "earn_answer_one": "1 point for answering the questions about a phase of your purchase "
        "(once per survey).",
        "earn_text": "{n} extra points for a written answer of at least {chars} characters.",
        "earn_text_one": "1 extra point for a written answer of at least {chars} characters.",
        "earn_review": "{n} points when your review is published.",
        "earn_review_one": "1 point when your review is published.",
        "earn_cap": "Answering earns at most {n} points a day.",
        "earn_cap_one": "Answering earns at most 1 point a day.",
        "expiry": "Points expire {n} months after you receive them.",
        "expiry_one": "Points expire 1 month after you receive them.",
        "honest": "Points never depend on your score or on what you write: a critical answer "
        "earns exactly as much as a positive one.",
        "off": "{brand} does not give points for new answers at the moment.",
        "language": "Language",
        "reasons": {
            "answered": "Answered the questions",
            "text_bonus": "Bonus for a written answer",
            "review_published": "Review published",
            "review_removed": "Review removed, points reversed",
            "redeemed": "Redeemed",
            "expired": "Points expired",
            "adjust": "Adjustment",
        },
        "daily_cap": "daily limit reached",
    },
}

# The same in Dutch for brands that say "u" (Brand.formal_address).
TEXTS = with_formal(
    _TEXTS,
    {
        "title": "Uw spaarpunten bij {brand}",
        "balance": "Uw saldo",
        "ledger_table": "Tabel: overzicht van uw punten",
        "how_to_redeem": "Wilt u een beloning? Noem de beloning bij uw volgende bestelling of "
        "vraag ernaar bij de klantenservice van {brand}.",
        "earn_title": "Zo spaart u",
        "earn_answer": "{n} punten als u de vragen over een fase van uw aankoop beantwoordt "
        "(één keer per vragenlijst).",
        "earn_answer_one": "1 punt als u de vragen over een fase van uw aankoop beantwoordt "
        "(één keer per vragenlijst).",
        "earn_review": "{n} punten als uw review wordt gepubliceerd.",
        "earn_review_one": "1 punt als uw review wordt gepubliceerd.",
        "earn_cap": "U kunt met antwoorden hoogstens {n} punten per dag sparen.",
        "earn_cap_one": "U kunt met antwoorden hoogstens 1 punt per dag sparen.",
        "expiry": "Punten vervallen {n} maanden nadat u ze heeft gekregen.",
        "expiry_one": "Punten vervallen 1 maand nadat u ze heeft gekregen.",
        "honest": "Het aantal punten hangt nooit af van uw score of van wat u schrijft: een "
        "kritisch antwoord levert precies evenveel op als een positief.",
    },
)


def _date(moment, locale: str) -> str:
    return f"{moment.day} {MONTHS[locale][moment.month - 1]} {moment.year}"


def _describe(entry: dict, locale: str, phases: dict, policy: dict) -> str:
    reasons = TEXTS[locale]["reasons"]
    if entry["kind"] == "adjust":
        return f"{reasons['adjust']}: {entry['reason']}"
    text = reasons.get(entry["reason"], entry["reason"])
    if entry["kind"] == "redeem" and entry["reward"]:
        text += ": " + loyalty.redeemed_name(entry, policy, locale)
    phase = phases.get(entry["phase_id"])
    if phase is not None and entry["reason"] in ("answered", "review_published"):
        text += f" ({phase.display_name(locale)})"
    if entry["note"] == "daily_cap":
        text += f" ({TEXTS[locale]['daily_cap']})"
    return text


def _ledger(brand_id: int, customer_id: int, limit: int) -> tuple[list[dict], bool, int]:
    """The customer's newest entries by the date each shows, newest first, each with the
    balance after it; (entries, whether older ones are left out, balance).

    loyalty.statement goes by the order entries were written, but an entry can be dated
    earlier than entries written before it (an answer processed late, a backdated redemption),
    so its dates jumped back and forth and its running balance followed the writing order, not
    the dates beside it. The customer reads the dates, so both follow them here. One window sum
    gives every running balance and the total, so they cannot disagree with a concurrent write.
    """
    entry = loyalty.LedgerEntry
    order = (entry.effective_at, entry.id)  # id: entries of the same moment in writing order
    running = (
        select(
            entry.id,
            entry.kind,
            entry.points,
            entry.reason,
            entry.note,
            entry.reward,
            entry.reward_name,
            entry.phase_id,
            entry.effective_at,
            func.sum(entry.points).over(order_by=order, rows=(None, 0)).label("balance_after"),
        )
        .where(entry.brand_id == brand_id, entry.customer_id == customer_id)
        .subquery()
    )
    rows = db.session.execute(
        select(running)
        .order_by(running.c.effective_at.desc(), running.c.id.desc())
        .limit(limit + 1)
    ).all()
    items = [dict(row._mapping) for row in rows[:limit]]
    return items, len(rows) > limit, int(items[0]["balance_after"]) if items else 0


def choose_locale(requested: str | None, customer: Customer, accepted: str | None, brand) -> str:
    for candidate in (requested, customer.locale, accepted, brand.default_locale):
        if candidate in LOCALES:
            return candidate
    return "nl"


def customer_page(token: str, requested: str | None, accepted: str | None) -> dict:
    """The page's content; 404 for a forged link, 410 for an expired one (the error page says
    so in the customer's language: page_language)."""
    try:
        brand_id, customer_id = loyalty.read_token(token)
    except loyalty.ExpiredToken as error:
        raise AppError(410, "this link has expired", code="gone") from error
    except loyalty.BadToken as error:
        raise AppError(404, "this link is not valid") from error
    customer = db.session.get(Customer, customer_id)
    brand = db.session.get(Brand, brand_id)
    if customer is None or brand is None or customer.brand_id != brand.id:
        raise AppError(404, "this link is not valid")
    locale = choose_locale(requested, customer, accepted, brand)
    policy = loyalty.get_policy(brand.id)
    entries, more, balance = _ledger(brand.id, customer.id, LEDGER_LIMIT)
    phases = {
        phase.id: phase
        for phase in db.session.scalars(select(Phase).where(Phase.brand_id == brand.id))
    }
    texts = TEXTS[voice(locale, brand)]
    rewards = [
        {
            "name": loyalty.reward_name(item, locale),
            "points": item["points"],
            "available": balance >= item["points"],
            "missing": max(item["points"] - balance, 0),
            "have": min(max(balance, 0), item["points"]),
        }
        for item in sorted(policy["rewards"], key=lambda item: item["points"])
    ]
    ledger = [
        {
            "date": _date(day, locale),
            "iso": day.isoformat(),
            "what": _describe(entry, locale, phases, policy),
            "points": entry["points"],
            "after": int(entry["balance_after"]),
        }
        for entry in entries
        # the customer's day, in the brand's time zone: an answer at 00:30 is not "yesterday"
        for day in [local_day(entry["effective_at"], brand.time_zone)]
    ]
    return {
        "brand": brand,
        "locale": locale,
        "t": texts,
        "balance": balance,
        "policy": policy,
        "offers": loyalty.policy.offers(policy),
        "rewards": rewards,
        "ledger": ledger,
        "more": more,
        "ledger_limit": LEDGER_LIMIT,
    }
