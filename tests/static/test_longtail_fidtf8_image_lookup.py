"""tf.image.crop_and_resize / non_max_suppression* / decode_png / encode_png / JPEG and
tf.contrib.lookup (TF 1.15) against NumPy re-implementations of TF's kernels, Pillow's codecs
and central differences; misuse by error type and message."""

from __future__ import annotations

import io
import math
import struct
import zlib

import numpy as np
import pytest

import dlcore_static as tf
from tests.static.static_gradcheck import numeric_grad

RNG = np.random.default_rng(11)


@pytest.fixture(autouse=True)
def _fresh_rng():
    """Each test draws the same data however the tests are split between workers."""
    global RNG
    RNG = np.random.default_rng(11)


def run(fetches, feed=None):
    with tf.Session() as s:
        return s.run(fetches, feed)


# ---------------------------------------------------------------------- crop_and_resize
def crop_and_resize_ref(img, boxes, box_ind, ch, cw, method="bilinear", extrap=0.0,
                        f=np.float32):
    """TF's CropAndResize CPU kernel, loop for loop (its coordinates in float32, or ``f``)."""
    _, h, w, d = img.shape
    out = np.zeros((len(boxes), ch, cw, d))
    for b, (y1, x1, y2, x2) in enumerate(np.asarray(boxes, f)):
        bi = box_ind[b]
        hs = (y2 - y1) * f(h - 1) / f(ch - 1) if ch > 1 else f(0)
        ws = (x2 - x1) * f(w - 1) / f(cw - 1) if cw > 1 else f(0)
        for y in range(ch):
            in_y = y1 * f(h - 1) + f(y) * hs if ch > 1 else f(0.5) * (y1 + y2) * f(h - 1)
            if in_y < 0 or in_y > h - 1:
                out[b, y] = extrap
                continue
            for x in range(cw):
                in_x = x1 * f(w - 1) + f(x) * ws if cw > 1 else f(0.5) * (x1 + x2) * f(w - 1)
                if in_x < 0 or in_x > w - 1:
                    out[b, y, x] = extrap
                    continue
                if method == "nearest":
                    out[b, y, x] = img[bi, math.floor(in_y + 0.5),
                                       math.floor(in_x + 0.5)]
                    continue
                ty, by, yl = math.floor(in_y), math.ceil(in_y), in_y - math.floor(in_y)
                lx, rx, xl = math.floor(in_x), math.ceil(in_x), in_x - math.floor(in_x)
                top = img[bi, ty, lx] + (img[bi, ty, rx] - img[bi, ty, lx]) * xl
                bot = img[bi, by, lx] + (img[bi, by, rx] - img[bi, by, lx]) * xl
                out[b, y, x] = top + (bot - top) * yl
    return out


BOXES = np.array([[0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9], [-0.2, -0.1, 1.3, 0.5],
                  [0.5, 0.4, 0.5, 0.6], [0.9, 0.8, 0.2, 0.1]], np.float32)
BOX_IND = np.array([0, 1, 1, 0, 1], np.int32)


@pytest.mark.parametrize("method,size", [("bilinear", (3, 4)), ("nearest", (4, 3)),
                                         ("bilinear", (1, 1)), ("bilinear", (1, 5))])
def test_crop_and_resize_matches_tf_kernel(method, size):
    img = RNG.standard_normal((2, 5, 6, 3)).astype(np.float32)
    y = tf.image.crop_and_resize(img, BOXES, BOX_IND, list(size), method=method,
                                 extrapolation_value=-2.5)
    assert y.dtype == tf.float32 and y.shape.as_list() == [5, *size, 3]
    want = crop_and_resize_ref(img.astype(np.float64), BOXES.astype(np.float64), BOX_IND,
                               *size, method, -2.5)
    np.testing.assert_allclose(run(y), want, rtol=1e-5, atol=1e-5)


