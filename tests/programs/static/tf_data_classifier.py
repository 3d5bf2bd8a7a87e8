"""A softmax classifier fed by tf.data, written the way the TensorFlow 1.4+ guides write it
("Importing Data": Dataset.from_tensor_slices on placeholders, shuffle/map/batch, a
reinitializable iterator shared by the training and validation datasets, and the
``while True: ... except tf.errors.OutOfRangeError`` loop).  Only the import line differs from
the TensorFlow 1 program."""


import numpy as np

import dlcore_static as tf

# Three Gaussian blobs in 4-D, 600 points: 480 to train on, 120 to validate with.
rng = np.random.RandomState(0)
centers = np.array([[2.0, 0.0, 0.0, 1.0], [0.0, 2.0, 0.0, -1.0], [0.0, 0.0, 2.0, 0.0]])
labels_all = rng.randint(0, 3, size=600)
features_all = (centers[labels_all] + rng.normal(scale=1.0, size=(600, 4))).astype(np.float32)
x_train, y_train = features_all[:480], labels_all[:480]
x_val, y_val = features_all[480:], labels_all[480:]
mean, std = x_train.mean(axis=0), x_train.std(axis=0)

learning_rate = 0.5
batch_size = 32
training_epochs = 8

tf.set_random_seed(1)
features_placeholder = tf.placeholder(tf.float32, [None, 4])
labels_placeholder = tf.placeholder(tf.int64, [None])


def normalize(features, label):
    return (features - mean) / std, label


train_dataset = tf.data.Dataset.from_tensor_slices((features_placeholder, labels_placeholder))
train_dataset = train_dataset.shuffle(buffer_size=1000, seed=42).map(normalize)
train_dataset = train_dataset.batch(batch_size).prefetch(1)
val_dataset = tf.data.Dataset.from_tensor_slices((features_placeholder, labels_placeholder))
val_dataset = val_dataset.map(normalize).batch(64)

iterator = tf.data.Iterator.from_structure(train_dataset.output_types,
                                           train_dataset.output_shapes)
x, y = iterator.get_next()
training_init_op = iterator.make_initializer(train_dataset)
validation_init_op = iterator.make_initializer(val_dataset)

W = tf.Variable(tf.zeros([4, 3]), name="weights")
b = tf.Variable(tf.zeros([3]), name="bias")
logits = tf.matmul(x, W) + b
loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
train_op = tf.train.GradientDescentOptimizer(learning_rate).minimize(loss)
correct = tf.reduce_sum(tf.cast(tf.equal(tf.argmax(logits, 1), y), tf.float32))

with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for epoch in range(training_epochs):
        sess.run(training_init_op, feed_dict={features_placeholder: x_train,
                                              labels_placeholder: y_train})
        total_loss, steps = 0.0, 0
        while True:
            try:
                _, batch_loss = sess.run([train_op, loss])
                total_loss += batch_loss
                steps += 1
            except tf.errors.OutOfRangeError:
                break
        sess.run(validation_init_op, feed_dict={features_placeholder: x_val,
                                                labels_placeholder: y_val})
        n_correct = 0.0
        while True:
            try:
                n_correct += sess.run(correct)
            except tf.errors.OutOfRangeError:
                break
        print("Epoch: %02d steps= %d loss= %.6f val_acc= %.4f"  # noqa: UP031 - as TF1 wrote it
              % (epoch + 1, steps, total_loss / steps, n_correct / len(y_val)))
    W_value, b_value = sess.run([W, b])

print("Optimization Finished!")
