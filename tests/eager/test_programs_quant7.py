"""The dynamic quantization tutorials (tests/programs/eager/quant7_*.py): beyond printing what
torch prints, each reaches the tutorial's outcome under dlcore_eager (checked on the one run
test_tutorial_programs.py makes, through ``OUTCOMES``): the LSTM word language model and the BERT-like classifier learn, their
``quantize_dynamic`` copies print PyTorch's module names, lose (almost) nothing in loss /
accuracy, and are much smaller on disk."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

PROGRAMS = Path(__file__).resolve().parents[1] / "programs" / "eager"


def _floats(pattern: str, text: str) -> list[float]:
    return [float(v) for v in re.findall(pattern, text)]


def check_lstm_word_lm(out: str) -> None:
    train = _floats(r"train loss (\d+\.\d+)", out)
    assert train[-1] < 1.2 < train[0] - 0.5
    assert "(rnn): DynamicQuantizedLSTM(32, 48, num_layers=2)" in out
    assert "(decoder): DynamicQuantizedLinear(in_features=48, out_features=21, " \
        "dtype=torch.qint8, qscheme=torch.per_tensor_affine)" in out
    assert "less than a third of the float one: True" in out
    (f,), (q,) = _floats(r"float loss: (\d+\.\d+)", out), _floats(r"quantized loss: (\d+\.\d+)",
                                                                 out)
    assert f < 1.5 and abs(q - f) < 0.01
    assert "torch.qint8 torch.per_tensor_affine 0 torch.int8" in out


def check_bert(out: str) -> None:
    loss = _floats(r"step \d+ loss (\d+\.\d+)", out)
    assert loss[-1] < 0.5 * loss[0]
    assert out.count("DynamicQuantizedLinear(") == 7       # 6 in the printed layer, classifier
    assert "quantized Linear layers: 14" in out
    assert "(the embeddings stay float): True" in out
    acc = _floats(r"'acc': (\d+\.\d+)", out)
    assert acc[0] > 0.8 and abs(acc[1] - acc[0]) <= 0.02


OUTCOMES = {"quant7_dynamic_quantization_lstm_word_lm.py": check_lstm_word_lm,
            "quant7_dynamic_quantization_bert.py": check_bert}


@pytest.mark.parametrize("name", sorted(OUTCOMES))
def test_each_check_names_a_program_and_refuses_an_output_without_its_outcome(name):
    assert (PROGRAMS / name).is_file()
    with pytest.raises((AssertionError, IndexError, ValueError)):
        OUTCOMES[name]("step 0 loss 9.0\n")
