"""Every text about reviews a customer or reader sees, in Dutch and English.

Pages for any reader address no one; notices to the reviewer use the brand's form of address.
"""

from app.form_of_address import with_formal
from app.services.review_text import DEFAULT_NAME

LOCALES = ("nl", "en")
# A review without a name was stored with the default name in its own language, so "Klant"
# stood in English sentences: the pages recognise any of these and show `customer`, the word in
# the page's language, instead.
DEFAULT_NAMES = tuple(DEFAULT_NAME.values())

LABELS = {
    "nl": {
        "reviews_of": "Reviews van {brand}",
        "reviews_phase": "{phase} — reviews van {brand}",
        "review_by": "Review van {name} over {brand}",
        "description": "{count} van klanten van {brand}, gemiddeld {average} van 5, per "
        "fase van de klantreis. Hoe we reviews verzamelen en controleren staat op de pagina "
        "„Over deze reviews”.",
        "description_empty": "Reviews van klanten van {brand}, per fase van de klantreis.",
        "all_phases": "Alle fasen",
        "summary": "Samenvatting per fase",
        "average": "Gemiddeld {average} van 5",
        "count": "{count} reviews",
        "count_one": "1 review",
        "stars": "{n} sterren",
        "star": "1 ster",
        "rating": "{rating} van 5",
        "customer": DEFAULT_NAME["nl"],
        "default_names": DEFAULT_NAMES,
        "scale_nps": "Beoordeling {rating} van 5 (schaal 1–5), afgeleid van een {score} op de "
        "aanbevelingsvraag (0–10)",
        "scale_csat": "Beoordeling {rating} van 5, gegeven op de tevredenheidsvraag (1–5)",
        "verified": "Geverifieerde klant",
        "verified_journey_event": "deze klant heeft deze fase echt doorlopen",
        "verified_invitation_email": "persoonlijk uitgenodigd per e-mail",
        "verified_invitation_link": "persoonlijk uitgenodigd met een link",
        "not_verified": "Niet geverifieerd",
        "incentivized": "Punten aangeboden",
        "incentivized_long": "Voor het beantwoorden zijn punten aangeboden, evenveel bij elke "
        "score",
        "reply": "Reactie van {brand}",
        "phase": "Fase",
        "newest": "Nieuwste eerst",
        "previous": "Vorige pagina",
        "next": "Volgende pagina",
        "page": "Pagina {page} van {pages}",
        "none": "Er zijn nog geen gepubliceerde reviews.",
        "about": "Over deze reviews: hoe we ze verzamelen en controleren",
        "about_short": "Over deze reviews",
        "read": "Lees de review",
        "flag": "Meld deze review",
        "language": "Taal",
        "published": "Gepubliceerd",
        "all_reviews": "Alle reviews van {brand}",
        "removed": "Deze review is verwijderd",
        "feeds": "Feeds",
        "written_in": "Geschreven in het {language}",
        "lang_nl": "Nederlands",
        "lang_en": "Engels",
        "imported_from": "Geïmporteerd van {source}",
        "imported_long": "geschreven op {source} op {date}, niet via deze site verzameld en niet "
        "door ons geverifieerd",
        "written_on": "Geschreven op",
        "imported_summary": "Daarnaast {count} geïmporteerd van {sources}, gemiddeld {average} "
        "van 5: die staan hieronder met hun bron en originele datum, maar tellen niet mee in "
        "het gemiddelde hierboven.",
        "imported_summary_only": "{count} geïmporteerd van {sources}, gemiddeld {average} van 5, "
        "met hun bron en originele datum. Reviews die via deze site verzameld zijn, zijn er nog "
        "niet; alleen die tellen mee in een gemiddelde.",
        "scale_stars": "Beoordeling {rating} van 5, gegeven in sterren (1–5) op {source}",
        "scale_score10": "Beoordeling {rating} van 5, afgeleid van een {score} (schaal 1–10) op "
        "{source}",
    },
    "en": {
        "reviews_of": "Reviews of {brand}",
        "reviews_phase": "{phase} — reviews of {brand}",
        "review_by": "Review of {brand} by {name}",
        "description": "{count} by customers of {brand}, {average} out of 5 on average, per "
        "phase of the customer journey. How reviews are collected and checked is on the “About "
        "these reviews” page.",
        "description_empty": "Customer reviews of {brand}, per phase of the customer journey.",
        "all_phases": "All phases",
        "summary": "Summary per phase",
        "average": "{average} out of 5 on average",
        "count": "{count} reviews",
        "count_one": "1 review",
        "stars": "{n} stars",
        "star": "1 star",
        "rating": "{rating} out of 5",
        "customer": DEFAULT_NAME["en"],
        "default_names": DEFAULT_NAMES,
        "scale_nps": "Rated {rating} out of 5 (scale 1–5), derived from a score of {score} on the "
        "recommendation question (0–10)",
        "scale_csat": "Rated {rating} out of 5 on the satisfaction question (1–5)",
        "verified": "Verified customer",
        "verified_journey_event": "this customer really went through this phase",
        "verified_invitation_email": "personally invited by email",
        "verified_invitation_link": "personally invited with a link",
        "not_verified": "Not verified",
        "incentivized": "Points offered",
        "incentivized_long": "Loyalty points were offered for answering, the same for every score",
        "reply": "Reply from {brand}",
        "phase": "Phase",
        "newest": "Newest first",
        "previous": "Previous page",
        "next": "Next page",
        "page": "Page {page} of {pages}",
        "none": "There are no published reviews yet.",
        "about": "About these reviews: how they are collected and checked",
        "about_short": "About these reviews",
        "read": "Read the review",
        "flag": "Report this review",
        "language": "Language",
        "published": "Published",
        "all_reviews": "All reviews of {brand}",
        "removed": "This review has been removed",
        "feeds": "Feeds",
        "written_in": "Written in {language}",
        "lang_nl": "Dutch",
        "lang_en": "English",
        "imported_from": "Imported from {source}",
        "imported_long": "written on {source} on {date}, not collected through this site and not "
        "verified by us",
        "written_on": "Written on",
        "imported_summary": "Also {count} imported from {sources}, {average} out of 5 on "
        "average: they are listed below with their source and original date, but are not in "
        "the average above.",
        "imported_summary_only": "{count} imported from {sources}, {average} out of 5 on "
        "average, with their source and original date. There are no reviews collected through "
        "this site yet; only those count in an average.",
        "scale_stars": "Rated {rating} out of 5, given in stars (1–5) on {source}",
        "scale_score10": "Rated {rating} out of 5, derived from a score of {score} (scale 1–10) "
        "on {source}",
    },
}

