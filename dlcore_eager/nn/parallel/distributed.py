"""``DistributedDataParallel``: data-parallel training of a module, one replica per rank.

Every rank runs the same program on its own share of each batch.  The wrapper keeps the replicas
identical:

1. **At construction** the ranks check that they hold the same parameters (count, shapes and
   dtypes; a mismatch is a clear error, not a hang), then rank 0's parameters and buffers are
   broadcast to all (one coalesced broadcast per dtype).
2. **In backward** each parameter's gradient, once accumulated into ``.grad`` (a
   post-accumulate-grad hook), is copied into its *bucket*: a flat buffer of about
   ``bucket_cap_mb`` megabytes (25 by default, 1 MB for the first bucket, as PyTorch) holding
   parameters in reverse order of ``parameters()``, roughly the order in which backward
   produces their gradients.  When a bucket is full its allreduce is *started* (nonblocking), and
   the rest of backward goes on while it travels; each later hook tests the buckets in flight,
   which is what moves them forward.  When the last bucket has started, backward waits for all,
   and every ``.grad`` becomes the average over the ranks.
3. **Each forward** (``broadcast_buffers=True``) broadcasts rank 0's buffers (batch-norm
   statistics), so every rank normalises with the same ones.

So after ``loss.backward()`` every rank holds the same averaged gradients and ``optimizer.step()``
keeps the replicas equal.  The loss on each rank is the mean over *its* samples; the average over
ranks of those gradients is the gradient of the mean over the global batch when the ranks have
equal batch sizes.

``no_sync()``: a context in which backward only accumulates into ``.grad`` (no communication);
the first backward after it all-reduces the accumulated sums (gradient accumulation over micro-
batches costs one allreduce).  ``find_unused_parameters=True`` walks the graph of each forward's
output to find the parameters it does not use; they take part with zero gradients (and a
gradient that no rank produced stays None), where the default would wait for them forever and
raise PyTorch's error at the next forward.

Overlap: ``overlap=False`` (or ``DLCORE_DDP_OVERLAP=0``) reduces every bucket only after the
whole backward, for measurement; ``python -m benchmarks.distributed`` compares the two.
``stats``: ``hook_seconds`` (time in the hooks: copies into buckets, starts, progress tests) and
``sync_seconds`` (the wait for the reductions at the end of backward, and the copies back): the
communication time that backward could not hide.

Checkpoints: ``ddp.module.state_dict()`` has the plain module's keys; save it on rank 0 only
(``dlcore_eager.distributed.save_on_rank0``).  ``state_dict()`` of the wrapper itself has the
``module.`` prefix, as in PyTorch.
"""

from __future__ import annotations

import contextlib
import os
import time
import zlib

import numpy as np

from dlcore.distributed.comm import to_host, write_back

from ... import distributed as _dist
from ..._state import STATE
from ...tensor import Tensor, _make
from ..module import Module

_FIRST_BUCKET_BYTES = 1024 * 1024


class _Bucket:
    __slots__ = ("dtype", "flat", "index", "offsets", "params", "pending", "request")

    def __init__(self, index: int, params: list, dtype):
        self.index = index
        self.params = params
        self.dtype = dtype
        self.offsets = []
        n = 0
        for p in params:
            self.offsets.append(n)
            n += int(np.prod(p.shape, dtype=np.int64))
        self.flat = np.zeros(n, dtype)
        self.pending = len(params)
        self.request = None


