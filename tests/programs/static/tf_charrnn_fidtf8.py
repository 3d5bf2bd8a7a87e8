"""sherjilozair/char-rnn-tensorflow (model.py, train.py, sample.py) as written, with
``import tensorflow as tf`` -> ``import dlcore_static as tf``; tiny sizes and an in-memory text
instead of input.txt (TextLoader's batching kept).  Trains a 2-layer LSTM with
legacy_seq2seq.rnn_decoder and sequence_loss_by_example, saves a checkpoint, rebuilds the model
for sampling (batch 1, seq_length 1) in a new graph, restores and samples; then builds the
training graph's loop_function path (training=False with seq_length > 1) and prints its
greedy decode.  argv[1]: a directory for the checkpoint."""

import argparse
import os
import sys

import numpy as np

import dlcore_static as tf
from dlcore_static.contrib import legacy_seq2seq, rnn


class Model:
    def __init__(self, args, training=True):
        self.args = args
        if not training:
            args.batch_size = 1
            args.seq_length = 1

        if args.model == 'rnn':
            cell_fn = rnn.BasicRNNCell
        elif args.model == 'gru':
            cell_fn = rnn.GRUCell
        elif args.model == 'lstm':
            cell_fn = rnn.BasicLSTMCell
        else:
            raise ValueError(f"model type not supported: {args.model}")

        cells = []
        for _ in range(args.num_layers):
            cell = cell_fn(args.rnn_size)
            if training and (args.output_keep_prob < 1.0 or args.input_keep_prob < 1.0):
                cell = rnn.DropoutWrapper(cell,
                                          input_keep_prob=args.input_keep_prob,
                                          output_keep_prob=args.output_keep_prob)
            cells.append(cell)

        self.cell = cell = rnn.MultiRNNCell(cells, state_is_tuple=True)

        self.input_data = tf.placeholder(
            tf.int32, [args.batch_size, args.seq_length])
        self.targets = tf.placeholder(
            tf.int32, [args.batch_size, args.seq_length])
        self.initial_state = cell.zero_state(args.batch_size, tf.float32)

        with tf.variable_scope('rnnlm'):
            softmax_w = tf.get_variable("softmax_w",
                                        [args.rnn_size, args.vocab_size])
            softmax_b = tf.get_variable("softmax_b", [args.vocab_size])

        embedding = tf.get_variable("embedding", [args.vocab_size, args.rnn_size])
        inputs = tf.nn.embedding_lookup(embedding, self.input_data)

        # dropout beta testing: double check which one should affect next line
        if training and args.output_keep_prob:
            inputs = tf.nn.dropout(inputs, args.output_keep_prob)

        inputs = tf.split(inputs, args.seq_length, 1)
        inputs = [tf.squeeze(input_, [1]) for input_ in inputs]

        def loop(prev, _):
            prev = tf.matmul(prev, softmax_w) + softmax_b
            prev_symbol = tf.stop_gradient(tf.argmax(prev, 1))
            return tf.nn.embedding_lookup(embedding, prev_symbol)

        outputs, last_state = legacy_seq2seq.rnn_decoder(
            inputs, self.initial_state, cell,
            loop_function=loop if not training else None, scope='rnnlm')
        output = tf.reshape(tf.concat(outputs, 1), [-1, args.rnn_size])

        self.logits = tf.matmul(output, softmax_w) + softmax_b
        self.probs = tf.nn.softmax(self.logits)
        loss = legacy_seq2seq.sequence_loss_by_example(
                [self.logits],
                [tf.reshape(self.targets, [-1])],
                [tf.ones([args.batch_size * args.seq_length])])
        self.loss = loss
        with tf.name_scope('cost'):
            self.cost = tf.reduce_sum(loss) / args.batch_size / args.seq_length
        self.final_state = last_state
        self.lr = tf.Variable(0.0, trainable=False)
        tvars = tf.trainable_variables()

        # calculate gradients
        grads, _ = tf.clip_by_global_norm(tf.gradients(self.cost, tvars),
                                          args.grad_clip)
        with tf.name_scope('optimizer'):
            optimizer = tf.train.AdamOptimizer(self.lr)

        # apply gradient clipping
        self.train_op = optimizer.apply_gradients(zip(grads, tvars))

        # instrument tensorboard
        tf.summary.histogram('logits', self.logits)
        tf.summary.histogram('loss', loss)
        tf.summary.scalar('train_loss', self.cost)

    def sample(self, sess, chars, vocab, num=200, prime='The ', sampling_type=1):
        state = sess.run(self.cell.zero_state(1, tf.float32))
        for char in prime[:-1]:
            x = np.zeros((1, 1))
            x[0, 0] = vocab[char]
            feed = {self.input_data: x, self.initial_state: state}
            [state] = sess.run([self.final_state], feed)

        def weighted_pick(weights):
            t = np.cumsum(weights)
            s = np.sum(weights)
            return(int(np.searchsorted(t, np.random.rand(1)*s)))

        ret = prime
        char = prime[-1]
        for _ in range(num):
            x = np.zeros((1, 1))
            x[0, 0] = vocab[char]
            feed = {self.input_data: x, self.initial_state: state}
            [probs, state] = sess.run([self.probs, self.final_state], feed)
            p = probs[0]

            if sampling_type == 0:
                sample = np.argmax(p)
            elif sampling_type == 2:
                if char == ' ':
                    sample = weighted_pick(p)
                else:
                    sample = np.argmax(p)
            else:  # sampling_type == 1 default:
                sample = weighted_pick(p)

            pred = chars[sample]
            ret += pred
            char = pred
        return ret


