"""``keras.config``: Keras 3.15's global settings, every name its ``keras/config/__init__.py``
exports.

- ``floatx``/``set_floatx``, ``epsilon``/``set_epsilon``, ``image_data_format``/
  ``set_image_data_format``, ``backend``: the very functions of ``keras.backend`` (one state:
  ``keras.config.set_floatx('float64')`` is what ``keras.backend.floatx()`` reads).
  ``backend()`` is ``'tensorflow'``: dlcore runs Keras programs as on Keras's TensorFlow backend.
- ``set_backend``: ``'tensorflow'`` is a no-op; the other Keras 3 backends are refused
  (NotImplementedError), anything else gets Keras 3's ValueError.
- ``max_epochs``/``set_max_epochs`` (and ``KERAS_MAX_EPOCHS``): ``fit`` runs at most that many
  epochs, warning ``Limiting epochs to N`` as Keras 3 does.  ``max_steps_per_epoch``/
  ``set_max_steps_per_epoch`` read None; a limit (the setter, or ``KERAS_MAX_STEPS_PER_EPOCH``
  when ``keras`` is imported) is refused (NotImplementedError): dlcore's loops do not cap
  their steps, and running them all where a cap was asked for would be a silent difference.
- ``enable/disable/is_interactive_logging_enabled``: progress bars, callbacks' messages and
  ``summary()`` write to stdout, or (disabled) to ``logging.getLogger('absl').info``.
- ``enable/disable/is_traceback_filtering_enabled``: accepted and recorded; dlcore filters no
  tracebacks, so they change nothing (its tracebacks are always the whole ones).
- ``enable_unsafe_deserialization``: accepted; dlcore's ``load_model`` never runs code from a
  file (a Lambda's bytecode is refused either way), so there is nothing to unlock.
- ``enable/disable/is_flash_attention_enabled``: recorded as Keras 3 does (None, False); dlcore
  has no flash attention, its attention layers compute the same either way.
- ``is_nnx_enabled``: False (a JAX backend feature).
- ``dtype_policy``/``set_dtype_policy``: the policy is floatx's; a mixed or other-dtype policy
  is refused as the layers' ``dtype=`` is (``_layer_config.check_dtype``).
"""

from __future__ import annotations

import os
import warnings

from ._backend_impl import (  # noqa: F401 (Keras 3's keras.config names)
    backend, epsilon, floatx, image_data_format, set_epsilon, set_floatx,
    set_image_data_format)
from ._progbar import (  # noqa: F401
    disable_interactive_logging, enable_interactive_logging, is_interactive_logging_enabled)

__all__ = [
    "backend", "disable_flash_attention", "disable_interactive_logging",
    "disable_traceback_filtering", "dtype_policy", "enable_flash_attention",
    "enable_interactive_logging", "enable_traceback_filtering", "enable_unsafe_deserialization",
    "epsilon", "floatx", "image_data_format", "is_flash_attention_enabled",
    "is_interactive_logging_enabled", "is_nnx_enabled", "is_traceback_filtering_enabled",
    "max_epochs", "max_steps_per_epoch", "set_backend", "set_dtype_policy", "set_epsilon",
    "set_floatx", "set_image_data_format", "set_max_epochs", "set_max_steps_per_epoch",
]

_STATE: dict = {"max_epochs": None, "traceback_filtering": True, "flash_attention": None,
                "safe_mode": True}
if "KERAS_MAX_EPOCHS" in os.environ:                  # (Keras 3 reads it at import)
    _STATE["max_epochs"] = int(os.environ["KERAS_MAX_EPOCHS"])

_BACKENDS = ("tensorflow", "jax", "torch", "numpy", "openvino")


def set_backend(backend) -> None:
    """Keras 3 reloads itself on another backend; dlcore is the TensorFlow one only."""
    if backend not in _BACKENDS:
        raise ValueError("Available backends are ('tensorflow', 'jax', 'torch', "
                         f"'numpy' and 'openvino'). Received: backend={backend}")
    if backend != "tensorflow":
        raise NotImplementedError(f"keras.config.set_backend({backend!r}) is not supported by "
                                  "dlcore: it runs Keras programs on the TensorFlow backend "
                                  "only")


# ---------------------------------------------------------------- debugging caps
def max_epochs():
    """The cap on ``fit``'s epochs (``set_max_epochs`` or ``KERAS_MAX_EPOCHS``), or None."""
    return _STATE["max_epochs"]


def set_max_epochs(max_epochs) -> None:
    """Cap every ``fit`` at ``max_epochs`` epochs (None: no cap), as Keras 3."""
    _STATE["max_epochs"] = max_epochs


