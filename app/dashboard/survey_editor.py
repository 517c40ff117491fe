"""Survey editors: questions, locales and activation, validated by the API's survey schemas.
A survey that already has answers becomes a new version (surveys.update_survey decides)."""

from urllib.parse import urlsplit

from flask import flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from marshmallow import ValidationError, fields

from app.dashboard import bp, forms
from app.dashboard.access import check, current_brand, requires
from app.errors import AppError
from app.extensions import limiter
from app.models.survey import QUESTION_TYPES
from app.schemas.common import SUPPORTED_LOCALES
from app.schemas.customer import CustomerIn
from app.schemas.survey import SurveyCreate, SurveyUpdate
from app.services import invitation_mail, journeys, mailer, surveys

QUESTION_SLOTS = 3
# The survey form's email text boxes: (kind, label, a textarea?)
TEXT_KINDS = (
    ("subject", "Invitation subject", False),
    ("intro", "Invitation opening", True),
    ("reminder_subject", "Reminder subject", False),
    ("reminder_intro", "Reminder opening", True),
)


def _questions_from(form: forms.FormData, locale: str) -> None:
    """Turn each question's "options_text" box into the API's options list, in place."""
    questions = form.data.get("questions")
    # The schema reports a malformed list or question (from a hand-made request); skip them.
    for question in questions if isinstance(questions, list) else []:
        if not isinstance(question, dict):
            continue
        text = question.pop("options_text", None)
        options = forms.parse_options(text if isinstance(text, str) else None, locale)
        if options:
            question["options"] = options
        question.setdefault("required", False)


def _normalised(question: dict, locale: str) -> dict:
    text = question.get("text")
    options = [
        {
            "key": o["key"],
            "label": {locale: o["label"]} if isinstance(o["label"], str) else o["label"],
        }
        for o in question.get("options") or []
    ]
    return {
        "key": question["key"],
        "type": question["type"],
        "text": {locale: text} if isinstance(text, str) else dict(text or {}),
        "required": bool(question.get("required")),
        "options": options or None,
        "max_length": question.get("max_length"),
    }


def same_questions(survey, questions: list[dict] | None) -> bool:
    if questions is None:
        return False
    locale = survey.default_locale
    current = [
        _normalised(
            {
                "key": q.key,
                "type": q.type,
                "text": q.text,
                "required": q.required,
                "options": q.options,
                "max_length": q.max_length,
            },
            locale,
        )
        for q in survey.questions
    ]
    return current == [_normalised(q, locale) for q in questions]


def _collapse_options(errors: dict) -> dict:
    """Errors inside one question's options show at that question's options box."""
    collapsed: dict[str, list[str]] = {}
    for key, messages in errors.items():
        head, found, _ = key.partition(".options.")
        target = f"{head}.options" if found else key
        collapsed.setdefault(target, []).extend(messages)
    return collapsed


def _phase_choices(brand) -> list[tuple[str, str]]:
    locale = brand.default_locale
    return [
        (f"{journey.id}:{phase.key}", f"{journey.name} · {phase.display_name(locale)}")
        for journey in journeys.list_journeys(brand, archived=False)
        for phase in journey.phases
    ]


def _prefill(survey) -> dict:
    """The survey as the form's input names."""
    values = {
        "name": survey.name or "",
        "active": survey.active,
        **{field: getattr(survey, field) for field in surveys.EMAILS},
    }
    for locale, words in (survey.email_texts or {}).items():
        for kind, text in words.items():
            values[f"email_texts.{locale}.{kind}"] = text
    for index, question in enumerate(survey.questions):
        prefix = f"questions.{index}."
        values[prefix + "key"] = question.key
        values[prefix + "type"] = question.type
        values[prefix + "text.nl"] = (question.text or {}).get("nl", "")
        values[prefix + "text.en"] = (question.text or {}).get("en", "")
        values[prefix + "required"] = question.required
        values[prefix + "max_length"] = question.max_length or ""
        values[prefix + "options_text"] = forms.options_text(question.options)
    return values


def _own_texts(form: forms.FormData, sent) -> None:
    """The form's email texts as the API's whole object: an emptied box is Phasewise's text
    again (the form always sends every box; a request without them keeps what is stored)."""
    if any(name.startswith("email_texts.") for name in sent):
        form.data.setdefault("email_texts", None)


