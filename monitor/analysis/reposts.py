"""Reposts: the same plan published again on another site is one plan, not a new one.

News and aggregator sites republish government plans with their own chrome, a lead
paragraph, full-width punctuation, sometimes the last paragraphs cut. Texts are
compared as sets of 5-character shingles of the noise-stripped, NFKC-folded text
without punctuation or spaces. Finding candidates uses datasketch's MinHash LSH: each
document keeps the signature of its latest text (``Document.minhash``, 512 bytes), so
the index is rebuilt from the store in one query per analysis run instead of re-reading
every text. Candidates are then confirmed on the exact shingle sets.

Thresholds (measured on tests/golden/pairs and the seeds): a repost with another site's
chrome and a dropped closing paragraph has Jaccard 0.94; a county's next-year plan
reusing most of last year's wording 0.52; unrelated plans of one city 0.02. A copy is a
repost from Jaccard :data:`REPOST_JACCARD` up, or when :data:`REPOST_CONTAINMENT` of the
shorter text's shingles lie in the other (a truncated copy, or a copy with a commentary
added; the LSH finds copies holding about half of the text or more). Texts shorter than :data:`MIN_CHARS`
(short notices look alike) and plans of different years are never reposts, and the
original must be on another site (another source or another host).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import urlsplit

import numpy
from datasketch import LeanMinHash, MinHash, MinHashLSH
from sqlmodel import Session, col, select

from store.models import Document
from store.normalise import strip_noise
from store.queries import latest_version
from store.texts import get_text

__all__ = [
    "LSH_THRESHOLD",
    "MIN_CHARS",
    "NUM_PERM",
    "REPOST_CONTAINMENT",
    "REPOST_JACCARD",
    "SCHEME",
    "SEED",
    "SHINGLE_CHARS",
    "RepostIndex",
    "RepostMatch",
    "overlap",
    "pack_signature",
    "shingles",
    "signature",
    "unpack_signature",
]

SHINGLE_CHARS = 5
NUM_PERM = 128
LSH_THRESHOLD = 0.4  # generous (a copy of half the text has Jaccard 0.5); confirmed on exact shingles
REPOST_JACCARD = 0.8
REPOST_CONTAINMENT = 0.9
MIN_CHARS = 200
# datasketch 2's default scheme, named so stored signatures stay comparable after upgrades.
SCHEME = "affine32"
SEED = 1

_NOT_WORD = re.compile(r"[\W_]+")


def shingles(text: str) -> set[str]:
    """5-character shingles of the text without noise, punctuation, spaces; width folded."""
    folded = _NOT_WORD.sub("", unicodedata.normalize("NFKC", strip_noise(text)))
    if len(folded) < MIN_CHARS:
        return set()
    return {folded[i : i + SHINGLE_CHARS] for i in range(len(folded) - SHINGLE_CHARS + 1)}


def signature(items: set[str]) -> MinHash:
    """The MinHash of a shingle set."""
    minhash = MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME)
    if items:
        minhash.update_batch([item.encode("utf-8") for item in sorted(items)])
    return minhash


def pack_signature(minhash: MinHash) -> bytes:
    """512 bytes: the affine32 scheme's hash values are 32-bit."""
    return bytes(numpy.asarray(minhash.hashvalues, dtype="<u4").tobytes())


def unpack_signature(data: bytes) -> LeanMinHash:
    """A stored signature, ready for the LSH index (LeanMinHash: no permutations to build)."""
    return LeanMinHash(seed=SEED, hashvalues=numpy.frombuffer(data, dtype="<u4"), scheme=SCHEME)


def overlap(new: set[str], old: set[str]) -> tuple[float, float]:
    """(Jaccard, containment): containment is the share of the smaller set found in the other."""
    if not new or not old:
        return 0.0, 0.0
    common = len(new & old)
    return common / len(new | old), common / min(len(new), len(old))


@dataclass(frozen=True)
class RepostMatch:
    """The original a document copies, and how closely."""

    original: Document
    similarity: float  # Jaccard of the shingle sets
    containment: float  # share of the shorter text's shingles found in the other


def _site(document: Document) -> tuple[str, str]:
    return document.source_id, (urlsplit(document.url).netloc or "").lower()


def _other_site(a: Document, b: Document) -> bool:
    (source_a, host_a), (source_b, host_b) = _site(a), _site(b)
    return source_a != source_b or host_a != host_b


class RepostIndex:
    """An LSH index over the signatures of original (non-repost) documents."""

    def __init__(self) -> None:
        self._lsh = MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM)
        self._keys: set[int] = set()

    @classmethod
    def load(cls, session: Session) -> RepostIndex:
        """Every stored original's signature, read in one query."""
        index = cls()
        statement = select(Document.id, Document.minhash).where(
            col(Document.canonical_id).is_(None), col(Document.minhash).is_not(None)
        )
        for document_id, data in session.exec(statement).all():
            if document_id is not None and data:
                index.put(document_id, unpack_signature(data))
        return index

    def __len__(self) -> int:
        return len(self._keys)

    def put(self, document_id: int, minhash: MinHash) -> None:
        """Index (or re-index) one original document."""
        self.remove(document_id)
        self._lsh.insert(document_id, minhash)
        self._keys.add(document_id)

    def remove(self, document_id: int) -> None:
        if document_id in self._keys:
            self._lsh.remove(document_id)
            self._keys.discard(document_id)

    def candidates(self, minhash: MinHash) -> list[int]:
        return sorted(int(key) for key in self._lsh.query(minhash))

    def find_original(self, session: Session, document: Document, items: set[str]) -> RepostMatch | None:
        """The earlier document on another site that ``document``'s text copies, if any.

        Candidates come from the LSH index; their metadata is checked in one query before
        any text is read, and only eligible texts are compared shingle by shingle.
        """
        ids = self.candidates(signature(items)) if items else []
        if not ids:
            return None
        others = session.exec(select(Document).where(col(Document.id).in_(ids)).order_by(col(Document.id))).all()
        best: RepostMatch | None = None
        for candidate in others:
            version = latest_version(session, candidate.id or 0) if _eligible(document, candidate) else None
            if version is None:
                continue
            jaccard, contained = overlap(items, shingles(get_text(session, version.text_hash)))
            if (jaccard >= REPOST_JACCARD or contained >= REPOST_CONTAINMENT) and (
                best is None or jaccard > best.similarity
            ):
                best = RepostMatch(candidate, jaccard, contained)
        return best


def _eligible(document: Document, candidate: Document) -> bool:
    """Earlier, on another site, an original itself, and not a plan for another year."""
    if candidate.canonical_id is not None or (candidate.id or 0) >= (document.id or 0):
        return False
    if document.plan_year and candidate.plan_year and document.plan_year != candidate.plan_year:
        return False
    return _other_site(document, candidate)
