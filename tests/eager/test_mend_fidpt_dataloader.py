"""DataLoader iterators (rv-fid item 6, mend-fidpt): after a timeout every next() raises the
timeout again (the stuck batch is not skipped), and ``len(iter(loader))`` is the loader's
length, as torch 2.13's _BaseDataLoaderIter."""

import threading

import pytest

import dlcore_eager as dl

torch = pytest.importorskip("torch")


class _Range:
    def __init__(self, lib, n):
        self.lib, self.n = lib, n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return self.lib.tensor([float(i)])


@pytest.mark.parametrize("workers", [0, 2])
@pytest.mark.parametrize("kw", [{"batch_size": 3}, {"batch_size": 3, "drop_last": True},
                                {"batch_size": None}, {"batch_size": 4, "shuffle": True}])
def test_len_of_the_iterator_as_torch(workers, kw):
    lens = []
    for lib in (dl, torch):
        it = iter(lib.utils.data.DataLoader(_Range(lib, 10), num_workers=workers, **kw))
        n = len(it)
        assert n == len(list(it))
        lens.append(n)
    assert lens[0] == lens[1]


def test_after_a_timeout_every_next_raises_it_again():
    release = threading.Event()
    seen = []

    class Slow(_Range):
        def __getitem__(self, i):
            seen.append(i)
            if i == 4:
                release.wait(5.0)       # a stuck read (released at the end)
            return super().__getitem__(i)

    loader = dl.utils.data.DataLoader(Slow(dl, 12), batch_size=2, num_workers=2, timeout=0.3)
    it = iter(loader)
    try:
        assert [b.ravel().tolist() for b in (next(it), next(it))] == [[0., 1.], [2., 3.]]
        for _ in range(3):          # (was: the batch after the stuck one, then a dead pool)
            with pytest.raises(RuntimeError, match=r"^DataLoader timed out after 0\.3 seconds$"):
                next(it)
    finally:
        release.set()
    with pytest.raises(RuntimeError, match=r"^DataLoader timed out after 0\.3 seconds$"):
        next(it)
    assert len(it) == 6
