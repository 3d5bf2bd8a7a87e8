"""``torch.hub``: not provided, on purpose.

PyTorch's hub downloads a GitHub repository, runs its ``hubconf.py`` and unpickles checkpoints
from the network.  dlcore never runs downloaded code and never unpickles, so every entry point
here raises a RuntimeError that names the alternative: fetch a ``.safetensors`` weights file
yourself (for instance with the ``huggingface_hub`` client) and load it with
``model.load_state_dict(dlcore_eager.load(path))``.
"""

from __future__ import annotations

__all__ = ["download_url_to_file", "help", "list", "load", "load_state_dict_from_url"]

_ALTERNATIVE = ("dlcore_eager has no torch.hub: it never downloads and runs a repository's "
                "hubconf.py and never unpickles a checkpoint. Download the model's weights as "
                "a .safetensors file yourself, build the model in Python, and load the weights "
                "with model.load_state_dict(dlcore_eager.load('weights.safetensors')).")


def _refuse(name: str):
    def fn(*args, **kwargs):
        raise RuntimeError(f"torch.hub.{name}: {_ALTERNATIVE}")
    fn.__name__ = name
    fn.__doc__ = f"Raises RuntimeError: {_ALTERNATIVE}"
    return fn


load = _refuse("load")
list = _refuse("list")          # (PyTorch's names, shadowing builtins here)
help = _refuse("help")
load_state_dict_from_url = _refuse("load_state_dict_from_url")
download_url_to_file = _refuse("download_url_to_file")
