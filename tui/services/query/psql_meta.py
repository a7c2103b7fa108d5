"""psql's backslash habits in the editor: `SELECT … \\watch 2` watches the statement,
`\\c NAME` alone switches database; any other meta-command is refused with a clear
word instead of going to the server as a syntax error."""

from __future__ import annotations

from dataclasses import dataclass, replace

from tui.services.query.splitter import Statement

MIN_INTERVAL, MAX_INTERVAL, DEFAULT_INTERVAL = 0.5, 3600.0, 2.0  # seconds; psql's default is 2
UNDERSTOOD = "bastion understands \\watch [N] after a statement and \\c NAME on its own"


@dataclass(frozen=True)
class MetaPlan:
    """What to do with a run that holds meta-commands: watch `statement` every
    `interval` seconds, switch to database `connect`, or say `refusal`."""

    statement: Statement | None = None
    interval: float = DEFAULT_INTERVAL
    connect: str | None = None
    refusal: str | None = None


def command_and_args(meta: str) -> tuple[str, str]:
    """("watch", "2") from "\\watch 2"."""
    name, _, args = meta.lstrip("\\").partition(" ")
    return name.strip(), args.strip()


def watch_interval(args: str) -> float | str:
    """Seconds from psql's `\\watch` arguments ("", "2", "i=2", "interval=0.5"), else why not."""
    words = args.split()
    if not words:
        return DEFAULT_INTERVAL
    if len(words) > 1:
        return f"\\watch takes one interval here (got {args!r}); w in the results stops the watch"
    key, equals, value = words[0].partition("=")
    if not equals:
        key, value = "i", key
    if key not in ("i", "interval"):
        return f"\\watch {words[0]} is not supported here: only the interval (\\watch 2 or \\watch i=2)"
    try:
        seconds = float(value)
    except ValueError:
        return f"\\watch: {value!r} is not a number of seconds"
    if not MIN_INTERVAL <= seconds <= MAX_INTERVAL:
        return f"\\watch: between {MIN_INTERVAL:g} and {MAX_INTERVAL:g} seconds here (got {seconds:g})"
    return seconds


def plan_meta(statements: list[Statement]) -> MetaPlan | None:
    """None when no statement ends in a meta-command (run them as SQL); else the plan."""
    metas = [s for s in statements if s.meta]
    if not metas:
        return None
    names = [command_and_args(s.meta)[0] for s in metas]
    unknown = [s.meta for s, name in zip(metas, names, strict=True) if name not in ("watch", "c", "connect")]
    if unknown:
        return MetaPlan(refusal=f"psql meta-commands are not SQL: {', '.join(unknown)} ({UNDERSTOOD}). Nothing ran.")
    if len(statements) > 1:
        return MetaPlan(refusal=f"{metas[0].meta} runs on its own: put the cursor on it (or select it) "
                                "and run that alone. Nothing ran.")
    statement = statements[0]
    name, args = command_and_args(statement.meta)
    if name == "watch":
        if not statement.text:
            return MetaPlan(refusal="\\watch needs its statement before it, e.g. SELECT now() \\watch 2. Nothing ran.")
        interval = watch_interval(args)
        if isinstance(interval, str):
            return MetaPlan(refusal=interval + ". Nothing ran.")
        return MetaPlan(statement=replace(statement, meta="", meta_end=0), interval=interval)
    database = args.strip("'\"") if len(args.split()) == 1 else ""
    if statement.text or not database or database == "-":
        return MetaPlan(refusal="\\c here switches to another database of this server: \\c NAME, on a line "
                                "of its own. Nothing ran.")
    return MetaPlan(connect=database)
