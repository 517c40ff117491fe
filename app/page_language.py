"""What every page's frame and the error pages say to customers, in nl and en.

The pages of a brand (hosted surveys, reviews, the loyalty page) choose their own language.
The frame they share (base.html) follows the language each page declares, and an error page
on a customer's route follows the link's `?lang`, else the browser's languages: a Dutch
customer never meets an English "404 — Not Found". Marketers' routes stay English, with the
precise message, as the dashboard is.
"""

from flask import Flask, request

from app.schemas.common import SUPPORTED_LOCALES
from app.services.channel_texts import TEXTS, best_locale

STAFF_PREFIXES = ("/dashboard", "/login", "/logout", "/api")

FRAME = {
    "nl": {
        "main": "Hoofdmenu",
        "skip": "Naar de inhoud",
        "footer": "Phasewise — feedback per fase van de klantreis",
        "home": "Naar de startpagina",
        "privacy": TEXTS["nl"]["privacy"],  # a brand's privacy statement, as the widget says it
    },
    "en": {
        "main": "Main",
        "skip": "Skip to content",
        "footer": "Phasewise — feedback per phase of the customer journey",
        "home": "Home",
        "privacy": TEXTS["en"]["privacy"],
    },
}

# One message per status: a customer needs to know what to do, not which check failed.
ERRORS = {
    "nl": {
        400: "Dit verzoek klopt niet. Laad de pagina opnieuw en probeer het nog eens.",
        403: "Dit mag helaas niet.",
        404: "Deze link of pagina bestaat niet (meer).",
        405: "Dat kan op deze pagina niet.",
        409: "Dit is al gebeurd.",
        410: "Deze link is niet meer geldig. Vraag de afzender gerust om een nieuwe.",
        413: "Dit verzoek is te groot.",
        429: "Even te veel tegelijk. Probeer het over een minuut opnieuw.",
        500: "Er ging bij ons iets mis. Probeer het later nog eens.",
        None: "Dit verzoek klopt niet. Probeer het nog eens.",
    },
    "en": {
        400: "This request is not valid. Reload the page and try again.",
        403: "Sorry, this is not allowed.",
        404: "This link or page does not exist (any more).",
        405: "That is not possible on this page.",
        409: "This has already been done.",
        410: "This link is no longer valid. Feel free to ask the sender for a new one.",
        413: "This request is too large.",
        429: "Too many requests at once. Please try again in a minute.",
        500: "Something went wrong on our side. Please try again later.",
        None: "This request is not valid. Please try again.",
    },
}


# The heading above that message: words, not a status code.
ERROR_TITLES = {
    "nl": {
        403: "Geen toegang",
        404: "Niet gevonden",
        410: "Deze link is verlopen",
        429: "Even geduld",
        500: "Er ging iets mis",
        None: "Dat lukte niet",
    },
    "en": {
        403: "No access",
        404: "Not found",
        410: "This link has expired",
        429: "One moment",
        500: "Something went wrong",
        None: "That did not work",
    },
}


def error_title(locale: str, status: int) -> str:
    titles = ERROR_TITLES[locale]
    return titles.get(status) or titles[500 if status >= 500 else None]


def frame_text(locale: str, key: str) -> str:
    return FRAME.get(locale, FRAME["en"])[key]


def for_customers() -> bool:
    return not request.path.startswith(STAFF_PREFIXES)


def browser_locale() -> str | None:
    """The first of the browser's languages (Accept-Language) that we speak, if any."""
    return request.accept_languages.best_match(SUPPORTED_LOCALES)


def request_locale() -> str:
    """The link's `?lang`, else the browser's first language we speak, else Dutch."""
    return best_locale([request.args.get("lang"), browser_locale()], list(SUPPORTED_LOCALES), "nl")


def error_message(locale: str, status: int) -> str:
    messages = ERRORS[locale]
    return messages.get(status) or messages[500 if status >= 500 else None]


def init_app(app: Flask) -> None:
    app.jinja_env.globals["frame_text"] = frame_text
