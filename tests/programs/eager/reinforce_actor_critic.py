"""pytorch/examples reinforcement_learning reinforce.py and actor_critic.py, on a tiny
hand-written corridor instead of gym's CartPole: Policy modules with saved log-probs and
rewards, torch.distributions.Categorical (sample, log_prob, entropy), returns discounted in a
deque and normalised with np.finfo(np.float32).eps, -log_prob * R summed with torch.cat, the
actor-critic SavedAction namedtuple with F.smooth_l1_loss on the value head, Adam, and the
running reward.  Categorical.sample draws from each library's own stream, so the training run
prints only whether the corridor was solved; the probabilities, log-probs, entropies and one
finish_episode on a fixed episode (weights from NumPy) are printed exactly."""
# ruff: noqa: PLR0402, UP008, UP032  (written in the example's own style)
from collections import deque, namedtuple

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.distributions import Categorical

gamma = 0.99
torch.manual_seed(543)
eps = np.finfo(np.float32).eps.item()


class Corridor:
    """Walk right from cell 0 to cell 5: -0.1 a step, +1 at the end, at most 20 steps."""
    reward_threshold = 0.5

    def reset(self):
        self.pos, self.t = 0, 0
        return self.state()

    def state(self):
        return np.array([self.pos / 5.0, 1.0, (self.pos % 2) * 1.0, 0.5], dtype=np.float64)

    def step(self, action):
        self.pos = max(0, self.pos + (1 if action == 1 else -1))
        self.t += 1
        done = self.pos == 5 or self.t == 20
        return self.state(), (1.0 if self.pos == 5 else -0.1), done, {}


class Policy(nn.Module):
    def __init__(self):
        super(Policy, self).__init__()
        self.affine1 = nn.Linear(4, 128)
        self.dropout = nn.Dropout(p=0.6)
        self.affine2 = nn.Linear(128, 2)

        self.saved_log_probs = []
        self.rewards = []

    def forward(self, x):
        x = self.affine1(x)
        x = self.dropout(x)
        x = F.relu(x)
        action_scores = self.affine2(x)
        return F.softmax(action_scores, dim=1)


SavedAction = namedtuple('SavedAction', ['log_prob', 'value'])


class ActorCritic(nn.Module):
    def __init__(self):
        super(ActorCritic, self).__init__()
        self.affine1 = nn.Linear(4, 128)
        self.action_head = nn.Linear(128, 2)
        self.value_head = nn.Linear(128, 1)
        self.saved_actions = []
        self.rewards = []

    def forward(self, x):
        x = F.relu(self.affine1(x))
        action_prob = F.softmax(self.action_head(x), dim=-1)
        state_values = self.value_head(x)
        return action_prob, state_values


def init_from_numpy(model, seed):
    rng = np.random.default_rng(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.tensor(rng.uniform(-0.2, 0.2, tuple(p.shape)), dtype=torch.float32))


def select_action(state):
    state = torch.from_numpy(state).float().unsqueeze(0)
    probs = policy(state)
    m = Categorical(probs)
    action = m.sample()
    policy.saved_log_probs.append(m.log_prob(action))
    return action.item()


def finish_episode():
    R = 0
    policy_loss = []
    returns = deque()
    for r in policy.rewards[::-1]:
        R = r + gamma * R
        returns.appendleft(R)
    returns = torch.tensor(returns)
    returns = (returns - returns.mean()) / (returns.std() + eps)
    for log_prob, R in zip(policy.saved_log_probs, returns):
        policy_loss.append(-log_prob * R)
    optimizer.zero_grad()
    policy_loss = torch.cat(policy_loss).sum()
    policy_loss.backward()
    optimizer.step()
    del policy.rewards[:]
    del policy.saved_log_probs[:]
    return policy_loss.item()


def select_action_ac(state):
    state = torch.from_numpy(state).float()
    probs, state_value = model(state)
    m = Categorical(probs)
    action = m.sample()
    model.saved_actions.append(SavedAction(m.log_prob(action), state_value))
    return action.item()


def finish_episode_ac():
    R = 0
    saved_actions = model.saved_actions
    policy_losses = []  # list to save actor (policy) loss
    value_losses = []  # list to save critic (value) loss
    returns = []  # list to save the true values
    for r in model.rewards[::-1]:
        R = r + gamma * R
        returns.insert(0, R)
    returns = torch.tensor(returns)
    returns = (returns - returns.mean()) / (returns.std() + eps)
    for (log_prob, value), R in zip(saved_actions, returns):
        advantage = R - value.item()
        policy_losses.append(-log_prob * advantage)
        value_losses.append(F.smooth_l1_loss(value, torch.tensor([R])))
    optimizer.zero_grad()
    loss = torch.stack(policy_losses).sum() + torch.stack(value_losses).sum()
    loss.backward()
    optimizer.step()
    del model.rewards[:]
    del model.saved_actions[:]
    return loss.item()


def greedy_reaches_goal(forward):
    state, n = env.reset(), 0
    with torch.no_grad():
        while True:
            probs = forward(torch.from_numpy(state).float())
            state, _, done, _ = env.step(probs.argmax().item())
            n += 1
            if done:
                return env.pos == 5


env = Corridor()
policy = Policy()
init_from_numpy(policy, 0)
optimizer = optim.Adam(policy.parameters(), lr=3e-2)

# exact checks on a fixed episode, dropout off
policy.eval()
state = env.reset()
m = Categorical(policy(torch.from_numpy(state).float().unsqueeze(0)))
print(m.probs, m.log_prob(torch.tensor([1])), m.entropy())
for action in [1, 1, 0, 1, 1, 1, 1]:
    probs = policy(torch.from_numpy(state).float().unsqueeze(0))
    m = Categorical(probs)
    policy.saved_log_probs.append(m.log_prob(torch.tensor([action])))
    state, reward, done, _ = env.step(action)
    policy.rewards.append(reward)
print(done, [round(r, 2) for r in policy.rewards])
print("policy loss {:.5f}".format(finish_episode()))
print(policy.affine2.bias)

running_reward = -2
for i_episode in range(1, 41):
    policy.train()
    state, ep_reward = env.reset(), 0
    for t in range(1, 21):
        action = select_action(state)
        state, reward, done, _ = env.step(action)
        policy.rewards.append(reward)
        ep_reward += reward
        if done:
            break
    running_reward = 0.05 * ep_reward + (1 - 0.05) * running_reward
    finish_episode()
policy.eval()
print("reinforce solved:", greedy_reaches_goal(lambda s: policy(s.unsqueeze(0))[0]))

model = ActorCritic()
init_from_numpy(model, 1)
optimizer = optim.Adam(model.parameters(), lr=3e-2)
state = env.reset()
for action in [1, 0, 1, 1, 1, 1, 1]:
    probs, value = model(torch.from_numpy(state).float())
    m = Categorical(probs)
    model.saved_actions.append(SavedAction(m.log_prob(torch.tensor(action)), value))
    state, reward, done, _ = env.step(action)
    model.rewards.append(reward)
print("actor-critic loss {:.5f}".format(finish_episode_ac()), model.value_head.bias)
for i_episode in range(1, 41):
    state, ep_reward = env.reset(), 0
    for t in range(1, 21):
        action = select_action_ac(state)
        state, reward, done, _ = env.step(action)
        model.rewards.append(reward)
        ep_reward += reward
        if done:
            break
    finish_episode_ac()
print("actor-critic solved:", greedy_reaches_goal(lambda s: model(s)[0]))
