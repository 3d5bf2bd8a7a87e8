"""TensorFlow 1.x's speech_commands example (tensorflow/examples/speech_commands): models.py's
prepare_model_settings, create_model dispatching on model_architecture, and
create_low_latency_conv_model (one conv spanning the whole time axis, VALID padding, dropout
through a dropout_prob placeholder, three fully-connected layers) and create_single_fc_model;
train.py's graph (sparse_softmax_cross_entropy under name scopes, the learning-rate
placeholder, the --optimizer choice (Nesterov momentum here), predicted_indices / correct_prediction / confusion_matrix /
evaluation_step, a global_step incremented by tf.assign) and its loop switching the learning
rate by the '--how_many_training_steps' schedule.  The audio front end is replaced by
synthetic 'fingerprints' (a 12 x 10 spectrogram of 4 words, each a frequency band that rises
or falls over time, plus noise)."""
# ruff: noqa: RUF046, TRY002, UP031  (written in the source's own style)
import math

import numpy as np

import dlcore_static as tf


def prepare_model_settings(label_count, sample_rate, clip_duration_ms,
                           window_size_ms, window_stride_ms, feature_bin_count):
    """Calculates common settings needed for all models."""
    desired_samples = int(sample_rate * clip_duration_ms / 1000)
    window_size_samples = int(sample_rate * window_size_ms / 1000)
    window_stride_samples = int(sample_rate * window_stride_ms / 1000)
    length_minus_window = (desired_samples - window_size_samples)
    if length_minus_window < 0:
        spectrogram_length = 0
    else:
        spectrogram_length = 1 + int(length_minus_window / window_stride_samples)
    fingerprint_width = feature_bin_count
    fingerprint_size = fingerprint_width * spectrogram_length
    return {
        'desired_samples': desired_samples,
        'window_size_samples': window_size_samples,
        'window_stride_samples': window_stride_samples,
        'spectrogram_length': spectrogram_length,
        'fingerprint_width': fingerprint_width,
        'fingerprint_size': fingerprint_size,
        'label_count': label_count,
        'sample_rate': sample_rate,
    }


def create_model(fingerprint_input, model_settings, model_architecture,
                 is_training, runtime_settings=None):
    """Builds a model of the requested architecture compatible with the settings."""
    if model_architecture == 'single_fc':
        return create_single_fc_model(fingerprint_input, model_settings, is_training)
    elif model_architecture == 'low_latency_conv':
        return create_low_latency_conv_model(fingerprint_input, model_settings, is_training)
    else:
        raise Exception('model_architecture argument "' + model_architecture +
                        '" not recognized, should be one of "single_fc", '
                        '"low_latency_conv"')


def create_single_fc_model(fingerprint_input, model_settings, is_training):
    """Builds a model with a single hidden fully-connected layer."""
    if is_training:
        dropout_prob = tf.placeholder(tf.float32, name='dropout_prob')
    fingerprint_size = model_settings['fingerprint_size']
    label_count = model_settings['label_count']
    weights = tf.get_variable(
        name='weights',
        initializer=tf.truncated_normal_initializer(stddev=0.001),
        shape=[fingerprint_size, label_count])
    bias = tf.get_variable(
        name='bias', initializer=tf.zeros_initializer, shape=[label_count])
    logits = tf.matmul(fingerprint_input, weights) + bias
    if is_training:
        return logits, dropout_prob
    else:
        return logits


