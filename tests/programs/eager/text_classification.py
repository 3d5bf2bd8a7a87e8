"""The 'text classification with the torchtext library' tutorial on a tiny synthetic AG_NEWS:
a basic_english tokenizer and a vocabulary built by hand (torchtext is not installed),
text_pipeline/label_pipeline, collate_batch with offsets made by cumsum, a
TextClassificationModel of nn.EmbeddingBag (mean mode) and a Linear with init_weights through
.data.uniform_/.data.zero_, CrossEntropyLoss, SGD(lr=5) with clip_grad_norm_(0.1), StepLR
stepped when the validation accuracy drops, random_split, and predict() on a new headline.
(The split and the batches are taken in order and the weights drawn by NumPy, so both
libraries see the same numbers; random_split's sizes are still checked.)"""
# ruff: noqa: UP008, UP031, UP032, C403  (written in the tutorial's own style)
import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Subset, random_split

topics = {
    1: "world war election minister country president talks peace troops government",
    2: "game team season coach win cup players score league match",
    3: "stocks market shares profit company bank oil prices quarter deal",
    4: "software internet computer space scientists research phone web chip data",
}
filler = ["the", "a", "of", "in", "on", "says", "new", "after", "over", "with"]
rng = np.random.default_rng(0)


def make_item():
    label = int(rng.integers(1, 5))
    words = topics[label].split()
    n = int(rng.integers(4, 9))
    text = " ".join(rng.choice(words + filler, n)).capitalize() + "."
    return label, text


train_iter = [make_item() for _ in range(160)]
test_iter = [make_item() for _ in range(40)]


def tokenizer(line):                        # get_tokenizer("basic_english")
    return line.lower().replace(".", " . ").replace(",", " , ").split()


def yield_tokens(data_iter):
    for _, text in data_iter:
        yield tokenizer(text)


itos = ["<unk>"] + sorted({t for tokens in yield_tokens(train_iter) for t in tokens})
stoi = {t: i for i, t in enumerate(itos)}


def vocab(tokens):                          # build_vocab_from_iterator(..., specials=["<unk>"])
    return [stoi.get(t, 0) for t in tokens]


def text_pipeline(x):
    return vocab(tokenizer(x))


def label_pipeline(x):
    return int(x) - 1


print(len(itos), text_pipeline("here is the an example"))
device = torch.device("cpu")


def collate_batch(batch):
    label_list, text_list, offsets = [], [], [0]
    for _label, _text in batch:
        label_list.append(label_pipeline(_label))
        processed_text = torch.tensor(text_pipeline(_text), dtype=torch.int64)
        text_list.append(processed_text)
        offsets.append(processed_text.size(0))
    label_list = torch.tensor(label_list, dtype=torch.int64)
    offsets = torch.tensor(offsets[:-1]).cumsum(dim=0)
    text_list = torch.cat(text_list)
    return label_list.to(device), text_list.to(device), offsets.to(device)


class TextClassificationModel(nn.Module):
    def __init__(self, vocab_size, embed_dim, num_class):
        super(TextClassificationModel, self).__init__()
        self.embedding = nn.EmbeddingBag(vocab_size, embed_dim, sparse=False)
        self.fc = nn.Linear(embed_dim, num_class)
        self.init_weights()

    def init_weights(self):
        initrange = 0.5
        self.embedding.weight.data.uniform_(-initrange, initrange)
        self.fc.weight.data.uniform_(-initrange, initrange)
        self.fc.bias.data.zero_()

    def forward(self, text, offsets):
        embedded = self.embedding(text, offsets)
        return self.fc(embedded)


num_class = len(set([label for (label, text) in train_iter]))
vocab_size = len(itos)
emsize = 16
model = TextClassificationModel(vocab_size, emsize, num_class).to(device)
print(model.embedding, float(model.fc.bias.abs().sum()),
      bool(model.embedding.weight.abs().max() <= 0.5))
model.embedding.weight.data.copy_(torch.from_numpy(
    rng.uniform(-0.5, 0.5, (vocab_size, emsize)).astype(np.float32)))
model.fc.weight.data.copy_(torch.from_numpy(
    rng.uniform(-0.5, 0.5, (num_class, emsize)).astype(np.float32)))


def train(dataloader):
    model.train()
    total_acc, total_count = 0, 0
    log_interval = 3

    for idx, (label, text, offsets) in enumerate(dataloader):
        optimizer.zero_grad()
        predicted_label = model(text, offsets)
        loss = criterion(predicted_label, label)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 0.1)
        optimizer.step()
        total_acc += (predicted_label.argmax(1) == label).sum().item()
        total_count += label.size(0)
        if idx % log_interval == 0 and idx > 0:
            print("| epoch {:3d} | {:5d}/{:5d} batches "
                  "| accuracy {:8.3f}".format(epoch, idx, len(dataloader),
                                              total_acc / total_count))
            total_acc, total_count = 0, 0


def evaluate(dataloader):
    model.eval()
    total_acc, total_count = 0, 0

    with torch.no_grad():
        for idx, (label, text, offsets) in enumerate(dataloader):
            predicted_label = model(text, offsets)
            loss = criterion(predicted_label, label)  # noqa: F841
            total_acc += (predicted_label.argmax(1) == label).sum().item()
            total_count += label.size(0)
    return total_acc / total_count


# Hyperparameters
EPOCHS = 4  # epoch
LR = 5  # learning rate
BATCH_SIZE = 16  # batch size for training

criterion = torch.nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=LR)
scheduler = torch.optim.lr_scheduler.StepLR(optimizer, 1.0, gamma=0.1)
total_accu = None
train_dataset = train_iter
test_dataset = test_iter
num_train = int(len(train_dataset) * 0.95)
split_train_, split_valid_ = random_split(
    train_dataset, [num_train, len(train_dataset) - num_train]
)
print(len(split_train_), len(split_valid_))
split_train_ = Subset(train_dataset, range(num_train))
split_valid_ = Subset(train_dataset, range(num_train, len(train_dataset)))

train_dataloader = DataLoader(
    split_train_, batch_size=BATCH_SIZE, shuffle=False, collate_fn=collate_batch
)
valid_dataloader = DataLoader(
    split_valid_, batch_size=BATCH_SIZE, shuffle=False, collate_fn=collate_batch
)
test_dataloader = DataLoader(
    test_dataset, batch_size=BATCH_SIZE, shuffle=False, collate_fn=collate_batch
)
for epoch in range(1, EPOCHS + 1):
    train(train_dataloader)
    accu_val = evaluate(valid_dataloader)
    if total_accu is not None and total_accu > accu_val:
        scheduler.step()
    else:
        total_accu = accu_val
    print("-" * 59)
    print(
        "| end of epoch {:3d} | lr {:5.3f} | "
        "valid accuracy {:8.3f} ".format(epoch, scheduler.get_last_lr()[0], accu_val)
    )
    print("-" * 59)

print("Checking the results of test dataset.")
accu_test = evaluate(test_dataloader)
print("test accuracy {:8.3f}".format(accu_test))

ag_news_label = {1: "World", 2: "Sports", 3: "Business", 4: "Sci/Tec"}


def predict(text, text_pipeline):
    with torch.no_grad():
        text = torch.tensor(text_pipeline(text))
        output = model(text, torch.tensor([0]))
        return output.argmax(1).item() + 1


ex_text_str = "The coach says the team will win the cup match after a new season."
model = model.to("cpu")
print("This is a %s news" % ag_news_label[predict(ex_text_str, text_pipeline)])
print(model.embedding.weight.grad.shape, round(model.fc.bias.sum().item(), 5))
