"""keras-team/keras examples/lstm_text_generation.py (Keras 2 era), at a tiny scale and on a
built-in text instead of Nietzsche: cut the text into semi-redundant sequences of maxlen
characters, one-hot encode them, train a single LSTM + Dense(softmax) with RMSprop, and after
each epoch generate text by sampling the next character from the model's prediction with a
temperature (np.random.multinomial), in a LambdaCallback(on_epoch_end=...)."""
from __future__ import print_function

import random
import sys

import numpy as np
from dlcore_static import set_random_seed
from dlcore_static.keras.callbacks import LambdaCallback
from dlcore_static.keras.models import Sequential
from dlcore_static.keras.layers import Dense
from dlcore_static.keras.layers import LSTM
from dlcore_static.keras.optimizers import RMSprop

np.random.seed(2)
random.seed(2)
set_random_seed(2)
text = ("the cat sat on the mat. the dog sat on the log. the cat and the dog sat on the mat. "
        * 3).lower()
print('corpus length:', len(text))

chars = sorted(list(set(text)))
print('total chars:', len(chars))
char_indices = dict((c, i) for i, c in enumerate(chars))
indices_char = dict((i, c) for i, c in enumerate(chars))

# cut the text in semi-redundant sequences of maxlen characters
maxlen = 10
step = 1            # the original: 3, on a 600k-character corpus
sentences = []
next_chars = []
for i in range(0, len(text) - maxlen, step):
    sentences.append(text[i: i + maxlen])
    next_chars.append(text[i + maxlen])
print('nb sequences:', len(sentences))

print('Vectorization...')
x = np.zeros((len(sentences), maxlen, len(chars)), dtype=bool)
y = np.zeros((len(sentences), len(chars)), dtype=bool)
for i, sentence in enumerate(sentences):
    for t, char in enumerate(sentence):
        x[i, t, char_indices[char]] = 1
    y[i, char_indices[next_chars[i]]] = 1

# build the model: a single LSTM
print('Build model...')
model = Sequential()
model.add(LSTM(32, input_shape=(maxlen, len(chars))))
model.add(Dense(len(chars), activation='softmax'))

optimizer = RMSprop(lr=0.01)
model.compile(loss='categorical_crossentropy', optimizer=optimizer)


def sample(preds, temperature=1.0):
    # helper function to sample an index from a probability array
    preds = np.asarray(preds).astype('float64')
    preds = np.log(preds) / temperature
    exp_preds = np.exp(preds)
    preds = exp_preds / np.sum(exp_preds)
    probas = np.random.multinomial(1, preds, 1)
    return np.argmax(probas)


generated_texts = {}


def on_epoch_end(epoch, _):
    # Function invoked at end of each epoch. Prints generated text.
    if epoch != 19:         # the original generates after every epoch
        return
    print()
    print('----- Generating text after Epoch: %d' % epoch)

    start_index = random.randint(0, len(text) - maxlen - 1)
    for diversity in [0.2, 1.0]:
        print('----- diversity:', diversity)

        generated = ''
        sentence = text[start_index: start_index + maxlen]
        generated += sentence
        print('----- Generating with seed: "' + sentence + '"')
        sys.stdout.write(generated)

        for i in range(20):
            x_pred = np.zeros((1, maxlen, len(chars)))
            for t, char in enumerate(sentence):
                x_pred[0, t, char_indices[char]] = 1.

            preds = model.predict(x_pred, verbose=0)[0]
            next_index = sample(preds, diversity)
            next_char = indices_char[next_index]

            generated += next_char
            sentence = sentence[1:] + next_char

            sys.stdout.write(next_char)
            sys.stdout.flush()
        generated_texts[diversity] = generated
        print()


print_callback = LambdaCallback(on_epoch_end=on_epoch_end)

history = model.fit(x, y, batch_size=32, epochs=20, callbacks=[print_callback], verbose=0)
print('loss:', ' '.join('%.4f' % v for v in history.history['loss']))
