"""The wheel and sdist built from the repository carry the lessons, and an installed wheel works.

Built the way a release is (python -m build: the sdist, then the wheel from the sdist), checked
with twine, installed into a fresh virtual environment, and run from a folder that is not the
checkout, so nothing can quietly come from the repository.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
import venv
import zipfile
from pathlib import Path

import pytest

from tests.support.paths import REPO_ROOT

pytestmark = pytest.mark.process

LESSON_FILES = sorted(p.relative_to(REPO_ROOT / "content").as_posix() for p in (REPO_ROOT / "content").rglob("*.yaml"))


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    # --no-isolation: build with this environment's setuptools instead of downloading one.
    subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(REPO_ROOT)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return out


def _one(folder: Path, pattern: str) -> Path:
    found = sorted(folder.glob(pattern))
    assert len(found) == 1, found
    return found[0]


def test_the_wheel_and_the_sdist_carry_every_content_file(dist: Path) -> None:
    assert LESSON_FILES, "no content files found"
    wheel = set(zipfile.ZipFile(_one(dist, "*.whl")).namelist())
    assert {f"bot/content/{name}" for name in LESSON_FILES} <= wheel
    assert "bot/store/migrations/script.py.mako" in wheel
    with tarfile.open(_one(dist, "*.tar.gz")) as sdist:
        names = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    assert {f"content/{name}" for name in LESSON_FILES} <= names
    assert {"setup.py", "pyproject.toml", "README.md"} <= names


def test_twine_check_passes(dist: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "twine", "check", "--strict", *map(str, sorted(dist.iterdir()))],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _site_packages(python: Path) -> str:
    code = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    return subprocess.run([str(python), "-c", code], check=True, capture_output=True, text=True).stdout.strip()


def test_the_installed_wheel_serves_tips_without_the_checkout(dist: Path, tmp_path: Path) -> None:
    fresh = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(fresh)
    python, mltip = fresh / "bin" / "python", fresh / "bin" / "mltip"
    wheel = _one(dist, "*.whl")
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    # The dependencies come from this test environment (no download); the path is appended,
    # after the fresh site-packages, and this environment's own .pth files are not processed,
    # so `bot` can only come from the installed wheel.
    fresh_site = _site_packages(python)
    (Path(fresh_site) / "mltip_test_dependencies.pth").write_text(_site_packages(Path(sys.executable)) + "\n")
    home = tmp_path / "home"
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(home), "LANG": "C.UTF-8"}
    where = subprocess.run(
        [str(python), "-c", "import bot; print(bot.__file__)"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert where.stdout.strip().startswith(fresh_site), where.stdout + where.stderr

    tip = subprocess.run(
        [str(mltip), "tip", "--json"], cwd=tmp_path, env=env, capture_output=True, text=True, check=False
    )
    assert tip.returncode == 0, tip.stderr
    lesson = json.loads(tip.stdout)
    assert lesson["id"] and lesson["quote"] and lesson["source"]["speaker"]

    check = subprocess.run(
        [str(mltip), "content", "check"], cwd=tmp_path, env=env, capture_output=True, text=True, check=False
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.startswith("ok: ")
