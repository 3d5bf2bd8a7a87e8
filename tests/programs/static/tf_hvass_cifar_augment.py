"""Hvass-Labs TensorFlow-Tutorials, 06_CIFAR-10.ipynb (TF 1.x version): pre_process_image
(training: tf.random_crop, tf.image.random_flip_left_right, random_hue / random_contrast /
random_brightness / random_saturation, then tf.minimum / tf.maximum back into [0, 1]; testing:
tf.image.resize_image_with_crop_or_pad), pre_process over the batch with tf.map_fn, the network
built twice in one variable scope (training and test graph sharing weights through
``reuse=True``), a non-trainable global_step variable, AdamOptimizer, a Saver restoring the
latest checkpoint into a second session, and the batched test-set accuracy.  The CIFAR-10
images are replaced by 14x14 synthetic RGB images of 3 classes (a red, green or blue square at
a random position on a noisy background); the crop is 12x12."""
# ruff: noqa: BLE001, RUF059  (written in the source's own style)
import os
import tempfile

import numpy as np

import dlcore_static as tf

img_size = 14
num_channels = 3
num_classes = 3
img_size_cropped = 12


def make_images(n, rng):
    images = 0.3 * rng.rand(n, img_size, img_size, num_channels).astype(np.float32)
    cls = rng.randint(0, num_classes, n)
    for k in range(n):
        r, c = rng.randint(0, img_size - 6, 2)
        images[k, r:r + 6, c:c + 6, cls[k]] = 0.9
    return images, cls, np.eye(num_classes, dtype=np.float32)[cls]


rng = np.random.RandomState(3)
images_train, cls_train, labels_train = make_images(600, rng)
images_test, cls_test, labels_test = make_images(150, rng)

x = tf.placeholder(tf.float32, shape=[None, img_size, img_size, num_channels], name='x')
y_true = tf.placeholder(tf.float32, shape=[None, num_classes], name='y_true')
y_true_cls = tf.argmax(y_true, axis=1)


def pre_process_image(image, training):
    # This function takes a single image as input,
    # and a boolean whether to build the training or testing graph.
    if training:
        # For training, add the following to the TensorFlow graph.

        # Randomly crop the input image.
        image = tf.random_crop(image, size=[img_size_cropped, img_size_cropped, num_channels])

        # Randomly flip the image horizontally.
        image = tf.image.random_flip_left_right(image)

        # Randomly adjust hue, contrast and saturation.
        image = tf.image.random_hue(image, max_delta=0.05)
        image = tf.image.random_contrast(image, lower=0.3, upper=1.0)
        image = tf.image.random_brightness(image, max_delta=0.2)
        image = tf.image.random_saturation(image, lower=0.0, upper=2.0)

        # Some of these functions may overflow and result in pixel
        # values beyond the [0, 1] range. It is unclear from the
        # documentation of TensorFlow 0.10.0rc0 whether this is
        # intended. A simple solution is to limit the range.

        # Limit the image pixels between [0, 1] in case of overflow.
        image = tf.minimum(image, 1.0)
        image = tf.maximum(image, 0.0)
    else:
        # For training, add the following to the TensorFlow graph.

        # Crop the input image around the centre so it is the same
        # size as images that are randomly cropped during training.
        image = tf.image.resize_image_with_crop_or_pad(image,
                                                       target_height=img_size_cropped,
                                                       target_width=img_size_cropped)
    return image


def pre_process(images, training):
    # Use TensorFlow to loop over all the input images and call
    # the function above which takes a single image as input.
    images = tf.map_fn(lambda image: pre_process_image(image, training), images)
    return images


distorted_images = pre_process(images=x, training=True)


def main_network(images, training):
    # The tutorial builds this with PrettyTensor; the same layers with tf.layers here:
    # two 5x5 convolutions with 2x2 max-pooling, two fully-connected layers, softmax.
    net = tf.layers.conv2d(images, 16, 5, padding='same', activation=tf.nn.relu,
                           name='layer_conv1')
    net = tf.layers.max_pooling2d(net, 2, 2)
    net = tf.layers.conv2d(net, 16, 5, padding='same', activation=tf.nn.relu,
                           name='layer_conv2')
    net = tf.layers.max_pooling2d(net, 2, 2)
    net = tf.layers.flatten(net)
    net = tf.layers.dense(net, 64, activation=tf.nn.relu, name='layer_fc1')
    net = tf.layers.dense(net, 32, activation=tf.nn.relu, name='layer_fc2')
    logits = tf.layers.dense(net, num_classes, name='layer_fc_out')
    y_pred = tf.nn.softmax(logits)
    loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits_v2(labels=y_true,
                                                                     logits=logits))
    return y_pred, loss


