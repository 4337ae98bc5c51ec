"""The monthly forecast review as a PDF, in the user's language (Chinese set in Noto Sans SC, which
the ``pylopdf-fonts-zh-cn`` package ships under the SIL Open Font License; only the glyphs used are
embedded, so a review is a few tens of kilobytes and opens on any machine, offline). Signs a font lacks
(an emoji, ✓, ⚠ typed in a note) come from Noto Emoji and Noto Sans Symbols."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from functools import cache
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from fpdf import FPDF
from fpdf.fonts import FontFace

FONT = "noto"
GREY = (235, 239, 244)


@cache
def _font_path() -> str:
    import pylopdf_fonts_zh_cn

    return str(pylopdf_fonts_zh_cn.sans_path())


FALLBACKS = (("emoji", "NotoEmoji[wght].ttf"), ("symbols", "NotoSansSymbols[wght].ttf"))


@cache
def _fallback_paths() -> tuple[tuple[str, str], ...]:
    """Noto Emoji and Noto Sans Symbols (``manimgx-fonts``): a note's 👍 or ⚠ is drawn, not left blank."""
    from pathlib import Path

    import manimgx_fonts

    folder = Path(manimgx_fonts.__file__).parent
    return tuple((name, str(folder / file)) for name, file in FALLBACKS if (folder / file).is_file())


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.0f}%"


