"""The profiler's results: ``FunctionEvent`` (one timed range: an operation or a
``record_function`` region), ``FunctionEventAvg`` (the events of one key added up) and
``EventList`` with PyTorch's ``key_averages()``, ``table()`` (the same columns, widths and
number formats as ``torch.autograd.profiler_util``) and ``export_chrome_trace()``."""

from __future__ import annotations

import json
import os
from typing import Any


def format_time(time_us: float) -> str:
    """PyTorch's ``_format_time``: s, ms or us with three decimals."""
    if time_us >= 1e6:
        return f"{time_us / 1e6:.3f}s"
    if time_us >= 1e3:
        return f"{time_us / 1e3:.3f}ms"
    return f"{time_us:.3f}us"


def format_memory(nbytes: int) -> str:
    """PyTorch's ``_format_memory``: B, KB, MB or GB."""
    kb, mb, gb = 1024, 1024 * 1024, 1024 * 1024 * 1024
    if abs(nbytes) >= gb:
        return f"{nbytes * 1.0 / gb:.2f} GB"
    if abs(nbytes) >= mb:
        return f"{nbytes * 1.0 / mb:.2f} MB"
    if abs(nbytes) >= kb:
        return f"{nbytes * 1.0 / kb:.2f} KB"
    return str(nbytes) + " B"


class _Timing:
    """What an event and an average share: the CPU times (us) and their strings; no device
    times (CPU profiling: 0)."""

    count: int
    cpu_time_total: float
    self_cpu_time_total: float
    device_time_total = 0.0
    self_device_time_total = 0.0
    cuda_time_total = 0.0
    self_cuda_time_total = 0.0
    device_memory_usage = 0
    self_device_memory_usage = 0
    flops = 0
    is_async = False
    is_remote = False
    is_legacy = False
    node_id = -1
    scope = 0
    device_type = "CPU"
    use_device = None

    @property
    def cpu_time(self) -> float:
        return 0.0 if self.count == 0 else self.cpu_time_total / self.count

    @property
    def device_time(self) -> float:
        return 0.0

    cuda_time = device_time

    @property
    def cpu_time_str(self) -> str:
        return format_time(self.cpu_time)

    @property
    def cpu_time_total_str(self) -> str:
        return format_time(self.cpu_time_total)

    @property
    def self_cpu_time_total_str(self) -> str:
        return format_time(self.self_cpu_time_total)


class FunctionEvent(_Timing):
    """One timed range on the CPU (times in microseconds since the profiler started)."""

    def __init__(self, id: int, name: str, thread: int, start_us: float, end_us: float,
                 input_shapes: list | None = None, cpu_memory_usage: int = 0,
                 is_user_annotation: bool = False) -> None:
        self.id = id
        self.name = name
        self.key = name
        self.trace_name = name
        self.thread = thread
        self.fwd_thread = thread
        self.start_us = start_us
        self.end_us = end_us
        self.input_shapes = input_shapes if input_shapes is not None else []
        self.cpu_memory_usage = cpu_memory_usage
        self.is_user_annotation = is_user_annotation
        self.count = 1
        self.cpu_children: list[FunctionEvent] = []
        self.cpu_parent: FunctionEvent | None = None
        self.stack: list = []
        self.kernels: list = []
        self.sequence_nr = -1
        self.overload_name = ""

    @property
    def time_range(self):
        from types import SimpleNamespace
        return SimpleNamespace(start=self.start_us, end=self.end_us,
                               elapsed_us=lambda: self.end_us - self.start_us)

    @property
    def cpu_time_total(self) -> float:                       # type: ignore[override]
        return self.end_us - self.start_us

    @property
    def self_cpu_time_total(self) -> float:                  # type: ignore[override]
        return self.cpu_time_total - sum(c.cpu_time_total for c in self.cpu_children)

    @property
    def self_cpu_memory_usage(self) -> int:
        return self.cpu_memory_usage - sum(c.cpu_memory_usage for c in self.cpu_children)

    def append_cpu_child(self, child: FunctionEvent) -> None:
        self.cpu_children.append(child)

    def set_cpu_parent(self, parent: FunctionEvent) -> None:
        self.cpu_parent = parent

    def __repr__(self) -> str:
        return (f"<FunctionEvent id={self.id} name={self.name} cpu_time="
                f"{self.cpu_time_str} start_us={self.start_us:.3f} end_us={self.end_us:.3f} "
                f"cpu_children={[c.id for c in self.cpu_children]} input_shapes="
                f"{self.input_shapes} cpu_memory_usage={self.cpu_memory_usage}>")


class FunctionEventAvg(_Timing):
    """The events of one key (and input shapes, when grouped by them) added up."""

    def __init__(self) -> None:
        self.key: str | None = None
        self.count = 0
        self.cpu_time_total = 0.0
        self.self_cpu_time_total = 0.0
        self.input_shapes: list | None = None
        self.cpu_memory_usage = 0
        self.self_cpu_memory_usage = 0
        self.is_user_annotation = False
        self.cpu_children = None
        self.cpu_parent = None
        self.stack: list = []
        self.overload_name = ""

    def add(self, other: Any) -> FunctionEventAvg:
        if self.key is None:
            self.key = other.key
            self.input_shapes = other.input_shapes
            self.is_user_annotation = other.is_user_annotation
        self.count += other.count
        self.cpu_time_total += other.cpu_time_total
        self.self_cpu_time_total += other.self_cpu_time_total
        self.cpu_memory_usage += other.cpu_memory_usage
        self.self_cpu_memory_usage += other.self_cpu_memory_usage
        return self

    def __iadd__(self, other: Any) -> FunctionEventAvg:
        return self.add(other)

    def __repr__(self) -> str:
        return (f"<FunctionEventAvg key={self.key} self_cpu_time={self.self_cpu_time_total_str}"
                f" cpu_time={self.cpu_time_str} input_shapes={self.input_shapes} "
                f"cpu_memory_usage={self.cpu_memory_usage}>")


