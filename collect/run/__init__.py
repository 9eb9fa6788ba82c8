"""``collect run``: its options (:mod:`collect.run.options`), the modes it measures in
(:mod:`collect.run.modes`) and its entry point (:mod:`collect.run.runner`)."""
