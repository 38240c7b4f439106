"""The SQLite results store (docs/CONTRACTS.md, section 4).

One row per cell: (env id, env kwargs hash, agent, agent config hash, seed).  A cell is
written in one transaction when it finishes, so a killed run never leaves half a cell
and resumes by skipping the keys already stored.  Several processes (on one machine, or
on several sharing the file) split the work through leases: a process claims a cell
(:meth:`ResultsStore.claim`: a ``leases`` row with its owner and an expiry, in the same
transaction that checks the cell is not stored yet), keeps its claims alive with a
heartbeat (:class:`LeaseKeeper`), and storing the cell removes its lease; a crashed
owner's leases expire after ``LEASE_S`` seconds and the cells go to whoever asks next.  Writing a key that is already there
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

import hashlib
import json
import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["APPLICATION_ID", "SCHEMA_VERSION", "CellKey", "CellResult", "LEASE_S", "LeaseKeeper",
           "ResultsStore", "ResultsStoreError", "DEFAULT_PATH", "config_hash", "config_json",
           "new_owner", "papergym_version"]

LEASE_S = 60.0  # a claim not refreshed for this long is free for others
HEARTBEAT_S = 5.0  # how often an owner refreshes its claims

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

_LEASES = """
CREATE TABLE IF NOT EXISTS leases (
    env_id            TEXT    NOT NULL,
    env_kwargs_hash   TEXT    NOT NULL,
    agent             TEXT    NOT NULL,
    agent_config_hash TEXT    NOT NULL,
    seed              INTEGER NOT NULL,
    owner             TEXT    NOT NULL,
    expires           REAL    NOT NULL,
    PRIMARY KEY (env_id, env_kwargs_hash, agent, agent_config_hash, seed)
)"""

_COLUMNS = ("env_id", "env_kwargs_hash", "agent", "agent_config_hash", "seed", "env_kwargs",
            "agent_config", "status", "error", "episodes", "primary_metric", "primary_value",
            "requires_model", "wall_time", "finished_at", "papergym_version", "evaluation")

_KEY_MATCH = "env_id=? AND env_kwargs_hash=? AND agent=? AND agent_config_hash=? AND seed=?"


class ResultsStoreError(RuntimeError):
    """The results file is unreadable, corrupted, or not a papergym store."""


def _hashable(value: Any) -> Any:
    """What ``config_hash`` hashes for a value JSON cannot take: an object's ``digest()``
    (e.g. a coding protocol), a numpy array's dtype, shape and bytes (its repr elides
    large arrays, so two different arrays could share a key), else its repr."""
    if hasattr(value, "digest") and callable(value.digest):
        return {"digest": value.digest()}
    if isinstance(value, np.ndarray):
        data = hashlib.sha256(np.ascontiguousarray(value).tobytes()).hexdigest()
        return {"ndarray": [str(value.dtype), list(value.shape), data]}
    if isinstance(value, np.generic):
        return value.item()
    return repr(value)


def config_json(config: Mapping[str, Any]) -> str:
    """The canonical JSON of a mapping (env kwargs, agent config): sorted keys, values JSON
    cannot encode replaced as in ``_hashable``. The store saves this text, so a stored
    row's recomputed hash equals its key."""
    return json.dumps(config, sort_keys=True, default=_hashable)


def config_hash(config: Mapping[str, Any]) -> str:
    """A short stable hash of a mapping (env kwargs, agent config): the store's key part;
    values JSON cannot encode are hashed by content (see ``_hashable``)."""
    return hashlib.sha256(config_json(config).encode()).hexdigest()[:16]


def papergym_version() -> str:
    """``papergym.__version__``, read from the loaded package (importing the package's
    root from here would import the floors above this module)."""
    import sys

    return str(getattr(sys.modules.get("papergym"), "__version__", ""))


