"""Benchmarking OpenAI-compatible serving endpoints (``collect run --backend openai --mode serve``).

* :mod:`collect.serve.workload`: input/output lengths, exact-length prompts, dataset files.
* :mod:`collect.serve.client`: one streamed request and its timeline (httpx2), server provenance.
* :mod:`collect.serve.metrics`: TTFT, TPOT, ITL, E2E, throughput and goodput from timelines.
* :mod:`collect.serve.options`: the served sweep's options and the configurations they plan.
* :mod:`collect.serve.runner`: open-loop (Poisson) and closed-loop driving, one record each.
* :mod:`collect.serve.mode`: the ``serve`` mode of the sweep engine, and the goodput search.

Publishing and reporting served records is :mod:`collect.publish.served` and
:mod:`collect.report.served` (they read records, not this package).

Metric definitions follow ``vllm bench serve``; docs/serving.rst has them side by side
with AIPerf's names.
"""
