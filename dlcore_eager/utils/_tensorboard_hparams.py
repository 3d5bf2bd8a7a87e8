"""``SummaryWriter.add_hparams``' three summaries for TensorBoard's HParams plugin: the
experiment (the hyperparameters' names and types, the metrics' tags), the session start (the
values) and the session end (success), as ``torch.utils.tensorboard.summary.hparams`` writes
them (TensorBoard's own ``api_pb2``/``plugin_data_pb2`` protos)."""

from __future__ import annotations

from typing import Any

from dlcore.io import tensorboard as tb


def _discrete_values(struct_pb2, field: str, values: list) -> Any:
    return struct_pb2.ListValue(values=[struct_pb2.Value(**{field: d}) for d in values])


def hparams(hparam_dict: Any, metric_dict: Any, hparam_domain_discrete: Any = None) -> tuple:
    """(experiment, session-start, session-end) ``Summary`` protos, or PyTorch's errors."""
    pb = tb.protos()
    from google.protobuf import struct_pb2  # type: ignore[import-untyped]
    from tensorboard.plugins.hparams import metadata as md
    from tensorboard.plugins.hparams.api_pb2 import (DataType, Experiment, HParamInfo,
                                                     MetricInfo, MetricName, Status)
    from tensorboard.plugins.hparams.plugin_data_pb2 import (HParamsPluginData,
                                                             SessionEndInfo,
                                                             SessionStartInfo)
    if not isinstance(hparam_dict, dict):
        raise TypeError("parameter: hparam_dict should be a dictionary, nothing logged.")
    if not isinstance(metric_dict, dict):
        raise TypeError("parameter: metric_dict should be a dictionary, nothing logged.")
    discrete = hparam_domain_discrete or {}
    if not isinstance(discrete, dict):
        raise TypeError("parameter: hparam_domain_discrete should be a dictionary, nothing "
                        "logged.")
    for k, v in discrete.items():
        if k not in hparam_dict or not isinstance(v, list) or \
                not all(isinstance(d, type(hparam_dict[k])) for d in v):
            raise TypeError(f"parameter: hparam_domain_discrete[{k}] should be a list of same "
                            f"type as hparam_dict[{k}].")
    hps = []
    ssi = SessionStartInfo()
    for k, v in hparam_dict.items():
        if v is None:
            continue
        if hasattr(v, "_buf") and hasattr(v, "numpy"):       # a tensor: its first value
            v = float(v.detach().numpy().ravel()[0])
            ssi.hparams[k].number_value = v
            hps.append(HParamInfo(name=k, type=DataType.Value("DATA_TYPE_FLOAT64")))
            continue
        # (PyTorch's order: a bool is an int, so it is logged as a number)
        if isinstance(v, (int, float)):
            field, kind = "number_value", "DATA_TYPE_FLOAT64"
        elif isinstance(v, str):
            field, kind = "string_value", "DATA_TYPE_STRING"
        else:
            raise ValueError("value should be one of int, float, str, bool, or torch.Tensor")
        setattr(ssi.hparams[k], field, v)
        dd = _discrete_values(struct_pb2, field, discrete[k]) if k in discrete else None
        hps.append(HParamInfo(name=k, type=DataType.Value(kind), domain_discrete=dd))

    def summary(tag: str, **data) -> Any:
        content = HParamsPluginData(version=md.PLUGIN_DATA_VERSION, **data)
        meta = pb.summary.SummaryMetadata(plugin_data=pb.summary.SummaryMetadata.PluginData(
            plugin_name=md.PLUGIN_NAME, content=content.SerializeToString()))
        return pb.summary.Summary(value=[pb.summary.Summary.Value(tag=tag, metadata=meta)])
    exp = Experiment(hparam_infos=hps,
                     metric_infos=[MetricInfo(name=MetricName(tag=k)) for k in metric_dict])
    return (summary(md.EXPERIMENT_TAG, experiment=exp),
            summary(md.SESSION_START_INFO_TAG, session_start_info=ssi),
            summary(md.SESSION_END_INFO_TAG, session_end_info=SessionEndInfo(
                status=Status.Value("STATUS_SUCCESS"))))
