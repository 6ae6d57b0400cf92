"""Who owns a pending history row, and whether that owner is still alive to finish it.

Every open :class:`~b24notify.core.history.History` has an owner token
``<pid>:<random>`` written on the rows it records as pending. A row is in
flight while its History is open in this process, or while the process that
wrote it is alive; otherwise a crash abandoned it.
"""

from __future__ import annotations

import os

# Owner tokens of the History objects open in this process: a pending row owned
# by one of them is in flight, not abandoned.
_OPEN_OWNERS: set[str] = set()


def new_owner() -> str:
    """A fresh owner token for a History opened in this process."""
    return f"{os.getpid()}:{os.urandom(8).hex()}"


def mark_open(owner: str) -> None:
    """Count ``owner``'s pending rows as in flight (its History is open)."""
    _OPEN_OWNERS.add(owner)


def mark_closed(owner: str) -> None:
    """Stop counting ``owner``'s pending rows as in flight (its History closed)."""
    _OPEN_OWNERS.discard(owner)


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    if os.name == "nt":  # pragma: no cover - Windows only
        import ctypes

        kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined,unused-ignore]
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        code = ctypes.c_ulong()
        try:
            kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        finally:
            kernel32.CloseHandle(handle)
        return code.value == 259  # STILL_ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, run by another user
    return True


def owner_alive(owner: str | None) -> bool:
    """True when the rows of ``owner`` may still be finished by it (see the module docstring)."""
    if not owner:
        return False
    if owner in _OPEN_OWNERS:
        return True
    pid_text, _, _ = owner.partition(":")
    if not pid_text.isdigit():
        return False
    pid = int(pid_text)
    # This process but no open History owns it: abandoned by a closed one.
    return pid != os.getpid() and _pid_alive(pid)
