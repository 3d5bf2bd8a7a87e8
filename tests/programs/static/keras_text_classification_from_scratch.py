"""keras.io 'Text classification from scratch' (fchollet), smaller: raw strings in a
tf.data.Dataset, the custom_standardization function (tf.strings.lower and regex_replace of
'<br />' and punctuation), TextVectorization(max_tokens, output_mode='int',
output_sequence_length) adapted on text_ds = raw_train_ds.map(lambda x, y: x), the dataset
vectorized with .map, an Embedding + Conv1D + GlobalMaxPooling1D model trained with fit on the
dataset; then an end-to-end model taking raw strings.  A bigram multi_hot variant
(TextVectorization(ngrams=2, output_mode='multi_hot')) and a Dense classifier, as the keras.io
'bag of bigrams' examples.  Synthetic reviews (positive/negative words), tiny sizes."""
import re
import string

import numpy as np
import dlcore_static as tf
from dlcore_static import keras
from dlcore_static.keras import layers

rs = np.random.RandomState(0)
tf.set_random_seed(0)
good = ["great", "wonderful", "loved", "fun", "brilliant"]
bad = ["awful", "boring", "hated", "dull", "terrible"]
filler = ["the", "movie", "was", "plot", "actors", "and", "a", "it", "this", "film"]


def review(label):
    words = list(rs.choice(filler, 6)) + list(rs.choice(good if label else bad, 2))
    rs.shuffle(words)
    text = " ".join(words)
    return text.capitalize() + ("!<br />" if rs.rand() < 0.5 else ".")


labels = rs.randint(0, 2, 96)
texts = np.array([review(y) for y in labels])
raw_train_ds = tf.data.Dataset.from_tensor_slices((texts[:64], labels[:64])).batch(16)
raw_val_ds = tf.data.Dataset.from_tensor_slices((texts[64:], labels[64:])).batch(16)
print(texts[0])


def custom_standardization(input_data):
    lowercase = tf.strings.lower(input_data)
    stripped_html = tf.strings.regex_replace(lowercase, "<br />", " ")
    return tf.strings.regex_replace(stripped_html, f"[{re.escape(string.punctuation)}]", "")


max_features = 30
embedding_dim = 8
sequence_length = 10

vectorize_layer = layers.TextVectorization(
    standardize=custom_standardization,
    max_tokens=max_features,
    output_mode="int",
    output_sequence_length=sequence_length,
)
text_ds = raw_train_ds.map(lambda x, y: x)
vectorize_layer.adapt(text_ds)
print("vocabulary:", len(vectorize_layer.get_vocabulary()), vectorize_layer.get_vocabulary()[:4])


def vectorize_text(text, label):
    text = tf.expand_dims(text, -1)
    return vectorize_layer(text), label


train_ds = raw_train_ds.map(vectorize_text)
val_ds = raw_val_ds.map(vectorize_text)

inputs = keras.Input(shape=(None,), dtype="int64")
x = layers.Embedding(max_features, embedding_dim)(inputs)
x = layers.Dropout(0.1)(x)
x = layers.Conv1D(16, 3, padding="valid", activation="relu", strides=1)(x)
x = layers.GlobalMaxPooling1D()(x)
x = layers.Dense(16, activation="relu")(x)
predictions = layers.Dense(1, activation="sigmoid", name="predictions")(x)
model = keras.Model(inputs, predictions)
model.compile(loss="binary_crossentropy", optimizer=keras.optimizers.Adam(0.02),
              metrics=["accuracy"])
history = model.fit(train_ds, validation_data=val_ds, epochs=6, verbose=0)
print("loss: " + " ".join("%.4f" % v for v in history.history["loss"]))
print("val_accuracy: %.4f" % history.history["val_accuracy"][-1])

inputs = keras.Input(shape=(1,), dtype="string")
indices = vectorize_layer(inputs)
outputs = model(indices)
end_to_end_model = keras.Model(inputs, outputs)
end_to_end_model.compile(loss="binary_crossentropy", optimizer=keras.optimizers.Adam(0.02),
              metrics=["accuracy"])
print("end-to-end evaluate: %.4f %.4f" % tuple(end_to_end_model.evaluate(raw_val_ds, verbose=0)))
print("raw string predictions:", end_to_end_model.predict(
    np.array([["A great, brilliant film!"], ["Boring and awful.<br />"]])).round(3).ravel().tolist())

bigrams = layers.TextVectorization(ngrams=2, max_tokens=60, output_mode="multi_hot",
                                   standardize=custom_standardization)
bigrams.adapt(text_ds)
print("bigram vocabulary sample:", [t for t in bigrams.get_vocabulary() if " " in t][:3])
bag = keras.Sequential([keras.Input(shape=(60,)), layers.Dense(8, activation="relu"),
                        layers.Dense(1, activation="sigmoid")])
bag.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
bag_ds = raw_train_ds.map(lambda x, y: (bigrams(tf.expand_dims(x, -1)), y))
bag_hist = bag.fit(bag_ds, epochs=15, verbose=0)
print("bag of bigrams accuracy: %.4f" % bag_hist.history["accuracy"][-1])
