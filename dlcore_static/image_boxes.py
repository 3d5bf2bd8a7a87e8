"""``tf.image``'s box operations of TensorFlow 1.15: ``crop_and_resize`` and the non-maximum
suppressions (``non_max_suppression``, ``_padded``, ``_with_scores``, ``_overlaps``).

crop_and_resize is a composite of dlcore ops (``gather_nd`` of the four neighbours, then the
lerps), so gradients flow to the image (``gather_nd``'s vjp scatters them back: TF's
CropAndResizeGradImage) and to the boxes (through the interpolation weights)::

    in_y = y1 (H-1) + i (y2-y1)(H-1)/(ch-1)       (ch = 1: (y1+y2)(H-1)/2), in_x alike
    bilinear: top/bottom = floor/ceil(in_y), lerp x then y;  nearest: round half away from 0
    out = extrapolation_value where in_y or in_x lies outside [0, H-1] / [0, W-1]

The suppressions are host ops (no gradient, as TF's), TF 1.15's kernel step for step in the
boxes' precision: candidates with score > score_threshold in a priority queue ordered by score,
ties to the lower index; a candidate is dropped when its IoU with a selected box is >=
iou_threshold (TF 1.15's comparison, its issue #34268: iou_threshold=0 keeps one box; later TF
uses >), soft-NMS (``soft_nms_sigma`` > 0) decays a score by exp(-iou^2 / (2 sigma)) below the
threshold and re-queues the candidate.  IoU of boxes given by any two opposite corners; a box
of zero area overlaps nothing.
"""

from __future__ import annotations

import heapq
import math
import sys

import numpy as np

from . import host_ops as _host
from .constant_op import constant_value as _static

__all__ = ["crop_and_resize", "non_max_suppression", "non_max_suppression_overlaps",
           "non_max_suppression_padded", "non_max_suppression_with_scores"]


def _tf():
    return sys.modules["dlcore_static"]


def _shape_str(t) -> str:
    s = t.shape
    if s.ndims is None:
        return "?"
    return "[" + ",".join("?" if d is None else str(d) for d in s.as_list()) + "]"


def _check_rank(op: str, node: str, inputs, ranks) -> None:
    """TF's shape-function errors: 'Shape must be rank R but is rank r for ...'."""
    shapes = ", ".join(_shape_str(t) for t in inputs)
    for t, r in zip(inputs, ranks):
        if r is not None and t.shape.ndims is not None and t.shape.ndims != r:
            raise ValueError(f"Shape must be rank {r} but is rank {t.shape.ndims} for "
                             f"'{node}' (op: '{op}') with input shapes: {shapes}.")


def _check_dim(op: str, node: str, inputs, t, axis: int, want: int) -> None:
    d = t.shape.as_list()[axis] if t.shape.ndims is not None else None
    if d is not None and d != want:
        shapes = ", ".join(_shape_str(x) for x in inputs)
        raise ValueError(f"Dimension must be {want} but is {d} for '{node}' (op: '{op}') "
                         f"with input shapes: {shapes}.")


