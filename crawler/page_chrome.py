"""Page chrome left in an extracted body: the last line filter of page reading.

Body containers usually hold only the document, but readability-lxml and loose CMS
containers let through the lines around it: 放大字体 缩小字体, 打印 关闭, 分享到,
扫一扫在手机打开当前页, 浏览次数, the 来源/发布时间 line, 相关稿件 lists, 备案号
footers. Three tables, each row with an example that ``tests/test_page_fields.py``
runs:

* :data:`CHROME_PHRASES`  removed from a line; a line left with no real text is dropped
  (so ``来源:遂宁市卫健委 发布时间:2022-03-21 浏览次数: 字体: [ ] 打印`` goes, a
  sentence that merely mentions 打印 stays);
* :data:`FOOTER_LINES`    short lines that are site footers or navigation, dropped whole;
* :data:`TAIL_MARKERS`    a heading after which only short link lines follow
  (相关稿件 ...): it and everything after it go.

The text-analysis chrome filter (``monitor.analysis.chrome.strip_chrome``, written
for plain-text captures) runs afterwards on every line that is not a table row, so
both tables apply; a table header row such as ``指标\t单位\t目标值`` would look like a
hot-search word list to it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import NamedTuple, cast

__all__ = ["CHROME_PHRASES", "FOOTER_LINES", "TAIL_MARKERS", "ChromeRow", "strip_page_chrome"]


class ChromeRow(NamedTuple):
    name: str
    pattern: re.Pattern[str]
    example: str


def _row(name: str, regex: str, example: str) -> ChromeRow:
    return ChromeRow(name, re.compile(regex), example)


_TIME = r"(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?"
CHROME_PHRASES: tuple[ChromeRow, ...] = (
    _row("font size", r"(?:放大字体|缩小字体|【?\s*字体\s*[:：]?\s*[\[【]?\s*[大中小]?\s*[大中小]?\s*[大中小]?\s*[\]】]?|[【\[]\s*[大中小]\s*[】\]])", "放大字体 缩小字体 [字体: ]"),
    _row("print/close", r"(?:打印本页|打印本文|打印此页|打印|关闭窗口|关闭本页|关闭)", "打印 关闭"),
    _row("share", r"分享到\s*[:：]?(?:\s*(?:微信|微博|QQ空间|QQ|朋友圈|新浪微博|腾讯微博|人人网|豆瓣))*", "分享到: 微信 微博"),
    _row("scan", r"扫一扫在手机(?:上)?打开当前页|手机扫一扫|扫一扫", "扫一扫在手机打开当前页"),
    _row("view counter", r"(?:浏览次数|阅读次数|访问次数|点击次数|浏览量|阅读量|点击数)\s*[:：]?\s*\d*\s*次?|(?<![\d.])\d+\s*次(?![\w])", "浏览次数: 1203"),
    _row("metadata label", r"(?:发布日期|发布时间|发文日期|更新时间|文章来源|信息来源|来源|作者|责任编辑|编辑|时间|日期)\s*[:：]\s*(?:[^\s:：]{0,40}?" + _TIME + r")?(?=\s|$|发布|时间|日期|浏览|字体|来源)", "来源:遂宁市卫健委 发布时间:2022-03-21 10:13"),
    _row("bookmark", r"(?:加入收藏|收藏本页|收藏|告诉好友|违规举报|纠错|返回顶部|返回|【|】|\[|\]|\|)", "[ 加入收藏 ] [ 告诉好友 ]"),
)

FOOTER_LINES: tuple[ChromeRow, ...] = (
    _row("record number", r"备案号|ICP备|ICP证|公网安备|网站标识码|政府网站标识", "备案号：黔ICP备05001234号"),
    _row("copyright", r"版权所有|Copyright|©|主办单位\s*[:：]|承办单位\s*[:：]|技术支持\s*[:：]", "版权所有：贵阳市卫生健康局"),
    _row("breadcrumb", r"^(?:当前位置|您当前所在的位置|您现在的位置|所在位置)\s*[:：]", "当前位置：首页 > 规划计划"),
    _row("hot search", r"^热搜(?:词)?\s*[:：]", "热搜: 食品 烟台"),
    _row("prev/next", r"^(?:上一篇|下一篇)\s*[:：]", "上一篇：关于开展爱国卫生月活动的通知"),
    _row("site links", r"^(?:网站地图|联系我们|无障碍|长者模式|English)(?:\s+(?:网站地图|联系我们|无障碍|长者模式|English))*$", "网站地图 联系我们"),
)
_FOOTER_MAX_CHARS = 120

TAIL_MARKERS: tuple[ChromeRow, ...] = (
    _row("related", r"^(?:相关稿件|相关文章|相关链接|相关阅读|相关新闻|推荐阅读|相关信息)\s*[:：]?$", "相关稿件"),
)
_TAIL_MAX_LINES = 15
_TAIL_MAX_CHARS = 80
_REAL_TEXT = re.compile(r"[\u4e00-\u9fff]{2}|[A-Za-z]{3}|\d")


def _is_chrome_only(line: str) -> bool:
    rest = line
    for row in CHROME_PHRASES:
        rest = row.pattern.sub(" ", rest)
    return rest.strip() == "" or (len(rest.strip()) < 2 and not _REAL_TEXT.search(rest))


def _is_footer(line: str) -> bool:
    return len(line) <= _FOOTER_MAX_CHARS and any(row.pattern.search(line) for row in FOOTER_LINES)


def _cut_tail(lines: list[str]) -> list[str]:
    """Drop a 相关稿件-style heading and the short link lines after it."""
    for index, line in enumerate(lines):
        if any(row.pattern.search(line) for row in TAIL_MARKERS):
            tail = lines[index + 1 :]
            if len(tail) <= _TAIL_MAX_LINES and all(len(item) <= _TAIL_MAX_CHARS for item in tail):
                return lines[:index]
    return lines


def _analysis_filter() -> Callable[[str], str] | None:
    try:
        from monitor.analysis.chrome import strip_chrome
    except ImportError:
        return None
    return cast("Callable[[str], str]", strip_chrome)


def strip_page_chrome(text: str, title: str = "") -> str:
    """``text`` without chrome lines; the document's own lines are kept in order."""
    lines = [line for line in text.split("\n") if line.strip()]
    kept = [line for line in lines if not _is_footer(line) and not _is_chrome_only(line)]
    kept = _cut_tail(kept)
    extra = _analysis_filter()
    if extra is not None:
        # Table rows (cells joined by tabs) are data; the text filter is for prose lines.
        kept = [line if "\t" in line else extra(line).strip() for line in kept]
    return "\n".join(line for line in kept if line)
