"""Fine-tuning with a warm-started embedding, as TF 1.x programs write it: a "pretrained"
embedding table saved by a Saver, then a classifier whose
tf.feature_column.embedding_column(..., ckpt_to_load_from=, tensor_name_in_ckpt=) starts from
it, trained in a tf.train.MonitoredTrainingSession with a tf.train.Scaffold (init_fn, a
Saver(max_to_keep=2)), StopAtStepHook, checkpoints every 10 steps and summaries to the
checkpoint directory.  Usage: python tf_warm_start_monitored_fidtf9.py WORKDIR"""
import os
import sys

import numpy as np

import dlcore_static as tf

workdir = sys.argv[1]
pretrained_dir = os.path.join(workdir, "pretrained")
train_dir = os.path.join(workdir, "train")

# 1. "pretraining": an embedding table in a checkpoint
with tf.Graph().as_default():
    table = tf.get_variable("word_embeddings", [6, 3],
                            initializer=tf.random_normal_initializer(seed=1))
    saver = tf.train.Saver()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        pretrained = sess.run(table)
        os.makedirs(pretrained_dir)
        saver.save(sess, os.path.join(pretrained_dir, "model.ckpt"))

# 2. a classifier on the warm-started embedding
with tf.Graph().as_default():
    tf.set_random_seed(7)
    words = tf.placeholder(tf.int64, [None], name="words")
    labels = tf.placeholder(tf.float32, [None], name="labels")
    word = tf.feature_column.categorical_column_with_identity("word", num_buckets=6)
    embedded = tf.feature_column.embedding_column(
        word, dimension=3, ckpt_to_load_from=pretrained_dir,
        tensor_name_in_ckpt="word_embeddings")
    net = tf.feature_column.input_layer({"word": words}, [embedded])
    logits = tf.squeeze(tf.layers.dense(net, 1, name="out"), 1)
    loss = tf.losses.sigmoid_cross_entropy(labels, logits)
    tf.summary.scalar("loss", loss)
    global_step = tf.train.get_or_create_global_step()
    train_op = tf.train.AdamOptimizer(0.1).minimize(loss, global_step=global_step)

    seen = {}

    def init_fn(scaffold, sess):
        seen["table"] = sess.run("input_layer/word_embedding/embedding_weights:0")
        seen["finalized"] = tf.get_default_graph().finalized

    scaffold = tf.train.Scaffold(init_fn=init_fn, saver=tf.train.Saver(max_to_keep=2))
    x = np.array([0, 1, 2, 3, 4, 5] * 4)
    y = (x % 2).astype(np.float32)
    losses = []
    with tf.train.MonitoredTrainingSession(checkpoint_dir=train_dir, scaffold=scaffold,
                                           hooks=[tf.train.StopAtStepHook(last_step=30)],
                                           save_checkpoint_steps=10,
                                           save_summaries_steps=10,
                                           log_step_count_steps=10) as sess:
        while not sess.should_stop():
            _, value = sess.run([train_op, loss], feed_dict={words: x, labels: y})
            losses.append(value)
    state = tf.train.get_checkpoint_state(train_dir)

print("table warm-started:", np.array_equal(seen["table"], pretrained))
print("graph finalized in init_fn:", seen["finalized"])
print("steps run:", len(losses))
print(f"first loss: {losses[0]:.6f}")
print(f"final loss: {losses[-1]:.6f}")
print("checkpoints kept:", [os.path.basename(p) for p in state.all_model_checkpoint_paths])
