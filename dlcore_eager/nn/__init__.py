"""``dlcore_eager.nn``: modules (layers, containers, losses), ``functional`` and ``init``.

A ``Module`` owns ``Parameter``s (leaf tensors with ``requires_grad=True``) and child modules;
its ``forward`` is ordinary eager code, so the tape records it like any other computation.
"""

from . import functional, init
from .layers import (
                     Dropout,
                     Flatten,
                     Identity,
                     LeakyReLU,
                     Linear,
                     LogSoftmax,
                     ModuleList,
                     ReLU,
                     Sequential,
                     Sigmoid,
                     Softmax,
                     Tanh,
)
from .conv import Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d
from .conv import Conv3d, ConvTranspose3d
from .normalization import BatchNorm1d, BatchNorm2d, Dropout2d, Unflatten, Upsample
from .normalization import BatchNorm3d
from .pooling import (AdaptiveAvgPool1d, AdaptiveAvgPool2d, AvgPool1d, AvgPool2d, MaxPool1d,
                      MaxPool2d, MaxUnpool2d)
from .pooling import AdaptiveAvgPool3d, AdaptiveMaxPool3d, AvgPool3d, MaxPool3d
from .loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, L1Loss, MSELoss, NLLLoss
from .module import Module, Parameter
from .buffer import Buffer
from .activation import (CELU, ELU, GELU, GLU, SELU, Hardsigmoid, Hardswish, Hardtanh,
                         LogSigmoid, Mish, PReLU, ReLU6, RReLU, SiLU, Softmin, Softplus,
                         Softsign, Tanhshrink, Threshold)
from .containers import ModuleDict, ParameterDict, ParameterList
from .layers_extra import (AlphaDropout, Bilinear, CosineSimilarity, FeatureAlphaDropout,
                           GroupNorm, LayerNorm, PairwiseDistance)
from .loss_extra import (CosineEmbeddingLoss, GaussianNLLLoss, HuberLoss, KLDivLoss,
                         MarginRankingLoss, MultiLabelSoftMarginLoss, PoissonNLLLoss,
                         SmoothL1Loss, TripletMarginLoss)
from .rnn import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNBase, RNNCell, RNNCellBase
from .sparse import Embedding
from .embedding_bag import EmbeddingBag
from .layers_long_tail import ChannelShuffle, CircularPad1d, CircularPad2d, CircularPad3d
from .layers_long_tail import LPPool1d, LPPool2d, MaxUnpool1d, MaxUnpool3d, RMSNorm
from .layers_long_tail import LPPool3d
from .loss_margin import TripletMarginWithDistanceLoss
from .ctc import CTCLoss
from .layers_long_tail import (AdaptiveMaxPool1d, AdaptiveMaxPool2d, ConstantPad1d,
                               ConstantPad2d, ConstantPad3d, Dropout1d, Dropout3d, Fold,
                               Hardshrink, InstanceNorm1d, InstanceNorm2d, InstanceNorm3d,
                               LocalResponseNorm, PixelShuffle, PixelUnshuffle, ReflectionPad1d,
                               ReflectionPad2d, ReflectionPad3d, ReplicationPad1d,
                               ReplicationPad2d, ReplicationPad3d, Softmax2d, Softshrink, Unfold,
                               UpsamplingBilinear2d, UpsamplingNearest2d, ZeroPad1d, ZeroPad2d,
                               ZeroPad3d)
from .loss_margin import (HingeEmbeddingLoss, MultiLabelMarginLoss, MultiMarginLoss,
                          SoftMarginLoss)
from .attention import MultiheadAttention
from .transformer import (Transformer, TransformerDecoder, TransformerDecoderLayer,
                          TransformerEncoder, TransformerEncoderLayer)
from .adaptive import AdaptiveLogSoftmaxWithLoss
from .lazy import (LazyBatchNorm1d, LazyBatchNorm2d, LazyBatchNorm3d, LazyConv1d, LazyConv2d,
                   LazyConv3d, LazyConvTranspose1d, LazyConvTranspose2d, LazyConvTranspose3d,
                   LazyLinear, UninitializedBuffer, UninitializedParameter)
from .normalization_more import CrossMapLRN2d, SyncBatchNorm
from . import utils  # noqa: E402, I001
from . import parallel  # noqa: E402, I001  (DistributedDataParallel)
from .parallel import DataParallel  # noqa: E402, I001
from . import parameter  # noqa: E402, I001  (from torch.nn.parameter import Parameter)
from . import modules  # noqa: E402, I001  (from torch.nn.modules.loss import _Loss, ...)

__all__ = [
                     "AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AvgPool1d", "AvgPool2d",
                     "BatchNorm1d", "BatchNorm2d", "Conv1d", "Conv2d", "ConvTranspose1d",
                     "ConvTranspose2d", "Dropout2d", "MaxPool1d", "MaxPool2d", "MaxUnpool2d",
                     "Unflatten", "Upsample",
                     "AdaptiveLogSoftmaxWithLoss", "CrossMapLRN2d", "LazyBatchNorm1d",
                     "LazyBatchNorm2d", "LazyBatchNorm3d", "LazyConv1d", "LazyConv2d",
                     "LazyConv3d", "LazyConvTranspose1d", "LazyConvTranspose2d",
                     "LazyConvTranspose3d", "LazyLinear", "SyncBatchNorm",
                     "UninitializedBuffer", "UninitializedParameter",
                     "AdaptiveAvgPool3d", "AdaptiveMaxPool3d", "AvgPool3d", "BatchNorm3d",
                     "Conv3d", "ConvTranspose3d", "MaxPool3d",
                     "BCELoss",
                     "BCEWithLogitsLoss",
                     "CTCLoss",
                     "CrossEntropyLoss",
                     "Dropout",
                     "Embedding",
                     "GRU",
                     "GRUCell",
                     "Flatten",
                     "Identity",
                     "L1Loss",
                     "LSTM",
                     "LSTMCell",
                     "LeakyReLU",
                     "Linear",
                     "LogSoftmax",
                     "MSELoss",
                     "Module",
                     "MultiheadAttention",
                     "ModuleList",
                     "NLLLoss",
                     "Parameter",
                     "RNN",
                     "RNNBase",
                     "RNNCell",
                     "RNNCellBase", "Buffer", "modules", "DataParallel", "LPPool3d",
                     "ReLU",
                     "Sequential",
                     "Sigmoid",
                     "Softmax",
                     "Tanh",
                     "Transformer", "TransformerDecoder", "TransformerDecoderLayer",
                     "TransformerEncoder", "TransformerEncoderLayer",
                     "functional",
                     "init",
                     "utils",
                     "parallel",
]

from . import _module_extras  # noqa: E402  (Module.to_empty, Module.compile)

_module_extras.install(Module)
