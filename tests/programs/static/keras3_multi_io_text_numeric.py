"""A functional model with two inputs and two outputs, as the Keras guide "The Functional API"
builds its ticket model: a token sequence (Embedding, Conv1D, GlobalMaxPooling1D) and numeric
features (Normalization adapted on the data) joined, a softmax "department" head and a
regression "priority" head; compiled with a loss, a loss weight and metrics per output (dicts
keyed by the output layers' names), fit on dicts, evaluated with ``return_dict=True``.  Imports
renamed (``keras`` -> ``dlcore_static.keras``); made-up data: the department is the token range
that dominates a sequence, the priority a linear function of the numeric features."""
import numpy as np

from dlcore_static import keras
from dlcore_static.keras import layers

keras.utils.set_random_seed(5)

num_words = 30
seq_len = 12
num_departments = 3
num_numeric = 4

rng = np.random.default_rng(5)


def make_data(n):
    dept = rng.integers(0, num_departments, n)
    lo = 1 + dept * 9
    tokens = rng.integers(1, num_words, (n, seq_len))
    mask = rng.random((n, seq_len)) < 0.6
    tokens[mask] = (lo[:, None] + rng.integers(0, 9, (n, seq_len)))[mask]
    numeric = rng.normal(loc=5.0, scale=3.0, size=(n, num_numeric)).astype("float32")
    priority = (numeric @ np.array([0.3, -0.2, 0.1, 0.05]) / 3.0).astype("float32")
    return tokens.astype("int32"), numeric, dept, priority[:, None]


tok_train, num_train, dept_train, prio_train = make_data(400)
tok_test, num_test, dept_test, prio_test = make_data(100)

text_input = keras.Input(shape=(seq_len,), dtype="int32", name="text")
numeric_input = keras.Input(shape=(num_numeric,), name="numeric")

norm = layers.Normalization(name="numeric_norm")
norm.adapt(num_train)

x = layers.Embedding(num_words, 16)(text_input)
x = layers.Conv1D(16, 3, activation="relu")(x)
x = layers.GlobalMaxPooling1D()(x)
y = norm(numeric_input)
y = layers.Dense(8, activation="relu")(y)
joined = layers.concatenate([x, y])

department = layers.Dense(num_departments, activation="softmax", name="department")(joined)
priority = layers.Dense(1, name="priority")(joined)

model = keras.Model(inputs=[text_input, numeric_input], outputs=[department, priority])
model.summary()

model.compile(
    optimizer=keras.optimizers.Adam(learning_rate=0.01),
    loss={
        "department": keras.losses.SparseCategoricalCrossentropy(),
        "priority": keras.losses.MeanSquaredError(),
    },
    loss_weights={"department": 1.0, "priority": 0.5},
    metrics={"department": ["accuracy"], "priority": [keras.metrics.MeanAbsoluteError()]},
)

history = model.fit(
    {"text": tok_train, "numeric": num_train},
    {"department": dept_train, "priority": prio_train},
    epochs=6,
    batch_size=32,
    validation_split=0.2,
    verbose=0,
)
print("history keys:", sorted(history.history))

results = model.evaluate(
    {"text": tok_test, "numeric": num_test},
    {"department": dept_test, "priority": prio_test},
    return_dict=True,
    verbose=0,
)
for key in sorted(results):
    print(f"{key}: {results[key]:.4f}")

dept_probs, prio_pred = model.predict({"text": tok_test, "numeric": num_test}, verbose=0)
print("predicted shapes:", dept_probs.shape, prio_pred.shape)
