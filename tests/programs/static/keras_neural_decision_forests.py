"""Classification with Neural Decision Forests (keras.io,
structured_data/deep_neural_decision_forests.py, the tf.keras version), imports renamed:
the census-like synthetic CSV files of keras_grn_vsn_classification.py (600 rows) read with
make_csv_dataset; categorical columns through StringLookup (vocabulary_size()) + Embedding;
a NeuralDecisionTree (a subclassed model with a tf.Variable of leaf class weights, a random
feature mask and a breadth-first stochastic routing with reshape/tile/slices) and a
NeuralDecisionForest of such trees, each called inside a functional model, trained and
evaluated.  Shrunk: depth 4 and 3 epochs for the tree, 5 trees of depth 3 for the forest."""
import os
import sys
import tempfile

import numpy as np

import dlcore_static as tf
from dlcore_static import keras
from dlcore_static.keras import layers
from dlcore_static.keras.layers import StringLookup

"""
## Prepare the data (synthetic rows in the census files' layout)
"""

rng = np.random.default_rng(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
CSV_HEADER = ["age", "education", "hours_per_week", "occupation", "instance_weight",
              "income_level"]
EDUCATION = ["Bachelors", "HS-grad", "Masters", "Some-college"]
OCCUPATION = ["Sales", "Tech-support", "Craft-repair", "Exec-managerial", "Other-service"]


def make_rows(n):
    age = rng.integers(18, 80, n)
    edu = rng.integers(0, len(EDUCATION), n)
    hours = rng.integers(10, 70, n)
    occ = rng.integers(0, len(OCCUPATION), n)
    score = (age - 40) / 15 + (edu == 2) * 1.5 + (hours - 40) / 10 + (occ == 3) * 1.0
    label = (score + rng.normal(0, 0.5, n) > 0.5).astype(int)
    weight = rng.uniform(0.5, 2.0, n).round(3)
    return [[a, EDUCATION[e], h, OCCUPATION[o], w, y]
            for a, e, h, o, w, y in zip(age, edu, hours, occ, weight, label)]


data_dir = tempfile.mkdtemp()
train_data_file = os.path.join(data_dir, "train_data.csv")
valid_data_file = os.path.join(data_dir, "valid_data.csv")
test_data_file = os.path.join(data_dir, "test_data.csv")
for path, n in [(train_data_file, 400), (valid_data_file, 100), (test_data_file, 100)]:
    with open(path, "w") as f:
        for row in make_rows(n):
            f.write(",".join(str(v) for v in row) + "\n")

"""
## Define dataset metadata
"""

TARGET_FEATURE_NAME = "income_level"
WEIGHT_COLUMN_NAME = "instance_weight"
NUMERIC_FEATURE_NAMES = ["age", "hours_per_week"]
CATEGORICAL_FEATURES_WITH_VOCABULARY = {"education": sorted(EDUCATION),
                                        "occupation": sorted(OCCUPATION)}
FEATURE_NAMES = NUMERIC_FEATURE_NAMES + list(CATEGORICAL_FEATURES_WITH_VOCABULARY.keys())
COLUMN_DEFAULTS = [
    [0.0] if feature_name in NUMERIC_FEATURE_NAMES + [TARGET_FEATURE_NAME, WEIGHT_COLUMN_NAME]
    else ["NA"]
    for feature_name in CSV_HEADER
]

"""
## Create a `tf.data.Dataset` for training and evaluation
"""


def process(features, target):
    for feature_name in features:
        if feature_name in CATEGORICAL_FEATURES_WITH_VOCABULARY:
            # Cast categorical feature values to string.
            features[feature_name] = tf.cast(features[feature_name], tf.dtypes.string)
    # Get the instance weight.
    weight = features.pop(WEIGHT_COLUMN_NAME)
    return features, target, weight


def get_dataset_from_csv(csv_file_path, shuffle=False, batch_size=128):
    dataset = tf.data.experimental.make_csv_dataset(
        csv_file_path,
        batch_size=batch_size,
        column_names=CSV_HEADER,
        column_defaults=COLUMN_DEFAULTS,
        label_name=TARGET_FEATURE_NAME,
        num_epochs=1,
        header=False,
        shuffle=shuffle,
    ).map(process)
    return dataset


"""
## Create model inputs and encode the features
"""


def create_model_inputs():
    inputs = {}
    for feature_name in FEATURE_NAMES:
        if feature_name in NUMERIC_FEATURE_NAMES:
            inputs[feature_name] = layers.Input(name=feature_name, shape=(), dtype=tf.float32)
        else:
            inputs[feature_name] = layers.Input(name=feature_name, shape=(), dtype=tf.string)
    return inputs


def encode_inputs(inputs):
    encoded_features = []
    for feature_name in inputs:
        if feature_name in CATEGORICAL_FEATURES_WITH_VOCABULARY:
            vocabulary = CATEGORICAL_FEATURES_WITH_VOCABULARY[feature_name]
            # A lookup to turn string values into integer indices (no mask, no OOV).
            lookup = StringLookup(vocabulary=vocabulary, mask_token=None, num_oov_indices=0,
                                  output_mode="int")
            value_index = lookup(inputs[feature_name])
            embedding_dims = int(np.sqrt(lookup.vocabulary_size()))
            embedding = layers.Embedding(input_dim=lookup.vocabulary_size(),
                                         output_dim=embedding_dims)
            encoded_feature = embedding(value_index)
        else:
            # Use the numerical features as-is.
            encoded_feature = inputs[feature_name]
            if inputs[feature_name].shape[-1] is None:
                encoded_feature = tf.expand_dims(encoded_feature, -1)
        encoded_features.append(encoded_feature)
    encoded_features = layers.concatenate(encoded_features)
    return encoded_features


"""
## Deep Neural Decision Tree
"""


class NeuralDecisionTree(keras.Model):
    def __init__(self, depth, num_features, used_features_rate, num_classes):
        super(NeuralDecisionTree, self).__init__()
        self.depth = depth
        self.num_leaves = 2**depth
        self.num_classes = num_classes

        # A mask for the randomly selected features.
        num_used_features = int(num_features * used_features_rate)
        one_hot = np.eye(num_features)
        sampled_feature_indicies = np.random.choice(np.arange(num_features),
                                                    num_used_features, replace=False)
        self.used_features_mask = one_hot[sampled_feature_indicies]

        # The weights of the classes in the leaves.
        self.pi = tf.Variable(
            initial_value=tf.random_normal_initializer()(shape=[self.num_leaves,
                                                                 self.num_classes]),
            dtype="float32",
            trainable=True,
        )
        # The stochastic routing layer.
        self.decision_fn = layers.Dense(units=self.num_leaves, activation="sigmoid",
                                        name="decision")

    def call(self, features):
        batch_size = tf.shape(features)[0]
        # Apply the feature mask to the input features.
        features = tf.matmul(features, self.used_features_mask, transpose_b=True)
        # The routing probabilities, concatenated with their complements.
        decisions = tf.expand_dims(self.decision_fn(features), axis=2)
        decisions = layers.concatenate([decisions, 1 - decisions], axis=2)

        mu = tf.ones([batch_size, 1, 1])
        begin_idx = 1
        end_idx = 2
        # Traverse the tree in breadth-first order.
        for level in range(self.depth):
            mu = tf.reshape(mu, [batch_size, -1, 1])  # [batch_size, 2 ** level, 1]
            mu = tf.tile(mu, (1, 1, 2))  # [batch_size, 2 ** level, 2]
            level_decisions = decisions[:, begin_idx:end_idx, :]
            mu = mu * level_decisions  # [batch_size, 2**level, 2]
            begin_idx = end_idx
            end_idx = begin_idx + 2 ** (level + 1)

        mu = tf.reshape(mu, [batch_size, self.num_leaves])  # [batch_size, num_leaves]
        probabilities = keras.activations.softmax(self.pi)  # [num_leaves, num_classes]
        outputs = tf.matmul(mu, probabilities)  # [batch_size, num_classes]
        return outputs


"""
## Deep Neural Decision Forest
"""


class NeuralDecisionForest(keras.Model):
    def __init__(self, num_trees, depth, num_features, used_features_rate, num_classes):
        super(NeuralDecisionForest, self).__init__()
        self.ensemble = []
        # Each tree has its own randomly selected input features.
        for _ in range(num_trees):
            self.ensemble.append(
                NeuralDecisionTree(depth, num_features, used_features_rate, num_classes))

    def call(self, inputs):
        # Initialize the outputs: a [batch_size, num_classes] matrix of zeros.
        batch_size = tf.shape(inputs)[0]
        outputs = tf.zeros([batch_size, num_classes])
        # Aggregate the outputs of trees in the ensemble.
        for tree in self.ensemble:
            outputs += tree(inputs)
        # Divide the outputs by the ensemble size to get the average.
        outputs /= len(self.ensemble)
        return outputs


learning_rate = 0.01
batch_size = 64
num_epochs = 3
results = {}


def run_experiment(model, name):
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
        loss=keras.losses.SparseCategoricalCrossentropy(),
        metrics=[keras.metrics.SparseCategoricalAccuracy()],
    )
    print("Start training the model...")
    train_dataset = get_dataset_from_csv(train_data_file, shuffle=True, batch_size=batch_size)
    results[name] = model.fit(train_dataset, epochs=num_epochs, verbose=2)
    print("Model training finished")
    print("Evaluating the model on the test data...")
    test_dataset = get_dataset_from_csv(test_data_file, batch_size=batch_size)
    _, accuracy = model.evaluate(test_dataset, verbose=0)
    print(f"Test accuracy: {round(accuracy * 100, 2)}%")


"""
## Experiment 1: train a decision tree model
"""

num_trees = 5
depth = 4
used_features_rate = 1.0
num_classes = 2


def create_tree_model():
    inputs = create_model_inputs()
    features = encode_inputs(inputs)
    features = layers.BatchNormalization()(features)
    num_features = features.shape[1]
    tree = NeuralDecisionTree(depth, num_features, used_features_rate, num_classes)
    outputs = tree(features)
    model = keras.Model(inputs=inputs, outputs=outputs)
    return model


np.random.seed(0)
tree_model = create_tree_model()
run_experiment(tree_model, "tree")

"""
## Experiment 2: train a forest model
"""

depth = 3
used_features_rate = 0.5


def create_forest_model():
    inputs = create_model_inputs()
    features = encode_inputs(inputs)
    features = layers.BatchNormalization()(features)
    num_features = features.shape[1]
    forest_model = NeuralDecisionForest(num_trees, depth, num_features, used_features_rate,
                                        num_classes)
    outputs = forest_model(features)
    model = keras.Model(inputs=inputs, outputs=outputs)
    return model


forest_model = create_forest_model()
run_experiment(forest_model, "forest")
