"""Structured data learning with TabTransformer (keras.io, structured_data/tabtransformer.py),
imports renamed: the census-like synthetic CSV files of keras_wide_deep_cross.py instead of the
UCI census data; make_csv_dataset with a validation file; categorical features as embeddings
of one size (StringLookup), a baseline MLP with skip-free feedforward blocks, and the
TabTransformer (stacked categorical embeddings, optional column embedding, MultiHeadAttention
blocks with Add + LayerNormalization, a gelu feedforward, Flatten, a selu MLP), trained with
AdamW.  Shrunk: embedding 8, 2 heads, 2 blocks, 6 epochs of batches of 16.  Left out:
keras.utils.plot_model (pydot and graphviz).  create_mlp takes a normalization layer factory,
as the example's current version (its first version appended one BatchNormalization instance
for every block: a layer built for 19 features then called on 38, which tf.keras refuses)."""
import os
import sys
import tempfile

import numpy as np

import dlcore_static as tf
from dlcore_static import keras
from dlcore_static.keras import layers

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


LEARNING_RATE = 0.003
WEIGHT_DECAY = 0.0001
DROPOUT_RATE = 0.1
BATCH_SIZE = 16
NUM_EPOCHS = 6

NUM_TRANSFORMER_BLOCKS = 2  # Number of transformer blocks.
NUM_HEADS = 2  # Number of heads in the MultiHeadAttention layer.
EMBEDDING_DIMS = 8  # Embedding dimensions of the categorical features.
MLP_HIDDEN_UNITS_FACTORS = [2, 1]  # MLP hidden layer units, as factors of the input size.
NUM_MLP_BLOCKS = 2  # Number of MLP blocks in the baseline model.
CATEGORICAL_FEATURE_NAMES = list(CATEGORICAL_FEATURES_WITH_VOCABULARY.keys())


def get_dataset_from_csv(csv_file_path, batch_size=128, shuffle=False):
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


def run_experiment(model, train_data_file, test_data_file, num_epochs, learning_rate,
                   weight_decay, batch_size):
    optimizer = keras.optimizers.AdamW(learning_rate=learning_rate, weight_decay=weight_decay)
    model.compile(
        optimizer=optimizer,
        loss=keras.losses.BinaryCrossentropy(),
        metrics=[keras.metrics.BinaryAccuracy(name="accuracy")],
    )
    train_dataset = get_dataset_from_csv(train_data_file, batch_size, shuffle=True)
    validation_dataset = get_dataset_from_csv(test_data_file, batch_size)

    print("Start training the model...")
    history = model.fit(train_dataset, epochs=num_epochs, validation_data=validation_dataset,
                        verbose=2)
    print("Model training finished")
    _, accuracy = model.evaluate(validation_dataset, verbose=0)
    print(f"Validation accuracy: {round(accuracy * 100, 2)}%")
    return history


def create_model_inputs():
    inputs = {}
    for feature_name in FEATURE_NAMES:
        if feature_name in NUMERIC_FEATURE_NAMES:
            inputs[feature_name] = layers.Input(name=feature_name, shape=(), dtype=tf.float32)
        else:
            inputs[feature_name] = layers.Input(name=feature_name, shape=(), dtype=tf.string)
    return inputs


def encode_inputs(inputs, embedding_dims):
    encoded_categorical_feature_list = []
    numerical_feature_list = []
    for feature_name in inputs:
        if feature_name in CATEGORICAL_FEATURE_NAMES:
            vocabulary = CATEGORICAL_FEATURES_WITH_VOCABULARY[feature_name]
            # A lookup to turn string values into integer indices (no mask, no OOV).
            lookup = layers.StringLookup(vocabulary=vocabulary, mask_token=None,
                                         num_oov_indices=0, output_mode="int")
            encoded_feature = lookup(inputs[feature_name])
            embedding = layers.Embedding(input_dim=len(vocabulary), output_dim=embedding_dims)
            encoded_categorical_feature = embedding(encoded_feature)
            encoded_categorical_feature_list.append(encoded_categorical_feature)
        else:
            # Use the numerical features as-is.
            numerical_feature = tf.expand_dims(inputs[feature_name], -1)
            numerical_feature_list.append(numerical_feature)
    return encoded_categorical_feature_list, numerical_feature_list


def create_mlp(hidden_units, dropout_rate, activation, normalization_layer, name=None):
    mlp_layers = []
    for units in hidden_units:
        mlp_layers.append(normalization_layer())
        mlp_layers.append(layers.Dense(units, activation=activation))
        mlp_layers.append(layers.Dropout(dropout_rate))
    return keras.Sequential(mlp_layers, name=name)


"""
## Experiment 1: a baseline model
"""


