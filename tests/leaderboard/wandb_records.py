"""Read what an offline W&B run logged, from its ``run-<id>.wandb`` file.

wandb >= 0.20 no longer ships a Python reader for this file.  Its layout: a 7-byte
header (``:W&B``, magic, version), then LevelDB-log-style chunks in 32 KiB blocks
(crc32, little-endian length, type: 1 full, 2 first, 3 middle, 4 last), each record a
``wandb_internal_pb2.Record`` protobuf.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

BLOCK = 32 * 1024
HEADER = 7


def _payloads(path: Path) -> Iterator[bytes]:
    data = path.read_bytes()
    assert data[:4] == b":W&B", f"{path} is not a W&B run file"
    pos, pending = HEADER, b""
    while pos + HEADER <= len(data):
        left = BLOCK - pos % BLOCK
        if left < HEADER:  # block trailer: padding
            pos += left
            continue
        _crc, length, kind = struct.unpack("<IHB", data[pos:pos + HEADER])
        if kind == 0:  # zero padding to the end of the block
            pos += left
            continue
        chunk = data[pos + HEADER:pos + HEADER + length]
        pos += HEADER + length
        if kind == 1:
            yield chunk
        elif kind == 2:
            pending = chunk
        elif kind == 3:
            pending += chunk
        elif kind == 4:
            yield pending + chunk


def read_run(run_dir: Path, wait: float = 30.0) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """``(history rows, config)`` of the offline run in ``run_dir``.

    ``run.finish()`` can return while W&B's service process is still writing the file (seen
    under load: only the 7-byte header at first, the whole run a moment later; a process
    that exits leaves it complete), so this waits up to ``wait`` seconds for the run's
    final ``exit`` record."""
    import time

    from wandb.proto import wandb_internal_pb2 as pb2

    (path,) = run_dir.glob("run-*.wandb")
    deadline = time.monotonic() + wait
    while True:
        records = []
        for raw in _payloads(path):
            record = pb2.Record()
            record.ParseFromString(raw)
            records.append(record)
        if records and records[-1].WhichOneof("record_type") == "exit":
            break
        assert time.monotonic() < deadline, f"{path}: no exit record after {wait} s"
        time.sleep(0.1)
    history, config = [], {}
    for record in records:
        kind = record.WhichOneof("record_type")
        if kind == "history":
            history.append({item.key or "/".join(item.nested_key): json.loads(item.value_json)
                            for item in record.history.item})
        elif kind in ("run", "config"):  # wandb.init(config=...) arrives in the run record
            updates = record.run.config.update if kind == "run" else record.config.update
            for item in updates:
                config[item.key or "/".join(item.nested_key)] = json.loads(item.value_json)
    return history, config
