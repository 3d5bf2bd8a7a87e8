"""Build an image dataset from a folder and train a CNN on it, as Aymeric Damien's
TensorFlow-Examples "build_an_image_dataset.py" writes it (one sub-folder per class, a list of
file paths and labels, tf.train.slice_input_producer, tf.read_file, a decoder,
tf.image.resize_images, tf.train.batch and queue runners; tf.layers conv net with shared
variables for the train and test logits).  The images here are BMP and GIF files, decoded with
tf.image.decode_image(channels=3, expand_animations=False) (TF 1.15's decode_image has no static
rank otherwise, and resize_images needs one; tf.train.batch needs the channels set).  Usage: python this.py DATASET_DIR"""
import os
import sys

import dlcore_static as tf

DATASET_PATH = sys.argv[1]
N_CLASSES = 2
IMG_HEIGHT = 8
IMG_WIDTH = 8
CHANNELS = 3

learning_rate = 0.01
num_steps = 30
batch_size = 8
display_step = 10
dropout = 0.25


def read_images(dataset_path, batch_size):
    imagepaths, labels = list(), list()
    label = 0
    classes = sorted(os.walk(dataset_path).__next__()[1])
    for c in classes:
        c_dir = os.path.join(dataset_path, c)
        walk = os.walk(c_dir).__next__()
        for sample in sorted(walk[2]):
            if sample.endswith('.bmp') or sample.endswith('.gif'):
                imagepaths.append(os.path.join(c_dir, sample))
                labels.append(label)
        label += 1

    imagepaths = tf.convert_to_tensor(imagepaths, dtype=tf.string)
    labels = tf.convert_to_tensor(labels, dtype=tf.int32)
    image, label = tf.train.slice_input_producer([imagepaths, labels], shuffle=True, seed=1)

    image = tf.read_file(image)
    image = tf.image.decode_image(image, channels=CHANNELS, expand_animations=False)
    image.set_shape([None, None, CHANNELS])    # (a BMP keeps its own channels: TF leaves it open)
    image = tf.image.resize_images(image, [IMG_HEIGHT, IMG_WIDTH])
    image = image * 1.0 / 127.5 - 1.0

    X, Y = tf.train.batch([image, label], batch_size=batch_size,
                          capacity=batch_size * 8, num_threads=4)
    return X, Y


def conv_net(x, n_classes, dropout, reuse, is_training):
    with tf.variable_scope('ConvNet', reuse=reuse):
        conv1 = tf.layers.conv2d(x, 8, 3, activation=tf.nn.relu)
        conv1 = tf.layers.max_pooling2d(conv1, 2, 2)
        fc1 = tf.contrib.layers.flatten(conv1)
        fc1 = tf.layers.dense(fc1, 16)
        fc1 = tf.layers.dropout(fc1, rate=dropout, training=is_training)
        out = tf.layers.dense(fc1, n_classes)
        out = tf.nn.softmax(out) if not is_training else out
    return out


tf.set_random_seed(0)
X, Y = read_images(DATASET_PATH, batch_size)

logits_train = conv_net(X, N_CLASSES, dropout, reuse=False, is_training=True)
logits_test = conv_net(X, N_CLASSES, dropout, reuse=True, is_training=False)

loss_op = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
    logits=logits_train, labels=Y))
optimizer = tf.train.AdamOptimizer(learning_rate=learning_rate)
train_op = optimizer.minimize(loss_op)

correct_pred = tf.equal(tf.argmax(logits_test, 1), tf.cast(Y, tf.int64))
accuracy = tf.reduce_mean(tf.cast(correct_pred, tf.float32))

init = tf.global_variables_initializer()
saver = tf.train.Saver()

losses, accs = [], []
with tf.Session() as sess:
    sess.run(init)
    coord = tf.train.Coordinator()
    threads = tf.train.start_queue_runners(sess=sess, coord=coord)
    for step in range(1, num_steps + 1):
        if step % display_step == 0 or step == 1:
            _, loss, acc = sess.run([train_op, loss_op, accuracy])
            losses.append(loss)
            accs.append(acc)
            print("Step " + str(step) + ", Minibatch Loss= " +
                  "{:.4f}".format(loss) + ", Training Accuracy= " +
                  "{:.3f}".format(acc))
        else:
            sess.run(train_op)
    print("Optimization Finished!")
    saver.save(sess, os.path.join(DATASET_PATH, 'my_tf_model'))
    coord.request_stop()
    coord.join(threads)