def create_baseline_model(embedding_dims, num_mlp_blocks, mlp_hidden_units_factors,
                          dropout_rate):
    inputs = create_model_inputs()
    encoded_categorical_feature_list, numerical_feature_list = encode_inputs(
        inputs, embedding_dims)
    features = layers.concatenate(encoded_categorical_feature_list + numerical_feature_list)
    feedforward_units = [features.shape[-1]]
    for layer_idx in range(num_mlp_blocks):
        features = create_mlp(
            hidden_units=feedforward_units,
            dropout_rate=dropout_rate,
            activation=keras.activations.gelu,
            normalization_layer=lambda: layers.LayerNormalization(epsilon=1e-6),
            name=f"feedforward_{layer_idx}",
        )(features)
    mlp_hidden_units = [factor * features.shape[-1] for factor in mlp_hidden_units_factors]
    features = create_mlp(
        hidden_units=mlp_hidden_units,
        dropout_rate=dropout_rate,
        activation=keras.activations.selu,
        normalization_layer=layers.BatchNormalization,
        name="MLP",
    )(features)
    outputs = layers.Dense(units=1, activation="sigmoid", name="sigmoid")(features)
    model = keras.Model(inputs=inputs, outputs=outputs)
    return model


baseline_model = create_baseline_model(
    embedding_dims=EMBEDDING_DIMS,
    num_mlp_blocks=NUM_MLP_BLOCKS,
    mlp_hidden_units_factors=MLP_HIDDEN_UNITS_FACTORS,
    dropout_rate=DROPOUT_RATE,
)
print("Total model weights:", baseline_model.count_params())
baseline_history = run_experiment(
    model=baseline_model, train_data_file=train_data_file, test_data_file=test_data_file,
    num_epochs=NUM_EPOCHS, learning_rate=LEARNING_RATE, weight_decay=WEIGHT_DECAY,
    batch_size=BATCH_SIZE)

"""
## Experiment 2: TabTransformer
"""


def create_tabtransformer_classifier(num_transformer_blocks, num_heads, embedding_dims,
                                     mlp_hidden_units_factors, dropout_rate,
                                     use_column_embedding=False):
    inputs = create_model_inputs()
    encoded_categorical_feature_list, numerical_feature_list = encode_inputs(
        inputs, embedding_dims)
    # Stack categorical feature embeddings for the Transformer.
    encoded_categorical_features = tf.stack(encoded_categorical_feature_list, axis=1)
    numerical_features = layers.concatenate(numerical_feature_list)

    # Add column embedding to categorical feature embeddings.
    if use_column_embedding:
        num_columns = encoded_categorical_features.shape[1]
        column_embedding = layers.Embedding(input_dim=num_columns, output_dim=embedding_dims)
        column_indices = tf.range(start=0, limit=num_columns, delta=1)
        encoded_categorical_features = encoded_categorical_features + column_embedding(
            column_indices)

    for block_idx in range(num_transformer_blocks):
        attention_output = layers.MultiHeadAttention(
            num_heads=num_heads,
            key_dim=embedding_dims,
            dropout=dropout_rate,
            name=f"multihead_attention_{block_idx}",
        )(encoded_categorical_features, encoded_categorical_features)
        x = layers.Add(name=f"skip_connection1_{block_idx}")(
            [attention_output, encoded_categorical_features])
        x = layers.LayerNormalization(name=f"layer_norm1_{block_idx}", epsilon=1e-6)(x)
        feedforward_output = create_mlp(
            hidden_units=[embedding_dims],
            dropout_rate=dropout_rate,
            activation=keras.activations.gelu,
            normalization_layer=lambda: layers.LayerNormalization(epsilon=1e-6),
            name=f"feedforward_{block_idx}",
        )(x)
        x = layers.Add(name=f"skip_connection2_{block_idx}")([feedforward_output, x])
        encoded_categorical_features = layers.LayerNormalization(
            name=f"layer_norm2_{block_idx}", epsilon=1e-6)(x)

    # Flatten the "contextualized" embeddings of the categorical features.
    categorical_features = layers.Flatten()(encoded_categorical_features)
    numerical_features = layers.LayerNormalization(epsilon=1e-6)(numerical_features)
    features = layers.concatenate([categorical_features, numerical_features])
    mlp_hidden_units = [factor * features.shape[-1] for factor in mlp_hidden_units_factors]
    features = create_mlp(
        hidden_units=mlp_hidden_units,
        dropout_rate=dropout_rate,
        activation=keras.activations.selu,
        normalization_layer=layers.BatchNormalization,
        name="MLP",
    )(features)
    outputs = layers.Dense(units=1, activation="sigmoid", name="sigmoid")(features)
    model = keras.Model(inputs=inputs, outputs=outputs)
    return model


tabtransformer_model = create_tabtransformer_classifier(
    num_transformer_blocks=NUM_TRANSFORMER_BLOCKS,
    num_heads=NUM_HEADS,
    embedding_dims=EMBEDDING_DIMS,
    mlp_hidden_units_factors=MLP_HIDDEN_UNITS_FACTORS,
    dropout_rate=DROPOUT_RATE,
    use_column_embedding=True,
)
print("Total model weights:", tabtransformer_model.count_params())
history = run_experiment(
    model=tabtransformer_model, train_data_file=train_data_file,
    test_data_file=test_data_file, num_epochs=NUM_EPOCHS, learning_rate=LEARNING_RATE,
    weight_decay=WEIGHT_DECAY, batch_size=BATCH_SIZE)
