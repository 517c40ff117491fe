"""What a customer's loyalty page shows (/loyalty/<token>): balance, rewards, the ledger and
how points are earned, in Dutch or English."""

import re
import secrets

from sqlalchemy import func, select

import loyalty
from app.errors import AppError
from app.extensions import db
from app.form_of_address import voice, with_formal
from app.models import Brand, Customer, Phase
from app.services import form_keys
from app.timestamps import local_day

LOCALES = ("nl", "en")
LEDGER_LIMIT = 100
FORM_KEY_SALT = "loyalty-redeem"
FORM_KEY_SECONDS = 7 * 24 * 3600  # as the survey page's: a page left open a while still sends
SUBMISSION = re.compile(r"[A-Za-z0-9_-]{16,48}")  # the form's own id, its idempotency key

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
        "code": "code",
        "redeem": "Inwisselen",
        "unavailable": "Tijdelijk niet beschikbaar",
        "self_service": "Wissel hier in en je krijgt meteen een code voor je volgende "
        "bestelling bij {brand}.",
        "redeemed_title": "Je code",
        "redeemed": "Je hebt {reward} ingewisseld voor {points}. Je code:",
        "use_code": "Vul de code in bij het afrekenen bij {brand}. Je vindt hem ook in het "
        "overzicht hieronder.",
        "no_code_left": "{reward} is tijdelijk niet beschikbaar. Er zijn geen punten afgeschreven.",
        "short": "Je saldo is niet genoeg voor {reward}. Er zijn geen punten afgeschreven.",
        "gone_reward": "Deze beloning kun je hier niet (meer) inwisselen. Er zijn geen punten "
        "afgeschreven.",
        "send_again": "Deze pagina stond te lang open. Er is niets ingewisseld; probeer het "
        "nog een keer.",
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
        "code": "code",
        "redeem": "Redeem",
        "unavailable": "Temporarily unavailable",
        "self_service": "Redeem here and get a code for your next order with {brand} at once.",
        "redeemed_title": "Your code",
        "redeemed": "You redeemed {reward} for {points}. Your code:",
        "use_code": "Enter the code at checkout with {brand}. You also find it in the history "
        "below.",
        "no_code_left": "{reward} is temporarily unavailable. No points were taken.",
        "short": "Your balance does not cover {reward}. No points were taken.",
        "gone_reward": "This reward cannot be redeemed here (any more). No points were taken.",
        "send_again": "This page was open too long. Nothing was redeemed; please try again.",
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
        "self_service": "Wisselt u hier in, dan krijgt u meteen een code voor uw volgende "
        "bestelling bij {brand}.",
        "redeemed_title": "Uw code",
        "redeemed": "U heeft {reward} ingewisseld voor {points}. Uw code:",
        "use_code": "Vul de code in bij het afrekenen bij {brand}. U vindt hem ook in het "
        "overzicht hieronder.",
        "short": "Uw saldo is niet genoeg voor {reward}. Er zijn geen punten afgeschreven.",
        "gone_reward": "Deze beloning kunt u hier niet (meer) inwisselen. Er zijn geen punten "
        "afgeschreven.",
        "send_again": "Deze pagina stond te lang open. Er is niets ingewisseld; probeert u het "
        "nog een keer.",
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
    if entry["code"]:
        text += f" ({TEXTS[locale]['code']} {entry['code']})"
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
            entry.code,
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


def _open(token: str) -> tuple[Brand, Customer]:
    """The brand and customer a link names; 404 for a forged link, 410 for an expired one
    (the error page says so in the customer's language: page_language)."""
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
    return brand, customer