def test_crop_and_resize_uint8_image_and_unknown_sizes():
    img = RNG.integers(0, 256, (1, 7, 5, 1)).astype(np.uint8)
    p = tf.placeholder(tf.uint8, [None, None, None, 1])
    y = tf.image.crop_and_resize(p, BOXES[:2], [0, 0], [4, 4])
    want = crop_and_resize_ref(img.astype(np.float64), BOXES[:2].astype(np.float64), [0, 0],
                               4, 4)
    np.testing.assert_allclose(run(y, {p: img}), want, rtol=1e-5, atol=1e-4)


def test_crop_and_resize_gradients_wrt_image_and_boxes():
    img = RNG.standard_normal((2, 4, 5, 2))
    boxes = np.array([[0.1, 0.15, 0.7, 0.9], [0.3, 0.05, 0.95, 0.6]])
    pi = tf.placeholder(tf.float64, img.shape)
    pb = tf.placeholder(tf.float64, boxes.shape)
    y = tf.image.crop_and_resize(pi, pb, [1, 0], [3, 3])
    w = RNG.standard_normal((2, 3, 3, 2))
    loss = tf.reduce_sum(y * w)
    gi, gb = tf.gradients(loss, [pi, pb])
    with tf.Session() as s:
        gv, gbv = s.run([gi, gb], {pi: img, pb: boxes})

    # central differences of the NumPy kernel in float64 (the graph crops in float32, as
    # TF's kernel, so differences of the graph itself would be rounding noise)
    def ref(i, bx):
        return np.sum(crop_and_resize_ref(i, bx, [1, 0], 3, 3, f=np.float64) * w)
    ni = numeric_grad(lambda v: ref(v, boxes), img.copy())
    nb = numeric_grad(lambda v: ref(img, v), boxes.copy())
    np.testing.assert_allclose(gv, ni, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(gbv, nb, rtol=1e-4, atol=1e-5)
    # the image gradient is the kernel's weights scattered back: linear in w
    assert abs(gv.sum() - w.sum()) < 1e-3          # each output's 4 weights sum to 1


def test_crop_and_resize_errors():
    img = tf.zeros([2, 4, 4, 1])
    with pytest.raises(ValueError, match=r"Shape must be rank 4 but is rank 3 for "
                                         r"'CropAndResize' \(op: 'CropAndResize'\) with input "
                                         r"shapes: \[4,4,1\], \[1,4\], \[1\], \[2\]\."):
        tf.image.crop_and_resize(tf.zeros([4, 4, 1]), [[0, 0, 1, 1.0]], [0], [2, 2])
    with pytest.raises(ValueError, match=r"Dimension must be 4 but is 3 for 'CropAndResize_1'"):
        tf.image.crop_and_resize(img, [[0, 0, 1.0]], [0], [2, 2])
    with pytest.raises(ValueError, match="method must be 'bilinear' or 'nearest'"):
        tf.image.crop_and_resize(img, [[0, 0, 1, 1.0]], [0], [2, 2], method="bicubic")
    y = tf.image.crop_and_resize(img, [[0, 0, 1, 1.0]], [2], [2, 2])
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"box_index has values outside \[0, batch_size\)"):
        run(y)


# ---------------------------------------------------------------------- NMS
def nms_ref(boxes, scores, k, thr, score_thr=-np.inf):
    """Greedy NMS as TF 1.15 runs it: by descending score (ties: lower index), drop a box
    whose IoU with a kept one is >= thr (TF 1.15's comparison, tensorflow#34268)."""
    def iou(a, b):
        ya0, ya1 = sorted((a[0], a[2]))
        xa0, xa1 = sorted((a[1], a[3]))
        yb0, yb1 = sorted((b[0], b[2]))
        xb0, xb1 = sorted((b[1], b[3]))
        aa, ab = (ya1 - ya0) * (xa1 - xa0), (yb1 - yb0) * (xb1 - xb0)
        if aa <= 0 or ab <= 0:
            return 0.0
        inter = max(min(ya1, yb1) - max(ya0, yb0), 0) * max(min(xa1, xb1) - max(xa0, xb0), 0)
        return inter / (aa + ab - inter)
    order = sorted(range(len(scores)), key=lambda i: (-scores[i], i))
    keep: list[int] = []
    for i in order:
        if len(keep) == k or scores[i] <= score_thr:
            continue
        if all(iou(boxes[i], boxes[j]) < thr for j in keep):
            keep.append(i)
    return keep


