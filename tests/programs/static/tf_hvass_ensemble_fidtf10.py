"""Ensemble learning, as Hvass-Labs' TensorFlow Tutorial #05 writes it (its tf.layers version):
one graph, several networks trained one after the other from fresh initial values on random
re-splits of the training data (tf.global_variables_initializer() again for each), each saved
with one tf.train.Saver(max_to_keep=100) under its own path, then each restored to predict the
test set; the ensemble averages the softmax outputs.  Synthetic 8x8 "digits" (class templates
plus noise) stand in for MNIST.  Usage: python this.py SAVE_DIR"""
import os
import sys

import numpy as np

import dlcore_static as tf

save_dir = sys.argv[1]
img_size = 8
img_size_flat = img_size * img_size
img_shape = (img_size, img_size)
num_channels = 1
num_classes = 4
num_networks = 3

rng = np.random.RandomState(0)
templates = rng.rand(num_classes, img_size_flat)


def make_set(n):
    cls = rng.randint(0, num_classes, n)
    images = templates[cls] + 0.9 * rng.randn(n, img_size_flat)
    return images.astype(np.float32), np.eye(num_classes, dtype=np.float32)[cls], cls


train_images, train_labels, _ = make_set(200)
validation_images, validation_labels, validation_cls = make_set(60)
test_images, test_labels, test_cls = make_set(100)
combined_images = np.concatenate([train_images, validation_images], axis=0)
combined_labels = np.concatenate([train_labels, validation_labels], axis=0)
combined_size = len(combined_images)
train_size = int(0.8 * combined_size)


def random_training_set():
    idx = np.random.permutation(combined_size)
    idx_train, idx_validation = idx[0:train_size], idx[train_size:]
    return (combined_images[idx_train, :], combined_labels[idx_train, :],
            combined_images[idx_validation, :], combined_labels[idx_validation, :])


x = tf.placeholder(tf.float32, shape=[None, img_size_flat], name='x')
x_image = tf.reshape(x, [-1, img_size, img_size, num_channels])
y_true = tf.placeholder(tf.float32, shape=[None, num_classes], name='y_true')
y_true_cls = tf.argmax(y_true, axis=1)

net = tf.layers.conv2d(inputs=x_image, name='layer_conv1', padding='same',
                       filters=8, kernel_size=3, activation=tf.nn.relu)
net = tf.layers.max_pooling2d(inputs=net, pool_size=2, strides=2)
net = tf.layers.flatten(net)
net = tf.layers.dense(inputs=net, name='layer_fc1', units=32, activation=tf.nn.relu)
logits = tf.layers.dense(inputs=net, name='layer_fc_out', units=num_classes, activation=None)
y_pred = tf.nn.softmax(logits=logits)
y_pred_cls = tf.argmax(y_pred, axis=1)

cross_entropy = tf.nn.softmax_cross_entropy_with_logits_v2(labels=y_true, logits=logits)
loss = tf.reduce_mean(cross_entropy)
optimizer = tf.train.AdamOptimizer(learning_rate=1e-2).minimize(loss)
correct_prediction = tf.equal(y_pred_cls, y_true_cls)
accuracy = tf.reduce_mean(tf.cast(correct_prediction, tf.float32))

saver = tf.train.Saver(max_to_keep=100)
if not os.path.exists(save_dir):
    os.makedirs(save_dir)


def get_save_path(net_number):
    return os.path.join(save_dir, 'network' + str(net_number))


session = tf.Session()


def init_variables():
    session.run(tf.global_variables_initializer())


train_batch_size = 32


def random_batch(x_train, y_train):
    num_images = len(x_train)
    idx = np.random.choice(num_images, size=train_batch_size, replace=False)
    return x_train[idx, :], y_train[idx, :]


def optimize(num_iterations, x_train, y_train):
    for i in range(num_iterations):
        x_batch, y_true_batch = random_batch(x_train, y_train)
        feed_dict_train = {x: x_batch, y_true: y_true_batch}
        session.run(optimizer, feed_dict=feed_dict_train)
        if i % 20 == 0:
            acc = session.run(accuracy, feed_dict=feed_dict_train)
            msg = "Optimization Iteration: {0:>6}, Training Batch Accuracy: {1:>6.1%}"
            print(msg.format(i + 1, acc))


np.random.seed(1)
tf.set_random_seed(1)
first_weights = []
for i in range(num_networks):
    print("Neural network: {0}".format(i))
    x_train, y_train, _, _ = random_training_set()
    init_variables()
    first_weights.append(session.run(tf.trainable_variables()[0]))
    optimize(num_iterations=60, x_train=x_train, y_train=y_train)
    saver.save(sess=session, save_path=get_save_path(i))
    print()

batch_size = 32


def predict_labels(images):
    num_images = len(images)
    pred_labels = np.zeros(shape=(num_images, num_classes), dtype=np.float64)
    i = 0
    while i < num_images:
        j = min(i + batch_size, num_images)
        feed_dict = {x: images[i:j, :]}
        pred_labels[i:j] = session.run(y_pred, feed_dict=feed_dict)
        i = j
    return pred_labels


def correct_prediction_fn(images, labels, cls_true):
    pred_labels = predict_labels(images=images)
    cls_pred = np.argmax(pred_labels, axis=1)
    return cls_true == cls_pred


def test_accuracy():
    return correct_prediction_fn(test_images, test_labels, test_cls).mean()


def validation_accuracy():
    return correct_prediction_fn(validation_images, validation_labels, validation_cls).mean()


def ensemble_predictions():
    pred_labels, test_accuracies, val_accuracies = [], [], []
    for i in range(num_networks):
        saver.restore(sess=session, save_path=get_save_path(i))
        test_acc = test_accuracy()
        test_accuracies.append(test_acc)
        val_acc = validation_accuracy()
        val_accuracies.append(val_acc)
        msg = "Network: {0}, Accuracy on Validation-Set: {1:.4f}, Test-Set: {2:.4f}"
        print(msg.format(i, val_acc, test_acc))
        pred = predict_labels(images=test_images)
        pred_labels.append(pred)
    return np.array(pred_labels), np.array(test_accuracies), np.array(val_accuracies)


pred_labels, test_accuracies, val_accuracies = ensemble_predictions()
print("Mean test-set accuracy: {0:.4f}".format(np.mean(test_accuracies)))
print("Min test-set accuracy:  {0:.4f}".format(np.min(test_accuracies)))
print("Max test-set accuracy:  {0:.4f}".format(np.max(test_accuracies)))

ensemble_pred_labels = np.mean(pred_labels, axis=0)
ensemble_cls_pred = np.argmax(ensemble_pred_labels, axis=1)
ensemble_correct = (ensemble_cls_pred == test_cls)
best_net = np.argmax(test_accuracies)
best_net_pred_labels = pred_labels[best_net, :, :]
best_net_cls_pred = np.argmax(best_net_pred_labels, axis=1)
best_net_correct = (best_net_cls_pred == test_cls)
print("Sum correct, ensemble: {0}, best network: {1}".format(
    np.sum(ensemble_correct), np.sum(best_net_correct)))
session.close()
