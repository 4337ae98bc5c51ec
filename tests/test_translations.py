"""Both catalogs are complete and compiled: no empty or fuzzy entry, placeholders kept."""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import pytest

LOCALE = Path(__file__).resolve().parent.parent / "src" / "partspool" / "locale"
PLACEHOLDER = re.compile(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[sdfi]")


def _unquote(line: str) -> str:
    return line[line.index('"') + 1: line.rindex('"')].encode().decode("unicode_escape").encode(
        "latin-1").decode("utf-8")


def parse_po(path: Path) -> list[dict]:
    """Entries of a .po file: msgid, msgid_plural, msgstr list, flags (header excluded)."""
    entries, entry, field = [], None, None
    for raw in path.read_text(encoding="utf-8").splitlines() + [""]:
        line = raw.strip()
        if not line:
            if entry is not None:
                entries.append(entry)
            entry, field = None, None
            continue
        if entry is None:
            entry = {"msgctxt": None, "msgid": "", "msgid_plural": None, "msgstr": {}, "flags": set(),
                     "obsolete": False}
        if line.startswith("#~"):
            entry["obsolete"] = True
        elif line.startswith("#,"):
            entry["flags"].update(f.strip() for f in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith("msgctxt"):
            field = ("msgctxt",)
            entry["msgctxt"] = _unquote(line)
        elif line.startswith("msgid_plural"):
            field = ("msgid_plural",)
            entry["msgid_plural"] = _unquote(line)
        elif line.startswith("msgid"):
            field = ("msgid",)
            entry["msgid"] = _unquote(line)
        elif line.startswith("msgstr["):
            index = int(line[7: line.index("]")])
            field = ("msgstr", index)
            entry["msgstr"][index] = _unquote(line)
        elif line.startswith("msgstr"):
            field = ("msgstr", 0)
            entry["msgstr"][0] = _unquote(line)
        elif line.startswith('"') and field is not None:
            if field[0] == "msgstr":
                entry["msgstr"][field[1]] += _unquote(line)
            else:
                entry[field[0]] += _unquote(line)
    return [e for e in entries if e["msgid"] and not e["obsolete"]]


@pytest.mark.parametrize("language", ["zh_Hans", "en"])
def test_catalog_is_complete_with_placeholders_kept(language):
    entries = parse_po(LOCALE / language / "LC_MESSAGES" / "django.po")
    assert len(entries) > 200
    for entry in entries:
        assert "fuzzy" not in entry["flags"], entry["msgid"]
        assert entry["msgstr"] and all(entry["msgstr"].values()), f"untranslated: {entry['msgid']!r}"
        wanted = set(PLACEHOLDER.findall(entry["msgid"] + (entry["msgid_plural"] or "")))
        for text in entry["msgstr"].values():
            assert set(PLACEHOLDER.findall(text)) <= wanted, entry["msgid"]
            if not entry["msgid_plural"]:
                assert set(PLACEHOLDER.findall(text)) == wanted, entry["msgid"]


@pytest.mark.parametrize("language", ["zh_Hans", "en"])
def test_compiled_catalog_matches_the_source(language):
    folder = LOCALE / language / "LC_MESSAGES"
    with (folder / "django.mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for entry in parse_po(folder / "django.po"):
        found = (compiled.pgettext(entry["msgctxt"], entry["msgid"]) if entry["msgctxt"] is not None
                 else compiled.gettext(entry["msgid"]))
        assert found == entry["msgstr"][0] or entry["msgid_plural"], entry["msgid"]


def test_chinese_is_really_chinese():
    entries = parse_po(LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.po")
    han = sum(1 for e in entries if re.search(r"[\u4e00-\u9fff]", e["msgstr"][0]))
    assert han / len(entries) > 0.9