def _num(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


NOTE_CHARS = 300  # a longer note is cut in the PDF (a table row may not outgrow a page); the page keeps it all


def _short(text: str | None) -> str:
    text = (text or "").strip()
    return text if len(text) <= NOTE_CHARS else text[:NOTE_CHARS] + "…"


def _breakable(method: str) -> str:
    """A combination's name with room to wrap between its members."""
    return method.replace("|", " | ")


class _Review(FPDF):
    def __init__(self, title: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.title_text = title
        self.set_title(title)
        self.set_creator("PartsPool")
        self.add_font(FONT, "", _font_path())
        for name, path in _fallback_paths():
            self.add_font(name, "", path)
        self.set_fallback_fonts([name for name, _path in _fallback_paths()])
        self.set_auto_page_break(auto=True, margin=15)
        self.set_margins(14, 14, 14)

    def footer(self) -> None:
        self.set_y(-11)
        self.set_font(FONT, size=7)
        self.set_text_color(110, 110, 110)
        self.cell(0, 5, f"PartsPool · {self.title_text} · {self.page_no()}", align="C")
        self.set_text_color(0, 0, 0)

    def heading(self, text: str) -> None:
        self.ln(3)
        self.set_font(FONT, size=12)
        self.cell(0, 7, text, new_x="LMARGIN", new_y="NEXT")
        self.set_font(FONT, size=8)

    def note(self, text: str) -> None:
        self.set_font(FONT, size=7.5)
        self.set_text_color(90, 90, 90)
        self.multi_cell(0, 4, text, new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(0, 0, 0)
        self.set_font(FONT, size=8)

    def grid(self, header: Sequence[str], rows: Iterable[Sequence[str]], widths: Sequence[int],
             right: Sequence[int] = ()) -> None:
        """A table; columns listed in ``right`` are numbers, set flush right."""
        aligns = tuple("RIGHT" if k in right else "LEFT" for k in range(len(header)))
        with self.table(col_widths=tuple(widths), text_align=aligns, line_height=4.6, padding=0.8,
                        headings_style=FontFace(fill_color=GREY), first_row_as_headings=True) as table:
            for values in (header, *rows):
                row = table.row()
                for value in values:
                    row.cell(str(value))


def review_pdf(data: dict[str, Any]) -> bytes:
    """The review of ``selectors.forecast_review`` as PDF bytes."""
    month: date = data["month"]
    title = _("Forecast review for %(month)s") % {"month": f"{month:%Y-%m}"}
    pdf = _Review(title)
    pdf.add_page()
    pdf.set_font(FONT, size=16)
    pdf.cell(0, 9, title, new_x="LMARGIN", new_y="NEXT")
    pdf.note(_("Made on %(when)s. Accuracy = 1 − Σ|forecast − actual| ÷ Σ actual, the measure the source uses. It "
               "favours forecasts that are too low on intermittent parts, so methods are chosen by RMSSE instead; "
               "read it beside the misses.") % {"when": f"{timezone.localtime():%Y-%m-%d %H:%M}"})

    pdf.heading(_("Accuracy"))
    rows = [[_("All"), "", _pct(data["accuracy"]), _pct(data["accuracy_last"]), "", ""]]
    for c in data["by_class"]:
        met = "" if c["met"] is None else (_("met") if c["met"] else _("below target"))
        rows.append([_("Class %(k)s") % {"k": c["abc_class"]}, str(c["series"]), _pct(c["accuracy"]),
                     _pct(c["accuracy_last"]), _pct(c["target"]), met])
    pdf.grid(["", _("Series"), _("This month"), _("Last month"), _("Target"), ""], rows,
             (40, 22, 28, 28, 24, 40), right=(1, 2, 3, 4))
    if not data["by_node"]:
        pdf.note(_("No forecast was made before this month: run one with history up to an earlier month to "
                   "review it."))

    if data["trend"]:
        pdf.heading(_("Accuracy per month"))
        pdf.grid([_("Month"), _("Series"), _("Demand"), _("All"), _("Class A"), _("Class B"), _("Class C")],
                 ([f"{r['month']:%Y-%m}", str(r["series"]), _num(r["demand"], 0), _pct(r["accuracy"]),
                   _pct(r["accuracy_A"]), _pct(r["accuracy_B"]), _pct(r["accuracy_C"])] for r in data["trend"]),
                 (26, 22, 26, 26, 26, 28, 28), right=(1, 2, 3, 4, 5, 6))

    if data["by_node"]:
        pdf.heading(_("By node"))
        pdf.grid([_("Node"), _("Series"), _("Accuracy")],
                 ([n["node"], str(n["series"]), _pct(n["accuracy"])] for n in data["by_node"]),
                 (60, 40, 40), right=(1, 2))

    pdf.heading(_("Regional observations"))
    for row in data["regions"] or [{"observation": _("None.")}]:
        pdf.note(row["observation"])

    pdf.heading(_("Biggest misses"))
    if data["misses"]:
        pdf.grid([_("Node"), _("Part"), _("Class"), _("Forecast"), _("Actual"), pgettext("forecast", "Error"), _("Method"), _("Cause"),
                  _("Improvement")],
                 ([m["node"], m["part"], m["abc_class"], _num(m["forecast"]), _num(m["actual"], 0),
                   _num(m["error"]), _breakable(m["method"]), _short(m["cause"]), _short(m["action"])] for m in data["misses"]),
                 (17, 24, 10, 14, 13, 13, 35, 28, 28), right=(3, 4, 5))
    else:
        pdf.note(_("None."))

    pdf.heading(_("Flagged by emergencies (forecast miss)"))
    if data["flagged"]:
        pdf.grid([_("Part"), _("Node"), _("Case"), _("Note")],
                 ([f["part"], f["node"], f["case"], _short(f["note"])] for f in data["flagged"]), (34, 22, 34, 92))
    else:
        pdf.note(_("None."))

    pdf.heading(_("Next month's forecast"))
    if data["next_month"]:
        # xgettext:no-python-format
        interval = _("80% interval")
        pdf.grid([_("Node"), _("Part"), _("Forecast"), interval, _("Basis"), _("Risks")],
                 ([r["node"], r["part"], _num(r["forecast"]),
                   f"{r['lo']:.0f}–{r['hi']:.0f}" + (f" ({_('uncertain')})" if r["wide"] else ""),
                   _short(_breakable(r["basis"])), _short(r["risk"])]
                  for r in data["next_month"]),
                 (20, 28, 18, 26, 46, 44), right=(2,))
    else:
        pdf.note(_("No forecast covers next month yet."))
    return bytes(pdf.output())
