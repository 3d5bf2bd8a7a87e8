"""``tf.image.decode_png``/``encode_png`` (PNG in and out with the standard library's zlib) and
``decode_jpeg``/``encode_jpeg`` (JPEG through Pillow when it is installed), as TensorFlow 1.15's
image codecs (``decode_image``, ``decode_gif`` and ``decode_bmp``: ``image_gif_bmp.py``).

Host ops on scalar string tensors (no gradient, as TF's).  PNG decoding handles every colour
type (grey, RGB, palette with tRNS, grey+alpha, RGBA), bit depths 1-16 and Adam7 interlacing,
with the five row filters; it converts as TF's libpng set-up does:

    sub-byte grey  -> 8 bits scaled (x255, x85, x17);  palette -> RGB (RGBA with tRNS)
    channels=1 from colour: TF's png_set_rgb_to_gray(0.299, 0.587) in libpng 1.6's integer
                            form, (9797 R + 19234 G + 3737 B) >> 15 (+16384 first at 16 bits)
    channels=3/4 from grey: replicated, alpha opaque;  dropping alpha: the colour kept
    dtype=uint16 from 8 bits: x257;  dtype=uint8 from 16 bits: the high byte

``encode_png`` writes one IDAT with filter 0 per row at zlib level ``compression`` (-1: zlib's
default); the bytes differ from libpng's (its filter choice) but decode to the same pixels.
JPEG: Pillow's libjpeg (TF's defaults: ISLOW DCT, fancy upsampling; ``encode_jpeg`` quality 95,
4:2:0 chroma unless ``chroma_downsampling=False``); without Pillow they raise
NotImplementedError naming it.
"""

from __future__ import annotations

import io
import struct
import sys
import zlib

import numpy as np

from . import host_ops as _host

__all__ = ["decode_jpeg", "decode_png", "encode_jpeg", "encode_png"]

_SIG = b"\x89PNG\r\n\x1a\n"
_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}
#: Adam7's passes: (first row, first column, row step, column step)
_ADAM7 = ((0, 0, 8, 8), (0, 4, 8, 8), (4, 0, 8, 4), (0, 2, 4, 4), (2, 0, 4, 2), (0, 1, 2, 2),
          (1, 0, 2, 1))


def _tf():
    return sys.modules["dlcore_static"]


# ---------------------------------------------------------------------- PNG decoding
def _chunks(data: bytes):
    if data[:8] != _SIG:
        raise ValueError("Invalid PNG header, data size " + str(len(data)))
    pos = 8
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if len(body) != length:
            raise ValueError("Invalid PNG data: a chunk runs past the end of the data")
        crc = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length] or b"\0\0\0\0")[0]
        if zlib.crc32(kind + body) & 0xFFFFFFFF != crc:
            raise ValueError(f"Invalid PNG data: CRC error in chunk {kind.decode('latin-1')}")
        yield kind, body
        pos += 12 + length
        if kind == b"IEND":
            return
    raise ValueError("Invalid PNG data: no IEND chunk (truncated?)")


def _unfilter(raw: np.ndarray, rows: int, stride: int, bpp: int) -> np.ndarray:
    """The five PNG row filters undone: (rows, stride) uint8."""
    out = np.zeros((rows, stride), np.uint8)
    prev = np.zeros(stride, np.int32)
    for r in range(rows):
        ftype = int(raw[r, 0])
        line = raw[r, 1:].astype(np.int32)
        if ftype == 0:
            cur = line
        elif ftype == 2:
            cur = (line + prev) & 0xFF
        elif ftype in (1, 3, 4):
            cur = np.zeros(stride, np.int32)
            for i in range(stride):                 # sequential along the row
                a = cur[i - bpp] if i >= bpp else 0
                if ftype == 1:
                    pred = a
                elif ftype == 3:
                    pred = (a + prev[i]) >> 1
                else:
                    b = prev[i]
                    c = prev[i - bpp] if i >= bpp else 0
                    p = a + b - c
                    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                    pred = a if pa <= pb and pa <= pc else b if pb <= pc else c
                cur[i] = (line[i] + pred) & 0xFF
        else:
            raise ValueError(f"Invalid PNG data: unknown row filter {ftype}")
        out[r] = cur
        prev = cur
    return out


