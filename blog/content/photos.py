"""The photo pipeline: check the real type, refuse bombs, orient, strip metadata, store web sizes.

Only pixels leave this module: every stored file is re-encoded from a fresh
image that never carried the upload's EXIF (GPS included), XMP, IPTC, ICC or
comment blocks. The original upload is never written to disk.
"""

from __future__ import annotations

import io
import os
import re
import secrets
import warnings
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from PIL import Image, ImageCms, ImageFile, ImageOps, UnidentifiedImageError

from blog.models import Media

# Pillow's name → the type we record; no other decoder is even tried (a FITS
# decompression bomb hit Pillow 10.3–12.1.1 through a format nobody meant to accept).
ACCEPTED_FORMATS = {
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "WEBP": "image/webp",
    "GIF": "image/gif",
}
# Declared width × height. A 48-megapixel phone photo fits; a tiny file
# declaring 100,000 × 100,000 pixels is refused before a byte is decoded.
MAX_PIXELS = 50_000_000
# What decoding may cost: pixels × bytes a pixel takes in the file (16-bit samples
# count twice). A full-size RGB photo fits; a 16-bit RGBA poster of the same
# size would cost several hundred MB for a 143 KB upload.
MAX_DECODED_BYTES = 160 * 1024 * 1024
DEFAULT_MAX_UPLOAD_BYTES = 15 * 1024 * 1024
VARIANT_WIDTHS = (480, 960, 1600)
# Very tall images (a phone screenshot of a whole thread) are capped by height too.
MAX_VARIANT_HEIGHT = 3200
VARIANT_TYPE = "image/webp"
VARIANT_SUFFIX = ".webp"
WEBP_QUALITY = 80
# Measured on a 1600 px photo: method 3 makes files within 1 % of method 4's in
# about 60 % of the time; 6 gains another 1 % for three times the time.
WEBP_METHOD = 3
ORIENTATION_TAG = 0x0112
# <storage key>-<width>.webp; the key is secrets.token_urlsafe(18): 24 characters.
FILE_NAME = re.compile(r"^[A-Za-z0-9_-]{24}-[0-9]{1,5}\.webp$")

Image.MAX_IMAGE_PIXELS = MAX_PIXELS
# Pillow only warns between 1× and 2× the limit; a warning would let the bomb through.
warnings.simplefilter("error", Image.DecompressionBombWarning)

_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
_DAMAGED = (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError, KeyError)


class ImageRefused(Exception):
    """The upload is not an image we accept; the message says why, for the uploader."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True, kw_only=True)
class Variant:
    """One encoded web size of a photo, before it is stored."""

    width: int
    height: int
    data: bytes


@dataclass(frozen=True, slots=True, kw_only=True)
class CleanImage:
    """A checked upload: its real type, oriented size, and metadata-free web sizes."""

    content_type: str
    width: int
    height: int
    variants: list[Variant]


def max_upload_bytes() -> int:
    """The largest upload accepted, from MAX_UPLOAD_BYTES."""
    return int(current_app.config.get("MAX_UPLOAD_BYTES") or DEFAULT_MAX_UPLOAD_BYTES)


def media_root() -> Path:
    """Where photo files live: MEDIA_ROOT, or media/ in the instance folder."""
    configured = current_app.config.get("MEDIA_ROOT")
    return Path(configured) if configured else Path(current_app.instance_path) / "media"


def read_upload(stream, limit: int) -> bytes:
    """Read an uploaded file, refusing it as soon as it passes limit bytes."""
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise ImageRefused(
            f"The file is too large: at most {limit // (1024 * 1024)} MB. "
            "Send a smaller photo or one in a lower resolution."
        )
    if not data:
        raise ImageRefused("The file is empty: choose a photo to upload.")
    return data


def clean_image(data: bytes) -> CleanImage:
    """Check an upload's real type and size, orient it, and encode metadata-free web sizes."""
    im = _open(data)
    if im.format not in ACCEPTED_FORMATS:  # Image.open names the format it read; never None
        raise ImageRefused(_unsupported(data))
    content_type = ACCEPTED_FORMATS[im.format]
    width, height = _oriented_size(im)
    try:
        variants = _encode_variants(_largest_clean(im, variant_sizes(width, height)[-1]))
    except Image.DecompressionBombError as exc:
        raise ImageRefused(_too_many_pixels()) from exc
    except _DAMAGED as exc:
        raise ImageRefused("The image is damaged or incomplete; try sending it again.") from exc
    return CleanImage(content_type=content_type, width=width, height=height, variants=variants)


