"""Working with preprocessing layers (the keras.io guide, guides/preprocessing_layers.py,
tf.keras 2 version), imports renamed; strings given as NumPy arrays of ``str`` where the guide
writes ``tf.constant``/``tf.data``.  Normalization and TextVectorization adapted to data;
StringLookup and IntegerLookup on a vocabulary (indices, one-hot); the hashing trick
(Hashing into CategoryEncoding); Discretization; text as token indices into an
Embedding + GRU model, as multi-hot bigrams and as TF-IDF (the guide's end-to-end models on
its tiny corpus, trained 2 epochs, then called on raw strings)."""
import numpy as np
import dlcore_static as tf
from dlcore_static import keras
from dlcore_static.keras import layers

keras.utils.set_random_seed(1)

# ## The adapt() method
data = np.array([[0.1, 0.2, 0.3], [0.8, 0.9, 1.0], [1.5, 1.6, 1.7]])
layer = layers.Normalization()
layer.adapt(data)
normalized_data = keras.ops.convert_to_numpy(layer(data))
print("Features mean: %.2f" % (normalized_data.mean()))
print("Features std: %.2f" % (normalized_data.std()))

data = np.array([
    "ξεῖν᾽, ἦ τοι μὲν ὄνειροι ἀμήχανοι ἀκριτόμυθοι",
    "γίγνοντ᾽, οὐδέ τι πάντα τελείεται ἀνθρώποισι.",
    "δοιαὶ γάρ τε πύλαι ἀμενηνῶν εἰσὶν ὀνείρων:",
    "αἱ μὲν γὰρ κεράεσσι τετεύχαται, αἱ δ᾽ ἐλέφαντι:",
    "τῶν οἳ μέν κ᾽ ἔλθωσι διὰ πριστοῦ ἐλέφαντος,",
    "οἵ ῥ᾽ ἐλεφαίρονται, ἔπε᾽ ἀκράαντα φέροντες:",
    "οἱ δὲ διὰ ξεστῶν κεράων ἔλθωσι θύραζε,",
    "οἵ ῥ᾽ ἔτυμα κραίνουσι, βροτῶν ὅτε κέν τις ἴδηται.",
])
layer = layers.TextVectorization()
layer.adapt(data)
vectorized_text = keras.ops.convert_to_numpy(layer(data))
print(vectorized_text)
print("vocabulary size:", layer.vocabulary_size())
greek, greek_vocab = data, layer.get_vocabulary()

vocab = ["a", "b", "c", "d"]
data = np.array([["a", "c", "d"], ["d", "z", "b"]])
layer = layers.StringLookup(vocabulary=vocab)
vectorized_data = keras.ops.convert_to_numpy(layer(data))
print(vectorized_data)

# ## Encoding string categorical features via one-hot encoding
vocab = np.array(["a", "b", "c"])
lookup = layers.StringLookup(vocabulary=vocab, output_mode="one_hot")
test_data = np.array(["a", "b", "c", "d", "e", ""])
encoded_data = keras.ops.convert_to_numpy(lookup(test_data))
print(encoded_data)

# ## Encoding integer categorical features via one-hot encoding
data = np.array([10, 20, 20, 10, 30, 0])
layer = layers.IntegerLookup(output_mode="one_hot")
layer.adapt(data)
test_data = np.array([10, 10, 20, 50, 60, 0])
encoded_data = keras.ops.convert_to_numpy(layer(test_data))
print(encoded_data)
print("integer vocabulary:", layer.get_vocabulary())

vocab = [12, 36, 1138, 42]
data = np.array([[12, 1138, 42], [42, 1000, 36]])
layer = layers.IntegerLookup(vocabulary=vocab)
print(keras.ops.convert_to_numpy(layer(data)))

# ## Applying the hashing trick to an integer categorical feature
data = np.random.randint(0, 100000, size=(10000, 1))
hasher = layers.Hashing(num_bins=64, salt=1337)
encoder = layers.CategoryEncoding(num_tokens=64, output_mode="multi_hot")
encoded_data = keras.ops.convert_to_numpy(encoder(hasher(data)))
print(encoded_data.shape)

