"""A TF1 convolutional autoencoder in the style of pkmital/tensorflow_tutorials'
``conv_autoencoder.py``: encoder ``tf.nn.conv2d`` with stride 2, decoder ``tf.nn.conv2d_transpose``
reusing the encoder's filters, with ``output_shape`` built from ``tf.shape`` (any batch size).
Small generated 12x12 "images" (blobs)."""
import numpy as np
import dlcore_static as tf


def autoencoder(input_shape=[None, 144], n_filters=[1, 6, 6], filter_sizes=[3, 3]):
    x = tf.placeholder(tf.float32, input_shape, name='x')
    x_dim = np.sqrt(x.get_shape().as_list()[1])
    x_dim = int(x_dim)
    x_tensor = tf.reshape(x, [-1, x_dim, x_dim, n_filters[0]])
    current_input = x_tensor

    encoder = []
    shapes = []
    for layer_i, n_output in enumerate(n_filters[1:]):
        n_input = current_input.get_shape().as_list()[3]
        shapes.append(current_input.get_shape().as_list())
        W = tf.Variable(
            tf.random_uniform([filter_sizes[layer_i], filter_sizes[layer_i], n_input, n_output],
                              -1.0 / np.sqrt(n_input), 1.0 / np.sqrt(n_input)))
        b = tf.Variable(tf.zeros([n_output]))
        encoder.append(W)
        output = tf.nn.relu(
            tf.add(tf.nn.conv2d(current_input, W, strides=[1, 2, 2, 1], padding='SAME'), b))
        current_input = output

    z = current_input
    encoder.reverse()
    shapes.reverse()

    for layer_i, shape in enumerate(shapes):
        W = encoder[layer_i]
        b = tf.Variable(tf.zeros([W.get_shape().as_list()[2]]))
        output = tf.nn.relu(tf.add(
            tf.nn.conv2d_transpose(
                current_input, W,
                tf.stack([tf.shape(x)[0], shape[1], shape[2], shape[3]]),
                strides=[1, 2, 2, 1], padding='SAME'), b))
        current_input = output

    y = current_input
    cost = tf.reduce_sum(tf.square(y - x_tensor))
    return {'x': x, 'z': z, 'y': y, 'cost': cost}


def make_images(n, rs):
    yy, xx = np.mgrid[0:12, 0:12]
    imgs = []
    for _ in range(n):
        cy, cx = rs.uniform(3, 9, 2)
        imgs.append(np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / 6.0).ravel())
    return np.array(imgs, np.float32)


tf.set_random_seed(0)
rs = np.random.RandomState(0)
train_x = make_images(64, rs)
mean_img = np.mean(train_x, axis=0)
ae = autoencoder()
learning_rate = 0.01
optimizer = tf.train.AdamOptimizer(learning_rate).minimize(ae['cost'])

sess = tf.Session()
sess.run(tf.global_variables_initializer())
batch_size = 16
costs = []
for epoch_i in range(15):
    for batch_i in range(len(train_x) // batch_size):
        batch_xs = train_x[batch_i * batch_size:(batch_i + 1) * batch_size]
        train = np.array([img - mean_img for img in batch_xs])
        sess.run(optimizer, feed_dict={ae['x']: train})
    c = sess.run(ae['cost'], feed_dict={ae['x']: train})
    costs.append(c)
    if epoch_i % 5 == 0:
        print(epoch_i, c)

n_examples = 5
test_xs = make_images(n_examples, rs)
test_xs_norm = np.array([img - mean_img for img in test_xs])
recon, code = sess.run([ae['y'], ae['z']], feed_dict={ae['x']: test_xs_norm})
print("code:", code.shape, "recon:", recon.shape)
print("static shapes:", ae['z'].get_shape().as_list(), ae['y'].get_shape().as_list())
