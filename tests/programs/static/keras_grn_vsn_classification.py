"""Classification with Gated Residual and Variable Selection Networks (keras.io,
structured_data/classification_with_grn_and_vsn.py, the tf.keras version), imports renamed:
census-like rows written to CSV files (synthetic, 600 rows instead of the UCI census data),
read with tf.data.experimental.make_csv_dataset, categorical columns encoded by StringLookup +
Embedding, numeric ones by Dense, a VariableSelection layer of GatedResidualNetworks, fit
with instance weights and EarlyStopping, evaluate."""
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
## Encode input features
"""


def encode_inputs(inputs, encoding_size):
    encoded_features = []
    for feature_name in inputs:
        if feature_name in CATEGORICAL_FEATURES_WITH_VOCABULARY:
            vocabulary = CATEGORICAL_FEATURES_WITH_VOCABULARY[feature_name]
            # Convert the string input values into integer indices (no mask, no OOV).
            index = StringLookup(vocabulary=vocabulary, mask_token=None, num_oov_indices=0)
            value_index = index(inputs[feature_name])
            embedding_encoder = layers.Embedding(input_dim=len(vocabulary),
                                                 output_dim=encoding_size)
            encoded_feature = embedding_encoder(value_index)
        else:
            # Project the numeric feature to encoding_size with a linear transformation.
            encoded_feature = tf.expand_dims(inputs[feature_name], -1)
            encoded_feature = layers.Dense(units=encoding_size)(encoded_feature)
        encoded_features.append(encoded_feature)
    return encoded_features


"""
## Implement the Gated Linear Unit
"""


class GatedLinearUnit(layers.Layer):
    def __init__(self, units):
        super(GatedLinearUnit, self).__init__()
        self.linear = layers.Dense(units)
        self.sigmoid = layers.Dense(units, activation="sigmoid")

    def call(self, inputs):
        return self.linear(inputs) * self.sigmoid(inputs)


"""
## Implement the Gated Residual Network
"""


class GatedResidualNetwork(layers.Layer):
    def __init__(self, units, dropout_rate):
        super(GatedResidualNetwork, self).__init__()
        self.units = units
        self.elu_dense = layers.Dense(units, activation="elu")
        self.linear_dense = layers.Dense(units)
        self.dropout = layers.Dropout(dropout_rate)
        self.gated_linear_unit = GatedLinearUnit(units)
        self.layer_norm = layers.LayerNormalization()
        self.project = layers.Dense(units)

    def call(self, inputs):
        x = self.elu_dense(inputs)
        x = self.linear_dense(x)
        x = self.dropout(x)
        if inputs.shape[-1] != self.units:
            inputs = self.project(inputs)
        x = inputs + self.gated_linear_unit(x)
        x = self.layer_norm(x)
        return x


"""
## Implement the Variable Selection Network
"""


class VariableSelection(layers.Layer):
    def __init__(self, num_features, units, dropout_rate):
        super(VariableSelection, self).__init__()
        self.grns = list()
        # A GRN for each feature independently
        for idx in range(num_features):
            grn = GatedResidualNetwork(units, dropout_rate)
            self.grns.append(grn)
        # A GRN for the concatenation of all the features
        self.grn_concat = GatedResidualNetwork(units, dropout_rate)
        self.softmax = layers.Dense(units=num_features, activation="softmax")

    def call(self, inputs):
        v = layers.concatenate(inputs)
        v = self.grn_concat(v)
        v = tf.expand_dims(self.softmax(v), axis=-1)

        x = []
        for idx, input in enumerate(inputs):
            x.append(self.grns[idx](input))
        x = tf.stack(x, axis=1)

        outputs = tf.squeeze(tf.matmul(v, x, transpose_a=True), axis=1)
        return outputs


"""
## Create Gated Residual and Variable Selection Networks model
"""


def create_model(encoding_size):
    inputs = create_model_inputs()
    feature_list = encode_inputs(inputs, encoding_size)
    num_features = len(feature_list)

    features = VariableSelection(num_features, encoding_size, dropout_rate)(feature_list)

    outputs = layers.Dense(units=1, activation="sigmoid")(features)
    model = keras.Model(inputs=inputs, outputs=outputs)
    return model


"""
## Compile, train, and evaluate the model
"""

learning_rate = 0.01
dropout_rate = 0.15
batch_size = 64
num_epochs = 8
encoding_size = 8

model = create_model(encoding_size)
model.compile(
    optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
    loss=keras.losses.BinaryCrossentropy(),
    metrics=[keras.metrics.BinaryAccuracy(name="accuracy")],
)

# Create an early stopping callback.
early_stopping = tf.keras.callbacks.EarlyStopping(
    monitor="val_loss", patience=5, restore_best_weights=True
)

print("Start training the model...")
train_dataset = get_dataset_from_csv(train_data_file, shuffle=True, batch_size=batch_size)
valid_dataset = get_dataset_from_csv(valid_data_file, batch_size=batch_size)
history = model.fit(
    train_dataset,
    epochs=num_epochs,
    validation_data=valid_dataset,
    callbacks=[early_stopping],
    verbose=2,
)
print("Model training finished.")

print("Evaluating model performance...")
test_dataset = get_dataset_from_csv(test_data_file, batch_size=batch_size)
_, accuracy = model.evaluate(test_dataset, verbose=0)
print(f"Test accuracy: {round(accuracy * 100, 2)}%")
