"""keras-team/keras examples/imdb_fasttext.py (Keras 2 era; Joulin et al., "Bag of Tricks for
Efficient Text Classification"), at a tiny scale and on synthetic reviews instead of the IMDB
download: bi-gram features added as new token ids (create_ngram_set, add_ngram), sequences
padded by sequence.pad_sequences, then Embedding + GlobalAveragePooling1D + a sigmoid Dense
trained with Adam.  The label: does the bigram (3, 4) ("not bad") occur in the review."""
from __future__ import print_function
import numpy as np

from dlcore_static import set_random_seed
from dlcore_static.keras.preprocessing import sequence
from dlcore_static.keras.models import Sequential
from dlcore_static.keras.layers import Dense
from dlcore_static.keras.layers import Embedding
from dlcore_static.keras.layers import GlobalAveragePooling1D


def create_ngram_set(input_list, ngram_value=2):
    """
    Extract a set of n-grams from a list of integers.

    >>> create_ngram_set([1, 4, 9, 4, 1, 4], ngram_value=2)
    {(4, 9), (4, 1), (1, 4), (9, 4)}

    >>> create_ngram_set([1, 4, 9, 4, 1, 4], ngram_value=3)
    [(1, 4, 9), (4, 9, 4), (9, 4, 1), (4, 1, 4)]
    """
    return set(zip(*[input_list[i:] for i in range(ngram_value)]))


def add_ngram(sequences, token_indice, ngram_range=2):
    """
    Augment the input list of list (sequences) by appending n-grams values.

    Example: adding bi-gram
    >>> sequences = [[1, 3, 4, 5], [1, 3, 7, 9, 2]]
    >>> token_indice = {(1, 3): 1337, (9, 2): 42, (4, 5): 2017}
    >>> add_ngram(sequences, token_indice, ngram_range=2)
    [[1, 3, 4, 5, 1337, 2017], [1, 3, 7, 9, 2, 1337, 42]]
    """
    new_sequences = []
    for input_list in sequences:
        new_list = input_list[:]
        for ngram_value in range(2, ngram_range + 1):
            for i in range(len(new_list) - ngram_value + 1):
                ngram = tuple(new_list[i:i + ngram_value])
                if ngram in token_indice:
                    new_list.append(token_indice[ngram])
        new_sequences.append(new_list)

    return new_sequences


np.random.seed(9)
set_random_seed(9)
# Set parameters:
# ngram_range = 2 will add bi-grams features
ngram_range = 2
max_features = 8
maxlen = 30
batch_size = 32
embedding_dims = 8
epochs = 40


def reviews(n):
    xs, ys = [], []
    for _ in range(n):
        words = [int(w) for w in np.random.randint(1, max_features, np.random.randint(6, 12))]
        label = np.random.rand() < 0.5
        words = [w if w != 4 else 5 for w in words]          # 4 only after 3, when labelled
        if label:
            k = np.random.randint(0, len(words) - 1)
            words[k:k + 2] = [3, 4]
        xs.append(words)
        ys.append(int(label))
    return xs, np.array(ys)


print('Loading data...')
(x_train, y_train), (x_test, y_test) = reviews(256), reviews(64)
print(len(x_train), 'train sequences')
print(len(x_test), 'test sequences')
print('Average train sequence length: {}'.format(
    np.mean(list(map(len, x_train)), dtype=int)))

if ngram_range > 1:
    print('Adding {}-gram features'.format(ngram_range))
    # Create set of unique n-gram from the training set.
    ngram_set = set()
    for input_list in x_train:
        for i in range(2, ngram_range + 1):
            set_of_ngram = create_ngram_set(input_list, ngram_value=i)
            ngram_set.update(set_of_ngram)

    # Dictionary mapping n-gram token to a unique integer.
    # Integer values are greater than max_features in order
    # to avoid collision with existing features.
    start_index = max_features + 1
    token_indice = {v: k + start_index for k, v in enumerate(sorted(ngram_set))}
    indice_token = {token_indice[k]: k for k in token_indice}

    # max_features is the highest integer that could be found in the dataset.
    max_features = np.max(list(indice_token.keys())) + 1

    # Augmenting x_train and x_test with n-grams features
    x_train = add_ngram(x_train, token_indice, ngram_range)
    x_test = add_ngram(x_test, token_indice, ngram_range)
    print('Average train sequence length: {}'.format(
        np.mean(list(map(len, x_train)), dtype=int)))

print('Pad sequences (samples x time)')
x_train = sequence.pad_sequences(x_train, maxlen=maxlen)
x_test = sequence.pad_sequences(x_test, maxlen=maxlen)
print('x_train shape:', x_train.shape)
print('x_test shape:', x_test.shape)

print('Build model...')
model = Sequential()

# we start off with an efficient embedding layer which maps
# our vocab indices into embedding_dims dimensions
model.add(Embedding(max_features,
                    embedding_dims,
                    input_length=maxlen))

# we add a GlobalAveragePooling1D, which will average the embeddings
# of all words in the document
model.add(GlobalAveragePooling1D())

# We project onto a single unit output layer, and squash it with a sigmoid:
model.add(Dense(1, activation='sigmoid'))

model.compile(loss='binary_crossentropy',
              optimizer='adam',
              metrics=['accuracy'])
history = model.fit(x_train, y_train,
                    batch_size=batch_size,
                    epochs=epochs,
                    validation_data=(x_test, y_test), verbose=0)
print('max_features:', max_features)
print('loss:', ' '.join('%.4f' % v for v in history.history['loss']))
print('val_accuracy:', ' '.join('%.4f' % v for v in history.history['val_accuracy']))
