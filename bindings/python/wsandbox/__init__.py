"""Python binding of libwsandbox: run an AI agent's commands inside a sandbox.

    import wsandbox
    policy = wsandbox.Policy(wsandbox.Mode.WORKSPACE_WRITE, writable=["/work/repo"])
    policy.timeout = 10
    result = wsandbox.run(["sh", "-c", "echo hi > /work/repo/out"], policy)
    print(result.returncode, result.stdout, result.protections)

Objects own their C handles: they are freed when garbage-collected, or at the
end of a ``with`` block. Errors raise a subclass of :class:`WsbError`.
"""

from __future__ import annotations

import asyncio
import ctypes
import enum
import json
import os
import sys
from dataclasses import dataclass, field
from typing import Iterable, Mapping, Optional, Sequence, Union

from . import _lib
from .errors import *  # noqa: F401,F403 - the exception classes are part of the API
from .errors import WsbError, StillRunning, Utf8Error, raise_for

PathLike = Union[str, "os.PathLike[str]"]

__all__ = [
    "Mode", "Network", "Limit", "EnvMode", "Protection", "PolicyFlag", "Access", "Rule",
    "IdentityKind", "Stdio", "Stream", "ExitKind", "Policy", "Identity", "Plan", "Process",
    "CompletedProcess", "PathCheck", "spawn", "run", "version", "audit_world_writable",
    "setup_plan", "setup_install", "setup_status", "setup_uninstall", "WsbError",
    "self_test", "self_test_probe", "reuse_release",
]


class Mode(enum.IntEnum):
    READ_ONLY = 0
    WORKSPACE_WRITE = 1
    FULL_ACCESS = 2


class Network(enum.IntEnum):
    OFF = 0
    ON = 1
    ALLOWLIST = 2


class Limit(enum.IntEnum):
    NONE = 0
    MEMORY = 1
    PROCESSES = 2
    CPU_TIME = 3
    TIMEOUT = 4
    OUTPUT = 5


class EnvMode(enum.IntEnum):
    INHERIT = 0
    CLEAR = 1


class Protection(enum.IntFlag):
    FS_WRITE = 1 << 0
    FS_PROTECTED = 1 << 1
    FS_DENY_READ = 1 << 2
    NETWORK = 1 << 3
    NETWORK_ADVISORY = 1 << 4
    PROCESS_TREE = 1 << 5
    LIMIT_MEMORY = 1 << 6
    LIMIT_PROCESSES = 1 << 7
    LIMIT_CPU = 1 << 8
    NO_NEW_PRIVS = 1 << 9
    SYSCALL_FILTER = 1 << 10
    PRIVATE_DESKTOP = 1 << 11


class PolicyFlag(enum.IntFlag):
    NO_DEFAULT_PROTECT = 1 << 0
    DENY_WORLD_WRITABLE = 1 << 1
    REFUSE_WORLD_WRITABLE = 1 << 2
    PRIVATE_DESKTOP = 1 << 3
    NO_TEMP_WRITE = 1 << 4


class Access(enum.IntEnum):
    READ = 1
    WRITE = 2


class Rule(enum.IntEnum):
    FULL_ACCESS = 1
    READ_DEFAULT = 2
    DENY_READ = 3
    WRITABLE_ROOT = 4
    PROTECTED_NAME = 5
    PROTECTED_PATH = 6
    GITDIR = 7
    OUTSIDE_ROOTS = 8
    READ_ONLY_MODE = 9
    TEMP = 10


class IdentityKind(enum.IntEnum):
    CURRENT_USER = 0
    SANDBOX_USER = 1


class Stdio(enum.IntEnum):
    NULL = 0
    PIPE = 1
    INHERIT = 2


class Stream(enum.IntEnum):
    STDIN = 0
    STDOUT = 1
    STDERR = 2


class ExitKind(enum.IntEnum):
    RUNNING = 0
    NORMAL = 1
    SIGNAL = 2
    TIMEOUT = 3
    LIMIT = 4
    KILLED = 5


