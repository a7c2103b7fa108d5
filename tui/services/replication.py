"""Replication as an ops person reads it: on a standby, is WAL arriving and
being replayed (and how far behind); on a primary, which standbys follow and
which slots hold WAL back; on both, the settings changed from their defaults.

Blocking: call from a worker with a connection of the caller's. Read-only.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg.rows import dict_row

from tui.formatting import bytes_text
from tui.sql import replication as q

# pg_stat_wal_receiver shows roles without pg_read_all_stats the pid and nothing else.
RECEIVER_HIDDEN = "receiver running (details need pg_read_all_stats)"


@dataclass(frozen=True)
class StandbyStatus:
    """A standby's side of streaming replication."""

    receiver_status: str | None  # "streaming", "catchup", … or None: not running, or hidden from this role
    sender: str | None  # "host:port" of the upstream
    slot_name: str | None
    last_message_age_s: float | None
    replay_behind_bytes: float | None  # received but not yet replayed; None when unknown
    last_replayed_xact_age_s: float | None
    replay_paused: bool
    receiver_pid: int | None = None  # shown to every role: a receiver runs

    @property
    def details_hidden(self) -> bool:
        """A receiver runs but this role may not see its state (pg_read_all_stats)."""
        return self.receiver_pid is not None and self.receiver_status is None

    @property
    def streaming(self) -> bool:
        return self.receiver_status == "streaming"

    @property
    def lag_known(self) -> bool:
        """A lag figure means something only while WAL arrives: with the receiver
        down, received == replayed says nothing about the primary."""
        return self.streaming and self.replay_behind_bytes is not None

    def summary(self) -> str:
        """One line for a header or a fleet row."""
        if self.details_hidden:
            return f"{RECEIVER_HIDDEN}: lag unknown"
        if self.receiver_status is None:
            return "WAL receiver not running: lag unknown"
        parts = [f"receiver {self.receiver_status}"]
        if self.sender:
            parts.append(f"from {self.sender}")
        if self.lag_known:
            parts.append(f"replay {bytes_text(self.replay_behind_bytes)} behind")
        if self.replay_paused:
            parts.append("replay PAUSED")
        return " · ".join(parts)


@dataclass(frozen=True)
class Conflicts:
    """Queries a standby cancelled to keep replaying, per database."""

    database: str
    tablespace: int
    lock: int
    snapshot: int
    bufferpin: int
    deadlock: int

    @property
    def total(self) -> int:
        return self.tablespace + self.lock + self.snapshot + self.bufferpin + self.deadlock


@dataclass(frozen=True)
class Standby:
    """A standby as its primary sees it (pg_stat_replication)."""

    name: str
    client_addr: str | None
    state: str
    sync_state: str
    send_behind_bytes: float | None
    replay_behind_bytes: float | None
    write_lag_s: float | None
    flush_lag_s: float | None
    replay_lag_s: float | None


@dataclass(frozen=True)
class Slot:
    """A replication slot and the WAL it keeps on disk."""

    name: str
    slot_type: str
    database: str | None
    active: bool
    active_pid: int | None
    retained_bytes: float | None
    wal_status: str | None  # 13+: reserved, extended, unreserved, lost
    safe_wal_size_bytes: float | None

    @property
    def danger(self) -> str | None:
        """Why this slot threatens the server's disk (or its standby), or None."""
        if self.wal_status == "lost":
            return "WAL it needs is gone: its consumer cannot resume"
        if self.wal_status == "unreserved":
            return "about to lose WAL it needs"
        # No consumer and WAL held: it grows until the disk is full (the classic outage).
        if not self.active and (self.retained_bytes or 0) > 0:
            return f"inactive, retaining {bytes_text(self.retained_bytes)} of WAL"
        return None


@dataclass(frozen=True)
class Setting:
    """A setting changed from its default, or waiting for a restart."""

    name: str
    setting: str
    unit: str | None
    source: str
    sourcefile: str | None  # needs superuser or pg_read_all_settings
    sourceline: int | None
    pending_restart: bool

    @property
    def shown_value(self) -> str:
        return f"{self.setting} {self.unit}" if self.unit else self.setting

    @property
    def origin(self) -> str:
        if self.sourcefile:
            return f"{self.sourcefile}:{self.sourceline}" if self.sourceline else self.sourcefile
        return self.source


