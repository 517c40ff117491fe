"""Security headers on every response: a nonce-based CSP, no sniffing, no framing; and the
keyed hash with which we keep a value recognisable without keeping it."""

import hashlib
import hmac
import secrets

from flask import Flask, current_app, g, request


def keyed_hash(text: str) -> str:
    """HMAC-SHA256 of `text` under SECRET_KEY, in hex: the same text gives the same hash,
    and nobody without the key can test a guess against it. Changing the key changes all."""
    return _hmac(current_app.config["SECRET_KEY"], text)


def keyed_hashes(text: str) -> list[str]:
    """`text`'s keyed hash under SECRET_KEY, then under each of SECRET_KEY_FALLBACKS: what a
    lookup of something hashed before a key change must try (stored ones keep their key)."""
    return [keyed_hash(text)] + [_hmac(old, text) for old in _fallbacks()]


def signing_keys() -> list[str]:
    """For itsdangerous: it signs with the last key and accepts any, so a link mailed before
    SECRET_KEY changed still opens while its old key is among SECRET_KEY_FALLBACKS."""
    return [*reversed(_fallbacks()), current_app.config["SECRET_KEY"]]


def _fallbacks() -> list[str]:
    return list(current_app.config.get("SECRET_KEY_FALLBACKS") or [])


def _hmac(key: str, text: str) -> str:
    return hmac.new(key.encode(), text.encode(), hashlib.sha256).hexdigest()


def csp_nonce() -> str:
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def content_security_policy(nonce: str) -> str:
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            f"style-src 'self' 'nonce-{nonce}'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def init_app(app: Flask) -> None:
    app.jinja_env.globals["csp_nonce"] = csp_nonce

    @app.after_request
    def headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        if response.mimetype == "text/html":
            response.headers.setdefault(
                "Content-Security-Policy", content_security_policy(csp_nonce())
            )
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response
