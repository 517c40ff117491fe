"""The reader's form to flag a review (CSRF-protected by Flask-WTF)."""

from flask_wtf import FlaskForm
from wtforms import SelectField, TextAreaField
from wtforms.validators import DataRequired, Length

from app.models.review import ReviewFlag
from app.services.review_labels import ground_label

FLAG_TEXTS = {
    "nl": {
        "title": "Meld deze review",
        "reason": "Waarom moet deze review weg?",
        "note": "Toelichting (optioneel)",
        "send": "Melding versturen",
        "thanks": "Bedankt. Een moderator bekijkt uw melding. Een review wordt alleen verwijderd "
        "om een van de vermelde redenen, nooit omdat hij negatief is.",
        "repeat": "U heeft deze review al gemeld. Een moderator bekijkt het.",
        "back": "Terug naar de review",
        "intro": "Meldingen worden door een moderator van {brand} bekeken. Een review wordt nooit "
        "verwijderd omdat hij negatief is.",
    },
    "en": {
        "title": "Report this review",
        "reason": "Why should this review be removed?",
        "note": "Details (optional)",
        "send": "Send report",
        "thanks": "Thank you. A moderator will look at your report. Reviews are only removed for "
        "one of the listed reasons, never for being negative.",
        "repeat": "You already reported this review. A moderator will look at it.",
        "back": "Back to the review",
        "intro": "Reports are checked by a moderator of {brand}. A review is never removed for "
        "being negative.",
    },
}


class FlagForm(FlaskForm):
    reason = SelectField(validators=[DataRequired()])
    note = TextAreaField(validators=[Length(max=1000)])

    @classmethod
    def for_locale(cls, locale: str, brand_name: str, **kwargs) -> "FlagForm":
        form = cls(**kwargs)
        form.reason.choices = [
            (reason, ground_label(reason, locale, brand_name)) for reason in ReviewFlag.REASONS
        ]
        form.reason.label.text = FLAG_TEXTS[locale]["reason"]
        form.note.label.text = FLAG_TEXTS[locale]["note"]
        return form
