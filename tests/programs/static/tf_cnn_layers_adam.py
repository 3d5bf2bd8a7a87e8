"""An MNIST-style convolutional network with tf.layers, as the TF1 "layers" tutorial wrote it
(cnn_mnist.py), on tiny synthetic 12x12 images of a horizontal or a vertical bar: conv2d ->
max_pooling2d -> conv2d -> max_pooling2d -> flatten -> dense -> dropout (training flag fed)
-> dense logits, tf.losses.sparse_softmax_cross_entropy and tf.train.AdamOptimizer."""
import numpy as np
import dlcore_static as tf

tf.set_random_seed(2)
rs = np.random.RandomState(2)


def make_images(n):
    images = rs.rand(n, 12, 12, 1).astype(np.float32) * 0.3
    labels = rs.randint(0, 2, n)
    for img, lab in zip(images, labels):
        k = rs.randint(2, 10)
        if lab == 0:
            img[k, 2:10, 0] += 1.0
        else:
            img[2:10, k, 0] += 1.0
    return images, labels.astype(np.int32)


train_x, train_y = make_images(96)
test_x, test_y = make_images(32)

features = tf.placeholder(tf.float32, [None, 12, 12, 1], name="features")
labels = tf.placeholder(tf.int32, [None], name="labels")
training = tf.placeholder_with_default(False, [], name="training")

input_layer = tf.reshape(features, [-1, 12, 12, 1])
conv1 = tf.layers.conv2d(inputs=input_layer, filters=4, kernel_size=[3, 3], padding="same",
                         activation=tf.nn.relu)
pool1 = tf.layers.max_pooling2d(inputs=conv1, pool_size=[2, 2], strides=2)
conv2 = tf.layers.conv2d(inputs=pool1, filters=8, kernel_size=[3, 3], padding="same",
                         activation=tf.nn.relu)
pool2 = tf.layers.max_pooling2d(inputs=conv2, pool_size=[2, 2], strides=2)
pool2_flat = tf.reshape(pool2, [-1, 3 * 3 * 8])
dense = tf.layers.dense(inputs=pool2_flat, units=16, activation=tf.nn.relu)
dropout = tf.layers.dropout(inputs=dense, rate=0.4, training=training)
logits = tf.layers.dense(inputs=dropout, units=2)

loss = tf.losses.sparse_softmax_cross_entropy(labels=labels, logits=logits)
train_op = tf.train.AdamOptimizer(learning_rate=0.01).minimize(
    loss=loss, global_step=tf.train.get_global_step())
predictions = {"classes": tf.argmax(input=logits, axis=1),
               "probabilities": tf.nn.softmax(logits, name="softmax_tensor")}
accuracy, acc_update = tf.metrics.accuracy(labels=labels, predictions=predictions["classes"])

print("shapes:", conv1.shape, pool1.shape, conv2.shape, pool2.shape, logits.shape)
with tf.Session() as sess:
    sess.run([tf.global_variables_initializer(), tf.local_variables_initializer()])
    for epoch in range(1, 16):
        for i in range(0, 96, 32):
            _, l = sess.run([train_op, loss], {features: train_x[i:i + 32],
                                                labels: train_y[i:i + 32], training: True})
        if epoch % 5 == 0:
            print("epoch %d loss %.6f" % (epoch, l))
    eval_loss = sess.run(loss, {features: test_x, labels: test_y})
    sess.run(acc_update, {features: test_x, labels: test_y})
    print("test loss %.6f accuracy %.4f" % (eval_loss, sess.run(accuracy)))
    p1, p2 = sess.run([predictions["probabilities"], predictions["probabilities"]],
                      {features: test_x})
    p3 = sess.run(predictions["probabilities"], {features: test_x, training: False})
    print("eval deterministic: %.3e %.3e" % (np.abs(p1 - p3).max(), np.abs(p1.sum(1) - 1).max()))
    d1, d2 = sess.run([dropout, dense], {features: test_x[:4], training: True})
    kept = d1[d2 > 0] / d2[d2 > 0]
    print("dropout scale: %.6f zeros %d" % (kept[kept > 0].mean(), int((kept == 0).sum())))
