'''An Example of a DNNClassifier for the Iris dataset (TensorFlow 1.x's "Premade Estimators"
get-started program, tensorflow/models samples/core/get_started/premade_estimator.py with its
iris_data.py helpers), as written: feature columns from tf.feature_column.numeric_column, input
functions that build tf.data pipelines (from_tensor_slices of a feature dict, shuffle, repeat,
batch), tf.estimator.DNNClassifier train / evaluate / predict with class_ids and probabilities,
tf.logging and tf.app.run.

Scaled: iris_data.load_data() downloads two CSV files and reads them with pandas; here it returns
dicts of NumPy columns drawn around the real species' means (120 train / 30 test rows), and
--train_steps defaults to 200 instead of 1000.
'''
from __future__ import absolute_import
from __future__ import division
from __future__ import print_function

import argparse

import numpy as np
import dlcore_static as tf

# ---- iris_data.py
CSV_COLUMN_NAMES = ['SepalLength', 'SepalWidth',
                    'PetalLength', 'PetalWidth', 'Species']
SPECIES = ['Setosa', 'Versicolor', 'Virginica']


def load_data(y_name='Species'):
    """Returns the iris dataset as (train_x, train_y), (test_x, test_y)."""
    # (scaled: synthetic rows around each species' mean and spread, no download, no pandas)
    rs = np.random.RandomState(42)
    means = np.array([[5.0, 3.4, 1.5, 0.2], [5.9, 2.8, 4.3, 1.3], [6.6, 3.0, 5.6, 2.0]])
    sds = np.array([[0.35, 0.38, 0.17, 0.1], [0.52, 0.31, 0.47, 0.2], [0.64, 0.32, 0.55, 0.27]])

    def frame(n):
        y = rs.randint(0, 3, n)
        x = (means[y] + sds[y] * rs.randn(n, 4)).astype(np.float32)
        return {k: x[:, i] for i, k in enumerate(CSV_COLUMN_NAMES[:4])}, y.astype(np.int64)

    return frame(120), frame(30)


def train_input_fn(features, labels, batch_size):
    """An input function for training"""
    # Convert the inputs to a Dataset.
    dataset = tf.data.Dataset.from_tensor_slices((dict(features), labels))

    # Shuffle, repeat, and batch the examples.
    dataset = dataset.shuffle(1000).repeat().batch(batch_size)

    # Return the dataset.
    return dataset


def eval_input_fn(features, labels, batch_size):
    """An input function for evaluation or prediction"""
    features = dict(features)
    if labels is None:
        # No labels, use only features.
        inputs = features
    else:
        inputs = (features, labels)

    # Convert the inputs to a Dataset.
    dataset = tf.data.Dataset.from_tensor_slices(inputs)

    # Batch the examples
    assert batch_size is not None, "batch_size must not be None"
    dataset = dataset.batch(batch_size)

    # Return the dataset.
    return dataset


# ---- premade_estimator.py
parser = argparse.ArgumentParser()
parser.add_argument('--batch_size', default=100, type=int, help='batch size')
parser.add_argument('--train_steps', default=200, type=int,
                    help='number of training steps')


def main(argv):
    args = parser.parse_args(argv[1:])

    # Fetch the data
    (train_x, train_y), (test_x, test_y) = load_data()

    # Feature columns describe how to use the input.
    my_feature_columns = []
    for key in train_x.keys():
        my_feature_columns.append(tf.feature_column.numeric_column(key=key))

    # Build 2 hidden layer DNN with 10, 10 units respectively.
    classifier = tf.estimator.DNNClassifier(
        feature_columns=my_feature_columns,
        # Two hidden layers of 10 nodes each.
        hidden_units=[10, 10],
        # The model must choose between 3 classes.
        n_classes=3)

    # Train the Model.
    classifier.train(
        input_fn=lambda: train_input_fn(train_x, train_y,
                                        args.batch_size),
        steps=args.train_steps)

    # Evaluate the model.
    eval_result = classifier.evaluate(
        input_fn=lambda: eval_input_fn(test_x, test_y,
                                       args.batch_size))

    print('\nTest set accuracy: {accuracy:0.3f}\n'.format(**eval_result))

    # Generate predictions from the model
    expected = ['Setosa', 'Versicolor', 'Virginica']
    predict_x = {
        'SepalLength': [5.1, 5.9, 6.9],
        'SepalWidth': [3.3, 3.0, 3.1],
        'PetalLength': [1.7, 4.2, 5.4],
        'PetalWidth': [0.5, 1.5, 2.1],
    }

    predictions = classifier.predict(
        input_fn=lambda: eval_input_fn(predict_x,
                                       labels=None,
                                       batch_size=args.batch_size))

    template = ('\nPrediction is "{}" ({:.1f}%), expected "{}"')

    for pred_dict, expec in zip(predictions, expected):
        class_id = pred_dict['class_ids'][0]
        probability = pred_dict['probabilities'][class_id]

        print(template.format(SPECIES[class_id],
                              100 * probability, expec))
    globals().update(classifier=classifier, eval_result=eval_result, test_x=test_x,
                     test_y=test_y)


if __name__ == '__main__':
    tf.logging.set_verbosity(tf.logging.INFO)
    tf.app.run(main)
