"""The TF 1.x "Importing Data" guide's iterator kinds: a one-shot iterator, an initializable
iterator with a placeholder parameter, a reinitializable iterator (``Iterator.from_structure`` +
``make_initializer``), and a feedable iterator (``Iterator.from_string_handle`` selecting a
repeating training iterator or an initializable validation iterator by its string handle);
``from_tensor_slices(...).shuffle().batch().repeat()`` and OutOfRangeError at the end."""
import numpy as np
import dlcore_static as tf

# one-shot
dataset = tf.data.Dataset.range(5)
iterator = dataset.make_one_shot_iterator()
next_element = iterator.get_next()
with tf.Session() as sess:
    one_shot = [sess.run(next_element) for _ in range(5)]
    try:
        sess.run(next_element)
    except tf.errors.OutOfRangeError:
        print("one-shot done:", one_shot)

# initializable with a placeholder
max_value = tf.placeholder(tf.int64, shape=[])
dataset = tf.data.Dataset.range(max_value)
iterator = dataset.make_initializable_iterator()
next_element = iterator.get_next()
with tf.Session() as sess:
    sess.run(iterator.initializer, feed_dict={max_value: 3})
    first = [sess.run(next_element) for _ in range(3)]
    sess.run(iterator.initializer, feed_dict={max_value: 4})
    second = [sess.run(next_element) for _ in range(4)]
print("initializable:", first, second)

# reinitializable
training_dataset = tf.data.Dataset.range(6).map(
    lambda x: x + tf.random_uniform([], -3, 3, tf.int64))
validation_dataset = tf.data.Dataset.range(4)
iterator = tf.data.Iterator.from_structure(training_dataset.output_types,
                                           training_dataset.output_shapes)
next_element = iterator.get_next()
training_init_op = iterator.make_initializer(training_dataset)
validation_init_op = iterator.make_initializer(validation_dataset)
reinit = []
with tf.Session() as sess:
    for _ in range(2):
        sess.run(training_init_op)
        train_vals = [sess.run(next_element) for _ in range(6)]
        sess.run(validation_init_op)
        reinit.append([sess.run(next_element) for _ in range(4)])
print("reinitializable validation:", reinit)
print("train values near range:", all(abs(v - i) <= 3 for i, v in enumerate(train_vals)))

# feedable: features/labels pairs, shuffle/batch/repeat
rs = np.random.RandomState(0)
features = rs.randn(10, 2).astype(np.float32)
labels_np = np.arange(10, dtype=np.int64)
train_ds = tf.data.Dataset.from_tensor_slices((features, labels_np)).shuffle(
    10, seed=1).batch(4).repeat()
val_ds = tf.data.Dataset.from_tensor_slices((features, labels_np)).batch(4)

handle = tf.placeholder(tf.string, shape=[])
iterator = tf.data.Iterator.from_string_handle(handle, train_ds.output_types,
                                               train_ds.output_shapes)
x_batch, y_batch = iterator.get_next()
mean_x = tf.reduce_mean(x_batch, axis=0)

training_iterator = train_ds.make_one_shot_iterator()
validation_iterator = val_ds.make_initializable_iterator()
print("output shapes:", train_ds.output_shapes, "types:", train_ds.output_types)

seen_train = []
val_labels = []
with tf.Session() as sess:
    training_handle = sess.run(training_iterator.string_handle())
    validation_handle = sess.run(validation_iterator.string_handle())
    print("handle type:", type(training_handle).__name__)
    for _ in range(2):
        for _ in range(5):
            xb, yb = sess.run([x_batch, y_batch], feed_dict={handle: training_handle})
            seen_train.append(yb)
        sess.run(validation_iterator.initializer)
        labs = []
        while True:
            try:
                xb, yb, m = sess.run([x_batch, y_batch, mean_x],
                                     feed_dict={handle: validation_handle})
                labs.append(yb)
            except tf.errors.OutOfRangeError:
                break
        val_labels.append(np.concatenate(labs))
print("train batch sizes:", [len(b) for b in seen_train])
print("validation labels:", val_labels[0])
