"""keras-team/keras examples/babi_rnn.py (Keras 2), as written, on tiny bAbI-style stories made
here (no download): tokenize, parse_stories, vectorize_stories with pad_sequences, two Inputs
(story, question), an Embedding + RNN (recurrent.LSTM) per input, layers.concatenate,
Dense(vocab_size, softmax), categorical_crossentropy with adam, fit with validation_split,
evaluate.  Only get_file/tarfile and the sizes differ from the example."""
from __future__ import print_function
from functools import reduce
import re

import numpy as np
from dlcore_static import set_random_seed
from dlcore_static import keras
from dlcore_static.keras import layers
from dlcore_static.keras.layers import recurrent
from dlcore_static.keras.models import Model
from dlcore_static.keras.preprocessing.sequence import pad_sequences


def tokenize(sent):
    '''Return the tokens of a sentence including punctuation.

    >>> tokenize('Bob dropped the apple. Where is the apple?')
    ['Bob', 'dropped', 'the', 'apple', '.', 'Where', 'is', 'the', 'apple', '?']
    '''
    return [x.strip() for x in re.split(r'(\W+)', sent) if x.strip()]


def parse_stories(lines, only_supporting=False):
    '''Parse stories provided in the bAbi tasks format

    If only_supporting is true,
    only the sentences that support the answer are kept.
    '''
    data = []
    story = []
    for line in lines:
        line = line.decode('utf-8').strip()
        nid, line = line.split(' ', 1)
        nid = int(nid)
        if nid == 1:
            story = []
        if '\t' in line:
            q, a, supporting = line.split('\t')
            q = tokenize(q)
            if only_supporting:
                # Only select the related substory
                supporting = map(int, supporting.split())
                substory = [story[i - 1] for i in supporting]
            else:
                # Provide all the substories
                substory = [x for x in story if x]
            data.append((substory, q, a))
            story.append('')
        else:
            sent = tokenize(line)
            story.append(sent)
    return data


def get_stories(f, only_supporting=False, max_length=None):
    '''Given a file name, read the file, retrieve the stories,
    and then convert the sentences into a single story.

    If max_length is supplied,
    any stories longer than max_length tokens will be discarded.
    '''
    data = parse_stories(f.readlines(), only_supporting=only_supporting)
    flatten = lambda data: reduce(lambda x, y: x + y, data)
    data = [(flatten(story), q, answer) for story, q, answer in data
            if not max_length or len(flatten(story)) < max_length]
    return data


def vectorize_stories(data, word_idx, story_maxlen, query_maxlen):
    xs = []
    xqs = []
    ys = []
    for story, query, answer in data:
        x = [word_idx[w] for w in story]
        xq = [word_idx[w] for w in query]
        # let's not forget that index 0 is reserved
        y = np.zeros(len(word_idx) + 1)
        y[word_idx[answer]] = 1
        xs.append(x)
        xqs.append(xq)
        ys.append(y)
    return (pad_sequences(xs, maxlen=story_maxlen),
            pad_sequences(xqs, maxlen=query_maxlen), np.array(ys))


class _Lines(object):
    """A bAbI task 1 file ("single supporting fact"), written here: the file object the example
    gets from tarfile.extractfile."""

    def __init__(self, n_stories, rs):
        people = ['Mary', 'John', 'Sandra', 'Daniel']
        places = ['kitchen', 'garden', 'office', 'hallway', 'bathroom']
        self.lines = []
        for _ in range(n_stories):
            where = {}
            nid = 1
            for k in range(4):
                p, loc = people[rs.randint(4)], places[rs.randint(5)]
                where[p] = (loc, nid)
                self.lines.append(('%d %s went to the %s.' % (nid, p, loc)).encode())
                nid += 1
                if k % 2 == 1:
                    who = sorted(where)[rs.randint(len(where))]
                    self.lines.append(('%d Where is %s?\t%s\t%d' % (
                        nid, who, where[who][0], where[who][1])).encode())
                    nid += 1

    def readlines(self):
        return list(self.lines)


RNN = recurrent.LSTM
EMBED_HIDDEN_SIZE = 16
SENT_HIDDEN_SIZE = 24
QUERY_HIDDEN_SIZE = 24
BATCH_SIZE = 32
EPOCHS = 6
print('RNN / Embed / Sent / Query = {}, {}, {}, {}'.format(RNN,
                                                           EMBED_HIDDEN_SIZE,
                                                           SENT_HIDDEN_SIZE,
                                                           QUERY_HIDDEN_SIZE))

rs = np.random.RandomState(5)
np.random.seed(5)
set_random_seed(5)
train = get_stories(_Lines(80, rs))
test = get_stories(_Lines(20, rs))

vocab = set()
for story, q, answer in train + test:
    vocab |= set(story + q + [answer])
vocab = sorted(vocab)

# Reserve 0 for masking via pad_sequences
vocab_size = len(vocab) + 1
word_idx = dict((c, i + 1) for i, c in enumerate(vocab))
story_maxlen = max(map(len, (x for x, _, _ in train + test)))
query_maxlen = max(map(len, (x for _, x, _ in train + test)))

x, xq, y = vectorize_stories(train, word_idx, story_maxlen, query_maxlen)
tx, txq, ty = vectorize_stories(test, word_idx, story_maxlen, query_maxlen)

print('vocab = {}'.format(vocab))
print('x.shape = {}'.format(x.shape))
print('xq.shape = {}'.format(xq.shape))
print('y.shape = {}'.format(y.shape))
print('story_maxlen, query_maxlen = {}, {}'.format(story_maxlen, query_maxlen))

print('Build model...')

sentence = layers.Input(shape=(story_maxlen,), dtype='int32')
encoded_sentence = layers.Embedding(vocab_size, EMBED_HIDDEN_SIZE)(sentence)
encoded_sentence = RNN(SENT_HIDDEN_SIZE)(encoded_sentence)

question = layers.Input(shape=(query_maxlen,), dtype='int32')
encoded_question = layers.Embedding(vocab_size, EMBED_HIDDEN_SIZE)(question)
encoded_question = RNN(QUERY_HIDDEN_SIZE)(encoded_question)

merged = layers.concatenate([encoded_sentence, encoded_question])
preds = layers.Dense(vocab_size, activation='softmax')(merged)

model = Model([sentence, question], preds)
model.compile(optimizer='adam',
              loss='categorical_crossentropy',
              metrics=['accuracy'])

print('Training')
history = model.fit([x, xq], y,
                    batch_size=BATCH_SIZE,
                    epochs=EPOCHS,
                    verbose=0,
                    validation_split=0.05)

print('Evaluation')
loss, acc = model.evaluate([tx, txq], ty,
                           batch_size=BATCH_SIZE, verbose=0)
print('Test loss / test accuracy = {:.4f} / {:.4f}'.format(loss, acc))
_ = keras
