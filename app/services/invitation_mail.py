"""The invitation email: the phase's first question inside, as buttons that open /s/<token>;
and its one reminder (reminders), the same with a subject and an opening of its own.

HTML with inline styles (mail clients drop <style> blocks and never load external CSS; the one
<style> block only repeats the light colour-scheme hint), plus a plain-text part;
List-Unsubscribe (RFC 2369) with one-click POST (RFC 8058). From names the brand, at
MAIL_FROM's address; the Message-ID is the invitation's, the same on a resend.
"""

from email.message import EmailMessage
from typing import NamedTuple

from flask import render_template

from app import timestamps
from app.models import Brand, Invitation, Survey
from app.models.base import utcnow
from app.models.survey import SCALES
from app.services import (
    channel_points,
    email_texts,
    mailer,
    public_urls,
    survey_tokens,
    unsubscribes,
)
from app.services.channel_texts import texts
from app.services.survey_forms import brand_colours, question_view

# More scores than this go on two rows: eleven cells in one row are 20 px wide at 320 px,
# below the 24 px a finger needs (WCAG 2.5.8); six a row leave each over 35 px.
MAX_ROW = 7


def _score_name(value: int, question: dict, words: dict[str, str]) -> str:
    """A score link's name: "9 – antwoord 9 van 10"; the ends carry their label as well,
    "0 – helemaal niet waarschijnlijk", in the email's language (the labels are the
    question's, as the row above the links shows them)."""
    low, high = question["scale"]
    labels = question.get("labels") or []
    if len(labels) == 2 and value in (low, high):
        label = labels[0] if value == low else labels[1]
        # "Helemaal niet" → "helemaal niet", but "IKEA-klant" stays as written
        lowered = label if label[1:2].isupper() else label[:1].lower() + label[1:]
        return words["email_score_end"].format(value=value, label=lowered)
    return words["email_score_link"].format(value=value, low=low, high=high)


def _buttons(link, question: dict, words: dict[str, str]) -> list[dict]:
    """One link per answer of the first question (`link(answer)`); the page only records
    after a POST."""
    if question["type"] in SCALES:
        low, high = question["scale"]
        return [
            {
                "label": str(value),
                "url": link(value),
                # the digit alone reads "9" in a list of links (WCAG 2.4.4)
                "name": _score_name(value, question, words),
            }
            for value in range(low, high + 1)
        ]
    if question["type"] in ("emotion", "choice"):
        return [
            {"label": option["label"], "url": link(option["key"])} for option in question["options"]
        ]
    return []


