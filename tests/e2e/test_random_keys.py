"""No key sequence crashes the app: thousands of seeded random keys across every
screen and modal, with a live database behind the workspace."""

from __future__ import annotations

import asyncio
import os
import random
from pathlib import Path

import psycopg
import pytest
from helpers.keys import send_key
from textual.app import App
from textual.screen import ModalScreen

from tui.app import BastionApp
from tui.profiles import Profile, ProfileStore
from tui.screens.picker import PickerScreen
from tui.secrets import PasswordVault
from tui.services.query import transaction
from tui.services.query.autosave import EditorAutosave
from tui.settings import Settings
from tui.widgets.browse import BrowsePane
from tui.widgets.browse import edit_session as edit_session_module
from tui.widgets.browse.changes_review import ChangesReview
from tui.widgets.query import statement_runner as runner_module
from tui.widgets.query.pane import QueryPane

# Everything a user can press, except the two ways to quit on purpose.
KEYS = [
    *"abcdefghijklmnoprstuvwxyz0123456789 /?-_.:;'\"[]",
    "enter", "escape", "tab", "shift+tab", "up", "down", "left", "right", "home", "end",
    "pageup", "pagedown", "backspace", "delete", "f1", "f2", "f5", "f9", "ctrl+p", "ctrl+o",
    "ctrl+s", "ctrl+j", "ctrl+r", "ctrl+e", "ctrl+a", "ctrl+k", "ctrl+c", "ctrl+l", "ctrl+t",
    "f10", "f12", "ctrl+n",  # commit (asks), roll back, manual commit on/off
]
# Pressed often, so the walk keeps reaching the workspace, the forms and the dialogs.
# More with BASTION_FUZZ_SEEDS=1-50 BASTION_FUZZ_STEPS=5000 when hunting.
STEPS = int(os.environ.get("BASTION_FUZZ_STEPS", "1000"))  # x3 seeds; keeps CI under 15 min
_first, _, _last = os.environ.get("BASTION_FUZZ_SEEDS", "1-3").partition("-")
SEEDS = list(range(int(_first), int(_last or _first) + 1))
DOORS = ["enter", "enter", "escape", "a", "e", "d", "t", "f1", "ctrl+p", "1", "2", "3", "4", "s"]


async def _ignore() -> None:
    return None




@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
async def test_random_keys_never_crash_the_app(seed: int, profiles_file: Path, socket_profile: Profile,
                                               pg_cluster, tmp_path: Path, memory_keyring) -> None:
    lite = tmp_path / "lite.db"
    import sqlite3

    with sqlite3.connect(lite) as conn:
        conn.execute("CREATE TABLE t (id integer primary key)")
    store = ProfileStore(profiles_file).load()
    store.put(socket_profile)
    store.put(Profile(name="lite", driver="sqlite", path=str(lite)))
    store.put(Profile(name="needs-password", host="127.0.0.1", port=pg_cluster.port,
                      user="postgres", database=socket_profile.database, sslmode="disable"))
    # Even seeds on a 16-colour terminal: the ANSI-16 theme draws through other paths.
    term = "screen" if seed % 2 == 0 else "xterm-256color"
    app = BastionApp(store, PasswordVault(), Settings(path=tmp_path / "settings.yaml"), environ={"TERM": term})
    app.action_quit = _ignore  # type: ignore[method-assign]  # "Quit" from the palette is not a crash
    rng = random.Random(seed)
    async with app.run_test(size=(80, 24)) as pilot:
        for step in range(STEPS):
            key = rng.choice(DOORS) if rng.random() < 0.3 else rng.choice(KEYS)
            send_key(app, key)
            await asyncio.sleep(0.004 if step % 50 else 0.1)  # let workers (connects, loads) land
            assert app.is_running, f"app stopped after key {step} ({key!r})"
        await pilot.pause(0.2)
        assert app.is_running
    assert app._exception is None
    assert app.crash_report is None


