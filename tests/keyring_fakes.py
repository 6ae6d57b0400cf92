"""Keyring backends for tests: the same two calls as the ``keyring`` package, in memory."""

from __future__ import annotations


class MemoryKeyring:
    """An in-memory keyring backend that remembers what was read and written."""

    def __init__(self, entries: dict[tuple[str, str], str] | None = None) -> None:
        self.entries = dict(entries or {})
        self.reads: list[tuple[str, str]] = []
        self.writes: list[str] = []

    def get_password(self, service_name: str, username: str) -> str | None:
        self.reads.append((service_name, username))
        return self.entries.get((service_name, username))

    def set_password(self, service_name: str, username: str, password: str) -> None:
        self.writes.append(username)
        self.entries[(service_name, username)] = password


class BrokenKeyring:
    """A backend that fails like keyring's fail backend does when nothing is configured."""

    def get_password(self, service_name: str, username: str) -> str | None:
        raise RuntimeError("No recommended backend was available.")

    def set_password(self, service_name: str, username: str, password: str) -> None:
        raise RuntimeError("No recommended backend was available.")
