"""The helpers `make` and the spec rely on: the Qt-free requirements and the ICU data trimmer."""

from __future__ import annotations

import importlib.util
import struct
import tomllib
from pathlib import Path
from types import ModuleType

from .conftest import PACKAGING, ROOT


def load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_qt_free_requirements_are_pyprojects_less_the_qt_packages() -> None:
    wanted = load(ROOT / ".ci" / "requirements_without_qt.py").requirements(
        ROOT / "pyproject.toml")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = project["dependencies"] + [r for extra in project["optional-dependencies"].values()
                                          for r in extra]
    lowered = " ".join(wanted).lower()
    assert "pyside6" not in lowered and "pyqtgraph" not in lowered and "pytest-qt" not in lowered
    assert set(wanted) == {r for r in declared
                           if not r.lower().startswith(("pyside6", "pyqtgraph", "pytest-qt"))}


def package(items: list[tuple[str, bytes]]) -> bytes:
    header = struct.pack("<HBB", 32, 0xDA, 0x27) + b"\0" * 8 + b"CmnD" + b"\0" * 16
    return load(PACKAGING / "trim_icu.py").write_package(header, items)


def test_icu_package_round_trips_and_keeps_items_aligned() -> None:
    trim = load(PACKAGING / "trim_icu.py")
    items = [("icudt73l/root.res", b"r" * 40), ("icudt73l/coll/en.res", b"e" * 7),
             ("icudt73l/de.res", b"d" * 16)]
    blob = package(items)
    header, read = trim.read_package(blob)
    assert len(header) == 32
    assert [name for name, _ in read] == sorted(name for name, _ in items)
    for name, data in read:
        original = dict(items)[name]
        assert data[:len(original)] == original and set(data[len(original):]) <= {0}
        assert (blob.index(data) % 16) == 0


def test_icu_trim_keeps_root_english_and_core_data_only() -> None:
    keep = load(PACKAGING / "trim_icu.py").keep
    kept = ["root.res", "en.res", "en_GB.res", "res_index.res", "pool.res", "uprops.icu",
            "nfkc.nrm", "zoneinfo64.res", "supplementalData.res", "coll/ucadata.icu",
            "coll/root.res", "coll/en.res", "brkitr/line.brk", "curr/en.res", "curr/pool.res"]
    dropped = ["de.res", "sr_Latn_BA.res", "coll/zh.res", "brkitr/cjdict.dict",
               "translit/root.res", "ibm-1390_P110-2003.cnv", "curr/fr.res", "zone/ja.res"]
    assert all(keep(f"icudt73l/{n}") for n in kept)
    assert not any(keep(f"icudt73l/{n}") for n in dropped)
