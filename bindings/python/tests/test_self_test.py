"""The self-test through the Python binding: this interpreter is the probe."""

import os
import sys

import pytest

import wsandbox
from wsandbox import Mode, Network, Policy

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="real enforcement is tested on Linux")

NAMES = ["write_outside_roots", "inherited_descriptor", "git_write", "git_rename",
         "git_delete", "read_denied", "tcp_to_host", "udp_to_host", "unix_abstract",
         "unix_pathname", "fork_past_limit", "outlive_timeout"]


def test_self_test_proves_what_is_in_force():
    rep = wsandbox.self_test(Policy(Mode.WORKSPACE_WRITE))
    assert [c["name"] for c in rep["canaries"]] == NAMES
    assert rep["summary"]["failed"] == 0
    for c in rep["canaries"]:
        assert c["status"] == ("proved" if c["in_force"] else "missing"), c
    by = {c["name"]: c for c in rep["canaries"]}
    # The Python probe really ran: its own words are in the evidence.
    assert "probe: write" in by["write_outside_roots"]["evidence"]
    assert by["write_outside_roots"]["status"] == "proved"
    assert not os.path.exists(rep["work_dir"])


def test_network_on_is_missing_not_failed():
    policy = Policy(Mode.WORKSPACE_WRITE)
    policy.network = Network.ON
    rep = wsandbox.self_test(policy)
    by = {c["name"]: c for c in rep["canaries"]}
    assert by["tcp_to_host"]["status"] == "missing"
    assert by["tcp_to_host"]["observed"] == "escaped"
    assert rep["summary"]["failed"] == 0


def test_probe_is_required_to_be_non_empty():
    with pytest.raises(wsandbox.WsbError):
        wsandbox.self_test(Policy(), probe=[])


def test_relative_work_dir_is_rejected():
    with pytest.raises(wsandbox.WsbError):
        wsandbox.self_test(Policy(), work_dir="relative")


def test_probe_reports_a_bad_operation_as_usage(capfd):
    assert wsandbox.self_test_probe(["no-such-operation"]) == 2
    assert "probe:" in capfd.readouterr().out


def test_a_probe_that_does_nothing_proves_nothing():
    # No change on the host is a refusal only when the probe said it tried.
    rep = wsandbox.self_test(Policy(Mode.WORKSPACE_WRITE), probe=["/bin/true"])
    statuses = {c["name"]: c["status"] for c in rep["canaries"]}
    assert "proved" not in statuses.values(), statuses
    assert statuses["write_outside_roots"] == "unproven"
    assert rep["summary"]["failed"] == 0
