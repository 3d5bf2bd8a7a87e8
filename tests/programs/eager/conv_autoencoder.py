"""A convolutional autoencoder as the PyTorch tutorials and blog posts write it: Conv2d with
stride 2 and padding 1 down, ConvTranspose2d(stride=2, padding=1, output_padding=1) up,
Sigmoid output, MSELoss, Adam, a few epochs over a DataLoader of tiny synthetic 'images'
(blurred squares); then the latent code of one image and the reconstruction error per image."""
# ruff: noqa: PLR0402  (written in the tutorial's own style)
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)

imgs = torch.zeros(32, 1, 12, 12)
for i in range(32):
    r, c = torch.randint(0, 8, (2,))
    imgs[i, 0, r:r + 4, c:c + 4] = 1.0
imgs = torch.nn.functional.avg_pool2d(imgs, 3, stride=1, padding=1)
loader = DataLoader(TensorDataset(imgs), batch_size=8, shuffle=True)


class Autoencoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(
            nn.Conv2d(1, 8, 3, stride=2, padding=1),   # 12 -> 6
            nn.ReLU(),
            nn.Conv2d(8, 16, 3, stride=2, padding=1),  # 6 -> 3
            nn.ReLU(),
            nn.Conv2d(16, 32, 3),                      # 3 -> 1
        )
        self.decoder = nn.Sequential(
            nn.ConvTranspose2d(32, 16, 3),             # 1 -> 3
            nn.ReLU(),
            nn.ConvTranspose2d(16, 8, 3, stride=2, padding=1, output_padding=1),  # 3 -> 6
            nn.ReLU(),
            nn.ConvTranspose2d(8, 1, 3, stride=2, padding=1, output_padding=1),   # 6 -> 12
            nn.Sigmoid(),
        )

    def forward(self, x):
        return self.decoder(self.encoder(x))


model = Autoencoder()
criterion = nn.MSELoss()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2, weight_decay=1e-5)
print(model)

for epoch in range(5):
    for (img,) in loader:
        recon = model(img)
        loss = criterion(recon, img)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    print(f'Epoch:{epoch + 1}, Loss:{loss.item():.4f}')

with torch.no_grad():
    code = model.encoder(imgs[:1])
    print(code.shape, code.flatten()[:6])
    err = ((model(imgs) - imgs) ** 2).mean(dim=(1, 2, 3))
    print(err[:5])
    print(err.mean())
