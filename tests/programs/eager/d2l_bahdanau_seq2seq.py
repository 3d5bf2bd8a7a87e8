"""Dive into Deep Learning, chapters 'Attention Scoring Functions', 'Bahdanau Attention' and
'Sequence to Sequence Learning' (PyTorch code as d2l writes it): sequence_mask (the
torch.arange(...)[None, :] < valid_len[:, None] trick), masked_softmax (valid lens 1-D or 2-D,
repeat_interleave), AdditiveAttention (features.unsqueeze broadcast, tanh, w_v), 
DotProductAttention, Seq2SeqEncoder (nn.GRU, permute to time-major), Seq2SeqAttentionDecoder
(attention over the encoder outputs at every step, torch.cat of context and embedding),
MaskedSoftmaxCELoss (nn.CrossEntropyLoss subclass, reduction='none' and weights),
grad_clipping by the global norm, train_seq2seq's loop with the bos column prepended, and
predict_seq2seq's greedy decoding, on a tiny synthetic 'reverse the sentence' corpus."""
import math

import torch
from torch import nn


def sequence_mask(X, valid_len, value=0):
    """Mask irrelevant entries in sequences."""
    maxlen = X.size(1)
    mask = torch.arange((maxlen), dtype=torch.float32,
                        device=X.device)[None, :] < valid_len[:, None]
    X[~mask] = value
    return X


def masked_softmax(X, valid_lens):
    """Perform softmax operation by masking elements on the last axis."""
    if valid_lens is None:
        return nn.functional.softmax(X, dim=-1)
    else:
        shape = X.shape
        if valid_lens.dim() == 1:
            valid_lens = torch.repeat_interleave(valid_lens, shape[1])
        else:
            valid_lens = valid_lens.reshape(-1)
        X = sequence_mask(X.reshape(-1, shape[-1]), valid_lens, value=-1e6)
        return nn.functional.softmax(X.reshape(shape), dim=-1)


class AdditiveAttention(nn.Module):
    """Additive attention."""
    def __init__(self, key_size, query_size, num_hiddens, dropout, **kwargs):
        super(AdditiveAttention, self).__init__(**kwargs)
        self.W_k = nn.Linear(key_size, num_hiddens, bias=False)
        self.W_q = nn.Linear(query_size, num_hiddens, bias=False)
        self.w_v = nn.Linear(num_hiddens, 1, bias=False)
        self.dropout = nn.Dropout(dropout)

    def forward(self, queries, keys, values, valid_lens):
        queries, keys = self.W_q(queries), self.W_k(keys)
        features = queries.unsqueeze(2) + keys.unsqueeze(1)
        features = torch.tanh(features)
        scores = self.w_v(features).squeeze(-1)
        self.attention_weights = masked_softmax(scores, valid_lens)
        return torch.bmm(self.dropout(self.attention_weights), values)


class DotProductAttention(nn.Module):
    """Scaled dot product attention."""
    def __init__(self, dropout, **kwargs):
        super(DotProductAttention, self).__init__(**kwargs)
        self.dropout = nn.Dropout(dropout)

    def forward(self, queries, keys, values, valid_lens=None):
        d = queries.shape[-1]
        scores = torch.bmm(queries, keys.transpose(1, 2)) / math.sqrt(d)
        self.attention_weights = masked_softmax(scores, valid_lens)
        return torch.bmm(self.dropout(self.attention_weights), values)


class Seq2SeqEncoder(nn.Module):
    def __init__(self, vocab_size, embed_size, num_hiddens, num_layers, dropout=0, **kwargs):
        super(Seq2SeqEncoder, self).__init__(**kwargs)
        self.embedding = nn.Embedding(vocab_size, embed_size)
        self.rnn = nn.GRU(embed_size, num_hiddens, num_layers, dropout=dropout)

    def forward(self, X, *args):
        X = self.embedding(X)
        X = X.permute(1, 0, 2)
        output, state = self.rnn(X)
        return output, state


