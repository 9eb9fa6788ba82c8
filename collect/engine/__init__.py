"""The sweep engine every measurement mode plugs into (CONTRIBUTING.md, "where a change goes").

* :mod:`collect.engine.options`: what a sweep measures and for how long (:class:`SweepOptions`,
  :class:`Timing` with the one warm-up default); :mod:`collect.engine.values` the option types.
* :mod:`collect.engine.config`: a model configuration and the combinations a mode plans.
* :mod:`collect.engine.mode`: what a mode gives the engine (plan, a measuring session, an
  optional rate search).
* :mod:`collect.engine.sweep`: the loop: resume, to-do list, progress, sampling, append.
* :mod:`collect.engine.outcome`: statuses, out-of-memory skipping, the results record.
* :mod:`collect.engine.slo`: the rate search (latency SLO, or a mode's own target).
* :mod:`collect.engine.metrics`: typed metric summaries.
* :mod:`collect.engine.schedule`, :mod:`collect.engine.gcpause`, :mod:`collect.engine.progress`,
  :mod:`collect.engine.sampling`: arrival schedules, the garbage collector kept out of measured
  intervals, progress lines, utilisation sampling.
"""
