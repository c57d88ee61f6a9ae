"""Packaging beyond what pyproject.toml can say: content/ lives at the repository root (where
people edit lessons) and ships inside the wheel as the package data `bot/content`."""

from pathlib import Path

from setuptools import find_packages, setup

# Every folder under content/ becomes a package of data files under bot/content.
CONTENT = Path("content")
CONTENT_PACKAGES = [".".join(("bot", *folder.parts)) for folder in [CONTENT, *sorted(CONTENT.rglob("*/"))]]

setup(
    packages=[*find_packages(include=["bot", "bot.*"]), *CONTENT_PACKAGES],
    package_dir={"bot.content": "content"},
    package_data={package: ["*.yaml"] for package in CONTENT_PACKAGES},
)
