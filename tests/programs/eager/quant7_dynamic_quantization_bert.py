# "(beta) Dynamic Quantization on BERT" (PyTorch tutorials), at small sizes: the tutorial
# fine-tunes Hugging Face's bert-base on MRPC; here a BERT of the same structure (embeddings
# with LayerNorm, self-attention with query/key/value Linears, intermediate GELU, output
# LayerNorms, a tanh pooler and a classifier) is written out and trained for a few steps on a
# small sentence-pair task (more good words than bad ones in the pair?), then
# quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8), the sizes on disk, and both
# models' accuracy and F1 as the tutorial's evaluate() reports them.
import math
import os
import tempfile

import torch
import torch.nn.functional as F
from torch import nn


class BertConfig:
    vocab_size = 12
    hidden_size = 32
    num_hidden_layers = 2
    num_attention_heads = 4
    intermediate_size = 64
    max_position_embeddings = 16
    layer_norm_eps = 1e-12
    num_labels = 2


class BertEmbeddings(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.word_embeddings = nn.Embedding(config.vocab_size, config.hidden_size)
        self.position_embeddings = nn.Embedding(config.max_position_embeddings,
                                                config.hidden_size)
        self.token_type_embeddings = nn.Embedding(2, config.hidden_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)

    def forward(self, input_ids, token_type_ids):
        positions = torch.arange(input_ids.size(1)).unsqueeze(0)
        emb = self.word_embeddings(input_ids) + self.position_embeddings(positions) + \
            self.token_type_embeddings(token_type_ids)
        return self.LayerNorm(emb)


class BertSelfAttention(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.num_attention_heads = config.num_attention_heads
        self.attention_head_size = config.hidden_size // config.num_attention_heads
        self.query = nn.Linear(config.hidden_size, config.hidden_size)
        self.key = nn.Linear(config.hidden_size, config.hidden_size)
        self.value = nn.Linear(config.hidden_size, config.hidden_size)

    def transpose_for_scores(self, x):
        new_shape = x.size()[:-1] + (self.num_attention_heads, self.attention_head_size)
        return x.view(new_shape).permute(0, 2, 1, 3)

    def forward(self, hidden_states):
        q = self.transpose_for_scores(self.query(hidden_states))
        k = self.transpose_for_scores(self.key(hidden_states))
        v = self.transpose_for_scores(self.value(hidden_states))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.attention_head_size)
        probs = nn.functional.softmax(scores, dim=-1)
        context = torch.matmul(probs, v).permute(0, 2, 1, 3).contiguous()
        return context.view(context.size()[:-2] + (-1,))


class BertLayer(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.attention = BertSelfAttention(config)
        self.attention_output = nn.Linear(config.hidden_size, config.hidden_size)
        self.attention_norm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.intermediate = nn.Linear(config.hidden_size, config.intermediate_size)
        self.output = nn.Linear(config.intermediate_size, config.hidden_size)
        self.output_norm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)

    def forward(self, hidden_states):
        attn = self.attention_norm(self.attention_output(self.attention(hidden_states))
                                   + hidden_states)
        inter = F.gelu(self.intermediate(attn))
        return self.output_norm(self.output(inter) + attn)


class BertForSequenceClassification(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.embeddings = BertEmbeddings(config)
        self.encoder = nn.ModuleList([BertLayer(config) for _ in range(config.num_hidden_layers)])
        self.pooler = nn.Linear(config.hidden_size, config.hidden_size)
        self.classifier = nn.Linear(config.hidden_size, config.num_labels)

    def forward(self, input_ids, token_type_ids):
        h = self.embeddings(input_ids, token_type_ids)
        for layer in self.encoder:
            h = layer(h)
        pooled = torch.tanh(self.pooler(h[:, 0]))
        return self.classifier(pooled)


def make_pairs(n, generator):
    """[CLS] a1..a5 [SEP] b1..b5 over a vocabulary of "good" words (2..6) and "bad" ones
    (7..11): label 1 when the pair holds more good words than bad ones."""
    a = torch.randint(2, 12, (n, 5), generator=generator)
    b = torch.randint(2, 12, (n, 5), generator=generator)
    good = (a < 7).sum(dim=1) + (b < 7).sum(dim=1)
    labels = (good > 5).long()
    cls, sep = torch.zeros(n, 1, dtype=torch.long), torch.ones(n, 1, dtype=torch.long)
    ids = torch.cat([cls, a, sep, b], dim=1)
    types = torch.cat([torch.zeros(n, 7, dtype=torch.long), torch.ones(n, 5, dtype=torch.long)],
                      dim=1)
    return ids, types, labels


g = torch.Generator().manual_seed(0)
train_ids, train_types, train_labels = make_pairs(256, g)
test_ids, test_types, test_labels = make_pairs(128, g)

model = BertForSequenceClassification(BertConfig())
optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
for step in range(60):
    idx = torch.arange(step * 32, step * 32 + 32) % 256
    loss = F.cross_entropy(model(train_ids[idx], train_types[idx]), train_labels[idx])
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if step % 20 == 19:
        print(f"step {step + 1} loss {loss.item():.4f}")


def evaluate(model):
    model.eval()
    with torch.no_grad():
        preds = model(test_ids, test_types).argmax(dim=1)
    tp = ((preds == 1) & (test_labels == 1)).sum().item()
    fp = ((preds == 1) & (test_labels == 0)).sum().item()
    fn = ((preds == 0) & (test_labels == 1)).sum().item()
    acc = (preds == test_labels).float().mean().item()
    f1 = 2 * tp / (2 * tp + fp + fn)
    return {"acc": round(acc, 4), "f1": round(f1, 4)}


# 3. Apply the dynamic quantization
quantized_model = torch.quantization.quantize_dynamic(
    model, {torch.nn.Linear}, dtype=torch.qint8
)
print(quantized_model.encoder[0])
print(quantized_model.classifier)

folder = tempfile.mkdtemp()


def print_size_of_model(model):
    path = os.path.join(folder, "temp.p")
    torch.save(model.state_dict(), path)
    size = os.path.getsize(path)
    os.remove(path)
    return size


ratio = print_size_of_model(quantized_model) / print_size_of_model(model)
print("quantized / float size below 0.6 (the embeddings stay float):", ratio < 0.6)

# 3.2 Evaluate the inference accuracy
print("float:", evaluate(model))
print("quantized:", evaluate(quantized_model))
n_quantized = sum(type(m).__name__ == "Linear" and hasattr(m, "_packed_params")
                  for m in quantized_model.modules())
print("quantized Linear layers:", n_quantized)
