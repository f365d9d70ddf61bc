"""Page chrome in plain text: the lines a web page wraps around the plan text.

Body extractors leave navigation, font-size buttons, share bars, view counters and
footers in the text of many government pages (and every plain-text capture has them).
:func:`strip_chrome` drops those lines, using the table :data:`CHROME_RULES`: each row
is a name, a pattern searched in one stripped line, and the longest line the rule may
drop (a sentence of plan text that happens to contain 打印 is long; the chrome line is
short). Crawler developers may append rows.
"""

from __future__ import annotations

import re
from typing import NamedTuple

__all__ = ["CHROME_RULES", "ChromeRule", "is_chrome_line", "strip_chrome"]


class ChromeRule(NamedTuple):
    name: str
    pattern: re.Pattern[str]
    max_len: int  # lines longer than this are plan text, whatever they contain
    hint: re.Pattern[str] | None = None  # words every match contains (a cheap test first); None = always search


def _rule(name: str, pattern: str, max_len: int = 80, hint: tuple[str, ...] = ()) -> ChromeRule:
    words = re.compile("|".join(re.escape(word) for word in hint)) if hint else None
    return ChromeRule(name, re.compile(pattern), max_len, words)


CHROME_RULES: tuple[ChromeRule, ...] = (
    _rule("hot-search", r"^热(?:搜|搜词|门搜索|词)\s*[:：]", 200),
    _rule("breadcrumb", r"^(?:您?(?:当前)?(?:所在)?的?位置|当前位置|首页\s*[>»›/-])", 200),
    _rule("breadcrumb-path", r"^[^。，,；]{1,20}(?:\s*[>»›]\s*[^>»›。，,；]{1,16}){2,}$", 200, (">", "»", "›")),
    _rule("font-size", r"放大字体|缩小字体|字体\s*[:：]?\s*[\[【(（]?\s*(?:大|中|小|\])|字号\s*[:：]?\s*[大中小]", 80, ("字体", "字号")),
    _rule("print-close", r"打印\s*(?:本页|本文|此页)?\s*[\]】]?\s*[\[【]?\s*关闭|[\[【]\s*打印(?:本页|本文|此页)?\s*[\]】]", 80, ("打印",)),
    _rule("close-window", r"[\[【]?\s*关闭(?:窗口|本页)\s*[\]】]?", 80, ("关闭",)),
    _rule("share", r"^分享到|分享[:：]\s*$|^(?:微信|微博|QQ空间)\s*(?:分享)?$"),
    _rule("scan-qr", r"扫一扫.{0,6}(?:手机|移动端)|手机(?:扫码|扫一扫)|用手机(?:浏览|打开)", 80, ("扫", "手机")),
    _rule("related", r"^(?:相关稿件|相关链接|相关文章|相关阅读|相关新闻|相关信息|相关评论)|相关评论$", 80, ("相关",)),
    _rule("footer-id", r"备案号|ICP备|ICP证|公网安备|网站标识码|网站识别码|版权所有|Copyright|©", 160, ("备案", "ICP", "公网安备", "标识码", "识别码", "版权", "Copyright", "©")),
    _rule("footer-org", r"^(?:主办单位|承办单位|主办|承办|技术支持|运维单位|联系我们|网站地图)\s*[:：|]?", 120),
    _rule("view-count", r"(?:浏览次数|阅读次数|访问次数|点击数|点击量|浏览量|阅读量|访问量)\s*(?:[:：]\s*\d*|\d+\s*次?$)", 60, ("浏览", "阅读", "访问", "点击")),
    _rule("meta", r"^(?:文章)?来源\s*[:：].{0,60}(?:发布|时间|日期)|^发布(?:时间|日期)\s*[:：]", 160),
    _rule("info-table", r"^(?:索引号|组配分类|发布机构|生成日期|成文日期|发文日期|主题分类|公开方式|公开范围|公开时限|文号|"
                        r"发文字号|有效性|信息分类|体裁分类|发文机关|主题词|信息来源|所属机构)\s*[:：]", 200),
    _rule("prev-next", r"^(?:上一篇|下一篇|上一条|下一条)\s*[:：]?"),
    _rule("link-bar", r"^(?:\s*[\[【][^\]】]{1,12}[\]】]\s*){2,}$", 200),
    _rule("comments", r"^\d+\s*条\s*(?:评论|\[查看全部\])|^(?:发表评论|我要评论|网友评论|查看全部评论)"),
    _rule("lead", r"^(?:核心提示|内容提要|导读|摘要)\s*[:：]", 100_000),
    _rule("nav-word", r"^(?:首页|搜索|登录|注册|无障碍|无障碍浏览|长者模式|English|返回顶部|返回首页|"
                      r"推荐图文|点击排行|热点排行|热门推荐|政府信息公开|信息公开|网站导航|加入收藏|设为首页)$"),
    _rule("search-box", r"^(?:请输入|输入)关键[字词]|^搜\s*索$|^站内搜索"),
    _rule("recommend", r"^(?:推荐|热门|最新|精彩)[\u4e00-\u9fff]{1,8}$", 12),
)

_SENTENCE_LINE = 40
_LONG = 10_000

# A hot-search list on its own line: two or more short words, no punctuation, no digits.
_WORD_ROW = re.compile(r"^[\u4e00-\u9fffA-Za-z]{1,6}(?:[ \t\u3000]+[\u4e00-\u9fffA-Za-z]{1,6})+$")
# ... unless it names a table's columns (指标名称 现状值 目标值, 序号 重点任务 责任单位).
_COLUMN_NAMES = re.compile(r"指标|目标|现状|基期|基准|序号|单位|属性|时限|任务|项目|类别|领域")


def is_chrome_line(line: str) -> bool:
    """True when one line of text is page chrome rather than plan text."""
    stripped = line.strip()
    if not stripped:
        return False
    size = len(stripped)
    if size > _SENTENCE_LINE and "。" in stripped:
        size = max(size, _LONG)  # a line of sentences is plan text unless a rule allows any length (核心提示)
    for rule in CHROME_RULES:
        if size > rule.max_len or (rule.hint is not None and not rule.hint.search(stripped)):
            continue
        if rule.pattern.search(stripped):
            return True
    return size <= 60 and bool(_WORD_ROW.match(stripped)) and not _COLUMN_NAMES.search(stripped)


def strip_chrome(text: str) -> str:
    """``text`` without its chrome lines (other lines, blank ones included, kept as they are)."""
    lines = text.splitlines(keepends=True)
    return "".join(line for line in lines if not is_chrome_line(line))
