"""The two lines above the grid: the relation's title and the status line."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from tui.services.browse import KeysetPager, Page

WAITING = "(esc cancels)"


def page_summary(page: Page, timings: bool) -> str:
    """"50 rows (first page)  ·  12 ms  ·  note": what the status says under a page."""
    edge = " (first page)" if page.at_start else " (last page)" if page.at_end else ""
    count = f"{len(page.rows)} rows{edge}"
    if page.at_start and page.at_end:
        count = f"{len(page.rows)} rows"
    timing = f"{page.elapsed * 1000:.0f} ms" if timings else ""
    return "  ·  ".join(part for part in (count, timing, page.note) if part)


class RelationTitle(Static):
    """The relation's name, with its sort, filter and foreign-key seek in dim."""

    def __init__(self) -> None:
        super().__init__("Browse", id="browse-title", markup=False)

    def show(self, pager: KeysetPager) -> None:
        title = Text(pager.relation.label)
        if pager.sort:
            title.append(f"  sorted by {pager.sort} {'↓' if pager.descending else '↑'}", style="dim")
        if pager.where:
            title.append(f"  where {pager.where}", style="dim")
        if pager.seek:
            title.append("  → " + ", ".join(f"{k} = {v}" for k, v in pager.seek.items()), style="dim")
        self.update(title)


class StatusLine(Static):
    """Rows and timing, an error (class `-error`), or what is loading (esc cancels)."""

    def __init__(self) -> None:
        super().__init__("", id="browse-status", markup=False)
        self.text = ""
        self.error = False
        self._before: tuple[str, bool] = ("", False)

    def say(self, text: str, error: bool = False) -> None:
        self.text, self.error = text, error
        self.update(text)
        self.set_class(error, "-error")

    def waiting(self, label: str) -> None:
        """Say what is loading; what was shown before comes back with `restore`."""
        if not self.text.endswith(WAITING):
            self._before = (self.text, self.error)
        self.say(f"{label}…  {WAITING}")

    def restore(self) -> None:
        """A result said nothing new: back to what was shown before the wait."""
        if self.text.endswith(WAITING):
            self.say(*self._before)


class ChangesBar(Static):
    """The staged changes' count and keys; hidden while nothing is staged."""

    def __init__(self) -> None:
        super().__init__("", id="browse-changes", markup=False)
        self.text = ""

    def show(self, text: str) -> None:
        self.text = text
        self.update(text)
        self.set_class(bool(text), "-shown")
