"""dlcore_eager's CPU random streams equal PyTorch 2.13's bit for bit after the same seed
(dlcore_eager/_torch_rng.py): creation functions, in-place samplers, nn.init, dropout, data
shuffling, and the 5056-byte generator state both ways."""

import numpy as np
import pytest
import torch

import dlcore_eager as dt

SIZES = (1, 7, 15, 16, 17, 100, 1000)


#: On a CPU where PyTorch runs its AVX-512 kernels, its float64 ``normal_`` (16 or more values)
#: and ``exponential_`` take log/cos from its vectorised (SLEEF) maths, which differ from libm in
#: the last bit now and then (1 of 400 values); the draws underneath are the same, so float64
#: results are compared to 2 ulp there, and bit for bit everywhere else.
AVX512 = torch.backends.cpu.get_cpu_capability() == "AVX512"


def same(a, b):
    a = a.detach().numpy() if hasattr(a, "detach") else np.asarray(a)
    b = b.detach().numpy() if hasattr(b, "detach") else np.asarray(b)
    assert a.dtype == b.dtype and a.shape == b.shape
    if AVX512 and a.dtype == np.float64:
        np.testing.assert_array_max_ulp(a, b, maxulp=2)
        return
    assert a.tobytes() == b.tobytes(), (a.ravel()[:8], b.ravel()[:8])


def both(seed, fn):
    torch.manual_seed(seed)
    a = fn(torch)
    dt.manual_seed(seed)
    return a, fn(dt)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_rand_randn_normal(dtype):
    for n in SIZES:
        for fn in (lambda m, n=n: m.rand(n, dtype=getattr(m, dtype)),
                   lambda m, n=n: m.randn(n, dtype=getattr(m, dtype)),
                   lambda m, n=n: m.randn(3, n, dtype=getattr(m, dtype)),
                   lambda m, n=n: m.empty(n, dtype=getattr(m, dtype)).normal_(0.5, 2.0),
                   lambda m, n=n: m.empty(n, dtype=getattr(m, dtype)).uniform_(-2.0, 3.0)):
            same(*both(n, fn))
    # the cached second normal of normal_distribution<double> carries across calls
    same(*both(3, lambda m: m.cat([m.randn(3, dtype=getattr(m, dtype)),
                                   m.randn(5, dtype=getattr(m, dtype))])))


def test_torch_normal_forms():
    x = np.random.default_rng(0).standard_normal((3, 7))
    sd = np.abs(x[0])
    for d in ("float32", "float64"):
        xm, sm = x.astype(d), sd.astype(d)
        for f in (lambda m, sm=sm, xm=xm: m.normal(m.tensor(xm), m.tensor(sm)),
                  lambda m, xm=xm: m.normal(m.tensor(xm), 2.0),
                  lambda m, sm=sm: m.normal(0.5, m.tensor(sm)),
                  lambda m, d=d: m.normal(2.0, 3.0, (4, 5), dtype=getattr(m, d)),
                  lambda m, d=d: m.normal(2.0, 3.0, (3,), dtype=getattr(m, d))):
            same(*both(4, f))


def test_integers_and_permutations():
    for n in (1, 2, 7, 100, 1000):
        same(*both(n, lambda m, n=n: m.randperm(n)))
    for lo, hi in ((0, 10), (-5, 7), (0, 2 ** 40)):
        for d in ("int64", "int32", "float64"):
            if d == "int32" and hi > 2 ** 31:
                continue
            same(*both(1, lambda m, d=d, hi=hi, lo=lo:
                       m.randint(lo, hi, (50,), dtype=getattr(m, d))))
    for d in ("int64", "int32", "uint8", "bool", "float32", "float64"):
        same(*both(2, lambda m, d=d: m.empty(40, dtype=getattr(m, d)).random_()))
        same(*both(2, lambda m, d=d: m.empty(40, dtype=getattr(m, d)).random_(0, 2)))


def test_generators_and_state_round_trip():
    g, h = torch.Generator().manual_seed(9), dt.Generator().manual_seed(9)
    same(torch.randn(40, generator=g), dt.randn(40, generator=h))
    same(g.get_state(), h.get_state())
    same(torch.Generator().get_state(), dt.Generator().get_state())
    assert h.initial_seed() == g.initial_seed() == 9
    for k in (0, 3, 623, 624, 625):
        a, b = both(7, lambda m, k=k: (m.rand(k), m.randn(3), m.get_rng_state())[2])
        same(a, b)
        assert a.numel() == 5056
    # a state taken from PyTorch continues PyTorch's stream here, and the other way round
    torch.manual_seed(11)
    torch.randn(5)
    dt.set_rng_state(dt.tensor(torch.get_rng_state().numpy()))
    same(torch.randn(20), dt.randn(20))
    dt.rand(30)
    torch.set_rng_state(torch.from_numpy(dt.get_rng_state().numpy()))
    same(torch.rand(9), dt.rand(9))
    for s in (-1, 2 ** 63):
        assert dt.Generator().manual_seed(s).initial_seed() == \
            torch.Generator().manual_seed(s).initial_seed()


