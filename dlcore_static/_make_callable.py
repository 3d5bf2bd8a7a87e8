"""``Session.make_callable(fetches, feed_list=None, accept_options=False)``, as TF 1.15 has it.

With a ``feed_list`` (a list or tuple, else ``TypeError: `feed_list` must be a list or
tuple.``) the callable takes the feeds' values positionally, in ``feed_list``'s order, and
hands any keyword (``options=``, ``run_metadata=``) to ``run``: ``f(*values, **kw)`` is
``sess.run(fetches, feed_dict=dict(zip(feed_list, values)), **kw)`` (zip's pairing: a value
too few leaves that feed out, too many are ignored; a fetch error is raised at the call).

Without one the fetches are checked now (TF builds its fetch handler in make_callable: a bad
fetch is the same TypeError/ValueError as ``run``'s, raised here), and the callable takes no
argument (``options=None, run_metadata=None`` with ``accept_options=True``); for a single
Operation it returns None, else ``run``'s structure of values.

The callable runs through ``Session.run``, whose plan cache keys on the fetches (and the feeds'
tensors): the first call builds the plan, later ones find it.
"""

from __future__ import annotations

from .fetches import FetchMapper
from .graph import Operation


def make_callable(self, fetches, feed_list=None, accept_options: bool = False):
    """``tf.Session.make_callable``: a Python callable that runs ``fetches`` (see the module
    docstring)."""
    run = self.run
    if feed_list is not None:
        if not isinstance(feed_list, (list, tuple)):
            raise TypeError("`feed_list` must be a list or tuple.")
        feeds = list(feed_list)

        def _generic_run(*feed_args, **kwargs):
            feed_dict = {feed: value for feed, value in zip(feeds, feed_args)}
            return run(fetches, feed_dict=feed_dict, **kwargs)
        return _generic_run

    if self._closed:
        raise RuntimeError("Attempted to use a closed Session.")
    FetchMapper(self.graph, fetches)            # (a bad fetch: run's error, raised now)
    if accept_options:
        def _callable_with_options(options=None, run_metadata=None):
            return run(fetches, options=options, run_metadata=run_metadata)
        return _callable_with_options
    if isinstance(fetches, Operation):
        def _single_operation_run():
            run(fetches)
        return _single_operation_run

    def _fetch_run():
        return run(fetches)
    return _fetch_run


def install(session_cls) -> None:
    session_cls.make_callable = make_callable
