"""Unreadable files fail with a reason a person can act on."""

from __future__ import annotations

import io
import zipfile

import pytest

from pipeline.errors import DamagedPdfError, EmptyFileError, EncryptedPdfError, NotAPdfError, PermanentError
from pipeline.extract.pdf import open_pdf

MINIMAL = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def test_minimal_pdf_opens() -> None:
    pdf = open_pdf(MINIMAL)
    assert len(pdf) == 1
    pdf.close()


def zipped() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("a.txt", "x")
    return buf.getvalue()


@pytest.mark.parametrize(
    ("data", "error", "words"),
    [
        (b"", EmptyFileError, "empty file"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 100, NotAPdfError, "PNG"),
        (b"\xff\xd8\xff\xe0" + b"\0" * 100, NotAPdfError, "JPEG"),
        (zipped(), NotAPdfError, "ZIP"),
        (b"hello world", NotAPdfError, "not a PDF"),
        (MINIMAL[: len(MINIMAL) // 2], DamagedPdfError, "truncated"),
        (b"%PDF-1.4\ngarbage garbage\n%%EOF\n", DamagedPdfError, "damaged"),
        (b"%PDF-1.7\n<!DOCTYPE html><html><body>Session expired</body></html>", NotAPdfError, "HTML page"),
    ],
    ids=["empty", "png", "jpeg", "zip", "text", "truncated", "garbage", "html-behind-header"],
)
def test_bad_bytes_raise_permanent_errors(data: bytes, error: type[PermanentError], words: str) -> None:
    with pytest.raises(error) as info:
        open_pdf(data)
    assert words in str(info.value)
    assert info.value.retryable is False


def test_a_file_that_is_not_a_pdf_does_not_have_its_bytes_shown() -> None:
    with pytest.raises(NotAPdfError) as info:
        open_pdf(b"root:x:0:0:root:/root:/bin/bash\n")
    assert "root" not in str(info.value)


def test_encrypted_pdf_asks_for_a_password() -> None:
    import pypdf

    writer = pypdf.PdfWriter()
    writer.add_blank_page(200, 200)
    writer.encrypt(user_password="secret", owner_password="owner")
    buf = io.BytesIO()
    writer.write(buf)
    with pytest.raises(EncryptedPdfError, match="password is required"):
        open_pdf(buf.getvalue())
