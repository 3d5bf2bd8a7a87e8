"""TF 1.x Keras's checks of the target arrays given to ``fit``/``evaluate``/``train_on_batch``
(``training_utils.check_array_lengths`` and ``check_loss_and_target_compatibility``), run on
the host arrays before anything is fed, so a bad call changes no weight (and, at the end,
``sample_weights``: the sample weights fed with the targets, from ``sample_weight`` and
``class_weight``):

* inputs and targets must have the same number of samples (a longer input was indexed past
  the targets' end: NumPy's IndexError);
* for ``mean_squared_error``, ``binary_crossentropy`` and ``categorical_crossentropy`` a
  target must have the output's shape (a (4, 3) target for a (None, 2) output reached a
  broadcast error inside the graph; integer labels of shape (4,) with
  ``categorical_crossentropy`` trained silently on a wrong loss);
* ``sparse_categorical_crossentropy`` labels must lie in ``[0, classes)``, TensorFlow's
  ``InvalidArgumentError`` from its sparse softmax kernel (out-of-range labels gave a one-hot
  row of zeros: a silently wrong loss and accuracy).
"""

from __future__ import annotations

import numpy as np

_SAME_SHAPE = ("mean_squared_error", "binary_crossentropy", "categorical_crossentropy")


def _name(loss) -> str:
    fn = getattr(loss, "fn", loss)
    return getattr(fn, "__name__", type(fn).__name__)


def check(n_inputs: int | None, ys: list, outputs: list, losses: list) -> None:
    """``ys``: the standardized target arrays; ``outputs``/``losses``: their outputs' tensors
    and loss functions; ``n_inputs``: the input arrays' number of samples."""
    if ys and n_inputs is not None and len(ys[0]) != n_inputs:
        raise ValueError(f"Input arrays should have the same number of samples as target "
                         f"arrays. Found {n_inputs} input samples and {len(ys[0])} target "
                         "samples.")
    for y, out, loss in zip(ys, outputs, losses):
        name, shape = _name(loss), tuple(out.aval.shape)
        if name == "categorical_crossentropy" and y.shape[-1] == 1 and shape[-1] != 1:
            raise ValueError(f"You are passing a target array of shape {y.shape} while using "
                             "as loss `categorical_crossentropy`. `categorical_crossentropy` "
                             "expects targets to be binary matrices (1s and 0s) of shape "
                             "(samples, classes). If your targets are integer classes, you "
                             "can convert them to the expected format via:\n```\nfrom "
                             "keras.utils import to_categorical\ny_binary = to_categorical("
                             "y_int)\n```\n\nAlternatively, you can use the loss function "
                             "`sparse_categorical_crossentropy` instead, which does expect "
                             "integer targets.")
        if name in _SAME_SHAPE and any(o is not None and t != o
                                       for t, o in zip(y.shape[1:], shape[1:])):
            raise ValueError(f"A target array with shape {y.shape} was passed for an output "
                             f"of shape {shape} while using as loss `{name}`. This loss "
                             "expects targets to have the same shape as the output.")
        classes = shape[-1]
        if name == "sparse_categorical_crossentropy" and classes is not None and y.size and \
                not (y.min() >= 0 and y.max() < classes):
            from ..errors import InvalidArgumentError
            bad = y[(y < 0) | (y >= classes) | np.isnan(y)].flat[0]
            raise InvalidArgumentError(None, None, f"Received a label value of {bad:g} which "
                                       f"is outside the valid range of [0, {classes}).")


def sample_weights(names: list, ys: list, sample_weight, class_weight) -> list:
    """The fed sample weights, one float32 vector per target of ``ys`` (output ``names``):
    ``sample_weight`` (a list, a dict by output name, or one array) times ``class_weight``'s
    weight of each sample's class (argmax of a one-hot row, else the rounded label)."""
    sws: list = []
    for i, (name, y) in enumerate(zip(names, ys)):
        sw = sample_weight[i] if isinstance(sample_weight, (list, tuple)) else \
            (sample_weight.get(name) if isinstance(sample_weight, dict) else sample_weight)
        n = len(y)
        w = np.ones(n, np.float32) if sw is None else np.asarray(sw, np.float32).reshape(n)
        cw = class_weight.get(name, class_weight) \
            if isinstance(class_weight, dict) and name in class_weight else class_weight
        if cw:
            cls = y.argmax(-1) if y.shape[-1] > 1 else y.reshape(n).round().astype(int)
            w = w * np.array([cw.get(int(c), 1.0) for c in cls], np.float32)
        sws.append(w)
    return sws