def _samples(rows: np.ndarray, width: int, depth: int, chans: int) -> np.ndarray:
    """Unfiltered rows -> (h, w, chans) integer samples at the file's bit depth."""
    h = rows.shape[0]
    if depth == 16:
        v = rows.reshape(h, -1).view(">u2").astype(np.uint16)
        return v[:, :width * chans].reshape(h, width, chans)
    if depth == 8:
        return rows[:, :width * chans].reshape(h, width, chans)
    bits = np.unpackbits(rows, axis=1)[:, :width * chans * depth]
    bits = bits.reshape(h, width * chans, depth)
    weights = (1 << np.arange(depth - 1, -1, -1)).astype(np.uint8)
    return (bits * weights).sum(-1).astype(np.uint8).reshape(h, width, chans)


def _png_pixels(data: bytes):
    """(pixels (h, w, c) in the file's colour model expanded to 8/16 bits, bit depth)."""
    ihdr, idat, plte, trns = None, [], None, None
    for kind, body in _chunks(data):
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"PLTE":
            plte = np.frombuffer(body, np.uint8).reshape(-1, 3)
        elif kind == b"tRNS":
            trns = body
    if ihdr is None or not idat:
        raise ValueError("Invalid PNG data: missing IHDR or IDAT")
    width, height, depth, ctype, _, _, interlace = ihdr
    if ctype not in _CHANNELS or depth not in (1, 2, 4, 8, 16):
        raise ValueError(f"Invalid PNG data: colour type {ctype} with bit depth {depth}")
    chans = _CHANNELS[ctype]
    bpp = max(1, chans * depth // 8)
    try:
        raw = np.frombuffer(zlib.decompress(b"".join(idat)), np.uint8)
    except zlib.error as e:
        raise ValueError(f"Invalid PNG data: {e}") from None

    def read(w: int, h: int, pos: int):
        stride = (w * chans * depth + 7) // 8
        size = (stride + 1) * h
        if w == 0 or h == 0:
            return np.zeros((h, w, chans), np.uint16 if depth == 16 else np.uint8), pos
        if pos + size > raw.size:
            raise ValueError("Invalid PNG data: image data too short (truncated?)")
        rows = _unfilter(raw[pos:pos + size].reshape(h, stride + 1), h, stride, bpp)
        return _samples(rows, w, depth, chans), pos + size

    if interlace:
        px = np.zeros((height, width, chans), np.uint16 if depth == 16 else np.uint8)
        pos = 0
        for y0, x0, dy, dx in _ADAM7:
            w = (width - x0 + dx - 1) // dx if width > x0 else 0
            h = (height - y0 + dy - 1) // dy if height > y0 else 0
            sub, pos = read(w, h, pos)
            px[y0::dy, x0::dx] = sub
    else:
        px, _ = read(width, height, 0)
    if ctype == 3:
        if plte is None:
            raise ValueError("Invalid PNG data: palette image without PLTE")
        idx = px[..., 0]
        if idx.size and int(idx.max()) >= len(plte):
            raise ValueError("Invalid PNG data: palette index out of range")
        rgb = plte[idx]
        if trns is not None:
            alpha = np.full(len(plte), 255, np.uint8)
            alpha[:len(trns)] = np.frombuffer(trns, np.uint8)[:len(plte)]
            rgb = np.concatenate([rgb, alpha[idx][..., None]], -1)
        return rgb, 8
    if depth < 8:
        px = (px.astype(np.uint16) * (255 // ((1 << depth) - 1))).astype(np.uint8)
        depth = 8
    return px, depth


def _convert_channels(px: np.ndarray, want: int) -> np.ndarray:
    have = px.shape[-1]
    if want in (0, have):
        return px
    color = px[..., :3] if have >= 3 else px[..., :1]
    alpha = px[..., 3:4] if have == 4 else px[..., 1:2] if have == 2 else None
    top = np.iinfo(px.dtype).max
    if want in (1, 2):
        if color.shape[-1] == 3:
            c = color.astype(np.int64)
            half = 16384 if px.dtype == np.uint16 else 0
            gray = (9797 * c[..., 0] + 19234 * c[..., 1] + 3737 * c[..., 2] + half) >> 15
            same = (c[..., 0] == c[..., 1]) & (c[..., 0] == c[..., 2])
            color = np.where(same, c[..., 0], gray)[..., None].astype(px.dtype)
        if want == 1:
            return color
        return np.concatenate([color, alpha if alpha is not None else
                               np.full_like(color, top)], -1)
    if color.shape[-1] == 1:
        color = np.repeat(color, 3, -1)
    if want == 3:
        return color
    return np.concatenate([color, alpha if alpha is not None else
                           np.full_like(color[..., :1], top)], -1)


def _decode_png(contents, channels: int, dtype):
    data = contents[()] if isinstance(contents, np.ndarray) else contents
    if not isinstance(data, bytes):
        raise TypeError("decode_png: contents must be a scalar string")
    px, depth = _png_pixels(data)
    out_dt = np.dtype(dtype)
    if out_dt == np.uint16 and depth == 8:
        px = px.astype(np.uint16) * 257
    elif out_dt == np.uint8 and depth == 16:
        px = (px >> 8).astype(np.uint8)
    return np.ascontiguousarray(_convert_channels(px.astype(out_dt), channels))


# ---------------------------------------------------------------------- PNG encoding
def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + \
        struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def _encode_png(image, compression: int):
    img = np.asarray(image)
    if img.ndim != 3 or not 1 <= img.shape[2] <= 4:
        raise ValueError(f"image must be 3-dimensional with 1-4 channels, got shape "
                         f"{list(img.shape)}")
    h, w, c = img.shape
    depth = 16 if img.dtype == np.uint16 else 8
    ctype = {1: 0, 2: 4, 3: 2, 4: 6}[c]
    body = img.astype(">u2").tobytes() if depth == 16 else img.astype(np.uint8).tobytes()
    stride = w * c * depth // 8
    raw = bytearray()
    for r in range(h):
        raw += b"\x00" + body[r * stride:(r + 1) * stride]
    level = -1 if compression is None or compression < 0 else min(int(compression), 9)
    out = _SIG + _chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, ctype, 0, 0, 0)) + \
        _chunk(b"IDAT", zlib.compress(bytes(raw), level)) + _chunk(b"IEND", b"")
    return _host.as_array(out)


# ---------------------------------------------------------------------- JPEG (Pillow)
def _pillow():
    try:
        from PIL import Image
    except ImportError:
        raise NotImplementedError("decode_jpeg/encode_jpeg need Pillow (pip install pillow); "
                                  "PNG needs nothing") from None
    return Image


def _decode_jpeg(contents, channels: int, ratio: int, fancy_upscaling: bool, dct_method: str):
    image_mod = _pillow()
    data = contents[()] if isinstance(contents, np.ndarray) else contents
    if not isinstance(data, bytes):
        raise TypeError("decode_jpeg: contents must be a scalar string")
    if data[:3] != b"\xff\xd8\xff":
        raise ValueError("Invalid JPEG data or crop window, data size " + str(len(data)))
    try:
        im = image_mod.open(io.BytesIO(data))
        if ratio != 1:
            im.draft(im.mode, (max(1, im.width // ratio), max(1, im.height // ratio)))
        im.load()
    except OSError as e:
        raise ValueError(f"Invalid JPEG data: {e}") from None
    mode = {0: None, 1: "L", 3: "RGB"}[channels]
    if mode is None:
        mode = "L" if im.mode == "L" else "RGB"
    return np.ascontiguousarray(np.asarray(im.convert(mode), np.uint8).reshape(
        im.height, im.width, -1))


def _encode_jpeg(image, fmt: str, quality: int, progressive: bool, optimize_size: bool,
                 chroma_downsampling: bool, density_unit: str, x_density: int,
                 y_density: int):
    image_mod = _pillow()
    img = np.asarray(image)
    if img.ndim != 3 or img.shape[2] not in (1, 3):
        raise ValueError(f"image must be 3-dimensional with 1 or 3 channels, got shape "
                         f"{list(img.shape)}")
    mode = fmt or ("grayscale" if img.shape[2] == 1 else "rgb")
    pil = image_mod.fromarray(img[..., 0] if img.shape[2] == 1 else img,
                              "L" if img.shape[2] == 1 else "RGB")
    if mode == "grayscale" and pil.mode != "L":
        pil = pil.convert("L")
    elif mode == "rgb" and pil.mode != "RGB":
        pil = pil.convert("RGB")
    buf = io.BytesIO()
    dpi = (x_density, y_density) if density_unit == "in" else \
        (x_density * 2.54, y_density * 2.54)
    pil.save(buf, "JPEG", quality=int(quality), progressive=bool(progressive),
             optimize=bool(optimize_size), subsampling=2 if chroma_downsampling else 0,
             dpi=dpi)
    return _host.as_array(buf.getvalue())


_host.register("DecodePng", _decode_png)
_host.register("EncodePng", _encode_png)
_host.register("DecodeJpeg", _decode_jpeg)
_host.register("EncodeJpeg", _encode_jpeg)


# ---------------------------------------------------------------------- front end
def _contents(contents, op: str):
    tf = _tf()
    t = tf.convert_to_tensor(contents, name="contents")
    if t.dtype != tf.string:
        raise TypeError(f"{op}: contents must be a string tensor, got {t.dtype.name}")
    if t.shape.ndims not in (None, 0):
        raise ValueError(f"Shape must be rank 0 but is rank {t.shape.ndims} for '{op}' "
                         f"(op: '{op}') with input shapes: {t.shape}.")
    return t


def decode_png(contents, channels=0, dtype=None, name=None):
    """A PNG as a uint8 (or ``dtype=tf.uint16``) tensor [height, width, channels]."""
    tf = _tf()
    dt = tf.uint8 if dtype is None else tf.as_dtype(dtype)
    if dt not in (tf.uint8, tf.uint16):
        raise TypeError(f"DecodePng: dtype must be uint8 or uint16, got {dt.name}")
    if channels not in (0, 1, 2, 3, 4):
        raise ValueError(f"DecodePng: channels must be 0, 1, 2, 3 or 4, got {channels}")
    with tf.name_scope(name, "DecodePng"):
        t = _contents(contents, "DecodePng")
        c = channels or None
        return _host.host_op("DecodePng", [t], [((None, None, c), dt.np)],
                             {"channels": int(channels), "dtype": dt.name},
                             name="DecodePng").outputs[0]


def encode_png(image, compression=-1, name=None):
    """A uint8/uint16 image [height, width, 1-4] as PNG bytes (a scalar string)."""
    tf = _tf()
    with tf.name_scope(name, "EncodePng"):
        img = tf.convert_to_tensor(image, name="image")
        if img.dtype not in (tf.uint8, tf.uint16):
            raise TypeError(f"EncodePng: image must be uint8 or uint16, got {img.dtype.name}")
        if img.shape.ndims not in (None, 3):
            raise ValueError(f"Shape must be rank 3 but is rank {img.shape.ndims} for "
                             f"'EncodePng' (op: 'EncodePng') with input shapes: {img.shape}.")
        return _host.host_op("EncodePng", [img], [((), object)],
                             {"compression": int(compression)}, name="EncodePng").outputs[0]


def decode_jpeg(contents, channels=0, ratio=1, fancy_upscaling=True,
                try_recover_truncated=False, acceptable_fraction=1, dct_method="", name=None):
    """A JPEG as uint8 [height, width, channels] (Pillow)."""
    tf = _tf()
    if channels not in (0, 1, 3):
        raise ValueError(f"DecodeJpeg: channels must be 0, 1 or 3, got {channels}")
    if ratio not in (1, 2, 4, 8):
        raise ValueError(f"DecodeJpeg: ratio must be 1, 2, 4 or 8, got {ratio}")
    _pillow()
    with tf.name_scope(name, "DecodeJpeg"):
        t = _contents(contents, "DecodeJpeg")
        return _host.host_op("DecodeJpeg", [t], [((None, None, channels or None), np.uint8)],
                             {"channels": int(channels), "ratio": int(ratio),
                              "fancy_upscaling": bool(fancy_upscaling),
                              "dct_method": str(dct_method)}, name="DecodeJpeg").outputs[0]


def encode_jpeg(image, format="", quality=95, progressive=False, optimize_size=False,
                chroma_downsampling=True, density_unit="in", x_density=300, y_density=300,
                xmp_metadata="", name=None):
    """A uint8 image [height, width, 1 or 3] as JPEG bytes (Pillow)."""
    tf = _tf()
    if format not in ("", "grayscale", "rgb"):
        raise ValueError(f"EncodeJpeg: format must be '', 'grayscale' or 'rgb', got {format!r}")
    if density_unit not in ("in", "cm"):
        raise ValueError(f"EncodeJpeg: density_unit must be 'in' or 'cm', got {density_unit!r}")
    _pillow()
    with tf.name_scope(name, "EncodeJpeg"):
        img = tf.convert_to_tensor(image, name="image")
        if img.dtype != tf.uint8:
            raise TypeError(f"EncodeJpeg: image must be uint8, got {img.dtype.name}")
        return _host.host_op("EncodeJpeg", [img], [((), object)],
                             {"fmt": format, "quality": int(quality),
                              "progressive": bool(progressive),
                              "optimize_size": bool(optimize_size),
                              "chroma_downsampling": bool(chroma_downsampling),
                              "density_unit": density_unit, "x_density": int(x_density),
                              "y_density": int(y_density)}, name="EncodeJpeg").outputs[0]