def test_nms_tf_doc_example_and_random_against_reference():
    boxes = np.array([[0, 0, 1, 1], [0, 0.1, 1, 1.1], [0, -0.1, 1, 0.9], [0, 10, 1, 11],
                      [0, 10.1, 1, 11.1], [0, 100, 1, 101]], np.float32)
    scores = np.array([0.9, 0.75, 0.6, 0.95, 0.5, 0.3], np.float32)
    sel = tf.image.non_max_suppression(boxes, scores, 3, iou_threshold=0.5)
    assert sel.dtype == tf.int32 and sel.shape.as_list() == [None]
    assert run(sel).tolist() == [3, 0, 5]
    rb = RNG.random((40, 4)).astype(np.float32)
    rs = np.round(RNG.random(40), 1).astype(np.float32)           # many ties
    rs[[3, 7]] = rs[5]
    mos, thr = tf.placeholder(tf.int32, []), tf.placeholder(tf.float32, [])
    out = tf.image.non_max_suppression(rb, rs, mos, thr, score_threshold=0.15)
    for k, t in ((10, 0.3), (40, 0.0), (0, 0.5), (5, 1.0), (40, 0.05)):
        got = run(out, {mos: k, thr: t}).tolist()
        assert got == nms_ref(rb.astype(np.float64), rs, k, t, 0.15), (k, t)
    # tensorflow#34268: TF 1.15 keeps one of three disjoint boxes at iou_threshold=0
    disjoint = [[90, 480, 106, 496], [269, 536, 282, 549], [382, 556, 395, 569.0]]
    assert run(tf.image.non_max_suppression(disjoint, [1.0, 1.0, 1.0], 3,
                                            iou_threshold=0.0)).tolist() == [0]


def test_nms_padded_with_scores_and_overlaps():
    boxes = np.array([[0, 0, 1, 1], [0, 0.1, 1, 1.1], [0, 10, 1, 11]], np.float32)
    scores = np.array([0.9, 0.8, 0.7], np.float32)
    idx, valid = tf.image.non_max_suppression_padded(boxes, scores, 5, 0.5,
                                                     pad_to_max_output_size=True)
    assert idx.shape.as_list() == [5]
    idx2, valid2 = tf.image.non_max_suppression_padded(boxes, scores, 5, 0.5)
    si, ss = tf.image.non_max_suppression_with_scores(boxes, scores, 3, 1.0,
                                                      soft_nms_sigma=0.5)
    overlaps = np.full((3, 3), 0.6, np.float32)
    np.fill_diagonal(overlaps, 1.0)                           # (a box overlaps itself)
    ov = tf.image.non_max_suppression_overlaps(overlaps, scores, 3, overlap_threshold=0.5)
    got = run([idx, valid, idx2, valid2, si, ss, ov])
    assert got[0].tolist() == [0, 2, 0, 0, 0] and got[1] == 2
    assert got[2].tolist() == [0, 2] and got[3] == 2
    # Soft-NMS: box 1's score decays by exp(-iou^2 / (2 sigma)), iou = 0.9/1.1 (below the
    # threshold 1.0; at or above it TF 1.15 drops the box, soft or not)
    iou = 0.9 / 1.1
    assert got[4].tolist() == [0, 2, 1]
    np.testing.assert_allclose(got[5], [0.9, 0.7, 0.8 * math.exp(-iou * iou / 1.0)],
                               rtol=1e-6)
    assert got[6].tolist() == [0]


