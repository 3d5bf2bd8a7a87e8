"""How Keras 3's ``.keras`` files name a container's children (``layers/<path>/vars``): by class,
not by layer name.  Shared by ``saving.py`` and ``saving_rnn.py`` (a stacked cell's cells)."""

from __future__ import annotations

import re


def keras3_paths(layers: list) -> list[str]:
    """Keras 3 names a container's children by class, not by layer name: ``dense``,
    ``dense_1``, ``dropout``, ... in order (``saving_lib._save_container_state``)."""
    used: dict[str, int] = {}
    out = []
    for ly in layers:
        cls = type(ly).__name__
        name = re.sub(r"\W+", "", "Functional" if cls == "Model" else cls)
        name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
        name = re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()
        if name in used:
            used[name] += 1
            name = f"{name}_{used[name]}"
        else:
            used[name] = 0
        out.append(name)
    return out
