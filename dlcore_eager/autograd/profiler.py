"""``torch.autograd.profiler``: PyTorch's legacy profiler API, over ``dlcore_eager.profiler``.

Older tutorials write ``with torch.autograd.profiler.profile() as prof:`` (``enabled``,
``use_cuda``, ``use_cpu``, ``record_shapes``, ``profile_memory``, ``with_stack`` ... as keywords)
and read ``prof.key_averages().table(...)``, ``prof.function_events``, ``prof.table()`` or
``prof.total_average()``; ``record_function`` marks a region.  The events are those of the new
profiler (``dlcore_eager.profiler.profile`` does the recording); nothing is recorded when
``enabled`` is False.
"""

from __future__ import annotations

import os
from typing import Any

from ..profiler import EventList, FunctionEvent, FunctionEventAvg, record_function
from ..profiler import profile as _profile

__all__ = ["EventList", "FunctionEvent", "FunctionEventAvg", "profile", "record_function",
           "emit_nvtx", "emit_itt"]


class profile:
    """``torch.autograd.profiler.profile`` (the legacy context manager)."""

    def __init__(self, enabled: bool = True, *, use_cuda: bool = False,
                 use_device: str | None = None, record_shapes: bool = False,
                 with_flops: bool = False, profile_memory: bool = False,
                 with_stack: bool = False, with_modules: bool = False,
                 use_kineto: bool = False, use_cpu: bool = True,
                 experimental_config: Any = None, acc_events: bool = False,
                 custom_trace_id_callback: Any = None) -> None:
        self.enabled = enabled
        self.record_shapes = record_shapes
        self.profile_memory = profile_memory
        self._prof = _profile(record_shapes=record_shapes, profile_memory=profile_memory,
                              with_stack=with_stack, with_flops=with_flops,
                              with_modules=with_modules) if enabled else None
        self._empty = EventList(profile_memory=profile_memory)

    def __enter__(self) -> profile:
        if self._prof is not None:
            self._prof.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._prof is not None:
            self._prof.__exit__(*exc)

    @property
    def function_events(self) -> EventList:
        return self._prof.events() if self._prof is not None else self._empty

    def key_averages(self, group_by_input_shape: bool = False, group_by_stack_n: int = 0,
                     group_by_overload_name: bool = False) -> EventList:
        return self.function_events.key_averages(group_by_input_shape, group_by_stack_n)

    def table(self, sort_by: str | None = None, row_limit: int = 100, **kwargs: Any) -> str:
        return self.function_events.table(sort_by=sort_by, row_limit=row_limit, **kwargs)

    def total_average(self) -> FunctionEventAvg:
        return self.function_events.total_average()

    @property
    def self_cpu_time_total(self) -> float:
        return self.function_events.self_cpu_time_total

    def export_chrome_trace(self, path: str | os.PathLike) -> None:
        self.function_events.export_chrome_trace(path)

    def __str__(self) -> str:
        return str(self.table())


class _Nothing:
    """``emit_nvtx``/``emit_itt``: markers for NVIDIA's and Intel's tools, none here (a context
    manager that does nothing, as PyTorch's without those tools attached)."""

    def __init__(self, enabled: bool = True, record_shapes: bool = False) -> None:
        self.enabled = enabled

    def __enter__(self) -> _Nothing:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


emit_nvtx = emit_itt = _Nothing
