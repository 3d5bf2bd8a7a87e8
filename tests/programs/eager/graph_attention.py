"""pytorch/examples gat/main.py (graph attention network) on a small synthetic citation graph:
GraphAttentionLayer with nn.Parameter(torch.empty(size=...)) and nn.init.xavier_normal_,
per-head scores by torch.matmul with a sliced self.a and a broadcast add with .mT, LeakyReLU,
torch.where(adj_mat > 0, e, -9e16 * torch.ones_like(e)), F.softmax, F.dropout(training=...),
view/permute/contiguous for concatenated heads, mean over heads, F.elu, log_softmax; a dense
adjacency filled by advanced-index assignment, Adam with weight_decay, nn.NLLLoss on masked
nodes, train_iter/test with model.train()/model.eval().  (Dropout 0 and the xavier_normal_
draws replaced by NumPy ones after checking their scale, so both libraries train the same
numbers; 40 nodes in 3 classes instead of Cora.)"""
# ruff: noqa: UP008, PLR0402  (written in the example's own style)
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class GraphAttentionLayer(nn.Module):
    def __init__(self, in_features: int, out_features: int, n_heads: int, concat: bool = False,
                 dropout: float = 0.4, leaky_relu_slope: float = 0.2):
        super(GraphAttentionLayer, self).__init__()

        self.n_heads = n_heads  # Number of attention heads
        self.concat = concat  # whether to concatenate the final attention heads
        self.dropout = dropout  # Dropout rate

        if concat:  # concatenating the attention heads
            self.out_features = out_features  # Number of output features per node
            assert out_features % n_heads == 0  # Ensure that out_features is a multiple of n_heads
            self.n_hidden = out_features // n_heads
        else:  # averaging output over the attention heads (Used in the main paper)
            self.n_hidden = out_features

        #  A shared linear transformation, parametrized by a weight matrix W is applied to every
        #  node
        self.W = nn.Parameter(torch.empty(size=(in_features, self.n_hidden * n_heads)))

        # Initialize the weight matrix W
        self.a = nn.Parameter(torch.empty(size=(n_heads, 2 * self.n_hidden, 1)))

        self.leakyrelu = nn.LeakyReLU(leaky_relu_slope)  # LeakyReLU activation function
        self.softmax = nn.Softmax(dim=1)  # softmax activation function to the attention coeffs

        self.reset_parameters()  # Reset the parameters

    def reset_parameters(self):
        nn.init.xavier_normal_(self.W)
        nn.init.xavier_normal_(self.a)

    def _get_attention_scores(self, h_transformed: torch.Tensor):
        source_scores = torch.matmul(h_transformed, self.a[:, :self.n_hidden, :])
        target_scores = torch.matmul(h_transformed, self.a[:, self.n_hidden:, :])

        # broadcast add
        # (n_heads, n_nodes, 1) + (n_heads, 1, n_nodes) = (n_heads, n_nodes, n_nodes)
        e = source_scores + target_scores.mT
        return self.leakyrelu(e)

    def forward(self, h: torch.Tensor, adj_mat: torch.Tensor):
        n_nodes = h.shape[0]

        # Apply linear transformation to node feature -> W h
        # output shape (n_nodes, n_hidden * n_heads)
        h_transformed = torch.mm(h, self.W)
        h_transformed = F.dropout(h_transformed, self.dropout, training=self.training)

        # splitting the heads by reshaping the tensor and putting heads dim first
        # output shape (n_heads, n_nodes, n_hidden)
        h_transformed = h_transformed.view(n_nodes, self.n_heads, self.n_hidden).permute(1, 0, 2)

        # getting the attention scores
        # output shape (n_heads, n_nodes, n_nodes)
        e = self._get_attention_scores(h_transformed)

        # Set the attention score for non-existent edges to -9e15 (MASKING NON-EXISTENT EDGES)
        connectivity_mask = -9e16 * torch.ones_like(e)
        e = torch.where(adj_mat > 0, e, connectivity_mask)  # masked attention scores

        # attention coefficients are computed as a softmax over the rows
        # for each column j in the attention score matrix e
        attention = F.softmax(e, dim=-1)
        attention = F.dropout(attention, self.dropout, training=self.training)

        # final node embeddings are computed as a weighted average of the features of its
        # neighbors
        h_prime = torch.matmul(attention, h_transformed)

        # concatenating/averaging the attention heads
        # output shape (n_nodes, out_features)
        if self.concat:
            h_prime = h_prime.permute(1, 0, 2).contiguous().view(n_nodes, self.out_features)
        else:
            h_prime = h_prime.mean(dim=0)

        return h_prime


