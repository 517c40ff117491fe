"""Build widgets/widget.js: minify with rjsmin, gzip once, fingerprint — no Node needed.

Built lazily at the first request and kept in memory; a changed source file (by mtime) is
rebuilt, so editing the widget in development needs no restart.
"""

import gzip
import hashlib
import threading
from dataclasses import dataclass
from pathlib import Path

import rjsmin

SOURCE = Path(__file__).resolve().parents[2] / "widgets" / "widget.js"
BUDGET_GZIP_BYTES = 6 * 1024  # the size budget of issue 4, checked by a test and by make bench


@dataclass(frozen=True)
class Bundle:
    minified: bytes
    gzipped: bytes
    digest: str  # the first 12 hex digits of the minified file's sha256: its version

    @property
    def etag(self) -> str:
        return self.digest


_lock = threading.Lock()
_cache: dict[tuple[str, int], Bundle] = {}


def build(source: Path = SOURCE) -> Bundle:
    text = source.read_text(encoding="utf-8")
    # keep_bang_comments keeps the one-line /*! … */ licence header
    minified = rjsmin.jsmin(text, keep_bang_comments=True).encode("utf-8")
    gzipped = gzip.compress(minified, compresslevel=9, mtime=0)
    return Bundle(minified, gzipped, hashlib.sha256(minified).hexdigest()[:12])


def bundle(source: Path = SOURCE) -> Bundle:
    key = (str(source), source.stat().st_mtime_ns)
    found = _cache.get(key)
    if found is None:
        with _lock:
            found = _cache.get(key)
            if found is None:
                _cache.clear()
                found = _cache[key] = build(source)
    return found
