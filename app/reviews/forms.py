"""The reader's form to flag a review (CSRF-protected by Flask-WTF)."""

from flask_wtf import FlaskForm
from wtforms import SelectField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length

from app.models.review import ReviewFlag
from app.services.review_labels import ground_label

NOTE_MAX = 1000

FLAG_TEXTS = {
    "nl": {
        "title": "Meld deze review",
        "reason": "Waarom moet deze review worden verwijderd?",
        "note": "Toelichting (optioneel)",
        "send": "Melding versturen",
        "thanks": "Bedankt. Een moderator bekijkt de melding. Een review wordt alleen verwijderd "
        "om een van de vermelde redenen, nooit omdat hij negatief is.",
        "repeat": "Deze melding hebben we al ontvangen. Een moderator bekijkt hem.",
        "back": "Terug naar de review",
        "intro": "Meldingen worden door een moderator van {brand} bekeken. Een review wordt nooit "
        "verwijderd omdat hij negatief is.",
        "choose": "Kies een reden",
        "required": "Kies een reden.",
        "invalid_choice": "Kies een van de redenen uit de lijst.",
        "too_long": "De toelichting mag hoogstens {max} tekens lang zijn.",
        "expired": "Dit formulier is verlopen. Laad de pagina opnieuw en verstuur de melding nog "
        "een keer.",
    },
    "en": {
        "title": "Report this review",
        "reason": "Why should this review be removed?",
        "note": "Details (optional)",
        "send": "Send report",
        "thanks": "Thank you. A moderator will look at your report. Reviews are only removed for "
        "one of the listed reasons, never for being negative.",
        "repeat": "You have already reported this review. A moderator will look at it.",
        "back": "Back to the review",
        "intro": "Reports are checked by a moderator at {brand}. A review is never removed for "
        "being negative.",
        "choose": "Choose a reason",
        "required": "Choose a reason.",
        "invalid_choice": "Choose one of the reasons in the list.",
        "too_long": "The details can be at most {max} characters long.",
        "expired": "This form has expired. Reload the page and send your report again.",
    },
}


class FlagForm(FlaskForm):
    # SelectField's own choice check only speaks WTForms' English ("Not a valid choice."); the
    # AnyOf validator set in for_locale does that check in the reader's language instead.
    reason = SelectField(validate_choice=False)
    note = TextAreaField()

    @classmethod
    def for_locale(cls, locale: str, brand_name: str, **kwargs) -> "FlagForm":
        form = cls(**kwargs)
        texts = FLAG_TEXTS[locale]
        # An empty first choice: without it the first reason was chosen for a reader who
        # picked none, and a report said "not a customer" that nobody meant.
        form.reason.choices = [("", texts["choose"])] + [
            (reason, ground_label(reason, locale, brand_name)) for reason in ReviewFlag.REASONS
        ]
        form.reason.label.text = texts["reason"]
        form.note.label.text = texts["note"]
        # Set on this form's fields, not the class's: the messages are in this reader's language
        # (WTForms' defaults are English only), and a shared validator must not change per request.
        form.reason.validators = [
            DataRequired(message=texts["required"]),
            AnyOf(ReviewFlag.REASONS, message=texts["invalid_choice"]),
        ]
        form.note.validators = [
            Length(max=NOTE_MAX, message=texts["too_long"].format(max=NOTE_MAX))
        ]
        return form