def test_nms_errors():
    with pytest.raises(ValueError, match=r"Shape must be rank 2 but is rank 1 for "
                                         r"'non_max_suppression/NonMaxSuppressionV3' \(op: "
                                         r"'NonMaxSuppressionV3'\) with input shapes: \[4\], "
                                         r"\[1\], \[\], \[\], \[\]\."):
        tf.image.non_max_suppression([0, 0, 1, 1.0], [1.0], 1)
    with pytest.raises(ValueError, match="Dimension must be 4 but is 3"):
        tf.image.non_max_suppression([[0, 0, 1.0]], [1.0], 1)
    with pytest.raises(ValueError, match="Dimensions must be equal, but are 1 and 2"):
        tf.image.non_max_suppression([[0, 0, 1, 1.0]], [1.0, 2.0], 1)
    thr = tf.placeholder(tf.float32, [])
    sel = tf.image.non_max_suppression([[0, 0, 1, 1.0]], [1.0], 1, thr)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"iou_threshold must be in "
                                                             r"\[0, 1\]"):
        run(sel, {thr: 1.5})


# ---------------------------------------------------------------------- PNG / JPEG
def _png(rows: list[bytes], w, h, depth, ctype, extra=b"", interlace=0) -> bytes:
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + \
            struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    return (b"\x89PNG\r\n\x1a\n" +
            chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, ctype, 0, 0, interlace)) +
            extra + chunk(b"IDAT", zlib.compress(b"".join(rows))) + chunk(b"IEND", b""))


def _filtered(img: np.ndarray, ftype: int, bpp: int) -> list[bytes]:
    """Rows of ``img`` (h, stride) uint8 encoded with one PNG filter."""
    out, prev = [], np.zeros(img.shape[1], np.int64)
    for row in img.astype(np.int64):
        enc = np.zeros_like(row)
        for i in range(len(row)):
            a = row[i - bpp] if i >= bpp else 0
            b, c = prev[i], (prev[i - bpp] if i >= bpp else 0)
            if ftype == 0:
                pred = 0
            elif ftype == 1:
                pred = a
            elif ftype == 2:
                pred = b
            elif ftype == 3:
                pred = (a + b) // 2
            else:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else b if pb <= pc else c
            enc[i] = (row[i] - pred) % 256
        out.append(bytes([ftype]) + enc.astype(np.uint8).tobytes())
        prev = row
    return out


@pytest.mark.parametrize("ftype", [0, 1, 2, 3, 4])
def test_decode_png_every_filter_rgba(ftype):
    img = RNG.integers(0, 256, (5, 7, 4)).astype(np.uint8)
    data = _png(_filtered(img.reshape(5, -1), ftype, 4), 7, 5, 8, 6)
    d = tf.image.decode_png(data)
    assert d.dtype == tf.uint8 and d.shape.as_list() == [None, None, None]
    np.testing.assert_array_equal(run(d), img)


