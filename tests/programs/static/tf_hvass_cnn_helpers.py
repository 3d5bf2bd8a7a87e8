"""Hvass-Labs TensorFlow-Tutorials, 02_Convolutional_Neural_Network.ipynb (TF 1.x version):
the helper functions new_weights/new_biases/new_conv_layer/flatten_layer/new_fc_layer, two
conv + 2x2 max-pool + ReLU layers, a fully-connected layer, softmax_cross_entropy_with_logits_v2,
AdamOptimizer (1e-3 here: the tutorial's 1e-4 is slow for 300 steps), an
optimize(num_iterations) loop over random batches, and print_test_accuracy with its batched prediction loop and confusion matrix.  MNIST is replaced
by 12x12 synthetic images of 3 classes (a horizontal bar, a vertical bar, a diagonal), each with
noise and a random shift; sizes are shrunk to match."""
# ruff: noqa: RUF046  (written in the source's own style)
import math
import time
from datetime import timedelta

import numpy as np

import dlcore_static as tf

# Convolutional Layer 1.
filter_size1 = 3          # Convolution filters are 3 x 3 pixels.
num_filters1 = 4          # There are 4 of these filters.

# Convolutional Layer 2.
filter_size2 = 3          # Convolution filters are 3 x 3 pixels.
num_filters2 = 8          # There are 8 of these filters.

# Fully-connected layer.
fc_size = 32              # Number of neurons in fully-connected layer.


def make_images(n, rng):
    images = 0.15 * rng.rand(n, 12, 12).astype(np.float32)
    cls = rng.randint(0, 3, n)
    for k in range(n):
        s = rng.randint(2, 10)
        if cls[k] == 0:
            images[k, s, 1:11] += 1.0
        elif cls[k] == 1:
            images[k, 1:11, s] += 1.0
        else:
            images[k, np.arange(12), np.arange(12)] += 1.0
            images[k] = np.roll(images[k], s - 6, axis=1)
    onehot = np.eye(3, dtype=np.float32)[cls]
    return images.reshape(n, -1), onehot, cls


class Data:
    img_size = 12
    img_size_flat = 144
    img_shape = (12, 12)
    num_channels = 1
    num_classes = 3

    def __init__(self, seed=0):
        rng = np.random.RandomState(seed)
        self.x_train, self.y_train, self.y_train_cls = make_images(600, rng)
        self.x_test, self.y_test, self.y_test_cls = make_images(150, rng)
        self.num_train, self.num_test = 600, 150
        self._rng = rng

    def random_batch(self, batch_size=32):
        idx = self._rng.choice(self.num_train, size=batch_size, replace=False)
        return self.x_train[idx], self.y_train[idx], self.y_train_cls[idx]


data = Data()

# The number of pixels in each dimension of an image.
img_size = data.img_size
# The images are stored in one-dimensional arrays of this length.
img_size_flat = data.img_size_flat
# Tuple with height and width of images used to reshape arrays.
img_shape = data.img_shape
# Number of classes, one class for each of 10 digits.
num_classes = data.num_classes
# Number of colour channels for the images: 1 channel for gray-scale.
num_channels = data.num_channels


def new_weights(shape):
    return tf.Variable(tf.truncated_normal(shape, stddev=0.05))


def new_biases(length):
    return tf.Variable(tf.constant(0.05, shape=[length]))


def new_conv_layer(input,              # The previous layer.
                   num_input_channels,  # Num. channels in prev. layer.
                   filter_size,        # Width and height of each filter.
                   num_filters,        # Number of filters.
                   use_pooling=True):  # Use 2x2 max-pooling.
    # Shape of the filter-weights for the convolution.
    # This format is determined by the TensorFlow API.
    shape = [filter_size, filter_size, num_input_channels, num_filters]
    # Create new weights aka. filters with the given shape.
    weights = new_weights(shape=shape)
    # Create new biases, one for each filter.
    biases = new_biases(length=num_filters)
    layer = tf.nn.conv2d(input=input,
                         filter=weights,
                         strides=[1, 1, 1, 1],
                         padding='SAME')
    # Add the biases to the results of the convolution.
    layer += biases
    # Use pooling to down-sample the image resolution?
    if use_pooling:
        layer = tf.nn.max_pool(value=layer,
                               ksize=[1, 2, 2, 1],
                               strides=[1, 2, 2, 1],
                               padding='SAME')
    # Rectified Linear Unit (ReLU).
    layer = tf.nn.relu(layer)
    return layer, weights


def flatten_layer(layer):
    # Get the shape of the input layer.
    layer_shape = layer.get_shape()
    # The number of features is: img_height * img_width * num_channels
    num_features = layer_shape[1:4].num_elements()
    # Reshape the layer to [num_images, num_features].
    layer_flat = tf.reshape(layer, [-1, num_features])
    return layer_flat, num_features


