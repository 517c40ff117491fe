"""The widget bundle: minified without Node, within its gzip budget, and valid JavaScript."""

import gzip
import shutil
import subprocess

import pytest

from app.public.widget_build import BUDGET_GZIP_BYTES, SOURCE, build, bundle


def test_widget_is_within_its_6_kb_gzip_budget():
    built = build()
    assert len(built.gzipped) <= BUDGET_GZIP_BYTES, f"{len(built.gzipped)} bytes gzipped"
    assert gzip.decompress(built.gzipped) == built.minified
    assert len(built.minified) < len(SOURCE.read_bytes())


def test_bundle_is_cached_and_fingerprinted():
    assert bundle() is bundle()
    assert len(bundle().digest) == 12


def test_widget_source_keeps_the_promises():
    source = SOURCE.read_text()
    assert "attachShadow({ mode: 'open' })" in source
    assert "CSSStyleSheet" in source  # constructable stylesheet under a strict CSP
    assert "prefers-reduced-motion" in source
    assert "sendBeacon" in source and "keepalive" in source
    assert "idempotency_key" in source
    assert ".innerHTML" not in source  # user text only ever goes in as textContent
    assert "setAttribute('style'" not in source and ".style." not in source
    assert "http://" not in source and "https://" not in source  # nothing loaded from elsewhere


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_minified_widget_parses(tmp_path):
    path = tmp_path / "widget.min.js"
    path.write_bytes(build().minified)
    subprocess.run(["node", "--check", str(path)], check=True)
