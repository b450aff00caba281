"""The one-folder bundle from `make package`: it starts, keeps its data outside itself,
migrates from inside itself, needs no network and carries no Qt module it does not use."""

from __future__ import annotations

import subprocess
import tarfile
import warnings
from pathlib import Path

import pytest

from .conftest import APP_ID, ROOT
from .test_smoke import PANELS, parse_report, smoke_env

pytestmark = pytest.mark.package
LIMIT_MB = 150
UNUSED_QT = ("libQt6Qml", "libQt6Quick", "libQt6Network", "libQt6Pdf",
             "libQt6Test", "libQt6Designer", "libQt6Sql", "QtNetwork", "QtQml", "QtQuick",
             "QtTest", "QtDesigner")


def tree(folder: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in folder.rglob("*") if p.is_file() and not p.is_symlink()}


def without_network(command: list[str]) -> list[str]:
    """``command`` in a network namespace with no interfaces, where the machine allows one."""
    probe = subprocess.run(["unshare", "-n", "true"], capture_output=True, text=True,
                           check=False)
    if probe.returncode == 0:
        return ["unshare", "-n", *command]
    warnings.warn("unshare -n is not allowed here "
                  f"({probe.stderr.strip() or probe.returncode}): the bundle's smoke test ran "
                  "with the network on", stacklevel=2)
    return command


def test_bundle_smoke_offline_with_data_in_the_user_dir(bundle: Path, tmp_path: Path) -> None:
    before = tree(bundle)
    env = smoke_env(tmp_path)
    result = subprocess.run(without_network([str(bundle / "commandcenter"), "gui", "--smoke"]),
                            env=env, cwd=tmp_path, capture_output=True, text=True,
                            timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    report = parse_report(result.stdout)
    data_dir = tmp_path / "data" / "commandcenter"
    assert Path(report["data_dir"]).parent == data_dir
    assert Path(report["migrations"]).is_relative_to(bundle), report["migrations"]
    assert report["revision"] and report["incidents"] > 0
    assert set(report["panels"]) == PANELS
    assert tree(bundle) == before, "the bundle wrote inside itself"


def test_bundle_runs_the_command_line_offline(bundle: Path, tmp_path: Path) -> None:
    env = smoke_env(tmp_path)
    result = subprocess.run(without_network([str(bundle / "commandcenter"), "--json", "db",
                                             "upgrade"]),
                            env=env, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "data" / "commandcenter" / "commandcenter.sqlite").is_file()


def test_bundle_leaves_out_unused_qt_and_stays_under_the_size_limit(bundle: Path) -> None:
    unused = sorted(p.name for p in bundle.rglob("*")
                    if p.name.startswith(UNUSED_QT) and (".so" in p.name or ".dll" in p.name))
    assert unused == []
    size = sum(p.stat().st_size for p in bundle.rglob("*") if p.is_file() and not p.is_symlink())
    assert size < LIMIT_MB * 1_000_000, f"{size / 1e6:.0f} MB unpacked"


def test_tarball_holds_the_bundle_folder(bundle: Path) -> None:
    tarballs = sorted((ROOT / "dist").glob("commandcenter-*-linux-*.tar.gz"))
    assert len(tarballs) == 1, tarballs
    with tarfile.open(tarballs[0]) as tar:
        names = set(tar.getnames())
    assert {"commandcenter/commandcenter", "commandcenter/install.sh"} <= names


def test_install_script_puts_the_bundle_and_a_menu_entry_under_a_prefix(
        bundle: Path, tmp_path: Path) -> None:
    prefix = tmp_path / "prefix"
    env = smoke_env(tmp_path)
    subprocess.run(["sh", str(bundle / "install.sh"), "--prefix", str(prefix)], env=env,
                   check=True, capture_output=True, timeout=300)
    target = prefix / "opt" / "commandcenter"
    assert (prefix / "bin" / "commandcenter").resolve() == (target / "commandcenter").resolve()
    desktop = (prefix / "share" / "applications" / f"{APP_ID}.desktop").read_text()
    assert f"Exec={target}/commandcenter gui" in desktop
    icons = prefix / "share" / "icons" / "hicolor"
    assert (icons / "scalable" / "apps" / f"{APP_ID}.svg").is_file()
    subprocess.run(["sh", str(target / "install.sh"), "--uninstall", "--prefix", str(prefix)],
                   env=env, check=True, capture_output=True, timeout=120)
    assert not target.exists() and not (prefix / "bin" / "commandcenter").exists()
