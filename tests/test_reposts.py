"""Repost detection: shingles, measured thresholds, compact signatures, the LSH index."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine

from monitor.analysis.chrome import strip_chrome
from monitor.analysis.reposts import (
    MIN_CHARS,
    REPOST_CONTAINMENT,
    REPOST_JACCARD,
    RepostIndex,
    overlap,
    pack_signature,
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


def test_signatures_pack_into_512_bytes_and_come_back_equal() -> None:
    minhash = signature(shingles(_text("repost/official.html")))
    data = pack_signature(minhash)
    assert len(data) == 512
    assert unpack_signature(data).jaccard(minhash) == 1.0


def test_the_index_finds_copies_and_half_copies_but_not_other_plans() -> None:
    index = RepostIndex()
    original = shingles(_text("repost/official.html"))
    index.put(1, signature(original))
    index.put(2, signature(shingles(_text("next_year/2025.txt"))))
    assert index.candidates(signature(shingles(_text("repost/news.html")))) == [1]
    half = _text("repost/official.html")[: len(_text("repost/official.html")) * 6 // 10]
    assert 1 in index.candidates(signature(shingles(half)))
    index.remove(1)
    assert index.candidates(signature(original)) == [] and len(index) == 1


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
