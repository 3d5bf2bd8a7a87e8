"""Text preprocessing then a bag-of-words classifier (keras.io's "reuters_mlp" example, at a
small scale): ``Tokenizer`` fitted on raw texts, ``texts_to_sequences``, ``pad_sequences``,
``sequences_to_matrix(mode="binary")`` as the input of an MLP, labels through
``to_categorical``, trained with ``fit(validation_split=0.1)``."""
import numpy as np
from dlcore_static import set_random_seed
from dlcore_static.keras.models import Sequential
from dlcore_static.keras.layers import Dense, Dropout, Activation
from dlcore_static.keras.preprocessing.text import Tokenizer
from dlcore_static.keras.preprocessing.sequence import pad_sequences
from dlcore_static.keras.optimizers import Adam
from dlcore_static.keras.utils import to_categorical

np.random.seed(12)
set_random_seed(12)
topics = {0: "market stocks shares trade profit bank",
          1: "match goal team season coach player",
          2: "rain storm wind cloud weather sunny"}
filler = "the a of and to in on with for it is was".split()
texts, labels = [], []
for _ in range(240):
    t = np.random.randint(3)
    words = list(np.random.choice(topics[t].split(), 3)) + \
        list(np.random.choice(filler, np.random.randint(3, 9)))
    np.random.shuffle(words)
    texts.append(" ".join(words).capitalize() + "!")
    labels.append(t)
print("first text:", texts[0])

max_words = 30
tokenizer = Tokenizer(num_words=max_words)
tokenizer.fit_on_texts(texts)
sequences = tokenizer.texts_to_sequences(texts)
print("found %d unique tokens" % len(tokenizer.word_index))
print("first sequence:", sequences[0])
padded = pad_sequences(sequences, maxlen=8, padding="post", truncating="pre")
print("padded:", padded.shape, padded[0].tolist())
x = tokenizer.sequences_to_matrix(sequences, mode="binary")
y = to_categorical(labels, 3)
print("x:", x.shape, "y:", y.shape)

model = Sequential()
model.add(Dense(32, input_shape=(max_words,)))
model.add(Activation("relu"))
model.add(Dropout(0.5))
model.add(Dense(3))
model.add(Activation("softmax"))
model.compile(loss="categorical_crossentropy", optimizer=Adam(learning_rate=0.01), metrics=["accuracy"])
history = model.fit(x, y, batch_size=32, epochs=8, verbose=0, validation_split=0.1)
print("loss:", " ".join("%.4f" % v for v in history.history["loss"]))
print("val_accuracy: %.4f" % history.history["val_accuracy"][-1])
