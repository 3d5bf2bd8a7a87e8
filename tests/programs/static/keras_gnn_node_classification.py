"""Node Classification with Graph Neural Networks (keras.io, graph/gnn_citations.py, the
tf.keras version), imports renamed: a synthetic citation graph in the Cora layout (150 papers
of 3 subjects, 24 binary word features, citations mostly within a subject) instead of the
downloaded dataset; the baseline FFN with skip connections, then the GNN node classifier (a
subclassed Model holding the graph: GraphConvLayer with tf.gather, unsorted_segment_sum/
mean/max aggregation, concat/add/gated-GRU updates, l2_normalize), trained with EarlyStopping
and validation_split, evaluated, its predictions shown.  Left out: the example's last part,
which swaps the model's graph attributes for a bigger graph and predicts again (TF2 traces
predict anew at its first call; dlcore built the model's graph at its first call).  One change beyond the imports: the softmax of
the predictions, an eager tensor's ``.numpy()`` in TF2, is read with
``keras.ops.convert_to_numpy`` (a graph tensor here, as in TF1)."""
import sys

import numpy as np

import dlcore_static as tf
from dlcore_static import keras
from dlcore_static.keras import layers

"""
## Prepare the dataset (synthetic papers and citations)
"""

rng = np.random.default_rng(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
np.random.seed(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
num_papers, num_features, num_classes = 150, 24, 3
class_values = ["Neural_Networks", "Theory", "Genetic_Algorithms"]
subjects = rng.integers(0, num_classes, num_papers)
word_probs = rng.uniform(0.05, 0.3, (num_classes, num_features))
word_probs[np.arange(num_features)[None, :] % num_classes == np.arange(num_classes)[:, None]] \
    += 0.45                                 # (each subject's own words are more frequent)
papers_x = (rng.uniform(size=(num_papers, num_features)) < word_probs[subjects]).astype(int)
citations = []
for source in range(num_papers):
    same = np.flatnonzero(subjects == subjects[source])
    for target in rng.choice(same, 3):
        citations.append([source, target])
    citations.append([source, rng.integers(0, num_papers)])
citations = np.array(citations)
print("Citations shape:", citations.shape)
print("Papers shape:", papers_x.shape)

"""
### Split the dataset into stratified train and test sets
"""

train_ids, test_ids = [], []
for subject in range(num_classes):
    group = np.flatnonzero(subjects == subject)
    random_selection = np.random.rand(len(group)) <= 0.5
    train_ids.extend(group[random_selection])
    test_ids.extend(group[~random_selection])
train_ids, test_ids = np.array(train_ids), np.array(test_ids)
print("Train data shape:", train_ids.shape)
print("Test data shape:", test_ids.shape)

hidden_units = [16, 16]
learning_rate = 0.01
dropout_rate = 0.2
num_epochs = 40
batch_size = 32

"""
### Implement train and evaluate experiment
"""


def run_experiment(model, x_train, y_train):
    # Compile the model.
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=[keras.metrics.SparseCategoricalAccuracy(name="acc")],
    )
    # Create an early stopping callback.
    early_stopping = keras.callbacks.EarlyStopping(
        monitor="val_acc", patience=50, restore_best_weights=True
    )
    # Fit the model.
    history = model.fit(
        x=x_train,
        y=y_train,
        epochs=num_epochs,
        batch_size=batch_size,
        validation_split=0.15,
        callbacks=[early_stopping],
        verbose=0,
    )
    return history


"""
## Implement Feedforward Network (FFN) Module
"""


def create_ffn(hidden_units, dropout_rate, name=None):
    fnn_layers = []
    for units in hidden_units:
        fnn_layers.append(layers.BatchNormalization())
        fnn_layers.append(layers.Dropout(dropout_rate))
        fnn_layers.append(layers.Dense(units, activation=tf.nn.gelu))
    return keras.Sequential(fnn_layers, name=name)


"""
## Build a Baseline Neural Network Model
"""

x_train, y_train = papers_x[train_ids], subjects[train_ids]
x_test, y_test = papers_x[test_ids], subjects[test_ids]


def create_baseline_model(hidden_units, num_classes, dropout_rate=0.2):
    inputs = layers.Input(shape=(num_features,), name="input_features")
    x = create_ffn(hidden_units, dropout_rate, name="ffn_block1")(inputs)
    for block_idx in range(4):
        # Create an FFN block.
        x1 = create_ffn(hidden_units, dropout_rate, name=f"ffn_block{block_idx + 2}")(x)
        # Add skip connection.
        x = layers.Add(name=f"skip_connection{block_idx + 2}")([x, x1])
    # Compute logits.
    logits = layers.Dense(num_classes, name="logits")(x)
    # Create the model.
    return keras.Model(inputs=inputs, outputs=logits, name="baseline")


baseline_model = create_baseline_model(hidden_units, num_classes, dropout_rate)
baseline_model.summary()
history = run_experiment(baseline_model, x_train, y_train)
_, test_accuracy = baseline_model.evaluate(x=x_test, y=y_test, verbose=0)
print(f"Baseline test accuracy: {round(test_accuracy * 100, 2)}%")


def generate_random_instances(num_instances):
    token_probability = x_train.mean(axis=0)
    instances = []
    for _ in range(num_instances):
        probabilities = np.random.uniform(size=len(token_probability))
        instance = (probabilities <= token_probability).astype(int)
        instances.append(instance)
    return np.array(instances)


def display_class_probabilities(probabilities):
    for instance_idx, probs in enumerate(probabilities):
        print(f"Instance {instance_idx + 1}:")
        for class_idx, prob in enumerate(probs):
            print(f"- {class_values[class_idx]}: {round(prob * 100, 2)}%")


new_instances = generate_random_instances(num_classes)
logits = baseline_model.predict(new_instances)
probabilities = keras.ops.convert_to_numpy(keras.activations.softmax(tf.convert_to_tensor(logits)))
display_class_probabilities(probabilities)

"""
## Build a Graph Neural Network Model
"""

# Create an edges array (sparse adjacency matrix) of shape [2, num_edges].
edges = citations.T
# Create an edge weights array of ones.
edge_weights = tf.ones(shape=edges.shape[1])
# Create a node features array of shape [num_nodes, num_features].
node_features = tf.cast(papers_x, dtype=tf.dtypes.float32)
# Create graph info tuple with node_features, edges, and edge_weights.
graph_info = (node_features, edges, edge_weights)

print("Edges shape:", edges.shape)
print("Nodes shape:", node_features.shape)


class GraphConvLayer(layers.Layer):
    def __init__(self, hidden_units, dropout_rate=0.2, aggregation_type="mean",
                 combination_type="concat", normalize=False, *args, **kwargs):
        super(GraphConvLayer, self).__init__(*args, **kwargs)
        self.aggregation_type = aggregation_type
        self.combination_type = combination_type
        self.normalize = normalize
        self.ffn_prepare = create_ffn(hidden_units, dropout_rate)
        if self.combination_type == "gru":
            self.update_fn = layers.GRU(
                units=hidden_units[-1],
                activation="tanh",
                recurrent_activation="sigmoid",
                dropout=dropout_rate,
                return_sequences=True,
                recurrent_dropout=dropout_rate,
            )
        else:
            self.update_fn = create_ffn(hidden_units, dropout_rate)

    def prepare(self, node_repesentations, weights=None):
        # node_repesentations shape is [num_edges, embedding_dim].
        messages = self.ffn_prepare(node_repesentations)
        if weights is not None:
            messages = messages * tf.expand_dims(weights, -1)
        return messages

    def aggregate(self, node_indices, neighbour_messages, node_repesentations):
        # node_indices shape is [num_edges]; neighbour_messages [num_edges, dim].
        num_nodes = node_repesentations.shape[0]
        if self.aggregation_type == "sum":
            aggregated_message = tf.math.unsorted_segment_sum(
                neighbour_messages, node_indices, num_segments=num_nodes)
        elif self.aggregation_type == "mean":
            aggregated_message = tf.math.unsorted_segment_mean(
                neighbour_messages, node_indices, num_segments=num_nodes)
        elif self.aggregation_type == "max":
            aggregated_message = tf.math.unsorted_segment_max(
                neighbour_messages, node_indices, num_segments=num_nodes)
        else:
            raise ValueError(f"Invalid aggregation type: {self.aggregation_type}.")
        return aggregated_message

    def update(self, node_repesentations, aggregated_messages):
        if self.combination_type == "gru":
            # Create a sequence of two elements for the GRU layer.
            h = tf.stack([node_repesentations, aggregated_messages], axis=1)
        elif self.combination_type == "concat":
            h = tf.concat([node_repesentations, aggregated_messages], axis=1)
        elif self.combination_type == "add":
            h = node_repesentations + aggregated_messages
        else:
            raise ValueError(f"Invalid combination type: {self.combination_type}.")
        # Apply the processing function.
        node_embeddings = self.update_fn(h)
        if self.combination_type == "gru":
            node_embeddings = tf.unstack(node_embeddings, axis=1)[-1]
        if self.normalize:
            node_embeddings = tf.nn.l2_normalize(node_embeddings, axis=-1)
        return node_embeddings

    def call(self, inputs):
        node_repesentations, edges, edge_weights = inputs
        # Get node_indices (source) and neighbour_indices (target) from edges.
        node_indices, neighbour_indices = edges[0], edges[1]
        # neighbour_repesentations shape is [num_edges, representation_dim].
        neighbour_repesentations = tf.gather(node_repesentations, neighbour_indices)
        # Prepare, aggregate, update.
        neighbour_messages = self.prepare(neighbour_repesentations, edge_weights)
        aggregated_messages = self.aggregate(node_indices, neighbour_messages,
                                             node_repesentations)
        return self.update(node_repesentations, aggregated_messages)


class GNNNodeClassifier(tf.keras.Model):
    def __init__(self, graph_info, num_classes, hidden_units, aggregation_type="sum",
                 combination_type="concat", dropout_rate=0.2, normalize=True, *args, **kwargs):
        super(GNNNodeClassifier, self).__init__(*args, **kwargs)
        # Unpack graph_info to three elements: node_features, edges, and edge_weight.
        node_features, edges, edge_weights = graph_info
        self.node_features = node_features
        self.edges = edges
        self.edge_weights = edge_weights
        # Set edge_weights to ones if not provided.
        if self.edge_weights is None:
            self.edge_weights = tf.ones(shape=edges.shape[1])
        # Scale edge_weights to sum to 1.
        self.edge_weights = self.edge_weights / tf.math.reduce_sum(self.edge_weights)
        self.preprocess = create_ffn(hidden_units, dropout_rate, name="preprocess")
        self.conv1 = GraphConvLayer(hidden_units, dropout_rate, aggregation_type,
                                    combination_type, normalize, name="graph_conv1")
        self.conv2 = GraphConvLayer(hidden_units, dropout_rate, aggregation_type,
                                    combination_type, normalize, name="graph_conv2")
        self.postprocess = create_ffn(hidden_units, dropout_rate, name="postprocess")
        self.compute_logits = layers.Dense(units=num_classes, name="logits")

    def call(self, input_node_indices):
        # Preprocess the node_features to produce node representations.
        x = self.preprocess(self.node_features)
        # Apply the first graph conv layer, with a skip connection.
        x1 = self.conv1((x, self.edges, self.edge_weights))
        x = x1 + x
        # Apply the second graph conv layer, with a skip connection.
        x2 = self.conv2((x, self.edges, self.edge_weights))
        x = x2 + x
        # Postprocess node embedding.
        x = self.postprocess(x)
        # Fetch node embeddings for the input node_indices.
        node_embeddings = tf.gather(x, input_node_indices)
        # Compute logits
        return self.compute_logits(node_embeddings)


gnn_model = GNNNodeClassifier(graph_info=graph_info, num_classes=num_classes,
                              hidden_units=hidden_units, dropout_rate=dropout_rate,
                              name="gnn_model")

print("GNN output shape:", gnn_model([1, 10, 100]))

gnn_model.summary()

history = run_experiment(gnn_model, train_ids, y_train)
_, test_accuracy = gnn_model.evaluate(x=test_ids, y=y_test, verbose=0)
print(f"GNN test accuracy: {round(test_accuracy * 100, 2)}%")

"""
### Examine the GNN model predictions (the example's new random instances, as nodes it knows)
"""

logits = gnn_model.predict(tf.convert_to_tensor(test_ids[:num_classes]))
probabilities = keras.ops.convert_to_numpy(keras.activations.softmax(tf.convert_to_tensor(logits)))
display_class_probabilities(probabilities)
