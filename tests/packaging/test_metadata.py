"""The desktop entry and AppStream metainfo point at files that exist, and validate."""

from __future__ import annotations

import configparser
import subprocess
import xml.etree.ElementTree as ET

import pytest

from .conftest import APP_ID, LINUX, PACKAGING, ROOT

METAINFO = LINUX / f"{APP_ID}.metainfo.xml"
DESKTOP = LINUX / f"{APP_ID}.desktop"
# Screenshot URLs are the committed files as served from the repository's main branch.
PUBLISHED = "https://raw.githubusercontent.com/commandcenter/CommandCenter/main/"


def test_metainfo_screenshots_exist_and_ids_agree() -> None:
    tree = ET.parse(METAINFO)
    images = [e.text or "" for e in tree.iter("image")]
    assert images, "the metainfo lists no screenshots"
    for image in images:
        assert image.startswith(PUBLISHED), image
        assert (ROOT / image.removeprefix(PUBLISHED)).is_file(), f"missing screenshot {image}"
    launchable = tree.find("launchable").text
    assert (LINUX / launchable).is_file()
    assert tree.find("id").text == launchable.removesuffix(".desktop") == APP_ID


def desktop_entry() -> configparser.SectionProxy:
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # type: ignore[assignment,method-assign]
    entry.read(DESKTOP)
    return entry["Desktop Entry"]


def test_desktop_entry_runs_the_installed_command_with_the_shipped_icon() -> None:
    section = desktop_entry()
    assert section["Exec"].split()[0] == "commandcenter"
    assert section["Type"] == "Application"
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert 'commandcenter = "commandcenter.cli:main"' in pyproject
    icon = section["Icon"]
    assert (PACKAGING / "icons" / "hicolor" / "scalable" / "apps" / f"{icon}.svg").is_file()


@pytest.mark.package
def test_desktop_file_validates() -> None:
    result = subprocess.run(["desktop-file-validate", str(DESKTOP)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "error" not in result.stdout.lower(), result.stdout


@pytest.mark.package
def test_metainfo_validates_offline() -> None:
    result = subprocess.run(["appstreamcli", "validate", "--no-net", str(METAINFO)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
