"""``torch.autograd.anomaly_mode``: the module path of ``detect_anomaly`` and
``set_detect_anomaly`` (see ``dlcore_eager.autograd``)."""

from __future__ import annotations

from . import detect_anomaly, set_detect_anomaly

__all__ = ["detect_anomaly", "set_detect_anomaly"]