# ---------------------------------------------------------------------- crop_and_resize
def crop_and_resize(image, boxes, box_ind=None, crop_size=None, method="bilinear",
                    extrapolation_value=0, name=None, box_indices=None):
    """Crops ``boxes`` (normalised [y1, x1, y2, x2]) of ``image[box_ind]`` resized to
    ``crop_size``: float32 [num_boxes, crop_height, crop_width, depth]."""
    tf = _tf()
    if box_ind is None:
        box_ind = box_indices
    if box_ind is None or crop_size is None:
        raise TypeError("crop_and_resize() missing required arguments: 'box_ind' and "
                        "'crop_size'")
    if method not in ("bilinear", "nearest"):
        raise ValueError(f"method must be 'bilinear' or 'nearest', got '{method}'")
    with tf.name_scope(name, "CropAndResize", [image, boxes, box_ind, crop_size]) as scope:
        image = tf.convert_to_tensor(image, name="image")
        boxes = tf.convert_to_tensor(boxes, name="boxes")
        box_ind = tf.convert_to_tensor(box_ind, name="box_ind")
        crop = tf.convert_to_tensor(crop_size, name="crop_size", dtype=tf.int32)
        node = scope.rstrip("/")
        ins = [image, boxes, box_ind, crop]
        _check_rank("CropAndResize", node, ins, [4, 2, 1, 1])
        _check_dim("CropAndResize", node, ins, boxes, 1, 4)
        _check_dim("CropAndResize", node, ins, crop, 0, 2)
        if not box_ind.dtype.is_integer:
            raise TypeError(f"crop_and_resize: box_ind must be int32, got {box_ind.dtype.name}")
        nb, nbi = boxes.shape.as_list()[0], box_ind.shape.as_list()[0]
        if nb is not None and nbi is not None and nb != nbi:
            raise ValueError(f"Dimensions must be equal, but are {nb} and {nbi} for '{node}' "
                             f"(op: 'CropAndResize') with input shapes: "
                             f"{', '.join(_shape_str(t) for t in ins)}.")
        try:
            ch, cw = (int(v) for v in _static(crop))
        except (TypeError, ValueError):
            raise NotImplementedError("crop_and_resize: crop_size must be known when the graph "
                                      "is built (a list or a constant)") from None
        if ch <= 0 or cw <= 0:
            raise ValueError("crop dimensions must be positive")
        h_known, w_known = image.shape.as_list()[1:3]
        img = tf.cast(image, tf.float32)
        boxes = tf.cast(boxes, tf.float32)
        shape = tf.shape(img)
        batch = shape[0]
        hm1 = tf.cast(shape[1] - 1, tf.float32) if h_known is None else float(h_known - 1)
        wm1 = tf.cast(shape[2] - 1, tf.float32) if w_known is None else float(w_known - 1)
        box_ind = tf.cast(box_ind, tf.int32)
        ok = tf.reduce_all(tf.logical_and(box_ind >= 0, box_ind < batch))
        check = tf.Assert(ok, ["box_index has values outside [0, batch_size)"],
                          name="box_index_check")
        y1, x1, y2, x2 = (boxes[:, k:k + 1] for k in range(4))         # [N, 1]
        in_y = _coords(tf, y1, y2, hm1, ch)                              # [N, ch]
        in_x = _coords(tf, x1, x2, wm1, cw)                              # [N, cw]
        valid = tf.logical_and(
            tf.expand_dims(tf.logical_and(in_y >= 0, in_y <= hm1), 2),
            tf.expand_dims(tf.logical_and(in_x >= 0, in_x <= wm1), 1))  # [N, ch, cw]
        ys = tf.clip_by_value(in_y, 0.0, hm1)
        xs = tf.clip_by_value(in_x, 0.0, wm1)
        with tf.control_dependencies([check]):
            b = tf.identity(box_ind)
        if method == "nearest":
            yi = tf.cast(_round_half_away(tf, ys), tf.int32)
            xi = tf.cast(_round_half_away(tf, xs), tf.int32)
            out = _gather(tf, img, b, yi, xi, ch, cw)
        else:
            top, left = tf.floor(ys), tf.floor(xs)
            bottom, right = tf.ceil(ys), tf.ceil(xs)
            y_lerp = tf.expand_dims(tf.expand_dims(ys - top, 2), 3)      # [N, ch, 1, 1]
            x_lerp = tf.expand_dims(tf.expand_dims(xs - left, 1), 3)     # [N, 1, cw, 1]
            ti, bi = tf.cast(top, tf.int32), tf.cast(bottom, tf.int32)
            li, ri = tf.cast(left, tf.int32), tf.cast(right, tf.int32)
            tl = _gather(tf, img, b, ti, li, ch, cw)
            tr = _gather(tf, img, b, ti, ri, ch, cw)
            bl = _gather(tf, img, b, bi, li, ch, cw)
            br = _gather(tf, img, b, bi, ri, ch, cw)
            t = tl + (tr - tl) * x_lerp
            bt = bl + (br - bl) * x_lerp
            out = t + (bt - t) * y_lerp
        fill = tf.zeros_like(out) + float(extrapolation_value)
        mask = tf.logical_and(tf.expand_dims(valid, 3), tf.ones_like(out, dtype=tf.bool))
        out = tf.where(mask, out, fill)
        out.set_shape([boxes.shape.as_list()[0], ch, cw, image.shape.as_list()[3]])
        return out