def test_modules_init_and_dropout():
    for make in (lambda m: m.nn.Linear(20, 7), lambda m: m.nn.Conv2d(3, 4, 3),
                 lambda m: m.nn.Embedding(10, 5), lambda m: m.nn.GRU(4, 6)):
        a, b = both(0, lambda m, make=make: list(make(m).parameters()))
        for x, y in zip(a, b):
            same(x, y)
    for name in ("xavier_uniform_", "xavier_normal_", "kaiming_normal_", "trunc_normal_"):
        same(*both(0, lambda m, name=name: getattr(m.nn.init, name)(m.empty(16, 9))))
    same(*both(0, lambda m: m.nn.init.trunc_normal_(m.empty(6, 5), 0.0, 1.0, 0.5, 1.0)))
    same(*both(0, lambda m: m.nn.init.sparse_(m.empty(6, 5), 0.5)))
    a, b = both(0, lambda m: m.nn.init.orthogonal_(m.empty(5, 8)))
    np.testing.assert_allclose(a.numpy(), b.numpy(), atol=1e-6)     # (LAPACK QR rounding)
    x = np.ones((4, 50), np.float32)
    same(*both(0, lambda m: m.nn.Dropout(0.3)(m.tensor(x))))
    same(*both(0, lambda m: m.nn.functional.dropout2d(m.tensor(x.reshape(4, 5, 10, 1)), 0.5)))


def test_multinomial_bernoulli_exponential():
    p = np.array([[0.1, 0.2, 0.3, 0.4], [0.5, 0.0, 0.25, 0.25]], np.float32)
    for n, repl in ((1, False), (3, False), (5, True), (1, True)):
        same(*both(0, lambda m, n=n, repl=repl: m.multinomial(m.tensor(p), n, repl)))
    for d in ("float32", "float64"):
        pd = p.astype(d)
        same(*both(1, lambda m, pd=pd: m.bernoulli(m.tensor(pd))))
        rates = np.array([0.5, 3.0, 12.0, 50.0, 0.0, 9.9, 200.0] * 3, d)
        same(*both(2, lambda m, rates=rates: (m.poisson(m.tensor(rates)), m.rand(2))[1]))
        same(*both(2, lambda m, rates=rates: m.poisson(m.tensor(rates))))
        same(*both(1, lambda m, d=d: m.empty(30, dtype=getattr(m, d)).bernoulli_(0.3)))
        same(*both(1, lambda m, d=d: m.empty(30, dtype=getattr(m, d)).exponential_(2.5)))
        same(*both(1, lambda m, d=d: m.empty(17, dtype=getattr(m, d)).cauchy_(0.5, 2.0)))
        same(*both(1, lambda m, d=d: m.empty(17, dtype=getattr(m, d)).log_normal_(0.2, 0.5)))
        same(*both(1, lambda m, d=d: m.empty(17, dtype=getattr(m, d)).geometric_(0.3)))


def test_data_shuffling():
    ds = list(range(23))
    T, D = torch.utils.data, dt.utils.data

    def run(m, M, **kw):
        m.manual_seed(0)
        out = [b.tolist() for _ in range(2) for b in M.DataLoader(ds, batch_size=5, **kw)]
        return out + [m.rand(2).tolist(), [list(s) for s in M.random_split(ds, [10, 13])]]
    assert run(torch, T, shuffle=True) == run(dt, D, shuffle=True)
    assert run(torch, T, shuffle=True, generator=torch.Generator().manual_seed(3)) == \
        run(dt, D, shuffle=True, generator=dt.Generator().manual_seed(3))
    assert run(torch, T, sampler=T.RandomSampler(ds, replacement=True, num_samples=40)) == \
        run(dt, D, sampler=D.RandomSampler(ds, replacement=True, num_samples=40))
    w = [1.0, 2.0, 0.5] * 7 + [1, 1]
    assert run(torch, T, sampler=T.WeightedRandomSampler(w, 30)) == \
        run(dt, D, sampler=D.WeightedRandomSampler(w, 30))
    assert run(torch, T, sampler=T.SubsetRandomSampler(range(4, 20))) == \
        run(dt, D, sampler=D.SubsetRandomSampler(range(4, 20)))


