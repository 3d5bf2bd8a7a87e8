"""pytorch/examples gcn/main.py (Kipf and Welling's graph convolutional network) on a small
synthetic citation graph: GraphConv with the legacy torch.Tensor(in, out) constructor,
nn.init.xavier_normal_/zeros_, torch.mm then torch.spmm with a sparse adjacency; the
adjacency built with torch.sparse_coo_tensor, to_dense, + torch.eye, symmetric normalisation
D^-1/2 A D^-1/2 with torch.sqrt(1.0 / degree), an inf fix by boolean-mask assignment,
torch.diag and @, then .to_sparse(); nn.Dropout, log_softmax, Adam with weight_decay,
F.nll_loss on index masks.  (Dropout 0 and NumPy weights after the init so both libraries
train the same numbers.)"""
# ruff: noqa: UP008, PLR0402  (written in the example's own style)
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim


class GraphConv(nn.Module):
    """Basic graph convolution layer: output = A_hat (X W) (+ b)."""

    def __init__(self, input_dim, output_dim, use_bias=False):
        super(GraphConv, self).__init__()

        # Initialize the weight matrix W (in this case called `kernel`)
        self.kernel = nn.Parameter(torch.Tensor(input_dim, output_dim))
        nn.init.xavier_normal_(self.kernel)  # Initialize the weights using Xavier initialization

        # Initialize the bias (if use_bias is True)
        self.bias = None
        if use_bias:
            self.bias = nn.Parameter(torch.Tensor(output_dim))
            nn.init.zeros_(self.bias)  # Initialize the bias to zeros

    def forward(self, input_tensor, adj_mat):
        support = torch.mm(input_tensor, self.kernel)  # Matrix multiplication of X and W
        output = torch.spmm(adj_mat, support)  # Sparse matrix multiplication of A and (X W)
        # Add the bias (if bias is not None)
        if self.bias is not None:
            output = output + self.bias

        return output


class GCN(nn.Module):
    def __init__(self, input_dim, hidden_dim, output_dim, use_bias=True, dropout_p=0.1):
        super(GCN, self).__init__()

        # Define the Graph Convolution layers
        self.gc1 = GraphConv(input_dim, hidden_dim, use_bias=use_bias)
        self.gc2 = GraphConv(hidden_dim, output_dim, use_bias=use_bias)

        # Define the dropout layer
        self.dropout = nn.Dropout(dropout_p)

    def forward(self, input_tensor, adj_mat):
        x = self.gc1(input_tensor, adj_mat)  # Pass through the first graph convolution layer
        x = F.relu(x)  # Apply ReLU activation function
        x = self.dropout(x)  # Apply dropout regularization

        x = self.gc2(x, adj_mat)  # Pass through the second graph convolution layer

        # Apply log-softmax activation function for classification
        return F.log_softmax(x, dim=1)


def make_graph(rng, num_nodes=40, num_features=12, num_classes=3, use_sparse=True):
    labels = rng.integers(0, num_classes, num_nodes)
    centres = rng.normal(0, 1, (num_classes, num_features))
    features = torch.FloatTensor(centres[labels] + rng.normal(0, 1.5, (num_nodes, num_features)))
    edges = []
    for i in range(num_nodes):
        same = np.flatnonzero(labels == labels[i])
        edges += [(i, int(j)) for j in rng.choice(same, 2)] + [(i, int(rng.integers(num_nodes)))]
    edges = np.array(sorted(set(edges) | {(j, i) for i, j in edges}))
    adj_mat = torch.sparse_coo_tensor(torch.tensor(edges.T), torch.ones(len(edges)),
                                      (num_nodes, num_nodes), dtype=torch.float32).to_dense()
    adj_mat[[3, 4], :] = 0                                 # two isolated nodes
    adj_mat[:, [3, 4]] = 0

    # normalise: D^-1/2 A D^-1/2, isolated nodes (degree 0) kept at 0
    degree_mat = torch.sum(adj_mat, dim=1)
    degree_mat = torch.sqrt(1.0 / degree_mat)
    degree_mat[degree_mat == float('inf')] = 0
    degree_mat = torch.diag(degree_mat)
    adj_mat = degree_mat @ adj_mat @ degree_mat
    adj_mat = adj_mat + torch.eye(adj_mat.shape[0])
    if use_sparse:
        adj_mat = adj_mat.to_sparse()
    return features, torch.LongTensor(labels), adj_mat


def train_iter(epoch, model, optimizer, criterion, input, target, mask_train, mask_val,
               print_every=10):
    model.train()
    optimizer.zero_grad()

    output = model(*input)
    loss = criterion(output[mask_train], target[mask_train])
    loss.backward()
    optimizer.step()

    loss_train, acc_train = test(model, criterion, input, target, mask_train)
    loss_val, acc_val = test(model, criterion, input, target, mask_val)

    if epoch % print_every == 0:
        print(f'Epoch: {epoch:04d} | loss_train: {loss_train:.4f} | '
              f'acc_train: {acc_train:.4f} | loss_val: {loss_val:.4f} | acc_val: {acc_val:.4f}')


def test(model, criterion, input, target, mask):
    model.eval()
    with torch.no_grad():
        output = model(*input)
        output, target = output[mask], target[mask]

        loss = criterion(output, target)
        acc = (output.argmax(dim=1) == target).float().sum() / len(target)
    return loss.item(), acc.item()


rng = np.random.default_rng(0)
features, labels, adj_mat = make_graph(rng)
print(features.shape, labels.dtype, adj_mat.is_sparse, adj_mat._nnz(),
      round(adj_mat.to_dense().sum().item(), 4))
idx = torch.arange(len(labels))
idx_test, idx_val, idx_train = idx[:10], idx[10:20], idx[20:]

gcn = GCN(features.shape[1], 16, 3, use_bias=True, dropout_p=0.0)
k = gcn.gc1.kernel
print(tuple(k.shape), gcn.gc1.bias.abs().sum().item(),
      "xavier scale ok:", abs(k.std().item() - (2 / 28) ** 0.5) < 0.06)
with torch.no_grad():
    for p in gcn.parameters():
        if p.dim() == 2:
            p.copy_(torch.from_numpy(rng.normal(0, (2 / sum(p.shape)) ** 0.5, tuple(p.shape))
                                     .astype(np.float32)))
optimizer = optim.Adam(gcn.parameters(), lr=0.01, weight_decay=5e-4)
criterion = F.nll_loss
for epoch in range(40):
    train_iter(epoch + 1, gcn, optimizer, criterion, (features, adj_mat), labels, idx_train,
               idx_val, 10)
loss_test, acc_test = test(gcn, criterion, (features, adj_mat), labels, idx_test)
print(f'Test set results: loss {loss_test:.4f} accuracy {acc_test:.4f}')