class DistributedDataParallel(Module):
    """See the module docstring.  ``module``'s gradients are averaged over the ranks."""

    def __init__(self, module: Module, device_ids=None, output_device=None, dim: int = 0,
                 broadcast_buffers: bool = True, init_sync: bool = True, process_group=None,
                 bucket_cap_mb: float | None = None, find_unused_parameters: bool = False,
                 check_reduction: bool = False, gradient_as_bucket_view: bool = False,
                 static_graph: bool = False, overlap: bool | None = None, **kwargs):
        super().__init__()
        if process_group is not None and not isinstance(process_group, _dist._World):
            raise NotImplementedError("DistributedDataParallel: only the default process group "
                                      "exists")
        comm = _dist._comm()               # PyTorch's ValueError before init_process_group
        if not isinstance(module, Module):
            raise TypeError(f"DistributedDataParallel: expected an nn.Module, got "
                            f"{type(module).__name__}")
        self.module = module
        object.__setattr__(self, "_comm", comm)
        object.__setattr__(self, "device_ids", device_ids)
        object.__setattr__(self, "dim", dim)
        object.__setattr__(self, "broadcast_buffers", bool(broadcast_buffers))
        object.__setattr__(self, "find_unused_parameters", bool(find_unused_parameters))
        object.__setattr__(self, "gradient_as_bucket_view", bool(gradient_as_bucket_view))
        object.__setattr__(self, "static_graph", bool(static_graph))
        object.__setattr__(self, "require_backward_grad_sync", True)
        object.__setattr__(self, "require_forward_param_sync", True)
        cap = 25.0 if bucket_cap_mb is None else float(bucket_cap_mb)
        if not cap > 0:
            raise ValueError(f"DistributedDataParallel: bucket_cap_mb must be positive, got "
                             f"{bucket_cap_mb}")
        object.__setattr__(self, "bucket_cap_mb", cap)
        if overlap is None:
            overlap = os.environ.get("DLCORE_DDP_OVERLAP", "1") != "0"
        object.__setattr__(self, "overlap", bool(overlap))
        params = [p for p in module.parameters() if p.requires_grad]
        object.__setattr__(self, "_params", params)
        self._verify_same_model(comm)
        if init_sync:
            self._broadcast([p for p in module.parameters()] + list(module.buffers()))
        buckets = self._make_buckets(params, cap)
        slot = {}
        for b in buckets:
            for i, p in enumerate(b.params):
                slot[id(p)] = (b, i)
        object.__setattr__(self, "_buckets", buckets)
        object.__setattr__(self, "_slot", slot)
        object.__setattr__(self, "_armed", False)        # a synced backward is expected
        object.__setattr__(self, "_started", 0)          # buckets whose reduction started
        object.__setattr__(self, "_ready", set())        # ids of params whose grad is in
        object.__setattr__(self, "_unused", ())          # params this forward did not use
        object.__setattr__(self, "_deferred", [])
        object.__setattr__(self, "stats", {"hook_seconds": 0.0, "sync_seconds": 0.0,
                                           "allreduce_bytes": 0, "backward_syncs": 0})
        # a job of one has nothing to average: no hooks, backward is the module's own
        handles = [] if comm.size == 1 else \
            [p.register_post_accumulate_grad_hook(self._on_grad) for p in params]
        object.__setattr__(self, "_handles", handles)

    # ------------------------------------------------------------------ construction
    def _verify_same_model(self, comm) -> None:
        sig = ";".join(f"{tuple(p.shape)}:{p.dtype}" for p in self.module.parameters())
        mine = np.array([[len(self._params), zlib.crc32(sig.encode())]], np.int64)
        everyone = comm.allgather(mine)
        if not (everyone == everyone[0]).all():
            rows = ", ".join(f"rank {r}: {int(n)} parameters (shape signature {int(c):#x})"
                             for r, (n, c) in enumerate(everyone))
            raise RuntimeError(f"DistributedDataParallel: the ranks' modules differ ({rows}); "
                               "every rank must build the same model")

    def _broadcast(self, tensors: list, root: int = 0) -> None:
        """Rank ``root``'s values of ``tensors``, coalesced into one broadcast per dtype."""
        comm = self._comm
        by_dtype: dict = {}
        for t in tensors:
            by_dtype.setdefault(np.dtype(t._buf.dtype), []).append(t)
        for dtype, ts in by_dtype.items():
            hosts = [to_host(t._buf) for t in ts]
            flat = np.concatenate([h.reshape(-1) for h in hosts]) if hosts else \
                np.empty(0, dtype)
            comm.broadcast(flat, root)
            at = 0
            for t, h in zip(ts, hosts):
                n = h.size
                write_back(t._buf, flat[at:at + n].reshape(h.shape))
                t._vc[0] += 1
                at += n

    def _make_buckets(self, params: list, cap_mb: float) -> list:
        buckets: list[_Bucket] = []
        current: list = []
        size, dtype = 0, None
        limit = min(_FIRST_BUCKET_BYTES, cap_mb * 1024 * 1024)
        for p in reversed(params):
            dt = np.dtype(p._buf.dtype)
            nbytes = int(np.prod(p.shape, dtype=np.int64)) * dt.itemsize
            if current and (dt != dtype or size + nbytes > limit):
                buckets.append(_Bucket(len(buckets), current, dtype))
                current, size = [], 0
                limit = cap_mb * 1024 * 1024
            current.append(p)
            size += nbytes
            dtype = dt
        if current:
            buckets.append(_Bucket(len(buckets), current, dtype))
        return buckets

    def bucket_sizes(self) -> list[int]:
        """Bytes of each bucket, in the order their reductions start."""
        return [b.flat.nbytes for b in self._buckets]

    # ------------------------------------------------------------------ forward
    def forward(self, *inputs, **kwargs):
        if self._armed and self._ready:
            raise RuntimeError(
                "Expected to have finished reduction in the prior iteration before starting a new "
                "one. This error indicates that your module has parameters that were not used in "
                "producing loss. You can enable unused parameter detection by passing the keyword "
                "argument `find_unused_parameters=True` to "
                "`torch.nn.parallel.DistributedDataParallel`, and by making sure all `forward` "
                "function outputs participate in calculating loss.")
        self._reset()
        if self.broadcast_buffers and self.require_forward_param_sync:
            bufs = list(self.module.buffers())
            if bufs and self._comm.size > 1:
                self._broadcast(bufs)
        out = self.module(*inputs, **kwargs)
        armed = STATE.enabled and self.require_backward_grad_sync and bool(self._params)
        object.__setattr__(self, "_armed", armed)
        if armed and self.find_unused_parameters:
            used = _leaves_of(out)
            unused = [p for p in self._params if id(p) not in used]
            object.__setattr__(self, "_unused", tuple(unused))
            for p in unused:
                self._mark_ready(p, None)
        return out

    def _reset(self) -> None:
        for b in self._buckets:
            b.pending = len(b.params)
            b.request = None
        object.__setattr__(self, "_started", 0)
        object.__setattr__(self, "_ready", set())
        object.__setattr__(self, "_unused", ())
        object.__setattr__(self, "_deferred", [])

    @contextlib.contextmanager
    def no_sync(self):
        """Backward passes inside only accumulate ``.grad`` locally; the first one after it
        all-reduces the accumulated gradients."""
        old = self.require_backward_grad_sync
        object.__setattr__(self, "require_backward_grad_sync", False)
        try:
            yield
        finally:
            object.__setattr__(self, "require_backward_grad_sync", old)

    # ------------------------------------------------------------------ backward
    def _on_grad(self, p: Tensor) -> None:
        if not self._armed:
            return
        t0 = time.perf_counter()
        if id(p) in self._ready:
            raise RuntimeError(
                "Expected to mark a variable ready only once. This error is caused by one of the "
                "following reasons: 1) Use of a module parameter outside the `forward` function, "
                "or a second backward through the same graph without a forward in between; "
                "2) Reused parameters in multiple reentrant backward passes.")
        self._mark_ready(p, p._grad)
        if self.overlap:                  # move the reductions in flight forward
            for b in self._buckets[:self._started]:
                if b.request is not None:
                    b.request.test()
        self.stats["hook_seconds"] += time.perf_counter() - t0

    def _mark_ready(self, p: Tensor, grad) -> None:
        b, i = self._slot[id(p)]
        self._ready.add(id(p))
        n = b.flat.size if i + 1 == len(b.params) else b.offsets[i + 1]
        view = b.flat[b.offsets[i]:n]
        if grad is None:
            view[:] = 0
        else:
            view[:] = to_host(grad._buf).reshape(-1)
        b.pending -= 1
        if b.pending == 0:
            self._start(b)

    def _start(self, b: _Bucket) -> None:
        comm = self._comm
        if self.overlap:
            b.request = comm.allreduce_async(b.flat, "average", out=b.flat)
        else:
            self._deferred.append(b)
        object.__setattr__(self, "_started", self._started + 1)
        if self._started == len(self._buckets):
            self._finish()

    def _finish(self) -> None:
        comm = self._comm
        t0 = time.perf_counter()
        for b in self._deferred:
            comm.allreduce(b.flat, "average", out=b.flat)
        globally_used = None
        if self._unused:
            local = np.array([0 if any(q is p for q in self._unused) else 1
                              for p in self._params], np.uint8)
            globally_used = comm.allreduce(local, "max")
        index = {id(p): k for k, p in enumerate(self._params)}
        for b in self._buckets:
            if b.request is not None:
                b.request.wait()
                b.request = None
            for i, p in enumerate(b.params):
                n = b.flat.size if i + 1 == len(b.params) else b.offsets[i + 1]
                values = b.flat[b.offsets[i]:n].reshape(tuple(p.shape))
                if p._grad is None:
                    if globally_used is not None and not globally_used[index[id(p)]]:
                        continue
                    p._grad = _make(_on_device_of(p, values.copy()))
                    continue
                g = p._grad._buf
                if type(g) is np.ndarray and not g.flags.writeable:
                    p._grad = _make(values.copy())
                    continue
                write_back(g, values)                 # in place (host or device)
                p._grad._vc[0] += 1
        st = self.stats
        st["sync_seconds"] += time.perf_counter() - t0
        st["allreduce_bytes"] += sum(b.flat.nbytes for b in self._buckets)
        st["backward_syncs"] += 1
        object.__setattr__(self, "_armed", False)
        self._reset()

    def extra_repr(self) -> str:
        return ""


def _on_device_of(p: Tensor, values: np.ndarray):
    if isinstance(p._buf, np.ndarray):
        return values
    from dlcore.device import to_device
    return to_device(values, "cuda")


def _leaves_of(out) -> set:
    """ids of the leaf tensors that the graph of ``out`` (a tensor or nested containers) uses."""
    roots = []

    def collect(o):
        if isinstance(o, Tensor):
            if o._node is not None:
                roots.append(o._node)
        elif isinstance(o, (list, tuple)):
            for x in o:
                collect(x)
        elif isinstance(o, dict):
            for x in o.values():
                collect(x)
    collect(out)
    seen, leaves, stack = set(), set(), roots
    while stack:
        n = stack.pop()
        if n is None or id(n) in seen:
            continue
        seen.add(id(n))
        t = getattr(n, "tensor", None)
        if t is not None and not getattr(n, "parents", ()):
            leaves.add(id(t))
            continue
        stack.extend(getattr(n, "parents", ()) or ())
    return leaves
