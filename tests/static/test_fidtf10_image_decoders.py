"""tf.image.decode_gif / decode_bmp (NumPy decoders, as TF 1.15's kernels) and decode_image
dispatching to JPEG, PNG, GIF and BMP with TF 1.15's convert_image_dtype and tf.Assert
messages (dlcore had no GIF/BMP: "GIF and BMP are not supported here", and decode_image
scaled a JPEG to uint16 by 257 where TF's convert_image_dtype multiplies by 256).  GIFs and
BMPs are built by hand here (an LZW stream with a clear code every two pixels keeps 3-bit
codes); Pillow, when installed, is a second oracle."""
import io
import struct

import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static.image_codecs import _encode_png


def run(t):
    with tf.Session() as s:
        return s.run(t)


PALETTE = np.array([[0, 0, 0], [255, 0, 0], [0, 255, 0], [0, 0, 255]], np.uint8)


def _lzw_2bit(indices) -> bytes:
    """Sub-blocks of a min-code-size-2 LZW stream: CLEAR, two indices, ... END (3-bit codes)."""
    codes = []
    flat = [int(i) for i in np.asarray(indices).reshape(-1)]
    for k in range(0, len(flat), 2):
        codes += [4] + flat[k:k + 2]
    codes.append(5)
    bits = 0
    for n, c in enumerate(codes):
        bits |= c << (3 * n)
    raw = bits.to_bytes((3 * len(codes) + 7) // 8, "little")
    return bytes([2]) + b"".join(bytes([len(raw[i:i + 255])]) + raw[i:i + 255]
                                 for i in range(0, len(raw), 255)) + b"\0"


def _gif(w, h, frames, gct=PALETTE, interlace=False):
    """frames: (left, top, indices[h', w'], local palette or None)."""
    head = b"GIF89a" + struct.pack("<HHBBB", w, h, (0x81 if gct is not None else 0), 0, 0)
    out = head + (gct.tobytes() if gct is not None else b"")
    out += b"\x21\xf9\x04\x00\x00\x00\x00\x00"                       # a GCE, skipped
    for left, top, idx, lct in frames:
        idx = np.asarray(idx, np.uint8)
        fh, fw = idx.shape
        rows = idx
        if interlace:
            order = [r for s0, st in ((0, 8), (4, 8), (2, 4), (1, 2)) for r in range(s0, fh, st)]
            rows = idx[order]
        packed = (0x80 | (len(lct).bit_length() - 2) if lct is not None else 0) | \
            (0x40 if interlace else 0)
        out += b"\x2c" + struct.pack("<HHHHB", left, top, fw, fh, packed)
        out += (lct.tobytes() if lct is not None else b"") + _lzw_2bit(rows)
    return out + b"\x3b"


def test_decode_gif_frames_subrectangles_local_palettes_and_interlace():
    rng = np.random.default_rng(3)
    a = rng.integers(0, 4, (9, 5))
    b = rng.integers(0, 4, (2, 3))
    local = PALETTE[::-1].copy()
    data = _gif(5, 9, [(0, 0, a, None), (1, 4, b, local)])
    t = tf.image.decode_gif(data)
    assert t.dtype == tf.uint8 and t.shape.as_list() == [None, None, None, 3]
    got = run(t)
    want0 = PALETTE[a]
    want1 = want0.copy()
    want1[4:6, 1:4] = local[b]                 # drawn over the previous frame
    assert got.shape == (2, 9, 5, 3)
    np.testing.assert_array_equal(got[0], want0)
    np.testing.assert_array_equal(got[1], want1)
    inter = run(tf.io.decode_gif(_gif(5, 9, [(0, 0, a, None)], interlace=True)))
    np.testing.assert_array_equal(inter[0], want0)


@pytest.mark.parametrize("data, why", [
    (b"PNG not a gif at all", "failed to open gif file: Data is not in GIF format"),
    ("offset", "the first frame does not fill the canvas"),
    ("nomap", "missing color map"),
    ("range", "found color index 3 outside of color map range 2"),
    ("cut", "failed to slurp gif file: Failed to read from given file"),
])
def test_decode_gif_errors(data, why):
    idx = np.array([[0, 1], [3, 2]])
    data = {"offset": _gif(3, 2, [(1, 0, idx, None)]),
            "nomap": _gif(2, 2, [(0, 0, idx, None)], gct=None),
            "range": _gif(2, 2, [(0, 0, idx, PALETTE[:2])], gct=None),
            "cut": _gif(2, 2, [(0, 0, idx, None)])[:-6]}.get(data, data)
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=rf"^Invalid GIF data \(size {len(data)}\), {why}\n"):
        run(tf.image.decode_gif(data))


