"""Crontab expressions with crontab's weekday numbering, for APScheduler 3.

APScheduler 3 counts weekdays from Monday = 0, crontab(5) from Sunday = 0 (and 7):
``CronTrigger.from_crontab("0 8 * * 1")`` fires on Tuesdays. Every schedule planwatch
reads (a source's ``schedule``, ``schedule.crawl``, ``digest.schedule``) goes through
:func:`crontab_trigger`, so the sources-file validator, the daemon and ``run --once``
agree that ``1`` is Monday.
"""

from __future__ import annotations

from apscheduler.triggers.cron import CronTrigger

__all__ = ["crontab_trigger", "crontab_weekdays"]


_DAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")  # crontab numbering: 0 and 7 are Sunday


def _day_number(token: str) -> int:
    token = token.strip().lower()
    if token[:3] in _DAY_NAMES and token.isalpha():
        return _DAY_NAMES.index(token[:3])
    number = int(token)
    if not 0 <= number <= 7:
        raise ValueError(f"day of week {number} is not 0-7")
    return number % 7


def _day_part(part: str) -> set[int]:
    span, _, step_text = part.partition("/")
    step = int(step_text) if step_text else 1
    if step < 1:
        raise ValueError(f"step {step} in {part!r}")
    if span == "*":
        first, last = 0, 6
    elif "-" in span:
        low, high = span.split("-", 1)
        first, last = _day_number(low), _day_number(high)
        last = 7 if high.strip() == "7" else last
    else:
        first = last = _day_number(span)
        if step_text:
            last = 6
    if last < first:
        raise ValueError(f"range {span!r} runs backwards")
    return {day % 7 for day in range(first, last + 1, step)}


def crontab_weekdays(field: str) -> str:
    """The day-of-week field of a crontab line, in APScheduler 3's terms.

    APScheduler 3 counts weekdays from Monday = 0, crontab from Sunday = 0 (and 7):
    ``CronTrigger.from_crontab("0 8 * * 1")`` fires on Tuesdays. Days are spelled out
    by name so ``1`` means Monday here, as it does in crontab(5).
    """
    if field.strip() == "*":
        return "*"
    days: set[int] = set()
    for part in field.split(","):
        days |= _day_part(part)
    if len(days) == 7:
        return "*"
    monday_first = sorted(days, key=lambda day: (day + 6) % 7)
    return ",".join(_DAY_NAMES[day] for day in monday_first)


def crontab_trigger(expression: str, timezone: str | None = None) -> CronTrigger:
    """A 5-field crontab line as a trigger; ValueError saying what is wrong."""
    fields = expression.split()
    if len(fields) != 5:
        raise ValueError(f"five fields expected, got {len(fields)}")
    fields[4] = crontab_weekdays(fields[4])
    return CronTrigger.from_crontab(" ".join(fields), timezone=timezone)
