"""Open PDF bytes with pdfium, turning every way a file can be unreadable into a clear error.

pdfium (like MuPDF) silently repairs a truncated file, so the end-of-file marker is checked
first: a cut download must fail loudly rather than lose its last pages.
"""

from __future__ import annotations

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from pipeline.errors import (
    DamagedPdfError,
    EmptyFileError,
    EncryptedPdfError,
    NotAPdfError,
)

_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"PK\x03\x04", "a ZIP archive (or an Office document)"),
    (b"\xd0\xcf\x11\xe0", "an old Office document (doc/xls)"),
    (b"{\\rtf", "an RTF document"),
    (b"<html", "an HTML page"),
    (b"<!DOCTYPE", "an HTML page"),
)


def sniff(data: bytes) -> None:
    """Raise a `BadInputError` when the bytes cannot be a whole PDF."""
    if not data:
        raise EmptyFileError("empty file (0 bytes): nothing to read; re-export or re-copy the PDF")
    head = data[:1024]
    kind = next((name for sig, name in _SIGNATURES if head.lstrip().startswith(sig)), None)
    if kind is not None:
        raise NotAPdfError(f"not a PDF: it is {kind}; only PDF files can be read")
    if b"%PDF-" not in head:
        # its bytes are not shown: the file may be anything (a key, a password file)
        raise NotAPdfError("not a PDF: it does not start with %PDF-; only PDF files can be read")
    if _looks_like_html(data[:8192]):
        raise NotAPdfError(
            "not a PDF: an HTML page behind a %PDF- header (a web server's error or login page "
            "saved as .pdf?); download the file again"
        )
    if b"%%EOF" not in data[-2048:]:
        raise DamagedPdfError(
            f"truncated PDF: the file ({len(data)} bytes) ends before its end-of-file marker; "
            "the download or copy was probably cut short"
        )


def _looks_like_html(head: bytes) -> bool:
    """HTML markup and no PDF object in the first bytes."""
    lowered = head.lower()
    return (b"<html" in lowered or b"<!doctype html" in lowered) and b" obj" not in head


def open_pdf(data: bytes) -> pdfium.PdfDocument:
    """Sniff, then open; encrypted and corrupt files raise permanent errors."""
    sniff(data)
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        code = getattr(exc, "err_code", None)
        if code == pdfium_c.FPDF_ERR_PASSWORD:
            raise EncryptedPdfError("encrypted PDF: a password is required to open it") from exc
        if code == pdfium_c.FPDF_ERR_SECURITY:
            raise EncryptedPdfError("encrypted PDF: unsupported security handler") from exc
        raise DamagedPdfError(f"damaged PDF: pdfium cannot open it ({exc})") from exc
