"""keras.io's "Text classification with Transformer" (Keras 3 API), at a tiny scale on
synthetic token sequences instead of IMDB: a TransformerBlock layer subclass
(MultiHeadAttention(num_heads, key_dim), a Sequential feed-forward, two LayerNormalization
(epsilon=1e-6) and Dropout, residuals; call(inputs, training=False)), a
TokenAndPositionEmbedding layer subclass (token and position Embeddings, ops.arange), pad
sequences with keras.utils.pad_sequences, GlobalAveragePooling1D, Dropout, Dense softmax;
compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"]) and fit with
validation_data."""
# ruff: noqa: UP031  (written in the example's own style)
import numpy as np

from dlcore_static import keras
from dlcore_static.keras import layers, ops

keras.utils.set_random_seed(0)


class TransformerBlock(layers.Layer):
    def __init__(self, embed_dim, num_heads, ff_dim, rate=0.1):
        super().__init__()
        self.att = layers.MultiHeadAttention(num_heads=num_heads, key_dim=embed_dim)
        self.ffn = keras.Sequential(
            [layers.Dense(ff_dim, activation="relu"), layers.Dense(embed_dim),]
        )
        self.layernorm1 = layers.LayerNormalization(epsilon=1e-6)
        self.layernorm2 = layers.LayerNormalization(epsilon=1e-6)
        self.dropout1 = layers.Dropout(rate)
        self.dropout2 = layers.Dropout(rate)

    def call(self, inputs, training=False):
        attn_output = self.att(inputs, inputs)
        attn_output = self.dropout1(attn_output, training=training)
        out1 = self.layernorm1(inputs + attn_output)
        ffn_output = self.ffn(out1)
        ffn_output = self.dropout2(ffn_output, training=training)
        return self.layernorm2(out1 + ffn_output)


class TokenAndPositionEmbedding(layers.Layer):
    def __init__(self, maxlen, vocab_size, embed_dim):
        super().__init__()
        self.token_emb = layers.Embedding(input_dim=vocab_size, output_dim=embed_dim)
        self.pos_emb = layers.Embedding(input_dim=maxlen, output_dim=embed_dim)

    def call(self, x):
        maxlen = ops.shape(x)[-1]
        positions = ops.arange(start=0, stop=maxlen, step=1)
        positions = self.pos_emb(positions)
        x = self.token_emb(x)
        return x + positions


vocab_size = 30  # Only consider the top 30 words
maxlen = 12  # Only consider the first 12 words of each movie review
rng = np.random.RandomState(0)


def make_reviews(n):
    seqs, labels = [], []
    for _ in range(n):
        label = rng.randint(2)
        length = rng.randint(4, 16)
        words = rng.randint(3, vocab_size, size=length)
        marker = 1 if label else 2                        # a "good" or "bad" word
        words[rng.randint(length)] = marker
        seqs.append(words.tolist())
        labels.append(label)
    return seqs, np.array(labels)


x_train, y_train = make_reviews(160)
x_val, y_val = make_reviews(40)
print(len(x_train), "Training sequences")
print(len(x_val), "Validation sequences")
x_train = keras.utils.pad_sequences(x_train, maxlen=maxlen)
x_val = keras.utils.pad_sequences(x_val, maxlen=maxlen)
print(x_train.shape, x_train.dtype, x_train[0][:4])

embed_dim = 16  # Embedding size for each token
num_heads = 2  # Number of attention heads
ff_dim = 16  # Hidden layer size in feed forward network inside transformer

inputs = layers.Input(shape=(maxlen,))
embedding_layer = TokenAndPositionEmbedding(maxlen, vocab_size, embed_dim)
x = embedding_layer(inputs)
transformer_block = TransformerBlock(embed_dim, num_heads, ff_dim)
x = transformer_block(x)
x = layers.GlobalAveragePooling1D()(x)
x = layers.Dropout(0.1)(x)
x = layers.Dense(20, activation="relu")(x)
x = layers.Dropout(0.1)(x)
outputs = layers.Dense(2, activation="softmax")(x)

model = keras.Model(inputs=inputs, outputs=outputs)
print("parameters", model.count_params(), "sublayer weights",
      len(transformer_block.trainable_weights))
model.compile(optimizer=keras.optimizers.Adam(0.005), loss="sparse_categorical_crossentropy",
              metrics=["accuracy"])
history = model.fit(x_train, y_train, batch_size=32, epochs=8, validation_data=(x_val, y_val),
                    verbose=0)
h = history.history
print("loss %.4f -> %.4f" % (h["loss"][0], h["loss"][-1]))
print("val_accuracy %.4f" % h["val_accuracy"][-1])
loss, acc = model.evaluate(x_val, y_val, verbose=0)
print("evaluate %.4f %.4f" % (loss, acc))
probs = model.predict(x_val, verbose=0)
print("predict", probs.shape, "rows sum to 1:", np.allclose(probs.sum(1), 1, atol=1e-5))