def limit_epochs(epochs):
    """``fit``'s epochs under the cap, with Keras 3's warning where it bites."""
    cap = _STATE["max_epochs"]
    if cap and cap < epochs:
        warnings.warn("Limiting epochs to %d" % cap, stacklevel=3)
        return cap
    return epochs


def max_steps_per_epoch():
    """Always None: dlcore does not cap steps (``set_max_steps_per_epoch`` refuses a cap)."""
    return None


def set_max_steps_per_epoch(max_steps_per_epoch) -> None:
    """None is accepted (no cap, the default); a cap is refused (NotImplementedError)."""
    if max_steps_per_epoch:
        raise NotImplementedError(
            f"keras.config.set_max_steps_per_epoch({max_steps_per_epoch!r}) is not supported "
            "by dlcore: fit/evaluate/predict do not cap their steps per epoch")


def _check_steps_env() -> None:
    if os.environ.get("KERAS_MAX_STEPS_PER_EPOCH"):
        set_max_steps_per_epoch(int(os.environ["KERAS_MAX_STEPS_PER_EPOCH"]))


# ---------------------------------------------------------------- switches with no effect here
def enable_traceback_filtering() -> None:
    """Recorded only: dlcore filters no tracebacks (they are always whole)."""
    _STATE["traceback_filtering"] = True


def disable_traceback_filtering() -> None:
    """Recorded only: dlcore filters no tracebacks (they are always whole)."""
    _STATE["traceback_filtering"] = False


def is_traceback_filtering_enabled() -> bool:
    """What the last enable/disable call said (True at first, as Keras 3); dlcore's
    tracebacks are whole either way."""
    return _STATE["traceback_filtering"]


def enable_unsafe_deserialization() -> None:
    """Accepted, no effect: dlcore's ``load_model`` runs no code from a file whatever
    ``safe_mode`` says (a Lambda's stored bytecode is refused either way)."""
    _STATE["safe_mode"] = False


def enable_flash_attention() -> None:
    """Recorded as Keras 3 does (``is_flash_attention_enabled()`` reads None: 'when it can');
    dlcore has no flash attention."""
    _STATE["flash_attention"] = None


def disable_flash_attention() -> None:
    """Recorded as Keras 3 does (``is_flash_attention_enabled()`` reads False)."""
    _STATE["flash_attention"] = False


def is_flash_attention_enabled():
    """None (Keras 3's default: used where it can be) or False after
    ``disable_flash_attention()``; dlcore's attention is the plain one either way."""
    return _STATE["flash_attention"]


def is_nnx_enabled() -> bool:
    """False: NNX is a JAX-backend feature of Keras 3."""
    return False


# ---------------------------------------------------------------- dtype policy
class DTypePolicy:
    """The global policy as Keras 3 shows it: ``name``, ``compute_dtype`` and
    ``variable_dtype``, all floatx (dlcore has no mixed precision)."""

    def __init__(self, name=None):
        self._name = name or floatx()

    name = property(lambda self: self._name)
    compute_dtype = property(lambda self: self._name)
    variable_dtype = property(lambda self: self._name)

    def get_config(self) -> dict:
        return {"name": self._name}

    def __repr__(self) -> str:
        return f'<DTypePolicy "{self._name}">'

    def __eq__(self, other) -> bool:
        return isinstance(other, DTypePolicy) and other.name == self.name

    __hash__ = None  # type: ignore[assignment]


def dtype_policy() -> DTypePolicy:
    """The global dtype policy: floatx's, always (Keras 3 fixes its policy at the first read
    and a later ``set_floatx`` leaves it; dlcore's layers compute in floatx either way)."""
    return DTypePolicy()


def set_dtype_policy(policy) -> None:
    """Accepts floatx's policy (a name, or an object with that ``.name``); a mixed policy
    (``'mixed_float16'``) or another float dtype is refused as a layer's ``dtype=`` is."""
    from ._layer_config import check_dtype
    if not isinstance(policy, str) and not isinstance(getattr(policy, "name", None), str):
        raise ValueError(f"Invalid `policy` argument. Expected the string name of a policy "
                         f"(such as 'mixed_float16') or a `DTypePolicy` instance. "
                         f"Received: policy={policy} (of type {type(policy)})")
    check_dtype("keras.config.set_dtype_policy", policy)
    name = policy if isinstance(policy, str) else policy.name
    if name != floatx():
        raise NotImplementedError(f"keras.config.set_dtype_policy: the policy {name!r} is "
                                  f"not supported by dlcore; its layers compute in floatx() "
                                  f"({floatx()})")


_check_steps_env()
