# Compatibility form: seed-002 style pandas bodies (fixture data only).
extensions = ["ext"]
df_table_allow_code = True
exclude_patterns = ["_build"]
extensions.append("sphinx.ext.extlinks")
extlinks = {"benchmark-pt": ("https://example.com/benchmarks/%s", "%s")}
