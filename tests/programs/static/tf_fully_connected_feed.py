"""TensorFlow 1.x's official tutorial "TensorFlow Mechanics 101" (tensorflow/examples/tutorials/
mnist/mnist.py + fully_connected_feed.py) at a tiny scale: the inference/loss/training/evaluation
functions of mnist.py (two hidden layers under name scopes, truncated-normal weights,
sparse_softmax_cross_entropy_with_logits, a global_step counted by minimize, summaries of the
loss, tf.nn.in_top_k), placeholder_inputs/fill_feed_dict/do_eval of fully_connected_feed.py
and a Saver checkpoint.  MNIST is replaced by 20-pixel synthetic images of 4 classes (each
class a noisy template), so the run is seconds long."""
# ruff: noqa: UP004, UP031  (written in the source's own style)
import math
import os
import tempfile
import time

import numpy as np

import dlcore_static as tf

NUM_CLASSES = 4
IMAGE_SIZE = 5
IMAGE_PIXELS = IMAGE_SIZE * IMAGE_SIZE


# ----------------------------------------------------------------------------- mnist.py
def inference(images, hidden1_units, hidden2_units):
    """Build the MNIST model up to where it may be used for inference."""
    # Hidden 1
    with tf.name_scope('hidden1'):
        weights = tf.Variable(
            tf.truncated_normal([IMAGE_PIXELS, hidden1_units],
                                stddev=1.0 / math.sqrt(float(IMAGE_PIXELS))),
            name='weights')
        biases = tf.Variable(tf.zeros([hidden1_units]),
                             name='biases')
        hidden1 = tf.nn.relu(tf.matmul(images, weights) + biases)
    # Hidden 2
    with tf.name_scope('hidden2'):
        weights = tf.Variable(
            tf.truncated_normal([hidden1_units, hidden2_units],
                                stddev=1.0 / math.sqrt(float(hidden1_units))),
            name='weights')
        biases = tf.Variable(tf.zeros([hidden2_units]),
                             name='biases')
        hidden2 = tf.nn.relu(tf.matmul(hidden1, weights) + biases)
    # Linear
    with tf.name_scope('softmax_linear'):
        weights = tf.Variable(
            tf.truncated_normal([hidden2_units, NUM_CLASSES],
                                stddev=1.0 / math.sqrt(float(hidden2_units))),
            name='weights')
        biases = tf.Variable(tf.zeros([NUM_CLASSES]),
                             name='biases')
        logits = tf.matmul(hidden2, weights) + biases
    return logits


def loss(logits, labels):
    """Calculates the loss from the logits and the labels."""
    labels = tf.to_int64(labels)
    return tf.losses.sparse_softmax_cross_entropy(labels=labels, logits=logits)


def training(loss, learning_rate):
    """Sets up the training Ops."""
    # Add a scalar summary for the snapshot loss.
    tf.summary.scalar('loss', loss)
    # Create the gradient descent optimizer with the given learning rate.
    optimizer = tf.train.GradientDescentOptimizer(learning_rate)
    # Create a variable to track the global step.
    global_step = tf.Variable(0, name='global_step', trainable=False)
    # Use the optimizer to apply the gradients that minimize the loss
    # (and also increment the global step counter) as a single training step.
    train_op = optimizer.minimize(loss, global_step=global_step)
    return train_op


def evaluation(logits, labels):
    """Evaluate the quality of the logits at predicting the label."""
    correct = tf.nn.in_top_k(logits, labels, 1)
    # Return the number of true entries.
    return tf.reduce_sum(tf.cast(correct, tf.int32))


# ----------------------------------------------------------------------------- data
class DataSet(object):
    def __init__(self, images, labels):
        self.images, self.labels = images, labels
        self.num_examples = len(images)
        self._index = 0

    def next_batch(self, batch_size):
        if self._index + batch_size > self.num_examples:
            perm = np.random.permutation(self.num_examples)
            self.images, self.labels = self.images[perm], self.labels[perm]
            self._index = 0
        start, self._index = self._index, self._index + batch_size
        return self.images[start:self._index], self.labels[start:self._index]


def read_data_sets(seed=0):
    rng = np.random.RandomState(seed)
    templates = rng.rand(NUM_CLASSES, IMAGE_PIXELS).astype(np.float32)

    def make(n):
        labels = rng.randint(0, NUM_CLASSES, n).astype(np.int32)
        images = templates[labels] + 0.35 * rng.randn(n, IMAGE_PIXELS).astype(np.float32)
        return DataSet(np.clip(images, 0, 1), labels)

    class DataSets(object):
        pass
    data_sets = DataSets()
    data_sets.train, data_sets.validation, data_sets.test = make(600), make(100), make(200)
    return data_sets


