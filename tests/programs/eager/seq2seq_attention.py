"""The 'NLP from scratch: translation with a sequence to sequence network and attention'
tutorial, on a tiny synthetic language pair (the target is the source reversed, shifted by one
word): an nn.GRU encoder, a Bahdanau-attention GRU decoder, teacher forcing, greedy topk
decoding, two optimizers and NLLLoss; prints the losses, a decoded sentence and attention."""
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn, optim
from torch.utils.data import DataLoader, TensorDataset

SOS_token, EOS_token, MAX_LENGTH = 0, 1, 6
n_words, hidden_size, batch_size = 10, 16, 16

rng = np.random.default_rng(5)
pairs = []
for _ in range(16):
    s = [int(w) for w in rng.integers(2, n_words, rng.integers(2, MAX_LENGTH - 1))]
    pairs.append((s, [(w - 1) % (n_words - 2) + 2 for w in s[::-1]]))
input_ids = np.zeros((len(pairs), MAX_LENGTH), dtype=np.int64)
target_ids = np.zeros((len(pairs), MAX_LENGTH), dtype=np.int64)
for i, (a, b) in enumerate(pairs):
    input_ids[i, :len(a) + 1] = a + [EOS_token]
    target_ids[i, :len(b) + 1] = b + [EOS_token]
train_dataloader = DataLoader(TensorDataset(torch.LongTensor(input_ids),
                                            torch.LongTensor(target_ids)), batch_size=batch_size)


class EncoderRNN(nn.Module):
    def __init__(self, input_size, hidden_size, dropout_p=0.1):
        super().__init__()
        self.embedding = nn.Embedding(input_size, hidden_size)
        self.gru = nn.GRU(hidden_size, hidden_size, batch_first=True)
        self.dropout = nn.Dropout(dropout_p)

    def forward(self, input):
        embedded = self.dropout(self.embedding(input))
        output, hidden = self.gru(embedded)
        return output, hidden


class BahdanauAttention(nn.Module):
    def __init__(self, hidden_size):
        super().__init__()
        self.Wa = nn.Linear(hidden_size, hidden_size)
        self.Ua = nn.Linear(hidden_size, hidden_size)
        self.Va = nn.Linear(hidden_size, 1)

    def forward(self, query, keys):
        scores = self.Va(torch.tanh(self.Wa(query) + self.Ua(keys)))
        scores = scores.squeeze(2).unsqueeze(1)
        weights = F.softmax(scores, dim=-1)
        context = torch.bmm(weights, keys)
        return context, weights


class AttnDecoderRNN(nn.Module):
    def __init__(self, hidden_size, output_size, dropout_p=0.1):
        super().__init__()
        self.embedding = nn.Embedding(output_size, hidden_size)
        self.attention = BahdanauAttention(hidden_size)
        self.gru = nn.GRU(2 * hidden_size, hidden_size, batch_first=True)
        self.out = nn.Linear(hidden_size, output_size)
        self.dropout = nn.Dropout(dropout_p)

    def forward(self, encoder_outputs, encoder_hidden, target_tensor=None):
        batch_size = encoder_outputs.size(0)
        decoder_input = torch.empty(batch_size, 1, dtype=torch.long).fill_(SOS_token)
        decoder_hidden = encoder_hidden
        decoder_outputs, attentions = [], []
        for i in range(MAX_LENGTH):
            decoder_output, decoder_hidden, attn_weights = self.forward_step(
                decoder_input, decoder_hidden, encoder_outputs)
            decoder_outputs.append(decoder_output)
            attentions.append(attn_weights)
            if target_tensor is not None:
                decoder_input = target_tensor[:, i].unsqueeze(1)  # Teacher forcing
            else:
                _, topi = decoder_output.topk(1)
                decoder_input = topi.squeeze(-1).detach()
        decoder_outputs = torch.cat(decoder_outputs, dim=1)
        decoder_outputs = F.log_softmax(decoder_outputs, dim=-1)
        attentions = torch.cat(attentions, dim=1)
        return decoder_outputs, decoder_hidden, attentions

    def forward_step(self, input, hidden, encoder_outputs):
        embedded = self.dropout(self.embedding(input))
        query = hidden.permute(1, 0, 2)
        context, attn_weights = self.attention(query, encoder_outputs)
        input_gru = torch.cat((embedded, context), dim=2)
        output, hidden = self.gru(input_gru, hidden)
        output = self.out(output)
        return output, hidden, attn_weights


encoder = EncoderRNN(n_words, hidden_size)
decoder = AttnDecoderRNN(hidden_size, n_words)
r = np.random.default_rng(11)
with torch.no_grad():
    for p in list(encoder.parameters()) + list(decoder.parameters()):
        p.copy_(torch.tensor(r.uniform(-0.3, 0.3, tuple(p.shape)), dtype=torch.float32))
encoder.eval()      # (dropout off: its masks come from each library's own random stream)
decoder.eval()


def train_epoch(dataloader, encoder, decoder, encoder_optimizer, decoder_optimizer, criterion):
    total_loss = 0
    for data in dataloader:
        input_tensor, target_tensor = data
        encoder_optimizer.zero_grad()
        decoder_optimizer.zero_grad()
        encoder_outputs, encoder_hidden = encoder(input_tensor)
        decoder_outputs, _, _ = decoder(encoder_outputs, encoder_hidden, target_tensor)
        loss = criterion(decoder_outputs.view(-1, decoder_outputs.size(-1)),
                         target_tensor.view(-1))
        loss.backward()
        encoder_optimizer.step()
        decoder_optimizer.step()
        total_loss += loss.item()
    return total_loss / len(dataloader)


encoder_optimizer = optim.Adam(encoder.parameters(), lr=0.02)
decoder_optimizer = optim.Adam(decoder.parameters(), lr=0.02)
criterion = nn.NLLLoss()
for epoch in range(1, 16):
    loss = train_epoch(train_dataloader, encoder, decoder, encoder_optimizer,
                       decoder_optimizer, criterion)
    if epoch % 5 == 0:
        print(f"epoch {epoch} loss {loss:.4f}")

with torch.no_grad():
    input_tensor = torch.LongTensor(input_ids[:2])
    encoder_outputs, encoder_hidden = encoder(input_tensor)
    decoder_outputs, decoder_hidden, decoder_attn = decoder(encoder_outputs, encoder_hidden)
    _, topi = decoder_outputs.topk(1)
    decoded_ids = topi.squeeze()
    for k in range(2):
        words = []
        for idx in decoded_ids[k]:
            if idx.item() == EOS_token:
                words.append("<EOS>")
                break
            words.append(str(idx.item()))
        print(pairs[k][0], "->", " ".join(words), "want", pairs[k][1])
    print(decoder_attn.shape, decoder_attn[0, 0].sum().item() > 0.999)
    print(torch.round(decoder_attn[0, :2], decimals=2))
