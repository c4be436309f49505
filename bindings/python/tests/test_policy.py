"""Policy, path checks, plans and errors through the Python binding."""

import json
import pathlib

import pytest

import wsandbox
from wsandbox import Access, Limit, Mode, Network, Policy, PolicyFlag, Protection, Rule


def test_version_matches_the_library():
    assert wsandbox.version().count(".") == 2


def test_policy_round_trips_mode_and_limits(tmp_path):
    policy = Policy(Mode.WORKSPACE_WRITE, writable=[tmp_path],
                    limits={Limit.MEMORY: 64 << 20, Limit.PROCESSES: 10}, timeout=1.5)
    assert policy.mode == Mode.WORKSPACE_WRITE
    assert policy.limit(Limit.MEMORY) == 64 << 20
    assert policy.limit(Limit.PROCESSES) == 10
    assert policy.timeout == 1.5
    policy.mode = Mode.FULL_ACCESS
    assert policy.mode == Mode.FULL_ACCESS


def test_path_and_str_are_both_accepted(tmp_path):
    policy = Policy(Mode.WORKSPACE_WRITE)
    policy.allow_write(str(tmp_path / "a"))
    policy.allow_write(pathlib.Path(tmp_path / "b"))
    assert policy.check_path(tmp_path / "b" / "x").allowed
    assert policy.check_path(str(tmp_path / "a" / "x")).allowed


def test_check_path_names_the_rule(tmp_path):
    policy = Policy(Mode.WORKSPACE_WRITE, writable=[tmp_path])
    inside = policy.check_path(tmp_path / "src" / "main.c")
    assert inside.allowed and inside.rule == Rule.WRITABLE_ROOT and inside.reason
    git = policy.check_path(tmp_path / ".git" / "config")
    assert not git.allowed and git.rule == Rule.PROTECTED_NAME
    outside = policy.check_path("/etc/passwd")
    assert not outside and outside.rule == Rule.OUTSIDE_ROOTS
    assert policy.check_path("/etc/passwd", Access.READ).allowed


def test_deny_read_is_reported(tmp_path):
    policy = Policy(Mode.READ_ONLY, deny_read=[tmp_path / "secret"])
    verdict = policy.check_path(tmp_path / "secret" / "key", Access.READ)
    assert not verdict.allowed and verdict.rule == Rule.DENY_READ


def test_relative_path_raises_path_error():
    policy = Policy(Mode.WORKSPACE_WRITE)
    with pytest.raises(wsandbox.PathError) as info:
        policy.allow_write("relative/dir")
    assert info.value.code == -5
    assert "relative" in info.value.message or "absolute" in info.value.message


def test_none_path_raises_invalid_argument():
    policy = Policy(Mode.WORKSPACE_WRITE)
    with pytest.raises(wsandbox.InvalidArgument):
        policy.allow_write(None)


def test_wrong_types_raise_type_error(tmp_path):
    policy = Policy(Mode.WORKSPACE_WRITE)
    with pytest.raises(TypeError):
        policy.allow_write(42)
    with pytest.raises(TypeError):
        policy.set_limit(Limit.MEMORY, "lots")
    with pytest.raises(TypeError):
        Policy("workspace")
    with pytest.raises(TypeError):
        wsandbox.run("echo hi", policy)


def test_unknown_enum_values_raise_invalid_argument():
    with pytest.raises(wsandbox.InvalidArgument):
        Policy(7)
    policy = Policy()
    with pytest.raises(wsandbox.InvalidArgument):
        policy.network = 9
    with pytest.raises(wsandbox.InvalidArgument):
        policy.set_flags(1 << 30)


def test_invalid_utf8_raises_utf8_error():
    policy = Policy(Mode.WORKSPACE_WRITE)
    with pytest.raises(wsandbox.Utf8Error):
        policy.allow_write(b"/tmp/\xff\xfe")
    with pytest.raises(wsandbox.Utf8Error):
        policy.allow_write("/tmp/\udcff")


def test_negative_limit_raises_out_of_range():
    with pytest.raises(wsandbox.OutOfRange):
        Policy().set_limit(Limit.MEMORY, -1)


def test_duplicate_root_raises_already_exists(tmp_path):
    policy = Policy(Mode.WORKSPACE_WRITE, writable=[tmp_path])
    with pytest.raises(wsandbox.AlreadyExists):
        policy.allow_write(tmp_path)


