extensions = ["ext"]
df_table_data_dir = "data"
exclude_patterns = ["_build", "data"]
