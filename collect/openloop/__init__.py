"""``poisson`` and ``closed`` modes: on-demand load through a dynamic batcher
(:mod:`collect.openloop.runner`, :mod:`collect.openloop.batcher`)."""
