"""keras.io "Using pre-trained word embeddings" (fchollet; examples/nlp/pretrained_word_embeddings.py,
the Keras 3 version) with its imports renamed (``tensorflow.data`` -> ``dlcore_static.data``,
``keras`` -> ``dlcore_static.keras``; the page's ``os.environ["KERAS_BACKEND"]`` line
dropped), at a tiny scale: instead of downloading Newsgroup20 and GloVe, the program writes
4 "newsgroups" of 30 synthetic posts each (10 header lines, then a body drawn from a topic's
words and common words) and a 16-dimensional "glove.6B.16d.txt" in GloVe's text format (a
vector for most of the words, topic words near their topic's direction), then runs the page:
``TextVectorization(max_tokens=20000, output_sequence_length=200)`` adapted on a
``Dataset`` of the training texts, the embedding matrix from the GloVe file (hits and misses
counted), a frozen ``Embedding`` with ``set_weights``, the three ``Conv1D``/``MaxPooling1D``
stages (16 filters instead of 128), ``fit`` with ``validation_data`` (6 epochs instead of 20,
batch 32), and the end-to-end model taking raw strings.  One change beyond the imports and
sizes: a symbolic tensor's ``.numpy()`` (eager in TF2) is ``keras.ops.convert_to_numpy``, and
so is the last line's ``probabilities[0]`` given to ``np.argmax`` (NumPy wraps a graph tensor
in an object array, whose argmax is 0 whatever the probabilities: the first class, always)."""

import os
import pathlib
import tempfile

import numpy as np
import dlcore_static.data as tf_data
from dlcore_static import keras
from dlcore_static.keras import layers

"""
## Download the Newsgroup20 data (here: written by the program)
"""

TOPICS = {
    "comp.graphics": "graphics image pixel render polygon shading texture modeling 3d color",
    "rec.autos": "car engine wheel brake driver highway gasoline dealer tire sedan",
    "sci.space": "orbit rocket launch nasa shuttle planet moon satellite astronaut mission",
    "talk.politics.guns": "gun firearm weapon rifle ammo law amendment police crime pistol",
}
COMMON = ("the a of and to in is that it for on with as was this message about have from "
          "by not are but be they you at or").split()
gen = np.random.default_rng(7)
data_path = tempfile.mkdtemp()
data_dir = pathlib.Path(data_path) / "20_newsgroup"
for topic, words in TOPICS.items():
    os.makedirs(data_dir / topic)
    for k in range(30):
        header = [f"Header-{j}: value {k}" for j in range(10)]
        body = [gen.choice(words.split()) if gen.random() < 0.4 else gen.choice(COMMON)
                for _ in range(gen.integers(40, 120))]
        with open(data_dir / topic / str(38987 + k), "w", encoding="latin-1") as f:
            f.write("\n".join(header + [" ".join(body)]))

dirnames = os.listdir(data_dir)
print("Number of directories:", len(dirnames))
print("Directory names:", sorted(dirnames))

fnames = os.listdir(data_dir / "comp.graphics")
print("Number of files in comp.graphics:", len(fnames))
print("Some example filenames:", sorted(fnames)[:5])

print(open(data_dir / "comp.graphics" / "38987").read()[:200])

samples = []
labels = []
class_names = []
class_index = 0
for dirname in sorted(os.listdir(data_dir)):
    class_names.append(dirname)
    dirpath = data_dir / dirname
    fnames = sorted(os.listdir(dirpath))
    print("Processing %s, %d files found" % (dirname, len(fnames)))
    for fname in fnames:
        fpath = dirpath / fname
        f = open(fpath, encoding="latin-1")
        content = f.read()
        lines = content.split("\n")
        lines = lines[10:]
        content = "\n".join(lines)
        samples.append(content)
        labels.append(class_index)
    class_index += 1

print("Classes:", class_names)
print("Number of samples:", len(samples))

"""
## Shuffle and split the data into training & validation sets
"""

# Shuffle the data
seed = 1337
rng = np.random.RandomState(seed)
rng.shuffle(samples)
rng = np.random.RandomState(seed)
rng.shuffle(labels)

# Extract a training & validation split
validation_split = 0.2
num_validation_samples = int(validation_split * len(samples))
train_samples = samples[:-num_validation_samples]
val_samples = samples[-num_validation_samples:]
train_labels = labels[:-num_validation_samples]
val_labels = labels[-num_validation_samples:]

