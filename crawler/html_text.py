"""HTML elements to plain text lines, the way a reader sees the page.

A plan's structure lives in its lines: ``<p>`` and ``<br>`` paragraphs stay separate
lines, and a row of an indicator table stays one line with its cells joined by a tab
(``孕产妇死亡率\t≤12/10万\t卫生健康局``), so the target extractor can read it. A
layout table (a whole page in one cell, the old nested-table CMS look) is read as
blocks instead of being squashed into one line. Also: dates as government pages
write them.
"""

from __future__ import annotations

import re
from datetime import date

from lxml import html as lxml_html
from lxml.etree import _Comment, _ProcessingInstruction
from lxml.html import HtmlElement

__all__ = ["BLOCK_TAGS", "SKIP_TAGS", "clean_line", "element_text", "parse_date", "parse_html", "tidy_title"]

SKIP_TAGS = frozenset(
    {"script", "style", "noscript", "template", "head", "iframe", "select", "option", "button",
     "input", "textarea", "object", "embed", "svg", "canvas", "map"}
)
BLOCK_TAGS = frozenset(
    {"p", "div", "section", "article", "main", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol",
     "table", "tbody", "thead", "tfoot", "blockquote", "pre", "center", "form", "dl", "dt", "dd",
     "header", "footer", "nav", "aside", "figure", "figcaption", "address", "hr", "caption", "body",
     "html", "fieldset", "legend", "td", "th", "tr"}
)
# A row whose cells hold this much text, or a nested table, is layout, not data.
_DATA_ROW_MAX_CHARS = 400
# A cell of several paragraphs is a page column (Word's one <p> per cell is data).
_DATA_CELL_MAX_LINES = 2

_SPACES = re.compile(r"[ \t\r\f\v\u3000\xa0\u2002\u2003\u2009\u200b]+")


def clean_line(line: str) -> str:
    """One line with runs of (full-width) spaces collapsed and ends stripped."""
    return _SPACES.sub(" ", line).strip()


_SPACE_BY_CJK = re.compile(r"(?<=[\u3000-\u9fff\uff00-\uffef])\s+|\s+(?=[\u3000-\u9fff\uff00-\uffef])")


def tidy_title(title: str) -> str:
    """A title on one line without the stray spaces CMSs put between Chinese words."""
    return _SPACE_BY_CJK.sub("", " ".join(title.split()))


def parse_html(text: str) -> HtmlElement:
    """Parse a decoded page (str, never bytes: see crawler.encoding) into an lxml tree."""
    text = text.removeprefix("\ufeff")
    # lxml refuses str input that carries an XML encoding declaration.
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
    if not text.strip():
        text = "<html><body></body></html>"
    return lxml_html.document_fromstring(text)


def _cell_text(text: str) -> str:
    """A cell's lines (``element_text`` of the cell) joined by spaces."""
    return " ".join(clean_line(line) for line in text.split("\n") if line.strip())


def _row_texts(row: HtmlElement) -> list[str] | None:
    """The texts of a data row's cells, or None when the row is page layout.

    Each cell is walked once: its ``element_text`` serves both the layout test and
    the cell's text (it was walked twice; see bench/RESULTS.md).
    """
    cells = [child for child in row if isinstance(child.tag, str) and child.tag in {"td", "th"}]
    if not cells or any(cell.find(".//table") is not None for cell in cells):
        return None
    if sum(len(cell.text_content()) for cell in cells) > _DATA_ROW_MAX_CHARS:
        return None
    texts = [element_text(cell) for cell in cells]
    if any(text.count("\n") >= _DATA_CELL_MAX_LINES for text in texts):
        return None
    return [_cell_text(text) for text in texts]


def _walk(element: HtmlElement, out: list[str]) -> None:
    tag = element.tag if isinstance(element.tag, str) else ""
    if isinstance(element, _Comment | _ProcessingInstruction) or tag in SKIP_TAGS:
        return
    if tag == "br":
        out.append("\n")
        return
    block = tag in BLOCK_TAGS
    if block:
        out.append("\n")
    texts = _row_texts(element) if tag == "tr" else None
    if texts is not None:
        out.append("\t".join(texts) if any(texts) else "")
    else:
        if element.text:
            out.append(element.text)
        for child in element:
            _walk(child, out)
            if child.tail:
                out.append(child.tail)
    if block:
        out.append("\n")


def element_text(element: HtmlElement) -> str:
    """The text of ``element`` as lines: blocks and ``<br>`` break lines, rows keep cells."""
    out: list[str] = []
    _walk(element, out)
    lines = []
    for raw in "".join(out).split("\n"):
        cells = [clean_line(cell) for cell in raw.split("\t")]
        line = "\t".join(cell for cell in cells if cell)
        if line:
            lines.append(line)
    return "\n".join(lines)


_DATE = re.compile(r"((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")


def parse_date(value: str) -> date | None:
    """The first date in ``value``: 2024-03-15, 2024/3/15, 2024.03.15, 2024年3月15日."""
    match = _DATE.search(value or "")
    if not match:
        return None
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None