# ## Discretization: bucket boundaries, or bins adapted to quantiles
layer = layers.Discretization(bin_boundaries=[-1.0, 0.0, 1.0])
print(keras.ops.convert_to_numpy(layer(np.array([[-1.5, 1.0, 3.4, 0.5], [0.0, 3.0, 1.3, 0.0]]))))
quantiles = layers.Discretization(num_bins=4, epsilon=0.01)
quantiles.adapt(np.arange(100, dtype="float32").reshape(-1, 1))
print("bin boundaries:", quantiles.bin_boundaries)

# ## Encoding text as a sequence of token indices
adapt_data = np.array([
    "The Brain is wider than the Sky",
    "For put them side by side",
    "The one the other will contain",
    "With ease and You beside",
])
text_vectorizer = layers.TextVectorization(output_mode="int")
text_vectorizer.adapt(adapt_data)
print("Encoded text:\n", keras.ops.convert_to_numpy(text_vectorizer(["The Brain is deeper than the sea"])))

inputs = keras.Input(shape=(None,), dtype="int64")
x = layers.Embedding(input_dim=text_vectorizer.vocabulary_size(), output_dim=16)(inputs)
x = layers.GRU(8)(x)
outputs = layers.Dense(1)(x)
model = keras.Model(inputs, outputs)

train_x = keras.ops.convert_to_numpy(text_vectorizer(adapt_data))
train_y = np.array([[1], [0], [0], [1]])
model.compile(optimizer="rmsprop", loss="mse")
seq_history = model.fit(train_x, train_y, epochs=2, verbose=0)

inputs = keras.Input(shape=(1,), dtype="string")
x = text_vectorizer(inputs)
outputs = model(x)
end_to_end_model = keras.Model(inputs, outputs)
test_data = np.array([["The one the other will absorb"]])
seq_prediction = end_to_end_model.predict(test_data, verbose=0)
print("Model output:", seq_prediction.shape)

# ## Encoding text as a dense matrix of ngrams with multi-hot encoding
text_vectorizer = layers.TextVectorization(output_mode="multi_hot", ngrams=2)
text_vectorizer.adapt(adapt_data)
print("Encoded text:\n", keras.ops.convert_to_numpy(text_vectorizer(["The Brain is deeper than the sea"])))
inputs = keras.Input(shape=(text_vectorizer.vocabulary_size(),))
outputs = layers.Dense(1)(inputs)
model = keras.Model(inputs, outputs)
train_x = keras.ops.convert_to_numpy(text_vectorizer(adapt_data))
model.compile(optimizer="rmsprop", loss="mse")
multi_hot_history = model.fit(train_x, train_y, epochs=2, verbose=0)
inputs = keras.Input(shape=(1,), dtype="string")
end_to_end_model = keras.Model(inputs, model(text_vectorizer(inputs)))
print("Model output:", end_to_end_model.predict(test_data, verbose=0).shape)

# ## Encoding text as a dense matrix of ngrams with TF-IDF weighting
text_vectorizer = layers.TextVectorization(output_mode="tf_idf", ngrams=2)
text_vectorizer.adapt(adapt_data)
tfidf = keras.ops.convert_to_numpy(text_vectorizer(["The Brain is deeper than the sea"]))
print("Encoded text:\n", np.round(tfidf, 4))
inputs = keras.Input(shape=(text_vectorizer.vocabulary_size(),))
outputs = layers.Dense(1)(inputs)
model = keras.Model(inputs, outputs)
model.compile(optimizer="rmsprop", loss="mse")
tfidf_history = model.fit(keras.ops.convert_to_numpy(text_vectorizer(adapt_data)), train_y,
                          epochs=2, verbose=0)
inputs = keras.Input(shape=(1,), dtype="string")
end_to_end_model = keras.Model(inputs, model(text_vectorizer(inputs)))
print("Model output:", end_to_end_model.predict(test_data, verbose=0).shape)
assert tf is not None
