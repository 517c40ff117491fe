"""A brand's allowed origins are written as browsers send Origin."""

import pytest

from app.errors import AppError
from app.services.brands import normalise_origin


@pytest.mark.parametrize(
    "given, origin",
    [
        ("https://Shop.NL/", "https://shop.nl"),
        ("https://shop.nl:443", "https://shop.nl"),  # the scheme's own port: never sent
        ("http://shop.nl:80", "http://shop.nl"),
        ("https://shop.nl:8443", "https://shop.nl:8443"),
        ("http://127.0.0.1:5000", "http://127.0.0.1:5000"),
        ("http://shop.nl:443", "http://shop.nl:443"),  # another scheme's port is a real port
    ],
)
def test_origins_are_normalised(given, origin):
    assert normalise_origin(given) == origin


@pytest.mark.parametrize("given", ["shop.nl", "https://shop.nl/path", "ftp://shop.nl", ""])
def test_what_is_not_an_origin_is_refused(given):
    with pytest.raises(AppError):
        normalise_origin(given)