class Seq2SeqAttentionDecoder(nn.Module):
    def __init__(self, vocab_size, embed_size, num_hiddens, num_layers, dropout=0, **kwargs):
        super(Seq2SeqAttentionDecoder, self).__init__(**kwargs)
        self.attention = AdditiveAttention(num_hiddens, num_hiddens, num_hiddens, dropout)
        self.embedding = nn.Embedding(vocab_size, embed_size)
        self.rnn = nn.GRU(embed_size + num_hiddens, num_hiddens, num_layers, dropout=dropout)
        self.dense = nn.Linear(num_hiddens, vocab_size)

    def init_state(self, enc_outputs, enc_valid_lens, *args):
        outputs, hidden_state = enc_outputs
        return (outputs.permute(1, 0, 2), hidden_state, enc_valid_lens)

    def forward(self, X, state):
        enc_outputs, hidden_state, enc_valid_lens = state
        X = self.embedding(X).permute(1, 0, 2)
        outputs, self._attention_weights = [], []
        for x in X:
            query = torch.unsqueeze(hidden_state[-1], dim=1)
            context = self.attention(query, enc_outputs, enc_outputs, enc_valid_lens)
            x = torch.cat((context, torch.unsqueeze(x, dim=1)), dim=-1)
            out, hidden_state = self.rnn(x.permute(1, 0, 2), hidden_state)
            outputs.append(out)
            self._attention_weights.append(self.attention.attention_weights)
        outputs = self.dense(torch.cat(outputs, dim=0))
        return outputs.permute(1, 0, 2), [enc_outputs, hidden_state, enc_valid_lens]

    @property
    def attention_weights(self):
        return self._attention_weights


class EncoderDecoder(nn.Module):
    def __init__(self, encoder, decoder, **kwargs):
        super(EncoderDecoder, self).__init__(**kwargs)
        self.encoder = encoder
        self.decoder = decoder

    def forward(self, enc_X, dec_X, *args):
        enc_outputs = self.encoder(enc_X, *args)
        dec_state = self.decoder.init_state(enc_outputs, *args)
        return self.decoder(dec_X, dec_state)


class MaskedSoftmaxCELoss(nn.CrossEntropyLoss):
    """The softmax cross-entropy loss with masks."""
    def forward(self, pred, label, valid_len):
        weights = torch.ones_like(label)
        weights = sequence_mask(weights, valid_len)
        self.reduction = 'none'
        unweighted_loss = super(MaskedSoftmaxCELoss, self).forward(pred.permute(0, 2, 1), label)
        weighted_loss = (unweighted_loss * weights).mean(dim=1)
        return weighted_loss


def grad_clipping(net, theta):
    """Clip the gradient."""
    if isinstance(net, nn.Module):
        params = [p for p in net.parameters() if p.requires_grad]
    else:
        params = net.params
    norm = torch.sqrt(sum(torch.sum((p.grad ** 2)) for p in params))
    if norm > theta:
        for param in params:
            param.grad[:] *= theta / norm


def xavier_init_weights(m):
    if type(m) == nn.Linear:
        nn.init.xavier_uniform_(m.weight)
    if type(m) == nn.GRU:
        for param in m._flat_weights_names:
            if "weight" in param:
                nn.init.xavier_uniform_(m._parameters[param])


torch.manual_seed(0)
X = torch.rand(2, 2, 4)
print(masked_softmax(X, torch.tensor([2, 3])))
print(masked_softmax(X, torch.tensor([[1, 3], [2, 4]])))
queries, keys = torch.normal(0, 1, (2, 1, 20)), torch.ones((2, 10, 2))
values = torch.arange(40, dtype=torch.float32).reshape(1, 10, 4).repeat(2, 1, 1)
valid_lens = torch.tensor([2, 6])
attention = AdditiveAttention(key_size=2, query_size=20, num_hiddens=8, dropout=0.1)
attention.eval()
print(attention(queries, keys, values, valid_lens))
queries = torch.normal(0, 1, (2, 1, 2))
attention = DotProductAttention(dropout=0.5)
attention.eval()
print(attention(queries, keys, values, valid_lens))
print(sequence_mask(torch.tensor([[1, 2, 3], [4, 5, 6]]), torch.tensor([1, 2])))
loss = MaskedSoftmaxCELoss()
print(loss(torch.ones(3, 4, 10), torch.ones((3, 4), dtype=torch.long), torch.tensor([4, 2, 0])))

