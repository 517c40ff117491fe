"""What customers read in the widget, the hosted pages and the invitation emails, in nl and en."""

from app.form_of_address import voice, with_formal
from app.schemas.common import SUPPORTED_LOCALES, normalise_locale

_TEXTS: dict[str, dict[str, str]] = {
    "nl": {
        "close": "Sluiten",
        "skip": "Overslaan",
        "next": "Volgende",
        "send": "Versturen",
        "sending": "Bezig met versturen…",
        "retrying": "Geen verbinding; we proberen het zo opnieuw.",
        "thanks": "Bedankt voor je antwoord!",
        "points_earned": "Je hebt {points} punten verdiend.",
        "points_earned_one": "Je hebt 1 punt verdiend.",
        "points_page": "Bekijk je punten en beloningen",
        "points_pending": "Je punten worden zo bijgeschreven.",
        "points_offer": "Je verdient punten voor elk antwoord, welke score je ook geeft.",
        "review_title": "Mogen we je antwoord als review publiceren?",
        "review_help": "We vragen dit iedereen, bij elke score. Je antwoord telt hoe dan ook mee.",
        "review_name": "Naam bij je review",
        # what the reviews show of it (review_text.display_name): no surprise on the page
        "review_name_help": "We tonen je voornaam en de eerste letter van je achternaam, zoals "
        "„Anna B.”. Leeg: „Klant”.",
        "review_yes": "Ja, publiceer als review",
        "review_no": "Nee, liever niet",
        "review_consent": "Ja, publiceer mijn antwoord als review",
        "nps_low": "Helemaal niet waarschijnlijk",
        "nps_high": "Zeer waarschijnlijk",
        "csat_low": "Zeer ontevreden",
        "csat_high": "Zeer tevreden",
        "ces_low": "Heel weinig moeite",
        "ces_high": "Heel veel moeite",
        "emotion_delighted": "Heel blij",
        "emotion_satisfied": "Tevreden",
        "emotion_neutral": "Neutraal",
        "emotion_disappointed": "Teleurgesteld",
        "emotion_frustrated": "Gefrustreerd",
        "feedback_for": "Feedback voor {brand}",
        "your_answer": "Je antwoord",
        "optional": "(optioneel)",
        "required": "Kies of vul een antwoord in.",
        "not_saved": "Sorry, je antwoord kon niet worden opgeslagen.",
        "invalid": "Dit antwoord is niet geldig.",
        "form_errors": "Niet alles is goed ingevuld. Kijk de gemarkeerde vragen na.",
        "send_again": "Deze pagina stond te lang open of kon niet worden gecontroleerd. "
        "Je antwoorden staan er nog: klik nog een keer op Versturen.",
        "check_and_send": "Je keuze staat al klaar. Vul eventueel meer in en klik op Versturen.",
        "page_title": "{brand} hoort graag je mening",
        "thanks_page": "Je antwoord is opgeslagen. Je kunt dit venster sluiten.",
        "invalid_link_title": "Deze link klopt niet",
        "invalid_link": "Deze link is niet geldig. Gebruik de volledige link uit de e-mail.",
        "expired_title": "Deze link is verlopen",
        "expired": "Deze uitnodiging is verlopen: de vragenlijst is gesloten. Bedankt dat je "
        "wilde antwoorden!",
        # also what a second click on Versturen gets: the first one's answer is in
        "used_title": "Je antwoord is al binnen",
        "used": "Met deze link is al een antwoord gegeven, en dat is opgeslagen: bedankt. Elke "
        "uitnodiging kan maar één keer worden gebruikt.",
        "closed_title": "Deze vragenlijst is gesloten",
        "closed": "Deze vragenlijst neemt geen antwoorden meer aan.",
        "language": "English",
        "privacy": "Privacyverklaring",
        # The phase tells one invitation from another: mail clients thread by subject, and a
        # new invitation hid in the thread of an old one, answered or expired.
        "email_subject": "{brand}: hoe was het? ({phase})",
        # The email only opens the page; the answer counts after Versturen there.
        # {first_name}: "Hallo Anna, …" where the name is known, else "Hallo, …" (email_texts)
        "email_intro": "Hallo {first_name}, we horen graag hoe het ging. Klik hieronder op je "
        "antwoord en "
        "verstuur het op de pagina die opent. Het zijn hooguit drie korte vragen.",
        "email_intro_text": "Hallo {first_name}, we horen graag hoe het ging. Het zijn hooguit "
        "drie korte vragen.",
        # Under a brand's own opening (Survey.email_texts): what a click does, said once.
        "email_how": "Klik hieronder op je antwoord en verstuur het op de pagina die opent.",
        "email_button": "Beantwoord de vraag",
        "email_points": "Voor je antwoord krijg je punten, welke score je ook geeft.",
        "email_footer": "Je krijgt deze e-mail omdat je klant bent van {brand}.",
        "email_unsubscribe": "Geen uitnodigingen meer ontvangen",
        "email_expires": "Deze link werkt tot {date}.",
        "unsubscribe_title": "Afmelden voor uitnodigingen",
        "unsubscribe_ask": "Wil je geen uitnodigingen van {brand} meer ontvangen?",
        "unsubscribe_button": "Afmelden",
        "unsubscribed": "Je bent afgemeld. Je ontvangt geen uitnodigingen meer van {brand}.",
        # The name of a score link in the email (title and aria-label): a bare digit says
        # nothing in a screen reader's list of links.
        "email_score_link": "{value} – op een schaal van {low} tot {high}",
        # The lowest and highest score's name: the scale's end label, as shown above the links.
        "email_score_end": "{value} – {label}",
        # The one reminder (reminders): the same question and link, a word on why it comes.
        "email_reminder_subject": "{brand}: we horen nog graag hoe het was ({phase})",
        "email_reminder_intro": "Hallo {first_name}, we vroegen je onlangs hoe het ging. Heb je "
        "even? Klik "
        "hieronder op je antwoord en verstuur het op de pagina die opent. Dit is de enige "
        "herinnering die we sturen.",
        "email_reminder_intro_text": "Hallo {first_name}, we vroegen je onlangs hoe het ging. "
        "Heb je even? "
        "Het zijn hooguit drie korte vragen. Dit is de enige herinnering die we sturen.",
    },
    "en": {
        "close": "Close",
        "skip": "Skip",
        "next": "Next",
        "send": "Send",
        "sending": "Sending…",
        "retrying": "No connection; we will try again shortly.",
        "thanks": "Thank you for your answer!",
        "points_earned": "You earned {points} points.",
        "points_earned_one": "You earned 1 point.",
        "points_page": "See your points and rewards",
        "points_pending": "Your points will be added shortly.",
        "points_offer": "You earn points for every answer, whatever score you give.",
        "review_title": "May we publish your answer as a review?",
        "review_help": "We ask everyone, whatever their score. Your answer counts either way.",
        "review_name": "Name shown with your review",
        "review_name_help": "We show your first name and the first letter of your last name, "
        "like “Anna B.”. Left empty: “Customer”.",
        "review_yes": "Yes, publish as a review",
        "review_no": "No, thanks",
        "review_consent": "Yes, publish my answer as a review",
        "nps_low": "Not at all likely",
        "nps_high": "Extremely likely",
        "csat_low": "Very dissatisfied",
        "csat_high": "Very satisfied",
        "ces_low": "Very little effort",
        "ces_high": "A great deal of effort",
        "emotion_delighted": "Delighted",
        "emotion_satisfied": "Satisfied",
        "emotion_neutral": "Neutral",
        "emotion_disappointed": "Disappointed",
        "emotion_frustrated": "Frustrated",
        "feedback_for": "Feedback for {brand}",
        "your_answer": "Your answer",
        "optional": "(optional)",
        "required": "Please choose or enter an answer.",
        "not_saved": "Sorry, your answer could not be saved.",
        "invalid": "This answer is not valid.",
        "form_errors": "Not everything is filled in correctly. Please check the marked questions.",
        "send_again": "This page was open too long or could not be checked. "
        "Your answers are still here: please press Send again.",
        "check_and_send": "Your choice is already selected. Add more if you like, then press Send.",
        "page_title": "{brand} would like your opinion",
        "thanks_page": "Your answer has been saved. You can close this window.",
        "invalid_link_title": "This link does not work",
        "invalid_link": "This link is not valid. Please use the complete link from the email.",
        "expired_title": "This link has expired",
        "expired": "This invitation has expired: the survey is closed. Thank you for wanting to "
        "answer!",
        "used_title": "Your answer is already in",
        "used": "This link has already been used to answer, and that answer is saved: thank you. "
        "Each invitation can only be used once.",
        "closed_title": "This survey is closed",
        "closed": "This survey no longer accepts answers.",
        "language": "Nederlands",
        "privacy": "Privacy statement",
        "email_subject": "{brand}: how did it go? ({phase})",
        "email_intro": "Hello {first_name}, we would love to hear how it went. Click your answer "
        "below, then "
        "send it on the page that opens. It's no more than three short questions.",
        "email_intro_text": "Hello {first_name}, we would love to hear how it went. It's no more "
        "than three short questions.",
        "email_how": "Click your answer below, then send it on the page that opens.",
        "email_button": "Answer the question",
        "email_points": "You earn points for answering, whatever score you give.",
        "email_footer": "You are receiving this email because you are a customer of {brand}.",
        "email_unsubscribe": "Stop receiving invitations",
        "email_expires": "This link works until {date}.",
        "unsubscribe_title": "Unsubscribe from invitations",
        "unsubscribe_ask": "Would you like to stop receiving invitations from {brand}?",
        "unsubscribe_button": "Unsubscribe",
        "unsubscribed": "You have been unsubscribed. You will no longer receive invitations "
        "from {brand}.",
        "email_score_link": "{value} – on a scale of {low} to {high}",
        "email_score_end": "{value} – {label}",
        "email_reminder_subject": "{brand}: we would still love to hear how it went ({phase})",
        "email_reminder_intro": "Hello {first_name}, we recently asked how it went. Do you have a "
        "moment? "
        "Click your answer below, then send it on the page that opens. This is the only "
        "reminder we send.",
        "email_reminder_intro_text": "Hello {first_name}, we recently asked how it went. Do you "
        "have a "
        "moment? It's no more than three short questions. This is the only reminder we send.",
    },
}

