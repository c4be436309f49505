"""The README's example runs as written."""

import pathlib
import re
import sys

import pytest


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="runs a real command")
def test_readme_example_runs(tmp_path, monkeypatch, capsys):
    readme = (pathlib.Path(__file__).parent.parent / "README.md").read_text()
    code = re.search(r"```python\n(.*?)```", readme, re.S).group(1)
    monkeypatch.chdir(tmp_path)
    exec(compile(code, "README.md", "exec"), {})
    out = capsys.readouterr().out
    assert "allowed write: 0" in out
    assert "denied write: 1" in out or "denied write: 2" in out