def version() -> str:
    """The version of the loaded C library, "MAJOR.MINOR.PATCH"."""
    return _lib.wsb_version().decode()


def reuse_release() -> None:
    """Release what the library keeps between spawns (wsb_reuse_release):
    on Linux the warm network namespaces and the init servers, child
    processes of this one, ended and reaped before it returns; on Windows
    the token templates. Running commands are not affected."""
    _lib.wsb_reuse_release()


def _text(value, what: str) -> Optional[bytes]:
    """str / PathLike -> UTF-8 bytes; None stays None (the library rejects it)."""
    if value is None:
        return None
    if isinstance(value, bytes):
        return value
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if not isinstance(value, str):
        raise TypeError(f"{what} must be str or os.PathLike, not {type(value).__name__}")
    try:
        return value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise Utf8Error(f"{what} is not valid UTF-8: {value!r}", code=-4) from exc


def _int(value, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what} must be an int, not {type(value).__name__}")
    return int(value)


class _Handle:
    """Owns one C handle; frees it on close(), at the end of ``with``, or on GC."""

    _free = None

    def __init__(self):
        self._ptr = ctypes.c_void_p()

    def _h(self) -> ctypes.c_void_p:
        """The live handle; ValueError once closed (like a closed file)."""
        if not self._ptr:
            raise ValueError(f"{type(self).__name__} is closed")
        return self._ptr

    def close(self) -> None:
        if self._ptr:
            type(self)._free(self._ptr)
            self._ptr = ctypes.c_void_p()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass


@dataclass(frozen=True)
class PathCheck:
    """Verdict of :meth:`Policy.check_path`."""
    allowed: bool
    rule: Rule
    reason: str

    def __bool__(self) -> bool:
        return self.allowed


