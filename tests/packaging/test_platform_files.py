"""The Windows installer script and the macOS Info.plist agree with the project."""

from __future__ import annotations

import plistlib
import re
import tomllib

from .conftest import APP_ID, PACKAGING, ROOT

VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]


def test_info_plist_names_the_app_its_icon_and_version() -> None:
    plist = plistlib.loads((PACKAGING / "macos" / "Info.plist").read_bytes())
    assert plist["CFBundleIdentifier"] == APP_ID
    assert plist["CFBundleExecutable"] == "commandcenter"
    assert plist["CFBundlePackageType"] == "APPL"
    assert plist["CFBundleShortVersionString"] == VERSION
    assert (PACKAGING / "icons" / plist["CFBundleIconFile"]).is_file()
    assert plist["NSHighResolutionCapable"] is True


def test_inno_setup_script_installs_the_bundle_per_user_with_the_icon() -> None:
    iss = (PACKAGING / "windows" / "commandcenter.iss").read_text()
    assert re.search(r'#define AppVersion "([^"]+)"', iss).group(1) == VERSION  # type: ignore[union-attr]
    assert "PrivilegesRequired=lowest" in iss
    assert 'Source: "{#Bundle}\\*"' in iss and "recursesubdirs" in iss
    icon = re.search(r"SetupIconFile=(.+)", iss).group(1).strip()  # type: ignore[union-attr]
    assert (PACKAGING / "windows" / icon.replace("\\", "/")).resolve().is_file()
    assert '#define AppExe "commandcenter.exe"' in iss
