"""``generate`` mode: LLM generation metrics (:mod:`collect.generate.measure`)."""
