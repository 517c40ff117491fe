"""A brand's settings that its owner changes in the dashboard: widget origins."""

from app.errors import AppError
from app.extensions import db
from app.models import Brand
from app.services.brands import normalise_origin


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
