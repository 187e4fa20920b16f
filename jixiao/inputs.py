"""Turn the paths a user typed into the list of files that enter a batch.

Folders are walked recursively in sorted order so two runs over the same tree
see the same sequence. `.zip` archives are read in memory: a member's name is
only ever a label (`source_name`), never a path on disk, so `../evil.pdf`
cannot write anywhere. A file named `.pdf` enters the batch whatever it holds;
the pipeline then says why it is not a readable PDF.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

MAX_MEMBER_BYTES = 1 << 30  # a zip member larger than this is refused rather than read into memory
ZIP_SEPARATOR = "!"  # source_name of a member: "<archive path>!<member name>"


class InputError(Exception):
    """A path the batch cannot start with (missing, unreadable): the whole command stops."""


@dataclass(frozen=True)
class InputFile:
    """One file that enters the batch.

    `read()` returns its bytes; `problem` is set when the bytes could not be had in a
    usable form (an encrypted zip member, an unreadable archive): the file is still
    recorded, as failed with that reason, so nothing the user gave disappears silently.
    """

    source_name: str
    read: Callable[[], bytes]
    problem: str | None = None


@dataclass(frozen=True)
class Inputs:
    files: tuple[InputFile, ...]
    ignored: tuple[str, ...]  # files inside folders/archives that do not look like documents


def collect(paths: Sequence[str | Path]) -> Inputs:
    """Every document the given paths name, in a deterministic order.

    Raises `InputError` when a path does not exist, before anything is recorded.
    """
    missing = [str(p) for p in paths if not Path(p).exists()]
    if missing:
        raise InputError(f"no such file or folder: {', '.join(missing)}")
    files: list[InputFile] = []
    ignored: list[str] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for child in _walk(path):
                if _is_zip_name(child.name):
                    files.extend(_zip_members(child, ignored))
                elif _is_pdf_name(child.name):
                    files.append(_disk_file(child))
                else:
                    ignored.append(str(child))
        elif _is_zip_name(path.name):
            files.extend(_zip_members(path, ignored))
        else:
            # Named explicitly: it enters whatever its name, and fails with a reason if unreadable.
            files.append(_disk_file(path))
    return Inputs(tuple(files), tuple(ignored))


def _walk(folder: Path) -> Iterator[Path]:
    """Regular files under `folder`, depth first, names sorted; symlinked folders are not followed."""
    try:
        entries = sorted(folder.iterdir(), key=lambda p: p.name)
    except OSError as exc:
        raise InputError(f"cannot read folder {folder}: {exc.strerror or exc}") from exc
    for entry in entries:
        if entry.is_dir() and not entry.is_symlink():
            yield from _walk(entry)
        elif entry.is_file():
            yield entry


def _is_pdf_name(name: str) -> bool:
    return name.lower().endswith(".pdf")


def _is_zip_name(name: str) -> bool:
    return name.lower().endswith(".zip")


def _disk_file(path: Path) -> InputFile:
    return InputFile(source_name=str(path), read=path.read_bytes)


def _zip_members(archive: Path, ignored: list[str]) -> list[InputFile]:
    """The PDF members of one archive, sorted by name; the archive is not extracted."""
    try:
        with zipfile.ZipFile(archive) as zf:
            infos = [i for i in zf.infolist() if not i.is_dir()]
    except (zipfile.BadZipFile, OSError) as exc:
        # Recorded as one failed file so the user sees it in the summary and in `documents`.
        return [
            InputFile(
                source_name=str(archive),
                read=archive.read_bytes,
                problem=f"not a readable zip archive ({exc}); re-create the archive or give the PDFs directly",
            )
        ]
    files: list[InputFile] = []
    for info in sorted(infos, key=lambda i: _member_name(i)):
        name = _member_name(info)
        label = f"{archive}{ZIP_SEPARATOR}{name}"
        if name.startswith("__MACOSX/") or not _is_pdf_name(name):
            ignored.append(label)  # macOS resource forks and non-PDF members are not documents
            continue
        files.append(_member_file(archive, info, label))
    return files


def _member_file(archive: Path, info: zipfile.ZipInfo, label: str) -> InputFile:
    def read() -> bytes:
        with zipfile.ZipFile(archive) as zf:
            return zf.read(info)

    problem = None
    if info.flag_bits & 0x1:
        problem = (
            "encrypted zip member: a password is required; extract it yourself and give the PDF directly"
        )
    elif info.file_size > MAX_MEMBER_BYTES:
        problem = (
            f"zip member too large to read in memory ({info.file_size} bytes > {MAX_MEMBER_BYTES}); "
            "extract it and give the PDF directly"
        )
    if problem is None:
        return InputFile(source_name=label, read=read)

    def read_raw() -> bytes:
        # The stored bytes of the member as they sit in the archive (still compressed or
        # encrypted): something to keep and hash, so two such members stay two records.
        with archive.open("rb") as fh:
            fh.seek(info.header_offset)
            header = fh.read(30)
            name_len = int.from_bytes(header[26:28], "little")
            extra_len = int.from_bytes(header[28:30], "little")
            fh.seek(info.header_offset + 30 + name_len + extra_len)
            return fh.read(min(info.compress_size, MAX_MEMBER_BYTES))

    return InputFile(source_name=label, read=read_raw, problem=problem)


def _member_name(info: zipfile.ZipInfo) -> str:
    """The member's name as its author wrote it.

    Archives made on Chinese Windows store GBK names without the UTF-8 flag; Python then
    decodes them as cp437 (mojibake). Undo that and try UTF-8, then GB18030.
    """
    if info.flag_bits & 0x800:
        return info.filename
    try:
        raw = info.filename.encode("cp437")
    except UnicodeEncodeError:
        return info.filename
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return info.filename