"""
## Create a vocabulary index
"""

vectorizer = layers.TextVectorization(max_tokens=20000, output_sequence_length=200)
text_ds = tf_data.Dataset.from_tensor_slices(train_samples).batch(128)
vectorizer.adapt(text_ds)

print(vectorizer.get_vocabulary()[:5])

output = vectorizer([["the cat sat on the mat"]])
print(keras.ops.convert_to_numpy(output)[0, :6])

voc = vectorizer.get_vocabulary()
word_index = dict(zip(voc, range(len(voc))))

test = ["the", "cat", "sat", "on", "the", "mat"]
print([word_index.get(w, 1) for w in test])

"""
## Load pre-trained word embeddings (here: a small GloVe-format file the program writes)
"""

embedding_dim = 16
path_to_glove_file = os.path.join(data_path, "glove.6B.16d.txt")
directions = {t: gen.standard_normal(embedding_dim) for t in TOPICS}
with open(path_to_glove_file, "w") as f:
    for topic, words in TOPICS.items():
        for w in words.split():
            v = directions[topic] + 0.3 * gen.standard_normal(embedding_dim)
            f.write(w + " " + " ".join(f"{c:.5f}" for c in v) + "\n")
    for w in COMMON[:-4]:                         # (the last common words: misses)
        f.write(w + " " + " ".join(f"{c:.5f}" for c in 0.3 * gen.standard_normal(
            embedding_dim)) + "\n")

embeddings_index = {}
with open(path_to_glove_file) as f:
    for line in f:
        word, coefs = line.split(maxsplit=1)
        coefs = np.fromstring(coefs, "f", sep=" ")
        embeddings_index[word] = coefs

print("Found %s word vectors." % len(embeddings_index))

num_tokens = len(voc) + 2
hits = 0
misses = 0

# Prepare embedding matrix
embedding_matrix = np.zeros((num_tokens, embedding_dim))
for word, i in word_index.items():
    embedding_vector = embeddings_index.get(word)
    if embedding_vector is not None:
        # Words not found in embedding index will be all-zeros.
        # This includes the representation for "padding" and "OOV"
        embedding_matrix[i] = embedding_vector
        hits += 1
    else:
        misses += 1
print("Converted %d words (%d misses)" % (hits, misses))

embedding_layer = layers.Embedding(
    num_tokens,
    embedding_dim,
    trainable=False,
)
embedding_layer.build((1,))
embedding_layer.set_weights([embedding_matrix])

"""
## Build the model
"""

int_sequences_input = keras.Input(shape=(None,), dtype="int32")
embedded_sequences = embedding_layer(int_sequences_input)
x = layers.Conv1D(16, 5, activation="relu")(embedded_sequences)
x = layers.MaxPooling1D(5)(x)
x = layers.Conv1D(16, 5, activation="relu")(x)
x = layers.MaxPooling1D(5)(x)
x = layers.Conv1D(16, 5, activation="relu")(x)
x = layers.GlobalMaxPooling1D()(x)
x = layers.Dense(16, activation="relu")(x)
x = layers.Dropout(0.5)(x)
preds = layers.Dense(len(class_names), activation="softmax")(x)
model = keras.Model(int_sequences_input, preds)
model.summary()

"""
## Train the model
"""

x_train = keras.ops.convert_to_numpy(vectorizer(np.array([[s] for s in train_samples])))
x_val = keras.ops.convert_to_numpy(vectorizer(np.array([[s] for s in val_samples])))

y_train = np.array(train_labels)
y_val = np.array(val_labels)

model.compile(
    loss="sparse_categorical_crossentropy", optimizer="rmsprop", metrics=["acc"]
)
history = model.fit(x_train, y_train, batch_size=32, epochs=6,
                    validation_data=(x_val, y_val))

"""
## Export an end-to-end model
"""

string_input = keras.Input(shape=(1,), dtype="string")
x = vectorizer(string_input)
preds = model(x)
end_to_end_model = keras.Model(string_input, preds)

probabilities = end_to_end_model(
    keras.ops.convert_to_tensor(
        [["this message is about computer graphics and 3D modeling"]]
    )
)

print(class_names[np.argmax(keras.ops.convert_to_numpy(probabilities)[0])])
