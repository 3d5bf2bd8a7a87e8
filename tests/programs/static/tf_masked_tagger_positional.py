"""A padded-sequence tagger as TF1 attention-era code wrote it: token ids in a [batch, time]
placeholder of unknown time, embeddings plus a sinusoidal positional encoding built from
tf.range(tf.shape(x)[1]), a position-wise tf.layers.dense network, and a loss masked with
tf.sequence_mask(lengths) passed as weights to tf.losses.sparse_softmax_cross_entropy.  The
tag of a token: whether it is larger than the token before it (the first: larger than 0)."""
import numpy as np
import dlcore_static as tf

tf.set_random_seed(4)
rs = np.random.RandomState(4)
vocab, d_model = 10, 16


def make_batch(n, max_len):
    lengths = rs.randint(2, max_len + 1, n).astype(np.int32)
    tokens = rs.randint(1, vocab, (n, max_len)).astype(np.int32)
    prev = np.concatenate([np.zeros((n, 1), np.int32), tokens[:, :-1]], 1)
    tags = (tokens > prev).astype(np.int32)
    pad = np.arange(max_len)[None, :] >= lengths[:, None]
    tokens[pad], tags[pad] = 0, 0
    return tokens, tags, lengths


def positional_encoding(length, depth):
    pos = tf.cast(tf.range(length), tf.float32)[:, None]              # (T, 1)
    i = tf.cast(tf.range(depth // 2), tf.float32)[None, :]             # (1, depth/2)
    angle = pos / tf.pow(10000.0, 2.0 * i / depth)
    return tf.concat([tf.sin(angle), tf.cos(angle)], axis=1)           # (T, depth)


tokens = tf.placeholder(tf.int32, [None, None], name="tokens")
tags = tf.placeholder(tf.int32, [None, None], name="tags")
lengths = tf.placeholder(tf.int32, [None], name="lengths")

emb = tf.get_variable("embedding", [vocab, d_model])
x = tf.nn.embedding_lookup(emb, tokens)
pe = positional_encoding(tf.shape(tokens)[1], d_model)
x = x + pe[None]
prev = tf.pad(x[:, :-1], [[0, 0], [1, 0], [0, 0]])                    # the token before
h = tf.layers.dense(tf.concat([x, prev], axis=-1), 32, activation=tf.nn.relu)
logits = tf.layers.dense(h, 2)
mask = tf.sequence_mask(lengths, maxlen=tf.shape(tokens)[1], dtype=tf.float32)
loss = tf.losses.sparse_softmax_cross_entropy(labels=tags, logits=logits, weights=mask)
train_op = tf.train.AdamOptimizer(0.02).minimize(loss)
pred = tf.argmax(logits, -1, output_type=tf.int32)
correct = tf.reduce_sum(tf.cast(tf.equal(pred, tags), tf.float32) * mask)
accuracy = correct / tf.reduce_sum(mask)

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for step in range(1, 121):
        tk, tg, ln = make_batch(32, rs.choice([6, 8]))            # the time length varies
        _, l = sess.run([train_op, loss], {tokens: tk, tags: tg, lengths: ln})
        if step % 40 == 0:
            print("step %d loss %.6f" % (step, l))
    tk, tg, ln = make_batch(64, 7)
    feed = {tokens: tk, tags: tg, lengths: ln}
    lg, l, acc, m, p = sess.run([logits, loss, accuracy, mask, pe], feed)
    z = lg - lg.max(-1, keepdims=True)
    ce = -(z[..., 0] * (tg == 0) + z[..., 1] * (tg == 1) - np.log(np.exp(z).sum(-1)))
    print("test loss %.6f numpy %.6f accuracy %.4f" % (l, (ce * m).sum() / m.sum(), acc))
    print("mask rows:", m.sum(1)[:6].astype(int).tolist(), "lengths:", ln[:6].tolist())
    ang = np.arange(7)[:, None] / 10000.0 ** (2.0 * np.arange(8)[None, :] / d_model)
    print("pe shape", p.shape, "max |pe - numpy| %.3e"
          % np.abs(p - np.concatenate([np.sin(ang), np.cos(ang)], 1)).max())