class Policy(_Handle):
    """What a sandboxed command may do. See wsb_policy_* in the C header."""

    _free = staticmethod(_lib.wsb_policy_free)

    def __init__(self, mode: Mode = Mode.READ_ONLY, *, writable: Iterable[PathLike] = (),
                 protect: Iterable[PathLike] = (), protect_names: Iterable[str] = (),
                 deny_read: Iterable[PathLike] = (), network: Network = Network.OFF,
                 limits: Optional[Mapping[Limit, int]] = None,
                 env: Optional[Mapping[str, Optional[str]]] = None,
                 env_mode: EnvMode = EnvMode.INHERIT, flags: PolicyFlag = PolicyFlag(0),
                 allow_missing: Protection = Protection(0), timeout: Optional[float] = None,
                 allow_hosts: Iterable[str] = (), deny_hosts: Iterable[str] = (),
                 allow_addresses: Iterable[str] = ()):
        super().__init__()
        raise_for(_lib.wsb_policy_create(ctypes.byref(self._ptr), _int(mode, "mode")))
        for p in writable:
            self.allow_write(p)
        for p in protect:
            self.protect_path(p)
        for n in protect_names:
            self.protect_name(n)
        for p in deny_read:
            self.deny_read(p)
        # Host rules mean the allow-list: they switch network off to it.
        if (allow_hosts or allow_addresses) and Network(network) == Network.OFF:
            network = Network.ALLOWLIST
        self.network = network
        for h in allow_hosts:
            self.allow_host(h)
        for h in deny_hosts:
            self.deny_host(h)
        for a in allow_addresses:
            self.allow_address(a)
        for k, v in (limits or {}).items():
            self.set_limit(k, v)
        self.env_mode = env_mode
        for k, v in (env or {}).items():
            if v is None:
                self.env_unset(k)
            else:
                self.env_set(k, v)
        if flags:
            self.set_flags(flags)
        if allow_missing:
            self.allow_missing(allow_missing)
        if timeout is not None:
            self.timeout = timeout

    @property
    def timeout(self) -> Optional[float]:
        """Wall-clock limit in seconds (None: no limit)."""
        ms = self.limit(Limit.TIMEOUT)
        return ms / 1000.0 if ms else None

    @timeout.setter
    def timeout(self, seconds: Optional[float]) -> None:
        if seconds is None:
            self.set_limit(Limit.TIMEOUT, 0)
            return
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
            raise TypeError("timeout must be a number of seconds")
        if seconds <= 0:
            raise _errors_out_of_range(f"timeout must be positive: {seconds}")
        self.set_limit(Limit.TIMEOUT, max(1, round(seconds * 1000)))

    @property
    def mode(self) -> Mode:
        return Mode(raise_for(_lib.wsb_policy_mode(self._h())))

    @mode.setter
    def mode(self, mode: Mode) -> None:
        raise_for(_lib.wsb_policy_set_mode(self._h(), _int(mode, "mode")))

    def allow_write(self, path: PathLike) -> None:
        """Add a writable root (absolute path)."""
        raise_for(_lib.wsb_policy_allow_write(self._h(), _text(path, "path")))

    def protect_path(self, path: PathLike) -> None:
        """Keep a path inside writable roots read-only."""
        raise_for(_lib.wsb_policy_protect_path(self._h(), _text(path, "path")))

    def protect_name(self, name: str) -> None:
        """Keep a name (like ".git") read-only wherever it appears under a root."""
        raise_for(_lib.wsb_policy_protect_name(self._h(), _text(name, "name")))

    def deny_read(self, path: PathLike) -> None:
        """Make a path unreadable."""
        raise_for(_lib.wsb_policy_deny_read(self._h(), _text(path, "path")))

    @property
    def network(self) -> Network:
        return self._network

    @network.setter
    def network(self, network: Network) -> None:
        raise_for(_lib.wsb_policy_set_network(self._h(), _int(network, "network")))
        self._network = Network(network)

    def allow_host(self, pattern: str) -> None:
        """Allow a host for Network.ALLOWLIST: "name", "*.name" (subdomains
        only), optional ":port[,port]" or ":*" (default 80 and 443)."""
        raise_for(_lib.wsb_policy_allow_host(self._h(), _text(pattern, "pattern")))

    def deny_host(self, pattern: str) -> None:
        """Deny a host whatever allows it (without ports: every port)."""
        raise_for(_lib.wsb_policy_deny_host(self._h(), _text(pattern, "pattern")))

    def allow_address(self, pattern: str) -> None:
        """Allow an address range ("10.0.0.0/8:5432", "[fd00::]/8")."""
        raise_for(_lib.wsb_policy_allow_address(self._h(), _text(pattern, "pattern")))

    def set_limit(self, limit: Limit, value: int) -> None:
        """Set a limit (bytes, count or milliseconds as Limit says); 0 removes it."""
        value = _int(value, "value")
        if value < 0 or value >= 2**64:
            raise _errors_out_of_range(f"limit value out of range: {value}")
        raise_for(_lib.wsb_policy_set_limit(self._h(), _int(limit, "limit"), value))

    def set_loopback_relay(self, listen_port: int, target_port: int) -> None:
        """Relay 127.0.0.1:listen_port to 127.0.0.1:target_port while a command
        runs (Windows and Linux; elsewhere planning and running fail with
        NotSupported). listen_port 0 removes the relay."""
        ports = [_int(listen_port, "listen_port"), _int(target_port, "target_port")]
        for port in ports:
            if not 0 <= port <= 65535:
                raise _errors_out_of_range(f"not a port: {port}")
        raise_for(_lib.wsb_policy_set_loopback_relay(self._h(), *ports))

    def limit(self, limit: Limit) -> int:
        out = _lib.c_u64()
        raise_for(_lib.wsb_policy_limit(ctypes.byref(out), self._h(), _int(limit, "limit")))
        return out.value

    @property
    def env_mode(self) -> EnvMode:
        return self._env_mode

    @env_mode.setter
    def env_mode(self, mode: EnvMode) -> None:
        raise_for(_lib.wsb_policy_env_mode(self._h(), _int(mode, "mode")))
        self._env_mode = EnvMode(mode)

    def env_set(self, name: str, value: str) -> None:
        raise_for(_lib.wsb_policy_env_set(self._h(), _text(name, "name"), _text(value, "value")))

    def env_unset(self, name: str) -> None:
        raise_for(_lib.wsb_policy_env_unset(self._h(), _text(name, "name")))

    def set_flags(self, flags: PolicyFlag) -> None:
        raise_for(_lib.wsb_policy_set_flags(self._h(), _int(flags, "flags")))

    def allow_missing(self, protections: Protection) -> None:
        """Accept that these protections may be unavailable (a named weaker mode)."""
        raise_for(_lib.wsb_policy_allow_missing(self._h(), _int(protections, "protections")))

    def validate(self) -> None:
        raise_for(_lib.wsb_policy_validate(self._h()))

    def check_path(self, path: PathLike, access: Access = Access.WRITE) -> PathCheck:
        """Would this access be allowed, and which rule decides? Runs nothing."""
        allowed = ctypes.c_int()
        rule = ctypes.c_int()
        reason = ctypes.c_void_p()
        raise_for(_lib.wsb_policy_check_path(ctypes.byref(allowed), ctypes.byref(rule),
                                             ctypes.byref(reason), self._h(),
                                             _text(path, "path"), _int(access, "access")))
        return PathCheck(bool(allowed.value), Rule(rule.value), _lib.take_string(reason.value))


