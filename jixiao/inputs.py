"""Turn the paths a user typed into the list of files that enter a batch.

Folders are walked recursively in sorted order so two runs over the same tree
see the same sequence. Only regular files are read: symbolic links (in folders and on
the command line) are not followed, and FIFOs, sockets and devices are not opened; each
is listed in `Inputs.skipped` with the reason. A file name is bytes until it becomes a
label (`source_name`): UTF-8, else GBK/GB18030 (Chinese Windows), else backslash escapes.

`.zip` archives are read in place, each opened once, each member streamed: a member's name
is only ever a label, never a path on disk, so `../evil.pdf` cannot write anywhere. An
archive with too many entries, one that expands too far, or one whose entries overlap (a
zip bomb) enters as one failed file with the reason (`Limits`). A file named `.pdf` enters
the batch whatever it holds; the pipeline then says why it is not a readable PDF.
"""

from __future__ import annotations

import errno
import io
import os
import re
import stat
import zipfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, cast

from worker.receive import NotReceived

MIB = 1 << 20
ZIP_SEPARATOR = "!"  # source_name of a member: "<archive path>!<member name>"


@dataclass(frozen=True)
class Limits:
    """How much one file, and one archive, may hold before it is refused."""

    max_file_bytes: int = 512 * MIB  # any file or zip member, as read (JIXIAO_MAX_FILE_MB)
    max_zip_entries: int = 50_000  # entries in one archive's central directory
    max_zip_expanded: int = 16 << 30  # the PDF members of one archive, expanded, all together
    max_zip_ratio: int = 100  # expanded / compressed size of one member ...
    ratio_floor: int = 1 * MIB  # ... once it expands to more than this


DEFAULT_LIMITS = Limits()


class InputError(Exception):
    """A path the batch cannot start with (missing, unreadable): the whole command stops."""


@dataclass(frozen=True)
class InputFile:
    """One file that enters the batch (a `worker.receive.Incoming`).

    `open()` returns a binary stream of its bytes, read up to the size limit; `problem` is
    set when the bytes could not be had in a usable form (an encrypted zip member, an
    unreadable archive): the file is still recorded, as failed with that reason, so nothing
    the user gave disappears silently. Made by hand (tests), `read` gives the bytes instead.
    """

    source_name: str
    read: Callable[[], bytes] | None = None
    problem: str | None = None
    opener: Callable[[], BinaryIO] | None = field(default=None, repr=False, compare=False)

    def open(self) -> BinaryIO:
        if self.opener is not None:
            return self.opener()
        if self.read is None:
            raise ValueError(f"{self.source_name}: neither an opener nor read")
        return io.BytesIO(self.read())

    def content(self) -> bytes:
        """All its bytes (small files: tests, tools)."""
        with self.open() as fh:
            return fh.read()


@dataclass(frozen=True)
class Inputs:
    files: tuple[InputFile, ...]
    ignored: tuple[str, ...]  # files inside folders/archives that do not look like documents
    skipped: tuple[tuple[str, str], ...] = ()  # (label, reason): links and special files, never read


def collect(paths: Sequence[str | Path], limits: Limits = DEFAULT_LIMITS) -> Inputs:
    """Every document the given paths name, in a deterministic order.

    Raises `InputError` when a path does not exist, before anything is recorded. A path
    given with a trailing slash (`link/`) is the folder a symbolic link points to.
    """
    modes: list[int] = []
    missing: list[str] = []
    for raw in paths:
        try:
            modes.append(os.lstat(raw).st_mode)
        except (FileNotFoundError, NotADirectoryError):
            missing.append(label(raw))
        except OSError as exc:
            raise InputError(f"cannot read {label(raw)}: {exc.strerror or exc}") from exc
    if missing:
        raise InputError(f"no such file or folder: {', '.join(missing)}")
    files: list[InputFile] = []
    ignored: list[str] = []
    skipped: list[tuple[str, str]] = []
    for raw, mode in zip(paths, modes, strict=True):
        path = Path(raw)
        if stat.S_ISDIR(mode):
            for child in _walk(path, skipped):
                if _is_zip_name(child.name):
                    files.extend(_zip_members(child, limits, ignored))
                elif _is_pdf_name(child.name):
                    files.append(_disk_file(child, limits))
                else:
                    ignored.append(label(child))
        elif not stat.S_ISREG(mode):
            skipped.append((label(path), _not_regular(mode)))
        elif _is_zip_name(path.name):
            files.extend(_zip_members(path, limits, ignored))
        else:
            # Named explicitly: it enters whatever its name, and fails with a reason if unreadable.
            files.append(_disk_file(path, limits))
    return Inputs(tuple(files), tuple(ignored), tuple(skipped))


