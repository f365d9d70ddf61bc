"""Repost detection: shingles, measured thresholds, compact signatures, the LSH index."""

from __future__ import annotations

from pathlib import Path

from datasketch import MinHashLSH
from sqlalchemy.engine import Engine

from monitor.analysis.chrome import strip_chrome
from monitor.analysis.reposts import (
    CANDIDATE_JACCARD,
    LSH_BANDS,
    LSH_ROWS,
    LSH_THRESHOLD,
    MIN_CHARS,
    NUM_PERM,
    PACKED_BYTES,
    REPOST_CONTAINMENT,
    REPOST_JACCARD,
    RepostIndex,
    hash_shingles,
    overlap,
    pack_signature,
    refresh_signatures,
    shingle_hashes,
    shingles,
    signature,
    unpack_signature,
)
from monitor.inputs import read_input_file
from store.engine import session_scope
from store.models import Document, Source
from store.versions import FetchedPage, record_fetch

PAIRS = Path(__file__).parent / "golden" / "pairs"


def _text(name: str) -> str:
    return read_input_file(PAIRS / name).text


def _is_repost(copy: str, original: str) -> bool:
    jaccard, contained = overlap(shingles(copy), shingles(original))
    return jaccard >= REPOST_JACCARD or contained >= REPOST_CONTAINMENT


def test_a_repost_with_other_chrome_and_punctuation_is_a_near_copy() -> None:
    jaccard, contained = overlap(shingles(_text("repost/news.html")), shingles(_text("repost/official.html")))
    assert jaccard > 0.9 and contained > 0.95


def test_next_years_plan_and_an_edited_plan_of_another_kind_are_not_copies() -> None:
    assert not _is_repost(_text("next_year/2025.txt"), _text("next_year/2024.txt"))
    assert not _is_repost(_text("repost/official.html"), _text("next_year/2025.txt"))


def test_width_punctuation_spaces_and_noise_do_not_matter() -> None:
    text = _text("repost/official.html")
    folded = text.replace(",", "，").replace(":", "：").replace("。", "。\n  ") + "\n浏览次数: 88\n分享到: 微信"
    assert shingles(folded) == shingles(text)


def test_short_texts_are_never_compared() -> None:
    assert shingles("关于召开会议的通知。" * 3) == set()
    assert len(shingles("卫" * (MIN_CHARS + 10))) == 1


