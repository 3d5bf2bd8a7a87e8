"""More of PyTorch 2.13's keyword names, each call made with the same keywords on the installed
torch and on dlcore_eager: the overloads' names of tensor_split/hsplit/vsplit/dsplit
(``sections=``, ``indices=``, ``tensor_indices_or_sections=``; torch refuses the docs'
``indices_or_sections=``), ``Tensor.copy_(other=, non_blocking=)`` (torch refuses the docs'
``src=``), ``resize_(size=)``, ``uniform_``/``random_``'s ``from=``/``to=``, and the first
parameters torch names ``x1``/``input1``/``anchor``/``x`` (cdist, cosine_similarity,
pairwise_distance, cosine_embedding_loss, margin_ranking_loss, triplet_margin_loss,
bilinear, linalg.vector_norm), where torch refuses ``input=``."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import dlcore_eager

T: Any = dlcore_eager
RNG = np.random.default_rng(5)
X = RNG.standard_normal((2, 3, 4)).astype(np.float32)
A = RNG.standard_normal((2, 3)).astype(np.float32)
B = RNG.standard_normal((2, 3)).astype(np.float32)


def _both(f):
    """f(lib, tensor-maker) on torch and dlcore_eager: values (or error types) agree."""
    out = []
    for lib in (torch, T):
        try:
            r = f(lib, lambda a, lib=lib: lib.tensor(a))
        except Exception as e:          # noqa: BLE001 - the error's type is compared
            out.append(type(e))
            continue
        rs = r if isinstance(r, (tuple, list)) else (r,)
        out.append([np.asarray(t.tolist()) for t in rs])
    got, want = out[1], out[0]
    if isinstance(want, type):
        assert isinstance(got, type) and issubclass(got, want), (got, want)
        return None
    assert not isinstance(got, type), f"dlcore raised {got}"
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g.shape == w.shape
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)
    return got


SPLITS = {
    "tensor_split sections": lambda L, t: L.tensor_split(t(X), sections=3, dim=2),
    "tensor_split indices": lambda L, t: L.tensor_split(t(X), indices=[1, 3], dim=2),
    "tensor_split tensor": lambda L, t: L.tensor_split(
        t(X), tensor_indices_or_sections=L.tensor([1, 3]), dim=2),
    "tensor_split method": lambda L, t: t(X).tensor_split(sections=2, dim=1),
    "tensor_split method indices": lambda L, t: t(X).tensor_split(indices=(1,)),
    "hsplit sections": lambda L, t: L.hsplit(t(X), sections=3),
    "hsplit indices": lambda L, t: t(X).hsplit(indices=[2]),
    "vsplit sections": lambda L, t: L.vsplit(t(X), sections=2),
    "vsplit indices": lambda L, t: t(X).vsplit(indices=[1]),
    "dsplit sections": lambda L, t: L.dsplit(t(X), sections=2),
    "dsplit indices": lambda L, t: t(X).dsplit(indices=[1, 2]),
    "tensor_split positional": lambda L, t: L.tensor_split(t(X), 3, 1),
    "copy_ other": lambda L, t: L.zeros(2, 3).copy_(other=t(A)),
    "copy_ non_blocking": lambda L, t: L.zeros(2, 3).copy_(t(A), non_blocking=True),
    "copy_ positional non_blocking": lambda L, t: L.zeros(2, 3).copy_(t(A), True),
    "resize_ size": lambda L, t: t(A).resize_(size=(3, 2)),
    "resize_ sizes": lambda L, t: t(A).resize_(3, 2),
    "random_ from to": lambda L, t: L.zeros(3).random_(**{"from": 4, "to": 5}),
    "random_ to": lambda L, t: L.zeros(3, dtype=L.int64).random_(to=1),
    "cdist x1 x2": lambda L, t: L.cdist(x1=t(A), x2=t(B)),
    "cosine_similarity x1 x2": lambda L, t: L.nn.functional.cosine_similarity(
        x1=t(A), x2=t(B), dim=1),
    "torch.cosine_similarity": lambda L, t: L.cosine_similarity(x1=t(A), x2=t(B)),
    "pairwise_distance": lambda L, t: L.nn.functional.pairwise_distance(x1=t(A), x2=t(B)),
    "cosine_embedding_loss": lambda L, t: L.nn.functional.cosine_embedding_loss(
        input1=t(A), input2=t(B), target=L.tensor([1.0, -1.0])),
    "margin_ranking_loss": lambda L, t: L.nn.functional.margin_ranking_loss(
        input1=t(A[0]), input2=t(B[0]), target=L.ones(3)),
    "triplet_margin_loss": lambda L, t: L.nn.functional.triplet_margin_loss(
        anchor=t(A), positive=t(B), negative=t(A) * 2),
    "bilinear": lambda L, t: L.nn.functional.bilinear(
        input1=t(A), input2=t(B), weight=L.ones(2, 3, 3)),
    "vector_norm x": lambda L, t: L.linalg.vector_norm(x=t(A), ord=2),
    "vector_norm input": lambda L, t: L.linalg.vector_norm(input=t(A), ord=1),
}


@pytest.mark.parametrize("case", sorted(SPLITS))
def test_torch_keyword_names_are_taken(case):
    _both(SPLITS[case])


REFUSED = {
    "tensor_split indices_or_sections": lambda L, t: L.tensor_split(
        t(X), indices_or_sections=2),
    "hsplit indices_or_sections": lambda L, t: L.hsplit(t(X), indices_or_sections=3),
    "copy_ src": lambda L, t: L.zeros(2, 3).copy_(src=t(A)),
    "resize_ size int": lambda L, t: t(A).resize_(size=6),
    "random_ from alone": lambda L, t: L.zeros(3).random_(**{"from": 2}),
    "uniform_ a b": lambda L, t: L.zeros(3).uniform_(a=0.0, b=1.0),
    "cdist input": lambda L, t: L.cdist(input=t(A), x2=t(B)),
    "cosine_similarity input": lambda L, t: L.nn.functional.cosine_similarity(
        input=t(A), x2=t(B)),
    "triplet input": lambda L, t: L.nn.functional.triplet_margin_loss(
        input=t(A), positive=t(B), negative=t(A)),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_names_torch_refuses_are_type_errors(case):
    for L in (torch, T):
        with pytest.raises(TypeError):
            REFUSED[case](L, lambda a, L=L: L.tensor(a))


def test_uniform_from_to_keywords_draw_the_same_stream():
    for L in (torch, T):
        L.manual_seed(3)
    u = [L.zeros(5).uniform_(**{"from": -2.0, "to": 3.0}).tolist() for L in (torch, T)]
    np.testing.assert_allclose(u[1], u[0], rtol=1e-6)
    for L in (torch, T):
        L.manual_seed(3)
    u = [L.zeros(4).uniform_(to=0.5).tolist() for L in (torch, T)]
    np.testing.assert_allclose(u[1], u[0], rtol=1e-6)
    assert all(0 <= v < 0.5 for v in u[1])


def test_copy_keeps_its_result_and_broadcasts():
    y = T.zeros(2, 3)
    assert y.copy_(other=T.tensor([1.0, 2.0, 3.0])) is y
    assert y.tolist() == [[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]]
