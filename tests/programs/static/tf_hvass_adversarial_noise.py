"""Hvass-Labs TensorFlow-Tutorials, 12_Adversarial_Noise_MNIST.ipynb (TF 1.x version with
tf.layers), imports renamed, at a tiny scale: synthetic 8x8 "digits" of 4 classes instead of
MNIST, 8/16 filters, a 32-unit layer.  As written: the adversarial noise is a non-trainable
``tf.Variable`` put in its own collection (``collections=[tf.GraphKeys.GLOBAL_VARIABLES,
ADVERSARY_VARIABLES]``), clipped by a ``tf.assign`` of ``tf.clip_by_value``; the network is
trained normally, then a second AdamOptimizer with ``var_list`` = that collection finds the one
noise pattern that makes every image class 3 (the loss plus ``tf.nn.l2_loss`` of the noise), the
noise reset between runs with ``tf.variables_initializer([x_noise])``."""
import numpy as np

import dlcore_static as tf

tf.set_random_seed(3)
rng = np.random.RandomState(3)

img_size = 8
img_size_flat = img_size * img_size
img_shape = (img_size, img_size)
num_channels = 1
num_classes = 4

protos = np.zeros((num_classes, img_size, img_size), np.float32)
protos[0, 1:7, 3:5] = 1
protos[1, 3:5, 1:7] = 1
protos[2, np.arange(1, 7), np.arange(1, 7)] = 1
protos[3, 1:7, 1:7] = 1
protos[3, 2:6, 2:6] = 0


class Data:
    def __init__(self, n_train, n_test):
        def make(n):
            cls = rng.randint(0, num_classes, n)
            x = np.clip(protos[cls] + 0.15 * rng.randn(n, img_size, img_size), 0, 1)
            return x.reshape(n, img_size_flat).astype(np.float32), cls
        self.x_train, self.y_train_cls = make(n_train)
        self.x_test, self.y_test_cls = make(n_test)
        self.y_train = np.eye(num_classes, dtype=np.float32)[self.y_train_cls]
        self.y_test = np.eye(num_classes, dtype=np.float32)[self.y_test_cls]
        self.num_test = n_test

    def random_batch(self, batch_size=32):
        idx = rng.randint(0, len(self.x_train), batch_size)
        return self.x_train[idx], self.y_train[idx]


data = Data(400, 100)

x = tf.placeholder(tf.float32, shape=[None, img_size_flat], name='x')
x_image = tf.reshape(x, [-1, img_size, img_size, num_channels])
y_true = tf.placeholder(tf.float32, shape=[None, num_classes], name='y_true')
y_true_cls = tf.argmax(y_true, axis=1)

noise_limit = 0.35
noise_l2_weight = 0.02

ADVERSARY_VARIABLES = 'adversary_variables'
collections = [tf.GraphKeys.GLOBAL_VARIABLES, ADVERSARY_VARIABLES]

x_noise = tf.Variable(tf.zeros([img_size, img_size, num_channels]),
                      name='x_noise', trainable=False,
                      collections=collections)

x_noise_clip = tf.assign(x_noise, tf.clip_by_value(x_noise,
                                                   -noise_limit,
                                                   noise_limit))

x_noisy_image = x_image + x_noise
x_noisy_image = tf.clip_by_value(x_noisy_image, 0.0, 1.0)

net = x_noisy_image
net = tf.layers.conv2d(inputs=net, name='layer_conv1', padding='same',
                       filters=8, kernel_size=3, activation=tf.nn.relu)
net = tf.layers.max_pooling2d(inputs=net, pool_size=2, strides=2)
net = tf.layers.conv2d(inputs=net, name='layer_conv2', padding='same',
                       filters=16, kernel_size=3, activation=tf.nn.relu)
net = tf.layers.max_pooling2d(inputs=net, pool_size=2, strides=2)
net = tf.layers.flatten(net)
net = tf.layers.dense(inputs=net, name='layer_fc1',
                      units=32, activation=tf.nn.relu)
logits = tf.layers.dense(inputs=net, name='layer_fc_out',
                         units=num_classes, activation=None)
y_pred = tf.nn.softmax(logits=logits)

cross_entropy = tf.nn.softmax_cross_entropy_with_logits(labels=y_true, logits=logits)
loss = tf.reduce_mean(cross_entropy)

print("trainable:", [var.name for var in tf.trainable_variables()])
print("adversary:", [var.name for var in tf.get_collection(ADVERSARY_VARIABLES)])

optimizer = tf.train.AdamOptimizer(learning_rate=1e-2).minimize(loss)

adversary_variables = tf.get_collection(ADVERSARY_VARIABLES)

l2_loss_noise = noise_l2_weight * tf.nn.l2_loss(x_noise)
loss_adversary = loss + l2_loss_noise

optimizer_adversary = tf.train.AdamOptimizer(learning_rate=1e-2).minimize(loss_adversary, var_list=adversary_variables)

y_pred_cls = tf.argmax(y_pred, axis=1)
correct_prediction = tf.equal(y_pred_cls, y_true_cls)
accuracy = tf.reduce_mean(tf.cast(correct_prediction, tf.float32))

session = tf.Session()
session.run(tf.global_variables_initializer())


def init_noise():
    session.run(tf.variables_initializer([x_noise]))


init_noise()

train_batch_size = 32


def optimize(num_iterations, adversary_target_cls=None):
    for i in range(num_iterations):
        x_batch, y_true_batch = data.random_batch(batch_size=train_batch_size)
        if adversary_target_cls is not None:
            y_true_batch = np.zeros_like(y_true_batch)
            y_true_batch[:, adversary_target_cls] = 1.0
        feed_dict_train = {x: x_batch,
                           y_true: y_true_batch}
        if adversary_target_cls is None:
            session.run(optimizer, feed_dict=feed_dict_train)
        else:
            session.run(optimizer_adversary, feed_dict=feed_dict_train)
            session.run(x_noise_clip)
        if (i % 50 == 0) or (i == num_iterations - 1):
            acc = session.run(accuracy, feed_dict=feed_dict_train)
            msg = "Optimization Iteration: {0:>6}, Training Accuracy: {1:>6.1%}"
            print(msg.format(i, acc))


def get_noise():
    noise = session.run(x_noise)
    return np.squeeze(noise)


def print_test_accuracy():
    feed_dict = {x: data.x_test, y_true: data.y_test}
    cls_pred = session.run(y_pred_cls, feed_dict=feed_dict)
    correct = (data.y_test_cls == cls_pred)
    acc = float(correct.sum()) / data.num_test
    msg = "Accuracy on Test-Set: {0:.1%} ({1} / {2})"
    print(msg.format(acc, correct.sum(), data.num_test))
    return cls_pred


optimize(num_iterations=150)
clean_pred = print_test_accuracy()
weights_before = session.run(tf.trainable_variables())

init_noise()
optimize(num_iterations=150, adversary_target_cls=3)
noise = get_noise()
print("Noise:")
print("- Min:", noise.min())
print("- Max:", noise.max())
print("- Std:", noise.std())
noisy_pred = print_test_accuracy()
weights_after = session.run(tf.trainable_variables())
adam_slots = sorted(v.name for v in tf.global_variables() if "Adam" in v.name or "power" in v.name)