def _rows(buttons: list[dict]) -> list[list[dict]]:
    """A scale's cells as table rows of equal width: 0–10 as 6 + 5, shorter scales one row."""
    if len(buttons) <= MAX_ROW:
        return [buttons]
    half = -(-len(buttons) // 2)
    return [buttons[:half], buttons[half:]]


def _context(
    brand: Brand,
    invitation: Invitation,
    token: str | None,
    reminder: bool,
    unsubscribe: str,
    points: bool,
    first_name: str | None,
) -> dict:
    """What the templates show: the invitation's, or with `reminder` its reminder's, under a
    subject and an opening of its own: the survey's (email_texts) where it set them, else
    Phasewise's, greeting `first_name` where it is known. No `token`: the links lead nowhere
    (a preview)."""
    locale = invitation.locale
    words = texts(locale, brand)
    prefix = "reminder_" if reminder else ""
    if reminder:
        words = {
            **words,
            "email_subject": words["email_reminder_subject"],
            "email_intro": words["email_reminder_intro"],
            "email_intro_text": words["email_reminder_intro_text"],
        }
    phase = invitation.phase.display_name(locale)

    def filled(text: str) -> str:
        return email_texts.fill(text, brand.name, phase, first_name)

    own = invitation.survey.email_texts
    subject = email_texts.own(own, locale, prefix + "subject") or words["email_subject"]
    opening = email_texts.own(own, locale, prefix + "intro")
    if opening:
        # the brand's words in both parts; what a click does stays said under them (email_how)
        words = {**words, "email_intro": opening, "email_intro_text": opening}
    question = question_view(invitation.survey.questions[0], locale)

    def link(answer=None) -> str:
        return public_urls.survey_url(token, answer) if token else "#"

    buttons = _buttons(link, question, words)
    return {
        "brand": brand,
        "colours": brand_colours(brand),
        "t": words,
        "locale": locale,
        "question": question,
        "buttons": buttons,
        "rows": _rows(buttons),
        "survey_url": link(),
        "unsubscribe_url": unsubscribe,
        "points": points,
        "expires": timestamps.date_text(invitation.expires_at, locale, brand.time_zone),
        "reminder": reminder,
        "subject": filled(subject),
        # its lines, each escaped by the template: a brand's opening may run over several
        "intro_lines": filled(words["email_intro"] if buttons else words["email_intro_text"])
        .replace("\r\n", "\n")
        .split("\n"),
        "intro_text": filled(words["email_intro_text"]),
        "own_opening": bool(opening),
    }


def build(brand: Brand, invitation: Invitation, token: str, reminder: bool = False) -> EmailMessage:
    """The invitation's email, or with `reminder` its one reminder: the same question and a
    link to the same invitation, in the invitation's thread."""
    locale = invitation.locale
    opt_out = survey_tokens.unsubscribe_token(
        brand.id,
        invitation.customer_id,
        unsubscribes.address_hash(brand.id, invitation.customer.email),
    )
    # The page speaks the email's language: the customer may have no stored locale, or one
    # other than this invitation's. The same URL takes the one-click POST (RFC 8058).
    unsubscribe = f"{public_urls.unsubscribe_url(opt_out)}?lang={locale}"
    points = channel_points.offers_points(brand.id, invitation.customer_id, invitation.survey_id)
    context = _context(
        brand, invitation, token, reminder, unsubscribe, points, invitation.customer.first_name
    )
    thread = mailer.message_id("invitation", invitation.id, invitation.created_at)
    return mailer.compose(
        invitation.customer.email,
        # a brand name is free text: no line breaks may reach a header
        mailer.one_line(context["subject"]),
        render_template("channels/email/invitation.txt", **context),
        render_template("channels/email/invitation.html", **context),
        headers={
            "From": mailer.sender(brand.name),
            # the same on a resend: the receiver can drop a second copy
            "Message-ID": (
                mailer.message_id("reminder", invitation.id, invitation.created_at)
                if reminder
                else thread
            ),
            # a reminder shows in the invitation's thread
            **({"In-Reply-To": thread, "References": thread} if reminder else {}),
            "Content-Language": locale,
            "List-Unsubscribe": f"<{unsubscribe}>",
            # a reply ("the fitter was late") reaches the brand, who holds the customer's data
            **({"Reply-To": brand.reply_to} if brand.reply_to else {}),
            # RFC 8058 one-click is for an https URL only; over http (a PUBLIC_URL without TLS,
            # as in development) the plain link stays, and the receiver opens the page
            **(
                {"List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
                if unsubscribe.startswith("https://")
                else {}
            ),
        },
    )


class Preview(NamedTuple):
    subject: str
    html: str
    text: str


def preview(
    brand: Brand,
    survey: Survey,
    locale: str,
    reminder: bool = False,
    first_name: str | None = None,
) -> Preview:
    """The email of an invitation to this survey sent today, or its reminder, as a known
    customer would get it (greeted as `first_name`, or with no name known), its links leading
    nowhere: the dashboard's preview. Nothing is stored (the invitation is never added to the
    session)."""
    from app.services import invitations  # it builds on this module

    now = utcnow()
    invitation = Invitation(
        brand_id=brand.id,
        survey=survey,
        phase=survey.phase,
        locale=locale,
        created_at=now,
        expires_at=invitations.link_expiry(brand, now),
    )
    points = channel_points.brand_offers_points(brand.id)
    context = _context(brand, invitation, None, reminder, "#", points, first_name)
    return Preview(
        context["subject"],
        render_template("channels/email/invitation.html", **context),
        render_template("channels/email/invitation.txt", **context),
    )


def send_preview(
    brand: Brand,
    survey: Survey,
    locale: str,
    reminder: bool,
    to: str,
    first_name: str | None = None,
) -> None:
    """The preview, mailed to a user of the brand (`to`: her own login's address), so that she
    sees it in her own mail client: subject marked as a test, links leading nowhere. Raises
    mailer.MailError when the server does not take it."""
    shown = preview(brand, survey, locale, reminder, first_name)
    mailer.send_mail(
        to,
        mailer.one_line(f"[Test] {shown.subject}"),
        shown.text,
        shown.html,
        headers={
            "From": mailer.sender(brand.name),
            "Content-Language": locale,
            **({"Reply-To": brand.reply_to} if brand.reply_to else {}),
        },
    )
