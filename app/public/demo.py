"""/demo/widget: try the widget on the demo brand right after `make run` (not in production)."""

from flask import abort, current_app, render_template
from sqlalchemy import select

from app.demo.seed import SLUG
from app.extensions import db
from app.models import Brand, Phase, Survey
from app.public import bp
from app.services import public_urls

# A signed-in visitor the demo never asked: a seeded customer was invited or shown the widget
# within the contact budget's days, so the first ask would already be refused (204).
DEMO_VISITOR = "demo-bezoeker"


@bp.route("/demo/widget")
def demo_widget():
    if current_app.config["APP_ENV"] == "production":
        abort(404)
    brand = db.session.scalar(select(Brand).where(Brand.slug == SLUG))
    if brand is None:
        return render_template("channels/demo_widget.html", brand=None), 404
    phases = db.session.scalars(
        select(Phase)
        .where(
            Phase.brand_id == brand.id,
            Phase.id.in_(select(Survey.phase_id).where(Survey.active.is_(True))),
        )
        .order_by(Phase.journey_id, Phase.position)
    ).all()
    return render_template(
        "channels/demo_widget.html",
        brand=brand,
        phases=phases,
        customer=DEMO_VISITOR,
        signature=brand.sign_customer(DEMO_VISITOR),
        snippet=public_urls.snippet(brand, phases[0].key if phases else "PHASE"),
    )
