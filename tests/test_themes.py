"""Which theme a terminal gets: the 16-colour table and terminfo's own answer."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tui.themes import terminal_has_few_colours


@pytest.fixture
def no_terminfo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A jump host where terminfo knows nothing (no ncurses-term, not even tput)."""
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.setenv("TERMINFO", str(empty))
    monkeypatch.setenv("TERMINFO_DIRS", str(empty))


@pytest.fixture
def own_terminfo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """terminfo entries compiled here, with 88, 16 and no colours."""
    source = tmp_path / "bastion.ti"
    source.write_text(
        "bastion-test-88|88 colours,\n\tcolors#88, pairs#7744,\n"
        "bastion-test-16|16 colours,\n\tcolors#16, pairs#256,\n"
        "bastion-test-mono|no colours,\n\tam,\n"
    )
    compiled = tmp_path / "terminfo"
    compiled.mkdir()
    subprocess.run(["tic", "-o", str(compiled), str(source)], check=True, capture_output=True)
    monkeypatch.setenv("TERMINFO", str(compiled))


@pytest.mark.parametrize("term", ["xterm-16color", "putty", "putty-16color", "cons25", "screen-16color",
                                  "xterm", "screen", "linux", "vt220", "rxvt"])
def test_a_16_colour_terminal_unknown_to_terminfo_is_recognised(no_terminfo: None, term: str) -> None:
    assert terminal_has_few_colours({"TERM": term})


@pytest.mark.parametrize("term", ["xterm-256color", "tmux-256color", "bastion-unknown", ""])
def test_other_terminals_unknown_to_terminfo_keep_colours(no_terminfo: None, term: str) -> None:
    assert not terminal_has_few_colours({"TERM": term})


@pytest.mark.parametrize(("term", "few"), [("bastion-test-88", False), ("bastion-test-16", True),
                                           ("bastion-test-mono", True)])
def test_terminfo_decides_for_terminals_it_knows(own_terminfo: None, term: str, few: bool) -> None:
    assert terminal_has_few_colours({"TERM": term}) is few


def test_colorterm_and_no_color_win_over_the_table(no_terminfo: None) -> None:
    assert not terminal_has_few_colours({"TERM": "putty", "COLORTERM": "truecolor"})
    assert terminal_has_few_colours({"TERM": "xterm-256color", "NO_COLOR": ""})