class GAT(nn.Module):
    def __init__(self, in_features, n_hidden, n_heads, num_classes, concat=False, dropout=0.4,
                 leaky_relu_slope=0.2):
        super(GAT, self).__init__()

        # Define the Graph Attention layers
        self.gat1 = GraphAttentionLayer(
            in_features=in_features, out_features=n_hidden, n_heads=n_heads,
            concat=concat, dropout=dropout, leaky_relu_slope=leaky_relu_slope
        )

        self.gat2 = GraphAttentionLayer(
            in_features=n_hidden, out_features=num_classes, n_heads=1,
            concat=False, dropout=dropout, leaky_relu_slope=leaky_relu_slope
        )

    def forward(self, input_tensor: torch.Tensor, adj_mat: torch.Tensor):
        # Apply the first Graph Attention layer
        x = self.gat1(input_tensor, adj_mat)
        x = F.elu(x)  # Apply ELU activation function to the output of the first layer

        # Apply the second Graph Attention layer
        x = self.gat2(x, adj_mat)

        return F.log_softmax(x, dim=1)  # Apply log softmax activation function


def train_iter(epoch, model, optimizer, criterion, input, target, mask_train, mask_val,
               print_every=10):
    model.train()
    optimizer.zero_grad()

    # Forward pass
    output = model(*input)
    loss = criterion(output[mask_train], target[mask_train])  # Compute the loss

    # Backward pass
    loss.backward()
    optimizer.step()

    # Evaluate the model performance on training and validation sets
    loss_train, acc_train = test(model, criterion, input, target, mask_train)
    loss_val, acc_val = test(model, criterion, input, target, mask_val)

    if epoch % print_every == 0:
        # Print the training progress at specified intervals
        print(f'epoch: {epoch:04d} | loss_train: {loss_train:.4f} | acc_train: {acc_train:.4f} |'
              f' loss_val: {loss_val:.4f} | acc_val: {acc_val:.4f}')


def test(model, criterion, input, target, mask):
    model.eval()
    with torch.no_grad():
        output = model(*input)
        output, target = output[mask], target[mask]

        loss = criterion(output, target)
        acc = (output.argmax(dim=1) == target).float().sum() / len(target)
    return loss.item(), acc.item()


rng = np.random.default_rng(0)
num_nodes, num_features, num_classes = 40, 12, 3
labels = torch.from_numpy(rng.integers(0, num_classes, num_nodes))
centres = rng.normal(0, 1, (num_classes, num_features))
features = torch.FloatTensor(centres[labels.numpy()] + rng.normal(0, 1.2, (num_nodes,
                                                                           num_features)))
# edges mostly within a class, a few across
src, dst = [], []
for i in range(num_nodes):
    same = np.flatnonzero(labels.numpy() == labels[i].item())
    for j in rng.choice(same, 3):
        src.append(i)
        dst.append(int(j))
    src.append(i)
    dst.append(int(rng.integers(0, num_nodes)))
edges = torch.tensor([src, dst])
adj_mat = torch.zeros((num_nodes, num_nodes))
adj_mat[edges[0], edges[1]] = 1
adj_mat[edges[1], edges[0]] = 1
adj_mat = adj_mat + torch.eye(num_nodes)
adj_mat = (adj_mat > 0).float()
print(features.shape, adj_mat.sum().item(), labels.bincount().tolist())

gat_net = GAT(in_features=num_features, n_hidden=16, n_heads=4, num_classes=num_classes,
              concat=False, dropout=0.0, leaky_relu_slope=0.2)
std = gat_net.gat1.W.std().item()
print("xavier_normal_ scale ok:", abs(std - (2 / (12 + 64)) ** 0.5) < 0.05)
with torch.no_grad():
    for name, p in gat_net.named_parameters():
        fan = p.shape[-2] + p.shape[-1]
        p.copy_(torch.from_numpy(rng.normal(0, (2 / fan) ** 0.5, tuple(p.shape))
                                 .astype(np.float32)))

idx = torch.arange(num_nodes)
idx_test, idx_val, idx_train = idx[:10], idx[10:20], idx[20:]
optimizer = torch.optim.Adam(gat_net.parameters(), lr=0.005, weight_decay=5e-4)
criterion = nn.NLLLoss()
for epoch in range(30):
    train_iter(epoch + 1, gat_net, optimizer, criterion, (features, adj_mat), labels, idx_train,
               idx_val, 10)
loss_test, acc_test = test(gat_net, criterion, (features, adj_mat), labels, idx_test)
print(f'Test set results: loss {loss_test:.4f} accuracy {acc_test:.4f}')
