"""yunjey/pytorch-tutorial 03-advanced/image_captioning (model.py, build_vocab.py,
data_loader.py, train.py, sample.py) as written, at a tiny size on synthetic 'COCO': images
of a coloured block whose caption names its colour and side. Vocabulary with '<pad>',
'<start>', '<end>', '<unk>' and a count threshold; the Dataset returning torch.Tensor(caption)
(floats); collate_fn sorting by length, torch.stack of the images and a zero-padded LongTensor
of targets filled by targets[i, :end] = cap[:end]; EncoderCNN = a frozen backbone's
list(children())[:-1] under torch.no_grad() plus Linear and BatchNorm1d(momentum=0.01) (a tiny
CNN stands in for resnet152); DecoderRNN packing torch.cat((features.unsqueeze(1),
embeddings), 1) with pack_padded_sequence(batch_first=True), the loss against
pack_padded_sequence(captions, lengths, batch_first=True)[0]; then sample.py's greedy decoder
(outputs.max(1), torch.stack(sampled_ids, 1)) in eval mode after a state_dict round trip."""
# ruff: noqa: C408, PLR0402, UP004, UP008  (written in the tutorial's own style)

import os
import tempfile
from collections import Counter

import numpy as np
import torch
import torch.nn as nn
import torch.utils.data as data
from torch.nn.utils.rnn import pack_padded_sequence

# Device configuration
device = torch.device('cuda' if torch.cuda.is_available() and False else 'cpu')  # (CPU here: the
# test suite runs Numba's CUDA simulator, where is_available() is True and every op is slow)


# --------------------------------------------------------------------- build_vocab.py
class Vocabulary(object):
    """Simple vocabulary wrapper."""
    def __init__(self):
        self.word2idx = {}
        self.idx2word = {}
        self.idx = 0

    def add_word(self, word):
        if not word in self.word2idx:
            self.word2idx[word] = self.idx
            self.idx2word[self.idx] = word
            self.idx += 1

    def __call__(self, word):
        if not word in self.word2idx:
            return self.word2idx['<unk>']
        return self.word2idx[word]

    def __len__(self):
        return len(self.word2idx)

def build_vocab(captions, threshold):
    """Build a simple vocabulary wrapper."""
    counter = Counter()
    for i, caption in enumerate(captions):
        tokens = str(caption).lower().split()
        counter.update(tokens)

    # If the word frequency is less than 'threshold', then the word is discarded.
    words = [word for word, cnt in counter.items() if cnt >= threshold]

    # Create a vocab wrapper and add some special tokens.
    vocab = Vocabulary()
    vocab.add_word('<pad>')
    vocab.add_word('<start>')
    vocab.add_word('<end>')
    vocab.add_word('<unk>')

    # Add the words to the vocabulary.
    for i, word in enumerate(words):
        vocab.add_word(word)
    return vocab


# --------------------------------------------------------------------- data_loader.py
COLOURS = ['red', 'green', 'blue']
rng = np.random.default_rng(6)

def make_coco(n):
    images, captions = [], []
    for k in range(n):
        c, side = rng.integers(3), rng.integers(2)
        img = rng.uniform(0, 0.2, (3, 12, 12)).astype(np.float32)
        img[c, 3:9, side * 6:side * 6 + 6] += 0.8
        words = ['a', COLOURS[c], 'block', 'on', 'the', ['left', 'right'][side]]
        if k % 3 == 0:
            words = words[:3] + ['here']          # shorter captions: lengths differ
        images.append(img)
        captions.append(' '.join(words).capitalize())
    return images, captions

class CocoDataset(data.Dataset):
    """COCO Custom Dataset compatible with torch.utils.data.DataLoader."""
    def __init__(self, images, captions, vocab, transform=None):
        self.images = images
        self.captions = captions
        self.vocab = vocab
        self.transform = transform

    def __getitem__(self, index):
        """Returns one data pair (image and caption)."""
        vocab = self.vocab
        caption = self.captions[index]
        image = torch.from_numpy(self.images[index])
        if self.transform is not None:
            image = self.transform(image)

        # Convert caption (string) to word ids.
        tokens = str(caption).lower().split()
        caption = []
        caption.append(vocab('<start>'))
        caption.extend([vocab(token) for token in tokens])
        caption.append(vocab('<end>'))
        target = torch.Tensor(caption)
        return image, target

    def __len__(self):
        return len(self.captions)

