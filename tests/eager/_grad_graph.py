"""A tensor's autograd graph as names, for tests that hold two paths to the same nodes."""


def graph_names(t):
    """The names of the nodes reachable from ``t.grad_fn`` (depth first, with their edges)."""
    out, stack, seen = [], [t.grad_fn], set()
    while stack:
        n = stack.pop()
        if n is None or id(n) in seen:
            continue
        seen.add(id(n))
        nxt = [f for f, _ in n.next_functions]
        out.append((n.name(), tuple(None if f is None else f.name() for f in nxt)))
        stack.extend(nxt)
    return out