def _page(template, status=200, **context):
    return (
        render_template(
            template,
            slots=QUESTION_SLOTS,
            types=QUESTION_TYPES,
            locales=SUPPORTED_LOCALES,
            text_kinds=TEXT_KINDS,
            **context,
        ),
        status,
    )


@bp.route("/dashboard/surveys", endpoint="surveys")
@requires("read")
def surveys_list():
    items = surveys.list_surveys(current_brand())
    return render_template("dashboard/surveys.html", surveys=items)


@bp.route("/dashboard/surveys/new", methods=["GET", "POST"])
@requires("edit")
def survey_new():
    brand = current_brand()
    choices = _phase_choices(brand)
    if request.method == "GET":
        preset = ""
        if request.args.get("journey"):
            preset = f"{request.args['journey']}:{request.args.get('phase', '')}"
        values = {"phase_ref": preset, "locale": brand.default_locale, "active": True}
        return _page("dashboard/survey_form.html", values=values, errors={}, choices=choices)
    form = forms.FormData(request.form)
    phase_ref = form.data.pop("phase_ref", "")
    journey_id, _, phase_key = (phase_ref if isinstance(phase_ref, str) else "").partition(":")
    if journey_id:
        form.data["journey_id"] = journey_id
    if phase_key:
        form.data["phase"] = phase_key
    form.data.setdefault("active", False)  # an unticked box sends nothing (the API's default: on)
    locale = form.data.get("locale")
    _questions_from(form, locale if locale in SUPPORTED_LOCALES else brand.default_locale)
    _own_texts(form, request.form)
    data, errors = forms.validate(SurveyCreate(), form)
    errors = _collapse_options(errors)
    if not errors:
        try:
            survey = surveys.create_survey(brand, data)
        except AppError as error:
            errors = error.fields or {"phase_ref": [error.description]}
        else:
            flash(f"Survey created (id {survey.id}).", "info")
            return redirect(url_for("dashboard.survey_edit", survey_id=survey.id))
    # One select names both journey and phase: their errors are said once, in its words.
    for name in ("journey_id", "phase"):
        for message in errors.pop(name, []):
            if message == fields.Field.default_error_messages["required"]:
                message = "choose a journey and phase"
            if message not in errors.setdefault("phase_ref", []):
                errors["phase_ref"].append(message)
    return _page(
        "dashboard/survey_form.html", 422, values=request.form, errors=errors, choices=choices
    )


@bp.route("/dashboard/surveys/<int:survey_id>", methods=["GET", "POST"])
@requires("read")
def survey_edit(survey_id):
    brand = current_brand()
    survey = surveys.get_survey(brand, survey_id)
    answered = surveys.has_answers(survey)
    if request.method == "GET":
        return _page(
            "dashboard/survey_form.html",
            survey=survey,
            answered=answered,
            values=_prefill(survey),
            errors={},
        )
    check("edit")
    # an emptied box switches inviting on reach, or the reminder, off
    form = forms.FormData(request.form, clearable=surveys.EMAILS)
    form.data["locale"] = survey.default_locale
    form.data.setdefault("active", False)  # an unticked box sends nothing
    _questions_from(form, survey.default_locale)
    _own_texts(form, request.form)
    data, errors = forms.validate(SurveyUpdate(), form)
    if not errors:
        if same_questions(survey, data.get("questions")):
            data.pop("questions")  # only the name or activation changed: no new version for that
        try:
            saved = surveys.update_survey(brand, survey_id, data)
        except AppError as error:
            if error.code != 422:
                raise
            errors = error.fields or {"questions": [error.description]}
    errors = _collapse_options(errors)
    if errors:
        return _page(
            "dashboard/survey_form.html",
            422,
            survey=survey,
            answered=answered,
            values=request.form,
            errors=errors,
        )
    if saved.id != survey.id:
        flash(
            f"This survey already had answers, so your change is version {saved.version} "
            f"(id {saved.id}); the old version keeps its answers and is now inactive.",
            "info",
        )
    else:
        flash("Survey saved.", "info")
    return redirect(url_for("dashboard.survey_edit", survey_id=saved.id))


