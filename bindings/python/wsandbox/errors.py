"""Exceptions raised by the wsandbox binding: one class per library error code."""

from __future__ import annotations

from . import _lib


class WsbError(Exception):
    """A libwsandbox call failed.

    Attributes:
        code: the negative WSB_E* code.
        message: the library's message (from wsb_error_last()).
        os_error: the OS error captured at the failure (errno / GetLastError), or 0.
    """

    code = -1

    def __init__(self, message: str, code: int | None = None, os_error: int = 0):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.os_error = os_error

    def __str__(self) -> str:
        text = f"{self.message} [{_lib.wsb_strerror(self.code).decode()}]"
        if self.os_error:
            text += f" (OS error {self.os_error})"
        return text


class OutOfMemory(WsbError, MemoryError):
    code = -2


class InvalidArgument(WsbError, ValueError):
    code = -3


class Utf8Error(WsbError, ValueError):
    code = -4


class PathError(WsbError, ValueError):
    code = -5


class TooLong(WsbError, ValueError):
    code = -6


class OutOfRange(WsbError, ValueError):
    code = -7


class NotSupported(WsbError):
    code = -8


class NotFound(WsbError, FileNotFoundError):
    code = -9


class AlreadyExists(WsbError):
    code = -10


class AccessDenied(WsbError, PermissionError):
    code = -11


class OsFailure(WsbError, OSError):
    code = -12


class StateError(WsbError):
    code = -13


class StillRunning(WsbError):
    code = -14


class Unavailable(WsbError):
    code = -15


class Conflict(WsbError, ValueError):
    code = -16


class VersionError(WsbError):
    code = -17


class NotExecutable(WsbError, PermissionError):
    code = -18


class JournalError(WsbError):
    code = -19


class NotElevated(WsbError, PermissionError):
    code = -20


class GroupPolicy(WsbError):
    code = -21


class LogonError(WsbError):
    code = -22


class AccountLocked(WsbError):
    code = -23


class NotSetUp(WsbError):
    code = -24


class WorldWritable(WsbError):
    code = -25


_BY_CODE = {cls.code: cls for cls in list(globals().values())
            if isinstance(cls, type) and issubclass(cls, WsbError) and cls is not WsbError}


def raise_for(rc: int) -> int:
    """Raise the exception for a negative return code; return rc otherwise."""
    if rc >= 0:
        return rc
    err = _lib.wsb_error_last()
    message = _lib.wsb_error_message(err).decode("utf-8", "replace")
    os_error = _lib.wsb_error_os(err)
    cls = _BY_CODE.get(rc, WsbError)
    raise cls(message, code=rc, os_error=os_error)
