"""The CSV commands choose their language from the locale: these tests read English whatever the
developer's locale is (a test of another language says so with ``--lang`` or its own variables)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _english_locale(monkeypatch):
    for name in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
