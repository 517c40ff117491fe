"""A brand's settings that its owner changes: its profile (name, language, colour, form of address,
time zone, reply address, privacy statement, logo, the contact budget, the review policy) and the
widget's allowed origins."""

from sqlalchemy import select

from app import locks
from app.errors import AppError
from app.extensions import db
from app.models import Brand, Phase
from app.services import contact_budget, mailer
from app.services.brands import locales_first, normalise_origin


def set_origins(brand: Brand, data: dict) -> Brand:
    """Replace the allowed widget origins; each must be a scheme://host[:port] origin."""
    origins, problems = [], {}
    for index, value in enumerate(data["origins"]):
        try:
            origin = normalise_origin(value)
        except AppError as error:
            problems[f"origins.{index}"] = [error.description]
            continue
        if origin not in origins:
            origins.append(origin)
    if problems:
        raise AppError(422, "some origins are not valid", fields=problems)
    brand.allowed_origins = origins
    db.session.commit()
    return brand


def profile(brand: Brand) -> dict:
    """The brand as the API shows it, its contact budget as it is applied (defaults filled in)."""
    shown = ("id", "name", "slug", "default_locale", "locales", "primary_color")
    more = (
        "formal_address",
        "time_zone",
        "reply_to",
        "privacy_url",
        "logo_url",
        "send_from_hour",
        "send_until_hour",
        "review_policy",
        "site_key",
        "allowed_origins",
        "created_at",
    )
    found = {field: getattr(brand, field) for field in shown + more}
    return {**found, "contact_policy": contact_budget.policy(brand)}


def set_profile(brand: Brand, data: dict) -> dict:
    """Change the fields given (validated by BrandProfileIn); the slug and its URLs stay.

    The policies are merged into what is stored, so the row is locked and read again first:
    two changes at once (each to one rule) must both stay, as two in a row do."""
    locks.lock_brand(brand.id)
    db.session.refresh(brand)
    _check_phase_keys(brand, (data.get("review_policy") or {}).get("phases") or {})
    if "name" in data:
        name = data["name"].strip()
        if not name:
            raise AppError(422, "a brand needs a name", fields={"name": ["must not be blank"]})
        brand.name = name
    if "primary_color" in data:
        brand.primary_color = data["primary_color"].lower()
    if "formal_address" in data:
        brand.formal_address = data["formal_address"]
    if "default_locale" in data:
        brand.default_locale = data["default_locale"]
        brand.locales = locales_first(brand.default_locale)
    if "time_zone" in data:
        brand.time_zone = data["time_zone"]
    if "reply_to" in data:
        # the form's emptied field is "none"; an address is kept as given, on one line
        brand.reply_to = mailer.ascii_domain((data["reply_to"] or "").strip()) or None
    if "privacy_url" in data:
        brand.privacy_url = _lower_scheme(data["privacy_url"]) or None
    if "logo_url" in data:
        brand.logo_url = _lower_scheme(data["logo_url"]) or None
    if "send_from_hour" in data:  # the schema takes both or neither
        brand.send_from_hour, brand.send_until_hour = (
            data["send_from_hour"],
            data["send_until_hour"],
        )
    if "contact_policy" in data:
        brand.contact_policy = {**contact_budget.policy(brand), **data["contact_policy"]}
    if "review_policy" in data:
        policy = {**(brand.review_policy or {}), **data["review_policy"]}
        if policy.get("item", ...) is None:  # null takes the item away: the brand itself again
            del policy["item"]
        brand.review_policy = policy
    db.session.commit()
    return profile(brand)


def _lower_scheme(url: str | None) -> str | None:
    """ "HTTPS://…" as "https://…": marshmallow takes either, the widget's check and some mail
    programs only the lower case."""
    if not url:
        return url
    scheme, _, rest = url.partition(":")
    return f"{scheme.lower()}:{rest}"


def _check_phase_keys(brand: Brand, phases: dict) -> None:
    """A rule for a phase key no journey of the brand has would never apply: most likely a
    typo, which the brand would only find when reviews are published that it meant to hold."""
    known = set(
        db.session.scalars(
            select(Phase.key).where(Phase.brand_id == brand.id, Phase.key.in_(list(phases)))
        )
    )
    unknown = {
        f"review_policy.phases.{key}": ["no phase of the brand has this key"]
        for key in phases
        if key not in known
    }
    if unknown:
        db.session.rollback()
        raise AppError(422, "the review policy names an unknown phase", fields=unknown)