def test_decode_png_conversions_depths_palette_interlace():
    gray2 = RNG.integers(0, 4, (3, 9)).astype(np.uint8)            # 2-bit grey
    packed = np.packbits(np.unpackbits(gray2[..., None], axis=2)[..., 6:].reshape(3, -1),
                         axis=1)
    data2 = _png(_filtered(packed, 0, 1), 9, 3, 2, 0)
    pal = RNG.integers(0, 256, (4, 3)).astype(np.uint8)
    idx = RNG.integers(0, 4, (2, 5)).astype(np.uint8)
    trns = struct.pack(">I", 2) + b"tRNS" + bytes([10, 20]) + \
        struct.pack(">I", zlib.crc32(b"tRNS" + bytes([10, 20])) & 0xFFFFFFFF)
    plte = struct.pack(">I", 12) + b"PLTE" + pal.tobytes() + \
        struct.pack(">I", zlib.crc32(b"PLTE" + pal.tobytes()) & 0xFFFFFFFF)
    datap = _png(_filtered(idx, 0, 1), 5, 2, 8, 3, extra=plte + trns)
    rgb16 = RNG.integers(0, 65536, (3, 4, 3)).astype(np.uint16)
    data16 = _png(_filtered(np.frombuffer(rgb16.astype(">u2").tobytes(), np.uint8)
                            .reshape(3, -1), 4, 6), 4, 3, 16, 2)
    # Adam7: a 3x3 grey image, passes 1 (0,0), 4 (0,2), 5 (2,0),(2,2), 6 (0,1),(2,1),
    # 7 (row 1)
    g = RNG.integers(0, 256, (3, 3)).astype(np.uint8)
    passes = [g[0:1, 0:1], g[0:1, 2:3], g[2:3, 0::2], g[0::2, 1:2], g[1:2, :]]
    rows = [r for p in passes for r in _filtered(np.ascontiguousarray(p), 0, 1)]
    datai = _png(rows, 3, 3, 8, 0, interlace=1)
    got = run([tf.image.decode_png(data2), tf.image.decode_png(datap),
               tf.image.decode_png(datap, channels=3),
               tf.image.decode_png(data16, dtype=tf.uint16),
               tf.image.decode_png(data16), tf.image.decode_png(data16, channels=1,
                                                                dtype=tf.uint16),
               tf.image.decode_png(datai), tf.image.decode_png(datai, channels=4,
                                                               dtype=tf.uint16)])
    np.testing.assert_array_equal(got[0][..., 0], gray2 * 85)
    alpha = np.array([10, 20, 255, 255], np.uint8)[idx]
    np.testing.assert_array_equal(got[1], np.concatenate([pal[idx], alpha[..., None]], -1))
    np.testing.assert_array_equal(got[2], pal[idx])
    np.testing.assert_array_equal(got[3], rgb16)
    np.testing.assert_array_equal(got[4], (rgb16 >> 8).astype(np.uint8))
    c = rgb16.astype(np.int64)
    gray = (9797 * c[..., 0] + 19234 * c[..., 1] + 3737 * c[..., 2] + 16384) >> 15
    np.testing.assert_array_equal(got[5][..., 0], gray)
    np.testing.assert_array_equal(got[6][..., 0], g)
    g16 = g.astype(np.uint16) * 257
    np.testing.assert_array_equal(got[7], np.stack([g16, g16, g16,
                                                    np.full_like(g16, 65535)], -1))


def test_encode_png_round_trip_and_readable_by_pillow():
    image_mod = pytest.importorskip("PIL.Image")
    imgs = [RNG.integers(0, 256, (4, 6, c)).astype(np.uint8) for c in (1, 2, 3, 4)]
    encs = [tf.image.encode_png(i, compression=c) for i, c in zip(imgs, (-1, 0, 9, 5))]
    # 16 bits: dlcore holds no uint16 constants, but decode_png's uint16 output encodes
    g16 = RNG.integers(0, 65536, (3, 5, 2)).astype(np.uint16)
    imgs.append(g16)
    encs.append(tf.image.encode_png(tf.image.decode_png(_png(_filtered(np.frombuffer(
        g16.astype(">u2").tobytes(), np.uint8).reshape(3, -1), 2, 4), 5, 3, 16, 4),
        dtype=tf.uint16)))
    decs = [tf.image.decode_png(e, dtype=tf.as_dtype(i.dtype)) for e, i in zip(encs, imgs)]
    bytes_, got = run([encs, decs])
    for b, g, i in zip(bytes_, got, imgs):
        assert isinstance(b, bytes) and b[:8] == b"\x89PNG\r\n\x1a\n"
        np.testing.assert_array_equal(g, i)
        if i.dtype == np.uint8:
            pil = np.asarray(image_mod.open(io.BytesIO(b)))
            np.testing.assert_array_equal(pil.reshape(i.shape), i)


def test_jpeg_through_pillow():
    image_mod = pytest.importorskip("PIL.Image")
    img = np.tile(np.linspace(0, 255, 16, dtype=np.uint8)[None, :, None], (8, 1, 3))
    buf = io.BytesIO()
    image_mod.fromarray(img).save(buf, "JPEG", quality=90)
    enc = tf.image.encode_jpeg(img, quality=95)
    got = run([tf.image.decode_jpeg(buf.getvalue()), tf.image.decode_jpeg(enc, channels=1),
               tf.image.decode_image(buf.getvalue()), enc])
    np.testing.assert_array_equal(got[0], np.asarray(image_mod.open(io.BytesIO(
        buf.getvalue())).convert("RGB")))
    np.testing.assert_array_equal(got[2], got[0])
    assert got[1].shape == (8, 16, 1) and np.abs(got[1][..., 0].astype(int) -
                                                 img[..., 0]).max() <= 3
    assert image_mod.open(io.BytesIO(got[3])).format == "JPEG"


