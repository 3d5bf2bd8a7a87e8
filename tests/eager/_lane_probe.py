"""A lane entry made in front of a recording stand-in for the general entry: which calls the
lane takes itself and which it hands on (``test_lane_clamp``, ``test_hardtanh_lane``)."""


def probe(make):
    """``(entry, calls)``: the entry ``make(general, None)`` builds, and the list of the
    ``(args, kwargs)`` it passed to ``general`` (which returns the string ``"general"``)."""
    calls: list = []

    def general(*args, **kw):
        calls.append((args, kw))
        return "general"
    return make(general, None), calls
