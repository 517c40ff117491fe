"""The follow-up alert email: plain text, in English (the dashboard's language).

Built in Python, not from a template: what a customer wrote is data here, never markup or
template source, and it is quoted line by line so it cannot pass for the email's own text.
Every free text that reaches a header (the brand's name) is made one line first.
"""

from email.message import EmailMessage
from urllib.parse import quote

from app.models import Brand, Response, User
from app.models.survey import SCALES
from app.numbers import plural
from app.services import follow_up, mailer, public_urls
from app.timestamps import date_text

LOCALE = "en"
SHOWN_TYPES = ("nps", "csat", "ces", "emotion", "choice")  # text answers are the comment


def subject(brand: Brand, total: int, responses: list[Response] = ()) -> str:
    """ "Testbad: 3 answers need a follow-up (Delivery, Quote)": the phases tell one alert
    from the next in an inbox that threads by subject."""
    answers = "1 answer needs" if total == 1 else f"{total} answers need"
    phases = list(dict.fromkeys(response.phase.display_name(LOCALE) for response in responses))
    named = ", ".join(phases[:2]) + (f" and {len(phases) - 2} more" if len(phases) > 2 else "")
    return mailer.one_line(
        f"{brand.name}: {answers} a follow-up" + (f" ({named})" if named else "")
    )


def when(moment) -> str:
    """The moment written out, as "5 January 2027, 14:03 UTC" (stored moments are UTC)."""
    return f"{date_text(moment, LOCALE)}, {moment:%H:%M} UTC"


def follow_up_url(journey_id: int, phase_key: str) -> str:
    """The phase page's list of the open answers that need a follow-up, written or not (the
    page's default list has only written answers)."""
    key = quote(phase_key, safe="")
    return public_urls.absolute(
        f"/dashboard/journeys/{journey_id}/phases/{key}?show=follow_up#verbatims"
    )


def phase_url(response: Response) -> str:
    """The list `response` is among the newest of."""
    return follow_up_url(response.journey_id, response.phase.key)


def _answer_value(question, value) -> str:
    if question.type in SCALES:
        low, high = SCALES[question.type]
        return f"{value} (of {low}-{high})"
    if question.type == "choice":
        labels = {option["key"]: option.get("label") or {} for option in question.options or []}
        label = labels.get(value) or {}
        return mailer.one_line(label.get(LOCALE) or next(iter(label.values()), value))
    return mailer.one_line(value)


def scores(response: Response) -> list[str]:
    """Each scored or chosen answer with its question, as "How likely…? 3 (of 0-10)"."""
    answers = response.answers or {}
    lines = []
    for question in response.survey.questions:
        value = answers.get(question.key)
        if question.type not in SHOWN_TYPES or value is None:
            continue
        text = mailer.one_line(question.text_for(LOCALE)) or question.key
        lines.append(f"{text} {_answer_value(question, value)}")
    return lines


def quoted(text: str) -> list[str]:
    return [f"  > {line}".rstrip() for line in text.splitlines()]


def customer_line(response: Response) -> str | None:
    """The brand's own customer, for its own user to call back; never an erased one."""
    customer = response.customer
    if customer is None or customer.erased_at is not None:
        return None
    known = [mailer.one_line(customer.external_id)]
    if customer.email:
        known.append(customer.email)
    return "Customer: " + ", ".join(known)


def answer_block(number: int, response: Response) -> list[str]:
    # A phase key can be in several journeys: the journey's name tells which one.
    phase = mailer.one_line(
        f"{response.phase.display_name(LOCALE)} ({response.phase.journey.name})"
    )
    why = "; ".join(follow_up.REASONS[reason] for reason in follow_up.response_reasons(response))
    lines = [f"{number}. {phase}, {when(response.created_at)}"]
    if why:
        lines.append(f"Why: {why}")
    lines += scores(response)
    if response.comment and response.comment.strip():
        lines.append("Written answer:")
        lines += quoted(response.comment)
    customer = customer_line(response)
    if customer:
        lines.append(customer)
    lines.append(f"Open it in the dashboard: {phase_url(response)}")
    return [lines[0], *(f"   {line}" for line in lines[1:])]


def text(brand: Brand, user: User, responses: list[Response], total: int) -> str:
    name = mailer.one_line(brand.name)
    answers = plural(total, "answer")
    parts = [f"Hello,\n\n{answers} to {name} need{'s' if total == 1 else ''} a follow-up."]
    for number, response in enumerate(responses, start=1):
        parts.append("\n".join(answer_block(number, response)))
    more = total - len(responses)
    if more > 0:
        parts.append(
            f"And {more} more: see each phase's answers that need a follow-up in the dashboard,"
            f" starting with {phase_url(responses[0])}"
        )
    phases = ", ".join(user.alert_phases) if user.alert_phases else "all phases"
    parts.append(
        "-- \n"
        f"You get this email because you turned on follow-up alerts for {name} ({phases}) "
        f"on your Phasewise account ({user.email}).\n"
        f"Turn them off, or choose other phases: "
        # ?section: a fragment does not survive the login a signed-out reader goes through
        f"{public_urls.absolute('/dashboard/account?section=alerts')}#alerts"
    )
    return "\n\n".join(parts) + "\n"


def build(
    brand: Brand, user: User, responses: list[Response], total: int, message_id: str
) -> EmailMessage:
    """One email to `user` about `total` answers, of which `responses` are written out."""
    return mailer.compose(
        user.email,
        subject(brand, total, responses),
        text(brand, user, responses, total),
        headers={"Message-ID": message_id, "Content-Language": LOCALE},
    )
