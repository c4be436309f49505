#!/usr/bin/env python3
"""End-to-end tests of wsb-run, wsb-setup, agent-loop and audit.

Run by ctest (tests/tools/CMakeLists.txt):
    test_tools.py --bin-dir DIR --lib-dir DIR --backend NAME --build-dir DIR
                  [--wine] -- [unittest arguments, e.g. -v WsbRunOptions]

On a Linux build the sandboxed runs are real: the kernel enforces them. On a
Windows build the .exe files run under Wine, which enforces nothing, so those
tests check plumbing only (exit codes, options, output) and never a denial.
A test is skipped, with the reason, only when the backend of this build
cannot do the thing at all (the stub backend runs nothing).
"""
import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

CFG = None

# Every option wsb-run --help must document.
WSB_RUN_OPTIONS = [
    "--mode", "--write", "--protect", "--no-default-protect", "--deny-read",
    "--network", "--timeout", "--memory", "--max-processes", "--cpu-time",
    "--output-limit", "--cwd", "--env", "--unset", "--clear-env", "--identity",
    "--allow-missing", "--dry-run", "--json", "--pty", "--check-path", "--version", "--help",
    "--self-test", "--self-test-dir",
]


def tool(name):
    return os.path.join(CFG.bin_dir, name + (".exe" if CFG.wine else ""))


def winpath(p):
    """A host path as the Windows build sees it under Wine."""
    return "Z:" + p.replace("/", "\\")


# Without wsb-setup, Windows cannot enforce network off: runs under Wine
# accept that (the named weaker mode), as a user without setup would.
WINE_RUN_OPTS = ["--allow-missing", "network"]


def wine_env():
    env = dict(os.environ)
    env.update({
        "WINEDEBUG": "-all",
        "WINEDLLOVERRIDES": "mscoree,mshtml=;winemenubuilder.exe=d",
        "WINEARCH": "win64",
        "WINEPREFIX": os.environ.get("WSB_WINEPREFIX",
                                     os.path.join(CFG.build_dir, "wineprefix")),
        # The DLL sits in the build root, not next to the tools.
        "WINEPATH": "Z:" + CFG.lib_dir.replace("/", "\\"),
    })
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    return env


def run(name, *args, input=None, timeout=60, cwd=None, binary=False, env=None):
    """Run a tool; returns CompletedProcess (text unless binary)."""
    cmd = [tool(name)] + list(args)
    if CFG.wine:
        cmd = ["wine"] + cmd
        env = wine_env()
    return subprocess.run(cmd, input=input, capture_output=True, timeout=timeout,
                          cwd=cwd, env=env, text=not binary)


_probe = None


def real_runs_reason():
    """None if this build can run a sandboxed command, else why not."""
    global _probe
    if _probe is None:
        cmd = WINE_RUN_OPTS + ["--", "cmd", "/c", "exit", "0"] if CFG.wine else ["true"]
        r = run("wsb-run", *cmd)
        if r.returncode == 0:
            _probe = ""
        elif CFG.backend == "stub":
            _probe = ("the '%s' backend of this build runs nothing (%s)"
                      % (CFG.backend, r.stderr.strip()))
        else:
            # A real backend that cannot run 'true' is a failure, not a skip.
            _probe = ""
    return _probe or None


def need_real_runs(test):
    reason = real_runs_reason()
    if reason:
        test.skipTest(reason)


def need_linux(test):
    if CFG.wine:
        test.skipTest("Linux build only: POSIX commands, enforced by the kernel "
                      "(Wine enforces nothing; the Windows plumbing is WsbRunWine)")
    need_real_runs(test)


class Workdir(unittest.TestCase):
    """A fresh directory under the build tree (not under the temp directory,
    which sandboxed commands may write by default: a build tree under /tmp
    puts it under /var/tmp instead)."""

    def setUp(self):
        base = os.path.join(CFG.build_dir, "tests-tools-work")
        real = os.path.realpath(CFG.build_dir)
        if any(real == t or real.startswith(t + "/") for t in ("/tmp", "/dev/shm")):
            base = "/var/tmp/wsb-tests-tools-work"
        os.makedirs(base, exist_ok=True)
        self.dir = tempfile.mkdtemp(prefix="t-", dir=base)
        self.ws = os.path.join(self.dir, "ws")
        self.outside = os.path.join(self.dir, "outside")
        os.makedirs(os.path.join(self.ws, ".git"))
        os.makedirs(self.outside)

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def root(self):
        """The workspace as the tool under test names it."""
        return winpath(self.ws) if CFG.wine else self.ws

    def assertExit(self, r, code, msg=None):
        self.assertEqual(r.returncode, code,
                         "%s\nstdout: %r\nstderr: %r" % (msg or "", r.stdout, r.stderr))

    def assertBadOption(self, *args):
        marker = os.path.join(self.outside, "ran")
        cmd = (["cmd", "/c", "echo x >" + winpath(marker)]
               if CFG.wine else ["touch", marker])
        r = run("wsb-run", *args, "--", *cmd)
        self.assertExit(r, 125, "options %r" % (args,))
        self.assertIn("usage: wsb-run", r.stderr)
        self.assertEqual(r.stdout, "")
        self.assertFalse(os.path.exists(marker), "a bad option must run nothing")