# Every shape that once got past the production confirmations (issue #11), in the
# editor of a production profile while random keys run, move, answer and type.
DANGEROUS = """delete from ledger;
explain analyze delete from ledger;
with gone as (delete from ledger returning *) select count(*) from gone;
prepare wipe as delete from ledger;
execute wipe;
truncate ledger;
update ledger set amount = 0;
select pg_terminate_backend(pg_backend_pid());
copy ledger from stdin;
drop table ledger;
"""
# Run, run all, move between statements, say yes, commit (c in its prompt): pressed far more often here.
PRODUCTION_KEYS = KEYS + ["f9", "ctrl+j", "up", "down", "y", "enter", "f7", "f10", "c"] * 4
# Browse's editing keys: stage edits, inserts, deletions, then review and say yes.
BROWSE_KEYS = KEYS + ["e", "i", "plus", "d", "delete", "ctrl+s", "ctrl+z", "X", "y", "enter", "ctrl+n", "ctrl+d"] * 3
PRODUCTION_STEPS = int(os.environ.get("BASTION_FUZZ_STEPS", "1500"))  # ~20 s on an idle machine
LEDGER_CHECKSUM = "select md5(string_agg(id || ':' || amount, ',' order by id)) from ledger"


async def back_to_the_ledger_in_browse(app: App, answer: tuple[str, ...] = ("y", "enter")) -> None:
    """Close what is open, go to Browse and open the ledger, the grid focused; stage a
    deletion and an insert, open the review and press `answer` (the random keys go on)."""
    for _ in range(8):
        if not isinstance(app.screen, ModalScreen):
            break
        send_key(app, "escape")
        await asyncio.sleep(0.05)
    if isinstance(app.screen, PickerScreen):
        send_key(app, "enter")
        await asyncio.sleep(0.5)
    app.screen.set_focus(None)  # the editor (or an input) would type the key
    send_key(app, "1")
    await asyncio.sleep(0.3)  # the tab takes the focus when it shows: then the grid's is given
    for pane in app.screen.query(BrowsePane).results():
        pane.open_relation("public", "ledger", "table")
        for _ in range(60):
            await asyncio.sleep(0.05)
            if pane.relation is not None and pane.relation.name == "ledger" and not pane._busy:
                break
        pane.focus_default()
        for key in ("d", "i", "ctrl+s", *answer):  # staged, reviewed, said yes to: the name is not typed
            send_key(app, key)
            await asyncio.sleep(0.2)


async def back_to_the_dangerous_editor(app: App, rng: random.Random) -> None:
    """Close what is open, go to the Query pane and put the dangerous statements back,
    the cursor on one of them: random typing and walks elsewhere undo both."""
    for _ in range(8):  # dialogs, the palette, help, forms: esc closes them (a write dialog says no)
        if not isinstance(app.screen, ModalScreen):
            break
        send_key(app, "escape")
        await asyncio.sleep(0.05)
    if isinstance(app.screen, PickerScreen):
        send_key(app, "enter")  # connect again
        await asyncio.sleep(0.5)
    send_key(app, "2")
    await asyncio.sleep(0.05)
    for pane in app.screen.query(QueryPane).results():
        if not pane.query("#sql-editor"):
            continue  # not composed yet
        pane.editor.text = DANGEROUS
        pane.editor.cursor_location = (rng.randrange(DANGEROUS.count("\n")), 0)
        pane.editor.focus()
        send_key(app, "ctrl+j")  # run the statement under the cursor: the random keys answer