def create_network(training):
    # Wrap the neural network in the scope named 'network'.
    # Create new variables during training, and re-use during testing.
    with tf.variable_scope('network', reuse=not training):
        # Just rename the input placeholder variable for convenience.
        images = x
        # Create TensorFlow graph for pre-processing.
        images = pre_process(images=images, training=training)
        # Create TensorFlow graph for the main processing.
        y_pred, loss = main_network(images=images, training=training)
    return y_pred, loss


global_step = tf.Variable(initial_value=0,
                          name='global_step', trainable=False)
_, loss = create_network(training=True)
optimizer = tf.train.AdamOptimizer(learning_rate=1e-3).minimize(loss, global_step=global_step)
y_pred, _ = create_network(training=False)
y_pred_cls = tf.argmax(y_pred, axis=1)
correct_prediction = tf.equal(y_pred_cls, y_true_cls)
accuracy = tf.reduce_mean(tf.cast(correct_prediction, tf.float32))

saver = tf.train.Saver()
session = tf.Session()
save_dir = tempfile.mkdtemp(prefix='checkpoints_')
save_path = os.path.join(save_dir, 'cifar10_cnn')
try:
    print("Trying to restore last checkpoint ...")
    last_chk_path = tf.train.latest_checkpoint(checkpoint_dir=save_dir)
    saver.restore(session, save_path=last_chk_path)
    print("Restored checkpoint from:", last_chk_path)
except Exception:
    print("Failed to restore checkpoint. Initializing variables instead.")
    session.run(tf.global_variables_initializer())

train_batch_size = 32


def random_batch():
    # Number of images in the training-set.
    num_images = len(images_train)
    # Create a random index.
    idx = np.random.choice(num_images, size=train_batch_size, replace=False)
    # Use the random index to select random images and labels.
    x_batch = images_train[idx, :, :, :]
    y_batch = labels_train[idx, :]
    return x_batch, y_batch


batch_accuracies = []


def optimize(num_iterations):
    for i in range(num_iterations):
        x_batch, y_true_batch = random_batch()
        feed_dict_train = {x: x_batch,
                           y_true: y_true_batch}
        i_global, _ = session.run([global_step, optimizer],
                                  feed_dict=feed_dict_train)
        if (i_global % 50 == 0) or (i == num_iterations - 1):
            batch_acc = session.run(accuracy,
                                    feed_dict=feed_dict_train)
            batch_accuracies.append(batch_acc)
            msg = "Global Step: {0:>6}, Training Batch Accuracy: {1:>6.1%}"
            print(msg.format(i_global, batch_acc))
        if (i_global % 100 == 0) or (i == num_iterations - 1):
            saver.save(session,
                       save_path=save_path,
                       global_step=global_step)
            print("Saved checkpoint.")


batch_size = 64


def predict_cls(images, labels, cls_true, sess=None):
    sess = sess or session
    num_images = len(images)
    cls_pred = np.zeros(shape=num_images, dtype=int)
    i = 0
    while i < num_images:
        j = min(i + batch_size, num_images)
        feed_dict = {x: images[i:j, :],
                     y_true: labels[i:j, :]}
        cls_pred[i:j] = sess.run(y_pred_cls, feed_dict=feed_dict)
        i = j
    correct = (cls_true == cls_pred)
    return correct, cls_pred


def print_test_accuracy(sess=None):
    correct, cls_pred = predict_cls(images=images_test, labels=labels_test,
                                    cls_true=cls_test, sess=sess)
    acc = correct.mean()
    num_correct = correct.sum()
    msg = "Accuracy on Test-Set: {0:.1%} ({1} / {2})"
    print(msg.format(acc, num_correct, len(correct)))
    return acc


# one distorted batch, to look at (the tutorial plots these)
distorted = session.run(distorted_images, feed_dict={x: images_test[:9]})
optimize(num_iterations=250)
test_acc = print_test_accuracy()
final_step = session.run(global_step)
trainable_names = sorted(v.op.name for v in tf.trainable_variables())

# a second session restored from the last checkpoint: the same predictions
session2 = tf.Session()
saver.restore(session2, tf.train.latest_checkpoint(checkpoint_dir=save_dir))
restored_acc = print_test_accuracy(sess=session2)
session.close()
session2.close()