def new_owner() -> str:
    """A lease owner id: host, pid and a random part (unique across machines)."""
    import socket

    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


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
    transient: bool = False  # failed for a reason outside the cell: reported, never stored

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
    """``ResultsStore(path)`` opens (creating if missing) a papergym results file;
    ``readonly=True`` only reads it (no write lock, no file created: a read-only file or
    folder can be reported)."""

    def __init__(self, path: str | Path = DEFAULT_PATH, *, timeout: float = 60.0,
                 readonly: bool = False):
        self.path = Path(path)
        self.readonly = readonly
        if readonly:
            if not self.path.is_file():
                raise ResultsStoreError(f"{self.path}: no results store there")
        else:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise ResultsStoreError(f"{self.path}: cannot create its folder "
                                        f"{self.path.parent} ({exc.strerror or exc})") from None
        try:
            if readonly:
                self._db = self._connect_readonly(timeout)
                self._check_readonly()
            else:
                self._db = sqlite3.connect(self.path, timeout=timeout, isolation_level=None)
                self._open_with_retries(timeout)
        except sqlite3.DatabaseError as exc:
            raise ResultsStoreError(
                f"{self.path}: not a readable papergym results store ({exc}); "
                "it was left untouched: move it away or pass another path") from exc

    def _connect_readonly(self, timeout: float) -> sqlite3.Connection:
        """Read-only, falling back to ``immutable`` where SQLite cannot even create the
        WAL's shared-memory file (a read-only folder): then nobody may be writing it."""
        uri = self.path.resolve().as_uri()
        db = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=timeout, isolation_level=None)
        try:
            db.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return db
        except sqlite3.OperationalError:
            db.close()
            return sqlite3.connect(f"{uri}?mode=ro&immutable=1", uri=True, timeout=timeout,
                                   isolation_level=None)

    def _check_readonly(self) -> None:
        app_id = self._db.execute("PRAGMA application_id").fetchone()[0]
        tables = {r[0] for r in self._db.execute(
            "SELECT name FROM sqlite_master WHERE type='table'")}
        if app_id != APPLICATION_ID or "cells" not in tables:
            raise ResultsStoreError(
                f"{self.path}: a SQLite file that is not a papergym results store "
                f"(application_id={app_id:#x}, tables={sorted(tables)}); pass another path")
        version = self._schema_version()
        if version > SCHEMA_VERSION:
            raise ResultsStoreError(f"{self.path}: schema version {version} is newer than "
                                    f"this papergym's ({SCHEMA_VERSION}); upgrade papergym")
        self._columns = {r[1] for r in self._db.execute("PRAGMA table_info(cells)")}

    def _schema_version(self) -> int:
        try:
            row = self._db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        except sqlite3.OperationalError as exc:
            raise ResultsStoreError(f"{self.path}: its meta table is unreadable ({exc})") \
                from None
        try:
            return int(row[0])
        except (TypeError, ValueError):
            raise ResultsStoreError(
                f"{self.path}: malformed meta row schema_version={None if row is None else row[0]!r}"
                " (a whole number expected); the file was left untouched") from None

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
            version = self._schema_version()
            if version > SCHEMA_VERSION:
                raise ResultsStoreError(f"{self.path}: schema version {version} is newer than "
                                        f"this papergym's ({SCHEMA_VERSION}); upgrade papergym")
            if version == 1:  # rows keep their data; their evaluation is unknown (NULL)
                db.execute("ALTER TABLE cells ADD COLUMN evaluation TEXT")
                db.execute("UPDATE meta SET value=? WHERE key='schema_version'",
                           (str(SCHEMA_VERSION),))
            db.execute(_LEASES)  # additive: stores from before leases get the table
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        self._columns = {r[1] for r in db.execute("PRAGMA table_info(cells)")}
        missing = set(_COLUMNS) - self._columns
        if missing:
            raise ResultsStoreError(f"{self.path}: its cells table lacks column(s) "
                                    f"{sorted(missing)}; it was left untouched")
        # WAL is a property of the file, set once (by its creator, or by a retry of it)
        if db.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
            db.execute("PRAGMA journal_mode=WAL")

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> ResultsStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _write(self) -> None:
        if self.readonly:
            raise ResultsStoreError(f"{self.path}: opened read-only")

    # -- writing
    def put(self, cell: CellResult, *, replace: bool = False, replace_failed: bool = False) -> bool:
        """Store one finished cell in one transaction and drop its lease. Returns True if a
        row was written (False when the key was already stored and ``replace`` is False;
        with ``replace_failed`` a stored ``failed`` row is replaced, a stored ``ok`` one
        kept).  A ``transient`` result (not the cell's fault) is refused: ValueError."""
        self._write()
        if cell.transient:
            raise ValueError("a transient failure is reported, never stored")
        key = cell.key
        verb = "INSERT OR REPLACE" if replace else "INSERT OR IGNORE"
        row = (key.env_id, key.env_kwargs_hash, key.agent, key.agent_config_hash, key.seed,
               config_json(cell.env_kwargs), config_json(cell.agent_config),
               cell.status, cell.error, json.dumps(cell.episodes, default=float),
               cell.primary_metric, cell.primary_value, int(cell.requires_model),
               float(cell.wall_time), cell.finished_at or time.time(),
               cell.papergym_version or papergym_version(),
               None if cell.evaluation is None else config_json(cell.evaluation))
        self._db.execute("BEGIN IMMEDIATE")
        try:
            if replace_failed and not replace:
                self._db.execute(f"DELETE FROM cells WHERE {_KEY_MATCH} AND status='failed'",
                                 row[:5])
            cur = self._db.execute(f"{verb} INTO cells ({','.join(_COLUMNS)}) "
                                   f"VALUES ({','.join('?' * len(row))})", row)
            self._db.execute(f"DELETE FROM leases WHERE {_KEY_MATCH}", row[:5])
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        return cur.rowcount > 0

    # -- leases
    def claim(self, key: CellKey, owner: str, *, ttl: float = LEASE_S,
              wanted: Callable[[tuple[str, dict[str, Any] | None] | None], bool] | None = None,
              ) -> str:
        """Claim ``key`` for ``owner`` in one transaction: ``"stored"`` when the stored row
        (``lookup``) means it need not run (``wanted(found)`` false; default: any stored
        row), ``"held"`` when another owner's unexpired lease holds it, else ``"claimed"``
        (a lease expiring ``ttl`` seconds from now, refreshed by :class:`LeaseKeeper`)."""
        self._write()
        wanted = wanted or (lambda found: found is None)
        args = (key.env_id, key.env_kwargs_hash, key.agent, key.agent_config_hash, key.seed)
        now = time.time()
        self._db.execute("BEGIN IMMEDIATE")
        try:
            if not wanted(self.lookup(key)):
                self._db.execute("COMMIT")
                return "stored"
            lease = self._db.execute(f"SELECT owner, expires FROM leases WHERE {_KEY_MATCH}",
                                     args).fetchone()
            if lease is not None and lease[0] != owner and lease[1] > now:
                self._db.execute("COMMIT")
                return "held"
            self._db.execute("INSERT OR REPLACE INTO leases VALUES (?,?,?,?,?,?,?)",
                             (*args, owner, now + ttl))
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        return "claimed"

    def release(self, owner: str, key: CellKey | None = None) -> None:
        """Drop ``owner``'s lease on ``key`` (all of its leases when ``key`` is None)."""
        self._write()
        if key is None:
            self._db.execute("DELETE FROM leases WHERE owner=?", (owner,))
        else:
            self._db.execute(f"DELETE FROM leases WHERE {_KEY_MATCH} AND owner=?",
                             (key.env_id, key.env_kwargs_hash, key.agent, key.agent_config_hash,
                              key.seed, owner))

    def refresh(self, owner: str, ttl: float = LEASE_S) -> int:
        """Extend every lease of ``owner`` to ``ttl`` seconds from now; returns how many."""
        self._write()
        return self._db.execute("UPDATE leases SET expires=? WHERE owner=?",
                                (time.time() + ttl, owner)).rowcount

    def leases(self) -> list[tuple[CellKey, str, float]]:
        """Every lease: (key, owner, expiry time)."""
        return [(CellKey(*r[:5]), r[5], r[6]) for r in self._db.execute(
            "SELECT env_id, env_kwargs_hash, agent, agent_config_hash, seed, owner, expires "
            "FROM leases")]

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
            return status, self._json(evaluation, "evaluation", key)
        return status, _known_evaluation(status, None, len(self._json(episodes, "episodes", key)))

    def _json(self, text: Any, column: str, key: Any) -> Any:
        try:
            return json.loads(text)
        except (TypeError, ValueError) as exc:
            raise ResultsStoreError(f"{self.path}: malformed row {key}: its {column} is not "
                                    f"JSON ({exc}); delete the row or pass another store") \
                from None

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
            key = (r["env_id"], r["agent"], r["seed"])
            yield CellResult(
                env_id=r["env_id"], env_kwargs=self._json(r["env_kwargs"], "env_kwargs", key),
                agent=r["agent"],
                agent_config=self._json(r["agent_config"], "agent_config", key), seed=r["seed"],
                status=r["status"], error=r["error"],
                episodes=self._json(r["episodes"], "episodes", key),
                primary_metric=r["primary_metric"], primary_value=r["primary_value"],
                requires_model=bool(r["requires_model"]), wall_time=r["wall_time"],
                finished_at=r["finished_at"], papergym_version=r["papergym_version"],
                evaluation=None if r["evaluation"] is None
                else self._json(r["evaluation"], "evaluation", key))

    def __len__(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM cells").fetchone()[0]


class LeaseKeeper:
    """A daemon thread that refreshes ``owner``'s leases in ``path`` every
    ``HEARTBEAT_S`` seconds (its own connection); :meth:`stop` releases them all.  A
    process killed outright stops refreshing: its leases expire after ``ttl``."""

    def __init__(self, path: str | Path, owner: str, *, ttl: float = LEASE_S,
                 every: float = HEARTBEAT_S):
        self.path, self.owner, self.ttl, self.every = Path(path), owner, ttl, every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="papergym-lease-keeper",
                                        daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            store = ResultsStore(self.path)
        except Exception:  # noqa: BLE001 - the driver's own connection reports the problem
            return
        try:
            while not self._stop.wait(self.every):
                try:
                    store.refresh(self.owner, self.ttl)
                except sqlite3.Error:  # busy beyond the timeout: try again next beat
                    pass
        finally:
            store.close()

    def stop(self, store: ResultsStore | None = None) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        if store is not None:
            try:
                store.release(self.owner)
            except sqlite3.Error:  # the leases expire on their own
                pass