def _bmp(pixels: np.ndarray, top_down=False, bpp=None, compression=0) -> bytes:
    h, w, c = pixels.shape
    row = (8 * c * w + 31) // 32 * 4
    body = b""
    order = range(h) if top_down else range(h - 1, -1, -1)
    for r in order:
        px = pixels[r].copy()
        if c >= 3:
            px[:, :3] = px[:, 2::-1]                                   # RGB -> BGR
        body += px.tobytes().ljust(row, b"\0")
    offset = 54 + (1024 if c == 1 else 0)
    header = struct.pack("<2sIHHI", b"BM", offset + len(body), 0, 0, offset)
    info = struct.pack("<IiiHHIIiiII", 40, w, -h if top_down else h, 1, bpp or 8 * c,
                       compression, len(body), 2835, 2835, 0, 0)
    palette = bytes(range(256)) * 4 if c == 1 else b""
    return header + info + palette[:offset - 54] + body


@pytest.mark.parametrize("channels, top_down", [(3, False), (4, True), (1, False), (3, True)])
def test_decode_bmp_rows_padding_and_channel_order(channels, top_down):
    img = np.random.default_rng(channels).integers(0, 256, (3, 5, channels), dtype=np.uint8)
    data = _bmp(img, top_down)
    got = run(tf.image.decode_bmp(data))
    assert got.dtype == np.uint8 and got.shape == (3, 5, channels)
    np.testing.assert_array_equal(got, img)
    np.testing.assert_array_equal(run(tf.io.decode_bmp(data, channels=channels)), img)


def test_decode_bmp_errors():
    img = np.zeros((2, 2, 3), np.uint8)
    cases = [(b"BM" + b"\0" * 20, ("Incomplete bmp content, requires at least 32 bytes to "
                                   "find the header size, width, height, and bpp, got 22 bytes")),
             (_bmp(img)[:-5], "Incomplete bmp content, requires at least 68 bytes, got 65 bytes"),
             # TF reads the 16-bit bit count as 32 bits: BI_BITFIELDS (3) lands in its top half
             (_bmp(np.zeros((2, 2, 4), np.uint8), compression=3),
              "Number of channels must be 1, 3 or 4, was 24580")]
    for data, msg in cases:
        with pytest.raises(tf.errors.InvalidArgumentError, match="^" + msg):
            run(tf.image.decode_bmp(data))
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match="^channels attribute 4 does not match bits per pixel from file 3"):
        run(tf.image.decode_bmp(_bmp(img), channels=4))
    with pytest.raises(ValueError, match="channels must be 0, 1, 3 or 4, got 2"):
        tf.image.decode_bmp(_bmp(img), channels=2)


def test_decode_image_dispatches_and_converts_as_tf_1_15():
    rng = np.random.default_rng(5)
    img = rng.integers(0, 256, (4, 6, 3), dtype=np.uint8)
    idx = rng.integers(0, 4, (4, 6))
    png, bmp = _encode_png(img, -1), _bmp(img)
    gif = _gif(6, 4, [(0, 0, idx, None), (0, 0, idx[::-1].copy(), None)])
    t = tf.image.decode_image(gif)
    assert t.shape.ndims is None                               # a GIF is 4-D: no static rank
    assert tf.image.decode_image(gif, expand_animations=False).shape.as_list() == \
        [None, None, None]
    got = run([tf.image.decode_image(png), tf.image.decode_image(bmp), t,
               tf.image.decode_image(gif, expand_animations=False),
               tf.image.decode_image(png, dtype=tf.float32),
               tf.image.decode_image(bmp, dtype=tf.float32),
               tf.image.decode_image(bmp, dtype=tf.uint16),
               tf.image.decode_image(png, dtype=tf.uint16)])
    np.testing.assert_array_equal(got[0], img)
    np.testing.assert_array_equal(got[1], img)
    assert got[2].shape == (2, 4, 6, 3)
    np.testing.assert_array_equal(got[3], PALETTE[idx])
    # PNG: decoded to uint16 (x257) then / 65535; BMP: uint8 * float32(1/255)
    np.testing.assert_allclose(got[4], img.astype(np.float32) * 257 * np.float32(1 / 65535))
    np.testing.assert_array_equal(got[5], img.astype(np.float32) * np.float32(1 / 255))
    assert got[6].dtype == np.uint16 and (got[6] == img.astype(np.uint16) * 256).all()
    assert (got[7] == img.astype(np.uint16) * 257).all()


