"""``offline`` mode: fixed batches back to back (:mod:`collect.offline.measure`)."""
