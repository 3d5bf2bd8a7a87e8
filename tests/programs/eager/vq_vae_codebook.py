"""The vector-quantisation layer of VQ-VAE as the PyTorch VQ-VAE notebooks write it: a codebook
nn.Embedding initialised uniform(-1/K, 1/K), distances ||z||^2 + ||e||^2 - 2 z.e to pick each
vector's nearest code (argmin, one-hot encodings built with scatter_), the codebook and
commitment losses with detach(), the straight-through estimator inputs + (quantized -
inputs).detach(), and perplexity of the average code use; a tiny conv encoder/decoder trained
a few Adam steps on synthetic images; torch.cdist gives the same code indices."""
# ruff: noqa: PLR0402  (written in the tutorial's own style)
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


class VectorQuantizer(nn.Module):
    def __init__(self, num_embeddings, embedding_dim, commitment_cost):
        super().__init__()
        self._embedding_dim = embedding_dim
        self._num_embeddings = num_embeddings
        self._embedding = nn.Embedding(self._num_embeddings, self._embedding_dim)
        self._embedding.weight.data.uniform_(-1 / self._num_embeddings, 1 / self._num_embeddings)
        self._commitment_cost = commitment_cost

    def forward(self, inputs):
        inputs = inputs.permute(0, 2, 3, 1).contiguous()
        input_shape = inputs.shape
        flat_input = inputs.view(-1, self._embedding_dim)
        distances = (torch.sum(flat_input ** 2, dim=1, keepdim=True)
                     + torch.sum(self._embedding.weight ** 2, dim=1)
                     - 2 * torch.matmul(flat_input, self._embedding.weight.t()))
        encoding_indices = torch.argmin(distances, dim=1).unsqueeze(1)
        encodings = torch.zeros(encoding_indices.shape[0], self._num_embeddings,
                                device=inputs.device)
        encodings.scatter_(1, encoding_indices, 1)
        quantized = torch.matmul(encodings, self._embedding.weight).view(input_shape)
        e_latent_loss = F.mse_loss(quantized.detach(), inputs)
        q_latent_loss = F.mse_loss(quantized, inputs.detach())
        loss = q_latent_loss + self._commitment_cost * e_latent_loss
        quantized = inputs + (quantized - inputs).detach()
        avg_probs = torch.mean(encodings, dim=0)
        perplexity = torch.exp(-torch.sum(avg_probs * torch.log(avg_probs + 1e-10)))
        return loss, quantized.permute(0, 3, 1, 2).contiguous(), perplexity, encodings


class Model(nn.Module):
    def __init__(self, num_embeddings=16, embedding_dim=4, commitment_cost=0.25):
        super().__init__()
        self._encoder = nn.Sequential(nn.Conv2d(1, 8, 4, stride=2, padding=1), nn.ReLU(),
                                      nn.Conv2d(8, embedding_dim, 3, padding=1))
        self._vq_vae = VectorQuantizer(num_embeddings, embedding_dim, commitment_cost)
        self._decoder = nn.Sequential(nn.Conv2d(embedding_dim, 8, 3, padding=1), nn.ReLU(),
                                      nn.ConvTranspose2d(8, 1, 4, stride=2, padding=1))

    def forward(self, x):
        z = self._encoder(x)
        loss, quantized, perplexity, _ = self._vq_vae(z)
        x_recon = self._decoder(quantized)
        return loss, x_recon, perplexity


images = torch.zeros(16, 1, 8, 8)
for i in range(16):
    r, c = divmod(i, 4)
    images[i, 0, r:r + 4, c:c + 4] = 1.0
images = images + 0.05 * torch.randn_like(images)
data_variance = images.var()
print(f"data variance {data_variance.item():.5f}")

model = Model()
vq = model._vq_vae
z = model._encoder(images)
loss, q, perplexity, enc = vq(z)
print(z.shape, q.shape, enc.shape, enc.sum().item())
flat = z.permute(0, 2, 3, 1).reshape(-1, 4)
idx_cdist = torch.cdist(flat, vq._embedding.weight).argmin(1)
print(torch.equal(idx_cdist, enc.argmax(1)))
print(torch.allclose(q, z, atol=0.5), q.requires_grad, q.grad_fn is not None)

optimizer = torch.optim.Adam(model.parameters(), lr=3e-3, amsgrad=False)
for i in range(30):
    optimizer.zero_grad()
    vq_loss, data_recon, perplexity = model(images)
    recon_error = F.mse_loss(data_recon, images) / data_variance
    loss = recon_error + vq_loss
    loss.backward()
    optimizer.step()
    if i % 10 == 9:
        print(f"{i + 1} iterations: recon_error {recon_error.item():.4f} "
              f"vq_loss {vq_loss.item():.5f} perplexity {perplexity.item():.3f}")
print(model._encoder[0].weight.grad.abs().sum() > 0)
