"""Small input files built in the test: plain PDFs and zip archives with awkward members."""

from __future__ import annotations

import io
import zipfile


def plain_pdf(text: str) -> bytes:
    """A valid one-page PDF without a performance table (distinct bytes per `text`)."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text=text)
    return bytes(pdf.output())


def zip_of(members: dict[str, bytes]) -> bytes:
    """An archive with these member names, exactly as given (`../x` and `/x` included)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(zipfile.ZipInfo(name, date_time=(2025, 1, 1, 0, 0, 0)), data)
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
