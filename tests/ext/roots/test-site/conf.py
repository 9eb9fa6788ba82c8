# Test site for the df-table extension (fixture data only; not published numbers).
extensions = ["ext", "sphinx_design", "sphinx.ext.extlinks"]
extlinks = {"benchmark-pt": ("https://example.com/benchmarks/%s", "%s")}
df_table_data_dir = "data"
exclude_patterns = ["_build", "data"]
# The fixture prices are old on purpose; the stale-price check is tested in tests/cost.
df_table_price_max_age_days = 0