def test_noise_of_rrelu_alpha_dropout_and_attention():
    x = np.random.default_rng(0).standard_normal((4, 30)).astype(np.float32)
    q = x.reshape(1, 4, 5, 6)
    for f in (lambda m: m.nn.functional.rrelu(m.tensor(x), training=True),
              lambda m: m.nn.functional.alpha_dropout(m.tensor(x), 0.3, True),
              lambda m: m.nn.functional.scaled_dot_product_attention(
                  m.tensor(q), m.tensor(q), m.tensor(q), dropout_p=0.4)):
        a, b = both(0, lambda m, f=f: (f(m), m.rand(3)))
        np.testing.assert_allclose(a[0].numpy(), b[0].numpy(), rtol=1e-6, atol=1e-6)
        same(a[1], b[1])                        # the same number of draws


def test_bad_std_raises_as_torch_and_draws_nothing():
    for f in (lambda m: m.normal(m.zeros(3), m.tensor([1.0, -1.0, 1.0])),
              lambda m: m.normal(m.zeros(3), -1.0), lambda m: m.normal(0.0, -1.0, (3,)),
              lambda m: m.empty(3).normal_(0, -0.5)):
        msgs = []
        for m in (torch, dt):
            m.manual_seed(0)
            with pytest.raises(RuntimeError) as err:
                f(m)
            msgs.append(str(err.value))
        assert msgs[0] == msgs[1]
        same(torch.rand(2), dt.rand(2))


def test_testing_make_tensor():
    for d in ("float32", "float64", "int64", "int32", "uint8", "bool"):
        for shp, kw in (((3, 7), {}), ((30,), {"noncontiguous": True}), ((), {}),
                        ((4, 5), {"low": -1, "high": 2, "exclude_zero": True,
                                  "noncontiguous": True})):
            if d == "bool" and "low" in kw:
                continue
            a, b = both(0, lambda m, d=d, shp=shp, kw=kw: m.testing.make_tensor(
                *shp, dtype=getattr(m, d), device="cpu", **kw))
            same(a, b)
            assert a.is_contiguous() == b.is_contiguous()


@pytest.mark.parametrize("low,high", [(-0.03125, 0.03125), (-1 / 31.6, 1 / 31.6), (0.0, 7.3),
                                      (2.0, 5.0), (-3.0, 0.0), (1000.0, 1000.5)])
def test_uniform_first_draws_by_numpy_equal_the_kernel_and_torch(monkeypatch, low, high):
    """A process's first float32 ``uniform_`` draws (every layer's ``kaiming_uniform_``) are
    NumPy's where the multiply-add is exact in double (no Numba compilation on a first run):
    PyTorch's bits, the kernel's bits; where it is not exact (1000 + 0.5 x) the kernel runs.
    A value that rounds up to ``to`` is ``from``, as PyTorch's (1000.5 -> 1000: 65 of a
    million draws of the last case differed before)."""
    from dlcore.kernels.cpu._jit_torch_rng import uniform32
    from dlcore_eager import _torch_rng as R
    exact = R._exact_in_double(np.float32(high) - np.float32(low), np.float32(low))
    assert exact == ((low, high) != (1000.0, 1000.5))
    for numpy_first in (True, False):
        monkeypatch.setattr(R, "_UNIFORM_NUMPY", [0, not numpy_first])
        calls = []
        monkeypatch.setattr(R, "_numpy_first",
                            lambda *a, f=R._numpy_first: calls.append(1) or f(*a))
        for n in (64, 1000, 30000):
            same(*both(n, lambda m, n=n: m.empty(n).uniform_(low, high)))
        assert bool(calls) == exact
    rng = np.random.default_rng(1)
    raw = rng.integers(0, 2 ** 32, 100000, dtype=np.uint64)
    lo32 = np.float32(low)
    span = np.float32(high) - lo32
    want = np.empty(raw.size, np.float32)
    uniform32(raw, lo32, span, np.float32(high), want)
    x = (raw & np.uint64(0xffffff)).astype(np.float32) * np.float32(2.0 ** -24)
    if exact:
        assert R._fma32(x, span, lo32).tobytes() == want.tobytes()