def _open(data: bytes) -> Image.Image:
    try:
        im = Image.open(io.BytesIO(data), formats=list(ACCEPTED_FORMATS))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageRefused(_too_many_pixels()) from exc
    except UnidentifiedImageError as exc:
        raise ImageRefused(_unsupported(data)) from exc
    except _DAMAGED as exc:
        raise ImageRefused("The image is damaged or incomplete; try sending it again.") from exc
    # Checked here as well, so the limit holds whatever the warnings filters say.
    if im.width * im.height > MAX_PIXELS:
        raise ImageRefused(_too_many_pixels())
    if decoded_bytes(im) > MAX_DECODED_BYTES:
        raise ImageRefused(
            f"The image is too large once decoded: at most {MAX_DECODED_BYTES // 2**20} MB "
            "(width × height × bytes per pixel). Send it smaller, or as an 8-bit JPEG or PNG."
        )
    return im


def decoded_bytes(im: ImageFile.ImageFile) -> int:
    """The memory decoding takes, from the header alone: pixels × bands × bytes per sample."""
    rawmodes = [str(tile.args) for tile in im.tile]
    sample_bytes = 2 if any(";16" in mode for mode in rawmodes) else 1
    return im.width * im.height * len(im.getbands()) * sample_bytes


def _too_many_pixels() -> str:
    return (
        f"The image has too many pixels: at most {MAX_PIXELS // 1_000_000} megapixels. "
        "Send it in a lower resolution."
    )


def _unsupported(data: bytes) -> str:
    head = data[:1024].lstrip().lower()
    if head.startswith((b"<svg", b"<?xml")) and b"<svg" in data[:4096].lower():
        return "SVG images are not accepted (they can carry scripts); export the picture as PNG."
    return "This is not a JPEG, PNG, WebP or GIF image; only those are accepted."


def _oriented_size(im: Image.Image) -> tuple[int, int]:
    """Width and height as the camera was held (EXIF orientations 5–8 turn the picture)."""
    return (im.height, im.width) if _is_turned(im) else (im.width, im.height)


def _is_turned(im: Image.Image) -> bool:
    return im.getexif().get(ORIENTATION_TAG, 1) in (5, 6, 7, 8)


def _largest_clean(im: Image.Image, size: tuple[int, int]) -> Image.Image:
    """The largest web size: decoded, oriented, in sRGB, and carrying nothing but pixels."""
    stored_size = size[::-1] if _is_turned(im) else size
    if im.format == "JPEG":
        # Let libjpeg decode at 1/2, 1/4 or 1/8 scale when that still covers the size.
        im.draft(None, stored_size)
    icc = im.info.get("icc_profile")
    mode = "RGBA" if _has_alpha(im) else "RGB"
    if im.mode not in ("RGB", "RGBA", "L", "LA"):
        im = im.convert(mode)  # palette and 16-bit images resize badly as they are
    if im.size != stored_size:
        im = im.resize(stored_size, Image.Resampling.LANCZOS)
    # Orientation lives in the EXIF we are about to drop, so it is applied first
    # (here, after resizing: turning a web-size image is cheaper).
    im = ImageOps.exif_transpose(im)
    if icc:
        im = _to_srgb(im, icc, mode)
    im = im.convert(mode)
    # A fresh image from raw pixels carries no info dict, EXIF, XMP, ICC or comment.
    return Image.frombytes(mode, im.size, im.tobytes())


def _has_alpha(im: Image.Image) -> bool:
    return im.mode in ("RGBA", "LA", "PA", "La", "RGBa") or "transparency" in im.info


