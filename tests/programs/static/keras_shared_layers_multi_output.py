"""The functional API with a shared layer and several outputs (the Keras guide's "shared
layers" and "multi-output models" sections, at a small scale): two "tweets" (id sequences)
go through ONE shared Embedding + LSTM encoder; the model predicts whether both come from the
same "author" (a sigmoid head) and the topic of the first (a softmax head), compiled with a
loss per output by name and ``loss_weights``; then ``save_weights`` to a Keras 3
``.weights.h5`` file and ``load_weights`` into a second model built by the same code (dlcore's
``model.save`` does not write recurrent layers' configurations).  Usage: keras_shared_layers_multi_output.py OUT_DIR"""
import os
import sys

import numpy as np
from dlcore_static import set_random_seed
from dlcore_static.keras.layers import Input, Embedding, LSTM, Dense, concatenate
from dlcore_static.keras.models import Model
from dlcore_static.keras.optimizers import Adam
from dlcore_static.keras.utils import to_categorical
from dlcore_static.keras.preprocessing.sequence import pad_sequences

np.random.seed(4)
set_random_seed(4)
vocab, maxlen, n = 16, 6, 192

authors = np.random.randint(0, 2, size=(n, 2))          # author of tweet a and of tweet b
topics = np.random.randint(0, 3, size=n)


def tweet(author, topic=None):
    words = list(np.random.randint(4, vocab, size=np.random.randint(2, maxlen)))
    words.insert(0, 1 + author)                          # an author's signature word (1 or 2)
    if topic is not None:
        words.append(13 + topic)                         # the topic word (13, 14 or 15)
    return words


tweets_a = pad_sequences([tweet(a, t) for a, t in zip(authors[:, 0], topics)], maxlen=maxlen)
tweets_b = pad_sequences([tweet(b) for b in authors[:, 1]], maxlen=maxlen)
same_author = (authors[:, 0] == authors[:, 1]).astype("float32")
topic_onehot = to_categorical(topics, 3)



def build_model():
    tweet_a = Input(shape=(maxlen,), name="tweet_a")
    tweet_b = Input(shape=(maxlen,), name="tweet_b")
    embed = Embedding(vocab, 8, name="shared_embedding")
    shared_lstm = LSTM(12, recurrent_activation="sigmoid", name="shared_lstm")
    encoded_a = shared_lstm(embed(tweet_a))
    encoded_b = shared_lstm(embed(tweet_b))
    assert shared_lstm.get_output_at(0) is encoded_a
    assert shared_lstm.get_output_at(1) is encoded_b
    merged = concatenate([encoded_a, encoded_b], axis=-1)
    same = Dense(1, activation="sigmoid", name="same_author")(merged)
    topic = Dense(3, activation="softmax", name="topic")(encoded_a)
    model = Model(inputs=[tweet_a, tweet_b], outputs=[same, topic])
    model.compile(optimizer=Adam(learning_rate=0.02),
                  loss={"same_author": "binary_crossentropy",
                        "topic": "categorical_crossentropy"},
                  loss_weights={"same_author": 1.0, "topic": 0.5},
                  metrics={"same_author": "accuracy", "topic": "accuracy"})
    return model


model = build_model()
model.summary()
history = model.fit({"tweet_a": tweets_a, "tweet_b": tweets_b},
                    {"same_author": same_author, "topic": topic_onehot},
                    epochs=10, batch_size=32, verbose=0)
print("history keys:", sorted(history.history))
print("loss:", " ".join("%.4f" % v for v in history.history["loss"]))
scores = model.evaluate([tweets_a, tweets_b], [same_author, topic_onehot], verbose=0)
print("evaluate:", " ".join("%s=%.4f" % kv for kv in zip(model.metrics_names, scores)))
p_same, p_topic = model.predict([tweets_a, tweets_b])
print("predict shapes:", p_same.shape, p_topic.shape)

path = os.path.join(sys.argv[1], "tweets.weights.h5")
model.save_weights(path)
restored = build_model()
restored.load_weights(path)
r_same, r_topic = restored.predict([tweets_a, tweets_b])
print("max |restored - model|: %.2e" % max(np.abs(r_same - p_same).max(),
                                          np.abs(r_topic - p_topic).max()))