# The same in Dutch for brands that say "u" (Brand.formal_address).
TEXTS = with_formal(
    _TEXTS,
    {
        "thanks": "Bedankt voor uw antwoord!",
        "points_earned": "U heeft {points} punten verdiend.",
        "points_earned_one": "U heeft 1 punt verdiend.",
        "points_page": "Bekijk uw punten en beloningen",
        "points_pending": "Uw punten worden zo bijgeschreven.",
        "points_offer": "U verdient punten voor elk antwoord, welke score u ook geeft.",
        "review_title": "Mogen we uw antwoord als review publiceren?",
        "review_help": "We vragen dit iedereen, bij elke score. Uw antwoord telt hoe dan ook mee.",
        "review_name": "Naam bij uw review",
        "review_name_help": "We tonen uw voornaam en de eerste letter van uw achternaam, zoals "
        "„Anna B.”. Leeg: „Klant”.",
        "your_answer": "Uw antwoord",
        "not_saved": "Sorry, uw antwoord kon niet worden opgeslagen.",
        "send_again": "Deze pagina stond te lang open of kon niet worden gecontroleerd. "
        "Uw antwoorden staan er nog: klik nog een keer op Versturen.",
        "check_and_send": "Uw keuze staat al klaar. Vul eventueel meer in en klik op Versturen.",
        "page_title": "{brand} hoort graag uw mening",
        "thanks_page": "Uw antwoord is opgeslagen. U kunt dit venster sluiten.",
        "expired": "Deze uitnodiging is verlopen: de vragenlijst is gesloten. Bedankt dat u "
        "wilde antwoorden!",
        "used_title": "Uw antwoord is al binnen",
        "email_intro": "Hallo {first_name}, we horen graag hoe het ging. Klik hieronder op uw "
        "antwoord en "
        "verstuur het op de pagina die opent. Het zijn hooguit drie korte vragen.",
        "email_points": "Voor uw antwoord krijgt u punten, welke score u ook geeft.",
        "email_how": "Klik hieronder op uw antwoord en verstuur het op de pagina die opent.",
        "email_footer": "U krijgt deze e-mail omdat u klant bent van {brand}.",
        "email_reminder_intro": "Hallo {first_name}, we vroegen u onlangs hoe het ging. Heeft u "
        "even? Klik "
        "hieronder op uw antwoord en verstuur het op de pagina die opent. Dit is de enige "
        "herinnering die we sturen.",
        "email_reminder_intro_text": "Hallo {first_name}, we vroegen u onlangs hoe het ging. "
        "Heeft u even? "
        "Het zijn hooguit drie korte vragen. Dit is de enige herinnering die we sturen.",
        "unsubscribe_ask": "Wilt u geen uitnodigingen van {brand} meer ontvangen?",
        "unsubscribed": "U bent afgemeld. U ontvangt geen uitnodigingen meer van {brand}.",
    },
)

