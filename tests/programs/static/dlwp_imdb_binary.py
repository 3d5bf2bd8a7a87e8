"""Classifying movie reviews: a binary classification example ("Deep Learning with Python",
Chollet, 1st edition, section 3.4, listings 3.1-3.10), as written, at a tiny scale: synthetic
"reviews" (word-id lists; positive ones hold more of words 2..20, negative ones of 21..40)
instead of imdb.load_data(num_words=10000), 500 words, 16-unit layers kept, 400 training
reviews with the first 100 held out as x_val, 6 epochs of batch 64.  The book's compile with
optimizers/losses/metrics objects, and its history keys 'acc'/'val_acc' (Keras 2.0-2.2 names)."""
import numpy as np
from dlcore_static.keras import models
from dlcore_static.keras import layers
from dlcore_static.keras import optimizers
from dlcore_static.keras import losses
from dlcore_static.keras import metrics

rs = np.random.RandomState(12)
def load_data(num_words):
    def make(n):
        y = rs.randint(0, 2, n)
        x = [list(rs.randint(41, num_words, rs.randint(10, 40)))
             + list(rs.randint(2, 21, 6) if l else rs.randint(21, 41, 6)) for l in y]
        return np.array([rs.permutation(s).tolist() for s in x], dtype=object), y
    return make(400), make(200)
(train_data, train_labels), (test_data, test_labels) = load_data(num_words=500)

print(train_data[0][:5], train_labels[0])
print(max([max(sequence) for sequence in train_data]))


def vectorize_sequences(sequences, dimension=500):
    # Create an all-zero matrix of shape (len(sequences), dimension)
    results = np.zeros((len(sequences), dimension))
    for i, sequence in enumerate(sequences):
        results[i, sequence] = 1.  # set specific indices of results[i] to 1s
    return results

# Our vectorized training data
x_train = vectorize_sequences(train_data)
# Our vectorized test data
x_test = vectorize_sequences(test_data)
# Our vectorized labels
y_train = np.asarray(train_labels).astype('float32')
y_test = np.asarray(test_labels).astype('float32')

model = models.Sequential()
model.add(layers.Dense(16, activation='relu', input_shape=(500,)))
model.add(layers.Dense(16, activation='relu'))
model.add(layers.Dense(1, activation='sigmoid'))

model.compile(optimizer=optimizers.RMSprop(lr=0.001),
              loss=losses.binary_crossentropy,
              metrics=[metrics.binary_accuracy])

x_val = x_train[:100]
partial_x_train = x_train[100:]

y_val = y_train[:100]
partial_y_train = y_train[100:]

model.compile(optimizer='rmsprop',
              loss='binary_crossentropy',
              metrics=['acc'])

history = model.fit(partial_x_train,
                    partial_y_train,
                    epochs=6,
                    batch_size=64,
                    validation_data=(x_val, y_val),
                    verbose=0)

history_dict = history.history
print(sorted(history_dict.keys()))

acc = history.history['acc']
val_acc = history.history['val_acc']
loss = history.history['loss']
val_loss = history.history['val_loss']

epochs = range(1, len(acc) + 1)
print('loss:', ' '.join('%.4f' % v for v in loss))
print('val_acc:', ' '.join('%.4f' % v for v in val_acc))

results = model.evaluate(x_test, y_test, verbose=0)
print('results:', results)
predictions = model.predict(x_test)
