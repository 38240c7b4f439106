"""The SQLite results store (docs/CONTRACTS.md, section 4).

One row per cell: (env id, env kwargs hash, agent, agent config hash, seed).  A cell is
written in one transaction when it finishes, so a killed run never leaves half a cell
and resumes by skipping the keys already stored.  Writing a key that is already there
is a no-op unless ``replace=True`` (``--force``) or, for a stored ``failed`` row only,
``replace_failed=True`` (``--retry-failed``).  Each row also records its ``evaluation``
(episodes per cell, step limit), which is not part of the key: the leaderboard reruns
and replaces a cell stored under another evaluation instead of reusing it.  WAL mode lets several processes
(parallel leaderboard runs, Ray workers on one host) write the same file.

The file carries ``PRAGMA application_id`` = ``APPLICATION_ID`` and a ``meta`` table;
a file that is not SQLite, is corrupted, or belongs to something else raises
:class:`ResultsStoreError` naming the file and is never written to.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from papergym.agents.base import config_hash, config_json

__all__ = ["APPLICATION_ID", "SCHEMA_VERSION", "CellKey", "CellResult", "ResultsStore",
           "ResultsStoreError", "DEFAULT_PATH"]

APPLICATION_ID = 0x50475944  # "PGYD"
SCHEMA_VERSION = 2  # 2: the evaluation column (schema-1 files are migrated on open)
DEFAULT_PATH = Path("results") / "papergym.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS cells (
    env_id            TEXT    NOT NULL,
    env_kwargs_hash   TEXT    NOT NULL,
    agent             TEXT    NOT NULL,
    agent_config_hash TEXT    NOT NULL,
    seed              INTEGER NOT NULL,
    env_kwargs        TEXT    NOT NULL,  -- JSON
    agent_config      TEXT    NOT NULL,  -- JSON
    status            TEXT    NOT NULL CHECK (status IN ('ok', 'failed')),
    error             TEXT,
    episodes          TEXT    NOT NULL,  -- JSON list of per-episode records
    primary_metric    TEXT,
    primary_value     REAL,              -- mean over the cell's episodes
    requires_model    INTEGER NOT NULL DEFAULT 0,
    wall_time         REAL    NOT NULL,
    finished_at       REAL    NOT NULL,
    papergym_version  TEXT    NOT NULL,
    evaluation        TEXT,              -- JSON {"episodes", "max_steps"}, NULL before schema 2
    PRIMARY KEY (env_id, env_kwargs_hash, agent, agent_config_hash, seed)
);
"""

_KEY_MATCH = "env_id=? AND env_kwargs_hash=? AND agent=? AND agent_config_hash=? AND seed=?"


class ResultsStoreError(RuntimeError):
    """The results file is unreadable, corrupted, or not a papergym store."""


@dataclass(frozen=True)
class CellKey:
    env_id: str
    env_kwargs_hash: str
    agent: str
    agent_config_hash: str
    seed: int

    @classmethod
    def of(cls, env_id: str, env_kwargs: Mapping[str, Any], agent: str,
           agent_config: Mapping[str, Any], seed: int) -> CellKey:
        return cls(env_id, config_hash(env_kwargs), agent, config_hash(agent_config), int(seed))


@dataclass
class CellResult:
    env_id: str
    env_kwargs: dict[str, Any]
    agent: str
    agent_config: dict[str, Any]
    seed: int
    status: str = "ok"
    error: str | None = None
    episodes: list[dict[str, Any]] = field(default_factory=list)
    primary_metric: str | None = None
    primary_value: float | None = None
    requires_model: bool = False
    wall_time: float = 0.0
    finished_at: float = 0.0
    papergym_version: str = ""
    evaluation: dict[str, Any] | None = None  # {"episodes": n, "max_steps": m}, how it ran

    @property
    def key(self) -> CellKey:
        return CellKey.of(self.env_id, self.env_kwargs, self.agent, self.agent_config, self.seed)

    @property
    def known_evaluation(self) -> dict[str, Any] | None:
        """``evaluation``, or for a row from before schema 2 what it must have been (see
        :meth:`ResultsStore.lookup`); ``None`` when unknown."""
        return _known_evaluation(self.status, self.evaluation, len(self.episodes))


def _known_evaluation(status: str, evaluation: dict[str, Any] | None,
                      n_episodes: int) -> dict[str, Any] | None:
    if evaluation is not None:
        return evaluation
    if status == "ok":  # schema 1 wrote no evaluation: its episodes are there to count
        return {"episodes": n_episodes, "max_steps": None}
    return None


