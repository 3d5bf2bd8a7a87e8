"""A custom tf.estimator as the TF1 guide "Creating Custom Estimators" writes it: a model_fn
built from tf.feature_column.input_layer and tf.layers.dense, branching on mode (PREDICT,
EVAL with tf.metrics.accuracy in eval_metric_ops, TRAIN with minimize(global_step=
tf.train.get_global_step())), input functions made of tf.data.Dataset.from_tensor_slices;
train, evaluate and predict.  Data: synthetic 3-class points."""
import tempfile
import sys

import numpy as np
import dlcore_static as tf

model_dir = sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp()
rs = np.random.RandomState(8)
centers = np.array([[0.0, 2.0], [2.0, -1.0], [-2.0, -1.0]], np.float32)


def make(n):
    y = rs.randint(0, 3, n)
    x = centers[y] + rs.randn(n, 2).astype(np.float32) * 0.6
    return {"x1": x[:, 0], "x2": x[:, 1]}, y.astype(np.int32)


train_x, train_y = make(150)
test_x, test_y = make(60)
my_feature_columns = [tf.feature_column.numeric_column(key=k) for k in ("x1", "x2")]


def train_input_fn(features, labels, batch_size):
    dataset = tf.data.Dataset.from_tensor_slices((dict(features), labels))
    return dataset.shuffle(200, seed=1).repeat().batch(batch_size)


def eval_input_fn(features, labels, batch_size):
    inputs = dict(features) if labels is None else (dict(features), labels)
    return tf.data.Dataset.from_tensor_slices(inputs).batch(batch_size)


def my_model(features, labels, mode, params):
    net = tf.feature_column.input_layer(features, params["feature_columns"])
    for units in params["hidden_units"]:
        net = tf.layers.dense(net, units=units, activation=tf.nn.relu)
    logits = tf.layers.dense(net, params["n_classes"], activation=None)
    predicted_classes = tf.argmax(logits, 1)
    if mode == tf.estimator.ModeKeys.PREDICT:
        predictions = {"class_ids": predicted_classes[:, tf.newaxis],
                       "probabilities": tf.nn.softmax(logits), "logits": logits}
        return tf.estimator.EstimatorSpec(mode, predictions=predictions)
    loss = tf.losses.sparse_softmax_cross_entropy(labels=labels, logits=logits)
    accuracy = tf.metrics.accuracy(labels=labels, predictions=predicted_classes,
                                   name="acc_op")
    metrics = {"accuracy": accuracy}
    tf.summary.scalar("accuracy", accuracy[1])
    if mode == tf.estimator.ModeKeys.EVAL:
        return tf.estimator.EstimatorSpec(mode, loss=loss, eval_metric_ops=metrics)
    assert mode == tf.estimator.ModeKeys.TRAIN
    optimizer = tf.train.AdagradOptimizer(learning_rate=0.3)
    train_op = optimizer.minimize(loss, global_step=tf.train.get_global_step())
    return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)


classifier = tf.estimator.Estimator(
    model_fn=my_model, model_dir=model_dir,
    params={"feature_columns": my_feature_columns, "hidden_units": [10, 10], "n_classes": 3})
classifier.train(input_fn=lambda: train_input_fn(train_x, train_y, 30), steps=60)
eval_result = classifier.evaluate(input_fn=lambda: eval_input_fn(test_x, test_y, 30))
print("\nTest set accuracy: {accuracy:0.3f}\n".format(**eval_result))
print("global_step", eval_result["global_step"], "loss", eval_result["loss"])
predictions = list(classifier.predict(input_fn=lambda: eval_input_fn(test_x, None, 30)))
pred_ids = np.array([p["class_ids"][0] for p in predictions])
probs = np.array([p["probabilities"] for p in predictions])
print("predictions", len(predictions), "agree with labels", np.mean(pred_ids == test_y))
