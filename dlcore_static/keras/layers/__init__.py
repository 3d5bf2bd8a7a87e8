"""``keras.layers`` (also ``keras.layers.core``, ``.merge``, ``.advanced_activations``)."""

from . import advanced_activations, core, merge
from .advanced_activations import ELU, LeakyReLU, PReLU, ReLU, Softmax, ThresholdedReLU
from .core import (Activation, Dense, Dropout, Flatten, Input, InputLayer, Lambda, Layer,
                   Permute, RepeatVector, Reshape)
from .merge import (Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply, Subtract, add,
                    average, concatenate, dot, maximum, minimum, multiply, subtract)
