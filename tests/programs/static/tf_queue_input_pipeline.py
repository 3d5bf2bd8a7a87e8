"""TF1's queue-based input, as the TF 1.x "Threading and Queues" and "Reading data" guides and
CS20si's lecture on data input wrote it: a FIFOQueue filled and incremented by hand; a
RandomShuffleQueue fed by an explicit ``tf.train.QueueRunner``; and the in-memory pipeline
``tf.train.slice_input_producer(num_epochs=...)`` -> ``tf.train.shuffle_batch`` driving a
logistic regression, with ``tf.train.Coordinator``/``start_queue_runners`` and the
``OutOfRangeError`` ending the epochs."""
import numpy as np
import dlcore_static as tf

# --- the Queues guide: a queue of three floats, each run dequeues, adds 1, enqueues
q = tf.FIFOQueue(3, "float")
init = q.enqueue_many(([0., 0., 0.],))
x = q.dequeue()
y = x + 1
q_inc = q.enqueue([y])
with tf.Session() as sess:
    init.run()
    for _ in range(4):
        q_inc.run()
    final_queue = [sess.run(q.dequeue()) for _ in range(3)]
print("queue after 4 increments:", final_queue)

# --- a QueueRunner filling a RandomShuffleQueue from a random "example" op
tf.reset_default_graph()
example = tf.random_uniform([2], seed=4)
queue = tf.RandomShuffleQueue(capacity=20, min_after_dequeue=5, dtypes=[tf.float32],
                              shapes=[[2]], seed=5)
enqueue_op = queue.enqueue(example)
inputs = queue.dequeue_many(4)
qr = tf.train.QueueRunner(queue, [enqueue_op] * 2)
tf.train.add_queue_runner(qr)
with tf.Session() as sess:
    coord = tf.train.Coordinator()
    enqueue_threads = qr.create_threads(sess, coord=coord, start=True)
    batches = [sess.run(inputs) for _ in range(3)]
    size_after = sess.run(queue.size())
    coord.request_stop()
    coord.join(enqueue_threads)
print("dequeue_many shapes:", [b.shape for b in batches], "left in queue:", size_after)

# --- slice_input_producer + shuffle_batch training loop
tf.reset_default_graph()
rs = np.random.RandomState(0)
features = rs.randn(50, 3).astype(np.float32)
labels = (features @ np.array([1.0, -2.0, 0.5]) > 0).astype(np.float32)

feature, label = tf.train.slice_input_producer([features, labels], num_epochs=4, shuffle=True,
                                               seed=7)
feature_batch, label_batch = tf.train.shuffle_batch(
    [feature, label], batch_size=10, capacity=40, min_after_dequeue=20, seed=8)
print("batch tensors:", feature_batch, label_batch)

w = tf.Variable(tf.zeros([3, 1]), name="weights")
b = tf.Variable(0.0, name="bias")
logits = tf.squeeze(tf.matmul(feature_batch, w), 1) + b
loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=label_batch,
                                                              logits=logits))
train_op = tf.train.GradientDescentOptimizer(0.5).minimize(loss)

sess = tf.Session()
sess.run(tf.global_variables_initializer())
sess.run(tf.local_variables_initializer())
coord = tf.train.Coordinator()
threads = tf.train.start_queue_runners(sess=sess, coord=coord)
step = 0
seen_rows = []
losses = []
try:
    while not coord.should_stop():
        fb, l, _ = sess.run([feature_batch, loss, train_op])
        seen_rows.append(fb)
        losses.append(l)
        step += 1
except tf.errors.OutOfRangeError:
    print("Done training for %d epochs, %d steps." % (4, step))
finally:
    coord.request_stop()
coord.join(threads)
final_w, final_b = sess.run([w, b])
print("first loss %.4f last loss %.4f" % (losses[0], losses[-1]))
print("queue runners:", len(tf.get_collection(tf.GraphKeys.QUEUE_RUNNERS)))
