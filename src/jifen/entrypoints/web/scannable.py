"""Codes drawn to be scanned from a phone's screen: QR codes (segno) and Code 128
barcodes (python-barcode encodes; the bars are drawn here as one SVG path).

Both are inline SVG with presentation attributes only (no ``style``), so the pages'
Content-Security-Policy (no inline styles) leaves them as drawn. python-barcode's own SVG
writer styles every bar inline and sizes them in millimetres; its encoder (code sets,
the checksum) is what is taken.
"""

from __future__ import annotations

import barcode
import segno
from markupsafe import Markup, escape

#: a module (the narrowest bar) in SVG units; the quiet zone is ten modules each side
_MODULE = 2
_QUIET = 10
_HEIGHT = 60


def qr(text: str, label: str = "") -> Markup:
    """``text`` as a QR code (error correction M: a scratched screen still scans). Never a
    Micro QR code, which ``segno.make`` picks for short texts and most tills cannot read."""
    svg: str = segno.make_qr(text, error="m").svg_inline(scale=6, border=2, title=label or None)
    return Markup(svg)  # noqa: S704 - segno's own SVG of a text we chose


def code128(text: str, label: str) -> Markup:
    """``text`` as a Code 128 barcode (all digits: code set C, two digits a symbol)."""
    modules = "".join(barcode.get("code128", text).build())
    width = (len(modules) + 2 * _QUIET) * _MODULE
    bars = []
    x = _QUIET * _MODULE
    run = 0
    for i, bit in enumerate(modules + "0"):
        if bit == "1":
            run += 1
            continue
        if run:
            start = x + (i - run) * _MODULE
            bars.append(f"M{start} 0h{run * _MODULE}v{_HEIGHT}h-{run * _MODULE}z")
            run = 0
    return Markup(  # noqa: S704 - numbers we computed, and an escaped label
        f'<svg xmlns="http://www.w3.org/2000/svg" class="barcode" role="img"'
        f' viewBox="0 0 {width} {_HEIGHT}" preserveAspectRatio="none"'
        f' aria-label="{escape(label)}"><rect width="{width}" height="{_HEIGHT}" fill="#fff"/>'
        f'<path fill="#000" d="{"".join(bars)}"/></svg>'
    )