class TextLoader:
    """utils.py's TextLoader, reading a string instead of input.txt/vocab.pkl."""

    def __init__(self, data, batch_size, seq_length):
        self.batch_size = batch_size
        self.seq_length = seq_length
        counter = {}
        for c in data:
            counter[c] = counter.get(c, 0) + 1
        count_pairs = sorted(counter.items(), key=lambda x: -x[1])
        self.chars, _ = zip(*count_pairs)
        self.vocab_size = len(self.chars)
        self.vocab = dict(zip(self.chars, range(len(self.chars))))
        self.tensor = np.array(list(map(self.vocab.get, data)))
        self.create_batches()
        self.reset_batch_pointer()

    def create_batches(self):
        self.num_batches = int(self.tensor.size / (self.batch_size *
                                                   self.seq_length))
        self.tensor = self.tensor[:self.num_batches * self.batch_size * self.seq_length]
        xdata = self.tensor
        ydata = np.copy(self.tensor)
        ydata[:-1] = xdata[1:]
        ydata[-1] = xdata[0]
        self.x_batches = np.split(xdata.reshape(self.batch_size, -1),
                                  self.num_batches, 1)
        self.y_batches = np.split(ydata.reshape(self.batch_size, -1),
                                  self.num_batches, 1)

    def next_batch(self):
        x, y = self.x_batches[self.pointer], self.y_batches[self.pointer]
        self.pointer += 1
        return x, y

    def reset_batch_pointer(self):
        self.pointer = 0


TEXT = "the cat sat on the mat. the cat ate the rat. " * 6

parser = argparse.ArgumentParser()
parser.add_argument('save_dir', type=str)
parser.add_argument('--model', type=str, default='lstm')
parser.add_argument('--rnn_size', type=int, default=24)
parser.add_argument('--num_layers', type=int, default=2)
parser.add_argument('--seq_length', type=int, default=6)
parser.add_argument('--batch_size', type=int, default=4)
parser.add_argument('--num_epochs', type=int, default=8)
parser.add_argument('--grad_clip', type=float, default=5.)
parser.add_argument('--learning_rate', type=float, default=0.03)
parser.add_argument('--decay_rate', type=float, default=0.97)
parser.add_argument('--output_keep_prob', type=float, default=1.0)
parser.add_argument('--input_keep_prob', type=float, default=1.0)
args = parser.parse_args(sys.argv[1:])

