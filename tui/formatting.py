"""How bastion writes numbers, sizes, durations and errors for a person: one place,
so every pane says "340 MB" and "3m04" the same way."""

from __future__ import annotations


def first_line(reason: BaseException | str) -> str:
    """The first line of an error, for a one-line banner or status."""
    text = (str(reason).strip() or type(reason).__name__) if isinstance(reason, BaseException) else reason.strip()
    return text.splitlines()[0] if text else ""


def plural(count: int, noun: str) -> str:
    """plural(1, 'row') -> '1 row'; plural(1204, 'row') -> '1,204 rows'."""
    return f"{count:,} {noun}" + ("" if count == 1 else "s")


def size_text(value: float | None) -> str:
    """356515840 -> '340 MB' (binary units, as pg_size_pretty); None -> ''."""
    if value is None:
        return ""
    number = float(value)
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if abs(number) < 1024 or unit == "TB":
            return f"{number:.0f} {unit}" if unit == "B" or abs(number) >= 10 else f"{number:.1f} {unit}"
        number /= 1024
    return ""


def bytes_text(value: float | None) -> str:
    """Like size_text(), but an unknown amount reads '?' (never a reassuring blank)."""
    return "?" if value is None else size_text(value)


def duration(seconds: float | None) -> str:
    """12s, 3m04, 1h02m, 2d03h: short enough for a narrow column."""
    if seconds is None:
        return ""
    s = int(seconds)
    if seconds < 10:
        return f"{seconds:.1f}s"
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}"
    if s < 86400:
        return f"{s // 3600}h{s % 3600 // 60:02d}m"
    return f"{s // 86400}d{s % 86400 // 3600:02d}h"


def rate(value: float | None) -> str:
    """A per-second rate in at most five characters; unknown -> '–'."""
    if value is None:
        return "–"
    if value >= 10000:
        return f"{value / 1000:.0f}k"
    return f"{value:.1f}" if value < 100 else f"{value:.0f}"


def clip(text: str | None, width: int) -> str:
    """Cut `text` to `width` characters, with an ellipsis when cut."""
    text = text or ""
    return text if len(text) <= width else text[: width - 1] + "…"
