"""Shared test setup: every test sees papergym imported, W&B kept offline, Ray's usage
statistics off, and no network: a connection to anything but this machine (or a Unix
socket), or a name lookup of another host, raises in the test that tries it.

The guard is ours, not pytest-socket's, so it needs no plugin: it patches the socket
module of the test process (spawned workers and W&B's service start their own
interpreters, which W&B's offline settings and Ray's usage-stats switch keep quiet).
"""

import os
import socket

os.environ.setdefault("WANDB_MODE", "offline")
os.environ.setdefault("WANDB_SILENT", "true")
os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
# one thread per worker: pytest -n 2 on 2 cores, and torch's default pool of one thread per
# core made every torch test ~10x slower under contention
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import papergym  # noqa: E402,F401  (registers every env id)

_LOCAL_NAMES = {"localhost", "127.0.0.1", "::1", "0.0.0.0", "", None, socket.gethostname()}


class NetworkBlockedError(OSError):
    """A test tried to use the network."""


def _is_local(address) -> bool:
    if isinstance(address, (str, bytes)):  # AF_UNIX path
        return True
    host = address[0] if isinstance(address, tuple) and address else address
    if isinstance(host, bytes):
        host = host.decode()
    return host in _LOCAL_NAMES or str(host).startswith("127.")


def _guard(original):
    def connect(self, address, *args, **kwargs):
        if self.family != getattr(socket, "AF_UNIX", None) and not _is_local(address):
            raise NetworkBlockedError(f"network use in a test: connect to {address!r}")
        return original(self, address, *args, **kwargs)
    return connect


def _guard_lookup(original):
    def lookup(host, *args, **kwargs):
        if not _is_local((host,)):
            raise NetworkBlockedError(f"network use in a test: lookup of {host!r}")
        return original(host, *args, **kwargs)
    return lookup


socket.socket.connect = _guard(socket.socket.connect)
socket.socket.connect_ex = _guard(socket.socket.connect_ex)
socket.getaddrinfo = _guard_lookup(socket.getaddrinfo)
socket.gethostbyname = _guard_lookup(socket.gethostbyname)