@dataclass
class ReplicationReport:
    """Everything the replication view shows for one server."""

    in_recovery: bool
    standby: StandbyStatus | None = None
    conflicts: list[Conflicts] = field(default_factory=list)
    standbys: list[Standby] = field(default_factory=list)
    slots: list[Slot] = field(default_factory=list)

    @property
    def slot_dangers(self) -> list[tuple[Slot, str]]:
        return [(slot, reason) for slot in self.slots if (reason := slot.danger)]


def _rows(conn: psycopg.Connection[Any], query: str) -> list[dict[str, Any]]:
    with conn.cursor(row_factory=dict_row) as cursor:
        return cursor.execute(query).fetchall()


def standby_status(conn: psycopg.Connection[Any], version_num: int) -> StandbyStatus:
    """The WAL receiver and replay state of a standby."""
    row = _rows(conn, q.standby_status_query(version_num))[0]
    sender = f"{row['sender_host']}:{row['sender_port']}" if row["sender_host"] else None
    return StandbyStatus(
        receiver_status=row["receiver_status"], sender=sender, slot_name=row["slot_name"],
        last_message_age_s=row["last_message_age_s"], replay_behind_bytes=row["replay_behind_bytes"],
        last_replayed_xact_age_s=row["last_replayed_xact_age_s"], replay_paused=bool(row["replay_paused"]),
        receiver_pid=row["receiver_pid"],
    )


def recovery_conflicts(conn: psycopg.Connection[Any]) -> list[Conflicts]:
    return [
        Conflicts(row["datname"], row["confl_tablespace"], row["confl_lock"], row["confl_snapshot"],
                  row["confl_bufferpin"], row["confl_deadlock"])
        for row in _rows(conn, q.RECOVERY_CONFLICTS)
    ]


def standbys(conn: psycopg.Connection[Any]) -> list[Standby]:
    """The standbys connected to this primary (all columns need pg_monitor for others' rows)."""
    return [
        Standby(row["application_name"] or "", row["client_addr"], row["state"] or "", row["sync_state"] or "",
                row["send_behind_bytes"], row["replay_behind_bytes"], row["write_lag_s"], row["flush_lag_s"],
                row["replay_lag_s"])
        for row in _rows(conn, q.STANDBYS)
    ]


def slots(conn: psycopg.Connection[Any], version_num: int, in_recovery: bool) -> list[Slot]:
    return [
        Slot(row["slot_name"], row["slot_type"], row["database"], bool(row["active"]), row["active_pid"],
             row["retained_bytes"], row["wal_status"], row["safe_wal_size_bytes"])
        for row in _rows(conn, q.slots_query(version_num, in_recovery))
    ]


def changed_settings(conn: psycopg.Connection[Any]) -> list[Setting]:
    return [
        Setting(row["name"], row["setting"] or "", row["unit"], row["source"], row["sourcefile"],
                row["sourceline"], bool(row["pending_restart"]))
        for row in _rows(conn, q.CHANGED_SETTINGS)
    ]


def replication_report(conn: psycopg.Connection[Any], version_num: int) -> ReplicationReport:
    """Standby or primary: what applies to this server, asked now (a server that
    was promoted since the last call answers as a primary)."""
    in_recovery = bool(_rows(conn, "SELECT pg_is_in_recovery() AS r")[0]["r"])
    report = ReplicationReport(in_recovery=in_recovery)
    if in_recovery:
        report.standby = standby_status(conn, version_num)
        report.conflicts = recovery_conflicts(conn)
    else:
        report.standbys = standbys(conn)
    report.slots = slots(conn, version_num, in_recovery)
    return report


class ServerReader:
    """The Server pane's own connection: opened on the first read, reopened on the
    next read once it closed or broke. One read at a time; close() waits for it."""

    def __init__(self, connect: Callable[[], psycopg.Connection[Any]], version_num: int) -> None:
        self._connect = connect
        self.version_num = version_num
        self.conn: psycopg.Connection[Any] | None = None
        self._lock = threading.Lock()

    def read(self) -> tuple[ReplicationReport, list[Setting]]:
        """Replication and the changed settings, asked now. Blocking: call from a worker."""
        with self._lock:
            if self.conn is None or self.conn.closed or self.conn.broken:
                self.conn = self._connect()
            return replication_report(self.conn, self.version_num), changed_settings(self.conn)

    def close(self) -> None:
        with self._lock:
            conn, self.conn = self.conn, None
            if conn is not None:
                try:
                    conn.close()
                except psycopg.Error:
                    pass
