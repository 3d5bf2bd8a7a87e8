"""``tf.image.decode_gif`` and ``tf.image.decode_bmp`` as TensorFlow 1.15's kernels decode, with
NumPy and the standard library only (no Pillow), and ``tf.image.decode_image`` dispatching to
them and to ``decode_png``/``decode_jpeg`` (``image_codecs.py``).

GIF (TF's ``gif_io.cc`` over giflib's ``DGifSlurp``): the output is uint8
``[num_frames, height, width, 3]`` (RGB; transparency is not applied: a transparent index is
painted in its colour, as TF 1.15).  Each frame's sub-rectangle is drawn over a copy of the
previous frame (the first frame must cover the whole canvas: "the first frame does not fill
the canvas"), from its local colour table or the global one ("missing color map"); an index
past the table is "found color index I outside of color map range N".  Interlaced frames are
de-interlaced (giflib's four passes); the LZW codes are read LSB first from the data
sub-blocks.  Errors are ``InvalidArgumentError('Invalid GIF data (size N), <why>')`` with
giflib's words for malformed files.

BMP (TF's ``decode_bmp_op.cc``): uncompressed 8-, 24- and 32-bit files; bottom-up (positive
height) or top-down rows, each padded to 4 bytes; BGR(A) becomes RGB(A); an 8-bit file's
bytes are the output as they are (its palette is not applied, as TF 1.15).  TF reads the bit
count as a 32-bit field at byte 28, so a compressed file's bit count is not 8, 24 or 32 and
fails: "Number of channels must be 1, 3 or 4, was N".
"""

from __future__ import annotations

import struct

import numpy as np

from . import dtypes as _dtypes
from . import host_ops as _host
from .errors import InvalidArgumentError
from .image_codecs import _contents, _decode_jpeg, _decode_png, _tf

__all__ = ["decode_bmp", "decode_gif", "decode_image"]


# ---------------------------------------------------------------------- GIF
class _GifError(Exception):
    """giflib's error, as TF's message words it."""


_READ_FAILED = "failed to slurp gif file: Failed to read from given file"


_EOF_TOO_SOON = "failed to slurp gif file: Image EOF detected before image complete"
_DEFECT = "failed to slurp gif file: Image is defective, decoding aborted"


def _lzw(data: bytes, min_size: int, npix: int) -> np.ndarray:
    """The ``npix`` colour indices of one frame.  A stream that ends before them is giflib's
    error (an end code: "Image EOF detected before image complete"; the data sub-blocks
    running out: "Image is defective, decoding aborted"), so no frame is larger than what its
    data encodes."""
    if not 1 <= min_size <= 11:
        raise _GifError(_DEFECT)
    clear = 1 << min_size
    end = clear + 1
    out = bytearray()
    prefix: list[int] = [0] * 4096
    suffix = bytearray(4096)
    length: list[int] = [0] * 4096
    for i in range(clear):
        suffix[i] = i
        length[i] = 1
    size = min_size + 1
    nxt = end + 1
    prev = -1
    bits = 0
    nbits = 0
    pos = 0
    n = len(data)
    while len(out) < npix:
        while nbits < size:
            if pos >= n:
                raise _GifError(_DEFECT)
            bits |= data[pos] << nbits
            pos += 1
            nbits += 8
        code = bits & ((1 << size) - 1)
        bits >>= size
        nbits -= size
        if code == clear:
            size, nxt, prev = min_size + 1, end + 1, -1
            continue
        if code == end:
            raise _GifError(_EOF_TOO_SOON)
        if prev == -1:
            if code >= clear:
                raise _GifError(_DEFECT)
            out.append(code)
            prev = code
            continue
        if code < nxt:
            first = _string(code, prefix, suffix, length, out)
        elif code == nxt:
            first = _string(prev, prefix, suffix, length, out)
            out.append(first)
        else:
            raise _GifError(_DEFECT)
        if nxt < 4096:
            prefix[nxt] = prev
            suffix[nxt] = first
            length[nxt] = length[prev] + 1
            nxt += 1
            if nxt == (1 << size) and size < 12:
                size += 1
        prev = code
    return np.frombuffer(bytes(out[:npix]), np.uint8)


