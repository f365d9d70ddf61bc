"""Reposts: the same plan published again on another site is one plan, not a new one.

News and aggregator sites republish government plans with their own chrome, a lead
paragraph, full-width punctuation, sometimes the last paragraphs cut. Texts are
compared as sets of 5-character shingles of the noise-stripped, NFKC-folded text
without punctuation or spaces. Finding candidates uses datasketch's MinHash LSH: each
document keeps the signature of its latest text (``Document.minhash``, 516 bytes), so
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

Shingles are hashed in numpy, not one by one in Python (:func:`shingle_hashes`: a
polynomial over the 5 code points, then the MurmurHash3 64-bit finalizer), and the
exact comparison works on those sorted 64-bit arrays; the LSH bands are keyed in numpy too. Signatures made with the
earlier SHA-1 shingle hash (512 bytes, no tag) cannot be compared with these; they are
rewritten from each document's latest text by :func:`refresh_signatures`, which the
pipeline runs before an analysis run. An LSH candidate whose signature agrees with the
new one in fewer than :data:`CANDIDATE_JACCARD` of its slots is not compared at all.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any, TypeAlias
from urllib.parse import urlsplit

import numpy
from datasketch import LeanMinHash, MinHash
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from store.engine import session_scope
from store.models import Document
from store.normalise import strip_noise
from store.queries import latest_version
from store.texts import get_text

__all__ = [
    "CANDIDATE_JACCARD",
    "LSH_BANDS",
    "LSH_ROWS",
    "LSH_THRESHOLD",
    "MIN_CHARS",
    "NUM_PERM",
    "PACKED_BYTES",
    "REPOST_CONTAINMENT",
    "REPOST_JACCARD",
    "SCHEME",
    "SEED",
    "SHINGLE_CHARS",
    "RepostIndex",
    "RepostMatch",
    "Shingles",
    "hash_shingles",
    "overlap",
    "pack_signature",
    "refresh_signatures",
    "shingle_hashes",
    "shingles",
    "signature",
    "unpack_signature",
]

SHINGLE_CHARS = 5
NUM_PERM = 128
LSH_THRESHOLD = 0.4  # generous (a copy of half the text has Jaccard 0.5); confirmed on exact shingles
LSH_BANDS, LSH_ROWS = 32, 4  # what datasketch's MinHashLSH chooses for LSH_THRESHOLD at NUM_PERM
# Candidates the LSH lets through below this estimated Jaccard are not compared: at 0.4 it
# returns one plan in twenty at Jaccard 0.2 (two plans of one city's counties), while a
# copy holding half the text has 0.5 (the estimate's standard error at 128 slots: 0.044).
CANDIDATE_JACCARD = 0.3
REPOST_JACCARD = 0.8
REPOST_CONTAINMENT = 0.9
MIN_CHARS = 200
# datasketch 2's default scheme, named so stored signatures stay comparable after upgrades.
SCHEME = "affine32"
SEED = 1
_TAG = b"fx64"  # shingles hashed by shingle_hashes (untagged 512-byte signatures used SHA-1)
PACKED_BYTES = len(_TAG) + 4 * NUM_PERM

Shingles: TypeAlias = "set[str] | numpy.ndarray[Any, numpy.dtype[numpy.uint64]]"
_NOT_WORD = re.compile(r"[\W_]+")
_MULTIPLIER = numpy.uint64(0x9E3779B97F4A7C15)
_LOW32 = numpy.uint64(0xFFFFFFFF)
_REFRESH_BATCH = 100


def _folded(text: str) -> str:
    return _NOT_WORD.sub("", unicodedata.normalize("NFKC", strip_noise(text)))


def shingles(text: str) -> set[str]:
    """5-character shingles of the text without noise, punctuation, spaces; width folded."""
    folded = _folded(text)
    if len(folded) < MIN_CHARS:
        return set()
    return {folded[i : i + SHINGLE_CHARS] for i in range(len(folded) - SHINGLE_CHARS + 1)}


def _fmix64(values: numpy.ndarray[Any, numpy.dtype[numpy.uint64]]) -> numpy.ndarray[Any, numpy.dtype[numpy.uint64]]:
    """MurmurHash3's 64-bit finalizer (wrapping multiplication is the intended arithmetic)."""
    shift = numpy.uint64(33)
    values = (values ^ (values >> shift)) * numpy.uint64(0xFF51AFD7ED558CCD)
    values = (values ^ (values >> shift)) * numpy.uint64(0xC4CEB9FE1A85EC53)
    return values ^ (values >> shift)


def _window_hashes(codes: numpy.ndarray[Any, numpy.dtype[numpy.uint64]], count: int) -> numpy.ndarray[Any, numpy.dtype[numpy.uint64]]:
    """Sorted distinct hashes of the ``count`` windows of SHINGLE_CHARS code points."""
    hashes = numpy.zeros(count, dtype=numpy.uint64)
    with numpy.errstate(over="ignore"):
        for offset in range(SHINGLE_CHARS):
            hashes = hashes * _MULTIPLIER + codes[offset : offset + count]
        return numpy.unique(_fmix64(hashes))


