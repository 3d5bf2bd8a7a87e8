"""utils.data against real PyTorch: worker threads (num_workers > 0) with PyTorch's API and
ordering, unknown keywords, samplers, IterableDataset, collate, random_split; saving a whole
module is refused with the state_dict recipe."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import dlcore_eager as dt
from dlcore_eager.utils import data as D

torch = pytest.importorskip("torch")
from torch.utils import data as TD  # noqa: E402


def _ds(m, data_mod):
    return data_mod.TensorDataset(m.arange(10.0), m.arange(10))


@pytest.mark.parametrize("kw", [dict(batch_size=4), dict(batch_size=3, drop_last=True),
                                dict(batch_size=None)])
@pytest.mark.parametrize("workers", [0, 2])
def test_batches_match_torch_with_and_without_workers(kw, workers):
    got = [[np.asarray(t.numpy()).tolist() for t in b] for b in
           D.DataLoader(_ds(dt, D), num_workers=workers, **kw)]
    want = [[t.numpy().tolist() for t in b] for b in
            TD.DataLoader(_ds(torch, TD), num_workers=0, **kw)]
    assert got == want
    assert len(D.DataLoader(_ds(dt, D), num_workers=workers, **kw)) == len(want)


def test_worker_init_fn_worker_info_seeds_and_persistence():
    seen, threads = [], set()

    class Probe(D.Dataset):
        def __len__(self):
            return 12

        def __getitem__(self, i):
            info = D.get_worker_info()
            threads.add(threading.get_ident())
            seen.append((info.id, info.num_workers, info.seed - info.id))
            return i

    def init(worker_id):
        assert D.get_worker_info().id == worker_id
        inits.append(worker_id)

    inits: list = []
    loader = D.DataLoader(Probe(), batch_size=2, num_workers=3, worker_init_fn=init,
                          persistent_workers=True, prefetch_factor=4,
                          generator=dt.Generator().manual_seed(0))
    assert [b.tolist() for b in loader] == [[0, 1], [2, 3], [4, 5], [6, 7], [8, 9], [10, 11]]
    assert sorted(inits) == sorted(set(inits)) and set(inits) <= {0, 1, 2}
    assert {s[1] for s in seen} == {3} and len({s[2] for s in seen}) == 1   # one base seed
    list(loader)                                                            # second epoch
    assert len(inits) <= 3                       # persistent: no new initialisation
    assert D.get_worker_info() is None


def test_worker_errors_are_raised_in_the_main_thread():
    class Bad(D.Dataset):
        def __len__(self):
            return 4

        def __getitem__(self, i):
            if i == 2:
                raise KeyError("no sample 2")
            return i
    with pytest.raises(KeyError, match="in DataLoader worker"):
        list(D.DataLoader(Bad(), batch_size=1, num_workers=2))


def test_iterable_dataset_sharded_by_worker_matches_torch():
    def make(data_mod):
        class Stream(data_mod.IterableDataset):
            def __iter__(self):
                w = data_mod.get_worker_info()
                k, n = (0, 1) if w is None else (w.id, w.num_workers)
                return iter(range(k, 10, n))
        return Stream()
    for workers in (0, 2):
        got = [b.tolist() for b in D.DataLoader(make(D), batch_size=2, num_workers=workers)]
        want = [b.tolist() for b in TD.DataLoader(make(TD), batch_size=2,
                                                  num_workers=workers)]
        assert got == want


def test_unknown_and_bad_keywords_raise_as_in_torch():
    with pytest.raises(TypeError, match="unexpected keyword argument 'shuffel'"):
        D.DataLoader(_ds(dt, D), shuffel=True)
    with pytest.raises(ValueError, match="num_workers option should be non-negative"):
        D.DataLoader(_ds(dt, D), num_workers=-1)
    with pytest.raises(ValueError, match="prefetch_factor"):
        D.DataLoader(_ds(dt, D), prefetch_factor=2)
    with pytest.raises(ValueError, match="mutually exclusive"):
        D.DataLoader(_ds(dt, D), batch_sampler=D.BatchSampler(range(10), 2, False),
                     batch_size=4)


def test_samplers_collate_subsets_and_random_split():
    g = dt.Generator().manual_seed(3)
    s = D.SubsetRandomSampler([5, 6, 7, 8], generator=g)
    assert sorted(s) == [5, 6, 7, 8] and len(s) == 4
    w = D.WeightedRandomSampler([0.0, 1.0, 0.0, 3.0], 200, generator=g)
    draws = list(w)
    assert set(draws) == {1, 3} and 120 < draws.count(3) < 180
    # (torch 2.13 takes the zero-weight category once the others are drawn: no error)
    assert list(D.WeightedRandomSampler([1.0, 0.0], 2, replacement=False)) == \
        list(TD.WeightedRandomSampler([1.0, 0.0], 2, replacement=False)) == [0, 1]
    loader = D.DataLoader(_ds(dt, D), sampler=D.SubsetRandomSampler([1, 2, 3]), batch_size=2)
    assert sorted(v for b in loader for v in b[1].tolist()) == [1, 2, 3]
    samples = [{"x": 1.5, "y": (2, True)}, {"x": 2.5, "y": (3, False)}]
    got, want = D.default_collate(samples), TD.default_collate(samples)
    assert got["x"].dtype == dt.float64 and want["x"].dtype == torch.float64
    assert got["y"][0].tolist() == want["y"][0].tolist() and got["y"][1].dtype == dt.bool
    cat = D.ConcatDataset([_ds(dt, D), D.Subset(_ds(dt, D), [7, 8])])
    assert len(cat) == 12 and cat[11][1].item() == 8
    a, b = D.random_split(range(10), [0.3, 0.7], generator=dt.Generator().manual_seed(1))
    assert (len(a), len(b)) == (3, 7) and sorted(list(a) + list(b)) == list(range(10))
    a2, _ = D.random_split(range(10), [3, 7], generator=dt.Generator().manual_seed(1))
    assert list(a2) == list(a)


def test_saving_a_whole_module_says_how_to_save_weights(tmp_path):
    m = dt.nn.Linear(2, 2)
    with pytest.raises(TypeError, match=r"needs pickle.*model\.state_dict\(\)"):
        dt.save(m, tmp_path / "m.pt")
    assert not (tmp_path / "m.pt").exists()
    dt.save(m.state_dict(), tmp_path / "w.pt")
    m2 = dt.nn.Linear(2, 2)
    m2.load_state_dict(dt.load(tmp_path / "w.pt"))
    np.testing.assert_array_equal(m2.weight.detach().numpy(), m.weight.detach().numpy())
