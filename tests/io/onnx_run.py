"""Run one ONNX model both ways, for the ONNX tests: onnxruntime (the reference) and dlcore's
importer (``dlcore_eager.onnx.load_model``); each returns the outputs as NumPy arrays."""

import onnxruntime as ort

import dlcore_eager as dt
import dlcore_eager.onnx


def run_ort(proto, feeds: dict) -> list:
    sess = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    return sess.run(None, feeds)


def run_imported(proto, feeds: dict) -> list:
    out = dlcore_eager.onnx.load_model(proto)(*[dt.tensor(v) for v in feeds.values()])
    return [t.detach().numpy() for t in (out if isinstance(out, tuple) else (out,))]