def test_errors_share_a_base_class_and_carry_the_message():
    with pytest.raises(wsandbox.WsbError) as info:
        Policy(Mode.WORKSPACE_WRITE).protect_name("a/b")
    assert info.value.message
    assert info.value.code < 0


def test_plan_is_json_and_lists_protections(tmp_path):
    policy = Policy(Mode.WORKSPACE_WRITE, writable=[tmp_path], network=Network.OFF)
    with wsandbox.Plan(policy) as plan:
        data = json.loads(plan.to_json())
        assert data == plan.as_dict()
        assert data["format"] == 1
        assert isinstance(plan.protections, Protection)
        assert len(plan) == len(data["steps"])


def test_closed_handles_refuse_use():
    policy = Policy()
    policy.close()
    with pytest.raises(ValueError):
        policy.validate()
    policy.close()


def test_flags_and_allow_missing_are_accepted():
    policy = Policy(flags=PolicyFlag.NO_DEFAULT_PROTECT, allow_missing=Protection.LIMIT_CPU)
    policy.validate()


def test_identity_uses_the_given_state_dir(tmp_path):
    with wsandbox.Identity(state_dir=tmp_path / "state") as ident:
        assert ident.state_dir == str(tmp_path / "state")


def test_identity_rejects_relative_state_dir():
    with pytest.raises(wsandbox.PathError):
        wsandbox.Identity(state_dir="state")


@pytest.mark.skipif(not __import__("sys").platform.startswith("linux"), reason="Linux answer")
def test_windows_only_features_say_not_supported_on_linux():
    with pytest.raises(wsandbox.NotSupported):
        wsandbox.setup_install()
    with pytest.raises(wsandbox.NotSupported):
        wsandbox.audit_world_writable(Policy())


def test_setup_rejects_bad_ports_before_calling_the_library():
    with pytest.raises(wsandbox.OutOfRange):
        wsandbox.setup_install(loopback_ports=[70000])


def test_loopback_relay_is_checked_and_shown_in_the_plan_or_refused():
    policy = Policy()
    with pytest.raises(wsandbox.OutOfRange):
        policy.set_loopback_relay(18080, 0)
    with pytest.raises(wsandbox.OutOfRange):
        policy.set_loopback_relay(70000, 7890)
    with pytest.raises(wsandbox.InvalidArgument):
        policy.set_loopback_relay(7890, 7890)
    policy.set_loopback_relay(18080, 7890)
    try:
        with wsandbox.Plan(policy) as plan:
            relay = plan.as_dict()["policy"]["loopback_relay"]
            assert relay == {"listen": 18080, "target": 7890}
    except wsandbox.NotSupported as e:
        assert "Windows and Linux only" in str(e)
    policy.set_loopback_relay(0, 0)


def test_allow_hosts_switch_to_the_allowlist_and_show_in_the_plan():
    policy = Policy(allow_hosts=["PyPI.org", "*.example.org:443", "b\u00fccher.example"],
                    deny_hosts=["evil.example.org"], allow_addresses=["10.0.0.0/8:5432"])
    assert policy.network == Network.ALLOWLIST
    try:
        with wsandbox.Plan(policy) as plan:
            data = plan.as_dict()
    except wsandbox.NotSupported:
        return
    assert data["policy"]["network"] == "allowlist"
    assert data["policy"]["network_rules"] == {
        "allow_hosts": ["pypi.org:80,443", "*.example.org:443", "xn--bcher-kva.example:80,443"],
        "deny_hosts": ["evil.example.org:*"],
        "allow_addresses": ["10.0.0.0/8:5432"],
    }


def test_invalid_host_patterns_raise_with_the_reason():
    policy = Policy()
    with pytest.raises(wsandbox.InvalidArgument, match="bare"):
        policy.allow_host("*")
    with pytest.raises(wsandbox.InvalidArgument, match="wsb_policy_allow_address"):
        policy.allow_host("169.254.169.254")
    with pytest.raises(wsandbox.InvalidArgument, match="empty label"):
        policy.deny_host("a..org")
    policy.allow_host("pypi.org")
    with pytest.raises(wsandbox.AlreadyExists):
        policy.allow_host("PYPI.ORG.")
