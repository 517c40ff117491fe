"""The hosted survey page /s/<token>: opening it never records; a POST records once.

Invitation tokens are personal and single-use: the answer is stored under the idempotency key
`inv:<id>` (unique per brand), so even two racing POSTs store one response. Link tokens are
reusable; each rendered form carries a random submission id, so a double click stores once.

Each rendered form also carries a form key: the page's token signed with a time, so only a
POST made from a page that was opened (not a scanner posting to a link) is recorded. It needs
no cookie, unlike a session-bound CSRF token, which a browser that blocks cookies never sends
back; the token in the URL is what authorises the answer, as it authorises the page.
"""

import re
import secrets
from dataclasses import dataclass, field

from sqlalchemy import case, select, update

from app import ids
from app.errors import AppError
from app.extensions import db
from app.models import Brand, Customer, Invitation, Journey, Survey, SurveyLink
from app.models.base import utcnow
from app.models.invitation import LINK
from app.models.survey import SCALES
from app.schemas.common import CONTROL_IN_LINE, CONTROL_IN_LINES
from app.services import (
    channel_points,
    form_keys,
    intake,
    public_urls,
    survey_links,
    survey_tokens,
    surveys,
)
from app.services.channel_texts import best_locale, locale_or_default, t
from app.services.survey_forms import question_view

SUBMISSION = re.compile(r"[A-Za-z0-9_-]{16,64}")
DISPLAY_NAME_MAX = 60
FORM_KEY_SECONDS = 7 * 24 * 3600  # a page left open over a weekend still sends
FORM_KEY_SALT = "survey-form"


class PageUnavailable(Exception):
    """The token cannot be answered: invalid, expired, used or closed (a page, not JSON)."""

    STATUS = {"invalid": 404, "expired": 410, "used": 409, "closed": 410}

    def __init__(self, reason: str, locale: str, brand: Brand | None = None):
        super().__init__(reason)
        self.reason, self.locale, self.status = reason, locale, self.STATUS[reason]
        self.brand = brand  # when the token names one for sure: its form of address


@dataclass
class SurveyPage:
    token: str
    brand: Brand
    survey: Survey
    locale: str
    invitation: Invitation | None = None
    link: SurveyLink | None = None
    customer: Customer | None = None
    errors: dict[str, str] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)
    submission: str = ""

    @property
    def channel(self) -> str:
        # an invitation's answer comes by its channel: email, or a personal link the brand
        # delivered (which reviews.verification calls invitation_link)
        return self.invitation.channel if self.invitation is not None else "link"

    @property
    def questions(self) -> list[dict]:
        return [question_view(question, self.locale) for question in self.survey.questions]


def answer_order(page: SurveyPage) -> str | None:
    """The order this page's answer is about: its invitation's, else the customer's latest
    order in the phase (channel_points.answer_order)."""
    named = page.invitation.order_ref if page.invitation is not None else None
    customer_id = page.customer.id if page.customer else None
    return channel_points.answer_order(page.brand.id, customer_id, page.survey.id, named)


class FormInvalid(Exception):
    def __init__(self, page: SurveyPage):
        super().__init__("form invalid")
        self.page = page


def _fallback_locale(lang: str | None, accept_language: str | None) -> str:
    return locale_or_default(lang or accept_language)


def _open_invitation(claims, token, lang, accept_language) -> SurveyPage:
    invitation = db.session.get(Invitation, claims.invitation_id)
    if invitation is None or (
        invitation.brand_id,
        invitation.customer_id,
        invitation.survey_id,
        invitation.phase_id,
    ) != (claims.brand_id, claims.customer_id, claims.survey_id, claims.phase_id):
        raise PageUnavailable("invalid", _fallback_locale(lang, accept_language))
    brand = db.session.get(Brand, invitation.brand_id)
    if invitation.used_at is not None:
        raise PageUnavailable("used", locale_or_default(lang or invitation.locale), brand)
    # The end of the day the email named, in the brand's time zone (invitations.link_expiry);
    # the token's own lifetime is only the outer bound.
    if invitation.expires_at is not None and utcnow() > invitation.expires_at:
        raise PageUnavailable("expired", locale_or_default(lang or invitation.locale), brand)
    survey = surveys.get_survey(brand, invitation.survey_id)
    if db.session.get(Journey, survey.journey_id).archived:
        # its journey asks nobody now (journey_archive), as a link of its phases says too
        raise PageUnavailable("closed", locale_or_default(lang or invitation.locale), brand)
    locale = best_locale([lang, invitation.locale], survey.locales, survey.default_locale)
    return SurveyPage(
        token, brand, survey, locale, invitation=invitation, customer=invitation.customer
    )


