"""Turn fetched bytes into what the store keeps: the shared step of spider and revalidation.

The Scrapy spider and the aiohttp revalidation pass fetch differently but read the
same way, through these functions, so a page read by either hashes the same:

- :func:`read_page` decodes (``crawler.encoding.decode_html``: GBK with or without a
  charset), reads the fields (``crawler.page_fields.read_detail_page``) and computes
  the *page hash*: the normalised text plus the attachment links. Equal page hashes
  mean the attachments need not be fetched again.
- :func:`read_fetched_attachment` reads one attachment's bytes, or records why not.
- :func:`fetched_page` assembles the store's ``FetchedPage`` with plan year and kind.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

from crawler.attachments import attachment_extension, read_attachment
from crawler.encoding import decode_html
from crawler.items import RawCapture
from crawler.listing import in_allowed_domains
from crawler.page_fields import PageFields, read_detail_page
from monitor.analysis.planmeta import detect_doc_type, detect_plan_year
from store.models import utcnow
from store.normalise import content_hash
from store.sources_config import SourceConfig
from store.versions import FetchedAttachment, FetchedPage

__all__ = ["NotAPage", "ReadPage", "failed_attachment", "fetched_page", "looks_binary", "read_fetched_attachment",
           "read_page"]


@dataclass(frozen=True)
class ReadPage:
    """A detail page as read: its fields, the attachments to fetch, and its page hash."""

    url: str
    fields: PageFields
    attachment_links: list[tuple[str, str]]
    page_hash: str

    @property
    def text_content_hash(self) -> str | None:
        """The content hash of the text alone: the page hash when the page links no attachment."""
        return None if self.attachment_links else self.page_hash


class NotAPage(Exception):
    """A "page" whose bytes are not text: an image, archive or compressed data served as HTML."""


# A decoded page whose first _SNIFF_CHARS hold more than this share of control, private,
# unassigned or replacement characters is binary data, not a page (a real page, even
# with a wrong charset or cut short, stays far below it).
_BINARY_SHARE = 0.1
_SNIFF_CHARS = 4000
_ODD_CATEGORIES = frozenset({"Cc", "Co", "Cn", "Cs"})
# Characters that are never odd (printable ASCII, CJK punctuation and ideographs, full-width
# forms; tests/test_revalidate.py checks every one): removed before the per-character look.
_PLAIN = re.compile("[\t\n\r\f\x20-\x7e\u3000-\u303f\u4e00-\u9ffc\uff01-\uff5e]+")


def looks_binary(text: str) -> bool:
    """True when decoded "HTML" is really binary bytes (see :data:`_BINARY_SHARE`)."""
    head = text[:_SNIFF_CHARS]
    rest = _PLAIN.sub("", head)  # a page is mostly these: ~1 ms of Python per page saved
    odd = sum(1 for char in rest if char == "\ufffd" or (unicodedata.category(char) in _ODD_CATEGORIES
                                                          and char not in "\t\n\r\f"))
    return bool(head) and odd > len(head) * _BINARY_SHARE


def read_page(source: SourceConfig, raw: RawCapture) -> ReadPage:
    """Decode and read one detail page; NotAPage when its bytes are binary, else never raises.

    Binary bytes served as ``text/html`` used to be stored as a plan whose text was
    garbage (or empty); now the crawl counts them as ``not-html`` and stores nothing.
    """
    html = decode_html(raw.body, raw.header("Content-Type"))
    if looks_binary(html):
        kind = (raw.header("Content-Type") or "no Content-Type").split(";")[0]
        raise NotAPage(f"binary content ({len(raw.body)} bytes) served as {kind}, not a readable page")
    fields = read_detail_page(html, raw.url, source.selectors)
    links = []
    if source.attachments:
        links = [(url, name) for url, name in fields.attachment_links if in_allowed_domains(url, source.allowed_domains)]
    # Normalisation drops every whitespace, so without links this is content_hash(text):
    # taken once per page, it is also the version's hash (store.versions.content_digest).
    page_hash = content_hash(fields.text + "\n" + "\n".join(url for url, _ in links)) if links else content_hash(fields.text)
    return ReadPage(raw.url, fields, links, page_hash)


def _file_name(url: str, anchor_text: str) -> str:
    """A readable name: the anchor text when it names a file, else the URL's last segment."""
    if anchor_text and attachment_extension(anchor_text):
        return anchor_text
    segment = PurePosixPath(unquote(urlsplit(url).path)).name
    return anchor_text if anchor_text and not segment else (segment or url)


def read_fetched_attachment(url: str, anchor_text: str, raw: RawCapture) -> FetchedAttachment:
    """The text of a fetched attachment, or the reason it has none."""
    name = _file_name(url, anchor_text)
    media_type = (raw.header("Content-Type") or "").split(";")[0].strip()
    if raw.status != 200:
        return FetchedAttachment(url=url, filename=name, media_type=media_type, error=f"HTTP {raw.status}")
    read = read_attachment(raw.body, name if attachment_extension(name) else url, media_type or None)
    return FetchedAttachment(url=url, filename=name, media_type=media_type, size_bytes=len(raw.body),
                             text=read.text, error=read.error)


def failed_attachment(url: str, anchor_text: str, reason: str) -> FetchedAttachment:
    """An attachment that could not be fetched at all (timeout, too large, refused)."""
    return FetchedAttachment(url=url, filename=_file_name(url, anchor_text), error=reason)


def fetched_page(
    source: SourceConfig,
    read: ReadPage,
    raw: RawCapture,
    attachments: list[FetchedAttachment],
    when: datetime | None = None,
) -> FetchedPage:
    """The store's record of a document page: fields, plan year and kind, validators."""
    fields = read.fields
    return FetchedPage(
        url=read.url,
        source_id=source.id,
        text=fields.text,
        title=fields.title,
        agency=fields.agency or source.agency,
        region=source.region,
        plan_year=detect_plan_year(fields.title, fields.text, fields.published_on),
        doc_type=detect_doc_type(fields.title),
        published_on=fields.published_on,
        http_status=raw.status,
        etag=raw.header("ETag"),
        last_modified=raw.header("Last-Modified"),
        attachments=attachments,
        fetched_at=when or utcnow(),
        page_hash=read.page_hash,
        text_content_hash=read.text_content_hash,
    )
