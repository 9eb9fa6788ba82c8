"""Benchmarking OpenAI-compatible serving endpoints (``collect run --backend openai --mode serve``).

* :mod:`collect.serve.workload`: input/output lengths, exact-length prompts, dataset files.
* :mod:`collect.serve.client`: one streamed request and its timeline (httpx2), server provenance.
* :mod:`collect.serve.metrics`: TTFT, TPOT, ITL, E2E, throughput and goodput from timelines.
* :mod:`collect.serve.runner`: open-loop (Poisson) and closed-loop driving, one record each.
* :mod:`collect.serve.sweep`: the configurations of ``collect run``, and the goodput search.
* :mod:`collect.publish.served` / :mod:`collect.report.served`: token-table cells for
  ``collect publish``, tables and plots for ``collect report``.

Metric definitions follow ``vllm bench serve``; docs/serving.rst has them side by side
with AIPerf's names.
"""
