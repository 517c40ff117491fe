"""The invitation email: the phase's first question inside, as buttons that open /s/<token>;
and its one reminder (reminders), the same with a subject and an opening of its own.

HTML with inline styles (mail clients drop <style> blocks and never load external CSS; the one
<style> block only repeats the light colour-scheme hint), plus a plain-text part;
List-Unsubscribe (RFC 2369) with one-click POST (RFC 8058). From names the brand, at
MAIL_FROM's address; the Message-ID is the invitation's, the same on a resend.
"""

from email.message import EmailMessage

from flask import render_template

from app import timestamps
from app.models import Brand, Invitation
from app.models.survey import SCALES
from app.services import channel_points, mailer, public_urls, survey_tokens, unsubscribes
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


def _buttons(token: str, question: dict, words: dict[str, str]) -> list[dict]:
    """One link per answer of the first question; the page only records after a POST."""
    if question["type"] in SCALES:
        low, high = question["scale"]
        return [
            {
                "label": str(value),
                "url": public_urls.survey_url(token, value),
                # the digit alone reads "9" in a list of links (WCAG 2.4.4)
                "name": _score_name(value, question, words),
            }
            for value in range(low, high + 1)
        ]
    if question["type"] in ("emotion", "choice"):
        return [
            {"label": option["label"], "url": public_urls.survey_url(token, option["key"])}
            for option in question["options"]
        ]
    return []


def _rows(buttons: list[dict]) -> list[list[dict]]:
    """A scale's cells as table rows of equal width: 0–10 as 6 + 5, shorter scales one row."""
    if len(buttons) <= MAX_ROW:
        return [buttons]
    half = -(-len(buttons) // 2)
    return [buttons[:half], buttons[half:]]


def build(brand: Brand, invitation: Invitation, token: str, reminder: bool = False) -> EmailMessage:
    """The invitation's email, or with `reminder` its one reminder: the same link and
    question under a subject and an opening of its own, in the invitation's thread."""
    locale = invitation.locale
    words = texts(locale, brand)
    if reminder:
        words = {
            **words,
            "email_subject": words["email_reminder_subject"],
            "email_intro": words["email_reminder_intro"],
            "email_intro_text": words["email_reminder_intro_text"],
        }
    survey = invitation.survey
    first = question_view(survey.questions[0], locale)
    buttons = _buttons(token, first, words)
    opt_out = survey_tokens.unsubscribe_token(
        brand.id,
        invitation.customer_id,
        unsubscribes.address_hash(brand.id, invitation.customer.email),
    )
    # The page speaks the email's language: the customer may have no stored locale, or one
    # other than this invitation's. The same URL takes the one-click POST (RFC 8058).
    unsubscribe = f"{public_urls.unsubscribe_url(opt_out)}?lang={locale}"
    context = {
        "brand": brand,
        "colours": brand_colours(brand),
        "t": words,
        "locale": locale,
        "question": first,
        "buttons": buttons,
        "rows": _rows(buttons),
        "survey_url": public_urls.survey_url(token),
        "unsubscribe_url": unsubscribe,
        "points": channel_points.offers_points(
            brand.id, invitation.customer_id, invitation.survey_id
        ),
        "expires": timestamps.date_text(invitation.expires_at, locale, brand.time_zone),
        "reminder": reminder,
        "subject": words["email_subject"].format(
            brand=brand.name, phase=invitation.phase.display_name(locale)
        ),
    }
    first = mailer.message_id("invitation", invitation.id, invitation.created_at)
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
                else first
            ),
            # a reminder shows in the invitation's thread
            **({"In-Reply-To": first, "References": first} if reminder else {}),
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