def _errors_out_of_range(message: str) -> WsbError:
    from .errors import OutOfRange
    return OutOfRange(message, code=-7)


class Identity(_Handle):
    """Which principal commands run as, and where the library keeps its state."""

    _free = staticmethod(_lib.wsb_identity_free)

    def __init__(self, kind: IdentityKind = IdentityKind.CURRENT_USER, *,
                 state_dir: Optional[PathLike] = None):
        super().__init__()
        opts = _lib.IdentityOptions()
        raise_for(_lib.wsb_identity_options_init(ctypes.byref(opts), 1))
        opts.kind = _int(kind, "kind")
        opts.state_dir = _text(state_dir, "state_dir")
        raise_for(_lib.wsb_identity_create(ctypes.byref(self._ptr), ctypes.byref(opts)))

    @property
    def state_dir(self) -> str:
        return _lib.wsb_identity_state_dir(self._h()).decode()

    def revert(self) -> None:
        """Undo every lasting change recorded in this identity's journal."""
        raise_for(_lib.wsb_identity_revert(self._h()))


class Plan(_Handle):
    """What running under a policy would change (a dry run; changes nothing)."""

    _free = staticmethod(_lib.wsb_plan_free)

    def __init__(self, policy: Policy, identity: Optional[Identity] = None):
        super().__init__()
        raise_for(_lib.wsb_plan_create(ctypes.byref(self._ptr), _policy(policy),
                                       _identity(identity)))

    def to_json(self) -> str:
        out = ctypes.c_void_p()
        raise_for(_lib.wsb_plan_to_json(ctypes.byref(out), self._h()))
        return _lib.take_string(out.value)

    def as_dict(self) -> dict:
        return json.loads(self.to_json())

    @property
    def protections(self) -> Protection:
        return Protection(_lib.wsb_plan_protections(self._h()))

    def __len__(self) -> int:
        return _lib.wsb_plan_step_count(self._h())


def _policy(policy) -> ctypes.c_void_p:
    if not isinstance(policy, Policy):
        raise TypeError(f"policy must be a wsandbox.Policy, not {type(policy).__name__}")
    return policy._h()


def _identity(identity) -> Optional[ctypes.c_void_p]:
    if identity is None:
        return None
    if not isinstance(identity, Identity):
        raise TypeError(f"identity must be a wsandbox.Identity, not {type(identity).__name__}")
    return identity._h()


