"""What counts as the same content: text normalisation before hashing and diffing.

A page re-rendered with a new view counter, today's date in its header or a
different share widget has not changed. The patterns below are removed before the
content hash is taken (so no version is stored) and before the differ compares
texts (so no Change is made). One row per kind of noise, with an example it must
remove; ``tests/test_normalise.py`` runs every example.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

__all__ = ["NOISE_PATTERNS", "NoisePattern", "content_hash", "normalise_for_hash", "strip_noise", "text_hash"]


@dataclass(frozen=True)
class NoisePattern:
    name: str
    pattern: re.Pattern[str]
    example: str


def _p(name: str, regex: str, example: str) -> NoisePattern:
    return NoisePattern(name, re.compile(regex), example)


NOISE_PATTERNS: tuple[NoisePattern, ...] = (
    _p("view counter", r"(?:浏览次数|阅读次数|访问次数|点击次数|浏览量|阅读量|访问量|点击量|点击数)\s*[:：]?\s*\d*\s*次?", "浏览次数: 1234"),
    _p("bare hit count", r"(?<![\d.])\d+\s*次(?=\s*(?:打印|关闭|\[|【|字体|分享|$))", "0次 打印 关闭"),
    _p("today's date", r"(?:当前日期|今天是|今日)\s*[:：]?\s*\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*(?:星期[一二三四五六日天])?", "今天是 2024年06月28日 星期五"),
    _p("today's date, numeric", r"(?:当前日期|今天是|今日)\s*[:：]?\s*\d{4}\s*[-/.]\s*\d{1,2}\s*[-/.]\s*\d{1,2}\s*(?:星期[一二三四五六日天])?", "当前日期：2024-06-28"),
    _p("date with weekday", r"\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*星期[一二三四五六日天]", "2024年06月28日 星期五"),
    _p("read count", r"(?:阅读数|浏览数|访问数|点击率)\s*[:：]?\s*[\d.]+\s*万?\s*次?", "阅读数：1.2万"),
    _p("share widget", r"分享到\s*[:：]?[^\n]{0,40}", "分享到: 微信 微博 QQ空间"),
    _p("comment count", r"\d+\s*条\s*\[?\s*查看全部\s*\]?\s*相关评论", "0条 [查看全部] 相关评论"),
    _p("whitespace", r"[ \t\u3000\xa0]+", "a \u3000 b"),
)

_BLANK_LINES = re.compile(r"\n\s*\n+")


def strip_noise(text: str) -> str:
    """Remove counters, dates, share widgets; collapse whitespace; keep line breaks."""
    for noise in NOISE_PATTERNS:
        text = noise.pattern.sub("" if noise.name != "whitespace" else " ", text)
    lines = (line.strip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    return "\n".join(line for line in lines if line)


def normalise_for_hash(text: str) -> str:
    """The canonical form whose hash decides whether a fetch is a new version."""
    return re.sub(r"\s+", "", strip_noise(text))


def content_hash(text: str) -> str:
    """SHA-256 of the normalised text: equal for texts that differ only by noise."""
    return hashlib.sha256(normalise_for_hash(text).encode("utf-8")).hexdigest()


def text_hash(text: str) -> str:
    """SHA-256 of the exact text (the key of its stored blob)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