# The keys the widget needs; sent with the survey so the script itself carries no language.
WIDGET_KEYS = (
    "close",
    "skip",
    "next",
    "send",
    "sending",
    "retrying",
    "thanks",
    "points_earned",
    "points_earned_one",
    "points_pending",
    "points_offer",
    "review_title",
    "review_help",
    "review_name",
    "review_name_help",
    "review_yes",
    "review_no",
    "nps_low",
    "nps_high",
    "csat_low",
    "csat_high",
    "ces_low",
    "ces_high",
    "emotion_delighted",
    "emotion_satisfied",
    "emotion_neutral",
    "emotion_disappointed",
    "emotion_frustrated",
    "feedback_for",
    "your_answer",
    "required",
    "not_saved",
    "privacy",
)


def locale_or_default(value: str | None, default: str = "nl") -> str:
    return normalise_locale(value) or (default if default in SUPPORTED_LOCALES else "nl")


def texts(locale: str, brand=None) -> dict[str, str]:
    """The texts in this locale, in the brand's form of address (informal without a brand)."""
    return TEXTS[voice(locale_or_default(locale), brand)]


def t(locale: str, key: str, brand=None, **values) -> str:
    text = texts(locale, brand)[key]
    return text.format(**values) if values else text


def widget_texts(locale: str, brand) -> dict[str, str]:
    chosen = texts(locale, brand)
    result = {key: chosen[key] for key in WIDGET_KEYS}
    # Placeholders the widget fills itself ({points}) stay; the brand name is filled here.
    result["feedback_for"] = chosen["feedback_for"].format(brand=brand.name)
    return result


def best_locale(candidates: list[str | None], allowed: list[str], default: str) -> str:
    """The first candidate the survey speaks, else its default language."""
    for candidate in candidates:
        locale = normalise_locale(candidate)
        if locale and locale in allowed:
            return locale
    return default if default in SUPPORTED_LOCALES else "nl"
