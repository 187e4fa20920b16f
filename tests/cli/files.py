"""Small input files built in the test: plain PDFs and zip archives with awkward members."""

from __future__ import annotations

import io
import struct
import zipfile


def plain_pdf(text: str) -> bytes:
    """A valid one-page PDF without a performance table (distinct bytes per `text`)."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text=text)
    return bytes(pdf.output())


def zip_of(members: dict[str, bytes], *, deflate: bool = False) -> bytes:
    """An archive with these member names, exactly as given (`../x` and `/x` included);
    members stored as they are, or deflated."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=(2025, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED
            zf.writestr(info, data)
    return buf.getvalue()


def gbk_named_zip(name: str, data: bytes) -> bytes:
    """An archive as Chinese Windows makes it: the member name in GBK, no UTF-8 flag."""
    encoded = name.encode("gbk")
    placeholder = "x" * len(encoded)
    raw = zip_of({placeholder: data})
    assert raw.count(placeholder.encode()) == 2  # local header and central directory
    return raw.replace(placeholder.encode(), encoded)


def encrypted_member_zip(name: str, data: bytes) -> bytes:
    """An archive whose member claims traditional zip encryption (flag bit 0 set)."""
    raw = bytearray(zip_of({name: data}))
    local = raw.find(b"PK\x03\x04")
    central = raw.find(b"PK\x01\x02")
    raw[local + 6] |= 0x01  # general purpose flags of the local header
    raw[central + 8] |= 0x01  # ... and of the central directory entry
    return bytes(raw)


def _with_central_directory(raw: bytes, central: bytes, entries: int) -> bytes:
    """`raw` (a one-archive zip) with its central directory replaced by `central`."""
    start = raw.find(b"PK\x01\x02")
    end_record = bytearray(raw[raw.find(b"PK\x05\x06") :])
    struct.pack_into("<HHII", end_record, 8, entries, entries, len(central), start)
    return raw[:start] + central + bytes(end_record)


def overlapping_zip(data: bytes, copies: int = 3) -> bytes:
    """Several directory entries (`a0.pdf`, `a1.pdf`, …) all pointing at one member's bytes."""
    raw = zip_of({"a0.pdf": data})
    central = raw[raw.find(b"PK\x01\x02") : raw.find(b"PK\x05\x06")]
    entries = b"".join(central.replace(b"a0.pdf", f"a{i}.pdf".encode()) for i in range(copies))
    return _with_central_directory(raw, entries, copies)


def size_lying_zip(name: str, data: bytes, declared: int) -> bytes:
    """A one-member archive whose headers claim the member expands to `declared` bytes."""
    raw = bytearray(zip_of({name: data}, deflate=True))
    local = raw.find(b"PK\x03\x04")
    central = raw.find(b"PK\x01\x02")
    assert struct.unpack_from("<I", raw, local + 22)[0] == len(data)
    struct.pack_into("<I", raw, local + 22, declared)  # uncompressed size, local header
    struct.pack_into("<I", raw, central + 24, declared)  # ... and central directory
    return bytes(raw)


def raw_named_zip(raw_name: bytes, data: bytes, *, utf8_flag: bool = False) -> bytes:
    """A one-member archive whose name is these exact bytes (any encoding, or none)."""
    placeholder = "x" * len(raw_name)
    raw = bytearray(zip_of({placeholder: data}))
    assert raw.count(placeholder.encode()) == 2
    raw = bytearray(bytes(raw).replace(placeholder.encode(), raw_name))
    if utf8_flag:
        raw[raw.find(b"PK\x03\x04") + 7] |= 0x08  # bit 11 of the general purpose flags
        raw[raw.find(b"PK\x01\x02") + 9] |= 0x08
    return bytes(raw)
