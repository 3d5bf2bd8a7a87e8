"""Guillaume Genthial's TF1 sequence tagger ("Sequence Tagging with Tensorflow", the
guillaumegenthial/sequence_tagging model): padded word ids with ``sequence_lengths``, a
``tf.nn.bidirectional_dynamic_rnn`` of LSTMCells, a projection to tag scores, a linear-chain CRF
(``tf.contrib.crf.crf_log_likelihood``) trained with Adam, and ``viterbi_decode`` per sentence
at prediction time.  Generated sentences: the tag of a word is its class, except that class 2
after class 1 is tagged 3 (a transition the CRF must learn)."""
import numpy as np
import dlcore_static as tf

nwords, ntags, dim_word, hidden_size_lstm = 12, 4, 8, 8
rs = np.random.RandomState(0)


def make_sentence():
    n = rs.randint(2, 7)
    words = rs.randint(0, nwords, size=n)
    tags = []
    for i, w in enumerate(words):
        c = w % 3
        tags.append(3 if c == 2 and i > 0 and words[i - 1] % 3 == 1 else c)
    return list(words), tags


def pad_sequences(sequences, pad_tok):
    max_length = max(map(lambda x: len(x), sequences))
    sequence_padded, sequence_length = [], []
    for seq in sequences:
        seq = list(seq)
        seq_ = seq[:max_length] + [pad_tok] * max(max_length - len(seq), 0)
        sequence_padded += [seq_]
        sequence_length += [min(len(seq), max_length)]
    return sequence_padded, sequence_length


train = [make_sentence() for _ in range(64)]
test = [make_sentence() for _ in range(16)]

word_ids = tf.placeholder(tf.int32, shape=[None, None], name="word_ids")
sequence_lengths = tf.placeholder(tf.int32, shape=[None], name="sequence_lengths")
labels = tf.placeholder(tf.int32, shape=[None, None], name="labels")
dropout = tf.placeholder(dtype=tf.float32, shape=[], name="dropout")
lr = tf.placeholder(dtype=tf.float32, shape=[], name="lr")

with tf.variable_scope("words"):
    _word_embeddings = tf.get_variable(name="_word_embeddings", dtype=tf.float32,
                                       shape=[nwords, dim_word])
    word_embeddings = tf.nn.embedding_lookup(_word_embeddings, word_ids,
                                             name="word_embeddings")
word_embeddings = tf.nn.dropout(word_embeddings, dropout)

with tf.variable_scope("bi-lstm"):
    cell_fw = tf.contrib.rnn.LSTMCell(hidden_size_lstm)
    cell_bw = tf.contrib.rnn.LSTMCell(hidden_size_lstm)
    (output_fw, output_bw), _ = tf.nn.bidirectional_dynamic_rnn(
        cell_fw, cell_bw, word_embeddings, sequence_length=sequence_lengths,
        dtype=tf.float32)
    output = tf.concat([output_fw, output_bw], axis=-1)
    output = tf.nn.dropout(output, dropout)

with tf.variable_scope("proj"):
    W = tf.get_variable("W", dtype=tf.float32, shape=[2 * hidden_size_lstm, ntags])
    b = tf.get_variable("b", shape=[ntags], dtype=tf.float32, initializer=tf.zeros_initializer())
    nsteps = tf.shape(output)[1]
    output = tf.reshape(output, [-1, 2 * hidden_size_lstm])
    pred = tf.matmul(output, W) + b
    logits = tf.reshape(pred, [-1, nsteps, ntags])

log_likelihood, trans_params = tf.contrib.crf.crf_log_likelihood(logits, labels,
                                                                 sequence_lengths)
loss = tf.reduce_mean(-log_likelihood)
train_op = tf.train.AdamOptimizer(lr).minimize(loss)

print("variables:", [v.name for v in tf.trainable_variables()])


def get_feed_dict(batch, lr_=None, dropout_=None):
    words, tags = zip(*batch)
    w, lengths = pad_sequences(words, 0)
    feed = {word_ids: w, sequence_lengths: lengths}
    if tags is not None:
        t, _ = pad_sequences(tags, 0)
        feed[labels] = t
    feed[lr] = lr_ if lr_ is not None else 0.0
    feed[dropout] = dropout_ if dropout_ is not None else 1.0
    return feed, lengths


sess = tf.Session()
sess.run(tf.global_variables_initializer())
losses = []
for epoch in range(12):
    for i in range(0, len(train), 16):
        fd, _ = get_feed_dict(train[i:i + 16], 0.05, 0.9)
        _, train_loss = sess.run([train_op, loss], feed_dict=fd)
        losses.append(train_loss)
    if epoch % 4 == 0:
        print("epoch", epoch, "loss %.4f" % train_loss)


def predict_batch(batch):
    fd, lengths = get_feed_dict(batch, dropout_=1.0)
    viterbi_sequences = []
    logits_v, trans = sess.run([logits, trans_params], feed_dict=fd)
    for logit, sequence_length in zip(logits_v, lengths):
        logit = logit[:sequence_length]
        viterbi_seq, viterbi_score = tf.contrib.crf.viterbi_decode(logit, trans)
        viterbi_sequences += [viterbi_seq]
    return viterbi_sequences, lengths, logits_v, trans


preds, lengths, test_logits, trans = predict_batch(test)
correct = sum(int(p == t) for (_, tags), seq in zip(test, preds) for p, t in zip(seq, tags))
total = sum(lengths)
print("test accuracy: %.3f" % (correct / total))
test_ll = sess.run(log_likelihood, get_feed_dict(test)[0])
