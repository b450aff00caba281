"""The committed icon set is the SVG's rendering, in every size each platform asks for."""

from __future__ import annotations

import importlib.util
import struct

import pytest
from PySide6.QtGui import QImage

from .conftest import APP_ID, PACKAGING

ICONS = PACKAGING / "icons"


def make_icons():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("make_icons", ICONS / "make_icons.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_hicolor_pngs_have_their_sizes_and_the_svg_is_the_source() -> None:
    mk = make_icons()
    for size in mk.PNG_SIZES:
        path = ICONS / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
        assert png_size(path.read_bytes()) == (size, size), path
    scalable = ICONS / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg"
    assert scalable.read_bytes() == mk.SOURCE.read_bytes()


def test_ico_and_icns_hold_png_entries_of_each_size() -> None:
    data = (ICONS / "commandcenter.ico").read_bytes()
    reserved, kind, count = struct.unpack("<HHH", data[:6])
    assert (reserved, kind, count) == (0, 1, len(make_icons().ICO_SIZES))
    sizes = []
    for i in range(count):
        _w, _h, _c, _r, _p, _b, length, offset = struct.unpack(
            "<BBBBHHII", data[6 + 16 * i:22 + 16 * i])
        sizes.append(png_size(data[offset:offset + length])[0])
    assert sizes == list(make_icons().ICO_SIZES)

    data = (ICONS / "commandcenter.icns").read_bytes()
    assert data[:4] == b"icns" and struct.unpack(">I", data[4:8])[0] == len(data)
    found, at = {}, 8
    while at < len(data):
        kind, length = data[at:at + 4], struct.unpack(">I", data[at + 4:at + 8])[0]
        found[kind] = png_size(data[at + 8:at + length])[0]
        at += length
    assert found == {kind: size for size, kind in make_icons().ICNS_TYPES.items()}


@pytest.mark.parametrize("size", [16, 48, 256])
def test_committed_pngs_match_a_fresh_rendering_of_the_svg(size: int, qapp) -> None:  # type: ignore[no-untyped-def]
    """Regenerated with this Qt, each pixel is within a hair of the committed one
    (another Qt version may antialias edges a little differently)."""
    fresh = QImage.fromData(make_icons().render(make_icons().SOURCE, size))
    committed = QImage(str(ICONS / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png"))
    assert fresh.size() == committed.size()
    worst = 0
    for y in range(size):
        for x in range(size):
            a, b = fresh.pixelColor(x, y), committed.pixelColor(x, y)
            worst = max(worst, abs(a.red() - b.red()), abs(a.green() - b.green()),
                        abs(a.blue() - b.blue()), abs(a.alpha() - b.alpha()))
    assert worst <= 16, f"{size} px differs by {worst}: run packaging/icons/make_icons.py"