def test_the_real_news_site_capture_is_a_copy_of_its_clean_text(seeds_dir: Path) -> None:
    capture = (seeds_dir / "000_59ac99cd95a2254b.txt").read_text(encoding="utf-8")
    assert _is_repost(capture, strip_chrome(capture))
    half = strip_chrome(capture)[: len(strip_chrome(capture)) // 2]
    assert _is_repost(half, strip_chrome(capture))  # a truncated copy
    for other in ("001_4d5e862fd32e0444.txt", "002_4a3de100b9f9aed8.txt"):
        assert overlap(shingles((seeds_dir / other).read_text(encoding="utf-8")), shingles(capture))[0] < 0.1


def test_signatures_pack_into_516_bytes_and_come_back_equal() -> None:
    minhash = signature(shingles(_text("repost/official.html")))
    data = pack_signature(minhash)
    assert len(data) == PACKED_BYTES == 516
    unpacked = unpack_signature(data)
    assert unpacked is not None and unpacked.jaccard(minhash) == 1.0
    assert unpack_signature(data[4:]) is None  # an untagged signature of the old SHA-1 shingle hash


def test_shingle_hashes_are_the_hashes_of_the_shingles() -> None:
    for name in ("repost/official.html", "repost/news.html", "next_year/2025.txt"):
        text = _text(name)
        hashes = shingle_hashes(text)
        assert len(hashes) == len(shingles(text)) and list(hashes) == list(hash_shingles(shingles(text)))
        assert signature(hashes).jaccard(signature(shingles(text))) == 1.0
    pair = (_text("repost/news.html"), _text("repost/official.html"))
    assert overlap(*map(shingle_hashes, pair)) == overlap(*map(shingles, pair))
    assert len(shingle_hashes("关于召开会议的通知。" * 3)) == 0


def test_the_index_proposes_copies_and_half_copies_and_forgets_removed_documents() -> None:
    index = RepostIndex()
    original = shingles(_text("repost/official.html"))
    index.put(1, signature(original))
    index.put(2, signature(shingles(_text("next_year/2025.txt"))))
    # The next year's plan (Jaccard 0.31-0.35 with these) may be proposed too: the LSH is
    # generous on purpose and find_original compares the texts (test_pipeline: not a repost).
    assert index.candidates(signature(shingles(_text("repost/news.html"))))[:1] == [1]
    half = _text("repost/official.html")[: len(_text("repost/official.html")) * 6 // 10]
    assert 1 in index.candidates(signature(shingles(half)))
    index.put(3, signature(original))  # shares every band with document 1
    index.remove(1)
    assert index.candidates(signature(original))[-1:] == [3] and 1 not in index.candidates(signature(original))
    index.remove(3)
    assert 3 not in index.candidates(signature(original)) and len(index) == 1


def test_the_index_bands_signatures_as_datasketchs_lsh_does() -> None:
    lsh = MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM)
    assert (lsh.b, lsh.r) == (LSH_BANDS, LSH_ROWS)
    index = RepostIndex()
    texts = [_text(name) for name in ("repost/official.html", "next_year/2024.txt", "next_year/2025.txt")]
    for number, text in enumerate(texts):
        index.put(number, signature(shingle_hashes(text)))
        lsh.insert(number, signature(shingle_hashes(text)))
    for text in [*texts, _text("repost/news.html"), texts[0][: len(texts[0]) // 2]]:
        query = signature(shingle_hashes(text))
        close = [key for key in sorted(lsh.query(query)) if query.jaccard(signature(shingle_hashes(texts[key]))) >= CANDIDATE_JACCARD]
        assert index.candidates(query) == close


def test_the_index_is_rebuilt_from_stored_signatures_of_originals_only(sqlite_engine: Engine) -> None:
    with session_scope(sqlite_engine) as session:
        session.add(Source(id="gov", name="gov"))
        session.add(Source(id="news", name="news"))
        session.flush()
        for n, (source, name) in enumerate([("gov", "repost/official.html"), ("news", "repost/news.html")]):
            text = _text(name)
            document = record_fetch(session, FetchedPage(url=f"http://{source}.example/{n}", source_id=source, text=text)).document
            document.minhash = pack_signature(signature(shingles(text)))
        session.flush()
        copy = session.get(Document, 2)
        copy.canonical_id = 1
    with session_scope(sqlite_engine) as session:
        index = RepostIndex.load(session)
        assert len(index) == 1
        copy = session.get(Document, 2)
        match = index.find_original(session, copy, shingles(_text("repost/news.html")))
    assert match is not None and match.original.id == 1 and match.similarity > 0.9


def test_signatures_of_the_old_shingle_hash_are_rewritten_and_still_find_the_original(sqlite_engine: Engine) -> None:
    with session_scope(sqlite_engine) as session:
        session.add(Source(id="gov", name="gov"))
        session.add(Source(id="news", name="news"))
        session.flush()
        text = _text("repost/official.html")
        original = record_fetch(session, FetchedPage(url="http://gov.example/1", source_id="gov", text=text)).document
        original.minhash = b"\x01" * 512  # what the SHA-1 shingle hash left in the store
        record_fetch(session, FetchedPage(url="http://news.example/2", source_id="news", text=_text("repost/news.html")))
    assert refresh_signatures(sqlite_engine) == 1 and refresh_signatures(sqlite_engine) == 0
    with session_scope(sqlite_engine) as session:
        stored = session.get(Document, 1)
        assert stored is not None and stored.minhash == pack_signature(signature(shingle_hashes(text)))
        index = RepostIndex.load(session)
        match = index.find_original(session, session.get(Document, 2), shingle_hashes(_text("repost/news.html")))
    assert len(index) == 1 and match is not None and match.original.id == 1