def _spawn_options(args: Sequence[PathLike], cwd, stdin, stdout, stderr, pty=False,
                   pty_size=None):
    if isinstance(args, (str, bytes, os.PathLike)):
        raise TypeError("args must be a sequence of arguments, not a single string")
    encoded = [_text(a, "argument") for a in args]
    argv = (ctypes.c_char_p * (len(encoded) + 1))(*encoded, None)
    opts = _lib.SpawnOptions()
    raise_for(_lib.wsb_spawn_options_init(ctypes.byref(opts), 2))
    opts.argv = argv if encoded else None
    opts.terminal = 1 if pty else 0
    if pty_size is not None:
        cols, rows = pty_size
        opts.terminal_cols = _int(cols, "pty_size columns")
        opts.terminal_rows = _int(rows, "pty_size rows")
    opts.cwd = _text(cwd, "cwd")
    opts.stdin_mode = _int(stdin, "stdin")
    opts.stdout_mode = _int(stdout, "stdout")
    opts.stderr_mode = _int(stderr, "stderr")
    return opts, argv


class Process(_Handle):
    """A sandboxed process tree. Freeing it kills whatever still runs.

    Not for use from two threads at once (the C API's rule): kill() from the
    thread that waits, between wait(timeout) slices."""

    _free = staticmethod(_lib.wsb_process_free)

    def __init__(self, *_):
        raise TypeError("use wsandbox.spawn() or wsandbox.run()")

    @classmethod
    def _adopt(cls, ptr: ctypes.c_void_p, args) -> "Process":
        self = object.__new__(cls)
        self._ptr = ptr
        self.args = list(args)
        return self

    def wait(self, timeout: Optional[float] = None) -> int:
        """Wait for the end; returns returncode. Raises StillRunning on timeout."""
        ms = -1 if timeout is None else max(0, int(timeout * 1000))
        raise_for(_lib.wsb_process_wait(self._h(), ms))
        return self.returncode

    def kill(self) -> None:
        raise_for(_lib.wsb_process_kill(self._h()))

    def write(self, data: bytes) -> int:
        n = ctypes.c_size_t()
        raise_for(_lib.wsb_process_write(ctypes.byref(n), self._h(), data, len(data)))
        return n.value

    def close_stdin(self) -> None:
        raise_for(_lib.wsb_process_close_stdin(self._h()))

    def read(self, stream: Stream = Stream.STDOUT, size: int = 65536,
             timeout: Optional[float] = None) -> bytes:
        """Read up to size bytes; b"" at end of stream. Raises StillRunning on timeout."""
        buf = ctypes.create_string_buffer(size)
        n = ctypes.c_size_t()
        ms = -1 if timeout is None else max(0, int(timeout * 1000))
        raise_for(_lib.wsb_process_read(ctypes.byref(n), self._h(), _int(stream, "stream"),
                                        buf, size, ms))
        return buf.raw[:n.value]

    @property
    def exit_kind(self) -> ExitKind:
        return ExitKind(raise_for(_lib.wsb_process_exit_kind(self._h())))

    @property
    def exit_code(self) -> int:
        return _lib.wsb_process_exit_code(self._h())

    @property
    def returncode(self) -> Optional[int]:
        """Like subprocess: the exit code; -N for signal N; -9 when the sandbox
        killed the tree (timeout, limit, kill); None while running."""
        kind = self.exit_kind
        if kind == ExitKind.RUNNING:
            return None
        if kind == ExitKind.NORMAL:
            return self.exit_code
        if kind == ExitKind.SIGNAL:
            return -abs(self.exit_code)
        return -9

    @property
    def timed_out(self) -> bool:
        return self.exit_kind == ExitKind.TIMEOUT

    @property
    def limit(self) -> Optional[Limit]:
        value = _lib.wsb_process_limit(self._h())
        return None if value == Limit.NONE else Limit(value)

    @property
    def protections(self) -> Protection:
        return Protection(_lib.wsb_process_protections(self._h()))

    @property
    def pid(self) -> int:
        return _lib.wsb_process_pid(self._h())

    @property
    def duration(self) -> float:
        """Seconds from start to end (or to now)."""
        return _lib.wsb_process_duration_ms(self._h()) / 1000.0

    def output(self, stream: Stream) -> tuple[bytes, bool]:
        """Captured bytes of a stream (from run()) and whether they were truncated."""
        n = ctypes.c_size_t()
        trunc = ctypes.c_int()
        ptr = _lib.wsb_process_output(ctypes.byref(n), ctypes.byref(trunc), self._h(),
                                      _int(stream, "stream"))
        if not ptr:
            return b"", False
        return ctypes.string_at(ptr, n.value), bool(trunc.value)

    def to_json(self) -> str:
        out = ctypes.c_void_p()
        raise_for(_lib.wsb_process_to_json(ctypes.byref(out), self._h()))
        return _lib.take_string(out.value)

    # ---- terminal and event loops -------------------------------------

    def resize(self, columns: int, rows: int) -> None:
        """Change the size of the process's terminal (spawned with pty=True)."""
        raise_for(_lib.wsb_process_resize(self._h(), _int(columns, "columns"),
                                          _int(rows, "rows")))

    def waitable(self) -> int:
        """A descriptor (Windows: a HANDLE value) that is ready once the whole
        tree has ended. Borrowed: valid while this Process is open; do not
        close it."""
        h = _lib.c_os_handle()
        raise_for(_lib.wsb_process_waitable(ctypes.byref(h), self._h()))
        return h.value

    def stream_handle(self, stream: Stream = Stream.STDOUT) -> int:
        """The descriptor (Windows: HANDLE value) of one stream, for polling.
        Borrowed, as waitable(); with pty=True stdin and stdout are the terminal."""
        h = _lib.c_os_handle()
        raise_for(_lib.wsb_process_stream_handle(ctypes.byref(h), self._h(),
                                                 _int(stream, "stream")))
        return h.value

    async def _ready(self, fd: int) -> None:
        # The event loop watches the descriptor: no thread per process.
        loop = asyncio.get_running_loop()
        ready = loop.create_future()
        loop.add_reader(fd, lambda: ready.done() or ready.set_result(None))
        try:
            await ready
        finally:
            loop.remove_reader(fd)

    async def wait_async(self) -> int:
        """``await proc.wait_async()``: the returncode once the tree has ended,
        without blocking the event loop (POSIX event loops; add_reader)."""
        if self.exit_kind == ExitKind.RUNNING:
            await self._ready(self.waitable())
        return self.wait()

    async def read_async(self, stream: Stream = Stream.STDOUT, size: int = 65536) -> bytes:
        """``await proc.read_async()``: up to size bytes once some are there;
        b"" at end of stream."""
        fd = self.stream_handle(stream)
        while True:
            await self._ready(fd)
            try:
                return self.read(stream, size, timeout=0)
            except StillRunning:
                continue  # woken without data: wait again

    def __aiter__(self):
        return self._chunks()

    async def _chunks(self):
        """``async for chunk in proc``: the stdout (or terminal) output."""
        while True:
            chunk = await self.read_async(Stream.STDOUT)
            if not chunk:
                return
            yield chunk


