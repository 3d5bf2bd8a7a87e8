"""The TF 1.x "Reading data" guide's CSV pipeline (as CS20si's ``05_csv_reader.py`` uses it):
``tf.train.string_input_producer`` over the files, ``tf.TextLineReader(skip_header_lines=1)``,
``tf.decode_csv`` with ``record_defaults``, ``tf.stack`` of the columns, ``tf.train.batch``, a
softmax classifier trained from the queue with Coordinator/start_queue_runners, and
``tf.WholeFileReader`` reading each file whole.  Small CSV files are written first."""
import os
import tempfile

import numpy as np
import dlcore_static as tf

data_dir = tempfile.mkdtemp()
rs = np.random.RandomState(1)
filenames = []
all_rows = []
for k in range(2):
    path = os.path.join(data_dir, "file%d.csv" % k)
    with open(path, "w") as f:
        f.write("sbp,tobacco,ldl,age,chd\n")
        for _ in range(12):
            x = rs.randn(4).round(3)
            label = int(x[0] + x[1] - x[2] > 0)
            all_rows.append((list(x), label))
            f.write("%s,%s,%s,%s,%d\n" % (x[0], x[1], x[2], x[3], label))
    filenames.append(path)

filename_queue = tf.train.string_input_producer(filenames, num_epochs=5, shuffle=False)
reader = tf.TextLineReader(skip_header_lines=1)
key, value = reader.read(filename_queue)

record_defaults = [[1.0], [1.0], [1.0], [1.0], [1]]
col1, col2, col3, col4, label = tf.decode_csv(value, record_defaults=record_defaults)
features = tf.stack([col1, col2, col3, col4])
feature_batch, label_batch = tf.train.batch([features, label], batch_size=8)

w = tf.Variable(tf.zeros([4, 2]), name="weights")
b = tf.Variable(tf.zeros([2]), name="bias")
logits = tf.matmul(feature_batch, w) + b
loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=label_batch,
                                                                     logits=logits))
optimizer = tf.train.GradientDescentOptimizer(0.5).minimize(loss)

first_keys = []
batches = []
losses = []
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    sess.run(tf.local_variables_initializer())
    coord = tf.train.Coordinator()
    threads = tf.train.start_queue_runners(coord=coord)
    try:
        while not coord.should_stop():
            fb, lb, l, _ = sess.run([feature_batch, label_batch, loss, optimizer])
            batches.append((fb, lb))
            losses.append(l)
    except tf.errors.OutOfRangeError:
        print("Done reading: %d batches" % len(batches))
    finally:
        coord.request_stop()
    coord.join(threads)
    final_w, final_b = sess.run([w, b])
print("loss: first %.4f last %.4f" % (losses[0], losses[-1]))

# the keys of the first records, and whole files
tf.reset_default_graph()
filename_queue = tf.train.string_input_producer(filenames, shuffle=False)
reader = tf.TextLineReader(skip_header_lines=1)
key, value = reader.read(filename_queue)
whole_queue = tf.train.string_input_producer(filenames, shuffle=False)
whole_key, whole_value = tf.WholeFileReader().read(whole_queue)
with tf.Session() as sess:
    coord = tf.train.Coordinator()
    threads = tf.train.start_queue_runners(coord=coord)
    for _ in range(3):
        k, v = sess.run([key, value])
        first_keys.append((os.path.basename(k.decode()), v.decode()))
    wk, wv = sess.run([whole_key, whole_value])
    coord.request_stop()
    coord.join(threads)
print("first records:", first_keys)
print("whole file:", os.path.basename(wk.decode()), len(wv.splitlines()), "lines")
