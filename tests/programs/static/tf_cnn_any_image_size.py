"""A TF1 tf.layers CNN on images of any size (placeholder [None, None, None, 1]), as the fully
convolutional examples write it: conv2d with padding='same' (one with dilation 2), a 1x1 conv
as the classifier and a global max pooling over the spatial axes (tf.reduce_max), so one
graph serves 12x12, 16x20 and 9x7 batches; tf.shape for the feature map's size at run time;
Adam on sparse softmax cross-entropy, tiny synthetic data ('is there a bright square?')."""
import numpy as np
import dlcore_static as tf

tf.set_random_seed(0)
rs = np.random.RandomState(0)


def make_batch(n, h, w):
    x = 0.1 * rs.rand(n, h, w, 1).astype(np.float32)
    y = rs.randint(0, 2, n)
    for i in np.nonzero(y)[0]:
        r, c = rs.randint(0, h - 3), rs.randint(0, w - 3)
        x[i, r:r + 3, c:c + 3, 0] = 1.0
    return x, y.astype(np.int64)


images = tf.placeholder(tf.float32, [None, None, None, 1], name="images")
labels = tf.placeholder(tf.int64, [None], name="labels")
net = tf.layers.conv2d(images, 8, 3, padding="same", activation=tf.nn.relu, name="conv1")
net = tf.layers.conv2d(net, 8, 3, padding="same", dilation_rate=2, activation=tf.nn.relu,
                       name="conv2")
fmap_size = tf.shape(net)[1:3]
logits_map = tf.layers.conv2d(net, 2, 1, name="classifier")
logits = tf.reduce_max(logits_map, axis=[1, 2])
loss = tf.losses.sparse_softmax_cross_entropy(labels, logits)
accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, 1), labels), tf.float32))
train_op = tf.train.AdamOptimizer(0.01).minimize(loss)
print("static shapes:", net.shape, logits_map.shape, logits.shape)

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for step in range(40):
        h, w = (12, 12) if step % 2 == 0 else (16, 20)
        x, y = make_batch(16, h, w)
        l, _ = sess.run([loss, train_op], {images: x, labels: y})
        if step % 10 == 0:
            print("step %d size %dx%d loss %.4f" % (step, h, w, l))
    for h, w in ((12, 12), (16, 20), (9, 7)):
        x, y = make_batch(64, h, w)
        acc, fs = sess.run([accuracy, fmap_size], {images: x, labels: y})
        print("size %dx%d feature map %s accuracy %.3f" % (h, w, fs.tolist(), acc))