class WsbRunPlumbing(Workdir):
    """What holds on every build, Wine included: version, help, bad options."""

    def test_version_prints_tool_and_library_versions(self):
        r = run("wsb-run", "--version")
        self.assertExit(r, 0)
        self.assertRegex(r.stdout, r"^wsb-run \d+\.\d+\.\d+ \(libwsandbox \d+\.\d+\.\d+\)\n$")

    def test_tools_load_no_library_from_the_working_directory(self):
        # The tools usually run in a workspace the agent writes: a library
        # planted there must not be loaded. A build-tree RUNPATH ending in
        # an empty entry (CMake's padding before an install-time rewrite)
        # made the loader try ./libc.so.6 (this file stops it: too short).
        if CFG.wine:
            self.skipTest("the ELF loader's search; Windows DLLs are found otherwise")
        for lib in ("libc.so.6", "libwsandbox.so.0"):
            with open(os.path.join(self.ws, lib), "w") as f:
                f.write("not a library\n")
        for name in ("wsb-run", "wsb-setup"):
            r = run(name, "--version", cwd=self.ws)
            self.assertExit(r, 0, name)

    def test_help_documents_every_option_and_exit_status(self):
        r = run("wsb-run", "--help")
        self.assertExit(r, 0)
        for opt in WSB_RUN_OPTIONS:
            self.assertIn(opt, r.stdout)
        for status in ("124", "125", "126", "127", "128+N"):
            self.assertIn(status, r.stdout)

    def test_no_command_is_a_usage_error(self):
        r = run("wsb-run")
        self.assertExit(r, 125)
        self.assertIn("no command given", r.stderr)

    def test_self_test_takes_no_command_dry_run_or_check_path(self):
        self.assertBadOption("--self-test", "--dry-run")
        self.assertBadOption("--self-test-dir", self.outside)
        r = run("wsb-run", "--self-test", "--", "true")
        self.assertExit(r, 125)
        self.assertIn("--self-test runs its own canaries", r.stderr)
        r = run("wsb-run", "--self-test", "--check-path", "x")
        self.assertExit(r, 125)

    def test_unknown_option_is_rejected(self):
        self.assertBadOption("--bogus")

    def test_missing_value_is_rejected(self):
        r = run("wsb-run", "--timeout")
        self.assertExit(r, 125)
        self.assertIn("needs a value", r.stderr)

    def test_bad_mode_network_identity_are_rejected(self):
        self.assertBadOption("--mode", "write-all")
        self.assertBadOption("--network", "maybe")
        self.assertBadOption("--identity", "root")

    def test_bad_seconds_are_rejected(self):
        for v in ("", "-1", "abc", "1x", "1.2.3", "1e3", " 1", "1.", "+1", "0x10",
                  "99999999999999999999"):
            with self.subTest(v=v):
                self.assertBadOption("--timeout", v)
        self.assertBadOption("--cpu-time", "-0.5")

    def test_bad_byte_counts_are_rejected(self):
        for v in ("", "-1", "1T", "1KB", "K", "1.5M", "18446744073709551616",
                  "17179869184G"):
            with self.subTest(v=v):
                self.assertBadOption("--memory", v)
        self.assertBadOption("--output-limit", "lots")

    def test_bad_counts_are_rejected(self):
        for v in ("-1", "1.5", "ten", ""):
            with self.subTest(v=v):
                self.assertBadOption("--max-processes", v)

    def test_bad_env_and_unset_are_rejected(self):
        self.assertBadOption("--env", "NOEQUALS")
        self.assertBadOption("--unset", "A=B")
        self.assertBadOption("--write", "")

    def test_bad_relay_ports_are_rejected(self):
        for v in ("", "8080", ":3128", "8080:", "0:3128", "8080:0", "65536:1", "1:65536",
                  "a:b", "8080:3128:1", "-1:2", "8080 :3128", "123456789:1"):
            with self.subTest(v=v):
                self.assertBadOption("--loopback-relay", v)

    def test_check_path_with_a_command_is_rejected(self):
        self.assertBadOption("--check-path", "/x")

    def plan_policy(self, *args):
        r = run("wsb-run", *args, "--dry-run", "--json")
        self.assertExit(r, 0)
        return json.loads(r.stdout)["policy"]

    def test_values_reach_the_policy_exactly(self):
        pol = self.plan_policy("--timeout", "0.0001", "--memory", "1536k", "--cpu-time", "1.5",
                               "--max-processes", "7", "--output-limit", "2M")
        self.assertEqual(pol["limits"], {"timeout": 1, "memory": 1536 << 10, "cpu_time": 1500,
                                         "processes": 7, "output": 2 << 20})
        pol = self.plan_policy("--timeout=.25", "--memory=2G")
        self.assertEqual(pol["limits"]["timeout"], 250)
        self.assertEqual(pol["limits"]["memory"], 2 << 30)

    def test_value_the_library_refuses_is_125_with_its_message(self):
        r = run("wsb-run", "--memory", "1k", "--", "true")
        self.assertExit(r, 125)
        self.assertRegex(r.stderr, r"^wsb-run: --memory: .*range")

    def test_mode_defaults_to_workspace_write_only_with_write(self):
        self.assertEqual(self.plan_policy()["mode"], "read_only")
        root = winpath(self.ws) if CFG.wine else self.ws
        self.assertEqual(self.plan_policy("--write", root)["mode"], "workspace_write")
        self.assertEqual(self.plan_policy("--mode", "full-access")["mode"], "full_access")
        self.assertEqual(self.plan_policy("--network", "on")["network"], "on")

    def test_relay_reaches_the_policy(self):
        self.assertNotIn("loopback_relay", self.plan_policy())
        pol = self.plan_policy("--loopback-relay", "47001:3128")
        self.assertEqual(pol["loopback_relay"], {"listen": 47001, "target": 3128})
        pol = self.plan_policy("--loopback-relay=1:65535")
        self.assertEqual(pol["loopback_relay"], {"listen": 1, "target": 65535})

    def test_env_options_reach_the_policy_in_order(self):
        pol = self.plan_policy("--clear-env", "--env", "A=1=2", "--unset", "B")
        self.assertEqual(pol["env"]["mode"], "clear")
        self.assertIn("A", json.dumps(pol["env"]["changes"]))
        self.assertIn("B", json.dumps(pol["env"]["changes"]))

    def test_allow_missing_reaches_the_policy(self):
        pol = self.plan_policy("--allow-missing", "network,limit_cpu",
                               "--allow-missing=limit_memory")
        self.assertEqual(sorted(pol["allow_missing"]), ["limit_cpu", "limit_memory", "network"])
        for v in ("", "netw", "network,", ",network", "network limit_cpu"):
            with self.subTest(v=v):
                self.assertBadOption("--allow-missing", v)

    def test_options_take_equals_form(self):
        # Accepted values make it past parsing: the path check then answers.
        r = run("wsb-run", "--timeout=2.5", "--memory=64M", "--max-processes=10",
                "--cpu-time=.25", "--output-limit=1k", "--network=on",
                "--check-path", self.outside if not CFG.wine else "C:\\x")
        self.assertIn(r.returncode, (0, 1), r.stderr)


class WsbRunCheckPath(Workdir):
    """--check-path: a lexical check of the policy (library core)."""

    def setUp(self):
        super().setUp()
        if CFG.wine:
            self.skipTest("path checks are tested on the host build")

    def check(self, *args):
        r = run("wsb-run", *args, "--json")
        if r.returncode == 125 and CFG.backend == "stub":
            self.skipTest("the stub backend cannot read a .git file: " + r.stderr.strip())
        self.assertIn(r.returncode, (0, 1), r.stderr)
        out = json.loads(r.stdout)
        self.assertEqual(out["allowed"], r.returncode == 0)
        return out

    def test_json_stays_valid_for_a_path_that_is_not_utf8(self):
        # The library refuses the path (WSB_EUTF8); the JSON error object
        # that echoes it must still parse, with U+FFFD for the bad byte.
        r = run("wsb-run", "--json", "--check-path", os.fsencode(self.ws) + b"/x\xff\xe2\x82",
                binary=True)
        self.assertExit(r, 125)
        out = json.loads(r.stdout)
        self.assertTrue(out["path"].endswith("/x\ufffd\ufffd\ufffd"), out["path"])
        self.assertEqual(out["error"]["name"], "WSB_EUTF8")

    def test_write_inside_root_is_allowed(self):
        r = run("wsb-run", "--write", self.ws, "--check-path", self.ws + "/src/a.c")
        if r.returncode == 125 and CFG.backend == "stub":
            self.skipTest("the stub backend cannot read a .git file: " + r.stderr.strip())
        self.assertExit(r, 0)
        self.assertIn("ALLOWED", r.stdout)

    def test_write_outside_roots_is_denied_and_says_why(self):
        r = run("wsb-run", "--write", self.ws, "--check-path", self.outside + "/x")
        self.assertExit(r, 1)
        self.assertIn("DENIED", r.stdout)
        self.assertIn("outside_roots", r.stdout)

    def test_git_is_protected_by_default(self):
        out = self.check("--write", self.ws, "--check-path", self.ws + "/.git/config")
        self.assertFalse(out["allowed"])
        self.assertEqual(out["rule"], "protected_name")
        self.assertTrue(out["reason"])

    def test_no_default_protect_allows_git(self):
        r = run("wsb-run", "--write", self.ws, "--no-default-protect", "--json",
                "--check-path", self.ws + "/.git/config")
        if r.returncode == 125 and CFG.backend == "stub":
            self.skipTest("the stub backend cannot read a .git file: " + r.stderr.strip())
        self.assertExit(r, 0)
        self.assertEqual(json.loads(r.stdout)["rule"], "writable_root")

    def test_protect_name_and_path(self):
        out = self.check("--write", self.ws, "--protect", "secrets",
                         "--check-path", self.ws + "/a/secrets/k")
        self.assertEqual(out["rule"], "protected_name")
        out = self.check("--write", self.ws, "--protect", self.ws + "/keep",
                         "--check-path", self.ws + "/keep/f")
        self.assertEqual(out["rule"], "protected_path")

    def test_deny_read_denies_writes_too(self):
        out = self.check("--write", self.ws, "--deny-read", self.ws + "/private",
                         "--check-path", self.ws + "/private/f")
        self.assertFalse(out["allowed"])
        self.assertEqual(out["rule"], "deny_read")

    def test_modes(self):
        out = self.check("--check-path", self.outside + "/x")
        self.assertEqual(out["rule"], "read_only_mode")
        r = run("wsb-run", "--mode", "full-access", "--check-path", self.outside + "/x")
        self.assertExit(r, 0)
        self.assertIn("full_access", r.stdout)

    def test_relative_path_is_made_absolute(self):
        r = run("wsb-run", "--write", self.ws, "--json", "--check-path", "outside/x",
                cwd=self.dir)
        self.assertExit(r, 1)
        self.assertEqual(json.loads(r.stdout)["path"], self.outside + "/x")