# a tiny corpus: the target is the source reversed; 0 pad, 1 bos, 2 eos, words 3..9
vocab_size, num_steps, bos, eos, pad = 10, 7, 1, 2, 0
g = torch.Generator().manual_seed(3)
src, tgt, src_len, tgt_len = [], [], [], []
for _ in range(32):
    n = int(torch.randint(2, 6, (1,), generator=g))
    words = torch.randint(3, vocab_size, (n,), generator=g).tolist()
    s = words + [eos] + [pad] * (num_steps - n - 1)
    t = words[::-1] + [eos] + [pad] * (num_steps - n - 1)
    src.append(s), tgt.append(t), src_len.append(n + 1), tgt_len.append(n + 1)
src, tgt = torch.tensor(src), torch.tensor(tgt)
src_len, tgt_len = torch.tensor(src_len), torch.tensor(tgt_len)

embed_size, num_hiddens, num_layers, dropout = 16, 32, 2, 0.0
encoder = Seq2SeqEncoder(vocab_size, embed_size, num_hiddens, num_layers, dropout)
decoder = Seq2SeqAttentionDecoder(vocab_size, embed_size, num_hiddens, num_layers, dropout)
net = EncoderDecoder(encoder, decoder)
net.apply(xavier_init_weights)
optimizer = torch.optim.Adam(net.parameters(), lr=0.01)
loss = MaskedSoftmaxCELoss()
net.train()
for epoch in range(20):
    total, tokens = 0.0, 0
    for i in range(0, 32, 16):
        X, X_valid_len = src[i:i + 16], src_len[i:i + 16]
        Y, Y_valid_len = tgt[i:i + 16], tgt_len[i:i + 16]
        bos_col = torch.tensor([bos] * Y.shape[0]).reshape(-1, 1)
        dec_input = torch.cat([bos_col, Y[:, :-1]], 1)
        Y_hat, _ = net(X, dec_input, X_valid_len)
        l = loss(Y_hat, Y, Y_valid_len)
        optimizer.zero_grad()
        l.sum().backward()
        grad_clipping(net, 1)
        num_tokens = Y_valid_len.sum()
        optimizer.step()
        with torch.no_grad():
            total += l.sum().item()
            tokens += num_tokens.item()
    if (epoch + 1) % 10 == 0:
        print(f"epoch {epoch + 1}, loss {total / tokens:.4f}")


def predict_seq2seq(net, src_tokens, num_steps):
    net.eval()
    enc_valid_len = torch.tensor([len(src_tokens)])
    src_tokens = src_tokens + [pad] * (num_steps - len(src_tokens))
    enc_X = torch.unsqueeze(torch.tensor(src_tokens, dtype=torch.long), dim=0)
    enc_outputs = net.encoder(enc_X, enc_valid_len)
    dec_state = net.decoder.init_state(enc_outputs, enc_valid_len)
    dec_X = torch.unsqueeze(torch.tensor([bos], dtype=torch.long), dim=0)
    output_seq, attention_weight_seq = [], []
    for _ in range(num_steps):
        Y, dec_state = net.decoder(dec_X, dec_state)
        dec_X = Y.argmax(dim=2)
        pred = dec_X.squeeze(dim=0).type(torch.int32).item()
        attention_weight_seq.append(net.decoder.attention_weights)
        if pred == eos:
            break
        output_seq.append(pred)
    return output_seq, attention_weight_seq


for sentence in ([3, 4, 5, eos], [9, 8, 7, 6, eos]):
    out, attn = predict_seq2seq(net, sentence, num_steps)
    w = torch.cat([step[0] for step in attn], 0).reshape((1, 1, -1, num_steps))
    print(sentence, "=>", out, tuple(w.shape), round(float(w.sum()), 4))
