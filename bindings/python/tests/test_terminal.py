"""Terminals and asyncio through the Python binding (Linux, real kernel)."""

import asyncio
import sys
import threading

import pytest

import wsandbox
from wsandbox import ExitKind, Mode, Policy, Stream

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="terminals and waitable descriptors are tested on Linux")


def read_until(proc, needle: bytes, timeout: float = 30.0) -> bytes:
    seen = b""
    while needle not in seen:
        chunk = proc.read(Stream.STDOUT, timeout=timeout)
        assert chunk, f"the terminal ended before {needle!r}: {seen!r}"
        seen += chunk
    return seen


def test_run_with_pty_is_on_a_terminal(tmp_path):
    result = wsandbox.run(["sh", "-c", "tty; stty size; echo err >&2"],
                          Policy(Mode.WORKSPACE_WRITE, writable=[tmp_path]),
                          pty=True, pty_size=(100, 30))
    assert result.returncode == 0
    assert result.stdout.startswith(b"/dev/pts/")
    assert b"30 100\r\nerr\r\n" in result.stdout
    assert result.stderr == b""


def test_resize_and_a_python_repl(tmp_path):
    policy = Policy(Mode.WORKSPACE_WRITE, writable=[tmp_path])
    with wsandbox.spawn(["/usr/bin/python3", "-q"], policy, pty=True) as proc:
        read_until(proc, b">>> ")
        proc.resize(132, 43)
        proc.write(b"import os; print(os.get_terminal_size(), 6 * 7)\r")
        out = read_until(proc, b"42")
        assert b"columns=132, lines=43" in out
        proc.write(b"raise SystemExit(3)\r")
        assert proc.wait(timeout=30) == 3


def test_resize_without_a_terminal_is_a_state_error(tmp_path):
    with wsandbox.spawn(["true"], Policy()) as proc:
        with pytest.raises(wsandbox.StateError):
            proc.resize(80, 24)
        proc.wait()


def test_fifty_processes_from_one_asyncio_loop():
    policy = Policy()
    threads_before = threading.active_count()

    async def one(i):
        proc = wsandbox.spawn(["sh", "-c", f"sleep 0.{(i * 7) % 10}; echo proc-{i}; exit {i}"],
                              policy)
        with proc:
            chunks = [chunk async for chunk in proc]
            code = await proc.wait_async()
            return i, b"".join(chunks), code

    async def main():
        results = await asyncio.gather(*(one(i) for i in range(50)))
        # Everything ran on this one thread: no helper thread per process.
        assert threading.active_count() == threads_before
        return results

    for i, out, code in asyncio.run(main()):
        assert out == f"proc-{i}\n".encode()
        assert code == i


def test_read_async_from_a_terminal():
    async def main():
        with wsandbox.spawn(["sh", "-c", "read x; echo got-$x"], Policy(), pty=True) as proc:
            proc.write(b"abc\r")
            seen = b""
            while b"got-abc" not in seen:
                chunk = await proc.read_async()
                assert chunk
                seen += chunk
            assert await proc.wait_async() == 0
            assert proc.exit_kind == ExitKind.NORMAL

    asyncio.run(main())
