"""The TensorFlow 1 CIFAR-10 tutorial's model and training step (models/tutorials/image/cifar10/
cifar10.py, cifar10_train.py, cifar10_eval.py), on tiny synthetic 8x8x3 images fed through
placeholders instead of the input queue and without summaries (local3/local4 start at
stddev 0.2, not 0.04, to learn in 24 steps): _variable_on_cpu and
_variable_with_weight_decay (tf.get_variable with truncated_normal_initializer,
tf.nn.l2_loss * wd added to the 'losses' collection), conv1/pool1/norm1 (tf.nn.lrn)/conv2/
norm2/pool2/local3/local4/softmax_linear under tf.variable_scope, loss() as the mean sparse
softmax cross entropy plus tf.add_n(tf.get_collection('losses')), _add_loss_summaries'
ExponentialMovingAverage of the losses (applied, summaries left out), train()'s
exponential_decay(staircase=True) learning rate, compute_gradients/apply_gradients under
tf.control_dependencies, the ExponentialMovingAverage of the trainable variables with
num_updates=global_step, and the evaluation restoring the averaged variables through
tf.train.Saver(variable_averages.variables_to_restore()), counting tf.nn.in_top_k."""
# ruff: noqa: UP031  (written in the tutorial's own style)
import os
import re
import tempfile

import numpy as np
import dlcore_static as tf

IMAGE_SIZE = 8
NUM_CLASSES = 3
BATCH_SIZE = 16
MOVING_AVERAGE_DECAY = 0.9999
NUM_EPOCHS_PER_DECAY = 2.0
LEARNING_RATE_DECAY_FACTOR = 0.5
INITIAL_LEARNING_RATE = 0.4
NUM_EXAMPLES_PER_EPOCH_FOR_TRAIN = 64
TOWER_NAME = 'tower'


def _variable_on_cpu(name, shape, initializer):
    with tf.device('/cpu:0'):
        var = tf.get_variable(name, shape, initializer=initializer, dtype=tf.float32)
    return var


def _variable_with_weight_decay(name, shape, stddev, wd):
    var = _variable_on_cpu(
        name,
        shape,
        tf.truncated_normal_initializer(stddev=stddev, dtype=tf.float32))
    if wd is not None:
        weight_decay = tf.multiply(tf.nn.l2_loss(var), wd, name='weight_loss')
        tf.add_to_collection('losses', weight_decay)
    return var


def inference(images):
    with tf.variable_scope('conv1') as scope:
        kernel = _variable_with_weight_decay('weights', shape=[3, 3, 3, 8], stddev=5e-2, wd=None)
        conv = tf.nn.conv2d(images, kernel, [1, 1, 1, 1], padding='SAME')
        biases = _variable_on_cpu('biases', [8], tf.constant_initializer(0.0))
        pre_activation = tf.nn.bias_add(conv, biases)
        conv1 = tf.nn.relu(pre_activation, name=scope.name)

    pool1 = tf.nn.max_pool(conv1, ksize=[1, 3, 3, 1], strides=[1, 2, 2, 1],
                           padding='SAME', name='pool1')
    norm1 = tf.nn.lrn(pool1, 4, bias=1.0, alpha=0.001 / 9.0, beta=0.75, name='norm1')

    with tf.variable_scope('conv2') as scope:
        kernel = _variable_with_weight_decay('weights', shape=[3, 3, 8, 8], stddev=5e-2, wd=None)
        conv = tf.nn.conv2d(norm1, kernel, [1, 1, 1, 1], padding='SAME')
        biases = _variable_on_cpu('biases', [8], tf.constant_initializer(0.1))
        pre_activation = tf.nn.bias_add(conv, biases)
        conv2 = tf.nn.relu(pre_activation, name=scope.name)

    norm2 = tf.nn.lrn(conv2, 4, bias=1.0, alpha=0.001 / 9.0, beta=0.75, name='norm2')
    pool2 = tf.nn.max_pool(norm2, ksize=[1, 3, 3, 1], strides=[1, 2, 2, 1], padding='SAME',
                           name='pool2')

    with tf.variable_scope('local3') as scope:
        reshape = tf.reshape(pool2, [images.get_shape().as_list()[0], -1])
        dim = reshape.get_shape()[1].value
        weights = _variable_with_weight_decay('weights', shape=[dim, 32], stddev=0.2, wd=0.004)
        biases = _variable_on_cpu('biases', [32], tf.constant_initializer(0.1))
        local3 = tf.nn.relu(tf.matmul(reshape, weights) + biases, name=scope.name)

    with tf.variable_scope('local4') as scope:
        weights = _variable_with_weight_decay('weights', shape=[32, 16], stddev=0.2, wd=0.004)
        biases = _variable_on_cpu('biases', [16], tf.constant_initializer(0.1))
        local4 = tf.nn.relu(tf.matmul(local3, weights) + biases, name=scope.name)

    with tf.variable_scope('softmax_linear') as scope:
        weights = _variable_with_weight_decay('weights', [16, NUM_CLASSES], stddev=1 / 16.0, wd=None)
        biases = _variable_on_cpu('biases', [NUM_CLASSES], tf.constant_initializer(0.0))
        softmax_linear = tf.add(tf.matmul(local4, weights), biases, name=scope.name)

    return softmax_linear


def loss(logits, labels):
    labels = tf.cast(labels, tf.int64)
    cross_entropy = tf.nn.sparse_softmax_cross_entropy_with_logits(
        labels=labels, logits=logits, name='cross_entropy_per_example')
    cross_entropy_mean = tf.reduce_mean(cross_entropy, name='cross_entropy')
    tf.add_to_collection('losses', cross_entropy_mean)
    return tf.add_n(tf.get_collection('losses'), name='total_loss')