class WsbRunDryRun(Workdir):
    """The plan is decided by every backend, the stub included."""

    def marker_cmd(self):
        marker = os.path.join(self.ws, "ran")
        if CFG.wine:
            return marker, ["cmd", "/c", "echo x >" + winpath(marker)]
        return marker, ["touch", marker]

    def test_dry_run_prints_the_plan_and_runs_nothing(self):
        marker, cmd = self.marker_cmd()
        r = run("wsb-run", "--write", self.root(), "--timeout", "5", "--dry-run", "--", *cmd)
        self.assertExit(r, 0)
        self.assertIn("Dry run", r.stdout)
        self.assertIn("protections in force:", r.stdout)
        self.assertIn("mode: workspace_write", r.stdout)
        self.assertFalse(os.path.exists(marker))

    def test_dry_run_json_is_one_object(self):
        marker, cmd = self.marker_cmd()
        r = run("wsb-run", "--write", self.root(), "--dry-run", "--json", "--", *cmd)
        self.assertExit(r, 0)
        self.assertIsInstance(json.loads(r.stdout), dict)
        self.assertFalse(os.path.exists(marker))


class WsbRunWine(Workdir):
    """Windows build under Wine: plumbing only."""

    def setUp(self):
        super().setUp()
        if not CFG.wine:
            self.skipTest("Windows build only")
        need_real_runs(self)

    def test_exit_code_passes_through(self):
        self.assertExit(run("wsb-run", *WINE_RUN_OPTS, "--", "cmd", "/c", "exit", "3"), 3)

    def test_missing_program_is_127(self):
        self.assertExit(run("wsb-run", *WINE_RUN_OPTS, "--", "no-such-program-wsb.exe"), 127)

    def test_timeout_is_124(self):
        # The library's own timer and job kill: plumbing Wine really runs.
        t = time.monotonic()
        r = run("wsb-run", *WINE_RUN_OPTS, "--timeout", "1", "--", "cmd", "/c",
                "ping -n 30 127.0.0.1 >nul")
        self.assertExit(r, 124)
        self.assertLess(time.monotonic() - t, 20)
        self.assertIn("ran out of time", r.stderr)

    def test_output_and_input_stream_through(self):
        r = run("wsb-run", *WINE_RUN_OPTS, "--", "cmd", "/c", "more", input="piped\n")
        self.assertExit(r, 0)
        self.assertEqual(r.stdout.strip(), "piped")

    def test_unenforceable_network_off_fails_closed_with_125(self):
        # Plumbing, not enforcement: the library refuses before running.
        r = run("wsb-run", "--", "cmd", "/c", "exit", "3")
        if r.returncode != 125:
            self.skipTest("this build can enforce network off")
        self.assertIn("network", r.stderr)

    def test_json_result(self):
        r = run("wsb-run", *WINE_RUN_OPTS, "--json", "--", "cmd", "/c", "echo hi& exit 4")
        self.assertExit(r, 4)
        out = json.loads(r.stdout)
        self.assertEqual(out["exit_status"], 4)
        self.assertIn("hi", out["stdout"]["data"])

    def test_pty_is_not_there_yet_and_runs_nothing(self):
        marker = os.path.join(self.outside, "ran")
        r = run("wsb-run", *WINE_RUN_OPTS, "--pty", "--", "cmd", "/c",
                "echo x >" + winpath(marker))
        self.assertExit(r, 125)
        self.assertIn("--pty is not available", r.stderr)
        self.assertFalse(os.path.exists(marker))


