"""Graph neural networks written without PyTorch Geometric, the way the "GNNs from scratch"
tutorials do (the UvA deep-learning tutorial 7, PyG's "Creating Message Passing Networks"
recast in plain torch): an edge_index LongTensor, self-loops added with torch.cat, degrees by
torch.zeros(...).index_add_, symmetric normalisation deg.pow(-0.5) with masked_fill_ of inf,
messages x[src] * norm scattered with index_add_ (GCN), a GIN layer's sum aggregation with
Tensor.scatter_add_ over an expanded index, a GraphSAGE mean/max via scatter_reduce
(include_self=False), GAT-style attention with a per-node softmax (scatter_reduce amax,
exp, index_add_ of the sums), and a graph-level readout over a batch vector (global mean
pooling) for graph classification with CrossEntropyLoss and Adam."""
# ruff: noqa: PLR0402  (written in the tutorials' own style)
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


def ring(n, offset):
    src = torch.arange(n) + offset
    dst = (torch.arange(n) + 1) % n + offset
    return torch.stack([torch.cat([src, dst]), torch.cat([dst, src])])


def star(n, offset):
    leaves = torch.arange(1, n) + offset
    hub = torch.full((n - 1,), offset)
    return torch.stack([torch.cat([hub, leaves]), torch.cat([leaves, hub])])


# a batch of 6 graphs: rings (class 0) and stars (class 1)
sizes = [5, 6, 4, 5, 7, 4]
kinds = [0, 1, 0, 1, 0, 1]
edges, batch, offset = [], [], 0
for g, (n, k) in enumerate(zip(sizes, kinds)):
    edges.append(ring(n, offset) if k == 0 else star(n, offset))
    batch.append(torch.full((n,), g))
    offset += n
edge_index = torch.cat(edges, dim=1)
batch = torch.cat(batch)
y = torch.tensor(kinds)
num_nodes = offset
x = torch.randn(num_nodes, 3)
print("edge_index", edge_index.shape, edge_index.dtype, "nodes", num_nodes)


class GCNConv(nn.Module):
    def __init__(self, in_channels, out_channels):
        super().__init__()
        self.lin = nn.Linear(in_channels, out_channels, bias=False)
        self.bias = nn.Parameter(torch.zeros(out_channels))

    def forward(self, x, edge_index):
        loops = torch.arange(x.size(0)).unsqueeze(0).repeat(2, 1)
        edge_index = torch.cat([edge_index, loops], dim=1)
        x = self.lin(x)
        row, col = edge_index
        deg = torch.zeros(x.size(0)).index_add_(0, col, torch.ones(col.size(0)))
        deg_inv_sqrt = deg.pow(-0.5)
        deg_inv_sqrt.masked_fill_(deg_inv_sqrt == float('inf'), 0)
        norm = deg_inv_sqrt[row] * deg_inv_sqrt[col]
        out = torch.zeros_like(x).index_add_(0, col, norm.view(-1, 1) * x[row])
        return out + self.bias


class GINConv(nn.Module):
    def __init__(self, in_channels, out_channels):
        super().__init__()
        self.eps = nn.Parameter(torch.zeros(1))
        self.mlp = nn.Sequential(nn.Linear(in_channels, out_channels), nn.ReLU(),
                                 nn.Linear(out_channels, out_channels))

    def forward(self, x, edge_index):
        src, dst = edge_index
        index = dst.unsqueeze(-1).expand(-1, x.size(1))
        agg = torch.zeros_like(x).scatter_add_(0, index, x[src])
        return self.mlp((1 + self.eps) * x + agg)


class SAGEConv(nn.Module):
    def __init__(self, in_channels, out_channels, aggr="mean"):
        super().__init__()
        self.aggr = aggr
        self.lin_l = nn.Linear(in_channels, out_channels)
        self.lin_r = nn.Linear(in_channels, out_channels, bias=False)

    def forward(self, x, edge_index):
        src, dst = edge_index
        index = dst.unsqueeze(-1).expand(-1, x.size(1))
        agg = torch.zeros_like(x).scatter_reduce(0, index, x[src], reduce=self.aggr,
                                                 include_self=False)
        return self.lin_l(agg) + self.lin_r(x)


class GATConv(nn.Module):
    def __init__(self, in_channels, out_channels):
        super().__init__()
        self.lin = nn.Linear(in_channels, out_channels, bias=False)
        self.att_src = nn.Parameter(torch.randn(out_channels) * 0.1)
        self.att_dst = nn.Parameter(torch.randn(out_channels) * 0.1)

    def forward(self, x, edge_index):
        h = self.lin(x)
        src, dst = edge_index
        e = F.leaky_relu((h[src] * self.att_src).sum(-1) + (h[dst] * self.att_dst).sum(-1), 0.2)
        e_max = torch.full((x.size(0),), float('-inf')).scatter_reduce(0, dst, e, reduce="amax")
        e = torch.exp(e - e_max[dst])
        denom = torch.zeros(x.size(0)).index_add_(0, dst, e)
        alpha = e / denom[dst]
        out = torch.zeros_like(h).index_add_(0, dst, alpha.unsqueeze(-1) * h[src])
        return out, alpha


def global_mean_pool(x, batch, size):
    sums = torch.zeros(size, x.size(1)).index_add_(0, batch, x)
    counts = torch.bincount(batch, minlength=size).clamp(min=1).unsqueeze(-1)
    return sums / counts


class GraphClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = GCNConv(3, 16)
        self.conv2 = GINConv(16, 16)
        self.conv3 = SAGEConv(16, 16, aggr="amax")
        self.att = GATConv(16, 16)
        self.head = nn.Linear(16, 2)

    def forward(self, x, edge_index, batch, num_graphs):
        x = F.relu(self.conv1(x, edge_index))
        x = F.relu(self.conv2(x, edge_index))
        x = F.relu(self.conv3(x, edge_index))
        x, alpha = self.att(x, edge_index)
        return self.head(global_mean_pool(x, batch, num_graphs)), alpha


# degree feature makes rings and stars separable
deg = torch.bincount(edge_index[1], minlength=num_nodes).float().unsqueeze(-1)
x = torch.cat([x[:, :2], deg / 4], dim=1)

model = GraphClassifier()
optimizer = torch.optim.Adam(model.parameters(), lr=0.003, weight_decay=5e-4)
criterion = nn.CrossEntropyLoss()
for epoch in range(40):
    model.train()
    optimizer.zero_grad()
    out, alpha = model(x, edge_index, batch, len(sizes))
    loss = criterion(out, y)
    loss.backward()
    optimizer.step()
    if epoch % 8 == 0 or epoch == 39:
        acc = (out.argmax(dim=1) == y).float().mean().item()
        print(f"Epoch: {epoch:03d}, Loss: {loss.item():.5f}, Acc: {acc:.4f}")

att_sum = torch.zeros(num_nodes).index_add_(0, edge_index[1], alpha.detach())
print("attention sums to one per node", torch.allclose(att_sum, torch.ones(num_nodes)))
mean_agg = SAGEConv(3, 2, aggr="mean")
print("sage mean", mean_agg(x, edge_index).shape)
model.eval()
with torch.no_grad():
    out, _ = model(x, edge_index, batch, len(sizes))
print("probs", [[round(v, 4) for v in r] for r in F.softmax(out, dim=1).tolist()])
print("eps", round(model.conv2.eps.item(), 6))
