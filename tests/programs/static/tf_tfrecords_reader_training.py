"""TF 1.x's official MNIST TFRecords examples, queue version: ``convert_to_records.py``
(``tf.train.Example`` protos written with ``tf.python_io.TFRecordWriter``) and
``fully_connected_reader.py`` (``string_input_producer(num_epochs)`` -> ``tf.TFRecordReader``
-> ``tf.parse_single_example`` -> ``decode_raw`` -> ``shuffle_batch``, the mnist.py
inference/loss/training functions, ``tf.group`` of both initializers, the Coordinator loop
until ``OutOfRangeError``).  Generated 4x4 "images" instead of MNIST."""
import math
import os
import tempfile
import time

import numpy as np
import dlcore_static as tf

NUM_CLASSES = 3
IMAGE_SIZE = 4
IMAGE_PIXELS = IMAGE_SIZE * IMAGE_SIZE
directory = tempfile.mkdtemp()
TRAIN_FILE = 'train.tfrecords'
batch_size, num_epochs, hidden1, hidden2, learning_rate = 10, 10, 8, 8, 0.5

rs = np.random.RandomState(2)
labels_np = rs.randint(0, NUM_CLASSES, 60)
images_np = (rs.randint(0, 60, (60, IMAGE_SIZE, IMAGE_SIZE, 1)) +
             labels_np[:, None, None, None] * 60).astype(np.uint8)


def _int64_feature(value):
    return tf.train.Feature(int64_list=tf.train.Int64List(value=[value]))


def _bytes_feature(value):
    return tf.train.Feature(bytes_list=tf.train.BytesList(value=[value]))


def convert_to(images, labels, name):
    num_examples = images.shape[0]
    rows, cols, depth = images.shape[1], images.shape[2], images.shape[3]
    filename = os.path.join(directory, name + '.tfrecords')
    print('Writing', os.path.basename(filename))
    with tf.python_io.TFRecordWriter(filename) as writer:
        for index in range(num_examples):
            image_raw = images[index].tobytes()     # (tostring() before NumPy 2)
            example = tf.train.Example(features=tf.train.Features(feature={
                'height': _int64_feature(rows), 'width': _int64_feature(cols),
                'depth': _int64_feature(depth), 'label': _int64_feature(int(labels[index])),
                'image_raw': _bytes_feature(image_raw)}))
            writer.write(example.SerializeToString())


def inference(images, hidden1_units, hidden2_units):
    with tf.name_scope('hidden1'):
        weights = tf.Variable(tf.truncated_normal([IMAGE_PIXELS, hidden1_units],
                                                  stddev=1.0 / math.sqrt(float(IMAGE_PIXELS))),
                              name='weights')
        biases = tf.Variable(tf.zeros([hidden1_units]), name='biases')
        hidden1 = tf.nn.relu(tf.matmul(images, weights) + biases)
    with tf.name_scope('hidden2'):
        weights = tf.Variable(tf.truncated_normal([hidden1_units, hidden2_units],
                                                  stddev=1.0 / math.sqrt(float(hidden1_units))),
                              name='weights')
        biases = tf.Variable(tf.zeros([hidden2_units]), name='biases')
        hidden2 = tf.nn.relu(tf.matmul(hidden1, weights) + biases)
    with tf.name_scope('softmax_linear'):
        weights = tf.Variable(tf.truncated_normal([hidden2_units, NUM_CLASSES],
                                                  stddev=1.0 / math.sqrt(float(hidden2_units))),
                              name='weights')
        biases = tf.Variable(tf.zeros([NUM_CLASSES]), name='biases')
        logits = tf.matmul(hidden2, weights) + biases
    return logits


def loss_fn(logits, labels):
    labels = tf.to_int64(labels)
    return tf.losses.sparse_softmax_cross_entropy(labels=labels, logits=logits)


def training(loss, learning_rate):
    tf.summary.scalar('loss', loss)
    optimizer = tf.train.GradientDescentOptimizer(learning_rate)
    global_step = tf.Variable(0, name='global_step', trainable=False)
    train_op = optimizer.minimize(loss, global_step=global_step)
    return train_op


def read_and_decode(filename_queue):
    reader = tf.TFRecordReader()
    _, serialized_example = reader.read(filename_queue)
    features = tf.parse_single_example(
        serialized_example,
        features={
            'image_raw': tf.FixedLenFeature([], tf.string),
            'label': tf.FixedLenFeature([], tf.int64),
        })
    image = tf.decode_raw(features['image_raw'], tf.uint8)
    image.set_shape([IMAGE_PIXELS])
    image = tf.cast(image, tf.float32) * (1. / 255) - 0.5
    label = tf.cast(features['label'], tf.int32)
    return image, label


def inputs(train, batch_size, num_epochs):
    if not num_epochs:
        num_epochs = None
    filename = os.path.join(directory, TRAIN_FILE)
    with tf.name_scope('input'):
        filename_queue = tf.train.string_input_producer([filename], num_epochs=num_epochs)
        image, label = read_and_decode(filename_queue)
        images, sparse_labels = tf.train.shuffle_batch(
            [image, label], batch_size=batch_size, num_threads=2,
            capacity=100 + 3 * batch_size, min_after_dequeue=100)
        return images, sparse_labels


convert_to(images_np, labels_np, 'train')
n_records = sum(1 for _ in tf.python_io.tf_record_iterator(os.path.join(directory, TRAIN_FILE)))
print("records written:", n_records)

losses = []
with tf.Graph().as_default():
    # (not in TF's example: its unseeded initial weights and shuffle left one run in ~300
    # barely learning, a 0.55 loss ratio, against the test's bound of 0.5)
    tf.set_random_seed(0)
    images, labels = inputs(train=True, batch_size=batch_size, num_epochs=num_epochs)
    logits = inference(images, hidden1, hidden2)
    loss = loss_fn(logits, labels)
    train_op = training(loss, learning_rate)
    init_op = tf.group(tf.global_variables_initializer(), tf.local_variables_initializer())
    sess = tf.Session()
    sess.run(init_op)
    coord = tf.train.Coordinator()
    threads = tf.train.start_queue_runners(sess=sess, coord=coord)
    try:
        step = 0
        while not coord.should_stop():
            start_time = time.time()
            _, loss_value = sess.run([train_op, loss])
            losses.append(loss_value)
            duration = time.time() - start_time
            if step % 20 == 0:
                print('Step %d: loss = %.2f (%.3f sec)' % (step, loss_value, duration))
            step += 1
    except tf.errors.OutOfRangeError:
        print('Done training for %d epochs, %d steps.' % (num_epochs, step))
    finally:
        coord.request_stop()
    coord.join(threads)
    final_step = sess.run(tf.get_default_graph().get_tensor_by_name("global_step:0"))
    sess.close()