def test_numpy_draws_stop_after_a_few_calls():
    """The NumPy twins serve a kind's first ``calls`` draws, none once its kernel has run."""
    from dlcore_eager import _torch_rng as R
    state = [0, False]
    took = [R._numpy_first(state, 5) for _ in range(8)]
    assert took == [True] * 5 + [False] * 3
    assert R._numpy_first([0, True], 5) is False                 # (the kernel has run)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_half_and_bfloat16_uniform_keep_below_to_as_torch(dtype):
    """Half and bfloat16 draws are the float draw cast, a value the cast rounded up to ``to``
    being ``from`` (PyTorch's bits: 4616 of 300,000 half draws of uniform_(10, 10.25), and 571
    bfloat16 ``rand`` draws, differed before)."""
    for low, high in [(0.0, 1.0), (10.0, 10.25), (1000.0, 1000.5), (-2.0, 3.0)]:
        for seed in (0, 1):
            same(*both(seed, lambda m: m.empty(100000, dtype=getattr(m, dtype))
                       .uniform_(low, high).float()))          # (exact: the bits compared)
    same(*both(5, lambda m: m.rand(5000, dtype=getattr(m, dtype)).float()))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_rrelu_slopes_in_training_as_torch(dtype):
    """``rrelu``'s training slopes: one double uniform(lower, upper) per element <= 0, the
    bounds in the input's math type and the multiply-add not fused, as PyTorch's CPU kernel
    (505 of 5000 float32 slopes differed in the last bit before)."""
    x = np.linspace(-1, 1, 5000).astype(dtype)
    for seed in (0, 1):
        same(*both(seed, lambda m: m.nn.functional.rrelu(m.tensor(x), training=True)))
        same(*both(seed, lambda m: m.nn.RReLU(0.1, 0.3)(m.tensor(x))))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_alpha_dropouts_as_torch(dtype):
    """``alpha_dropout``/``feature_alpha_dropout``: PyTorch's noise and its arithmetic op for
    op (the dropped units' value differed in the last bit before)."""
    x = np.random.default_rng(0).standard_normal((8, 16, 50)).astype(dtype)
    for seed in (0, 1):
        same(*both(seed, lambda m: m.nn.functional.alpha_dropout(m.tensor(x), 0.3, True)))
        same(*both(seed, lambda m: m.nn.functional.feature_alpha_dropout(m.tensor(x), 0.3,
                                                                         True)))
        same(*both(seed, lambda m: m.nn.AlphaDropout(0.2)(m.tensor(x))))


def test_box_muller_numpy_twin_is_the_kernel_bit_for_bit(monkeypatch):
    """``torch.randn``'s first draws in a process run the kernel's NumPy twin (no compilation):
    PyTorch's bits through either, the twin's fused multiply-add exact where a double sum
    rounds onto a float32 midpoint (the naive double-then-float form was wrong there), and the
    twin equal to the kernel over a million lanes, denormal and extreme uniforms included."""
    from numba import njit

    from dlcore.kernels.cpu._jit_torch_rng import _fma, box_muller_avx2
    from dlcore_eager import _box_muller_numpy as twin
    from dlcore_eager import _torch_rng as R

    for numpy_first in (True, False):
        monkeypatch.setattr(R, "_NORMAL_NUMPY", [0, not numpy_first])
        for n in (16, 1000, 4096 + 7):
            same(*both(n, lambda m, n=n: m.randn(n)))
            same(*both(n, lambda m, n=n: m.empty(n).normal_(0.5, 2.0)))
        assert (R._NORMAL_NUMPY[0] > 0) == numpy_first

    @njit
    def fma_all(a, b, c, out):
        for i in range(a.size):
            out[i] = _fma(a[i], b[i], c[i])

    e = 2.0 ** -23
    cases = [((1 + k * e) * sg, 1 - k * e, base * sg) for k in (1, 2, 3, 5) for sg in (1, -1)
             for base in (2.0 ** 24 + 2, 2.0 ** 24 + 6, 2.0 ** 10 + 2.0 ** -12, 1.0)]
    a, b, c = (np.array(v, np.float32) for v in zip(*cases))
    want = np.empty(a.size, np.float32)
    fma_all(a, b, c, want)
    naive = (a.astype(np.float64) * b + c).astype(np.float32)
    assert (naive != want).sum() > 0                     # (the cases are hard ones)
    assert twin.fma32(a, b, c).tobytes() == want.tobytes()

    rng = np.random.default_rng(3)
    k1, k2 = rng.integers(0, 2 ** 24, (2, 500000))
    k1[:4], k2[:4] = [0, 1, 2 ** 24 - 1, 2 ** 23], [2 ** 24 - 1, 0, 1, 2 ** 22]
    u1 = np.float32(1) - k1.astype(np.float32) * np.float32(2.0 ** -24)
    u2 = k2.astype(np.float32) * np.float32(2.0 ** -24)
    u1[4:8] = [1e-40, 1e-38, 1.1754942e-38, 1.0]
    for mean, std in ((0.0, 1.0), (0.3, 2.5)):
        outs = [np.empty_like(u1) for _ in range(4)]
        box_muller_avx2(u1, u2, np.float32(mean), np.float32(std), outs[0], outs[1])
        twin.box_muller(u1, u2, mean, std, outs[2], outs[3])
        assert outs[0].tobytes() == outs[2].tobytes() and outs[1].tobytes() == outs[3].tobytes()