def _open_link(claims, token, lang, accept_language) -> SurveyPage:
    link = db.session.get(SurveyLink, claims.link_id)
    if link is None or (link.brand_id, link.phase_id) != (claims.brand_id, claims.phase_id):
        raise PageUnavailable("invalid", _fallback_locale(lang, accept_language))
    brand = db.session.get(Brand, link.brand_id)
    survey = survey_links.active_survey(link) if link.active else None
    if survey is None:
        # the brand is known here: its language, not nl, when neither link nor browser decides
        raise PageUnavailable(
            "closed",
            locale_or_default(lang or link.locale or accept_language, brand.default_locale),
            brand,
        )
    locale = best_locale(
        [lang, link.locale, accept_language], survey.locales, survey.default_locale
    )
    return SurveyPage(token, brand, survey, locale, link=link)


def open_page(
    token: str, lang: str | None = None, accept_language: str | None = None
) -> SurveyPage:
    """The page for this token, for reading only; PageUnavailable when it cannot be answered."""
    try:
        claims = survey_tokens.read(token)
    except survey_tokens.TokenExpired as expired:
        invitation = db.session.get(Invitation, expired.payload.invitation_id)
        locale = invitation.locale if invitation is not None else None
        brand = db.session.get(Brand, invitation.brand_id) if invitation is not None else None
        raise PageUnavailable(
            "expired", _fallback_locale(lang or locale, accept_language), brand
        ) from None
    except survey_tokens.TokenInvalid:
        raise PageUnavailable("invalid", _fallback_locale(lang, accept_language)) from None
    if isinstance(claims, survey_tokens.InvitationClaims):
        return _open_invitation(claims, token, lang, accept_language)
    return _open_link(claims, token, lang, accept_language)


def qr_code(token: str) -> tuple[bytes, bool]:
    """(SVG, personal) of the QR code of a page that can be answered now: a reusable link's,
    or a personal link issued to the brand (for its packing slip). An emailed invitation's
    link gets none: it is the customer's, in her mailbox. PageUnavailable otherwise."""
    page = open_page(token)
    if page.invitation is not None and page.invitation.channel != LINK:
        raise PageUnavailable("invalid", page.locale, page.brand)
    return survey_links.qr_svg(public_urls.survey_url(token)), page.invitation is not None


def _valid_choice(question: dict, raw: str | None) -> str | None:
    if raw is None:
        return None
    if "scale" in question:
        low, high = question["scale"]
        value = ids.number(raw)
        return str(value) if value is not None and low <= value <= high else None
    if "options" in question:
        return raw if raw in {option["key"] for option in question["options"]} else None
    return None


def page_for_get(
    token: str, lang: str | None, accept_language: str | None, score: str | None
) -> SurveyPage:
    """The page with the email's one-click answer preselected; nothing is stored."""
    page = open_page(token, lang, accept_language)
    questions = page.questions
    preselected = _valid_choice(questions[0], score) if questions else None
    if preselected is not None:
        page.values[questions[0]["key"]] = preselected
    page.submission = secrets.token_urlsafe(18)
    return page


def form_key(token: str) -> str:
    """The hidden field a rendered form carries (see the module's docstring)."""
    return form_keys.make(token, FORM_KEY_SALT)


def form_key_valid(token: str, key: str | None) -> bool:
    return form_keys.valid(token, key, FORM_KEY_SALT, FORM_KEY_SECONDS)


def page_again(token: str, form: dict, lang: str | None, accept_language: str | None) -> SurveyPage:
    """The page with what was posted filled in, nothing stored: a form key that failed (a page
    open for over a week, say) costs the customer one more click, not their answers."""
    page, _answers, _review = _posted(token, form, lang, accept_language)
    page.errors.clear()  # not the answers' fault; the page says what happened
    return page


def _posted(token: str, form: dict, lang, accept_language) -> tuple[SurveyPage, dict, dict | None]:
    """The page as posted, its answers read (and checked, into page.errors): (page, answers,
    review consent). What submit stores, and what page_again shows again."""
    page = open_page(token, lang, accept_language)
    page.survey = _survey_to_answer(page, form)
    submission = str(form.get("submission") or "")
    page.submission = submission if SUBMISSION.fullmatch(submission) else secrets.token_urlsafe(18)
    answers, review = _parse(page, form)
    return page, answers, review