def spawn(args: Sequence[PathLike], policy: Policy, identity: Optional[Identity] = None, *,
          cwd: Optional[PathLike] = None, stdin: Stdio = Stdio.NULL,
          stdout: Stdio = Stdio.PIPE, stderr: Stdio = Stdio.PIPE, pty: bool = False,
          pty_size: Optional[tuple] = None) -> Process:
    """Start args in a sandbox and return the running Process.

    With pty=True the command runs on a terminal inside the sandbox (its
    stdin, stdout, stderr and controlling terminal; the stdio arguments are
    then ignored): write() types into it, read() gives everything it shows,
    resize() changes its size (pty_size=(columns, rows) at start, default
    80x24)."""
    opts, keep = _spawn_options(args, cwd, stdin, stdout, stderr, pty, pty_size)
    ptr = ctypes.c_void_p()
    raise_for(_lib.wsb_spawn(ctypes.byref(ptr), _policy(policy), _identity(identity),
                             ctypes.byref(opts)))
    del keep
    return Process._adopt(ptr, args)


@dataclass
class CompletedProcess:
    """Result of :func:`run`, shaped like subprocess.CompletedProcess."""
    args: list
    returncode: int
    stdout: bytes
    stderr: bytes
    exit_kind: ExitKind
    timed_out: bool
    limit: Optional[Limit]
    protections: Protection
    duration: float
    stdout_truncated: bool = False
    stderr_truncated: bool = False
    json: str = field(default="", repr=False)

    def check_returncode(self) -> None:
        if self.returncode != 0:
            import subprocess
            raise subprocess.CalledProcessError(self.returncode, self.args,
                                                self.stdout, self.stderr)


