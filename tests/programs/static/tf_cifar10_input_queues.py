"""The TF 1.x CIFAR-10 tutorial's input pipeline (tensorflow/models tutorials/image/cifar10/
cifar10_input.py): binary records read with ``tf.FixedLengthRecordReader`` from a
``string_input_producer``, ``tf.decode_raw``/``tf.strided_slice``/transpose to an image, the
training distortions (random_crop, random_flip_left_right, random_brightness, random_contrast,
per_image_standardization) into ``tf.train.shuffle_batch`` with 16 "threads", and the eval
inputs (resize_image_with_crop_or_pad, in order, ``tf.train.batch``).  Small generated binary
files in CIFAR-10's format (8x8 images instead of 32x32)."""
import os
import tempfile

import numpy as np
import dlcore_static as tf

IMAGE_SIZE = 6
NUM_CLASSES = 10
NUM_EXAMPLES_PER_EPOCH_FOR_TRAIN = 40
data_dir = tempfile.mkdtemp()
rs = np.random.RandomState(0)
raw_records = []
for i in range(1, 3):
    with open(os.path.join(data_dir, "data_batch_%d.bin" % i), "wb") as f:
        for _ in range(20):
            rec = np.concatenate([[rs.randint(NUM_CLASSES)], rs.randint(0, 256, 8 * 8 * 3)])
            raw_records.append(rec.astype(np.uint8))
            f.write(rec.astype(np.uint8).tobytes())


def read_cifar10(filename_queue):
    class CIFAR10Record(object):
        pass
    result = CIFAR10Record()

    label_bytes = 1
    result.height = 8
    result.width = 8
    result.depth = 3
    image_bytes = result.height * result.width * result.depth
    record_bytes = label_bytes + image_bytes

    reader = tf.FixedLengthRecordReader(record_bytes=record_bytes)
    result.key, value = reader.read(filename_queue)
    record_bytes = tf.decode_raw(value, tf.uint8)
    result.label = tf.cast(tf.strided_slice(record_bytes, [0], [label_bytes]), tf.int32)
    depth_major = tf.reshape(
        tf.strided_slice(record_bytes, [label_bytes], [label_bytes + image_bytes]),
        [result.depth, result.height, result.width])
    result.uint8image = tf.transpose(depth_major, [1, 2, 0])
    return result


def _generate_image_and_label_batch(image, label, min_queue_examples, batch_size, shuffle):
    num_preprocess_threads = 16
    if shuffle:
        images, label_batch = tf.train.shuffle_batch(
            [image, label], batch_size=batch_size, num_threads=num_preprocess_threads,
            capacity=min_queue_examples + 3 * batch_size, min_after_dequeue=min_queue_examples)
    else:
        images, label_batch = tf.train.batch(
            [image, label], batch_size=batch_size, num_threads=num_preprocess_threads,
            capacity=min_queue_examples + 3 * batch_size)
    tf.summary.image('images', images)
    return images, tf.reshape(label_batch, [batch_size])


def distorted_inputs(data_dir, batch_size):
    filenames = [os.path.join(data_dir, 'data_batch_%d.bin' % i) for i in range(1, 3)]
    for f in filenames:
        if not tf.gfile.Exists(f):
            raise ValueError('Failed to find file: ' + f)
    filename_queue = tf.train.string_input_producer(filenames)
    with tf.name_scope('data_augmentation'):
        read_input = read_cifar10(filename_queue)
        reshaped_image = tf.cast(read_input.uint8image, tf.float32)
        height = IMAGE_SIZE
        width = IMAGE_SIZE
        distorted_image = tf.random_crop(reshaped_image, [height, width, 3])
        distorted_image = tf.image.random_flip_left_right(distorted_image)
        distorted_image = tf.image.random_brightness(distorted_image, max_delta=63)
        distorted_image = tf.image.random_contrast(distorted_image, lower=0.2, upper=1.8)
        float_image = tf.image.per_image_standardization(distorted_image)
        float_image.set_shape([height, width, 3])
        read_input.label.set_shape([1])
        min_fraction_of_examples_in_queue = 0.4
        min_queue_examples = int(NUM_EXAMPLES_PER_EPOCH_FOR_TRAIN *
                                 min_fraction_of_examples_in_queue)
    return _generate_image_and_label_batch(float_image, read_input.label, min_queue_examples,
                                           batch_size, shuffle=True)


def inputs(eval_data, data_dir, batch_size):
    filenames = [os.path.join(data_dir, 'data_batch_%d.bin' % i) for i in range(1, 3)]
    num_examples_per_epoch = NUM_EXAMPLES_PER_EPOCH_FOR_TRAIN
    with tf.name_scope('input'):
        filename_queue = tf.train.string_input_producer(filenames, shuffle=False)
        read_input = read_cifar10(filename_queue)
        reshaped_image = tf.cast(read_input.uint8image, tf.float32)
        height = IMAGE_SIZE
        width = IMAGE_SIZE
        resized_image = tf.image.resize_image_with_crop_or_pad(reshaped_image, height, width)
        float_image = tf.image.per_image_standardization(resized_image)
        float_image.set_shape([height, width, 3])
        read_input.label.set_shape([1])
        min_fraction_of_examples_in_queue = 0.4
        min_queue_examples = int(num_examples_per_epoch * min_fraction_of_examples_in_queue)
    return _generate_image_and_label_batch(float_image, read_input.label, min_queue_examples,
                                           batch_size, shuffle=False)


images, labels = distorted_inputs(data_dir, batch_size=8)
eval_images, eval_labels = inputs(True, data_dir, batch_size=8)
print("train batch:", images.get_shape().as_list(), labels.get_shape().as_list())
print("eval batch:", eval_images.get_shape().as_list(), eval_labels.get_shape().as_list())

logits = tf.layers.dense(tf.reshape(images, [8, -1]), NUM_CLASSES)
loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels,
                                                                     logits=logits))
train_op = tf.train.GradientDescentOptimizer(0.01).minimize(loss)

sess = tf.Session()
sess.run(tf.global_variables_initializer())
coord = tf.train.Coordinator()
threads = tf.train.start_queue_runners(sess=sess, coord=coord)
train_images, train_labels = [], []
for step in range(10):
    im, lb, l, _ = sess.run([images, labels, loss, train_op])
    train_images.append(im)
    train_labels.append(lb)
    if step % 5 == 0:
        print("step %d, loss = %.2f" % (step, l))
ev = [sess.run([eval_images, eval_labels]) for _ in range(6)]
coord.request_stop()
coord.join(threads)
