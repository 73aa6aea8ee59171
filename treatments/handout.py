"""The home-exercise handout: what it says (shared by the HTML page and the PDF) and the PDF.

The handout carries the exercises, their dose and instructions, and the post-care advice; never
clinical notes or screening details. The PDF is drawn with fpdf2 (pure Python) in DejaVu Sans,
embedded from treatments/fonts/, so names with accents and signs like "–" or "°" print as typed.
"""

import copy
import pickle
import threading
from collections import defaultdict
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from fontTools import ttLib
from fpdf import FPDF
from fpdf.fonts import SubsetMap, TTFFont

from treatments.models import HomeProgram, PostCare

FONTS = Path(__file__).resolve().parent / "fonts"
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
# Tables fpdf2 drops from the embedded subset anyway, and the kerning table (a PDF places each
# glyph itself; fpdf2 never reads it): left out of the cached copy, so that subsetting does not
# parse them for every PDF.
UNUSED_TABLES = ("FFTM", "GDEF", "GPOS", "GSUB", "MATH", "hdmx", "meta", "kern")

# Per process: each style's TTFFont as fpdf2 parses it (cmap, widths, metrics) and the fontTools
# font without the unused tables, every table decompiled, pickled: parsing took about half of
# each PDF's time and subsetting re-read the tables. Read-only once made; each PDF gets its own
# copy of what fpdf2 changes (subset, width defaults, descriptor, and the fontTools font, which
# subsetting rewrites in place: unpickling a copy costs a fraction of decompiling the file).
_parsed: dict[str, tuple[TTFFont, bytes]] = {}
_parsed_lock = threading.Lock()


def _parsed_font(style: str) -> tuple[TTFFont, bytes]:
    with _parsed_lock:
        if style not in _parsed:
            path = FONTS / FONT_FILES[style]
            parsed = TTFFont(FPDF(), path, f"dejavu{style}", style)
            ttfont = ttLib.TTFont(path, recalcTimestamp=False)
            for tag in UNUSED_TABLES:
                if tag in ttfont:
                    del ttfont[tag]
            tags = ttfont.keys()
            for tag in tags:
                ttfont[tag]  # decompiled once here, not by every PDF's subsetting
            # Made here from our own font file, never read from outside the process.
            _parsed[style] = (parsed, pickle.dumps(ttfont, protocol=pickle.HIGHEST_PROTOCOL))
        return _parsed[style]


def _font_for(pdf: FPDF, style: str) -> TTFFont:
    """The cached parse of ``style`` as a font of ``pdf`` (what ``add_font`` would make)."""
    parsed, data = _parsed_font(style)
    font = TTFFont.__new__(TTFFont)
    for name in TTFFont.__slots__:
        if hasattr(parsed, name):
            setattr(font, name, getattr(parsed, name))
    font.i = len(pdf.fonts) + 1
    font.ttfont = pickle.loads(data)  # noqa: S301 (our own bytes, see _parsed_font)
    font.cw = defaultdict(parsed.cw.default_factory, parsed.cw)  # reads insert defaults
    font.desc = copy.copy(parsed.desc)  # output() names it and links the font file
    font.missing_glyphs = []
    font.biggest_size_pt = 0
    font._hbfont = None
    font.color_font = None  # DejaVu Sans has no colour glyphs
    font.subset = SubsetMap(font)
    return font


def handout_context(program: HomeProgram) -> dict:
    visit = program.visit
    items = list(program.items.select_related("exercise").order_by("position", "pk"))
    return {
        "program": program,
        "clinic_name": settings.CLINIC_NAME,
        "clinic_phone": settings.CLINIC_PHONE,
        "first_name": program.patient.preferred_name or program.patient.first_name,
        "date": timezone.localtime(program.activated_at or program.created_at).date(),
        "physiotherapist": visit.practitioner.display_name,
        "items": items,
        "post_care": PostCare.current().items(),
    }


class _HandoutPDF(FPDF):
    def __init__(self, footer_text: str):
        super().__init__(format="A4")  # A4 content fits Letter too: margins leave room
        self.footer_text = footer_text
        # As add_font("DejaVu", style, <file>) would, from the per-process cache.
        for style in FONT_FILES:
            self.fonts[f"dejavu{style}"] = _font_for(self, style)
        self.set_margins(18, 16, 18)
        self.set_auto_page_break(auto=True, margin=18)

    def footer(self):
        self.set_y(-13)
        self.set_font("DejaVu", "", 8)
        self.cell(0, 5, self.footer_text, align="C")


def handout_pdf(program: HomeProgram) -> bytes:
    return handout_pdf_of(handout_context(program))


def handout_pdf_of(c: dict) -> bytes:
    """The PDF of a ``handout_context``: no database access (so PDFs can be drawn in threads)."""
    pdf = _HandoutPDF(f"{c['clinic_name']} · {c['clinic_phone']}")
    pdf.set_title(f"Home exercise program, {c['clinic_name']}")
    pdf.set_author(c["clinic_name"])
    pdf.add_page()
    width = pdf.epw

    pdf.set_font("DejaVu", "B", 16)
    pdf.multi_cell(width, 8, c["clinic_name"], new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 10)
    pdf.multi_cell(width, 5, f"Phone {c['clinic_phone']}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font("DejaVu", "B", 13)
    pdf.multi_cell(
        width, 7, f"Home exercise program for {c['first_name']}", new_x="LMARGIN", new_y="NEXT"
    )
    pdf.set_font("DejaVu", "", 10)
    pdf.multi_cell(
        width,
        5,
        f"{c['date']:%Y-%m-%d} · Physiotherapist: {c['physiotherapist']}",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(4)

    for number, item in enumerate(c["items"], start=1):
        pdf.set_font("DejaVu", "B", 11)
        pdf.multi_cell(width, 6, f"{number}. {item.exercise.name}", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 10)
        pdf.multi_cell(width, 5, f"Dose: {item.dose}", new_x="LMARGIN", new_y="NEXT")
        pdf.multi_cell(width, 5, item.exercise.instructions, new_x="LMARGIN", new_y="NEXT")
        if item.notes:
            pdf.multi_cell(width, 5, f"Note: {item.notes}", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)

    pdf.ln(2)
    pdf.set_font("DejaVu", "B", 12)
    pdf.multi_cell(width, 6, "After your treatment", new_x="LMARGIN", new_y="NEXT")
    for title, text in c["post_care"]:
        if not text:
            continue
        pdf.set_font("DejaVu", "B", 10)
        pdf.multi_cell(width, 5, title, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 10)
        pdf.multi_cell(width, 5, text, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)
    return bytes(pdf.output())