def create_low_latency_conv_model(fingerprint_input, model_settings,
                                  is_training):
    """Builds a convolutional model with low compute requirements."""
    if is_training:
        dropout_prob = tf.placeholder(tf.float32, name='dropout_prob')
    input_frequency_size = model_settings['fingerprint_width']
    input_time_size = model_settings['spectrogram_length']
    fingerprint_4d = tf.reshape(fingerprint_input,
                                [-1, input_time_size, input_frequency_size, 1])
    first_filter_width = 8
    first_filter_height = input_time_size
    first_filter_count = 16
    first_filter_stride_x = 1
    first_filter_stride_y = 1
    first_weights = tf.get_variable(
        name='first_weights',
        initializer=tf.truncated_normal_initializer(stddev=0.01),
        shape=[first_filter_height, first_filter_width, 1, first_filter_count])
    first_bias = tf.get_variable(
        name='first_bias',
        initializer=tf.zeros_initializer,
        shape=[first_filter_count])
    first_conv = tf.nn.conv2d(fingerprint_4d, first_weights, [
        1, first_filter_stride_y, first_filter_stride_x, 1
    ], 'VALID') + first_bias
    first_relu = tf.nn.relu(first_conv)
    if is_training:
        first_dropout = tf.nn.dropout(first_relu, 1 - dropout_prob)
    else:
        first_dropout = first_relu
    first_conv_output_width = math.floor(
        (input_frequency_size - first_filter_width + first_filter_stride_x) /
        first_filter_stride_x)
    first_conv_output_height = math.floor(
        (input_time_size - first_filter_height + first_filter_stride_y) /
        first_filter_stride_y)
    first_conv_element_count = int(
        first_conv_output_width * first_conv_output_height * first_filter_count)
    flattened_first_conv = tf.reshape(first_dropout,
                                      [-1, first_conv_element_count])
    first_fc_output_channels = 32
    first_fc_weights = tf.get_variable(
        name='first_fc_weights',
        initializer=tf.truncated_normal_initializer(stddev=0.01),
        shape=[first_conv_element_count, first_fc_output_channels])
    first_fc_bias = tf.get_variable(
        name='first_fc_bias',
        initializer=tf.zeros_initializer,
        shape=[first_fc_output_channels])
    first_fc = tf.matmul(flattened_first_conv, first_fc_weights) + first_fc_bias
    if is_training:
        second_fc_input = tf.nn.dropout(first_fc, 1 - dropout_prob)
    else:
        second_fc_input = first_fc
    second_fc_output_channels = 32
    second_fc_weights = tf.get_variable(
        name='second_fc_weights',
        initializer=tf.truncated_normal_initializer(stddev=0.01),
        shape=[first_fc_output_channels, second_fc_output_channels])
    second_fc_bias = tf.get_variable(
        name='second_fc_bias',
        initializer=tf.zeros_initializer,
        shape=[second_fc_output_channels])
    second_fc = tf.matmul(second_fc_input, second_fc_weights) + second_fc_bias
    if is_training:
        final_fc_input = tf.nn.dropout(second_fc, 1 - dropout_prob)
    else:
        final_fc_input = second_fc
    label_count = model_settings['label_count']
    final_fc_weights = tf.get_variable(
        name='final_fc_weights',
        initializer=tf.truncated_normal_initializer(stddev=0.01),
        shape=[second_fc_output_channels, label_count])
    final_fc_bias = tf.get_variable(
        name='final_fc_bias',
        initializer=tf.zeros_initializer,
        shape=[label_count])
    final_fc = tf.matmul(final_fc_input, final_fc_weights) + final_fc_bias
    if is_training:
        return final_fc, dropout_prob
    else:
        return final_fc


# ----------------------------------------------------------------------------- data
WORDS = ['yes', 'no', 'up', 'down']


def make_fingerprints(n, settings, rng):
    t, f = settings['spectrogram_length'], settings['fingerprint_width']
    labels = rng.randint(0, len(WORDS), n)
    x = 0.3 * rng.randn(n, t, f).astype(np.float32)
    for k, lab in enumerate(labels):
        start = 1 + 2 * lab if lab < 2 else f - 2 - 2 * (lab - 2)
        step = 0.5 if lab % 2 == 0 else -0.5
        for tt in range(t):
            band = int(round(start + step * tt)) % f
            x[k, tt, band] += 2.0
    return 10 * x.reshape(n, -1), labels.astype(np.int64)   # (MFCC-like magnitudes)


# ----------------------------------------------------------------------------- train.py
model_settings = prepare_model_settings(
    len(WORDS), sample_rate=1600, clip_duration_ms=1000, window_size_ms=100,
    window_stride_ms=80, feature_bin_count=10)
print(model_settings)
rng = np.random.RandomState(0)
train_x, train_y = make_fingerprints(800, model_settings, rng)
val_x, val_y = make_fingerprints(200, model_settings, rng)

training_steps_list = [300, 100]
learning_rates_list = [0.01, 0.001]
batch_size = 40
eval_step_interval = 50
optimizer_flag = 'momentum'     # train.py's --optimizer

tf.reset_default_graph()
tf.set_random_seed(0)
sess = tf.InteractiveSession()
fingerprint_size = model_settings['fingerprint_size']
label_count = model_settings['label_count']
input_placeholder = tf.placeholder(tf.float32, [None, fingerprint_size], name='fingerprint_input')
fingerprint_input = input_placeholder
logits, dropout_prob = create_model(fingerprint_input, model_settings, 'low_latency_conv',
                                    is_training=True)