GROUND_LABELS = {
    "nl": {
        "not_a_customer": "de schrijver is geen klant",
        "offensive": "beledigend of discriminerend",
        "personal_data": "bevat persoonsgegevens",
        "spam": "spam of reclame",
        "conflict_of_interest": "belangenverstrengeling (bijvoorbeeld een medewerker of "
        "concurrent)",
        "off_topic": "gaat niet over de ervaring met {brand}",
        "fake": "nep of verzonnen",
        "other": "iets anders",
    },
    "en": {
        "not_a_customer": "the writer is not a customer",
        "offensive": "offensive or discriminatory",
        "personal_data": "contains personal data",
        "spam": "spam or advertising",
        "conflict_of_interest": "conflict of interest (for example an employee or a competitor)",
        "off_topic": "not about the experience with {brand}",
        "fake": "fake or made up",
        "other": "something else",
    },
}

# What a reviewer is told. {review} names the review: its date and title (or first words).
_NOTICES = {
    "nl": {
        "publish": (
            "Je review over {brand} is gepubliceerd",
            "Bedankt voor je review over {brand} ({review}). Hij staat nu online: {url}",
        ),
        "reject": (
            "Je review over {brand} is niet gepubliceerd",
            "Je review over {brand} ({review}) is niet gepubliceerd, om deze reden: {ground}. "
            "We weigeren reviews alleen om de redenen die op {about} staan. {dispute}",
        ),
        "remove": (
            "Je review over {brand} is verwijderd",
            "Je review over {brand} ({review}) is verwijderd, om deze reden: {ground}. "
            "{points_back}We verwijderen reviews alleen om de redenen die op {about} staan. "
            "{dispute}",
        ),
        # The review bonus a removal takes back (loyalty): the balance must not drop unexplained.
        "points_back": "De {points} punten die je voor deze review kreeg, zijn teruggenomen. ",
        "points_back_one": "Het punt dat je voor deze review kreeg, is teruggenomen. ",
        "review": "geschreven op {date}: „{excerpt}”",
        # Declined or removed for personal data: not quoted back into a mailbox.
        "review_dated": "geschreven op {date}",
        # With a Reply-To (the brand's reply_to, else REVIEWS_REPLY_TO) a reply reaches someone;
        # else From is no-reply.
        "dispute_reply": "Ben je het er niet mee eens? Antwoord op dit bericht.",
        "dispute": "Ben je het er niet mee eens? Neem dan contact op met {brand}.",
        # The brand's public reply: quoted, as it stood when it was saved.
        "reply": (
            "{brand} heeft gereageerd op je review",
            "{brand} heeft gereageerd op je review ({review}):\n\n{reply}\n\n{where} {respond}",
        ),
        "reply_public": "Je leest de reactie ook onder je review: {url}",
        # A reply to a review still waiting for a moderator: no page to link to yet.
        "reply_waiting": "Je review staat nog niet online; de reactie komt eronder te staan "
        "zodra hij gepubliceerd is.",
        "respond_reply": "Wil je reageren? Antwoord op dit bericht.",
        "respond": "Wil je reageren? Neem dan contact op met {brand}.",
    },
    "en": {
        "publish": (
            "Your review of {brand} has been published",
            "Thank you for your review of {brand} ({review}). It is online now: {url}",
        ),
        "reject": (
            "Your review of {brand} was not published",
            "Your review of {brand} ({review}) was not published, for this reason: {ground}. "
            "We only decline reviews for the reasons listed at {about}. {dispute}",
        ),
        "remove": (
            "Your review of {brand} was removed",
            "Your review of {brand} ({review}) was removed, for this reason: {ground}. "
            "{points_back}We only remove reviews for the reasons listed at {about}. {dispute}",
        ),
        "points_back": "The {points} points you received for this review have been taken back. ",
        "points_back_one": "The 1 point you received for this review has been taken back. ",
        "review": "written on {date}: “{excerpt}”",
        "review_dated": "written on {date}",
        "dispute_reply": "Do you disagree? Reply to this message.",
        "dispute": "Do you disagree? Please contact {brand}.",
        "reply": (
            "{brand} replied to your review",
            "{brand} replied to your review ({review}):\n\n{reply}\n\n{where} {respond}",
        ),
        "reply_public": "You can also read the reply under your review: {url}",
        "reply_waiting": "Your review is not online yet; the reply will be shown under it once "
        "it is published.",
        "respond_reply": "Want to respond? Reply to this message.",
        "respond": "Want to respond? Please contact {brand}.",
    },
}