def test_codec_errors():
    with pytest.raises(tf.errors.InvalidArgumentError, match="Invalid PNG header"):
        run(tf.image.decode_png(b"not a png"))
    bad = bytearray(_png(_filtered(np.zeros((1, 3), np.uint8), 0, 3), 1, 1, 8, 2))
    bad[-20] ^= 0xFF                                              # corrupt the IDAT's CRC
    with pytest.raises(tf.errors.InvalidArgumentError, match="CRC error in chunk"):
        run(tf.image.decode_png(bytes(bad)))
    with pytest.raises(TypeError, match="EncodePng: image must be uint8 or uint16, got "
                                        "float32"):
        tf.image.encode_png(tf.zeros([2, 2, 1]))
    with pytest.raises(ValueError, match="Shape must be rank 3 but is rank 2 for 'EncodePng'"):
        tf.image.encode_png(tf.zeros([2, 2], tf.uint8))
    with pytest.raises(ValueError, match="DecodePng: channels must be 0, 1, 2, 3 or 4"):
        tf.image.decode_png(b"", channels=5)


# ---------------------------------------------------------------------- contrib.lookup
def test_hash_table_lookup_initialisation_and_errors():
    lk = tf.contrib.lookup
    table = lk.HashTable(lk.KeyValueTensorInitializer(["a", "b", "c"], [1, 2, 3],
                                                      value_dtype=tf.int64), -1)
    w = tf.placeholder(tf.string, [None, 2])
    ids = table.lookup(w)
    assert ids.dtype == tf.int64 and ids.shape.as_list() == [None, 2]
    with tf.Session() as s:
        with pytest.raises(tf.errors.FailedPreconditionError, match="Table not initialized."):
            s.run(ids, {w: [["a", "b"]]})
        s.run(tf.tables_initializer())
        s.run(table.init)                                   # again: a no-op
        got = s.run([ids, table.size()], {w: [["a", "zz"], ["c", "b"]]})
    assert got[0].tolist() == [[1, -1], [3, 2]] and got[1] == 3
    with pytest.raises(TypeError, match="Signature mismatch. Keys must be dtype"):
        table.lookup(tf.constant([1, 2]))
    dup = lk.HashTable(lk.KeyValueTensorInitializer([1, 1], [5, 6]), 0)
    with pytest.raises(tf.errors.FailedPreconditionError, match="HashTable has different "
                                                                "value for same key. Key 1 "
                                                                "has 5 and trying to add "
                                                                "value 6"):
        run(dup.init)


def test_index_tables_and_oov_buckets():
    lk = tf.contrib.lookup
    vocab = ["emerson", "lake", "palmer"]
    t = lk.index_table_from_tensor(tf.constant(vocab), default_value=-1)
    t_oov = lk.index_table_from_tensor(vocab, num_oov_buckets=4)
    t_int = lk.index_table_from_tensor([10, 20], dtype=tf.int64)
    back = lk.index_to_string_table_from_tensor(vocab, default_value="UNKNOWN")
    words = tf.constant(["emerson", "lake", "and", "palmer", "zz"])
    ids = t.lookup(words)
    with tf.Session() as s:
        s.run(tf.tables_initializer())
        got = s.run([ids, t_oov.lookup(words), t_int.lookup(tf.constant([20, 5], tf.int64)),
                     back.lookup(tf.constant([2, 0, 9], tf.int64)),
                     tf.strings.to_hash_bucket_fast(["and", "zz"], 4), t_oov.size()])
    assert got[0].tolist() == [0, 1, -1, 2, -1]
    assert got[1].tolist() == [0, 1, 3 + got[4][0], 2, 3 + got[4][1]]
    assert got[2].tolist() == [1, -1]
    assert got[3].tolist() == [b"palmer", b"emerson", b"UNKNOWN"]
    assert got[5] == 7


