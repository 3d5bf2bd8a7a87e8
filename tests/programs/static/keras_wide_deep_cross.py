"""Structured data learning with Wide, Deep, and Cross networks (keras.io,
structured_data/wide_deep_cross_networks.py, the tf.keras version), imports renamed: the
census-like synthetic rows of keras_grn_vsn_classification.py (500, with a header line and the
weight column left out of the model) instead of the covertype data; make_csv_dataset; a
baseline FFN on one-hot (StringLookup output_mode="binary") features, a Wide & Deep model
(embeddings for the deep part) and a Deep & Cross model (x0 * Dense(x) + x crossings), each
trained 8 epochs (batches of 16: BatchNormalization's moving statistics need the steps) and evaluated.  Left out: keras.utils.plot_model (pydot and graphviz)."""
import math
import os
import sys
import tempfile

import numpy as np

import dlcore_static as tf
from dlcore_static import keras
from dlcore_static.keras import layers
from dlcore_static.keras.layers import StringLookup

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
test_data_file = os.path.join(data_dir, "test_data.csv")
for path, n in [(train_data_file, 400), (test_data_file, 100)]:
    with open(path, "w") as f:
        f.write(",".join(CSV_HEADER) + "\n")
        for row in make_rows(n):
            f.write(",".join(str(v) for v in row) + "\n")

TARGET_FEATURE_NAME = "income_level"
NUM_CLASSES = 2
NUMERIC_FEATURE_NAMES = ["age", "hours_per_week", "instance_weight"]
CATEGORICAL_FEATURES_WITH_VOCABULARY = {"education": sorted(EDUCATION),
                                        "occupation": sorted(OCCUPATION)}
CATEGORICAL_FEATURE_NAMES = list(CATEGORICAL_FEATURES_WITH_VOCABULARY.keys())
FEATURE_NAMES = NUMERIC_FEATURE_NAMES + CATEGORICAL_FEATURE_NAMES
COLUMN_DEFAULTS = [
    [0.0] if feature_name in NUMERIC_FEATURE_NAMES else [0] if feature_name ==
    TARGET_FEATURE_NAME else ["NA"]
    for feature_name in CSV_HEADER
]

"""
## Experiment setup
"""


def get_dataset_from_csv(csv_file_path, batch_size, shuffle=False):
    dataset = tf.data.experimental.make_csv_dataset(
        csv_file_path,
        batch_size=batch_size,
        column_names=CSV_HEADER,
        column_defaults=COLUMN_DEFAULTS,
        label_name=TARGET_FEATURE_NAME,
        num_epochs=1,
        header=True,
        shuffle=shuffle,
    )
    return dataset.cache()


learning_rate = 0.01
dropout_rate = 0.1
batch_size = 16
num_epochs = 8
hidden_units = [16, 16]
results = []


def run_experiment(model):
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
        loss=keras.losses.SparseCategoricalCrossentropy(),
        metrics=[keras.metrics.SparseCategoricalAccuracy()],
    )
    train_dataset = get_dataset_from_csv(train_data_file, batch_size, shuffle=True)
    test_dataset = get_dataset_from_csv(test_data_file, batch_size)

    print("Start training the model...")
    history = model.fit(train_dataset, epochs=num_epochs, verbose=2)
    print("Model training finished")

    _, accuracy = model.evaluate(test_dataset, verbose=0)
    results.append((history, accuracy))
    print(f"Test accuracy: {round(accuracy * 100, 2)}%")


"""
## Create model inputs
"""


def create_model_inputs():
    inputs = {}
    for feature_name in FEATURE_NAMES:
        if feature_name in NUMERIC_FEATURE_NAMES:
            inputs[feature_name] = layers.Input(name=feature_name, shape=(), dtype=tf.float32)
        else:
            inputs[feature_name] = layers.Input(name=feature_name, shape=(), dtype=tf.string)
    return inputs


"""
## Encode features
"""


def encode_inputs(inputs, use_embedding=False):
    encoded_features = []
    for feature_name in inputs:
        if feature_name in CATEGORICAL_FEATURE_NAMES:
            vocabulary = CATEGORICAL_FEATURES_WITH_VOCABULARY[feature_name]
            # A lookup to turn string values into integer indices (no mask, no OOV).
            lookup = StringLookup(
                vocabulary=vocabulary,
                mask_token=None,
                num_oov_indices=0,
                output_mode="int" if use_embedding else "binary",
            )
            if use_embedding:
                # Convert the string input values into integer indices.
                encoded_feature = lookup(inputs[feature_name])
                embedding_dims = int(math.sqrt(len(vocabulary)))
                embedding = layers.Embedding(input_dim=len(vocabulary),
                                             output_dim=embedding_dims)
                encoded_feature = embedding(encoded_feature)
            else:
                # Convert the string input values into a one hot encoding.
                encoded_feature = lookup(tf.expand_dims(inputs[feature_name], -1))
        else:
            # Use the numerical features as-is.
            encoded_feature = tf.expand_dims(inputs[feature_name], -1)
        encoded_features.append(encoded_feature)

    all_features = layers.concatenate(encoded_features)
    return all_features


"""
## Experiment 1: a baseline model
"""


def create_baseline_model():
    inputs = create_model_inputs()
    features = encode_inputs(inputs)
    for units in hidden_units:
        features = layers.Dense(units)(features)
        features = layers.BatchNormalization()(features)
        features = layers.ReLU()(features)
        features = layers.Dropout(dropout_rate)(features)
    outputs = layers.Dense(units=NUM_CLASSES, activation="softmax")(features)
    model = keras.Model(inputs=inputs, outputs=outputs)
    return model


baseline_model = create_baseline_model()
run_experiment(baseline_model)

"""
## Experiment 2: Wide & Deep model
"""


def create_wide_and_deep_model():
    inputs = create_model_inputs()
    wide = encode_inputs(inputs)
    wide = layers.BatchNormalization()(wide)

    deep = encode_inputs(inputs, use_embedding=True)
    for units in hidden_units:
        deep = layers.Dense(units)(deep)
        deep = layers.BatchNormalization()(deep)
        deep = layers.ReLU()(deep)
        deep = layers.Dropout(dropout_rate)(deep)

    merged = layers.concatenate([wide, deep])
    outputs = layers.Dense(units=NUM_CLASSES, activation="softmax")(merged)
    model = keras.Model(inputs=inputs, outputs=outputs)
    return model


wide_and_deep_model = create_wide_and_deep_model()
run_experiment(wide_and_deep_model)

"""
## Experiment 3: Deep & Cross model
"""


def create_deep_and_cross_model():
    inputs = create_model_inputs()
    x0 = encode_inputs(inputs, use_embedding=True)

    cross = x0
    for _ in hidden_units:
        units = cross.shape[-1]
        x = layers.Dense(units)(cross)
        cross = x0 * x + cross
    cross = layers.BatchNormalization()(cross)

    deep = x0
    for units in hidden_units:
        deep = layers.Dense(units)(deep)
        deep = layers.BatchNormalization()(deep)
        deep = layers.ReLU()(deep)
        deep = layers.Dropout(dropout_rate)(deep)

    merged = layers.concatenate([cross, deep])
    outputs = layers.Dense(units=NUM_CLASSES, activation="softmax")(merged)
    model = keras.Model(inputs=inputs, outputs=outputs)
    return model


deep_and_cross_model = create_deep_and_cross_model()
run_experiment(deep_and_cross_model)
