"""The PyTorch "Reinforcement Learning (DQN) Tutorial" (intermediate/reinforcement_q_learning),
on a tiny hand-written corridor instead of gym's CartPole: the Transition namedtuple and a
deque-backed ReplayMemory sampled with random.sample, a policy and a target DQN
(nn.Linear/F.relu), epsilon-greedy select_action with math.exp decay and
policy_net(state).max(1).indices.view(1, 1), optimize_model's non-final mask
(torch.tensor(tuple(map(...)), dtype=torch.bool)), torch.cat of the batch, gather, the
target's max(1).values under torch.no_grad(), nn.SmoothL1Loss, optim.AdamW(amsgrad=True),
torch.nn.utils.clip_grad_value_ and the soft target update through both state_dicts and
load_state_dict.  Python's random module is seeded, so both libraries act the same."""
# ruff: noqa: PLR0402, UP004, UP008, C417  (written in the tutorial's own style)
import math
import random
from collections import deque, namedtuple
from itertools import count

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim

random.seed(0)
torch.manual_seed(0)
device = torch.device("cpu")


class Corridor:
    """Cells 0..4; action 1 moves right, 0 moves left; +1 reward at cell 4, at most 12 steps."""

    def reset(self):
        self.pos, self.t = 0, 0
        return self.obs()

    def obs(self):
        return [self.pos / 4.0, 1.0 - self.pos / 4.0, float(self.pos % 2), 1.0]

    def step(self, action):
        self.pos = min(4, max(0, self.pos + (1 if action == 1 else -1)))
        self.t += 1
        terminated = self.pos == 4
        truncated = self.t >= 12
        return self.obs(), (1.0 if terminated else -0.05), terminated, truncated


Transition = namedtuple('Transition', ('state', 'action', 'next_state', 'reward'))


class ReplayMemory(object):

    def __init__(self, capacity):
        self.memory = deque([], maxlen=capacity)

    def push(self, *args):
        """Save a transition"""
        self.memory.append(Transition(*args))

    def sample(self, batch_size):
        return random.sample(self.memory, batch_size)

    def __len__(self):
        return len(self.memory)


class DQN(nn.Module):

    def __init__(self, n_observations, n_actions):
        super(DQN, self).__init__()
        self.layer1 = nn.Linear(n_observations, 32)
        self.layer2 = nn.Linear(32, 32)
        self.layer3 = nn.Linear(32, n_actions)

    def forward(self, x):
        x = F.relu(self.layer1(x))
        x = F.relu(self.layer2(x))
        return self.layer3(x)


BATCH_SIZE = 16
GAMMA = 0.9
EPS_START = 0.9
EPS_END = 0.05
EPS_DECAY = 100
TAU = 0.005
LR = 1e-3

env = Corridor()
n_actions = 2
state = env.reset()
n_observations = len(state)

policy_net = DQN(n_observations, n_actions).to(device)
target_net = DQN(n_observations, n_actions).to(device)
target_net.load_state_dict(policy_net.state_dict())

optimizer = optim.AdamW(policy_net.parameters(), lr=LR, amsgrad=True)
memory = ReplayMemory(1000)

steps_done = 0


def select_action(state):
    global steps_done
    sample = random.random()
    eps_threshold = EPS_END + (EPS_START - EPS_END) * \
        math.exp(-1. * steps_done / EPS_DECAY)
    steps_done += 1
    if sample > eps_threshold:
        with torch.no_grad():
            return policy_net(state).max(1).indices.view(1, 1)
    else:
        return torch.tensor([[random.randrange(n_actions)]], device=device, dtype=torch.long)


def optimize_model():
    if len(memory) < BATCH_SIZE:
        return None
    transitions = memory.sample(BATCH_SIZE)
    batch = Transition(*zip(*transitions))

    non_final_mask = torch.tensor(tuple(map(lambda s: s is not None,
                                            batch.next_state)), device=device, dtype=torch.bool)
    non_final_next_states = torch.cat([s for s in batch.next_state
                                       if s is not None])
    state_batch = torch.cat(batch.state)
    action_batch = torch.cat(batch.action)
    reward_batch = torch.cat(batch.reward)

    state_action_values = policy_net(state_batch).gather(1, action_batch)

    next_state_values = torch.zeros(BATCH_SIZE, device=device)
    with torch.no_grad():
        next_state_values[non_final_mask] = target_net(non_final_next_states).max(1).values
    expected_state_action_values = (next_state_values * GAMMA) + reward_batch

    criterion = nn.SmoothL1Loss()
    loss = criterion(state_action_values, expected_state_action_values.unsqueeze(1))

    optimizer.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_value_(policy_net.parameters(), 100)
    optimizer.step()
    return loss.item()


num_episodes = 12
episode_durations = []
losses = []
for i_episode in range(num_episodes):
    state = env.reset()
    state = torch.tensor(state, dtype=torch.float32, device=device).unsqueeze(0)
    for t in count():
        action = select_action(state)
        observation, reward, terminated, truncated = env.step(action.item())
        reward = torch.tensor([reward], device=device)
        done = terminated or truncated

        if terminated:
            next_state = None
        else:
            next_state = torch.tensor(observation, dtype=torch.float32, device=device).unsqueeze(0)

        memory.push(state, action, next_state, reward)
        state = next_state

        loss = optimize_model()
        if loss is not None:
            losses.append(loss)

        target_net_state_dict = target_net.state_dict()
        policy_net_state_dict = policy_net.state_dict()
        for key in policy_net_state_dict:
            target_net_state_dict[key] = policy_net_state_dict[key]*TAU + target_net_state_dict[key]*(1-TAU)
        target_net.load_state_dict(target_net_state_dict)

        if done:
            episode_durations.append(t + 1)
            break

print('Complete')
print('durations', episode_durations)
print('memory', len(memory), 'steps', steps_done, 'updates', len(losses))
print('first losses', ' '.join(f'{v:.5f}' for v in losses[:3]))
print('last losses', ' '.join(f'{v:.5f}' for v in losses[-3:]))
with torch.no_grad():
    probe = torch.tensor([env.reset(), [0.5, 0.5, 0.0, 1.0]])
    q = policy_net(probe)
    print('q', q.shape, q.dtype, [round(v, 4) for v in q.flatten().tolist()])
    print('target q', [round(v, 4) for v in target_net(probe).flatten().tolist()])
    print('greedy', policy_net(probe).max(1).indices.tolist())