# ----------------------------------------------------------------------------- fully_connected_feed.py
class FLAGS:
    learning_rate = 0.1
    max_steps = 400
    hidden1 = 16
    hidden2 = 8
    batch_size = 50
    log_dir = tempfile.mkdtemp(prefix='fully_connected_feed_')


def placeholder_inputs(batch_size):
    images_placeholder = tf.placeholder(tf.float32, shape=(batch_size, IMAGE_PIXELS))
    labels_placeholder = tf.placeholder(tf.int32, shape=(batch_size))
    return images_placeholder, labels_placeholder


def fill_feed_dict(data_set, images_pl, labels_pl):
    images_feed, labels_feed = data_set.next_batch(FLAGS.batch_size)
    feed_dict = {
        images_pl: images_feed,
        labels_pl: labels_feed,
    }
    return feed_dict


eval_results = {}


def do_eval(sess, eval_correct, images_placeholder, labels_placeholder, data_set, name):
    """Runs one evaluation against the full epoch of data."""
    # And run one epoch of eval.
    true_count = 0  # Counts the number of correct predictions.
    steps_per_epoch = data_set.num_examples // FLAGS.batch_size
    num_examples = steps_per_epoch * FLAGS.batch_size
    for step in range(steps_per_epoch):
        feed_dict = fill_feed_dict(data_set, images_placeholder, labels_placeholder)
        true_count += sess.run(eval_correct, feed_dict=feed_dict)
    precision = float(true_count) / num_examples
    eval_results[name] = precision
    print('Num examples: %d  Num correct: %d  Precision @ 1: %0.04f' %
          (num_examples, true_count, precision))


losses = []


def run_training():
    """Train MNIST for a number of steps."""
    data_sets = read_data_sets()
    with tf.Graph().as_default():
        tf.set_random_seed(1)
        images_placeholder, labels_placeholder = placeholder_inputs(FLAGS.batch_size)
        logits = inference(images_placeholder, FLAGS.hidden1, FLAGS.hidden2)
        loss_op = loss(logits, labels_placeholder)
        train_op = training(loss_op, FLAGS.learning_rate)
        eval_correct = evaluation(logits, labels_placeholder)
        summary = tf.summary.merge_all()
        init = tf.global_variables_initializer()
        saver = tf.train.Saver()
        sess = tf.Session()
        summary_writer = tf.summary.FileWriter(FLAGS.log_dir, sess.graph)
        sess.run(init)
        for step in range(FLAGS.max_steps):
            start_time = time.time()
            feed_dict = fill_feed_dict(data_sets.train, images_placeholder, labels_placeholder)
            _, loss_value = sess.run([train_op, loss_op], feed_dict=feed_dict)
            losses.append(loss_value)
            duration = time.time() - start_time
            if step % 100 == 0:
                print('Step %d: loss = %.2f (%.3f sec)' % (step, loss_value, duration))
                summary_str = sess.run(summary, feed_dict=feed_dict)
                summary_writer.add_summary(summary_str, step)
                summary_writer.flush()
            if (step + 1) % 200 == 0 or (step + 1) == FLAGS.max_steps:
                checkpoint_file = os.path.join(FLAGS.log_dir, 'model.ckpt')
                saver.save(sess, checkpoint_file, global_step=step)
                print('Training Data Eval:')
                do_eval(sess, eval_correct, images_placeholder, labels_placeholder,
                        data_sets.train, 'train')
                print('Validation Data Eval:')
                do_eval(sess, eval_correct, images_placeholder, labels_placeholder,
                        data_sets.validation, 'validation')
                print('Test Data Eval:')
                do_eval(sess, eval_correct, images_placeholder, labels_placeholder,
                        data_sets.test, 'test')
        global_step_value = sess.run(tf.train.get_global_step()
                                     if tf.train.get_global_step() is not None else
                                     tf.get_default_graph().get_tensor_by_name('global_step:0'))
        # restore the last checkpoint into a fresh session: the same test precision
        latest = tf.train.latest_checkpoint(FLAGS.log_dir)
        sess2 = tf.Session()
        saver.restore(sess2, latest)
        test_x, test_y = data_sets.test.images[:FLAGS.batch_size], \
            data_sets.test.labels[:FLAGS.batch_size]
        restored_same = np.array_equal(
            sess.run(logits, {images_placeholder: test_x}),
            sess2.run(logits, {images_placeholder: test_x}))
        test_logits = sess2.run(logits, {images_placeholder: test_x})
        weights = {v.op.name: sess.run(v) for v in tf.trainable_variables()}
        sess.close()
        sess2.close()
        summary_writer.close()
    return global_step_value, latest, restored_same, (test_x, test_y, test_logits), weights


def main(_=None):
    return run_training()


if __name__ == '__main__':
    global_step_value, latest, restored_same, test_batch, weights = main()
    print('global_step:', global_step_value, 'checkpoint:', os.path.basename(latest))
    event_files = [f for f in os.listdir(FLAGS.log_dir) if f.startswith('events.out')]