def _coords(tf, lo, hi, size_m1, n: int):
    """Source coordinates [N, n] of the n samples between ``lo`` and ``hi`` (TF's kernel)."""
    if n > 1:
        steps = tf.constant(np.arange(n, dtype=np.float32)[None, :])
        return lo * size_m1 + steps * ((hi - lo) * size_m1 / float(n - 1))
    return 0.5 * (lo + hi) * size_m1


def _round_half_away(tf, v):
    """C's roundf for the non-negative coordinates here: floor(v + 0.5)."""
    return tf.floor(v + 0.5)


def _gather(tf, img, b, yi, xi, ch: int, cw: int):
    """img[b[n], yi[n, i], xi[n, j], :] as [N, ch, cw, D]."""
    bb = tf.tile(tf.reshape(b, [-1, 1, 1]), [1, ch, cw])
    yy = tf.tile(tf.expand_dims(yi, 2), [1, 1, cw])
    xx = tf.tile(tf.expand_dims(xi, 1), [1, ch, 1])
    idx = tf.stack([bb, yy, xx], axis=3)
    return tf.gather_nd(img, idx)


# ---------------------------------------------------------------------- suppression
def _iou_matrix(boxes: np.ndarray) -> np.ndarray:
    """IoU of every pair, in the boxes' own precision (TF's kernel computes in float)."""
    b = boxes
    ymin = np.minimum(b[:, 0], b[:, 2])
    xmin = np.minimum(b[:, 1], b[:, 3])
    ymax = np.maximum(b[:, 0], b[:, 2])
    xmax = np.maximum(b[:, 1], b[:, 3])
    area = (ymax - ymin) * (xmax - xmin)
    ih = np.maximum(np.minimum(ymax[:, None], ymax[None]) - np.maximum(ymin[:, None],
                                                                         ymin[None]), 0)
    iw = np.maximum(np.minimum(xmax[:, None], xmax[None]) - np.maximum(xmin[:, None],
                                                                         xmin[None]), 0)
    inter = ih * iw
    with np.errstate(divide="ignore", invalid="ignore"):
        iou = inter / (area[:, None] + area[None] - inter)
    bad = (area[:, None] <= 0) | (area[None] <= 0)
    return np.where(bad, 0, iou).astype(b.dtype)


def _suppress(sim: np.ndarray, scores: np.ndarray, max_out: int, threshold, score_threshold,
              sigma):
    """TF 1.15's DoNonMaxSuppressionOp, step for step: (selected indices, their scores).

    As TF 1.15 (its tensorflow#34268), a candidate is dropped when its IoU with a selected box
    is >= the threshold, soft-NMS or not (iou_threshold=0 keeps one box); below it, soft-NMS
    decays the score by exp(-iou^2 / (2 sigma)) and re-queues the candidate."""
    dt = scores.dtype.type
    scale = dt(-0.5) / sigma if sigma > 0 else dt(0)
    heap = [(-s, i, 0) for i, s in enumerate(scores.tolist()) if dt(s) > score_threshold]
    heapq.heapify(heap)
    selected: list[int] = []
    selected_scores: list = []
    while len(selected) < max_out and heap:
        neg, idx, begin = heapq.heappop(heap)
        score = original = dt(-neg)
        hard = False
        for j in range(len(selected) - 1, begin - 1, -1):
            s = sim[idx, selected[j]]
            score = dt(score * (dt(math.exp(scale * s * s)) if s <= threshold else dt(0)))
            if s >= threshold:
                hard = True
                break
            if score <= score_threshold:
                break
        begin = len(selected)
        if hard:
            continue
        if score == original:
            selected.append(idx)
            selected_scores.append(score)
        if score > score_threshold:         # (TF 1.15 re-queues a selected one too; its
            heapq.heappush(heap, (-float(score), idx, begin))   # next pop meets itself)
    return selected, selected_scores


