"""rdipietro/tensorflow-scan-examples and the TF1 "Higher order functions" guide: ``tf.scan``
for a cumulative sum and for a vanilla RNN unrolled over time (trained), ``tf.map_fn`` over a
batch, ``tf.foldl``/``tf.foldr`` with an initializer, and a scan with a tuple state."""
import numpy as np
import dlcore_static as tf

# --- cumulative sum and Fibonacci with tf.scan
elems = tf.constant([1, 2, 3, 4, 5, 6])
cumsum = tf.scan(lambda a, x: a + x, elems)
fib = tf.scan(lambda a, _: (a[1], a[0] + a[1]), elems,
              initializer=(tf.constant(0), tf.constant(1)))
squares = tf.map_fn(lambda x: x * x, elems)
alternate = tf.map_fn(lambda x: (x, -x), elems, dtype=(tf.int32, tf.int32))
total = tf.foldl(lambda a, x: a + x, elems, initializer=tf.constant(10))
rev = tf.foldr(lambda a, x: a * 10 + x, elems)

with tf.Session() as sess:
    print("cumsum:", sess.run(cumsum))
    f0, f1 = sess.run(fib)
    print("fib:", f0, f1)
    print("squares:", sess.run(squares))
    print("alternate:", sess.run(alternate))
    print("foldl:", sess.run(total), "foldr:", sess.run(rev))

# --- a vanilla RNN with tf.scan, learning to output the running parity of a bit stream
tf.reset_default_graph()
tf.set_random_seed(1)
input_size, hidden_size, target_size = 1, 16, 1
rs = np.random.RandomState(0)


def make_batch(batch_size=32, length=8):
    x = rs.randint(0, 2, size=(batch_size, length, 1)).astype(np.float32)
    y = np.cumsum(x, axis=1) % 2
    return x, y.astype(np.float32)


inputs = tf.placeholder(tf.float32, [None, None, input_size], name="inputs")
targets = tf.placeholder(tf.float32, [None, None, target_size], name="targets")
W_hx = tf.get_variable("W_hx", [input_size, hidden_size])
W_hh = tf.get_variable("W_hh", [hidden_size, hidden_size],
                       initializer=tf.orthogonal_initializer())
b_h = tf.get_variable("b_h", [hidden_size], initializer=tf.zeros_initializer())
W_yh = tf.get_variable("W_yh", [hidden_size, target_size])
b_y = tf.get_variable("b_y", [target_size], initializer=tf.zeros_initializer())


def vanilla_rnn_step(h_prev, x):
    return tf.tanh(tf.matmul(h_prev, W_hh) + tf.matmul(x, W_hx) + b_h)


inputs_time_major = tf.transpose(inputs, [1, 0, 2])
h_0 = tf.zeros([tf.shape(inputs)[0], hidden_size])
states = tf.scan(vanilla_rnn_step, inputs_time_major, initializer=h_0)
outputs = tf.map_fn(lambda h: tf.matmul(h, W_yh) + b_y, states)
logits = tf.transpose(outputs, [1, 0, 2])
loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=targets, logits=logits))
train_op = tf.train.AdamOptimizer(0.01).minimize(loss)

sess = tf.Session()
sess.run(tf.global_variables_initializer())
loss_history = []
for step in range(301):
    bx, by = make_batch()
    l, _ = sess.run([loss, train_op], {inputs: bx, targets: by})
    loss_history.append(l)
    if step % 100 == 0:
        print("step %d loss %.4f" % (step, l))
test_x, test_y = make_batch(4, 6)
test_logits, weights = sess.run([logits, {"W_hx": W_hx, "W_hh": W_hh, "b_h": b_h,
                                          "W_yh": W_yh, "b_y": b_y}], {inputs: test_x})
print("states shape:", states.get_shape().as_list(), "logits:", test_logits.shape)
