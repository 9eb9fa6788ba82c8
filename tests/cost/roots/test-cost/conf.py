# Test site for the cost review (fixture data only; not published numbers).
extensions = ["ext"]
df_table_data_dir = "data"
exclude_patterns = ["_build", "data"]
# The stale-price check is off here; tests turn it on with a pinned SOURCE_DATE_EPOCH.
df_table_price_max_age_days = 0
smartquotes = False  # as the real site: text shows exactly as written