class EventList(list):
    """A list of events with PyTorch's summaries."""

    def __init__(self, *args: Any, profile_memory: bool = False, **kwargs: Any) -> None:
        super().__init__(*args)
        self._profile_memory = profile_memory

    @property
    def self_cpu_time_total(self) -> float:
        return sum(e.self_cpu_time_total for e in self)

    def key_averages(self, group_by_input_shape: bool = False, group_by_stack_n: int = 0,
                     group_by_overload_name: bool = False) -> EventList:
        """One ``FunctionEventAvg`` per name (and input shapes), in first-seen order; the
        ``ProfilerStep#N`` regions together as ``ProfilerStep*`` (PyTorch's)."""
        stats: dict[tuple, FunctionEventAvg] = {}
        for e in self:
            name = "ProfilerStep*" if e.key.startswith("ProfilerStep#") else e.key
            key: tuple = (name,)
            if group_by_input_shape:
                key += (str(e.input_shapes),)
            if group_by_stack_n:
                key += tuple(e.stack[:group_by_stack_n])
            avg = stats.get(key)
            if avg is None:
                avg = stats[key] = FunctionEventAvg()
                avg.add(e)
                avg.key = name
                if not group_by_input_shape:        # (no shapes column then, as PyTorch's)
                    avg.input_shapes = []
            else:
                avg.add(e)
        return EventList(stats.values(), profile_memory=self._profile_memory)

    def total_average(self) -> FunctionEventAvg:
        total = FunctionEventAvg()
        for e in self:
            total.add(e)
        total.key = "Total"
        return total

    def table(self, sort_by: str | None = None, row_limit: int = 100,
              max_src_column_width: int = 75, max_name_column_width: int = 55,
              max_shapes_column_width: int = 80, header: str | None = None,
              top_level_events_only: bool = False) -> str:
        """PyTorch's table of these events (``sort_by``: an attribute such as
        ``"cpu_time_total"`` or ``"self_cpu_memory_usage"``, largest first)."""
        events = list(self)
        if sort_by is not None:
            attr = sort_by.replace("cuda", "device")
            events.sort(key=lambda e: getattr(e, attr, 0), reverse=True)
        if top_level_events_only:
            events = [e for e in events if getattr(e, "cpu_parent", None) is None]
        return build_table(events, row_limit, max_name_column_width, max_shapes_column_width,
                           header, self._profile_memory)

    def export_chrome_trace(self, path: str | os.PathLike) -> None:
        """The events as Chrome's trace format (chrome://tracing, Perfetto, TensorBoard)."""
        pid = os.getpid()
        trace = []
        for e in self:
            ev = {"ph": "X", "cat": "user_annotation" if e.is_user_annotation else "cpu_op",
                  "name": e.name, "pid": pid, "tid": e.thread, "ts": e.start_us,
                  "dur": e.cpu_time_total, "args": {}}
            if e.input_shapes:
                ev["args"]["Input Dims"] = e.input_shapes
            trace.append(ev)
        with open(os.fspath(path), "w") as f:
            json.dump({"schemaVersion": 1, "traceEvents": trace, "displayTimeUnit": "ms",
                       "traceName": os.fspath(path)}, f)


def build_table(events: list, row_limit: int, max_name_column_width: int,
                max_shapes_column_width: int, header: str | None,
                profile_memory: bool) -> str:
    if not events:
        return ""
    has_shapes = any(e.input_shapes for e in events)
    name_width = min(max(len(e.key) for e in events) + 4, max_name_column_width)
    shapes_width = min(max(len(str(e.input_shapes)) for e in events) + 4,
                       max_shapes_column_width)
    heads = ["Name", "Self CPU %", "Self CPU", "CPU total %", "CPU total", "CPU time avg"]
    if profile_memory:
        heads += ["CPU Mem", "Self CPU Mem"]
    heads.append("# of Calls")
    widths = [name_width] + [12] * (len(heads) - 1)
    if has_shapes:
        heads.append("Input Shapes")
        widths.append(shapes_width)
    row_format = "".join("{: >" + str(w) + "}  " for w in widths)
    sep = "".join("-" * w + "  " for w in widths)
    total = sum(e.self_cpu_time_total for e in events) or 1.0
    self_total = sum(e.self_cpu_time_total for e in events)
    lines = []
    if header is not None:
        lines += ["=" * (sum(widths) + 2 * (len(widths) - 1)), header]
    lines += [sep, row_format.format(*heads), sep]

    def trim(s: str, width: int) -> str:
        return s[:width - 3] + "..." if len(s) > width else s
    for e in events[:row_limit] if row_limit and row_limit > 0 else events:
        row = [trim(e.key, name_width), f"{e.self_cpu_time_total * 100 / total:.2f}%",
               format_time(e.self_cpu_time_total), f"{e.cpu_time_total * 100 / total:.2f}%",
               format_time(e.cpu_time_total), format_time(e.cpu_time)]
        if profile_memory:
            row += [format_memory(e.cpu_memory_usage), format_memory(e.self_cpu_memory_usage)]
        row.append(str(e.count))
        if has_shapes:
            row.append(trim(str(e.input_shapes), shapes_width))
        lines.append(row_format.format(*row))
    lines += [sep, f"Self CPU time total: {format_time(self_total)}"]
    return "\n".join(lines) + "\n"
