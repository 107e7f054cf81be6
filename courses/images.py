"""Checking course images by their content, not their file name."""

from __future__ import annotations

import io

FORMATS = {"PNG": (".png",), "JPEG": (".jpg", ".jpeg"), "WEBP": (".webp",)}
MAX_BYTES = 2 * 1024 * 1024
MAX_SIDE = 4000


class ImageProblem(ValueError):
    pass


def check_image(name: str, data: bytes) -> tuple[str, int, int]:
    """(format, width, height) of a PNG, JPEG or WebP image; ImageProblem otherwise."""
    if len(data) > MAX_BYTES:
        raise ImageProblem("Gambar lebih dari 2 MB; perkecil dulu ukurannya.")
    # Imported here: only authors' uploads and course checks need Pillow, not a web worker's
    # every request (it costs several MB of resident memory).
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
            kind, (width, height) = image.format or "", image.size
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ImageProblem("Berkas ini bukan gambar PNG, JPEG atau WebP yang utuh.") from exc
    if kind not in FORMATS:
        raise ImageProblem("Hanya gambar PNG, JPEG atau WebP yang diterima.")
    if not name.lower().endswith(FORMATS[kind]):
        raise ImageProblem(f"Isi berkas adalah {kind}, tetapi namanya berakhiran lain.")
    if width > MAX_SIDE or height > MAX_SIDE:
        raise ImageProblem(
            f"Gambar terlalu besar ({width}×{height}); maksimal {MAX_SIDE} piksel per sisi."
        )
    return kind, width, height
