"""DeepMind's graph_nets library (TensorFlow 1 version, graph_nets/blocks.py and utils_tf.py)
written out on plain tensors: a GraphsTuple batch of graphs of different sizes fed through
placeholders (nodes, edges, globals, senders, receivers, n_node, n_edge), utils_tf.repeat by
n_node / n_edge, broadcast_{sender,receiver}_nodes_to_edges (tf.gather),
broadcast_globals_to_edges/nodes, ReceivedEdgesToNodesAggregator and EdgesToGlobalsAggregator
(tf.unsorted_segment_sum whose num_segments is a fed total: tf.reduce_sum(n_node)), and
an EdgeBlock -> NodeBlock -> GlobalBlock graph network trained with Adam to predict, for each
node, the sum of its in-neighbours' features and, for each graph, its number of edges.  The
graphs are random (4 to 7 nodes, 3 to 12 edges each)."""
# ruff: noqa: UP004, UP031  (written in the source's own style)
import collections

import numpy as np

import dlcore_static as tf

GraphsTuple = collections.namedtuple(
    "GraphsTuple", ["nodes", "edges", "receivers", "senders", "globals", "n_node", "n_edge"])


# ----------------------------------------------------------------------------- utils_tf
def repeat(tensor, repeats, axis=0, name="repeat", sum_repeats_hint=None):
    """Repeats a `tf.Tensor`'s elements along an axis by custom amounts (graph_nets'
    utils_tf.repeat: a cumulative sum of the repeats scattered into indices)."""
    with tf.name_scope(name):
        repeats = tf.convert_to_tensor(repeats)
        cumsum_repeats = tf.cumsum(repeats)
        total = cumsum_repeats[-1]
        block_split_indicators = tf.math.unsorted_segment_sum(
            tf.ones_like(repeats[:-1]), cumsum_repeats[:-1], total)
        gather_indices = tf.cumsum(block_split_indicators)
        return tf.gather(tensor, gather_indices, axis=axis)


def get_num_graphs(graph):
    return tf.shape(graph.n_node)[0]


# ----------------------------------------------------------------------------- blocks.py
def broadcast_globals_to_edges(graph, name="broadcast_globals_to_edges"):
    with tf.name_scope(name):
        return repeat(graph.globals, graph.n_edge, axis=0)


def broadcast_globals_to_nodes(graph, name="broadcast_globals_to_nodes"):
    with tf.name_scope(name):
        return repeat(graph.globals, graph.n_node, axis=0)


def broadcast_sender_nodes_to_edges(graph, name="broadcast_sender_nodes_to_edges"):
    with tf.name_scope(name):
        return tf.gather(graph.nodes, graph.senders)


def broadcast_receiver_nodes_to_edges(graph, name="broadcast_receiver_nodes_to_edges"):
    with tf.name_scope(name):
        return tf.gather(graph.nodes, graph.receivers)


class ReceivedEdgesToNodesAggregator(object):
    def __init__(self, reducer=tf.math.unsorted_segment_sum):
        self._reducer = reducer

    def __call__(self, graph):
        num_nodes = tf.reduce_sum(graph.n_node)
        return self._reducer(graph.edges, graph.receivers, num_nodes)


class EdgesToGlobalsAggregator(object):
    def __init__(self, reducer=tf.math.unsorted_segment_sum):
        self._reducer = reducer

    def __call__(self, graph):
        num_graphs = get_num_graphs(graph)
        graph_index = tf.range(num_graphs)
        indices = repeat(graph_index, graph.n_edge, axis=0)
        return self._reducer(graph.edges, indices, num_graphs)


class NodesToGlobalsAggregator(object):
    def __init__(self, reducer=tf.math.unsorted_segment_sum):
        self._reducer = reducer

    def __call__(self, graph):
        num_graphs = get_num_graphs(graph)
        graph_index = tf.range(num_graphs)
        indices = repeat(graph_index, graph.n_node, axis=0)
        return self._reducer(graph.nodes, indices, num_graphs)


def mlp(inputs, sizes, scope):
    with tf.variable_scope(scope, reuse=tf.AUTO_REUSE):
        h = inputs
        for i, size in enumerate(sizes):
            h = tf.layers.dense(h, size, activation=tf.nn.relu if i < len(sizes) - 1 else None,
                                name="linear_%d" % i)
        return h


def edge_block(graph):
    collected_edges = tf.concat([graph.edges,
                                 broadcast_receiver_nodes_to_edges(graph),
                                 broadcast_sender_nodes_to_edges(graph),
                                 broadcast_globals_to_edges(graph)], axis=-1)
    return graph._replace(edges=mlp(collected_edges, [32, 16], "edge_block"))