@bp.route("/dashboard/surveys/<int:survey_id>/active", methods=["POST"])
@requires("edit")
def survey_active(survey_id):
    active = request.form.get("active") == "1"
    brand = current_brand()
    # Switching an older version back on switches the live one off: said, not left to find.
    replaced = active and surveys.live_other_version(brand, surveys.get_survey(brand, survey_id))
    try:
        survey = surveys.update_survey(brand, survey_id, {"active": active})
    except AppError as error:
        if error.code != 409:
            raise
        flash(f"Survey {survey_id} was not changed: {error.description}.", "error")  # archived
        return redirect(url_for("dashboard.surveys"))
    if replaced:
        name = survey.name or f"Survey {survey.id}"  # as the list names it
        flash(
            f"Version {survey.version} of “{name}” is active; version {replaced.version}, "
            f"active until now, is switched off. New answers go to version {survey.version}.",
            "info",
        )
    else:
        flash(f"Survey {'activated' if survey.active else 'deactivated'}.", "info")
    return redirect(url_for("dashboard.surveys"))


# The preview shows the email as mail clients do: its own inline styles, nothing else. No
# script, no request anywhere but for the brand's logo, from its own host: the links lead
# nowhere ("#").
EMAIL_PREVIEW_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:{logo}; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)


def _preview_policy(brand) -> str:
    """The preview's policy, letting in the logo's origin (an https URL the schema checked,
    so its host holds no space or semicolon that could add a directive)."""
    if not brand.logo_url:
        return EMAIL_PREVIEW_POLICY.format(logo="")
    parts = urlsplit(brand.logo_url)
    return EMAIL_PREVIEW_POLICY.format(logo=f" https://{parts.netloc}")


def _email_shown(survey_id: int, values) -> tuple:
    """The brand, survey, language, kind and first name asked for: a language the survey speaks
    (its own when none is asked for), `reminder` 1 only of a survey that reminds, and the
    name a customer's could be (empty: not known)."""
    brand = current_brand()
    survey = surveys.get_survey(brand, survey_id)
    locale = values.get("lang") or survey.default_locale
    if locale not in survey.locales:
        raise AppError(
            422,
            f"this survey is not offered in {locale!r}",
            fields={"lang": [f"one of {', '.join(survey.locales)}"]},
        )
    kind = values.get("reminder") or "0"
    if kind not in ("0", "1") or (kind == "1" and survey.remind_after_days is None):
        raise AppError(
            422,
            "no such email of this survey",
            fields={
                "reminder": ["0 for the invitation, 1 for the reminder of a survey that reminds"]
            },
        )
    first_name = (values.get("first_name") or "").strip() or None
    try:
        CustomerIn(only=("first_name",)).load({"first_name": first_name})
    except ValidationError as error:
        raise AppError(422, "not a first name", fields=error.messages) from None
    return brand, survey, locale, kind == "1", first_name


@bp.route("/dashboard/surveys/<int:survey_id>/email")
@requires("read")
def survey_email_preview(survey_id):
    """The invitation email (?reminder=1: its reminder) as a customer gets it, in ?lang=,
    greeting ?first_name= (or no one by name)."""
    brand, *rest = _email_shown(survey_id, request.args)
    shown = invitation_mail.preview(brand, *rest)
    response = make_response(shown.html)
    response.headers["Content-Security-Policy"] = _preview_policy(brand)
    response.headers["Cache-Control"] = "no-store"
    return response


def _per_user() -> str:
    return f"user:{current_user.id}"


@bp.route("/dashboard/surveys/<int:survey_id>/email/test", methods=["POST"])
@limiter.limit("20 per hour", key_func=_per_user)
@requires("edit")
def survey_email_test(survey_id):
    """The preview mailed to the user's own address, to see it in her own mail client."""
    brand, survey, locale, reminder, first_name = _email_shown(survey_id, request.form)
    kind = "reminder" if reminder else "invitation"
    try:
        invitation_mail.send_preview(
            brand, survey, locale, reminder, current_user.email, first_name
        )
    except mailer.MailError as error:
        flash(f"The test {kind} was not sent: {error}", "error")
    else:
        flash(f"The test {kind} ({locale}) was sent to {current_user.email}.", "info")
    return redirect(url_for("dashboard.survey_edit", survey_id=survey.id))