def _string(code: int, prefix: list, suffix: bytearray, length: list, out: bytearray) -> int:
    """Append the string of ``code`` to ``out``; its first index."""
    k = length[code]
    start = len(out)
    out.extend(bytes(k))
    c = code
    for i in range(k - 1, -1, -1):
        out[start + i] = suffix[c]
        c = prefix[c]
    return out[start]


def _colors(data: bytes, pos: int, packed: int) -> tuple[np.ndarray, int]:
    n = 2 << (packed & 7)
    table = data[pos:pos + 3 * n]
    if len(table) != 3 * n:
        raise _GifError(_READ_FAILED)
    return np.frombuffer(table, np.uint8).reshape(n, 3), pos + 3 * n


def _sub_blocks(data: bytes, pos: int) -> tuple[bytes, int]:
    chunks: list[bytes] = []
    while True:
        if pos >= len(data):
            raise _GifError(_READ_FAILED)
        k = data[pos]
        pos += 1
        if k == 0:
            return b"".join(chunks), pos
        if pos + k > len(data):
            raise _GifError(_READ_FAILED)
        chunks.append(data[pos:pos + k])
        pos += k


def _deinterlace(idx: np.ndarray, h: int, w: int) -> np.ndarray:
    rows = [r for start, step in ((0, 8), (4, 8), (2, 4), (1, 2)) for r in range(start, h, step)]
    out = np.empty((h, w), np.uint8)
    out[rows] = idx.reshape(h, w)
    return out


def _gif_frames(data: bytes) -> np.ndarray:
    if data[:6] not in (b"GIF87a", b"GIF89a"):
        raise _GifError("failed to open gif file: Data is not in GIF format")
    if len(data) < 13:
        raise _GifError("failed to open gif file: Failed to read from given file")
    width, height, packed = struct.unpack("<HHB", data[6:11])
    pos = 13
    gct = None
    if packed & 0x80:
        try:
            gct, pos = _colors(data, pos, packed)
        except _GifError:
            raise _GifError("failed to open gif file: Failed to read from given file") from None
    frames: list[tuple] = []
    while True:
        if pos >= len(data):
            raise _GifError(_READ_FAILED)
        kind = data[pos]
        pos += 1
        if kind == 0x3B:                                   # trailer
            break
        if kind == 0x21:                                   # extension: label, sub-blocks
            if pos >= len(data):
                raise _GifError(_READ_FAILED)
            _, pos = _sub_blocks(data, pos + 1)
            continue
        if kind != 0x2C:
            raise _GifError("failed to slurp gif file: Wrong record type detected")
        if pos + 9 > len(data):
            raise _GifError(_READ_FAILED)
        left, top, w, h, ipacked = struct.unpack("<HHHHB", data[pos:pos + 9])
        pos += 9
        lct = None
        if ipacked & 0x80:
            lct, pos = _colors(data, pos, ipacked)
        if pos >= len(data):
            raise _GifError(_READ_FAILED)
        min_size = data[pos]
        raster, pos = _sub_blocks(data, pos + 1)
        idx = _lzw(raster, min_size, w * h)
        idx = _deinterlace(idx, h, w) if ipacked & 0x40 else idx.reshape(h, w)
        frames.append((left, top, w, h, idx, lct))
    if not frames:
        raise _GifError("gif file does not contain any image")
    out = np.zeros((len(frames), height, width, 3), np.uint8)
    for k, (left, top, w, h, idx, lct) in enumerate(frames):
        if (left, top, w, h) != (0, 0, width, height):
            if k == 0:
                raise _GifError("the first frame does not fill the canvas")
            out[k] = out[k - 1]
        cmap = lct if lct is not None else gct
        if cmap is None:
            raise _GifError("missing color map")
        r0, r1 = max(top, 0), min(top + h, height)
        c0, c1 = max(left, 0), min(left + w, width)
        if r1 <= r0 or c1 <= c0:
            continue
        part = idx[r0 - top:r1 - top, c0 - left:c1 - left]
        bad = part >= len(cmap)
        if bad.any():
            first = int(part[bad].reshape(-1)[0])
            raise _GifError(f"found color index {first} outside of color map range "
                            f"{len(cmap)}")
        out[k, r0:r1, c0:c1] = cmap[part]
    return out