class WsbRunReal(Workdir):
    """Linux: real runs; the kernel enforces the policy."""

    def setUp(self):
        super().setUp()
        need_linux(self)

    def wsb(self, *args, **kw):
        return run("wsb-run", *args, **kw)

    # ---- exit statuses -------------------------------------------------
    def test_own_exit_code(self):
        self.assertExit(self.wsb("--", "sh", "-c", "exit 3"), 3)
        self.assertExit(self.wsb("--", "true"), 0)

    def test_timeout_is_124_and_says_so(self):
        t = time.monotonic()
        r = self.wsb("--timeout", "0.5", "--", "sleep", "10")
        self.assertExit(r, 124)
        self.assertLess(time.monotonic() - t, 5)
        self.assertIn("ran out of time", r.stderr)

    def test_setup_failure_is_125_with_the_library_message(self):
        r = self.wsb("--identity", "sandbox-user", "--", "true")
        self.assertExit(r, 125)
        self.assertRegex(r.stderr, r"^wsb-run: ")

    def test_not_executable_is_126(self):
        f = os.path.join(self.ws, "script")
        with open(f, "w") as fh:
            fh.write("#!/bin/sh\necho hi\n")
        os.chmod(f, 0o644)
        self.assertExit(self.wsb("--", f), 126)

    def test_not_found_is_127(self):
        r = self.wsb("--", "no-such-command-wsb")
        self.assertExit(r, 127)
        self.assertIn("no-such-command-wsb", r.stderr)

    def test_signal_is_128_plus_n(self):
        self.assertExit(self.wsb("--", "sh", "-c", "kill -TERM $$"), 128 + 15)

    # ---- the private temp directory -------------------------------------
    def test_cwd_in_private_temp_gets_a_note(self):
        tmp = tempfile.mkdtemp(prefix="wsb-note-", dir="/tmp")
        self.addCleanup(shutil.rmtree, tmp, True)
        r = self.wsb("--write", self.ws, "--cwd", tmp, "--", "sh", "-c", "echo x > f")
        self.assertExit(r, 0)
        self.assertIn("wsb-run: note: the working directory %s is in the sandbox's "
                      "private temp directory" % tmp, r.stderr)
        self.assertFalse(os.path.exists(os.path.join(tmp, "f")),
                         "the write was to the private temp directory, not the host's")
        r = self.wsb("--json", "--write", self.ws, "--cwd", tmp, "--", "true")
        self.assertExit(r, 0)
        notes = json.loads(r.stdout)["notes"]
        self.assertEqual(len(notes), 1)
        self.assertIn("discarded", notes[0])

    def test_cwd_in_a_root_gets_no_note(self):
        r = self.wsb("--write", self.ws, "--cwd", self.ws, "--", "true")
        self.assertExit(r, 0)
        self.assertNotIn("note:", r.stderr)
        r = self.wsb("--json", "--write", self.ws, "--cwd", self.ws, "--", "true")
        self.assertEqual(json.loads(r.stdout)["notes"], [])

    # ---- streaming and JSON --------------------------------------------
    def test_output_and_input_stream_through(self):
        r = self.wsb("--", "sh", "-c", "cat; echo err >&2", input="piped\n")
        self.assertExit(r, 0)
        self.assertEqual(r.stdout, "piped\n")
        self.assertEqual(r.stderr, "err\n")

    def test_json_result_has_status_output_and_library_result(self):
        r = self.wsb("--json", "--", "sh", "-c", "echo out; echo err >&2; exit 5")
        self.assertExit(r, 5)
        out = json.loads(r.stdout)
        self.assertEqual(out["exit_status"], 5)
        self.assertEqual(out["command"], ["sh", "-c", "echo out; echo err >&2; exit 5"])
        self.assertEqual(out["stdout"], {"encoding": "utf-8", "data": "out\n",
                                         "bytes": 4, "truncated": False})
        self.assertEqual(out["stderr"]["data"], "err\n")
        self.assertIsInstance(out["result"], dict)
        self.assertEqual(r.stderr, "")

    def test_json_binary_output_is_base64(self):
        r = self.wsb("--json", "--", "printf", "\\377\\000")
        self.assertExit(r, 0)
        out = json.loads(r.stdout)["stdout"]
        self.assertEqual(out["encoding"], "base64")
        self.assertEqual(out["data"], "/wA=")
        self.assertEqual(out["bytes"], 2)

    def test_output_limit_caps_captured_output(self):
        r = self.wsb("--json", "--output-limit", "100", "--", "sh", "-c",
                     "i=0; while [ $i -lt 50 ]; do echo 0123456789; i=$((i+1)); done")
        self.assertExit(r, 0)
        out = json.loads(r.stdout)["stdout"]
        self.assertEqual(out["bytes"], 100)
        self.assertTrue(out["truncated"])

    def test_json_reports_spawn_failure(self):
        r = self.wsb("--json", "--", "no-such-command-wsb")
        self.assertExit(r, 127)
        out = json.loads(r.stdout)
        self.assertEqual(out["exit_status"], 127)
        self.assertEqual(out["error"]["name"], "WSB_ENOENT")

    # ---- file system ---------------------------------------------------
    def test_write_inside_root_succeeds_outside_fails(self):
        inside = os.path.join(self.ws, "ok.txt")
        outside = os.path.join(self.outside, "no.txt")
        self.assertExit(self.wsb("--write", self.ws, "--", "sh", "-c", "echo hi > " + inside), 0)
        with open(inside) as fh:
            self.assertEqual(fh.read(), "hi\n")
        r = self.wsb("--write", self.ws, "--", "sh", "-c", "echo hi > " + outside)
        self.assertNotEqual(r.returncode, 0)
        self.assertFalse(os.path.exists(outside))

    def test_read_only_mode_writes_nothing(self):
        f = os.path.join(self.ws, "f")
        r = self.wsb("--mode", "read-only", "--", "sh", "-c", "echo x > " + f)
        self.assertNotEqual(r.returncode, 0)
        self.assertFalse(os.path.exists(f))

    def test_full_access_writes_anywhere(self):
        f = os.path.join(self.outside, "f")
        self.assertExit(self.wsb("--mode", "full-access", "--", "sh", "-c", "echo x > " + f), 0)
        self.assertTrue(os.path.exists(f))

    def test_git_is_protected_unless_turned_off(self):
        f = os.path.join(self.ws, ".git", "config")
        r = self.wsb("--write", self.ws, "--", "sh", "-c", "echo x > " + f)
        self.assertNotEqual(r.returncode, 0)
        self.assertFalse(os.path.exists(f))
        self.assertExit(self.wsb("--write", self.ws, "--no-default-protect", "--",
                                 "sh", "-c", "echo x > " + f), 0)
        self.assertTrue(os.path.exists(f))

    def test_protect_name_and_path(self):
        os.makedirs(os.path.join(self.ws, "sub", "secrets"))
        os.makedirs(os.path.join(self.ws, "keep"))
        for opt, f in (("secrets", "sub/secrets/k"), (os.path.join(self.ws, "keep"), "keep/f")):
            with self.subTest(protect=opt):
                p = os.path.join(self.ws, f)
                r = self.wsb("--write", self.ws, "--protect", opt, "--",
                             "sh", "-c", "echo x > " + p)
                self.assertNotEqual(r.returncode, 0)
                self.assertFalse(os.path.exists(p))

    def test_deny_read(self):
        d = os.path.join(self.outside, "private")
        os.makedirs(d)
        with open(os.path.join(d, "key"), "w") as fh:
            fh.write("TOPSECRET\n")
        r = self.wsb("--deny-read", d, "--", "cat", os.path.join(d, "key"))
        self.assertNotEqual(r.returncode, 0)
        self.assertNotIn("TOPSECRET", r.stdout)
        self.assertExit(self.wsb("--", "cat", os.path.join(d, "key")), 0)

    def test_cwd(self):
        r = self.wsb("--cwd", self.ws, "--", "pwd")
        self.assertExit(r, 0)
        self.assertEqual(r.stdout.strip(), os.path.realpath(self.ws))

    # ---- environment ---------------------------------------------------
    def test_env_set_unset_clear(self):
        env = dict(os.environ, WSB_T_KEEP="kept", WSB_T_GONE="x")
        r = self.wsb("--env", "WSB_T_NEW=a=b", "--unset", "WSB_T_GONE", "--",
                     "sh", "-c", 'echo "$WSB_T_NEW|$WSB_T_KEEP|${WSB_T_GONE-unset}"', env=env)
        self.assertExit(r, 0)
        self.assertEqual(r.stdout, "a=b|kept|unset\n")
        r = self.wsb("--clear-env", "--env", "ONLY=1", "--", "/usr/bin/env", env=env)
        self.assertExit(r, 0)
        self.assertIn("ONLY=1", r.stdout)
        self.assertNotIn("WSB_T_KEEP", r.stdout)

    # ---- network -------------------------------------------------------
    def test_network_off_blocks_and_on_allows(self):
        srv = socket.socket()
        srv.bind(("127.0.0.1", 0))
        srv.listen(8)
        port = srv.getsockname()[1]
        stop = threading.Event()

        def accept():
            srv.settimeout(0.2)
            while not stop.is_set():
                try:
                    c, _ = srv.accept()
                    c.close()
                except OSError:
                    pass
        t = threading.Thread(target=accept, daemon=True)
        t.start()
        try:
            cmd = ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/%d" % port]
            self.assertNotEqual(self.wsb("--timeout", "10", "--", *cmd).returncode, 0)
            self.assertExit(self.wsb("--network", "on", "--timeout", "10", "--", *cmd), 0)
        finally:
            stop.set()
            t.join()
            srv.close()

    # ---- limits ----------------------------------------------------------
    def limit_reported(self, r, name):
        """A limit kill: status 137, stderr and JSON say which limit."""
        self.assertExit(r, 137)
        out = json.loads(r.stdout)
        self.assertEqual(out["exit_status"], 137)
        self.assertIn(name, json.dumps(out["result"]))
        self.assertIn("limit exceeded", r.stderr)

    def unavailable(self, r):
        if r.returncode == 125 and ("unavailable" in r.stderr or "not available" in r.stderr):
            self.skipTest("this machine cannot enforce it: " + r.stderr.strip())

    def test_memory_limit(self):
        r = self.wsb("--json", "--memory", "64M", "--timeout", "20", "--", "sh", "-c",
                     "x=a; while :; do x=$x$x; done")
        self.unavailable(r)
        if r.returncode == 137:
            self.limit_reported(r, "memory")
        else:
            # An address-space limit makes the allocation fail instead.
            self.assertNotIn(r.returncode, (0, 124), r.stderr)

    def test_cpu_time_limit(self):
        t = time.monotonic()
        r = self.wsb("--json", "--cpu-time", "0.5", "--timeout", "20", "--", "sh", "-c",
                     "while :; do :; done")
        self.unavailable(r)
        self.assertLess(time.monotonic() - t, 15)
        if r.returncode == 137:
            self.limit_reported(r, "cpu")
        else:
            self.assertEqual(r.returncode, 128 + signal.SIGXCPU, r.stderr)

    def test_max_processes(self):
        r = self.wsb("--json", "--max-processes", "4", "--timeout", "20", "--", "sh", "-c",
                     "for i in 1 2 3 4 5 6 7 8 9 10; do sleep 2 & done; wait")
        self.unavailable(r)
        if r.returncode == 137:
            self.limit_reported(r, "process")
        else:
            # The kernel refused the extra forks.
            self.assertNotEqual(r.returncode, 0)
            self.assertIn("fork", json.loads(r.stdout)["stderr"]["data"].lower())

    # ---- interruption ----------------------------------------------------
    def test_sigint_kills_the_tree_and_exits_130(self):
        marker = "31.%d" % os.getpid()
        p = subprocess.Popen([tool("wsb-run"), "--", "sh", "-c", "sleep %s; :" % marker],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(1)
        p.send_signal(signal.SIGINT)
        self.assertEqual(p.wait(timeout=10), 130)
        p.stdout.close()
        p.stderr.close()
        left = subprocess.run(["pgrep", "-f", "sleep " + marker], capture_output=True)
        self.assertEqual(left.stdout, b"", "a sandboxed process outlived wsb-run")


    def test_json_sigterm_ends_wsb_run_and_the_tree(self):
        # --json blocks in wsb_run; a caught-and-ignored SIGTERM would leave
        # wsb-run (and the command) running until the command ends.
        marker = "32.%d" % os.getpid()
        p = subprocess.Popen([tool("wsb-run"), "--json", "--", "sh", "-c",
                              "sleep %s; :" % marker],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(1)
        p.send_signal(signal.SIGTERM)
        try:
            status = p.wait(timeout=10)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
            p.stdout.close()
            p.stderr.close()
        self.assertEqual(status, -signal.SIGTERM)
        for _ in range(50):
            left = subprocess.run(["pgrep", "-f", "sleep " + marker], capture_output=True)
            if left.stdout == b"":
                break
            time.sleep(0.1)
        self.assertEqual(left.stdout, b"", "a sandboxed process outlived wsb-run")

    def test_nothing_of_the_sandbox_outlives_wsb_run(self):
        # A supervisor that puts wsb-run in a process group of its own and
        # waits for it must find the group empty the moment wsb-run has
        # exited: no sandbox init still ending. The supervisor is a
        # sub-reaper, so an init wsb-run left behind becomes its zombie
        # child and is seen without racing the system's init.
        script = r"""
import ctypes, os, subprocess, sys
libc = ctypes.CDLL(None, use_errno=True)
if libc.prctl(36, 1, 0, 0, 0) != 0:  # PR_SET_CHILD_SUBREAPER
    sys.exit("prctl failed")
left = 0
for i in range(int(sys.argv[1])):
    for extra in ([], ["--json"]):
        p = subprocess.Popen([sys.argv[2]] + extra + ["--", "true"], start_new_session=True,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if p.wait() != 0:
            sys.exit("wsb-run failed")
        try:
            os.killpg(p.pid, 0)
            left += 1
        except ProcessLookupError:
            pass
        while True:
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                left += 1
                os.waitpid(-1, 0)
            else:
                left += 1
print("left", left)
"""
        r = subprocess.run([sys.executable, "-c", script, "25", tool("wsb-run")],
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.strip(), "left 0",
                         "a process of the sandbox was left after wsb-run exited")


def wait_for_line(path, timeout=10):
    """Until path holds a whole line: the shell creates the file for its
    redirection before the command writes to it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if os.path.exists(path):
            with open(path) as f:
                if f.read().endswith("\n"):
                    return
        time.sleep(0.1)


class Tmux:
    """A real terminal: a tmux server of our own (its own socket), one
    window running a shell line, driven with send-keys and read with
    capture-pane."""

    def __init__(self, workdir, line, cols=100, rows=30):
        self.sock = os.path.join(workdir, "tmux.sock")
        self.tmux(["new-session", "-d", "-s", "t", "-x", str(cols), "-y", str(rows),
                   "sh -c '%s; sleep 60'" % line.replace("'", "'\\''")])
        # By pid too: a failed test must not leave the server (and a
        # wsb-run waiting for keys) behind, even once the socket is gone.
        self.server = int(self.tmux(["display-message", "-p", "#{pid}"]).strip())

    def tmux(self, args):
        return subprocess.run(["tmux", "-S", self.sock, "-f", "/dev/null"] + args,
                              capture_output=True, text=True, timeout=30, check=True).stdout

    def keys(self, *keys):
        self.tmux(["send-keys", "-t", "t"] + list(keys))

    def screen(self):
        return self.tmux(["capture-pane", "-p", "-J", "-S", "-200", "-t", "t"])

    def wait_for(self, pattern, count=1, timeout=30):
        """Until the screen shows pattern (a regex) count times."""
        deadline = time.monotonic() + timeout
        while True:
            text = self.screen()
            if len(re.findall(pattern, text)) >= count:
                return text
            if time.monotonic() > deadline:
                raise AssertionError("the terminal never showed %r:\n%s" % (pattern, text))
            time.sleep(0.1)

    def resize(self, cols, rows):
        self.tmux(["resize-window", "-t", "t", "-x", str(cols), "-y", str(rows)])

    def close(self):
        """End the server: its windows get SIGHUP, on which wsb-run kills
        its tree and restores the terminal."""
        try:
            os.kill(self.server, signal.SIGTERM)
        except ProcessLookupError:
            pass


class WsbRunPty(Workdir):
    """Linux: wsb-run --pty in a real terminal (tmux), and its transcript."""

    def session(self, line):
        if not shutil.which("tmux"):
            self.fail("tmux is missing: scripts/deps.sh installs it")
        t = Tmux(self.dir, line)
        self.sessions.append(t)
        return t

    def setUp(self):
        super().setUp()
        self.sessions = []
        need_linux(self)

    def tearDown(self):
        for t in self.sessions:
            t.close()
        super().tearDown()

    def test_json_transcript(self):
        r = run("wsb-run", "--pty", "--json", "--", "sh", "-c",
                "tty; stty size; echo to-stderr >&2; exit 4", input="")
        self.assertExit(r, 4)
        doc = json.loads(r.stdout)
        self.assertEqual(doc["exit_status"], 4)
        text = doc["transcript"]["data"]
        # Both outputs reach the one terminal, with its CRLF line ends.
        self.assertRegex(text, r"^/dev/pts/\d+\r\n24 80\r\nto-stderr\r\n$")
        self.assertIn("to-stderr", r.stderr)

    def test_interactive_bash_in_a_real_terminal(self):
        state = os.path.join(self.dir, "stty")
        t = self.session("stty -g > %s.before; %s --pty bash --norc --noprofile -i; "
                         "echo EXITED $?; stty -g > %s.after"
                         % (state, tool("wsb-run"), state))
        t.wait_for(r"(?m)[#$] $")  # bash's prompt, from inside the sandbox
        t.keys("PS1='sbx$ '; tty; stty size", "Enter")
        t.wait_for(r"/dev/pts/\d+\n30 100")
        t.resize(120, 40)
        t.keys("stty size", "Enter")
        t.wait_for(r"\n40 120")
        # Line editing: a word typed, erased with Ctrl-W, retyped.
        t.keys("echo wrong", "C-w", "ri''ght", "Enter")
        t.wait_for(r"\nright\n")
        prompts = len(re.findall(r"(?m)^sbx\$ ", t.screen()))
        t.keys("sleep 100", "Enter")
        # Ctrl-C until the shell prompts again: a key that lands before
        # sleep has started would reach the shell's child too early.
        for _ in range(15):
            time.sleep(0.3)
            t.keys("C-c")
            try:
                t.wait_for(r"(?m)^sbx\$ ", count=prompts + 1, timeout=2)
                break
            except AssertionError:
                continue
        t.keys("echo st''atus $?", "Enter")
        t.wait_for(r"status 130")
        t.keys("exit 7", "Enter")
        t.wait_for(r"EXITED 7")
        wait_for_line(state + ".after")
        with open(state + ".before") as b, open(state + ".after") as a:
            self.assertEqual(a.read(), b.read(), "the terminal's settings were not restored")

    def test_terminal_restored_when_killed_by_a_signal(self):
        state = os.path.join(self.dir, "stty")
        pidfile = os.path.join(self.dir, "pid")
        marker = os.path.join(self.ws, "still-running")
        t = self.session("stty -g > %s.before; sh -c 'echo $$ > %s; exec %s --pty --write %s "
                         "sh -c \"sleep 1000; touch %s\"'; echo EXITED $?; stty -g > %s.after"
                         % (state, pidfile, tool("wsb-run"), self.ws, marker, state))
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if os.path.exists(pidfile) and os.path.getsize(pidfile) > 0:
                break
            time.sleep(0.1)
        time.sleep(1)
        with open(pidfile) as f:
            os.kill(int(f.read()), signal.SIGTERM)
        t.wait_for(r"EXITED 143")
        wait_for_line(state + ".after")
        with open(state + ".before") as b, open(state + ".after") as a:
            self.assertEqual(a.read(), b.read(), "the terminal's settings were not restored")
        self.assertFalse(os.path.exists(marker))


class Examples(Workdir):
    def test_agent_loop_runs_each_line_and_stops_at_eof(self):
        if CFG.wine:
            lines = "cmd /c echo hello\ncmd /c exit 3\n"
        else:
            lines = ("echo hello\n"
                     "\n# a comment\n"
                     "sh -c 'exit 3'\n"
                     "printf '%s|%s\\n' 'a b' \"c\\\"d\"\n"
                     "no-such-command-wsb\n"
                     "echo 'unterminated\n")
        r = run("agent-loop", "--timeout", "10", *(WINE_RUN_OPTS if CFG.wine else []),
                input=lines)
        self.assertExit(r, 0)
        self.assertRegex(r.stdout, r"end of input: ran \d+ command\(s\)\n$")
        if real_runs_reason():
            self.assertIn("-> not run:", r.stdout)
            return
        self.assertIn("hello\n-> exit 0, ", r.stdout)
        self.assertIn("-> exit 3, ", r.stdout)
        if not CFG.wine:
            self.assertIn("a b|c\"d\n-> exit 0", r.stdout)
            self.assertIn("(status 127)", r.stdout)
            self.assertIn("not run: unterminated quote", r.stdout)
            self.assertIn("ran 4 command(s)", r.stdout)

    def test_agent_loop_pty_keeps_one_shell(self):
        need_linux(self)
        lines = ("cd /usr\n"
                 "pwd\n"
                 "X=41; export X\n"
                 "echo $((X+1))\n"
                 "# a comment\n"
                 "sh -c 'exit 3'\n"
                 "tty\n")
        r = run("agent-loop", "--pty", "--timeout", "60", input=lines)
        self.assertExit(r, 0)
        # State carries from one line to the next: one shell, on a terminal.
        self.assertIn("$ pwd\n/usr\n-> exit 0\n", r.stdout)
        self.assertIn("$ echo $((X+1))\n42\n-> exit 0\n", r.stdout)
        self.assertIn("-> exit 3\n", r.stdout)
        self.assertRegex(r.stdout, r"\$ tty\n/dev/pts/\d+\n-> exit 0\n")
        self.assertIn("ran 6 command(s)", r.stdout)

    def test_agent_loop_pty_many_at_once(self):
        # A loaded machine splits the terminal's output at any byte; the
        # status line read after a marker was once searched past what had
        # arrived, into bytes already taken ("out of memory", exit 125, in
        # about one run in forty under this load).
        need_linux(self)
        lines = "cd /usr\npwd\nsh -c 'exit 3'\ntty\n"
        for _ in range(6):
            procs = [subprocess.Popen([tool("agent-loop"), "--pty", "--timeout", "60"],
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True)
                     for _ in range(4)]
            for p in procs:
                out, err = p.communicate(lines, timeout=120)
                self.assertEqual(p.returncode, 0, "stdout: %r\nstderr: %r" % (out, err))
                self.assertIn("$ pwd\n/usr\n-> exit 0\n", out)
                self.assertIn("-> exit 3\n", out)
                self.assertIn("ran 4 command(s)", out)

    def test_agent_loop_bad_option(self):
        r = run("agent-loop", "--memory", "lots")
        self.assertExit(r, 125)

    def test_agent_loop_ctrl_c_leaves_nothing_running(self):
        need_linux(self)
        marker = "32.%d" % os.getpid()
        p = subprocess.Popen([tool("agent-loop")], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        p.stdin.write(("sleep %s\n" % marker).encode())
        p.stdin.flush()
        time.sleep(1)
        p.send_signal(signal.SIGINT)
        self.assertEqual(p.wait(timeout=10), 130)
        out = p.stdout.read().decode()
        for f in (p.stdin, p.stdout, p.stderr):
            f.close()
        self.assertIn("interrupted", out)
        left = subprocess.run(["pgrep", "-f", "sleep " + marker], capture_output=True)
        self.assertEqual(left.stdout, b"", "a command outlived agent-loop")

    def audit_unimplemented(self):
        """The audit is a Windows backend feature: a Windows build with the
        stub backend has none and must say it failed."""
        return CFG.wine and CFG.backend == "stub"

    def test_audit_text(self):
        r = run("audit", "--write", self.root())
        self.assertIn("World-writable audit:", r.stdout)
        self.assertIn("Plan for this policy", r.stdout)
        if not CFG.wine:
            self.assertIn("Windows feature", r.stdout)
        self.assertIn("protections in force:", r.stdout)
        if self.audit_unimplemented():
            self.assertIn("failed:", r.stdout)
            self.assertExit(r, 1)
        else:
            self.assertExit(r, 0)

    def test_audit_json(self):
        r = run("audit", "--json")
        out = json.loads(r.stdout)
        self.assertIn("audit", out)
        self.assertIn("plan", out)
        if not CFG.wine:
            self.assertIsNone(out["audit"])
            self.assertIn("Windows feature", out["audit_note"])
        self.assertIsInstance(out["plan"], dict)
        self.assertNotIn("plan_error", out)
        if self.audit_unimplemented():
            self.assertIn("audit_error", out)
            self.assertExit(r, 1)
        else:
            self.assertExit(r, 0)

    def test_wsb_setup_explains_on_linux(self):
        if CFG.wine:
            self.skipTest("Linux build only")
        for cmd in (["install"], ["status"], ["plan"], ["uninstall"],
                    ["install", "--offline-user", "a", "--allow-loopback-port", "8080"]):
            with self.subTest(cmd=cmd):
                r = run("wsb-setup", *cmd)
                self.assertExit(r, 0)
                self.assertIn("No provisioning is needed", r.stdout)
        r = run("wsb-setup", "status", "--json")
        self.assertExit(r, 0)
        self.assertFalse(json.loads(r.stdout)["needed"])

    def test_wsb_setup_usage(self):
        self.assertExit(run("wsb-setup", "--version"), 0)
        r = run("wsb-setup", "--help")
        self.assertExit(r, 0)
        for opt in ("install", "status", "uninstall", "plan", "--offline-user",
                    "--online-user", "--allow-loopback-port", "--json"):
            self.assertIn(opt, r.stdout)
        for bad in ([], ["frobnicate"], ["install", "--allow-loopback-port", "0"],
                    ["install", "--allow-loopback-port", "65536"], ["uninstall", "--json"],
                    ["status", "--offline-user", "x"], ["install", "--online-user"]):
            with self.subTest(args=bad):
                r = run("wsb-setup", *bad)
                self.assertExit(r, 2)
                self.assertIn("usage: wsb-setup", r.stderr)


CANARIES = ["write_outside_roots", "inherited_descriptor", "git_write", "git_rename",
            "git_delete", "read_denied", "tcp_to_host", "udp_to_host", "unix_abstract",
            "unix_pathname", "fork_past_limit", "outlive_timeout"]
NETWORK_CANARIES = ["tcp_to_host", "udp_to_host", "unix_abstract", "unix_pathname"]
STATUSES = {"proved", "missing", "FAILED", "unproven"}


class SelfTestReport:
    def check_report(self, r):
        """The --json report is well formed and agrees with the exit status;
        returns it with its canaries by name."""
        self.assertIn(r.returncode, (0, 1), "stdout: %r\nstderr: %r" % (r.stdout, r.stderr))
        rep = json.loads(r.stdout)
        self.assertEqual(rep["format"], 1)
        self.assertEqual([c["name"] for c in rep["canaries"]], CANARIES)
        for c in rep["canaries"]:
            self.assertIn(c["status"], STATUSES)
            self.assertIn(c["observed"], ("escaped", "refused", "unknown"))
            self.assertIsInstance(c["in_force"], bool)
            self.assertTrue(c["evidence"], c)
            if c["status"] == "proved":
                self.assertTrue(c["in_force"])
                self.assertEqual(c["observed"], "refused")
            if c["status"] == "FAILED":
                self.assertTrue(c["in_force"])
                self.assertEqual(c["observed"], "escaped")
        counts = {s: sum(c["status"] == s for c in rep["canaries"]) for s in STATUSES}
        self.assertEqual(rep["summary"], {"proved": counts["proved"], "missing": counts["missing"],
                                          "failed": counts["FAILED"],
                                          "unproven": counts["unproven"]})
        self.assertEqual(r.returncode, 1 if counts["FAILED"] else 0)
        # The scratch directory is gone.
        wd = rep["work_dir"]
        if CFG.wine:
            wd = None  # a Windows path inside the prefix; checked by the text test
        if wd:
            self.assertFalse(os.path.exists(wd), "the self-test left %s behind" % wd)
        return rep, {c["name"]: c for c in rep["canaries"]}


class SelfTest(Workdir, SelfTestReport):
    """Linux: wsb-run --self-test, the kernel enforcing, as root and as an
    unprivileged user."""

    def setUp(self):
        super().setUp()
        need_linux(self)

    def self_test(self, *opts, user=None):
        if user is None:
            return run("wsb-run", *opts, "--self-test", "--json", timeout=240)
        # uid 65534 cannot reach a build tree under /root: run copies of the
        # tool and the library from a world-readable directory.
        copy = tempfile.mkdtemp(prefix="wsb-selftest-bin-", dir="/var/tmp")
        self.addCleanup(shutil.rmtree, copy, True)
        os.chmod(copy, 0o755)
        shutil.copy2(tool("wsb-run"), copy)
        for name in os.listdir(CFG.lib_dir):
            if name.startswith("libwsandbox.so"):
                shutil.copy2(os.path.join(CFG.lib_dir, name), copy, follow_symlinks=True)
        env = dict(os.environ, LD_LIBRARY_PATH=copy, HOME="/nonexistent")
        return subprocess.run(["setpriv", "--reuid", str(user), "--regid", str(user),
                               "--clear-groups", os.path.join(copy, "wsb-run"), *opts,
                               "--self-test", "--json"],
                              capture_output=True, text=True, timeout=240, env=env, cwd="/")

    def assert_normal_policy_proves_what_is_in_force(self, r):
        rep, by = self.check_report(r)
        self.assertEqual(r.returncode, 0)
        self.assertEqual(rep["summary"]["failed"], 0)
        for c in rep["canaries"]:
            # Every protection the library reports in force was proved here;
            # without a weaker mode nothing runs without one it needs.
            self.assertEqual(c["status"], "proved" if c["in_force"] else "missing", c)
        for name in ("write_outside_roots", "inherited_descriptor", "git_write", "git_rename",
                     "git_delete", "read_denied", "outlive_timeout"):
            self.assertEqual(by[name]["status"], "proved", by[name])

    def test_normal_policy_as_root_proves_and_exits_0(self):
        self.assert_normal_policy_proves_what_is_in_force(self.self_test("--write", self.ws))

    def test_normal_policy_unprivileged_proves_and_exits_0(self):
        if os.geteuid() != 0:
            r = self.self_test("--mode", "workspace-write")
        else:
            if not shutil.which("setpriv"):
                self.skipTest("no setpriv to drop to uid 65534")
            r = self.self_test("--mode", "workspace-write", user=65534)
        self.assert_normal_policy_proves_what_is_in_force(r)

    def test_network_on_shows_missing_not_failed(self):
        r = self.self_test("--write", self.ws, "--network", "on")
        rep, by = self.check_report(r)
        self.assertEqual(r.returncode, 0)
        for name in NETWORK_CANARIES:
            self.assertEqual(by[name]["status"], "missing", by[name])
            self.assertFalse(by[name]["in_force"])
            # The host's listener was reached: shown, not hidden.
            self.assertEqual(by[name]["observed"], "escaped", by[name])
        self.assertEqual(by["write_outside_roots"]["status"], "proved")

    def test_full_access_shows_the_write_escape_as_missing(self):
        r = self.self_test("--mode", "full-access", "--allow-missing", "fs_write")
        rep, by = self.check_report(r)
        self.assertEqual(r.returncode, 0)
        self.assertEqual(by["write_outside_roots"]["status"], "missing")
        self.assertEqual(by["write_outside_roots"]["observed"], "escaped")
        self.assertIn("does not ask for it", by["write_outside_roots"]["evidence"])

    def test_text_report_names_each_canary_with_observed_answers(self):
        r = run("wsb-run", "--write", self.ws, "--self-test", timeout=240)
        self.assertExit(r, 0)
        for name in CANARIES:
            self.assertRegex(r.stdout, r"(?m)^(proved|missing|unproven) +\S+ +%s: " % name)
            self.assertRegex(r.stdout, r"(?m)^OBSERVED: %s: (denied|allowed|unknown)$" % name)
        self.assertRegex(r.stdout, r"(?m)^Summary: \d+ proved, \d+ missing, 0 FAILED, \d+ unproven$")

    def test_work_dir_outside_every_root_is_used_and_removed(self):
        r = self.self_test("--write", self.ws)
        rep, _ = self.check_report(r)
        self.assertTrue(rep["work_dir"].startswith("/var/tmp/wsb-self-test-"), rep["work_dir"])

    def test_self_test_dir_inside_a_root_is_unproven_not_failed(self):
        # Directly, and through a symbolic link that hides it lexically.
        link = os.path.join(self.outside, "link-to-ws")
        os.symlink(self.ws, link)
        for d in (self.ws, link):
            with self.subTest(dir=d):
                r = self.self_test("--write", self.ws, "--self-test-dir", d)
                rep, by = self.check_report(r)
                self.assertEqual(r.returncode, 0)
                self.assertTrue(rep["work_dir"].startswith(self.ws + "/"), rep["work_dir"])
                self.assertEqual(by["write_outside_roots"]["status"], "unproven")
                self.assertIn("give a work directory outside", by["write_outside_roots"]["evidence"])

    def test_probe_mode_runs_one_operation(self):
        target = os.path.join(self.outside, "probe-wrote")
        r = run("wsb-run", "--self-test-probe", "write", target, "token")
        self.assertExit(r, 0)
        self.assertEqual(r.stdout, "probe: write %s: ok\n" % target)
        with open(target) as f:
            self.assertEqual(f.read(), "token")
        r = run("wsb-run", "--self-test-probe", "no-such-operation")
        self.assertExit(r, 2)


class SelfTestWine(Workdir, SelfTestReport):
    """Windows build under Wine: the self-test's plumbing only. Wine enforces
    nothing, so FAILED verdicts are expected and reported honestly; this
    checks the report is made, well formed, agrees with the exit status,
    and leaves nothing behind."""

    def setUp(self):
        super().setUp()
        if not CFG.wine:
            self.skipTest("Windows build under Wine only (SelfTest runs on Linux)")

    def test_report_is_well_formed_and_exit_follows_failed(self):
        r = run("wsb-run", *WINE_RUN_OPTS, "--write", self.root(), "--self-test", "--json",
                timeout=240)
        rep, by = self.check_report(r)
        # The canaries the Windows probe has no operation for say so.
        for name in ("unix_abstract", "unix_pathname"):
            self.assertEqual(by[name]["status"], "unproven")

    def test_text_report_prints_observed_answers_and_cleans_up(self):
        r = run("wsb-run", *WINE_RUN_OPTS, "--write", self.root(), "--self-test",
                "--self-test-dir", winpath(self.outside), timeout=240)
        self.assertIn(r.returncode, (0, 1), r.stderr)
        for name in CANARIES:
            self.assertRegex(r.stdout, r"(?m)^OBSERVED: %s: (denied|allowed|unknown)$" % name)
        m = re.search(r"(?m)^Summary: \d+ proved, \d+ missing, (\d+) FAILED, \d+ unproven$",
                      r.stdout)
        self.assertIsNotNone(m, r.stdout)
        self.assertEqual(r.returncode, 1 if int(m.group(1)) else 0)
        self.assertEqual(os.listdir(self.outside), [], "the scratch directory was left behind")


class Demo(unittest.TestCase):
    """The README's first command from a clone under /tmp, as a new user
    would try it: the sandbox's private /tmp takes writes there, and the
    demo must judge by what the host sees, not cry wolf."""

    def test_demo_from_a_clone_under_tmp_passes(self):
        if CFG.wine or CFG.backend != "linux":
            self.skipTest("the demo runs the Linux build (this is %s%s)"
                          % (CFG.backend, " under Wine" if CFG.wine else ""))
        need_real_runs(self)
        src = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        clone = tempfile.mkdtemp(prefix="wsb-demo-", dir="/tmp")
        self.addCleanup(shutil.rmtree, clone, True)
        # The working tree as it is (uncommitted changes included), without
        # build trees: the demo builds its own under the clone.
        shutil.copytree(src, os.path.join(clone, "x"), symlinks=True,
                        ignore=lambda d, names: [n for n in names
                                                 if d == src and (n == "build" or n.startswith("build-"))])
        r = subprocess.run(["bash", os.path.join(clone, "x", "scripts", "demo.sh")],
                           capture_output=True, text=True, timeout=900)
        out = r.stdout + r.stderr
        self.assertEqual(r.returncode, 0, out)
        self.assertNotIn("UNEXPECTED", out)
        self.assertIn("All 5 outcomes were as expected", out)
        # Check 2 ran from /tmp: the write went to the private temp directory.
        self.assertIn("private temp directory", out)


def main():
    global CFG
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin-dir", required=True)
    ap.add_argument("--lib-dir", required=True)
    ap.add_argument("--build-dir", required=True)
    ap.add_argument("--backend", required=True)
    ap.add_argument("--wine", action="store_true")
    ap.add_argument("--wine-run", default="")
    args, rest = ap.parse_known_args()
    if rest and rest[0] == "--":
        rest = rest[1:]
    for d in ("bin_dir", "lib_dir", "build_dir"):
        setattr(args, d, os.path.abspath(getattr(args, d)))
    CFG = args
    if CFG.wine:
        # The wineserver outlives this driver: its output goes to /dev/null,
        # or it would hold ctest's (or a captured run's) pipes open.
        quiet = dict(stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                     stderr=subprocess.DEVNULL, env=wine_env(), check=False)
        if CFG.wine_run and os.path.exists(CFG.wine_run):
            # Create the private prefix once, under the script's lock.
            subprocess.run([CFG.wine_run, "--start", CFG.build_dir], **quiet)
        # A warm server makes each run cost ~0.05 s instead of ~0.6 s and
        # exits by itself a minute after the last client.
        subprocess.run(["wineserver", "-p60"], **quiet)
        subprocess.run(["wine", "cmd", "/c", "exit"], **quiet)
    unittest.main(argv=[sys.argv[0]] + rest)


if __name__ == "__main__":
    main()
