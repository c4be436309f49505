"""Packaging of the wsandbox binding.

A setup.py rather than a pyproject.toml build-system table on purpose: with
setuptools and wheel already installed (Debian's python3-setuptools and
python3-wheel, seen from a venv made with --system-site-packages), pip builds
it in place, so `pip install ./bindings/python` needs no network.

Installed from a checkout of libwsandbox, it builds the C library from that
checkout with CMake (no network) and ships it inside the package, next to
_lib.py, where the binding looks first after WSANDBOX_LIBRARY. Without a
checkout or without cmake (or with WSANDBOX_BUNDLE=0) it ships none and the
binding finds an installed one (the Debian package libwsandbox0).
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.dist import Distribution

HERE = Path(__file__).resolve().parent
CHECKOUT = HERE.parent.parent
# The name _lib.py loads first from the package folder.
LIBRARY = "libwsandbox-0.dll" if sys.platform == "win32" else "libwsandbox.so.0"


def _bundle_wanted():
    if os.environ.get("WSANDBOX_BUNDLE", "1") == "0":
        return "WSANDBOX_BUNDLE=0"
    if not (CHECKOUT / "CMakeLists.txt").is_file() or not (CHECKOUT / "lib" / "core").is_dir():
        return "not in a libwsandbox checkout"
    if not shutil.which("cmake"):
        return "no cmake"
    return None


class BuildPyWithLibrary(build_py):
    """build_py, then libwsandbox built from the checkout into the package."""

    def run(self):
        super().run()
        why_not = _bundle_wanted()
        if why_not:
            print(f"wsandbox: not bundling libwsandbox ({why_not}); "
                  "the binding will look for an installed one")
            return
        build = Path(self.get_finalized_command("build").build_temp) / "libwsandbox"
        # The library alone: no tests (no cmocka needed), tools or docs.
        subprocess.check_call([
            "cmake", "-S", str(CHECKOUT), "-B", str(build),
            "-DCMAKE_BUILD_TYPE=Release", "-DBUILD_TESTING=OFF",
            "-DWSB_BUILD_EXAMPLES=OFF", "-DWSB_BUILD_DOCS=OFF", "-DWSB_INSTALL=OFF"])
        subprocess.check_call(["cmake", "--build", str(build), "--target", "wsandbox",
                               "--config", "Release"])
        found = [p for p in build.rglob(LIBRARY) if p.is_file()]
        if not found:
            raise RuntimeError(f"wsandbox: CMake built no {LIBRARY} under {build}")
        # copyfile follows the .so.0 symlink: the package holds the file itself.
        shutil.copyfile(found[0], Path(self.build_lib) / "wsandbox" / LIBRARY)
        # Linux: the init server of a warm policy (docs/linux-backend.md),
        # where the library looks for it: wsandbox/ next to itself.
        servers = [p for p in build.rglob("wsb-initd") if p.is_file()]
        if servers:
            dest = Path(self.build_lib) / "wsandbox" / "wsandbox"
            dest.mkdir(exist_ok=True)
            shutil.copy2(servers[0], dest / "wsb-initd")


class BinaryDistribution(Distribution):
    """A bundled native library makes the wheel platform-specific."""

    def has_ext_modules(self):
        return _bundle_wanted() is None


setup(
    name="wsandbox",
    version="0.2.0",
    description="Python binding of libwsandbox: run an AI agent's commands inside a sandbox",
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    python_requires=">=3.9",
    packages=["wsandbox"],
    package_data={"wsandbox": ["py.typed"]},
    cmdclass={"build_py": BuildPyWithLibrary},
    distclass=BinaryDistribution,
)