def collate_fn(data):
    """Creates mini-batch tensors from the list of tuples (image, caption)."""
    # Sort a data list by caption length (descending order).
    data.sort(key=lambda x: len(x[1]), reverse=True)
    images, captions = zip(*data)

    # Merge images (from tuple of 3D tensor to 4D tensor).
    images = torch.stack(images, 0)

    # Merge captions (from tuple of 1D tensor to 2D tensor).
    lengths = [len(cap) for cap in captions]
    targets = torch.zeros(len(captions), max(lengths)).long()
    for i, cap in enumerate(captions):
        end = lengths[i]
        targets[i, :end] = cap[:end]
    return images, targets, lengths


# --------------------------------------------------------------------------- model.py
class TinyResNet(nn.Module):
    """Stands in for models.resnet152(pretrained=True): children() ending in avgpool, fc."""
    def __init__(self):
        super(TinyResNet, self).__init__()
        self.conv1 = nn.Conv2d(3, 8, kernel_size=3, stride=1, padding=1)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=2, stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((2, 2))
        self.fc = nn.Linear(32, 1000)

    def forward(self, x):
        return self.fc(torch.flatten(self.avgpool(self.maxpool(self.relu(self.conv1(x)))), 1))

class EncoderCNN(nn.Module):
    def __init__(self, embed_size):
        """Load the pretrained ResNet-152 and replace top fc layer."""
        super(EncoderCNN, self).__init__()
        resnet = TinyResNet()
        modules = list(resnet.children())[:-1]      # delete the last fc layer.
        self.resnet = nn.Sequential(*modules)
        self.linear = nn.Linear(resnet.fc.in_features, embed_size)
        self.bn = nn.BatchNorm1d(embed_size, momentum=0.01)

    def forward(self, images):
        """Extract feature vectors from input images."""
        with torch.no_grad():
            features = self.resnet(images)
        features = features.reshape(features.size(0), -1)
        features = self.bn(self.linear(features))
        return features


class DecoderRNN(nn.Module):
    def __init__(self, embed_size, hidden_size, vocab_size, num_layers, max_seq_length=20):
        """Set the hyper-parameters and build the layers."""
        super(DecoderRNN, self).__init__()
        self.embed = nn.Embedding(vocab_size, embed_size)
        self.lstm = nn.LSTM(embed_size, hidden_size, num_layers, batch_first=True)
        self.linear = nn.Linear(hidden_size, vocab_size)
        self.max_seg_length = max_seq_length

    def forward(self, features, captions, lengths):
        """Decode image feature vectors and generates captions."""
        embeddings = self.embed(captions)
        embeddings = torch.cat((features.unsqueeze(1), embeddings), 1)
        packed = pack_padded_sequence(embeddings, lengths, batch_first=True)
        hiddens, _ = self.lstm(packed)
        outputs = self.linear(hiddens[0])
        return outputs

    def sample(self, features, states=None):
        """Generate captions for given image features using greedy search."""
        sampled_ids = []
        inputs = features.unsqueeze(1)
        for i in range(self.max_seg_length):
            hiddens, states = self.lstm(inputs, states)          # hiddens: (batch_size, 1, hidden_size)
            outputs = self.linear(hiddens.squeeze(1))            # outputs:  (batch_size, vocab_size)
            _, predicted = outputs.max(1)                        # predicted: (batch_size)
            sampled_ids.append(predicted)
            inputs = self.embed(predicted)                       # inputs: (batch_size, embed_size)
            inputs = inputs.unsqueeze(1)                         # inputs: (batch_size, 1, embed_size)
        sampled_ids = torch.stack(sampled_ids, 1)                # sampled_ids: (batch_size, max_seq_length)
        return sampled_ids