def test_tf_lookup_static_tables():
    init = tf.lookup.KeyValueTensorInitializer(["a", "b"], tf.constant([0, 1], tf.int64))
    vocab = tf.lookup.StaticVocabularyTable(init, num_oov_buckets=2)
    table = tf.lookup.StaticHashTable(tf.lookup.KeyValueTensorInitializer(["a", "b"], [3, 4]),
                                      default_value=0)
    keys = tf.constant(["b", "zz", "q", "a"])
    with tf.Session() as s:
        s.run(tf.tables_initializer())
        ids, buckets, vals = s.run([vocab.lookup(keys), tf.strings.to_hash_bucket_fast(
            ["zz", "q"], 2), table.lookup(tf.constant(["a", "c"]))])
    assert ids.tolist() == [1, 2 + buckets[0], 2 + buckets[1], 0]
    assert vals.tolist() == [3, 0] and vals.dtype == np.int32
    with pytest.raises(ValueError, match="oov_buckets must be > 0."):
        tf.lookup.StaticVocabularyTable(init, 0)


def test_text_file_tables(tmp_path):
    lk = tf.contrib.lookup
    vocab = tmp_path / "vocab.txt"
    vocab.write_text("<unk>\n<s>\n</s>\nhello\nworld\n")
    cols = tmp_path / "cols.txt"
    cols.write_text("a\t5\r\nb\t7\n")
    words = tf.constant(["hello", "xx", "world", "</s>"])
    t = lk.index_table_from_file(str(vocab), default_value=0)
    t_oov = lk.index_table_from_file(str(vocab), num_oov_buckets=2, vocab_size=4)
    back = lk.index_to_string_table_from_file(str(vocab))
    two = lk.HashTable(lk.TextFileInitializer(str(cols), tf.string, 0, tf.int64, 1), -1)
    with tf.Session() as s:
        s.run(tf.tables_initializer())
        got = s.run([t.lookup(words), t_oov.lookup(words), tf.strings.to_hash_bucket_fast(
            ["xx", "world"], 2), back.lookup(tf.constant([3, 9], tf.int64)),
            two.lookup(tf.constant(["b", "a", "z"])), t.size()])
    assert got[0].tolist() == [3, 0, 4, 2]
    assert got[1].tolist() == [3, 4 + got[2][0], 4 + got[2][1], 2]     # 'world' beyond 4
    assert got[3].tolist() == [b"hello", b"UNK"]
    assert got[4].tolist() == [7, 5, -1] and got[5] == 5


def test_text_file_table_errors(tmp_path):
    lk = tf.contrib.lookup
    vocab = tmp_path / "v.txt"
    vocab.write_text("a\nb\n")
    missing = lk.index_table_from_file(str(tmp_path / "nope.txt"))
    short = lk.index_table_from_file(str(vocab), vocab_size=5)
    bad = lk.HashTable(lk.TextFileInitializer(str(vocab), tf.string, 0, tf.int64, 1), -1)
    with tf.Session() as s:
        with pytest.raises(tf.errors.NotFoundError, match="nope.txt"):
            s.run(missing.init)
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=r"Invalid vocab_size in .*v.txt: expected 5 but got 2"):
            s.run(short.init)
        with pytest.raises(tf.errors.InvalidArgumentError, match=r"Invalid number of columns"):
            s.run(bad.init)
        with pytest.raises(tf.errors.FailedPreconditionError, match="Table not initialized."):
            s.run(short.lookup(tf.constant(["a"])))           # a failed init changed nothing
    with pytest.raises(ValueError, match="vocabulary_file must be specified"):
        lk.index_table_from_file("")
    with pytest.raises(ValueError, match="Signature mismatch. Keys must be dtype"):
        lk.TextFileInitializer(str(vocab), tf.string, lk.TextFileIndex.LINE_NUMBER, tf.int64,
                               0)