def _decode_gif(contents) -> np.ndarray:
    data = contents[()] if isinstance(contents, np.ndarray) else contents
    try:
        return _gif_frames(bytes(data))
    except _GifError as e:
        raise InvalidArgumentError(None, None,
                                   f"Invalid GIF data (size {len(data)}), {e}") from None


_host.register("DecodeGif", _decode_gif)


# ---------------------------------------------------------------------- BMP
def _decode_bmp(contents, channels: int = 0) -> np.ndarray:
    data = bytes(contents[()] if isinstance(contents, np.ndarray) else contents)
    if len(data) < 32:
        raise InvalidArgumentError(None, None, "Incomplete bmp content, requires at least 32 "
                                   "bytes to find the header size, width, height, and bpp, "
                                   f"got {len(data)} bytes")
    offset, = struct.unpack_from("<i", data, 10)
    width, height = struct.unpack_from("<ii", data, 18)
    bpp, = struct.unpack_from("<i", data, 28)
    if channels:
        if channels != int(bpp / 8):
            raise InvalidArgumentError(None, None, f"channels attribute {channels} does not "
                                       f"match bits per pixel from file {int(bpp / 8)}")
    else:
        channels = int(bpp / 8)
    if channels not in (1, 3, 4):
        raise InvalidArgumentError(None, None,
                                   f"Number of channels must be 1, 3 or 4, was {channels}")
    if width <= 0 or offset < 0:
        raise InvalidArgumentError(None, None, "Width must be positive")
    if width * channels >= 1 << 29:
        raise InvalidArgumentError(None, None, "width more than 2^29 is not allowed")
    rows = abs(height)
    row_size = (8 * channels * width + 31) // 32 * 4
    need = offset + (rows - 1) * row_size + (width - 1) * channels + channels
    if rows and need > len(data):
        raise InvalidArgumentError(None, None, f"Incomplete bmp content, requires at least "
                                   f"{need} bytes, got {len(data)} bytes")
    buf = np.frombuffer(data, np.uint8)
    out = np.empty((rows, width, channels), np.uint8)
    for i in range(rows):
        src = i if height < 0 else rows - 1 - i
        start = offset + src * row_size
        out[i] = buf[start:start + width * channels].reshape(width, channels)
    if channels >= 3:
        out[..., :3] = out[..., 2::-1].copy()          # BGR(A) -> RGB(A)
    return out


_host.register("DecodeBmp", _decode_bmp)


# ---------------------------------------------------------------------- front end
def decode_gif(contents, name=None):
    """A GIF's frames as uint8 [num_frames, height, width, 3] (see the module docstring)."""
    tf = _tf()
    with tf.name_scope(name, "DecodeGif"):
        t = _contents(contents, "DecodeGif")
        return _host.host_op("DecodeGif", [t], [((None, None, None, 3), np.uint8)],
                             name="DecodeGif").outputs[0]


def decode_bmp(contents, channels=0, name=None):
    """A BMP as uint8 [height, width, channels] (``channels`` 0: the file's)."""
    tf = _tf()
    if channels not in (0, 1, 3, 4):
        raise ValueError(f"channels must be 0, 1, 3 or 4, got {channels}")
    with tf.name_scope(name, "DecodeBmp"):
        t = _contents(contents, "DecodeBmp")
        return _host.host_op("DecodeBmp", [t], [((None, None, channels or None), np.uint8)],
                             {"channels": int(channels)}, name="DecodeBmp").outputs[0]