def _to_srgb(im: Image.Image, icc: bytes, mode: str) -> Image.Image:
    """Convert from the camera's colour profile (Display P3 on many phones) to sRGB."""
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        converted = ImageCms.profileToProfile(im, source, _SRGB, outputMode=mode)
        # None comes back only from an in-place conversion, which this is not.
        return im if converted is None else converted
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        # A broken or unusual profile costs a little colour accuracy, never the upload.
        return im


def variant_sizes(width: int, height: int) -> list[tuple[int, int]]:
    """The web sizes made for an oriented image, smallest first, never upscaled."""
    sizes: list[tuple[int, int]] = []
    for target in VARIANT_WIDTHS:
        scale = min(1.0, target / width, MAX_VARIANT_HEIGHT / height)
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        if size not in sizes:
            sizes.append(size)
    return sizes


def _encode_variants(largest: Image.Image) -> list[Variant]:
    """Encode the largest size and each smaller one, smallest first."""
    variants = []
    source = largest
    for width, height in reversed(variant_sizes(largest.width, largest.height)):
        # Each size is made from the next larger one: quicker, and as sharp.
        if (width, height) != source.size:
            source = source.resize((width, height), Image.Resampling.LANCZOS)
        variants.append(Variant(width=width, height=height, data=_encode(source)))
    return variants[::-1]


def _encode(im: Image.Image) -> bytes:
    out = io.BytesIO()
    # Explicitly empty: no plugin default may copy metadata into a stored file.
    im.save(
        out, "WEBP", quality=WEBP_QUALITY, method=WEBP_METHOD, exif=b"", xmp=b"", icc_profile=None
    )
    return out.getvalue()


def store(image: CleanImage) -> tuple[str, list[dict]]:
    """Write an image's variants under a fresh random key; return the key and their records."""
    root = media_root()
    root.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(18)
    records: list[dict] = []
    try:
        for variant in image.variants:
            records.append(_write(root, key, variant))
    except OSError:
        discard(records)
        raise
    return key, records


def _write(root: Path, key: str, variant: Variant) -> dict:
    name = f"{key}-{variant.width}{VARIANT_SUFFIX}"
    temporary = root / f".{name}.part"
    temporary.write_bytes(variant.data)
    # Readers never see a half-written file: the name appears complete or not at all.
    os.replace(temporary, root / name)
    return {"width": variant.width, "height": variant.height, "file": name, "type": VARIANT_TYPE}


def discard(records: list[dict]) -> None:
    """Remove stored variant files, e.g. when the database refused their Media row."""
    root = media_root()
    for record in records:
        (root / record["file"]).unlink(missing_ok=True)


def run_image_work(func, *args):
    """Run CPU-heavy image work off the event loop when serving on gevent.

    Pillow releases the GIL while it decodes, resizes and encodes, so a native
    thread keeps every reader's socket served meanwhile; two threads bound the
    memory that concurrent uploads take.
    """
    if current_app.config.get("ASYNC_MODE") != "gevent":
        return func(*args)
    pool = current_app.extensions.get("showfloor_image_pool")
    if pool is None:
        from gevent.threadpool import ThreadPool

        pool = current_app.extensions["showfloor_image_pool"] = ThreadPool(2)
    return pool.apply(func, args)


def storage_key_of(file_name: str) -> str:
    """The storage key a variant's file name starts with (see FILE_NAME)."""
    return file_name.rsplit("-", 1)[0]


def media_url(variant: dict) -> str:
    """The public address of one stored variant."""
    return f"/media/{variant['file']}"


def default_src(photo: Media) -> str:
    """The variant for browsers that ignore srcset: the largest up to 960 px wide."""
    fitting = [v for v in photo.variants if v["width"] <= 960] or photo.variants[:1]
    return media_url(fitting[-1])


def media_json(photo: Media) -> dict:
    """A stored photo as the upload answer and the API show it."""
    variants = [
        {"width": v["width"], "height": v["height"], "url": media_url(v), "type": v["type"]}
        for v in photo.variants
    ]
    return {
        "id": photo.id,
        "width": photo.width,
        "height": photo.height,
        "alt": photo.alt,
        "caption": photo.caption,
        "credit": photo.credit,
        "src": default_src(photo),
        "srcset": ", ".join(f"{v['url']} {v['width']}w" for v in variants),
        "variants": variants,
    }