def run(args: Sequence[PathLike], policy: Optional[Policy] = None,
        identity: Optional[Identity] = None, *,
        cwd: Optional[PathLike] = None, input: Optional[bytes] = None,
        check: bool = False, pty: bool = False,
        pty_size: Optional[tuple] = None) -> CompletedProcess:
    """Run args in a sandbox to completion, capturing stdout and stderr.

    Without a policy the default ``Policy()`` applies: read-only, no network.

    The policy's limits apply (``Policy.timeout`` for wall-clock time): when one
    ends the tree, ``timed_out`` or ``limit`` says so. With check=True a
    non-zero returncode raises subprocess.CalledProcessError. With pty=True
    it runs on a terminal: stdout holds everything the terminal showed (both
    outputs, CRLF line ends), stderr is empty, and input is typed in.
    """
    if input is not None and not isinstance(input, (bytes, bytearray, memoryview)):
        raise TypeError("input must be bytes")
    if policy is None:
        policy = Policy()
    opts, keep = _spawn_options(args, cwd, Stdio.NULL, Stdio.PIPE, Stdio.PIPE, pty, pty_size)
    ptr = ctypes.c_void_p()
    data = bytes(input) if input is not None else None
    raise_for(_lib.wsb_run(ctypes.byref(ptr), _policy(policy), _identity(identity),
                           ctypes.byref(opts), data, len(data) if data else 0))
    del keep
    with Process._adopt(ptr, args) as proc:
        out, out_t = proc.output(Stream.STDOUT)
        err, err_t = proc.output(Stream.STDERR)
        result = CompletedProcess(list(args), proc.returncode, out, err, proc.exit_kind,
                                  proc.timed_out, proc.limit, proc.protections,
                                  proc.duration, out_t, err_t, proc.to_json())
    if check:
        result.check_returncode()
    return result


def _default_probe() -> list:
    """This interpreter, importing this package from where it is now."""
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    code = ("import sys; sys.path.insert(0, sys.argv.pop(1)); import wsandbox; "
            "sys.exit(wsandbox.self_test_probe(sys.argv[1:]))")
    return [sys.executable, "-c", code, here]


def self_test(policy: Policy, identity: Optional[Identity] = None, *,
              probe: Optional[Sequence[PathLike]] = None,
              work_dir: Optional[PathLike] = None) -> dict:
    """Run the canary escapes under policy and return the report
    (docs/self-test.md): ``report["canaries"]`` with each one's ``status``
    ("proved", "missing", "FAILED" or "unproven") and ``evidence``, and
    ``report["summary"]["failed"]``. probe is the program that runs inside
    the sandbox (by default this Python, calling :func:`self_test_probe`;
    its environment, so WSANDBOX_LIBRARY, is inherited unless the policy
    clears it)."""
    argv_list = list(probe) if probe is not None else _default_probe()
    encoded = [_text(a, "probe argument") for a in argv_list]
    argv = (ctypes.c_char_p * (len(encoded) + 1))(*encoded, None)
    opts = _lib.SelfTestOptions()
    raise_for(_lib.wsb_self_test_options_init(ctypes.byref(opts), 1))
    opts.probe_argv = argv if encoded else None
    opts.work_dir = _text(work_dir, "work_dir")
    out = ctypes.c_void_p()
    failed = ctypes.c_uint()
    raise_for(_lib.wsb_self_test(ctypes.byref(out), ctypes.byref(failed), _policy(policy),
                                 _identity(identity), ctypes.byref(opts)))
    del argv
    return json.loads(_lib.take_string(out.value))


