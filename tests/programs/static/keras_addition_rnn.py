"""keras-team/keras examples/addition_rnn.py (Keras 2 era), at a tiny scale: a sequence-to-
sequence model learning to add two numbers given as strings ("12+7 " -> "19 "), one-hot
encoded by a CharacterTable; an LSTM encoder, RepeatVector, an LSTM decoder with
return_sequences and TimeDistributed(Dense(softmax)).  The trained model is saved with
model.save (HDF5) and loaded back with load_model.  Usage: keras_addition_rnn.py [DIR]"""
import os
import sys

import numpy as np
from dlcore_static import set_random_seed
from dlcore_static.keras.models import Sequential, load_model
from dlcore_static.keras import layers

outdir = sys.argv[1] if len(sys.argv) > 1 else "/tmp"


class CharacterTable(object):
    """Given a set of characters:
    + Encode them to a one hot integer representation
    + Decode the one hot integer representation to their character output
    + Decode a vector of probabilities to their character output
    """
    def __init__(self, chars):
        self.chars = sorted(set(chars))
        self.char_indices = dict((c, i) for i, c in enumerate(self.chars))
        self.indices_char = dict((i, c) for i, c in enumerate(self.chars))

    def encode(self, C, num_rows):
        x = np.zeros((num_rows, len(self.chars)))
        for i, c in enumerate(C):
            x[i, self.char_indices[c]] = 1
        return x

    def decode(self, x, calc_argmax=True):
        if calc_argmax:
            x = x.argmax(axis=-1)
        return ''.join(self.indices_char[x] for x in x)


np.random.seed(1)
set_random_seed(1)
TRAINING_SIZE = 400
DIGITS = 1
REVERSE = True
MAXLEN = DIGITS + 1 + DIGITS
chars = '0123456789+ '
ctable = CharacterTable(chars)

questions = []
expected = []
seen = set()
print('Generating data...')
while len(questions) < TRAINING_SIZE:
    f = lambda: int(''.join(np.random.choice(list('0123456789'))
                    for i in range(np.random.randint(1, DIGITS + 1))))
    a, b = f(), f()
    key = tuple(sorted((a, b)))
    if key in seen and len(seen) < 55:
        continue
    seen.add(key)
    q = '{}+{}'.format(a, b)
    query = q + ' ' * (MAXLEN - len(q))
    ans = str(a + b)
    ans += ' ' * (DIGITS + 1 - len(ans))
    if REVERSE:
        query = query[::-1]
    questions.append(query)
    expected.append(ans)
print('Total addition questions:', len(questions))

print('Vectorization...')
x = np.zeros((len(questions), MAXLEN, len(chars)), dtype=bool)
y = np.zeros((len(questions), DIGITS + 1, len(chars)), dtype=bool)
for i, sentence in enumerate(questions):
    x[i] = ctable.encode(sentence, MAXLEN)
for i, sentence in enumerate(expected):
    y[i] = ctable.encode(sentence, DIGITS + 1)

indices = np.arange(len(y))
np.random.shuffle(indices)
x = x[indices]
y = y[indices]
split_at = len(x) - len(x) // 10
(x_train, x_val) = x[:split_at], x[split_at:]
(y_train, y_val) = y[:split_at], y[split_at:]
print('Training Data:', x_train.shape, y_train.shape)

RNN = layers.LSTM
HIDDEN_SIZE = 32
BATCH_SIZE = 32
LAYERS = 1

print('Build model...')
model = Sequential()
model.add(RNN(HIDDEN_SIZE, input_shape=(MAXLEN, len(chars))))
model.add(layers.RepeatVector(DIGITS + 1))
for _ in range(LAYERS):
    model.add(RNN(HIDDEN_SIZE, return_sequences=True))
model.add(layers.TimeDistributed(layers.Dense(len(chars), activation='softmax')))
model.compile(loss='categorical_crossentropy', optimizer='adam', metrics=['accuracy'])
model.summary()

losses = []
for iteration in range(1, 4):
    h = model.fit(x_train, y_train, batch_size=BATCH_SIZE, epochs=5,
                  validation_data=(x_val, y_val), verbose=0)
    losses += h.history['loss']
    for i in range(3):
        ind = np.random.randint(0, len(x_val))
        rowx, rowy = x_val[np.array([ind])], y_val[np.array([ind])]
        preds = model.predict_classes(rowx, verbose=0)
        q = ctable.decode(rowx[0])
        correct = ctable.decode(rowy[0])
        guess = ctable.decode(preds[0], calc_argmax=False)
        print('Q', q[::-1] if REVERSE else q, 'T', correct, 'OK' if correct == guess else '..',
              guess)
print('loss:', ' '.join('%.4f' % v for v in losses))
print('val_accuracy: %.4f' % h.history['val_accuracy'][-1])

path = os.path.join(outdir, 'addition_rnn.h5')
model.save(path)
restored = load_model(path)
print('max |restored - model|: %.2e' % np.abs(restored.predict(x_val) - model.predict(x_val)).max())