@pytest.mark.slow
async def test_random_keys_on_production_change_nothing(profiles_file: Path, socket_profile: Profile,
                                                        pg_cluster, tmp_path: Path, memory_keyring,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    outcomes, modes = [], []

    def counted(session, statement, guard, manual, *args, **kwargs):
        modes.append(manual)
        outcomes.append(transaction.run_in_mode(session, statement, guard, manual, *args, **kwargs))
        return outcomes[-1]

    monkeypatch.setattr(runner_module, "run_in_mode", counted)
    reviews: list[str] = []

    class CountedReview(ChangesReview):
        def __init__(self, title: str, preview: str, require_name: str | None = None) -> None:
            reviews.append(title)
            super().__init__(title, preview, require_name)

    monkeypatch.setattr(edit_session_module, "ChangesReview", CountedReview)
    conninfo = pg_cluster.socket_conninfo(socket_profile.database)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("create table ledger (id int primary key, amount numeric);"
                     "insert into ledger select g, g * 1.5 from generate_series(1, 500) g")
        before = conn.execute(LEDGER_CHECKSUM).fetchone()
    production = socket_profile.with_changes(name="production-db", production=True)
    store = ProfileStore(profiles_file).load()
    store.put(production)
    EditorAutosave(production.name).save_now(DANGEROUS)
    app = BastionApp(store, PasswordVault(), Settings(path=tmp_path / "settings.yaml"),
                     start_profile=production, environ={"TERM": "xterm-256color"})
    app.action_quit = _ignore  # type: ignore[method-assign]
    rng = random.Random(SEEDS[0])
    async with app.run_test(size=(80, 24)) as pilot:
        for step in range(PRODUCTION_STEPS):
            in_browse = step % 400 >= 300  # one hundred keys in four: Browse's edits on the ledger
            if step % 100 == 0:
                await (back_to_the_ledger_in_browse(app) if in_browse else back_to_the_dangerous_editor(app, rng))
            key = rng.choice(BROWSE_KEYS if in_browse else PRODUCTION_KEYS)
            send_key(app, key)
            await asyncio.sleep(0.004 if step % 50 else 0.1)
            assert app.is_running, f"app stopped after key {step} ({key!r}): {app._exception!r}"
        await pilot.pause(0.2)
        assert app.is_running
    assert app._exception is None
    with psycopg.connect(conninfo, autocommit=True) as conn:
        assert conn.execute(LEDGER_CHECKSUM).fetchone() == before
    declined = [o.statement.text for o in outcomes if o.declined]
    print(len(outcomes), "statements reached the guard;", len(declined), "declined:", sorted(set(declined)))
    assert declined  # the walk did reach the confirmations
    assert any(modes)  # … in manual-commit mode (production's default), where f10 and c commit
    print(len(reviews), "Browse change sets reached the review (the profile's name is never typed)")
    assert reviews  # and Browse's review of staged edits


# An identity key: a row staged with `i` inserts (its amount NULL, counted by the checksum).
DEV_LEDGER_CHECKSUM = "select md5(string_agg(format('%s:%s', id, amount), ',' order by id)) from ledger"


def _dev_ledger(conninfo: str) -> str:
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("create table ledger (id int generated by default as identity primary key, amount numeric);"
                     "insert into ledger (amount) select g * 1.5 from generate_series(1, 500) g")
        return conn.execute(DEV_LEDGER_CHECKSUM).fetchone()[0]


@pytest.mark.slow
async def test_random_keys_in_browse_on_a_dev_profile_apply_nothing(profiles_file: Path, socket_profile: Profile,
                                                                    pg_cluster, tmp_path: Path, memory_keyring,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Not production: no name to type, but staged edits still need a deliberate
    answer that random keys never give (d, ctrl+s, y would be three keys)."""
    reviews: list[str] = []

    class CountedReview(ChangesReview):
        def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
            reviews.append(args[0])
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(edit_session_module, "ChangesReview", CountedReview)
    conninfo = pg_cluster.socket_conninfo(socket_profile.database)
    before = _dev_ledger(conninfo)
    dev = socket_profile.with_changes(name="dev-db", production=False)
    store = ProfileStore(profiles_file).load()
    store.put(dev)
    app = BastionApp(store, PasswordVault(), Settings(path=tmp_path / "settings.yaml"),
                     start_profile=dev, environ={"TERM": "xterm-256color"})
    app.action_quit = _ignore  # type: ignore[method-assign]
    rng = random.Random(SEEDS[0])
    async with app.run_test(size=(80, 24)) as pilot:
        for step in range(PRODUCTION_STEPS):
            if step % 150 == 0:
                await back_to_the_ledger_in_browse(app, answer=())  # the review open: random keys answer
            key = rng.choice(BROWSE_KEYS)
            send_key(app, key)
            await asyncio.sleep(0.004 if step % 50 else 0.1)
            assert app.is_running, f"app stopped after key {step} ({key!r}): {app._exception!r}"
            if step % 50 == 49:
                with psycopg.connect(conninfo, autocommit=True) as conn:
                    now = conn.execute(DEV_LEDGER_CHECKSUM).fetchone()[0]
                assert now == before, f"random keys applied a change on a dev profile by key {step}"
        await pilot.pause(0.2)
        assert app.is_running
    assert app._exception is None
    with psycopg.connect(conninfo, autocommit=True) as conn:
        assert conn.execute(DEV_LEDGER_CHECKSUM).fetchone()[0] == before
    print(len(reviews), "Browse change sets reached the review on a dev profile")
    assert len(reviews) >= 5  # the walk kept reaching the review (ten times by the helper, more by chance)