NOTICES = with_formal(
    _NOTICES,
    {
        "publish": (
            "Uw review over {brand} is gepubliceerd",
            "Bedankt voor uw review over {brand} ({review}). Hij staat nu online: {url}",
        ),
        "reject": (
            "Uw review over {brand} is niet gepubliceerd",
            "Uw review over {brand} ({review}) is niet gepubliceerd, om deze reden: {ground}. "
            "We weigeren reviews alleen om de redenen die op {about} staan. {dispute}",
        ),
        "remove": (
            "Uw review over {brand} is verwijderd",
            "Uw review over {brand} ({review}) is verwijderd, om deze reden: {ground}. "
            "{points_back}We verwijderen reviews alleen om de redenen die op {about} staan. "
            "{dispute}",
        ),
        "points_back": "De {points} punten die u voor deze review kreeg, zijn teruggenomen. ",
        "points_back_one": "Het punt dat u voor deze review kreeg, is teruggenomen. ",
        "dispute_reply": "Bent u het er niet mee eens? Antwoord op dit bericht.",
        "dispute": "Bent u het er niet mee eens? Neem dan contact op met {brand}.",
        "reply": (
            "{brand} heeft gereageerd op uw review",
            "{brand} heeft gereageerd op uw review ({review}):\n\n{reply}\n\n{where} {respond}",
        ),
        "reply_public": "U leest de reactie ook onder uw review: {url}",
        "reply_waiting": "Uw review staat nog niet online; de reactie komt eronder te staan "
        "zodra hij gepubliceerd is.",
        "respond_reply": "Wilt u reageren? Antwoord op dit bericht.",
        "respond": "Wilt u reageren? Neem dan contact op met {brand}.",
    },
)


def locale_of(value: str | None) -> str:
    return value if value in LOCALES else "en"


def labels(locale: str | None) -> dict:
    return LABELS[locale_of(locale)]


def verification(review, text: dict) -> str:
    """How a review was verified, in words of `text` (labels()): "Verified customer
    (personally invited by email)", or "Not verified"; the feeds and structured data say it so."""
    if not review.verified_by:
        return text["not_verified"]
    return f"{text['verified']} ({text[f'verified_{review.verified_by}']})"


def ground_label(ground: str, locale: str | None, brand_name: str = "") -> str:
    return GROUND_LABELS[locale_of(locale)].get(ground, ground).format(brand=brand_name)
