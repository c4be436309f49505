"""Loading libwsandbox and declaring its C functions for ctypes.

The library is looked for, in order: the path in the WSANDBOX_LIBRARY
environment variable; next to this package; the build tree of the source
checkout this package sits in (``build/``); the system library path.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys
from pathlib import Path

_NAMES = ("libwsandbox-0.dll", "wsandbox.dll") if sys.platform == "win32" else (
    "libwsandbox.so.0", "libwsandbox.so")


def _candidates():
    env = os.environ.get("WSANDBOX_LIBRARY")
    if env:
        yield Path(env)
    here = Path(__file__).resolve().parent
    for name in _NAMES:
        yield here / name
    # bindings/python/wsandbox -> repository root
    root = here.parent.parent.parent
    for build in ("build", "build/host"):
        for name in _NAMES:
            yield root / build / name
    found = ctypes.util.find_library("wsandbox")
    if found:
        yield Path(found)


def _load():
    tried = []
    for path in _candidates():
        tried.append(str(path))
        if path.is_absolute() and not path.exists():
            continue
        try:
            return ctypes.CDLL(str(path))
        except OSError as exc:
            tried[-1] += f" ({exc})"
    raise ImportError(
        "libwsandbox not found. Build it (cmake -S . -B build && cmake --build build) "
        "or set WSANDBOX_LIBRARY to its path. Looked in: " + "; ".join(tried))


lib = _load()

c_int = ctypes.c_int
c_uint = ctypes.c_uint
c_long = ctypes.c_long
c_size = ctypes.c_size_t
c_u64 = ctypes.c_ulonglong
c_char_p = ctypes.c_char_p
c_void_p = ctypes.c_void_p
P = ctypes.POINTER


class Allocator(ctypes.Structure):
    _fields_ = [("version", c_uint), ("malloc_fn", c_void_p), ("realloc_fn", c_void_p),
                ("free_fn", c_void_p), ("ctx", c_void_p)]


class IdentityOptions(ctypes.Structure):
    _fields_ = [("version", c_uint), ("kind", c_int), ("state_dir", c_char_p)]


class SpawnOptions(ctypes.Structure):
    # Version 2: the terminal fields (0.2.0).
    _fields_ = [("version", c_uint), ("argv", P(c_char_p)), ("cwd", c_char_p),
                ("stdin_mode", c_int), ("stdout_mode", c_int), ("stderr_mode", c_int),
                ("terminal", c_int), ("terminal_cols", c_uint), ("terminal_rows", c_uint)]


# wsb_os_handle: a file descriptor (int) on POSIX, a HANDLE on Windows.
c_os_handle = c_void_p if sys.platform == "win32" else c_int


class AuditOptions(ctypes.Structure):
    _fields_ = [("version", c_uint), ("cwd", c_char_p), ("max_entries", ctypes.c_ulong),
                ("max_ms", ctypes.c_ulong)]


class SelfTestOptions(ctypes.Structure):
    _fields_ = [("version", c_uint), ("probe_argv", P(c_char_p)), ("work_dir", c_char_p)]


PROGRESS_CB = ctypes.CFUNCTYPE(None, c_char_p, ctypes.c_ulong, ctypes.c_ulong, c_void_p)


class SetupOptions(ctypes.Structure):
    _fields_ = [("version", c_uint), ("state_dir", c_char_p), ("offline_user", c_char_p),
                ("online_user", c_char_p), ("group", c_char_p),
                ("loopback_ports", P(ctypes.c_ushort)), ("loopback_port_count", c_size),
                ("progress", PROGRESS_CB), ("progress_ctx", c_void_p)]


def _fn(name, restype, *argtypes):
    f = getattr(lib, name)
    f.restype = restype
    f.argtypes = list(argtypes)
    return f


# Free-standing
wsb_version = _fn("wsb_version", c_char_p)
wsb_version_number = _fn("wsb_version_number", c_uint)
wsb_error_last = _fn("wsb_error_last", c_void_p)
wsb_error_message = _fn("wsb_error_message", c_char_p, c_void_p)
wsb_error_code = _fn("wsb_error_code", c_int, c_void_p)
wsb_error_os = _fn("wsb_error_os", c_long, c_void_p)
wsb_error_clear = _fn("wsb_error_clear", None)
wsb_strerror = _fn("wsb_strerror", c_char_p, c_int)
wsb_set_allocator = _fn("wsb_set_allocator", c_int, P(Allocator))
wsb_free = _fn("wsb_free", None, c_void_p)

# Policy
wsb_policy_create = _fn("wsb_policy_create", c_int, P(c_void_p), c_int)
wsb_policy_free = _fn("wsb_policy_free", None, c_void_p)
wsb_policy_set_mode = _fn("wsb_policy_set_mode", c_int, c_void_p, c_int)
wsb_policy_mode = _fn("wsb_policy_mode", c_int, c_void_p)
wsb_policy_allow_write = _fn("wsb_policy_allow_write", c_int, c_void_p, c_char_p)
wsb_policy_protect_path = _fn("wsb_policy_protect_path", c_int, c_void_p, c_char_p)
wsb_policy_protect_name = _fn("wsb_policy_protect_name", c_int, c_void_p, c_char_p)
wsb_policy_deny_read = _fn("wsb_policy_deny_read", c_int, c_void_p, c_char_p)
wsb_policy_set_network = _fn("wsb_policy_set_network", c_int, c_void_p, c_int)
wsb_policy_set_limit = _fn("wsb_policy_set_limit", c_int, c_void_p, c_int, c_u64)
wsb_policy_limit = _fn("wsb_policy_limit", c_int, P(c_u64), c_void_p, c_int)
wsb_policy_env_mode = _fn("wsb_policy_env_mode", c_int, c_void_p, c_int)
wsb_policy_env_set = _fn("wsb_policy_env_set", c_int, c_void_p, c_char_p, c_char_p)
wsb_policy_env_unset = _fn("wsb_policy_env_unset", c_int, c_void_p, c_char_p)
wsb_policy_set_flags = _fn("wsb_policy_set_flags", c_int, c_void_p, c_uint)
wsb_policy_allow_missing = _fn("wsb_policy_allow_missing", c_int, c_void_p, c_uint)
wsb_policy_set_loopback_relay = _fn("wsb_policy_set_loopback_relay", c_int, c_void_p,
                                    ctypes.c_ushort, ctypes.c_ushort)
wsb_policy_allow_host = _fn("wsb_policy_allow_host", c_int, c_void_p, c_char_p)
wsb_policy_deny_host = _fn("wsb_policy_deny_host", c_int, c_void_p, c_char_p)
wsb_policy_allow_address = _fn("wsb_policy_allow_address", c_int, c_void_p, c_char_p)
wsb_policy_validate = _fn("wsb_policy_validate", c_int, c_void_p)
wsb_policy_check_path = _fn("wsb_policy_check_path", c_int, P(c_int), P(c_int), P(c_void_p),
                            c_void_p, c_char_p, c_int)

# Identity
wsb_identity_options_init = _fn("wsb_identity_options_init", c_int, P(IdentityOptions), c_uint)
wsb_identity_create = _fn("wsb_identity_create", c_int, P(c_void_p), P(IdentityOptions))
wsb_identity_free = _fn("wsb_identity_free", None, c_void_p)
wsb_identity_state_dir = _fn("wsb_identity_state_dir", c_char_p, c_void_p)
wsb_identity_revert = _fn("wsb_identity_revert", c_int, c_void_p)

# Plan
wsb_plan_create = _fn("wsb_plan_create", c_int, P(c_void_p), c_void_p, c_void_p)
wsb_plan_free = _fn("wsb_plan_free", None, c_void_p)
wsb_plan_to_json = _fn("wsb_plan_to_json", c_int, P(c_void_p), c_void_p)
wsb_plan_protections = _fn("wsb_plan_protections", c_uint, c_void_p)
wsb_plan_step_count = _fn("wsb_plan_step_count", c_size, c_void_p)

# Process
wsb_spawn_options_init = _fn("wsb_spawn_options_init", c_int, P(SpawnOptions), c_uint)
wsb_spawn = _fn("wsb_spawn", c_int, P(c_void_p), c_void_p, c_void_p, P(SpawnOptions))
wsb_run = _fn("wsb_run", c_int, P(c_void_p), c_void_p, c_void_p, P(SpawnOptions),
              c_void_p, c_size)
wsb_process_free = _fn("wsb_process_free", None, c_void_p)
wsb_reuse_release = _fn("wsb_reuse_release", c_int)
wsb_process_wait = _fn("wsb_process_wait", c_int, c_void_p, c_long)
wsb_process_kill = _fn("wsb_process_kill", c_int, c_void_p)
wsb_process_write = _fn("wsb_process_write", c_int, P(c_size), c_void_p, c_void_p, c_size)
wsb_process_close_stdin = _fn("wsb_process_close_stdin", c_int, c_void_p)
wsb_process_read = _fn("wsb_process_read", c_int, P(c_size), c_void_p, c_int, c_void_p,
                       c_size, c_long)
wsb_process_exit_kind = _fn("wsb_process_exit_kind", c_int, c_void_p)
wsb_process_exit_code = _fn("wsb_process_exit_code", c_long, c_void_p)
wsb_process_limit = _fn("wsb_process_limit", c_int, c_void_p)
wsb_process_protections = _fn("wsb_process_protections", c_uint, c_void_p)
wsb_process_pid = _fn("wsb_process_pid", c_long, c_void_p)
wsb_process_duration_ms = _fn("wsb_process_duration_ms", c_u64, c_void_p)
wsb_process_output = _fn("wsb_process_output", c_void_p, P(c_size), P(c_int), c_void_p, c_int)
wsb_process_to_json = _fn("wsb_process_to_json", c_int, P(c_void_p), c_void_p)
wsb_process_resize = _fn("wsb_process_resize", c_int, c_void_p, c_uint, c_uint)
wsb_process_waitable = _fn("wsb_process_waitable", c_int, P(c_os_handle), c_void_p)
wsb_process_stream_handle = _fn("wsb_process_stream_handle", c_int, P(c_os_handle), c_void_p,
                                c_int)

# Audit and setup
wsb_audit_options_init = _fn("wsb_audit_options_init", c_int, P(AuditOptions), c_uint)
wsb_audit_world_writable = _fn("wsb_audit_world_writable", c_int, P(c_void_p), c_void_p,
                               P(AuditOptions))
wsb_setup_options_init = _fn("wsb_setup_options_init", c_int, P(SetupOptions), c_uint)
wsb_setup_plan = _fn("wsb_setup_plan", c_int, P(c_void_p), P(SetupOptions))
wsb_setup_install = _fn("wsb_setup_install", c_int, P(SetupOptions))
wsb_setup_status = _fn("wsb_setup_status", c_int, P(c_void_p), P(SetupOptions))
wsb_setup_uninstall = _fn("wsb_setup_uninstall", c_int, P(SetupOptions))

# Self-test
wsb_self_test_options_init = _fn("wsb_self_test_options_init", c_int, P(SelfTestOptions), c_uint)
wsb_self_test = _fn("wsb_self_test", c_int, P(c_void_p), P(c_uint), c_void_p, c_void_p,
                    P(SelfTestOptions))
wsb_self_test_probe = _fn("wsb_self_test_probe", c_int, c_int, P(c_char_p))


def take_string(ptr: int | None) -> str:
    """Copy a library-allocated UTF-8 string and free it."""
    if not ptr:
        return ""
    try:
        return ctypes.string_at(ptr).decode("utf-8")
    finally:
        wsb_free(ptr)
