"""Loyalty's events become webhooks: loyalty.earned, loyalty.redeemed and loyalty.deducted.

The loyalty package imports nothing from the app, so the app subscribes to it here, once.
The subscriber runs inside the transaction that wrote the points, as webhooks.emit expects.
"""

import loyalty


def forward(brand_id: int, event: str, data: dict) -> None:
    from app.services import webhooks

    webhooks.emit(brand_id, event, data)


def wants(brand_id: int, event: str) -> bool:
    """Only brands with an endpoint for the event: the payloads cost queries to build."""
    from app.services import webhooks

    return webhooks.has_subscribers(brand_id, event)


def init_app(app) -> None:
    loyalty.subscribe(forward, wants=wants)
