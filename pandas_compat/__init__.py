"""Running the old pages' pandas ``df-table`` bodies (the compatibility form).

The layer between the shared core and its two users: it builds on ``perfcore`` and may
import pandas; ``ext`` (the site, only where ``df_table_allow_code = True``) and
``collect.migrate`` (the self-check's child process) use it, and it imports neither.
"""
