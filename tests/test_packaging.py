"""The desktop entry and AppStream metainfo point at files that exist."""

from __future__ import annotations

import configparser
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINUX = ROOT / "packaging" / "linux"


def test_metainfo_screenshots_exist_and_ids_agree() -> None:
    tree = ET.parse(LINUX / "io.github.commandcenter.CommandCenter.metainfo.xml")
    images = [e.text for e in tree.iter("image")]
    assert images, "the metainfo lists no screenshots"
    for image in images:
        assert (ROOT / image).is_file(), f"missing screenshot {image}"
    launchable = tree.find("launchable").text
    assert (LINUX / launchable).is_file()
    assert tree.find("id").text == launchable.removesuffix(".desktop")


def test_desktop_entry_runs_the_installed_command() -> None:
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str
    entry.read(LINUX / "io.github.commandcenter.CommandCenter.desktop")
    section = entry["Desktop Entry"]
    assert section["Exec"].split()[0] == "commandcenter"
    assert section["Type"] == "Application"
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert 'commandcenter = "commandcenter.cli:main"' in pyproject
