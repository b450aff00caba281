"""Shrink the ICU data library Qt links to from 32 MB to about 4 MB (the spec calls it on Linux).

QtCore links to ICU; its data library holds every locale's names, collations,
transliterators, dictionaries and legacy converters. The window is English
only and Qt uses ICU for little (collation, named legacy encodings), so the
bundle keeps the root and English data, the Unicode properties,
normalisation, collation base, break rules and time zones, and drops the rest.
A missing item makes ICU fall back to root, never fail.

The library is rebuilt with binutils: the trimmed common data (ICU's ``CmnD``
package format) as the one exported symbol ``icudtNN_dat``, under the same
soname. ``python packaging/trim_icu.py LIB`` trims ``LIB`` in place.
"""

from __future__ import annotations

import re
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

# A locale's own data: "de.res", "sr_Latn_BA.res" (not "supplementalData.res").
LOCALE = re.compile(r"^[a-z]{2,3}(_[A-Za-z0-9]+)*\.res$")
# Trees the window never asks for: transliteration.
DROPPED_TREES = ("translit",)
ALWAYS = ("root.res", "res_index.res", "pool.res")


def keep(name: str) -> bool:
    """``name`` is a TOC entry such as ``icudt73l/coll/de.res``."""
    parts = name.split("/")[1:]
    leaf = parts[-1]
    if len(parts) > 1 and parts[0] in DROPPED_TREES:
        return False
    if leaf.startswith("en") or leaf in ALWAYS:
        return True
    if len(parts) == 1:  # properties, normalisation, time zones, ... but no legacy converters
        return not leaf.endswith(".cnv") and not LOCALE.match(leaf)
    if leaf.endswith(".dict"):
        return False  # the dictionaries break Chinese, Thai, Khmer ... text into words
    return leaf.endswith((".brk", ".icu", ".nrm"))


def elf_section(lib: bytes, wanted: str) -> tuple[int, int]:
    """File offset and size of an ELF64 little-endian section."""
    if lib[:4] != b"\x7fELF" or lib[4] != 2 or lib[5] != 1:
        raise ValueError("not a 64-bit little-endian ELF file")
    (shoff,) = struct.unpack_from("<Q", lib, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", lib, 0x3A)

    def header(i: int) -> tuple[int, int, int]:
        name, _type, _flags, _addr, offset, size = struct.unpack_from(
            "<IIQQQQ", lib, shoff + i * shentsize)
        return name, offset, size

    strings = header(shstrndx)[1]
    for i in range(shnum):
        name, offset, size = header(i)
        if lib[strings + name:lib.index(b"\0", strings + name)].decode() == wanted:
            return offset, size
    raise ValueError(f"no {wanted} section")


def read_package(blob: bytes) -> tuple[bytes, list[tuple[str, bytes]]]:
    """The header and the (name, data) items of an ICU common data package."""
    (size,) = struct.unpack_from("<H", blob, 0)
    if blob[2:4] != b"\xda\x27" or blob[12:16] != b"CmnD":
        raise ValueError("not ICU common data")
    (count,) = struct.unpack_from("<I", blob, size)
    toc = [struct.unpack_from("<II", blob, size + 4 + 8 * i) for i in range(count)]
    ends = [data for _, data in toc[1:]] + [len(blob) - size]
    items = []
    for (name_at, data_at), end in zip(toc, ends, strict=True):
        start = size + name_at
        name = blob[start:blob.index(b"\0", start)].decode("ascii")
        items.append((name, blob[size + data_at:size + end]))
    return blob[:size], items


def write_package(header: bytes, items: list[tuple[str, bytes]]) -> bytes:
    """The inverse of read_package: names sorted (ICU searches them), items 16-byte aligned."""
    items = sorted(items)
    names = b"".join(name.encode("ascii") + b"\0" for name, _ in items)
    table_end = 4 + 8 * len(items) + len(names)
    data_at = table_end + (-(len(header) + table_end) % 16)
    toc, body, name_at = [], b"", 4 + 8 * len(items)
    for name, data in items:
        toc.append(struct.pack("<II", name_at, data_at + len(body)))
        name_at += len(name) + 1
        body += data + b"\0" * (-len(data) % 16)
    table = struct.pack("<I", len(items)) + b"".join(toc) + names
    return header + table + b"\0" * (data_at - table_end) + body


def symbol_name(lib: bytes) -> str:
    found = re.search(rb"icudt\d+_dat", lib)
    if not found:
        raise ValueError("no icudtNN_dat symbol")
    return found.group().decode()


def link(blob: bytes, soname: str, symbol: str, out: Path) -> None:
    """A shared library exporting ``blob`` as read-only ``symbol`` (binutils' objcopy and ld)."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "icudt.dat").write_bytes(blob)
        subprocess.run(["objcopy", "-I", "binary", "-O", "elf64-x86-64", "-B", "i386:x86-64",
                        "--rename-section", ".data=.rodata,alloc,load,readonly,data,contents",
                        "--set-section-alignment", ".data=16",
                        "--redefine-sym", f"_binary_icudt_dat_start={symbol}",
                        "--strip-symbol", "_binary_icudt_dat_end",
                        "--strip-symbol", "_binary_icudt_dat_size",
                        "icudt.dat", "icudt.o"], cwd=folder, check=True)
        subprocess.run(["ld", "-shared", "-soname", soname, "-z", "noexecstack",
                        "-o", str(folder / "out.so"), "icudt.o"], cwd=folder, check=True)
        (folder / "out.so").replace(out)


def trim(path: Path) -> tuple[int, int]:
    """Trim the ICU data library at ``path`` in place; its size before and after."""
    lib = path.read_bytes()
    offset, size = elf_section(lib, ".rodata")
    header, items = read_package(lib[offset:offset + size])
    kept = [(name, data) for name, data in items if keep(name)]
    link(write_package(header, kept), path.name, symbol_name(lib), path)
    return len(lib), path.stat().st_size


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        before, after = trim(Path(arg))
        print(f"{arg}: {before / 1e6:.1f} MB -> {after / 1e6:.1f} MB")