def _parse(page: SurveyPage, form: dict) -> tuple[dict, dict | None]:
    answers: dict = {}
    for question in page.survey.questions:
        raw = form.get(f"q_{question.key}")
        if raw is None or not str(raw).strip():
            continue
        raw = str(raw)
        page.values[question.key] = raw
        if question.type in SCALES:
            value = ids.number(raw)
            if value is None:
                page.errors[question.key] = t(page.locale, "invalid", page.brand)
                continue
            answers[question.key] = value
        else:
            # A form sends a textarea's line breaks as CRLF, but the page's maxlength counted
            # each as one: the answer as typed (as the widget sends it) fits the same limit.
            # Control characters nobody types on purpose (a vertical tab pasted from Word)
            # would have intake refuse the answer, and the customer cannot see them to take
            # them out: this form drops them, as the widget does (the API stays strict).
            text = raw.replace("\r\n", "\n").replace("\r", "\n")
            answers[question.key] = CONTROL_IN_LINES.sub("", text)
    review = None
    if form.get("review_consent") == "yes" and page.survey.makes_reviews:
        name = CONTROL_IN_LINE.sub("", str(form.get("display_name") or "")).strip()
        page.values["review_consent"] = "yes"
        page.values["display_name"] = name
        if len(name) > DISPLAY_NAME_MAX:
            page.errors["display_name"] = t(page.locale, "invalid", page.brand)
        review = {"consent": True, **({"display_name": name} if name else {})}
    return answers, review


def _form_errors(page: SurveyPage, error: AppError) -> None:
    for name, messages in (error.fields or {}).items():
        key = name.removeprefix("answers.")
        required = any("required" in message or "at least one" in message for message in messages)
        page.errors[key if key != "answers" else "_form"] = t(
            page.locale, "required" if required else "invalid", page.brand
        )
    if not page.errors:
        page.errors["_form"] = t(page.locale, "invalid", page.brand)


def _survey_to_answer(page: SurveyPage, form: dict) -> Survey:
    """A link form answers the survey it showed, even if a newer version went live meanwhile."""
    survey_id = ids.number(str(form.get("survey_id") or ""))
    if page.link is None or survey_id is None or survey_id == page.survey.id:
        return page.survey
    shown = db.session.scalar(
        select(Survey).where(
            Survey.id == survey_id,
            Survey.brand_id == page.brand.id,
            Survey.phase_id == page.link.phase_id,
        )
    )
    return shown or page.survey


def submit(
    token: str,
    form: dict,
    lang: str | None = None,
    accept_language: str | None = None,
    client_hash: str | None = None,
) -> tuple[SurveyPage, dict]:
    """Record the answer once; returns the page and the thank-you facts."""
    page, answers, review = _posted(token, form, lang, accept_language)
    if page.errors:
        raise FormInvalid(page)
    invitation_id = page.invitation.id if page.invitation is not None else None
    if page.invitation is not None:
        key = f"inv:{invitation_id}"
        touchpoint = page.invitation.touchpoint_id
    else:
        key = f"l:{page.link.id}:{page.submission}"
        touchpoint = page.link.touchpoint_id
    data = {"survey_id": page.survey.id, "answers": answers, "channel": page.channel}
    data["locale"] = page.locale
    if touchpoint is not None:
        data["touchpoint"] = touchpoint
    if review is not None:
        data["review"] = review
    customer_id = page.customer.id if page.customer else None
    order = answer_order(page)
    try:
        response, _created = intake.accept(
            page.brand.id,
            data,
            idempotency_key=key,
            customer=page.customer,
            client_hash=client_hash,
            incentivized=channel_points.offers_points(
                page.brand.id, customer_id, page.survey.id, order
            ),
            order=order,
        )
    except AppError as error:
        db.session.rollback()
        if error.error_code == "idempotency_conflict":
            raise PageUnavailable("used", page.locale, page.brand) from None
        if error.code == 422:
            _form_errors(page, error)
            raise FormInvalid(page) from None
        raise
    if invitation_id is not None:
        # A statement, not the loaded object, which the intake's commit expired: an erasure
        # since the page opened has deleted the invitation (and intake stored this answer
        # without its customer), and then this matches nothing.
        # Its reminder is off from now on: the Invitations page and the API said "reminder
        # due" until the due job skipped it (a sender that took it meanwhile finds it gone).
        db.session.execute(
            update(Invitation)
            .where(Invitation.id == invitation_id, Invitation.used_at.is_(None))
            .values(
                used_at=utcnow(),
                response_id=response.id,
                remind_at=None,
                reminder_taken_at=None,
                reminder_skip_reason=case(
                    (Invitation.remind_at.is_not(None), "answered"),
                    else_=Invitation.reminder_skip_reason,
                ),
            )
        )
        db.session.commit()
    return page, {
        "points": channel_points.points_for_response(page.brand.id, response.id),
        "incentivized": bool(response.incentivized),
    }