def customer_page(
    token: str,
    requested: str | None,
    accepted: str | None,
    redeemed: int | None = None,
    problem: tuple[str, str | None] | None = None,
) -> dict:
    """The page's content. `redeemed`: a redemption entry of hers to show the code of at the
    top; `problem`: (text key, reward key) of a redemption that was refused."""
    brand, customer = _open(token)
    locale = choose_locale(requested, customer, accepted, brand)
    policy = loyalty.get_policy(brand.id)
    entries, more, balance = _ledger(brand.id, customer.id, LEDGER_LIMIT)
    phases = {
        phase.id: phase
        for phase in db.session.scalars(select(Phase).where(Phase.brand_id == brand.id))
    }
    texts = TEXTS[voice(locale, brand)]
    pools = loyalty.codes.pools(brand.id)
    # A pool that ever had codes makes its reward self-service; an empty one only pauses it.
    # Erased: the tombstone keeps its amounts, but redeems nothing (a link mailed earlier).
    open_to_redeem = customer.erased_at is None
    rewards = [
        {
            "key": item["key"],
            "name": loyalty.reward_name(item, locale),
            "points": item["points"],
            "available": balance >= item["points"],
            "missing": max(item["points"] - balance, 0),
            "have": min(max(balance, 0), item["points"]),
            "self_service": open_to_redeem and pool is not None,
            "in_stock": pool is not None and pool["available"] > 0,
            # each form its own: a double click sends the same one, a second reward another
            "submission": secrets.token_urlsafe(18),
        }
        for item in sorted(policy["rewards"], key=lambda item: item["points"])
        for pool in [pools.get(item["key"])]
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
    names = {item["key"]: item["name"] for item in rewards}
    return {
        "brand": brand,
        "locale": locale,
        "t": texts,
        "balance": balance,
        "policy": policy,
        "offers": loyalty.policy.offers(policy),
        "rewards": rewards,
        "ask_the_shop": any(not item["self_service"] for item in rewards),
        "form_key": form_keys.make(token, FORM_KEY_SALT),
        "done": _done(entries, redeemed, policy, locale),
        "problem": problem
        and texts[problem[0]].format(reward=names.get(problem[1], ""), brand=brand.name),
        "ledger": ledger,
        "more": more,
        "ledger_limit": LEDGER_LIMIT,
    }


def _done(entries: list[dict], redeemed: int | None, policy: dict, locale: str) -> dict | None:
    """The redemption whose code the page shows on top: hers, among the entries shown."""
    for entry in entries:
        if entry["id"] == redeemed and entry["kind"] == "redeem" and entry["code"]:
            return {
                "reward": loyalty.redeemed_name(entry, policy, locale),
                "points": -entry["points"],
                "code": entry["code"],
            }
    return None


class NotRedeemed(Exception):
    """A redemption from the page that was refused: the page again, with why, and a status."""

    def __init__(self, status: int, page: dict):
        super().__init__(status)
        self.status = status
        self.page = page


# What a refusal of loyalty's tells the customer (a text key of TEXTS).
REFUSALS = {"no_code_left": "no_code_left", "insufficient_points": "short"}


def redeem(token: str, form: dict, requested: str | None, accepted: str | None) -> tuple[int, str]:
    """Redeem a reward from the page's form; (entry id, locale) to show its code.

    The idempotency key comes from the form's own submission id, so a double click or a
    resent POST returns the first redemption and its code instead of a second one. The form
    key proves the POST came from a page that was opened (module form_keys). NotRedeemed for a
    refusal; nothing is stored then."""
    brand, customer = _open(token)
    reward_key, submission = form.get("reward", ""), form.get("submission", "")

    def refused(status: int, text: str) -> NotRedeemed:
        page = customer_page(token, requested, accepted, problem=(text, reward_key))
        return NotRedeemed(status, page)

    if not form_keys.valid(token, form.get("form_key"), FORM_KEY_SALT, FORM_KEY_SECONDS):
        raise refused(400, "send_again")
    if not SUBMISSION.fullmatch(submission):
        raise refused(400, "send_again")
    locale = choose_locale(requested, customer, accepted, brand)
    try:
        loyalty.lock_customer(customer.id)
        db.session.refresh(customer)  # an erasure that held her before this lock is done now
        if customer.erased_at is not None:
            raise AppError(404, "this link is not valid")
        entry, _created = loyalty.redeem(
            brand.id, customer.id, reward_key=reward_key, key=f"page-{submission}", with_code=True
        )
        entry_id = entry.id
        db.session.commit()
    except loyalty.LoyaltyError as error:
        db.session.rollback()
        if isinstance(error, loyalty.IdempotencyConflict):  # a submission id sent for another
            raise refused(400, "send_again") from error
        raise refused(error.status, REFUSALS.get(error.code, "gone_reward")) from error
    except Exception:
        db.session.rollback()
        raise
    return entry_id, locale