# ---------------------------------------------------------------------- decode_image
def _assertion(what: str):
    return InvalidArgumentError(None, None, f"assertion failed: [{what}]")


def _convert(x: np.ndarray, dst: np.dtype) -> np.ndarray:
    """``convert_image_dtype`` of a decoded uint8/uint16 image (image.py's rules, in NumPy)."""
    src = x.dtype
    if src == dst:
        return x
    si = int(np.iinfo(src).max)
    if dst.kind in "iu":
        so = int(np.iinfo(dst).max)
        if si > so:
            return (x // ((si + 1) // (so + 1))).astype(dst)
        return x.astype(dst) * dst.type((so + 1) // (si + 1))
    return x.astype(dst) * dst.type(1.0 / si)


def _decode_image(contents, channels: int, dtype: str, expand_animations: bool):
    data = bytes(contents[()] if isinstance(contents, np.ndarray) else contents)
    dst = np.dtype(dtype)
    head = data[:3]
    if head == b"\xff\xd8\xff":
        if channels == 4:
            raise _assertion("Channels must be in (None, 0, 1, 3) when decoding JPEG images")
        px = _decode_jpeg(data, channels, 1, True, "")
    elif head == b"\x89PN":
        px = _decode_png(data, channels, np.uint8 if dst == np.uint8 else np.uint16)
    elif head == b"GIF":
        if channels in (1, 4):
            raise _assertion("Channels must be in (None, 0, 3) when decoding GIF images")
        px = _decode_gif(data)
        if not expand_animations:
            px = px[0]
    else:
        if data[:2] != b"BM":
            raise _assertion("Unable to decode bytes as JPEG, PNG, GIF, or BMP")
        if channels == 1:
            raise _assertion("Channels must be in (None, 0, 3) when decoding BMP images")
        px = _decode_bmp(data, 0)                  # (TF: the file's channels, whatever asked)
    return _convert(px, dst)


_host.register("DecodeImage", _decode_image)


def decode_image(contents, channels=None, dtype=None, name=None, expand_animations=True):
    """TF 1.15's ``tf.image.decode_image``: JPEG, PNG, GIF or BMP by their first bytes, then
    ``convert_image_dtype`` to ``dtype`` (uint8 by default; a PNG is decoded to uint16 first
    for any other dtype).  A GIF is [frames, height, width, 3] unless ``expand_animations`` is
    False (its first frame); so, as TF's ``tf.cond`` of the four, the result has no static
    rank (``expand_animations=False``: rank 3, no dimension known).  A BMP keeps its file's
    channels.  The checks TF makes with ``tf.Assert`` fail the run:
    ``InvalidArgumentError('assertion failed: [Unable to decode bytes as JPEG, PNG, GIF, or
    BMP]')``, and channels 1/4 for a GIF, 1 for a BMP, 4 for a JPEG."""
    tf = _tf()
    if channels not in (None, 0, 1, 3, 4):
        raise ValueError("channels must be in (None, 0, 1, 3, 4)")
    dt = tf.uint8 if dtype is None else tf.as_dtype(dtype)
    if not (dt.is_integer or dt.is_floating):
        raise AttributeError("dtype must be either floating point or integer")
    store = _dtypes.as_np(dt)                       # (float16: computed in float32)
    with tf.name_scope(name, "decode_image"):
        t = _contents(contents, "decode_image")
        return _host.host_op("DecodeImage", [t], [((None, None, None), store)],
                             {"channels": int(channels or 0), "dtype": np.dtype(store).name,
                              "expand_animations": bool(expand_animations)},
                             name="DecodeImage",
                             unknown_rank=bool(expand_animations)).outputs[0]