def self_test_probe(args: Sequence[str]) -> int:
    """The probe's side: carry out one canary operation here and print what
    happened; returns the exit status (0 done, 1 refused, 2 bad usage)."""
    encoded = [_text(a, "probe argument") for a in args]
    argv = (ctypes.c_char_p * (len(encoded) + 1))(*encoded, None)
    sys.stdout.flush()
    return _lib.wsb_self_test_probe(len(encoded), argv)


def audit_world_writable(policy: Policy, *, cwd: Optional[PathLike] = None,
                         max_entries: int = 0, max_ms: int = 0) -> dict:
    """World-writable directories (Windows). Raises NotSupported elsewhere."""
    opts = _lib.AuditOptions()
    raise_for(_lib.wsb_audit_options_init(ctypes.byref(opts), 1))
    opts.cwd = _text(cwd, "cwd")
    opts.max_entries = _int(max_entries, "max_entries")
    opts.max_ms = _int(max_ms, "max_ms")
    out = ctypes.c_void_p()
    raise_for(_lib.wsb_audit_world_writable(ctypes.byref(out), _policy(policy),
                                            ctypes.byref(opts)))
    return json.loads(_lib.take_string(out.value))


def _setup_options(state_dir=None, offline_user=None, online_user=None, group=None,
                   loopback_ports: Sequence[int] = (), progress=None):
    opts = _lib.SetupOptions()
    raise_for(_lib.wsb_setup_options_init(ctypes.byref(opts), 1))
    opts.state_dir = _text(state_dir, "state_dir")
    opts.offline_user = _text(offline_user, "offline_user")
    opts.online_user = _text(online_user, "online_user")
    opts.group = _text(group, "group")
    ports = [_int(p, "port") for p in loopback_ports]
    if any(p < 0 or p > 65535 for p in ports):
        raise _errors_out_of_range(f"ports must be 0..65535: {ports}")
    arr = (ctypes.c_ushort * max(1, len(ports)))(*ports)
    opts.loopback_ports = ctypes.cast(arr, ctypes.POINTER(ctypes.c_ushort)) if ports else None
    opts.loopback_port_count = len(ports)
    cb = None
    if progress is not None:
        cb = _lib.PROGRESS_CB(lambda step, done, total, ctx: progress(step.decode(), done, total))
        opts.progress = cb
    return opts, (arr, cb)


def setup_plan(**kwargs) -> Plan:
    """What setup_install() would change (Windows elevated sandbox)."""
    opts, keep = _setup_options(**kwargs)
    plan = object.__new__(Plan)
    plan._ptr = ctypes.c_void_p()
    raise_for(_lib.wsb_setup_plan(ctypes.byref(plan._ptr), ctypes.byref(opts)))
    del keep
    return plan


def setup_install(**kwargs) -> None:
    """Provision the elevated sandbox (Windows, administrator)."""
    opts, keep = _setup_options(**kwargs)
    raise_for(_lib.wsb_setup_install(ctypes.byref(opts)))
    del keep


def setup_status(**kwargs) -> dict:
    opts, keep = _setup_options(**kwargs)
    out = ctypes.c_void_p()
    raise_for(_lib.wsb_setup_status(ctypes.byref(out), ctypes.byref(opts)))
    del keep
    return json.loads(_lib.take_string(out.value))


def setup_uninstall(**kwargs) -> None:
    opts, keep = _setup_options(**kwargs)
    raise_for(_lib.wsb_setup_uninstall(ctypes.byref(opts)))
    del keep
