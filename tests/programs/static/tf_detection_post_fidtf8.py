"""Detection post-processing as the TF1 object-detection tutorials write it (a Faster R-CNN
second stage in the style of tensorflow/models' box predictors): an image read with
tf.read_file + tf.image.decode_png, per-class box scores, tf.image.non_max_suppression per
class, tf.gather of the kept boxes, tf.image.crop_and_resize of their regions (ROI pooling to
7x7, then max-pool), and class names from a tf.contrib.lookup index-to-string table.  Only
``import tensorflow as tf`` -> ``import dlcore_static as tf`` changed.  argv[1]: a directory
for the PNG it writes first."""

import os
import sys

import numpy as np

import dlcore_static as tf

out_dir = sys.argv[1]
rng = np.random.RandomState(7)

# a 32x40 RGB scene with two bright squares, written as PNG with tf.image.encode_png
scene = (rng.rand(32, 40, 3) * 40).astype(np.uint8)
scene[4:14, 5:15] = [250, 30, 30]
scene[18:30, 22:36] = [30, 30, 250]
png_path = os.path.join(out_dir, "scene.png")
with tf.Session() as sess, open(png_path, "wb") as f:
    f.write(sess.run(tf.image.encode_png(tf.constant(scene))))

CLASS_NAMES = ["background", "red_square", "blue_square"]
tf.reset_default_graph()

filename = tf.placeholder(tf.string, [])
image = tf.image.decode_png(tf.read_file(filename), channels=3)
image = tf.image.convert_image_dtype(image, tf.float32)
images = tf.expand_dims(image, 0)

proposals = tf.placeholder(tf.float32, [None, 4])        # normalised [y1, x1, y2, x2]
class_scores = tf.placeholder(tf.float32, [None, 3])      # per proposal, per class

max_per_class = 2
kept_boxes, kept_scores, kept_classes = [], [], []
for class_id in range(1, 3):
    scores = class_scores[:, class_id]
    selected = tf.image.non_max_suppression(proposals, scores, max_output_size=max_per_class,
                                            iou_threshold=0.5, score_threshold=0.3)
    kept_boxes.append(tf.gather(proposals, selected))
    kept_scores.append(tf.gather(scores, selected))
    kept_classes.append(tf.fill(tf.shape(selected), class_id))
boxes = tf.concat(kept_boxes, 0)
scores = tf.concat(kept_scores, 0)
classes = tf.concat(kept_classes, 0)

box_ind = tf.zeros(tf.shape(boxes)[:1], dtype=tf.int32)
crops = tf.image.crop_and_resize(images, boxes, box_ind, crop_size=[14, 14])
pooled = tf.nn.max_pool(crops, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="SAME")
mean_color = tf.reduce_mean(crops, axis=[1, 2])

names_table = tf.contrib.lookup.index_to_string_table_from_tensor(
    tf.constant(CLASS_NAMES), default_value="unknown")
class_names = names_table.lookup(tf.cast(classes, tf.int64))

H, W = 32.0, 40.0
props = np.array([[4, 5, 14, 15], [5, 6, 15, 16], [3, 4, 13, 14],       # red, overlapping
                  [18, 22, 30, 36], [19, 21, 31, 35],                    # blue, overlapping
                  [0, 30, 8, 39], [24, 0, 31, 10]], np.float32)         # background-ish
props_norm = props / np.array([H - 1, W - 1, H - 1, W - 1], np.float32)
score_table = np.array([[0.1, 0.9, 0.05], [0.2, 0.8, 0.1], [0.3, 0.7, 0.0],
                        [0.1, 0.05, 0.95], [0.1, 0.1, 0.85],
                        [0.8, 0.35, 0.2], [0.9, 0.1, 0.32]], np.float32)

with tf.Session() as sess:
    sess.run(tf.tables_initializer())
    out = sess.run({"boxes": boxes, "scores": scores, "classes": classes,
                    "names": class_names, "pooled": pooled, "crops": crops,
                    "mean_color": mean_color, "image": image},
                   feed_dict={filename: png_path, proposals: props_norm,
                              class_scores: score_table})

for name, sc, col in zip(out["names"], out["scores"], out["mean_color"]):
    print(name.decode(), round(float(sc), 2), np.round(col, 2).tolist())
print("pooled", out["pooled"].shape)