def _nms_impl(sim_in, scores, max_output_size, iou_threshold, score_threshold, *,
              overlaps: bool, sigma=0.0, pad: bool = False, with_scores: bool = False):
    sim_in = np.asarray(sim_in)
    scores = np.asarray(scores)
    n = sim_in.shape[0]
    if scores.shape != (n,):
        raise ValueError(f"scores has incompatible shape {list(scores.shape)} (expected "
                         f"[{n}])")
    max_out = int(max_output_size)
    if max_out < 0:
        raise ValueError("max_output_size must be non-negative")
    thr = float(iou_threshold)
    if not overlaps and not 0.0 <= thr <= 1.0:
        raise ValueError("iou_threshold must be in [0, 1]")
    sig = float(sigma)
    if sig < 0:
        raise ValueError("soft_nms_sigma must be non-negative")
    dt = scores.dtype.type
    sim = sim_in.astype(scores.dtype) if overlaps else _iou_matrix(sim_in.astype(
        scores.dtype))
    sel, sel_scores = _suppress(sim, scores, max_out, dt(thr), dt(score_threshold), dt(sig))
    idx = np.asarray(sel, dtype=np.int32)
    if pad:
        valid = np.int32(len(sel))
        idx = np.concatenate([idx, np.zeros(max_out - len(sel), np.int32)])
        return idx, valid
    if with_scores:
        return idx, np.asarray(sel_scores, dtype=scores.dtype)
    return idx


def _nms_v3(boxes, scores, max_output_size, iou_threshold, score_threshold):
    return _nms_impl(boxes, scores, max_output_size, iou_threshold, score_threshold,
                     overlaps=False)


def _nms_v4(boxes, scores, max_output_size, iou_threshold, score_threshold):
    return _nms_impl(boxes, scores, max_output_size, iou_threshold, score_threshold,
                     overlaps=False, pad=True)


def _nms_v5(boxes, scores, max_output_size, iou_threshold, score_threshold, sigma):
    return _nms_impl(boxes, scores, max_output_size, iou_threshold, score_threshold,
                     overlaps=False, sigma=sigma, with_scores=True)


def _nms_overlaps(overlaps, scores, max_output_size, threshold, score_threshold):
    return _nms_impl(overlaps, scores, max_output_size, threshold, score_threshold,
                     overlaps=True)


_host.register("NonMaxSuppressionV3", _nms_v3)
_host.register("NonMaxSuppressionV4", _nms_v4)
_host.register("NonMaxSuppressionV5", _nms_v5)
_host.register("NonMaxSuppressionWithOverlaps", _nms_overlaps)


def _nms_inputs(op: str, node: str, boxes, scores, max_output_size, thresholds,
                box_dim: int | None):
    tf = _tf()
    boxes = tf.convert_to_tensor(boxes, name="boxes")
    if not boxes.dtype.is_floating:
        raise TypeError(f"{op}: boxes must be float32 (or float16), got {boxes.dtype.name}")
    scores = tf.convert_to_tensor(scores, name="scores", dtype=boxes.dtype)
    mos = tf.convert_to_tensor(max_output_size, name="max_output_size", dtype=tf.int32)
    ths = [tf.convert_to_tensor(v, name=k, dtype=boxes.dtype) for k, v in thresholds]
    ins = [boxes, scores, mos, *ths]
    _check_rank(op, node, ins, [2, 1, 0] + [0] * len(ths))
    if box_dim is not None:
        _check_dim(op, node, ins, boxes, 1, box_dim)
    elif boxes.shape.as_list()[0] is not None:           # an overlaps matrix: square
        _check_dim(op, node, ins, boxes, 1, boxes.shape.as_list()[0])
    nb, ns = boxes.shape.as_list()[0], scores.shape.as_list()[0]
    if nb is not None and ns is not None and nb != ns:
        raise ValueError(f"Dimensions must be equal, but are {nb} and {ns} for '{node}' (op: "
                         f"'{op}') with input shapes: "
                         f"{', '.join(_shape_str(t) for t in ins)}.")
    return ins


