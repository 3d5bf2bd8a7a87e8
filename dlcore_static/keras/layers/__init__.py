"""``keras.layers`` (also ``keras.layers.core``, ``.merge``, ``.advanced_activations``)."""

from . import advanced_activations, core, merge
from .advanced_activations import ELU, LeakyReLU, PReLU, ReLU, Softmax, ThresholdedReLU
from .core import (Activation, Dense, Dropout, Flatten, Input, InputLayer, Lambda, Layer,
                   Permute, RepeatVector, Reshape)
from .merge import (Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply, Subtract, add,
                    average, concatenate, dot, maximum, minimum, multiply, subtract)
from . import convolutional
from .convolutional import (AveragePooling1D, AveragePooling2D, AvgPool2D, BatchNormalization,
                            Conv1D, Conv1DTranspose, Conv2D, Conv2DTranspose, Convolution1D,
                            Convolution1DTranspose, Convolution2D,
                            GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalMaxPooling1D,
                            GlobalMaxPooling2D, MaxPool1D, MaxPool2D, MaxPooling1D, MaxPooling2D,
                            UpSampling2D, ZeroPadding2D)
from . import convolutional3d
from .convolutional3d import (AveragePooling3D, AvgPool3D, Conv3D, Conv3DTranspose,
                              Convolution3D, Cropping1D, Cropping2D, Cropping3D, DepthwiseConv2D,
                              GlobalAveragePooling3D, GlobalAvgPool3D, GlobalMaxPool3D,
                              GlobalMaxPooling3D, MaxPool3D, MaxPooling3D, SeparableConv1D,
                              SeparableConv2D, SeparableConvolution1D, SeparableConvolution2D,
                              UpSampling1D, UpSampling3D, ZeroPadding1D, ZeroPadding3D)
from . import recurrent  # noqa: E402 - issue 12
from .recurrent import (GRU, LSTM, Bidirectional, Embedding, Masking, SimpleRNN,  # noqa: E402
                        TimeDistributed)
from . import noise_norm  # noqa: E402 - LayerNormalization, GaussianNoise, SpatialDropout1D, ...
from .noise_norm import (ActivityRegularization, AlphaDropout, GaussianDropout,  # noqa: E402
                         GaussianNoise, Identity, LayerNormalization, Rescaling,
                         SpatialDropout1D, SpatialDropout2D, SpatialDropout3D,
                         UnitNormalization)

# Keras 2.3+/3's shorter names of the pooling layers
GlobalAvgPool1D, GlobalAvgPool2D = GlobalAveragePooling1D, GlobalAveragePooling2D
GlobalMaxPool1D, GlobalMaxPool2D = GlobalMaxPooling1D, GlobalMaxPooling2D
AvgPool1D = AveragePooling1D
from .cudnn_recurrent import CuDNNGRU, CuDNNLSTM  # noqa: E402 - Keras 2's cuDNN layers
from . import conv_recurrent  # noqa: E402
from .conv_recurrent import ConvLSTM2D  # noqa: E402
from . import attention  # noqa: E402
from .attention import AdditiveAttention, Attention, MultiHeadAttention  # noqa: E402
from . import rnn_cells  # noqa: E402 - Keras RNN cells and the generic RNN layer
from .rnn_cells import (RNN, GRUCell, LSTMCell, SimpleRNNCell,  # noqa: E402
                        StackedRNNCells)
from . import preprocessing  # noqa: E402 - Keras 3's numeric and image preprocessing layers
from .preprocessing import (CategoryEncoding, CenterCrop, Discretization,  # noqa: E402
                            Normalization, RandomContrast, RandomFlip, Resizing)
from . import text_preprocessing  # noqa: E402 - StringLookup, IntegerLookup, TextVectorization
from .text_preprocessing import (Hashing, IntegerLookup, StringLookup,  # noqa: E402
                                 TextVectorization)
from . import image_augment  # noqa: E402 - RandomRotation, RandomZoom, RandomTranslation
from .image_augment import RandomRotation, RandomTranslation, RandomZoom  # noqa: E402
# Keras 3's ``keras.layers.serialize`` / ``deserialize``: one layer's record
from ..saving_objects import deserialize_keras_object as deserialize  # noqa: E402
from ..saving_objects import serialize_keras_object as serialize  # noqa: E402