def new_fc_layer(input,          # The previous layer.
                 num_inputs,     # Num. inputs from prev. layer.
                 num_outputs,    # Num. outputs.
                 use_relu=True):  # Use Rectified Linear Unit (ReLU)?
    # Create new weights and biases.
    weights = new_weights(shape=[num_inputs, num_outputs])
    biases = new_biases(length=num_outputs)
    layer = tf.matmul(input, weights) + biases
    if use_relu:
        layer = tf.nn.relu(layer)
    return layer


x = tf.placeholder(tf.float32, shape=[None, img_size_flat], name='x')
x_image = tf.reshape(x, [-1, img_size, img_size, num_channels])
y_true = tf.placeholder(tf.float32, shape=[None, num_classes], name='y_true')
y_true_cls = tf.argmax(y_true, axis=1)

layer_conv1, weights_conv1 = \
    new_conv_layer(input=x_image,
                   num_input_channels=num_channels,
                   filter_size=filter_size1,
                   num_filters=num_filters1,
                   use_pooling=True)
layer_conv2, weights_conv2 = \
    new_conv_layer(input=layer_conv1,
                   num_input_channels=num_filters1,
                   filter_size=filter_size2,
                   num_filters=num_filters2,
                   use_pooling=True)
layer_flat, num_features = flatten_layer(layer_conv2)
layer_fc1 = new_fc_layer(input=layer_flat,
                         num_inputs=num_features,
                         num_outputs=fc_size,
                         use_relu=True)
layer_fc2 = new_fc_layer(input=layer_fc1,
                         num_inputs=fc_size,
                         num_outputs=num_classes,
                         use_relu=False)
y_pred = tf.nn.softmax(layer_fc2)
y_pred_cls = tf.argmax(y_pred, axis=1)
cross_entropy = tf.nn.softmax_cross_entropy_with_logits_v2(logits=layer_fc2,
                                                           labels=y_true)
cost = tf.reduce_mean(cross_entropy)
optimizer = tf.train.AdamOptimizer(learning_rate=1e-3).minimize(cost)
correct_prediction = tf.equal(y_pred_cls, y_true_cls)
accuracy = tf.reduce_mean(tf.cast(correct_prediction, tf.float32))

print(layer_conv1)
print(layer_conv2)
print(layer_flat)
print(layer_fc1)
print(layer_fc2)

session = tf.Session()
session.run(tf.global_variables_initializer())
train_batch_size = 32

# Counter for total number of iterations performed so far.
total_iterations = 0
accuracies = []


def optimize(num_iterations):
    # Ensure we update the global variable rather than a local copy.
    global total_iterations
    # Start-time used for printing time-usage below.
    start_time = time.time()
    for i in range(total_iterations,
                   total_iterations + num_iterations):
        x_batch, y_true_batch, _ = data.random_batch(batch_size=train_batch_size)
        feed_dict_train = {x: x_batch,
                           y_true: y_true_batch}
        session.run(optimizer, feed_dict=feed_dict_train)
        # Print status every 50 iterations.
        if i % 50 == 0:
            acc = session.run(accuracy, feed_dict=feed_dict_train)
            msg = "Optimization Iteration: {0:>6}, Training Accuracy: {1:>6.1%}"
            print(msg.format(i + 1, acc))
    total_iterations += num_iterations
    end_time = time.time()
    time_dif = end_time - start_time
    print("Time usage: " + str(timedelta(seconds=int(round(time_dif)))))


def plot_confusion_matrix(cls_pred):
    cls_true = data.y_test_cls
    cm = np.zeros((num_classes, num_classes), int)
    for t_, p_ in zip(cls_true, cls_pred):
        cm[t_, p_] += 1
    print(cm)
    return cm


# Split the test-set into smaller batches of this size.
test_batch_size = 64


def print_test_accuracy(show_confusion_matrix=False):
    num_test = data.num_test
    cls_pred = np.zeros(shape=num_test, dtype=int)
    i = 0
    while i < num_test:
        j = min(i + test_batch_size, num_test)
        images = data.x_test[i:j, :]
        labels = data.y_test[i:j, :]
        feed_dict = {x: images,
                     y_true: labels}
        cls_pred[i:j] = session.run(y_pred_cls, feed_dict=feed_dict)
        i = j
    cls_true = data.y_test_cls
    correct = (cls_true == cls_pred)
    correct_sum = correct.sum()
    acc = float(correct_sum) / num_test
    msg = "Accuracy on Test-Set: {0:.1%} ({1} / {2})"
    print(msg.format(acc, correct_sum, num_test))
    accuracies.append(acc)
    if show_confusion_matrix:
        print("Confusion Matrix:")
        return plot_confusion_matrix(cls_pred=cls_pred)
    return None


print_test_accuracy()
optimize(num_iterations=1)
print_test_accuracy()
optimize(num_iterations=299)
confusion = print_test_accuracy(show_confusion_matrix=True)
weights_values = session.run([weights_conv1, weights_conv2])
test_probs = session.run(y_pred, {x: data.x_test[:8]})
conv1_out = session.run(layer_conv1, {x: data.x_test[:2]})
session.close()
assert math.isfinite(float(test_probs.sum()))