def _add_loss_summaries(total_loss):
    loss_averages = tf.train.ExponentialMovingAverage(0.9, name='avg')
    losses = tf.get_collection('losses')
    loss_averages_op = loss_averages.apply(losses + [total_loss])
    for l in losses + [total_loss]:
        re.sub('%s_[0-9]*/' % TOWER_NAME, '', l.op.name)   # (the summaries' names)
    return loss_averages_op, loss_averages


def train(total_loss, global_step):
    num_batches_per_epoch = NUM_EXAMPLES_PER_EPOCH_FOR_TRAIN / BATCH_SIZE
    decay_steps = int(num_batches_per_epoch * NUM_EPOCHS_PER_DECAY)

    lr = tf.train.exponential_decay(INITIAL_LEARNING_RATE,
                                    global_step,
                                    decay_steps,
                                    LEARNING_RATE_DECAY_FACTOR,
                                    staircase=True)
    loss_averages_op, loss_averages = _add_loss_summaries(total_loss)

    with tf.control_dependencies([loss_averages_op]):
        opt = tf.train.GradientDescentOptimizer(lr)
        grads = opt.compute_gradients(total_loss)

    apply_gradient_op = opt.apply_gradients(grads, global_step=global_step)

    variable_averages = tf.train.ExponentialMovingAverage(
        MOVING_AVERAGE_DECAY, global_step)
    with tf.control_dependencies([apply_gradient_op]):
        variables_averages_op = variable_averages.apply(tf.trainable_variables())

    return variables_averages_op, lr, loss_averages, variable_averages


# synthetic data: class k brightens colour channel k
rng = np.random.RandomState(0)
train_labels = rng.randint(0, NUM_CLASSES, size=NUM_EXAMPLES_PER_EPOCH_FOR_TRAIN).astype(np.int32)
train_images = rng.normal(0, 0.5, (NUM_EXAMPLES_PER_EPOCH_FOR_TRAIN, IMAGE_SIZE, IMAGE_SIZE, 3)).astype(np.float32)
train_images[np.arange(NUM_EXAMPLES_PER_EPOCH_FOR_TRAIN), :, :, train_labels] += 1.0
test_labels = rng.randint(0, NUM_CLASSES, size=BATCH_SIZE).astype(np.int32)
test_images = rng.normal(0, 0.5, (BATCH_SIZE, IMAGE_SIZE, IMAGE_SIZE, 3)).astype(np.float32)
test_images[np.arange(BATCH_SIZE), :, :, test_labels] += 1.0

tf.set_random_seed(1)
global_step = tf.train.get_or_create_global_step()
images = tf.placeholder(tf.float32, [BATCH_SIZE, IMAGE_SIZE, IMAGE_SIZE, 3])
labels = tf.placeholder(tf.int32, [BATCH_SIZE])
logits = inference(images)
total_loss = loss(logits, labels)
train_op, lr, loss_averages, variable_averages = train(total_loss, global_step)
top_k_op = tf.nn.in_top_k(logits, labels, 1)

print('losses collection:', [l.op.name for l in tf.get_collection('losses')])
print('trainable:', len(tf.trainable_variables()), 'averages:',
      variable_averages.average_name(tf.trainable_variables()[0]))
print('local3 input dim:', tf.get_default_graph().get_tensor_by_name('local3/weights:0').get_shape().as_list())

history = []
ckpt_dir = tempfile.mkdtemp()
saver = tf.train.Saver(tf.global_variables())
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for step in range(24):
        i = (step * BATCH_SIZE) % NUM_EXAMPLES_PER_EPOCH_FOR_TRAIN
        feed = {images: train_images[i:i + BATCH_SIZE], labels: train_labels[i:i + BATCH_SIZE]}
        _, loss_value, lr_value = sess.run([train_op, total_loss, lr], feed_dict=feed)
        history.append((loss_value, lr_value))
        if step % 6 == 0:
            avg = sess.run(loss_averages.average(total_loss))
            print('step %d, loss = %.4f, avg = %.4f, lr = %.4f' % (step, loss_value, avg, lr_value))
    final_step = sess.run(global_step)
    w = sess.run(tf.trainable_variables()[0])
    w_avg = sess.run(variable_averages.average(tf.trainable_variables()[0]))
    path = saver.save(sess, os.path.join(ckpt_dir, 'model.ckpt'), global_step=global_step)
    raw_precision = np.sum(sess.run(top_k_op, feed_dict={images: test_images, labels: test_labels})) / BATCH_SIZE
print('global step', final_step, 'checkpoint', os.path.basename(path))

# cifar10_eval.py: restore the moving averages into the model's variables
variables_to_restore = variable_averages.variables_to_restore()
print('restore names:', sorted(variables_to_restore)[:2])
saver_eval = tf.train.Saver(variables_to_restore)
with tf.Session() as sess:
    ckpt = tf.train.get_checkpoint_state(ckpt_dir)
    saver_eval.restore(sess, ckpt.model_checkpoint_path)
    restored_step = ckpt.model_checkpoint_path.split('/')[-1].split('-')[-1]
    w_restored = sess.run(tf.trainable_variables()[0])
    predictions = sess.run(top_k_op, feed_dict={images: test_images, labels: test_labels})
    precision = np.sum(predictions) / BATCH_SIZE
print('restored step %s: precision @ 1 = %.3f (raw weights %.3f)' % (restored_step, precision, raw_precision))