data_loader = TextLoader(TEXT, args.batch_size, args.seq_length)
args.vocab_size = data_loader.vocab_size
tf.set_random_seed(0)
np.random.seed(0)

model = Model(args)
print("variables", [v.name for v in tf.trainable_variables()])
losses = []
with tf.Session() as sess:
    summaries = tf.summary.merge_all()
    sess.run(tf.global_variables_initializer())
    saver = tf.train.Saver(tf.global_variables())
    for e in range(args.num_epochs):
        sess.run(tf.assign(model.lr, args.learning_rate * (args.decay_rate ** e)))
        data_loader.reset_batch_pointer()
        state = sess.run(model.initial_state)
        for b in range(data_loader.num_batches):
            x, y = data_loader.next_batch()
            feed = {model.input_data: x, model.targets: y}
            for i, (c, h) in enumerate(model.initial_state):
                feed[c] = state[i].c
                feed[h] = state[i].h
            summ, train_loss, state, _ = sess.run([summaries, model.cost, model.final_state,
                                                   model.train_op], feed)
            losses.append(train_loss)
        print(f"epoch {e}, train_loss = {train_loss:.3f}")
    checkpoint_path = os.path.join(args.save_dir, 'model.ckpt')
    saver.save(sess, checkpoint_path, global_step=e * data_loader.num_batches + b)
    last_x, last_y = x, y
    last_feed = feed
    last_loss_by_example = sess.run(model.loss, last_feed)
    trained = {v.name: sess.run(v) for v in tf.trainable_variables()}

# sample.py: a new graph, the sampling model, restore, sample
tf.reset_default_graph()
sample_model = Model(argparse.Namespace(**vars(args)), training=False)
with tf.Session() as sess:
    tf.global_variables_initializer().run()
    saver = tf.train.Saver(tf.global_variables())
    ckpt = tf.train.get_checkpoint_state(args.save_dir)
    saver.restore(sess, ckpt.model_checkpoint_path)
    np.random.seed(1)
    text = sample_model.sample(sess, data_loader.chars, data_loader.vocab, 40, 'the ', 0)
    print("sample:", text)

# the loop_function path (model.py's `loop`, which its training=False model never reaches at
# seq_length 1): rnn_decoder feeds back the argmax of each step's logits through the embedding
tf.reset_default_graph()
a = argparse.Namespace(**vars(args))
a.seq_length = 8
cell = rnn.MultiRNNCell([rnn.BasicLSTMCell(a.rnn_size) for _ in range(a.num_layers)],
                        state_is_tuple=True)
input_data = tf.placeholder(tf.int32, [1, a.seq_length])
with tf.variable_scope('rnnlm'):
    softmax_w = tf.get_variable("softmax_w", [a.rnn_size, a.vocab_size])
    softmax_b = tf.get_variable("softmax_b", [a.vocab_size])
embedding = tf.get_variable("embedding", [a.vocab_size, a.rnn_size])
inputs = [tf.squeeze(i, [1]) for i in tf.split(
    tf.nn.embedding_lookup(embedding, input_data), a.seq_length, 1)]


def loop(prev, _):
    prev = tf.matmul(prev, softmax_w) + softmax_b
    prev_symbol = tf.stop_gradient(tf.argmax(prev, 1))
    return tf.nn.embedding_lookup(embedding, prev_symbol)


outputs, _ = legacy_seq2seq.rnn_decoder(inputs, cell.zero_state(1, tf.float32), cell,
                                        loop_function=loop, scope='rnnlm')
picks = [tf.argmax(tf.matmul(o, softmax_w) + softmax_b, 1) for o in outputs]
with tf.Session() as sess:
    tf.train.Saver().restore(sess, ckpt.model_checkpoint_path)
    x = np.zeros((1, a.seq_length), np.int32)
    x[0, 0] = data_loader.vocab['t']
    greedy_text = 't' + ''.join(data_loader.chars[int(p[0])]
                                for p in sess.run(picks, {input_data: x}))
    print("greedy:", greedy_text)