def node_block(graph):
    nodes_to_collect = [ReceivedEdgesToNodesAggregator()(graph), graph.nodes,
                        broadcast_globals_to_nodes(graph)]
    collected_nodes = tf.concat(nodes_to_collect, axis=-1)
    return graph._replace(nodes=mlp(collected_nodes, [32, 2], "node_block"))


def global_block(graph):
    collected_globals = tf.concat([EdgesToGlobalsAggregator()(graph),
                                   NodesToGlobalsAggregator()(graph), graph.globals], axis=-1)
    return graph._replace(globals=mlp(collected_globals, [32, 1], "global_block"))


# ----------------------------------------------------------------------------- data
def random_graphs(rng, num_graphs):
    nodes, edges, senders, receivers, n_node, n_edge, globals_ = [], [], [], [], [], [], []
    offset = 0
    for _ in range(num_graphs):
        n = rng.randint(4, 8)
        e = rng.randint(3, 13)
        s = rng.randint(0, n, e)
        r = rng.randint(0, n, e)
        nodes.append(rng.randn(n, 2).astype(np.float32))
        edges.append(np.ones((e, 1), np.float32))
        senders.append(s + offset)
        receivers.append(r + offset)
        n_node.append(n)
        n_edge.append(e)
        globals_.append(np.zeros(1, np.float32))
        offset += n
    nodes = np.concatenate(nodes)
    senders, receivers = np.concatenate(senders).astype(np.int32), \
        np.concatenate(receivers).astype(np.int32)
    target_nodes = np.zeros_like(nodes)
    np.add.at(target_nodes, receivers, nodes[senders])      # sum of in-neighbours' features
    target_globals = np.array(n_edge, np.float32)[:, None]
    graph = GraphsTuple(nodes, np.concatenate(edges), receivers, senders, np.stack(globals_),
                        np.array(n_node, np.int32), np.array(n_edge, np.int32))
    return graph, target_nodes, target_globals


def placeholders():
    return GraphsTuple(
        nodes=tf.placeholder(tf.float32, [None, 2], name="nodes"),
        edges=tf.placeholder(tf.float32, [None, 1], name="edges"),
        receivers=tf.placeholder(tf.int32, [None], name="receivers"),
        senders=tf.placeholder(tf.int32, [None], name="senders"),
        globals=tf.placeholder(tf.float32, [None, 1], name="globals"),
        n_node=tf.placeholder(tf.int32, [None], name="n_node"),
        n_edge=tf.placeholder(tf.int32, [None], name="n_edge"))


def feed(ph, graph):
    return {getattr(ph, f): getattr(graph, f) for f in GraphsTuple._fields}


tf.reset_default_graph()
tf.set_random_seed(2)
rng = np.random.RandomState(2)
input_ph = placeholders()
target_nodes_ph = tf.placeholder(tf.float32, [None, 2])
target_globals_ph = tf.placeholder(tf.float32, [None, 1])

received = ReceivedEdgesToNodesAggregator()(input_ph)
edge_counts = EdgesToGlobalsAggregator()(input_ph)
repeated_globals = broadcast_globals_to_nodes(input_ph)

output = global_block(node_block(edge_block(input_ph)))
loss_nodes = tf.losses.mean_squared_error(target_nodes_ph, output.nodes)
loss_globals = tf.losses.mean_squared_error(target_globals_ph, output.globals)
loss = loss_nodes + 0.1 * loss_globals
step_op = tf.train.AdamOptimizer(3e-3).minimize(loss)

test_graph, test_nodes, test_globals = random_graphs(np.random.RandomState(99), 8)
history = []
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    aggregated = sess.run([received, edge_counts, repeated_globals], feed(input_ph, test_graph))
    for iteration in range(600):
        graph, t_nodes, t_globals = random_graphs(rng, 16)
        fd = feed(input_ph, graph)
        fd.update({target_nodes_ph: t_nodes, target_globals_ph: t_globals})
        _, train_loss = sess.run([step_op, loss], fd)
        if iteration % 100 == 0 or iteration == 599:
            fd = feed(input_ph, test_graph)
            fd.update({target_nodes_ph: test_nodes, target_globals_ph: test_globals})
            test_loss_nodes, test_loss_globals = sess.run([loss_nodes, loss_globals], fd)
            history.append((iteration, train_loss, test_loss_nodes, test_loss_globals))
            print("# %05d, Ltr %.4f, Lge nodes %.4f, globals %.4f"
                  % (iteration, train_loss, test_loss_nodes, test_loss_globals))
    predicted_nodes = sess.run(output.nodes, feed(input_ph, test_graph))
