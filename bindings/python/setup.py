"""Packaging of the wsandbox binding.

A setup.py rather than a pyproject.toml build-system table on purpose: with
setuptools and wheel already installed (Debian's python3-setuptools and
python3-wheel, seen from a venv made with --system-site-packages), pip builds
it in place, so `pip install ./bindings/python` needs no network.
"""

from setuptools import setup

setup(
    name="wsandbox",
    version="0.2.0",
    description="Python binding of libwsandbox: run an AI agent's commands inside a sandbox",
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    python_requires=">=3.9",
    packages=["wsandbox"],
    package_data={"wsandbox": ["py.typed"]},
)
