"""The 'PyTorch Benchmark' recipe: two implementations of a batched dot product checked
against each other, then timed with Python's timeit and torch.utils.benchmark.Timer (timeit,
blocked_autorange, adaptive_autorange, labels/sub_labels/descriptions, Compare).  Times vary
from run to run, so the program prints what does not: the results' structure and repr."""
import timeit

import torch
import torch.utils.benchmark as benchmark


def batched_dot_mul_sum(a, b):
    '''Computes batched dot by multiplying and summing'''
    return a.mul(b).sum(-1)


def batched_dot_bmm(a, b):
    '''Computes batched dot by reducing to ``bmm``'''
    a = a.reshape(-1, 1, a.shape[-1])
    b = b.reshape(-1, b.shape[-1], 1)
    return torch.bmm(a, b).flatten(-3)


# Input for benchmarking
x = torch.randn(100, 64)

# Ensure that both functions compute the same output
assert batched_dot_mul_sum(x, x).allclose(batched_dot_bmm(x, x))
print(batched_dot_mul_sum(x, x)[:3])

t0 = timeit.Timer(
    stmt='batched_dot_mul_sum(x, x)',
    setup='pass',
    globals={'x': x, 'batched_dot_mul_sum': batched_dot_mul_sum})
print(t0.timeit(20) > 0)

t0 = benchmark.Timer(
    stmt='batched_dot_mul_sum(x, x)',
    globals={'x': x, 'batched_dot_mul_sum': batched_dot_mul_sum})

t1 = benchmark.Timer(
    stmt='batched_dot_bmm(x, x)',
    setup='pass',
    globals={'x': x, 'batched_dot_bmm': batched_dot_bmm})

m0 = t0.timeit(50)
print(repr(m0).splitlines()[1:2], repr(m0).splitlines()[-1])
print(m0.number_per_run, len(m0.times), m0.mean > 0, m0.median == m0.mean, m0.title)

m1 = t1.blocked_autorange(min_run_time=0.02)
print(len(m1.times) >= 1, m1.number_per_run >= 1, m1.median > 0, m1.iqr >= 0)
print(repr(m1).splitlines()[1],      # "Median:" shown for 2+ measurements, IQR for 4+
      (repr(m1).splitlines()[2].split()[0] == "Median:") == (len(m1.times) > 1),
      ("IQR" in repr(m1)) == (len(m1.times) >= 4))

m2 = t0.adaptive_autorange(min_run_time=0.01, max_run_time=0.05)
print(m2.median > 0, isinstance(m2.meets_confidence(0.5), bool))

results = []
sizes = [1, 64]
for b, n in [(1, 1), (1, 64), (64, 64)]:
    # label and sub_label are the rows
    # description is the column
    label = 'Batched dot'
    sub_label = f'[{b}, {n}]'
    x = torch.ones((b, n))
    for num_threads in [1]:
        results.append(benchmark.Timer(
            stmt='batched_dot_mul_sum(x, x)',
            setup='pass',
            globals={'x': x, 'batched_dot_mul_sum': batched_dot_mul_sum},
            num_threads=num_threads,
            label=label,
            sub_label=sub_label,
            description='mul/sum',
        ).timeit(20))
        results.append(benchmark.Timer(
            stmt='batched_dot_bmm(x, x)',
            setup='pass',
            globals={'x': x, 'batched_dot_bmm': batched_dot_bmm},
            num_threads=num_threads,
            label=label,
            sub_label=sub_label,
            description='bmm',
        ).timeit(20))

compare = benchmark.Compare(results)
text = str(compare)
print("Batched dot" in text, "mul/sum" in text and "bmm" in text, "[64, 64]" in text)
print([(r.label, r.sub_label, r.description, r.num_threads) for r in results[:2]])
