"""What makes an uploaded scan acceptable: real content of a known type, complete, within limits."""

from __future__ import annotations

from dataclasses import dataclass

from domain.errors import ScanRejected

# How much of the start and end of a file is enough to recognise and sanity-check it.
HEAD_BYTES = 16
TAIL_BYTES = 1024


@dataclass(frozen=True)
class ScanType:
    content_type: str
    extension: str


PDF = ScanType("application/pdf", "pdf")
JPEG = ScanType("image/jpeg", "jpg")
PNG = ScanType("image/png", "png")
TIFF = ScanType("image/tiff", "tif")

EXTENSIONS = {".pdf": PDF, ".jpg": JPEG, ".jpeg": JPEG, ".png": PNG, ".tif": TIFF, ".tiff": TIFF}


def sniff(head: bytes) -> ScanType | None:
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return TIFF
    return None


def _complete(kind: ScanType, tail: bytes) -> bool:
    if kind is PDF:
        return b"%%EOF" in tail
    if kind is JPEG:
        return tail.rstrip(b"\x00").endswith(b"\xff\xd9")
    if kind is PNG:
        return tail.endswith(b"IEND\xaeB`\x82")
    return True  # TIFF has no trailer; the header and size checks are what we have


def inspect_scan(name: str, size: int, head: bytes, tail: bytes, max_bytes: int, what: str = "scan") -> ScanType:
    """Check size, type by magic bytes (not by name) and completeness; return the type.
    `what` names the file to the person: a scan or a remittance slip."""
    if size == 0:
        raise ScanRejected(f"{what} {name} is empty")
    if size > max_bytes:
        raise ScanRejected(f"{what} {name} is {size:,} bytes; the limit is {max_bytes:,}")
    kind = sniff(head)
    if kind is None:
        raise ScanRejected(f"{what} {name} is not a PDF, JPEG, PNG or TIFF file (by its content)")
    claimed = next((t for ext, t in EXTENSIONS.items() if name.lower().endswith(ext)), None)
    if claimed is not None and claimed is not kind:
        raise ScanRejected(f"{what} {name} is named as {claimed.extension} but its content is {kind.extension}")
    if not _complete(kind, tail):
        raise ScanRejected(f"{what} {name} is truncated: its {kind.extension.upper()} end marker is missing")
    return kind


def file_key(partner: str, number: str, what: str, version: int, kind: ScanType) -> str:
    """orders/<partner>/<number>/scan-v2.pdf, or slip-v1.jpg: versions never overwrite each other."""
    return f"orders/{partner}/{number}/{what}-v{version}.{kind.extension}"
