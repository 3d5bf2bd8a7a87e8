"""``keras.layers.pooling``: Keras 2's module path of the pooling layers (defined in
convolutional.py and convolutional3d.py)."""

from .convolutional import (
                            AveragePooling1D,
                            AveragePooling2D,
                            AvgPool2D,
                            GlobalAveragePooling1D,
                            GlobalAveragePooling2D,
                            GlobalMaxPooling1D,
                            GlobalMaxPooling2D,
                            MaxPool1D,
                            MaxPool2D,
                            MaxPooling1D,
                            MaxPooling2D,
)
from .convolutional3d import (
                            AveragePooling3D,
                            AvgPool3D,
                            GlobalAveragePooling3D,
                            GlobalMaxPooling3D,
                            MaxPool3D,
                            MaxPooling3D,
)

__all__ = ["AveragePooling1D", "AveragePooling2D", "AveragePooling3D", "AvgPool2D", "AvgPool3D",
           "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAveragePooling3D",
           "GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D", "MaxPool1D",
           "MaxPool2D", "MaxPool3D", "MaxPooling1D", "MaxPooling2D", "MaxPooling3D"]
