"""Time-series anomaly detection with an LSTM autoencoder, as the 'LSTM autoencoders in
PyTorch' tutorials write it: an Encoder (two stacked LSTMs, the last hidden state as the
embedding), a Decoder that repeats the embedding over the sequence (x.repeat(seq_len,
n_features) / unsqueeze + expand), two LSTMs and a TimeDistributed-style Linear; L1 loss with
reduction='sum', Adam, copy.deepcopy of the best state_dict by validation loss, then the
reconstruction-loss threshold from torch.quantile on normal data and the anomalies it flags."""
import copy
import math

import numpy as np
import torch
from torch import nn

torch.manual_seed(0)

seq_len, n_features = 24, 1


def normal_series(n):
    phase = torch.rand(n, 1) * 2 * math.pi
    t = torch.arange(seq_len).float()
    return (torch.sin(t / 3 + phase) + 0.1 * torch.randn(n, seq_len)).unsqueeze(-1)


def anomalous_series(n):
    x = normal_series(n)
    x[:, 8:14] += torch.linspace(1.0, 2.0, 6).view(1, 6, 1)
    return x


train, val = normal_series(48), normal_series(16)
test_normal, test_anomaly = normal_series(10), anomalous_series(10)


class Encoder(nn.Module):
    def __init__(self, seq_len, n_features, embedding_dim=8):
        super().__init__()
        self.seq_len, self.n_features = seq_len, n_features
        self.embedding_dim, self.hidden_dim = embedding_dim, 2 * embedding_dim
        self.rnn1 = nn.LSTM(input_size=n_features, hidden_size=self.hidden_dim, num_layers=1, batch_first=True)
        self.rnn2 = nn.LSTM(input_size=self.hidden_dim, hidden_size=embedding_dim, num_layers=1, batch_first=True)

    def forward(self, x):
        x, (_, _) = self.rnn1(x)
        x, (hidden_n, _) = self.rnn2(x)
        return hidden_n.squeeze(0)


class Decoder(nn.Module):
    def __init__(self, seq_len, input_dim=8, n_features=1):
        super().__init__()
        self.seq_len, self.input_dim = seq_len, input_dim
        self.hidden_dim, self.n_features = 2 * input_dim, n_features
        self.rnn1 = nn.LSTM(input_size=input_dim, hidden_size=input_dim, num_layers=1, batch_first=True)
        self.rnn2 = nn.LSTM(input_size=input_dim, hidden_size=self.hidden_dim, num_layers=1, batch_first=True)
        self.output_layer = nn.Linear(self.hidden_dim, n_features)

    def forward(self, x):
        x = x.unsqueeze(1).expand(-1, self.seq_len, -1)
        x, (_, _) = self.rnn1(x)
        x, (_, _) = self.rnn2(x)
        return self.output_layer(x)


class RecurrentAutoencoder(nn.Module):
    def __init__(self, seq_len, n_features, embedding_dim=8):
        super().__init__()
        self.encoder = Encoder(seq_len, n_features, embedding_dim)
        self.decoder = Decoder(seq_len, embedding_dim, n_features)

    def forward(self, x):
        return self.decoder(self.encoder(x))


model = RecurrentAutoencoder(seq_len, n_features, 8)
print(model.encoder(train[:2]).shape, model(train[:2]).shape)
optimizer = torch.optim.Adam(model.parameters(), lr=5e-3)
criterion = nn.L1Loss(reduction="sum")
history = {"train": [], "val": []}
best_model_wts = copy.deepcopy(model.state_dict())
best_loss = 10000.0
for epoch in range(1, 13):
    model.train()
    train_losses = []
    for i in range(0, 48, 16):
        seq_true = train[i:i + 16]
        optimizer.zero_grad()
        loss = criterion(model(seq_true), seq_true)
        loss.backward()
        optimizer.step()
        train_losses.append(loss.item())
    model.eval()
    with torch.no_grad():
        val_loss = criterion(model(val), val).item() / 16
    train_loss = np.mean(train_losses) / 16
    history["train"].append(train_loss)
    history["val"].append(val_loss)
    if val_loss < best_loss:
        best_loss = val_loss
        best_model_wts = copy.deepcopy(model.state_dict())
    if epoch % 4 == 0:
        print(f"Epoch {epoch}: train loss {train_loss:.4f} val loss {val_loss:.4f}")

model.load_state_dict(best_model_wts)
print(f"best val {best_loss:.4f}", best_model_wts is not model.state_dict())


def predict(model, dataset):
    model.eval()
    with torch.no_grad():
        pred = model(dataset)
        return pred, (pred - dataset).abs().sum(dim=(1, 2))


_, losses = predict(model, train)
THRESHOLD = torch.quantile(losses, 0.95).item()
print(f"threshold {THRESHOLD:.4f}", losses.median().item() < THRESHOLD)
_, normal_losses = predict(model, test_normal)
_, anomaly_losses = predict(model, test_anomaly)
print(f"correct normal predictions: {int((normal_losses <= THRESHOLD).sum())}/10")
print(f"correct anomaly predictions: {int((anomaly_losses > THRESHOLD).sum())}/10")
print(anomaly_losses.mean() > normal_losses.mean())