class ResultsStore:
    """``ResultsStore(path)`` opens (creating if missing) a papergym results file."""

    def __init__(self, path: str | Path = DEFAULT_PATH, *, timeout: float = 60.0):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(self.path, timeout=timeout, isolation_level=None)
            self._open_with_retries(timeout)
        except sqlite3.DatabaseError as exc:
            raise ResultsStoreError(
                f"{self.path}: not a readable papergym results store ({exc}); "
                "it was left untouched: move it away or pass another path") from exc

    def _open_with_retries(self, timeout: float) -> None:
        """``_check``, retried while SQLite says "locked": a connection that finds another
        switching the file to WAL gets SQLITE_BUSY without its busy handler being run."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                return self._check()
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def _check(self) -> None:
        """Recognise (or create) the store under the write lock, so that two processes
        opening a new file at once see either nothing or the whole schema, never the
        tables without the application id; a foreign file is only read, then released."""
        db = self._db
        db.execute("PRAGMA busy_timeout=60000")
        db.execute("BEGIN IMMEDIATE")  # not a database at all: DatabaseError, nothing to undo
        try:
            app_id = db.execute("PRAGMA application_id").fetchone()[0]
            tables = {r[0] for r in db.execute(
                "SELECT name FROM sqlite_master WHERE type='table'")}
            if (tables or app_id) and (app_id != APPLICATION_ID or "cells" not in tables):
                raise ResultsStoreError(
                    f"{self.path}: a SQLite file that is not a papergym results store "
                    f"(application_id={app_id:#x}, tables={sorted(tables)}); it was left "
                    "untouched: pass another path")
            if not tables:  # a new or empty SQLite file: ours to initialise
                for statement in filter(str.strip, _SCHEMA.split(";")):
                    db.execute(statement)
                db.execute(f"PRAGMA application_id={APPLICATION_ID}")
                db.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)",
                           (str(SCHEMA_VERSION),))
            version = int(db.execute(
                "SELECT value FROM meta WHERE key='schema_version'").fetchone()[0])
            if version > SCHEMA_VERSION:
                raise ResultsStoreError(f"{self.path}: schema version {version} is newer than "
                                        f"this papergym's ({SCHEMA_VERSION}); upgrade papergym")
            if version == 1:  # rows keep their data; their evaluation is unknown (NULL)
                db.execute("ALTER TABLE cells ADD COLUMN evaluation TEXT")
                db.execute("UPDATE meta SET value=? WHERE key='schema_version'",
                           (str(SCHEMA_VERSION),))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        # WAL is a property of the file, set once (by its creator, or by a retry of it)
        if db.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
            db.execute("PRAGMA journal_mode=WAL")

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> ResultsStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing
    def put(self, cell: CellResult, *, replace: bool = False, replace_failed: bool = False) -> bool:
        """Store one finished cell in one transaction. Returns True if a row was written
        (False when the key was already stored and ``replace`` is False; with
        ``replace_failed`` a stored ``failed`` row is replaced, a stored ``ok`` one kept)."""
        from papergym import __version__

        key = cell.key
        verb = "INSERT OR REPLACE" if replace else "INSERT OR IGNORE"
        row = (key.env_id, key.env_kwargs_hash, key.agent, key.agent_config_hash, key.seed,
               config_json(cell.env_kwargs), config_json(cell.agent_config),
               cell.status, cell.error, json.dumps(cell.episodes, default=float),
               cell.primary_metric, cell.primary_value, int(cell.requires_model),
               float(cell.wall_time), cell.finished_at or time.time(),
               cell.papergym_version or __version__,
               None if cell.evaluation is None else config_json(cell.evaluation))
        self._db.execute("BEGIN IMMEDIATE")
        try:
            if replace_failed and not replace:
                self._db.execute(f"DELETE FROM cells WHERE {_KEY_MATCH} AND status='failed'",
                                 row[:5])
            cur = self._db.execute(f"{verb} INTO cells VALUES ({','.join('?' * len(row))})", row)
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        return cur.rowcount > 0

    # -- reading
    def has(self, key: CellKey) -> bool:
        return self.status(key) is not None

    def status(self, key: CellKey) -> str | None:
        """``"ok"`` or ``"failed"`` for a stored key, ``None`` if it is not stored."""
        found = self.lookup(key)
        return None if found is None else found[0]

    def lookup(self, key: CellKey) -> tuple[str, dict[str, Any] | None] | None:
        """``(status, evaluation)`` of a stored key, ``None`` if it is not stored.

        ``evaluation`` is ``{"episodes": n, "max_steps": m}`` as the cell ran; for a row
        written before schema 2 it is inferred for an ``ok`` row (its episode count, no
        step limit, the only way such rows were usually run) and ``None`` (unknown) for a
        ``failed`` one."""
        row = self._db.execute(
            f"SELECT status, evaluation, episodes FROM cells WHERE {_KEY_MATCH}",
            (key.env_id, key.env_kwargs_hash, key.agent, key.agent_config_hash, key.seed),
        ).fetchone()
        if row is None:
            return None
        status, evaluation, episodes = row
        if evaluation is not None:
            return status, json.loads(evaluation)
        return status, _known_evaluation(status, None, len(json.loads(episodes)))

    def keys(self) -> set[CellKey]:
        return {CellKey(*r) for r in self._db.execute(
            "SELECT env_id, env_kwargs_hash, agent, agent_config_hash, seed FROM cells")}

    def cells(self, env_id: str | None = None, status: str | None = None) -> Iterator[CellResult]:
        query, args = "SELECT * FROM cells", []
        where = []
        if env_id is not None:
            where.append("env_id=?")
            args.append(env_id)
        if status is not None:
            where.append("status=?")
            args.append(status)
        if where:
            query += " WHERE " + " AND ".join(where)
        query += " ORDER BY env_id, env_kwargs_hash, agent, seed"
        cur = self._db.execute(query, args)
        names = [d[0] for d in cur.description]
        for values in cur:
            r = dict(zip(names, values))
            yield CellResult(
                env_id=r["env_id"], env_kwargs=json.loads(r["env_kwargs"]), agent=r["agent"],
                agent_config=json.loads(r["agent_config"]), seed=r["seed"], status=r["status"],
                error=r["error"], episodes=json.loads(r["episodes"]),
                primary_metric=r["primary_metric"], primary_value=r["primary_value"],
                requires_model=bool(r["requires_model"]), wall_time=r["wall_time"],
                finished_at=r["finished_at"], papergym_version=r["papergym_version"],
                evaluation=None if r["evaluation"] is None else json.loads(r["evaluation"]))

    def __len__(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM cells").fetchone()[0]
