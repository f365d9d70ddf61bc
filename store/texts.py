"""Texts stored once: zlib-compressed blobs keyed by the SHA-256 of the text."""

from __future__ import annotations

import zlib

from sqlmodel import Session

from store.models import Blob
from store.normalise import text_hash

__all__ = ["compress_text", "get_text", "put_text"]


def compress_text(text: str) -> bytes:
    """The stored form of a text (``Blob.data``)."""
    return zlib.compress(text.encode("utf-8"), 6)


def put_text(session: Session, text: str) -> str:
    """Store ``text`` unless an equal text is already stored; return its hash."""
    key = text_hash(text)
    if session.get(Blob, key) is None:
        session.add(Blob(hash=key, data=compress_text(text), size=len(text)))
        session.flush()
    return key


def get_text(session: Session, key: str | None) -> str:
    """The text stored under ``key`` ("" for None)."""
    if key is None:
        return ""
    blob = session.get(Blob, key)
    if blob is None:
        raise KeyError(f"no stored text {key}")
    return zlib.decompress(blob.data).decode("utf-8")
