"""Monocular depth regression from 16-bit depth PNGs, as KITTI-style TF 1.x loaders write it:
RGB PNGs and depth PNGs stored as uint16 (metres * 256, 0 where there is no measurement),
read with tf.data (tf.read_file, tf.image.decode_png(dtype=tf.uint16), a cast and / 256.0),
a masked L1 loss over the valid pixels, trained in a tf.train.MonitoredTrainingSession with a
StopAtStepHook and a NanTensorHook, then one prediction written back as a 16-bit PNG with
tf.image.encode_png(tf.cast(depth * 256, tf.uint16)).  Usage: python this.py DATA_DIR OUT_DIR"""
import glob
import os
import sys

import numpy as np

import dlcore_static as tf

data_dir, out_dir = sys.argv[1], sys.argv[2]
HEIGHT, WIDTH = 6, 8
rgb_files = sorted(glob.glob(os.path.join(data_dir, "image_2", "*.png")))
depth_files = sorted(glob.glob(os.path.join(data_dir, "depth", "*.png")))
assert len(rgb_files) == len(depth_files) > 0


def _parse(rgb_path, depth_path):
    rgb = tf.image.decode_png(tf.read_file(rgb_path), channels=3)
    rgb = tf.image.convert_image_dtype(rgb, tf.float32)
    depth = tf.image.decode_png(tf.read_file(depth_path), channels=1, dtype=tf.uint16)
    depth = tf.cast(depth, tf.float32) / 256.0
    rgb.set_shape([HEIGHT, WIDTH, 3])
    depth.set_shape([HEIGHT, WIDTH, 1])
    return rgb, depth


tf.set_random_seed(1)
dataset = tf.data.Dataset.from_tensor_slices((rgb_files, depth_files))
dataset = dataset.map(_parse).shuffle(8, seed=0).batch(4).repeat()
rgb, depth = dataset.make_one_shot_iterator().get_next()

net = tf.layers.conv2d(rgb, 8, 3, padding="same", activation=tf.nn.relu, name="conv1")
pred = tf.layers.conv2d(net, 1, 3, padding="same", name="depth_out")

valid = tf.cast(depth > 0.0, tf.float32)
loss = tf.reduce_sum(tf.abs(pred - depth) * valid) / tf.maximum(tf.reduce_sum(valid), 1.0)
tf.summary.scalar("l1_loss", loss)

global_step = tf.train.get_or_create_global_step()
train_op = tf.train.AdamOptimizer(0.05).minimize(loss, global_step=global_step)

hooks = [tf.train.StopAtStepHook(last_step=150), tf.train.NanTensorHook(loss)]
losses = []
with tf.train.MonitoredTrainingSession(checkpoint_dir=out_dir, hooks=hooks,
                                       save_summaries_steps=50,
                                       save_checkpoint_steps=50) as sess:
    while not sess.should_stop():
        _, l, step = sess.run([train_op, loss, global_step])
        losses.append(l)
        if step % 50 == 0:
            print("step %d: masked L1 %.3f m" % (step, l))

# predict the first image and write the depth as a 16-bit PNG
with tf.Graph().as_default():
    image = tf.image.convert_image_dtype(
        tf.image.decode_png(tf.read_file(rgb_files[0]), channels=3), tf.float32)
    net = tf.layers.conv2d(image[None], 8, 3, padding="same", activation=tf.nn.relu,
                           name="conv1")
    out = tf.layers.conv2d(net, 1, 3, padding="same", name="depth_out")[0]
    png = tf.image.encode_png(tf.cast(tf.clip_by_value(out, 0.0, 255.0) * 256.0, tf.uint16))
    saver = tf.train.Saver()
    with tf.Session() as sess:
        saver.restore(sess, tf.train.latest_checkpoint(out_dir))
        prediction, encoded = sess.run([out, png])
    with open(os.path.join(out_dir, "pred_000000.png"), "wb") as f:
        f.write(encoded)
print("trained %d steps, final masked L1 %.3f m" % (len(losses), np.mean(losses[-10:])))
