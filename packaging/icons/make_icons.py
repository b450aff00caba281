"""Render the icon set from the one SVG: ``python packaging/icons/make_icons.py``.

Source: ``resources/icons/commandcenter.svg`` (the window uses it too). Writes,
beside this script, the freedesktop hicolor tree (the SVG plus PNGs from 16 to
512 px), ``commandcenter.ico`` (Windows: PNG entries 16-256 px) and
``commandcenter.icns`` (macOS: PNG entries 16-1024 px). Rendering goes through
Qt's QSvgRenderer into a QImage, so the same Qt gives the same bytes; the
files are committed and tests/packaging/test_icons.py checks they still
match the SVG.
"""

from __future__ import annotations

import os
import shutil
import struct
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
SOURCE = ROOT / "resources" / "icons" / "commandcenter.svg"
APP_ID = "io.github.commandcenter.CommandCenter"
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
# ICNS element types holding PNG data, by pixel size.
ICNS_TYPES = {16: b"icp4", 32: b"icp5", 64: b"icp6", 128: b"ic07", 256: b"ic08",
              512: b"ic09", 1024: b"ic10"}


def render(svg: Path, size: int) -> bytes:
    """The SVG as a ``size`` x ``size`` PNG with a transparent background."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    _app = QGuiApplication.instance() or QGuiApplication(["make_icons"])
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise ValueError(f"{svg}: not a valid SVG")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(data.data())


def ico(pngs: dict[int, bytes]) -> bytes:
    """An ICO container of PNG entries (Vista and later read these)."""
    sizes = sorted(pngs)
    header = struct.pack("<HHH", 0, 1, len(sizes))
    offset = 6 + 16 * len(sizes)
    entries, blobs = b"", b""
    for size in sizes:
        data = pngs[size]
        side = 0 if size >= 256 else size  # 0 means 256 in the directory
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(data), offset)
        blobs += data
        offset += len(data)
    return header + entries + blobs


def icns(pngs: dict[int, bytes]) -> bytes:
    body = b"".join(ICNS_TYPES[size] + struct.pack(">I", 8 + len(data)) + data
                    for size, data in sorted(pngs.items()))
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def outputs(svg: Path = SOURCE) -> dict[str, bytes]:
    """Every file of the icon set, by its path relative to packaging/icons/."""
    pngs = {size: render(svg, size) for size in sorted({*PNG_SIZES, *ICO_SIZES, *ICNS_TYPES})}
    files = {f"hicolor/scalable/apps/{APP_ID}.svg": svg.read_bytes()}
    files |= {f"hicolor/{s}x{s}/apps/{APP_ID}.png": pngs[s] for s in PNG_SIZES}
    files["commandcenter.ico"] = ico({s: pngs[s] for s in ICO_SIZES})
    files["commandcenter.icns"] = icns({s: pngs[s] for s in ICNS_TYPES})
    return files


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else HERE
    if (out / "hicolor").is_dir():
        shutil.rmtree(out / "hicolor")
    for name, data in outputs().items():
        path = out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        print(path.relative_to(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