# --------------------------------------------------------------------------- train.py
# (15 epochs: after 10 the last caption's colour was a near tie, 0.13 logits apart under torch,
# which float32 rounding differences between two libraries' training could flip)
args = dict(embed_size=16, hidden_size=32, num_layers=1, num_epochs=15, batch_size=16,
            learning_rate=0.02, log_step=3, threshold=2)
train_images, train_captions = make_coco(64)
vocab = build_vocab(train_captions + ['a purple thing'], args['threshold'])
print(len(vocab), vocab('blue'), vocab('purple'), vocab.idx2word[4])

dataset = CocoDataset(train_images, train_captions, vocab)
print(dataset[1][1], dataset[0][1].dtype)
data_loader = data.DataLoader(dataset=dataset, batch_size=args['batch_size'], shuffle=True,
                              collate_fn=collate_fn)

# Build the models
encoder = EncoderCNN(args['embed_size']).to(device)
decoder = DecoderRNN(args['embed_size'], args['hidden_size'], len(vocab), args['num_layers']).to(device)

# Loss and optimizer
criterion = nn.CrossEntropyLoss()
params = list(decoder.parameters()) + list(encoder.linear.parameters()) + list(encoder.bn.parameters())
optimizer = torch.optim.Adam(params, lr=args['learning_rate'])

# Train the models
total_step = len(data_loader)
for epoch in range(args['num_epochs']):
    for i, (images, captions, lengths) in enumerate(data_loader):

        # Set mini-batch dataset
        images = images.to(device)
        captions = captions.to(device)
        targets = pack_padded_sequence(captions, lengths, batch_first=True)[0]
        if epoch == 0 and i == 0:
            print(captions.shape, captions.dtype, lengths, targets.shape)

        # Forward, backward and optimize
        features = encoder(images)
        outputs = decoder(features, captions, lengths)
        loss = criterion(outputs, targets)
        decoder.zero_grad()
        encoder.zero_grad()
        loss.backward()
        optimizer.step()

        # Print log info
        if i % args['log_step'] == 0:
            print('Epoch [{}/{}], Step [{}/{}], Loss: {:.4f}, Perplexity: {:5.4f}'
                  .format(epoch, args['num_epochs'], i, total_step, loss.item(), np.exp(loss.item())))
print(encoder.resnet[0].weight.grad, encoder.bn.running_mean.shape)

# Save the model checkpoints
model_path = tempfile.mkdtemp()
torch.save(decoder.state_dict(), os.path.join(model_path, 'decoder-1-1.ckpt'))
torch.save(encoder.state_dict(), os.path.join(model_path, 'encoder-1-1.ckpt'))


# -------------------------------------------------------------------------- sample.py
# Build models
encoder = EncoderCNN(args['embed_size']).eval()  # eval mode (batchnorm uses moving mean/variance)
decoder = DecoderRNN(args['embed_size'], args['hidden_size'], len(vocab), args['num_layers'])
encoder = encoder.to(device)
decoder = decoder.to(device)

# Load the trained model parameters
encoder.load_state_dict(torch.load(os.path.join(model_path, 'encoder-1-1.ckpt')))
decoder.load_state_dict(torch.load(os.path.join(model_path, 'decoder-1-1.ckpt')))

# Prepare an image
test_images, test_captions = make_coco(4)
for image, truth in zip(test_images, test_captions):
    image_tensor = torch.from_numpy(image).unsqueeze(0).to(device)

    # Generate an caption from the image
    feature = encoder(image_tensor)
    sampled_ids = decoder.sample(feature)
    sampled_ids = sampled_ids[0].cpu().numpy()          # (1, max_seq_length) -> (max_seq_length)

    # Convert word_ids to words
    sampled_caption = []
    for word_id in sampled_ids:
        word = vocab.idx2word[word_id]
        sampled_caption.append(word)
        if word == '<end>':
            break
    sentence = ' '.join(sampled_caption)

    # Print out the image and the generated caption
    print(truth, '->', sentence)
for name in os.listdir(model_path):
    os.remove(os.path.join(model_path, name))
os.rmdir(model_path)