def _code_points(text: str) -> numpy.ndarray[Any, numpy.dtype[numpy.uint64]]:
    return numpy.frombuffer(text.encode("utf-32-le"), dtype="<u4").astype(numpy.uint64)


def shingle_hashes(text: str) -> numpy.ndarray[Any, numpy.dtype[numpy.uint64]]:
    """The 64-bit hashes of :func:`shingles` (sorted, distinct), computed without building the set."""
    folded = _folded(text)
    if len(folded) < MIN_CHARS:
        return numpy.empty(0, dtype=numpy.uint64)
    return _window_hashes(_code_points(folded), len(folded) - SHINGLE_CHARS + 1)


def hash_shingles(items: Collection[str]) -> numpy.ndarray[Any, numpy.dtype[numpy.uint64]]:
    """The hashes :func:`shingle_hashes` gives these shingles (each of SHINGLE_CHARS characters)."""
    if not items:
        return numpy.empty(0, dtype=numpy.uint64)
    codes = _code_points("".join(sorted(items))).reshape(-1, SHINGLE_CHARS)
    hashes = numpy.zeros(len(codes), dtype=numpy.uint64)
    with numpy.errstate(over="ignore"):
        for offset in range(SHINGLE_CHARS):
            hashes = hashes * _MULTIPLIER + codes[:, offset]
        return numpy.unique(_fmix64(hashes))


def _as_hashes(items: Shingles) -> numpy.ndarray[Any, numpy.dtype[numpy.uint64]]:
    return hash_shingles(items) if isinstance(items, set) else items


def signature(items: Shingles) -> MinHash:
    """The MinHash of a shingle set (or of its :func:`shingle_hashes`: the same signature)."""
    minhash = MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME, hashfunc=int)
    hashes = _as_hashes(items)
    if len(hashes):
        minhash.update_batch((hashes & _LOW32).tolist())  # affine32 pre-mixes its 32-bit input
    return minhash


def pack_signature(minhash: MinHash) -> bytes:
    """516 bytes: a 4-byte tag naming the shingle hash, then 128 32-bit hash values."""
    return _TAG + bytes(numpy.asarray(minhash.hashvalues, dtype="<u4").tobytes())


def _current(data: bytes) -> bool:
    """Whether a stored signature was made with :func:`shingle_hashes` (tagged)."""
    return len(data) == PACKED_BYTES and data.startswith(_TAG)


def unpack_signature(data: bytes) -> LeanMinHash | None:
    """A stored signature, ready for the LSH index; None when made with the old shingle hash."""
    if not _current(data):
        return None
    return LeanMinHash(seed=SEED, hashvalues=numpy.frombuffer(data[len(_TAG):], dtype="<u4"), scheme=SCHEME)


def overlap(new: Shingles, old: Shingles) -> tuple[float, float]:
    """(Jaccard, containment): containment is the share of the smaller set found in the other."""
    if isinstance(new, set) and isinstance(old, set):
        common, sizes = len(new & old), (len(new), len(old))
    else:
        first, second = _as_hashes(new), _as_hashes(old)
        common, sizes = len(numpy.intersect1d(first, second, assume_unique=True)), (len(first), len(second))
    if not min(sizes):
        return 0.0, 0.0
    return common / (sum(sizes) - common), common / min(sizes)


def refresh_signatures(engine: Engine) -> int:
    """Rewrite signatures made with the old shingle hash from each document's latest text; how many."""
    with Session(engine) as session:
        stale = [doc_id for doc_id in session.exec(
            select(Document.id).where(col(Document.minhash).is_not(None), func.length(col(Document.minhash)) != PACKED_BYTES)
        ).all() if doc_id is not None]
    for start in range(0, len(stale), _REFRESH_BATCH):
        with session_scope(engine) as session:
            for document in session.exec(select(Document).where(col(Document.id).in_(stale[start : start + _REFRESH_BATCH]))):
                version = latest_version(session, document.id or 0)
                hashes = shingle_hashes(get_text(session, version.text_hash)) if version is not None else None
                document.minhash = pack_signature(signature(hashes)) if hashes is not None and len(hashes) else None
                session.add(document)
    return len(stale)


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


def _band_keys(values: numpy.ndarray[Any, Any]) -> list[list[int]]:
    """One 64-bit key per band of LSH_ROWS slots, for each signature (one per row of ``values``);
    the band's number is mixed in, so the bands of all documents share one table."""
    rows = numpy.atleast_2d(values).astype(numpy.uint64).reshape(-1, LSH_BANDS, LSH_ROWS)
    keys = numpy.broadcast_to(numpy.arange(1, LSH_BANDS + 1, dtype=numpy.uint64), rows.shape[:2])
    with numpy.errstate(over="ignore"):
        for row in range(LSH_ROWS):
            keys = keys * _MULTIPLIER + rows[:, :, row]
    result: list[list[int]] = keys.tolist()
    return result


