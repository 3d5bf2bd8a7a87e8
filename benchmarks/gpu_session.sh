#!/usr/bin/env bash
# One call on a machine with an NVIDIA GPU: what a session that is lent one runs, in one go.
#
#   OUT=folder bash benchmarks/gpu_session.sh [seconds for the tests] [sections]
#
# T_CHECK (seconds for gpu_check, default 150). sections (default "env,check,tests"): env = the GPU, driver and packages; check =
# `python -m benchmarks.gpu_check` (numba.cuda matmul vs cuBLAS, the seed steps vs PyTorch CUDA,
# compiled vs interpreted CUDA plans); tests = every CUDA test of the suite on the device
# (DLCORE_TEST_REAL_GPU=1, pytest -k "cuda or gpu"; with the opt-in short launch path on,
# DLCORE_CUDA_LAUNCH=fast unless set otherwise), stopped with SIGINT after the given seconds
# so that pytest still prints its summary; bench = the harness's MLP rows on CUDA.
# Run from the repository root; the packages are used in place (PYTHONPATH), nothing installed.
# Every section's output is also written under $OUT.
set -u
OUT=${OUT:-/tmp/gpu_session}
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1 PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
PY=${PYTHON:-python3}
T_TESTS=${1:-150}
SECTIONS=${2:-env,check,tests}
has() { [[ ",$SECTIONS," == *",$1,"* ]]; }
stamp() { echo "== $1 ($(date +%T))"; }

if has env; then
  stamp env
  {
    nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.max.sm \
      --format=csv 2>&1
    lscpu 2>/dev/null | grep -E "^Model name|^CPU\(s\)"
    $PY - <<'EOF' 2>&1
import sys, importlib.metadata as md
print(sys.version.split()[0], *(f"{p} {md.version(p)}" for p in
      ("numpy", "numba", "numba-cuda", "llvmlite", "torch", "scipy", "safetensors")
      if __import__("importlib.util").util.find_spec(p.replace("-", "_")) is not None))
import dlcore
print("dlcore.cuda_available:", dlcore.cuda_available(), "simulator:", dlcore.cuda_simulator())
EOF
  } | tee "$OUT/env.txt"
fi

if has check; then
  stamp gpu_check
  timeout -s INT -k 10 "${T_CHECK:-150}" $PY -m benchmarks.gpu_check --out "$OUT/gpu_check.md" --profile "$OUT/profile" \
    > "$OUT/gpu_check.log" 2>&1
  echo "gpu_check rc=$?"
  tail -n 40 "$OUT/gpu_check.log"
fi

if has tests; then
  stamp "tests (SIGINT after ${T_TESTS} s)"
  DLCORE_TEST_REAL_GPU=1 NUMBA_ENABLE_CUDASIM=0 DLCORE_CUDA_LAUNCH=${DLCORE_CUDA_LAUNCH:-fast} timeout -s INT -k 20 "$T_TESTS" \
    $PY -m pytest -q -n 14 --dist loadgroup -k "cuda or gpu" -p no:cacheprovider \
    --tb=short -o addopts="-ra --durations=15" > "$OUT/tests.log" 2>&1
  echo "tests rc=$?"
  grep -E "^(FAILED|ERROR)" "$OUT/tests.log" | cut -c1-220 | head -40
  tail -n 25 "$OUT/tests.log"
fi

if has bench; then
  stamp "bench (MLP rows on CUDA)"
  timeout -s INT -k 20 200 $PY -m benchmarks --quick --device cuda --workloads mlp \
    --no-plots --out "$OUT/bench" > "$OUT/bench.log" 2>&1
  echo "bench rc=$?"
  tail -n 30 "$OUT/bench.log"
fi
stamp done
