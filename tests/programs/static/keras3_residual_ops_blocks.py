"""keras.io's residual patterns with operators and ``keras.ops`` between layers, smaller:

1. the Transformer encoder block of "Timeseries classification with a Transformer model"
   (``res = x + inputs``, ``return x + res``), pooled by ``keras.ops.mean(x, axis=1)`` and by
   the first step ``x[:, 0, :]``;
2. the toy ResNet of the guide "The Functional API" (``layers.add([x, block_1_output])``) with
   its second residual written ``x + block_2_output``;
3. a masked mean over time with two inputs and two outputs (``x * mask[:, :, None]``,
   ``keras.ops.sum(...) / keras.ops.sum(...)``).

Each builder takes the ``keras`` module and its ``layers`` (the tests build the same models with
Keras 3); the program builds them with ``dlcore_static.keras``, prints the summaries, trains
them briefly and prints the losses."""

import numpy as np
import dlcore_static.keras as keras
from dlcore_static.keras import layers


def transformer_encoder(layers, inputs, head_size, num_heads, ff_dim, dropout=0.0):
    # Attention and Normalization
    x = layers.MultiHeadAttention(key_dim=head_size, num_heads=num_heads,
                                  dropout=dropout)(inputs, inputs)
    x = layers.Dropout(dropout)(x)
    x = layers.LayerNormalization(epsilon=1e-6)(x)
    res = x + inputs
    # Feed Forward Part
    x = layers.Conv1D(filters=ff_dim, kernel_size=1, activation="relu")(res)
    x = layers.Dropout(dropout)(x)
    x = layers.Conv1D(filters=inputs.shape[-1], kernel_size=1)(x)
    x = layers.LayerNormalization(epsilon=1e-6)(x)
    return x + res


def build_transformer(keras, layers):
    inputs = keras.Input(shape=(6, 4))
    x = transformer_encoder(layers, inputs, head_size=4, num_heads=2, ff_dim=8, dropout=0.1)
    pooled = layers.Concatenate()([keras.ops.mean(x, axis=1), x[:, 0, :]])
    x = layers.Dense(8, activation="relu")(pooled)
    outputs = layers.Dense(2, activation="softmax")(x)
    return keras.Model(inputs, outputs)


def build_resnet(keras, layers):
    inputs = keras.Input(shape=(10, 10, 3), name="img")
    x = layers.Conv2D(4, 3, activation="relu")(inputs)
    block_1_output = layers.MaxPooling2D(2)(x)
    x = layers.Conv2D(4, 3, activation="relu", padding="same")(block_1_output)
    x = layers.Conv2D(4, 3, activation="relu", padding="same")(x)
    block_2_output = layers.add([x, block_1_output])
    x = layers.Conv2D(4, 3, activation="relu", padding="same")(block_2_output)
    x = layers.Conv2D(4, 3, activation="relu", padding="same")(x)
    block_3_output = x + block_2_output
    x = layers.GlobalAveragePooling2D()(block_3_output)
    outputs = layers.Dense(3)(x)
    return keras.Model(inputs, outputs, name="toy_resnet")


def build_masked(keras, layers):
    seq = keras.Input(shape=(5, 3), name="seq")
    mask = keras.Input(shape=(5,), name="mask")
    m = mask[:, :, None]
    x = layers.Dense(4, activation="tanh")(seq) * m
    pooled = keras.ops.sum(x, axis=1) / keras.ops.sum(m, axis=1)
    score = layers.Dense(1, name="score")(pooled)
    proj = layers.Dense(2, name="proj")(-pooled)
    return keras.Model([seq, mask], [score, proj], name="masked_mean")


if __name__ == "__main__":
    keras.utils.set_random_seed(7)
    rng = np.random.RandomState(7)

    model = build_transformer(keras, layers)
    model.summary()
    x_tr = rng.randn(32, 6, 4).astype("float32")
    y_tr = (x_tr[:, :, 0].mean(axis=1) > 0).astype("int32")
    model.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
    hist = model.fit(x_tr, y_tr, batch_size=8, epochs=4, verbose=0)
    print("transformer losses:", " ".join(f"{v:.4f}" for v in hist.history["loss"]))

    resnet = build_resnet(keras, layers)
    resnet.summary()
    x_img = rng.rand(16, 10, 10, 3).astype("float32")
    y_img = rng.randint(0, 3, 16)
    resnet.compile(optimizer="rmsprop",
                   loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    hist = resnet.fit(x_img, y_img, batch_size=4, epochs=3, verbose=0)
    print("resnet losses:", " ".join(f"{v:.4f}" for v in hist.history["loss"]))

    masked = build_masked(keras, layers)
    masked.summary()
    x_seq = rng.randn(24, 5, 3).astype("float32")
    x_mask = (rng.rand(24, 5) > 0.3).astype("float32")
    x_mask[:, 0] = 1.0
    y_score = x_seq[:, :, 0].sum(axis=1, keepdims=True)
    y_proj = rng.randn(24, 2).astype("float32")
    masked.compile(optimizer=keras.optimizers.SGD(0.05), loss=["mse", "mse"])
    hist = masked.fit([x_seq, x_mask], [y_score, y_proj], batch_size=8, epochs=5, verbose=0)
    print("masked losses:", " ".join(f"{v:.4f}" for v in hist.history["loss"]))