ground_truth_input = tf.placeholder(tf.int64, [None], name='groundtruth_input')

# Create the back propagation and training evaluation machinery in the graph.
with tf.name_scope('cross_entropy'):
    cross_entropy_mean = tf.losses.sparse_softmax_cross_entropy(
        labels=ground_truth_input, logits=logits)
with tf.name_scope('train'):
    learning_rate_input = tf.placeholder(tf.float32, [], name='learning_rate_input')
    if optimizer_flag == 'gradient_descent':
        train_step = tf.train.GradientDescentOptimizer(
            learning_rate_input).minimize(cross_entropy_mean)
    elif optimizer_flag == 'momentum':
        train_step = tf.train.MomentumOptimizer(
            learning_rate_input, .9,
            use_nesterov=True).minimize(cross_entropy_mean)
    else:
        raise Exception('Invalid Optimizer')
predicted_indices = tf.argmax(logits, 1)
correct_prediction = tf.equal(predicted_indices, ground_truth_input)
confusion_matrix = tf.confusion_matrix(
    ground_truth_input, predicted_indices, num_classes=label_count)
evaluation_step = tf.reduce_mean(tf.cast(correct_prediction, tf.float32))
with tf.get_default_graph().name_scope('eval'):
    tf.summary.scalar('cross_entropy', cross_entropy_mean)
    tf.summary.scalar('accuracy', evaluation_step)

global_step = tf.train.get_or_create_global_step()
increment_global_step = tf.assign(global_step, global_step + 1)
saver = tf.train.Saver(tf.global_variables())
merged_summaries = tf.summary.merge_all(scope='eval')
tf.global_variables_initializer().run()

start_step = 1
training_steps_max = np.sum(training_steps_list)
log = []
for training_step in range(start_step, training_steps_max + 1):
    # Figure out what the current learning rate is.
    training_steps_sum = 0
    for i in range(len(training_steps_list)):
        training_steps_sum += training_steps_list[i]
        if training_step <= training_steps_sum:
            learning_rate_value = learning_rates_list[i]
            break
    offset = ((training_step - 1) * batch_size) % len(train_x)
    train_fingerprints = train_x[offset:offset + batch_size]
    train_ground_truth = train_y[offset:offset + batch_size]
    train_summary, train_accuracy, cross_entropy_value, _, _ = sess.run(
        [merged_summaries, evaluation_step, cross_entropy_mean, train_step,
         increment_global_step],
        feed_dict={
            fingerprint_input: train_fingerprints,
            ground_truth_input: train_ground_truth,
            learning_rate_input: learning_rate_value,
            dropout_prob: 0.2
        })
    log.append((training_step, learning_rate_value, train_accuracy, cross_entropy_value))
    if training_step % 25 == 0:
        print('Step #%d: rate %f, accuracy %.1f%%, cross entropy %f' %
              (training_step, learning_rate_value, train_accuracy * 100,
               cross_entropy_value))
    is_last_step = (training_step == training_steps_max)
    if (training_step % eval_step_interval) == 0 or is_last_step:
        total_accuracy = 0
        total_conf_matrix = None
        for i in range(0, len(val_x), batch_size):
            validation_accuracy, conf_matrix = sess.run(
                [evaluation_step, confusion_matrix],
                feed_dict={
                    fingerprint_input: val_x[i:i + batch_size],
                    ground_truth_input: val_y[i:i + batch_size],
                    dropout_prob: 0.0
                })
            this_batch = min(batch_size, len(val_x) - i)
            total_accuracy += (validation_accuracy * this_batch) / len(val_x)
            if total_conf_matrix is None:
                total_conf_matrix = conf_matrix
            else:
                total_conf_matrix += conf_matrix
        print('Confusion Matrix:\n %s' % (total_conf_matrix))
        print('Step %d: Validation accuracy = %.1f%% (N=%d)' %
              (training_step, total_accuracy * 100, len(val_x)))
final_global_step = sess.run(global_step)
variable_shapes = {v.op.name: v.shape.as_list() for v in tf.global_variables()}
val_logits = sess.run(logits, {fingerprint_input: val_x[:16], dropout_prob: 0.0})
weights = {v.op.name: sess.run(v) for v in tf.trainable_variables()}
sess.close()
