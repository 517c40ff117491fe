"""/demo/widget: try the widget on the demo brand right after `make run` (not in production)."""

from flask import abort, current_app, render_template
from sqlalchemy import select

from app.demo.seed import SLUG
from app.extensions import db
from app.models import Brand, Customer, Phase, Survey
from app.public import bp
from app.services import public_urls


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
    customer = db.session.scalar(
        select(Customer).where(Customer.brand_id == brand.id).order_by(Customer.id).limit(1)
    )
    return render_template(
        "channels/demo_widget.html",
        brand=brand,
        phases=phases,
        customer=customer,
        signature=brand.sign_customer(customer.external_id) if customer else None,
        snippet=public_urls.snippet(brand, phases[0].key if phases else "PHASE"),
    )
