"""Real sandboxed runs through the Python binding (Linux kernel enforcement)."""

import os
import pathlib
import socket
import sys

import pytest

import wsandbox
from wsandbox import ExitKind, Limit, Mode, Network, Policy, Protection

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="real enforcement is tested on Linux")


def test_allowed_write_inside_the_workspace(tmp_path):
    policy = Policy(Mode.WORKSPACE_WRITE, writable=[tmp_path])
    result = wsandbox.run(["sh", "-c", f"echo hello > {tmp_path}/out.txt; cat {tmp_path}/out.txt"],
                          policy)
    assert result.returncode == 0, result.stderr
    assert result.stdout == b"hello\n"
    assert (tmp_path / "out.txt").read_text() == "hello\n"
    assert result.protections & Protection.FS_WRITE


@pytest.fixture
def host_dir():
    """A directory outside /tmp: the sandbox gives the command a private /tmp,
    so a write there would succeed without reaching the host."""
    import shutil
    import tempfile
    d = tempfile.mkdtemp(prefix="wsb-py-", dir="/var/tmp")
    yield pathlib.Path(d)
    shutil.rmtree(d)


def test_denied_write_outside_the_workspace(tmp_path, host_dir):
    work = tmp_path / "work"
    work.mkdir()
    outside = host_dir / "outside.txt"
    policy = Policy(Mode.WORKSPACE_WRITE, writable=[work])
    result = wsandbox.run(["sh", "-c", f"echo x > {outside}"], policy)
    assert result.returncode != 0
    assert not outside.exists()


def test_run_without_a_policy_is_read_only(host_dir):
    assert wsandbox.run(["true"]).returncode == 0
    outside = host_dir / "default-policy.txt"
    result = wsandbox.run(["sh", "-c", f"echo x > {outside}"])
    assert result.returncode != 0
    assert not outside.exists()


def test_writes_to_tmp_stay_private(tmp_path):
    policy = Policy(Mode.READ_ONLY)
    name = f"/tmp/wsb-private-{os.getpid()}"
    result = wsandbox.run(["sh", "-c", f"echo x > {name} && cat {name}"], policy)
    assert result.returncode == 0 and result.stdout == b"x\n"
    assert not os.path.exists(name)


def test_protected_git_is_read_only(tmp_path):
    (tmp_path / ".git").mkdir()
    policy = Policy(Mode.WORKSPACE_WRITE, writable=[tmp_path])
    result = wsandbox.run(["sh", "-c", f"echo x > {tmp_path}/.git/config"], policy)
    assert result.returncode != 0
    assert not (tmp_path / ".git" / "config").exists()


def test_network_off_blocks_a_listener_outside():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server.getsockname()[1]
    try:
        policy = Policy(Mode.READ_ONLY, network=Network.OFF)
        code = (f"import socket; s=socket.socket(); s.settimeout(2); "
                f"s.connect(('127.0.0.1', {port})); print('connected')")
        result = wsandbox.run([sys.executable, "-c", code], policy)
        assert result.returncode != 0
        assert b"connected" not in result.stdout
        assert result.protections & Protection.NETWORK
    finally:
        server.close()


def test_timeout_kills_the_tree():
    policy = Policy(Mode.READ_ONLY, timeout=0.3)
    result = wsandbox.run(["sleep", "30"], policy)
    assert result.timed_out
    assert result.exit_kind == ExitKind.TIMEOUT
    assert result.duration < 10


def test_exit_code_and_stdin_are_passed(tmp_path):
    result = wsandbox.run(["sh", "-c", "cat; exit 3"], Policy(), input=b"ping")
    assert result.returncode == 3
    assert result.stdout == b"ping"


def test_output_cap_truncates_without_deadlock():
    policy = Policy(limits={Limit.OUTPUT: 1000})
    result = wsandbox.run(["sh", "-c", "head -c 1000000 /dev/zero"], policy)
    assert result.returncode == 0
    assert len(result.stdout) == 1000 and result.stdout_truncated


def test_missing_program_raises_not_found():
    with pytest.raises(wsandbox.NotFound):
        wsandbox.run(["definitely-not-a-program-wsb"], Policy())


def test_spawn_wait_and_read():
    with wsandbox.spawn(["sh", "-c", "echo out; echo err >&2"], Policy()) as proc:
        assert proc.pid > 0
        assert proc.wait(timeout=10) == 0
        assert proc.read(wsandbox.Stream.STDOUT, timeout=5) == b"out\n"


def test_kill_ends_a_running_process():
    with wsandbox.spawn(["sleep", "30"], Policy()) as proc:
        with pytest.raises(wsandbox.StillRunning):
            proc.wait(timeout=0.05)
        proc.kill()
        proc.wait(timeout=10)
        assert proc.exit_kind == ExitKind.KILLED


def test_check_raises_called_process_error():
    import subprocess
    with pytest.raises(subprocess.CalledProcessError):
        wsandbox.run(["false"], Policy(), check=True)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the allow-list's proxy runs on Linux")
def test_allowlist_refuses_other_hosts_through_the_proxy():
    policy = Policy(allow_hosts=["pypi.test"], timeout=60)
    script = ("import os, socket; s = socket.create_connection(('127.0.0.1', 3128));"
              "s.sendall(b'CONNECT evil.test:443 HTTP/1.1\\r\\n\\r\\n');"
              "print(s.recv(4096).split(b'\\r\\n')[0].decode());"
              "print(os.environ['HTTPS_PROXY'])")
    try:
        result = wsandbox.run([sys.executable, "-c", script], policy)
    except wsandbox.Unavailable:
        pytest.skip("no network namespace on this machine")
    assert result.stdout.decode().splitlines() == ["HTTP/1.1 403 Forbidden", "http://127.0.0.1:3128"]


def _init_servers():
    """Live children of this process named wsb-initd (the init servers)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = pathlib.Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if "(wsb-initd)" in stat and int(fields[1]) == os.getpid() and fields[0] != "Z":
            found.append(int(entry))
    return found


def test_reuse_release_ends_the_init_server(tmp_path):
    # A caller holding more than the library's 16 MiB threshold warms a
    # policy up (docs/linux-backend.md, "The init server").
    # Earlier tests may have left servers of their own policies.
    heap = b"x" * (64 << 20)
    before = set(_init_servers())
    policy = Policy(Mode.WORKSPACE_WRITE, writable=[tmp_path])
    for _ in range(3):
        assert wsandbox.run(["true"], policy).returncode == 0
    assert len(set(_init_servers()) - before) == 1
    wsandbox.reuse_release()
    assert _init_servers() == []
    assert wsandbox.run(["sh", "-c", "echo again"], policy).stdout == b"again\n"
    del heap