def test_decode_image_errors_are_tfs_assertions():
    img = np.zeros((2, 2, 3), np.uint8)
    gif = _gif(2, 2, [(0, 0, np.zeros((2, 2)), None)])
    cases = [(b"not an image", None,
              "Unable to decode bytes as JPEG, PNG, GIF, or BMP"),
             (gif, 1, "Channels must be in (None, 0, 3) when decoding GIF images"),
             (gif, 4, "Channels must be in (None, 0, 3) when decoding GIF images"),
             (_bmp(img), 1, "Channels must be in (None, 0, 3) when decoding BMP images"),
             (b"\xff\xd8\xff\xe0 a jpeg", 4,
              "Channels must be in (None, 0, 1, 3) when decoding JPEG images")]
    for data, ch, msg in cases:
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=r"^assertion failed: \[" + msg.replace("(", r"\(").replace(
                               ")", r"\)") + r"\]"):
            run(tf.image.decode_image(data, channels=ch))
    with pytest.raises(ValueError, match=r"^channels must be in \(None, 0, 1, 3, 4\)$"):
        tf.image.decode_image(gif, channels=2)
    # a 32-bit BMP asked for 3 channels keeps its 4 (TF decodes it with channels=0)
    assert run(tf.image.decode_image(_bmp(np.zeros((2, 2, 4), np.uint8)), channels=3)).shape \
        == (2, 2, 4)


def test_against_pillow():
    image_mod = pytest.importorskip("PIL.Image")
    rng = np.random.default_rng(7)
    frames = [image_mod.fromarray(rng.integers(0, 256, (33, 47, 3), dtype=np.uint8)).quantize(
        200) for _ in range(3)]
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:], interlace=True)
    got = run(tf.image.decode_gif(buf.getvalue()))
    for g, f in zip(got, frames):
        np.testing.assert_array_equal(g, np.asarray(f.convert("RGB")))
    img = rng.integers(0, 256, (9, 13, 3), dtype=np.uint8)
    for mode, arr in (("RGB", img), ("RGBA", np.dstack([img, img[..., :1]]))):
        buf = io.BytesIO()
        image_mod.fromarray(arr, mode).save(buf, "BMP")
        np.testing.assert_array_equal(run(tf.image.decode_bmp(buf.getvalue())), arr)
    buf = io.BytesIO()
    image_mod.fromarray(img).save(buf, "JPEG", quality=90)
    j8, j16 = run([tf.image.decode_image(buf.getvalue()),
                   tf.image.decode_image(buf.getvalue(), dtype=tf.uint16)])
    np.testing.assert_array_equal(j16, j8.astype(np.uint16) * 256)   # TF: x256, not x257


@pytest.mark.parametrize("method", [tf.image.ResizeMethod.BILINEAR,
                                    tf.image.ResizeMethod.NEAREST_NEIGHBOR])
def test_resize_images_of_a_size_known_only_at_run_time(method):
    # (dlcore refused [?, ?, C] at build time; TF 1.15 resizes it when the graph runs)
    img = np.random.default_rng(2).integers(0, 256, (5, 7, 3)).astype(np.uint8)
    p = tf.placeholder(tf.uint8, [None, None, 3])
    y = tf.image.resize_images(p, [4, 9], method=method, align_corners=True)
    assert y.shape.as_list() == [4, 9, 3]
    ref = tf.image.resize_images(tf.constant(img), [4, 9], method=method, align_corners=True)
    with tf.Session() as s:
        got, want = s.run([y, ref], {p: img})
    assert got.dtype == want.dtype
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-4)


def _gif_codes(w, h, codes):
    """A one-frame GIF of 3-bit LZW ``codes`` (min code size 2) as they are."""
    raw = sum(c << (3 * n) for n, c in enumerate(codes)).to_bytes((3 * len(codes) + 7) // 8,
                                                                  "little")
    return (b"GIF89a" + struct.pack("<HHBBB", w, h, 0x81, 0, 0) + PALETTE.tobytes() + b"\x2c" +
            struct.pack("<HHHHB", 0, 0, w, h, 0) + bytes([2, len(raw)]) + raw + b"\0\x3b")


@pytest.mark.parametrize("codes, why", [
    ([4, 1, 5], "Image EOF detected before image complete"),       # an end code too soon
    ([4, 1], "Image is defective, decoding aborted"),              # the data ends too soon
])
def test_decode_gif_of_a_truncated_lzw_stream_is_giflibs_error(codes, why):
    # (review21 R2: the missing pixels were filled with index 0; an 8000x8000 frame of three
    # codes decoded to 192 MB)
    for w, h in ((2, 2), (8000, 8000)):
        data = _gif_codes(w, h, codes)
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=rf"^Invalid GIF data \(size {len(data)}\), failed to slurp gif "
                                 rf"file: {why}\n"):
            run(tf.image.decode_gif(data))
    assert run(tf.image.decode_gif(_gif_codes(2, 2, [4, 1, 2, 4, 3, 0, 5]))).tolist() == \
        [[[[255, 0, 0], [0, 255, 0]], [[0, 0, 255], [0, 0, 0]]]]