class RepostIndex:
    """An LSH index over the signatures of original (non-repost) documents.

    Banded like datasketch's ``MinHashLSH`` at :data:`LSH_THRESHOLD` (:data:`LSH_BANDS` bands
    of :data:`LSH_ROWS` slots; a document is a candidate when one band is equal), with the
    band keys computed in numpy: loading 5,000 stored signatures costs ~20 ms instead of
    ~0.4 s, and a run pays it whatever few versions it analyses.
    """

    def __init__(self) -> None:
        self._table: dict[int, int | tuple[int, ...]] = {}  # band key -> the document(s) having it
        self._bands: dict[int, list[int]] = {}
        self._values: dict[int, numpy.ndarray[Any, Any]] = {}  # the signatures, to estimate Jaccard

    @classmethod
    def load(cls, session: Session) -> RepostIndex:
        """Every stored original's signature, read in one query (old-hash signatures left out)."""
        index = cls()
        statement = select(Document.id, Document.minhash).where(
            col(Document.canonical_id).is_(None), col(Document.minhash).is_not(None)
        )
        rows = [(document_id, data) for document_id, data in session.exec(statement).all()
                if document_id is not None and data and _current(data)]
        if rows:
            packed = b"".join(data[len(_TAG):] for _, data in rows if data)
            matrix = numpy.frombuffer(packed, dtype="<u4").reshape(len(rows), NUM_PERM)
            for (document_id, _), values, keys in zip(rows, matrix, _band_keys(matrix), strict=True):
                index._insert(document_id or 0, values, keys)
        return index

    def __len__(self) -> int:
        return len(self._values)

    def put(self, document_id: int, minhash: MinHash) -> None:
        """Index (or re-index) one original document."""
        self.remove(document_id)
        values = numpy.asarray(minhash.hashvalues, dtype=numpy.uint32)
        self._insert(document_id, values, _band_keys(values)[0])

    def _insert(self, document_id: int, values: numpy.ndarray[Any, Any], keys: list[int]) -> None:
        self._values[document_id], self._bands[document_id] = values, keys
        table = self._table
        for key in keys:  # most band keys belong to one document: no container for those
            found = table.get(key)
            table[key] = document_id if found is None else (*_members(found), document_id)

    def remove(self, document_id: int) -> None:
        keys = self._bands.pop(document_id, None)
        if keys is None:
            return
        del self._values[document_id]
        for key in keys:
            rest = tuple(member for member in _members(self._table.pop(key)) if member != document_id)
            if rest:
                self._table[key] = rest[0] if len(rest) == 1 else rest

    def candidates(self, minhash: MinHash) -> list[int]:
        """Indexed documents sharing a band with ``minhash`` and close enough to be compared."""
        values = numpy.asarray(minhash.hashvalues, dtype=numpy.uint32)
        close: set[int] = set()
        for key in _band_keys(values)[0]:
            close.update(_members(self._table.get(key, ())))
        enough = CANDIDATE_JACCARD * NUM_PERM
        return sorted(key for key in close if numpy.count_nonzero(self._values[key] == values) >= enough)

    def find_original(
        self, session: Session, document: Document, items: Shingles, minhash: MinHash | None = None
    ) -> RepostMatch | None:
        """The earlier document on another site that ``document``'s text copies, if any.

        Candidates come from the LSH index; their metadata is checked in one query before
        any text is read, and only eligible texts are compared shingle by shingle.
        """
        hashes = _as_hashes(items)
        ids = self.candidates(minhash if minhash is not None else signature(hashes)) if len(hashes) else []
        if not ids:
            return None
        others = session.exec(select(Document).where(col(Document.id).in_(ids)).order_by(col(Document.id))).all()
        best: RepostMatch | None = None
        for candidate in others:
            version = latest_version(session, candidate.id or 0) if _eligible(document, candidate) else None
            if version is None:
                continue
            jaccard, contained = overlap(hashes, shingle_hashes(get_text(session, version.text_hash)))
            if (jaccard >= REPOST_JACCARD or contained >= REPOST_CONTAINMENT) and (
                best is None or jaccard > best.similarity
            ):
                best = RepostMatch(candidate, jaccard, contained)
        return best


def _members(found: int | tuple[int, ...]) -> tuple[int, ...]:
    return (found,) if isinstance(found, int) else found


def _eligible(document: Document, candidate: Document) -> bool:
    """Earlier, on another site, an original itself, and not a plan for another year."""
    if candidate.canonical_id is not None or (candidate.id or 0) >= (document.id or 0):
        return False
    if document.plan_year and candidate.plan_year and document.plan_year != candidate.plan_year:
        return False
    return _other_site(document, candidate)