def non_max_suppression(boxes, scores, max_output_size, iou_threshold=0.5,
                        score_threshold=float("-inf"), name=None):
    """Indices (int32, [M], M <= max_output_size) of the boxes kept by greedy NMS, in the
    order selected (descending score)."""
    tf = _tf()
    with tf.name_scope(name, "non_max_suppression") as scope:
        node = scope + "NonMaxSuppressionV3"
        ins = _nms_inputs("NonMaxSuppressionV3", node, boxes, scores, max_output_size,
                          [("iou_threshold", iou_threshold),
                           ("score_threshold", score_threshold)], 4)
        return _host.host_op("NonMaxSuppressionV3", ins, [((None,), np.int32)],
                             name="NonMaxSuppressionV3").outputs[0]


def non_max_suppression_padded(boxes, scores, max_output_size, iou_threshold=0.5,
                               score_threshold=float("-inf"), pad_to_max_output_size=False,
                               name=None):
    """(selected_indices, valid_outputs): with ``pad_to_max_output_size`` the indices are
    zero-padded to ``max_output_size`` and ``valid_outputs`` counts the real ones."""
    tf = _tf()
    with tf.name_scope(name, "non_max_suppression_padded") as scope:
        node = scope + "NonMaxSuppressionV4"
        ins = _nms_inputs("NonMaxSuppressionV4", node, boxes, scores, max_output_size,
                          [("iou_threshold", iou_threshold),
                           ("score_threshold", score_threshold)], 4)
        static = _static(ins[2])
        size = int(static) if static is not None and pad_to_max_output_size else None
        op = _host.host_op("NonMaxSuppressionV4", ins, [((size,), np.int32), ((), np.int32)],
                           name="NonMaxSuppressionV4")
        idx, valid = op.outputs
        if not pad_to_max_output_size:
            idx = idx[:valid]
        return idx, valid


def non_max_suppression_with_scores(boxes, scores, max_output_size, iou_threshold=0.5,
                                    score_threshold=float("-inf"), soft_nms_sigma=0.0,
                                    name=None):
    """(selected_indices, selected_scores); ``soft_nms_sigma`` > 0: Soft-NMS (Gaussian)."""
    tf = _tf()
    with tf.name_scope(name, "non_max_suppression_with_scores") as scope:
        node = scope + "NonMaxSuppressionV5"
        ins = _nms_inputs("NonMaxSuppressionV5", node, boxes, scores, max_output_size,
                          [("iou_threshold", iou_threshold),
                           ("score_threshold", score_threshold),
                           ("soft_nms_sigma", soft_nms_sigma)], 4)
        op = _host.host_op("NonMaxSuppressionV5", ins,
                           [((None,), np.int32), ((None,), ins[0].dtype.np)],
                           name="NonMaxSuppressionV5")
        return op.outputs[0], op.outputs[1]


def non_max_suppression_overlaps(overlaps, scores, max_output_size, overlap_threshold=0.5,
                                 score_threshold=float("-inf"), name=None):
    """Greedy NMS from a precomputed [n, n] ``overlaps`` matrix (suppress when > threshold)."""
    tf = _tf()
    with tf.name_scope(name, "non_max_suppression_overlaps") as scope:
        node = scope + "NonMaxSuppressionWithOverlaps"
        ins = _nms_inputs("NonMaxSuppressionWithOverlaps", node, overlaps, scores,
                          max_output_size, [("overlap_threshold", overlap_threshold),
                                            ("score_threshold", score_threshold)], None)
        return _host.host_op("NonMaxSuppressionWithOverlaps", ins, [((None,), np.int32)],
                             name="NonMaxSuppressionWithOverlaps").outputs[0]