def _walk(folder: Path, skipped: list[tuple[str, str]], *, top: bool = True) -> Iterator[Path]:
    """Regular files under `folder`, depth first, names sorted; links and special files skipped.

    A folder given that cannot be listed stops everything (`InputError`); one found inside it
    is skipped with the reason, and the walk goes on.
    """
    try:
        with os.scandir(folder) as it:
            entries = sorted(it, key=lambda e: os.fsencode(e.name))
    except OSError as exc:
        if top:
            raise InputError(f"cannot read folder {label(folder)}: {exc.strerror or exc}") from exc
        skipped.append((label(folder), f"cannot read the folder: {exc.strerror or exc}"))
        return
    for entry in entries:
        path = folder / entry.name
        try:
            mode = entry.stat(follow_symlinks=False).st_mode
        except OSError as exc:
            skipped.append((label(path), f"cannot read: {exc.strerror or exc}"))
            continue
        if stat.S_ISDIR(mode):
            yield from _walk(path, skipped, top=False)
        elif stat.S_ISREG(mode):
            yield path
        else:
            skipped.append((label(path), _not_regular(mode)))


def _not_regular(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "symbolic link, not followed (name the file it points to instead)"
    kinds = {
        stat.S_ISFIFO: "a FIFO",
        stat.S_ISSOCK: "a socket",
        stat.S_ISCHR: "a character device",
        stat.S_ISBLK: "a block device",
        stat.S_ISDIR: "a folder",
    }
    kind = next((name for test, name in kinds.items() if test(mode)), "not a file")
    return f"not a regular file ({kind}); only regular files are read"


def _is_pdf_name(name: str) -> bool:
    return name.lower().endswith(".pdf")


def _is_zip_name(name: str) -> bool:
    return name.lower().endswith(".zip")


# --------------------------------------------------------------------------- labels

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def label(path: str | bytes | os.PathLike[str] | os.PathLike[bytes]) -> str:
    """A path as a person reads it: each component decoded by `decode_name`.

    A path the OS gave us may hold bytes that are not UTF-8 (Python carries them as lone
    surrogates, which no database accepts); the label never does.
    """
    return "/".join(decode_name(part) for part in os.fsencode(path).split(b"/"))


def decode_name(raw: bytes) -> str:
    """UTF-8 if it is, else GB18030 (a superset of GBK) if it is, else backslash escapes
    (`\\xff`); control characters are escaped too, so a label is one printable line."""
    for encoding in ("utf-8", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        text = raw.decode("utf-8", "backslashreplace")
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


# --------------------------------------------------------------------------- reading files


def _too_large(limit: int, size: int | None = None) -> str:
    got = f"{size / MIB:.1f} MiB" if size is not None else "more"
    return (
        f"file too large: {got}, the limit is {limit / MIB:g} MiB (JIXIAO_MAX_FILE_MB); not kept or recorded"
    )


def _open_regular(path: Path) -> tuple[BinaryIO, int]:
    """The file at `path` opened for reading if it is a regular file, and its size.

    Never follows a symbolic link in the last component and never blocks on a FIFO: the
    kind is checked on the open descriptor, so a file swapped since the walk is refused too.
    """
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise NotReceived(_not_regular(stat.S_IFLNK)) from None
        raise
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise NotReceived(_not_regular(st.st_mode))
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb"), st.st_size
    except BaseException:
        os.close(fd)
        raise


def uploaded(parts: Sequence[tuple[str, Path]], limits: Limits = DEFAULT_LIMITS) -> Inputs:
    """The documents of an HTTP upload: (name the client sent, where its bytes wait on disk).

    The name is only a label (`source_name`), never a path: the bytes wait in files the server
    named. A `.zip` gives its PDF members (`name!member`), like `collect`; any other name enters
    as a document whatever it holds, as a file named on the command line does.
    """
    files: list[InputFile] = []
    ignored: list[str] = []
    for name, path in parts:
        if _is_zip_name(name):
            files.extend(_zip_members(path, limits, ignored, shown=name))
        else:
            files.append(_disk_file(path, limits, shown=name))
    return Inputs(tuple(files), tuple(ignored))


def _disk_file(path: Path, limits: Limits, problem: str | None = None, shown: str | None = None) -> InputFile:
    def opener() -> BinaryIO:
        fh, size = _open_regular(path)
        if size > limits.max_file_bytes:
            fh.close()
            raise NotReceived(_too_large(limits.max_file_bytes, size))
        return _limited(fh, limits.max_file_bytes, _too_large(limits.max_file_bytes))

    return InputFile(source_name=shown or label(path), opener=opener, problem=problem)


class _Limited(io.RawIOBase):
    """Reads `inner` and refuses (`NotReceived`) once more than `limit` bytes came out.

    `errors` raised by `inner` become `NotReceived` with `prefix` and their text;
    `on_close` runs once, when the stream is closed.
    """

    def __init__(
        self,
        inner: BinaryIO,
        limit: int,
        too_large: str,
        errors: tuple[type[BaseException], ...] = (),
        prefix: str = "",
        on_close: Callable[[], None] | None = None,
    ) -> None:
        super().__init__()
        self._inner, self._limit, self._too_large = inner, limit, too_large
        self._errors, self._prefix, self._on_close = errors, prefix, on_close
        self._count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        view = memoryview(buffer).cast("B")[: self._limit + 1 - self._count]
        try:
            data = self._inner.read(len(view))
        except self._errors as exc:
            raise NotReceived(f"{self._prefix}{exc}") from exc
        view[: len(data)] = data
        self._count += len(data)
        if self._count > self._limit:
            raise NotReceived(self._too_large)
        return len(data)

    def close(self) -> None:
        if not self.closed:
            try:
                self._inner.close()
            finally:
                if self._on_close is not None:
                    self._on_close()
        super().close()


def _limited(inner: BinaryIO, limit: int, too_large: str, **kwargs: object) -> BinaryIO:
    return cast(BinaryIO, _Limited(inner, limit, too_large, **kwargs))  # type: ignore[arg-type]


# --------------------------------------------------------------------------- zip archives

_METHODS = {zipfile.ZIP_BZIP2: "bzip2", zipfile.ZIP_LZMA: "LZMA", 9: "Deflate64"}
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, ValueError, NotImplementedError)
_DAMAGED = "damaged zip member: "


def _zip_members(
    archive: Path, limits: Limits, ignored: list[str], shown: str | None = None
) -> list[InputFile]:
    """The PDF members of one archive, sorted by name; the archive is not extracted. `shown`:
    the archive's label when it is not its path (an upload)."""
    archive_label = shown or label(archive)
    try:
        fh, _size = _open_regular(archive)
        with fh:
            declared = _declared_entries(fh)  # before the directory is parsed: it may be huge
            if declared is not None and declared > limits.max_zip_entries:
                return [
                    _disk_file(
                        archive,
                        limits,
                        shown=shown,
                        problem=f"zip archive refused: {_too_many(declared, limits)}",
                    )
                ]
            with zipfile.ZipFile(fh) as zf:
                infos = zf.infolist()
    except NotReceived as exc:
        return [
            _disk_file(archive, limits, shown=shown, problem=str(exc))
        ]  # swapped since the walk: opening says why
    except (*_ZIP_ERRORS, OSError, KeyError, IndexError) as exc:
        # Recorded as one failed file so the user sees it in the summary and in `documents`.
        reason = f"not a readable zip archive ({exc}); re-create the archive or give the PDFs directly"
        return [_disk_file(archive, limits, shown=shown, problem=reason)]
    problem = _archive_problem(infos, limits)
    if problem is not None:
        return [_disk_file(archive, limits, shown=shown, problem=f"zip archive refused: {problem}")]
    members: list[tuple[str, zipfile.ZipInfo]] = []
    for info in infos:
        if info.is_dir():
            continue
        name = _member_name(info)
        if name.startswith("__MACOSX/") or not _is_pdf_name(name):
            ignored.append(f"{archive_label}{ZIP_SEPARATOR}{name}")  # resource forks, non-PDF members
        else:
            members.append((name, info))
    members.sort(key=lambda m: m[0])
    shared = _Archive(archive, len(members), limits)
    return [
        _member_file(shared, info, f"{archive_label}{ZIP_SEPARATOR}{name}", limits) for name, info in members
    ]


def _archive_problem(infos: list[zipfile.ZipInfo], limits: Limits) -> str | None:
    """Why the whole archive is refused (too many entries, too large expanded, overlapping
    entries), or None. Decided from the central directory alone, before any member is read."""
    if len(infos) > limits.max_zip_entries:
        return _too_many(len(infos), limits)
    expanded = sum(i.file_size for i in infos if not i.is_dir() and _is_pdf_name(i.filename))
    if expanded > limits.max_zip_expanded:
        return (
            f"its PDFs expand to {expanded / MIB:.0f} MiB, more than the limit of "
            f"{limits.max_zip_expanded / MIB:.0f} MiB; split it into smaller archives"
        )
    # Each entry's local header and data must end before the next entry begins: entries that
    # share bytes are how a small archive claims to expand without bound (an overlapping zip bomb).
    spans = sorted(
        (i.header_offset, i.header_offset + 30 + _raw_name_length(i) + i.compress_size) for i in infos
    )
    for (_start, end), (next_start, _next_end) in zip(spans, spans[1:], strict=False):
        if next_start < end:
            return "entries overlap (several names share the same bytes, as in a zip bomb)"
    return None


def _too_many(entries: int, limits: Limits) -> str:
    return (
        f"{entries} entries, more than the limit of {limits.max_zip_entries}; split it into smaller archives"
    )


def _declared_entries(fh: BinaryIO) -> int | None:
    """The number of entries the end-of-central-directory record declares (ZIP64 included),
    read from the archive's tail; None where there is no such record (zipfile then says why)."""
    size = fh.seek(0, os.SEEK_END)
    tail_length = min(size, 22 + 0xFFFF)  # the record, and a comment of at most 64 KiB
    fh.seek(size - tail_length)
    tail = fh.read(tail_length)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or at + 22 > len(tail):
        return None
    entries = int.from_bytes(tail[at + 10 : at + 12], "little")
    if entries == 0xFFFF and at >= 20 and tail[at - 20 : at - 16] == b"PK\x06\x07":  # ZIP64 locator
        fh.seek(int.from_bytes(tail[at - 12 : at - 4], "little"))
        record = fh.read(40)
        if record[:4] == b"PK\x06\x06":
            entries = int.from_bytes(record[32:40], "little")
    return entries


def _raw_name_length(info: zipfile.ZipInfo) -> int:
    try:
        return len(info.orig_filename.encode("utf-8" if info.flag_bits & 0x800 else "cp437"))
    except UnicodeEncodeError:
        return 0


class _Archive:
    """One archive, opened once for all its members (on the first read) and closed after the
    last: reading N members costs one pass over the central directory, not N."""

    def __init__(self, path: Path, members: int, limits: Limits) -> None:
        self.path = path
        self._left = members
        self._limits = limits
        self._fh: BinaryIO | None = None
        self._zf: zipfile.ZipFile | None = None

    def open(self, info: zipfile.ZipInfo) -> BinaryIO:
        if self._zf is None:
            self._fh, _size = _open_regular(self.path)
            try:
                declared = _declared_entries(self._fh)  # replaced since it was listed?
                if declared is not None and declared > self._limits.max_zip_entries:
                    raise NotReceived(f"zip archive refused: {_too_many(declared, self._limits)}")
                self._zf = zipfile.ZipFile(self._fh)
            except BaseException:
                self._fh.close()
                self._fh = None
                raise
        return cast(BinaryIO, self._zf.open(info))

    def member_done(self) -> None:
        self._left -= 1
        if self._left <= 0:
            self.close()

    def close(self) -> None:
        if self._zf is not None:
            self._zf.close()
            self._zf = None
        if self._fh is not None:
            self._fh.close()
            self._fh = None


def _member_file(archive: _Archive, info: zipfile.ZipInfo, name: str, limits: Limits) -> InputFile:
    limit = limits.max_file_bytes

    def opener() -> BinaryIO:
        try:
            inner = archive.open(info)
        except _ZIP_ERRORS as exc:
            archive.member_done()
            raise NotReceived(f"{_DAMAGED}{exc}") from exc
        except BaseException:
            archive.member_done()
            raise
        return _limited(
            inner, limit, _too_large(limit), errors=_ZIP_ERRORS, prefix=_DAMAGED, on_close=archive.member_done
        )

    problem = None
    if info.flag_bits & 0x1:
        problem = (
            "encrypted zip member: a password is required; extract it yourself and give the PDF directly"
        )
    elif info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        # bzip2 and LZMA expand a read of any size at once, however much it makes: not streamed
        method = _METHODS.get(info.compress_type, f"method {info.compress_type}")
        problem = (
            f"zip member compressed with {method}, which is not read (only stored or deflated members "
            "are); extract it and give the PDF directly"
        )
    elif info.file_size > limit:
        problem = (
            f"zip member too large ({info.file_size / MIB:.1f} MiB expanded, the limit is "
            f"{limit / MIB:g} MiB: JIXIAO_MAX_FILE_MB); extract it and give the PDF directly"
        )
    elif info.file_size > limits.ratio_floor and info.file_size > limits.max_zip_ratio * max(
        info.compress_size, 1
    ):
        problem = (
            f"zip member refused: it expands {info.file_size / max(info.compress_size, 1):.0f}-fold "
            f"(to {info.file_size / MIB:.1f} MiB), more than the limit of {limits.max_zip_ratio}-fold "
            "(a zip bomb?); extract it yourself if it is genuine"
        )
    if problem is None:
        return InputFile(source_name=name, opener=opener)
    archive.member_done()  # never opened through the shared archive

    def open_raw() -> BinaryIO:
        # The stored bytes of the member as they sit in the archive (still compressed or
        # encrypted): something to keep and hash, so two such members stay two records.
        fh, _size = _open_regular(archive.path)
        try:
            fh.seek(info.header_offset)
            header = fh.read(30)
            if len(header) < 30 or header[:4] != b"PK\x03\x04":
                raise NotReceived(f"{_DAMAGED}no local header where the directory says")
            name_len = int.from_bytes(header[26:28], "little")
            extra_len = int.from_bytes(header[28:30], "little")
            fh.seek(info.header_offset + 30 + name_len + extra_len)
        except BaseException:
            fh.close()
            raise
        return _limited(cast(BinaryIO, _Window(fh, info.compress_size)), limit, _too_large(limit))

    return InputFile(source_name=name, opener=open_raw, problem=problem)


class _Window(io.RawIOBase):
    """The next `length` bytes of `fh`, then the end; closing it closes `fh`."""

    def __init__(self, fh: BinaryIO, length: int) -> None:
        super().__init__()
        self._fh, self._left = fh, length

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        view = memoryview(buffer).cast("B")[: self._left]
        data = self._fh.read(len(view)) if len(view) else b""
        view[: len(data)] = data
        self._left -= len(data)
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._fh.close()
        super().close()


def _member_name(info: zipfile.ZipInfo) -> str:
    """The member's name as its author wrote it, as a label.

    Archives made on Chinese Windows store GBK names without the UTF-8 flag; Python then
    decodes them as cp437 (mojibake). Undo that and try UTF-8, then GB18030, else escape.
    """
    name = info.orig_filename
    if info.flag_bits & 0x800:
        return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", name)
    try:
        raw = name.encode("cp437")
    except UnicodeEncodeError:
        return decode_name(os.fsencode(name))
    return decode_name(raw)
