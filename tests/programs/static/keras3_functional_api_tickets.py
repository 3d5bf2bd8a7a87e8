"""keras.io guide "The Functional API" (fchollet; Keras 3), its multi-input multi-output
model, smaller: ranking customer issue tickets by priority and routing them to a department
from a title (ints), a body (ints) and tags (binary), with named inputs and outputs; losses,
loss weights and targets given as dicts keyed by the output names; ``fit`` on dicts of
arrays.  Then the guide's shared-embedding and layer-graph pieces: ``model.layers``,
``get_layer(name).output``, a feature-extraction model over the intermediate outputs.
The imports are the guide's with ``keras`` -> ``dlcore_static.keras``."""

import numpy as np
import dlcore_static.keras as keras
from dlcore_static.keras import layers

keras.utils.set_random_seed(4)

num_tags = 6  # Number of unique issue tags
num_words = 50  # Size of vocabulary obtained when preprocessing text data
num_departments = 3  # Number of departments for predictions

title_input = keras.Input(shape=(None,), name="title")  # Variable-length sequence of ints
body_input = keras.Input(shape=(None,), name="body")  # Variable-length sequence of ints
tags_input = keras.Input(shape=(num_tags,), name="tags")  # Binary vectors of size `num_tags`

# Embed each word in the title into a 8-dimensional vector
title_features = layers.Embedding(num_words, 8)(title_input)
# Embed each word in the text into a 8-dimensional vector
body_features = layers.Embedding(num_words, 8)(body_input)

# Reduce sequence of embedded words in the title into a single 16-dimensional vector
title_features = layers.LSTM(16)(title_features)
# Reduce sequence of embedded words in the body into a single 8-dimensional vector
body_features = layers.LSTM(8)(body_features)

# Merge all available features into a single large vector via concatenation
x = layers.concatenate([title_features, body_features, tags_input])

# Stick a logistic regression for priority prediction on top of the features
priority_pred = layers.Dense(1, name="priority")(x)
# Stick a department classifier on top of the features
department_pred = layers.Dense(num_departments, name="department")(x)

# Instantiate an end-to-end model predicting both priority and department
model = keras.Model(
    inputs=[title_input, body_input, tags_input],
    outputs={"priority": priority_pred, "department": department_pred},
)
model.summary()

model.compile(
    optimizer=keras.optimizers.RMSprop(1e-2),
    loss={
        "priority": keras.losses.BinaryCrossentropy(from_logits=True),
        "department": keras.losses.CategoricalCrossentropy(from_logits=True),
    },
    loss_weights={"priority": 1.0, "department": 0.2},
)

# Dummy input data (the guide's), and targets that depend on it so that there is something
# to learn: priority from tag 0, the department from the first title word
title_data = np.random.randint(num_words, size=(256, 10))
body_data = np.random.randint(num_words, size=(256, 20))
tags_data = np.random.randint(2, size=(256, num_tags)).astype("float32")
priority_targets = tags_data[:, :1].copy()
dept_targets = keras.utils.to_categorical(title_data[:, 0] % num_departments, num_departments)

history = model.fit(
    {"title": title_data, "body": body_data, "tags": tags_data},
    {"priority": priority_targets, "department": dept_targets},
    epochs=4,
    batch_size=32,
    verbose=2,
)
print("history keys:", sorted(history.history))
print("loss:", " ".join(f"{v:.4f}" for v in history.history["loss"]))

preds = model.predict({"title": title_data[:32], "body": body_data[:32],
                       "tags": tags_data[:32]}, verbose=0)
print("prediction keys:", sorted(preds) if isinstance(preds, dict) else type(preds).__name__)
acc = np.mean((preds["priority"][:, 0] > 0) == (priority_targets[:32, 0] > 0.5))
print(f"priority accuracy: {acc:.3f}")

# Extract and reuse nodes in the graph of layers
features_list = [layer.output for layer in model.layers if "lstm" in layer.name]
feat_extraction_model = keras.Model(inputs=model.inputs, outputs=features_list)
features = feat_extraction_model.predict([title_data[:4], body_data[:4], tags_data[:4]],
                                         verbose=0)
print("feature shapes:", [f.shape for f in features])
